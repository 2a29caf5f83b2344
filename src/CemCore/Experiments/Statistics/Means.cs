namespace CemCore.Experiments.Statistics;

/// <summary>
/// Tests for differences of means (continuous metrics such as revenue per customer). Every difference is treatment − control.
/// Reference: scipy 1.10 <c>scipy.stats.ttest_ind_from_stats</c> / <c>ttest_ind</c> with <c>equal_var=False</c>.
/// </summary>
/// <remarks>Pure and thread-safe. Standard deviations are sample standard deviations (n − 1 denominator).</remarks>
public static class Means
{
    /// <summary>
    /// Welch's unequal-variance t-test from summary statistics: t = (m_t − m_c)/√(s_t²/n_t + s_c²/n_c) with
    /// Welch-Satterthwaite degrees of freedom df = (v_t + v_c)² / (v_t²/(n_t−1) + v_c²/(n_c−1)), v = s²/n (Welch 1947).
    /// Matches <c>scipy.stats.ttest_ind_from_stats(m_t, s_t, n_t, m_c, s_c, n_c, equal_var=False, alternative=…)</c>.
    /// </summary>
    /// <param name="controlMean">Control mean.</param>
    /// <param name="controlStandardDeviation">Control sample standard deviation (n − 1), ≥ 0.</param>
    /// <param name="controlCount">Control sample size.</param>
    /// <param name="treatmentMean">Treatment mean.</param>
    /// <param name="treatmentStandardDeviation">Treatment sample standard deviation, ≥ 0.</param>
    /// <param name="treatmentCount">Treatment sample size.</param>
    /// <param name="alternative">The alternative (default two-sided).</param>
    /// <returns>t, df and p-value; undefined when an arm has fewer than 2 observations or both standard deviations are 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">NaN/infinite means, negative standard deviations or counts.</exception>
    public static TestResult WelchTTest(double controlMean, double controlStandardDeviation, long controlCount,
        double treatmentMean, double treatmentStandardDeviation, long treatmentCount, Alternative alternative = Alternative.TwoSided)
    {
        CheckSummaries(controlMean, controlStandardDeviation, controlCount, treatmentMean, treatmentStandardDeviation, treatmentCount);
        if (controlCount < 2 || treatmentCount < 2)
        {
            return TestResult.Undefined("Each arm needs at least 2 observations for a sample variance.", alternative);
        }

        return Welch(treatmentMean - controlMean, controlStandardDeviation * controlStandardDeviation, controlCount,
            treatmentStandardDeviation * treatmentStandardDeviation, treatmentCount, alternative);
    }

    /// <summary>
    /// Welch's t-test from raw samples (two-pass mean and n − 1 variance).
    /// Matches <c>scipy.stats.ttest_ind(treatment, control, equal_var=False, alternative=…)</c>.
    /// </summary>
    /// <param name="control">Control observations (finite).</param>
    /// <param name="treatment">Treatment observations (finite).</param>
    /// <param name="alternative">The alternative (default two-sided).</param>
    /// <returns>t, df and p-value; undefined as for <see cref="WelchTTest"/>.</returns>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static TestResult WelchTTestFromSamples(ReadOnlySpan<double> control, ReadOnlySpan<double> treatment, Alternative alternative = Alternative.TwoSided)
    {
        var (mc, vc) = MeanVariance(control, nameof(control));
        var (mt, vt) = MeanVariance(treatment, nameof(treatment));
        if (control.Length < 2 || treatment.Length < 2)
        {
            return TestResult.Undefined("Each arm needs at least 2 observations for a sample variance.", alternative);
        }

        return Welch(mt - mc, vc, control.Length, vt, treatment.Length, alternative);
    }

    /// <summary>
    /// Student's two-sample t-test with pooled variance: s_p² = ((n_c−1)s_c² + (n_t−1)s_t²)/(n_c+n_t−2),
    /// t = (m_t − m_c)/(s_p √(1/n_c + 1/n_t)), df = n_c + n_t − 2. Assumes equal variances; prefer <see cref="WelchTTest"/> unless
    /// the design guarantees them. Matches <c>scipy.stats.ttest_ind_from_stats(m_t, s_t, n_t, m_c, s_c, n_c, equal_var=True, alternative=…)</c>.
    /// </summary>
    /// <param name="controlMean">Control mean.</param>
    /// <param name="controlStandardDeviation">Control sample standard deviation (n − 1), ≥ 0.</param>
    /// <param name="controlCount">Control sample size.</param>
    /// <param name="treatmentMean">Treatment mean.</param>
    /// <param name="treatmentStandardDeviation">Treatment sample standard deviation, ≥ 0.</param>
    /// <param name="treatmentCount">Treatment sample size.</param>
    /// <param name="alternative">The alternative (default two-sided).</param>
    /// <returns>t, df and p-value; undefined when an arm is empty, the two arms hold fewer than 3 observations, or the pooled
    /// standard deviation is 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">NaN/infinite means, negative standard deviations or counts.</exception>
    public static TestResult StudentTTest(double controlMean, double controlStandardDeviation, long controlCount,
        double treatmentMean, double treatmentStandardDeviation, long treatmentCount, Alternative alternative = Alternative.TwoSided)
    {
        CheckSummaries(controlMean, controlStandardDeviation, controlCount, treatmentMean, treatmentStandardDeviation, treatmentCount);
        return Pooled(treatmentMean - controlMean, controlStandardDeviation * controlStandardDeviation, controlCount,
            treatmentStandardDeviation * treatmentStandardDeviation, treatmentCount, alternative);
    }

