using System.Globalization;
using CemCore.Features;
using CemCore.Kpis;
using CemCore.Lifecycle;
using CemCore.Segmentation.Rfm;
using CemCore.Transactions;

namespace CemCore.Reporting;

/// <summary>
/// Computes <see cref="KpiReportData"/> from raw inputs: sales KPIs, monthly revenue, cohorts, RFM segments (rf10 map), lifecycle
/// stages and historical CLV from the transactions before as-of; NPS and CSAT per UTC month from the survey answers; Markov attribution
/// from the journey events; and the journey funnel reached (≥ 1 touch) → converted (≥ 1 conversion event) → purchased (≥ 1 order before
/// as-of) → repeat (≥ 2 orders), counting distinct customers; and the journey map by stage (<see cref="JourneyMap"/> with the default
/// stage map, survey touchpoints as pain points).
/// </summary>
public static class KpiReportBuilder
{
    /// <summary>Builds the report data.</summary>
    /// <param name="asOf">The exclusive end instant of the transactions.</param>
    /// <param name="transactions">The transactions, or <see langword="null"/>.</param>
    /// <param name="events">The journey events, or <see langword="null"/>.</param>
    /// <param name="surveys">The survey answers, or <see langword="null"/>.</param>
    /// <returns>The data (A/B read-outs and promotion ROI are left empty: add them with <c>with</c>).</returns>
    public static KpiReportData Build(DateTimeOffset asOf, TransactionTable? transactions, IReadOnlyList<JourneyEvent>? events, IReadOnlyList<SurveyScore>? surveys)
    {
        var data = new KpiReportData { AsOf = asOf };
        var funnel = new List<ReportPoint>();
        if (events is { Count: > 0 })
        {
            data = data with { Attribution = Attribution.Compute(events, AttributionModel.Markov) };
            funnel.Add(new ReportPoint("reached", events.Where(e => !e.IsConversion).Select(e => e.CustomerId).Distinct(StringComparer.Ordinal).Count()));
            funnel.Add(new ReportPoint("converted", events.Where(e => e.IsConversion).Select(e => e.CustomerId).Distinct(StringComparer.Ordinal).Count()));
            var map = JourneyMap.Compute(events, surveys);
            if (map.All.Stages.Any(s => s.Customers > 0))
            {
                data = data with { JourneyStages = map.All.Stages.Select(StagePoint).ToArray() };
            }
        }

        if (surveys is { Count: > 0 })
        {
            data = data with
            {
                Survey = SurveyAccumulator.Compute(surveys),
                NpsTrend = Monthly(surveys, r => r.Nps.Score),
                CsatTrend = Monthly(surveys, r => r.Csat.Score),
            };
        }

        if (transactions is { Count: > 0 })
        {
            var sales = SalesKpis.Compute(transactions, asOf);
            var revenue = new SortedDictionary<int, decimal>();
            var ticks = transactions.UtcTicks;
            var kinds = transactions.Kinds;
            var amounts = transactions.Amounts;
            var perCustomer = new double[transactions.CustomerIds.Count];
            var customer = transactions.CustomerIndex;
            for (var i = 0; i < transactions.Count; i++)
            {
                if (ticks[i] < asOf.UtcTicks && kinds[i] == TransactionKind.Purchase)
                {
                    var m = (new DateTime(ticks[i], DateTimeKind.Utc).Year * 12) + new DateTime(ticks[i], DateTimeKind.Utc).Month - 1;
                    revenue[m] = revenue.GetValueOrDefault(m) + amounts[i];
                    perCustomer[customer[i]] += (double)amounts[i];
                }
            }

            var features = FeatureExtractor.Compute(transactions, asOf);
            var settings = LifecycleClassifier.EstimatePopulationIntervalDays(features) is { } prior
                ? LifecycleSettings.Default.WithPopulationIntervalDays(prior)
                : LifecycleSettings.Default;
            var lifecycle = new LifecycleClassifier(settings).ClassifyAll(features, transactions);
            var rfm = RfmScorer.Score(RfmValues.FromTransactions(transactions, asOf), new RfmSettings(RfmSettings.DefaultBins));
            if (events is { Count: > 0 })
            {
                funnel.Add(new ReportPoint("purchased", sales.Customers));
                funnel.Add(new ReportPoint("repeat", Math.Round((sales.RepeatRate ?? 0) * sales.Customers)));
            }

            data = data with
            {
                Sales = sales,
                MonthlyRevenue = revenue.Select(kv => new ReportPoint(MonthLabel(kv.Key), (double)kv.Value)).ToArray(),
                Cohorts = CohortRetention.Compute(transactions, asOf),
                Clv = perCustomer.Where(v => v > 0).ToArray(),
                Segments = rfm.CountBySegment().Where(kv => kv.Value > 0).Select(kv => new ReportPoint(kv.Key, kv.Value)).ToArray(),
                Lifecycle = Enum.GetValues<LifecycleStage>().Select(s => new ReportPoint(LifecycleRules.StageName(s), lifecycle.CountOf(s))).ToArray(),
            };
        }

        return data with { Funnel = funnel };
    }

    private static ReportPoint StagePoint(JourneyStageSummary s)
    {
        var name = s.Stage switch
        {
            CemCore.Journeys.JourneyStage.Awareness => "awareness",
            CemCore.Journeys.JourneyStage.Consideration => "consideration",
            CemCore.Journeys.JourneyStage.Purchase => "purchase",
            _ => "after-sales",
        };
        return new ReportPoint(s.ConversionRate is { } r ? string.Create(CultureInfo.InvariantCulture, $"{name} ({r:P0} on)") : name, s.Customers);
    }

    private static string MonthLabel(int month) => string.Create(CultureInfo.InvariantCulture, $"{month / 12:0000}-{(month % 12) + 1:00}");

    private static ReportPoint[] Monthly(IReadOnlyList<SurveyScore> surveys, Func<SurveyKpiResult, double?> metric) =>
        SurveyAccumulator.ComputeBy(surveys, s => s.Timestamp.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture))
            .Where(g => metric(g.Value).HasValue)
            .Select(g => new ReportPoint(g.Key, metric(g.Value)!.Value))
            .ToArray();
}
