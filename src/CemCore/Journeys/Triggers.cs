using CemCore.Dispatch;
using CemCore.Feedback;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Journeys;

/// <summary>Returns the rule context of a customer at an instant (profile, features, model outputs, known facts), or <see langword="null"/> when
/// the customer is unknown. Must return a context the caller may modify (a new one, or one per thread).</summary>
/// <param name="customerId">The customer.</param>
/// <param name="asOf">The decision instant.</param>
/// <param name="cancellationToken">Cancels the lookup.</param>
/// <returns>The context, or <see langword="null"/>.</returns>
public delegate ValueTask<CustomerContext?> CustomerContextLookup(string customerId, DateTimeOffset asOf, CancellationToken cancellationToken);

/// <summary>An event trigger: when an event of <see cref="EventType"/> arrives (and <see cref="When"/> holds on the customer's context with the
/// event's facts applied), the rules <see cref="Rules"/> decide an offer that is dispatched exactly once per (trigger, event, customer).</summary>
/// <param name="Id">The trigger id (the campaign id of its sends): letters, digits, <c>_</c>, <c>-</c>, <c>.</c>.</param>
/// <param name="EventType">The event type that fires it.</param>
/// <param name="Rules">The rule ids that may decide (in the rule set's priority order), or <see langword="null"/> for every rule.</param>
/// <param name="When">An extra condition on the context, or <see langword="null"/>.</param>
public sealed record EventTrigger(string Id, string EventType, IReadOnlyList<string>? Rules = null, CompiledCondition? When = null)
{
    /// <summary>Gets the trigger id.</summary>
    /// <exception cref="ArgumentException">Not a valid name.</exception>
    public string Id { get; } = CustomerEventTypes.IsValid(Id) ? Id : throw new ArgumentException($"Invalid trigger id '{Id}'.", nameof(Id));

    /// <summary>Gets the event type.</summary>
    /// <exception cref="ArgumentException">Not a valid type name.</exception>
    public string EventType { get; } = CustomerEventTypes.IsValid(EventType) ? EventType : throw new ArgumentException($"Invalid event type '{EventType}'.", nameof(EventType));
}

/// <summary>The standard event triggers over <see cref="Personalization.StandardCampaigns"/>: the source documents' after-sales automation.</summary>
public static class StandardTriggers
{
    /// <summary>
    /// Builds the standard triggers: <c>return-coupon</c> (a return → coupon by reason: rules <c>aftersales-quality</c>,
    /// <c>aftersales-size</c>, <c>aftersales-other</c>), <c>survey-makegood</c> (a dissatisfied survey, CSAT ≤ 2 → compensation coupon:
    /// <c>csat-makegood</c>; left out with <paramref name="surveys"/> = <see langword="false"/> when a <see cref="FeedbackLoop"/> handles
    /// surveys), <c>cart-abandon</c> (an abandoned cart → free shipping), <c>first-purchase</c> (→ <c>welcome</c>) and <c>winback</c> (a
    /// lifecycle transition → "we miss you": <c>reactivation</c> for Dormant, <c>winback</c> when churn risk ≥ 0.6, <c>welcome-back</c> for
    /// Revived, <c>decline-nudge</c> for Decline).
    /// </summary>
    /// <param name="surveys">Whether to include <c>survey-makegood</c>.</param>
    /// <returns>The triggers.</returns>
    public static IReadOnlyList<EventTrigger> Create(bool surveys = true)
    {
        var list = new List<EventTrigger>
        {
            new("return-coupon", CustomerEventTypes.Return, ["aftersales-quality", "aftersales-size", "aftersales-other"]),
            new("cart-abandon", CustomerEventTypes.CartAbandoned, ["cart-abandon"]),
            new("first-purchase", CustomerEventTypes.FirstPurchase, ["welcome"]),
            new("winback", CustomerEventTypes.LifecycleTransition, ["reactivation", "winback", "welcome-back", "decline-nudge"]),
        };
        if (surveys)
        {
            list.Insert(1, new EventTrigger("survey-makegood", CustomerEventTypes.SurveyResponse, ["csat-makegood"]));
        }

        return list.AsReadOnly();
    }
}

/// <summary>What one trigger did for one event.</summary>
/// <param name="TriggerId">The trigger (or <see cref="FeedbackLoop.CampaignId"/>).</param>
/// <param name="EventId">The event.</param>
/// <param name="Dispatch">The dispatch outcome (sent, already sent, suppressed…).</param>
public sealed record TriggerOutcome(string TriggerId, string EventId, DispatchOutcome Dispatch);

