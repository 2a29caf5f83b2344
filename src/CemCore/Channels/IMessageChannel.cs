using System.Collections.ObjectModel;
using CemCore.Primitives;

namespace CemCore.Channels;

/// <summary>What a channel can carry.</summary>
/// <param name="MaxLength">Maximum body length in the channel's own counting unit (e.g. SMS characters), or <see langword="null"/> for no limit.</param>
/// <param name="SupportsSubject">Whether messages have a subject line (e-mail).</param>
/// <param name="SupportsHtml">Whether the body may be HTML.</param>
/// <param name="SupportsTemplates">Whether the channel sends pre-registered templates with fields (WeChat template messages).</param>
public sealed record ChannelCapabilities(int? MaxLength = null, bool SupportsSubject = false, bool SupportsHtml = false, bool SupportsTemplates = false)
{
    /// <summary>Gets the maximum body length, or <see langword="null"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The length is below 1.</exception>
    public int? MaxLength { get; } = MaxLength is null or >= 1
        ? MaxLength
        : throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "MaxLength must be at least 1.");
}

/// <summary>A rendered message ready for one channel.</summary>
/// <param name="CustomerId">The recipient's CRM id. The channel resolves it to an address; CemCore never holds addresses.</param>
/// <param name="Channel">The channel it was rendered for.</param>
/// <param name="Subject">Subject (e-mail) or title (push); <see langword="null"/> when the channel has none.</param>
/// <param name="Body">The rendered body.</param>
/// <param name="TemplateId">For template channels, the template id; otherwise <see langword="null"/>.</param>
/// <param name="Fields">For template channels, the field values; otherwise empty.</param>
/// <param name="Locale">The locale the message was rendered in, such as <c>zh-CN</c>.</param>
public sealed record OutboundMessage(
    string CustomerId,
    ContactChannel Channel,
    string? Subject,
    string Body,
    string? TemplateId = null,
    IReadOnlyDictionary<string, string>? Fields = null,
    string Locale = "en-US")
{
    /// <summary>Gets the recipient's CRM id.</summary>
    public string CustomerId { get; } = Check.NotBlank(CustomerId);

    /// <summary>The channel, template id and locale, shared by the messages a thread renders in a row for the same template (see
    /// <see cref="Shape"/>): a rendered message keeps one reference for the three.</summary>
    private Shape _shape = Shape.Of(Channel, TemplateId, Locale);

    /// <summary>The headers and plain-text part, or <see langword="null"/> when both are the defaults (every message but an e-mail).</summary>
    private Extras? _extras;

    /// <summary>Gets the channel it was rendered for.</summary>
    public ContactChannel Channel
    {
        get => _shape.Channel;
        init => _shape = Shape.Of(value, _shape.TemplateId, _shape.Locale);
    }

    /// <summary>Gets the template id of a template channel, or <see langword="null"/>.</summary>
    public string? TemplateId
    {
        get => _shape.TemplateId;
        init => _shape = Shape.Of(_shape.Channel, value, _shape.Locale);
    }

    /// <summary>Gets the locale the message was rendered in.</summary>
    public string Locale
    {
        get => _shape.Locale;
        init => _shape = Shape.Of(_shape.Channel, _shape.TemplateId, value);
    }

    /// <summary>The body of a message whose body is the one-line preview of its <see cref="Fields"/> (a rendered WeChat template message),
    /// built on first read: a channel that posts the fields (the WeChat API) never pays for it. A distinct instance, never a literal.</summary>
    internal static readonly string PreviewOfFields = new('\0', 1);

    private string _body = Body ?? throw new ArgumentNullException(nameof(Body));

    /// <summary>Gets the rendered body. For a WeChat template message, the field values in template order separated by spaces (built on
    /// first read).</summary>
    public string Body
    {
        get
        {
            var body = Volatile.Read(ref _body);
            if (ReferenceEquals(body, PreviewOfFields))
            {
                body = string.Join(' ', Fields.Values); // a benign race: two readers build the same text
                Volatile.Write(ref _body, body);
            }

            return body;
        }
    }

    /// <summary>Gets the template fields.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; } = Fields ?? ReadOnlyDictionary<string, string>.Empty;

    /// <summary>Gets the headers the channel must send with the message (e-mail: <c>List-Unsubscribe</c>, <c>List-Unsubscribe-Post</c>);
    /// empty when none.</summary>
    public IReadOnlyDictionary<string, string> Headers
    {
        get => _extras is { } x ? x.Headers : ReadOnlyDictionary<string, string>.Empty;
        init => _extras = new Extras(value, _extras?.TextBody);
    }

    /// <summary>Gets the plain-text alternative of an HTML body (e-mail: send both as <c>multipart/alternative</c>), or <see langword="null"/>.</summary>
    public string? TextBody
    {
        get => _extras?.TextBody;
        init => _extras = new Extras(Headers, value);
    }

    /// <summary>Compares every property (the body as read, whether or not it was built yet; fields and headers by reference, as before).</summary>
    /// <param name="other">The other message.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public bool Equals(OutboundMessage? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (string.Equals(CustomerId, other.CustomerId, StringComparison.Ordinal)
                && Channel.Equals(other.Channel)
                && string.Equals(Subject, other.Subject, StringComparison.Ordinal)
                && string.Equals(Body, other.Body, StringComparison.Ordinal)
                && string.Equals(TemplateId, other.TemplateId, StringComparison.Ordinal)
                && ReferenceEquals(Fields, other.Fields)
                && string.Equals(Locale, other.Locale, StringComparison.Ordinal)
                && ReferenceEquals(Headers, other.Headers)
                && string.Equals(TextBody, other.TextBody, StringComparison.Ordinal)));

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = default(HashCode);
        hash.Add(CustomerId, StringComparer.Ordinal);
        hash.Add(Channel);
        hash.Add(Subject, StringComparer.Ordinal);
        hash.Add(Body, StringComparer.Ordinal);
        hash.Add(TemplateId, StringComparer.Ordinal);
        hash.Add(Fields);
        hash.Add(Locale, StringComparer.Ordinal);
        hash.Add(Headers);
        hash.Add(TextBody, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    /// <summary>The parts of a message that are the same for every message of a template, channel and locale. Immutable; the last one made
    /// on a thread is reused when the next message has the same three (compared ordinally), so a run renders one per template, not one per
    /// customer.</summary>
    private sealed class Shape
    {
        [ThreadStatic]
        private static Shape? t_last;

        private Shape(ContactChannel channel, string? templateId, string locale)
        {
            Channel = channel;
            TemplateId = templateId;
            Locale = locale;
        }

        public ContactChannel Channel { get; }

        public string? TemplateId { get; }

        public string Locale { get; }

        public static Shape Of(ContactChannel channel, string? templateId, string locale)
        {
            var last = t_last;
            if (last is not null
                && string.Equals(last.Channel.Value, channel.Value, StringComparison.Ordinal)
                && string.Equals(last.TemplateId, templateId, StringComparison.Ordinal)
                && string.Equals(last.Locale, locale, StringComparison.Ordinal))
            {
                return last;
            }

            return t_last = new Shape(channel, templateId, locale);
        }
    }

    /// <summary>The headers and plain-text part of a message that has either.</summary>
    private sealed record Extras(IReadOnlyDictionary<string, string> Headers, string? TextBody);
}

