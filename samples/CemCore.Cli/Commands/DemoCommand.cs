using System.Globalization;
using System.Text.Json;
using CemCore.Cli.Demo;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Transactions;

namespace CemCore.Cli.Commands;

/// <summary><c>cemcore demo [--customers N] [--seed S] [--format json]</c>: the whole pipeline on built-in synthetic data.</summary>
internal static class DemoCommand
{
    public static Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var json = args.Json;
        var customers = args.GetInt("customers", 5_000);
        var seed = args.GetInt("seed", 42);
        args.EnsureAllUsed();
        if (customers is < 10 or > 5_000_000)
        {
            throw new UsageException($"--customers must be in [10, 5000000], not {customers}.");
        }

        var context = DemoData.Create(customers, seed, json ? null : Console.Out, cancellationToken);
        context.Heading("CemCore demo");
        context.Line(string.Create(CultureInfo.InvariantCulture, $"{context.Customers.Count} customers, {context.Transactions.Count} transaction rows, as of {context.AsOf:yyyy-MM-dd}, seed {seed}"));
        FeaturesSection(context);
        RfmDemo.Run(context);
        RulesDemo.Run(context);
        LifecycleDemo.Run(context);
        ChurnDemo.Run(context);
        ClvDemo.Run(context);
        AbDemo.Run(context);
        OffersDemo.Run(context);
        if (json)
        {
            Console.Out.WriteLine(context.Json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        }

        return Task.FromResult(0);
    }

    private static void FeaturesSection(DemoContext context)
    {
        var f = context.Features;
        var buyers = f.Count(x => x.HasPurchased);
        var revenue = f.Sum(x => x.MonetaryTotal);
        var repeaters = f.Count(x => x.Btyd.Frequency > 0);
        context.Heading("Customer features");
        context.Line(string.Create(CultureInfo.InvariantCulture, $"buyers {buyers}, repeat buyers {repeaters}, net revenue {revenue:N2}"));
        context.Json["customers"] = context.Customers.Count;
        context.Json["transactions"] = context.Transactions.Count;
        context.Json["asOf"] = context.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        context.Json["features"] = new System.Text.Json.Nodes.JsonObject
        {
            ["buyers"] = buyers,
            ["repeatBuyers"] = repeaters,
            ["netRevenue"] = revenue,
        };
    }
}

/// <summary>Builds the demo data set. Replaced by the synthetic generator when it lands.</summary>
internal static class DemoData
{
    public static DemoContext Create(int customers, int seed, TextWriter? output, CancellationToken cancellationToken)
    {
        // Minimal deterministic data until the synthetic generator (issue 2) is wired in.
        var random = new Random(seed);
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var asOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var builder = new TransactionTableBuilder(customers * 4);
        var profiles = new List<CustomerProfile>(customers);
        for (var c = 0; c < customers; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var id = "C" + c.ToString("D7", CultureInfo.InvariantCulture);
            profiles.Add(new CustomerProfile(id, start));
            var n = random.Next(0, 8);
            for (var k = 0; k < n; k++)
            {
                builder.AddPurchase(id, start.AddDays(random.Next(0, 365)), Math.Round((decimal)(random.NextDouble() * 200) + 5m, 2));
            }
        }

        var table = builder.Build();
        return new DemoContext
        {
            Customers = profiles,
            Transactions = table,
            AsOf = asOf,
            Features = FeatureExtractor.Compute(table, asOf, cancellationToken: cancellationToken),
            Seed = seed,
            Out = output,
        };
    }
}
