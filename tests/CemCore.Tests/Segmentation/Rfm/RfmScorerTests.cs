using System.Globalization;
using CemCore.Features;
using CemCore.Segmentation.Rfm;
using CemCore.Segmentation.TargetGroups;
using CemCore.Sources.Csv;
using FsCheck.Xunit;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Segmentation.Rfm;

public sealed class RfmScorerTests
{
    private sealed record Population(string[] Ids, double[] Recency, double[] Frequency, double[] Monetary)
    {
        public RfmValues ToValues() => RfmValues.Create(
            Ids,
            Recency,
            Frequency.Select(f => (int)f).ToArray(),
            Monetary.Select(m => (decimal)m).ToArray());
    }

    /// <summary>Random population with many ties (small whole numbers) or continuous values, some prospects, random unique ids.</summary>
    private static Population Make(int seed, int n)
    {
        var random = new Random(seed);
        var ties = random.Next(3);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (ids.Count < n)
        {
            ids.Add("C" + random.Next(0, 10 * (n + 1)).ToString(CultureInfo.InvariantCulture));
        }

        var idArray = ids.ToArray();
        var recency = new double[n];
        var frequency = new double[n];
        var monetary = new double[n];
        for (var i = 0; i < n; i++)
        {
            frequency[i] = random.Next(10) == 0 ? 0 : 1 + random.Next(ties == 0 ? 3 : 12);
            recency[i] = frequency[i] == 0 ? double.NaN : random.Next(ties == 0 ? 4 : 400);
            monetary[i] = ties switch
            {
                0 => 10 * random.Next(3),
                1 => Math.Round(random.NextDouble() * 500, 2),
                _ => -50 + random.Next(100),
            };
        }

        return new Population(idArray, recency, frequency, monetary);
    }

    [Property(MaxTest = 300)]
    public bool Score_AnyPopulation_EqualsNaiveSortOracle(int seed, byte size, byte binsRaw)
    {
        var bins = 2 + (binsRaw % 9);
        var p = Make(seed, size % 120);
        var result = RfmScorer.Score(p.ToValues(), new RfmSettings(bins));
        var expected = RfmTestData.Naive(p.Ids, p.Recency, p.Frequency, result.Values.MonetaryAsDoubleToArray(), bins);
        return result.Scores.ToArray().SequenceEqual(expected);
    }

    [Property(MaxTest = 200)]
    public bool ScorePartition_MergedPartials_EqualSinglePass(int seed, byte size, byte partitionsRaw, byte binsRaw)
    {
        var bins = 2 + (binsRaw % 9);
        var settings = new RfmSettings(bins);
        var p = Make(seed, size % 150);
        var all = RfmScorer.Score(p.ToValues(), settings);
        var partitions = 1 + (partitionsRaw % 6);
        var random = new Random(seed ^ 0x5eed);
        var assignment = p.Ids.Select(_ => random.Next(partitions)).ToArray();
        var parts = Enumerable.Range(0, partitions).Select(k =>
        {
            var idx = Enumerable.Range(0, p.Ids.Length).Where(i => assignment[i] == k).ToArray();
            return (Index: idx, Values: new Population(
                [.. idx.Select(i => p.Ids[i])], [.. idx.Select(i => p.Recency[i])], [.. idx.Select(i => p.Frequency[i])], [.. idx.Select(i => p.Monetary[i])]).ToValues());
        }).ToArray();
        var merged = RfmPartial.Merge(parts.Reverse().Select(x => RfmPartial.Create(x.Values)));
        var cuts = merged.ToCutPoints(settings);
        foreach (var (index, values) in parts)
        {
            var scored = RfmScorer.ScorePartition(values, cuts, settings);
            for (var j = 0; j < index.Length; j++)
            {
                if (scored.Scores[j] != all.Scores[index[j]] || scored.SegmentOf(j) != all.SegmentOf(index[j]))
                {
                    return false;
                }
            }
        }

        return merged.PurchaserCount == all.CutPoints.PurchaserCount;
    }

