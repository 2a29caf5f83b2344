using System.Collections;
using System.Collections.ObjectModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Text;
using CemCore.Channels;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Messaging;

/// <summary>
/// A channel-neutral message: one offer (with its code and validity) for one customer, the personalization fields and the locale.
/// Rendering it on any channel shows the same code and validity.
/// </summary>
/// <remarks>Immutable. <see cref="Fields"/> holds personal data (such as the name): it is rendered as data and never logged.</remarks>
public sealed record ChannelMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="customerId">The recipient's CRM id.</param>
    /// <param name="templateKey">The logical message key, such as <c>winback</c>.</param>
    /// <param name="offer">The offer.</param>
    /// <param name="couponCode">The coupon code, or <see langword="null"/> when the offer has none.</param>
    /// <param name="validUntil">The exclusive end of validity (the coupon's, else the offer's), or <see langword="null"/>.</param>
    /// <param name="locale">The locale, such as <c>zh-CN</c>; <see langword="null"/> for the catalogue default.</param>
    /// <param name="timeZone">The customer's time zone for dates; <see langword="null"/> for UTC.</param>
    /// <param name="fields">Personalization fields (such as <c>name</c>); keys are variable names.</param>
    public ChannelMessage(string customerId, string templateKey, Offer offer, string? couponCode = null, DateTimeOffset? validUntil = null, string? locale = null, TimeZoneInfo? timeZone = null, IReadOnlyDictionary<string, string>? fields = null)
    {
        CustomerId = Check.NotBlank(customerId);
        TemplateKey = Check.NotBlank(templateKey);
        Offer = offer ?? throw new ArgumentNullException(nameof(offer));
        CouponCode = couponCode;
        ValidUntil = validUntil ?? offer.ValidUntil;
        Locale = locale;
        TimeZone = timeZone;
        Fields = fields ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>Gets the recipient's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets the logical message key.</summary>
    public string TemplateKey { get; }

    /// <summary>Gets the offer.</summary>
    public Offer Offer { get; }

    /// <summary>Gets the coupon code, or <see langword="null"/>.</summary>
    public string? CouponCode { get; }

    /// <summary>Gets the exclusive end of validity, or <see langword="null"/>.</summary>
    public DateTimeOffset? ValidUntil { get; }

    /// <summary>Gets the locale, or <see langword="null"/>.</summary>
    public string? Locale { get; }

    /// <summary>Gets the time zone for dates, or <see langword="null"/> (UTC).</summary>
    public TimeZoneInfo? TimeZone { get; }

    /// <summary>Gets the personalization fields.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }
}

/// <summary>Limits and texts used by <see cref="MessageRenderer"/>.</summary>
/// <param name="MaxSmsSegments">Most SMS parts a message may use, in [1, 10] (default 3).</param>
/// <param name="MaxPushTitleLength">Most UTF-16 characters in a push title, in [1, 1000] (default 50).</param>
/// <param name="MaxPushBodyLength">Most UTF-16 characters in a push body, in [1, 4000] (default 150).</param>
public sealed record RenderSettings(int MaxSmsSegments = 3, int MaxPushTitleLength = 50, int MaxPushBodyLength = 150)
{
    /// <summary>Gets the default settings.</summary>
    public static RenderSettings Default { get; } = new();

    /// <summary>Gets the SMS part limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 10].</exception>
    public int MaxSmsSegments { get; } = MaxSmsSegments is >= 1 and <= 10 ? MaxSmsSegments : throw new ArgumentOutOfRangeException(nameof(MaxSmsSegments), MaxSmsSegments, "Must be in [1, 10].");

    /// <summary>Gets the push title limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 1000].</exception>
    public int MaxPushTitleLength { get; } = MaxPushTitleLength is >= 1 and <= 1000 ? MaxPushTitleLength : throw new ArgumentOutOfRangeException(nameof(MaxPushTitleLength), MaxPushTitleLength, "Must be in [1, 1000].");

    /// <summary>Gets the push body limit.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 4000].</exception>
    public int MaxPushBodyLength { get; } = MaxPushBodyLength is >= 1 and <= 4000 ? MaxPushBodyLength : throw new ArgumentOutOfRangeException(nameof(MaxPushBodyLength), MaxPushBodyLength, "Must be in [1, 4000].");

