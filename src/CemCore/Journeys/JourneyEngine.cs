using CemCore.Dispatch;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Journeys;

/// <summary>Settings of a <see cref="JourneyEngine"/>.</summary>
/// <param name="ControlGroup">The global control group: customers in it who trigger an entry are recorded as
/// <see cref="JourneyStatus.ControlGroup"/> in every journey and sent nothing (the same documented FNV-1a hash as the campaign holdout,
/// <see cref="HoldoutGroup"/>, so one salt gives one group across journeys, processes and runs); <see langword="null"/> for none.</param>
/// <param name="RetryDelay">How long a send step that failed transiently (or is in flight in another runner) waits before it is tried again
/// (default 5 min).</param>
/// <param name="MaxDuePerJourney">Most due entries taken per journey by one <see cref="JourneyEngine.RunDueAsync"/> call (default 10,000).</param>
public sealed record JourneySettings(HoldoutGroup? ControlGroup = null, TimeSpan? RetryDelay = null, int MaxDuePerJourney = 10_000)
{
    /// <summary>Gets the retry delay in effect.</summary>
    public TimeSpan EffectiveRetryDelay => RetryDelay is { } d && d > TimeSpan.Zero ? d : TimeSpan.FromMinutes(5);

    /// <summary>Gets a callback told of every transition this engine wrote (an entry, a step outcome, a deferral, a goal exit), or
    /// <see langword="null"/>. Only the winner of a compare-and-swap reports a transition, so counts summed over several engines (processes)
    /// on one store count each transition once; a replayed event or a re-run reports nothing. Called on the engine's thread; must not throw.</summary>
    public Action<JourneyTransition>? Observer { get; init; }
}

/// <summary>One transition written by a <see cref="JourneyEngine"/> (see <see cref="JourneySettings.Observer"/>).</summary>
/// <param name="JourneyId">The journey.</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="Entry">The entry number.</param>
/// <param name="StepId">The step left (or waiting at), or <see langword="null"/> for an entry or a goal exit.</param>
/// <param name="Label">What happened: <c>entered</c>, <c>control</c>, <c>goal</c>, or the step's outcome as in the path (<c>sent</c>,
/// <c>suppressed</c>, <c>nooffer</c>, <c>rejected</c>, <c>unknown</c>, <c>event</c>, <c>timeout</c>, <c>true</c>, <c>false</c>, a split
/// variant, <c>exit</c>, <c>done</c> for a plain wait), or <c>deferred</c>/<c>failed</c> for a send step that waits to be tried again.</param>
/// <param name="Status">The entry's status after the transition.</param>
/// <param name="Dispatch">For a send step, the dispatch status (<see cref="DispatchStatus.Sent"/> now, or
/// <see cref="DispatchStatus.AlreadySent"/> by an earlier run…); otherwise <see langword="null"/>.</param>
public sealed record JourneyTransition(string JourneyId, string CustomerId, int Entry, string? StepId, string Label, JourneyStatus Status, DispatchStatus? Dispatch = null);

/// <summary>
/// Runs multi-step journeys (<see cref="JourneyDefinition"/>) over customer events: enters customers on the entry event (entry limits, entry
/// condition, global control group), runs their steps — send (personalization rules plus the exactly-once dispatch, keyed by journey, customer,
/// step and entry), wait, wait for an event with a timeout, branch, split, exit — and exits them on the goal event. Every position is written to
/// an <see cref="IJourneyStateStore"/> after each step, so a killed engine is replaced by a new one on the same stores and nothing is sent twice
/// or lost.
/// </summary>
/// <remarks>
/// <para>Time comes from the dispatcher's <see cref="TimeProvider"/>: waits end at "entered the wait + duration"; <see cref="RunDueAsync"/>
/// moves the customers whose waits ended. An awaited event counts when its timestamp lies inside the wait (not before it began, not after it ended). Events older than the
/// customer's current entry are ignored, so replays are harmless.</para>
/// <para>Each step is idempotent: a send is claimed in the send log under
/// <see cref="IdempotencyKey.Create(string, string, string)"/>("journey:" + journey, step + "#" + entry, customer); a position is written with a
/// compare-and-swap on its version, and a runner that loses the race stops (the winner carries on). Several engines (processes) may share the
/// stores. A send deferred by quiet hours waits at its step until the allowed instant; a transient failure is retried after
/// <see cref="JourneySettings.RetryDelay"/>.</para>
/// </remarks>
public sealed class JourneyEngine
{
    private readonly JourneyDefinition[] _journeys;

