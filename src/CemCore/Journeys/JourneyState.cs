using CemCore.Primitives;

namespace CemCore.Journeys;

/// <summary>The state of one customer's entry into a journey.</summary>
public enum JourneyStatus
{
    /// <summary>At <see cref="JourneyInstance.StepId"/>, ready to run it (a runner is on it, or crashed on it: it is resumed when due).</summary>
    Active = 0,

    /// <summary>Waiting at <see cref="JourneyInstance.StepId"/> until <see cref="JourneyInstance.WaitUntil"/> (or an awaited event).</summary>
    Waiting = 1,

    /// <summary>Reached the end of the journey.</summary>
    Completed = 2,

    /// <summary>Left early on the goal event (or an exit step).</summary>
    Exited = 3,

    /// <summary>Entered, but in the global control group: nothing is sent (counted for incrementality).</summary>
    ControlGroup = 4,
}

/// <summary>A customer's position in a journey for one entry (durable; written after every step). Holds no personal data besides the id.</summary>
/// <param name="JourneyId">The journey.</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="Entry">The entry number, 1 for the first entry.</param>
/// <param name="EntryEventId">The event that entered the customer.</param>
/// <param name="EnteredAt">The entry event's instant.</param>
/// <param name="Status">The status.</param>
/// <param name="StepId">The current step, or <see langword="null"/> when ended.</param>
/// <param name="WaitUntil">When waiting, the instant the wait (or timeout) ends.</param>
/// <param name="Path">The steps done so far with their results, such as <c>welcome:sent&gt;pause&gt;ab:B</c>.</param>
/// <param name="Version">Optimistic-concurrency version, 1 when inserted; every update adds 1.</param>
/// <param name="UpdatedAt">When last written.</param>
public sealed record JourneyInstance(
    string JourneyId,
    string CustomerId,
    int Entry,
    string EntryEventId,
    DateTimeOffset EnteredAt,
    JourneyStatus Status,
    string? StepId,
    DateTimeOffset? WaitUntil,
    string Path,
    long Version,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Gets whether the customer is still in the journey (active or waiting).</summary>
    public bool IsOpen => Status is JourneyStatus.Active or JourneyStatus.Waiting;
}

