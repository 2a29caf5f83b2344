using System.Globalization;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Loyalty;

/// <summary>A tier change (promotion, demotion, pin, pin expiry, or joining with <see cref="FromTier"/> null).</summary>
/// <param name="MemberId">The member.</param>
/// <param name="FromTier">The previous tier id (null when the member joined).</param>
/// <param name="ToTier">The new tier id.</param>
/// <param name="At">When.</param>
/// <param name="Reason">Why (readable, no personal data).</param>
public sealed record TierChange(string MemberId, string? FromTier, string ToTier, DateTimeOffset At, string Reason);

/// <summary>The event data of <see cref="TierTracker.TierChanged"/>.</summary>
/// <param name="change">The change.</param>
public sealed class TierChangedEventArgs(TierChange change) : EventArgs
{
    /// <summary>Gets the change.</summary>
    public TierChange Change { get; } = change ?? throw new ArgumentNullException(nameof(change));
}

/// <summary>
/// Tracks members' tiers on a <see cref="TierLadder"/> from their activity in time order: promotion is immediate when the rolling
/// window qualifies for a higher tier; demotion only at a periodic review (after the ladder's grace days, cancelled if the member
/// requalifies); a manual pin sets a tier until its expiry and then the member returns to what they qualify for ("pin expired"),
/// never a silent floor. Every change has a reason, is kept in <see cref="Changes"/> and raised as <see cref="TierChanged"/>.
/// </summary>
/// <remarks>Not thread-safe (one tracker per partition of members, fed in time order). Tier lookups are O(1) and allocation-free.</remarks>
public sealed class TierTracker
{
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(Member Member, long Ticks, bool IsPin), long> _deadlines = new();
    private readonly List<TierChange> _changes = [];
    private long _now = long.MinValue;
    private long _nextReview = long.MaxValue;

    /// <summary>Creates a tracker.</summary>
    /// <param name="ladder">The ladder.</param>
    public TierTracker(TierLadder ladder) => Ladder = ladder ?? throw new ArgumentNullException(nameof(ladder));

    /// <summary>Raised on every tier change (also on joining).</summary>
    public event EventHandler<TierChangedEventArgs>? TierChanged;

    /// <summary>Gets the ladder.</summary>
    public TierLadder Ladder { get; }

    /// <summary>Gets every change so far, in order.</summary>
    public IReadOnlyList<TierChange> Changes => _changes;

    /// <summary>Gets the member ids.</summary>
    public IEnumerable<string> Members => _members.Keys;

