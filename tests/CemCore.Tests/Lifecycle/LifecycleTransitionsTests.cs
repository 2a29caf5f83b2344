using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Transactions;
using FsCheck;
using FsCheck.Xunit;

namespace CemCore.Tests.Lifecycle;

public sealed class LifecycleTransitionsTests
{
    private static readonly DateTimeOffset s_t0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A small history with one customer per interesting path.</summary>
    private static TransactionTable Sample()
    {
        var b = new TransactionTableBuilder();
        // "regular": every 10 days from day 0 to day 200.
        for (var d = 0; d <= 200; d += 10)
        {
            b.AddPurchase("regular", s_t0.AddDays(d), 20m);
        }

        // "lapser": days 0, 10, 20, then silent.
        b.AddPurchase("lapser", s_t0, 5m).AddPurchase("lapser", s_t0.AddDays(10), 5m).AddPurchase("lapser", s_t0.AddDays(20), 5m);

        // "returner": days 0 and 10, then back on day 190 (gap 180) with two orders that day and a return.
        b.AddPurchase("returner", s_t0, 5m, orderId: "r1").AddPurchase("returner", s_t0.AddDays(10), 5m, orderId: "r2");
        b.AddPurchase("returner", s_t0.AddDays(190).AddHours(9), 5m, orderId: "r3").AddPurchase("returner", s_t0.AddDays(190).AddHours(15), 5m, orderId: "r4");
        b.AddReturn("returner", s_t0.AddDays(195), 5m, "r4");

        // "late": first purchase on day 150.
        b.AddPurchase("late", s_t0.AddDays(150), 50m);
        return b.Build();
    }

    private static LifecycleSnapshot SnapshotAt(TransactionTable table, int day, LifecycleSettings? settings = null)
    {
        var features = FeatureExtractor.Compute(table, s_t0.AddDays(day));
        return new LifecycleClassifier(settings).ClassifyAll(features, table);
    }

    [Fact]
    public void ClassifyAll_Sample_StagesFollowTheRules()
    {
        var table = Sample();
        var s = SnapshotAt(table, 201);
        Assert.True(s.TryGet("regular", out var regular));
        Assert.Equal(LifecycleStage.Maturity, regular.Stage); // 21 purchase days over 200 days, bought yesterday
        Assert.True(s.TryGet("lapser", out var lapser));
        Assert.Equal(LifecycleStage.Dormant, lapser.Stage); // E = (2·10 + 60)/4 = 20; 181 days > 80
        Assert.Equal(LifecycleRule.DormantByRhythm, lapser.Rule);
        Assert.True(s.TryGet("returner", out var returner));
        Assert.Equal(LifecycleStage.Revived, returner.Stage); // last interval 180 > dormant' = 4·(10+60)/3 = 93.3
        Assert.True(s.TryGet("late", out var late));
        Assert.Equal(LifecycleStage.New, late.Stage);
        Assert.Equal(4, s.Count);
        Assert.Equal(1, s.CountOf(LifecycleStage.Revived));
        Assert.Equal(s.Count, Enum.GetValues<LifecycleStage>().Sum(s.CountOf));
        Assert.False(s.TryGet("nobody", out _));

        // Without the table, revival cannot be detected: the returner is a growth customer.
        var noTable = new LifecycleClassifier().ClassifyAll(FeatureExtractor.Compute(table, s_t0.AddDays(201)));
        Assert.True(noTable.TryGet("returner", out var r2));
        Assert.Equal(LifecycleStage.Growth, r2.Stage);
    }

    [Fact]
    public void LastIntervals_MergesSameDayOrders_IgnoresReturnsAndLaterRows()
    {
        var table = Sample();
        var features = FeatureExtractor.Compute(table, s_t0.AddDays(201));
        var gaps = LastIntervals.Compute(table, features.AsOf, features.Settings);
        Assert.Equal([10, 10, 180, -1], gaps);
        var early = LastIntervals.Compute(table, s_t0.AddDays(15), features.Settings);
        Assert.Equal([10, 10, 10, -1], early);
    }

