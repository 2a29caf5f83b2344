using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Rules;
using CemCore.Segmentation.RuleSegments;

namespace CemCore.Cli.Demo;

/// <summary>
/// Rule-based segments: a segment set loaded from JSON (as a marketer would store it), evaluated for every customer with lifecycle stages
/// filled in, member counts per segment, and one explained membership. Only synthetic ids are shown.
/// </summary>
internal static class RulesDemo
{
    private const string SegmentsJson = """
        {
          "version": 1,
          "conditions": {
            "tier1": { "field": "profile.cityTier", "op": "eq", "value": 1 },
            "boughtRecently": { "field": "features.lastPurchase", "op": "withinLastDays", "value": 90 }
          },
          "segments": [
            { "name": "Tier-1 cities", "kind": "geographic", "when": { "ref": "tier1" } },
            { "name": "Women 25-34", "kind": "demographic",
              "when": { "all": [ { "field": "profile.gender", "op": "eq", "value": "Female" },
                                 { "field": "profile.ageBand", "op": "eq", "value": "25-34" } ] } },
            { "name": "Sneaker fans", "kind": "psychographic",
              "when": { "field": "profile.tags", "op": "contains", "value": "sneakerhead" } },
            { "name": "Tier-1 sneaker fans", "kind": "mixed", "description": "Sneaker fans in tier-1 cities who bought in the last 90 days",
              "when": { "all": [ { "ref": "tier1" }, { "ref": "Sneaker fans" }, { "ref": "boughtRecently" } ] } },
            { "name": "Frequent buyers", "kind": "behavioural",
              "when": { "field": "features.orderCount", "op": "ge", "value": 5 } },
            { "name": "Lapsed big spenders", "kind": "behavioural", "description": "No purchase for 180 days, at least 400 spent",
              "when": { "all": [ { "field": "features.recencyDays", "op": "gt", "value": 180 },
                                 { "field": "features.monetaryTotal", "op": "ge", "value": 400 } ] } },
            { "name": "Slipping away", "kind": "behavioural",
              "when": { "field": "lifecycle.stage", "op": "in", "value": ["Decline", "Dormant"] } }
          ]
        }
        """;

    public static void Run(DemoContext context)
    {
        context.Heading("Rule-based segments");
        var set = RuleSegmentJson.Load(SegmentsJson);
        var profiles = Enrich(context.Customers, context.Seed);
        var classifier = new LifecycleClassifier();
        var features = context.Features;
        var asOf = context.AsOf;

        var memberships = new bool[profiles.Count * set.Count];
        set.EvaluateBatchParallel(
            profiles.Count,
            (profiles, features, classifier, asOf),
            static (s, i, c) =>
            {
                var p = s.profiles[i];
                s.features.TryGet(p.Id, out var f);
                c.Reset(p, f, s.asOf);
                if (f is not null)
                {
                    c.SetLifecycleStage(s.classifier.Classify(f).Stage);
                }
            },
            memberships);
        var counts = new int[set.Count];
        set.CountMembers(memberships, counts);

        var json = new JsonObject { ["customers"] = profiles.Count };
        var segments = new JsonObject();
        context.Line(string.Create(CultureInfo.InvariantCulture, $"{set.Count} segments over {profiles.Count} customers (demographics and tags are generated for the demo):"));
        for (var i = 0; i < set.Count; i++)
        {
            var s = set.Segments[i];
            segments[s.Name] = counts[i];
            context.Line(string.Create(CultureInfo.InvariantCulture, $"  {s.Name,-22} {SegmentKinds.ToToken(s.Kind),-14} {counts[i],7}"));
        }

        json["segments"] = segments;

        // Explain one membership of "Lapsed big spenders" (or of the first segment with members).
        var target = set["Lapsed big spenders"];
        if (counts[target.Index] == 0)
        {
            target = set.Segments.FirstOrDefault(s => counts[s.Index] > 0) ?? target;
        }

        for (var i = 0; i < profiles.Count; i++)
        {
            if (!memberships[(i * set.Count) + target.Index])
            {
                continue;
            }

            var p = profiles[i];
            features.TryGet(p.Id, out var f);
            var ctx = new CustomerContext(p, f, asOf);
            if (f is not null)
            {
                ctx.SetLifecycleStage(classifier.Classify(f).Stage);
            }

            var trace = target.Explain(ctx);
            context.Line(string.Empty);
            context.Line($"Why customer {p.Id} is in \"{target.Name}\":");
            foreach (var line in trace.ToString().Split('\n'))
            {
                context.Line("  " + line);
            }

            json["explained"] = new JsonObject
            {
                ["customer"] = p.Id,
                ["segment"] = target.Name,
                ["trace"] = new JsonArray([.. trace.ToString().Split('\n').Select(l => JsonValue.Create(l))]),
            };
            break;
        }

        context.Json["rules"] = json;
    }

    /// <summary>The demo data has bare profiles: add seeded city tiers, demographics and tags so every kind of segment has members.</summary>
    private static List<CustomerProfile> Enrich(IReadOnlyList<CustomerProfile> customers, int seed)
    {
        var random = new Random(seed ^ 0x5EED);
        string[] bands = ["18-24", "25-34", "35-44", "45-54", "55+"];
        string[][] tags = [[], [], ["sneakerhead"], ["outdoor"], ["sneakerhead", "outdoor"], ["beauty"]];
        var result = new List<CustomerProfile>(customers.Count);
        foreach (var c in customers)
        {
            var demographics = new Demographics(
                AgeBand: bands[random.Next(bands.Length)],
                Gender: (Gender)random.Next(4),
                CityTier: random.Next(1, 5));
            result.Add(new CustomerProfile(c.Id, c.SignedUpAt, demographics, tags[random.Next(tags.Length)], c.Attributes));
        }

        return result;
    }
}
