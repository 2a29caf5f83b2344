using CemCore.Experiments;
using CemCore.Experiments.Statistics;

namespace CemCore.Tests.Experiments;

public sealed class ReadoutTests
{
    private static readonly Experiment Promo = new("discount-personalization",
        [new Variant("generic discount", 0.5, isControl: true), new Variant("personalized discount", 0.5)]);

    [Fact]
    public void Readout_SourceDocumentExample_IsConsistentWithTheNamedMethods()
    {
        // The source documents' example: 1,000 exposures each, 50 (generic) vs 75 (personalized) conversions.
        var report = ExperimentReadout.Create(Promo, [1000, 1000],
            [new MetricData("Conversion", MetricKind.Binary, [MetricSummary.FromCounts(50, 1000), MetricSummary.FromCounts(75, 1000)])],
            new ReadoutSettings(correction: null));
        var row = report.Metrics[0].Variants[1];
        Assert.False(report.HasSampleRatioMismatch);
        Assert.Equal(Proportions.ZTest(50, 1000, 75, 1000).PValue, row.Test.PValue);
        Assert.Equal(row.Test.PValue, row.AdjustedPValue);
        Assert.Equal(0.025, row.AbsoluteLift.Estimate, 12);
        Assert.Equal(Proportions.DifferenceInterval(50, 1000, 75, 1000), row.AbsoluteLift.Interval);
        Assert.Equal(0.5, row.RelativeLift.Estimate, 12);
        Assert.Equal(BetaBinomial.Compare(50, 1000, 75, 1000).ProbabilityTreatmentBetter, row.ProbabilityBetter);
        Assert.True(row.IsConclusive); // p = 0.0209 < 0.05
        Assert.Contains("statistically significant", row.Summary, StringComparison.Ordinal);
        Assert.Contains("7.50%", row.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Readout_SampleRatioMismatch_BlocksConclusions()
    {
        var report = ExperimentReadout.Create(Promo, [10_000, 11_000],
            [new MetricData("Conversion", MetricKind.Binary, [MetricSummary.FromCounts(500, 10_000), MetricSummary.FromCounts(800, 11_000)])]);
        Assert.True(report.HasSampleRatioMismatch);
        Assert.False(report.Metrics[0].Variants[1].IsConclusive);
        Assert.StartsWith("Warning: the traffic split", report.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Readout_UndefinedComparison_IsExplained()
    {
        var report = ExperimentReadout.Create(Promo, [100, 100],
            [new MetricData("Conversion", MetricKind.Binary, [MetricSummary.FromCounts(0, 100), MetricSummary.FromCounts(0, 100)])]);
        var row = report.Metrics[0].Variants[1];
        Assert.False(row.Test.IsDefined);
        Assert.False(row.IsConclusive);
        Assert.Contains("no comparison possible", row.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Readout_ContinuousCupedAndRatio_Work()
    {
        var random = new Random(7);
        var revenue = new MetricAccumulator(2);
        var perOrder = new MetricAccumulator(2);
        for (var i = 0; i < 4000; i++)
        {
            var v = i % 2;
            var pre = Math.Round(random.NextDouble() * 100, 2);
            var y = Math.Round((0.8 * pre) + (random.NextDouble() * 20) + (v * 2), 2);
            revenue.Add(v, y, pre);
            var orders = 1 + random.Next(3);
            perOrder.Add(v, y, orders);
        }

        var report = ExperimentReadout.Create(Promo, [2000, 2000],
        [
            new MetricData("Revenue (CUPED)", MetricKind.Continuous, revenue.GetSummaries(), useCuped: true),
            new MetricData("Revenue", MetricKind.Continuous, revenue.GetSummaries()),
            new MetricData("Revenue per order", MetricKind.Ratio, perOrder.GetSummaries()),
        ]);
        var cuped = report.Metrics[0].Variants[1];
        var plain = report.Metrics[1].Variants[1];
        Assert.True(cuped.Test.IsDefined && plain.Test.IsDefined && report.Metrics[2].Variants[1].Test.IsDefined);
        Assert.True(cuped.AbsoluteLift.Interval.Upper - cuped.AbsoluteLift.Interval.Lower < plain.AbsoluteLift.Interval.Upper - plain.AbsoluteLift.Interval.Lower);
        Assert.True(cuped.Test.PValue < plain.Test.PValue);
    }

    [Fact]
    public void Readout_BadShapes_Throw()
    {
        Assert.Throws<ArgumentException>(() => ExperimentReadout.Create(Promo, [1, 2, 3], []));
        Assert.Throws<ArgumentException>(() => ExperimentReadout.Create(Promo, [1, 2],
            [new MetricData("m", MetricKind.Binary, [MetricSummary.FromCounts(1, 2)])]));
    }
}
