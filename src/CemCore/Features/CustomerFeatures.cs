using CemCore.Primitives;

namespace CemCore.Features;

/// <summary>
/// The "buy 'til you die" summary of one customer at a calibration end: frequency <c>x</c>, recency <c>t_x</c>, age <c>T</c>.
/// </summary>
/// <remarks>
/// <para>Definitions (Fader, Hardie &amp; Lee 2005; the CDNOW conventions in <c>shared/data/cdnow/SOURCE.md</c>):
/// all purchases of a customer on the same calendar day are merged into one transaction; <c>d0</c> is the first purchase day;
/// <c>x</c> = number of purchase days after <c>d0</c> up to and including the calibration end day; <c>t_x</c> = (last purchase day − d0)
/// in <see cref="Unit"/> (0 when x = 0); <c>T</c> = (calibration end day − d0) in <see cref="Unit"/>.</para>
/// <para>The default value is a customer with no repeat purchases and zero age, in days.</para>
/// </remarks>
/// <param name="Frequency">Repeat purchase days <c>x</c> (non-negative).</param>
/// <param name="Recency">Recency <c>t_x</c> in <paramref name="Unit"/> (0 ≤ t_x ≤ T).</param>
/// <param name="Age">Age <c>T</c> in <paramref name="Unit"/>.</param>
/// <param name="Unit">The time unit of <paramref name="Recency"/> and <paramref name="Age"/>.</param>
/// <param name="MeanRepeatSpend">Mean of the daily purchase totals of the <c>x</c> repeat days (the first day excluded); 0 when x = 0. Gamma-Gamma input <c>m_x</c> (zbar).</param>
public readonly record struct BtydSummary(int Frequency, double Recency, double Age, TimeUnit Unit, decimal MeanRepeatSpend);

/// <summary>Spend and orders of one customer in one category.</summary>
/// <param name="Category">The category name.</param>
/// <param name="Spend">Net amount paid on purchase rows of the category (returns are not netted per category).</param>
/// <param name="Orders">Number of purchase orders with at least one row in the category.</param>
/// <param name="LastPurchase">The latest purchase instant in the category.</param>
public readonly record struct CategoryStat(string Category, decimal Spend, int Orders, DateTimeOffset LastPurchase);

/// <summary>Orders and spend of one customer on one sales channel.</summary>
/// <param name="Channel">The channel.</param>
/// <param name="Orders">Purchase orders on the channel.</param>
/// <param name="Spend">Amount paid on the channel.</param>
public readonly record struct ChannelStat(SalesChannel Channel, int Orders, decimal Spend);

/// <summary>
/// Features of one customer computed from transactions as of an instant (see <see cref="FeatureExtractor"/>).
/// </summary>
/// <remarks>
/// <para>Conventions: the as-of instant is exclusive (transactions at or after it are ignored, not rejected). Calendar days are taken in
/// <see cref="FeatureSettings.TimeZone"/> (UTC by default). The calibration end day is the day of the last instant before <see cref="AsOf"/>,
/// so <c>AsOf = 1997-10-01T00:00Z</c> includes purchases made on 1997-09-30. Money is <see cref="decimal"/> in the data's currency.</para>
/// <para>An order is the set of rows sharing an order id (or one row without an id). A return reduces <see cref="MonetaryTotal"/>.</para>
/// <para>A customer with returns but no purchases in the window has <see cref="OrderCount"/> 0 and no purchase instants.</para>
/// <para>Immutable and thread-safe. <see cref="Categories"/> and <see cref="Channels"/> are compared by their storage (the shared
/// array and the slice), not element by element.</para>
/// </remarks>
public sealed record CustomerFeatures
{
    // Every value is in one packed struct (issue 17): the extractor writes these into one large array of the feature set and an object
    // is made only when a customer's features are asked for, so computing a million customers' features allocates no small objects for
    // the garbage collector to copy. Instants are UTC ticks (purchase instants are always UTC); absent optional values are flagged and
    // stored as 0, so that equality is unaffected.
    private FeatureValues _v;

