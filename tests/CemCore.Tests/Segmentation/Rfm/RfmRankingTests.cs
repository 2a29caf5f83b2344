using System.Globalization;
using CemCore.Segmentation.Rfm;
using FsCheck.Xunit;

namespace CemCore.Tests.Segmentation.Rfm;

/// <summary>
/// Issue 17: the ranking computes the customer-id order once (radix sorts of numeric values and of packed char keys) and collects the
/// tie groups in that order. Checked against the naive oracle (LINQ OrderBy(value).ThenBy(id, <see cref="IdOracle"/>) then the pandas
/// qcut table) on random data with heavy ties and mixed ids.
/// </summary>
public sealed class RfmRankingTests
{
    /// <summary>Random unique ids mixing integer-like ids ("9" &lt; "10"), digit strings that are text ("007", 20 digits), prefixed
    /// ASCII ids longer than the 9-char keys, and non-ASCII ids; shuffled.</summary>
    private static string[] MixedIds(Random random, int n, int kind)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (ids.Count < n)
        {
            var pick = kind == 0 ? random.Next(6) : kind;
            var id = pick switch
            {
                1 => random.Next(0, 3 * n + 10).ToString(CultureInfo.InvariantCulture),
                2 => "0" + random.Next(0, 999).ToString(CultureInfo.InvariantCulture),
                3 => "CUSTOMER-" + random.Next(0, 5 * n + 10).ToString("D12", CultureInfo.InvariantCulture),
                4 => "Kunde-\u00e9" + random.Next(0, 5 * n + 10).ToString(CultureInfo.InvariantCulture),
                5 => random.NextInt64(1_000_000_000_000_000_000, long.MaxValue).ToString(CultureInfo.InvariantCulture) + random.Next(10).ToString(CultureInfo.InvariantCulture),
                _ => "C" + random.Next(0, 3 * n + 10).ToString(CultureInfo.InvariantCulture),
            };
            ids.Add(id);
        }

        return [.. ids.OrderBy(_ => random.Next())];
    }

    [Property(MaxTest = 150)]
    public bool Score_HeavyTiesMixedIds_EqualsNaiveOracle(int seed, ushort size, byte binsByte, byte distinct)
    {
        var random = new Random(seed);
        var n = seed % 11 == 0 ? (seed & 0xFF) % 3 : size % 1500; // empty, one and two customers included
        var bins = 2 + (binsByte % 9);
        var ids = MixedIds(random, n, random.Next(7));
        var levels = 1 + (distinct % 6); // very few distinct values: large tie groups at every boundary
        var recency = Enumerable.Range(0, n).Select(_ => (double)random.Next(levels)).ToArray();
        var frequency = Enumerable.Range(0, n).Select(_ => random.Next(8) == 0 ? 0.0 : 1 + random.Next(levels)).ToArray();
        var monetary = Enumerable.Range(0, n).Select(_ => distinct % 3 == 0 ? Math.Round(random.NextDouble() * 100, 2) : random.Next(levels) * 2.5).ToArray();
        var scores = new RfmScore[n];
        var cuts = RfmScorer.Score(recency, frequency, monetary, ids, new RfmSettings(bins), scores);
        var expected = RfmTestData.Naive(ids, recency, frequency, monetary, bins);

        // The cut-points reproduce every purchaser's batch score (single-customer path, same id order).
        var single = Enumerable.Range(0, n).All(i => frequency[i] == 0 || cuts.Score(recency[i], frequency[i], monetary[i], ids[i]) == scores[i]);
        return scores.SequenceEqual(expected) && single;
    }

    [Property(MaxTest = 40)]
    public bool Score_FromValues_IdsAlreadyInOrder_EqualsNaiveOracle(int seed, ushort size)
    {
        // Ids given in id order take the one-pass check instead of the sort; RfmValues go through the array path.
        var random = new Random(seed);
        var n = size % 2000;
        var ids = MixedIds(random, n, 0).Order(IdOracle.Instance).ToArray();
        var recency = Enumerable.Range(0, n).Select(_ => (double)random.Next(4)).ToArray();
        var frequency = Enumerable.Range(0, n).Select(_ => (double)random.Next(4)).ToArray();
        var monetary = Enumerable.Range(0, n).Select(_ => random.Next(3) * 10.0).ToArray();
        var values = RfmValues.Create(ids, recency, frequency.Select(f => (int)f).ToArray(), monetary.Select(m => (decimal)m).ToArray());
        var result = RfmScorer.Score(values, new RfmSettings(5));
        return result.Scores.ToArray().SequenceEqual(RfmTestData.Naive(ids, recency, frequency, monetary, 5));
    }

    [Fact]
    public void Score_WithoutIds_BreaksTiesByPosition()
    {
        var random = new Random(5);
        const int n = 1_003; // not divisible by the bins
        var recency = Enumerable.Range(0, n).Select(_ => (double)random.Next(3)).ToArray();
        var frequency = Enumerable.Range(0, n).Select(_ => (double)(1 + random.Next(2))).ToArray();
        var monetary = Enumerable.Range(0, n).Select(_ => random.Next(4) * 1.5).ToArray();
        var scores = new RfmScore[n];
        RfmScorer.Score(recency, frequency, monetary, null, new RfmSettings(5), scores);

        // Positions as ids in numeric order: the oracle ranks by (value, position).
        var positions = Enumerable.Range(0, n).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(RfmTestData.Naive(positions, recency, frequency, monetary, 5), scores);
    }

    [Fact]
    public void Score_AboveParallelThreshold_MixedShuffledIds_EqualsNaiveOracle()
    {
        var random = new Random(21);
        var n = RfmScorer.ParallelThreshold + 1_001;
        var ids = MixedIds(random, n, 0);
        var recency = Enumerable.Range(0, n).Select(_ => (double)random.Next(20)).ToArray();
        var frequency = Enumerable.Range(0, n).Select(_ => random.Next(10) == 0 ? 0.0 : 1 + random.Next(5)).ToArray();
        var monetary = Enumerable.Range(0, n).Select(_ => random.Next(50) * 3.25).ToArray();
        var values = RfmValues.Create(ids, recency, frequency.Select(f => (int)f).ToArray(), monetary.Select(m => (decimal)m).ToArray());
        var expected = RfmTestData.Naive(ids, recency, frequency, monetary, 5);
        var scores = new RfmScore[n];
        RfmScorer.Score(recency, frequency, monetary, ids, new RfmSettings(5), scores); // span path: pooled copies
        Assert.Equal(expected, scores);
        Assert.Equal(expected, RfmScorer.Score(values, new RfmSettings(5)).Scores.ToArray()); // array path
    }

    [Property(MaxTest = 200)]
    public bool RadixSort_AnyKeys_IsAStableSort(int seed, ushort size, byte pattern)
    {
        var random = new Random(seed);
        var n = size % 5000;
        // Keys with constant high, low or middle bits, few distinct values, or full 64-bit range.
        var high = (ulong)random.NextInt64() << 1;
        var keys = Enumerable.Range(0, n).Select(_ => (pattern % 5) switch
        {
            0 => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63),
            1 => (ulong)random.Next(4) << 40,
            2 => high | ((ulong)random.Next(1 << 20) << 7),
            3 => (ulong)random.Next(3),
            _ => ulong.MaxValue - (ulong)random.Next(100_000),
        }).ToArray();
        var items = Enumerable.Range(0, n).ToArray();
        var expected = items.OrderBy(i => keys[i]).ToArray(); // OrderBy is stable
        var expectedKeys = expected.Select(i => keys[i]).ToArray();
        RfmScorer.RadixSort(keys, items, new ulong[n], new int[n]);
        return items.SequenceEqual(expected) && keys.SequenceEqual(expectedKeys);
    }
}

