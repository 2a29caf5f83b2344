using System.Globalization;
using System.Runtime.CompilerServices;
using CemCore.Channels;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Primitives;
using CemCore.Samples.Sqlite;
using CemCore.Sources;
using CemCore.Transactions;
using Microsoft.Data.Sqlite;

namespace CemCore.Samples.Worker;

/// <summary>
/// The sample's "CRM": a SQLite database (opened through <see cref="SqliteDatabase"/>: WAL, busy timeout) with customers, consents and
/// transactions, the tables the nightly job writes its results to (keyed by as-of date, with the units used), the outbox the channels write to,
/// the send log and the job runs.
/// </summary>
public sealed class SqliteCrm
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS customers (
          customer_id TEXT PRIMARY KEY, signed_up_utc_ticks INTEGER, region TEXT, city TEXT, city_tier INTEGER,
          gender INTEGER, preferred_channel TEXT, language TEXT, time_zone TEXT);
        CREATE TABLE IF NOT EXISTS consents (
          customer_id TEXT NOT NULL, channel TEXT NOT NULL, purpose INTEGER NOT NULL, status INTEGER NOT NULL, at_utc_ticks INTEGER NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_consents_customer ON consents(customer_id);
        CREATE TABLE IF NOT EXISTS transactions (
          order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, utc_ticks INTEGER NOT NULL, amount TEXT NOT NULL,
          channel TEXT, kind INTEGER NOT NULL, original_order_id TEXT, return_reason INTEGER NOT NULL DEFAULT 0);
        CREATE INDEX IF NOT EXISTS ix_transactions_ticks ON transactions(utc_ticks);
        CREATE TABLE IF NOT EXISTS job_runs (
          run_id INTEGER PRIMARY KEY AUTOINCREMENT, as_of TEXT NOT NULL, settings TEXT NOT NULL, started_utc TEXT NOT NULL,
          finished_utc TEXT, status TEXT NOT NULL, summary TEXT);
        CREATE TABLE IF NOT EXISTS customer_features (
          as_of TEXT NOT NULL, customer_id TEXT NOT NULL, time_unit TEXT NOT NULL, time_zone TEXT NOT NULL, order_count INTEGER NOT NULL,
          purchase_days INTEGER NOT NULL, recency_days REAL, monetary_total TEXT NOT NULL, btyd_x INTEGER NOT NULL, btyd_t_x REAL NOT NULL,
          btyd_T REAL NOT NULL, PRIMARY KEY (as_of, customer_id));
        CREATE TABLE IF NOT EXISTS customer_segments (
          as_of TEXT NOT NULL, segmenter TEXT NOT NULL, customer_id TEXT NOT NULL, segment TEXT NOT NULL, settings TEXT NOT NULL,
          PRIMARY KEY (as_of, segmenter, customer_id, segment));
        CREATE TABLE IF NOT EXISTS customer_lifecycle (
          as_of TEXT NOT NULL, customer_id TEXT NOT NULL, stage TEXT NOT NULL, rule TEXT NOT NULL, days_since_last_purchase REAL,
          expected_interval_days REAL, PRIMARY KEY (as_of, customer_id));
        CREATE TABLE IF NOT EXISTS lifecycle_transitions (
          as_of TEXT NOT NULL, customer_id TEXT NOT NULL, compared_with TEXT NOT NULL, from_stage TEXT NOT NULL, to_stage TEXT NOT NULL,
          reason TEXT NOT NULL, PRIMARY KEY (as_of, customer_id));
        CREATE TABLE IF NOT EXISTS churn_scores (
          as_of TEXT NOT NULL, customer_id TEXT NOT NULL, probability REAL NOT NULL, model_origin TEXT NOT NULL, label_window_days INTEGER NOT NULL,
          PRIMARY KEY (as_of, customer_id));
        CREATE TABLE IF NOT EXISTS customer_clv (
          as_of TEXT NOT NULL, customer_id TEXT NOT NULL, p_alive REAL NOT NULL, expected_purchases REAL NOT NULL, clv REAL,
          time_unit TEXT NOT NULL, horizon_periods INTEGER NOT NULL, discount_rate_per_period REAL NOT NULL, margin REAL NOT NULL,
          PRIMARY KEY (as_of, customer_id));
        CREATE TABLE IF NOT EXISTS offer_decisions (
          as_of TEXT NOT NULL, customer_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, rule_id TEXT, offer_id TEXT, channel TEXT,
          send_at TEXT, PRIMARY KEY (as_of, customer_id));
        CREATE TABLE IF NOT EXISTS dispatch_outcomes (
          as_of TEXT NOT NULL, campaign_id TEXT NOT NULL, customer_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, offer_id TEXT,
          channel TEXT, idempotency_key TEXT, PRIMARY KEY (as_of, campaign_id, customer_id));
        CREATE TABLE IF NOT EXISTS outbox (
          idempotency_key TEXT PRIMARY KEY, channel TEXT NOT NULL, customer_id TEXT NOT NULL, subject TEXT, body TEXT NOT NULL,
          locale TEXT NOT NULL, created_utc TEXT NOT NULL);
        """;

    /// <summary>The result tables, each keyed by <c>as_of</c>: a run replaces its as-of's rows (idempotent per as-of date).</summary>
    internal static readonly string[] ResultTables =
        ["customer_features", "customer_segments", "customer_lifecycle", "lifecycle_transitions", "churn_scores", "customer_clv", "offer_decisions", "dispatch_outcomes"];

    /// <summary>Creates the CRM over a database file (created on first use).</summary>
    /// <param name="path">The SQLite file.</param>
    public SqliteCrm(string path) => Database = new SqliteDatabase(Path.GetFullPath(path));

    /// <summary>Gets the database.</summary>
    public SqliteDatabase Database { get; }

    /// <summary>Opens a connection.</summary>
    public SqliteConnection Open() => Database.Open();

    /// <summary>Creates the tables (idempotent).</summary>
    public void EnsureSchema() => Database.EnsureSchema(Schema);

    /// <summary>Counts the customers.</summary>
    public long CountCustomers() => Scalar<long>("SELECT COUNT(*) FROM customers");

    /// <summary>Runs a scalar query (sample diagnostics and tests).</summary>
    public T Scalar<T>(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T), CultureInfo.InvariantCulture);
    }

    /// <summary>Inserts customers (with consents) and transactions in one transaction.</summary>
    public void Insert(IEnumerable<CustomerProfile> customers, IEnumerable<Transaction> transactions)
    {
        using var c = Open();
        using var tx = SqliteDatabase.BeginWrite(c);
        using (var cmd = Command(c, tx, "INSERT INTO customers VALUES ($id, $signup, $region, $city, $tier, $gender, $channel, $lang, $tz)"))
        using (var consent = Command(c, tx, "INSERT INTO consents VALUES ($id, $channel, $purpose, $status, $at)"))
        {
            foreach (var cu in customers)
            {
                Run(cmd, cu.Id, cu.SignedUpAt?.UtcTicks, cu.Demographics.Region, cu.Demographics.City, cu.Demographics.CityTier,
                    (int)cu.Demographics.Gender, cu.PreferredChannel.Value, cu.Language, cu.TimeZoneId);
                foreach (var r in cu.Consents)
                {
                    Run(consent, cu.Id, r.Channel.Value, (int)r.Purpose, (int)r.Status, r.At.UtcTicks);
                }
            }
        }

        using (var cmd = Command(c, tx, "INSERT INTO transactions VALUES ($o, $c, $t, $a, $ch, $k, $orig, $r)"))
        {
            foreach (var t in transactions)
            {
                Run(cmd, t.OrderId, t.CustomerId, t.Timestamp.UtcTicks, t.Amount.ToString(CultureInfo.InvariantCulture), t.Channel.Value,
                    (int)t.Kind, t.OriginalOrderId, (int)t.ReturnReason);
            }
        }

        tx.Commit();
    }

    /// <summary>Creates a command with one parameter per <c>$name</c> in the SQL, in order of appearance.</summary>
    internal static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var cmd = connection.CreateCommand();
        cmd.Transaction = transaction;
        cmd.CommandText = sql;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(sql, @"\$[a-zA-Z_]+"))
        {
            if (!cmd.Parameters.Contains(m.Value))
            {
                cmd.Parameters.Add(new SqliteParameter { ParameterName = m.Value });
            }
        }

        return cmd;
    }

    /// <summary>Sets the parameters in order (null → DBNull) and executes.</summary>
    internal static int Run(SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        }

        return cmd.ExecuteNonQuery();
    }
}

/// <summary>CemCore's <see cref="ITransactionSource"/> port over the CRM's transactions table.</summary>
public sealed class SqliteTransactionSource(SqliteCrm crm) : ITransactionSource
{
    /// <inheritdoc/>
    public async IAsyncEnumerable<Transaction> ReadTransactionsAsync(TimeWindow window, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = crm.Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT order_id, customer_id, utc_ticks, amount, channel, kind, original_order_id, return_reason
            FROM transactions WHERE utc_ticks >= $start AND utc_ticks < $end ORDER BY utc_ticks
            """;
        cmd.Parameters.AddWithValue("$start", window.Start?.UtcTicks ?? long.MinValue);
        cmd.Parameters.AddWithValue("$end", window.End?.UtcTicks ?? long.MaxValue);
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            yield return new Transaction(
                r.GetString(0),
                r.GetString(1),
                new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero),
                decimal.Parse(r.GetString(3), CultureInfo.InvariantCulture),
                new SalesChannel(r.IsDBNull(4) ? null : r.GetString(4)),
                kind: (TransactionKind)r.GetInt32(5),
                originalOrderId: r.IsDBNull(6) ? null : r.GetString(6),
                returnReason: (ReturnReason)r.GetInt32(7));
        }
    }
}

