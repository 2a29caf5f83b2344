using System.Runtime.Intrinsics;
using CemCore.Primitives;

namespace CemCore.Clv;

/// <summary>Settings of a discounted CLV computation. Immutable; checked on construction.</summary>
/// <remarks>
/// Time is explicit: the horizon is <see cref="HorizonPeriods"/> whole periods of <see cref="Unit"/> (a day or a 7-day week; there is
/// no "30-day month"), and <see cref="DiscountRatePerPeriod"/> is the discount rate per one such period. A model fitted in another unit
/// is converted exactly (1 week = 7 days).
/// </remarks>
public sealed record ClvSettings
{
    /// <summary>The largest accepted horizon in periods.</summary>
    public const int MaxHorizonPeriods = 100_000;

    /// <summary>Creates settings.</summary>
    /// <param name="unit">The period unit.</param>
    /// <param name="horizonPeriods">Number of periods, 1..<see cref="MaxHorizonPeriods"/>.</param>
    /// <param name="discountRatePerPeriod">Discount rate per period, in [0, 1) (e.g. 0.0019 per week ≈ 10% a year).</param>
    /// <param name="margin">Profit margin applied to revenue, in [0, 1]. Default 1 (revenue CLV).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public ClvSettings(TimeUnit unit, int horizonPeriods, double discountRatePerPeriod, double margin = 1.0)
    {
        _ = TimeUnits.DaysPerUnit(unit);
        if (horizonPeriods is < 1 or > MaxHorizonPeriods)
        {
            throw new ArgumentOutOfRangeException(nameof(horizonPeriods), horizonPeriods, $"horizonPeriods must be in [1, {MaxHorizonPeriods}].");
        }

        if (!(discountRatePerPeriod is >= 0.0 and < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(discountRatePerPeriod), discountRatePerPeriod, "discountRatePerPeriod must be in [0, 1).");
        }

        if (!(margin is >= 0.0 and <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "margin must be in [0, 1].");
        }

        Unit = unit;
        HorizonPeriods = horizonPeriods;
        DiscountRatePerPeriod = discountRatePerPeriod;
        Margin = margin;
    }

    /// <summary>Gets the period unit.</summary>
    public TimeUnit Unit { get; }

    /// <summary>Gets the horizon in periods.</summary>
    public int HorizonPeriods { get; }

    /// <summary>Gets the discount rate per period.</summary>
    public double DiscountRatePerPeriod { get; }

    /// <summary>Gets the margin. <value>The default is 1.</value></summary>
    public double Margin { get; }
}

/// <summary>
/// Discounted customer lifetime value from a purchase-count model and the Gamma-Gamma spend model
/// (Fader, Hardie &amp; Lee 2005, "RFM and CLV"; discrete discounting as in lifetimes' <c>customer_lifetime_value</c>).
/// </summary>
/// <remarks>
/// <para>CLV = margin · E[Z | x, m_x] · Σ_{k=1}^{H} (E[Y(k·u) | x, t_x, T] − E[Y((k−1)·u) | x, t_x, T]) / (1 + d)^k,
/// where u is one period in the model's time unit, H = <see cref="ClvSettings.HorizonPeriods"/>, d = <see cref="ClvSettings.DiscountRatePerPeriod"/>:
/// the purchases expected in period k are discounted at the end of period k.</para>
/// <para>Stateless and thread-safe. The span overload does not allocate.</para>
/// </remarks>
public static class CustomerLifetimeValue
{
    /// <summary>Whether <see cref="BgHorizonSum"/> runs its lock-step blocks here (Vector256 operations run as 128-bit pairs where only
    /// Vector128 is accelerated, as in the batch E[Y] kernel).</summary>
    private static bool Vectorized => Vector256.IsHardwareAccelerated || Vector128.IsHardwareAccelerated;

