using System.Globalization;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Personalization;
using CemCore.Primitives;
using Microsoft.Data.Sqlite;

namespace CemCore.Samples.Sqlite.Dispatch;

/// <summary>
/// SQLite implementations of CemCore's dispatch store ports, all in one database file (tables <c>dispatch_*</c>). Every read-then-write
/// runs in a <c>BEGIN IMMEDIATE</c> transaction (<see cref="SqliteDatabase.BeginWrite"/>), so it is atomic across threads and processes.
/// Instants are stored as UTC ticks.
/// </summary>
public sealed class SqliteDispatchStores
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS dispatch_send_log(
            idempotency_key TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, run_key TEXT NOT NULL, channel TEXT NOT NULL, state INTEGER NOT NULL,
            at_ticks INTEGER NOT NULL, attempts INTEGER NOT NULL, owner TEXT, lease_until_ticks INTEGER, provider_message_id TEXT, reason TEXT);
        CREATE TABLE IF NOT EXISTS dispatch_budget_reservations(
            campaign_id TEXT NOT NULL, reservation_key TEXT NOT NULL, cents INTEGER NOT NULL, committed INTEGER NOT NULL,
            PRIMARY KEY(campaign_id, reservation_key));
        CREATE TABLE IF NOT EXISTS dispatch_contacts(
            reservation_key TEXT PRIMARY KEY, customer_id TEXT NOT NULL, channel TEXT NOT NULL, purpose INTEGER NOT NULL, at_ticks INTEGER NOT NULL,
            campaign_id TEXT, committed INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_dispatch_contacts_customer ON dispatch_contacts(customer_id, at_ticks);
        CREATE TABLE IF NOT EXISTS dispatch_consents(
            customer_id TEXT NOT NULL, channel TEXT NOT NULL, purpose INTEGER NOT NULL, status INTEGER NOT NULL, at_ticks INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_dispatch_consents ON dispatch_consents(customer_id, channel, purpose, at_ticks);
        CREATE TABLE IF NOT EXISTS dispatch_suppressions(
            customer_id TEXT NOT NULL, channel TEXT, since_ticks INTEGER NOT NULL, reason TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_dispatch_suppressions ON dispatch_suppressions(customer_id);
        CREATE TABLE IF NOT EXISTS dispatch_schedule(
            idempotency_key TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, run_key TEXT NOT NULL, customer_id TEXT NOT NULL, due_ticks INTEGER NOT NULL,
            reason TEXT NOT NULL, hidden_until_ticks INTEGER NOT NULL, payload TEXT);
        CREATE TABLE IF NOT EXISTS dispatch_coupons(
            issue_key TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, offer_id TEXT NOT NULL, customer_id TEXT, issued_ticks INTEGER NOT NULL,
            valid_from_ticks INTEGER NOT NULL, valid_until_ticks INTEGER, max_redemptions INTEGER NOT NULL);
        """;

    /// <summary>Creates the stores on a database (tables are created when absent).</summary>
    /// <param name="database">The database.</param>
    public SqliteDispatchStores(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        Database = database;
        database.EnsureSchema(Schema);
        SqliteSendSchedule.Migrate(database);
        SendLog = new SqliteSendLog(database);
        Budgets = new SqliteBudgetStore(database);
        Caps = new SqliteFrequencyCapStore(database);
        Consent = new SqliteConsentStore(database);
        Suppression = new SqliteSuppressionList(database);
        Schedule = new SqliteSendSchedule(database);
        Coupons = new SqliteCouponStore(database);
    }

    /// <summary>Gets the database.</summary>
    public SqliteDatabase Database { get; }

    /// <summary>Gets the send log.</summary>
    public SqliteSendLog SendLog { get; }

    /// <summary>Gets the budget store.</summary>
    public SqliteBudgetStore Budgets { get; }

    /// <summary>Gets the frequency-cap store (and contact history).</summary>
    public SqliteFrequencyCapStore Caps { get; }

    /// <summary>Gets the consent store.</summary>
    public SqliteConsentStore Consent { get; }

    /// <summary>Gets the suppression list.</summary>
    public SqliteSuppressionList Suppression { get; }

    /// <summary>Gets the schedule.</summary>
    public SqliteSendSchedule Schedule { get; }

    /// <summary>Gets the coupon store.</summary>
    public SqliteCouponStore Coupons { get; }

    /// <summary>Returns the stores as a <see cref="DispatchStores"/> for a <see cref="CampaignRunner"/>.</summary>
    public DispatchStores ToDispatchStores() => new(SendLog, Coupons)
    {
        Budgets = Budgets,
        Caps = Caps,
        Consent = Consent,
        Suppression = Suppression,
        Schedule = Schedule,
    };
}

/// <summary>Small helpers shared by the SQLite stores.</summary>
internal static class Sql
{
    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string text, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = text;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static int Execute(SqliteConnection connection, SqliteTransaction? tx, string text, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, tx, text, parameters);
        return command.ExecuteNonQuery();
    }

    public static long Scalar(SqliteConnection connection, SqliteTransaction? tx, string text, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(connection, tx, text, parameters);
        return command.ExecuteScalar() is long n ? n : 0;
    }

    public static DateTimeOffset Instant(long ticks) => new(ticks, TimeSpan.Zero);

    public static string? NullableString(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    public static long? NullableLong(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetInt64(i);

    public static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The SQLite <see cref="ISendLog"/> (table <c>dispatch_send_log</c>, the key as primary key).</summary>
public sealed class SqliteSendLog : ISendLog
{
    private const string Columns = "idempotency_key, campaign_id, run_key, channel, state, at_ticks, attempts, owner, lease_until_ticks, provider_message_id, reason";
    private readonly SqliteDatabase _db;

    internal SqliteSendLog(SqliteDatabase db) => _db = db;

    /// <inheritdoc/>
    public ValueTask<SendLogEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        return ValueTask.FromResult(Read(connection, null, idempotencyKey));
    }

    /// <summary>Reads every entry of a run (for tests and reports).</summary>
    /// <param name="campaignId">The campaign.</param>
    /// <param name="runKey">The run.</param>
    /// <returns>The entries.</returns>
    public IReadOnlyList<SendLogEntry> ReadRun(string campaignId, string runKey)
    {
        using var connection = _db.Open();
        using var command = Sql.Command(connection, null, $"SELECT {Columns} FROM dispatch_send_log WHERE campaign_id = $c AND run_key = $r", ("$c", campaignId), ("$r", runKey));
        using var reader = command.ExecuteReader();
        var list = new List<SendLogEntry>();
        while (reader.Read())
        {
            list.Add(Map(reader));
        }

        return list;
    }

    /// <inheritdoc/>
    public ValueTask<SendClaim> TryClaimAsync(SendClaimRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        using var tx = SqliteDatabase.BeginWrite(connection);
        var claim = SendLogRules.Decide(Read(connection, tx, request.IdempotencyKey), request);
        if (claim.IsOwned)
        {
            Write(connection, tx, claim.Entry);
        }

        tx.Commit();
        return ValueTask.FromResult(claim);
    }

    /// <inheritdoc/>
    public ValueTask<bool> CompleteAsync(string idempotencyKey, string owner, SendLogState state, DateTimeOffset at, int attempts, string? providerMessageId = null, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        SendLogRules.CheckCompletion(state);
        using var connection = _db.Open();
        using var tx = SqliteDatabase.BeginWrite(connection);
        var current = Read(connection, tx, idempotencyKey);
        if (current is null || current.IsFinal)
        {
            tx.Commit();
            return ValueTask.FromResult(false);
        }

        Write(connection, tx, current with { State = state, At = at, Attempts = current.Attempts + attempts, Owner = owner, ProviderMessageId = providerMessageId, Reason = reason });
        tx.Commit();
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc/>
    public ValueTask ReleaseAsync(string idempotencyKey, string owner, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        using var connection = _db.Open();
        Sql.Execute(
            connection,
            null,
            "UPDATE dispatch_send_log SET state = $released, at_ticks = $at, lease_until_ticks = NULL WHERE idempotency_key = $k AND owner = $o AND state = $claimed",
            ("$released", (int)SendLogState.Released),
            ("$at", at.UtcTicks),
            ("$k", idempotencyKey),
            ("$o", owner),
            ("$claimed", (int)SendLogState.Claimed));
        return ValueTask.CompletedTask;
    }

    private static SendLogEntry? Read(SqliteConnection connection, SqliteTransaction? tx, string key)
    {
        using var command = Sql.Command(connection, tx, $"SELECT {Columns} FROM dispatch_send_log WHERE idempotency_key = $k", ("$k", key));
        using var reader = command.ExecuteReader();
        return reader.Read() ? Map(reader) : null;
    }

    private static SendLogEntry Map(SqliteDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        new ContactChannel(r.GetString(3)),
        (SendLogState)r.GetInt32(4),
        Sql.Instant(r.GetInt64(5)),
        r.GetInt32(6),
        Sql.NullableString(r, 7),
        Sql.NullableLong(r, 8) is { } lease ? Sql.Instant(lease) : null,
        Sql.NullableString(r, 9),
        Sql.NullableString(r, 10));

    private static void Write(SqliteConnection connection, SqliteTransaction tx, SendLogEntry e) => Sql.Execute(
        connection,
        tx,
        $"INSERT OR REPLACE INTO dispatch_send_log({Columns}) VALUES ($k, $c, $r, $ch, $s, $at, $n, $o, $l, $p, $why)",
        ("$k", e.IdempotencyKey),
        ("$c", e.CampaignId),
        ("$r", e.RunKey),
        ("$ch", e.Channel.Value),
        ("$s", (int)e.State),
        ("$at", e.At.UtcTicks),
        ("$n", e.Attempts),
        ("$o", e.Owner),
        ("$l", e.LeaseUntil?.UtcTicks),
        ("$p", e.ProviderMessageId),
        ("$why", e.Reason));
}

/// <summary>The SQLite <see cref="IBudgetStore"/> (table <c>dispatch_budget_reservations</c>).</summary>
public sealed class SqliteBudgetStore : IBudgetStore
{
    private readonly SqliteDatabase _db;

    internal SqliteBudgetStore(SqliteDatabase db) => _db = db;

    /// <inheritdoc/>
    public ValueTask<bool> TryReserveAsync(string campaignId, BudgetLimits limits, string reservationKey, decimal cost, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(campaignId);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentException.ThrowIfNullOrWhiteSpace(reservationKey);
        var cents = Cents(cost);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        using var tx = SqliteDatabase.BeginWrite(connection);
        if (Sql.Scalar(connection, tx, "SELECT COUNT(*) FROM dispatch_budget_reservations WHERE campaign_id = $c AND reservation_key = $k", ("$c", campaignId), ("$k", reservationKey)) > 0)
        {
            tx.Commit();
            return ValueTask.FromResult(true);
        }

        var count = Sql.Scalar(connection, tx, "SELECT COUNT(*) FROM dispatch_budget_reservations WHERE campaign_id = $c", ("$c", campaignId));
        var spent = Sql.Scalar(connection, tx, "SELECT COALESCE(SUM(cents), 0) FROM dispatch_budget_reservations WHERE campaign_id = $c", ("$c", campaignId));
        if (count + 1 > (limits.MaxCount ?? long.MaxValue) || (limits.MaxAmount is { } m && spent + cents > Cents(m)))
        {
            tx.Commit();
            return ValueTask.FromResult(false);
        }

        Sql.Execute(connection, tx, "INSERT INTO dispatch_budget_reservations(campaign_id, reservation_key, cents, committed) VALUES ($c, $k, $cents, 0)", ("$c", campaignId), ("$k", reservationKey), ("$cents", cents));
        tx.Commit();
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc/>
    public ValueTask CommitAsync(string campaignId, string reservationKey)
    {
        using var connection = _db.Open();
        Sql.Execute(connection, null, "UPDATE dispatch_budget_reservations SET committed = 1 WHERE campaign_id = $c AND reservation_key = $k", ("$c", campaignId), ("$k", reservationKey));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask ReleaseAsync(string campaignId, string reservationKey)
    {
        using var connection = _db.Open();
        Sql.Execute(connection, null, "DELETE FROM dispatch_budget_reservations WHERE campaign_id = $c AND reservation_key = $k AND committed = 0", ("$c", campaignId), ("$k", reservationKey));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask<BudgetUsage> GetUsageAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        using var connection = _db.Open();
        var count = Sql.Scalar(connection, null, "SELECT COUNT(*) FROM dispatch_budget_reservations WHERE campaign_id = $c", ("$c", campaignId));
        var cents = Sql.Scalar(connection, null, "SELECT COALESCE(SUM(cents), 0) FROM dispatch_budget_reservations WHERE campaign_id = $c", ("$c", campaignId));
        return ValueTask.FromResult(new BudgetUsage(count, cents / 100m));
    }

    private static long Cents(decimal amount) => amount is >= 0m and <= BudgetLimits.MaxAllowedAmount
        ? (long)decimal.Ceiling(amount * 100m)
        : throw new ArgumentOutOfRangeException(nameof(amount), amount, "Must be in [0, BudgetLimits.MaxAllowedAmount].");
}

/// <summary>The SQLite <see cref="IFrequencyCapStore"/> and contact history (table <c>dispatch_contacts</c>).</summary>
public sealed class SqliteFrequencyCapStore : IFrequencyCapStore
{
    private readonly SqliteDatabase _db;

    internal SqliteFrequencyCapStore(SqliteDatabase db) => _db = db;

    /// <inheritdoc/>
    public ValueTask<bool> TryReserveAsync(ContactReservation reservation, IReadOnlyList<FrequencyCap> caps, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        ArgumentNullException.ThrowIfNull(caps);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        using var tx = SqliteDatabase.BeginWrite(connection);
        if (Sql.Scalar(connection, tx, "SELECT COUNT(*) FROM dispatch_contacts WHERE reservation_key = $k", ("$k", reservation.Key)) > 0)
        {
            tx.Commit();
            return ValueTask.FromResult(true);
        }

        foreach (var cap in caps)
        {
            if (!FrequencyCaps.Matches(cap, reservation.Channel, reservation.Purpose))
            {
                continue;
            }

            // Open interval (t − W, t + W): see IFrequencyCapStore.
            var n = Sql.Scalar(
                connection,
                tx,
                "SELECT COUNT(*) FROM dispatch_contacts WHERE customer_id = $id AND purpose = $p AND ($ch IS NULL OR channel = $ch) AND at_ticks > $from AND at_ticks < $to",
                ("$id", reservation.CustomerId),
                ("$p", (int)cap.Purpose),
                ("$ch", cap.Channel?.Value),
                ("$from", reservation.At.UtcTicks - cap.Window.Ticks),
                ("$to", reservation.At.UtcTicks + cap.Window.Ticks));
            if (n >= cap.MaxContacts)
            {
                tx.Commit();
                return ValueTask.FromResult(false);
            }
        }

        Insert(connection, tx, reservation.Key, reservation.CustomerId, reservation.Channel, reservation.Purpose, reservation.At, reservation.CampaignId, committed: false);
        tx.Commit();
        return ValueTask.FromResult(true);
    }

    /// <inheritdoc/>
    public ValueTask CommitAsync(string key)
    {
        using var connection = _db.Open();
        Sql.Execute(connection, null, "UPDATE dispatch_contacts SET committed = 1 WHERE reservation_key = $k", ("$k", key));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask ReleaseAsync(string key)
    {
        using var connection = _db.Open();
        Sql.Execute(connection, null, "DELETE FROM dispatch_contacts WHERE reservation_key = $k AND committed = 0", ("$k", key));
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public int CountContacts(string customerId, ContactChannel? channel, ConsentPurpose purpose, DateTimeOffset since, DateTimeOffset until)
    {
        using var connection = _db.Open();
        return (int)Sql.Scalar(
            connection,
            null,
            "SELECT COUNT(*) FROM dispatch_contacts WHERE customer_id = $id AND purpose = $p AND ($ch IS NULL OR channel = $ch) AND at_ticks >= $from AND at_ticks < $to",
            ("$id", customerId),
            ("$p", (int)purpose),
            ("$ch", channel?.Value),
            ("$from", since.UtcTicks),
            ("$to", until.UtcTicks));
    }

    /// <inheritdoc/>
    public void Record(ContactRecord contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        using var connection = _db.Open();
        Insert(connection, null, "contact-" + Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture), contact.CustomerId, contact.Channel, contact.Purpose, contact.At, contact.CampaignId, committed: true);
    }

    private static void Insert(SqliteConnection connection, SqliteTransaction? tx, string key, string customerId, ContactChannel channel, ConsentPurpose purpose, DateTimeOffset at, string? campaignId, bool committed) => Sql.Execute(
        connection,
        tx,
        "INSERT INTO dispatch_contacts(reservation_key, customer_id, channel, purpose, at_ticks, campaign_id, committed) VALUES ($k, $id, $ch, $p, $at, $c, $done)",
        ("$k", key),
        ("$id", customerId),
        ("$ch", channel.Value),
        ("$p", (int)purpose),
        ("$at", at.UtcTicks),
        ("$c", campaignId),
        ("$done", committed ? 1 : 0));
}

/// <summary>The SQLite <see cref="IConsentStore"/> (table <c>dispatch_consents</c>, one row per decision; the latest wins).</summary>
public sealed class SqliteConsentStore : IConsentStore
{
    private readonly SqliteDatabase _db;

    internal SqliteConsentStore(SqliteDatabase db) => _db = db;

    /// <inheritdoc/>
    public ValueTask<ConsentStatus?> GetStatusAsync(string customerId, ContactChannel channel, ConsentPurpose purpose, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        using var connection = _db.Open();
        using var command = Sql.Command(
            connection,
            null,
            "SELECT status FROM dispatch_consents WHERE customer_id = $id AND channel = $ch AND purpose = $p AND at_ticks <= $at ORDER BY at_ticks DESC, rowid DESC LIMIT 1",
            ("$id", customerId),
            ("$ch", channel.Value),
            ("$p", (int)purpose),
            ("$at", at.UtcTicks));
        return ValueTask.FromResult(command.ExecuteScalar() is long s ? (ConsentStatus?)(ConsentStatus)s : null);
    }

    /// <inheritdoc/>
    public ValueTask RecordAsync(string customerId, ConsentRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(customerId);
        ArgumentNullException.ThrowIfNull(record);
        using var connection = _db.Open();
        Sql.Execute(
            connection,
            null,
            "INSERT INTO dispatch_consents(customer_id, channel, purpose, status, at_ticks) VALUES ($id, $ch, $p, $s, $at)",
            ("$id", customerId),
            ("$ch", record.Channel.Value),
            ("$p", (int)record.Purpose),
            ("$s", (int)record.Status),
            ("$at", record.At.UtcTicks));
        return ValueTask.CompletedTask;
    }
}

/// <summary>The SQLite <see cref="ISuppressionList"/> (table <c>dispatch_suppressions</c>).</summary>
public sealed class SqliteSuppressionList : ISuppressionList
{
    private readonly SqliteDatabase _db;

    internal SqliteSuppressionList(SqliteDatabase db) => _db = db;

    /// <inheritdoc/>
    public ValueTask<bool> IsSuppressedAsync(string customerId, ContactChannel channel, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        using var connection = _db.Open();
        var n = Sql.Scalar(
            connection,
            null,
            "SELECT COUNT(*) FROM dispatch_suppressions WHERE customer_id = $id AND (channel IS NULL OR channel = $ch) AND since_ticks <= $at",
            ("$id", customerId),
            ("$ch", channel.Value),
            ("$at", at.UtcTicks));
        return ValueTask.FromResult(n > 0);
    }

    /// <inheritdoc/>
    public ValueTask AddAsync(SuppressionEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        using var connection = _db.Open();
        Sql.Execute(
            connection,
            null,
            "INSERT INTO dispatch_suppressions(customer_id, channel, since_ticks, reason) VALUES ($id, $ch, $at, $why)",
            ("$id", entry.CustomerId),
            ("$ch", entry.Channel?.Value),
            ("$at", entry.Since.UtcTicks),
            ("$why", entry.Reason));
        return ValueTask.CompletedTask;
    }
}

/// <summary>The SQLite <see cref="ISendSchedule"/> (table <c>dispatch_schedule</c>).</summary>
public sealed class SqliteSendSchedule : ISendSchedule
{
    private readonly SqliteDatabase _db;

    internal SqliteSendSchedule(SqliteDatabase db) => _db = db;

    /// <inheritdoc/>
    public ValueTask ScheduleAsync(ScheduledSend send, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(send);
        using var connection = _db.Open();
        Sql.Execute(
            connection,
            null,
            "INSERT OR REPLACE INTO dispatch_schedule(idempotency_key, campaign_id, run_key, customer_id, due_ticks, reason, hidden_until_ticks, payload) VALUES ($k, $c, $r, $id, $due, $why, 0, $p)",
            ("$k", send.IdempotencyKey),
            ("$c", send.CampaignId),
            ("$r", send.RunKey),
            ("$id", send.CustomerId),
            ("$due", send.DueAt.UtcTicks),
            ("$why", send.Reason),
            ("$p", send.Payload));
        return ValueTask.CompletedTask;
    }

    /// <summary>Adds the <c>payload</c> column to a <c>dispatch_schedule</c> table made before it existed (idempotent; safe when two
    /// processes do it at once).</summary>
    internal static void Migrate(SqliteDatabase db)
    {
        using var connection = db.Open();
        if (Sql.Scalar(connection, null, "SELECT COUNT(*) FROM pragma_table_info('dispatch_schedule') WHERE name = 'payload'") > 0)
        {
            return;
        }

        try
        {
            Sql.Execute(connection, null, "ALTER TABLE dispatch_schedule ADD COLUMN payload TEXT");
        }
        catch (SqliteException) when (Sql.Scalar(connection, null, "SELECT COUNT(*) FROM pragma_table_info('dispatch_schedule') WHERE name = 'payload'") > 0)
        {
            // another process added it first
        }
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<ScheduledSend>> TakeDueAsync(DateTimeOffset now, int max, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        using var connection = _db.Open();
        using var tx = SqliteDatabase.BeginWrite(connection);
        var due = new List<ScheduledSend>();
        using (var command = Sql.Command(
            connection,
            tx,
            "SELECT idempotency_key, campaign_id, run_key, customer_id, due_ticks, reason, payload FROM dispatch_schedule WHERE due_ticks <= $now AND hidden_until_ticks <= $now ORDER BY due_ticks, idempotency_key LIMIT $max",
            ("$now", now.UtcTicks),
            ("$max", max)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                due.Add(new ScheduledSend(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), Sql.Instant(reader.GetInt64(4)), reader.GetString(5)) { Payload = Sql.NullableString(reader, 6) });
            }
        }

        foreach (var s in due)
        {
            Sql.Execute(connection, tx, "UPDATE dispatch_schedule SET hidden_until_ticks = $h WHERE idempotency_key = $k", ("$h", (now + lease).UtcTicks), ("$k", s.IdempotencyKey));
        }

        tx.Commit();
        return ValueTask.FromResult<IReadOnlyList<ScheduledSend>>(due);
    }

    /// <inheritdoc/>
    public ValueTask CompleteAsync(string idempotencyKey)
    {
        using var connection = _db.Open();
        Sql.Execute(connection, null, "DELETE FROM dispatch_schedule WHERE idempotency_key = $k", ("$k", idempotencyKey));
        return ValueTask.CompletedTask;
    }
}

/// <summary>The SQLite <see cref="ICouponStore"/> (table <c>dispatch_coupons</c>: one code per issue key, codes unique).</summary>
public sealed class SqliteCouponStore : ICouponStore
{
    private readonly SqliteDatabase _db;

    internal SqliteCouponStore(SqliteDatabase db) => _db = db;

    /// <inheritdoc/>
    public ValueTask<Coupon> IssueOnceAsync(string issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(issueKey);
        ArgumentNullException.ThrowIfNull(offer);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        using var tx = SqliteDatabase.BeginWrite(connection);
        using (var command = Sql.Command(connection, tx, "SELECT code, offer_id, customer_id, issued_ticks, valid_from_ticks, valid_until_ticks, max_redemptions FROM dispatch_coupons WHERE issue_key = $k", ("$k", issueKey)))
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                var found = new Coupon(reader.GetString(0), reader.GetString(1), Sql.NullableString(reader, 2), Sql.Instant(reader.GetInt64(3)), Sql.Instant(reader.GetInt64(4)), Sql.NullableLong(reader, 5) is { } u ? Sql.Instant(u) : null, reader.GetInt32(6));
                tx.Commit();
                return ValueTask.FromResult(found);
            }
        }

        // A fresh ledger draws the code and applies the offer's window and validity rules; the unique index rejects a (vanishingly rare) collision.
        var coupon = new CouponLedger().Issue(offer, customerId, issuedAt);
        Sql.Execute(
            connection,
            tx,
            "INSERT INTO dispatch_coupons(issue_key, code, offer_id, customer_id, issued_ticks, valid_from_ticks, valid_until_ticks, max_redemptions) VALUES ($k, $code, $o, $id, $at, $from, $until, $max)",
            ("$k", issueKey),
            ("$code", coupon.Code),
            ("$o", coupon.OfferId),
            ("$id", coupon.CustomerId),
            ("$at", coupon.IssuedAt.UtcTicks),
            ("$from", coupon.ValidFrom.UtcTicks),
            ("$until", coupon.ValidUntil?.UtcTicks),
            ("$max", coupon.MaxRedemptions));
        tx.Commit();
        return ValueTask.FromResult(coupon);
    }
}
