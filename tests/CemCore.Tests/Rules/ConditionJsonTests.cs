using CemCore.Rules;
using static CemCore.Tests.Rules.RuleTestData;

namespace CemCore.Tests.Rules;

public sealed class ConditionJsonTests
{
    private const string Sample = """
        {
          "version": 1,
          // Comments are allowed.
          "conditions": {
            "recentSneakers": { "field": "features.category.sneakers.lastPurchase", "op": "withinLastDays", "value": 90 },
            "tier1": { "field": "profile.cityTier", "op": "eq", "value": 1 },
            "sneakerFan": { "all": [ { "ref": "tier1" }, { "ref": "recentSneakers" },
                                     { "field": "profile.tags", "op": "containsAny", "value": ["sneakerhead", "runner"] } ] },
            "lapsedBig": { "all": [ { "field": "features.recencyDays", "op": "gt", "value": 180 },
                                    { "field": "features.monetaryTotal", "op": "between", "value": [1000, 1000000] },
                                    { "not": { "field": "segment.rfm", "op": "in", "value": ["Champions"] } },
                                    { "any": [ { "field": "lifecycle.stage", "op": "missing" },
                                               { "field": "lifecycle.stage", "op": "in", "value": ["Decline", "Dormant"] } ] } ] },
            "since": { "field": "profile.signedUpAt", "op": "ge", "value": "2024-01-01T00:00:00+08:00" }
          }
        }
        """;

    [Fact]
    public void LoadSet_EvaluatesLikeTheCSharpBuilder()
    {
        var set = ConditionJson.LoadSet(Sample);
        Assert.True(set["sneakerFan"].Evaluate(Context(SneakerFan)));
        Assert.False(set["sneakerFan"].Evaluate(Context(Lapsed)));
        Assert.True(set["lapsedBig"].Evaluate(Context(Lapsed)));
        Assert.False(set["lapsedBig"].Evaluate(Context(SneakerFan)));
        Assert.True(set["since"].Evaluate(Context(SneakerFan)));

        var built = new ConditionSetBuilder()
            .Add("tier1", Condition.Field("profile.cityTier").Equal(1))
            .Add("recentSneakers", Condition.Field("features.category.sneakers.lastPurchase").WithinLastDays(90))
            .Add("sneakerFan", Condition.All(Condition.Ref("tier1"), Condition.Ref("recentSneakers"), Condition.Field("profile.tags").ContainsAny("sneakerhead", "runner")))
            .Build();
        Assert.Equal(built["sneakerFan"].Definition.ToString(), set["sneakerFan"].Definition.ToString());
    }

    [Fact]
    public void RoundTrip_WriteThenParse_GivesTheSameDefinition()
    {
        var set = ConditionJson.LoadSet(Sample);
        foreach (var c in set.Conditions)
        {
            var json = ConditionJson.ToJson(c.Definition);
            var again = ConditionJson.Parse(json);
            Assert.Equal(c.Definition.ToString(), again.ToString());
            Assert.Equal(json, ConditionJson.ToJson(again));
        }
    }

    [Fact]
    public void RoundTrip_OfBuilderInstants_KeepsTheInstant()
    {
        var at = new DateTimeOffset(2025, 6, 1, 8, 30, 0, TimeSpan.FromHours(8));
        var c = Condition.Field("event.cartAbandonedAt").Between(at, at.AddDays(1));
        var parsed = ConditionJson.Parse(ConditionJson.ToJson(c));
        var ctx = new CustomerContext(null, null, AsOf).SetCartAbandonedAt(at);
        Assert.True(Compile(parsed).Evaluate(ctx));
        Assert.False(Compile(parsed).Evaluate(ctx.SetCartAbandonedAt(at.AddTicks(-1))));
    }

    [Theory]
    [InlineData("""{"conditions":{"a":{"field":"features.recency","op":"gt","value":5}}}""", "$.conditions.a", "features.recency", null, "Unknown field")]
    [InlineData("""{"conditions":{"a":{"field":"profile.cityTier","op":"eq","value":"one"}}}""", "$.conditions.a", "profile.cityTier", "'one'", "is a number")]
    [InlineData("""{"conditions":{"a":{"field":"profile.cityTier","op":"equals","value":1}}}""", "$.conditions.a.op", "profile.cityTier", "equals", "Unknown operator")]
    [InlineData("""{"conditions":{"a":{"all":[{"ref":"zz"}]}}}""", "$.conditions.a.all[0].ref", null, "zz", "Unknown reference")]
    [InlineData("""{"conditions":{"a":{"ref":"b"},"b":{"ref":"a"}}}""", "$.conditions.a", null, "a", "Reference cycle: a → b → a")]
    [InlineData("""{"conditions":{"a":{"field":"profile.cityTier","op":"eq","valeu":1}}}""", "$.conditions.a.valeu", null, "valeu", "Unknown property")]
    [InlineData("""{"conditions":{"a":{"field":"profile.cityTier","op":"eq","value":true}}}""", "$.conditions.a.value", "profile.cityTier", "True", "Expected a number or a text")]
    [InlineData("""{"conditions":{"a":{"field":"profile.cityTier","op":"eq","value":[1]}}}""", "$.conditions.a.value", "profile.cityTier", "[1]", "single value")]
    [InlineData("""{"conditions":{"a":{"all":{"field":"profile.cityTier","op":"eq","value":1}}}}""", "$.conditions.a.all", null, "Object", "Expected an array")]
    [InlineData("""{"conditions":{"a":{"field":"profile.cityTier","any":[]}}}""", "$.conditions.a", null, null, "exactly one of")]
    [InlineData("""{"conditions":{"Big spenders":{"field":"profile.signedUpAt","op":"gt","value":"yesterday"}}}""", "$.conditions['Big spenders']", "profile.signedUpAt", "'yesterday'", "ISO-8601")]
    [InlineData("""{"conditions":{"a":{"field":"lifecycle.stage","op":"in","value":["Growth","Zombie"]}}}""", "$.conditions.a", "lifecycle.stage", "Zombie", "expected one of")]
    [InlineData("""{"conditions":{"a":{"field":"features.orderCount","op":"gt","value":1e999}}}""", "$.conditions.a.value", "features.orderCount", "1e999", "Expected a number")]
    [InlineData("""{"conditions":{"a":{"field":"profile.cityTier","op":"eq","value":1,"value":2}}}""", "$.conditions.a.value", null, "value", "Duplicate property")]
    [InlineData("""{"rules":{}}""", "$.rules", null, "rules", "Unknown property")]
    public void LoadErrors_NamePathFieldAndValue(string json, string path, string? field, string? value, string message)
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => ConditionJson.LoadSet(json));
        var e = Assert.Single(ex.Errors);
        Assert.Equal(path, e.Path);
        Assert.Equal(field, e.Field);
        Assert.Equal(value, e.Value);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedJson_ReportsLine()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => ConditionJson.LoadSet("{\n \"conditions\": {,}\n}"));
        Assert.Contains("line 2", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public void MultipleErrors_AreAllReported()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => ConditionJson.LoadSet(
            """{"conditions":{"a":{"field":"x.y","op":"gt","value":1},"b":{"field":"profile.age","op":"nope"},"c":{"ref":"zz"}}}"""));
        Assert.Equal(3, ex.Errors.Count);
    }
}
