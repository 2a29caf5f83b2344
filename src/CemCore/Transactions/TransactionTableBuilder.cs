using System.Buffers;
using CemCore.Primitives;
using CemCore.Sources;

namespace CemCore.Transactions;

/// <summary>
/// Builds a <see cref="TransactionTable"/> row by row. Mutable, single-use and not thread-safe;
/// <see cref="Build"/> validates cross-row rules and returns the immutable table.
/// </summary>
/// <remarks>
/// Rules (each violation throws <see cref="DataFormatException"/> naming the 1-based row and the field):
/// <list type="bullet">
/// <item>Amounts and discounts are finite and non-negative; a refund is a row of kind <see cref="TransactionKind.Return"/>, never a negative amount.</item>
/// <item>Rows that share an order id are lines of one order and must agree on customer, instant and kind.</item>
/// <item>A return names the purchase it refunds; at <see cref="Build"/> that order must exist, be a purchase and belong to the same customer.</item>
/// </list>
/// </remarks>
public sealed class TransactionTableBuilder
{
    private readonly Dictionary<string, int> _customers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _customerLookup;
    private readonly int _capacity;
    private SpanKeyMap? _orders; // created on first use: the CSV reader numbers orders itself (AddRowResolved)
    private readonly Dictionary<string, int> _categories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _categoryLookup;
    private readonly Dictionary<SalesChannel, int> _channels = [];
    private readonly List<string> _customerIds = [];
    private readonly List<string> _categoryNames = [];
    private readonly List<SalesChannel> _channelValues = [];

    // Per order: customer, ticks, kind, whether a row defined it (false = only referenced by a return so far), first row.
    private int[] _orderCustomer;
    private long[] _orderTicks;
    private TransactionKind[] _orderKind;
    private bool[] _orderSeen;
    private int[] _orderFirstRow;
    private int _orderCount;

    private int[] _customer;
    private long[] _ticks;
    // Amounts and discounts packed 8 bytes per row (PackedMoney) while every value packs; a column switches to decimals (the other array
    // set, the packed one null) at its first value that does not (issue 17: 16 bytes per row less to write and read for the usual money).
    private long[]? _amountPacked;
    private decimal[]? _amountWide;
    private long[]? _discountPacked;
    private decimal[]? _discountWide;
    private TransactionKind[] _kind;
    private int[] _order;
    private int[] _category;
    private int[] _channel;
    private int[] _quantity;
    private int[] _originalOrder;
    private ReturnReason[] _reason;
    private int _count;
    private bool _built;

    // One-entry caches: exports usually list a customer's rows, and an order's lines, together.
    private string? _lastCustomerId;
    private int _lastCustomer = -1;
    private int _lastOrder = -1;
    private int _lastOrderRow;
    private char[] _lastOrderId = new char[64];
    private int _lastOrderIdLength;

