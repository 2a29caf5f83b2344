using System.Globalization;
using CemCore.Merging;
using CemCore.Primitives;

namespace CemCore.Features;

/// <summary>
/// The mergeable partial of partitioned feature extraction: the finished <see cref="CustomerFeatures"/> of one partition's customers,
/// each with an ordering key (e.g. the customer's first row number in the source). Merging unions disjoint customer sets;
/// <see cref="Finish"/> yields them in key order, so partitioned and one-pass runs give the same feature set, value for value.
/// </summary>
/// <remarks>
/// <para>A customer's features depend on that customer's rows only, so partitions must hold whole customers
/// (see <see cref="CustomerPartitioner"/>); a customer or key in two partials is refused.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class FeaturePartial : IMergeable<FeaturePartial, CustomerFeatureSet>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.features";

    private readonly (long Key, CustomerFeatures Features)[] _items;

    private FeaturePartial((long Key, CustomerFeatures Features)[] items, DateTimeOffset asOf, FeatureSettings settings)
    {
        _items = items;
        AsOf = asOf;
        Settings = settings;
        Format = new PartialFormat(KindId, 1, PartialFormat.FingerprintOf(SettingsText(asOf, settings)));
    }

    /// <summary>Gets the exclusive as-of instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the settings the features were computed with.</summary>
    public FeatureSettings Settings { get; }

    /// <summary>Gets the number of customers.</summary>
    public int Count => _items.Length;

    /// <inheritdoc/>
    /// <remarks>Version 1; settings text <c>asOf=TICKS+OFFSETMIN;unit=U;zone=ID</c>. Payload: as-of UTC ticks (int64) and offset minutes
    /// (int32), time unit (int32), time-zone id (string); the customer count (int32); per customer in key order: the key (int64) and every
    /// stored field of <see cref="CustomerFeatures"/> (see docs/scale-out.md).</remarks>
    public PartialFormat Format { get; }

    /// <summary>Creates the partial of one partition.</summary>
    /// <param name="features">The partition's features.</param>
    /// <param name="orderKeys">The ordering key of every customer (same order as <paramref name="features"/>, distinct across all partials),
    /// or <see langword="null"/> for the positions 0, 1, ….</param>
    /// <returns>The partial.</returns>
    /// <exception cref="ArgumentException"><paramref name="orderKeys"/> has another length or a repeated key.</exception>
    public static FeaturePartial Create(CustomerFeatureSet features, IReadOnlyList<long>? orderKeys = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (orderKeys is not null && orderKeys.Count != features.Count)
        {
            throw new ArgumentException($"orderKeys must have {features.Count} elements (one per customer) but has {orderKeys.Count}.", nameof(orderKeys));
        }

        var items = new (long Key, CustomerFeatures Features)[features.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = (orderKeys?[i] ?? i, features[i]);
        }

        Array.Sort(items, static (a, b) => a.Key.CompareTo(b.Key));
        for (var i = 1; i < items.Length; i++)
        {
            if (items[i].Key == items[i - 1].Key)
            {
                throw new ArgumentException($"orderKeys repeats the key {items[i].Key}.", nameof(orderKeys));
            }
        }

        return new FeaturePartial(items, features.AsOf, features.Settings);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A customer id or ordering key is in both partials.</exception>
    public FeaturePartial MergeWith(FeaturePartial other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Format.EnsureMergeable(other.Format);
        var a = _items;
        var b = other._items;
        var result = new (long Key, CustomerFeatures Features)[a.Length + b.Length];
        int i = 0, j = 0, k = 0;
        while (i < a.Length || j < b.Length)
        {
            if (i < a.Length && j < b.Length && a[i].Key == b[j].Key)
            {
                throw new ArgumentException($"The ordering key {a[i].Key} is in both partials; partitions must hold disjoint customers.", nameof(other));
            }

            result[k++] = j >= b.Length || (i < a.Length && a[i].Key < b[j].Key) ? a[i++] : b[j++];
        }

        var ids = new HashSet<string>(_items.Length, StringComparer.Ordinal);
        foreach (var (_, f) in _items)
        {
            ids.Add(f.CustomerId);
        }

        foreach (var (_, f) in other._items)
        {
            if (ids.Contains(f.CustomerId))
            {
                throw new ArgumentException("A customer is in both partials; partitions must hold disjoint customers.", nameof(other));
            }
        }

        return new FeaturePartial(result, AsOf, Settings);
    }

    /// <summary>Returns the features of all customers in key order.</summary>
    /// <returns>The feature set.</returns>
    public CustomerFeatureSet Finish() => new([.. _items.Select(static x => x.Features)], AsOf, Settings);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(AsOf.UtcTicks);
        w.Write((int)AsOf.Offset.TotalMinutes);
        w.Write((int)Settings.TimeUnit);
        w.Write(Settings.TimeZone.Id);
        w.Write(_items.Length);
        foreach (var (key, f) in _items)
        {
            w.Write(key);
            w.Write(f.CustomerId);
            w.Write(f.OrderCount);
            w.Write(f.PurchaseDays);
            WriteInstant(w, f.FirstPurchase);
            WriteInstant(w, f.LastPurchase);
            w.WriteDecimal(f.GrossSpend);
            w.WriteDecimal(f.ReturnedAmount);
            w.Write(f.ReturnCount);
            w.WriteDecimal(f.DiscountTotal);
            w.Write(f.Quantity);
            WriteOptional(w, f.IntervalMeanDays);
            WriteOptional(w, f.IntervalPopulationStdDevDays);
            WriteOptional(w, f.IntervalMinDays);
            WriteOptional(w, f.IntervalMaxDays);
            w.Write(f.Btyd.Frequency);
            w.Write(f.Btyd.Recency);
            w.Write(f.Btyd.Age);
            w.Write((int)f.Btyd.Unit);
            w.WriteDecimal(f.Btyd.MeanRepeatSpend);
            w.Write(f.CategorySpan.Length);
            foreach (var c in f.CategorySpan)
            {
                w.Write(c.Category);
                w.WriteDecimal(c.Spend);
                w.Write(c.Orders);
                WriteInstant(w, c.LastPurchase);
            }

            w.Write(f.ChannelSpan.Length);
            foreach (var c in f.ChannelSpan)
            {
                w.Write(c.Channel.Value);
                w.Write(c.Orders);
                w.WriteDecimal(c.Spend);
            }
        }
    }

    /// <inheritdoc/>
    public static FeaturePartial ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var asOf = new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(r.ReadInt32()));
        var unit = (TimeUnit)r.ReadInt32();
        var zoneId = r.ReadString();
        TimeZoneInfo zone;
        try
        {
            zone = zoneId == TimeZoneInfo.Utc.Id ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (TimeZoneNotFoundException ex)
        {
            throw new InvalidDataException("The features partial names a time zone unknown on this machine.", ex);
        }

        var settings = new FeatureSettings(unit, zone);
        var n = r.ReadCount("customer");
        var items = new (long Key, CustomerFeatures Features)[n];
        for (var i = 0; i < n; i++)
        {
            var key = r.ReadInt64();
            if (i > 0 && key <= items[i - 1].Key)
            {
                throw new InvalidDataException("The features partial is corrupt: the keys are not ascending.");
            }

            var id = Check.NotBlank(r.ReadString(), "customerId");
            var f = new CustomerFeatures(id, asOf)
            {
                OrderCount = r.ReadCount("order"),
                PurchaseDays = r.ReadCount("purchase day"),
                FirstPurchase = ReadInstant(r),
                LastPurchase = ReadInstant(r),
                GrossSpend = r.ReadDecimal(),
                ReturnedAmount = r.ReadDecimal(),
                ReturnCount = r.ReadCount("return"),
                DiscountTotal = r.ReadDecimal(),
                Quantity = r.ReadInt64(),
                IntervalMeanDays = ReadOptionalDouble(r),
                IntervalPopulationStdDevDays = ReadOptionalDouble(r),
                IntervalMinDays = ReadOptionalInt(r),
                IntervalMaxDays = ReadOptionalInt(r),
                Btyd = new BtydSummary(r.ReadCount("BTYD frequency"), r.ReadFinite("BTYD recency"), r.ReadFinite("BTYD age"), (TimeUnit)r.ReadInt32(), r.ReadDecimal()),
                Categories = ReadCategories(r),
                Channels = ReadChannels(r),
            };
            items[i] = (key, f);
        }

        return new FeaturePartial(items, asOf, settings);
    });

    private static CategoryStat[] ReadCategories(BinaryReader r)
    {
        var result = new CategoryStat[r.ReadCount("category")];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new CategoryStat(r.ReadString(), r.ReadDecimal(), r.ReadCount("category order"), ReadInstant(r) ?? throw new InvalidDataException("The features partial is corrupt: a category without its last purchase."));
        }

        return result;
    }

    private static ChannelStat[] ReadChannels(BinaryReader r)
    {
        var result = new ChannelStat[r.ReadCount("channel")];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new ChannelStat(new SalesChannel(r.ReadString()), r.ReadCount("channel order"), r.ReadDecimal());
        }

        return result;
    }

    private static string SettingsText(DateTimeOffset asOf, FeatureSettings settings) => string.Create(
        CultureInfo.InvariantCulture, $"asOf={asOf.UtcTicks}{(int)asOf.Offset.TotalMinutes:+0;-0};unit={settings.TimeUnit};zone={settings.TimeZone.Id}");

    private static void WriteInstant(BinaryWriter w, DateTimeOffset? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
        {
            w.Write(v.UtcTicks);
            w.Write((int)v.Offset.TotalMinutes);
        }
    }

    private static DateTimeOffset? ReadInstant(BinaryReader r) =>
        r.ReadBoolean() ? new DateTimeOffset(r.ReadInt64(), TimeSpan.Zero).ToOffset(TimeSpan.FromMinutes(r.ReadInt32())) : null;

    private static void WriteOptional(BinaryWriter w, double? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
        {
            w.Write(v);
        }
    }

    private static void WriteOptional(BinaryWriter w, int? value)
    {
        w.Write(value.HasValue);
        if (value is { } v)
        {
            w.Write(v);
        }
    }

    private static double? ReadOptionalDouble(BinaryReader r) => r.ReadBoolean() ? r.ReadFinite("an interval statistic") : null;

    private static int? ReadOptionalInt(BinaryReader r) => r.ReadBoolean() ? r.ReadInt32() : null;
}
