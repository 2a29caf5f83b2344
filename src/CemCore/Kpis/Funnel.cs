using System.Globalization;
using CemCore.Merging;
using CemCore.Primitives;

namespace CemCore.Kpis;

/// <summary>An event of a conversion funnel: something a customer did, of a type, optionally on a channel.</summary>
/// <remarks>Immutable.</remarks>
public sealed record FunnelEvent
{
    /// <summary>Creates an event.</summary>
    /// <param name="customerId">The customer; not blank.</param>
    /// <param name="timestamp">When.</param>
    /// <param name="eventType">The event type matched against the funnel steps (ordinal); not blank.</param>
    /// <param name="channel">The channel, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">An id or the type is blank.</exception>
    public FunnelEvent(string customerId, DateTimeOffset timestamp, string eventType, string? channel = null)
    {
        CustomerId = Check.NotBlank(customerId);
        Timestamp = timestamp;
        EventType = Check.NotBlank(eventType);
        Channel = string.IsNullOrWhiteSpace(channel) ? null : channel;
    }

    /// <summary>Gets the customer.</summary>
    public string CustomerId { get; }

    /// <summary>Gets when it happened.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the event type.</summary>
    public string EventType { get; }

    /// <summary>Gets the channel, or <see langword="null"/>.</summary>
    public string? Channel { get; }

    /// <summary>
    /// The funnel event of a journey event: a touch has the type and channel of its touchpoint; a conversion has the type
    /// <see cref="ConversionType"/> and its touchpoint (if any) as channel.
    /// </summary>
    /// <param name="e">The journey event.</param>
    /// <returns>The funnel event.</returns>
    public static FunnelEvent From(JourneyEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new FunnelEvent(e.CustomerId, e.Timestamp, e.IsConversion ? ConversionType : e.Touchpoint!, e.Touchpoint);
    }

    /// <summary>The event type of a conversion in <see cref="From"/>.</summary>
    public const string ConversionType = "conversion";
}

/// <summary>The funnel of one group of customers.</summary>
/// <param name="Segment">The segment, or <see langword="null"/> for a total over segments.</param>
/// <param name="Channel">The channel of the entry event, or <see langword="null"/> for a total over channels.</param>
/// <param name="Reached">Customers who reached each step (index 0 = entered the funnel).</param>
public sealed record FunnelGroup(string? Segment, string? Channel, IReadOnlyList<long> Reached)
{
    /// <summary>Returns the conversion from step k − 1 to step k: Reached[k]/Reached[k − 1] (<see langword="null"/> when nobody reached k − 1).</summary>
    /// <param name="step">The step k, 1 … steps − 1.</param>
    /// <returns>The rate.</returns>
    public double? ConversionRate(int step) =>
        step < 1 || step >= Reached.Count ? throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be in [1, steps − 1].")
        : Reached[step - 1] == 0 ? null : (double)Reached[step] / Reached[step - 1];

    /// <summary>Gets the overall conversion Reached[last]/Reached[0], or <see langword="null"/> when nobody entered.</summary>
    public double? OverallRate => Reached[0] == 0 ? null : (double)Reached[^1] / Reached[0];
}

/// <summary>The result of a funnel.</summary>
/// <param name="Steps">The step event types, in order.</param>
/// <param name="Window">The conversion window.</param>
/// <param name="Total">All customers.</param>
/// <param name="BySegment">Per segment (ordinal order; customers without a segment under <see cref="Funnel.NoSegment"/>).</param>
/// <param name="ByChannel">Per entry channel (ordinal order; entries without a channel under <see cref="Funnel.NoChannel"/>).</param>
/// <param name="Cells">Per segment and channel.</param>
public sealed record FunnelResult(
    IReadOnlyList<string> Steps,
    TimeSpan Window,
    FunnelGroup Total,
    IReadOnlyList<FunnelGroup> BySegment,
    IReadOnlyList<FunnelGroup> ByChannel,
    IReadOnlyList<FunnelGroup> Cells);

/// <summary>
/// Ordered conversion funnels over any list of event types with a conversion window (the "ordered funnel" of product analytics).
/// </summary>
/// <remarks>
/// <para>A customer enters the funnel at an event of the first step type and reaches step k when there are events of steps 2 … k, each at or
/// after the previous step's event (a distinct event per step; events at the same instant may match in either order), all within the
/// window from the entry: <c>tₖ − t₁ ≤ window</c>. Every entry event starts an attempt; the customer counts once, at the deepest step any
/// attempt reaches (the earliest such attempt gives the entry channel). Steps are matched greedily to the earliest eligible event, which
/// maximizes the depth of an attempt. Events need not be sorted; events of other types are ignored.</para>
/// <para>Mergeable: <see cref="FunnelAccumulator"/> holds integer counts per (segment, channel); partitions must hold whole customers.</para>
/// </remarks>
public static class Funnel
{
    /// <summary>The segment name of customers without a segment.</summary>
    public const string NoSegment = "(none)";

