using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>The common contract of every command (issue 2): exit code 2 with one message on stderr for bad input or usage, no stack trace.</summary>
public sealed class ErrorContractTests
{
    [Theory]
    [InlineData("demo --bogus 1")]
    [InlineData("features --transactions t.csv --as-of 2024-01-01 --out o.csv --bogus 1")]
    [InlineData("rfm --transactions t.csv --bogus 1")]
    [InlineData("lifecycle --transactions t.csv --as-of 2024-01-01 --bogus")]
    [InlineData("churn train --data d.csv --label y --bogus 1")]
    [InlineData("churn score --model m.json --data d.csv --out o.csv --bogus 1")]
    [InlineData("clv fit --transactions t.csv --model bgnbd --calibration-end 2024-01-01 --bogus 1")]
    [InlineData("clv predict --transactions t.csv --calibration-end 2024-01-01 --horizon 1 --out o.csv --bogus 1")]
    [InlineData("ab bayes --control 1/10 --treatment 2/10 --bogus 1")]
    [InlineData("offers --transactions t.csv --as-of 2024-01-01 --out o.csv --bogus 1")]
    public void UnknownOption_Exit2(string commandLine)
    {
        Assert.Contains("--bogus", CliAssert.UsageError(CliRunner.Run(commandLine.Split(' '))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rfm", "transactions")]
    [InlineData("lifecycle", "transactions")]
    [InlineData("features", "transactions")]
    [InlineData("churn train", "data")]
    [InlineData("churn score", "model")]
    [InlineData("clv fit", "transactions")]
    [InlineData("clv predict", "transactions")]
    [InlineData("ab bayes", "control")]
    [InlineData("offers", "transactions")]
    public void MissingRequiredOption_Exit2(string command, string option)
    {
        var err = CliAssert.UsageError(CliRunner.Run([.. command.Split(' '), "--format", "json"]));
        Assert.Contains("--" + option, err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rfm", "--transactions", "{0}")]
    [InlineData("lifecycle", "--transactions", "{0}", "--as-of", "2024-01-01")]
    [InlineData("features", "--transactions", "{0}", "--as-of", "2024-01-01", "--out", "{1}")]
    [InlineData("clv", "fit", "--transactions", "{0}", "--model", "bgnbd", "--calibration-end", "2024-01-01")]
    [InlineData("churn", "train", "--data", "{0}", "--label", "y")]
    public void MissingFile_Exit2(params string[] template)
    {
        using var dir = new TempDir();
        var missing = dir.File("does-not-exist.csv");
        var args = template.Select(a => a.Replace("{0}", missing, StringComparison.Ordinal).Replace("{1}", dir.File("o.csv"), StringComparison.Ordinal)).ToArray();
        var err = CliAssert.UsageError(CliRunner.Run([.. args, "--format", "json"]));
        Assert.Contains("does-not-exist.csv", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rfm")]
    [InlineData("lifecycle", "--as-of", "2024-02-01")]
    [InlineData("features", "--as-of", "2024-02-01", "--out", "{out}")]
    [InlineData("clv", "fit", "--model", "bgnbd", "--calibration-end", "2024-01-31")]
    public void MalformedCsv_BadTimestamp_Exit2_WithFileAndLine(params string[] command)
    {
        using var dir = new TempDir();
        var input = dir.Write("broken.csv", "customer_id,timestamp,amount", "a,2024-01-01,10", "b,2024-01-02,5", "c,2024-13-45,7");
        var args = command.Select(a => a == "{out}" ? dir.File("o.csv") : a);
        var err = CliAssert.UsageError(CliRunner.Run([.. args, "--transactions", input, "--format", "json"]));
        Assert.Contains("broken.csv", err, StringComparison.Ordinal);
        Assert.Contains("line 4", err, StringComparison.Ordinal);
        Assert.Contains("timestamp", err, StringComparison.Ordinal);
        Assert.DoesNotContain("c,", err, StringComparison.Ordinal); // no row content (personal data)
    }

    [Theory]
    [InlineData("customer_id,timestamp\na,2024-01-01")] // missing required column
    [InlineData("customer_id,timestamp,amount\na,2024-01-01,-5")] // negative amount
    [InlineData("customer_id,timestamp,amount\na,2024-01-01,NaN")]
    [InlineData("customer_id,timestamp,amount\na,2024-01-01,ten")]
    [InlineData("")] // empty file
    public void MalformedCsv_OtherErrors_Exit2(string content)
    {
        using var dir = new TempDir();
        var input = dir.File("bad.csv");
        File.WriteAllText(input, content);
        var err = CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input, "--format", "json"));
        Assert.Contains("bad.csv", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BadFormat_AndUnknownCommand_AndHelp()
    {
        Assert.Contains("--format", CliAssert.UsageError(CliRunner.Run("ab", "bayes", "--control", "1/10", "--treatment", "2/10", "--format", "xml")), StringComparison.Ordinal);
        Assert.Contains("unknown command", CliAssert.UsageError(CliRunner.Run("frobnicate")), StringComparison.Ordinal);
        var help = CliRunner.Run("--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("cemcore [command] [options]", help.StdOut, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.Run().ExitCode);
    }

    [Fact]
    public void OptionGivenTwice_Exit2()
    {
        // System.CommandLine: "Option '--control' expects a single argument but 2 were provided."
        Assert.Contains("--control", CliAssert.UsageError(CliRunner.Run("ab", "bayes", "--control", "1/10", "--control", "2/10", "--treatment", "2/10")), StringComparison.Ordinal);
    }

    /// <summary>An output path in a missing folder was an internal error (exit 1, stack trace) before OutputPath.Check.</summary>
    [Theory]
    [InlineData("features", "--as-of", "2024-02-01", "--out", "{out}")]
    [InlineData("rfm", "--out", "{out}")]
    [InlineData("lifecycle", "--as-of", "2024-02-01", "--out", "{out}")]
    [InlineData("clv", "predict", "--calibration-end", "2024-01-31", "--horizon", "4", "--out", "{out}")]
    [InlineData("offers", "--as-of", "2024-02-01", "--out", "{out}")]
    [InlineData("rfm", "--out", "{dir}")]
    public void OutputInMissingFolder_Exit2(params string[] command)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,10", "a,2024-01-09,10", "b,2024-01-02,5");
        var args = command.Select(a => a.Replace("{out}", Path.Combine(dir.Path, "missing", "o.csv"), StringComparison.Ordinal).Replace("{dir}", dir.Path, StringComparison.Ordinal));
        var err = CliAssert.UsageError(CliRunner.Run([.. args, "--transactions", input, "--format", "json"]));
        Assert.Contains("--out", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ChurnOutputInMissingFolder_Exit2()
    {
        using var dir = new TempDir();
        var data = dir.Write("d.csv", "customer_id,x,y", "a,1,0", "b,2,1", "c,3,0", "d,4,1");
        var missing = Path.Combine(dir.Path, "missing", "m.json");
        Assert.Contains("--model-out", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "y", "--model-out", missing)), StringComparison.Ordinal);
        Assert.Contains("--out", CliAssert.UsageError(CliRunner.Run("churn", "score", "--model", missing, "--data", data, "--out", missing)), StringComparison.Ordinal);
    }
}
