using System.Globalization;
using CemCore.Journeys;
using CemCore.Merging;
using CemCore.Primitives;

namespace CemCore.Kpis;

/// <summary>
/// Which journey stage each touchpoint (a touch's name in <see cref="JourneyEvent.Touchpoint"/>) belongs to. Names compare
/// case-insensitively (ordinal). <see cref="Default"/> is the documented default; a host replaces it with its own mapping.
/// </summary>
public sealed class JourneyStageMap
{
    private readonly Dictionary<string, JourneyStage> _stages;

    /// <summary>Creates a mapping.</summary>
    /// <param name="stages">Touchpoint name → stage; names not blank, each once (case-insensitively).</param>
    /// <exception cref="ArgumentException">A name is blank or appears twice, or a stage is not defined.</exception>
    public JourneyStageMap(IEnumerable<KeyValuePair<string, JourneyStage>> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        _stages = new Dictionary<string, JourneyStage>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, stage) in stages)
        {
            Check.NotBlank(name, nameof(stages));
            if (!Enum.IsDefined(stage))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The stage {(int)stage} of touchpoint '{name}' is not defined."), nameof(stages));
            }

            if (!_stages.TryAdd(name.Trim(), stage))
            {
                throw new ArgumentException($"The touchpoint '{name}' is mapped twice.", nameof(stages));
            }
        }
    }

    /// <summary>
    /// Gets the default mapping — awareness: <c>ads</c>, <c>social</c>, <c>word-of-mouth</c>; consideration: <c>browsing</c>,
    /// <c>comparison</c>, <c>reviews</c>; purchase: <c>cart</c>, <c>payment</c>, <c>confirmation</c>; after-sales: <c>delivery</c>,
    /// <c>service</c>, <c>returns</c>, <c>feedback</c>.
    /// </summary>
    public static JourneyStageMap Default { get; } = new(
    [
        new("ads", JourneyStage.Awareness), new("social", JourneyStage.Awareness), new("word-of-mouth", JourneyStage.Awareness),
        new("browsing", JourneyStage.Consideration), new("comparison", JourneyStage.Consideration), new("reviews", JourneyStage.Consideration),
        new("cart", JourneyStage.Purchase), new("payment", JourneyStage.Purchase), new("confirmation", JourneyStage.Purchase),
        new("delivery", JourneyStage.AfterSales), new("service", JourneyStage.AfterSales), new("returns", JourneyStage.AfterSales), new("feedback", JourneyStage.AfterSales),
    ]);

    /// <summary>Returns the stage of a touchpoint.</summary>
    /// <param name="touchpoint">The touchpoint name.</param>
    /// <param name="stage">The stage, when known.</param>
    /// <returns>Whether the touchpoint is mapped.</returns>
    public bool TryGetStage(string touchpoint, out JourneyStage stage)
    {
        ArgumentNullException.ThrowIfNull(touchpoint);
        return _stages.TryGetValue(touchpoint.Trim(), out stage);
    }

    /// <summary>Returns the touchpoints of a stage, in ordinal order.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>The names.</returns>
    public IReadOnlyList<string> TouchpointsOf(JourneyStage stage) =>
        [.. _stages.Where(p => p.Value == stage).Select(p => p.Key).Order(StringComparer.Ordinal)];

    /// <summary>Gets the canonical text of the mapping (the settings fingerprint of partials).</summary>
    internal string Canonical =>
        string.Join(';', _stages.OrderBy(p => p.Key.ToUpperInvariant(), StringComparer.Ordinal).Select(p => p.Key.ToUpperInvariant() + "=" + ((int)p.Value).ToString(CultureInfo.InvariantCulture)));
}

