using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Recommendations;

namespace CemCore.Cli.Commands;

/// <summary><c>cemcore assoc-rules</c>: frequent itemsets and association rules of baskets (FP-growth). See docs/recommendations.md.</summary>
internal static class AssocRulesCommand
{
    public static Command Create()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,order_id,sku|category,...).");
        var item = RecommendOptions.Item(required: true);
        var basket = new Option<string>("--basket") { Description = "The basket column: a basket is a distinct value of it.", DefaultValueFactory = _ => "order_id", HelpName = "COLUMN" };
        var minSupport = RecommendOptions.Fraction("--min-support", "Minimum support in (0, 1]: baskets containing the set / baskets.", openAtZero: true);
        var minConfidence = RecommendOptions.Fraction("--min-confidence", "Minimum confidence in [0, 1]: supp(A∪C) / supp(A).", openAtZero: false);
        var format = CliOptions.Format();
        var command = new Command("assoc-rules", "Frequently bought together: frequent itemsets and association rules (FP-growth).") { transactions, item, basket, minSupport, minConfidence, format };
        command.SetAction((parse, ct) =>
        {
            var history = PurchaseHistoryCsv.Read(parse.GetValue(transactions)!, parse.GetValue(item)!, parse.GetValue(basket)!, basketRequired: true);
            var set = AssociationRules.Mine(history, parse.GetValue(minSupport), parse.GetValue(minConfidence), maxLength: 16);
            if (parse.IsJson(format))
            {
                CliJson.Write(new JsonObject
                {
                    ["baskets"] = set.Baskets,
                    ["itemsets"] = new JsonArray(set.Itemsets.Select(s => (JsonNode)new JsonObject { ["items"] = Strings(s.Items), ["support"] = CliJson.Number(s.Support) }).ToArray()),
                    ["rules"] = new JsonArray(set.Rules.Select(r => (JsonNode)new JsonObject
                    {
                        ["antecedent"] = Strings(r.Antecedent),
                        ["consequent"] = Strings(r.Consequent),
                        ["support"] = CliJson.Number(r.Support),
                        ["confidence"] = CliJson.Number(r.Confidence),
                        ["lift"] = CliJson.Number(r.Lift),
                    }).ToArray()),
                });
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{set.Baskets} baskets, {set.Itemsets.Count} frequent itemsets, {set.Rules.Count} rules"));
                foreach (var r in set.Rules)
                {
                    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{{string.Join(", ", r.Antecedent)}}} => {{{string.Join(", ", r.Consequent)}}}  support {r.Support:0.####}  confidence {r.Confidence:0.####}  lift {r.Lift:0.###}"));
                }
            }

            return Task.FromResult(0);
        });
        return command;
    }

    internal static JsonArray Strings(IEnumerable<string> items) => new(items.Select(i => (JsonNode)JsonValue.Create(i)).ToArray());
}

/// <summary><c>cemcore recommend similar|customers|evaluate</c>. See docs/recommendations.md.</summary>
internal static class RecommendCommand
{
    private static readonly TimeSpan HalfLife = TimeSpan.FromDays(90);

    public static Command Create() => new("recommend", "Item and customer recommendations (item-CF, content, ALS, popularity) and their offline evaluation.")
    {
        Similar(),
        Customers(),
        Evaluate(),
    };

