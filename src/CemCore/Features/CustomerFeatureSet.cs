namespace CemCore.Features;

/// <summary>The features of every customer of a <see cref="Transactions.TransactionTable"/> as of one instant.</summary>
/// <remarks>Immutable and thread-safe. Customers appear in the table's first-appearance order; customers whose transactions all lie at or
/// after <see cref="AsOf"/> are present with zero purchases.</remarks>
public sealed class CustomerFeatureSet : IReadOnlyList<CustomerFeatures>
{
    private readonly CustomerFeatures[] _items;
    private Dictionary<string, int>? _index;

    internal CustomerFeatureSet(CustomerFeatures[] items, DateTimeOffset asOf, FeatureSettings settings)
    {
        _items = items;
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
    public CustomerFeatures this[int index] => _items[index];

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
            features = _items[i];
            return true;
        }

        features = null;
        return false;
    }

    /// <inheritdoc/>
    public IEnumerator<CustomerFeatures> GetEnumerator() => ((IEnumerable<CustomerFeatures>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private Dictionary<string, int> BuildIndex()
    {
        var index = new Dictionary<string, int>(_items.Length, StringComparer.Ordinal);
        for (var i = 0; i < _items.Length; i++)
        {
            index[_items[i].CustomerId] = i;
        }

        Interlocked.CompareExchange(ref _index, index, null);
        return _index;
    }
}
