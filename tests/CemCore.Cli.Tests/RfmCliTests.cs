using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary><c>cemcore rfm</c> (issue 3, docs/rfm.md) on a hand-made file.</summary>
public sealed class RfmCliTests
{
    private static readonly string[] Transactions =
    [
        "customer_id,timestamp,amount",
        "a,2024-01-01,10.00",
        "a,2024-01-01T15:00:00Z,5.50",
        "a,2024-01-11,20.00",
        "b,2024-01-05T12:00:00Z,7.25",
        "c,2024-01-20T18:00:00Z,100",
    ];

    private static readonly string[] Rf10Segments =
    [
        "Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising", "Need Attention", "About to Sleep", "At Risk",
        "Can't Lose Them", "Hibernating", "Prospects",
    ];

    [Fact]
    public void DefaultAsOf_IsTheDayAfterTheLastTransaction_RecencyFloored()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("rfm.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", input, "--out", output, "--format", "json"));
        Assert.Equal(3, (int)o["customers"]!);
        var segments = o["segments"]!.AsObject();
        Assert.Equal(Rf10Segments, segments.Select(kv => kv.Key));
        Assert.Equal(3, segments.Sum(kv => (int)kv.Value!));

        var lines = File.ReadAllLines(output);
        Assert.Equal("customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment", lines[0]);

        // As-of 2024-01-21T00:00Z (the day after c's last purchase). Recency: a 10 days; b 15.5 → 15; c 0.25 → 0.
        // Scores: 3 customers in 5 rank-quantile bins get 1, 3, 5 (pandas qcut(rank(method="first"), 5)); F ties broken by id (b < c).
        // Segments from the R×F map (docs/rfm.md): R3F5 Loyal Customers, R1F1 Hibernating, R5F3 Potential Loyalists.
        Assert.Equal(
            [
                "a,10,3,35.50,3,5,3,Loyal Customers",
                "b,15,1,7.25,1,1,1,Hibernating",
                "c,0,1,100.00,5,3,5,Potential Loyalists",
            ],
            lines.Skip(1));
        Assert.Equal(1, (int)segments["Loyal Customers"]!);
        Assert.Equal(1, (int)segments["Hibernating"]!);
        Assert.Equal(1, (int)segments["Potential Loyalists"]!);
    }

    [Fact]
    public void ExplicitAsOf_LaterPurchasesIgnored_ProspectsHaveEmptyScores()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("rfm.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", input, "--as-of", "2024-01-15", "--out", output, "--format", "json"));
        Assert.Equal(3, (int)o["customers"]!);
        Assert.Equal(1, (int)o["segments"]!["Prospects"]!);
        Assert.Equal(3, o["segments"]!.AsObject().Sum(kv => (int)kv.Value!));

        var (_, rows) = CliAssert.ReadCsv(output);
        Assert.Equal("4", rows["a"]["recency_days"]); // 2024-01-11 → 2024-01-15
        Assert.Equal("9", rows["b"]["recency_days"]); // 9.5 floored
        var c = rows["c"];
        Assert.Equal("Prospects", c["segment"]);
        Assert.Equal(string.Empty, c["recency_days"]);
        Assert.Equal(string.Empty, c["r_score"]);
        Assert.Equal(string.Empty, c["f_score"]);
        Assert.Equal(string.Empty, c["m_score"]);
    }

    [Fact]
    public void Bins_AndRfm11Map()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        // The 11-segment R×FM map adds Lost; every segment is listed, zero counts included.
        var o = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", input, "--map", "rfm11", "--format", "json"));
        var keys = o["segments"]!.AsObject().Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Rf10Segments.Append("Lost").Order(StringComparer.Ordinal).ToArray(), keys);
        Assert.Equal(3, o["segments"]!.AsObject().Sum(kv => (int)kv.Value!));

        // Other bin counts rescale the 5-bin map (docs/rfm.md): unreached segments are dropped, the counts still cover every customer.
        o = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", input, "--bins", "3", "--format", "json"));
        Assert.Equal(3, o["segments"]!.AsObject().Sum(kv => (int)kv.Value!));
        Assert.All(o["segments"]!.AsObject(), kv => Assert.Contains(kv.Key, Rf10Segments));

        Assert.Contains("--bins", CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input, "--bins", "0")), StringComparison.Ordinal);
        Assert.Contains("--map", CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input, "--map", "nope")), StringComparison.Ordinal);
    }

    /// <summary>Returns reduce monetary (docs/rfm.md: purchases minus returns, rounded to cents half to even); a return is not a purchase;
    /// quoted ids round-trip; offsets are converted to UTC.</summary>
    [Fact]
    public void Returns_HalfEvenCents_QuotedIds()
    {
        using var dir = new TempDir();
        var input = dir.Write(
            "tx.csv",
            "customer_id,timestamp,amount,order_id,kind,original_order_id,return_reason",
            "\"x,y\",2024-01-05T20:00:00+08:00,50.00,o1,purchase,,",
            "\"x,y\",2024-01-07,20.00,o2,,,",
            "\"x,y\",2024-01-08,15.00,r1,return,o1,size",
            "\"q\"\"z\",2024-01-06,7.015,o3,,,",
            "\"q\"\"z\",2024-01-06T10:00:00Z,1.01,o4,,,");
        var output = dir.File("rfm.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", input, "--out", output, "--format", "json"));
        Assert.Equal(2, (int)o["customers"]!);
        var lines = File.ReadAllLines(output);

        // As-of: the day after the last row (the return on 2024-01-08) → 2024-01-09T00:00Z.
        // q"z: last purchase 2024-01-06T10:00Z → 2.58 days → 2; 7.015 + 1.01 = 8.025 → 8.02 (half to even).
        Assert.StartsWith("\"q\"\"z\",2,2,8.02,", lines[1], StringComparison.Ordinal);

        // x,y: 2 purchases (the return is not one), last purchase 2024-01-07 → 2 days; 50 + 20 − 15 = 55.00.
        Assert.StartsWith("\"x,y\",2,2,55.00,", lines[2], StringComparison.Ordinal);
    }
}
