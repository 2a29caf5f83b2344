using System.Security.Cryptography;
using CemCore.Primitives;

namespace CemCore.Personalization;

/// <summary>
/// Generates unguessable coupon codes from a cryptographically secure random source (<see cref="RandomNumberGenerator"/>).
/// </summary>
/// <remarks>
/// <para>The alphabet is <see cref="Alphabet"/>: 31 characters, the upper-case Latin letters and digits without the ambiguous
/// <c>0 O 1 I L</c>. Each character carries log2(31) ≈ 4.954 bits, so the default 12 characters carry ≈ 59.4 bits: guessing a
/// valid code among a million issued ones succeeds with probability about 1.4e-12 per try.</para>
/// <para>Codes are upper case; <see cref="Normalize"/> maps user input (lower case, spaces, dashes, and the look-alikes
/// <c>0→O</c>… are NOT remapped: a code with an ambiguous character simply does not exist).</para>
/// <para>Thread-safe: the generator holds no state.</para>
/// </remarks>
public static class CouponCodeGenerator
{
    /// <summary>The code alphabet: <c>ABCDEFGHJKMNPQRSTUVWXYZ23456789</c> (no 0, O, 1, I, L).</summary>
    public const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    /// <summary>Generates one code: the policy's prefix, then <see cref="CouponPolicy.CodeLength"/> random characters.</summary>
    /// <param name="policy">The coupon policy.</param>
    /// <returns>The code.</returns>
    public static string Generate(CouponPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var prefix = policy.Prefix?.ToUpperInvariant() ?? string.Empty;
        return string.Create(prefix.Length + policy.CodeLength, prefix, static (span, p) =>
        {
            p.AsSpan().CopyTo(span);
            RandomNumberGenerator.GetItems(Alphabet.AsSpan(), span[p.Length..]);
        });
    }

    /// <summary>Normalizes a code typed by a customer or cashier: trims, removes spaces and dashes, upper-cases.</summary>
    /// <param name="code">The code as typed.</param>
    /// <returns>The normalized code.</returns>
    public static string Normalize(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return string.Concat(code.Where(c => c is not (' ' or '-'))).ToUpperInvariant();
    }
}

/// <summary>One issued coupon: a unique code bound to an offer and (optionally) a customer.</summary>
/// <param name="Code">The code.</param>
/// <param name="OfferId">The offer it redeems.</param>
/// <param name="CustomerId">The customer it was issued to, or <see langword="null"/> for a bearer code. Personal data: never logged.</param>
/// <param name="IssuedAt">When it was issued.</param>
/// <param name="ValidFrom">Inclusive start of validity.</param>
/// <param name="ValidUntil">Exclusive end of validity, or <see langword="null"/> for open.</param>
/// <param name="MaxRedemptions">How many times it can be redeemed.</param>
/// <remarks>Memory layout: the three instants are kept as UTC ticks with their offsets in minutes (an 80-byte object, not 104: a ledger keeps
/// one per code). Equality compares instants, as <see cref="DateTimeOffset"/> does.</remarks>
public sealed record Coupon(string Code, string OfferId, string? CustomerId, DateTimeOffset IssuedAt, DateTimeOffset ValidFrom, DateTimeOffset? ValidUntil, int MaxRedemptions)
{
    private const long NoEnd = long.MinValue;
    private readonly long _issued = IssuedAt.UtcTicks;
    private readonly long _from = ValidFrom.UtcTicks;
    private readonly long _until = ValidUntil?.UtcTicks ?? NoEnd;
    private readonly short _issuedOffset = OffsetOf(IssuedAt);
    private readonly short _fromOffset = OffsetOf(ValidFrom);
    private readonly short _untilOffset = ValidUntil is { } u ? OffsetOf(u) : (short)0;

    /// <summary>Gets when it was issued.</summary>
    public DateTimeOffset IssuedAt
    {
        get => At(_issued, _issuedOffset);
        init => (_issued, _issuedOffset) = (value.UtcTicks, OffsetOf(value));
    }

    /// <summary>Gets the inclusive start of validity.</summary>
    public DateTimeOffset ValidFrom
    {
        get => At(_from, _fromOffset);
        init => (_from, _fromOffset) = (value.UtcTicks, OffsetOf(value));
    }

