using CemCore.Churn;

namespace CemCore.Uplift;

/// <summary>How an <see cref="UpliftModel"/> estimates the uplift <c>τ(x) = P(Y = 1 | T = 1, x) − P(Y = 1 | T = 0, x)</c>.</summary>
public enum UpliftMethod
{
    /// <summary>Two-model approach (T-learner): one logistic regression on the treated rows, one on the control rows; <c>τ(x) = p_T(x) − p_C(x)</c>.</summary>
    TwoModel = 0,

    /// <summary>
    /// Class transformation (Jaskowski &amp; Jaroszewicz 2012): one logistic regression of <c>Z = T·Y + (1 − T)(1 − Y)</c> on the features;
    /// <c>τ(x) = 2 · P(Z = 1 | x) − 1</c>. The identity needs a 50/50 treatment split; any other split is reweighted to 50/50
    /// (treated rows weigh <c>n / (2 n_T)</c>, control rows <c>n / (2 n_C)</c>), see <c>docs/uplift.md</c>.
    /// </summary>
    ClassTransformation = 1,
}

/// <summary>Settings of <see cref="UpliftTrainer.Fit"/>.</summary>
/// <remarks>Immutable; value equality.</remarks>
public sealed record UpliftSettings
{
    /// <summary>Creates settings.</summary>
    /// <param name="method">The uplift method. The default is <see cref="UpliftMethod.TwoModel"/>.</param>
    /// <param name="logistic">The settings of every logistic regression fitted; <see langword="null"/> means <see cref="LogisticRegressionSettings.Default"/>
    /// (C = 1, standardized, missing values rejected).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="method"/> is not a defined value.</exception>
    public UpliftSettings(UpliftMethod method = UpliftMethod.TwoModel, LogisticRegressionSettings? logistic = null)
    {
        if (!Enum.IsDefined(method))
        {
            throw new ArgumentOutOfRangeException(nameof(method), method, "Expected TwoModel or ClassTransformation.");
        }

        Method = method;
        Logistic = logistic ?? LogisticRegressionSettings.Default;
    }

    /// <summary>Gets the default settings (two-model, default logistic regression).</summary>
    public static UpliftSettings Default { get; } = new();

    /// <summary>Gets the uplift method.</summary>
    public UpliftMethod Method { get; }

    /// <summary>Gets the logistic regression settings.</summary>
    public LogisticRegressionSettings Logistic { get; }
}
