using CemCore.Clv;
using CemCore.Experiments.Statistics;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Segmentation.Rfm;
using CemCore.Synthetic;

namespace CemCore.Tests;

/// <summary>The code of README.md's tour, run as a test so the README never shows code that does not compile or work.</summary>
public sealed class ReadMeTests
{
    [Fact]
    public void Tour_Runs()
    {
        // --- README tour: begin
        // 1. Data: 2,000 synthetic customers (seeded, deterministic) as a columnar transaction table.
        //    Your own data comes from CsvTransactionReader.ReadTable(path) or a TransactionTableBuilder.
        var data = new RetailDataSettings(customers: 2_000, seed: 42);
        var table = RetailDataGenerator.GenerateTable(data);
        var asOf = data.EndInstant;                        // exclusive: transactions at or after it are ignored

        // 2. Features per customer, BTYD summary in weeks.
        var features = FeatureExtractor.Compute(table, asOf, new FeatureSettings(TimeUnit.Week));

        // 3. RFM scores and segments (pandas-compatible rank-quantile bins, 10-segment R×F map).
        var rfm = RfmScorer.Score(RfmValues.FromFeatures(features));
        string segmentOfFirst = rfm.SegmentOf(0);

        // 4. Lifecycle stages that adapt to each customer's own purchase rhythm.
        var stages = new LifecycleClassifier(LifecycleSettings.Default).ClassifyAll(features, table);
        int dormant = stages.CountOf(LifecycleStage.Dormant);

        // 5. CLV: BG/NBD fitted by maximum likelihood, P(alive) per customer.
        var bgnbd = BgNbdModel.Fit(BtydData.FromFeatures(features));
        double pAlive = bgnbd.Model.ProbabilityAlive(frequency: 3, recency: 30.0, age: 52.0);

        // 6. A/B read-out: personalized vs generic discount, 1,000 exposures each.
        var z = Proportions.ZTest(controlSuccesses: 50, controlTrials: 1000, treatmentSuccesses: 75, treatmentTrials: 1000);
        var bayes = BetaBinomial.Compare(50, 1000, 75, 1000);
        // z.Statistic ≈ 2.309, z.PValue ≈ 0.0209, bayes.ProbabilityTreatmentBetter ≈ 0.99
        // --- README tour: end

        Assert.Equal(features.Count, rfm.Count);
        Assert.False(string.IsNullOrEmpty(segmentOfFirst));
        Assert.InRange(dormant, 1, stages.Count);
        Assert.True(bgnbd.Diagnostics.Converged);
        Assert.InRange(pAlive, 0.0, 1.0);
        Assert.Equal(2.3094, z.Statistic, 4);
        Assert.Equal(0.02092, z.PValue, 4);
        Assert.InRange(bayes.ProbabilityTreatmentBetter, 0.98, 1.0);
    }
}
