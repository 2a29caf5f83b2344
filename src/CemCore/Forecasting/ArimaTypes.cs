using System.Globalization;

namespace CemCore.Forecasting;

/// <summary>A regressor of a regression with ARIMA errors (R's <c>xreg</c> column): a name and one value per observation.</summary>
public sealed class ArimaRegressor
{
    /// <summary>Creates a regressor.</summary>
    /// <param name="name">The coefficient name (non-empty; not <c>intercept</c> or <c>drift</c>, which the specification adds).</param>
    /// <param name="values">One finite value per observation (copied).</param>
    /// <exception cref="ArgumentException">An empty or reserved name, or a non-finite value.</exception>
    public ArimaRegressor(string name, IReadOnlyList<double> values)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(values);
        if (name is "intercept" or "drift")
        {
            throw new ArgumentException($"The regressor name '{name}' is reserved (set it through ArimaSpecification).", nameof(name));
        }

        var copy = values.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (!double.IsFinite(copy[i]))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Regressor '{name}' has a non-finite value at index {i}."), nameof(values));
            }
        }

        Name = name;
        Values = copy;
    }

    /// <summary>The coefficient name.</summary>
    public string Name { get; }

    /// <summary>The values.</summary>
    public IReadOnlyList<double> Values { get; }
}

/// <summary>Options of <see cref="Arima.Fit"/>. Immutable.</summary>
public sealed class ArimaFitOptions
{
    /// <summary>The default options.</summary>
    public static readonly ArimaFitOptions Default = new();

    /// <summary>Creates options.</summary>
    /// <param name="logTransform">Fit the model to log(value) (every value must be &gt; 0); forecasts are exp() of the log-scale ones.</param>
    /// <param name="regressors">Regressors (R's <c>xreg</c>), each with one value per observation.</param>
    /// <param name="initialArma">Starting values of the ARMA coefficients in R's order (ar, ma, sar, sma); null = zeros as R's <c>method = "ML"</c>.
    /// A non-stationary AR start is rejected; a non-invertible MA start is inverted first (R's <c>maInvert</c>).</param>
    /// <param name="maxIterations">BFGS iteration limit (1..10,000; default 200).</param>
    /// <param name="method">The estimation method (R's <c>method</c>); default exact maximum likelihood.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxIterations"/> out of range.</exception>
    public ArimaFitOptions(bool logTransform = false, IReadOnlyList<ArimaRegressor>? regressors = null, IReadOnlyList<double>? initialArma = null, int maxIterations = 200, ArimaMethod method = ArimaMethod.MaximumLikelihood)
    {
        Method = method;
        if (maxIterations is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "maxIterations must be in [1, 10000].");
        }

        LogTransform = logTransform;
        Regressors = regressors?.ToArray() ?? [];
        InitialArma = initialArma?.ToArray();
        MaxIterations = maxIterations;
    }

    /// <summary>Whether the model is fitted to log(value).</summary>
    public bool LogTransform { get; }

    /// <summary>The regressors.</summary>
    public IReadOnlyList<ArimaRegressor> Regressors { get; }

    /// <summary>Starting ARMA coefficients, or null.</summary>
    public IReadOnlyList<double>? InitialArma { get; }

    /// <summary>The estimation method.</summary>
    public ArimaMethod Method { get; }

    /// <summary>The BFGS iteration limit.</summary>
    public int MaxIterations { get; }
}

/// <summary>An estimated coefficient with its standard error from the Hessian (null when the Hessian is not positive definite).</summary>
/// <param name="Name">The name as R prints it: ar1…, ma1…, sar1…, sma1…, intercept, drift, then regressor names.</param>
/// <param name="Estimate">The estimate.</param>
/// <param name="StandardError">The standard error, or null.</param>
public sealed record ArimaCoefficient(string Name, double Estimate, double? StandardError);

/// <summary>One forecast step.</summary>
/// <param name="Step">1-based horizon.</param>
/// <param name="Mean">Point forecast (exp of the log-scale forecast under a log transform).</param>
/// <param name="StandardError">Standard error on the model scale (the log scale under a log transform).</param>
/// <param name="Lower">Lower prediction-interval bound.</param>
/// <param name="Upper">Upper prediction-interval bound.</param>
public sealed record ArimaForecastPoint(int Step, double Mean, double StandardError, double Lower, double Upper);

/// <summary>Estimation method, as R <c>stats::arima</c>'s <c>method</c> argument.</summary>
public enum ArimaMethod
{
    /// <summary>Exact Gaussian maximum likelihood from zero ARMA starting values (R <c>"ML"</c>).</summary>
    MaximumLikelihood,

    /// <summary>Conditional sum of squares, then exact maximum likelihood from there (R <c>"CSS-ML"</c>, R's default).</summary>
    CssMaximumLikelihood,

    /// <summary>Conditional sum of squares only (R <c>"CSS"</c>): σ² is the mean squared conditional residual and the likelihood figures
    /// are R's CSS ones (−½ n*[log σ² + 1 + log 2π]).</summary>
    ConditionalSumOfSquares,
}
