using System.Globalization;
using CemCore.Features;

namespace CemCore.Tests.Features;

/// <summary>Field-by-field comparison of two customers' features (decimal sums to their scale, via their invariant text).</summary>
internal static class FeatureAssert
{
    /// <summary>Asserts that <paramref name="a"/> equals <paramref name="e"/> in every field.</summary>
    public static void Same(CustomerFeatures e, CustomerFeatures a)
    {
        Assert.Equal(e.OrderCount, a.OrderCount);
        Assert.Equal(e.ReturnCount, a.ReturnCount);
        Assert.Equal(e.PurchaseDays, a.PurchaseDays);
        Assert.Equal(e.GrossSpend.ToString(CultureInfo.InvariantCulture), a.GrossSpend.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(e.ReturnedAmount.ToString(CultureInfo.InvariantCulture), a.ReturnedAmount.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(e.DiscountTotal.ToString(CultureInfo.InvariantCulture), a.DiscountTotal.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(e.Quantity, a.Quantity);
        Assert.Equal(e.FirstPurchase, a.FirstPurchase);
        Assert.Equal(e.LastPurchase, a.LastPurchase);
        Assert.Equal(e.IntervalMeanDays, a.IntervalMeanDays);
        Assert.Equal(e.IntervalPopulationStdDevDays, a.IntervalPopulationStdDevDays);
        Assert.Equal(e.IntervalMinDays, a.IntervalMinDays);
        Assert.Equal(e.IntervalMaxDays, a.IntervalMaxDays);
        Assert.Equal(e.Btyd, a.Btyd);
        Assert.Equal(e.Categories.ToArray(), a.Categories.ToArray());
        Assert.Equal(e.Channels.ToArray(), a.Channels.ToArray());
    }
}