/// <summary>Issue 17: aggregated values keep no per-customer decimal; <see cref="RfmValues.Monetary"/> is built from the doubles on
/// first use (exact below 2^51 cents) or from kept cents above.</summary>
public sealed class RfmValuesCentsTests
{
    [Property(MaxTest = 500)]
    public bool CentsOf_RecoversEveryCentsBelowTheLimit(long seed, byte magnitude)
    {
        var limit = (long)RfmValues.ExactCentsLimit;
        var random = new Random(unchecked((int)seed));
        var cents = (magnitude % 4) switch
        {
            0 => limit - 1 - random.Next(1000),
            1 => -(limit - 1) + random.Next(1000),
            2 => random.NextInt64(-limit + 1, limit),
            _ => random.Next(-100_000, 100_000),
        };
        return RfmValues.CentsOf(cents / 100.0) == cents;
    }

    [Fact]
    public void FromTransactions_TotalsAboveTheLimit_KeepExactCents()
    {
        // 600,000 purchases of 40,000,000.00 = 2.4e15 cents (above 2^51) for one customer, 0.07 for another.
        var builder = new CemCore.Transactions.TransactionTableBuilder();
        var t = new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        for (var i = 0; i < 600_000; i++)
        {
            builder.AddRow("big", t, 40_000_000.00m, CemCore.Transactions.TransactionKind.Purchase, default, default, default, 1, 0m, default, CemCore.Transactions.ReturnReason.Unspecified);
        }

        builder.AddRow("small", t, 0.07m, CemCore.Transactions.TransactionKind.Purchase, default, default, default, 1, 0m, default, CemCore.Transactions.ReturnReason.Unspecified);
        var values = RfmValues.FromTransactions(builder.Build(), new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var big = values.CustomerIds.ToList().IndexOf("big");
        var small = values.CustomerIds.ToList().IndexOf("small");
        Assert.Equal(600_000m * 40_000_000.00m, values.Monetary[big]);
        Assert.Equal(0.07m, values.Monetary[small]);
        Assert.Equal("0.07", values.Monetary[small].ToString(CultureInfo.InvariantCulture));
    }
}