    [Property(MaxTest = 200)]
    public bool CutPoints_ScoreOneCustomer_ReproducesBatch(int seed, byte size)
    {
        var p = Make(seed, size % 100);
        var result = RfmScorer.Score(p.ToValues());
        for (var i = 0; i < p.Ids.Length; i++)
        {
            var one = result.CutPoints.Score(p.Recency[i], p.Frequency[i], result.Values.MonetaryAsDoubleAt(i), p.Ids[i]);
            if (one != result.Scores[i])
            {
                return false;
            }
        }

        return true;
    }

    [Property(MaxTest = 200)]
    public bool Score_ScalingMonetary_LeavesScoresUnchanged(int seed, byte size)
    {
        var p = Make(seed, size % 100);
        var scaled = p with { Monetary = [.. p.Monetary.Select(m => m * 3)] };
        return RfmScorer.Score(p.ToValues()).Scores.ToArray().SequenceEqual(RfmScorer.Score(scaled.ToValues()).Scores.ToArray());
    }

    [Property(MaxTest = 200)]
    public bool Score_Segments_PartitionTheCustomers(int seed, byte size)
    {
        var p = Make(seed, size % 100);
        var result = RfmScorer.Score(p.ToValues(), new RfmSettings(segmentMap: RfmSegmentMap.RecencyFrequencyMonetary11));
        var counts = result.CountBySegment();
        var prospects = p.Frequency.Count(f => f == 0);
        return counts.Sum(c => c.Value) == p.Ids.Length
            && counts[^1].Value == prospects
            && Enumerable.Range(0, result.Count).All(i => (result.SegmentOf(i) == RfmSegmentMap.Prospects) == (p.Frequency[i] == 0));
    }

    [Fact]
    public void Score_Empty_ReturnsEmptyResult()
    {
        var result = RfmScorer.Score(RfmValues.Create([], [], [], []));
        Assert.Equal(0, result.Count);
        Assert.Equal(0, result.CutPoints.PurchaserCount);
        Assert.All(result.CountBySegment(), c => Assert.Equal(0, c.Value));
        Assert.Throws<InvalidOperationException>(() => result.CutPoints.Score(1, 1, 1, "x"));
    }

