using System.Globalization;
using CemCore.Features;
using CemCore.Kpis;
using CemCore.Primitives;
using CemCore.Segmentation.Rfm;
using CemCore.Sources.Csv;
using CemCore.Synthetic;
using CemCore.Transactions;

namespace CemCore.Tests.Transactions;

/// <summary>
/// The transaction table's money columns packed in 8 bytes per row (<see cref="PackedMoney"/>, issue 17): every amount comes back as the
/// very decimal it was added as (value, scale and sign bits), a column switches to decimals at its first value that does not pack, and
/// the aggregations over packed columns give bit for bit what they give over the same values in decimal columns (the representation
/// every table had before, kept for amounts that do not pack; <see cref="TransactionTable.WithDecimalMoneyColumns"/>).
/// </summary>
public sealed class PackedMoneyTests
{
    private static readonly DateTimeOffset T0 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly decimal NegativeZero = new(0, 0, 0, true, 0);

    [Theory]
    [InlineData("0", true)]
    [InlineData("0.0", true)]
    [InlineData("0.00", true)]
    [InlineData("7", true)]
    [InlineData("10.5", true)]
    [InlineData("10.50", true)]
    [InlineData("42949672.95", true)] // mantissa 2^32 - 1 with cents
    [InlineData("429496729.5", true)]
    [InlineData("4294967295", true)]
    [InlineData("42949672.96", false)] // mantissa 2^32
    [InlineData("4294967296", false)]
    [InlineData("0.125", false)] // three decimals
    [InlineData("0.000", false)]
    [InlineData("-1", false)]
    [InlineData("1000000000000000000", false)]
    [InlineData("79228162514264337593543950335", false)]
    public void TryPack_PacksExactlyTheWholeCentAmounts_AndUnpacksTheSameBits(string text, bool packs)
    {
        var amount = decimal.Parse(text, CultureInfo.InvariantCulture);
        Assert.Equal(packs, PackedMoney.TryPack(amount, out var packed));
        if (!packs)
        {
            return;
        }

        Assert.Equal(decimal.GetBits(amount), decimal.GetBits(PackedMoney.Unpack(packed)));
        Span<int> bits = stackalloc int[4];
        Assert.True(WholeCents.TryFromAmount(amount, bits, out var cents, out var scale));
        Assert.Equal(cents, PackedMoney.Cents(packed));
        Assert.Equal(scale, PackedMoney.Scale(packed));
    }

