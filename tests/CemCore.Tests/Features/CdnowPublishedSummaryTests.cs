using System.Globalization;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Tests.TestSupport;

namespace CemCore.Tests.Features;

/// <summary>
/// The summary derived from CDNOW_sample.txt must match the 2-dp published table
/// shared/data/cdnow/cdnow_customers_summary.csv (lifetimes, blob 3a9444dd; Hardie's BG/NBD spreadsheet, row 1 = 2, 30.43, 38.86).
/// </summary>
public sealed class CdnowPublishedSummaryTests
{
    [ReferenceDataFact]
    public void Btyd_FromCdnowSampleLog_MatchesTwoDecimalSummary()
    {
        var features = FeatureExtractor.Compute(CdnowSummaryTests.LoadSample(), new DateTimeOffset(1997, 10, 1, 0, 0, 0, TimeSpan.Zero), new FeatureSettings(TimeUnit.Week));
        var lines = File.ReadAllLines(ReferenceData.PathOf("cdnow", "cdnow_customers_summary.csv"));
        Assert.Equal("ID,frequency,recency,T", lines[0]);
        Assert.Equal(2357, lines.Length - 1);
        const double tolerance = 0.005 + 1e-9; // the file is rounded to 2 dp
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            Assert.True(features.TryGet(f[0], out var cf));
            Assert.Equal(int.Parse(f[1], CultureInfo.InvariantCulture), cf.Btyd.Frequency);
            Assert.InRange(cf.Btyd.Recency - double.Parse(f[2], CultureInfo.InvariantCulture), -tolerance, tolerance);
            Assert.InRange(cf.Btyd.Age - double.Parse(f[3], CultureInfo.InvariantCulture), -tolerance, tolerance);
        }
    }
}
