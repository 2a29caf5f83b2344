namespace CemCore.Experiments.Statistics;

/// <summary>Variance used by the two-proportion z-test.</summary>
public enum ProportionVariance
{
    /// <summary>Pooled under H0: p̂(1−p̂)(1/n_t + 1/n_c) with p̂ = (x_t + x_c)/(n_t + n_c) (statsmodels <c>proportions_ztest(prop_var=False)</c>). The default.</summary>
    Pooled = 0,

    /// <summary>Unpooled (Wald): p_t(1−p_t)/n_t + p_c(1−p_c)/n_c (statsmodels <c>test_proportions_2indep(method='wald')</c>).</summary>
    Unpooled = 1,
}

/// <summary>Confidence interval method for one binomial proportion.</summary>
public enum ProportionIntervalMethod
{
    /// <summary>Wilson score interval (Wilson 1927). The default.</summary>
    Wilson = 0,

    /// <summary>Agresti-Coull: Wald interval around (x + z²/2)/(n + z²), clipped to [0, 1] (Agresti &amp; Coull 1998).</summary>
    AgrestiCoull = 1,

    /// <summary>Clopper-Pearson exact interval from beta quantiles (Clopper &amp; Pearson 1934); 0 and 1 at the boundaries.</summary>
    ClopperPearson = 2,

    /// <summary>Jeffreys interval: equal-tailed Beta(x + ½, n − x + ½) quantiles (Brown, Cai &amp; DasGupta 2001), as statsmodels 0.13.</summary>
    Jeffreys = 3,

    /// <summary>Normal approximation (Wald): p ± z√(p(1−p)/n), clipped to [0, 1].</summary>
    Normal = 4,
}

/// <summary>Confidence interval method for a difference of two proportions (treatment − control).</summary>
public enum DifferenceIntervalMethod
{
    /// <summary>Newcombe hybrid score interval from two Wilson intervals (Newcombe 1998, method 10). The default.</summary>
    NewcombeHybridScore = 0,

    /// <summary>Wald: d ± z√(p_t q_t/n_t + p_c q_c/n_c), not clipped.</summary>
    Wald = 1,

    /// <summary>Agresti-Caffo: Wald after adding one success and one failure to each arm (Agresti &amp; Caffo 2000).</summary>
    AgrestiCaffo = 2,
}

/// <summary>
/// Tests and intervals for binomial proportions (conversion rates). Every difference is treatment − control.
/// Reference: statsmodels 0.13.5 <c>statsmodels.stats.proportion</c> (matched to 1e-9 relative on the committed vectors).
/// </summary>
/// <remarks>All methods are pure and thread-safe. Counts are validated: successes in [0, trials], trials ≥ 0; otherwise
/// <see cref="ArgumentOutOfRangeException"/>. Data for which a statistic does not exist gives an undefined result with a reason.</remarks>
public static class Proportions
{
    /// <summary>
    /// Two-proportion z-test of H0: p_t = p_c. z = (p_t − p_c)/SE with the <paramref name="variance"/> convention;
    /// p-values from the normal survival function (erfc), accurate far below 1e-20.
    /// </summary>
    /// <param name="controlSuccesses">Control conversions (0 ≤ x ≤ n).</param>
    /// <param name="controlTrials">Control exposures.</param>
    /// <param name="treatmentSuccesses">Treatment conversions.</param>
    /// <param name="treatmentTrials">Treatment exposures.</param>
    /// <param name="alternative">The alternative (default two-sided).</param>
    /// <param name="variance">Pooled (default; statsmodels <c>proportions_ztest([x_t, x_c], [n_t, n_c], prop_var=False)</c>)
    /// or unpooled (statsmodels <c>test_proportions_2indep(x_t, n_t, x_c, n_c, method='wald', correction=False)</c>).</param>
    /// <returns>z, p-value; undefined when an arm is empty or the standard error is zero (e.g. 0% or 100% in both arms).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or successes exceed trials.</exception>
    public static TestResult ZTest(long controlSuccesses, long controlTrials, long treatmentSuccesses, long treatmentTrials,
        Alternative alternative = Alternative.TwoSided, ProportionVariance variance = ProportionVariance.Pooled)
    {
        Guard.Counts(controlSuccesses, controlTrials);
        Guard.Counts(treatmentSuccesses, treatmentTrials);
        if (controlTrials == 0 || treatmentTrials == 0)
        {
            return TestResult.Undefined("An arm has no exposures.", alternative);
        }

        double nc = controlTrials, nt = treatmentTrials;
        var pc = controlSuccesses / nc;
        var pt = treatmentSuccesses / nt;
        double se2;
        if (variance == ProportionVariance.Pooled)
        {
            var p = (controlSuccesses + (double)treatmentSuccesses) / (nc + nt);
            se2 = p * (1 - p) * ((1 / nt) + (1 / nc));
        }
        else
        {
            se2 = (pt * (1 - pt) / nt) + (pc * (1 - pc) / nc);
        }

        if (!(se2 > 0))
        {
            return TestResult.Undefined(variance == ProportionVariance.Pooled
                ? "The pooled conversion rate is 0% or 100%, so the standard error is zero."
                : "Both arms convert at 0% or 100%, so the standard error is zero.", alternative);
        }

        var z = (pt - pc) / Math.Sqrt(se2);
        return TestResult.Defined(z, StatMath.NormalPValue(z, alternative), double.PositiveInfinity, alternative);
    }

