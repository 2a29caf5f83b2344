using CemCore.Kpis;
using CemCore.Sources;
using CemCore.Transactions;

namespace CemCore;

/// <summary>The headline KPIs of a period: sales (customers, orders, revenue, AOV, repeat rate) and survey scores (NPS with its interval,
/// CSAT, CES).</summary>
/// <param name="Window">The period, <c>[Start, End)</c>.</param>
/// <param name="Sales">Sales KPIs over the purchases in the window (returns are not subtracted, as <see cref="SalesKpis"/> defines).</param>
/// <param name="Surveys">Survey KPIs over the responses in the window: each NPS and each CSAT answer of a response is one score.</param>
/// <param name="Transactions">The transaction rows read (purchases and returns).</param>
/// <param name="Responses">The survey responses read.</param>
public sealed record KpiSnapshot(TimeWindow Window, SalesKpiResult Sales, SurveyKpiResult Surveys, long Transactions, long Responses);

/// <summary>
/// The KPI capability: computes a period's headline KPIs from the host's data. The library's <see cref="KpiCalculator"/> reads the registered
/// transaction and feedback sources; a host may replace or decorate it (for example to read pre-aggregated figures from its warehouse).
/// </summary>
public interface IKpiCalculator
{
    /// <summary>Computes the KPIs of a period.</summary>
    /// <param name="window">The period, <c>[Start, End)</c>; unbounded ends read everything on that side.</param>
    /// <param name="cancellationToken">Cancels the computation.</param>
    /// <returns>The snapshot.</returns>
    /// <exception cref="ArgumentException">The window ends before it starts.</exception>
    Task<KpiSnapshot> ComputeAsync(TimeWindow window, CancellationToken cancellationToken = default);
}

/// <summary>
/// The library's <see cref="IKpiCalculator"/>: streams the transaction and feedback sources once through the mergeable
/// <see cref="SalesAccumulator"/> and <see cref="SurveyAccumulator"/> (so memory grows with distinct orders, not rows).
/// </summary>
/// <remarks>Thread-safe: every call has its own accumulators. Rows outside the window are skipped even when a source returns them.</remarks>
public sealed class KpiCalculator : IKpiCalculator
{
    private readonly ITransactionSource[] _transactions;
    private readonly IFeedbackSource[] _feedback;

    /// <summary>Creates the calculator.</summary>
    /// <param name="transactionSources">The transaction sources (possibly none: sales KPIs are then empty).</param>
    /// <param name="feedbackSources">The feedback sources (possibly none: survey KPIs are then empty).</param>
    public KpiCalculator(IEnumerable<ITransactionSource> transactionSources, IEnumerable<IFeedbackSource> feedbackSources)
    {
        ArgumentNullException.ThrowIfNull(transactionSources);
        ArgumentNullException.ThrowIfNull(feedbackSources);
        _transactions = [.. transactionSources];
        _feedback = [.. feedbackSources];
    }

    /// <inheritdoc/>
    public async Task<KpiSnapshot> ComputeAsync(TimeWindow window, CancellationToken cancellationToken = default)
    {
        if (window is { Start: { } s, End: { } e } && e < s)
        {
            throw new ArgumentException("The window ends before it starts.", nameof(window));
        }

        var sales = new SalesAccumulator();
        long rows = 0;
        foreach (var source in _transactions)
        {
            await foreach (var t in source.ReadTransactionsAsync(window, cancellationToken).ConfigureAwait(false))
            {
                if (!window.Contains(t.Timestamp))
                {
                    continue;
                }

                rows++;
                if (t.Kind == TransactionKind.Purchase)
                {
                    sales.Add(t.CustomerId, t.OrderId, t.Amount);
                }
            }
        }

        var surveys = new SurveyAccumulator();
        long responses = 0;
        foreach (var source in _feedback)
        {
            await foreach (var r in source.ReadSurveyResponsesAsync(window, cancellationToken).ConfigureAwait(false))
            {
                if (!window.Contains(r.Timestamp))
                {
                    continue;
                }

                responses++;
                if (r.Nps is { } nps)
                {
                    surveys.Add(SurveyKind.Nps, nps);
                }

                if (r.Csat is { } csat)
                {
                    surveys.Add(SurveyKind.Csat, csat);
                }
            }
        }

        return new KpiSnapshot(window, sales.Finish(), surveys.Finish(), rows, responses);
    }
}
