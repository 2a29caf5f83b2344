using System.Globalization;
using CemCore.Customers;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Dispatch;

/// <summary>How much of a campaign budget is reserved or committed.</summary>
/// <param name="Count">Offers reserved or committed.</param>
/// <param name="Amount">Money reserved or committed, in currency units.</param>
public sealed record BudgetUsage(long Count, decimal Amount);

/// <summary>
/// Campaign budgets shared by every runner and process: a reservation per send key that is committed when the message is delivered and
/// released when it is not. Reserving the same key twice is a no-op (a re-run after a crash does not spend again).
/// </summary>
/// <remarks>Implementations must make <see cref="TryReserveAsync"/> atomic across threads and processes: the limits are never exceeded.</remarks>
public interface IBudgetStore
{
    /// <summary>Reserves one offer of <paramref name="cost"/> under a key, when both limits still hold.</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="limits">The campaign's limits.</param>
    /// <param name="reservationKey">The key (the send's idempotency key).</param>
    /// <param name="cost">The cost, in [0, <see cref="BudgetLimits.MaxAllowedAmount"/>]; rounded up to whole cents.</param>
    /// <param name="cancellationToken">Cancels the reservation.</param>
    /// <returns><see langword="true"/> when reserved now or before under the same key; <see langword="false"/> when a limit would be exceeded.</returns>
    ValueTask<bool> TryReserveAsync(string campaignId, BudgetLimits limits, string reservationKey, decimal cost, CancellationToken cancellationToken = default);

    /// <summary>Commits a reservation (the message was delivered). Not cancellable.</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="reservationKey">The key.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask CommitAsync(string campaignId, string reservationKey);

    /// <summary>Releases an uncommitted reservation (the message was not sent). A committed one is kept. Not cancellable.</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="reservationKey">The key.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask ReleaseAsync(string campaignId, string reservationKey);

    /// <summary>Gets a campaign's usage (reserved plus committed).</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The usage.</returns>
    ValueTask<BudgetUsage> GetUsageAsync(string campaignId, CancellationToken cancellationToken = default);
}

/// <summary>One contact reserved before a send (and committed after it).</summary>
/// <param name="Key">The reservation key (the send's idempotency key).</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="Channel">The channel.</param>
/// <param name="Purpose">The purpose.</param>
/// <param name="At">The contact instant.</param>
/// <param name="CampaignId">The campaign, or <see langword="null"/>.</param>
public sealed record ContactReservation(string Key, string CustomerId, ContactChannel Channel, ConsentPurpose Purpose, DateTimeOffset At, string? CampaignId = null)
{
    /// <summary>Gets the key.</summary>
    public string Key { get; } = Check.NotBlank(Key);

    /// <summary>Gets the customer.</summary>
    public string CustomerId { get; } = Check.NotBlank(CustomerId);
}

/// <summary>
/// Frequency caps as reservations in a store shared by every campaign, runner and process. A reservation at instant <c>t</c> succeeds when,
/// for every matching cap, fewer than <see cref="FrequencyCap.MaxContacts"/> contacts (reserved or committed) lie in the open interval
/// <c>(t − Window, t + Window)</c>: then no window of that length that contains <c>t</c> exceeds the cap, and a contact at the same instant
/// counts (the "same-instant hole" is closed). Conservative for contacts out of time order.
/// </summary>
/// <remarks>Implementations must make <see cref="TryReserveAsync"/> atomic across threads and processes. They also serve as the engine's
/// <see cref="IContactHistory"/> so decisions see the same contacts.</remarks>
public interface IFrequencyCapStore : IContactHistory
{
    /// <summary>Reserves a contact when every matching cap still allows it; idempotent on <see cref="ContactReservation.Key"/>.</summary>
    /// <param name="reservation">The contact.</param>
    /// <param name="caps">The caps (those whose purpose and channel match are checked).</param>
    /// <param name="cancellationToken">Cancels the reservation.</param>
    /// <returns><see langword="true"/> when reserved now or before under the same key.</returns>
    ValueTask<bool> TryReserveAsync(ContactReservation reservation, IReadOnlyList<FrequencyCap> caps, CancellationToken cancellationToken = default);

