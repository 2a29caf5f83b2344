using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore churn train|score</c> (issue 4, docs/churn.md) on a small generated numeric CSV. The holdout log loss is recomputed here from
/// the printed standardized coefficients, the training rows' mean and population standard deviation and the last rows of the file.
/// </summary>
public sealed class ChurnCliTests
{
    private const int Rows = ChurnCliData.Rows;

    private static (string[] Lines, double[][] X, int[] Y) Data() => ChurnCliData.Create();

    [Fact]
    public void Train_Json_Shape_HoldoutIsTheLastRows_AndScoreMatches()
    {
        var (lines, x, y) = Data();
        using var dir = new TempDir();
        var data = dir.Write("churn.csv", lines);
        var model = dir.File("model.json");
        var o = CliAssert.JsonOk(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--holdout-fraction", "0.25", "--model-out", model, "--format", "json"));

        Assert.True((bool)o["standardized"]!);
        var coefficients = o["coefficients"]!.AsObject();
        Assert.Equal(["recency", "orders", "spend"], coefficients.Select(kv => kv.Key)); // numeric columns except label and customer_id
        var holdout = o["holdout"]!.AsObject();
        Assert.Equal(15, (int)holdout["rows"]!);
        Assert.True(CliAssert.AllNumbersFinite(o) >= 6);

        // Recompute: standardize with the first 45 rows' mean and population SD, score the last 15, mean natural-log loss.
        const int train = 45;
        var intercept = (double)o["intercept"]!;
        var w = coefficients.Select(kv => (double)kv.Value!).ToArray();
        double Probability(double[] row)
        {
            var eta = intercept;
            for (var j = 0; j < 3; j++)
            {
                var column = x.Take(train).Select(r => r[j]).ToArray();
                var mean = column.Average();
                var sd = Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / train);
                eta += w[j] * (row[j] - mean) / sd;
            }

            return 1 / (1 + Math.Exp(-eta));
        }

        var logLoss = Enumerable.Range(train, Rows - train).Average(i => y[i] == 1 ? -Math.Log(Probability(x[i])) : -Math.Log(1 - Probability(x[i])));
        Assert.Equal(logLoss, (double)holdout["logLoss"]!, 1e-9);
        var auc = (double)holdout["auc"]!;
        Assert.InRange(auc, 0, 1);

        var scored = dir.File("scores.csv");
        var s = CliAssert.JsonOk(CliRunner.Run("churn", "score", "--model", model, "--data", data, "--out", scored, "--format", "json"));
        Assert.Equal(Rows, (int)s["rows"]!);
        var output = File.ReadAllLines(scored);
        Assert.Equal("customer_id,probability", output[0]);
        Assert.Equal(Rows + 1, output.Length);
        for (var i = 0; i < Rows; i++)
        {
            var cells = output[i + 1].Split(',');
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"c{i:D3}"), cells[0]);
            Assert.Equal(Probability(x[i]), CliAssert.D(cells[1]), 1e-9);
        }
    }

    [Fact]
    public void Train_DefaultHoldout_IsTwentyPercent_OneClassHoldoutHasNullAuc()
    {
        var (lines, _, _) = Data();
        // Last 12 rows (the default 20 % holdout) all label 0: AUC is undefined (null), log loss still defined.
        var edited = lines.Select((l, i) => i > Rows - 12 ? l[..l.LastIndexOf(',')] + ",0" : l).ToArray();
        using var dir = new TempDir();
        var data = dir.Write("churn.csv", edited);
        var o = CliAssert.JsonOk(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--format", "json"));
        Assert.Equal(12, (int)o["holdout"]!["rows"]!);
        Assert.Null(o["holdout"]!["auc"]);
        Assert.True(double.IsFinite((double)o["holdout"]!["logLoss"]!));
    }

    [Fact]
    public void BadInput_Exit2()
    {
        var (lines, _, _) = Data();
        using var dir = new TempDir();
        var data = dir.Write("churn.csv", lines);
        Assert.Contains("--label", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "nope")), StringComparison.Ordinal);
        Assert.Contains("--label", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data)), StringComparison.Ordinal);
        Assert.Contains("--holdout-fraction", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--holdout-fraction", "1")), StringComparison.Ordinal);
        Assert.Contains("--c", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--c", "0")), StringComparison.Ordinal);
        var notBinary = dir.Write("bad.csv", [.. lines.Take(10), "c999,1,2,seg0,3,2"]);
        var err = CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", notBinary, "--label", "churned"));
        Assert.Contains("bad.csv", err, StringComparison.Ordinal);
        CliAssert.UsageError(CliRunner.Run("churn", "predict", "--data", data));
        CliAssert.UsageError(CliRunner.Run("churn", "score", "--model", dir.File("missing.json"), "--data", data, "--out", dir.File("o.csv")));
    }
}
