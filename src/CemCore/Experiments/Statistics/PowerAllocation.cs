using System.Globalization;
using MathNet.Numerics.RootFinding;

namespace CemCore.Experiments.Statistics;

/// <summary>How the power of a test of two means is computed.</summary>
public enum MeansPowerMethod
{
    /// <summary>Normal (z) approximation: statsmodels <c>NormalIndPower</c>; sample sizes from the one-tail closed form.</summary>
    Normal = 0,

    /// <summary>Exact power of the pooled two-sample t-test from the noncentral t distribution with n_c + n_t − 2 degrees of
    /// freedom and noncentrality δ/σ·√(n_c n_t/(n_c + n_t)): statsmodels <c>TTestIndPower</c>; sample sizes solve power = target.</summary>
    StudentT = 1,
}

/// <summary>Design settings of a two-arm power or sample-size computation.</summary>
/// <remarks>Immutable; checked on construction.</remarks>
public sealed record PowerDesign
{
    /// <summary>The default design: α = 0.05 two-sided, power 0.8, equal allocation.</summary>
    public static readonly PowerDesign Default = new();

    /// <summary>Creates a design.</summary>
    /// <param name="alpha">Significance level in (0, 1) (split over both tails for a two-sided test).</param>
    /// <param name="power">Target power 1 − β in (0, 1) (ignored by the power functions).</param>
    /// <param name="ratio">Allocation ratio n_treatment / n_control, finite and &gt; 0 (1 = equal groups; 2 = two treatment units per control unit).</param>
    /// <param name="alternative">The alternative on treatment − control. A one-sided design assumes the effect lies on its side.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public PowerDesign(double alpha = 0.05, double power = 0.8, double ratio = 1.0, Alternative alternative = Alternative.TwoSided)
    {
        Alpha = Guard.Alpha(alpha);
        Power = Guard.OpenProbability(power);
        Ratio = Guard.Positive(ratio);
        if (!Enum.IsDefined(alternative))
        {
            throw new ArgumentOutOfRangeException(nameof(alternative), alternative, $"alternative must be TwoSided, Greater or Less but was {(int)alternative}.");
        }

        Alternative = alternative;
    }

    /// <summary>Gets the significance level.</summary>
    public double Alpha { get; }

    /// <summary>Gets the target power.</summary>
    public double Power { get; }

    /// <summary>Gets the allocation ratio n_treatment / n_control.</summary>
    public double Ratio { get; }

    /// <summary>Gets the alternative.</summary>
    public Alternative Alternative { get; }

    /// <summary>The critical level of one tail: α/2 two-sided, α one-sided.</summary>
    internal double TailAlpha => Alternative == Alternative.TwoSided ? Alpha / 2 : Alpha;
}

/// <summary>Required sample sizes of the two arms.</summary>
/// <param name="ExactControl">The real-valued control size the formula gives.</param>
/// <param name="Control">The control size rounded up.</param>
/// <param name="ExactTreatment">ExactControl × ratio.</param>
/// <param name="Treatment">The treatment size rounded up.</param>
public sealed record ArmSampleSizes(double ExactControl, long Control, double ExactTreatment, long Treatment)
{
    /// <summary>Gets the total of both arms (rounded sizes).</summary>
    public long Total => Control + Treatment;
}

/// <summary>
/// Power and sample size of two-arm tests with unequal allocation (ratio n_treatment/n_control), one- or two-sided alternatives and,
/// for means, z or noncentral-t power. <see cref="PowerAnalysis"/> keeps the equal-allocation two-sided shortcuts.
/// </summary>
/// <remarks>Pure and thread-safe. Effects are absolute (treatment − control); the baseline is the control rate.</remarks>
public static class TwoArmPower
{
    /// <summary>
    /// Sample sizes to detect an absolute change in a conversion rate with allocation ratio r = n_t/n_c and a one- or two-sided
    /// test (pooled variance under H0, unpooled under H1; one-tail formula): with k = 1/r,
    /// n_t = (z_{1−α'}·√(p̄q̄(1+k)) + z_{1−β}·√(p_t q_t + p_c q_c k))² / δ², p̄ = (p_t + k p_c)/(1 + k), α' = α/2 two-sided.
    /// Matches statsmodels <c>samplesize_proportions_2indep_onetail(δ, prop2=p_c, power, ratio=1/r, alpha, alternative)</c> (its
    /// nobs1 is our treatment arm).
    /// </summary>
    /// <param name="baseline">Control rate p_c in (0, 1).</param>
    /// <param name="minimumDetectableEffect">δ = p_t − p_c ≠ 0, p_t in (0, 1); positive for <see cref="Alternative.Greater"/>, negative for <see cref="Alternative.Less"/>.</param>
    /// <param name="design">α, power, ratio, alternative.</param>
    /// <returns>The sizes of both arms.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range, or the effect lies against a one-sided alternative.</exception>
    public static ArmSampleSizes SampleSizeForProportions(double baseline, double minimumDetectableEffect, PowerDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        PowerAnalysis.CheckProportions(baseline, minimumDetectableEffect, design.Alpha, design.Power);
        CheckDirection(minimumDetectableEffect, design.Alternative);
        var (stdNull, stdAlt) = ProportionStd(baseline, minimumDetectableEffect, design.Ratio);
        var num = (StatMath.NormalUpperQuantile(design.TailAlpha) * stdNull) + (StatMath.NormalQuantile(design.Power) * stdAlt);
        var nt = num * num / (minimumDetectableEffect * minimumDetectableEffect);
        return Arms(nt / design.Ratio, design.Ratio, minimumDetectableEffect);
    }

