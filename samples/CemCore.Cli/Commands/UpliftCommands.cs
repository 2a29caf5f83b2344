using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Churn;
using CemCore.Cli.CommandLine;
using CemCore.Sources;
using CemCore.Uplift;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore uplift train --data F --treatment COL --outcome COL [--method two-model|class-transformation] [--c 1.0] [--holdout-fraction 0.3]
/// [--seed 1] [--missing reject|mean] [--model-out OUT.json] [--format json]</c> and
/// <c>cemcore uplift score --model M.json --data F --out OUT.csv [--format json]</c> (docs/uplift.md).
/// </summary>
internal static class UpliftCommands
{
    private const string TwoModel = "two-model";
    private const string ClassTransformation = "class-transformation";

    public static Command Create()
    {
        var uplift = new Command("uplift", "Train and score uplift models on randomized-trial data (train|score).");
        uplift.Add(TrainCommand());
        uplift.Add(ScoreCommand());
        return uplift;
    }

    private static Command TrainCommand()
    {
        var data = CliOptions.RequiredPath("--data", "Feature table CSV of a randomized trial: customer_id (optional), numeric features, a 0/1 treatment and a 0/1 outcome column.");
        var treatment = CliOptions.RequiredText("--treatment", "The treatment column (1 = received the promotion, 0 = control).", "COLUMN");
        var outcome = CliOptions.RequiredText("--outcome", "The outcome column (1 = responded, 0 = did not).", "COLUMN");
        var method = CliOptions.Choice("--method", "two-model (T-learner) or class-transformation (Jaskowski & Jaroszewicz 2012, reweighted to 50/50).", TwoModel, TwoModel, ClassTransformation);
        var c = CliOptions.Number("--c", "Inverse L2 regularization strength C of every logistic regression (> 0).", LogisticRegressionSettings.DefaultC);
        var holdout = CliOptions.Number("--holdout-fraction", "Share of each treatment group held out (seeded random rows) for the Qini coefficient and uplift AUC, in [0, 1).", 0.3);
        var seed = CliOptions.Integer("--seed", "Seed of the holdout split.", 1);
        var missing = CliOptions.Choice("--missing", "Missing feature cells: reject them, or impute the training mean.", "reject", "reject", "mean");
        var model = CliOptions.OutputFile("--model-out", "Write the fitted model as JSON (input of uplift score).");
        var format = CliOptions.Format();
        var command = new Command("train", "Fit an uplift model (logistic regressions) and report its holdout Qini coefficient and uplift AUC.")
        {
            data, treatment, outcome, method, c, holdout, seed, missing, model, format,
        };
        CliHelp.Examples(
            command,
            "cemcore uplift train --data trial.csv --treatment treated --outcome bought --model-out uplift.json",
            "cemcore uplift train --data trial.csv --treatment treated --outcome bought --method class-transformation --seed 7 --format json");
        command.SetAction((parse, ct) => Task.FromResult(Train(
            new TrainOptions(
                parse.GetValue(data)!, parse.GetValue(treatment)!, parse.GetValue(outcome)!, parse.GetValue(method)!, parse.GetValue(c), parse.GetValue(holdout),
                parse.GetValue(seed), parse.GetValue(missing)!, parse.GetValue(model)),
            parse.IsJson(format),
            ct)));
        return command;
    }

    private static Command ScoreCommand()
    {
        var model = CliOptions.RequiredPath("--model", "Model JSON written by uplift train --model-out.");
        var data = CliOptions.RequiredPath("--data", "Feature table CSV with customer_id and the model's feature columns.");
        var outPath = CliOptions.OutputFile("--out", "Output CSV: customer_id,uplift,decile (decile 1 = the 10% with the highest uplift).");
        outPath.Required = true;
        var format = CliOptions.Format();
        var command = new Command("score", "Uplift and uplift decile of every customer of a feature table.") { model, data, outPath, format };
        CliHelp.Examples(command, "cemcore uplift score --model uplift.json --data customers.csv --out uplift.csv");
        command.SetAction(parse => Score(parse.GetValue(model)!, parse.GetValue(data)!, parse.GetValue(outPath)!, parse.IsJson(format)));
        return command;
    }

    private sealed record TrainOptions(
        string Data, string Treatment, string Outcome, string Method, double C, double HoldoutFraction, int Seed, string Missing, string? Model);

