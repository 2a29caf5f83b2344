using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using CemCore.Uplift;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore uplift train|score</c> (issue 11, docs/uplift.md) on a generated randomized trial. The scored uplift is recomputed here from the
/// standardized coefficients in the model file (p_T − p_C, or 2 P(Z = 1) − 1); the holdout rows from the documented seeded split; the holdout
/// Qini coefficient and uplift AUC from those uplifts with UpliftMetrics (checked against the Python reference in CemCore.Tests).
/// </summary>
public sealed class UpliftCliTests
{
    private const int Rows = 400;

    private static (string[] Lines, double[][] X, bool[] T, bool[] Y) Data()
    {
        var rng = new Random(20261204);
        var lines = new List<string> { "customer_id,visits,basket,segment,treated,bought" };
        var x = new double[Rows][];
        var t = new bool[Rows];
        var y = new bool[Rows];
        for (var i = 0; i < Rows; i++)
        {
            var visits = Math.Round(rng.NextDouble() * 10, 2);
            var basket = Math.Round(20 + (rng.NextDouble() * 80), 2);
            t[i] = rng.NextDouble() < 0.4;
            var logit = -1 + (0.1 * visits) + (t[i] ? -0.5 + (0.02 * basket) : 0);
            y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-logit));
            x[i] = [visits, basket];
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"c{i:D3},{visits},{basket},seg{i % 3},{(t[i] ? 1 : 0)},{(y[i] ? 1 : 0)}"));
        }

        return ([.. lines], x, t, y);
    }

    [Theory]
    [InlineData("two-model")]
    [InlineData("class-transformation")]
    public void TrainAndScore_Json_RecomputedFromTheModelFile(string method)
    {
        var (lines, x, t, y) = Data();
        using var dir = new TempDir();
        var data = dir.Write("trial.csv", lines);
        var modelPath = dir.File("uplift.json");
        var o = CliAssert.JsonOk(CliRunner.Run(
            "uplift", "train", "--data", data, "--treatment", "treated", "--outcome", "bought", "--method", method, "--holdout-fraction", "0.25", "--seed", "7",
            "--model-out", modelPath, "--format", "json"));

        Assert.Equal(method, (string)o["method"]!);
        Assert.Equal(["visits", "basket"], o["features"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(7, (int)o["seed"]!);
        var treated = t.Count(v => v);
        var holdTreated = (int)Math.Round(treated * 0.25, MidpointRounding.AwayFromZero);
        var holdControl = (int)Math.Round((Rows - treated) * 0.25, MidpointRounding.AwayFromZero);
        var holdout = o["holdout"]!.AsObject();
        Assert.Equal(holdTreated + holdControl, (int)holdout["rows"]!);
        Assert.Equal(holdTreated, (int)holdout["treatedRows"]!);
        Assert.Equal(holdControl, (int)holdout["controlRows"]!);
        var training = o["training"]!.AsObject();
        Assert.Equal(Rows - holdTreated - holdControl, (int)training["rows"]!);
        Assert.Equal(treated - holdTreated, (int)training["treatedRows"]!);
        Assert.True((bool)training["converged"]!);

        // Uplift of every customer from the model file's standardized coefficients.
        var model = JsonNode.Parse(File.ReadAllText(modelPath))!.AsObject();
        var models = model["models"]!.AsObject();
        double Uplift(double[] row) => method == "two-model"
            ? Probability(models["treated"]!, row) - Probability(models["control"]!, row)
            : (2 * Probability(models["transformed"]!, row)) - 1;

        var expected = x.Select(Uplift).ToArray();
        var scored = dir.File("scores.csv");
        var s = CliAssert.JsonOk(CliRunner.Run("uplift", "score", "--model", modelPath, "--data", data, "--out", scored, "--format", "json"));
        Assert.Equal(Rows, (int)s["rows"]!);
        Assert.Equal(method, (string)s["method"]!);
        var output = File.ReadAllLines(scored);
        Assert.Equal("customer_id,uplift,decile", output[0]);
        Assert.Equal(Rows + 1, output.Length);
        var ranks = Enumerable.Range(0, Rows).OrderByDescending(i => expected[i]).ToArray();
        for (var i = 0; i < Rows; i++)
        {
            var parts = output[i + 1].Split(',');
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"c{i:D3}"), parts[0]);
            Assert.Equal(expected[i], CliAssert.D(parts[1]), 1e-12);
            Assert.Equal((10 * Array.IndexOf(ranks, i) / Rows) + 1, int.Parse(parts[2], CultureInfo.InvariantCulture)); // no ties in continuous scores
        }

        // Holdout metrics: the documented split (seed 7, stratified), then the Qini coefficient and uplift AUC of the recomputed uplifts.
        var split = UpliftTrainer.Split(t, 0.25, 7);
        var hold = split.Holdout.ToArray();
        var e = UpliftMetrics.Evaluate(hold.Select(i => expected[i]).ToArray(), hold.Select(i => t[i]).ToArray(), hold.Select(i => y[i]).ToArray());
        Assert.Equal(e.QiniCoefficient, (double)holdout["qiniCoefficient"]!, 1e-9);
        Assert.Equal(e.UpliftAuc, (double)holdout["upliftAuc"]!, 1e-9);
        Assert.Equal(e.UpliftAucRandom, (double)holdout["upliftAucRandom"]!, 1e-12);
        var ate = (double)hold.Count(i => t[i] && y[i]) / holdTreated - ((double)hold.Count(i => !t[i] && y[i]) / holdControl);
        Assert.Equal(ate, (double)holdout["averageTreatmentEffect"]!, 1e-12);
    }

    [Fact]
    public void Train_NoHoldout_MetricsAreNull_AndTextOutputWorks()
    {
        var (lines, _, _, _) = Data();
        using var dir = new TempDir();
        var data = dir.Write("trial.csv", lines);
        var o = CliAssert.JsonOk(CliRunner.Run("uplift", "train", "--data", data, "--treatment", "treated", "--outcome", "bought", "--holdout-fraction", "0", "--format", "json"));
        Assert.Equal(0, (int)o["holdout"]!["rows"]!);
        Assert.Null(o["holdout"]!["qiniCoefficient"]);
        Assert.Equal(Rows, (int)o["training"]!["rows"]!);
        var text = CliRunner.Run("uplift", "train", "--data", data, "--treatment", "treated", "--outcome", "bought");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Qini coefficient", text.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInput_MissingColumns_NameFileLineAndField()
    {
        var (lines, _, _, _) = Data();
        using var dir = new TempDir();
        var data = dir.Write("trial.csv", lines);
        var err = CliAssert.UsageError(CliRunner.Run("uplift", "train", "--data", data, "--treatment", "promo", "--outcome", "bought"));
        Assert.Contains("trial.csv", err, StringComparison.Ordinal);
        Assert.Contains("line 1", err, StringComparison.Ordinal);
        Assert.Contains("'promo'", err, StringComparison.Ordinal);
        err = CliAssert.UsageError(CliRunner.Run("uplift", "train", "--data", data, "--treatment", "segment", "--outcome", "bought"));
        Assert.Contains("holds text", err, StringComparison.Ordinal);

        // Scoring a file without a model feature.
        var modelPath = dir.File("m.json");
        Assert.Equal(0, CliRunner.Run("uplift", "train", "--data", data, "--treatment", "treated", "--outcome", "bought", "--model-out", modelPath).ExitCode);
        var noBasket = dir.Write("nobasket.csv", [.. lines.Select(l => string.Join(',', l.Split(',').Where((_, j) => j != 2)))]);
        err = CliAssert.UsageError(CliRunner.Run("uplift", "score", "--model", modelPath, "--data", noBasket, "--out", dir.File("o.csv")));
        Assert.Contains("nobasket.csv, line 1, field 'basket'", err, StringComparison.Ordinal);
        err = CliAssert.UsageError(CliRunner.Run("uplift", "score", "--model", data, "--data", data, "--out", dir.File("o.csv")));
        Assert.Contains("trial.csv", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInput_TreatmentNotZeroOrOne_NamesTheLine()
    {
        var (lines, _, _, _) = Data();
        var bad = lines.ToArray();
        bad[5] = Replace(bad[5], 4, "2"); // data row 4
        using var dir = new TempDir();
        var data = dir.Write("trial.csv", [bad[0], string.Empty, .. bad[1..]]); // an empty line after the header: row 4 is on line 7
        var err = CliAssert.UsageError(CliRunner.Run("uplift", "train", "--data", data, "--treatment", "treated", "--outcome", "bought"));
        Assert.Contains("trial.csv, line 7, field 'treated'", err, StringComparison.Ordinal);
        Assert.Contains("0 or 1", err, StringComparison.Ordinal);
    }

    [Fact]
    public void BadInput_EmptyGroupOrNoPositives_NamesFileAndField()
    {
        var (lines, _, _, _) = Data();
        using var dir = new TempDir();
        var allTreated = dir.Write("all.csv", [lines[0], .. lines.Skip(1).Select(l => Replace(l, 4, "1"))]);
        var err = CliAssert.UsageError(CliRunner.Run("uplift", "train", "--data", allTreated, "--treatment", "treated", "--outcome", "bought"));
        Assert.Contains("all.csv", err, StringComparison.Ordinal);
        Assert.Contains("field 'treated'", err, StringComparison.Ordinal);
        Assert.Contains("control group (treatment = 0) has no rows", err, StringComparison.Ordinal);

        var noPositives = dir.Write("nopos.csv", [lines[0], .. lines.Skip(1).Select(l => l.Split(',')[4] == "0" ? Replace(l, 5, "0") : l)]);
        err = CliAssert.UsageError(CliRunner.Run("uplift", "train", "--data", noPositives, "--treatment", "treated", "--outcome", "bought"));
        Assert.Contains("nopos.csv", err, StringComparison.Ordinal);
        Assert.Contains("field 'bought'", err, StringComparison.Ordinal);
        Assert.Contains("no positive outcome", err, StringComparison.Ordinal);

        err = CliAssert.UsageError(CliRunner.Run("uplift", "train", "--data", allTreated, "--treatment", "treated", "--outcome", "treated"));
        Assert.Contains("different columns", err, StringComparison.Ordinal);
        err = CliAssert.UsageError(CliRunner.Run("uplift", "train", "--data", allTreated, "--treatment", "treated", "--outcome", "bought", "--method", "magic"));
        Assert.Contains("--method", err, StringComparison.Ordinal);
    }

    private static string Replace(string line, int column, string value)
    {
        var parts = line.Split(',');
        parts[column] = value;
        return string.Join(',', parts);
    }

    private static double Probability(JsonNode logistic, double[] row)
    {
        var mean = logistic["means"]!.AsArray().Select(v => (double)v!).ToArray();
        var scale = logistic["scales"]!.AsArray().Select(v => (double)v!).ToArray();
        var w = logistic["coefficients"]!.AsArray().Select(v => (double)v!).ToArray();
        var eta = (double)logistic["intercept"]!;
        for (var j = 0; j < w.Length; j++)
        {
            eta += w[j] * (row[j] - mean[j]) / scale[j];
        }

        return 1 / (1 + Math.Exp(-eta));
    }
}
