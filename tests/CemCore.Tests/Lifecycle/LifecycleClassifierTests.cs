using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Transactions;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Lifecycle;

/// <summary>
/// Hand-computed cases of the documented rules (LifecycleSettings remarks). Defaults: prior P = 30 days, weight w = 2, decline ratio 2,
/// dormant ratio 4, dormant cap 365 days, new ≤ 1 purchase day, maturity ≥ 5 purchase days and ≥ 180 days tenure.
/// </summary>
public sealed class LifecycleClassifierTests
{
    private static readonly LifecycleClassifier s_default = new();

    [Fact]
    public void Classify_NoPurchase_IsProspect()
    {
        var a = s_default.Classify(new LifecycleInput(0, 0, 0));
        Assert.Equal(LifecycleStage.Prospect, a.Stage);
        Assert.Equal(LifecycleRule.NoPurchase, a.Rule);
        Assert.True(double.IsNaN(a.ExpectedIntervalDays));
        Assert.Equal(a, s_default.Classify(default(LifecycleInput)));
    }

    [Theory]
    // One-time buyer: E = (0 + 2·30) / 2 = 30; decline after 60 days, dormant after 120.
    [InlineData(10.0, LifecycleStage.New, LifecycleRule.NewCustomer)]
    [InlineData(60.0, LifecycleStage.New, LifecycleRule.NewCustomer)]
    [InlineData(60.5, LifecycleStage.Decline, LifecycleRule.DeclineByRhythm)]
    [InlineData(120.0, LifecycleStage.Decline, LifecycleRule.DeclineByRhythm)]
    [InlineData(121.0, LifecycleStage.Dormant, LifecycleRule.DormantByRhythm)]
    public void Classify_OneTimeBuyer_UsesThePopulationPrior(double daysSince, LifecycleStage stage, LifecycleRule rule)
    {
        var a = s_default.Classify(new LifecycleInput(1, daysSince, daysSince));
        Assert.Equal(stage, a.Stage);
        Assert.Equal(rule, a.Rule);
        Assert.Equal(30.0, a.ExpectedIntervalDays, 1e-12);
        Assert.Equal(60.0, a.DeclineAfterDays, 1e-12);
        Assert.Equal(120.0, a.DormantAfterDays, 1e-12);
        Assert.Equal(LifecycleRules.Describe(rule), a.Reason);
    }

    [Theory]
    // Six purchase days, mean interval 10: E = (5·10 + 2·30) / 7 = 110/7 = 15.714…; decline after 31.43, dormant after 62.86.
    [InlineData(5.0, LifecycleStage.Maturity, LifecycleRule.Mature)]
    [InlineData(31.0, LifecycleStage.Maturity, LifecycleRule.Mature)]
    [InlineData(32.0, LifecycleStage.Decline, LifecycleRule.DeclineByRhythm)]
    [InlineData(63.0, LifecycleStage.Dormant, LifecycleRule.DormantByRhythm)]
    public void Classify_RegularBuyer_AdaptsToOwnRhythm(double daysSince, LifecycleStage stage, LifecycleRule rule)
    {
        var a = s_default.Classify(new LifecycleInput(6, daysSince, 200, IntervalMeanDays: 10));
        Assert.Equal(110.0 / 7.0, a.ExpectedIntervalDays, 1e-12);
        Assert.Equal(stage, a.Stage);
        Assert.Equal(rule, a.Rule);
    }

    [Fact]
    public void Classify_SameRecency_DifferentRhythm_DifferentStage()
    {
        // 45 days without a purchase is overdue for a weekly buyer but normal for a bi-monthly one.
        var weekly = s_default.Classify(new LifecycleInput(20, 45, 400, IntervalMeanDays: 7));
        var bimonthly = s_default.Classify(new LifecycleInput(6, 45, 400, IntervalMeanDays: 60));
        Assert.Equal(LifecycleStage.Dormant, weekly.Stage);
        Assert.Equal(LifecycleStage.Maturity, bimonthly.Stage);
    }

    [Fact]
    public void Classify_LongRhythm_CappedByDormantMaxDays()
    {
        var c = new LifecycleClassifier(new LifecycleSettings(populationIntervalDays: 200));
        var a = c.Classify(new LifecycleInput(1, 400, 400));
        Assert.Equal(LifecycleStage.Dormant, a.Stage);
        Assert.Equal(LifecycleRule.DormantByMaxDays, a.Rule);
        Assert.Equal(365.0, a.DormantAfterDays);
    }

    [Fact]
    public void Classify_Growth_RepeatBuyerNotYetMature()
    {
        var a = s_default.Classify(new LifecycleInput(3, 5, 60, IntervalMeanDays: 27.5));
        Assert.Equal(LifecycleStage.Growth, a.Stage);
        Assert.Equal(LifecycleRule.Growing, a.Rule);
        // Enough purchase days but tenure below 180 days: still growth.
        Assert.Equal(LifecycleStage.Growth, s_default.Classify(new LifecycleInput(8, 2, 100, IntervalMeanDays: 14)).Stage);
    }

