using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace CemCore.Clv;

/// <summary>
/// The Gamma-Gamma model of average transaction value (Fader, Hardie &amp; Lee 2005, "RFM and CLV: using iso-value curves for customer
/// base analysis", <i>JMR</i> 42(4); Fader &amp; Hardie note 025, "The Gamma-Gamma model of monetary value"): each transaction value
/// zᵢ ~ Gamma(p, ν), with ν ~ Gamma(q, γ) across customers, so the mean spend m_x of x transactions is Gamma(px, νx).
/// </summary>
/// <remarks>
/// <para>Inputs are the repeat frequency x and the mean spend m_x of those x repeat transactions (<see cref="Features.BtydSummary.MeanRepeatSpend"/>).
/// Customers with x = 0 carry no spend information and are <b>excluded</b> from the fit (and are scored with the population mean).</para>
/// <para>Published CDNOW values (946 repeaters, dollars): p = 6.25, q = 3.74, γ = 15.44.</para>
/// <para>Immutable and thread-safe; value equality over the parameters.</para>
/// </remarks>
public sealed record GammaGammaModel
{
    /// <summary>Creates a model from parameters.</summary>
    /// <param name="p">Shape of the per-transaction gamma (finite, &gt; 0).</param>
    /// <param name="q">Shape of the gamma mixing distribution of ν (finite, &gt; 0).</param>
    /// <param name="gamma">Scale of the mixing distribution, in money units (finite, &gt; 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not finite and positive.</exception>
    public GammaGammaModel(double p, double q, double gamma)
    {
        FitRunner.CheckPositive(p, nameof(p));
        FitRunner.CheckPositive(q, nameof(q));
        FitRunner.CheckPositive(gamma, nameof(gamma));
        P = p;
        Q = q;
        Gamma = gamma;
    }

    /// <summary>Gets the shape p.</summary>
    public double P { get; }

    /// <summary>Gets the shape q.</summary>
    public double Q { get; }

    /// <summary>Gets the scale γ.</summary>
    public double Gamma { get; }

    /// <summary>Gets the parameters in their published order (<c>p</c>, <c>q</c>, <c>gamma</c>).</summary>
    public IReadOnlyList<ModelParameter> Parameters => [new("p", P), new("q", Q), new("gamma", Gamma)];

    /// <summary>Gets the population mean spend per transaction pγ/(q−1); +∞ when q ≤ 1 (the mean does not exist).</summary>
    public double PopulationMeanSpend => Q > 1.0 ? P * Gamma / (Q - 1.0) : double.PositiveInfinity;

    /// <summary>Fits the model by maximum likelihood (BFGS on log-parameters with the analytic gradient).</summary>
    /// <param name="frequency">Repeat purchases x per customer (≥ 0). Rows with x = 0 are excluded.</param>
    /// <param name="meanSpend">Mean spend m_x of the x repeat purchases (finite, ≥ 0; &gt; 0 when x &gt; 0).</param>
    /// <param name="settings">Fit settings; <see langword="null"/> for defaults.</param>
    /// <returns>The fitted model and its convergence report (<see cref="FitDiagnostics.Customers"/> counts the repeaters used).</returns>
    /// <exception cref="ArgumentException">The spans differ in length, a value is out of range (negative, NaN or infinite spend; zero
    /// spend with x &gt; 0; negative x), or no customer has x &gt; 0.</exception>
    public static BtydFitResult<GammaGammaModel> Fit(ReadOnlySpan<int> frequency, ReadOnlySpan<double> meanSpend, BtydFitSettings? settings = null)
    {
        settings ??= BtydFitSettings.Default;
        if (meanSpend.Length != frequency.Length)
        {
            throw new ArgumentException($"frequency and meanSpend must have the same length, but have {frequency.Length} and {meanSpend.Length}.", nameof(meanSpend));
        }

        var n = 0;
        for (var i = 0; i < frequency.Length; i++)
        {
            Validate(frequency[i], meanSpend[i], i);
            n += frequency[i] > 0 ? 1 : 0;
        }

        if (n == 0)
        {
            throw new ArgumentException("No customer with frequency > 0: the Gamma-Gamma model is fitted on repeat customers only.", nameof(frequency));
        }

        var x = new double[n];
        var m = new double[n];
        var k = 0;
        var sum = 0.0;
        for (var i = 0; i < frequency.Length; i++)
        {
            if (frequency[i] > 0)
            {
                x[k] = frequency[i];
                m[k] = meanSpend[i];
                sum += meanSpend[i];
                k++;
            }
        }

        var objective = new Objective(x, m, settings.Penalizer);
        string? reason = null;
        if (n < 2 || m.AsSpan().IndexOfAnyExcept(m[0]) < 0)
        {
            reason = n < 2
                ? "only one repeat customer: the spread of mean spends between customers (p, q) cannot be estimated"
                : "every repeat customer has the same mean spend: with no spread between customers, p and q are not identifiable";
        }

        var (p, diagnostics) = FitRunner.Run(objective, [1.0, 2.0, Math.Max(sum / n, 1e-6)], settings, n, objective.Total, reason, ["p", "q", "gamma"], scaleIndex: 2);
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = double.IsFinite(p[i]) && p[i] > 0.0 ? Math.Clamp(p[i], 1e-300, 1e300) : 1.0;
        }

