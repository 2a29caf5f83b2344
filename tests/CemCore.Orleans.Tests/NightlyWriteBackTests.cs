using CemCore.Samples.Orleans.Domain;
using CemCore.Samples.Orleans.Grains;
using CemCore.Samples.Orleans.Hosting;
using CemCore.Segmentation.Rfm;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace CemCore.Orleans.Tests;

/// <summary>
/// The nightly coordinator's write-back of lifecycle stage, churn score and RFM cell to the customer grains: with a silo killed mid
/// write-back, with a stale run, with a re-run. The reference is a single-process computation: each member's events replayed through
/// <see cref="MemberModel"/>, one pass of the library's <see cref="RfmScorer.Score(RfmValues, RfmSettings?)"/> over all members for the
/// RFM cells, and the lifecycle classifier and churn model as of the run's as-of.
/// </summary>
[Collection(OrleansTestGroup.Name)]
public sealed class NightlyWriteBackTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SiloKilledMidWriteBack_EveryGrainEndsWithTheSingleProcessValues()
    {
        Shared.Reset();
        var cluster = await ClusterTests.StartAsync<MemorySilo>(3);
        try
        {
            var events = MemberEventGenerator.Generate(150, 8, seed: 31);
            Assert.Equal(events.Count, (await new EventProducer(cluster.GrainFactory, parallelism: 16).RunAsync(events)).Events);
            var asOf = events[^1].At.AddDays(45);
            var members = events.Select(e => e.CustomerId).Distinct(StringComparer.Ordinal).Count();

            // Kill a silo once a third of the members were written back (the only member writes now are the write-back's).
            var victim = cluster.SecondarySilos[^1];
            Task? kill = null;
            var writes = 0;
            Shared.Storage.AfterWrite = name =>
            {
                if (name == "member" && Interlocked.Increment(ref writes) == members / 3)
                {
                    kill = Task.Run(() => cluster.KillSiloAsync(victim));
                }
            };

            var summary = await RunWithRetriesAsync(cluster, "nightly", 4, asOf);
            Assert.NotNull(kill);
            await kill!;
            Assert.DoesNotContain(victim, cluster.GetActiveSilos());
            output.WriteLine($"run {summary.Run}: {summary.Members} members; {writes} member writes; {Shared.Storage.Conflicts} ETag conflicts");

            await AssertEqualsReferenceAsync(cluster, events, asOf, summary.Run);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task StaleRun_ChangesNothing_ReRun_WritesTheSameValues()
    {
        Shared.Reset();
        var cluster = await ClusterTests.StartAsync<MemorySilo>(2);
        try
        {
            var events = MemberEventGenerator.Generate(60, 6, seed: 32);
            Assert.Equal(events.Count, (await new EventProducer(cluster.GrainFactory, parallelism: 16).RunAsync(events)).Events);
            var older = events[^1].At.AddDays(10);
            var newer = events[^1].At.AddDays(200);
            var coordinator = cluster.GrainFactory.GetGrain<INightlyCoordinatorGrain>("nightly");

            var first = await coordinator.RunAsync(3, newer);
            await AssertEqualsReferenceAsync(cluster, events, newer, first.Run);
            var snapshot = await DescribeAllAsync(cluster, events);

            // A run for an older as-of, started later (a higher sequence): every member keeps the newer run's values and stamp.
            var stale = await coordinator.RunAsync(5, older);
            Assert.True(stale.Run > first.Run);
            Assert.Equal(snapshot, await DescribeAllAsync(cluster, events));
            await AssertEqualsReferenceAsync(cluster, events, newer, first.Run);

            // The same as-of again (another partitioning): the same values, the new run's stamp.
            var again = await coordinator.RunAsync(7, newer);
            Assert.Equal(snapshot, await DescribeAllAsync(cluster, events));
            await AssertEqualsReferenceAsync(cluster, events, newer, again.Run);

            // A write carrying an older stamp straight to a grain is refused; the same stamp again is a repeat.
            var grain = cluster.GrainFactory.GetGrain<ICustomerGrain>(events[0].CustomerId);
            var input = await grain.GetNightlyInputAsync(older);
            var (stage, churn) = MemberModel.Score(Shared.Rules, input);
            Assert.Equal(NightlyOutcome.Stale, await grain.ApplyNightlyAsync(new NightlyWrite(again.Run + 1, older, input.EventCount, stage, churn, "111")));
            var state = await grain.GetStateAsync();
            Assert.Equal(NightlyOutcome.Repeat, await grain.ApplyNightlyAsync(new NightlyWrite(again.Run, newer, input.EventCount, stage, churn, "111")));
            Assert.Equal(MemberModel.Describe(state), MemberModel.Describe(await grain.GetStateAsync()));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [PostgresFact]
    public async Task Postgres_WriteBack_PersistsThroughTheAdoNetProvider_StaleRunChangesNothing()
    {
        Shared.Reset();
        var cluster = await ClusterTests.StartAsync<PostgresSilo>(2);
        try
        {
            var events = MemberEventGenerator.Generate(40, 6, seed: 33);
            Assert.Equal(events.Count, (await new EventProducer(cluster.GrainFactory, parallelism: 16).RunAsync(events)).Events);
            var asOf = events[^1].At.AddDays(90);
            var coordinator = cluster.GrainFactory.GetGrain<INightlyCoordinatorGrain>("nightly-pg-" + Guid.NewGuid().ToString("N"));
            var run = await coordinator.RunAsync(2, asOf);
            await coordinator.RunAsync(2, asOf.AddDays(-30));

            // Kill the silo that is not the primary: its grains come back from PostgreSQL on the survivor with the written-back values.
            await cluster.KillSiloAsync(cluster.SecondarySilos[^1]);
            await AssertEqualsReferenceAsync(cluster, events, asOf, run.Run);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>Runs the coordinator, retrying the whole run when the call fails (the coordinator's silo may be the one killed).</summary>
    private async Task<NightlySummary> RunWithRetriesAsync(TestCluster cluster, string key, int partitions, DateTimeOffset asOf)
    {
        var coordinator = cluster.GrainFactory.GetGrain<INightlyCoordinatorGrain>(key);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await coordinator.RunAsync(partitions, asOf);
            }
            catch (Exception ex) when (attempt < 8)
            {
                output.WriteLine($"attempt {attempt} failed: {ex.GetType().Name}; re-running");
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private static async Task<List<string>> DescribeAllAsync(TestCluster cluster, IReadOnlyList<MemberEvent> events)
    {
        var list = new List<string>();
        foreach (var id in events.Select(e => e.CustomerId).Distinct(StringComparer.Ordinal))
        {
            list.Add(MemberModel.Describe(await cluster.GrainFactory.GetGrain<ICustomerGrain>(id).GetStateAsync()));
        }

        return list;
    }

    /// <summary>Every grain's state equals the single-process computation, and carries the run's stamp.</summary>
    private static async Task AssertEqualsReferenceAsync(TestCluster cluster, IReadOnlyList<MemberEvent> events, DateTimeOffset asOf, long run)
    {
        var reference = Reference(events, asOf, run);
        Assert.Contains(reference, m => m.State.RfmCell != reference[0].State.RfmCell); // the run must distinguish members
        foreach (var model in reference)
        {
            var stored = await cluster.GrainFactory.GetGrain<ICustomerGrain>(model.CustomerId).GetStateAsync();
            Assert.Equal(MemberModel.Describe(model.State), MemberModel.Describe(stored));
            Assert.Equal(run, stored.NightlyRun);
            Assert.Equal(asOf, stored.NightlyAsOf);
        }
    }

    /// <summary>The single-process computation: replay, one-pass RFM over all members, stage and churn as of the as-of.</summary>
    private static List<MemberModel> Reference(IReadOnlyList<MemberEvent> events, DateTimeOffset asOf, long run)
    {
        var models = new List<MemberModel>();
        foreach (var group in events.GroupBy(e => e.CustomerId, StringComparer.Ordinal))
        {
            var model = new MemberModel(group.Key, Shared.Rules, new MemberState());
            foreach (var e in group)
            {
                model.Apply(e);
            }

            models.Add(model);
        }

        var rows = models.Select(m =>
        {
            var (r, f, money) = m.Rfm(asOf);
            return new RfmRow(m.CustomerId, r, f, money);
        }).ToList();
        var onePass = RfmScorer.Score(NightlyCoordinatorGrain.ToValues(rows));
        for (var i = 0; i < models.Count; i++)
        {
            var input = models[i].InputAsOf(asOf);
            var (stage, churn) = MemberModel.Score(Shared.Rules, input);
            Assert.Equal(NightlyOutcome.Applied, models[i].ApplyNightly(new NightlyWrite(run, asOf, input.EventCount, stage, churn, NightlyCoordinatorGrain.Cell(onePass.Scores[i]))));
        }

        return models;
    }
}
