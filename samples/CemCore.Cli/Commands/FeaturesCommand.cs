using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Cli.CommandLine;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Cli.Commands;

/// <summary>
/// <c>cemcore features --transactions F --as-of DATE --out OUT.csv [--time-unit day|week] [--time-zone ID] [--partitions N] [--format json]</c>:
/// per-customer features as of the START of DATE (exclusive: transactions on DATE or later are ignored). DATE is taken in
/// <c>--time-zone</c> (an IANA id such as Asia/Shanghai; default UTC), which is also the zone of calendar days.
/// Columns are documented in docs/data.md ("cemcore features").
/// </summary>
internal static class FeaturesCommand
{
    internal static readonly string[] Columns =
    [
        "customer_id", "order_count", "repeat_count", "purchase_days", "first_purchase", "last_purchase", "recency_days", "tenure_days",
        "gross_spend", "returned_amount", "monetary_total", "monetary_mean", "return_count", "return_rate", "discount_total", "discount_share",
        "quantity", "interval_count", "interval_mean_days", "interval_std_days", "interval_min_days", "interval_max_days",
        "btyd_frequency", "btyd_recency", "btyd_T", "btyd_mean_repeat_spend", "top_category", "top_channel",
    ];

    public static Command Create()
    {
        var transactions = CliOptions.RequiredPath("--transactions", "Transactions CSV (customer_id,timestamp,amount,...).");
        var asOf = CliOptions.Date("--as-of", "Start of DATE in --time-zone (exclusive): transactions on DATE or later are ignored.", required: true);
        var outPath = CliOptions.OutputFile("--out", "Output CSV, one row per customer (columns in docs/data.md).");
        outPath.Required = true;
        var unit = CliOptions.Choice("--time-unit", "Unit of the BTYD columns (btyd_recency, btyd_T).", "day", "day", "week");
        var encoding = CliInput.EncodingOption();
        var zone = CliOptions.Text("--time-zone", "IANA time zone of DATE and of calendar days (default UTC), e.g. Asia/Shanghai.", "ID");
        var partitions = Partitioned.Option();
        var format = CliOptions.Format();
        var command = new Command("features", "Per-customer features (counts, spend, returns, intervals, BTYD summary) from a transactions CSV.") { transactions, asOf, outPath, unit, zone, encoding, partitions, format };
        CliHelp.Examples(
            command,
            "cemcore features --transactions tx.csv --as-of 2024-07-01 --out features.csv",
            "cemcore features --transactions tx.csv --as-of 2024-07-01 --time-zone Asia/Shanghai --time-unit week --out features.csv --format json");
        command.SetAction((parse, ct) => RunAsync(
            parse.GetValue(transactions)!, parse.GetValue(asOf)!.Value, parse.GetValue(outPath)!, parse.GetValue(unit)!, parse.GetValue(zone), parse.GetValue(encoding)!, parse.GetValue(partitions), parse.IsJson(format), ct));
        return command;
    }

    private static Task<int> RunAsync(string path, DateOnly date, string outPath, string unitText, string? zoneId, string encoding, int partitions, bool json, CancellationToken cancellationToken)
    {
        CliInput.EnsureNotAnInput("--out", outPath, ("--transactions", path));
        var unit = unitText == "week" ? TimeUnit.Week : TimeUnit.Day;

        TimeZoneInfo zone;
        try
        {
            zone = zoneId is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new UsageException($"--time-zone '{zoneId}' is not a known time zone id (e.g. UTC, Asia/Shanghai).");
        }

        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        var asOf = new DateTimeOffset(local, zone.GetUtcOffset(local));
        var settings = new FeatureSettings(unit, zone);
        TransactionTable? read = null;
        var features = CliProgress.Run(progress =>
        {
            var t = read = CliInput.ReadTransactions(path, encoding, progress, cancellationToken);
            return partitions == 1
                ? FeatureExtractor.Compute(t, asOf, settings, progress, cancellationToken)
                : Partitioned.Features(t, asOf, settings, partitions, cancellationToken);
        });
        var table = read!;

        CliInput.WarnIfAsOfBeforeAllData("features", table, asOf);
        Write(features, outPath);
        if (json)
        {
            CliJson.Write(new JsonObject { ["customers"] = features.Count, ["rows"] = table.Count, ["out"] = outPath });
        }
        else
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{features.Count} customers ({table.Count} transaction rows) as of {asOf:yyyy-MM-dd'T'HH:mm:sszzz} written to {outPath}"));
        }

        return Task.FromResult(0);
    }

    internal static void Write(CustomerFeatureSet features, string outPath)
    {
        // One reused line buffer, no string per cell (CliCsvWriter): the text is that of ToString(format, InvariantCulture).
        const string Iso = "yyyy-MM-dd'T'HH:mm:ss'Z'";
        using var csv = new CliCsvWriter(outPath);
        csv.Header(Columns);
        foreach (var f in features)
        {
            csv.Text(f.CustomerId)
               .Number(f.OrderCount).Number(f.RepeatCount).Number(f.PurchaseDays)
               .Time(f.FirstPurchase, Iso).Time(f.LastPurchase, Iso)
               .Number(f.RecencyDays, "R").Number(f.TenureDays, "R")
               .Number(f.GrossSpend).Number(f.ReturnedAmount).Number(f.MonetaryTotal).Number(decimal.Round(f.MonetaryMean, 4))
               .Number(f.ReturnCount).Number(f.ReturnRate, "R")
               .Number(f.DiscountTotal).Number(f.DiscountShare, "R")
               .Number(f.Quantity).Number(f.IntervalCount)
               .Number(f.IntervalMeanDays, "R").Number(f.IntervalPopulationStdDevDays, "R")
               .Number(f.IntervalMinDays).Number(f.IntervalMaxDays)
               .Number(f.Btyd.Frequency).Number(f.Btyd.Recency, "R").Number(f.Btyd.Age, "R").Number(decimal.Round(f.Btyd.MeanRepeatSpend, 4))
               .Text(TopCategory(f)).Text(TopChannel(f))
               .EndRow();
        }
    }

    /// <summary>The category with the highest spend (ties: first by name); empty when none.</summary>
    internal static string TopCategory(CustomerFeatures f)
    {
        // Indexed loops: a foreach over the IReadOnlyList allocated an enumerator per customer.
        CategoryStat? best = null;
        var categories = f.Categories;
        for (var i = 0; i < categories.Count; i++)
        {
            var c = categories[i];
            if (best is null || c.Spend > best.Value.Spend)
            {
                best = c;
            }
        }

        return best?.Category ?? string.Empty;
    }

    /// <summary>The channel with the most orders (ties: higher spend, then first by name); empty when none.</summary>
    internal static string TopChannel(CustomerFeatures f)
    {
        ChannelStat? best = null;
        var channels = f.Channels;
        for (var i = 0; i < channels.Count; i++)
        {
            var c = channels[i];
            if (best is null || c.Orders > best.Value.Orders || (c.Orders == best.Value.Orders && c.Spend > best.Value.Spend))
            {
                best = c;
            }
        }

        return best?.Channel.Value ?? string.Empty;
    }
}
