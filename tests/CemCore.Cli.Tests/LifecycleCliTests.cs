using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary><c>cemcore lifecycle</c> (issue 3, docs/lifecycle.md).</summary>
public sealed class LifecycleCliTests
{
    [Fact]
    public void Json_CountsEveryStage_AndCsv()
    {
        using var dir = new TempDir();
        var input = dir.Write(
            "tx.csv",
            "customer_id,timestamp,amount",
            "a,2024-01-01,10",
            "a,2024-02-01,10",
            "a,2024-03-01,10",
            "b,2024-03-10,20",
            "c,2024-02-20,30",
            "c,2024-03-05,30",
            "p,2024-04-01,5"); // only after the as-of date: listed as a prospect
        var output = dir.File("stages.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("lifecycle", "--transactions", input, "--as-of", "2024-03-15", "--out", output, "--format", "json"));
        Assert.Equal(4, (int)o["customers"]!);
        var stages = o["stages"]!.AsObject();
        Assert.Equal(["prospect", "new", "growth", "maturity", "decline", "dormant", "revived"], stages.Select(kv => kv.Key));
        Assert.Equal(4, stages.Sum(kv => (int)kv.Value!));
        Assert.Equal(1, (int)stages["prospect"]!);

        var lines = File.ReadAllLines(output);
        Assert.Equal("customer_id,stage,days_since_last_purchase,expected_interval_days,reason", lines[0]);
        Assert.Equal(5, lines.Length);
        var b = lines.Single(l => l.StartsWith("b,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(5.0, CliAssert.D(b[2])); // 2024-03-10 → 2024-03-15
        var p = lines.Single(l => l.StartsWith("p,", StringComparison.Ordinal)).Split(',');
        Assert.Equal("prospect", p[1]);
        Assert.Equal(string.Empty, p[2]);
    }

    [Fact]
    public void MissingAsOf_Exit2()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,10");
        Assert.Contains("--as-of", CliAssert.UsageError(CliRunner.Run("lifecycle", "--transactions", input, "--format", "json")), StringComparison.Ordinal);
    }
}