    [Fact]
    public void Score_AllTiedNumericIds_NumericOrderFillsTheBins()
    {
        // Issue #17: "10" < "9" in text order; pandas on an int64 id column ranks 9 before 10.
        string[] ids = ["10", "9", "100", "2", "1", "20", "11", "3", "99", "0"];
        var result = RfmScorer.Score(RfmValues.Create(ids, Enumerable.Repeat(7.0, 10).ToArray(), Enumerable.Repeat(2, 10).ToArray(), Enumerable.Repeat(5m, 10).ToArray()));
        string[] numericOrder = ["0", "1", "2", "3", "9", "10", "11", "20", "99", "100"];
        var byId = numericOrder.Select(id => result.Scores[Array.IndexOf(ids, id)]).ToArray();
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], byId.Select(s => (int)s.Frequency));

        // The cut-points agree with the batch for every customer (same order in single-customer scoring).
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(result.Scores[i], result.CutPoints.Score(7.0, 2, 5.0, ids[i]));
        }
    }

    [Fact]
    public void Score_AllTied_IdOrderFillsTheBins()
    {
        string[] ids = ["j", "b", "a", "h", "c", "e", "d", "g", "f", "i"];
        var result = RfmScorer.Score(RfmValues.Create(ids, Enumerable.Repeat(7.0, 10).ToArray(), Enumerable.Repeat(2, 10).ToArray(), Enumerable.Repeat(5m, 10).ToArray()));
        var byId = Enumerable.Range(0, 10).OrderBy(i => ids[i], StringComparer.Ordinal).Select(i => result.Scores[i]).ToArray();

        // pandas: qcut(rank(method="first"), 5) of 10 tied values = bins 1,1,2,2,...,5,5 in id order; recency reversed.
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], byId.Select(s => (int)s.Frequency));
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], byId.Select(s => (int)s.Monetary));
        Assert.Equal([5, 5, 4, 4, 3, 3, 2, 2, 1, 1], byId.Select(s => (int)s.Recency));
    }

    [Fact]
    public void Score_FewerCustomersThanBins_LeavesBinsEmptyAsPandas()
    {
        // pandas 1.5.3: pd.qcut(pd.Series([1.0, 2.0, 3.0]), 5, labels=False) -> [0, 2, 4]
        var result = RfmScorer.Score(RfmValues.Create(["a", "b", "c"], [1, 2, 3], [1, 2, 3], [1m, 2m, 3m]));
        Assert.Equal([1, 3, 5], result.Scores.ToArray().Select(s => (int)s.Frequency));
        Assert.Equal([5, 3, 1], result.Scores.ToArray().Select(s => (int)s.Recency));
    }

    [Fact]
    public void Score_SingleCustomer_GetsLowestBins()
    {
        // Documented outcome (pandas raises "Bin edges must be unique"): R = bins, F = M = 1.
        var result = RfmScorer.Score(RfmValues.Create(["a"], [3], [4], [10m]));
        Assert.Equal(new RfmScore(5, 1, 1), result.Scores[0]);
        Assert.Equal("New Customers", result.SegmentOf(0));
    }

    [Fact]
    public void Score_NaNRecency_ThrowsNamingTheMeasureAndPosition()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => RfmValues.Create(["a", "b"], [1, double.NaN], [1, 1], [1m, 1m]));
        Assert.Contains("recencyDays[1]", ex.Message, StringComparison.Ordinal);
        var spans = Assert.Throws<ArgumentOutOfRangeException>(() =>
            RfmScorer.Score([1.0, 2.0], [1.0, 1.0], [1.0, double.NaN], null, RfmSettings.Default, new RfmScore[2]));
        Assert.Equal("monetary", spans.ParamName);
        Assert.Contains("monetary[1]", spans.Message, StringComparison.Ordinal);
        var recency = Assert.Throws<ArgumentOutOfRangeException>(() =>
            RfmScorer.Score([1.0, double.NaN], [1.0, 1.0], [1.0, 1.0], null, RfmSettings.Default, new RfmScore[2]));
        Assert.Equal("recencyDays", recency.ParamName);
        Assert.Contains("recencyDays[1]", recency.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => RfmScorer.Score([1.0], [-1.0], [1.0], null, RfmSettings.Default, new RfmScore[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => RfmSegmentMap.RecencyFrequency10.SegmentOf(new RfmScore(6, 1, 1)));
    }

    [Fact]
    public void Score_ProspectIgnoresNaNRecency()
    {
        var result = RfmScorer.Score([double.NaN, 2.0], [0.0, 1.0], [0.0, 5.0], null, RfmSettings.Default, new RfmScore[2]);
        Assert.Equal(1, result.PurchaserCount);
    }

    [Fact]
    public void Score_LengthMismatch_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => RfmValues.Create(["a", "b"], [1], [1, 1], [1m, 1m]));
        Assert.Contains("Expected 2", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RfmValues.Create(["a", "a"], [1, 1], [1, 1], [1m, 1m]));
    }

    [Fact]
    public void Score_Thresholds_UsesRightClosedBinsAndReversesRecency()
    {
        var thresholds = new RfmThresholds([30, 90, 180, 365], [1, 2, 4, 8], [50m, 100m, 250m, 500m]);
        var settings = new RfmSettings(binning: RfmBinning.Thresholds, thresholds: thresholds);
        var result = RfmScorer.Score(RfmValues.Create(["a", "b", "c"], [30, 31, 400], [1, 5, 9], [50m, 50.01m, 1000m]), settings);
        Assert.Equal(new RfmScore(5, 1, 1), result.Scores[0]);
        Assert.Equal(new RfmScore(4, 4, 2), result.Scores[1]);
        Assert.Equal(new RfmScore(1, 5, 5), result.Scores[2]);
        Assert.Equal(result.Scores[1], result.CutPoints.Score(31, 5, 50.01));
    }

    [Fact]
    public void Settings_Invalid_ThrowWithRange()
    {
        Assert.Contains("[2, 10]", Assert.Throws<ArgumentOutOfRangeException>(() => new RfmSettings(1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new RfmSettings(binning: RfmBinning.Thresholds));
        Assert.Throws<ArgumentException>(() => new RfmSettings(3, RfmBinning.Thresholds, new RfmThresholds([1], [1], [1m])));
        Assert.Throws<ArgumentException>(() => new RfmSettings(4, segmentMap: RfmSegmentMap.RecencyFrequency10));
        Assert.Throws<ArgumentException>(() => new RfmThresholds([2, 1], [1, 2], [1m, 2m]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RfmThresholds([double.NaN], [1], [1m]));
        Assert.Equal(3, new RfmSettings(3).SegmentMap.Bins);
    }

    [Fact]
    public void FromFeatures_MatchesFromTransactions()
    {
        using var stream = RfmTestData.Open("transactions.csv");
        var table = CsvTransactionReader.ReadStream(stream, "transactions.csv");
        var asOf = RfmValues.DefaultAsOf(table);
        var a = RfmValues.FromTransactions(table, asOf);
        var b = RfmValues.FromFeatures(FeatureExtractor.Compute(table, asOf));
        Assert.Equal(a.CustomerIds, b.CustomerIds);
        Assert.Equal(a.RecencyDays.ToArray(), b.RecencyDays.ToArray());
        Assert.Equal(a.Frequency.ToArray(), b.Frequency.ToArray());
        Assert.Equal(a.Monetary.ToArray(), b.Monetary.ToArray());
    }

    [Fact]
    public void SingleCustomerPath_DoesNotAllocate()
    {
        var p = Make(7, 500);
        var result = RfmScorer.Score(p.ToValues());
        var map = RfmSegmentMap.RecencyFrequencyMonetary11;
        var groups = TargetGroupSet.CreateDefault();
        var cuts = result.CutPoints;
        var sink = 0;
        for (var i = 0; i < 200; i++)
        {
            var s = cuts.Score(12, 3, 99.5, p.Ids[i % p.Ids.Length]);
            sink += map.SegmentOf(s).Length + groups.Evaluate(s).Count;
        }

        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                var s = cuts.Score(i, 1 + (i % 7), i * 3.5, p.Ids[i]);
                sink += map.SegmentOf(s).Length + groups.Evaluate(s).Count;
            }
        });

        Assert.True(sink > 0);
        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
    }
}