    [Fact]
    public void Compare_TwoSnapshots_EmitsChangesWithRuleReasons()
    {
        var table = Sample();
        var t1 = SnapshotAt(table, 25);
        var t2 = SnapshotAt(table, 201);
        var events = LifecycleTransitions.Compare(t1, t2);

        // Day 25: regular growth (3 purchase days), lapser growth, returner growth (bought day 10: E = 20, 15 days), late absent from purchases → prospect.
        Assert.Equal(LifecycleStage.Growth, t1.Assessments[0].Stage);
        Assert.Equal(LifecycleStage.Prospect, t1.Assessments[3].Stage);
        Assert.Collection(
            events,
            e => Assert.Equal(("regular", LifecycleStage.Growth, LifecycleStage.Maturity, LifecycleRule.Mature), (e.CustomerId, e.From, e.To, e.Rule)),
            e => Assert.Equal(("lapser", LifecycleStage.Growth, LifecycleStage.Dormant, LifecycleRule.DormantByRhythm), (e.CustomerId, e.From, e.To, e.Rule)),
            e => Assert.Equal(("returner", LifecycleStage.Growth, LifecycleStage.Revived, LifecycleRule.RevivedAfterLapse), (e.CustomerId, e.From, e.To, e.Rule)),
            e => Assert.Equal(("late", LifecycleStage.Prospect, LifecycleStage.New, LifecycleRule.NewCustomer), (e.CustomerId, e.From, e.To, e.Rule)));
        Assert.All(events, e => Assert.Equal(t2.AsOf, e.Instant));
        Assert.StartsWith("dormant_by_rhythm: ", events[1].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("lapser", events[1].Reason, StringComparison.Ordinal);
        Assert.Equal(LifecycleAction.Reactivation, LifecyclePlaybook.Default.ActionFor(events[1].To));
    }

    [Fact]
    public void Compare_LaterNotAfterEarlier_Throws_CustomersOnlyInLaterComeFromProspect()
    {
        var table = Sample();
        var s = SnapshotAt(table, 100);
        var ex = Assert.Throws<ArgumentException>(() => LifecycleTransitions.Compare(s, s));
        Assert.Equal("later", ex.ParamName);

        var small = new TransactionTableBuilder().AddPurchase("regular", s_t0, 1m).Build();
        var before = new LifecycleClassifier().ClassifyAll(FeatureExtractor.Compute(small, s_t0.AddDays(1)), small);
        var events = LifecycleTransitions.Compare(before, SnapshotAt(table, 201));
        Assert.Contains(events, e => e.CustomerId == "late" && e.From == LifecycleStage.Prospect);
        Assert.Contains(events, e => e.CustomerId == "returner" && e.From == LifecycleStage.Prospect && e.To == LifecycleStage.Revived);
    }

    [Fact]
    public void ClassifyAll_BadArguments_Throw()
    {
        var table = Sample();
        var features = FeatureExtractor.Compute(table, s_t0.AddDays(201));
        var other = new TransactionTableBuilder().AddPurchase("x", s_t0, 1m).Build();
        var c = new LifecycleClassifier();
        Assert.Equal("transactions", Assert.Throws<ArgumentException>(() => c.ClassifyAll(features, other)).ParamName);
        Assert.Equal("aliveProbabilities", Assert.Throws<ArgumentException>(() => c.ClassifyAll(features, null, [0.5])).ParamName);
        var bad = Assert.Throws<ArgumentException>(() => c.ClassifyAll(features, null, [0.5, 0.5, 2.0, 0.5]));
        Assert.Contains("aliveProbabilities[2] is 2", bad.Message, StringComparison.Ordinal);

        // NaN means unknown: same stage as without P(alive).
        var withNaN = c.ClassifyAll(features, table, [0.1, double.NaN, double.NaN, double.NaN]);
        Assert.Equal(LifecycleRule.DormantByAliveProbability, withNaN.Assessments[0].Rule);
        Assert.Equal(LifecycleStage.Revived, withNaN.Assessments[2].Stage);
    }

    [Fact]
    public void IsAllowed_DocumentedGraph()
    {
        foreach (var from in Enum.GetValues<LifecycleStage>())
        {
            Assert.True(LifecycleTransitions.IsAllowed(from, from));
            Assert.Equal(from == LifecycleStage.Prospect, LifecycleTransitions.IsAllowed(from, LifecycleStage.Prospect));
        }

        Assert.False(LifecycleTransitions.IsAllowed(LifecycleStage.Growth, LifecycleStage.New));
        Assert.False(LifecycleTransitions.IsAllowed(LifecycleStage.Maturity, LifecycleStage.New));
        Assert.False(LifecycleTransitions.IsAllowed(LifecycleStage.Revived, LifecycleStage.New));
        Assert.False(LifecycleTransitions.IsAllowed(LifecycleStage.Maturity, LifecycleStage.Growth));
        Assert.True(LifecycleTransitions.IsAllowed(LifecycleStage.Dormant, LifecycleStage.New));
        Assert.True(LifecycleTransitions.IsAllowed(LifecycleStage.Maturity, LifecycleStage.Revived));
        Assert.True(LifecycleTransitions.IsAllowed(LifecycleStage.Prospect, LifecycleStage.Revived));
        Assert.Throws<ArgumentOutOfRangeException>(() => LifecycleTransitions.IsAllowed((LifecycleStage)7, LifecycleStage.New));
    }

    /// <summary>
    /// Property: for random purchase histories, random settings, random P(alive) inputs and random t1 &lt; t2, every stage change
    /// between the two snapshots is an allowed edge of the documented graph.
    /// </summary>
    [Property(MaxTest = 300)]
    public bool Compare_RandomHistories_OnlyAllowedEdges(PositiveInt seedArg)
    {
        var random = new Random(seedArg.Get);
        var builder = new TransactionTableBuilder();
        var customers = 1 + random.Next(12);
        for (var c = 0; c < customers; c++)
        {
            var day = random.Next(200);
            var purchases = 1 + random.Next(12); // customers whose purchases all lie after t1 are prospects at t1
            for (var p = 0; p < purchases; p++)
            {
                builder.AddPurchase("c" + c, s_t0.AddDays(day).AddHours(random.Next(24)), 1m);
                day += random.Next(3) == 0 ? random.Next(150, 500) : random.Next(0, 40);
            }
        }

        var table = builder.Build();
        var newMax = 1 + random.Next(3);
        var settings = new LifecycleSettings(
            populationIntervalDays: 1 + (random.NextDouble() * 120),
            priorWeight: random.NextDouble() * 5,
            declineRatio: 1.1 + (random.NextDouble() * 3),
            dormantRatio: 4.2 + (random.NextDouble() * 4),
            dormantMaxDays: 30 + random.Next(400),
            newMaxPurchaseDays: newMax,
            maturityMinPurchaseDays: newMax + 1 + random.Next(5),
            maturityMinTenureDays: random.Next(300),
            aliveProbabilityOverridesRhythm: random.Next(2) == 0);
        var t1 = random.Next(900);
        var t2 = t1 + 1 + random.Next(600);
        var classifier = new LifecycleClassifier(settings);

        // Each snapshot may also use its own estimated prior and its own P(alive): the graph must not depend on them.
        var f1 = FeatureExtractor.Compute(table, s_t0.AddDays(t1));
        var f2 = FeatureExtractor.Compute(table, s_t0.AddDays(t2));
        var p1 = Enumerable.Range(0, f1.Count).Select(_ => random.Next(3) == 0 ? double.NaN : random.NextDouble()).ToArray();
        var p2 = Enumerable.Range(0, f2.Count).Select(_ => random.Next(3) == 0 ? double.NaN : random.NextDouble()).ToArray();
        var c2 = new LifecycleClassifier(settings.WithPopulationIntervalDays(1 + (random.NextDouble() * 200)));
        var before = classifier.ClassifyAll(f1, table, p1);
        var after = c2.ClassifyAll(f2, table, p2);
        foreach (var e in LifecycleTransitions.Compare(before, after))
        {
            if (!LifecycleTransitions.IsAllowed(e.From, e.To))
            {
                return false;
            }
        }

        return before.Count == after.Count;
    }

    [Fact]
    public void Playbook_Default_MapsEveryStage_CustomMustCoverEachStageOnce()
    {
        var p = LifecyclePlaybook.Default;
        Assert.Equal(LifecycleAction.Acquisition, p.ActionFor(LifecycleStage.Prospect));
        Assert.Equal(LifecycleAction.Onboarding, p.ActionFor(LifecycleStage.New));
        Assert.Equal(LifecycleAction.CrossSell, p.ActionFor(LifecycleStage.Growth));
        Assert.Equal(LifecycleAction.VipCare, p.ActionFor(LifecycleStage.Maturity));
        Assert.Equal(LifecycleAction.WinBack, p.ActionFor(LifecycleStage.Decline));
        Assert.Equal(LifecycleAction.Reactivation, p.ActionFor(LifecycleStage.Dormant));
        Assert.Equal(LifecycleAction.WelcomeBack, p.ActionFor(LifecycleStage.Revived));
        Assert.Equal(7, p.Entries.Count);

        var missing = Assert.Throws<ArgumentException>(() => new LifecyclePlaybook(p.Entries.Skip(1)));
        Assert.Contains("Stage Prospect has no entry", missing.Message, StringComparison.Ordinal);
        var twice = Assert.Throws<ArgumentException>(() => new LifecyclePlaybook(p.Entries.Append(p.Entries[2])));
        Assert.Contains("Stage Growth appears more than once", twice.Message, StringComparison.Ordinal);
        var custom = new LifecyclePlaybook(p.Entries.Select(e => e.Stage == LifecycleStage.Growth ? e with { Action = LifecycleAction.VipCare } : e));
        Assert.Equal(LifecycleAction.VipCare, custom.ActionFor(LifecycleStage.Growth));
    }

    [Fact]
    public void Rules_NamesReasonsAndStageNames_AreStable()
    {
        foreach (var rule in Enum.GetValues<LifecycleRule>())
        {
            Assert.StartsWith(LifecycleRules.Name(rule) + ": ", LifecycleRules.Describe(rule), StringComparison.Ordinal);
        }

        Assert.Equal(
            ["prospect", "new", "growth", "maturity", "decline", "dormant", "revived"],
            Enum.GetValues<LifecycleStage>().Select(LifecycleRules.StageName));
        Assert.Equal(
            Enum.GetValues<LifecycleStage>().Select(s => s.ToString().ToLowerInvariant()),
            Enum.GetValues<LifecycleStage>().Select(LifecycleRules.StageName));
        Assert.Throws<ArgumentOutOfRangeException>(() => LifecycleRules.Name((LifecycleRule)99));
    }
}
