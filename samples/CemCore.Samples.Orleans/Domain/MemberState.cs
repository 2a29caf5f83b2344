using CemCore.Customers;
using CemCore.Lifecycle;
using CemCore.Loyalty;
using CemCore.Transactions;

namespace CemCore.Samples.Orleans.Domain;

/// <summary>
/// The persisted state of one member (the customer grain's state). Plain lists so the Orleans serializer and the ADO.NET storage can
/// store it; the loyalty account itself (<see cref="LoyaltyAccountState"/>) is rebuilt from <see cref="Postings"/> on activation, the way
/// the library's stores reload an account (replaying accepted postings gives the same balances).
/// </summary>
[GenerateSerializer]
public sealed class MemberState
{
    /// <summary>Gets or sets the ids of every event applied, in order (the idempotency record of events).</summary>
    [Id(0)]
    public List<string> ProcessedEventIds { get; set; } = [];

    /// <summary>Gets or sets the accepted loyalty postings, in append order.</summary>
    [Id(1)]
    public List<LedgerEntry> Postings { get; set; } = [];

    /// <summary>Gets or sets what each order earned (for pro rata reversals on returns).</summary>
    [Id(2)]
    public List<OrderEarn> Orders { get; set; } = [];

    /// <summary>Gets or sets the purchase timestamps.</summary>
    [Id(3)]
    public List<DateTimeOffset> Purchases { get; set; } = [];

    /// <summary>Gets or sets the net spend (purchases minus refunds).</summary>
    [Id(4)]
    public decimal Monetary { get; set; }

    /// <summary>Gets or sets the lifecycle stage after the last event.</summary>
    [Id(5)]
    public LifecycleStage Stage { get; set; }

    /// <summary>Gets or sets the churn probability after the last event.</summary>
    [Id(6)]
    public double ChurnScore { get; set; }

    /// <summary>Gets or sets the latest return reason.</summary>
    [Id(7)]
    public ReturnReason? LastReturnReason { get; set; }

    /// <summary>Gets or sets the latest return's time.</summary>
    [Id(8)]
    public DateTimeOffset? LastReturnAt { get; set; }

    /// <summary>Gets or sets the latest NPS answer.</summary>
    [Id(9)]
    public int? LastNps { get; set; }

    /// <summary>Gets or sets the latest CSAT answer.</summary>
    [Id(10)]
    public int? LastCsat { get; set; }

    /// <summary>Gets or sets the latest survey's time.</summary>
    [Id(11)]
    public DateTimeOffset? LastSurveyAt { get; set; }

    /// <summary>Gets or sets when a cart was last abandoned.</summary>
    [Id(12)]
    public DateTimeOffset? CartAbandonedAt { get; set; }

    /// <summary>Gets or sets the consent records, in order.</summary>
    [Id(13)]
    public List<ConsentEntry> Consents { get; set; } = [];

    /// <summary>Gets or sets the contacts made (the contact budget the frequency caps count).</summary>
    [Id(14)]
    public List<ContactEntry> Contacts { get; set; } = [];

    /// <summary>Gets or sets the claimed and delivered sends, by send key.</summary>
    [Id(15)]
    public List<SendEntry> Sends { get; set; } = [];

    /// <summary>Gets or sets the instant <see cref="Stage"/> and <see cref="ChurnScore"/> are scored as of (the latest event or nightly as-of).</summary>
    [Id(16)]
    public DateTimeOffset? ScoredAt { get; set; }

    /// <summary>Gets or sets the as-of instant of the last nightly run written back (with <see cref="NightlyRun"/>, the run's stamp).</summary>
    [Id(17)]
    public DateTimeOffset? NightlyAsOf { get; set; }

    /// <summary>Gets or sets the sequence number of the last nightly run written back.</summary>
    [Id(18)]
    public long NightlyRun { get; set; }

    /// <summary>Gets or sets the RFM cell of the last nightly run (R, F and M scores from the merged cut-points, <c>000</c> for a prospect).</summary>
    [Id(19)]
    public string? RfmCell { get; set; }

    /// <summary>Gets or sets the member's time zone (IANA id; quiet hours are kept in it), or null for the programme's default (UTC).</summary>
    [Id(20)]
    public string? TimeZoneId { get; set; }
}

/// <summary>What the nightly scoring needs of one member as of an instant.</summary>
/// <param name="CustomerId">The member.</param>
/// <param name="EventCount">Events applied when it was read (the facts' version).</param>
/// <param name="PurchaseDays">Distinct purchase days (the frequency).</param>
/// <param name="DaysSinceLast">Days since the last purchase (the recency; 0 for a prospect).</param>
/// <param name="DaysSinceFirst">Days since the first purchase.</param>
/// <param name="MeanIntervalDays">Mean days between purchase days, or null with fewer than two.</param>
/// <param name="LastIntervalDays">Days between the last two purchase days, or null with fewer than two.</param>
/// <param name="Monetary">Net spend, at least 0.</param>
[GenerateSerializer]
[Immutable]
public sealed record NightlyInput(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] int EventCount,
    [property: Id(2)] int PurchaseDays,
    [property: Id(3)] double DaysSinceLast,
    [property: Id(4)] double DaysSinceFirst,
    [property: Id(5)] double? MeanIntervalDays,
    [property: Id(6)] double? LastIntervalDays,
    [property: Id(7)] decimal Monetary);

