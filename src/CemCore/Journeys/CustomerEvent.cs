using System.Globalization;
using System.Runtime.CompilerServices;
using CemCore.Feedback;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Transactions;

namespace CemCore.Journeys;

/// <summary>The well-known event types of <see cref="CustomerEvent"/> (hosts may use other names: letters, digits, <c>_</c>, <c>-</c>, <c>.</c>).</summary>
public static class CustomerEventTypes
{
    /// <summary>A purchase.</summary>
    public const string Purchase = "purchase";

    /// <summary>The customer's first purchase.</summary>
    public const string FirstPurchase = "first_purchase";

    /// <summary>A return (properties <c>reason</c>: a <see cref="ReturnReason"/> name, <c>category</c>).</summary>
    public const string Return = "return";

    /// <summary>A survey answer (properties <c>nps</c>, <c>csat</c>, <c>touchpoint</c>: a <see cref="Touchpoint"/> name, <c>orderId</c>).</summary>
    public const string SurveyResponse = "survey_response";

    /// <summary>An abandoned cart.</summary>
    public const string CartAbandoned = "cart_abandoned";

    /// <summary>A lifecycle-stage transition (properties <c>from</c>, <c>to</c>: <see cref="LifecycleStage"/> names).</summary>
    public const string LifecycleTransition = "lifecycle_transition";

    /// <summary>A service ticket opened (properties <c>topic</c>, <c>ticketId</c>).</summary>
    public const string ServiceTicket = "service_ticket";

