namespace CemCore.Clv;

/// <summary>Special functions used by the BTYD models (internal kernels; scalar, allocation-free).</summary>
internal static class SpecialMath
{
    /// <summary>Maximum number of series terms before a hypergeometric evaluation gives up (returns NaN).</summary>
    public const int MaxSeriesTerms = 200_000;

    /// <summary>
    /// Returns ln ₂F₁(a, b; c; z) for a, b, c &gt; 0 and 0 ≤ z &lt; 1, from the Gauss power series. All terms are positive, so the sum
    /// has no cancellation; it is accumulated with a running scale so that huge intermediate terms cannot overflow.
    /// Convergence control: stops when a term is below 1e-17 of the sum and the term ratio is below 1 (the tail is then bounded
    /// by term·ratio/(1 − ratio)); returns NaN after <see cref="MaxSeriesTerms"/> terms.
    /// </summary>
    public static double LogHyp2F1(double a, double b, double c, double z)
    {
        if (z == 0.0)
        {
            return 0.0;
        }

        if (!(z > 0.0 && z < 1.0) || !(a > 0.0 && b > 0.0 && c > 0.0))
        {
            return double.NaN;
        }

        // rest = sum − 1 while no rescaling happened, so that ln(1 + rest) keeps full precision when the sum is near 1.
        double sum = 1.0, rest = 0.0, term = 1.0, logScale = 0.0;
        for (var k = 0; k < MaxSeriesTerms; k++)
        {
            var ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
            term *= ratio;
            sum += term;
            rest += term;
            if (sum > 1e250)
            {
                logScale += Math.Log(sum);
                term /= sum;
                sum = 1.0;
                rest = double.NaN;
            }

            if (ratio < 1.0 && term * ratio / (1.0 - ratio) <= 1e-17 * sum)
            {
                return logScale == 0.0 ? LogOnePlus(rest) : logScale + Math.Log(sum);
            }
        }

        return double.NaN;
    }

    /// <summary>Returns ₂F₁(a, b; c; z) for a, b, c &gt; 0 and 0 ≤ z &lt; 1 (see <see cref="LogHyp2F1"/>).</summary>
    public static double Hyp2F1(double a, double b, double c, double z) => Math.Exp(LogHyp2F1(a, b, c, z));

    /// <summary>ln(eᵘ + eᵛ) without overflow.</summary>
    public static double LogAddExp(double u, double v)
    {
        if (double.IsNegativeInfinity(u))
        {
            return v;
        }

        if (double.IsNegativeInfinity(v))
        {
            return u;
        }

        return u > v ? u + Math.Log(1.0 + Math.Exp(v - u)) : v + Math.Log(1.0 + Math.Exp(u - v));
    }

    /// <summary>ln(eᵘ − eᵛ) for u ≥ v; −∞ when u == v.</summary>
    public static double LogSubExp(double u, double v)
    {
        if (double.IsNegativeInfinity(v))
        {
            return u;
        }

        var d = v - u;
        if (d >= 0.0)
        {
            return double.NegativeInfinity;
        }

        // log1p(-exp(d)) with the usual two-branch accuracy rule (Mächler 2012).
        return u + (d > -0.6931471805599453 ? Math.Log(-ExpM1(d)) : LogOnePlus(-Math.Exp(d)));
    }

    /// <summary>ln(1 + x) accurate for small x.</summary>
    public static double LogOnePlus(double x)
    {
        var u = 1.0 + x;
        return u == 1.0 ? x : Math.Log(u) * x / (u - 1.0);
    }

    /// <summary>eˣ − 1 accurate for small x.</summary>
    public static double ExpM1(double x)
    {
        // Kahan's trick: exact to a few ulps for small |x|.
        var u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        var um1 = u - 1.0;
        return um1 == -1.0 ? -1.0 : um1 * x / Math.Log(u);
    }

    /// <summary>ln Γ(x).</summary>
    public static double GammaLn(double x) => MathNet.Numerics.SpecialFunctions.GammaLn(x);

    /// <summary>ψ(x).</summary>
    public static double DiGamma(double x) => MathNet.Numerics.SpecialFunctions.DiGamma(x);

    /// <summary>ln B(a, b).</summary>
    public static double BetaLn(double a, double b) => GammaLn(a) + GammaLn(b) - GammaLn(a + b);
}
