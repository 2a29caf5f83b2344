using System.Runtime.Intrinsics;
using CemCore.Churn;

namespace CemCore.Tests.Churn;

/// <summary>
/// The AVX2 exp of the logistic kernels (<see cref="VectorExp"/>) against <see cref="Math.Exp"/> (the runtime's libm: an independent
/// implementation) and the row-major kernels against the scalar reference path, every tail and saturation case.
/// </summary>
public sealed class VectorExpTests
{
    /// <summary>Stated bound: 1 ulp of Math.Exp's result for normal results; 1 unit of 2⁻¹⁰⁷⁴ for subnormal ones (and around the +0 edge).</summary>
    private const double UlpBound = 1.0;

    private static double[] Exp(ReadOnlySpan<double> x, bool forSigmoid)
    {
        var result = new double[x.Length];
        for (var i = 0; i + 4 <= x.Length; i += 4)
        {
            var v = Vector256.Create(x.Slice(i, 4));
            (forSigmoid ? VectorExp.ExpForSigmoid(v) : VectorExp.Exp(v)).CopyTo(result.AsSpan(i, 4));
        }

        return result;
    }

    /// <summary>Error in units in the last place of <paramref name="expected"/> (the spacing at its binade; 2⁻¹⁰⁷⁴ when subnormal).</summary>
    private static double Ulps(double actual, double expected)
    {
        if (actual == expected)
        {
            return 0;
        }

        if (double.IsPositiveInfinity(expected) || double.IsPositiveInfinity(actual))
        {
            // Past the overflow threshold, one ulp of double.MaxValue away counts as 1.
            return Math.Min(actual, expected) == double.MaxValue ? 1 : double.PositiveInfinity;
        }

        var spacing = Math.BitIncrement(Math.Abs(expected)) - Math.Abs(expected);
        return Math.Abs(actual - expected) / spacing;
    }

    [Fact]
    public void Exp_DenseSweep_WithinOneUlpOfMathExp()
    {
        // −745.2 … 709.79 in steps of about 2.2e-4 (6.6M points), lanes offset so every vector mixes neighbouring arguments.
        const int Count = 6_600_000;
        var x = new double[Count];
        const double Low = -745.2;
        const double High = 709.79;
        for (var i = 0; i < Count; i++)
        {
            x[i] = Low + ((High - Low) * i / (Count - 1));
        }

        var got = Exp(x, forSigmoid: false);
        var worst = 0.0;
        var worstAt = 0.0;
        for (var i = 0; i < Count; i++)
        {
            var expected = Math.Exp(x[i]);
            var u = Ulps(got[i], expected);
            if (u > worst)
            {
                worst = u;
                worstAt = x[i];
            }
        }

        Assert.True(worst <= UlpBound, $"worst {worst} ulp at x = {worstAt:R}");
    }

    [Fact]
    public void Exp_RandomArguments_WithinOneUlpOfMathExp()
    {
        var random = new Random(2026);
        var x = new double[400_000];
        for (var i = 0; i < x.Length; i++)
        {
            // Half uniform over the finite-result range, half small |x| (where the polynomial alone works).
            x[i] = i % 2 == 0 ? -745.1 + (random.NextDouble() * 1454.88) : (random.NextDouble() - 0.5) * 2;
        }

        var got = Exp(x, forSigmoid: false);
        for (var i = 0; i < x.Length; i++)
        {
            var expected = Math.Exp(x[i]);
            Assert.True(Ulps(got[i], expected) <= UlpBound, $"x = {x[i]:R}: {got[i]:R} vs {expected:R}");
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(double.Epsilon)]
    [InlineData(-double.Epsilon)]
    [InlineData(1e-300)]
    [InlineData(1.0)]
    [InlineData(-1.0)]
    [InlineData(0.34657359027997264)]
    [InlineData(-0.34657359027997264)]
    [InlineData(709.78)]
    [InlineData(709.79)]
    [InlineData(710.0)]
    [InlineData(1000.0)]
    [InlineData(double.MaxValue)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(-707.0)]
    [InlineData(-708.3964185322641)]
    [InlineData(-708.4)]
    [InlineData(-720.0)]
    [InlineData(-744.44007192138122)]
    [InlineData(-745.13321910194122)]
    [InlineData(-745.2)]
    [InlineData(-746.0)]
    [InlineData(-1000.0)]
    [InlineData(double.MinValue)]
    [InlineData(double.NegativeInfinity)]
    public void Exp_Edges_MatchMathExp(double value)
    {
        // Each edge alone and next to a NaN and a value taking the other scale path, so lanes do not leak into each other.
        double[] x = [value, double.NaN, -740, 700];
        var got = Exp(x, forSigmoid: false);
        var expected = Math.Exp(value);
        if (double.IsPositiveInfinity(expected) || expected == 1 || value < -746)
        {
            Assert.Equal(expected, got[0]);
        }
        else
        {
            Assert.True(Ulps(got[0], expected) <= UlpBound, $"x = {value:R}: {got[0]:R} vs {expected:R}");
        }

        Assert.True(double.IsNaN(got[1]));
        Assert.True(Ulps(got[2], Math.Exp(-740)) <= UlpBound);
        Assert.True(Ulps(got[3], Math.Exp(700)) <= UlpBound);
    }

    [Fact]
    public void Exp_NaNAndZero_ExactlyLikeMathExp()
    {
        double[] x = [double.NaN, -0.0, 0.0, -double.NaN];
        var got = Exp(x, forSigmoid: false);
        var sigmoid = Exp(x, forSigmoid: true);
        Assert.True(double.IsNaN(got[0]) && double.IsNaN(got[3]) && double.IsNaN(sigmoid[0]) && double.IsNaN(sigmoid[3]));
        Assert.Equal(1.0, got[1]);
        Assert.Equal(1.0, got[2]);
        Assert.Equal(1.0, sigmoid[1]);
        Assert.Equal(1.0, sigmoid[2]);
    }

    [Fact]
    public void ExpForSigmoid_SameAsExpAboveMinus707_TinyPositiveBelow()
    {
        var random = new Random(17);
        var x = new double[100_000];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = -760 + (random.NextDouble() * 1480);
        }

        x[0] = double.NegativeInfinity;
        x[1] = double.PositiveInfinity;
        var full = Exp(x, forSigmoid: false);
        var forSigmoid = Exp(x, forSigmoid: true);
        for (var i = 0; i < x.Length; i++)
        {
            if (x[i] >= -707)
            {
                Assert.Equal(full[i], forSigmoid[i]);
            }
            else
            {
                // Only 1 / (1 + e^x) matters there: exactly 1 either way.
                Assert.InRange(forSigmoid[i], double.Epsilon, Math.Exp(-707) * (1 + 1e-15));
                Assert.Equal(1.0, 1.0 / (1.0 + forSigmoid[i]));
            }
        }
    }

