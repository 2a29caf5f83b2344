using System.Globalization;
using CemCore.Primitives;

namespace CemCore.Clv;

/// <summary>Settings of a maximum-likelihood BTYD or Gamma-Gamma fit. Immutable; checked on construction.</summary>
/// <remarks>
/// <para>The fit minimizes, over the logarithms of the (positive) parameters θ,
/// <c>−(1/N)·Σᵢ wᵢ·ℓᵢ(θ) + Penalizer·Σⱼ θⱼ²</c>, where N is the number of customers and θⱼ are the natural parameters
/// (r, α, a, b …). This is the L2 convention of the Python package <c>lifetimes</c> (<c>penalizer_coef · sum(params²)</c>
/// added to the mean negative log-likelihood). With <see cref="Penalizer"/> = 0 the result is the plain maximum-likelihood estimate.</para>
/// <para>The optimizer is BFGS with a strong-Wolfe line search on log-parameters; it stops when the largest absolute gradient
/// component of the objective above is at most <see cref="GradientTolerance"/>.</para>
/// </remarks>
public sealed record BtydFitSettings
{
    /// <summary>The largest accepted <see cref="MaxIterations"/>.</summary>
    public const int MaxIterationsLimit = 100_000;

    /// <summary>Creates settings.</summary>
    /// <param name="penalizer">L2 penalizer coefficient (finite, ≥ 0). Default 0.</param>
    /// <param name="maxIterations">Iteration limit of the optimizer, 1..<see cref="MaxIterationsLimit"/>. Default 500.</param>
    /// <param name="gradientTolerance">Convergence tolerance on ‖∇‖∞ of the mean objective, in (0, 1). Default 1e-8.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public BtydFitSettings(double penalizer = 0.0, int maxIterations = 500, double gradientTolerance = 1e-8)
    {
        if (!(penalizer >= 0.0 && double.IsFinite(penalizer)))
        {
            throw new ArgumentOutOfRangeException(nameof(penalizer), penalizer, "The penalizer must be finite and ≥ 0.");
        }

        if (maxIterations is < 1 or > MaxIterationsLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, $"maxIterations must be in [1, {MaxIterationsLimit}].");
        }

        if (!(gradientTolerance is > 0.0 and < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(gradientTolerance), gradientTolerance, "gradientTolerance must be in (0, 1).");
        }

        Penalizer = penalizer;
        MaxIterations = maxIterations;
        GradientTolerance = gradientTolerance;
    }

    /// <summary>Gets the default settings (no penalizer, 500 iterations, tolerance 1e-8).</summary>
    public static BtydFitSettings Default { get; } = new();

    /// <summary>Gets the L2 penalizer coefficient. <value>The default is 0.</value></summary>
    public double Penalizer { get; }

    /// <summary>Gets the iteration limit. <value>The default is 500.</value></summary>
    public int MaxIterations { get; }

    /// <summary>Gets the gradient tolerance. <value>The default is 1e-8.</value></summary>
    public double GradientTolerance { get; }
}

/// <summary>Convergence report of a fit.</summary>
/// <param name="Converged">Whether the optimizer met its convergence criterion. A fit that did not converge still returns its last
/// (best) parameters; check this flag before using them.</param>
/// <param name="Iterations">Optimizer iterations.</param>
/// <param name="Evaluations">Objective (and gradient) evaluations.</param>
/// <param name="GradientNorm">‖∇‖∞ of the minimized objective (mean negative log-likelihood plus penalty) w.r.t. the log-parameters at the result.</param>
/// <param name="LogLikelihood">Total log-likelihood Σ ℓᵢ at the result (natural log, without the penalty).</param>
/// <param name="Customers">Number of customers that entered the fit.</param>
/// <param name="Message">A short description of why the optimizer stopped.</param>
public readonly record struct FitDiagnostics(bool Converged, int Iterations, int Evaluations, double GradientNorm, double LogLikelihood, int Customers, string Message)
{
    /// <summary>
    /// Gets why the parameters are not identifiable from the data (<see langword="null"/> when they are): the data carry no
    /// information on some parameter (no repeat purchase; every repeat customer with the same mean spend), or the optimum lies on
    /// the boundary of the parameter space (a shape or rate beyond 1e7 or below 1e-7, e.g. r = 1.4e14 from one customer). Such a fit
    /// is reported with <see cref="Converged"/> = false and this reason in <see cref="Message"/>.
    /// </summary>
    public string? NotIdentifiableReason { get; init; }

    /// <summary>Gets whether the parameters are identifiable (<see cref="NotIdentifiableReason"/> is null).</summary>
    public bool Identifiable => NotIdentifiableReason is null;
}

