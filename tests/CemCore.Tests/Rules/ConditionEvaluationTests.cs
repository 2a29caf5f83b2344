using CemCore.Lifecycle;
using CemCore.Rules;
using CemCore.Transactions;
using static CemCore.Tests.Rules.RuleTestData;

namespace CemCore.Tests.Rules;

public sealed class ConditionEvaluationTests
{
    [Theory]
    [InlineData(ConditionOperator.Equal, 5, 5, true)]
    [InlineData(ConditionOperator.Equal, 5, 4, false)]
    [InlineData(ConditionOperator.NotEqual, 5, 4, true)]
    [InlineData(ConditionOperator.NotEqual, 5, 5, false)]
    [InlineData(ConditionOperator.LessThan, 5, 4.999, true)]
    [InlineData(ConditionOperator.LessThan, 5, 5, false)]
    [InlineData(ConditionOperator.LessThanOrEqual, 5, 5, true)]
    [InlineData(ConditionOperator.LessThanOrEqual, 5, 5.001, false)]
    [InlineData(ConditionOperator.GreaterThan, 5, 5.001, true)]
    [InlineData(ConditionOperator.GreaterThan, 5, 5, false)]
    [InlineData(ConditionOperator.GreaterThanOrEqual, 5, 5, true)]
    [InlineData(ConditionOperator.GreaterThanOrEqual, 5, 4.999, false)]
    public void NumberComparison_MatchesOperator(ConditionOperator op, double bound, double value, bool expected)
    {
        var c = Compile(new FieldCondition("custom.x", op, [ConditionValue.FromNumber(bound)]));
        Assert.Equal(expected, c.Evaluate(Custom(x: value)));
    }

    [Theory]
    [InlineData(ConditionOperator.Equal)]
    [InlineData(ConditionOperator.NotEqual)]
    [InlineData(ConditionOperator.LessThan)]
    [InlineData(ConditionOperator.GreaterThanOrEqual)]
    [InlineData(ConditionOperator.NotIn)]
    public void NumberComparison_MissingValue_IsFalse(ConditionOperator op)
    {
        var c = Compile(new FieldCondition("custom.x", op, [ConditionValue.FromNumber(5)]));
        Assert.False(c.Evaluate(Custom()));
        Assert.True(Compile(Condition.Not(c.Definition)).Evaluate(Custom()));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(3, true)]
    [InlineData(2, true)]
    [InlineData(0.999, false)]
    [InlineData(3.001, false)]
    public void Between_IsInclusive(double value, bool expected) =>
        Assert.Equal(expected, Compile(Condition.Field("custom.x").Between(1, 3)).Evaluate(Custom(x: value)));

    [Fact]
    public void InAndNotIn_OnNumbersAndTexts()
    {
        Assert.True(Compile(Condition.Field("custom.x").In(1, 2, 3)).Evaluate(Custom(x: 2)));
        Assert.False(Compile(Condition.Field("custom.x").In(1, 2, 3)).Evaluate(Custom(x: 4)));
        Assert.True(Compile(Condition.Field("custom.x").NotIn(1, 2, 3)).Evaluate(Custom(x: 4)));
        Assert.False(Compile(Condition.Field("custom.x").NotIn(1, 2, 3)).Evaluate(Custom(x: 3)));
        Assert.True(Compile(Condition.Field("custom.t").In("north", "SOUTH")).Evaluate(Custom(t: "South")));
        Assert.False(Compile(Condition.Field("custom.t").NotIn("north", "SOUTH")).Evaluate(Custom(t: "south")));
        Assert.False(Compile(Condition.Field("custom.t").NotIn("north")).Evaluate(Custom()));
    }

    [Fact]
    public void TextEquality_IsCaseInsensitive_AndNotEqualNeedsAValue()
    {
        Assert.True(Compile(Condition.Field("custom.t").Equal("VIP")).Evaluate(Custom(t: "vip")));
        Assert.True(Compile(Condition.Field("custom.t").NotEqual("VIP")).Evaluate(Custom(t: "gold")));
        Assert.False(Compile(Condition.Field("custom.t").NotEqual("VIP")).Evaluate(Custom()));
    }

