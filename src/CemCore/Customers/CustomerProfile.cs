using CemCore.Primitives;

namespace CemCore.Customers;

/// <summary>
/// A customer as known to the CRM: identity, demographics, psychographic tags and attributes, contact preferences and consents.
/// </summary>
/// <remarks>
/// Immutable and safe to share between threads. Collections are copied on construction and compared by reference,
/// so two profiles with equal contents are not <see cref="object.Equals(object)"/>-equal unless they share the same lists.
/// </remarks>
public sealed record CustomerProfile
{
    /// <summary>Creates a profile.</summary>
    /// <param name="id">The CRM id; not blank. Treated as pseudonymous data and never written into exception messages.</param>
    /// <param name="signedUpAt">When the customer registered, if known.</param>
    /// <param name="demographics">Demographic and geographic fields; <see langword="null"/> means all unknown.</param>
    /// <param name="tags">Psychographic tags such as <c>"sneakerhead"</c> (case-insensitive set semantics).</param>
    /// <param name="attributes">Free key/value attributes such as <c>lifestyle=outdoor</c>.</param>
    /// <param name="preferredChannel">The channel the customer prefers to be contacted on.</param>
    /// <param name="language">Preferred language as a BCP-47 tag such as <c>zh-CN</c>; <see langword="null"/> when unknown.</param>
    /// <param name="timeZoneId">IANA or Windows time zone id used for quiet hours and birthdays; <see langword="null"/> means the host default.</param>
    /// <param name="consents">Consent decisions; the latest per (channel, purpose) wins.</param>
    /// <param name="membershipId">The loyalty membership reference, if any.</param>
    /// <exception cref="ArgumentException"><paramref name="id"/> is blank, or a collection holds a null.</exception>
    public CustomerProfile(
        string id,
        DateTimeOffset? signedUpAt = null,
        Demographics? demographics = null,
        IEnumerable<string>? tags = null,
        IReadOnlyDictionary<string, string>? attributes = null,
        ContactChannel preferredChannel = default,
        string? language = null,
        string? timeZoneId = null,
        IEnumerable<ConsentRecord>? consents = null,
        string? membershipId = null)
    {
        Id = Check.NotBlank(id);
        _signedUpAt = signedUpAt;
        Demographics = demographics ?? Demographics.Unknown;
        Tags = Check.List(tags);
        Attributes = attributes is null
            ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(attributes, StringComparer.OrdinalIgnoreCase);
        PreferredChannel = preferredChannel;
        Language = string.IsNullOrWhiteSpace(language) ? null : language.Trim();
        TimeZoneId = string.IsNullOrWhiteSpace(timeZoneId) ? null : timeZoneId.Trim();
        Consents = Check.List(consents);
        MembershipId = string.IsNullOrWhiteSpace(membershipId) ? null : membershipId;
    }

    /// <summary>The backing field of <see cref="SignedUpAt"/>: a field, so that <see cref="PrefetchObject"/> can find the object's lines.</summary>
    private readonly DateTimeOffset? _signedUpAt;

    /// <summary>Gets the CRM id.</summary>
    public string Id { get; }

    /// <summary>Gets when the customer registered, if known.</summary>
    public DateTimeOffset? SignedUpAt => _signedUpAt;

    /// <summary>Gets the demographic and geographic fields.</summary>
    public Demographics Demographics { get; }

    /// <summary>Gets the psychographic tags.</summary>
    public IReadOnlyList<string> Tags { get; }

    /// <summary>Gets the psychographic attributes (keys compared case-insensitively).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>Gets the preferred contact channel (default: unspecified).</summary>
    public ContactChannel PreferredChannel { get; }

    /// <summary>Gets the preferred language tag, or <see langword="null"/>.</summary>
    public string? Language { get; }

    /// <summary>Gets the customer's time zone id, or <see langword="null"/>.</summary>
    public string? TimeZoneId { get; }

    /// <summary>Gets every consent decision on record.</summary>
    public IReadOnlyList<ConsentRecord> Consents { get; }

    /// <summary>Gets the loyalty membership reference, or <see langword="null"/>.</summary>
    public string? MembershipId { get; }

    /// <summary>Returns whether the customer has a tag (case-insensitive).</summary>
    /// <param name="tag">The tag.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool HasTag(string tag)
    {
        foreach (var t in Tags)
        {
            if (string.Equals(t, tag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Returns the consent in force for a channel and purpose at an instant: the latest record at or before <paramref name="asOf"/>.
    /// No record means <see cref="ConsentStatus.Denied"/> (CemCore never assumes consent).
    /// </summary>
    /// <param name="channel">The contact channel.</param>
    /// <param name="purpose">The purpose.</param>
    /// <param name="asOf">The instant at which consent is checked.</param>
    /// <returns>The status in force.</returns>
    public ConsentStatus ConsentFor(ContactChannel channel, ConsentPurpose purpose, DateTimeOffset asOf)
    {
        ConsentRecord? latest = null;

        // Indexed loop: enumerating the IReadOnlyList through its interface would allocate an enumerator on the decision hot path.
        for (var i = 0; i < Consents.Count; i++)
        {
            var c = Consents[i];
            if (c.Channel == channel && c.Purpose == purpose && c.At <= asOf && (latest is null || c.At >= latest.At))
            {
                latest = c;
            }
        }

        return latest?.Status ?? ConsentStatus.Denied;
    }

    /// <summary>Asks for this object's cache lines (a batch loop's prefetch hint, <see cref="CachePrefetch"/>): the references (id,
    /// consents, ...) lie before <see cref="_signedUpAt"/> in the runtime's layout, the channel after it.</summary>
    internal unsafe void PrefetchObject()
    {
        fixed (DateTimeOffset?* p = &_signedUpAt)
        {
            CachePrefetch.Lines(p, 2, 1);
        }
    }

    /// <summary>Returns whether the customer may be contacted on a channel for a purpose at an instant (consent granted and not revoked).</summary>
    /// <param name="channel">The contact channel.</param>
    /// <param name="purpose">The purpose.</param>
    /// <param name="asOf">The instant.</param>
    /// <returns><see langword="true"/> only when the consent in force is <see cref="ConsentStatus.Granted"/>.</returns>
    public bool MayContact(ContactChannel channel, ConsentPurpose purpose, DateTimeOffset asOf) =>
        ConsentFor(channel, purpose, asOf) == ConsentStatus.Granted;
}
