using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using CemCore.Customers;
using CemCore.Primitives;

namespace CemCore.Personalization;

/// <summary>A frequency cap: at most <see cref="MaxContacts"/> contacts of a purpose in any trailing <see cref="Window"/>, on one channel or overall.</summary>
/// <param name="MaxContacts">The most contacts allowed in the window, at least 0.</param>
/// <param name="Window">The trailing window length, positive (for example 7 days).</param>
/// <param name="Channel">The channel the cap counts, or <see langword="null"/> to count every channel (an overall cap).</param>
/// <param name="Purpose">The purpose it counts (default <see cref="ConsentPurpose.Marketing"/>: "at most 2 promotional messages per week").</param>
public sealed record FrequencyCap(int MaxContacts, TimeSpan Window, ContactChannel? Channel = null, ConsentPurpose Purpose = ConsentPurpose.Marketing)
{
    /// <summary>Gets the most contacts allowed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int MaxContacts { get; } = MaxContacts >= 0 ? MaxContacts : throw new ArgumentOutOfRangeException(nameof(MaxContacts), MaxContacts, "Must be zero or positive.");

    /// <summary>Gets the trailing window.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan Window { get; } = Window > TimeSpan.Zero ? Window : throw new ArgumentOutOfRangeException(nameof(Window), Window, "Must be positive.");
}

/// <summary>One contact made with a customer (recorded after a send).</summary>
/// <param name="CustomerId">The customer's CRM id.</param>
/// <param name="Channel">The channel.</param>
/// <param name="Purpose">The purpose.</param>
/// <param name="At">When.</param>
/// <param name="CampaignId">The campaign, or <see langword="null"/>.</param>
public sealed record ContactRecord(string CustomerId, ContactChannel Channel, ConsentPurpose Purpose, DateTimeOffset At, string? CampaignId = null);

/// <summary>
/// The host's record of contacts made, used for frequency caps. Implementations answer from memory (load a batch's history first):
/// the decision path calls <see cref="CountContacts"/> synchronously.
/// </summary>
/// <remarks>Implementations must be safe for concurrent use.</remarks>
public interface IContactHistory
{
    /// <summary>Counts contacts in the half-open window <c>[since, until)</c>.</summary>
    /// <param name="customerId">The customer.</param>
    /// <param name="channel">The channel, or <see langword="null"/> for every channel.</param>
    /// <param name="purpose">The purpose.</param>
    /// <param name="since">Inclusive start.</param>
    /// <param name="until">Exclusive end.</param>
    /// <returns>The count.</returns>
    int CountContacts(string customerId, ContactChannel? channel, ConsentPurpose purpose, DateTimeOffset since, DateTimeOffset until);

    /// <summary>Records a contact.</summary>
    /// <param name="contact">The contact.</param>
    void Record(ContactRecord contact);
}

/// <summary>An in-memory <see cref="IContactHistory"/>. Thread-safe; counting is allocation-free.</summary>
public sealed class InMemoryContactHistory : IContactHistory
{
    private readonly ConcurrentDictionary<string, List<ContactRecord>> _byCustomer = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public int CountContacts(string customerId, ContactChannel? channel, ConsentPurpose purpose, DateTimeOffset since, DateTimeOffset until)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        if (!_byCustomer.TryGetValue(customerId, out var list))
        {
            return 0;
        }

        lock (list)
        {
            var n = 0;
            for (var i = 0; i < list.Count; i++)
            {
                var c = list[i];
                if (c.Purpose == purpose && c.At >= since && c.At < until && (channel is not { } ch || c.Channel == ch))
                {
                    n++;
                }
            }

            return n;
        }
    }

    /// <inheritdoc/>
    public void Record(ContactRecord contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var list = _byCustomer.GetOrAdd(contact.CustomerId, static _ => []);
        lock (list)
        {
            list.Add(contact);
        }
    }
}

