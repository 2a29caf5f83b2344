using CemCore.Churn;

namespace CemCore.Tests.Churn;

/// <summary>
/// Issue 17: the k = 9 block kernels (<see cref="RowMajorPath.Vector256Block"/>: four rows = nine dense Vector256 loads;
/// <see cref="RowMajorPath.Vector512Block"/>: eight rows = nine Vector512 loads) against the scalar reference
/// <c>1 / (1 + Math.Exp(−(b + Σ xⱼwⱼ)))</c>: every row count around the block and step sizes, every output alignment, both store kinds,
/// special values in every lane of a block (the lanes a load splits between two rows included), and the argument checks. Each test runs
/// the paths this machine has; the scalar path (the fallback without AVX2/FMA) is the reference of all of them.
/// </summary>
public sealed class BlockKernelTests
{
    private const int K = LogisticKernels.BlockFeatures;

    private static readonly RowMajorPath[] BlockPaths = [RowMajorPath.Vector256Block, RowMajorPath.Vector512Block];

    private static IEnumerable<RowMajorPath> Available => BlockPaths.Where(p => LogisticKernels.IsAvailable(p, K));

    private static void Score(RowMajorPath path, ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double b, Span<double> destination, bool nonTemporal)
    {
        if (path == RowMajorPath.Vector256Block)
        {
            LogisticKernels.ScoreRowMajorBlock256(rows, w, b, destination, nonTemporal);
        }
        else
        {
            LogisticKernels.ScoreRowMajorBlock512(rows, w, b, destination, nonTemporal);
        }
    }

    private static (double[] W, double B) Weights(int seed)
    {
        var r = new Random(seed);
        return (Enumerable.Range(0, K).Select(_ => (r.NextDouble() * 4) - 2).ToArray(), (r.NextDouble() * 2) - 1);
    }

