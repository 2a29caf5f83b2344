using System.CommandLine;
using System.Globalization;
using CemCore.Cli.CommandLine;
using CemCore.Cli.Demo;
using CemCore.Features;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Synthetic;

namespace CemCore.Cli.Commands;

/// <summary><c>cemcore demo [--customers N] [--seed S] [--format json]</c>: the whole pipeline on built-in synthetic data.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var customers = CliOptions.Integer("--customers", "Number of synthetic customers.", 5_000, min: 10, max: 5_000_000);
        var seed = CliOptions.Integer("--seed", "Seed of the synthetic data generator (same seed, same data).", 42);
        var format = CliOptions.Format();
        var command = new Command("demo", "Run the whole pipeline (features, RFM, rules, lifecycle, churn, CLV, A/B, offers) on built-in synthetic data.") { customers, seed, format };
        CliHelp.Examples(
            command,
            "cemcore demo",
            "cemcore demo --customers 20000 --seed 7 --format json");
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(customers), parse.GetValue(seed), parse.IsJson(format), ct));
        return command;
    }

    private static Task<int> RunAsync(int customers, int seed, bool json, CancellationToken cancellationToken)
    {

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
        JourneyDemo.Run(context);
        KpiDemo.Run(context);
        LoyaltyDemo.Run(context);
        RecommendationsDemo.Run(context);
        UpliftDemo.Run(context);
        if (json)
        {
            CliJson.Write(context.Json);
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
        var events = (IReadOnlyList<InteractionEvent>)context.Extras["events"];
        var surveys = (IReadOnlyList<SurveyResponse>)context.Extras["surveys"];
        var returns = f.Sum(x => x.ReturnCount);
        var orders = f.Sum(x => x.OrderCount);
        var nps = surveys.Count == 0 ? 0.0 : 100.0 * (surveys.Count(s => s.Nps >= 9) - surveys.Count(s => s.Nps <= 6)) / surveys.Count;
        context.Line(string.Create(CultureInfo.InvariantCulture, $"orders {orders}, returns {returns} ({(orders == 0 ? 0 : (double)returns / orders):P1}), journey events {events.Count}, surveys {surveys.Count} (NPS {nps:F1})"));
        context.Json["features"] = new System.Text.Json.Nodes.JsonObject
        {
            ["buyers"] = buyers,
            ["repeatBuyers"] = repeaters,
            ["netRevenue"] = revenue,
            ["orders"] = orders,
            ["returns"] = returns,
            ["events"] = events.Count,
            ["surveys"] = surveys.Count,
            ["nps"] = Math.Round(nps, 1),
        };
    }
}

/// <summary>
/// Builds the demo data set with the synthetic retail generator (<see cref="RetailDataGenerator"/>): 731 days from 2024-01-01 (UTC+08:00),
/// as of the end of the period. <see cref="DemoContext.Extras"/> holds <c>"events"</c> (<c>IReadOnlyList&lt;InteractionEvent&gt;</c>),
/// <c>"surveys"</c> (<c>IReadOnlyList&lt;SurveyResponse&gt;</c>) and <c>"settings"</c> (<see cref="RetailDataSettings"/>).
/// </summary>
internal static class DemoData
{
    public static DemoContext Create(int customers, int seed, TextWriter? output, CancellationToken cancellationToken)
    {
        var settings = new RetailDataSettings(customers, seed);
        var (data, features) = CliProgress.Run(progress =>
        {
            var d = RetailDataGenerator.Generate(settings, progress, cancellationToken);
            return (d, FeatureExtractor.Compute(d.Transactions, d.End, progress: progress, cancellationToken: cancellationToken));
        });
        var context = new DemoContext
        {
            Customers = data.Customers,
            Transactions = data.Transactions,
            AsOf = data.End,
            Features = features,
            Seed = seed,
            Out = output,
        };
        context.Extras["events"] = data.Events;
        context.Extras["surveys"] = data.Surveys;
        context.Extras["settings"] = settings;
        return context;
    }
}
