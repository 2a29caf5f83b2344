using CemCore.Primitives;

namespace CemCore.Personalization;

/// <summary>What an offer gives.</summary>
public enum OfferKind
{
    /// <summary>A percentage off the applicable items; <see cref="Offer.Value"/> is the percent in (0, 100].</summary>
    PercentageDiscount = 0,

    /// <summary>A fixed amount off; <see cref="Offer.Value"/> is the amount in the offer's currency (&gt; 0).</summary>
    FixedDiscount = 1,

    /// <summary>A loyalty-points multiplier; <see cref="Offer.Value"/> is the multiplier (&gt; 1, e.g. 2 for double points).</summary>
    PointsMultiplier = 2,

    /// <summary>Free shipping; <see cref="Offer.Value"/> is 0.</summary>
    FreeShipping = 3,

    /// <summary>A free gift; <see cref="Offer.GiftSku"/> names it and <see cref="Offer.Value"/> is 0.</summary>
    Gift = 4,
}

/// <summary>Extra benefits that come with an offer, on top of its <see cref="OfferKind"/>.</summary>
[Flags]
public enum OfferPerks
{
    /// <summary>No extra benefit. The default value.</summary>
    None = 0,

    /// <summary>Free shipping on the order that redeems the offer.</summary>
    FreeShipping = 1,

    /// <summary>A free exchange of the returned item (after-sales compensation for quality returns).</summary>
    FreeExchange = 2,
}

/// <summary>
/// An offer in the catalogue: what the customer gets, on what, where it can be redeemed and for how long.
/// </summary>
/// <remarks>
/// <para>The validity window is half-open: valid at <c>t</c> when <c>ValidFrom ≤ t &lt; ValidUntil</c>; a missing bound is open.</para>
/// <para>Empty <see cref="ApplicableCategories"/> and <see cref="ApplicableSkus"/> mean "every item"; category and SKU matching is
/// ordinal and case-insensitive. Empty <see cref="RedeemableChannels"/> means "every sales channel" (an omnichannel offer);
/// otherwise the listed channels only (for example <c>online</c> and <c>store</c>).</para>
/// <para>Immutable and thread-safe. Collections are compared by reference.</para>
/// </remarks>
public sealed record Offer
{
    /// <summary>The largest percentage for <see cref="OfferKind.PercentageDiscount"/>.</summary>
    public const decimal MaxPercent = 100m;