/// <summary>
/// Quiet hours in the customer's own time zone: no message is sent between <see cref="Start"/> and <see cref="End"/> local time;
/// a message due then is deferred to the next allowed instant (never dropped).
/// </summary>
/// <param name="Start">Local start of quiet hours (inclusive), such as 21:00.</param>
/// <param name="End">Local end of quiet hours (exclusive), such as 09:00. A window with <c>End &lt; Start</c> wraps past midnight; <c>Start == End</c> is rejected.</param>
public sealed record QuietHours(TimeOnly Start, TimeOnly End)
{
    /// <summary>Gets the local end (exclusive).</summary>
    /// <exception cref="ArgumentException">Equal to <see cref="Start"/>.</exception>
    public TimeOnly End { get; } = End != Start ? End : throw new ArgumentException("Quiet hours must not start and end at the same time.", nameof(End));

    /// <summary>Returns whether an instant falls in quiet hours in a time zone.</summary>
    /// <param name="instant">The instant.</param>
    /// <param name="timeZone">The customer's time zone.</param>
    /// <returns><see langword="true"/> when quiet.</returns>
    public bool IsQuiet(DateTimeOffset instant, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, timeZone).DateTime);
        return Start < End ? local >= Start && local < End : local >= Start || local < End;
    }

    /// <summary>
    /// Returns the first allowed instant at or after <paramref name="instant"/>: the instant itself outside quiet hours, else the local
    /// <see cref="End"/> time (on the next day when the window wraps past midnight). When that local time does not exist (a daylight-saving
    /// gap) the first existing local time after it is used (the gap moves forward); when it is ambiguous (clocks going back), the first of its
    /// two instants that is not before <paramref name="instant"/> (the later one when the input is in the second occurrence).
    /// </summary>
    /// <param name="instant">The wanted instant.</param>
    /// <param name="timeZone">The customer's time zone.</param>
    /// <returns>The allowed instant.</returns>
    public DateTimeOffset NextAllowed(DateTimeOffset instant, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        if (!IsQuiet(instant, timeZone))
        {
            return instant;
        }

        var local = TimeZoneInfo.ConvertTime(instant, timeZone).DateTime;
        var day = DateOnly.FromDateTime(local);
        if (Start > End && TimeOnly.FromDateTime(local) >= Start)
        {
            day = day.AddDays(1);
        }

        var end = day.ToDateTime(End);
        while (timeZone.IsInvalidTime(end))
        {
            end = end.AddMinutes(1);
        }

        if (!timeZone.IsAmbiguousTime(end))
        {
            return new DateTimeOffset(end, timeZone.GetUtcOffset(end));
        }

        // An ambiguous end (the repeated hour when clocks go back): the first of its two instants that is not before the input, so an input
        // in the second occurrence resolves to the later instant and is never sent inside quiet hours.
        DateTimeOffset? best = null;
        foreach (var offset in timeZone.GetAmbiguousTimeOffsets(end))
        {
            var candidate = new DateTimeOffset(end, offset);
            if (candidate >= instant && (best is null || candidate < best))
            {
                best = candidate;
            }
        }

        return best ?? new DateTimeOffset(end, timeZone.GetAmbiguousTimeOffsets(end).Min());
    }
}

/// <summary>
/// A global holdout (control) group: a stable fraction of customers who are never contacted by any campaign, so that incrementality can
/// be measured against them.
/// </summary>
/// <remarks>
/// <para>Membership is a documented stable hash, the same in every process, language and run:
/// <c>h = FNV-1a-64(UTF-8(Salt) ‖ 0x3A ‖ UTF-8(customerId))</c> (offset basis 14695981039346656037, prime 1099511628211; Fowler, Noll &amp; Vo,
/// IETF draft-eastlake-fnv), and the customer is held out when <c>h mod 10000 &lt; round(Fraction × 10000)</c>.
/// Changing <see cref="Salt"/> draws a new group.</para>
/// <para>Thread-safe and allocation-free.</para>
/// </remarks>
/// <param name="Fraction">The share of customers held out, in [0, 0.5].</param>
/// <param name="Salt">The salt, such as <c>holdout-2026</c>; not blank.</param>
public sealed record HoldoutGroup(double Fraction, string Salt)
{
    /// <summary>The number of hash buckets.</summary>
    public const int Buckets = 10_000;