    /// <summary>
    /// Power of the pooled two-proportion z-test with <paramref name="controlCount"/> control units and ratio × as many treatment units
    /// (both tails for a two-sided test). Matches statsmodels <c>power_proportions_2indep(δ, p_c, nobs1=n_t, ratio=1/r, alpha, alternative)</c>.
    /// </summary>
    /// <param name="baseline">Control rate p_c in (0, 1).</param>
    /// <param name="effect">δ = p_t − p_c ≠ 0 with p_t in (0, 1).</param>
    /// <param name="controlCount">Control units (≥ 1).</param>
    /// <param name="design">α, ratio and alternative (the target power is not used).</param>
    /// <returns>The power in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static double PowerForProportions(double baseline, double effect, double controlCount, PowerDesign design)
    {
        ArgumentNullException.ThrowIfNull(design);
        PowerAnalysis.CheckProportions(baseline, effect, design.Alpha, 0.5);
        Guard.PositiveCount(controlCount);
        var (stdNull, stdAlt) = ProportionStd(baseline, effect, design.Ratio);
        return NormalPower(effect * Math.Sqrt(controlCount * design.Ratio), stdNull, stdAlt, design);
    }

    /// <summary>
    /// Sample sizes for a difference in means with common standard deviation σ, allocation ratio r and a one- or two-sided test.
    /// <see cref="MeansPowerMethod.Normal"/>: n_c = (z_{1−α'} + z_{1−β})² σ² (1 + 1/r) / δ² (one-tail formula, as statsmodels
    /// <c>normal_sample_size_one_tail</c>). <see cref="MeansPowerMethod.StudentT"/>: the smallest real n_c whose noncentral-t power
    /// equals the target (statsmodels <c>TTestIndPower().solve_power(δ/σ, nobs1=None, alpha, power, ratio=1/r, alternative)</c>
    /// gives our n_t).
    /// </summary>
    /// <param name="standardDeviation">σ &gt; 0.</param>
    /// <param name="minimumDetectableEffect">δ ≠ 0 (sign as the alternative for one-sided designs).</param>
    /// <param name="design">α, power, ratio, alternative.</param>
    /// <param name="method">z or t power.</param>
    /// <returns>The sizes of both arms.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static ArmSampleSizes SampleSizeForMeans(double standardDeviation, double minimumDetectableEffect, PowerDesign design, MeansPowerMethod method)
    {
        ArgumentNullException.ThrowIfNull(design);
        CheckMeans(standardDeviation, minimumDetectableEffect);
        CheckDirection(minimumDetectableEffect, design.Alternative);
        var z = StatMath.NormalUpperQuantile(design.TailAlpha) + StatMath.NormalQuantile(design.Power);
        var d = minimumDetectableEffect / standardDeviation;
        var nc = z * z * (1 + (1 / design.Ratio)) / (d * d);
        if (method == MeansPowerMethod.StudentT && nc <= PowerAnalysis.MaxPerGroup)
        {
            // The t power is below the z power, so the root lies above the z size; need n_c + n_t > 2 for a defined test.
            double F(double n) => StudentTPower(d, n, design) - design.Power;
            var lo = Math.Max(nc * 0.5, (2.0 / (1 + design.Ratio)) + 1e-9);
            var hi = Math.Max(nc * 2.0, lo * 2.0) + 4.0;
            while (F(hi) < 0 && hi < PowerAnalysis.MaxPerGroup)
            {
                hi *= 2;
            }

            // MathNet's accuracy bounds |power − target|; 1e-14 is near the noise of the noncentral-t sum, so fall back to 1e-12.
            nc = F(lo) >= 0 ? lo : Brent.TryFindRoot(F, lo, hi, 1e-14, 1000, out var root) ? root : Brent.FindRoot(F, lo, hi, 1e-12, 1000);
        }

        return Arms(nc, design.Ratio, minimumDetectableEffect);
    }

