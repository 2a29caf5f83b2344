using System.Globalization;
using CemCore.Features;
using CemCore.Rules;
using CemCore.Segmentation.Clustering;
using CemCore.Segmentation.Rfm;
using CemCore.Segmentation.RuleSegments;
using CemCore.Segmentation.TargetGroups;

namespace CemCore;

/// <summary>What a segmenter sees: the population's features and, when the pipeline has them, the per-customer contexts and RFM scores.</summary>
/// <remarks>Immutable; the contexts are the pipeline's and must not be changed by a segmenter.</remarks>
public sealed class SegmentationInput
{
    /// <summary>Creates an input.</summary>
    /// <param name="features">The population's features (one row per customer).</param>
    /// <param name="contexts">Contexts aligned with <paramref name="features"/> (profile, RFM segment, lifecycle stage, churn, CLV filled in), or
    /// <see langword="null"/> (rule segmenters then see features only).</param>
    /// <param name="rfm">The RFM result of <paramref name="features"/> (same order), or <see langword="null"/> (segmenters that need it compute it).</param>
    /// <exception cref="ArgumentException">A list's length differs from the feature count.</exception>
    public SegmentationInput(CustomerFeatureSet features, IReadOnlyList<CustomerContext>? contexts = null, RfmResult? rfm = null)
    {
        Features = features ?? throw new ArgumentNullException(nameof(features));
        if (contexts is not null && contexts.Count != features.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {features.Count} contexts (one per customer) but got {contexts.Count}."), nameof(contexts));
        }

        if (rfm is not null && rfm.Count != features.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected an RFM result of {features.Count} customers but got {rfm.Count}."), nameof(rfm));
        }

        Contexts = contexts;
        Rfm = rfm;
    }

    /// <summary>Gets the features.</summary>
    public CustomerFeatureSet Features { get; }

    /// <summary>Gets the contexts aligned with <see cref="Features"/>, or <see langword="null"/>.</summary>
    public IReadOnlyList<CustomerContext>? Contexts { get; }

    /// <summary>Gets the RFM result aligned with <see cref="Features"/>, or <see langword="null"/>.</summary>
    public RfmResult? Rfm { get; }

    /// <summary>Gets the RFM result, computing it with <paramref name="settings"/> when the input has none.</summary>
    /// <param name="settings">Settings used when computing; <see langword="null"/> for the defaults.</param>
    /// <returns>The result.</returns>
    public RfmResult RfmOrCompute(RfmSettings? settings = null) => Rfm ?? RfmScorer.Score(RfmValues.FromFeatures(Features), settings);
}

/// <summary>
/// The memberships a segmenter assigned: up to 64 named segments, and per customer a bit mask over them (bit <c>i</c> = segment <c>i</c>).
/// RFM and cluster segmenters put each customer in exactly one segment; rule segments and target groups may put a customer in several or none.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class SegmentationResult
{
    /// <summary>The largest number of segments in one result.</summary>
    public const int MaxSegments = 64;

    private readonly string[] _segments;
    private readonly string[] _ids;
    private readonly ulong[] _masks;

    /// <summary>Creates a result.</summary>
    /// <param name="segmenter">The segmenter's name (such as <c>rfm</c>).</param>
    /// <param name="asOf">The as-of instant of the features.</param>
    /// <param name="segments">Distinct segment names, at most <see cref="MaxSegments"/>.</param>
    /// <param name="customerIds">The customers.</param>
    /// <param name="masks">One membership mask per customer, using only bits of existing segments.</param>
    /// <exception cref="ArgumentException">Blank or repeated names, too many segments, lengths that differ, or bits beyond the segments.</exception>
    public SegmentationResult(string segmenter, DateTimeOffset asOf, IEnumerable<string> segments, IEnumerable<string> customerIds, IEnumerable<ulong> masks)
    {
        Segmenter = Primitives.Check.NotBlank(segmenter);
        AsOf = asOf;
        ArgumentNullException.ThrowIfNull(segments);
        ArgumentNullException.ThrowIfNull(customerIds);
        ArgumentNullException.ThrowIfNull(masks);
        _segments = [.. segments];
        _ids = [.. customerIds];
        _masks = [.. masks];
        if (_segments.Length > MaxSegments)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A result holds at most {MaxSegments} segments but {_segments.Length} were given."), nameof(segments));
        }

        if (_segments.Any(string.IsNullOrWhiteSpace) || _segments.Distinct(StringComparer.Ordinal).Count() != _segments.Length)
        {
            throw new ArgumentException("Segment names must be non-blank and distinct.", nameof(segments));
        }

        if (_ids.Length != _masks.Length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {_ids.Length} masks (one per customer) but got {_masks.Length}."), nameof(masks));
        }

        var allowed = _segments.Length == MaxSegments ? ulong.MaxValue : (1UL << _segments.Length) - 1;
        if (_masks.Any(m => (m & ~allowed) != 0))
        {
            throw new ArgumentException("A mask sets a bit beyond the segments.", nameof(masks));
        }
    }

    /// <summary>Gets the segmenter's name.</summary>
    public string Segmenter { get; }

    /// <summary>Gets the as-of instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the segment names (bit order).</summary>
    public IReadOnlyList<string> Segments => _segments;

    /// <summary>Gets the customers.</summary>
    public IReadOnlyList<string> CustomerIds => _ids;

    /// <summary>Gets the number of customers.</summary>
    public int Count => _ids.Length;

    /// <summary>Gets the membership masks, one per customer.</summary>
    public ReadOnlySpan<ulong> Masks => _masks;

    /// <summary>Returns the names of the segments customer <paramref name="index"/> belongs to, in segment order.</summary>
    /// <param name="index">The customer's position.</param>
    /// <returns>The names (empty when in none).</returns>
    public IEnumerable<string> SegmentsOf(int index)
    {
        var mask = _masks[index];
        for (var i = 0; mask != 0; i++, mask >>= 1)
        {
            if ((mask & 1) != 0)
            {
                yield return _segments[i];
            }
        }
    }

    /// <summary>Returns the first segment (lowest bit) of customer <paramref name="index"/>, or <see langword="null"/> when in none. Allocates nothing.</summary>
    /// <param name="index">The customer's position.</param>
    /// <returns>The name or <see langword="null"/>.</returns>
    public string? FirstSegmentOf(int index) => _masks[index] == 0 ? null : _segments[System.Numerics.BitOperations.TrailingZeroCount(_masks[index])];

    /// <summary>Counts the members of each segment.</summary>
    /// <returns>Segment name and member count, in segment order (zero counts included).</returns>
    public IReadOnlyList<KeyValuePair<string, int>> CountBySegment()
    {
        var counts = new int[_segments.Length];
        foreach (var m in _masks)
        {
            var mask = m;
            for (var i = 0; mask != 0; i++, mask >>= 1)
            {
                counts[i] += (int)(mask & 1);
            }
        }

        return [.. _segments.Select((s, i) => new KeyValuePair<string, int>(s, counts[i]))];
    }
}

