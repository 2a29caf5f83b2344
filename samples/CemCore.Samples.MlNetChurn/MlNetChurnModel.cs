using CemCore.Churn;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace CemCore.Samples.MlNetChurn;

/// <summary>
/// Adapter: a trained ML.NET binary classifier (any trainer whose output has a <c>Probability</c> column, fed by a float vector column
/// <c>Features</c>) behind CemCore's <see cref="IChurnModel"/>, so hosts can swap it for the built-in logistic regression.
/// </summary>
/// <remarks>
/// Thread-safe: ML.NET's <see cref="PredictionEngine{TSrc, TDst}"/> is not, so single scores use one engine per thread
/// (<see cref="ThreadLocal{T}"/>); batches go through <see cref="ITransformer.Transform"/>, which is safe to call concurrently.
/// Features are converted from double to float, as ML.NET works in single precision.
/// </remarks>
internal sealed class MlNetChurnModel : IChurnModel, IDisposable
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly string[] _names;
    private readonly ThreadLocal<PredictionEngine<Input, Output>> _engine;

    public MlNetChurnModel(MLContext ml, ITransformer model, IReadOnlyList<string> featureNames)
    {
        _ml = ml;
        _model = model;
        _names = [.. featureNames];
        _engine = new ThreadLocal<PredictionEngine<Input, Output>>(
            () => _ml.Model.CreatePredictionEngine<Input, Output>(_model, inputSchemaDefinition: Schema(_names.Length)));
    }

    public IReadOnlyList<string> FeatureNames => _names;

    public int FeatureCount => _names.Length;

    public double Score(ReadOnlySpan<double> features)
    {
        if (features.Length != _names.Length)
        {
            throw new ArgumentException($"Expected {_names.Length} features but got {features.Length}.", nameof(features));
        }

        var input = new Input { Features = ToFloat(features) };
        return _engine.Value!.Predict(input).Probability;
    }

    public void ScoreBatch(ReadOnlySpan<double> rowMajorFeatures, Span<double> destination)
    {
        var k = _names.Length;
        if (rowMajorFeatures.Length != (long)destination.Length * k)
        {
            throw new ArgumentException($"Expected {destination.Length} × {k} values but got {rowMajorFeatures.Length}.", nameof(rowMajorFeatures));
        }

        var rows = new Input[destination.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = new Input { Features = ToFloat(rowMajorFeatures.Slice(i * k, k)) };
        }

        var scored = _model.Transform(_ml.Data.LoadFromEnumerable(rows, Schema(k)));
        var column = scored.Schema["Probability"];
        using var cursor = scored.GetRowCursor([column]);
        var getter = cursor.GetGetter<float>(column);
        float p = 0;
        var r = 0;
        while (cursor.MoveNext())
        {
            getter(ref p);
            destination[r++] = p;
        }
    }

    public void Dispose() => _engine.Dispose();

    internal static SchemaDefinition Schema(int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(Input));
        schema[nameof(Input.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return schema;
    }

    private static float[] ToFloat(ReadOnlySpan<double> values)
    {
        var f = new float[values.Length];
        for (var j = 0; j < f.Length; j++)
        {
            f[j] = (float)values[j];
        }

        return f;
    }

    internal sealed class Input
    {
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }

    internal sealed class Output
    {
        public float Probability { get; set; }
    }
}