    /// <summary>Returns whether a text is a valid event type name: 1-64 ASCII letters, digits, <c>_</c>, <c>-</c> or <c>.</c>.</summary>
    /// <param name="type">The name.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public static bool IsValid(string? type)
    {
        if (string.IsNullOrEmpty(type) || type.Length > 64)
        {
            return false;
        }

        foreach (var c in type)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// A business event about one customer (a return, a survey answer, an abandoned cart, a first purchase, a lifecycle transition…) that
/// may trigger rules (<see cref="TriggerEngine"/>) and move customers through journeys (<see cref="JourneyEngine"/>).
/// </summary>
/// <remarks>Immutable. The event id is the idempotency anchor: a replayed event (same id) never sends twice. Types compare ordinally
/// ignoring case; property keys compare ignoring case. Properties hold no personal data by convention (ids, reasons, scores).</remarks>
public sealed record CustomerEvent
{
    /// <summary>Creates an event.</summary>
    /// <param name="eventId">A unique, stable id of the event (such as the source system's id); not blank.</param>
    /// <param name="customerId">The customer's CRM id; not blank.</param>
    /// <param name="type">The event type (see <see cref="CustomerEventTypes"/>).</param>
    /// <param name="timestamp">When it happened.</param>
    /// <param name="properties">Properties such as <c>reason</c> or <c>nps</c>, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A blank id, or an invalid type name.</exception>
    public CustomerEvent(string eventId, string customerId, string type, DateTimeOffset timestamp, IReadOnlyDictionary<string, string>? properties = null)
    {
        EventId = Check.NotBlank(eventId);
        CustomerId = Check.NotBlank(customerId);
        Type = CustomerEventTypes.IsValid(type) ? type : throw new ArgumentException($"Invalid event type '{type}': use 1-64 ASCII letters, digits, '_', '-' or '.'.", nameof(type));
        Timestamp = timestamp;
        Properties = properties is null
            ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(properties, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Gets the event id.</summary>
    public string EventId { get; }

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets the event type.</summary>
    public string Type { get; }

    /// <summary>Gets when it happened.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the properties.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; }

    /// <summary>Returns whether the event has a type (ordinal, ignoring case).</summary>
    /// <param name="type">The type.</param>
    /// <returns><see langword="true"/> when equal.</returns>
    public bool Is(string type) => string.Equals(Type, type, StringComparison.OrdinalIgnoreCase);

    /// <summary>A return event.</summary>
    /// <param name="eventId">The event id.</param>
    /// <param name="customerId">The customer.</param>
    /// <param name="timestamp">When.</param>
    /// <param name="reason">Why the goods were returned.</param>
    /// <param name="category">The category returned, or <see langword="null"/>.</param>
    /// <returns>The event.</returns>
    public static CustomerEvent Return(string eventId, string customerId, DateTimeOffset timestamp, ReturnReason reason, string? category = null)
    {
        var p = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["reason"] = reason.ToString() };
        if (!string.IsNullOrWhiteSpace(category))
        {
            p["category"] = category;
        }

        return new CustomerEvent(eventId, customerId, CustomerEventTypes.Return, timestamp, p);
    }

    /// <summary>A survey-answer event.</summary>
    /// <param name="eventId">The event id.</param>
    /// <param name="response">The answer (its comment is not copied: it may hold personal data).</param>
    /// <param name="touchpoint">The touchpoint the survey was about (such as <see cref="Touchpoint.Delivery"/>), or <see langword="null"/>.</param>
    /// <returns>The event.</returns>
    public static CustomerEvent Survey(string eventId, SurveyResponse response, Touchpoint? touchpoint = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var p = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (response.Nps is { } nps)
        {
            p["nps"] = nps.ToString(CultureInfo.InvariantCulture);
        }

        if (response.Csat is { } csat)
        {
            p["csat"] = csat.ToString(CultureInfo.InvariantCulture);
        }

        if (touchpoint is { } t)
        {
            p["touchpoint"] = t.ToString();
        }

        if (response.OrderId is { } order)
        {
            p["orderId"] = order;
        }

        return new CustomerEvent(eventId, response.CustomerId, CustomerEventTypes.SurveyResponse, response.Timestamp, p);
    }

    /// <summary>A lifecycle-transition event.</summary>
    /// <param name="eventId">The event id.</param>
    /// <param name="customerId">The customer.</param>
    /// <param name="timestamp">When.</param>
    /// <param name="from">The previous stage, or <see langword="null"/>.</param>
    /// <param name="to">The new stage.</param>
    /// <returns>The event.</returns>
    public static CustomerEvent LifecycleTransition(string eventId, string customerId, DateTimeOffset timestamp, LifecycleStage? from, LifecycleStage to)
    {
        var p = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["to"] = to.ToString() };
        if (from is { } f)
        {
            p["from"] = f.ToString();
        }

        return new CustomerEvent(eventId, customerId, CustomerEventTypes.LifecycleTransition, timestamp, p);
    }

    /// <summary>Reads an integer property.</summary>
    /// <param name="name">The property.</param>
    /// <returns>The value, or <see langword="null"/> when absent.</returns>
    /// <exception cref="FormatException">Present but not an integer.</exception>
    public int? GetInt(string name) =>
        Properties.TryGetValue(name, out var s) && !string.IsNullOrWhiteSpace(s)
            ? int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : throw new FormatException($"Event property '{name}' is not an integer.")
            : null;

    /// <summary>Reads an enum property by name (ignoring case).</summary>
    /// <typeparam name="T">The enum.</typeparam>
    /// <param name="name">The property.</param>
    /// <returns>The value, or <see langword="null"/> when absent.</returns>
    /// <exception cref="FormatException">Present but not a defined name.</exception>
    public T? GetEnum<T>(string name)
        where T : struct, Enum =>
        Properties.TryGetValue(name, out var s) && !string.IsNullOrWhiteSpace(s)
            ? Enum.TryParse<T>(s, ignoreCase: true, out var v) && !int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) && Enum.IsDefined(v)
                ? v
                : throw new FormatException($"Event property '{name}' must be one of {string.Join(", ", Enum.GetNames<T>())}.")
            : null;

    /// <summary>
    /// Sets the facts this event carries on a rule context: a return sets <see cref="CustomerContext.LastReturn"/>, a survey answer
    /// <see cref="CustomerContext.LastSurvey"/> (and the touchpoint CSAT of <see cref="CustomerContext.LastFeedback"/>), an abandoned cart
    /// <see cref="CustomerContext.CartAbandonedAt"/>, a lifecycle transition <see cref="CustomerContext.LifecycleStage"/>. Other types set nothing.
    /// </summary>
    /// <param name="context">The context of this event's customer.</param>
    /// <exception cref="FormatException">A property has the wrong format.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside its scale.</exception>
    public void ApplyTo(CustomerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Is(CustomerEventTypes.Return))
        {
            Properties.TryGetValue("category", out var category);
            context.SetLastReturn(new ReturnFact(GetEnum<ReturnReason>("reason") ?? ReturnReason.Unspecified, Timestamp, string.IsNullOrWhiteSpace(category) ? null : category));
        }
        else if (Is(CustomerEventTypes.SurveyResponse))
        {
            var nps = GetInt("nps");
            var csat = GetInt("csat");
            context.SetLastSurvey(new SurveyFact(nps, csat, Timestamp));
            var previous = context.LastFeedback ?? default;
            var touchpoint = GetEnum<Touchpoint>("touchpoint");
            context.SetFeedback(new FeedbackFact(nps ?? previous.LastNps, previous.OpenComplaints, csat ?? previous.LastTouchpointCsat, csat is null ? previous.LastTouchpoint : touchpoint));
        }
        else if (Is(CustomerEventTypes.CartAbandoned))
        {
            context.SetCartAbandonedAt(Timestamp);
        }
        else if (Is(CustomerEventTypes.LifecycleTransition))
        {
            context.SetLifecycleStage(GetEnum<LifecycleStage>("to") ?? throw new FormatException("A lifecycle_transition event needs the property 'to'."));
        }
        else if (Is(CustomerEventTypes.ServiceTicket))
        {
            var previous = context.LastFeedback ?? default;
            context.SetFeedback(previous with { OpenComplaints = previous.OpenComplaints + 1 });
        }
    }
}

/// <summary>A source of customer events (the host's event bus, a webhook queue, a CDC stream…), read in order of arrival.</summary>
public interface ICustomerEventSource
{
    /// <summary>Reads the events.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events.</returns>
    IAsyncEnumerable<CustomerEvent> ReadEventsAsync(CancellationToken cancellationToken = default);
}

/// <summary>An <see cref="ICustomerEventSource"/> over a list (tests, replays).</summary>
/// <param name="events">The events, in the order they are read.</param>
public sealed class InMemoryCustomerEventSource(IEnumerable<CustomerEvent> events) : ICustomerEventSource
{
    private readonly CustomerEvent[] _events = [.. events ?? throw new ArgumentNullException(nameof(events))];

    /// <inheritdoc/>
    public async IAsyncEnumerable<CustomerEvent> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var e in _events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return e;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}
