using System.Buffers;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CemCore.Primitives;

namespace CemCore.Messaging;

/// <summary>
/// Signed unsubscribe links for e-mail: the link in the body and the <c>List-Unsubscribe</c> / <c>List-Unsubscribe-Post</c> headers of
/// RFC 2369 and RFC 8058 (one-click). A link names the customer and channel and carries an HMAC-SHA256 signature, so the host's endpoint
/// can honour it without a lookup table and a forged link for another customer is refused (<see cref="Verify"/>).
/// </summary>
/// <remarks>Thread-safe. The key is the host's secret (at least 16 bytes); rotate it by accepting the old key's links for a while.</remarks>
public sealed class UnsubscribeLinks
{
    private const int SignatureBytes = 16; // 128 bits of HMAC-SHA256, base64url without padding: 22 characters
    private static readonly SearchValues<char> s_badMailbox = SearchValues.Create("<>,; \t\r\n:");
    private readonly byte[] _key;

    /// <summary>Creates the link builder.</summary>
    /// <param name="endpoint">The host's unsubscribe endpoint: an absolute <c>https</c> URL (a query string, if any, is kept).</param>
    /// <param name="key">The signing key, at least 16 bytes.</param>
    /// <param name="mailto">An optional mailbox for the <c>mailto:</c> form of <c>List-Unsubscribe</c> (an address, no <c>mailto:</c> prefix).</param>
    /// <exception cref="ArgumentException">The endpoint is not absolute https, the key is shorter than 16 bytes, or the mailbox is malformed.</exception>
    public UnsubscribeLinks(Uri endpoint, ReadOnlySpan<byte> key, string? mailto = null)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || endpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("The unsubscribe endpoint must be an absolute https URL.", nameof(endpoint));
        }

        if (key.Length < 16)
        {
            throw new ArgumentException("The signing key must be at least 16 bytes.", nameof(key));
        }

        if (mailto is not null && (mailto.Length > 254 || mailto.IndexOf('@', StringComparison.Ordinal) is <= 0 || mailto.AsSpan().IndexOfAny(s_badMailbox) >= 0))
        {
            throw new ArgumentException("The unsubscribe mailbox must be a plain address such as unsubscribe@example.com.", nameof(mailto));
        }

        Endpoint = endpoint;
        _key = key.ToArray();
        Mailto = mailto;
    }

    /// <summary>Gets the endpoint.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the mailbox of the <c>mailto:</c> form, or <see langword="null"/>.</summary>
    public string? Mailto { get; }

    /// <summary>Returns the signed link of a customer on a channel: <c>endpoint?c=&lt;customer&gt;&amp;ch=&lt;channel&gt;&amp;s=&lt;signature&gt;</c>.</summary>
    /// <param name="customerId">The customer's CRM id.</param>
    /// <param name="channel">The channel the customer unsubscribes from.</param>
    /// <returns>The link.</returns>
    public Uri UrlFor(string customerId, ContactChannel channel)
    {
        Check.NotBlank(customerId);
        var query = string.Create(CultureInfo.InvariantCulture,
            $"c={Uri.EscapeDataString(customerId)}&ch={Uri.EscapeDataString(channel.Value)}&s={Sign(customerId, channel)}");
        var builder = new UriBuilder(Endpoint) { Query = string.IsNullOrEmpty(Endpoint.Query) ? query : Endpoint.Query.TrimStart('?') + "&" + query };
        return builder.Uri;
    }

    /// <summary>Returns the value of the <c>List-Unsubscribe</c> header: the link, then the <c>mailto:</c> form when configured.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="channel">The channel.</param>
    /// <returns>The header value.</returns>
    public string HeaderFor(string customerId, ContactChannel channel)
    {
        var url = UrlFor(customerId, channel).AbsoluteUri;
        return Mailto is null
            ? $"<{url}>"
            : string.Create(CultureInfo.InvariantCulture, $"<{url}>, <mailto:{Mailto}?subject=unsubscribe>");
    }

    /// <summary>Checks the signature of a link the endpoint received (constant time).</summary>
    /// <param name="customerId">The <c>c</c> parameter.</param>
    /// <param name="channel">The <c>ch</c> parameter.</param>
    /// <param name="signature">The <c>s</c> parameter.</param>
    /// <returns><see langword="true"/> when the link was made by <see cref="UrlFor"/> with this key.</returns>
    public bool Verify(string? customerId, ContactChannel channel, string? signature)
    {
        if (string.IsNullOrWhiteSpace(customerId) || signature is null)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(customerId, channel));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private string Sign(string customerId, ContactChannel channel)
    {
        var data = Encoding.UTF8.GetBytes(customerId + "\n" + channel.Value.ToUpperInvariant());
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, data, mac);
        return Convert.ToBase64String(mac[..SignatureBytes]).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}