public sealed class RfmValuesTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void FromTransactions_OrdersReturnsAndAmounts_MatchFeatureExtractor(bool subCent, bool smallAmounts)
    {
        var random = new Random(3);
        var builder = new CemCore.Transactions.TransactionTableBuilder();
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var order = 0;
        for (var c = 0; c < 60; c++)
        {
            var id = "K" + c.ToString(CultureInfo.InvariantCulture);
            var orders = random.Next(0, 5);
            for (var o = 0; o < orders; o++)
            {
                var orderId = "O" + (order++).ToString(CultureInfo.InvariantCulture);
                var when = start.AddHours(random.Next(0, 24 * 400));
                for (var line = 0; line < 1 + random.Next(3); line++)
                {
                    var amount = subCent ? Math.Round((decimal)random.NextDouble() * 100m, 3)
                        : smallAmounts ? random.Next(0, 100_000) / 100m * (line + 1) : random.NextInt64(0, 3_000_000_000) / 100m * (line + 1);
                    builder.AddRow(id, when.UtcTicks, amount, CemCore.Transactions.TransactionKind.Purchase, orderId, default, default, 1, 0m, default, CemCore.Transactions.ReturnReason.Unspecified);
                }

                if (random.Next(4) == 0)
                {
                    builder.AddRow(id, when.AddDays(3).UtcTicks, 1.25m, CemCore.Transactions.TransactionKind.Return, "R" + orderId, default, default, 1, 0m, orderId, CemCore.Transactions.ReturnReason.Size);
                }
            }

            if (orders == 0)
            {
                // Only a late purchase after as-of: a prospect as of as-of.
                builder.AddRow(id, start.AddDays(500).UtcTicks, 10m, CemCore.Transactions.TransactionKind.Purchase, "L" + id, default, default, 1, 0m, default, CemCore.Transactions.ReturnReason.Unspecified);
            }
        }

        var table = builder.Build();
        var asOf = start.AddDays(450);
        var a = RfmValues.FromTransactions(table, asOf);
        var b = RfmValues.FromFeatures(FeatureExtractor.Compute(table, asOf));
        Assert.Equal(b.Frequency.ToArray(), a.Frequency.ToArray());
        Assert.Equal(b.Monetary.ToArray(), a.Monetary.ToArray());
        Assert.Equal(b.RecencyDays.ToArray(), a.RecencyDays.ToArray());
        Assert.Contains(0, a.Frequency.ToArray());

        // The cache-aware pass (forced: partitions of 4 customers) gives the same values as the row-order pass, or falls back to it.
        var partitioned = RfmValues.FromTransactionsCore(table, asOf, directCustomerLimit: 0, partitionBits: 2);
        Assert.Equal(a.CustomerIds, partitioned.CustomerIds);
        Assert.Equal(a.Frequency.ToArray(), partitioned.Frequency.ToArray());
        Assert.Equal(a.Monetary.ToArray(), partitioned.Monetary.ToArray());
        Assert.Equal(a.RecencyDays.ToArray(), partitioned.RecencyDays.ToArray());
        Assert.Contains(RfmSegmentMap.Prospects, Enumerable.Range(0, a.Count).Select(RfmScorer.Score(a).SegmentOf));
    }

    [Fact]
    public void DefaultAsOf_IsMidnightAfterTheLastTransaction()
    {
        var builder = new CemCore.Transactions.TransactionTableBuilder();
        builder.AddRow("a", new DateTimeOffset(2025, 3, 4, 23, 59, 0, TimeSpan.Zero).UtcTicks, 1m, CemCore.Transactions.TransactionKind.Purchase, default, default, default, 1, 0m, default, CemCore.Transactions.ReturnReason.Unspecified);
        Assert.Equal(new DateTimeOffset(2025, 3, 5, 0, 0, 0, TimeSpan.Zero), RfmValues.DefaultAsOf(builder.Build()));
    }
}

