using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Samples.Sqlite;
using CemCore.Samples.Sqlite.Dispatch;
using CemCore.Samples.Sqlite.Journeys;
using CemCore.Transactions;
using Microsoft.Extensions.Time.Testing;
using static CemCore.Tests.Dispatch.DispatchStoreTests;
using static CemCore.Tests.Personalization.OfferTestData;

namespace CemCore.Tests.Journeys;

/// <summary>
/// Deferred sends of event triggers and journeys, on the in-memory stores and the SQLite stores: a send deferred by quiet hours goes to
/// the schedule (triggers) or waits at its step (journeys) and is sent at the first allowed instant — not before, and once — with every
/// send-time check run again (a consent revocation in between suppresses it). Expected instants are worked out by hand from the
/// IANA rules of the zones (Asia/Shanghai UTC+8 without DST; America/New_York EST UTC−5 / EDT UTC−4, DST 2026-03-08 02:00 → 03:00 and
/// 2026-11-01 02:00 → 01:00).
/// </summary>
public sealed class TriggerScheduleTests : IDisposable
{
    private readonly TempDatabases _files = new();

    public static TheoryData<string> Kinds => TempDatabases.Kinds;

    public void Dispose() => _files.Dispose();

    internal static PersonalizationRuleSet Rules() =>
        new PersonalizationRuleSetBuilder().AddStandardCampaigns().AddFeedbackLoopRules().WithTemplates(StandardTemplates.Create()).Build();

    private DispatchStores Stores(string kind, out SqliteDatabase? db)
    {
        db = null;
        if (kind == "memory")
        {
            return new DispatchStores(new InMemorySendLog(), new CouponLedger())
            {
                Budgets = new InMemoryBudgetStore(),
                Consent = new InMemoryConsentStore(),
                Suppression = new InMemorySuppressionList(),
                Schedule = new InMemorySendSchedule(),
            };
        }

        var path = _files.NewPath("cemcore-trigger-");
        db = new SqliteDatabase(path);
        return new SqliteDispatchStores(db).ToDispatchStores() with { Caps = null };
    }

    private static EventDispatcher Dispatcher(DispatchStores stores, CountingChannel channel, TimeProvider time, QuietHours quiet) =>
        new(Rules(), new MessageRenderer(StandardTemplates.Create()), [channel], stores, time, new DecisionSettings(quietHours: quiet, reserveBudget: false), new DispatchSettings(Jitter: () => 0.5, ClaimWait: TimeSpan.FromMilliseconds(300)));

    private static CustomerContextLookup Lookup(string zone) =>
        (id, at, ct) => ValueTask.FromResult<CustomerContext?>(Context(Profile(id, ContactChannel.WeChat, timeZone: zone), at).SetChurnProbability(0.9));

    private static readonly QuietHours Night = new(new TimeOnly(21, 0), new TimeOnly(8, 0));

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_trigger_send_deferred_at_2230_local_is_sent_at_0800_once_and_not_before(string kind)
    {
        var stores = Stores(kind, out _);
        var at = new DateTimeOffset(2026, 3, 10, 14, 30, 0, TimeSpan.Zero); // 22:30 in Shanghai
        var due = new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero); // 08:00 in Shanghai
        var clock = new FakeTimeProvider(at);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var engine = new TriggerEngine(Dispatcher(stores, channel, clock, Night), Lookup("Asia/Shanghai"), StandardTriggers.Create(surveys: false));
        var ret = CustomerEvent.Return("r1", "C01", at, ReturnReason.Quality);

        var fired = Assert.Single(await engine.HandleAsync(ret));
        Assert.Equal(DispatchStatus.Deferred, fired.Dispatch.Status);
        Assert.Equal(due, fired.Dispatch.NotBefore);
        Assert.Equal(0, channel.Calls);

        clock.SetUtcNow(due.AddTicks(-1));
        Assert.Equal((0L, 0L), Counts(await engine.RunDueAsync())); // not before
        Assert.Equal(0, channel.Calls);