    /// <summary>Commits a reservation: it becomes a contact of the history. Not cancellable.</summary>
    /// <param name="key">The key.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask CommitAsync(string key);

    /// <summary>Releases an uncommitted reservation. Not cancellable.</summary>
    /// <param name="key">The key.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask ReleaseAsync(string key);
}

/// <summary>
/// The current consent of customers, read at send time so that a revocation (an inbound "TD"/"STOP", an unsubscribe link) is seen by a
/// run that decided before it.
/// </summary>
public interface IConsentStore
{
    /// <summary>Gets the latest consent decision at or before <paramref name="at"/> for a channel and purpose.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="purpose">The purpose.</param>
    /// <param name="at">The instant.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The status, or <see langword="null"/> when the store holds no decision (the profile's consents then apply).</returns>
    ValueTask<ConsentStatus?> GetStatusAsync(string customerId, ContactChannel channel, ConsentPurpose purpose, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Records a consent decision (the latest by <see cref="ConsentRecord.At"/> wins).</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="record">The decision.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask RecordAsync(string customerId, ConsentRecord record, CancellationToken cancellationToken = default);
}

/// <summary>An entry of a suppression list: a customer who must not be contacted on a channel (or any channel) from an instant on.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Channel">The channel, or <see langword="null"/> for every channel (a global suppression).</param>
/// <param name="Since">When it takes effect.</param>
/// <param name="Reason">Why (such as <c>hard-bounce</c>, <c>complaint</c>, <c>legal</c>); no personal data.</param>
public sealed record SuppressionEntry(string CustomerId, ContactChannel? Channel, DateTimeOffset Since, string Reason)
{
    /// <summary>Gets the customer.</summary>
    public string CustomerId { get; } = Check.NotBlank(CustomerId);

    /// <summary>Gets the reason.</summary>
    public string Reason { get; } = Check.NotBlank(Reason);
}

/// <summary>Global and per-channel suppression lists, checked just before each send.</summary>
public interface ISuppressionList
{
    /// <summary>Returns whether a customer is suppressed on a channel at an instant.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="at">The instant.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns><see langword="true"/> when a global entry or one for the channel is in effect.</returns>
    ValueTask<bool> IsSuppressedAsync(string customerId, ContactChannel channel, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Adds an entry.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask AddAsync(SuppressionEntry entry, CancellationToken cancellationToken = default);
}

/// <summary>A send deferred to a later instant (quiet hours, a long Retry-After, a rate limit).</summary>
/// <param name="IdempotencyKey">The send's key.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="RunKey">The run.</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="DueAt">When it may be sent.</param>
/// <param name="Reason">Why it was deferred (no personal data).</param>
public sealed record ScheduledSend(string IdempotencyKey, string CampaignId, string RunKey, string CustomerId, DateTimeOffset DueAt, string Reason)
{
    /// <summary>Gets what the sender needs to decide again when the send is due (an event trigger keeps its event here as JSON, see
    /// <see cref="Journeys.TriggerEngine.RunDueAsync"/>), or <see langword="null"/>. Stores keep it unchanged; it holds no personal data
    /// beyond the customer id by convention.</summary>
    public string? Payload { get; init; }
}

/// <summary>
/// Deferred sends, taken when due by a worker that runs them again through <see cref="CampaignRunner.RunDueAsync"/> (campaigns) or
/// <see cref="Journeys.TriggerEngine.RunDueAsync"/> (event triggers). Taking leases an
/// entry (a worker killed after taking it loses nothing: the entry is due again when the lease ends); <see cref="CompleteAsync"/> removes it.
/// </summary>
public interface ISendSchedule
{
    /// <summary>Adds or replaces the entry of a key.</summary>
    /// <param name="send">The deferred send.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask ScheduleAsync(ScheduledSend send, CancellationToken cancellationToken = default);

    /// <summary>Takes up to <paramref name="max"/> entries due at <paramref name="now"/> (earliest first), leasing them for <paramref name="lease"/>.</summary>
    /// <param name="now">The current instant.</param>
    /// <param name="max">Most entries, at least 1.</param>
    /// <param name="lease">How long taken entries are hidden from other workers.</param>
    /// <param name="cancellationToken">Cancels the take.</param>
    /// <returns>The entries.</returns>
    ValueTask<IReadOnlyList<ScheduledSend>> TakeDueAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken = default);

