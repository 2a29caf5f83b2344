using System.Collections.Concurrent;
using CemCore.Loyalty;
using Microsoft.Data.Sqlite;

namespace CemCore.Samples.Sqlite;

/// <summary>
/// The points ledger (<see cref="ILoyaltyStore"/>) on SQLite. Postings are rows of <c>loyalty_postings</c> with a UNIQUE index on the
/// idempotency key, so a crash between "append" and "acknowledge" cannot double-post: the retry finds the row and reports a duplicate.
/// Every account has a row in <c>loyalty_accounts</c> with a version (the count of its postings) and its balances.
/// </summary>
/// <remarks>
/// <para>Optimistic concurrency: the account's state is cached in memory with the version it was built at. An append takes the write
/// lock (<c>BEGIN IMMEDIATE</c>), reads the account's version, and rebuilds the state from the stored postings when the cache is stale
/// (another process wrote); the row is updated with <c>WHERE version = expected</c> (compare-and-swap) and the append is retried when
/// that fails. The posting, its automatic expiries and the account row commit in one transaction: no partial write.</para>
/// <para><see cref="AppendBatch"/> commits many postings in one transaction (WAL): much faster than one transaction per posting.</para>
/// </remarks>
public sealed class SqliteLoyaltyStore : ILoyaltyStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS loyalty_accounts (
            account_id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            available INTEGER NOT NULL,
            pending INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS loyalty_postings (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL,
            account_id TEXT NOT NULL REFERENCES loyalty_accounts(account_id),
            utc_ticks INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            points INTEGER NOT NULL,
            order_id TEXT NULL,
            reference TEXT NULL,
            reason TEXT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS ux_loyalty_postings_key ON loyalty_postings(key);
        CREATE INDEX IF NOT EXISTS ix_loyalty_postings_account ON loyalty_postings(account_id, seq);
        """;

    private const int MaxAttempts = 16;
    private readonly SqliteDatabase _db;
    private readonly ConcurrentDictionary<string, LoyaltyAccountState> _cache = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _conflictRetries;

    /// <summary>Opens (and creates the tables of) the ledger in <paramref name="database"/>.</summary>
    /// <param name="database">The database.</param>
    /// <param name="policy">The ledger policy (fixed for a database).</param>
    public SqliteLoyaltyStore(SqliteDatabase database, LedgerPolicy? policy = null)
    {
        _db = database ?? throw new ArgumentNullException(nameof(database));
        Policy = policy ?? LedgerPolicy.Default;
        _db.EnsureSchema(Schema);
    }

    /// <inheritdoc/>
    public LedgerPolicy Policy { get; }

    /// <summary>
    /// Gets or sets a hook called at each step of an append, for crash tests: <c>"after-insert"</c> (a posting's rows were written inside
    /// the open transaction: mid-batch), <c>"before-commit"</c> (every row written, not committed) and <c>"after-commit"</c> (committed, the
    /// results not yet returned to the caller: the crash between "append" and "acknowledge"). <c>cemcore loyalty post</c> uses it to kill
    /// itself at step k (<c>CEMCORE_LOYALTY_KILL_AT</c>); null in production.
    /// </summary>
    public Action<string>? StepHook { get; set; }

    /// <summary>Gets the number of appends retried after a version conflict (for tests and monitoring).</summary>
    public long ConflictRetries => Interlocked.Read(ref _conflictRetries);

    /// <inheritdoc/>
    public PostingResult Append(LoyaltyPosting posting)
    {
        ArgumentNullException.ThrowIfNull(posting);
        return AppendBatch([posting])[0];
    }

    /// <inheritdoc/>
    public IReadOnlyList<PostingResult> AppendBatch(IReadOnlyList<LoyaltyPosting> postings)
    {
        ArgumentNullException.ThrowIfNull(postings);
        for (var attempt = 1; ; attempt++)
        {
            lock (_gate)
            {
                using var connection = _db.Open();
                using var tx = SqliteDatabase.BeginWrite(connection);
                var touched = new Dictionary<string, (LoyaltyAccountState State, long Expected)>(StringComparer.Ordinal);
                var results = new PostingResult[postings.Count];
                var ok = true;
                try
                {
                    for (var i = 0; i < postings.Count && ok; i++)
                    {
                        results[i] = AppendOne(connection, tx, postings[i], touched, ref ok);
                    }

                    if (ok)
                    {
                        foreach (var (id, (state, expected)) in touched)
                        {
                            if (state.Version == expected)
                            {
                                continue;
                            }

                            if (!SaveAccount(connection, tx, state, expected))
                            {
                                ok = false;
                                break;
                            }
                        }
                    }

                    if (ok)
                    {
                        StepHook?.Invoke("before-commit");
                        tx.Commit();
                        foreach (var (id, (state, _)) in touched)
                        {
                            _cache[id] = state;
                        }

                        StepHook?.Invoke("after-commit");
                        return results;
                    }
                }
                catch
                {
                    foreach (var id in touched.Keys)
                    {
                        _cache.TryRemove(id, out _);
                    }

                    throw;
                }

                tx.Rollback();
                foreach (var id in touched.Keys)
                {
                    _cache.TryRemove(id, out _);
                }
            }

            Interlocked.Increment(ref _conflictRetries);
            if (attempt >= MaxAttempts)
            {
                throw new InvalidOperationException("The loyalty append kept conflicting with concurrent writers; nothing was written.");
            }
        }
    }

    /// <inheritdoc/>
    public bool TryGetBalance(string accountId, out long available, out long pending, out long version)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        using var connection = _db.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT available, pending, version FROM loyalty_accounts WHERE account_id = $id";
        cmd.Parameters.AddWithValue("$id", accountId);
        using var r = cmd.ExecuteReader();
        if (r.Read())
        {
            available = r.GetInt64(0);
            pending = r.GetInt64(1);
            version = r.GetInt64(2);
            return version > 0;
        }

        available = pending = version = 0;
        return false;
    }

    /// <inheritdoc/>
    public LoyaltyAccountView? GetAccount(string accountId)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        using var connection = _db.Open();
        var s = Load(connection, null, accountId);
        return s.Exists ? new LoyaltyAccountView(s.AccountId, s.Available, s.Pending, s.Version, s.LastTimestamp, s.Lots) : null;
    }

    /// <inheritdoc/>
    public IReadOnlyList<LoyaltyPosting> GetPostings(string accountId)
    {
        ArgumentNullException.ThrowIfNull(accountId);
        using var connection = _db.Open();
        return ReadPostings(connection, null, accountId);
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> GetAccountIds()
    {
        using var connection = _db.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT account_id FROM loyalty_accounts WHERE version > 0";
        using var r = cmd.ExecuteReader();
        var ids = new List<string>();
        while (r.Read())
        {
            ids.Add(r.GetString(0));
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
            lock (_gate)
            {
                using var connection = _db.Open();
                using var tx = SqliteDatabase.BeginWrite(connection);
                var state = Current(connection, tx, id);
                var expected = state.Version;
                var generated = new List<LoyaltyPosting>();
                state.ExpireDue(asOf, generated);
                foreach (var e in generated)
                {
                    Insert(connection, tx, e);
                }

                // Saves the matured balances too (the version only moves with the generated postings).
                if (!SaveAccount(connection, tx, state, expected))
                {
                    tx.Rollback();
                    _cache.TryRemove(id, out _);
                    continue; // another writer got there first; its next append expires the lots
                }

                tx.Commit();
                _cache[id] = state;
                all.AddRange(generated);
            }
        }

        return all;
    }

    private PostingResult AppendOne(SqliteConnection c, SqliteTransaction tx, LoyaltyPosting posting, Dictionary<string, (LoyaltyAccountState State, long Expected)> touched, ref bool ok)
    {
        if (!touched.TryGetValue(posting.AccountId, out var entry))
        {
            var s = Current(c, tx, posting.AccountId);
            entry = (s, s.Version);
            touched[posting.AccountId] = entry;
        }

        var state = entry.State;
        var existing = FindByKey(c, tx, posting.Key);
        if (existing is not null)
        {
            return new PostingResult(existing.Equals(posting) ? PostingOutcome.Duplicate : PostingOutcome.Rejected, existing.Equals(posting) ? null : LedgerReasons.KeyConflict, state.Available, state.Pending, state.Version);
        }

        if (posting.Key.EndsWith("#expire", StringComparison.Ordinal))
        {
            return new PostingResult(PostingOutcome.Rejected, LedgerReasons.KeyConflict, state.Available, state.Pending, state.Version);
        }

        var expiries = new List<LoyaltyPosting>();
        var result = state.Apply(posting, expiries);
        foreach (var e in expiries)
        {
            Insert(c, tx, e);
        }

        if (result.IsAccepted)
        {
            try
            {
                Insert(c, tx, posting);
                StepHook?.Invoke("after-insert");
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
            {
                ok = false; // UNIQUE: the key appeared concurrently; roll back and retry (the retry reports the duplicate)
            }
        }

        return result;
    }

    private LoyaltyAccountState Current(SqliteConnection c, SqliteTransaction tx, string accountId)
    {
        long version = 0;
        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT version FROM loyalty_accounts WHERE account_id = $id";
            cmd.Parameters.AddWithValue("$id", accountId);
            if (cmd.ExecuteScalar() is long v)
            {
                version = v;
            }
        }

        if (_cache.TryGetValue(accountId, out var cached) && cached.Version == version)
        {
            return cached;
        }

        return Load(c, tx, accountId);
    }

    private LoyaltyAccountState Load(SqliteConnection c, SqliteTransaction? tx, string accountId)
    {
        var state = new LoyaltyAccountState(accountId, Policy);
        foreach (var p in ReadPostings(c, tx, accountId))
        {
            var r = state.Apply(p, null);
            if (!r.IsAccepted)
            {
                throw new InvalidOperationException($"A stored loyalty posting does not replay ({r.Reason}): the database was edited or the policy changed.");
            }
        }

        return state;
    }

    private static bool SaveAccount(SqliteConnection c, SqliteTransaction tx, LoyaltyAccountState state, long expected)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        // The row exists: Insert creates it (version 0) before the first posting of an account.
        cmd.CommandText = "UPDATE loyalty_accounts SET version = $v, available = $a, pending = $p WHERE account_id = $id AND version = $expected";
        cmd.Parameters.AddWithValue("$expected", expected);

        cmd.Parameters.AddWithValue("$id", state.AccountId);
        cmd.Parameters.AddWithValue("$v", state.Version);
        cmd.Parameters.AddWithValue("$a", state.Available);
        cmd.Parameters.AddWithValue("$p", state.Pending);
        return cmd.ExecuteNonQuery() == 1;
    }

    private static void Insert(SqliteConnection c, SqliteTransaction tx, LoyaltyPosting p)
    {
        // The account row must exist for the foreign key; its values are set by SaveAccount in the same transaction.
        using (var acc = c.CreateCommand())
        {
            acc.Transaction = tx;
            acc.CommandText = "INSERT INTO loyalty_accounts(account_id, version, available, pending) VALUES ($id, 0, 0, 0) ON CONFLICT(account_id) DO NOTHING";
            acc.Parameters.AddWithValue("$id", p.AccountId);
            acc.ExecuteNonQuery();
        }

        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO loyalty_postings(key, account_id, utc_ticks, kind, points, order_id, reference, reason) VALUES ($k, $a, $t, $kind, $p, $o, $r, $why)";
        cmd.Parameters.AddWithValue("$k", p.Key);
        cmd.Parameters.AddWithValue("$a", p.AccountId);
        cmd.Parameters.AddWithValue("$t", p.Timestamp.UtcTicks);
        cmd.Parameters.AddWithValue("$kind", (int)p.Kind);
        cmd.Parameters.AddWithValue("$p", p.Points);
        cmd.Parameters.AddWithValue("$o", (object?)p.OrderId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$r", (object?)p.Reference ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$why", (object?)p.Reason ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    private static LoyaltyPosting? FindByKey(SqliteConnection c, SqliteTransaction tx, string key)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT key, account_id, utc_ticks, kind, points, order_id, reference, reason FROM loyalty_postings WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        using var r = cmd.ExecuteReader();
        return r.Read() ? Row(r) : null;
    }

    private static List<LoyaltyPosting> ReadPostings(SqliteConnection c, SqliteTransaction? tx, string accountId)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT key, account_id, utc_ticks, kind, points, order_id, reference, reason FROM loyalty_postings WHERE account_id = $a ORDER BY seq";
        cmd.Parameters.AddWithValue("$a", accountId);
        using var r = cmd.ExecuteReader();
        var list = new List<LoyaltyPosting>();
        while (r.Read())
        {
            list.Add(Row(r));
        }

        return list;
    }

    private static LoyaltyPosting Row(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero),
        (PostingKind)r.GetInt32(3),
        r.GetInt64(4),
        r.IsDBNull(5) ? null : r.GetString(5),
        r.IsDBNull(6) ? null : r.GetString(6),
        r.IsDBNull(7) ? null : r.GetString(7));
}