/// <summary>CemCore's <see cref="ICustomerSource"/> port over the CRM's customers and consents tables.</summary>
public sealed class SqliteCustomerSource(SqliteCrm crm) : ICustomerSource
{
    /// <inheritdoc/>
    public async IAsyncEnumerable<CustomerProfile> ReadCustomersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = crm.Open();
        var consents = new Dictionary<string, List<ConsentRecord>>(StringComparer.Ordinal);
        await using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT customer_id, channel, purpose, status, at_utc_ticks FROM consents ORDER BY rowid";
            await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
            while (await r.ReadAsync(cancellationToken))
            {
                var id = r.GetString(0);
                if (!consents.TryGetValue(id, out var list))
                {
                    consents[id] = list = [];
                }

                list.Add(new ConsentRecord(new ContactChannel(r.GetString(1)), (ConsentPurpose)r.GetInt32(2), (ConsentStatus)r.GetInt32(3), new DateTimeOffset(r.GetInt64(4), TimeSpan.Zero)));
            }
        }

        await using var customers = c.CreateCommand();
        customers.CommandText = "SELECT customer_id, signed_up_utc_ticks, region, city, city_tier, gender, preferred_channel, language, time_zone FROM customers";
        await using var rows = await customers.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var id = rows.GetString(0);
            yield return new CustomerProfile(
                id,
                rows.IsDBNull(1) ? null : new DateTimeOffset(rows.GetInt64(1), TimeSpan.Zero),
                new Demographics(
                    Gender: (Gender)rows.GetInt32(5),
                    Region: rows.IsDBNull(2) ? null : rows.GetString(2),
                    City: rows.IsDBNull(3) ? null : rows.GetString(3),
                    CityTier: rows.IsDBNull(4) ? null : rows.GetInt32(4)),
                preferredChannel: new ContactChannel(rows.IsDBNull(6) ? null : rows.GetString(6)),
                language: rows.IsDBNull(7) ? null : rows.GetString(7),
                timeZoneId: rows.IsDBNull(8) ? null : rows.GetString(8),
                consents: consents.GetValueOrDefault(id));
        }
    }
}

/// <summary>A channel that writes rendered messages to the CRM's outbox table (a sender process delivers them). Idempotent on the key: a
/// second write of a key keeps the first row and reports it delivered again.</summary>
/// <param name="crm">The CRM.</param>
/// <param name="channel">The channel served.</param>
/// <param name="time">The clock for the row's timestamp.</param>
public sealed class OutboxChannel(SqliteCrm crm, ContactChannel channel, TimeProvider time) : IMessageChannel
{
    /// <inheritdoc/>
    public ContactChannel Channel { get; } = channel;

    /// <inheritdoc/>
    public ChannelCapabilities Capabilities { get; } = channel == ContactChannel.Sms ? new(MaxLength: 70) : channel == ContactChannel.Email ? new(SupportsSubject: true) : new();

    /// <inheritdoc/>
    public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var c = crm.Open();
        using var cmd = SqliteCrm.Command(c, null, "INSERT OR IGNORE INTO outbox VALUES ($key, $channel, $customer, $subject, $body, $locale, $at)");
        SqliteCrm.Run(cmd, idempotencyKey, Channel.Value, message.CustomerId, message.Subject, message.Body, message.Locale, time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture));
        return ValueTask.FromResult(SendResult.Delivered(idempotencyKey));
    }
}
