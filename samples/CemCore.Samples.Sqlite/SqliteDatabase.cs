using Microsoft.Data.Sqlite;

namespace CemCore.Samples.Sqlite;

/// <summary>
/// Opens connections to one SQLite database file with the settings every store here relies on: WAL journal (readers do not block
/// the writer), a busy timeout (several processes may write to the same file; a writer waits instead of failing at once) and
/// foreign keys on. Stores create their own tables with <see cref="EnsureSchema"/> (idempotent <c>CREATE ... IF NOT EXISTS</c>).
/// </summary>
public sealed class SqliteDatabase
{
    /// <summary>Creates the factory for <paramref name="path"/> (the file is created on first use).</summary>
    /// <param name="path">The database file.</param>
    /// <param name="busyTimeout">How long a writer waits for another writer's lock (default 30 s).</param>
    public SqliteDatabase(string path, TimeSpan? busyTimeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = path;
        BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(30);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = (int)Math.Ceiling(BusyTimeout.TotalSeconds),
        }.ToString();
    }

    /// <summary>Gets the database file.</summary>
    public string Path { get; }

    /// <summary>Gets the busy timeout.</summary>
    public TimeSpan BusyTimeout { get; }

    /// <summary>Gets the connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>Opens a connection with WAL, the busy timeout and foreign keys set.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = $"PRAGMA journal_mode=WAL; PRAGMA busy_timeout={(long)BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Runs idempotent DDL (<c>CREATE TABLE IF NOT EXISTS ...</c>) in one transaction.</summary>
    public void EnsureSchema(string ddl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ddl);
        using var connection = Open();
        using var tx = connection.BeginTransaction(System.Data.IsolationLevel.Serializable);
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = ddl;
        command.ExecuteNonQuery();
        tx.Commit();
    }

    /// <summary>
    /// Begins a write transaction that takes the database's write lock at once (<c>BEGIN IMMEDIATE</c>), so a read-then-write inside it
    /// cannot be overtaken by another process (no lost updates; concurrent writers wait up to the busy timeout).
    /// </summary>
    public static SqliteTransaction BeginWrite(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.BeginTransaction(deferred: false);
    }
}
