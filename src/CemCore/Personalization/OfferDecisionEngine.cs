using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using CemCore.Customers;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Personalization;

/// <summary>
/// Chooses offers for customers: evaluates a <see cref="PersonalizationRuleSet"/> for one customer (allocation-free without a trace) or a
/// batch, applying validity windows, eligibility, stacking, consent, frequency caps, campaign budgets, quiet hours and the holdout group.
/// </summary>
/// <remarks>
/// <para>Algorithm, for each rule in order (priority descending, then id ordinal): (1) outside the rule's or offer's window →
/// <see cref="RuleOutcome.OutsideValidityWindow"/>; (2) condition false → <see cref="RuleOutcome.Ineligible"/>; (3) every offer slot taken,
/// its stacking group taken, or an exclusive rule meeting an earlier winner → <see cref="RuleOutcome.LostOnPriority"/>; (4) channel: the
/// customer's preferred channel first when the rule lists it, then the rule's order; a channel needs Granted consent for the rule's purpose
/// in force at as-of (<see cref="CustomerProfile.MayContact"/>) and must be under every matching frequency cap → otherwise
/// <see cref="RuleOutcome.NoConsent"/> or <see cref="RuleOutcome.Capped"/>; (5) the campaign budget must accept the offer's
/// <see cref="Offer.BudgetCost"/> → otherwise <see cref="RuleOutcome.BudgetExhausted"/>; (6) selected. A customer in the holdout group goes
/// through (1)-(4), reserves no budget, and gets <see cref="DecisionStatus.Holdout"/> naming the rule that would have won.</para>
/// <para>Quiet hours defer the send to the next allowed instant in the customer's time zone (<see cref="CustomerProfile.TimeZoneId"/>, else
/// <see cref="DecisionSettings.DefaultTimeZone"/>); they never drop it.</para>
/// <para>Budgets are reserved when a decision selects an offer (<see cref="DecisionSettings.ReserveBudget"/>); give a reservation back with
/// <see cref="Release"/> when the message is not sent. Budget counters live in the engine: use one engine per campaign run.</para>
/// <para>Thread-safe: decisions may run in parallel with one <see cref="CustomerContext"/> per thread.</para>
/// </remarks>
public sealed class OfferDecisionEngine
{
    [ThreadStatic]
    private static PersonalizationRule?[]? t_scratch;

    private readonly PersonalizationRule[] _rules;

    // Hot-path copies, per rule in evaluation order: the compiled root (no argument check per call) and the combined rule ∩ offer window
    // [from, until) in UTC ticks, so validity is two integer compares instead of four nullable DateTimeOffset compares.
    private readonly Node[] _roots;
    private readonly long[] _validFromTicks;
    private readonly long[] _validUntilTicks;
    private readonly CampaignBudget?[] _budgetByRule;
    private readonly Dictionary<string, CampaignBudget> _budgets;
    private readonly FrequencyCap[] _caps;
    private readonly IContactHistory? _history;
    private readonly TimeZoneCache _zones = new();

    /// <summary>Creates an engine.</summary>
    /// <param name="rules">The rule set.</param>
    /// <param name="settings">Settings; <see langword="null"/> for <see cref="DecisionSettings.Default"/>.</param>
    /// <param name="history">Contact history for frequency caps; required when caps are set.</param>
    /// <exception cref="ArgumentException">Caps are set without a history.</exception>
    public OfferDecisionEngine(PersonalizationRuleSet rules, DecisionSettings? settings = null, IContactHistory? history = null)
    {
        ArgumentNullException.ThrowIfNull(rules);
        RuleSet = rules;
        Settings = settings ?? DecisionSettings.Default;
        _caps = [.. Settings.Caps];
        if (_caps.Length > 0 && history is null)
        {
            throw new ArgumentException("Frequency caps need a contact history.", nameof(history));
        }

        _history = history;
        _rules = [.. rules.Rules];
        _budgets = rules.Budgets.ToDictionary(kv => kv.Key, kv => new CampaignBudget(kv.Key, kv.Value), StringComparer.Ordinal);
        _budgetByRule = [.. _rules.Select(r => r.CampaignId is { } c ? _budgets[c] : null)];
        _roots = [.. _rules.Select(r => r.Eligibility.EvaluationRoot)];
        _validFromTicks = [.. _rules.Select(r => Math.Max(Ticks(r.ValidFrom, long.MinValue), Ticks(r.Offer.ValidFrom, long.MinValue)))];
        _validUntilTicks = [.. _rules.Select(r => Math.Min(Ticks(r.ValidUntil, long.MaxValue), Ticks(r.Offer.ValidUntil, long.MaxValue)))];
    }

