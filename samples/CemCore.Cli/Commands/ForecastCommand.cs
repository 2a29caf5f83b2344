using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Forecasting;
using CemCore.Sources;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore forecast fit|predict|auto|effect</c> (issue 11, docs/forecasting.md): exact maximum-likelihood (S)ARIMA with R
/// <c>stats::arima(method = "ML")</c> conventions on a <c>period,value</c> series CSV.
/// </summary>
internal static class ForecastCommand
{
    public static Command Create()
    {
        var command = new Command("forecast", "ARIMA/SARIMA forecasting (fit|predict|auto|effect), R stats::arima conventions.")
        {
            Fit(), Predict(), Auto(), Effect(),
        };
        return command;
    }

    private static Option<string> OrderOption() => new("--order")
    {
        Description = "Non-seasonal order p,d,q (e.g. 0,1,1).",
        Required = true,
        HelpName = "p,d,q",
    };

    private static Option<string?> SeasonalOption() => new("--seasonal")
    {
        Description = "Seasonal order P,D,Q,s (e.g. 0,1,1,12).",
        HelpName = "P,D,Q,s",
    };

    private static Option<bool> LogOption() => new("--log") { Description = "Model log(value); every likelihood figure is that of the log series (no Jacobian)." };

    private static Option<bool> DriftOption() => new("--drift") { Description = "Add a drift (time-index) regressor, as R forecast's include.drift." };

