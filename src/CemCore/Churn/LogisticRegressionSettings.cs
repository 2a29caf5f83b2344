using System.Globalization;

namespace CemCore.Churn;

/// <summary>How training rows of each class are weighted in the log-loss sum.</summary>
public enum ClassWeightMode
{
    /// <summary>Every row has weight 1 (scikit-learn <c>class_weight=None</c>).</summary>
    None = 0,

    /// <summary>Weight <c>n / (2 · n_c)</c> for a row of class <c>c</c> (scikit-learn <c>class_weight="balanced"</c>).</summary>
    Balanced = 1,

    /// <summary>The weights <see cref="ClassWeights.Negative"/> and <see cref="ClassWeights.Positive"/> (scikit-learn <c>class_weight={0: w0, 1: w1}</c>).</summary>
    Custom = 2,
}

/// <summary>Class weights for logistic regression training.</summary>
/// <remarks>Immutable; value equality. The weights multiply each row's log loss; with <see cref="ClassWeightMode.Balanced"/> they are
/// computed from the training labels as scikit-learn's <c>compute_class_weight("balanced")</c> does.</remarks>
public sealed record ClassWeights
{
    private ClassWeights(ClassWeightMode mode, double negative, double positive)
    {
        Mode = mode;
        Negative = negative;
        Positive = positive;
    }

    /// <summary>Gets unit weights (the default).</summary>
    public static ClassWeights None { get; } = new(ClassWeightMode.None, 1.0, 1.0);

    /// <summary>Gets the "balanced" weights <c>n / (2 · n_c)</c>.</summary>
    public static ClassWeights Balanced { get; } = new(ClassWeightMode.Balanced, double.NaN, double.NaN);

    /// <summary>Gets the mode.</summary>
    public ClassWeightMode Mode { get; }

    /// <summary>Gets the weight of class 0 (non-churners) for <see cref="ClassWeightMode.Custom"/>, 1 for <see cref="ClassWeightMode.None"/>, NaN for <see cref="ClassWeightMode.Balanced"/> (data dependent).</summary>
    public double Negative { get; }

    /// <summary>Gets the weight of class 1 (churners); see <see cref="Negative"/>.</summary>
    public double Positive { get; }

    /// <summary>Creates custom class weights.</summary>
    /// <param name="negative">Weight of class 0; finite and &gt; 0.</param>
    /// <param name="positive">Weight of class 1; finite and &gt; 0.</param>
    /// <returns>The weights.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A weight is not finite and positive.</exception>
    public static ClassWeights Custom(double negative, double positive)
    {
        CheckWeight(negative, nameof(negative));
        CheckWeight(positive, nameof(positive));
        return new(ClassWeightMode.Custom, negative, positive);
    }

    /// <summary>Returns the (negative, positive) weights for a training set.</summary>
    /// <param name="negatives">Rows of class 0.</param>
    /// <param name="positives">Rows of class 1.</param>
    /// <returns>The two weights.</returns>
    public (double Negative, double Positive) Resolve(int negatives, int positives)
    {
        if (Mode != ClassWeightMode.Balanced)
        {
            return (Negative, Positive);
        }

        var n = (double)negatives + positives;
        return (n / (2.0 * negatives), n / (2.0 * positives));
    }

    /// <inheritdoc/>
    public override string ToString() => Mode == ClassWeightMode.Custom
        ? string.Create(CultureInfo.InvariantCulture, $"Custom({Negative:R}, {Positive:R})")
        : Mode.ToString();

    private static void CheckWeight(double value, string name)
    {
        if (!(double.IsFinite(value) && value > 0))
        {
            throw new ArgumentOutOfRangeException(name, value, "A class weight must be a finite number > 0.");
        }
    }
}

/// <summary>Settings of <see cref="LogisticRegression.Fit(FeatureMatrix, ReadOnlySpan{bool}, LogisticRegressionSettings?, CancellationToken)"/>.</summary>
/// <remarks>
/// <para>The objective follows scikit-learn's <c>LogisticRegression(penalty="l2")</c>: minimize
/// <c>0.5 · ‖w‖² + C · Σᵢ sᵢ · logloss(yᵢ, b + xᵢ·w)</c> with an unpenalized intercept <c>b</c> and class weights <c>sᵢ</c>.</para>
/// <para>Immutable and validated on construction; value equality.</para>
/// </remarks>
public sealed record LogisticRegressionSettings
{
    /// <summary>The largest allowed <see cref="MaxIterations"/>.</summary>
    public const int MaxMaxIterations = 10_000;

    /// <summary>The default <see cref="C"/>.</summary>
    public const double DefaultC = 1.0;

    /// <summary>The default <see cref="Tolerance"/>.</summary>
    public const double DefaultTolerance = 1e-10;

    /// <summary>The default <see cref="MaxIterations"/>.</summary>
    public const int DefaultMaxIterations = 100;

    /// <summary>Creates settings.</summary>
    /// <param name="c">Inverse regularization strength, finite and &gt; 0 (scikit-learn <c>C</c>). The default is 1.</param>
    /// <param name="classWeights">Class weights; the default (<see langword="null"/>) is <see cref="ClassWeights.None"/>.</param>
    /// <param name="standardize">Whether features are standardized with the training mean and population SD first. The default is <see langword="true"/>.</param>
    /// <param name="missingValues">The missing-value policy; the default (<see langword="null"/>) is <see cref="MissingValuePolicy.Reject"/>.</param>
    /// <param name="tolerance">Convergence when the largest absolute gradient component of the objective divided by <c>C · Σ sᵢ</c> is at most this; in (0, 1e-2]. The default is 1e-10.</param>
    /// <param name="maxIterations">Newton iterations allowed, in [1, <see cref="MaxMaxIterations"/>]. The default is 100.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is outside its range.</exception>
    public LogisticRegressionSettings(
        double c = DefaultC,
        ClassWeights? classWeights = null,
        bool standardize = true,
        MissingValuePolicy? missingValues = null,
        double tolerance = DefaultTolerance,
        int maxIterations = DefaultMaxIterations)
    {
        if (!(double.IsFinite(c) && c > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "C must be a finite number > 0.");
        }

        if (tolerance is not (> 0 and <= 1e-2))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be in (0, 0.01].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxIterations, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxIterations, MaxMaxIterations);
        C = c;
        ClassWeights = classWeights ?? ClassWeights.None;
        Standardize = standardize;
        MissingValues = missingValues ?? MissingValuePolicy.Reject;
        Tolerance = tolerance;
        MaxIterations = maxIterations;
    }

    /// <summary>Gets the default settings.</summary>
    public static LogisticRegressionSettings Default { get; } = new();

    /// <summary>Gets the inverse regularization strength. <value>The default is 1.</value></summary>
    public double C { get; }

    /// <summary>Gets the class weights. <value>The default is <see cref="ClassWeights.None"/>.</value></summary>
    public ClassWeights ClassWeights { get; }

    /// <summary>Gets whether features are standardized (scikit-learn <c>StandardScaler</c>). <value>The default is <see langword="true"/>.</value></summary>
    public bool Standardize { get; }

    /// <summary>Gets the missing-value policy. <value>The default is <see cref="MissingValuePolicy.Reject"/>.</value></summary>
    public MissingValuePolicy MissingValues { get; }

    /// <summary>Gets the gradient tolerance. <value>The default is 1e-10.</value></summary>
    public double Tolerance { get; }

    /// <summary>Gets the iteration limit. <value>The default is 100.</value></summary>
    public int MaxIterations { get; }
}