    /// <summary>Creates an engine.</summary>
    /// <param name="journeys">The journeys (unique ids).</param>
    /// <param name="dispatcher">The dispatcher (rules, channels, dispatch stores, clock).</param>
    /// <param name="store">The journey state store.</param>
    /// <param name="lookup">The customer-context lookup (entry conditions, branches, sends).</param>
    /// <param name="settings">Settings, or <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentException">Duplicate journey ids, or a send step names a rule the dispatcher does not know.</exception>
    public JourneyEngine(IEnumerable<JourneyDefinition> journeys, EventDispatcher dispatcher, IJourneyStateStore store, CustomerContextLookup lookup, JourneySettings? settings = null)
    {
        _journeys = [.. journeys ?? throw new ArgumentNullException(nameof(journeys))];
        Dispatcher = dispatcher ?? throw new ArgumentNullException(nameof(dispatcher));
        Store = store ?? throw new ArgumentNullException(nameof(store));
        Lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        Settings = settings ?? new JourneySettings();
        if (_journeys.Select(j => j.Id).Distinct(StringComparer.Ordinal).Count() != _journeys.Length)
        {
            throw new ArgumentException("Two journeys have the same id.", nameof(journeys));
        }

        foreach (var j in _journeys)
        {
            foreach (var r in j.Steps.SelectMany(s => s.Rules).Where(r => !dispatcher.HasRule(r)))
            {
                throw new ArgumentException($"Journey '{j.Id}' names unknown rule '{r}'.", nameof(journeys));
            }
        }
    }

    /// <summary>Gets the dispatcher.</summary>
    public EventDispatcher Dispatcher { get; }

    /// <summary>Gets the state store.</summary>
    public IJourneyStateStore Store { get; }

    /// <summary>Gets the lookup.</summary>
    public CustomerContextLookup Lookup { get; }

    /// <summary>Gets the settings.</summary>
    public JourneySettings Settings { get; }

    /// <summary>Gets the journeys.</summary>
    public IReadOnlyList<JourneyDefinition> Journeys => _journeys;

    private TimeProvider Time => Dispatcher.Time;