/// <summary>A fitted model and its convergence report.</summary>
/// <typeparam name="TModel">The model type.</typeparam>
/// <param name="Model">The fitted model (the last iterate when <see cref="FitDiagnostics.Converged"/> is false).</param>
/// <param name="Diagnostics">The convergence report.</param>
public sealed record BtydFitResult<TModel>(TModel Model, FitDiagnostics Diagnostics)
    where TModel : class;

/// <summary>A named model parameter.</summary>
/// <param name="Name">The parameter name as used in the literature and the CLI JSON (<c>r</c>, <c>alpha</c>, <c>a</c>, <c>b</c>, <c>s</c>, <c>beta</c>, <c>p</c>, <c>q</c>, <c>gamma</c>).</param>
/// <param name="Value">The value.</param>
public readonly record struct ModelParameter(string Name, double Value);

/// <summary>
/// A fitted "buy 'til you die" purchase-count model: per-customer predictions from the calibration summary (x, t_x, T).
/// </summary>
/// <remarks>
/// Times (t_x, T, t) are in <see cref="Unit"/>, the unit of the data the model was fitted on. Implementations are immutable
/// and thread-safe; batch methods do not allocate.
/// </remarks>
public interface IBtydModel
{
    /// <summary>Gets the model key: <c>bgnbd</c>, <c>paretonbd</c> or <c>mbgnbd</c>.</summary>
    string ModelName { get; }

    /// <summary>Gets the time unit of the rate parameters.</summary>
    TimeUnit Unit { get; }

    /// <summary>Gets the parameters in their published order.</summary>
    IReadOnlyList<ModelParameter> Parameters { get; }

    /// <summary>Returns the log-likelihood contribution of one customer.</summary>
    /// <param name="frequency">Repeat purchases x (≥ 0).</param>
    /// <param name="recency">t_x (0 ≤ t_x ≤ T).</param>
    /// <param name="age">T (≥ 0).</param>
    /// <returns>ℓ(x, t_x, T).</returns>
    /// <exception cref="ArgumentOutOfRangeException">An input is out of range.</exception>
    double LogLikelihood(int frequency, double recency, double age);

    /// <summary>Returns P(alive | x, t_x, T): the probability that the customer has not dropped out by T.</summary>
    /// <param name="frequency">Repeat purchases x (≥ 0).</param>
    /// <param name="recency">t_x (0 ≤ t_x ≤ T).</param>
    /// <param name="age">T (≥ 0).</param>
    /// <returns>A probability in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">An input is out of range.</exception>
    double ProbabilityAlive(int frequency, double recency, double age);

    /// <summary>Returns E[Y(t) | x, t_x, T]: expected purchases in (T, T + t].</summary>
    /// <param name="t">Horizon length (finite, ≥ 0).</param>
    /// <param name="frequency">Repeat purchases x (≥ 0).</param>
    /// <param name="recency">t_x (0 ≤ t_x ≤ T).</param>
    /// <param name="age">T (≥ 0).</param>
    /// <returns>The expected number of purchases.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An input is out of range.</exception>
    double ConditionalExpectedPurchases(double t, int frequency, double recency, double age);

    /// <summary>Returns E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired at time 0.</summary>
    /// <param name="t">Length of the period (finite, ≥ 0).</param>
    /// <returns>The expected number of repeat purchases.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="t"/> is out of range.</exception>
    double ExpectedPurchases(double t);

    /// <summary>Returns P(X(t) = n): the probability that a customer just acquired at time 0 makes exactly n repeat purchases in (0, t].</summary>
    /// <param name="n">Number of purchases (≥ 0).</param>
    /// <param name="t">Length of the period (finite, ≥ 0).</param>
    /// <returns>A probability in [0, 1].</returns>
    /// <exception cref="ArgumentOutOfRangeException">An input is out of range.</exception>
    double ProbabilityOfPurchases(int n, double t);

    /// <summary>Computes P(alive) for many customers.</summary>
    /// <param name="frequency">x per customer.</param>
    /// <param name="recency">t_x per customer.</param>
    /// <param name="age">T per customer.</param>
    /// <param name="destination">Receives one probability per customer.</param>
    /// <exception cref="ArgumentException">The spans differ in length, or an input is out of range.</exception>
    void ProbabilityAlive(ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination);