/// <summary>
/// Assigns customers to segments: RFM segments (<see cref="RfmSegmenter"/>), rule segments (<see cref="RuleSegmenter"/>), target groups
/// (<see cref="TargetGroupSegmenter"/>) and k-means clusters (<see cref="ClusterSegmenter"/>) implement it; a host may add or decorate its own.
/// </summary>
/// <remarks>Implementations must be safe for concurrent use and must not change the input.</remarks>
public interface ICustomerSegmenter
{
    /// <summary>Gets the segmenter's name, stored with every membership (such as <c>rfm</c>, <c>rules</c>); unique among the registered segmenters.</summary>
    string Name { get; }

    /// <summary>Segments a population.</summary>
    /// <param name="input">The population.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>One mask per customer of <see cref="SegmentationInput.Features"/>, in its order.</returns>
    SegmentationResult Segment(SegmentationInput input, CancellationToken cancellationToken = default);
}

/// <summary>RFM segments (<see cref="RfmScorer"/> with a segment map); customers without purchases are in <see cref="RfmSegmentMap.Prospects"/>.</summary>
/// <param name="settings">RFM settings; <see langword="null"/> for <see cref="RfmSettings.Default"/>.</param>
public sealed class RfmSegmenter(RfmSettings? settings = null) : ICustomerSegmenter
{
    /// <summary>Gets the settings.</summary>
    public RfmSettings Settings { get; } = settings ?? RfmSettings.Default;

    /// <inheritdoc/>
    public string Name => "rfm";

    /// <inheritdoc/>
    public SegmentationResult Segment(SegmentationInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        cancellationToken.ThrowIfCancellationRequested();
        return ToResult(input.RfmOrCompute(Settings), input.Features.AsOf);
    }

    /// <summary>Turns an RFM result into memberships: the map's segments in order, then <see cref="RfmSegmentMap.Prospects"/>.</summary>
    /// <param name="rfm">The RFM result.</param>
    /// <param name="asOf">The as-of instant.</param>
    /// <returns>The memberships.</returns>
    public static SegmentationResult ToResult(RfmResult rfm, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(rfm);
        var names = rfm.Settings.SegmentMap.Segments.Append(RfmSegmentMap.Prospects).ToArray();
        var prospects = names.Length - 1;
        var masks = new ulong[rfm.Count];
        for (var i = 0; i < masks.Length; i++)
        {
            var s = rfm.SegmentIndexOf(i);
            masks[i] = 1UL << (s < 0 ? prospects : s);
        }

        return new SegmentationResult("rfm", asOf, names, rfm.Values.CustomerIds, masks);
    }
}

