using System.Buffers;
using System.Globalization;
using CemCore.Churn;
using CemCore.Sources;

namespace CemCore.Uplift;

/// <summary>
/// A fitted uplift model: predicts, for one customer's features, the change in response probability caused by the treatment,
/// <c>τ(x) = P(Y = 1 | T = 1, x) − P(Y = 1 | T = 0, x)</c>, in [−1, 1]. Positive = persuadable, negative = "sleeping dog", near 0 = buys
/// anyway or never buys.
/// </summary>
/// <remarks>
/// <para>Built by <see cref="UpliftTrainer.Fit"/>. <see cref="UpliftMethod.TwoModel"/> holds <see cref="TreatedModel"/> and
/// <see cref="ControlModel"/>; <see cref="UpliftMethod.ClassTransformation"/> holds <see cref="TransformedModel"/>.</para>
/// <para>Immutable and thread-safe. Persist with <see cref="ToJson"/> / <see cref="FromJson(string)"/> (versioned; exact round trip).</para>
/// </remarks>
public sealed class UpliftModel
{
    /// <summary>The JSON document version written by <see cref="ToJson"/>.</summary>
    public const int JsonVersion = 1;

    /// <summary>The <c>format</c> member of the JSON document.</summary>
    public const string JsonFormat = "CemCore.Uplift.UpliftModel";

    internal UpliftModel(
        UpliftMethod method,
        LogisticRegressionModel? treated,
        LogisticRegressionModel? control,
        LogisticRegressionModel? transformed,
        int treatedRows,
        int controlRows,
        double treatedWeight,
        double controlWeight)
    {
        Method = method;
        TreatedModel = treated;
        ControlModel = control;
        TransformedModel = transformed;
        TreatedRows = treatedRows;
        ControlRows = controlRows;
        TreatedWeight = treatedWeight;
        ControlWeight = controlWeight;
        var first = transformed ?? treated!;
        if (control is not null && !first.FeatureNames.SequenceEqual(control.FeatureNames, StringComparer.Ordinal))
        {
            throw new ArgumentException("The treated and control models must have the same features in the same order.", nameof(control));
        }

        FeatureNames = first.FeatureNames;
    }

    /// <summary>Gets the method.</summary>
    public UpliftMethod Method { get; }

    /// <summary>Gets the feature names, in input order.</summary>
    public IReadOnlyList<string> FeatureNames { get; }

    /// <summary>Gets the number of features per row.</summary>
    public int FeatureCount => FeatureNames.Count;

    /// <summary>Gets the response model of the treated group (<see cref="UpliftMethod.TwoModel"/>), or <see langword="null"/>.</summary>
    public LogisticRegressionModel? TreatedModel { get; }

    /// <summary>Gets the response model of the control group (<see cref="UpliftMethod.TwoModel"/>), or <see langword="null"/>.</summary>
    public LogisticRegressionModel? ControlModel { get; }

    /// <summary>Gets the model of <c>P(Z = 1 | x)</c> (<see cref="UpliftMethod.ClassTransformation"/>), or <see langword="null"/>.</summary>
    public LogisticRegressionModel? TransformedModel { get; }

    /// <summary>Gets the number of treated training rows.</summary>
    public int TreatedRows { get; }

    /// <summary>Gets the number of control training rows.</summary>
    public int ControlRows { get; }

    /// <summary>Gets the weight <c>n / (2 n_T)</c> of a treated row in the class transformation (1 for a 50/50 split; recorded for both methods).</summary>
    public double TreatedWeight { get; }

    /// <summary>Gets the weight <c>n / (2 n_C)</c> of a control row in the class transformation.</summary>
    public double ControlWeight { get; }

    /// <summary>Gets whether every logistic regression of the model converged.</summary>
    public bool Converged => TransformedModel?.Diagnostics.Converged ?? (TreatedModel!.Diagnostics.Converged && ControlModel!.Diagnostics.Converged);

    /// <summary>Predicts the uplift of one customer.</summary>
    /// <param name="features">Exactly <see cref="FeatureCount"/> finite values in the order of <see cref="FeatureNames"/>.</param>
    /// <returns>The uplift in [−1, 1].</returns>
    /// <exception cref="ArgumentException">The length is not <see cref="FeatureCount"/>.</exception>
    public double Score(ReadOnlySpan<double> features) => TransformedModel is { } z
        ? (2.0 * z.Score(features)) - 1.0
        : TreatedModel!.Score(features) - ControlModel!.Score(features);

    /// <summary>Predicts the uplift of a row-major batch (no missing values; see <see cref="Score(FeatureMatrix)"/> for those).</summary>
    /// <param name="rowMajorFeatures"><c>destination.Length · FeatureCount</c> values, row-major, in the order of <see cref="FeatureNames"/>.</param>
    /// <param name="destination">Receives one uplift per row.</param>
    /// <exception cref="ArgumentException">The lengths do not match.</exception>
    /// <remarks>No allocation for the class transformation; the two-model method rents one buffer from the shared array pool.</remarks>
    public void ScoreBatch(ReadOnlySpan<double> rowMajorFeatures, Span<double> destination)
    {
        if (TransformedModel is { } z)
        {
            z.ScoreBatch(rowMajorFeatures, destination);
            foreach (ref var v in destination)
            {
                v = (2.0 * v) - 1.0;
            }

            return;
        }

        TreatedModel!.ScoreBatch(rowMajorFeatures, destination);
        var buffer = ArrayPool<double>.Shared.Rent(destination.Length);
        try
        {
            var control = buffer.AsSpan(0, destination.Length);
            ControlModel!.ScoreBatch(rowMajorFeatures, control);
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] -= control[i];
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>Predicts the uplift of every row of a matrix after each logistic model's missing-value policy.</summary>
    /// <param name="features">The matrix; it must contain every model feature by name (extra columns are ignored).</param>
    /// <returns>One uplift per row.</returns>
    /// <exception cref="ArgumentException">A model feature is missing from the matrix.</exception>
    /// <exception cref="DataFormatException">A value is infinite, or missing under the reject policy.</exception>
    public double[] Score(FeatureMatrix features)
    {
        if (TransformedModel is { } z)
        {
            var p = z.Score(features);
            for (var i = 0; i < p.Length; i++)
            {
                p[i] = (2.0 * p[i]) - 1.0;
            }

            return p;
        }

        var treated = TreatedModel!.Score(features);
        var control = ControlModel!.Score(features);
        for (var i = 0; i < treated.Length; i++)
        {
            treated[i] -= control[i];
        }

        return treated;
    }

    /// <summary>Writes the model as a versioned JSON document embedding its logistic models.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => UpliftModelJson.Write(this);

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The model, identical to the one written.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="DataFormatException">Not JSON, not an uplift model, an unsupported version, or a missing or invalid member (named in the message).</exception>
    public static UpliftModel FromJson(string json) => UpliftModelJson.Read(json);

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"UpliftModel({Method}, {FeatureCount} features, {TreatedRows} treated, {ControlRows} control)");
}
