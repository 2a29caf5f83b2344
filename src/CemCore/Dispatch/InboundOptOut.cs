using CemCore.Customers;
using CemCore.Messaging;
using CemCore.Primitives;

namespace CemCore.Dispatch;

/// <summary>What an inbound message is.</summary>
public enum InboundKind
{
    /// <summary>A text reply (an SMS, a WeChat message).</summary>
    Text = 0,

    /// <summary>A platform unsubscribe event (a WeChat "unsubscribe" event when the follower leaves the official account).</summary>
    UnsubscribeEvent = 1,

    /// <summary>A request to an e-mail unsubscribe link (a click or an RFC 8058 one-click POST) whose signature the host verified.</summary>
    UnsubscribeLink = 2,
}

/// <summary>A message or event received from a customer on a channel.</summary>
/// <param name="CustomerId">The customer the host resolved the sender to.</param>
/// <param name="Channel">The channel it arrived on.</param>
/// <param name="Kind">Text, unsubscribe event or unsubscribe link.</param>
/// <param name="Text">The text of a <see cref="InboundKind.Text"/> message (personal data: never logged), else <see langword="null"/>.</param>
/// <param name="ReceivedAt">When it arrived.</param>
public sealed record InboundMessage(string CustomerId, ContactChannel Channel, InboundKind Kind, string? Text, DateTimeOffset ReceivedAt)
{
    /// <summary>Gets the customer.</summary>
    public string CustomerId { get; } = Check.NotBlank(CustomerId);
}

/// <summary>The outcome of <see cref="InboundOptOutHandler.HandleAsync"/>.</summary>
/// <param name="OptedOut">Whether the message was an opt-out and was recorded.</param>
/// <param name="Keyword">The opt-out keyword recognised (upper case), <c>unsubscribe-event</c> or <c>unsubscribe-link</c>; <see langword="null"/> when not an opt-out.</param>
/// <param name="Purposes">The purposes revoked on the channel.</param>
public sealed record OptOutResult(bool OptedOut, string? Keyword, IReadOnlyList<ConsentPurpose> Purposes);

