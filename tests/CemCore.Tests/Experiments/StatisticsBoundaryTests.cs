using System.Text.Json;
using CemCore.Experiments.Statistics;

namespace CemCore.Tests.Experiments;

/// <summary>
/// Chi-square goodness of fit and sample-ratio mismatch, t-tests from samples and multiple-testing adjustments at their boundaries, against
/// ReferenceData/Experiments/boundary_vectors.json (generate_boundary_vectors.py: scipy.stats.chisquare with ddof, scipy.stats.ttest_ind
/// and the textbook pooled formula for a one-row arm, statsmodels multipletests with p-values exactly 0 and 1), plus Cochran's-rule
/// warnings exactly at 20 % of cells and at a smallest expected count of exactly 1.
/// </summary>
public sealed class StatisticsBoundaryTests
{
    private static readonly EmbeddedJsonVectors Vectors = new("boundary_vectors.json");

    public static TheoryData<int> GoodnessOfFitCases => Vectors.Indexes("goodnessOfFit");

    public static TheoryData<int> SrmCases => Vectors.Indexes("srm");

    public static TheoryData<int> TTestCases => Vectors.Indexes("tTests");

    public static TheoryData<int> MultipleTestingCases => Vectors.Indexes("multipleTesting");

    private static JsonElement Section(string name) => Vectors.Section(name);

    private static double[] Doubles(JsonElement c, string name) => EmbeddedJsonVectors.Doubles(c, name);

    private static long[] Longs(JsonElement c, string name) => [.. c.GetProperty(name).EnumerateArray().Select(e => e.GetInt64())];

    private static double D(JsonElement c, string name) => c.GetProperty(name).GetDouble();

    private static void Close(double expected, double actual, string what, double relative = 1e-10) =>
        Assert.True(Math.Abs(expected - actual) <= relative * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    [Theory]
    [MemberData(nameof(GoodnessOfFitCases))]
    public void Goodness_of_fit_matches_scipy_chisquare(int index)
    {
        var c = Section("goodnessOfFit")[index];
        var r = ChiSquareTests.GoodnessOfFit(Longs(c, "observed"), Doubles(c, "probabilities"), c.GetProperty("estimatedParameters").GetInt32());
        Assert.True(r.Test.IsDefined);
        Close(D(c, "statistic"), r.Test.Statistic, "chi-square");
        Close(D(c, "pValue"), r.Test.PValue, "p-value");
        Assert.Equal(D(c, "df"), r.Test.DegreesOfFreedom);
        var expected = Doubles(c, "expected");
        Assert.Equal(expected.Length, r.Expected.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Close(expected[i], r.Expected[i], $"expected[{i}]");
        }

        // Cochran: a warning when more than 20 % of cells are below 5, another when the smallest expected count is below 1.
        var below5 = c.GetProperty("below5").GetInt32();
        var tooMany = below5 * 5 > expected.Length;
        var tiny = D(c, "min") < 1;
        Assert.Equal((tooMany ? 1 : 0) + (tiny ? 1 : 0), r.Warnings.Count);
        if (tooMany)
        {
            var percent = (100.0 * below5 / expected.Length).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
            Assert.StartsWith($"{below5} of {expected.Length} cells ({percent}%) have an expected count below 5", r.Warnings[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Goodness_of_fit_with_no_units_is_undefined_with_a_reason()
    {
        var r = ChiSquareTests.GoodnessOfFit([0, 0, 0], [0.2, 0.3, 0.5]);
        Assert.False(r.Test.IsDefined);
        Assert.Equal("No units were observed.", r.Test.UndefinedReason);
        Assert.Empty(r.Expected);
    }

    [Theory]
    [MemberData(nameof(SrmCases))]
    public void Sample_ratio_mismatch_matches_scipy_chisquare(int index)
    {
        var c = Section("srm")[index];
        var observed = Longs(c, "observed");
        var weights = Doubles(c, "weights");
        var r = ChiSquareTests.SampleRatioMismatch(observed, weights);
        Close(D(c, "statistic"), r.Statistic, "chi-square");
        Close(D(c, "pValue"), r.PValue, "p-value");
        Assert.Equal(D(c, "df"), r.DegreesOfFreedom);
        if (weights.Distinct().Count() == 1)
        {
            Assert.Equal(r, ChiSquareTests.SampleRatioMismatch(observed));
        }
    }

    [Fact]
    public void Sample_ratio_mismatch_with_many_equal_variants_uses_equal_weights()
    {
        // 70 variants (more than the 64 kept on the stack): all equal counts give chi-square 0 and p = 1.
        var equal = Enumerable.Repeat(10L, 70).ToArray();
        var r = ChiSquareTests.SampleRatioMismatch(equal);
        Assert.Equal(0.0, r.Statistic, 12);
        Assert.Equal(1.0, r.PValue, 12);
        Assert.Equal(69, r.DegreesOfFreedom);
    }

    [Theory]
    [MemberData(nameof(TTestCases))]
    public void T_tests_from_samples_match_scipy(int index)
    {
        var c = Section("tTests")[index];
        var control = Doubles(c, "control");
        var treatment = Doubles(c, "treatment");
        var s = Means.StudentTTestFromSamples(control, treatment);
        Assert.True(s.IsDefined, s.UndefinedReason);
        Close(D(c, "studentT"), s.Statistic, "pooled t");
        Close(D(c, "studentP"), s.PValue, "pooled p", 1e-8);
        Assert.Equal(D(c, "studentDf"), s.DegreesOfFreedom);
        var w = Means.WelchTTestFromSamples(control, treatment);
        if (c.TryGetProperty("welchT", out var wt))
        {
            Assert.True(w.IsDefined, w.UndefinedReason);
            Close(wt.GetDouble(), w.Statistic, "Welch t");
            Close(D(c, "welchP"), w.PValue, "Welch p", 1e-8);
            Close(D(c, "welchDf"), w.DegreesOfFreedom, "Welch df");
        }
        else
        {
            Assert.False(w.IsDefined);
            Assert.Equal("Each arm needs at least 2 observations for a sample variance.", w.UndefinedReason);
        }
    }

    [Theory]
    [MemberData(nameof(MultipleTestingCases))]
    public void Adjusted_p_values_with_p_exactly_0_and_1_match_statsmodels(int index)
    {
        var c = Section("multipleTesting")[index];
        var method = Enum.Parse<MultipleTestingMethod>(c.GetProperty("method").GetString()!);
        var adjusted = MultipleTesting.Adjust(Doubles(c, "pValues"), method);
        var expected = Doubles(c, "adjusted");
        Assert.Equal(expected.Length, adjusted.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Close(expected[i], adjusted[i], $"{method}[{i}]", 1e-12);
        }
    }

    [Theory]
    [InlineData(MultipleTestingMethod.Bonferroni)]
    [InlineData(MultipleTestingMethod.Holm)]
    [InlineData(MultipleTestingMethod.BenjaminiHochberg)]
    [InlineData(MultipleTestingMethod.BenjaminiYekutieli)]
    public void Adjusting_no_p_values_gives_none(MultipleTestingMethod method)
    {
        Assert.Empty(MultipleTesting.Adjust(Array.Empty<double>(), method));
        MultipleTesting.Adjust(ReadOnlySpan<double>.Empty, method, Span<double>.Empty);
    }
}
