using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// Lifecycle classification. "single": one customer (target &lt; 200 ns, 0 B), from a <see cref="LifecycleInput"/> or from
/// <see cref="CustomerFeatures"/>. "batch": 100k customers with several hundred thousand purchase rows — the naive baseline groups rows per customer with
/// LINQ and classifies; <c>FeaturesAndClassifyAll</c> does the same from the columnar table; <c>ClassifyAll</c> starts from computed features.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LifecycleBenchmarks
{
    private const int Customers = 100_000;
    private static readonly DateTimeOffset s_start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset s_asOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly LifecycleClassifier _classifier = new();
    private LifecycleInput[] _inputs = [];
    private CustomerFeatures[] _sample = [];
    private TransactionTable _table = null!;
    private CustomerFeatureSet _features = null!;
    private (string Id, DateTimeOffset At)[] _rows = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var builder = new TransactionTableBuilder(Customers * 10);
        var rows = new List<(string, DateTimeOffset)>(Customers * 10);
        for (var c = 0; c < Customers; c++)
        {
            var id = "C" + c.ToString("D7", System.Globalization.CultureInfo.InvariantCulture);
            var n = random.Next(0, 21);
            var rhythm = 5 + random.Next(90);
            var day = random.Next(0, 500);
            for (var k = 0; k < n && day < 730; k++)
            {
                var at = s_start.AddDays(day).AddMinutes(random.Next(1440));
                builder.AddPurchase(id, at, 10m);
                rows.Add((id, at));
                day += 1 + random.Next(rhythm * 2) + (random.Next(10) == 0 ? 300 : 0);
            }
        }

        _rows = [.. rows];
        _table = builder.Build();
        _features = FeatureExtractor.Compute(_table, s_asOf);
        _sample = [.. _features.Take(1024)];
        _inputs = [.. _sample.Select(f => LifecycleInput.FromFeatures(f, f.IntervalMaxDays, 0.8))];
    }

    private int _next;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("single")]
    public LifecycleStage SingleFromFeatures()
    {
        var f = _sample[_next++ & 1023];
        return _classifier.Classify(f, f.IntervalMaxDays, 0.8).Stage;
    }

    [Benchmark]
    [BenchmarkCategory("single")]
    public LifecycleStage SingleFromInput() => _classifier.Classify(in _inputs[_next++ & 1023]).Stage;

    [Benchmark(Baseline = true)]
    [BenchmarkCategory("batch")]
    public int BatchNaiveLinq()
    {
        var mature = 0;
        foreach (var g in _rows.GroupBy(r => r.Id, StringComparer.Ordinal))
        {
            var days = g.Select(r => r.At.UtcDateTime.Date).Distinct().Order().ToList();
            var last = g.Max(r => r.At);
            var intervals = days.Zip(days.Skip(1), (a, b) => (b - a).TotalDays).ToList();
            var input = new LifecycleInput(
                days.Count,
                (s_asOf - last).TotalDays,
                (s_asOf - g.Min(r => r.At)).TotalDays,
                intervals.Count > 0 ? intervals.Average() : null,
                intervals.Count > 0 ? intervals[^1] : null);
            if (_classifier.Classify(input).Stage == LifecycleStage.Maturity)
            {
                mature++;
            }
        }

        return mature;
    }

    [Benchmark]
    [BenchmarkCategory("batch")]
    public int BatchFeaturesAndClassifyAll() =>
        _classifier.ClassifyAll(FeatureExtractor.Compute(_table, s_asOf), _table).CountOf(LifecycleStage.Maturity);

    [Benchmark]
    [BenchmarkCategory("batch")]
    public int BatchClassifyAll() => _classifier.ClassifyAll(_features, _table).CountOf(LifecycleStage.Maturity);
}
