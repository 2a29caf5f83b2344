using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore ab</c> statistics added in issue #16 (docs/experiments.md "Power with unequal allocation", "Chi-square tables",
/// "Bayesian comparison of means"). Expected values are closed forms worked by hand in the comments, with scipy 1.10.1 /
/// statsmodels 0.13.5 (Debian python3) values where a distribution function is needed, as named per line.
/// </summary>
public sealed class AbStatisticsCliTests
{
    [Fact]
    public void ChiSquare_TwoByThree_ByHand()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "chi-square", "--table", "10,20,30;20,20,20", "--format", "json"));

        // Row sums 60, 60; column sums 30, 40, 50; N = 120 → E = 15, 20, 25 in both rows;
        // χ² = 2·(25/15 + 0 + 25/25) = 16/3, df = 2, p = e^(−χ²/2) (df = 2) = 0.06948345122280154 (scipy chi2_contingency).
        Assert.Equal(16.0 / 3, (double)o["chiSquare"]!, 1e-12);
        Assert.Equal(2.0, (double)o["df"]!);
        Assert.Equal(Math.Exp(-8.0 / 3), (double)o["pValue"]!, 1e-14);
        var expected = o["expected"]!.AsArray();
        Assert.Equal(2, expected.Count);
        Assert.Equal([15.0, 20.0, 25.0], expected[1]!.AsArray().Select(v => (double)v!));
        Assert.Empty(o["warnings"]!.AsArray());
    }

    [Fact]
    public void ChiSquare_SparseTable_Warns_AndBadShapeIsAUsageError()
    {
        // E = 2 in every cell of [[3,1],[1,3]]: all 4 cells below 5 → Cochran warning (exit 0, answer still given).
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "chi-square", "--table", "3,1;1,3", "--format", "json"));
        Assert.Single(o["warnings"]!.AsArray());
        Assert.Equal(2.0, (double)o["chiSquare"]!, 1e-12); // 4·(1²/2)
        CliAssert.UsageError(CliRunner.Run("ab", "chi-square", "--table", "1,2;3", "--format", "json"));
        CliAssert.UsageError(CliRunner.Run("ab", "chi-square", "--table", "1,-2;3,4", "--format", "json"));
    }

    [Fact]
    public void GoodnessOfFit_ByHand()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "gof", "--observed", "18,22,20,40", "--probabilities", "0.2,0.2,0.2,0.4", "--format", "json"));

        // N = 100, E = 20, 20, 20, 40: χ² = (4 + 4 + 0 + 0)/20 = 0.4, df = 3; p = 0.9402424948393607 (scipy chi2.sf(0.4, 3)).
        Assert.Equal(0.4, (double)o["chiSquare"]!, 1e-12);
        Assert.Equal(3.0, (double)o["df"]!);
        Assert.Equal(0.9402424948393607, (double)o["pValue"]!, 1e-13);
        Assert.Equal([20.0, 20.0, 20.0, 40.0], o["expected"]!.AsArray().Select(v => (double)v!));
        CliAssert.UsageError(CliRunner.Run("ab", "gof", "--observed", "1,2", "--probabilities", "0.5,0.6", "--format", "json"));
    }

    [Fact]
    public void Means_EqualVar_IsStudentsPooledTest()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "means", "--control", "10,2,120", "--treatment", "11,2.5,80", "--equal-var", "--format", "json"));

        // s_p² = (119·4 + 79·6.25)/198 = 969.75/198; t = 1/√(s_p²·(1/120 + 1/80)); df = 198; p = 0.0020086592734759596 (scipy ttest_ind_from_stats equal_var=True).
        Assert.Equal(1 / Math.Sqrt(969.75 / 198 * ((1.0 / 120) + (1.0 / 80))), (double)o["t"]!, 1e-12);
        Assert.Equal(198.0, (double)o["df"]!);
        Assert.Equal(0.0020086592734759596, (double)o["pValue"]!, 1e-14);
        Assert.Equal("student", (string?)o["test"]);
    }

    [Fact]
    public void SampleSizeMeans_ZClosedForm_AndT()
    {
        // z: n = 2(z_.975 + z_.8)²/d² with d = 0.5 → 2·(1.959963984540054 + 0.8416212335729143)²/0.25 = 62.79 → 63.
        var z = CliAssert.JsonOk(CliRunner.Run("ab", "sample-size-means", "--sd", "10", "--mde", "5", "--test", "z", "--format", "json"));
        var exact = 2 * Math.Pow(1.959963984540054 + 0.8416212335729143, 2) / 0.25;
        Assert.Equal(exact, (double)z["exactControl"]!, 1e-9);
        Assert.Equal(63L, (long)z["perGroup"]!);
        Assert.Equal(126L, (long)z["total"]!);

        // t: statsmodels TTestIndPower().solve_power(0.5, power=0.8, alpha=0.05) = 63.765610587854056 → 64 per group.
        var t = CliAssert.JsonOk(CliRunner.Run("ab", "sample-size-means", "--sd", "10", "--mde", "5", "--format", "json"));
        Assert.Equal(63.765610587854056, (double)t["exactControl"]!, 1e-6);
        Assert.Equal(64L, (long)t["control"]!);
        Assert.Equal("t", (string?)t["test"]);

        // Ratio 2: the treatment arm is exactly twice the control arm; a one-sided test against the effect's sign is refused.
        var r2 = CliAssert.JsonOk(CliRunner.Run("ab", "sample-size-means", "--sd", "10", "--mde", "5", "--ratio", "2", "--format", "json"));
        Assert.Equal(2 * (double)r2["exactControl"]!, (double)r2["exactTreatment"]!, 1e-9);
        Assert.Null(r2["perGroup"]);
        CliAssert.UsageError(CliRunner.Run("ab", "sample-size-means", "--sd", "10", "--mde", "5", "--alternative", "less", "--format", "json"));
    }

    [Fact]
    public void SampleSize_RatioAndOneSided_MatchStatsmodels()
    {
        // statsmodels samplesize_proportions_2indep_onetail(0.01, 0.05, 0.8, ratio=0.5, alpha=0.05, alternative='larger')
        // = 9725.3327983213 treatment units (its sample 1), so 4862.66639916065 control units.
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "sample-size", "--baseline", "0.05", "--mde", "0.01", "--ratio", "2", "--alternative", "greater", "--format", "json"));
        Assert.Equal(4862.66639916065, (double)o["exactControl"]!, 1e-7);
        Assert.Equal(4863L, (long)o["control"]!);
        Assert.Equal(9726L, (long)o["treatment"]!);
        Assert.Equal(4863L + 9726L, (long)o["total"]!);

        // The default call keeps its contract: only perGroup.
        var plain = CliAssert.JsonOk(CliRunner.Run("ab", "sample-size", "--baseline", "0.05", "--mde", "0.01", "--format", "json"));
        Assert.Equal(["perGroup"], plain.Select(kv => kv.Key));
        CliAssert.UsageError(CliRunner.Run("ab", "sample-size", "--baseline", "0.05", "--mde", "0.01", "--ratio", "2", "--method", "cohens-h", "--format", "json"));
    }

    [Fact]
    public void BayesMeans_FlatPrior_ByHand()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "bayes-means", "--control", "52.3,20.1,1000", "--treatment", "53.9,22.4,1000", "--format", "json"));

        // Flat prior: Δ = 1.6, V = (20.1² + 22.4²)/1000 = 0.90577; P = Φ(1.6/√V) = 0.9536348194148239 and the loss of shipping
        // the treatment √V φ(Δ/√V) − Δ Φ(−Δ/√V) = 0.018219642874839237 (scipy.stats.norm).
        Assert.Equal(1.6, (double)o["difference"]!, 1e-12);
        Assert.Equal(0.9536348194148239, (double)o["probabilityTreatmentBetter"]!, 1e-13);
        Assert.Equal(0.018219642874839237, (double)o["expectedLossTreatment"]!, 1e-13);
        Assert.Equal(0.018219642874839237 + 1.6, (double)o["expectedLossControl"]!, 1e-12); // E[max(D,0)] − E[max(−D,0)] = E[D]
        var ci = o["differenceCi"]!.AsArray();
        Assert.Equal(1.6 - (1.959963984540054 * Math.Sqrt(0.90577)), (double)ci[0]!, 1e-9);
        CliAssert.UsageError(CliRunner.Run("ab", "bayes-means", "--control", "52.3,0,1000", "--treatment", "53.9,22.4,1000", "--format", "json"));
    }
}
