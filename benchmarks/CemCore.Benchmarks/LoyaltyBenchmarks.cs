using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using CemCore.Loyalty;
using CemCore.Samples.Sqlite;

namespace CemCore.Benchmarks;

/// <summary>
/// The points ledger (issue 9). In memory: 400,000 postings (earn/redeem pairs over 1,000 pre-opened accounts) single-threaded and on
/// two threads contending for the same accounts; balance and tier lookups. SQLite: 1,000 postings committed in batches of 250 (WAL) next
/// to the baseline of one transaction per posting, in the same run. Allocated/op is per posting (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class LoyaltyBenchmarks
{
    private const int Accounts = 1_000;
    private const int InMemoryPostings = 400_000;
    private const int SqlitePostings = 1_000;
    private const int SqliteBatch = 250;
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private LoyaltyPosting[] _open = null!;
    private LoyaltyPosting[] _postings = null!;
    private LoyaltyPosting[] _sqlitePostings = null!;
    private string[] _accountIds = null!;
    private InMemoryLoyaltyStore _store = null!;
    private TierTracker _tiers = null!;
    private string _dbPath = null!;
    private SqliteLoyaltyStore _sqlite = null!;

    [GlobalSetup]
    public void Setup()
    {
        _accountIds = [.. Enumerable.Range(0, Accounts).Select(i => "member-" + i.ToString(CultureInfo.InvariantCulture))];
        _open = [.. _accountIds.Select(id => new LoyaltyPosting("open-" + id, id, T0, PostingKind.Earn, 1_000))];
        _postings = new LoyaltyPosting[InMemoryPostings];
        for (var i = 0; i < InMemoryPostings; i++)
        {
            var id = _accountIds[(i / 2) % Accounts];
            var at = T0.AddSeconds(1);
            _postings[i] = i % 2 == 0
                ? new LoyaltyPosting("e" + i.ToString(CultureInfo.InvariantCulture), id, at, PostingKind.Earn, 25)
                : new LoyaltyPosting("r" + i.ToString(CultureInfo.InvariantCulture), id, at, PostingKind.Redeem, 25);
        }

        _sqlitePostings = _postings[..SqlitePostings];
        _tiers = new TierTracker(TierLadder.Default);
        foreach (var id in _accountIds)
        {
            _tiers.Record(id, T0, 100m, 1, 0);
        }

        _store = NewStore();
    }

    [IterationSetup(Targets = [nameof(InMemorySingleThread), nameof(InMemoryTwoThreads)])]
    public void NewInMemory() => _store = NewStore();

    [IterationSetup(Targets = [nameof(SqliteOneTransactionPerPosting), nameof(SqliteBatchedWal)])]
    public void NewSqlite()
    {
        DeleteDatabase();
        _dbPath = Path.Combine(Path.GetTempPath(), $"cemcore-loyalty-bench-{Guid.NewGuid():N}.db");
        _sqlite = new SqliteLoyaltyStore(new SqliteDatabase(_dbPath));
    }

    [GlobalCleanup]
    public void Cleanup() => DeleteDatabase();

    private void DeleteDatabase()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_dbPath is not null)
        {
            File.Delete(_dbPath);
            File.Delete(_dbPath + "-wal");
            File.Delete(_dbPath + "-shm");
        }
    }

    [Benchmark(OperationsPerInvoke = InMemoryPostings, Baseline = true)]
    [BenchmarkCategory("InMemory")]
    public long InMemorySingleThread() => AppendAll(_store, _postings);

    [Benchmark(OperationsPerInvoke = InMemoryPostings)]
    [BenchmarkCategory("InMemory")]
    public long InMemoryTwoThreads()
    {
        // Pair p is on account p % 1,000; thread t posts the pairs of even (t = 0) or odd (t = 1) rounds p / 1,000: both threads hit
        // every account (lock contention).
        long accepted = 0;
        Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, t =>
        {
            long local = 0;
            for (var pair = 0; pair < InMemoryPostings / 2; pair++)
            {
                if ((pair / Accounts) % 2 == t)
                {
                    local += _store.Append(_postings[2 * pair]).IsAccepted ? 1 : 0;
                    local += _store.Append(_postings[(2 * pair) + 1]).IsAccepted ? 1 : 0;
                }
            }

            Interlocked.Add(ref accepted, local);
        });
        return accepted;
    }

    [Benchmark(OperationsPerInvoke = Accounts)]
    [BenchmarkCategory("Lookup")]
    public long BalanceAndTierLookup()
    {
        long sum = 0;
        foreach (var id in _accountIds)
        {
            _store.TryGetBalance(id, out var available, out _, out _);
            _tiers.TryGetTier(id, out var tier);
            sum += available + tier.MinOrders;
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = SqlitePostings, Baseline = true)]
    [BenchmarkCategory("Sqlite")]
    public long SqliteOneTransactionPerPosting() => AppendAll(_sqlite, _sqlitePostings);

    [Benchmark(OperationsPerInvoke = SqlitePostings)]
    [BenchmarkCategory("Sqlite")]
    public long SqliteBatchedWal()
    {
        long accepted = 0;
        for (var i = 0; i < SqlitePostings; i += SqliteBatch)
        {
            foreach (var r in _sqlite.AppendBatch(new ArraySegment<LoyaltyPosting>(_sqlitePostings, i, SqliteBatch)))
            {
                accepted += r.IsAccepted ? 1 : 0;
            }
        }

        return accepted;
    }

    private static long AppendAll(ILoyaltyStore store, LoyaltyPosting[] postings)
    {
        long accepted = 0;
        foreach (var p in postings)
        {
            accepted += store.Append(p).IsAccepted ? 1 : 0;
        }

        return accepted;
    }

    private InMemoryLoyaltyStore NewStore()
    {
        var store = new InMemoryLoyaltyStore(capacity: 2 * (InMemoryPostings + Accounts), capacityPerAccount: 2 * InMemoryPostings / Accounts);
        foreach (var p in _open)
        {
            store.Append(p);
        }

        return store;
    }
}
