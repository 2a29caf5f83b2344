using System.Collections.Concurrent;
using CemCore.Loyalty;
using CemCore.Samples.Sqlite;

namespace CemCore.Tests.Loyalty;

/// <summary>
/// Issue 9 stress tests: many threads hammer one hot account and many others with earns, redeems, reversals, adjusts and duplicate
/// retries (same posting re-sent by its own thread and by other threads), against the in-memory store and the SQLite store (two
/// store instances on one file, like two processes). Proof that nothing is lost or duplicated: every key the callers saw accepted is
/// stored exactly once and nothing else is stored; no key was accepted twice; for every account available + pending equals the sum of
/// its stored postings; and a sequential replay of the accepted postings, in stored order, through a fresh
/// <see cref="LoyaltyAccountState"/> accepts every one and ends at the stored balances and version.
/// </summary>
public sealed class LedgerStressTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void InMemory_ManyThreads_NothingLostOrDuplicated()
    {
        var store = new InMemoryLoyaltyStore(new LedgerPolicy { PendingDays = 2 });
        Hammer([store], threads: 8, opsPerThread: 4000, accounts: 24);
    }

    [Fact]
    public async Task InMemory_LockFreeBalanceReads_AreNeverTorn()
    {
        // One writer alternates earn 25 / redeem 25 on an account opened with 1,000 points, so the balance is a function of the version:
        // odd version → 1,000, even → 1,025. Readers (no lock: the store's seqlock) must only ever see such pairs, with versions that never
        // go backwards for a reader.
        var store = new InMemoryLoyaltyStore();
        Assert.True(store.Append(new LoyaltyPosting("open", "m", T0, PostingKind.Earn, 1_000)).IsAccepted);
        const int Pairs = 20_000;
        using var done = new CancellationTokenSource();
        var bad = 0L;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            long last = 0;
            while (!done.IsCancellationRequested)
            {
                Assert.True(store.TryGetBalance("m", out var available, out var pending, out var version));
                if (version < last || pending != 0 || available != (version % 2 == 1 ? 1_000 : 1_025))
                {
                    Interlocked.Increment(ref bad);
                }

                last = version;
            }
        })).ToArray();
        for (var i = 0; i < Pairs; i++)
        {
            Assert.True(store.Append(new LoyaltyPosting("e" + i, "m", T0, PostingKind.Earn, 25)).IsAccepted);
            Assert.True(store.Append(new LoyaltyPosting("r" + i, "m", T0, PostingKind.Redeem, 25)).IsAccepted);
        }

        await done.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Equal(0, Interlocked.Read(ref bad));
        Assert.True(store.TryGetBalance("m", out var final, out _, out var finalVersion));
        Assert.Equal((1_000L, 1L + (2 * Pairs)), (final, finalVersion));
    }

    [Fact]
    public void Sqlite_TwoStoresOneFile_NothingLostOrDuplicated()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cemcore-loyalty-{Guid.NewGuid():N}.db");
        try
        {
            var db = new SqliteDatabase(path);
            var policy = new LedgerPolicy { PendingDays = 2 };
            var a = new SqliteLoyaltyStore(db, policy);
            var b = new SqliteLoyaltyStore(db, policy);
            Hammer([a, b], threads: 4, opsPerThread: 150, accounts: 6);

            // A third instance with a cold cache (a restarted process) sees the same ledger.
            var c = new SqliteLoyaltyStore(db, policy);
            foreach (var id in a.GetAccountIds())
            {
                Assert.True(a.TryGetBalance(id, out var av, out var pe, out var ve));
                Assert.True(c.TryGetBalance(id, out var av2, out var pe2, out var ve2));
                Assert.Equal((av, pe, ve), (av2, pe2, ve2));
            }
        }
        finally
        {
            DeleteDatabase(path);
        }
    }

    [Fact]
    public void Sqlite_CrashBetweenAppendAndAck_RetryIsDuplicate()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cemcore-loyalty-{Guid.NewGuid():N}.db");
        try
        {
            var db = new SqliteDatabase(path);
            var posting = new LoyaltyPosting("order-7:earn", "m1", T0, PostingKind.Earn, 120, "order-7");
            Assert.True(new SqliteLoyaltyStore(db).Append(posting).IsAccepted);

            // The process dies before acknowledging; the restarted one retries the same posting.
            var restarted = new SqliteLoyaltyStore(db);
            var retry = restarted.Append(posting with { });
            Assert.Equal(PostingOutcome.Duplicate, retry.Outcome);
            Assert.Equal(120, retry.Available);
            Assert.Single(restarted.GetPostings("m1"));
            Assert.Equal(LedgerReasons.KeyConflict, restarted.Append(posting with { Points = 121 }).Reason);

            // A batch with a rejected posting commits the others; the rejected one writes nothing.
            var results = restarted.AppendBatch(
            [
                new LoyaltyPosting("r1", "m1", T0.AddHours(1), PostingKind.Redeem, 500),
                new LoyaltyPosting("r2", "m1", T0.AddHours(1), PostingKind.Redeem, 20),
            ]);
            Assert.Equal([LedgerReasons.InsufficientBalance, null], results.Select(r => r.Reason));
            Assert.True(restarted.TryGetBalance("m1", out var av, out _, out var v));
            Assert.Equal((100L, 2L), (av, v));
        }
        finally
        {
            DeleteDatabase(path);
        }
    }

    private static void DeleteDatabase(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(path);
        File.Delete(path + "-wal");
        File.Delete(path + "-shm");
    }

    private static void Hammer(ILoyaltyStore[] stores, int threads, int opsPerThread, int accounts)
    {
        var outcomes = new ConcurrentBag<(string Key, PostingOutcome Outcome)>();

        // Postings every thread sends (the same content, each on its own account): each must be accepted exactly once.
        var shared = Enumerable.Range(0, 40).Select(i => new LoyaltyPosting("shared-" + i, "shared-acc-" + i, T0, PostingKind.Earn, 10 + i, "shared-order-" + i)).ToArray();
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var rng = new Random(1000 + t);
            var store = stores[t % stores.Length];
            var sent = new List<LoyaltyPosting>();
            var earned = new List<(string Account, string Order)>();
            for (var i = 0; i < opsPerThread; i++)
            {
                var account = rng.Next(3) == 0 ? "hot" : "acc-" + rng.Next(accounts);

                // Timestamps grow with i, so per-account clocks rarely go backwards across threads (when they do: a clean rejection).
                var at = T0.AddMinutes(i).AddSeconds(t);
                LoyaltyPosting p;
                var roll = rng.Next(100);
                if (roll < 12 && sent.Count > 0)
                {
                    p = sent[rng.Next(sent.Count)] with { }; // retry of an earlier posting (a duplicate)
                }
                else if (roll < 16)
                {
                    p = shared[rng.Next(shared.Length)];
                }
                else if (roll < 50)
                {
                    var order = $"o-{t}-{i}";
                    p = new LoyaltyPosting($"earn-{t}-{i}", account, at, PostingKind.Earn, 1 + rng.Next(200), order);
                }
                else if (roll < 75)
                {
                    p = new LoyaltyPosting($"redeem-{t}-{i}", account, at, PostingKind.Redeem, 1 + rng.Next(150));
                }
                else if (roll < 90 && earned.Count > 0)
                {
                    var (acc, order) = earned[rng.Next(earned.Count)];
                    p = new LoyaltyPosting($"reverse-{t}-{i}", acc, at, PostingKind.Reverse, 1 + rng.Next(20), order);
                }
                else
                {
                    p = new LoyaltyPosting($"adjust-{t}-{i}", account, at, PostingKind.Adjust, rng.Next(-30, 60) | 1, null, null, "stress");
                }

                var r = store.Append(p);
                outcomes.Add((p.Key, r.Outcome));
                if (r.IsAccepted)
                {
                    sent.Add(p);
                    if (p.Kind == PostingKind.Earn)
                    {
                        earned.Add((p.AccountId, p.OrderId!));
                    }
                }

                Assert.True(r.Available >= 0 && r.Pending >= 0);
            }
        });

        var accepted = outcomes.Where(o => o.Outcome == PostingOutcome.Accepted).Select(o => o.Key).ToList();
        Assert.Equal(accepted.Count, accepted.Distinct(StringComparer.Ordinal).Count()); // no key accepted twice
        Assert.Contains(outcomes, o => o.Outcome == PostingOutcome.Duplicate);
        var sharedSent = outcomes.Where(o => o.Key.StartsWith("shared-", StringComparison.Ordinal)).Select(o => o.Key).Distinct(StringComparer.Ordinal).Count();
        Assert.True(sharedSent > 0);
        Assert.Equal(sharedSent, accepted.Count(k => k.StartsWith("shared-", StringComparison.Ordinal)));

        // Pending/available split depends on the instant: bring the store and the replays to the same one (no expiry policy here,
        // so this only matures lots and appends nothing).
        var later = T0.AddYears(1);
        Assert.Empty(stores[0].ExpireDue(later));

        var store0 = stores[0];
        var stored = new List<LoyaltyPosting>();
        foreach (var id in store0.GetAccountIds())
        {
            var postings = store0.GetPostings(id);
            stored.AddRange(postings);
            Assert.True(store0.TryGetBalance(id, out var available, out var pending, out var version));
            Assert.Equal(available + pending, postings.Sum(p => p.SignedPoints));

            var replay = new LoyaltyAccountState(id, store0.Policy);
            foreach (var p in postings)
            {
                Assert.True(replay.Apply(p, null).IsAccepted, p.Key);
            }

            replay.Advance(later);
            Assert.Equal((available, pending, version), (replay.Available, replay.Pending, replay.Version));
        }

        // Stored = accepted (automatic expiries aside; none here): nothing lost, nothing invented.
        var storedKeys = stored.Select(p => p.Key).ToList();
        Assert.Equal(storedKeys.Count, storedKeys.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(accepted.Order(StringComparer.Ordinal), storedKeys.Order(StringComparer.Ordinal));
    }
}
