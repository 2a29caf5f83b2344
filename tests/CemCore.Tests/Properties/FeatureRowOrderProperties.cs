using System.Globalization;
using System.Text;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;
using FsCheck.Xunit;

namespace CemCore.Tests.Properties;

/// <summary>
/// Customer features do not depend on the order of the transaction rows: the same rows (purchases, multi-row orders, returns, ties on
/// the same instant, rows after as-of) in a shuffled order give the same features for every customer.
/// </summary>
public sealed class FeatureRowOrderProperties
{
    private static readonly DateTimeOffset AsOf = new(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly SalesChannel[] Channels = [SalesChannel.Online, SalesChannel.Store, SalesChannel.App];

    private sealed record Row(string Customer, DateTimeOffset At, decimal Amount, string Order, SalesChannel Channel, string Category, int Quantity, decimal Discount, string? Returns);

    private static List<Row> Rows(int seed, int count)
    {
        var random = new Random(seed);
        var rows = new List<Row>();
        var orders = new List<Row>();
        string[] categories = ["shoes", "apparel", "Bags", "bags", "toys"];
        for (var i = 0; i < count; i++)
        {
            var customer = "C" + random.Next(1 + (count / 3)).ToString(CultureInfo.InvariantCulture);
            var id = i.ToString(CultureInfo.InvariantCulture);

            // Few distinct days and whole hours: many rows share an instant, which is where an order dependence would show.
            // One row in 20 falls after as-of.
            var at = AsOf.AddDays(random.Next(20) == 0 ? random.Next(0, 30) : -random.Next(1, 400)).AddHours(random.Next(3));
            if (orders.Count > 0 && random.Next(6) == 0)
            {
                var original = orders[random.Next(orders.Count)];
                rows.Add(new Row(original.Customer, at, random.Next(1, 50), "R" + id, default, string.Empty, 1, 0m, original.Order));
                continue;
            }

            var amount = Math.Round((decimal)(random.NextDouble() * 300), 2);
            var category = categories[random.Next(categories.Length)];
            var quantity = 1 + random.Next(3);
            var discount = random.Next(4) == 0 ? 5m : 0m;
            var previous = orders.FindLast(o => o.Customer == customer);
            if (previous is not null && random.Next(3) == 0)
            {
                // Another line of an existing order of the same customer (same instant and channel).
                rows.Add(previous with { Amount = amount, Category = category, Quantity = quantity, Discount = discount });
                continue;
            }

            var row = new Row(customer, at, amount, "O" + id, Channels[random.Next(Channels.Length)], category, quantity, discount, null);
            rows.Add(row);
            orders.Add(row);
        }

        return rows;
    }

    private static CustomerFeatureSet Compute(IEnumerable<Row> rows)
    {
        var b = new TransactionTableBuilder();
        foreach (var r in rows)
        {
            if (r.Returns is { } original)
            {
                b.AddReturn(r.Customer, r.At, r.Amount, original, ReturnReason.Size, r.Order);
            }
            else
            {
                b.AddPurchase(r.Customer, r.At, r.Amount, r.Order, r.Channel, r.Category, r.Quantity, r.Discount);
            }
        }

        return FeatureExtractor.Compute(b.Build(), AsOf);
    }

    private static string Canonical(CustomerFeatures f)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{f.CustomerId}|{f.OrderCount}|{f.PurchaseDays}|{f.FirstPurchase:O}|{f.LastPurchase:O}|{f.GrossSpend}|{f.ReturnedAmount}|");
        sb.Append(CultureInfo.InvariantCulture, $"{f.ReturnCount}|{f.DiscountTotal}|{f.Quantity}|{f.IntervalMeanDays:R}|{f.IntervalPopulationStdDevDays:R}|{f.IntervalMinDays}|{f.IntervalMaxDays}|{f.Btyd}|");
        foreach (var c in f.Categories)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{c};");
        }

        foreach (var c in f.Channels)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{c};");
        }

        return sb.ToString();
    }

    [Property(MaxTest = 200)]
    public bool Features_InvariantToRowOrder(int seed, byte size, int shuffleSeed)
    {
        var rows = Rows(seed, 1 + size);
        var shuffleRandom = new Random(shuffleSeed);
        var shuffled = rows.OrderBy(_ => shuffleRandom.Next()).ToList();
        var a = Compute(rows).ToDictionary(f => f.CustomerId, Canonical, StringComparer.Ordinal);
        var b = Compute(shuffled).ToDictionary(f => f.CustomerId, Canonical, StringComparer.Ordinal);
        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && string.Equals(kv.Value, other, StringComparison.Ordinal));
    }
}
