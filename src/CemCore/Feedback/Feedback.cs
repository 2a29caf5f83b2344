using CemCore.Primitives;

namespace CemCore.Feedback;

/// <summary>A survey answer: Net Promoter Score (0-10), CSAT (1-5) and/or free text. At least one must be present.</summary>
public sealed record SurveyResponse
{
    /// <summary>The lowest NPS answer.</summary>
    public const int MinNps = 0;

    /// <summary>The highest NPS answer.</summary>
    public const int MaxNps = 10;

    /// <summary>The lowest CSAT answer.</summary>
    public const int MinCsat = 1;

    /// <summary>The highest CSAT answer.</summary>
    public const int MaxCsat = 5;

    /// <summary>Creates a survey response.</summary>
    /// <param name="customerId">The customer's CRM id; not blank.</param>
    /// <param name="timestamp">When it was answered.</param>
    /// <param name="nps">"How likely are you to recommend us" on 0-10, or <see langword="null"/>.</param>
    /// <param name="csat">Satisfaction on 1-5, or <see langword="null"/>.</param>
    /// <param name="text">Free-text comment, or <see langword="null"/>. Personal data: never logged by CemCore.</param>
    /// <param name="orderId">The order the survey is about, if any.</param>
    /// <exception cref="ArgumentException">A score is out of range, or the response is empty.</exception>
    public SurveyResponse(string customerId, DateTimeOffset timestamp, int? nps = null, int? csat = null, string? text = null, string? orderId = null)
    {
        CustomerId = Check.NotBlank(customerId);
        Timestamp = timestamp;
        Nps = nps is null or (>= MinNps and <= MaxNps) ? nps : throw new ArgumentOutOfRangeException(nameof(nps), nps, "NPS must be in [0, 10].");
        Csat = csat is null or (>= MinCsat and <= MaxCsat) ? csat : throw new ArgumentOutOfRangeException(nameof(csat), csat, "CSAT must be in [1, 5].");
        Text = string.IsNullOrWhiteSpace(text) ? null : text;
        if (Nps is null && Csat is null && Text is null)
        {
            throw new ArgumentException("A survey response needs an NPS score, a CSAT score or a comment.", nameof(nps));
        }

        OrderId = orderId;
    }

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets when it was answered.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the NPS answer (0-10), or <see langword="null"/>.</summary>
    public int? Nps { get; }

    /// <summary>Gets the CSAT answer (1-5), or <see langword="null"/>.</summary>
    public int? Csat { get; }

    /// <summary>Gets the comment, or <see langword="null"/>.</summary>
    public string? Text { get; }

    /// <summary>Gets the order the survey is about, or <see langword="null"/>.</summary>
    public string? OrderId { get; }
}

/// <summary>The state of a service ticket.</summary>
public enum TicketStatus
{
    /// <summary>Open and not yet resolved.</summary>
    Open = 0,

    /// <summary>Resolved.</summary>
    Resolved = 1,
}

/// <summary>A customer-service ticket.</summary>
/// <param name="TicketId">Ticket id; not blank.</param>
/// <param name="CustomerId">The customer's CRM id; not blank.</param>
/// <param name="OpenedAt">When it was opened.</param>
/// <param name="Topic">Topic such as <c>delivery</c> or <c>refund</c> (free text).</param>
/// <param name="Status">Open or resolved.</param>
/// <param name="ResolvedAt">When it was resolved; required when resolved, not before <paramref name="OpenedAt"/>.</param>
public sealed record ServiceTicket(string TicketId, string CustomerId, DateTimeOffset OpenedAt, string Topic, TicketStatus Status = TicketStatus.Open, DateTimeOffset? ResolvedAt = null)
{
    /// <summary>Gets the ticket id.</summary>
    public string TicketId { get; } = Check.NotBlank(TicketId);

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; } = Check.NotBlank(CustomerId);

    /// <summary>Gets the topic.</summary>
    public string Topic { get; } = Topic ?? string.Empty;

    /// <summary>Gets when it was resolved.</summary>
    /// <exception cref="ArgumentException">Resolved without a time, or resolved before it was opened.</exception>
    public DateTimeOffset? ResolvedAt { get; } = (Status, ResolvedAt) switch
    {
        (TicketStatus.Resolved, null) => throw new ArgumentException("A resolved ticket needs ResolvedAt.", nameof(ResolvedAt)),
        (_, { } r) when r < OpenedAt => throw new ArgumentException("ResolvedAt is before OpenedAt.", nameof(ResolvedAt)),
        _ => ResolvedAt,
    };
}
