namespace CemCore.Experiments.Statistics;

/// <summary>The CUPED-adjusted comparison of two arms.</summary>
/// <param name="Theta">θ = cov(y, x)/var(x), pooled over both arms.</param>
/// <param name="ControlAdjustedMean">ȳ_c − θ(x̄_c − x̄).</param>
/// <param name="TreatmentAdjustedMean">ȳ_t − θ(x̄_t − x̄).</param>
/// <param name="ControlVarianceOfMean">Var of the adjusted control mean: (s_y² − 2θ s_xy + θ² s_x²)/n_c (within-arm, n − 1).</param>
/// <param name="TreatmentVarianceOfMean">Same for the treatment.</param>
/// <param name="VarianceReduction">1 − (adjusted variance of the difference)/(unadjusted variance of the difference), in (−∞, 1].</param>
/// <param name="Test">z-test of the adjusted difference (treatment − control).</param>
/// <param name="Difference">The adjusted absolute difference with its normal confidence interval.</param>
public sealed record CupedResult(double Theta, double ControlAdjustedMean, double TreatmentAdjustedMean, double ControlVarianceOfMean,
    double TreatmentVarianceOfMean, double VarianceReduction, TestResult Test, LiftEstimate Difference);

/// <summary>
/// CUPED variance reduction (Deng, Xu, Kohavi &amp; Walker, "Improving the sensitivity of online controlled experiments by utilizing
/// pre-experiment data", WSDM 2013): y_cuped = y − θ(x − x̄) with θ = cov(y, x)/var(x) estimated on both arms pooled.
/// </summary>
/// <remarks>Pure and thread-safe. θ equals the OLS slope of y on x (statsmodels <c>OLS(y, add_constant(x))</c>); checked against numpy on raw data.</remarks>
public static class Cuped
{
    /// <summary>Computes the adjusted means, their variances and a z-test of the difference.</summary>
    /// <param name="control">Control sums (y = metric, x = pre-period covariate).</param>
    /// <param name="treatment">Treatment sums.</param>
    /// <param name="alternative">The alternative (default two-sided).</param>
    /// <param name="confidence">Confidence level of the difference interval.</param>
    /// <returns>The result; undefined test when an arm has fewer than 2 units, the covariate has no variance, or the adjusted variance is 0.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Bad confidence.</exception>
    public static CupedResult Compare(MetricSummary control, MetricSummary treatment, Alternative alternative = Alternative.TwoSided, double confidence = 0.95)
    {
        Guard.Confidence(confidence);
        if (control.Count < 2 || treatment.Count < 2)
        {
            return Undefined("Each arm needs at least 2 units.", alternative);
        }

        var pooled = control + treatment;
        var varX = pooled.CovariateVariance;
        if (!(varX > 0))
        {
            return Undefined("The pre-period covariate has no variance, so θ is undefined.", alternative);
        }

        var theta = pooled.Covariance / varX;
        var mx = pooled.CovariateMean;
        var mc = control.Mean - (theta * (control.CovariateMean - mx));
        var mt = treatment.Mean - (theta * (treatment.CovariateMean - mx));
        var vc = AdjustedVariance(control, theta) / control.Count;
        var vt = AdjustedVariance(treatment, theta) / treatment.Count;
        var raw = (control.Variance / control.Count) + (treatment.Variance / treatment.Count);
        var reduction = raw > 0 ? 1 - ((vc + vt) / raw) : 0;
        var se2 = vc + vt;
        var test = se2 > 0
            ? TestResult.Defined((mt - mc) / Math.Sqrt(se2), StatMath.NormalPValue((mt - mc) / Math.Sqrt(se2), alternative), double.PositiveInfinity, alternative)
            : TestResult.Undefined("The adjusted variance is zero.", alternative);
        return new CupedResult(theta, mc, mt, vc, vt, reduction, test, Lift.Absolute(mc, vc, mt, vt, confidence));
    }

    private static double AdjustedVariance(MetricSummary s, double theta) =>
        Math.Max(0, s.Variance - (2 * theta * s.Covariance) + (theta * theta * s.CovariateVariance));

