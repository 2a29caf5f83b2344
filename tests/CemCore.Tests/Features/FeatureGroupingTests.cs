using System.Globalization;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Tests.Features;

/// <summary>
/// <see cref="FeatureExtractor"/> groups a table's rows by customer in two levels (by chunk of 4,096 customers, then by customer inside
/// the chunk). The reference is the same extractor on a table holding only one customer's rows (one chunk, one customer: nothing to
/// group): each sampled customer's features from the large table must equal those, field by field, to the decimal scale.
/// </summary>
public sealed class FeatureGroupingTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, -1)]
    [InlineData(3, 2)]
    public void Compute_OverManyChunks_EqualsEachCustomerAlone(int seed, int parallelism)
    {
        // 13,000 customers: three full chunks and a partial one; rows in random customer order, instants shared by several rows, order
        // lines and returns far from their order's first line, categories, channels, discounts and quantities, so that every column is read.
        const int customers = 13_000;
        var random = new Random(seed);
        var rows = new List<(string Customer, Action<TransactionTableBuilder> Add)>();
        var orders = new List<(string Customer, DateTimeOffset At, string Id)>();
        for (var i = 0; i < 60_000; i++)
        {
            var index = i;
            var amount = random.Next(1, 50_000) / 100m;
            var category = random.Next(3) == 0 ? null : "cat" + random.Next(7).ToString(CultureInfo.InvariantCulture);
            var channel = random.Next(3) == 0 ? default : new SalesChannel(random.Next(2) == 0 ? "online" : "store");
            var quantity = random.Next(1, 4);
            var discount = random.Next(4) == 0 ? random.Next(0, 300) / 100m : 0m;
            if (orders.Count > 0 && random.Next(4) == 0)
            {
                // Another line of an earlier order, far from its first line in row order.
                var (customer, at, id) = orders[random.Next(orders.Count)];
                rows.Add((customer, b => b.AddPurchase(customer, at, amount, id, channel, category, quantity, discount)));
                continue;
            }

            if (orders.Count > 0 && random.Next(10) == 0)
            {
                // A return of an earlier order, some hours later.
                var (customer, at, id) = orders[random.Next(orders.Count)];
                var refund = at.AddHours(random.Next(1, 200));
                rows.Add((customer, b => b.AddReturn(customer, refund, amount / 2m, id, ReturnReason.Size, "r" + index.ToString(CultureInfo.InvariantCulture))));
                continue;
            }

            var who = "c" + random.Next(customers).ToString(CultureInfo.InvariantCulture);
            var when = Start.AddHours(random.Next(24 * 30)); // ~60,000 rows over 720 hours: many rows share an instant
            var order = random.Next(3) == 0 ? null : "o" + index.ToString(CultureInfo.InvariantCulture);
            if (order is not null)
            {
                orders.Add((who, when, order));
            }

            rows.Add((who, b => b.AddPurchase(who, when, amount, order, channel, category, quantity, discount)));
        }

        var all = new TransactionTableBuilder();
        foreach (var row in rows)
        {
            row.Add(all);
        }

        var table = all.Build();
        Assert.True(table.CustomerIds.Count > 3 * 4096, "the table spans several chunks");
        var asOf = Start.AddDays(25); // some rows after as-of: excluded
        var actual = FeatureExtractor.Compute(table, asOf, new FeatureSettings(maxDegreeOfParallelism: parallelism));
        Assert.Equal(table.CustomerIds.Count, actual.Count);

        // About 250 customers spread over every chunk.
        var checkedCount = 0;
        for (var c = 0; c < table.CustomerIds.Count; c += 53)
        {
            var id = table.CustomerIds[c];
            var alone = new TransactionTableBuilder();
            foreach (var row in rows)
            {
                if (row.Customer == id)
                {
                    row.Add(alone);
                }
            }

            var expected = FeatureExtractor.Compute(alone.Build(), asOf);
            Assert.True(expected.TryGet(id, out var e));
            Assert.True(actual.TryGet(id, out var a));
            FeatureAssert.Same(e, a);
            checkedCount++;
        }

        Assert.True(checkedCount >= 200);

        // A second extraction of the whole table reuses the pooled statistics buffers of the calls above (returned cleared): every
        // customer's categories and channels must be the same as in the first.
        var again = FeatureExtractor.Compute(table, asOf, new FeatureSettings(maxDegreeOfParallelism: parallelism));
        var withStats = 0;
        foreach (var id in table.CustomerIds)
        {
            Assert.True(actual.TryGet(id, out var first));
            Assert.True(again.TryGet(id, out var second));
            Assert.Equal(first.Categories.ToArray(), second.Categories.ToArray());
            Assert.Equal(first.Channels.ToArray(), second.Channels.ToArray());
            withStats += first.Categories.Count > 0 && first.Channels.Count > 0 ? 1 : 0;
        }

        Assert.True(withStats > customers / 2, "most customers have both categories and channels");
    }
}
