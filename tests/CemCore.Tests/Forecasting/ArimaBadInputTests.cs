using CemCore.Forecasting;

namespace CemCore.Tests.Forecasting;

/// <summary>Bad input to <see cref="Arima.Fit"/>: clear exceptions or a non-converged result, never NaN.</summary>
public sealed class ArimaBadInputTests
{
    private static readonly double[] Air = ForecastingReference.Series("air").Values;

    [Fact]
    public void TooShort_NonFinite_NonPositiveLog_AreArgumentErrors()
    {
        Assert.Contains("needs at least", Assert.Throws<ArgumentException>(() => Arima.Fit(Air.AsSpan(0, 14), new ArimaSpecification(0, 1, 1, 0, 1, 1, 12))).Message, StringComparison.Ordinal);
        var withNaN = (double[])Air.Clone();
        withNaN[5] = double.NaN;
        Assert.Throws<ArgumentException>(() => Arima.Fit(withNaN, new ArimaSpecification(1, 0, 0)));
        var withZero = (double[])Air.Clone();
        withZero[7] = 0;
        Assert.Contains("positive", Assert.Throws<ArgumentException>(() => Arima.Fit(withZero, new ArimaSpecification(1, 0, 0), new ArimaFitOptions(logTransform: true))).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArimaSpecification(1, 0, 0, 1, 0, 0, 1));
    }

    [Fact]
    public void NonStationaryArStart_IsRejected_NonInvertibleMaStart_IsInverted()
    {
        Assert.Contains("non-stationary", Assert.Throws<ArgumentException>(() =>
            Arima.Fit(Air, new ArimaSpecification(1, 1, 0), new ArimaFitOptions(initialArma: [1.2]))).Message, StringComparison.Ordinal);

        // MA start 2.5 is inverted to 0.4 (R's maInvert) and the fit reaches the same optimum as from zero.
        var fromInverted = Arima.Fit(Air, new ArimaSpecification(0, 1, 1), new ArimaFitOptions(initialArma: [2.5]));
        var fromZero = Arima.Fit(Air, new ArimaSpecification(0, 1, 1));
        Assert.Equal(fromZero.LogLikelihood, fromInverted.LogLikelihood, 1e-6);
        Assert.True(Math.Abs(fromInverted.Coefficient("ma1")) < 1);
    }

    [Fact]
    public void IterationLimit_IsReportedAsNotConverged_WithFiniteFigures()
    {
        var fit = Arima.Fit(Air, new ArimaSpecification(2, 1, 2), new ArimaFitOptions(maxIterations: 1));
        Assert.False(fit.Converged);
        Assert.False(string.IsNullOrEmpty(fit.Message));
        Assert.True(double.IsFinite(fit.LogLikelihood) && double.IsFinite(fit.Sigma2) && double.IsFinite(fit.Aic));
        Assert.All(fit.Forecast(3), p => Assert.True(double.IsFinite(p.Mean) && double.IsFinite(p.Lower) && double.IsFinite(p.Upper)));
    }

    [Fact]
    public void ParallelFits_AreIndependent()
    {
        var expected = Arima.Fit(Air, new ArimaSpecification(0, 1, 1, 0, 1, 1, 12), new ArimaFitOptions(logTransform: true)).LogLikelihood;
        var results = new double[16];
        Parallel.For(0, results.Length, i =>
            results[i] = Arima.Fit(Air, i % 2 == 0 ? new ArimaSpecification(0, 1, 1, 0, 1, 1, 12) : new ArimaSpecification(1, 1, 0), new ArimaFitOptions(logTransform: true)).LogLikelihood);
        for (var i = 0; i < results.Length; i += 2)
        {
            Assert.Equal(expected, results[i]);
        }
    }
}