    /// <summary>The channel name of entry events without a channel.</summary>
    public const string NoChannel = "(none)";

    /// <summary>Computes a funnel in one pass.</summary>
    /// <param name="events">The events of any customers, in any order.</param>
    /// <param name="steps">The step event types (≥ 1, not blank).</param>
    /// <param name="window">The conversion window (&gt; 0).</param>
    /// <param name="segmentOf">The segment of a customer id, or <see langword="null"/> (everyone in <see cref="NoSegment"/>).</param>
    /// <returns>The result.</returns>
    public static FunnelResult Compute(IEnumerable<FunnelEvent> events, IReadOnlyList<string> steps, TimeSpan window, Func<string, string?>? segmentOf = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        var acc = new FunnelAccumulator(steps, window);
        foreach (var group in events.GroupBy(e => e.CustomerId, StringComparer.Ordinal))
        {
            acc.AddCustomer([.. group], segmentOf?.Invoke(group.Key));
        }

        return acc.Finish();
    }

    /// <summary>Returns the deepest step (1 … steps; 0 = never entered) and the entry event of the customer's best attempt.</summary>
    internal static (int Depth, FunnelEvent? Entry) Deepest(IReadOnlyList<FunnelEvent> events, IReadOnlyList<string> steps, long windowTicks)
    {
        var sorted = events.Where(e => steps.Contains(e.EventType, StringComparer.Ordinal)).OrderBy(e => e.Timestamp.UtcTicks).ToArray();
        var used = new bool[sorted.Length];
        var best = 0;
        FunnelEvent? entry = null;
        for (var i = 0; i < sorted.Length && best < steps.Count; i++)
        {
            if (!string.Equals(sorted[i].EventType, steps[0], StringComparison.Ordinal))
            {
                continue;
            }

            Array.Clear(used);
            used[i] = true;
            var t0 = sorted[i].Timestamp.UtcTicks;
            var prev = t0;
            var depth = 1;
            for (var k = 1; k < steps.Count; k++)
            {
                var found = -1;
                for (var j = 0; j < sorted.Length; j++)
                {
                    var t = sorted[j].Timestamp.UtcTicks;
                    if (t - t0 > windowTicks)
                    {
                        break;
                    }

                    if (t >= prev && !used[j] && string.Equals(sorted[j].EventType, steps[k], StringComparison.Ordinal))
                    {
                        found = j;
                        break;
                    }
                }

                if (found < 0)
                {
                    break;
                }

                used[found] = true;
                prev = sorted[found].Timestamp.UtcTicks;
                depth++;
            }

            if (depth > best)
            {
                best = depth;
                entry = sorted[i];
            }
        }

        return (best, entry);
    }
}

