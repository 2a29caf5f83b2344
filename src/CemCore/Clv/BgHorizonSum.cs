using System.Runtime.Intrinsics;

namespace CemCore.Clv;

/// <summary>
/// The discounted purchases behind <see cref="CustomerLifetimeValue"/> for one BG/NBD or MBG/NBD customer,
/// <c>Σ_{k=1}^{H} (E[Y(k·u)] − E[Y((k−1)·u)])·f^k</c>, with the H horizons' series evaluated side by side.
/// </summary>
/// <remarks>
/// <para>For one customer every horizon's E[Y] is P(alive)·G(r+x, b+x+o, a, s_k) with s_k = k·u/(α+T) (<see cref="BgExpectation"/>):
/// P(alive) is one value for all horizons, and the power series of all horizons share their coefficients, so only the power of
/// s_k (short horizons) or z_k = s_k/(1+s_k) (the Gauss series) differs between them. This kernel computes P(alive) once and runs
/// up to 16 consecutive horizons of one regime in lock-step as four <see cref="Vector256{T}"/>: each coefficient ratio is computed
/// once for the 16 horizons (four at a time with one vector division, in chunks of eight terms), and each horizon's term then costs
/// two multiplies (the ratio times the horizon's power argument, then the term) and an add. The per-horizon loop it replaces evaluated
/// P(alive) and a series with a division per term for every horizon (about 20 µs for a 52-week horizon; issue 17).</para>
/// <para>Regimes per horizon exactly as in <see cref="BgExpectation.Evaluate(double, double, double, double)"/>; a block stops
/// where the regime changes (s_k grows with k, so each regime is one run of horizons). A horizon whose Gauss bracket cancels
/// (a near 1), a long horizon (s &gt; 9), r + x &gt; 100, a + b + x − 1 + o ≤ 0, or a machine without SIMD goes to
/// <see cref="BgExpectation.Evaluate(double, double, double, double)"/> itself. The lock-step terms are the scalar series' terms
/// bit for bit; the sums run until the largest horizon of the block meets the scalar stopping rule, checked once per chunk (a
/// smaller horizon's relative tail is then smaller still, and a few more terms only add less than the rule allows), and the Gauss bracket is <c>1 − (1+s)^(−A)·₂F₁</c> as in the batch kernel
/// (<see cref="BgFamilyVector"/>), so results agree with the per-horizon loop to about 1e-13 relative (tests).</para>
/// <para>The sum is taken by parts, <c>E_H·f^H + (1 − f)·Σ_{k&lt;H} E_k·f^k</c> with 1 − f = d·f: positive terms only, where the
/// differences of consecutive expectations lose digits at long horizons.</para>
/// </remarks>
internal static class BgHorizonSum
{
    /// <summary>Horizons per block (four Vector256).</summary>
    internal const int Block = 16;

    private const double MaxShape = 100.0;

    /// <summary>Series terms per convergence check (a multiple of 4).</summary>
    private const int Chunk = 8;

    private static readonly Vector256<double> Steps = Vector256.Create(0.0, 1.0, 2.0, 3.0);

    /// <summary>Which kernel evaluates a run of horizons.</summary>
    private enum Regime
    {
        Short,
        Gauss,
        Scalar,
    }

