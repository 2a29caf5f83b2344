using MathNet.Numerics;

namespace CemCore.Experiments.Statistics;

/// <summary>The Student t quantile and the noncentral t distribution, for t-based power (internal kernels).</summary>
internal static class NoncentralT
{
    /// <summary>t with P(T_ν &gt; t) = q for 0 &lt; q &lt; 1 (scipy <c>t.isf</c>): from P(T &gt; |t|) = I_x(ν/2, ½)/2, x = ν/(ν+t²).</summary>
    public static double StudentTUpperQuantile(double q, double df)
    {
        if (q > 0.5)
        {
            return -StudentTUpperQuantile(1.0 - q, df);
        }

        if (q == 0.5)
        {
            return 0.0;
        }

        var x = StatMath.BetaQuantile(2.0 * q, 0.5 * df, 0.5);
        var t = Math.Sqrt(df * (1.0 - x) / x);

        // The beta quantile can be a few 1e-9 off for b = ½; Newton steps on the upper tail itself restore full precision.
        var logNorm = (0.5 * Math.Log(df)) + StatMath.LogBeta(0.5 * df, 0.5);
        for (var i = 0; i < 3; i++)
        {
            var density = Math.Exp((-0.5 * (df + 1) * StatMath.Log1P(t * t / df)) - logNorm);
            var step = (StatMath.StudentTSf(t, df) - q) / density;
            t += step;
            if (Math.Abs(step) <= 1e-16 * Math.Abs(t))
            {
                break;
            }
        }

        return t;
    }

    /// <summary>
    /// P(T ≤ t) for the noncentral t with ν degrees of freedom and noncentrality δ (scipy <c>nct.cdf</c>).
    /// For t ≥ 0 (Lenth 1989, AS 243; summed from the Poisson mode outwards as Benton &amp; Krishnamoorthy 2003):
    /// F = Φ(−δ) + ½ Σ_j [P_j I_x(j+½, ν/2) + Q_j I_x(j+1, ν/2)], x = t²/(ν+t²), P_j = e^(−λ) λ^j / j!,
    /// Q_j = δ e^(−λ) λ^j / (√2 Γ(j+3/2)), λ = δ²/2. For t &lt; 0, F(t; ν, δ) = 1 − F(−t; ν, −δ).
    /// </summary>
    public static double Cdf(double t, double df, double delta) => t >= 0 ? Lower(t, df, delta) : Upper(-t, df, -delta);

    /// <summary>P(T &gt; t) = 1 − <see cref="Cdf"/>, summed directly in the upper form where that avoids cancellation.</summary>
    public static double Sf(double t, double df, double delta) => t >= 0 ? Upper(t, df, delta) : Lower(-t, df, -delta);

    /// <summary>P(T ≤ t) for t ≥ 0.</summary>
    private static double Lower(double t, double df, double delta)
    {
        var (sum, _) = Series(t, df, delta);
        return Math.Clamp(StatMath.NormalCdf(-delta) + (0.5 * sum), 0.0, 1.0);
    }

    /// <summary>P(T &gt; t) for t ≥ 0: Φ(δ) − ½ Σ_j […], the same series with the complement of the leading term.</summary>
    private static double Upper(double t, double df, double delta)
    {
        var (sum, _) = Series(t, df, delta);
        return Math.Clamp(StatMath.NormalCdf(delta) - (0.5 * sum), 0.0, 1.0);
    }

    private static (double Sum, int Terms) Series(double t, double df, double delta)
    {
        if (t == 0)
        {
            return (0.0, 0);
        }

        var t2 = t * t;
        var x = t2 / (df + t2);
        var y = df / (df + t2);
        var lambda = 0.5 * delta * delta;
        var mode = (int)Math.Floor(lambda);
        var spread = 40 + (int)Math.Ceiling(12.0 * Math.Sqrt(lambda));
        var lo = Math.Max(0, mode - spread);
        var hi = mode + spread;
        var logLambda = lambda > 0 ? Math.Log(lambda) : double.NegativeInfinity;
        var logAbsDelta = Math.Log(Math.Abs(delta));
        var sum = 0.0;
        for (var j = lo; j <= hi; j++)
        {
            var logPoisson = j == 0 ? -lambda : -lambda + (j * logLambda) - SpecialFunctions.GammaLn(j + 1.0);
            var p = Math.Exp(logPoisson);
            var term = p * StatMath.IncompleteBeta(j + 0.5, 0.5 * df, x, y);
            if (delta != 0)
            {
                var logQ = logAbsDelta - lambda + (j == 0 ? 0.0 : j * logLambda) - (0.5 * Math.Log(2.0)) - SpecialFunctions.GammaLn(j + 1.5);
                term += Math.Sign(delta) * Math.Exp(logQ) * StatMath.IncompleteBeta(j + 1.0, 0.5 * df, x, y);
            }

            sum += term;
        }

        return (sum, hi - lo + 1);
    }
}
