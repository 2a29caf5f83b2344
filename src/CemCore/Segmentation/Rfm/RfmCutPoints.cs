using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace CemCore.Segmentation.Rfm;

/// <summary>
/// One boundary between two adjacent bins: a customer with value <c>v</c> and id <c>s</c> is at or below the boundary when
/// <c>v &lt; Value</c>, or <c>v == Value</c> and (<see cref="TieBreakId"/> is <see langword="null"/> or <c>s ≤ TieBreakId</c> in customer-id order: integer-like ids numerically and first, other ids ordinally).
/// </summary>
/// <remarks>The default value is a boundary at 0 without tie-break.</remarks>
/// <param name="Value">The value of the last customer in the lower bin (rank quantiles) or the cut-point itself (thresholds).</param>
/// <param name="TieBreakId">The id of the last customer in the lower bin, which splits a group of tied values; <see langword="null"/>
/// for thresholds, or when ranks were broken by input position instead of ids.</param>
public readonly record struct RfmCutPoint(double Value, string? TieBreakId)
{
    /// <summary>Returns whether (value, id) lies above this boundary. Allocation-free.</summary>
    /// <param name="value">The value.</param>
    /// <param name="customerId">The id, or <see langword="null"/> (then a tie counts as at or below).</param>
    /// <returns><see langword="true"/> when the customer belongs to a higher bin.</returns>
    public bool IsBelow(double value, string? customerId) =>
        value > Value || (value == Value && TieBreakId is not null && customerId is not null && CustomerIdOrder.Compare(customerId, TieBreakId) > 0);
}

/// <summary>
/// The bin boundaries of one RFM run (bins − 1 per measure). They score any customer without the rest of the population:
/// for customers of the population they reproduce the batch scores exactly; this is what makes partitioned runs
/// (<see cref="RfmPartial"/>) give the same scores as one pass.
/// </summary>
/// <remarks>Immutable and thread-safe. <see cref="Score"/> is allocation-free.</remarks>
public sealed class RfmCutPoints
{
    private readonly RfmCutPoint[] _recency;
    private readonly RfmCutPoint[] _frequency;
    private readonly RfmCutPoint[] _monetary;

    internal RfmCutPoints(int bins, RfmBinning binning, int purchaserCount, RfmCutPoint[] recency, RfmCutPoint[] frequency, RfmCutPoint[] monetary)
    {
        Bins = bins;
        Binning = binning;
        PurchaserCount = purchaserCount;
        _recency = recency;
        _frequency = frequency;
        _monetary = monetary;
    }

    /// <summary>Gets the number of bins.</summary>
    public int Bins { get; }

    /// <summary>Gets the binning mode the cut-points came from.</summary>
    public RfmBinning Binning { get; }

    /// <summary>Gets the number of customers with purchases the cut-points were computed from (ranked customers).</summary>
    public int PurchaserCount { get; }

    /// <summary>Gets the recency boundaries in days, ascending (bin 1 = most recent = score <see cref="Bins"/>).</summary>
    public IReadOnlyList<RfmCutPoint> Recency => _recency;

    /// <summary>Gets the frequency boundaries, ascending.</summary>
    public IReadOnlyList<RfmCutPoint> Frequency => _frequency;

    /// <summary>Gets the monetary boundaries, ascending.</summary>
    public IReadOnlyList<RfmCutPoint> Monetary => _monetary;

    /// <summary>Scores one customer against these boundaries. Allocation-free.</summary>
    /// <param name="recencyDays">Days since the last purchase, finite and ≥ 0 (ignored for a prospect).</param>
    /// <param name="frequency">Purchases, finite and ≥ 0; 0 means a prospect, which gets the default (all-zero) score.</param>
    /// <param name="monetary">The monetary value, finite.</param>
    /// <param name="customerId">The id, used to split tied values exactly as the batch did; <see langword="null"/> puts a tie in the lower bin.</param>
    /// <returns>The scores.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A value is NaN, infinite or negative (recency, frequency).</exception>
    /// <exception cref="InvalidOperationException">The cut-points come from a population without purchasers (rank quantiles).</exception>
    public RfmScore Score(double recencyDays, double frequency, double monetary, string? customerId = null)
    {
        if (!(frequency >= 0) || double.IsInfinity(frequency))
        {
            ThrowValue(nameof(frequency), frequency, "a finite number ≥ 0");
        }

        if (frequency == 0)
        {
            return default;
        }

        if (!(recencyDays >= 0) || double.IsInfinity(recencyDays))
        {
            ThrowValue(nameof(recencyDays), recencyDays, "a finite number ≥ 0");
        }

        if (!double.IsFinite(monetary))
        {
            ThrowValue(nameof(monetary), monetary, "a finite number");
        }

        if (_recency.Length == 0)
        {
            ThrowEmpty();
        }

        var r = Bin(_recency, recencyDays, customerId);
        var f = Bin(_frequency, frequency, customerId);
        var m = Bin(_monetary, monetary, customerId);
        return new RfmScore((byte)(Bins - r), (byte)(f + 1), (byte)(m + 1));
    }

    private static int Bin(RfmCutPoint[] cuts, double value, string? id)
    {
        var bin = 0;
        foreach (var c in cuts)
        {
            if (c.IsBelow(value, id))
            {
                bin++;
            }
        }

        return bin;
    }

    [DoesNotReturn, StackTraceHidden]
    internal static void ThrowValue(string name, double value, string expected) =>
        throw new ArgumentOutOfRangeException(name, value, $"The value must be {expected} (NaN is not allowed).");

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowEmpty() =>
        throw new InvalidOperationException("These cut-points were computed from a population without purchasers; there is nothing to rank against.");
}
