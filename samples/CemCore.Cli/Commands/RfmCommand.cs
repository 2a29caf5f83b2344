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
    private static readonly string[] CsvColumns = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"];

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
        var (counts, total) = SegmentCounts(results);
        var stats = RfmSegmentStats.Compute(results, counts);
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

    /// <summary>Customers per segment (every segment of the map, in its order) summed over the partitions, and the customer total.</summary>
    private static (KeyValuePair<string, int>[] Counts, int Total) SegmentCounts(IReadOnlyList<RfmResult> results)
    {
        IReadOnlyList<KeyValuePair<string, int>>? names = null;
        int[] sums = [];
        var total = 0;
        foreach (var result in results)
        {
            var partCounts = result.CountBySegment();
            if (names is null)
            {
                names = partCounts;
                sums = new int[partCounts.Count];
            }

            for (var k = 0; k < sums.Length; k++)
            {
                sums[k] += partCounts[k].Value;
            }

            total += result.Count;
        }

        var counts = new KeyValuePair<string, int>[sums.Length];
        for (var k = 0; k < counts.Length; k++)
        {
            counts[k] = new(names![k].Key, sums[k]);
        }

        return (counts, total);
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
        // Rows in ordinal id order over all partitions: one key array and one (partition, index) array sorted together, then one
        // reused line buffer (CliCsvWriter), so the 1M-row one-shot run does not allocate a string per cell.
        var n = 0;
        foreach (var r in results)
        {
            n += r.Count;
        }

        var ids = new string[n];
        var rows = new long[n];
        n = 0;
        for (var p = 0; p < results.Count; p++)
        {
            var partIds = results[p].Values.CustomerIds;
            for (var i = 0; i < partIds.Count; i++, n++)
            {
                ids[n] = partIds[i];
                rows[n] = ((long)p << 32) | (uint)i;
            }
        }

        Array.Sort(ids, rows, StringComparer.Ordinal);
        using var csv = new CliCsvWriter(path);
        csv.Header(CsvColumns);
        foreach (var row in rows)
        {
            var result = results[(int)(row >> 32)];
            var i = (int)(row & uint.MaxValue);
            var values = result.Values;
            var s = result.Scores[i];
            csv.Text(values.CustomerIds[i]);
            if (s.IsProspect)
            {
                csv.Empty().Number(values.Frequency[i]).Number(values.Monetary[i], "0.00").Empty().Empty().Empty();
            }
            else
            {
                csv.Number(values.RecencyDays[i], "0").Number(values.Frequency[i]).Number(values.Monetary[i], "0.00")
                   .Number(s.Recency).Number(s.Frequency).Number(s.Monetary);
            }

            csv.Text(result.SegmentOf(i)).EndRow();
        }
    }
}
