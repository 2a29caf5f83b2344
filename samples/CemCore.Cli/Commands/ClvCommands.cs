using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore clv fit|predict</c>: BTYD purchase models and Gamma-Gamma spend on a transactions CSV (<c>customer_id,timestamp,amount</c>).
/// <c>--calibration-end DATE</c> is inclusive: the as-of instant is DATE + 1 day at 00:00 UTC; later transactions are ignored.
/// </summary>
internal static class ClvCommands
{
    public static Command Create()
    {
        var clv = new Command("clv", "BTYD customer-lifetime-value models (fit|predict).");
        clv.Add(FitCommand());
        clv.Add(PredictCommand());
        return clv;
    }

    private static Option<string> TransactionsOption() =>
        CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");

    private static Option<DateOnly?> CalibrationEndOption() =>
        CliOptions.Date("--calibration-end", "Last day of the calibration period (inclusive); later transactions are ignored.", required: true);

    private static Option<string> EncodingOption() => CliInput.EncodingOption();

    private static Option<string> TimeUnitOption() =>
        CliOptions.Choice("--time-unit", "Time unit of recency, age and the horizon.", "week", "week", "day");

    private static Command FitCommand()
    {
        var transactions = TransactionsOption();
        var model = CliOptions.Choice("--model", "bgnbd, paretonbd, mbgnbd (purchase counts) or gammagamma (spend per purchase).", null, "bgnbd", "paretonbd", "mbgnbd", "gammagamma");
        model.Required = true;
        var calibrationEnd = CalibrationEndOption();
        var unit = TimeUnitOption();
        var encoding = EncodingOption();
        var penalizer = CliOptions.Number("--penalizer", "L2 penalty on the log-parameters (0 = maximum likelihood).", 0.0, min: 0);
        var format = CliOptions.Format();
        var command = new Command("fit", "Fit a BTYD model by maximum likelihood and print its parameters and diagnostics.") { transactions, model, calibrationEnd, unit, penalizer, encoding, format };
        CliHelp.Examples(
            command,
            "cemcore clv fit --transactions tx.csv --model bgnbd --calibration-end 2024-06-30",
            "cemcore clv fit --transactions tx.csv --model gammagamma --calibration-end 2024-06-30 --format json");
        command.SetAction((parse, ct) => Task.FromResult(Fit(
            parse.GetValue(transactions)!, parse.GetValue(model)!, parse.GetValue(calibrationEnd)!.Value, Unit(parse.GetValue(unit)), parse.GetValue(penalizer), parse.GetValue(encoding)!, parse.IsJson(format), ct)));
        return command;
    }

    private static Command PredictCommand()
    {
        var transactions = TransactionsOption();
        var calibrationEnd = CalibrationEndOption();
        var encoding = EncodingOption();
        var horizon = CliOptions.RequiredNumber("--horizon", "Prediction horizon H in time units (>= 0).", min: 0);
        var unit = TimeUnitOption();
        var model = CliOptions.Choice("--model", "Purchase-count model.", "bgnbd", "bgnbd", "paretonbd", "mbgnbd");
        var outPath = CliOptions.OutputFile("--out", "Output CSV: customer_id,frequency,recency,T,p_alive,expected_purchases (with --spend also expected_average_spend,clv).");
        outPath.Required = true;
        var spend = CliOptions.Flag("--spend", "Monetary CLV: fit Gamma-Gamma on repeat buyers' mean spend and add expected_average_spend and the discounted clv over --horizon.");
        var discount = CliOptions.Number("--discount-rate", "With --spend: discount rate per time unit, in [0, 1) (0.0019 per week is about 10% a year).", 0.0, min: 0, max: 0.999999);
        var margin = CliOptions.Number("--margin", "With --spend: profit margin applied to revenue, in [0, 1].", 1.0, min: 0, max: 1);
        var holdoutEnd = CliOptions.Date("--holdout-end", "Last day (inclusive) of a holdout period after --calibration-end: adds the tracking table (actual vs expected cumulative repeat purchases per time unit).");
        var format = CliOptions.Format();
        var command = new Command("predict", "P(alive), expected purchases and (with --spend) monetary CLV over the horizon for every customer; with --holdout-end a calibration-vs-holdout tracking table.")
        {
            transactions, calibrationEnd, horizon, unit, model, outPath, spend, discount, margin, holdoutEnd, encoding, format,
        };
        CliHelp.Examples(
            command,
            "cemcore clv predict --transactions tx.csv --calibration-end 2024-06-30 --horizon 26 --out clv.csv",
            "cemcore clv predict --transactions tx.csv --calibration-end 2024-06-30 --horizon 90 --time-unit day --model mbgnbd --out clv.csv --format json",
            "cemcore clv predict --transactions tx.csv --calibration-end 2024-06-30 --horizon 52 --spend --discount-rate 0.0019 --holdout-end 2024-12-31 --out clv.csv --format json");
        command.SetAction((parse, ct) => Task.FromResult(Predict(
            parse.GetValue(transactions)!, parse.GetValue(calibrationEnd)!.Value, parse.GetValue(horizon), Unit(parse.GetValue(unit)), parse.GetValue(model)!,
            parse.GetValue(outPath)!, parse.GetValue(encoding)!, new ClvExtras.Options(parse.GetValue(spend), parse.GetValue(discount), parse.GetValue(margin), parse.GetValue(holdoutEnd)), parse.IsJson(format), ct)));
        return command;
    }

