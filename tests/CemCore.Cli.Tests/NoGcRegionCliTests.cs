using System.Text.RegularExpressions;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// Issue #17, docs/cli.md: a command runs in a 256 MB no-GC region, so a command that allocates less than that collects exactly once
/// (the full collection that starts the region); <c>CEMCORE_CLI_NOGC=0</c> turns the region off. Collection counts from the
/// <c>CEMCORE_CLI_REPEAT=1</c> line on 150,000 rows (tens of MB allocated, far below the budget).
/// </summary>
public sealed class NoGcRegionCliTests
{
    [Fact]
    public void Default_OneCollection_RegionOff_OrdinaryCollections_SameOutput()
    {
        using var dir = new TempDir();
        var input = OneProcessorCliTests.WriteTransactions(dir);

        var (inRegion, inRegionOut) = Run(dir, input, "region.csv", null);
        var (ordinary, ordinaryOut) = Run(dir, input, "ordinary.csv", "0");

        // In the region: one collection (the full one that starts it) and the run ends inside it. Without it the collection count depends
        // on the host's GC budgets (a Zen 3 host once collected exactly once, 1/1/1, without the region), so the line's own report is
        // what shows the setting took effect.
        Assert.Equal("1/1/1", Collections(inRegion));
        Assert.EndsWith(", no-GC region held)", inRegion, StringComparison.Ordinal);
        Assert.EndsWith(", no-GC region off)", ordinary, StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(ordinaryOut), File.ReadAllText(inRegionOut));
    }

    private static (string Line, string Out) Run(TempDir dir, string input, string outName, string? noGc)
    {
        var env = new Dictionary<string, string> { ["CEMCORE_CLI_REPEAT"] = "1" };
        if (noGc is not null)
        {
            env["CEMCORE_CLI_NOGC"] = noGc;
        }

        var output = dir.File(outName);
        var r = CliRunner.RunWithEnvironment(env, "features", "--transactions", input, "--as-of", "2025-01-01", "--out", output);
        Assert.True(r.ExitCode == 0, r.StdErr);
        return (r.StdErr.Split('\n').Single(l => l.Contains(": run 1 of 1: ", StringComparison.Ordinal)).TrimEnd('\r'), output);
    }

    private static string Collections(string line)
    {
        var m = Regex.Match(line, @"\(GCs (\d+/\d+/\d+),", RegexOptions.CultureInvariant);
        Assert.True(m.Success, line);
        return m.Groups[1].Value;
    }
}
