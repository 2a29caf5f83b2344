using CemCore.Experiments.Statistics;

namespace CemCore.Tests.Experiments;

/// <summary>
/// Every argument guard of the statistical tests (exception type and parameter name), the reasons given for undefined results
/// (an empty arm, a zero standard error, an empty row or column), and the boundaries of the guards (p exactly 0 and 1 accepted,
/// the largest allowed number of estimated parameters).
/// </summary>
public sealed class StatisticsGuardTests
{
    private static void Throws<T>(string parameter, Action action)
        where T : ArgumentException => Assert.Equal(parameter, Assert.Throws<T>(action).ParamName);

    [Fact]
    public void Two_by_two_checks_both_arms()
    {
        Throws<ArgumentOutOfRangeException>("controlSuccesses", () => ChiSquareTests.TwoByTwo(11, 10, 1, 10));
        Throws<ArgumentOutOfRangeException>("controlTrials", () => ChiSquareTests.TwoByTwo(0, -1, 1, 10));
        Throws<ArgumentOutOfRangeException>("treatmentSuccesses", () => ChiSquareTests.TwoByTwo(1, 10, 11, 10));
        Throws<ArgumentOutOfRangeException>("treatmentTrials", () => ChiSquareTests.TwoByTwo(1, 10, 0, -1));
    }

    [Theory]
    [InlineData(3, 10, 0, 0)] // treatment row empty
    [InlineData(0, 0, 3, 10)] // control row empty
    [InlineData(0, 10, 0, 10)] // nobody converts
    [InlineData(10, 10, 10, 10)] // everybody converts
    public void Two_by_two_with_an_empty_row_or_column_is_undefined_with_a_reason(long cs, long ct, long ts, long tt)
    {
        var r = ChiSquareTests.TwoByTwo(cs, ct, ts, tt);
        Assert.False(r.IsDefined);
        Assert.Equal("A row or column of the 2×2 table is empty, so an expected count is zero.", r.UndefinedReason);
    }

