using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Tests.Personalization;

/// <summary>Issue #14: a rule's channels in JSON must be known channel names; anything else is a load error naming the rule and the value.</summary>
public sealed class RuleChannelJsonTests
{
    private static string Json(string channels) =>
        "{ \"offers\": [ { \"id\": \"o\", \"kind\": \"freeShipping\" } ], \"rules\": [ { \"id\": \"ok\", \"offer\": \"o\", \"channels\": [\"sms\"], "
        + "\"when\": { \"field\": \"churn.probability\", \"op\": \"ge\", \"value\": 0.5 } }, { \"id\": \"winback\", \"offer\": \"o\", \"channels\": "
        + channels + ", \"when\": { \"field\": \"churn.probability\", \"op\": \"ge\", \"value\": 0.5 } } ] }";

    [Theory]
    [InlineData("whatsapp")]
    [InlineData("we chat")]
    [InlineData("smss")]
    [InlineData("line")]
    public void UnknownChannel_IsALoadError_NamingRuleValueAndValidChannels(string bad)
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load(Json($"[\"wechat\", \"{bad}\"]")));
        var error = Assert.Single(ex.Errors);
        Assert.Equal("$.rules[1].channels[1]", error.Path);
        Assert.Equal(bad, error.Value);
        Assert.Contains("Rule 'winback'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"unknown channel '{bad}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("valid channels: wechat, email, sms, push", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralUnknownChannels_AreEachReported()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load(Json("[\"fax\", \"email\", \"pigeon\"]")));
        Assert.Equal(["$.rules[1].channels[0]", "$.rules[1].channels[2]"], ex.Errors.Select(e => e.Path));
    }

    [Fact]
    public void KnownNamesAndAliases_Load_CaseInsensitively()
    {
        var set = PersonalizationRuleJson.Load(Json("[\"WeChat\", \"weixin\", \"E-Mail\", \"text\", \"app-push\"]"));
        var rule = set.Rules.Single(r => r.Id == "winback");
        Assert.Equal(
            [ContactChannelKind.WeChat, ContactChannelKind.WeChat, ContactChannelKind.Email, ContactChannelKind.Sms, ContactChannelKind.AppPush],
            rule.Channels.Select(c => c.Kind));
    }
}
