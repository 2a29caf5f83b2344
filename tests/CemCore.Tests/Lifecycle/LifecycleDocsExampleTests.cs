using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Transactions;

namespace CemCore.Tests.Lifecycle;

/// <summary>The example of docs/lifecycle.md, kept compiling and passing.</summary>
public sealed class LifecycleDocsExampleTests
{
    [Fact]
    public void DocsExample_StagesTransitionsAndActions()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var table = new TransactionTableBuilder()
            .AddPurchase("C1", t0, 40m).AddPurchase("C1", t0.AddDays(14), 35m).AddPurchase("C1", t0.AddDays(30), 50m)
            .AddPurchase("C2", t0.AddDays(100), 20m)
            .Build();

        // Snapshots as of two instants (exclusive), with the population prior estimated from the data.
        var before = FeatureExtractor.Compute(table, t0.AddDays(31));
        var after = FeatureExtractor.Compute(table, t0.AddDays(120));
        var settings = LifecycleSettings.Default.WithPopulationIntervalDays(LifecycleClassifier.EstimatePopulationIntervalDays(after) ?? 30);
        var classifier = new LifecycleClassifier(settings);
        var s1 = classifier.ClassifyAll(before, table);
        var s2 = classifier.ClassifyAll(after, table);

        foreach (var change in LifecycleTransitions.Compare(s1, s2))
        {
            var action = LifecyclePlaybook.Default.ActionFor(change.To);
            // e.g. C1: Growth -> Dormant (dormant_by_rhythm: ...) → Reactivation; C2: Prospect -> New → Onboarding
            Assert.True(LifecycleTransitions.IsAllowed(change.From, change.To));
            Assert.NotEqual(change.From, change.To);
            Assert.False(string.IsNullOrEmpty(action.ToString()));
        }

        // One customer in a request path: zero allocations.
        var one = classifier.Classify(new LifecycleInput(PurchaseDays: 6, DaysSinceLastPurchase: 60, TenureDays: 300, IntervalMeanDays: 12));
        Assert.Equal(LifecycleStage.Dormant, one.Stage);
        Assert.Equal(LifecycleStage.Dormant, s2.Assessments[0].Stage);
        Assert.Equal(LifecycleStage.New, s2.Assessments[1].Stage);
    }
}
