namespace CemCore.Experiments.Statistics;

/// <summary>A normal prior N(mean, sd²) for an arm's mean (for example revenue per user).</summary>
/// <remarks>Immutable; value equality. <see cref="Flat"/> (sd = +∞) is the improper uniform prior and the default.</remarks>
public sealed record NormalPrior
{
    /// <summary>Creates a prior.</summary>
    /// <param name="mean">The prior mean (finite).</param>
    /// <param name="standardDeviation">The prior standard deviation, &gt; 0 (+∞ for a flat prior).</param>
    /// <exception cref="ArgumentOutOfRangeException">The mean is not finite or the standard deviation is not &gt; 0.</exception>
    public NormalPrior(double mean, double standardDeviation)
    {
        Mean = Guard.Finite(mean);
        if (!(standardDeviation > 0))
        {
            Guard.Throw(nameof(standardDeviation), standardDeviation, "must be > 0 (+∞ for a flat prior)");
        }

        StandardDeviation = standardDeviation;
    }

    /// <summary>Gets the flat (improper uniform) prior: the posterior is N(x̄, s²/n).</summary>
    public static NormalPrior Flat { get; } = new(0, double.PositiveInfinity);

    /// <summary>Gets the prior mean.</summary>
    public double Mean { get; }

    /// <summary>Gets the prior standard deviation (+∞ for <see cref="Flat"/>).</summary>
    public double StandardDeviation { get; }
}

/// <summary>The normal–normal Bayesian comparison of two means.</summary>
/// <param name="ControlPosteriorMean">Posterior mean of μ_c.</param>
/// <param name="ControlPosteriorStandardDeviation">Posterior standard deviation of μ_c.</param>
/// <param name="TreatmentPosteriorMean">Posterior mean of μ_t.</param>
/// <param name="TreatmentPosteriorStandardDeviation">Posterior standard deviation of μ_t.</param>
/// <param name="DifferenceMean">Posterior mean of μ_t − μ_c.</param>
/// <param name="DifferenceStandardDeviation">Posterior standard deviation of μ_t − μ_c.</param>
/// <param name="DifferenceCredibleInterval">Equal-tailed credible interval of μ_t − μ_c.</param>
/// <param name="ProbabilityTreatmentBetter">P(μ_t &gt; μ_c | data).</param>
/// <param name="ExpectedLossTreatment">E[max(μ_c − μ_t, 0)]: the mean expected to be lost by shipping the treatment.</param>
/// <param name="ExpectedLossControl">E[max(μ_t − μ_c, 0)]: the mean expected to be lost by keeping the control.</param>
public sealed record NormalMeansComparison(
    double ControlPosteriorMean,
    double ControlPosteriorStandardDeviation,
    double TreatmentPosteriorMean,
    double TreatmentPosteriorStandardDeviation,
    double DifferenceMean,
    double DifferenceStandardDeviation,
    ConfidenceInterval DifferenceCredibleInterval,
    double ProbabilityTreatmentBetter,
    double ExpectedLossTreatment,
    double ExpectedLossControl);

/// <summary>
/// Bayesian comparison of two means (revenue per user, order value) with independent normal priors and a normal likelihood for
/// each arm's sample mean, x̄ ~ N(μ, s²/n) with the sample standard deviation s plugged in (the large-sample model used by
/// GrowthBook and Stucchio 2015, "Bayesian A/B testing at VWO", for continuous metrics).
/// </summary>
/// <remarks>
/// <para>Posterior of each arm: precision τ = 1/s₀² + n/s², mean (m₀/s₀² + n x̄/s²)/τ. The difference D = μ_t − μ_c is
/// N(Δ, V) with V the sum of the posterior variances, so P(D &gt; 0) = Φ(Δ/√V) and the expected losses are
/// E[max(−D, 0)] = √V φ(Δ/√V) − Δ Φ(−Δ/√V) and E[max(D, 0)] = √V φ(Δ/√V) + Δ Φ(Δ/√V) (closed forms; the reference script
/// checks them by numerical integration with scipy).</para>
/// <para>Pure and thread-safe.</para>
/// </remarks>
public static class NormalMeans
{
    /// <summary>Compares two arms from their summaries.</summary>
    /// <param name="controlMean">Control sample mean.</param>
    /// <param name="controlStandardDeviation">Control sample standard deviation, &gt; 0.</param>
    /// <param name="controlCount">Control sample size, ≥ 2.</param>
    /// <param name="treatmentMean">Treatment sample mean.</param>
    /// <param name="treatmentStandardDeviation">Treatment sample standard deviation, &gt; 0.</param>
    /// <param name="treatmentCount">Treatment sample size, ≥ 2.</param>
    /// <param name="prior">The prior of each arm's mean; <see langword="null"/> for <see cref="NormalPrior.Flat"/>.</param>
    /// <param name="credibility">Credibility of the interval, in (0, 1), default 0.95.</param>
    /// <returns>The posteriors, P(treatment better), the expected losses and the credible interval of the difference.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public static NormalMeansComparison Compare(double controlMean, double controlStandardDeviation, long controlCount,
        double treatmentMean, double treatmentStandardDeviation, long treatmentCount, NormalPrior? prior = null, double credibility = 0.95)
    {
        prior ??= NormalPrior.Flat;
        Guard.Confidence(credibility);
        var (mc, vc) = Posterior(controlMean, controlStandardDeviation, controlCount, prior);
        var (mt, vt) = Posterior(treatmentMean, treatmentStandardDeviation, treatmentCount, prior);
        var delta = mt - mc;
        var sd = Math.Sqrt(vc + vt);
        var z = delta / sd;
        var density = Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
        var half = StatMath.NormalUpperQuantile((1 - credibility) / 2) * sd;
        return new NormalMeansComparison(
            mc,
            Math.Sqrt(vc),
            mt,
            Math.Sqrt(vt),
            delta,
            sd,
            new ConfidenceInterval(delta - half, delta + half),
            StatMath.NormalCdf(z),
            (sd * density) - (delta * StatMath.NormalCdf(-z)),
            (sd * density) + (delta * StatMath.NormalCdf(z)));
    }

    private static (double Mean, double Variance) Posterior(double mean, double sd, long n, NormalPrior prior)
    {
        Guard.Finite(mean);
        Guard.Positive(sd);
        if (n < 2)
        {
            Guard.Throw(nameof(n), n, "must be at least 2 observations per arm");
        }

        var likelihoodPrecision = n / (sd * sd);
        var priorPrecision = 1 / (prior.StandardDeviation * prior.StandardDeviation);
        var precision = likelihoodPrecision + priorPrecision;
        return (((prior.Mean * priorPrecision) + (mean * likelihoodPrecision)) / precision, 1 / precision);
    }
}
