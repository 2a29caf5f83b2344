using CemCore.Primitives;

namespace CemCore.Clv;

/// <summary>
/// The Pareto/NBD model of Schmittlein, Morrison &amp; Colombo (1987), "Counting your customers: who are they and what will they do
/// next?", <i>Management Science</i> 33(1): Poisson purchasing at rate λ ~ Gamma(r, α) while alive, an exponential lifetime with
/// rate μ ~ Gamma(s, β).
/// </summary>
/// <remarks>
/// <para>The likelihood follows Fader &amp; Hardie, "A note on deriving the Pareto/NBD model and related expressions" (2005), eq. (19)–(22),
/// evaluated in log space: the Gauss hypergeometric term ₂F₁(r+s+x, ·; r+s+x+1; z) is taken in the form whose argument
/// z = |α−β|/(max(α,β)+t) lies in [0, 1) (b = s+1 when α ≥ β, b = r+x when α &lt; β), summed as a positive power series with a
/// running scale (no overflow) and an explicit tail bound; the difference of the two terms is formed with log-sub-exp.</para>
/// <para>Rates are per <see cref="Unit"/>. Published CDNOW values (weeks): r = 0.553, α = 10.578, s = 0.606, β = 11.669, LL = −9595.0
/// (Fader, Hardie &amp; Lee 2005, "RFM and CLV", and the note above).</para>
/// <para>Immutable and thread-safe; value equality over the parameters and unit. Batch methods validate every row and do not allocate.</para>
/// </remarks>
public sealed record ParetoNbdModel : IBtydModel
{
    /// <summary>Creates a model from parameters.</summary>
    /// <param name="r">Shape of the purchase-rate gamma (finite, &gt; 0).</param>
    /// <param name="alpha">Scale of the purchase-rate gamma, in <paramref name="unit"/> (finite, &gt; 0).</param>
    /// <param name="s">Shape of the dropout-rate gamma (finite, &gt; 0).</param>
    /// <param name="beta">Scale of the dropout-rate gamma, in <paramref name="unit"/> (finite, &gt; 0).</param>
    /// <param name="unit">Time unit of the rates. Default: weeks.</param>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is not finite and positive, or the unit is undefined.</exception>
    public ParetoNbdModel(double r, double alpha, double s, double beta, TimeUnit unit = TimeUnit.Week)
    {
        FitRunner.CheckPositive(r, nameof(r));
        FitRunner.CheckPositive(alpha, nameof(alpha));
        FitRunner.CheckPositive(s, nameof(s));
        FitRunner.CheckPositive(beta, nameof(beta));
        _ = TimeUnits.DaysPerUnit(unit);
        R = r;
        Alpha = alpha;
        S = s;
        Beta = beta;
        Unit = unit;
    }

    /// <summary>Gets the purchase-rate shape r.</summary>
    public double R { get; }

    /// <summary>Gets the purchase-rate scale α (in <see cref="Unit"/>).</summary>
    public double Alpha { get; }

    /// <summary>Gets the dropout-rate shape s.</summary>
    public double S { get; }

    /// <summary>Gets the dropout-rate scale β (in <see cref="Unit"/>).</summary>
    public double Beta { get; }

    /// <inheritdoc />
    public TimeUnit Unit { get; }

    /// <inheritdoc />
    public string ModelName => "paretonbd";

    /// <inheritdoc />
    public IReadOnlyList<ModelParameter> Parameters => [new("r", R), new("alpha", Alpha), new("s", S), new("beta", Beta)];

    /// <summary>Fits the model by maximum likelihood (BFGS on log-parameters, central-difference gradient).</summary>
    /// <param name="data">The calibration summaries.</param>
    /// <param name="settings">Fit settings; <see langword="null"/> for <see cref="BtydFitSettings.Default"/>.</param>
    /// <returns>The fitted model and its convergence report (not converged is a result, not an exception).</returns>
    public static BtydFitResult<ParetoNbdModel> Fit(BtydData data, BtydFitSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        settings ??= BtydFitSettings.Default;
        var penalizer = settings.Penalizer;
        var invN = 1.0 / data.CustomerCount;
        double Objective(double[] theta)
        {
            double r = Math.Exp(theta[0]), alpha = Math.Exp(theta[1]), s = Math.Exp(theta[2]), beta = Math.Exp(theta[3]);
            var ll = Total(data, r, alpha, s, beta);
            return (-ll * invN) + (penalizer * ((r * r) + (alpha * alpha) + (s * s) + (beta * beta)));
        }

        double sumX = 0, sumT = 0;
        for (var i = 0; i < data.X.Length; i++)
        {
            sumX += data.Weight[i] * data.X[i];
            sumT += data.Weight[i] * data.T[i];
        }

        var meanT = Math.Max(sumT * invN, 1e-3);
        var alpha0 = sumX > 0 ? Math.Clamp(sumT / sumX, 1e-3, 1e6) : 1.0;
        var (p, diagnostics) = FitRunner.Run(
            new NumericGradientObjective(Objective, 4), [1.0, alpha0, 1.0, meanT], settings, data.CustomerCount,
            q => Total(data, q[0], q[1], q[2], q[3]), FitRunner.CountDataReason(data), ["r", "alpha", "s", "beta"]);
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = double.IsFinite(p[i]) && p[i] > 0.0 ? Math.Clamp(p[i], 1e-300, 1e300) : 1.0;
        }

