using System.Globalization;
using CemCore.Segmentation.Rfm;
using CemCore.Transactions;

namespace CemCore.Tests.Segmentation.Rfm;

/// <summary>
/// Issue 17: the cache-aware (partitioned, chunked) aggregation of <see cref="RfmValues.FromTransactions"/> against the row-order pass
/// and an independent naive aggregation (LINQ over the rows, decimal sums), on tables just below and above the default threshold and on
/// forced small and large partitions and chunks, with amounts that take each fallback or side path (sub-cent, too many cents for a packed
/// row, totals of 2^51 cents and more, purchases more than 2^16 days before as-of).
/// </summary>
public sealed class RfmAggregationTests
{
    public enum Amounts
    {
        /// <summary>Whole cents with 0, 1 or 2 decimals (the fast path).</summary>
        Cents,

        /// <summary>Some amounts with 3 or 4 decimals (decimal sums).</summary>
        SubCent,

        /// <summary>Some amounts of 30 million (3·10^9 cents: more than a packed row holds with 2^16 customers or more per partition).</summary>
        Large,

        /// <summary>Amounts of 10^12 for a few customers, whose totals reach 2^51 cents and more.</summary>
        Huge,

        /// <summary>Whole cents, and one purchase 200 years before as-of (more days than a packed row holds).</summary>
        Ancient,
    }

    [Theory]
    [InlineData(RfmValues.DirectCustomerLimit, Amounts.Cents)]
    [InlineData(RfmValues.DirectCustomerLimit + 1, Amounts.Cents)]
    [InlineData(RfmValues.DirectCustomerLimit + 1, Amounts.SubCent)]
    [InlineData(RfmValues.DirectCustomerLimit + 1, Amounts.Large)]
    [InlineData(RfmValues.DirectCustomerLimit + 1, Amounts.Ancient)]
    public void FromTransactions_AroundTheThreshold_EqualsRowOrderAndNaive(int customers, Amounts amounts)
    {
        var (table, asOf) = Build(customers, rows: 3 * customers, amounts, seed: customers);
        var values = RfmValues.FromTransactions(table, asOf);
        var direct = RfmValues.FromTransactionsCore(table, asOf, directCustomerLimit: int.MaxValue, partitionBits: 14);
        AssertSame(direct, values);
        AssertNaive(table, asOf, values);
    }

    [Theory]
    [InlineData(Amounts.Cents, 0)]
    [InlineData(Amounts.Cents, 1)]
    [InlineData(Amounts.SubCent, 2)]
    [InlineData(Amounts.Large, 3)]
    [InlineData(Amounts.Huge, 4)]
    [InlineData(Amounts.Ancient, 5)]
    public void FromTransactions_ForcedPartitionsAndChunks_EqualRowOrderAndNaive(Amounts amounts, int seed)
    {
        var (table, asOf) = Build(customers: 3_000, rows: 20_000, amounts, seed);
        var direct = RfmValues.FromTransactionsCore(table, asOf, directCustomerLimit: int.MaxValue, partitionBits: 14);
        AssertNaive(table, asOf, direct);
        if (amounts == Amounts.Huge)
        {
            // The exact-cents path for totals of 2^51 cents and more is taken.
            Assert.True(direct.Monetary[7] >= (1L << 51) / 100m, direct.Monetary[7].ToString(CultureInfo.InvariantCulture));
        }

        if (amounts == Amounts.Ancient)
        {
            Assert.True(direct.RecencyDays.ToArray().Max() > ushort.MaxValue);
        }

        // Bits 17 and 18 (one partition of 3,000 customers) leave 2^29 and 2^28 cents to a packed row: the Large amounts (3·10^9 cents)
        // are kept aside and added before the output.
        foreach (var (bits, chunkRows) in new[] { (0, 5_000), (2, 1_000), (4, 7_001), (6, 20_000), (14, 1), (14, 1 << 23), (17, 1 << 23), (18, 999), (RfmValues.AutoPartitionBits, 3_001) })
        {
            // One thread, and 2 or 3 threads splitting each chunk into row segments (orders may straddle two segments).
            foreach (var workers in new[] { 1, 2, 3 })
            {
                AssertSame(direct, RfmValues.FromTransactionsCore(table, asOf, directCustomerLimit: 0, partitionBits: bits, maxChunkRows: chunkRows, workers: workers));
            }
        }
    }

    [Fact]
    public void FromTransactions_EmptyAndTinyTables_Partitioned_EqualRowOrder()
    {
        var builder = new TransactionTableBuilder();
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        builder.AddRow("a", t0.UtcTicks, 12.5m, TransactionKind.Purchase, default, default, default, 1, 0m, default, ReturnReason.Unspecified);
        var asOf = t0.AddDays(3);
        var table = builder.Build();
        var values = RfmValues.FromTransactionsCore(table, asOf, directCustomerLimit: 0, partitionBits: 0, maxChunkRows: 1);
        Assert.Equal([1], values.Frequency.ToArray());
        Assert.Equal([3.0], values.RecencyDays.ToArray());
        Assert.Equal([12.5m], values.Monetary.ToArray());

        // Every row at or after as-of: one prospect.
        var prospect = RfmValues.FromTransactionsCore(table, t0, directCustomerLimit: 0, partitionBits: 0);
        Assert.Equal([0], prospect.Frequency.ToArray());
        Assert.True(double.IsNaN(prospect.RecencyDays[0]));
        Assert.Equal([0m], prospect.Monetary.ToArray());
    }