/// <summary>One stage of a journey map.</summary>
/// <param name="Stage">The stage.</param>
/// <param name="Touchpoints">The touchpoints of the stage in the mapping used.</param>
/// <param name="Customers">Volume: customers with at least one event in the stage.</param>
/// <param name="Converted">Customers of the stage with an event of the next stage at or after their first event of this stage (0 for after-sales).</param>
/// <param name="ConversionRate">Converted/customers; <see langword="null"/> for after-sales and when the stage has no customers.</param>
/// <param name="DropOff">1 − conversion rate; <see langword="null"/> like it.</param>
/// <param name="MedianDaysToConvert">The median over converted customers of (first next-stage event at or after the first event of this stage
/// − that first event), in days; the mean of the two middle values for an even count; <see langword="null"/> without conversions.</param>
public sealed record JourneyStageSummary(JourneyStage Stage, IReadOnlyList<string> Touchpoints, long Customers, long Converted, double? ConversionRate, double? DropOff, double? MedianDaysToConvert);

/// <summary>A touchpoint with poor survey scores.</summary>
/// <param name="Touchpoint">The touchpoint (as written in the survey answers).</param>
/// <param name="Stage">Its stage in the mapping, or <see langword="null"/> when unmapped.</param>
/// <param name="Survey">NPS, CSAT and CES of the answers about it.</param>
public sealed record PainPoint(string Touchpoint, JourneyStage? Stage, SurveyKpiResult Survey);

/// <summary>The journey map of one segment (or of everyone).</summary>
/// <param name="Segment">The segment, or <see langword="null"/> for all customers.</param>
/// <param name="Stages">Awareness, consideration, purchase, after-sales, in order.</param>
/// <param name="PainPoints">The touchpoints with the worst CSAT/NPS, worst first (see <see cref="JourneyMap"/>).</param>
public sealed record SegmentJourney(string? Segment, IReadOnlyList<JourneyStageSummary> Stages, IReadOnlyList<PainPoint> PainPoints);

/// <summary>The journey map of every segment.</summary>
/// <param name="All">All customers together.</param>
/// <param name="Segments">Per segment, ordinal order; customers without a segment under <see cref="JourneyMap.NoSegment"/>.</param>
/// <param name="UnknownEvents">Touches whose touchpoint has no stage in the mapping (left out of every stage).</param>
/// <param name="UnknownTouchpoints">Those touchpoints' names, ordinal order.</param>
public sealed record JourneyMapResult(SegmentJourney All, IReadOnlyList<SegmentJourney> Segments, long UnknownEvents, IReadOnlyList<string> UnknownTouchpoints);

/// <summary>
/// Journey maps per segment: per stage the volume, conversion to the next stage, drop-off and median time to convert, and the pain points.
/// </summary>
/// <remarks>
/// <para>Stages: a touch belongs to the stage of its touchpoint in the <see cref="JourneyStageMap"/>; a conversion belongs to
/// <see cref="JourneyStage.Purchase"/> whatever its touchpoint. A touch on an unmapped touchpoint (an unknown stage) is left out and counted in
/// <see cref="JourneyMapResult.UnknownEvents"/> with its name in <see cref="JourneyMapResult.UnknownTouchpoints"/> — never guessed.</para>
/// <para>Volume of stage s = customers with an event in s. A customer of s converts to s + 1 when some event of s + 1 is at or after the
/// customer's first event of s; the time to convert is from that first event to the earliest such event. Events need not be sorted.
/// Events out of stage order are not conversions: a customer who bought before any awareness touch counts in both volumes but did not
/// convert awareness → consideration unless a consideration event follows the awareness touch.</para>
/// <para>Pain points: survey answers that name a touchpoint are grouped per (segment, touchpoint); touchpoints with at least
/// <c>minResponses</c> CSAT answers rank by CSAT (share 4–5) ascending, then by mean CSAT, then those with only NPS answers (≥ minResponses)
/// by NPS ascending; ties by name. The first <c>painPoints</c> are listed.</para>
/// <para>Segments come from a function of the customer id (for example RFM segments), used for events and survey answers alike.</para>
/// <para>Mergeable: <see cref="JourneyMapAccumulator"/> keeps counts, the exact list of conversion times and survey histograms; partitions
/// must hold whole customers for events (survey answers may be split anyhow).</para>
/// </remarks>
public static class JourneyMap
{
    /// <summary>The segment name of customers without a segment.</summary>
    public const string NoSegment = "(none)";

