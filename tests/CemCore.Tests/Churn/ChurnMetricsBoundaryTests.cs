using System.Text.Json;
using CemCore.Churn;
using CemCore.Tests.Experiments;

namespace CemCore.Tests.Churn;

/// <summary>
/// Boundaries of <see cref="ChurnMetrics"/> against ReferenceData/Churn/metric_boundaries.json (generate_metric_boundaries.py, scikit-learn 1.2.1:
/// confusion_matrix, precision/recall/f1_score(zero_division=0), accuracy_score, log_loss(eps=1e-15), brier_score_loss, calibration_curve
/// bin assignment, brute-force cost thresholds), plus every argument guard with its exception type and parameter name.
/// </summary>
public sealed class ChurnMetricsBoundaryTests
{
    private static readonly EmbeddedJsonVectors Vectors = new("metric_boundaries.json");

    public static TheoryData<int> ThresholdCases => Vectors.Indexes("thresholds");

    public static TheoryData<int> LossCases => Vectors.Indexes("losses");

    public static TheoryData<int> CalibrationCases => Vectors.Indexes("calibration");

    public static TheoryData<int> CostCases => Vectors.Indexes("costs");

    private static JsonElement Section(string name) => Vectors.Section(name);

    private static double[] Doubles(JsonElement c, string name) => EmbeddedJsonVectors.Doubles(c, name);

