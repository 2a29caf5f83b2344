using CemCore.Churn;

namespace CemCore.Tests.Churn;

/// <summary>
/// Argument guards (exception type, parameter name, message) and boundaries of <see cref="ChurnValidation"/>, <see cref="MissingValuePolicy"/>
/// and <see cref="WinBackPolicy"/>: the open/half-open interval ends, and the shuffle behind the stratified folds being a uniform
/// Fisher–Yates shuffle (every order of a class occurs over seeds).
/// </summary>
public sealed class ChurnPolicyGuardTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.2)]
    [InlineData(double.NaN)]
    public void Test_fraction_outside_the_open_unit_interval_is_rejected(double fraction)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ChurnValidation.StratifiedTrainTestSplit([true, false, true, false], fraction, 1));
        Assert.Equal("testFraction", e.ParamName);
        Assert.Contains("must be in (0, 1)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Splitting_no_rows_is_rejected_with_a_reason()
    {
        var e = Assert.Throws<ArgumentException>(() => ChurnValidation.StratifiedTrainTestSplit([], 0.5, 1));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains("no rows", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(5)]
    public void Fold_count_outside_two_to_row_count_is_rejected(int folds)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ChurnValidation.StratifiedKFold([true, false, true, false], folds, 1));
        Assert.Equal("folds", e.ParamName);
    }

    [Fact]
    public void Fold_shuffle_is_uniform_every_order_of_a_two_row_class_occurs_over_seeds()
    {
        // A Fisher–Yates shuffle of two rows keeps or swaps them with probability 1/2 each; dealing round-robin then gives
        // the fold vectors [0, 1] and [1, 0]. Over 64 seeds both must appear (probability of a false failure 2^-63).
        var seen = new HashSet<string>();
        for (var seed = 0; seed < 64; seed++)
        {
            seen.Add(string.Join(",", ChurnValidation.StratifiedKFold([false, false], 2, seed)));
        }

        Assert.Equal(["0,1", "1,0"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Cross_validation_guards_name_their_parameter()
    {
        Assert.Equal("features", Assert.Throws<ArgumentNullException>(() => ChurnValidation.CrossValidate(null!, [true, false])).ParamName);
        var features = FeatureMatrix.FromRowMajor(["x"], [1.0, 2.0, 3.0, 4.0]);
        var e = Assert.Throws<ArgumentException>(() => ChurnValidation.CrossValidate(features, [true, false, true], folds: 2));
        Assert.Equal("labels", e.ParamName);
        Assert.Contains("Expected 4 labels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mean_over_folds_without_a_defined_value_is_nan_and_skips_nan_folds()
    {
        var none = new CrossValidationResult([]);
        Assert.True(double.IsNaN(none.MeanRocAuc));
        var some = new CrossValidationResult([new FoldMetrics(0, 3, 1, double.NaN, 0.5, 0.1, true), new FoldMetrics(1, 3, 1, 0.8, 0.25, 0.1, true)]);
        Assert.Equal(0.8, some.MeanRocAuc);
        Assert.Equal(0.375, some.MeanLogLoss);
    }

    [Fact]
    public void Constant_imputation_keeps_its_value_and_prints_it_round_trip()
    {
        var p = MissingValuePolicy.ImputeConstant(2.5);
        Assert.Equal(MissingValueStrategy.ImputeConstant, p.Strategy);
        Assert.Equal(2.5, p.Constant);
        Assert.Equal("ImputeConstant(2.5)", p.ToString());
        Assert.Equal("Reject", MissingValuePolicy.Reject.ToString());
        Assert.Equal("ImputeTrainingMean", MissingValuePolicy.ImputeTrainingMean.ToString());
        Assert.Equal(MissingValueStrategy.ImputeTrainingMean, MissingValuePolicy.ImputeTrainingMean.Strategy);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constant_imputation_rejects_a_non_finite_fill_value(double value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MissingValuePolicy.ImputeConstant(value));
        Assert.Equal("constant", e.ParamName);
        Assert.Contains("finite number", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Win_back_threshold_zero_is_allowed_and_one_is_not()
    {
        var zero = new WinBackPolicy(0.0);
        Assert.Equal(0.0, zero.Threshold);
        Assert.True(zero.TryTrigger("c1", 0.01, DateTimeOffset.UnixEpoch, out _));
        Assert.False(zero.TryTrigger("c1", 0.0, DateTimeOffset.UnixEpoch, out _));
        foreach (var bad in new[] { 1.0, -0.01, double.NaN })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => new WinBackPolicy(bad));
            Assert.Equal("threshold", e.ParamName);
            Assert.Contains("must be in [0, 1)", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Win_back_evaluate_rejects_null_ids()
    {
        var e = Assert.Throws<ArgumentNullException>(() => new WinBackPolicy().Evaluate(null!, [0.9], DateTimeOffset.UnixEpoch));
        Assert.Equal("customerIds", e.ParamName);
    }
}
