using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Tests.Messaging;

/// <summary>Issue #14 throughput: the renderer reuses per-thread buffers and caches; these tests pin that reuse never leaks between messages.</summary>
public sealed class RenderReuseTests
{
    private static readonly DateTimeOffset Until = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static TemplateCatalog Catalog() => new TemplateCatalogBuilder()
        .Add(MessageTemplate.WeChat("m", "en-US", "TM-1", [new("first", "{{name}}, for you"), new("keyword1", "{{offer}}"), new("keyword2", "{{valid_until}}"), new("remark", "In store.")]))
        .Add(MessageTemplate.Email("m", "en-US", "{{name}}", "{{name}}"))
        .Build();

    private static ChannelMessage Message(Offer offer, string name, string zone) =>
        new("C1", "m", offer, null, Until, "en-US", TimeZoneInfo.FindSystemTimeZoneById(zone), new Dictionary<string, string> { ["name"] = name });

    [Fact]
    public void WeChatFields_KeepTemplateOrder_AndBehaveAsAReadOnlyMap()
    {
        var offer = new Offer("o", OfferKind.FreeShipping, 0m, validUntil: Until);
        var m = new MessageRenderer(Catalog()).Render(Message(offer, "Ann", "UTC"), ContactChannel.WeChat);
        Assert.Equal(["first", "keyword1", "keyword2", "remark"], m.Fields.Keys);
        Assert.Equal(4, m.Fields.Count);
        Assert.Equal("Ann, for you", m.Fields["first"]);
        Assert.Equal("free shipping", m.Fields["keyword1"]);
        Assert.True(m.Fields.ContainsKey("remark"));
        Assert.False(m.Fields.TryGetValue("keyword9", out _));
        Assert.Throws<KeyNotFoundException>(() => m.Fields["keyword9"]);
        Assert.Equal("Ann, for you free shipping 2026-03-31 In store.", m.Body);
    }

    [Fact]
    public void ConsecutiveMessages_OnOneThread_DoNotShareOffersDatesOrNames()
    {
        var renderer = new MessageRenderer(Catalog());
        var a = renderer.Render(Message(new Offer("a", OfferKind.FreeShipping, 0m, validUntil: Until), "Ann", "UTC"), ContactChannel.WeChat);
        var b = renderer.Render(Message(new Offer("b", OfferKind.PercentageDiscount, 15m, validUntil: Until), "Bob", "Asia/Shanghai"), ContactChannel.WeChat);
        var c = renderer.Render(Message(new Offer("a", OfferKind.FreeShipping, 0m, validUntil: Until), "Cy", "America/Los_Angeles"), ContactChannel.WeChat);
        Assert.Equal(["Ann, for you", "free shipping", "2026-03-31"], a.Fields.Values.Take(3));
        Assert.Equal(["Bob, for you", "15% off", "2026-04-01"], b.Fields.Values.Take(3)); // 2026-04-01 00:00Z is 08:00 in Shanghai
        Assert.Equal(["Cy, for you", "free shipping", "2026-03-31"], c.Fields.Values.Take(3));
    }

    [Fact]
    public void ATextThatIsOnePlaceholder_IsStillEscaped()
    {
        var offer = new Offer("o", OfferKind.FreeShipping, 0m);
        var m = new MessageRenderer(Catalog()).Render(Message(offer, "<b>Ann</b>\r\nBcc: x", "UTC"), ContactChannel.Email);
        Assert.Equal("&lt;b&gt;Ann&lt;/b&gt;\r\nBcc: x", m.Body); // HTML-encoded in the body
        Assert.Equal("<b>Ann</b>  Bcc: x", m.Subject); // control characters become spaces in the plain-text subject
    }

    [Fact]
    public void WeChatTemplate_WithADuplicateField_IsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => MessageTemplate.WeChat("m", "en-US", "TM-1", [new("first", "a"), new("first", "b")]));
        Assert.Contains("Duplicate field 'first'", ex.Message, StringComparison.Ordinal);
    }
}
