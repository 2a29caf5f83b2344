using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Journeys;
using CemCore.Kpis;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore funnel</c> (ordered conversion funnel with a window), <c>cemcore journey</c> (journey map per segment with pain points) and
/// <c>cemcore monitor</c> (weekly/monthly KPI series with EWMA and CUSUM flags). See docs/kpis.md.
/// </summary>
internal static class JourneyCommands
{
    private static readonly string[] BreakdownDimensions = ["channel", "segment"];

    public static Command CreateFunnel()
    {
        var events = CliOptions.RequiredPath("--events", "Events CSV customer_id,timestamp,touchpoint,type,value; a touch's step is its touchpoint, a conversion's is 'conversion'.");
        var steps = CliOptions.RequiredText("--steps", "The ordered steps, comma-separated (e.g. ads,browsing,conversion).", "STEP,STEP,...");
        var window = CliOptions.Number("--window-days", "Conversion window in days from the entry event (inclusive).", 30, min: 1e-9, max: 1e6);
        var segments = CliOptions.OptionalPath("--segments", "Segments CSV customer_id,segment (adds bySegment).");
        var format = CliOptions.Format();
        var by = new Option<string[]>("--by")
        {
            Description = "Add a breakdown (repeatable): channel (byChannel, by the entry event's channel column, else its touchpoint) or segment (bySegment, needs --segments); both add bySegmentChannel.",
            HelpName = "channel|segment",
        }.AcceptOnlyFromAmong(BreakdownDimensions);
        var command = new Command("funnel", "Ordered conversion funnel over event types with a conversion window.") { events, steps, window, segments, format, by };
        command.SetAction((parse, ct) => Task.FromResult(RunFunnel(parse.GetValue(events)!, parse.GetValue(steps)!, parse.GetValue(window), parse.GetValue(segments), parse.IsJson(format), parse.GetValue(by) ?? [])));
        return command;
    }

    public static Command CreateJourney()
    {
        var events = CliOptions.RequiredPath("--events", "Events CSV customer_id,timestamp,touchpoint,type,value (touchpoints of the default stage map).");
        var feedback = CliOptions.OptionalPath("--feedback", "Survey CSV with a touchpoint column (pain points).");
        var segments = CliOptions.OptionalPath("--segments", "Segments CSV customer_id,segment (adds segments).");
        var format = CliOptions.Format();
        var command = new Command("journey", "Journey map: volume, conversion, drop-off and median days per stage, and pain points.") { events, feedback, segments, format };
        command.SetAction((parse, ct) => Task.FromResult(RunJourney(parse.GetValue(events)!, parse.GetValue(feedback), parse.GetValue(segments), parse.IsJson(format))));
        command.Add(JourneyRunCommand.Create()); // `journey run`: durable journeys from files (the map's own options and output are unchanged)
        return command;
    }

    public static Command CreateMonitor()
    {
        var feedback = CliOptions.OptionalPath("--feedback", "Survey CSV customer_id,timestamp,kind,score.");
        var transactions = CliOptions.OptionalPath("--transactions", "Transactions CSV (needs --as-of).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE; sales strictly before it count.");
        var period = CliOptions.Choice("--period", "ISO week (UTC) or UTC calendar month.", "month", "week", "month");
        var baseline = CliOptions.Integer("--baseline", "Leading periods estimating the in-control mean and sd (0 = all).", 0, min: 0);
        var format = CliOptions.Format();
        var command = new Command("monitor", "KPI series per week or month with EWMA and CUSUM control limits.") { feedback, transactions, asOf, period, baseline, format };
        command.SetAction((parse, ct) => Task.FromResult(RunMonitor(parse.GetValue(feedback), parse.GetValue(transactions), parse.GetValue(asOf), parse.GetValue(period)!, parse.GetValue(baseline), parse.IsJson(format), ct)));
        return command;
    }

    private static JsonNode? Num(double? value) => value is { } v ? CliJson.Number(v) : null;

    private static JsonArray Longs(IEnumerable<long> values) => new(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());

    private static Func<string, string?>? Segments(string? path)
    {
        if (path is null)
        {
            return null;
        }

        var map = KpiCsvReaders.ReadSegments(path);
        return id => map.GetValueOrDefault(id);
    }

