using CemCore.Churn;
using CemCore.Sources;

namespace CemCore.Tests.Churn;

/// <summary>
/// Issue 16: one 1e308 cell silently zeroed a strong predictor (the sum of squares overflowed, the scale became infinite). A
/// standardized logistic regression is invariant to rescaling a column, so rescaling by 1e300 must not change any prediction.
/// </summary>
public sealed class HugeValueStandardizationTests
{
    private static readonly double[] Strong = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 2.5, 7.5];
    private static readonly double[] Noise = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
    private static readonly bool[] Labels = [false, false, false, true, false, true, true, false, true, true, false, true];

    private static double[] Predict(double scale)
    {
        var values = new double[Strong.Length * 2];
        for (var i = 0; i < Strong.Length; i++)
        {
            values[2 * i] = Strong[i] * scale;
            values[(2 * i) + 1] = Noise[i];
        }

        var x = FeatureMatrix.FromRowMajor(["strong", "noise"], values);
        var model = LogisticRegression.Fit(x, Labels);
        Assert.True(double.IsFinite(model.Coefficients[0]));
        return model.Score(x);
    }

    [Theory]
    [InlineData(1e300)]
    [InlineData(1e-300)]
    public void RescalingAColumn_ToTheEdgeOfDouble_DoesNotChangePredictions(double scale)
    {
        var reference = Predict(1);
        var scaled = Predict(scale);
        for (var i = 0; i < reference.Length; i++)
        {
            Assert.Equal(reference[i], scaled[i], 9);
        }
    }

    [Fact]
    public void OneCellOf1e308_KeepsTheColumnsCoefficientFinite_AndNonZero()
    {
        var values = new double[Strong.Length * 2];
        for (var i = 0; i < Strong.Length; i++)
        {
            values[2 * i] = Strong[i];
            values[(2 * i) + 1] = Noise[i];
        }

        values[0] = 1e308;
        var model = LogisticRegression.Fit(FeatureMatrix.FromRowMajor(["strong", "noise"], values), Labels);
        Assert.True(double.IsFinite(model.Coefficients[0]) && model.Coefficients[0] != 0);
    }

    [Theory]
    [InlineData("1e309")]
    [InlineData("-1e400")]
    [InlineData("Infinity")]
    public void FeatureTableCsv_OverflowingNumber_IsAnError_NamingLineAndColumn(string cell)
    {
        var ex = Assert.Throws<DataFormatException>(() => FeatureTableCsv.Read(new StringReader($"customer_id,x,y\na,1,0\nb,{cell},1\n"), "t.csv"));
        Assert.Equal((3L, "x"), (ex.Line, ex.Field));
    }
}
