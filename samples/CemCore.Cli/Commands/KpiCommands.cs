using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Kpis;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore cohorts</c>, <c>cemcore kpis</c> and <c>cemcore attribution</c> (issue 10, docs/kpis.md). JSON contracts:
/// <c>{"cohorts":[{"cohort":"YYYY-MM","customers":N,"active":[n0,...]}]}</c>;
/// <c>{"nps":{...},"csat":{...},"ces":{...},"sales":{...}}</c>;
/// <c>{"model":"..","conversions":N,"value":X,"channels":{"&lt;touchpoint&gt;":{"conversions":X,"value":X}}}</c>.
/// </summary>
internal static class KpiCommands
{
    private static readonly string[] ModelNames = ["first", "last", "linear", "time-decay", "position", "markov"];

    public static Command CreateCohorts()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE; purchases strictly before it count (default: all).");
        var partitions = Partitioned.Option();
        var format = CliOptions.Format();
        var command = new Command("cohorts", "Cohort retention matrix by acquisition month (UTC).") { transactions, asOf, partitions, format };
        command.SetAction((parse, ct) => Task.FromResult(RunCohorts(parse.GetValue(transactions)!, parse.GetValue(asOf), parse.GetValue(partitions), parse.IsJson(format), ct)));
        return command;
    }

    public static Command CreateKpis()
    {
        var feedback = CliOptions.OptionalPath("--feedback", "Survey CSV customer_id,timestamp,kind,score (nps 0-10, csat 1-5, ces 1-7).");
        var transactions = CliOptions.OptionalPath("--transactions", "Transactions CSV for the sales KPIs (needs --as-of).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE; sales strictly before it count.");
        var format = CliOptions.Format();
        var command = new Command("kpis", "Survey KPIs (NPS with 95% CI, CSAT, CES) and sales KPIs.") { feedback, transactions, asOf, format };
        command.SetAction((parse, ct) => Task.FromResult(RunKpis(parse.GetValue(feedback), parse.GetValue(transactions), parse.GetValue(asOf), parse.IsJson(format), ct)));
        return command;
    }

    public static Command CreateAttribution()
    {
        var events = CliOptions.RequiredPath("--events", "Events CSV customer_id,timestamp,touchpoint,type,value (type touch|conversion).");
        var model = new Option<string>("--model")
        {
            Description = "Attribution model.",
            Required = true,
            HelpName = string.Join('|', ModelNames),
        }.AcceptOnlyFromAmong(ModelNames);
        var halfLife = CliOptions.Number("--half-life-days", "Time-decay half-life in days (accepted by every model).", 7, min: 1e-9, max: 1e6);
        var lookback = CliOptions.Number("--lookback-days", "Touches at most this many days before a conversion belong to its path.", 30, min: 1e-9, max: 1e6);
        var format = CliOptions.Format();
        var command = new Command("attribution", "Conversion credit by touchpoint (first, last, linear, time-decay, position, markov).") { events, model, halfLife, lookback, format };
        command.SetAction((parse, ct) => Task.FromResult(RunAttribution(
            parse.GetValue(events)!, parse.GetValue(model)!, parse.GetValue(halfLife), parse.GetValue(lookback), parse.IsJson(format))));
        return command;
    }

    internal static AttributionModel ParseModel(string name) => name switch
    {
        "first" => AttributionModel.FirstTouch,
        "last" => AttributionModel.LastTouch,
        "linear" => AttributionModel.Linear,
        "time-decay" => AttributionModel.TimeDecay,
        "position" => AttributionModel.PositionBased,
        "markov" => AttributionModel.Markov,
        _ => throw new UsageException($"--model must be one of {string.Join(", ", ModelNames)}, not '{name}'."),
    };

    internal static JsonObject CohortsJson(CohortMatrix matrix)
    {
        var cohorts = new JsonArray();
        foreach (var row in matrix.Cohorts)
        {
            cohorts.Add((JsonNode)new JsonObject
            {
                ["cohort"] = row.Label,
                ["customers"] = row.Customers,
                ["active"] = new JsonArray(row.Active.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            });
        }

        return new JsonObject { ["cohorts"] = cohorts };
    }

    internal static JsonObject SurveyJson(SurveyKpiResult r) => new()
    {
        ["nps"] = new JsonObject
        {
            ["responses"] = r.Nps.Responses,
            ["promoters"] = r.Nps.Promoters,
            ["passives"] = r.Nps.Passives,
            ["detractors"] = r.Nps.Detractors,
            ["score"] = Num(r.Nps.Score),
            ["ci"] = r.Nps.CiLow is { } lo && r.Nps.CiHigh is { } hi ? new JsonArray(CliJson.Number(lo), CliJson.Number(hi)) : null,
        },
        ["csat"] = new JsonObject
        {
            ["responses"] = r.Csat.Responses,
            ["satisfied"] = r.Csat.Satisfied,
            ["score"] = Num(r.Csat.Score),
            ["mean"] = Num(r.Csat.Mean),
        },
        ["ces"] = new JsonObject { ["responses"] = r.Ces.Responses, ["mean"] = Num(r.Ces.Mean) },
    };

    internal static JsonObject SalesJson(SalesKpiResult s) => new()
    {
        ["customers"] = s.Customers,
        ["orders"] = s.Orders,
        ["revenue"] = (double)s.Revenue,
        ["aov"] = Num(s.Aov),
        ["repeatRate"] = Num(s.RepeatRate),
    };

    private static JsonNode? Num(double? value) => value is { } v ? CliJson.Number(v) : null;

    private static int RunCohorts(string path, DateOnly? asOfDate, int partitions, bool json, CancellationToken ct)
    {
        var table = CsvTransactionReader.ReadTable(path, null, ct);
        var asOf = asOfDate is { } d ? CliOptions.StartOfDayUtc(d) : DateTimeOffset.MaxValue;
        var matrix = partitions == 1 ? CohortRetention.Compute(table, asOf) : Partitioned.Cohorts(table, asOf, partitions);
        if (json)
        {
            CliJson.Write(CohortsJson(matrix));
            return 0;
        }

        Console.Out.WriteLine($"{matrix.Cohorts.Count} cohorts (retention % by months since first purchase)");
        foreach (var row in matrix.Cohorts)
        {
            var cells = string.Join(' ', Enumerable.Range(0, row.Active.Count).Select(k => (100 * row.Retention(k)).ToString("0", CultureInfo.InvariantCulture).PadLeft(4)));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{row.Label} {row.Customers,8}  {cells}"));
        }

        return 0;
    }

    private static int RunKpis(string? feedbackPath, string? transactionsPath, DateOnly? asOfDate, bool json, CancellationToken ct)
    {
        if (feedbackPath is null && transactionsPath is null)
        {
            throw new UsageException("Give --feedback, --transactions (with --as-of), or both.");
        }

        if (transactionsPath is not null && asOfDate is null)
        {
            throw new UsageException("--transactions needs --as-of DATE.");
        }

        var root = new JsonObject();
        if (feedbackPath is not null)
        {
            var survey = SurveyAccumulator.Compute(KpiCsvReaders.ReadSurvey(feedbackPath));
            foreach (var (k, v) in SurveyJson(survey).ToArray())
            {
                root[k] = v?.DeepClone();
            }
        }

        if (transactionsPath is not null)
        {
            var table = CsvTransactionReader.ReadTable(transactionsPath, null, ct);
            root["sales"] = SalesJson(SalesKpis.Compute(table, CliOptions.StartOfDayUtc(asOfDate!.Value)));
        }

        if (json)
        {
            CliJson.Write(root);
        }
        else
        {
            foreach (var (k, v) in root)
            {
                Console.Out.WriteLine($"{k,-6} {v?.ToJsonString(CliJson.Options)}");
            }
        }

        return 0;
    }

    private static int RunAttribution(string path, string modelName, double halfLife, double lookback, bool json)
    {
        var model = ParseModel(modelName);
        var events = KpiCsvReaders.ReadEvents(path);
        var result = Attribution.Compute(events, model, new AttributionSettings(lookback, halfLife));
        var channels = new JsonObject();
        foreach (var (name, credit) in result.Channels)
        {
            channels[name] = new JsonObject { ["conversions"] = credit.Conversions, ["value"] = credit.Value };
        }

        var root = new JsonObject { ["model"] = modelName, ["conversions"] = result.Conversions, ["value"] = result.Value, ["channels"] = channels };
        if (json)
        {
            CliJson.Write(root);
            return 0;
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{modelName}: {result.Conversions} conversions, value {result.Value:0.00}"));
        foreach (var (name, credit) in result.Channels)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-20} {credit.Conversions,10:0.###} {credit.Value,12:0.00}"));
        }

        return 0;
    }
}
