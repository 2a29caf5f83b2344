using CemCore.Primitives;

namespace CemCore.Transactions;

/// <summary>
/// A columnar (struct-of-arrays) table of transaction rows, the input of batch feature extraction.
/// Each row is one order line, or one whole transaction when lines are not known.
/// </summary>
/// <remarks>
/// <para>Built with <see cref="TransactionTableBuilder"/>. Immutable and safe for concurrent reads.</para>
/// <para>Rows that share an order id belong to one order (they agree on customer, instant and kind; the builder checks it).
/// Rows without an order id are one order each. Row order is the order of <c>Add</c> calls; it need not be time order.</para>
/// </remarks>
public sealed class TransactionTable
{
    private readonly string[] _customerIds;
    private readonly int[] _customer;
    private readonly long[] _ticks;
    // Money columns: packed (PackedMoney, 8 bytes per row) when every value of the column packs, else decimals. A packed column's
    // decimals are built on the first read of Amounts / Discounts and kept (issue 17: the library's own kernels read the packed cents).
    private readonly long[]? _amountPacked;
    private readonly long[]? _discountPacked;
    private decimal[]? _amount;
    private decimal[]? _discount;
    private readonly TransactionKind[] _kind;
    private readonly int[] _order;
    private readonly int[] _category;
    private readonly int[] _channel;
    private readonly int[] _quantity;
    private readonly int[] _originalOrder;
    private readonly ReturnReason[] _reason;

    internal TransactionTable(
        int count,
        string[] customerIds,
        string[] categories,
        SalesChannel[] channels,
        int orderCount,
        int[] customer,
        long[] ticks,
        long[]? amountPacked,
        decimal[]? amount,
        long[]? discountPacked,
        decimal[]? discount,
        TransactionKind[] kind,
        int[] order,
        int[] category,
        int[] channel,
        int[] quantity,
        int[] originalOrder,
        ReturnReason[] reason)
    {
        Count = count;
        _customerIds = customerIds;
        CustomerIds = Array.AsReadOnly(customerIds);
        Categories = Array.AsReadOnly(categories);
        Channels = Array.AsReadOnly(channels);
        OrderCount = orderCount;
        _customer = customer;
        _ticks = ticks;
        if ((amountPacked is null) == (amount is null) || (discountPacked is null) == (discount is null))
        {
            throw new ArgumentException("Each money column is either packed or in decimals.");
        }

        _amountPacked = amountPacked;
        _amount = amount;
        _discountPacked = discountPacked;
        _discount = discount;
        _kind = kind;
        _order = order;
        _category = category;
        _channel = channel;
        _quantity = quantity;
        _originalOrder = originalOrder;
        _reason = reason;
    }

    /// <summary>Gets the number of rows.</summary>
    public int Count { get; }

    /// <summary>Gets the number of distinct orders (purchases and returns).</summary>
    public int OrderCount { get; }

    /// <summary>Gets the distinct customer ids, indexed by <see cref="CustomerIndex"/> (first-appearance order).</summary>
    public IReadOnlyList<string> CustomerIds { get; }

    /// <summary>Gets the distinct non-empty categories, indexed by <see cref="CategoryIndex"/>.</summary>
    public IReadOnlyList<string> Categories { get; }

    /// <summary>Gets the distinct specified channels, indexed by <see cref="ChannelIndex"/>.</summary>
    public IReadOnlyList<SalesChannel> Channels { get; }

    /// <summary>Gets each row's customer index into <see cref="CustomerIds"/>.</summary>
    public ReadOnlySpan<int> CustomerIndex => _customer.AsSpan(0, Count);

    /// <summary>Gets each row's instant as UTC ticks (<see cref="DateTimeOffset.UtcTicks"/>).</summary>
    public ReadOnlySpan<long> UtcTicks => _ticks.AsSpan(0, Count);

    /// <summary>Gets each row's amount (non-negative; the kind gives the sign).</summary>
    /// <remarks>When every amount of the table has at most 2 decimals and fewer than 2^32 units of its last decimal place (up to
    /// 42,949,672.95 with cents), the column is stored in 8 bytes per row; then the first read of this property builds the decimal column
    /// (16 bytes per row more) and keeps it. The values are the decimals added, with their scale. The library's own aggregations read
    /// the compact column and do not build it.</remarks>
    public ReadOnlySpan<decimal> Amounts => (Volatile.Read(ref _amount) ?? Unpacked(ref _amount, _amountPacked!)).AsSpan(0, Count);

