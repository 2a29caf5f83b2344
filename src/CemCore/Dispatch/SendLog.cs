using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CemCore.Channels;
using CemCore.Primitives;

namespace CemCore.Dispatch;

/// <summary>One entry of the send log: what happened to one idempotency key.</summary>
/// <param name="IdempotencyKey">The key (see <see cref="IdempotencyKey.Create"/>); contains no personal data.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="RunKey">The run (such as <c>2026-03-10</c>).</param>
/// <param name="Channel">The channel.</param>
/// <param name="Status">The final status of the send.</param>
/// <param name="At">When it was recorded.</param>
/// <param name="Attempts">How many attempts were made.</param>
/// <param name="ProviderMessageId">The provider's message id, if delivered.</param>
/// <param name="Reason">Why it failed (no personal data), if it did.</param>
public sealed record SendLogEntry(string IdempotencyKey, string CampaignId, string RunKey, ContactChannel Channel, SendStatus Status, DateTimeOffset At, int Attempts, string? ProviderMessageId = null, string? Reason = null);

/// <summary>
/// The host's durable record of sends, keyed by idempotency key: a retried or restarted run looks a key up before sending and never sends
/// a key that is recorded as <see cref="SendStatus.Delivered"/> (or <see cref="SendStatus.Rejected"/>) again.
/// </summary>
/// <remarks>
/// Implementations must be safe for concurrent use and durable across restarts (a table with the key as primary key). A crash between a
/// provider's acceptance and <see cref="RecordAsync"/> is covered by the channel's own idempotency on the same key
/// (<see cref="IMessageChannel"/>).
/// </remarks>
public interface ISendLog
{
    /// <summary>Finds the entry for a key.</summary>
    /// <param name="idempotencyKey">The key.</param>
    /// <param name="cancellationToken">Cancels the lookup.</param>
    /// <returns>The entry, or <see langword="null"/> when the key was never recorded.</returns>
    ValueTask<SendLogEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Records (inserts or replaces) the entry for a key.</summary>
    /// <param name="entry">The entry.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the entry is durable.</returns>
    ValueTask RecordAsync(SendLogEntry entry, CancellationToken cancellationToken = default);
}

/// <summary>An in-memory <see cref="ISendLog"/> (tests, demos, single-process hosts). Thread-safe.</summary>
public sealed class InMemorySendLog : ISendLog
{
    private readonly ConcurrentDictionary<string, SendLogEntry> _entries = new(StringComparer.Ordinal);

    /// <summary>Gets every entry.</summary>
    public IReadOnlyCollection<SendLogEntry> Entries => [.. _entries.Values];

    /// <inheritdoc/>
    public ValueTask<SendLogEntry?> FindAsync(string idempotencyKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_entries.TryGetValue(idempotencyKey, out var e) ? e : null);
    }

    /// <inheritdoc/>
    public ValueTask RecordAsync(SendLogEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        cancellationToken.ThrowIfCancellationRequested();
        _entries[entry.IdempotencyKey] = entry;
        return ValueTask.CompletedTask;
    }
}

/// <summary>Derives idempotency keys.</summary>
public static class IdempotencyKey
{
    /// <summary>
    /// The key for one logical send: <c>"cem1-" + lowercase hex of the first 16 bytes of SHA-256(UTF-8(campaignId ‖ LF ‖ runKey ‖ LF ‖
    /// customerId ‖ LF ‖ upper-case channel))</c>. Stable across processes and restarts; the customer id cannot be read back from it, so the
    /// key may be given to providers and written to logs.
    /// </summary>
    /// <param name="campaignId">The campaign id.</param>
    /// <param name="runKey">The run key (such as the run date).</param>
    /// <param name="customerId">The customer id.</param>
    /// <param name="channel">The channel.</param>
    /// <returns>The key (37 characters).</returns>
    public static string Create(string campaignId, string runKey, string customerId, ContactChannel channel)
    {
        Check.NotBlank(campaignId);
        Check.NotBlank(runKey);
        Check.NotBlank(customerId);
        var text = string.Join('\n', campaignId, runKey, customerId, channel.Value.ToUpperInvariant());
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        return "cem1-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
