namespace CemCore.Churn;

/// <summary>
/// A trained churn classifier: maps one customer's feature vector to the probability that the customer churns.
/// Implemented by <see cref="LogisticRegressionModel"/>; hosts can plug in their own (ML.NET, ONNX…) behind the same interface.
/// </summary>
/// <remarks>
/// <para>Features are dense <see cref="double"/> values in the order of <see cref="FeatureNames"/>; a batch is row-major
/// (row <c>i</c> at <c>[i · FeatureCount, (i + 1) · FeatureCount)</c>). Inputs must be complete (no NaN): apply the model's missing-value
/// policy before scoring.</para>
/// <para>Implementations must be immutable and safe for concurrent use.</para>
/// </remarks>
public interface IChurnModel
{
    /// <summary>Gets the feature names, in input order.</summary>
    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Gets the number of features per row.</summary>
    int FeatureCount { get; }

    /// <summary>Scores one customer.</summary>
    /// <param name="features">Exactly <see cref="FeatureCount"/> values.</param>
    /// <returns>The churn probability in [0, 1].</returns>
    /// <exception cref="ArgumentException">The length is not <see cref="FeatureCount"/>.</exception>
    double Score(ReadOnlySpan<double> features);

    /// <summary>Scores a row-major batch into <paramref name="destination"/>.</summary>
    /// <param name="rowMajorFeatures"><c>destination.Length · FeatureCount</c> values, row-major.</param>
    /// <param name="destination">Receives one probability per row.</param>
    /// <exception cref="ArgumentException">The lengths do not match.</exception>
    void ScoreBatch(ReadOnlySpan<double> rowMajorFeatures, Span<double> destination);
}
