using CemCore.Customers;
using CemCore.Transactions;

namespace CemCore.Samples.Orleans.Domain;

/// <summary>The kinds of member events a customer grain consumes.</summary>
public enum MemberEventKind
{
    /// <summary>A purchase: earns points (once per order), updates lifecycle and churn.</summary>
    Purchase = 0,

    /// <summary>A return of (part of) an order: reverses points pro rata, records the return reason.</summary>
    Return = 1,

    /// <summary>A survey answer (NPS and/or CSAT).</summary>
    Survey = 2,

    /// <summary>A journey step such as <c>cart_abandoned</c> (other steps are recorded as seen and change nothing else).</summary>
    Journey = 3,

    /// <summary>A consent change for one channel and purpose.</summary>
    Consent = 4,

    /// <summary>A profile change: the member's time zone (IANA id), in which quiet hours are kept.</summary>
    Profile = 5,
}

/// <summary>
/// One member event. <see cref="EventId"/> is the idempotency key of the whole event: a replayed event (same id) changes nothing.
/// The event's own timestamp is the as-of instant of every decision it triggers, so processing is a pure function of the event sequence.
/// </summary>
/// <param name="EventId">Unique id of the event (producers retry with the same id).</param>
/// <param name="CustomerId">The member (the grain key).</param>
/// <param name="Kind">The kind.</param>
/// <param name="At">When it happened.</param>
/// <param name="Amount">Purchase amount, or the returned amount for a return.</param>
/// <param name="OrderId">The order of a purchase, or the order a return refunds.</param>
/// <param name="ReturnReason">Why goods were returned.</param>
/// <param name="Nps">NPS answer in [0, 10].</param>
/// <param name="Csat">CSAT answer in [1, 5].</param>
/// <param name="Step">Journey step name.</param>
/// <param name="Channel">Consent channel (<c>sms</c>, <c>email</c>, <c>push</c>, <c>wechat</c>).</param>
/// <param name="ConsentStatus">Consent status.</param>
/// <param name="TimeZoneId">The member's time zone of a profile event (IANA id such as <c>Asia/Shanghai</c>).</param>
[GenerateSerializer]
[Immutable]
public sealed record MemberEvent(
    [property: Id(0)] string EventId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] MemberEventKind Kind,
    [property: Id(3)] DateTimeOffset At,
    [property: Id(4)] decimal Amount = 0m,
    [property: Id(5)] string? OrderId = null,
    [property: Id(6)] ReturnReason ReturnReason = ReturnReason.Unspecified,
    [property: Id(7)] int? Nps = null,
    [property: Id(8)] int? Csat = null,
    [property: Id(9)] string? Step = null,
    [property: Id(10)] string? Channel = null,
    [property: Id(11)] ConsentStatus ConsentStatus = ConsentStatus.Granted,
    [property: Id(12)] string? TimeZoneId = null);

/// <summary>What processing one event did.</summary>
/// <param name="Duplicate">The event id was seen before: nothing changed.</param>
/// <param name="PointsAvailable">Available points after the event.</param>
/// <param name="Stage">Lifecycle stage after the event.</param>
/// <param name="OfferRuleId">The rule of the offer decided for this event, if any.</param>
/// <param name="SendKey">The send key of the message claimed for this event, if any.</param>
/// <param name="DecisionMicroseconds">Time of the decision step (engine call) in microseconds, for the load mode.</param>
[GenerateSerializer]
[Immutable]
public sealed record EventAck(
    [property: Id(0)] bool Duplicate,
    [property: Id(1)] long PointsAvailable,
    [property: Id(2)] string Stage,
    [property: Id(3)] string? OfferRuleId,
    [property: Id(4)] string? SendKey,
    [property: Id(5)] double DecisionMicroseconds = 0);
