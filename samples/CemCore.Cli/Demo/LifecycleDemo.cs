using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Commands;
using CemCore.Features;
using CemCore.Lifecycle;

namespace CemCore.Cli.Demo;

/// <summary>Demo section: lifecycle stage counts as of the demo date, and the transitions from 90 days earlier.</summary>
internal static class LifecycleDemo
{
    public static void Run(DemoContext context)
    {
        var features = context.Features;
        var settings = LifecycleClassifier.EstimatePopulationIntervalDays(features) is { } prior
            ? LifecycleSettings.Default.WithPopulationIntervalDays(prior)
            : LifecycleSettings.Default;
        var classifier = new LifecycleClassifier(settings);
        var now = classifier.ClassifyAll(features, context.Transactions);
        var earlierAsOf = context.AsOf.AddDays(-90);
        var earlier = classifier.ClassifyAll(FeatureExtractor.Compute(context.Transactions, earlierAsOf), context.Transactions);
        var transitions = LifecycleTransitions.Compare(earlier, now);

        context.Heading("Lifecycle stages");
        context.Line(string.Create(CultureInfo.InvariantCulture, $"as of {context.AsOf:yyyy-MM-dd}; expected-interval prior {settings.PopulationIntervalDays:0.#} days (median of repeat buyers)"));
        foreach (var stage in Enum.GetValues<LifecycleStage>())
        {
            context.Line(string.Create(
                CultureInfo.InvariantCulture,
                $"  {LifecycleRules.StageName(stage),-9} {now.CountOf(stage),7}  -> {LifecyclePlaybook.Default.ActionFor(stage)}"));
        }

        // Profiles with no transaction at all are not in the feature set: they are prospects too.
        var known = new HashSet<string>(now.CustomerIds, StringComparer.Ordinal);
        var noTransactions = context.Customers.Count(c => !known.Contains(c.Id));
        context.Line(string.Create(CultureInfo.InvariantCulture, $"  + {noTransactions} profiles without any transaction (prospects outside the transaction table)"));

        // Transitions between the two snapshots, counted per edge (most frequent first), with one example event.
        var edges = transitions
            .GroupBy(t => (t.From, t.To))
            .Select(g => (g.Key.From, g.Key.To, Count: g.Count()))
            .OrderByDescending(e => e.Count)
            .ThenBy(e => e.From)
            .ThenBy(e => e.To)
            .ToList();
        context.Line(string.Create(CultureInfo.InvariantCulture, $"transitions {earlierAsOf:yyyy-MM-dd} -> {context.AsOf:yyyy-MM-dd}: {transitions.Count} customers changed stage"));
        foreach (var e in edges.Take(8))
        {
            context.Line(string.Create(
                CultureInfo.InvariantCulture,
                $"  {LifecycleRules.StageName(e.From),-9} -> {LifecycleRules.StageName(e.To),-9} {e.Count,6}  (action: {LifecyclePlaybook.Default.ActionFor(e.To)})"));
        }

        if (transitions.Count > 0)
        {
            var t = transitions[0];
            context.Line(string.Create(CultureInfo.InvariantCulture, $"  example event: {t.CustomerId} {t.From} -> {t.To} at {t.Instant:yyyy-MM-dd}: {t.Reason}"));
        }

        var json = LifecycleCommand.ToJson(now);
        json["asOf"] = context.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        json["profilesWithoutTransactions"] = noTransactions;
        json["populationIntervalDays"] = Math.Round(settings.PopulationIntervalDays, 4);
        var edgeArray = new JsonArray();
        foreach (var e in edges)
        {
            edgeArray.Add((JsonNode)new JsonObject
            {
                ["from"] = LifecycleRules.StageName(e.From),
                ["to"] = LifecycleRules.StageName(e.To),
                ["count"] = e.Count,
            });
        }

        json["transitions"] = new JsonObject
        {
            ["from"] = earlierAsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["to"] = context.AsOf.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["changed"] = transitions.Count,
            ["edges"] = edgeArray,
        };
        context.Json["lifecycle"] = json;
    }
}
