using CemCore.Channels;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Tests.Messaging;

public sealed class MessageRendererTests
{
    private static readonly DateTimeOffset Until = new(2026, 4, 1, 0, 0, 0, TimeSpan.FromHours(8));

    private static readonly Offer WinBack = new("winback20", OfferKind.PercentageDiscount, 20m, validUntil: Until, coupon: new CouponPolicy());

    internal static TemplateCatalog Catalog() => new TemplateCatalogBuilder()
        .Add(MessageTemplate.Email("winback", "en-US", "We miss you, {{name}}", "<p>Hello {{name}}, enjoy {{offer}} with code <b>{{code}}</b> until {{valid_until}}.</p>"))
        .Add(MessageTemplate.Email("winback", "zh-CN", "{{name}}，好久不见", "<p>{{name}}您好，{{offer}}优惠码<b>{{code}}</b>，有效期至{{valid_until}}。</p>"))
        .Add(MessageTemplate.Sms("winback", "en-US", "{{name}}, {{offer}} with code {{code}} until {{valid_until}}."))
        .Add(MessageTemplate.Sms("winback", "zh-CN", "【品牌】{{name}}，送您{{offer}}券，券码{{code}}，{{valid_until}}前有效。"))
        .Add(MessageTemplate.Push("winback", "en-US", "We miss you", "{{offer}}: {{code}} (until {{valid_until}})"))
        .Add(MessageTemplate.Push("winback", "zh-CN", "好久不见", "{{offer}}券码{{code}}，{{valid_until}}前有效"))
        .Add(MessageTemplate.WeChat("winback", "zh-CN", "TM-00001", [new("first", "{{name}}，送您一张优惠券"), new("keyword1", "{{code}}"), new("keyword2", "{{valid_until}}"), new("remark", "{{offer}}")]))
        .Add(MessageTemplate.WeChat("winback", "en-US", "TM-00001", [new("first", "{{name}}, a coupon for you"), new("keyword1", "{{code}}"), new("keyword2", "{{valid_until}}"), new("remark", "{{offer}}")]))
        .Build();

    private static ChannelMessage Message(string locale, string name = "Li Lei") => new(
        "C1", "winback", WinBack, "WBK7M2Q9XPRT", Until, locale, TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"), new Dictionary<string, string> { ["name"] = name });

    [Theory]
    [InlineData("en-US")]
    [InlineData("zh-CN")]
    public void EveryChannel_ShowsSameCodeAndValidity(string locale)
    {
        var renderer = new MessageRenderer(Catalog());
        foreach (var channel in new[] { ContactChannel.Email, ContactChannel.Sms, ContactChannel.AppPush, ContactChannel.WeChat })
        {
            var m = renderer.Render(Message(locale), channel);
            var all = (m.Subject ?? "") + m.Body + string.Concat(m.Fields.Values);
            Assert.Contains("WBK7M2Q9XPRT", all, StringComparison.Ordinal);
            Assert.Contains("2026-03-31", all, StringComparison.Ordinal); // last valid local day (exclusive end 2026-04-01 00:00 +08)
            Assert.Equal(locale, m.Locale);
        }
    }

    [Fact]
    public void Email_HtmlEncodesValues_NotTemplate()
    {
        var m = new MessageRenderer(Catalog()).Render(Message("en-US", "<script>alert(1)</script>"), ContactChannel.Email);
        Assert.Contains("&lt;script&gt;", m.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", m.Body, StringComparison.Ordinal);
        Assert.Contains("<b>WBK7M2Q9XPRT</b>", m.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Subject_ValueWithLineBreak_CannotInjectHeader()
    {
        var m = new MessageRenderer(Catalog()).Render(Message("en-US", "Li\r\nBcc: x@y"), ContactChannel.Email);
        Assert.DoesNotContain('\n', m.Subject!);
        Assert.DoesNotContain('\r', m.Subject!);
    }

    [Fact]
    public void Sms_AppendsOptOutSuffixPerLocale_AndCountsChineseAsUcs2()
    {
        var renderer = new MessageRenderer(Catalog());
        var zh = renderer.Render(Message("zh-CN", "李雷"), ContactChannel.Sms);
        Assert.EndsWith("回复TD退订", zh.Body, StringComparison.Ordinal);
        Assert.Equal(SmsEncoding.Ucs2, SmsSegments.Count(zh.Body).Encoding);
        var en = renderer.Render(Message("en-US"), ContactChannel.Sms);
        Assert.EndsWith(" Reply STOP to opt out", en.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void Sms_TooLong_IsAnError_NotTruncated()
    {
        var renderer = new MessageRenderer(Catalog(), new RenderSettings(MaxSmsSegments: 1));
        var ex = Assert.Throws<TemplateException>(() => renderer.Render(Message("zh-CN", new string('李', 40)), ContactChannel.Sms));
        Assert.Contains("part", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("李", ex.Message, StringComparison.Ordinal);
        Assert.Throws<TemplateException>(() => new MessageRenderer(Catalog()).Render(Message("en-US"), ContactChannel.Sms, new ChannelCapabilities(MaxLength: 20)));
    }

    [Fact]
    public void Push_OverLimit_IsAnError()
    {
        var renderer = new MessageRenderer(Catalog(), new RenderSettings(MaxPushBodyLength: 10));
        Assert.Throws<TemplateException>(() => renderer.Render(Message("en-US"), ContactChannel.AppPush));
    }

    [Fact]
    public void WeChat_HasTemplateIdAndFields()
    {
        var m = new MessageRenderer(Catalog()).Render(Message("zh-CN", "李雷"), ContactChannel.WeChat);
        Assert.Equal("TM-00001", m.TemplateId);
        Assert.Equal("WBK7M2Q9XPRT", m.Fields["keyword1"]);
        Assert.Equal("8折", m.Fields["remark"]);
        Assert.Equal("李雷，送您一张优惠券", m.Fields["first"]);
    }

    [Fact]
    public void MissingCode_IsRenderError_NeverBlank()
    {
        var msg = new ChannelMessage("C1", "winback", WinBack, couponCode: null, locale: "en-US", fields: new Dictionary<string, string> { ["name"] = "A" });
        var ex = Assert.Throws<TemplateException>(() => new MessageRenderer(Catalog()).Render(msg, ContactChannel.Sms));
        Assert.Contains("'code'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownTemplateKeyOrChannel_IsError()
    {
        var msg = new ChannelMessage("C1", "nope", WinBack, "X", locale: "en-US");
        Assert.Throws<TemplateException>(() => new MessageRenderer(Catalog()).Render(msg, ContactChannel.Sms));
    }

    [Fact]
    public void Preview_IsOneLine_WithoutTags()
    {
        var m = new MessageRenderer(Catalog()).Render(Message("en-US", "A & B"), ContactChannel.Email);
        var p = MessageRenderer.Preview(m);
        Assert.DoesNotContain('<', p);
        Assert.DoesNotContain('\n', p);
        Assert.Contains("A & B", p, StringComparison.Ordinal);
    }
}