    /// <summary>The largest holdout fraction.</summary>
    public const double MaxFraction = 0.5;

    private readonly int _threshold = Fraction is >= 0.0 and <= MaxFraction
        ? (int)Math.Round(Fraction * Buckets, MidpointRounding.AwayFromZero)
        : throw new ArgumentOutOfRangeException(nameof(Fraction), Fraction, string.Create(CultureInfo.InvariantCulture, $"Must be in [0, {MaxFraction}]."));

    /// <summary>Gets the salt.</summary>
    public string Salt { get; } = Check.NotBlank(Salt);

    // The hash state after "salt:", computed once (a pure function of Salt, so record equality is unaffected).
    private readonly ulong _prefix = Fnv1a64.Append(Fnv1a64.Append(Fnv1a64.OffsetBasis, Check.NotBlank(Salt)), (byte)':');

    /// <summary>Returns whether a customer is held out.</summary>
    /// <param name="customerId">The customer's CRM id.</param>
    /// <returns><see langword="true"/> for a member of the holdout group.</returns>
    public bool Contains(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        return Bucket(customerId) < _threshold;
    }

    /// <summary>Returns the customer's bucket in [0, <see cref="Buckets"/>).</summary>
    /// <param name="customerId">The customer's CRM id.</param>
    /// <returns>The bucket.</returns>
    public int Bucket(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        var h = Fnv1a64.Append(_prefix, customerId);
        return (int)(h % Buckets);
    }
}

/// <summary>FNV-1a 64-bit over UTF-8 (draft-eastlake-fnv). Allocation-free.</summary>
public static class Fnv1a64
{
    /// <summary>The 64-bit offset basis, 14695981039346656037.</summary>
    public const ulong OffsetBasis = 14695981039346656037UL;

    /// <summary>The 64-bit FNV prime, 1099511628211.</summary>
    public const ulong Prime = 1099511628211UL;

    /// <summary>Hashes the UTF-8 encoding of a text.</summary>
    /// <param name="text">The text (ill-formed surrogates are encoded as U+FFFD).</param>
    /// <returns>The hash.</returns>
    public static ulong Hash(string text) => Append(OffsetBasis, text);

    /// <summary>Continues a hash with one byte.</summary>
    /// <param name="hash">The hash so far.</param>
    /// <param name="value">The byte.</param>
    /// <returns>The new hash.</returns>
    public static ulong Append(ulong hash, byte value)
    {
        unchecked
        {
            // Multiplication modulo 2^64 is the definition of FNV: overflow is intended.
            return (hash ^ value) * Prime;
        }
    }

    /// <summary>Continues a hash with the UTF-8 encoding of a text.</summary>
    /// <param name="hash">The hash so far.</param>
    /// <param name="text">The text.</param>
    /// <returns>The new hash.</returns>
    public static ulong Append(ulong hash, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<byte> buffer = stackalloc byte[4];
        var span = text.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            var c = span[i];
            if (c < 0x80)
            {
                // ASCII fast path: the UTF-8 encoding is the character itself.
                hash = Append(hash, (byte)c);
                i++;
                continue;
            }

            System.Text.Rune.DecodeFromUtf16(span[i..], out var rune, out var consumed);
            var n = rune.EncodeToUtf8(buffer);
            for (var k = 0; k < n; k++)
            {
                hash = Append(hash, buffer[k]);
            }

            i += consumed;
        }

        return hash;
    }
}

/// <summary>Resolves time-zone ids once and caches them (unknown ids resolve to <see langword="null"/>). Thread-safe.</summary>
internal sealed class TimeZoneCache
{
    private readonly ConcurrentDictionary<string, TimeZoneInfo?> _cache = new(StringComparer.Ordinal);

    public TimeZoneInfo? Get(string? id)
    {
        if (id is null)
        {
            return null;
        }

        if (_cache.TryGetValue(id, out var tz))
        {
            return tz;
        }

        return _cache.GetOrAdd(id, static i => TimeZoneInfo.TryFindSystemTimeZoneById(i, out var z) ? z : null);
    }
}