    /// <summary>Gets the exclusive end of validity, or <see langword="null"/> for open.</summary>
    public DateTimeOffset? ValidUntil
    {
        get => _until == NoEnd ? null : At(_until, _untilOffset);
        init => (_until, _untilOffset) = value is { } v ? (v.UtcTicks, OffsetOf(v)) : (NoEnd, (short)0);
    }

    /// <summary>Compares every property (instants as instants, whatever their offsets).</summary>
    /// <param name="other">The other coupon.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public bool Equals(Coupon? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (string.Equals(Code, other.Code, StringComparison.Ordinal)
                && string.Equals(OfferId, other.OfferId, StringComparison.Ordinal)
                && string.Equals(CustomerId, other.CustomerId, StringComparison.Ordinal)
                && _issued == other._issued
                && _from == other._from
                && _until == other._until
                && MaxRedemptions == other.MaxRedemptions));

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(StringComparer.Ordinal.GetHashCode(Code), StringComparer.Ordinal.GetHashCode(OfferId), CustomerId is null ? 0 : StringComparer.Ordinal.GetHashCode(CustomerId), _issued, _from, _until, MaxRedemptions);

    private static short OffsetOf(DateTimeOffset value) => (short)value.TotalOffsetMinutes;

    private static DateTimeOffset At(long utcTicks, short offsetMinutes)
    {
        var offset = TimeSpan.FromMinutes(offsetMinutes);
        return new DateTimeOffset(utcTicks + offset.Ticks, offset);
    }
}

/// <summary>The result of <see cref="CouponLedger.TryRedeem"/>.</summary>
public enum RedemptionStatus
{
    /// <summary>Redeemed; one use was consumed.</summary>
    Redeemed = 0,

    /// <summary>No such code.</summary>
    UnknownCode = 1,

    /// <summary>Before the coupon's validity window.</summary>
    NotYetValid = 2,

    /// <summary>After the coupon's validity window.</summary>
    Expired = 3,

    /// <summary>Every allowed use has been consumed.</summary>
    UsageLimitReached = 4,

    /// <summary>The sales channel is not one where the offer can be redeemed.</summary>
    WrongChannel = 5,

    /// <summary>No item of the basket is covered by the offer's categories or SKUs.</summary>
    NotApplicable = 6,

    /// <summary>The code was issued to another customer.</summary>
    WrongCustomer = 7,
}

/// <summary>
/// Issues unique coupon codes for offers and redeems them online and in store with usage limits, validity windows,
/// channel and item restrictions. An in-memory reference implementation; a host with a database keeps the same rules.
/// </summary>
/// <remarks>
/// <para>Safe for concurrent use: every read and write takes the ledger's lock, so usage counts never exceed the limit.</para>
/// <para>Memory layout (see docs/dispatch.md): one 40-byte row per code in an array (the code, the issue key, the customer, the issue
/// instant as UTC ticks with its offset, and the issuing offer as an index into a small table of offers), found through two
/// open-addressing indexes of row numbers (by code and by issue key, 4 bytes a slot at a load of at most 0.7). No object is kept per
/// code: a <see cref="Coupon"/> is made when one is asked for, with the validity window computed again from the issuing offer and the
/// issue instant (the same rule as at the issue), so it equals the coupon first returned. A use count is kept only for codes redeemed at
/// least once.</para>
/// </remarks>
public sealed class CouponLedger : CemCore.Dispatch.ICouponStore
{
    private const int MaxCollisionRetries = 16;
    private readonly Dictionary<string, int> _used = new(StringComparer.Ordinal);
    private readonly Dictionary<Offer, int> _issuerIndex = new(ReferenceEqualityComparer.Instance);
    private readonly List<Offer> _issuers = [];
    private readonly Lock _gate = new();
    private Row[] _rows;
    private int _count;
    private int[] _byCode;
    private int[] _byKey;

    /// <summary>Creates an empty ledger.</summary>
    public CouponLedger()
        : this(0)
    {
    }

