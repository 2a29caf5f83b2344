using System.Globalization;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Tests.TestSupport;
using CemCore.Transactions;

namespace CemCore.Tests.Features;

/// <summary>
/// The BTYD summary derived from the raw CDNOW transaction log must reproduce the published calibration summary.
/// Reference: BTYD (cran/BTYD 2.4.3) data/cdnowSummary.RData, element cbs, converted to shared/data/cdnow/cdnowSummary_cbs.csv;
/// conventions from Fader, Hardie &amp; Lee (2005) and shared/data/cdnow/SOURCE.md (calibration end 1997-09-30 inclusive, weeks).
/// </summary>
public sealed class CdnowSummaryTests
{
    internal static TransactionTable LoadSample()
    {
        var builder = new TransactionTableBuilder(7000);
        foreach (var line in File.ReadLines(ReferenceData.PathOf("cdnow", "CDNOW_sample.txt")))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 5)
            {
                continue;
            }

            var date = DateTime.ParseExact(parts[2], "yyyyMMdd", CultureInfo.InvariantCulture);
            builder.AddPurchase(
                int.Parse(parts[1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
                new DateTimeOffset(date, TimeSpan.Zero),
                decimal.Parse(parts[4], CultureInfo.InvariantCulture),
                quantity: Math.Max(1, int.Parse(parts[3], CultureInfo.InvariantCulture)));
        }

        return builder.Build();
    }

    [ReferenceDataFact]
    public void Btyd_FromCdnowSampleLog_ReproducesCbsTo1e9()
    {
        var table = LoadSample();
        var asOf = new DateTimeOffset(1997, 10, 1, 0, 0, 0, TimeSpan.Zero); // exclusive: 1997-09-30 included
        var features = FeatureExtractor.Compute(table, asOf, new FeatureSettings(TimeUnit.Week));

        var lines = File.ReadAllLines(ReferenceData.PathOf("cdnow", "cdnowSummary_cbs.csv")).Skip(1).ToArray();
        Assert.Equal(2357, lines.Length);
        Assert.Equal(2357, features.Count);
        var repeaters = 0;
        foreach (var line in lines)
        {
            var f = line.Split(',');
            Assert.True(features.TryGet(f[0], out var cf), $"customer {f[0]} missing");
            var x = int.Parse(f[1], CultureInfo.InvariantCulture);
            var tx = double.Parse(f[2], CultureInfo.InvariantCulture);
            var T = double.Parse(f[3], CultureInfo.InvariantCulture);
            var mx = double.Parse(f[5], CultureInfo.InvariantCulture);
            Assert.Equal(x, cf.Btyd.Frequency);
            Assert.Equal(tx, cf.Btyd.Recency, 1e-9);
            Assert.Equal(T, cf.Btyd.Age, 1e-9);
            Assert.Equal(mx, (double)cf.Btyd.MeanRepeatSpend, 1e-9);
            repeaters += x > 0 ? 1 : 0;
        }

        // SOURCE.md totals: 946 repeaters, 2,457 calibration repeat transactions.
        Assert.Equal(946, repeaters);
        Assert.Equal(2457, features.Sum(f => f.Btyd.Frequency));
    }
}
