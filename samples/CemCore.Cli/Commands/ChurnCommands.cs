using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Churn;
using CemCore.Cli.CommandLine;
using CemCore.Sources;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore churn train --data F --label COL [--c 1.0] [--holdout-fraction 0.2] [--missing reject|mean] [--model-out M.json] [--format json]</c> and
/// <c>cemcore churn score --model M.json --data F --out OUT.csv [--format json]</c>.
/// </summary>
internal static class ChurnCommands
{
    public static Command Create()
    {
        var churn = new Command("churn", "Train and score churn models (train|score).");
        churn.Add(TrainCommand());
        churn.Add(ScoreCommand());
        return churn;
    }

    private static Command TrainCommand()
    {
        var data = CliOptions.RequiredPath("--data", "Feature table CSV: customer_id (optional) and numeric columns, one of them the 0/1 label.");
        var label = CliOptions.RequiredText("--label", "The label column (1 = churned, 0 = stayed).", "COLUMN");
        var c = CliOptions.Number("--c", "Inverse L2 regularization strength C (> 0; larger = weaker penalty).", LogisticRegressionSettings.DefaultC);
        var holdout = CliOptions.Number("--holdout-fraction", "Share of the last rows held out for AUC and log loss, in [0, 1).", 0.2);
        var missing = CliOptions.Choice("--missing", "Missing cells: reject them, or impute the training mean.", "reject", "reject", "mean");
        var modelOut = CliOptions.OutputFile("--model-out", "Write the fitted model as JSON (input of churn score).");
        var format = CliOptions.Format();
        var command = new Command("train", "Standardized L2 logistic regression on a feature table, with a holdout AUC and log loss.") { data, label, c, holdout, missing, modelOut, format };
        CliHelp.Examples(
            command,
            "cemcore churn train --data features.csv --label churned --model-out model.json",
            "cemcore churn train --data features.csv --label churned --c 0.5 --holdout-fraction 0.25 --missing mean --format json");
        command.SetAction((parse, ct) => Task.FromResult(Train(
            parse.GetValue(data)!, parse.GetValue(label)!, parse.GetValue(c), parse.GetValue(holdout), parse.GetValue(missing)!, parse.GetValue(modelOut), parse.IsJson(format), ct)));
        return command;
    }

    private static Command ScoreCommand()
    {
        var model = CliOptions.RequiredPath("--model", "Model JSON written by churn train --model-out.");
        var data = CliOptions.RequiredPath("--data", "Feature table CSV with customer_id and the model's feature columns.");
        var outPath = CliOptions.OutputFile("--out", "Output CSV: customer_id,probability.");
        outPath.Required = true;
        var format = CliOptions.Format();
        var command = new Command("score", "Churn probability of every customer of a feature table.") { model, data, outPath, format };
        CliHelp.Examples(
            command,
            "cemcore churn score --model model.json --data features.csv --out scores.csv");
        command.SetAction(parse => Score(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(outPath)!, parse.IsJson(format)));
        return command;
    }

    private static int Train(string dataPath, string label, double c, double holdoutFraction, string missing, string? modelOut, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--model-out", modelOut, ("--data", dataPath));
        if (c <= 0)
        {
            throw new UsageException($"--c must be > 0, not {c.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (holdoutFraction is not (>= 0 and < 1))
        {
            throw new UsageException($"--holdout-fraction must be in [0, 1), not {holdoutFraction.ToString(CultureInfo.InvariantCulture)}.");
        }

        var policy = missing == "mean" ? MissingValuePolicy.ImputeTrainingMean : MissingValuePolicy.Reject;

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
            CliJson.Write(result);
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

    private static int Score(string modelPath, string dataPath, string outPath, bool json)
    {
        CliInput.EnsureNotAnInput("--out", outPath, ("--model", modelPath), ("--data", dataPath));
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
            CliJson.Write(new JsonObject { ["rows"] = p.Length, ["out"] = outPath });
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scored {p.Length} customers into {outPath}"));
        }

        return 0;
    }

    internal static FeatureTable ReadTable(string path)
    {
        using var reader = new StreamReader(path);
        return FeatureTableCsv.Read(reader, Path.GetFileName(path));
    }

    internal static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
