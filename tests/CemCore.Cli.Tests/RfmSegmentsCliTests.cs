using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore rfm</c> analyst additions (issue 16, docs/rfm.md): <c>--binning thresholds</c> (right-closed cut-points as pandas
/// <c>pd.cut(x, [-inf, c1, .., inf])</c>, recency reversed), the per-segment profile and the note when customer-id ties decide bins.
/// </summary>
public sealed class RfmSegmentsCliTests
{
    // As-of (default) 2024-01-21: a: recency 10 days, 3 purchases, 35.50; b: 15 days, 1, 7.25; c: 0 days, 1, 100.00. Revenue 142.75.
    private static readonly string[] Transactions =
    [
        "customer_id,timestamp,amount",
        "a,2024-01-01,10.00",
        "a,2024-01-01T15:00:00Z,5.50",
        "a,2024-01-11,20.00",
        "b,2024-01-05T12:00:00Z,7.25",
        "c,2024-01-20T18:00:00Z,100",
    ];

    [Fact]
    public void Thresholds_ScoresByHand_SegmentProfileFromTheRows()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var output = dir.File("rfm.csv");
        var result = CliRunner.Run(
            "rfm", "--transactions", input, "--binning", "thresholds", "--recency-cuts", "5,12", "--frequency-cuts", "1,2", "--monetary-cuts", "10,50",
            "--out", output, "--format", "json");
        var o = CliAssert.JsonOk(result);
        Assert.DoesNotContain("customer id order decided", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(0, (int)o["tieBrokenCustomers"]!);
        Assert.Equal([5.0, 12.0], o["thresholds"]!["recencyDays"]!.AsArray().Select(v => (double)v!));

        // Recency bins (right-closed): a 10 in (5, 12] = bin 2, b 15 > 12 = bin 3, c 0 <= 5 = bin 1; reversed over 3 bins: 2, 1, 3.
        // Frequency: a 3 > 2 = 3; b, c 1 <= 1 = 1. Monetary: a 35.5 in (10, 50] = 2; b 7.25 = 1; c 100 = 3.
        var (_, rows) = CliAssert.ReadCsv(output);
        Assert.Equal(("2", "3", "2"), (rows["a"]["r_score"], rows["a"]["f_score"], rows["a"]["m_score"]));
        Assert.Equal(("1", "1", "1"), (rows["b"]["r_score"], rows["b"]["f_score"], rows["b"]["m_score"]));
        Assert.Equal(("3", "1", "3"), (rows["c"]["r_score"], rows["c"]["f_score"], rows["c"]["m_score"]));

        var recency = new Dictionary<string, double> { ["a"] = 10, ["b"] = 15, ["c"] = 0 };
        var frequency = new Dictionary<string, double> { ["a"] = 3, ["b"] = 1, ["c"] = 1 };
        var monetary = new Dictionary<string, double> { ["a"] = 35.50, ["b"] = 7.25, ["c"] = 100 };
        var stats = o["segmentStats"]!.AsObject();
        Assert.Equal(o["segments"]!.AsObject().Select(kv => kv.Key), stats.Select(kv => kv.Key));
        foreach (var (segment, node) in stats)
        {
            var members = rows.Where(r => r.Value["segment"] == segment).Select(r => r.Key).ToArray();
            Assert.Equal(members.Length, (int)node!["customers"]!);
            Assert.Equal((int)o["segments"]![segment]!, members.Length);
            if (members.Length == 0)
            {
                Assert.Null(node["meanMonetary"]);
                continue;
            }

            Assert.Equal(members.Length / 3.0, (double)node["share"]!, 1e-12);
            Assert.Equal(members.Average(m => recency[m]), (double)node["meanRecencyDays"]!, 1e-12);
            Assert.Equal(members.Average(m => frequency[m]), (double)node["meanFrequency"]!, 1e-12);
            Assert.Equal(members.Average(m => monetary[m]), (double)node["meanMonetary"]!, 1e-12);
            Assert.Equal(members.Sum(m => monetary[m]) / 142.75, (double)node["revenueShare"]!, 1e-12);
        }
    }

    [Fact]
    public void Quantiles_TiesDecidedById_AreReported()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var result = CliRunner.Run("rfm", "--transactions", input, "--format", "json");
        var o = CliAssert.JsonOk(result);

        // b and c both have 1 purchase; 3 customers in 5 rank bins get F 1 (b) and 3 (c): the id order split the tie (docs/rfm.md).
        Assert.Equal(2, (int)o["tieBrokenCustomers"]!);
        Assert.Contains("2 customers share their recency, frequency or monetary value", result.StdErr, StringComparison.Ordinal);
        Assert.Null(o["thresholds"]);
        Assert.Equal(3, o["segmentStats"]!.AsObject().Sum(kv => (int)kv.Value!["customers"]!));
    }

    [Fact]
    public void Thresholds_UsageErrors()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        Assert.Contains("--recency-cuts", CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input, "--binning", "thresholds")), StringComparison.Ordinal);
        Assert.Contains("--binning thresholds", CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input, "--recency-cuts", "5,12")), StringComparison.Ordinal);
        Assert.Contains("--bins", CliAssert.UsageError(CliRunner.Run(
            "rfm", "--transactions", input, "--binning", "thresholds", "--bins", "5", "--recency-cuts", "5,12", "--frequency-cuts", "1,2", "--monetary-cuts", "10,50")), StringComparison.Ordinal);
        Assert.Contains("--frequency-cuts", CliAssert.UsageError(CliRunner.Run(
            "rfm", "--transactions", input, "--binning", "thresholds", "--recency-cuts", "5,12", "--frequency-cuts", "2,1", "--monetary-cuts", "10,50")), StringComparison.Ordinal);
    }
}
