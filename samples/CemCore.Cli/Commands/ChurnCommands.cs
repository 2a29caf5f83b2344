using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CemCore.Churn;
using CemCore.Sources;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore churn train --data F --label COL [--c 1.0] [--holdout-fraction 0.2] [--missing reject|mean] [--model-out M.json] [--format json]</c> and
/// <c>cemcore churn score --model M.json --data F --out OUT.csv [--format json]</c>.
/// </summary>
internal static class ChurnCommands
{
    public static Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var sub = args.Positional.Count > 0 ? args.Positional[0] : null;
        return sub switch
        {
            "train" => Task.FromResult(Train(args, cancellationToken)),
            "score" => Task.FromResult(Score(args)),
            _ => throw new UsageException("usage: cemcore churn train --data F --label COL [--c 1.0] [--holdout-fraction 0.2] [--missing reject|mean] [--model-out M.json] [--format json]\n"
                + "       cemcore churn score --model M.json --data F --out OUT.csv [--format json]"),
        };
    }

    private static int Train(CliArgs args, CancellationToken cancellationToken)
    {
        var json = args.Json;
        var dataPath = args.Require("data");
        var label = args.Require("label");
        var c = args.GetDouble("c", LogisticRegressionSettings.DefaultC);
        var holdoutFraction = args.GetDouble("holdout-fraction", 0.2);
        var missing = args.Get("missing") ?? "reject";
        var modelOut = OutputPath.Check("model-out", args.Get("model-out"));
        args.EnsureAllUsed();
        if (c <= 0)
        {
            throw new UsageException($"--c must be > 0, not {c.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (holdoutFraction is not (>= 0 and < 1))
        {
            throw new UsageException($"--holdout-fraction must be in [0, 1), not {holdoutFraction.ToString(CultureInfo.InvariantCulture)}.");
        }

        var policy = missing switch
        {
            "reject" => MissingValuePolicy.Reject,
            "mean" => MissingValuePolicy.ImputeTrainingMean,
            _ => throw new UsageException($"--missing must be 'reject' or 'mean', not '{missing}'."),
        };

        var table = ReadTable(dataPath);
        var matrix = table.Matrix;
        if (matrix.IndexOf(label) < 0)
        {
            throw new UsageException($"--label '{label}' is not a numeric column of {Path.GetFileName(dataPath)} (columns: {string.Join(", ", matrix.ColumnNames)}).");
        }

        var labelValues = matrix.GetColumn(label);
        var labels = new bool[labelValues.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = labelValues[i] switch
            {
                0.0 => false,
                1.0 => true,
                _ => throw new DataFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"the label must be 0 or 1 (data row {i + 1})."), Path.GetFileName(dataPath), null, label),
            };
        }

        var featureNames = matrix.ColumnNames.Where(n => n != label).ToArray();
        if (featureNames.Length == 0)
        {
            throw new UsageException("The data has no numeric feature column besides the label.");
        }

        var features = matrix.SelectColumns(featureNames);
        var n = features.RowCount;
        var holdoutRows = (int)Math.Round(n * holdoutFraction, MidpointRounding.AwayFromZero);
        var trainRows = n - holdoutRows;
        if (trainRows < 2)
        {
            throw new UsageException($"Only {trainRows} training rows remain after the holdout; need at least 2.");
        }

        var trainIdx = Enumerable.Range(0, trainRows).ToArray();
        var holdIdx = Enumerable.Range(trainRows, holdoutRows).ToArray();
        LogisticRegressionModel model;
        try
        {
            model = LogisticRegression.Fit(
                features.SelectRows(trainIdx), labels.AsSpan(0, trainRows), new LogisticRegressionSettings(c, missingValues: policy), cancellationToken);
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException(ex.Reason + " (rows are counted after the header, from 0)", Path.GetFileName(dataPath), null, ex.Field, ex);
        }

        double? auc = null;
        double? logLoss = null;
        if (holdoutRows > 0)
        {
            var p = model.Score(features.SelectRows(holdIdx));
            var y = labels.AsSpan(trainRows, holdoutRows);
            var a = ChurnMetrics.RocAuc(p, y);
            auc = double.IsNaN(a) ? null : a;
            logLoss = ChurnMetrics.LogLoss(p, y);
        }

        if (modelOut is not null)
        {
            File.WriteAllText(modelOut, model.ToJson(), new UTF8Encoding(false));
        }

        var d = model.Diagnostics;
        if (json)
        {
            var coefficients = new JsonObject();
            for (var j = 0; j < model.FeatureCount; j++)
            {
                coefficients[model.FeatureNames[j]] = model.Coefficients[j];
            }

            var result = new JsonObject
            {
                ["intercept"] = model.Intercept,
                ["coefficients"] = coefficients,
                ["standardized"] = true,
                ["holdout"] = new JsonObject { ["rows"] = holdoutRows, ["auc"] = auc, ["logLoss"] = logLoss },
                ["training"] = new JsonObject { ["rows"] = trainRows, ["c"] = c, ["iterations"] = d.Iterations, ["gradientNorm"] = d.GradientNorm, ["converged"] = d.Converged },
            };
            Console.Out.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        }
        else
        {
            var o = Console.Out;
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"logistic regression (C = {c}, standardized) on {trainRows} rows; {d.Status} after {d.Iterations} Newton iterations (gradient {d.GradientNorm:E2})"));
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"intercept",-24} {model.Intercept,12:F6}"));
            for (var j = 0; j < model.FeatureCount; j++)
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model.FeatureNames[j],-24} {model.Coefficients[j],12:F6}"));
            }

            o.WriteLine(holdoutRows == 0
                ? "no holdout"
                : string.Create(CultureInfo.InvariantCulture, $"holdout (last {holdoutRows} rows): AUC {(auc is { } x ? x.ToString("F4", CultureInfo.InvariantCulture) : "undefined (one class)")}, log loss {logLoss:F4}"));
            if (modelOut is not null)
            {
                o.WriteLine($"model written to {modelOut}");
            }
        }

        return 0;
    }

    private static int Score(CliArgs args)
    {
        var json = args.Json;
        var modelPath = args.Require("model");
        var dataPath = args.Require("data");
        var outPath = OutputPath.Check("out", args.Require("out"));
        args.EnsureAllUsed();
        var model = LogisticRegressionModel.FromJson(File.ReadAllText(modelPath));
        var table = ReadTable(dataPath);
        if (table.CustomerIds is null)
        {
            throw new UsageException($"{Path.GetFileName(dataPath)} has no '{FeatureTableCsv.DefaultIdColumn}' column.");
        }

        double[] p;
        try
        {
            p = model.Score(table.Matrix);
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException(ex.Reason, Path.GetFileName(dataPath), null, ex.Field, ex);
        }

        using (var w = new StreamWriter(outPath, false, new UTF8Encoding(false)))
        {
            w.NewLine = "\n";
            w.WriteLine("customer_id,probability");
            for (var i = 0; i < p.Length; i++)
            {
                w.Write(Csv(table.CustomerIds[i]));
                w.Write(',');
                w.WriteLine(p[i].ToString("R", CultureInfo.InvariantCulture));
            }
        }

        if (json)
        {
            Console.Out.WriteLine(new JsonObject { ["rows"] = p.Length, ["out"] = outPath }.ToJsonString());
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scored {p.Length} customers into {outPath}"));
        }

        return 0;
    }

    private static FeatureTable ReadTable(string path)
    {
        using var reader = new StreamReader(path);
        return FeatureTableCsv.Read(reader, Path.GetFileName(path));
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
