using System.Runtime.CompilerServices;
using CemCore.Customers;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Transactions;

namespace CemCore.Sources;

/// <summary>An <see cref="ICustomerSource"/> over profiles held in memory (tests, samples, small hosts).</summary>
/// <remarks>The profiles are copied on construction. Thread-safe; every enumeration yields them in the given order.</remarks>
public sealed class InMemoryCustomerSource : ICustomerSource
{
    private readonly CustomerProfile[] _items;

    /// <summary>Creates the source.</summary>
    /// <param name="customers">The profiles.</param>
    /// <exception cref="ArgumentNullException"><paramref name="customers"/> or one of its items is null.</exception>
    public InMemoryCustomerSource(IEnumerable<CustomerProfile> customers) => _items = InMemory.Copy(customers);

    /// <summary>Gets the number of profiles.</summary>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public IAsyncEnumerable<CustomerProfile> ReadCustomersAsync(CancellationToken cancellationToken = default) =>
        InMemory.Stream(_items, static _ => true, cancellationToken);
}

/// <summary>An <see cref="ITransactionSource"/> over transactions held in memory; honours the window <c>[Start, End)</c>.</summary>
/// <remarks>The transactions are copied on construction. Thread-safe; enumeration keeps the given order.</remarks>
public sealed class InMemoryTransactionSource : ITransactionSource
{
    private readonly Transaction[] _items;

    /// <summary>Creates the source.</summary>
    /// <param name="transactions">The transactions.</param>
    /// <exception cref="ArgumentNullException"><paramref name="transactions"/> or one of its items is null.</exception>
    public InMemoryTransactionSource(IEnumerable<Transaction> transactions) => _items = InMemory.Copy(transactions);

    /// <summary>Gets the number of transactions.</summary>
    public int Count => _items.Length;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The window's start is after its end.</exception>
    public IAsyncEnumerable<Transaction> ReadTransactionsAsync(TimeWindow window, CancellationToken cancellationToken = default)
    {
        window.Validate();
        return InMemory.Stream(_items, t => window.Contains(t.Timestamp), cancellationToken);
    }
}

/// <summary>An <see cref="IInteractionEventSource"/> over events held in memory; honours the window <c>[Start, End)</c>.</summary>
/// <remarks>The events are copied on construction. Thread-safe.</remarks>
public sealed class InMemoryInteractionEventSource : IInteractionEventSource
{
    private readonly InteractionEvent[] _items;

    /// <summary>Creates the source.</summary>
    /// <param name="events">The events.</param>
    /// <exception cref="ArgumentNullException"><paramref name="events"/> or one of its items is null.</exception>
    public InMemoryInteractionEventSource(IEnumerable<InteractionEvent> events) => _items = InMemory.Copy(events);

    /// <summary>Gets the number of events.</summary>
    public int Count => _items.Length;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The window's start is after its end.</exception>
    public IAsyncEnumerable<InteractionEvent> ReadEventsAsync(TimeWindow window, CancellationToken cancellationToken = default)
    {
        window.Validate();
        return InMemory.Stream(_items, e => window.Contains(e.Timestamp), cancellationToken);
    }
}

/// <summary>An <see cref="IFeedbackSource"/> over survey responses and tickets held in memory; honours the window <c>[Start, End)</c>.</summary>
/// <remarks>The items are copied on construction. Thread-safe. Tickets are filtered by <see cref="ServiceTicket.OpenedAt"/>.</remarks>
public sealed class InMemoryFeedbackSource : IFeedbackSource
{
    private readonly SurveyResponse[] _responses;
    private readonly ServiceTicket[] _tickets;

    /// <summary>Creates the source.</summary>
    /// <param name="responses">The survey responses.</param>
    /// <param name="tickets">The service tickets, or <see langword="null"/> for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="responses"/> or an item is null.</exception>
    public InMemoryFeedbackSource(IEnumerable<SurveyResponse> responses, IEnumerable<ServiceTicket>? tickets = null)
    {
        _responses = InMemory.Copy(responses);
        _tickets = tickets is null ? [] : InMemory.Copy(tickets);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The window's start is after its end.</exception>
    public IAsyncEnumerable<SurveyResponse> ReadSurveyResponsesAsync(TimeWindow window, CancellationToken cancellationToken = default)
    {
        window.Validate();
        return InMemory.Stream(_responses, r => window.Contains(r.Timestamp), cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">The window's start is after its end.</exception>
    public IAsyncEnumerable<ServiceTicket> ReadTicketsAsync(TimeWindow window, CancellationToken cancellationToken = default)
    {
        window.Validate();
        return InMemory.Stream(_tickets, t => window.Contains(t.OpenedAt), cancellationToken);
    }
}

/// <summary>Shared plumbing of the in-memory sources.</summary>
internal static class InMemory
{
    public static T[] Copy<T>(IEnumerable<T> items, [CallerArgumentExpression(nameof(items))] string? paramName = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(items, paramName);
        var copy = items.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (copy[i] is null)
            {
                throw new ArgumentNullException(paramName, $"Element {i} of {paramName} is null.");
            }
        }

        return copy;
    }

    public static async IAsyncEnumerable<T> Stream<T>(T[] items, Func<T, bool> include, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        for (var i = 0; i < items.Length; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (include(items[i]))
            {
                yield return items[i];
            }
        }
    }
}
