using System.Diagnostics;
using System.Globalization;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Lifecycle;
using CemCore.Loyalty;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Transactions;

namespace CemCore.Samples.Orleans.Domain;

/// <summary>
/// One member's behaviour over a <see cref="MemberState"/>, with no Orleans in it: the customer grain runs it on its persisted state, and
/// the tests run it directly as the single-process reference. Every step uses the library: the loyalty ledger rules
/// (<see cref="LoyaltyAccountState"/>, <see cref="EarningRules"/>), <see cref="LifecycleClassifier"/>, the churn model, the
/// <see cref="OfferDecisionEngine"/> (consent, frequency cap, quiet hours) and <see cref="IdempotencyKey"/> for send keys.
/// </summary>
/// <remarks>Not thread-safe (one per activation). <see cref="Apply"/> mutates the state it holds; the grain persists it afterwards.</remarks>
public sealed class MemberModel
{
    private readonly MemberRules _rules;
    private readonly OfferDecisionEngine _engine;
    private readonly StateContactHistory _history;
    private readonly CustomerContext _context = new();
    private HashSet<string> _processed = new(StringComparer.Ordinal);
    private LoyaltyAccountState _account;

    /// <summary>Creates the model of one member over a state (loaded from storage or new).</summary>
    /// <param name="customerId">The member id.</param>
    /// <param name="rules">The programme's rules.</param>
    /// <param name="state">The state.</param>
    public MemberModel(string customerId, MemberRules rules, MemberState state)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        CustomerId = customerId;
        _rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _history = new StateContactHistory();
        _engine = new OfferDecisionEngine(rules.RuleSet, rules.Decisions, _history);
        _account = new LoyaltyAccountState(CustomerId, rules.Ledger);
        State = state;
        Load(state);
    }

    /// <summary>Gets the member id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets the state.</summary>
    public MemberState State { get; private set; }

    /// <summary>Gets the loyalty account rebuilt from the state's postings.</summary>
    public LoyaltyAccountState Account => _account;

    /// <summary>Replaces the state (after a re-read from storage) and rebuilds the derived views.</summary>
    /// <param name="state">The state.</param>
    public void Load(MemberState state)
    {
        State = state ?? throw new ArgumentNullException(nameof(state));
        _history.State = state;
        _processed = new HashSet<string>(state.ProcessedEventIds, StringComparer.Ordinal);
        _account = new LoyaltyAccountState(CustomerId, _rules.Ledger);
        foreach (var p in state.Postings)
        {
            var posting = p.ToPosting(CustomerId);
            if (_account.Validate(posting) is { } reason)
            {
                throw new InvalidOperationException($"Stored posting {p.Key} no longer replays ({reason}).");
            }

            _account.Apply(posting, null);
        }
    }

    /// <summary>Returns whether an event id was applied already.</summary>
    /// <param name="eventId">The event id.</param>
    public bool HasProcessed(string eventId) => _processed.Contains(eventId);

    /// <summary>Applies one event: a replayed id changes nothing; otherwise points, facts, lifecycle, churn and the next offer are updated,
    /// and an offer to send is claimed in the state (<see cref="SendStatus.Claimed"/>) for the caller to persist before sending.</summary>
    /// <param name="e">The event (of this member).</param>
    /// <returns>The acknowledgement.</returns>
    public EventAck Apply(MemberEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (!string.Equals(e.CustomerId, CustomerId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Event {e.EventId} belongs to another member.", nameof(e));
        }

        Validate(e);
        if (_processed.Contains(e.EventId))
        {
            return new EventAck(true, _account.Available, State.Stage.ToString(), null, null);
        }

        var s = State;
        switch (e.Kind)
        {
            case MemberEventKind.Purchase:
                ApplyPurchase(e);
                break;
            case MemberEventKind.Return:
                ApplyReturn(e);
                break;
            case MemberEventKind.Survey:
                s.LastNps = e.Nps;
                s.LastCsat = e.Csat;
                s.LastSurveyAt = e.At;
                break;
            case MemberEventKind.Journey:
                if (string.Equals(e.Step, "cart_abandoned", StringComparison.OrdinalIgnoreCase))
                {
                    s.CartAbandonedAt = e.At;
                }

                break;
            case MemberEventKind.Profile:
                s.TimeZoneId = e.TimeZoneId!.Trim();
                break;
            case MemberEventKind.Consent:
                s.Consents.Add(new ConsentEntry(new ContactChannel(e.Channel).Value, ConsentPurpose.Marketing, e.ConsentStatus, e.At));
                s.Consents.Add(new ConsentEntry(new ContactChannel(e.Channel).Value, ConsentPurpose.Service, e.ConsentStatus, e.At));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(e), e.Kind, "Unknown event kind.");
        }

        Rescore(e.At);
        s.ProcessedEventIds.Add(e.EventId);
        _processed.Add(e.EventId);
        if (e.Kind is MemberEventKind.Consent or MemberEventKind.Profile)
        {
            return new EventAck(false, _account.Available, s.Stage.ToString(), null, null);
        }

        var started = Stopwatch.GetTimestamp();
        var decision = _engine.Decide(BuildContext(e.At));
        var micros = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        if (decision.Status != DecisionStatus.Offer || decision.Rule is not { } rule)
        {
            return new EventAck(false, _account.Available, s.Stage.ToString(), null, null, micros);
        }

        // Claim before send: the send key is recorded (with the contact it costs) in the state the grain writes before calling the provider.
        var key = IdempotencyKey.Create(rule.CampaignId ?? rule.Id, e.EventId, CustomerId);
        s.Sends.Add(new SendEntry(key, e.EventId, rule.Id, rule.Offer.Id, decision.Channel.Value, decision.SendAt, SendStatus.Claimed));
        s.Contacts.Add(new ContactEntry(decision.Channel.Value, rule.Purpose, e.At, rule.CampaignId ?? rule.Id));
        return new EventAck(false, _account.Available, s.Stage.ToString(), rule.Id, key, micros);
    }

    /// <summary>Checks an event before anything changes (bad input never leaves a half-applied state).</summary>
    /// <param name="e">The event.</param>
    /// <exception cref="ArgumentException">A field is missing or out of range (the message names the field and the event id).</exception>
    public static void Validate(MemberEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (string.IsNullOrWhiteSpace(e.EventId))
        {
            throw new ArgumentException("The event id must not be blank.", nameof(e));
        }

        string? problem = e.Kind switch
        {
            _ when e.Amount < 0m => "amount must not be negative",
            MemberEventKind.Return when string.IsNullOrWhiteSpace(e.OrderId) => "a return needs the order id it refunds",
            MemberEventKind.Survey when e.Nps is < 0 or > 10 => "nps must be in [0, 10]",
            MemberEventKind.Survey when e.Csat is < 1 or > 5 => "csat must be in [1, 5]",
            MemberEventKind.Consent when new ContactChannel(e.Channel).Kind is ContactChannelKind.Unspecified => "a consent event needs a channel",
            MemberEventKind.Consent when !Enum.IsDefined(e.ConsentStatus) => "unknown consent status",
            MemberEventKind.Profile when string.IsNullOrWhiteSpace(e.TimeZoneId) || !TimeZoneInfo.TryFindSystemTimeZoneById(e.TimeZoneId.Trim(), out _) =>
                "a profile event needs a known time zone id",
            _ when !Enum.IsDefined(e.Kind) => "unknown event kind",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Event {e.EventId}: {problem}."), nameof(e));
        }
    }

    /// <summary>Returns the R/F/M values of the member as of an instant (frequency = purchase days; 0 for prospects).</summary>
    /// <param name="asOf">The instant.</param>
    /// <returns>Recency in days, frequency and monetary.</returns>
    public (double RecencyDays, int Frequency, decimal Monetary) Rfm(DateTimeOffset asOf)
    {
        var days = PurchaseDays();
        if (days == 0)
        {
            return (0, 0, 0m);
        }

        var last = State.Purchases.Max();
        return (Math.Max(0, (asOf - last).TotalDays), days, Math.Max(0m, State.Monetary));
    }

    private void ApplyPurchase(MemberEvent e)
    {
        var s = State;
        var orderId = e.OrderId ?? e.EventId;
        s.Purchases.Add(e.At);
        s.Monetary += e.Amount;
        var quote = _rules.Earning.Quote(new Transaction(orderId, CustomerId, e.At, e.Amount));
        if (quote.Points <= 0 || _account.TryGetOrderEarn(orderId, out _))
        {
            return;
        }

        var posting = new LoyaltyPosting("earn:" + orderId, CustomerId, e.At, PostingKind.Earn, quote.Points, orderId);
        if (Post(posting))
        {
            s.Orders.Add(new OrderEarn(orderId, quote.Points, quote.EligibleAmount, 0m));
        }
    }

    private void ApplyReturn(MemberEvent e)
    {
        var s = State;
        s.LastReturnReason = e.ReturnReason;
        s.LastReturnAt = e.At;
        var index = e.OrderId is null ? -1 : s.Orders.FindIndex(o => string.Equals(o.OrderId, e.OrderId, StringComparison.Ordinal));
        if (index < 0)
        {
            return; // a return of an order that earned nothing here: recorded as a fact only
        }

        var order = s.Orders[index];
        s.Monetary -= Math.Min(e.Amount, order.Eligible - order.Returned);
        var now = Math.Min(e.Amount, order.Eligible - order.Returned);
        var points = EarningRules.ReversePoints(order.Points, order.Eligible, order.Returned, now);
        s.Orders[index] = order with { Returned = order.Returned + now };
        if (points > 0)
        {
            Post(new LoyaltyPosting("rev:" + e.EventId, CustomerId, e.At, PostingKind.Reverse, points, order.OrderId));
        }
    }

    private bool Post(LoyaltyPosting posting)
    {
        // Events may arrive slightly out of order across sources; the ledger's monotonic clock rejects those postings, which are then
        // recorded as facts without points (a rejected posting writes nothing).
        if (_account.Validate(posting) is not null)
        {
            return false;
        }

        _account.Apply(posting, null);
        State.Postings.Add(LedgerEntry.From(posting));
        return true;
    }

    private int PurchaseDays()
    {
        var days = new HashSet<DateOnly>();
        foreach (var p in State.Purchases)
        {
            days.Add(DateOnly.FromDateTime(p.UtcDateTime));
        }

        return days.Count;
    }

    private void Rescore(DateTimeOffset at)
    {
        // Stage and churn are always those of every fact known, as of the latest instant seen (an event's time or a nightly run's as-of):
        // a late event older than a nightly run is scored as of that run, so a nightly write-back is never undone by older news.
        var s = State;
        var asOf = s.ScoredAt is { } scored && scored > at ? scored : at;
        (s.Stage, s.ChurnScore) = Score(_rules, InputAsOf(asOf));
        s.ScoredAt = asOf;
    }

    /// <summary>Returns what the nightly scoring needs of this member as of an instant (R/F/M and the lifecycle inputs).</summary>
    /// <param name="asOf">The instant.</param>
    /// <returns>The input, stamped with the number of events applied so far.</returns>
    public NightlyInput InputAsOf(DateTimeOffset asOf)
    {
        var s = State;
        var days = s.Purchases.Select(p => DateOnly.FromDateTime(p.UtcDateTime)).Distinct().Order().ToArray();
        if (days.Length == 0)
        {
            return new NightlyInput(CustomerId, s.ProcessedEventIds.Count, 0, 0, 0, null, null, 0m);
        }

        var first = s.Purchases.Min();
        var last = s.Purchases.Max();
        double? meanInterval = days.Length > 1 ? (days[^1].DayNumber - days[0].DayNumber) / (double)(days.Length - 1) : null;
        double? lastInterval = days.Length > 1 ? days[^1].DayNumber - days[^2].DayNumber : null;
        return new NightlyInput(
            CustomerId, s.ProcessedEventIds.Count, days.Length, Math.Max(0, (asOf - last).TotalDays), Math.Max(0, (asOf - first).TotalDays),
            meanInterval, lastInterval, Math.Max(0m, s.Monetary));
    }

    /// <summary>Scores a member's lifecycle stage (the library's <see cref="LifecycleClassifier"/>) and churn probability (the churn model on
    /// days since the last purchase and purchase days; a prospect is scored as 365 days and no purchases).</summary>
    /// <param name="rules">The programme's rules.</param>
    /// <param name="input">The member's input.</param>
    /// <returns>The stage and the churn probability.</returns>
    public static (LifecycleStage Stage, double ChurnScore) Score(MemberRules rules, NightlyInput input)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(input);
        if (input.PurchaseDays == 0)
        {
            return (LifecycleStage.Prospect, rules.Churn.Score([365.0, 0.0]));
        }

        var lifecycle = new LifecycleInput(input.PurchaseDays, input.DaysSinceLast, input.DaysSinceFirst, input.MeanIntervalDays, input.LastIntervalDays);
        return (rules.Lifecycle.Classify(lifecycle).Stage, rules.Churn.Score([input.DaysSinceLast, input.PurchaseDays]));
    }

    /// <summary>
    /// Applies a nightly write-back. Runs are ordered by (as-of, run sequence): an older stamp than the one stored is stale and changes
    /// nothing; the same stamp is a repeat (a retried partition) and changes nothing; a newer one stores the run's RFM cell and, unless an
    /// event newer than the run's as-of scored the member already, its stage and churn score. When events arrived after the batch read the
    /// member (<see cref="NightlyWrite.EventCount"/> differs), stage and churn are recomputed here as of the run's as-of with the same
    /// scoring, so the stored values always match the member's facts.
    /// </summary>
    /// <param name="write">The write.</param>
    /// <returns>What happened.</returns>
    public NightlyOutcome ApplyNightly(NightlyWrite write)
    {
        ArgumentNullException.ThrowIfNull(write);
        var s = State;
        if (s.NightlyAsOf is { } storedAsOf)
        {
            var order = (storedAsOf.UtcTicks, s.NightlyRun).CompareTo((write.AsOf.UtcTicks, write.Run));
            if (order > 0)
            {
                return NightlyOutcome.Stale;
            }

            if (order == 0)
            {
                return NightlyOutcome.Repeat;
            }
        }

        s.NightlyAsOf = write.AsOf;
        s.NightlyRun = write.Run;
        s.RfmCell = write.RfmCell;
        if (s.ScoredAt is not { } scored || scored <= write.AsOf)
        {
            (s.Stage, s.ChurnScore) = write.EventCount == s.ProcessedEventIds.Count
                ? (write.Stage, write.ChurnScore)
                : Score(_rules, InputAsOf(write.AsOf));
            s.ScoredAt = write.AsOf;
        }

        return NightlyOutcome.Applied;
    }

    private CustomerContext BuildContext(DateTimeOffset asOf)
    {
        var s = State;
        var consents = s.Consents.Select(c => new ConsentRecord(new ContactChannel(c.Channel), c.Purpose, c.Status, c.At));
        // Quiet hours are kept in the member's time zone (the engine's rule: deferred to the next allowed local instant, never dropped).
        var profile = new CustomerProfile(CustomerId, preferredChannel: ContactChannel.Sms, timeZoneId: s.TimeZoneId, consents: consents);
        _context.Reset(profile, null, asOf)
            .SetLifecycleStage(s.Stage)
            .SetChurnProbability(s.ChurnScore)
            .SetLastReturn(s.LastReturnAt is { } r ? new ReturnFact(s.LastReturnReason ?? ReturnReason.Unspecified, r) : null)
            .SetLastSurvey(s.LastSurveyAt is { } v ? new SurveyFact(s.LastNps, s.LastCsat, v) : null)
            .SetCartAbandonedAt(s.CartAbandonedAt);
        return _context;
    }

    /// <summary>Returns a canonical text of the state (for comparing a grain's state with a replay).</summary>
    /// <param name="state">The state.</param>
    /// <returns>The text.</returns>
    public static string Describe(MemberState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var inv = CultureInfo.InvariantCulture;
        return string.Join(
            '\n',
            "events=" + string.Join(',', state.ProcessedEventIds),
            "postings=" + string.Join(',', state.Postings.Select(p => string.Create(inv, $"{p.Key}:{p.Kind}:{p.Points}:{p.At:O}"))),
            "orders=" + string.Join(',', state.Orders.Select(o => string.Create(inv, $"{o.OrderId}:{o.Points}:{o.Eligible}:{o.Returned}"))),
            string.Create(inv, $"monetary={state.Monetary} stage={state.Stage} churn={state.ChurnScore:R} scoredAt={state.ScoredAt:O} purchases={state.Purchases.Count}"),
            string.Create(inv, $"nightly={state.NightlyAsOf:O} rfm={state.RfmCell} tz={state.TimeZoneId}"),
            string.Create(inv, $"return={state.LastReturnReason}@{state.LastReturnAt:O} survey={state.LastNps}/{state.LastCsat}@{state.LastSurveyAt:O} cart={state.CartAbandonedAt:O}"),
            "consents=" + string.Join(',', state.Consents.Select(c => string.Create(inv, $"{c.Channel}:{c.Purpose}:{c.Status}:{c.At:O}"))),
            "contacts=" + string.Join(',', state.Contacts.Select(c => string.Create(inv, $"{c.Channel}:{c.Purpose}:{c.CampaignId}:{c.At:O}"))),
            "sends=" + string.Join(',', state.Sends.Select(x => string.Create(inv, $"{x.Key}:{x.RuleId}:{x.Channel}:{x.SendAt:O}"))));
    }

    /// <summary>The contact history the engine's frequency caps count: the member's own contacts in its state.</summary>
    private sealed class StateContactHistory : IContactHistory
    {
        public MemberState State { get; set; } = new();

        public int CountContacts(string customerId, ContactChannel? channel, ConsentPurpose purpose, DateTimeOffset since, DateTimeOffset until)
        {
            var n = 0;
            foreach (var c in State.Contacts)
            {
                if (c.Purpose == purpose && c.At >= since && c.At < until && (channel is not { } ch || ch.Equals(new ContactChannel(c.Channel))))
                {
                    n++;
                }
            }

            return n;
        }

        public void Record(ContactRecord contact) => throw new NotSupportedException("Contacts are recorded in the member state by the model.");
    }
}
