using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Kpis;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore funnel --by channel|segment</c>: adds per-channel (and per segment × channel) breakdowns to the funnel command of
/// <see cref="JourneyCommands"/> without touching its output. Without <c>--by</c> the command runs exactly as before; with it, the original
/// command runs first (its JSON fields and text lines are kept byte for byte) and the breakdown is appended: <c>byChannel</c> (the channel of
/// each customer's entry event: the events file's optional <c>channel</c> column, else the touchpoint), <c>bySegment</c> (as with
/// <c>--segments</c>, which <c>--by segment</c> requires) and, with both, <c>bySegmentChannel</c>. See docs/kpis.md.
/// </summary>
/// <remarks>A decorator because the funnel command lives in JourneyCommands.cs; it can be folded into that command later.</remarks>
internal static class FunnelBreakdown
{
    private static readonly string[] Dimensions = ["channel", "segment"];

    public static Command Extend(Command funnel)
    {
        ArgumentNullException.ThrowIfNull(funnel);
        var original = funnel.Action as AsynchronousCommandLineAction ?? throw new InvalidOperationException("The funnel command has no asynchronous action.");
        Option<T> Find<T>(string name) => funnel.Options.OfType<Option<T>>().Single(o => string.Equals(o.Name, name, StringComparison.Ordinal));
        var events = Find<string>("--events");
        var steps = Find<string>("--steps");
        var window = Find<double>("--window-days");
        var segments = Find<string?>("--segments");
        var by = new Option<string[]>("--by")
        {
            Description = "Add a breakdown (repeatable): channel (byChannel, by the entry event's channel column, else its touchpoint) or segment (bySegment, needs --segments); both add bySegmentChannel.",
            HelpName = "channel|segment",
        }.AcceptOnlyFromAmong(Dimensions);
        funnel.Options.Add(by);
        funnel.SetAction(async (parse, ct) =>
        {
            var dims = parse.GetValue(by) ?? [];
            if (dims.Length == 0)
            {
                return await original.InvokeAsync(parse, ct).ConfigureAwait(false);
            }

            var segmentsPath = parse.GetValue(segments);
            if (dims.Contains("segment") && segmentsPath is null)
            {
                throw new UsageException("--by segment needs --segments FILE.");
            }

            var stdout = Console.Out;
            using var captured = new StringWriter(CultureInfo.InvariantCulture);
            Console.SetOut(captured);
            int code;
            try
            {
                code = await original.InvokeAsync(parse, ct).ConfigureAwait(false);
            }
            finally
            {
                Console.SetOut(stdout);
            }

            if (code != 0)
            {
                await stdout.WriteAsync(captured.ToString()).ConfigureAwait(false);
                return code;
            }

            var stepList = parse.GetValue(steps)!.Split(',', StringSplitOptions.TrimEntries);
            var map = segmentsPath is null ? null : KpiCsvReaders.ReadSegments(segmentsPath);
            var r = Funnel.Compute(KpiCsvReaders.ReadFunnelEvents(parse.GetValue(events)!), stepList, TimeSpan.FromDays(parse.GetValue(window)), map is null ? null : id => map.GetValueOrDefault(id));
            var byChannel = dims.Contains("channel");
            var bySegment = dims.Contains("segment");
            var text = captured.ToString();
            if (!parse.IsJson(Find<string>("--format")))
            {
                await stdout.WriteAsync(text).ConfigureAwait(false);
                foreach (var g in byChannel ? r.ByChannel : [])
                {
                    var rates = string.Join(' ', Enumerable.Range(1, stepList.Length - 1).Select(k => g.ConversionRate(k) is { } x ? x.ToString("P1", CultureInfo.InvariantCulture) : "n/a"));
                    await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"channel {g.Channel,-16} {string.Join(' ', g.Reached),-24} {rates}")).ConfigureAwait(false);
                }

                return 0;
            }

            var root = JsonNode.Parse(text)!.AsObject();
            if (byChannel)
            {
                root["byChannel"] = Named(r.ByChannel, g => g.Channel!, stepList.Length);
            }

            if (bySegment && !root.ContainsKey("bySegment"))
            {
                root["bySegment"] = Named(r.BySegment, g => g.Segment!, stepList.Length);
            }

            if (byChannel && bySegment)
            {
                var cells = new JsonObject();
                foreach (var g in r.Cells.GroupBy(c => c.Segment!, StringComparer.Ordinal))
                {
                    cells[g.Key] = Named(g, c => c.Channel!, stepList.Length);
                }

                root["bySegmentChannel"] = cells;
            }

            CliJson.Write(root);
            return 0;
        });
        return funnel;
    }

    private static JsonObject Named(IEnumerable<FunnelGroup> groups, Func<FunnelGroup, string> name, int steps)
    {
        var o = new JsonObject();
        foreach (var g in groups)
        {
            o[name(g)] = new JsonObject
            {
                ["reached"] = new JsonArray(g.Reached.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()),
                ["conversion"] = new JsonArray(Enumerable.Range(1, steps - 1).Select(k => g.ConversionRate(k) is { } x ? CliJson.Number(x) : null).ToArray()),
                ["overall"] = g.OverallRate is { } v ? CliJson.Number(v) : null,
            };
        }

        return o;
    }
}
