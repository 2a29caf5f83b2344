using CemCore.Clv;

namespace CemCore.Tests.Clv;

/// <summary>Issue 16: fits on data that cannot identify the model said "converged" with absurd parameters.</summary>
public sealed class DegenerateFitTests
{
    [Fact]
    public void CountModels_NoRepeatBuyer_AreNotIdentifiable()
    {
        var data = BtydData.Create([0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [4, 3.5, 3, 2, 1]);
        foreach (var d in new[] { BgNbdModel.Fit(data).Diagnostics, MbgNbdModel.Fit(data).Diagnostics, ParetoNbdModel.Fit(data).Diagnostics })
        {
            Assert.False(d.Converged);
            Assert.False(d.Identifiable);
            Assert.Contains("no customer made a repeat purchase", d.NotIdentifiableReason, StringComparison.Ordinal);
            Assert.StartsWith("not identifiable: ", d.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void CountModels_OneCustomer_IsNotIdentifiable()
    {
        var d = BgNbdModel.Fit(BtydData.Create([2], [3], [4])).Diagnostics;
        Assert.False(d.Converged);
        Assert.Contains("only 1 customers for 4 parameters", d.NotIdentifiableReason, StringComparison.Ordinal);
    }

    [Fact]
    public void GammaGamma_IdenticalSpends_IsNotIdentifiable()
    {
        var d = GammaGammaModel.Fit([1, 2, 3], [10.0, 10.0, 10.0]).Diagnostics;
        Assert.False(d.Converged);
        Assert.Contains("same mean spend", d.NotIdentifiableReason, StringComparison.Ordinal);
        Assert.Contains("one repeat customer", GammaGammaModel.Fit([1, 0], [10.0, 0.0]).Diagnostics.NotIdentifiableReason, StringComparison.Ordinal);
    }

    [Fact]
    public void GammaGamma_SpreadSpends_StaysIdentifiable()
    {
        // Fader, Hardie & Lee (2005) shape: varied spends over many customers identify p, q and gamma.
        var freq = Enumerable.Range(0, 200).Select(i => 1 + (i % 5)).ToArray();
        var spend = Enumerable.Range(0, 200).Select(i => 10.0 + (37 * i % 41)).ToArray();
        var d = GammaGammaModel.Fit(freq, spend).Diagnostics;
        Assert.True(d.Identifiable, d.Message);
        Assert.Null(d.NotIdentifiableReason);
    }
}
