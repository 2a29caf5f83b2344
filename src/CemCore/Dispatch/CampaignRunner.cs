using System.Globalization;
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
/// <param name="Retry">Retry policy; <see langword="null"/> for <see cref="RetryPolicy.Default"/>.</param>
/// <param name="RateLimits">Per-channel rate limits; channels not listed are not limited.</param>
/// <param name="Jitter">Uniform [0, 1) source for retry jitter; <see langword="null"/> for <see cref="RandomNumberGenerator"/>. Tests pass a constant.</param>
/// <param name="Personalize">Personalization fields for a profile (such as <c>name</c>); <see langword="null"/> uses the profile attribute
/// <c>name</c> when present, otherwise a localized generic salutation.</param>
/// <param name="ProgressInterval">Report progress every this many customers, at least 1 (default 1,000).</param>
public sealed record DispatchSettings(
    RetryPolicy? Retry = null,
    IReadOnlyDictionary<ContactChannel, RateLimit>? RateLimits = null,
    Func<double>? Jitter = null,
    Func<CustomerProfile, IReadOnlyDictionary<string, string>>? Personalize = null,
    int ProgressInterval = 1_000)
{
    /// <summary>Gets the default settings.</summary>
    public static DispatchSettings Default { get; } = new();

    /// <summary>Gets the progress interval.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1.</exception>
    public int ProgressInterval { get; } = ProgressInterval >= 1 ? ProgressInterval : throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "Must be at least 1.");
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

    /// <summary>The send log already records this send (a retried or restarted run): not sent again.</summary>
    AlreadySent = 1,

    /// <summary>Due in quiet hours: re-run with the same run key at or after <see cref="DispatchOutcome.NotBefore"/>.</summary>
    Deferred = 2,

    /// <summary>Not contacted on purpose; see <see cref="DispatchOutcome.Reason"/>.</summary>
    Suppressed = 3,

    /// <summary>Rendering failed, the provider rejected the message, or transient failures exhausted the retries.</summary>
    Failed = 4,

    /// <summary>No rule selected an offer for the customer.</summary>
    NoOffer = 5,
}

/// <summary>Why a customer was suppressed (or had no offer).</summary>
public enum SuppressionReason
{
    /// <summary>Not suppressed.</summary>
    None = 0,

    /// <summary>No eligible rule.</summary>
    Ineligible = 1,

    /// <summary>No Granted consent on any of the rule's channels for its purpose.</summary>
    NoConsent = 2,

    /// <summary>Over a frequency cap on every consented channel.</summary>
    Capped = 3,

    /// <summary>The campaign budget is exhausted.</summary>
    BudgetExhausted = 4,

    /// <summary>In the holdout group.</summary>
    Holdout = 5,

    /// <summary>The host registered no <see cref="IMessageChannel"/> for the chosen channel.</summary>
    NoSender = 6,

    /// <summary>Every rule or offer was outside its validity window.</summary>
    OutsideValidityWindow = 7,
}

/// <summary>The outcome for one customer of a campaign run. Holds the customer id (the host's data); <see cref="Detail"/> holds no personal data.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Status">What happened.</param>
/// <param name="Reason">Why it was suppressed or had no offer.</param>
/// <param name="RuleId">The rule selected, or <see langword="null"/>.</param>
/// <param name="OfferId">The offer, or <see langword="null"/>.</param>
/// <param name="Channel">The channel, or unspecified.</param>
/// <param name="IdempotencyKey">The send's key, or <see langword="null"/>.</param>
/// <param name="CouponCode">The coupon code sent, or <see langword="null"/>.</param>
/// <param name="NotBefore">For a deferral, the first allowed instant.</param>
/// <param name="Attempts">Send attempts made.</param>
/// <param name="Detail">Failure detail (no personal data), or <see langword="null"/>.</param>
/// <param name="Message">The rendered message, or <see langword="null"/>.</param>
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

