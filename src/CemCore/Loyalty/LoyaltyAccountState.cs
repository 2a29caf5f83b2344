using System.Runtime.InteropServices;
using CemCore.Primitives;

namespace CemCore.Loyalty;

/// <summary>A lot of points: one earn (or positive adjust) with its maturity, expiry and what is left of it.</summary>
/// <param name="SourceKey">The key of the posting that created the lot.</param>
/// <param name="OrderId">The earn's order, if any.</param>
/// <param name="Points">The points it was created with.</param>
/// <param name="Remaining">What is left (not redeemed, expired or reversed).</param>
/// <param name="MaturesAt">When it becomes available.</param>
/// <param name="ExpiresAt">When it expires (<see cref="DateTimeOffset.MaxValue"/>: never).</param>
public readonly record struct PointsLot(string SourceKey, string? OrderId, long Points, long Remaining, DateTimeOffset MaturesAt, DateTimeOffset ExpiresAt)
{
    /// <summary>Gets whether the lot is still pending at <paramref name="asOf"/>.</summary>
    /// <param name="asOf">The instant.</param>
    public bool IsPendingAt(DateTimeOffset asOf) => MaturesAt > asOf;
}

/// <summary>
/// The state machine of one points account: the rules of the ledger (pending and expiry lots, soonest-to-expire-first redemption,
/// reversals linked to their earn, no negative balance, monotonic clock). Stores keep one per account and feed it postings in order;
/// replaying the accepted postings of an account into a new state gives the same balances (that is how the SQLite sample reloads).
/// </summary>
/// <remarks>
/// <para>Not thread-safe: the store serializes access per account. <see cref="Apply"/> is allocation-free for earn, redeem and
/// adjust postings in steady state once <see cref="EnsureCapacity"/> has pre-sized it (lots are kept in a list whose consumed prefix
/// is compacted in place; every earn keeps a 16-byte (points, reversed) record indexed by its lot id so a later reversal finds it).</para>
/// <para>Maturity (<c>t + PendingDays</c>) and expiry (every <see cref="ExpiryRule"/>) are non-decreasing functions of the earn time,
/// and an account's timestamps never go backwards, so the lots are appended in maturity order and in expiry order: the matured lots
/// are a prefix of the live ones, "soonest to expire first (ties: oldest first)" is simply the first live lot, and redeem, expire and
/// maturity are amortized O(1) (no scan of the live lots).</para>
/// <para>Points are <see cref="long"/> with checked arithmetic. Invariant: <see cref="Available"/> + <see cref="Pending"/> equals the
/// sum of the signed points of every accepted posting.</para>
/// </remarks>
public sealed class LoyaltyAccountState
{
    private readonly List<Lot> _lots = [];
    private readonly List<EarnRecord> _earns = []; // by lot id: (points, reversed) of every lot ever created
    private readonly Dictionary<string, long> _earnByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _earnByOrder = new(StringComparer.Ordinal);
    private long _lotBase; // id of _lots[0]
    private int _firstLive; // index of the first lot with Remaining > 0 (all before it are empty)
    private int _matureEnd; // lots before this index are matured (or settled); the ones from it on mature in order

    /// <summary>Creates the empty state of an account.</summary>
    /// <param name="accountId">The account id; not blank.</param>
    /// <param name="policy">The ledger policy (pending days, expiry rule).</param>
    public LoyaltyAccountState(string accountId, LedgerPolicy policy)
    {
        AccountId = Check.NotBlank(accountId);
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
    }

    /// <summary>Gets the account id.</summary>
    public string AccountId { get; }

    /// <summary>Gets the policy.</summary>
    public LedgerPolicy Policy { get; }

    /// <summary>Gets whether the account has at least one accepted posting.</summary>
    public bool Exists => Version > 0;

    /// <summary>Gets the number of accepted postings (the optimistic-concurrency version).</summary>
    public long Version { get; private set; }

    /// <summary>Gets the available (matured, unexpired) points as of the last posting or <see cref="Advance"/>.</summary>
    public long Available { get; private set; }

    /// <summary>Gets the pending points as of the last posting or <see cref="Advance"/>.</summary>
    public long Pending { get; private set; }

    /// <summary>Gets the sum of the signed points of every accepted posting (= <see cref="Available"/> + <see cref="Pending"/>).</summary>
    public long PostedSum { get; private set; }

