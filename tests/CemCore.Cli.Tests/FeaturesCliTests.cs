using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary><c>cemcore features</c> on a hand-made transactions CSV (expected values computed by hand, see docs/data.md).</summary>
public sealed class FeaturesCliTests
{
    private static readonly string[] Transactions =
    [
        "customer_id,timestamp,amount,order_id,category,channel,extra",
        "a,2024-01-01,10.00,o1,shoes,online,x",
        "a,2024-01-01T15:00:00Z,5.50,o2,shoes,online,x",
        "a,2024-01-11,20.00,o3,apparel,store,x",
        "a,2024-01-25,1000,o4,apparel,store,x", // after the as-of instant: ignored
        "b,2024-01-05T12:00:00Z,7.25,o5,apparel,app,x",
        "c,2024-01-20T23:59:59Z,100,o6,shoes,online,x",
        "d,2024-01-21,50,o7,shoes,online,x", // on the as-of date: excluded (as-of is the start of the date, exclusive)
    ];

    private const string Header =
        "customer_id,order_count,repeat_count,purchase_days,first_purchase,last_purchase,recency_days,tenure_days," +
        "gross_spend,returned_amount,monetary_total,monetary_mean,return_count,return_rate,discount_total,discount_share," +
        "quantity,interval_count,interval_mean_days,interval_std_days,interval_min_days,interval_max_days," +
        "btyd_frequency,btyd_recency,btyd_T,btyd_mean_repeat_spend,top_category,top_channel";

    [Fact]
    public void RelativeOut_IsEchoedAsGiven_AndWrittenInTheWorkingDirectory()
    {
        using var dir = new TempDir();
        dir.Write("tx.csv", Transactions);
        var o = CliAssert.JsonOk(CliRunner.RunIn(dir.Path, null,
            "features", "--transactions", "tx.csv", "--as-of", "2024-01-21", "--out", "f.csv", "--format", "json"));
        Assert.Equal("f.csv", (string)o["out"]!);
        Assert.True(File.Exists(dir.File("f.csv")));
    }

