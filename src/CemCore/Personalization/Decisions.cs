using System.Globalization;
using System.Text;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Personalization;

/// <summary>Settings of an <see cref="OfferDecisionEngine"/>.</summary>
/// <remarks>Immutable. Collections are copied and compared by reference.</remarks>
public sealed record DecisionSettings
{
    /// <summary>The largest <see cref="MaxOffersPerDecision"/>.</summary>
    public const int MaxStackedOffers = 8;

    /// <summary>Creates settings.</summary>
    /// <param name="caps">Frequency caps (for example at most 2 marketing messages per 7 days overall); empty for none.</param>
    /// <param name="quietHours">Quiet hours in the customer's time zone, or <see langword="null"/> for none.</param>
    /// <param name="holdout">The global holdout group, or <see langword="null"/> for none.</param>
    /// <param name="defaultChannels">Channels for rules that list none, in order; <see langword="null"/> for <see cref="StandardChannels"/>.</param>
    /// <param name="defaultTimeZone">Time zone for customers without a (known) one; <see langword="null"/> for UTC.</param>
    /// <param name="maxOffersPerDecision">Most offers that may stack in one decision, in [1, <see cref="MaxStackedOffers"/>] (default 1).</param>
    /// <param name="reserveBudget">Whether a decision reserves the offer's cost in its campaign budget (default true; see <see cref="OfferDecisionEngine"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxOffersPerDecision"/> is out of range.</exception>
    public DecisionSettings(
        IEnumerable<FrequencyCap>? caps = null,
        QuietHours? quietHours = null,
        HoldoutGroup? holdout = null,
        IEnumerable<ContactChannel>? defaultChannels = null,
        TimeZoneInfo? defaultTimeZone = null,
        int maxOffersPerDecision = 1,
        bool reserveBudget = true)
    {
        Caps = Check.List(caps);
        QuietHours = quietHours;
        Holdout = holdout;
        DefaultChannels = defaultChannels is null ? StandardChannels : Check.List(defaultChannels);
        DefaultTimeZone = defaultTimeZone ?? TimeZoneInfo.Utc;
        MaxOffersPerDecision = maxOffersPerDecision is >= 1 and <= MaxStackedOffers
            ? maxOffersPerDecision
            : throw new ArgumentOutOfRangeException(nameof(maxOffersPerDecision), maxOffersPerDecision, $"Must be in [1, {MaxStackedOffers}].");
        ReserveBudget = reserveBudget;
    }

    /// <summary>Gets the standard channel order: WeChat, app push, SMS, e-mail.</summary>
    public static IReadOnlyList<ContactChannel> StandardChannels { get; } = [ContactChannel.WeChat, ContactChannel.AppPush, ContactChannel.Sms, ContactChannel.Email];

    /// <summary>Gets the default settings: no caps, no quiet hours, no holdout, standard channels, UTC, one offer per decision.</summary>
    public static DecisionSettings Default { get; } = new(); // declared after StandardChannels: static initializers run in text order


    /// <summary>Gets the frequency caps.</summary>
    public IReadOnlyList<FrequencyCap> Caps { get; }

    /// <summary>Gets the quiet hours, or <see langword="null"/>.</summary>
    public QuietHours? QuietHours { get; }

    /// <summary>Gets the holdout group, or <see langword="null"/>.</summary>
    public HoldoutGroup? Holdout { get; }

    /// <summary>Gets the default channel order.</summary>
    public IReadOnlyList<ContactChannel> DefaultChannels { get; }

    /// <summary>Gets the fallback time zone.</summary>
    public TimeZoneInfo DefaultTimeZone { get; }

    /// <summary>Gets the most offers per decision.</summary>
    public int MaxOffersPerDecision { get; }

    /// <summary>Gets whether decisions reserve budget.</summary>
    public bool ReserveBudget { get; }
}

/// <summary>The overall result of a decision.</summary>
public enum DecisionStatus
{
    /// <summary>No rule selected an offer (see <see cref="OfferDecision.Reason"/> for the best rule's rejection).</summary>
    NoOffer = 0,

    /// <summary>An offer was selected; send it on <see cref="OfferDecision.Channel"/> at <see cref="OfferDecision.SendAt"/>.</summary>
    Offer = 1,

    /// <summary>The customer is in the holdout group: <see cref="OfferDecision.Rule"/> is what they would have received; do not contact.</summary>
    Holdout = 2,
}

/// <summary>What happened to one rule in a decision.</summary>
public enum RuleOutcome
{
    /// <summary>Not evaluated (a decision that stopped early because every offer slot was filled, without a trace).</summary>
    NotEvaluated = 0,

    /// <summary>Selected.</summary>
    Selected = 1,

    /// <summary>The eligibility condition did not hold.</summary>
    Ineligible = 2,

