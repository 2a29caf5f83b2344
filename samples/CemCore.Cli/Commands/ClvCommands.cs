using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
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
    private const string Usage =
        "usage: cemcore clv fit --transactions F --model bgnbd|paretonbd|mbgnbd|gammagamma --calibration-end yyyy-MM-dd [--time-unit week|day] [--penalizer 0] [--format json]\n" +
        "       cemcore clv predict --transactions F --calibration-end yyyy-MM-dd --horizon H [--time-unit week|day] [--model bgnbd|paretonbd|mbgnbd] --out OUT.csv [--format json]";

    public static Task<int> RunAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var verb = args.Positional.Count > 0 ? args.Positional[0] : throw new UsageException("Missing sub-command (fit or predict).\n" + Usage);
        return verb switch
        {
            "fit" => Task.FromResult(Fit(args, cancellationToken)),
            "predict" => Task.FromResult(Predict(args, cancellationToken)),
            _ => throw new UsageException($"Unknown sub-command '{verb}'.\n" + Usage),
        };
    }

    private static int Fit(CliArgs args, CancellationToken cancellationToken)
    {
        var path = args.Require("transactions");
        var modelName = args.Require("model");
        var calibrationEnd = args.GetDate("calibration-end") ?? throw new UsageException("Missing required option --calibration-end.");
        var unit = ParseUnit(args.Get("time-unit"));
        var penalizer = args.GetDouble("penalizer", 0.0);
        var json = args.Json;
        args.EnsureAllUsed();
        if (modelName is not ("bgnbd" or "paretonbd" or "mbgnbd" or "gammagamma"))
        {
            throw new UsageException($"--model must be bgnbd, paretonbd, mbgnbd or gammagamma, not '{modelName}'.");
        }

        var split = Load(path, calibrationEnd, unit, cancellationToken);
        var settings = new BtydFitSettings(penalizer);
        IReadOnlyList<ModelParameter> parameters;
        FitDiagnostics diagnostics;
        if (modelName == "gammagamma")
        {
            var fit = GammaGammaModel.Fit(split.Frequency, split.MeanRepeatSpend, settings);
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
                p[parameter.Name] = parameter.Value;
            }

            var o = new JsonObject
            {
                ["model"] = modelName,
                ["parameters"] = p,
                ["logLikelihood"] = diagnostics.LogLikelihood,
                ["customers"] = diagnostics.Customers,
                ["converged"] = diagnostics.Converged,
            };
            Console.Out.WriteLine(o.ToJsonString());
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

    private static int Predict(CliArgs args, CancellationToken cancellationToken)
    {
        var path = args.Require("transactions");
        var calibrationEnd = args.GetDate("calibration-end") ?? throw new UsageException("Missing required option --calibration-end.");
        var horizon = args.GetDouble("horizon", double.NaN);
        if (double.IsNaN(horizon))
        {
            throw new UsageException("Missing required option --horizon.");
        }

        if (horizon < 0)
        {
            throw new UsageException($"--horizon must be ≥ 0, not {horizon.ToString(CultureInfo.InvariantCulture)}.");
        }

        var unit = ParseUnit(args.Get("time-unit"));
        var modelName = args.Get("model") ?? "bgnbd";
        var outPath = OutputPath.Check("out", args.Require("out"));
        var json = args.Json;
        args.EnsureAllUsed();
        if (modelName is not ("bgnbd" or "paretonbd" or "mbgnbd"))
        {
            throw new UsageException($"--model must be bgnbd, paretonbd or mbgnbd for predict, not '{modelName}'.");
        }

        var split = Load(path, calibrationEnd, unit, cancellationToken);
        var (model, diagnostics) = FitCount(modelName, split.ToBtydData(), BtydFitSettings.Default);
        var pAlive = new double[split.Count];
        var expected = new double[split.Count];
        model.ProbabilityAlive(split.Frequency, split.Recency, split.Age, pAlive);
        model.ConditionalExpectedPurchases(horizon, split.Frequency, split.Recency, split.Age, expected);
        using (var w = new StreamWriter(outPath, false, new UTF8Encoding(false)))
        {
            w.NewLine = "\n";
            w.WriteLine("customer_id,frequency,recency,T,p_alive,expected_purchases");
            for (var i = 0; i < split.Count; i++)
            {
                w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Csv(split.CustomerIds[i])},{split.Frequency[i]},{split.Recency[i]:R},{split.Age[i]:R},{pAlive[i]:R},{expected[i]:R}"));
            }
        }

        if (json)
        {
            var p = new JsonObject();
            foreach (var parameter in model.Parameters)
            {
                p[parameter.Name] = parameter.Value;
            }

            Console.Out.WriteLine(new JsonObject
            {
                ["model"] = modelName,
                ["parameters"] = p,
                ["logLikelihood"] = diagnostics.LogLikelihood,
                ["customers"] = split.Count,
                ["converged"] = diagnostics.Converged,
                ["horizon"] = horizon,
                ["timeUnit"] = unit.ToString().ToLowerInvariant(),
                ["out"] = outPath,
            }.ToJsonString());
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{modelName}: {split.Count} customers, horizon {horizon} {unit.ToString().ToLowerInvariant()}s, converged {diagnostics.Converged}; wrote {outPath}"));
        }

        WarnIfNotConverged(diagnostics);
        return 0;
    }

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

    private static CalibrationHoldoutSplit Load(string path, DateOnly calibrationEnd, TimeUnit unit, CancellationToken cancellationToken)
    {
        var table = CsvTransactionReader.ReadTable(path, cancellationToken: cancellationToken);
        return CalibrationHoldoutSplit.Create(table, calibrationEnd, calibrationEnd, new FeatureSettings(unit));
    }

    private static void WarnIfNotConverged(FitDiagnostics diagnostics)
    {
        if (!diagnostics.Converged)
        {
            Console.Error.WriteLine($"cemcore clv: warning: the fit did not converge ({diagnostics.Message}); the parameters are the last iterate.");
        }
    }

    private static TimeUnit ParseUnit(string? text)
    {
        if (text is null)
        {
            return TimeUnit.Week;
        }

        return TimeUnits.TryParse(text, out var unit) ? unit : throw new UsageException($"--time-unit must be week or day, not '{text}'.");
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
