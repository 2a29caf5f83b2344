using System.Globalization;

namespace CemCore.Experiments.Statistics;

/// <summary>A chi-square test with its expected counts and the warnings of Cochran's rule.</summary>
/// <remarks>Immutable. The expected counts are row-major (one row of the table after another; a single row for goodness of fit).</remarks>
public sealed record ChiSquareResult
{
    internal ChiSquareResult(TestResult test, int rows, int columns, double[] expected, IReadOnlyList<string> warnings)
    {
        Test = test;
        Rows = rows;
        Columns = columns;
        Expected = expected;
        Warnings = warnings;
    }

    /// <summary>Gets χ², its degrees of freedom and p-value.</summary>
    public TestResult Test { get; }

    /// <summary>Gets the number of rows of the table (1 for goodness of fit).</summary>
    public int Rows { get; }

    /// <summary>Gets the number of columns (categories).</summary>
    public int Columns { get; }

    /// <summary>Gets the expected counts under the null hypothesis, row-major; empty when the test is undefined.</summary>
    public IReadOnlyList<double> Expected { get; }

    /// <summary>Gets plain-language warnings when the chi-square approximation is doubtful (Cochran 1954: every expected count
    /// ≥ 1 and at most 20% of them below 5); empty when the rule holds.</summary>
    public IReadOnlyList<string> Warnings { get; }
}

