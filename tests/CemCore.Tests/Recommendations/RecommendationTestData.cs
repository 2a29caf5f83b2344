using System.Globalization;
using System.Text.Json;
using CemCore.Recommendations;

namespace CemCore.Tests.Recommendations;

internal static class RecommendationTestData
{
    public static Stream Open(string file)
    {
        var asm = typeof(RecommendationTestData).Assembly;
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("ReferenceData.Recommendations." + file, StringComparison.Ordinal));
        return asm.GetManifestResourceStream(name)!;
    }

    public static string[] Lines(string file)
    {
        using var reader = new StreamReader(Open(file));
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    public static JsonDocument Json(string file)
    {
        using var s = Open(file);
        return JsonDocument.Parse(s);
    }

    public static void Close(double expected, double actual, string what, double rel = 1e-12)
    {
        var tol = Math.Max(1e-15, rel * Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tol, string.Create(CultureInfo.InvariantCulture, $"{what}: expected {expected:R}, actual {actual:R}"));
    }

    /// <summary>A history from (customer, item) pairs; each pair is its own basket, one day apart.</summary>
    public static PurchaseHistory History(params (string Customer, string Item)[] pairs) =>
        PurchaseHistory.Create(pairs.Select((p, k) => new PurchaseEvent(p.Customer, p.Item, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(k), "o" + k.ToString(CultureInfo.InvariantCulture))));

    /// <summary>A seeded random history.</summary>
    public static PurchaseEvent[] RandomEvents(int seed, int customers, int items, int events)
    {
#pragma warning disable CA5394 // test data
        var random = new Random(seed);
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return Enumerable.Range(0, events).Select(k =>
        {
            var c = random.Next(customers);
            var i = (int)Math.Floor(Math.Pow(random.NextDouble(), 2) * items);
            return new PurchaseEvent("c" + c.ToString("D4", CultureInfo.InvariantCulture), "i" + i.ToString("D3", CultureInfo.InvariantCulture), start.AddHours(random.Next(24 * 365)), "b" + random.Next(events / 3).ToString(CultureInfo.InvariantCulture));
        }).ToArray();
#pragma warning restore CA5394
    }
}
