using CemCore.Forecasting;

namespace CemCore.Tests.Forecasting;

/// <summary>
/// (S)ARIMA maximum-likelihood fits and forecasts against Box &amp; Jenkins series G (published airline-model figures) and against
/// R 4.2.2 <c>stats::arima(method = "ML")</c> + <c>predict()</c> vectors (ReferenceData/Forecasting/arima_reference.R).
/// </summary>
public sealed class ArimaReferenceTests
{
    private static readonly Dictionary<string, Dictionary<string, Dictionary<string, double>>> R = ForecastingReference.Results();

    public static TheoryData<string> CaseNames() => [.. ForecastingReference.Cases().Select(c => c.Name)];

    internal static ArimaFit FitCase(ForecastingReference.Case c)
    {
        var (periods, values) = ForecastingReference.Series(c.Series);
        var regs = new List<ArimaRegressor>();
        if (c.Promo)
        {
            var promo = ForecastingReference.PromoPeriods(c.Series).ToHashSet(StringComparer.Ordinal);
            regs.Add(new ArimaRegressor("promo", periods.Select(p => promo.Contains(p) ? 1.0 : 0.0).ToArray()));
        }

        var spec = new ArimaSpecification(c.P, c.D, c.Q, c.SP, c.SD, c.SQ, c.S, includeDrift: c.Drift);
        return Arima.Fit(values, spec, new ArimaFitOptions(logTransform: c.Log, regressors: regs));
    }

    [Fact]
    public void SeriesG_AirlineModel_MatchesPublishedFigures()
    {
        // Box, Jenkins & Reinsel, series G (AirPassengers), log scale, ARIMA(0,1,1)(0,1,1)[12]:
        // θ = −0.4018, Θ = −0.5569, σ² = 0.001348, log-likelihood 244.70 (R 4.2.2 and statsmodels 0.13.5 agree to 3e-3).
        var (_, values) = ForecastingReference.Series("air");
        var fit = Arima.Fit(values, new ArimaSpecification(0, 1, 1, 0, 1, 1, 12), new ArimaFitOptions(logTransform: true));
        Assert.True(fit.Converged, fit.Message);
        Assert.Equal(["ma1", "sma1"], fit.Coefficients.Select(c => c.Name));
        Assert.Equal(-0.4018, fit.Coefficient("ma1"), 4e-4);
        Assert.Equal(-0.5569, fit.Coefficient("sma1"), 4e-4);
        Assert.Equal(0.001348, fit.Sigma2, 1e-6);
        Assert.Equal(244.70, fit.LogLikelihood, 3e-3 + 5e-3);
        Assert.Equal(131, fit.UsedObservations);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Fit_MatchesRStatsArima(string name)
    {
        var c = ForecastingReference.Cases().Single(x => x.Name == name);
        var r = R[name];
        var fit = FitCase(c);
        Assert.True(fit.Converged, fit.Message);
        Assert.Equal(r["coef"].Keys, fit.Coefficients.Select(x => x.Name));
        foreach (var coef in fit.Coefficients)
        {
            var expected = r["coef"][coef.Name];
            var tol = Math.Max(2e-3, 2e-3 * Math.Abs(expected));
            Assert.True(Math.Abs(coef.Estimate - expected) <= tol, $"{name} {coef.Name}: {coef.Estimate} vs R {expected}");
            var se = r["se"][coef.Name];
            Assert.NotNull(coef.StandardError);
            Assert.True(Math.Abs(coef.StandardError!.Value - se) <= 0.02 * se, $"{name} se({coef.Name}): {coef.StandardError} vs R {se}");
        }

        var stat = r["stat"];
        Assert.True(Math.Abs(fit.LogLikelihood - stat["loglik"]) <= 3e-3, $"{name} loglik {fit.LogLikelihood} vs R {stat["loglik"]}");
        Assert.True(fit.LogLikelihood >= stat["loglik"] - 1e-6, "R's optimum is never better than ours beyond rounding");
        Assert.True(Math.Abs(fit.Sigma2 - stat["sigma2"]) <= 2e-3 * stat["sigma2"], $"{name} sigma2 {fit.Sigma2} vs R {stat["sigma2"]}");
        Assert.Equal(stat["aic"], fit.Aic, 6e-3);
        Assert.Equal(stat["aicc"], fit.Aicc!.Value, 6e-3);
        Assert.Equal(stat["bic"], fit.Bic, 6e-3);
        Assert.Equal((int)stat["nobs"], fit.UsedObservations);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Forecast_MatchesRPredict(string name)
    {
        var c = ForecastingReference.Cases().Single(x => x.Name == name);
        var r = R[name];
        var fit = FitCase(c);
        IReadOnlyList<IReadOnlyList<double>>? future = c.Promo ? [new double[c.Horizon]] : null;
        var fc = fit.Forecast(c.Horizon, 95, future);
        Assert.Equal(c.Horizon, fc.Count);
        var scale = Math.Sqrt(r["stat"]["sigma2"]);
        for (var h = 1; h <= c.Horizon; h++)
        {
            var key = h.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var mean = r["mean"][key];
            var se = r["predse"][key];
            var logMean = c.Log ? Math.Log(fc[h - 1].Mean) : fc[h - 1].Mean;
            Assert.True(Math.Abs(logMean - mean) <= 0.01 * scale + (1e-6 * Math.Abs(mean)), $"{name} h={h} mean {logMean} vs R {mean}");
            Assert.True(Math.Abs(fc[h - 1].StandardError - se) <= 3e-3 * se, $"{name} h={h} se {fc[h - 1].StandardError} vs R {se}");
            var z = 1.959963984540054;
            var lo = logMean - (z * fc[h - 1].StandardError);
            Assert.Equal(c.Log ? Math.Exp(lo) : lo, fc[h - 1].Lower, 1e-9 * Math.Max(1, Math.Abs(fc[h - 1].Lower)));
        }
    }
}
