using System.Globalization;
using System.Net;
using System.Text;
using CemCore.Kpis;
using ScottPlot;

namespace CemCore.Reporting;

/// <summary>
/// Renders <see cref="KpiReportData"/> as one self-contained, offline HTML file: KPI tiles with a revenue trend, cohort retention
/// heatmap, journey funnel, journey map by stage, NPS/CSAT trends with EWMA control limits and CUSUM signals, attribution by channel, segment and lifecycle distributions, CLV
/// distribution, A/B read-out and promotion ROI. Charts are drawn by ScottPlot and inlined as SVG (no script, no external URL); a chart
/// without data says so.
/// </summary>
/// <remarks>Every chart is a <c>&lt;figure class="chart" data-chart="NAME"&gt;</c> holding one <c>&lt;svg&gt;</c> or one
/// <c>&lt;p class="no-data"&gt;</c>; <see cref="ChartNames"/> lists them in page order.</remarks>
public static class KpiReport
{
    private const int Width = 560;
    private const int Height = 320;

    /// <summary>Gets the names of the charts, in page order.</summary>
    public static IReadOnlyList<string> ChartNames { get; } =
        ["revenue-trend", "cohort-heatmap", "journey-funnel", "journey-stages", "nps-trend", "csat-trend", "attribution", "segments", "lifecycle", "clv", "ab-test", "promotion-roi"];

