using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using CemCore.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore ab metrics</c> against numpy/scipy (tests/CemCore.Tests/ReferenceData/Experiments/generate_ab_metrics.py wrote the input
/// ab_metrics.csv and ab_metrics.expected.json: Welch, CUPED with θ = cov(y, x)/var(x) pooled, the normal-mixture mSPRT) and
/// <c>ab proportions --readout</c> (per-arm rates, delta-method relative lift, verdict) by hand.
/// </summary>
public sealed class AbMetricsCliTests
{
    private static string ReferencePath(string file) =>
        Path.Combine(ReferenceData.RepositoryRoot, "tests", "CemCore.Tests", "ReferenceData", "Experiments", file);

    private static void Close(double expected, JsonNode? actual, double relative = 1e-9) =>
        Assert.True(Math.Abs(expected - (double)actual!) <= relative * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    private static void Triple(JsonNode expected, JsonNode actual)
    {
        Close((double)expected[0]!, actual["estimate"]);
        Close((double)expected[1]!, actual["ci"]![0]);
        Close((double)expected[2]!, actual["ci"]![1]);
    }

    [Fact]
    public void Metrics_MatchNumpyAndScipy()
    {
        var e = JsonNode.Parse(File.ReadAllText(ReferencePath("ab_metrics.expected.json")))!;
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "metrics", "--metrics", ReferencePath("ab_metrics.csv"), "--tau", "0.5", "--format", "json"));
        foreach (var arm in new[] { "control", "treatment" })
        {
            Assert.Equal((int)e[arm]!["users"]!, (int)o["arms"]![arm]!["users"]!);
            Close((double)e[arm]!["mean"]!, o["arms"]![arm]!["mean"]);
            Close((double)e[arm]!["sd"]!, o["arms"]![arm]!["sd"]);
            Close((double)e[arm]!["preMean"]!, o["arms"]![arm]!["preMean"]);
        }

        Triple(e["difference"]!, o["difference"]!);
        Triple(e["relativeLift"]!, o["relativeLift"]!);
        Close((double)e["welch"]!["t"]!, o["welch"]!["t"]);
        Close((double)e["welch"]!["pValue"]!, o["welch"]!["pValue"], 1e-7);

        var c = o["cuped"]!;
        Close((double)e["cuped"]!["theta"]!, c["theta"]);
        Close((double)e["cuped"]!["controlMean"]!, c["controlMean"]);
        Close((double)e["cuped"]!["treatmentMean"]!, c["treatmentMean"]);
        Triple(e["cuped"]!["difference"]!, c["difference"]!);
        Close((double)e["cuped"]!["z"]!, c["z"]);
        Close((double)e["cuped"]!["pValue"]!, c["pValue"], 1e-6);
        Close((double)e["cuped"]!["varianceReduction"]!, c["varianceReduction"]);

        var s = o["sequential"]!;
        Close((double)e["sequential"]!["logLikelihoodRatio"]!, s["logLikelihoodRatio"]);
        Close((double)e["sequential"]!["pValue"]!, s["pValue"]);
        Close((double)e["sequential"]!["confidenceSequence"]![0]!, s["confidenceSequence"]![0]);
        Close((double)e["sequential"]!["confidenceSequence"]![1]!, s["confidenceSequence"]![1]);

        // The fixture: Welch does not reject, CUPED (80% less variance) does, the always-valid mSPRT does not yet.
        Assert.True((double)e["welch"]!["pValue"]! > 0.05 && (double)e["cuped"]!["pValue"]! < 0.05 && (double)e["sequential"]!["pValue"]! > 0.05);
        var verdict = (string)o["verdict"]!;
        Assert.StartsWith("treatment is better than control", verdict, StringComparison.Ordinal);
        Assert.Contains("CUPED", verdict, StringComparison.Ordinal);
        Assert.Contains("mSPRT does not reject yet", verdict, StringComparison.Ordinal);

        // Default tau: 0.1 x the pooled standard deviation of the metric.
        o = CliAssert.JsonOk(CliRunner.Run("ab", "metrics", "--metrics", ReferencePath("ab_metrics.csv"), "--format", "json"));
        Close((double)e["defaultTau"]!, o["sequential"]!["tau"]);
    }

    [Fact]
    public void Metrics_WithoutPreMetric_NoCuped_ArmNamesAndErrors()
    {
        using var dir = new TempDir();
        // A: 1, 2, 3, 4 (mean 2.5, sd sqrt(5/3)); B: 3, 4, 5, 6 (mean 4.5): difference 2, relative lift 0.8.
        var file = dir.Write("m.csv", "customer_id,arm,metric", "a1,A,1", "a2,A,2", "a3,A,3", "a4,A,4", "b1,B,3", "b2,B,4", "b3,B,5", "b4,B,6");
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "metrics", "--metrics", file, "--control", "A", "--treatment", "B", "--format", "json"));
        Assert.Null(o["cuped"]);
        Close(2.5, o["arms"]!["A"]!["mean"]);
        Close(Math.Sqrt(5.0 / 3), o["arms"]!["A"]!["sd"]);
        Close(2.0, o["difference"]!["estimate"]);
        Close(0.8, o["relativeLift"]!["estimate"]);
        var half = 1.959963984540054 * Math.Sqrt(2 * (5.0 / 3) / 4);
        Close(2.0 - half, o["difference"]!["ci"]![0]);
        Close(2.0 + half, o["difference"]!["ci"]![1]);

        var err = CliAssert.UsageError(CliRunner.Run("ab", "metrics", "--metrics", file));
        Assert.Contains("'A', 'B'", err, StringComparison.Ordinal);
        var bad = dir.Write("bad.csv", "customer_id,arm,metric", "a1,control,1", "a2,control,x");
        err = CliAssert.UsageError(CliRunner.Run("ab", "metrics", "--metrics", bad));
        Assert.Contains("bad.csv", err, StringComparison.Ordinal);
        Assert.Contains("metric", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Proportions_Readout_RatesRelativeLiftAndVerdict()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("ab", "proportions", "--control", "50/1000", "--treatment", "75/1000", "--readout", "--format", "json"));
        Assert.Equal(0.05, (double)o["control"]!["rate"]!, 1e-15);
        Assert.Equal(0.075, (double)o["treatment"]!["rate"]!, 1e-15);

        // Relative lift 0.075/0.05 - 1 = 0.5; delta method Var = vt/mc^2 + mt^2 vc/mc^4 = 0.02775 + 0.04275 = 0.0705.
        var half = 1.959963984540054 * Math.Sqrt(0.0705);
        Close(0.5, o["relativeLift"]!["estimate"]);
        Close(0.5 - half, o["relativeLift"]!["ci"]![0], 1e-8);
        Close(0.5 + half, o["relativeLift"]!["ci"]![1], 1e-8);

        // Pooled z = 0.025 / sqrt(0.0625 * 0.9375 * 2 / 1000) = 2.3094, p = 0.0209 < 0.05.
        Assert.StartsWith("treatment converts better than control", (string)o["verdict"]!, StringComparison.Ordinal);
        var text = CliRunner.Run("ab", "proportions", "--control", "50/1000", "--treatment", "52/1000");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("verdict: no significant difference", text.StdOut, StringComparison.Ordinal);
        Assert.Contains("relative lift 4.00%", text.StdOut, StringComparison.Ordinal);
    }
}
