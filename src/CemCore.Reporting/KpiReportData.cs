using CemCore.Kpis;

namespace CemCore.Reporting;

/// <summary>A labelled number of a chart (a bar, a period, a segment).</summary>
/// <param name="Label">The label.</param>
/// <param name="Value">The value.</param>
public sealed record ReportPoint(string Label, double Value);

/// <summary>An A/B test read-out shown in the report.</summary>
/// <param name="Name">The experiment.</param>
/// <param name="ControlRate">The control conversion rate.</param>
/// <param name="TreatmentRate">The treatment conversion rate.</param>
/// <param name="LiftLow">The lower bound of the 95 % interval of the absolute lift.</param>
/// <param name="LiftHigh">The upper bound of the 95 % interval of the absolute lift.</param>
public sealed record AbReadout(string Name, double ControlRate, double TreatmentRate, double LiftLow, double LiftHigh);

/// <summary>Everything the report shows; a missing part renders as a chart saying it has no data.</summary>
public sealed record KpiReportData
{
    /// <summary>Gets the as-of instant (exclusive) of the data.</summary>
    public required DateTimeOffset AsOf { get; init; }

    /// <summary>Gets the sales KPIs, or <see langword="null"/>.</summary>
    public SalesKpiResult? Sales { get; init; }

    /// <summary>Gets the survey KPIs, or <see langword="null"/>.</summary>
    public SurveyKpiResult? Survey { get; init; }

    /// <summary>Gets the revenue per month (trend of the KPI tiles).</summary>
    public IReadOnlyList<ReportPoint> MonthlyRevenue { get; init; } = [];

    /// <summary>Gets the cohort matrix, or <see langword="null"/>.</summary>
    public CohortMatrix? Cohorts { get; init; }

    /// <summary>Gets the journey funnel: customers reaching each stage, in stage order.</summary>
    public IReadOnlyList<ReportPoint> Funnel { get; init; } = [];

    /// <summary>Gets the journey map of all customers: customers per stage (awareness, consideration, purchase, after-sales) with the
    /// conversion to the next stage in the label.</summary>
    public IReadOnlyList<ReportPoint> JourneyStages { get; init; } = [];

    /// <summary>Gets the NPS per month.</summary>
    public IReadOnlyList<ReportPoint> NpsTrend { get; init; } = [];

    /// <summary>Gets the CSAT share per month.</summary>
    public IReadOnlyList<ReportPoint> CsatTrend { get; init; } = [];

    /// <summary>Gets the attribution, or <see langword="null"/>.</summary>
    public AttributionResult? Attribution { get; init; }

    /// <summary>Gets the customers per segment.</summary>
    public IReadOnlyList<ReportPoint> Segments { get; init; } = [];

    /// <summary>Gets the customers per lifecycle stage.</summary>
    public IReadOnlyList<ReportPoint> Lifecycle { get; init; } = [];

    /// <summary>Gets one CLV per customer (historical or predicted).</summary>
    public IReadOnlyList<double> Clv { get; init; } = [];

    /// <summary>Gets the A/B read-outs.</summary>
    public IReadOnlyList<AbReadout> Experiments { get; init; } = [];

    /// <summary>Gets the promotion ROI per campaign (ROI = incremental margin / cost).</summary>
    public IReadOnlyList<ReportPoint> PromotionRoi { get; init; } = [];
}
