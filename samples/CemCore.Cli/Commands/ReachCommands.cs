using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Kpis;
using CemCore.Sources;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore reach</c> (distinct customers reached: exact and a HyperLogLog estimate with its standard error, per channel, campaign and
/// segment) and <c>cemcore engagement</c> (delivery, open, click, reply and click-to-open rates over distinct messages, per channel and
/// campaign). Both read the events CSV of the other KPI commands (<c>customer_id,timestamp,touchpoint,type,value</c>) with the optional
/// columns <c>channel</c>, <c>campaign</c>, <c>segment</c>, <c>message_id</c> and the message event types. See docs/kpis.md.
/// </summary>
internal static class ReachCommands
{
    private const string EventsHelp = "Events CSV customer_id,timestamp,touchpoint,type,value[,channel,campaign,segment,message_id]; type touch|conversion|sent|delivered|opened|clicked|replied|bounced.";

    public static Command CreateReach()
    {
        var events = CliOptions.RequiredPath("--events", EventsHelp);
        var segments = CliOptions.OptionalPath("--segments", "Segments CSV customer_id,segment (overrides the events' segment column; adds bySegment).");
        var precision = CliOptions.Integer("--precision", "HyperLogLog precision P: 2^P one-byte registers, relative standard error 1.04/sqrt(2^P).", 14, min: HyperLogLog.MinPrecision, max: HyperLogLog.MaxPrecision);
        var format = CliOptions.Format();
        var command = new Command("reach", "Distinct customers reached (touch, delivered, opened, clicked, replied): exact and HyperLogLog, per channel, campaign and segment.")
        {
            events, segments, precision, format,
        };
        CliHelp.Examples(command, "cemcore reach --events events.csv --precision 12 --format json");
        command.SetAction((parse, ct) => Task.FromResult(RunReach(parse.GetValue(events)!, parse.GetValue(segments), parse.GetValue(precision), parse.IsJson(format))));
        return command;
    }

    public static Command CreateEngagement()
    {
        var events = CliOptions.RequiredPath("--events", EventsHelp);
        var format = CliOptions.Format();
        var command = new Command("engagement", "Message engagement over distinct messages: delivery, open, click, reply and click-to-open rates per channel and campaign.")
        {
            events, format,
        };
        CliHelp.Examples(command, "cemcore engagement --events events.csv --format json");
        command.SetAction((parse, ct) => Task.FromResult(RunEngagement(parse.GetValue(events)!, parse.IsJson(format))));
        return command;
    }

    private static string Key(string? name) => name ?? Funnel.NoChannel;

    private static JsonNode? Num(double? value) => value is { } v ? CliJson.Number(v) : null;

    private sealed class ReachCell(int precision)
    {
        public ReachAccumulator Exact { get; } = new();

        public HyperLogLog Sketch { get; } = new(precision);

        public void Add(string id)
        {
            Exact.Add(id);
            Sketch.Add(id);
        }

        public JsonObject Json()
        {
            var estimate = Sketch.Finish();
            return new JsonObject
            {
                ["exact"] = Exact.Finish(),
                ["estimate"] = CliJson.Number(estimate),
                ["standardError"] = CliJson.Number(estimate * Sketch.StandardError),
            };
        }
    }

    private static JsonObject Groups<T>(SortedDictionary<string, T> groups, Func<T, JsonObject> json)
    {
        var o = new JsonObject();
        foreach (var (k, v) in groups)
        {
            o[k] = json(v);
        }

        return o;
    }

    private static T Cell<T>(SortedDictionary<string, T> groups, string key, Func<T> create)
    {
        if (!groups.TryGetValue(key, out var cell))
        {
            cell = create();
            groups.Add(key, cell);
        }

        return cell;
    }

    private static int RunReach(string path, string? segmentsPath, int precision, bool json)
    {
        var rows = KpiCsvReaders.ReadEventRows(path);
        var segmentMap = segmentsPath is null ? null : KpiCsvReaders.ReadSegments(segmentsPath);
        var hasCampaign = KpiCsvReaders.HasColumn(path, "campaign");
        var hasSegment = segmentMap is not null || KpiCsvReaders.HasColumn(path, "segment");
        var total = new ReachCell(precision);
        var byChannel = new SortedDictionary<string, ReachCell>(StringComparer.Ordinal);
        var byCampaign = new SortedDictionary<string, ReachCell>(StringComparer.Ordinal);
        var bySegment = new SortedDictionary<string, ReachCell>(StringComparer.Ordinal);
        var counted = 0;
        foreach (var r in rows.Where(r => r.Reaches))
        {
            counted++;
            total.Add(r.CustomerId);
            Cell(byChannel, Key(r.EffectiveChannel), () => new ReachCell(precision)).Add(r.CustomerId);
            if (hasCampaign)
            {
                Cell(byCampaign, Key(r.Campaign), () => new ReachCell(precision)).Add(r.CustomerId);
            }

            if (hasSegment)
            {
                var segment = segmentMap is not null ? segmentMap.GetValueOrDefault(r.CustomerId) : r.Segment;
                Cell(bySegment, Key(segment), () => new ReachCell(precision)).Add(r.CustomerId);
            }
        }

        var root = new JsonObject
        {
            ["events"] = counted,
            ["precision"] = precision,
            ["relativeStandardError"] = total.Sketch.StandardError,
            ["total"] = total.Json(),
            ["byChannel"] = Groups(byChannel, c => c.Json()),
        };
        if (hasCampaign)
        {
            root["byCampaign"] = Groups(byCampaign, c => c.Json());
        }

        if (hasSegment)
        {
            root["bySegment"] = Groups(bySegment, c => c.Json());
        }

        if (json)
        {
            CliJson.Write(root);
            return 0;
        }

        Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reach {total.Exact.Finish()} customers (HLL p={precision}: {total.Sketch.Finish():0} ± {100 * total.Sketch.StandardError:0.##}%)"));
        foreach (var (name, cell) in byChannel)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-20} {cell.Exact.Finish(),10} {cell.Sketch.Finish(),12:0}"));
        }

        return 0;
    }

    private static int RunEngagement(string path, bool json)
    {
        var rows = KpiCsvReaders.ReadEventRows(path);
        var hasCampaign = KpiCsvReaders.HasColumn(path, "campaign");
        var fileName = Path.GetFileName(path);

        // A message keeps the channel and campaign of its first event; a later event of it elsewhere is bad input.
        var messages = new Dictionary<string, (string Channel, string Campaign)>(StringComparer.Ordinal);
        var total = new EngagementAccumulator();
        var byChannel = new SortedDictionary<string, EngagementAccumulator>(StringComparer.Ordinal);
        var byCampaign = new SortedDictionary<string, EngagementAccumulator>(StringComparer.Ordinal);
        var counted = 0;
        foreach (var r in rows.Where(r => r.IsMessageEvent))
        {
            counted++;
            var channel = Key(r.EffectiveChannel);
            var campaign = Key(r.Campaign);
            var message = r.MessageId ?? string.Join('\u001f', r.CustomerId, campaign, channel);
            if (messages.TryGetValue(message, out var seen))
            {
                if (!string.Equals(seen.Channel, channel, StringComparison.Ordinal))
                {
                    throw new DataFormatException("The message already appeared on another channel.", fileName, r.Line, r.Channel is null ? "touchpoint" : "channel");
                }

                if (!string.Equals(seen.Campaign, campaign, StringComparison.Ordinal))
                {
                    throw new DataFormatException("The message already appeared in another campaign.", fileName, r.Line, "campaign");
                }
            }
            else
            {
                messages.Add(message, (channel, campaign));
            }

            total.Add(message, r.EngagementKind);
            Cell(byChannel, channel, () => new EngagementAccumulator()).Add(message, r.EngagementKind);
            if (hasCampaign)
            {
                Cell(byCampaign, campaign, () => new EngagementAccumulator()).Add(message, r.EngagementKind);
            }
        }

        static JsonObject Json(EngagementAccumulator acc)
        {
            var e = acc.Finish();
            return new JsonObject
            {
                ["sent"] = e.Sent,
                ["delivered"] = e.Delivered,
                ["opened"] = e.Opened,
                ["clicked"] = e.Clicked,
                ["replied"] = e.Replied,
                ["deliveryRate"] = Num(e.DeliveryRate),
                ["openRate"] = Num(e.OpenRate),
                ["clickRate"] = Num(e.ClickRate),
                ["replyRate"] = Num(e.ReplyRate),
                ["clickToOpenRate"] = Num(e.ClickToOpenRate),
            };
        }

        var root = new JsonObject { ["events"] = counted, ["total"] = Json(total), ["byChannel"] = Groups(byChannel, Json) };
        if (hasCampaign)
        {
            root["byCampaign"] = Groups(byCampaign, Json);
        }

        if (json)
        {
            CliJson.Write(root);
            return 0;
        }

        static string Pct(double? rate) => rate is { } x ? x.ToString("P1", CultureInfo.InvariantCulture) : "n/a";
        foreach (var (name, acc) in byChannel.Prepend(new("(all)", total)))
        {
            var e = acc.Finish();
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-16} sent {e.Sent,8} delivery {Pct(e.DeliveryRate),7} open {Pct(e.OpenRate),7} click {Pct(e.ClickRate),7} reply {Pct(e.ReplyRate),7} CTOR {Pct(e.ClickToOpenRate),7}"));
        }

        return 0;
    }
}