/// <summary>The outcome of one send.</summary>
public enum SendStatus
{
    /// <summary>Accepted for delivery by the provider.</summary>
    Delivered = 0,

    /// <summary>Permanently rejected (bad address, blocked, content refused): do not retry.</summary>
    Rejected = 1,

    /// <summary>A transient failure (timeout, throttling, provider down): may be retried with the same idempotency key.</summary>
    TransientFailure = 2,
}

/// <summary>The result of <see cref="IMessageChannel.SendAsync"/>.</summary>
/// <param name="Status">Delivered, rejected or transient failure.</param>
/// <param name="ProviderMessageId">The provider's id for a delivered message, if any.</param>
/// <param name="Reason">Why it was rejected or failed; must not contain personal data.</param>
/// <param name="RetryAfter">For a transient failure, how long the provider asked to wait, if it said.</param>
public sealed record SendResult(SendStatus Status, string? ProviderMessageId = null, string? Reason = null, TimeSpan? RetryAfter = null)
{
    /// <summary>A delivered result.</summary>
    /// <param name="providerMessageId">The provider's id.</param>
    /// <returns>The result.</returns>
    public static SendResult Delivered(string? providerMessageId = null) => new(SendStatus.Delivered, providerMessageId);

    /// <summary>A permanent rejection.</summary>
    /// <param name="reason">Why (no personal data).</param>
    /// <returns>The result.</returns>
    public static SendResult Rejected(string reason) => new(SendStatus.Rejected, Reason: reason);

    /// <summary>A transient failure.</summary>
    /// <param name="reason">Why (no personal data).</param>
    /// <param name="retryAfter">Suggested wait, if known.</param>
    /// <returns>The result.</returns>
    public static SendResult Transient(string reason, TimeSpan? retryAfter = null) => new(SendStatus.TransientFailure, Reason: reason, RetryAfter: retryAfter);
}

/// <summary>
/// A host's outbound channel (WeChat, e-mail, SMS, app push…). CemCore renders and decides; the host sends.
/// </summary>
/// <remarks>
/// Implementations must be idempotent on <c>idempotencyKey</c>: a second call with a key already delivered must not
/// send again and should return the first result. They must be safe for concurrent use.
/// </remarks>
public interface IMessageChannel
{
    /// <summary>Gets the channel this sender serves.</summary>
    ContactChannel Channel { get; }

    /// <summary>Gets what the channel can carry.</summary>
    ChannelCapabilities Capabilities { get; }

    /// <summary>Sends one message.</summary>
    /// <param name="message">The rendered message.</param>
    /// <param name="idempotencyKey">A key that identifies this logical send across retries and restarts.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>Delivered, rejected or a transient failure. Exceptions are treated as transient failures by the dispatcher.</returns>
    ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default);
}
