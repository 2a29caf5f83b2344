using CemCore.Experiments.Statistics;

namespace CemCore.Experiments;

/// <summary>
/// Sufficient statistics of one metric in one variant: count n, Σy, Σy², and the covariate sums Σx, Σx², Σxy used by CUPED
/// (x = pre-period value) and by ratio metrics (x = denominator, e.g. orders, with y = numerator, e.g. revenue).
/// A binary metric is the special case y ∈ {0, 1} (Σy = conversions).
/// </summary>
/// <remarks>
/// The default value is the empty summary (n = 0). Immutable; value equality. Merging (<see cref="Plus"/>) adds the sums, so partitions
/// merge in any order. The sums are doubles: merging is bit-exact when every value is an integer and every |sum| stays below 2^53
/// (e.g. amounts in cents); otherwise it agrees with a single pass to rounding (≈1e-16 relative per addition).
/// Variances are computed from the power sums, so their relative precision is about 1e-16·(mean/sd)²: fine unless the
/// coefficient of variation is below ~1e-4.
/// </remarks>
/// <param name="Count">The number of units n.</param>
/// <param name="Sum">Σy.</param>
/// <param name="SumOfSquares">Σy².</param>
/// <param name="CovariateSum">Σx.</param>
/// <param name="CovariateSumOfSquares">Σx².</param>
/// <param name="CrossSum">Σxy.</param>
public readonly record struct MetricSummary(long Count, double Sum, double SumOfSquares, double CovariateSum, double CovariateSumOfSquares, double CrossSum)
{
    /// <summary>Gets the mean ȳ (NaN when n = 0).</summary>
    public double Mean => Sum / Count;

    /// <summary>Gets the sample variance of y with n − 1 denominator (0 when n &lt; 2; never negative).</summary>
    public double Variance => Count < 2 ? 0 : Math.Max(0, (SumOfSquares - (Sum * Sum / Count)) / (Count - 1));

    /// <summary>Gets the sample standard deviation of y (n − 1).</summary>
    public double StandardDeviation => Math.Sqrt(Variance);

    /// <summary>Gets the covariate mean x̄.</summary>
    public double CovariateMean => CovariateSum / Count;

    /// <summary>Gets the covariate sample variance (n − 1).</summary>
    public double CovariateVariance => Count < 2 ? 0 : Math.Max(0, (CovariateSumOfSquares - (CovariateSum * CovariateSum / Count)) / (Count - 1));

    /// <summary>Gets the sample covariance of y and x (n − 1).</summary>
    public double Covariance => Count < 2 ? 0 : (CrossSum - (Sum * CovariateSum / Count)) / (Count - 1);

    /// <summary>Gets the summary as conversion counts (Successes = Σy rounded) for a binary metric.</summary>
    public long Successes => (long)Math.Round(Sum);

    /// <summary>Merges two summaries (adds the sums).</summary>
    /// <param name="other">The other summary.</param>
    /// <returns>The merged summary.</returns>
    public MetricSummary Plus(MetricSummary other) => new(
        checked(Count + other.Count), Sum + other.Sum, SumOfSquares + other.SumOfSquares,
        CovariateSum + other.CovariateSum, CovariateSumOfSquares + other.CovariateSumOfSquares, CrossSum + other.CrossSum);

    /// <summary>Merges two summaries.</summary>
    /// <param name="left">The first summary.</param>
    /// <param name="right">The second summary.</param>
    /// <returns>The merged summary.</returns>
    public static MetricSummary operator +(MetricSummary left, MetricSummary right) => left.Plus(right);

    /// <summary>Creates the summary of binary outcomes.</summary>
    /// <param name="successes">Conversions.</param>
    /// <param name="trials">Units.</param>
    /// <returns>The summary with Σy = Σy² = successes.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Bad counts.</exception>
    public static MetricSummary FromCounts(long successes, long trials)
    {
        Guard.Counts(successes, trials);
        return new MetricSummary(trials, successes, successes, 0, 0, 0);
    }

    /// <summary>Creates the summary of values (scalar loop; the reference for the accumulator's vectorized path).</summary>
    /// <param name="values">The y values (finite).</param>
    /// <param name="covariates">The x values (same length) or empty for none.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentException">Length mismatch or a NaN/infinite value.</exception>
    public static MetricSummary FromValues(ReadOnlySpan<double> values, ReadOnlySpan<double> covariates = default)
    {
        if (!covariates.IsEmpty && covariates.Length != values.Length)
        {
            throw new ArgumentException($"covariates must be empty or have {values.Length} elements but has {covariates.Length}.", nameof(covariates));
        }

        double s = 0, s2 = 0, x = 0, x2 = 0, xy = 0;
        for (var i = 0; i < values.Length; i++)
        {
            var v = values[i];
            s += v;
            s2 += v * v;
            if (!covariates.IsEmpty)
            {
                var c = covariates[i];
                x += c;
                x2 += c * c;
                xy += c * v;
            }
        }

        if (!double.IsFinite(s2) || !double.IsFinite(x2) || !double.IsFinite(xy))
        {
            throw new ArgumentException("values or covariates contain a NaN or infinite value (or overflow).", nameof(values));
        }

        return new MetricSummary(values.Length, s, s2, x, x2, xy);
    }
}