    /// <summary>Student's pooled t-test from raw samples. Matches <c>scipy.stats.ttest_ind(treatment, control, equal_var=True, alternative=…)</c>.</summary>
    /// <param name="control">Control observations (finite).</param>
    /// <param name="treatment">Treatment observations (finite).</param>
    /// <param name="alternative">The alternative (default two-sided).</param>
    /// <returns>t, df and p-value; undefined as for <see cref="StudentTTest"/>.</returns>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static TestResult StudentTTestFromSamples(ReadOnlySpan<double> control, ReadOnlySpan<double> treatment, Alternative alternative = Alternative.TwoSided)
    {
        var (mc, vc) = MeanVariance(control, nameof(control));
        var (mt, vt) = MeanVariance(treatment, nameof(treatment));
        return Pooled(mt - mc, vc, control.Length, vt, treatment.Length, alternative);
    }

    private static void CheckSummaries(double controlMean, double controlStandardDeviation, long controlCount,
        double treatmentMean, double treatmentStandardDeviation, long treatmentCount)
    {
        Guard.Finite(controlMean);
        Guard.Finite(treatmentMean);
        Guard.NonNegative(controlStandardDeviation);
        Guard.NonNegative(treatmentStandardDeviation);
        ArgumentOutOfRangeException.ThrowIfNegative(controlCount);
        ArgumentOutOfRangeException.ThrowIfNegative(treatmentCount);
    }

    private static TestResult Pooled(double difference, double controlVariance, double controlCount, double treatmentVariance, double treatmentCount, Alternative alternative)
    {
        if (controlCount < 1 || treatmentCount < 1 || controlCount + treatmentCount < 3)
        {
            return TestResult.Undefined("The pooled t-test needs at least 1 observation per arm and 3 in total.", alternative);
        }

        var df = controlCount + treatmentCount - 2;
        var pooled = (((controlCount - 1) * controlVariance) + ((treatmentCount - 1) * treatmentVariance)) / df;
        var se2 = pooled * ((1 / controlCount) + (1 / treatmentCount));
        if (!(se2 > 0))
        {
            return TestResult.Undefined("The pooled variance is zero, so the standard error is zero.", alternative);
        }

        var t = difference / Math.Sqrt(se2);
        return TestResult.Defined(t, StatMath.StudentTPValue(t, df, alternative), df, alternative);
    }

    internal static TestResult Welch(double difference, double controlVariance, double controlCount, double treatmentVariance, double treatmentCount, Alternative alternative)
    {
        var vc = controlVariance / controlCount;
        var vt = treatmentVariance / treatmentCount;
        var se2 = vc + vt;
        if (!(se2 > 0))
        {
            return TestResult.Undefined("Both arms have zero variance, so the standard error is zero.", alternative);
        }

        var df = se2 * se2 / ((vt * vt / (treatmentCount - 1)) + (vc * vc / (controlCount - 1)));
        var t = difference / Math.Sqrt(se2);
        return TestResult.Defined(t, StatMath.StudentTPValue(t, df, alternative), df, alternative);
    }

    /// <summary>Two-pass mean and sample variance (n − 1); variance 0 for fewer than two values.</summary>
    internal static (double Mean, double Variance) MeanVariance(ReadOnlySpan<double> values, string name)
    {
        // Stryker disable once Block : equivalent: both callers return Undefined for an empty arm (Welch needs 2 rows, pooled 1 per arm)
        // before the variance (NaN here, 0.0 without this return) is used.
        if (values.IsEmpty)
        {
            return (double.NaN, double.NaN);
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException($"{name} contains a value that is NaN or infinite ({v}).", name);
            }

            sum += v;
        }

        var mean = sum / values.Length;
        var ss = 0.0;
        foreach (var v in values)
        {
            ss += (v - mean) * (v - mean);
        }

        return (mean, values.Length > 1 ? ss / (values.Length - 1) : 0.0);
    }
}