        clock.SetUtcNow(due);
        var run = await engine.RunDueAsync();
        Assert.Equal((1L, 1L), Counts(run));
        Assert.Equal(1, channel.Calls);
        Assert.True(channel.MessagesByKey.ContainsKey(IdempotencyKey.Create("return-coupon", "r1", "C01")));

        clock.SetUtcNow(due.AddMinutes(10));
        Assert.Equal((0L, 0L), Counts(await engine.RunDueAsync())); // once: the entry is gone
        var replay = Assert.Single(await engine.HandleAsync(ret)); // the event redelivered after the send
        Assert.Equal(DispatchStatus.AlreadySent, replay.Dispatch.Status);
        Assert.Equal(1, channel.Calls);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_consent_revocation_between_deferral_and_due_time_suppresses_the_send(string kind)
    {
        var stores = Stores(kind, out _);
        var at = new DateTimeOffset(2026, 3, 10, 14, 30, 0, TimeSpan.Zero);
        var due = new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(at);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var engine = new TriggerEngine(Dispatcher(stores, channel, clock, Night), Lookup("Asia/Shanghai"), StandardTriggers.Create(surveys: false));
        Assert.Equal(DispatchStatus.Deferred, Assert.Single(await engine.HandleAsync(CustomerEvent.Return("r1", "C01", at, ReturnReason.Quality))).Dispatch.Status);

        // The customer replies "TD" at 23:00 local: WeChat marketing consent revoked (the profile the lookup returns still says granted).
        await stores.Consent!.RecordAsync("C01", new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Revoked, at.AddMinutes(30)));
        clock.SetUtcNow(due);
        var run = await engine.RunDueAsync();
        Assert.Equal((1L, 0L), Counts(run));
        Assert.Equal(1, run.NotSent);
        Assert.Equal(0, channel.Calls);
        clock.SetUtcNow(due.AddDays(1));
        Assert.Equal(0, (await engine.RunDueAsync()).Events); // final: not retried
        Assert.Equal(0, channel.Calls);
    }

    public static TheoryData<string, string, string, string> DstCases => new()
    {
        // quiet 22:00-02:30; 2026-03-07 22:30 EST; 02:30 on 2026-03-08 does not exist: the gap moves forward to 03:00 EDT = 07:00Z.
        { "memory", "22:00-02:30", "2026-03-08T03:30:00Z", "2026-03-08T07:00:00Z" },
        { "sqlite", "22:00-02:30", "2026-03-08T03:30:00Z", "2026-03-08T07:00:00Z" },

        // quiet 22:00-01:15; 2026-10-31 22:30 EDT; 01:15 on 2026-11-01 is ambiguous: its first instant, 01:15 EDT = 05:15Z.
        { "memory", "22:00-01:15", "2026-11-01T02:30:00Z", "2026-11-01T05:15:00Z" },

        // quiet 22:00-01:15; 01:05 EST, the second occurrence (06:05Z): the later instant, 01:15 EST = 06:15Z (not 05:15Z, in the past).
        { "memory", "22:00-01:15", "2026-11-01T06:05:00Z", "2026-11-01T06:15:00Z" },
        { "sqlite", "22:00-01:15", "2026-11-01T06:05:00Z", "2026-11-01T06:15:00Z" },
    };

    [Theory]
    [MemberData(nameof(DstCases))]
    public async Task A_deferral_across_a_DST_change_is_sent_at_the_first_allowed_instant(string kind, string window, string eventAt, string expected)
    {
        var stores = Stores(kind, out _);
        var parts = window.Split('-');
        var quiet = new QuietHours(TimeOnly.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), TimeOnly.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        var at = DateTimeOffset.Parse(eventAt, System.Globalization.CultureInfo.InvariantCulture);
        var due = DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture);
        var clock = new FakeTimeProvider(at);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var engine = new TriggerEngine(Dispatcher(stores, channel, clock, quiet), Lookup("America/New_York"), StandardTriggers.Create(surveys: false));
        var fired = Assert.Single(await engine.HandleAsync(new CustomerEvent("c1", "C01", CustomerEventTypes.CartAbandoned, at)));
        Assert.Equal(DispatchStatus.Deferred, fired.Dispatch.Status);
        Assert.Equal(due, fired.Dispatch.NotBefore);

        clock.SetUtcNow(due.AddTicks(-1));
        Assert.Equal(0, (await engine.RunDueAsync()).Sent);
        clock.SetUtcNow(due);
        Assert.Equal(1, (await engine.RunDueAsync()).Sent);
        clock.SetUtcNow(due.AddHours(1));
        Assert.Equal(0, (await engine.RunDueAsync()).Events);
        Assert.Equal(1, channel.Calls);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Schedule_entries_of_other_campaigns_are_given_back_at_once(string kind)
    {
        var stores = Stores(kind, out _);
        var at = new DateTimeOffset(2026, 3, 10, 14, 30, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(at);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var engine = new TriggerEngine(Dispatcher(stores, channel, clock, Night), Lookup("Asia/Shanghai"), StandardTriggers.Create(surveys: false));
        await stores.Schedule!.ScheduleAsync(new ScheduledSend("k-other", "spring", "run-1", "C09", at, "quiet hours"));
        Assert.Equal(0, (await engine.RunDueAsync()).Events);

        // Still due for its own runner now (not hidden for a lease).
        var taken = await stores.Schedule.TakeDueAsync(at, 10, TimeSpan.FromMinutes(5));
        Assert.Equal("k-other", Assert.Single(taken).IdempotencyKey);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_journey_send_deferred_at_2230_waits_at_its_step_and_is_sent_at_0800_once(string kind)
    {
        var stores = Stores(kind, out var db);
        var at = new DateTimeOffset(2026, 3, 10, 14, 30, 0, TimeSpan.Zero);
        var due = new DateTimeOffset(2026, 3, 11, 0, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(at);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var journey = new JourneyBuilder("J").EnteredBy(CustomerEventTypes.CartAbandoned).Send("s1", null, "winback").Build(rules: Rules());
        IJourneyStateStore state = db is null ? new InMemoryJourneyStateStore() : new SqliteJourneyStateStore(db);
        var lookup = Lookup("Asia/Shanghai");
        var engine = new JourneyEngine([journey], Dispatcher(stores, channel, clock, Night), state, lookup);
        await engine.HandleAsync(new CustomerEvent("c1", "C01", CustomerEventTypes.CartAbandoned, at));
        await engine.HandleAsync(new CustomerEvent("c2", "C02", CustomerEventTypes.CartAbandoned, at));
        var waiting = (await state.GetLatestAsync("J", "C01"))!; // the path records the deferral ("s1") before the send ("s1:sent")
        Assert.Equal((JourneyStatus.Waiting, "s1", (DateTimeOffset?)due), (waiting.Status, waiting.StepId, waiting.WaitUntil));

        await stores.Consent!.RecordAsync("C02", new ConsentRecord(ContactChannel.WeChat, ConsentPurpose.Marketing, ConsentStatus.Revoked, at.AddMinutes(30)));
        clock.SetUtcNow(due.AddTicks(-1));
        await engine.RunDueAsync();
        Assert.Equal(0, channel.Calls);
        clock.SetUtcNow(due);
        await engine.RunDueAsync();
        clock.SetUtcNow(due.AddHours(1));
        await engine.RunDueAsync();
        Assert.Equal(1, channel.Calls);
        Assert.Equal("s1>s1:sent>completed", (await state.GetLatestAsync("J", "C01"))!.Path);
        Assert.Equal("s1>s1:suppressed>completed", (await state.GetLatestAsync("J", "C02"))!.Path);
    }

    private static (long Taken, long Sent) Counts(TriggerSummary s) => (s.Events, s.Sent);
}
