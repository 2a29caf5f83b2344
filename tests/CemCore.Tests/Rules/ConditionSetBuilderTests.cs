using CemCore.Rules;
using static CemCore.Tests.Rules.RuleTestData;

namespace CemCore.Tests.Rules;

public sealed class ConditionSetBuilderTests
{
    private static RuleDefinitionError SingleError(Action build)
    {
        var ex = Assert.Throws<RuleDefinitionException>(build);
        return Assert.Single(ex.Errors);
    }

    [Fact]
    public void UnknownField_FailsAtBuild_WithPathAndField()
    {
        var e = SingleError(() => new ConditionSetBuilder()
            .Add("a", Condition.All(Condition.Field("features.orderCount").AtLeast(1), Condition.Field("features.recency").GreaterThan(5)))
            .Build());
        Assert.Equal("conditions['a'].all[1]", e.Path);
        Assert.Equal("features.recency", e.Field);
        Assert.Contains("Unknown field 'features.recency'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UndeclaredCustomFact_Fails()
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("custom.basket").AtLeast(1)).Build());
        Assert.Contains("WithCustomNumber", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("features.category.sneakers.colour", "category property")]
    [InlineData("features.category.spend", "features.category.<name>")]
    [InlineData("features.channel.online.basket", "channel property")]
    public void BadPatternField_Fails(string field, string expected)
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field(field).AtLeast(1)).Build());
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void WrongOperandType_Fails_WithValue()
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("profile.cityTier").Equal("one")).Build());
        Assert.Equal("profile.cityTier", e.Field);
        Assert.Equal("'one'", e.Value);
        Assert.Contains("is a number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OperatorNotForType_Fails()
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("profile.region").GreaterThan(3)).Build());
        Assert.Contains("Operator 'gt' does not apply to text field 'profile.region'", e.Message, StringComparison.Ordinal);
        e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("profile.tags").Equal("vip")).Build());
        Assert.Contains("text list", e.Message, StringComparison.Ordinal);
        e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("features.orderCount").WithinLastDays(3)).Build());
        Assert.Contains("number field", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownEnumeratedValue_Fails_ListingAllowedValues()
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("lifecycle.stage").Equal("Grwth")).Build());
        Assert.Equal("Grwth", e.Value);
        Assert.Contains("Growth", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonFiniteOperandAndBadWindow_Fail()
    {
        SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("features.orderCount").AtLeast(double.NaN)).Build());
        SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("features.lastPurchase").WithinLastDays(-1)).Build());
        SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("features.lastPurchase").WithinLastDays(double.PositiveInfinity)).Build());
    }

    [Fact]
    public void WrongOperandCount_Fails()
    {
        var e = SingleError(() => new ConditionSetBuilder()
            .Add("a", new FieldCondition("features.orderCount", ConditionOperator.Between, [ConditionValue.FromNumber(1)])).Build());
        Assert.Contains("exactly 2 operands but got 1", e.Message, StringComparison.Ordinal);
        e = SingleError(() => new ConditionSetBuilder()
            .Add("a", new FieldCondition("features.orderCount", ConditionOperator.Missing, [ConditionValue.FromNumber(1)])).Build());
        Assert.Contains("no operand", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownReference_Fails()
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Any(Condition.Ref("nope"))).Build());
        Assert.Equal("conditions['a'].any[0].ref", e.Path);
        Assert.Equal("nope", e.Value);
    }

    [Fact]
    public void ReferenceCycle_Fails_NamingTheCycle()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => new ConditionSetBuilder()
            .Add("a", Condition.Ref("b"))
            .Add("b", Condition.All(Condition.Field("features.orderCount").AtLeast(1), Condition.Ref("c")))
            .Add("c", Condition.Not(Condition.Ref("a")))
            .Add("d", Condition.Ref("a"))
            .Build());
        var e = Assert.Single(ex.Errors);
        Assert.Contains("a → b → c → a", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SelfReference_Fails()
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Not(Condition.Ref("a"))).Build());
        Assert.Contains("a → a", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x > 5 and x < 3")]
    [InlineData("x > 5 and x <= 5")]
    [InlineData("x = 2 and x = 3")]
    [InlineData("between 4..6 and x < 4")]
    [InlineData("missing and value")]
    [InlineData("text eq a and b")]
    [InlineData("window 30 and older 60")]
    [InlineData("nested all")]
    public void ContradictoryRanges_FailAtBuild(string name)
    {
        var x = Condition.Field("custom.x");
        Condition c = name switch
        {
            "x > 5 and x < 3" => Condition.All(x.GreaterThan(5), x.LessThan(3)),
            "x > 5 and x <= 5" => Condition.All(x.GreaterThan(5), x.AtMost(5)),
            "x = 2 and x = 3" => Condition.All(x.Equal(2), x.Equal(3)),
            "between 4..6 and x < 4" => Condition.All(x.Between(4, 6), x.LessThan(4)),
            "missing and value" => Condition.All(x.IsMissing(), x.AtLeast(1)),
            "text eq a and b" => Condition.All(Condition.Field("custom.t").Equal("a"), Condition.Field("custom.t").Equal("B")),
            "window 30 and older 60" => Condition.All(
                Condition.Field("features.lastPurchase").WithinLastDays(30),
                Condition.Field("features.lastPurchase").OlderThanDays(60)),
            _ => Condition.All(x.GreaterThan(5), Condition.All(Condition.Field("custom.y").AtLeast(0), x.LessThan(3))),
        };
        var e = SingleError(() => new ConditionSetBuilder(Registry).Add("c", c).Build());
        Assert.Contains("Contradictory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BetweenWithMinAboveMax_Fails()
    {
        var e = SingleError(() => new ConditionSetBuilder().Add("a", Condition.Field("features.orderCount").Between(5, 1)).Build());
        Assert.Contains("Empty range", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompatibleRanges_AndContradictionsAcrossAny_AreAccepted()
    {
        var x = Condition.Field("custom.x");
        var set = new ConditionSetBuilder(Registry)
            .Add("a", Condition.All(x.AtLeast(5), x.AtMost(5)))
            .Add("b", Condition.Any(x.GreaterThan(5), x.LessThan(3)))
            .Add("c", Condition.All(Condition.Field("features.lastPurchase").WithinLastDays(60), Condition.Field("features.lastPurchase").OlderThanDays(30)))
            .Build();
        Assert.True(set["a"].Evaluate(Custom(x: 5)));
        Assert.True(set["b"].Evaluate(Custom(x: 2)));
        Assert.Equal(3, set.Conditions.Count);
    }

    [Fact]
    public void EveryErrorIsReported()
    {
        var ex = Assert.Throws<RuleDefinitionException>(() => new ConditionSetBuilder()
            .Add("a", Condition.Field("nope.one").AtLeast(1))
            .Add("b", Condition.Field("nope.two").AtLeast(1))
            .Add("b", Condition.All())
            .Build());
        Assert.Equal(3, ex.Errors.Count);
        Assert.Contains("Duplicate name 'b'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Builder_IsSingleUse()
    {
        var b = new ConditionSetBuilder().Add("a", Condition.All());
        b.Build();
        Assert.Throws<InvalidOperationException>(() => b.Build());
        Assert.Throws<InvalidOperationException>(() => b.Add("b", Condition.All()));
    }

    [Fact]
    public void Registry_DescribesFields()
    {
        Assert.True(FieldRegistry.Default.TryDescribe("features.category.sneakers.lastPurchase", out var d));
        Assert.Equal(FieldType.Instant, d.Type);
        Assert.True(FieldRegistry.Default.TryDescribe("lifecycle.stage", out d));
        Assert.Contains("Revived", d.AllowedValues);
        Assert.False(FieldRegistry.Default.TryDescribe("profile.shoeSize", out _));
        Assert.Contains(FieldRegistry.Default.Fields, f => f.Name == "features.category.<name>.spend");
        Assert.Throws<ArgumentException>(() => FieldRegistry.Default.WithCustomNumber("a.b"));
        Assert.Throws<ArgumentException>(() => FieldRegistry.Default.WithCustomNumber("a").WithCustomText("A"));
    }
}
