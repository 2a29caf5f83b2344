using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Merging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Segmentation.Rfm;
using CemCore.Synthetic;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// The nightly pipeline end to end over synthetic customers (issue #13): features → RFM (merged cut-points) → lifecycle → churn → CLV →
/// offer decision, run by one worker over one partition (baseline) and by two workers over two customer partitions
/// (<see cref="CustomerPartitioner"/>) in parallel, whose RFM partials are merged between the two phases — the shape of a distributed
/// batch. Each worker is single-threaded (feature extraction with MaxDegreeOfParallelism = 1), so the ratio is the speed-up from 1 to
/// 2 cores. Models (churn, CLV, lifecycle, offers) come from a pipeline run on a 5,000-customer sample (seed 42); the data are generated
/// once in the setup (not timed). The peak working set of the process is printed in the cleanup.
/// </summary>
[MemoryDiagnoser]
public class NightlyPipelineBenchmarks
{
    private TransactionTable[] _one = [];
    private TransactionTable[] _two = [];
    private Dictionary<string, CustomerProfile> _profiles = [];
    private CustomerScorer _scorer = null!;
    private FeatureSettings _features = null!;
    private RfmSettings _rfm = null!;
    private DateTimeOffset _asOf;

    /// <summary>Gets or sets the number of synthetic customers (about 10 transaction rows each).</summary>
    [Params(100_000)]
    public int Customers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var models = SamplePipeline.Run(new RetailDataSettings(customers: 5_000, seed: 42)).Models;
        _scorer = new CustomerScorer(models);
        _features = new FeatureSettings(TimeUnit.Week, maxDegreeOfParallelism: 1);
        _rfm = RfmSettings.Default;

        var data = new RetailDataSettings(customers: Customers, seed: 7);
        _asOf = data.EndInstant;
        var table = RetailDataGenerator.GenerateTable(data);
        _one = [table];
        _two = [.. CustomerPartitioner.Split(table, 2)];
        _profiles = RetailDataGenerator.GenerateCustomers(data).ToDictionary(p => p.Id, StringComparer.Ordinal);
        Console.WriteLine($"// {Customers} customers, {table.Count} transaction rows; partitions of {_two[0].CustomerIds.Count} and {_two[1].CustomerIds.Count} customers");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        using var process = Process.GetCurrentProcess();
        Console.WriteLine($"// peak working set {process.PeakWorkingSet64 / (1024 * 1024)} MB (whole process: data, models, BenchmarkDotNet)");
    }

    /// <summary>One worker, one partition.</summary>
    [Benchmark(Baseline = true)]
    public long OneWorker() => Run(_one);

    /// <summary>Two workers in parallel, two partitions, RFM partials merged.</summary>
    [Benchmark]
    public long TwoWorkers() => Run(_two);

    private long Run(TransactionTable[] partitions)
    {
        // Phase 1 per worker: features and the RFM partial.
        var features = new CustomerFeatureSet[partitions.Length];
        var values = new RfmValues[partitions.Length];
        var partials = new RfmPartial[partitions.Length];
        Parallel.For(0, partitions.Length, new ParallelOptions { MaxDegreeOfParallelism = partitions.Length }, p =>
        {
            features[p] = FeatureExtractor.Compute(partitions[p], _asOf, _features);
            values[p] = RfmValues.FromFeatures(features[p]);
            partials[p] = RfmPartial.Create(values[p], _rfm);
        });

        // Coordinator: merge the partials into the population's cut-points.
        var cuts = RfmPartial.Merge(partials).Finish();

        // Phase 2 per worker: RFM scores, then lifecycle, churn, CLV and the offer decision per customer.
        var offers = new long[partitions.Length];
        Parallel.For(0, partitions.Length, new ParallelOptions { MaxDegreeOfParallelism = partitions.Length }, p =>
        {
            var rfm = RfmScorer.ScorePartition(values[p], cuts, _rfm);
            long n = rfm.Count > 0 ? rfm.Scores[0].Recency : 0;
            foreach (var f in features[p])
            {
                var score = _scorer.Score(_profiles.GetValueOrDefault(f.CustomerId), f, _asOf);
                n += score.Offer.Status == DecisionStatus.Offer ? 1 : 0;
            }

            offers[p] = n;
        });
        return offers.Sum();
    }
}
