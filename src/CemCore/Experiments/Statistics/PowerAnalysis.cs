using System.Globalization;
using MathNet.Numerics.RootFinding;

namespace CemCore.Experiments.Statistics;

/// <summary>Sample-size formula for comparing two proportions (two-sided test, equal group sizes, no continuity correction).</summary>
public enum ProportionSampleSizeMethod
{
    /// <summary>
    /// Pooled variance under H0 and unpooled under H1 (Fleiss, Levin &amp; Paik 2003, eq. 4.14 without correction):
    /// n = (z_{1−α/2}√(2p̄(1−p̄)) + z_{1−β}√(p₁q₁ + p₂q₂))² / (p₂ − p₁)², p̄ = (p₁ + p₂)/2.
    /// statsmodels <c>samplesize_proportions_2indep_onetail(diff, prop2=baseline, power, ratio=1, alpha, alternative='two-sided')</c>. The default.
    /// </summary>
    PooledNullUnpooledAlternative = 0,

    /// <summary>Unpooled variance under both hypotheses: n = (z_{1−α/2} + z_{1−β})²(p₁q₁ + p₂q₂)/(p₂ − p₁)².</summary>
    Unpooled = 1,

    /// <summary>Cohen's h / arcsine transform (Cohen 1988, ch. 6): h = 2 asin√p₂ − 2 asin√p₁, n = 2((z_{1−α/2} + z_{1−β})/h)².</summary>
    CohensH = 2,
}

/// <summary>A required sample size per group.</summary>
/// <param name="ExactPerGroup">The formula's real-valued result.</param>
/// <param name="PerGroup">The result rounded <b>up</b> (ceiling) to whole units: the number to plan with.</param>
public sealed record SampleSize(double ExactPerGroup, long PerGroup);