    private static double[] Rows(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n * K).Select(_ => (random.NextDouble() * 30) - 15).ToArray();
    }

    private static double[] Scalar(double[] rows, double[] w, double b, int n)
    {
        var scalar = new double[n];
        LogisticKernels.ScoreRowMajor(rows, w, b, scalar, RowMajorPath.Scalar);
        return scalar;
    }

    /// <summary>Saturated and NaN results must be the scalar path's exactly; others within 1e-12 and inside (0, 1).</summary>
    private static void AssertMatches(double expected, double got, string context)
    {
        if (double.IsNaN(expected) || expected is 0 or 1)
        {
            Assert.True(expected.Equals(got) && double.IsNegative(expected) == double.IsNegative(got), $"{context}: {got:R} vs {expected:R}");
        }
        else
        {
            Assert.True(Math.Abs(got - expected) < 1e-12 && got is > 0 and < 1, $"{context}: {got:R} vs {expected:R}");
        }
    }

    [Fact]
    public void BestPath_ForNineFeatures_IsTheVector512BlockKernelWhereAvailable_ElseTheVector256One()
    {
        var best = LogisticKernels.BestRowMajorPath(K);
        Assert.True(LogisticKernels.IsAvailable(best, K));
        RowMajorPath? expected = LogisticKernels.IsAvailable(RowMajorPath.Vector512Block, K) ? RowMajorPath.Vector512Block
            : LogisticKernels.IsAvailable(RowMajorPath.Vector256Block, K) ? RowMajorPath.Vector256Block
            : null;
        if (expected is { } path)
        {
            Assert.Equal(path, best);
        }
        else
        {
            Assert.True(best is not (RowMajorPath.Vector512Block or RowMajorPath.Vector256Block), $"{best}");
        }

        foreach (var k in new[] { 1, 4, 8, 10, 18 })
        {
            Assert.False(LogisticKernels.IsAvailable(RowMajorPath.Vector256Block, k));
            Assert.False(LogisticKernels.IsAvailable(RowMajorPath.Vector512Block, k));
            Assert.NotEqual(RowMajorPath.Vector256Block, LogisticKernels.BestRowMajorPath(k));
            Assert.NotEqual(RowMajorPath.Vector512Block, LogisticKernels.BestRowMajorPath(k));
        }
    }

    [Fact]
    public void EveryLength0To83_EveryOutputAlignment_BothStoreKinds_AgreeWithScalar()
    {
        // n = 0..83 covers: fewer rows than one step, every remainder mod 8 after the pipelined steps, and the 0–3 alignment rows before
        // the first 32-byte boundary of the output (non-temporal stores only). The output sits at each offset mod 32 bytes in a guarded
        // buffer: nothing outside it may change.
        var (w, b) = Weights(9);
        foreach (var path in Available)
        {
            for (var n = 0; n <= 83; n++)
            {
                var rows = Rows(n, 1000 + n);
                var scalar = Scalar(rows, w, b, n);
                foreach (var nonTemporal in new[] { true, false })
                {
                    for (var offset = 0; offset < 4; offset++)
                    {
                        var buffer = new double[n + 8];
                        Array.Fill(buffer, -7.0);
                        Score(path, rows, w, b, buffer.AsSpan(offset, n), nonTemporal);
                        for (var i = 0; i < buffer.Length; i++)
                        {
                            var context = $"{path}, n = {n}, non-temporal {nonTemporal}, offset {offset}, element {i}";
                            if (i < offset || i >= offset + n)
                            {
                                Assert.True(buffer[i] == -7.0, context + " outside the output written");
                            }
                            else
                            {
                                AssertMatches(scalar[i - offset], buffer[i], context);
                            }
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void SpecialValueInEveryLaneOfTheBlock_SameAsScalar()
    {
        // One special value at each of the 72 positions of an eight-row block (both block kernels' loads, split lanes included), the other
        // rows ordinary: ±∞, NaN, a huge finite value, and a zero weight times ∞ (NaN in the scalar formula). A lane counted twice, by the
        // wrong row or with the wrong weight shows up as a changed neighbour or a wrong saturated value.
        var (w, b) = Weights(17);
        var zeroWeight = (double[])w.Clone();
        zeroWeight[4] = 0.0;
        double[] specials = [double.PositiveInfinity, double.NegativeInfinity, double.NaN, 1e300, -1e300, 5e-324, -0.0];
        const int N = 43;
        foreach (var path in Available)
        {
            foreach (var weights in new[] { w, zeroWeight })
            {
                foreach (var special in specials)
                {
                    for (var position = 0; position < 8 * K; position++)
                    {
                        var rows = Rows(N, position);
                        rows[(16 * K) + position] = special; // inside the third eight-row step
                        var scalar = Scalar(rows, weights, b, N);
                        foreach (var nonTemporal in new[] { true, false })
                        {
                            var got = new double[N];
                            Score(path, rows, weights, b, got, nonTemporal);
                            for (var i = 0; i < N; i++)
                            {
                                AssertMatches(scalar[i], got[i], $"{path}, {special:R} at {position}, weight {weights[position % K]:R}, non-temporal {nonTemporal}, row {i}");
                            }
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(LogisticKernels.NonTemporalMinRows - 1)]
    [InlineData(LogisticKernels.NonTemporalMinRows + 13)]
    public void LargeBatches_PrefetchAndNonTemporalStores_AgreeWithScalarAndPublicBatch(int n)
    {
        var (w, b) = Weights(99);
        var rows = Rows(n, n);

        // Rows beyond both ends of σ's domain and NaN features inside the run, to take the exp-based branch between non-temporal stores.
        for (var i = 0; i < 64; i++)
        {
            var row = rows.AsSpan(((n / 2) + (i * 37)) * K, K);
            row.Clear();
            row[i % K] = (i % 4) switch { 0 => -800 / w[i % K], 1 => 40 / w[i % K], 2 => double.NaN, _ => 30 / w[i % K] };
        }

        var scalar = Scalar(rows, w, b, n);
        var model = LogisticRegressionModel.FromStandardizedCoefficients(
            Enumerable.Range(0, K).Select(j => "f" + j).ToArray(), new double[K], Enumerable.Repeat(1.0, K).ToArray(), w, b);
        var batch = new double[n];
        model.ScoreBatch(rows, batch);
        for (var i = 0; i < n; i++)
        {
            AssertMatches(scalar[i], batch[i], $"ScoreBatch, row {i}");
        }

        foreach (var path in Available)
        {
            // Through the dispatch (non-temporal from NonTemporalMinRows rows), at an output offset of one element.
            var buffer = new double[n + 1];
            LogisticKernels.ScoreRowMajor(rows, w, b, buffer.AsSpan(1), path);
            for (var i = 0; i < n; i++)
            {
                AssertMatches(scalar[i], buffer[i + 1], $"{path}, row {i}");
            }
        }
    }

    [Fact]
    public void Arguments_WrongFeatureCountOrShortRows_Throw()
    {
        foreach (var path in Available)
        {
            var ex = Assert.Throws<ArgumentException>(() => Score(path, new double[80], new double[8], 0, new double[10], false));
            Assert.Equal("w", ex.ParamName);
            ex = Assert.Throws<ArgumentException>(() => Score(path, new double[(10 * K) - 1], new double[K], 0, new double[10], true));
            Assert.Equal("rows", ex.ParamName);
        }
    }
}