    /// <summary>The mandatory SMS opt-out suffix for a locale: <c>回复TD退订</c> for Chinese, <c>Reply STOP to opt out</c> otherwise.</summary>
    /// <param name="locale">The locale.</param>
    /// <returns>The suffix.</returns>
    public static string SmsOptOutSuffix(string? locale) => OfferText.IsChinese(locale) ? "回复TD退订" : "Reply STOP to opt out";

    /// <summary>Gets the signed unsubscribe links of e-mail, or <see langword="null"/> for none. When set, every e-mail gets the
    /// <c>List-Unsubscribe</c> and <c>List-Unsubscribe-Post</c> headers, the variable <c>{unsubscribe_url}</c>, and a footer link when the
    /// body does not already show the link.</summary>
    public UnsubscribeLinks? Unsubscribe { get; init; }

    /// <summary>Gets the URL schemes e-mail links may use (<see cref="UrlSchemes.Default"/>): a rendered e-mail with any other scheme
    /// (<c>javascript:</c>, <c>data:</c>, <c>vbscript:</c>) is a <see cref="TemplateException"/>.</summary>
    public IReadOnlySet<string> AllowedUrlSchemes { get; init; } = UrlSchemes.Default;

    /// <summary>Gets the longest WeChat field value, in characters, for keys without a typed prefix (see <see cref="WeChatFieldLimits"/>),
    /// in [1, 10000] (default 200).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [1, 10000].</exception>
    public int MaxWeChatFieldLength
    {
        get;
        init => field = value is >= 1 and <= 10_000 ? value : throw new ArgumentOutOfRangeException(nameof(MaxWeChatFieldLength), value, "Must be in [1, 10000].");
    } = 200;
}

