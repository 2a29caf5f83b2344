using System.Globalization;

namespace CemCore.Recommendations;

/// <summary>One purchased item (or, with an empty <see cref="Item"/>, a basket or customer seen without items).</summary>
/// <param name="CustomerId">The customer's id; not blank.</param>
/// <param name="Item">The item id (SKU, category...); empty registers the customer and basket only.</param>
/// <param name="Timestamp">When it was bought.</param>
/// <param name="BasketId">The order id the item belongs to, or <see langword="null"/>.</param>
/// <param name="Category">The item's category, or <see langword="null"/>; used by content-based recommendation.</param>
/// <param name="Brand">The item's brand, or <see langword="null"/>.</param>
/// <param name="UnitPrice">The unit price paid, or <see langword="null"/>; non-negative and finite.</param>
public sealed record PurchaseEvent(string CustomerId, string Item, DateTimeOffset Timestamp, string? BasketId = null, string? Category = null, string? Brand = null, double? UnitPrice = null);

/// <summary>
/// An immutable customer × item purchase history: the binary incidence (bought at least once), purchase counts and times, baskets and
/// item attributes. Customers, items and baskets are indexed in ordinal order of their ids, so index order is the tie-break order.
/// </summary>
/// <remarks>Thread-safe. Build it with <see cref="Create"/> or <see cref="PurchaseHistoryCsv"/>.</remarks>
public sealed class PurchaseHistory
{
    private readonly Dictionary<string, int> _customerIndex;
    private readonly Dictionary<string, int> _itemIndex;

    private PurchaseHistory(string[] customers, string[] items, string[] baskets, EventArrays events, ItemAttributes attributes)
    {
        Customers = Array.AsReadOnly(customers);
        Items = Array.AsReadOnly(items);
        Baskets = Array.AsReadOnly(baskets);
        Events = events;
        Attributes = attributes;
        _customerIndex = Index(customers);
        _itemIndex = Index(items);
        (CustomerStart, CustomerItems, CustomerLastTicks, CustomerCounts) = BuildCustomerRows(customers.Length, events);
        (ItemStart, ItemCustomers) = Transpose(customers.Length, items.Length, CustomerStart, CustomerItems);
        (BasketStart, BasketItems) = BuildBasketRows(baskets.Length, events);
        EventsByCustomer = GroupEvents();
    }

    /// <summary>Gets the customer ids in ordinal order (customers seen without items included).</summary>
    public IReadOnlyList<string> Customers { get; }

    /// <summary>Gets the item ids in ordinal order.</summary>
    public IReadOnlyList<string> Items { get; }

    /// <summary>Gets the basket (order) ids in ordinal order, empty baskets included.</summary>
    public IReadOnlyList<string> Baskets { get; }

    /// <summary>Gets the latest event timestamp (UTC), or <see langword="null"/> when there are no events.</summary>
    public DateTimeOffset? LatestTimestamp => Events.Count == 0 ? null : new DateTimeOffset(Events.Ticks.Max(), TimeSpan.Zero);

    /// <summary>Gets the number of purchase events with an item.</summary>
    public int EventCount => Events.Count;

    internal EventArrays Events { get; }

    internal ItemAttributes Attributes { get; }

    internal int[] CustomerStart { get; }

    internal int[] CustomerItems { get; }

    internal long[] CustomerLastTicks { get; }

    internal int[] CustomerCounts { get; }

    internal int[] ItemStart { get; }

    internal int[] ItemCustomers { get; }

    internal int[] BasketStart { get; }

    internal int[] BasketItems { get; }

    /// <summary>Gets the indices of the events with an item, grouped by customer .</summary>
    internal (int[] Start, int[] Events) EventsByCustomer { get; }

    /// <summary>Builds a history from events.</summary>
    /// <param name="events">The events.</param>
    /// <returns>The history.</returns>
    /// <exception cref="ArgumentException">A customer id is blank or a unit price is negative or not finite.</exception>
    public static PurchaseHistory Create(IEnumerable<PurchaseEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var b = new Builder();
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e, nameof(events));
            if (string.IsNullOrWhiteSpace(e.CustomerId))
            {
                throw new ArgumentException("Every event needs a customer id (blank seen).", nameof(events));
            }

