namespace CemCore.Primitives;

/// <summary>The well-known kinds of <see cref="SalesChannel"/>.</summary>
public enum SalesChannelKind
{
    /// <summary>No channel was given.</summary>
    Unspecified = 0,

    /// <summary>A value that is not one of the well-known kinds; the text is kept in <see cref="SalesChannel.Value"/>.</summary>
    Other = 1,

    /// <summary>Web shop (<c>online</c>, <c>web</c>, <c>ecommerce</c>).</summary>
    Online = 2,

    /// <summary>Physical store (<c>store</c>, <c>offline</c>, <c>pos</c>).</summary>
    Store = 3,

    /// <summary>Native mobile app (<c>app</c>).</summary>
    App = 4,

    /// <summary>Mini program inside a super-app such as WeChat (<c>miniprogram</c>, <c>mini-program</c>).</summary>
    MiniProgram = 5,

    /// <summary>Social commerce (<c>social</c>, <c>live</c>, <c>livestream</c>).</summary>
    Social = 6,

    /// <summary>Third-party marketplace (<c>marketplace</c>, <c>tmall</c>, <c>jd</c>).</summary>
    Marketplace = 7,
}

/// <summary>
/// Where an order was placed: an open vocabulary. The text is kept exactly as given; well-known kinds are recognized
/// case-insensitively into <see cref="Kind"/>. An unknown value is never an error (its kind is <see cref="SalesChannelKind.Other"/>).
/// </summary>
/// <remarks>
/// Equality compares <see cref="Value"/> ordinally ignoring case, so <c>"Online"</c> and <c>"online"</c> are equal.
/// The default value is the unspecified channel (empty text, kind <see cref="SalesChannelKind.Unspecified"/>).
/// </remarks>
public readonly struct SalesChannel : IEquatable<SalesChannel>
{
    private readonly string? _value;

    /// <summary>Creates a channel from free text.</summary>
    /// <param name="value">The channel text, kept as given (trimmed). <see langword="null"/> or blank means unspecified.</param>
    public SalesChannel(string? value)
    {
        _value = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        Kind = Classify(_value);
    }

    /// <summary>Gets the channel text as given (trimmed); empty when unspecified.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>Gets the recognized kind.</summary>
    public SalesChannelKind Kind { get; }

    /// <summary>Gets the web-shop channel.</summary>
    public static SalesChannel Online { get; } = new("online");

    /// <summary>Gets the physical-store channel.</summary>
    public static SalesChannel Store { get; } = new("store");

    /// <summary>Gets the app channel.</summary>
    public static SalesChannel App { get; } = new("app");

    /// <summary>Gets the mini-program channel.</summary>
    public static SalesChannel MiniProgram { get; } = new("miniprogram");

    /// <summary>Gets the social-commerce channel.</summary>
    public static SalesChannel Social { get; } = new("social");

    /// <summary>Gets the marketplace channel.</summary>
    public static SalesChannel Marketplace { get; } = new("marketplace");

    /// <summary>Classifies free text into a <see cref="SalesChannelKind"/> (case-insensitive).</summary>
    /// <param name="value">The channel text.</param>
    /// <returns>The kind; <see cref="SalesChannelKind.Other"/> for unknown text.</returns>
    public static SalesChannelKind Classify(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return SalesChannelKind.Unspecified;
        }

        return value.Trim().ToUpperInvariant() switch
        {
            "ONLINE" or "WEB" or "ECOMMERCE" or "E-COMMERCE" or "WEBSHOP" => SalesChannelKind.Online,
            "STORE" or "OFFLINE" or "POS" or "SHOP" or "IN-STORE" or "INSTORE" => SalesChannelKind.Store,
            "APP" or "MOBILE-APP" or "MOBILEAPP" => SalesChannelKind.App,
            "MINIPROGRAM" or "MINI-PROGRAM" or "MINI_PROGRAM" or "WECHAT-MINIPROGRAM" => SalesChannelKind.MiniProgram,
            "SOCIAL" or "LIVE" or "LIVESTREAM" or "SOCIAL-COMMERCE" => SalesChannelKind.Social,
            "MARKETPLACE" or "TMALL" or "JD" or "AMAZON" => SalesChannelKind.Marketplace,
            _ => SalesChannelKind.Other,
        };
    }

    /// <inheritdoc/>
    public bool Equals(SalesChannel other) => string.Equals(Value, other.Value, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is SalesChannel other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Value);

    /// <inheritdoc/>
    public override string ToString() => Value;

    /// <summary>Compares two channels (case-insensitive text).</summary>
    /// <param name="left">The first channel.</param>
    /// <param name="right">The second channel.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public static bool operator ==(SalesChannel left, SalesChannel right) => left.Equals(right);

    /// <summary>Compares two channels (case-insensitive text).</summary>
    /// <param name="left">The first channel.</param>
    /// <param name="right">The second channel.</param>
    /// <returns><see langword="true"/> when not equal.</returns>
    public static bool operator !=(SalesChannel left, SalesChannel right) => !left.Equals(right);
}
