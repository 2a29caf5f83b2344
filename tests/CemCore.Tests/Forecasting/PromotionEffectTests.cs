using CemCore.Forecasting;

namespace CemCore.Tests.Forecasting;

/// <summary>
/// Counterfactual promotion effect and pull-forward check (<see cref="PromotionEffect"/>) on the seeded store series of
/// arima_reference.R: 200 + 25·promo + ARMA(1,1) noise (σ = 4), promotions at weeks 30–33, 70–73, 100–103 (1-based).
/// </summary>
public sealed class PromotionEffectTests
{
    private static readonly double[] Store = ForecastingReference.Series("store").Values;

    [Fact]
    public void Counterfactual_RecoversTheSimulatedLift()
    {
        // The generator adds 25 per promotion week: the true 4-week lift is 100.
        var impact = PromotionEffect.Counterfactual(Store, new ArimaSpecification(1, 0, 1), 69, 4, 4);
        Assert.True(impact.Promotion.Lower < 100 && 100 < impact.Promotion.Upper, $"{impact.Promotion}");
        Assert.True(impact.Promotion.Lower > 0, "the lift is significant");
        Assert.False(impact.PullForward, $"{impact.After}");
        Assert.Equal(0.0, impact.PullForwardSize);
    }

    [Fact]
    public void Counterfactual_ReportsADipAfterThePromotionAsPullForward()
    {
        var dipped = (double[])Store.Clone();
        for (var t = 73; t < 77; t++)
        {
            dipped[t] -= 40; // customers bought ahead: 160 units fewer over the 4 weeks after
        }

        var impact = PromotionEffect.Counterfactual(dipped, new ArimaSpecification(1, 0, 1), 69, 4, 4);
        Assert.True(impact.PullForward, $"{impact.After}");
        Assert.True(impact.PullForwardSize > 160 - (2 * 1.96 * impact.After.StandardError) && impact.PullForwardSize < 160 + (2 * 1.96 * impact.After.StandardError), $"{impact.PullForwardSize}");
        Assert.Equal(-impact.After.Difference, impact.PullForwardSize);
    }

    [Fact]
    public void SummedForecastVariance_ForOneStepMatchesRPredictSe()
    {
        // The ψ-weight variance of a one-period window equals R's predict() se (the state is known after 144 observations).
        var results = ForecastingReference.Results()["airline_log"];
        var (_, air) = ForecastingReference.Series("air");
        var fit = Arima.Fit(air, new ArimaSpecification(0, 1, 1, 0, 1, 1, 12), new ArimaFitOptions(logTransform: true));
        var psi = PromotionEffect.Psi(fit, 12);
        for (var h = 1; h <= 12; h++)
        {
            var v = 0.0;
            for (var j = 0; j < h; j++)
            {
                v += psi[j] * psi[j];
            }

            var rse = results["predse"][h.ToString(System.Globalization.CultureInfo.InvariantCulture)];
            Assert.Equal(rse, Math.Sqrt(v * fit.Sigma2), 3e-3 * rse);
        }
    }

    [Fact]
    public void BadWindows_AreArgumentErrors()
    {
        var spec = new ArimaSpecification(1, 0, 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => PromotionEffect.Counterfactual(Store, spec, 0, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromotionEffect.Counterfactual(Store, spec, 118, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromotionEffect.Counterfactual(Store, spec, 100, 4, 40));
        Assert.Throws<ArgumentException>(() => PromotionEffect.Counterfactual(Store, spec, 2, 4, 0));
    }
}
