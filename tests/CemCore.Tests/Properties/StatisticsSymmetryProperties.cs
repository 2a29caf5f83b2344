using CemCore.Experiments.Statistics;
using FsCheck.Xunit;

namespace CemCore.Tests.Properties;

/// <summary>
/// p-values in [0, 1] and symmetric under swapping the arms, for the tests not covered by
/// <see cref="Experiments.StatisticsPropertyTests"/> (which holds the z-test): chi-square 2 × 2 (with and without Yates), r × c tables
/// (row and column permutations, transposition), goodness of fit, Welch and Student t (summaries and samples, two- and one-sided),
/// and the normal–normal Bayesian comparison. Swapping the arms of a one-sided test exchanges "greater" and "less".
/// </summary>
public sealed class StatisticsSymmetryProperties
{
    private const double Tolerance = 1e-12;

    private static (long X, long N) Arm(int a, int b)
    {
        long n = Math.Abs(a % 5000) + 1;
        long x = Math.Abs(b) % (n + 1);
        return (x, n);
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) <= Tolerance * Math.Max(1.0, Math.Max(Math.Abs(a), Math.Abs(b))) || (a == b);

    private static bool InUnit(TestResult r) => !r.IsDefined || (r.PValue is >= 0 and <= 1 && !double.IsNaN(r.Statistic));

    private static bool SameOutcome(TestResult a, TestResult b) =>
        a.IsDefined == b.IsDefined && (!a.IsDefined || (Close(a.PValue, b.PValue) && InUnit(a) && InUnit(b)));

    private static Alternative Mirror(Alternative a) => a switch
    {
        Alternative.Greater => Alternative.Less,
        Alternative.Less => Alternative.Greater,
        _ => a,
    };

    [Property(MaxTest = 1000)]
    public bool ChiSquareTwoByTwo_PInUnitInterval_SymmetricUnderSwap(int a, int b, int c, int d, bool yates)
    {
        var (xc, nc) = Arm(a, b);
        var (xt, nt) = Arm(c, d);
        var r1 = ChiSquareTests.TwoByTwo(xc, nc, xt, nt, yates);
        var r2 = ChiSquareTests.TwoByTwo(xt, nt, xc, nc, yates);
        return InUnit(r1) && SameOutcome(r1, r2) && (!r1.IsDefined || Close(r1.Statistic, r2.Statistic));
    }

    [Property(MaxTest = 500)]
    public bool Contingency_InvariantUnderRowColumnPermutationAndTransposition(int seed, byte rowsRaw, byte columnsRaw, bool yates)
    {
        var random = new Random(seed);
        var rows = 2 + (rowsRaw % 4);
        var columns = 2 + (columnsRaw % 4);
        var cells = new long[rows * columns];
        for (var i = 0; i < cells.Length; i++)
        {
            cells[i] = random.Next(3) == 0 ? random.Next(3) : random.Next(500);
        }

        var rowOrder = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
        var columnOrder = Enumerable.Range(0, columns).OrderBy(_ => random.Next()).ToArray();
        var permuted = new long[cells.Length];
        var transposed = new long[cells.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++)
            {
                permuted[(r * columns) + c] = cells[(rowOrder[r] * columns) + columnOrder[c]];
                transposed[(c * rows) + r] = cells[(r * columns) + c];
            }
        }

