using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;
using CemCore.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore churn train</c> analyst options (issue 16): <c>--class-weight balanced</c> against scikit-learn (the committed
/// tests/CemCore.Tests/ReferenceData/Churn/generate_churn_reference.py vectors), <c>--split</c>/<c>--seed</c>, precision/recall/F1 and the
/// decile gains table recomputed here from the printed coefficients, column selection and messages, and the
/// <c>features</c> → <c>churn train</c> → <c>churn score</c> pipe.
/// </summary>
public sealed class ChurnTrainingCliTests
{
    private const int Rows = ChurnCliData.Rows;

    private static string ReferencePath(string file) =>
        Path.Combine(ReferenceData.RepositoryRoot, "tests", "CemCore.Tests", "ReferenceData", "Churn", file);

    private static (string[] Lines, double[][] X, int[] Y) Data() => ChurnCliData.Create();

    [Fact]
    public void ClassWeightBalanced_MatchesScikitLearn()
    {
        var expected = JsonNode.Parse(File.ReadAllText(ReferencePath("imbalanced_balanced_weights.expected.json")))!;
        var o = CliAssert.JsonOk(CliRunner.Run(
            "churn", "train", "--data", ReferencePath("imbalanced_balanced_weights.csv"), "--label", "y", "--c", "0.5", "--class-weight", "balanced",
            "--holdout-fraction", "0", "--format", "json"));
        var coefficients = o["coefficients"]!.AsObject().Select(kv => (double)kv.Value!).ToArray();
        var reference = expected["coefficients"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(reference.Length, coefficients.Length);
        // scikit-learn's lbfgs stops within 4.3e-5 of the exact optimum (see tests/CemCore.Tests/Churn/LogisticRegressionTests.cs), so 1e-4.
        for (var j = 0; j < reference.Length; j++)
        {
            Assert.Equal(reference[j], coefficients[j], 1e-4);
        }

        Assert.Equal((double)expected["intercept"]!, (double)o["intercept"]!, 1e-4);

        // scikit-learn's class_weight='balanced': n_samples / (n_classes * count of the class).
        var n = (int)expected["rows"]!;
        var positives = (int)expected["positives"]!;
        var weights = o["training"]!["classWeight"]!;
        Assert.Equal("balanced", (string)weights["mode"]!);
        Assert.Equal(n / (2.0 * (n - positives)), (double)weights["negative"]!, 1e-12);
        Assert.Equal(n / (2.0 * positives), (double)weights["positive"]!, 1e-12);
    }

    [Fact]
    public void HoldoutMetrics_PrecisionRecallF1_AndGains_RecomputedFromTheModel()
    {
        var (lines, x, y) = Data();
        using var dir = new TempDir();
        var data = dir.Write("churn.csv", lines);
        var result = CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--holdout-fraction", "0.25", "--threshold", "0.4", "--format", "json");
        var o = CliAssert.JsonOk(result);
        Assert.Contains("non-numeric columns left out: segment", result.StdErr, StringComparison.Ordinal);
        Assert.Equal(["segment"], o["skippedColumns"]!.AsArray().Select(v => (string)v!));

        const int train = 45;
        var intercept = (double)o["intercept"]!;
        var w = o["coefficients"]!.AsObject().Select(kv => (double)kv.Value!).ToArray();
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

        var p = Enumerable.Range(train, Rows - train).Select(i => Probability(x[i])).ToArray();
        var labels = Enumerable.Range(train, Rows - train).Select(i => y[i] == 1).ToArray();
        int tp = 0, fp = 0, fn = 0, tn = 0;
        for (var i = 0; i < p.Length; i++)
        {
            var predicted = p[i] >= 0.4;
            tp += predicted && labels[i] ? 1 : 0;
            fp += predicted && !labels[i] ? 1 : 0;
            fn += !predicted && labels[i] ? 1 : 0;
            tn += !predicted && !labels[i] ? 1 : 0;
        }

        var h = o["holdout"]!;
        Assert.Equal(0.4, (double)h["threshold"]!);
        Assert.Equal(tp, (int)h["confusion"]!["truePositives"]!);
        Assert.Equal(fp, (int)h["confusion"]!["falsePositives"]!);
        Assert.Equal(tn, (int)h["confusion"]!["trueNegatives"]!);
        Assert.Equal(fn, (int)h["confusion"]!["falseNegatives"]!);
        Assert.True(tp > 0, "the fixture has churners predicted at 0.4");
        Assert.Equal((double)tp / (tp + fp), (double)h["precision"]!, 1e-12);
        Assert.Equal((double)tp / (tp + fn), (double)h["recall"]!, 1e-12);
        Assert.Equal(2.0 * tp / ((2.0 * tp) + fp + fn), (double)h["f1"]!, 1e-12);

        // Deciles of 15 rows sorted by probability: sizes floor(d*15/10) - floor((d-1)*15/10) = 1,2,1,2,...; gain = cumulative churners / all.
        var order = Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]).ToArray();
        var gains = h["gains"]!.AsArray();
        Assert.Equal(10, gains.Count);
        var total = labels.Count(v => v);
        var cumulative = 0;
        var start = 0;
        for (var d = 1; d <= 10; d++)
        {
            var size = (d * 15 / 10) - ((d - 1) * 15 / 10);
            var churners = order.Skip(start).Take(size).Count(i => labels[i]);
            start += size;
            cumulative += churners;
            var g = gains[d - 1]!;
            Assert.Equal(size, (int)g["rows"]!);
            Assert.Equal(churners, (int)g["churners"]!);
            Assert.Equal((double)cumulative / total, (double)g["gain"]!, 1e-12);
            Assert.Equal((double)churners / size / ((double)total / 15), (double)g["lift"]!, 1e-12);
        }

        Assert.Equal(1.0, (double)gains[9]!["gain"]!, 1e-12);
    }

    [Fact]
    public void Split_RandomAndStratified_AreSeeded_StratifiedKeepsTheClassShares()
    {
        var (lines, _, y) = Data();
        using var dir = new TempDir();
        var data = dir.Write("churn.csv", lines);
        string[] Args(string split, string seed) => ["churn", "train", "--data", data, "--label", "churned", "--exclude", "segment", "--split", split, "--seed", seed, "--holdout-fraction", "0.25", "--format", "json"];

        var s1 = CliAssert.JsonOk(CliRunner.Run(Args("stratified", "7")));
        var s2 = CliAssert.JsonOk(CliRunner.Run(Args("stratified", "7")));
        Assert.Equal(s1.ToJsonString(), s2.ToJsonString()); // the same seed gives the same split and fit
        var positives = y.Count(v => v == 1);
        var expectedHoldout = (int)Math.Round(positives * 0.25, MidpointRounding.AwayFromZero) + (int)Math.Round((Rows - positives) * 0.25, MidpointRounding.AwayFromZero);
        Assert.Equal(expectedHoldout, (int)s1["holdout"]!["rows"]!);
        Assert.Equal((int)Math.Round(positives * 0.25, MidpointRounding.AwayFromZero), (int)s1["holdout"]!["confusion"]!["truePositives"]! + (int)s1["holdout"]!["confusion"]!["falseNegatives"]!);
        Assert.Equal("stratified", (string)s1["holdout"]!["split"]!);
        Assert.Equal(7, (int)s1["holdout"]!["seed"]!);
        Assert.Empty(s1["skippedColumns"]!.AsArray()); // excluded explicitly: no note

        var r1 = CliAssert.JsonOk(CliRunner.Run(Args("random", "1")));
        var r2 = CliAssert.JsonOk(CliRunner.Run(Args("random", "2")));
        Assert.Equal(15, (int)r1["holdout"]!["rows"]!);
        Assert.NotEqual((double)r1["intercept"]!, (double)r2["intercept"]!); // different seeds, different training rows
    }

    [Fact]
    public void Features_Exclude_AndMessagesNameTheFlags()
    {
        var (lines, _, _) = Data();
        using var dir = new TempDir();
        var data = dir.Write("churn.csv", lines);
        var o = CliAssert.JsonOk(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--features", "recency,orders", "--format", "json"));
        Assert.Equal(["recency", "orders"], o["coefficients"]!.AsObject().Select(kv => kv.Key));
        o = CliAssert.JsonOk(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--exclude", "spend,segment", "--format", "json"));
        Assert.Equal(["recency", "orders"], o["coefficients"]!.AsObject().Select(kv => kv.Key));

        Assert.Contains("not numeric", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--features", "segment")), StringComparison.Ordinal);
        Assert.Contains("--exclude 'nope'", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--exclude", "nope")), StringComparison.Ordinal);
        Assert.Contains("--split", CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", data, "--label", "churned", "--split", "kfold")), StringComparison.Ordinal);

        // A missing cell: the message names the file, the column and the flag that fixes it (not the library setting).
        var gap = dir.Write("gap.csv", [.. lines.Take(5), "c999,,2,seg0,3,1", .. lines.Skip(5)]);
        var err = CliAssert.UsageError(CliRunner.Run("churn", "train", "--data", gap, "--label", "churned"));
        Assert.Contains("gap.csv", err, StringComparison.Ordinal);
        Assert.Contains("--missing mean", err, StringComparison.Ordinal);
        Assert.DoesNotContain("ImputeTrainingMean", err, StringComparison.Ordinal);
        CliAssert.JsonOk(CliRunner.Run("churn", "train", "--data", gap, "--label", "churned", "--missing", "mean", "--format", "json"));
    }

    [Fact]
    public void FeaturesOutput_FeedsChurnTrain_AndScore()
    {
        using var dir = new TempDir();
        var tx = new List<string> { "customer_id,timestamp,amount,category,channel" };
        var labels = new List<string> { "customer_id,churned" };
        var rng = new Random(16);
        for (var c = 0; c < 40; c++)
        {
            var id = string.Create(CultureInfo.InvariantCulture, $"u{c:D2}");
            var orders = 3 + rng.Next(0, 6);
            var day = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(rng.Next(0, 30));
            for (var k = 0; k < orders; k++)
            {
                tx.Add(string.Create(CultureInfo.InvariantCulture, $"{id},{day:yyyy-MM-dd},{10 + rng.Next(0, 90)}.50,{(k % 2 == 0 ? "shoes" : "apparel")},online"));
                day = day.AddDays(1 + rng.Next(0, 20));
            }

            // Label: churned when the last purchase is long before the as-of date, plus noise.
            var churned = (day < new DateTime(2024, 4, 1, 0, 0, 0, DateTimeKind.Utc)) ^ (rng.NextDouble() < 0.15);
            labels.Add(id + "," + (churned ? "1" : "0"));
        }

        var txPath = dir.Write("tx.csv", [.. tx]);
        var features = dir.File("features.csv");
        CliAssert.JsonOk(CliRunner.Run("features", "--transactions", txPath, "--as-of", "2024-07-01", "--out", features, "--format", "json"));
        var labelsPath = dir.Write("labels.csv", [.. labels]);
        var model = dir.File("model.json");
        var result = CliRunner.Run(
            "churn", "train", "--data", features, "--labels", labelsPath, "--label", "churned", "--missing", "mean", "--c", "0.1", "--model-out", model, "--format", "json");
        var o = CliAssert.JsonOk(result);
        Assert.Equal(["first_purchase", "last_purchase", "top_category", "top_channel"], o["skippedColumns"]!.AsArray().Select(v => (string)v!));
        Assert.Contains("order_count", o["coefficients"]!.AsObject().Select(kv => kv.Key));
        Assert.Equal(40, (int)o["training"]!["rows"]! + (int)o["holdout"]!["rows"]!);
        Assert.Equal(Path.GetFullPath(model), (string)o["modelOut"]!);

        var scores = dir.File("scores.csv");
        var s = CliAssert.JsonOk(CliRunner.Run("churn", "score", "--model", model, "--data", features, "--out", scores, "--format", "json"));
        Assert.Equal(40, (int)s["rows"]!);
        Assert.Equal(Path.GetFullPath(scores), (string)s["out"]!);
    }
}