    /// <summary>The rule's or offer's validity window does not contain the as-of instant.</summary>
    OutsideValidityWindow = 3,

    /// <summary>Eligible, but a rule with higher priority (or a lower id at equal priority) took the slot, its stacking group, or was exclusive.</summary>
    LostOnPriority = 4,

    /// <summary>No channel of the rule has Granted consent for the rule's purpose (or the profile is unknown).</summary>
    NoConsent = 5,

    /// <summary>Every consented channel is over a frequency cap.</summary>
    Capped = 6,

    /// <summary>The campaign budget is exhausted.</summary>
    BudgetExhausted = 7,

    /// <summary>The customer is in the holdout group (the rule would have been selected).</summary>
    Holdout = 8,
}

/// <summary>
/// The result of one decision. The default value is "no offer, nothing evaluated".
/// </summary>
/// <param name="Status">Offer, no offer, or holdout.</param>
/// <param name="Rule">The winning rule (for holdout: the rule that would have won), or <see langword="null"/>.</param>
/// <param name="Channel">The channel chosen (unspecified when there is no offer).</param>
/// <param name="SendAt">When to send: the as-of instant, or later when deferred by quiet hours.</param>
/// <param name="Reason">With no offer: the outcome of the best-ranked eligible rule (for example <see cref="RuleOutcome.NoConsent"/>), or
/// <see cref="RuleOutcome.Ineligible"/> when none was eligible. With an offer: <see cref="RuleOutcome.Selected"/>.</param>
/// <param name="StackedCount">How many offers were selected in all (the first is <see cref="Rule"/>).</param>
public readonly record struct OfferDecision(DecisionStatus Status, PersonalizationRule? Rule, ContactChannel Channel, DateTimeOffset SendAt, RuleOutcome Reason, int StackedCount)
{
    /// <summary>Gets whether the send was deferred by quiet hours.</summary>
    /// <param name="asOf">The decision instant.</param>
    /// <returns><see langword="true"/> when <see cref="SendAt"/> is after <paramref name="asOf"/>.</returns>
    public bool IsDeferred(DateTimeOffset asOf) => Status == DecisionStatus.Offer && SendAt > asOf;
}

/// <summary>One rule's line in a <see cref="DecisionTrace"/>.</summary>
/// <param name="RuleId">The rule id.</param>
/// <param name="Priority">Its priority.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Conditions">The eligibility explanation (conditions that held or not, with the values seen), or <see langword="null"/> when the
/// condition was not evaluated (outside the window).</param>
/// <param name="Detail">Details such as the channels tried, the cap hit or the rule that won; no personal data.</param>
public sealed record RuleTraceEntry(string RuleId, int Priority, RuleOutcome Outcome, ConditionTrace? Conditions, string Detail);

/// <summary>
/// The explanation of one decision: every rule considered, in evaluation order, with its outcome, the conditions that held and the values
/// seen, and why others were rejected.
/// </summary>
/// <remarks>
/// Reusable: pass the same instance to many decisions; each decision clears it first. Not thread-safe. Tracing allocates (it explains every
/// condition); the decision path without a trace does not. Values seen are customer data: treat traces accordingly.
/// </remarks>
public sealed class DecisionTrace
{
    private readonly List<RuleTraceEntry> _entries = [];

    /// <summary>Gets the entries, one per rule, in evaluation order.</summary>
    public IReadOnlyList<RuleTraceEntry> Entries => _entries;

    /// <summary>Gets whether the customer was in the holdout group.</summary>
    public bool InHoldout { get; internal set; }

    /// <summary>Returns the entry of a rule.</summary>
    /// <param name="ruleId">The rule id.</param>
    /// <returns>The entry.</returns>
    /// <exception cref="KeyNotFoundException">The rule is not in the trace.</exception>
    public RuleTraceEntry this[string ruleId] =>
        _entries.Find(e => string.Equals(e.RuleId, ruleId, StringComparison.Ordinal)) ?? throw new KeyNotFoundException($"Rule '{ruleId}' is not in the trace.");

    /// <summary>Returns a multi-line text: one line per rule, then its condition tree.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        if (InHoldout)
        {
            sb.Append("holdout group: no contact\n");
        }

        foreach (var e in _entries)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{e.RuleId} [p{e.Priority}] {e.Outcome}");
            if (e.Detail.Length > 0)
            {
                sb.Append(": ").Append(e.Detail);
            }

            sb.Append('\n');
            if (e.Conditions is not null)
            {
                foreach (var line in e.Conditions.ToString().Split('\n'))
                {
                    sb.Append("    ").Append(line).Append('\n');
                }
            }
        }

        return sb.ToString().TrimEnd('\n');
    }

    internal void Clear()
    {
        _entries.Clear();
        InHoldout = false;
    }

    internal void Add(RuleTraceEntry entry) => _entries.Add(entry);
}