    private static (TransactionTable Table, DateTimeOffset AsOf) Build(int customers, int rows, Amounts amounts, int seed)
    {
        var random = new Random(seed);
        var builder = new TransactionTableBuilder(rows);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var asOf = start.AddDays(800);
        var ids = new string[customers];
        for (var c = 0; c < customers; c++)
        {
            ids[c] = "C" + c.ToString(CultureInfo.InvariantCulture);
        }

        var order = 0;
        var added = 0;
        var lastOrder = new string?[customers];
        while (added < rows)
        {
            // Every customer first (possibly only after as-of: a prospect), then the rest in random customer order.
            var c = added < customers ? added : random.Next(customers);
            var when = start.AddSeconds(random.NextInt64(830L * 86_400));
            var kind = random.Next(10) == 0 ? TransactionKind.Return : TransactionKind.Purchase;
            var amount = random.Next(4) switch
            {
                0 => random.Next(0, 1_000),
                1 => random.Next(0, 100_000) / 10m,
                _ => random.Next(0, 10_000_000) / 100m,
            };
            if (amounts == Amounts.SubCent && random.Next(50) == 0)
            {
                amount = random.Next(0, 10_000_000) / (random.Next(2) == 0 ? 1_000m : 10_000m);
            }
            else if (amounts == Amounts.Large && random.Next(1_000) == 0)
            {
                amount = 30_000_000m;
            }
            else if (amounts == Amounts.Huge && added >= customers && random.Next(2) == 0)
            {
                // Whole cents (4·10^11 each) summed in 64 bits past 2^51 cents: the exact cents are kept.
                (c, amount, kind) = (7, 4_000_000_000m, TransactionKind.Purchase);
            }
            else if (amounts == Amounts.Ancient && added == rows / 2)
            {
                // A customer whose only purchase is 200 years before as-of (recency above 2^16 days).
                builder.AddRow("ancient", asOf.AddYears(-200).UtcTicks, amount, TransactionKind.Purchase, default, default, default, 1, 0m, default, ReturnReason.Unspecified);
                added++;
                continue;
            }

            // A return refunds the customer's last order (a customer without one buys instead). Orders of 1-3 lines of one customer;
            // a few purchase rows without an order id (one order per row).
            var original = kind == TransactionKind.Return ? lastOrder[c] : null;
            if (original is null)
            {
                kind = TransactionKind.Purchase;
            }

            var orderId = kind == TransactionKind.Purchase && random.Next(8) == 0 ? null : "O" + (order++).ToString(CultureInfo.InvariantCulture);
            if (kind == TransactionKind.Purchase && orderId is not null)
            {
                lastOrder[c] = orderId;
            }

            var lines = orderId is null || kind == TransactionKind.Return || added < customers ? 1 : 1 + random.Next(3);
            for (var line = 0; line < lines && added < rows; line++, added++)
            {
                builder.AddRow(ids[c], when.UtcTicks, amount, kind, orderId, default, default, 1, 0m, original, original is null ? ReturnReason.Unspecified : ReturnReason.Size);
            }
        }

        return (builder.Build(), asOf);
    }

    private static void AssertSame(RfmValues expected, RfmValues actual)
    {
        Assert.Equal(expected.CustomerIds, actual.CustomerIds);
        Assert.Equal(expected.Frequency.ToArray(), actual.Frequency.ToArray());
        Assert.Equal(expected.Monetary.ToArray(), actual.Monetary.ToArray());
        Assert.Equal(BitsOf(expected.RecencyDays), BitsOf(actual.RecencyDays));
        Assert.Equal(BitsOf(expected.MonetaryAsDoubleToArray()), BitsOf(actual.MonetaryAsDoubleToArray()));
    }

    private static long[] BitsOf(ReadOnlySpan<double> values)
    {
        var bits = new long[values.Length];
        for (var i = 0; i < bits.Length; i++)
        {
            bits[i] = BitConverter.DoubleToInt64Bits(values[i]);
        }

        return bits;
    }

    /// <summary>The definitions of <see cref="RfmValues"/> computed naively: per customer, the decimal sum of purchases minus returns
    /// rounded to cents (half to even), the distinct purchase orders and the whole days from the last purchase, all before as-of.</summary>
    private static void AssertNaive(TransactionTable table, DateTimeOffset asOf, RfmValues values)
    {
        var asOfTicks = asOf.UtcTicks;
        var cust = table.CustomerIndex.ToArray();
        var ticks = table.UtcTicks.ToArray();
        var amounts = table.Amounts.ToArray();
        var kinds = table.Kinds.ToArray();
        var orders = table.OrderIndex.ToArray();
        var groups = Enumerable.Range(0, cust.Length).Where(i => ticks[i] < asOfTicks).ToLookup(i => cust[i]);
        var asDouble = values.MonetaryAsDoubleToArray();
        for (var c = 0; c < values.Count; c++)
        {
            var rows = groups[c].ToArray();
            var purchases = rows.Where(i => kinds[i] == TransactionKind.Purchase).ToArray();
            var money = Math.Round(rows.Sum(i => kinds[i] == TransactionKind.Purchase ? amounts[i] : -amounts[i]), 2, MidpointRounding.ToEven);
            Assert.Equal(money, values.Monetary[c]);
            Assert.Equal((double)money, asDouble[c]);
            Assert.Equal((double)money, values.MonetaryAsDoubleAt(c));
            Assert.Equal(purchases.Select(i => orders[i]).Distinct().Count(), values.Frequency[c]);
            var recency = purchases.Length == 0 ? double.NaN : (double)((asOfTicks - purchases.Max(i => ticks[i])) / TimeSpan.TicksPerDay);
            Assert.Equal(BitConverter.DoubleToInt64Bits(recency), BitConverter.DoubleToInt64Bits(values.RecencyAt(c)));
            Assert.Equal(BitConverter.DoubleToInt64Bits(recency), BitConverter.DoubleToInt64Bits(values.RecencyDays[c]));
        }
    }
}
