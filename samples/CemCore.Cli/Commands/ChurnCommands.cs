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
        var data = CliOptions.RequiredPath("--data", "Feature table CSV: customer_id (optional) and numeric columns, one of them the 0/1 label (or give --labels).");
        var label = CliOptions.RequiredText("--label", "The label column (1 = churned, 0 = stayed).", "COLUMN");
        var labels = CliOptions.OptionalPath("--labels", "CSV with customer_id and the --label column, joined to --data by customer_id (e.g. to train on `cemcore features` output).");
        var c = CliOptions.Number("--c", "Inverse L2 regularization strength C (> 0; larger = weaker penalty).", LogisticRegressionSettings.DefaultC);
        var holdout = CliOptions.Number("--holdout-fraction", "Share of the rows held out for AUC, log loss, precision/recall and the gains table, in [0, 1).", 0.2);
        var split = CliOptions.Choice("--split", "Holdout rows: the last rows of the file (default), a seeded random sample, or a seeded sample stratified by the label.", "last", "last", "random", "stratified");
        var seed = CliOptions.Integer("--seed", "Seed of --split random|stratified.", 42);
        var missing = CliOptions.Choice("--missing", "Missing cells: reject them, or impute the training mean.", "reject", "reject", "mean");
        var features = CliOptions.Text("--features", "Train on these numeric columns only (comma-separated).", "COL[,COL..]");
        var exclude = CliOptions.Text("--exclude", "Leave these columns out (comma-separated).", "COL[,COL..]");
        var classWeight = CliOptions.Choice("--class-weight", "none, or balanced: weight n_samples/(2 n_class) per row of each class (scikit-learn class_weight='balanced').", "none", "none", "balanced");
        var threshold = CliOptions.Number("--threshold", "Churn is predicted when the probability is >= this, for precision, recall and F1.", 0.5, min: 0, max: 1);
        var modelOut = CliOptions.OutputFile("--model-out", "Write the fitted model as JSON (input of churn score).");
        var format = CliOptions.Format();
        var command = new Command("train", "Standardized L2 logistic regression on a feature table, with holdout AUC, log loss, precision/recall/F1 and a gains table.")
        {
            data, label, labels, c, holdout, split, seed, missing, features, exclude, classWeight, threshold, modelOut, format,
        };
        CliHelp.Examples(
            command,
            "cemcore churn train --data features.csv --label churned --model-out model.json",
            "cemcore churn train --data features.csv --label churned --c 0.5 --holdout-fraction 0.25 --missing mean --format json",
            "cemcore churn train --data features.csv --labels labels.csv --label churned --missing mean --split stratified --seed 7 --class-weight balanced --exclude btyd_T");
        command.SetAction((parse, ct) => Task.FromResult(ChurnTraining.Train(
            new ChurnTraining.Request(
                parse.GetValue(data)!, parse.GetValue(label)!, parse.GetValue(labels), parse.GetValue(c), parse.GetValue(holdout), parse.GetValue(split)!, parse.GetValue(seed),
                parse.GetValue(missing)!, parse.GetValue(features), parse.GetValue(exclude), parse.GetValue(classWeight) == "balanced", parse.GetValue(threshold), parse.GetValue(modelOut)),
            parse.IsJson(format),
            ct)));
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
                w.Write(CliCsvWriter.Quote(table.CustomerIds[i]));
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
}
