using CemCore.Samples.Orleans.Domain;
using CemCore.Samples.Orleans.Grains;
using CemCore.Samples.Orleans.Hosting;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace CemCore.Orleans.Tests;

/// <summary>
/// The customer grain's contact budget (frequency cap, quiet hours in the member's time zone) across grain deactivation and reactivation
/// and a silo killed mid-step: the contacts and sends are those of the hand-computed schedule (<see cref="ContactBudgetSchedule"/>), each
/// send reaches the provider once, and nothing is counted twice.
/// </summary>
[Collection(OrleansTestGroup.Name)]
public sealed class ContactBudgetTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CapAndQuietHours_SurviveDeactivationAndASiloKill_WithoutDoubleCounting()
    {
        Shared.Reset();
        var cluster = await ClusterTests.StartAsync<MemorySilo>(3);
        try
        {
            // Half the members in Shanghai, half without a time zone (UTC); spread over the silos by their keys.
            var members = Enumerable.Range(1, 40).Select(i => (Id: $"budget{i:D2}", Zone: i % 2 == 0 ? "Asia/Shanghai" : null)).ToList();
            var schedules = members.ToDictionary(m => m.Id, m => ContactBudgetSchedule.Events(m.Id, m.Zone), StringComparer.Ordinal);
            var steps = schedules.Values.Max(s => s.Count);
            var victim = cluster.SecondarySilos[^1];
            Task? kill = null;
            for (var step = 0; step < steps; step++)
            {
                var slice = schedules.Values.Where(s => step < s.Count).Select(s => s[step]).ToList();
                var producer = new EventProducer(cluster.GrainFactory, parallelism: 8, retryDelay: TimeSpan.FromMilliseconds(200));
                if (step == 4)
                {
                    // Kill a silo in the middle of the step with the first capped event: its members' calls fail and are retried elsewhere.
                    producer.AfterAck = n =>
                    {
                        if (n == slice.Count / 2)
                        {
                            kill = Task.Run(() => cluster.KillSiloAsync(victim));
                        }
                    };
                }

                var result = await producer.RunAsync(slice);
                Assert.Equal(slice.Count, result.Events);
                output.WriteLine($"step {step}: {result.Events} events, {result.Retries} retried");
                if (step == 2)
                {
                    // Deactivate every idle activation: the next events find their members by reading the stored state.
                    await cluster.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
                }
            }

            Assert.NotNull(kill);
            await kill!;
            Assert.DoesNotContain(victim, cluster.GetActiveSilos());

            var deliveries = Shared.Outbox.DeliveryLog.ToLookup(m => m.CustomerId, StringComparer.Ordinal);
            foreach (var (id, zone) in members)
            {
                var state = await cluster.GrainFactory.GetGrain<ICustomerGrain>(id).GetStateAsync();
                var expected = ContactBudgetSchedule.ExpectedSendAt(zone);
                Assert.Equal(expected.Length, state.Contacts.Count);
                Assert.Equal(expected, state.Sends.Select(s => s.SendAt));
                Assert.All(state.Sends, s => Assert.Equal(SendStatus.Delivered, s.Status));
                Assert.Equal(expected, deliveries[id].Select(m => m.SendAt).Order());
                Assert.Equal(MemberModel.Describe(Shared.Replay(id, schedules[id])), MemberModel.Describe(state));
            }
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