    /// <summary>Gets the timestamp of the last accepted posting (<see cref="DateTimeOffset.MinValue"/> before the first).</summary>
    public DateTimeOffset LastTimestamp { get; private set; } = DateTimeOffset.MinValue;

    /// <summary>Gets the live lots (with points left), soonest-to-expire order not guaranteed.</summary>
    public IReadOnlyList<PointsLot> Lots
    {
        get
        {
            var list = new List<PointsLot>();
            for (var i = _firstLive; i < _lots.Count; i++)
            {
                var l = _lots[i];
                if (l.Remaining > 0)
                {
                    list.Add(new PointsLot(l.SourceKey, l.OrderId, l.Points, l.Remaining, new DateTimeOffset(l.MaturesTicks, TimeSpan.Zero), ToInstant(l.ExpiresTicks)));
                }
            }

            return list;
        }
    }

    /// <summary>Returns the points of the earn of <paramref name="orderId"/> not yet reversed, if this account earned on that order.</summary>
    /// <param name="orderId">The order id.</param>
    /// <param name="unreversed">The earn's points minus what was reversed.</param>
    public bool TryGetOrderEarn(string orderId, out long unreversed)
    {
        ArgumentNullException.ThrowIfNull(orderId);
        if (_earnByOrder.TryGetValue(orderId, out var id))
        {
            var e = Earn(id);
            unreversed = e.Points - e.Reversed;
            return true;
        }

        unreversed = 0;
        return false;
    }

    /// <summary>
    /// Checks <paramref name="posting"/> against the rules without changing anything (the clock, points, balance and earn checks).
    /// Automatic expiries due before the posting are taken into account.
    /// </summary>
    /// <param name="posting">The posting (of this account).</param>
    /// <returns>Null when it would be accepted, else the reason code.</returns>
    public string? Validate(LoyaltyPosting posting)
    {
        ArgumentNullException.ThrowIfNull(posting);
        var ticks = posting.Timestamp.UtcTicks;
        if (Exists && ticks < LastTimestamp.UtcTicks)
        {
            return LedgerReasons.ClockWentBackwards;
        }

        switch (posting.Kind)
        {
            case PostingKind.Earn:
                if (posting.Points <= 0)
                {
                    return LedgerReasons.InvalidPoints;
                }

                return posting.OrderId is not null && _earnByOrder.ContainsKey(posting.OrderId) ? LedgerReasons.OrderAlreadyEarned : null;
            case PostingKind.Adjust:
                if (posting.Points == 0 || posting.Points == long.MinValue)
                {
                    return LedgerReasons.InvalidPoints;
                }

                if (string.IsNullOrWhiteSpace(posting.Reason))
                {
                    return LedgerReasons.ReasonRequired;
                }

                if (posting.Points > 0)
                {
                    return null;
                }

                return !Exists ? LedgerReasons.UnknownAccount : SpendableAt(ticks) < -posting.Points ? LedgerReasons.InsufficientBalance : null;
            case PostingKind.Redeem:
                if (posting.Points <= 0)
                {
                    return LedgerReasons.InvalidPoints;
                }

                return !Exists ? LedgerReasons.UnknownAccount : SpendableAt(ticks) < posting.Points ? LedgerReasons.InsufficientBalance : null;
            case PostingKind.Expire:
                if (posting.Points <= 0)
                {
                    return LedgerReasons.InvalidPoints;
                }

                if (!Exists)
                {
                    return LedgerReasons.UnknownAccount;
                }

                if (posting.Reference is not null)
                {
                    var i = FindLot(posting.Reference);
                    return i < 0 || _lots[i].Remaining != posting.Points ? LedgerReasons.UnknownLot : null;
                }

                return SpendableAt(ticks) < posting.Points ? LedgerReasons.InsufficientBalance : null;
            case PostingKind.Reverse:
                return ValidateReverse(posting, ticks);
            default:
                return LedgerReasons.InvalidPoints;
        }
    }

