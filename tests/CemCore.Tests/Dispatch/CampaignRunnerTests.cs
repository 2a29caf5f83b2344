using System.Collections.Concurrent;
using CemCore.Channels;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using Microsoft.Extensions.Time.Testing;
using static CemCore.Tests.Personalization.OfferTestData;

namespace CemCore.Tests.Dispatch;

public sealed class CampaignRunnerTests
{
    private readonly FakeTimeProvider _time = new(AsOf);

    /// <summary>A scripted channel: per customer, a queue of results (or exceptions); delivered by default. Idempotent on the key.</summary>
    internal sealed class FakeChannel(ContactChannel channel, TimeProvider time) : IMessageChannel
    {
        public ConcurrentDictionary<string, Queue<Func<SendResult>>> Script { get; } = new(StringComparer.Ordinal);

        public List<(string Key, DateTimeOffset At, OutboundMessage Message)> Calls { get; } = [];

        public HashSet<string> DeliveredKeys { get; } = new(StringComparer.Ordinal);

        public SemaphoreSlim Attempted { get; } = new(0);

        public ContactChannel Channel => channel;

        public ChannelCapabilities Capabilities { get; } = new();

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
        {
            lock (Calls)
            {
                Calls.Add((idempotencyKey, time.GetUtcNow(), message));
            }

            try
            {
                if (Script.TryGetValue(message.CustomerId, out var q) && q.Count > 0)
                {
                    var r = q.Dequeue()();
                    if (r.Status == SendStatus.Delivered)
                    {
                        DeliveredKeys.Add(idempotencyKey);
                    }

                    return ValueTask.FromResult(r);
                }

                DeliveredKeys.Add(idempotencyKey);
                return ValueTask.FromResult(SendResult.Delivered("pm-" + Calls.Count));
            }
            finally
            {
                Attempted.Release();
            }
        }
    }

    private (CampaignRunner Runner, FakeChannel WeChat, InMemorySendLog Log, InMemoryContactHistory History) Create(
        DecisionSettings? decisionSettings = null, DispatchSettings? dispatch = null, ISendLog? log = null, BudgetLimits? budget = null, CouponLedger? coupons = null)
    {
        var history = new InMemoryContactHistory();
        var engine = new OfferDecisionEngine(StandardCampaigns.Create(budget), decisionSettings, history);
        var wechat = new FakeChannel(ContactChannel.WeChat, _time);
        var sendLog = log as InMemorySendLog ?? new InMemorySendLog();
        var runner = new CampaignRunner(engine, new MessageRenderer(StandardTemplates.Create()), [wechat], log ?? sendLog, coupons ?? new CouponLedger(), history, _time, dispatch ?? new DispatchSettings(Jitter: () => 0.5, KeepOutcomes: true));
        return (runner, wechat, sendLog, history);
    }

    private static IAsyncEnumerable<CustomerContext> Customers(int n, string prefix = "W") =>
        Enumerable.Range(0, n).Select(i => Context(Profile(prefix + i, ContactChannel.WeChat)).SetChurnProbability(0.9)).ToAsyncEnumerable();

    [Fact]
    public async Task Run_SendsRenderedMessages_RecordsLogAndContacts()
    {
        var (runner, wechat, log, history) = Create();
        var progress = new List<OperationProgress>();
        var result = await runner.RunAsync("spring", "2026-03-10", CampaignAudience.Everyone, Customers(3), new Progress(progress));
        Assert.Equal(3, result.Count(DispatchStatus.Sent));
        Assert.Equal(3, wechat.Calls.Count);
        Assert.Equal(3, log.Entries.Count);
        Assert.All(result.Outcomes, o =>
        {
            Assert.Equal("winback", o.RuleId);
            Assert.StartsWith("WB", o.CouponCode, StringComparison.Ordinal);
            Assert.Equal(o.CouponCode, o.Message!.Fields["keyword2"]);
        });
        Assert.Equal(1, history.CountContacts("W0", ContactChannel.WeChat, ConsentPurpose.Marketing, AsOf.AddDays(-1), AsOf.AddDays(1)));
        Assert.Equal(new OperationProgress("dispatch", 3, 3), progress[^1]);
    }

