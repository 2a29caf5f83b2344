using System.Globalization;
using System.Text;

namespace CemCore.Segmentation.Rfm;

/// <summary>The two axes of an RFM segment map.</summary>
public enum RfmSegmentAxes
{
    /// <summary>Rows are the recency score R, columns the frequency score F (the M score is not used). The default value.</summary>
    RecencyFrequency = 0,

    /// <summary>
    /// Rows are R, columns the combined score <c>FM = ⌊(F + M + 1) / 2⌋</c>, the mean of F and M rounded half up
    /// (so FM is in [1, bins] and FM = 1 only when F = M = 1).
    /// </summary>
    RecencyFrequencyMonetary = 1,
}

/// <summary>
/// A lookup table from RFM scores to named segments: a <c>bins × bins</c> grid over (R, F) or (R, FM), in which every cell holds
/// exactly one segment and every declared segment holds at least one cell.
/// </summary>
/// <remarks>
/// <para>Build one with <see cref="RfmSegmentMapBuilder"/> (or <see cref="ToBuilder"/> to override a shipped map per tenant), or load
/// one from JSON with <see cref="LoadJson(string, string)"/>. Both validate the whole grid.</para>
/// <para>Customers without purchases are not in the grid: they are in the reserved segment <see cref="Prospects"/>.</para>
/// <para>Two maps ship: <see cref="RecencyFrequency10"/> (10 segments over R×F) and <see cref="RecencyFrequencyMonetary11"/>
/// (the same layout over R×FM, with <c>Lost</c> carved out of the lowest cell). See docs/rfm.md for their sources.</para>
/// <para>Immutable and thread-safe. Equality is by reference.</para>
/// </remarks>
public sealed class RfmSegmentMap
{
    /// <summary>The reserved segment of customers with no purchase (no scores).</summary>
    public const string Prospects = "Prospects";

    private readonly byte[] _cells;
    private readonly string[] _segments;

    internal RfmSegmentMap(string name, RfmSegmentAxes axes, int bins, string[] segments, byte[] cells)
    {
        Name = name;
        Axes = axes;
        Bins = bins;
        _segments = segments;
        _cells = cells;
        Segments = Array.AsReadOnly(segments);
    }

    /// <summary>
    /// Gets the widely used 10-segment R×F map (5 bins). Rows R = 1..5, columns F = 1..5:
    /// <code>
    /// R\F  1               2                    3                    4                5
    /// 5    New Customers   Potential Loyalists  Potential Loyalists  Champions        Champions
    /// 4    Promising       Potential Loyalists  Potential Loyalists  Loyal Customers  Loyal Customers
    /// 3    About to Sleep  About to Sleep       Need Attention       Loyal Customers  Loyal Customers
    /// 2    Hibernating     Hibernating          At Risk              At Risk          Can't Lose Them
    /// 1    Hibernating     Hibernating          At Risk              At Risk          Can't Lose Them
    /// </code>
    /// </summary>
    /// <remarks>This is the R×F grid circulated with the Putler "RFM segmentation" guide and the many RFM tutorials derived from it
    /// (usually written as regular expressions over the "RF" string, e.g. <c>[1-2][1-2] → Hibernating</c>).</remarks>
    public static RfmSegmentMap RecencyFrequency10 { get; } = CreateShipped(RfmSegmentAxes.RecencyFrequency, "rfm-rf-10", lost: false);

    /// <summary>
    /// Gets the 11-segment R×FM map (5 bins): the grid of <see cref="RecencyFrequency10"/> over (R, FM) instead of (R, F), with the
    /// lowest cell (R = 1, FM = 1) assigned to <c>Lost</c> instead of <c>Hibernating</c>.
    /// </summary>
    /// <remarks>Putler's 11-segment table gives overlapping R/F/M ranges (e.g. Lost and Hibernating both cover R ≤ 2, F ≤ 2, M ≤ 2).
    /// CemCore resolves the overlap by keeping the R×F layout and giving Lost only the cell with the lowest recency and the lowest
    /// combined frequency-monetary score, as Putler describes Lost ("lowest recency, frequency and monetary scores").</remarks>
    public static RfmSegmentMap RecencyFrequencyMonetary11 { get; } = CreateShipped(RfmSegmentAxes.RecencyFrequencyMonetary, "rfm-rfm-11", lost: true);

    /// <summary>Gets the map's name (used in messages).</summary>
    public string Name { get; }

