using System.Runtime.Intrinsics;

namespace CemCore.Clv;

/// <summary>
/// <see cref="Vector256{T}"/> kernels for the BG/NBD and MBG/NBD batch predictions: four customers per step, with the Gauss series of
/// E[Y(t) | x, t_x, T] summed in lock-step (two terms per division) until every lane meets the tail bound. Blocks with a lane outside the
/// fast domain (r + x &gt; 100, a + b + x − 1 ≤ 0, non-convergence) are left to the scalar reference, which the caller runs on the rest.
/// Results agree with the scalar reference to a few ulps per operation (see the tests); they may differ across CPUs in the last bits.
/// </summary>
internal static class BgFamilyVector
{
    private const double MaxShape = 100.0;

    /// <summary>Processes whole blocks of four from the start; returns how many rows were done (the caller finishes the rest).</summary>
    public static int ProbabilityAlive(
        double r, double alpha, double a, double b, bool modified,
        ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination)
    {
        var o = modified ? 1.0 : 0.0;
        var logA = Vector256.Create(Math.Log(a));
        var one = Vector256<double>.One;
        var vAlpha = Vector256.Create(alpha);
        var vr = Vector256.Create(r);
        var bShift = Vector256.Create(b - 1.0 + o);
        var i = 0;
        for (; i + 4 <= frequency.Length; i += 4)
        {
            Validate(frequency, recency, age, i);
            var x = Vector256.Create((double)frequency[i], frequency[i + 1], frequency[i + 2], frequency[i + 3]);
            var tx = Vector256.Create(recency.Slice(i, 4));
            var t = Vector256.Create(age.Slice(i, 4));
            var logOdds = logA - Vector256.Log(bShift + x) + ((vr + x) * LogOnePlus((t - tx) / (vAlpha + tx)));
            var p = one / (one + Vector256.Exp(logOdds));
            if (!modified)
            {
                p = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), one, p);
            }

