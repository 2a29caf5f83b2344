using CemCore.Clv;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Synthetic;

namespace CemCore.Benchmarks;

/// <summary>The nightly pipeline run that fits the scoring models of the scoring benchmarks: synthetic customers, weekly BTYD units,
/// a 52-week CLV horizon and the standard campaigns (budgets not reserved).</summary>
internal static class SamplePipeline
{
    public static PipelineSettings Settings { get; } = new(new FeatureSettings(TimeUnit.Week), clv: new ClvSettings(TimeUnit.Week, 52, 0.0019, 1.0));

    public static PipelineRun Run(RetailDataSettings data)
    {
        var offers = new OfferDecider(new OfferDecisionEngine(StandardCampaigns.Create(), new DecisionSettings(reserveBudget: false)));
        var pipeline = new CemCorePipeline(
            [new InMemoryTransactionSource(RetailDataGenerator.GenerateTransactions(data))],
            [new InMemoryCustomerSource(RetailDataGenerator.GenerateCustomers(data))],
            [],
            new LifecycleClassifier(),
            Settings,
            offers: offers);
        return pipeline.RunAsync(data.EndInstant).GetAwaiter().GetResult();
    }
}
