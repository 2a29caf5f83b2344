using System.Text;
using CemCore.Channels;
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
using static CemCore.Tests.Dispatch.DispatchStoreTests;
using static CemCore.Tests.Personalization.OfferTestData;

namespace CemCore.Tests.Journeys;

/// <summary>
/// Journeys, event triggers and the feedback loop, on the in-memory stores and the SQLite stores: a seeded event stream is replayed and
/// every customer's path is checked against an independent oracle written here (its own FNV-1a, its own timers); the engine is killed
/// mid-journey and recreated; two engines share one SQLite database.
/// </summary>
public sealed class JourneyEngineTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Until = Start.AddDays(40);
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

    private static PersonalizationRuleSet Rules() =>
        new PersonalizationRuleSetBuilder().AddStandardCampaigns().AddFeedbackLoopRules().WithTemplates(StandardTemplates.Create()).Build();

    private static JourneyDefinition Journey() => new JourneyBuilder("J")
        .EnteredBy(CustomerEventTypes.CartAbandoned)
        .ExitOn(CustomerEventTypes.Purchase)
        .Limit(JourneyEntryLimit.OncePer(TimeSpan.FromDays(10)))
        .WithSeed("seed-1")
        .Send("s1", "w1", "winback")
        .WaitFor("w1", "visit", TimeSpan.FromDays(2), "b1", "sp")
        .Branch("b1", Condition.Field("churn.probability").AtLeast(0.5), "s2", null)
        .Split("sp", new SplitVariant("A", 1, "s3"), new SplitVariant("B", 1, null))
        .Send("s2", null, "winback")
        .Send("s3", "w2", "winback")
        .Wait("w2", TimeSpan.FromDays(1), null)
        .Build(rules: Rules());

    private static bool Even(string id) => int.Parse(id.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture) % 2 == 0;

    private static ValueTask<CustomerContext?> Lookup(string id, DateTimeOffset at, CancellationToken ct) =>
        ValueTask.FromResult<CustomerContext?>(Context(Profile(id, ContactChannel.WeChat), at).SetChurnProbability(Even(id) ? 0.9 : 0.2));

    private DispatchStores Stores(string kind, out SqliteDatabase? db)
    {
        db = null;
        if (kind == "memory")
        {
            return new DispatchStores(new InMemorySendLog(), new CouponLedger()) { Budgets = new InMemoryBudgetStore() };
        }

        var path = Path.Combine(Path.GetTempPath(), "cemcore-journey-" + Guid.NewGuid().ToString("N") + ".db");
        _files.Add(path);
        db = new SqliteDatabase(path);
        var s = new SqliteDispatchStores(db);
        return new DispatchStores(s.SendLog, s.Coupons) { Budgets = s.Budgets };
    }

    private static EventDispatcher Dispatcher(DispatchStores stores, IMessageChannel channel, TimeProvider time) =>
        new(Rules(), new MessageRenderer(StandardTemplates.Create()), [channel], stores, time, new DecisionSettings(reserveBudget: false), new DispatchSettings(Jitter: () => 0.5, ClaimWait: TimeSpan.FromMilliseconds(300)));

    private static readonly HoldoutGroup Control = new(0.1, "ctl");

    /// <summary>A seeded stream: 60 customers, 500 events over 30 days, with 5% exact duplicates (redelivered events).</summary>
    private static List<CustomerEvent> Stream(int seed)
    {
        var random = new Random(seed);
        var list = new List<CustomerEvent>();
        for (var i = 0; i < 500; i++)
        {
            var customer = "C" + random.Next(60).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
            var u = random.NextDouble();
            var type = u < 0.4 ? CustomerEventTypes.CartAbandoned : u < 0.75 ? "visit" : u < 0.87 ? CustomerEventTypes.Purchase : "page_view";
            var at = Start.AddMinutes(random.Next(30 * 24 * 60));
            var e = new CustomerEvent("e" + i, customer, type, at);
            list.Add(e);
            if (random.NextDouble() < 0.05)
            {
                list.Add(e);
            }
        }

        return [.. list.OrderBy(e => e.Timestamp)];
    }

    // ---------------------------------------------------------------- the oracle

    private static ulong Fnv(string text)
    {
        var h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            h = unchecked((h ^ b) * 1099511628211UL);
        }

        return h;
    }

    private sealed class OracleEntry
    {
        public required string EventId { get; init; }

        public required DateTimeOffset EnteredAt { get; init; }

        public List<string> Path { get; } = [];

        public string? Step { get; set; }

        public DateTimeOffset? WaitUntil { get; set; }

        public bool Open { get; set; }
    }

    /// <summary>Paths per (customer, entry), written from the journey's description without the engine's code.</summary>
    private static Dictionary<(string, int), string> Oracle(List<CustomerEvent> stream)
    {
        var result = new Dictionary<(string, int), string>();
        foreach (var group in stream.GroupBy(e => e.CustomerId))
        {
            var id = group.Key;
            var even = Even(id);
            var entries = new List<OracleEntry>();
            OracleEntry? Cur() => entries.Count > 0 && entries[^1].Open ? entries[^1] : null;

            void Run(OracleEntry x, DateTimeOffset now)
            {
                while (x.Open && x.WaitUntil is null)
                {
                    switch (x.Step)
                    {
                        case "s1" or "s2" or "s3":
                            x.Path.Add(x.Step + (even ? ":sent" : ":nooffer"));
                            x.Step = x.Step == "s1" ? "w1" : x.Step == "s3" ? "w2" : null;
                            break;
                        case "w1":
                            x.WaitUntil = now.AddDays(2);
                            return;
                        case "w2":
                            x.WaitUntil = now.AddDays(1);
                            return;
                        case "b1":
                            x.Path.Add(even ? "b1:true" : "b1:false");
                            x.Step = even ? "s2" : null;
                            break;
                        case "sp":
                            var a = Fnv("seed-1:J:sp:" + id) % 10_000 < 5_000;
                            x.Path.Add(a ? "sp:A" : "sp:B");
                            x.Step = a ? "s3" : null;
                            break;
                        case null:
                            x.Path.Add("completed");
                            x.Open = false;
                            return;
                    }
                }
            }

            void Timers(DateTimeOffset limit, bool inclusive)
            {
                while (Cur() is { WaitUntil: { } due } x && (inclusive ? due <= limit : due < limit))
                {
                    x.WaitUntil = null;
                    if (x.Step == "w1")
                    {
                        x.Path.Add("w1:timeout");
                        x.Step = "sp";
                    }
                    else
                    {
                        x.Path.Add("w2");
                        x.Step = null;
                    }

                    Run(x, due);
                }
            }

            foreach (var e in group)
            {
                Timers(e.Timestamp, inclusive: true);
                if (Cur() is { } x)
                {
                    if (e.Timestamp < x.EnteredAt)
                    {
                        continue;
                    }

                    if (e.Type == CustomerEventTypes.Purchase)
                    {
                        x.Path.Add("goal");
                        x.Open = false;
                    }
                    else if (e.Type == "visit" && x.Step == "w1" && e.Timestamp <= x.WaitUntil)
                    {
                        x.Path.Add("w1:event");
                        x.Step = "b1";
                        x.WaitUntil = null;
                        Run(x, e.Timestamp);
                    }

                    continue;
                }

                if (e.Type != CustomerEventTypes.CartAbandoned)
                {
                    continue;
                }

                var last = entries.Count > 0 ? entries[^1] : null;
                if (last is not null && (last.EventId == e.EventId || e.Timestamp < last.EnteredAt || e.Timestamp - last.EnteredAt < TimeSpan.FromDays(10)))
                {
                    continue;
                }

                var entry = new OracleEntry { EventId = e.EventId, EnteredAt = e.Timestamp, Step = "s1", Open = true };
                entries.Add(entry);
                if (Fnv("ctl:" + id) % 10_000 < 1_000)
                {
                    entry.Path.Add("control");
                    entry.Open = false;
                    continue;
                }

                Run(entry, e.Timestamp);
            }

            Timers(Until, inclusive: false);
            for (var i = 0; i < entries.Count; i++)
            {
                result[(id, i + 1)] = string.Join('>', entries[i].Path);
            }
        }

        return result;
    }

    private static async Task<Dictionary<(string, int), string>> Paths(IJourneyStateStore store) =>
        (await store.GetAllAsync("J")).ToDictionary(i => (i.CustomerId, i.Entry), i => i.Path);

    private static IJourneyStateStore StateStore(string kind, SqliteDatabase? db) => kind == "memory" ? new InMemoryJourneyStateStore() : new SqliteJourneyStateStore(db!);

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_seeded_stream_follows_the_oracle_path_for_every_customer(string kind)
    {
        var stream = Stream(11);
        var expected = Oracle(stream);
        var stores = Stores(kind, out var db);
        var clock = new ReplayClock(Start);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var state = StateStore(kind, db);
        var engine = new JourneyEngine([Journey()], Dispatcher(stores, channel, clock), state, Lookup, new JourneySettings(Control));
        await engine.ReplayAsync(stream, clock, Until);

        var actual = await Paths(state);
        Assert.Equal(expected.OrderBy(k => k.Key).ToList(), actual.OrderBy(k => k.Key).ToList());
        var sends = expected.Values.Sum(p => p.Split('>').Count(s => s.EndsWith(":sent", StringComparison.Ordinal)));
        Assert.True(sends > 20, "the stream exercises sends");
        Assert.Equal(sends, channel.Calls); // one provider call per send step and entry
        Assert.Equal(sends, channel.MessagesByKey.Count);
        var summary = await engine.SummarizeAsync("J");
        Assert.Equal(expected.Count, summary.Entered);
        Assert.Equal(expected.Values.Count(p => p == "control"), summary.ControlGroup);
        Assert.True(summary.ControlGroup > 0);
        Assert.Equal(expected.Values.Count(p => p.EndsWith("goal", StringComparison.Ordinal)), summary.Exited);
        Assert.Contains(expected.Values, p => p.Contains("w1:event", StringComparison.Ordinal));
        Assert.Contains(expected.Values, p => p.Contains("sp:A", StringComparison.Ordinal));
        Assert.Contains(expected.Values, p => p.Contains("sp:B", StringComparison.Ordinal));

        // Replaying the whole stream again (a redelivery) changes nothing and sends nothing.
        await engine.ReplayAsync(stream, clock, Until);
        Assert.Equal(actual.OrderBy(k => k.Key).ToList(), (await Paths(state)).OrderBy(k => k.Key).ToList());
        Assert.Equal(sends, channel.Calls);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_awaited_event_that_happened_before_the_wait_began_does_not_answer_it(string kind)
    {
        // Entry → wait 1 day → wait up to 2 days for a visit → send. A visit that happened after entry but before the wait began, and is
        // delivered late (while the customer waits), must not move the customer; a visit inside the wait does.
        var journey = new JourneyBuilder("L")
            .EnteredBy(CustomerEventTypes.CartAbandoned)
            .Wait("w0", TimeSpan.FromDays(1), "w1")
            .WaitFor("w1", "visit", TimeSpan.FromDays(2), "s2", null)
            .Send("s2", null, "winback")
            .Build(rules: Rules());
        var stores = Stores(kind, out var db);
        var clock = new ReplayClock(Start);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var state = StateStore(kind, db);
        var engine = new JourneyEngine([journey], Dispatcher(stores, channel, clock), state, Lookup);

        await engine.HandleAsync(new CustomerEvent("e1", "C02", CustomerEventTypes.CartAbandoned, Start));
        clock.AdvanceTo(Start.AddDays(1));
        Assert.Equal(1, await engine.RunDueAsync()); // w0 ends; w1 begins at Start + 1 day
        clock.AdvanceTo(Start.AddDays(1).AddHours(1));

        await engine.HandleAsync(new CustomerEvent("e2", "C02", "visit", Start.AddHours(12))); // late: before the wait began
        var waiting = await state.GetLatestAsync("L", "C02");
        Assert.NotNull(waiting);
        Assert.Equal(JourneyStatus.Waiting, waiting.Status);
        Assert.Equal("w1", waiting.StepId);
        Assert.Equal(0, channel.Calls);

        await engine.HandleAsync(new CustomerEvent("e3", "C02", "visit", Start.AddDays(1).AddHours(1)));
        var done = await state.GetLatestAsync("L", "C02");
        Assert.NotNull(done);
        Assert.Equal(JourneyStatus.Completed, done.Status);
        Assert.Equal("w0>w1:event>s2:sent>completed", done.Path);
        Assert.Equal(1, channel.Calls);
    }

    /// <summary>Kills the engine at every 23rd position write (before or after the write) and replaces it by a new engine on the same stores.</summary>
    private sealed class CrashingStore(IJourneyStateStore inner) : IJourneyStateStore
    {
        private int _updates;

        public int Crashes { get; private set; }

        public ValueTask<JourneyInstance?> GetLatestAsync(string journeyId, string customerId, CancellationToken cancellationToken = default) => inner.GetLatestAsync(journeyId, customerId, cancellationToken);

        public ValueTask<bool> TryInsertAsync(JourneyInstance instance, CancellationToken cancellationToken = default) => inner.TryInsertAsync(instance, cancellationToken);

        public async ValueTask<bool> TryUpdateAsync(JourneyInstance instance, long expectedVersion, CancellationToken cancellationToken = default)
        {
            var n = Interlocked.Increment(ref _updates);
            if (n % 23 == 0)
            {
                Crashes++;
                if (n % 46 == 0)
                {
                    await inner.TryUpdateAsync(instance, expectedVersion, cancellationToken); // killed just after the write
                }

                throw new InvalidOperationException("simulated kill");
            }

            return await inner.TryUpdateAsync(instance, expectedVersion, cancellationToken);
        }

        public ValueTask<IReadOnlyList<JourneyInstance>> GetDueAsync(string journeyId, DateTimeOffset now, int max, CancellationToken cancellationToken = default) => inner.GetDueAsync(journeyId, now, max, cancellationToken);

        public ValueTask<IReadOnlyList<JourneyInstance>> GetAllAsync(string journeyId, CancellationToken cancellationToken = default) => inner.GetAllAsync(journeyId, cancellationToken);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task An_engine_killed_mid_journey_and_recreated_sends_nothing_twice_and_loses_nothing(string kind)
    {
        var stream = Stream(12);
        var expected = Oracle(stream);
        var stores = Stores(kind, out var db);
        var clock = new ReplayClock(Start);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var durable = StateStore(kind, db);
        var crashing = new CrashingStore(durable);
        JourneyEngine NewEngine() => new([Journey()], Dispatcher(stores, channel, clock), crashing, Lookup, new JourneySettings(Control));
        var engine = NewEngine();
        foreach (var e in stream)
        {
            while (true)
            {
                try
                {
                    await engine.ReplayAsync([e], clock, e.Timestamp);
                    break;
                }
                catch (InvalidOperationException)
                {
                    engine = NewEngine(); // restart: resume interrupted entries at the same instant, then handle the event again
                    try
                    {
                        await engine.RunDueAsync();
                    }
                    catch (InvalidOperationException)
                    {
                        engine = NewEngine();
                    }
                }
            }
        }

        while (true)
        {
            try
            {
                await engine.ReplayAsync([], clock, Until);
                break;
            }
            catch (InvalidOperationException)
            {
                engine = NewEngine();
            }
        }

        Assert.True(crashes(crashing) >= 3);
        Assert.Equal(expected.OrderBy(k => k.Key).ToList(), (await Paths(durable)).OrderBy(k => k.Key).ToList());
        var sends = expected.Values.Sum(p => p.Split('>').Count(s => s.EndsWith(":sent", StringComparison.Ordinal)));
        Assert.Equal(sends, channel.MessagesByKey.Count);
        Assert.Equal(sends, channel.Calls); // the send log recorded every delivery before the kill: no provider call twice

        static int crashes(CrashingStore s) => s.Crashes;
    }

    [Fact]
    public async Task Two_engines_on_one_sqlite_database_follow_the_oracle_and_send_once()
    {
        var stream = Stream(13);
        var expected = Oracle(stream);
        var path = Path.Combine(Path.GetTempPath(), "cemcore-journey-" + Guid.NewGuid().ToString("N") + ".db");
        _files.Add(path);
        var clock = new ReplayClock(Start);
        var channel = new CountingChannel(ContactChannel.WeChat);
        JourneyEngine NewEngine()
        {
            var db = new SqliteDatabase(path); // as another process would
            var s = new SqliteDispatchStores(db);
            return new JourneyEngine([Journey()], Dispatcher(new DispatchStores(s.SendLog, s.Coupons) { Budgets = s.Budgets }, channel, clock), new SqliteJourneyStateStore(db), Lookup, new JourneySettings(Control));
        }

        var a = NewEngine();
        var b = NewEngine();
        foreach (var e in stream)
        {
            await Task.WhenAll(Task.Run(() => a.ReplayAsync([e], clock, e.Timestamp)), Task.Run(() => b.ReplayAsync([e], clock, e.Timestamp)));
        }

        await a.ReplayAsync([], clock, Until);
        var actual = await Paths(new SqliteJourneyStateStore(new SqliteDatabase(path)));
        Assert.Equal(expected.OrderBy(k => k.Key).ToList(), actual.OrderBy(k => k.Key).ToList());
        var sends = expected.Values.Sum(p => p.Split('>').Count(s => s.EndsWith(":sent", StringComparison.Ordinal)));
        Assert.Equal(sends, channel.MessagesByKey.Count);
        Assert.Equal(sends, channel.Calls);
    }

    [Fact]
    public void Journey_json_loads_the_same_journey_and_reports_every_problem_with_its_path()
    {
        const string json = """
            { "id": "J", "entry": { "event": "cart_abandoned", "limit": { "oncePerDays": 10 } }, "goal": "purchase", "seed": "seed-1",
              "steps": [
                { "id": "s1", "type": "send", "rules": ["winback"], "next": "w1" },
                { "id": "w1", "type": "waitForEvent", "event": "visit", "timeoutDays": 2, "onEvent": "b1", "onTimeout": "sp" },
                { "id": "b1", "type": "branch", "when": { "field": "churn.probability", "op": "ge", "value": 0.5 }, "then": "s2", "else": null },
                { "id": "sp", "type": "split", "variants": [ { "name": "A", "weight": 1, "next": "s3" }, { "name": "B", "weight": 1 } ] },
                { "id": "s2", "type": "send", "rules": ["winback"] },
                { "id": "s3", "type": "send", "rules": ["winback"], "next": "w2" },
                { "id": "w2", "type": "wait", "days": 1 } ] }
            """;
        var loaded = JourneyJson.Load(json, Rules());
        var built = Journey();
        Assert.Equal(built.Steps.Select(s => (s.Id, s.Kind, s.Next, s.OnEvent, s.OnTimeout, s.IfTrue, s.IfFalse, s.Duration)), loaded.Steps.Select(s => (s.Id, s.Kind, s.Next, s.OnEvent, s.OnTimeout, s.IfTrue, s.IfFalse, s.Duration)));
        Assert.Equal(built.EntryLimit, loaded.EntryLimit);
        Assert.Equal(built.Assign(built.StepsById["sp"], "C07").Name, loaded.Assign(loaded.StepsById["sp"], "C07").Name);

        const string bad = """
            { "id": "J", "entry": { "event": "cart_abandoned", "limit": "twice" },
              "steps": [
                { "id": "a", "type": "send", "rules": ["nope"], "next": "b" },
                { "id": "b", "type": "wait", "days": -1, "next": "a" },
                { "id": "c", "type": "branch", "when": { "field": "churn.probability", "op": "ge", "value": 60 }, "then": "zz" },
                { "id": "d", "type": "teleport" } ] }
            """;
        var ex = Assert.Throws<RuleDefinitionException>(() => JourneyJson.Load(bad, Rules()));
        var paths = ex.Errors.Select(e => e.Path).ToList();
        Assert.Contains("$.entry.limit", paths);
        Assert.Contains("$.steps[0].rules", paths);
        Assert.Contains("$.steps[1].days", paths);
        Assert.Contains("$.steps[3].type", paths);
        Assert.Contains(ex.Errors, e => e.Message.Contains("Unknown step", StringComparison.Ordinal) && e.Value == "zz");
        Assert.Contains(ex.Errors, e => e.Path.StartsWith("$.steps[2].when", StringComparison.Ordinal)); // a probability of 60 is outside the field's range
        var cycle = Assert.Throws<RuleDefinitionException>(() => new JourneyBuilder("K").EnteredBy("x").Send("a", "b").Wait("b", TimeSpan.FromDays(1), "a").Build());
        Assert.Contains(cycle.Errors, e => e.Message.StartsWith("Cycle", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Triggers_and_the_feedback_loop_send_once_per_event_and_open_one_service_task(string kind)
    {
        var stores = Stores(kind, out var db);
        var clock = new ReplayClock(AsOf);
        var channel = new CountingChannel(ContactChannel.WeChat);
        IServiceTaskSink tasks = db is null ? new InMemoryServiceTaskSink() : new SqliteServiceTaskSink(db);
        var engine = new TriggerEngine(Dispatcher(stores, channel, clock), Lookup, StandardTriggers.Create(surveys: false), new FeedbackLoop(tasks));
        CustomerEvent[] events =
        [
            CustomerEvent.Return("r1", "C01", AsOf, ReturnReason.Quality),
            CustomerEvent.Return("r2", "C03", AsOf, ReturnReason.Size, "apparel"),
            CustomerEvent.Survey("s1", new SurveyResponse("C05", AsOf, nps: 3)),
            CustomerEvent.Survey("s2", new SurveyResponse("C07", AsOf, csat: 1), Touchpoint.Delivery),
            CustomerEvent.Survey("s3", new SurveyResponse("C09", AsOf, nps: 9, csat: 5), Touchpoint.Delivery),
            new CustomerEvent("c1", "C11", CustomerEventTypes.CartAbandoned, AsOf),
        ];
        var first = await engine.RunAsync(new InMemoryCustomerEventSource(events));
        var again = await engine.RunAsync(new InMemoryCustomerEventSource(events)); // redelivered
        Assert.Equal(5, first.Sent);
        Assert.Equal(0, again.Sent);
        Assert.Equal(5, again.AlreadySent);
        Assert.Equal(2, first.ServiceTasks);
        Assert.Equal(0, again.ServiceTasks);
        Assert.Equal(5, channel.Calls);

        var outcomes = new Dictionary<string, string?>();
        foreach (var e in events)
        {
            foreach (var o in await engine.HandleAsync(e))
            {
                outcomes[e.EventId] = o.Dispatch.RuleId;
            }
        }

        Assert.Equal("aftersales-quality", outcomes["r1"]);
        Assert.Equal("aftersales-size", outcomes["r2"]);
        Assert.Equal("nps-detractor", outcomes["s1"]);
        Assert.Equal("delivery-makegood", outcomes["s2"]);
        Assert.False(outcomes.ContainsKey("s3")); // a satisfied promoter closes no loop
        Assert.Equal("cart-abandon", outcomes["c1"]);
        if (tasks is InMemoryServiceTaskSink memory)
        {
            Assert.Equal([ServiceTaskKind.DetractorFollowUp, ServiceTaskKind.DeliveryComplaint], memory.Tasks.Select(t => t.Kind).Order());
        }
    }

    [Fact]
    public void Feedback_facts_come_from_the_feedback_port_and_are_rule_fields_with_ranges()
    {
        var t0 = AsOf.AddDays(-10);
        SurveyResponse[] responses =
        [
            new("C1", t0, nps: 8),
            new("C1", t0.AddDays(1), csat: 2),
            new("C1", t0.AddDays(2), nps: 4),
            new("C1", AsOf, nps: 10), // at as-of: not before it
        ];
        ServiceTicket[] tickets =
        [
            new("T1", "C1", t0, "delivery"),
            new("T2", "C1", t0, "refund", TicketStatus.Resolved, t0.AddDays(1)),
            new("T3", "C1", t0, "delivery", TicketStatus.Resolved, AsOf), // resolved at as-of: still open before it
        ];
        var facts = FeedbackLoop.Facts(responses, tickets, AsOf, r => r.Csat is not null ? Touchpoint.Delivery : null);
        Assert.Equal(new FeedbackFact(4, 2, 2, Touchpoint.Delivery), facts);

        var context = Context(Profile("C1")).SetFeedback(facts).SetLastSurvey(new SurveyFact(4, null, t0.AddDays(2)));
        var set = ConditionSet.Empty;
        Assert.True(set.Compile(Condition.Field("feedback.lastNps").AtMost(6)).Evaluate(context));
        Assert.True(set.Compile(Condition.Field("feedback.openComplaints").AtLeast(1)).Evaluate(context));
        Assert.True(set.Compile(Condition.Field("feedback.lastTouchpoint").Equal("Delivery")).Evaluate(context));
        Assert.False(set.TryCompile(Condition.Field("feedback.lastTouchpointCsat").AtMost(7), "x", out _, out var errors));
        Assert.NotEmpty(errors);
        Assert.False(set.TryCompile(Condition.Field("feedback.lastNps").AtLeast(11), "x", out _, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => context.SetFeedback(new FeedbackFact(11, 0, null, null)));
    }
}
