using System.Globalization;
using System.Text;
using CemCore.Cli.Commands;
using CemCore.Feedback;
using CemCore.Journeys;
using CemCore.Kpis;
using CemCore.Reporting;
using CemCore.Transactions;

namespace CemCore.Cli.Demo;

/// <summary>
/// Demo section: a KPI dashboard in the terminal (sales, NPS/CSAT, cohorts, Markov attribution) and the HTML report written to the temp
/// folder (<c>context.Json["kpis"]</c>). Journey touches come from the demo's interaction events; every purchase order is a conversion.
/// </summary>
internal static class KpiDemo
{
    public static void Run(DemoContext context)
    {
        var t = context.Transactions;
        var events = ((IReadOnlyList<InteractionEvent>)context.Extras["events"])
            .Select(e => JourneyEvent.Touch(e.CustomerId, e.Timestamp, e.Touchpoint.ToString()))
            .ToList();
        var seen = new HashSet<int>();
        for (var i = 0; i < t.Count; i++)
        {
            if (t.Kinds[i] == TransactionKind.Purchase && t.UtcTicks[i] < context.AsOf.UtcTicks && seen.Add(t.OrderIndex[i]))
            {
                events.Add(JourneyEvent.Conversion(t.CustomerIds[t.CustomerIndex[i]], new DateTimeOffset(t.UtcTicks[i], TimeSpan.Zero), t.Amounts[i]));
            }
        }

        var surveys = new List<SurveyScore>();
        foreach (var s in (IReadOnlyList<SurveyResponse>)context.Extras["surveys"])
        {
            if (s.Nps is { } n)
            {
                surveys.Add(new SurveyScore(s.CustomerId, s.Timestamp, SurveyKind.Nps, n));
            }

            if (s.Csat is { } c)
            {
                surveys.Add(new SurveyScore(s.CustomerId, s.Timestamp, SurveyKind.Csat, c));
            }
        }

        var data = KpiReportBuilder.Build(context.AsOf, t, events, surveys);
        var path = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"cemcore-demo-report-{context.Seed}.html"));
        File.WriteAllText(path, KpiReport.Render(data, "CemCore demo KPI report"), new UTF8Encoding(false));

        context.Heading("KPI dashboard");
        var sales = data.Sales!;
        var survey = data.Survey;
        context.Line(string.Create(CultureInfo.InvariantCulture, $"customers {sales.Customers:N0} | orders {sales.Orders:N0} | revenue {sales.Revenue:N2} | AOV {sales.Aov:N2} | repeat {sales.RepeatRate:P1}"));
        if (survey is not null)
        {
            context.Line(string.Create(CultureInfo.InvariantCulture, $"NPS {survey.Nps.Score:F1} [{survey.Nps.CiLow:F1}, {survey.Nps.CiHigh:F1}] (n={survey.Nps.Responses}) | CSAT {survey.Csat.Score:P1} (n={survey.Csat.Responses})"));
        }

        foreach (var row in data.Cohorts!.Cohorts.TakeLast(3))
        {
            context.Line(string.Create(CultureInfo.InvariantCulture, $"cohort {row.Label}: {row.Customers} customers, retention {string.Join(' ', Enumerable.Range(0, row.Active.Count).Select(k => row.Retention(k).ToString("P0", CultureInfo.InvariantCulture)))}"));
        }

        if (data.JourneyStages.Count > 0)
        {
            context.Line("journey map: " + string.Join(" | ", data.JourneyStages.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Label} {p.Value:N0}"))));
        }

        context.Line("Markov attribution: " + string.Join(", ", data.Attribution!.Channels.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value.Conversions:F1}"))));
        context.Line($"report written to {path}");
        var json = KpiCommands.SalesJson(sales);
        if (survey is not null)
        {
            json["nps"] = KpiCommands.SurveyJson(survey)["nps"]!.DeepClone();
        }

        json["cohorts"] = data.Cohorts.Cohorts.Count;
        json["report"] = path;
        context.Json["kpis"] = json;
    }
}