/// <summary>Counts of a <see cref="TriggerEngine.RunAsync"/>.</summary>
/// <param name="Events">Events read.</param>
/// <param name="UnknownCustomers">Events whose customer the lookup did not know.</param>
/// <param name="Fired">Trigger firings (a decision was attempted).</param>
/// <param name="Sent">Messages sent now.</param>
/// <param name="AlreadySent">Firings whose send was recorded before (a replayed event).</param>
/// <param name="NotSent">Firings without a send (no offer, suppressed, deferred, failed, rejected).</param>
/// <param name="ServiceTasks">Service tasks created (not counting replays).</param>
public sealed record TriggerSummary(long Events, long UnknownCustomers, long Fired, long Sent, long AlreadySent, long NotSent, long ServiceTasks);

/// <summary>
/// The trigger engine: for each customer event, looks the customer's context up at the later of now and one tick after the event's instant
/// (so a rule window "within the last d days", [as-of − d, as-of), includes the event), applies the event's facts
/// (<see cref="CustomerEvent.ApplyTo"/>), runs the <see cref="FeedbackLoop"/> (when given) and every trigger of the event's type, and dispatches
/// their decisions through the personalization rules and the exactly-once dispatch (<see cref="EventDispatcher"/>), keyed by
/// (trigger, event id, customer): a replayed or redelivered event never sends twice.
/// </summary>
/// <remarks>Events are handled in the order given (near real time: call <see cref="HandleAsync"/> from the host's event consumer). Thread-safe
/// when the lookup is; several engines (processes) may consume the same events on shared stores.</remarks>
public sealed class TriggerEngine
{
    private readonly EventTrigger[] _triggers;