    internal CustomerFeatures(string customerId, DateTimeOffset asOf)
    {
        CustomerId = customerId;
        AsOf = asOf;
        _v.FirstPurchaseTicks = FeatureValues.NoInstant;
        _v.LastPurchaseTicks = FeatureValues.NoInstant;
    }

    /// <summary>Makes the features of one customer of an extraction from its packed values and its chunk's shared statistics.</summary>
    internal CustomerFeatures(string customerId, DateTimeOffset asOf, in FeatureValues values, CategoryStat[] categories, ChannelStat[] channels)
    {
        CustomerId = customerId;
        AsOf = asOf;
        _v = values;
        _categories = values.CategoryCount == 0 ? [] : categories;
        _channels = values.ChannelCount == 0 ? [] : channels;
    }

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Asks for this object's cache lines (a batch loop's prefetch hint, <see cref="CachePrefetch"/>): the packed values and the references just before them.</summary>
    internal unsafe void PrefetchObject()
    {
        fixed (FeatureValues* p = &_v)
        {
            CachePrefetch.Lines(p, 1, 2);
        }
    }

    /// <summary>Gets the exclusive as-of instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the number of purchase orders before <see cref="AsOf"/>.</summary>
    public int OrderCount { get => _v.OrderCount; internal init => _v.OrderCount = value; }

    /// <summary>Gets the number of purchase orders after the first one (<c>max(OrderCount − 1, 0)</c>).</summary>
    public int RepeatCount => Math.Max(OrderCount - 1, 0);

    /// <summary>Gets the number of distinct calendar days with a purchase.</summary>
    public int PurchaseDays { get => _v.PurchaseDays; internal init => _v.PurchaseDays = value; }

    /// <summary>Gets the first purchase instant, or <see langword="null"/> when there is none.</summary>
    public DateTimeOffset? FirstPurchase
    {
        get => _v.FirstPurchaseTicks == FeatureValues.NoInstant ? null : new DateTimeOffset(_v.FirstPurchaseTicks, TimeSpan.Zero);
        internal init => _v.FirstPurchaseTicks = value?.UtcTicks ?? FeatureValues.NoInstant;
    }

    /// <summary>Gets the last purchase instant, or <see langword="null"/> when there is none.</summary>
    public DateTimeOffset? LastPurchase
    {
        get => _v.LastPurchaseTicks == FeatureValues.NoInstant ? null : new DateTimeOffset(_v.LastPurchaseTicks, TimeSpan.Zero);
        internal init => _v.LastPurchaseTicks = value?.UtcTicks ?? FeatureValues.NoInstant;
    }

    /// <summary>Gets the elapsed days from the last purchase to <see cref="AsOf"/> (fractional), or <see langword="null"/> with no purchase.</summary>
    public double? RecencyDays => LastPurchase is { } last ? (AsOf - last).TotalDays : null;

    /// <summary>Gets the elapsed days from the first purchase to <see cref="AsOf"/> (fractional), or <see langword="null"/> with no purchase.</summary>
    public double? TenureDays => FirstPurchase is { } first ? (AsOf - first).TotalDays : null;

    /// <summary>Gets the amount paid on purchases (gross of returns).</summary>
    public decimal GrossSpend { get => _v.GrossSpend; internal init => _v.GrossSpend = value; }

    /// <summary>Gets the amount refunded by returns.</summary>
    public decimal ReturnedAmount { get => _v.ReturnedAmount; internal init => _v.ReturnedAmount = value; }

    /// <summary>Gets the monetary value: <see cref="GrossSpend"/> − <see cref="ReturnedAmount"/>.</summary>
    /// <remarks>Without returns (a zero <see cref="ReturnedAmount"/> of no greater scale, the usual case) this is <see cref="GrossSpend"/>
    /// itself, the very value the subtraction gives, without its cost (issue 17: the subtraction was ~9 % of an offer decision's CPU time
    /// with a rule on this field).</remarks>
    public decimal MonetaryTotal
    {
        get
        {
            var returned = ReturnedAmount;
            return returned == 0m && returned.Scale <= GrossSpend.Scale ? GrossSpend : GrossSpend - returned;
        }
    }

    /// <summary>Gets the mean monetary value per purchase order (<see cref="MonetaryTotal"/> / <see cref="OrderCount"/>); 0 with no orders.</summary>
    public decimal MonetaryMean => OrderCount == 0 ? 0m : MonetaryTotal / OrderCount;

    /// <summary>Gets the number of return orders.</summary>
    public int ReturnCount { get => _v.ReturnCount; internal init => _v.ReturnCount = value; }

    /// <summary>Gets return orders per purchase order (<see cref="ReturnCount"/> / <see cref="OrderCount"/>); 0 with no orders.</summary>
    public double ReturnRate => OrderCount == 0 ? 0.0 : (double)ReturnCount / OrderCount;

    /// <summary>Gets the total discount granted on purchases.</summary>
    public decimal DiscountTotal { get => _v.DiscountTotal; internal init => _v.DiscountTotal = value; }

    /// <summary>Gets the discount share of list value: <see cref="DiscountTotal"/> / (<see cref="GrossSpend"/> + <see cref="DiscountTotal"/>); 0 when both are 0.</summary>
    public double DiscountShare => GrossSpend + DiscountTotal == 0m ? 0.0 : (double)(DiscountTotal / (GrossSpend + DiscountTotal));

    /// <summary>Gets the total quantity bought.</summary>
    public long Quantity { get => _v.Quantity; internal init => _v.Quantity = value; }

    /// <summary>Gets the number of intervals between consecutive purchase days (<see cref="PurchaseDays"/> − 1, at least 0).</summary>
    public int IntervalCount => Math.Max(PurchaseDays - 1, 0);

    /// <summary>Gets the mean days between consecutive purchase days, or <see langword="null"/> with fewer than two purchase days.</summary>
    public double? IntervalMeanDays
    {
        get => _v.Has(FeatureValues.HasMean) ? _v.IntervalMean : null;
        internal init => _v.IntervalMean = _v.Set(FeatureValues.HasMean, value);
    }

    /// <summary>Gets the population standard deviation (divisor n) of the days between consecutive purchase days, or <see langword="null"/> with fewer than two purchase days.</summary>
    public double? IntervalPopulationStdDevDays
    {
        get => _v.Has(FeatureValues.HasStdDev) ? _v.IntervalStdDev : null;
        internal init => _v.IntervalStdDev = _v.Set(FeatureValues.HasStdDev, value);
    }

    /// <summary>Gets the shortest interval in days, or <see langword="null"/>.</summary>
    public int? IntervalMinDays
    {
        get => _v.Has(FeatureValues.HasMin) ? _v.IntervalMin : null;
        internal init => _v.IntervalMin = (int)_v.Set(FeatureValues.HasMin, value);
    }

    /// <summary>Gets the longest interval in days, or <see langword="null"/>.</summary>
    public int? IntervalMaxDays
    {
        get => _v.Has(FeatureValues.HasMax) ? _v.IntervalMax : null;
        internal init => _v.IntervalMax = (int)_v.Set(FeatureValues.HasMax, value);
    }

    /// <summary>Gets the BTYD summary (x, t_x, T) in <see cref="FeatureSettings.TimeUnit"/>; default when there is no purchase.</summary>
    public BtydSummary Btyd { get => _v.Btyd; internal init => _v.Btyd = value; }

    // Categories and channels are slices of arrays shared by the customers of one extraction chunk (issue 17: two small arrays per
    // customer doubled the bytes the garbage collector copied while the features of a large population were being built).
    private CategoryStat[] _categories = [];
    private ChannelStat[] _channels = [];

    /// <summary>Gets spend per category, ordered by category name (ordinal).</summary>
    /// <remarks>A read-only view over storage shared with other customers of the same extraction; each access returns a new view.</remarks>
    public IReadOnlyList<CategoryStat> Categories
    {
        get => View(_categories, _v.CategoryStart, _v.CategoryCount);
        internal init => (_categories, _v.CategoryStart, _v.CategoryCount) = Own(value);
    }

    /// <summary>Gets orders per channel, ordered by channel text (ordinal, case-insensitive).</summary>
    /// <remarks>A read-only view over storage shared with other customers of the same extraction; each access returns a new view.</remarks>
    public IReadOnlyList<ChannelStat> Channels
    {
        get => View(_channels, _v.ChannelStart, _v.ChannelCount);
        internal init => (_channels, _v.ChannelStart, _v.ChannelCount) = Own(value);
    }

    /// <summary>Gets <see cref="Categories"/> without allocating a view (for the library's hot paths).</summary>
    internal ReadOnlySpan<CategoryStat> CategorySpan => _categories.AsSpan(_v.CategoryStart, _v.CategoryCount);

    /// <summary>Gets <see cref="Channels"/> without allocating a view (for the library's hot paths).</summary>
    internal ReadOnlySpan<ChannelStat> ChannelSpan => _channels.AsSpan(_v.ChannelStart, _v.ChannelCount);

    /// <summary>Gets whether the customer has at least one purchase before <see cref="AsOf"/>.</summary>
    public bool HasPurchased => OrderCount > 0;

    private static IReadOnlyList<T> View<T>(T[] array, int start, int count) =>
        count == 0 ? Array.Empty<T>() : new ArraySegment<T>(array, start, count);

    private static (T[] Array, int Start, int Count) Own<T>(IReadOnlyList<T> items)
    {
        T[] copy = [.. items];
        return (copy, 0, copy.Length);
    }

    /// <summary>Returns the category statistics for <paramref name="category"/> (ordinal, case-insensitive), or <see langword="null"/>.</summary>
    /// <param name="category">The category.</param>
    /// <returns>The statistics, or <see langword="null"/> when the customer never bought in it.</returns>
    public CategoryStat? FindCategory(string category)
    {
        foreach (var c in CategorySpan)
        {
            if (string.Equals(c.Category, category, StringComparison.OrdinalIgnoreCase))
            {
                return c;
            }
        }

        return null;
    }
}