/// <summary>
/// The durable store of journey positions. Implementations must be atomic per (journey, customer, entry) across threads and processes:
/// an insert fails when the entry exists (so two runners cannot enter a customer twice), and an update succeeds only at the expected version.
/// </summary>
public interface IJourneyStateStore
{
    /// <summary>Gets the customer's latest entry into a journey.</summary>
    /// <param name="journeyId">The journey.</param>
    /// <param name="customerId">The customer.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entry with the highest number, or <see langword="null"/>.</returns>
    ValueTask<JourneyInstance?> GetLatestAsync(string journeyId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>Inserts a new entry unless (journey, customer, entry) exists.</summary>
    /// <param name="instance">The entry (version 1).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when inserted.</returns>
    ValueTask<bool> TryInsertAsync(JourneyInstance instance, CancellationToken cancellationToken = default);

    /// <summary>Replaces an entry when its stored version is <paramref name="expectedVersion"/> (compare-and-swap).</summary>
    /// <param name="instance">The new state (its version should be <paramref name="expectedVersion"/> + 1).</param>
    /// <param name="expectedVersion">The version read.</param>
    /// <param name="cancellationToken">Cancels the call (before the write).</param>
    /// <returns><see langword="true"/> when written; <see langword="false"/> when another runner wrote first.</returns>
    ValueTask<bool> TryUpdateAsync(JourneyInstance instance, long expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Gets open entries that are due: active ones, and waiting ones whose <see cref="JourneyInstance.WaitUntil"/> ≤ <paramref name="now"/>,
    /// ordered by wait end, customer and entry.</summary>
    /// <param name="journeyId">The journey.</param>
    /// <param name="now">The instant.</param>
    /// <param name="max">Most entries returned, at least 1.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The due entries.</returns>
    ValueTask<IReadOnlyList<JourneyInstance>> GetDueAsync(string journeyId, DateTimeOffset now, int max, CancellationToken cancellationToken = default);

    /// <summary>Gets every entry of a journey, ordered by customer and entry (summaries, audits).</summary>
    /// <param name="journeyId">The journey.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entries.</returns>
    ValueTask<IReadOnlyList<JourneyInstance>> GetAllAsync(string journeyId, CancellationToken cancellationToken = default);
}

/// <summary>An in-memory <see cref="IJourneyStateStore"/> (tests, single-process hosts). Thread-safe (one lock).</summary>
public sealed class InMemoryJourneyStateStore : IJourneyStateStore
{
    private readonly Dictionary<(string Journey, string Customer, int Entry), JourneyInstance> _rows = [];
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public ValueTask<JourneyInstance?> GetLatestAsync(string journeyId, string customerId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            JourneyInstance? best = null;
            foreach (var r in _rows.Values)
            {
                if (r.JourneyId == journeyId && r.CustomerId == customerId && (best is null || r.Entry > best.Entry))
                {
                    best = r;
                }
            }

            return ValueTask.FromResult(best);
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryInsertAsync(JourneyInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_rows.TryAdd((instance.JourneyId, instance.CustomerId, instance.Entry), instance));
        }
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryUpdateAsync(JourneyInstance instance, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var key = (instance.JourneyId, instance.CustomerId, instance.Entry);
            if (!_rows.TryGetValue(key, out var current) || current.Version != expectedVersion)
            {
                return ValueTask.FromResult(false);
            }

            _rows[key] = instance;
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<JourneyInstance>> GetDueAsync(string journeyId, DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<JourneyInstance> due = [.. _rows.Values
                .Where(r => r.JourneyId == journeyId && (r.Status == JourneyStatus.Active || (r.Status == JourneyStatus.Waiting && r.WaitUntil <= now)))
                .OrderBy(r => r.WaitUntil ?? DateTimeOffset.MinValue).ThenBy(r => r.CustomerId, StringComparer.Ordinal).ThenBy(r => r.Entry)
                .Take(max)];
            return ValueTask.FromResult(due);
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<JourneyInstance>> GetAllAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<JourneyInstance> all = [.. _rows.Values.Where(r => r.JourneyId == journeyId).OrderBy(r => r.CustomerId, StringComparer.Ordinal).ThenBy(r => r.Entry)];
            return ValueTask.FromResult(all);
        }
    }
}

/// <summary>A clock for replays: starts at an instant and only moves when told (<see cref="AdvanceTo"/>). Thread-safe.</summary>
/// <param name="start">The starting instant.</param>
public sealed class ReplayClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    /// <summary>Moves the clock forward to an instant (never backward).</summary>
    /// <param name="instant">The instant.</param>
    public void AdvanceTo(DateTimeOffset instant)
    {
        long seen;
        do
        {
            seen = Interlocked.Read(ref _utcTicks);
            if (instant.UtcTicks <= seen)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _utcTicks, instant.UtcTicks, seen) != seen);
    }
}

/// <summary>Counts of a journey's entries (from the state store).</summary>
/// <param name="JourneyId">The journey.</param>
/// <param name="Entered">Entries, including the control group.</param>
/// <param name="ControlGroup">Entries held out in the control group.</param>
/// <param name="Sent">Send steps that delivered a message (now or in an earlier run).</param>
/// <param name="Waiting">Entries still open (waiting or active).</param>
/// <param name="Completed">Entries that reached the end.</param>
/// <param name="Exited">Entries that left on the goal event or an exit step.</param>
public sealed record JourneySummary(string JourneyId, long Entered, long ControlGroup, long Sent, long Waiting, long Completed, long Exited)
{
    /// <summary>Summarizes entries.</summary>
    /// <param name="journeyId">The journey.</param>
    /// <param name="entries">Its entries.</param>
    /// <returns>The summary.</returns>
    public static JourneySummary Of(string journeyId, IEnumerable<JourneyInstance> entries)
    {
        Check.NotBlank(journeyId);
        ArgumentNullException.ThrowIfNull(entries);
        long entered = 0, control = 0, sent = 0, waiting = 0, completed = 0, exited = 0;
        foreach (var e in entries)
        {
            entered++;
            sent += e.Path.Split('>').Count(p => p.EndsWith(":sent", StringComparison.Ordinal));
            switch (e.Status)
            {
                case JourneyStatus.ControlGroup:
                    control++;
                    break;
                case JourneyStatus.Completed:
                    completed++;
                    break;
                case JourneyStatus.Exited:
                    exited++;
                    break;
                default:
                    waiting++;
                    break;
            }
        }

        return new JourneySummary(journeyId, entered, control, sent, waiting, completed, exited);
    }
}