    /// <summary>Replays a transactions table (purchases add spend and one order per order id; returns subtract their amount) up to <paramref name="asOf"/> (exclusive).</summary>
    /// <param name="ladder">The ladder.</param>
    /// <param name="table">The transactions.</param>
    /// <param name="asOf">Rows before it count; reviews before it run.</param>
    /// <returns>The tracker at <paramref name="asOf"/>.</returns>
    public static TierTracker Replay(TierLadder ladder, TransactionTable table, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(table);
        var tracker = new TierTracker(ladder);
        var ticks = table.UtcTicks;
        var order = new int[table.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var keys = ticks.ToArray();
        Array.Sort(keys, order);
        var seenOrders = new HashSet<int>();
        foreach (var i in order)
        {
            if (table.UtcTicks[i] >= asOf.UtcTicks)
            {
                break;
            }

            var member = table.CustomerIds[table.CustomerIndex[i]];
            var at = new DateTimeOffset(table.UtcTicks[i], TimeSpan.Zero);
            if (table.Kinds[i] == TransactionKind.Return)
            {
                tracker.Record(member, at, -table.AmountAt(i), 0, 0);
            }
            else
            {
                tracker.Record(member, at, table.AmountAt(i), seenOrders.Add(table.OrderIndex[i]) ? 1 : 0, 0);
            }
        }

        tracker.Advance(asOf.AddTicks(-1));
        return tracker;
    }

    /// <summary>Records activity: spend (negative for a return), orders and earned points (negative for a reversal).</summary>
    /// <param name="memberId">The member (joins at the first call).</param>
    /// <param name="at">When; never before the previous call.</param>
    /// <param name="spend">Qualifying spend.</param>
    /// <param name="orders">Purchase orders (0 or 1 usually).</param>
    /// <param name="points">Points earned.</param>
    public void Record(string memberId, DateTimeOffset at, decimal spend, int orders, long points)
    {
        Check.NotBlank(memberId);
        Advance(at);
        var m = GetOrJoin(memberId, at);
        m.Evict(at.UtcTicks - TimeSpan.TicksPerDay * Ladder.WindowDays);
        m.Add(at.UtcTicks, spend, orders, points);
        var q = Ladder.Qualify(m.Spend, m.Orders, m.Points);
        if (q > m.Tier)
        {
            var t = Ladder.Tiers[q];
            Change(m, q, at, string.Create(CultureInfo.InvariantCulture, $"qualified for {t.Id}: spend {m.Spend}, orders {m.Orders}, points {m.Points} in {Ladder.WindowDays} days"));
        }

        if (q >= m.Tier)
        {
            m.GraceUntil = long.MaxValue;
        }
    }

    /// <summary>Pins a member to a tier until <paramref name="until"/> (explicit, with a reason); afterwards they return to what they qualify for.</summary>
    /// <param name="memberId">The member.</param>
    /// <param name="tierId">The tier id.</param>
    /// <param name="at">When the pin starts.</param>
    /// <param name="until">When it expires (after <paramref name="at"/>).</param>
    /// <param name="reason">Why (mandatory).</param>
    public void Pin(string memberId, string tierId, DateTimeOffset at, DateTimeOffset until, string reason)
    {
        Check.NotBlank(memberId);
        Check.NotBlank(reason);
        var idx = Ladder.IndexOf(tierId);
        if (idx < 0)
        {
            throw new ArgumentException($"Unknown tier '{tierId}'.", nameof(tierId));
        }

        if (until <= at)
        {
            throw new ArgumentException("A pin must expire after it starts.", nameof(until));
        }

        Advance(at);
        var m = GetOrJoin(memberId, at);
        m.Pin = idx;
        m.PinUntil = until.UtcTicks;
        _deadlines.Enqueue((m, until.UtcTicks, true), until.UtcTicks);
        if (idx != m.Tier)
        {
            Change(m, idx, at, "manual pin until " + until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + ": " + reason);
        }
    }

    /// <summary>Runs the reviews, grace deadlines and pin expiries due up to <paramref name="to"/> (inclusive).</summary>
    /// <param name="to">The instant; never before a previous call.</param>
    public void Advance(DateTimeOffset to)
    {
        var ticks = to.UtcTicks;
        if (ticks < _now)
        {
            throw new ArgumentException("The clock went backwards: activity must be recorded in time order.", nameof(to));
        }

        while (true)
        {
            var deadline = _deadlines.TryPeek(out _, out var d) ? d : long.MaxValue;
            var next = Math.Min(deadline, _nextReview);
            if (next > ticks)
            {
                break;
            }

            if (deadline <= _nextReview)
            {
                var (m, t, isPin) = _deadlines.Dequeue();
                OnDeadline(m, t, isPin);
            }
            else
            {
                var at = new DateTimeOffset(_nextReview, TimeSpan.Zero);
                foreach (var m in _members.Values)
                {
                    Review(m, at);
                }

                _nextReview = Ladder.NextReview(at).UtcTicks;
            }
        }

        _now = ticks;
    }

    /// <summary>Returns the current tier of a member (O(1), allocation-free).</summary>
    /// <param name="memberId">The member.</param>
    /// <param name="tier">The tier.</param>
    public bool TryGetTier(string memberId, out TierDefinition tier)
    {
        ArgumentNullException.ThrowIfNull(memberId);
        if (_members.TryGetValue(memberId, out var m))
        {
            tier = Ladder.Tiers[m.Tier];
            return true;
        }

        tier = Ladder.Tiers[0];
        return false;
    }

    /// <summary>Returns the number of members per tier id, in ladder order.</summary>
    public IReadOnlyList<KeyValuePair<string, int>> CountByTier()
    {
        var counts = new int[Ladder.Tiers.Count];
        foreach (var m in _members.Values)
        {
            counts[m.Tier]++;
        }

        return [.. Ladder.Tiers.Select((t, i) => KeyValuePair.Create(t.Id, counts[i]))];
    }

    private Member GetOrJoin(string memberId, DateTimeOffset at)
    {
        if (!_members.TryGetValue(memberId, out var m))
        {
            m = new Member(memberId);
            _members.Add(memberId, m);
            if (_nextReview == long.MaxValue)
            {
                _nextReview = Ladder.NextReview(at).UtcTicks;
            }

            Raise(new TierChange(memberId, null, Ladder.Tiers[0].Id, at, "joined"));
        }

        return m;
    }

    private void Review(Member m, DateTimeOffset at)
    {
        m.Evict(at.UtcTicks - TimeSpan.TicksPerDay * Ladder.WindowDays);
        var target = Target(m, at.UtcTicks);
        if (target >= m.Tier || m.GraceUntil != long.MaxValue)
        {
            return;
        }

        if (Ladder.GraceDays == 0)
        {
            Change(m, target, at, $"review: below the {Ladder.Tiers[m.Tier].Id} thresholds in {Ladder.WindowDays.ToString(CultureInfo.InvariantCulture)} days");
            return;
        }

        m.GraceUntil = at.AddDays(Ladder.GraceDays).UtcTicks;
        _deadlines.Enqueue((m, m.GraceUntil, false), m.GraceUntil);
    }

    private void OnDeadline(Member m, long ticks, bool isPin)
    {
        var at = new DateTimeOffset(ticks, TimeSpan.Zero);
        m.Evict(ticks - TimeSpan.TicksPerDay * Ladder.WindowDays);
        if (isPin)
        {
            if (m.PinUntil != ticks)
            {
                return; // replaced by a later pin
            }

            m.Pin = -1;
            m.PinUntil = long.MinValue;
            var q = Ladder.Qualify(m.Spend, m.Orders, m.Points);
            if (q != m.Tier)
            {
                Change(m, q, at, "pin expired");
            }

            return;
        }

        if (m.GraceUntil != ticks)
        {
            return; // requalified during the grace period
        }

        m.GraceUntil = long.MaxValue;
        var target = Target(m, ticks);
        if (target < m.Tier)
        {
            Change(m, target, at, $"grace of {Ladder.GraceDays.ToString(CultureInfo.InvariantCulture)} days ended below the {Ladder.Tiers[m.Tier].Id} thresholds");
        }
    }

    private int Target(Member m, long ticks)
    {
        var q = Ladder.Qualify(m.Spend, m.Orders, m.Points);
        return m.Pin >= 0 && m.PinUntil > ticks ? Math.Max(q, m.Pin) : q;
    }

    private void Change(Member m, int to, DateTimeOffset at, string reason)
    {
        var from = Ladder.Tiers[m.Tier].Id;
        m.Tier = to;
        Raise(new TierChange(m.Id, from, Ladder.Tiers[to].Id, at, reason));
    }

    private void Raise(TierChange change)
    {
        _changes.Add(change);
        TierChanged?.Invoke(this, new TierChangedEventArgs(change));
    }

    private sealed class Member(string id)
    {
        private readonly Queue<(long Ticks, decimal Spend, int Orders, long Points)> _window = new();

        public string Id { get; } = id;

        public int Tier { get; set; }

        public int Pin { get; set; } = -1;

        public long PinUntil { get; set; } = long.MinValue;

        public long GraceUntil { get; set; } = long.MaxValue;

        public decimal Spend { get; private set; }

        public int Orders { get; private set; }

        public long Points { get; private set; }

        public void Add(long ticks, decimal spend, int orders, long points)
        {
            _window.Enqueue((ticks, spend, orders, points));
            Spend += spend;
            Orders += orders;
            Points += points;
        }

        // Drops activity at or before the window start (the window is (t − days, t]).
        public void Evict(long windowStartTicks)
        {
            while (_window.TryPeek(out var e) && e.Ticks <= windowStartTicks)
            {
                _window.Dequeue();
                Spend -= e.Spend;
                Orders -= e.Orders;
                Points -= e.Points;
            }
        }
    }
}
