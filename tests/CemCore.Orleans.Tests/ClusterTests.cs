using CemCore.Loyalty;
using CemCore.Samples.Orleans.Domain;
using CemCore.Samples.Orleans.Grains;
using CemCore.Samples.Orleans.Hosting;
using CemCore.Segmentation.Rfm;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Storage;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace CemCore.Orleans.Tests;

/// <summary>
/// Multi-silo runs of the customer grains with faults: a silo killed mid-stream, a second writer (ETag conflict), a cancelled batch, and the
/// nightly fan-out. The reference is a single-process replay of the same events through <see cref="MemberModel"/> (the library's loyalty
/// ledger, lifecycle, churn model and decision engine, no Orleans), plus the library's <see cref="InMemoryLoyaltyStore"/> as an independent
/// check that every stored posting is accepted exactly once.
/// </summary>
[Collection(OrleansTestGroup.Name)]
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset NightlyAsOf = new(2026, 12, 31, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SiloKilledMidStream_NoPostingLostOrDuplicated_NoDoubleSend_StateEqualsReplay()
    {
        Shared.Reset();
        var cluster = await StartAsync<MemorySilo>(3);
        try
        {
            await RunCrashScenarioAsync(cluster, customers: 150, eventsPerCustomer: 12, seed: 11);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task Postgres_SiloKilledMidStream_StateEqualsReplay()
    {
        Shared.Reset();
        var cluster = await StartAsync<PostgresSilo>(2);
        try
        {
            await RunCrashScenarioAsync(cluster, customers: 80, eventsPerCustomer: 10, seed: 12);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task EtagConflict_SecondWriter_BothEventsKept_NothingLost()
    {
        Shared.Reset();
        var cluster = await StartAsync<MemorySilo>(2);
        try
        {
            var events = MemberEventGenerator.Generate(1, 14, seed: 3);
            var id = events[0].CustomerId;
            var grain = cluster.GrainFactory.GetGrain<ICustomerGrain>(id);
            foreach (var e in events.Take(12))
            {
                await grain.ApplyAsync(e);
            }

            // A second writer (another activation after a network partition, or an operator tool) applies event 12 to the stored state.
            var (stored, version) = Shared.Storage.Get<MemberState>("member", grain.GetGrainId());
            var other = new MemberModel(id, Shared.Rules, stored!);
            Assert.False(other.Apply(events[12]).Duplicate);
            Shared.Storage.Put("member", grain.GetGrainId(), other.State, version);

            // The live activation still holds the old ETag: its write of event 13 is refused, it re-reads and re-applies on top.
            var conflicts = Shared.Storage.Conflicts;
            Assert.False((await grain.ApplyAsync(events[13])).Duplicate);
            Assert.True(Shared.Storage.Conflicts > conflicts, "the stale write should have been refused");
            Assert.True((await grain.ApplyAsync(events[12])).Duplicate);

            var final = Shared.Storage.Get<MemberState>("member", grain.GetGrainId()).Value!;
            Assert.Equal(MemberModel.Describe(Shared.Replay(id, events)), MemberModel.Describe(final));
            AssertSendsDelivered([(id, final)]);
            Shared.CheckLedger(id, final, new InMemoryLoyaltyStore());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task Postgres_EtagConflict_StaleWritesRefusedByTheSchema_BothEventsKept()
    {
        Shared.Reset();
        var cluster = await StartAsync<PostgresSilo>(1);
        try
        {
            var events = MemberEventGenerator.Generate(1, 14, seed: 4);
            var id = events[0].CustomerId;
            var grain = cluster.GrainFactory.GetGrain<ICustomerGrain>(id);
            foreach (var e in events.Take(12))
            {
                await grain.ApplyAsync(e);
            }

            // A second writer goes through the same ADO.NET provider (so through our schema's queries): read, apply event 12, write.
            var storage = ((InProcessSiloHandle)cluster.Primary!).ServiceProvider.GetRequiredKeyedService<IGrainStorage>(StorageNames.Members);
            var grainId = grain.GetGrainId();
            var other = new GrainState<MemberState>(new MemberState());
            await storage.ReadStateAsync("member", grainId, other);
            Assert.True(other.RecordExists);
            var staleEtag = other.ETag;
            var model = new MemberModel(id, Shared.Rules, other.State!);
            Assert.False(model.Apply(events[12]).Duplicate);
            other.State = model.State;
            await storage.WriteStateAsync("member", grainId, other);
            Assert.NotEqual(staleEtag, other.ETag);

            // The database refuses a write or clear with the old ETag, and a first write (no ETag) over an existing row.
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("member", grainId, new GrainState<MemberState>(model.State, staleEtag)));
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("member", grainId, new GrainState<MemberState>(model.State, null)));
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("member", grainId, new GrainState<MemberState>(model.State, staleEtag)));

            // The live activation still holds the old ETag: its write of event 13 is refused, it re-reads and re-applies on top.
            Assert.False((await grain.ApplyAsync(events[13])).Duplicate);
            Assert.True((await grain.ApplyAsync(events[12])).Duplicate);

            var final = new GrainState<MemberState>(new MemberState());
            await storage.ReadStateAsync("member", grainId, final);
            Assert.Equal(MemberModel.Describe(Shared.Replay(id, events)), MemberModel.Describe(final.State!));
            AssertSendsDelivered([(id, final.State!)]);
            Shared.CheckLedger(id, final.State!, new InMemoryLoyaltyStore());
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task CancelledBatch_KeepsTheAppliedPrefix_RetryCompletesWithoutDuplicates()
    {
        Shared.Reset();
        var cluster = await StartAsync<MemorySilo>(2);
        try
        {
            var events = MemberEventGenerator.Generate(1, 200, seed: 5);
            var id = events[0].CustomerId;
            var grain = cluster.GrainFactory.GetGrain<ICustomerGrain>(id);
            using var cts = new CancellationTokenSource();
            var fired = 0;
            Shared.Outbox.BeforeDelivery = _ =>
            {
                // Cancel as soon as the first message goes out. Orleans carries the cancellation to the grain asynchronously, so hold
                // this one delivery long enough for it to arrive before the grain's next check (otherwise, on a fast or a loaded
                // machine, the whole batch could finish first).
                if (Interlocked.Exchange(ref fired, 1) == 0)
                {
                    cts.Cancel();
                    Thread.Sleep(TimeSpan.FromSeconds(2));
                }
            };
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => grain.ApplyBatchAsync(events, cts.Token));
            Shared.Outbox.BeforeDelivery = null;

            // The grain finishes the event it was on, then stops: what is stored is exactly the replay of a prefix.
            var partial = await grain.GetStateAsync();
            var applied = partial.ProcessedEventIds.Count;
            output.WriteLine($"cancelled after {applied} of {events.Count} events");
            Assert.InRange(applied, 1, events.Count - 1);
            Assert.Equal(events.Take(applied).Select(e => e.EventId), partial.ProcessedEventIds);
            Assert.Equal(MemberModel.Describe(Shared.Replay(id, events.Take(applied))), MemberModel.Describe(partial));

            // The producer sends the whole batch again: the prefix is recognised, the rest applied, nothing twice.
            Assert.Equal(events.Count, await grain.ApplyBatchAsync(events));
            var final = Shared.Storage.Get<MemberState>("member", grain.GetGrainId()).Value!;
            Assert.Equal(MemberModel.Describe(Shared.Replay(id, events)), MemberModel.Describe(final));
            AssertSendsDelivered([(id, final)]);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Nightly_FanOutOverPartitions_MergesToTheOnePassCutPoints_CancelledRunCommitsNothing()
    {
        Shared.Reset();
        var cluster = await StartAsync<MemorySilo>(2);
        try
        {
            var events = MemberEventGenerator.Generate(90, 8, seed: 21);
            var result = await new EventProducer(cluster.GrainFactory, parallelism: 16).RunAsync(events);
            Assert.Equal(events.Count, result.Events);

            // Reference: one pass of the library's RFM scorer over the replayed members.
            var rows = events.GroupBy(e => e.CustomerId, StringComparer.Ordinal)
                .Select(g =>
                {
                    var model = new MemberModel(g.Key, Shared.Rules, Shared.Replay(g.Key, g));
                    var (r, f, m) = model.Rfm(NightlyAsOf);
                    return new RfmRow(g.Key, r, f, m);
                })
                .ToList();
            var expected = NightlyCoordinatorGrain.Summarize(RfmScorer.Score(NightlyCoordinatorGrain.ToValues(rows)).CutPoints, NightlyAsOf, 0, rows.Count);

            var coordinator = cluster.GrainFactory.GetGrain<INightlyCoordinatorGrain>("cancelled");
            using (var cts = new CancellationTokenSource())
            {
                // Cancel once the partitions are scored, and hold the run there until the cancellation has reached the coordinator
                // (Orleans carries it asynchronously; with a timed cancellation a short run could finish and commit first, while the
                // caller already saw the cancellation).
                Shared.NightlyHooks.BeforeWriteBack = async token =>
                {
                    await cts.CancelAsync();
                    var waited = System.Diagnostics.Stopwatch.StartNew();
                    while (!token.IsCancellationRequested && waited.Elapsed < TimeSpan.FromSeconds(30))
                    {
                        await Task.Delay(10, CancellationToken.None);
                    }
                };
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => coordinator.RunAsync(4, NightlyAsOf, cts.Token));
                Shared.NightlyHooks.BeforeWriteBack = null;
            }

            Assert.Null(await coordinator.GetLastAsync());
            foreach (var id in events.Select(e => e.CustomerId).Distinct(StringComparer.Ordinal))
            {
                var member = Shared.Storage.Get<MemberState>("member", cluster.GrainFactory.GetGrain<ICustomerGrain>(id).GetGrainId()).Value!;
                Assert.Equal(0, member.NightlyRun); // nothing written back
                Assert.Null(member.RfmCell);
            }
            foreach (var partitions in new[] { 1, 4, 7 })
            {
                var summary = await coordinator.RunAsync(partitions, NightlyAsOf);
                Assert.Equal(rows.Count, summary.Members);
                Assert.Equal(expected.Purchasers, summary.Purchasers);
                Assert.Equal(expected.Recency, summary.Recency);
                Assert.Equal(expected.Frequency, summary.Frequency);
                Assert.Equal(expected.Monetary, summary.Monetary);
            }

            Assert.Equal(7, (await coordinator.GetLastAsync())!.Partitions);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private async Task RunCrashScenarioAsync(TestCluster cluster, int customers, int eventsPerCustomer, int seed)
    {
        var events = MemberEventGenerator.Generate(customers, eventsPerCustomer, seed);
        var victim = cluster.SecondarySilos[^1];
        Task? kill = null;
        var producer = new EventProducer(cluster.GrainFactory, parallelism: 16, retryDelay: TimeSpan.FromMilliseconds(200))
        {
            AfterAck = n =>
            {
                if (n == events.Count / 3)
                {
                    kill = Task.Run(() => cluster.KillSiloAsync(victim));
                }
            },
        };
        var result = await producer.RunAsync(events);
        Assert.NotNull(kill);
        await kill!;
        output.WriteLine($"{result.Events} events acknowledged with {result.Calls} calls ({result.Retries} retried) in {result.Elapsed.TotalSeconds:F1} s; {cluster.GetActiveSilos().Count()} silos left; outbox calls {Shared.Outbox.Calls}, deliveries {Shared.Outbox.Deliveries.Count}");
        Assert.Equal(events.Count, result.Events);
        Assert.DoesNotContain(victim, cluster.GetActiveSilos());

        var ledger = new InMemoryLoyaltyStore();
        var states = new List<(string Id, MemberState State)>();
        foreach (var group in events.GroupBy(e => e.CustomerId, StringComparer.Ordinal))
        {
            var stored = await cluster.GrainFactory.GetGrain<ICustomerGrain>(group.Key).GetStateAsync();
            Assert.Equal(MemberModel.Describe(Shared.Replay(group.Key, group)), MemberModel.Describe(stored));
            Shared.CheckLedger(group.Key, stored, ledger);
            states.Add((group.Key, stored));
        }

        Assert.True(states.Sum(s => s.State.Postings.Count) > customers, "the stream should post points");
        AssertSendsDelivered(states);
    }

    private static void AssertSendsDelivered(IReadOnlyList<(string Id, MemberState State)> states)
    {
        var keys = states.SelectMany(s => s.State.Sends).ToList();
        Assert.All(keys, s => Assert.Equal(SendStatus.Delivered, s.Status));
        Assert.Equal(keys.Count, keys.Select(s => s.Key).Distinct(StringComparer.Ordinal).Count());

        // Each send key reached the provider exactly once, and only keys the members' states claimed.
        var log = Shared.Outbox.DeliveryLog.Select(m => m.SendKey).ToList();
        Assert.Equal(log.Count, log.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(keys.Select(k => k.Key).Order(StringComparer.Ordinal), log.Order(StringComparer.Ordinal));
    }

    internal static async Task<TestCluster> StartAsync<TSilo>(short silos)
        where TSilo : ISiloConfigurator, new()
    {
        var builder = new TestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        builder.AddSiloBuilderConfigurator<TSilo>();
        builder.AddClientBuilderConfigurator<FastClient>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
