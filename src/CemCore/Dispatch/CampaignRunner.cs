using System.Collections.ObjectModel;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using CemCore.Channels;
using CemCore.Customers;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Dispatch;

/// <summary>Bounded retry with exponential backoff and jitter for transient send failures.</summary>
/// <remarks>
/// The delay before attempt <c>n + 1</c> (after <c>n</c> failed attempts) is <c>min(MaxDelay, BaseDelay × 2^(n−1)) × (1 − J + 2·J·u)</c>
/// with <c>J = JitterFraction</c> and <c>u</c> uniform in [0, 1) — or the provider's <see cref="SendResult.RetryAfter"/> when longer.
/// </remarks>
/// <param name="MaxAttempts">Attempts in all, in [1, 20] (default 4).</param>
/// <param name="BaseDelay">The first delay, positive (default 2 s).</param>
/// <param name="MaxDelay">The longest delay, at least <paramref name="BaseDelay"/> (default 2 min).</param>
/// <param name="JitterFraction">Relative jitter, in [0, 1] (default 0.2).</param>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay, double JitterFraction = 0.2)
{
    /// <summary>Gets the default policy: 4 attempts, 2 s doubling up to 2 min, ±20% jitter.</summary>
    public static RetryPolicy Default { get; } = new(4, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(2));

    /// <summary>Gets the attempts in all.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 20].</exception>
    public int MaxAttempts { get; } = MaxAttempts is >= 1 and <= 20 ? MaxAttempts : throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "Must be in [1, 20].");

    /// <summary>Gets the first delay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan BaseDelay { get; } = BaseDelay > TimeSpan.Zero ? BaseDelay : throw new ArgumentOutOfRangeException(nameof(BaseDelay), BaseDelay, "Must be positive.");

    /// <summary>Gets the longest delay.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Shorter than the base delay.</exception>
    public TimeSpan MaxDelay { get; } = MaxDelay >= BaseDelay ? MaxDelay : throw new ArgumentOutOfRangeException(nameof(MaxDelay), MaxDelay, "Must be at least BaseDelay.");

    /// <summary>Gets the relative jitter.</summary>
    /// <exception cref="ArgumentOutOfRangeException">NaN or outside [0, 1].</exception>
    public double JitterFraction { get; } = JitterFraction is >= 0 and <= 1 ? JitterFraction : throw new ArgumentOutOfRangeException(nameof(JitterFraction), JitterFraction, "Must be in [0, 1].");

    /// <summary>Returns the delay after <paramref name="failedAttempts"/> failed attempts.</summary>
    /// <param name="failedAttempts">Failed attempts so far, at least 1.</param>
    /// <param name="uniform">A uniform draw in [0, 1).</param>
    /// <returns>The delay.</returns>
    public TimeSpan DelayAfter(int failedAttempts, double uniform)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var exp = Math.Min(MaxDelay.TotalSeconds, BaseDelay.TotalSeconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30)));
        return TimeSpan.FromSeconds(exp * (1 - JitterFraction + (2 * JitterFraction * Math.Clamp(uniform, 0, 1))));
    }
}

/// <summary>Settings of a <see cref="CampaignRunner"/>.</summary>
/// <param name="Retry">Retry policy; <see langword="null"/> for <see cref="RetryPolicy.Default"/>. A provider's Retry-After longer than
/// <see cref="RetryPolicy.MaxDelay"/> is not waited for: the send is deferred to the schedule instead.</param>
/// <param name="RateLimits">Per-channel rate limits; channels not listed are not limited.</param>
/// <param name="Jitter">Uniform [0, 1) source for retry jitter; <see langword="null"/> for <see cref="RandomNumberGenerator"/>. Tests pass a constant.</param>
/// <param name="Personalize">Personalization fields for a profile (such as <c>name</c>); <see langword="null"/> uses the profile attribute
/// <c>name</c> when present, otherwise a localized generic salutation.</param>
/// <param name="ProgressInterval">Report progress every this many customers, at least 1 (default 1,000).</param>
/// <param name="MaxParallelism">Customers dispatched at once, in [1, 1024] (default 1: input order).</param>
/// <param name="MaxParallelPerChannel">Sends in flight at once per channel, in [1, 1024] (default 16).</param>
/// <param name="Lease">How long a send-log claim is held before another runner may take it over (default 5 min); longer than one send with its retries.</param>
/// <param name="ClaimWait">How long to wait for a send claimed by another runner to finish before reporting it as in flight elsewhere (default: the lease).</param>
/// <param name="Owner">This runner's owner id in the send log; <see langword="null"/> for a new GUID per runner.</param>
/// <param name="KeepOutcomes">Whether <see cref="CampaignRunResult.Outcomes"/> keeps every outcome with its rendered message (tests, small runs);
/// default <see langword="false"/>: only counts are kept and outcomes are streamed to <paramref name="OutcomeSink"/>.</param>
/// <param name="OutcomeSink">Receives every outcome as it is made (called concurrently when <paramref name="MaxParallelism"/> &gt; 1), or <see langword="null"/>.</param>
public sealed record DispatchSettings(
    RetryPolicy? Retry = null,
    IReadOnlyDictionary<ContactChannel, RateLimit>? RateLimits = null,
    Func<double>? Jitter = null,
    Func<CustomerProfile, IReadOnlyDictionary<string, string>>? Personalize = null,
    int ProgressInterval = 1_000,
    int MaxParallelism = 1,
    int MaxParallelPerChannel = 16,
    TimeSpan? Lease = null,
    TimeSpan? ClaimWait = null,
    string? Owner = null,
    bool KeepOutcomes = false,
    Action<DispatchOutcome>? OutcomeSink = null)
{
    /// <summary>Gets the default settings.</summary>
    public static DispatchSettings Default { get; } = new();

    /// <summary>Gets the progress interval.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1.</exception>
    public int ProgressInterval { get; } = ProgressInterval >= 1 ? ProgressInterval : throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "Must be at least 1.");

    /// <summary>Gets the customers dispatched at once.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 1024].</exception>
    public int MaxParallelism
    {
        get;
        init => field = value is >= 1 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(MaxParallelism), value, "Must be in [1, 1024].");
    } = MaxParallelism is >= 1 and <= 1024 ? MaxParallelism : throw new ArgumentOutOfRangeException(nameof(MaxParallelism), MaxParallelism, "Must be in [1, 1024].");

    /// <summary>Gets the sends in flight at once per channel.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 1024].</exception>
    public int MaxParallelPerChannel { get; } = MaxParallelPerChannel is >= 1 and <= 1024 ? MaxParallelPerChannel : throw new ArgumentOutOfRangeException(nameof(MaxParallelPerChannel), MaxParallelPerChannel, "Must be in [1, 1024].");

    /// <summary>Gets the claim lease.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan? Lease { get; } = Lease is null || Lease > TimeSpan.Zero ? Lease : throw new ArgumentOutOfRangeException(nameof(Lease), Lease, "Must be positive.");

    /// <summary>Gets the claim lease in effect.</summary>
    public TimeSpan EffectiveLease => Lease ?? TimeSpan.FromMinutes(5);

    private readonly TimeSpan? _maxRateLimitWait;

    /// <summary>
    /// Gets the longest a send waits for its channel's rate limit (<see cref="RateLimits"/>); <see langword="null"/> for 1 s. A send that would
    /// wait longer is deferred to <see cref="DispatchStores.Schedule"/> for the instant its channel has capacity for it (counted as
    /// <see cref="DispatchStatus.Deferred"/>, sent when due by <see cref="CampaignRunner.RunDueAsync"/> with every send-time check done again).
    /// <see cref="TimeSpan.Zero"/> defers every send that cannot have a token at once. Without a schedule store the runner waits as long as it
    /// takes (nothing would send a deferral later).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public TimeSpan? MaxRateLimitWait
    {
        get => _maxRateLimitWait;
        init => _maxRateLimitWait = value is null || value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(MaxRateLimitWait), value, "Must not be negative.");
    }

    /// <summary>Gets the longest rate-limit wait in effect.</summary>
    public TimeSpan EffectiveMaxRateLimitWait => MaxRateLimitWait ?? TimeSpan.FromSeconds(1);
}