public sealed class RfmKernelTests
{
    [Property(MaxTest = 300)]
    public bool SortById_LargeGroups_EqualsOracleSort(int seed, byte size)
    {
        var random = new Random(seed);
        // Kinds: text ids (ordinal), digit strings (numeric when integer-like: "9" < "10"; "007" and 20-digit ones stay text), mixed.
        var kind = random.Next(3);
        var alphabet = kind == 1 ? "0123456789" : kind == 2 ? "\0AB0123456789" : "\0AB Cab0129\u00e9\uffff";
        var prefix = kind == 0 && random.Next(2) == 0 ? "CUST-" : string.Empty;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var n = 33 + size;
        while (ids.Count < n)
        {
            var len = kind == 0 ? random.Next(0, 9) : random.Next(1, random.Next(2) == 0 ? 5 : 21);
            var chars = new char[len];
            for (var i = 0; i < len; i++)
            {
                chars[i] = alphabet[random.Next(alphabet.Length)];
            }

            ids.Add(prefix + new string(chars));
        }

        var array = ids.ToArray();
        var group = Enumerable.Range(0, array.Length).ToArray();
        if (size % 2 == 0)
        {
            RfmScorer.SortById(group, array);
        }
        else
        {
            RfmScorer.SortInIdOrder(group, array); // the scorer's entry: checks for id order, then sorts; a second call keeps it
            RfmScorer.SortInIdOrder(group, array);
        }

        var expected = Enumerable.Range(0, array.Length).OrderBy(i => array[i], IdOracle.Instance).ToArray();
        return group.SequenceEqual(expected);
    }

    [Property(MaxTest = 200)]
    public bool MultiSelect_AnyPositions_MatchFullSort(int seed, ushort size, byte distinct)
    {
        var random = new Random(seed);
        var n = size % 3000;
        var a = Enumerable.Range(0, n).Select(_ => distinct % 4 == 0 ? random.NextDouble() : random.Next(1 + (distinct % 50)) * 0.5).ToArray();
        var positions = Enumerable.Range(0, random.Next(0, 10)).Select(_ => n == 0 ? 0 : random.Next(n)).Distinct().Order().Where(p => p < n).ToArray();
        var sorted = a.Order().ToArray();
        RfmScorer.MultiSelect(a, positions, 0);
        return positions.All(p => a[p] == sorted[p]) && a.Order().SequenceEqual(sorted);
    }

