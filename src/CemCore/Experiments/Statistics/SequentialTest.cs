namespace CemCore.Experiments.Statistics;

/// <summary>The always-valid result of a mixture sequential probability ratio test (mSPRT).</summary>
/// <param name="Difference">The observed difference of means (treatment − control).</param>
/// <param name="LogLikelihoodRatio">ln Λ, the log mixture likelihood ratio against H0: difference = 0.</param>
/// <param name="PValue">The always-valid p-value min(1, 1/Λ) at this look. Take the running minimum over looks (<see cref="SequentialTest.RunningPValue"/>).</param>
/// <param name="ConfidenceSequence">The always-valid (1 − α) confidence interval for the difference at this look; intersect over looks for the running interval.</param>
/// <param name="UndefinedReason">Why the test is undefined (zero variance), or <see langword="null"/>.</param>
public sealed record SequentialTestResult(double Difference, double LogLikelihoodRatio, double PValue, ConfidenceInterval ConfidenceSequence, string? UndefinedReason)
{
    /// <summary>Gets a value indicating whether the result is defined.</summary>
    public bool IsDefined => UndefinedReason is null;
}

/// <summary>
/// Sequential testing that stays valid under continuous peeking: the normal-mixture mSPRT of Johari, Koomen, Pekelis &amp; Walsh
/// ("Always valid inference", Operations Research 70(3), 2022; KDD 2017 "Peeking at A/B tests"), as used by Optimizely.
/// </summary>
/// <remarks>
/// With the observed difference d, its variance v = σ_t²/n_t + σ_c²/n_c and a N(0, τ²) mixing distribution on the true difference,
/// Λ = √(v/(v+τ²))·exp(τ²d²/(2v(v+τ²))). The always-valid p-value is min(1, 1/Λ) (its running minimum over looks is the reported
/// p-value) and the confidence sequence is d ± √(v(v+τ²)/τ²·(2 ln(1/α) + ln((v+τ²)/v))).
/// <para><b>Mixing parameter τ</b> (standard deviation of the effect under the alternative, in the metric's units): the test is most
/// powerful for effects near τ. A practical choice is the smallest effect of business interest, e.g. 0.01 for a one-point change in
/// a conversion rate; a too-large τ costs little power early, a too-small τ delays detection of large effects.
/// Type-I error is at most α for any τ and any stopping rule. Pure and thread-safe.</para>
/// </remarks>
public static class SequentialTest
{
    /// <summary>Evaluates the mSPRT at one look from the arm summaries.</summary>
    /// <param name="difference">Observed difference of means d (treatment − control).</param>
    /// <param name="controlVariance">Per-unit variance σ_c² of the control (≥ 0).</param>
    /// <param name="controlCount">Control units (≥ 1).</param>
    /// <param name="treatmentVariance">Per-unit variance σ_t² of the treatment (≥ 0).</param>
    /// <param name="treatmentCount">Treatment units (≥ 1).</param>
    /// <param name="tau">Mixing standard deviation τ &gt; 0.</param>
    /// <param name="alpha">Significance level in (0, 1), default 0.05.</param>
    /// <returns>The result; undefined when both variances are zero.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static SequentialTestResult Evaluate(double difference, double controlVariance, long controlCount, double treatmentVariance, long treatmentCount, double tau, double alpha = 0.05)
    {
        Guard.Finite(difference);
        Guard.NonNegative(controlVariance);
        Guard.NonNegative(treatmentVariance);
        ArgumentOutOfRangeException.ThrowIfLessThan(controlCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(treatmentCount, 1);
        Guard.Positive(tau);
        Guard.Alpha(alpha);
        var v = (treatmentVariance / treatmentCount) + (controlVariance / controlCount);
        if (!(v > 0))
        {
            return new SequentialTestResult(difference, double.NaN, double.NaN, ConfidenceInterval.Undefined("Zero variance."), "Both arms have zero variance.");
        }

        var t2 = tau * tau;
        var logLambda = (0.5 * Math.Log(v / (v + t2))) + (t2 * difference * difference / (2 * v * (v + t2)));
        var p = Math.Min(1.0, Math.Exp(-logLambda));
        var half = Math.Sqrt(v * (v + t2) / t2 * ((2 * Math.Log(1 / alpha)) + Math.Log((v + t2) / v)));
        return new SequentialTestResult(difference, logLambda, p, new ConfidenceInterval(difference - half, difference + half), null);
    }

    /// <summary>mSPRT for two proportions at one look, with per-unit Bernoulli variances p(1 − p) of each arm.</summary>
    /// <param name="controlSuccesses">Control conversions.</param>
    /// <param name="controlTrials">Control exposures (≥ 1).</param>
    /// <param name="treatmentSuccesses">Treatment conversions.</param>
    /// <param name="treatmentTrials">Treatment exposures (≥ 1).</param>
    /// <param name="tau">Mixing standard deviation τ &gt; 0 (in conversion-rate units).</param>
    /// <param name="alpha">Significance level.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static SequentialTestResult EvaluateProportions(long controlSuccesses, long controlTrials, long treatmentSuccesses, long treatmentTrials, double tau, double alpha = 0.05)
    {
        Guard.Counts(controlSuccesses, controlTrials);
        Guard.Counts(treatmentSuccesses, treatmentTrials);
        ArgumentOutOfRangeException.ThrowIfLessThan(controlTrials, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(treatmentTrials, 1);
        var pc = controlSuccesses / (double)controlTrials;
        var pt = treatmentSuccesses / (double)treatmentTrials;
        return Evaluate(pt - pc, pc * (1 - pc), controlTrials, pt * (1 - pt), treatmentTrials, tau, alpha);
    }

    /// <summary>The running always-valid p-value: min over looks of each look's p-value (undefined looks are skipped).</summary>
    /// <param name="looks">The results in time order.</param>
    /// <returns>The running minimum (1 when no look is defined).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="looks"/> is null.</exception>
    public static double RunningPValue(IEnumerable<SequentialTestResult> looks)
    {
        ArgumentNullException.ThrowIfNull(looks);
        var p = 1.0;
        foreach (var look in looks)
        {
            if (look.IsDefined)
            {
                p = Math.Min(p, look.PValue);
            }
        }

        return p;
    }
}
