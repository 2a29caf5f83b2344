using System.Globalization;
using MathNet.Numerics.Distributions;

namespace CemCore.Forecasting;

/// <summary>A fitted (seasonal) ARIMA model (<see cref="Arima.Fit"/>): coefficients, σ², likelihood figures and forecasts. Immutable and thread-safe.</summary>
public sealed class ArimaFit
{
    private readonly ArimaProblem _problem;
    private readonly double[] _coefficients;

    internal ArimaFit(
        ArimaSpecification specification, bool logTransform, ArimaProblem problem, ArimaCoefficient[] coefficients, double[] values,
        double sigma2, double logLikelihood, double aic, double? aicc, double bic, int usedObservations, bool converged, string message, int iterations)
    {
        Specification = specification;
        LogTransform = logTransform;
        _problem = problem;
        Coefficients = coefficients;
        _coefficients = values;
        Sigma2 = sigma2;
        LogLikelihood = logLikelihood;
        Aic = aic;
        Aicc = aicc;
        Bic = bic;
        UsedObservations = usedObservations;
        Converged = converged;
        Message = message;
        Iterations = iterations;
    }

    /// <summary>The model orders.</summary>
    public ArimaSpecification Specification { get; }

    /// <summary>Whether the model is of log(value).</summary>
    public bool LogTransform { get; }

    /// <summary>The coefficients in R's order (ar, ma, sar, sma, intercept, drift, regressors).</summary>
    public IReadOnlyList<ArimaCoefficient> Coefficients { get; }

    /// <summary>The maximum-likelihood innovation variance (R's <c>sigma2</c>): the sum of squared standardized innovations over n*.</summary>
    public double Sigma2 { get; }

    /// <summary>The exact Gaussian log-likelihood (of log(value) under a log transform; no Jacobian term).</summary>
    public double LogLikelihood { get; }

    /// <summary>AIC = −2 log L + 2(k + 1).</summary>
    public double Aic { get; }

    /// <summary>AICc = AIC + 2(k+1)(k+2)/(n* − k − 2); null when n* − k − 2 ≤ 0.</summary>
    public double? Aicc { get; }

    /// <summary>BIC = AIC + (k + 1)(log n* − 2).</summary>
    public double Bic { get; }

    /// <summary>n* = n − d − D·s.</summary>
    public int UsedObservations { get; }

    /// <summary>Whether the optimizer converged.</summary>
    public bool Converged { get; }

    /// <summary>The optimizer's message.</summary>
    public string Message { get; }

    /// <summary>BFGS iterations.</summary>
    public int Iterations { get; }

    /// <summary>The data and parametrization of the fit (tests, benchmarks).</summary>
    internal ArimaProblem Problem => _problem;

    /// <summary>The coefficients in R's order (tests).</summary>
    internal ReadOnlySpan<double> Values => _coefficients;

    /// <summary>The number of observations.</summary>
    public int Observations => _problem.X.Length;

    /// <summary>Returns the estimate of the named coefficient.</summary>
    /// <exception cref="KeyNotFoundException">No such coefficient.</exception>
    public double Coefficient(string name) =>
        Coefficients.FirstOrDefault(c => c.Name == name)?.Estimate ?? throw new KeyNotFoundException($"No coefficient named '{name}' in {Specification}.");

    /// <summary>
    /// Forecasts <paramref name="horizon"/> steps ahead with prediction intervals: mean ∓ Φ⁻¹(0.5 + level/200)·se, se from the Kalman
    /// forecast variance times σ² (R's <c>predict.Arima</c>). Under a log transform every figure is exp() of the log-scale one.
    /// </summary>
    /// <param name="horizon">Steps ahead (1..100,000).</param>
    /// <param name="level">Interval level in percent, in (0, 100).</param>
    /// <param name="futureRegressors">Values of the user regressors for the forecast steps, in the order of the fit's regressors
    /// (each of length <paramref name="horizon"/>); intercept and drift are extended automatically.</param>
    /// <exception cref="ArgumentOutOfRangeException">Horizon or level out of range.</exception>
    /// <exception cref="ArgumentException">Missing or wrongly sized future regressors.</exception>
    public IReadOnlyList<ArimaForecastPoint> Forecast(int horizon, double level = 95.0, IReadOnlyList<IReadOnlyList<double>>? futureRegressors = null)
    {
        if (horizon is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be in [1, 100000].");
        }

        if (!(level is > 0.0 and < 100.0))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The level must be in (0, 100).");
        }

        var spec = Specification;
        var fixedColumns = (spec.HasIntercept ? 1 : 0) + (spec.IncludeDrift ? 1 : 0);
        var userColumns = _problem.Columns.Count - fixedColumns;
        var future = futureRegressors ?? [];
        if (future.Count != userColumns)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected future values for {userColumns} regressors, got {future.Count}."), nameof(futureRegressors));
        }

        foreach (var f in future)
        {
            if (f is null || f.Count != horizon || f.Any(v => !double.IsFinite(v)))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Every future regressor needs {horizon} finite values."), nameof(futureRegressors));
            }
        }

        var kalman = _problem.NewKalman();
        var eval = _problem.Evaluate(_coefficients, kalman);
        var mean = new double[horizon];
        var variance = new double[horizon];
        if (eval.Ok)
        {
            kalman.Forecast(horizon, mean, variance);
        }

        var narma = _problem.Narma;
        var n = Observations;
        var z = Normal.InvCDF(0.0, 1.0, 0.5 + (level / 200.0));
        var points = new ArimaForecastPoint[horizon];
        for (var h = 0; h < horizon; h++)
        {
            var m = mean[h];
            var col = 0;
            if (spec.HasIntercept)
            {
                m += _coefficients[narma + col++];
            }

            if (spec.IncludeDrift)
            {
                m += _coefficients[narma + col++] * (n + h + 1);
            }

            for (var j = 0; j < userColumns; j++)
            {
                m += _coefficients[narma + col + j] * future[j][h];
            }

            var se = Math.Sqrt(Math.Max(variance[h], 0.0) * Sigma2);
            var lo = m - (z * se);
            var hi = m + (z * se);
            points[h] = LogTransform
                ? new ArimaForecastPoint(h + 1, Math.Exp(m), se, Math.Exp(lo), Math.Exp(hi))
                : new ArimaForecastPoint(h + 1, m, se, lo, hi);
        }

        return points;
    }
}
