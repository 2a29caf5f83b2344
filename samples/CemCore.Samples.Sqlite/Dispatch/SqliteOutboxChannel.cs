using CemCore.Channels;
using CemCore.Primitives;

namespace CemCore.Samples.Sqlite.Dispatch;

/// <summary>
/// An outbox channel: "delivers" a message by appending one row to the table <c>outbox</c> (<c>customer_id, channel, run_key,
/// idempotency_key, subject, body, created_ticks</c>), where a relay process picks it up. Idempotent on the key (a unique index and
/// <c>INSERT OR IGNORE</c>): a resend after a crash between acceptance and the send-log record adds no second row.
/// </summary>
public sealed class SqliteOutboxChannel : IMessageChannel
{
    /// <summary>The outbox table's DDL.</summary>
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS outbox(
            id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL, channel TEXT NOT NULL, run_key TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE, subject TEXT, body TEXT NOT NULL, created_ticks INTEGER NOT NULL);
        """;

    private readonly SqliteDatabase _db;
    private readonly string _runKey;
    private readonly TimeProvider _time;

    /// <summary>Creates the channel (the table is created when absent).</summary>
    /// <param name="database">The database.</param>
    /// <param name="channel">The channel it serves.</param>
    /// <param name="runKey">The run key written to each row.</param>
    /// <param name="time">The clock for <c>created_ticks</c>.</param>
    public SqliteOutboxChannel(SqliteDatabase database, ContactChannel channel, string runKey, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(runKey);
        _db = database;
        _runKey = runKey;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        Channel = channel;
        database.EnsureSchema(Schema);
    }

    /// <inheritdoc/>
    public ContactChannel Channel { get; }

    /// <inheritdoc/>
    public ChannelCapabilities Capabilities { get; } = new();

    /// <inheritdoc/>
    public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _db.Open();
        Sql.Execute(
            connection,
            null,
            "INSERT OR IGNORE INTO outbox(customer_id, channel, run_key, idempotency_key, subject, body, created_ticks) VALUES ($id, $ch, $r, $k, $s, $b, $at)",
            ("$id", message.CustomerId),
            ("$ch", Channel.Value),
            ("$r", _runKey),
            ("$k", idempotencyKey),
            ("$s", message.Subject),
            ("$b", message.Body),
            ("$at", _time.GetUtcNow().UtcTicks));
        return ValueTask.FromResult(SendResult.Delivered(idempotencyKey));
    }
}
