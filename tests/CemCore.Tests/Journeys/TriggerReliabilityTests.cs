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
/// Reliability of trigger sends and service tasks: four trigger engines (threads; on SQLite each with its own connection factory, as separate
/// processes would be) consume the same seeded event stream at once, and an engine is killed at each step (after the claim, after the
/// provider accepted, after the record, after a service task was created) and restarted on the redelivered stream. Each case is compared with
/// a sequential replay of the stream on fresh in-memory stores: the same (trigger, event, customer) keys are sent, each once, and the same
/// service tasks exist, each created once.
/// </summary>
public sealed class TriggerReliabilityTests : IDisposable
{
    private readonly TempDatabases _files = new();

    public static TheoryData<string> Kinds => TempDatabases.Kinds;

    public void Dispose() => _files.Dispose();

    /// <summary>A seeded stream: 40 customers, 160 events (returns, surveys, abandoned carts, visits) within a day before <paramref name="end"/>, 5% redelivered.</summary>
    private static List<CustomerEvent> Stream(int seed, DateTimeOffset end)
    {
        var random = new Random(seed);
        var list = new List<CustomerEvent>();
        var reasons = new[] { ReturnReason.Quality, ReturnReason.Size, ReturnReason.ChangedMind };
        for (var i = 0; i < 160; i++)
        {
            var customer = "T" + random.Next(40).ToString("00", System.Globalization.CultureInfo.InvariantCulture);
            var at = end.AddMinutes(-1 - random.Next(24 * 60));
            var id = "e" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var u = random.NextDouble();
            var e = u < 0.3 ? CustomerEvent.Return(id, customer, at, reasons[random.Next(reasons.Length)])
                : u < 0.6 ? CustomerEvent.Survey(id, new SurveyResponse(customer, at, nps: random.Next(11), csat: 1 + random.Next(5)), random.NextDouble() < 0.5 ? Touchpoint.Delivery : null)
                : u < 0.85 ? new CustomerEvent(id, customer, CustomerEventTypes.CartAbandoned, at)
                : new CustomerEvent(id, customer, "visit", at);
            list.Add(e);
            if (random.NextDouble() < 0.05)
            {
                list.Add(e);
            }
        }

        return list;
    }

    private static ValueTask<CustomerContext?> Lookup(string id, DateTimeOffset at, CancellationToken ct) =>
        ValueTask.FromResult<CustomerContext?>(Context(Profile(id, ContactChannel.WeChat), at).SetChurnProbability(0.3));

    private static TriggerEngine Engine(DispatchStores stores, CountingChannel channel, TimeProvider time, IServiceTaskSink tasks, DispatchSettings? settings = null) =>
        new(
            new EventDispatcher(TriggerScheduleTests.Rules(), new MessageRenderer(StandardTemplates.Create()), [channel], stores, time, new DecisionSettings(reserveBudget: false), settings ?? new DispatchSettings(Jitter: () => 0.5, ClaimWait: TimeSpan.FromSeconds(20))),
            Lookup,
            StandardTriggers.Create(surveys: false),
            new FeedbackLoop(tasks));

    /// <summary>Counts the tasks a sink really created (a replay's <c>false</c> is not counted), optionally "killing" the engine after the n-th create.</summary>
    private sealed class CountingSink(IServiceTaskSink inner, int crashAfter = 0) : IServiceTaskSink
    {
        private int _calls;
        private int _created;

        public int Created => _created;

        public async ValueTask<bool> CreateAsync(ServiceTask task, CancellationToken cancellationToken = default)
        {
            var created = await inner.CreateAsync(task, cancellationToken);
            if (created)
            {
                Interlocked.Increment(ref _created);
            }

            if (Interlocked.Increment(ref _calls) == crashAfter)
            {
                throw new CrashException();
            }

            return created;
        }
    }

    private static async Task<(HashSet<string> Keys, int Tasks, long Delivered)> SequentialAsync(List<CustomerEvent> stream, TimeProvider time)
    {
        var channel = new CountingChannel(ContactChannel.WeChat);
        var sink = new CountingSink(new InMemoryServiceTaskSink());
        var engine = Engine(new DispatchStores(new InMemorySendLog(), new CouponLedger()), channel, time, sink);
        var run = await engine.RunAsync(new InMemoryCustomerEventSource(stream));
        return ([.. channel.MessagesByKey.Keys], sink.Created, run.Sent + run.AlreadySent);
    }