    /// <summary>Computes the CLV of one customer.</summary>
    /// <param name="purchases">The fitted purchase-count model.</param>
    /// <param name="spend">The fitted spend model.</param>
    /// <param name="settings">Horizon, discounting and margin.</param>
    /// <param name="frequency">x.</param>
    /// <param name="recency">t_x in the model's unit.</param>
    /// <param name="age">T in the model's unit.</param>
    /// <param name="meanSpend">m_x (ignored when x = 0).</param>
    /// <returns>The discounted CLV in money units of <paramref name="meanSpend"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An input is out of range.</exception>
    public static double Compute(IBtydModel purchases, GammaGammaModel spend, ClvSettings settings, int frequency, double recency, double age, double meanSpend)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(spend);
        ArgumentNullException.ThrowIfNull(settings);
        BtydData.Validate(frequency, recency, age, -1);
        return Value(purchases, spend, settings, frequency, recency, age, meanSpend, out _);
    }

    /// <summary>The CLV of one validated customer, and E[Y] at the horizon from the same evaluation.</summary>
    internal static double Value(IBtydModel purchases, GammaGammaModel spend, ClvSettings settings, int frequency, double recency, double age, double meanSpend, out double expectedAtHorizon)
    {
        var value = spend.ConditionalExpectedAverageSpend(frequency, meanSpend);
        return settings.Margin * value * DiscountedPurchases(purchases, settings, frequency, recency, age, Vectorized, out expectedAtHorizon);
    }

    /// <summary>Computes the CLV of many customers.</summary>
    /// <param name="purchases">The fitted purchase-count model.</param>
    /// <param name="spend">The fitted spend model.</param>
    /// <param name="settings">Horizon, discounting and margin.</param>
    /// <param name="frequency">x per customer.</param>
    /// <param name="recency">t_x per customer.</param>
    /// <param name="age">T per customer.</param>
    /// <param name="meanSpend">m_x per customer.</param>
    /// <param name="destination">Receives the CLV per customer.</param>
    /// <exception cref="ArgumentException">Lengths differ, or an input is out of range.</exception>
    public static void Compute(
        IBtydModel purchases, GammaGammaModel spend, ClvSettings settings,
        ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, ReadOnlySpan<double> meanSpend, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(spend);
        ArgumentNullException.ThrowIfNull(settings);
        FitRunner.CheckLengths(frequency.Length, recency.Length, age.Length, destination.Length);
        if (meanSpend.Length != frequency.Length)
        {
            throw new ArgumentException($"meanSpend must have {frequency.Length} elements but has {meanSpend.Length}.", nameof(meanSpend));
        }

        spend.ConditionalExpectedAverageSpend(frequency, meanSpend, destination);
        for (var i = 0; i < frequency.Length; i++)
        {
            BtydData.Validate(frequency[i], recency[i], age[i], i);
            destination[i] *= settings.Margin * DiscountedPurchases(purchases, settings, frequency[i], recency[i], age[i]);
        }
    }

    /// <summary>Σ_k (E[Y(k u)] − E[Y((k−1) u)]) / (1+d)^k: for BG/NBD and MBG/NBD all horizons side by side (<see cref="BgHorizonSum"/>),
    /// for Pareto/NBD the per-horizon loop with P(alive) once (bit-identical), for other models the per-horizon loop.</summary>
    internal static double DiscountedPurchases(IBtydModel model, ClvSettings settings, int x, double tx, double age) =>
        DiscountedPurchases(model, settings, x, tx, age, Vectorized, out _);

    /// <summary>As <see cref="DiscountedPurchases(IBtydModel, ClvSettings, int, double, double)"/>, with the lock-step blocks selectable
    /// (tests) and E[Y] at the last horizon (H periods) returned too.</summary>
    internal static double DiscountedPurchases(IBtydModel model, ClvSettings settings, int x, double tx, double age, bool vectorized, out double expectedAtHorizon)
    {
        var step = Step(model, settings);
        return model switch
        {
            BgNbdModel bg => BgHorizonSum.Discounted(
                bg.R, bg.Alpha, bg.A, bg.B, false, step, settings.DiscountRatePerPeriod, settings.HorizonPeriods, x, tx, age, vectorized, out expectedAtHorizon),
            MbgNbdModel mbg => BgHorizonSum.Discounted(
                mbg.R, mbg.Alpha, mbg.A, mbg.B, true, step, settings.DiscountRatePerPeriod, settings.HorizonPeriods, x, tx, age, vectorized, out expectedAtHorizon),
            ParetoNbdModel pareto => pareto.DiscountedPurchases(step, settings.DiscountRatePerPeriod, settings.HorizonPeriods, x, tx, age, out expectedAtHorizon),
            _ => DiscountedPurchasesPerHorizon(model, settings, x, tx, age, out expectedAtHorizon),
        };
    }

    /// <summary>The per-horizon loop: one E[Y] evaluation per period (any model; the reference of the BG family's kernel).</summary>
    internal static double DiscountedPurchasesPerHorizon(IBtydModel model, ClvSettings settings, int x, double tx, double age, out double expectedAtHorizon)
    {
        var step = Step(model, settings);
        var factor = 1.0 / (1.0 + settings.DiscountRatePerPeriod);
        double previous = 0.0, discount = 1.0, total = 0.0;
        for (var k = 1; k <= settings.HorizonPeriods; k++)
        {
            var e = model.ConditionalExpectedPurchases(k * step, x, tx, age);
            discount *= factor;
            total += (e - previous) * discount;
            previous = e;
        }

        expectedAtHorizon = previous;
        return total;
    }

    /// <summary>One period of the settings in the model's time unit.</summary>
    private static double Step(IBtydModel model, ClvSettings settings) => (double)TimeUnits.DaysPerUnit(settings.Unit) / TimeUnits.DaysPerUnit(model.Unit);
}