    private static (double[] Weights, double Intercept) Weights(int k, int seed)
    {
        var r = new Random(seed);
        return (Enumerable.Range(0, k).Select(_ => (r.NextDouble() * 4) - 2).ToArray(), (r.NextDouble() * 2) - 1);
    }

    [Fact]
    public void EveryRowMajorPath_EveryFeatureCountAndTail_AgreesWithScalarPath()
    {
        // k = 1..20 and n = 0..25 hit every chunk remainder (k mod 4, k mod 8) and every row tail (8-row steps, one 4-row group, scalar rows).
        for (var k = 1; k <= 20; k++)
        {
            var (w, b) = Weights(k, k);
            for (var n = 0; n <= 25; n++)
            {
                var random = new Random((k * 100) + n);
                var rows = Enumerable.Range(0, n * k).Select(_ => (random.NextDouble() * 30) - 15).ToArray();
                var scalar = new double[n];
                LogisticKernels.ScoreRowMajor(rows, w, b, scalar, RowMajorPath.Scalar);
                foreach (var path in Enum.GetValues<RowMajorPath>().Where(p => LogisticKernels.IsAvailable(p, k)))
                {
                    var got = new double[n];
                    LogisticKernels.ScoreRowMajor(rows, w, b, got, path);
                    for (var i = 0; i < n; i++)
                    {
                        Assert.True(Math.Abs(got[i] - scalar[i]) < 1e-12, $"{path}, k = {k}, n = {n}, row {i}: {got[i]:R} vs {scalar[i]:R}");
                    }
                }
            }
        }
    }

    [Fact]
    public void EveryRowMajorPath_SaturationSignsAndNaN_IdenticalToScalarPath()
    {
        // One feature scaled to put the logit at each edge: saturated probabilities must be exactly 0 or 1 as in the scalar path, NaN
        // features give NaN, ±∞ give 1 / 0, and the sign of zero is the scalar path's (+0).
        double[] logits =
        [
            -1e308, -1000, -745.2, -709.79, -709.78, -708.5, -707.5, -40, -37, -1, -0.0, 0.0, 1, 37, 40, 707.5, 708.5, 709.78, 709.79, 745.2,
            1000, 1e308, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 36.7, -36.7, 745.14, -745.14, 5e-324, -5e-324,
        ];
        for (var k = 1; k <= 12; k++)
        {
            var w = new double[k];
            w[k - 1] = 1.0;
            var n = logits.Length;
            var rows = new double[n * k];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < k - 1; j++)
                {
                    rows[(i * k) + j] = (i + j) % 3; // multiplied by a zero weight: finite, so it adds +0 or −0
                }

                rows[(i * k) + k - 1] = logits[i];
            }

            var scalar = new double[n];
            LogisticKernels.ScoreRowMajor(rows, w, 0.0, scalar, RowMajorPath.Scalar);
            foreach (var path in Enum.GetValues<RowMajorPath>().Where(p => LogisticKernels.IsAvailable(p, k)))
            {
                var got = new double[n];
                LogisticKernels.ScoreRowMajor(rows, w, 0.0, got, path);
                for (var i = 0; i < n; i++)
                {
                    var context = $"{path}, k = {k}, logit {logits[i]:R}: {got[i]:R} vs {scalar[i]:R}";
                    if (double.IsNaN(scalar[i]) || scalar[i] is 0 or 1)
                    {
                        Assert.True(scalar[i].Equals(got[i]) && double.IsNegative(scalar[i]) == double.IsNegative(got[i]), context);
                    }
                    else
                    {
                        Assert.True(Math.Abs(got[i] - scalar[i]) < 1e-12 && got[i] is > 0 and < 1, context);
                    }
                }
            }
        }
    }
}
