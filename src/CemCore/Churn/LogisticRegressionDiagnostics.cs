namespace CemCore.Churn;

/// <summary>How a logistic regression fit ended.</summary>
public enum LogisticRegressionStatus
{
    /// <summary>The gradient tolerance was reached.</summary>
    Converged = 0,

    /// <summary>The iteration limit was reached before the tolerance; the model holds the last iterate.</summary>
    MaxIterationsReached = 1,

    /// <summary>No step along the Newton direction decreased the objective (usually a tolerance below what rounding allows); the model holds the last iterate.</summary>
    LineSearchFailed = 2,
}

/// <summary>Convergence report of a logistic regression fit.</summary>
/// <param name="Iterations">Newton iterations taken.</param>
/// <param name="GradientNorm">Largest absolute gradient component of the objective divided by <c>C · Σ sᵢ</c> at the returned coefficients.</param>
/// <param name="Objective">The objective <c>0.5 · ‖w‖² + C · Σ sᵢ · logloss</c> at the returned coefficients (standardized scale).</param>
/// <param name="Status">How the fit ended.</param>
public sealed record LogisticRegressionDiagnostics(int Iterations, double GradientNorm, double Objective, LogisticRegressionStatus Status)
{
    /// <summary>Gets whether the tolerance was reached.</summary>
    public bool Converged => Status == LogisticRegressionStatus.Converged;
}

/// <summary>One Newton iteration of a logistic regression fit, reported to the <see cref="IProgress{T}"/> of
/// <see cref="LogisticRegression.FitWithProgress"/>.</summary>
/// <param name="Iteration">Newton iterations completed (0 for the starting point).</param>
/// <param name="GradientNorm">Largest absolute gradient component of the objective divided by <c>C · Σ sᵢ</c>; the fit stops when it is at most the tolerance.</param>
/// <param name="Objective">The objective <c>0.5 · ‖w‖² + C · Σ sᵢ · logloss</c> (standardized scale).</param>
public sealed record LogisticRegressionProgress(int Iteration, double GradientNorm, double Objective);

/// <summary>How the Newton system is solved: <see cref="Auto"/> picks <see cref="Dual"/> when there are fewer rows than features.</summary>
internal enum NewtonForm
{
    /// <summary>Dual when n &lt; k, primal otherwise.</summary>
    Auto = 0,

    /// <summary>The (k + 1) × (k + 1) Hessian, Cholesky.</summary>
    Primal = 1,

    /// <summary>Woodbury with the n × n row Gram matrix.</summary>
    Dual = 2,
}
