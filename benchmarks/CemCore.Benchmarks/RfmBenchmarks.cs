using System.Globalization;
using BenchmarkDotNet.Attributes;
using CemCore.Primitives;
using CemCore.Segmentation.Rfm;
using CemCore.Transactions;

namespace CemCore.Benchmarks;

/// <summary>
/// RFM scores + R×F segments from a loaded <see cref="TransactionTable"/> (CSV load excluded), 10 transactions per customer on average.
/// Baseline: a naive LINQ implementation (GroupBy, OrderBy/ThenBy ranks). Peer: benchmarks/peers/rfm_pandas.py (pandas 1.5.3).
/// </summary>
[MemoryDiagnoser]
public class RfmBenchmarks
{
    private TransactionTable _table = null!;
    private DateTimeOffset _asOf;
    private RfmValues _values = null!;
    private int[] _cust = null!;
    private long[] _ticks = null!;
    private decimal[] _amounts = null!;
    private string[] _ids = null!;

    /// <summary>Gets or sets the number of transactions (customers = transactions / 10).</summary>
    [Params(1_000_000)]
    public int Transactions { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_table, _asOf) = RfmBenchmarkData.Create(Transactions, Transactions / 10);
        _values = RfmValues.FromTransactions(_table, _asOf);
        _cust = _table.CustomerIndex.ToArray();
        _ticks = _table.UtcTicks.ToArray();
        _amounts = _table.Amounts.ToArray();
        _ids = [.. _table.CustomerIds];
    }

    [Benchmark(Baseline = true)]
    public int NaiveLinq() => RfmBenchmarkData.NaiveLinq(_cust, _ticks, _amounts, _ids, _asOf);

    /// <summary>Aggregation from the table + scoring + segments.</summary>
    [Benchmark]
    public int CemCore()
    {
        var result = RfmScorer.Score(RfmValues.FromTransactions(_table, _asOf));
        return result.SegmentIndexOf(0) + result.Count;
    }

    /// <summary>Scoring + segments only, from aggregated values.</summary>
    [Benchmark]
    public int CemCoreScoreOnly()
    {
        var result = RfmScorer.Score(_values);
        return result.SegmentIndexOf(0) + result.Count;
    }
}

/// <summary>The large case: 10M transactions / 1M customers, CemCore only (the LINQ baseline takes minutes here).</summary>
[MemoryDiagnoser]
public class RfmBenchmarksLarge
{
    private TransactionTable _table = null!;
    private DateTimeOffset _asOf;

    /// <summary>Gets or sets the number of transactions (customers = transactions / 10).</summary>
    [Params(10_000_000)]
    public int Transactions { get; set; }

    [GlobalSetup]
    public void Setup() => (_table, _asOf) = RfmBenchmarkData.Create(Transactions, Transactions / 10);

    [Benchmark]
    public int CemCore()
    {
        var result = RfmScorer.Score(RfmValues.FromTransactions(_table, _asOf));
        return result.SegmentIndexOf(0) + result.Count;
    }
}

/// <summary>
/// Issue 17 scaling: the same work at 1M transactions / 100k customers and 10M / 1M customers in one run (goal: 10× the data ≤ 12× the
/// time). Baseline: the previous aggregation (three per-customer arrays updated in row order, rows in random customer order), kept here.
/// </summary>
[MemoryDiagnoser]
public class RfmScalingBenchmarks
{
    private TransactionTable _table = null!;
    private DateTimeOffset _asOf;

    /// <summary>Gets or sets the number of transactions (customers = transactions / 10).</summary>
    [Params(1_000_000, 10_000_000)]
    public int Transactions { get; set; }

    [GlobalSetup]
    public void Setup() => (_table, _asOf) = RfmBenchmarkData.Create(Transactions, Transactions / 10);

    /// <summary>The same table with its amounts and discounts in 16-byte decimal columns, as every table kept them before the packed
    /// money columns (issue 17; a table whose amounts do not pack still does).</summary>
    [GlobalSetup(Targets = [nameof(AggregateDecimalColumns), nameof(FeaturesDecimalColumns)])]
    public void SetupDecimalColumns()
    {
        Setup();
        _table = _table.WithDecimalMoneyColumns();
    }

    /// <summary><see cref="Aggregate"/> over decimal money columns (the representation before packed columns).</summary>
    [Benchmark(Description = "RfmValues.FromTransactions, decimal columns")]
    public int AggregateDecimalColumns() => RfmValues.FromTransactions(_table, _asOf).Count;

    /// <summary><see cref="Features"/> over decimal money columns (the representation before packed columns).</summary>
    [Benchmark(Description = "FeatureExtractor.Compute (1 thread), decimal columns")]
    public int FeaturesDecimalColumns() => Features();

    /// <summary>The previous aggregation: separate last/frequency/cents arrays, one random access to each per row.</summary>
    [Benchmark(Baseline = true, Description = "Aggregate, previous (3 arrays, row order)")]
    public long AggregatePrevious()
    {
        var n = _table.CustomerIds.Count;
        var asOfTicks = _asOf.UtcTicks;
        var last = new long[n];
        var frequency = new int[n];
        var cents = new long[n];
        var cust = _table.CustomerIndex;
        var ticks = _table.UtcTicks;
        var amounts = _table.Amounts;
        var kinds = _table.Kinds;
        Span<int> bits = stackalloc int[4];
        for (var i = 0; i < ticks.Length; i++)
        {
            var t = ticks[i];
            if (t >= asOfTicks)
            {
                continue;
            }

            var c = cust[i];
            decimal.GetBits(amounts[i], bits);
            var scale = (bits[3] >> 16) & 0xFF;
            var amountCents = unchecked((uint)bits[0]) * (scale == 2 ? 1L : scale == 1 ? 10L : 100L);
            if (kinds[i] == TransactionKind.Purchase)
            {
                cents[c] += amountCents;
                if (t > last[c] || frequency[c] == 0)
                {
                    last[c] = t;
                }

                frequency[c]++;
            }
            else
            {
                cents[c] -= amountCents;
            }
        }

        return last[0] + frequency[^1] + cents[n / 2];
    }

