namespace CemCore.Experiments.Statistics;

/// <summary>Multiple-testing correction method (names and results as statsmodels <c>multipletests</c>).</summary>
public enum MultipleTestingMethod
{
    /// <summary>Bonferroni: min(1, m·p) (family-wise error). statsmodels <c>'bonferroni'</c>.</summary>
    Bonferroni = 0,

    /// <summary>Holm step-down (Holm 1979; family-wise error). statsmodels <c>'holm'</c>.</summary>
    Holm = 1,

    /// <summary>Benjamini-Hochberg step-up (1995; false discovery rate, independent or positively dependent tests). statsmodels <c>'fdr_bh'</c>.</summary>
    BenjaminiHochberg = 2,

    /// <summary>Benjamini-Yekutieli (2001; false discovery rate under any dependence: BH × Σ1/i). statsmodels <c>'fdr_by'</c>.</summary>
    BenjaminiYekutieli = 3,
}

/// <summary>Adjusted p-values for a family of tests.</summary>
/// <remarks>Pure and thread-safe. Matches <c>statsmodels.stats.multitest.multipletests(p, alpha, method)</c> (0.13.5): adjusted values are
/// clipped at 1, and a hypothesis is rejected when its adjusted p-value is ≤ α.</remarks>
public static class MultipleTesting
{
    /// <summary>Computes adjusted p-values into <paramref name="destination"/> (same order as the input).</summary>
    /// <param name="pValues">Raw p-values in [0, 1].</param>
    /// <param name="method">The method.</param>
    /// <param name="destination">Receives the adjusted p-values; same length as <paramref name="pValues"/>.</param>
    /// <exception cref="ArgumentException">Length mismatch, or a p-value is NaN or outside [0, 1].</exception>
    public static void Adjust(ReadOnlySpan<double> pValues, MultipleTestingMethod method, Span<double> destination)
    {
        if (destination.Length != pValues.Length)
        {
            throw new ArgumentException($"destination must have {pValues.Length} elements (one per p-value) but has {destination.Length}.", nameof(destination));
        }

        for (var i = 0; i < pValues.Length; i++)
        {
            if (pValues[i] is not (>= 0.0 and <= 1.0))
            {
                throw new ArgumentOutOfRangeException(nameof(pValues), pValues[i], $"pValues[{i}] must be in [0, 1] but was {pValues[i]}.");
            }
        }

        var m = pValues.Length;
        // Stryker disable once Statement : equivalent: with m = 0 every loop below is empty and nothing is written, so this return is a shortcut only.
        if (m == 0)
        {
            return;
        }

        if (method == MultipleTestingMethod.Bonferroni)
        {
            for (var i = 0; i < m; i++)
            {
                destination[i] = Math.Min(1.0, pValues[i] * m);
            }

            return;
        }

        var order = new int[m];
        for (var i = 0; i < m; i++)
        {
            order[i] = i;
        }

        var keys = pValues.ToArray();
        Array.Sort(keys, order); // ascending p; ties keep a deterministic order
        if (method == MultipleTestingMethod.Holm)
        {
            var running = 0.0;
            for (var k = 0; k < m; k++)
            {
                running = Math.Max(running, keys[k] * (m - k));
                destination[order[k]] = Math.Min(1.0, running);
            }

            return;
        }

        var factor = 1.0;
        if (method == MultipleTestingMethod.BenjaminiYekutieli)
        {
            factor = 0;
            for (var i = 1; i <= m; i++)
            {
                factor += 1.0 / i;
            }
        }

        var min = double.PositiveInfinity;
        for (var k = m - 1; k >= 0; k--)
        {
            min = Math.Min(min, keys[k] * m / (k + 1) * factor);
            destination[order[k]] = Math.Min(1.0, min);
        }
    }

    /// <summary>Returns the adjusted p-values as a new array.</summary>
    /// <param name="pValues">Raw p-values in [0, 1].</param>
    /// <param name="method">The method.</param>
    /// <returns>Adjusted p-values in input order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pValues"/> is null.</exception>
    /// <exception cref="ArgumentException">A p-value is NaN or outside [0, 1].</exception>
    public static double[] Adjust(IReadOnlyList<double> pValues, MultipleTestingMethod method)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        var input = pValues.ToArray();
        var result = new double[input.Length];
        Adjust(input, method, result);
        return result;
    }
}
