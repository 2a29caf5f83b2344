using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Segmentation.Rfm;

namespace CemCore.Cli.Commands;

/// <summary>
/// Per-segment profile of an RFM run: size, share, mean recency (purchasers), mean frequency, mean monetary, revenue and revenue share
/// (the segment's monetary total over the total of all customers).
/// </summary>
internal static class RfmSegmentStats
{
    internal sealed record Row(string Segment, int Customers, double Share, double? RecencyDays, double? Frequency, double? Monetary, decimal Revenue, double? RevenueShare);

    /// <summary>The rows of <paramref name="segments"/> (names in output order; their counts are not used).</summary>
    public static IReadOnlyList<Row> Compute(IReadOnlyList<RfmResult> results, IReadOnlyList<KeyValuePair<string, int>> segments)
    {
        // Sums per segment slot in arrays (one name lookup per customer), in customer order as before, so the double sums are the same.
        var slot = new Dictionary<string, int>(segments.Count, StringComparer.Ordinal);
        for (var k = 0; k < segments.Count; k++)
        {
            slot.TryAdd(segments[k].Key, k);
        }

        var count = new int[segments.Count];
        var purchasers = new int[segments.Count];
        var recency = new double[segments.Count];
        var frequency = new double[segments.Count];
        var revenue = new decimal[segments.Count];
        var total = 0;
        var totalRevenue = 0m;
        foreach (var result in results)
        {
            var values = result.Values;
            for (var i = 0; i < result.Count; i++)
            {
                var monetary = values.Monetary[i];
                totalRevenue += monetary;
                total++;
                if (!slot.TryGetValue(result.SegmentOf(i), out var k))
                {
                    continue;
                }

                count[k]++;
                frequency[k] += values.Frequency[i];
                revenue[k] += monetary;
                if (!result.Scores[i].IsProspect)
                {
                    purchasers[k]++;
                    recency[k] += values.RecencyDays[i];
                }
            }
        }

        var rows = new Row[segments.Count];
        for (var k = 0; k < rows.Length; k++)
        {
            var k0 = slot[segments[k].Key];
            int n = count[k0], p = purchasers[k0];
            var r = revenue[k0];
            rows[k] = new Row(
                segments[k].Key,
                n,
                total == 0 ? 0 : (double)n / total,
                p == 0 ? null : recency[k0] / p,
                n == 0 ? null : frequency[k0] / n,
                n == 0 ? null : (double)(r / n),
                r,
                totalRevenue > 0 ? (double)(r / totalRevenue) : null);
        }

        return rows;
    }

    public static JsonObject Json(IReadOnlyList<Row> rows)
    {
        var o = new JsonObject();
        foreach (var r in rows)
        {
            o[r.Segment] = new JsonObject
            {
                ["customers"] = r.Customers,
                ["share"] = r.Share,
                ["meanRecencyDays"] = r.RecencyDays,
                ["meanFrequency"] = r.Frequency,
                ["meanMonetary"] = r.Monetary,
                ["revenue"] = r.Revenue,
                ["revenueShare"] = r.RevenueShare,
            };
        }

        return o;
    }

    public static string Table(IReadOnlyList<Row> rows)
    {
        var width = 7;
        var customers = 0;
        foreach (var r in rows)
        {
            width = Math.Max(width, r.Segment.Length);
            customers += r.Customers;
        }

        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"{"segment".PadRight(width)}  {"customers",9}  {"share",6}  {"recency",8}  {"freq",6}  {"monetary",10}  {"revenue",7}").AppendLine();
        foreach (var r in rows)
        {
            sb.Append(inv, $"{r.Segment.PadRight(width)}  {r.Customers,9}  {100 * r.Share,5:0.0}%  {N(r.RecencyDays, "0.0"),8}  {N(r.Frequency, "0.00"),6}  {N(r.Monetary, "0.00"),10}  {(r.RevenueShare is { } x ? (100 * x).ToString("0.0", inv) + "%" : "-"),7}").AppendLine();
        }

        sb.Append(inv, $"{"total".PadRight(width)}  {customers,9}").AppendLine();
        return sb.ToString();