    /// <summary>Gets each row's discount (non-negative).</summary>
    /// <remarks>Stored as <see cref="Amounts"/> is: the first read may build the decimal column.</remarks>
    public ReadOnlySpan<decimal> Discounts => (Volatile.Read(ref _discount) ?? Unpacked(ref _discount, _discountPacked!)).AsSpan(0, Count);

    /// <summary>Gets the packed amounts (<see cref="PackedMoney"/>, at least <see cref="Count"/> long), or <see langword="null"/> when
    /// some amount does not pack (then <see cref="Amounts"/> holds them).</summary>
    internal long[]? PackedAmounts => _amountPacked;

    /// <summary>Gets the packed discounts, or <see langword="null"/> (see <see cref="PackedAmounts"/>).</summary>
    internal long[]? PackedDiscounts => _discountPacked;

    /// <summary>Gets row <paramref name="row"/>'s amount without building the decimal column.</summary>
    internal decimal AmountAt(int row) => _amountPacked is { } packed ? PackedMoney.Unpack(packed[row]) : _amount![row];

    /// <summary>The same table with its money columns in decimals (as a table whose amounts do not pack keeps them): for tests and
    /// benchmarks that compare the packed and the decimal paths. Shares every other column.</summary>
    internal TransactionTable WithDecimalMoneyColumns()
    {
        return new(
            Count, _customerIds, [.. Categories], [.. Channels], OrderCount, _customer, _ticks, null, Decimals(_amountPacked, _amount), null,
            Decimals(_discountPacked, _discount), _kind, _order, _category, _channel, _quantity, _originalOrder, _reason);

        decimal[] Decimals(long[]? packed, decimal[]? decimals) => packed is null ? decimals.AsSpan(0, Count).ToArray() : Unpack(packed);
    }

    /// <summary>The decimals of a packed column, built once (concurrent first reads may build equal arrays; one is kept).</summary>
    private decimal[] Unpacked(ref decimal[]? field, long[] packed)
    {
        var decimals = Unpack(packed);
        return Interlocked.CompareExchange(ref field, decimals, null) ?? decimals;
    }

    /// <summary>The decimals of the table's rows of a packed column.</summary>
    private decimal[] Unpack(long[] packed)
    {
        var decimals = GC.AllocateUninitializedArray<decimal>(Count);
        for (var i = 0; i < decimals.Length; i++)
        {
            decimals[i] = PackedMoney.Unpack(packed[i]);
        }

        return decimals;
    }

    /// <summary>Gets each row's kind.</summary>
    public ReadOnlySpan<TransactionKind> Kinds => _kind.AsSpan(0, Count);

    /// <summary>Gets each row's order number in [0, <see cref="OrderCount"/>); rows of one order share it.</summary>
    public ReadOnlySpan<int> OrderIndex => _order.AsSpan(0, Count);

    /// <summary>Gets each row's category index into <see cref="Categories"/>, or -1 when none.</summary>
    public ReadOnlySpan<int> CategoryIndex => _category.AsSpan(0, Count);

    /// <summary>Gets each row's channel index into <see cref="Channels"/>, or -1 when unspecified.</summary>
    public ReadOnlySpan<int> ChannelIndex => _channel.AsSpan(0, Count);

    /// <summary>Gets each row's quantity (at least 1).</summary>
    public ReadOnlySpan<int> Quantities => _quantity.AsSpan(0, Count);

    /// <summary>Gets, for return rows, the order number of the refunded purchase; -1 for purchases.</summary>
    public ReadOnlySpan<int> OriginalOrderIndex => _originalOrder.AsSpan(0, Count);

    /// <summary>Gets each row's return reason (<see cref="ReturnReason.Unspecified"/> for purchases).</summary>
    public ReadOnlySpan<ReturnReason> ReturnReasons => _reason.AsSpan(0, Count);

