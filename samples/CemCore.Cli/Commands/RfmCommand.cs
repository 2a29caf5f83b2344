using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Segmentation.Rfm;
using CemCore.Sources.Csv;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore rfm --transactions F [--as-of DATE] [--bins 5] [--map rf10|rfm11|MAP.json] [--out OUT.csv] [--partitions N] [--format json]</c>:
/// RFM scores and segments of every customer in a transactions CSV.
/// </summary>
/// <remarks>
/// JSON: <c>{"customers":N,"segments":{"Champions":n,...,"Prospects":n}}</c> (every segment of the map, zero counts included).
/// OUT.csv: <c>customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment</c>, sorted by id (ordinal); prospects have
/// empty recency and scores. As-of defaults to the day after the last transaction; <c>--as-of DATE</c> means midnight UTC at the start
/// of DATE (exclusive).
/// </remarks>
internal static class RfmCommand
{
    public static Command Create()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var asOf = CliOptions.Date("--as-of", "00:00 UTC of DATE (exclusive); default: the day after the last transaction.");
        var bins = CliOptions.Integer("--bins", "Score levels per dimension (quantile bins).", RfmSettings.DefaultBins, min: RfmSettings.MinBins, max: RfmSettings.MaxBins);
        var binning = CliOptions.Choice("--binning", "quantile (default: equal-count rank bins) or thresholds (fixed cut-points from --recency-cuts, --frequency-cuts, --monetary-cuts).", "quantile", "quantile", "thresholds");
        var recencyCuts = CliOptions.Text("--recency-cuts", "With --binning thresholds: ascending day cut-points, bins right-closed (30,90,180,365: <=30 days scores best).", "D1,D2,..");
        var frequencyCuts = CliOptions.Text("--frequency-cuts", "With --binning thresholds: ascending purchase-count cut-points (1,2,4,8: 1 purchase scores 1, more than 8 scores 5).", "N1,N2,..");
        var monetaryCuts = CliOptions.Text("--monetary-cuts", "With --binning thresholds: ascending spend cut-points in the data's currency (100,300,1000,3000).", "M1,M2,..");
        var map = CliOptions.Text("--map", "Segment map: rf10 (default), rfm11 or a JSON map file.", "rf10|rfm11|MAP.json");
        var outPath = CliOptions.OutputFile("--out", "Output CSV: customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment.");
        var encoding = CliInput.EncodingOption();
        var partitions = Partitioned.Option();
        var format = CliOptions.Format();
        var command = new Command("rfm", "RFM scores (recency, frequency, monetary quantile bins) and segments of every customer.") { transactions, asOf, bins, binning, recencyCuts, frequencyCuts, monetaryCuts, map, outPath, encoding, partitions, format };
        CliHelp.Examples(
            command,
            "cemcore rfm --transactions tx.csv",
            "cemcore rfm --transactions tx.csv --as-of 2024-07-01 --map rfm11 --out rfm.csv --format json",
            "cemcore rfm --transactions tx.csv --binning thresholds --recency-cuts 30,90,180,365 --frequency-cuts 1,2,4,8 --monetary-cuts 100,300,1000,3000");
        command.SetAction((parse, ct) =>
        {
            var thresholds = parse.GetValue(binning) == "thresholds"
                ? RfmThresholdOptions.Parse(parse.GetValue(recencyCuts), parse.GetValue(frequencyCuts), parse.GetValue(monetaryCuts))
                : RfmThresholdOptions.None(parse.GetValue(recencyCuts), parse.GetValue(frequencyCuts), parse.GetValue(monetaryCuts));
            var binCount = thresholds is null ? parse.GetValue(bins) : RfmThresholdOptions.Bins(thresholds, parse.GetResult(bins) is { Implicit: false } ? parse.GetValue(bins) : null);
            return RunAsync(
                parse.GetValue(transactions)!, parse.GetValue(asOf), binCount, thresholds, parse.GetValue(map) ?? "rf10", parse.GetValue(outPath), parse.GetValue(encoding)!, parse.GetValue(partitions), parse.IsJson(format), ct);
        });
        return command;
    }

    private static Task<int> RunAsync(string path, DateOnly? asOfDate, int bins, RfmThresholds? thresholds, string mapName, string? outPath, string encoding, int partitions, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--out", outPath, ("--transactions", path), ("--map", mapName));

        var map = mapName switch
        {
            "rf10" => RfmSegmentMap.RecencyFrequency10,
            "rfm11" => RfmSegmentMap.RecencyFrequencyMonetary11,
            _ when File.Exists(mapName) => RfmSegmentMap.LoadJson(File.ReadAllText(mapName), Path.GetFileName(mapName)),
            _ => throw new UsageException($"--map must be rf10, rfm11 or an existing JSON file, not '{mapName}'."),
        };
        if (map.Bins != bins)
        {
            map = map.Bins == RfmSettings.DefaultBins ? map.Rescale(bins) : throw new UsageException($"The map has {map.Bins} bins but --bins is {bins}.");
        }

        var table = CliInput.ReadTransactions(path, encoding, null, cancellationToken);
        var asOf = asOfDate is { } d
            ? new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero)
            : RfmValues.DefaultAsOf(table);
        CliInput.WarnIfAsOfBeforeAllData("rfm", table, asOf);
        var settings = new RfmSettings(bins, thresholds is null ? RfmBinning.RankQuantile : RfmBinning.Thresholds, thresholds, map);
        IReadOnlyList<RfmResult> results = partitions == 1
            ? [RfmScorer.Score(RfmValues.FromTransactions(table, asOf), settings)]
            : Partitioned.Rfm(table, asOf, settings, partitions);
        var perPartition = results.Select(r => r.CountBySegment()).ToArray();
        var counts = perPartition[0].Select((c, k) => new KeyValuePair<string, int>(c.Key, perPartition.Sum(p => p[k].Value))).ToArray();
        var total = results.Sum(r => r.Count);
        var stats = RfmSegmentStats.Compute(results, counts.Select(c => c.Key).ToArray());
        var ties = thresholds is null ? RfmSegmentStats.TieBrokenCustomers(results) : 0;
        if (ties > 0)
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cemcore rfm: note: {ties} customers share their recency, frequency or monetary value with customers in the next bin; customer id order decided their bin (as pandas rank(method=\"first\")). Use --binning thresholds for value-only bins."));
        }

        if (outPath is not null)
        {
            WriteCsv(outPath, results);
        }

        if (json)
        {
            var segments = new JsonObject();
            foreach (var (name, count) in counts)
            {
                segments[name] = count;
            }

            var root = new JsonObject { ["customers"] = total, ["segments"] = segments, ["segmentStats"] = RfmSegmentStats.Json(stats), ["tieBrokenCustomers"] = ties };
            if (thresholds is not null)
            {
                root["thresholds"] = RfmThresholdOptions.Json(thresholds);
            }

            CliJson.Write(root);
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RFM as of {asOf:yyyy-MM-dd}: {total} customers, {bins} bins, map '{map.Name}'"));
            Console.Out.Write(RfmSegmentStats.Table(stats));
            if (outPath is not null)
            {
                Console.Out.WriteLine($"scores written to {outPath}");
            }
        }

        return Task.FromResult(0);
    }

    internal static string FormatTable(IReadOnlyList<KeyValuePair<string, int>> counts, int total)
    {
        var width = Math.Max(7, counts.Max(c => c.Key.Length));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{"segment".PadRight(width)}  {"customers",9}  {"share",6}").AppendLine();
        foreach (var (name, count) in counts)
        {
            var share = total == 0 ? 0.0 : 100.0 * count / total;
            sb.Append(CultureInfo.InvariantCulture, $"{name.PadRight(width)}  {count,9}  {share,5:0.0}%").AppendLine();
        }

        sb.Append(CultureInfo.InvariantCulture, $"{"total".PadRight(width)}  {total,9}").AppendLine();
        return sb.ToString();
    }

    private static void WriteCsv(string path, IReadOnlyList<RfmResult> results)
    {
        var order = results.SelectMany((r, p) => Enumerable.Range(0, r.Count).Select(i => (Part: p, Index: i))).ToArray();
        Array.Sort(order, (a, b) => string.CompareOrdinal(results[a.Part].Values.CustomerIds[a.Index], results[b.Part].Values.CustomerIds[b.Index]));
        using var writer = new StreamWriter(path, false, new UTF8Encoding(false));
        writer.Write("customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,segment\n");
        var inv = CultureInfo.InvariantCulture;
        foreach (var (part, i) in order)
        {
            var result = results[part];
            var ids = result.Values.CustomerIds;
            var s = result.Scores[i];
            var prospect = s.IsProspect;
            writer.Write(Quote(ids[i]));
            writer.Write(',');
            writer.Write(prospect ? string.Empty : result.Values.RecencyDays[i].ToString("0", inv));
            writer.Write(',');
            writer.Write(result.Values.Frequency[i].ToString(inv));
            writer.Write(',');
            writer.Write(result.Values.Monetary[i].ToString("0.00", inv));
            writer.Write(',');
            writer.Write(prospect ? ",," : string.Create(inv, $"{s.Recency},{s.Frequency},{s.Monetary}"));
            writer.Write(',');
            writer.Write(Quote(result.SegmentOf(i)));
            writer.Write('\n');
        }
    }

    private static string Quote(string text) =>
        text.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
}
