using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using static CemCore.Tests.Personalization.OfferTestData;

namespace CemCore.Tests.Personalization;

public sealed class PersonalizationRuleSetTests
{
    private static readonly Condition Any = Condition.Field("churn.probability").AtLeast(0);

    private static PersonalizationRuleSetBuilder WithOffer() =>
        new PersonalizationRuleSetBuilder().AddOffer(new Offer("o1", OfferKind.PercentageDiscount, 10m));

    [Fact]
    public void Build_UnknownField_ReportsPathAndField()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => WithOffer().AddRule("r1", r => r.When(Condition.Field("features.nope").AtLeast(1)).Grant("o1")).Build());
        var e = Assert.Single(ex.Errors);
        Assert.StartsWith("rules['r1'].when", e.Path, StringComparison.Ordinal);
        Assert.Equal("features.nope", e.Field);
    }

    [Fact]
    public void Build_UnknownOfferAndCampaign_AreReported()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => WithOffer().AddRule("r1", r => r.When(Any).Grant("missing").InCampaign("nobudget")).Build());
        Assert.Contains(ex.Errors, e => e.Path == "rules['r1'].offer" && e.Value == "missing");
        Assert.Contains(ex.Errors, e => e.Path == "rules['r1'].campaign" && e.Value == "nobudget");
    }

    [Fact]
    public void Build_MissingConditionOrOffer_DuplicateIds()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => WithOffer()
            .AddRule("r1", r => r.Grant("o1"))
            .AddRule("r2", r => r.When(Any))
            .AddRule("r3", r => r.When(Any).Grant("o1"))
            .AddRule("r3", r => r.When(Any).Grant("o1"))
            .AddRule("bad id", r => r.When(Any).Grant("o1"))
            .Build());
        Assert.Contains(ex.Errors, e => e.Path == "rules['r1'].when");
        Assert.Contains(ex.Errors, e => e.Path == "rules['r2'].offer");
        Assert.Contains(ex.Errors, e => e.Path == "rules['r3'].id" && e.Message.Contains("Duplicate", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Path == "rules['bad id'].id");
    }

    [Fact]
    public void Build_OverlappingExclusiveRules_SamePriority_IsError()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => WithOffer()
            .AddRule("a", r => r.When(Any).Grant("o1").WithPriority(5).InGroup("g"))
            .AddRule("b", r => r.When(Any).Grant("o1").WithPriority(5).InGroup("g"))
            .Build());
        Assert.Contains("Overlapping exclusive rules", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);

        Assert.Throws<RuleDefinitionException>(() => WithOffer()
            .AddRule("a", r => r.When(Any).Grant("o1").WithPriority(5).Exclusive())
            .AddRule("b", r => r.When(Any).Grant("o1").WithPriority(5).Exclusive())
            .Build());

        // Disjoint windows, or different priorities, are fine.
        var ok = WithOffer()
            .AddRule("a", r => r.When(Any).Grant("o1").WithPriority(5).InGroup("g").ValidBetween(null, AsOf))
            .AddRule("b", r => r.When(Any).Grant("o1").WithPriority(5).InGroup("g").ValidBetween(AsOf, null))
            .AddRule("c", r => r.When(Any).Grant("o1").WithPriority(4).InGroup("g"))
            .Build();
        Assert.Equal(3, ok.Rules.Count);
    }

    [Fact]
    public void Build_ExpiredOffer_AndNeverFiringRule_AreErrors()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => new PersonalizationRuleSetBuilder()
            .AddOffer(new Offer("old", OfferKind.FreeShipping, 0m, AsOf.AddDays(-30), AsOf.AddDays(-1)))
            .AddRule("r", r => r.When(Any).Grant("old").ValidBetween(AsOf, null))
            .RejectOffersExpiredAt(AsOf)
            .Build());
        Assert.Contains(ex.Errors, e => e.Path == "offers['old'].validUntil" && e.Message.Contains("expired", StringComparison.Ordinal));
        Assert.Contains(ex.Errors, e => e.Path == "rules['r']" && e.Message.Contains("never fire", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_MissingTemplate_IsError()
    {
        var catalog = new TemplateCatalogBuilder().Add(MessageTemplate.Sms("r", "en-US", "{{offer}}")).Build();
        var ex = Assert.Throws<RuleDefinitionException>(() => WithOffer()
            .AddRule("r", r => r.When(Any).Grant("o1").OnChannels(ContactChannel.Sms, ContactChannel.Email))
            .WithTemplates(catalog)
            .Build());
        var e = Assert.Single(ex.Errors);
        Assert.Equal("rules['r'].template", e.Path);
        Assert.Contains("email", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_IsSingleUse()
    {
        var b = WithOffer();
        b.Build();
        Assert.Throws<InvalidOperationException>(() => b.AddOffer(new Offer("x", OfferKind.FreeShipping, 0m)));
    }

    [Fact]
    public void StandardCampaigns_CoverEverySourceCaseWithTemplates()
    {
        var set = StandardCampaigns.Create();
        Assert.Equal(15, set.Rules.Count);
        Assert.Equal(set.Rules.Select(r => r.Id).Order(StringComparer.Ordinal), SourceCases().Select(c => c.ExpectedRule).Order(StringComparer.Ordinal));
    }

    internal const string SampleJson = """
        {
          // The after-sales and win-back cases from the source documents.
          "conditions": { "highRisk": { "field": "churn.probability", "op": "ge", "value": 0.6 } },
          "offers": [
            { "id": "size15", "kind": "percentageDiscount", "value": 15, "categories": ["apparel"], "redeemableChannels": ["online", "store"],
              "coupon": { "prefix": "AS", "validForDays": 30 } },
            { "id": "quality20", "kind": "percentageDiscount", "value": 20, "perks": ["freeExchange"], "coupon": {} },
            { "id": "wb20", "kind": "percentageDiscount", "value": 20, "budgetCost": 8, "coupon": { "maxRedemptionsPerCode": 1 } }
          ],
          "budgets": [ { "campaign": "winback", "maxCount": 1000, "maxAmount": 8000 } ],
          "rules": [
            { "id": "size", "priority": 100, "group": "aftersales", "purpose": "service", "offer": "size15", "template": "aftersales-size",
              "when": { "all": [ { "field": "event.lastReturn.reason", "op": "eq", "value": "Size" },
                                 { "field": "event.lastReturn.at", "op": "withinLastDays", "value": 30 } ] } },
            { "id": "quality", "priority": 99, "group": "aftersales", "purpose": "service", "offer": "quality20", "template": "aftersales-quality",
              "when": { "field": "event.lastReturn.reason", "op": "eq", "value": "Quality" } },
            { "id": "winback", "priority": 50, "offer": "wb20", "campaign": "winback", "channels": ["wechat", "sms"], "when": { "ref": "highRisk" } }
          ]
        }
        """;

    [Fact]
    public void Json_LoadsSourceCases_AndDecidesLikeCSharp()
    {
        var set = PersonalizationRuleJson.Load(SampleJson);
        Assert.Equal(["size", "quality", "winback"], set.Rules.Select(r => r.Id));
        Assert.Equal(OfferPerks.FreeExchange, set.Offers["quality20"].Perks);
        Assert.Equal(TimeSpan.FromDays(30), set.Offers["size15"].Coupon!.ValidFor);
        Assert.Equal(new BudgetLimits(1000, 8000m), set.Budgets["winback"]);
        var engine = new OfferDecisionEngine(set);
        Assert.Equal("winback", engine.Decide(Context("J1").SetChurnProbability(0.7)).Rule!.Id);
        Assert.Equal("size", engine.Decide(Context("J2").SetLastReturn(new ReturnFact(CemCore.Transactions.ReturnReason.Size, AsOf.AddDays(-2)))).Rule!.Id);
    }

    [Theory]
    [InlineData("""{ "rules": [ { "id": "r", "offer": "o", "when": { "field": "churn.probability", "op": "ge", "value": 0.5 }, "colour": "red" } ], "offers": [ { "id": "o", "kind": "freeShipping" } ] }""", "$.rules[0].colour")]
    [InlineData("""{ "rules": [ { "id": "r", "offer": "o", "when": { "field": "features.bogus", "op": "ge", "value": 1 } } ], "offers": [ { "id": "o", "kind": "freeShipping" } ] }""", "$.rules[0].when")]
    [InlineData("""{ "rules": [ { "id": "r", "offer": "zzz", "when": { "field": "churn.probability", "op": "ge", "value": 0.5 } } ] }""", "$.rules[0].offer")]
    [InlineData("""{ "rules": [], "offers": [ { "id": "o", "kind": "halfPrice", "value": 50 } ] }""", "$.offers[0].kind")]
    [InlineData("""{ "rules": [], "offers": [ { "id": "o", "kind": "percentageDiscount", "value": 150 } ] }""", "$.offers[0]")]
    [InlineData("""{ "rules": [], "offers": [ { "id": "o", "kind": "freeShipping", "validUntil": "2026-01-01" } ] }""", "$.offers[0].validUntil")]
    [InlineData("""{ "rules": [ { "id": "r", "offer": "o", "purpose": "spam", "when": { "field": "churn.probability", "op": "ge", "value": 0.5 } } ], "offers": [ { "id": "o", "kind": "freeShipping" } ] }""", "$.rules[0].purpose")]
    [InlineData("""{ "rules": [], "budgets": [ { "campaign": "c", "maxCount": -5 } ] }""", "$.budgets[0]")]
    [InlineData("""{ "offers": [] }""", "$.rules")]
    [InlineData("""{ "rules": [ """, "$")]
    [InlineData("""{ "rules": [], "code": "System.IO.File.Delete('x')" }""", "$.code")]
    public void Json_InvalidDefinitions_FailWithPath(string json, string path)
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load(json));
        Assert.Contains(ex.Errors, e => e.Path.StartsWith(path, StringComparison.Ordinal));
    }

    [Fact]
    public void Json_TemplateAndExpiryChecks()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load(SampleJson, new TemplateCatalogBuilder().Build()));
        Assert.Contains(ex.Errors, e => e.Path == "$.rules[0].template");
        var expired = """{ "rules": [], "offers": [ { "id": "o", "kind": "freeShipping", "validUntil": "2026-01-01T00:00:00+08:00" } ] }""";
        var ex2 = Assert.Throws<RuleDefinitionException>(() => PersonalizationRuleJson.Load(expired, rejectOffersExpiredAt: AsOf));
        Assert.Contains(ex2.Errors, e => e.Path == "$.offers[0].validUntil");
    }
}
