using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using CemCore.Channels;
using CemCore.Primitives;

namespace CemCore.Dispatch;

/// <summary>The state of one logical send in an <see cref="ISendLog"/>.</summary>
public enum SendLogState
{
    /// <summary>Claimed by a runner (<see cref="SendLogEntry.Owner"/>) until <see cref="SendLogEntry.LeaseUntil"/>; the send may be in flight.</summary>
    Claimed = 0,

    /// <summary>Delivered to the provider: never sent again.</summary>
    Delivered = 1,

    /// <summary>Permanently rejected by the provider: never sent again, reported as rejected.</summary>
    Rejected = 2,

    /// <summary>Transient failures exhausted the retries: a later run may claim and try again (on the same channel).</summary>
    Failed = 3,

    /// <summary>Claimed, then not sent (suppressed or deferred at send time): a later run may claim it again (on the same channel).</summary>
    Released = 4,
}

/// <summary>One entry of the send log: the state of one logical send (campaign, run, customer). Holds no personal data.</summary>
/// <param name="IdempotencyKey">The key (see <see cref="IdempotencyKey.Create(string, string, string)"/>).</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="RunKey">The run (such as <c>2026-03-10</c>).</param>
/// <param name="Channel">The channel, fixed by the first claim: a re-run never adds a second channel.</param>
/// <param name="State">The state.</param>
/// <param name="At">When the state was last written.</param>
/// <param name="Attempts">Send attempts made so far.</param>
/// <param name="Owner">The runner that holds (or last held) the claim.</param>
/// <param name="LeaseUntil">End of the claim's lease; after it another runner may take the claim over.</param>
/// <param name="ProviderMessageId">The provider's message id, if delivered.</param>
/// <param name="Reason">Why it failed or was rejected (no personal data), if it did.</param>
public sealed record SendLogEntry(
    string IdempotencyKey,
    string CampaignId,
    string RunKey,
    ContactChannel Channel,
    SendLogState State,
    DateTimeOffset At,
    int Attempts,
    string? Owner = null,
    DateTimeOffset? LeaseUntil = null,
    string? ProviderMessageId = null,
    string? Reason = null)
{
    /// <summary>Gets whether the send is final (delivered or rejected): it is never attempted again.</summary>
    public bool IsFinal => State is SendLogState.Delivered or SendLogState.Rejected;
}

/// <summary>A request to claim one logical send before sending it.</summary>
/// <param name="IdempotencyKey">The key.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="RunKey">The run.</param>
/// <param name="Channel">The channel the runner wants; ignored when the key was claimed before (the first claim's channel is kept).</param>
/// <param name="Owner">The claiming runner's id (unique per runner instance, such as a GUID).</param>
/// <param name="Now">The current instant.</param>
/// <param name="Lease">How long the claim is held, positive.</param>
public sealed record SendClaimRequest(string IdempotencyKey, string CampaignId, string RunKey, ContactChannel Channel, string Owner, DateTimeOffset Now, TimeSpan Lease)
{
    /// <summary>Gets the key.</summary>
    public string IdempotencyKey { get; init; } = Check.NotBlank(IdempotencyKey);

    /// <summary>Gets the owner.</summary>
    public string Owner { get; init; } = Check.NotBlank(Owner);

    /// <summary>Gets the lease.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan Lease { get; init; } = Lease > TimeSpan.Zero ? Lease : throw new ArgumentOutOfRangeException(nameof(Lease), Lease, "Must be positive.");
}

/// <summary>The result kind of <see cref="ISendLog.TryClaimAsync"/>.</summary>
public enum SendClaimStatus
{
    /// <summary>The key was absent (or already held by this owner) and is now claimed by the caller.</summary>
    Claimed = 0,

    /// <summary>An earlier claim expired, failed or was released; the caller now holds it. The earlier holder may have sent: resend on the
    /// same channel with the same key (the provider's idempotency or the documented at-least-once choice applies).</summary>
    TakenOver = 1,

    /// <summary>The send is final (delivered or rejected); see <see cref="SendClaim.Entry"/>.</summary>
    Final = 2,

    /// <summary>Another runner holds an unexpired claim; see <see cref="SendClaim.Entry"/> for its lease.</summary>
    HeldByOther = 3,
}

