namespace CemCore.Clv;

/// <summary>
/// The expectation kernel shared by every BG/NBD and MBG/NBD purchase prediction:
/// <c>G(A, B, a, s) = (a+B−1)/(a−1) · [1 − (1+s)^(−A) · ₂F₁(A, B; a+B−1; s/(1+s))]</c>, evaluated accurately for every
/// horizon s ≥ 0 and every a &gt; 0 including a = 1.
/// </summary>
/// <remarks>
/// <para>G is the expected number of BG purchases in a period of length t of a customer who is alive, whose purchase rate is
/// λ ~ Gamma(A, β) and whose dropout probability is p ~ Beta(a, B), with s = t/β:
/// <c>G = E[(1 − e^(−λ p t))/p] = (1/B(a, B)) ∫₀¹ p^(a−2) (1−p)^(B−1) [1 − (1 + p s)^(−A)] dp</c>
/// (integrate λ out, then compare with Euler's integral of ₂F₁ after the Pfaff transformation
/// ₂F₁(A, B; c; z) = (1−z)^(−A) ₂F₁(A, c−B; c; z/(z−1)), DLMF 15.8.1 and 15.6.1). The integral has no singularity at a = 1:
/// the factor 1/(a − 1) of the closed form multiplies a bracket that vanishes there, and the quotient is this integral.</para>
/// <para>Three regimes, each exact to about 1e-13 relative (see docs/clv.md "Numerical method" and the mpmath reference tests):</para>
/// <list type="number">
/// <item>short horizons, s·max(A, 1) ≤ ½: the Pfaff series in −s with the (a − 1) factor cancelled analytically,
/// <c>G = Σ_{k≥1} (A)_k (a)_{k−1} / ((a+B)_{k−1} k!) · (−1)^(k+1) s^k</c>; the terms alternate and shrink at least by half,
/// so there is neither cancellation nor a 1/(a − 1);</item>
/// <item>moderate horizons, s ≤ 9 (z ≤ 0.9), when the bracket does not cancel (|ln of the bracket's product| ≥ 1e-3 of
/// |A·ln(1+s)|): the Gauss series of the closed form in log space, with ln(1+s) by log1p and 1 − eˣ by expm1;</item>
/// <item>otherwise (long horizons where the Gauss series would need up to millions of terms, a within ~1e-3 of 1, a + B ≤ 1):
/// the integral above by quadrature, split at p_lo and ½: tanh-sinh on [0, p_lo] after p = p_lo·v^(1/a) (removes the p^(a−1)
/// endpoint singularity), composite 10-point Gauss–Legendre in y = −ln p on [p_lo, ½] (the integrand is analytic in a strip of
/// half-width π/2 around the real y axis), and tanh-sinh on [½, 1] after 1 − p = ½·w^(1/B). All terms are positive.</item>
/// </list>
/// </remarks>
internal static class BgExpectation
{
    /// <summary>The largest s (= t/β) for which the Gauss series in z = s/(1+s) is used (z ≤ 0.9).</summary>
    internal const double SeriesMaxS = 9.0;

    /// <summary>The bracket is computed from the closed form only when it keeps at least this share of its logarithm's terms.</summary>
    internal const double CancellationGuard = 1e-3;

    private const int GaussLegendreOrder = 10;
    private const double TanhSinhMaxT = 3.2;
    private const int TanhSinhFinestInverseStep = 64;
    private static readonly double[] GlNodes;
    private static readonly double[] GlWeights;
    private static readonly double[] TsX;
    private static readonly double[] TsComplement;
    private static readonly double[] TsWeight;

#pragma warning disable CA1810 // the node tables are computed once; a static constructor keeps them together
    static BgExpectation()
#pragma warning restore CA1810
    {
        (GlNodes, GlWeights) = GaussLegendre(GaussLegendreOrder);
        var n = (int)Math.Ceiling(TanhSinhMaxT * TanhSinhFinestInverseStep);
        TsX = new double[n + 1];
        TsComplement = new double[n + 1];
        TsWeight = new double[n + 1];
        for (var k = 0; k <= n; k++)
        {
            var tau = (double)k / TanhSinhFinestInverseStep;
            var u = Math.PI * Math.Sinh(tau);

            // x = 1/(1+e^(−u)) in (½, 1), its distance to 1 = 1/(1+e^u) computed directly, dx/dτ = (π/2)·cosh τ·x·(1−x)·2.
            var x = 1.0 / (1.0 + Math.Exp(-u));
            var c = 1.0 / (1.0 + Math.Exp(u));
            TsX[k] = x;
            TsComplement[k] = c;
            TsWeight[k] = Math.PI * Math.Cosh(tau) * x * c;
        }
    }

