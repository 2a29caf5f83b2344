using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary><c>cemcore demo</c>: the whole pipeline on small synthetic data.</summary>
public sealed class DemoCliTests
{
    [Fact]
    public void Json_OneObject_WithEverySection_AllNumbersFinite()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("demo", "--customers", "300", "--format", "json"));
        foreach (var section in new[] { "features", "rfm", "rules", "lifecycle", "churn", "clv", "ab" })
        {
            Assert.True(o[section] is JsonObject, $"section '{section}' is missing or not an object");
        }

        Assert.Equal(300, (int)o["customers"]!);
        Assert.True(CliAssert.AllNumbersFinite(o) > 20);

        // RFM segment counts cover every demo customer (prospects included).
        var rfm = o["rfm"]!.AsObject();
        Assert.Equal((int)rfm["customers"]!, rfm["segments"]!.AsObject().Sum(kv => (int)kv.Value!));
        var stages = o["lifecycle"]!["stages"]!.AsObject();
        Assert.Equal((int)o["lifecycle"]!["customers"]!, stages.Sum(kv => (int)kv.Value!));
        Assert.Equal(["r", "alpha", "a", "b"], o["clv"]!["bgnbd"]!["parameters"]!.AsObject().Select(kv => kv.Key));
    }

    [Fact]
    public void Journeys_section_counts_every_step_and_a_replay_sends_nothing()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("demo", "--customers", "200", "--format", "json"));
        var j = o["journeys"]!.AsObject();
        var steps = j["steps"]!.AsObject();
        Assert.Equal(["miss-you", "wait-visit", "cart-check", "cart-nudge", "last-chance", "bye"], steps.Select(kv => kv.Key));
        Assert.Equal((long)j["sent"]!, steps.Sum(kv => (long?)kv.Value!["sent"] ?? 0));
        Assert.True((long)j["sent"]! > 0);
        Assert.Equal((long)j["exited"]!, (long?)steps["bye"]!["exit"] ?? 0);

        Assert.Equal(0L, (long)j["replaySent"]!);
        Assert.Equal((long)j["trigger"]!["sent"]!, (long)j["trigger"]!["alreadySentOnReplay"]!);
    }

    [Fact]
    public void Json_IsDeterministicForTheSeed()
    {
        var a = CliRunner.Run("demo", "--customers", "100", "--seed", "7", "--format", "json");
        var b = CliRunner.Run("demo", "--customers", "100", "--seed", "7", "--format", "json");
        CliAssert.JsonOk(a);
        Assert.Equal(a.StdOut, b.StdOut);
    }

    [Fact]
    public void Text_ExitsZero_WithAReport()
    {
        var r = CliRunner.Run("demo", "--customers", "100");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("CemCore demo", r.StdOut, StringComparison.Ordinal);
        Assert.False(r.StdOut.TrimStart().StartsWith('{'));
    }

    [Theory]
    [InlineData("--customers", "5")]
    [InlineData("--customers", "many")]
    [InlineData("--seed", "1.5")]
    public void BadOption_Exit2(string option, string value)
    {
        var err = CliAssert.UsageError(CliRunner.Run("demo", option, value, "--format", "json"));
        Assert.Contains(option, err, StringComparison.Ordinal);
    }
}