        return new BtydFitResult<ParetoNbdModel>(new ParetoNbdModel(p[0], p[1], p[2], p[3], data.Unit), diagnostics);
    }

    /// <summary>Returns the total log-likelihood Σ ℓᵢ of <paramref name="data"/> under this model.</summary>
    /// <param name="data">The calibration summaries.</param>
    /// <returns>The total log-likelihood.</returns>
    public double LogLikelihood(BtydData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Total(data, R, Alpha, S, Beta);
    }

    /// <inheritdoc />
    public double LogLikelihood(int frequency, double recency, double age)
    {
        BtydData.Validate(frequency, recency, age, -1);
        return Ll(R, Alpha, S, Beta, frequency, recency, age);
    }

    /// <inheritdoc />
    /// <remarks>Fader &amp; Hardie (2005) note, eq. (18): 1 / (1 + s/(r+s+x)·(α+T)^(r+x)·(β+T)^s·A₀).</remarks>
    public double ProbabilityAlive(int frequency, double recency, double age)
    {
        BtydData.Validate(frequency, recency, age, -1);
        return Alive(R, Alpha, S, Beta, frequency, recency, age);
    }

    /// <inheritdoc />
    /// <remarks>Schmittlein et al. (1987) eq. (22): (r+x)(β+T)/((α+T)(s−1))·[1 − ((β+T)/(β+T+t))^(s−1)]·P(alive); the s → 1 limit
    /// (r+x)(β+T)/(α+T)·ln((β+T+t)/(β+T))·P(alive) is evaluated without cancellation through expm1.</remarks>
    public double ConditionalExpectedPurchases(double t, int frequency, double recency, double age)
    {
        FitRunner.CheckHorizon(t);
        BtydData.Validate(frequency, recency, age, -1);
        return CondExpected(R, Alpha, S, Beta, t, frequency, recency, age);
    }

    /// <inheritdoc />
    /// <remarks>Schmittlein et al. (1987) eq. (17): rβ/(α(s−1))·[1 − (β/(β+t))^(s−1)].</remarks>
    public double ExpectedPurchases(double t)
    {
        FitRunner.CheckHorizon(t);
        return R * Beta / Alpha * OneMinusPowOverSMinus1(S - 1.0, Math.Log(Beta / (Beta + t)));
    }

    /// <inheritdoc />
    /// <remarks>Fader, Hardie &amp; Lee (2006), "Deriving an expression for P(X(t) = x) under the Pareto/NBD model", eq. (16).</remarks>
    public double ProbabilityOfPurchases(int n, double t)
    {
        FitRunner.CheckCount(n);
        FitRunner.CheckHorizon(t);
        if (t == 0.0)
        {
            return n == 0 ? 1.0 : 0.0;
        }

        double r = R, alpha = Alpha, s = S, beta = Beta;
        var first = Math.Exp(
            SpecialMath.GammaLn(r + n) - SpecialMath.GammaLn(r) - SpecialMath.GammaLn(n + 1.0)
            + (r * Math.Log(alpha / (alpha + t))) + (n * Math.Log(t / (alpha + t))) + (s * Math.Log(beta / (beta + t))));
        var logK = (r * Math.Log(alpha)) + (s * Math.Log(beta)) + SpecialMath.BetaLn(r + n, s + 1.0) - SpecialMath.BetaLn(r, s);
        var alphaGe = alpha >= beta;
        var m = alphaGe ? alpha : beta;
        var bb = alphaGe ? s + 1.0 : r + n;
        var diff = Math.Abs(alpha - beta);
        var c = r + s + n + 1.0;
        var b1 = Math.Exp(logK + SpecialMath.LogHyp2F1(r + s, bb, c, diff / m) - ((r + s) * Math.Log(m)));
        var b2 = 0.0;
        for (var i = 0; i <= n; i++)
        {
            b2 += Math.Exp(
                logK + SpecialMath.GammaLn(r + s + i) - SpecialMath.GammaLn(r + s) - SpecialMath.GammaLn(i + 1.0) + (i * Math.Log(t))
                + SpecialMath.LogHyp2F1(r + s + i, bb, c, diff / (m + t)) - ((r + s + i) * Math.Log(m + t)));
        }

        return Math.Clamp(first + b1 - b2, 0.0, 1.0);
    }

    /// <inheritdoc />
    public void ProbabilityAlive(ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination)
    {
        FitRunner.CheckLengths(frequency.Length, recency.Length, age.Length, destination.Length);
        for (var i = 0; i < frequency.Length; i++)
        {
            BtydData.Validate(frequency[i], recency[i], age[i], i);
            destination[i] = Alive(R, Alpha, S, Beta, frequency[i], recency[i], age[i]);
        }
    }

    /// <inheritdoc />
    public void ConditionalExpectedPurchases(double t, ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination)
    {
        FitRunner.CheckLengths(frequency.Length, recency.Length, age.Length, destination.Length);
        FitRunner.CheckHorizon(t);
        for (var i = 0; i < frequency.Length; i++)
        {
            BtydData.Validate(frequency[i], recency[i], age[i], i);
            destination[i] = CondExpected(R, Alpha, S, Beta, t, frequency[i], recency[i], age[i]);
        }
    }

    /// <summary>ln A₀ of the Fader–Hardie note (the hypergeometric part), in the stable form chosen by α vs β.</summary>
    internal static double LogA0(double r, double alpha, double s, double beta, int x, double tx, double age)
    {
        double m, bb;
        if (alpha < beta)
        {
            m = beta;
            bb = r + x;
        }
        else
        {
            m = alpha;
            bb = s + 1.0;
        }

        var diff = Math.Abs(alpha - beta);
        var rsx = r + s + x;
        var q1 = m + tx;
        var q2 = m + age;
        var l1 = SpecialMath.LogHyp2F1(rsx, bb, rsx + 1.0, diff / q1) - (rsx * Math.Log(q1));
        var l2 = SpecialMath.LogHyp2F1(rsx, bb, rsx + 1.0, diff / q2) - (rsx * Math.Log(q2));
        return SpecialMath.LogSubExp(l1, l2);
    }

    internal static double Ll(double r, double alpha, double s, double beta, int x, double tx, double age)
    {
        var a1 = SpecialMath.GammaLn(r + x) - SpecialMath.GammaLn(r) + (r * Math.Log(alpha)) + (s * Math.Log(beta));
        var logA0 = LogA0(r, alpha, s, beta, x, tx, age);
        var a2 = SpecialMath.LogAddExp(
            (-(r + x) * Math.Log(alpha + age)) - (s * Math.Log(beta + age)),
            Math.Log(s) + logA0 - Math.Log(r + s + x));
        return a1 + a2;
    }

    private static double Total(BtydData data, double r, double alpha, double s, double beta)
    {
        var sum = 0.0;
        for (var i = 0; i < data.X.Length; i++)
        {
            sum += data.Weight[i] * Ll(r, alpha, s, beta, data.X[i], data.Tx[i], data.T[i]);
        }

        return sum;
    }

    private static double Alive(double r, double alpha, double s, double beta, int x, double tx, double age)
    {
        var logA0 = LogA0(r, alpha, s, beta, x, tx, age);
        return 1.0 / (1.0 + Math.Exp(Math.Log(s) - Math.Log(r + s + x) + ((r + x) * Math.Log(alpha + age)) + (s * Math.Log(beta + age)) + logA0));
    }

    /// <summary>
    /// The discounted sum of <see cref="CustomerLifetimeValue"/>, Σ_k (E[Y(k·u)] − E[Y((k−1)·u)])·f^k, with P(alive) (the hypergeometric
    /// part) computed once instead of once per period: each E[Y(k·u)] is the same expression as <see cref="ConditionalExpectedPurchases(double, int, double, double)"/>
    /// with the same P(alive), so the sum and E[Y(H·u)] are bit-identical to the per-period loop (issue 17). Inputs validated by the caller.
    /// </summary>
    internal double DiscountedPurchases(double step, double rate, int horizon, int x, double tx, double age, out double expectedAtHorizon)
    {
        var alive = Alive(R, Alpha, S, Beta, x, tx, age);
        var bt = Beta + age;
        var scale = (R + x) * bt / (Alpha + age);
        var factor = 1.0 / (1.0 + rate);
        double previous = 0.0, discount = 1.0, total = 0.0;
        for (var k = 1; k <= horizon; k++)
        {
            var t = k * step;
            var e = t == 0.0 ? 0.0 : scale * OneMinusPowOverSMinus1(S - 1.0, Math.Log(bt / (bt + t))) * alive;
            discount *= factor;
            total += (e - previous) * discount;
            previous = e;
        }

        expectedAtHorizon = previous;
        return total;
    }

    private static double CondExpected(double r, double alpha, double s, double beta, double t, int x, double tx, double age)
    {
        if (t == 0.0)
        {
            return 0.0;
        }

        var bt = beta + age;
        return (r + x) * bt / (alpha + age) * OneMinusPowOverSMinus1(s - 1.0, Math.Log(bt / (bt + t))) * Alive(r, alpha, s, beta, x, tx, age);
    }

    /// <summary>[1 − e^(k·L)] / k, with the k → 0 limit −L (L = log of a ratio ≤ 1).</summary>
    private static double OneMinusPowOverSMinus1(double k, double logRatio) =>
        Math.Abs(k) < 1e-12 ? -logRatio : -SpecialMath.ExpM1(k * logRatio) / k;
}
