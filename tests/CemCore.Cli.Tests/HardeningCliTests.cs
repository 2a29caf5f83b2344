using System.Text;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>Issue 16, "Defects found": each bad input that gave a silent wrong answer, a crash or a raw .NET message.</summary>
public sealed class HardeningCliTests
{
    // 张三, 李四, 王五 in GBK (code page 936): every byte is >= 0x80, none is valid UTF-8 here.
    private static readonly byte[] GbkRows =
    [
        .. "customer_id,timestamp,amount\n"u8,
        0xD5, 0xC5, 0xC8, 0xFD, .. ",2024-01-01,5\n"u8,
        0xC0, 0xEE, 0xCB, 0xC4, .. ",2024-01-02,7\n"u8,
        0xCD, 0xF5, 0xCE, 0xE5, .. ",2024-01-03,9\n"u8,
    ];

    private static readonly string[] GbkNames = ["张三", "李四", "王五"];

    [Fact]
    public void GbkFile_ReadAsUtf8_IsAnError_NamingFileLineAndField()
    {
        using var dir = new TempDir();
        var input = dir.File("gbk.csv");
        File.WriteAllBytes(input, GbkRows);
        var err = CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input, "--format", "json"));
        Assert.Contains("gbk.csv, line 2, field 'customer_id'", err, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gbk")]
    [InlineData("gb18030")]
    public void GbkFile_WithEncoding_KeepsThreeDistinctCustomers(string encoding)
    {
        using var dir = new TempDir();
        var input = dir.File("gbk.csv");
        File.WriteAllBytes(input, GbkRows);
        var output = dir.File("rfm.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", input, "--encoding", encoding, "--out", output, "--format", "json"));
        Assert.Equal(3, (int)o["customers"]!);
        var ids = File.ReadAllLines(output, Encoding.UTF8).Skip(1).Select(l => l.Split(',')[0]).ToArray();
        Assert.Equal(GbkNames.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Latin1File_WithEncoding_DecodesAccents()
    {
        using var dir = new TempDir();
        var input = dir.File("latin1.csv");
        File.WriteAllBytes(input, [.. "customer_id,timestamp,amount\nJos"u8, 0xE9, .. ",2024-01-01,5\nJos"u8, 0xE8, .. ",2024-01-02,5\n"u8]);
        CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input));
        var output = dir.File("rfm.csv");
        var o = CliAssert.JsonOk(CliRunner.Run("rfm", "--transactions", input, "--encoding", "latin1", "--out", output, "--format", "json"));
        Assert.Equal(2, (int)o["customers"]!);
        Assert.Contains("José,", File.ReadAllText(output, Encoding.UTF8), StringComparison.Ordinal);
    }

    [Fact]
    public void AmountBeyondDecimalSums_IsAnError_NotAnInternalError()
    {
        using var dir = new TempDir();
        var input = dir.Write("big.csv", "customer_id,timestamp,amount", "a,2024-01-01,79228162514264337593543950335", "a,2024-01-02,79228162514264337593543950335");
        var err = CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input));
        Assert.Contains("big.csv, line 2, field 'amount'", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rfm", "--out")]
    [InlineData("lifecycle", "--out")]
    [InlineData("features", "--out")]
    [InlineData("offers", "--out")]
    [InlineData("clv", "--out")]
    public void OutputEqualToInput_IsRefused_AndTheInputIsKept(string command, string option)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,10", "a,2024-01-09,10", "b,2024-01-02,5");
        var before = File.ReadAllText(input);
        string[] args = command switch
        {
            "clv" => ["clv", "predict", "--calibration-end", "2024-01-31", "--horizon", "4"],
            "rfm" => ["rfm"],
            _ => [command, "--as-of", "2024-02-01"],
        };
        var err = CliAssert.UsageError(CliRunner.Run([.. args, "--transactions", input, option, Path.Combine(dir.Path, ".", "tx.csv")]));
        Assert.Contains("input file of --transactions", err, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(input));
    }

    [Fact]
    public void ChurnModelOutEqualToData_IsRefused()
    {
        using var dir = new TempDir();
        var data = dir.Write("d.csv", "customer_id,x,y", "a,1,0", "b,2,1", "c,3,0", "d,4,1");
        Assert.Contains("--model-out", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "y", "--model-out", data)), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteFailure_IsExit2_NotAStackTrace()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // /proc/version is a read-only special file on Linux (where CI runs)
        }

        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,10", "b,2024-01-02,5");
        var err = CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input, "--out", "/proc/version"));
        Assert.Contains("cemcore rfm:", err, StringComparison.Ordinal);
    }

    [Fact]
    public void SampleSize_TinyEffect_IsAnError_NotLongMaxValue()
    {
        var err = CliAssert.UsageError(CliRunner.Run("ab", "sample-size", "--baseline", "0.05", "--mde", "1e-12", "--format", "json"));
        Assert.Contains("--mde", err, StringComparison.Ordinal);
        Assert.DoesNotContain("9223372036854775807", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("0001-01-01")]
    public void ExtremeTimestamps_AreAnError_WithoutRawDotNetMessages(string date)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", $"a,{date},5", "b,2024-01-02,5");
        var err = CliAssert.UsageError(CliRunner.Run("rfm", "--transactions", input));
        Assert.Contains("tx.csv, line 2, field 'timestamp'", err, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Ticks", err, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0001-01-01")]
    [InlineData("9999-12-31")]
    public void ExtremeAsOf_IsAnError(string date)
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,5");
        Assert.Contains("--as-of must be between 1900-01-01 and 2199-12-31", CliAssert.UsageError(CliRunner.Run("lifecycle", "--transactions", input, "--as-of", date)), StringComparison.Ordinal);
    }

    [Fact]
    public void AsOfBeforeAllData_Warns()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-03-01,5");
        var r = CliRunner.Run("lifecycle", "--transactions", input, "--as-of", "2024-01-01", "--format", "json");
        var o = CliAssert.JsonOk(r);
        Assert.Equal(1, (int)o["stages"]!["prospect"]!);
        Assert.Contains("warning: the as-of date 2024-01-01 is not after any transaction", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void RulesNestedDeeperThan64_AreReportedAsTooDeep()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,5");
        var rules = dir.File("rules.json");
        File.WriteAllText(rules, "{\"rules\":" + new string('[', 100) + new string(']', 100) + "}");
        var err = CliAssert.UsageError(CliRunner.Run("offers", "--transactions", input, "--as-of", "2024-02-01", "--rules", rules, "--out", dir.File("o.csv")));
        Assert.Contains("nested deeper than 64 levels", err, StringComparison.Ordinal);
        Assert.DoesNotContain("Malformed", err, StringComparison.Ordinal);
    }

    [Fact]
    public void ClvPredict_NoRepeatBuyers_SaysNotIdentifiable_AndWritesNoInfinity()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,5", "b,2024-01-05,5", "c,2024-01-09,7", "d,2024-01-12,7", "e,2024-01-15,7");
        var output = dir.File("p.csv");
        var r = CliRunner.Run("clv", "predict", "--transactions", input, "--calibration-end", "2024-01-31", "--horizon", "10", "--out", output, "--format", "json");
        var o = CliAssert.JsonOk(r);
        Assert.False((bool)o["converged"]!);
        Assert.False((bool)o["identifiable"]!);
        Assert.Contains("no customer made a repeat purchase", (string)o["reason"]!, StringComparison.Ordinal);
        CliAssert.AllNumbersFinite(o);
        var text = File.ReadAllText(output);
        Assert.DoesNotContain("Infinity", text, StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", text, StringComparison.Ordinal);
        Assert.DoesNotContain("∞", text, StringComparison.Ordinal);
        Assert.Contains("not identifiable", r.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public void ClvFit_GammaGammaOnIdenticalSpends_IsNotIdentifiable()
    {
        using var dir = new TempDir();
        var input = dir.Write("tx.csv", "customer_id,timestamp,amount", "a,2024-01-01,5", "a,2024-01-05,5", "b,2024-01-09,5", "b,2024-01-19,5");
        var o = CliAssert.JsonOk(CliRunner.Run("clv", "fit", "--model", "gammagamma", "--transactions", input, "--calibration-end", "2024-01-31", "--format", "json"));
        Assert.False((bool)o["converged"]!);
        Assert.Contains("same mean spend", (string)o["reason"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("60000000/100000000", "60010000/100000000", 0.9255)] // Φ(1e-4 / sqrt(2 * 0.24 / 1e8)) = Φ(1.443) by hand
    [InlineData("4000000000000000000/9000000000000000000", "4000000000000000000/9000000000000000000", 0.5)]
    public void AbBayes_HugeCounts_AnswersInBoundedTime_LabelledApproximation(string control, string treatment, double expected)
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "bayes", "--control", control, "--treatment", treatment, "--format", "json"));
        Assert.Equal("normal-approximation", (string)o["method"]!);
        Assert.Equal(expected, (double)o["probabilityTreatmentBetter"]!, 4);
    }
}