    /// <summary>Renders the report.</summary>
    /// <param name="data">The data.</param>
    /// <param name="title">The page title.</param>
    /// <returns>The HTML document.</returns>
    public static string Render(KpiReportData data, string title = "CemCore KPI report")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(title);
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n<style>")
          .Append("body{font-family:system-ui,sans-serif;margin:24px;background:#f6f7f9;color:#1d2330}h1{margin:0 0 4px}.sub{color:#667}")
          .Append(".tiles{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}.tile{background:#fff;border-radius:8px;padding:12px 16px;min-width:130px;box-shadow:0 1px 3px #0002}")
          .Append(".tile b{display:block;font-size:24px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:16px}")
          .Append("figure.chart{background:#fff;margin:0;padding:8px;border-radius:8px;box-shadow:0 1px 3px #0002}figcaption{font-weight:600;margin:4px 8px}")
          .Append(".no-data{color:#889;padding:40px;text-align:center}svg{max-width:100%;height:auto}</style></head><body>\n")
          .Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1><div class=\"sub\">Data before ")
          .Append(data.AsOf.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", inv)).Append("</div>\n<div class=\"tiles\">");
        Tiles(sb, data);
        sb.Append("</div>\n<div class=\"grid\">\n");
        Figure(sb, "revenue-trend", "Revenue per month", data.MonthlyRevenue.Count == 0 ? null : Line(data.MonthlyRevenue, "revenue", null));
        Figure(sb, "cohort-heatmap", "Cohort retention (share active by months since first purchase)", data.Cohorts is { Cohorts.Count: > 0 } c ? Heatmap(c) : null);
        Figure(sb, "journey-funnel", "Journey funnel (customers reaching each stage)", data.Funnel.Count == 0 ? null : Bars(data.Funnel, "customers", horizontal: false));
        Figure(sb, "journey-stages", "Journey map: customers per stage (conversion to the next stage)", data.JourneyStages.Count == 0 ? null : Bars(data.JourneyStages, "customers", horizontal: false));
        Figure(sb, "nps-trend", "NPS per month with EWMA control limits and CUSUM signals", data.NpsTrend.Count == 0 ? null : Line(data.NpsTrend, "NPS", ControlChart.Ewma(Values(data.NpsTrend)), ControlChart.Cusum(Values(data.NpsTrend))));
        Figure(sb, "csat-trend", "CSAT (share 4-5) per month with EWMA control limits and CUSUM signals", data.CsatTrend.Count == 0 ? null : Line(data.CsatTrend, "CSAT", ControlChart.Ewma(Values(data.CsatTrend)), ControlChart.Cusum(Values(data.CsatTrend))));
        Figure(sb, "attribution", data.Attribution is { } a ? $"Attribution by channel ({a.Model})" : "Attribution by channel", data.Attribution is { Channels.Count: > 0 } at
            ? Bars(at.Channels.Select(x => new ReportPoint(x.Key, x.Value.Conversions)).ToArray(), "conversions", horizontal: false) : null);
        Figure(sb, "segments", "Customers per segment", data.Segments.Count == 0 ? null : Bars(data.Segments, "customers", horizontal: true));
        Figure(sb, "lifecycle", "Customers per lifecycle stage", data.Lifecycle.Count == 0 ? null : Bars(data.Lifecycle, "customers", horizontal: false));
        Figure(sb, "clv", "CLV distribution (customers per value band)", data.Clv.Count == 0 ? null : Histogram(data.Clv));
        Figure(sb, "ab-test", "A/B read-out (conversion rate)", data.Experiments.Count == 0 ? null : Experiments(data.Experiments));
        Figure(sb, "promotion-roi", "Promotion ROI against holdout", data.PromotionRoi.Count == 0 ? null : Bars(data.PromotionRoi, "ROI", horizontal: false));
        sb.Append("</div>\n</body></html>\n");
        return sb.ToString();
    }

    private static double[] Values(IReadOnlyList<ReportPoint> points) => points.Select(p => p.Value).ToArray();

    private static void Tiles(StringBuilder sb, KpiReportData data)
    {
        var inv = CultureInfo.InvariantCulture;
        void Tile(string label, string value) =>
            sb.Append("<div class=\"tile\">").Append(WebUtility.HtmlEncode(label)).Append("<b>").Append(WebUtility.HtmlEncode(value)).Append("</b></div>");
        static string Or(double? v, string format, IFormatProvider p) => v is { } x ? x.ToString(format, p) : "n/a";
        if (data.Sales is { } s)
        {
            Tile("Customers", s.Customers.ToString("N0", inv));
            Tile("Orders", s.Orders.ToString("N0", inv));
            Tile("Revenue", s.Revenue.ToString("N2", inv));
            Tile("Average order value", Or(s.Aov, "N2", inv));
            Tile("Repeat rate", Or(s.RepeatRate, "P1", inv));
            if (data.MonthlyRevenue.Count >= 2)
            {
                var last = data.MonthlyRevenue[^1].Value;
                var prev = data.MonthlyRevenue[^2].Value;
                Tile("Revenue vs previous month", prev == 0 ? "n/a" : ((last - prev) / prev).ToString("+0.0%;-0.0%", inv));
            }
        }

        if (data.Survey is { } v)
        {
            Tile("NPS", v.Nps.Score is { } n ? string.Create(inv, $"{n:0.0} [{v.Nps.CiLow:0.0}, {v.Nps.CiHigh:0.0}]") : "n/a");
            Tile("CSAT", Or(v.Csat.Score, "P1", inv));
            Tile("CES", Or(v.Ces.Mean, "0.00", inv));
        }
    }

    private static void Figure(StringBuilder sb, string name, string caption, string? svg)
    {
        sb.Append("<figure class=\"chart\" data-chart=\"").Append(name).Append("\"><figcaption>").Append(WebUtility.HtmlEncode(caption)).Append("</figcaption>");
        if (svg is null)
        {
            sb.Append("<p class=\"no-data\">No data for this chart.</p>");
        }
        else
        {
            sb.Append(svg);
        }

        sb.Append("</figure>\n");
    }

    private static string Svg(Plot plot)
    {
        var xml = plot.GetSvgXml(Width, Height);
        var start = xml.IndexOf("<svg", StringComparison.Ordinal);
        return start > 0 ? xml[start..] : xml;
    }

    private static Plot NewPlot(string yLabel)
    {
        var plot = new Plot();
        plot.YLabel(yLabel);
        return plot;
    }

    private static void LabelTicks(Plot plot, string[] labels, bool horizontal)
    {
        var positions = Enumerable.Range(0, labels.Length).Select(i => (double)i).ToArray();
        if (horizontal)
        {
            plot.Axes.Left.SetTicks(positions, labels);
        }
        else
        {
            plot.Axes.Bottom.SetTicks(positions, labels);
        }

        if (!horizontal && (labels.Length > 6 || labels.Any(l => l.Length > 8)))
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            plot.Axes.Bottom.MinimumSize = 20 + (7 * labels.Max(l => l.Length));
        }
    }

    private static string Bars(IReadOnlyList<ReportPoint> points, string valueLabel, bool horizontal)
    {
        using var plot = NewPlot(horizontal ? string.Empty : valueLabel);
        var bars = plot.Add.Bars(Values(points));
        if (horizontal)
        {
            bars.Horizontal = true;
            plot.XLabel(valueLabel);
        }

        LabelTicks(plot, points.Select(p => p.Label).ToArray(), horizontal);
        if (horizontal)
        {
            plot.Axes.Margins(left: 0);
        }
        else
        {
            plot.Axes.Margins(bottom: 0);
        }

        return Svg(plot);
    }

    private static string Line(IReadOnlyList<ReportPoint> points, string valueLabel, IReadOnlyList<ControlPoint>? control, IReadOnlyList<CusumPoint>? cusum = null)
    {
        using var plot = NewPlot(valueLabel);
        var xs = Enumerable.Range(0, points.Count).Select(i => (double)i).ToArray();
        var series = plot.Add.Scatter(xs, Values(points));
        series.LegendText = valueLabel;
        if (control is { Count: > 0 })
        {
            var ewma = plot.Add.Scatter(xs, control.Select(c => c.Ewma).ToArray());
            ewma.LegendText = "EWMA";
            var upper = plot.Add.Scatter(xs, control.Select(c => c.Upper).ToArray());
            upper.LegendText = "control limits";
            upper.LinePattern = LinePattern.Dashed;
            upper.MarkerSize = 0;
            var lower = plot.Add.Scatter(xs, control.Select(c => c.Lower).ToArray(), upper.Color);
            lower.LinePattern = LinePattern.Dashed;
            lower.MarkerSize = 0;
            var flagged = control.Select((c, i) => (c, i)).Where(p => p.c.OutOfControl).ToArray();
            if (flagged.Length > 0)
            {
                var marks = plot.Add.Scatter(flagged.Select(f => (double)f.i).ToArray(), flagged.Select(f => f.c.Ewma).ToArray(), Colors.Red);
                marks.LineWidth = 0;
                marks.MarkerSize = 10;
                marks.LegendText = "out of control";
            }

            var signals = (cusum ?? []).Select((c, i) => (c, i)).Where(p => p.c.OutOfControl).ToArray();
            if (signals.Length > 0)
            {
                var marks = plot.Add.Scatter(signals.Select(f => (double)f.i).ToArray(), signals.Select(f => f.c.Value).ToArray(), Colors.Orange);
                marks.LineWidth = 0;
                marks.MarkerSize = 12;
                marks.MarkerShape = MarkerShape.OpenCircle;
                marks.LegendText = "CUSUM signal";
            }

            plot.ShowLegend(Alignment.UpperLeft);
        }

        LabelTicks(plot, points.Select(p => p.Label).ToArray(), horizontal: false);
        return Svg(plot);
    }

    private static string Heatmap(CohortMatrix matrix)
    {
        var rows = matrix.Cohorts.Count;
        var cols = matrix.Cohorts.Max(c => c.Active.Count);
#pragma warning disable CA1814 // ScottPlot's heatmap takes a rectangular array.
        var values = new double[rows, cols];
#pragma warning restore CA1814
        for (var r = 0; r < rows; r++)
        {
            for (var k = 0; k < cols; k++)
            {
                values[r, k] = k < matrix.Cohorts[r].Active.Count ? matrix.Cohorts[r].Retention(k) : double.NaN;
            }
        }

        using var plot = NewPlot("cohort");
        plot.XLabel("months since first purchase");
        var heat = plot.Add.Heatmap(values);
        heat.Colormap = new ScottPlot.Colormaps.Viridis();
        heat.NaNCellColor = Colors.Transparent;
        plot.Add.ColorBar(heat);
        var labels = matrix.Cohorts.Select(c => c.Label).ToArray();
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(i => (double)(rows - 1 - i)).ToArray(), labels);
        return Svg(plot);
    }

    private static string Histogram(IReadOnlyList<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        var min = finite.Min();
        var max = finite.Max();
        const int Bins = 20;
        var width = max > min ? (max - min) / Bins : 1.0;
        var counts = new double[Bins];
        foreach (var v in finite)
        {
            counts[Math.Min(Bins - 1, (int)((v - min) / width))]++;
        }

        using var plot = NewPlot("customers");
        plot.XLabel("value");
        var bars = plot.Add.Bars(Enumerable.Range(0, Bins).Select(i => min + ((i + 0.5) * width)).ToArray(), counts);
        foreach (var b in bars.Bars)
        {
            b.Size = width * 0.95;
        }

        plot.Axes.Margins(bottom: 0);
        return Svg(plot);
    }

    private static string Experiments(IReadOnlyList<AbReadout> experiments)
    {
        using var plot = NewPlot("conversion rate");
        var control = new List<Bar>();
        var treatment = new List<Bar>();
        for (var i = 0; i < experiments.Count; i++)
        {
            var e = experiments[i];
            control.Add(new Bar { Position = (3 * i) + 0, Value = e.ControlRate, FillColor = Colors.Gray });
            treatment.Add(new Bar
            {
                Position = (3 * i) + 1,
                Value = e.TreatmentRate,
                FillColor = Colors.SteelBlue,
                Error = (e.LiftHigh - e.LiftLow) / 2,
            });
        }

        plot.Add.Bars(control).LegendText = "control";
        plot.Add.Bars(treatment).LegendText = "treatment (± half lift CI)";
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, experiments.Count).Select(i => (3 * i) + 0.5).ToArray(), experiments.Select(e => e.Name).ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.ShowLegend(Alignment.UpperRight);
        return Svg(plot);
    }
}