    [Fact]
    public void Days_HandComputedValues_AndJsonSummary()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("out.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("features", "--transactions", input, "--as-of", "2024-01-21", "--out", output, "--format", "json"));
        Assert.Equal(4, (int)o["customers"]!);
        Assert.Equal(7, (int)o["rows"]!);
        Assert.Equal(Path.GetFullPath(output), (string)o["out"]!);

        var (header, rows) = CliAssert.ReadCsv(output);
        Assert.Equal(Header, header);
        Assert.Equal(["a", "b", "c", "d"], rows.Keys.Order(StringComparer.Ordinal));

        var a = rows["a"];
        Assert.Equal("3", a["order_count"]);
        Assert.Equal("2", a["repeat_count"]);
        Assert.Equal("2", a["purchase_days"]); // 2024-01-01 (two orders, merged) and 2024-01-11
        Assert.Equal("2024-01-01T00:00:00Z", a["first_purchase"]);
        Assert.Equal("2024-01-11T00:00:00Z", a["last_purchase"]);
        Assert.Equal(10.0, CliAssert.D(a["recency_days"]));
        Assert.Equal(20.0, CliAssert.D(a["tenure_days"]));
        Assert.Equal(35.50m, decimal.Parse(a["monetary_total"], System.Globalization.CultureInfo.InvariantCulture)); // the 1000 after as-of is ignored
        Assert.Equal("11.8333", a["monetary_mean"]); // 35.50 / 3, 4 decimals
        Assert.Equal("1", a["interval_count"]);
        Assert.Equal(10.0, CliAssert.D(a["interval_mean_days"]));
        Assert.Equal("1", a["btyd_frequency"]); // repeat purchase days
        Assert.Equal(10.0, CliAssert.D(a["btyd_recency"])); // 2024-01-11 - 2024-01-01
        Assert.Equal(19.0, CliAssert.D(a["btyd_T"])); // calibration end day 2024-01-20 - 2024-01-01
        Assert.Equal(20m, decimal.Parse(a["btyd_mean_repeat_spend"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("apparel", a["top_category"]); // apparel 20.00 > shoes 15.50
        Assert.Equal("online", a["top_channel"]); // 2 orders online vs 1 in store

        var b = rows["b"];
        Assert.Equal(15.5, CliAssert.D(b["recency_days"])); // 2024-01-05T12:00Z → 2024-01-21T00:00Z
        Assert.Equal("0", b["btyd_frequency"]);
        Assert.Equal(string.Empty, b["interval_mean_days"]); // undefined with fewer than two purchase days
        Assert.Equal("app", b["top_channel"]);

        Assert.Equal(1.0 / 86400, CliAssert.D(rows["c"]["recency_days"]), 1e-12);

        var d = rows["d"]; // listed, with zero purchases
        Assert.Equal("0", d["order_count"]);
        Assert.Equal(string.Empty, d["first_purchase"]);
        Assert.Equal(string.Empty, d["recency_days"]);
    }

    [Fact]
    public void WeeksAndTimeZone()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("out.csv");
        var r = CliRunner.Run("features", "--transactions", input, "--as-of", "2024-01-21", "--out", output, "--time-unit", "week");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("4 customers", r.StdOut, StringComparison.Ordinal);
        var a = CliAssert.ReadCsv(output).Rows["a"];
        Assert.Equal(19.0 / 7, CliAssert.D(a["btyd_T"]), 1e-12);
        Assert.Equal(10.0 / 7, CliAssert.D(a["btyd_recency"]), 1e-12);

        // In Asia/Shanghai (UTC+8) the as-of instant is 2024-01-20T16:00Z: c (23:59:59Z on the 20th) is after it.
        r = CliRunner.Run("features", "--transactions", input, "--as-of", "2024-01-21", "--out", output, "--time-zone", "Asia/Shanghai");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal("0", CliAssert.ReadCsv(output).Rows["c"]["order_count"]);
    }

    [Fact]
    public void BadUsage_Exit2()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("out.csv");
        Assert.Contains("--as-of", CliAssert.UsageError(CliRunner.Run("features", "--transactions", input, "--out", output)), StringComparison.Ordinal);
        Assert.Contains("--out", CliAssert.UsageError(CliRunner.Run("features", "--transactions", input, "--as-of", "2024-01-21")), StringComparison.Ordinal);
        Assert.Contains("--time-zone", CliAssert.UsageError(CliRunner.Run("features", "--transactions", input, "--as-of", "2024-01-21", "--out", output, "--time-zone", "Mars/Olympus")), StringComparison.Ordinal);
        Assert.Contains("--as-of", CliAssert.UsageError(CliRunner.Run("features", "--transactions", input, "--as-of", "21/01/2024", "--out", output)), StringComparison.Ordinal);
    }

    [Fact]
    public void Returns_ReduceMonetary_AndOffsetsAreUtc()
    {
        using var dir = new TempDir();
        var input = dir.Write(
            "tx.csv",
            "customer_id,timestamp,amount,order_id,kind,original_order_id,return_reason",
            "x,2024-01-05T20:00:00+08:00,50.00,o1,purchase,,",
            "x,2024-01-07,20.00,o2,,,",
            "x,2024-01-08,15.00,r1,return,o1,size");
        var output = dir.File("out.csv");
        Assert.Equal(0, CliRunner.Run("features", "--transactions", input, "--as-of", "2024-01-09", "--out", output).ExitCode);
        var x = CliAssert.ReadCsv(output).Rows["x"];
        Assert.Equal("2", x["order_count"]);
        Assert.Equal("2024-01-05T12:00:00Z", x["first_purchase"]);
        Assert.Equal(70m, decimal.Parse(x["gross_spend"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(15m, decimal.Parse(x["returned_amount"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(55m, decimal.Parse(x["monetary_total"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1", x["return_count"]);
        Assert.Equal(0.5, CliAssert.D(x["return_rate"])); // 1 return / 2 orders
        Assert.Equal(2.0, CliAssert.D(x["recency_days"])); // the return is not a purchase
    }
}