    /// <summary>Gets the rule set.</summary>
    public PersonalizationRuleSet RuleSet { get; }

    /// <summary>Gets the settings.</summary>
    public DecisionSettings Settings { get; }

    /// <summary>Gets a campaign's budget counters.</summary>
    /// <param name="campaignId">The campaign id.</param>
    /// <param name="budget">The budget when the campaign has one.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGetBudget(string campaignId, [NotNullWhen(true)] out CampaignBudget? budget) => _budgets.TryGetValue(campaignId, out budget);

    /// <summary>Gives back the budget reserved for a rule's offer (the message was not sent).</summary>
    /// <param name="rule">The selected rule.</param>
    public void Release(PersonalizationRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (Settings.ReserveBudget && rule.CampaignId is { } c && _budgets.TryGetValue(c, out var b))
        {
            b.Release(rule.Offer.BudgetCost);
        }
    }

    /// <summary>Decides the offer for one customer. Allocation-free when <paramref name="trace"/> is <see langword="null"/>.</summary>
    /// <param name="context">The customer (profile, features, model outputs, events) and the as-of instant.</param>
    /// <param name="trace">Receives the explanation, or <see langword="null"/>.</param>
    /// <returns>The decision.</returns>
    public OfferDecision Decide(CustomerContext context, DecisionTrace? trace = null)
    {
        HintReferenced(context);
        return DecideWithScratch(context, trace);
    }

    /// <summary>
    /// <see cref="Decide"/> without its own cache hints, for loops that ask for each customer's objects a few customers ahead
    /// (<see cref="DecideBatch"/>, the pipeline's decision step): there the hints would only repeat requests already made.
    /// </summary>
    /// <param name="context">The customer.</param>
    /// <returns>The decision, the same as <see cref="Decide"/>'s.</returns>
    internal OfferDecision DecideAhead(CustomerContext context) => DecideWithScratch(context, null);

    private OfferDecision DecideWithScratch(CustomerContext context, DecisionTrace? trace)
    {
        var scratch = t_scratch ??= new PersonalizationRule?[DecisionSettings.MaxStackedOffers];
        var d = DecideCore(context, scratch, trace);
        Array.Clear(scratch);
        return d;
    }

    /// <summary>Decides up to <see cref="DecisionSettings.MaxOffersPerDecision"/> stacked offers for one customer.</summary>
    /// <param name="context">The customer and the as-of instant.</param>
    /// <param name="selected">Receives the selected rules in order (the first is the message's offer); its length also caps the count.</param>
    /// <param name="trace">Receives the explanation, or <see langword="null"/>.</param>
    /// <returns>The decision; <see cref="OfferDecision.StackedCount"/> entries of <paramref name="selected"/> were written.</returns>
    /// <exception cref="ArgumentException"><paramref name="selected"/> is empty.</exception>
    public OfferDecision DecideStacked(CustomerContext context, Span<PersonalizationRule?> selected, DecisionTrace? trace)
    {
        HintReferenced(context);
        return DecideCore(context, selected, trace);
    }

