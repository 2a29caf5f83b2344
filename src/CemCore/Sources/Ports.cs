using CemCore.Customers;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Transactions;

namespace CemCore.Sources;

/// <summary>A half-open window of instants <c>[Start, End)</c>. A <see langword="null"/> bound is open.</summary>
/// <param name="Start">Inclusive start, or <see langword="null"/> for no lower bound.</param>
/// <param name="End">Exclusive end, or <see langword="null"/> for no upper bound.</param>
public readonly record struct TimeWindow(DateTimeOffset? Start, DateTimeOffset? End)
{
    /// <summary>Gets the unbounded window (the default value).</summary>
    public static TimeWindow All => default;

    /// <summary>Returns whether <paramref name="instant"/> is in <c>[Start, End)</c>.</summary>
    /// <param name="instant">The instant.</param>
    /// <returns><see langword="true"/> when inside.</returns>
    public bool Contains(DateTimeOffset instant) =>
        (Start is not { } s || instant >= s) && (End is not { } e || instant < e);

    /// <summary>Validates that <c>Start &lt;= End</c>.</summary>
    /// <returns>This window.</returns>
    /// <exception cref="ArgumentException">Start is after End.</exception>
    public TimeWindow Validate() =>
        Start is { } s && End is { } e && s > e
            ? throw new ArgumentException("The window's Start is after its End.", nameof(Start))
            : this;
}

/// <summary>The host's customer store. Implementations stream profiles and honour cancellation.</summary>
public interface ICustomerSource
{
    /// <summary>Streams every customer profile.</summary>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The profiles, in any order.</returns>
    IAsyncEnumerable<CustomerProfile> ReadCustomersAsync(CancellationToken cancellationToken = default);
}

/// <summary>The host's order store.</summary>
public interface ITransactionSource
{
    /// <summary>Streams purchases and returns whose timestamp lies in <paramref name="window"/> (<c>[Start, End)</c>).</summary>
    /// <param name="window">The window; <see cref="TimeWindow.All"/> for everything.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>Transactions, in any order (feature extraction does not require time order).</returns>
    IAsyncEnumerable<Transaction> ReadTransactionsAsync(TimeWindow window, CancellationToken cancellationToken = default);
}

/// <summary>The host's event stream of journey interactions.</summary>
public interface IInteractionEventSource
{
    /// <summary>Streams interaction events whose timestamp lies in <paramref name="window"/>.</summary>
    /// <param name="window">The window.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>Events, in any order.</returns>
    IAsyncEnumerable<InteractionEvent> ReadEventsAsync(TimeWindow window, CancellationToken cancellationToken = default);
}

/// <summary>The host's store of survey responses and service tickets.</summary>
public interface IFeedbackSource
{
    /// <summary>Streams survey responses in <paramref name="window"/>.</summary>
    /// <param name="window">The window.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>Responses, in any order.</returns>
    IAsyncEnumerable<SurveyResponse> ReadSurveyResponsesAsync(TimeWindow window, CancellationToken cancellationToken = default);

    /// <summary>Streams service tickets opened in <paramref name="window"/>.</summary>
    /// <param name="window">The window.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>Tickets, in any order.</returns>
    IAsyncEnumerable<ServiceTicket> ReadTicketsAsync(TimeWindow window, CancellationToken cancellationToken = default);
}
