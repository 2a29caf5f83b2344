using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>Issue 16: every command is on System.CommandLine with its own --help (description, options, examples) and --version.</summary>
public sealed class HelpCliTests
{
    [Theory]
    [InlineData("demo", "--customers")]
    [InlineData("features", "--time-zone")]
    [InlineData("rfm", "--bins")]
    [InlineData("lifecycle", "--as-of")]
    [InlineData("churn train", "--holdout-fraction")]
    [InlineData("churn score", "--model")]
    [InlineData("clv fit", "--penalizer")]
    [InlineData("clv predict", "--horizon")]
    [InlineData("ab proportions", "--alternative")]
    [InlineData("ab means", "--treatment")]
    [InlineData("ab sample-size", "--relative")]
    [InlineData("ab bayes", "--control")]
    [InlineData("ab srm", "--weights")]
    [InlineData("offers", "--customers")]
    public void CommandHelp_HasUsageOptionsAndExamples(string command, string option)
    {
        var r = CliRunner.Run([.. command.Split(' '), "--help"]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("cemcore " + command + " [options]", r.StdOut, StringComparison.Ordinal);
        Assert.Contains(option, r.StdOut, StringComparison.Ordinal);
        var examples = r.StdOut[r.StdOut.IndexOf("Examples:", StringComparison.Ordinal)..];
        Assert.Contains("  cemcore " + command + " ", examples, StringComparison.Ordinal);
    }

    [Fact]
    public void ParentHelp_ListsSubcommands_WithoutExamples()
    {
        var r = CliRunner.Run("ab", "--help");
        Assert.True(r.ExitCode == 0, r.StdErr);
        foreach (var sub in new[] { "proportions", "means", "sample-size", "bayes", "srm" })
        {
            Assert.Contains(sub, r.StdOut, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("Examples:", r.StdOut, StringComparison.Ordinal);
    }

    /// <summary>
    /// Issue 17: only the command named by the first argument is built (Program.cs's table). Every command the full tree lists must
    /// build alone under the same name: a table entry whose factory names the command otherwise would fail this (exit 1), and one
    /// missing from the table would be missing from the root help. The list comes from the root help, which builds every command.
    /// </summary>
    [Fact]
    public void EveryListedCommand_BuildsAloneUnderItsName()
    {
        var help = CliRunner.Run("--help");
        Assert.True(help.ExitCode == 0, help.StdErr);
        var section = help.StdOut[(help.StdOut.IndexOf("Commands:", StringComparison.Ordinal) + "Commands:".Length)..];
        var names = section.Split('\n')
            .TakeWhile(line => line.Length == 0 || line.StartsWith("  ", StringComparison.Ordinal))
            .Select(line => line.Trim().Split(' ')[0])
            .Where(name => name.Length > 0)
            .ToArray();
        Assert.True(names.Length >= 20, "root help lists " + names.Length + " commands: " + string.Join(", ", names));
        foreach (var name in names)
        {
            var r = CliRunner.Run(name, "--help");
            Assert.True(r.ExitCode == 0, name + ": " + r.StdErr);
            Assert.Contains("cemcore " + name + " ", r.StdOut, StringComparison.Ordinal);
        }

        // An unknown first argument still builds the whole tree, so the error lists every command, in the root help's order.
        var unknown = CliAssert.UsageError(CliRunner.Run("rfmm", "--transactions", "t.csv"));
        Assert.Contains("Commands: " + string.Join(", ", names) + ".", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public void Version_Exit0()
    {
        var r = CliRunner.Run("--version");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Matches(@"^\d+\.\d+", r.StdOut.Trim());
    }

    [Fact]
    public void ChoiceOptions_NameTheOptionAndTheValidValues()
    {
        var err = CliAssert.UsageError(CliRunner.Run("clv", "fit", "--transactions", "t.csv", "--model", "nope", "--calibration-end", "2024-01-01"));
        Assert.Contains("--model must be bgnbd, paretonbd, mbgnbd or gammagamma, not 'nope'", err, StringComparison.Ordinal);
    }
}