/// <summary>The result of a campaign run: one outcome per customer in the audience, and counts.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="RunKey">The run key.</param>
/// <param name="Considered">Customers read.</param>
/// <param name="Outcomes">Outcomes of customers in the audience, in input order.</param>
public sealed record CampaignRunResult(string CampaignId, string RunKey, long Considered, IReadOnlyList<DispatchOutcome> Outcomes)
{
    /// <summary>Counts outcomes with a status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The count.</returns>
    public int Count(DispatchStatus status) => Outcomes.Count(o => o.Status == status);

    /// <summary>Counts suppressed outcomes with a reason.</summary>
    /// <param name="reason">The reason.</param>
    /// <returns>The count.</returns>
    public int Count(SuppressionReason reason) => Outcomes.Count(o => o.Reason == reason);
}

/// <summary>
/// Runs a campaign: for each customer of the audience, decide (<see cref="OfferDecisionEngine"/>), issue the coupon, render
/// (<see cref="MessageRenderer"/>) and send through the host's <see cref="IMessageChannel"/>s with idempotency keys, bounded retry with
/// backoff and jitter, per-channel rate limits, cancellation, progress reporting and an outcome per customer.
/// </summary>
/// <remarks>
/// <para>Idempotency: the key of a send is <see cref="IdempotencyKey.Create"/>(campaign, run key, customer, channel). Before sending, the
/// <see cref="ISendLog"/> is consulted; a key recorded as delivered or rejected is never sent again (<see cref="DispatchStatus.AlreadySent"/>),
/// so re-running a run key after a crash or a failure sends only what is missing. Coupon codes are issued once per key
/// (<see cref="CouponLedger.IssueOnce"/>), so a re-sent message shows the same code.</para>
/// <para>Failures: a channel that throws counts as a transient failure (the exception type is recorded, never its message); transient failures
/// are retried up to <see cref="RetryPolicy.MaxAttempts"/> with delays on the <see cref="TimeProvider"/>; a rejection is final. Neither stops
/// the run. A budget reservation is given back when the message is not sent.</para>
/// <para>Customers are processed one at a time in input order; the context of a customer is not used after the next one is read, so a host
/// may reuse one <see cref="CustomerContext"/>. Not safe for concurrent runs on one instance.</para>
/// </remarks>
public sealed class CampaignRunner
{
    private readonly Dictionary<ContactChannel, IMessageChannel> _channels = [];
    private readonly Dictionary<ContactChannel, TokenBucket> _buckets = [];
    private readonly Func<double> _jitter;

