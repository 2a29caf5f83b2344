using System.Globalization;
using MathNet.Numerics.Distributions;

namespace CemCore.Forecasting;

/// <summary>Actual minus counterfactual forecast over a window, with its prediction interval.</summary>
/// <param name="Periods">The number of periods in the window.</param>
/// <param name="Actual">Σ actual values.</param>
/// <param name="Counterfactual">Σ forecasts from the pre-promotion fit.</param>
/// <param name="Difference">Actual − counterfactual.</param>
/// <param name="Lower">Lower bound of the interval of the difference (actual − upper bound of the summed forecast).</param>
/// <param name="Upper">Upper bound of the interval of the difference.</param>
/// <param name="StandardError">Standard error of the summed forecast error.</param>
public sealed record PromotionWindowEffect(int Periods, double Actual, double Counterfactual, double Difference, double Lower, double Upper, double StandardError);

/// <summary>The result of <see cref="PromotionEffect.Counterfactual"/>.</summary>
/// <param name="PreFit">The model fitted to the pre-promotion periods.</param>
/// <param name="Promotion">The promotion window: its lift over the counterfactual.</param>
/// <param name="After">The periods after the promotion: a negative difference below its interval is pull-forward.</param>
/// <param name="PullForward">Whether the after-window total fell below its prediction interval (sales pulled forward).</param>
/// <param name="PullForwardSize">The size of the dip (counterfactual − actual over the after window) when <paramref name="PullForward"/>, else 0.</param>
/// <param name="Level">The interval level in percent.</param>
public sealed record PromotionImpact(ArimaFit PreFit, PromotionWindowEffect Promotion, PromotionWindowEffect After, bool PullForward, double PullForwardSize, double Level);