/// <summary>Rule segments (<see cref="RuleSegmentSet"/>, at most 64) evaluated on each customer's context.</summary>
/// <param name="segments">The segments.</param>
/// <param name="name">The segmenter's name (default <c>rules</c>).</param>
public sealed class RuleSegmenter(RuleSegmentSet segments, string name = "rules") : ICustomerSegmenter
{
    /// <summary>Gets the segments.</summary>
    public RuleSegmentSet Segments { get; } = segments ?? throw new ArgumentNullException(nameof(segments));

    /// <inheritdoc/>
    public string Name { get; } = Primitives.Check.NotBlank(name);

    /// <inheritdoc/>
    /// <remarks>Without contexts in the input, each customer is evaluated on its features alone (profile and model facts missing).</remarks>
    public SegmentationResult Segment(SegmentationInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var features = input.Features;
        var masks = new ulong[features.Count];
        var contexts = input.Contexts;
        var scratch = contexts is null ? new CustomerContext() : null;
        for (var i = 0; i < masks.Length; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (contexts is not null)
            {
                CustomerContext.PrefetchAhead(contexts, i); // prepared contexts: ask for the next customers' data (issue 17)
            }

            var context = contexts?[i] ?? scratch!.Reset(null, features[i], features.AsOf);

            masks[i] = Segments.EvaluateMask(context);
        }

        return new SegmentationResult(Name, features.AsOf, Segments.Segments.Select(s => s.Name), features.Select(f => f.CustomerId), masks);
    }
}

/// <summary>Target groups over RFM scores (<see cref="TargetGroupSet"/>).</summary>
/// <param name="groups">The groups; <see langword="null"/> for <see cref="TargetGroupSet.CreateDefault"/>.</param>
/// <param name="rfmSettings">RFM settings used when the input has no RFM result; their segment map must be the groups' map.</param>
public sealed class TargetGroupSegmenter(TargetGroupSet? groups = null, RfmSettings? rfmSettings = null) : ICustomerSegmenter
{
    /// <summary>Gets the groups.</summary>
    public TargetGroupSet Groups { get; } = groups ?? TargetGroupSet.CreateDefault(rfmSettings?.SegmentMap);

    /// <inheritdoc/>
    public string Name => "target-groups";

    /// <inheritdoc/>
    public SegmentationResult Segment(SegmentationInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        cancellationToken.ThrowIfCancellationRequested();
        var rfm = input.RfmOrCompute(rfmSettings);
        var scores = rfm.Scores;
        var masks = new ulong[scores.Length];
        for (var i = 0; i < masks.Length; i++)
        {
            masks[i] = Groups.Evaluate(scores[i]).Mask;
        }

        return new SegmentationResult(Name, input.Features.AsOf, Groups.Groups.Select(g => g.Name), rfm.Values.CustomerIds, masks);
    }
}

/// <summary>
/// k-means clusters (<see cref="KMeans"/>, seeded) over log-scaled recency, frequency and monetary value of the customers with purchases;
/// segments are named <c>cluster-0</c> … <c>cluster-(k−1)</c>, customers without purchases are in none.
/// </summary>
/// <param name="settings">The k-means settings (k at most 64; seed fixed, so runs repeat).</param>
public sealed class ClusterSegmenter(KMeansSettings settings) : ICustomerSegmenter
{
    /// <summary>Gets the settings.</summary>
    public KMeansSettings Settings { get; } = settings is null ? throw new ArgumentNullException(nameof(settings))
        : settings.ClusterCount <= SegmentationResult.MaxSegments ? settings
        : throw new ArgumentOutOfRangeException(nameof(settings), settings.ClusterCount, "At most 64 clusters.");

    /// <inheritdoc/>
    public string Name => "clusters";

    /// <inheritdoc/>
    public SegmentationResult Segment(SegmentationInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var features = input.Features;
        var rows = new List<int>();
        for (var i = 0; i < features.Count; i++)
        {
            if (features[i].HasPurchased)
            {
                rows.Add(i);
            }
        }

        var masks = new ulong[features.Count];
        var names = Enumerable.Range(0, Settings.ClusterCount).Select(k => "cluster-" + k.ToString(CultureInfo.InvariantCulture)).ToArray();
        if (rows.Count >= Settings.ClusterCount)
        {
            const int Columns = 3;
            var data = new double[rows.Count * Columns];
            for (var r = 0; r < rows.Count; r++)
            {
                var f = features[rows[r]];
                data[r * Columns] = double.LogP1(f.RecencyDays ?? 0);
                data[(r * Columns) + 1] = double.LogP1(f.OrderCount);
                data[(r * Columns) + 2] = double.LogP1(Math.Max(0, (double)f.MonetaryTotal));
            }

            var fit = KMeans.Fit(data, Columns, Settings, cancellationToken: cancellationToken);
            var labels = fit.Labels;
            for (var r = 0; r < rows.Count; r++)
            {
                masks[rows[r]] = 1UL << labels[r];
            }
        }

        return new SegmentationResult(Name, features.AsOf, names, features.Select(f => f.CustomerId), masks);
    }
}
