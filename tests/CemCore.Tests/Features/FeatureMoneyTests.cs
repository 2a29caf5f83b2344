using System.Globalization;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Tests.Features;

/// <summary>
/// <see cref="FeatureExtractor"/> sums the amounts of a chunk of customers in whole cents when every amount and discount of the chunk is a
/// non-negative decimal with at most 2 decimals (issue 17), and in <see cref="decimal"/> otherwise. The reference is an independent naive
/// computation: each sum in <see cref="decimal"/>, row by row (exact for these values, so the order does not matter). Every money value
/// must equal it to the decimal scale (the text "12.5" and "12.50" differ), whichever way the chunk was summed.
/// </summary>
public sealed class FeatureMoneyTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset AsOf = Start.AddDays(40);

    /// <summary>Which chunk (of 4,096 customers) gets an amount the cents path cannot take, if any.</summary>
    public enum Odd
    {
        None,
        ThreeDecimals,
        LargeMantissa,
        NegativeZero,
        DiscountThreeDecimals,
    }

    [Theory]
    [InlineData(Odd.None, 1)]
    [InlineData(Odd.None, -1)]
    [InlineData(Odd.ThreeDecimals, 1)]
    [InlineData(Odd.ThreeDecimals, -1)]
    [InlineData(Odd.LargeMantissa, -1)]
    [InlineData(Odd.NegativeZero, 1)]
    [InlineData(Odd.DiscountThreeDecimals, -1)]
    public void Compute_MixedScales_EqualsNaiveDecimalSums(Odd odd, int parallelism)
    {
        const int customers = 9_000; // chunks 0 and 1 full, chunk 2 partial
        var random = new Random(17 + (int)odd);
        var rows = new List<Row>();
        var orders = new List<Row>();
        for (var i = 0; i < 45_000; i++)
        {
            if (orders.Count > 0 && random.Next(8) == 0)
            {
                var o = orders[random.Next(orders.Count)];
                rows.Add(new Row(o.Customer, o.At.AddHours(random.Next(1, 100)), Money(random), 0m, true, o.Order, null, default));
                continue;
            }

            var customer = "c" + random.Next(customers).ToString(CultureInfo.InvariantCulture);
            var at = Start.AddHours(random.Next(24 * 45)); // some after as-of
            var category = random.Next(4) == 0 ? null : "cat" + random.Next(5).ToString(CultureInfo.InvariantCulture);
            var channel = random.Next(4) == 0 ? default : new SalesChannel(random.Next(2) == 0 ? "web" : "store");
            var discount = random.Next(3) == 0 ? Money(random) : 0m;
            var row = new Row(customer, at, Money(random), discount, false, "o" + i.ToString(CultureInfo.InvariantCulture), category, channel);
            rows.Add(row);
            orders.Add(row);
        }

        // The odd value goes to a purchase in the middle chunk's customers (customers are numbered in order of first appearance).
        var builder = new TransactionTableBuilder();
        var oddCustomer = (string?)null;
        var seen = new HashSet<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            seen.Add(r.Customer);
            if (odd is not (Odd.None or Odd.NegativeZero) && oddCustomer is null && !r.IsReturn && seen.Count > 5_000 && r.At < AsOf)
            {
                oddCustomer = r.Customer;
                r = odd switch
                {
                    Odd.ThreeDecimals => r with { Amount = 12.345m },
                    Odd.LargeMantissa => r with { Amount = 50_000_000.25m }, // 5,000,000,025 cents: above 2^32
                    _ => r with { Discount = 0.125m },
                };
                rows[i] = r;
            }

            if (r.IsReturn)
            {
                builder.AddReturn(r.Customer, r.At, r.Amount, r.Order, ReturnReason.Size, "r" + i.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                builder.AddPurchase(r.Customer, r.At, r.Amount, r.Order, r.Channel, r.Category, 1, r.Discount);
            }
        }

        if (odd == Odd.NegativeZero)
        {
            // A customer of the last chunk whose only purchase is -0.00: 0m + (-0.00m) is negative zero in decimal.
            oddCustomer = "zero";
            var r = new Row(oddCustomer, Start.AddDays(1), new decimal(0, 0, 0, true, 2), 0m, false, "z", null, default);
            rows.Add(r);
            builder.AddPurchase(r.Customer, r.At, r.Amount, r.Order);
        }

        Assert.Equal(odd != Odd.None, oddCustomer is not null);
        var table = builder.Build();
        var actual = FeatureExtractor.Compute(table, AsOf, new FeatureSettings(maxDegreeOfParallelism: parallelism));
        var scales = new HashSet<int>();
        foreach (var group in rows.Where(r => r.At < AsOf).GroupBy(r => r.Customer))
        {
            Assert.True(actual.TryGet(group.Key, out var f));
            var purchases = group.Where(r => !r.IsReturn).ToList();
            Same(Sum(purchases.Select(r => r.Amount)), f.GrossSpend);
            Same(Sum(group.Where(r => r.IsReturn).Select(r => r.Amount)), f.ReturnedAmount);
            Same(Sum(purchases.Select(r => r.Discount)), f.DiscountTotal);
            foreach (var c in f.Categories)
            {
                Same(Sum(purchases.Where(r => r.Category == c.Category).Select(r => r.Amount)), c.Spend);
            }

            foreach (var c in f.Channels)
            {
                Same(Sum(purchases.Where(r => r.Channel == c.Channel).Select(r => r.Amount)), c.Spend);
            }

            Assert.Equal(purchases.Select(r => r.Category).Where(c => c is not null).Distinct().Count(), f.Categories.Count);

            // Gamma-Gamma input: the mean daily total of the repeat days (UTC days after the first purchase day).
            var days = purchases.Select(r => DateOnly.FromDateTime(r.At.UtcDateTime)).Distinct().Order().ToList();
            var repeat = purchases.Where(r => DateOnly.FromDateTime(r.At.UtcDateTime) > days[0]).Select(r => r.Amount);
            Same(days.Count > 1 ? Sum(repeat) / (days.Count - 1) : 0m, f.Btyd.MeanRepeatSpend);
            scales.Add(f.GrossSpend.Scale);
        }

        Assert.Equal([0, 1, 2], scales.Where(s => s <= 2).Order().ToArray()); // totals of every scale were compared
        if (oddCustomer is not null)
        {
            Assert.True(actual.TryGet(oddCustomer, out var f));
            Assert.Equal(odd switch { Odd.LargeMantissa or Odd.NegativeZero => 2, _ => 3 }, odd == Odd.DiscountThreeDecimals ? f.DiscountTotal.Scale : f.GrossSpend.Scale);
            Assert.Equal(odd == Odd.NegativeZero, decimal.IsNegative(f.GrossSpend));
        }
    }

    /// <summary>The cents of the whole chunk: a chunk near the 2^32-cent mantissa limit per amount sums in cents without overflow.</summary>
    [Fact]
    public void Compute_AmountsAtTheCentsMantissaLimit_SumExactly()
    {
        var builder = new TransactionTableBuilder();
        var top = new decimal(-1, 0, 0, false, 2); // 2^32 − 1 cents = 42,949,672.95
        for (var i = 0; i < 1_000; i++)
        {
            builder.AddPurchase("c" + (i % 10).ToString(CultureInfo.InvariantCulture), Start.AddHours(i), top, "o" + i.ToString(CultureInfo.InvariantCulture));
        }

        var f = FeatureExtractor.Compute(builder.Build(), Start.AddDays(50)); // after every row
        Assert.True(f.TryGet("c3", out var c3));
        Same(top * 100, c3.GrossSpend);
        Assert.Equal("4294967295.00", c3.GrossSpend.ToString(CultureInfo.InvariantCulture));
    }

    private static decimal Money(Random random)
    {
        var scale = random.Next(3);
        var mantissa = random.Next(1, 100_000);
        return new decimal(mantissa, 0, 0, false, (byte)scale);
    }

    private static decimal Sum(IEnumerable<decimal> values)
    {
        var sum = 0m;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }

    private static void Same(decimal expected, decimal actual)
    {
        Assert.Equal(expected, actual);
        Assert.Equal(decimal.GetBits(expected), decimal.GetBits(actual)); // the scale and the sign of a zero too
        Assert.Equal(expected.ToString(CultureInfo.InvariantCulture), actual.ToString(CultureInfo.InvariantCulture));
    }

    private sealed record Row(string Customer, DateTimeOffset At, decimal Amount, decimal Discount, bool IsReturn, string Order, string? Category, SalesChannel Channel);
}
