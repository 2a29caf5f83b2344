using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace CemCore.Loyalty;

/// <summary>
/// A thread-safe in-memory <see cref="ILoyaltyStore"/>: idempotency keys in 64 lock-striped dictionaries, one lock per account
/// (always taken after the key's stripe, so there is no lock-order deadlock). Appends to different accounts run in parallel.
/// The key is hashed once (randomized ordinal string hash; its top bits pick the stripe, the whole hash is the dictionary's hash), checked
/// and reserved with one dictionary lookup and released again if the posting is rejected, all under the stripe lock, so the key check and
/// the account's state change are one atomic step. Balance lookups take no lock: each account publishes its balance under a sequence
/// counter (a seqlock) that readers retry on.
/// </summary>
/// <remarks>
/// <para>Keys ending in <c>#expire</c> are reserved for automatic expiries and rejected from callers
/// (<see cref="LedgerReasons.KeyConflict"/>). Steady-state appends of earn, redeem and adjust postings allocate nothing once the
/// key dictionaries and account lists have grown (pass <c>capacity</c> to pre-size them).</para>
/// </remarks>
public sealed class InMemoryLoyaltyStore : ILoyaltyStore
{
    private const int StripeCount = 64;
    private const int StripeShift = 26; // 32 − log2(StripeCount): the top 6 bits of the key's hash
    private const string ExpireSuffix = "#expire";
    private readonly Stripe[] _stripes = new Stripe[StripeCount];
    private readonly ConcurrentDictionary<string, Entry> _accounts = new(StringComparer.Ordinal);
    private readonly int _capacityPerAccount;

    /// <summary>Creates an empty store.</summary>
    /// <param name="policy">The ledger policy (default: no pending period, no expiry).</param>
    /// <param name="capacity">Expected number of postings (pre-sizes the key index).</param>
    /// <param name="capacityPerAccount">Expected live lots per account (pre-sizes each account).</param>
    public InMemoryLoyaltyStore(LedgerPolicy? policy = null, int capacity = 0, int capacityPerAccount = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(capacityPerAccount);
        Policy = policy ?? LedgerPolicy.Default;
        _capacityPerAccount = capacityPerAccount;
        for (var i = 0; i < StripeCount; i++)
        {
            _stripes[i] = new Stripe(capacity / StripeCount);
        }
    }

    /// <inheritdoc/>
    public LedgerPolicy Policy { get; }

