using CemCore.Segmentation.Rfm;
using CemCore.Transactions;

namespace CemCore.Tests.Segmentation.Rfm;

/// <summary>
/// Issue 17: an aggregation keeps whole days and 32-bit whole cents (12 bytes a customer) and builds the doubles and decimals on first
/// use. Checked here: the edges of the 32-bit cents (2^31 − 1 and −2^31 fit, 2^31 and −2^31 − 1 do not), on the row-order and the
/// partitioned pass, against decimal sums computed here; and that the scores of these values equal those of the same values given as
/// doubles and decimals through <see cref="RfmValues.Create"/> (the other storage form).
/// </summary>
public sealed class RfmValuesStorageTests
{
    private static readonly DateTimeOffset AsOf = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(2_147_483_647L, true)]
    [InlineData(2_147_483_648L, false)]
    [InlineData(-2_147_483_648L, true)]
    [InlineData(-2_147_483_649L, false)]
    [InlineData(0L, true)]
    public void FromTransactions_TotalAtTheEdgeOf32BitCents_ExactOnBothPasses(long edgeCents, bool keepsCents32)
    {
        var (table, expected) = EdgeTable(edgeCents, customers: RfmValues.DirectCustomerLimit + 5);
        foreach (var values in new[]
        {
            RfmValues.FromTransactionsCore(table, AsOf, directCustomerLimit: int.MaxValue, partitionBits: 14),
            RfmValues.FromTransactionsCore(table, AsOf, directCustomerLimit: 0, partitionBits: RfmValues.AutoPartitionBits, workers: 2),
        })
        {
            Assert.Equal(keepsCents32, values.KeepsCents32);
            Assert.True(values.KeepsWholeDays);
            var asDouble = values.MonetaryAsDoubleToArray();
            for (var c = 0; c < values.Count; c++)
            {
                var id = values.CustomerIds[c];
                Assert.Equal(expected[id], values.Monetary[c]);
                Assert.Equal(2, values.Monetary[c].Scale);
                Assert.Equal((double)expected[id], asDouble[c]);
                Assert.Equal((double)expected[id], values.MonetaryAsDoubleAt(c));
            }
        }

        // Scored from the kept forms (ints, or days with doubles for totals past 32 bits) as from the same values given as doubles.
        var fresh = RfmValues.FromTransactions(table, AsOf);
        var scored = RfmScorer.Score(fresh);
        Assert.True(fresh.RecencyArray is null);
        var given = RfmValues.Create(fresh.CustomerIds, fresh.RecencyDays, fresh.Frequency, fresh.Monetary);
        var expectedScores = RfmScorer.Score(given);
        Assert.Equal(expectedScores.Scores.ToArray(), scored.Scores.ToArray());
        Assert.Equal(Describe(expectedScores.CutPoints), Describe(scored.CutPoints));
    }

    [Fact]
    public void FromTransactions_Prospect_RecencyNaNFromDaysAndDoubles()
    {
        var builder = new TransactionTableBuilder();
        builder.AddRow("late", AsOf.AddDays(2).UtcTicks, 5m, TransactionKind.Purchase, default, default, default, 1, 0m, default, ReturnReason.Unspecified);
        builder.AddRow("early", AsOf.AddDays(-3).AddHours(-5).UtcTicks, 5m, TransactionKind.Purchase, default, default, default, 1, 0m, default, ReturnReason.Unspecified);
        builder.AddRow("today", AsOf.AddHours(-1).UtcTicks, 5m, TransactionKind.Purchase, default, default, default, 1, 0m, default, ReturnReason.Unspecified);
        var values = RfmValues.FromTransactions(builder.Build(), AsOf);
        var late = values.CustomerIds.ToList().IndexOf("late");
        var early = values.CustomerIds.ToList().IndexOf("early");
        var today = values.CustomerIds.ToList().IndexOf("today");
        Assert.True(double.IsNaN(values.RecencyAt(late)));
        Assert.Equal(3.0, values.RecencyAt(early));
        Assert.Equal(0.0, values.RecencyAt(today));
        var doubles = values.RecencyDays;
        Assert.True(double.IsNaN(doubles[late]));
        Assert.Equal(3.0, doubles[early]);
        Assert.Equal(0.0, doubles[today]);
        Assert.Equal(0, values.Frequency[late]);
    }

    [Theory]
    [InlineData(RfmBinning.RankQuantile, 3_000)]
    [InlineData(RfmBinning.RankQuantile, 40_000)]
    [InlineData(RfmBinning.Thresholds, 3_000)]
    public void Score_AggregatedValues_EqualTheSameValuesGivenAsDoubles(RfmBinning binning, int customers)
    {
        var (table, _) = EdgeTable(1_000_000L, customers);
        var aggregated = RfmValues.FromTransactions(table, AsOf);
        Assert.True(aggregated.KeepsCents32);
        var settings = binning == RfmBinning.Thresholds
            ? new RfmSettings(binning: RfmBinning.Thresholds, thresholds: new RfmThresholds([5, 20, 60, 200], [2, 3, 4, 6], [10m, 100m, 1_000m, 10_000m]))
            : RfmSettings.Default;

        // The same values through the public spans: Create keeps them as doubles and decimals. Scored first, before any span of the
        // aggregated values is read (which would keep doubles in them too).
        var fresh = RfmValues.FromTransactions(table, AsOf);
        var scoredFromIntegers = RfmScorer.Score(fresh, settings);
        Assert.True(fresh.RecencyArray is null && fresh.MonetaryAsDoubleArray is null);
        var given = RfmValues.Create(aggregated.CustomerIds, aggregated.RecencyDays, aggregated.Frequency, aggregated.Monetary);
        var scoredFromDoubles = RfmScorer.Score(given, settings);
        Assert.Equal(scoredFromDoubles.Scores.ToArray(), scoredFromIntegers.Scores.ToArray());
        Assert.Equal(Describe(scoredFromDoubles.CutPoints), Describe(scoredFromIntegers.CutPoints));
        for (var i = 0; i < given.Count; i++)
        {
            Assert.Equal(scoredFromDoubles.SegmentIndexOf(i), scoredFromIntegers.SegmentIndexOf(i));
        }

        // Scoring a partition against these cut-points and a partial over the integers match the doubles too.
        var partition = RfmScorer.ScorePartition(RfmValues.FromTransactions(table, AsOf), scoredFromDoubles.CutPoints, settings);
        Assert.Equal(scoredFromDoubles.Scores.ToArray(), partition.Scores.ToArray());
        var partialFromIntegers = RfmPartial.Create(RfmValues.FromTransactions(table, AsOf), settings).Finish();
        var partialFromDoubles = RfmPartial.Create(given, settings).Finish();
        Assert.Equal(Describe(partialFromDoubles), Describe(partialFromIntegers));
    }

    [Fact]
    public void Score_EveryValueOnAThreshold_SameBinsAsTheDoublesAndTheRule()
    {
        // 64 customers whose recency, frequency and monetary value each sit exactly on a threshold, so any change of one value read by
        // the scorer moves that customer to another bin. Thresholds binning puts a value equal to a cut-point in the lower bin.
        double[] recencyCuts = [5, 20, 60, 200];
        double[] frequencyCuts = [2, 3, 4, 6];
        decimal[] moneyCuts = [10m, 100m, 1_000m, 10_000m];
        var settings = new RfmSettings(binning: RfmBinning.Thresholds, thresholds: new RfmThresholds(recencyCuts, frequencyCuts, moneyCuts));
        var builder = new TransactionTableBuilder();
        for (var c = 0; c < 64; c++)
        {
            var (r, f, m) = ((int)recencyCuts[c % 4], (int)frequencyCuts[(c / 4) % 4], moneyCuts[c / 16]);
            for (var k = 0; k < f; k++)
            {
                var when = AsOf.AddDays(-r - k).AddHours(-1).UtcTicks;
                builder.AddRow("C" + c.ToString(System.Globalization.CultureInfo.InvariantCulture), when, k == 0 ? m - (f - 1) : 1m, TransactionKind.Purchase, "O" + c + "-" + k, default, default, 1, 0m, default, ReturnReason.Unspecified);
            }
        }

        var table = builder.Build();
        var scored = RfmScorer.Score(RfmValues.FromTransactions(table, AsOf), settings);
        var values = scored.Values;
        Assert.True(values.KeepsCents32 && values.KeepsWholeDays);
        for (var i = 0; i < values.Count; i++)
        {
            var c = int.Parse(values.CustomerIds[i].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(new RfmScore((byte)(5 - (c % 4)), (byte)(((c / 4) % 4) + 1), (byte)((c / 16) + 1)), scored.Scores[i]);
        }

        var given = RfmValues.Create(values.CustomerIds, values.RecencyDays, values.Frequency, values.Monetary);
        Assert.Equal(RfmScorer.Score(given, settings).Scores.ToArray(), scored.Scores.ToArray());
        Assert.Equal(scored.Scores.ToArray(), RfmScorer.ScorePartition(RfmValues.FromTransactions(table, AsOf), scored.CutPoints, settings).Scores.ToArray());
    }

    [Fact]
    public void RecencyDaysAndMonetary_ReadConcurrently_EveryReaderSeesTheSameValues()
    {
        var (table, _) = EdgeTable(5_000L, customers: 20_000);
        var reference = RfmValues.FromTransactions(table, AsOf);
        var expectedRecency = reference.RecencyDays.ToArray();
        var expectedMoney = reference.Monetary.ToArray();
        for (var round = 0; round < 20; round++)
        {
            var values = RfmValues.FromTransactions(table, AsOf);
            var results = new (double[] Recency, decimal[] Money)[4];
            Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k => results[k] = (values.RecencyDays.ToArray(), values.Monetary.ToArray()));
            foreach (var (recency, money) in results)
            {
                Assert.Equal(expectedRecency.Select(BitConverter.DoubleToInt64Bits), recency.Select(BitConverter.DoubleToInt64Bits));
                Assert.Equal(expectedMoney, money);
            }
        }
    }

    private static string Describe(RfmCutPoints cuts) =>
        string.Join(';', new[] { cuts.Recency, cuts.Frequency, cuts.Monetary }.Select(list => string.Join(',', list.Select(p => $"{BitConverter.DoubleToInt64Bits(p.Value)}/{p.TieBreakId}"))));

    /// <summary>Customers with random whole-cent purchases and returns over the year before as-of, one prospect (a purchase after
    /// as-of only), and customer "edge" whose total is <paramref name="edgeCents"/> cents; with the totals computed here in decimal.</summary>
    private static (TransactionTable Table, Dictionary<string, decimal> Totals) EdgeTable(long edgeCents, int customers)
    {
        var random = new Random(unchecked((int)edgeCents) ^ customers);
        var builder = new TransactionTableBuilder();
        var totals = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var order = 0;
        var lastOrder = new Dictionary<string, string>(StringComparer.Ordinal);
        void Add(string id, decimal amount, TransactionKind kind, long ticks)
        {
            // A purchase is an order of its own; a return refunds the customer's last order.
            string? orderId = null, original = null;
            if (kind == TransactionKind.Purchase)
            {
                lastOrder[id] = orderId = "O" + (order++).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            else
            {
                original = lastOrder[id];
            }

            builder.AddRow(id, ticks, amount, kind, orderId, default, default, 1, 0m, original, original is null ? ReturnReason.Unspecified : ReturnReason.Size);
            totals.TryAdd(id, 0m);
            if (ticks < AsOf.UtcTicks)
            {
                totals[id] += kind == TransactionKind.Purchase ? amount : -amount;
            }
        }

        for (var c = 0; c < customers; c++)
        {
            var id = "C" + c.ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (var k = 1 + random.Next(4); k > 0; k--)
            {
                var kind = k == 1 && lastOrder.ContainsKey(id) && random.Next(6) == 0 ? TransactionKind.Return : TransactionKind.Purchase;
                Add(id, random.Next(1, 2_000_000) / 100m, kind, AsOf.AddSeconds(-random.NextInt64(365L * 86_400) - 1).UtcTicks);
            }
        }

        Add("prospect", 12.34m, TransactionKind.Purchase, AsOf.AddDays(1).UtcTicks);

        // The edge customer: a purchase of 0.01, then whole purchases or returns of at most 1,000,000.00 reaching edgeCents.
        var when = AsOf.AddDays(-10).UtcTicks;
        Add("edge", 0.01m, TransactionKind.Purchase, when);
        var remaining = edgeCents - 1;
        while (remaining != 0)
        {
            var step = Math.Clamp(remaining, -100_000_000L, 100_000_000L);
            Add("edge", Math.Abs(step) / 100m, step > 0 ? TransactionKind.Purchase : TransactionKind.Return, when);
            remaining -= step;
        }

        return (builder.Build(), totals);
    }
}