/// <summary>
/// Promotion effect by counterfactual forecasting (issue 11): fit the ARIMA model to the periods before the promotion, forecast the
/// promotion window and the periods after it, and compare the actual totals with the forecast totals. The variance of a summed
/// forecast error Σ_{h=a}^{b} e_h is σ² Σ_{i=1}^{b} (Σ_{h=max(i,a)}^{b} ψ_{h−i})² with ψ the MA(∞) weights of the full model including
/// its differences (Box, Jenkins &amp; Reinsel, §5.2). The regression-with-ARIMA-errors estimate of a 0/1 promotion regressor is
/// <see cref="Arima.Fit"/> with an <see cref="ArimaRegressor"/> (CLI <c>forecast effect</c>).
/// </summary>
public static class PromotionEffect
{
    /// <summary>Runs the counterfactual and pull-forward analysis on the model scale (no log transform).</summary>
    /// <param name="series">The whole series.</param>
    /// <param name="specification">The model.</param>
    /// <param name="promotionStart">Index of the first promotion period (the fit uses the periods before it).</param>
    /// <param name="promotionLength">Number of promotion periods (≥ 1).</param>
    /// <param name="afterLength">Number of periods after the promotion to check for pull-forward (≥ 0).</param>
    /// <param name="level">Interval level in percent, in (0, 100).</param>
    /// <param name="cancellationToken">Passed to the fit.</param>
    /// <returns>The impact.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A window outside the series or a bad level.</exception>
    /// <exception cref="ArgumentException">Too few pre-promotion periods for the model (from <see cref="Arima.Fit"/>).</exception>
    public static PromotionImpact Counterfactual(
        ReadOnlySpan<double> series, ArimaSpecification specification, int promotionStart, int promotionLength, int afterLength, double level = 95.0,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specification);
        if (promotionStart < 1 || promotionStart >= series.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(promotionStart), promotionStart, "The promotion must start inside the series, after at least one period.");
        }

        if (promotionLength < 1 || promotionStart + promotionLength > series.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(promotionLength), promotionLength, "The promotion window must lie inside the series.");
        }

        if (afterLength < 0 || promotionStart + promotionLength + afterLength > series.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(afterLength), afterLength, "The after window must lie inside the series.");
        }

        if (!(level is > 0.0 and < 100.0))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "The level must be in (0, 100).");
        }

        var fit = Arima.Fit(series[..promotionStart], specification, null, cancellationToken);
        var horizon = promotionLength + Math.Max(afterLength, 0);
        var fc = fit.Forecast(horizon, level);
        var psi = Psi(fit, horizon);
        var z = Normal.InvCDF(0.0, 1.0, 0.5 + (level / 200.0));
        var promo = Window(series, promotionStart, fc, psi, fit.Sigma2, 1, promotionLength, z);
        var after = afterLength > 0
            ? Window(series, promotionStart, fc, psi, fit.Sigma2, promotionLength + 1, horizon, z)
            : new PromotionWindowEffect(0, 0, 0, 0, 0, 0, 0);
        var pullForward = afterLength > 0 && after.Upper < 0.0;
        return new PromotionImpact(fit, promo, after, pullForward, pullForward ? -after.Difference : 0.0, level);
    }

    private static PromotionWindowEffect Window(ReadOnlySpan<double> series, int start, IReadOnlyList<ArimaForecastPoint> fc, double[] psi, double sigma2, int a, int b, double z)
    {
        double actual = 0, forecast = 0;
        for (var h = a; h <= b; h++)
        {
            actual += series[start + h - 1];
            forecast += fc[h - 1].Mean;
        }

        var v = 0.0;
        for (var i = 1; i <= b; i++)
        {
            var s = 0.0;
            for (var h = Math.Max(i, a); h <= b; h++)
            {
                s += psi[h - i];
            }

            v += s * s;
        }

        var se = Math.Sqrt(v * sigma2);
        var diff = actual - forecast;
        return new PromotionWindowEffect(b - a + 1, actual, forecast, diff, diff - (z * se), diff + (z * se), se);
    }

    /// <summary>ψ₀..ψ_{h−1} of φ(B)Φ(B^s)(1−B)^d(1−B^s)^D ψ(B) = θ(B)Θ(B^s).</summary>
    internal static double[] Psi(ArimaFit fit, int horizon)
    {
        var s = fit.Specification;
        var c = fit.Coefficients.Select(x => x.Estimate).ToArray();
        var phi = ArimaPolynomials.Expand(c.AsSpan(0, s.Ar), c.AsSpan(s.Ar + s.Ma, s.SeasonalAr), s.Period, plus: false);
        var theta = ArimaPolynomials.Expand(c.AsSpan(s.Ar, s.Ma), c.AsSpan(s.Ar + s.Ma + s.SeasonalAr, s.SeasonalMa), s.Period, plus: true);
        var delta = ArimaPolynomials.Differencing(s.Differences, s.SeasonalDifferences, s.Period);

        // Full AR polynomial 1 − Σ a_k B^k = (1 − Σ φ B)(1 − Σ δ B).
        var left = new double[phi.Length + 1];
        left[0] = 1;
        for (var i = 0; i < phi.Length; i++)
        {
            left[i + 1] = -phi[i];
        }

        var right = new double[delta.Length + 1];
        right[0] = 1;
        for (var i = 0; i < delta.Length; i++)
        {
            right[i + 1] = -delta[i];
        }

        var full = new double[left.Length + right.Length - 1];
        for (var i = 0; i < left.Length; i++)
        {
            for (var j = 0; j < right.Length; j++)
            {
                full[i + j] += left[i] * right[j];
            }
        }

        var psi = new double[horizon];
        psi[0] = 1.0;
        for (var j = 1; j < horizon; j++)
        {
            var v = j - 1 < theta.Length ? theta[j - 1] : 0.0;
            for (var k = 1; k <= Math.Min(j, full.Length - 1); k++)
            {
                v -= full[k] * psi[j - k];
            }

            psi[j] = v;
        }

        return psi;
    }

    internal static string Describe(PromotionImpact impact) => string.Create(
        CultureInfo.InvariantCulture,
        $"lift {impact.Promotion.Difference:G6} [{impact.Promotion.Lower:G6}, {impact.Promotion.Upper:G6}]; after {impact.After.Difference:G6} [{impact.After.Lower:G6}, {impact.After.Upper:G6}]{(impact.PullForward ? $"; pull-forward {impact.PullForwardSize:G6}" : string.Empty)}");
}
