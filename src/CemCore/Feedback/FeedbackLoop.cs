using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using CemCore.Journeys;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Feedback;

/// <summary>Why the feedback loop opened a service task.</summary>
public enum ServiceTaskKind
{
    /// <summary>A detractor (NPS 0-6): call back and find out why.</summary>
    DetractorFollowUp = 0,

    /// <summary>CSAT ≤ 2 after a delivery problem: fix the order and the delivery process.</summary>
    DeliveryComplaint = 1,
}

/// <summary>A task for the host's service team (a callback, a process fix), opened by the feedback loop. Holds no free text of the customer.</summary>
/// <param name="TaskId">Stable id derived from the event and the kind (a replayed event yields the same id).</param>
/// <param name="CustomerId">The customer.</param>
/// <param name="Kind">Why.</param>
/// <param name="CreatedAt">When (the event's instant).</param>
/// <param name="SourceEventId">The survey event.</param>
/// <param name="OrderId">The order the survey was about, if any.</param>
/// <param name="Nps">The NPS answer, if any.</param>
/// <param name="Csat">The CSAT answer, if any.</param>
public sealed record ServiceTask(string TaskId, string CustomerId, ServiceTaskKind Kind, DateTimeOffset CreatedAt, string SourceEventId, string? OrderId, int? Nps, int? Csat);

/// <summary>The host's service-task queue (CRM case, ticketing system). Implementations are idempotent on <see cref="ServiceTask.TaskId"/>.</summary>
public interface IServiceTaskSink
{
    /// <summary>Creates a task unless one with the same id exists.</summary>
    /// <param name="task">The task.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when created; <see langword="false"/> when it existed (a replay).</returns>
    ValueTask<bool> CreateAsync(ServiceTask task, CancellationToken cancellationToken = default);
}

/// <summary>An in-memory <see cref="IServiceTaskSink"/> (tests, single-process hosts). Thread-safe.</summary>
public sealed class InMemoryServiceTaskSink : IServiceTaskSink
{
    private readonly ConcurrentDictionary<string, ServiceTask> _tasks = new(StringComparer.Ordinal);

    /// <summary>Gets the tasks, ordered by id.</summary>
    public IReadOnlyList<ServiceTask> Tasks => [.. _tasks.Values.OrderBy(t => t.TaskId, StringComparer.Ordinal)];

    /// <inheritdoc/>
    public ValueTask<bool> CreateAsync(ServiceTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(_tasks.TryAdd(task.TaskId, task));
    }
}

/// <summary>
/// The feedback loop of the source documents ("a complaint about a delivery becomes a compensation coupon and a process fix"): a survey
/// event from a detractor (NPS 0-6), or with CSAT ≤ 2 after a delivery problem, produces a compensation decision through the personalization
/// rules (<see cref="CompensationRules"/>, dispatched exactly once per event under campaign <see cref="CampaignId"/>) and a service task for the
/// host (<see cref="IServiceTaskSink"/>, idempotent per event). Plug it into a <see cref="TriggerEngine"/>.
/// </summary>
/// <remarks>
/// <para>A delivery problem is: the survey was about <see cref="Touchpoint.Delivery"/> (event property <c>touchpoint</c>), or the customer has
/// an open complaint (<see cref="FeedbackFact.OpenComplaints"/> ≥ 1 on the context). A detractor with CSAT ≤ 2 after a delivery problem opens a
/// <see cref="ServiceTaskKind.DeliveryComplaint"/> (the more specific task), one task per event.</para>
/// <para>The rules see the feedback facts (<c>feedback.lastNps</c>, <c>feedback.openComplaints</c>, <c>feedback.lastTouchpointCsat</c>,
/// <c>feedback.lastTouchpoint</c>); <see cref="FeedbackCampaigns.AddFeedbackLoopRules"/> adds ready-made compensation rules. Thread-safe.</para>
/// </remarks>
public sealed class FeedbackLoop
{
    /// <summary>The campaign id of the loop's compensation sends.</summary>
    public const string CampaignId = "feedback-loop";

    /// <summary>The highest NPS answer that counts as a detractor.</summary>
    public const int DetractorMaxNps = 6;

