using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Feedback;
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
            "recentSneakers": { "field": "features.category.sneakers.lastPurchase", "op": "withinLastDays", "value": 90 }
          },
          "segments": [
            { "name": "Tier-1 cities", "kind": "geographic", "when": { "ref": "tier1" } },
            { "name": "Women 25-34", "kind": "demographic",
              "when": { "all": [ { "field": "profile.gender", "op": "eq", "value": "Female" },
                                 { "field": "profile.ageBand", "op": "eq", "value": "25-34" } ] } },
            { "name": "Sneaker fans", "kind": "psychographic",
              "when": { "field": "profile.tags", "op": "contains", "value": "sneakerhead" } },
            { "name": "Tier-1 sneaker fans", "kind": "mixed", "description": "Tier-1 city customers who bought sneakers in the last 90 days",
              "when": { "all": [ { "ref": "tier1" }, { "ref": "recentSneakers" } ] } },
            { "name": "Frequent buyers", "kind": "behavioural",
              "when": { "field": "features.orderCount", "op": "ge", "value": 5 } },
            { "name": "Lapsed big spenders", "kind": "behavioural", "description": "No purchase for 180 days, at least 1000 spent",
              "when": { "all": [ { "field": "features.recencyDays", "op": "gt", "value": 180 },
                                 { "field": "features.monetaryTotal", "op": "ge", "value": 1000 } ] } },
            { "name": "Slipping away", "kind": "behavioural",
              "when": { "field": "lifecycle.stage", "op": "in", "value": ["Decline", "Dormant"] } },
            { "name": "Unhappy lately", "kind": "psychographic", "description": "CSAT 1-2 or NPS 0-6 in a survey of the last 180 days",
              "when": { "all": [ { "field": "survey.lastAt", "op": "withinLastDays", "value": 180 },
                                 { "any": [ { "field": "survey.lastCsat", "op": "le", "value": 2 },
                                            { "field": "survey.lastNps", "op": "le", "value": 6 } ] } ] } }
          ]
        }
        """;

    public static void Run(DemoContext context)
    {
        context.Heading("Rule-based segments");
        var set = RuleSegmentJson.Load(SegmentsJson);
        var profiles = context.Customers;
        var surveys = LatestSurveys(context);
        var classifier = new LifecycleClassifier();
        var features = context.Features;
        var asOf = context.AsOf;

        var memberships = new bool[profiles.Count * set.Count];
        set.EvaluateBatchParallel(
            profiles.Count,
            (profiles, features, classifier, asOf, surveys),
            static (s, i, c) => Fill(s.profiles[i], s.features, s.classifier, s.asOf, s.surveys, c),
            memberships);
        var counts = new int[set.Count];
        set.CountMembers(memberships, counts);

        var json = new JsonObject { ["customers"] = profiles.Count };
        var segments = new JsonObject();
        context.Line(string.Create(CultureInfo.InvariantCulture, $"{set.Count} segments over {profiles.Count} customers (lifecycle stages and latest surveys filled in):"));
        for (var i = 0; i < set.Count; i++)
        {
            var s = set.Segments[i];
            segments[s.Name] = counts[i];
            context.Line(string.Create(CultureInfo.InvariantCulture, $"  {s.Name,-22} {SegmentKinds.ToToken(s.Kind),-14} {counts[i],7}"));
        }

        json["segments"] = segments;

        // Explain one membership of "Tier-1 sneaker fans" (or of the first segment with members).
        var target = set["Tier-1 sneaker fans"];
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
            var ctx = new CustomerContext();
            Fill(p, features, classifier, asOf, surveys, ctx);
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

    private static void Fill(
        CustomerProfile p,
        CustomerFeatureSet features,
        LifecycleClassifier classifier,
        DateTimeOffset asOf,
        Dictionary<string, SurveyResponse> surveys,
        CustomerContext c)
    {
        features.TryGet(p.Id, out var f);
        c.Reset(p, f, asOf);
        if (f is not null)
        {
            c.SetLifecycleStage(classifier.Classify(f).Stage);
        }

        if (surveys.TryGetValue(p.Id, out var s))
        {
            c.SetLastSurvey(new SurveyFact(s.Nps, s.Csat, s.Timestamp));
        }
    }

    /// <summary>The latest survey answer before as-of of each customer (read-only afterwards, so safe for the parallel batch).</summary>
    private static Dictionary<string, SurveyResponse> LatestSurveys(DemoContext context)
    {
        var latest = new Dictionary<string, SurveyResponse>(StringComparer.Ordinal);
        if (context.Extras.TryGetValue("surveys", out var o) && o is IEnumerable<SurveyResponse> surveys)
        {
            foreach (var s in surveys)
            {
                if (s.Timestamp < context.AsOf && (!latest.TryGetValue(s.CustomerId, out var prev) || s.Timestamp > prev.Timestamp))
                {
                    latest[s.CustomerId] = s;
                }
            }
        }

        return latest;
    }
}
