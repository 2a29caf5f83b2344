using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using CemCore.Sources;

namespace CemCore.Churn;

/// <summary>
/// A trained L2-regularized logistic regression churn model: <c>p = σ(b + Σⱼ wⱼ · (xⱼ − μⱼ) / sⱼ)</c> with the training mean <c>μ</c> and
/// population standard deviation <c>s</c> of each feature (scikit-learn <c>StandardScaler</c> + <c>LogisticRegression</c>).
/// </summary>
/// <remarks>
/// <para><see cref="Coefficients"/> and <see cref="Intercept"/> are on the standardized scale (as scikit-learn reports them after a
/// <c>StandardScaler</c>); <see cref="RawCoefficients"/> and <see cref="RawIntercept"/> are the same model folded onto the raw features
/// (<c>wⱼ / sⱼ</c> and <c>b − Σ wⱼ μⱼ / sⱼ</c>) and are what scoring uses.</para>
/// <para>Scoring does not check for NaN (a NaN feature gives a NaN probability); call <see cref="PrepareRows(FeatureMatrix)"/> or
/// <see cref="PrepareRow(Span{double}, int)"/> to apply the missing-value policy recorded at training.</para>
/// <para>Immutable and thread-safe. Persist with <see cref="ToJson"/> / <see cref="FromJson(string)"/> (versioned; exact round trip).
/// Equality is by reference.</para>
/// </remarks>
public sealed class LogisticRegressionModel : IChurnModel
{
    /// <summary>The JSON document version written by <see cref="ToJson"/>.</summary>
    public const int JsonVersion = 1;

    /// <summary>The <c>format</c> member of the JSON document.</summary>
    public const string JsonFormat = "CemCore.Churn.LogisticRegressionModel";

    private readonly string[] _names;
    private readonly double[] _means;
    private readonly double[] _scales;
    private readonly double[] _coefficients;
    private readonly double[] _fill;
    private readonly double[] _raw;

