using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Tests.TestSupport;

namespace CemCore.Cli.Tests;

/// <summary>
/// <c>cemcore forecast fit|predict|auto|effect</c> (issue 11) end to end against the R 4.2.2 / forecast 8.20 vectors written by
/// tests/CemCore.Tests/ReferenceData/Forecasting/arima_reference.R (the series CSVs there are the CLI inputs).
/// </summary>
public sealed class ForecastCliTests
{
    private static readonly string Folder = Path.Combine(RepositoryRoot(), "tests", "CemCore.Tests", "ReferenceData", "Forecasting");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CemCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CemCore.sln not found above the test binary.");
    }

    private static string Series(string name) => Path.Combine(Folder, name + ".csv");

    /// <summary>R value of (case, kind, key) from arima_reference.csv.</summary>
    private static double R(string @case, string kind, string key) =>
        File.ReadLines(Path.Combine(Folder, "arima_reference.csv")).Skip(1).Select(l => l.Split(','))
            .Where(f => f[0] == @case && f[1] == kind && f[2] == key).Select(f => CliAssert.D(f[3])).Single();

    [Fact]
    public void Fit_AirlineLog_MatchesRAndSeriesG()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("forecast", "fit", "--series", Series("air"), "--order", "0,1,1", "--seasonal", "0,1,1,12", "--log", "--format", "json"));
        Assert.Equal(["parameters", "sigma2", "logLikelihood", "aic", "aicc", "bic", "converged"], o.Select(kv => kv.Key));
        var p = o["parameters"]!.AsObject();
        Assert.Equal(["ma1", "sma1"], p.Select(kv => kv.Key));
        Assert.Equal(-0.4018, (double)p["ma1"]!, 4e-4); // Box-Jenkins series G
        Assert.Equal(-0.5569, (double)p["sma1"]!, 4e-4);
        Assert.Equal(R("airline_log", "coef", "ma1"), (double)p["ma1"]!, 2e-3);
        Assert.Equal(R("airline_log", "stat", "sigma2"), (double)o["sigma2"]!, 2e-6);
        Assert.Equal(R("airline_log", "stat", "loglik"), (double)o["logLikelihood"]!, 3e-3);
        Assert.Equal(R("airline_log", "stat", "aic"), (double)o["aic"]!, 6e-3);
        Assert.Equal(R("airline_log", "stat", "aicc"), (double)o["aicc"]!, 6e-3);
        Assert.Equal(R("airline_log", "stat", "bic"), (double)o["bic"]!, 6e-3);

        // Hand check of the formulas: k = 3, n* = 144 − 1 − 12 = 131.
        var aic = (double)o["aic"]!;
        Assert.Equal((-2 * (double)o["logLikelihood"]!) + 6, aic, 1e-9);
        Assert.Equal(aic + (2.0 * 3 * 4 / (131 - 3 - 1)), (double)o["aicc"]!, 1e-9);
        Assert.Equal(aic + (3 * (Math.Log(131) - 2)), (double)o["bic"]!, 1e-9);
        Assert.True((bool)o["converged"]!);
    }

    [Fact]
    public void Fit_ArWithMean_NamesIntercept()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("forecast", "fit", "--series", Series("lakehuron"), "--order", "2,0,0", "--format", "json"));
        var p = o["parameters"]!.AsObject();
        Assert.Equal(["ar1", "ar2", "intercept"], p.Select(kv => kv.Key));
        Assert.Equal(R("lakehuron_ar2", "coef", "ar1"), (double)p["ar1"]!, 2e-3);
        Assert.Equal(R("lakehuron_ar2", "coef", "intercept"), (double)p["intercept"]!, 2e-2);
        Assert.Equal(R("lakehuron_ar2", "stat", "loglik"), (double)o["logLikelihood"]!, 3e-3);
    }

    [Fact]
    public void Predict_AirlineLog_ExpOfRPredict()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("forecast", "predict", "--series", Series("air"), "--order", "0,1,1", "--seasonal", "0,1,1,12", "--log", "--horizon", "12", "--level", "95", "--format", "json"));
        var fc = o["forecast"]!.AsArray();
        Assert.Equal(12, fc.Count);
        var z = 1.959963984540054;
        for (var h = 1; h <= 12; h++)
        {
            var row = fc[h - 1]!.AsObject();
            Assert.Equal(["period", "mean", "lower", "upper"], row.Select(kv => kv.Key));
            Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"1961-{h:D2}"), (string)row["period"]!);
            var key = h.ToString(CultureInfo.InvariantCulture);
            var mean = R("airline_log", "mean", key);
            var se = R("airline_log", "predse", key);
            Assert.Equal(Math.Exp(mean), (double)row["mean"]!, 1e-3 * Math.Exp(mean));
            Assert.Equal(Math.Exp(mean - (z * se)), (double)row["lower"]!, 2e-3 * Math.Exp(mean));
            Assert.Equal(Math.Exp(mean + (z * se)), (double)row["upper"]!, 2e-3 * Math.Exp(mean));
        }
    }

    [Fact]
    public void Predict_DatePeriods_ContinueTheStepInTheSameFormat()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("forecast", "predict", "--series", Series("lakehuron"), "--order", "2,0,0", "--horizon", "3", "--level", "80", "--format", "json"));
        var fc = o["forecast"]!.AsArray();
        Assert.Equal(["1973-01-01", "1974-01-01", "1975-01-01"], fc.Select(x => (string)x!["period"]!));
        var z80 = 1.2815515655446004;
        for (var h = 1; h <= 3; h++)
        {
            var key = h.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(R("lakehuron_ar2", "mean", key), (double)fc[h - 1]!["mean"]!, 5e-3);
            Assert.Equal(R("lakehuron_ar2", "mean", key) - (z80 * R("lakehuron_ar2", "predse", key)), (double)fc[h - 1]!["lower"]!, 1e-2);
        }
    }

    [Fact]
    public void Effect_PromotionRegressor_MatchesRXreg()
    {
        var o = CliAssert.JsonOk(CliRunner.Run("forecast", "effect", "--series", Series("store"), "--order", "1,0,1", "--promotions", Path.Combine(Folder, "promo_store.csv"), "--format", "json"));
        Assert.Equal(["effect", "standardError"], o.Select(kv => kv.Key));
        Assert.Equal(R("store_arma11_promo", "coef", "promo"), (double)o["effect"]!, 2e-2);
        Assert.Equal(R("store_arma11_promo", "se", "promo"), (double)o["standardError"]!, 0.02 * R("store_arma11_promo", "se", "promo"));
    }

    [Fact]
    public void Auto_NonSeasonal_ReadsZeroSeasonalPart()
    {
        // The seasonal choice on AirPassengers ((2,1,1)(0,1,0)[12], AICc 1018.165) is checked in AutoArimaReferenceTests (library);
        // here the non-seasonal WWWusage case keeps the end-to-end run short on a loaded machine.
        var o = CliAssert.JsonOk(CliRunner.Run("forecast", "auto", "--series", Series("wwwusage"), "--format", "json"));
        Assert.Equal([1, 1, 1], o["order"]!.AsArray().Select(x => (int)x!));
        Assert.Equal([0, 0, 0, 1], o["seasonal"]!.AsArray().Select(x => (int)x!));
        Assert.Equal(514.552103153278, (double)o["aicc"]!, 1e-2);
    }

    [Fact]
    public void BadInput_IsAOneLineUsageError()
    {
        using var dir = new TempDir();
        var gap = dir.Write("gap.csv", "period,value", "2024-01,1", "2024-02,2", "2024-04,3", "2024-05,4");
        Assert.Contains("line 4", CliAssert.UsageError(CliRunner.Run("forecast", "fit", "--series", gap, "--order", "1,0,0", "--format", "json")), StringComparison.Ordinal);

        var nonPositive = dir.Write("zero.csv", ["period,value", .. Enumerable.Range(0, 40).Select(i => string.Create(CultureInfo.InvariantCulture, $"{new DateOnly(2020, 1, 1).AddDays(7 * i):yyyy-MM-dd},{(i == 5 ? 0 : 10 + (i % 3))}"))]);
        Assert.Contains("positive", CliAssert.UsageError(CliRunner.Run("forecast", "fit", "--series", nonPositive, "--order", "1,0,0", "--log", "--format", "json")), StringComparison.Ordinal);

        var shortSeries = dir.Write("short.csv", "period,value", "2024-01,1", "2024-02,2", "2024-03,4");
        Assert.Contains("observations", CliAssert.UsageError(CliRunner.Run("forecast", "fit", "--series", shortSeries, "--order", "1,1,1", "--format", "json")), StringComparison.Ordinal);

        CliAssert.UsageError(CliRunner.Run("forecast", "fit", "--series", Series("air"), "--order", "1,x,0", "--format", "json"));
        var badDate = dir.Write("bad.csv", "period,value", "2024-13,1", "2024-02,2");
        Assert.Contains("line 2", CliAssert.UsageError(CliRunner.Run("forecast", "fit", "--series", badDate, "--order", "0,0,0")), StringComparison.Ordinal);
    }
}
