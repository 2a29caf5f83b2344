namespace CemCore.Features;

/// <summary>The features of every customer of a <see cref="Transactions.TransactionTable"/> as of one instant.</summary>
/// <remarks>
/// <para>Immutable and thread-safe. Customers appear in the table's first-appearance order; customers whose transactions all lie at or
/// after <see cref="AsOf"/> are present with zero purchases.</para>
/// <para>A set computed by <see cref="FeatureExtractor"/> keeps its values packed in a few large arrays and makes a customer's
/// <see cref="CustomerFeatures"/> object when it is first asked for (by the indexer, <see cref="TryGet"/> or enumeration); later requests
/// return the same object.</para>
/// </remarks>
public sealed class CustomerFeatureSet : IReadOnlyList<CustomerFeatures>
{
    private readonly CustomerFeatures?[] _items;
    private readonly FeatureStore? _store;
    private Dictionary<string, int>? _index;

    internal CustomerFeatureSet(CustomerFeatures[] items, DateTimeOffset asOf, FeatureSettings settings)
    {
        _items = items;
        AsOf = asOf;
        Settings = settings;
    }

    internal CustomerFeatureSet(FeatureStore store, DateTimeOffset asOf, FeatureSettings settings)
    {
        _store = store;
        _items = new CustomerFeatures?[store.Values.Length];
        AsOf = asOf;
        Settings = settings;
    }

    /// <summary>Gets the exclusive as-of instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the settings used.</summary>
    public FeatureSettings Settings { get; }

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public CustomerFeatures this[int index] => Volatile.Read(ref _items[index]) ?? Materialize(index);

    /// <summary>Finds a customer's features by id.</summary>
    /// <param name="customerId">The CRM id.</param>
    /// <param name="features">The features when found.</param>
    /// <returns><see langword="true"/> when the customer is in the set.</returns>
    public bool TryGet(string customerId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out CustomerFeatures? features)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        var index = _index ?? BuildIndex();
        if (index.TryGetValue(customerId, out var i))
        {
            features = this[i];
            return true;
        }

        features = null;
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<CustomerFeatures> GetEnumerator()
    {
        for (var i = 0; i < _items.Length; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Gets the id of the customer at <paramref name="index"/> without making its features object.</summary>
    private string CustomerIdAt(int index) => _store is { } store ? store.CustomerIds[index] : this[index].CustomerId;

    private CustomerFeatures Materialize(int index)
    {
        var store = _store!;
        var chunk = index >> store.ChunkShift;
        var made = new CustomerFeatures(store.CustomerIds[index], AsOf, in store.Values[index], store.Categories[chunk], store.Channels[chunk]);
        return Interlocked.CompareExchange(ref _items[index], made, null) ?? made;
    }

    private Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(_items.Length, StringComparer.Ordinal);
        for (var i = 0; i < _items.Length; i++)
        {
            index[CustomerIdAt(i)] = i;
        }

        Interlocked.CompareExchange(ref _index, index, null);
        return _index;
    }
}

/// <summary>
/// The packed result of one extraction: each customer's values (in the table's customer order), its id, and per chunk of
/// 2^<see cref="ChunkShift"/> customers the shared category and channel arrays that the values slice.
/// </summary>
internal sealed record FeatureStore(string[] CustomerIds, FeatureValues[] Values, CategoryStat[][] Categories, ChannelStat[][] Channels, int ChunkShift);