public static partial class ChiSquareTests
{
    /// <summary>
    /// Pearson chi-square test of independence on an r × c contingency table: E_ij = R_i C_j / N, χ² = Σ (O − E)²/E,
    /// df = (r − 1)(c − 1). With <paramref name="yatesCorrection"/> and df = 1 each cell moves by min(½, |O − E|) towards its
    /// expectation (ignored for larger tables). Matches <c>scipy.stats.chi2_contingency(table, correction=yatesCorrection)</c>.
    /// </summary>
    /// <param name="cells">The counts (≥ 0), row-major: row 0's columns, then row 1's, …</param>
    /// <param name="columns">The number of columns c ≥ 2; <paramref name="cells"/> must hold a whole number r ≥ 2 of rows.</param>
    /// <param name="yatesCorrection">Yates' continuity correction for 2 × 2 tables (default false).</param>
    /// <returns>The test with the expected counts and Cochran-rule warnings; undefined when a row or column sums to zero.</returns>
    /// <exception cref="ArgumentException">The shape is not r × c with r, c ≥ 2, or a count is negative.</exception>
    public static ChiSquareResult Contingency(ReadOnlySpan<long> cells, int columns, bool yatesCorrection = false)
    {
        if (columns < 2 || cells.Length % columns != 0 || cells.Length / columns < 2)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"cells must hold r × columns counts with r ≥ 2 and columns ≥ 2, but has {cells.Length} cells for {columns} columns."),
                nameof(cells));
        }

        var rows = cells.Length / columns;
        var rowSums = new double[rows];
        var columnSums = new double[columns];
        for (var i = 0; i < cells.Length; i++)
        {
            if (cells[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(cells), cells[i], string.Create(CultureInfo.InvariantCulture, $"cells[{i}] (row {i / columns}, column {i % columns}) must be ≥ 0 but was {cells[i]}."));
            }

            // Stryker disable once Assignment : equivalent: negating every row sum negates the total too, so the expected counts
            // rowSum · columnSum / total, the empty-row check (-0.0 == 0) and the statistic are unchanged.
            rowSums[i / columns] += cells[i];
            columnSums[i % columns] += cells[i];
        }

        var empty = Array.FindIndex(rowSums, v => v == 0) is var r && r >= 0 ? $"row {r}" : Array.FindIndex(columnSums, v => v == 0) is var c && c >= 0 ? $"column {c}" : null;
        if (empty is not null)
        {
            return new ChiSquareResult(TestResult.Undefined($"{empty} of the table sums to zero, so its expected counts are zero."), rows, columns, [], []);
        }

        var total = rowSums.Sum();
        var df = (rows - 1) * (columns - 1);
        var yates = yatesCorrection && df == 1;
        var expected = new double[cells.Length];
        var chi = 0.0;
        for (var i = 0; i < cells.Length; i++)
        {
            expected[i] = rowSums[i / columns] * columnSums[i % columns] / total;
            chi += Cell(cells[i], expected[i], yates);
        }

        return new ChiSquareResult(TestResult.Defined(chi, StatMath.ChiSquareSf(chi, df), df, Alternative.TwoSided), rows, columns, expected, Cochran(expected));
    }

    /// <summary>
    /// Pearson goodness-of-fit test of observed category counts against given probabilities: E_i = N p_i, χ² = Σ (O − E)²/E,
    /// df = k − 1 − <paramref name="estimatedParameters"/>. Matches <c>scipy.stats.chisquare(f_obs, f_exp=N·p, ddof=estimatedParameters)</c>.
    /// (<see cref="SampleRatioMismatch(ReadOnlySpan{long}, ReadOnlySpan{double})"/> is this test on variant counts.)
    /// </summary>
    /// <param name="observed">Counts per category (≥ 0), at least two categories.</param>
    /// <param name="probabilities">The probabilities under H0, each &gt; 0, summing to 1 within 1e-9.</param>
    /// <param name="estimatedParameters">Parameters estimated from the data (reduces df), 0 ≤ value &lt; k − 1.</param>
    /// <returns>The test with expected counts and Cochran-rule warnings; undefined when nothing was observed.</returns>
    /// <exception cref="ArgumentException">Length mismatch, fewer than two categories, negative counts, bad probabilities.</exception>
    public static ChiSquareResult GoodnessOfFit(ReadOnlySpan<long> observed, ReadOnlySpan<double> probabilities, int estimatedParameters = 0)
    {
        if (observed.Length < 2)
        {
            throw new ArgumentException($"observed needs at least 2 categories but has {observed.Length}.", nameof(observed));
        }

        if (probabilities.Length != observed.Length)
        {
            throw new ArgumentException($"Expected {observed.Length} probabilities (one per observed count) but got {probabilities.Length}.", nameof(probabilities));
        }

        if (estimatedParameters < 0 || estimatedParameters >= observed.Length - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(estimatedParameters), estimatedParameters, $"estimatedParameters must be in [0, {observed.Length - 2}].");
        }

        var (chi, total) = Pearson(observed, probabilities, nameof(probabilities));
        if (total == 0)
        {
            return new ChiSquareResult(TestResult.Undefined("No units were observed."), 1, observed.Length, [], []);
        }

        var expected = new double[observed.Length];
        for (var i = 0; i < expected.Length; i++)
        {
            expected[i] = total * probabilities[i];
        }

        var df = observed.Length - 1 - estimatedParameters;
        return new ChiSquareResult(TestResult.Defined(chi, StatMath.ChiSquareSf(chi, df), df, Alternative.TwoSided), 1, observed.Length, expected, Cochran(expected));
    }

    /// <summary>Cochran's (1954) rule: no expected count below 1 and at most 20% below 5.</summary>
    private static string[] Cochran(double[] expected)
    {
        var below5 = expected.Count(e => e < 5);
        var min = expected.Min();
        var warnings = new List<string>(2);
        if (below5 * 5 > expected.Length)
        {
            warnings.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"{below5} of {expected.Length} cells ({100.0 * below5 / expected.Length:0.#}%) have an expected count below 5 (Cochran's rule allows 20%): the chi-square p-value may be inaccurate; merge sparse categories or use an exact test."));
        }

        if (min < 1)
        {
            warnings.Add(string.Create(CultureInfo.InvariantCulture, $"The smallest expected count is {min:G4}, below 1: the chi-square approximation is unreliable."));
        }

        return [.. warnings];
    }
}