        return new BtydFitResult<GammaGammaModel>(new GammaGammaModel(p[0], p[1], p[2]), diagnostics);
    }

    /// <summary>Returns the log-likelihood of one repeat customer's mean spend (note 025, eq. 4).</summary>
    /// <param name="frequency">x (&gt; 0).</param>
    /// <param name="meanSpend">m_x (finite, &gt; 0).</param>
    /// <returns>ℓ = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + (px−1) ln m_x + px ln x − (px+q) ln(γ + x m_x).</returns>
    /// <exception cref="ArgumentOutOfRangeException">x ≤ 0 or m_x is not finite and positive.</exception>
    public double LogLikelihood(int frequency, double meanSpend)
    {
        if (frequency <= 0)
        {
            ThrowInput("frequency", -1, frequency, "> 0 (customers without repeat purchases carry no spend information)");
        }

        Validate(frequency, meanSpend, -1);
        return Ll(P, Q, Gamma, frequency, meanSpend);
    }

    /// <summary>Returns E[Z | x, m_x], the expected mean transaction value of a customer (FHL 2005 "RFM and CLV", eq. 6).</summary>
    /// <param name="frequency">x (≥ 0); with x = 0 the result is <see cref="PopulationMeanSpend"/>.</param>
    /// <param name="meanSpend">m_x (finite, ≥ 0; ignored when x = 0).</param>
    /// <returns>p(γ + x·m_x)/(px + q − 1), a weighted average of the population mean and m_x; +∞ when px + q ≤ 1.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An input is out of range.</exception>
    public double ConditionalExpectedAverageSpend(int frequency, double meanSpend)
    {
        Validate(frequency, meanSpend, -1);
        return Expected(frequency, meanSpend);
    }

    /// <summary>Computes <see cref="ConditionalExpectedAverageSpend(int, double)"/> for many customers without allocating.</summary>
    /// <param name="frequency">x per customer.</param>
    /// <param name="meanSpend">m_x per customer.</param>
    /// <param name="destination">Receives one value per customer.</param>
    /// <exception cref="ArgumentException">Lengths differ, or an input is out of range.</exception>
    public void ConditionalExpectedAverageSpend(ReadOnlySpan<int> frequency, ReadOnlySpan<double> meanSpend, Span<double> destination)
    {
        if (meanSpend.Length != frequency.Length || destination.Length != frequency.Length)
        {
            throw new ArgumentException(
                $"frequency, meanSpend and destination must have the same length, but have {frequency.Length}, {meanSpend.Length} and {destination.Length}.", nameof(destination));
        }

        for (var i = 0; i < frequency.Length; i++)
        {
            Validate(frequency[i], meanSpend[i], i);
            destination[i] = Expected(frequency[i], meanSpend[i]);
        }
    }

    private double Expected(int x, double m)
    {
        var denom = (P * x) + Q - 1.0;
        return denom > 0.0 ? P * (Gamma + (x * (x > 0 ? m : 0.0))) / denom : double.PositiveInfinity;
    }

    private static double Ll(double p, double q, double g, double x, double m)
    {
        var px = p * x;
        return SpecialMath.GammaLn(px + q) - SpecialMath.GammaLn(px) - SpecialMath.GammaLn(q) + (q * Math.Log(g))
            + ((px - 1.0) * Math.Log(m)) + (px * Math.Log(x)) - ((px + q) * Math.Log(g + (m * x)));
    }

    private static void Validate(int x, double m, int index)
    {
        if (x < 0)
        {
            ThrowInput("frequency", index, x, "≥ 0");
        }

        if (!(m >= 0.0 && double.IsFinite(m)))
        {
            ThrowInput("meanSpend", index, m, "finite and ≥ 0 (spend cannot be negative)");
        }

        if (x > 0 && m == 0.0)
        {
            ThrowInput("meanSpend", index, m, "> 0 when frequency > 0 (the Gamma-Gamma model needs positive spend)");
        }
    }

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowInput(string field, int index, double value, string range) => BtydData.ThrowField(field, index, value, range);

    private sealed class Objective(double[] x, double[] m, double penalizer) : IObjective
    {
        public double Total(double[] natural)
        {
            var s = 0.0;
            for (var i = 0; i < x.Length; i++)
            {
                s += Ll(natural[0], natural[1], natural[2], x[i], m[i]);
            }

            return s;
        }

        public double Evaluate(ReadOnlySpan<double> theta, Span<double> gradient)
        {
            double p = Math.Exp(theta[0]), q = Math.Exp(theta[1]), g = Math.Exp(theta[2]);
            double ll = 0, gp = 0, gq = 0, gg = 0;
            var psiQ = SpecialMath.DiGamma(q);
            var logG = Math.Log(g);
            for (var i = 0; i < x.Length; i++)
            {
                var xi = x[i];
                var mi = m[i];
                var px = p * xi;
                var lgm = Math.Log(g + (mi * xi));
                var psiPxQ = SpecialMath.DiGamma(px + q);
                ll += Ll(p, q, g, xi, mi);
                gp += xi * (psiPxQ - SpecialMath.DiGamma(px) + Math.Log(mi) + Math.Log(xi) - lgm);
                gq += psiPxQ - psiQ + logG - lgm;
                gg += (q / g) - ((px + q) / (g + (mi * xi)));
            }

            if (!double.IsFinite(ll))
            {
                return double.NaN;
            }

            var invN = 1.0 / x.Length;
            gradient[0] = (-gp * p * invN) + (2.0 * penalizer * p * p);
            gradient[1] = (-gq * q * invN) + (2.0 * penalizer * q * q);
            gradient[2] = (-gg * g * invN) + (2.0 * penalizer * g * g);
            return (-ll * invN) + (penalizer * ((p * p) + (q * q) + (g * g)));
        }
    }
}