    /// <summary>Computes the journey maps in one pass.</summary>
    /// <param name="events">Touches and conversions of any customers, in any order.</param>
    /// <param name="surveys">Survey answers (those with a touchpoint feed the pain points), or <see langword="null"/>.</param>
    /// <param name="segmentOf">The segment of a customer id, or <see langword="null"/> (everyone in <see cref="NoSegment"/>).</param>
    /// <param name="map">The stage mapping, or <see langword="null"/> for <see cref="JourneyStageMap.Default"/>.</param>
    /// <returns>The result.</returns>
    public static JourneyMapResult Compute(IEnumerable<JourneyEvent> events, IEnumerable<SurveyScore>? surveys = null, Func<string, string?>? segmentOf = null, JourneyStageMap? map = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var acc = new JourneyMapAccumulator(map);
        foreach (var group in Attribution.GroupByCustomer(events))
        {
            acc.AddCustomer(group, segmentOf?.Invoke(group[0].CustomerId));
        }

        foreach (var s in surveys ?? [])
        {
            acc.AddSurvey(s, segmentOf?.Invoke(s.CustomerId));
        }

        return acc.Finish();
    }
}

/// <summary>A mergeable journey-map accumulator (see <see cref="JourneyMap"/>): add whole customers and any survey answers, merge, finish.</summary>
/// <remarks>Not thread-safe; one accumulator per thread, then merge. Memory: one conversion time per converted customer and stage.</remarks>
public sealed class JourneyMapAccumulator : IMergeable<JourneyMapAccumulator, JourneyMapResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.journeymap";

    private const int Stages = 4;
    private readonly JourneyStageMap _map;
    private readonly int _painPoints;
    private readonly int _minResponses;
    private readonly SortedDictionary<string, SegmentState> _segments = new(StringComparer.Ordinal);
    private readonly SortedSet<string> _unknown = new(StringComparer.Ordinal);
    private long _unknownEvents;

    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="map">The stage mapping, or <see langword="null"/> for <see cref="JourneyStageMap.Default"/>.</param>
    /// <param name="painPoints">How many pain points to list per segment (≥ 0).</param>
    /// <param name="minResponses">The answers a touchpoint needs to rank as a pain point (≥ 1).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    public JourneyMapAccumulator(JourneyStageMap? map = null, int painPoints = 3, int minResponses = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(painPoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(minResponses, 1);
        _map = map ?? JourneyStageMap.Default;
        _painPoints = painPoints;
        _minResponses = minResponses;
        Format = new PartialFormat(KindId, 1, PartialFormat.FingerprintOf(string.Create(CultureInfo.InvariantCulture, $"pain={painPoints};min={minResponses};map={_map.Canonical}")));
    }

    /// <summary>Adds one customer's events (all of them).</summary>
    /// <param name="events">The customer's touches and conversions, in any order, all of one customer.</param>
    /// <param name="segment">The customer's segment, or <see langword="null"/> for <see cref="JourneyMap.NoSegment"/>.</param>
    /// <exception cref="ArgumentException">The events belong to more than one customer.</exception>
    public void AddCustomer(IReadOnlyList<JourneyEvent> events, string? segment = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return;
        }

        if (events.Any(e => !string.Equals(e.CustomerId, events[0].CustomerId, StringComparison.Ordinal)))
        {
            throw new ArgumentException("The events belong to more than one customer.", nameof(events));
        }

        var times = new List<long>[Stages];
        foreach (var e in events)
        {
            JourneyStage stage;
            if (e.IsConversion)
            {
                stage = JourneyStage.Purchase;
            }
            else if (!_map.TryGetStage(e.Touchpoint!, out stage))
            {
                _unknownEvents++;
                _unknown.Add(e.Touchpoint!);
                continue;
            }

            (times[(int)stage] ??= []).Add(e.Timestamp.UtcTicks);
        }

        if (times.All(t => t is null))
        {
            return;
        }

        var state = State(segment);
        for (var s = 0; s < Stages; s++)
        {
            if (times[s] is not { } mine)
            {
                continue;
            }

            state.Customers[s]++;
            var first = mine.Min();
            if (s + 1 < Stages && times[s + 1] is { } next && next.Where(t => t >= first).DefaultIfEmpty(-1).Min() is var reach && reach >= 0)
            {
                state.Converted[s]++;
                state.Durations[s].Add(reach - first);
            }
        }
    }

    /// <summary>Adds a survey answer; answers without a touchpoint are ignored.</summary>
    /// <param name="score">The answer.</param>
    /// <param name="segment">The customer's segment, or <see langword="null"/> for <see cref="JourneyMap.NoSegment"/>.</param>
    public void AddSurvey(SurveyScore score, string? segment = null)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (string.IsNullOrWhiteSpace(score.Touchpoint))
        {
            return;
        }

        var surveys = State(segment).Surveys;
        var key = score.Touchpoint.Trim();
        if (!surveys.TryGetValue(key, out var acc))
        {
            acc = new SurveyAccumulator();
            surveys.Add(key, acc);
        }

        acc.Add(score);
    }

    /// <summary>Adds another partition.</summary>
    /// <param name="other">The other partition (same mapping and settings).</param>
    /// <exception cref="PartialMismatchException">The mapping or settings differ.</exception>
    public void Merge(JourneyMapAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Format.EnsureMergeable(other.Format);
        foreach (var (name, theirs) in other._segments)
        {
            State(name).Add(theirs);
        }

        _unknown.UnionWith(other._unknown);
        _unknownEvents += other._unknownEvents;
    }

    /// <inheritdoc/>
    /// <remarks>Version 1; settings = pain-point count, minimum responses and the mapping. Payload: unknown-event count (int64), unknown names
    /// (count, strings); segment count, then per segment in ordinal order: name, 4 volumes and 4 conversion counts (int64), per stage the
    /// conversion times (count, int64 ticks, ascending), and the touchpoint surveys (count, then name and a nested survey partial each).</remarks>
    public PartialFormat Format { get; }

    /// <inheritdoc/>
    public JourneyMapAccumulator MergeWith(JourneyMapAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    /// <remarks>The mapping and settings are not in the payload; <see cref="ReadFrom(Stream)"/> reads the partials of the default settings, and
    /// <see cref="ReadFrom(Stream, JourneyStageMap, int, int)"/> those of others.</remarks>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(_unknownEvents);
        w.Write(_unknown.Count);
        foreach (var u in _unknown)
        {
            w.Write(u);
        }

        w.Write(_segments.Count);
        foreach (var (name, st) in _segments)
        {
            w.Write(name);
            foreach (var n in st.Customers.Concat(st.Converted))
            {
                w.Write(n);
            }

            foreach (var d in st.Durations)
            {
                d.Sort();
                w.Write(d.Count);
                foreach (var t in d)
                {
                    w.Write(t);
                }
            }

            w.Write(st.Surveys.Count);
            foreach (var (tp, acc) in st.Surveys)
            {
                w.Write(tp);
                w.Flush();
                acc.WriteTo(stream);
            }
        }
    }

    /// <inheritdoc/>
    public static JourneyMapAccumulator ReadFrom(Stream stream) => ReadFrom(stream, JourneyStageMap.Default, 3, 1);

    /// <summary>Reads a partial written with a given mapping and settings.</summary>
    /// <param name="stream">The stream.</param>
    /// <param name="map">The mapping it was computed with.</param>
    /// <param name="painPoints">Its pain-point count.</param>
    /// <param name="minResponses">Its minimum responses.</param>
    /// <returns>The partial.</returns>
    /// <exception cref="InvalidDataException">The stream is corrupt or was written with other settings.</exception>
    public static JourneyMapAccumulator ReadFrom(Stream stream, JourneyStageMap map, int painPoints, int minResponses) => PartialIO.Read(stream, KindId, 1, r =>
    {
        var acc = new JourneyMapAccumulator(map, painPoints, minResponses) { _unknownEvents = r.ReadNonNegative("unknown events") };
        var nu = r.ReadCount("unknown touchpoint");
        for (var i = 0; i < nu; i++)
        {
            acc._unknown.Add(r.ReadString());
        }

        var ns = r.ReadCount("segment");
        for (var i = 0; i < ns; i++)
        {
            var name = r.ReadString();
            if (acc._segments.ContainsKey(name))
            {
                throw new InvalidDataException("The journey-map partial is corrupt: a segment appears twice.");
            }

            var st = acc.State(name);
            for (var s = 0; s < Stages; s++)
            {
                st.Customers[s] = r.ReadNonNegative("volume");
            }

            for (var s = 0; s < Stages; s++)
            {
                st.Converted[s] = r.ReadNonNegative("conversions");
            }

            foreach (var d in st.Durations)
            {
                var n = r.ReadCount("duration");
                for (var k = 0; k < n; k++)
                {
                    d.Add(r.ReadNonNegative("duration"));
                }
            }

            var nt = r.ReadCount("touchpoint");
            for (var k = 0; k < nt; k++)
            {
                var tp = r.ReadString();
                st.Surveys[tp] = SurveyAccumulator.ReadFrom(stream);
            }
        }

        return acc;
    });

    /// <summary>Computes the journey maps.</summary>
    /// <returns>The result.</returns>
    public JourneyMapResult Finish()
    {
        var all = new SegmentState();
        foreach (var st in _segments.Values)
        {
            all.Add(st);
        }

        return new JourneyMapResult(
            Summarize(null, all),
            _segments.Select(p => Summarize(p.Key, p.Value)).ToArray(),
            _unknownEvents,
            [.. _unknown]);
    }

    private SegmentJourney Summarize(string? name, SegmentState st)
    {
        var stages = new JourneyStageSummary[Stages];
        for (var s = 0; s < Stages; s++)
        {
            var last = s == Stages - 1;
            double? rate = last || st.Customers[s] == 0 ? null : (double)st.Converted[s] / st.Customers[s];
            stages[s] = new JourneyStageSummary((JourneyStage)s, _map.TouchpointsOf((JourneyStage)s), st.Customers[s], st.Converted[s], rate, 1 - rate, Median(st.Durations[s]));
        }

        var scored = st.Surveys.Select(p => (Name: p.Key, Kpi: p.Value.Finish())).ToArray();
        var byCsat = scored.Where(x => x.Kpi.Csat.Responses >= _minResponses)
            .OrderBy(x => x.Kpi.Csat.Score).ThenBy(x => x.Kpi.Csat.Mean).ThenBy(x => x.Name, StringComparer.Ordinal);
        var byNps = scored.Where(x => x.Kpi.Csat.Responses < _minResponses && x.Kpi.Nps.Responses >= _minResponses)
            .OrderBy(x => x.Kpi.Nps.Score).ThenBy(x => x.Name, StringComparer.Ordinal);
        var pains = byCsat.Concat(byNps).Take(_painPoints)
            .Select(x => new PainPoint(x.Name, _map.TryGetStage(x.Name, out var stage) ? stage : null, x.Kpi)).ToArray();
        return new SegmentJourney(name, stages, pains);
    }

    private static double? Median(List<long> ticks)
    {
        if (ticks.Count == 0)
        {
            return null;
        }

        var sorted = ticks.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] / 2.0) + (sorted[mid] / 2.0);
        return median / TimeSpan.TicksPerDay;
    }

    private SegmentState State(string? segment)
    {
        var key = string.IsNullOrWhiteSpace(segment) ? JourneyMap.NoSegment : segment;
        if (!_segments.TryGetValue(key, out var st))
        {
            st = new SegmentState();
            _segments.Add(key, st);
        }

        return st;
    }

    private sealed class SegmentState
    {
        public long[] Customers { get; } = new long[Stages];

        public long[] Converted { get; } = new long[Stages];

        public List<long>[] Durations { get; } = [[], [], [], []];

        public SortedDictionary<string, SurveyAccumulator> Surveys { get; } = new(StringComparer.Ordinal);

        public void Add(SegmentState other)
        {
            for (var s = 0; s < Stages; s++)
            {
                Customers[s] += other.Customers[s];
                Converted[s] += other.Converted[s];
                Durations[s].AddRange(other.Durations[s]);
            }

            foreach (var (tp, acc) in other.Surveys)
            {
                if (!Surveys.TryGetValue(tp, out var mine))
                {
                    mine = new SurveyAccumulator();
                    Surveys.Add(tp, mine);
                }

                mine.Merge(acc);
            }
        }
    }
}
