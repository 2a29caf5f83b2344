using System.Globalization;
using BenchmarkDotNet.Attributes;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources.Csv;
using CemCore.Synthetic;
using CemCore.Transactions;
using nietras.SeparatedValues;

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

    /// <summary>
    /// Peer (issue 17): Sep 0.18 (nietras/Sep, "the fastest .NET CSV parser") tokenizing the same file on one thread, each field parsed with
    /// the BCL's invariant span parsers into the same <see cref="TransactionTableBuilder"/> (ids and categories interned there, channels from
    /// a small cache). No per-field error reporting: it measures the tokenizer + parse, the part Sep would replace.
    /// </summary>
    [Benchmark(Description = "Sep 0.18 tokenizer + BCL parse into the same builder")]
    public int SepParse()
    {
        using var reader = Sep.Reader().FromFile(CsvPath);
        var h = reader.Header;
        int order = h.IndexOf("order_id"), customer = h.IndexOf("customer_id"), time = h.IndexOf("timestamp"), amount = h.IndexOf("amount");
        int channel = h.IndexOf("channel"), category = h.IndexOf("category"), quantity = h.IndexOf("quantity"), discount = h.IndexOf("discount");
        int kind = h.IndexOf("kind"), original = h.IndexOf("original_order_id"), reason = h.IndexOf("return_reason");
        var builder = new TransactionTableBuilder(1 << 20);
        var channels = new Dictionary<string, SalesChannel>(StringComparer.Ordinal);
        var channelLookup = channels.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var row in reader)
        {
            SalesChannel sc;
            var ch = row[channel].Span;
            if (ch.IsEmpty)
            {
                sc = default;
            }
            else if (!channelLookup.TryGetValue(ch, out sc))
            {
                var name = ch.ToString();
                sc = new SalesChannel(name);
                channels[name] = sc;
            }

            var isReturn = row[kind].Span.SequenceEqual("return");
            var discountText = row[discount].Span;
            builder.AddRow(
                row[customer].Span,
                DateTimeOffset.Parse(row[time].Span, CultureInfo.InvariantCulture).UtcTicks,
                decimal.Parse(row[amount].Span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
                isReturn ? TransactionKind.Return : TransactionKind.Purchase,
                row[order].Span,
                sc,
                row[category].Span,
                int.Parse(row[quantity].Span, NumberStyles.None, CultureInfo.InvariantCulture),
                discountText.IsEmpty ? 0m : decimal.Parse(discountText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture),
                row[original].Span,
                !isReturn ? ReturnReason.Unspecified : row[reason].Span switch
                {
                    "size" => ReturnReason.Size,
                    "quality" => ReturnReason.Quality,
                    "changed_mind" => ReturnReason.ChangedMind,
                    _ => ReturnReason.Other,
                });
        }

        return builder.Build().Count;
    }

    [Benchmark(Description = "FeatureExtractor.Compute (parallel)")]
    public int Features() => FeatureExtractor.Compute(_table, _asOf).Count;

    [Benchmark(Description = "FeatureExtractor.Compute (1 thread)")]
    public int FeaturesSequential() => FeatureExtractor.Compute(_table, _asOf, new FeatureSettings(maxDegreeOfParallelism: 1)).Count;

    /// <summary>The same table with its amounts and discounts in 16-byte decimal columns, as every table kept them before the packed
    /// money columns (issue 17; a table whose amounts do not pack still does).</summary>
    [GlobalSetup(Target = nameof(FeaturesSequentialDecimalColumns))]
    public void SetupDecimalColumns()
    {
        Setup();
        _table = _table.WithDecimalMoneyColumns();
    }

    /// <summary><see cref="FeaturesSequential"/> over decimal money columns (the representation before packed columns).</summary>
    [Benchmark(Description = "FeatureExtractor.Compute (1 thread), decimal columns")]
    public int FeaturesSequentialDecimalColumns() => FeaturesSequential();

    [Benchmark(Description = "ReadTable + Compute")]
    public int ParseAndFeatures() => FeatureExtractor.Compute(CsvTransactionReader.ReadTable(CsvPath), _asOf).Count;

    /// <summary>
    /// <see cref="ParseAndFeatures"/> and then every customer's <see cref="CustomerFeatures"/> object, asked for one by one (issue 17:
    /// the set keeps its values packed and makes these objects on first request, so this row shows the whole cost for a caller that wants
    /// them all, beside the row above that does not).
    /// </summary>
    [Benchmark(Description = "ReadTable + Compute + every customer's features object")]
    public decimal ParseFeaturesAndObjects()
    {
        var set = FeatureExtractor.Compute(CsvTransactionReader.ReadTable(CsvPath), _asOf);
        var sum = 0m;
        foreach (var f in set)
        {
            sum += f.MonetaryTotal;
        }

        return sum;
    }

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
