using CemCore.Clv;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Tests.TestSupport;
using CemCore.Transactions;

namespace CemCore.Tests.Clv;

/// <summary>The example of docs/clv.md, kept compiling and running here (published values: FHL 2005, see <see cref="BtydFitTests"/>).</summary>
public sealed class ClvDocsExampleTests
{
    [ReferenceDataFact]
    public void DocsExample_Runs()
    {
        var table = ClvTestData.CdnowLog();
        var (bgR, clvOfFirst) = DocsExample(table);
        Assert.Equal(0.243, bgR, 0.0005);
        Assert.True(clvOfFirst > 0);
    }

    private static (double R, double FirstClv) DocsExample(TransactionTable table)
    {
        // --- docs/clv.md example begins ---
        // Calibration period: every purchase up to and including 1997-09-30; times in weeks.
        var split = CalibrationHoldoutSplit.Create(table, calibrationEnd: new DateOnly(1997, 9, 30),
            holdoutEnd: new DateOnly(1998, 6, 30), new FeatureSettings(TimeUnit.Week));

        var bg = BgNbdModel.Fit(split.ToBtydData());                              // r, α, a, b (α in weeks)
        if (!bg.Diagnostics.Converged)
        {
            throw new InvalidOperationException(bg.Diagnostics.Message);
        }

        var spend = GammaGammaModel.Fit(split.Frequency, split.MeanRepeatSpend);  // x = 0 rows are excluded

        // Per customer: P(alive) and expected purchases in the next 52 weeks (span in, span out, no allocation).
        var pAlive = new double[split.Count];
        var expected = new double[split.Count];
        bg.Model.ProbabilityAlive(split.Frequency, split.Recency, split.Age, pAlive);
        bg.Model.ConditionalExpectedPurchases(52, split.Frequency, split.Recency, split.Age, expected);

        // CLV over 52 weeks, 0.19% discount per week (≈ 10% a year), 30% margin.
        var settings = new ClvSettings(TimeUnit.Week, horizonPeriods: 52, discountRatePerPeriod: 0.0019, margin: 0.3);
        var clv = new double[split.Count];
        CustomerLifetimeValue.Compute(bg.Model, spend.Model, settings,
            split.Frequency, split.Recency, split.Age, split.MeanRepeatSpend, clv);

        // Validation: expected vs actual holdout purchases by calibration frequency 0..7+.
        foreach (var row in BtydValidation.HoldoutByFrequency(bg.Model, split))
        {
            Console.WriteLine($"{row.Frequency}{(row.IncludesHigher ? "+" : "")}: {row.Customers} customers, actual {row.ActualMean:F3}, expected {row.ExpectedMean:F3}");
        }
        // --- docs/clv.md example ends ---

        return (bg.Model.R, clv[0]);
    }
}