    /// <summary>Creates an offer.</summary>
    /// <param name="id">A stable id (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>); not blank.</param>
    /// <param name="kind">What the offer gives.</param>
    /// <param name="value">Percent, amount or multiplier, as documented on <see cref="OfferKind"/>.</param>
    /// <param name="validFrom">Start of the validity window (inclusive), or <see langword="null"/> for open.</param>
    /// <param name="validUntil">End of the validity window (exclusive), or <see langword="null"/> for open.</param>
    /// <param name="perks">Extra benefits.</param>
    /// <param name="applicableCategories">Categories the discount applies to; empty for all.</param>
    /// <param name="applicableSkus">SKUs the discount applies to; empty for all.</param>
    /// <param name="redeemableChannels">Sales channels where it can be redeemed; empty for all.</param>
    /// <param name="giftSku">For <see cref="OfferKind.Gift"/>, the gift's SKU.</param>
    /// <param name="budgetCost">
    /// What one issued offer charges against a campaign's money budget, non-negative. <see langword="null"/> means
    /// <paramref name="value"/> for a fixed discount and 0 otherwise.
    /// </param>
    /// <param name="coupon">How coupon codes are issued for this offer, or <see langword="null"/> for an offer without a code.</param>
    /// <exception cref="ArgumentException">A value is out of its documented range, or the window is empty.</exception>
    public Offer(
        string id,
        OfferKind kind,
        decimal value,
        DateTimeOffset? validFrom = null,
        DateTimeOffset? validUntil = null,
        OfferPerks perks = OfferPerks.None,
        IEnumerable<string>? applicableCategories = null,
        IEnumerable<string>? applicableSkus = null,
        IEnumerable<SalesChannel>? redeemableChannels = null,
        string? giftSku = null,
        decimal? budgetCost = null,
        CouponPolicy? coupon = null)
    {
        Id = Identifiers.Require(id, nameof(id));
        Kind = kind;
        Value = kind switch
        {
            OfferKind.PercentageDiscount => value is > 0m and <= MaxPercent
                ? value
                : throw new ArgumentOutOfRangeException(nameof(value), value, "A percentage discount must be in (0, 100]."),
            OfferKind.FixedDiscount => value > 0m ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A fixed discount must be greater than 0."),
            OfferKind.PointsMultiplier => value > 1m ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "A points multiplier must be greater than 1."),
            OfferKind.FreeShipping or OfferKind.Gift => value == 0m ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "Free shipping and gifts carry no value; use 0."),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown offer kind."),
        };
        if (validFrom is { } f && validUntil is { } u && u <= f)
        {
            throw new ArgumentException($"The validity window is empty: validUntil ({u:O}) must be after validFrom ({f:O}).", nameof(validUntil));
        }

        ValidFrom = validFrom;
        ValidUntil = validUntil;
        Perks = perks;
        ApplicableCategories = Check.List(applicableCategories);
        ApplicableSkus = Check.List(applicableSkus);
        RedeemableChannels = Check.List(redeemableChannels);
        if (kind == OfferKind.Gift && string.IsNullOrWhiteSpace(giftSku))
        {
            throw new ArgumentException("A gift offer must name its gift SKU.", nameof(giftSku));
        }

        GiftSku = string.IsNullOrWhiteSpace(giftSku) ? null : giftSku;
        BudgetCost = budgetCost is { } c ? Check.NonNegative(c, nameof(budgetCost)) : kind == OfferKind.FixedDiscount ? value : 0m;
        Coupon = coupon;
    }

    /// <summary>Gets the offer id.</summary>
    public string Id { get; }

    /// <summary>Gets what the offer gives.</summary>
    public OfferKind Kind { get; }

    /// <summary>Gets the percent, amount or multiplier (see <see cref="OfferKind"/>).</summary>
    public decimal Value { get; }

    /// <summary>Gets the inclusive start of the validity window, or <see langword="null"/>.</summary>
    public DateTimeOffset? ValidFrom { get; }

    /// <summary>Gets the exclusive end of the validity window, or <see langword="null"/>.</summary>
    public DateTimeOffset? ValidUntil { get; }

    /// <summary>Gets the extra benefits.</summary>
    public OfferPerks Perks { get; }

    /// <summary>Gets the categories the discount applies to (empty = all).</summary>
    public IReadOnlyList<string> ApplicableCategories { get; }

    /// <summary>Gets the SKUs the discount applies to (empty = all).</summary>
    public IReadOnlyList<string> ApplicableSkus { get; }

    /// <summary>Gets the sales channels where the offer can be redeemed (empty = all).</summary>
    public IReadOnlyList<SalesChannel> RedeemableChannels { get; }

    /// <summary>Gets the gift SKU for <see cref="OfferKind.Gift"/>, otherwise <see langword="null"/>.</summary>
    public string? GiftSku { get; }

    /// <summary>Gets what one issued offer charges against a campaign's money budget.</summary>
    public decimal BudgetCost { get; }

    /// <summary>Gets the coupon policy, or <see langword="null"/> for an offer without a code.</summary>
    public CouponPolicy? Coupon { get; }

    /// <summary>Returns whether the offer is valid at an instant (half-open window).</summary>
    /// <param name="instant">The instant.</param>
    /// <returns><see langword="true"/> inside the window.</returns>
    public bool IsValidAt(DateTimeOffset instant) =>
        (ValidFrom is not { } f || instant >= f) && (ValidUntil is not { } u || instant < u);

    /// <summary>Returns whether the offer can be redeemed on a sales channel.</summary>
    /// <param name="channel">The sales channel.</param>
    /// <returns><see langword="true"/> when no channels are listed or the channel is listed.</returns>
    public bool IsRedeemableOn(SalesChannel channel)
    {
        if (RedeemableChannels.Count == 0)
        {
            return true;
        }

        for (var i = 0; i < RedeemableChannels.Count; i++)
        {
            if (RedeemableChannels[i] == channel || (RedeemableChannels[i].Kind is not (SalesChannelKind.Other or SalesChannelKind.Unspecified) && RedeemableChannels[i].Kind == channel.Kind))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Returns whether the offer applies to an item (by SKU or category).</summary>
    /// <param name="sku">The item's SKU.</param>
    /// <param name="category">The item's category.</param>
    /// <returns><see langword="true"/> when no restriction is set, or the SKU or the category is listed.</returns>
    public bool AppliesTo(string sku, string category)
    {
        if (ApplicableCategories.Count == 0 && ApplicableSkus.Count == 0)
        {
            return true;
        }

        return Contains(ApplicableSkus, sku) || Contains(ApplicableCategories, category);
    }

    /// <summary>Returns a short, culture-invariant description of the benefit, such as <c>15% off</c> (en-US) — used in previews and traces.</summary>
    /// <returns>The description.</returns>
    public string Describe() => OfferText.Describe(this, "en-US");

    private static bool Contains(IReadOnlyList<string> list, string? value)
    {
        if (value is null)
        {
            return false;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>How coupon codes are issued for an offer.</summary>
/// <param name="MaxRedemptionsPerCode">How many times one code may be redeemed, at least 1 (default 1: single use).</param>
/// <param name="CodeLength">Random characters per code, in [<see cref="MinCodeLength"/>, <see cref="MaxCodeLength"/>] (default 12).</param>
/// <param name="Prefix">An optional prefix (letters and digits, at most 8) placed before the random part, such as <c>WB</c>.</param>
/// <param name="ValidFor">How long an issued code stays valid from issue, or <see langword="null"/> to use the offer's window only.</param>
public sealed record CouponPolicy(int MaxRedemptionsPerCode = 1, int CodeLength = 12, string? Prefix = null, TimeSpan? ValidFor = null)
{
    /// <summary>The shortest random part (8 characters of a 31-letter alphabet ≈ 39.6 bits).</summary>
    public const int MinCodeLength = 8;

    /// <summary>The longest random part.</summary>
    public const int MaxCodeLength = 32;

    /// <summary>Gets how many times one code may be redeemed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1.</exception>
    public int MaxRedemptionsPerCode { get; } = MaxRedemptionsPerCode >= 1
        ? MaxRedemptionsPerCode
        : throw new ArgumentOutOfRangeException(nameof(MaxRedemptionsPerCode), MaxRedemptionsPerCode, "Must be at least 1.");

    /// <summary>Gets the number of random characters per code.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [8, 32].</exception>
    public int CodeLength { get; } = CodeLength is >= MinCodeLength and <= MaxCodeLength
        ? CodeLength
        : throw new ArgumentOutOfRangeException(nameof(CodeLength), CodeLength, $"Must be in [{MinCodeLength}, {MaxCodeLength}].");

    /// <summary>Gets the prefix, or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentException">Not 1-8 ASCII letters or digits.</exception>
    public string? Prefix { get; } = Prefix is null || (Prefix.Length is >= 1 and <= 8 && Prefix.All(char.IsAsciiLetterOrDigit))
        ? Prefix
        : throw new ArgumentException($"A coupon prefix must be 1-8 ASCII letters or digits (got {Prefix.Length} characters).", nameof(Prefix));

    /// <summary>Gets how long an issued code stays valid, or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Zero or negative.</exception>
    public TimeSpan? ValidFor { get; } = ValidFor is null || ValidFor > TimeSpan.Zero
        ? ValidFor
        : throw new ArgumentOutOfRangeException(nameof(ValidFor), ValidFor, "Must be positive.");
}

/// <summary>Validation of ids used in rules, offers, templates and campaigns.</summary>
internal static class Identifiers
{
    public const int MaxLength = 128;

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    public static string Require(string? id, string paramName)
    {
        ArgumentNullException.ThrowIfNull(id, paramName);
        return IsValid(id)
            ? id
            : throw new ArgumentException($"An id must be 1-{MaxLength} ASCII letters, digits, '-', '_' or '.' (got {id.Length} characters).", paramName);
    }
}
