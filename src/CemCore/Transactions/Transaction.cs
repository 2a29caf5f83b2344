using CemCore.Primitives;

namespace CemCore.Transactions;

/// <summary>Whether a transaction is a purchase or a return/refund.</summary>
public enum TransactionKind
{
    /// <summary>A purchase (order). The default value.</summary>
    Purchase = 0,

    /// <summary>A return or refund linked to an earlier purchase; its amount reduces the customer's monetary value.</summary>
    Return = 1,
}

/// <summary>Why goods were returned.</summary>
public enum ReturnReason
{
    /// <summary>Not a return, or no reason given.</summary>
    Unspecified = 0,

    /// <summary>Wrong size or fit.</summary>
    Size = 1,

    /// <summary>Quality problem or defect.</summary>
    Quality = 2,

    /// <summary>The customer changed their mind.</summary>
    ChangedMind = 3,

    /// <summary>Any other reason.</summary>
    Other = 4,
}

/// <summary>One line of an order.</summary>
/// <param name="Sku">Stock-keeping unit (free text).</param>
/// <param name="Category">Product category (free text); empty when unknown.</param>
/// <param name="Quantity">Units, at least 1.</param>
/// <param name="UnitPrice">List price per unit, non-negative.</param>
/// <param name="Discount">Discount on the whole line, in [0, Quantity × UnitPrice].</param>
public sealed record OrderLine(string Sku, string Category, int Quantity, decimal UnitPrice, decimal Discount = 0m)
{
    /// <summary>Gets the SKU.</summary>
    public string Sku { get; } = Sku ?? string.Empty;

    /// <summary>Gets the category; empty when unknown.</summary>
    public string Category { get; } = Category ?? string.Empty;

    /// <summary>Gets the quantity (at least 1).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The quantity is below 1.</exception>
    public int Quantity { get; } = Quantity >= 1 ? Quantity : throw new ArgumentOutOfRangeException(nameof(Quantity), Quantity, "Quantity must be at least 1.");

    /// <summary>Gets the unit list price.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The price is negative.</exception>
    public decimal UnitPrice { get; } = Check.NonNegative(UnitPrice);

    /// <summary>Gets the line discount.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The discount is negative or exceeds the line's list value.</exception>
    public decimal Discount { get; } = Discount >= 0m && Discount <= Quantity * UnitPrice
        ? Discount
        : throw new ArgumentOutOfRangeException(nameof(Discount), Discount, "Line discount must be in [0, Quantity × UnitPrice].");

    /// <summary>Gets the amount paid for the line: <c>Quantity × UnitPrice − Discount</c>.</summary>
    public decimal NetAmount => (Quantity * UnitPrice) - Discount;
}

/// <summary>
/// A purchase or a return, as recorded by the host's order system.
/// </summary>
/// <remarks>
/// <para><see cref="Amount"/> is always non-negative; <see cref="Kind"/> gives its sign: a return reduces the customer's monetary value.</para>
/// <para>A return names the purchase it refunds in <see cref="OriginalOrderId"/> and carries a <see cref="ReturnReason"/>.</para>
/// <para>Immutable and thread-safe. <see cref="Lines"/> is compared by reference.</para>
/// </remarks>
public sealed record Transaction
{
    /// <summary>Creates a transaction.</summary>
    /// <param name="orderId">Order (or return) id, unique per transaction; not blank.</param>
    /// <param name="customerId">The customer's CRM id; not blank.</param>
    /// <param name="timestamp">When it happened.</param>
    /// <param name="amount">Amount paid (purchase) or refunded (return), non-negative, in <paramref name="currency"/>.</param>
    /// <param name="channel">Sales channel (open vocabulary).</param>
    /// <param name="lines">Order lines; may be empty when only the total is known.</param>
    /// <param name="discount">Total discount granted on the transaction, non-negative.</param>
    /// <param name="currency">ISO 4217 currency code; empty when the host uses a single currency.</param>
    /// <param name="kind">Purchase or return.</param>
    /// <param name="originalOrderId">For a return, the id of the purchase it refunds; required for returns.</param>
    /// <param name="returnReason">For a return, why.</param>
    /// <exception cref="ArgumentException">An id is blank, an amount is negative, or a return lacks its original order id.</exception>
    public Transaction(
        string orderId,
        string customerId,
        DateTimeOffset timestamp,
        decimal amount,
        SalesChannel channel = default,
        IEnumerable<OrderLine>? lines = null,
        decimal discount = 0m,
        string currency = "",
        TransactionKind kind = TransactionKind.Purchase,
        string? originalOrderId = null,
        ReturnReason returnReason = ReturnReason.Unspecified)
    {
        OrderId = Check.NotBlank(orderId);
        CustomerId = Check.NotBlank(customerId);
        Timestamp = timestamp;
        Amount = Check.NonNegative(amount);
        Channel = channel;
        Lines = Check.List(lines);
        Discount = Check.NonNegative(discount);
        Currency = currency ?? string.Empty;
        Kind = kind is TransactionKind.Purchase or TransactionKind.Return
            ? kind
            : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Expected Purchase or Return.");
        if (kind == TransactionKind.Return)
        {
            OriginalOrderId = string.IsNullOrWhiteSpace(originalOrderId)
                ? throw new ArgumentException("A return must name the purchase it refunds.", nameof(originalOrderId))
                : originalOrderId;
            ReturnReason = returnReason;
        }
        else
        {
            if (originalOrderId is not null || returnReason != ReturnReason.Unspecified)
            {
                throw new ArgumentException("Only a return may carry an original order id or a return reason.", nameof(originalOrderId));
            }
        }
    }

    /// <summary>Gets the order (or return) id.</summary>
    public string OrderId { get; }

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets when it happened.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the amount paid or refunded (non-negative).</summary>
    public decimal Amount { get; }

    /// <summary>Gets the sales channel.</summary>
    public SalesChannel Channel { get; }

    /// <summary>Gets the order lines (possibly empty).</summary>
    public IReadOnlyList<OrderLine> Lines { get; }

    /// <summary>Gets the total discount granted.</summary>
    public decimal Discount { get; }

    /// <summary>Gets the ISO 4217 currency code, or empty.</summary>
    public string Currency { get; }

    /// <summary>Gets whether this is a purchase or a return.</summary>
    public TransactionKind Kind { get; }

    /// <summary>Gets the purchase a return refunds; <see langword="null"/> for purchases.</summary>
    public string? OriginalOrderId { get; }

    /// <summary>Gets the return reason; <see cref="ReturnReason.Unspecified"/> for purchases.</summary>
    public ReturnReason ReturnReason { get; }

    /// <summary>Gets the signed amount: positive for a purchase, negative for a return.</summary>
    public decimal SignedAmount => Kind == TransactionKind.Return ? -Amount : Amount;
}