/// <summary>The result of <see cref="ISendLog.TryClaimAsync"/>.</summary>
/// <param name="Status">What happened.</param>
/// <param name="Entry">The entry as it is now (for a claim: the caller's claim with the channel to use).</param>
public sealed record SendClaim(SendClaimStatus Status, SendLogEntry Entry)
{
    /// <summary>Gets whether the caller holds the claim and may send.</summary>
    public bool IsOwned => Status is SendClaimStatus.Claimed or SendClaimStatus.TakenOver;
}

/// <summary>
/// The durable, shared record of logical sends, keyed by idempotency key: a runner claims a key before sending (insert-if-absent with a
/// lease and an owner), records the outcome afterwards with a write that cannot be cancelled, and never sends a key that is final again.
/// </summary>
/// <remarks>
/// <para>Implementations must be atomic per key across threads and processes (a primary key plus a transaction, or a lock) and durable
/// across restarts. A runner killed after its claim leaves a claim whose lease expires; a later runner takes it over on the same channel
/// and sends again with the same key. For a provider with idempotency on that key this is exactly-once; for one without (SMTP) it is
/// at-least-once for the window between the provider's acceptance and the record, which the host may shorten to at-most-once by
/// treating a taken-over claim as sent (see docs/dispatch.md).</para>
/// </remarks>
public interface ISendLog
{
    /// <summary>Finds the entry for a key.</summary>
    /// <param name="idempotencyKey">The key.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The entry, or <see langword="null"/> when the key was never claimed.</returns>
    ValueTask<SendLogEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Claims a key before sending: inserts it when absent, takes over an expired, failed or released claim, or reports why not.</summary>
    /// <param name="request">The claim.</param>
    /// <param name="cancellationToken">Cancels the claim (before it is written).</param>
    /// <returns>The claim.</returns>
    ValueTask<SendClaim> TryClaimAsync(SendClaimRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the outcome of a claimed send: <see cref="SendLogState.Delivered"/>, <see cref="SendLogState.Rejected"/> or
    /// <see cref="SendLogState.Failed"/>. Takes no cancellation token on purpose: once the provider has answered, the record must be written.
    /// </summary>
    /// <param name="idempotencyKey">The key.</param>
    /// <param name="owner">The claim's owner.</param>
    /// <param name="state">The outcome (not <see cref="SendLogState.Claimed"/> or <see cref="SendLogState.Released"/>).</param>
    /// <param name="at">When.</param>
    /// <param name="attempts">Attempts made by this owner.</param>
    /// <param name="providerMessageId">The provider's id, if any.</param>
    /// <param name="reason">Why it failed (no personal data), if it did.</param>
    /// <returns><see langword="true"/> when written; <see langword="false"/> when the key is final already (another runner recorded it first).</returns>
    ValueTask<bool> CompleteAsync(string idempotencyKey, string owner, SendLogState state, DateTimeOffset at, int attempts, string? providerMessageId = null, string? reason = null);

    /// <summary>Gives a claim back without sending (suppressed or deferred at send time). The channel stays fixed for later claims.</summary>
    /// <param name="idempotencyKey">The key.</param>
    /// <param name="owner">The claim's owner (a claim held by another owner is left alone).</param>
    /// <param name="at">When.</param>
    /// <returns>A task that completes when written.</returns>
    ValueTask ReleaseAsync(string idempotencyKey, string owner, DateTimeOffset at);
}

/// <summary>The claim rules shared by every <see cref="ISendLog"/> implementation (a pure function of the current entry).</summary>
public static class SendLogRules
{
    /// <summary>Decides a claim against the current entry.</summary>
    /// <param name="current">The current entry, or <see langword="null"/> when the key is absent.</param>
    /// <param name="request">The claim.</param>
    /// <returns>The claim result; when owned, <see cref="SendClaim.Entry"/> is the entry to write.</returns>
    public static SendClaim Decide(SendLogEntry? current, SendClaimRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var until = request.Now + request.Lease;
        if (current is null)
        {
            return new SendClaim(SendClaimStatus.Claimed, new SendLogEntry(request.IdempotencyKey, request.CampaignId, request.RunKey, request.Channel, SendLogState.Claimed, request.Now, 0, request.Owner, until));
        }

        if (current.IsFinal)
        {
            return new SendClaim(SendClaimStatus.Final, current);
        }

        var mine = string.Equals(current.Owner, request.Owner, StringComparison.Ordinal);
        if (current.State == SendLogState.Claimed && !mine && current.LeaseUntil is { } lease && lease > request.Now)
        {
            return new SendClaim(SendClaimStatus.HeldByOther, current);
        }

        var status = current.State == SendLogState.Claimed && mine ? SendClaimStatus.Claimed : SendClaimStatus.TakenOver;
        return new SendClaim(status, current with { State = SendLogState.Claimed, Owner = request.Owner, LeaseUntil = until, At = request.Now });
    }