/// <summary>The stores a <see cref="CampaignRunner"/> shares with other runners and processes.</summary>
/// <param name="SendLog">The send log (claims and outcomes).</param>
/// <param name="Coupons">Coupon codes, issued once per send key.</param>
public sealed record DispatchStores(ISendLog SendLog, ICouponStore Coupons)
{
    /// <summary>Gets the send log.</summary>
    public ISendLog SendLog { get; init; } = SendLog ?? throw new ArgumentNullException(nameof(SendLog));

    /// <summary>Gets the coupon store.</summary>
    public ICouponStore Coupons { get; init; } = Coupons ?? throw new ArgumentNullException(nameof(Coupons));

    /// <summary>Gets the shared frequency-cap store (reserved before each send against the engine's caps), or <see langword="null"/>.</summary>
    public IFrequencyCapStore? Caps { get; init; }

    /// <summary>Gets the shared budget store (reserved before each send against the rule set's budgets), or <see langword="null"/> for the engine's in-memory budgets.</summary>
    public IBudgetStore? Budgets { get; init; }

    /// <summary>Gets the consent store read just before each send, or <see langword="null"/> for the profile's consents.</summary>
    public IConsentStore? Consent { get; init; }

    /// <summary>Gets the suppression list checked just before each send, or <see langword="null"/>.</summary>
    public ISuppressionList? Suppression { get; init; }

    /// <summary>Gets the schedule that receives deferred sends, or <see langword="null"/> (then a deferral is only reported).</summary>
    public ISendSchedule? Schedule { get; init; }

    /// <summary>Gets a contact history that receives a contact for every delivered message, or <see langword="null"/>.</summary>
    public IContactHistory? ContactHistory { get; init; }
}

/// <summary>Who a campaign targets.</summary>
/// <remarks>Immutable and thread-safe when the predicate is.</remarks>
public sealed class CampaignAudience
{
    private readonly CompiledCondition? _condition;
    private readonly Func<CustomerContext, bool>? _predicate;

    private CampaignAudience(CompiledCondition? condition, Func<CustomerContext, bool>? predicate)
    {
        _condition = condition;
        _predicate = predicate;
    }

    /// <summary>Gets the audience of every customer given.</summary>
    public static CampaignAudience Everyone { get; } = new(null, null);

    /// <summary>An audience defined by a compiled condition (segment, lifecycle stage, churn risk…).</summary>
    /// <param name="condition">The condition.</param>
    /// <returns>The audience.</returns>
    public static CampaignAudience Where(CompiledCondition condition) => new(condition ?? throw new ArgumentNullException(nameof(condition)), null);

    /// <summary>An audience defined by a host predicate.</summary>
    /// <param name="predicate">The predicate.</param>
    /// <returns>The audience.</returns>
    public static CampaignAudience Where(Func<CustomerContext, bool> predicate) => new(null, predicate ?? throw new ArgumentNullException(nameof(predicate)));

    /// <summary>Returns whether a customer belongs to the audience.</summary>
    /// <param name="context">The customer.</param>
    /// <returns><see langword="true"/> when included.</returns>
    public bool Includes(CustomerContext context) =>
        (_condition is null || _condition.Evaluate(context)) && (_predicate is null || _predicate(context));
}

/// <summary>What happened to one customer in a campaign run.</summary>
public enum DispatchStatus
{
    /// <summary>Delivered to the channel provider.</summary>
    Sent = 0,

    /// <summary>The send log records this send as delivered (a retried, restarted or concurrent run): not sent again.</summary>
    AlreadySent = 1,

    /// <summary>Not allowed now (quiet hours, a long Retry-After): put on the schedule (when one is given) for <see cref="DispatchOutcome.NotBefore"/>.</summary>
    Deferred = 2,

    /// <summary>Not contacted on purpose; see <see cref="DispatchOutcome.Reason"/>.</summary>
    Suppressed = 3,