    /// <summary>
    /// Confidence interval for one proportion x/n (statsmodels <c>proportion_confint(count=x, nobs=n, alpha=1−confidence, method=…)</c>).
    /// </summary>
    /// <param name="successes">Successes x.</param>
    /// <param name="trials">Trials n.</param>
    /// <param name="confidence">Confidence level in (0, 1), default 0.95.</param>
    /// <param name="method">The method (default Wilson).</param>
    /// <returns>The interval; undefined when n = 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Bad counts or confidence.</exception>
    public static ConfidenceInterval Interval(long successes, long trials, double confidence = 0.95, ProportionIntervalMethod method = ProportionIntervalMethod.Wilson)
    {
        Guard.Counts(successes, trials);
        Guard.Confidence(confidence);
        if (trials == 0)
        {
            return ConfidenceInterval.Undefined("There are no trials.");
        }

        var alpha = 1 - confidence;
        double n = trials, x = successes;
        var q = x / n;
        var z = StatMath.NormalUpperQuantile(alpha / 2);
        switch (method)
        {
            case ProportionIntervalMethod.Normal:
            {
                var d = z * Math.Sqrt(q * (1 - q) / n);
                return new ConfidenceInterval(Math.Clamp(q - d, 0, 1), Math.Clamp(q + d, 0, 1));
            }

            case ProportionIntervalMethod.AgrestiCoull:
            {
                var nTilde = n + (z * z);
                var qTilde = (x + (z * z / 2)) / nTilde;
                var d = z * Math.Sqrt(qTilde * (1 - qTilde) / nTilde);
                return new ConfidenceInterval(Math.Clamp(qTilde - d, 0, 1), Math.Clamp(qTilde + d, 0, 1));
            }

            case ProportionIntervalMethod.ClopperPearson:
            {
                var lo = successes == 0 ? 0.0 : StatMath.BetaQuantile(alpha / 2, x, n - x + 1);
                var hi = successes == trials ? 1.0 : StatMath.BetaUpperQuantile(alpha / 2, x + 1, n - x);
                return new ConfidenceInterval(lo, hi);
            }

            case ProportionIntervalMethod.Jeffreys:
                return new ConfidenceInterval(StatMath.BetaQuantile(alpha / 2, x + 0.5, n - x + 0.5), StatMath.BetaUpperQuantile(alpha / 2, x + 0.5, n - x + 0.5));

            default:
                return Wilson(x, n, z);
        }
    }

    private static ConfidenceInterval Wilson(double x, double n, double z)
    {
        var q = x / n;
        var z2 = z * z;
        var denom = 1 + (z2 / n);
        var center = (q + (z2 / (2 * n))) / denom;
        var d = z * Math.Sqrt((q * (1 - q) / n) + (z2 / (4 * n * n))) / denom;
        return new ConfidenceInterval(center - d, center + d);
    }

