using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary><c>cemcore assoc-rules</c> and <c>cemcore recommend similar|customers|evaluate</c> (issue 12, docs/recommendations.md "CLI").</summary>
public sealed class RecommendationsCliTests
{
    // Baskets: o1 {milk, bread, butter}, o2 {milk, bread}, o3 {milk, butter}, o4 {bread}, o5 {milk, bread} (milk twice), o6 {} (empty sku).
    private static readonly string[] Baskets =
    [
        "customer_id,timestamp,amount,order_id,sku,category",
        "c1,2024-01-01,1,o1,milk,dairy",
        "c1,2024-01-01,1,o1,bread,bakery",
        "c1,2024-01-01,1,o1,butter,dairy",
        "c2,2024-01-02,1,o2,milk,dairy",
        "c2,2024-01-02,1,o2,bread,bakery",
        "c3,2024-01-03,1,o3,milk,dairy",
        "c3,2024-01-03,1,o3,butter,dairy",
        "c4,2024-01-04,1,o4,bread,bakery",
        "c1,2024-01-05,1,o5,milk,dairy",
        "c1,2024-01-05,1,o5,bread,bakery",
        "c1,2024-01-05,1,o5,milk,dairy",
        "c5,2024-01-06,1,o6,,",
    ];

    [Fact]
    public void AssocRules_Json_HandComputed()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Baskets);
        var o = CliAssert.JsonOk(CliRunner.Run("assoc-rules", "--transactions", input, "--item", "sku", "--min-support", "0.3", "--min-confidence", "0.6", "--format", "json"));
        Assert.Equal(["baskets", "itemsets", "rules"], o.Select(kv => kv.Key));

        // N = 6 (the empty basket o6 counts). milk 4/6, bread 4/6, butter 2/6, {bread, milk} 3/6, {butter, milk} 2/6; {bread, butter} 1/6 < 0.3.
        Assert.Equal(6, (int)o["baskets"]!);
        var sets = o["itemsets"]!.AsArray().Select(s => (Items: Items(s!["items"]), Support: (double)s!["support"]!)).ToArray();
        Assert.Equal(["bread", "butter", "milk", "bread,milk", "butter,milk"], sets.Select(s => s.Items));
        Assert.Equal([4 / 6.0, 2 / 6.0, 4 / 6.0, 0.5, 2 / 6.0], sets.Select(s => s.Support), new Tolerance());

        // bread→milk 3/4 (lift 0.75 / (4/6) = 1.125), butter→milk 2/2 (lift 1.5), milk→bread 3/4; milk→butter 2/4 < 0.6.
        var rules = o["rules"]!.AsArray().Select(r => r!.AsObject()).ToArray();
        Assert.Equal(["bread=>milk", "butter=>milk", "milk=>bread"], rules.Select(r => Items(r["antecedent"]) + "=>" + Items(r["consequent"])));
        Assert.All(rules, r => Assert.Equal(["antecedent", "consequent", "support", "confidence", "lift"], r.Select(kv => kv.Key)));
        Assert.Equal([0.5, 2 / 6.0, 0.5], rules.Select(r => (double)r["support"]!), new Tolerance());
        Assert.Equal([0.75, 1.0, 0.75], rules.Select(r => (double)r["confidence"]!), new Tolerance());
        Assert.Equal([1.125, 1.5, 1.125], rules.Select(r => (double)r["lift"]!), new Tolerance());
    }

    [Fact]
    public void AssocRules_ByCategory_AndBasketColumn()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Baskets);

        // Items = categories: dairy in o1, o2, o3, o5; bakery in o1, o2, o4, o5; both in o1, o2, o5. min-support 0.5: {bakery, dairy} 3/6.
        var o = CliAssert.JsonOk(CliRunner.Run("assoc-rules", "--transactions", input, "--item", "category", "--basket", "order_id", "--min-support", "0.5", "--min-confidence", "0", "--format", "json"));
        Assert.Equal(["bakery", "dairy", "bakery,dairy"], o["itemsets"]!.AsArray().Select(s => Items(s!["items"])));
        Assert.Equal(["bakery=>dairy", "dairy=>bakery"], o["rules"]!.AsArray().Select(r => Items(r!["antecedent"]) + "=>" + Items(r["consequent"])));
        Assert.Equal(0.75, (double)o["rules"]![0]!["confidence"]!, 15);

        // Baskets by customer instead: c1 {bakery, dairy}, c2 {bakery, dairy}, c3 {dairy}, c4 {bakery}, c5 {}.
        var byCustomer = CliAssert.JsonOk(CliRunner.Run("assoc-rules", "--transactions", input, "--item", "category", "--basket", "customer_id", "--min-support", "0.4", "--min-confidence", "0.5", "--format", "json"));
        Assert.Equal(5, (int)byCustomer["baskets"]!);
        Assert.Equal(0.4, (double)byCustomer["itemsets"]![2]!["support"]!, 15);
    }

    [Fact]
    public void Similar_Json_CosineTopK_TiesByItemId()
    {
        using var dir = new TempDir();

        // c1: milk, bread, butter, eggs; c2: milk, bread; c3: milk, butter, eggs; c4: bread.
        // n: milk 3, bread 3, butter 2, eggs 2; pairs: milk-bread 2, milk-butter 2, milk-eggs 2, bread-butter 1, bread-eggs 1, butter-eggs 2.
        var input = dir.Write("tx.csv",
            "customer_id,timestamp,amount,order_id,sku",
            "c1,2024-01-01,1,o1,milk", "c1,2024-01-01,1,o1,bread", "c1,2024-01-02,1,o2,butter", "c1,2024-01-02,1,o2,eggs", "c1,2024-01-03,1,o3,milk",
            "c2,2024-01-01,1,o4,milk", "c2,2024-01-01,1,o4,bread",
            "c3,2024-01-01,1,o5,milk", "c3,2024-01-01,1,o5,butter", "c3,2024-01-01,1,o5,eggs",
            "c4,2024-01-01,1,o6,bread");
        var o = CliAssert.JsonOk(CliRunner.Run("recommend", "similar", "--transactions", input, "--item", "sku", "--k", "2", "--format", "json"));
        var items = o["items"]!.AsObject();
        Assert.Equal(["bread", "butter", "eggs", "milk"], items.Select(kv => kv.Key));
        Assert.Equal("milk:0.666667,butter:0.408248", Row(items["bread"]));  // 2/3; 1/√6 ties eggs, butter first
        Assert.Equal("eggs:1.000000,milk:0.816497", Row(items["butter"])); // 2/√4; 2/√9·... = 2/√6
        Assert.Equal("butter:1.000000,milk:0.816497", Row(items["eggs"]));
        Assert.Equal("butter:0.816497,eggs:0.816497", Row(items["milk"]));  // tie 2/√6, ordinal

        var one = CliAssert.JsonOk(CliRunner.Run("recommend", "similar", "--transactions", input, "--item", "sku", "--k", "1", "--format", "json"));
        Assert.Equal("milk:0.666667", Row(one["items"]!["bread"]));
    }

    [Fact]
    public void Similar_ItemBoughtAlone_HasNoNeighbours()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount,order_id,sku", "a,2024-01-01,1,o1,x", "b,2024-01-01,1,o2,y", "b,2024-01-01,1,o2,z");
        var o = CliAssert.JsonOk(CliRunner.Run("recommend", "similar", "--transactions", input, "--item", "sku", "--k", "3", "--format", "json"));
        Assert.Empty(o["items"]!["x"]!.AsArray());
        Assert.Equal("z:1.000000", Row(o["items"]!["y"]));
    }

    [Fact]
    public void Customers_ItemCf_Csv_HandComputed_WithColdStart()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Baskets);
        var output = dir.File("recs.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("recommend", "customers", "--transactions", input, "--method", "item-cf", "--k", "2", "--out", output, "--format", "json"));
        Assert.Equal(5, (int)o["customers"]!);
        Assert.Equal(1, (int)o["coldStart"]!);
        var lines = File.ReadAllLines(output);
        Assert.Equal("customer_id,rank,item,score,reason", lines[0]);

        // c2 owns milk, bread: butter = cos(milk,butter) + cos(bread,butter) = 2/√6 + 1/√6 (n: milk 3, bread 3, butter 2 customers).
        var c2 = lines.Single(l => l.StartsWith("c2,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(["c2", "1", "butter"], c2[..3]);
        Assert.Equal(3 / Math.Sqrt(6), double.Parse(c2[3], System.Globalization.CultureInfo.InvariantCulture), 12);
        Assert.Equal("because you bought milk", c2[4]);

        // c1 owns everything; c5 has no purchases: the two most popular items (bread 3, milk 3: ordinal).
        Assert.DoesNotContain(lines, l => l.StartsWith("c1,", StringComparison.Ordinal));
        Assert.Equal(["c5,1,bread,0,popular with other customers", "c5,2,milk,0,popular with other customers"], lines.Where(l => l.StartsWith("c5,", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("popular")]
    [InlineData("content")]
    [InlineData("als")]
    public void Customers_OtherMethods_ExcludePurchases(string method)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Baskets);
        var output = dir.File("recs.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("recommend", "customers", "--transactions", input, "--method", method, "--k", "3", "--out", output, "--format", "json"));
        Assert.Equal(method, (string)o["method"]!);
        var rows = File.ReadAllLines(output).Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal((int)o["rows"]!, rows.Length);
        Assert.DoesNotContain(rows, r => r[0] == "c2" && r[2] is "milk" or "bread");
        Assert.Equal(["butter"], rows.Where(r => r[0] == "c2").Select(r => r[2]));
        Assert.Equal(3, rows.Count(r => r[0] == "c5"));
    }

    [Fact]
    public void Evaluate_Json_PopularityHandComputed()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv",
            "customer_id,timestamp,amount,order_id,sku",
            "u1,2024-01-01,1,o1,a", "u2,2024-01-02,1,o2,a", "u3,2024-01-03,1,o3,b", "u1,2024-01-04,1,o4,c",
            "u1,2024-02-01,1,o5,b", "u2,2024-02-02,1,o6,a", "u2,2024-02-03,1,o7,c", "u4,2024-02-04,1,o8,a");
        var o = CliAssert.JsonOk(CliRunner.Run("recommend", "evaluate", "--transactions", input, "--split", "2024-01-15", "--k", "1", "--format", "json"));
        Assert.Equal("2024-01-15", (string)o["split"]!);
        Assert.Equal(1, (int)o["k"]!);
        Assert.Equal(4, (int)o["train"]!["events"]!);
        Assert.Equal(3, (int)o["test"]!["evaluated"]!);
        Assert.Equal(["popular", "item-cf", "content", "als"], o["methods"]!.AsObject().Select(kv => kv.Key));

        // Popularity (a 2, b 1, c 1): u1 → b (relevant {b}) hit; u2 → b (relevant {c}) miss; u4 cold → a (relevant {a}) hit.
        var p = o["methods"]!["popular"]!;
        Assert.Equal(2 / 3.0, (double)p["precision"]!, 12);
        Assert.Equal(2 / 3.0, (double)p["recall"]!, 12);
        Assert.Equal(2 / 3.0, (double)p["map"]!, 12);
        Assert.Equal(2 / 3.0, (double)p["ndcg"]!, 12);
        Assert.Equal(2 / 3.0, (double)p["hitRate"]!, 12);
        Assert.Equal(2 / 3.0, (double)p["coverage"]!, 12);
        CliAssert.AllNumbersFinite(o);
    }

    [Theory]
    [InlineData("assoc-rules", "--item", "sku", "--min-support", "0", "--min-confidence", "0.5")]
    [InlineData("assoc-rules", "--item", "sku", "--min-support", "1.5", "--min-confidence", "0.5")]
    [InlineData("assoc-rules", "--item", "sku", "--min-support", "0.5", "--min-confidence", "-1")]
    [InlineData("assoc-rules", "--item", "price", "--min-support", "0.5", "--min-confidence", "0.5")]
    [InlineData("assoc-rules", "--item", "sku", "--min-support", "0.5")]
    [InlineData("recommend", "similar", "--item", "sku", "--k", "0")]
    [InlineData("recommend", "similar", "--item", "sku")] // --k is required by the contract
    [InlineData("recommend", "evaluate", "--split", "2024-06-01")]
    [InlineData("recommend", "similar", "--item", "sku", "--k", "-3")]
    [InlineData("recommend", "customers", "--method", "magic", "--k", "3", "--out", "x.csv")]
    [InlineData("recommend", "evaluate", "--split", "2024-13-01", "--k", "3")]
    public void BadOptions_AreUsageErrors(params string[] args)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Baskets);
        var full = args.Take(args[0] == "recommend" ? 2 : 1).Concat(["--transactions", input]).Concat(args.Skip(args[0] == "recommend" ? 2 : 1)).ToArray();
        CliAssert.UsageError(CliRunner.Run(full));
    }

    [Fact]
    public void BadData_NamesFileLineAndField()
    {
        using var dir = new TempDir();
        var noBasket = dir.Write("nobasket.csv", "customer_id,timestamp,amount,sku", "a,2024-01-01,1,x");
        Assert.Contains("order_id", CliAssert.UsageError(CliRunner.Run("assoc-rules", "--transactions", noBasket, "--item", "sku", "--min-support", "0.5", "--min-confidence", "0.5")), StringComparison.Ordinal);
        var badTime = dir.Write("badtime.csv", "customer_id,timestamp,amount,order_id,sku", "a,2024-01-01,1,o1,x", "b,yesterday,1,o2,y");
        var err = CliAssert.UsageError(CliRunner.Run("recommend", "similar", "--transactions", badTime, "--item", "sku", "--k", "2"));
        Assert.Contains("badtime.csv", err, StringComparison.Ordinal);
        Assert.Contains("3", err, StringComparison.Ordinal);
        Assert.Contains("timestamp", err, StringComparison.Ordinal);
        CliAssert.UsageError(CliRunner.Run("recommend", "similar", "--transactions", dir.File("missing.csv"), "--item", "sku", "--k", "2"));
    }

    private static string Items(JsonNode? array) => string.Join(',', array!.AsArray().Select(x => (string)x!));

    private static string Row(JsonNode? array) => string.Join(',', array!.AsArray().Select(x => FormattableString.Invariant($"{(string)x!["item"]!}:{(double)x["score"]!:F6}")));

    private sealed class Tolerance : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= 1e-12;

        public int GetHashCode(double obj) => 0;
    }
}
