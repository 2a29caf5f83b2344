using CemCore.Rules;
using static CemCore.Tests.Rules.RuleTestData;

namespace CemCore.Tests.Rules;

public sealed class ExplanationTests
{
    [Fact]
    public void Explain_ShowsEveryConditionWithTheValueSeen()
    {
        var set = new ConditionSetBuilder()
            .Add("tier1", Condition.Field("profile.cityTier").Equal(1))
            .Add("fan", Condition.All(
                Condition.Ref("tier1"),
                Condition.Field("features.category.sneakers.lastPurchase").WithinLastDays(90),
                Condition.Field("profile.tags").Contains("sneakerhead"),
                Condition.Any(Condition.Field("profile.age").LessThan(25), Condition.Field("churn.probability").AtLeast(0.5))))
            .Build();

        var trace = set["fan"].Explain(Context(SneakerFan));

        Assert.False(trace.Held); // the any() fails: age 30, churn probability missing
        Assert.Equal("all", trace.Description);
        Assert.Equal(4, trace.Children.Count);
        var reference = trace.Children[0];
        Assert.Equal("ref('tier1')", reference.Description);
        Assert.True(reference.Held);
        var tier = Assert.Single(reference.Children);
        Assert.Equal("profile.cityTier = 1", tier.Description);
        Assert.Equal("profile.cityTier", tier.Field);
        Assert.Equal("1", tier.ObservedValue);
        Assert.Equal("2025-12-22T00:00:00.0000000+00:00", trace.Children[1].ObservedValue);
        Assert.True(trace.Children[1].Held);
        Assert.Equal("[sneakerhead, Outdoor]", trace.Children[2].ObservedValue);
        var any = trace.Children[3];
        Assert.False(any.Held);
        Assert.Equal("30", any.Children[0].ObservedValue);
        Assert.True(any.Children[1].IsMissing);
        Assert.Null(any.Children[1].ObservedValue);

        var text = trace.ToString();
        Assert.Contains("✗ all", text, StringComparison.Ordinal);
        Assert.Contains("  ✓ ref('tier1')", text, StringComparison.Ordinal);
        Assert.Contains("✗ churn.probability ≥ 0.5 (missing)", text, StringComparison.Ordinal);
        Assert.Contains("✓ profile.tags contains 'sneakerhead' (seen [sneakerhead, Outdoor])", text, StringComparison.Ordinal);
        Assert.DoesNotContain("S1", text, StringComparison.Ordinal); // never the customer id
    }

    [Fact]
    public void Explain_Not_InvertsAndKeepsTheOperand()
    {
        var trace = Compile(Condition.Not(Condition.Field("custom.x").GreaterThan(5))).Explain(Custom(x: 7));
        Assert.Equal("not", trace.Description);
        Assert.False(trace.Held);
        Assert.True(trace.Children[0].Held);
        Assert.Equal("7", trace.Children[0].ObservedValue);
    }
}