    private static Command Similar()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV.");
        var item = RecommendOptions.Item(required: true);
        var k = RecommendOptions.K();
        var format = CliOptions.Format();
        var command = new Command("similar", "Top-K similar items: cosine of the binary customer × item incidence.") { transactions, item, k, format };
        command.SetAction((parse, ct) =>
        {
            var history = PurchaseHistoryCsv.Read(parse.GetValue(transactions)!, parse.GetValue(item)!, null, basketRequired: false);
            var index = ItemSimilarityIndex.Build(history, SimilarityMetric.Cosine, parse.GetValue(k));
            if (parse.IsJson(format))
            {
                var items = new JsonObject();
                foreach (var i in history.Items)
                {
                    items[i] = new JsonArray(index.NeighboursOf(i).Select(n => (JsonNode)new JsonObject { ["item"] = n.Item, ["score"] = CliJson.Number(n.Score) }).ToArray());
                }

                CliJson.Write(new JsonObject { ["items"] = items });
            }
            else
            {
                foreach (var i in history.Items)
                {
                    Console.Out.WriteLine(i + ": " + string.Join(", ", index.NeighboursOf(i).Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Item} ({n.Score:0.####})"))));
                }
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Customers()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV.");
        var item = RecommendOptions.Item(required: false);
        var method = RecommendOptions.Method();
        var k = RecommendOptions.K();
        var output = CliOptions.OutputFile("--out", "Output CSV: customer_id,rank,item,score,reason.");
        output.Required = true;
        var seed = CliOptions.Integer("--seed", "Seed of the ALS initial factors.", 42);
        var format = CliOptions.Format();
        var command = new Command("customers", "Top-K recommendations for every customer, excluding what they already bought (CSV).") { transactions, item, method, k, output, seed, format };
        command.SetAction(async (parse, ct) =>
        {
            var history = PurchaseHistoryCsv.Read(parse.GetValue(transactions)!, parse.GetValue(item)!, "order_id", basketRequired: false);
            var name = parse.GetValue(method)!;
            var recommender = Build(name, history, history.LatestTimestamp ?? DateTimeOffset.UnixEpoch, parse.GetValue(seed), ct);
            var count = parse.GetValue(k);
            var rows = 0;
            var cold = 0;
            var text = new StringBuilder("customer_id,rank,item,score,reason\n");
            foreach (var c in history.Customers)
            {
                ct.ThrowIfCancellationRequested();
                if (history.ItemsOf(c).Count == 0)
                {
                    cold++;
                }

                var rank = 0;
                foreach (var r in recommender.Recommend(c, count))
                {
                    rows++;
                    text.Append(CliCsvWriter.Quote(c)).Append(',').Append((++rank).ToString(CultureInfo.InvariantCulture)).Append(',').Append(CliCsvWriter.Quote(r.Item)).Append(',')
                        .Append(r.Score.ToString("R", CultureInfo.InvariantCulture)).Append(',').Append(CliCsvWriter.Quote(r.Reason.ToString())).Append('\n');
                }
            }

            await File.WriteAllTextAsync(parse.GetValue(output)!, text.ToString(), ct).ConfigureAwait(false);
            if (parse.IsJson(format))
            {
                CliJson.Write(new JsonObject { ["method"] = name, ["customers"] = history.Customers.Count, ["coldStart"] = cold, ["rows"] = rows });
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {rows} recommendations for {history.Customers.Count} customers ({cold} cold start) written to {parse.GetValue(output)}"));
            }

            return 0;
        });
        return command;
    }

    private static Command Evaluate()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV.");
        var item = RecommendOptions.Item(required: false);
        var split = CliOptions.Date("--split", "00:00 UTC of DATE: earlier purchases train, later ones test.", required: true);
        var k = RecommendOptions.K();
        var seed = CliOptions.Integer("--seed", "Seed of the ALS initial factors.", 42);
        var format = CliOptions.Format();
        var command = new Command("evaluate", "Time-split evaluation of item-cf, content, als against the popularity baseline.") { transactions, item, split, k, seed, format };
        command.SetAction((parse, ct) =>
        {
            var history = PurchaseHistoryCsv.Read(parse.GetValue(transactions)!, parse.GetValue(item)!, "order_id", basketRequired: false);
            var at = CliOptions.StartOfDayUtc(parse.GetValue(split)!.Value);
            var train = history.Split(at, after: false);
            var test = history.Split(at, after: true);
            var count = parse.GetValue(k);
            var methods = new JsonObject();
            var table = new List<string>();
            foreach (var name in RecommendOptions.Methods)
            {
                var metrics = RecommenderEvaluation.Evaluate(Build(name, train, at, parse.GetValue(seed), ct), train, test, count);
                methods[name] = new JsonObject
                {
                    ["precision"] = CliJson.Number(metrics.Precision),
                    ["recall"] = CliJson.Number(metrics.Recall),
                    ["map"] = CliJson.Number(metrics.Map),
                    ["ndcg"] = CliJson.Number(metrics.Ndcg),
                    ["hitRate"] = CliJson.Number(metrics.HitRate),
                    ["coverage"] = CliJson.Number(metrics.Coverage),
                };
                table.Add(string.Create(CultureInfo.InvariantCulture, $"{name,-8} precision {metrics.Precision:0.####} recall {metrics.Recall:0.####} map {metrics.Map:0.####} ndcg {metrics.Ndcg:0.####} hit {metrics.HitRate:0.####} coverage {metrics.Coverage:0.####}"));
            }

            var evaluated = RecommenderEvaluation.Evaluate(new PopularityRecommender(train), train, test, count).Customers;
            if (parse.IsJson(format))
            {
                CliJson.Write(new JsonObject
                {
                    ["split"] = parse.GetValue(split)!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["k"] = count,
                    ["train"] = new JsonObject { ["customers"] = train.Customers.Count, ["items"] = train.Items.Count, ["events"] = train.EventCount },
                    ["test"] = new JsonObject { ["customers"] = test.Customers.Count, ["evaluated"] = evaluated, ["events"] = test.EventCount },
                    ["methods"] = methods,
                });
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"train {train.EventCount} events, test {test.EventCount} events, {evaluated} customers evaluated at K={count}"));
                table.ForEach(Console.Out.WriteLine);
            }

            return Task.FromResult(0);
        });
        return command;
    }

    internal static IRecommender Build(string method, PurchaseHistory history, DateTimeOffset asOf, int seed, CancellationToken ct) => method switch
    {
        "item-cf" => ItemCfRecommender.Fit(history, SimilarityMetric.Cosine, 50),
        "content" => new ContentRecommender(history, asOf, HalfLife),
        "als" => ImplicitAls.Fit(history, new ImplicitAlsSettings(Factors: 16, Iterations: 10, Seed: seed), ct),
        _ => new PopularityRecommender(history),
    };
}

/// <summary>Options shared by the recommendation commands.</summary>
internal static class RecommendOptions
{
    public static readonly string[] Methods = ["popular", "item-cf", "content", "als"];

    public static Option<string> Item(bool required)
    {
        var option = new Option<string>("--item") { Description = "The item column: sku or category.", Required = required, HelpName = "category|sku" };
        if (!required)
        {
            option.DefaultValueFactory = _ => "sku";
        }

        return option.AcceptOnlyFromAmong("category", "sku");
    }

    public static Option<int> K()
    {
        // Required by the contract (`--k K`): no default, so a missing --k is a usage error rather than a silent 10.
        var option = CliOptions.Integer("--k", "How many items per list, at least 1.", 10, min: 1, max: 10_000);
        option.DefaultValueFactory = null;
        option.Required = true;
        return option;
    }

    public static Option<string> Method() => new Option<string>("--method")
    {
        Description = "item-cf, content, als or popular.",
        Required = true,
        HelpName = "item-cf|content|als|popular",
    }.AcceptOnlyFromAmong("item-cf", "content", "als", "popular");

    public static Option<double> Fraction(string name, string description, bool openAtZero)
    {
        var option = CliOptions.Number(name, description, 0, min: 0, max: 1);
        option.DefaultValueFactory = null;
        option.Required = true;
        if (openAtZero)
        {
            option.Validators.Add(r =>
            {
                if (r.Tokens.Count > 0 && double.TryParse(r.Tokens[^1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d == 0)
                {
                    r.AddError($"{name} must be in (0, 1], not {r.Tokens[^1].Value}.");
                }
            });
        }

        return option;
    }
}