    /// <summary>Gets the axes.</summary>
    public RfmSegmentAxes Axes { get; }

    /// <summary>Gets the number of bins per axis.</summary>
    public int Bins { get; }

    /// <summary>Gets the segment names in report order (without <see cref="Prospects"/>).</summary>
    public IReadOnlyList<string> Segments { get; }

    /// <summary>Returns the index into <see cref="Segments"/> of a score, or -1 for a prospect. Allocation-free.</summary>
    /// <param name="score">The scores, each in [1, <see cref="Bins"/>], or the prospect default.</param>
    /// <returns>The segment index, or -1.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside [1, <see cref="Bins"/>] (and the score is not a prospect).</exception>
    public int SegmentIndexOf(RfmScore score)
    {
        if (score.IsProspect)
        {
            return -1;
        }

        int r = score.Recency, f = score.Frequency, m = score.Monetary;
        if ((uint)(r - 1) >= (uint)Bins || (uint)(f - 1) >= (uint)Bins || (Axes == RfmSegmentAxes.RecencyFrequencyMonetary && (uint)(m - 1) >= (uint)Bins))
        {
            ThrowScore(score, Bins);
        }

        var x = Axes == RfmSegmentAxes.RecencyFrequency ? f : (f + m + 1) / 2;
        return _cells[((r - 1) * Bins) + x - 1];
    }

    /// <summary>Returns the segment name of a score, or <see cref="Prospects"/>. Allocation-free.</summary>
    /// <param name="score">The scores.</param>
    /// <returns>The segment name.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside [1, <see cref="Bins"/>].</exception>
    public string SegmentOf(RfmScore score)
    {
        var i = SegmentIndexOf(score);
        return i < 0 ? Prospects : _segments[i];
    }