    private static bool[] Labels(JsonElement c) => [.. c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32() == 1)];

    private static void Close(double expected, double actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-12 * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    [Theory]
    [MemberData(nameof(ThresholdCases))]
    public void Counts_and_rates_at_a_threshold_match_scikit_learn(int index)
    {
        var c = Section("thresholds")[index];
        var counts = ChurnMetrics.AtThreshold(Doubles(c, "scores"), Labels(c), c.GetProperty("threshold").GetDouble());
        Assert.Equal(c.GetProperty("tp").GetInt32(), counts.TruePositives);
        Assert.Equal(c.GetProperty("fp").GetInt32(), counts.FalsePositives);
        Assert.Equal(c.GetProperty("tn").GetInt32(), counts.TrueNegatives);
        Assert.Equal(c.GetProperty("fn").GetInt32(), counts.FalseNegatives);
        Close(c.GetProperty("precision").GetDouble(), counts.Precision, "precision");
        Close(c.GetProperty("recall").GetDouble(), counts.Recall, "recall");
        Close(c.GetProperty("f1").GetDouble(), counts.F1, "f1");
        Close(c.GetProperty("accuracy").GetDouble(), counts.Accuracy, "accuracy");
    }

    [Fact]
    public void Rates_with_empty_denominators_are_zero_and_accuracy_of_no_rows_is_nan()
    {
        var none = new ClassificationCounts(0.5, 0, 0, 0, 0);
        Assert.Equal(0.0, none.Precision);
        Assert.Equal(0.0, none.Recall);
        Assert.Equal(0.0, none.F1);
        Assert.True(double.IsNaN(none.Accuracy));
    }

    [Theory]
    [MemberData(nameof(LossCases))]
    public void Log_loss_and_brier_with_probabilities_exactly_0_and_1_match_scikit_learn(int index)
    {
        var c = Section("losses")[index];
        var p = Doubles(c, "probabilities");
        var y = Labels(c);
        Assert.Equal(c.GetProperty("logLoss").GetDouble(), ChurnMetrics.LogLoss(p, y), 1e-9);
        Close(c.GetProperty("brier").GetDouble(), ChurnMetrics.BrierScore(p, y), "brier");
    }

    [Theory]
    [MemberData(nameof(CalibrationCases))]
    public void Calibration_bins_match_numpy_edges_and_scikit_learn_assignment(int index)
    {
        var c = Section("calibration")[index];
        var bins = ChurnMetrics.CalibrationTable(Doubles(c, "probabilities"), Labels(c), c.GetProperty("binCount").GetInt32());
        var expected = c.GetProperty("bins");
        Assert.Equal(expected.GetArrayLength(), bins.Count);
        for (var b = 0; b < bins.Count; b++)
        {
            var e = expected[b];
            Close(e.GetProperty("lower").GetDouble(), bins[b].Lower, $"bin {b} lower");
            Close(e.GetProperty("upper").GetDouble(), bins[b].Upper, $"bin {b} upper");
            Assert.Equal(e.GetProperty("count").GetInt32(), bins[b].Count);
            if (bins[b].Count == 0)
            {
                Assert.True(double.IsNaN(bins[b].MeanPredicted));
                Assert.True(double.IsNaN(bins[b].ObservedRate));
            }
            else
            {
                Close(e.GetProperty("meanPredicted").GetDouble(), bins[b].MeanPredicted, $"bin {b} mean");
                Close(e.GetProperty("observedRate").GetDouble(), bins[b].ObservedRate, $"bin {b} rate");
            }
        }

        Assert.Equal(1.0, bins[^1].Upper);
    }

    [Theory]
    [MemberData(nameof(CostCases))]
    public void Cost_threshold_matches_brute_force_with_ties_to_the_higher_threshold(int index)
    {
        var c = Section("costs")[index];
        var r = ChurnMetrics.ChooseThresholdByCost(Doubles(c, "scores"), Labels(c), c.GetProperty("costMissed").GetDouble(), c.GetProperty("costWasted").GetDouble());
        var t = c.GetProperty("threshold");
        Assert.Equal(t.ValueKind == JsonValueKind.Null ? double.PositiveInfinity : t.GetDouble(), r.Threshold);
        Assert.Equal(r.Threshold, r.Counts.Threshold);
        Assert.Equal(c.GetProperty("cost").GetDouble(), r.TotalCost);
        Assert.Equal(c.GetProperty("tp").GetInt32(), r.Counts.TruePositives);
        Assert.Equal(c.GetProperty("fp").GetInt32(), r.Counts.FalsePositives);
        Assert.Equal(c.GetProperty("tn").GetInt32(), r.Counts.TrueNegatives);
        Assert.Equal(c.GetProperty("fn").GetInt32(), r.Counts.FalseNegatives);
    }

    [Fact]
    public void Average_precision_of_no_rows_is_nan()
    {
        Assert.True(double.IsNaN(ChurnMetrics.AveragePrecision([], [])));
        Assert.True(double.IsNaN(ChurnMetrics.AveragePrecision([0.4, 0.6], [false, false])));
    }

    [Fact]
    public void Probability_exactly_one_is_accepted_and_outside_unit_interval_is_rejected()
    {
        Assert.Equal(0.0, ChurnMetrics.BrierScore([1.0, 0.0], [true, false]));
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => ChurnMetrics.BrierScore([1.0000001], [true])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => ChurnMetrics.BrierScore([-0.1], [true])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => ChurnMetrics.CalibrationTable([1.5], [true])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => ChurnMetrics.CalibrationTable([double.NaN], [true])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => ChurnMetrics.BrierScore([0.5, 0.5], [true])).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => ChurnMetrics.LogLoss([0.5], [true, false])).ParamName);
    }

    [Fact]
    public void Threshold_guards_name_their_parameter()
    {
        Assert.Equal("scores", Assert.Throws<ArgumentException>(() => ChurnMetrics.AtThreshold([0.2, double.NaN], [true, false], 0.5)).ParamName);
        Assert.Equal("labels", Assert.Throws<ArgumentException>(() => ChurnMetrics.AtThreshold([0.2, 0.3], [true], 0.5)).ParamName);
        var nan = Assert.Throws<ArgumentOutOfRangeException>(() => ChurnMetrics.AtThreshold([0.2], [true], double.NaN));
        Assert.Equal("threshold", nan.ParamName);
        Assert.Contains("must not be NaN", nan.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bin_count_guards()
    {
        Assert.Equal("binCount", Assert.Throws<ArgumentOutOfRangeException>(() => ChurnMetrics.CalibrationTable([0.5], [true], 0)).ParamName);
        Assert.Equal("binCount", Assert.Throws<ArgumentOutOfRangeException>(() => ChurnMetrics.CalibrationTable([0.5], [true], 1001)).ParamName);
        Assert.Equal(1000, ChurnMetrics.CalibrationTable([0.5], [true], 1000).Count);
    }

    [Theory]
    [InlineData(-1.0, 1.0, "costOfMissedChurner")]
    [InlineData(double.NaN, 1.0, "costOfMissedChurner")]
    [InlineData(double.PositiveInfinity, 1.0, "costOfMissedChurner")]
    [InlineData(1.0, -1.0, "costOfWastedOffer")]
    [InlineData(1.0, double.NaN, "costOfWastedOffer")]
    [InlineData(1.0, double.PositiveInfinity, "costOfWastedOffer")]
    public void Cost_guards_name_their_parameter(double missed, double wasted, string parameter)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ChurnMetrics.ChooseThresholdByCost([0.2, 0.8], [false, true], missed, wasted));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains("finite and ≥ 0", e.Message, StringComparison.Ordinal);
    }
}
