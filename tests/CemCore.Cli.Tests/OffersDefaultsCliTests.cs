using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore offers</c> analyst additions (issue 16, docs/personalization.md "CLI"): the defaults without <c>--customers</c> are stated and
/// nothing is invented; <c>--churn-scores</c> lets the standard win-back rule (churn.probability ≥ 0.6) fire; template errors list the
/// valid keys; implausible birth dates are warned about.
/// </summary>
public sealed class OffersDefaultsCliTests
{
    private static readonly string[] Transactions =
    [
        "customer_id,timestamp,amount,order_id,category",
        "a,2023-06-01,10.00,o1,shoes",
        "a,2023-07-11,20.00,o2,apparel",
        "b,2023-08-05T12:00:00Z,7.25,o3,apparel",
        "b,2023-09-05T12:00:00Z,17.25,o4,apparel",
        "c,2024-01-20,100,o5,shoes",
    ];

    private static readonly string[] DefaultChannels = ["wechat", "push", "sms", "email"];

    [Fact]
    public void NoCustomers_DefaultsAreStated_NoInventedLanguageOrZone()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("offers.csv");
        var result = CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--out", output, "--format", "json");
        var o = CliAssert.JsonOk(result);
        Assert.Contains("these defaults apply", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("no language", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("time zone UTC", result.StdErr, StringComparison.Ordinal);
        Assert.All(o["channels"]!.AsObject(), kv => Assert.Contains(kv.Key, DefaultChannels));
    }

    [Fact]
    public void ChurnScores_LetTheWinBackRuleFire()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var without = CliAssert.JsonOk(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--out", dir.File("o1.csv"), "--format", "json"));
        Assert.Null(without["offers"]!["winback20"]);

        var scores = dir.Write("scores.csv", "customer_id,probability", "a,0.9", "b,0.2", "c,0.1");
        var output = dir.File("o2.csv");
        var with = CliAssert.JsonOk(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--churn-scores", scores, "--out", output, "--format", "json"));
        Assert.Equal(1, (int)with["offers"]!["winback20"]!);
        Assert.Contains(File.ReadAllLines(output), l => l.StartsWith("a,winback20,", StringComparison.Ordinal));

        var bad = dir.Write("bad.csv", "customer_id,probability", "a,1.5");
        Assert.Contains("bad.csv", CliAssert.UsageError(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--churn-scores", bad, "--out", dir.File("o3.csv"))), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownTemplate_ListsTheValidKeys()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var rules = dir.Write(
            "rules.json",
            """{ "offers": [ { "id": "o10", "kind": "percentageDiscount", "value": 10 } ], "rules": [ { "id": "r1", "when": { "field": "churn.probability", "op": "ge", "value": 0.5 }, "offer": "o10", "template": "no-such-template" } ] }""");
        var err = CliAssert.UsageError(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--rules", rules, "--out", dir.File("o.csv")));
        Assert.Contains("Valid template keys:", err, StringComparison.Ordinal);
        Assert.Contains("winback", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BirthDates_InTheFutureOrYearOne_AreWarned()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var customers = dir.Write("customers.csv", "customer_id,birth_date", "a,2099-05-01", "b,0001-01-01", "c,1990-02-03");
        var result = CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--customers", customers, "--out", dir.File("o.csv"), "--format", "json");
        CliAssert.JsonOk(result);
        Assert.Contains("1 customers in customers.csv have a birth_date on or after the as-of date 2024-01-21 (first at data row 1)", result.StdErr, StringComparison.Ordinal);
        Assert.Contains("1 customers in customers.csv have a birth_date before 1900-01-01 (first at data row 2)", result.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("2099", result.StdErr, StringComparison.Ordinal);
    }
}
