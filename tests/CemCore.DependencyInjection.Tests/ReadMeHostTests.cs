using System.Globalization;
using System.Text;
using CemCore.Dispatch;
using CemCore.Synthetic;
// The tour itself (between the markers) needs only these three namespaces:
using CemCore;
using CemCore.Channels;
using Microsoft.Extensions.DependencyInjection;

namespace CemCore.DependencyInjection.Tests;

/// <summary>The README's host-app tour ("Plugging CemCore into your application"), run as written.</summary>
public sealed class ReadMeHostTests
{
    [Fact]
    public async Task HostTour_Runs()
    {
        var dataDir = Directory.CreateTempSubdirectory("cemcore-tour-").FullName;
        try
        {
            var asOf = WriteExport(dataDir);

            // --- README tour: begin ---
            var outbox = new List<string>();
            var services = new ServiceCollection();
            services.AddCemCore(options => options.ClvHorizonDays = 365)      // validated at start; bind from "CemCore" config in a real host
                .AddCsvTransactions(Path.Combine(dataDir, "orders.csv"))       // or AddTransactionSource<YourOrdersTable>()
                .AddCsvCustomers(Path.Combine(dataDir, "customers.csv"))       // or AddCustomerSource<YourCrm>()
                .AddChannel("sms", (message, idempotencyKey, cancellationToken) =>
                {
                    lock (outbox)
                    {
                        outbox.Add(message.Body);                                // your SMS gateway (idempotent on the key) goes here
                    }

                    return ValueTask.FromResult(SendResult.Delivered(idempotencyKey));
                }, maxLength: 70);                                               // or AddChannel<YourWeChatSender>()
            await using var provider = services.BuildServiceProvider();

            // Nightly: features, RFM, CLV, lifecycle with transitions, churn, offers for everyone; publishes the scoring models.
            var pipeline = provider.GetRequiredService<CemCorePipeline>();
            var run = await pipeline.RunAsync(asOf);

            // Hot path: score one customer (allocation-free from features).
            var scorer = provider.GetRequiredService<ICustomerScorer>();
            var customer = run.Features[0];
            var score = scorer.Score(run.Profiles[customer.CustomerId], customer, asOf);
            var line = $"{customer.CustomerId}: {score.Segment}, {score.Stage}, churn {score.ChurnProbability:P0}, "
                + $"P(alive) {score.ProbabilityAlive:P0}, next offer {score.Offer.Rule?.Offer.Id ?? "none"}";

            // Campaign: decide, render and send through the registered channel; re-running the same day sends nothing twice.
            var campaign = await pipeline.DispatchAsync(run, "nightly");
            // --- README tour: end ---

            Assert.Equal(run.Rfm.SegmentOf(0), score.Segment);
            Assert.Equal(run.ChurnProbabilities[0], score.ChurnProbability);
            Assert.NotNull(score.ProbabilityAlive);
            Assert.StartsWith(customer.CustomerId + ": ", line, StringComparison.Ordinal);
            Assert.True(campaign.Count(DispatchStatus.Sent) > 0);
            Assert.Equal(campaign.Count(DispatchStatus.Sent), outbox.Count);
            Assert.All(outbox, body => Assert.InRange(body.Length, 1, 70));

            var again = await pipeline.DispatchAsync(await pipeline.RunAsync(asOf), "nightly");
            Assert.Equal(0, again.Count(DispatchStatus.Sent));
            Assert.Equal(campaign.Count(DispatchStatus.Sent), outbox.Count);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>The host's export: synthetic orders and customers (SMS marketing consent, English) as CSV files.</summary>
    private static DateTimeOffset WriteExport(string dir)
    {
        var data = new RetailDataSettings(customers: 500, seed: 3);
        RetailDataGenerator.WriteTransactionsCsvFile(data, Path.Combine(dir, "orders.csv"));
        var csv = new StringBuilder("customer_id,signup,preferred_channel,language,consent_sms_marketing\n");
        foreach (var c in RetailDataGenerator.GenerateCustomers(data))
        {
            csv.Append(CultureInfo.InvariantCulture, $"{c.Id},{data.StartInstant:yyyy-MM-dd},sms,en-US,granted\n");
        }

        File.WriteAllText(Path.Combine(dir, "customers.csv"), csv.ToString());
        return data.EndInstant;
    }
}
