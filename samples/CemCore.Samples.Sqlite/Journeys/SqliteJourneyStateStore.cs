using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Samples.Sqlite.Dispatch;
using Microsoft.Data.Sqlite;

namespace CemCore.Samples.Sqlite.Journeys;

/// <summary>
/// The SQLite <see cref="IJourneyStateStore"/> (table <c>journey_state</c>, primary key (journey, customer, entry)). An insert is
/// <c>INSERT OR IGNORE</c> on the key; an update is <c>UPDATE ... WHERE version = $expected</c>: both atomic across threads and processes.
/// Instants are stored as UTC ticks.
/// </summary>
public sealed class SqliteJourneyStateStore : IJourneyStateStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS journey_state(
            journey_id TEXT NOT NULL, customer_id TEXT NOT NULL, entry INTEGER NOT NULL, entry_event_id TEXT NOT NULL, entered_ticks INTEGER NOT NULL,
            status INTEGER NOT NULL, step_id TEXT, wait_until_ticks INTEGER, path TEXT NOT NULL, version INTEGER NOT NULL, updated_ticks INTEGER NOT NULL,
            PRIMARY KEY(journey_id, customer_id, entry));
        CREATE INDEX IF NOT EXISTS ix_journey_state_due ON journey_state(journey_id, status, wait_until_ticks);
        """;

    private const string Columns = "journey_id, customer_id, entry, entry_event_id, entered_ticks, status, step_id, wait_until_ticks, path, version, updated_ticks";
    private readonly SqliteDatabase _db;

    /// <summary>Creates the store (the table is created when absent).</summary>
    /// <param name="database">The database.</param>
    public SqliteJourneyStateStore(SqliteDatabase database)
    {
        _db = database ?? throw new ArgumentNullException(nameof(database));
        database.EnsureSchema(Schema);
    }

    /// <inheritdoc/>
    public ValueTask<JourneyInstance?> GetLatestAsync(string journeyId, string customerId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var rows = Query($"SELECT {Columns} FROM journey_state WHERE journey_id = $j AND customer_id = $c ORDER BY entry DESC LIMIT 1", ("$j", journeyId), ("$c", customerId));
        return ValueTask.FromResult(rows.Count > 0 ? rows[0] : null);
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryInsertAsync(JourneyInstance instance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        var n = Sql.Execute(connection, null, $"INSERT OR IGNORE INTO journey_state({Columns}) VALUES ($j, $c, $e, $ev, $en, $s, $st, $w, $p, $v, $u)", Parameters(instance));
        return ValueTask.FromResult(n == 1);
    }

    /// <inheritdoc/>
    public ValueTask<bool> TryUpdateAsync(JourneyInstance instance, long expectedVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        var n = Sql.Execute(
            connection,
            null,
            "UPDATE journey_state SET status = $s, step_id = $st, wait_until_ticks = $w, path = $p, version = $v, updated_ticks = $u WHERE journey_id = $j AND customer_id = $c AND entry = $e AND version = $x",
            [.. Parameters(instance), ("$x", expectedVersion)]);
        return ValueTask.FromResult(n == 1);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<JourneyInstance>> GetDueAsync(string journeyId, DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<JourneyInstance> rows = Query(
            $"SELECT {Columns} FROM journey_state WHERE journey_id = $j AND (status = 0 OR (status = 1 AND wait_until_ticks <= $n)) ORDER BY COALESCE(wait_until_ticks, 0), customer_id, entry LIMIT $m",
            ("$j", journeyId),
            ("$n", now.UtcTicks),
            ("$m", max));
        return ValueTask.FromResult(rows);
    }

    /// <inheritdoc/>
    public ValueTask<IReadOnlyList<JourneyInstance>> GetAllAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        IReadOnlyList<JourneyInstance> rows = Query($"SELECT {Columns} FROM journey_state WHERE journey_id = $j ORDER BY customer_id, entry", ("$j", journeyId));
        return ValueTask.FromResult(rows);
    }

    private static (string, object?)[] Parameters(JourneyInstance i) =>
    [
        ("$j", i.JourneyId), ("$c", i.CustomerId), ("$e", i.Entry), ("$ev", i.EntryEventId), ("$en", i.EnteredAt.UtcTicks), ("$s", (int)i.Status),
        ("$st", i.StepId), ("$w", i.WaitUntil?.UtcTicks), ("$p", i.Path), ("$v", i.Version), ("$u", i.UpdatedAt.UtcTicks),
    ];

    private List<JourneyInstance> Query(string text, params (string Name, object? Value)[] parameters)
    {
        using var connection = _db.Open();
        using var command = Sql.Command(connection, null, text, parameters);
        using var reader = command.ExecuteReader();
        var list = new List<JourneyInstance>();
        while (reader.Read())
        {
            list.Add(new JourneyInstance(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetInt32(2),
                reader.GetString(3),
                Sql.Instant(reader.GetInt64(4)),
                (JourneyStatus)reader.GetInt32(5),
                Sql.NullableString(reader, 6),
                Sql.NullableLong(reader, 7) is { } w ? Sql.Instant(w) : null,
                reader.GetString(8),
                reader.GetInt64(9),
                Sql.Instant(reader.GetInt64(10))));
        }

        return list;
    }
}

/// <summary>The SQLite <see cref="IServiceTaskSink"/> (table <c>service_tasks</c>, the task id as primary key, <c>INSERT OR IGNORE</c>).</summary>
public sealed class SqliteServiceTaskSink : IServiceTaskSink
{
    private readonly SqliteDatabase _db;

    /// <summary>Creates the sink (the table is created when absent).</summary>
    /// <param name="database">The database.</param>
    public SqliteServiceTaskSink(SqliteDatabase database)
    {
        _db = database ?? throw new ArgumentNullException(nameof(database));
        database.EnsureSchema("""
            CREATE TABLE IF NOT EXISTS service_tasks(
                task_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, kind INTEGER NOT NULL, created_ticks INTEGER NOT NULL, source_event_id TEXT NOT NULL,
                order_id TEXT, nps INTEGER, csat INTEGER);
            """);
    }

    /// <inheritdoc/>
    public ValueTask<bool> CreateAsync(ServiceTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        cancellationToken.ThrowIfCancellationRequested();
        using SqliteConnection connection = _db.Open();
        var n = Sql.Execute(
            connection,
            null,
            "INSERT OR IGNORE INTO service_tasks(task_id, customer_id, kind, created_ticks, source_event_id, order_id, nps, csat) VALUES ($t, $c, $k, $at, $e, $o, $n, $s)",
            ("$t", task.TaskId),
            ("$c", task.CustomerId),
            ("$k", (int)task.Kind),
            ("$at", task.CreatedAt.UtcTicks),
            ("$e", task.SourceEventId),
            ("$o", task.OrderId),
            ("$n", task.Nps),
            ("$s", task.Csat));
        return ValueTask.FromResult(n == 1);
    }
}
