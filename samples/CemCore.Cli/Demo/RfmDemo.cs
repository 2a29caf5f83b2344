using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.Commands;
using CemCore.Segmentation.Rfm;
using CemCore.Segmentation.TargetGroups;

namespace CemCore.Cli.Demo;

/// <summary>Demo section: RFM segments and target groups on the demo customers (<c>context.Json["rfm"]</c>).</summary>
internal static class RfmDemo
{
    public static void Run(DemoContext context)
    {
        // Customers with features come from the transactions; profiles without any transaction are prospects.
        var fromFeatures = RfmValues.FromFeatures(context.Features);
        var known = new HashSet<string>(fromFeatures.CustomerIds, StringComparer.Ordinal);
        var prospects = context.Customers.Select(c => c.Id).Where(id => !known.Contains(id)).ToArray();
        var ids = fromFeatures.CustomerIds.Concat(prospects).ToArray();
        var values = RfmValues.Create(
            ids,
            [.. fromFeatures.RecencyDays.ToArray(), .. prospects.Select(_ => double.NaN)],
            [.. fromFeatures.Frequency.ToArray(), .. prospects.Select(_ => 0)],
            [.. fromFeatures.Monetary.ToArray(), .. prospects.Select(_ => 0m)]);
        var result = RfmScorer.Score(values);
        var counts = result.CountBySegment();
        var groups = TargetGroupSet.CreateDefault().CountMembers(result);

        context.Heading("RFM segments (5 rank-quantile bins, 10-segment R×F map)");
        if (context.Out is not null)
        {
            context.Out.Write(RfmCommand.FormatTable(counts, result.Count));
            context.Line("target groups (a customer may be in several): " + string.Join(", ", groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Value}"))));
        }

        var segments = new JsonObject();
        foreach (var (name, count) in counts)
        {
            segments[name] = count;
        }

        var targetGroups = new JsonObject();
        foreach (var (name, count) in groups)
        {
            targetGroups[name] = count;
        }

        context.Json["rfm"] = new JsonObject
        {
            ["customers"] = result.Count,
            ["ranked"] = result.CutPoints.PurchaserCount,
            ["segments"] = segments,
            ["targetGroups"] = targetGroups,
        };
    }
}