    /// <summary>The highest CSAT answer that counts as dissatisfied.</summary>
    public const int DissatisfiedMaxCsat = 2;

    /// <summary>Creates the loop.</summary>
    /// <param name="tasks">The host's service-task sink.</param>
    /// <param name="compensationRules">The rules that decide the compensation; <see langword="null"/> for
    /// <see cref="FeedbackCampaigns.RuleIds"/>.</param>
    public FeedbackLoop(IServiceTaskSink tasks, IReadOnlyList<string>? compensationRules = null)
    {
        Tasks = tasks ?? throw new ArgumentNullException(nameof(tasks));
        CompensationRules = compensationRules ?? FeedbackCampaigns.RuleIds;
    }

    /// <summary>Gets the task sink.</summary>
    public IServiceTaskSink Tasks { get; }

    /// <summary>Gets the compensation rule ids.</summary>
    public IReadOnlyList<string> CompensationRules { get; }

    /// <summary>Classifies a survey event (with its facts applied to <paramref name="context"/>).</summary>
    /// <param name="customerEvent">The event.</param>
    /// <param name="context">The customer's context.</param>
    /// <returns>The task kind, or <see langword="null"/> when the event does not close the loop.</returns>
    public static ServiceTaskKind? Classify(CustomerEvent customerEvent, CustomerContext context)
    {
        ArgumentNullException.ThrowIfNull(customerEvent);
        ArgumentNullException.ThrowIfNull(context);
        if (!customerEvent.Is(CustomerEventTypes.SurveyResponse))
        {
            return null;
        }

        var csat = customerEvent.GetInt("csat");
        var delivery = customerEvent.GetEnum<Touchpoint>("touchpoint") == Touchpoint.Delivery || (context.LastFeedback?.OpenComplaints ?? 0) > 0;
        if (csat is <= DissatisfiedMaxCsat && delivery)
        {
            return ServiceTaskKind.DeliveryComplaint;
        }

        return customerEvent.GetInt("nps") is <= DetractorMaxNps ? ServiceTaskKind.DetractorFollowUp : null;
    }

    /// <summary>Creates the service task of an event (idempotent: the id is derived from the event id and kind).</summary>
    /// <param name="customerEvent">The event.</param>
    /// <param name="kind">The kind.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns><see langword="true"/> when created now.</returns>
    public ValueTask<bool> CreateTaskAsync(CustomerEvent customerEvent, ServiceTaskKind kind, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customerEvent);
        customerEvent.Properties.TryGetValue("orderId", out var order);
        var id = TaskId(customerEvent.EventId, kind);
        return Tasks.CreateAsync(new ServiceTask(id, customerEvent.CustomerId, kind, customerEvent.Timestamp, customerEvent.EventId, order, customerEvent.GetInt("nps"), customerEvent.GetInt("csat")), cancellationToken);
    }

    /// <summary>The task id of an event: <c>"svc-" + hex of the first 12 bytes of SHA-256(UTF-8(eventId ‖ LF ‖ kind))</c>.</summary>
    /// <param name="eventId">The event id.</param>
    /// <param name="kind">The kind.</param>
    /// <returns>The id.</returns>
    public static string TaskId(string eventId, ServiceTaskKind kind)
    {
        Check.NotBlank(eventId);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(eventId + "\n" + kind.ToString()));
        return "svc-" + Convert.ToHexStringLower(hash.AsSpan(0, 12));
    }

    /// <summary>
    /// Computes the feedback facts of one customer at <paramref name="asOf"/> from the feedback port's data: the NPS of the latest response
    /// (strictly before as-of) that has one; the CSAT and touchpoint of the latest response with a CSAT; the tickets opened before as-of and
    /// not resolved by then. Responses at the same instant: the later in the input wins.
    /// </summary>
    /// <param name="responses">The customer's survey responses.</param>
    /// <param name="tickets">The customer's service tickets.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="touchpointOf">The touchpoint a response was about, or <see langword="null"/> when unknown.</param>
    /// <returns>The facts.</returns>
    public static FeedbackFact Facts(IEnumerable<SurveyResponse> responses, IEnumerable<ServiceTicket> tickets, DateTimeOffset asOf, Func<SurveyResponse, Touchpoint?>? touchpointOf = null)
    {
        ArgumentNullException.ThrowIfNull(responses);
        ArgumentNullException.ThrowIfNull(tickets);
        SurveyResponse? lastNps = null, lastCsat = null;
        foreach (var r in responses)
        {
            if (r.Timestamp >= asOf)
            {
                continue;
            }

            if (r.Nps is not null && (lastNps is null || r.Timestamp >= lastNps.Timestamp))
            {
                lastNps = r;
            }

            if (r.Csat is not null && (lastCsat is null || r.Timestamp >= lastCsat.Timestamp))
            {
                lastCsat = r;
            }
        }

        var open = tickets.Count(t => t.OpenedAt < asOf && (t.Status == TicketStatus.Open || t.ResolvedAt >= asOf));
        return new FeedbackFact(lastNps?.Nps, open, lastCsat?.Csat, lastCsat is null ? null : touchpointOf?.Invoke(lastCsat));
    }
}