    private static CupedResult Undefined(string reason, Alternative alternative) =>
        new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, TestResult.Undefined(reason, alternative), LiftEstimate.Undefined(reason));
}

/// <summary>The estimate of a ratio metric R = Σy/Σx and its delta-method variance.</summary>
/// <param name="Ratio">R = Σy/Σx.</param>
/// <param name="VarianceOfRatio">Var(R) ≈ (s_y² − 2R s_xy + R² s_x²)/(n x̄²).</param>
/// <param name="UndefinedReason">Why undefined, or <see langword="null"/>.</param>
public sealed record RatioEstimate(double Ratio, double VarianceOfRatio, string? UndefinedReason)
{
    /// <summary>Gets a value indicating whether the estimate is defined.</summary>
    public bool IsDefined => UndefinedReason is null;
}

/// <summary>
/// Ratio metrics (e.g. revenue per order, where the unit of randomization is the customer) via the delta method
/// (Deng, Knoblich &amp; Lu, "Applying the delta method in metric analytics", KDD 2018, eq. 4).
/// </summary>
/// <remarks>Accumulate y = numerator and x = denominator per customer (<see cref="MetricAccumulator.Add(int, double, double)"/>). Pure and thread-safe.</remarks>
public static class RatioMetric
{
    /// <summary>Estimates R = Σy/Σx with its delta-method variance.</summary>
    /// <param name="summary">The per-unit sums (y = numerator, x = denominator).</param>
    /// <returns>The estimate; undefined when n &lt; 2 or Σx = 0.</returns>
    public static RatioEstimate Estimate(MetricSummary summary)
    {
        if (summary.Count < 2)
        {
            return new RatioEstimate(double.NaN, double.NaN, "At least 2 units are needed.");
        }

        if (summary.CovariateSum == 0)
        {
            return new RatioEstimate(double.NaN, double.NaN, "The denominator sums to zero.");
        }

        var r = summary.Sum / summary.CovariateSum;
        var mx = summary.CovariateMean;
        var v = (summary.Variance - (2 * r * summary.Covariance) + (r * r * summary.CovariateVariance)) / (summary.Count * mx * mx);
        return new RatioEstimate(r, Math.Max(0, v), null);
    }

    /// <summary>Compares the ratio metric between arms: z-test and absolute difference interval (delta method, independent arms).</summary>
    /// <param name="control">Control sums.</param>
    /// <param name="treatment">Treatment sums.</param>
    /// <param name="alternative">The alternative.</param>
    /// <param name="confidence">Confidence level.</param>
    /// <returns>The test and the absolute difference.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Bad confidence.</exception>
    public static (TestResult Test, LiftEstimate Difference, LiftEstimate RelativeLift) Compare(MetricSummary control, MetricSummary treatment, Alternative alternative = Alternative.TwoSided, double confidence = 0.95)
    {
        Guard.Confidence(confidence);
        var c = Estimate(control);
        var t = Estimate(treatment);
        if (!c.IsDefined || !t.IsDefined)
        {
            var reason = c.UndefinedReason ?? t.UndefinedReason!;
            return (TestResult.Undefined(reason, alternative), LiftEstimate.Undefined(reason), LiftEstimate.Undefined(reason));
        }

        var se2 = c.VarianceOfRatio + t.VarianceOfRatio;
        var test = se2 > 0
            ? TestResult.Defined((t.Ratio - c.Ratio) / Math.Sqrt(se2), StatMath.NormalPValue((t.Ratio - c.Ratio) / Math.Sqrt(se2), alternative), double.PositiveInfinity, alternative)
            : TestResult.Undefined("Both ratios have zero variance.", alternative);
        return (test, Lift.Absolute(c.Ratio, c.VarianceOfRatio, t.Ratio, t.VarianceOfRatio, confidence),
            Lift.Relative(c.Ratio, c.VarianceOfRatio, t.Ratio, t.VarianceOfRatio, confidence));
    }
}
