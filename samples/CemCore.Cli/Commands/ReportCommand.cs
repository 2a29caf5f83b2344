using System.CommandLine;
using System.Text;
using CemCore.Cli.CommandLine;
using CemCore.Kpis;
using CemCore.Reporting;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore report --transactions F [--events E.csv] [--feedback S.csv] --as-of DATE --out report.html</c>: the marketer's
/// self-contained offline HTML report (issue 10, docs/kpis.md).
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var events = CliOptions.OptionalPath("--events", "Journey events CSV customer_id,timestamp,touchpoint,type,value.");
        var feedback = CliOptions.OptionalPath("--feedback", "Survey CSV customer_id,timestamp,kind,score.");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE; transactions strictly before it count.", required: true);
        var output = CliOptions.OutputFile("--out", "The HTML file to write.");
        output.Required = true;
        var command = new Command("report", "Write the self-contained HTML KPI report.") { transactions, events, feedback, asOf, output };
        command.SetAction((parse, ct) =>
        {
            var table = CsvTransactionReader.ReadTable(parse.GetValue(transactions)!, null, ct);
            var ev = parse.GetValue(events) is { } e ? KpiCsvReaders.ReadEvents(e) : null;
            var fb = parse.GetValue(feedback) is { } f ? KpiCsvReaders.ReadSurvey(f) : null;
            var data = KpiReportBuilder.Build(CliOptions.StartOfDayUtc(parse.GetValue(asOf)!.Value), table, ev, fb);
            var path = parse.GetValue(output)!;
            File.WriteAllText(path, KpiReport.Render(data), new UTF8Encoding(false));
            Console.Out.WriteLine($"report written to {path}");
            return Task.FromResult(0);
        });
        return command;
    }
}
