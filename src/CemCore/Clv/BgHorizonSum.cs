using System.Runtime.CompilerServices;
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
/// <para>The blocks and their lock-step loop are compiled optimised at their first call (<c>AggressiveOptimization</c>). As tier-0
/// code each <see cref="Vector256"/> operation is a call: a process's first whole-profile scores took ~27 µs per customer with them at
/// tier 0 and ~6–9 µs with them optimised (2.2 µs at steady state), and on one processor, where the runtime delays tiering the
/// longest, a nightly run's first chunk ran that slowly for seconds (docs/performance.md, "A process's first customers on one
/// processor"). They have no virtual calls for profile-guided optimisation to remove.</para>
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
    /// The short-horizon series (<see cref="BgExpectation.ShortSeries"/>) of up to 16 horizons: first term A·s, term ratios
    /// <c>q_m·s</c> with <c>q_m = −(A+m)(a+m−1)/((c+m)(m+1))</c> shared, stopped by the scalar rule on the largest horizon.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShortBlock(double shapeA, double a, double c, Span<double> s, int n, Span<double> g, Span<double> q)
    {
        Pad(s, n);
        _ = LockStep(new ShortSeries(shapeA, a, c), s, s[n - 1], q, g);
    }

    /// <summary>
    /// The Gauss series of the closed form for up to 16 horizons: <c>₂F₁(A, B; c; z_k)</c> with the ratios
    /// <c>(A+j)(B+j)/((c+j)(j+1))·z_k</c> (the scalar series' terms bit for bit), then the bracket and G per lane; a lane whose
    /// bracket cancels or is not finite is evaluated by <see cref="BgExpectation.Evaluate(double, double, double, double)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GaussBlock(double shapeA, double shapeB, double a, double c, Span<double> s, int n, Span<double> g, Span<double> q)
    {
        Pad(s, n);
        var one = Vector256<double>.One;
        for (var lane = 0; lane < Block; lane += 4)
        {
            var sv = Vector256.Create(s.Slice(lane, 4));
            (sv / (one + sv)).CopyTo(g[lane..]); // z = s/(1+s), read by LockStep before it writes the sums over it
        }

        var sMax = s[n - 1];
        var converged = LockStep(new GaussSeries(shapeA, shapeB, c), g, sMax / (1.0 + sMax), q, g);
        if (!converged)
        {
            g.Fill(double.NaN);
        }
        else
        {
            // The sums went through memory before the bracket's Exp / Log calls, so that no vector is live across a call (the
            // System V ABI saves no vector register): otherwise the JIT spills the four sums inside the loop.
            var minusA = Vector256.Create(-shapeA);
            var scale = Vector256.Create(c / (a - 1.0));
            var guard = Vector256.Create(2.0 * BgExpectation.CancellationGuard);
            for (var lane = 0; lane < n; lane += 4)
            {
                var sv = Vector256.Create(s.Slice(lane, 4));
                var f = Vector256.Create(g.Slice(lane, 4));
                var logPow = minusA * BgFamilyVector.LogOnePlus(sv);
                var bracket = one - (Vector256.Exp(logPow) * f);
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

    /// <summary>
    /// Sums one series for 16 lanes in lock-step, <c>t_j = t_{j−1}·q_j·x</c> from <c>t = First(x)</c>, into <paramref name="sums"/>
    /// (which may be <paramref name="x"/> itself: x is read before the sums are written). The ratios <c>q_j</c> are computed four at a
    /// time for a chunk of terms, and the series' stopping rule is checked once per chunk on the largest lane, tracked in scalar
    /// arithmetic with the same operations (a smaller lane's relative tail is then smaller still). Returns whether the rule was met.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool LockStep<TSeries>(TSeries series, ReadOnlySpan<double> x, double xMax, Span<double> q, Span<double> sums)
        where TSeries : struct, ISeries
    {
        var x0 = Vector256.Create(x[..4]);
        var x1 = Vector256.Create(x.Slice(4, 4));
        var x2 = Vector256.Create(x.Slice(8, 4));
        var x3 = Vector256.Create(x.Slice(12, 4));
        var t0 = series.First(x0);
        var t1 = series.First(x1);
        var t2 = series.First(x2);
        var t3 = series.First(x3);
        var f0 = t0;
        var f1 = t1;
        var f2 = t2;
        var f3 = t3;
        var term = series.First(xMax);
        var sum = term;
        var converged = false;
        for (var j0 = series.FirstRatio; j0 < series.RatioLimit; j0 += Chunk)
        {
            // The chunk's ratios first (independent divisions), then the lock-step terms without a division.
            for (var i = 0; i < q.Length; i += 4)
            {
                series.Ratios(Vector256.Create((double)(j0 + i)) + Steps).CopyTo(q[i..]);
            }

            for (var i = 0; i < q.Length; i++)
            {
                var vq = Vector256.Create(q[i]);
                t0 *= vq * x0;
                t1 *= vq * x1;
                t2 *= vq * x2;
                t3 *= vq * x3;
                f0 += t0;
                f1 += t1;
                f2 += t2;
                f3 += t3;
                term *= q[i] * xMax;
                sum += term;
            }

            // Terms past the point where the rule first holds only add less than it allows.
            if (series.Converged(term, sum, q[^1] * xMax))
            {
                converged = true;
                break;
            }
        }

        f0.CopyTo(sums);
        f1.CopyTo(sums[4..]);
        f2.CopyTo(sums[8..]);
        f3.CopyTo(sums[12..]);
        return converged;
    }

    /// <summary>A power series whose terms' ratios are shared by every lane: <c>t_j / t_{j−1} = q_j·x</c>.</summary>
    private interface ISeries
    {
        /// <summary>Gets the index of the first ratio.</summary>
        int FirstRatio { get; }

        /// <summary>Gets the index limit of the ratios (the scalar kernel's term limit).</summary>
        int RatioLimit { get; }

        /// <summary>The first term per lane.</summary>
        Vector256<double> First(Vector256<double> x);

        /// <summary>The first term of one lane, with the same operations.</summary>
        double First(double x);

        /// <summary>The ratios <c>q_j</c> for four indices j (each lane the scalar expression's own operations).</summary>
        Vector256<double> Ratios(Vector256<double> j);

        /// <summary>The scalar kernel's stopping rule after a term whose ratio (times x) was <paramref name="ratio"/>.</summary>
        bool Converged(double term, double sum, double ratio);
    }

    /// <summary><see cref="BgExpectation.ShortSeries"/>: first term A·s, <c>q_m = −(A+m)(a+m−1)/((c+m)(m+1))</c> from m = 1, at most
    /// 200 terms, stopped when a term is below 1e-17 of the sum.</summary>
    private readonly struct ShortSeries(double shapeA, double a, double c) : ISeries
    {
        public int FirstRatio => 1;

        public int RatioLimit => 200;

        public Vector256<double> First(Vector256<double> x) => Vector256.Create(shapeA) * x;

        public double First(double x) => shapeA * x;

        public Vector256<double> Ratios(Vector256<double> j)
        {
            var one = Vector256<double>.One;
            return -(Vector256.Create(shapeA) + j) * (Vector256.Create(a) + j - one) / ((Vector256.Create(c) + j) * (j + one));
        }

        public bool Converged(double term, double sum, double ratio) => Math.Abs(term) <= 1e-17 * Math.Abs(sum);
    }

    /// <summary>The Gauss series of ₂F₁(A, B; c; z) (<see cref="SpecialMath.LogHyp2F1"/>): first term 1,
    /// <c>q_j = (A+j)(B+j)/((c+j)(j+1))</c> from j = 0, stopped when the tail bound term·ρ/(1−ρ) is below 1e-17 of the sum.</summary>
    private readonly struct GaussSeries(double shapeA, double shapeB, double c) : ISeries
    {
        public int FirstRatio => 0;

        public int RatioLimit => SpecialMath.MaxSeriesTerms;

        public Vector256<double> First(Vector256<double> x) => Vector256<double>.One;

        public double First(double x) => 1.0;

        public Vector256<double> Ratios(Vector256<double> j) =>
            (Vector256.Create(shapeA) + j) * (Vector256.Create(shapeB) + j) / ((Vector256.Create(c) + j) * (j + Vector256<double>.One));

        public bool Converged(double term, double sum, double ratio) => (ratio < 1.0) & (term * ratio <= 1e-17 * sum * (1.0 - ratio));
    }
}
