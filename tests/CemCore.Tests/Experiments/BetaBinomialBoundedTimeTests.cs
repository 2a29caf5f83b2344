using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Experiments.Statistics;

namespace CemCore.Tests.Experiments;

/// <summary>
/// Issue 16: BetaBinomial in bounded time. Non-integer priors took 852 s (the 1e-13 quadrature target recursed to depth 25); counts
/// above 5e7 per arm hung in the quadrature; counts near 9e18 gave P = 1 with a NaN loss labelled exact. References:
/// ReferenceData/Experiments/beta_bounded_vectors.json (generate_beta_bounded.py, mpmath 1.2.1 at 40 digits) and Miller's exact sum.
/// </summary>
public sealed class BetaBinomialBoundedTimeTests
{
    private static JsonArray Cases()
    {
        var asm = typeof(BetaBinomialBoundedTimeTests).Assembly;
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("beta_bounded_vectors.json", StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(name)!;
        return JsonNode.Parse(s)!["cases"]!.AsArray();
    }

    [Fact]
    public void NonIntegerPrior_MatchesMpmath_WithQuadratureLabel()
    {
        foreach (var c in Cases())
        {
            var (a, b, cc, d) = ((double)c!["a"]!, (double)c["b"]!, (double)c["c"]!, (double)c["d"]!);
            var expected = double.Parse((string)c["p"]!, CultureInfo.InvariantCulture);
            var p = BetaBinomial.ProbabilityGreater(a, b, cc, d);
            Assert.True(Math.Abs(p - expected) <= 1e-9 * expected, $"{c["name"]}: {p:R} vs mpmath {expected:R}");
        }

        var jeffreys = BetaBinomial.Compare(500, 10_000, 520, 10_000, BetaPrior.Jeffreys);
        Assert.Equal(BetaBinomial.QuadratureMethod, jeffreys.Method);
        Assert.Equal(0.7398240828273395582, jeffreys.ProbabilityTreatmentBetter, 9);
    }

    [Fact]
    public void UniformPrior_SmallCounts_IsExact()
    {
        Assert.Equal(BetaBinomial.ExactMethod, BetaBinomial.Compare(50, 1000, 75, 1000).Method);
    }

    [Fact]
    public void HugeCounts_UseTheNormalApproximation_Finite_AndLabelled()
    {
        foreach (var (cs, n, ts) in new (long, long, long)[] { (60_000_000, 100_000_000, 60_010_000), (4_000_000_000_000_000_000, 9_000_000_000_000_000_000, 4_000_000_001_000_000_000) })
        {
            var r = BetaBinomial.Compare(cs, n, ts, n);
            Assert.Equal(BetaBinomial.NormalApproximationMethod, r.Method);
            Assert.True(r.ProbabilityTreatmentBetter is > 0 and < 1);
            Assert.True(double.IsFinite(r.ExpectedLossTreatment) && r.ExpectedLossTreatment >= 0);
            Assert.True(double.IsFinite(r.ExpectedLossControl) && r.ExpectedLossControl >= 0);
            Assert.True(r.ExpectedLossControl > r.ExpectedLossTreatment);
        }
    }

    [Fact]
    public void NormalApproximation_AtTheThreshold_AgreesWithTheExactSum()
    {
        // Every parameter just above 1e7, the first (integer, 1e7 terms) still within reach of Miller's exact sum.
        const double A = 10_000_000, B = 30_004_000, C = 10_000_400, D = 30_000_000;
        var exact = BetaBinomial.ProbabilityGreater(A, B, C, D);
        var approx = BetaBinomial.Compare(10_000_000 - 1, 40_004_000 - 2, 10_000_000 - 1, 40_004_000 - 2).Method;
        Assert.Equal(BetaBinomial.NormalApproximationMethod, approx);

        // The normal approximation of the same posteriors, written out: D = Y - X normal with the beta moments.
        static (double M, double V) Mo(double a, double b) => (a / (a + b), a * b / ((a + b) * (a + b) * (a + b + 1)));
        var (mx, vx) = Mo(A, B);
        var (my, vy) = Mo(C, D);
        var z = (mx - my) / Math.Sqrt(vx + vy);
        var normal = 0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-z / Math.Sqrt(2));
        Assert.True(Math.Abs(normal - exact) < 1e-4, $"normal {normal:R} vs exact {exact:R}");
    }
}
