using System.Globalization;
using System.Text;
using CemCore.Rules;
using static CemCore.Tests.Rules.RuleTestData;

namespace CemCore.Tests.Rules;

/// <summary>Hostile depth: long reference chains and deep nesting are load errors, never a stack overflow (issue 14: a 2.5 MB rule file
/// with a 100k-long chain of refs crashed the host).</summary>
public sealed class RuleDepthTests
{
    private static ConditionSetBuilder Chain(int length)
    {
        var builder = new ConditionSetBuilder(Registry).Add("c0", Condition.Field("custom.x").AtLeast(1));
        for (var k = 1; k < length; k++)
        {
            builder.Add("c" + k.ToString(CultureInfo.InvariantCulture), Condition.Ref("c" + (k - 1).ToString(CultureInfo.InvariantCulture)));
        }

        return builder;
    }

    [Fact]
    public void ReferenceChainOf100k_IsOneTooDeepError_NotAStackOverflow()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => Chain(100_000).Build());
        var error = Assert.Single(ex.Errors);
        Assert.Contains("too deep", error.Message, StringComparison.Ordinal);
        Assert.Contains(ConditionSet.MaxEvaluationDepth.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);

        // The first definition past the limit is the one reported: c0 is depth 1, c_k is depth k + 1.
        Assert.Equal("c" + ConditionSet.MaxEvaluationDepth.ToString(CultureInfo.InvariantCulture), error.Value);
    }

    [Fact]
    public void ReferenceChainWithinTheLimit_EvaluatesAsItsRoot()
    {
        var set = Chain(ConditionSet.MaxEvaluationDepth).Build();
        var last = set["c" + (ConditionSet.MaxEvaluationDepth - 1).ToString(CultureInfo.InvariantCulture)];
        Assert.True(last.Evaluate(Custom(x: 2)));
        Assert.False(last.Evaluate(Custom(x: 0)));
    }

    [Fact]
    public void CycleOf100k_IsReportedOnce_NotAStackOverflow()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => new ConditionSetBuilder(Registry)
            .Add("a0", Condition.Ref("a99999"))
            .Also(b =>
            {
                for (var k = 1; k < 100_000; k++)
                {
                    b.Add("a" + k.ToString(CultureInfo.InvariantCulture), Condition.Ref("a" + (k - 1).ToString(CultureInfo.InvariantCulture)));
                }
            })
            .Build());
        var error = Assert.Single(ex.Errors);
        Assert.StartsWith("Reference cycle: a0 → a99999 → a99998", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingDeeperThan64_FromTheCSharpBuilder_IsAnError()
    {
        Condition c = Condition.Field("custom.x").AtLeast(1);
        for (var k = 0; k < 100_000; k++)
        {
            c = Condition.Not(c);
        }

        var ex = Assert.Throws<RuleDefinitionException>(() => new ConditionSetBuilder(Registry).Add("deep", c).Build());
        Assert.Contains("nested too deep", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);

        Condition ok = Condition.Field("custom.x").AtLeast(1);
        for (var k = 0; k < 10; k++)
        {
            ok = Condition.Not(ok);
        }

        Assert.True(new ConditionSetBuilder(Registry).Add("ten", ok).Build()["ten"].Evaluate(Custom(x: 2))); // ten nots: unchanged
    }

    [Fact]
    public void RuleFileOf2_5MB_With100kChainedRefs_LoadsToAClearError()
    {
        var json = new StringBuilder("{\"conditions\":{\"c0\":{\"field\":\"custom.x\",\"op\":\"ge\",\"value\":1}");
        for (var k = 1; k < 100_000; k++)
        {
            json.Append(CultureInfo.InvariantCulture, $",\"c{k}\":{{\"ref\":\"c{k - 1}\"}}");
        }

        json.Append("}}");
        Assert.True(json.Length > 2_000_000);
        var ex = Assert.Throws<RuleDefinitionException>(() => ConditionJson.LoadSet(json.ToString(), Registry));
        Assert.Contains("too deep", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }
}

internal static class BuilderExtensions
{
    public static ConditionSetBuilder Also(this ConditionSetBuilder builder, Action<ConditionSetBuilder> add)
    {
        add(builder);
        return builder;
    }
}
