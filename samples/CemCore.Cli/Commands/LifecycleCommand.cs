using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore lifecycle --transactions F --as-of DATE [--out OUT.csv] [--format json]</c>: the lifecycle stage of every customer.
/// </summary>
/// <remarks>
/// <para>As-of DATE is the start of DATE in UTC and is exclusive (purchases on DATE are not counted). The population prior of the expected
/// interval is the median mean-interval of the file's repeat buyers (<see cref="LifecycleClassifier.EstimatePopulationIntervalDays"/>),
/// other thresholds are <see cref="LifecycleSettings.Default"/>. Revival uses the transactions' last intervals.</para>
/// <para>JSON: <c>{"customers":N,"stages":{"prospect":n,"new":n,"growth":n,"maturity":n,"decline":n,"dormant":n,"revived":n}}</c> — every stage,
/// zero counts included. OUT.csv: <c>customer_id,stage,days_since_last_purchase,expected_interval_days,reason</c> (days with up to 4
/// decimals, empty for prospects; reason = the rule text).</para>
/// </remarks>
internal static class LifecycleCommand
{
    public static Command Create()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE (exclusive): purchases on DATE or later are not counted.", required: true);
        var outPath = CliOptions.OutputFile("--out", "Output CSV: customer_id,stage,days_since_last_purchase,expected_interval_days,reason.");
        var encoding = CliInput.EncodingOption();
        var format = CliOptions.Format();
        var command = new Command("lifecycle", "Lifecycle stage (prospect, new, growth, maturity, decline, dormant, revived) of every customer, with the playbook action.") { transactions, asOf, outPath, encoding, format };
        CliHelp.Examples(
            command,
            "cemcore lifecycle --transactions tx.csv --as-of 2024-07-01",
            "cemcore lifecycle --transactions tx.csv --as-of 2024-07-01 --out stages.csv --format json");
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(transactions)!, parse.GetValue(asOf)!.Value, parse.GetValue(outPath), parse.GetValue(encoding)!, parse.IsJson(format), ct));
        return command;
    }

    private static Task<int> RunAsync(string path, DateOnly date, string? outPath, string encoding, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--out", outPath, ("--transactions", path));

        var asOf = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var table = CliInput.ReadTransactions(path, encoding, null, cancellationToken);
        CliInput.WarnIfAsOfBeforeAllData("lifecycle", table, asOf);
        var features = FeatureExtractor.Compute(table, asOf, cancellationToken: cancellationToken);
        var settings = LifecycleClassifier.EstimatePopulationIntervalDays(features) is { } prior
            ? LifecycleSettings.Default.WithPopulationIntervalDays(prior)
            : LifecycleSettings.Default;
        var snapshot = new LifecycleClassifier(settings).ClassifyAll(features, table, cancellationToken: cancellationToken);

        if (outPath is not null)
        {
            WriteCsv(outPath, snapshot);
        }

        if (json)
        {
            CliJson.Write(ToJson(snapshot));
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{snapshot.Count} customers as of {date:yyyy-MM-dd} (exclusive); population prior interval {settings.PopulationIntervalDays:0.##} days"));
            foreach (var stage in Enum.GetValues<LifecycleStage>())
            {
                var n = snapshot.CountOf(stage);
                var share = snapshot.Count == 0 ? 0.0 : (double)n / snapshot.Count;
                Console.Out.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {LifecycleRules.StageName(stage),-9} {n,9} {share,7:P1}  -> {LifecyclePlaybook.Default.ActionFor(stage)}"));
            }

            if (outPath is not null)
            {
                Console.Out.WriteLine("wrote " + outPath);
            }
        }

        return Task.FromResult(0);
    }

    internal static JsonObject ToJson(LifecycleSnapshot snapshot)
    {
        var stages = new JsonObject();
        foreach (var stage in Enum.GetValues<LifecycleStage>())
        {
            stages[LifecycleRules.StageName(stage)] = snapshot.CountOf(stage);
        }

        return new JsonObject { ["customers"] = snapshot.Count, ["stages"] = stages };
    }

    private static void WriteCsv(string path, LifecycleSnapshot snapshot)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        writer.NewLine = "\n";
        writer.WriteLine("customer_id,stage,days_since_last_purchase,expected_interval_days,reason");
        var assessments = snapshot.Assessments;
        for (var i = 0; i < snapshot.Count; i++)
        {
            var a = assessments[i];
            writer.Write(Quote(snapshot.CustomerIds[i]));
            writer.Write(',');
            writer.Write(LifecycleRules.StageName(a.Stage));
            writer.Write(',');
            writer.Write(Days(a.DaysSinceLastPurchase));
            writer.Write(',');
            writer.Write(Days(a.ExpectedIntervalDays));
            writer.Write(',');
            writer.WriteLine(Quote(a.Reason));
        }
    }

    private static string Days(double days) => double.IsNaN(days) ? string.Empty : days.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
