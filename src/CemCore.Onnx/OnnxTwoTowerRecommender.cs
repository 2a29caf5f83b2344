using System.Globalization;
using CemCore.Recommendations;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace CemCore.Onnx;

/// <summary>The tensor names and shapes a two-tower model must declare.</summary>
/// <param name="UserInput">The user-feature input, float32 [N, user features].</param>
/// <param name="ItemInput">The item-feature input, float32 [M, item features].</param>
/// <param name="ScoreOutput">The output, float32 [N, M]: the score of every user × item pair.</param>
public sealed record TwoTowerSignature(string UserInput = "user", string ItemInput = "item", string ScoreOutput = "scores");

/// <summary>
/// An <see cref="IRecommender"/> over an ONNX two-tower model (for example a PyTorch or TensorFlow export): the customer's feature vector and
/// every item's feature vector go through the model in one run, and the items with the highest scores (ties by item id, ordinal) that the
/// customer has not bought are recommended.
/// </summary>
/// <remarks>
/// <para>The model is checked when it is loaded: the declared inputs and output must exist, be float32 and rank 2, and their feature
/// dimensions must equal the lengths of the given feature vectors; otherwise <see cref="InvalidDataException"/> names the mismatch.</para>
/// <para>A customer without a feature vector is a cold start: the fallback recommender answers (popular items), never an exception.</para>
/// <para>Thread-safe (ONNX Runtime sessions support concurrent runs). Dispose to release the native session.</para>
/// </remarks>
public sealed class OnnxTwoTowerRecommender : IRecommender, IDisposable
{
    private readonly InferenceSession _session;
    private readonly TwoTowerSignature _signature;
    private readonly IReadOnlyDictionary<string, float[]> _users;
    private readonly string[] _items;
    private readonly DenseTensor<float> _itemTensor;
    private readonly int _userDimension;
    private readonly PurchaseHistory? _history;
    private readonly IRecommender? _fallback;

    /// <summary>Loads a model from bytes.</summary>
    /// <param name="model">The ONNX model.</param>
    /// <param name="signature">Tensor names.</param>
    /// <param name="userFeatures">Feature vector per customer id (all the same length).</param>
    /// <param name="itemFeatures">Feature vector per item id (all the same length); the candidate items.</param>
    /// <param name="history">Purchases to exclude, or <see langword="null"/>.</param>
    /// <param name="fallback">The cold-start recommender, or <see langword="null"/> for an empty answer.</param>
    /// <exception cref="InvalidDataException">The model does not declare the expected inputs/output or their dimensions differ.</exception>
    /// <exception cref="ArgumentException">The feature vectors are empty, of different lengths, or not finite.</exception>
    public OnnxTwoTowerRecommender(byte[] model, TwoTowerSignature signature, IReadOnlyDictionary<string, float[]> userFeatures, IReadOnlyDictionary<string, float[]> itemFeatures, PurchaseHistory? history, IRecommender? fallback)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(userFeatures);
        ArgumentNullException.ThrowIfNull(itemFeatures);
        _userDimension = Dimension(userFeatures, nameof(userFeatures));
        var itemDimension = Dimension(itemFeatures, nameof(itemFeatures));
        InferenceSession session;
        try
        {
            session = new InferenceSession(model);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException("The bytes are not a loadable ONNX model: " + ex.Message, ex);
        }

        try
        {
            Check(session.InputMetadata, signature.UserInput, _userDimension, "input");
            Check(session.InputMetadata, signature.ItemInput, itemDimension, "input");
            Check(session.OutputMetadata, signature.ScoreOutput, null, "output");
        }
        catch
        {
            session.Dispose();
            throw;
        }

        _session = session;
        _signature = signature;
        _users = userFeatures;
        _history = history;
        _fallback = fallback;
        _items = [.. itemFeatures.Keys.Order(StringComparer.Ordinal)];
        _itemTensor = new DenseTensor<float>([_items.Length, itemDimension]);
        for (var i = 0; i < _items.Length; i++)
        {
            var v = itemFeatures[_items[i]];
            for (var k = 0; k < itemDimension; k++)
            {
                _itemTensor[i, k] = v[k];
            }
        }
    }

    /// <summary>Returns the model's score of every candidate item for a customer, or <see langword="null"/> for an unknown customer.</summary>
    /// <param name="customerId">The customer.</param>
    /// <returns>Item → score.</returns>
    public IReadOnlyDictionary<string, double>? Scores(string customerId)
    {
        var scores = Run(customerId);
        return scores is null ? null : _items.Select((item, i) => (item, i)).ToDictionary(p => p.item, p => (double)scores[p.i], StringComparer.Ordinal);
    }

    /// <inheritdoc/>
    public IReadOnlyList<ItemRecommendation> Recommend(string customerId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var scores = Run(customerId);
        if (scores is null)
        {
            return _fallback?.Recommend(customerId, count) ?? [];
        }

        var owned = _history is null ? [] : _history.ItemsOf(customerId).ToHashSet(StringComparer.Ordinal);
        return Enumerable.Range(0, _items.Length)
            .Where(i => !owned.Contains(_items[i]) && float.IsFinite(scores[i]))
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take(count)
            .Select(i => new ItemRecommendation(_items[i], scores[i], new RecommendationReason(RecommendationReasonKind.Model, null)))
            .ToArray();
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();

    private float[]? Run(string customerId)
    {
        if (customerId is null || !_users.TryGetValue(customerId, out var features))
        {
            return null;
        }

        var user = new DenseTensor<float>(features.ToArray(), [1, _userDimension]);
        NamedOnnxValue[] inputs = [NamedOnnxValue.CreateFromTensor(_signature.UserInput, user), NamedOnnxValue.CreateFromTensor(_signature.ItemInput, _itemTensor)];
        using var results = _session.Run(inputs, [_signature.ScoreOutput]);
        var tensor = results[0].AsTensor<float>();
        if (tensor.Dimensions.Length != 2 || tensor.Dimensions[0] != 1 || tensor.Dimensions[1] != _items.Length)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The model's output '{_signature.ScoreOutput}' has shape [{string.Join(", ", tensor.Dimensions.ToArray())}]; expected [1, {_items.Length}]."));
        }

        return tensor.ToArray();
    }

    private static int Dimension(IReadOnlyDictionary<string, float[]> features, string paramName)
    {
        if (features.Count == 0)
        {
            throw new ArgumentException("At least one feature vector is required.", paramName);
        }

        var d = -1;
        foreach (var (_, v) in features)
        {
            if (v is null || v.Length == 0 || (d >= 0 && v.Length != d) || !v.All(float.IsFinite))
            {
                throw new ArgumentException("Every feature vector must be non-empty, finite and of the same length.", paramName);
            }

            d = v.Length;
        }

        return d;
    }

    private static void Check(IReadOnlyDictionary<string, NodeMetadata> metadata, string name, int? dimension, string kind)
    {
        if (!metadata.TryGetValue(name, out var m))
        {
            throw new InvalidDataException($"The model has no {kind} named '{name}' (it declares: {string.Join(", ", metadata.Keys)}).");
        }

        if (m.ElementType != typeof(float) || m.Dimensions.Length != 2)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The model's {kind} '{name}' must be a rank-2 float32 tensor; it is {m.ElementType.Name} of rank {m.Dimensions.Length}."));
        }

        if (dimension is { } d && m.Dimensions[1] > 0 && m.Dimensions[1] != d)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"The model's {kind} '{name}' expects {m.Dimensions[1]} features, but the feature vectors have {d}."));
        }
    }
}