    private DispatchStores Shared(string kind, out string? path)
    {
        path = null;
        if (kind == "memory")
        {
            return new DispatchStores(new InMemorySendLog(), new CouponLedger()) { Budgets = new InMemoryBudgetStore(), Consent = new InMemoryConsentStore() };
        }

        path = _files.NewPath("cemcore-trigrel-");
        return Open(path);
    }

    private static DispatchStores Open(string path) => new SqliteDispatchStores(new SqliteDatabase(path)).ToDispatchStores() with { Caps = null, Schedule = null };

    private static IServiceTaskSink Sink(string? path) => path is null ? new InMemoryServiceTaskSink() : new SqliteServiceTaskSink(new SqliteDatabase(path));

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Four_engines_on_one_stream_send_each_trigger_event_customer_once_and_create_each_task_once(string kind)
    {
        var time = TimeProvider.System;
        var stream = Stream(21, time.GetUtcNow());
        var (expectedKeys, expectedTasks, _) = await SequentialAsync(stream, time);
        Assert.True(expectedKeys.Count >= 40, "the stream fires enough triggers to mean something");
        Assert.True(expectedTasks >= 10);

        var shared = Shared(kind, out var path);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var memorySink = path is null ? new InMemoryServiceTaskSink() : null;
        var sinks = Enumerable.Range(0, 4).Select(_ => new CountingSink(memorySink ?? Sink(path))).ToArray();
        var engines = sinks.Select(s => Engine(path is null ? shared : Open(path), channel, time, s)).ToArray();
        var runs = await Task.WhenAll(engines.Select((e, i) => Task.Run(() => e.RunAsync(new InMemoryCustomerEventSource(i % 2 == 0 ? stream : Enumerable.Reverse(stream))))));

        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), channel.MessagesByKey.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expectedKeys.Count, channel.Calls); // claim-before-send: no provider call twice
        Assert.Equal(expectedKeys.Count, runs.Sum(r => r.Sent));
        Assert.Equal(expectedTasks, sinks.Sum(s => s.Created));
        Assert.Equal(expectedTasks, runs.Sum(r => r.ServiceTasks));
    }

    public static TheoryData<string, string> KillCases
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var kind in new[] { "memory", "sqlite" })
            {
                foreach (var step in new[] { "after-claim", "after-acceptance", "after-record", "after-task" })
                {
                    data.Add(kind, step);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(KillCases))]
    public async Task An_engine_killed_at_each_step_and_restarted_on_the_redelivered_stream_sends_nothing_twice_and_loses_nothing(string kind, string step)
    {
        var time = new FakeTimeProvider(AsOf);
        var stream = Stream(22, AsOf);
        var (expectedKeys, expectedTasks, delivered) = await SequentialAsync(stream, time);
        var stores = Shared(kind, out var path);
        var channel = new CountingChannel(ContactChannel.WeChat);
        var durableSink = Sink(path);
        var settings = new DispatchSettings(Jitter: () => 0.5, Lease: TimeSpan.FromMinutes(1));
        var crashingStores = step == "after-task" ? stores : stores with { SendLog = new CrashingSendLog(stores.SendLog, step, onCall: 7) };
        var first = new CountingSink(durableSink, crashAfter: step == "after-task" ? 5 : 0);
        await Assert.ThrowsAsync<CrashException>(() => Engine(crashingStores, channel, time, first, settings).RunAsync(new InMemoryCustomerEventSource(stream)));
        Assert.True(channel.MessagesByKey.Count < expectedKeys.Count);

        // Restarted (a new owner) after the dead engine's lease; the bus redelivers the whole stream.
        time.Advance(TimeSpan.FromMinutes(2));
        var second = new CountingSink(durableSink);
        var restarted = await Engine(path is null ? stores : Open(path), channel, time, second, settings).RunAsync(new InMemoryCustomerEventSource(stream));
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), channel.MessagesByKey.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expectedKeys.Count + (step == "after-acceptance" ? 1 : 0), channel.Calls); // only the unrecorded acceptance is resent, with the same key
        Assert.Equal(expectedTasks, first.Created + second.Created);
        Assert.Equal(0, restarted.UnknownCustomers);

        // A third delivery changes nothing.
        var again = await Engine(path is null ? stores : Open(path), channel, time, new CountingSink(durableSink), settings).RunAsync(new InMemoryCustomerEventSource(stream));
        Assert.Equal(0, again.Sent);
        Assert.Equal(0, again.ServiceTasks);
        Assert.Equal(delivered, again.AlreadySent); // every firing that delivered in the sequential replay (redelivered events included)
    }
}