    /// <summary>Which method <see cref="Evaluate(double, double, double, double)"/> uses (exposed for tests).</summary>
    internal enum Method
    {
        /// <summary>s = 0.</summary>
        Zero,

        /// <summary>Short-horizon Pfaff series.</summary>
        ShortSeries,

        /// <summary>Gauss series of the closed form.</summary>
        GaussSeries,

        /// <summary>Quadrature of the integral representation.</summary>
        Quadrature,
    }

    /// <summary>Returns G(A, B, a, s) for A, B, a &gt; 0 and finite s ≥ 0.</summary>
    public static double Evaluate(double shapeA, double shapeB, double a, double s) => Evaluate(shapeA, shapeB, a, s, out _);

    /// <summary>Returns G(A, B, a, s) and the method used.</summary>
    internal static double Evaluate(double shapeA, double shapeB, double a, double s, out Method method)
    {
        if (s == 0.0)
        {
            method = Method.Zero;
            return 0.0;
        }

        if (s * Math.Max(shapeA, 1.0) <= 0.5)
        {
            method = Method.ShortSeries;
            return ShortSeries(shapeA, shapeB, a, s);
        }

        var c = a + shapeB - 1.0;
        if (s <= SeriesMaxS && c > 0.0)
        {
            var logPow = -shapeA * SpecialMath.LogOnePlus(s);
            var sum = logPow + SpecialMath.LogHyp2F1(shapeA, shapeB, c, s / (1.0 + s));
            if (double.IsFinite(sum) && Math.Abs(sum) >= CancellationGuard * Math.Abs(logPow))
            {
                method = Method.GaussSeries;
                return c / (a - 1.0) * -SpecialMath.ExpM1(sum);
            }
        }

        method = Method.Quadrature;
        return Quadrature(shapeA, shapeB, a, s);
    }