    /// <summary>Creates a builder.</summary>
    /// <param name="capacity">Expected number of rows (a hint).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative.</exception>
    public TransactionTableBuilder(int capacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        capacity = Math.Max(capacity, 16);
        _customer = GC.AllocateUninitializedArray<int>(capacity); // rows past Count are never read
        _ticks = GC.AllocateUninitializedArray<long>(capacity); // rows past Count are never read
        _amountPacked = GC.AllocateUninitializedArray<long>(capacity); // rows past Count are never read
        _discountPacked = GC.AllocateUninitializedArray<long>(capacity); // rows past Count are never read
        _kind = GC.AllocateUninitializedArray<TransactionKind>(capacity); // rows past Count are never read
        _order = GC.AllocateUninitializedArray<int>(capacity); // rows past Count are never read
        _category = GC.AllocateUninitializedArray<int>(capacity); // rows past Count are never read
        _channel = GC.AllocateUninitializedArray<int>(capacity); // rows past Count are never read
        _quantity = GC.AllocateUninitializedArray<int>(capacity); // rows past Count are never read
        _originalOrder = GC.AllocateUninitializedArray<int>(capacity); // rows past Count are never read
        _reason = GC.AllocateUninitializedArray<ReturnReason>(capacity); // rows past Count are never read
        _customerLookup = _customers.GetAlternateLookup<ReadOnlySpan<char>>();
        _capacity = capacity;
        // Most rows of an export are orders of their own: no resize copies. The per-order arrays are only needed until Build, so they
        // are rented and returned there (issue 17: 20 bytes per row of large-object-heap arrays per file); every slot below _orderCount
        // is written by NewOrder before it is read.
        var orders = Math.Max(16, capacity);
        _orderCustomer = ArrayPool<int>.Shared.Rent(orders);
        _orderTicks = ArrayPool<long>.Shared.Rent(orders);
        _orderKind = ArrayPool<TransactionKind>.Shared.Rent(orders);
        _orderSeen = ArrayPool<bool>.Shared.Rent(orders);
        _orderFirstRow = ArrayPool<int>.Shared.Rent(orders);
        _categoryLookup = _categories.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Gets the number of rows added so far.</summary>
    public int Count => _count;

    /// <summary>
    /// Sizes the customer map and list for <paramref name="customers"/> customers, so that they do not grow (and rehash every id) while
    /// the rows are added: the CSV reader's estimate, one customer per eight rows, the same as its own map's.
    /// </summary>
    internal void ExpectCustomers(int customers)
    {
        _customers.EnsureCapacity(customers);
        _customerIds.Capacity = Math.Max(_customerIds.Capacity, customers);
    }

    /// <summary>
    /// Maps the memory pages of every column for rows [<paramref name="from"/>, <paramref name="to"/>) (clamped to the capacity) by
    /// writing one element per 4 KiB page, so that the thread adding the rows does not take the page faults (issue 17: a fresh 1M-row
    /// table's columns are ~16,000 pages; a fault cost ~3 µs on the CI machine kind, ~50 ms in all, on the critical path of the CSV read).
    /// </summary>
    /// <remarks>Called by the CSV reader's second thread for a batch's rows before it hands the batch to the adding thread: rows of earlier
    /// batches are below <paramref name="from"/> (a batch holds at most that many rows), and the batch's own rows are added only after the
    /// handover (under the ring's lock), which overwrites the values written here. A concurrent <see cref="Grow"/> is harmless: either
    /// array is touched only above the rows added.</remarks>
    internal void Prefault(int from, int to)
    {
        TouchPages(_customer, from, to, sizeof(int));
        TouchPages(_ticks, from, to, sizeof(long));
        TouchMoneyPages(_amountPacked, _amountWide, from, to);
        TouchMoneyPages(_discountPacked, _discountWide, from, to);
        TouchPages(_kind, from, to, sizeof(int)); // TransactionKind is int-based
        TouchPages(_order, from, to, sizeof(int));
        TouchPages(_category, from, to, sizeof(int));
        TouchPages(_channel, from, to, sizeof(int));
        TouchPages(_quantity, from, to, sizeof(int));
        TouchPages(_originalOrder, from, to, sizeof(int));
        TouchPages(_reason, from, to, sizeof(int)); // ReturnReason is int-based
    }

    private static void TouchPages<T>(T[] column, int from, int to, int elementSize)
    {
        var step = 4096 / elementSize;
        to = Math.Min(to, column.Length);
        for (var i = Math.Max(from, 0); i < to; i += step)
        {
            column[i] = default!;
        }
    }

    /// <summary>Adds a transaction: one row per order line (the transaction's <see cref="Transaction.Amount"/> is authoritative and is
    /// split over the lines in proportion to their net amounts), or one row when it has no lines.</summary>
    /// <param name="transaction">The transaction.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="DataFormatException">The row breaks a rule (see remarks of the type).</exception>
    /// <exception cref="InvalidOperationException"><see cref="Build"/> was already called.</exception>
    public TransactionTableBuilder Add(Transaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var lines = transaction.Lines;
        if (lines.Count == 0)
        {
            AddRow(transaction.CustomerId, transaction.Timestamp.UtcTicks, transaction.Amount, transaction.Kind, transaction.OrderId,
                transaction.Channel, default, 1, transaction.Discount, transaction.OriginalOrderId, transaction.ReturnReason);
            return this;
        }

        decimal netSum = 0m;
        foreach (var line in lines)
        {
            netSum += line.NetAmount;
        }

        decimal allocated = 0m;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            decimal share = i == lines.Count - 1
                ? transaction.Amount - allocated
                : netSum == 0m ? transaction.Amount / lines.Count : decimal.Round(transaction.Amount * line.NetAmount / netSum, 4);
            if (share < 0m)
            {
                share = 0m;
            }

            allocated += share;
            AddRow(transaction.CustomerId, transaction.Timestamp.UtcTicks, share, transaction.Kind, transaction.OrderId,
                transaction.Channel, line.Category, line.Quantity, line.Discount, transaction.OriginalOrderId, transaction.ReturnReason);
        }

        return this;
    }

