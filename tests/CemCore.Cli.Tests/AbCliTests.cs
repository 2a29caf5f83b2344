using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore ab ...</c> (issue 5, docs/experiments.md). Reference values: the documented examples (docs/experiments.md, "CLI"),
/// scipy 1.10.1 (Debian python3) as named per test, and closed forms.
/// </summary>
public sealed class AbCliTests
{
    [Fact]
    public void Proportions_SourceDocumentExample()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "proportions", "--control", "50/1000", "--treatment", "75/1000", "--format", "json"));
        Assert.Equal(["z", "pValue", "difference", "differenceCi"], o.Select(kv => kv.Key));

        // Pooled z by hand: p̄ = 0.0625, se = √(p̄(1−p̄)(2/1000)) → z = 0.025/se = 2.3094010767585; p = 0.020921335337794 (docs; statsmodels proportions_ztest).
        var pooled = 125.0 / 2000;
        Assert.Equal(0.025 / Math.Sqrt(pooled * (1 - pooled) * 2 / 1000), (double)o["z"]!, 1e-12);
        Assert.Equal(2.3094010767585025, (double)o["z"]!, 1e-12);
        Assert.Equal(0.020921335337794063, (double)o["pValue"]!, 1e-14);
        Assert.Equal(0.025, (double)o["difference"]!, 1e-15);
        var ci = o["differenceCi"]!.AsArray();
        Assert.Equal(2, ci.Count);
        Assert.Equal(0.0037391828234691823, (double)ci[0]!, 1e-14); // Newcombe hybrid score (docs example)
        Assert.Equal(0.046562108022205624, (double)ci[1]!, 1e-14);
    }

    [Fact]
    public void Proportions_OneSidedAndUndefined()
    {
        var greater = CliAssert.JsonOk(CliRunner.Run("ab", "proportions", "--control", "50/1000", "--treatment", "75/1000", "--alternative", "greater", "--format", "json"));
        Assert.Equal(0.020921335337794063 / 2, (double)greater["pValue"]!, 1e-14);

        // No conversions in either arm: the statistic is undefined (null + reason), not an error.
        var none = CliAssert.JsonOk(CliRunner.Run("ab", "proportions", "--control", "0/100", "--treatment", "0/100", "--format", "json"));
        Assert.Null(none["z"]);
        Assert.Null(none["pValue"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)none["undefinedReason"]));
    }

    [Fact]
    public void Means_Welch_MatchesScipy()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "means", "--control", "10,2,120", "--treatment", "11,2.5,80", "--format", "json"));
        Assert.Equal(["t", "df", "pValue"], o.Select(kv => kv.Key));

        // scipy 1.10.1: stats.ttest_ind_from_stats(11, 2.5, 80, 10, 2, 120, equal_var=False) → (2.9953234577959074, 0.003230556660985931).
        Assert.Equal(2.9953234577959074, (double)o["t"]!, 1e-12);
        Assert.Equal(0.003230556660985931, (double)o["pValue"]!, 1e-12);
        double vt = 2.5 * 2.5 / 80, vc = 2.0 * 2 / 120; // Welch-Satterthwaite df
        Assert.Equal((vt + vc) * (vt + vc) / ((vt * vt / 79) + (vc * vc / 119)), (double)o["df"]!, 1e-9);
    }

    [Theory]
    [InlineData(new[] { "--baseline", "0.05", "--mde", "0.01" }, 8158)] // docs example; statsmodels samplesize_proportions_2indep_onetail
    [InlineData(new[] { "--baseline", "0.05", "--mde", "0.2", "--relative" }, 8158)] // Δ = 0.05 × 0.2 = 0.01
    public void SampleSize_DocumentedExample(string[] options, int expected)
    {
        var o = CliAssert.JsonOk(CliRunner.Run(["ab", "sample-size", .. options, "--format", "json"]));
        Assert.Equal(["perGroup"], o.Select(kv => kv.Key));
        Assert.Equal(expected, (int)o["perGroup"]!);
    }

    [Fact]
    public void SampleSize_GrowsWithPower()
    {
        var n80 = (int)CliAssert.JsonOk(CliRunner.Run("ab", "sample-size", "--baseline", "0.05", "--mde", "0.01", "--format", "json"))["perGroup"]!;
        var n90 = (int)CliAssert.JsonOk(CliRunner.Run("ab", "sample-size", "--baseline", "0.05", "--mde", "0.01", "--power", "0.9", "--alpha", "0.05", "--format", "json"))["perGroup"]!;
        Assert.True(n90 > n80);
    }

    [Fact]
    public void Bayes_DocumentedExample()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "bayes", "--control", "50/1000", "--treatment", "75/1000", "--format", "json"));
        Assert.Equal(["probabilityTreatmentBetter"], o.Select(kv => kv.Key));
        Assert.Equal(0.9894604774053454, (double)o["probabilityTreatmentBetter"]!, 1e-12); // docs example (exact closed form, Beta(1,1) priors)
    }

    [Fact]
    public void Srm_MatchesScipyChiSquare()
    {
        // scipy 1.10.1: stats.chisquare([1000, 1100]) → (4.761904761904762, 0.029096331741252267).
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "srm", "--observed", "1000,1100", "--format", "json"));
        Assert.Equal(["chiSquare", "pValue"], o.Select(kv => kv.Key));
        Assert.Equal(4.761904761904762, (double)o["chiSquare"]!, 1e-12);
        Assert.Equal(0.029096331741252267, (double)o["pValue"]!, 1e-12);

        // scipy 1.10.1: stats.chisquare([520, 280, 200], [500, 300, 200]) → (2.1333333333333333, 0.3441537868654125).
        o = CliAssert.JsonOk(CliRunner.Run("ab", "srm", "--observed", "520,280,200", "--weights", "0.5,0.3,0.2", "--format", "json"));
        Assert.Equal(2.1333333333333333, (double)o["chiSquare"]!, 1e-12);
        Assert.Equal(0.3441537868654125, (double)o["pValue"]!, 1e-12);
    }

    [Fact]
    public void Text_Mode_ExitsZero()
    {
        var r = CliRunner.Run("ab", "proportions", "--control", "50/1000", "--treatment", "75/1000");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("z = 2.3094", r.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("proportions", "--control", "50/10", "--treatment", "75/1000")] // successes > trials
    [InlineData("proportions", "--control", "5x/1000", "--treatment", "75/1000")] // malformed S/N
    [InlineData("proportions", "--control", "50-1000", "--treatment", "75/1000")]
    [InlineData("proportions", "--control", "-5/1000", "--treatment", "75/1000")] // negative count
    [InlineData("proportions", "--control", "50/1000", "--treatment", "75/1000/3")]
    [InlineData("proportions", "--control", "50/1000", "--treatment", "75/1000", "--alternative", "sideways")]
    [InlineData("proportions", "--control", "50/1000")] // missing --treatment
    [InlineData("bayes", "--control", "1001/1000", "--treatment", "75/1000")]
    [InlineData("means", "--control", "10,2", "--treatment", "11,2.5,80")]
    [InlineData("means", "--control", "10,-2,100", "--treatment", "11,2.5,80")]
    [InlineData("means", "--control", "NaN,2,100", "--treatment", "11,2.5,80")]
    [InlineData("sample-size", "--baseline", "0.05", "--mde", "0.01", "--alpha", "1.5")] // alpha out of (0, 1)
    [InlineData("sample-size", "--baseline", "0.05", "--mde", "0.01", "--alpha", "0")]
    [InlineData("sample-size", "--baseline", "0.05", "--mde", "0.01", "--power", "1")]
    [InlineData("sample-size", "--baseline", "1.5", "--mde", "0.01")]
    [InlineData("sample-size", "--baseline", "0.05")]
    [InlineData("sample-size", "--baseline", "0.05", "--mde", "0.01", "--method", "magic")]
    [InlineData("srm", "--observed", "520,280,200", "--weights", "0.5,0.3,0.3")] // weights do not sum to 1
    [InlineData("srm", "--observed", "520,x")]
    [InlineData("srm", "--observed", "520,-280")]
    [InlineData("srm", "--observed", "520,280", "--weights", "0.5,0.3,0.2")] // lengths differ
    [InlineData("anova")]
    public void BadInput_Exit2(params string[] args)
    {
        CliAssert.UsageError(CliRunner.Run(["ab", .. args, "--format", "json"]));
    }
}