/// <summary>Checks the links of rendered e-mail HTML against an allow-list of URL schemes (so a <c>javascript:</c> or <c>data:</c> URL, from
/// a template or from a value, never reaches a customer).</summary>
public static partial class UrlSchemes
{
    /// <summary>The default allow-list: <c>https</c>, <c>http</c>, <c>mailto</c>, <c>tel</c>, <c>sms</c>.</summary>
    public static IReadOnlySet<string> Default { get; } = new HashSet<string>(["https", "http", "mailto", "tel", "sms"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Finds the first URL in an HTML text (<c>href</c>, <c>src</c>, <c>action</c>, <c>formaction</c>, <c>background</c>,
    /// <c>poster</c> attributes) whose scheme is not allowed. Entities are decoded and whitespace and control characters removed first, as a
    /// browser does (<c>java&amp;#x09;script:</c> is <c>javascript:</c>). A URL without a scheme (relative, or <c>#anchor</c>) is allowed.</summary>
    /// <param name="html">The HTML.</param>
    /// <param name="allowed">The allowed schemes.</param>
    /// <returns>The offending scheme, or <see langword="null"/> when every URL is allowed.</returns>
    public static string? FindDisallowed(string html, IReadOnlySet<string> allowed)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(allowed);
        foreach (Match m in UrlAttribute().Matches(html))
        {
            var raw = m.Groups["dq"].Success ? m.Groups["dq"].Value : m.Groups["sq"].Success ? m.Groups["sq"].Value : m.Groups["bare"].Value;
            if (SchemeOf(WebUtility.HtmlDecode(raw)) is { } scheme && !allowed.Contains(scheme))
            {
                return scheme;
            }
        }

        return null;
    }

    /// <summary>Returns the scheme of a URL (as written, whitespace and control characters removed), or <see langword="null"/> for a URL
    /// without one.</summary>
    /// <param name="text">The URL text.</param>
    /// <returns>The scheme, or <see langword="null"/>.</returns>
    public static string? SchemeOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(Math.Min(text.Length, 64));
        foreach (var c in text)
        {
            if (c == ':')
            {
                return sb.Length > 0 ? sb.ToString() : null;
            }

            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                continue; // browsers strip these inside a scheme
            }

            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
            {
                return null; // a '/', '?', '#' before any ':' — a relative URL
            }

            sb.Append(c);
        }

        return null;
    }

    [GeneratedRegex("""\b(?:href|src|action|formaction|background|poster)\s*=\s*(?:"(?<dq>[^"]*)"|'(?<sq>[^']*)'|(?<bare>[^\s>]+))""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex UrlAttribute();
}

/// <summary>
/// Length limits of WeChat subscription-message fields by the data type that the field key's prefix names (<c>thing1</c> is a <c>thing</c>):
/// thing 20 characters, number/letter/character_string 32, phrase 5, name 10, phone_number 17, car_number 8, amount 32 (as WeChat's
/// subscription-message documentation lists them). Other keys (template messages) are limited by <see cref="RenderSettings.MaxWeChatFieldLength"/>.
/// </summary>
public static class WeChatFieldLimits
{
    private static readonly (string Prefix, int Max)[] s_limits =
    [
        ("character_string", 32), ("phone_number", 17), ("car_number", 8), ("thing", 20), ("number", 32), ("letter", 32), ("phrase", 5),
        ("name", 10), ("amount", 32),
    ];

    /// <summary>Returns the limit of a field, in characters (text elements are not merged: WeChat counts UTF-16 characters).</summary>
    /// <param name="key">The field key, such as <c>thing1</c>.</param>
    /// <param name="fallback">The limit of keys without a typed prefix.</param>
    /// <returns>The limit.</returns>
    public static int For(string key, int fallback)
    {
        ArgumentNullException.ThrowIfNull(key);
        foreach (var (prefix, max) in s_limits)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.Ordinal) && key.AsSpan(prefix.Length).IndexOfAnyExceptInRange('0', '9') < 0)
            {
                return max;
            }
        }

        return fallback;
    }
}

/// <summary>Turns rendered e-mail HTML into its plain-text alternative (the <c>text/plain</c> part of a <c>multipart/alternative</c> e-mail).</summary>
public static partial class HtmlText
{
    /// <summary>Converts HTML to text: block ends and <c>&lt;br&gt;</c> become line breaks, a link becomes <c>text (url)</c>, other tags are
    /// dropped, entities decoded, spaces collapsed, and at most one blank line kept.</summary>
    /// <param name="html">The HTML.</param>
    /// <returns>The text.</returns>
    public static string ToText(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var s = Links().Replace(html, static m =>
        {
            var url = WebUtility.HtmlDecode(m.Groups["url"].Value).Trim();
            var text = WebUtility.HtmlDecode(Tags().Replace(m.Groups["text"].Value, string.Empty)).Trim();
            return text.Length == 0 || string.Equals(text, url, StringComparison.Ordinal) ? url : text + " (" + url + ")";
        });
        s = Breaks().Replace(s, "\n");
        s = WebUtility.HtmlDecode(Tags().Replace(s, string.Empty));
        var lines = new List<string>();
        foreach (var line in s.Split('\n'))
        {
            var collapsed = string.Join(' ', line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (collapsed.Length > 0 || (lines.Count > 0 && lines[^1].Length > 0))
            {
                lines.Add(collapsed);
            }
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return string.Join('\n', lines);
    }

    [GeneratedRegex("""<a\b[^>]*?\bhref\s*=\s*(?:"(?<url>[^"]*)"|'(?<url>[^']*)')[^>]*>(?<text>.*?)</a\s*>""", RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Links();

    [GeneratedRegex("""<br\s*/?>|</(?:p|div|tr|li|h[1-6]|table|ul|ol)\s*>""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Breaks();

    [GeneratedRegex("<[^>]*>", RegexOptions.CultureInvariant, 1000)]
    private static partial Regex Tags();
}