    /// <summary>Returns the discounted purchases of one customer (see the class remarks); the inputs are validated by the caller.</summary>
    /// <param name="r">BG shape r.</param>
    /// <param name="alpha">BG scale α.</param>
    /// <param name="a">Beta shape a.</param>
    /// <param name="b">Beta shape b.</param>
    /// <param name="modified">MBG/NBD instead of BG/NBD.</param>
    /// <param name="step">One period in the model's time unit.</param>
    /// <param name="rate">The discount rate d per period, in [0, 1).</param>
    /// <param name="horizon">H ≥ 1 periods.</param>
    /// <param name="x">Repeat purchases.</param>
    /// <param name="tx">Recency.</param>
    /// <param name="age">Age T.</param>
    /// <param name="vectorized">Whether the lock-step blocks may be used (false: every horizon through the scalar evaluation).</param>
    /// <param name="expectedAtHorizon">Receives E[Y(H·u)], the last horizon's expectation.</param>
    public static double Discounted(
        double r, double alpha, double a, double b, bool modified, double step, double rate, int horizon, int x, double tx, double age, bool vectorized,
        out double expectedAtHorizon)
    {
        var o = modified ? 1 : 0;
        var pAlive = BgFamily.ProbabilityAlive(r, alpha, a, b, modified, x, tx, age);
        var shapeA = r + x;
        var shapeB = b + x + o;
        var c = a + shapeB - 1.0;
        var scale = alpha + age;
        var shortLimit = Math.Max(shapeA, 1.0);
        var blocks = vectorized && shapeA <= MaxShape && c > 0.0;
        var factor = 1.0 / (1.0 + rate);
        var weight = rate * factor; // 1 − f without cancellation

        Span<double> s = stackalloc double[Block];
        Span<double> g = stackalloc double[Block];
        Span<double> q = stackalloc double[Chunk];
        double discount = 1.0, inner = 0.0, last = 0.0;
        expectedAtHorizon = 0.0;
        var k = 1;
        while (k <= horizon)
        {
            // One run of up to 16 horizons in one regime (s_k is non-decreasing in k, so a regime is a contiguous run).
            s[0] = k * step / scale;
            var regime = blocks ? Classify(s[0], shortLimit) : Regime.Scalar;
            var n = 1;
            while (n < Block && k + n <= horizon)
            {
                var next = (k + n) * step / scale;
                if (blocks && Classify(next, shortLimit) != regime)
                {
                    break;
                }

                s[n++] = next;
            }

            switch (regime)
            {
                case Regime.Short:
                    ShortBlock(shapeA, a, c, s, n, g, q);
                    break;
                case Regime.Gauss:
                    GaussBlock(shapeA, shapeB, a, c, s, n, g, q);
                    break;
                default:
                    for (var i = 0; i < n; i++)
                    {
                        g[i] = BgExpectation.Evaluate(shapeA, shapeB, a, s[i]);
                    }

                    break;
            }

            for (var i = 0; i < n; i++)
            {
                discount *= factor;
                var e = g[i] * pAlive;
                if (k + i < horizon)
                {
                    inner += e * discount;
                }
                else
                {
                    expectedAtHorizon = e;
                    last = e * discount;
                }
            }

            k += n;
        }

        return last + (weight * inner);
    }

    private static Regime Classify(double s, double shortLimit) =>
        s == 0.0 ? Regime.Scalar : s * shortLimit <= 0.5 ? Regime.Short : s <= BgExpectation.SeriesMaxS ? Regime.Gauss : Regime.Scalar;

    /// <summary>Fills the lanes past <paramref name="n"/> with the largest horizon, so that every lane computes something finite.</summary>
    private static void Pad(Span<double> s, int n)
    {
        for (var i = n; i < Block; i++)
        {
            s[i] = s[n - 1];
        }
    }