    private static int Fit(string path, string modelName, DateOnly calibrationEnd, TimeUnit unit, double penalizer, string encoding, bool json, CancellationToken cancellationToken)
    {
        var split = Load(path, encoding, calibrationEnd, unit, cancellationToken);
        var settings = new BtydFitSettings(penalizer);
        IReadOnlyList<ModelParameter> parameters;
        FitDiagnostics diagnostics;
        if (modelName == "gammagamma")
        {
            var fit = GammaGammaModel.Fit(ClvExtras.SpendFrequency(split, path, encoding, "clv fit"), split.MeanRepeatSpend, settings);
            (parameters, diagnostics) = (fit.Model.Parameters, fit.Diagnostics);
        }
        else
        {
            var (model, d) = FitCount(modelName, split.ToBtydData(), settings);
            (parameters, diagnostics) = (model.Parameters, d);
        }

        if (json)
        {
            var p = new JsonObject();
            foreach (var parameter in parameters)
            {
                p[parameter.Name] = CliJson.Number(parameter.Value);
            }

            var o = new JsonObject
            {
                ["model"] = modelName,
                ["parameters"] = p,
                ["logLikelihood"] = CliJson.Number(diagnostics.LogLikelihood),
                ["customers"] = diagnostics.Customers,
                ["converged"] = diagnostics.Converged,
            };
            AddFitProblem(o, diagnostics);
            CliJson.Write(o);
        }
        else
        {
            Console.Out.WriteLine($"model {modelName} ({unit.ToString().ToLowerInvariant()}s), calibration end {calibrationEnd:yyyy-MM-dd} inclusive");
            foreach (var parameter in parameters)
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {parameter.Name,-6} {parameter.Value,12:F6}"));
            }

            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"log-likelihood {diagnostics.LogLikelihood:F4}, customers {diagnostics.Customers}, converged {diagnostics.Converged} ({diagnostics.Iterations} iterations, |grad| {diagnostics.GradientNorm:E2})"));
        }

        WarnIfNotConverged(diagnostics);
        return 0;
    }

    private static int Predict(string path, DateOnly calibrationEnd, double horizon, TimeUnit unit, string modelName, string outPath, string encoding, ClvExtras.Options extras, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--out", outPath, ("--transactions", path));
        var table = CliInput.ReadTransactions(path, encoding, null, cancellationToken);
        var split = CalibrationHoldoutSplit.Create(table, calibrationEnd, calibrationEnd, new FeatureSettings(unit));
        var (model, diagnostics) = FitCount(modelName, split.ToBtydData(), BtydFitSettings.Default);
        var pAlive = new double[split.Count];
        var expected = new double[split.Count];
        model.ProbabilityAlive(split.Frequency, split.Recency, split.Age, pAlive);
        model.ConditionalExpectedPurchases(horizon, split.Frequency, split.Recency, split.Age, expected);
        var undefined = 0;
        for (var i = 0; i < split.Count; i++)
        {
            undefined += double.IsFinite(pAlive[i]) && double.IsFinite(expected[i]) ? 0 : 1;
        }

        var money = extras.Spend ? ClvExtras.Monetary(model, split, horizon, unit, extras, path, encoding) : null;
        using (var w = new StreamWriter(outPath, false, new UTF8Encoding(false)))
        {
            w.NewLine = "\n";
            w.WriteLine(money is null ? "customer_id,frequency,recency,T,p_alive,expected_purchases" : "customer_id,frequency,recency,T,p_alive,expected_purchases,expected_average_spend,clv");
            for (var i = 0; i < split.Count; i++)
            {
                w.Write(string.Create(CultureInfo.InvariantCulture,
                    $"{CliCsvWriter.Quote(split.CustomerIds[i])},{split.Frequency[i]},{split.Recency[i]:R},{split.Age[i]:R},{Cell(pAlive[i])},{Cell(expected[i])}"));
                w.WriteLine(money is null ? string.Empty : "," + Cell(money.Spend[i]) + "," + Cell(money.Clv[i]));
            }
        }

        if (json)
        {
            var p = new JsonObject();
            foreach (var parameter in model.Parameters)
            {
                p[parameter.Name] = CliJson.Number(parameter.Value);
            }

            var o = new JsonObject
            {
                ["model"] = modelName,
                ["parameters"] = p,
                ["logLikelihood"] = CliJson.Number(diagnostics.LogLikelihood),
                ["customers"] = split.Count,
                ["converged"] = diagnostics.Converged,
                ["horizon"] = horizon,
                ["timeUnit"] = unit.ToString().ToLowerInvariant(),
                ["out"] = outPath,
            };
            AddFitProblem(o, diagnostics);
            if (undefined > 0)
            {
                o["undefinedPredictions"] = undefined;
            }

            if (money is not null)
            {
                o["spend"] = money.Json();
            }

            if (extras.HoldoutEnd is { } he)
            {
                o["tracking"] = ClvExtras.Tracking(model, table, split, he, unit);
            }

            CliJson.Write(o);
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{modelName}: {split.Count} customers, horizon {horizon} {unit.ToString().ToLowerInvariant()}s, converged {diagnostics.Converged}; wrote {outPath}"));
        }

        WarnIfNotConverged(diagnostics);
        if (undefined > 0)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cemcore clv predict: warning: {undefined} customers have no finite prediction (empty cells in {Path.GetFileName(outPath)})."));
        }

        return 0;
    }

    /// <summary>
    /// A fit that did not converge adds <c>"identifiable"</c> and <c>"reason"</c> to the JSON (a converged fit keeps the documented shape).
    /// </summary>
    private static void AddFitProblem(JsonObject o, FitDiagnostics diagnostics)
    {
        if (!diagnostics.Converged)
        {
            o["identifiable"] = diagnostics.Identifiable;
            o["reason"] = diagnostics.Message;
        }
    }

    /// <summary>A CSV cell: the round-trip number, or empty when it is NaN or infinite (never written as a number).</summary>
    private static string Cell(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : string.Empty;

    private static (IBtydModel Model, FitDiagnostics Diagnostics) FitCount(string name, BtydData data, BtydFitSettings settings)
    {
        switch (name)
        {
            case "bgnbd":
                var bg = BgNbdModel.Fit(data, settings);
                return (bg.Model, bg.Diagnostics);
            case "paretonbd":
                var p = ParetoNbdModel.Fit(data, settings);
                return (p.Model, p.Diagnostics);
            default:
                var m = MbgNbdModel.Fit(data, settings);
                return (m.Model, m.Diagnostics);
        }
    }

    private static CalibrationHoldoutSplit Load(string path, string encoding, DateOnly calibrationEnd, TimeUnit unit, CancellationToken cancellationToken)
    {
        var table = CliInput.ReadTransactions(path, encoding, null, cancellationToken);
        return CalibrationHoldoutSplit.Create(table, calibrationEnd, calibrationEnd, new FeatureSettings(unit));
    }

    private static void WarnIfNotConverged(FitDiagnostics diagnostics)
    {
        if (!diagnostics.Converged)
        {
            Console.Error.WriteLine(diagnostics.Identifiable
                ? $"cemcore clv: warning: the fit did not converge ({diagnostics.Message}); the parameters are the last iterate."
                : $"cemcore clv: warning: the model is {diagnostics.Message}; the parameters and predictions are not meaningful.");
        }
    }

    private static TimeUnit Unit(string? text) => text == "day" ? TimeUnit.Day : TimeUnit.Week;
}