/// <summary>One member's nightly write-back.</summary>
/// <param name="Run">The run's sequence number (per coordinator, increasing).</param>
/// <param name="AsOf">The run's as-of instant.</param>
/// <param name="EventCount">The <see cref="NightlyInput.EventCount"/> the scores were computed from.</param>
/// <param name="Stage">The lifecycle stage as of <paramref name="AsOf"/>.</param>
/// <param name="ChurnScore">The churn probability as of <paramref name="AsOf"/>.</param>
/// <param name="RfmCell">The RFM cell from the merged cut-points.</param>
[GenerateSerializer]
[Immutable]
public sealed record NightlyWrite(
    [property: Id(0)] long Run,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] int EventCount,
    [property: Id(3)] LifecycleStage Stage,
    [property: Id(4)] double ChurnScore,
    [property: Id(5)] string RfmCell);

/// <summary>What a nightly write-back did.</summary>
public enum NightlyOutcome
{
    /// <summary>The write was newer than the stored stamp: stored.</summary>
    Applied = 0,

    /// <summary>The same run was written before (a retried partition or a re-sent write): nothing changed.</summary>
    Repeat = 1,

    /// <summary>A newer run was written before: nothing changed.</summary>
    Stale = 2,
}

/// <summary>A serializable copy of one accepted <see cref="LoyaltyPosting"/>.</summary>
/// <param name="Key">Posting key.</param>
/// <param name="At">Timestamp.</param>
/// <param name="Kind">Kind.</param>
/// <param name="Points">Points.</param>
/// <param name="OrderId">Order id.</param>
/// <param name="Reference">Reference.</param>
[GenerateSerializer]
[Immutable]
public sealed record LedgerEntry([property: Id(0)] string Key, [property: Id(1)] DateTimeOffset At, [property: Id(2)] PostingKind Kind, [property: Id(3)] long Points, [property: Id(4)] string? OrderId, [property: Id(5)] string? Reference)
{
    /// <summary>Converts to the library's posting.</summary>
    /// <param name="accountId">The account.</param>
    /// <returns>The posting.</returns>
    public LoyaltyPosting ToPosting(string accountId) => new(Key, accountId, At, Kind, Points, OrderId, Reference);

    /// <summary>Copies a posting.</summary>
    /// <param name="p">The posting.</param>
    /// <returns>The entry.</returns>
    public static LedgerEntry From(LoyaltyPosting p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new(p.Key, p.Timestamp, p.Kind, p.Points, p.OrderId, p.Reference);
    }
}

/// <summary>What an order earned, for pro rata reversals.</summary>
/// <param name="OrderId">The order.</param>
/// <param name="Points">Points earned.</param>
/// <param name="Eligible">Eligible amount.</param>
/// <param name="Returned">Eligible amount returned so far.</param>
[GenerateSerializer]
[Immutable]
public sealed record OrderEarn([property: Id(0)] string OrderId, [property: Id(1)] long Points, [property: Id(2)] decimal Eligible, [property: Id(3)] decimal Returned);

/// <summary>One consent record.</summary>
/// <param name="Channel">Channel value.</param>
/// <param name="Purpose">Purpose.</param>
/// <param name="Status">Status.</param>
/// <param name="At">When.</param>
[GenerateSerializer]
[Immutable]
public sealed record ConsentEntry([property: Id(0)] string Channel, [property: Id(1)] ConsentPurpose Purpose, [property: Id(2)] ConsentStatus Status, [property: Id(3)] DateTimeOffset At);

/// <summary>One contact counted by the frequency caps.</summary>
/// <param name="Channel">Channel value.</param>
/// <param name="Purpose">Purpose.</param>
/// <param name="At">When.</param>
/// <param name="CampaignId">Campaign or rule id.</param>
[GenerateSerializer]
[Immutable]
public sealed record ContactEntry([property: Id(0)] string Channel, [property: Id(1)] ConsentPurpose Purpose, [property: Id(2)] DateTimeOffset At, [property: Id(3)] string CampaignId);

/// <summary>The state of one send.</summary>
public enum SendStatus
{
    /// <summary>Claimed (written to state) and not yet confirmed by the provider.</summary>
    Claimed = 0,

    /// <summary>The provider accepted it.</summary>
    Delivered = 1,
}

/// <summary>One logical send: claimed in grain state before the provider is called.</summary>
/// <param name="Key">Send key (<see cref="CemCore.Dispatch.IdempotencyKey.Create"/> of campaign, event and customer).</param>
/// <param name="EventId">The event that triggered it.</param>
/// <param name="RuleId">The rule.</param>
/// <param name="OfferId">The offer.</param>
/// <param name="Channel">Channel value.</param>
/// <param name="SendAt">When to send (quiet hours may defer it).</param>
/// <param name="Status">Claimed or delivered.</param>
[GenerateSerializer]
[Immutable]
public sealed record SendEntry(
    [property: Id(0)] string Key,
    [property: Id(1)] string EventId,
    [property: Id(2)] string RuleId,
    [property: Id(3)] string OfferId,
    [property: Id(4)] string Channel,
    [property: Id(5)] DateTimeOffset SendAt,
    [property: Id(6)] SendStatus Status);