    /// <summary>
    /// The short-horizon series (<see cref="BgExpectation.ShortSeries"/>) of up to 16 horizons: term ratios
    /// <c>q_m·s</c> with <c>q_m = −(A+m)(a+m−1)/((c+m)(m+1))</c> shared, stopped by the scalar rule on the largest horizon.
    /// </summary>
    private static void ShortBlock(double shapeA, double a, double c, Span<double> s, int n, Span<double> g, Span<double> q)
    {
        Pad(s, n);
        var s0 = Vector256.Create(s[..4]);
        var s1 = Vector256.Create(s.Slice(4, 4));
        var s2 = Vector256.Create(s.Slice(8, 4));
        var s3 = Vector256.Create(s.Slice(12, 4));
        var one = Vector256<double>.One;
        var vA = Vector256.Create(shapeA);
        var va2 = Vector256.Create(a);
        var vc = Vector256.Create(c);
        var t0 = vA * s0;
        var t1 = vA * s1;
        var t2 = vA * s2;
        var t3 = vA * s3;
        var u0 = t0;
        var u1 = t1;
        var u2 = t2;
        var u3 = t3;
        var sMax = s[n - 1];
        var term = shapeA * sMax;
        var sum = term;
        for (var m0 = 1; m0 < 200; m0 += Chunk)
        {
            for (var i = 0; i < q.Length; i += 4)
            {
                // −(A+m)(a+m−1)/((c+m)(m+1)) for four m at once, each lane the scalar expression's own operations.
                var m = Vector256.Create((double)(m0 + i)) + Steps;
                (-(vA + m) * (va2 + m - one) / ((vc + m) * (m + one))).CopyTo(q[i..]);
            }

            for (var i = 0; i < q.Length; i++)
            {
                var vq = Vector256.Create(q[i]);
                t0 *= vq * s0;
                t1 *= vq * s1;
                t2 *= vq * s2;
                t3 *= vq * s3;
                u0 += t0;
                u1 += t1;
                u2 += t2;
                u3 += t3;
                term *= q[i] * sMax;
                sum += term;
            }

            if (Math.Abs(term) <= 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        u0.CopyTo(g);
        u1.CopyTo(g[4..]);
        u2.CopyTo(g[8..]);
        u3.CopyTo(g[12..]);
    }

    /// <summary>
    /// The Gauss series of the closed form for up to 16 horizons: <c>₂F₁(A, B; c; z_k)</c> with the ratios
    /// <c>(A+j)(B+j)/((c+j)(j+1))·z_k</c> (the scalar series' terms bit for bit), then the bracket and G per lane; a lane whose
    /// bracket cancels or is not finite is evaluated by <see cref="BgExpectation.Evaluate(double, double, double, double)"/>.
    /// </summary>
    private static void GaussBlock(double shapeA, double shapeB, double a, double c, Span<double> s, int n, Span<double> g, Span<double> q)
    {
        Pad(s, n);
        var one = Vector256<double>.One;
        var s0 = Vector256.Create(s[..4]);
        var s1 = Vector256.Create(s.Slice(4, 4));
        var s2 = Vector256.Create(s.Slice(8, 4));
        var s3 = Vector256.Create(s.Slice(12, 4));
        var z0 = s0 / (one + s0);
        var z1 = s1 / (one + s1);
        var z2 = s2 / (one + s2);
        var z3 = s3 / (one + s3);
        Vector256<double> t0 = one, t1 = one, t2 = one, t3 = one;
        Vector256<double> f0 = one, f1 = one, f2 = one, f3 = one;
        var vA = Vector256.Create(shapeA);
        var vB = Vector256.Create(shapeB);
        var vc = Vector256.Create(c);
        var sMax = s[n - 1];
        var zMax = sMax / (1.0 + sMax);
        double term = 1.0, sum = 1.0;
        var converged = false;
        for (var j0 = 0; j0 < SpecialMath.MaxSeriesTerms; j0 += Chunk)
        {
            // The chunk's ratios first (independent divisions), then the lock-step terms without a division.
            for (var i = 0; i < q.Length; i += 4)
            {
                // (A+j)(B+j)/((c+j)(j+1)) for four j at once, each lane the scalar expression's own operations.
                var j = Vector256.Create((double)(j0 + i)) + Steps;
                ((vA + j) * (vB + j) / ((vc + j) * (j + one))).CopyTo(q[i..]);
            }

            for (var i = 0; i < q.Length; i++)
            {
                var vq = Vector256.Create(q[i]);
                t0 *= vq * z0;
                t1 *= vq * z1;
                t2 *= vq * z2;
                t3 *= vq * z3;
                f0 += t0;
                f1 += t1;
                f2 += t2;
                f3 += t3;
                term *= q[i] * zMax;
                sum += term;
            }

            // The scalar rule once per chunk: terms past the point where it first holds only add less than it allows.
            var ratio = q[^1] * zMax;
            if ((ratio < 1.0) & (term * ratio <= 1e-17 * sum * (1.0 - ratio)))
            {
                converged = true;
                break;
            }
        }

        // The sums go through memory before the bracket's Exp / Log calls, so that no vector is live across a call (the
        // System V ABI saves no vector register): otherwise the JIT spills the four sums inside the loop.
        f0.CopyTo(g);
        f1.CopyTo(g[4..]);
        f2.CopyTo(g[8..]);
        f3.CopyTo(g[12..]);
        if (!converged)
        {
            g.Fill(double.NaN);
        }
        else
        {
            var minusA = Vector256.Create(-shapeA);
            var scale = Vector256.Create(c / (a - 1.0));
            var guard = Vector256.Create(2.0 * BgExpectation.CancellationGuard);
            for (var lane = 0; lane < n; lane += 4)
            {
                var sv = Vector256.Create(s.Slice(lane, 4));
                var f = Vector256.Create(g.Slice(lane, 4));
                var logPow = minusA * BgFamilyVector.LogOnePlus(sv);
                var bracket = Vector256<double>.One - (Vector256.Exp(logPow) * f);
                var ok = Vector256.GreaterThanOrEqual(Vector256.Abs(bracket), guard * -logPow) & Vector256.Equals(f - f, Vector256<double>.Zero);
                Vector256.ConditionalSelect(ok, scale * bracket, Vector256.Create(double.NaN)).CopyTo(g[lane..]);
            }
        }

        for (var i = 0; i < n; i++)
        {
            if (double.IsNaN(g[i]))
            {
                g[i] = BgExpectation.Evaluate(shapeA, shapeB, a, s[i]);
            }
        }
    }

}
