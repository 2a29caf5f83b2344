using System.Reflection;
using System.Text.Json;
using CemCore.Experiments.Statistics;

namespace CemCore.Tests.Experiments;

/// <summary>
/// Issue #16, statistics the API lacked, against ReferenceData/Experiments/generate_numerics_vectors.py (Debian statsmodels
/// 0.13.5, scipy 1.10.1, mpmath 1.2.1). Tolerances: sample sizes 1e-9 relative (z, closed form) and 1e-6 relative (t: statsmodels
/// solves power = target with scipy's t.isf, which is a few 1e-9 off at non-integer df such as 5.5, and that moves its root);
/// z power 1e-12 absolute; t power 1e-11 absolute against mpmath (exact critical value and noncentral t by quadrature) and 1e-8
/// against statsmodels (same t.isf error); the noncentral t CDF 1e-12 absolute against mpmath quadrature; t-tests, chi-square statistics and expected counts 1e-12 relative, their
/// p-values 1e-10 relative; the normal–normal comparison 1e-12 relative (losses against scipy quad, 1e-10).
/// </summary>
public sealed class NumericsReferenceTests
{
    private static readonly Lazy<JsonDocument> Vectors = new(() =>
    {
        var asm = Assembly.GetExecutingAssembly();
        var res = asm.GetManifestResourceNames().Single(n => n.EndsWith("numerics_vectors.json", StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(res)!;
        return JsonDocument.Parse(s);
    });

    [Fact]
    public void SampleSizeForProportions_UnequalAllocationAndOneSided_MatchesStatsmodels()
    {
        var rows = Rows("sampleSizeProportions");
        Assert.Equal(80, rows.Count);
        foreach (var r in rows)
        {
            var design = Design(r);
            var n = TwoArmPower.SampleSizeForProportions(D(r, "baseline"), D(r, "effect"), design);
            Rel(D(r, "control"), n.ExactControl, 1e-9, r);
            Rel(D(r, "treatment"), n.ExactTreatment, 1e-9, r);
            Assert.Equal((long)Math.Ceiling(D(r, "control") * (1 - 1e-9)), n.Control);
        }
    }

    [Fact]
    public void PowerForProportions_MatchesStatsmodels()
    {
        foreach (var r in Rows("powerProportions"))
        {
            var p = TwoArmPower.PowerForProportions(D(r, "baseline"), D(r, "effect"), D(r, "controlCount"), Design(r));
            Abs(D(r, "power"), p, 1e-12, r);
        }
    }

    [Fact]
    public void SampleSizeForMeans_ZAndT_MatchStatsmodels()
    {
        var rows = Rows("sampleSizeMeans");
        Assert.Equal(96, rows.Count);
        foreach (var r in rows)
        {
            var design = Design(r);
            Rel(D(r, "normalControl"), TwoArmPower.SampleSizeForMeans(1.0, D(r, "effect"), design, MeansPowerMethod.Normal).ExactControl, 1e-9, r);
            Rel(D(r, "studentControl"), TwoArmPower.SampleSizeForMeans(1.0, D(r, "effect"), design, MeansPowerMethod.StudentT).ExactControl, 1e-6, r);

            // Scale invariance: σ = 40 and δ = 40·d give the same sizes.
            Rel(D(r, "normalControl"), TwoArmPower.SampleSizeForMeans(40.0, 40.0 * D(r, "effect"), design, MeansPowerMethod.Normal).ExactControl, 1e-9, r);
        }
    }

    [Fact]
    public void PowerForMeans_ZAndNoncentralT_MatchStatsmodels()
    {
        foreach (var r in Rows("powerMeans"))
        {
            var design = Design(r);
            Abs(D(r, "normal"), TwoArmPower.PowerForMeans(1.0, D(r, "effect"), D(r, "controlCount"), design, MeansPowerMethod.Normal), 1e-12, r);
            var t = TwoArmPower.PowerForMeans(1.0, D(r, "effect"), D(r, "controlCount"), design, MeansPowerMethod.StudentT);
            Abs(D(r, "studentExact"), t, 1e-11, r);
            Abs(D(r, "student"), t, 1e-8, r);
        }
    }

    [Fact]
    public void NoncentralT_MatchesMpmathQuadrature()
    {
        foreach (var r in Rows("noncentralT"))
        {
            Abs(D(r, "cdf"), NoncentralT.Cdf(D(r, "t"), D(r, "df"), D(r, "nc")), 1e-12, r);
            Abs(D(r, "sf"), NoncentralT.Sf(D(r, "t"), D(r, "df"), D(r, "nc")), 1e-12, r);
        }
    }

    [Fact]
    public void StudentTTest_MatchesScipy()
    {
        foreach (var r in Rows("studentT"))
        {
            var alt = Enum.Parse<Alternative>(S(r, "alternative"));
            var t = Means.StudentTTest(D(r, "controlMean"), D(r, "controlSd"), (long)D(r, "controlCount"), D(r, "treatmentMean"), D(r, "treatmentSd"), (long)D(r, "treatmentCount"), alt);
            Assert.True(t.IsDefined, t.UndefinedReason);
            Rel(D(r, "t"), t.Statistic, 1e-12, r);
            Assert.Equal(D(r, "df"), t.DegreesOfFreedom);
            Rel(D(r, "p"), t.PValue, 1e-10, r);
        }

        foreach (var r in Rows("studentTSamples"))
        {
            var t = Means.StudentTTestFromSamples(Array(r, "control"), Array(r, "treatment"));
            Rel(D(r, "t"), t.Statistic, 1e-12, r);
            Rel(D(r, "p"), t.PValue, 1e-10, r);
        }

        Assert.False(Means.StudentTTest(1, 1, 1, 2, 1, 1).IsDefined);
        Assert.False(Means.StudentTTest(1, 0, 10, 2, 0, 10).IsDefined);
    }

    [Fact]
    public void Contingency_MatchesScipyChi2Contingency()
    {
        foreach (var r in Rows("contingency"))
        {
            var table = r.GetProperty("table").EnumerateArray().Select(row => row.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
            var cells = table.SelectMany(x => x).ToArray();
            var result = ChiSquareTests.Contingency(cells, table[0].Length, r.GetProperty("yates").GetBoolean());
            Assert.True(result.Test.IsDefined, result.Test.UndefinedReason);
            Assert.Equal(table.Length, result.Rows);
            Rel(D(r, "chi2"), result.Test.Statistic, 1e-12, r);
            Rel(D(r, "p"), result.Test.PValue, 1e-10, r);
            Assert.Equal(D(r, "df"), result.Test.DegreesOfFreedom);
            var expected = Array(r, "expected");
            for (var i = 0; i < expected.Length; i++)
            {
                Rel(expected[i], result.Expected[i], 1e-12, r);
            }

            // Cochran's rule, recomputed from scipy's expected counts.
            var below5 = expected.Count(e => e < 5);
            Assert.Equal((below5 * 5 > expected.Length ? 1 : 0) + (expected.Min() < 1 ? 1 : 0), result.Warnings.Count);
        }
    }

    [Fact]
    public void Contingency_EmptyRowOrBadShape()
    {
        var r = ChiSquareTests.Contingency([0, 0, 0, 3, 4, 5], 3);
        Assert.False(r.Test.IsDefined);
        Assert.Contains("row 0", r.Test.UndefinedReason, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ChiSquareTests.Contingency([1, 2, 3], 3));
        Assert.Throws<ArgumentException>(() => ChiSquareTests.Contingency([1, 2, 3, 4, 5], 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChiSquareTests.Contingency([1, -2, 3, 4], 2));
    }

    [Fact]
    public void GoodnessOfFit_MatchesScipyChisquare()
    {
        foreach (var r in Rows("goodnessOfFit"))
        {
            var observed = Array(r, "observed").Select(v => (long)v).ToArray();
            var result = ChiSquareTests.GoodnessOfFit(observed, Array(r, "probabilities"), (int)D(r, "ddof"));
            Rel(D(r, "chi2"), result.Test.Statistic, 1e-12, r);
            Rel(D(r, "p"), result.Test.PValue, 1e-10, r);
            Assert.Equal(D(r, "df"), result.Test.DegreesOfFreedom);
        }

        // Sparse expected counts carry a warning: 8 × 0.05 = 0.4 < 1 and 1 of 3 cells below 5.
        var sparse = ChiSquareTests.GoodnessOfFit([5, 1, 2], [0.9, 0.05, 0.05]);
        Assert.Equal(2, sparse.Warnings.Count);
    }

    [Fact]
    public void NormalMeans_MatchesScipy()
    {
        foreach (var r in Rows("bayesMeans"))
        {
            var prior = r.GetProperty("priorMean").ValueKind == JsonValueKind.Null ? null : new NormalPrior(D(r, "priorMean"), D(r, "priorSd"));
            var c = NormalMeans.Compare(D(r, "controlMean"), D(r, "controlSd"), (long)D(r, "controlCount"), D(r, "treatmentMean"), D(r, "treatmentSd"), (long)D(r, "treatmentCount"), prior);
            Rel(D(r, "controlPosteriorMean"), c.ControlPosteriorMean, 1e-12, r);
            Rel(D(r, "controlPosteriorSd"), c.ControlPosteriorStandardDeviation, 1e-12, r);
            Rel(D(r, "treatmentPosteriorMean"), c.TreatmentPosteriorMean, 1e-12, r);
            Rel(D(r, "treatmentPosteriorSd"), c.TreatmentPosteriorStandardDeviation, 1e-12, r);
            Rel(D(r, "differenceSd"), c.DifferenceStandardDeviation, 1e-12, r);
            Rel(D(r, "probabilityTreatmentBetter"), c.ProbabilityTreatmentBetter, 1e-12, r);
            Rel(D(r, "lossTreatment"), c.ExpectedLossTreatment, 1e-10, r);
            Rel(D(r, "lossControl"), c.ExpectedLossControl, 1e-10, r);
            Rel(D(r, "ciLower"), c.DifferenceCredibleInterval.Lower, 1e-12, r);
            Rel(D(r, "ciUpper"), c.DifferenceCredibleInterval.Upper, 1e-12, r);
        }
    }

    [Fact]
    public void OneSidedDesign_RejectsAnEffectOnTheWrongSide()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoArmPower.SampleSizeForProportions(0.1, -0.01, new PowerDesign(alternative: Alternative.Greater)));
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoArmPower.SampleSizeForMeans(1, 0.2, new PowerDesign(alternative: Alternative.Less), MeansPowerMethod.StudentT));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PowerDesign(ratio: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TwoArmPower.SampleSizeForMeans(1, 1e-9, PowerDesign.Default, MeansPowerMethod.StudentT));
    }

    private static List<JsonElement> Rows(string name) => [.. Vectors.Value.RootElement.GetProperty(name).EnumerateArray()];

    private static PowerDesign Design(JsonElement r) => new(
        D(r, "alpha"),
        r.TryGetProperty("control", out _) || r.TryGetProperty("normalControl", out _) ? D(r, "power") : 0.8, // "power" is the result in power rows
        D(r, "ratio"),
        Enum.Parse<Alternative>(S(r, "alternative")));

    private static double D(JsonElement r, string name) => r.GetProperty(name).GetDouble();

    private static string S(JsonElement r, string name) => r.GetProperty(name).GetString()!;

    private static double[] Array(JsonElement r, string name) => [.. r.GetProperty(name).EnumerateArray().Select(v => v.GetDouble())];

    private static void Rel(double expected, double actual, double tolerance, JsonElement row) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Abs(expected), $"expected {expected:R}, got {actual:R} (rel {Math.Abs(expected - actual) / Math.Abs(expected):E2}) for {row}");

    private static void Abs(double expected, double actual, double tolerance, JsonElement row) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected:R}, got {actual:R} (abs {Math.Abs(expected - actual):E2}) for {row}");
}