    /// <inheritdoc/>
    public PostingResult Append(LoyaltyPosting posting)
    {
        ArgumentNullException.ThrowIfNull(posting);
        var key = new HashedKey(posting.Key);
        var stripe = _stripes[unchecked((uint)key.Hash) >> StripeShift];
        lock (stripe.Gate)
        {
            // One hash lookup both checks and reserves the key; the reservation is removed again if the posting is not accepted
            // (the stripe lock is held throughout, so nobody sees it).
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Keys, key, out var exists);
            if (exists)
            {
                var existing = slot!;
                var outcome = existing.Equals(posting) ? PostingOutcome.Duplicate : PostingOutcome.Rejected;
                var (a, p, v) = Balance(existing.AccountId);
                return new PostingResult(outcome, outcome == PostingOutcome.Rejected ? LedgerReasons.KeyConflict : null, a, p, v);
            }

            slot = posting;
            PostingResult result;
            try
            {
                result = AppendNew(posting);
            }
            catch
            {
                stripe.Keys.Remove(key);
                throw;
            }

            if (!result.IsAccepted)
            {
                stripe.Keys.Remove(key);
            }

            return result;
        }
    }

    private PostingResult AppendNew(LoyaltyPosting posting)
    {
        if (!_accounts.TryGetValue(posting.AccountId, out var entry))
        {
            entry = _accounts.GetOrAdd(posting.AccountId, static (id, s) => new Entry(new LoyaltyAccountState(id, s.Policy), s._capacityPerAccount), this);
        }

        lock (entry.Gate)
        {
            if (posting.Key.EndsWith(ExpireSuffix, StringComparison.Ordinal))
            {
                return new PostingResult(PostingOutcome.Rejected, LedgerReasons.KeyConflict, entry.State.Available, entry.State.Pending, entry.State.Version);
            }

            entry.Scratch.Clear();
            var result = entry.State.Apply(posting, entry.Scratch);
            for (var i = 0; i < entry.Scratch.Count; i++)
            {
                entry.Log.Add(entry.Scratch[i]);
            }

            if (result.IsAccepted)
            {
                entry.Log.Add(posting);
            }

            entry.Publish();
            return result;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<PostingResult> AppendBatch(IReadOnlyList<LoyaltyPosting> postings)
    {
        ArgumentNullException.ThrowIfNull(postings);
        var results = new PostingResult[postings.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = Append(postings[i]);
        }

        return results;
    }

    /// <inheritdoc/>
    public bool TryGetBalance(string accountId, out long available, out long pending, out long version)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        (available, pending, version) = Balance(accountId);
        return version > 0;
    }

    /// <inheritdoc/>
    public LoyaltyAccountView? GetAccount(string accountId)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        if (!_accounts.TryGetValue(accountId, out var entry))
        {
            return null;
        }

        lock (entry.Gate)
        {
            var s = entry.State;
            return s.Exists ? new LoyaltyAccountView(s.AccountId, s.Available, s.Pending, s.Version, s.LastTimestamp, s.Lots) : null;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<LoyaltyPosting> GetPostings(string accountId)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        if (!_accounts.TryGetValue(accountId, out var entry))
        {
            return [];
        }

        lock (entry.Gate)
        {
            return [.. entry.Log];
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetAccountIds()
    {
        var ids = new List<string>();
        foreach (var kv in _accounts)
        {
            lock (kv.Value.Gate)
            {
                if (kv.Value.State.Exists)
                {
                    ids.Add(kv.Key);
                }
            }
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <inheritdoc/>
    public IReadOnlyList<LoyaltyPosting> ExpireDue(DateTimeOffset asOf)
    {
        var all = new List<LoyaltyPosting>();
        foreach (var id in GetAccountIds())
        {
            var entry = _accounts[id];
            lock (entry.Gate)
            {
                entry.Scratch.Clear();
                entry.State.ExpireDue(asOf, entry.Scratch);
                entry.Log.AddRange(entry.Scratch);
                entry.Publish();
                all.AddRange(entry.Scratch);
            }
        }

        return all;
    }

    /// <summary>Returns whether the account (if known) has earned on <paramref name="orderId"/>, and its unreversed points.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="orderId">The order.</param>
    /// <param name="unreversed">The earn's points not yet reversed.</param>
    public bool TryGetOrderEarn(string accountId, string orderId, out long unreversed)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        unreversed = 0;
        if (!_accounts.TryGetValue(accountId, out var entry))
        {
            return false;
        }

        lock (entry.Gate)
        {
            return entry.State.TryGetOrderEarn(orderId, out unreversed);
        }
    }

    private (long Available, long Pending, long Version) Balance(string accountId)
    {
        if (!_accounts.TryGetValue(accountId, out var entry))
        {
            return (0, 0, 0);
        }

        return entry.ReadBalance();
    }

    private sealed class Stripe(int capacity)
    {
        public Lock Gate { get; } = new();

        public Dictionary<HashedKey, LoyaltyPosting> Keys { get; } = new(capacity, HashedKeyComparer.Instance);
    }

    /// <summary>An idempotency key with its (randomized) ordinal hash computed once.</summary>
    private readonly record struct HashedKey(string Key, int Hash)
    {
        public HashedKey(string key)
            : this(key, string.GetHashCode(key, StringComparison.Ordinal))
        {
        }
    }

    private sealed class HashedKeyComparer : IEqualityComparer<HashedKey>
    {
        public static HashedKeyComparer Instance { get; } = new();

        public bool Equals(HashedKey x, HashedKey y) => x.Hash == y.Hash && string.Equals(x.Key, y.Key, StringComparison.Ordinal);

        public int GetHashCode(HashedKey obj) => obj.Hash;
    }

    private sealed class Entry
    {
        public Entry(LoyaltyAccountState state, int capacity)
        {
            State = state;
            if (capacity > 0)
            {
                state.EnsureCapacity(capacity);
            }

            Log = new List<LoyaltyPosting>(capacity);
        }

        public Lock Gate { get; } = new();

        public LoyaltyAccountState State { get; }

        public List<LoyaltyPosting> Log { get; }

        public List<LoyaltyPosting> Scratch { get; } = [];

        // Seqlock of the published balance: odd while a writer (holding Gate) updates the three fields.
        private int _sequence;
        private long _available;
        private long _pending;
        private long _version;

        /// <summary>Publishes the state's balance; called with <see cref="Gate"/> held.</summary>
        public void Publish()
        {
            var s = State;
            if (s.Available == Volatile.Read(ref _available) && s.Pending == Volatile.Read(ref _pending) && s.Version == Volatile.Read(ref _version))
            {
                return;
            }

            // Release stores: the odd sequence is visible before the fields, the fields before the even sequence.
            Volatile.Write(ref _sequence, unchecked(_sequence + 1));
            Volatile.Write(ref _available, s.Available);
            Volatile.Write(ref _pending, s.Pending);
            Volatile.Write(ref _version, s.Version);
            Volatile.Write(ref _sequence, unchecked(_sequence + 1));
        }

        /// <summary>Reads a consistent (available, pending, version) without a lock: retried while a write is in progress.</summary>
        public (long Available, long Pending, long Version) ReadBalance()
        {
            var spinner = default(SpinWait);
            while (true)
            {
                var before = Volatile.Read(ref _sequence);
                if ((before & 1) == 0)
                {
                    var a = Volatile.Read(ref _available);
                    var p = Volatile.Read(ref _pending);
                    var v = Volatile.Read(ref _version);

                    // Acquire loads: the fields are read before the sequence is read again.
                    if (Volatile.Read(ref _sequence) == before)
                    {
                        return (a, p, v);
                    }
                }

                spinner.SpinOnce();
            }
        }
    }
}