    /// <summary>Checks that a completion state is one of Delivered, Rejected or Failed.</summary>
    /// <param name="state">The state.</param>
    /// <exception cref="ArgumentOutOfRangeException">Claimed or Released.</exception>
    public static void CheckCompletion(SendLogState state)
    {
        if (state is not (SendLogState.Delivered or SendLogState.Rejected or SendLogState.Failed))
        {
            throw new ArgumentOutOfRangeException(nameof(state), state, "A completion must be Delivered, Rejected or Failed.");
        }
    }
}

/// <summary>
/// An in-memory <see cref="ISendLog"/> (tests, demos, single-process hosts). Thread-safe: keys are spread over lock-striped shards, and each
/// key is read and written under its shard's lock (the same atomicity per key as a primary key in a database).
/// </summary>
/// <remarks>
/// <para>Memory layout (see docs/dispatch.md): one <see cref="Dictionary{TKey, TValue}"/> entry per key whose value is a 32-byte struct
/// (instants as UTC ticks, the (campaign, run) pair, the owner with its lease and the channel as indexes into small interned tables, the
/// state and the attempts). The key string is the caller's (not copied); a provider message id or a failure reason, when given, is kept in a
/// side table. Times are kept in UTC: <see cref="SendLogEntry.At"/> and <see cref="SendLogEntry.LeaseUntil"/> come back with offset zero
/// (the same instants).</para>
/// </remarks>
public sealed class InMemorySendLog : ISendLog
{
    private const int ShardCount = 32;
    private readonly Shard[] _shards = new Shard[ShardCount];
    private readonly Interned<(string Campaign, string Run)> _runs = new();
    private readonly Interned<string> _owners = new();
    private readonly Interned<ContactChannel> _channels = new();

    /// <summary>Creates an empty log.</summary>
    public InMemorySendLog()
        : this(0)
    {
    }

    /// <summary>Creates an empty log sized for <paramref name="capacity"/> keys (no rehashing while a run of that size fills it).</summary>
    /// <param name="capacity">Expected keys, at least 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public InMemorySendLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);

        // Keys spread evenly over the shards: each is sized for its share plus four standard deviations (no shard rehashes in practice).
        var share = capacity / ShardCount;
        var perShard = capacity == 0 ? 0 : share + (4 * (int)Math.Ceiling(Math.Sqrt(share))) + 16;
        for (var i = 0; i < ShardCount; i++)
        {
            _shards[i] = new Shard(perShard);
        }
    }

    /// <summary>Gets every entry (a snapshot).</summary>
    public IReadOnlyCollection<SendLogEntry> Entries
    {
        get
        {
            var list = new List<SendLogEntry>();
            foreach (var shard in _shards)
            {
                lock (shard.Gate)
                {
                    foreach (var (key, row) in shard.Rows)
                    {
                        list.Add(ToEntry(key, row, shard.Extras.TryGetValue(key, out var x) ? x : default));
                    }
                }
            }

            return list;
        }
    }

