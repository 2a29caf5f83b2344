using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Churn;
using CemCore.Cli.CommandLine;
using CemCore.Sources;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore churn train</c>: column selection (<c>--features</c>/<c>--exclude</c>, non-numeric columns named), an optional label file
/// joined by customer id (so <c>cemcore features</c> output trains directly), class weights, the holdout split (last rows, seeded random or
/// stratified), and the holdout read-out: AUC, log loss, precision/recall/F1 at <c>--threshold</c> and a decile gains/lift table.
/// </summary>
internal static class ChurnTraining
{
    /// <summary>Estimated floating-point work above which the fit announces itself and reports each Newton iteration on stderr: n·k² + k³ per
    /// iteration when there are at least as many rows as features (the (k+1)² Hessian), n²·k once when there are fewer (the row Gram matrix of
    /// the dual form, see <see cref="LogisticRegression"/>).</summary>
    private const double AnnounceWork = 1e8;

    internal sealed record Request(
        string DataPath, string Label, string? LabelsPath, double C, double HoldoutFraction, string Split, int Seed, string Missing,
        string? Features, string? Exclude, bool Balanced, double Threshold, string? ModelOut);

    public static int Train(Request r, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--model-out", r.ModelOut, ("--data", r.DataPath), ("--labels", r.LabelsPath));
        if (r.C <= 0)
        {
            throw new UsageException($"--c must be > 0, not {r.C.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (r.HoldoutFraction is not (>= 0 and < 1))
        {
            throw new UsageException($"--holdout-fraction must be in [0, 1), not {r.HoldoutFraction.ToString(CultureInfo.InvariantCulture)}.");
        }

        var table = ChurnCommands.ReadTable(r.DataPath);
        var file = Path.GetFileName(r.DataPath);
        var (matrix, labels, rowMap) = r.LabelsPath is null ? LabelFromData(table, r.Label, file) : LabelFromFile(table, r.Label, r.LabelsPath, file);
        var (featureNames, skipped) = SelectFeatures(table, matrix, r.Label, r.Features, r.Exclude, file);
        if (skipped.Count > 0)
        {
            Console.Error.WriteLine($"cemcore churn train: note: non-numeric columns left out: {string.Join(", ", skipped)} (name them in --exclude to silence this, or encode them as numbers).");
        }

        var features = matrix.SelectColumns(featureNames);
        var n = features.RowCount;
        var (trainIdx, holdIdx) = Split(labels, r.HoldoutFraction, r.Split, r.Seed);
        if (trainIdx.Length < 2)
        {
            throw new UsageException($"Only {trainIdx.Length} training rows remain after the holdout; need at least 2 (lower --holdout-fraction).");
        }

        var trainLabels = trainIdx.Select(i => labels[i]).ToArray();
        var holdLabels = holdIdx.Select(i => labels[i]).ToArray();
        var policy = r.Missing == "mean" ? MissingValuePolicy.ImputeTrainingMean : MissingValuePolicy.Reject;
        var settings = new LogisticRegressionSettings(r.C, r.Balanced ? ClassWeights.Balanced : ClassWeights.None, missingValues: policy);
        var k = featureNames.Length;
        var rows = (double)trainIdx.Length;
        var dual = rows < k;
        var announce = (dual ? rows * rows * k : (rows * k * k) + ((double)k * k * k)) >= AnnounceWork;
        var clock = Stopwatch.StartNew();
        StderrProgress? progress = null;
        if (announce)
        {
            var system = dual
                ? string.Create(CultureInfo.InvariantCulture, $"more features than rows: each Newton iteration solves a {trainIdx.Length} x {trainIdx.Length} system (the dual form)")
                : string.Create(CultureInfo.InvariantCulture, $"each Newton iteration forms and solves a {k + 1} x {k + 1} system");
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cemcore churn train: fitting {k} features on {trainIdx.Length} rows; {system}; progress per iteration follows (stop when the gradient reaches the tolerance {settings.Tolerance:G3})."));
            progress = new StderrProgress(clock);
        }

        LogisticRegressionModel model;
        try
        {
            model = LogisticRegression.FitWithProgress(features.SelectRows(trainIdx), trainLabels, settings, progress, cancellationToken);
        }
        catch (DataFormatException ex)
        {
            throw Located(ex, trainIdx, rowMap, file);
        }

        var d = model.Diagnostics;
        if (announce)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cemcore churn train: fitted in {clock.Elapsed.TotalSeconds:F1} s ({d.Iterations} Newton iterations)."));
        }

        double[] p = [];
        if (holdIdx.Length > 0)
        {
            try
            {
                p = model.Score(features.SelectRows(holdIdx));
            }
            catch (DataFormatException ex)
            {
                throw Located(ex, holdIdx, rowMap, file);
            }
        }

        if (r.ModelOut is not null)
        {
            File.WriteAllText(r.ModelOut, model.ToJson(), new UTF8Encoding(false));
        }

        var holdout = HoldoutJson(p, holdLabels, r);
        if (json)
        {
            var coefficients = new JsonObject();
            for (var j = 0; j < model.FeatureCount; j++)
            {
                coefficients[model.FeatureNames[j]] = model.Coefficients[j];
            }

            var (wNeg, wPos) = model.ClassWeights.Resolve(trainLabels.Count(l => !l), trainLabels.Count(l => l));
            var result = new JsonObject
            {
                ["intercept"] = model.Intercept,
                ["coefficients"] = coefficients,
                ["standardized"] = true,
                ["holdout"] = holdout,
                ["training"] = new JsonObject
                {
                    ["rows"] = trainIdx.Length,
                    ["c"] = r.C,
                    ["iterations"] = d.Iterations,
                    ["gradientNorm"] = d.GradientNorm,
                    ["converged"] = d.Converged,
                    ["classWeight"] = new JsonObject { ["mode"] = r.Balanced ? "balanced" : "none", ["negative"] = wNeg, ["positive"] = wPos },
                },
                ["skippedColumns"] = new JsonArray([.. skipped.Select(s => (JsonNode)s)]),
            };
            if (r.ModelOut is not null)
            {
                result["modelOut"] = r.ModelOut;
            }

            CliJson.Write(result);
        }
        else
        {
            WriteText(model, r, trainIdx.Length, holdout);
        }

        if (!d.Converged)
        {
            Console.Error.WriteLine(
                $"cemcore churn train: warning: the fit did not converge ({d.Status}); try a smaller --c (a stronger penalty), fewer columns (--features, --exclude) or --class-weight balanced when churners are rare.");
        }

        return 0;
    }

    private static (FeatureMatrix Matrix, bool[] Labels, int[] RowMap) LabelFromData(FeatureTable table, string label, string file)
    {
        var matrix = table.Matrix;
        if (matrix.IndexOf(label) < 0)
        {
            throw new UsageException(table.TextColumns.Contains(label)
                ? $"--label '{label}' is not numeric in {file}: it must hold 0 (stayed) or 1 (churned)."
                : $"--label '{label}' is not a numeric column of {file} (columns: {string.Join(", ", matrix.ColumnNames)}); give --labels FILE to join labels by customer_id.");
        }

        var values = matrix.GetColumn(label);
        var labels = new bool[values.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = ToLabel(values[i], i, file, label);
        }

        return (matrix, labels, [.. Enumerable.Range(0, values.Length)]);
    }

    private static (FeatureMatrix Matrix, bool[] Labels, int[] RowMap) LabelFromFile(FeatureTable table, string label, string labelsPath, string file)
    {
        var labelsFile = Path.GetFileName(labelsPath);
        if (table.CustomerIds is null)
        {
            throw new UsageException($"--labels needs a '{FeatureTableCsv.DefaultIdColumn}' column in {file} to join on.");
        }

        var labelTable = ChurnCommands.ReadTable(labelsPath);
        if (labelTable.CustomerIds is null || labelTable.Matrix.IndexOf(label) < 0)
        {
            throw new UsageException($"--labels {labelsFile} must have the columns '{FeatureTableCsv.DefaultIdColumn}' and a numeric '{label}' (--label).");
        }

        var values = labelTable.Matrix.GetColumn(label);
        var byId = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var i = 0; i < values.Length; i++)
        {
            if (!byId.TryAdd(labelTable.CustomerIds[i], ToLabel(values[i], i, labelsFile, label)))
            {
                throw new DataFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"the customer id appears more than once (data row {i + 1})."), labelsFile, null, FeatureTableCsv.DefaultIdColumn);
            }
        }

        var rows = new List<int>();
        var labels = new List<bool>();
        for (var i = 0; i < table.CustomerIds.Count; i++)
        {
            if (byId.TryGetValue(table.CustomerIds[i], out var y))
            {
                rows.Add(i);
                labels.Add(y);
            }
        }

        if (rows.Count < table.CustomerIds.Count)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cemcore churn train: note: {table.CustomerIds.Count - rows.Count} of {table.CustomerIds.Count} rows of {file} have no label in {labelsFile} and were left out."));
        }

        var matrix = table.Matrix;
        var keep = matrix.ColumnNames.Where(c => c != label).ToArray();
        return (matrix.SelectColumns(keep).SelectRows(rows.ToArray()), [.. labels], [.. rows]);
    }

    private static bool ToLabel(double value, int row, string file, string label) => value switch
    {
        0.0 => false,
        1.0 => true,
        _ => throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"the label must be 0 or 1 (data row {row + 1})."), file, null, label),
    };

    private static (string[] Names, List<string> Skipped) SelectFeatures(FeatureTable table, FeatureMatrix matrix, string label, string? include, string? exclude, string file)
    {
        var numeric = matrix.ColumnNames.Where(c => c != label).ToList();
        var excluded = Names(exclude);
        foreach (var e in excluded)
        {
            if (!numeric.Contains(e) && !table.TextColumns.Contains(e) && e != label)
            {
                throw new UsageException($"--exclude '{e}' is not a column of {file} (columns: {string.Join(", ", numeric.Concat(table.TextColumns))}).");
            }
        }

        string[] names;
        if (include is not null)
        {
            var wanted = Names(include);
            foreach (var w in wanted)
            {
                if (table.TextColumns.Contains(w))
                {
                    throw new UsageException($"--features '{w}' is not numeric in {file}; churn train uses numeric columns only (encode it as numbers, e.g. one 0/1 column per value).");
                }

                if (!numeric.Contains(w))
                {
                    throw new UsageException($"--features '{w}' is not a numeric feature column of {file} (columns: {string.Join(", ", numeric)}).");
                }
            }

            names = [.. wanted.Where(w => !excluded.Contains(w)).Distinct(StringComparer.Ordinal)];
        }
        else
        {
            names = [.. numeric.Where(c => !excluded.Contains(c))];
        }

        if (names.Length == 0)
        {
            throw new UsageException("No numeric feature column is left besides the label (check --features and --exclude).");
        }

        var skipped = include is null ? table.TextColumns.Where(t => !excluded.Contains(t) && t != label).ToList() : [];
        return (names, skipped);
    }

    private static string[] Names(string? list) =>
        list is null ? [] : [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Train and holdout row indexes: the last rows, a seeded shuffle, or a seeded shuffle per class (stratified).</summary>
    internal static (int[] Train, int[] Holdout) Split(bool[] labels, double fraction, string mode, int seed)
    {
        var n = labels.Length;
        var holdoutRows = (int)Math.Round(n * fraction, MidpointRounding.AwayFromZero);
        if (holdoutRows == 0 || mode == "last")
        {
            return ([.. Enumerable.Range(0, n - holdoutRows)], [.. Enumerable.Range(n - holdoutRows, holdoutRows)]);
        }

        if (mode == "stratified")
        {
            var s = ChurnValidation.StratifiedTrainTestSplit(labels, fraction, seed);
            return ([.. s.Train], [.. s.Test]);
        }

        var order = Enumerable.Range(0, n).ToArray();
        new Random(seed).Shuffle(order);
        var hold = order.Take(holdoutRows).Order().ToArray();
        var train = order.Skip(holdoutRows).Order().ToArray();
        return (train, hold);
    }

    private static JsonObject HoldoutJson(double[] p, bool[] y, Request r)
    {
        var o = new JsonObject { ["rows"] = y.Length };
        if (y.Length == 0)
        {
            o["auc"] = null;
            o["logLoss"] = null;
            return o;
        }

        var auc = ChurnMetrics.RocAuc(p, y);
        o["auc"] = CliJson.Number(auc);
        o["logLoss"] = CliJson.Number(ChurnMetrics.LogLoss(p, y));
        o["split"] = r.Split;
        if (r.Split != "last")
        {
            o["seed"] = r.Seed;
        }

        var counts = ChurnMetrics.AtThreshold(p, y, r.Threshold);
        o["threshold"] = r.Threshold;
        o["precision"] = counts.TruePositives + counts.FalsePositives == 0 ? null : counts.Precision;
        o["recall"] = counts.TruePositives + counts.FalseNegatives == 0 ? null : counts.Recall;
        o["f1"] = counts.TruePositives + counts.FalsePositives + counts.FalseNegatives == 0 ? null : counts.F1;
        o["confusion"] = new JsonObject
        {
            ["truePositives"] = counts.TruePositives,
            ["falsePositives"] = counts.FalsePositives,
            ["trueNegatives"] = counts.TrueNegatives,
            ["falseNegatives"] = counts.FalseNegatives,
        };
        o["gains"] = Gains(p, y);
        return o;
    }

    /// <summary>
    /// Decile gains/lift: holdout rows sorted by probability (descending; ties keep file order), decile d holding rows
    /// [⌊(d−1)m/10⌋, ⌊dm/10⌋). gain = cumulative churners / all churners; lift = decile churn rate / overall rate; cumulativeLift likewise.
    /// </summary>
    internal static JsonArray Gains(double[] p, bool[] y)
    {
        var m = p.Length;
        var order = Enumerable.Range(0, m).OrderByDescending(i => p[i]).ThenBy(i => i).ToArray();
        var total = y.Count(v => v);
        var rate = (double)total / m;
        var rows = new JsonArray();
        int cumRows = 0, cumChurners = 0;
        for (var d = 1; d <= 10; d++)
        {
            var from = (d - 1) * m / 10;
            var to = d * m / 10;
            var churners = 0;
            for (var i = from; i < to; i++)
            {
                churners += y[order[i]] ? 1 : 0;
            }

            cumRows += to - from;
            cumChurners += churners;
            rows.Add((JsonNode)new JsonObject
            {
                ["decile"] = d,
                ["rows"] = to - from,
                ["churners"] = churners,
                ["churnRate"] = to > from ? (double)churners / (to - from) : null,
                ["cumulativeRows"] = cumRows,
                ["cumulativeChurners"] = cumChurners,
                ["gain"] = total > 0 ? (double)cumChurners / total : null,
                ["lift"] = to > from && total > 0 ? (double)churners / (to - from) / rate : null,
                ["cumulativeLift"] = cumRows > 0 && total > 0 ? (double)cumChurners / cumRows / rate : null,
            });
        }

        return rows;
    }

    private static DataFormatException Located(DataFormatException ex, int[] subset, int[] rowMap, string file)
    {
        var row = ex.Line is { } line && line >= 1 && line <= subset.Length ? rowMap[subset[line - 1]] + 1 : (long?)null;
        var where = row is { } x ? string.Create(CultureInfo.InvariantCulture, $" (data row {x}, counted after the header from 1)") : string.Empty;
        var reason = ex.Reason.StartsWith("missing value", StringComparison.Ordinal)
            ? "missing value" + where + "; use --missing mean to impute the training mean, or leave the column out with --exclude."
            : ex.Reason.StartsWith("infinite value", StringComparison.Ordinal) ? "infinite value" + where + "; features must be finite." : ex.Reason + where;
        return new DataFormatException(reason, file, null, ex.Field, ex);
    }

    private static void WriteText(LogisticRegressionModel model, Request r, int trainRows, JsonObject holdout)
    {
        var o = Console.Out;
        var d = model.Diagnostics;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"logistic regression (C = {r.C}, standardized, class weight {(r.Balanced ? "balanced" : "none")}) on {trainRows} rows; {d.Status} after {d.Iterations} Newton iterations (gradient {d.GradientNorm:E2})"));
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"intercept",-24} {model.Intercept,12:F6}"));
        for (var j = 0; j < model.FeatureCount; j++)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{model.FeatureNames[j],-24} {model.Coefficients[j],12:F6}"));
        }

        var rows = (int)holdout["rows"]!;
        if (rows == 0)
        {
            o.WriteLine("no holdout");
        }
        else
        {
            static string F(JsonNode? n) => n is null ? "undefined" : ((double)n).ToString("F4", CultureInfo.InvariantCulture);
            var where = r.Split == "last" ? $"last {rows} rows" : string.Create(CultureInfo.InvariantCulture, $"{rows} rows, {r.Split} split, seed {r.Seed}");
            o.WriteLine($"holdout ({where}): AUC {(holdout["auc"] is null ? "undefined (one class)" : F(holdout["auc"]))}, log loss {F(holdout["logLoss"])}");
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"at threshold {r.Threshold}: precision {F(holdout["precision"])}, recall {F(holdout["recall"])}, F1 {F(holdout["f1"])}"));
            o.WriteLine("decile  rows  churners  gain    lift");
            foreach (var g in holdout["gains"]!.AsArray())
            {
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(int)g!["decile"]!,6}  {(int)g["rows"]!,4}  {(int)g["churners"]!,8}  {F(g["gain"]),6}  {F(g["lift"]),6}"));
            }
        }

        if (r.ModelOut is not null)
        {
            o.WriteLine($"model written to {r.ModelOut}");
        }
    }

    /// <summary>Writes each Newton iteration to stderr, synchronously (<see cref="Progress{T}"/> would post to the thread pool and could
    /// print after the result).</summary>
    private sealed class StderrProgress(Stopwatch clock) : IProgress<LogisticRegressionProgress>
    {
        public void Report(LogisticRegressionProgress value) =>
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cemcore churn train: iteration {value.Iteration}: gradient {value.GradientNorm:G3}, objective {value.Objective:G10}, {clock.Elapsed.TotalSeconds:F1} s"));
    }
}