/// <summary>
/// A mergeable funnel accumulator: add whole customers (<see cref="AddCustomer"/>), merge partitions, <see cref="Finish"/>. The state is
/// the number of customers per (segment, entry channel, deepest step), so any partitioning by customer gives exactly the one-pass result.
/// </summary>
/// <remarks>Not thread-safe; one accumulator per thread, then merge.</remarks>
public sealed class FunnelAccumulator : IMergeable<FunnelAccumulator, FunnelResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.funnel";

    private readonly string[] _steps;
    private readonly long _window;
    private readonly Dictionary<(string Segment, string Channel), long[]> _depths = [];

    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="steps">The step event types (≥ 1, not blank; repeats allowed, each matched by its own event).</param>
    /// <param name="window">The conversion window from the entry event (&gt; 0).</param>
    /// <exception cref="ArgumentException">No steps, or a blank step.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is not positive.</exception>
    public FunnelAccumulator(IReadOnlyList<string> steps, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0)
        {
            throw new ArgumentException("A funnel needs at least one step.", nameof(steps));
        }

        foreach (var s in steps)
        {
            Check.NotBlank(s, nameof(steps));
        }

        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The conversion window must be positive.");
        }

        _steps = [.. steps];
        _window = window.Ticks;
        Format = new PartialFormat(KindId, 1, PartialFormat.FingerprintOf(string.Create(CultureInfo.InvariantCulture, $"window={_window};steps={string.Join('\u001f', _steps)}")));
    }

    /// <summary>Adds one customer's events (all of them; a customer must not be split over partitions).</summary>
    /// <param name="events">The customer's events, in any order; all with the same customer id.</param>
    /// <param name="segment">The customer's segment, or <see langword="null"/> for <see cref="Funnel.NoSegment"/>.</param>
    /// <exception cref="ArgumentException">The events belong to more than one customer.</exception>
    public void AddCustomer(IReadOnlyList<FunnelEvent> events, string? segment = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count > 0 && events.Any(e => !string.Equals(e.CustomerId, events[0].CustomerId, StringComparison.Ordinal)))
        {
            throw new ArgumentException("The events belong to more than one customer.", nameof(events));
        }

        var (depth, entry) = Funnel.Deepest(events, _steps, _window);
        if (depth == 0)
        {
            return;
        }

        var key = (string.IsNullOrWhiteSpace(segment) ? Funnel.NoSegment : segment, entry!.Channel ?? Funnel.NoChannel);
        Counts(key)[depth - 1]++;
    }

    /// <summary>Adds another partition.</summary>
    /// <param name="other">The other partition (same steps and window).</param>
    /// <exception cref="PartialMismatchException">The steps or windows differ.</exception>
    public void Merge(FunnelAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Format.EnsureMergeable(other.Format);
        foreach (var (key, counts) in other._depths)
        {
            var mine = Counts(key);
            for (var i = 0; i < counts.Length; i++)
            {
                mine[i] += counts[i];
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>Version 1; settings = window ticks and steps. Payload: window (int64), step count (int32) and steps (strings); cell count (int32),
    /// then per cell in ordinal (segment, channel) order: segment, channel (strings) and one customer count per deepest step (int64).</remarks>
    public PartialFormat Format { get; }

    /// <inheritdoc/>
    public FunnelAccumulator MergeWith(FunnelAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(_window);
        w.Write(_steps.Length);
        foreach (var s in _steps)
        {
            w.Write(s);
        }

        w.Write(_depths.Count);
        foreach (var (key, counts) in _depths.OrderBy(p => p.Key.Segment, StringComparer.Ordinal).ThenBy(p => p.Key.Channel, StringComparer.Ordinal))
        {
            w.Write(key.Segment);
            w.Write(key.Channel);
            foreach (var c in counts)
            {
                w.Write(c);
            }
        }
    }

    /// <inheritdoc/>
    public static FunnelAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var window = r.ReadInt64();
        var steps = new string[r.ReadCount("step")];
        for (var i = 0; i < steps.Length; i++)
        {
            steps[i] = r.ReadString();
        }

        var acc = new FunnelAccumulator(steps, TimeSpan.FromTicks(window));
        var cells = r.ReadCount("cell");
        for (var c = 0; c < cells; c++)
        {
            var key = (r.ReadString(), r.ReadString());
            if (acc._depths.ContainsKey(key))
            {
                throw new InvalidDataException("The funnel partial is corrupt: a cell appears twice.");
            }

            var counts = acc.Counts(key);
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = r.ReadNonNegative("customer count");
            }
        }

        return acc;
    });

    /// <summary>Computes the funnel of every group.</summary>
    /// <returns>The result.</returns>
    public FunnelResult Finish()
    {
        FunnelGroup Group(string? segment, string? channel, IEnumerable<long[]> cells)
        {
            var reached = new long[_steps.Length];
            foreach (var depths in cells)
            {
                // A customer whose deepest step is d reached steps 1 … d.
                for (var d = 0; d < depths.Length; d++)
                {
                    for (var k = 0; k <= d; k++)
                    {
                        reached[k] += depths[d];
                    }
                }
            }

            return new FunnelGroup(segment, channel, reached);
        }

        var cells = _depths.OrderBy(p => p.Key.Segment, StringComparer.Ordinal).ThenBy(p => p.Key.Channel, StringComparer.Ordinal).ToArray();
        return new FunnelResult(
            _steps,
            TimeSpan.FromTicks(_window),
            Group(null, null, cells.Select(c => c.Value)),
            cells.GroupBy(c => c.Key.Segment, StringComparer.Ordinal).Select(g => Group(g.Key, null, g.Select(c => c.Value))).ToArray(),
            cells.GroupBy(c => c.Key.Channel, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Group(null, g.Key, g.Select(c => c.Value))).ToArray(),
            cells.Select(c => Group(c.Key.Segment, c.Key.Channel, [c.Value])).ToArray());
    }

    private long[] Counts((string Segment, string Channel) key)
    {
        if (!_depths.TryGetValue(key, out var counts))
        {
            counts = new long[_steps.Length];
            _depths.Add(key, counts);
        }

        return counts;
    }
}