            p.CopyTo(destination.Slice(i, 4));
        }

        return i;
    }

    /// <summary>Processes blocks of four from the start; returns how many rows were done (the caller finishes the rest).</summary>
    public static int ConditionalExpected(
        double r, double alpha, double a, double b, bool modified, double horizon,
        ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination)
    {
        var o = modified ? 1.0 : 0.0;
        var logA = Vector256.Create(Math.Log(a));
        var one = Vector256<double>.One;
        var vAlpha = Vector256.Create(alpha);
        var vr = Vector256.Create(r);
        var vh = Vector256.Create(horizon);
        var bShift = Vector256.Create(b - 1.0 + o);
        var bPlus = Vector256.Create(b + o);
        var cShift = Vector256.Create(a + b - 1.0 + o);
        var inv = Vector256.Create(1.0 / (a - 1.0));
        var cMin = a + b - 1.0 + o;
        var half = Vector256.Create(0.5);
        var seriesMaxS = Vector256.Create(BgExpectation.SeriesMaxS);
        var guard = Vector256.Create(2.0 * BgExpectation.CancellationGuard);
        var i = 0;
        for (; i + 4 <= frequency.Length; i += 4)
        {
            Validate(frequency, recency, age, i);
            var maxX = Math.Max(Math.Max(frequency[i], frequency[i + 1]), Math.Max(frequency[i + 2], frequency[i + 3]));
            var minX = Math.Min(Math.Min(frequency[i], frequency[i + 1]), Math.Min(frequency[i + 2], frequency[i + 3]));
            if (r + maxX > MaxShape || cMin + minX <= 0.0)
            {
                BgFamily.ConditionalExpectedScalar(r, alpha, a, b, modified, horizon, frequency.Slice(i, 4), recency.Slice(i, 4), age.Slice(i, 4), destination.Slice(i, 4), i);
                continue;
            }

            var x = Vector256.Create((double)frequency[i], frequency[i + 1], frequency[i + 2], frequency[i + 3]);
            var tx = Vector256.Create(recency.Slice(i, 4));
            var t = Vector256.Create(age.Slice(i, 4));
            var rx = vr + x;
            var at = vAlpha + t;
            var s = vh / at;

            // Short horizons (s·max(r+x, 1) ≤ ½) and long ones (s > 9, z > 0.9) belong to the scalar kernel's other regimes.
            if (!Vector256.EqualsAll(
                (Vector256.GreaterThan(s * Vector256.Max(rx, one), half) & Vector256.LessThanOrEqual(s, seriesMaxS)).AsUInt64(),
                Vector256<ulong>.AllBitsSet))
            {
                BgFamily.ConditionalExpectedScalar(r, alpha, a, b, modified, horizon, frequency.Slice(i, 4), recency.Slice(i, 4), age.Slice(i, 4), destination.Slice(i, 4), i);
                continue;
            }

            var p = one / (one + Vector256.Exp(logA - Vector256.Log(bShift + x) + (rx * LogOnePlus((t - tx) / (vAlpha + tx)))));
            if (!modified)
            {
                p = Vector256.ConditionalSelect(Vector256.Equals(x, Vector256<double>.Zero), one, p);
            }

            var c = cShift + x;
            var logPow = -rx * LogOnePlus(s);
            var f = Series(rx, bPlus + x, c, s / (one + s));
            var bracket = one - (Vector256.Exp(logPow) * f);

            // Non-convergence (NaN), overflow (∞) or a bracket that cancels (a near 1): the scalar kernel decides.
            if (!Vector256.EqualsAll(f - f, Vector256<double>.Zero)
                || !Vector256.EqualsAll(Vector256.GreaterThanOrEqual(Vector256.Abs(bracket), guard * -logPow).AsUInt64(), Vector256<ulong>.AllBitsSet))
            {
                BgFamily.ConditionalExpectedScalar(r, alpha, a, b, modified, horizon, frequency.Slice(i, 4), recency.Slice(i, 4), age.Slice(i, 4), destination.Slice(i, 4), i);
                continue;
            }

            (c * inv * bracket * p).CopyTo(destination.Slice(i, 4));
        }

        return i;
    }

    /// <summary>₂F₁(a, b; c; z) for positive arguments, four lanes in lock-step, two terms per division.</summary>
    internal static Vector256<double> Series(Vector256<double> a, Vector256<double> b, Vector256<double> c, Vector256<double> z)
    {
        var one = Vector256<double>.One;
        var eps = Vector256.Create(1e-17);
        var sum = one;
        var term = one;
        var k = Vector256<double>.Zero;
        for (var step = 0; step < SpecialMath.MaxSeriesTerms / 2; step++)
        {
            var k1 = k + one;
            var k2 = k1 + one;
            var n0 = (a + k) * (b + k) * z;
            var d0 = (c + k) * k1;
            var n1 = (a + k1) * (b + k1) * z;
            var d1 = (c + k1) * k2;
            var scale = one / (d0 * d1);
            var tn = term * n0 * scale;
            var t1 = tn * d1;
            var t2 = tn * n1;
            sum += t1 + t2;
            term = t2;
            k = k2;

            // Tail after t2 ≈ t2·ρ/(1−ρ) with ρ = n1/d1 < 1 (the term ratios tend to z; near convergence this is within a few percent of the true tail).
            var converged = Vector256.LessThan(n1, d1) & Vector256.LessThanOrEqual(t2 * n1, eps * sum * (d1 - n1));
            if (Vector256.EqualsAll(converged.AsUInt64(), Vector256<ulong>.AllBitsSet))
            {
                return sum;
            }
        }

        return Vector256.Create(double.NaN);
    }

    /// <summary>ln(1 + x) per lane, accurate for small x (Kahan: ln(u)·x/(u − 1) with u = 1 + x rounded; x itself where u = 1).</summary>
    internal static Vector256<double> LogOnePlus(Vector256<double> x)
    {
        var u = Vector256<double>.One + x;
        var um1 = u - Vector256<double>.One;
        var exact = Vector256.Equals(um1, Vector256<double>.Zero);
        var safe = Vector256.ConditionalSelect(exact, Vector256<double>.One, um1);
        return Vector256.ConditionalSelect(exact, x, Vector256.Log(u) * x / safe);
    }

    private static void Validate(ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, int i)
    {
        for (var j = i; j < i + 4; j++)
        {
            var x = frequency[j];
            var tx = recency[j];
            var t = age[j];
            if (x < 0 || !(tx >= 0.0 && tx <= t && double.IsFinite(t)) || (x == 0 && tx != 0.0))
            {
                BtydData.Validate(x, tx, t, j);
            }
        }
    }
}
