using System.Globalization;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Tests.Features;

/// <summary>
/// A <see cref="CustomerFeatureSet"/> from <see cref="FeatureExtractor"/> keeps its values packed and makes each customer's
/// <see cref="CustomerFeatures"/> on first request (issue 17). These tests pin the contract of that: one object per customer whatever the
/// access path or the number of threads asking at once, values equal to the packed ones, absent values absent, equality unaffected.
/// </summary>
public sealed class FeatureSetMaterializationTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static TransactionTable Table(int customers, int seed)
    {
        var random = new Random(seed);
        var b = new TransactionTableBuilder();
        for (var i = 0; i < customers * 4; i++)
        {
            var who = "c" + random.Next(customers).ToString(CultureInfo.InvariantCulture);
            var order = "o" + i.ToString(CultureInfo.InvariantCulture);
            var at = Start.AddHours(random.Next(24 * 200));
            b.AddPurchase(who, at, random.Next(100, 9_000) / 100m, order, new SalesChannel(random.Next(2) == 0 ? "online" : "store"),
                "cat" + random.Next(5).ToString(CultureInfo.InvariantCulture), 1 + random.Next(3), 0m);
            if (random.Next(8) == 0)
            {
                b.AddReturn(who, at.AddDays(2), 1m, order, ReturnReason.Size, "r" + order);
            }
        }

        // A customer whose only row before the as-of instant (day 150) is a return: its purchase is after it.
        b.AddPurchase("returns-only", Start.AddDays(200), 20m, "late");
        b.AddReturn("returns-only", Start.AddDays(3), 5m, "late", ReturnReason.Other, "late-return");
        return b.Build();
    }

    [Fact]
    public void EveryAccessPath_ReturnsTheSameObjectPerCustomer()
    {
        var table = Table(9_000, 1); // three chunks
        var set = FeatureExtractor.Compute(table, Start.AddDays(150));
        Assert.Equal(table.CustomerIds.Count, set.Count);

        // TryGet before any indexer access, then the indexer, then enumeration: one object each time.
        Assert.True(set.TryGet(table.CustomerIds[8_500], out var viaLookup));
        Assert.Same(viaLookup, set[8_500]);
        Assert.False(set.TryGet("nobody", out _));
        var i = 0;
        foreach (var f in set)
        {
            Assert.Same(set[i], f);
            Assert.Equal(table.CustomerIds[i], f.CustomerId);
            Assert.Equal(set.AsOf, f.AsOf);
            i++;
        }

        Assert.Equal(set.Count, i);
    }

    [Fact]
    public void ThreadsAskingAtOnce_GetOneObjectPerCustomer()
    {
        var table = Table(20_000, 2);
        var set = FeatureExtractor.Compute(table, Start.AddDays(150));
        const int threads = 8;
        var seen = new CustomerFeatures[threads][];
        using var barrier = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var mine = new CustomerFeatures[set.Count];
            barrier.SignalAndWait();
            // Half the threads walk forwards and half backwards, so that they race on the same customers from both ends.
            for (var k = 0; k < set.Count; k++)
            {
                var index = t % 2 == 0 ? k : set.Count - 1 - k;
                mine[index] = set[index];
            }

            seen[t] = mine;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());

        for (var c = 0; c < set.Count; c++)
        {
            for (var t = 1; t < threads; t++)
            {
                Assert.Same(seen[0][c], seen[t][c]);
            }
        }
    }

    [Fact]
    public void MaterializedFeatures_KeepAbsentValuesAbsentAndValueEquality()
    {
        var table = Table(5_000, 3);
        var set = FeatureExtractor.Compute(table, Start.AddDays(150));

        Assert.True(set.TryGet("returns-only", out var returnsOnly));
        Assert.Equal(0, returnsOnly.OrderCount);
        Assert.Equal(1, returnsOnly.ReturnCount);
        Assert.Null(returnsOnly.FirstPurchase);
        Assert.Null(returnsOnly.LastPurchase);
        Assert.Null(returnsOnly.RecencyDays);
        Assert.Null(returnsOnly.IntervalMeanDays);
        Assert.Null(returnsOnly.IntervalPopulationStdDevDays);
        Assert.Null(returnsOnly.IntervalMinDays);
        Assert.Null(returnsOnly.IntervalMaxDays);
        Assert.Empty(returnsOnly.Categories);
        Assert.Empty(returnsOnly.Channels);
        Assert.Equal(-5m, returnsOnly.MonetaryTotal);

        var repeat = set.First(f => f.PurchaseDays > 2 && f.Categories.Count > 1);
        Assert.NotNull(repeat.IntervalMeanDays);
        Assert.NotNull(repeat.IntervalMinDays);
        Assert.True(repeat.IntervalMinDays <= repeat.IntervalMaxDays);
        Assert.Equal(repeat.PurchaseDays - 1, repeat.Btyd.Frequency);

        // A copy is equal (same values, same shared statistics) and hashes alike; another customer is not equal.
        var copy = repeat with { };
        Assert.NotSame(repeat, copy);
        Assert.Equal(repeat, copy);
        Assert.Equal(repeat.GetHashCode(), copy.GetHashCode());
        Assert.NotEqual(repeat, set.First(f => f.CustomerId != repeat.CustomerId));

        // A second extraction gives equal values in every field (its statistics are other arrays, so the records are not Equal).
        var again = FeatureExtractor.Compute(table, Start.AddDays(150), new FeatureSettings(maxDegreeOfParallelism: 1));
        for (var c = 0; c < set.Count; c++)
        {
            FeatureAssert.Same(set[c], again[c]);
        }
    }
}
