using CemCore.Primitives;

namespace CemCore.Messaging;

/// <summary>
/// A localized template for one logical message (such as <c>winback</c>) on one channel kind.
/// Create with <see cref="Email"/>, <see cref="Sms"/>, <see cref="Push"/> or <see cref="WeChat"/>; every text is parsed at creation.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class MessageTemplate
{
    private MessageTemplate(string key, string locale, ContactChannelKind channelKind, TemplateText? subject, TemplateText body, string? providerTemplateId, IReadOnlyList<KeyValuePair<string, TemplateText>> fields)
    {
        Key = key;
        Locale = locale;
        ChannelKind = channelKind;
        Subject = subject;
        Body = body;
        ProviderTemplateId = providerTemplateId;
        Fields = fields;
        var keys = new string[fields.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = fields[i].Key;
        }

        FieldKeys = keys;
    }

    /// <summary>Gets the logical message key, such as <c>winback</c>.</summary>
    public string Key { get; }

    /// <summary>Gets the locale (BCP-47, such as <c>zh-CN</c>).</summary>
    public string Locale { get; }

    /// <summary>Gets the channel kind.</summary>
    public ContactChannelKind ChannelKind { get; }

    /// <summary>Gets the subject (e-mail) or title (push), or <see langword="null"/>.</summary>
    public TemplateText? Subject { get; }

    /// <summary>Gets the body (e-mail HTML, SMS text, push text; for WeChat a preview built from the fields).</summary>
    public TemplateText Body { get; }

    /// <summary>Gets the provider's template id (WeChat), or <see langword="null"/>.</summary>
    public string? ProviderTemplateId { get; }

    /// <summary>Gets the WeChat template fields in order (field name → text); empty for other channels.</summary>
    public IReadOnlyList<KeyValuePair<string, TemplateText>> Fields { get; }

    /// <summary>Gets the field names in order (shared by every rendered message of this template; never modified).</summary>
    internal string[] FieldKeys { get; }

    /// <summary>Every variable the template uses.</summary>
    internal IEnumerable<string> AllVariables =>
        (Subject?.Variables ?? []).Concat(Body.Variables).Concat(Fields.SelectMany(f => f.Value.Variables));

    internal string Where(string part) => $"template '{Key}' ({Locale}, {ChannelKind}) {part}";

    /// <summary>Creates an e-mail template.</summary>
    /// <param name="key">The message key.</param>
    /// <param name="locale">The locale.</param>
    /// <param name="subject">The subject (plain text).</param>
    /// <param name="htmlBody">The HTML body; values are HTML-encoded when rendered.</param>
    /// <returns>The template.</returns>
    /// <exception cref="TemplateException">A text does not parse.</exception>
    public static MessageTemplate Email(string key, string locale, string subject, string htmlBody) =>
        Create(key, locale, ContactChannelKind.Email, subject, htmlBody, null, null);

    /// <summary>Creates an SMS template. The opt-out suffix is appended at render time when the text lacks it.</summary>
    /// <param name="key">The message key.</param>
    /// <param name="locale">The locale.</param>
    /// <param name="body">The text.</param>
    /// <returns>The template.</returns>
    /// <exception cref="TemplateException">The text does not parse.</exception>
    public static MessageTemplate Sms(string key, string locale, string body) =>
        Create(key, locale, ContactChannelKind.Sms, null, body, null, null);

    /// <summary>Creates an app-push template.</summary>
    /// <param name="key">The message key.</param>
    /// <param name="locale">The locale.</param>
    /// <param name="title">The title.</param>
    /// <param name="body">The body.</param>
    /// <returns>The template.</returns>
    /// <exception cref="TemplateException">A text does not parse.</exception>
    public static MessageTemplate Push(string key, string locale, string title, string body) =>
        Create(key, locale, ContactChannelKind.AppPush, title, body, null, null);

    /// <summary>Creates a WeChat template message: a provider template id and its fields (such as <c>first</c>, <c>keyword1</c>, <c>remark</c>).</summary>
    /// <param name="key">The message key.</param>
    /// <param name="locale">The locale.</param>
    /// <param name="providerTemplateId">The template id registered with WeChat.</param>
    /// <param name="fields">Field name → text, in display order; at least one.</param>
    /// <returns>The template.</returns>
    /// <exception cref="TemplateException">A text does not parse.</exception>
    /// <exception cref="ArgumentException">No fields, or a blank template id.</exception>
    public static MessageTemplate WeChat(string key, string locale, string providerTemplateId, IEnumerable<KeyValuePair<string, string>> fields)
    {
        Check.NotBlank(providerTemplateId);
        ArgumentNullException.ThrowIfNull(fields);
        var list = fields.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("A WeChat template needs at least one field.", nameof(fields));
        }

        return Create(key, locale, ContactChannelKind.WeChat, null, string.Join('\n', list.Select(f => f.Value)), providerTemplateId, list);
    }

    private static MessageTemplate Create(string key, string locale, ContactChannelKind kind, string? subject, string body, string? providerTemplateId, List<KeyValuePair<string, string>>? fields)
    {
        Check.NotBlank(key);
        Check.NotBlank(locale);
        ArgumentNullException.ThrowIfNull(body);
        var where = $"template '{key}' ({locale}, {kind})";
        var parsedFields = new List<KeyValuePair<string, TemplateText>>();
        foreach (var f in fields ?? [])
        {
            Check.NotBlank(f.Key, nameof(fields));
            if (parsedFields.Exists(p => string.Equals(p.Key, f.Key, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Duplicate field '{f.Key}' in {where}.", nameof(fields));
            }

            parsedFields.Add(new(f.Key, TemplateText.Parse(f.Value ?? throw new ArgumentException($"Field '{f.Key}' has no text.", nameof(fields)), $"{where} field '{f.Key}'")));
        }

        return new MessageTemplate(
            key,
            locale,
            kind,
            subject is null ? null : TemplateText.Parse(subject, where + " subject"),
            TemplateText.Parse(body, where + " body"),
            providerTemplateId,
            parsedFields.AsReadOnly());
    }
}

/// <summary>
/// The templates a renderer may use, validated as a whole: no duplicate (key, locale, channel), and every variable a template uses is a
/// <see cref="TemplateCatalog.StandardVariables">standard variable</see> or one declared with <see cref="TemplateCatalogBuilder.DeclareVariables"/>.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class TemplateCatalog
{
    private readonly Dictionary<(string Key, string Locale, ContactChannelKind Kind), MessageTemplate> _templates;

    internal TemplateCatalog(Dictionary<(string, string, ContactChannelKind), MessageTemplate> templates, IReadOnlySet<string> variables, string defaultLocale)
    {
        _templates = templates;
        Variables = variables;
        DefaultLocale = defaultLocale;
    }

    /// <summary>
    /// Gets the variables every message provides: <c>offer_id</c>, <c>offer</c> (the localized benefit, such as <c>15% off</c> or
    /// <c>8.5折</c>), <c>code</c> (the coupon code; rendering fails when a template uses it and the message has none),
    /// <c>valid_until</c> (the last valid day, <c>yyyy-MM-dd</c>, in the customer's time zone), <c>name</c>, and in e-mail
    /// <c>unsubscribe_url</c> (the signed link, when <see cref="RenderSettings.Unsubscribe"/> is set; rendering fails otherwise).
    /// </summary>
    public static IReadOnlySet<string> StandardVariables { get; } = new HashSet<string>(StringComparer.Ordinal) { "offer_id", "offer", "code", "valid_until", "name", "unsubscribe_url" };

    /// <summary>Gets every variable templates may use.</summary>
    public IReadOnlySet<string> Variables { get; }

    /// <summary>Gets the fallback locale.</summary>
    public string DefaultLocale { get; }

    /// <summary>Gets the number of templates.</summary>
    public int Count => _templates.Count;

    /// <summary>
    /// Finds the template for a key, locale and channel kind: the exact locale, else the same language (<c>zh-TW</c> → <c>zh-CN</c>),
    /// else <see cref="DefaultLocale"/>.
    /// </summary>
    /// <param name="key">The message key.</param>
    /// <param name="locale">The wanted locale, or <see langword="null"/> for the default.</param>
    /// <param name="kind">The channel kind.</param>
    /// <param name="template">The template found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGet(string key, string? locale, ContactChannelKind kind, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MessageTemplate? template)
    {
        ArgumentNullException.ThrowIfNull(key);
        locale ??= DefaultLocale;
        if (_templates.TryGetValue((key, locale, kind), out template))
        {
            return true;
        }

        var lang = Language(locale);
        foreach (var t in _templates.Values)
        {
            if (t.Key == key && t.ChannelKind == kind && string.Equals(Language(t.Locale), lang, StringComparison.OrdinalIgnoreCase))
            {
                template = t;
                return true;
            }
        }

        return _templates.TryGetValue((key, DefaultLocale, kind), out template);
    }

    /// <summary>Returns whether the catalogue has a template for a key on a channel kind in any locale.</summary>
    /// <param name="key">The message key.</param>
    /// <param name="kind">The channel kind.</param>
    /// <returns><see langword="true"/> when one exists.</returns>
    public bool HasTemplate(string key, ContactChannelKind kind) => _templates.Keys.Any(k => k.Key == key && k.Kind == kind);

    /// <summary>Gets the distinct template keys of the catalogue in ordinal order (for error messages listing the valid keys).</summary>
    public IReadOnlyList<string> TemplateKeys => [.. _templates.Keys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    internal static string Language(string locale)
    {
        var dash = locale.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? locale : locale[..dash];
    }
}

/// <summary>Builds a <see cref="TemplateCatalog"/>. Mutable, not thread-safe, single use.</summary>
public sealed class TemplateCatalogBuilder
{
    private readonly List<MessageTemplate> _templates = [];
    private readonly HashSet<string> _variables = new(TemplateCatalog.StandardVariables, StringComparer.Ordinal);
    private string _defaultLocale = "en-US";
    private bool _built;

    /// <summary>Adds a template.</summary>
    /// <param name="template">The template.</param>
    /// <returns>This builder.</returns>
    public TemplateCatalogBuilder Add(MessageTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        EnsureNotBuilt();
        _templates.Add(template);
        return this;
    }

    /// <summary>Declares personalization variables (beyond <see cref="TemplateCatalog.StandardVariables"/>) that messages will provide.</summary>
    /// <param name="names">Variable names (a-z, 0-9, '_', starting with a letter).</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">A name is invalid.</exception>
    public TemplateCatalogBuilder DeclareVariables(params IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        EnsureNotBuilt();
        foreach (var n in names)
        {
            if (!TemplateText.IsValidName(n))
            {
                throw new ArgumentException($"'{n}' is not a valid variable name (a-z, 0-9, '_', starting with a letter, at most 64).", nameof(names));
            }

            _variables.Add(n);
        }

        return this;
    }

    /// <summary>Sets the fallback locale (default <c>en-US</c>).</summary>
    /// <param name="locale">The locale.</param>
    /// <returns>This builder.</returns>
    public TemplateCatalogBuilder WithDefaultLocale(string locale)
    {
        EnsureNotBuilt();
        _defaultLocale = Check.NotBlank(locale);
        return this;
    }

    /// <summary>Validates and builds the catalogue.</summary>
    /// <returns>The catalogue.</returns>
    /// <exception cref="TemplateException">A template uses an unknown variable, or two templates share a key, locale and channel.</exception>
    public TemplateCatalog Build()
    {
        EnsureNotBuilt();
        _built = true;
        var map = new Dictionary<(string, string, ContactChannelKind), MessageTemplate>();
        foreach (var t in _templates)
        {
            foreach (var v in t.AllVariables)
            {
                if (!_variables.Contains(v))
                {
                    throw new TemplateException($"{t.Where("")}uses unknown variable '{v}'; declare it with DeclareVariables or use one of: {string.Join(", ", _variables.Order(StringComparer.Ordinal))}.");
                }
            }

            if (!map.TryAdd((t.Key, t.Locale, t.ChannelKind), t))
            {
                throw new TemplateException($"Duplicate {t.Where("")}.");
            }
        }

        return new TemplateCatalog(map, _variables.ToHashSet(StringComparer.Ordinal), _defaultLocale);
    }

    private void EnsureNotBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("This builder has already built its catalogue; create a new builder.");
        }
    }
}