    /// <summary>
    /// Gets which optional columns carry information (computed on first use, then cached): whether any row is a return, has a discount
    /// other than a plain <c>0</c> (scale 0), or a quantity other than 1. Columns without information need not be read by kernels that
    /// would only add their neutral values (issue 17: at 10M rows each column read in customer order is a cache miss per row).
    /// </summary>
    internal (bool Returns, bool Discounts, bool Quantities) Informative
    {
        get
        {
            var facts = Volatile.Read(ref _informative);
            if (facts == 0)
            {
                facts = 1 | (Kinds.Contains(TransactionKind.Return) ? 2 : 0) | (AnyDiscount() ? 4 : 0) | (AnyQuantityOtherThanOne() ? 8 : 0);
                Volatile.Write(ref _informative, facts); // a race computes the same value twice
            }

            return ((facts & 2) != 0, (facts & 4) != 0, (facts & 8) != 0);
        }
    }

    private int _informative;

    private bool AnyDiscount()
    {
        if (_discountPacked is { } packed)
        {
            // Packed 0 is exactly 0 with scale 0 (a negative zero does not pack).
            return packed.AsSpan(0, Count).IndexOfAnyExcept(0L) >= 0;
        }

        foreach (var d in Discounts)
        {
            // Not exactly 0 with scale 0 (0.00 would change the scale of a sum, -0 its sign).
            if (d.Scale != 0 || decimal.IsNegative(d) || d != 0m)
            {
                return true;
            }
        }

        return false;
    }

    private bool AnyQuantityOtherThanOne()
    {
        foreach (var q in Quantities)
        {
            if (q != 1)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Gets the array behind <see cref="CustomerIds"/> (read-only by convention), so results can share it instead of copying.</summary>
    internal string[] CustomerIdArray => _customerIds;

    /// <summary>Gets the backing arrays of the customer, instant and kind columns (at least <see cref="Count"/> long; read-only by convention) for
    /// parallel kernels, which cannot capture spans.</summary>
    internal (int[] Customer, long[] Ticks, TransactionKind[] Kind) ColumnArrays => (_customer, _ticks, _kind);

    /// <summary>The rows of the customers <c>c</c> with <c>partOf[c] == part</c>, in row order; orders and customers renumbered densely.</summary>
    /// <param name="partOf">The partition of every customer index.</param>
    /// <param name="part">The partition to keep.</param>
    /// <returns>The sub-table (sharing the category and channel lists).</returns>
    internal TransactionTable Subset(int[] partOf, int part)
    {
        var n = 0;
        for (var i = 0; i < Count; i++)
        {
            n += partOf[_customer[i]] == part ? 1 : 0;
        }

        var customerMap = new int[CustomerIds.Count];
        Array.Fill(customerMap, -1);
        var orderMap = new int[OrderCount];
        Array.Fill(orderMap, -1);
        var ids = new List<string>();
        var orders = 0;
        var customer = new int[n];
        var ticks = new long[n];
        var amountPacked = _amountPacked is null ? null : new long[n];
        var amount = _amountPacked is null ? new decimal[n] : null;
        var discountPacked = _discountPacked is null ? null : new long[n];
        var discount = _discountPacked is null ? new decimal[n] : null;
        var kind = new TransactionKind[n];
        var order = new int[n];
        var category = new int[n];
        var channel = new int[n];
        var quantity = new int[n];
        var original = new int[n];
        var reason = new ReturnReason[n];
        var j = 0;
        for (var i = 0; i < Count; i++)
        {
            var c = _customer[i];
            if (partOf[c] != part)
            {
                continue;
            }

            if (customerMap[c] < 0)
            {
                customerMap[c] = ids.Count;
                ids.Add(CustomerIds[c]);
            }

            customer[j] = customerMap[c];
            ticks[j] = _ticks[i];
            if (amountPacked is not null)
            {
                amountPacked[j] = _amountPacked![i];
            }
            else
            {
                amount![j] = _amount![i];
            }

            if (discountPacked is not null)
            {
                discountPacked[j] = _discountPacked![i];
            }
            else
            {
                discount![j] = _discount![i];
            }

            kind[j] = _kind[i];
            order[j] = MapOrder(_order[i]);
            category[j] = _category[i];
            channel[j] = _channel[i];
            quantity[j] = _quantity[i];
            original[j] = _originalOrder[i] < 0 ? -1 : MapOrder(_originalOrder[i]);
            reason[j] = _reason[i];
            j++;
        }

        return new TransactionTable(
            n, [.. ids], [.. Categories], [.. Channels], orders, customer, ticks, amountPacked, amount, discountPacked, discount, kind, order, category, channel, quantity, original, reason);

        int MapOrder(int o)
        {
            if (orderMap[o] < 0)
            {
                orderMap[o] = orders++;
            }

            return orderMap[o];
        }
    }
}