        static string N(double? v, string format) => v?.ToString(format, CultureInfo.InvariantCulture) ?? "-";
    }

    /// <summary>
    /// Customers whose bin was decided by customer id: they share their value with a bin boundary (the last customer of the lower bin)
    /// and the customers with that value fall on both sides of it.
    /// </summary>
    public static int TieBrokenCustomers(IReadOnlyList<RfmResult> results)
    {
        // The cut points are global (the same in every partition), so a tie is judged over all partitions together: with
        // --partitions N the count equals the one-partition count. One flag per customer marks those already counted.
        if (results.Count == 0)
        {
            return 0;
        }

        var decided = new bool[results.Count][];
        for (var part = 0; part < results.Count; part++)
        {
            decided[part] = new bool[results[part].Count];
        }

        var count = 0;
        var first = results[0].CutPoints;
        Mark(first.Recency.Count, (r, c) => r.CutPoints.Recency[c], (r, i) => r.Values.RecencyDays[i]);
        Mark(first.Frequency.Count, (r, c) => r.CutPoints.Frequency[c], (r, i) => r.Values.Frequency[i]);
        Mark(first.Monetary.Count, (r, c) => r.CutPoints.Monetary[c], (r, i) => (double)r.Values.Monetary[i]);
        return count;

        void Mark(int cutCount, Func<RfmResult, int, RfmCutPoint> cutOf, Func<RfmResult, int, double> value)
        {
            for (var c = 0; c < cutCount; c++)
            {
                if (cutOf(results[0], c).TieBreakId is null)
                {
                    continue;
                }

                // The customers with the cut value: do they fall on both sides of the cut? Then each of them was placed by id.
                bool below = false, above = false;
                for (var part = 0; part < results.Count && !(below && above); part++)
                {
                    var result = results[part];
                    var cut = cutOf(result, c);
                    for (var i = 0; i < result.Count; i++)
                    {
                        if (!result.Scores[i].IsProspect && value(result, i) == cut.Value)
                        {
                            var up = cut.IsBelow(value(result, i), result.Values.CustomerIds[i]);
                            above |= up;
                            below |= !up;
                        }
                    }
                }

                if (!(below && above))
                {
                    continue;
                }

                for (var part = 0; part < results.Count; part++)
                {
                    var result = results[part];
                    var cut = cutOf(result, c);
                    for (var i = 0; i < result.Count; i++)
                    {
                        if (!result.Scores[i].IsProspect && value(result, i) == cut.Value && !decided[part][i])
                        {
                            decided[part][i] = true;
                            count++;
                        }
                    }
                }
            }
        }
    }
}

/// <summary><c>--recency-cuts</c>, <c>--frequency-cuts</c>, <c>--monetary-cuts</c> of <c>cemcore rfm --binning thresholds</c>.</summary>
internal static class RfmThresholdOptions
{
    public static RfmThresholds Parse(string? recency, string? frequency, string? monetary)
    {
        if (recency is null || frequency is null || monetary is null)
        {
            throw new UsageException("--binning thresholds needs --recency-cuts, --frequency-cuts and --monetary-cuts (ascending, comma-separated, the same count each), e.g. --recency-cuts 30,90,180,365 --frequency-cuts 1,2,4,8 --monetary-cuts 100,300,1000,3000.");
        }

        var r = AbCommands.List(recency, "recency-cuts", s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
        var f = AbCommands.List(frequency, "frequency-cuts", s => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
        var m = AbCommands.List(monetary, "monetary-cuts", s => decimal.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture));
        if (r.Length + 1 is < RfmSettings.MinBins or > RfmSettings.MaxBins)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--recency-cuts must have 1 to {RfmSettings.MaxBins - 1} cut-points, not {r.Length}."));
        }

        try
        {
            return new RfmThresholds(r, f, m);
        }
        catch (ArgumentException ex)
        {
            var option = ex.ParamName switch
            {
                "frequency" => "--frequency-cuts",
                "monetary" => "--monetary-cuts",
                _ => "--recency-cuts",
            };
            throw new UsageException(option + ": " + ex.Message.Replace($" (Parameter '{ex.ParamName}')", string.Empty, StringComparison.Ordinal));
        }
    }

    /// <summary>Returns null, or throws when cut-points are given without <c>--binning thresholds</c>.</summary>
    public static RfmThresholds? None(string? recency, string? frequency, string? monetary) =>
        recency is null && frequency is null && monetary is null
            ? null
            : throw new UsageException("--recency-cuts, --frequency-cuts and --monetary-cuts need --binning thresholds.");

    /// <summary>The bin count of the thresholds; an explicit <c>--bins</c> must agree.</summary>
    public static int Bins(RfmThresholds thresholds, int? explicitBins) =>
        explicitBins is { } b && b != thresholds.Bins
            ? throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--bins {b} does not match the {thresholds.Bins - 1} cut-points per measure ({thresholds.Bins} bins); leave --bins out with --binning thresholds."))
            : thresholds.Bins;

    public static JsonObject Json(RfmThresholds t) => new()
    {
        ["recencyDays"] = new JsonArray([.. t.RecencyDays.Select(v => (JsonNode?)v)]),
        ["frequency"] = new JsonArray([.. t.Frequency.Select(v => (JsonNode?)v)]),
        ["monetary"] = new JsonArray([.. t.Monetary.Select(v => (JsonNode?)v)]),
    };
}
