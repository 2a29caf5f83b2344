using CemCore.Churn;
using CemCore.Features;
using CemCore.Transactions;

namespace CemCore.Tests.Churn;

public sealed class ChurnFeatureMapTests
{
    [Fact]
    public void ToMatrix_MapsCustomerFeatures_WithNaNForUndefined()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var b = new TransactionTableBuilder(8);
        b.AddPurchase("A", t0, 10m);
        b.AddPurchase("A", t0.AddDays(10), 30m);
        b.AddPurchase("B", t0.AddDays(5), 50m);
        var features = FeatureExtractor.Compute(b.Build(), t0.AddDays(20));

        var m = ChurnFeatureMap.Default.ToMatrix(features);
        Assert.Equal(
            ["frequency", "recency_days", "tenure_days", "average_order_value", "monetary_total", "return_rate", "discount_share", "interval_mean_days", "purchase_days"],
            m.ColumnNames);
        Assert.Equal(2, m.RowCount);
        var a = m.Row(0).ToArray();
        Assert.Equal([1.0, 10.0, 20.0, 20.0, 40.0, 0.0, 0.0, 10.0, 2.0], a);
        var single = m.Row(1).ToArray();
        Assert.Equal(0.0, single[0]);
        Assert.Equal(15.0, single[1]);
        Assert.True(double.IsNaN(single[7]));

        // Reject is the default: the single-purchase customer's interval makes training fail loudly, naming the column.
        var ex = Assert.Throws<CemCore.Sources.DataFormatException>(() => LogisticRegression.Fit(m, [false, true]));
        Assert.Equal("interval_mean_days", ex.Field);
    }

    [Fact]
    public void Constructor_RejectsDuplicatesAndEmpty()
    {
        Assert.Throws<ArgumentException>(() => new ChurnFeatureMap([]));
        Assert.Throws<ArgumentException>(() => new ChurnFeatureMap([ChurnFeature.Frequency, ChurnFeature.Frequency]));
        Assert.Throws<ArgumentException>(() => new ChurnFeatureMap([(ChurnFeature)99]));
    }
}
