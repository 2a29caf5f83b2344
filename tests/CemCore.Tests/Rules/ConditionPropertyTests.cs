using CemCore.Rules;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CemCore.Tests.Rules.RuleTestData;

namespace CemCore.Tests.Rules;

/// <summary>Invariants of the condition algebra over random condition trees and random customers.</summary>
public sealed class ConditionPropertyTests
{
    private static readonly string[] s_texts = ["a", "b", "C"];

    /// <summary>A random condition over custom.x, custom.y and custom.t (no references, so no cycles).</summary>
    private static Condition RandomCondition(Random r, int depth)
    {
        var choice = depth <= 0 ? r.Next(4) : r.Next(7);
        return choice switch
        {
            0 => Condition.Field(r.Next(2) == 0 ? "custom.x" : "custom.y").Between(r.Next(-3, 1), r.Next(1, 4)),
            1 => new FieldCondition(r.Next(2) == 0 ? "custom.x" : "custom.y", (ConditionOperator)r.Next(6), [ConditionValue.FromNumber(r.Next(-3, 4))]),
            2 => r.Next(3) switch
            {
                0 => Condition.Field("custom.t").Equal(s_texts[r.Next(3)]),
                1 => Condition.Field("custom.t").NotIn(s_texts[r.Next(3)]),
                _ => Condition.Field("custom.t").IsMissing(),
            },
            3 => Condition.Field(r.Next(2) == 0 ? "custom.x" : "custom.t").IsPresent(),
            4 => Condition.Not(RandomCondition(r, depth - 1)),
            5 => Condition.Any(Enumerable.Range(0, r.Next(0, 4)).Select(_ => RandomCondition(r, depth - 1)).ToArray()),
            _ => Condition.All(Enumerable.Range(0, r.Next(0, 4)).Select(_ => RandomCondition(r, depth - 1)).ToArray()),
        };
    }

    /// <summary>Compiles, or returns null when the random tree holds a contradiction the compiler rejects (the case is then vacuous).</summary>
    private static CompiledCondition? TryCompile(Condition c) =>
        new ConditionSetBuilder(Registry).Build().TryCompile(c, "c", out var compiled, out _) ? compiled : null;

    private static CustomerContext RandomContext(Random r)
    {
        double? x = r.Next(4) == 0 ? null : r.Next(-4, 5);
        double? y = r.Next(4) == 0 ? null : r.Next(-4, 5);
        var t = r.Next(4) switch { 0 => null, 1 => "a", 2 => "B", _ => "c" };
        return Custom(x, y, t);
    }

    private static (Condition Condition, CustomerContext Context) Case(int seed)
    {
        var r = new Random(seed);
        return (RandomCondition(r, 3), RandomContext(r));
    }

    [Property(MaxTest = 1000)]
    public bool NotNot_IsIdentity(int seed)
    {
        var (c, ctx) = Case(seed);
        return TryCompile(c) is not { } compiled || Compile(Condition.Not(Condition.Not(c))).Evaluate(ctx) == compiled.Evaluate(ctx);
    }

    [Property(MaxTest = 1000)]
    public bool DeMorgan_NotAll_IsAnyNot(int seed)
    {
        var r = new Random(seed);
        var a = RandomCondition(r, 2);
        var b = RandomCondition(r, 2);
        var ctx = RandomContext(r);
        var conditions = new Condition[]
        {
            Condition.Not(Condition.All(a, b)), Condition.Any(Condition.Not(a), Condition.Not(b)),
            Condition.Not(Condition.Any(a, b)), Condition.All(Condition.Not(a), Condition.Not(b)),
        };
        var compiled = conditions.Select(TryCompile).ToArray();
        if (compiled.Any(c => c is null))
        {
            return true; // all(a, b) is a contradiction the compiler rejects
        }

        var left = compiled[0]!.Evaluate(ctx);
        var right = compiled[1]!.Evaluate(ctx);
        var left2 = compiled[2]!.Evaluate(ctx);
        var right2 = compiled[3]!.Evaluate(ctx);
        return left == right && left2 == right2;
    }

    [Property(MaxTest = 1000)]
    public bool Explain_AgreesWithEvaluate(int seed)
    {
        var (c, ctx) = Case(seed);
        return TryCompile(c) is not { } compiled || compiled.Explain(ctx).Held == compiled.Evaluate(ctx);
    }

    [Property(MaxTest = 500)]
    public bool JsonRoundTrip_PreservesTextAndResult(int seed)
    {
        var (c, ctx) = Case(seed);
        var parsed = ConditionJson.Parse(ConditionJson.ToJson(c));
        return parsed.ToString() == c.ToString() && (TryCompile(c) is not { } compiled || Compile(parsed).Evaluate(ctx) == compiled.Evaluate(ctx));
    }

    [Fact]
    public void RandomTrees_MostlyCompile()
    {
        // Guards the vacuous cases above: contradictions must stay the exception, or the properties would test little.
        var compiled = 0;
        for (var seed = 0; seed < 500; seed++)
        {
            compiled += TryCompile(Case(seed).Condition) is null ? 0 : 1;
        }

        Assert.InRange(compiled, 400, 500);
    }

    [Property(MaxTest = 1000)]
    public bool MissingField_OnlyMissingAndNegationsHold(NormalFloat bound)
    {
        var ctx = Custom();
        var ops = new[] { ConditionOperator.Equal, ConditionOperator.NotEqual, ConditionOperator.LessThan, ConditionOperator.GreaterThanOrEqual };
        foreach (var op in ops)
        {
            if (Compile(new FieldCondition("custom.x", op, [ConditionValue.FromNumber(bound.Get)])).Evaluate(ctx))
            {
                return false;
            }
        }

        return Compile(Condition.Field("custom.x").IsMissing()).Evaluate(ctx);
    }

    [Property(MaxTest = 1000)]
    public bool Between_EqualsGeAndLe(NormalFloat lo, NormalFloat width, NormalFloat value)
    {
        var min = lo.Get;
        var max = min + Math.Abs(width.Get);
        if (!double.IsFinite(max))
        {
            return true;
        }

        var ctx = Custom(x: value.Get);
        var between = Compile(Condition.Field("custom.x").Between(min, max)).Evaluate(ctx);
        var both = Compile(Condition.All(Condition.Field("custom.x").AtLeast(min), Condition.Field("custom.x").AtMost(max))).Evaluate(ctx);
        return between == both;
    }
}