    /// <summary>Rendering failed or transient failures exhausted the retries (a later run tries again).</summary>
    Failed = 4,

    /// <summary>No rule selected an offer for the customer.</summary>
    NoOffer = 5,

    /// <summary>The provider rejected the message permanently (now or in an earlier run): never sent again.</summary>
    Rejected = 6,

    /// <summary>Another runner holds the send's claim and did not finish within <see cref="DispatchSettings.ClaimWait"/>.</summary>
    InFlightElsewhere = 7,
}

/// <summary>Why a customer was suppressed (or had no offer).</summary>
public enum SuppressionReason
{
    /// <summary>Not suppressed.</summary>
    None = 0,

    /// <summary>No eligible rule.</summary>
    Ineligible = 1,

    /// <summary>No Granted consent on any of the rule's channels for its purpose (at decision or at send time).</summary>
    NoConsent = 2,

    /// <summary>Over a frequency cap on every consented channel (at decision or at send time).</summary>
    Capped = 3,

    /// <summary>The campaign budget is exhausted.</summary>
    BudgetExhausted = 4,

    /// <summary>In the holdout group.</summary>
    Holdout = 5,

    /// <summary>The host registered no <see cref="IMessageChannel"/> for the chosen channel.</summary>
    NoSender = 6,

    /// <summary>Every rule or offer was outside its validity window.</summary>
    OutsideValidityWindow = 7,

    /// <summary>On a suppression list (global or for the channel) at send time.</summary>
    SuppressionList = 8,
}

/// <summary>The outcome for one customer of a campaign run. Holds the customer id (the host's data); <see cref="Detail"/> holds no personal data.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Status">What happened.</param>
/// <param name="Reason">Why it was suppressed or had no offer.</param>
/// <param name="RuleId">The rule selected, or <see langword="null"/>.</param>
/// <param name="OfferId">The offer, or <see langword="null"/>.</param>
/// <param name="Channel">The channel (for a send: the channel fixed by the send log), or unspecified.</param>
/// <param name="IdempotencyKey">The send's key, or <see langword="null"/>.</param>
/// <param name="CouponCode">The coupon code sent, or <see langword="null"/>.</param>
/// <param name="NotBefore">For a deferral, the first allowed instant.</param>
/// <param name="Attempts">Send attempts made.</param>
/// <param name="Detail">Failure detail (no personal data), or <see langword="null"/>.</param>
/// <param name="Message">The rendered message when <see cref="DispatchSettings.KeepOutcomes"/> is set, or <see langword="null"/>.</param>
public sealed record DispatchOutcome(
    string CustomerId,
    DispatchStatus Status,
    SuppressionReason Reason,
    string? RuleId,
    string? OfferId,
    ContactChannel Channel,
    string? IdempotencyKey,
    string? CouponCode,
    DateTimeOffset? NotBefore,
    int Attempts,
    string? Detail,
    OutboundMessage? Message);

/// <summary>The result of a campaign run: counts per status and reason, and (with <see cref="DispatchSettings.KeepOutcomes"/>) the outcomes.</summary>
public sealed class CampaignRunResult
{
    private readonly long[] _byStatus;
    private readonly long[] _byReason;

    internal CampaignRunResult(string campaignId, string runKey, long considered, long decided, long[] byStatus, long[] byReason, IReadOnlyList<DispatchOutcome> outcomes)
    {
        Decided = decided;
        CampaignId = campaignId;
        RunKey = runKey;
        Considered = considered;
        _byStatus = byStatus;
        _byReason = byReason;
        Outcomes = outcomes;
    }

    /// <summary>Gets the campaign.</summary>
    public string CampaignId { get; }

    /// <summary>Gets the run key.</summary>
    public string RunKey { get; }

    /// <summary>Gets the customers read.</summary>
    public long Considered { get; }

    /// <summary>Gets the outcomes of customers in the audience in input order when <see cref="DispatchSettings.KeepOutcomes"/> is set; otherwise empty.</summary>
    public IReadOnlyList<DispatchOutcome> Outcomes { get; }

    /// <summary>Gets the customers the engine decided to contact (an offer was selected, not held out): each of them is sent, already sent,
    /// suppressed at send time, deferred, failed, rejected or in flight elsewhere.</summary>
    public long Decided { get; }

    /// <summary>Counts outcomes with a status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The count.</returns>
    public long Count(DispatchStatus status) => (int)status < _byStatus.Length ? _byStatus[(int)status] : 0;

    /// <summary>Counts suppressed outcomes with a reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count.</returns>
    public long Count(SuppressionReason reason) => (int)reason < _byReason.Length ? _byReason[(int)reason] : 0;
}