    private static Command Fit()
    {
        var series = CliOptions.RequiredPath("--series", "Series CSV (period,value), rows in time order, no gaps.");
        var order = OrderOption();
        var seasonal = SeasonalOption();
        var log = LogOption();
        var drift = DriftOption();
        var format = CliOptions.Format();
        var command = new Command("fit", "Maximum-likelihood fit: coefficients, sigma2, log-likelihood, AIC, AICc, BIC.") { series, order, seasonal, log, drift, format };
        command.SetAction((parse, ct) =>
        {
            var data = SeriesCsv.Read(parse.GetValue(series)!);
            var spec = Spec(parse.GetValue(order)!, parse.GetValue(seasonal), parse.GetValue(drift));
            var fit = Arima.Fit(data.Values, spec, new ArimaFitOptions(logTransform: parse.GetValue(log)), ct);
            if (parse.IsJson(format))
            {
                CliJson.Write(FitJson(fit));
            }
            else
            {
                WriteFitText(fit);
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Predict()
    {
        var series = CliOptions.RequiredPath("--series", "Series CSV (period,value), rows in time order, no gaps.");
        var order = OrderOption();
        var seasonal = SeasonalOption();
        var log = LogOption();
        var drift = DriftOption();
        var horizon = CliOptions.Integer("--horizon", "Periods to forecast.", 12, min: 1, max: 100_000);
        var level = CliOptions.Number("--level", "Prediction-interval level in percent.", 95, min: 1e-9, max: 100 - 1e-9);
        var format = CliOptions.Format();
        var command = new Command("predict", "Forecasts with prediction intervals (R predict() on the ML fit).") { series, order, seasonal, log, drift, horizon, level, format };
        command.SetAction((parse, ct) =>
        {
            var data = SeriesCsv.Read(parse.GetValue(series)!);
            var spec = Spec(parse.GetValue(order)!, parse.GetValue(seasonal), parse.GetValue(drift));
            var fit = Arima.Fit(data.Values, spec, new ArimaFitOptions(logTransform: parse.GetValue(log)), ct);
            var points = fit.Forecast(parse.GetValue(horizon), parse.GetValue(level));
            if (parse.IsJson(format))
            {
                var array = new JsonArray();
                foreach (var p in points)
                {
                    array.Add((JsonNode)new JsonObject
                    {
                        ["period"] = data.After(p.Step),
                        ["mean"] = CliJson.Number(p.Mean),
                        ["lower"] = CliJson.Number(p.Lower),
                        ["upper"] = CliJson.Number(p.Upper),
                    });
                }

                CliJson.Write(new JsonObject { ["forecast"] = array });
            }
            else
            {
                var o = Console.Out;
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{spec}{(fit.LogTransform ? " on log(value)" : string.Empty)}: {parse.GetValue(level)}% intervals{(fit.Converged ? string.Empty : " (fit did NOT converge: " + fit.Message + ")")}"));
                foreach (var p in points)
                {
                    o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data.After(p.Step),-12} {p.Mean,14:G8} [{p.Lower:G8}, {p.Upper:G8}]"));
                }
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Auto()
    {
        var series = CliOptions.RequiredPath("--series", "Series CSV (period,value), rows in time order, no gaps.");
        var period = CliOptions.Integer("--seasonal-period", "Seasonal period (1 = non-seasonal; monthly series need 12).", 1, min: 1, max: ArimaSpecification.MaxPeriod);
        var format = CliOptions.Format();
        var command = new Command("auto", "Automatic order selection (Hyndman-Khandakar stepwise search, R forecast::auto.arima defaults).") { series, period, format };
        command.SetAction((parse, ct) =>
        {
            var data = SeriesCsv.Read(parse.GetValue(series)!);
            var s = parse.GetValue(period);
            var result = AutoArima.Select(data.Values, s, cancellationToken: ct);
            var best = result.Fit.Specification;
            if (parse.IsJson(format))
            {
                CliJson.Write(new JsonObject
                {
                    ["order"] = new JsonArray(best.Ar, best.Differences, best.Ma),
                    ["seasonal"] = new JsonArray(best.SeasonalAr, best.SeasonalDifferences, best.SeasonalMa, s),
                    ["drift"] = best.IncludeDrift,
                    ["aicc"] = result.Fit.Aicc is { } a ? CliJson.Number(a) : null,
                });
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{best}{(best.HasIntercept ? " with non-zero mean" : string.Empty)}: AICc {result.Fit.Aicc:F4} ({result.ModelsFitted} models fitted{(result.Approximation ? ", approximation" : string.Empty)})"));
                WriteFitText(result.Fit);
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Effect()
    {
        var series = CliOptions.RequiredPath("--series", "Series CSV (period,value), rows in time order, no gaps.");
        var order = OrderOption();
        var seasonal = SeasonalOption();
        var promotions = CliOptions.RequiredPath("--promotions", "CSV with header 'period' listing the promotion periods.");
        var format = CliOptions.Format();
        var command = new Command("effect", "Promotion effect: regression with ARIMA errors on a 0/1 promotion regressor (R arima(xreg = promo)).") { series, order, seasonal, promotions, format };
        command.SetAction((parse, ct) =>
        {
            var data = SeriesCsv.Read(parse.GetValue(series)!);
            var spec = Spec(parse.GetValue(order)!, parse.GetValue(seasonal), false);
            var promo = ReadPromotions(parse.GetValue(promotions)!, data);
            var fit = Arima.Fit(data.Values, spec, new ArimaFitOptions(regressors: [new ArimaRegressor("promotion", promo)]), ct);
            var c = fit.Coefficients.Single(x => x.Name == "promotion");
            if (parse.IsJson(format))
            {
                CliJson.Write(new JsonObject
                {
                    ["effect"] = CliJson.Number(c.Estimate),
                    ["standardError"] = c.StandardError is { } se ? CliJson.Number(se) : null,
                });
            }
            else
            {
                Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"promotion effect {c.Estimate:G6} per period (s.e. {(c.StandardError is { } se ? se.ToString("G4", CultureInfo.InvariantCulture) : "n/a")}), regression with {spec} errors{(fit.Converged ? string.Empty : "; fit did NOT converge: " + fit.Message)}"));
            }

            return Task.FromResult(0);
        });
        return command;
    }

    internal static double[] ReadPromotions(string path, SeriesCsv data)
    {
        var file = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new UsageException($"{file}: file not found.");
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length == 0 || !string.Equals(lines[0].Trim().TrimStart('\uFEFF'), "period", StringComparison.Ordinal))
        {
            throw new DataFormatException("the header must be 'period'", file, 1, null);
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < data.Periods.Length; i++)
        {
            index[data.Periods[i]] = i;
        }

        var promo = new double[data.Values.Length];
        for (var i = 1; i < lines.Length; i++)
        {
            var p = lines[i].Trim();
            if (p.Length == 0)
            {
                continue;
            }

            if (!index.TryGetValue(p, out var t))
            {
                throw new DataFormatException($"the promotion period '{p}' is not a period of the series", file, i + 1, "period");
            }

            promo[t] = 1.0;
        }

        return promo;
    }

    internal static ArimaSpecification Spec(string order, string? seasonal, bool drift)
    {
        var o = Ints(order, "--order", 3);
        var s = seasonal is null ? [0, 0, 0, 1] : Ints(seasonal, "--seasonal", 4);
        if (s[3] < 1)
        {
            throw new UsageException($"--seasonal: the period s must be ≥ 1, not {s[3].ToString(CultureInfo.InvariantCulture)}.");
        }

        if (drift && o[1] + s[1] > 1)
        {
            throw new UsageException("--drift needs d + D ≤ 1 (with more differences the drift is not identifiable, as in R forecast).");
        }

        return new ArimaSpecification(o[0], o[1], o[2], s[0], s[1], s[2], s[3], includeDrift: drift);
    }

    private static int[] Ints(string text, string name, int count)
    {
        var parts = text.Split(',');
        var result = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i]) || result[i] < 0)
            {
                result = [];
                break;
            }
        }

        if (result.Length != count)
        {
            throw new UsageException($"{name} must be {count} non-negative whole numbers separated by commas ({(count == 3 ? "p,d,q" : "P,D,Q,s")}), not '{text}'.");
        }

        return result;
    }

    private static JsonObject FitJson(ArimaFit fit)
    {
        var parameters = new JsonObject();
        foreach (var c in fit.Coefficients)
        {
            parameters[c.Name] = CliJson.Number(c.Estimate);
        }

        return new JsonObject
        {
            ["parameters"] = parameters,
            ["sigma2"] = CliJson.Number(fit.Sigma2),
            ["logLikelihood"] = CliJson.Number(fit.LogLikelihood),
            ["aic"] = CliJson.Number(fit.Aic),
            ["aicc"] = fit.Aicc is { } a ? CliJson.Number(a) : null,
            ["bic"] = CliJson.Number(fit.Bic),
            ["converged"] = fit.Converged,
        };
    }

    private static void WriteFitText(ArimaFit fit)
    {
        var o = Console.Out;
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{fit.Specification}{(fit.LogTransform ? " on log(value)" : string.Empty)}, n* = {fit.UsedObservations}: {(fit.Converged ? "converged" : "did NOT converge")} ({fit.Message})"));
        foreach (var c in fit.Coefficients)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Name,-12} {c.Estimate,14:F6}  s.e. {(c.StandardError is { } se ? se.ToString("F6", CultureInfo.InvariantCulture) : "n/a")}"));
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sigma^2 {fit.Sigma2:G6}; log likelihood {fit.LogLikelihood:F2}; AIC {fit.Aic:F2}; AICc {(fit.Aicc is { } a ? a.ToString("F2", CultureInfo.InvariantCulture) : "n/a")}; BIC {fit.Bic:F2}"));
    }
}