    /// <summary>Returns the segment name of a cell.</summary>
    /// <param name="recency">The R score, in [1, <see cref="Bins"/>].</param>
    /// <param name="column">The F score (R×F) or the FM score (R×FM), in [1, <see cref="Bins"/>].</param>
    /// <returns>The segment name.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside [1, <see cref="Bins"/>].</exception>
    public string CellSegment(int recency, int column)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recency, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recency, Bins);
        ArgumentOutOfRangeException.ThrowIfLessThan(column, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(column, Bins);
        return _segments[_cells[((recency - 1) * Bins) + column - 1]];
    }

    /// <summary>
    /// Returns this map resampled to another bin count: cell (r, x) of the new map takes the segment of cell
    /// (⌈r·B/bins⌉, ⌈x·B/bins⌉) of this map (B = <see cref="Bins"/>). Segments that no cell reaches are dropped.
    /// </summary>
    /// <param name="bins">The new bin count, in [<see cref="RfmSettings.MinBins"/>, <see cref="RfmSettings.MaxBins"/>].</param>
    /// <returns>The rescaled map (this instance when <paramref name="bins"/> equals <see cref="Bins"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is outside [2, 10].</exception>
    public RfmSegmentMap Rescale(int bins)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, RfmSettings.MinBins);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bins, RfmSettings.MaxBins);
        if (bins == Bins)
        {
            return this;
        }

        var builder = new RfmSegmentMapBuilder(Axes, bins).WithName(string.Create(CultureInfo.InvariantCulture, $"{Name} (rescaled to {bins} bins)"));
        var used = new bool[_segments.Length];
        var cells = new int[bins * bins];
        for (var r = 1; r <= bins; r++)
        {
            for (var x = 1; x <= bins; x++)
            {
                var sr = ((r * Bins) + bins - 1) / bins;
                var sx = ((x * Bins) + bins - 1) / bins;
                var s = _cells[((sr - 1) * Bins) + sx - 1];
                cells[((r - 1) * bins) + x - 1] = s;
                used[s] = true;
            }
        }

        for (var s = 0; s < _segments.Length; s++)
        {
            if (used[s])
            {
                builder.AddSegment(_segments[s]);
            }
        }

        for (var r = 1; r <= bins; r++)
        {
            for (var x = 1; x <= bins; x++)
            {
                builder.Assign(_segments[cells[((r - 1) * bins) + x - 1]], r, r, x, x);
            }
        }

        return builder.Build();
    }

    /// <summary>Returns a builder pre-filled with this map's segments and cells, to override cells per tenant.</summary>
    /// <returns>A new builder.</returns>
    public RfmSegmentMapBuilder ToBuilder()
    {
        var builder = new RfmSegmentMapBuilder(Axes, Bins).WithName(Name);
        foreach (var s in _segments)
        {
            builder.AddSegment(s);
        }

        for (var r = 1; r <= Bins; r++)
        {
            for (var x = 1; x <= Bins; x++)
            {
                builder.Assign(_segments[_cells[((r - 1) * Bins) + x - 1]], r, r, x, x);
            }
        }

        return builder;
    }

    /// <summary>Returns the map as JSON in the format read by <see cref="LoadJson(string, string)"/> (one rule per cell).</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteString("name", Name);
            w.WriteString("axes", Axes == RfmSegmentAxes.RecencyFrequency ? "RxF" : "RxFM");
            w.WriteNumber("bins", Bins);
            w.WriteStartArray("segments");
            foreach (var s in _segments)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
            w.WriteStartArray("cells");
            var column = Axes == RfmSegmentAxes.RecencyFrequency ? "f" : "fm";
            for (var r = 1; r <= Bins; r++)
            {
                for (var x = 1; x <= Bins; x++)
                {
                    w.WriteStartObject();
                    w.WriteString("segment", CellSegment(r, x));
                    w.WriteString("r", r.ToString(CultureInfo.InvariantCulture));
                    w.WriteString(column, x.ToString(CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>
    /// Loads a map from JSON:
    /// <c>{"name":"tenant-a","axes":"RxF","bins":5,"segments":["Champions",...],"cells":[{"segment":"Champions","r":"5","f":"4-5"},...]}</c>.
    /// </summary>
    /// <remarks>
    /// <para><c>axes</c> is <c>"RxF"</c> (cells use <c>"f"</c>) or <c>"RxFM"</c> (cells use <c>"fm"</c>); <c>bins</c> defaults to 5.
    /// <c>segments</c> declares every segment in report order. Each cell rule names a declared segment and score ranges
    /// (<c>"4"</c>, <c>"4-5"</c>, or a number). Every grid cell must be covered by exactly one rule and every segment by at least one cell.</para>
    /// <para>Nothing in the JSON is executed: it is data only.</para>
    /// </remarks>
    /// <param name="json">The JSON text.</param>
    /// <param name="sourceName">The name used in error messages (e.g. a file name).</param>
    /// <returns>The validated map.</returns>
    /// <exception cref="Sources.DataFormatException">The JSON is malformed or the map is invalid; the message names the field or cell.</exception>
    public static RfmSegmentMap LoadJson(string json, string sourceName = "segment map") => RfmSegmentMapJson.Load(json, sourceName);

    private static RfmSegmentMap CreateShipped(RfmSegmentAxes axes, string name, bool lost)
    {
        var b = new RfmSegmentMapBuilder(axes, 5).WithName(name)
            .AddSegment("Champions")
            .AddSegment("Loyal Customers")
            .AddSegment("Potential Loyalists")
            .AddSegment("New Customers")
            .AddSegment("Promising")
            .AddSegment("Need Attention")
            .AddSegment("About to Sleep")
            .AddSegment("At Risk")
            .AddSegment("Can't Lose Them")
            .AddSegment("Hibernating");
        if (lost)
        {
            b.AddSegment("Lost");
        }

        b.Assign("Champions", 5, 5, 4, 5)
            .Assign("Loyal Customers", 3, 4, 4, 5)
            .Assign("Potential Loyalists", 4, 5, 2, 3)
            .Assign("New Customers", 5, 5, 1, 1)
            .Assign("Promising", 4, 4, 1, 1)
            .Assign("Need Attention", 3, 3, 3, 3)
            .Assign("About to Sleep", 3, 3, 1, 2)
            .Assign("At Risk", 1, 2, 3, 4)
            .Assign("Can't Lose Them", 1, 2, 5, 5);
        if (lost)
        {
            b.Assign("Hibernating", 1, 1, 2, 2).Assign("Hibernating", 2, 2, 1, 2).Assign("Lost", 1, 1, 1, 1);
        }
        else
        {
            b.Assign("Hibernating", 1, 2, 1, 2);
        }

        return b.Build();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn, System.Diagnostics.StackTraceHidden]
    private static void ThrowScore(RfmScore score, int bins) =>
        throw new ArgumentOutOfRangeException(nameof(score), score.ToString(), $"Each score must be in [1, {bins}] (or all 0 for a prospect).");
}

/// <summary>
/// Builds an <see cref="RfmSegmentMap"/>: declare segments, then assign rectangles of cells. Mutable, single-use and not thread-safe.
/// </summary>
/// <remarks><see cref="Assign"/> fails at <see cref="Build"/> when a cell is assigned twice; <see cref="Override"/> replaces
/// whatever a cell held (for per-tenant changes to a shipped map).</remarks>
public sealed class RfmSegmentMapBuilder
{
    private readonly List<string> _segments = [];
    private readonly string?[] _cells;
    private readonly List<string> _conflicts = [];
    private string _name = "custom";
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="axes">The axes. Default R×F.</param>
    /// <param name="bins">Bins per axis, in [2, 10]. Default 5.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bins"/> is outside [2, 10] or <paramref name="axes"/> is undefined.</exception>
    public RfmSegmentMapBuilder(RfmSegmentAxes axes = RfmSegmentAxes.RecencyFrequency, int bins = RfmSettings.DefaultBins)
    {
        if (axes is not (RfmSegmentAxes.RecencyFrequency or RfmSegmentAxes.RecencyFrequencyMonetary))
        {
            throw new ArgumentOutOfRangeException(nameof(axes), axes, "Expected RecencyFrequency or RecencyFrequencyMonetary.");
        }

        if (bins is < RfmSettings.MinBins or > RfmSettings.MaxBins)
        {
            throw new ArgumentOutOfRangeException(nameof(bins), bins, $"The bin count must be in [{RfmSettings.MinBins}, {RfmSettings.MaxBins}].");
        }

        Axes = axes;
        Bins = bins;
        _cells = new string?[bins * bins];
    }

    /// <summary>Gets the axes.</summary>
    public RfmSegmentAxes Axes { get; }

    /// <summary>Gets the bins per axis.</summary>
    public int Bins { get; }

    private string Column => Axes == RfmSegmentAxes.RecencyFrequency ? "F" : "FM";

    /// <summary>Sets the map's name.</summary>
    /// <param name="name">A non-blank name.</param>
    /// <returns>This builder.</returns>
    public RfmSegmentMapBuilder WithName(string name)
    {
        EnsureNotBuilt();
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _name = name;
        return this;
    }

    /// <summary>Declares a segment; the declaration order is the report order.</summary>
    /// <param name="name">A non-blank name, unique (ordinal), not <see cref="RfmSegmentMap.Prospects"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is blank, reserved, or already declared.</exception>
    public RfmSegmentMapBuilder AddSegment(string name)
    {
        EnsureNotBuilt();
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (string.Equals(name, RfmSegmentMap.Prospects, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{RfmSegmentMap.Prospects}' is reserved for customers without purchases.", nameof(name));
        }

        if (_segments.Contains(name, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The segment '{name}' is already declared.", nameof(name));
        }

        if (_segments.Count == 255)
        {
            throw new ArgumentException("A map holds at most 255 segments.", nameof(name));
        }

        _segments.Add(name);
        return this;
    }

    /// <summary>Removes a declared segment. Cells still assigned to it make <see cref="Build"/> fail unless overridden.</summary>
    /// <param name="name">The segment.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The segment is not declared.</exception>
    public RfmSegmentMapBuilder RemoveSegment(string name)
    {
        EnsureNotBuilt();
        ArgumentNullException.ThrowIfNull(name);
        if (!_segments.Remove(name))
        {
            throw new ArgumentException($"The segment '{name}' is not declared.", nameof(name));
        }

        return this;
    }

    /// <summary>Assigns the cells R ∈ [recencyFrom, recencyTo] × column ∈ [columnFrom, columnTo] to a segment.</summary>
    /// <param name="segment">The segment (declared before <see cref="Build"/>).</param>
    /// <param name="recencyFrom">Lowest R, in [1, bins].</param>
    /// <param name="recencyTo">Highest R, in [recencyFrom, bins].</param>
    /// <param name="columnFrom">Lowest F (or FM), in [1, bins].</param>
    /// <param name="columnTo">Highest F (or FM), in [columnFrom, bins].</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A range is empty or outside [1, bins].</exception>
    public RfmSegmentMapBuilder Assign(string segment, int recencyFrom, int recencyTo, int columnFrom, int columnTo) =>
        Set(segment, recencyFrom, recencyTo, columnFrom, columnTo, replace: false);

    /// <summary>Like <see cref="Assign"/>, but replaces what the cells held (no conflict).</summary>
    /// <param name="segment">The segment.</param>
    /// <param name="recencyFrom">Lowest R.</param>
    /// <param name="recencyTo">Highest R.</param>
    /// <param name="columnFrom">Lowest F (or FM).</param>
    /// <param name="columnTo">Highest F (or FM).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A range is empty or outside [1, bins].</exception>
    public RfmSegmentMapBuilder Override(string segment, int recencyFrom, int recencyTo, int columnFrom, int columnTo) =>
        Set(segment, recencyFrom, recencyTo, columnFrom, columnTo, replace: true);

    /// <summary>Validates and builds the map.</summary>
    /// <returns>The immutable map.</returns>
    /// <exception cref="InvalidOperationException">A cell is assigned twice or not at all, names an undeclared segment, or a segment has no cell;
    /// or the builder was already built. The message names the cell and the segment.</exception>
    public RfmSegmentMap Build()
    {
        EnsureNotBuilt();
        var error = Validate(out var cells);
        if (error is not null)
        {
            throw new InvalidOperationException($"Invalid RFM segment map '{_name}': {error}");
        }

        _built = true;
        return new RfmSegmentMap(_name, Axes, Bins, [.. _segments], cells!);
    }

    /// <summary>Returns the first validation error, or null; used by the JSON loader too.</summary>
    internal string? Validate(out byte[]? cells)
    {
        cells = null;
        if (_conflicts.Count > 0)
        {
            return _conflicts[0];
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _segments.Count; i++)
        {
            index[_segments[i]] = i;
        }

        var result = new byte[_cells.Length];
        var reached = new bool[_segments.Count];
        for (var r = 1; r <= Bins; r++)
        {
            for (var x = 1; x <= Bins; x++)
            {
                var name = _cells[((r - 1) * Bins) + x - 1];
                if (name is null)
                {
                    return string.Create(CultureInfo.InvariantCulture, $"cell R={r},{Column}={x} has no segment; every cell must map to exactly one segment.");
                }

                if (!index.TryGetValue(name, out var s))
                {
                    return string.Create(CultureInfo.InvariantCulture, $"cell R={r},{Column}={x} names the unknown segment '{name}'; declared segments: {string.Join(", ", _segments)}.");
                }

                result[((r - 1) * Bins) + x - 1] = (byte)s;
                reached[s] = true;
            }
        }

        for (var s = 0; s < reached.Length; s++)
        {
            if (!reached[s])
            {
                return $"the segment '{_segments[s]}' is declared but no cell maps to it; every segment must be reachable.";
            }
        }

        if (_segments.Count == 0)
        {
            return "no segment is declared.";
        }

        cells = result;
        return null;
    }

    internal string Name => _name;

    internal bool IsDeclared(string segment) => _segments.Contains(segment, StringComparer.Ordinal);

    private RfmSegmentMapBuilder Set(string segment, int recencyFrom, int recencyTo, int columnFrom, int columnTo, bool replace)
    {
        EnsureNotBuilt();
        ArgumentException.ThrowIfNullOrWhiteSpace(segment);
        CheckRange(recencyFrom, recencyTo, nameof(recencyFrom), nameof(recencyTo));
        CheckRange(columnFrom, columnTo, nameof(columnFrom), nameof(columnTo));
        for (var r = recencyFrom; r <= recencyTo; r++)
        {
            for (var x = columnFrom; x <= columnTo; x++)
            {
                ref var cell = ref _cells[((r - 1) * Bins) + x - 1];
                if (!replace && cell is not null && !string.Equals(cell, segment, StringComparison.Ordinal))
                {
                    _conflicts.Add(string.Create(CultureInfo.InvariantCulture, $"cell R={r},{Column}={x} is assigned to both '{cell}' and '{segment}'; every cell must map to exactly one segment."));
                }

                cell = segment;
            }
        }

        return this;
    }

    private void CheckRange(int from, int to, string fromName, string toName)
    {
        if (from < 1 || from > Bins)
        {
            throw new ArgumentOutOfRangeException(fromName, from, $"The score must be in [1, {Bins}].");
        }

        if (to < from || to > Bins)
        {
            throw new ArgumentOutOfRangeException(toName, to, $"The score must be in [{from}, {Bins}].");
        }
    }

    private void EnsureNotBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("This builder has already built its map; create a new builder.");
        }
    }
}
