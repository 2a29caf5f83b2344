using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;
using FsCheck.Xunit;

namespace CemCore.Tests.Features;

/// <summary>Hand-computed feature cases. Every expected number is worked out in the comment next to it.</summary>
public sealed class FeatureExtractorTests
{
    private static DateTimeOffset Utc(int y, int m, int d, int h = 0, int min = 0) => new(y, m, d, h, min, 0, TimeSpan.Zero);

    private static CustomerFeatures Single(TransactionTable table, DateTimeOffset asOf, FeatureSettings? settings = null)
    {
        var set = FeatureExtractor.Compute(table, asOf, settings);
        Assert.Single(set);
        return set[0];
    }

    [Fact]
    public void Compute_SameDayPurchases_MergeIntoOnePurchaseDay()
    {
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 1, 1, 10), 10m)
            .AddPurchase("a", Utc(2024, 1, 1, 15), 20m)
            .AddPurchase("a", Utc(2024, 1, 4), 30m)
            .AddPurchase("a", Utc(2024, 1, 10), 40m)
            .Build();
        var f = Single(table, Utc(2024, 1, 20));

        Assert.Equal(4, f.OrderCount);                 // four orders (rows without ids are orders of their own)
        Assert.Equal(3, f.RepeatCount);
        Assert.Equal(3, f.PurchaseDays);               // Jan 1 (two orders merged), Jan 4, Jan 10
        Assert.Equal(100m, f.GrossSpend);
        Assert.Equal(25m, f.MonetaryMean);             // 100 / 4 orders
        Assert.Equal(2, f.IntervalCount);              // gaps 3 and 6 days
        Assert.Equal(4.5, f.IntervalMeanDays!.Value, 12);
        Assert.Equal(1.5, f.IntervalPopulationStdDevDays!.Value, 12); // sqrt(((3-4.5)^2 + (6-4.5)^2) / 2)
        Assert.Equal(3, f.IntervalMinDays);
        Assert.Equal(6, f.IntervalMaxDays);
        Assert.Equal(2, f.Btyd.Frequency);             // repeat purchase days
        Assert.Equal(9.0, f.Btyd.Recency, 12);         // Jan 10 − Jan 1
        Assert.Equal(18.0, f.Btyd.Age, 12);            // end day Jan 19 (as-of exclusive) − Jan 1
        Assert.Equal(35m, f.Btyd.MeanRepeatSpend);     // (30 + 40) / 2: first day excluded
        Assert.Equal(10.0, f.RecencyDays!.Value, 9);   // Jan 20 00:00 − Jan 10 00:00
        Assert.Equal(19.0 - (10.0 / 24.0), f.TenureDays!.Value, 9); // Jan 20 00:00 − Jan 1 10:00
        Assert.Equal(Utc(2024, 1, 1, 10), f.FirstPurchase);
    }

    [Fact]
    public void Compute_BtydInWeeks_DividesDaysBySeven()
    {
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 1, 1), 10m)
            .AddPurchase("a", Utc(2024, 1, 15), 10m)
            .Build();
        var f = Single(table, Utc(2024, 1, 29), new FeatureSettings(TimeUnit.Week));
        Assert.Equal(1, f.Btyd.Frequency);
        Assert.Equal(2.0, f.Btyd.Recency, 12);          // 14 days
        Assert.Equal(27.0 / 7.0, f.Btyd.Age, 12);       // end day Jan 28 − Jan 1 = 27 days
        Assert.Equal(TimeUnit.Week, f.Btyd.Unit);
    }

    [Fact]
    public void Compute_Returns_ReduceMonetaryValue()
    {
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 1, 1), 100m, orderId: "o1")
            .AddPurchase("a", Utc(2024, 1, 3), 50m, orderId: "o2")
            .AddReturn("a", Utc(2024, 1, 5), 30m, "o1", ReturnReason.Size, returnId: "r1")
            .Build();
        var f = Single(table, Utc(2024, 2, 1));
        Assert.Equal(150m, f.GrossSpend);
        Assert.Equal(30m, f.ReturnedAmount);
        Assert.Equal(120m, f.MonetaryTotal);            // 150 − 30
        Assert.Equal(60m, f.MonetaryMean);              // 120 / 2 purchase orders
        Assert.Equal(2, f.OrderCount);                  // a return is not an order
        Assert.Equal(1, f.ReturnCount);
        Assert.Equal(0.5, f.ReturnRate, 12);            // 1 return / 2 orders
        Assert.Equal(2, f.PurchaseDays);                // the return day is not a purchase day
        Assert.Equal(Utc(2024, 1, 3), f.LastPurchase);
    }

    [Fact]
    public void Compute_AsOf_IsExclusive()
    {
        var asOf = Utc(2024, 3, 1);
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 2, 1), 10m, orderId: "o1")
            .AddPurchase("a", asOf.AddTicks(-1), 20m)  // included (last tick before as-of)
            .AddPurchase("a", asOf, 40m)               // excluded: at the as-of instant
            .AddReturn("a", asOf, 5m, "o1")            // excluded
            .AddPurchase("b", asOf.AddDays(3), 80m)    // only after as-of: present with zero purchases
            .Build();
        var set = FeatureExtractor.Compute(table, asOf);
        Assert.Equal(2, set.Count);
        var a = set[0];
        Assert.Equal(2, a.OrderCount);
        Assert.Equal(30m, a.GrossSpend);
        Assert.Equal(0m, a.ReturnedAmount);
        Assert.Equal(28.0, a.Btyd.Age, 12);  // end day Feb 29 (leap year) − Feb 1
        Assert.Equal(28.0, a.Btyd.Recency, 12);
        Assert.True(set.TryGet("b", out var b));
        Assert.False(b.HasPurchased);
        Assert.Null(b.RecencyDays);
        Assert.Equal(0m, b.MonetaryTotal);
        Assert.Equal(0, b.Btyd.Frequency);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Compute_InputOrder_DoesNotMatter(int seed)
    {
        var rows = new List<(string Customer, DateTimeOffset At, decimal Amount, string Order, string Category)>();
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            rows.Add(("c" + random.Next(10), Utc(2024, 1, 1).AddHours(random.Next(24 * 90)), random.Next(1, 500), "o" + i, "k" + random.Next(4)));
        }

        var sorted = rows.OrderBy(r => r.Customer, StringComparer.Ordinal).ThenBy(r => r.At).ToList();
        var rnd = new Random(seed);
        List<(string Customer, DateTimeOffset At, decimal Amount, string Order, string Category)> shuffled = [.. rows.Select(r => (r, rnd.Next())).OrderBy(p => p.Item2).Select(p => p.r)];

        static CustomerFeatureSet Run(IEnumerable<(string Customer, DateTimeOffset At, decimal Amount, string Order, string Category)> input)
        {
            var b = new TransactionTableBuilder();
            foreach (var r in input)
            {
                b.AddPurchase(r.Customer, r.At, r.Amount, r.Order, SalesChannel.Online, r.Category);
            }

            return FeatureExtractor.Compute(b.Build(), Utc(2024, 3, 1));
        }

        var expected = Run(sorted);
        var actual = Run(shuffled);
        foreach (var e in expected)
        {
            Assert.True(actual.TryGet(e.CustomerId, out var a));
            Assert.Equal(e.OrderCount, a.OrderCount);
            Assert.Equal(e.PurchaseDays, a.PurchaseDays);
            Assert.Equal(e.GrossSpend, a.GrossSpend);
            Assert.Equal(e.FirstPurchase, a.FirstPurchase);
            Assert.Equal(e.LastPurchase, a.LastPurchase);
            Assert.Equal(e.Btyd, a.Btyd);
            Assert.Equal(e.IntervalMeanDays, a.IntervalMeanDays);
            Assert.Equal(e.Categories, a.Categories);
            Assert.Equal(e.Channels, a.Channels);
        }
    }

    [Property(MaxTest = 200)]
    public bool Compute_MonetaryTotal_EqualsSumOfSignedAmounts(int[] cents)
    {
        // Invariant: monetary total = Σ purchases − Σ returns over all rows before as-of; frequency + 1 = purchase days for buyers.
        var b = new TransactionTableBuilder();
        decimal expected = 0m;
        var day = 0;
        foreach (var c in cents ?? [])
        {
            var amount = Math.Abs((decimal)c) / 100m;
            var order = "o" + day.ToString(System.Globalization.CultureInfo.InvariantCulture);
            b.AddPurchase("x", Utc(2024, 1, 1).AddDays(day), amount, order);
            expected += amount;
            if (c % 3 == 0)
            {
                b.AddReturn("x", Utc(2024, 1, 1).AddDays(day).AddHours(1), amount / 2m, order);
                expected -= amount / 2m;
            }

            day += Math.Abs(c % 4);
        }

        if (b.Count == 0)
        {
            return true;
        }

        var f = FeatureExtractor.Compute(b.Build(), Utc(2030, 1, 1))[0];
        return f.MonetaryTotal == expected && f.Btyd.Frequency + 1 == f.PurchaseDays && f.Btyd.Recency <= f.Btyd.Age;
    }

    [Fact]
    public void Compute_CalendarDays_AreTakenInTheSettingsTimeZone()
    {
        var utc8 = TimeZoneInfo.CreateCustomTimeZone("UTC+8 test", TimeSpan.FromHours(8), "UTC+8", "UTC+8");

        // 20:00Z and 02:00Z next day: two UTC days, one day in UTC+8 (Jan 2 04:00 and 10:00).
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 1, 1, 20), 10m)
            .AddPurchase("a", Utc(2024, 1, 2, 2), 10m)
            .Build();
        Assert.Equal(2, Single(table, Utc(2024, 2, 1)).PurchaseDays);
        Assert.Equal(1, Single(table, Utc(2024, 2, 1), new FeatureSettings(timeZone: utc8)).PurchaseDays);

        // 15:00Z and 17:00Z: one UTC day, two days in UTC+8 (Jan 1 23:00 and Jan 2 01:00).
        var table2 = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 1, 1, 15), 10m)
            .AddPurchase("a", Utc(2024, 1, 1, 17), 10m)
            .Build();
        Assert.Equal(1, Single(table2, Utc(2024, 2, 1)).PurchaseDays);
        var local = Single(table2, Utc(2024, 1, 10), new FeatureSettings(timeZone: utc8));
        Assert.Equal(2, local.PurchaseDays);
        Assert.Equal(1, local.Btyd.Frequency);
        Assert.Equal(1.0, local.Btyd.Recency, 12);
        // As-of 2024-01-10T00:00Z is 08:00 on Jan 10 in UTC+8: the end day is Jan 10, d0 is Jan 1 → T = 9.
        Assert.Equal(9.0, local.Btyd.Age, 12);
    }

    [Fact]
    public void Compute_CategoryAndChannelMix_CountsOrdersAndSpend()
    {
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 1, 1), 50m, "o1", SalesChannel.Online, "apparel")
            .AddPurchase("a", Utc(2024, 1, 1), 30m, "o1", SalesChannel.Online, "sneakers", quantity: 2)
            .AddPurchase("a", Utc(2024, 1, 5), 20m, "o2", new SalesChannel("Store"), "apparel")
            .AddPurchase("a", Utc(2024, 1, 6), 5m, "o3", new SalesChannel("STORE"))
            .Build();
        var f = Single(table, Utc(2024, 2, 1));
        Assert.Equal(3, f.OrderCount);
        Assert.Equal(5L, f.Quantity);                   // 1 + 2 + 1 + 1
        Assert.Equal(2, f.Categories.Count);
        Assert.Equal(new CategoryStat("apparel", 70m, 2, Utc(2024, 1, 5)), f.Categories[0]);   // o1 + o2
        Assert.Equal(new CategoryStat("sneakers", 30m, 1, Utc(2024, 1, 1)), f.Categories[1]);
        Assert.Equal(2, f.Channels.Count);                                                     // "Store" and "STORE" are one channel
        Assert.Equal(SalesChannel.Online, f.Channels[0].Channel);
        Assert.Equal(1, f.Channels[0].Orders);
        Assert.Equal(80m, f.Channels[0].Spend);
        Assert.Equal(SalesChannelKind.Store, f.Channels[1].Channel.Kind);
        Assert.Equal(2, f.Channels[1].Orders);
        Assert.Equal(25m, f.Channels[1].Spend);
        Assert.Equal(70m, f.FindCategory("APPAREL")!.Value.Spend);
        Assert.Null(f.FindCategory("beauty"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_InterleavedLinesOfSameInstantOrders_CountEachOrderOnce(bool earlierRowLast)
    {
        // Two orders placed at the same instant whose lines the export interleaves (o1, o2, o1), and a return with two lines around
        // another return at one instant: each order counts once, in the totals and in every category and channel it has a line in.
        var at = Utc(2024, 3, 1, 12);
        var builder = new TransactionTableBuilder()
            .AddPurchase("a", at, 10m, "o1", SalesChannel.Online, "shoes")
            .AddPurchase("a", at, 20m, "o2", SalesChannel.Online, "shoes")
            .AddPurchase("a", at, 30m, "o1", SalesChannel.Online, "shoes")
            .AddPurchase("a", at, 5m, "o2", SalesChannel.Online, "socks")
            .AddReturn("a", at.AddDays(1), 4m, "o1", ReturnReason.Size, "r1")
            .AddReturn("a", at.AddDays(1), 3m, "o2", ReturnReason.Size, "r2")
            .AddReturn("a", at.AddDays(1), 2m, "o1", ReturnReason.Size, "r1");
        if (earlierRowLast)
        {
            builder.AddPurchase("a", at.AddDays(-1), 1m, "o0"); // rows out of time order: the sort path rather than the in-order check
        }

        var f = Single(builder.Build(), Utc(2024, 4, 1));
        Assert.Equal(earlierRowLast ? 3 : 2, f.OrderCount);                                 // o1, o2 (and o0)
        Assert.Equal(2, f.ReturnCount);                                                     // r1, r2
        Assert.Equal(new CategoryStat("shoes", 60m, 2, at), f.Categories[0]);               // o1 (10 + 30) and o2 (20)
        Assert.Equal(new CategoryStat("socks", 5m, 1, at), f.Categories[1]);
        Assert.Equal(new ChannelStat(SalesChannel.Online, 2, 65m), f.Channels[0]);          // o0 has no channel
        Assert.Equal(9m, f.ReturnedAmount);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Compute_ManyInterleavedLinesAtOneInstant_CountEachOrderOnce(bool earlierRowLast)
    {
        // 40 lines of 5 orders at one instant, round-robin (o0, o1, …, o4, o0, …): a tie longer than the short insertion sort.
        var at = Utc(2024, 3, 1, 12);
        var builder = new TransactionTableBuilder();
        for (var i = 0; i < 40; i++)
        {
            builder.AddPurchase("a", at, 1m, "o" + (i % 5).ToString(System.Globalization.CultureInfo.InvariantCulture), SalesChannel.Online, i % 2 == 0 ? "even" : "odd");
        }

        if (earlierRowLast)
        {
            builder.AddPurchase("a", at.AddDays(-1), 1m, "x");
        }

        var f = Single(builder.Build(), Utc(2024, 4, 1));
        Assert.Equal(earlierRowLast ? 6 : 5, f.OrderCount);
        Assert.Equal(new CategoryStat("even", 20m, 5, at), f.Categories[0]);  // lines 0, 2, …: every order has even lines (i % 5 hits all)
        Assert.Equal(new CategoryStat("odd", 20m, 5, at), f.Categories[1]);
        Assert.Equal(new ChannelStat(SalesChannel.Online, 5, 40m), f.Channels[0]);
    }

    [Fact]
    public void Compute_DiscountShare_IsDiscountOverListValue()
    {
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2024, 1, 1), 90m, discount: 10m)   // list 100, paid 90
            .AddPurchase("a", Utc(2024, 1, 2), 100m)                 // no discount
            .AddPurchase("b", Utc(2024, 1, 2), 0m)                   // free order: share defined as 0
            .Build();
        var set = FeatureExtractor.Compute(table, Utc(2024, 2, 1));
        Assert.Equal(10m, set[0].DiscountTotal);
        Assert.Equal(10.0 / 200.0, set[0].DiscountShare, 12);        // 10 / (190 + 10)
        Assert.Equal(0.0, set[1].DiscountShare);
    }

    [Fact]
    public void Compute_FullReturn_LeavesZeroMonetaryValue()
    {
        var table = new TransactionTableBuilder()
            .AddPurchase("a", Utc(2023, 12, 1), 40m, "o1")
            .AddReturn("a", Utc(2024, 1, 5), 40m, "o1")
            .Build();
        var f = Single(table, Utc(2024, 1, 10));
        Assert.Equal(1, f.OrderCount);
        Assert.Equal(0m, f.MonetaryTotal);
        Assert.Equal(1.0, f.ReturnRate, 12);
    }
}

