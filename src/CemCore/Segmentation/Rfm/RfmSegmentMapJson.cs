using System.Globalization;
using System.Text.Json;
using CemCore.Sources;

namespace CemCore.Segmentation.Rfm;

/// <summary>Reads <see cref="RfmSegmentMap"/> JSON with <see cref="JsonDocument"/> (no reflection, nothing executed).</summary>
internal static class RfmSegmentMapJson
{
    public static RfmSegmentMap Load(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        sourceName ??= "segment map";
        JsonDocument doc;
        try
        {
            doc = Primitives.JsonText.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new DataFormatException(Primitives.JsonDepth.Reason(json, "The segment map is not valid JSON."), sourceName, ex.LineNumber + 1, null, ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Error(sourceName, "$", "The segment map must be a JSON object.");
            }

            foreach (var p in root.EnumerateObject())
            {
                if (p.Name is not ("name" or "axes" or "bins" or "segments" or "cells"))
                {
                    throw Error(sourceName, p.Name, "Unknown property; expected name, axes, bins, segments and cells.");
                }
            }

            var axesText = root.TryGetProperty("axes", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "RxF";
            var axes = axesText switch
            {
                "RxF" => RfmSegmentAxes.RecencyFrequency,
                "RxFM" => RfmSegmentAxes.RecencyFrequencyMonetary,
                _ => throw Error(sourceName, "axes", "Expected \"RxF\" or \"RxFM\"."),
            };
            var bins = RfmSettings.DefaultBins;
            if (root.TryGetProperty("bins", out var b) && (b.ValueKind != JsonValueKind.Number || !b.TryGetInt32(out bins) || bins is < RfmSettings.MinBins or > RfmSettings.MaxBins))
            {
                throw Error(sourceName, "bins", $"Expected a whole number in [{RfmSettings.MinBins}, {RfmSettings.MaxBins}].");
            }

            var builder = new RfmSegmentMapBuilder(axes, bins);
            if (root.TryGetProperty("name", out var n))
            {
                if (n.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(n.GetString()))
                {
                    throw Error(sourceName, "name", "Expected a non-blank string.");
                }

                builder.WithName(n.GetString()!);
            }

            if (!root.TryGetProperty("segments", out var segs) || segs.ValueKind != JsonValueKind.Array)
            {
                throw Error(sourceName, "segments", "Expected an array of segment names.");
            }

            var i = 0;
            foreach (var s in segs.EnumerateArray())
            {
                var field = string.Create(CultureInfo.InvariantCulture, $"segments[{i++}]");
                if (s.ValueKind != JsonValueKind.String)
                {
                    throw Error(sourceName, field, "Expected a string.");
                }

                try
                {
                    builder.AddSegment(s.GetString()!);
                }
                catch (ArgumentException ex)
                {
                    throw Error(sourceName, field, ex.Message.Split(" (Parameter", 2)[0]);
                }
            }

            if (!root.TryGetProperty("cells", out var cells) || cells.ValueKind != JsonValueKind.Array)
            {
                throw Error(sourceName, "cells", "Expected an array of cell rules {\"segment\":..., \"r\":\"1-2\", \"f\":\"3\"}.");
            }

            var column = axes == RfmSegmentAxes.RecencyFrequency ? "f" : "fm";
            i = 0;
            foreach (var c in cells.EnumerateArray())
            {
                var field = string.Create(CultureInfo.InvariantCulture, $"cells[{i++}]");
                if (c.ValueKind != JsonValueKind.Object)
                {
                    throw Error(sourceName, field, "Expected an object.");
                }

                foreach (var p in c.EnumerateObject())
                {
                    if (p.Name != "segment" && p.Name != "r" && p.Name != column)
                    {
                        throw Error(sourceName, field + "." + p.Name, $"Unknown property; a cell rule has segment, r and {column}.");
                    }
                }

                if (!c.TryGetProperty("segment", out var seg) || seg.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(seg.GetString()))
                {
                    throw Error(sourceName, field + ".segment", "Expected a non-blank segment name.");
                }

                var name = seg.GetString()!;
                if (!builder.IsDeclared(name))
                {
                    throw Error(sourceName, field + ".segment", $"The unknown segment '{name}' is not in 'segments'.");
                }

                var (r0, r1) = Range(c, "r", bins, sourceName, field);
                var (x0, x1) = Range(c, column, bins, sourceName, field);
                builder.Assign(name, r0, r1, x0, x1);
            }

            var error = builder.Validate(out _);
            if (error is not null)
            {
                throw Error(sourceName, "cells", error);
            }

            return builder.Build();
        }
    }

    private static (int From, int To) Range(JsonElement cell, string name, int bins, string source, string field)
    {
        field = field + "." + name;
        if (!cell.TryGetProperty(name, out var v))
        {
            throw Error(source, field, $"Missing; expected a score or range such as \"2\" or \"1-{bins}\".");
        }

        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var single) && single >= 1 && single <= bins)
        {
            return (single, single);
        }

        if (v.ValueKind == JsonValueKind.String)
        {
            var text = v.GetString()!.Trim();
            var parts = text.Split('-', 2);
            if (int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                && (parts.Length == 1 || int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                var to = parts.Length == 1 ? from : int.Parse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture);
                if (from >= 1 && to >= from && to <= bins)
                {
                    return (from, to);
                }
            }
        }

        throw Error(source, field, $"Expected a score or range within [1, {bins}] such as \"2\" or \"1-{bins}\".");
    }

    private static DataFormatException Error(string source, string field, string reason) => new(reason, source, null, field);
}
