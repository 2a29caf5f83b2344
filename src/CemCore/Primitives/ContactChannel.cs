namespace CemCore.Primitives;

/// <summary>The well-known kinds of <see cref="ContactChannel"/>.</summary>
public enum ContactChannelKind
{
    /// <summary>No channel was given.</summary>
    Unspecified = 0,

    /// <summary>A channel that is not one of the well-known kinds; the text is kept in <see cref="ContactChannel.Value"/>.</summary>
    Other = 1,

    /// <summary>WeChat (template or service-account messages).</summary>
    WeChat = 2,

    /// <summary>E-mail.</summary>
    Email = 3,

    /// <summary>SMS text message.</summary>
    Sms = 4,

    /// <summary>Mobile app push notification.</summary>
    AppPush = 5,
}

/// <summary>
/// A channel through which a customer is contacted (WeChat, email, SMS, app push, or a host-defined one): an open
/// vocabulary, recognized case-insensitively, never an error for unknown text.
/// </summary>
/// <remarks>
/// Equality compares <see cref="Value"/> ordinally ignoring case. The default value is the unspecified channel.
/// </remarks>
public readonly struct ContactChannel : IEquatable<ContactChannel>
{
    private readonly string? _value;

    /// <summary>Creates a contact channel from free text.</summary>
    /// <param name="value">The channel text, kept as given (trimmed). <see langword="null"/> or blank means unspecified.</param>
    public ContactChannel(string? value)
    {
        _value = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        Kind = Classify(_value);
    }

    /// <summary>Gets the channel text as given (trimmed); empty when unspecified.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Gets the recognized kind.</summary>
    public ContactChannelKind Kind { get; }

    /// <summary>Gets the WeChat channel.</summary>
    public static ContactChannel WeChat { get; } = new("wechat");

    /// <summary>Gets the e-mail channel.</summary>
    public static ContactChannel Email { get; } = new("email");

    /// <summary>Gets the SMS channel.</summary>
    public static ContactChannel Sms { get; } = new("sms");

    /// <summary>Gets the app-push channel.</summary>
    public static ContactChannel AppPush { get; } = new("push");

    /// <summary>Classifies free text into a <see cref="ContactChannelKind"/> (case-insensitive).</summary>
    /// <param name="value">The channel text.</param>
    /// <returns>The kind; <see cref="ContactChannelKind.Other"/> for unknown text.</returns>
    public static ContactChannelKind Classify(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return ContactChannelKind.Unspecified;
        }

        return value.Trim().ToUpperInvariant() switch
        {
            "WECHAT" or "WEIXIN" => ContactChannelKind.WeChat,
            "EMAIL" or "E-MAIL" or "MAIL" => ContactChannelKind.Email,
            "SMS" or "TEXT" => ContactChannelKind.Sms,
            "PUSH" or "APP-PUSH" or "APPPUSH" or "APP_PUSH" => ContactChannelKind.AppPush,
            _ => ContactChannelKind.Other,
        };
    }

    /// <inheritdoc/>
    public bool Equals(ContactChannel other) => string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is ContactChannel other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <summary>Compares two channels (case-insensitive text).</summary>
    /// <param name="left">The first channel.</param>
    /// <param name="right">The second channel.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(ContactChannel left, ContactChannel right) => left.Equals(right);

    /// <summary>Compares two channels (case-insensitive text).</summary>
    /// <param name="left">The first channel.</param>
    /// <param name="right">The second channel.</param>
    /// <returns><see langword="true"/> when not equal.</returns>
    public static bool operator !=(ContactChannel left, ContactChannel right) => !left.Equals(right);
}