    /// <summary>Removes an entry (sent, or final for another reason).</summary>
    /// <param name="idempotencyKey">The key.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask CompleteAsync(string idempotencyKey);
}

/// <summary>Coupon codes issued once per send key and shared by every runner and process.</summary>
public interface ICouponStore
{
    /// <summary>Issues a code once per <paramref name="issueKey"/>; a second call with the same key returns the first coupon.</summary>
    /// <param name="issueKey">The key (the send's idempotency key).</param>
    /// <param name="offer">The offer; must have a coupon policy.</param>
    /// <param name="customerId">The customer, or <see langword="null"/>.</param>
    /// <param name="issuedAt">When (first call only).</param>
    /// <param name="cancellationToken">Cancels the issue.</param>
    /// <returns>The coupon.</returns>
    ValueTask<Coupon> IssueOnceAsync(string issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// <see cref="IssueOnceAsync"/> for a sender that needs only the code and the end of its validity (the campaign runner's path).
    /// The default calls <see cref="IssueOnceAsync"/>; a store can override it to issue without creating a <see cref="Coupon"/>
    /// (<see cref="CouponLedger"/> does). Same idempotency: a second call with the same key returns the first code.
    /// </summary>
    /// <param name="issueKey">The key (the send's idempotency key).</param>
    /// <param name="offer">The offer; must have a coupon policy.</param>
    /// <param name="customerId">The customer, or <see langword="null"/>.</param>
    /// <param name="issuedAt">When (first call only).</param>
    /// <param name="cancellationToken">Cancels the issue.</param>
    /// <returns>The code and the end of its validity (<see langword="null"/>: no end).</returns>
    async ValueTask<IssuedCouponCode> IssueOnceCodeAsync(string issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt, CancellationToken cancellationToken = default)
    {
        var coupon = await IssueOnceAsync(issueKey, offer, customerId, issuedAt, cancellationToken).ConfigureAwait(false);
        return new IssuedCouponCode(coupon.Code, coupon.ValidUntil);
    }
}

/// <summary>A coupon code issued for a send, and the end of its validity (<see langword="null"/>: no end).</summary>
/// <param name="Code">The code.</param>
/// <param name="ValidUntil">The end of its validity, or <see langword="null"/>.</param>
public readonly record struct IssuedCouponCode(string Code, DateTimeOffset? ValidUntil);

/// <summary>In-memory <see cref="IBudgetStore"/>. Thread-safe (one lock).</summary>
public sealed class InMemoryBudgetStore : IBudgetStore
{
    private readonly Dictionary<string, Campaign> _campaigns = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly int _capacity;

    /// <summary>Creates an empty store.</summary>
    public InMemoryBudgetStore()
        : this(0)
    {
    }