        var t0 = ChiSquareTests.Contingency(cells, columns, yates).Test;
        var t1 = ChiSquareTests.Contingency(permuted, columns, yates).Test;
        var t2 = ChiSquareTests.Contingency(transposed, rows, yates).Test;
        return InUnit(t0) && SameOutcome(t0, t1) && SameOutcome(t0, t2)
            && (!t0.IsDefined || (Close(t0.Statistic, t1.Statistic) && Close(t0.Statistic, t2.Statistic)));
    }

    [Property(MaxTest = 500)]
    public bool GoodnessOfFit_PInUnitInterval_InvariantUnderCategoryPermutation(int seed, byte kRaw)
    {
        var random = new Random(seed);
        var k = 2 + (kRaw % 8);
        var observed = new long[k];
        var weights = new double[k];
        for (var i = 0; i < k; i++)
        {
            observed[i] = random.Next(4) == 0 ? 0 : random.Next(1000);
            weights[i] = 0.05 + random.NextDouble();
        }

        var sum = weights.Sum();
        var probabilities = weights.Select(w => w / sum).ToArray();
        var order = Enumerable.Range(0, k).OrderBy(_ => random.Next()).ToArray();
        var t0 = ChiSquareTests.GoodnessOfFit(observed, probabilities).Test;
        var t1 = ChiSquareTests.GoodnessOfFit(order.Select(i => observed[i]).ToArray(), order.Select(i => probabilities[i]).ToArray()).Test;
        return InUnit(t0) && SameOutcome(t0, t1);
    }

    [Property(MaxTest = 1000)]
    public bool TTests_FromSummaries_PInUnitInterval_SymmetricUnderSwap(int seed, byte alternativeRaw, bool student)
    {
        var random = new Random(seed);
        var alternative = (Alternative)(alternativeRaw % 3);
        var (m1, s1, n1) = (random.NextDouble() * 200 - 100, random.Next(5) == 0 ? 0 : random.NextDouble() * 50, (long)random.Next(0, 2000));
        var (m2, s2, n2) = (random.NextDouble() * 200 - 100, random.Next(5) == 0 ? 0 : random.NextDouble() * 50, (long)random.Next(0, 2000));
        if (random.Next(4) == 0)
        {
            m2 = m1; // ties: t = 0, two-sided p = 1
        }

        TestResult Run(double ma, double sa, long na, double mb, double sb, long nb, Alternative alt) => student
            ? Means.StudentTTest(ma, sa, na, mb, sb, nb, alt)
            : Means.WelchTTest(ma, sa, na, mb, sb, nb, alt);

        var r1 = Run(m1, s1, n1, m2, s2, n2, alternative);
        var r2 = Run(m2, s2, n2, m1, s1, n1, Mirror(alternative));
        return InUnit(r1) && SameOutcome(r1, r2) && (!r1.IsDefined || Close(r1.Statistic, -r2.Statistic));
    }

    [Property(MaxTest = 300)]
    public bool TTests_FromSamples_PInUnitInterval_SymmetricUnderSwap_AndUnderRowOrder(int seed, bool student)
    {
        var random = new Random(seed);
        var a = Enumerable.Range(0, random.Next(0, 40)).Select(_ => Math.Round(random.NextDouble() * 100, random.Next(3))).ToArray();
        var b = Enumerable.Range(0, random.Next(0, 40)).Select(_ => Math.Round(random.NextDouble() * 120, random.Next(3))).ToArray();
        TestResult Run(double[] x, double[] y) => student ? Means.StudentTTestFromSamples(x, y) : Means.WelchTTestFromSamples(x, y);
        var r1 = Run(a, b);
        var r2 = Run(b, a);
        var r3 = Run([.. a.OrderBy(_ => random.Next())], [.. b.OrderBy(_ => random.Next())]);

        // Sums in another order may differ in the last bits: compare with a relative tolerance of 1e-9.
        return InUnit(r1) && SameOutcome(r1, r2) && r1.IsDefined == r3.IsDefined
            && (!r1.IsDefined || Math.Abs(r1.PValue - r3.PValue) <= 1e-9 * Math.Max(1e-300, r1.PValue) + 1e-15);
    }

    [Property(MaxTest = 1000)]
    public bool NormalMeans_ProbabilitiesInUnitInterval_AndSwapComplements(int seed)
    {
        var random = new Random(seed);
        var (m1, s1, n1) = (random.NextDouble() * 100, 0.1 + random.NextDouble() * 30, (long)random.Next(2, 5000));
        var (m2, s2, n2) = (random.NextDouble() * 100, 0.1 + random.NextDouble() * 30, (long)random.Next(2, 5000));
        var c1 = NormalMeans.Compare(m1, s1, n1, m2, s2, n2);
        var c2 = NormalMeans.Compare(m2, s2, n2, m1, s1, n1);
        return c1.ProbabilityTreatmentBetter is >= 0 and <= 1
            && Math.Abs(c1.ProbabilityTreatmentBetter + c2.ProbabilityTreatmentBetter - 1) <= 1e-12
            && Close(c1.ExpectedLossTreatment, c2.ExpectedLossControl)
            && Close(c1.DifferenceMean, -c2.DifferenceMean);
    }
}
