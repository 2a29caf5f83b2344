using System.Globalization;
using BenchmarkDotNet.Attributes;
using CemCore.Features;
using CemCore.Sources.Csv;
using CemCore.Synthetic;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// Feature extraction over ~1M transaction rows / 100k customers and CSV parsing of the same rows, against a naive implementation
/// (File.ReadLines + string.Split + decimal/DateTimeOffset.Parse + LINQ GroupBy). The file is written in GlobalSetup by the synthetic
/// generator to <see cref="CsvPath"/> and kept, so benchmarks/peers/pandas_read_csv.py can time pandas on the very same file.
/// </summary>
[MemoryDiagnoser]
public class FeatureBenchmarks
{
    /// <summary>The generator settings: 100,000 customers, seed 42, 7 purchases per active year → 977,018 rows (84.8 MB).</summary>
    public static readonly RetailDataSettings Settings = new(customers: 100_000, seed: 42, meanPurchasesPerYear: 7);

    public static readonly string CsvPath = Path.Combine(Path.GetTempPath(), "cemcore-bench-1m.csv");

    private TransactionTable _table = null!;
    private DateTimeOffset _asOf;

    [GlobalSetup]
    public void Setup()
    {
        RetailDataGenerator.WriteTransactionsCsvFile(Settings, CsvPath);
        _table = CsvTransactionReader.ReadTable(CsvPath);
        _asOf = Settings.EndInstant;
    }

    [Benchmark(Baseline = true, Description = "Naive parse + features (Split, LINQ GroupBy)")]
    public int NaiveParseAndFeatures()
    {
        var rows = File.ReadLines(CsvPath).Skip(1).Select(line =>
        {
            var f = line.Split(',');
            return new NaiveRow(f[1], f[0], DateTimeOffset.Parse(f[2], CultureInfo.InvariantCulture), decimal.Parse(f[3], CultureInfo.InvariantCulture),
                f[5], decimal.Parse(f[7], CultureInfo.InvariantCulture), f[8] == "return");
        }).ToList();
        return NaiveFeatures(rows, _asOf).Count;
    }

    [Benchmark(Description = "CsvTransactionReader.ReadTable")]
    public int Parse() => CsvTransactionReader.ReadTable(CsvPath).Count;

    [Benchmark(Description = "FeatureExtractor.Compute (parallel)")]
    public int Features() => FeatureExtractor.Compute(_table, _asOf).Count;

    [Benchmark(Description = "FeatureExtractor.Compute (1 thread)")]
    public int FeaturesSequential() => FeatureExtractor.Compute(_table, _asOf, new FeatureSettings(maxDegreeOfParallelism: 1)).Count;

    [Benchmark(Description = "ReadTable + Compute")]
    public int ParseAndFeatures() => FeatureExtractor.Compute(CsvTransactionReader.ReadTable(CsvPath), _asOf).Count;

    /// <summary>The naive reference: group by customer with LINQ and compute the headline features.</summary>
    internal static List<(string Customer, int Orders, decimal Monetary, int Frequency, double RecencyDays, double T)> NaiveFeatures(List<NaiveRow> rows, DateTimeOffset asOf) =>
        rows.Where(r => r.At < asOf).GroupBy(r => r.Customer).Select(g =>
        {
            var purchases = g.Where(r => !r.IsReturn).ToList();
            var days = purchases.Select(r => DateOnly.FromDateTime(r.At.UtcDateTime)).Distinct().Order().ToList();
            var end = DateOnly.FromDateTime(asOf.UtcDateTime.AddTicks(-1));
            return (
                g.Key,
                purchases.Select(r => r.Order).Distinct().Count(),
                purchases.Sum(r => r.Amount) - g.Where(r => r.IsReturn).Sum(r => r.Amount),
                Math.Max(0, days.Count - 1),
                days.Count == 0 ? double.NaN : (asOf - purchases.Max(r => r.At)).TotalDays,
                days.Count == 0 ? 0.0 : end.DayNumber - days[0].DayNumber);
        }).ToList();

    internal sealed record NaiveRow(string Customer, string Order, DateTimeOffset At, decimal Amount, string Category, decimal Discount, bool IsReturn);
}