    [Fact]
    public void Classify_GapAboveEarlierDormantThreshold_IsRevived()
    {
        // Intervals 10 and 200 days (mean 105), last interval 200, bought 5 days ago. Rhythm before the gap: one interval of 10 →
        // E' = (10 + 60) / 3 = 23.33, dormant' = 93.3 < 200 → revived. Current E = (2·105 + 60) / 4 = 67.5 → active.
        var input = new LifecycleInput(3, 5, 215, IntervalMeanDays: 105, LastIntervalDays: 200);
        var a = s_default.Classify(input);
        Assert.Equal(LifecycleStage.Revived, a.Stage);
        Assert.Equal(LifecycleRule.RevivedAfterLapse, a.Rule);
        Assert.Equal(67.5, a.ExpectedIntervalDays, 1e-12);

        // A gap of 90 days is below 93.3: growth. Without the last interval revival cannot be detected: growth.
        Assert.Equal(LifecycleStage.Growth, s_default.Classify(input with { IntervalMeanDays = 50, LastIntervalDays = 90 }).Stage);
        Assert.Equal(LifecycleStage.Growth, s_default.Classify(input with { LastIntervalDays = null }).Stage);

        // Two purchase days with a 150-day gap: the earlier rhythm is the prior alone (dormant' = 120) → revived.
        Assert.Equal(LifecycleStage.Revived, s_default.Classify(new LifecycleInput(2, 3, 153, 150, 150)).Stage);
    }

    [Fact]
    public void Classify_AliveProbability_RefinesByDefault_OverridesOnRequest()
    {
        var active = new LifecycleInput(6, 5, 200, IntervalMeanDays: 10);
        Assert.Equal(LifecycleRule.DormantByAliveProbability, s_default.Classify(active with { AliveProbability = 0.2 }).Rule);
        Assert.Equal(LifecycleRule.DeclineByAliveProbability, s_default.Classify(active with { AliveProbability = 0.5 }).Rule);
        Assert.Equal(LifecycleRule.Mature, s_default.Classify(active with { AliveProbability = 0.95 }).Rule);

        // Rhythm says decline (t = 40 > 31.4): a high P(alive) does not rescue by default, but does when it overrides.
        var overdue = active with { DaysSinceLastPurchase = 40, AliveProbability = 0.95 };
        Assert.Equal(LifecycleRule.DeclineByRhythm, s_default.Classify(overdue).Rule);
        var trusting = new LifecycleClassifier(new LifecycleSettings(aliveProbabilityOverridesRhythm: true));
        Assert.Equal(LifecycleRule.Mature, trusting.Classify(overdue).Rule);
        Assert.Equal(LifecycleRule.DormantByAliveProbability, trusting.Classify(active with { AliveProbability = 0.1 }).Rule);
    }

    [Fact]
    public void Classify_BadInput_ThrowsNamingTheField()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => s_default.Classify(new LifecycleInput(-1, 0, 0)));
        Assert.Contains("LifecycleInput.PurchaseDays", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => s_default.Classify(new LifecycleInput(2, double.NaN, 10, 5)));
        Assert.Contains("LifecycleInput.DaysSinceLastPurchase", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => s_default.Classify(new LifecycleInput(2, -1, 10, 5)));
        Assert.Contains("DaysSinceLastPurchase", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => s_default.Classify(new LifecycleInput(2, 1, double.PositiveInfinity, 5)));
        Assert.Contains("TenureDays", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => s_default.Classify(new LifecycleInput(2, 1, 10, double.NaN)));
        Assert.Contains("IntervalMeanDays", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => s_default.Classify(new LifecycleInput(2, 1, 10, 5, AliveProbability: 1.5)));
        Assert.Contains("AliveProbability must be in [0, 1]", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => s_default.Classify(new LifecycleInput(3, 1, 10, 5, LastIntervalDays: double.NaN)));
        Assert.Contains("LastIntervalDays", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_SingleCustomer_AllocatesNothing()
    {
        var input = new LifecycleInput(3, 5, 215, 105, 200, 0.8);
        var table = new TransactionTableBuilder()
            .AddPurchase("A", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), 10m)
            .AddPurchase("A", new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero), 10m)
            .Build();
        var features = FeatureExtractor.Compute(table, new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero))[0];
        var sum = 0;
        for (var i = 0; i < 10; i++)
        {
            sum += (int)s_default.Classify(input).Stage + (int)s_default.Classify(features, 31, 0.9).Stage;
        }

        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                sum += (int)s_default.Classify(input).Stage;
                sum += (int)s_default.Classify(features, 31, 0.9).Stage;
                sum += s_default.Classify(input).Reason.Length;
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
        Assert.True(sum > 0);
    }

    [Fact]
    public void EstimatePopulationIntervalDays_IsMedianOfRepeatBuyersMeans()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var table = new TransactionTableBuilder()
            .AddPurchase("A", t0, 1m).AddPurchase("A", t0.AddDays(10), 1m) // mean 10
            .AddPurchase("B", t0, 1m).AddPurchase("B", t0.AddDays(20), 1m).AddPurchase("B", t0.AddDays(80), 1m) // mean 40
            .AddPurchase("C", t0, 1m).AddPurchase("C", t0.AddDays(30), 1m) // mean 30
            .AddPurchase("D", t0, 1m) // one-time buyer: ignored
            .Build();
        var set = FeatureExtractor.Compute(table, t0.AddDays(100));
        Assert.Equal(30.0, LifecycleClassifier.EstimatePopulationIntervalDays(set));

        var single = FeatureExtractor.Compute(new TransactionTableBuilder().AddPurchase("X", t0, 1m).Build(), t0.AddDays(1));
        Assert.Null(LifecycleClassifier.EstimatePopulationIntervalDays(single));
    }
}