    private OfferDecision DecideCore(CustomerContext context, Span<PersonalizationRule?> selected, DecisionTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (selected.IsEmpty)
        {
            throw new ArgumentException("The destination must hold at least one rule.", nameof(selected));
        }

        var profile = context.Profile;
        var id = profile?.Id ?? context.Features?.CustomerId;
        var asOf = context.AsOf;
        var asOfTicks = asOf.UtcTicks;
        // Holdout membership is hashed lazily (only once a rule passes eligibility and consent), except when tracing.
        var holdoutKnown = Settings.Holdout is null || id is null;
        var holdout = false;
        if (trace is not null)
        {
            holdout = !holdoutKnown && Settings.Holdout!.Contains(id!);
            holdoutKnown = true;
            trace.Clear();
            trace.InHoldout = holdout;
        }

        var max = Math.Min(selected.Length, Settings.MaxOffersPerDecision);
        var count = 0;
        var full = false;
        var anyInWindow = false;
        var reason = RuleOutcome.NotEvaluated;
        var channel = default(ContactChannel);
        for (var i = 0; i < _rules.Length; i++)
        {
            if (full && trace is null)
            {
                break;
            }

            var rule = _rules[i];
            if (asOfTicks < _validFromTicks[i] || asOfTicks >= _validUntilTicks[i])
            {
                trace?.Add(new RuleTraceEntry(rule.Id, rule.Priority, RuleOutcome.OutsideValidityWindow, null, WindowDetail(rule)));
                continue;
            }

            anyInWindow = true;
            ConditionTrace? explained = null;
            bool eligible;
            if (trace is null)
            {
                eligible = _roots[i].Evaluate(context);
            }
            else
            {
                explained = rule.Eligibility.Explain(context);
                eligible = explained.Held;
            }

            if (!eligible)
            {
                trace?.Add(new RuleTraceEntry(rule.Id, rule.Priority, RuleOutcome.Ineligible, explained, string.Empty));
                continue;
            }

            if (full || (rule.Exclusive && count > 0) || GroupTaken(rule, selected[..count]))
            {
                trace?.Add(new RuleTraceEntry(rule.Id, rule.Priority, RuleOutcome.LostOnPriority, explained, LostDetail(rule, selected[..count], full)));
                continue;
            }

            // Stacked offers travel in the first offer's message: a later rule must be allowed on that channel for its own purpose.
            var chosen = count == 0 ? ChooseChannel(rule, profile, id, asOf, out var channelOutcome) : SameChannel(rule, profile!, id!, channel, asOf, out channelOutcome);
            if (channelOutcome != RuleOutcome.Selected)
            {
                trace?.Add(new RuleTraceEntry(rule.Id, rule.Priority, channelOutcome, explained, ChannelDetail(rule, channelOutcome)));
                if (reason == RuleOutcome.NotEvaluated)
                {
                    reason = channelOutcome;
                }

                continue;
            }

            if (!holdoutKnown)
            {
                holdout = Settings.Holdout!.Contains(id!);
                holdoutKnown = true;
            }

            if (!holdout && Settings.ReserveBudget && _budgetByRule[i] is { } budget && !budget.TryReserve(rule.Offer.BudgetCost))
            {
                trace?.Add(new RuleTraceEntry(rule.Id, rule.Priority, RuleOutcome.BudgetExhausted, explained, "campaign '" + rule.CampaignId + "'"));
                if (reason == RuleOutcome.NotEvaluated)
                {
                    reason = RuleOutcome.BudgetExhausted;
                }

                continue;
            }

            if (count == 0)
            {
                channel = chosen;
            }

            selected[count++] = rule;
            trace?.Add(new RuleTraceEntry(rule.Id, rule.Priority, holdout ? RuleOutcome.Holdout : RuleOutcome.Selected, explained, "channel " + chosen.Value + ", offer " + rule.Offer.Id));
            full = rule.Exclusive || count >= max;
        }

        if (count == 0)
        {
            return new OfferDecision(DecisionStatus.NoOffer, null, default, asOf, reason != RuleOutcome.NotEvaluated ? reason : anyInWindow ? RuleOutcome.Ineligible : RuleOutcome.OutsideValidityWindow, 0);
        }

        if (holdout)
        {
            return new OfferDecision(DecisionStatus.Holdout, selected[0], channel, asOf, RuleOutcome.Holdout, count);
        }

        var sendAt = asOf;
        if (Settings.QuietHours is { } quiet)
        {
            var zone = _zones.Get(profile?.TimeZoneId) ?? Settings.DefaultTimeZone;
            sendAt = quiet.NextAllowed(asOf, zone);
        }

        return new OfferDecision(DecisionStatus.Offer, selected[0], channel, sendAt, RuleOutcome.Selected, count);
    }

