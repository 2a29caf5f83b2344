using CemCore.Primitives;

namespace CemCore.Segmentation.Rfm;

/// <summary>How RFM values are turned into scores.</summary>
public enum RfmBinning
{
    /// <summary>
    /// Equal-count quantiles of the rank (the default): customers are ranked by value, ties broken by customer id
    /// (lower id, lower rank; integer-like ids such as "42" numerically and before other ids, other ids in ordinal order), and the ranks are cut into equal-count bins exactly as
    /// pandas <c>pd.qcut(s.rank(method="first"), bins)</c> does.
    /// </summary>
    RankQuantile = 0,

    /// <summary>Absolute cut-points (days, counts, currency) given in <see cref="RfmThresholds"/>; bins are right-closed.</summary>
    Thresholds = 1,
}

/// <summary>
/// Absolute cut-points for <see cref="RfmBinning.Thresholds"/>: <c>bins − 1</c> strictly ascending values per measure.
/// </summary>
/// <remarks>
/// <para>Bins are right-closed like pandas <c>pd.cut(x, [-inf, c1, ..., inf], right=True)</c>: a value <c>v ≤ c1</c> is in bin 1,
/// <c>c1 &lt; v ≤ c2</c> in bin 2, and so on; values beyond the last cut-point are in the top bin.</para>
/// <para>Recency is given in days and reversed when scored: bin 1 (the most recent customers) gets the top recency score.</para>
/// <para>Immutable and thread-safe. Lists are compared by reference.</para>
/// </remarks>
public sealed record RfmThresholds
{
    /// <summary>Creates thresholds.</summary>
    /// <param name="recencyDays">Cut-points in whole days since the last purchase, strictly ascending and finite.</param>
    /// <param name="frequency">Cut-points in purchases, strictly ascending and finite.</param>
    /// <param name="monetary">Cut-points in the data's currency, strictly ascending.</param>
    /// <exception cref="ArgumentNullException">A list is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">A list is empty, not strictly ascending, holds NaN or infinity, or the lists differ in length.</exception>
    public RfmThresholds(IEnumerable<double> recencyDays, IEnumerable<double> frequency, IEnumerable<decimal> monetary)
    {
        ArgumentNullException.ThrowIfNull(recencyDays);
        ArgumentNullException.ThrowIfNull(frequency);
        ArgumentNullException.ThrowIfNull(monetary);
        RecencyDays = Ascending([.. recencyDays], nameof(recencyDays));
        Frequency = Ascending([.. frequency], nameof(frequency));
        var m = monetary.ToArray();
        for (var i = 1; i < m.Length; i++)
        {
            if (m[i] <= m[i - 1])
            {
                throw new ArgumentException($"Cut-points must be strictly ascending, but element {i} ({m[i]}) is not above element {i - 1} ({m[i - 1]}).", nameof(monetary));
            }
        }

        Monetary = Array.AsReadOnly(m);
        if (RecencyDays.Count == 0 || RecencyDays.Count != Frequency.Count || RecencyDays.Count != Monetary.Count)
        {
            throw new ArgumentException(
                $"Each measure needs the same number (bins − 1, at least 1) of cut-points; got recency {RecencyDays.Count}, frequency {Frequency.Count}, monetary {Monetary.Count}.",
                nameof(recencyDays));
        }
    }

    /// <summary>Gets the recency cut-points in days.</summary>
    public IReadOnlyList<double> RecencyDays { get; }

    /// <summary>Gets the frequency cut-points in purchases.</summary>
    public IReadOnlyList<double> Frequency { get; }

    /// <summary>Gets the monetary cut-points in currency.</summary>
    public IReadOnlyList<decimal> Monetary { get; }

    /// <summary>Gets the number of bins: cut-points + 1.</summary>
    public int Bins => RecencyDays.Count + 1;

    private static System.Collections.ObjectModel.ReadOnlyCollection<double> Ascending(double[] values, string paramName)
    {
        for (var i = 0; i < values.Length; i++)
        {
            Check.Finite(values[i], paramName);
            if (i > 0 && values[i] <= values[i - 1])
            {
                throw new ArgumentException($"Cut-points must be strictly ascending, but element {i} ({values[i]}) is not above element {i - 1} ({values[i - 1]}).", paramName);
            }
        }

        return Array.AsReadOnly(values);
    }
}

/// <summary>
/// Settings of RFM scoring: bin count, binning mode, thresholds and segment map. Immutable; checked on construction.
/// </summary>
/// <remarks>
/// <para>The default instance uses 5 rank-quantile bins and <see cref="RfmSegmentMap.RecencyFrequency10"/>.</para>
/// <para>When no map is given and <c>bins ≠ 5</c>, the map is <see cref="RfmSegmentMap.RecencyFrequency10"/> rescaled with
/// <see cref="RfmSegmentMap.Rescale(int)"/>.</para>
/// <para>Thread-safe. Equality compares <see cref="Thresholds"/> and <see cref="SegmentMap"/> by reference.</para>
/// </remarks>
public sealed record RfmSettings
{
    /// <summary>The smallest bin count (2).</summary>
    public const int MinBins = 2;

