using System.Collections.Concurrent;
namespace CemCore.Samples.Orleans.Grains;

/// <summary>One message handed to the provider.</summary>
/// <param name="SendKey">The send key (the provider's idempotency key).</param>
/// <param name="CustomerId">The member.</param>
/// <param name="RuleId">The rule.</param>
/// <param name="OfferId">The offer.</param>
/// <param name="Channel">The channel.</param>
/// <param name="SendAt">When to send.</param>
public sealed record OutboxMessage(string SendKey, string CustomerId, string RuleId, string OfferId, string Channel, DateTimeOffset SendAt);

/// <summary>
/// The sending channel (provider) seen by the customer grains. It is idempotent on <see cref="OutboxMessage.SendKey"/> (as the library's
/// dispatch expects of providers): a key already delivered is acknowledged again without a second delivery. The grain claims the key in
/// its state before calling it, so a crash between claim and delivery is healed by re-driving the claim, never by a second message.
/// </summary>
public interface IOutboxChannel
{
    /// <summary>Delivers a message once.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels before delivery.</param>
    /// <returns><see langword="true"/> when delivered now; <see langword="false"/> when the key was delivered before.</returns>
    Task<bool> SendAsync(OutboxMessage message, CancellationToken cancellationToken = default);
}

/// <summary>An in-memory outbox (tests, single-process demo): records every delivery and counts every call.</summary>
public sealed class InMemoryOutbox : IOutboxChannel
{
    private readonly ConcurrentDictionary<string, OutboxMessage> _deliveries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<OutboxMessage> _log = new();
    private long _calls;

    /// <summary>Gets the deliveries by key.</summary>
    public IReadOnlyDictionary<string, OutboxMessage> Deliveries => _deliveries;

    /// <summary>Gets every delivery in the order they happened (one entry per delivered key; a repeated call adds nothing).</summary>
    public IReadOnlyCollection<OutboxMessage> DeliveryLog => _log;

    /// <summary>Gets the number of provider calls (deliveries plus acknowledged repeats).</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Gets or sets a hook called before each delivery (tests use it to inject faults).</summary>
    public Action<OutboxMessage>? BeforeDelivery { get; set; }

    /// <inheritdoc/>
    public Task<bool> SendAsync(OutboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _calls);
        BeforeDelivery?.Invoke(message);
        if (_deliveries.TryAdd(message.SendKey, message))
        {
            _log.Enqueue(message);
            return Task.FromResult(true);
        }

        return Task.FromResult(false);
    }

    /// <summary>Forgets everything.</summary>
    public void Clear()
    {
        _deliveries.Clear();
        _log.Clear();
        Interlocked.Exchange(ref _calls, 0);
    }
}