            if (e.UnitPrice is { } p && !(double.IsFinite(p) && p >= 0))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"A unit price must be finite and non-negative, not {p}."), nameof(events));
            }

            b.Add(e.CustomerId, e.Item ?? string.Empty, e.BasketId, e.Timestamp.UtcTicks, e.Category, e.Brand, e.UnitPrice ?? double.NaN);
        }

        return b.Build();
    }

    /// <summary>Returns the index of a customer, or -1 when unknown.</summary>
    /// <param name="customerId">The id.</param>
    /// <returns>The index or -1.</returns>
    public int IndexOfCustomer(string customerId) => customerId is not null && _customerIndex.TryGetValue(customerId, out var i) ? i : -1;

    /// <summary>Returns the index of an item, or -1 when unknown.</summary>
    /// <param name="item">The id.</param>
    /// <returns>The index or -1.</returns>
    public int IndexOfItem(string item) => item is not null && _itemIndex.TryGetValue(item, out var i) ? i : -1;

    /// <summary>Returns the distinct items a customer bought, in ordinal order (empty for an unknown customer).</summary>
    /// <param name="customerId">The id.</param>
    /// <returns>The items.</returns>
    public IReadOnlyList<string> ItemsOf(string customerId)
    {
        var c = IndexOfCustomer(customerId);
        if (c < 0)
        {
            return [];
        }

        var list = new string[CustomerStart[c + 1] - CustomerStart[c]];
        for (var k = 0; k < list.Length; k++)
        {
            list[k] = Items[CustomerItems[CustomerStart[c] + k]];
        }

        return list;
    }

    /// <summary>Returns the number of distinct customers who bought an item (0 when unknown).</summary>
    /// <param name="item">The item.</param>
    /// <returns>The count.</returns>
    public int CustomerCountOf(string item)
    {
        var i = IndexOfItem(item);
        return i < 0 ? 0 : ItemStart[i + 1] - ItemStart[i];
    }

    /// <summary>Returns the events before <paramref name="split"/> (exclusive) or at/after it, as a new history.</summary>
    /// <param name="split">The split instant.</param>
    /// <param name="after">False for the events before the split, true for the events at or after it.</param>
    /// <returns>The history of that side; customers and baskets without events on that side are left out.</returns>
    public PurchaseHistory Split(DateTimeOffset split, bool after)
    {
        var ticks = split.UtcTicks;
        var b = new Builder();
        var e = Events;
        for (var k = 0; k < e.Count; k++)
        {
            if ((e.Ticks[k] >= ticks) == after)
            {
                b.Add(Customers[e.Customer[k]], e.Item[k] < 0 ? string.Empty : Items[e.Item[k]], e.Basket[k] < 0 ? null : Baskets[e.Basket[k]], e.Ticks[k],
                    e.Item[k] < 0 ? null : Attributes.Category[e.Item[k]], e.Item[k] < 0 ? null : Attributes.Brand[e.Item[k]], e.Price[k]);
            }
        }

        return b.Build();
    }

    internal int ItemDegree(int item) => ItemStart[item + 1] - ItemStart[item];

    internal ReadOnlySpan<int> ItemsOfIndex(int customer) => CustomerItems.AsSpan(CustomerStart[customer], CustomerStart[customer + 1] - CustomerStart[customer]);

    private (int[] Start, int[] Events) GroupEvents()
    {
        var e = Events;
        var start = new int[Customers.Count + 1];
        for (var k = 0; k < e.Count; k++)
        {
            if (e.Item[k] >= 0)
            {
                start[e.Customer[k] + 1]++;
            }
        }

        for (var c = 0; c < Customers.Count; c++)
        {
            start[c + 1] += start[c];
        }

        var fill = start[..^1].ToArray();
        var events = new int[start[^1]];
        for (var k = 0; k < e.Count; k++)
        {
            if (e.Item[k] >= 0)
            {
                events[fill[e.Customer[k]]++] = k;
            }
        }

        return (start, events);
    }

    private static Dictionary<string, int> Index(string[] names)
    {
        var d = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            d[names[i]] = i;
        }

        return d;
    }

    private static (int[] Start, int[] Items, long[] Last, int[] Counts) BuildCustomerRows(int customers, EventArrays e)
    {
        // Group event indices by customer, then by item.
        var order = new int[e.Count];
        for (var k = 0; k < order.Length; k++)
        {
            order[k] = k;
        }

        var keys = new long[e.Count];
        for (var k = 0; k < keys.Length; k++)
        {
            keys[k] = ((long)e.Customer[k] << 32) | (uint)(e.Item[k] + 1);
        }

        Array.Sort(keys, order);
        var start = new int[customers + 1];
        var items = new List<int>(e.Count);
        var last = new List<long>(e.Count);
        var counts = new List<int>(e.Count);
        var prev = long.MinValue;
        foreach (var k in order)
        {
            if (e.Item[k] < 0)
            {
                continue;
            }

            var key = ((long)e.Customer[k] << 32) | (uint)(e.Item[k] + 1);
            if (key != prev)
            {
                items.Add(e.Item[k]);
                last.Add(e.Ticks[k]);
                counts.Add(1);
                start[e.Customer[k] + 1]++;
                prev = key;
            }
            else
            {
                last[^1] = Math.Max(last[^1], e.Ticks[k]);
                counts[^1]++;
            }
        }

        for (var c = 0; c < customers; c++)
        {
            start[c + 1] += start[c];
        }

        return (start, [.. items], [.. last], [.. counts]);
    }

    private static (int[] Start, int[] Rows) Transpose(int rows, int cols, int[] start, int[] values)
    {
        var t = new int[cols + 1];
        foreach (var v in values)
        {
            t[v + 1]++;
        }

        for (var j = 0; j < cols; j++)
        {
            t[j + 1] += t[j];
        }

        var fill = t[..^1].ToArray();
        var outRows = new int[values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var p = start[r]; p < start[r + 1]; p++)
            {
                outRows[fill[values[p]]++] = r;
            }
        }

        return (t, outRows);
    }

    private static (int[] Start, int[] Items) BuildBasketRows(int baskets, EventArrays e)
    {
        var pairs = new List<long>();
        for (var k = 0; k < e.Count; k++)
        {
            if (e.Basket[k] >= 0 && e.Item[k] >= 0)
            {
                pairs.Add(((long)e.Basket[k] << 32) | (uint)e.Item[k]);
            }
        }

        pairs.Sort();
        var start = new int[baskets + 1];
        var items = new List<int>(pairs.Count);
        var prev = long.MinValue;
        foreach (var p in pairs)
        {
            if (p != prev)
            {
                items.Add((int)(p & 0xFFFFFFFF));
                start[(int)(p >> 32) + 1]++;
                prev = p;
            }
        }

        for (var i = 0; i < baskets; i++)
        {
            start[i + 1] += start[i];
        }

        return (start, [.. items]);
    }

    /// <summary>Columnar events (item -1 for an event without item; basket -1 when none; price NaN when unknown).</summary>
    internal sealed class EventArrays(int[] customer, int[] item, int[] basket, long[] ticks, double[] price)
    {
        public int Count => Customer.Length;

        public int[] Customer { get; } = customer;

        public int[] Item { get; } = item;

        public int[] Basket { get; } = basket;

        public long[] Ticks { get; } = ticks;

        public double[] Price { get; } = price;
    }

    /// <summary>Per item: most frequent category and brand (ties ordinal), median unit price (NaN when unknown).</summary>
    internal sealed class ItemAttributes(string?[] category, string?[] brand, double[] price)
    {
        public string?[] Category { get; } = category;

        public string?[] Brand { get; } = brand;

        public double[] Price { get; } = price;
    }

    /// <summary>Accumulates events; ids are interned once.</summary>
    internal sealed class Builder
    {
        private readonly Dictionary<string, int> _customers = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _items = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _baskets = new(StringComparer.Ordinal);
        private readonly List<int> _c = [];
        private readonly List<int> _i = [];
        private readonly List<int> _b = [];
        private readonly List<long> _t = [];
        private readonly List<double> _p = [];
        private readonly List<Dictionary<string, int>?> _category = [];
        private readonly List<Dictionary<string, int>?> _brand = [];

        public int EventCount => _c.Count;

        public void Add(string customer, string item, string? basket, long ticks, string? category, string? brand, double price)
        {
            _c.Add(Intern(_customers, customer));
            var i = -1;
            if (item.Length > 0)
            {
                i = Intern(_items, item);
                if (i == _category.Count)
                {
                    _category.Add(null);
                    _brand.Add(null);
                }

                Count(_category, i, category);
                Count(_brand, i, brand);
            }

            _i.Add(i);
            _b.Add(string.IsNullOrEmpty(basket) ? -1 : Intern(_baskets, basket));
            _t.Add(ticks);
            _p.Add(item.Length > 0 ? price : double.NaN);
        }

        public PurchaseHistory Build()
        {
            var (customers, cMap) = Sorted(_customers);
            var (items, iMap) = Sorted(_items);
            var (baskets, bMap) = Sorted(_baskets);
            var n = _c.Count;
            var c = new int[n];
            var it = new int[n];
            var b = new int[n];
            for (var k = 0; k < n; k++)
            {
                c[k] = cMap[_c[k]];
                it[k] = _i[k] < 0 ? -1 : iMap[_i[k]];
                b[k] = _b[k] < 0 ? -1 : bMap[_b[k]];
            }

            var events = new EventArrays(c, it, b, [.. _t], [.. _p]);
            var category = new string?[items.Length];
            var brand = new string?[items.Length];
            var prices = new List<double>[items.Length];
            for (var old = 0; old < _category.Count; old++)
            {
                category[iMap[old]] = Mode(_category[old]);
                brand[iMap[old]] = Mode(_brand[old]);
            }

            for (var k = 0; k < n; k++)
            {
                if (it[k] >= 0 && !double.IsNaN(events.Price[k]))
                {
                    (prices[it[k]] ??= []).Add(events.Price[k]);
                }
            }

            var median = new double[items.Length];
            for (var i = 0; i < items.Length; i++)
            {
                median[i] = Median(prices[i]);
            }

            return new PurchaseHistory(customers, items, baskets, events, new ItemAttributes(category, brand, median));
        }

        private static int Intern(Dictionary<string, int> map, string key)
        {
            if (!map.TryGetValue(key, out var i))
            {
                i = map.Count;
                map.Add(key, i);
            }

            return i;
        }

        private static void Count(List<Dictionary<string, int>?> counts, int item, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            var d = counts[item] ??= new Dictionary<string, int>(StringComparer.Ordinal);
            d[value] = d.GetValueOrDefault(value) + 1;
        }

        private static string? Mode(Dictionary<string, int>? counts) =>
            counts is null ? null : counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).First().Key;

        private static double Median(List<double>? values)
        {
            if (values is null || values.Count == 0)
            {
                return double.NaN;
            }

            values.Sort();
            var m = values.Count / 2;
            return values.Count % 2 == 1 ? values[m] : (values[m - 1] + values[m]) / 2;
        }

        private static (string[] Names, int[] Map) Sorted(Dictionary<string, int> ids)
        {
            var names = new string[ids.Count];
            foreach (var (k, v) in ids)
            {
                names[v] = k;
            }

            var order = new int[names.Length];
            for (var k = 0; k < order.Length; k++)
            {
                order[k] = k;
            }

            var sorted = (string[])names.Clone();
            Array.Sort(sorted, order, StringComparer.Ordinal);
            var map = new int[names.Length];
            for (var k = 0; k < order.Length; k++)
            {
                map[order[k]] = k;
            }

            return (sorted, map);
        }
    }
}
