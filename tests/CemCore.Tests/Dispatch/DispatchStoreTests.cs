using System.Collections.Concurrent;
using CemCore.Channels;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Samples.Sqlite;
using CemCore.Samples.Sqlite.Dispatch;
using Microsoft.Extensions.Time.Testing;
using static CemCore.Tests.Personalization.OfferTestData;

namespace CemCore.Tests.Dispatch;

/// <summary>
/// Exactly-once dispatch on shared stores, run against both the in-memory stores of the library and the SQLite stores of the sample:
/// concurrent runners, crash/restart at each step, caps and budgets that are never exceeded, send-time checks.
/// </summary>
public sealed class DispatchStoreTests : IDisposable
{
    private readonly List<string> _files = [];

    public static TheoryData<string> Kinds => ["memory", "sqlite"];

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in _files)
        {
            foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
            {
                File.Delete(f + suffix);
            }
        }
    }

    /// <summary>A provider that is idempotent on the key (like WeChat's or an outbox with a unique key) and counts real messages.</summary>
    internal sealed class CountingChannel(ContactChannel channel, Func<OutboundMessage, string, SendResult?>? script = null) : IMessageChannel
    {
        public ConcurrentDictionary<string, string> MessagesByKey { get; } = new(StringComparer.Ordinal);

        public ConcurrentDictionary<string, int> MessagesByCustomer { get; } = new(StringComparer.Ordinal);

        /// <summary>The rendered body and field values of the first message per key (where a coupon code appears).</summary>
        public ConcurrentDictionary<string, string> TextByKey { get; } = new(StringComparer.Ordinal);

        public int Calls => _calls;

        private int _calls;

        public ContactChannel Channel => channel;

        public ChannelCapabilities Capabilities { get; } = new();

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            if (script?.Invoke(message, idempotencyKey) is { } scripted)
            {
                return ValueTask.FromResult(scripted);
            }

            if (MessagesByKey.TryAdd(idempotencyKey, message.CustomerId))
            {
                MessagesByCustomer.AddOrUpdate(message.CustomerId, 1, (_, n) => n + 1);
                TextByKey[idempotencyKey] = message.Body + " " + string.Join(' ', message.Fields.Values);
            }

            return ValueTask.FromResult(SendResult.Delivered("pm-" + idempotencyKey));
        }
    }

    internal sealed class CrashException : Exception
    {
        public CrashException()
            : base("simulated kill")
        {
        }
    }

    /// <summary>Wraps a send log and "kills" the runner (throws an exception the runner does not catch) at one step, once.</summary>
    internal sealed class CrashingSendLog(ISendLog inner, string step, int onCall) : ISendLog
    {
        private int _claims;
        private int _completes;

        public ValueTask<SendLogEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default) => inner.FindAsync(idempotencyKey, cancellationToken);

        public async ValueTask<SendClaim> TryClaimAsync(SendClaimRequest request, CancellationToken cancellationToken = default)
        {
            var claim = await inner.TryClaimAsync(request, cancellationToken);
            if (step == "after-claim" && Interlocked.Increment(ref _claims) == onCall)
            {
                throw new CrashException();
            }

            return claim;
        }

        public async ValueTask<bool> CompleteAsync(string idempotencyKey, string owner, SendLogState state, DateTimeOffset at, int attempts, string? providerMessageId = null, string? reason = null)
        {
            var n = Interlocked.Increment(ref _completes);
            if (step == "after-acceptance" && n == onCall)
            {
                throw new CrashException(); // the provider accepted; the record is never written
            }

            var done = await inner.CompleteAsync(idempotencyKey, owner, state, at, attempts, providerMessageId, reason);
            if (step == "after-record" && n == onCall)
            {
                throw new CrashException();
            }

            return done;
        }

        public ValueTask ReleaseAsync(string idempotencyKey, string owner, DateTimeOffset at) => inner.ReleaseAsync(idempotencyKey, owner, at);
    }

    /// <summary>
    /// The coupons behind the delivered messages equal a sequential replay's: one code per send key (asking the store again with the
    /// key gives the code the message carried, so no runner, retry or restart issued a second one) and a different code per customer.
    /// </summary>
    private static async Task AssertOneWinBackCouponPerKey(DispatchStores stores, CountingChannel channel)
    {
        var offer = StandardCampaigns.Offers().Single(o => o.Id == "winback20");
        var codes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, customer) in channel.MessagesByKey)
        {
            var found = System.Text.RegularExpressions.Regex.Matches(channel.TextByKey[key], @"\bWB[0-9A-Z]{4,}\b").Select(m => m.Value).Distinct().ToArray();
            var code = Assert.Single(found);
            var stored = await stores.Coupons.IssueOnceCodeAsync(key, offer, customer, AsOf.AddDays(30));
            Assert.Equal(stored.Code, code);
            Assert.True(codes.Add(code), "a coupon code was sent to two customers");
        }
    }

    private DispatchStores NewStores(string kind)
    {
        if (kind == "memory")
        {
            return new DispatchStores(new InMemorySendLog(), new CouponLedger())
            {
                Caps = new InMemoryFrequencyCapStore(),
                Budgets = new InMemoryBudgetStore(),
                Consent = new InMemoryConsentStore(),
                Suppression = new InMemorySuppressionList(),
                Schedule = new InMemorySendSchedule(),
            };
        }

        var path = Path.Combine(Path.GetTempPath(), "cemcore-dispatch-" + Guid.NewGuid().ToString("N") + ".db");
        _files.Add(path);
        return new SqliteDispatchStores(new SqliteDatabase(path)).ToDispatchStores();
    }

    private static CampaignRunner Runner(DispatchStores stores, IMessageChannel[] channels, TimeProvider time, BudgetLimits? budget = null, DecisionSettings? decision = null, DispatchSettings? settings = null)
    {
        var engine = new OfferDecisionEngine(StandardCampaigns.Create(budget), decision ?? new DecisionSettings(reserveBudget: false), decision?.Caps.Count > 0 ? stores.Caps : null);
        return new CampaignRunner(engine, new MessageRenderer(StandardTemplates.Create()), channels, stores, time, settings ?? new DispatchSettings(Jitter: () => 0.5, MaxParallelism: 4));
    }

    private static CustomerContext[] Customers(int n, string prefix = "W", DateTimeOffset? asOf = null) =>
        [.. Enumerable.Range(0, n).Select(i => Context(Profile(prefix + i, ContactChannel.WeChat), asOf).SetChurnProbability(0.9))];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ConcurrentRunners_SameCampaignAndRun_EachCustomerExactlyOnce_BudgetNeverExceeded(string kind)
    {
        var stores = NewStores(kind);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var customers = Customers(60);
        var budget = new BudgetLimits(MaxCount: 45);
        var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() =>
            Runner(stores, [wechat], TimeProvider.System, budget).RunAsync("spring", "run-1", CampaignAudience.Everyone, customers.ToAsyncEnumerable()))));

        // The budget admits 45 of 60: exactly 45 customers get exactly one message, never a second one, whichever runner sent it.
        Assert.Equal(45, wechat.MessagesByKey.Count);
        Assert.All(wechat.MessagesByCustomer.Values, n => Assert.Equal(1, n));
        Assert.Equal(45, wechat.Calls); // claim-before-send: no runner even tried a key another one held
        Assert.Equal(45, runs.Sum(r => r.Count(DispatchStatus.Sent)));
        Assert.Equal(new BudgetUsage(45, 360m), await stores.Budgets!.GetUsageAsync(StandardCampaigns.WinBackCampaign)); // 45 × 8.00
        Assert.All(runs, r => Assert.Equal(60, r.Decided));
        Assert.All(runs, r => Assert.Equal(0, r.Count(DispatchStatus.InFlightElsewhere)));
        await AssertOneWinBackCouponPerKey(stores, wechat);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ConcurrentCampaigns_SharedCap_NeverExceeded_SameInstantCounts(string kind)
    {
        var stores = NewStores(kind);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var customers = Customers(40);
        var decision = new DecisionSettings(caps: [new FrequencyCap(1, TimeSpan.FromDays(7))], reserveBudget: false);

        // Two campaigns at the same as-of instant, concurrently, with a 1-per-week cap: each customer is contacted once in all.
        Task<CampaignRunResult> Run(string campaign) => Task.Run(() =>
            Runner(stores, [wechat], TimeProvider.System, decision: decision).RunAsync(campaign, "2026-03-10", CampaignAudience.Everyone, customers.ToAsyncEnumerable()));
        await Task.WhenAll(Run("spring"), Run("summer"));
        Assert.Equal(40, wechat.MessagesByKey.Count);
        Assert.All(wechat.MessagesByCustomer.Values, n => Assert.Equal(1, n));

        // A third campaign at the same instant sees the contacts made at that instant (closed window): nobody is sent.
        var third = await Runner(stores, [wechat], TimeProvider.System, decision: decision).RunAsync("autumn", "2026-03-10", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
        Assert.Equal(0, third.Count(DispatchStatus.Sent));
        Assert.Equal(40, third.Count(SuppressionReason.Capped));
    }

    [Theory]
    [InlineData("memory", "after-claim")]
    [InlineData("memory", "after-acceptance")]
    [InlineData("memory", "after-record")]
    [InlineData("sqlite", "after-claim")]
    [InlineData("sqlite", "after-acceptance")]
    [InlineData("sqlite", "after-record")]
    public async Task RunnerKilledAtEachStep_Restarted_NothingTwice_NothingLost(string kind, string step)
    {
        var stores = NewStores(kind);
        var time = new FakeTimeProvider(AsOf);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var customers = Customers(8);
        var settings = new DispatchSettings(Jitter: () => 0.5, Lease: TimeSpan.FromMinutes(1));
        var crashing = stores with { SendLog = new CrashingSendLog(stores.SendLog, step, onCall: 4) };
        await Assert.ThrowsAsync<CrashException>(() => Runner(crashing, [wechat], time, settings: settings).RunAsync("spring", "run-1", CampaignAudience.Everyone, customers.ToAsyncEnumerable()));
        Assert.Equal(step == "after-claim" ? 3 : 4, wechat.MessagesByKey.Count);

        // Restart after the dead runner's lease has ended: a new runner (new owner) completes the run.
        time.Advance(TimeSpan.FromMinutes(2));
        var restarted = await Runner(stores, [wechat], time, settings: settings).RunAsync("spring", "run-1", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
        Assert.Equal(8, wechat.MessagesByKey.Count);
        Assert.All(wechat.MessagesByCustomer.Values, n => Assert.Equal(1, n));
        Assert.Equal(8, restarted.Count(DispatchStatus.Sent) + restarted.Count(DispatchStatus.AlreadySent));
        Assert.Equal(step == "after-record" ? 4 : 3, restarted.Count(DispatchStatus.AlreadySent));
        foreach (var c in customers)
        {
            var entry = await stores.SendLog.FindAsync(IdempotencyKey.Create("spring", "run-1", c.Profile!.Id));
            Assert.Equal(SendLogState.Delivered, entry!.State);
        }

        // And a third run changes nothing.
        var again = await Runner(stores, [wechat], time, settings: settings).RunAsync("spring", "run-1", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
        Assert.Equal(8, again.Count(DispatchStatus.AlreadySent));
        Assert.Equal(8, wechat.MessagesByKey.Count);
        await AssertOneWinBackCouponPerKey(stores, wechat);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Rerun_WhoseCapWouldPickAnotherChannel_NeverAddsASecondChannel(string kind)
    {
        var stores = NewStores(kind);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var sms = new CountingChannel(ContactChannel.Sms);
        var decision = new DecisionSettings(caps: [new FrequencyCap(1, TimeSpan.FromDays(7), ContactChannel.WeChat)], reserveBudget: false);
        CustomerContext[] Make() => [.. Enumerable.Range(0, 3).Select(i => Context(Profile("X" + i, ContactChannel.WeChat)).SetChurnProbability(0.9))];
        var first = await Runner(stores, [wechat, sms], TimeProvider.System, decision: decision).RunAsync("spring", "run-1", CampaignAudience.Everyone, Make().ToAsyncEnumerable());
        Assert.Equal(3, first.Count(DispatchStatus.Sent));

        // The re-run's engine sees the WeChat contacts and would choose SMS; the key has no channel, so the send is found and not repeated.
        var again = await Runner(stores, [wechat, sms], TimeProvider.System, decision: decision, settings: new DispatchSettings(KeepOutcomes: true)).RunAsync("spring", "run-1", CampaignAudience.Everyone, Make().ToAsyncEnumerable());
        Assert.Equal(3, again.Count(DispatchStatus.AlreadySent));
        Assert.All(again.Outcomes, o => Assert.Equal(ContactChannel.WeChat, o.Channel));
        Assert.Empty(sms.MessagesByKey);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Budget_RerunAndNextDay_SpendTheSharedBudgetOnce(string kind)
    {
        var stores = NewStores(kind);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var budget = new BudgetLimits(MaxCount: 3);
        var customers = Customers(5);
        var day1 = await Runner(stores, [wechat], TimeProvider.System, budget).RunAsync("spring", "2026-03-10", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
        var rerun = await Runner(stores, [wechat], TimeProvider.System, budget).RunAsync("spring", "2026-03-10", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
        var day2 = await Runner(stores, [wechat], TimeProvider.System, budget).RunAsync("spring", "2026-03-11", CampaignAudience.Everyone, Customers(5, asOf: AsOf.AddDays(1)).ToAsyncEnumerable());
        Assert.Equal((3, 2), (day1.Count(DispatchStatus.Sent), day1.Count(SuppressionReason.BudgetExhausted)));
        Assert.Equal((3, 2), (rerun.Count(DispatchStatus.AlreadySent), rerun.Count(SuppressionReason.BudgetExhausted)));
        Assert.Equal((0, 5), (day2.Count(DispatchStatus.Sent), day2.Count(SuppressionReason.BudgetExhausted)));
        Assert.Equal(3, wechat.MessagesByKey.Count);
        Assert.Equal(3, (await stores.Budgets!.GetUsageAsync(StandardCampaigns.WinBackCampaign)).Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task CancelledAfterProviderAcceptance_OutcomeStillRecorded(string kind)
    {
        var stores = NewStores(kind);
        using var cts = new CancellationTokenSource();
        var wechat = new CountingChannel(ContactChannel.WeChat, (_, _) =>
        {
            cts.Cancel(); // the host shuts down while the provider is accepting the first message
            return null;
        });
        var run = Runner(stores, [wechat], TimeProvider.System, settings: new DispatchSettings(Jitter: () => 0.5)).RunAsync("spring", "r", CampaignAudience.Everyone, Customers(3).ToAsyncEnumerable(), cancellationToken: cts.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var key = Assert.Single(wechat.MessagesByKey.Keys);
        Assert.Equal(SendLogState.Delivered, (await stores.SendLog.FindAsync(key))!.State);

        var restart = await Runner(stores, [wechat], TimeProvider.System).RunAsync("spring", "r", CampaignAudience.Everyone, Customers(3).ToAsyncEnumerable());
        Assert.Equal((1, 2), (restart.Count(DispatchStatus.AlreadySent), restart.Count(DispatchStatus.Sent)));
        Assert.Equal(3, wechat.MessagesByKey.Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task LongRetryAfter_IsDeferredToTheSchedule_AndRecheckedWhenDue(string kind)
    {
        var stores = NewStores(kind);
        var time = new FakeTimeProvider(AsOf);
        var throttled = true;
        var wechat = new CountingChannel(ContactChannel.WeChat, (_, _) => throttled ? SendResult.Transient("throttled", TimeSpan.FromHours(2)) : null);
        var settings = new DispatchSettings(new RetryPolicy(4, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)), Jitter: () => 0.5, KeepOutcomes: true);
        var quiet = new DecisionSettings(quietHours: new QuietHours(new TimeOnly(21, 0), new TimeOnly(9, 0)), reserveBudget: false);
        var customers = Customers(2);
        var first = await Runner(stores, [wechat], time, decision: quiet, settings: settings).RunAsync("spring", "r", CampaignAudience.Everyone, customers.ToAsyncEnumerable());

        // A 2 h Retry-After is beyond the policy's 1 min cap: not waited for, deferred to the schedule.
        Assert.Equal(2, first.Count(DispatchStatus.Deferred));
        Assert.Equal(AsOf.AddHours(2), first.Outcomes[0].NotBefore);

        // W0 revokes marketing consent on WeChat meanwhile (an inbound "TD").
        await stores.Consent!.RecordAsync("W0", new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Revoked, AsOf.AddHours(1)));
        throttled = false;

        // Not due yet at +1 h: nothing is taken.
        time.Advance(TimeSpan.FromHours(1));
        var early = await Runner(stores, [wechat], time, decision: quiet, settings: settings).RunDueAsync("spring", Lookup(customers));
        Assert.Empty(early.Outcomes);

        // Due at +2 h (12:00 in Shanghai, outside quiet hours): W0 is suppressed by the revocation, W1 is sent, the schedule is empty.
        time.Advance(TimeSpan.FromHours(1));
        var due = await Runner(stores, [wechat], time, decision: quiet, settings: settings).RunDueAsync("spring", Lookup(customers));
        var w0 = Assert.Single(due.Outcomes, o => o.CustomerId == "W0");
        Assert.Equal((DispatchStatus.Suppressed, SuppressionReason.NoConsent), (w0.Status, w0.Reason));
        Assert.Equal(DispatchStatus.Sent, Assert.Single(due.Outcomes, o => o.CustomerId == "W1").Status);
        Assert.Empty(await stores.Schedule!.TakeDueAsync(AsOf.AddDays(30), 10, TimeSpan.FromMinutes(1)));
        Assert.Equal("W1", Assert.Single(wechat.MessagesByKey.Values));
        Assert.Equal(SendLogState.Delivered, (await stores.SendLog.FindAsync(IdempotencyKey.Create("spring", "r", "W1")))!.State);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task InboundOptOut_ReplyTD_AndWeChatUnsubscribe_AreHonouredByTheNextSend(string kind)
    {
        var stores = NewStores(kind);
        var time = new FakeTimeProvider(AsOf);
        var handler = new InboundOptOutHandler(stores.Consent!, stores.Suppression);

        // W0 replies "TD" to an earlier message; W1 leaves the official account (WeChat unsubscribe event); W2 replies something else.
        var td = await handler.HandleAsync(new InboundMessage("W0", ContactChannel.WeChat, InboundKind.Text, " TD ", AsOf.AddMinutes(-5)));
        var left = await handler.HandleAsync(new InboundMessage("W1", ContactChannel.WeChat, InboundKind.UnsubscribeEvent, null, AsOf.AddMinutes(-5)));
        var chat = await handler.HandleAsync(new InboundMessage("W2", ContactChannel.WeChat, InboundKind.Text, "Stop sending the wrong size?", AsOf.AddMinutes(-5)));
        Assert.Equal((true, "TD"), (td.OptedOut, td.Keyword));
        Assert.Equal([ConsentPurpose.Marketing, ConsentPurpose.Survey], td.Purposes);
        Assert.Equal((true, 3), (left.OptedOut, left.Purposes.Count));
        Assert.False(chat.OptedOut);
        Assert.Equal(ConsentStatus.Revoked, await stores.Consent!.GetStatusAsync("W0", ContactChannel.WeChat, ConsentPurpose.Marketing, AsOf));
        Assert.Null(await stores.Consent!.GetStatusAsync("W0", ContactChannel.WeChat, ConsentPurpose.Service, AsOf)); // service stays allowed
        Assert.True(await stores.Suppression!.IsSuppressedAsync("W1", ContactChannel.WeChat, AsOf));

        var wechat = new CountingChannel(ContactChannel.WeChat);
        var result = await Runner(stores, [wechat], time, settings: new DispatchSettings(Jitter: () => 0.5, KeepOutcomes: true))
            .RunAsync("spring", "r", CampaignAudience.Everyone, Customers(3).ToAsyncEnumerable());
        Assert.Equal((DispatchStatus.Suppressed, SuppressionReason.NoConsent), (result.Outcomes.Single(o => o.CustomerId == "W0").Status, result.Outcomes.Single(o => o.CustomerId == "W0").Reason));
        Assert.Equal(DispatchStatus.Suppressed, result.Outcomes.Single(o => o.CustomerId == "W1").Status);
        Assert.Equal("W2", Assert.Single(wechat.MessagesByKey.Values));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task InboundOptOuts_TwoConcurrentWorkers_AndACrashAtEachWrite_EndAsASequentialReplay(string kind)
    {
        // 40 inbound messages (opt-out replies, chat, WeChat unsubscribe events), each delivered twice (provider retries).
        InboundMessage Message(int i) => new("W" + (i % 20), ContactChannel.WeChat, i % 7 == 0 ? InboundKind.UnsubscribeEvent : InboundKind.Text,
            i % 3 == 0 ? "hello" : "TD", AsOf.AddMinutes(i));
        var inbox = Enumerable.Range(0, 40).SelectMany(i => new[] { Message(i), Message(i) }).ToArray();

        async Task<string> Snapshot(DispatchStores s)
        {
            var sb = new System.Text.StringBuilder();
            for (var c = 0; c < 20; c++)
            {
                foreach (var purpose in new[] { ConsentPurpose.Marketing, ConsentPurpose.Survey, ConsentPurpose.Service })
                {
                    sb.Append(await s.Consent!.GetStatusAsync("W" + c, ContactChannel.WeChat, purpose, AsOf.AddDays(1))).Append(',');
                }

                sb.Append(await s.Suppression!.IsSuppressedAsync("W" + c, ContactChannel.WeChat, AsOf.AddDays(1))).Append(';');
            }

            return sb.ToString();
        }

        // The sequential replay: one worker, in order, on in-memory stores.
        var replay = NewStores("memory");
        var sequential = new InboundOptOutHandler(replay.Consent!, replay.Suppression);
        foreach (var m in inbox)
        {
            await sequential.HandleAsync(m);
        }

        var expected = await Snapshot(replay);
        Assert.Contains("Revoked", expected, StringComparison.Ordinal);

        // Two concurrent workers sharing one store, each taking every other message.
        var shared = NewStores(kind);
        await Task.WhenAll(Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var handler = new InboundOptOutHandler(shared.Consent!, shared.Suppression);
            for (var i = w; i < inbox.Length; i += 2)
            {
                await handler.HandleAsync(inbox[i]);
            }
        })));
        Assert.Equal(expected, await Snapshot(shared));

        // A worker killed at each write (consent or suppression) and re-run on the whole inbox: the same end state.
        for (var crashAt = 1; crashAt <= 6; crashAt++)
        {
            var stores = NewStores(kind);
            var crashing = new CrashingConsent(stores.Consent!, crashAt);
            await Assert.ThrowsAsync<CrashException>(async () =>
            {
                var handler = new InboundOptOutHandler(crashing, stores.Suppression);
                foreach (var m in inbox)
                {
                    await handler.HandleAsync(m);
                }
            });
            var restarted = new InboundOptOutHandler(stores.Consent!, stores.Suppression);
            foreach (var m in inbox)
            {
                await restarted.HandleAsync(m);
            }

            Assert.Equal(expected, await Snapshot(stores));
        }
    }

    private sealed class CrashingConsent(IConsentStore inner, int crashAt) : IConsentStore
    {
        private int _writes;

        public ValueTask<ConsentStatus?> GetStatusAsync(string customerId, ContactChannel channel, ConsentPurpose purpose, DateTimeOffset at, CancellationToken cancellationToken = default) =>
            inner.GetStatusAsync(customerId, channel, purpose, at, cancellationToken);

        public ValueTask RecordAsync(string customerId, ConsentRecord record, CancellationToken cancellationToken = default) =>
            ++_writes == crashAt ? throw new CrashException() : inner.RecordAsync(customerId, record, cancellationToken);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task SuppressionList_CheckedAtSendTime_GlobalAndPerChannel(string kind)
    {
        var stores = NewStores(kind);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        await stores.Suppression!.AddAsync(new SuppressionEntry("W0", null, AsOf.AddDays(-1), "complaint"));
        await stores.Suppression.AddAsync(new SuppressionEntry("W1", ContactChannel.WeChat, AsOf.AddDays(-1), "hard-bounce"));
        await stores.Suppression.AddAsync(new SuppressionEntry("W2", ContactChannel.Sms, AsOf.AddDays(-1), "hard-bounce"));
        await stores.Suppression.AddAsync(new SuppressionEntry("W3", null, AsOf.AddDays(1), "legal")); // not yet in effect
        var result = await Runner(stores, [wechat], TimeProvider.System).RunAsync("spring", "r", CampaignAudience.Everyone, Customers(4).ToAsyncEnumerable());
        Assert.Equal(2, result.Count(SuppressionReason.SuppressionList));
        Assert.Equal(["W2", "W3"], wechat.MessagesByKey.Values.Order(StringComparer.Ordinal));

        // A suppressed send was released, not recorded: lifting the suppression is not needed for the others, and nothing is final for W0.
        Assert.Equal(SendLogState.Released, (await stores.SendLog.FindAsync(IdempotencyKey.Create("spring", "r", "W0")))!.State);
    }

    [Fact]
    public void SendLogRules_ClaimTransitions()
    {
        var now = AsOf;
        var request = new SendClaimRequest("k", "c", "r", ContactChannel.Sms, "A", now, TimeSpan.FromMinutes(1));
        var fresh = SendLogRules.Decide(null, request);
        Assert.Equal((SendClaimStatus.Claimed, SendLogState.Claimed, "A", now.AddMinutes(1)), (fresh.Status, fresh.Entry.State, fresh.Entry.Owner, fresh.Entry.LeaseUntil));
        var other = request with { Owner = "B", Channel = ContactChannel.WeChat };
        Assert.Equal(SendClaimStatus.HeldByOther, SendLogRules.Decide(fresh.Entry, other).Status);
        var expired = SendLogRules.Decide(fresh.Entry, other with { Now = now.AddMinutes(1) });
        Assert.Equal((SendClaimStatus.TakenOver, "B"), (expired.Status, expired.Entry.Owner));
        Assert.Equal(ContactChannel.Sms, expired.Entry.Channel); // the first claim's channel is kept
        Assert.Equal(SendClaimStatus.Claimed, SendLogRules.Decide(fresh.Entry, request with { Now = now.AddSeconds(5) }).Status);
        foreach (var final in new[] { SendLogState.Delivered, SendLogState.Rejected })
        {
            Assert.Equal(SendClaimStatus.Final, SendLogRules.Decide(fresh.Entry with { State = final }, other with { Now = now.AddDays(1) }).Status);
        }

        foreach (var open in new[] { SendLogState.Failed, SendLogState.Released })
        {
            Assert.Equal(SendClaimStatus.TakenOver, SendLogRules.Decide(fresh.Entry with { State = open }, other).Status);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => SendLogRules.CheckCompletion(SendLogState.Claimed));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SendClaimRequest("k", "c", "r", ContactChannel.Sms, "A", now, TimeSpan.Zero));
    }

    /// <summary>The same stores after a restart: the in-memory ones survive in the process; the SQLite ones are opened again from the file.</summary>
    private DispatchStores Reopen(string kind, DispatchStores stores) =>
        kind == "memory" ? stores : new SqliteDispatchStores(new SqliteDatabase(_files[^1])).ToDispatchStores();

    /// <summary>15 per minute (a token every 4 s, exact in binary) with a bucket of 10.</summary>
    private static Dictionary<ContactChannel, RateLimit> FifteenPerMinute => new() { [ContactChannel.WeChat] = new RateLimit(0.25, Burst: 10) };

    private static Func<string, DateTimeOffset, CancellationToken, ValueTask<CustomerContext?>> Lookup(CustomerContext[] customers)
    {
        var byId = customers.ToDictionary(c => c.Profile!.Id, StringComparer.Ordinal);
        return (id, now, _) => ValueTask.FromResult<CustomerContext?>(Context(byId[id].Profile!, now).SetChurnProbability(0.9));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RateLimited_LongerThanTheWait_GoesToTheSchedule_DueWhenThereIsCapacity_SentOnce(string kind)
    {
        var stores = NewStores(kind);
        var time = new FakeTimeProvider(AsOf);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var settings = new DispatchSettings(RateLimits: FifteenPerMinute, Jitter: () => 0.5, KeepOutcomes: true); // waits up to 1 s (the default)
        var customers = Customers(25);
        var runner = Runner(stores, [wechat], time, settings: settings);
        var first = await runner.RunAsync("spring", "r", CampaignAudience.Everyone, customers.ToAsyncEnumerable());

        // 15 per minute with a bucket of 10: the first 10 go at once; the next token comes 4 s later, so each of the other 15 is scheduled
        // for its own token: AsOf + 4 s × k for the k-th of them (k = 1..15), in input order.
        Assert.Equal((25L, 10L, 15L), (first.Decided, first.Count(DispatchStatus.Sent), first.Count(DispatchStatus.Deferred)));
        Assert.Equal(customers.Take(10).Select(c => c.Profile!.Id).Order(StringComparer.Ordinal), wechat.MessagesByKey.Values.Order(StringComparer.Ordinal));
        var deferred = first.Outcomes.Where(o => o.Status == DispatchStatus.Deferred).ToArray();
        Assert.Equal([.. customers.Skip(10).Select(c => c.Profile!.Id)], deferred.Select(o => o.CustomerId));
        Assert.Equal([.. Enumerable.Range(1, 15).Select(k => AsOf + TimeSpan.FromSeconds(4 * k))], deferred.Select(o => o.NotBefore!.Value));
        Assert.All(deferred, o => Assert.Equal(("rate limit", 0), (o.Detail, o.Attempts)));
        foreach (var o in deferred)
        {
            Assert.Equal(SendLogState.Released, (await stores.SendLog.FindAsync(o.IdempotencyKey!))!.State); // claimed, then given back
        }

        Assert.Empty(await stores.Schedule!.TakeDueAsync(AsOf + TimeSpan.FromSeconds(4) - TimeSpan.FromTicks(1), 100, TimeSpan.FromMinutes(1)));

        // The same runner (its bucket empty) 60 s later: the bucket has refilled to its 10; 10 of the 15 due go, 5 are scheduled again, each
        // for the next free token after the last one booked (+64 s … +80 s).
        time.Advance(TimeSpan.FromSeconds(60));
        var due = await runner.RunDueAsync("spring", Lookup(customers));
        Assert.Equal((10L, 5L), (due.Count(DispatchStatus.Sent), due.Count(DispatchStatus.Deferred)));
        Assert.Equal([.. Enumerable.Range(16, 5).Select(k => AsOf + TimeSpan.FromSeconds(4 * k))], due.Outcomes.Where(o => o.Status == DispatchStatus.Deferred).Select(o => o.NotBefore!.Value));

        time.Advance(TimeSpan.FromSeconds(20));
        var rest = await runner.RunDueAsync("spring", Lookup(customers));
        Assert.Equal((5L, 0L), (rest.Count(DispatchStatus.Sent), rest.Count(DispatchStatus.Deferred)));
        Assert.Empty((await runner.RunDueAsync("spring", Lookup(customers))).Outcomes);
        Assert.Equal(25, wechat.MessagesByKey.Count);
        Assert.All(wechat.MessagesByCustomer.Values, n => Assert.Equal(1, n));
        Assert.Equal(25, wechat.Calls);
        Assert.Empty(await stores.Schedule.TakeDueAsync(AsOf.AddDays(1), 100, TimeSpan.FromMinutes(1)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RateLimitedSchedule_KilledBetweenScheduleAndDue_AndDuringTheDueSends_NothingTwice_NothingLost(string kind)
    {
        var stores = NewStores(kind);
        var time = new FakeTimeProvider(AsOf);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var settings = new DispatchSettings(RateLimits: FifteenPerMinute, Jitter: () => 0.5, Lease: TimeSpan.FromMinutes(1), KeepOutcomes: true);
        var customers = Customers(25);
        var first = await Runner(stores, [wechat], time, settings: settings).RunAsync("spring", "r", CampaignAudience.Everyone, customers.ToAsyncEnumerable());
        Assert.Equal((10L, 15L), (first.Count(DispatchStatus.Sent), first.Count(DispatchStatus.Deferred)));

        // The process dies after scheduling; a new one (new runner, stores opened again) works the schedule and is killed after the
        // provider accepted its 3rd due message, before the send log records it.
        time.Advance(TimeSpan.FromSeconds(60));
        var reopened = Reopen(kind, stores);
        var crashing = reopened with { SendLog = new CrashingSendLog(reopened.SendLog, "after-acceptance", onCall: 3) };
        await Assert.ThrowsAsync<CrashException>(() => Runner(crashing, [wechat], time, settings: settings).RunDueAsync("spring", Lookup(customers)));
        Assert.Equal(13, wechat.MessagesByKey.Count);

        // A third process after the lease: the taken entries are due again; the crashed key is taken over and resent with the same key (the
        // provider is idempotent on it), the others are sent as capacity allows, the rest scheduled again and sent when due.
        time.Advance(TimeSpan.FromMinutes(2));
        var last = Reopen(kind, stores);
        var runner = Runner(last, [wechat], time, settings: settings);
        var rounds = 0;
        long sent = 0, already = 0;
        while (rounds++ < 20)
        {
            var due = await runner.RunDueAsync("spring", Lookup(customers));
            (sent, already) = (sent + due.Count(DispatchStatus.Sent), already + due.Count(DispatchStatus.AlreadySent));
            if (due.Outcomes.Count == 0 && sent + already >= 13)
            {
                break;
            }

            time.Advance(TimeSpan.FromSeconds(4));
        }

        Assert.Equal(13L, sent); // the crashed one (resent: its record was lost) and the 12 still on the schedule
        Assert.Equal(25, wechat.MessagesByKey.Count);
        Assert.All(wechat.MessagesByCustomer.Values, n => Assert.Equal(1, n));
        Assert.Equal(26, wechat.Calls); // one repeated call: the key whose acceptance was not recorded, deduplicated by the provider
        foreach (var c in customers)
        {
            Assert.Equal(SendLogState.Delivered, (await last.SendLog.FindAsync(IdempotencyKey.Create("spring", "r", c.Profile!.Id)))!.State);
        }

        Assert.Empty(await last.Schedule!.TakeDueAsync(AsOf.AddDays(1), 100, TimeSpan.FromMinutes(1)));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task RateLimit_WaitWithinTheBound_IsWaited_ZeroBound_SchedulesEveryWait(string kind)
    {
        var stores = NewStores(kind);
        var time = new FakeTimeProvider(AsOf);
        var wechat = new CountingChannel(ContactChannel.WeChat);
        var perSecond = new Dictionary<ContactChannel, RateLimit> { [ContactChannel.WeChat] = new RateLimit(1.0) };

        // 1 per second, waits of 1 s allowed: the run waits for each token (time advanced by the test) and schedules nothing.
        var run = Runner(stores, [wechat], time, settings: new DispatchSettings(RateLimits: perSecond, Jitter: () => 0.5)).RunAsync("spring", "a", CampaignAudience.Everyone, Customers(3).ToAsyncEnumerable());
        for (var i = 0; i < 2_000 && !run.IsCompleted; i++)
        {
            await Task.Delay(5);
            time.Advance(TimeSpan.FromMilliseconds(250));
        }

        var waited = await run;
        Assert.Equal((3L, 0L), (waited.Count(DispatchStatus.Sent), waited.Count(DispatchStatus.Deferred)));
        Assert.Empty(await stores.Schedule!.TakeDueAsync(AsOf.AddDays(1), 100, TimeSpan.FromMinutes(1)));

        // A bound of zero: every send that has no token at once is scheduled, one token interval apart after the first free one.
        var zero = new DispatchSettings(RateLimits: perSecond, Jitter: () => 0.5, KeepOutcomes: true) { MaxRateLimitWait = TimeSpan.Zero };
        var now = time.GetUtcNow();
        var scheduled = await Runner(stores, [wechat], time, settings: zero).RunAsync("spring", "b", CampaignAudience.Everyone, Customers(3, asOf: now).ToAsyncEnumerable());
        Assert.Equal((1L, 2L), (scheduled.Count(DispatchStatus.Sent), scheduled.Count(DispatchStatus.Deferred)));
        Assert.Equal([now.AddSeconds(1), now.AddSeconds(2)], scheduled.Outcomes.Where(o => o.Status == DispatchStatus.Deferred).Select(o => o.NotBefore!.Value));

        Assert.Equal(TimeSpan.FromSeconds(1), DispatchSettings.Default.EffectiveMaxRateLimitWait);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DispatchSettings { MaxRateLimitWait = TimeSpan.FromTicks(-1) });
    }
}
