using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Tests.TestSupport;

namespace CemCore.Tests.Clv;

/// <summary>
/// Maximum-likelihood fits against published CDNOW figures.
/// BG/NBD: Fader, Hardie &amp; Lee (2005), "Counting your customers the easy way", Marketing Science 24(2), section 5:
/// r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4.
/// Pareto/NBD: Fader, Hardie &amp; Lee (2005), "RFM and CLV", JMR 42(4) / Fader &amp; Hardie Pareto/NBD note: r = 0.553, α = 10.578,
/// s = 0.606, β = 11.669, LL = −9595.0.
/// Full-precision LL −9582.4292 (BG/NBD) from shared/data/cdnow/SOURCE.md (what BTYD 2.4.3 / CLVTools report).
/// </summary>
public sealed class BtydFitTests
{
    [ReferenceDataFact]
    public void BgNbd_CdnowSummary_ReproducesPublishedParameters()
    {
        var data = ClvTestData.CdnowCbsData();
        Assert.Equal(1016, data.DistinctRowCount); // distinct (x, t.x, T.cal) in cdnowSummary_cbs.csv
        var fit = BgNbdModel.Fit(data);
        Assert.True(fit.Diagnostics.Converged, fit.Diagnostics.Message);
        AssertBgNbdCdnow(fit.Model, fit.Diagnostics);
        Assert.Equal(-9582.4292, fit.Diagnostics.LogLikelihood, 3);
        Assert.Equal(2357, fit.Diagnostics.Customers);
    }

    [ReferenceDataFact]
    public void BgNbd_CdnowRawLog_SameAsSummary()
    {
        var data = CdnowFromLog();
        Assert.Equal(2357, data.CustomerCount);
        Assert.Equal(2457, data.TotalRepeatPurchases);
        var fromLog = BgNbdModel.Fit(data);
        var fromSummary = BgNbdModel.Fit(ClvTestData.CdnowCbsData());
        AssertBgNbdCdnow(fromLog.Model, fromLog.Diagnostics);
        Assert.Equal(fromSummary.Model.R, fromLog.Model.R, 1e-6);
        Assert.Equal(fromSummary.Model.Alpha, fromLog.Model.Alpha, 1e-5);
        Assert.Equal(fromSummary.Diagnostics.LogLikelihood, fromLog.Diagnostics.LogLikelihood, 1e-4);
    }

    [ReferenceDataFact]
    public void ParetoNbd_CdnowSummary_ReproducesPublishedParameters()
    {
        var fit = ParetoNbdModel.Fit(ClvTestData.CdnowCbsData());
        Assert.True(fit.Diagnostics.Converged, fit.Diagnostics.Message);
        AssertParetoCdnow(fit.Model, fit.Diagnostics);
    }

    [ReferenceDataFact]
    public void ParetoNbd_CdnowRawLog_ReproducesPublishedParameters()
    {
        var fit = ParetoNbdModel.Fit(CdnowFromLog());
        Assert.True(fit.Diagnostics.Converged, fit.Diagnostics.Message);
        AssertParetoCdnow(fit.Model, fit.Diagnostics);
    }

    [ReferenceDataFact]
    public void BgNbd_CdnowInDays_ScalesAlphaBySeven()
    {
        // Changing the unit from weeks to days multiplies α by 7, leaves r, a, b unchanged and shifts LL by −Σx·ln 7 (Jacobian).
        var features = FeatureExtractor.Compute(ClvTestData.CdnowLog(), new DateTimeOffset(1997, 10, 1, 0, 0, 0, TimeSpan.Zero), new FeatureSettings(TimeUnit.Day));
        var days = BgNbdModel.Fit(BtydData.FromFeatures(features));
        var weeks = BgNbdModel.Fit(CdnowFromLog());
        Assert.Equal(TimeUnit.Day, days.Model.Unit);
        Assert.Equal(7 * weeks.Model.Alpha, days.Model.Alpha, 1e-4);
        Assert.Equal(weeks.Model.R, days.Model.R, 1e-6);
        Assert.Equal(weeks.Model.B, days.Model.B, 1e-5);
        Assert.Equal(weeks.Diagnostics.LogLikelihood - (2457 * Math.Log(7)), days.Diagnostics.LogLikelihood, 1e-4);
    }

    internal static BtydData CdnowFromLog()
    {
        var features = FeatureExtractor.Compute(ClvTestData.CdnowLog(), new DateTimeOffset(1997, 10, 1, 0, 0, 0, TimeSpan.Zero), new FeatureSettings(TimeUnit.Week));
        return BtydData.FromFeatures(features);
    }

    private static void AssertBgNbdCdnow(BgNbdModel m, FitDiagnostics d)
    {
        Assert.Equal(0.243, m.R, 0.0005);
        Assert.Equal(4.414, m.Alpha, 0.0005);
        Assert.Equal(0.793, m.A, 0.0005);
        Assert.Equal(2.426, m.B, 0.0005);
        Assert.Equal(-9582.4, d.LogLikelihood, 0.05);
    }

    private static void AssertParetoCdnow(ParetoNbdModel m, FitDiagnostics d)
    {
        Assert.Equal(0.553, m.R, 0.0005);
        Assert.Equal(10.578, m.Alpha, 0.0005);
        Assert.Equal(0.606, m.S, 0.0005);
        Assert.Equal(11.669, m.Beta, 0.0005);
        Assert.Equal(-9595.0, d.LogLikelihood, 0.05);
    }
}