    /// <summary>
    /// Applies <paramref name="posting"/>: first the automatic expiries due at its timestamp (appended to <paramref name="expiries"/>
    /// and applied; pass null when replaying stored postings, which already contain them), then the posting itself if
    /// <see cref="Validate"/> accepts it. The store must have checked the idempotency key before.
    /// </summary>
    /// <param name="posting">The posting (of this account).</param>
    /// <param name="expiries">Receives the automatic expiry postings to store before this one; null in replay mode.</param>
    /// <returns>The result (accepted or rejected with a reason).</returns>
    public PostingResult Apply(LoyaltyPosting posting, ICollection<LoyaltyPosting>? expiries)
    {
        ArgumentNullException.ThrowIfNull(posting);
        if (!string.Equals(posting.AccountId, AccountId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The posting belongs to another account than '{AccountId}'.", nameof(posting));
        }

        var ticks = posting.Timestamp.UtcTicks;
        if (Exists && ticks < LastTimestamp.UtcTicks)
        {
            return Result(PostingOutcome.Rejected, LedgerReasons.ClockWentBackwards);
        }

        if (expiries is not null)
        {
            ExpireLots(ticks, expiries); // logged postings of their own, so a replay of the ledger repeats them
        }

        // Validation reads what is spendable at the posting's instant without maturing anything: a rejected posting must leave no trace,
        // or a later accepted posting with an earlier instant could spend points that were still pending at its own instant, and a
        // replay of the stored postings (a restart of a durable store) would reach another balance.
        var reason = Validate(posting);
        if (reason is not null)
        {
            return Result(PostingOutcome.Rejected, reason);
        }

        Mature(ticks);

        switch (posting.Kind)
        {
            case PostingKind.Earn:
                AddLot(posting);
                break;
            case PostingKind.Adjust when posting.Points > 0:
                AddLot(posting);
                break;
            case PostingKind.Adjust:
                Consume(checked(-posting.Points), ticks);
                break;
            case PostingKind.Redeem:
                Consume(posting.Points, ticks);
                break;
            case PostingKind.Expire when posting.Reference is not null:
                TakeFromLot(FindLot(posting.Reference), posting.Points);
                break;
            case PostingKind.Expire:
                Consume(posting.Points, ticks);
                break;
            case PostingKind.Reverse:
                ApplyReverse(posting, ticks);
                break;
        }

        PostedSum = checked(PostedSum + posting.SignedPoints);
        LastTimestamp = posting.Timestamp;
        Version++;
        return Result(PostingOutcome.Accepted, null);
    }

    /// <summary>
    /// Matures pending lots due by <paramref name="asOf"/> and expires lots due by it: each expired lot becomes an expire posting
    /// (key <c>&lt;lot key&gt;#expire</c>, timestamp its expiry instant) appended to <paramref name="expiries"/> and applied.
    /// Does nothing for an instant before the last posting.
    /// </summary>
    /// <param name="asOf">The instant.</param>
    /// <param name="expiries">Receives the generated postings.</param>
    public void ExpireDue(DateTimeOffset asOf, ICollection<LoyaltyPosting> expiries)
    {
        ArgumentNullException.ThrowIfNull(expiries);
        var ticks = asOf.UtcTicks;
        if (Exists && ticks < LastTimestamp.UtcTicks)
        {
            return;
        }

        ExpireLots(ticks, expiries);
        Mature(ticks);
    }

    /// <summary>Expires the lots due by <paramref name="ticks"/> (each an expire posting at its own instant, added to <paramref name="expiries"/>).</summary>
    private void ExpireLots(long ticks, ICollection<LoyaltyPosting> expiries)
    {
        // The first live lot is the soonest to expire (lots are in expiry order): expire due lots one by one, each at its own instant,
        // maturing what is due before it.
        while (_firstLive < _lots.Count && _lots[_firstLive].ExpiresTicks <= ticks)
        {
            var lot = _lots[_firstLive];
            var at = new DateTimeOffset(Math.Max(lot.ExpiresTicks, LastTimestamp.UtcTicks), TimeSpan.Zero);
            Mature(at.UtcTicks);
            var expire = new LoyaltyPosting(lot.SourceKey + "#expire", AccountId, at, PostingKind.Expire, lot.Remaining, lot.OrderId, lot.SourceKey, "expired");
            var r = Apply(expire, null);
            if (!r.IsAccepted)
            {
                throw new InvalidOperationException("An automatic expiry was rejected: " + r.Reason);
            }

            expiries.Add(expire);
        }
    }

    /// <summary>Matures the pending lots due by <paramref name="asOf"/> (no posting: maturity moves points from pending to available).</summary>
    /// <param name="asOf">The instant.</param>
    public void Advance(DateTimeOffset asOf) => Mature(asOf.UtcTicks);

    /// <summary>Returns the points of live lots expiring in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    /// <param name="from">Start (inclusive).</param>
    /// <param name="to">End (exclusive).</param>
    public long ExpiringBetween(DateTimeOffset from, DateTimeOffset to)
    {
        long sum = 0;
        for (var i = _firstLive; i < _lots.Count; i++)
        {
            var l = _lots[i];
            if (l.Remaining > 0 && l.ExpiresTicks >= from.UtcTicks && l.ExpiresTicks < to.UtcTicks)
            {
                sum = checked(sum + l.Remaining);
            }
        }

        return sum;
    }

    /// <summary>Pre-sizes the internal lists for about <paramref name="lots"/> live lots and earns (avoids growth in steady state).</summary>
    /// <param name="lots">The expected count.</param>
    public void EnsureCapacity(int lots)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lots);
        _lots.Capacity = Math.Max(_lots.Capacity, lots);
        _earns.Capacity = Math.Max(_earns.Capacity, lots);
        _earnByKey.EnsureCapacity(lots);
    }

    private static DateTimeOffset ToInstant(long ticks) => ticks == DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue : new DateTimeOffset(ticks, TimeSpan.Zero);

    private PostingResult Result(PostingOutcome outcome, string? reason) => new(outcome, reason, Available, Pending, Version);

    private string? ValidateReverse(LoyaltyPosting posting, long ticks)
    {
        if (posting.Points <= 0)
        {
            return LedgerReasons.InvalidPoints;
        }

        if (!Exists)
        {
            return LedgerReasons.UnknownAccount;
        }

        if (!TryFindEarn(posting, out var id))
        {
            return LedgerReasons.UnknownEarn;
        }

        var e = Earn(id);
        if (posting.Points > e.Points - e.Reversed)
        {
            return LedgerReasons.ExceedsEarn;
        }

        // Points still pending in the earn's own lot are cancelled; the rest must be covered by the available balance.
        var idx = LotIndex(id);
        var fromPending = idx >= 0 && _lots[idx].MaturesTicks > ticks ? Math.Min(_lots[idx].Remaining, posting.Points) : 0;
        var fromAvailable = posting.Points - fromPending;
        return fromAvailable > SpendableAt(ticks) ? LedgerReasons.InsufficientBalance : null;
    }

    private void ApplyReverse(LoyaltyPosting posting, long ticks)
    {
        _ = TryFindEarn(posting, out var id);
        var idx = LotIndex(id);
        var rest = posting.Points;
        if (idx >= 0)
        {
            var own = Math.Min(_lots[idx].Remaining, rest);
            TakeFromLot(idx, own);
            rest -= own;
        }

        if (rest > 0)
        {
            Consume(rest, ticks);
        }

        var e = Earn(id);
        SetEarn(id, e with { Reversed = checked(e.Reversed + posting.Points) });
    }

    private bool TryFindEarn(LoyaltyPosting posting, out long id)
    {
        if (posting.OrderId is not null)
        {
            return _earnByOrder.TryGetValue(posting.OrderId, out id);
        }

        if (posting.Reference is not null)
        {
            return _earnByKey.TryGetValue(posting.Reference, out id);
        }

        id = -1;
        return false;
    }

    private EarnRecord Earn(long id) => _earns[checked((int)id)];

    private void SetEarn(long id, EarnRecord record) => CollectionsMarshal.AsSpan(_earns)[checked((int)id)] = record;

    private int LotIndex(long id)
    {
        var idx = id - _lotBase;
        return idx >= 0 && idx < _lots.Count ? (int)idx : -1;
    }

    private int FindLot(string sourceKey)
    {
        if (_earnByKey.TryGetValue(sourceKey, out var id))
        {
            var idx = LotIndex(id);
            return idx >= 0 && _lots[idx].Remaining > 0 ? idx : -1;
        }

        return -1;
    }

    private void AddLot(LoyaltyPosting posting)
    {
        var ticks = posting.Timestamp.UtcTicks;
        var matures = Policy.PendingDays == 0 ? ticks : Policy.MaturesAt(posting.Timestamp).UtcTicks;
        var expires = Policy.Expiry == ExpiryRule.Never ? DateTimeOffset.MaxValue.UtcTicks : Policy.ExpiresAt(posting.Timestamp).UtcTicks;
        var id = _lotBase + _lots.Count;
        var matured = matures <= ticks && _matureEnd == _lots.Count;
        _lots.Add(new Lot
        {
            SourceKey = posting.Key,
            OrderId = posting.OrderId,
            Points = posting.Points,
            Remaining = posting.Points,
            MaturesTicks = matures,
            ExpiresTicks = expires,
            Matured = matured,
        });
        _earns.Add(new EarnRecord(posting.Points, 0));
        _earnByKey[posting.Key] = id;
        if (posting.OrderId is not null && posting.Kind == PostingKind.Earn)
        {
            _earnByOrder[posting.OrderId] = id;
        }

        if (matured)
        {
            _matureEnd++;
            Available = checked(Available + posting.Points);
        }
        else
        {
            Pending = checked(Pending + posting.Points);
            Mature(ticks); // a lot that matures at once behind still pending ones (cannot happen with a fixed policy; kept safe)
        }
    }

    private long NextMaturityTicks => _matureEnd < _lots.Count ? CollectionsMarshal.AsSpan(_lots)[_matureEnd].MaturesTicks : long.MaxValue;

    private long SpendableAt(long ticks)
    {
        if (NextMaturityTicks > ticks)
        {
            return Available;
        }

        long extra = 0;
        var lots = CollectionsMarshal.AsSpan(_lots);
        for (var i = _matureEnd; i < lots.Length && lots[i].MaturesTicks <= ticks; i++)
        {
            ref readonly var l = ref lots[i];
            if (!l.Matured)
            {
                extra += l.Remaining;
            }
        }

        return checked(Available + extra);
    }

    // Lots mature in list order: move the due ones from pending to available (a fully reversed pending lot is already settled).
    private void Mature(long ticks)
    {
        var lots = CollectionsMarshal.AsSpan(_lots);
        while (_matureEnd < lots.Length && lots[_matureEnd].MaturesTicks <= ticks)
        {
            ref var l = ref lots[_matureEnd];
            if (!l.Matured)
            {
                l.Matured = true;
                Pending -= l.Remaining;
                Available = checked(Available + l.Remaining);
            }

            _matureEnd++;
        }
    }

    // Takes points from matured lots, soonest to expire first (ties: oldest lot first) = in list order from the first live lot.
    private void Consume(long points, long ticks)
    {
        Mature(ticks);
        var rest = points;
        while (rest > 0)
        {
            var lots = CollectionsMarshal.AsSpan(_lots);
            var i = _firstLive;
            while (i < _matureEnd && lots[i].Remaining == 0)
            {
                i++;
            }

            if (i >= _matureEnd)
            {
                throw new InvalidOperationException("Ledger invariant broken: not enough matured lots for a validated posting.");
            }

            var take = Math.Min(rest, lots[i].Remaining);
            TakeFromLot(i, take);
            rest -= take;
        }
    }

    private void TakeFromLot(int index, long points)
    {
        if (points == 0)
        {
            return;
        }

        ref var l = ref CollectionsMarshal.AsSpan(_lots)[index];
        l.Remaining -= points;
        if (l.Matured)
        {
            Available -= points;
        }
        else
        {
            Pending -= points;
            if (l.Remaining == 0)
            {
                l.Matured = true; // settled: no longer counted as pending
            }
        }

        var all = CollectionsMarshal.AsSpan(_lots);
        while (_firstLive < all.Length && all[_firstLive].Remaining == 0)
        {
            _firstLive++;
        }

        Compact();
    }

    // Drops the consumed prefix in place once it is at least half the list (no allocation; the earn records stay in _earns).
    private void Compact()
    {
        if (_firstLive < 32 || _firstLive * 2 < _lots.Count)
        {
            return;
        }

        _lots.RemoveRange(0, _firstLive);
        _lotBase += _firstLive;
        _matureEnd = Math.Max(0, _matureEnd - _firstLive); // every lot before _firstLive is empty, hence matured or settled
        _firstLive = 0;
    }

    private readonly record struct EarnRecord(long Points, long Reversed);

    private struct Lot
    {
        public string SourceKey;
        public string? OrderId;
        public long Points;
        public long Remaining;
        public long MaturesTicks;
        public long ExpiresTicks;
        public bool Matured;
    }
}
