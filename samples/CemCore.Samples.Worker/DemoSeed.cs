using System.Globalization;
using CemCore.Customers;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Samples.Worker;

/// <summary>Seeds the sample CRM with deterministic synthetic data.</summary>
internal static class DemoSeed
{
    public static DateTimeOffset AsOf { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static (List<CustomerProfile> Customers, List<Transaction> Transactions) Create(int customers, int seed)
    {
        var random = new Random(seed);
        var start = AsOf.AddYears(-1);
        var profiles = new List<CustomerProfile>(customers);
        var transactions = new List<Transaction>();
        for (var c = 0; c < customers; c++)
        {
            var id = "C" + c.ToString("D7", CultureInfo.InvariantCulture);
            profiles.Add(new CustomerProfile(id, start, new Demographics(CityTier: 1 + random.Next(4)), preferredChannel: ContactChannel.WeChat, language: "zh-CN", timeZoneId: "Asia/Shanghai"));
            var n = random.Next(0, 8);
            for (var k = 0; k < n; k++)
            {
                transactions.Add(new Transaction($"{id}-{k}", id, start.AddDays(random.Next(0, 365)), Math.Round((decimal)(random.NextDouble() * 200) + 5m, 2), SalesChannel.Online));
            }
        }

        return (profiles, transactions);
    }
}