    [Fact]
    public async Task Rerun_SameRunKey_NeverSendsTwice()
    {
        var log = new InMemorySendLog();
        var (runner, wechat, _, _) = Create(log: log);
        await runner.RunAsync("spring", "run-1", CampaignAudience.Everyone, Customers(4));

        // "Restart": a new runner, new engine and channel instances, the same durable send log.
        var (restarted, wechat2, _, _) = Create(log: log);
        var again = await restarted.RunAsync("spring", "run-1", CampaignAudience.Everyone, Customers(4));
        Assert.Equal(4, again.Count(DispatchStatus.AlreadySent));
        Assert.Empty(wechat2.Calls);
        Assert.True(restarted.Engine.TryGetBudget(StandardCampaigns.WinBackCampaign, out var budget));
        Assert.Equal(0, budget.Count); // reservations given back

        // A new run key is a new send.
        var next = await restarted.RunAsync("spring", "run-2", CampaignAudience.Everyone, Customers(4));
        Assert.Equal(4, next.Count(DispatchStatus.Sent));
        Assert.Equal(4, wechat.Calls.Count);
    }

    [Fact]
    public async Task Restart_AfterFailures_SendsOnlyWhatIsMissing_WithSameCouponCode()
    {
        var log = new InMemorySendLog();
        var coupons = new CouponLedger();
        var (runner, wechat, _, _) = Create(log: log, coupons: coupons, dispatch: new DispatchSettings(new RetryPolicy(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Jitter: () => 0.5, KeepOutcomes: true));
        wechat.Script["W1"] = new Queue<Func<SendResult>>([() => SendResult.Transient("provider down")]);
        var first = await runner.RunAsync("spring", "run-1", CampaignAudience.Everyone, Customers(3));
        Assert.Equal(2, first.Count(DispatchStatus.Sent));
        var failed = Assert.Single(first.Outcomes, o => o.Status == DispatchStatus.Failed);
        Assert.Equal("W1", failed.CustomerId);

        var (restarted, wechat2, _, _) = Create(log: log, coupons: coupons);
        var second = await restarted.RunAsync("spring", "run-1", CampaignAudience.Everyone, Customers(3));
        Assert.Equal(2, second.Count(DispatchStatus.AlreadySent));
        var resent = Assert.Single(second.Outcomes, o => o.Status == DispatchStatus.Sent);
        Assert.Equal("W1", resent.CustomerId);
        Assert.Equal(failed.CouponCode, resent.CouponCode);
        Assert.Equal(failed.IdempotencyKey, resent.IdempotencyKey);
        Assert.Single(wechat2.Calls);
    }

    [Fact]
    public async Task TransientFailures_RetriedWithExponentialBackoff_OnTimeProvider()
    {
        var (runner, wechat, _, _) = Create(dispatch: new DispatchSettings(new RetryPolicy(4, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)), Jitter: () => 0.5, KeepOutcomes: true));
        wechat.Script["W0"] = new Queue<Func<SendResult>>([() => SendResult.Transient("busy"), () => throw new TimeoutException("W0 timed out"), () => SendResult.Delivered("ok")]);
        var run = runner.RunAsync("spring", "r", CampaignAudience.Everyone, Customers(1));
        Assert.True(await wechat.Attempted.WaitAsync(TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await wechat.Attempted.WaitAsync(TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(4));
        var result = await run;
        var o = Assert.Single(result.Outcomes);
        Assert.Equal((DispatchStatus.Sent, 3), (o.Status, o.Attempts));
        Assert.Equal([AsOf, AsOf.AddSeconds(2), AsOf.AddSeconds(6)], wechat.Calls.Select(c => c.At));
        Assert.All(wechat.Calls, c => Assert.Equal(o.IdempotencyKey, c.Key));
    }

    [Fact]
    public async Task ChannelThatAlwaysThrows_IsCountedAndReported_RunContinues_NoPersonalDataInDetail()
    {
        var (runner, wechat, log, _) = Create(dispatch: new DispatchSettings(new RetryPolicy(2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Jitter: () => 0.5, KeepOutcomes: true));
        wechat.Script["W0"] = new Queue<Func<SendResult>>([() => throw new InvalidOperationException("customer W0 phone 138..."), () => throw new InvalidOperationException("customer W0")]);
        var run = runner.RunAsync("spring", "r", CampaignAudience.Everyone, Customers(2));
        Assert.True(await wechat.Attempted.WaitAsync(TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await run;
        var failed = result.Outcomes[0];
        Assert.Equal((DispatchStatus.Failed, 2), (failed.Status, failed.Attempts));
        Assert.Contains("InvalidOperationException", failed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("W0", failed.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("138", failed.Detail, StringComparison.Ordinal);
        Assert.Equal(DispatchStatus.Sent, result.Outcomes[1].Status);
        Assert.Equal(SendLogState.Failed, log.Entries.Single(e => e.IdempotencyKey == failed.IdempotencyKey).State);
        Assert.True(runner.Engine.TryGetBudget(StandardCampaigns.WinBackCampaign, out var budget));
        Assert.Equal(1, budget.Count); // the failed send's reservation was given back
    }

    [Fact]
    public async Task Rejection_IsFinal_NotRetried()
    {
        var (runner, wechat, _, _) = Create();
        wechat.Script["W0"] = new Queue<Func<SendResult>>([() => SendResult.Rejected("blocked")]);
        var result = await runner.RunAsync("spring", "r", CampaignAudience.Everyone, Customers(1));
        var o = Assert.Single(result.Outcomes);
        Assert.Equal((DispatchStatus.Rejected, 1), (o.Status, o.Attempts));
        Assert.StartsWith("rejected: blocked", o.Detail, StringComparison.Ordinal);
        var again = await runner.RunAsync("spring", "r", CampaignAudience.Everyone, Customers(1));
        Assert.Equal(DispatchStatus.Rejected, again.Outcomes[0].Status); // stays rejected, reported as rejected
        Assert.StartsWith("rejected: blocked", again.Outcomes[0].Detail, StringComparison.Ordinal);
        Assert.Single(wechat.Calls);
    }

    [Fact]
    public async Task RateLimit_TokenBucketOnTimeProvider_SpacesSends()
    {
        var (runner, wechat, _, _) = Create(dispatch: new DispatchSettings(RateLimits: new Dictionary<ContactChannel, RateLimit> { [ContactChannel.WeChat] = new(1.0, 1) }, Jitter: () => 0.5, KeepOutcomes: true));
        var run = runner.RunAsync("spring", "r", CampaignAudience.Everyone, Customers(3));
        Assert.True(await wechat.Attempted.WaitAsync(TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await wechat.Attempted.WaitAsync(TimeSpan.FromSeconds(30)));
        _time.Advance(TimeSpan.FromSeconds(1));
        var result = await run;
        Assert.Equal(3, result.Count(DispatchStatus.Sent));
        Assert.Equal([AsOf, AsOf.AddSeconds(1), AsOf.AddSeconds(2)], wechat.Calls.Select(c => c.At));
    }

    [Fact]
    public async Task Cancellation_StopsTheRun()
    {
        var (runner, wechat, _, _) = Create(dispatch: new DispatchSettings(RateLimits: new Dictionary<ContactChannel, RateLimit> { [ContactChannel.WeChat] = new(0.001, 1) }, KeepOutcomes: true));
        using var cts = new CancellationTokenSource();
        var run = runner.RunAsync("spring", "r", CampaignAudience.Everyone, Customers(3), cancellationToken: cts.Token);
        Assert.True(await wechat.Attempted.WaitAsync(TimeSpan.FromSeconds(30)));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Single(wechat.Calls);
    }

    [Fact]
    public async Task Outcomes_SuppressedDeferredNoOffer_WithReasons()
    {
        var holdout = new HoldoutGroup(0.5, "h");
        var (runner, _, _, _) = Create(decisionSettings: new DecisionSettings(quietHours: new QuietHours(new TimeOnly(21, 0), new TimeOnly(9, 0)), holdout: holdout));
        var inHoldout = Enumerable.Range(0, 100).Select(i => "HO" + i).First(holdout.Contains);
        var notHeld = Enumerable.Range(0, 100).Select(i => "X" + i).Where(id => !holdout.Contains(id)).ToArray();
        var late = new DateTimeOffset(2026, 3, 10, 15, 0, 0, TimeSpan.Zero); // 23:00 Shanghai
        CustomerContext[] customers =
        [
            Context(Profile(notHeld[0], consents: [])).SetChurnProbability(0.9),
            Context(Profile(inHoldout)).SetChurnProbability(0.9),
            Context(Profile(notHeld[1], ContactChannel.Sms)).SetChurnProbability(0.9).SetLifecycleStage(null),
            Context(Profile(notHeld[2]), late).SetChurnProbability(0.9),
            Context(Profile(notHeld[3])),
        ];
        var result = await runner.RunAsync("spring", "r", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
        Assert.Equal((DispatchStatus.Suppressed, SuppressionReason.NoConsent), (result.Outcomes[0].Status, result.Outcomes[0].Reason));
        Assert.Equal((DispatchStatus.Suppressed, SuppressionReason.Holdout), (result.Outcomes[1].Status, result.Outcomes[1].Reason));
        Assert.Equal((DispatchStatus.Suppressed, SuppressionReason.NoSender), (result.Outcomes[2].Status, result.Outcomes[2].Reason));
        Assert.Equal(DispatchStatus.Deferred, result.Outcomes[3].Status);
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 1, 0, 0, TimeSpan.Zero), result.Outcomes[3].NotBefore!.Value.ToUniversalTime());
        Assert.Equal((DispatchStatus.NoOffer, SuppressionReason.Ineligible), (result.Outcomes[4].Status, result.Outcomes[4].Reason));
    }

    [Fact]
    public async Task Audience_FiltersByCondition()
    {
        var (runner, _, _, _) = Create();
        var audience = CampaignAudience.Where(ConditionSet.Empty.Compile(Condition.Field("churn.probability").AtLeast(0.95)));
        CustomerContext[] customers = [Context("A1").SetChurnProbability(0.9), Context("A2").SetChurnProbability(0.97)];
        var result = await runner.RunAsync("spring", "r", audience, customers.ToAsyncEnumerable());
        Assert.Equal(2, result.Considered);
        Assert.Equal("A2", Assert.Single(result.Outcomes).CustomerId);
    }

    [Fact]
    public void IdempotencyKey_IsStable_AndHidesCustomerId_ChannelNotPartOfIt()
    {
        var k = IdempotencyKey.Create("spring", "2026-03-10", "C42");
        Assert.NotEqual(k, IdempotencyKey.Create("spring", "2026-03-11", "C42"));
        Assert.NotEqual(k, IdempotencyKey.Create("spring", "2026-03-10", "C43"));
        Assert.DoesNotContain("C42", k, StringComparison.Ordinal);
        Assert.Equal(37, k.Length);

        // SHA-256("spring\n2026-03-10\nC42") computed independently with .NET's SHA256.HashData; first 16 bytes.
        var expected = "cem2-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("spring\n2026-03-10\nC42"u8)[..16]);
        Assert.Equal(expected, k);
    }

    [Fact]
    public void RetryPolicy_DelaysDoubleAndCap_JitterBounded()
    {
        var p = new RetryPolicy(10, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30), 0.2);
        Assert.Equal(TimeSpan.FromSeconds(2), p.DelayAfter(1, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(4), p.DelayAfter(2, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(30), p.DelayAfter(9, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(1.6), p.DelayAfter(1, 0.0));
        Assert.Equal(TimeSpan.FromSeconds(2.4), p.DelayAfter(1, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetryPolicy(3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), double.NaN));
    }

    [Fact]
    public void DispatchSettings_With_KeepsEverySetting_AndStillValidatesMaxParallelism()
    {
        var d = new DispatchSettings(ProgressInterval: 7, MaxParallelism: 8, MaxParallelPerChannel: 3, Lease: TimeSpan.FromMinutes(2), Owner: "runner-a")
        {
            MaxRateLimitWait = TimeSpan.FromSeconds(4),
        };
        var one = d with { MaxParallelism = 1, KeepOutcomes = true };
        Assert.Equal(1, one.MaxParallelism);
        Assert.True(one.KeepOutcomes);
        Assert.Equal((7, 3, TimeSpan.FromMinutes(2), "runner-a", TimeSpan.FromSeconds(4)), (one.ProgressInterval, one.MaxParallelPerChannel, one.Lease, one.Owner, one.MaxRateLimitWait));
        Assert.Throws<ArgumentOutOfRangeException>(() => d with { MaxParallelism = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => d with { MaxParallelism = 1025 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new DispatchSettings(MaxParallelism: 0));
    }

    private sealed class Progress(List<OperationProgress> sink) : IProgress<OperationProgress>
    {
        public void Report(OperationProgress value) => sink.Add(value);
    }
}