    /// <summary>Creates an engine.</summary>
    /// <param name="dispatcher">The dispatcher (rules, channels, stores).</param>
    /// <param name="lookup">The customer-context lookup.</param>
    /// <param name="triggers">The triggers (ids unique; every named rule must exist in the dispatcher's rule set).</param>
    /// <param name="feedback">The feedback loop, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A duplicate trigger id, or an unknown rule.</exception>
    public TriggerEngine(EventDispatcher dispatcher, CustomerContextLookup lookup, IEnumerable<EventTrigger> triggers, FeedbackLoop? feedback = null)
    {
        Dispatcher = dispatcher ?? throw new ArgumentNullException(nameof(dispatcher));
        Lookup = lookup ?? throw new ArgumentNullException(nameof(lookup));
        _triggers = [.. triggers ?? throw new ArgumentNullException(nameof(triggers))];
        Feedback = feedback;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in _triggers)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(triggers));
            if (!ids.Add(t.Id))
            {
                throw new ArgumentException($"Duplicate trigger id '{t.Id}'.", nameof(triggers));
            }

            foreach (var r in t.Rules ?? [])
            {
                if (!dispatcher.HasRule(r))
                {
                    throw new ArgumentException($"Trigger '{t.Id}' names unknown rule '{r}'.", nameof(triggers));
                }
            }
        }

        foreach (var r in feedback?.CompensationRules ?? [])
        {
            if (!dispatcher.HasRule(r))
            {
                throw new ArgumentException($"The feedback loop names unknown rule '{r}'.", nameof(feedback));
            }
        }
    }

    /// <summary>Gets the dispatcher.</summary>
    public EventDispatcher Dispatcher { get; }

    /// <summary>Gets the lookup.</summary>
    public CustomerContextLookup Lookup { get; }

    /// <summary>Gets the triggers.</summary>
    public IReadOnlyList<EventTrigger> Triggers => _triggers;

    /// <summary>Gets the feedback loop, or <see langword="null"/>.</summary>
    public FeedbackLoop? Feedback { get; }

    /// <summary>Handles one event.</summary>
    /// <param name="customerEvent">The event.</param>
    /// <param name="cancellationToken">Cancels the handling.</param>
    /// <returns>The outcome of every trigger that fired (empty for an unknown customer or no matching trigger).</returns>
    public async ValueTask<IReadOnlyList<TriggerOutcome>> HandleAsync(CustomerEvent customerEvent, CancellationToken cancellationToken = default) =>
        (await HandleCoreAsync(customerEvent, cancellationToken).ConfigureAwait(false)).Outcomes;

    /// <summary>Reads an event source to its end and handles every event.</summary>
    /// <param name="source">The events.</param>
    /// <param name="cancellationToken">Cancels the run between events.</param>
    /// <returns>The counts.</returns>
    public async Task<TriggerSummary> RunAsync(ICustomerEventSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        long events = 0, unknown = 0, fired = 0, sent = 0, already = 0, notSent = 0, tasks = 0;
        await foreach (var e in source.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            events++;
            var (known, outcomes, created) = await HandleCoreAsync(e, cancellationToken).ConfigureAwait(false);
            unknown += known ? 0 : 1;
            tasks += created;
            foreach (var o in outcomes)
            {
                fired++;
                Tally(o.Dispatch.Status, ref sent, ref already, ref notSent);
            }
        }

        return new TriggerSummary(events, unknown, fired, sent, already, notSent, tasks);
    }

    /// <summary>
    /// Sends the trigger sends that were deferred (quiet hours, a Retry-After beyond the retry policy) and are now due: takes them from
    /// <see cref="DispatchStores.Schedule"/> at the clock's now (leased, so a worker killed after taking them loses nothing), looks the
    /// customer up at now, applies the deferred event again (kept in <see cref="ScheduledSend.Payload"/>) and dispatches under the same
    /// idempotency key (trigger, event, customer). Every send-time check runs again: consent (a revocation since the deferral suppresses the
    /// send), quiet hours (a send still inside them is put back for its next allowed instant), caps, budget and suppression lists. Entries
    /// of other campaigns are given back at once.
    /// </summary>
    /// <param name="max">Most entries taken, at least 1.</param>
    /// <param name="cancellationToken">Cancels the run between entries.</param>
    /// <returns>The counts: <see cref="TriggerSummary.Events"/> is the number of this engine's entries taken.</returns>
    /// <exception cref="InvalidOperationException">The dispatcher has no schedule store.</exception>
    public async Task<TriggerSummary> RunDueAsync(int max = 1_000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        var schedule = Dispatcher.Stores.Schedule ?? throw new InvalidOperationException("RunDueAsync needs a schedule store (DispatchStores.Schedule).");
        var now = Dispatcher.Time.GetUtcNow();
        long taken = 0, unknown = 0, fired = 0, sent = 0, already = 0, notSent = 0;
        foreach (var entry in await schedule.TakeDueAsync(now, max, Dispatcher.Lease, cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rules = RulesOf(entry.CampaignId, out var trigger, out var mine);
            if (!mine)
            {
                await schedule.ScheduleAsync(entry, CancellationToken.None).ConfigureAwait(false); // another sender's entry: given back at once
                continue;
            }

            taken++;
            var e = entry.Payload is { } payload ? TriggerPayload.Read(payload) : null;
            var context = e is null ? null : await Lookup(e.CustomerId, now, cancellationToken).ConfigureAwait(false);
            if (e is null || context is null)
            {
                unknown++;
                await schedule.CompleteAsync(entry.IdempotencyKey).ConfigureAwait(false);
                continue;
            }

            e.ApplyTo(context);
            if (trigger?.When is { } when && !when.Evaluate(context))
            {
                notSent++;
                await schedule.CompleteAsync(entry.IdempotencyKey).ConfigureAwait(false);
                continue;
            }

            fired++;
            var outcome = await Dispatcher.DispatchAsync(entry.CampaignId, entry.RunKey, context, rules, useSchedule: false, cancellationToken).ConfigureAwait(false);
            Tally(outcome.Status, ref sent, ref already, ref notSent);

            if (outcome.Status == DispatchStatus.Deferred)
            {
                await schedule.ScheduleAsync(entry with { DueAt = outcome.NotBefore ?? now, Reason = outcome.Detail ?? "deferred" }, CancellationToken.None).ConfigureAwait(false);
            }
            else if (outcome.Status is not (DispatchStatus.Failed or DispatchStatus.InFlightElsewhere))
            {
                await schedule.CompleteAsync(entry.IdempotencyKey).ConfigureAwait(false); // failed or held elsewhere: due again when the lease ends
            }
        }

        return new TriggerSummary(taken, unknown, fired, sent, already, notSent, 0);
    }

    private static void Tally(DispatchStatus status, ref long sent, ref long already, ref long notSent)
    {
        switch (status)
        {
            case DispatchStatus.Sent:
                sent++;
                break;
            case DispatchStatus.AlreadySent:
                already++;
                break;
            default:
                notSent++;
                break;
        }
    }

    /// <summary>The rules of a campaign id of this engine (a trigger or the feedback loop); <paramref name="mine"/> is false for others.</summary>
    private IReadOnlyList<string>? RulesOf(string campaignId, out EventTrigger? trigger, out bool mine)
    {
        trigger = null;
        mine = true;
        if (Feedback is { } loop && string.Equals(campaignId, FeedbackLoop.CampaignId, StringComparison.Ordinal))
        {
            return loop.CompensationRules;
        }

        foreach (var t in _triggers)
        {
            if (string.Equals(t.Id, campaignId, StringComparison.Ordinal))
            {
                trigger = t;
                return t.Rules;
            }
        }

        mine = false;
        return null;
    }

    /// <summary>Dispatches one firing; a deferred send goes to the schedule with its event, to be decided again when due.</summary>
    private async ValueTask<DispatchOutcome> FireAsync(string campaignId, CustomerEvent e, CustomerContext context, IReadOnlyList<string>? rules, CancellationToken ct)
    {
        var outcome = await Dispatcher.DispatchAsync(campaignId, e.EventId, context, rules, useSchedule: false, ct).ConfigureAwait(false);
        if (outcome.Status == DispatchStatus.Deferred && Dispatcher.Stores.Schedule is { } schedule && outcome.IdempotencyKey is { } key)
        {
            var due = outcome.NotBefore ?? Dispatcher.Time.GetUtcNow();
            await schedule.ScheduleAsync(new ScheduledSend(key, campaignId, e.EventId, e.CustomerId, due, outcome.Detail ?? "deferred") { Payload = TriggerPayload.Write(e) }, CancellationToken.None).ConfigureAwait(false);
        }

        return outcome;
    }

    private async ValueTask<(bool Known, IReadOnlyList<TriggerOutcome> Outcomes, int Tasks)> HandleCoreAsync(CustomerEvent e, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(e);
        // Decided at the later of now and one tick after the event, so "within the last d days" ([as-of − d, as-of)) includes the event.
        var now = Dispatcher.Time.GetUtcNow();
        var asOf = now > e.Timestamp ? now : e.Timestamp.AddTicks(1);
        var context = await Lookup(e.CustomerId, asOf, ct).ConfigureAwait(false);
        if (context is null)
        {
            return (false, [], 0);
        }

        e.ApplyTo(context);
        var outcomes = new List<TriggerOutcome>();
        var tasks = 0;
        if (Feedback is { } loop && FeedbackLoop.Classify(e, context) is { } kind)
        {
            tasks += await loop.CreateTaskAsync(e, kind, ct).ConfigureAwait(false) ? 1 : 0;
            var outcome = await FireAsync(FeedbackLoop.CampaignId, e, context, loop.CompensationRules, ct).ConfigureAwait(false);
            outcomes.Add(new TriggerOutcome(FeedbackLoop.CampaignId, e.EventId, outcome));
        }

        foreach (var t in _triggers)
        {
            if (!e.Is(t.EventType) || (t.When is { } when && !when.Evaluate(context)))
            {
                continue;
            }

            var outcome = await FireAsync(t.Id, e, context, t.Rules, ct).ConfigureAwait(false);
            outcomes.Add(new TriggerOutcome(t.Id, e.EventId, outcome));
        }

        return (true, outcomes, tasks);
    }
}

/// <summary>The event of a deferred trigger send, as JSON in <see cref="ScheduledSend.Payload"/>:
/// <c>{"id":…,"customer":…,"type":…,"at":"ISO 8601 with offset","properties":{…}}</c>.</summary>
internal static class TriggerPayload
{
    public static string Write(CustomerEvent e)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("id", e.EventId);
            w.WriteString("customer", e.CustomerId);
            w.WriteString("type", e.Type);
            w.WriteString("at", e.Timestamp.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteStartObject("properties");
            foreach (var (k, v) in e.Properties.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Reads a payload; <see langword="null"/> when it is not one (an entry written by other code).</summary>
    public static CustomerEvent? Read(string json)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(json);
            var root = doc.RootElement;
            var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var p in root.GetProperty("properties").EnumerateObject())
            {
                properties[p.Name] = p.Value.GetString() ?? string.Empty;
            }

            var at = DateTimeOffset.Parse(root.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind);
            return new CustomerEvent(root.GetProperty("id").GetString()!, root.GetProperty("customer").GetString()!, root.GetProperty("type").GetString()!, at, properties);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            return null;
        }
    }
}