    /// <summary>Creates an empty store that sizes each campaign for <paramref name="capacityPerCampaign"/> reservations.</summary>
    /// <param name="capacityPerCampaign">Expected reservations per campaign, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public InMemoryBudgetStore(int capacityPerCampaign)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacityPerCampaign);
        _capacity = capacityPerCampaign;
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryReserveAsync(string campaignId, BudgetLimits limits, string reservationKey, decimal cost, CancellationToken cancellationToken = default)
    {
        Check.NotBlank(campaignId);
        ArgumentNullException.ThrowIfNull(limits);
        Check.NotBlank(reservationKey);
        var cents = CampaignBudget.ToCents(cost);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var c = Get(campaignId);
            if (c.Reservations.ContainsKey(reservationKey))
            {
                return ValueTask.FromResult(true);
            }

            if (c.Reservations.Count + 1 > (limits.MaxCount ?? long.MaxValue) || (limits.MaxAmount is { } m && c.Cents + cents > CampaignBudget.ToCents(m)))
            {
                return ValueTask.FromResult(false);
            }

            c.Reservations[reservationKey] = cents;
            c.Cents += cents;
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask CommitAsync(string campaignId, string reservationKey)
    {
        lock (_gate)
        {
            var c = Get(campaignId);
            if (c.Reservations.TryGetValue(reservationKey, out var r) && r >= 0)
            {
                c.Reservations[reservationKey] = Committed(r);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask ReleaseAsync(string campaignId, string reservationKey)
    {
        lock (_gate)
        {
            var c = Get(campaignId);
            if (c.Reservations.TryGetValue(reservationKey, out var r) && r >= 0)
            {
                c.Reservations.Remove(reservationKey);
                c.Cents -= r;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<BudgetUsage> GetUsageAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var c = Get(campaignId);
            return ValueTask.FromResult(new BudgetUsage(c.Reservations.Count, c.Cents / 100m));
        }
    }

    private Campaign Get(string id)
    {
        if (!_campaigns.TryGetValue(id, out var c))
        {
            _campaigns[id] = c = new Campaign(_capacity);
        }

        return c;
    }

    /// <summary>A committed reservation of <paramref name="cents"/> is stored as <c>-(cents + 1)</c>, an uncommitted one as the cents
    /// (one 8-byte value per key).</summary>
    private static long Committed(long cents) => -(cents + 1);

    private sealed class Campaign(int capacity)
    {
        public Dictionary<string, long> Reservations { get; } = new(capacity, StringComparer.Ordinal);

        public long Cents { get; set; }
    }
}

/// <summary>In-memory <see cref="IFrequencyCapStore"/> (and contact history). Thread-safe (one lock).</summary>
public sealed class InMemoryFrequencyCapStore : IFrequencyCapStore
{
    private readonly Dictionary<string, List<Entry>> _byCustomer = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _byKey = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public ValueTask<bool> TryReserveAsync(ContactReservation reservation, IReadOnlyList<FrequencyCap> caps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(caps);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_byKey.ContainsKey(reservation.Key))
            {
                return ValueTask.FromResult(true);
            }

            _byCustomer.TryGetValue(reservation.CustomerId, out var list);
            foreach (var cap in caps)
            {
                if (!FrequencyCaps.Matches(cap, reservation.Channel, reservation.Purpose))
                {
                    continue;
                }

                var n = 0;
                foreach (var e in list ?? [])
                {
                    if (e.Purpose == cap.Purpose && (cap.Channel is not { } ch || e.Channel == ch) && (e.At - reservation.At).Duration() < cap.Window)
                    {
                        n++;
                    }
                }

                if (n >= cap.MaxContacts)
                {
                    return ValueTask.FromResult(false);
                }
            }

            var entry = new Entry(reservation.Key, reservation.CustomerId, reservation.Channel, reservation.Purpose, reservation.At);
            if (list is null)
            {
                _byCustomer[reservation.CustomerId] = list = [];
            }

            list.Add(entry);
            _byKey[reservation.Key] = entry;
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask CommitAsync(string key)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var e))
            {
                e.Committed = true;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask ReleaseAsync(string key)
    {
        lock (_gate)
        {
            if (_byKey.TryGetValue(key, out var e) && !e.Committed)
            {
                _byKey.Remove(key);
                _byCustomer[e.CustomerId].Remove(e);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public int CountContacts(string customerId, ContactChannel? channel, ConsentPurpose purpose, DateTimeOffset since, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        lock (_gate)
        {
            if (!_byCustomer.TryGetValue(customerId, out var list))
            {
                return 0;
            }

            var n = 0;
            foreach (var e in list)
            {
                if (e.Purpose == purpose && e.At >= since && e.At < until && (channel is not { } ch || e.Channel == ch))
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <inheritdoc/>
    public void Record(ContactRecord contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var key = "contact-" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            var e = new Entry(key, contact.CustomerId, contact.Channel, contact.Purpose, contact.At) { Committed = true };
            if (!_byCustomer.TryGetValue(contact.CustomerId, out var list))
            {
                _byCustomer[contact.CustomerId] = list = [];
            }

            list.Add(e);
            _byKey[key] = e;
        }
    }

    private sealed class Entry(string key, string customerId, ContactChannel channel, ConsentPurpose purpose, DateTimeOffset at)
    {
        public string Key { get; } = key;

        public string CustomerId { get; } = customerId;

        public ContactChannel Channel { get; } = channel;

        public ConsentPurpose Purpose { get; } = purpose;

        public DateTimeOffset At { get; } = at;

        public bool Committed { get; set; }
    }
}

/// <summary>Shared frequency-cap helpers.</summary>
public static class FrequencyCaps
{
    /// <summary>Returns whether a cap counts a contact on a channel for a purpose.</summary>
    /// <param name="cap">The cap.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="purpose">The purpose.</param>
    /// <returns><see langword="true"/> when the cap applies.</returns>
    public static bool Matches(FrequencyCap cap, ContactChannel channel, ConsentPurpose purpose)
    {
        ArgumentNullException.ThrowIfNull(cap);
        return cap.Purpose == purpose && (cap.Channel is not { } c || c == channel);
    }
}

/// <summary>In-memory <see cref="IConsentStore"/>. Thread-safe.</summary>
public sealed class InMemoryConsentStore : IConsentStore
{
    private readonly Dictionary<string, List<ConsentRecord>> _records = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public ValueTask<ConsentStatus?> GetStatusAsync(string customerId, ContactChannel channel, ConsentPurpose purpose, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        lock (_gate)
        {
            ConsentRecord? best = null;
            foreach (var r in _records.TryGetValue(customerId, out var list) ? list : [])
            {
                if (r.Channel == channel && r.Purpose == purpose && r.At <= at && (best is null || r.At >= best.At))
                {
                    best = r;
                }
            }

            return ValueTask.FromResult(best?.Status);
        }
    }

    /// <inheritdoc/>
    public ValueTask RecordAsync(string customerId, ConsentRecord record, CancellationToken cancellationToken = default)
    {
        Check.NotBlank(customerId);
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            if (!_records.TryGetValue(customerId, out var list))
            {
                _records[customerId] = list = [];
            }

            list.Add(record);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>In-memory <see cref="ISuppressionList"/>. Thread-safe.</summary>
public sealed class InMemorySuppressionList : ISuppressionList
{
    private readonly Dictionary<string, List<SuppressionEntry>> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <inheritdoc/>
    public ValueTask<bool> IsSuppressedAsync(string customerId, ContactChannel channel, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        lock (_gate)
        {
            foreach (var e in _entries.TryGetValue(customerId, out var list) ? list : [])
            {
                if (e.Since <= at && (e.Channel is not { } c || c == channel))
                {
                    return ValueTask.FromResult(true);
                }
            }

            return ValueTask.FromResult(false);
        }
    }

    /// <inheritdoc/>
    public ValueTask AddAsync(SuppressionEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            if (!_entries.TryGetValue(entry.CustomerId, out var list))
            {
                _entries[entry.CustomerId] = list = [];
            }

            list.Add(entry);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>In-memory <see cref="ISendSchedule"/>. Thread-safe.</summary>
public sealed class InMemorySendSchedule : ISendSchedule
{
    private readonly Dictionary<string, (ScheduledSend Send, DateTimeOffset HiddenUntil)> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Gets the number of entries.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc/>
    public ValueTask ScheduleAsync(ScheduledSend send, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(send);
        lock (_gate)
        {
            _entries[send.IdempotencyKey] = (send, DateTimeOffset.MinValue);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ScheduledSend>> TakeDueAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        lock (_gate)
        {
            var due = _entries.Values.Where(e => e.Send.DueAt <= now && e.HiddenUntil <= now).Select(e => e.Send)
                .OrderBy(s => s.DueAt).ThenBy(s => s.IdempotencyKey, StringComparer.Ordinal).Take(max).ToList();
            foreach (var s in due)
            {
                _entries[s.IdempotencyKey] = (s, now + lease);
            }

            return ValueTask.FromResult<IReadOnlyList<ScheduledSend>>(due);
        }
    }

    /// <inheritdoc/>
    public ValueTask CompleteAsync(string idempotencyKey)
    {
        lock (_gate)
        {
            _entries.Remove(idempotencyKey);
        }

        return ValueTask.CompletedTask;
    }
}
