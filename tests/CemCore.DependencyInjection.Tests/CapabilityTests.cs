using CemCore.Experiments;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Segmentation.Clustering;
using CemCore.Segmentation.Rfm;
using CemCore.Segmentation.TargetGroups;
using CemCore.Sources;
using CemCore.Synthetic;
using Microsoft.Extensions.DependencyInjection;

namespace CemCore.DependencyInjection.Tests;

/// <summary>The capability contracts resolved from the container, against the library's classes called directly.</summary>
public sealed class CapabilityTests
{
    [Fact]
    public async Task Segmenters_RegisteredOnTheBuilder_RunAfterRfm_AndMatchTheLibrary()
    {
        var data = new RetailDataSettings(customers: 500, seed: 5);
        var services = new ServiceCollection();
        services.AddSingleton<ITransactionSource>(new InMemoryTransactionSource(RetailDataGenerator.GenerateTransactions(data)));
        services.AddCemCore()
            .AddRuleSegments("""{ "version": 1, "segments": [ { "name": "Frequent", "kind": "behavioural", "when": { "field": "features.orderCount", "op": "ge", "value": 5 } } ] }""")
            .AddTargetGroups()
            .AddTargetGroups()
            .AddClusters(clusterCount: 4, seed: 3);
        Assert.Equal(3, services.Count(d => d.ServiceType == typeof(ICustomerSegmenter)));
        using var provider = services.BuildServiceProvider();
        var run = await provider.GetRequiredService<CemCorePipeline>().RunAsync(data.EndInstant);
        Assert.Equal(["rfm", "rules", "target-groups", "clusters"], run.Segmentations.Select(s => s.Segmenter));

        var features = run.Features;
        var rules = run.Segmentations[1];
        for (var i = 0; i < features.Count; i++)
        {
            Assert.Equal(features[i].OrderCount >= 5, rules.FirstSegmentOf(i) == "Frequent");
        }

        var rfm = RfmScorer.Score(RfmValues.FromFeatures(features));
        var groups = TargetGroupSet.CreateDefault();
        var targetGroups = run.Segmentations[2];
        Assert.Equal(groups.Groups.Select(g => g.Name), targetGroups.Segments);
        for (var i = 0; i < features.Count; i++)
        {
            Assert.Equal((ulong)groups.Evaluate(rfm.Scores[i]).Mask, targetGroups.Masks[i]);
        }

        // k-means on log1p(recency, orders, spend) of the purchasers, seed 3: the same labels as KMeans.Fit directly.
        var purchasers = Enumerable.Range(0, features.Count).Where(i => features[i].HasPurchased).ToArray();
        var rows = purchasers.SelectMany(i => new[] { Math.Log(1 + features[i].RecencyDays!.Value), Math.Log(1 + features[i].OrderCount), Math.Log(1 + (double)features[i].MonetaryTotal) }).ToArray();
        var fit = KMeans.Fit(rows, 3, new KMeansSettings(4, seed: 3));
        var clusters = run.Segmentations[3];
        for (var r = 0; r < purchasers.Length; r++)
        {
            Assert.Equal(1UL << fit.Labels[r], clusters.Masks[purchasers[r]]);
        }

        for (var i = 0; i < features.Count; i++)
        {
            if (!features[i].HasPurchased)
            {
                Assert.Equal(0UL, clusters.Masks[i]); // customers without purchases are in no cluster
            }
        }
    }

    [Fact]
    public void ExperimentAnalyzer_FromAccumulatedMetrics_GivesThePublishedExample()
    {
        using var provider = new ServiceCollection().AddCemCore().Services.BuildServiceProvider();
        var analyzer = provider.GetRequiredService<IExperimentAnalyzer>();
        var experiment = new Experiment("discount-personalization", [new Variant("generic", 0.5, isControl: true), new Variant("personalized", 0.5)]);
        var conversions = new MetricAccumulator(2);
        for (var i = 0; i < 1000; i++)
        {
            conversions.AddConversion(0, i < 50);
            conversions.AddConversion(1, i < 75);
        }

        var report = analyzer.Analyze(experiment, [1000, 1000], [new MetricData("Conversion", MetricKind.Binary, conversions.GetSummaries())]);
        var row = report.Metrics[0].Variants[1];
        // Two-proportion z-test, pooled: p = 125/2000, SE = sqrt(p(1-p)(2/1000)) = 0.010825, z = 0.025 / SE = 2.3094, two-sided p = 0.0209.
        Assert.Equal(2.3094, row.Test.Statistic, 4);
        Assert.Equal(0.0209, row.Test.PValue, 4);
        Assert.False(report.HasSampleRatioMismatch);
    }

    [Fact]
    public void ClvModel_UnitsMustMatch()
    {
        var model = new BtydClvModel(new Clv.BgNbdModel(0.24, 4.41, 0.79, 2.43, TimeUnit.Week), null, new Clv.ClvSettings(TimeUnit.Week, 52, 0.01));
        var summary = new BtydSummary(2, 30.43, 38.86, TimeUnit.Day, 10m);
        Assert.Throws<ArgumentException>(() => model.Estimate(summary));
        var weekly = model.Estimate(summary with { Unit = TimeUnit.Week });
        Assert.Null(weekly.Value); // no spend model
        Assert.InRange(weekly.ProbabilityAlive, 0, 1);
    }
}