/// <summary>
/// The values of one customer's <see cref="CustomerFeatures"/>, packed without references (issue 17): the extractor writes a million of
/// them into one array that the garbage collector neither copies nor scans. Categories and channels are slices of the extraction chunk's
/// shared arrays.
/// </summary>
internal record struct FeatureValues
{
    /// <summary>The stored value of an absent instant.</summary>
    public const long NoInstant = long.MinValue;

    /// <summary>Flags of the optional interval values present.</summary>
    public const byte HasMean = 1, HasStdDev = 2, HasMin = 4, HasMax = 8;

    public decimal GrossSpend;
    public decimal ReturnedAmount;
    public decimal DiscountTotal;
    public BtydSummary Btyd;
    public long FirstPurchaseTicks;
    public long LastPurchaseTicks;
    public long Quantity;
    public double IntervalMean;
    public double IntervalStdDev;
    public int OrderCount;
    public int PurchaseDays;
    public int ReturnCount;
    public int IntervalMin;
    public int IntervalMax;
    public int CategoryStart;
    public int CategoryCount;
    public int ChannelStart;
    public int ChannelCount;
    public byte Present;

    public readonly bool Has(byte flag) => (Present & flag) != 0;

    public double Set(byte flag, double? value)
    {
        Present = value.HasValue ? (byte)(Present | flag) : (byte)(Present & ~flag);
        return value ?? 0;
    }
}
