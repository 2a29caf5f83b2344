using System.Globalization;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>--partitions N</c> on <c>rfm</c>, <c>features</c> and <c>cohorts</c> (issue 13, docs/scale-out.md): customers hashed into N
/// partitions, accumulated separately and merged must give byte-identical output files and stdout for N = 1, 3 and 7; N ≤ 0 is a usage
/// error (exit 2, one line).
/// </summary>
public sealed class ScaleOutCliTests
{
    private static readonly int[] Partitions = [1, 3, 7];

    [Fact]
    public void Rfm_Partitions_ByteIdentical()
    {
        using var dir = new TempDir();
        var tx = dir.Write("tx.csv", Transactions());
        var outputs = Partitions.Select(n =>
        {
            var csv = dir.File($"rfm{n}.csv");
            var json = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", tx, "--as-of", "2024-07-01", "--map", "rfm11", "--out", csv, "--partitions", N(n), "--format", "json"));
            var text = CliRunner.Run("rfm", "--transactions", tx, "--bins", "4", "--partitions", N(n));
            Assert.Equal(0, text.ExitCode);
            return (Csv: File.ReadAllBytes(csv), Json: json.ToJsonString(), Text: text.StdOut);
        }).ToArray();

        Assert.Equal(241, File.ReadAllLines(dir.File("rfm1.csv")).Length); // header + 240 customers
        AssertAllEqual(outputs.Select(o => o.Csv));
        AssertAllEqual(outputs.Select(o => o.Json));
        AssertAllEqual(outputs.Select(o => o.Text));
    }

    [Fact]
    public void Features_Partitions_ByteIdentical()
    {
        using var dir = new TempDir();
        var tx = dir.Write("tx.csv", Transactions());
        var outputs = Partitions.Select(n =>
        {
            var csv = dir.File($"features{n}.csv");
            var json = CliAssert.JsonOk(CliRunner.Run("features", "--transactions", tx, "--as-of", "2024-07-01", "--time-zone", "Asia/Shanghai", "--out", csv, "--partitions", N(n), "--format", "json"));
            Assert.Equal(240, (int)json["customers"]!);
            return File.ReadAllBytes(csv);
        }).ToArray();
        AssertAllEqual(outputs);
    }

    [Fact]
    public void Cohorts_Partitions_ByteIdentical()
    {
        using var dir = new TempDir();
        var tx = dir.Write("tx.csv", Transactions());
        var outputs = Partitions.Select(n =>
        {
            var json = CliAssert.JsonOk(CliRunner.Run("cohorts", "--transactions", tx, "--as-of", "2024-06-01", "--partitions", N(n), "--format", "json"));
            var text = CliRunner.Run("cohorts", "--transactions", tx, "--partitions", N(n));
            Assert.Equal(0, text.ExitCode);
            return (Json: json.ToJsonString(), Text: text.StdOut);
        }).ToArray();
        Assert.Contains("\"cohort\":\"2023-01\"", outputs[0].Json, StringComparison.Ordinal);
        AssertAllEqual(outputs.Select(o => o.Json));
        AssertAllEqual(outputs.Select(o => o.Text));
    }

    [Theory]
    [InlineData("rfm", "0")]
    [InlineData("features", "-1")]
    [InlineData("cohorts", "0")]
    [InlineData("rfm", "x")]
    public void Partitions_NotPositive_IsUsageError(string command, string value)
    {
        using var dir = new TempDir();
        var tx = dir.Write("tx.csv", Transactions());
        string[] args = command == "features"
            ? ["features", "--transactions", tx, "--as-of", "2024-07-01", "--out", dir.File("f.csv"), "--partitions", value]
            : [command, "--transactions", tx, "--partitions", value];
        var error = CliAssert.UsageError(CliRunner.Run(args));
        Assert.Contains("--partitions", error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static void AssertAllEqual<T>(IEnumerable<T> items)
    {
        var list = items.ToList();
        Assert.All(list, x => Assert.Equal(list[0], x));
    }

    /// <summary>240 customers over 18 months: multi-line orders, returns, categories, channels, ties in spend and recency, ids that look numeric.</summary>
    private static string[] Transactions()
    {
        var random = new Random(13);
        var lines = new List<string> { "order_id,customer_id,timestamp,amount,channel,category,quantity,discount,kind,original_order_id" };
        string[] channels = ["online", "store", "app", ""];
        string[] categories = ["food", "toys", "home", ""];
        var order = 0;
        for (var c = 0; c < 240; c++)
        {
            var id = c % 4 == 0 ? (500 + c).ToString(CultureInfo.InvariantCulture) : "m" + c.ToString(CultureInfo.InvariantCulture);
            for (var k = random.Next(1, 6); k > 0; k--)
            {
                var t = new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(random.Next(0, 24 * 540));
                var o = "o" + (order++).ToString(CultureInfo.InvariantCulture);
                var stamp = t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
                var amount = (random.Next(1, 40) * 5).ToString(CultureInfo.InvariantCulture); // coarse amounts: many ties
                lines.Add(string.Join(',', o, id, stamp, amount, channels[random.Next(4)], categories[random.Next(4)], "1", "0", "purchase", ""));
                if (random.Next(6) == 0)
                {
                    var r = "r" + (order++).ToString(CultureInfo.InvariantCulture);
                    lines.Add(string.Join(',', r, id, t.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), "5", "", "", "1", "0", "return", o));
                }
            }

            if (c % 17 == 0)
            {
                lines.Add(string.Join(',', "z" + c.ToString(CultureInfo.InvariantCulture), id, "2024-08-01T00:00:00Z", "9", "", "", "1", "0", "purchase", "")); // after as-of
            }
        }

        return [.. lines];
    }
}
