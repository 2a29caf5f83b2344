using System.Collections.Concurrent;
using CemCore.Channels;
using CemCore.Churn;
using CemCore.Clv;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Segmentation.Rfm;
using CemCore.Sources;
using CemCore.Synthetic;
using CemCore.Tests.Shared;
using CemCore.Transactions;
using Microsoft.Extensions.DependencyInjection;

namespace CemCore.DependencyInjection.Tests;

/// <summary>The pipeline wired by AddCemCore, checked against the library's parts called directly (the independent path).</summary>
public sealed class PipelineTests
{
    private static readonly RetailDataSettings Data = new(customers: 600, seed: 11);
    private static readonly DateTimeOffset AsOf = Data.EndInstant;

    private static ServiceProvider Build(Action<IServiceCollection>? extra = null, Action<CemCoreOptions>? configure = null, ConcurrentBag<string>? sent = null)
    {
        var services = new ServiceCollection();
        extra?.Invoke(services);
        services.AddSingleton<ITransactionSource>(new InMemoryTransactionSource(RetailDataGenerator.GenerateTransactions(Data)));
        services.AddSingleton<ICustomerSource>(new InMemoryCustomerSource(RetailDataGenerator.GenerateCustomers(Data)));
        var builder = services.AddCemCore(o =>
        {
            o.TimeUnit = TimeUnit.Week;
            o.ClvHorizonDays = 364;
            configure?.Invoke(o);
        });
        foreach (var channel in new[] { "wechat", "push", "sms", "email" })
        {
            builder.AddChannel(channel, (m, key, _) =>
            {
                sent?.Add(key);
                return ValueTask.FromResult(SendResult.Delivered(key));
            });
        }

        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public async Task Run_MatchesTheLibraryCalledDirectly()
    {
        using var provider = Build();
        var run = await provider.GetRequiredService<CemCorePipeline>().RunAsync(AsOf);

        // The customers with transactions, then the profiles that have none (prospects), as the pipeline documents.
        var builder = new TransactionTableBuilder();
        foreach (var t in RetailDataGenerator.GenerateTransactions(Data))
        {
            builder.Add(t);
        }

        foreach (var c in RetailDataGenerator.GenerateCustomers(Data))
        {
            builder.AddCustomer(c.Id);
        }

        var table = builder.Build();
        var settings = new FeatureSettings(TimeUnit.Week);
        var features = FeatureExtractor.Compute(table, AsOf, settings);
        Assert.Equal(features.Count, run.Features.Count);
        Assert.Contains(features, f => !f.HasPurchased);
        var index = Enumerable.Range(0, run.Features.Count).ToDictionary(i => run.Features[i].CustomerId, StringComparer.Ordinal);

        // RFM: 5 rank-quantile bins (pandas-compatible), R×F 10-segment map.
        var rfm = RfmScorer.Score(RfmValues.FromFeatures(features));
        for (var i = 0; i < features.Count; i++)
        {
            Assert.Equal(rfm.SegmentOf(i), run.Rfm.SegmentOf(index[features[i].CustomerId]));
        }

        // CLV: BG/NBD on the purchasers, 52 weeks.
        var purchasers = features.Where(f => f.HasPurchased).ToList();
        var bg = BgNbdModel.Fit(BtydData.Create([.. purchasers.Select(f => f.Btyd.Frequency)], [.. purchasers.Select(f => f.Btyd.Recency)], [.. purchasers.Select(f => f.Btyd.Age)], TimeUnit.Week)).Model;
        Assert.Equal(52, run.Clv!.HorizonPeriods);
        var alive = new double[features.Count];
        for (var i = 0; i < features.Count; i++)
        {
            var f = features[i];
            alive[i] = f.HasPurchased ? bg.ProbabilityAlive(f.Btyd.Frequency, f.Btyd.Recency, f.Btyd.Age) : double.NaN;
            var estimate = run.ClvEstimates[index[f.CustomerId]];
            if (f.HasPurchased)
            {
                Assert.Equal(alive[i], estimate!.Value.ProbabilityAlive, 6);
            }
        }

        // Lifecycle with P(alive) and revival from the transactions.
        var stages = new LifecycleClassifier().ClassifyAll(features, table, alive);
        for (var i = 0; i < features.Count; i++)
        {
            Assert.Equal(stages.Assessments[i].Stage, run.Lifecycle.Assessments[index[features[i].CustomerId]].Stage);
        }

        Assert.NotEmpty(run.Transitions);
        Assert.All(run.Transitions, t =>
        {
            Assert.True(LifecycleTransitions.IsAllowed(t.From, t.To));
            Assert.Equal(t.To, run.Lifecycle.Assessments[index[t.CustomerId]].Stage);
        });

        // Churn: logistic regression on features 90 days earlier, label = no purchase since.
        var before = FeatureExtractor.Compute(table, AsOf.AddDays(-90), settings);
        var rows = before.Where(f => f.HasPurchased).ToList();
        var labels = rows.Select(f => features.TryGet(f.CustomerId, out var now) && now.OrderCount == f.OrderCount).ToArray();
        var model = LogisticRegression.Fit(ChurnFeatureMap.Default.ToMatrix(rows), labels, new LogisticRegressionSettings(missingValues: MissingValuePolicy.ImputeTrainingMean));
        Assert.Equal(ChurnModelOrigin.Trained, run.ChurnModelOrigin);
        var trained = Assert.IsType<LogisticRegressionModel>(run.ChurnModel);
        for (var j = 0; j < model.FeatureCount; j++)
        {
            Assert.Equal(model.Coefficients[j], trained.Coefficients[j], 9);
        }

        // Offers: one decision per customer.
        Assert.Equal(run.Features.Count, run.Decisions.Count);
        Assert.Contains(run.Decisions, d => d.Rule is not null);
    }

    [Fact]
    public async Task Prospects_ProfilesWithoutTransactions_AreClassifiedAndDecided_NotScoredForChurnOrClv()
    {
        // Two known contacts who never bought (a new sign-up, an imported lead), next to the synthetic customers.
        string[] leads = ["lead-signed-up-yesterday", "lead-imported"];
        void AddLeads(IServiceCollection services) =>
            services.AddSingleton<ICustomerSource>(new InMemoryCustomerSource(leads.Select(id => new CustomerProfile(id, signedUpAt: AsOf.AddDays(-1)))));

        using var provider = Build(AddLeads);
        var run = await provider.GetRequiredService<CemCorePipeline>().RunAsync(AsOf);
        var buyers = FeatureExtractor.Compute(RetailDataGenerator.GenerateTable(Data), AsOf, new FeatureSettings(TimeUnit.Week)).Count;
        var profilesWithoutPurchase = run.Profiles.Keys.Count(id => !RetailDataGenerator.GenerateTransactions(Data).Any(t => t.CustomerId == id && t.Timestamp < AsOf));
        Assert.True(profilesWithoutPurchase >= leads.Length);
        Assert.Equal(buyers + profilesWithoutPurchase, run.Features.Count);
        Assert.Equal(run.Features.Count, run.Decisions.Count);
        foreach (var id in leads)
        {
            var i = Enumerable.Range(0, run.Features.Count).Single(k => run.Features[k].CustomerId == id);
            Assert.False(run.Features[i].HasPurchased);
            Assert.Equal(LifecycleStage.Prospect, run.Lifecycle.Assessments[i].Stage);
            Assert.True(run.Rfm.Scores[i].IsProspect);
            Assert.Null(run.ChurnProbabilities[i]);
            Assert.Null(run.ClvEstimates[i]);
            Assert.Same(run.Profiles[id], run.Contexts[i].Profile);
        }

        // Off: only customers with a transaction, exactly as the library computes them.
        using var without = Build(AddLeads, o => o.IncludeProspects = false);
        var buyersOnly = await without.GetRequiredService<CemCorePipeline>().RunAsync(AsOf);
        Assert.Equal(buyers, buyersOnly.Features.Count);
        Assert.DoesNotContain(buyersOnly.Features, f => leads.Contains(f.CustomerId));
    }

    [Fact]
    public async Task Scorer_AgreesWithTheBatch_ForEveryCustomer()
    {
        using var provider = Build();
        var run = await provider.GetRequiredService<CemCorePipeline>().RunAsync(AsOf);
        var scorer = provider.GetRequiredService<ICustomerScorer>();
        var transactions = RetailDataGenerator.GenerateTransactions(Data).ToLookup(t => t.CustomerId, StringComparer.Ordinal);
        for (var i = 0; i < run.Features.Count; i++)
        {
            var f = run.Features[i];
            var profile = run.Profiles.GetValueOrDefault(f.CustomerId);
            var score = scorer.Score(profile, f, AsOf);
            Assert.Equal(run.Rfm.SegmentOf(i), score.Segment);
            Assert.Equal(run.ChurnProbabilities[i], score.ChurnProbability);
            Assert.Equal(run.ClvEstimates[i], score.Clv);

            // Features carry no last purchase interval, so revival needs the transactions (below); every other stage and offer agree.
            if (run.Lifecycle.Assessments[i].Stage != LifecycleStage.Revived)
            {
                Assert.Equal(run.Lifecycle.Assessments[i].Stage, score.Stage);
                Assert.Equal(run.Decisions[i].Rule?.Id, score.Offer.Rule?.Id);
            }

            // From raw transactions the scorer also knows the last interval, so revival matches the batch too.
            if (i % 20 == 0 || run.Lifecycle.Assessments[i].Stage == LifecycleStage.Revived)
            {
                var fromRaw = scorer.ScoreTransactions(profile, f.CustomerId, transactions[f.CustomerId], AsOf);
                Assert.Equal(run.Lifecycle.Assessments[i].Stage, fromRaw.Stage);
                Assert.Equal(run.Rfm.SegmentOf(i), fromRaw.Segment);
                Assert.Equal(run.Decisions[i].Rule?.Id, fromRaw.Offer.Rule?.Id);
            }
        }
    }

    [Fact]
    public async Task Scorer_FromFeatures_AllocatesNothing()
    {
        using var provider = Build();
        var run = await provider.GetRequiredService<CemCorePipeline>().RunAsync(AsOf);
        var scorer = provider.GetRequiredService<ICustomerScorer>();
        var customers = Enumerable.Range(0, run.Features.Count).Select(i => (run.Profiles.GetValueOrDefault(run.Features[i].CustomerId), run.Features[i])).ToArray();
        var (least, attempts) = AllocationProbe.Least(() =>
        {
            foreach (var (p, f) in customers)
            {
                scorer.Score(p, f, AsOf);
            }
        });

        Assert.True(least == 0, $"scoring {customers.Length} customers allocated bytes in every attempt: {attempts}");
    }

    [Fact]
    public void Scorer_BeforeAnyRun_SaysWhatToDo()
    {
        using var provider = Build();
        var features = FeatureExtractor.Compute(RetailDataGenerator.GenerateTable(Data), AsOf);
        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<ICustomerScorer>().Score(null, features[0], AsOf));
        Assert.Contains("RunAsync", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispatch_ThroughEveryRegisteredChannel_IsIdempotentPerAsOfDay()
    {
        var sent = new ConcurrentBag<string>();
        using var provider = Build(sent: sent);
        var pipeline = provider.GetRequiredService<CemCorePipeline>();
        var run = await pipeline.RunAsync(AsOf);
        var first = await pipeline.DispatchAsync(run, "nightly");
        Assert.True(first.Count(DispatchStatus.Sent) > 0);
        Assert.Equal(first.Count(DispatchStatus.Sent), sent.Count);
        Assert.Equal(0, first.Count(SuppressionReason.NoSender));
        Assert.Equal(sent.Count, sent.Distinct().Count());

        var again = await pipeline.DispatchAsync(await pipeline.RunAsync(AsOf), "nightly");
        Assert.Equal(0, again.Count(DispatchStatus.Sent));
        Assert.Equal(first.Count(DispatchStatus.Sent), again.Count(DispatchStatus.AlreadySent));
        Assert.Equal(first.Count(DispatchStatus.Sent), sent.Count);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", run.RunKey);
    }

    [Fact]
    public async Task ChurnModelPath_LoadsTheModel_AndScoresByItsFormula()
    {
        var names = ChurnFeatureMap.Default.ColumnNames;
        var k = names.Count;
        var means = Enumerable.Range(0, k).Select(j => 1.0 + j).ToArray();
        var scales = Enumerable.Range(0, k).Select(j => 2.0 + (0.5 * j)).ToArray();
        var coefficients = Enumerable.Range(0, k).Select(j => ((j % 3) - 1) * 0.25).ToArray();
        var model = LogisticRegressionModel.FromStandardizedCoefficients(names, means, scales, coefficients, -0.3);
        var path = Path.Combine(Path.GetTempPath(), "cemcore-di-churn-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, model.ToJson());
        try
        {
            using var provider = Build(configure: o => o.ChurnModelPath = path);
            var run = await provider.GetRequiredService<CemCorePipeline>().RunAsync(AsOf);
            Assert.Equal(ChurnModelOrigin.Given, run.ChurnModelOrigin);
            var row = new double[k];
            var checkedRows = 0;
            for (var i = 0; i < run.Features.Count; i++)
            {
                if (!run.Features[i].HasPurchased)
                {
                    continue;
                }

                ChurnFeatureMap.Default.Write(run.Features[i], row);
                if (row.Any(double.IsNaN))
                {
                    Assert.Null(run.ChurnProbabilities[i]); // the file's model rejects missing values
                    continue;
                }

                var z = -0.3 + Enumerable.Range(0, k).Sum(j => coefficients[j] * (row[j] - means[j]) / scales[j]);
                Assert.Equal(1 / (1 + Math.Exp(-z)), run.ChurnProbabilities[i]!.Value, 12);
                checkedRows++;
            }

            Assert.True(checkedRows > 100);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task HostImplementations_Win_BeforeOrAfterAddCemCore()
    {
        var lifecycle = new EveryoneDormant();
        var sendLog = new InMemorySendLog();
        using var provider = Build(extra: s => s.AddSingleton<ILifecycleStageClassifier>(lifecycle));
        Assert.Same(lifecycle, provider.GetRequiredService<ILifecycleStageClassifier>());
        var run = await provider.GetRequiredService<CemCorePipeline>().RunAsync(AsOf);
        Assert.Equal(run.Features.Count, run.Lifecycle.CountOf(LifecycleStage.Dormant));

        var services = new ServiceCollection();
        services.AddCemCore();
        services.AddSingleton<ISendLog>(sendLog);
        services.AddCemCore();
        using var second = services.BuildServiceProvider();
        Assert.Same(sendLog, second.GetRequiredService<ISendLog>());
        Assert.Single(services, d => d.ServiceType == typeof(CemCorePipeline));
    }

    private sealed class EveryoneDormant : ILifecycleStageClassifier
    {
        private readonly LifecycleClassifier _inner = new();

        public LifecycleAssessment Classify(in LifecycleInput input) => _inner.Classify(input) with { Stage = LifecycleStage.Dormant };
    }
}