    /// <summary>Creates a runner.</summary>
    /// <param name="engine">The decision engine (its budgets are the campaign's).</param>
    /// <param name="renderer">The message renderer.</param>
    /// <param name="channels">The host's channels (one per channel).</param>
    /// <param name="sendLog">The send log.</param>
    /// <param name="coupons">The coupon ledger.</param>
    /// <param name="contactHistory">Receives a contact for every delivered message (use the engine's history so caps see them), or <see langword="null"/>.</param>
    /// <param name="timeProvider">Time for delays and rate limits; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="settings">Settings; <see langword="null"/> for <see cref="DispatchSettings.Default"/>.</param>
    /// <exception cref="ArgumentException">Two channels serve the same channel.</exception>
    public CampaignRunner(
        OfferDecisionEngine engine,
        MessageRenderer renderer,
        IEnumerable<IMessageChannel> channels,
        ISendLog sendLog,
        CouponLedger coupons,
        IContactHistory? contactHistory = null,
        TimeProvider? timeProvider = null,
        DispatchSettings? settings = null)
    {
        Engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Renderer = renderer ?? throw new ArgumentNullException(nameof(renderer));
        SendLog = sendLog ?? throw new ArgumentNullException(nameof(sendLog));
        Coupons = coupons ?? throw new ArgumentNullException(nameof(coupons));
        ContactHistory = contactHistory;
        Time = timeProvider ?? TimeProvider.System;
        Settings = settings ?? DispatchSettings.Default;
        ArgumentNullException.ThrowIfNull(channels);
        foreach (var c in channels)
        {
            if (!_channels.TryAdd(c.Channel, c))
            {
                throw new ArgumentException($"Two senders serve channel '{c.Channel.Value}'.", nameof(channels));
            }
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

    /// <summary>Gets the send log.</summary>
    public ISendLog SendLog { get; }

    /// <summary>Gets the coupon ledger.</summary>
    public CouponLedger Coupons { get; }

    /// <summary>Gets the contact history, or <see langword="null"/>.</summary>
    public IContactHistory? ContactHistory { get; }

    /// <summary>Gets the time provider.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the settings.</summary>
    public DispatchSettings Settings { get; }

    /// <summary>Runs a campaign over customers.</summary>
    /// <param name="campaignId">The campaign id (part of every idempotency key).</param>
    /// <param name="runKey">The run key, such as the run date; re-using it makes a run idempotent.</param>
    /// <param name="audience">Who is targeted.</param>
    /// <param name="customers">The customers, each with its as-of instant (normally now).</param>
    /// <param name="progress">Receives progress (stage <c>"dispatch"</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run between and during sends.</param>
    /// <returns>The outcomes.</returns>
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
        var outcomes = new List<DispatchOutcome>();
        long considered = 0;
        await foreach (var context in customers.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            considered++;
            if (audience.Includes(context))
            {
                outcomes.Add(await ProcessAsync(campaignId, runKey, context, cancellationToken).ConfigureAwait(false));
            }

            if (considered % Settings.ProgressInterval == 0)
            {
                progress?.Report(new OperationProgress("dispatch", considered, null));
            }
        }

        progress?.Report(new OperationProgress("dispatch", considered, considered));
        return new CampaignRunResult(campaignId, runKey, considered, outcomes.AsReadOnly());
    }

    private async Task<DispatchOutcome> ProcessAsync(string campaignId, string runKey, CustomerContext context, CancellationToken ct)
    {
        var profile = context.Profile;
        var id = profile?.Id ?? context.Features?.CustomerId ?? "?";
        var asOf = context.AsOf;
        var decision = Engine.Decide(context);
        var rule = decision.Rule;
        switch (decision.Status)
        {
            case DecisionStatus.NoOffer:
                var reason = Map(decision.Reason);
                return Outcome(reason is SuppressionReason.Ineligible or SuppressionReason.OutsideValidityWindow ? DispatchStatus.NoOffer : DispatchStatus.Suppressed, reason);
            case DecisionStatus.Holdout:
                return Outcome(DispatchStatus.Suppressed, SuppressionReason.Holdout);
        }

        var key = IdempotencyKey.Create(campaignId, runKey, id, decision.Channel);
        if (await SendLog.FindAsync(key, ct).ConfigureAwait(false) is { Status: SendStatus.Delivered or SendStatus.Rejected } done)
        {
            Engine.Release(rule!);
            return Outcome(DispatchStatus.AlreadySent, SuppressionReason.None, key, attempts: done.Attempts);
        }

        if (decision.IsDeferred(asOf))
        {
            Engine.Release(rule!);
            return Outcome(DispatchStatus.Deferred, SuppressionReason.None, key, notBefore: decision.SendAt);
        }

        if (!_channels.TryGetValue(decision.Channel, out var sender))
        {
            Engine.Release(rule!);
            return Outcome(DispatchStatus.Suppressed, SuppressionReason.NoSender, key, detail: $"no sender for channel '{decision.Channel.Value}'");
        }

        var offer = rule!.Offer;
        Coupon? coupon = null;
        OutboundMessage message;
        try
        {
            if (offer.Coupon is not null)
            {
                coupon = Coupons.IssueOnce(key, offer, id, asOf);
            }

            var zone = profile?.TimeZoneId is { } tzId && TimeZoneInfo.TryFindSystemTimeZoneById(tzId, out var z) ? z : Engine.Settings.DefaultTimeZone;
            var neutral = new ChannelMessage(id, rule.TemplateKey, offer, coupon?.Code, coupon?.ValidUntil ?? offer.ValidUntil, profile!.Language, zone, Fields(profile));
            message = Renderer.Render(neutral, decision.Channel, sender.Capabilities);
        }
        catch (TemplateException ex)
        {
            Engine.Release(rule);
            return Outcome(DispatchStatus.Failed, SuppressionReason.None, key, coupon?.Code, detail: "render: " + ex.Message);
        }
        catch (ArgumentException ex)
        {
            Engine.Release(rule);
            return Outcome(DispatchStatus.Failed, SuppressionReason.None, key, detail: "coupon: " + ex.GetType().Name);
        }

        var policy = Settings.Retry ?? RetryPolicy.Default;
        var attempts = 0;
        SendResult result;
        while (true)
        {
            await WaitForTokenAsync(decision.Channel, ct).ConfigureAwait(false);
            attempts++;
            try
            {
                result = await sender.SendAsync(message, key, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A channel that throws is a transient failure by contract; the run must go on.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                result = SendResult.Transient("channel threw " + ex.GetType().Name);
            }

            if (result.Status != SendStatus.TransientFailure || attempts >= policy.MaxAttempts)
            {
                break;
            }

            var delay = policy.DelayAfter(attempts, _jitter());
            if (result.RetryAfter is { } after && after > delay)
            {
                delay = after;
            }

            await Task.Delay(delay, Time, ct).ConfigureAwait(false);
        }

        await SendLog.RecordAsync(new SendLogEntry(key, campaignId, runKey, decision.Channel, result.Status, Time.GetUtcNow(), attempts, result.ProviderMessageId, result.Reason), ct).ConfigureAwait(false);
        if (result.Status == SendStatus.Delivered)
        {
            ContactHistory?.Record(new ContactRecord(id, decision.Channel, rule.Purpose, asOf, campaignId));
            return Outcome(DispatchStatus.Sent, SuppressionReason.None, key, coupon?.Code, attempts: attempts, message: message);
        }

        Engine.Release(rule);
        var detail = (result.Status == SendStatus.Rejected ? "rejected: " : string.Create(CultureInfo.InvariantCulture, $"transient failure after {attempts} attempts: ")) + (result.Reason ?? "no reason given");
        return Outcome(DispatchStatus.Failed, SuppressionReason.None, key, coupon?.Code, attempts: attempts, detail: detail, message: message);

        DispatchOutcome Outcome(DispatchStatus status, SuppressionReason why, string? k = null, string? code = null, DateTimeOffset? notBefore = null, int attempts = 0, string? detail = null, OutboundMessage? message = null) =>
            new(id, status, why, rule?.Id, rule?.Offer.Id, decision.Channel, k, code, notBefore, attempts, detail, message);
    }

    private async ValueTask WaitForTokenAsync(ContactChannel channel, CancellationToken ct)
    {
        if (!_buckets.TryGetValue(channel, out var bucket))
        {
            return;
        }

        while (!bucket.TryTake(out var wait))
        {
            await Task.Delay(wait, Time, ct).ConfigureAwait(false);
        }
    }

    private IReadOnlyDictionary<string, string> Fields(CustomerProfile profile)
    {
        if (Settings.Personalize is { } personalize)
        {
            return personalize(profile);
        }

        var name = profile.Attributes.TryGetValue("name", out var n) && !string.IsNullOrWhiteSpace(n)
            ? n
            : profile.Language is { } l && l.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "亲爱的顾客" : "valued customer";
        return new Dictionary<string, string>(StringComparer.Ordinal) { ["name"] = name };
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
}