    [Fact]
    public void Sample_ratio_mismatch_guards()
    {
        var few = Assert.Throws<ArgumentException>(() => ChiSquareTests.SampleRatioMismatch([10], [1.0]));
        Assert.Equal("observed", few.ParamName);
        Assert.Contains("at least 2 variants but has 1", few.Message, StringComparison.Ordinal);
        var mismatch = Assert.Throws<ArgumentException>(() => ChiSquareTests.SampleRatioMismatch([10, 10], [0.2, 0.3, 0.5]));
        Assert.Equal("weights", mismatch.ParamName);
        Assert.Contains("Expected 2 weights", mismatch.Message, StringComparison.Ordinal);
        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => ChiSquareTests.SampleRatioMismatch([10, 10], [0.0, 1.0]));
        Assert.Equal("weights", zero.ParamName);
        Assert.Contains("weights[0] must be a finite number > 0", zero.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => ChiSquareTests.SampleRatioMismatch([10, -1], [0.5, 0.5]));
        Assert.Equal("observed", negative.ParamName);
        Assert.Contains("observed[1] must be ≥ 0", negative.Message, StringComparison.Ordinal);
        var none = ChiSquareTests.SampleRatioMismatch([0, 0], [0.5, 0.5]);
        Assert.Equal("No units were observed.", none.UndefinedReason);
    }

    [Fact]
    public void Goodness_of_fit_guards()
    {
        var few = Assert.Throws<ArgumentException>(() => ChiSquareTests.GoodnessOfFit([10], [1.0]));
        Assert.Equal("observed", few.ParamName);
        Assert.Contains("at least 2 categories but has 1", few.Message, StringComparison.Ordinal);
        var mismatch = Assert.Throws<ArgumentException>(() => ChiSquareTests.GoodnessOfFit([10, 10], [1.0]));
        Assert.Equal("probabilities", mismatch.ParamName);
        Assert.Contains("Expected 2 probabilities", mismatch.Message, StringComparison.Ordinal);
        Throws<ArgumentOutOfRangeException>("probabilities", () => ChiSquareTests.GoodnessOfFit([10, 10], [-0.5, 1.5]));
        foreach (var k in new[] { -1, 3, 4 })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => ChiSquareTests.GoodnessOfFit([10, 12, 9, 11], [0.25, 0.25, 0.25, 0.25], k));
            Assert.Equal("estimatedParameters", e.ParamName);
            Assert.Contains("estimatedParameters must be in [0, 2].", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, ChiSquareTests.GoodnessOfFit([10, 12, 9, 11], [0.25, 0.25, 0.25, 0.25], 2).Test.DegreesOfFreedom);
    }

    [Fact]
    public void Contingency_names_the_negative_cell_by_row_and_column()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ChiSquareTests.Contingency([1, 2, 3, 4, 5, -6], 3));
        Assert.Equal("cells", e.ParamName);
        Assert.Contains("cells[5] (row 1, column 2) must be ≥ 0 but was -6.", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Contingency_with_an_empty_row_or_column_names_it()
    {
        var row = ChiSquareTests.Contingency([1, 2, 0, 0, 3, 4], 2);
        Assert.False(row.Test.IsDefined);
        Assert.Equal("row 1 of the table sums to zero, so its expected counts are zero.", row.Test.UndefinedReason);
        var column = ChiSquareTests.Contingency([1, 0, 2, 0], 2);
        Assert.Equal("column 1 of the table sums to zero, so its expected counts are zero.", column.Test.UndefinedReason);
    }

    [Fact]
    public void Mean_test_guards_name_their_parameter()
    {
        Throws<ArgumentOutOfRangeException>("treatmentMean", () => Means.StudentTTest(1, 1, 10, double.NaN, 1, 10));
        Throws<ArgumentOutOfRangeException>("controlMean", () => Means.StudentTTest(double.PositiveInfinity, 1, 10, 1, 1, 10));
        Throws<ArgumentOutOfRangeException>("controlStandardDeviation", () => Means.StudentTTest(1, -1, 10, 1, 1, 10));
        Throws<ArgumentOutOfRangeException>("treatmentStandardDeviation", () => Means.StudentTTest(1, 1, 10, 1, -1, 10));
        Throws<ArgumentOutOfRangeException>("controlCount", () => Means.StudentTTest(1, 1, -1, 1, 1, 10));
        Throws<ArgumentOutOfRangeException>("treatmentCount", () => Means.StudentTTest(1, 1, 10, 1, 1, -1));
        Throws<ArgumentOutOfRangeException>("treatmentMean", () => Means.WelchTTest(1, 1, 10, double.NaN, 1, 10));
        Throws<ArgumentOutOfRangeException>("treatmentCount", () => Means.WelchTTest(1, 1, 10, 1, 1, -1));
        var bad = Assert.Throws<ArgumentException>(() => Means.WelchTTestFromSamples([1, 2], [1, double.NaN]));
        Assert.Equal("treatment", bad.ParamName);
        Assert.Contains("treatment contains a value that is NaN or infinite", bad.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(5, 0)]
    [InlineData(1, 1)]
    public void Pooled_t_test_needs_one_row_per_arm_and_three_in_total(long controlCount, long treatmentCount)
    {
        var r = Means.StudentTTest(1, 1, controlCount, 2, 1, treatmentCount);
        Assert.False(r.IsDefined);
        Assert.Equal("The pooled t-test needs at least 1 observation per arm and 3 in total.", r.UndefinedReason);
    }

    [Fact]
    public void T_tests_without_variance_or_rows_say_why()
    {
        Assert.Equal("The pooled variance is zero, so the standard error is zero.", Means.StudentTTest(1, 0, 5, 2, 0, 5).UndefinedReason);
        Assert.Equal("Both arms have zero variance, so the standard error is zero.", Means.WelchTTest(1, 0, 5, 2, 0, 5).UndefinedReason);
        Assert.Equal("Each arm needs at least 2 observations for a sample variance.", Means.WelchTTest(1, 1, 1, 2, 1, 5).UndefinedReason);
        Assert.Equal("Each arm needs at least 2 observations for a sample variance.", Means.WelchTTestFromSamples([1.0], [1.0, 2.0]).UndefinedReason);
        Assert.Equal("The pooled t-test needs at least 1 observation per arm and 3 in total.", Means.StudentTTestFromSamples([], [1.0, 2.0, 3.0]).UndefinedReason);
    }

    [Fact]
    public void Proportion_guards_name_their_parameter()
    {
        Throws<ArgumentOutOfRangeException>("treatmentSuccesses", () => Proportions.ZTest(1, 10, 11, 10));
        Throws<ArgumentOutOfRangeException>("successes", () => Proportions.Interval(11, 10));
        Throws<ArgumentOutOfRangeException>("trials", () => Proportions.Interval(0, -1));
        Throws<ArgumentOutOfRangeException>("controlSuccesses", () => Proportions.DifferenceInterval(11, 10, 1, 10));
        Throws<ArgumentOutOfRangeException>("treatmentSuccesses", () => Proportions.DifferenceInterval(1, 10, 11, 10));
        Throws<ArgumentOutOfRangeException>("confidence", () => Proportions.DifferenceInterval(1, 10, 1, 10, 1.0));
        Throws<ArgumentOutOfRangeException>("controlSuccesses", () => Proportions.RelativeLift(11, 10, 1, 10));
        Throws<ArgumentOutOfRangeException>("treatmentSuccesses", () => Proportions.RelativeLift(1, 10, 11, 10));
        Throws<ArgumentOutOfRangeException>("confidence", () => Proportions.RelativeLift(1, 10, 1, 10, 0.0));
    }

    [Theory]
    [InlineData(0, 0, 1, 10)]
    [InlineData(1, 10, 0, 0)]
    public void Proportions_with_an_empty_arm_say_so(long cs, long ct, long ts, long tt)
    {
        Assert.Equal("An arm has no exposures.", Proportions.ZTest(cs, ct, ts, tt).UndefinedReason);
        var d = Proportions.DifferenceInterval(cs, ct, ts, tt);
        Assert.False(d.IsDefined);
        Assert.Equal("An arm has no exposures.", d.UndefinedReason);
        var l = Proportions.RelativeLift(cs, ct, ts, tt);
        Assert.False(l.IsDefined);
        Assert.Equal("An arm has no exposures.", l.UndefinedReason);
        Assert.Equal("There are no trials.", Proportions.Interval(0, 0).UndefinedReason);
    }

    [Fact]
    public void Z_test_with_zero_standard_error_names_the_variance_used()
    {
        Assert.Equal("The pooled conversion rate is 0% or 100%, so the standard error is zero.", Proportions.ZTest(0, 10, 0, 10).UndefinedReason);
        Assert.Equal(
            "Both arms convert at 0% or 100%, so the standard error is zero.",
            Proportions.ZTest(0, 10, 10, 10, variance: ProportionVariance.Unpooled).UndefinedReason);
    }

    [Fact]
    public void Multiple_testing_guards_and_the_closed_unit_interval()
    {
        var len = Assert.Throws<ArgumentException>(() => MultipleTesting.Adjust([0.1, 0.2], MultipleTestingMethod.Holm, new double[3]));
        Assert.Equal("destination", len.ParamName);
        Assert.Contains("destination must have 2 elements", len.Message, StringComparison.Ordinal);
        foreach (var bad in new[] { -0.01, 1.01, double.NaN })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => MultipleTesting.Adjust([0.5, bad], MultipleTestingMethod.Bonferroni));
            Assert.Equal("pValues", e.ParamName);
            Assert.Contains("pValues[1] must be in [0, 1]", e.Message, StringComparison.Ordinal);
        }

        Assert.Equal([0.0, 1.0], MultipleTesting.Adjust([0.0, 1.0], MultipleTestingMethod.Bonferroni));
        Throws<ArgumentNullException>("pValues", () => MultipleTesting.Adjust(null!, MultipleTestingMethod.Holm));
    }

    [Fact]
    public void Normal_means_guards_name_their_parameter()
    {
        Throws<ArgumentOutOfRangeException>("standardDeviation", () => _ = new NormalPrior(0, 0));
        Throws<ArgumentOutOfRangeException>("standardDeviation", () => _ = new NormalPrior(0, -1));
        Assert.Equal(double.PositiveInfinity, new NormalPrior(0, double.PositiveInfinity).StandardDeviation);
        Throws<ArgumentOutOfRangeException>("credibility", () => NormalMeans.Compare(1, 1, 10, 2, 1, 10, credibility: 1.0));
        Throws<ArgumentOutOfRangeException>("mean", () => NormalMeans.Compare(double.NaN, 1, 10, 2, 1, 10));
        Throws<ArgumentOutOfRangeException>("sd", () => NormalMeans.Compare(1, 0, 10, 2, 1, 10));
        var n = Assert.Throws<ArgumentOutOfRangeException>(() => NormalMeans.Compare(1, 1, 1, 2, 1, 10));
        Assert.Equal("n", n.ParamName);
        Assert.Contains("at least 2 observations per arm", n.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Relative_lift_checks_the_confidence_even_when_an_arm_is_empty()
    {
        // An empty arm makes the estimate undefined, but a bad confidence is still the caller's error, not an undefined estimate.
        Throws<ArgumentOutOfRangeException>("confidence", () => Proportions.RelativeLift(0, 0, 0, 0, 1.5));
        Throws<ArgumentOutOfRangeException>("confidence", () => Proportions.RelativeLift(1, 10, 0, 0, 0));
        Assert.False(Proportions.RelativeLift(0, 0, 0, 0, 0.9).IsDefined);
    }

    [Fact]
    public void Normal_prior_says_what_a_valid_standard_deviation_is()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new NormalPrior(0, 0));
        Assert.Equal("standardDeviation", e.ParamName);
        Assert.Contains("must be > 0 (+∞ for a flat prior)", e.Message, StringComparison.Ordinal);
    }
}
