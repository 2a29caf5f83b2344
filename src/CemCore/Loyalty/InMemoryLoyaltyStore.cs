using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace CemCore.Loyalty;

/// <summary>
/// A thread-safe in-memory <see cref="ILoyaltyStore"/>: idempotency keys in 64 lock-striped dictionaries, one lock per account
/// (always taken after the key's stripe, so there is no lock-order deadlock). Appends to different accounts run in parallel.
/// The key is checked and reserved with one hash lookup and released again if the posting is rejected, all under the stripe lock,
/// so the key check and the account's state change are one atomic step.
/// </summary>
/// <remarks>
/// <para>Keys ending in <c>#expire</c> are reserved for automatic expiries and rejected from callers
/// (<see cref="LedgerReasons.KeyConflict"/>). Steady-state appends of earn, redeem and adjust postings allocate nothing once the
/// key dictionaries and account lists have grown (pass <c>capacity</c> to pre-size them).</para>
/// </remarks>
public sealed class InMemoryLoyaltyStore : ILoyaltyStore
{
    private const int StripeCount = 64;
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
        var stripe = _stripes[unchecked((uint)StringComparer.Ordinal.GetHashCode(posting.Key)) % StripeCount];
        lock (stripe.Gate)
        {
            // One hash lookup both checks and reserves the key; the reservation is removed again if the posting is not accepted
            // (the stripe lock is held throughout, so nobody sees it).
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(stripe.Keys, posting.Key, out var exists);
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
                stripe.Keys.Remove(posting.Key);
                throw;
            }

            if (!result.IsAccepted)
            {
                stripe.Keys.Remove(posting.Key);
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

        lock (entry.Gate)
        {
            return (entry.State.Available, entry.State.Pending, entry.State.Version);
        }
    }

    private sealed class Stripe(int capacity)
    {
        public Lock Gate { get; } = new();

        public Dictionary<string, LoyaltyPosting> Keys { get; } = new(capacity, StringComparer.Ordinal);
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
    }
}