    /// <summary>Registers a customer who may have no transaction (a prospect: a known contact who has not bought yet), so that per-customer
    /// results (features, RFM, lifecycle) include them. A customer already added, by a row or by this method, is left as is.</summary>
    /// <param name="customerId">The customer's CRM id; not blank (trimmed like the ids of rows).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="customerId"/> is blank.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Build"/> was already called.</exception>
    public TransactionTableBuilder AddCustomer(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        if (_built)
        {
            throw new InvalidOperationException("Build() was already called; a TransactionTableBuilder is single-use.");
        }

        var id = customerId.AsSpan().Trim();
        if (id.IsEmpty)
        {
            throw new ArgumentException("The customer id is blank.", nameof(customerId));
        }

        if (!_customerLookup.ContainsKey(id))
        {
            var text = id.ToString();
            _customers.Add(text, _customerIds.Count);
            _customerIds.Add(text);
        }

        return this;
    }

    /// <summary>Adds one row from spans (no allocation for customers, orders and categories already seen). This is the fast path for parsers.</summary>
    /// <param name="customerId">The customer's CRM id; not blank.</param>
    /// <param name="utcTicks">The instant as UTC ticks.</param>
    /// <param name="amount">Amount paid or refunded; finite and non-negative.</param>
    /// <param name="kind">Purchase or return.</param>
    /// <param name="orderId">Order id; empty means the row is an order of its own.</param>
    /// <param name="channel">Sales channel.</param>
    /// <param name="category">Category; empty when unknown.</param>
    /// <param name="quantity">Quantity, at least 1.</param>
    /// <param name="discount">Discount, non-negative.</param>
    /// <param name="originalOrderId">For a return, the refunded order id (required); empty for purchases.</param>
    /// <param name="reason">For a return, the reason.</param>
    /// <returns>The 1-based row number.</returns>
    /// <exception cref="DataFormatException">The row breaks a rule.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Build"/> was already called.</exception>
    public int AddRow(
        ReadOnlySpan<char> customerId,
        long utcTicks,
        decimal amount,
        TransactionKind kind,
        ReadOnlySpan<char> orderId,
        SalesChannel channel,
        ReadOnlySpan<char> category,
        int quantity,
        decimal discount,
        ReadOnlySpan<char> originalOrderId,
        ReturnReason reason)
    {
        orderId = orderId.Trim();
        originalOrderId = originalOrderId.Trim();
        return AddRowHashed(customerId, utcTicks, amount, kind, orderId, orderId.IsEmpty ? 0 : SpanKeyMap.Hash(orderId), channel, category, quantity, discount,
            originalOrderId, originalOrderId.IsEmpty ? 0 : SpanKeyMap.Hash(originalOrderId), reason);
    }