    /// <summary>Computes E[Y(t) | x, t_x, T] for many customers.</summary>
    /// <param name="t">Horizon length (finite, ≥ 0).</param>
    /// <param name="frequency">x per customer.</param>
    /// <param name="recency">t_x per customer.</param>
    /// <param name="age">T per customer.</param>
    /// <param name="destination">Receives one expectation per customer.</param>
    /// <exception cref="ArgumentException">The spans differ in length, or an input is out of range.</exception>
    void ConditionalExpectedPurchases(double t, ReadOnlySpan<int> frequency, ReadOnlySpan<double> recency, ReadOnlySpan<double> age, Span<double> destination);
}

/// <summary>Shared plumbing of the fits.</summary>
internal static class FitRunner
{
    /// <summary>Shape and rate parameters beyond [1e-7, 1e7] are taken as an optimum on the boundary of the parameter space.</summary>
    private const double BoundaryLog = 16.11809565095832; // ln(1e7)

    public static (double[] Parameters, FitDiagnostics Diagnostics) Run(
        IObjective objective, double[] startNatural, BtydFitSettings settings, int customers, Func<double[], double> totalLogLikelihood,
        string? dataReason = null, IReadOnlyList<string>? names = null, int scaleIndex = -1)
    {
        var start = new double[startNatural.Length];
        for (var i = 0; i < start.Length; i++)
        {
            start[i] = Math.Log(startNatural[i]);
        }

        var result = Bfgs.Minimize(objective, start, settings.MaxIterations, settings.GradientTolerance);
        var p = new double[result.X.Length];
        for (var i = 0; i < p.Length; i++)
        {
            p[i] = Math.Exp(result.X[i]);
        }

        var ll = totalLogLikelihood(p);
        var converged = result.Converged && double.IsFinite(ll);
        foreach (var v in p)
        {
            converged &= double.IsFinite(v) && v > 0.0;
        }

        var reason = dataReason;
        for (var i = 0; reason is null && i < p.Length; i++)
        {
            // The scale parameter of Gamma-Gamma follows the currency unit, so only shapes and rates are checked.
            if (i != scaleIndex && !(Math.Abs(result.X[i]) <= BoundaryLog))
            {
                var name = names is not null && i < names.Count ? names[i] : "parameter " + (i + 1).ToString(CultureInfo.InvariantCulture);
                reason = $"the optimum is on the boundary of the parameter space ({name} = {p[i].ToString("G3", CultureInfo.InvariantCulture)}): the data do not identify the model";
            }
        }

        var message = reason is null ? result.Message : "not identifiable: " + reason;
        return (p, new FitDiagnostics(converged && reason is null, result.Iterations, result.Evaluations, Bfgs.NormInf(result.Gradient), ll, customers, message)
        {
            NotIdentifiableReason = reason,
        });
    }

    /// <summary>Why count data cannot identify a BTYD model, or null: without any repeat purchase, purchase rate and dropout are confounded.</summary>
    public static string? CountDataReason(BtydData data) =>
        data.RepeatCustomerCount == 0 ? "no customer made a repeat purchase in the calibration period: purchase rate and dropout cannot be told apart"
        : data.CustomerCount < 4 ? $"only {data.CustomerCount.ToString(CultureInfo.InvariantCulture)} customers for 4 parameters"
        : null;

    public static void CheckPositive(double value, string name)
    {
        if (!(value > 0.0 && double.IsFinite(value)))
        {
            throw new ArgumentOutOfRangeException(name, value, $"The parameter {name} must be finite and > 0.");
        }
    }

    public static void CheckHorizon(double t, string name = "t")
    {
        if (!(t >= 0.0 && double.IsFinite(t)))
        {
            throw new ArgumentOutOfRangeException(name, t, $"{name} must be finite and ≥ 0.");
        }
    }

    public static void CheckCount(int n)
    {
        if (n < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "n must be ≥ 0.");
        }
    }

    public static void CheckLengths(int frequency, int recency, int age, int destination)
    {
        if (recency != frequency || age != frequency || destination != frequency)
        {
            throw new ArgumentException(
                $"frequency, recency, age and destination must have the same length, but have {frequency}, {recency}, {age} and {destination}.", nameof(destination));
        }
    }

    public static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
