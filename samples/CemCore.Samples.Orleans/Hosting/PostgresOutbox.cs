using CemCore.Samples.Orleans.Grains;
using Npgsql;

namespace CemCore.Samples.Orleans.Hosting;

/// <summary>
/// The outbox on PostgreSQL: table <c>cemcore_outbox</c> with the send key as primary key; a delivery is an
/// <c>INSERT ... ON CONFLICT DO NOTHING</c>, so a repeated key is acknowledged without a second row. A relay (not part of the sample)
/// forwards new rows to the SMS, e-mail or push provider with the key as the provider's idempotency key.
/// </summary>
public sealed class PostgresOutbox : IOutboxChannel, IAsyncDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly SemaphoreSlim _init = new(1, 1);
    private volatile bool _ready;

    /// <summary>Creates the outbox.</summary>
    /// <param name="connectionString">The connection string.</param>
    public PostgresOutbox(string connectionString) => _source = NpgsqlDataSource.Create(connectionString);

    /// <summary>The table's DDL (created on first use).</summary>
    public const string CreateTable =
        "CREATE TABLE IF NOT EXISTS cemcore_outbox (send_key varchar(64) PRIMARY KEY, customer_id varchar(128) NOT NULL, rule_id varchar(128) NOT NULL, " +
        "offer_id varchar(128) NOT NULL, channel varchar(32) NOT NULL, send_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())";

    /// <inheritdoc/>
    public async Task<bool> SendAsync(OutboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await EnsureTableAsync(cancellationToken).ConfigureAwait(false);
        await using var cmd = _source.CreateCommand(
            "INSERT INTO cemcore_outbox (send_key, customer_id, rule_id, offer_id, channel, send_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (send_key) DO NOTHING");
        cmd.Parameters.AddWithValue(message.SendKey);
        cmd.Parameters.AddWithValue(message.CustomerId);
        cmd.Parameters.AddWithValue(message.RuleId);
        cmd.Parameters.AddWithValue(message.OfferId);
        cmd.Parameters.AddWithValue(message.Channel);
        cmd.Parameters.AddWithValue(message.SendAt.ToUniversalTime());
        return await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Counts the rows.</summary>
    /// <returns>The count.</returns>
    public async Task<long> CountAsync()
    {
        await EnsureTableAsync(CancellationToken.None).ConfigureAwait(false);
        await using var cmd = _source.CreateCommand("SELECT count(*) FROM cemcore_outbox");
        return (long)(await cmd.ExecuteScalarAsync().ConfigureAwait(false))!;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _source.DisposeAsync().ConfigureAwait(false);
        _init.Dispose();
    }

    private async Task EnsureTableAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _init.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_ready)
            {
                await using var cmd = _source.CreateCommand(CreateTable);
                await cmd.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                _ready = true;
            }
        }
        finally
        {
            _init.Release();
        }
    }
}