    internal LogisticRegressionModel(
        string[] names,
        double[] means,
        double[] scales,
        double[] coefficients,
        double intercept,
        bool standardized,
        MissingValuePolicy missingValues,
        double[] fill,
        double c,
        ClassWeights classWeights,
        int trainingRows,
        LogisticRegressionDiagnostics diagnostics)
    {
        _names = names;
        _means = means;
        _scales = scales;
        _coefficients = coefficients;
        _fill = fill;
        Intercept = intercept;
        Standardized = standardized;
        MissingValues = missingValues;
        C = c;
        ClassWeights = classWeights;
        TrainingRows = trainingRows;
        Diagnostics = diagnostics;
        _raw = new double[names.Length];
        var rawIntercept = intercept;
        for (var j = 0; j < names.Length; j++)
        {
            _raw[j] = coefficients[j] / scales[j];
            rawIntercept -= _raw[j] * means[j];
        }

        RawIntercept = rawIntercept;
        if (!double.IsFinite(rawIntercept) || !Array.TrueForAll(_raw, double.IsFinite))
        {
            throw new ArgumentException("The coefficients divided by the scales overflow; the model cannot be applied to raw features.", nameof(scales));
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> FeatureNames => _names;

    /// <inheritdoc/>
    public int FeatureCount => _names.Length;

    /// <summary>Gets the training mean of each feature (0 when <see cref="Standardized"/> is false).</summary>
    public IReadOnlyList<double> Means => _means;

    /// <summary>Gets the training population standard deviation of each feature; 1 for a constant feature or when <see cref="Standardized"/> is false.</summary>
    public IReadOnlyList<double> Scales => _scales;

    /// <summary>Gets the coefficients on the standardized scale.</summary>
    public IReadOnlyList<double> Coefficients => _coefficients;

    /// <summary>Gets the intercept on the standardized scale.</summary>
    public double Intercept { get; }

    /// <summary>Gets the coefficients on the raw feature scale (<c>wⱼ / sⱼ</c>).</summary>
    public IReadOnlyList<double> RawCoefficients => _raw;

    /// <summary>Gets the intercept on the raw feature scale (<c>b − Σ wⱼ μⱼ / sⱼ</c>).</summary>
    public double RawIntercept { get; }

    /// <summary>Gets whether features were standardized.</summary>
    public bool Standardized { get; }

    /// <summary>Gets the missing-value policy applied by <see cref="PrepareRows(FeatureMatrix)"/>.</summary>
    public MissingValuePolicy MissingValues { get; }

    /// <summary>Gets the value that replaces a missing value of each feature (NaN when <see cref="MissingValues"/> rejects).</summary>
    public IReadOnlyList<double> FillValues => _fill;

    /// <summary>Gets the inverse regularization strength used in training.</summary>
    public double C { get; }

    /// <summary>Gets the class weights used in training.</summary>
    public ClassWeights ClassWeights { get; }

    /// <summary>Gets the number of training rows.</summary>
    public int TrainingRows { get; }

    /// <summary>Gets the convergence report of the fit.</summary>
    public LogisticRegressionDiagnostics Diagnostics { get; }

    /// <summary>Creates a model from coefficients on the standardized scale (for example exported from another tool).</summary>
    /// <param name="featureNames">Distinct feature names.</param>
    /// <param name="means">Feature means used for standardization.</param>
    /// <param name="scales">Feature scales (finite, &gt; 0).</param>
    /// <param name="coefficients">Standardized-scale coefficients.</param>
    /// <param name="intercept">Standardized-scale intercept.</param>
    /// <returns>A model with <see cref="MissingValuePolicy.Reject"/>, <c>C = 1</c> and no training information.</returns>
    /// <exception cref="ArgumentException">Lengths differ, a value is not finite, a scale is not positive, or the raw-scale coefficients overflow.</exception>
    public static LogisticRegressionModel FromStandardizedCoefficients(
        IReadOnlyList<string> featureNames,
        ReadOnlySpan<double> means,
        ReadOnlySpan<double> scales,
        ReadOnlySpan<double> coefficients,
        double intercept)
    {
        var names = FeatureMatrix.ValidateNames(featureNames);
        CheckVector(means, names.Length, nameof(means), positive: false);
        CheckVector(scales, names.Length, nameof(scales), positive: true);
        CheckVector(coefficients, names.Length, nameof(coefficients), positive: false);
        if (!double.IsFinite(intercept))
        {
            throw new ArgumentOutOfRangeException(nameof(intercept), intercept, "The intercept must be finite.");
        }

        var fill = new double[names.Length];
        fill.AsSpan().Fill(double.NaN);
        return new LogisticRegressionModel(
            names, means.ToArray(), scales.ToArray(), coefficients.ToArray(), intercept, standardized: true, MissingValuePolicy.Reject, fill, 1.0,
            ClassWeights.None, 0, new LogisticRegressionDiagnostics(0, 0, 0, LogisticRegressionStatus.Converged));
    }

    /// <inheritdoc/>
    public double Score(ReadOnlySpan<double> features)
    {
        if (features.Length != _raw.Length)
        {
            ThrowLength(features.Length, _raw.Length);
        }

        return LogisticKernels.ScoreOne(features, _raw, RawIntercept);
    }

    /// <inheritdoc/>
    /// <remarks>Zero allocations. Vectorized (Vector256) when the hardware supports it; results agree with the scalar formula to rounding.</remarks>
    public void ScoreBatch(ReadOnlySpan<double> rowMajorFeatures, Span<double> destination)
    {
        if (rowMajorFeatures.Length != (long)destination.Length * _raw.Length)
        {
            ThrowBatchLength(rowMajorFeatures.Length, destination.Length, nameof(rowMajorFeatures));
        }

        if (destination.IsEmpty)
        {
            return;
        }

        LogisticKernels.ScoreRowMajor(rowMajorFeatures, _raw, RawIntercept, destination);
    }

    /// <summary>Scores a feature-major (column-major) batch: feature <c>j</c> of all rows at <c>[j · n, (j + 1) · n)</c>, with <c>n = destination.Length</c>.</summary>
    /// <param name="featureMajorFeatures"><c>destination.Length · FeatureCount</c> values, feature-major.</param>
    /// <param name="destination">Receives one probability per row.</param>
    /// <exception cref="ArgumentException">The lengths do not match.</exception>
    /// <remarks>Zero allocations; the layout lets every row be scored with vertical SIMD only.</remarks>
    public void ScoreBatchFeatureMajor(ReadOnlySpan<double> featureMajorFeatures, Span<double> destination)
    {
        if (featureMajorFeatures.Length != (long)destination.Length * _raw.Length)
        {
            ThrowBatchLength(featureMajorFeatures.Length, destination.Length, nameof(featureMajorFeatures));
        }

        if (destination.IsEmpty)
        {
            return;
        }

        LogisticKernels.ScoreFeatureMajor(featureMajorFeatures, _raw, RawIntercept, destination);
    }

    /// <summary>Scores every row of a matrix after applying the missing-value policy.</summary>
    /// <param name="features">The matrix; it must contain every feature of the model by name (extra columns are ignored).</param>
    /// <returns>One probability per row.</returns>
    /// <exception cref="ArgumentException">A model feature is missing from the matrix.</exception>
    /// <exception cref="DataFormatException">A value is infinite, or missing under <see cref="MissingValueStrategy.Reject"/>.</exception>
    public double[] Score(FeatureMatrix features)
    {
        var prepared = PrepareRows(features);
        var result = new double[prepared.RowCount];
        ScoreBatch(prepared.Values, result);
        return result;
    }

    /// <summary>Returns the matrix reordered to the model's features with missing values handled by <see cref="MissingValues"/>.</summary>
    /// <param name="features">The matrix; it must contain every model feature by name (extra columns are ignored).</param>
    /// <returns>A matrix with exactly <see cref="FeatureNames"/> as columns and only finite values.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> is null.</exception>
    /// <exception cref="ArgumentException">A model feature is missing from the matrix.</exception>
    /// <exception cref="DataFormatException">A value is infinite, or missing under <see cref="MissingValueStrategy.Reject"/> (the message names the column and row).</exception>
    public FeatureMatrix PrepareRows(FeatureMatrix features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var k = _names.Length;
        var map = new int[k];
        for (var j = 0; j < k; j++)
        {
            map[j] = features.IndexOf(_names[j]);
            if (map[j] < 0)
            {
                throw new ArgumentException($"The matrix has no column '{_names[j]}', which the model needs.", nameof(features));
            }
        }

        var n = features.RowCount;
        var src = features.Values;
        var m = features.ColumnCount;
        var values = new double[checked(n * k)];
        for (var i = 0; i < n; i++)
        {
            var row = values.AsSpan(i * k, k);
            for (var j = 0; j < k; j++)
            {
                row[j] = src[(i * m) + map[j]];
            }

            PrepareRow(row, i);
        }

        return FeatureMatrix.Own(_names, values);
    }

    /// <summary>Applies the missing-value policy to one row in place (features in model order).</summary>
    /// <param name="features">The row; NaN values are replaced by <see cref="FillValues"/> unless the policy rejects them.</param>
    /// <param name="rowIndex">The 0-based row index used in error messages.</param>
    /// <exception cref="ArgumentException">The length is not <see cref="FeatureCount"/>.</exception>
    /// <exception cref="DataFormatException">A value is infinite, or missing under <see cref="MissingValueStrategy.Reject"/>.</exception>
    public void PrepareRow(Span<double> features, int rowIndex)
    {
        if (features.Length != _names.Length)
        {
            ThrowLength(features.Length, _names.Length);
        }

        for (var j = 0; j < features.Length; j++)
        {
            var v = features[j];
            if (double.IsNaN(v))
            {
                if (MissingValues.Strategy == MissingValueStrategy.Reject)
                {
                    throw MissingValue(_names[j], rowIndex);
                }

                features[j] = _fill[j];
            }
            else if (double.IsInfinity(v))
            {
                throw Infinite(_names[j], rowIndex);
            }
        }
    }

    /// <summary>Writes the model as a versioned JSON document (<see cref="JsonFormat"/>, version <see cref="JsonVersion"/>); doubles use round-trip formatting.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => LogisticRegressionModelJson.Write(this);

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The model, identical to the one written (every double bit-for-bit).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="DataFormatException">The text is not JSON, not a CemCore logistic model, of an unsupported version, or has a missing or invalid member (named in the message).</exception>
    public static LogisticRegressionModel FromJson(string json) => LogisticRegressionModelJson.Read(json);

    internal ReadOnlySpan<double> RawSpan => _raw;

    internal ReadOnlySpan<double> MeanSpan => _means;

    internal ReadOnlySpan<double> ScaleSpan => _scales;

    internal ReadOnlySpan<double> CoefficientSpan => _coefficients;

    internal ReadOnlySpan<double> FillSpan => _fill;

    internal static DataFormatException MissingValue(string column, int rowIndex) =>
        new(string.Create(CultureInfo.InvariantCulture, $"missing value (NaN) at 0-based row index {rowIndex}; the missing-value policy is Reject (use ImputeTrainingMean or ImputeConstant to fill it)."), null, rowIndex + 1L, column);

    internal static DataFormatException Infinite(string column, int rowIndex) =>
        new(string.Create(CultureInfo.InvariantCulture, $"infinite value at 0-based row index {rowIndex}; features must be finite."), null, rowIndex + 1L, column);

    private static void CheckVector(ReadOnlySpan<double> values, int length, string name, bool positive)
    {
        if (values.Length != length)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {length} values but got {values.Length}."), name);
        }

        foreach (var v in values)
        {
            if (!double.IsFinite(v) || (positive && v <= 0))
            {
                throw new ArgumentOutOfRangeException(name, v, positive ? "Every value must be finite and > 0." : "Every value must be finite.");
            }
        }
    }

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowLength(int actual, int expected, string paramName = "features") =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {expected} features but got {actual}."), paramName);

    [DoesNotReturn, StackTraceHidden]
    private void ThrowBatchLength(int actual, int rows, string paramName) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected destination.Length × FeatureCount = {rows} × {_raw.Length} = {(long)rows * _raw.Length} values but got {actual}."), paramName);
}