    private static int Train(TrainOptions o, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--model-out", o.Model, ("--data", o.Data));
        if (!(double.IsFinite(o.C) && o.C > 0))
        {
            throw new UsageException($"--c must be > 0, not {o.C.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (o.HoldoutFraction is not (>= 0 and < 1))
        {
            throw new UsageException($"--holdout-fraction must be in [0, 1), not {o.HoldoutFraction.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (o.Treatment == o.Outcome)
        {
            throw new UsageException("--treatment and --outcome must be different columns.");
        }

        var file = Path.GetFileName(o.Data);
        var table = ChurnCommands.ReadTable(o.Data);
        var matrix = table.Matrix;
        var treatment = Flags(o.Data, table, o.Treatment, "treatment");
        var outcome = Flags(o.Data, table, o.Outcome, "outcome");
        var featureNames = matrix.ColumnNames.Where(n => n != o.Treatment && n != o.Outcome).ToArray();
        if (featureNames.Length == 0)
        {
            throw new DataFormatException("the data has no numeric feature column besides the treatment and the outcome.", file, 1, null);
        }

        var features = matrix.SelectColumns(featureNames);
        var split = UpliftTrainer.Split(treatment, o.HoldoutFraction, o.Seed);
        var train = split.Training.ToArray();
        var hold = split.Holdout.ToArray();
        var method = o.Method == ClassTransformation ? UpliftMethod.ClassTransformation : UpliftMethod.TwoModel;
        var policy = o.Missing == "mean" ? MissingValuePolicy.ImputeTrainingMean : MissingValuePolicy.Reject;
        var settings = new UpliftSettings(method, new LogisticRegressionSettings(o.C, missingValues: policy));
        UpliftModel model;
        try
        {
            model = UpliftTrainer.Fit(features.SelectRows(train), Pick(treatment, train), Pick(outcome, train), settings, cancellationToken);
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException(ex.Reason + " (rows are counted among the training rows, from 0)", file, null, ex.Field, ex);
        }
        catch (ArgumentException ex) when (ex.ParamName is "treatment" or "outcome")
        {
            var reason = ex.Message[..(ex.Message.IndexOf(" (Parameter", StringComparison.Ordinal) is var p and >= 0 ? p : ex.Message.Length)];
            throw new DataFormatException(
                reason + (hold.Length > 0 ? " (in the training rows, after the holdout)" : string.Empty), file, null, ex.ParamName == "treatment" ? o.Treatment : o.Outcome, ex);
        }

        UpliftEvaluation? evaluation = null;
        if (hold.Length > 0)
        {
            double[] scores;
            try
            {
                scores = model.Score(features.SelectRows(hold));
            }
            catch (DataFormatException ex)
            {
                throw new DataFormatException(ex.Reason + " (rows are counted among the holdout rows, from 0)", file, null, ex.Field, ex);
            }

            evaluation = UpliftMetrics.Evaluate(scores, Pick(treatment, hold), Pick(outcome, hold));
        }

        if (o.Model is not null)
        {
            File.WriteAllText(o.Model, model.ToJson(), new UTF8Encoding(false));
        }

        if (json)
        {
            CliJson.Write(new JsonObject
            {
                ["method"] = o.Method,
                ["features"] = new JsonArray([.. model.FeatureNames.Select(n => (JsonNode)n)]),
                ["seed"] = o.Seed,
                ["training"] = new JsonObject
                {
                    ["rows"] = train.Length, ["treatedRows"] = model.TreatedRows, ["controlRows"] = model.ControlRows, ["c"] = o.C, ["converged"] = model.Converged,
                },
                ["holdout"] = new JsonObject
                {
                    ["rows"] = hold.Length,
                    ["treatedRows"] = evaluation?.TreatedRows ?? 0,
                    ["controlRows"] = evaluation?.ControlRows ?? 0,
                    ["qiniCoefficient"] = Number(evaluation?.QiniCoefficient),
                    ["upliftAuc"] = Number(evaluation?.UpliftAuc),
                    ["upliftAucRandom"] = Number(evaluation?.UpliftAucRandom),
                    ["averageTreatmentEffect"] = Number(evaluation?.AverageTreatmentEffect),
                },
            });
        }
        else
        {
            var w = Console.Out;
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"uplift {o.Method} (logistic regression, C = {o.C}) on {train.Length} rows ({model.TreatedRows} treated, {model.ControlRows} control); {(model.Converged ? "converged" : "NOT converged")}"));
            if (evaluation is { } e)
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"holdout ({hold.Length} rows, seed {o.Seed}): Qini coefficient {Text(e.QiniCoefficient)}, uplift AUC {Text(e.UpliftAuc)} (random targeting {Text(e.UpliftAucRandom)}), average uplift {Text(e.AverageTreatmentEffect)}"));
            }
            else
            {
                w.WriteLine("no holdout");
            }

            if (o.Model is not null)
            {
                w.WriteLine($"model written to {o.Model}");
            }
        }

