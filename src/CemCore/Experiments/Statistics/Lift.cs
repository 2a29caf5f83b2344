namespace CemCore.Experiments.Statistics;

/// <summary>An estimated effect (absolute or relative) with its confidence interval, or an undefined estimate with a reason.</summary>
/// <remarks>Immutable; value equality. When undefined, <see cref="Estimate"/> is NaN and <see cref="Interval"/> is undefined.</remarks>
public sealed record LiftEstimate
{
    /// <summary>Creates a defined estimate.</summary>
    /// <param name="estimate">The point estimate.</param>
    /// <param name="interval">The confidence interval.</param>
    public LiftEstimate(double estimate, ConfidenceInterval interval)
    {
        Estimate = estimate;
        Interval = interval;
    }

    private LiftEstimate(string reason)
    {
        Estimate = double.NaN;
        Interval = ConfidenceInterval.Undefined(reason);
        UndefinedReason = reason;
    }

    /// <summary>Gets the point estimate (a difference, or a relative lift as a fraction: 0.05 = +5%).</summary>
    public double Estimate { get; }

    /// <summary>Gets the confidence interval of the estimate.</summary>
    public ConfidenceInterval Interval { get; }

    /// <summary>Gets why the estimate is undefined, or <see langword="null"/>.</summary>
    public string? UndefinedReason { get; }

    /// <summary>Gets a value indicating whether the estimate is defined.</summary>
    public bool IsDefined => UndefinedReason is null;

    /// <summary>Creates an undefined estimate.</summary>
    /// <param name="reason">Why.</param>
    /// <returns>The estimate.</returns>
    public static LiftEstimate Undefined(string reason) => new(reason);
}

/// <summary>Absolute and relative lift between two independent estimated means (proportions are means of 0/1 outcomes).</summary>
public static class Lift
{
    /// <summary>
    /// Absolute lift d = m_t − m_c with the normal interval d ± z_{1−α/2}√(v_t + v_c).
    /// </summary>
    /// <param name="controlMean">Control mean m_c.</param>
    /// <param name="controlVarianceOfMean">Variance of the control mean v_c (s²/n), ≥ 0.</param>
    /// <param name="treatmentMean">Treatment mean m_t.</param>
    /// <param name="treatmentVarianceOfMean">Variance of the treatment mean v_t, ≥ 0.</param>
    /// <param name="confidence">Confidence level in (0, 1).</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentOutOfRangeException">NaN/infinite input, negative variance or bad confidence.</exception>
    public static LiftEstimate Absolute(double controlMean, double controlVarianceOfMean, double treatmentMean, double treatmentVarianceOfMean, double confidence = 0.95)
    {
        Guard.Finite(controlMean);
        Guard.Finite(treatmentMean);
        Guard.NonNegative(controlVarianceOfMean);
        Guard.NonNegative(treatmentVarianceOfMean);
        Guard.Confidence(confidence);
        var z = StatMath.NormalUpperQuantile((1 - confidence) / 2);
        var d = treatmentMean - controlMean;
        var half = z * Math.Sqrt(controlVarianceOfMean + treatmentVarianceOfMean);
        return new LiftEstimate(d, new ConfidenceInterval(d - half, d + half));
    }

    /// <summary>
    /// Relative lift r = m_t/m_c − 1 with the first-order delta-method interval
    /// Var(r) ≈ v_t/m_c² + m_t²·v_c/m_c⁴ (independent arms), r ± z_{1−α/2}√Var(r).
    /// </summary>
    /// <param name="controlMean">Control mean m_c.</param>
    /// <param name="controlVarianceOfMean">Variance of the control mean v_c, ≥ 0.</param>
    /// <param name="treatmentMean">Treatment mean m_t.</param>
    /// <param name="treatmentVarianceOfMean">Variance of the treatment mean v_t, ≥ 0.</param>
    /// <param name="confidence">Confidence level in (0, 1).</param>
    /// <returns>The estimate; undefined when the control mean is 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">NaN/infinite input, negative variance or bad confidence.</exception>
    public static LiftEstimate Relative(double controlMean, double controlVarianceOfMean, double treatmentMean, double treatmentVarianceOfMean, double confidence = 0.95)
    {
        Guard.Finite(controlMean);
        Guard.Finite(treatmentMean);
        Guard.NonNegative(controlVarianceOfMean);
        Guard.NonNegative(treatmentVarianceOfMean);
        Guard.Confidence(confidence);
        if (controlMean == 0)
        {
            return LiftEstimate.Undefined("The control mean is zero, so a relative lift does not exist.");
        }

        var z = StatMath.NormalUpperQuantile((1 - confidence) / 2);
        var r = (treatmentMean / controlMean) - 1;
        var mc2 = controlMean * controlMean;
        var variance = (treatmentVarianceOfMean / mc2) + (treatmentMean * treatmentMean * controlVarianceOfMean / (mc2 * mc2));
        var half = z * Math.Sqrt(variance);
        return new LiftEstimate(r, new ConfidenceInterval(r - half, r + half));
    }
}
