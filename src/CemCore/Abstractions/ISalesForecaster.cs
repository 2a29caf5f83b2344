using CemCore.Forecasting;

namespace CemCore;

/// <summary>A forecast of an evenly spaced series (sales per week or month, say).</summary>
/// <param name="Model">The model that produced it, for example <c>ARIMA(0,1,1)(0,1,1)[12]</c>.</param>
/// <param name="Points">One point per step ahead: mean, standard error and the interval at <paramref name="Level"/>.</param>
/// <param name="Level">The interval level in percent.</param>
/// <param name="Converged">Whether the model's fit converged; when not, <paramref name="Note"/> says why and the points are the last iterate's.</param>
/// <param name="Note">A short note on the fit (no personal data).</param>
public sealed record SalesForecast(string Model, IReadOnlyList<ArimaForecastPoint> Points, double Level, bool Converged, string Note);

/// <summary>
/// The forecasting capability: forecasts a sales series with prediction intervals. The library's <see cref="AutoArimaForecaster"/> selects a
/// (seasonal) ARIMA model as R <c>forecast::auto.arima</c> does and forecasts with it; a host may replace it (with its own model) or decorate it.
/// </summary>
public interface ISalesForecaster
{
    /// <summary>Forecasts a series.</summary>
    /// <param name="history">The observations, oldest first, evenly spaced, finite and without gaps.</param>
    /// <param name="seasonalPeriod">The seasonal period (1 = none, 12 for monthly data, 52 for weekly).</param>
    /// <param name="horizon">Steps ahead, at least 1.</param>
    /// <param name="level">The interval level in percent, in (0, 100).</param>
    /// <param name="cancellationToken">Cancels the model search.</param>
    /// <returns>The forecast.</returns>
    /// <exception cref="ArgumentException">The series is too short, constant or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Period, horizon or level out of range.</exception>
    SalesForecast Forecast(IReadOnlyList<double> history, int seasonalPeriod, int horizon, double level = 95.0, CancellationToken cancellationToken = default);
}

/// <summary>The library's <see cref="ISalesForecaster"/>: <see cref="AutoArima.Select"/> (Hyndman–Khandakar stepwise search, AICc), then
/// <see cref="ArimaFit.Forecast"/>.</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public sealed class AutoArimaForecaster : ISalesForecaster
{
    /// <inheritdoc/>
    public SalesForecast Forecast(IReadOnlyList<double> history, int seasonalPeriod, int horizon, double level = 95.0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        if (horizon is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be in [1, 100000].");
        }

        if (!(level is > 0.0 and < 100.0))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The level must be in (0, 100).");
        }

        var x = history as double[] ?? [.. history];
        var selected = AutoArima.Select(x, seasonalPeriod, cancellationToken);
        var fit = selected.Fit;
        return new SalesForecast(fit.Specification.ToString(), fit.Forecast(horizon, level), level, fit.Converged, fit.Message);
    }
}
