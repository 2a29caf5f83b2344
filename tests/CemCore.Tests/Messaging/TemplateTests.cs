using CemCore.Messaging;
using CemCore.Primitives;

namespace CemCore.Tests.Messaging;

public sealed class TemplateTests
{
    private static readonly Func<string, string> Id = s => s;

    [Fact]
    public void Render_SubstitutesOnce_NoRecursiveExpansion()
    {
        var t = TemplateText.Parse("Hi {{ name }}, code {{code}}", "t");
        var text = t.Render(new Dictionary<string, string> { ["name"] = "{{code}}", ["code"] = "ABC" }, Id, "t");
        Assert.Equal("Hi {{code}}, code ABC", text);
    }

    [Fact]
    public void Render_MissingValue_ThrowsNamingVariable()
    {
        var t = TemplateText.Parse("Hi {{name}}", "tpl");
        var ex = Assert.Throws<TemplateException>(() => t.Render(new Dictionary<string, string>(), Id, "tpl"));
        Assert.Contains("'name'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hi {{name")]
    [InlineData("Hi {{Name}}")]
    [InlineData("Hi {{na-me}}")]
    [InlineData("Hi {{}}")]
    [InlineData("Hi {{name | upper}}")]
    public void Parse_Malformed_Throws(string source) =>
        Assert.Throws<TemplateException>(() => TemplateText.Parse(source, "t"));

    [Fact]
    public void Parse_EscapedBraces_AreLiteral()
    {
        var t = TemplateText.Parse("{{{{x}} {{name}}", "t");
        Assert.Equal("{{x}} Li", t.Render(new Dictionary<string, string> { ["name"] = "Li" }, Id, "t"));
        Assert.Equal(["name"], t.Variables);
    }

    [Fact]
    public void Catalog_UnknownVariable_FailsAtLoad()
    {
        var builder = new TemplateCatalogBuilder().Add(MessageTemplate.Sms("winback", "en-US", "Hi {{nickname}}"));
        var ex = Assert.Throws<TemplateException>(builder.Build);
        Assert.Contains("unknown variable 'nickname'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("winback", ex.Message, StringComparison.Ordinal);

        var ok = new TemplateCatalogBuilder().DeclareVariables("nickname").Add(MessageTemplate.Sms("winback", "en-US", "Hi {{nickname}}")).Build();
        Assert.Equal(1, ok.Count);
    }

    [Fact]
    public void Catalog_Duplicate_FailsAtLoad()
    {
        var builder = new TemplateCatalogBuilder()
            .Add(MessageTemplate.Sms("k", "en-US", "a"))
            .Add(MessageTemplate.Sms("k", "en-US", "b"));
        Assert.Throws<TemplateException>(builder.Build);
    }

    [Fact]
    public void Catalog_LocaleFallback_LanguageThenDefault()
    {
        var catalog = new TemplateCatalogBuilder()
            .Add(MessageTemplate.Sms("k", "en-US", "en"))
            .Add(MessageTemplate.Sms("k", "zh-CN", "zh"))
            .Build();
        Assert.True(catalog.TryGet("k", "zh-TW", ContactChannelKind.Sms, out var t1));
        Assert.Equal("zh-CN", t1.Locale);
        Assert.True(catalog.TryGet("k", "fr-FR", ContactChannelKind.Sms, out var t2));
        Assert.Equal("en-US", t2.Locale);
        Assert.False(catalog.TryGet("k", "en-US", ContactChannelKind.Email, out _));
    }

    [Fact]
    public void Builder_IsSingleUse()
    {
        var b = new TemplateCatalogBuilder();
        b.Build();
        Assert.Throws<InvalidOperationException>(b.Build);
        Assert.Throws<ArgumentException>(() => new TemplateCatalogBuilder().DeclareVariables("Bad"));
    }
}