        return 0;
    }

    private static int Score(string modelPath, string dataPath, string outPath, bool json)
    {
        CliInput.EnsureNotAnInput("--out", outPath, ("--model", modelPath), ("--data", dataPath));
        UpliftModel model;
        try
        {
            model = UpliftModel.FromJson(File.ReadAllText(modelPath));
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException(ex.Reason, Path.GetFileName(modelPath), null, ex.Field, ex);
        }

        var table = ChurnCommands.ReadTable(dataPath);
        if (table.CustomerIds is null)
        {
            throw new DataFormatException($"the header has no '{FeatureTableCsv.DefaultIdColumn}' column.", Path.GetFileName(dataPath), 1, FeatureTableCsv.DefaultIdColumn);
        }

        var missing = model.FeatureNames.FirstOrDefault(n => table.Matrix.IndexOf(n) < 0);
        if (missing is not null)
        {
            throw new DataFormatException("the model needs this numeric column, which the header does not have.", Path.GetFileName(dataPath), 1, missing);
        }

        double[] uplift;
        try
        {
            uplift = model.Score(table.Matrix);
        }
        catch (DataFormatException ex)
        {
            var line = ex.Line is { } row ? LineOf(dataPath, row - 1) : null;
            throw new DataFormatException(ex.Reason, Path.GetFileName(dataPath), line, ex.Field, ex);
        }

        var deciles = UpliftTargeting.AssignDeciles(uplift);
        using (var w = new StreamWriter(outPath, false, new UTF8Encoding(false)))
        {
            w.NewLine = "\n";
            w.WriteLine("customer_id,uplift,decile");
            for (var i = 0; i < uplift.Length; i++)
            {
                w.Write(CliCsvWriter.Quote(table.CustomerIds[i]));
                w.Write(',');
                w.Write(uplift[i].ToString("R", CultureInfo.InvariantCulture));
                w.Write(',');
                w.WriteLine(deciles[i].ToString(CultureInfo.InvariantCulture));
            }
        }

        if (json)
        {
            CliJson.Write(new JsonObject { ["rows"] = uplift.Length, ["method"] = model.Method == UpliftMethod.TwoModel ? TwoModel : ClassTransformation, ["out"] = outPath });
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"scored {uplift.Length} customers into {outPath}"));
        }

        return 0;
    }

    /// <summary>Reads a 0/1 column; a missing column, or a value other than 0 or 1, is a DataFormatException naming file, line and column.</summary>
    private static bool[] Flags(string path, FeatureTable table, string column, string role)
    {
        var file = Path.GetFileName(path);
        var j = table.Matrix.IndexOf(column);
        if (j < 0)
        {
            var reason = table.TextColumns.Contains(column)
                ? $"the {role} column holds text; it must hold 0 or 1."
                : $"the header has no {role} column of that name (numeric columns: {string.Join(", ", table.Matrix.ColumnNames)}).";
            throw new DataFormatException(reason, file, 1, column);
        }

        var values = table.Matrix.GetColumn(column);
        var flags = new bool[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            flags[i] = values[i] switch
            {
                0.0 => false,
                1.0 => true,
                _ => throw new DataFormatException(
                    double.IsNaN(values[i]) ? $"the {role} is missing; it must be 0 or 1." : $"the {role} must be 0 or 1.", file, LineOf(path, i), column),
            };
        }

        return flags;
    }

    /// <summary>The 1-based line on which data row <paramref name="row"/> (0-based, after the header) starts, counting as the CSV reader
    /// does: a record may span lines inside double quotes, and an empty line is not a record.</summary>
    private static long? LineOf(string path, long row)
    {
        using var reader = new StreamReader(path);
        long line = 0;
        long record = -1; // the header is record 0, data row r is record r + 1
        var inQuotes = false;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (!inQuotes)
            {
                if (record >= 0 && text.Length == 0)
                {
                    continue; // an empty line is skipped by the reader
                }

                if (++record == row + 1)
                {
                    return line;
                }
            }

            foreach (var ch in text)
            {
                inQuotes ^= ch == '"';
            }
        }

        return null;
    }

    private static bool[] Pick(bool[] values, int[] rows) => [.. rows.Select(i => values[i])];

    private static JsonNode? Number(double? value) => value is { } v ? CliJson.Number(v) : null;

    private static string Text(double value) => double.IsNaN(value) ? "undefined" : value.ToString("F4", CultureInfo.InvariantCulture);
}
