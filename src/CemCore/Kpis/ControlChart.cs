namespace CemCore.Kpis;

/// <summary>One point of an EWMA control chart.</summary>
/// <param name="Value">The KPI value of the period.</param>
/// <param name="Ewma">The smoothed statistic zₜ.</param>
/// <param name="Lower">The lower control limit of zₜ.</param>
/// <param name="Upper">The upper control limit of zₜ.</param>
/// <param name="OutOfControl">Whether zₜ is outside the limits (the KPI moved beyond normal variation).</param>
public sealed record ControlPoint(double Value, double Ewma, double Lower, double Upper, bool OutOfControl);

/// <summary>
/// EWMA control chart (Roberts 1959; Montgomery, <i>Introduction to Statistical Quality Control</i>, §9.2) for a KPI time series:
/// <c>zₜ = λ·xₜ + (1 − λ)·zₜ₋₁</c>, <c>z₀ = μ₀</c>, limits <c>μ₀ ± L·σ·√(λ/(2 − λ)·(1 − (1 − λ)^{2t}))</c>. μ₀ and σ are the mean and
/// sample standard deviation of the first <c>baseline</c> points (the in-control reference period). Defaults λ = 0.2, L = 3
/// (in-control average run length ≈ 500 periods).
/// </summary>
public static class ControlChart
{
    /// <summary>Computes the chart.</summary>
    /// <param name="values">The KPI per period, oldest first; finite.</param>
    /// <param name="baseline">The number of leading periods used to estimate μ₀ and σ (≥ 2, ≤ count); 0 means all periods.</param>
    /// <param name="lambda">The smoothing weight in (0, 1].</param>
    /// <param name="width">The limit width L in standard deviations (&gt; 0).</param>
    /// <returns>One point per value (empty when there are fewer than 2 values).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its range or a value is not finite.</exception>
    public static IReadOnlyList<ControlPoint> Ewma(IReadOnlyList<double> values, int baseline = 0, double lambda = 0.2, double width = 3.0)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(lambda > 0 && lambda <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be in (0, 1].");
        }

        if (!(width > 0 && double.IsFinite(width)))
        {
            throw new ArgumentOutOfRangeException(nameof(width), width, "L must be positive.");
        }

        if (!Baseline(values, baseline, out var mean, out var sd))
        {
            return [];
        }

        var z = mean;
        var result = new ControlPoint[values.Count];
        for (var t = 0; t < values.Count; t++)
        {
            z = (lambda * values[t]) + ((1 - lambda) * z);
            var half = width * sd * Math.Sqrt(lambda / (2 - lambda) * (1 - Math.Pow(1 - lambda, 2 * (t + 1))));
            result[t] = new ControlPoint(values[t], z, mean - half, mean + half, z < mean - half || z > mean + half);
        }

        return result;
    }
    /// <summary>
    /// Tabular CUSUM (Page 1954; Montgomery, <i>Introduction to Statistical Quality Control</i>, §9.1.2):
    /// <c>C⁺ₜ = max(0, xₜ − (μ₀ + K) + C⁺ₜ₋₁)</c>, <c>C⁻ₜ = max(0, (μ₀ − K) − xₜ + C⁻ₜ₋₁)</c>, <c>C⁺₀ = C⁻₀ = 0</c>, with the reference
    /// value <c>K = k·σ</c> and the decision interval <c>H = h·σ</c>; period t is flagged when <c>C⁺ₜ &gt; H</c> or <c>C⁻ₜ &gt; H</c>.
    /// μ₀ and σ are the mean and sample standard deviation of the first <c>baseline</c> points. Defaults k = 0.5 (tuned to detect a
    /// shift of 1σ) and h = 5 (in-control average run length ≈ 465 periods, Montgomery Table 9.3). The sums are not reset after a signal.
    /// </summary>
    /// <param name="values">The KPI per period, oldest first; finite.</param>
    /// <param name="baseline">The number of leading periods used to estimate μ₀ and σ (≥ 2, ≤ count); 0 means all periods.</param>
    /// <param name="k">The reference value in standard deviations (≥ 0).</param>
    /// <param name="h">The decision interval in standard deviations (&gt; 0).</param>
    /// <returns>One point per value (empty when there are fewer than 2 values).</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is outside its range or a value is not finite.</exception>
    public static IReadOnlyList<CusumPoint> Cusum(IReadOnlyList<double> values, int baseline = 0, double k = 0.5, double h = 5.0)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!(k >= 0 && double.IsFinite(k)))
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k must be a finite number ≥ 0.");
        }

        if (!(h > 0 && double.IsFinite(h)))
        {
            throw new ArgumentOutOfRangeException(nameof(h), h, "h must be positive.");
        }

        if (!Baseline(values, baseline, out var mean, out var sd))
        {
            return [];
        }

        var big = h * sd;
        var kk = k * sd;
        double up = 0, down = 0;
        var result = new CusumPoint[values.Count];
        for (var t = 0; t < values.Count; t++)
        {
            up = Math.Max(0, values[t] - (mean + kk) + up);
            down = Math.Max(0, mean - kk - values[t] + down);
            result[t] = new CusumPoint(values[t], up, down, big, up > big || down > big);
        }

        return result;
    }

    private static bool Baseline(IReadOnlyList<double> values, int baseline, out double mean, out double sd)
    {
        if (values.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentOutOfRangeException(nameof(values), "Every value must be finite.");
        }

        mean = sd = 0;
        if (values.Count < 2)
        {
            return false;
        }

        var b = baseline == 0 ? values.Count : baseline;
        if (b < 2 || b > values.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(baseline), baseline, "The baseline must have at least 2 and at most all periods.");
        }

        var m = values.Take(b).Average();
        mean = m;
        sd = Math.Sqrt(values.Take(b).Sum(v => (v - m) * (v - m)) / (b - 1));
        return true;
    }
}

/// <summary>One point of a tabular CUSUM chart.</summary>
/// <param name="Value">The KPI value of the period.</param>
/// <param name="Upper">The upper cumulative sum C⁺ₜ (evidence of an upward shift).</param>
/// <param name="Lower">The lower cumulative sum C⁻ₜ (evidence of a downward shift).</param>
/// <param name="Threshold">The decision interval H = h·σ.</param>
/// <param name="OutOfControl">Whether C⁺ₜ or C⁻ₜ exceeds H (the KPI moved beyond normal variation).</param>
public sealed record CusumPoint(double Value, double Upper, double Lower, double Threshold, bool OutOfControl);
