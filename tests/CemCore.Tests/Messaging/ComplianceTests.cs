using System.Security.Cryptography;
using System.Text;
using CemCore.Channels;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Tests.Messaging;

/// <summary>E-mail compliance (List-Unsubscribe per RFC 2369/8058, plain-text part, URL scheme allow-list), WeChat field limits, and
/// inbound opt-out keywords.</summary>
public sealed class ComplianceTests
{
    private static readonly byte[] Key = Encoding.ASCII.GetBytes("0123456789abcdef-test-key");
    private static readonly Offer WinBack = new("winback20", OfferKind.PercentageDiscount, 20m, coupon: new CouponPolicy());

    private static ChannelMessage Message(string link = "https://shop.example/sale", string locale = "en-US") =>
        new("C-17", "winback", WinBack, "WBK7M2Q9", null, locale, null, new Dictionary<string, string> { ["name"] = "Li Lei", ["link"] = link });

    private static TemplateCatalog Catalog(string body = "<p>Hello {{name}},</p><p>enjoy <b>{{offer}}</b> with code {{code}}: <a href=\"{{link}}\">shop now</a></p>") =>
        new TemplateCatalogBuilder()
            .Add(MessageTemplate.Email("winback", "en-US", "We miss you", body))
            .Add(MessageTemplate.Email("winback", "zh-CN", "好久不见", body))
            .Add(MessageTemplate.WeChat("winback", "en-US", "TM-1", [new("thing1", "{{name}} — {{offer}}"), new("character_string2", "{{code}}"), new("remark", "{{link}}")]))
            .DeclareVariables("link")
            .Build();

    private static UnsubscribeLinks Links() => new(new Uri("https://shop.example/unsubscribe"), Key, "unsubscribe@shop.example");

    [Fact]
    public void Email_WithUnsubscribeLinks_HasRfc8058Headers_FooterLink_AndAVerifiableSignature()
    {
        var renderer = new MessageRenderer(Catalog(), new RenderSettings { Unsubscribe = Links() });
        var m = renderer.Render(Message(), ContactChannel.Email);

        // The signature, computed independently: HMAC-SHA256(key, "C-17\nEMAIL"), first 16 bytes, base64url without padding.
        var mac = HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes("C-17\nEMAIL"));
        var sig = Convert.ToBase64String(mac, 0, 16).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var url = $"https://shop.example/unsubscribe?c=C-17&ch=email&s={sig}";
        Assert.Equal($"<{url}>, <mailto:unsubscribe@shop.example?subject=unsubscribe>", m.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", m.Headers["list-unsubscribe-post"]);
        Assert.Contains($"<a href=\"{url.Replace("&", "&amp;", StringComparison.Ordinal)}\">Unsubscribe</a>", m.Body, StringComparison.Ordinal);
        Assert.EndsWith($"Unsubscribe ({url})", m.TextBody, StringComparison.Ordinal);

        Assert.True(Links().Verify("C-17", ContactChannel.Email, sig));
        Assert.False(Links().Verify("C-18", ContactChannel.Email, sig)); // another customer's link cannot be forged from this one
        Assert.False(Links().Verify("C-17", ContactChannel.Sms, sig));
        Assert.False(new UnsubscribeLinks(new Uri("https://shop.example/unsubscribe"), Encoding.ASCII.GetBytes("another-key-0123456789")).Verify("C-17", ContactChannel.Email, sig));
        Assert.False(Links().Verify("C-17", ContactChannel.Email, null));
    }

    [Fact]
    public void Email_TemplateThatPlacesTheLink_GetsNoSecondFooter_ChineseFooterOtherwise()
    {
        var renderer = new MessageRenderer(Catalog("<p>{{offer}}</p><p><a href=\"{{unsubscribe_url}}\">Manage e-mails</a></p>"), new RenderSettings { Unsubscribe = Links() });
        var m = renderer.Render(Message(), ContactChannel.Email);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(m.Body, "unsubscribe\\?c="));
        Assert.DoesNotContain(">Unsubscribe<", m.Body, StringComparison.Ordinal);

