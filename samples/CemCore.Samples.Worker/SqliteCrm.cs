using System.Globalization;
using System.Runtime.CompilerServices;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Transactions;
using Microsoft.Data.Sqlite;

namespace CemCore.Samples.Worker;

/// <summary>The sample's "CRM": a SQLite database with customers, transactions and a table the nightly job writes features to.</summary>
public sealed class SqliteCrm(string connectionString)
{
    public string ConnectionString { get; } = connectionString;

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public void EnsureSchema()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            CREATE TABLE IF NOT EXISTS customers (
              customer_id TEXT PRIMARY KEY, signed_up_utc_ticks INTEGER, region TEXT, city TEXT, city_tier INTEGER,
              gender INTEGER, preferred_channel TEXT, language TEXT, time_zone TEXT);
            CREATE TABLE IF NOT EXISTS transactions (
              order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, utc_ticks INTEGER NOT NULL, amount TEXT NOT NULL,
              channel TEXT, kind INTEGER NOT NULL, original_order_id TEXT, return_reason INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX IF NOT EXISTS ix_transactions_ticks ON transactions(utc_ticks);
            CREATE TABLE IF NOT EXISTS customer_features (
              as_of TEXT NOT NULL, customer_id TEXT NOT NULL, order_count INTEGER, recency_days REAL, monetary_total TEXT,
              btyd_x INTEGER, btyd_t_x REAL, btyd_T REAL, PRIMARY KEY (as_of, customer_id));
            """;
        cmd.ExecuteNonQuery();
    }

    public long CountCustomers()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM customers";
        return (long)cmd.ExecuteScalar()!;
    }

    public void Insert(IEnumerable<CustomerProfile> customers, IEnumerable<Transaction> transactions)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO customers VALUES ($id, $signup, $region, $city, $tier, $gender, $channel, $lang, $tz)";
            var p = AddParameters(cmd, "$id", "$signup", "$region", "$city", "$tier", "$gender", "$channel", "$lang", "$tz");
            foreach (var cu in customers)
            {
                p[0].Value = cu.Id;
                p[1].Value = (object?)cu.SignedUpAt?.UtcTicks ?? DBNull.Value;
                p[2].Value = (object?)cu.Demographics.Region ?? DBNull.Value;
                p[3].Value = (object?)cu.Demographics.City ?? DBNull.Value;
                p[4].Value = (object?)cu.Demographics.CityTier ?? DBNull.Value;
                p[5].Value = (int)cu.Demographics.Gender;
                p[6].Value = cu.PreferredChannel.Value;
                p[7].Value = (object?)cu.Language ?? DBNull.Value;
                p[8].Value = (object?)cu.TimeZoneId ?? DBNull.Value;
                cmd.ExecuteNonQuery();
            }
        }

        using (var cmd = c.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO transactions VALUES ($o, $c, $t, $a, $ch, $k, $orig, $r)";
            var p = AddParameters(cmd, "$o", "$c", "$t", "$a", "$ch", "$k", "$orig", "$r");
            foreach (var t in transactions)
            {
                p[0].Value = t.OrderId;
                p[1].Value = t.CustomerId;
                p[2].Value = t.Timestamp.UtcTicks;
                p[3].Value = t.Amount.ToString(CultureInfo.InvariantCulture);
                p[4].Value = t.Channel.Value;
                p[5].Value = (int)t.Kind;
                p[6].Value = (object?)t.OriginalOrderId ?? DBNull.Value;
                p[7].Value = (int)t.ReturnReason;
                cmd.ExecuteNonQuery();
            }
        }

        tx.Commit();
    }

    public int SaveFeatures(CustomerFeatureSet features)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        // Idempotent: a re-run for the same as-of replaces its rows.
        cmd.CommandText = "INSERT OR REPLACE INTO customer_features VALUES ($asof, $id, $n, $rec, $m, $x, $tx, $T)";
        var p = AddParameters(cmd, "$asof", "$id", "$n", "$rec", "$m", "$x", "$tx", "$T");
        var asOf = features.AsOf.ToString("O", CultureInfo.InvariantCulture);
        foreach (var f in features)
        {
            p[0].Value = asOf;
            p[1].Value = f.CustomerId;
            p[2].Value = f.OrderCount;
            p[3].Value = (object?)f.RecencyDays ?? DBNull.Value;
            p[4].Value = f.MonetaryTotal.ToString(CultureInfo.InvariantCulture);
            p[5].Value = f.Btyd.Frequency;
            p[6].Value = f.Btyd.Recency;
            p[7].Value = f.Btyd.Age;
            cmd.ExecuteNonQuery();
        }

        tx.Commit();
        return features.Count;
    }

    private static SqliteParameter[] AddParameters(SqliteCommand cmd, params string[] names) =>
        [.. names.Select(n => cmd.Parameters.Add(new SqliteParameter { ParameterName = n }))];
}

/// <summary>CemCore's <see cref="ITransactionSource"/> port implemented over the sample CRM's SQLite tables.</summary>
public sealed class SqliteTransactionSource(SqliteCrm crm) : ITransactionSource
{
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
            var kind = (TransactionKind)r.GetInt32(5);
            yield return new Transaction(
                r.GetString(0),
                r.GetString(1),
                new DateTimeOffset(r.GetInt64(2), TimeSpan.Zero),
                decimal.Parse(r.GetString(3), CultureInfo.InvariantCulture),
                new SalesChannel(r.IsDBNull(4) ? null : r.GetString(4)),
                kind: kind,
                originalOrderId: r.IsDBNull(6) ? null : r.GetString(6),
                returnReason: (ReturnReason)r.GetInt32(7));
        }
    }
}

/// <summary>CemCore's <see cref="ICustomerSource"/> port implemented over the sample CRM's SQLite tables.</summary>
public sealed class SqliteCustomerSource(SqliteCrm crm) : ICustomerSource
{
    public async IAsyncEnumerable<CustomerProfile> ReadCustomersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = crm.Open();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT customer_id, signed_up_utc_ticks, region, city, city_tier, gender, preferred_channel, language, time_zone FROM customers";
        await using var r = await cmd.ExecuteReaderAsync(cancellationToken);
        while (await r.ReadAsync(cancellationToken))
        {
            yield return new CustomerProfile(
                r.GetString(0),
                r.IsDBNull(1) ? null : new DateTimeOffset(r.GetInt64(1), TimeSpan.Zero),
                new Demographics(
                    Gender: (Gender)r.GetInt32(5),
                    Region: r.IsDBNull(2) ? null : r.GetString(2),
                    City: r.IsDBNull(3) ? null : r.GetString(3),
                    CityTier: r.IsDBNull(4) ? null : r.GetInt32(4)),
                preferredChannel: new ContactChannel(r.IsDBNull(6) ? null : r.GetString(6)),
                language: r.IsDBNull(7) ? null : r.GetString(7),
                timeZoneId: r.IsDBNull(8) ? null : r.GetString(8));
        }
    }
}