    /// <summary><see cref="AddRow"/> with the order ids already trimmed and hashed with <see cref="SpanKeyMap.Hash"/> (any value when empty).</summary>
    private int AddRowHashed(
        ReadOnlySpan<char> customerId,
        long utcTicks,
        decimal amount,
        TransactionKind kind,
        ReadOnlySpan<char> orderId,
        int orderHash,
        SalesChannel channel,
        ReadOnlySpan<char> category,
        int quantity,
        decimal discount,
        ReadOnlySpan<char> originalOrderId,
        int originalHash,
        ReturnReason reason)
    {
        var row = CheckRow(ref customerId, utcTicks, amount, kind, quantity, discount, !originalOrderId.IsEmpty, reason);
        var c = CustomerOf(customerId);
        int o;
        if (orderId.IsEmpty)
        {
            o = NewOrder(c, utcTicks, kind, row, seen: true);
        }
        else if (_lastOrder >= 0 && _lastOrderRow == _count && _orderCustomer[_lastOrder] == c && _orderTicks[_lastOrder] == utcTicks
            && _orderKind[_lastOrder] == kind && orderId.SequenceEqual(_lastOrderId.AsSpan(0, _lastOrderIdLength)))
        {
            o = _lastOrder; // the next line of the previous row's order: no lookup
        }
        else if (Orders.TryGetValue(orderId, orderHash, out o))
        {
            SeeOrder(o, c, utcTicks, kind, row);
        }
        else
        {
            o = NewOrder(c, utcTicks, kind, row, seen: true);
            Orders.Add(orderId, orderHash, o);
        }

        _lastOrder = o;
        _lastOrderRow = _count + 1;
        if (orderId.Length > _lastOrderId.Length)
        {
            _lastOrderId = new char[orderId.Length * 2];
        }

        orderId.CopyTo(_lastOrderId);
        _lastOrderIdLength = orderId.Length;

        var original = -1;
        if (kind == TransactionKind.Return)
        {
            if (!Orders.TryGetValue(originalOrderId, originalHash, out original))
            {
                original = NewOrder(-1, 0, TransactionKind.Purchase, row, seen: false);
                Orders.Add(originalOrderId, originalHash, original);
            }
        }

        Store(c, utcTicks, amount, kind, o, channel, category, quantity, discount, original, reason);
        return row;
    }

    /// <summary>
    /// <see cref="AddRow"/> with orders, customers and categories already numbered by the caller (the CSV reader, on the ids' UTF-8
    /// bytes, issue 17). Orders in the sequence this builder would number them: a new number (equal to the number of orders so far) for a
    /// new order id, for a row without an order id, and for a refunded order id not seen yet, taken in row order, the row's own order
    /// before its refunded order. Customers and categories in order of first appearance, each new one added first through
    /// <see cref="AddResolvedCustomer"/> / <see cref="AddResolvedCategory"/>; <c>customer</c> is -1 for an empty id (an error),
    /// <c>category</c> -1 for none. A builder fed this way must not also be fed by <see cref="AddRow"/> (the numberings would disagree).
    /// <c>hasOriginal</c> says whether the row names a refunded order id; <c>original</c> is, for a return that does, the refunded
    /// order's number (ignored otherwise).
    /// </summary>
    internal int AddRowResolved(
        int customer,
        long utcTicks,
        decimal amount,
        long amountPacked,
        TransactionKind kind,
        int order,
        SalesChannel channel,
        int category,
        int quantity,
        decimal discount,
        long discountPacked,
        bool hasOriginal,
        int original,
        ReturnReason reason)
    {
        var row = CheckResolved(customer, utcTicks, amount, kind, quantity, discount, hasOriginal, reason);
        if (order == _orderCount)
        {
            NewOrder(customer, utcTicks, kind, row, seen: true);
        }
        else if ((uint)order < (uint)_orderCount)
        {
            SeeOrder(order, customer, utcTicks, kind, row);
        }
        else
        {
            throw new InvalidOperationException("The order numbers are out of sequence.");
        }

        if (kind != TransactionKind.Return)
        {
            original = -1;
        }
        else if (original == _orderCount)
        {
            NewOrder(-1, 0, TransactionKind.Purchase, row, seen: false);
        }
        else if ((uint)original >= (uint)_orderCount)
        {
            throw new InvalidOperationException("The order numbers are out of sequence.");
        }

        Store(customer, utcTicks, amount, amountPacked, kind, order, channel, category, quantity, discount, discountPacked, original, reason);
        return row;
    }