    /// <summary>Handles one event for every journey: goal exits, awaited events, entries.</summary>
    /// <param name="customerEvent">The event.</param>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>A task that completes when the customer's journeys have run as far as they can now.</returns>
    public async Task HandleAsync(CustomerEvent customerEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customerEvent);
        foreach (var journey in _journeys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await HandleAsync(journey, customerEvent, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Moves every customer whose wait has ended (or whose step was interrupted by a crash) and runs them as far as they can go now.</summary>
    /// <param name="cancellationToken">Cancels between steps.</param>
    /// <returns>The number of entries moved.</returns>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var moved = 0;
        foreach (var journey in _journeys)
        {
            var now = Time.GetUtcNow();
            foreach (var instance in await Store.GetDueAsync(journey.Id, now, Math.Max(1, Settings.MaxDuePerJourney), cancellationToken).ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var step = journey.StepsById[instance.StepId!];
                var current = instance;
                if (instance.Status == JourneyStatus.Waiting)
                {
                    // A wait (or timeout) ended; a waiting send step (deferred or retried) runs again under its own key.
                    var (next, label) = step.Kind switch
                    {
                        JourneyStepKind.Wait => (step.Next, (string?)null),
                        JourneyStepKind.WaitForEvent => (step.OnTimeout, step.Id + ":timeout"),
                        _ => (step.Id, null),
                    };
                    var moving = step.Kind is JourneyStepKind.Wait or JourneyStepKind.WaitForEvent;
                    current = await MoveAsync(journey, instance, moving ? next : step.Id, label, cancellationToken).ConfigureAwait(false);
                    if (moving)
                    {
                        Report(current, step.Id, step.Kind == JourneyStepKind.Wait ? "done" : "timeout");
                    }
                }

                if (current is not null)
                {
                    moved++;
                    await RunAsync(journey, current, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return moved;
    }

    /// <summary>
    /// Replays events in timestamp order on a <see cref="ReplayClock"/> (which must be the dispatcher's clock): before each event, every wait
    /// that ends at or before the event's instant fires at its own instant (the clock moves to it and <see cref="RunDueAsync"/> runs), then
    /// the clock moves to the event and the event is handled; finally waits are fired up to <paramref name="until"/> (exclusive).
    /// </summary>
    /// <param name="events">The events (stable-sorted by timestamp here).</param>
    /// <param name="clock">The replay clock.</param>
    /// <param name="until">The end of the replay: waits ending before it fire; the clock ends there.</param>
    /// <param name="cancellationToken">Cancels between events.</param>
    /// <returns>A task that completes when the replay is done.</returns>
    /// <exception cref="ArgumentException">The clock is not the dispatcher's clock.</exception>
    public async Task ReplayAsync(IEnumerable<CustomerEvent> events, ReplayClock clock, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(clock);
        if (!ReferenceEquals(clock, Time))
        {
            throw new ArgumentException("The replay clock must be the dispatcher's TimeProvider.", nameof(clock));
        }

        foreach (var e in events.OrderBy(e => e.Timestamp))
        {
            await FireWaitsAsync(clock, e.Timestamp, inclusive: true, cancellationToken).ConfigureAwait(false);
            clock.AdvanceTo(e.Timestamp);
            await HandleAsync(e, cancellationToken).ConfigureAwait(false);
        }

        await FireWaitsAsync(clock, until, inclusive: false, cancellationToken).ConfigureAwait(false);
        clock.AdvanceTo(until);
    }

    private async Task FireWaitsAsync(ReplayClock clock, DateTimeOffset limit, bool inclusive, CancellationToken ct)
    {
        DateTimeOffset? lastRun = null;
        while (true)
        {
            DateTimeOffset? next = null;
            foreach (var j in _journeys)
            {
                foreach (var d in await Store.GetDueAsync(j.Id, limit, 1, ct).ConfigureAwait(false))
                {
                    var at = d.WaitUntil ?? clock.GetUtcNow();
                    next = next is null || at < next ? at : next;
                }
            }

            if (next is not { } due || (!inclusive && due >= limit) || (lastRun is { } last && due <= last))
            {
                return; // nothing due, or only entries another runner holds at this instant
            }

            clock.AdvanceTo(due);
            lastRun = clock.GetUtcNow();
            await RunDueAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Summarizes a journey from the state store.</summary>
    /// <param name="journeyId">The journey.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The summary.</returns>
    public async Task<JourneySummary> SummarizeAsync(string journeyId, CancellationToken cancellationToken = default) =>
        JourneySummary.Of(journeyId, await Store.GetAllAsync(journeyId, cancellationToken).ConfigureAwait(false));

    private async Task HandleAsync(JourneyDefinition journey, CustomerEvent e, CancellationToken ct)
    {
        var latest = await Store.GetLatestAsync(journey.Id, e.CustomerId, ct).ConfigureAwait(false);
        if (latest is not null && latest.IsOpen)
        {
            if (e.Timestamp < latest.EnteredAt)
            {
                return;
            }

            if (journey.GoalEvent is { } goal && e.Is(goal))
            {
                Report(await SaveAsync(latest, latest with { Status = JourneyStatus.Exited, StepId = null, WaitUntil = null, Path = Append(latest.Path, "goal") }, ct).ConfigureAwait(false), null, "goal");
                return;
            }

            var step = journey.StepsById[latest.StepId!];
            // The awaited event must fall inside the wait: [wait start, wait end], the start being WaitUntil − timeout. A late-delivered
            // event that happened before the wait began (e.g. a visit before the reminder was sent) does not answer it.
            if (latest.Status == JourneyStatus.Waiting && step.Kind == JourneyStepKind.WaitForEvent && e.Is(step.EventType!)
                && latest.WaitUntil is { } waitEnd && e.Timestamp <= waitEnd && e.Timestamp >= waitEnd - step.Duration)
            {
                if (await MoveAsync(journey, latest, step.OnEvent, step.Id + ":event", ct).ConfigureAwait(false) is { } moved)
                {
                    Report(moved, step.Id, "event");
                    await RunAsync(journey, moved, ct).ConfigureAwait(false);
                }
            }

            return;
        }

        if (!e.Is(journey.EntryEvent) || (latest is not null && (latest.EntryEventId == e.EventId || e.Timestamp < latest.EnteredAt)))
        {
            return;
        }

        if (!journey.EntryLimit.Allows(latest?.EnteredAt, e.Timestamp))
        {
            return;
        }

        if (journey.EntryCondition is { } when)
        {
            var context = await Lookup(e.CustomerId, e.Timestamp.AddTicks(1), ct).ConfigureAwait(false); // the window [as-of − d, as-of) includes the event
            if (context is null)
            {
                return;
            }

            e.ApplyTo(context);
            if (!when.Evaluate(context))
            {
                return;
            }
        }

        var control = Settings.ControlGroup?.Contains(e.CustomerId) == true;
        var entry = new JourneyInstance(
            journey.Id,
            e.CustomerId,
            (latest?.Entry ?? 0) + 1,
            e.EventId,
            e.Timestamp,
            control ? JourneyStatus.ControlGroup : JourneyStatus.Active,
            control ? null : journey.Steps[0].Id,
            null,
            control ? "control" : string.Empty,
            1,
            Time.GetUtcNow());
        if (await Store.TryInsertAsync(entry, ct).ConfigureAwait(false))
        {
            Report(entry, null, control ? "control" : "entered");
            if (!control)
            {
                await RunAsync(journey, entry, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs an active entry step by step until it waits, ends, or another runner overtakes it.</summary>
    private async Task RunAsync(JourneyDefinition journey, JourneyInstance instance, CancellationToken ct)
    {
        var current = instance;
        while (current is { Status: JourneyStatus.Active })
        {
            ct.ThrowIfCancellationRequested();
            if (current.StepId is null)
            {
                await SaveAsync(current, current with { Status = JourneyStatus.Completed, Path = Append(current.Path, "completed") }, ct).ConfigureAwait(false);
                return;
            }

            var step = journey.StepsById[current.StepId];
            var now = Time.GetUtcNow();
            switch (step.Kind)
            {
                case JourneyStepKind.Send:
                    var context = await Lookup(current.CustomerId, now, ct).ConfigureAwait(false);
                    if (context is null)
                    {
                        current = await MoveAsync(journey, current, step.Next, step.Id + ":unknown", ct).ConfigureAwait(false);
                        Report(current, step.Id, "unknown");
                        break;
                    }

                    var runKey = step.Id + "#" + current.Entry.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var outcome = await Dispatcher.DispatchAsync("journey:" + journey.Id, runKey, context, step.Rules, useSchedule: false, ct).ConfigureAwait(false);
                    switch (outcome.Status)
                    {
                        case DispatchStatus.Sent or DispatchStatus.AlreadySent:
                            current = await MoveAsync(journey, current, step.Next, step.Id + ":sent", ct).ConfigureAwait(false);
                            break;
                        case DispatchStatus.Deferred:
                            current = await WaitAsync(current, step.Id, outcome.NotBefore ?? now + Settings.EffectiveRetryDelay, ct).ConfigureAwait(false);
                            break;
                        case DispatchStatus.InFlightElsewhere:
                            return; // another runner holds the send: it moves the entry on (or, if it died, the entry stays active and is resumed when due)
                        case DispatchStatus.Failed:
                            current = await WaitAsync(current, step.Id, now + Settings.EffectiveRetryDelay, ct).ConfigureAwait(false);
                            break;
                        default:
                            current = await MoveAsync(journey, current, step.Next, step.Id + ":" + Label(outcome.Status), ct).ConfigureAwait(false);
                            break;
                    }

                    Report(current, step.Id, outcome.Status switch
                    {
                        DispatchStatus.Sent or DispatchStatus.AlreadySent => "sent",
                        DispatchStatus.Deferred => "deferred",
                        DispatchStatus.Failed => "failed",
                        _ => Label(outcome.Status),
                    }, outcome.Status);

                    break;
                case JourneyStepKind.Wait or JourneyStepKind.WaitForEvent:
                    current = await WaitAsync(current, step.Id, now + step.Duration, ct).ConfigureAwait(false);
                    break;
                case JourneyStepKind.Branch:
                    var ctx = await Lookup(current.CustomerId, now, ct).ConfigureAwait(false);
                    var holds = ctx is not null && step.Condition!.Evaluate(ctx);
                    current = await MoveAsync(journey, current, holds ? step.IfTrue : step.IfFalse, step.Id + (holds ? ":true" : ":false"), ct).ConfigureAwait(false);
                    Report(current, step.Id, holds ? "true" : "false");
                    break;
                case JourneyStepKind.Split:
                    var variant = journey.Assign(step, current.CustomerId);
                    current = await MoveAsync(journey, current, variant.Next, step.Id + ":" + variant.Name, ct).ConfigureAwait(false);
                    Report(current, step.Id, variant.Name);
                    break;
                default:
                    Report(await SaveAsync(current, current with { Status = JourneyStatus.Exited, StepId = null, WaitUntil = null, Path = Append(current.Path, step.Id + ":exit") }, ct).ConfigureAwait(false), step.Id, "exit");
                    return;
            }
        }
    }

    private void Report(JourneyInstance? written, string? stepId, string label, DispatchStatus? dispatch = null)
    {
        if (written is not null && Settings.Observer is { } observer)
        {
            observer(new JourneyTransition(written.JourneyId, written.CustomerId, written.Entry, stepId, label, written.Status, dispatch));
        }
    }

    private static string Label(DispatchStatus status) => status switch
    {
        DispatchStatus.NoOffer => "nooffer",
        DispatchStatus.Suppressed => "suppressed",
        DispatchStatus.Rejected => "rejected",
        _ => "other",
    };

    private async Task<JourneyInstance?> WaitAsync(JourneyInstance current, string stepId, DateTimeOffset until, CancellationToken ct) =>
        await SaveAsync(current, current with { Status = JourneyStatus.Waiting, StepId = stepId, WaitUntil = until }, ct).ConfigureAwait(false);

    /// <summary>Moves to the next step (or completion) and records the step's label in the path.</summary>
    private async Task<JourneyInstance?> MoveAsync(JourneyDefinition journey, JourneyInstance current, string? next, string? label, CancellationToken ct)
    {
        _ = journey;
        var path = label is null ? Append(current.Path, current.StepId!) : Append(current.Path, label);
        var moved = next is null
            ? current with { Status = JourneyStatus.Completed, StepId = null, WaitUntil = null, Path = Append(path, "completed") }
            : current with { Status = JourneyStatus.Active, StepId = next, WaitUntil = null, Path = path };
        return await SaveAsync(current, moved, ct).ConfigureAwait(false);
    }

    /// <summary>Writes a new state with compare-and-swap; <see langword="null"/> when another runner wrote first (it carries on).</summary>
    private async Task<JourneyInstance?> SaveAsync(JourneyInstance current, JourneyInstance next, CancellationToken ct)
    {
        var written = next with { Version = current.Version + 1, UpdatedAt = Time.GetUtcNow() };
        return await Store.TryUpdateAsync(written, current.Version, ct).ConfigureAwait(false) ? written : null;
    }

    private static string Append(string path, string label) => path.Length == 0 ? label : path + ">" + label;
}
