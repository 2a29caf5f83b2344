using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>CEMCORE_CLI_REPEAT</c> (docs/cli.md): the command runs N times in one process, each run's time on stderr; used by
/// benchmarks/peers/cold_start.sh to compare a one-shot run with the warm time of the same work (issue #17).
/// </summary>
public sealed class RepeatCliTests
{
    private static readonly string[] Transactions =
    [
        "customer_id,timestamp,amount",
        "a,2024-01-01,10.00",
        "a,2024-01-11,20.00",
        "b,2024-01-05T12:00:00Z,7.25",
    ];

    [Fact]
    public void Repeat_RunsTheCommandNTimes_SameOutput_OneTimingLinePerRun()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var once = dir.File("once.csv");
        var thrice = dir.File("thrice.csv");
        var single = CliRunner.Run("rfm", "--transactions", input, "--out", once);
        Assert.Equal(0, single.ExitCode);
        Assert.DoesNotContain("run 1 of", single.StdErr, StringComparison.Ordinal);

        var env = new Dictionary<string, string> { ["CEMCORE_CLI_REPEAT"] = "3" };
        var repeated = CliRunner.RunWithEnvironment(env, "rfm", "--transactions", input, "--out", thrice);
        Assert.Equal(0, repeated.ExitCode);
        var timings = repeated.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(" of 3: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, timings.Length);
        for (var i = 0; i < 3; i++)
        {
            Assert.Matches($@"^cemcore rfm: run {i + 1} of 3: \d+\.\d ms \(GCs \d+/\d+/\d+, GC pause \d+\.\d ms, allocated \d+\.\d MB, JIT \d+ methods \d+\.\d ms, CPU \d+\.\d ms, minor faults \d+, processors \d+, pool work items \d+, no-GC region (held|left|off)\)$", timings[i].TrimEnd('\r'));
        }

        Assert.Equal(File.ReadAllText(once), File.ReadAllText(thrice));
    }

    [Fact]
    public void Repeat_One_RunsOnce_WithTheTimingLine()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var env = new Dictionary<string, string> { ["CEMCORE_CLI_REPEAT"] = "1" };
        var r = CliRunner.RunWithEnvironment(env, "rfm", "--transactions", input, "--out", dir.File("o.csv"));
        Assert.Equal(0, r.ExitCode);
        var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        // The first run of a JIT-compiled process compiles at least the command's own code, so the JIT count cannot be zero; the
        // NativeAOT build (CEMCORE_CLI_EXE, .ci/run) has no JIT, so its count must be exactly zero.
        var m = System.Text.RegularExpressions.Regex.Match(line.TrimEnd('\r'), @"^cemcore rfm: run 1 of 1: \d+\.\d ms \(GCs \d+/\d+/\d+, GC pause \d+\.\d ms, allocated \d+\.\d MB, JIT (\d+) methods \d+\.\d ms, CPU \d+\.\d ms, minor faults \d+, processors \d+, pool work items \d+, no-GC region (held|left|off)\)$");
        Assert.True(m.Success, line);
        var jitted = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        if (CliRunner.NativeExecutable is null)
        {
            Assert.True(jitted > 0, line);
        }
        else
        {
            Assert.True(jitted == 0, line);
        }
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("two")]
    [InlineData("-1")]
    public void Repeat_OutOfRange_IsAUsageError(string value)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", Transactions);
        var env = new Dictionary<string, string> { ["CEMCORE_CLI_REPEAT"] = value };
        var r = CliRunner.RunWithEnvironment(env, "rfm", "--transactions", input, "--out", dir.File("o.csv"));
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"cemcore rfm: CEMCORE_CLI_REPEAT must be a whole number from 1 to 100 (got '{value}').", r.StdErr.Trim());
        Assert.False(File.Exists(dir.File("o.csv")));
    }
}