    /// <summary>Decides for a batch of customers, in order, into <paramref name="destination"/>.</summary>
    /// <remarks>The same decisions as <see cref="Decide"/> one by one. For a large list of contexts built beforehand it is the faster
    /// way: on x86 it asks the processor for the next customers' context, profile and features ahead of their decisions (prefetch
    /// hints), which over a million prepared contexts halved the time per decision (docs/personalization.md).</remarks>
    /// <param name="contexts">The customers.</param>
    /// <param name="destination">Receives one decision per customer; at least as long as <paramref name="contexts"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    public void DecideBatch(IReadOnlyList<CustomerContext> contexts, Span<OfferDecision> destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        if (destination.Length < contexts.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The destination holds {destination.Length} decisions but {contexts.Count} customers were given."), nameof(destination));
        }

        for (var i = 0; i < contexts.Count; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            CustomerContext.PrefetchAhead(contexts, i);
            destination[i] = DecideAhead(contexts[i]);
        }
    }

    /// <summary>
    /// Asks for the objects a single decision reads after the profile: the features (the rules), the id's characters (the holdout
    /// hash) and the demographics (birthday and other profile conditions). Each is a separate object; asked for at the start, their
    /// cache misses overlap the profile's own instead of following it one by one (issue 17: 4–9 % less time per single decision over
    /// 1M customers in an in-process A/B; docs/personalization.md). A hint only: no result changes, nothing happens off x86.
    /// </summary>
    private void HintReferenced(CustomerContext? context)
    {
        if (!CachePrefetch.IsSupported || context is null)
        {
            return;
        }

        var profile = context.Profile;
        var features = context.Features;
        features?.PrefetchObject();
        if (Settings.Holdout is not null && (profile?.Id ?? features?.CustomerId) is { } id)
        {
            CachePrefetch.String(id);
        }

        profile?.Demographics?.PrefetchObject();
    }

    private static long Ticks(DateTimeOffset? instant, long none) => instant is { } t ? t.UtcTicks : none;

    private ContactChannel SameChannel(PersonalizationRule rule, CustomerProfile profile, string id, ContactChannel channel, DateTimeOffset asOf, out RuleOutcome outcome)
    {
        var channels = rule.Channels.Count > 0 ? rule.Channels : Settings.DefaultChannels;
        var listed = false;
        for (var i = 0; i < channels.Count && !listed; i++)
        {
            listed = channels[i] == channel;
        }

        outcome = !listed || !profile.MayContact(channel, rule.Purpose, asOf) ? RuleOutcome.NoConsent
            : IsCapped(id, channel, rule.Purpose, asOf) ? RuleOutcome.Capped
            : RuleOutcome.Selected;
        return channel;
    }

    private ContactChannel ChooseChannel(PersonalizationRule rule, CustomerProfile? profile, string? id, DateTimeOffset asOf, out RuleOutcome outcome)
    {
        outcome = RuleOutcome.NoConsent;
        if (profile is null || id is null)
        {
            return default;
        }

        var channels = rule.Channels.Count > 0 ? rule.Channels : Settings.DefaultChannels;
        var preferred = profile.PreferredChannel;
        var preferredListed = false;
        if (preferred.Kind != ContactChannelKind.Unspecified)
        {
            for (var i = 0; i < channels.Count; i++)
            {
                if (channels[i] == preferred)
                {
                    preferredListed = true;
                    break;
                }
            }
        }

        for (var i = preferredListed ? -1 : 0; i < channels.Count; i++)
        {
            var ch = i < 0 ? preferred : channels[i];
            if (i >= 0 && preferredListed && ch == preferred)
            {
                continue;
            }

            if (!profile.MayContact(ch, rule.Purpose, asOf))
            {
                continue;
            }

            if (IsCapped(id, ch, rule.Purpose, asOf))
            {
                outcome = RuleOutcome.Capped;
                continue;
            }

            outcome = RuleOutcome.Selected;
            return ch;
        }

        return default;
    }

    private bool IsCapped(string id, ContactChannel channel, ConsentPurpose purpose, DateTimeOffset asOf)
    {
        for (var c = 0; c < _caps.Length; c++)
        {
            var cap = _caps[c];
            if (cap.Purpose != purpose || (cap.Channel is { } capChannel && capChannel != channel))
            {
                continue;
            }

            // The window is closed at as-of: a contact recorded at the same instant (another campaign of the same run) counts.
            if (_history!.CountContacts(id, cap.Channel, purpose, asOf - cap.Window, asOf.AddTicks(1)) >= cap.MaxContacts)
            {
                return true;
            }
        }

        return false;
    }

    private static bool GroupTaken(PersonalizationRule rule, ReadOnlySpan<PersonalizationRule?> winners)
    {
        if (rule.StackingGroup is null)
        {
            return false;
        }

        foreach (var w in winners)
        {
            if (w is not null && string.Equals(w.StackingGroup, rule.StackingGroup, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string WindowDetail(PersonalizationRule rule) =>
        string.Create(CultureInfo.InvariantCulture, $"rule window [{rule.ValidFrom:O}, {rule.ValidUntil:O}), offer window [{rule.Offer.ValidFrom:O}, {rule.Offer.ValidUntil:O})");

    private static string LostDetail(PersonalizationRule rule, ReadOnlySpan<PersonalizationRule?> winners, bool full)
    {
        var first = winners.Length > 0 ? winners[0]?.Id : null;
        if (rule.Exclusive && winners.Length > 0)
        {
            return $"exclusive offer cannot stack with '{first}'";
        }

        if (full)
        {
            return $"every offer slot taken (first: '{first}')";
        }

        return $"stacking group '{rule.StackingGroup}' taken";
    }

    private string ChannelDetail(PersonalizationRule rule, RuleOutcome outcome)
    {
        var channels = rule.Channels.Count > 0 ? rule.Channels : Settings.DefaultChannels;
        var names = string.Join(", ", channels.Select(c => c.Value));
        return outcome == RuleOutcome.Capped
            ? $"every consented channel is over a frequency cap ({names}; purpose {rule.Purpose})"
            : $"no Granted consent for purpose {rule.Purpose} on: {names}";
    }
}