    /// <summary>Creates an empty ledger sized for <paramref name="capacity"/> codes (no rehashing while a run of that size fills it).</summary>
    /// <param name="capacity">Expected codes, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public CouponLedger(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _rows = new Row[capacity];
        _byCode = new int[SlotsFor(capacity)];
        _byKey = new int[SlotsFor(capacity)];
    }

    /// <summary>Gets the number of codes issued.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Issues a new unique code for an offer.</summary>
    /// <param name="offer">The offer; must have a <see cref="Offer.Coupon"/> policy.</param>
    /// <param name="customerId">The customer it is issued to, or <see langword="null"/> for a bearer code.</param>
    /// <param name="issuedAt">When it is issued; must be inside the offer's window.</param>
    /// <returns>The coupon. Its validity is the offer's window, shortened to <see cref="CouponPolicy.ValidFor"/> from issue when set.</returns>
    /// <exception cref="ArgumentException">The offer has no coupon policy or is not valid at <paramref name="issuedAt"/>.</exception>
    public Coupon Issue(Offer offer, string? customerId, DateTimeOffset issuedAt)
    {
        var row = IssueRow(null, offer, customerId, issuedAt);
        return ToCoupon(row);
    }

    /// <summary>
    /// Issues a code once per <paramref name="issueKey"/>: a second call with the same key returns the first coupon, so a retried or
    /// restarted campaign run shows the customer the same code.
    /// </summary>
    /// <param name="issueKey">A stable key such as the send's idempotency key.</param>
    /// <param name="offer">The offer; must have a <see cref="Offer.Coupon"/> policy.</param>
    /// <param name="customerId">The customer, or <see langword="null"/>.</param>
    /// <param name="issuedAt">When it is issued (first call only).</param>
    /// <returns>The coupon (equal to the first one returned for the key).</returns>
    /// <exception cref="ArgumentException">The offer has no coupon policy or is not valid at <paramref name="issuedAt"/>.</exception>
    public Coupon IssueOnce(string issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt)
    {
        Check.NotBlank(issueKey);
        return ToCoupon(IssueRow(issueKey, offer, customerId, issuedAt));
    }

    /// <summary>
    /// <see cref="IssueOnce"/> without a <see cref="Coupon"/> object (the campaign runner's path): the code and the end of its validity.
    /// </summary>
    /// <param name="issueKey">The key (the send's idempotency key).</param>
    /// <param name="offer">The offer; must have a coupon policy.</param>
    /// <param name="customerId">The customer, or <see langword="null"/>.</param>
    /// <param name="issuedAt">When (first call only).</param>
    /// <param name="cancellationToken">Cancels the issue.</param>
    /// <returns>The code and the end of its validity.</returns>
    public ValueTask<CemCore.Dispatch.IssuedCouponCode> IssueOnceCodeAsync(string issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Check.NotBlank(issueKey);
        var row = IssueRow(issueKey, offer, customerId, issuedAt);
        var until = Window(IssuerOf(row), At(row.IssuedTicks, row.IssuedOffset)).Until;
        return new ValueTask<CemCore.Dispatch.IssuedCouponCode>(new CemCore.Dispatch.IssuedCouponCode(row.Code, until));
    }

    /// <inheritdoc/>
    public ValueTask<Coupon> IssueOnceAsync(string issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(IssueOnce(issueKey, offer, customerId, issuedAt));
    }

    /// <summary>Looks a code up without redeeming it.</summary>
    /// <param name="code">The code (normalized with <see cref="CouponCodeGenerator.Normalize"/>).</param>
    /// <param name="coupon">The coupon when found.</param>
    /// <param name="remainingUses">Uses left.</param>
    /// <returns><see langword="true"/> when the code exists.</returns>
    public bool TryGet(string code, out Coupon? coupon, out int remainingUses)
    {
        ArgumentNullException.ThrowIfNull(code);
        var normalized = CouponCodeGenerator.Normalize(code);
        lock (_gate)
        {
            var i = Find(_byCode, normalized, byKey: false);
            if (i >= 0)
            {
                coupon = ToCoupon(_rows[i]);
                remainingUses = coupon.MaxRedemptions - _used.GetValueOrDefault(normalized);
                return true;
            }
        }

        coupon = null;
        remainingUses = 0;
        return false;
    }

    /// <summary>Redeems a code once, online or in store.</summary>
    /// <param name="code">The code as typed (normalized here).</param>
    /// <param name="channel">Where it is redeemed.</param>
    /// <param name="at">When.</param>
    /// <param name="basket">The basket's items as (SKU, category) pairs; empty skips the item check.</param>
    /// <param name="customerId">Who redeems it; checked against the issued customer when both are known.</param>
    /// <returns>The status; only <see cref="RedemptionStatus.Redeemed"/> consumes a use.</returns>
    public RedemptionStatus TryRedeem(string code, SalesChannel channel, DateTimeOffset at, IReadOnlyList<(string Sku, string Category)>? basket = null, string? customerId = null)
    {
        ArgumentNullException.ThrowIfNull(code);
        var normalized = CouponCodeGenerator.Normalize(code);
        Coupon c;
        Offer offer;
        lock (_gate)
        {
            var i = Find(_byCode, normalized, byKey: false);
            if (i < 0)
            {
                return RedemptionStatus.UnknownCode;
            }

            c = ToCoupon(_rows[i]);
            offer = _issuers[_rows[i].Offer];
        }

        if (at < c.ValidFrom)
        {
            return RedemptionStatus.NotYetValid;
        }

        if (c.ValidUntil is { } u && at >= u)
        {
            return RedemptionStatus.Expired;
        }

        if (customerId is not null && c.CustomerId is not null && !string.Equals(customerId, c.CustomerId, StringComparison.Ordinal))
        {
            return RedemptionStatus.WrongCustomer;
        }

        if (!offer.IsRedeemableOn(channel))
        {
            return RedemptionStatus.WrongChannel;
        }

        if (basket is { Count: > 0 })
        {
            var any = false;
            foreach (var (sku, category) in basket)
            {
                any |= offer.AppliesTo(sku, category);
            }

            if (!any)
            {
                return RedemptionStatus.NotApplicable;
            }
        }

        lock (_gate)
        {
            var used = _used.GetValueOrDefault(normalized);
            if (used >= c.MaxRedemptions)
            {
                return RedemptionStatus.UsageLimitReached;
            }

            _used[normalized] = used + 1;
            return RedemptionStatus.Redeemed;
        }
    }

    /// <summary>The validity of a coupon issued for <paramref name="offer"/> at <paramref name="issuedAt"/>: the offer's window, starting no
    /// earlier than the issue and shortened to <see cref="CouponPolicy.ValidFor"/> from the issue when set.</summary>
    private static (DateTimeOffset From, DateTimeOffset? Until) Window(Offer offer, DateTimeOffset issuedAt)
    {
        var from = offer.ValidFrom is { } f && f > issuedAt ? f : issuedAt;
        var until = offer.ValidUntil;
        if (offer.Coupon!.ValidFor is { } span && (until is null || issuedAt + span < until))
        {
            until = issuedAt + span;
        }

        return (from, until);
    }

    /// <summary>Issues a row (with an issue key: once per key), or returns the key's row.</summary>
    private Row IssueRow(string? issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(offer);
        if (issueKey is not null)
        {
            lock (_gate)
            {
                var existing = Find(_byKey, issueKey, byKey: true);
                if (existing >= 0)
                {
                    return _rows[existing];
                }
            }
        }

        var policy = offer.Coupon ?? throw new ArgumentException($"Offer '{offer.Id}' has no coupon policy.", nameof(offer));
        if (!offer.IsValidAt(issuedAt))
        {
            throw new ArgumentException($"Offer '{offer.Id}' is not valid at {issuedAt:O} (window [{offer.ValidFrom:O}, {offer.ValidUntil:O})).", nameof(issuedAt));
        }

        for (var attempt = 0; attempt < MaxCollisionRetries; attempt++)
        {
            var code = CouponCodeGenerator.Generate(policy);
            lock (_gate)
            {
                if (issueKey is not null && Find(_byKey, issueKey, byKey: true) is var raced and >= 0)
                {
                    return _rows[raced]; // a concurrent call with the same key issued first
                }

                if (Find(_byCode, code, byKey: false) >= 0)
                {
                    continue;
                }

                var row = new Row
                {
                    Code = code,
                    IssueKey = issueKey,
                    CustomerId = customerId,
                    IssuedTicks = issuedAt.UtcTicks,
                    IssuedOffset = (short)issuedAt.TotalOffsetMinutes,
                    Offer = IssuerIndex(offer),
                };
                Add(row);
                return row;
            }
        }

        throw new InvalidOperationException($"Could not draw an unused code after {MaxCollisionRetries} tries; raise CouponPolicy.CodeLength.");
    }

    /// <summary>The coupon of a row (caller holds the lock, or the row is a copy taken under it).</summary>
    private Coupon ToCoupon(in Row row)
    {
        var offer = IssuerOf(row);
        var issued = At(row.IssuedTicks, row.IssuedOffset);
        var (from, until) = Window(offer, issued);
        return new Coupon(row.Code, offer.Id, row.CustomerId, issued, from, until, offer.Coupon!.MaxRedemptionsPerCode);
    }

    /// <summary>The offer that issued a row.</summary>
    private Offer IssuerOf(in Row row)
    {
        lock (_gate)
        {
            return _issuers[row.Offer];
        }
    }

    private static DateTimeOffset At(long utcTicks, short offsetMinutes)
    {
        var offset = TimeSpan.FromMinutes(offsetMinutes);
        return new DateTimeOffset(utcTicks + offset.Ticks, offset);
    }

    /// <summary>The index of an issuing offer (offers are compared by reference: each keeps its own window and policy). Under the lock.</summary>
    private int IssuerIndex(Offer offer)
    {
        if (_issuers.Count > 0 && ReferenceEquals(_issuers[^1], offer))
        {
            return _issuers.Count - 1;
        }

        if (!_issuerIndex.TryGetValue(offer, out var i))
        {
            i = _issuers.Count;
            _issuers.Add(offer);
            _issuerIndex.Add(offer, i);
        }

        return i;
    }

    /// <summary>Index slots for <paramref name="rows"/> rows at a load of at most 0.7 (at least 8).</summary>
    private static int SlotsFor(int rows) => Math.Max(8, checked((int)Math.Min(int.MaxValue, (rows * 10L / 7) + 1)));

    /// <summary>Finds the row of a code or an issue key: its number, or −1. Under the lock.</summary>
    private int Find(int[] index, string value, bool byKey)
    {
        var slot = Slot(index, value);
        while (index[slot] is var r and > 0)
        {
            ref var row = ref _rows[r - 1];
            if (string.Equals(byKey ? row.IssueKey : row.Code, value, StringComparison.Ordinal))
            {
                return r - 1;
            }

            slot = slot + 1 == index.Length ? 0 : slot + 1;
        }

        return -1;
    }

    /// <summary>Appends a row and indexes it (growing the rows and rebuilding the indexes when full). Under the lock.</summary>
    private void Add(in Row row)
    {
        if (_count == _rows.Length)
        {
            var grown = new Row[Math.Max(16, checked(_rows.Length * 2))];
            Array.Copy(_rows, grown, _count);
            _rows = grown;
        }

        if (SlotsFor(_rows.Length) > _byCode.Length)
        {
            _byCode = new int[SlotsFor(_rows.Length)];
            _byKey = new int[SlotsFor(_rows.Length)];
            for (var i = 0; i < _count; i++)
            {
                Insert(i);
            }
        }

        _rows[_count] = row;
        Insert(_count);
        _count++;
    }

    private void Insert(int rowNumber)
    {
        ref var row = ref _rows[rowNumber];
        Place(_byCode, row.Code, rowNumber);
        if (row.IssueKey is not null)
        {
            Place(_byKey, row.IssueKey, rowNumber);
        }
    }

    private static void Place(int[] index, string value, int rowNumber)
    {
        var slot = Slot(index, value);
        while (index[slot] != 0)
        {
            slot = slot + 1 == index.Length ? 0 : slot + 1;
        }

        index[slot] = rowNumber + 1;
    }

    private static int Slot(int[] index, string value) => (int)(unchecked((uint)StringComparer.Ordinal.GetHashCode(value)) % (uint)index.Length);

    /// <summary>One issued code: 40 bytes.</summary>
    private struct Row
    {
        public string Code;
        public string? IssueKey;
        public string? CustomerId;
        public long IssuedTicks;
        public int Offer;
        public short IssuedOffset;
    }
}