        var zh = new MessageRenderer(Catalog(), new RenderSettings { Unsubscribe = Links() }).Render(Message(locale: "zh-CN"), ContactChannel.Email);
        Assert.Contains(">退订</a>", zh.Body, StringComparison.Ordinal);

        // Without links configured, the variable is unknown: an error, not a broken link.
        Assert.Throws<TemplateException>(() => new MessageRenderer(Catalog("<a href=\"{{unsubscribe_url}}\">x</a>")).Render(Message(), ContactChannel.Email));
        Assert.Empty(new MessageRenderer(Catalog()).Render(Message(), ContactChannel.Email).Headers);
    }

    [Theory]
    [InlineData("javascript:alert(1)", "javascript")]
    [InlineData("JavaScript:alert(1)", "JavaScript")]
    [InlineData(" java\tscript:alert(1)", "javascript")]
    [InlineData("data:text/html;base64,PHNjcmlwdD4=", "data")]
    [InlineData("vbscript:msgbox", "vbscript")]
    public void Email_LinkWithADisallowedScheme_IsRefused_FromAValue(string link, string scheme)
    {
        var ex = Assert.Throws<TemplateException>(() => new MessageRenderer(Catalog()).Render(Message(link), ContactChannel.Email));
        Assert.Contains($"'{scheme}:'", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Li Lei", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<a href=\"java&#x09;script:alert(1)\">x</a>")]
    [InlineData("<a href='&#106;avascript:alert(1)'>x</a>")]
    [InlineData("<img src=javascript:alert(1)>")]
    public void Email_TemplateLiteralWithAnEncodedJavascriptUrl_IsRefused(string body) =>
        Assert.Throws<TemplateException>(() => new MessageRenderer(Catalog(body)).Render(Message(), ContactChannel.Email));

    [Theory]
    [InlineData("https://shop.example/sale?x=1&y=2")]
    [InlineData("mailto:care@shop.example")]
    [InlineData("tel:+86-10-1234")]
    [InlineData("/relative/path")]
    [InlineData("#top")]
    public void Email_AllowedOrRelativeLinks_Render(string link)
    {
        var m = new MessageRenderer(Catalog()).Render(Message(link), ContactChannel.Email);
        Assert.Contains("shop now", m.Body, StringComparison.Ordinal);
        Assert.Null(UrlSchemes.FindDisallowed(m.Body, UrlSchemes.Default));
    }

    [Fact]
    public void Email_PlainTextPart_KeepsLinesLinksAndText()
    {
        var m = new MessageRenderer(Catalog()).Render(Message("https://shop.example/sale?a=1&b=2"), ContactChannel.Email);
        Assert.Equal("Hello Li Lei,\nenjoy 20% off with code WBK7M2Q9: shop now (https://shop.example/sale?a=1&b=2)", m.TextBody);
        Assert.Equal("a\n\nb", HtmlText.ToText("<p>a</p><br><br><br><p>b</p>"));
        Assert.Equal("Tom & Jerry <3", HtmlText.ToText("<b>Tom &amp; Jerry</b> &lt;3"));
    }

    [Fact]
    public void WeChat_FieldLimits_ByTypedKeyPrefix()
    {
        var renderer = new MessageRenderer(Catalog());
        var ok = renderer.Render(new ChannelMessage("C-1", "winback", new Offer("o", OfferKind.FreeShipping, 0m), "CODE", fields: new Dictionary<string, string> { ["name"] = "Li", ["link"] = new string('x', 150) }), ContactChannel.WeChat);
        Assert.Equal("CODE", ok.Fields["character_string2"]);

        // thing1 is a WeChat "thing": at most 20 characters.
        var longName = new ChannelMessage("C-1", "winback", WinBack, "CODE", fields: new Dictionary<string, string> { ["name"] = "Alexandra Konstantinou", ["link"] = "x" });
        var ex = Assert.Throws<TemplateException>(() => renderer.Render(longName, ContactChannel.WeChat));
        Assert.Contains("field 'thing1'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("limit of 20", ex.Message, StringComparison.Ordinal);

        // Untyped keys (template messages) use MaxWeChatFieldLength.
        var strict = new MessageRenderer(Catalog(), new RenderSettings { MaxWeChatFieldLength = 100 });
        var tooLong = Assert.Throws<TemplateException>(() => strict.Render(new ChannelMessage("C-1", "winback", new Offer("o", OfferKind.FreeShipping, 0m), "CODE", fields: new Dictionary<string, string> { ["name"] = "Li", ["link"] = new string('x', 150) }), ContactChannel.WeChat));
        Assert.Contains("field 'remark'", tooLong.Message, StringComparison.Ordinal);
        Assert.Equal(20, WeChatFieldLimits.For("thing12", 200));
        Assert.Equal(200, WeChatFieldLimits.For("thing", 200));
        Assert.Equal(200, WeChatFieldLimits.For("things1", 200));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RenderSettings { MaxWeChatFieldLength = 0 });
    }

    [Theory]
    [InlineData("TD", "TD")]
    [InlineData(" td ", "TD")]
    [InlineData("退订", "退订")]
    [InlineData("STOP", "STOP")]
    [InlineData("Stop.", "STOP")]
    [InlineData("unsubscribe!", "UNSUBSCRIBE")]
    [InlineData("【退订】", "退订")]
    [InlineData("please stop", null)]
    [InlineData("STOPPED", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void OptOutKeywords_WholeMessageOnly(string? text, string? keyword) => Assert.Equal(keyword, OptOutKeywords.Match(text));

    [Fact]
    public async Task UnsubscribeLink_Verified_RevokesMarketingOnTheChannel_ForgedDoesNothing()
    {
        var consent = new InMemoryConsentStore();
        var handler = new InboundOptOutHandler(consent);
        var at = new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero);
        var url = Links().UrlFor("C-17", ContactChannel.Email);
        var sig = System.Web.HttpUtility.ParseQueryString(url.Query)["s"];

        var forged = await handler.HandleLinkAsync(Links(), "C-18", ContactChannel.Email, sig, at);
        Assert.False(forged.OptedOut);
        Assert.Null(await consent.GetStatusAsync("C-18", ContactChannel.Email, ConsentPurpose.Marketing, at));

        var real = await handler.HandleLinkAsync(Links(), "C-17", ContactChannel.Email, sig, at);
        Assert.Equal((true, "unsubscribe-link"), (real.OptedOut, real.Keyword));
        Assert.Equal(ConsentStatus.Revoked, await consent.GetStatusAsync("C-17", ContactChannel.Email, ConsentPurpose.Marketing, at));
        Assert.Null(await consent.GetStatusAsync("C-17", ContactChannel.Sms, ConsentPurpose.Marketing, at));
    }

    [Fact]
    public void UnsubscribeLinks_BadConfiguration_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new UnsubscribeLinks(new Uri("http://shop.example/u"), Key));
        Assert.Throws<ArgumentException>(() => new UnsubscribeLinks(new Uri("https://shop.example/u"), new byte[8]));
        Assert.Throws<ArgumentException>(() => new UnsubscribeLinks(new Uri("https://shop.example/u"), Key, "a@b>, <mailto:x@y"));
        var withQuery = new UnsubscribeLinks(new Uri("https://shop.example/u?list=news"), Key).UrlFor("C 1/2", ContactChannel.Email).AbsoluteUri;
        Assert.StartsWith("https://shop.example/u?list=news&c=C%201%2F2&ch=email&s=", withQuery, StringComparison.Ordinal);
    }

    [Fact]
    public void StandardCampaigns_CompensationCoupons_AreMarketingUnlessTheHostSaysOtherwise()
    {
        Assert.All(StandardCampaigns.Create().Rules.Where(r => r.Id.StartsWith("aftersales", StringComparison.Ordinal) || r.Id == "csat-makegood"),
            r => Assert.Equal(ConsentPurpose.Marketing, r.Purpose));
        Assert.All(StandardCampaigns.Create(compensationPurpose: ConsentPurpose.Service).Rules.Where(r => r.Id.StartsWith("aftersales", StringComparison.Ordinal)),
            r => Assert.Equal(ConsentPurpose.Service, r.Purpose));
    }
}
