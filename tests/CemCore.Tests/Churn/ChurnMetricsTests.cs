using CemCore.Churn;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CemCore.Tests.Churn;

public sealed class ChurnMetricsTests
{
    public static TheoryData<string> ReferenceSets() => new(ChurnReference.Names);

    // Oracle: scikit-learn 1.2.1 sklearn.metrics on the reference probabilities (generate_churn_reference.py): roc_auc_score,
    // average_precision_score, log_loss(eps=1e-15), brier_score_loss, precision/recall/f1_score(zero_division=0) at p >= 0.5,
    // calibration_curve(n_bins=10, strategy="uniform").
    [Theory]
    [MemberData(nameof(ReferenceSets))]
    public void Metrics_MatchScikitLearn(string name)
    {
        var data = ChurnReference.Load(name);
        var p = data.Doubles("probabilities");
        var y = data.Labels;

        Assert.Equal(data.Metric("rocAuc"), ChurnMetrics.RocAuc(p, y), 1e-12);
        Assert.Equal(data.Metric("averagePrecision"), ChurnMetrics.AveragePrecision(p, y), 1e-12);
        Assert.Equal(data.Metric("logLoss"), ChurnMetrics.LogLoss(p, y), 1e-12);
        Assert.Equal(data.Metric("brier"), ChurnMetrics.BrierScore(p, y), 1e-12);
        var at = ChurnMetrics.AtThreshold(p, y, 0.5);
        Assert.Equal(data.Metric("precisionAt05"), at.Precision, 1e-12);
        Assert.Equal(data.Metric("recallAt05"), at.Recall, 1e-12);
        Assert.Equal(data.Metric("f1At05"), at.F1, 1e-12);

        var bins = ChurnMetrics.CalibrationTable(p, y, 10).Where(b => b.Count > 0).ToArray();
        var observed = data.MetricDoubles("calibrationObserved");
        var predicted = data.MetricDoubles("calibrationPredicted");
        Assert.Equal(observed.Length, bins.Length);
        for (var b = 0; b < bins.Length; b++)
        {
            Assert.Equal(observed[b], bins[b].ObservedRate, 1e-12);
            Assert.Equal(predicted[b], bins[b].MeanPredicted, 1e-12);
        }
    }

    // Oracle: scikit-learn 1.2.1 roc_auc_score / average_precision_score on the probabilities rounded to one decimal (many ties).
    [Theory]
    [MemberData(nameof(ReferenceSets))]
    public void RocAucAndAveragePrecision_WithTies_MatchScikitLearn(string name)
    {
        var data = ChurnReference.Load(name);
        var tied = data.Doubles("tiedScores");
        var expected = data.Expected.GetProperty("tiedMetrics");
        Assert.Equal(expected.GetProperty("rocAuc").GetDouble(), ChurnMetrics.RocAuc(tied, data.Labels), 1e-12);
        Assert.Equal(expected.GetProperty("averagePrecision").GetDouble(), ChurnMetrics.AveragePrecision(tied, data.Labels), 1e-12);
    }

    [Fact]
    public void RocAuc_HandComputed()
    {
        // Pairs (pos, neg): (0.8,0.3)=1, (0.8,0.8)=0.5, (0.4,0.3)=1, (0.4,0.8)=0 → 2.5 / 4.
        Assert.Equal(0.625, ChurnMetrics.RocAuc([0.8, 0.3, 0.4, 0.8], [true, false, true, false]), 1e-15);
    }

    [Fact]
    public void RocAuc_SingleClass_IsNaN()
    {
        Assert.True(double.IsNaN(ChurnMetrics.RocAuc([0.1, 0.2], [true, true])));
        Assert.True(double.IsNaN(ChurnMetrics.AveragePrecision([0.1, 0.2], [false, false])));
    }

    [Fact]
    public void LogLoss_ClipsAtEpsilon()
    {
        // A confident wrong prediction costs -ln(1e-15) = 34.538776394910684, not infinity.
        Assert.Equal(-Math.Log(ChurnMetrics.LogLossEpsilon), ChurnMetrics.LogLoss([0.0], [true]), 1e-9);
    }

    [Fact]
    public void Metrics_BadInput_Throw()
    {
        var ex = Assert.Throws<ArgumentException>(() => ChurnMetrics.RocAuc([0.1, 0.2], [true]));
        Assert.Equal("labels", ex.ParamName);
        Assert.Throws<ArgumentException>(() => ChurnMetrics.RocAuc([double.NaN, 0.2], [true, false]));
        var p = Assert.Throws<ArgumentException>(() => ChurnMetrics.LogLoss([1.5], [true]));
        Assert.Contains("[0, 1]", p.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ChurnMetrics.CalibrationTable([0.5], [true], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChurnMetrics.ChooseThresholdByCost([0.5], [true], -1, 1));
    }

    [Fact]
    public void ChooseThresholdByCost_PicksCheapestThreshold()
    {
        double[] s = [0.9, 0.8, 0.7, 0.6, 0.2];
        bool[] y = [true, false, true, false, false];

        // Missing a churner costs 10, an offer costs 1: targeting down to 0.7 costs 1 (one FP); nobody costs 20.
        var choice = ChurnMetrics.ChooseThresholdByCost(s, y, 10, 1);
        Assert.Equal(0.7, choice.Threshold);
        Assert.Equal(1.0, choice.TotalCost);
        Assert.Equal(2, choice.Counts.TruePositives);
        Assert.Equal(1, choice.Counts.FalsePositives);

        // Offers cost more than churners: only the top score (a sure churner) is worth an offer; cost = one missed churner.
        var few = ChurnMetrics.ChooseThresholdByCost(s, y, 1, 10);
        Assert.Equal(0.9, few.Threshold);
        Assert.Equal(1.0, few.TotalCost);

        // Offers cost more than any churner could: target nobody.
        var none = ChurnMetrics.ChooseThresholdByCost([0.9, 0.1], [false, true], 1, 10);
        Assert.True(double.IsPositiveInfinity(none.Threshold));
        Assert.Equal(1.0, none.TotalCost);
    }

    [Property(MaxTest = 300)]
    public Property RocAuc_InUnitInterval_AndFlipsWithNegatedScores(int seed)
    {
        var r = new Random(seed);
        var n = r.Next(2, 60);
        var s = Enumerable.Range(0, n).Select(_ => Math.Round(r.NextDouble(), 1)).ToArray();
        var y = Enumerable.Range(0, n).Select(i => i == 0 || (i != 1 && r.NextDouble() < 0.4)).ToArray();
        var auc = ChurnMetrics.RocAuc(s, y);
        var flipped = ChurnMetrics.RocAuc(s.Select(v => -v).ToArray(), y);
        return (auc is >= 0 and <= 1 && Math.Abs(auc + flipped - 1) < 1e-12).ToProperty();
    }

    [Property(MaxTest = 300)]
    public Property ChooseThresholdByCost_IsNoWorseThanAnyThreshold(int seed)
    {
        var r = new Random(seed);
        var n = r.Next(1, 40);
        var s = Enumerable.Range(0, n).Select(_ => Math.Round(r.NextDouble(), 2)).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => r.NextDouble() < 0.3).ToArray();
        var cm = r.Next(0, 20);
        var co = r.Next(0, 20);
        var best = ChurnMetrics.ChooseThresholdByCost(s, y, cm, co);
        return s.All(t =>
        {
            var c = ChurnMetrics.AtThreshold(s, y, t);
            return best.TotalCost <= (cm * c.FalseNegatives) + (co * c.FalsePositives) + 1e-9;
        }).ToProperty();
    }
}
