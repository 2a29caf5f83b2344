using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary><c>cemcore offers</c> (issue 6, docs/personalization.md "CLI").</summary>
public sealed class OffersCliTests
{
    private static readonly string[] Transactions =
    [
        "customer_id,timestamp,amount,order_id,category",
        "a,2024-01-01,10.00,o1,shoes",
        "a,2024-01-11,20.00,o2,apparel",
        "b,2024-01-05T12:00:00Z,7.25,o3,apparel",
        "c,2024-01-20,100,o4,shoes",
    ];

    [Fact]
    public void Json_Summary_MatchesTheCsvRows()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("offers.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--out", output, "--format", "json"));
        Assert.Equal(["customers", "withOffer", "offers", "channels", "noOffer", "consents"], o.Select(kv => kv.Key));
        Assert.Equal(3, (int)o["customers"]!);
        var withOffer = (int)o["withOffer"]!;
        Assert.Equal(withOffer, o["offers"]!.AsObject().Sum(kv => (int)kv.Value!));
        Assert.Equal(withOffer, o["channels"]!.AsObject().Sum(kv => (int)kv.Value!));
        Assert.Equal(3 - withOffer, o["noOffer"]!.AsObject().Sum(kv => (int)kv.Value!));
        Assert.StartsWith("assumed-granted", (string)o["consents"]!, StringComparison.Ordinal);
        Assert.True(withOffer > 0, "the standard campaigns welcome new customers");

        var lines = File.ReadAllLines(output);
        Assert.Equal("customer_id,offer_id,channel,preview,reason", lines[0]);
        Assert.Equal(4, lines.Length);
        var rows = lines.Skip(1).Select(SplitCsv).ToArray(); // previews hold quoted commas ("Welcome, valued customer")
        Assert.Equal(["a", "b", "c"], rows.Select(r => r[0]).Order(StringComparer.Ordinal));
        Assert.Equal(withOffer, rows.Count(r => r[1].Length > 0));
        Assert.All(rows.Where(r => r[1].Length > 0), r =>
        {
            Assert.NotEqual(string.Empty, r[2]); // channel
            Assert.NotEqual(string.Empty, r[3]); // rendered preview
            Assert.StartsWith(r[4].Split(':')[0] + ":", r[4], StringComparison.Ordinal); // "rule-id: description"
        });
    }

    [Fact]
    public void CustomersWithoutConsent_AreNotContacted()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var customers = dir.Write("customers.csv", "customer_id,consent_sms_marketing", "a,denied", "b,denied", "c,revoked");
        var output = dir.File("offers.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--customers", customers, "--out", output, "--format", "json"));
        Assert.Equal(0, (int)o["withOffer"]!);
        Assert.Equal("from customers file", (string)o["consents"]!);
        Assert.All(File.ReadAllLines(output).Skip(1), l => Assert.Equal(string.Empty, l.Split(',')[1]));
    }

    [Fact]
    public void BadRules_Exit2()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var rules = dir.Write("rules.json", "{\"bad\":1}");
        var err = CliAssert.UsageError(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-01-21", "--rules", rules, "--out", dir.File("o.csv"), "--format", "json"));
        Assert.Contains("rules.json", err, StringComparison.Ordinal);
        Assert.Contains("--as-of", CliAssert.UsageError(CliRunner.Run("offers", "--transactions", input, "--out", dir.File("o.csv"))), StringComparison.Ordinal);
    }

    /// <summary>Splits one RFC 4180 CSV line (quoted cells may hold commas and doubled quotes).</summary>
    private static string[] SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (ch == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(ch);
                }
            }
            else if (ch == '"')
            {
                quoted = true;
            }
            else if (ch == ',')
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(ch);
            }
        }

        cells.Add(cell.ToString());
        return [.. cells];
    }
}