    [Fact]
    public void MissingAndPresent()
    {
        var missing = Compile(Condition.Field("custom.x").IsMissing());
        var present = Compile(Condition.Field("custom.x").IsPresent());
        Assert.True(missing.Evaluate(Custom()));
        Assert.False(present.Evaluate(Custom()));
        Assert.False(missing.Evaluate(Custom(x: 0)));
        Assert.True(present.Evaluate(Custom(x: 0)));
    }

    [Fact]
    public void Tags_Contains_Any_All_CaseInsensitive()
    {
        var fan = Context(SneakerFan);
        Assert.True(Compile(Condition.Field("profile.tags").Contains("SNEAKERHEAD")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.tags").ContainsAny("golf", "outdoor")).Evaluate(fan));
        Assert.False(Compile(Condition.Field("profile.tags").ContainsAny("golf", "tennis")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.tags").ContainsAll("outdoor", "sneakerhead")).Evaluate(fan));
        Assert.False(Compile(Condition.Field("profile.tags").ContainsAll("outdoor", "golf")).Evaluate(fan));
        Assert.False(Compile(Condition.Field("profile.tags").Contains("sneakerhead")).Evaluate(Context(Prospect)));
    }

    [Fact]
    public void AllAny_EmptyLists_AreTrueAndFalse()
    {
        Assert.True(Compile(Condition.All()).Evaluate(Custom()));
        Assert.False(Compile(Condition.Any()).Evaluate(Custom()));
    }

    [Fact]
    public void ProfileFields_Geographic_Demographic_Psychographic()
    {
        var fan = Context(SneakerFan);
        Assert.True(Compile(Condition.Field("profile.region").Equal("shanghai")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.city").Equal("Shanghai")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.cityTier").Equal(1)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.ageBand").Equal("25-34")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.gender").Equal("female")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.occupation").Equal("Designer")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.attributes.lifestyle").Equal("urban")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.attributes.LIFESTYLE").Equal("urban")).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.attributes.pets").IsMissing()).Evaluate(fan));

        // Born 1995-01-05; as-of 2026-01-01: 30 years old, birthday in 4 days.
        Assert.True(Compile(Condition.Field("profile.age").Equal(30)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.daysToBirthday").Equal(4)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("profile.signedUpAt").WithinLastDays(400.5)).Evaluate(fan));

        var prospect = Context(Prospect);
        Assert.True(Compile(Condition.Field("profile.gender").IsMissing()).Evaluate(prospect));
        Assert.True(Compile(Condition.Field("profile.age").IsMissing()).Evaluate(prospect));
        Assert.True(Compile(Condition.Field("profile.cityTier").IsMissing()).Evaluate(prospect));
    }

    [Fact]
    public void FeatureFields_Behavioural()
    {
        var fan = Context(SneakerFan);
        Assert.True(Compile(Condition.Field("features.orderCount").Equal(3)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.recencyDays").Equal(10)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.monetaryTotal").Equal(420)).Evaluate(fan)); // 300 + 120 + 80 − 80
        Assert.True(Compile(Condition.Field("features.returnCount").Equal(1)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.returnRate").Between(0.33, 0.34)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.discountShare").Between(0.0384, 0.0385)).Evaluate(fan)); // 20 / (500 + 20)
        Assert.True(Compile(Condition.Field("features.category.sneakers.spend").Equal(200)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.category.SNEAKERS.orders").Equal(2)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.category.sneakers.share").Equal(0.4)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.category.golf.spend").Equal(0)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.category.golf.lastPurchase").IsMissing()).Evaluate(fan));

        // "web" is recognized as the online channel: 2 of 3 orders.
        Assert.True(Compile(Condition.Field("features.channel.online.orders").Equal(2)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.channel.online.share").GreaterThan(0.66)).Evaluate(fan));
        Assert.True(Compile(Condition.Field("features.channel.store.spend").Equal(300)).Evaluate(fan));
    }

    [Fact]
    public void FeatureFields_WithoutFeatures_AreMissing()
    {
        var prospect = Context(Prospect);
        Assert.Null(prospect.Features);
        Assert.True(Compile(Condition.Field("features.orderCount").IsMissing()).Evaluate(prospect));
        Assert.True(Compile(Condition.Field("features.category.sneakers.spend").IsMissing()).Evaluate(prospect));
        Assert.False(Compile(Condition.Field("features.orderCount").Equal(0)).Evaluate(prospect));
    }

    [Fact]
    public void TimeWindow_BoughtCategoryInLast90Days()
    {
        var bought = Compile(Condition.Field("features.category.sneakers.lastPurchase").WithinLastDays(90));
        Assert.True(bought.Evaluate(Context(SneakerFan)));
        Assert.False(bought.Evaluate(Context(Lapsed)));
        Assert.False(Compile(Condition.Field("features.category.watches.lastPurchase").WithinLastDays(90)).Evaluate(Context(Lapsed)));
        Assert.True(Compile(Condition.Field("features.category.watches.lastPurchase").OlderThanDays(90)).Evaluate(Context(Lapsed)));
    }

    [Fact]
    public void TimeWindow_IsHalfOpen_AtAsOf()
    {
        var within = Compile(Condition.Field("event.cartAbandonedAt").WithinLastDays(14));
        var older = Compile(Condition.Field("event.cartAbandonedAt").OlderThanDays(14));
        var c = new CustomerContext(null, null, AsOf);
        Assert.True(within.Evaluate(c.SetCartAbandonedAt(AsOf.AddDays(-14))));
        Assert.False(older.Evaluate(c));
        Assert.False(within.Evaluate(c.SetCartAbandonedAt(AsOf.AddDays(-14).AddTicks(-1))));
        Assert.True(older.Evaluate(c));
        Assert.False(within.Evaluate(c.SetCartAbandonedAt(AsOf)));
        Assert.True(within.Evaluate(c.SetCartAbandonedAt(AsOf.AddTicks(-1))));
        Assert.False(within.Evaluate(c.SetCartAbandonedAt(null)));
        Assert.False(older.Evaluate(c));
    }

    [Fact]
    public void InstantComparisons()
    {
        var c = new CustomerContext(null, null, AsOf).SetCartAbandonedAt(AsOf.AddDays(-3));
        Assert.True(Compile(Condition.Field("event.cartAbandonedAt").GreaterThan(AsOf.AddDays(-4))).Evaluate(c));
        Assert.True(Compile(Condition.Field("event.cartAbandonedAt").Between(AsOf.AddDays(-3), AsOf)).Evaluate(c));
        Assert.True(Compile(Condition.Field("event.cartAbandonedAt").Equal(AsOf.AddDays(-3).ToOffset(TimeSpan.FromHours(8)))).Evaluate(c));
        Assert.False(Compile(Condition.Field("event.cartAbandonedAt").LessThan(AsOf.AddDays(-3))).Evaluate(c));
        Assert.True(Compile(Condition.Field("event.cartAbandonedAt").AtMost(AsOf.AddDays(-3))).Evaluate(c));
        Assert.True(Compile(Condition.Field("event.cartAbandonedAt").AtLeast(AsOf.AddDays(-3))).Evaluate(c));
    }

    [Fact]
    public void ModelOutputsAndEvents()
    {
        var c = new CustomerContext(null, null, AsOf)
            .SetRfmSegment("Champions")
            .SetLifecycleStage(LifecycleStage.Growth)
            .SetChurnProbability(0.8)
            .SetProbabilityAlive(0.3)
            .SetPredictedClv(1234.5m)
            .SetLastReturn(new ReturnFact(ReturnReason.Size, AsOf.AddDays(-2), "apparel"))
            .SetLastSurvey(new SurveyFact(3, 2, AsOf.AddDays(-1)));
        Assert.True(Compile(Condition.Field("segment.rfm").In("champions", "Loyal Customers")).Evaluate(c));
        Assert.True(Compile(Condition.Field("lifecycle.stage").Equal("growth")).Evaluate(c));
        Assert.True(Compile(Condition.Field("churn.probability").AtLeast(0.7)).Evaluate(c));
        Assert.True(Compile(Condition.Field("clv.pAlive").LessThan(0.5)).Evaluate(c));
        Assert.True(Compile(Condition.Field("clv.predicted").GreaterThan(1000)).Evaluate(c));
        Assert.True(Compile(Condition.Field("event.lastReturn.reason").Equal("size")).Evaluate(c));
        Assert.True(Compile(Condition.Field("event.lastReturn.category").Equal("apparel")).Evaluate(c));
        Assert.True(Compile(Condition.Field("event.lastReturn.at").WithinLastDays(14)).Evaluate(c));
        Assert.True(Compile(Condition.Field("survey.lastCsat").AtMost(2)).Evaluate(c));
        Assert.True(Compile(Condition.Field("survey.lastNps").LessThan(7)).Evaluate(c));
        Assert.True(Compile(Condition.Field("survey.lastAt").WithinLastDays(7)).Evaluate(c));

        c.Reset(null, null, AsOf);
        Assert.True(Compile(Condition.Field("lifecycle.stage").IsMissing()).Evaluate(c));
        Assert.True(Compile(Condition.Field("segment.rfm").IsMissing()).Evaluate(c));
        Assert.False(Compile(Condition.Field("survey.lastCsat").AtMost(2)).Evaluate(c));
    }

    [Theory]
    [InlineData(LifecycleStage.Growth, true, false, true, false)]
    [InlineData(LifecycleStage.Dormant, false, true, false, true)]
    [InlineData(null, false, false, false, false)]
    public void EnumeratedField_EqNeInNotIn(LifecycleStage? stage, bool eq, bool ne, bool @in, bool notIn)
    {
        var c = new CustomerContext(null, null, AsOf).SetLifecycleStage(stage);
        Assert.Equal(eq, Compile(Condition.Field("lifecycle.stage").Equal("GROWTH")).Evaluate(c));
        Assert.Equal(ne, Compile(Condition.Field("lifecycle.stage").NotEqual("growth")).Evaluate(c));
        Assert.Equal(@in, Compile(Condition.Field("lifecycle.stage").In("New", "Growth")).Evaluate(c));
        Assert.Equal(notIn, Compile(Condition.Field("lifecycle.stage").NotIn("New", "Growth")).Evaluate(c));
        var trace = Compile(Condition.Field("lifecycle.stage").Equal("Growth")).Explain(c);
        Assert.Equal(stage?.ToString(), trace.ObservedValue);
    }

    [Fact]
    public void Gender_UnspecifiedIsMissing_AndNotAnAcceptedValue()
    {
        Assert.Throws<RuleDefinitionException>(() => Compile(Condition.Field("profile.gender").Equal("Unspecified")));
        Assert.True(Compile(Condition.Field("profile.gender").NotIn("Male")).Evaluate(Context(SneakerFan)));
        Assert.False(Compile(Condition.Field("profile.gender").NotIn("Male")).Evaluate(Context(Lapsed)));
    }

    [Fact]
    public void Reference_EvaluatesTarget()
    {
        var set = new ConditionSetBuilder(Registry)
            .Add("big", Condition.Field("custom.x").AtLeast(100))
            .Add("bigAndT", Condition.All(Condition.Ref("big"), Condition.Field("custom.t").Equal("a")))
            .Build();
        Assert.True(set["bigAndT"].Evaluate(Custom(x: 100, t: "A")));
        Assert.False(set["bigAndT"].Evaluate(Custom(x: 99, t: "A")));
        var extra = set.Compile(Condition.Not(Condition.Ref("big")));
        Assert.True(extra.Evaluate(Custom(x: 1)));
    }

    [Fact]
    public void Context_RejectsBadFacts()
    {
        var c = new CustomerContext();
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetNumber("x", double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetChurnProbability(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetProbabilityAlive(double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetPredictedClv(-1m));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetLifecycleStage((LifecycleStage)99));
        Assert.Throws<ArgumentOutOfRangeException>(() => c.SetLastSurvey(new SurveyFact(11, null, AsOf)));
        Assert.Throws<ArgumentException>(() => c.SetNumber(" ", 1));
    }
}
