using System.Globalization;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Tests.Features;

/// <summary>
/// <see cref="FeatureExtractor"/> does not read columns that carry no information in the table (no returns, no discounts other than a
/// plain 0, all quantities 1, no categories, no channels, every row its own order). The reference is the same extractor on the same rows
/// plus one more customer whose rows make every column informative: the other customers' features must not change, to the decimal
/// scale of the sums.
/// </summary>
public sealed class FeatureColumnSkippingTests
{
    private static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Compute_WithoutInformativeColumns_EqualsTheTableWhereEveryColumnIsInformative(int seed)
    {
        var random = new Random(seed);
        var returns = random.Next(2) == 0;
        var discounts = random.Next(4); // 0: none, 1: plain 0 only, 2: 0.00 and others, 3: 0.00 only (a sum of them has scale 2)
        var quantities = random.Next(2) == 0;
        var categories = random.Next(2) == 0;
        var channels = random.Next(2) == 0;
        var orderIds = random.Next(2) == 0;
        var rows = new List<Action<TransactionTableBuilder>>();
        string? lastOrder = null;
        var lastCustomer = string.Empty;
        var lastAt = Start;
        for (var i = 0; i < 300; i++)
        {
            var nextLine = orderIds && lastOrder is not null && random.Next(2) == 0; // the next line of the previous order
            var customer = nextLine ? lastCustomer : "c" + random.Next(40).ToString(CultureInfo.InvariantCulture);
            var at = nextLine ? lastAt : Start.AddHours(random.Next(24 * 400));
            var amount = random.Next(4) switch
            {
                0 => random.Next(1, 500),
                1 => random.Next(1, 50_000) / 100m,
                2 => decimal.Parse(random.Next(1, 500).ToString(CultureInfo.InvariantCulture) + ".50", CultureInfo.InvariantCulture),
                _ => random.Next(1, 5_000) / 1000m,
            };
            var discount = discounts switch
            {
                0 => 0m,
                1 => 0m,
                2 => random.Next(3) == 0 ? 0.00m : random.Next(0, 300) / 100m,
                _ => 0.00m,
            };
            var quantity = quantities ? random.Next(1, 4) : 1;
            var category = categories ? "cat" + random.Next(5).ToString(CultureInfo.InvariantCulture) : null;
            var channel = channels ? new SalesChannel(random.Next(2) == 0 ? "online" : "store") : default;
            var order = !orderIds ? null : nextLine ? lastOrder : "o" + i.ToString(CultureInfo.InvariantCulture);
            (lastOrder, lastCustomer, lastAt) = (order, customer, at);
            var index = i;
            rows.Add(b =>
            {
                b.AddPurchase(customer, at, amount, order, channel, category, quantity, discount);
                if (returns && index % 7 == 0)
                {
                    b.AddReturn(customer, at.AddHours(2), amount / 2m, order ?? "#r" + index.ToString(CultureInfo.InvariantCulture), ReturnReason.Size,
                        "r" + index.ToString(CultureInfo.InvariantCulture));
                }
            });

            if (returns && order is null && index % 7 == 0)
            {
                rows[^1] = b =>
                {
                    var id = "p" + index.ToString(CultureInfo.InvariantCulture);
                    b.AddPurchase(customer, at, amount, id, channel, category, quantity, discount);
                    b.AddReturn(customer, at.AddHours(2), amount / 2m, id, ReturnReason.Size, "r" + index.ToString(CultureInfo.InvariantCulture));
                };
            }
        }

        var plain = new TransactionTableBuilder();
        var informative = new TransactionTableBuilder();
        foreach (var row in rows)
        {
            row(plain);
            row(informative);
        }

        // One more customer whose rows carry every column: a two-line order with a category, a channel, a discount, a quantity of 2, a return.
        informative.AddPurchase("zz", Start.AddDays(3), 10m, "zz-1", SalesChannel.Online, "sentinel", quantity: 2, discount: 0.01m);
        informative.AddPurchase("zz", Start.AddDays(3), 5m, "zz-1", SalesChannel.Online, "sentinel");
        informative.AddReturn("zz", Start.AddDays(4), 5m, "zz-1", ReturnReason.Quality, "zz-r");

        var asOf = Start.AddDays(500);
        var expected = FeatureExtractor.Compute(informative.Build(), asOf);
        var actual = FeatureExtractor.Compute(plain.Build(), asOf);
        Assert.Equal(expected.Count - 1, actual.Count);
        foreach (var a in actual)
        {
            Assert.True(expected.TryGet(a.CustomerId, out var e));
            FeatureAssert.Same(e, a);
        }
    }

    public static TheoryData<int> Seeds()
    {
        var data = new TheoryData<int>();
        for (var seed = 1; seed <= 24; seed++)
        {
            data.Add(seed);
        }

        return data;
    }
}