    private SpanKeyMap Orders => _orders ??= new SpanKeyMap(_capacity);

    /// <summary>
    /// Adds a customer for <see cref="AddRowResolved"/>, whose caller numbers customers itself (on the ids' UTF-8 bytes) in order of first
    /// appearance; returns the customer's number, which must be the caller's. <paramref name="customerId"/> is trimmed and not empty.
    /// </summary>
    internal int AddResolvedCustomer(string customerId) => AddResolved(_customers, _customerIds, customerId);

    /// <summary>The checks of <see cref="CheckRow"/> for a customer numbered by the caller (-1: the id is empty).</summary>
    private int CheckResolved(int customer, long utcTicks, decimal amount, TransactionKind kind, int quantity, decimal discount, bool hasOriginal,
        ReturnReason reason)
    {
        ThrowIfBuilt();
        if (unchecked((uint)customer) >= (uint)_customerIds.Count)
        {
            if (customer >= 0)
            {
                throw new InvalidOperationException("The customer was not added.");
            }

            throw new DataFormatException("The customer id is empty.", null, _count + 1, "customer_id");
        }

        return CheckValues(utcTicks, amount, kind, quantity, discount, hasOriginal, reason);
    }

    private void ThrowIfBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("Build() was already called; a TransactionTableBuilder is single-use.");
        }
    }

    /// <summary>Checks the rules of one row and trims the customer id; returns the 1-based row number.</summary>
    private int CheckRow(ref ReadOnlySpan<char> customerId, long utcTicks, decimal amount, TransactionKind kind, int quantity, decimal discount, bool hasOriginal,
        ReturnReason reason)
    {
        ThrowIfBuilt();
        customerId = customerId.Trim();
        if (customerId.IsEmpty)
        {
            throw new DataFormatException("The customer id is empty.", null, _count + 1, "customer_id");
        }

        return CheckValues(utcTicks, amount, kind, quantity, discount, hasOriginal, reason);
    }

    /// <summary>Checks the rules of one row other than its customer id (after <see cref="ThrowIfBuilt"/>); returns the 1-based row number.</summary>
    private int CheckValues(long utcTicks, decimal amount, TransactionKind kind, int quantity, decimal discount, bool hasOriginal, ReturnReason reason)
    {
        var row = _count + 1;

        // decimal.IsNegative is a sign-bit test; the comparison with zero (a call) then runs only for negative values or negative zero.
        if (decimal.IsNegative(amount) && amount != 0m)
        {
            throw new DataFormatException("The amount is negative; record a refund as a row of kind Return with a positive amount.", null, row, "amount");
        }

        if (decimal.IsNegative(discount) && discount != 0m)
        {
            throw new DataFormatException("The discount is negative.", null, row, "discount");
        }

        if (quantity < 1)
        {
            throw new DataFormatException("The quantity must be at least 1.", null, row, "quantity");
        }

        if (utcTicks < DateTimeOffset.MinValue.UtcTicks || utcTicks > DateTimeOffset.MaxValue.UtcTicks)
        {
            throw new DataFormatException("The timestamp is out of range.", null, row, "timestamp");
        }

        if (kind is not (TransactionKind.Purchase or TransactionKind.Return))
        {
            throw new DataFormatException("The kind must be Purchase or Return.", null, row, "kind");
        }

        if (kind == TransactionKind.Return && !hasOriginal)
        {
            throw new DataFormatException("A return must name the order it refunds.", null, row, "original_order_id");
        }

        if (kind == TransactionKind.Purchase && (hasOriginal || reason != ReturnReason.Unspecified))
        {
            throw new DataFormatException("Only a return may carry an original order id or a return reason.", null, row, "original_order_id");
        }

        if (_count == _customer.Length)
        {
            Grow();
        }

        return row;
    }

    private int CustomerOf(ReadOnlySpan<char> customerId)
    {
        if (_lastCustomerId is not null && customerId.SequenceEqual(_lastCustomerId))
        {
            return _lastCustomer;
        }

        if (!_customerLookup.TryGetValue(customerId, out var c))
        {
            c = _customerIds.Count;
            var id = customerId.ToString();
            _customers.Add(id, c);
            _customerIds.Add(id);
        }

        _lastCustomer = c;
        _lastCustomerId = _customerIds[c];
        return c;
    }

    /// <summary>A row of an order numbered before: defines it when only a return referred to it so far, else checks it agrees.</summary>
    private void SeeOrder(int o, int c, long utcTicks, TransactionKind kind, int row)
    {
        if (!_orderSeen[o])
        {
            _orderCustomer[o] = c;
            _orderTicks[o] = utcTicks;
            _orderKind[o] = kind;
            _orderSeen[o] = true;
            _orderFirstRow[o] = row;
        }
        else if (_orderCustomer[o] != c || _orderTicks[o] != utcTicks || _orderKind[o] != kind)
        {
            throw new DataFormatException(
                $"The order id is reused: rows sharing an order id are lines of one order and must have the same customer, timestamp and kind (first seen at row {_orderFirstRow[o]}).",
                null, row, "order_id");
        }
    }

    private void Store(int c, long utcTicks, decimal amount, TransactionKind kind, int o, SalesChannel channel, ReadOnlySpan<char> category, int quantity,
        decimal discount, int original, ReturnReason reason)
    {
        var cat = -1;
        category = category.Trim();
        if (!category.IsEmpty && (cat = FindFewCategory(category)) < 0 && !_categoryLookup.TryGetValue(category, out cat))
        {
            cat = _categoryNames.Count;
            var name = category.ToString();
            _categories.Add(name, cat);
            _categoryNames.Add(name);
        }

        Store(c, utcTicks, amount, PackedMoney.TryPack(amount, out var a) ? a : -1, kind, o, channel, cat, quantity, discount,
            PackedMoney.TryPack(discount, out var d) ? d : -1, original, reason);
    }

    /// <summary>
    /// Adds a category for <see cref="AddRowResolved"/>, whose caller numbers categories itself (on the names' UTF-8 bytes) in order of
    /// first appearance; returns the category's number, which must be the caller's. <paramref name="category"/> is trimmed and not empty.
    /// </summary>
    internal int AddResolvedCategory(string category) => AddResolved(_categories, _categoryNames, category);

    /// <summary>Returns the number of <paramref name="key"/>, numbering it next when it is new.</summary>
    private static int AddResolved(Dictionary<string, int> numbers, List<string> keys, string key)
    {
        if (!numbers.TryGetValue(key, out var n))
        {
            n = keys.Count;
            numbers.Add(key, n);
            keys.Add(key);
        }

        return n;
    }

    /// <summary>Stores one row; <paramref name="amountPacked"/> and <paramref name="discountPacked"/> are the money values packed
    /// (<see cref="PackedMoney"/>), or -1 when they do not pack.</summary>
    private void Store(int c, long utcTicks, decimal amount, long amountPacked, TransactionKind kind, int o, SalesChannel channel, int cat,
        int quantity, decimal discount, long discountPacked, int original, ReturnReason reason)
    {
        var ch = channel.Kind == SalesChannelKind.Unspecified ? -1 : ChannelIndex(channel);

        var i = _count;
        _customer[i] = c;
        _ticks[i] = utcTicks;
        if (amountPacked >= 0 && _amountPacked is { } amounts)
        {
            amounts[i] = amountPacked;
        }
        else
        {
            StoreWide(ref _amountPacked, ref _amountWide, i, amount);
        }

        if (discountPacked >= 0 && _discountPacked is { } discounts)
        {
            discounts[i] = discountPacked;
        }
        else
        {
            StoreWide(ref _discountPacked, ref _discountWide, i, discount);
        }

        _kind[i] = kind;
        _order[i] = o;
        _category[i] = cat;
        _channel[i] = ch;
        _quantity[i] = quantity;
        _originalOrder[i] = original;
        _reason[i] = kind == TransactionKind.Return ? reason : ReturnReason.Unspecified;
        _count++;
    }

    /// <summary>Adds one row.</summary>
    /// <param name="customerId">The customer's CRM id.</param>
    /// <param name="timestamp">The instant.</param>
    /// <param name="amount">Amount paid (non-negative).</param>
    /// <param name="orderId">Order id, or <see langword="null"/> for an order of its own.</param>
    /// <param name="channel">Sales channel.</param>
    /// <param name="category">Category, or <see langword="null"/>.</param>
    /// <param name="quantity">Quantity, at least 1.</param>
    /// <param name="discount">Discount, non-negative.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="DataFormatException">The row breaks a rule.</exception>
    public TransactionTableBuilder AddPurchase(
        string customerId,
        DateTimeOffset timestamp,
        decimal amount,
        string? orderId = null,
        SalesChannel channel = default,
        string? category = null,
        int quantity = 1,
        decimal discount = 0m)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        AddRow(customerId, timestamp.UtcTicks, amount, TransactionKind.Purchase, orderId, channel, category, quantity, discount, default, ReturnReason.Unspecified);
        return this;
    }

    /// <summary>Adds a return of an earlier purchase.</summary>
    /// <param name="customerId">The customer's CRM id (must own the original order).</param>
    /// <param name="timestamp">The instant of the refund.</param>
    /// <param name="amount">Amount refunded (non-negative).</param>
    /// <param name="originalOrderId">The refunded order's id.</param>
    /// <param name="reason">Why.</param>
    /// <param name="returnId">The return's own id, or <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="DataFormatException">The row breaks a rule.</exception>
    public TransactionTableBuilder AddReturn(
        string customerId,
        DateTimeOffset timestamp,
        decimal amount,
        string originalOrderId,
        ReturnReason reason = ReturnReason.Other,
        string? returnId = null)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        ArgumentNullException.ThrowIfNull(originalOrderId);
        AddRow(customerId, timestamp.UtcTicks, amount, TransactionKind.Return, returnId, default, default, 1, 0m, originalOrderId, reason);
        return this;
    }

    /// <summary>Validates cross-row rules and returns the table. The builder cannot be used afterwards.</summary>
    /// <returns>The immutable table.</returns>
    /// <exception cref="DataFormatException">A return refers to an unknown order, a return, or another customer's order.</exception>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public TransactionTable Build()
    {
        if (_built)
        {
            throw new InvalidOperationException("Build() was already called; a TransactionTableBuilder is single-use.");
        }

        for (var i = 0; i < _count; i++)
        {
            var original = _originalOrder[i];
            if (original < 0)
            {
                continue;
            }

            if (!_orderSeen[original])
            {
                throw new DataFormatException("The return refers to an order id that is not in the data.", null, i + 1, "original_order_id");
            }

            if (_orderKind[original] != TransactionKind.Purchase)
            {
                throw new DataFormatException("The return refers to another return, not a purchase.", null, i + 1, "original_order_id");
            }

            if (_orderCustomer[original] != _customer[i])
            {
                throw new DataFormatException("The return's customer differs from the customer of the refunded order.", null, i + 1, "customer_id");
            }
        }

        _built = true;
        ReturnOrderArrays();
        return new TransactionTable(
            _count,
            [.. _customerIds],
            [.. _categoryNames],
            [.. _channelValues],
            _orderCount,
            _customer,
            _ticks,
            _amountPacked,
            _amountWide,
            _discountPacked,
            _discountWide,
            _kind,
            _order,
            _category,
            _channel,
            _quantity,
            _originalOrder,
            _reason);
    }

    /// <summary>With few distinct categories (the norm), a linear ordinal scan beats hashing the name; -1 when not found or too many.</summary>
    private int FindFewCategory(ReadOnlySpan<char> category)
    {
        var names = _categoryNames;
        if (names.Count > 16)
        {
            return -1;
        }

        for (var i = 0; i < names.Count; i++)
        {
            if (category.SequenceEqual(names[i]))
            {
                return i;
            }
        }

        return -1;
    }

    private int ChannelIndex(SalesChannel channel)
    {
        // Few distinct channels: a reference check on the text finds the usual (cached) value without hashing.
        var text = channel.Value;
        for (var i = 0; i < _channelValues.Count && i < 8; i++)
        {
            if (ReferenceEquals(_channelValues[i].Value, text))
            {
                return i;
            }
        }

        if (!_channels.TryGetValue(channel, out var ch))
        {
            ch = _channelValues.Count;
            _channels.Add(channel, ch);
            _channelValues.Add(channel);
        }

        return ch;
    }

    private int NewOrder(int customer, long ticks, TransactionKind kind, int row, bool seen)
    {
        if (_orderCount == _orderCustomer.Length)
        {
            var n = _orderCount * 2;
            PooledArrays.Regrow(ref _orderCustomer, _orderCount, n);
            PooledArrays.Regrow(ref _orderTicks, _orderCount, n);
            PooledArrays.Regrow(ref _orderKind, _orderCount, n);
            PooledArrays.Regrow(ref _orderSeen, _orderCount, n);
            PooledArrays.Regrow(ref _orderFirstRow, _orderCount, n);
        }

        var o = _orderCount++;
        _orderCustomer[o] = customer;
        _orderTicks[o] = ticks;
        _orderKind[o] = kind;
        _orderSeen[o] = seen;
        _orderFirstRow[o] = row;
        return o;
    }

    private void ReturnOrderArrays()
    {
        ArrayPool<int>.Shared.Return(_orderCustomer);
        ArrayPool<long>.Shared.Return(_orderTicks);
        ArrayPool<TransactionKind>.Shared.Return(_orderKind);
        ArrayPool<bool>.Shared.Return(_orderSeen);
        ArrayPool<int>.Shared.Return(_orderFirstRow);
        _orderCustomer = [];
        _orderTicks = [];
        _orderKind = [];
        _orderSeen = [];
        _orderFirstRow = [];
    }

    /// <summary>Writes row <paramref name="i"/> of a money column in decimals, switching the column to decimals first when it is
    /// still packed (at its first value that does not pack).</summary>
    private static void StoreWide(ref long[]? packed, ref decimal[]? wide, int i, decimal value)
    {
        if (packed is not null)
        {
            // The first value that does not pack: the rows so far, unpacked to the very decimals they were added as.
            var decimals = GC.AllocateUninitializedArray<decimal>(packed.Length); // rows past Count are never read
            for (var k = 0; k < i; k++)
            {
                decimals[k] = PackedMoney.Unpack(packed[k]);
            }

            wide = decimals;
            packed = null;
        }

        wide![i] = value;
    }

    private static void ResizeMoney(ref long[]? packed, ref decimal[]? wide, int n)
    {
        if (packed is not null)
        {
            Array.Resize(ref packed, n);
        }
        else
        {
            Array.Resize(ref wide, n);
        }
    }

    private static void TouchMoneyPages(long[]? packed, decimal[]? wide, int from, int to)
    {
        // Read once: the adding thread may switch the column to decimals meanwhile (then these pages are simply not used).
        if (packed is not null)
        {
            TouchPages(packed, from, to, sizeof(long));
        }
        else if (wide is not null)
        {
            TouchPages(wide, from, to, sizeof(decimal));
        }
    }

    private void Grow()
    {
        // By half: the CSV reader sizes the columns from the file length, so a growth means an estimate a little short.
        var n = checked(_customer.Length + Math.Max(16, _customer.Length / 2));
        Array.Resize(ref _customer, n);
        Array.Resize(ref _ticks, n);
        ResizeMoney(ref _amountPacked, ref _amountWide, n);
        ResizeMoney(ref _discountPacked, ref _discountWide, n);
        Array.Resize(ref _kind, n);
        Array.Resize(ref _order, n);
        Array.Resize(ref _category, n);
        Array.Resize(ref _channel, n);
        Array.Resize(ref _quantity, n);
        Array.Resize(ref _originalOrder, n);
        Array.Resize(ref _reason, n);
    }
}