/// <summary>
/// Opt-out keywords of inbound text: <c>TD</c>, <c>T</c>, <c>退订</c>, <c>退订短信</c>, <c>取消订阅</c> (the Chinese carriers' convention of
/// "回复TD退订") and the CTIA standard English keywords <c>STOP</c>, <c>STOPALL</c>, <c>UNSUBSCRIBE</c>, <c>CANCEL</c>, <c>END</c>, <c>QUIT</c>.
/// </summary>
/// <remarks>The whole message, trimmed, with punctuation and spaces around it removed and case ignored, must be a keyword: "please stop
/// sending me these" is left to a person (a false opt-out is less harmful than a missed one only when the intent is clear).</remarks>
public static class OptOutKeywords
{
    private static readonly HashSet<string> s_keywords = new(
        ["TD", "T", "退订", "退订短信", "取消订阅", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "OPT-OUT", "OPT OUT"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets the keywords.</summary>
    public static IReadOnlyCollection<string> All => s_keywords;

    /// <summary>Returns the keyword an inbound text is, or <see langword="null"/>.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The keyword in upper case, or <see langword="null"/>.</returns>
    public static string? Match(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var span = text.AsSpan().Trim();
        var start = 0;
        var end = span.Length;
        while (start < end && (char.IsPunctuation(span[start]) || char.IsWhiteSpace(span[start]) || char.IsSymbol(span[start])))
        {
            start++;
        }

        while (end > start && (char.IsPunctuation(span[end - 1]) || char.IsWhiteSpace(span[end - 1]) || char.IsSymbol(span[end - 1])))
        {
            end--;
        }

        var word = span[start..end].ToString();
        return s_keywords.Contains(word) ? word.ToUpperInvariant() : null;
    }
}

/// <summary>
/// Honours inbound opt-outs: an SMS "TD"/"STOP", a WeChat unsubscribe event or a verified e-mail unsubscribe link records a
/// <see cref="ConsentStatus.Revoked"/> consent in the <see cref="IConsentStore"/> that the campaign runner checks just before every send,
/// so a run that decided earlier does not send afterwards.
/// </summary>
/// <remarks>
/// <para>What is revoked: marketing and surveys on the channel the opt-out came from (service messages about an order the customer placed
/// stay allowed, as carriers and CTIA treat transactional messages); a WeChat unsubscribe event revokes every purpose on WeChat and adds a
/// channel suppression, because the platform no longer delivers to a former follower.</para>
/// <para>Idempotent: a repeated opt-out records the same decision again (the latest wins). Thread-safe when the stores are.</para>
/// </remarks>
public sealed class InboundOptOutHandler
{
    private static readonly ConsentPurpose[] s_marketing = [ConsentPurpose.Marketing, ConsentPurpose.Survey];
    private static readonly ConsentPurpose[] s_every = [ConsentPurpose.Marketing, ConsentPurpose.Survey, ConsentPurpose.Service];
    private readonly IConsentStore _consent;
    private readonly ISuppressionList? _suppression;

    /// <summary>Creates the handler.</summary>
    /// <param name="consent">The consent store the runner reads at send time.</param>
    /// <param name="suppression">The suppression list for channel-level blocks, or <see langword="null"/>.</param>
    public InboundOptOutHandler(IConsentStore consent, ISuppressionList? suppression = null)
    {
        _consent = consent ?? throw new ArgumentNullException(nameof(consent));
        _suppression = suppression;
    }

    /// <summary>Handles one inbound message.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>Whether it was an opt-out and what was revoked.</returns>
    public async ValueTask<OptOutResult> HandleAsync(InboundMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var (keyword, purposes) = message.Kind switch
        {
            InboundKind.UnsubscribeEvent => ("unsubscribe-event", s_every),
            InboundKind.UnsubscribeLink => ("unsubscribe-link", s_marketing),
            _ => OptOutKeywords.Match(message.Text) is { } k ? (k, s_marketing) : (null, []),
        };
        if (keyword is null)
        {
            return new OptOutResult(false, null, []);
        }

        foreach (var purpose in purposes)
        {
            await _consent.RecordAsync(message.CustomerId, new ConsentRecord(message.Channel, purpose, ConsentStatus.Revoked, message.ReceivedAt), cancellationToken).ConfigureAwait(false);
        }

        if (message.Kind == InboundKind.UnsubscribeEvent && _suppression is not null)
        {
            await _suppression.AddAsync(new SuppressionEntry(message.CustomerId, message.Channel, message.ReceivedAt, "channel-unsubscribed"), cancellationToken).ConfigureAwait(false);
        }

        return new OptOutResult(true, keyword, purposes);
    }

    /// <summary>Handles a request to an e-mail unsubscribe link: verifies its signature and, when valid, revokes marketing on the channel.</summary>
    /// <param name="links">The link builder (same key as the links sent).</param>
    /// <param name="customerId">The <c>c</c> parameter.</param>
    /// <param name="channel">The <c>ch</c> parameter.</param>
    /// <param name="signature">The <c>s</c> parameter.</param>
    /// <param name="receivedAt">When the request arrived.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>The result; <see cref="OptOutResult.OptedOut"/> is false for a forged or damaged link (nothing is recorded).</returns>
    public ValueTask<OptOutResult> HandleLinkAsync(UnsubscribeLinks links, string? customerId, ContactChannel channel, string? signature, DateTimeOffset receivedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(links);
        return links.Verify(customerId, channel, signature)
            ? HandleAsync(new InboundMessage(customerId!, channel, InboundKind.UnsubscribeLink, null, receivedAt), cancellationToken)
            : ValueTask.FromResult(new OptOutResult(false, null, []));
    }
}
