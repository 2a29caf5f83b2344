using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Recommendations;
using CemCore.Transactions;

namespace CemCore.Cli.Demo;

/// <summary>Demo section: category recommendations (item-to-item CF) of one customer with their reasons, and the strongest "bought together" rule.</summary>
internal static class RecommendationsDemo
{
    public static void Run(DemoContext context)
    {
        var t = context.Transactions;
        var events = new List<PurchaseEvent>(t.Count);
        for (var r = 0; r < t.Count; r++)
        {
            if (t.Kinds[r] == TransactionKind.Purchase && t.CategoryIndex[r] >= 0)
            {
                events.Add(new PurchaseEvent(
                    t.CustomerIds[t.CustomerIndex[r]],
                    t.Categories[t.CategoryIndex[r]],
                    new DateTimeOffset(t.UtcTicks[r], TimeSpan.Zero),
                    "o" + t.OrderIndex[r].ToString(CultureInfo.InvariantCulture)));
            }
        }

        context.Heading("Recommendations");
        if (events.Count == 0)
        {
            context.Line("no purchases with a category: nothing to recommend");
            return;
        }

        var history = PurchaseHistory.Create(events);
        var cf = ItemCfRecommender.Fit(history, SimilarityMetric.Cosine, 20);

        // A customer with a few categories bought and recommendations left to make (fewest categories first, then id), so the example
        // shows both history and reasons; a customer who bought everything has nothing left to recommend.
        var customer = history.Customers
            .Where(c => history.ItemsOf(c).Count >= 2 && history.ItemsOf(c).Count <= history.Items.Count - 3)
            .OrderBy(c => history.ItemsOf(c).Count).ThenBy(c => c, StringComparer.Ordinal)
            .FirstOrDefault() ?? history.Customers.OrderBy(c => c, StringComparer.Ordinal).First();
        var recs = cf.Recommend(customer, 3);
        context.Line(string.Create(CultureInfo.InvariantCulture, $"{history.Items.Count} categories, {history.Customers.Count} customers; item-to-item cosine CF"));
        context.Line($"customer {customer} bought: {string.Join(", ", history.ItemsOf(customer))}");
        foreach (var r in recs)
        {
            context.Line(string.Create(CultureInfo.InvariantCulture, $"  {r.Item,-14} score {r.Score:0.###}  {r.Reason}"));
        }

        var vars = RecommendationFields.TemplateVariables(recs, 3);
        context.Line($"  message: \"You may also like: {vars["recommendations"]}\"");
        var rules = AssociationRules.Mine(history, 0.01, 0.1, 3).Rules;
        var best = rules.OrderByDescending(r => r.Lift).ThenBy(r => string.Join(',', r.Antecedent), StringComparer.Ordinal).FirstOrDefault();
        if (best is not null)
        {
            context.Line(string.Create(CultureInfo.InvariantCulture, $"highest-lift rule (min support 1 %, confidence 10 %): {{{string.Join(", ", best.Antecedent)}}} => {{{string.Join(", ", best.Consequent)}}} (confidence {best.Confidence:0.###}, lift {best.Lift:0.##})"));
        }

        context.Json["recommendations"] = new JsonObject
        {
            ["customer"] = customer,
            ["items"] = new JsonArray(recs.Select(r => (JsonNode)new JsonObject { ["item"] = r.Item, ["score"] = r.Score, ["reason"] = r.Reason.ToString() }).ToArray()),
            ["rules"] = rules.Count,
        };
    }
}