    [Property(MaxTest = 300)]
    public bool RadixSelect_AnyPositions_MatchFullSort(int seed, ushort size, byte kind)
    {
        // The selection used from RfmScorer.RadixSelectMin purchasers on: uniform values, heavy ties with negatives, six decades of both
        // signs, ±0 and tiny values, all equal; a random subset of purchasers; against a full sort of their values.
        var random = new Random(seed);
        var n = 1 + (size % 5_000);
        double Next() => (kind % 5) switch
        {
            0 => random.NextDouble(),
            1 => (random.Next(1 + (kind % 50)) * 0.5) - 3,
            2 => (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-5, 8)),
            3 => random.Next(3) switch { 0 => 0.0, 1 => -0.0, _ => 1e-300 * random.Next(-2, 3) },
            _ => 42.0,
        };
        var a = Enumerable.Range(0, n).Select(_ => Next()).ToArray();
        var purchasers = Enumerable.Range(0, n).Where(_ => random.Next(4) != 0).ToArray();
        if (purchasers.Length == 0)
        {
            return true;
        }

        var positions = Enumerable.Range(0, random.Next(1, 10)).Select(_ => random.Next(purchasers.Length)).Distinct().Order().ToArray();
        var sorted = purchasers.Select(i => a[i]).Order().ToArray();
        var result = new double[positions.Length];
        RfmScorer.RadixSelect(a, purchasers, positions, result);
        return positions.Select((p, j) => result[j] == sorted[p]).All(x => x);
    }

    [Fact]
    public void Score_LargeTieGroups_EqualsNaiveOracle()
    {
        var random = new Random(11);
        const int n = 5_000;
        var ids = Enumerable.Range(0, n).Select(i => "C" + ((i * 7919) % 100_003).ToString(CultureInfo.InvariantCulture)).ToArray();
        var recency = Enumerable.Range(0, n).Select(_ => (double)random.Next(30)).ToArray();
        var frequency = Enumerable.Range(0, n).Select(_ => (double)(1 + random.Next(4))).ToArray();
        var monetary = Enumerable.Range(0, n).Select(_ => random.Next(5) * 10.5).ToArray();
        var scores = new RfmScore[n];
        RfmScorer.Score(recency, frequency, monetary, ids, new RfmSettings(7), scores);
        Assert.Equal(RfmTestData.Naive(ids, recency, frequency, monetary, 7), scores);
    }

    [Fact]
    public void Score_AboveParallelThreshold_EqualsNaiveOracle()
    {
        // Above RfmScorer.ParallelThreshold purchasers the three rankings run in parallel: same scores as the oracle.
        var random = new Random(12);
        var n = RfmScorer.ParallelThreshold * 2 + 17;
        var ids = Enumerable.Range(0, n).Select(i => "C" + ((i * 7919) % 1_000_003).ToString(CultureInfo.InvariantCulture)).ToArray();
        var recency = Enumerable.Range(0, n).Select(_ => (double)random.Next(400)).ToArray();
        var frequency = Enumerable.Range(0, n).Select(i => i % 97 == 0 ? 0.0 : 1 + random.Next(12)).ToArray();
        var monetary = Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * 900, 2)).ToArray();
        var scores = new RfmScore[n];
        RfmScorer.Score(recency, frequency, monetary, ids, new RfmSettings(5), scores);
        Assert.Equal(RfmTestData.Naive(ids, recency, frequency, monetary, 5), scores);
    }

    [Fact]
    public void Score_AboveParallelThreshold_NoIds_TiesByPosition_EqualsNaiveOracle()
    {
        // Without ids the parallel path skips the id-order sort and collects ties in input order: the oracle with ids "0", "1", … (integer-like,
        // so in numeric order, i.e. by position). Few distinct values, so every boundary has a large tie group.
        var random = new Random(13);
        var n = RfmScorer.ParallelThreshold + 4_321;
        var positions = Enumerable.Range(0, n).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var recency = Enumerable.Range(0, n).Select(_ => (double)random.Next(30)).ToArray();
        var frequency = Enumerable.Range(0, n).Select(i => i % 89 == 0 ? 0.0 : 1 + random.Next(4)).ToArray();
        var monetary = Enumerable.Range(0, n).Select(_ => random.Next(20) * 5.0).ToArray();
        var scores = new RfmScore[n];
        RfmScorer.Score(recency, frequency, monetary, null, new RfmSettings(5), scores);
        Assert.Equal(RfmTestData.Naive(positions, recency, frequency, monetary, 5), scores);
    }
}