/// <summary>Ready-made compensation rules of the feedback loop.</summary>
public static class FeedbackCampaigns
{
    /// <summary>The rule ids added by <see cref="AddFeedbackLoopRules"/>, in priority order.</summary>
    public static IReadOnlyList<string> RuleIds { get; } = Array.AsReadOnly(new[] { "delivery-makegood", "nps-detractor" });

    /// <summary>
    /// Adds the offers <c>delivery-makegood30</c> (30 off, coupon prefix DL) and <c>detractor-makegood20</c> (20 off, prefix DT), valid 30
    /// days, redeemable online and in store, and the rules <c>delivery-makegood</c> (priority 95: <c>feedback.lastTouchpointCsat</c> ≤ 2 and
    /// (<c>feedback.lastTouchpoint</c> = Delivery or <c>feedback.openComplaints</c> ≥ 1), survey within 14 days) and <c>nps-detractor</c>
    /// (priority 92: <c>feedback.lastNps</c> ≤ 6, survey within 14 days), both in group <c>service</c> with the <c>csat-makegood</c> template.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="purpose">The consent purpose: marketing by default (a coupon is marketing unless the host's legal review says otherwise).</param>
    /// <returns>The builder.</returns>
    public static PersonalizationRuleSetBuilder AddFeedbackLoopRules(this PersonalizationRuleSetBuilder builder, Customers.ConsentPurpose purpose = Customers.ConsentPurpose.Marketing)
    {
        ArgumentNullException.ThrowIfNull(builder);
        SalesChannel[] omni = [SalesChannel.Online, SalesChannel.Store];
        var recent = Condition.Field("survey.lastAt").WithinLastDays(14);
        return builder
            .AddOffer(new Offer("delivery-makegood30", OfferKind.FixedDiscount, 30m, redeemableChannels: omni, coupon: new CouponPolicy(Prefix: "DL", ValidFor: TimeSpan.FromDays(30))))
            .AddOffer(new Offer("detractor-makegood20", OfferKind.FixedDiscount, 20m, redeemableChannels: omni, coupon: new CouponPolicy(Prefix: "DT", ValidFor: TimeSpan.FromDays(30))))
            .AddRule("delivery-makegood", r => r.When(Condition.All(
                    Condition.Field("feedback.lastTouchpointCsat").AtMost(2),
                    Condition.Any(Condition.Field("feedback.lastTouchpoint").Equal("Delivery"), Condition.Field("feedback.openComplaints").AtLeast(1)),
                    recent))
                .Grant("delivery-makegood30").WithPriority(95).InGroup("service").ForPurpose(purpose).WithTemplate("csat-makegood").Describe("Delivery complaint: 30 off"))
            .AddRule("nps-detractor", r => r.When(Condition.All(Condition.Field("feedback.lastNps").AtMost(6), recent))
                .Grant("detractor-makegood20").WithPriority(92).InGroup("service").ForPurpose(purpose).WithTemplate("csat-makegood").Describe("Detractor: 20 off"));
    }
}
