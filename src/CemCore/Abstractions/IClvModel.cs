using System.Globalization;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;

namespace CemCore;

/// <summary>One customer's lifetime-value estimate.</summary>
/// <remarks>The default value is a customer with P(alive) 0, no expected purchases and no value.</remarks>
/// <param name="ProbabilityAlive">P(alive) in [0, 1] as of the summary's age.</param>
/// <param name="ExpectedPurchases">Expected purchases within the horizon (≥ 0).</param>
/// <param name="Value">The discounted value over the horizon in the data's currency (margin applied), or <see langword="null"/> when the model has
/// no spend part or its spend model has no finite mean (Gamma-Gamma with q ≤ 1): never NaN or infinite.</param>
public readonly record struct ClvEstimate(double ProbabilityAlive, double ExpectedPurchases, double? Value);

/// <summary>
/// A fitted customer-lifetime-value model: from a customer's BTYD summary to P(alive), expected purchases and discounted value over a horizon.
/// Implemented by <see cref="BtydClvModel"/> (BG/NBD, Pareto/NBD or MBG/NBD with Gamma-Gamma); a host may plug in its own.
/// </summary>
/// <remarks>Implementations must be immutable and safe for concurrent use; <see cref="Estimate"/> should not allocate.</remarks>
public interface IClvModel
{
    /// <summary>Gets the time unit of the summaries the model accepts and of its horizon.</summary>
    TimeUnit Unit { get; }

    /// <summary>Gets the horizon in <see cref="Unit"/>s.</summary>
    int HorizonPeriods { get; }

    /// <summary>Estimates one customer.</summary>
    /// <param name="summary">The customer's BTYD summary (<see cref="CustomerFeatures.Btyd"/>), in <see cref="Unit"/>.</param>
    /// <returns>The estimate.</returns>
    /// <exception cref="ArgumentException">The summary is in another unit or out of range.</exception>
    ClvEstimate Estimate(in BtydSummary summary);
}

/// <summary>The library's <see cref="IClvModel"/>: a fitted purchase-count model (<see cref="IBtydModel"/>) with an optional Gamma-Gamma spend model.</summary>
/// <remarks>Value = margin × E[spend | x, m_x] × Σ_k (E[N(k)] − E[N(k−1)]) / (1 + d)^k over the horizon (<see cref="CustomerLifetimeValue"/>).
/// Immutable and thread-safe.</remarks>
public sealed class BtydClvModel : IClvModel
{
    /// <summary>Creates the model.</summary>
    /// <param name="purchases">The fitted purchase-count model.</param>
    /// <param name="spend">The fitted spend model, or <see langword="null"/> (then <see cref="ClvEstimate.Value"/> is <see langword="null"/>).</param>
    /// <param name="settings">Horizon, discounting and margin; its unit must be the purchase model's.</param>
    /// <exception cref="ArgumentException">The units differ.</exception>
    public BtydClvModel(IBtydModel purchases, GammaGammaModel? spend, ClvSettings settings)
    {
        Purchases = purchases ?? throw new ArgumentNullException(nameof(purchases));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        if (settings.Unit != purchases.Unit)
        {
            throw new ArgumentException($"The CLV settings are in {settings.Unit}s but the purchase model is in {purchases.Unit}s.", nameof(settings));
        }

        Spend = spend is { PopulationMeanSpend: var mean } && double.IsFinite(mean) ? spend : null;
    }

    /// <summary>Gets the purchase-count model.</summary>
    public IBtydModel Purchases { get; }

    /// <summary>Gets the spend model, or <see langword="null"/> (none given, or no finite population mean).</summary>
    public GammaGammaModel? Spend { get; }

    /// <summary>Gets the settings.</summary>
    public ClvSettings Settings { get; }

    /// <inheritdoc/>
    public TimeUnit Unit => Settings.Unit;

    /// <inheritdoc/>
    public int HorizonPeriods => Settings.HorizonPeriods;

    /// <summary>
    /// Fits BG/NBD and Gamma-Gamma (plain maximum likelihood) to the customers with purchases of a feature set.
    /// </summary>
    /// <param name="features">The features; their time unit must be <paramref name="settings"/>' unit.</param>
    /// <param name="settings">Horizon, discounting and margin.</param>
    /// <returns>The model, or <see langword="null"/> when nobody bought twice (nothing to fit).</returns>
    /// <exception cref="ArgumentException">The units differ.</exception>
    public static BtydClvModel? Fit(CustomerFeatureSet features, ClvSettings settings)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(settings);
        if (features.Settings.TimeUnit != settings.Unit)
        {
            throw new ArgumentException($"The features are in {features.Settings.TimeUnit}s but the CLV settings in {settings.Unit}s.", nameof(settings));
        }

        var x = new List<int>();
        var tx = new List<double>();
        var t = new List<double>();
        var m = new List<double>();
        foreach (var f in features)
        {
            if (f.HasPurchased)
            {
                x.Add(f.Btyd.Frequency);
                tx.Add(f.Btyd.Recency);
                t.Add(f.Btyd.Age);
                m.Add((double)f.Btyd.MeanRepeatSpend);
            }
        }

        if (!x.Exists(v => v > 0))
        {
            return null;
        }

        var bg = BgNbdModel.Fit(BtydData.Create([.. x], [.. tx], [.. t], settings.Unit));
        var gg = GammaGammaModel.Fit([.. x], [.. m]);
        return new BtydClvModel(bg.Model, gg.Model, settings);
    }

    /// <inheritdoc/>
    public ClvEstimate Estimate(in BtydSummary summary)
    {
        if (summary.Unit != Unit)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The summary is in {summary.Unit}s but the model in {Unit}s."), nameof(summary));
        }

        var alive = Purchases.ProbabilityAlive(summary.Frequency, summary.Recency, summary.Age);
        if (Spend is not { } spend)
        {
            return new ClvEstimate(alive, Purchases.ConditionalExpectedPurchases(HorizonPeriods, summary.Frequency, summary.Recency, summary.Age), null);
        }

        // The value's sum over the horizon ends with E[Y] at the horizon (the settings are in the model's unit, so its last period is
        // HorizonPeriods units): taken from it instead of a second evaluation.
        var v = CustomerLifetimeValue.Value(Purchases, spend, Settings, summary.Frequency, summary.Recency, summary.Age, (double)summary.MeanRepeatSpend, out var expected);
        return new ClvEstimate(alive, expected, double.IsFinite(v) ? v : null);
    }
}
