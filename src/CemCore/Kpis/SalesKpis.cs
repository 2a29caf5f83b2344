using CemCore.Merging;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Kpis;

/// <summary>Sales KPIs over the purchases before an as-of instant.</summary>
/// <param name="Customers">Distinct customers with at least one purchase.</param>
/// <param name="Orders">Distinct orders (rows sharing an order id are one order; a row without one is its own order).</param>
/// <param name="Revenue">The sum of the purchase amounts (returns are not subtracted).</param>
/// <param name="Aov">Average order value = revenue/orders, or <see langword="null"/> without orders.</param>
/// <param name="RepeatRate">The share of customers with ≥ 2 orders, or <see langword="null"/> without customers.</param>
public sealed record SalesKpiResult(long Customers, long Orders, decimal Revenue, double? Aov, double? RepeatRate)
{
    /// <summary>Gets the purchase frequency: orders per customer, or <see langword="null"/> without customers.</summary>
    public double? Frequency => Customers == 0 ? null : (double)Orders / Customers;

    /// <summary>Gets the historical CLV: revenue per customer so far, or <see langword="null"/> without customers.</summary>
    public double? HistoricalClv => Customers == 0 ? null : (double)Revenue / Customers;
}

/// <summary>
/// A mergeable accumulator of sales KPIs: per customer the set of its order keys, and the revenue. Rows may be partitioned in any way
/// (the same order may even appear in two partitions); merging unions the sets, so <see cref="Finish"/> is exactly the one-pass result.
/// </summary>
/// <remarks>Not thread-safe. Memory grows with the number of distinct orders; for one large table use <see cref="SalesKpis.Compute"/>.</remarks>
public sealed class SalesAccumulator : IMergeable<SalesAccumulator, SalesKpiResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.sales";

    private readonly Dictionary<string, HashSet<string>> _orders = new(StringComparer.Ordinal);
    private decimal _revenue;

    /// <summary>Adds one purchase row.</summary>
    /// <param name="customerId">The customer; not blank.</param>
    /// <param name="orderKey">The order id (rows of one order share it; give every row without an order id its own key).</param>
    /// <param name="amount">The amount; ≥ 0.</param>
    public void Add(string customerId, string orderKey, decimal amount)
    {
        Check.NotBlank(customerId);
        ArgumentNullException.ThrowIfNull(orderKey);
        Check.NonNegative(amount);
        if (!_orders.TryGetValue(customerId, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            _orders.Add(customerId, set);
        }

        set.Add(orderKey);
        _revenue += amount;
    }

    /// <summary>Adds another partition.</summary>
    /// <param name="other">The other accumulator.</param>
    public void Merge(SalesAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (customer, orders) in other._orders)
        {
            if (!_orders.TryGetValue(customer, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                _orders.Add(customer, set);
            }

            set.UnionWith(orders);
        }

        _revenue += other._revenue;
    }

    /// <inheritdoc/>
    /// <remarks>Version 1, no settings (the caller applies the as-of filter). Payload: revenue (decimal); customer count (int32); per customer in
    /// ordinal id order: id (string), order-key count (int32), the order keys in ordinal order (strings).</remarks>
    public PartialFormat Format { get; } = PartialFormat.WithoutSettings(KindId);

    /// <inheritdoc/>
    public SalesAccumulator MergeWith(SalesAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.WriteDecimal(_revenue);
        w.Write(_orders.Count);
        foreach (var (customer, orders) in _orders.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            w.Write(customer);
            w.Write(orders.Count);
            foreach (var key in orders.Order(StringComparer.Ordinal))
            {
                w.Write(key);
            }
        }
    }

    /// <inheritdoc/>
    public static SalesAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var acc = new SalesAccumulator { _revenue = Check.NonNegative(r.ReadDecimal(), "revenue") };
        var customers = r.ReadCount("customer");
        for (var c = 0; c < customers; c++)
        {
            var id = Check.NotBlank(r.ReadString(), "customerId");
            var n = r.ReadCount("order");
            var set = new HashSet<string>(n, StringComparer.Ordinal);
            for (var i = 0; i < n; i++)
            {
                set.Add(r.ReadString());
            }

            if (!acc._orders.TryAdd(id, set))
            {
                throw new InvalidDataException("The sales partial is corrupt: a customer appears twice.");
            }
        }

        return acc;
    });

    /// <summary>Computes the KPIs.</summary>
    /// <returns>The result.</returns>
    public SalesKpiResult Finish()
    {
        long orders = 0, repeat = 0;
        foreach (var set in _orders.Values)
        {
            orders += set.Count;
            repeat += set.Count >= 2 ? 1 : 0;
        }

        return SalesKpis.Create(_orders.Count, orders, repeat, _revenue);
    }
}

/// <summary>Sales KPIs of a transaction table: customers, orders, revenue, AOV, repeat-purchase rate, frequency, historical CLV.</summary>
public static class SalesKpis
{
    /// <summary>Computes the KPIs over the purchase rows strictly before <paramref name="asOf"/>.</summary>
    /// <param name="table">The transactions.</param>
    /// <param name="asOf">The exclusive end instant.</param>
    /// <returns>The result.</returns>
    public static SalesKpiResult Compute(TransactionTable table, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(table);
        var end = asOf.UtcTicks;
        var ticks = table.UtcTicks;
        var kinds = table.Kinds;
        var orderIndex = table.OrderIndex;
        var customerIndex = table.CustomerIndex;
        var orderSeen = new bool[table.OrderCount];
        var ordersOf = new int[table.CustomerIds.Count];
        decimal revenue = 0;
        long orders = 0;
        for (var i = 0; i < table.Count; i++)
        {
            if (ticks[i] >= end || kinds[i] != TransactionKind.Purchase)
            {
                continue;
            }

            revenue += table.AmountAt(i); // without building a packed column's decimals
            if (!orderSeen[orderIndex[i]])
            {
                orderSeen[orderIndex[i]] = true;
                orders++;
                ordersOf[customerIndex[i]]++;
            }
        }

        long customers = 0, repeat = 0;
        foreach (var n in ordersOf)
        {
            customers += n > 0 ? 1 : 0;
            repeat += n >= 2 ? 1 : 0;
        }

        return Create(customers, orders, repeat, revenue);
    }

    internal static SalesKpiResult Create(long customers, long orders, long repeat, decimal revenue) =>
        new(customers, orders, revenue, orders == 0 ? null : (double)revenue / orders, customers == 0 ? null : (double)repeat / customers);
}