    /// <summary>
    /// Power of a two-sample test of means with <paramref name="controlCount"/> control units and ratio × as many treatment units.
    /// Normal: statsmodels <c>NormalIndPower().power(δ/σ, nobs1=n_t, alpha, ratio=1/r, alternative)</c>; StudentT: the noncentral-t
    /// power of the pooled t-test, statsmodels <c>TTestIndPower().power(…)</c>.
    /// </summary>
    /// <param name="standardDeviation">σ &gt; 0.</param>
    /// <param name="effect">δ = μ_t − μ_c (finite).</param>
    /// <param name="controlCount">Control units; n_c + n_t must exceed 2 for the t method.</param>
    /// <param name="design">α, ratio and alternative.</param>
    /// <param name="method">z or t power.</param>
    /// <returns>The power in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static double PowerForMeans(double standardDeviation, double effect, double controlCount, PowerDesign design, MeansPowerMethod method)
    {
        ArgumentNullException.ThrowIfNull(design);
        Guard.Positive(standardDeviation);
        Guard.Finite(effect);
        Guard.PositiveCount(controlCount);
        var d = effect / standardDeviation;
        if (method == MeansPowerMethod.StudentT)
        {
            if (!(controlCount * (1 + design.Ratio) > 2))
            {
                Guard.Throw(nameof(controlCount), controlCount, "must give more than 2 units in both arms together for a t-test");
            }

            return StudentTPower(d, controlCount, design);
        }

        var s = Math.Sqrt(1 + design.Ratio);
        return NormalPower(d * Math.Sqrt(controlCount * design.Ratio), s, s, design);
    }

    /// <summary>Noncentral-t power with n_c control units: df = n_c(1+r) − 2, noncentrality d·√(n_c n_t/(n_c+n_t)).</summary>
    internal static double StudentTPower(double d, double controlCount, PowerDesign design)
    {
        var nt = controlCount * design.Ratio;
        var df = controlCount + nt - 2;
        var nonCentrality = d * Math.Sqrt(controlCount * nt / (controlCount + nt));
        var crit = NoncentralT.StudentTUpperQuantile(design.TailAlpha, df);
        var power = 0.0;
        if (design.Alternative != Alternative.Less)
        {
            power += NoncentralT.Sf(crit, df, nonCentrality);
        }

        if (design.Alternative != Alternative.Greater)
        {
            power += NoncentralT.Cdf(-crit, df, nonCentrality);
        }

        return Math.Clamp(power, 0.0, 1.0);
    }

    /// <summary>Normal power with the statistic's mean shift = effect·√n_t / stdAlt (std per √n_t unit), as statsmodels <c>normal_power_het</c>.</summary>
    private static double NormalPower(double scaledEffect, double stdNull, double stdAlt, PowerDesign design)
    {
        var crit = StatMath.NormalUpperQuantile(design.TailAlpha);
        var ratio = stdNull / stdAlt;
        var shift = scaledEffect / stdAlt;
        var power = 0.0;
        if (design.Alternative != Alternative.Less)
        {
            power += StatMath.NormalSf((crit * ratio) - shift);
        }

        if (design.Alternative != Alternative.Greater)
        {
            power += StatMath.NormalCdf((-crit * ratio) - shift);
        }

        return Math.Clamp(power, 0.0, 1.0);
    }

    /// <summary>Standard deviations per √n_t of the difference under H0 (pooled) and H1, with k = n_c/n_t = 1/ratio.</summary>
    private static (double Null, double Alt) ProportionStd(double pc, double effect, double ratio)
    {
        var k = 1 / ratio;
        var pt = pc + effect;
        var pooled = (pt + (pc * k)) / (1 + k);
        return (Math.Sqrt(pooled * (1 - pooled) * (1 + (1 / k))), Math.Sqrt((pt * (1 - pt)) + (pc * (1 - pc) / k)));
    }

    private static void CheckMeans(double standardDeviation, double effect)
    {
        Guard.Positive(standardDeviation);
        Guard.Finite(effect);
        if (effect == 0)
        {
            Guard.Throw("minimumDetectableEffect", effect, "must be non-zero");
        }
    }

    private static void CheckDirection(double effect, Alternative alternative)
    {
        if ((alternative == Alternative.Greater && effect < 0) || (alternative == Alternative.Less && effect > 0))
        {
            Guard.Throw(
                "minimumDetectableEffect",
                effect,
                string.Create(CultureInfo.InvariantCulture, $"lies against the one-sided alternative {alternative}: a {(effect < 0 ? "decrease" : "increase")} cannot be detected by this test"));
        }
    }

    private static ArmSampleSizes Arms(double exactControl, double ratio, double effect)
    {
        var exactTreatment = exactControl * ratio;
        return new ArmSampleSizes(exactControl, PowerAnalysis.Ceil(exactControl, effect), exactTreatment, PowerAnalysis.Ceil(exactTreatment, effect));
    }
}