/// <summary>
/// Runs a campaign: for each customer of the audience, decide (<see cref="OfferDecisionEngine"/>), claim the send in the shared send log,
/// check again just before the send (consent, quiet hours, suppression, caps, budget), issue the coupon, render
/// (<see cref="MessageRenderer"/>) and send through the host's <see cref="IMessageChannel"/>s with bounded retry and rate limits, then record
/// the outcome with a write that cannot be cancelled.
/// </summary>
/// <remarks>
/// <para>Exactly once: the logical send is keyed by (campaign, run, customer) (<see cref="IdempotencyKey.Create(string, string, string)"/>);
/// the channel is fixed by the first claim. A key that is delivered is reported <see cref="DispatchStatus.AlreadySent"/>, a rejected one
/// <see cref="DispatchStatus.Rejected"/>; neither is sent again. A key claimed by another live runner is waited for up to
/// <see cref="DispatchSettings.ClaimWait"/>. Several runners (threads or processes) may run the same campaign and run at once on shared
/// stores: each customer is sent at most once, and a run that completes has sent every decided customer once.</para>
/// <para>Send-time instant: the customer's as-of plus the time elapsed since the run started (on the <see cref="TimeProvider"/>).</para>
/// <para>Outcomes are streamed (<see cref="DispatchSettings.OutcomeSink"/>); the result keeps only counts unless
/// <see cref="DispatchSettings.KeepOutcomes"/> is set. Up to <see cref="DispatchSettings.MaxParallelism"/> customers are dispatched at once,
/// at most <see cref="DispatchSettings.MaxParallelPerChannel"/> sends per channel. Decisions are made one at a time in input order, so a host
/// may reuse one <see cref="CustomerContext"/> (its profile object must not be mutated). Thread-safe: one runner may serve concurrent runs.</para>
/// </remarks>
public sealed class CampaignRunner
{
    private readonly Dictionary<ContactChannel, IMessageChannel> _channels = [];
    private readonly Dictionary<ContactChannel, TokenBucket> _buckets = [];
    private readonly Dictionary<ContactChannel, SemaphoreSlim> _gates = [];
    private static readonly IReadOnlyDictionary<string, string> s_genericZh = new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "亲爱的顾客" };
    private static readonly IReadOnlyDictionary<string, string> s_genericEn = new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = "valued customer" };
    private readonly Func<double> _jitter;
    private readonly TimeZoneCache _zones = new();

    /// <summary>Creates a runner on in-process stores (single-process hosts, tests).</summary>
    /// <param name="engine">The decision engine (its budgets are the campaign's).</param>
    /// <param name="renderer">The message renderer.</param>
    /// <param name="channels">The host's channels (one per channel).</param>
    /// <param name="sendLog">The send log.</param>
    /// <param name="coupons">The coupon store.</param>
    /// <param name="contactHistory">Receives a contact for every delivered message (use the engine's history so caps see them), or <see langword="null"/>.</param>
    /// <param name="timeProvider">Time for delays and rate limits; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="settings">Settings; <see langword="null"/> for <see cref="DispatchSettings.Default"/>.</param>
    /// <exception cref="ArgumentException">Two channels serve the same channel.</exception>
    public CampaignRunner(
        OfferDecisionEngine engine,
        MessageRenderer renderer,
        IEnumerable<IMessageChannel> channels,
        ISendLog sendLog,
        ICouponStore coupons,
        IContactHistory? contactHistory = null,
        TimeProvider? timeProvider = null,
        DispatchSettings? settings = null)
        : this(engine, renderer, channels, new DispatchStores(sendLog, coupons) { ContactHistory = contactHistory }, timeProvider, settings)
    {
    }

    /// <summary>Creates a runner on shared stores.</summary>
    /// <param name="engine">The decision engine. With a budget store its in-memory reservations are given back at once.</param>
    /// <param name="renderer">The message renderer.</param>
    /// <param name="channels">The host's channels (one per channel).</param>
    /// <param name="stores">The stores.</param>
    /// <param name="timeProvider">Time for delays, leases and rate limits; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="settings">Settings; <see langword="null"/> for <see cref="DispatchSettings.Default"/>.</param>
    /// <exception cref="ArgumentException">Two channels serve the same channel.</exception>
    public CampaignRunner(
        OfferDecisionEngine engine,
        MessageRenderer renderer,
        IEnumerable<IMessageChannel> channels,
        DispatchStores stores,
        TimeProvider? timeProvider,
        DispatchSettings? settings)
    {
        Engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Renderer = renderer ?? throw new ArgumentNullException(nameof(renderer));
        Stores = stores ?? throw new ArgumentNullException(nameof(stores));
        Time = timeProvider ?? TimeProvider.System;
        Settings = settings ?? DispatchSettings.Default;
        Owner = Settings.Owner ?? Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        ArgumentNullException.ThrowIfNull(channels);
        foreach (var c in channels)
        {
            if (!_channels.TryAdd(c.Channel, c))
            {
                throw new ArgumentException($"Two senders serve channel '{c.Channel.Value}'.", nameof(channels));
            }

            _gates[c.Channel] = new SemaphoreSlim(Settings.MaxParallelPerChannel, Settings.MaxParallelPerChannel);
        }

        foreach (var (ch, limit) in Settings.RateLimits ?? new Dictionary<ContactChannel, RateLimit>())
        {
            _buckets[ch] = new TokenBucket(limit, Time);
        }

        _jitter = Settings.Jitter ?? (static () => RandomNumberGenerator.GetInt32(1 << 30) / (double)(1 << 30));
    }

    /// <summary>Gets the decision engine.</summary>
    public OfferDecisionEngine Engine { get; }

    /// <summary>Gets the renderer.</summary>
    public MessageRenderer Renderer { get; }

    /// <summary>Gets the stores.</summary>
    public DispatchStores Stores { get; }

    /// <summary>Gets this runner's owner id in the send log.</summary>
    public string Owner { get; }

    /// <summary>Gets the time provider.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the settings.</summary>
    public DispatchSettings Settings { get; }

    /// <summary>Gets whether the caller puts a <see cref="DispatchStatus.Deferred"/> outcome on the schedule itself (the event dispatcher of
    /// triggers and journeys, whose stores have no schedule): a long rate-limit wait is then deferred as with a schedule store.</summary>
    internal bool CallerSchedulesDeferrals { get; init; }

    /// <summary>Runs a campaign over customers.</summary>
    /// <param name="campaignId">The campaign id (part of every idempotency key).</param>
    /// <param name="runKey">The run key, such as the run date; re-using it makes a run idempotent.</param>
    /// <param name="audience">Who is targeted.</param>
    /// <param name="customers">The customers, each with its as-of instant (normally now).</param>
    /// <param name="progress">Receives progress (stage <c>"dispatch"</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run between sends; a send the provider accepted is still recorded.</param>
    /// <returns>The counts (and outcomes with <see cref="DispatchSettings.KeepOutcomes"/>).</returns>
    /// <exception cref="OperationCanceledException">The run was cancelled.</exception>
    public async Task<CampaignRunResult> RunAsync(
        string campaignId,
        string runKey,
        CampaignAudience audience,
        IAsyncEnumerable<CustomerContext> customers,
        IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        Check.NotBlank(campaignId);
        Check.NotBlank(runKey);
        ArgumentNullException.ThrowIfNull(audience);
        ArgumentNullException.ThrowIfNull(customers);
        var run = new RunState(campaignId, runKey, Time.GetTimestamp(), Settings.KeepOutcomes);
        if (Settings.MaxParallelism == 1)
        {
            // One at a time in input order, on the caller's thread while the stores answer synchronously (no worker task).
            await foreach (var item in Produce(run, audience, customers, progress, cancellationToken).ConfigureAwait(false))
            {
                Emit(run, item.Index, item.Id, await ProcessAsync(run, item, cancellationToken).ConfigureAwait(false));
            }

            progress?.Report(new OperationProgress("dispatch", run.Considered, run.Considered));
            return run.ToResult();
        }

        await Parallel.ForEachAsync(
            Produce(run, audience, customers, progress, cancellationToken),
            new ParallelOptions { MaxDegreeOfParallelism = Settings.MaxParallelism, CancellationToken = cancellationToken },
            async (item, ct) => Emit(run, item.Index, item.Id, await ProcessAsync(run, item, ct).ConfigureAwait(false))).ConfigureAwait(false);
        progress?.Report(new OperationProgress("dispatch", run.Considered, run.Considered));
        return run.ToResult();
    }

    /// <summary>
    /// Sends the deferred sends that are due: takes them from <see cref="DispatchStores.Schedule"/>, looks their customers up, decides and
    /// dispatches them again under their own run key (the send log keeps them exactly-once), and removes the entries that are done.
    /// </summary>
    /// <param name="campaignId">The campaign whose entries are sent (entries of other campaigns are given back at once for their runners).</param>
    /// <param name="lookup">Returns the customer's context at the given instant, or <see langword="null"/> when the customer is gone.</param>
    /// <param name="max">Most entries taken, at least 1.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The counts (run key <c>"schedule"</c>).</returns>
    /// <exception cref="InvalidOperationException">No schedule store was given.</exception>
    public async Task<CampaignRunResult> RunDueAsync(string campaignId, Func<string, DateTimeOffset, CancellationToken, ValueTask<CustomerContext?>> lookup, int max = 1_000, CancellationToken cancellationToken = default)
    {
        Check.NotBlank(campaignId);
        ArgumentNullException.ThrowIfNull(lookup);
        var schedule = Stores.Schedule ?? throw new InvalidOperationException("RunDueAsync needs a schedule store.");
        var now = Time.GetUtcNow();
        var run = new RunState(campaignId, "schedule", Time.GetTimestamp(), Settings.KeepOutcomes);
        var due = await schedule.TakeDueAsync(now, max, Settings.EffectiveLease, cancellationToken).ConfigureAwait(false);
        var index = 0;
        foreach (var entry in due)
        {
            if (!string.Equals(entry.CampaignId, campaignId, StringComparison.Ordinal))
            {
                await schedule.ScheduleAsync(entry, CancellationToken.None).ConfigureAwait(false); // given back at once (not hidden for the lease)
                continue;
            }

            var context = await lookup(entry.CustomerId, now, cancellationToken).ConfigureAwait(false);
            if (context is null)
            {
                await schedule.CompleteAsync(entry.IdempotencyKey).ConfigureAwait(false);
                continue;
            }

            var item = Decide(context, index++, now);
            var outcome = await ProcessAsync(run.ForRunKey(entry.RunKey), item, cancellationToken).ConfigureAwait(false);
            Emit(run, item.Index, item.Id, outcome);
            if (outcome.Status is not (DispatchStatus.Deferred or DispatchStatus.Failed or DispatchStatus.InFlightElsewhere))
            {
                await schedule.CompleteAsync(entry.IdempotencyKey).ConfigureAwait(false);
            }
        }

        return run.ToResult();
    }

    private async IAsyncEnumerable<WorkItem> Produce(RunState run, CampaignAudience audience, IAsyncEnumerable<CustomerContext> customers, IProgress<OperationProgress>? progress, [EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var context in customers.WithCancellation(ct).ConfigureAwait(false))
        {
            ct.ThrowIfCancellationRequested();
            var considered = ++run.Considered;
            if (audience.Includes(context))
            {
                yield return Decide(context, run.Index++, context.AsOf);
            }

            if (considered % Settings.ProgressInterval == 0)
            {
                progress?.Report(new OperationProgress("dispatch", considered, null));
            }
        }
    }

    private WorkItem Decide(CustomerContext context, long index, DateTimeOffset asOf)
    {
        var profile = context.Profile;
        var id = profile?.Id ?? context.Features?.CustomerId ?? "?";
        var decision = Engine.Decide(context);
        if (decision.Status == DecisionStatus.Offer && Stores.Budgets is not null)
        {
            Engine.Release(decision.Rule!); // the shared store is the budget; the engine's in-memory counters are not used
        }

        return new WorkItem(index, id, profile, decision, asOf);
    }

    private void Emit(RunState run, long index, string id, in Step step)
    {
        run.Add(step.Rule is not null && step.Reason != SuppressionReason.Holdout, step.Status, step.Reason);
        if (run.Keep || Settings.OutcomeSink is not null)
        {
            // The public outcome is made only when someone keeps or receives it: a counting run allocates nothing per customer here.
            var outcome = step.ToOutcome(id);
            run.Retain(index, outcome);
            Settings.OutcomeSink?.Invoke(outcome);
        }
    }

    private async ValueTask<Step> ProcessAsync(RunState run, WorkItem item, CancellationToken ct)
    {
        var (_, id, profile, decision, asOf) = item;
        var rule = decision.Rule;
        switch (decision.Status)
        {
            case DecisionStatus.NoOffer:
                var reason = Map(decision.Reason);
                return new Step(reason is SuppressionReason.Ineligible or SuppressionReason.OutsideValidityWindow ? DispatchStatus.NoOffer : DispatchStatus.Suppressed, reason, rule, decision.Channel);
            case DecisionStatus.Holdout:
                return new Step(DispatchStatus.Suppressed, SuppressionReason.Holdout, rule, decision.Channel);
        }

        var key = IdempotencyKey.Create(run.CampaignId, run.RunKey, id);
        var claim = await ClaimAsync(run, key, decision.Channel, ct).ConfigureAwait(false);
        switch (claim.Status)
        {
            case SendClaimStatus.Final:
                ReleaseEngine(rule);
                return claim.State == SendLogState.Delivered
                    ? new Step(DispatchStatus.AlreadySent, SuppressionReason.None, rule, claim.Channel, key, Attempts: claim.Attempts)
                    : new Step(DispatchStatus.Rejected, SuppressionReason.None, rule, claim.Channel, key, Attempts: claim.Attempts, Detail: "rejected: " + (claim.Reason ?? "no reason given"));
            case SendClaimStatus.HeldByOther:
                ReleaseEngine(rule);
                return new Step(DispatchStatus.InFlightElsewhere, SuppressionReason.None, rule, decision.Channel, key, Detail: "claimed by another runner");
        }

        // The channel is fixed by the first claim: a re-run never adds a second channel.
        var send = new Send(run, id, profile, decision, rule!, asOf, key, claim.Channel, CapReserved: false, BudgetReserved: false);
        var channel = send.Channel;
        var purpose = rule!.Purpose;
        var caps = Stores.Caps is not null ? Engine.Settings.Caps : [];
        var budgetLimits = Stores.Budgets is not null && rule.CampaignId is { } cid && Engine.RuleSet.Budgets.TryGetValue(cid, out var limits) ? limits : null;
        if (!_channels.TryGetValue(channel, out var sender))
        {
            return await NotSentAsync(send, DispatchStatus.Suppressed, SuppressionReason.NoSender, detail: $"no sender for channel '{channel.Value}'").ConfigureAwait(false);
        }

        var now = SendInstant(run, asOf);
        if (await CheckAsync(send, now, ct).ConfigureAwait(false) is { } blocked)
        {
            return blocked;
        }

        if (caps.Count > 0)
        {
            send = send with { CapReserved = await Stores.Caps!.TryReserveAsync(new ContactReservation(key, id, channel, purpose, now, run.CampaignId), caps, ct).ConfigureAwait(false) };
            if (!send.CapReserved)
            {
                return await NotSentAsync(send, DispatchStatus.Suppressed, SuppressionReason.Capped).ConfigureAwait(false);
            }
        }

        if (budgetLimits is not null)
        {
            send = send with { BudgetReserved = await Stores.Budgets!.TryReserveAsync(rule.CampaignId!, budgetLimits, key, rule.Offer.BudgetCost, ct).ConfigureAwait(false) };
            if (!send.BudgetReserved)
            {
                return await NotSentAsync(send, DispatchStatus.Suppressed, SuppressionReason.BudgetExhausted).ConfigureAwait(false);
            }
        }

        var offer = rule.Offer;
        string? code = null;
        var validUntil = offer.ValidUntil;
        OutboundMessage message;
        try
        {
            if (offer.Coupon is not null)
            {
                var issued = await Stores.Coupons.IssueOnceCodeAsync(key, offer, id, asOf, ct).ConfigureAwait(false);
                code = issued.Code;
                validUntil = issued.ValidUntil ?? validUntil;
            }

            var zone = Zone(profile);
            var neutral = new MessageParts(id, rule.TemplateKey, offer, code, validUntil, profile!.Language, zone, Fields(profile));
            message = Renderer.Render(neutral, channel, sender.Capabilities);
        }
        catch (TemplateException ex)
        {
            return await NotSentAsync(send, DispatchStatus.Failed, SuppressionReason.None, code, detail: "render: " + ex.Message).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            return await NotSentAsync(send, DispatchStatus.Failed, SuppressionReason.None, detail: "coupon: " + ex.GetType().Name).ConfigureAwait(false);
        }

        var policy = Settings.Retry ?? RetryPolicy.Default;
        var attempts = 0;
        SendResult result;
        var gate = _gates[channel];
        while (true)
        {
            if (await TakeTokenAsync(channel, ct).ConfigureAwait(false) is { } capacityAt)
            {
                // The channel's rate limit would hold this send longer than MaxRateLimitWait: to the schedule, for when there is capacity.
                return await NotSentAsync(send, DispatchStatus.Deferred, SuppressionReason.None, code, notBefore: capacityAt, attempts: attempts, detail: "rate limit").ConfigureAwait(false);
            }

            attempts++;
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                result = await sender.SendAsync(message, key, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw; // unknown whether the provider accepted: the claim stays until its lease ends, then a later run resends with the same key
            }
#pragma warning disable CA1031 // A channel that throws is a transient failure by contract; the run must go on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                result = SendResult.Transient("channel threw " + ex.GetType().Name);
            }
            finally
            {
                gate.Release();
            }

            if (result.Status != SendStatus.TransientFailure || attempts >= policy.MaxAttempts)
            {
                break;
            }

            var delay = policy.DelayAfter(attempts, _jitter());
            if (result.RetryAfter is { } after && after > delay)
            {
                if (after > policy.MaxDelay)
                {
                    // Not waited for without bound: deferred to the schedule, where every check runs again when it is due.
                    return await NotSentAsync(send, DispatchStatus.Deferred, SuppressionReason.None, code, notBefore: SendInstant(run, asOf) + after, attempts: attempts, detail: "retry-after beyond the retry policy").ConfigureAwait(false);
                }

                delay = after;
            }

            await Task.Delay(delay, Time, ct).ConfigureAwait(false);
            if (await CheckAsync(send, SendInstant(run, asOf), ct).ConfigureAwait(false) is { } blockedLater)
            {
                return blockedLater;
            }
        }

        // The provider has answered: from here on nothing is cancellable.
        var state = result.Status switch
        {
            SendStatus.Delivered => SendLogState.Delivered,
            SendStatus.Rejected => SendLogState.Rejected,
            _ => SendLogState.Failed,
        };
        await Stores.SendLog.CompleteAsync(key, Owner, state, Time.GetUtcNow(), attempts, result.ProviderMessageId, result.Reason).ConfigureAwait(false);
        var kept = Settings.KeepOutcomes ? message : null;
        if (result.Status == SendStatus.Delivered)
        {
            if (send.CapReserved)
            {
                await Stores.Caps!.CommitAsync(key).ConfigureAwait(false);
            }

            if (send.BudgetReserved)
            {
                await Stores.Budgets!.CommitAsync(rule.CampaignId!, key).ConfigureAwait(false);
            }

            Stores.ContactHistory?.Record(new ContactRecord(id, channel, purpose, asOf, run.CampaignId));
            return new Step(DispatchStatus.Sent, SuppressionReason.None, rule, channel, key, code, Attempts: attempts, Message: kept);
        }

        await ReleaseReservationsAsync(send).ConfigureAwait(false);
        ReleaseEngine(rule);
        if (result.Status == SendStatus.Rejected)
        {
            return new Step(DispatchStatus.Rejected, SuppressionReason.None, rule, channel, key, code, Attempts: attempts, Detail: "rejected: " + (result.Reason ?? "no reason given"), Message: kept);
        }

        var detail = string.Create(CultureInfo.InvariantCulture, $"transient failure after {attempts} attempts: ") + (result.Reason ?? "no reason given");
        return new Step(DispatchStatus.Failed, SuppressionReason.None, rule, channel, key, code, Attempts: attempts, Detail: detail, Message: kept);
    }

    /// <summary>The send-time checks (quiet hours, consent, suppression); <see langword="null"/> when the send may go now.</summary>
    private async ValueTask<Step?> CheckAsync(Send send, DateTimeOffset at, CancellationToken token)
    {
        var sendAt = send.Decision.SendAt > at ? send.Decision.SendAt : at;
        if (Engine.Settings.QuietHours is { } quiet)
        {
            sendAt = quiet.NextAllowed(sendAt, Zone(send.Profile));
        }

        if (sendAt > at)
        {
            return await NotSentAsync(send, DispatchStatus.Deferred, SuppressionReason.None, notBefore: sendAt, detail: "quiet hours").ConfigureAwait(false);
        }

        var purpose = send.Rule.Purpose;
        var consent = Stores.Consent is { } store ? await store.GetStatusAsync(send.Id, send.Channel, purpose, at, token).ConfigureAwait(false) : null;
        if (!(consent == ConsentStatus.Granted || (consent is null && send.Profile is not null && send.Profile.MayContact(send.Channel, purpose, at))))
        {
            return await NotSentAsync(send, DispatchStatus.Suppressed, SuppressionReason.NoConsent, detail: "no consent at send time").ConfigureAwait(false);
        }

        if (Stores.Suppression is { } list && await list.IsSuppressedAsync(send.Id, send.Channel, at, token).ConfigureAwait(false))
        {
            return await NotSentAsync(send, DispatchStatus.Suppressed, SuppressionReason.SuppressionList).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>Gives everything back for a claimed send that is not sent now (reservations, the claim, the engine's budget), and puts a
    /// deferral on the schedule.</summary>
    private async ValueTask<Step> NotSentAsync(Send send, DispatchStatus status, SuppressionReason why, string? code = null, DateTimeOffset? notBefore = null, int attempts = 0, string? detail = null)
    {
        await ReleaseReservationsAsync(send).ConfigureAwait(false);
        await Stores.SendLog.ReleaseAsync(send.Key, Owner, Time.GetUtcNow()).ConfigureAwait(false);
        ReleaseEngine(send.Rule);
        if (status == DispatchStatus.Deferred && Stores.Schedule is { } schedule)
        {
            await schedule.ScheduleAsync(new ScheduledSend(send.Key, send.Run.CampaignId, send.Run.RunKey, send.Id, notBefore!.Value, detail ?? "deferred"), CancellationToken.None).ConfigureAwait(false);
        }

        return new Step(status, why, send.Rule, send.Channel, send.Key, code, notBefore, attempts, detail);
    }

    private async ValueTask ReleaseReservationsAsync(Send send)
    {
        if (send.CapReserved)
        {
            await Stores.Caps!.ReleaseAsync(send.Key).ConfigureAwait(false);
        }

        if (send.BudgetReserved)
        {
            await Stores.Budgets!.ReleaseAsync(send.Rule.CampaignId!, send.Key).ConfigureAwait(false);
        }
    }

    private void ReleaseEngine(PersonalizationRule? rule)
    {
        if (Stores.Budgets is null && rule is not null)
        {
            Engine.Release(rule);
        }
    }

    private async ValueTask<ClaimView> ClaimAsync(RunState run, string key, ContactChannel channel, CancellationToken ct)
    {
        var wait = Settings.ClaimWait ?? Settings.EffectiveLease;
        var started = Time.GetTimestamp();
        while (true)
        {
            var claim = await TryClaimAsync(run, key, channel, ct).ConfigureAwait(false);
            var waited = Time.GetElapsedTime(started);
            if (claim.Status != SendClaimStatus.HeldByOther || waited >= wait)
            {
                return claim;
            }

            var untilLease = (claim.LeaseUntil ?? Time.GetUtcNow()) - Time.GetUtcNow();
            var pause = TimeSpan.FromMilliseconds(Math.Clamp(Math.Min(untilLease.TotalMilliseconds, (wait - waited).TotalMilliseconds), 1, 250));
            await Task.Delay(pause, Time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>One claim attempt. The library's in-memory send log is claimed without a request or result object (the same rules, see
    /// <see cref="InMemorySendLog.Claim"/>); any other log through <see cref="ISendLog.TryClaimAsync"/>.</summary>
    private async ValueTask<ClaimView> TryClaimAsync(RunState run, string key, ContactChannel channel, CancellationToken ct)
    {
        if (Stores.SendLog is InMemorySendLog memory)
        {
            ct.ThrowIfCancellationRequested();
            var status = memory.Claim(key, run.CampaignId, run.RunKey, channel, Owner, Time.GetUtcNow(), Settings.EffectiveLease, out var row);
            var r = row.Row;
            return new ClaimView(status, memory.ChannelOf(r), r.State, r.Attempts, row.Extras.Reason, r.LeaseTicks < 0 ? null : new DateTimeOffset(r.LeaseTicks, TimeSpan.Zero));
        }

        var claim = await Stores.SendLog.TryClaimAsync(new SendClaimRequest(key, run.CampaignId, run.RunKey, channel, Owner, Time.GetUtcNow(), Settings.EffectiveLease), ct).ConfigureAwait(false);
        var e = claim.Entry;
        return new ClaimView(claim.Status, e.Channel, e.State, e.Attempts, e.Reason, e.LeaseUntil);
    }

    private DateTimeOffset SendInstant(RunState run, DateTimeOffset asOf) => asOf + Time.GetElapsedTime(run.Started);

    private TimeZoneInfo Zone(CustomerProfile? profile) => _zones.Get(profile?.TimeZoneId) ?? Engine.Settings.DefaultTimeZone;

    /// <summary>Takes a token of the channel's rate limit, waiting up to <see cref="DispatchSettings.EffectiveMaxRateLimitWait"/> for it:
    /// <see langword="null"/> when taken, otherwise the instant the send is deferred to (when a schedule receives deferrals).</summary>
    private async ValueTask<DateTimeOffset?> TakeTokenAsync(ContactChannel channel, CancellationToken ct)
    {
        if (!_buckets.TryGetValue(channel, out var bucket))
        {
            return null;
        }

        var defers = Stores.Schedule is not null || CallerSchedulesDeferrals;
        while (!bucket.TryTake(out var wait))
        {
            if (defers && wait > Settings.EffectiveMaxRateLimitWait)
            {
                return bucket.DeferredSlot(wait);
            }

            await Task.Delay(wait, Time, ct).ConfigureAwait(false);
        }

        return null;
    }

    private IReadOnlyDictionary<string, string> Fields(CustomerProfile profile)
    {
        if (Settings.Personalize is { } personalize)
        {
            return personalize(profile) ?? ReadOnlyDictionary<string, string>.Empty;
        }

        if (profile.Attributes.TryGetValue("name", out var n) && !string.IsNullOrWhiteSpace(n))
        {
            return new Dictionary<string, string>(1, StringComparer.Ordinal) { ["name"] = n };
        }

        // The generic salutation is the same for every customer of a language: one shared read-only set of fields.
        return profile.Language is { } l && l.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? s_genericZh : s_genericEn;
    }

    private static SuppressionReason Map(RuleOutcome outcome) => outcome switch
    {
        RuleOutcome.NoConsent => SuppressionReason.NoConsent,
        RuleOutcome.Capped => SuppressionReason.Capped,
        RuleOutcome.BudgetExhausted => SuppressionReason.BudgetExhausted,
        RuleOutcome.Holdout => SuppressionReason.Holdout,
        RuleOutcome.OutsideValidityWindow => SuppressionReason.OutsideValidityWindow,
        _ => SuppressionReason.Ineligible,
    };

    /// <summary>What the runner needs of a claim (a struct: no object per customer).</summary>
    private readonly record struct ClaimView(SendClaimStatus Status, ContactChannel Channel, SendLogState State, int Attempts, string? Reason, DateTimeOffset? LeaseUntil);

    private readonly record struct WorkItem(long Index, string Id, CustomerProfile? Profile, OfferDecision Decision, DateTimeOffset AsOf);

    /// <summary>One claimed send on its way (a struct: no allocation per customer).</summary>
    private readonly record struct Send(RunState Run, string Id, CustomerProfile? Profile, OfferDecision Decision, PersonalizationRule Rule, DateTimeOffset AsOf, string Key, ContactChannel Channel, bool CapReserved, bool BudgetReserved);

    /// <summary>The outcome of one customer before it is made public (a struct: a counting run allocates no outcome object).</summary>
    private readonly record struct Step(
        DispatchStatus Status,
        SuppressionReason Reason,
        PersonalizationRule? Rule,
        ContactChannel Channel,
        string? Key = null,
        string? Code = null,
        DateTimeOffset? NotBefore = null,
        int Attempts = 0,
        string? Detail = null,
        OutboundMessage? Message = null)
    {
        public DispatchOutcome ToOutcome(string id) => new(id, Status, Reason, Rule?.Id, Rule?.Offer.Id, Channel, Key, Code, NotBefore, Attempts, Detail, Message);
    }

    private sealed record RunState(string CampaignId, string RunKey, long Started, bool Keep)
    {
        private readonly long[] _byStatus = new long[Enum.GetValues<DispatchStatus>().Length];
        private readonly long[] _byReason = new long[Enum.GetValues<SuppressionReason>().Length];
        private readonly List<(long Index, DispatchOutcome Outcome)> _kept = [];

        public long Considered { get; set; }

        public long Index { get; set; }

        private long _decided;

        /// <summary>The same run under another run key (scheduled sends); counts go to this run through <see cref="Add"/> only.</summary>
        public RunState ForRunKey(string runKey) => this with { RunKey = runKey };

        public void Add(bool decided, DispatchStatus status, SuppressionReason reason)
        {
            if (decided)
            {
                Interlocked.Increment(ref _decided);
            }

            Interlocked.Increment(ref _byStatus[(int)status]);
            Interlocked.Increment(ref _byReason[(int)reason]);
        }

        public void Retain(long index, DispatchOutcome outcome)
        {
            if (Keep)
            {
                lock (_kept)
                {
                    _kept.Add((index, outcome));
                }
            }
        }

        public CampaignRunResult ToResult()
        {
            _kept.Sort(static (a, b) => a.Index.CompareTo(b.Index));
            var outcomes = new DispatchOutcome[_kept.Count];
            for (var i = 0; i < outcomes.Length; i++)
            {
                outcomes[i] = _kept[i].Outcome;
            }

            return new CampaignRunResult(CampaignId, RunKey, Considered, Interlocked.Read(ref _decided), [.. _byStatus], [.. _byReason], Array.AsReadOnly(outcomes));
        }
    }
}