    /// <summary>The largest bin count (10).</summary>
    public const int MaxBins = 10;

    /// <summary>The default bin count (5, quintiles).</summary>
    public const int DefaultBins = 5;

    /// <summary>Creates settings.</summary>
    /// <param name="bins">Scores per measure, in [<see cref="MinBins"/>, <see cref="MaxBins"/>]. Default 5.</param>
    /// <param name="binning">The binning mode. Default <see cref="RfmBinning.RankQuantile"/>.</param>
    /// <param name="thresholds">Cut-points; required with <see cref="RfmBinning.Thresholds"/> (with <paramref name="bins"/> − 1 per measure), not allowed otherwise.</param>
    /// <param name="segmentMap">The segment map, with <see cref="RfmSegmentMap.Bins"/> = <paramref name="bins"/>; <see langword="null"/> for the default.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is outside [2, 10] or <paramref name="binning"/> is undefined.</exception>
    /// <exception cref="ArgumentException">The thresholds or the map do not fit <paramref name="bins"/> or <paramref name="binning"/>.</exception>
    public RfmSettings(int bins = DefaultBins, RfmBinning binning = RfmBinning.RankQuantile, RfmThresholds? thresholds = null, RfmSegmentMap? segmentMap = null)
    {
        if (bins is < MinBins or > MaxBins)
        {
            throw new ArgumentOutOfRangeException(nameof(bins), bins, $"The bin count must be in [{MinBins}, {MaxBins}].");
        }

        if (binning is not (RfmBinning.RankQuantile or RfmBinning.Thresholds))
        {
            throw new ArgumentOutOfRangeException(nameof(binning), binning, "Expected RankQuantile or Thresholds.");
        }

        if (binning == RfmBinning.Thresholds)
        {
            if (thresholds is null)
            {
                throw new ArgumentException("Thresholds binning needs thresholds.", nameof(thresholds));
            }

            if (thresholds.Bins != bins)
            {
                throw new ArgumentException($"The thresholds define {thresholds.Bins} bins but the bin count is {bins}; give {bins - 1} cut-points per measure.", nameof(thresholds));
            }
        }
        else if (thresholds is not null)
        {
            throw new ArgumentException("Thresholds are only used with RfmBinning.Thresholds; leave them null for RankQuantile.", nameof(thresholds));
        }

        segmentMap ??= bins == RfmSegmentMap.RecencyFrequency10.Bins ? RfmSegmentMap.RecencyFrequency10 : RfmSegmentMap.RecencyFrequency10.Rescale(bins);
        if (segmentMap.Bins != bins)
        {
            throw new ArgumentException($"The segment map '{segmentMap.Name}' has {segmentMap.Bins} bins but the bin count is {bins}.", nameof(segmentMap));
        }

        Bins = bins;
        Binning = binning;
        Thresholds = thresholds;
        SegmentMap = segmentMap;
    }

    /// <summary>Gets the default settings: 5 rank-quantile bins, the 10-segment R×F map.</summary>
    public static RfmSettings Default { get; } = new();

    /// <summary>Gets the bin count. <value>The default is 5.</value></summary>
    public int Bins { get; }

    /// <summary>Gets the binning mode. <value>The default is <see cref="RfmBinning.RankQuantile"/>.</value></summary>
    public RfmBinning Binning { get; }

    /// <summary>Gets the thresholds (only with <see cref="RfmBinning.Thresholds"/>). <value>The default is <see langword="null"/>.</value></summary>
    public RfmThresholds? Thresholds { get; }

    /// <summary>Gets the segment map. <value>The default is <see cref="RfmSegmentMap.RecencyFrequency10"/>.</value></summary>
    public RfmSegmentMap SegmentMap { get; }
}

/// <summary>
/// The recency, frequency and monetary scores of one customer, each in [1, bins]; all three are 0 for a prospect (no purchase).
/// </summary>
/// <remarks>The default value is a prospect. Recency is reversed: the most recent customers get the top score.</remarks>
/// <param name="Recency">The recency score R (bins = most recent), or 0 for a prospect.</param>
/// <param name="Frequency">The frequency score F (bins = most purchases), or 0 for a prospect.</param>
/// <param name="Monetary">The monetary score M (bins = highest value), or 0 for a prospect.</param>
public readonly record struct RfmScore(byte Recency, byte Frequency, byte Monetary)
{
    /// <summary>Gets whether the customer has no purchase and therefore no scores.</summary>
    public bool IsProspect => Recency == 0;

    /// <summary>Returns the scores as the usual three-digit code ("545"), or "000" for a prospect.</summary>
    /// <returns>The code.</returns>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Recency}{Frequency}{Monetary}");
}