/// <summary>
/// Power, sample size and minimum detectable effect (MDE) for two-arm tests with equal group sizes.
/// Sample sizes and MDEs use the one-tail approximation to the two-sided test (the far tail is ignored, as in statsmodels'
/// <c>normal_sample_size_one_tail</c>); power includes both tails (statsmodels <c>normal_power_het</c> / <c>NormalIndPower.power</c>).
/// </summary>
/// <remarks>Pure and thread-safe. Effects are absolute (treatment − control). The baseline is the control rate.</remarks>
public static class PowerAnalysis
{
    /// <summary>Sample size per group to detect an absolute change <paramref name="minimumDetectableEffect"/> from <paramref name="baseline"/>.</summary>
    /// <param name="baseline">Control conversion rate p₁ in (0, 1).</param>
    /// <param name="minimumDetectableEffect">Absolute effect p₂ − p₁ ≠ 0 with p₂ in (0, 1).</param>
    /// <param name="alpha">Two-sided significance level in (0, 1), default 0.05.</param>
    /// <param name="power">Power 1 − β in (0, 1), default 0.8.</param>
    /// <param name="method">The formula (default pooled H0 / unpooled H1).</param>
    /// <returns>The exact and rounded-up (ceiling) sample size per group.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static SampleSize SampleSizeForProportions(double baseline, double minimumDetectableEffect, double alpha = 0.05, double power = 0.8,
        ProportionSampleSizeMethod method = ProportionSampleSizeMethod.PooledNullUnpooledAlternative)
    {
        CheckProportions(baseline, minimumDetectableEffect, alpha, power);
        var n = ProportionN(baseline, minimumDetectableEffect, alpha, power, method);
        return new SampleSize(n, Ceil(n, minimumDetectableEffect));
    }

    /// <summary>Power (both tails) of the two-sided test with <paramref name="perGroup"/> units per group.</summary>
    /// <param name="baseline">Control rate p₁ in (0, 1).</param>
    /// <param name="effect">Absolute effect p₂ − p₁ with p₂ in (0, 1).</param>
    /// <param name="perGroup">Units per group (≥ 1).</param>
    /// <param name="alpha">Two-sided significance level.</param>
    /// <param name="method">The variance convention (as for the sample size).</param>
    /// <returns>The power in (0, 1).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static double PowerForProportions(double baseline, double effect, double perGroup, double alpha = 0.05,
        ProportionSampleSizeMethod method = ProportionSampleSizeMethod.PooledNullUnpooledAlternative)
    {
        CheckProportions(baseline, effect, alpha, 0.5);
        Guard.PositiveCount(perGroup);
        var p1 = baseline;
        var p2 = baseline + effect;
        double d, stdNull, stdAlt;
        switch (method)
        {
            case ProportionSampleSizeMethod.CohensH:
                d = CohensH(p1, p2);
                stdNull = stdAlt = StatMath.Sqrt2;
                break;
            case ProportionSampleSizeMethod.Unpooled:
                d = effect;
                stdNull = stdAlt = Math.Sqrt((p1 * (1 - p1)) + (p2 * (1 - p2)));
                break;
            default:
                d = effect;
                var pBar = (p1 + p2) / 2;
                stdNull = Math.Sqrt(2 * pBar * (1 - pBar));
                stdAlt = Math.Sqrt((p1 * (1 - p1)) + (p2 * (1 - p2)));
                break;
        }

        return TwoSidedPower(d, perGroup, alpha, stdNull, stdAlt);
    }

    /// <summary>
    /// Minimum detectable absolute effect (an increase when <paramref name="increase"/> is true) for a given sample size per group:
    /// the root of n(effect) = <paramref name="perGroup"/> for the chosen formula (closed form for Cohen's h, Brent's method otherwise).
    /// </summary>
    /// <param name="baseline">Control rate p₁ in (0, 1).</param>
    /// <param name="perGroup">Units per group (≥ 1).</param>
    /// <param name="alpha">Two-sided significance level.</param>
    /// <param name="power">Power in (0, 1).</param>
    /// <param name="method">The formula.</param>
    /// <param name="increase">Look for an increase (default) or a decrease.</param>
    /// <returns>The effect (positive for an increase, negative for a decrease); ±∞ when even the largest possible change
    /// (to a rate of 0 or 1) cannot be detected with this sample size.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static double MinimumDetectableEffectForProportions(double baseline, double perGroup, double alpha = 0.05, double power = 0.8,
        ProportionSampleSizeMethod method = ProportionSampleSizeMethod.PooledNullUnpooledAlternative, bool increase = true)
    {
        Guard.OpenProbability(baseline);
        Guard.PositiveCount(perGroup);
        Guard.Alpha(alpha);
        Guard.OpenProbability(power);
        var sign = increase ? 1.0 : -1.0;
        if (method == ProportionSampleSizeMethod.CohensH)
        {
            var h = (StatMath.NormalUpperQuantile(alpha / 2) + StatMath.NormalQuantile(power)) * StatMath.Sqrt2 / Math.Sqrt(perGroup);
            var phi = (2 * Math.Asin(Math.Sqrt(baseline))) + (sign * h);
            if (phi is <= 0 or >= Math.PI)
            {
                return sign * double.PositiveInfinity;
            }

            var s = Math.Sin(phi / 2);
            return (s * s) - baseline;
        }

        var hi = increase ? (1 - baseline) * (1 - 1e-12) : baseline * (1 - 1e-12);
        double F(double d) => ProportionN(baseline, sign * d, alpha, power, method) - perGroup;
        if (F(hi) > 0)
        {
            return sign * double.PositiveInfinity;
        }

        var root = Brent.FindRoot(F, 1e-12, hi, 1e-16, 1000);
        return sign * root;
    }

    /// <summary>Sample size per group for a difference in means with common standard deviation σ: n = 2σ²(z_{1−α/2} + z_{1−β})²/δ².</summary>
    /// <param name="standardDeviation">σ &gt; 0 (per unit, each arm).</param>
    /// <param name="minimumDetectableEffect">Absolute difference δ ≠ 0.</param>
    /// <param name="alpha">Two-sided significance level.</param>
    /// <param name="power">Power in (0, 1).</param>
    /// <returns>The exact and ceiling sample size per group.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static SampleSize SampleSizeForMeans(double standardDeviation, double minimumDetectableEffect, double alpha = 0.05, double power = 0.8)
    {
        Guard.Positive(standardDeviation);
        Guard.Finite(minimumDetectableEffect);
        if (minimumDetectableEffect == 0)
        {
            Guard.Throw(nameof(minimumDetectableEffect), minimumDetectableEffect, "must be non-zero");
        }

        Guard.Alpha(alpha);
        Guard.OpenProbability(power);
        var z = StatMath.NormalUpperQuantile(alpha / 2) + StatMath.NormalQuantile(power);
        var ratio = z * StatMath.Sqrt2 * standardDeviation / minimumDetectableEffect;
        var n = ratio * ratio;
        return new SampleSize(n, Ceil(n, minimumDetectableEffect));
    }

    /// <summary>Power (both tails) for a difference in means, z-approximation (statsmodels <c>NormalIndPower().power(δ/σ, n, α, ratio=1)</c>).</summary>
    /// <param name="standardDeviation">σ &gt; 0.</param>
    /// <param name="effect">δ.</param>
    /// <param name="perGroup">Units per group.</param>
    /// <param name="alpha">Two-sided significance level.</param>
    /// <returns>The power.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static double PowerForMeans(double standardDeviation, double effect, double perGroup, double alpha = 0.05)
    {
        Guard.Positive(standardDeviation);
        Guard.Finite(effect);
        Guard.PositiveCount(perGroup);
        Guard.Alpha(alpha);
        var s = StatMath.Sqrt2 * standardDeviation;
        return TwoSidedPower(effect, perGroup, alpha, s, s);
    }

    /// <summary>Minimum detectable difference in means: δ = (z_{1−α/2} + z_{1−β})·σ·√(2/n).</summary>
    /// <param name="standardDeviation">σ &gt; 0.</param>
    /// <param name="perGroup">Units per group.</param>
    /// <param name="alpha">Two-sided significance level.</param>
    /// <param name="power">Power.</param>
    /// <returns>The MDE (positive).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public static double MinimumDetectableEffectForMeans(double standardDeviation, double perGroup, double alpha = 0.05, double power = 0.8)
    {
        Guard.Positive(standardDeviation);
        Guard.PositiveCount(perGroup);
        Guard.Alpha(alpha);
        Guard.OpenProbability(power);
        return (StatMath.NormalUpperQuantile(alpha / 2) + StatMath.NormalQuantile(power)) * standardDeviation * Math.Sqrt(2 / perGroup);
    }

    /// <summary>Cohen's h = 2 asin√p₂ − 2 asin√p₁ (statsmodels <c>proportion_effectsize(p2, p1)</c>).</summary>
    /// <param name="p1">The first proportion in [0, 1].</param>
    /// <param name="p2">The second proportion in [0, 1].</param>
    /// <returns>h.</returns>
    public static double CohensH(double p1, double p2) => (2 * Math.Asin(Math.Sqrt(p2))) - (2 * Math.Asin(Math.Sqrt(p1)));

    private static double ProportionN(double p1, double diff, double alpha, double power, ProportionSampleSizeMethod method)
    {
        var p2 = p1 + diff;
        var za = StatMath.NormalUpperQuantile(alpha / 2);
        var zb = StatMath.NormalQuantile(power);
        double num;
        switch (method)
        {
            case ProportionSampleSizeMethod.CohensH:
                num = (za + zb) * StatMath.Sqrt2 / CohensH(p1, p2);
                return num * num;
            case ProportionSampleSizeMethod.Unpooled:
                num = (za + zb) * Math.Sqrt((p1 * (1 - p1)) + (p2 * (1 - p2)));
                break;
            default:
                var pBar = (p1 + p2) / 2;
                num = (za * Math.Sqrt(2 * pBar * (1 - pBar))) + (zb * Math.Sqrt((p1 * (1 - p1)) + (p2 * (1 - p2))));
                break;
        }

        return num * num / (diff * diff);
    }

    private static double TwoSidedPower(double d, double n, double alpha, double stdNull, double stdAlt)
    {
        var crit = StatMath.NormalUpperQuantile(alpha / 2);
        var ratio = stdNull / stdAlt;
        var shift = d * Math.Sqrt(n) / stdAlt;
        return StatMath.NormalSf((crit * ratio) - shift) + StatMath.NormalCdf((-crit * ratio) - shift);
    }

    internal static void CheckProportions(double baseline, double effect, double alpha, double power)
    {
        Guard.OpenProbability(baseline);
        Guard.Finite(effect);
        if (effect == 0 || !(baseline + effect is > 0 and < 1))
        {
            Guard.Throw(nameof(effect), effect, "must be non-zero and keep baseline + effect inside (0, 1)");
        }

        Guard.Alpha(alpha);
        Guard.OpenProbability(power);
    }

    /// <summary>The largest sample size per group reported (10^12, far beyond any population): a larger one is an error, not a saturated count.</summary>
    internal const double MaxPerGroup = 1e12;

    internal static long Ceil(double n, double minimumDetectableEffect)
    {
        if (!(n <= MaxPerGroup))
        {
            Guard.Throw(
                nameof(minimumDetectableEffect),
                minimumDetectableEffect,
                string.Create(CultureInfo.InvariantCulture, $"is too small to detect: the sample size per group would be {n:G3}, above the limit of 1e12"));
        }

        return (long)Math.Ceiling(n - (1e-9 * n));
    }
}