    /// <summary>The aggregation alone (<see cref="RfmValues.FromTransactions"/>): packed state, partitioned above 2^18 customers.</summary>
    [Benchmark(Description = "RfmValues.FromTransactions")]
    public int Aggregate() => RfmValues.FromTransactions(_table, _asOf).Count;

    /// <summary>Customer features over the same table, one thread (issue 17 asks these to scale linearly too).</summary>
    [Benchmark(Description = "FeatureExtractor.Compute (1 thread)")]
    public int Features() => global::CemCore.Features.FeatureExtractor.Compute(_table, _asOf, new global::CemCore.Features.FeatureSettings(maxDegreeOfParallelism: 1)).Count;

    /// <summary>Aggregation + scores + segments.</summary>
    [Benchmark(Description = "Aggregate + score + segment")]
    public int AggregateAndScore()
    {
        var result = RfmScorer.Score(RfmValues.FromTransactions(_table, _asOf));
        return result.SegmentIndexOf(0) + result.Count;
    }
}

internal static class RfmBenchmarkData
{
    public static (TransactionTable Table, DateTimeOffset AsOf) Create(int rows, int customers)
    {
        var random = new Random(42);
        var ids = new string[customers];
        for (var c = 0; c < customers; c++)
        {
            ids[c] = "C" + c.ToString("D7", CultureInfo.InvariantCulture);
        }

        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        var builder = new TransactionTableBuilder(rows);
        for (var i = 0; i < rows; i++)
        {
            // Customers in random first-appearance order; amounts in cents (gamma-like skew via a product of uniforms).
            var c = random.Next(customers);
            var ticks = start + (random.NextInt64(730L * 86_400) * TimeSpan.TicksPerSecond);
            var amount = Math.Round((decimal)(random.NextDouble() * random.NextDouble() * 200.0), 2);
            builder.AddRow(ids[c], ticks, amount, TransactionKind.Purchase, default, default, default, 1, 0m, default, ReturnReason.Unspecified);
        }

        var table = builder.Build();
        return (table, RfmValues.DefaultAsOf(table));
    }

    public static int NaiveLinq(int[] cust, long[] ticks, decimal[] amounts, string[] ids, DateTimeOffset asOf)
    {
        var asOfTicks = asOf.UtcTicks;
        var rows = Enumerable.Range(0, cust.Length)
            .Where(i => ticks[i] < asOfTicks)
            .GroupBy(i => cust[i])
            .Select(g => (Id: ids[g.Key], Last: g.Max(i => ticks[i]), Frequency: g.Count(), Monetary: Math.Round(g.Sum(i => amounts[i]), 2)))
            .ToList();
        var n = rows.Count;
        var recency = rows.Select(r => (double)((asOfTicks - r.Last) / TimeSpan.TicksPerDay)).ToArray();
        var frequency = rows.Select(r => (double)r.Frequency).ToArray();
        var monetary = rows.Select(r => (double)r.Monetary).ToArray();
        int[] Bins(double[] v)
        {
            var order = Enumerable.Range(0, n).OrderBy(i => v[i]).ThenBy(i => rows[i].Id, StringComparer.Ordinal).ToArray();
            var bins = new int[n];
            for (var p = 0; p < n; p++)
            {
                bins[order[p]] = Math.Min(4, (int)((long)p * 5 / n)); // equal-count quintiles of the rank
            }

            return bins;
        }

        var rb = Bins(recency);
        var fb = Bins(frequency);
        var mb = Bins(monetary);
        var map = RfmSegmentMap.RecencyFrequency10;
        var segments = Enumerable.Range(0, n).Select(i => map.SegmentOf(new RfmScore((byte)(5 - rb[i]), (byte)(fb[i] + 1), (byte)(mb[i] + 1)))).ToArray();
        return segments.Length + mb[0];
    }
}

/// <summary>Single customer in a request path: score against stored cut-points, segment lookup, target groups (allocation-free).</summary>
[MemoryDiagnoser]
public class RfmBenchmarksSingle
{
    private RfmCutPoints _cuts = null!;
    private RfmSegmentMap _map = null!;
    private CemCore.Segmentation.TargetGroups.TargetGroupSet _groups = null!;

    [GlobalSetup]
    public void Setup()
    {
        var (table, asOf) = RfmBenchmarkData.Create(100_000, 10_000);
        var result = RfmScorer.Score(RfmValues.FromTransactions(table, asOf));
        _cuts = result.CutPoints;
        _map = result.Settings.SegmentMap;
        _groups = CemCore.Segmentation.TargetGroups.TargetGroupSet.CreateDefault(_map);
    }

    [Benchmark]
    public int ScoreSegmentAndGroups()
    {
        var score = _cuts.Score(12, 9, 431.5, "C0004567");
        return _map.SegmentIndexOf(score) + (int)_groups.Evaluate(score).Mask;
    }
}
