using CemCore.Merging;
using CemCore.Primitives;

namespace CemCore.Kpis;

/// <summary>What happened to a message sent to a customer (from the channel's receipts and tracking).</summary>
public enum EngagementKind
{
    /// <summary>Handed to the channel.</summary>
    Sent = 0,

    /// <summary>Delivery confirmed by the channel.</summary>
    Delivered = 1,

    /// <summary>Opened (e-mail open pixel, app push opened, message read).</summary>
    Opened = 2,

    /// <summary>A link in it was clicked.</summary>
    Clicked = 3,

    /// <summary>The customer replied.</summary>
    Replied = 4,

    /// <summary>Bounced or otherwise not delivered.</summary>
    Bounced = 5,
}

/// <summary>
/// Engagement of the messages of a campaign or channel. Counts are of distinct messages (a message opened three times is one open).
/// </summary>
/// <remarks>
/// A message is <b>sent</b> when it has any event; <b>delivered</b> when it has a delivered, opened, clicked or replied event (engagement
/// proves delivery even without a receipt; a bounce without such evidence is not delivered); <b>opened</b> when opened or clicked (a click
/// proves the open even when the open pixel was blocked); <b>clicked</b> and <b>replied</b> when it has that event.
/// Rates: delivery = delivered/sent, open = opened/delivered, click = clicked/delivered, reply = replied/delivered, click-to-open =
/// clicked/opened; each is <see langword="null"/> when its denominator is 0.
/// </remarks>
/// <param name="Sent">Messages sent.</param>
/// <param name="Delivered">Messages delivered.</param>
/// <param name="Opened">Messages opened.</param>
/// <param name="Clicked">Messages clicked.</param>
/// <param name="Replied">Messages replied to.</param>
public sealed record EngagementResult(long Sent, long Delivered, long Opened, long Clicked, long Replied)
{
    /// <summary>Gets delivered/sent.</summary>
    public double? DeliveryRate => Rate(Delivered, Sent);

    /// <summary>Gets opened/delivered.</summary>
    public double? OpenRate => Rate(Opened, Delivered);

    /// <summary>Gets clicked/delivered.</summary>
    public double? ClickRate => Rate(Clicked, Delivered);

    /// <summary>Gets replied/delivered.</summary>
    public double? ReplyRate => Rate(Replied, Delivered);

    /// <summary>Gets clicked/opened.</summary>
    public double? ClickToOpenRate => Rate(Clicked, Opened);

    private static double? Rate(long n, long d) => d == 0 ? null : (double)n / d;
}

/// <summary>
/// A mergeable accumulator of message engagement: per message id the set of event kinds seen (a bit mask), merged by union, so any
/// partitioning of the events (a message's events may be split over partitions) gives exactly the one-pass result.
/// </summary>
/// <remarks>Not thread-safe; one accumulator per thread, then merge. Memory: one entry per distinct message id.</remarks>
public sealed class EngagementAccumulator : IMergeable<EngagementAccumulator, EngagementResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.engagement";

    private const int AllKinds = (1 << 6) - 1;
    private readonly Dictionary<string, byte> _messages = new(StringComparer.Ordinal);

    /// <summary>Adds one event of a message.</summary>
    /// <param name="messageId">The message's id (for example the dispatch idempotency key); not blank.</param>
    /// <param name="kind">What happened.</param>
    /// <exception cref="ArgumentException"><paramref name="messageId"/> is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not defined.</exception>
    public void Add(string messageId, EngagementKind kind)
    {
        Check.NotBlank(messageId);
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown engagement kind.");
        }

        _messages[messageId] = (byte)(_messages.GetValueOrDefault(messageId) | (1 << (int)kind));
    }

    /// <summary>Adds the messages of another partition.</summary>
    /// <param name="other">The other partition.</param>
    public void Merge(EngagementAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (id, mask) in other._messages)
        {
            _messages[id] = (byte)(_messages.GetValueOrDefault(id) | mask);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Version 1, no settings. Payload: the message count (int32), then per message in ordinal id order its id (string) and mask (byte,
    /// bit k = <see cref="EngagementKind"/> k).</remarks>
    public PartialFormat Format { get; } = PartialFormat.WithoutSettings(KindId);

    /// <inheritdoc/>
    public EngagementAccumulator MergeWith(EngagementAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(_messages.Count);
        foreach (var (id, mask) in _messages.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            w.Write(id);
            w.Write(mask);
        }
    }

    /// <inheritdoc/>
    public static EngagementAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var acc = new EngagementAccumulator();
        var n = r.ReadCount("message");
        for (var i = 0; i < n; i++)
        {
            var id = Check.NotBlank(r.ReadString(), "messageId");
            var mask = r.ReadByte();
            if (mask is 0 or > AllKinds || !acc._messages.TryAdd(id, mask))
            {
                throw new InvalidDataException("The engagement partial is corrupt: an empty or unknown event mask, or a message twice.");
            }
        }

        return acc;
    });

    /// <summary>Computes the counts and rates.</summary>
    /// <returns>The result.</returns>
    public EngagementResult Finish()
    {
        const int Open = (1 << (int)EngagementKind.Opened) | (1 << (int)EngagementKind.Clicked);
        const int Delivery = Open | (1 << (int)EngagementKind.Delivered) | (1 << (int)EngagementKind.Replied);
        long delivered = 0, opened = 0, clicked = 0, replied = 0;
        foreach (var mask in _messages.Values)
        {
            delivered += (mask & Delivery) != 0 ? 1 : 0;
            opened += (mask & Open) != 0 ? 1 : 0;
            clicked += (mask & (1 << (int)EngagementKind.Clicked)) != 0 ? 1 : 0;
            replied += (mask & (1 << (int)EngagementKind.Replied)) != 0 ? 1 : 0;
        }

        return new EngagementResult(_messages.Count, delivered, opened, clicked, replied);
    }
}
