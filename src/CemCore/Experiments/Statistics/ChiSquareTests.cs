namespace CemCore.Experiments.Statistics;

/// <summary>Chi-square tests: the 2×2 contingency test and the sample-ratio-mismatch (SRM) goodness-of-fit check.</summary>
/// <remarks>Pure and thread-safe. p-values from the upper regularized incomplete gamma function (erfc for one degree of freedom).</remarks>
public static partial class ChiSquareTests
{
    /// <summary>Default p-value threshold below which <see cref="SampleRatioMismatch(ReadOnlySpan{long}, ReadOnlySpan{double})"/> is flagged: 0.001 (common platform default, e.g. GrowthBook, Optimizely).</summary>
    public const double DefaultSrmThreshold = 0.001;

    /// <summary>
    /// Pearson chi-square test of independence on the 2×2 table [[x_t, n_t − x_t], [x_c, n_c − x_c]] with one degree of freedom,
    /// optionally with Yates' continuity correction (each cell moved by min(0.5, |O − E|) towards its expectation).
    /// Matches <c>scipy.stats.chi2_contingency(table, correction=yates)</c>.
    /// </summary>
    /// <param name="controlSuccesses">Control conversions.</param>
    /// <param name="controlTrials">Control exposures.</param>
    /// <param name="treatmentSuccesses">Treatment conversions.</param>
    /// <param name="treatmentTrials">Treatment exposures.</param>
    /// <param name="yatesCorrection">Apply Yates' continuity correction (default <see langword="false"/>).</param>
    /// <returns>Chi-square, df = 1 and p-value; undefined when a row or column of the table sums to zero.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Bad counts.</exception>
    public static TestResult TwoByTwo(long controlSuccesses, long controlTrials, long treatmentSuccesses, long treatmentTrials, bool yatesCorrection = false)
    {
        Guard.Counts(controlSuccesses, controlTrials);
        Guard.Counts(treatmentSuccesses, treatmentTrials);
        double a = treatmentSuccesses, b = treatmentTrials - treatmentSuccesses, c = controlSuccesses, d = controlTrials - controlSuccesses;
        var n = a + b + c + d;
        double r1 = a + b, r2 = c + d, c1 = a + c, c2 = b + d;
        if (r1 == 0 || r2 == 0 || c1 == 0 || c2 == 0)
        {
            return TestResult.Undefined("A row or column of the 2×2 table is empty, so an expected count is zero.");
        }

        var chi = Cell(a, r1 * c1 / n, yatesCorrection) + Cell(b, r1 * c2 / n, yatesCorrection) + Cell(c, r2 * c1 / n, yatesCorrection) + Cell(d, r2 * c2 / n, yatesCorrection);
        return TestResult.Defined(chi, StatMath.ChiSquareSf(chi, 1), 1, Alternative.TwoSided);
    }

    private static double Cell(double observed, double expected, bool yates)
    {
        var diff = expected - observed;
        if (yates)
        {
            observed += Math.Sign(diff) * Math.Min(0.5, Math.Abs(diff));
            diff = expected - observed;
        }

        return diff * diff / expected;
    }

    /// <summary>
    /// Sample-ratio-mismatch check: Pearson goodness-of-fit χ² = Σ (O_i − N w_i)²/(N w_i) with k − 1 degrees of freedom
    /// against the planned weights. Matches <c>scipy.stats.chisquare(f_obs=observed, f_exp=N·weights)</c>.
    /// </summary>
    /// <param name="observed">Observed units per variant (≥ 0), at least two variants.</param>
    /// <param name="weights">Planned weights, each &gt; 0, summing to 1 within 1e-9.</param>
    /// <returns>χ², df and p-value; undefined when no units were observed.</returns>
    /// <exception cref="ArgumentException">Length mismatch, fewer than two variants, negative counts, bad weights.</exception>
    public static TestResult SampleRatioMismatch(ReadOnlySpan<long> observed, ReadOnlySpan<double> weights)
    {
        if (observed.Length < 2)
        {
            throw new ArgumentException($"observed needs at least 2 variants but has {observed.Length}.", nameof(observed));
        }

        if (weights.Length != observed.Length)
        {
            throw new ArgumentException($"Expected {observed.Length} weights (one per observed count) but got {weights.Length}.", nameof(weights));
        }

        var (chi, total) = Pearson(observed, weights, nameof(weights));
        if (total == 0)
        {
            return TestResult.Undefined("No units were observed.");
        }

        return TestResult.Defined(chi, StatMath.ChiSquareSf(chi, observed.Length - 1), observed.Length - 1, Alternative.TwoSided);
    }

    /// <summary>Σ (O_i − N w_i)²/(N w_i) and N, validating the weights and counts.</summary>
    private static (double Chi, double Total) Pearson(ReadOnlySpan<long> observed, ReadOnlySpan<double> weights, string weightsName)
    {
        WeightCheck.Validate(weights, weightsName);
        var total = 0.0;
        for (var i = 0; i < observed.Length; i++)
        {
            if (observed[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(observed), observed[i], $"observed[{i}] must be ≥ 0 but was {observed[i]}.");
            }

            total += observed[i];
        }

        var chi = 0.0;
        for (var i = 0; i < observed.Length; i++)
        {
            var e = total * weights[i];
            // Stryker disable once Conditional : equivalent: when total is 0 both callers return Undefined without reading chi.
            chi += total == 0 ? 0.0 : (observed[i] - e) * (observed[i] - e) / e;
        }

        return (chi, total);
    }

    /// <summary>SRM check against equal planned weights.</summary>
    /// <param name="observed">Observed units per variant.</param>
    /// <returns>As <see cref="SampleRatioMismatch(ReadOnlySpan{long}, ReadOnlySpan{double})"/>.</returns>
    /// <exception cref="ArgumentException">Fewer than two variants or negative counts.</exception>
    public static TestResult SampleRatioMismatch(ReadOnlySpan<long> observed)
    {
        // Stryker disable once Conditional,Equality : equivalent: stack or heap buffer only, the weights written and read are the same.
        Span<double> w = observed.Length <= 64 ? stackalloc double[observed.Length] : new double[observed.Length];
        w.Fill(1.0 / observed.Length);
        return SampleRatioMismatch(observed, w);
    }
}

/// <summary>Validation of planned variant weights.</summary>
internal static class WeightCheck
{
    public const double Tolerance = 1e-9;

    public static void Validate(ReadOnlySpan<double> weights, string name)
    {
        var sum = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            if (!(weights[i] > 0) || double.IsInfinity(weights[i]))
            {
                throw new ArgumentOutOfRangeException(name, weights[i], $"{name}[{i}] must be a finite number > 0 but was {weights[i]}.");
            }

            sum += weights[i];
        }

        // Stryker disable once Equality : equivalent: sum - 1 is exact near 1 (a multiple of 2^-53), and the double 1e-9 is not such a
        // multiple, so |sum - 1| can never equal Tolerance exactly and > and >= always agree.
        if (Math.Abs(sum - 1.0) > Tolerance)
        {
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} must sum to 1 (±{Tolerance}) but sum to {sum:R}."), name);
        }
    }
}