/// <summary>
/// Renders a <see cref="ChannelMessage"/> for a channel: WeChat template message (template id + fields), e-mail (subject + HTML body,
/// values HTML-encoded), SMS (counted per 3GPP TS 23.038/23.040, mandatory opt-out suffix), app push (title + body within limits).
/// </summary>
/// <remarks>
/// <para>Values are escaped per channel: HTML-encoded in e-mail bodies; in every plain-text part, control characters (line breaks,
/// tabs) in values become spaces so a value cannot inject a header or a line. Template literals are trusted (authored, validated at load).</para>
/// <para>A text that does not fit the channel is an error (<see cref="TemplateException"/>), never silently truncated: truncation could
/// cut the coupon code.</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class MessageRenderer
{
    private static readonly Func<string, string> s_plain = PlainText;
    private static readonly Func<string, string> s_html = WebUtility.HtmlEncode;

    /// <summary>Creates a renderer.</summary>
    /// <param name="catalog">The templates.</param>
    /// <param name="settings">Limits; <see langword="null"/> for <see cref="RenderSettings.Default"/>.</param>
    public MessageRenderer(TemplateCatalog catalog, RenderSettings? settings = null)
    {
        Catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        Settings = settings ?? RenderSettings.Default;
    }

    /// <summary>Gets the templates.</summary>
    public TemplateCatalog Catalog { get; }

    /// <summary>Gets the limits.</summary>
    public RenderSettings Settings { get; }

    /// <summary>Renders a message for a channel.</summary>
    /// <param name="message">The channel-neutral message.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="capabilities">The channel's capabilities (an SMS <see cref="ChannelCapabilities.MaxLength"/> limits units), or <see langword="null"/>.</param>
    /// <returns>The rendered message.</returns>
    /// <exception cref="TemplateException">No template for the key and channel, a variable has no value, or the text does not fit.</exception>
    public OutboundMessage Render(ChannelMessage message, ContactChannel channel, ChannelCapabilities? capabilities = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Render(new MessageParts(message.CustomerId, message.TemplateKey, message.Offer, message.CouponCode, message.ValidUntil, message.Locale, message.TimeZone, message.Fields), channel, capabilities);
    }

    /// <summary>Renders the parts of a channel-neutral message (the dispatcher's path: no <see cref="ChannelMessage"/> per customer).</summary>
    /// <param name="message">The parts; <see cref="MessageParts.ValidUntil"/> is already the coupon's or the offer's end.</param>
    /// <param name="channel">The channel.</param>
    /// <param name="capabilities">The channel's capabilities, or <see langword="null"/>.</param>
    /// <returns>The rendered message.</returns>
    internal OutboundMessage Render(in MessageParts message, ContactChannel channel, ChannelCapabilities? capabilities)
    {
        var kind = channel.Kind;
        if (!Catalog.TryGet(message.TemplateKey, message.Locale, kind, out var t))
        {
            throw new TemplateException($"No template '{message.TemplateKey}' for channel {kind} in locale {message.Locale ?? Catalog.DefaultLocale} or {Catalog.DefaultLocale}.");
        }

        var values = Values(message, t.Locale);
        switch (kind)
        {
            case ContactChannelKind.Email:
                return RenderEmail(message, channel, t, values);
            case ContactChannelKind.Sms:
                {
                    var body = t.Body.Render(values, s_plain, t, "body");
                    var suffix = RenderSettings.SmsOptOutSuffix(t.Locale);
                    if (!HasOptOut(body, t.Locale, suffix))
                    {
                        body = OfferText.IsChinese(t.Locale) ? body + suffix : body + " " + suffix;
                    }

                    var count = SmsSegments.Count(body);
                    if (count.Segments > Settings.MaxSmsSegments || (capabilities?.MaxLength is { } max && count.Units > max))
                    {
                        throw new TemplateException(string.Create(CultureInfo.InvariantCulture, $"{t.Where("body")}: the SMS needs {count.Segments} part(s) ({count.Units} {count.Encoding} units), more than the limit of {Settings.MaxSmsSegments} part(s){(capabilities?.MaxLength is { } m ? $" / {m} units" : "")}."));
                    }

                    return new OutboundMessage(message.CustomerId, channel, null, body, Locale: t.Locale);
                }

            case ContactChannelKind.AppPush:
                {
                    var title = t.Subject?.Render(values, s_plain, t, "title") ?? string.Empty;
                    var body = t.Body.Render(values, s_plain, t, "body");
                    if (title.Length > Settings.MaxPushTitleLength || body.Length > Settings.MaxPushBodyLength)
                    {
                        throw new TemplateException(string.Create(CultureInfo.InvariantCulture, $"{t.Where("")}: push title {title.Length}/{Settings.MaxPushTitleLength} or body {body.Length}/{Settings.MaxPushBodyLength} characters over the limit."));
                    }

                    return new OutboundMessage(message.CustomerId, channel, title, body, Locale: t.Locale);
                }

            case ContactChannelKind.WeChat:
                {
                    var templateFields = t.Fields;
                    var fields = new FieldMap(t.FieldKeys);
                    for (var i = 0; i < templateFields.Count; i++)
                    {
                        var (key, text) = templateFields[i];
                        var v = text.Render(values, s_plain, t, key, isField: true);
                        var limit = WeChatFieldLimits.For(key, Settings.MaxWeChatFieldLength);
                        if (v.Length > limit)
                        {
                            throw new TemplateException(string.Create(CultureInfo.InvariantCulture, $"{t.Where($"field '{key}'")}: {v.Length} characters, more than the WeChat limit of {limit} for this field."));
                        }

                        fields.Set(i, v);
                    }

                    // The fields share the template's key array, the values are in the map itself (not a hash table). The body is the
                    // preview of the fields, built when first read (the WeChat API posts the fields, not the body).
                    return new OutboundMessage(message.CustomerId, channel, null, OutboundMessage.PreviewOfFields, t.ProviderTemplateId, fields, t.Locale);
                }

            default:
                return new OutboundMessage(message.CustomerId, channel, t.Subject?.Render(values, s_plain, t, "subject"), t.Body.Render(values, s_plain, t, "body"), Locale: t.Locale);
        }
    }

    private OutboundMessage RenderEmail(in MessageParts message, ContactChannel channel, MessageTemplate t, Dictionary<string, string> values)
    {
        string? unsubscribe = null;
        IReadOnlyDictionary<string, string> headers = ReadOnlyDictionary<string, string>.Empty;
        if (Settings.Unsubscribe is { } links)
        {
            unsubscribe = links.UrlFor(message.CustomerId, channel).AbsoluteUri;
            values["unsubscribe_url"] = unsubscribe;
            headers = new Dictionary<string, string>(2, StringComparer.OrdinalIgnoreCase)
            {
                ["List-Unsubscribe"] = links.HeaderFor(message.CustomerId, channel),
                ["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click",
            };
        }

        var subject = t.Subject?.Render(values, s_plain, t, "subject");
        var html = t.Body.Render(values, s_html, t, "body");
        if (unsubscribe is not null && !html.Contains(WebUtility.HtmlEncode(unsubscribe), StringComparison.Ordinal) && !html.Contains(unsubscribe, StringComparison.Ordinal))
        {
            var label = OfferText.IsChinese(t.Locale) ? "退订" : "Unsubscribe";
            html += "\n<p style=\"font-size:12px;color:#666\"><a href=\"" + WebUtility.HtmlEncode(unsubscribe) + "\">" + label + "</a></p>";
        }

        if (UrlSchemes.FindDisallowed(html, Settings.AllowedUrlSchemes) is { } scheme)
        {
            throw new TemplateException($"{t.Where("body")}: a link uses the URL scheme '{scheme}:', which is not allowed (allowed: {string.Join(", ", Settings.AllowedUrlSchemes.Order(StringComparer.Ordinal))}).");
        }

        return new OutboundMessage(message.CustomerId, channel, subject, html, Locale: t.Locale) { TextBody = HtmlText.ToText(html), Headers = headers };
    }

    /// <summary>
    /// Returns whether an SMS body already carries an opt-out instruction anywhere (not only at the end): the locale's suffix, or for Chinese
    /// the keyword <c>退订</c>, otherwise the word <c>STOP</c> — so a template that writes its own instruction does not get a second one.
    /// </summary>
    private static bool HasOptOut(string body, string? locale, string suffix) =>
        body.Contains(suffix, StringComparison.Ordinal)
        || (OfferText.IsChinese(locale) ? body.Contains("退订", StringComparison.Ordinal) : body.Contains("STOP", StringComparison.Ordinal));

    /// <summary>A one-line plain-text preview of a rendered message (subject and body, tags removed, whitespace collapsed).</summary>
    /// <param name="message">The rendered message.</param>
    /// <returns>The preview.</returns>
    public static string Preview(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var text = message.Subject is null ? message.Body : message.Subject + " | " + message.Body;
        var sb = new StringBuilder(text.Length);
        var inTag = false;
        foreach (var c in text)
        {
            if (message.Channel.Kind == ContactChannelKind.Email && c == '<')
            {
                inTag = true;
                continue;
            }

            if (inTag)
            {
                inTag = c != '>';
                if (!inTag)
                {
                    sb.Append(' ');
                }

                continue;
            }

            sb.Append(char.IsControl(c) ? ' ' : c);
        }

        var s = message.Channel.Kind == ContactChannelKind.Email ? WebUtility.HtmlDecode(sb.ToString()) : sb.ToString();
        return string.Join(' ', s.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>The variable values of a message in the thread's reusable dictionary (rendering is synchronous; the dictionary never
    /// leaves the render call).</summary>
    private static Dictionary<string, string> Values(in MessageParts message, string locale)
    {
        var values = t_values ??= new Dictionary<string, string>(16, StringComparer.Ordinal);
        values.Clear();
        if (message.Fields is Dictionary<string, string> own)
        {
            foreach (var kv in own)
            {
                values[kv.Key] = kv.Value;
            }
        }
        else
        {
            foreach (var kv in message.Fields)
            {
                values[kv.Key] = kv.Value;
            }
        }

        values["offer_id"] = message.Offer.Id;
        values["offer"] = Describe(message.Offer, locale);
        if (message.CouponCode is { } code)
        {
            values["code"] = code;
        }

        if (message.ValidUntil is { } until)
        {
            values["valid_until"] = LastValidDay(until, message.TimeZone ?? TimeZoneInfo.Utc);
        }

        return values;
    }

    /// <summary>The offer's description, remembered per thread for the last offer and locale (a run renders one offer for many customers).</summary>
    private static string Describe(Offer offer, string locale)
    {
        var last = t_describe;
        if (last is not null && ReferenceEquals(last.Offer, offer) && string.Equals(last.Locale, locale, StringComparison.Ordinal))
        {
            return last.Text;
        }

        var text = OfferText.Describe(offer, locale);
        t_describe = new DescribeCache(offer, locale, text);
        return text;
    }

    /// <summary>The last valid day (<c>yyyy-MM-dd</c>) of an exclusive end in a zone, remembered per thread for the last end and zone.</summary>
    private static string LastValidDay(DateTimeOffset until, TimeZoneInfo zone)
    {
        var last = t_validUntil;
        if (last is not null && last.Until == until && ReferenceEquals(last.Zone, zone))
        {
            return last.Text;
        }

        var text = TimeZoneInfo.ConvertTime(until.AddTicks(-1), zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        t_validUntil = new ValidUntilCache(until, zone, text);
        return text;
    }

    [ThreadStatic]
    private static Dictionary<string, string>? t_values;

    [ThreadStatic]
    private static DescribeCache? t_describe;

    [ThreadStatic]
    private static ValidUntilCache? t_validUntil;

    private sealed record DescribeCache(Offer Offer, string Locale, string Text);

    private sealed record ValidUntilCache(DateTimeOffset Until, TimeZoneInfo Zone, string Text);

    private static string PlainText(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return string.Create(value.Length, value, static (span, v) =>
                {
                    for (var i = 0; i < v.Length; i++)
                    {
                        span[i] = char.IsControl(v[i]) ? ' ' : v[i];
                    }
                });
            }
        }

        return value;
    }
}

/// <summary>The parts of a channel-neutral message (see <see cref="ChannelMessage"/>), passed without an object per customer.</summary>
internal readonly record struct MessageParts(string CustomerId, string TemplateKey, Offer Offer, string? CouponCode, DateTimeOffset? ValidUntil, string? Locale, TimeZoneInfo? TimeZone, IReadOnlyDictionary<string, string> Fields);

/// <summary>
/// A read-only map of WeChat template fields: the template's keys (shared by every message of the template, distinct) and the values of
/// one message, in template order: the first five in the object itself (a standard template has three or five fields), any further ones in
/// an array. Lookups are linear (a template has a handful of fields); keys are compared ordinally. Filled once by the renderer, then read-only.
/// </summary>
internal sealed class FieldMap : IReadOnlyDictionary<string, string>
{
    private const int Inline = 5;
    private readonly string[] _keys;
    private readonly string[]? _rest;
    private string? _v0;
    private string? _v1;
    private string? _v2;
    private string? _v3;
    private string? _v4;

    public FieldMap(string[] keys)
    {
        _keys = keys;
        _rest = keys.Length > Inline ? new string[keys.Length - Inline] : null;
    }

    public int Count => _keys.Length;

    public IEnumerable<string> Keys => _keys;

    public IEnumerable<string> Values
    {
        get
        {
            for (var i = 0; i < _keys.Length; i++)
            {
                yield return Value(i);
            }
        }
    }

    public string this[string key] => TryGetValue(key, out var v) ? v : throw new KeyNotFoundException($"No field '{key}'.");

    /// <summary>Sets the value of the field at <paramref name="index"/> (the renderer, before the map is published).</summary>
    public void Set(int index, string value)
    {
        switch (index)
        {
            case 0:
                _v0 = value;
                break;
            case 1:
                _v1 = value;
                break;
            case 2:
                _v2 = value;
                break;
            case 3:
                _v3 = value;
                break;
            case 4:
                _v4 = value;
                break;
            default:
                _rest![index - Inline] = value;
                break;
        }
    }

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value)
    {
        var i = IndexOf(key);
        value = i >= 0 ? Value(i) : null;
        return i >= 0;
    }

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            yield return new KeyValuePair<string, string>(_keys[i], Value(i));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private string Value(int index) => (index switch
    {
        0 => _v0,
        1 => _v1,
        2 => _v2,
        3 => _v3,
        4 => _v4,
        _ => _rest![index - Inline],
    })!;

    private int IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Array.IndexOf(_keys, key);
    }
}
