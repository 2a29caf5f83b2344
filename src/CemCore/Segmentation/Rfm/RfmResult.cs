namespace CemCore.Segmentation.Rfm;

/// <summary>The RFM scores and segments of a population, in the order of its <see cref="RfmValues"/>.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class RfmResult
{
    private readonly RfmScore[] _scores;
    /// <summary>The segment index of each customer, <see cref="ProspectSegment"/> for a prospect: one byte a customer (a map holds at
    /// most 255 segments; issue 17: the array is new memory on every call).</summary>
    private readonly byte[] _segments;

    private const byte ProspectSegment = byte.MaxValue;

    internal RfmResult(RfmValues values, RfmSettings settings, RfmCutPoints cutPoints, RfmScore[] scores)
    {
        Values = values;
        Settings = settings;
        CutPoints = cutPoints;
        _scores = scores;
        _segments = GC.AllocateUninitializedArray<byte>(scores.Length);
        var map = settings.SegmentMap;
        for (var i = 0; i < scores.Length; i++)
        {
            _segments[i] = unchecked((byte)map.SegmentIndexOf(scores[i]));
        }
    }

    /// <summary>Gets the input values.</summary>
    public RfmValues Values { get; }

    /// <summary>Gets the settings used.</summary>
    public RfmSettings Settings { get; }

    /// <summary>Gets the cut-points (reusable to score single customers with <see cref="RfmCutPoints.Score"/>).</summary>
    public RfmCutPoints CutPoints { get; }

    /// <summary>Gets the number of customers.</summary>
    public int Count => _scores.Length;

    /// <summary>Gets the scores, one per customer (the default score for prospects).</summary>
    public ReadOnlySpan<RfmScore> Scores => _scores;

    /// <summary>Returns the index of a customer's segment in <see cref="RfmSegmentMap.Segments"/>, or -1 for a prospect.</summary>
    /// <param name="index">The customer's position.</param>
    /// <returns>The segment index.</returns>
    public int SegmentIndexOf(int index) => _segments[index] is var s && s == ProspectSegment ? -1 : s;

    /// <summary>Returns a customer's segment name (<see cref="RfmSegmentMap.Prospects"/> for customers without purchases).</summary>
    /// <param name="index">The customer's position.</param>
    /// <returns>The segment name.</returns>
    public string SegmentOf(int index)
    {
        var s = SegmentIndexOf(index);
        return s < 0 ? RfmSegmentMap.Prospects : Settings.SegmentMap.Segments[s];
    }

    /// <summary>Counts customers per segment: every segment of the map in its order (zero counts included), then <see cref="RfmSegmentMap.Prospects"/>.</summary>
    /// <returns>The counts; they sum to <see cref="Count"/>.</returns>
    public IReadOnlyList<KeyValuePair<string, int>> CountBySegment()
    {
        var segments = Settings.SegmentMap.Segments;
        var counts = new int[segments.Count + 1];
        foreach (var s in _segments)
        {
            counts[s == ProspectSegment ? segments.Count : s]++;
        }

        var list = new KeyValuePair<string, int>[counts.Length];
        for (var i = 0; i < segments.Count; i++)
        {
            list[i] = new(segments[i], counts[i]);
        }

        list[^1] = new(RfmSegmentMap.Prospects, counts[^1]);
        return list;
    }
}