    /// <summary>
    /// Confidence interval for the difference p_t − p_c
    /// (statsmodels <c>confint_proportions_2indep(x_t, n_t, x_c, n_c, method='newcomb'|'wald'|'agresti-caffo', compare='diff', alpha=1−confidence, correction=False)</c>).
    /// </summary>
    /// <param name="controlSuccesses">Control conversions.</param>
    /// <param name="controlTrials">Control exposures.</param>
    /// <param name="treatmentSuccesses">Treatment conversions.</param>
    /// <param name="treatmentTrials">Treatment exposures.</param>
    /// <param name="confidence">Confidence level in (0, 1), default 0.95.</param>
    /// <param name="method">The method (default Newcombe hybrid score).</param>
    /// <returns>The interval; undefined when an arm has no exposures.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Bad counts or confidence.</exception>
    public static ConfidenceInterval DifferenceInterval(long controlSuccesses, long controlTrials, long treatmentSuccesses, long treatmentTrials,
        double confidence = 0.95, DifferenceIntervalMethod method = DifferenceIntervalMethod.NewcombeHybridScore)
    {
        Guard.Counts(controlSuccesses, controlTrials);
        Guard.Counts(treatmentSuccesses, treatmentTrials);
        Guard.Confidence(confidence);
        if (controlTrials == 0 || treatmentTrials == 0)
        {
            return ConfidenceInterval.Undefined("An arm has no exposures.");
        }

        var z = StatMath.NormalUpperQuantile((1 - confidence) / 2);
        if (method == DifferenceIntervalMethod.NewcombeHybridScore)
        {
            double nt = treatmentTrials, nc = controlTrials;
            var pt = treatmentSuccesses / nt;
            var pc = controlSuccesses / nc;
            var wt = Wilson(treatmentSuccesses, nt, z);
            var wc = Wilson(controlSuccesses, nc, z);
            var d = pt - pc;
            var dLow = Math.Sqrt(Square(pt - wt.Lower) + Square(wc.Upper - pc));
            var dUp = Math.Sqrt(Square(pc - wc.Lower) + Square(wt.Upper - pt));
            return new ConfidenceInterval(d - dLow, d + dUp);
        }

        var add = method == DifferenceIntervalMethod.AgrestiCaffo ? 1.0 : 0.0;
        double xt = treatmentSuccesses + add, xc = controlSuccesses + add, mt = treatmentTrials + (2 * add), mc = controlTrials + (2 * add);
        var qt = xt / mt;
        var qc = xc / mc;
        var half = z * Math.Sqrt((qt * (1 - qt) / mt) + (qc * (1 - qc) / mc));
        return new ConfidenceInterval(qt - qc - half, qt - qc + half);
    }

    /// <summary>
    /// Relative lift r = p_t/p_c − 1 with a first-order delta-method interval:
    /// Var(r) ≈ Var(p_t)/p_c² + p_t²·Var(p_c)/p_c⁴, Var(p) = p(1−p)/n, interval r ± z_{1−α/2}√Var(r) (independent arms).
    /// </summary>
    /// <param name="controlSuccesses">Control conversions.</param>
    /// <param name="controlTrials">Control exposures.</param>
    /// <param name="treatmentSuccesses">Treatment conversions.</param>
    /// <param name="treatmentTrials">Treatment exposures.</param>
    /// <param name="confidence">Confidence level in (0, 1), default 0.95.</param>
    /// <returns>The lift estimate and interval; undefined when the control rate is 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Bad counts or confidence.</exception>
    public static LiftEstimate RelativeLift(long controlSuccesses, long controlTrials, long treatmentSuccesses, long treatmentTrials, double confidence = 0.95)
    {
        Guard.Counts(controlSuccesses, controlTrials);
        Guard.Counts(treatmentSuccesses, treatmentTrials);
        Guard.Confidence(confidence);
        if (controlTrials == 0 || treatmentTrials == 0)
        {
            return LiftEstimate.Undefined("An arm has no exposures.");
        }

        double nt = treatmentTrials, nc = controlTrials;
        var pt = treatmentSuccesses / nt;
        var pc = controlSuccesses / nc;
        return Lift.Relative(pc, pc * (1 - pc) / nc, pt, pt * (1 - pt) / nt, confidence);
    }

    private static double Square(double x) => x * x;
}