    /// <summary>Σ_{k≥1} (A)_k (a)_{k−1} / ((a+B)_{k−1} k!) (−1)^(k+1) s^k for s·max(A, 1) ≤ ½ (term ratio ≤ ½ in magnitude).</summary>
    internal static double ShortSeries(double shapeA, double shapeB, double a, double s)
    {
        var c = a + shapeB - 1.0;
        var term = shapeA * s;
        var sum = term;
        for (var k = 1; k < 200; k++)
        {
            term *= -(shapeA + k) * (a + k - 1.0) / ((c + k) * (k + 1.0)) * s;
            sum += term;
            if (Math.Abs(term) <= 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return sum;
    }

    /// <summary>(1/B(a, B)) ∫₀¹ p^(a−2) (1−p)^(B−1) [1 − (1+ps)^(−A)] dp (see the remarks of the class).</summary>
    internal static double Quadrature(double shapeA, double shapeB, double a, double s)
    {
        var logBeta = SpecialMath.BetaLn(a, shapeB);
        var pLo = 0.5 / (1.0 + (s * (shapeA + 1.0)) + shapeB);
        var logPLo = Math.Log(pLo);

        // [0, p_lo], p = p_lo·v^(1/a): ∫ = (p_lo^a / a) ∫₀¹ (1−p)^(B−1) h(ps)/p dv.
        var headScale = Math.Exp((a * logPLo) - Math.Log(a) - logBeta);
        var head = headScale * TanhSinh(new HeadIntegrand(shapeA, shapeB, a, s, pLo));

        // [½, 1], 1 − p = ½·w^(1/B): ∫ = (2^(−B) / B) ∫₀¹ p^(a−2) h(ps) dw.
        var tailScale = Math.Exp((-shapeB * Math.Log(2.0)) - Math.Log(shapeB) - logBeta);
        var tail = tailScale * TanhSinh(new TailIntegrand(shapeA, shapeB, a, s));

        // [p_lo, ½] in y = −ln p: ∫ p^(a−1) (1−p)^(B−1) h(ps) dy, panels of width ≤ 1 and ≤ 2/|a−1|.
        var yLo = Math.Log(2.0);
        var yHi = -logPLo;
        var width = Math.Min(1.0, 2.0 / Math.Max(Math.Abs(a - 1.0), 1e-300));
        var panels = (int)Math.Min(100_000, Math.Ceiling((yHi - yLo) / width));
        var step = (yHi - yLo) / panels;
        var middle = 0.0;
        for (var j = 0; j < panels; j++)
        {
            var center = yLo + ((j + 0.5) * step);
            var panel = 0.0;
            for (var i = 0; i < GaussLegendreOrder; i++)
            {
                var y = center + (0.5 * step * GlNodes[i]);
                var p = Math.Exp(-y);
                var log = (-(a - 1.0) * y) + ((shapeB - 1.0) * SpecialMath.LogOnePlus(-p)) - logBeta;
                panel += GlWeights[i] * Math.Exp(log) * H(shapeA, p * s);
            }

            middle += panel * 0.5 * step;
        }

        return head + middle + tail;
    }

    /// <summary>h(u) = 1 − (1+u)^(−A) without cancellation.</summary>
    private static double H(double shapeA, double u) => -SpecialMath.ExpM1(-shapeA * SpecialMath.LogOnePlus(u));

    /// <summary>h(ps)/p, with its limit A·s at p = 0.</summary>
    private static double HOverP(double shapeA, double p, double s) => p == 0.0 ? shapeA * s : H(shapeA, p * s) / p;

    /// <summary>∫₀¹ f(x) dx by tanh-sinh, halving the step from ½ to 1/64 until two levels agree to 1e-10 (the error then
    /// is about the square of that). Nodes near 0 are exact (x = 1/(1+e^u)); nodes near 1 are rounded, so
    /// integrands put their singular end at 0.</summary>
    private static double TanhSinh<T>(T f)
        where T : struct, IIntegrand
    {
        var n = TsX.Length - 1;
        var stride = TanhSinhFinestInverseStep / 2;
        var sum = TsWeight[0] * f.At(0.5);
        for (var k = stride; k <= n; k += stride)
        {
            sum += TsWeight[k] * (f.At(TsX[k]) + f.At(TsComplement[k]));
        }

        var estimate = sum * stride / TanhSinhFinestInverseStep;
        while (stride > 1)
        {
            var half = stride / 2;
            for (var k = half; k <= n; k += stride)
            {
                sum += TsWeight[k] * (f.At(TsX[k]) + f.At(TsComplement[k]));
            }

            stride = half;
            var next = sum * stride / TanhSinhFinestInverseStep;
            var converged = Math.Abs(next - estimate) <= 1e-10 * Math.Abs(next);
            estimate = next;
            if (converged && stride <= 8)
            {
                break;
            }
        }

        return estimate;
    }

    private interface IIntegrand
    {
        double At(double x);
    }

    /// <summary>(1−p)^(B−1)·h(ps)/p at p = p_lo·v^(1/a).</summary>
    private readonly struct HeadIntegrand(double shapeA, double shapeB, double a, double s, double pLo) : IIntegrand
    {
        public double At(double x)
        {
            var p = pLo * Math.Pow(x, 1.0 / a);
            return Math.Exp((shapeB - 1.0) * SpecialMath.LogOnePlus(-p)) * HOverP(shapeA, p, s);
        }
    }

    /// <summary>p^(a−2)·h(ps) at 1 − p = ½·w^(1/B).</summary>
    private readonly struct TailIntegrand(double shapeA, double shapeB, double a, double s) : IIntegrand
    {
        public double At(double x)
        {
            var q = 0.5 * Math.Pow(x, 1.0 / shapeB);
            return Math.Exp((a - 2.0) * SpecialMath.LogOnePlus(-q)) * H(shapeA, (1.0 - q) * s);
        }
    }

    /// <summary>Nodes and weights of n-point Gauss–Legendre on [−1, 1] (Newton on Pₙ).</summary>
    private static (double[] Nodes, double[] Weights) GaussLegendre(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (var i = 0; i < n; i++)
        {
            var x = Math.Cos(Math.PI * (i + 0.75) / (n + 0.5));
            double dp = 0;
            for (var iteration = 0; iteration < 100; iteration++)
            {
                double p0 = 1.0, p1 = x;
                for (var k = 2; k <= n; k++)
                {
                    var pk = (((2.0 * k) - 1.0) * x * p1 - ((k - 1.0) * p0)) / k;
                    p0 = p1;
                    p1 = pk;
                }

                dp = n * ((x * p1) - p0) / ((x * x) - 1.0);
                var dx = p1 / dp;
                x -= dx;
                if (Math.Abs(dx) < 1e-16)
                {
                    break;
                }
            }

            nodes[i] = x;
            weights[i] = 2.0 / ((1.0 - (x * x)) * dp * dp);
        }

        return (nodes, weights);
    }
}
