using CemCore.Merging;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Tests.Merging;

/// <summary>Random partitioning, random merge trees and serialization round trips shared by the merge property tests.</summary>
internal static class MergeHarness
{
    public static readonly DateTimeOffset Epoch = new(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Merges the partials along a random binary tree, round-tripping a random subset of the intermediate partials through bytes.</summary>
    public static T MergeRandomTree<T>(IReadOnlyList<T> partials, Random random)
        where T : class, IMergeable<T>
    {
        var list = partials.Select(p => random.Next(2) == 0 ? RoundTrip(p) : p).ToList();
        while (list.Count > 1)
        {
            var i = random.Next(list.Count);
            var a = list[i];
            list.RemoveAt(i);
            var j = random.Next(list.Count);
            var b = list[j];
            list.RemoveAt(j);
            var merged = a.MergeWith(b);
            list.Insert(random.Next(list.Count + 1), random.Next(3) == 0 ? RoundTrip(merged) : merged);
        }

        return list[0];
    }

    /// <summary>Writes and reads back a partial; the reader must consume the whole stream.</summary>
    public static T RoundTrip<T>(T partial)
        where T : class, IMergeable<T>
    {
        using var stream = new MemoryStream();
        partial.WriteTo(stream);
        var length = stream.Length;
        stream.Position = 0;
        var copy = T.ReadFrom(stream);
        Assert.Equal(length, stream.Position);
        Assert.Equal(partial.Format, copy.Format);
        return copy;
    }

    public static byte[] Bytes<T>(T partial)
        where T : class, IMergeable<T>
    {
        using var stream = new MemoryStream();
        partial.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Random assignment of <paramref name="count"/> items to 1..8 parts.</summary>
    public static (int Parts, int[] PartOf) Partition(Random random, int count)
    {
        var parts = 1 + random.Next(8);
        var partOf = new int[count];
        for (var i = 0; i < count; i++)
        {
            partOf[i] = random.Next(parts);
        }

        return (parts, partOf);
    }

    /// <summary>A random transaction table: purchases (some multi-line orders), returns of earlier orders, categories, channels.</summary>
    public static TransactionTable RandomTable(Random random, int customers)
    {
        var b = new TransactionTableBuilder();
        string[] categories = ["food", "toys", "home", "beauty"];
        SalesChannel[] channels = [SalesChannel.Online, SalesChannel.Store, SalesChannel.App, default];
        var orderNo = 0;
        for (var c = 0; c < customers; c++)
        {
            // Integer-like and text ids exercise both branches of the customer-id tie order.
            var id = random.Next(3) == 0 ? (1000 + (c * 7)).ToString(System.Globalization.CultureInfo.InvariantCulture) : "c" + c.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var orders = new List<string>();
            var n = random.Next(6);
            for (var k = 0; k < n; k++)
            {
                var t = Epoch.AddMinutes(random.Next(0, 60 * 24 * 700));
                var order = "o" + (orderNo++).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var lines = 1 + random.Next(2);
                for (var l = 0; l < lines; l++)
                {
                    var amount = random.Next(0, 20_000) / 100m;
                    var discount = random.Next(4) == 0 ? Math.Min(amount, random.Next(0, 500) / 100m) : 0m;
                    b.AddPurchase(id, t, amount, order, channels[random.Next(channels.Length)], categories[random.Next(categories.Length)], 1 + random.Next(3), discount);
                }

                orders.Add(order);
                if (random.Next(5) == 0)
                {
                    b.AddReturn(id, t.AddDays(random.Next(1, 20)), random.Next(0, 5000) / 100m, order, ReturnReason.Other, "r" + (orderNo++).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return b.Build();
    }
}