public sealed class FeatureExtractorParallelTests
{
    [Fact]
    public void Compute_Parallel_EqualsSequential()
    {
        // 20,000 customers = 5 chunks of 4,096: above FeatureExtractor.ParallelMinChunks, so the parallel path runs (on a multi-core machine).
        var settings = new CemCore.Synthetic.RetailDataSettings(customers: 20_000, seed: 5);
        Assert.True(FeatureExtractor.ParallelMinChunks * 4096 <= 20_000);
        var table = CemCore.Synthetic.RetailDataGenerator.GenerateTable(settings);
        var parallel = FeatureExtractor.Compute(table, settings.EndInstant.AddDays(-100), new FeatureSettings(maxDegreeOfParallelism: -1));
        var sequential = FeatureExtractor.Compute(table, settings.EndInstant.AddDays(-100), new FeatureSettings(maxDegreeOfParallelism: 1));
        Assert.Equal(sequential.Count, parallel.Count);
        for (var i = 0; i < sequential.Count; i++)
        {
            var (s, p) = (sequential[i], parallel[i]);
            Assert.Equal(s.CustomerId, p.CustomerId);
            Assert.Equal(s.MonetaryTotal, p.MonetaryTotal);
            Assert.Equal(s.Btyd, p.Btyd);
            Assert.Equal(s.IntervalPopulationStdDevDays, p.IntervalPopulationStdDevDays);
            Assert.Equal(s.Categories, p.Categories);
            Assert.Equal(s.Channels, p.Channels);
        }
    }

    [Fact]
    public void Settings_BadParallelism_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new FeatureSettings(maxDegreeOfParallelism: 0));
}