    /// <summary>The CSV reader packs while it parses, from the digits (<see cref="Utf8Parsing"/>): the same packed value as
    /// <see cref="PackedMoney.TryPack"/> of the parsed decimal, on the fast path and on decimal's own parse (leading zeros, long fractions).</summary>
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("-0.00")]
    [InlineData("+1.5")]
    [InlineData("12.30")]
    [InlineData("42949672.95")]
    [InlineData("42949672.96")]
    [InlineData("4294967295")]
    [InlineData("4294967296")]
    [InlineData("0.125")]
    [InlineData("-3.20")]
    [InlineData("007.50")]
    [InlineData("0000000000000000000012.5")]
    [InlineData("1.0000000000000000000000000001")]
    [InlineData("999999999999999999")]
    [InlineData(" 5.05 ")]
    public void ParsedPacking_EqualsTryPackOfTheParsedValue(string text)
    {
        Assert.True(Utf8Parsing.TryParseDecimal(System.Text.Encoding.UTF8.GetBytes(text), out var value, out _, out var packed));
        Assert.Equal(PackedMoney.TryPack(value, out var expected) ? expected : -1, packed);
    }

    [Fact]
    public void TryPack_NegativeZero_DoesNotPack()
    {
        // -0 passes the builder's non-negative check; packing would lose its sign bit.
        Assert.False(PackedMoney.TryPack(NegativeZero, out _));
    }

    [Fact]
    public void Builder_AllValuesPack_KeepsBothColumnsPackedAndReturnsTheSameDecimals()
    {
        decimal[] amounts = [10.50m, 3m, 42949672.95m, 0.1m, 0m, 0.00m];
        decimal[] discounts = [0m, 1.5m, 0.00m, 2.25m, 0m, 0m];
        var table = Build(amounts, discounts);

        Assert.NotNull(table.PackedAmounts);
        Assert.NotNull(table.PackedDiscounts);
        AssertSameBits(amounts, table.Amounts);
        AssertSameBits(discounts, table.Discounts);
        for (var i = 0; i < amounts.Length; i++)
        {
            Assert.Equal(decimal.GetBits(amounts[i]), decimal.GetBits(table.AmountAt(i)));
        }
    }

    [Fact]
    public void Builder_FirstValueThatDoesNotPack_SwitchesThatColumnToDecimals()
    {
        decimal[] amounts = [10.50m, 3m, 0.125m, 7.00m];
        decimal[] discounts = [0m, 0.00m, 1.5m, 2m];
        var table = Build(amounts, discounts);

        Assert.Null(table.PackedAmounts);
        Assert.NotNull(table.PackedDiscounts);
        AssertSameBits(amounts, table.Amounts);
        AssertSameBits(discounts, table.Discounts);
        Assert.Equal(decimal.GetBits(10.50m), decimal.GetBits(table.AmountAt(0)));
    }

    [Fact]
    public void Builder_NegativeZeroDiscount_IsKeptWithItsSign()
    {
        decimal[] amounts = [1m, 2m, 3m];
        decimal[] discounts = [0m, NegativeZero, 0m];
        var table = Build(amounts, discounts);

        Assert.Null(table.PackedDiscounts);
        AssertSameBits(discounts, table.Discounts);
        Assert.True(decimal.IsNegative(table.Discounts[1]));
    }

    [Theory]
    [InlineData(40, 1_000_000_000_000.00)] // the switch after the columns grew (capacity 16)
    [InlineData(0, 1_000_000_000_000.00)] // the first row
    [InlineData(15, 0.001)] // the last row before the first growth
    public void Builder_SwitchAfterGrowth_KeepsEveryEarlierRow(int before, double wide)
    {
        var amounts = new List<decimal>();
        for (var i = 0; i < before; i++)
        {
            amounts.Add((i * 1.25m) + (i % 3 == 0 ? 0.00m : 0m));
        }

        amounts.Add((decimal)wide);
        for (var i = 0; i < 30; i++)
        {
            amounts.Add(i + 0.5m);
        }

        var table = Build([.. amounts], [.. amounts.Select(_ => 0m)]);
        Assert.Null(table.PackedAmounts);
        Assert.NotNull(table.PackedDiscounts);
        AssertSameBits([.. amounts], table.Amounts);
    }

    [Fact]
    public void Amounts_OfAPackedColumn_IsBuiltOnceAndKept()
    {
        var table = Build([1.10m, 2m], [0m, 0m]);
        var first = table.Amounts;
        var second = table.Amounts;
        Assert.True(first.Overlaps(second)); // the same decimal column, not a new one per read
    }

    /// <summary>RFM, features, sales KPIs and the tier replay over generated data with discounts, returns and quantities: the same
    /// results, bit for bit, from the packed columns as from the same values in decimal columns.</summary>
    [Fact]
    public void Aggregations_OverPackedColumns_EqualThoseOverDecimalColumns()
    {
        var settings = new RetailDataSettings(customers: 3_000, seed: 17, meanPurchasesPerYear: 6);
        var packed = RetailDataGenerator.GenerateTable(settings);
        Assert.NotNull(packed.PackedAmounts);
        Assert.NotNull(packed.PackedDiscounts);
        Assert.True(packed.Informative.Returns && packed.Informative.Discounts && packed.Informative.Quantities);
        AssertSameAggregations(packed, packed.WithDecimalMoneyColumns(), settings.EndInstant);
    }

    /// <summary>One column packed and the other in decimals, either way round: the feature pass sums decimals for the chunk (a decimal
    /// column that is not whole cents) and must unpack the packed column for it.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Aggregations_WithOneColumnPacked_EqualThoseOverDecimalColumns(bool widenAmounts)
    {
        var b = new TransactionTableBuilder();
        var random = new Random(5);
        for (var i = 0; i < 400; i++)
        {
            var customer = "c" + (i % 37).ToString(CultureInfo.InvariantCulture);
            var amount = random.Next(1, 100_000) / 100m;
            var discount = random.Next(0, 500) / 100m;
            if (i == 200)
            {
                // One value of three decimals: that column is kept in decimals and every chunk of features sums in decimals.
                (widenAmounts ? ref amount : ref discount) = 1.234m;
            }

            b.AddPurchase(customer, T0.AddDays(i % 90).AddHours(i % 7), amount, "o" + i.ToString(CultureInfo.InvariantCulture),
                category: i % 3 == 0 ? "shoes" : "bags", quantity: 1 + (i % 2), discount: discount);
        }

        var table = b.Build();
        Assert.Equal(widenAmounts, table.PackedAmounts is null);
        Assert.Equal(widenAmounts, table.PackedDiscounts is not null);
        AssertSameAggregations(table, table.WithDecimalMoneyColumns(), T0.AddDays(100));
    }

    private static void AssertSameAggregations(TransactionTable packed, TransactionTable wide, DateTimeOffset asOf)
    {
        Assert.Null(wide.PackedAmounts);
        Assert.Null(wide.PackedDiscounts);

        // RFM: the row-order pass and the partitioned pass (forced, one and two workers).
        AssertSameRfm(RfmValues.FromTransactions(packed, asOf), RfmValues.FromTransactions(wide, asOf));
        foreach (var workers in new[] { 1, 2 })
        {
            AssertSameRfm(
                RfmValues.FromTransactionsCore(packed, asOf, directCustomerLimit: 0, partitionBits: 14, workers: workers),
                RfmValues.FromTransactionsCore(wide, asOf, directCustomerLimit: 0, partitionBits: 14, workers: workers));
        }

        var a = FeatureExtractor.Compute(packed, asOf);
        var b = FeatureExtractor.Compute(wide, asOf);
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        {
            var x = a[i];
            var y = b[i];
            Assert.Equal(y.CustomerId, x.CustomerId);
            Assert.Equal(decimal.GetBits(y.GrossSpend), decimal.GetBits(x.GrossSpend));
            Assert.Equal(decimal.GetBits(y.ReturnedAmount), decimal.GetBits(x.ReturnedAmount));
            Assert.Equal(decimal.GetBits(y.DiscountTotal), decimal.GetBits(x.DiscountTotal));
            Assert.Equal(decimal.GetBits(y.Btyd.MeanRepeatSpend), decimal.GetBits(x.Btyd.MeanRepeatSpend));
            Assert.Equal(y.Btyd, x.Btyd);
            Assert.Equal(y.OrderCount, x.OrderCount);
            Assert.Equal(y.Quantity, x.Quantity);
            Assert.Equal(y.Categories.Count, x.Categories.Count);
            for (var k = 0; k < x.Categories.Count; k++)
            {
                Assert.Equal(y.Categories[k].Category, x.Categories[k].Category);
                Assert.Equal(decimal.GetBits(y.Categories[k].Spend), decimal.GetBits(x.Categories[k].Spend));
            }

            Assert.Equal(y.Channels.Count, x.Channels.Count);
            for (var k = 0; k < x.Channels.Count; k++)
            {
                Assert.Equal(decimal.GetBits(y.Channels[k].Spend), decimal.GetBits(x.Channels[k].Spend));
            }
        }

        var kpiPacked = SalesKpis.Compute(packed, asOf);
        var kpiWide = SalesKpis.Compute(wide, asOf);
        Assert.Equal(kpiWide, kpiPacked);
        Assert.Equal(decimal.GetBits(kpiWide.Revenue), decimal.GetBits(kpiPacked.Revenue));
    }

    private static void AssertSameRfm(RfmValues packed, RfmValues wide)
    {
        Assert.Equal(wide.CustomerIds, packed.CustomerIds);
        Assert.True(wide.RecencyDays.SequenceEqual(packed.RecencyDays));
        Assert.True(wide.Frequency.SequenceEqual(packed.Frequency));
        var x = packed.Monetary;
        var y = wide.Monetary;
        Assert.Equal(y.Length, x.Length);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(decimal.GetBits(y[i]), decimal.GetBits(x[i]));
        }
    }

    private static TransactionTable Build(decimal[] amounts, decimal[] discounts)
    {
        var b = new TransactionTableBuilder(capacity: 4);
        for (var i = 0; i < amounts.Length; i++)
        {
            b.AddPurchase("c" + (i % 3).ToString(CultureInfo.InvariantCulture), T0.AddHours(i), amounts[i], discount: discounts[i]);
        }

        return b.Build();
    }

    private static void AssertSameBits(decimal[] expected, ReadOnlySpan<decimal> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(decimal.GetBits(expected[i]), decimal.GetBits(actual[i]));
        }
    }
}
