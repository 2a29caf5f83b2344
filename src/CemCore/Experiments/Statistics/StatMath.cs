using MathNet.Numerics;

namespace CemCore.Experiments.Statistics;

/// <summary>
/// Distribution tails and quantiles used by the A/B statistics. Every upper tail is computed in its complementary form
/// (erfc, upper regularized incomplete gamma/beta), never as <c>1 − cdf</c>, so p-values far below 1e-20 keep their relative accuracy.
/// </summary>
internal static class StatMath
{
    internal const double Sqrt2 = 1.4142135623730950488;

    /// <summary>ln(1 + x) accurate for small |x| (Goldberg 1991, "What every computer scientist should know…", Theorem 4).</summary>
    public static double Log1P(double x)
    {
        var u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>Standard normal survival function P(Z &gt; z) = erfc(z/√2)/2.</summary>
    public static double NormalSf(double z) => 0.5 * SpecialFunctions.Erfc(z / Sqrt2);

    /// <summary>Standard normal CDF P(Z ≤ z) = erfc(−z/√2)/2.</summary>
    public static double NormalCdf(double z) => 0.5 * SpecialFunctions.Erfc(-z / Sqrt2);

    /// <summary>Standard normal quantile: z with P(Z ≤ z) = p (MathNet ErfcInv, accurate in both tails).</summary>
    public static double NormalQuantile(double p) => -Sqrt2 * SpecialFunctions.ErfcInv(2.0 * p);

    /// <summary>Upper quantile z with P(Z &gt; z) = q, computed without forming 1 − q.</summary>
    public static double NormalUpperQuantile(double q) => Sqrt2 * SpecialFunctions.ErfcInv(2.0 * q);

    /// <summary>P-value of a normal statistic for the given alternative.</summary>
    public static double NormalPValue(double z, Alternative alternative) => alternative switch
    {
        Alternative.Greater => NormalSf(z),
        Alternative.Less => NormalCdf(z),
        _ => 2.0 * NormalSf(Math.Abs(z)),
    };

    /// <summary>Student t survival function P(T &gt; t) via the regularized incomplete beta function.</summary>
    public static double StudentTSf(double t, double df)
    {
        if (double.IsPositiveInfinity(df))
        {
            return NormalSf(t);
        }

        // P(T > |t|) = I_x(df/2, 1/2)/2 with x = df/(df+t²) and 1 − x = t²/(df+t²), both computed without cancellation.
        var t2 = t * t;
        var tail = 0.5 * IncompleteBeta(0.5 * df, 0.5, df / (df + t2), t2 / (df + t2));

        return t > 0 ? tail : 1.0 - tail;
    }

    /// <summary>P-value of a t statistic for the given alternative.</summary>
    public static double StudentTPValue(double t, double df, Alternative alternative) => alternative switch
    {
        Alternative.Greater => StudentTSf(t, df),
        Alternative.Less => StudentTSf(-t, df),
        _ => Math.Min(1.0, 2.0 * StudentTSf(Math.Abs(t), df)),
    };

    /// <summary>Chi-square survival function Q(k/2, x/2); erfc form for one degree of freedom.</summary>
    public static double ChiSquareSf(double x, double df)
    {
        if (x <= 0)
        {
            return 1.0;
        }

        if (df == 1.0)
        {
            return SpecialFunctions.Erfc(Math.Sqrt(0.5 * x));
        }

        return SpecialFunctions.GammaUpperRegularized(0.5 * df, 0.5 * x);
    }

    /// <summary>
    /// ln B(a, b) without the cancellation of lnΓ(a)+lnΓ(b)−lnΓ(a+b) for large arguments
    /// (Stirling correction terms as in R's <c>lbeta</c>, Morris 1992 / TOMS 708).
    /// </summary>
    public static double LogBeta(double a, double b)
    {
        var p = Math.Min(a, b);
        var q = Math.Max(a, b);
        if (p >= 10)
        {
            var corr = StirlingCorrection(p) + StirlingCorrection(q) - StirlingCorrection(p + q);
            return (-0.5 * Math.Log(q)) + 0.918938533204672741780329736406 + corr + ((p - 0.5) * Math.Log(p / (p + q))) + (q * StatMath.Log1P(-p / (p + q)));
        }

        if (q >= 10)
        {
            var corr = StirlingCorrection(q) - StirlingCorrection(p + q);
            return SpecialFunctions.GammaLn(p) + corr + p - (p * Math.Log(p + q)) + ((q - 0.5) * StatMath.Log1P(-p / (p + q)));
        }

        return SpecialFunctions.GammaLn(p) + SpecialFunctions.GammaLn(q) - SpecialFunctions.GammaLn(p + q);
    }

    /// <summary>lnΓ(x) − [(x−½)ln x − x + ½ln(2π)] for x ≥ 10 (Stirling series; error below 1e-17 for x ≥ 10).</summary>
    private static double StirlingCorrection(double x)
    {
        var x2 = 1.0 / (x * x);
        return (1.0 / x) * ((1.0 / 12) + (x2 * ((-1.0 / 360) + (x2 * ((1.0 / 1260) + (x2 * ((-1.0 / 1680) + (x2 * ((1.0 / 1188) + (x2 * (-691.0 / 360360)))))))))));
    }

    /// <summary>Regularized incomplete beta I_x(a, b).</summary>
    public static double BetaCdf(double x, double a, double b) =>
        x <= 0 ? 0.0 : x >= 1 ? 1.0 : IncompleteBeta(a, b, x, 1.0 - x);

    /// <summary>Upper tail 1 − I_x(a, b) = I_{1−x}(b, a).</summary>
    public static double BetaSf(double x, double a, double b) =>
        x <= 0 ? 1.0 : x >= 1 ? 0.0 : IncompleteBeta(b, a, 1.0 - x, x);

    /// <summary>
    /// Regularized incomplete beta I_x(a, b) given x and y = 1 − x separately (so callers can pass a complement computed without
    /// cancellation). Continued fraction (modified Lentz; Numerical Recipes 3rd ed. §6.4) with the prefactor x^a y^b / B(a, b) in log
    /// space using <see cref="LogBeta"/>, which keeps full relative accuracy for large a and b (MathNet's version loses ~1e-9 at a = 1e6).
    /// </summary>
    public static double IncompleteBeta(double a, double b, double x, double y)
    {
        if (x <= 0)
        {
            return 0.0;
        }

        if (y <= 0)
        {
            return 1.0;
        }

        var logFront = (a * Math.Log(x)) + (b * Math.Log(y)) - LogBeta(a, b);
        if (x < (a + 1) / (a + b + 2))
        {
            return Math.Exp(logFront) * ContinuedFraction(a, b, x) / a;
        }

        return 1.0 - (Math.Exp(logFront) * ContinuedFraction(b, a, y) / b);
    }

    private static double ContinuedFraction(double a, double b, double x)
    {
        const double Tiny = 1e-300;
        const double Eps = 1e-16;
        var qab = a + b;
        var qap = a + 1;
        var qam = a - 1;
        var c = 1.0;
        var d = 1.0 - (qab * x / qap);
        if (Math.Abs(d) < Tiny)
        {
            d = Tiny;
        }

        d = 1.0 / d;
        var h = d;
        for (var m = 1; m <= 1_000_000; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1.0 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1.0 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1.0 / d;
            h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1.0 + (aa * d);
            d = Math.Abs(d) < Tiny ? Tiny : d;
            c = 1.0 + (aa / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            d = 1.0 / d;
            var del = d * c;
            h *= del;
            if (Math.Abs(del - 1.0) <= Eps)
            {
                break;
            }
        }

        return h;
    }

    /// <summary>
    /// Beta quantile: x with I_x(a, b) = p, to full double precision (safeguarded Newton on a shrinking bracket).
    /// MathNet's <c>Beta.InvCDF</c> stops at an absolute accuracy of 1e-12, too coarse for tiny quantiles.
    /// </summary>
    public static double BetaQuantile(double p, double a, double b)
    {
        if (p <= 0)
        {
            return 0.0;
        }

        if (p >= 1)
        {
            return 1.0;
        }

        return p <= 0.5 ? SolveBeta(p, a, b) : BetaUpperQuantile(1.0 - p, a, b);
    }

    /// <summary>x with P(X &gt; x) = q for X ~ Beta(a, b), i.e. scipy's <c>beta.isf</c>.</summary>
    public static double BetaUpperQuantile(double q, double a, double b)
    {
        if (q <= 0)
        {
            return 1.0;
        }

        if (q >= 1)
        {
            return 0.0;
        }

        // P(X > x) = q  ⇔  P(1 − X ≤ 1 − x) = q with 1 − X ~ Beta(b, a).
        var x = 1.0 - SolveBeta(q, b, a);
        if (x < 0.5 && x > 0)
        {
            // 1 − y loses relative digits when x is small: polish with Newton steps on the upper tail itself.
            var logB = LogBeta(a, b);
            for (var i = 0; i < 4; i++)
            {
                var f = BetaSf(x, a, b) - q;
                var pdf = Math.Exp(((a - 1) * Math.Log(x)) + ((b - 1) * StatMath.Log1P(-x)) - logB);
                var next = x + (f / pdf);
                if (!(next > 0 && next < 1))
                {
                    break;
                }

                var done = Math.Abs(next - x) <= 1e-16 * x;
                x = next;
                if (done)
                {
                    break;
                }
            }
        }

        return x;
    }

    private static double SolveBeta(double p, double a, double b)
    {
        // Bracket in log space, then Newton steps kept inside the bracket.
        double lo = 0, hi = 1;
        var x = Math.Clamp(MathNet.Numerics.Distributions.Beta.InvCDF(a, b, p), 1e-300, 1 - 1e-16);
        if (!(x > 0 && x < 1))
        {
            x = 0.5;
        }

        var logB = LogBeta(a, b);
        for (var i = 0; i < 300; i++)
        {
            var f = BetaCdf(x, a, b) - p;
            if (f == 0)
            {
                return x;
            }

            if (f < 0)
            {
                lo = x;
            }
            else
            {
                hi = x;
            }

            var logPdf = ((a - 1) * Math.Log(x)) + ((b - 1) * StatMath.Log1P(-x)) - logB;
            var step = f / Math.Exp(logPdf);
            var next = x - step;
            if (!(next > lo && next < hi) || double.IsNaN(next))
            {
                next = lo > 0 && hi / lo > 4 ? Math.Sqrt(lo * hi) : 0.5 * (lo + hi);
                if (lo == 0)
                {
                    next = hi * 1e-3;
                }
            }

            if (Math.Abs(next - x) <= 2e-16 * x)
            {
                return next;
            }

            x = next;
            if (hi - lo <= 2e-16 * x)
            {
                return x;
            }
        }

        return x;
    }
}