    /// <summary>
    /// <c>cemcore funnel</c>. With <c>--by</c> (channel, segment) the output gains <c>byChannel</c> (the channel of each customer's entry
    /// event: the events file's optional <c>channel</c> column, else the touchpoint), <c>bySegment</c> (as with <c>--segments</c>, which
    /// <c>--by segment</c> requires) and, with both, <c>bySegmentChannel</c>; every other field and text line is the same as without it
    /// (docs/kpis.md).
    /// </summary>
    private static int RunFunnel(string eventsPath, string stepsText, double windowDays, string? segmentsPath, bool json, string[] by)
    {
        var steps = stepsText.Split(',', StringSplitOptions.TrimEntries);
        if (steps.Any(string.IsNullOrEmpty))
        {
            throw new UsageException("--steps needs comma-separated, non-empty step names.");
        }

        var byChannel = by.Contains("channel");
        var bySegment = by.Contains("segment");
        if (bySegment && segmentsPath is null)
        {
            throw new UsageException("--by segment needs --segments FILE.");
        }

        var segmentOf = Segments(segmentsPath);
        IEnumerable<FunnelEvent> events = byChannel ? KpiCsvReaders.ReadFunnelEvents(eventsPath) : KpiCsvReaders.ReadEvents(eventsPath).Select(FunnelEvent.From);
        var r = Funnel.Compute(events, steps, TimeSpan.FromDays(windowDays), segmentOf);
        JsonObject Group(FunnelGroup g) => new()
        {
            ["reached"] = Longs(g.Reached),
            ["conversion"] = new JsonArray(Enumerable.Range(1, steps.Length - 1).Select(k => Num(g.ConversionRate(k))).ToArray()),
            ["overall"] = Num(g.OverallRate),
        };
        var root = new JsonObject
        {
            ["steps"] = new JsonArray(steps.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()),
            ["windowDays"] = windowDays,
        };
        foreach (var (k, v) in Group(r.Total))
        {
            root[k] = v?.DeepClone();
        }

        if (segmentOf is not null)
        {
            var bySegmentNode = new JsonObject();
            foreach (var g in r.BySegment)
            {
                bySegmentNode[g.Segment!] = Group(g);
            }

            root["bySegment"] = bySegmentNode;
        }

        if (byChannel)
        {
            root["byChannel"] = Named(r.ByChannel, g => g.Channel!);
        }

        if (byChannel && bySegment)
        {
            var cells = new JsonObject();
            foreach (var g in r.Cells.GroupBy(c => c.Segment!, StringComparer.Ordinal))
            {
                cells[g.Key] = Named(g, c => c.Channel!);
            }

            root["bySegmentChannel"] = cells;
        }

        if (json)
        {
            CliJson.Write(root);
            return 0;
        }

        for (var k = 0; k < steps.Length; k++)
        {
            var rate = k == 0 ? string.Empty : r.Total.ConversionRate(k) is { } x ? x.ToString("P1", CultureInfo.InvariantCulture) : "n/a";
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{steps[k],-20} {r.Total.Reached[k],10} {rate,8}"));
        }

        foreach (var g in byChannel ? r.ByChannel : [])
        {
            var rates = string.Join(' ', Enumerable.Range(1, steps.Length - 1).Select(k => g.ConversionRate(k) is { } x ? x.ToString("P1", CultureInfo.InvariantCulture) : "n/a"));
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"channel {g.Channel,-16} {string.Join(' ', g.Reached),-24} {rates}"));
        }

        return 0;

        JsonObject Named(IEnumerable<FunnelGroup> groups, Func<FunnelGroup, string> name)
        {
            var o = new JsonObject();
            foreach (var g in groups)
            {
                o[name(g)] = Group(g);
            }

            return o;
        }
    }

    internal static string StageName(JourneyStage stage) => stage switch
    {
        JourneyStage.Awareness => "awareness",
        JourneyStage.Consideration => "consideration",
        JourneyStage.Purchase => "purchase",
        _ => "after-sales",
    };

    private static JsonObject JourneyJson(SegmentJourney s) => new()
    {
        ["stages"] = new JsonArray(s.Stages.Select(x => (JsonNode?)new JsonObject
        {
            ["stage"] = StageName(x.Stage),
            ["touchpoints"] = new JsonArray(x.Touchpoints.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            ["customers"] = x.Customers,
            ["converted"] = x.Converted,
            ["conversionRate"] = Num(x.ConversionRate),
            ["dropOff"] = Num(x.DropOff),
            ["medianDaysToConvert"] = Num(x.MedianDaysToConvert),
        }).ToArray()),
        ["painPoints"] = new JsonArray(s.PainPoints.Select(p => (JsonNode?)new JsonObject
        {
            ["touchpoint"] = p.Touchpoint,
            ["stage"] = p.Stage is { } st ? StageName(st) : null,
            ["csat"] = Num(p.Survey.Csat.Score),
            ["csatResponses"] = p.Survey.Csat.Responses,
            ["nps"] = Num(p.Survey.Nps.Score),
            ["npsResponses"] = p.Survey.Nps.Responses,
        }).ToArray()),
    };

    private static int RunJourney(string eventsPath, string? feedbackPath, string? segmentsPath, bool json)
    {
        var segmentOf = Segments(segmentsPath);
        var r = JourneyMap.Compute(KpiCsvReaders.ReadEvents(eventsPath), feedbackPath is null ? null : KpiCsvReaders.ReadSurvey(feedbackPath), segmentOf);
        var root = JourneyJson(r.All);
        root["unknownEvents"] = r.UnknownEvents;
        root["unknownTouchpoints"] = new JsonArray(r.UnknownTouchpoints.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
        if (segmentOf is not null)
        {
            var by = new JsonObject();
            foreach (var s in r.Segments)
            {
                by[s.Segment!] = JourneyJson(s);
            }

            root["segments"] = by;
        }

        if (json)
        {
            CliJson.Write(root);
            return 0;
        }

        foreach (var s in r.All.Stages)
        {
            var rate = s.ConversionRate is { } x ? x.ToString("P1", CultureInfo.InvariantCulture) : "-";
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{StageName(s.Stage),-14} {s.Customers,10} → {rate,8}  median {s.MedianDaysToConvert:0.##} d"));
        }

        Console.Out.WriteLine("pain points: " + string.Join(", ", r.All.PainPoints.Select(p => p.Touchpoint)));
        return 0;
    }

    private static int RunMonitor(string? feedbackPath, string? transactionsPath, DateOnly? asOfDate, string periodName, int baseline, bool json, CancellationToken ct)
    {
        if (feedbackPath is null && transactionsPath is null)
        {
            throw new UsageException("Give --feedback, --transactions (with --as-of), or both.");
        }

        if (transactionsPath is not null && asOfDate is null)
        {
            throw new UsageException("--transactions needs --as-of DATE.");
        }

        var period = periodName == "week" ? KpiPeriod.IsoWeek : KpiPeriod.Month;
        var series = new List<(string Name, IReadOnlyList<KpiSeriesPoint> Points)>();
        if (feedbackPath is not null)
        {
            var scores = KpiCsvReaders.ReadSurvey(feedbackPath);
            IReadOnlyList<KpiSeriesPoint> Survey(Func<SurveyKpiResult, double?> metric) =>
                KpiSeries.Compute(scores, s => s.Timestamp, period, () => new SurveyAccumulator(), (a, s) => a.Add(s), a => metric(a.Finish()));
            series.Add(("nps", Survey(r => r.Nps.Score)));
            series.Add(("csat", Survey(r => r.Csat.Score)));
            series.Add(("ces", Survey(r => r.Ces.Mean)));
        }

        if (transactionsPath is not null)
        {
            var table = CsvTransactionReader.ReadTable(transactionsPath, null, ct);
            var end = CliOptions.StartOfDayUtc(asOfDate!.Value).UtcTicks;
            var ticks = table.UtcTicks.ToArray();
            var kinds = table.Kinds.ToArray();
            var orders = table.OrderIndex.ToArray();
            var customers = table.CustomerIndex.ToArray();
            var amounts = table.Amounts.ToArray();
            var rows = Enumerable.Range(0, table.Count).Where(i => ticks[i] < end && kinds[i] == TransactionKind.Purchase).ToArray();
            IReadOnlyList<KpiSeriesPoint> Sales(Func<SalesKpiResult, double?> metric) =>
                KpiSeries.Compute(rows, i => new DateTimeOffset(ticks[i], TimeSpan.Zero), period, () => new SalesAccumulator(),
                    (a, i) => a.Add(table.CustomerIds[customers[i]], orders[i].ToString(CultureInfo.InvariantCulture), amounts[i]), a => metric(a.Finish()));
            series.Add(("revenue", Sales(r => (double)r.Revenue)));
            series.Add(("orders", Sales(r => r.Orders)));
            series.Add(("customers", Sales(r => r.Customers)));
            series.Add(("aov", Sales(r => r.Aov)));
        }

        var root = new JsonObject { ["period"] = periodName };
        var all = new JsonObject();
        foreach (var (name, points) in series)
        {
            all[name] = new JsonArray(KpiSeries.Monitor(points, baseline).Select(p => (JsonNode?)new JsonObject
            {
                ["period"] = p.Period,
                ["value"] = Num(p.Value),
                ["ewma"] = p.Ewma is { } e ? new JsonObject { ["z"] = Num(e.Ewma), ["lower"] = Num(e.Lower), ["upper"] = Num(e.Upper), ["flag"] = e.OutOfControl } : null,
                ["cusum"] = p.Cusum is { } c ? new JsonObject { ["upper"] = Num(c.Upper), ["lower"] = Num(c.Lower), ["h"] = Num(c.Threshold), ["flag"] = c.OutOfControl } : null,
                ["flagged"] = p.Flagged,
            }).ToArray());
        }

        root["series"] = all;
        if (json)
        {
            CliJson.Write(root);
            return 0;
        }

        foreach (var (name, points) in series)
        {
            var flagged = KpiSeries.Monitor(points, baseline).Where(p => p.Flagged).Select(p => p.Period).ToArray();
            Console.Out.WriteLine($"{name,-10} {points.Count} periods; flagged: {(flagged.Length == 0 ? "none" : string.Join(' ', flagged))}");
        }

        return 0;
    }
}