    /// <inheritdoc/>
    public ValueTask<SendLogEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        cancellationToken.ThrowIfCancellationRequested();
        var shard = ShardOf(idempotencyKey);
        lock (shard.Gate)
        {
            return ValueTask.FromResult(shard.Rows.TryGetValue(idempotencyKey, out var row) ? ToEntry(idempotencyKey, row, shard.Extras.TryGetValue(idempotencyKey, out var x) ? x : default) : null);
        }
    }

    /// <inheritdoc/>
    public ValueTask<SendClaim> TryClaimAsync(SendClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        var status = Claim(request.IdempotencyKey, request.CampaignId, request.RunKey, request.Channel, request.Owner, request.Now, request.Lease, out var claimed);
        return ValueTask.FromResult(new SendClaim(status, ToEntry(request.IdempotencyKey, claimed.Row, claimed.Extras)));
    }

    /// <inheritdoc/>
    public ValueTask<bool> CompleteAsync(string idempotencyKey, string owner, SendLogState state, DateTimeOffset at, int attempts, string? providerMessageId = null, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        SendLogRules.CheckCompletion(state);
        var ownerIndex = _owners.IndexOf(owner ?? string.Empty);
        var shard = ShardOf(idempotencyKey);
        lock (shard.Gate)
        {
            if (!shard.Rows.TryGetValue(idempotencyKey, out var row) || row.IsFinal)
            {
                return ValueTask.FromResult(false);
            }

            row.State = state;
            row.AtTicks = at.UtcTicks;
            row.Attempts = checked(row.Attempts + attempts);
            row.Owner = ownerIndex;
            shard.Rows[idempotencyKey] = row; // an existing key: overwritten in place, no rehash
            if (providerMessageId is not null || reason is not null)
            {
                shard.Extras[idempotencyKey] = (providerMessageId, reason);
            }
            else
            {
                shard.Extras.Remove(idempotencyKey);
            }

            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc/>
    public ValueTask ReleaseAsync(string idempotencyKey, string owner, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        var shard = ShardOf(idempotencyKey);
        lock (shard.Gate)
        {
            if (shard.Rows.TryGetValue(idempotencyKey, out var row) && row.State == SendLogState.Claimed && string.Equals(_owners[row.Owner], owner, StringComparison.Ordinal))
            {
                row.State = SendLogState.Released;
                row.AtTicks = at.UtcTicks;
                row.LeaseTicks = NoLease;
                shard.Rows[idempotencyKey] = row;
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The claim of <see cref="TryClaimAsync"/> without its request and result objects (the runner's path): the same rules as
    /// <see cref="SendLogRules.Decide"/> applied to the compact row.
    /// </summary>
    internal SendClaimStatus Claim(string key, string campaignId, string runKey, ContactChannel channel, string owner, DateTimeOffset now, TimeSpan lease, out ClaimedRow result)
    {
        Check.NotBlank(key);
        Check.NotBlank(owner);
        if (lease <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lease), lease, "Must be positive.");
        }

        var ownerIndex = _owners.IndexOf(owner);
        var nowTicks = now.UtcTicks;
        var untilTicks = (now + lease).UtcTicks;
        var shard = ShardOf(key);
        lock (shard.Gate)
        {
            if (!shard.Rows.TryGetValue(key, out var row))
            {
                row = new Row
                {
                    AtTicks = nowTicks,
                    LeaseTicks = untilTicks,
                    Run = _runs.IndexOf((campaignId ?? string.Empty, runKey ?? string.Empty)),
                    Owner = ownerIndex,
                    Channel = checked((ushort)_channels.IndexOf(channel)),
                    State = SendLogState.Claimed,
                };
                shard.Rows.Add(key, row);
                result = new ClaimedRow(row, default);
                return SendClaimStatus.Claimed;
            }

            var extras = shard.Extras.TryGetValue(key, out var x) ? x : default;
            if (row.IsFinal)
            {
                result = new ClaimedRow(row, extras);
                return SendClaimStatus.Final;
            }

            var mine = row.Owner == ownerIndex;
            if (row.State == SendLogState.Claimed && !mine && row.LeaseTicks != NoLease && row.LeaseTicks > nowTicks)
            {
                result = new ClaimedRow(row, extras);
                return SendClaimStatus.HeldByOther;
            }

            var status = row.State == SendLogState.Claimed && mine ? SendClaimStatus.Claimed : SendClaimStatus.TakenOver;
            row.State = SendLogState.Claimed;
            row.Owner = ownerIndex;
            row.LeaseTicks = untilTicks;
            row.AtTicks = nowTicks;
            shard.Rows[key] = row;
            result = new ClaimedRow(row, extras);
            return status;
        }
    }

    /// <summary>Gets the channel of a row.</summary>
    internal ContactChannel ChannelOf(in Row row) => _channels[row.Channel];

    private Shard ShardOf(string key) => _shards[unchecked((uint)StringComparer.Ordinal.GetHashCode(key)) % ShardCount];

    /// <summary>The public entry of a row (made for <see cref="FindAsync"/>, <see cref="TryClaimAsync"/> and <see cref="Entries"/> only).</summary>
    internal SendLogEntry ToEntry(string key, in Row row, (string? ProviderMessageId, string? Reason) extras)
    {
        var (campaign, run) = _runs[row.Run];
        var (providerId, reason) = extras;
        return new SendLogEntry(
            key,
            campaign,
            run,
            _channels[row.Channel],
            row.State,
            new DateTimeOffset(row.AtTicks, TimeSpan.Zero),
            row.Attempts,
            _owners[row.Owner],
            row.LeaseTicks == NoLease ? null : new DateTimeOffset(row.LeaseTicks, TimeSpan.Zero),
            providerId,
            reason);
    }

    private const long NoLease = -1;

    /// <summary>One key's state: 32 bytes.</summary>
    internal struct Row
    {
        public long AtTicks;
        public long LeaseTicks;
        public int Run;
        public int Owner;
        public int Attempts;
        public ushort Channel;
        public SendLogState State;

        public readonly bool IsFinal => State is SendLogState.Delivered or SendLogState.Rejected;
    }

    /// <summary>A copy of a row as a claim left it, with its provider id and reason.</summary>
    internal readonly record struct ClaimedRow(Row Row, (string? ProviderMessageId, string? Reason) Extras);

    private sealed class Shard(int capacity)
    {
        public Lock Gate { get; } = new();

        public Dictionary<string, Row> Rows { get; } = new(capacity, StringComparer.Ordinal);

        public Dictionary<string, (string? ProviderMessageId, string? Reason)> Extras { get; } = new(StringComparer.Ordinal);
    }
}

/// <summary>A small append-only table of distinct values and their indexes (runs, owners, channels of a send log). Thread-safe; a lookup of
/// the last value used takes no lock.</summary>
/// <typeparam name="T">The value type.</typeparam>
internal sealed class Interned<T>
    where T : IEquatable<T>
{
    private readonly Dictionary<T, int> _index = [];
    private readonly Lock _gate = new();
    private T[] _values = [];
    private Last? _last;

    /// <summary>Gets a value by index.</summary>
    /// <param name="index">The index.</param>
    public T this[int index] => Volatile.Read(ref _values)[index];

    /// <summary>Returns the index of a value, adding it when new.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The index.</returns>
    public int IndexOf(T value)
    {
        if (Volatile.Read(ref _last) is { } last && last.Value.Equals(value))
        {
            return last.Index;
        }

        lock (_gate)
        {
            if (!_index.TryGetValue(value, out var i))
            {
                i = _values.Length;
                var grown = new T[i + 1];
                Array.Copy(_values, grown, i);
                grown[i] = value;
                _index[value] = i;
                Volatile.Write(ref _values, grown);
            }

            Volatile.Write(ref _last, new Last(value, i));
            return i;
        }
    }

    private sealed record Last(T Value, int Index);
}

/// <summary>Derives idempotency keys.</summary>
public static class IdempotencyKey
{
    /// <summary>
    /// The key for one logical send: <c>"cem2-" + lowercase hex of the first 16 bytes of SHA-256(UTF-8(campaignId ‖ LF ‖ runKey ‖ LF ‖
    /// customerId))</c>. The channel is not part of the key (it is part of the outcome), so a re-run finds the send whatever channel it would
    /// choose now. Stable across processes and restarts; the customer id cannot be read back from it, so the key may be given to providers
    /// and written to logs.
    /// </summary>
    /// <param name="campaignId">The campaign id.</param>
    /// <param name="runKey">The run key (such as the run date).</param>
    /// <param name="customerId">The customer id.</param>
    /// <returns>The key (37 characters).</returns>
    public static string Create(string campaignId, string runKey, string customerId)
    {
        Check.NotBlank(campaignId);
        Check.NotBlank(runKey);
        Check.NotBlank(customerId);
        var length = checked(Encoding.UTF8.GetByteCount(campaignId) + Encoding.UTF8.GetByteCount(runKey) + Encoding.UTF8.GetByteCount(customerId) + 2);
        byte[]? rented = null;
        var bytes = length <= 512 ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        var n = Encoding.UTF8.GetBytes(campaignId, bytes);
        bytes[n++] = (byte)'\n';
        n += Encoding.UTF8.GetBytes(runKey, bytes[n..]);
        bytes[n++] = (byte)'\n';
        n += Encoding.UTF8.GetBytes(customerId, bytes[n..]);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes[..n], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        Span<char> key = stackalloc char[Prefix.Length + 32];
        Prefix.AsSpan().CopyTo(key);
        _ = Convert.TryToHexStringLower(hash[..16], key[Prefix.Length..], out _);
        return new string(key);
    }

    private const string Prefix = "cem2-";
}
