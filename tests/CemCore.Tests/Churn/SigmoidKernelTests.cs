using System.Runtime.Intrinsics;
using CemCore.Churn;

namespace CemCore.Tests.Churn;

/// <summary>
/// Issue 17: the one-division sigmoid of the AVX2 kernel (<see cref="VectorExp.Sigmoid(Vector256{double})"/>, and its 128-bit version
/// without FMA, <see cref="VectorExp.Sigmoid(Vector128{double})"/>) against <c>1 / (1 + Math.Exp(−z))</c> (the
/// runtime's libm exp: an independent implementation), and the non-temporal store path of the streaming kernel against the scalar path
/// for every output alignment, the short lengths, and sizes around <see cref="LogisticKernels.NonTemporalMinRows"/>.
/// </summary>
public sealed class SigmoidKernelTests
{
    /// <summary>Stated bound in ulp of the scalar result (measured worst 4 on a 1.05M-point sweep).</summary>
    private const double UlpBound = 6.0;

    private static double ScalarSigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    private static double Ulps(double actual, double expected) =>
        actual == expected ? 0 : Math.Abs(actual - expected) / (Math.BitIncrement(expected) - expected);

    /// <summary>σ of every value with the Vector256 (FMA) or the Vector128 (plain multiplies and adds, issue 17's 128-bit path) version.</summary>
    private static double[] Sigmoid(double[] z, int width)
    {
        var result = new double[z.Length];
        var lanes = width / 64;
        for (var i = 0; i + lanes <= z.Length; i += lanes)
        {
            if (width == 128)
            {
                VectorExp.Sigmoid(Vector128.Create(z.AsSpan(i, 2))).CopyTo(result.AsSpan(i, 2));
            }
            else
            {
                VectorExp.Sigmoid(Vector256.Create(z.AsSpan(i, 4))).CopyTo(result.AsSpan(i, 4));
            }
        }

        return result;
    }

    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    public void Sigmoid_DenseSweepOfItsDomain_WithinBoundOfScalarFormula(int width)
    {
        var z = new double[1_040_000];
        var step = (VectorExp.SigmoidUpperLimit - VectorExp.SigmoidLowerLimit) / (z.Length - 1);
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = VectorExp.SigmoidLowerLimit + (i * step);
        }

        z[^1] = VectorExp.SigmoidUpperLimit;
        var got = Sigmoid(z, width);
        var worst = 0.0;
        for (var i = 0; i < z.Length; i++)
        {
            var expected = ScalarSigmoid(z[i]);
            var ulps = Ulps(got[i], expected);
            worst = Math.Max(worst, ulps);
            Assert.True(ulps <= UlpBound && Math.Abs(got[i] - expected) <= 3e-16 && got[i] is > 0 and < 1, $"z = {z[i]:R}: {got[i]:R} vs {expected:R} ({ulps:F2} ulp)");
        }

        Assert.True(worst > 0, "the sweep should see rounding differences; a zero worst case means the test compares the formula to itself");
    }

    [Theory]
    [InlineData(256)]
    [InlineData(128)]
    public void Sigmoid_RandomLogitsAndExactPoints_WithinBound(int width)
    {
        var random = new Random(1717);
        var z = new double[200_000];
        for (var i = 0; i < z.Length; i++)
        {
            // Half uniform over the domain, half |z| < 2 where most scores sit.
            z[i] = i % 2 == 0 ? VectorExp.SigmoidLowerLimit + (random.NextDouble() * (VectorExp.SigmoidUpperLimit - VectorExp.SigmoidLowerLimit)) : (random.NextDouble() * 4) - 2;
        }

        double[] exact = [0.0, -0.0, 1.0, -1.0, Math.Log(3), -Math.Log(3), 1e-300, -1e-300, 5e-324, VectorExp.SigmoidLowerLimit, VectorExp.SigmoidUpperLimit, 0.5 * Math.Log(2)];
        exact.CopyTo(z, 0);
        var got = Sigmoid(z, width);
        Assert.Equal(0.5, got[0]);
        Assert.Equal(0.5, got[1]);
        Assert.Equal(0.75, got[4], 15);
        Assert.Equal(0.25, got[5], 15);
        for (var i = 0; i < z.Length; i++)
        {
            var expected = ScalarSigmoid(z[i]);
            Assert.True(Ulps(got[i], expected) <= UlpBound, $"z = {z[i]:R}: {got[i]:R} vs {expected:R}");
        }
    }

    [Theory]
    [InlineData(-708.0, true)]
    [InlineData(-708.0000000000001, false)]
    [InlineData(30.0, true)]
    [InlineData(30.000000000000004, false)]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    [InlineData(double.NegativeInfinity, false)]
    [InlineData(0.0, true)]
    public void InSigmoidDomain_Edges(double value, bool inside)
    {
        var zeros = Vector256<double>.Zero;
        for (var lane = 0; lane < 4; lane++)
        {
            var v = zeros.WithElement(lane, value);
            Assert.Equal(inside, VectorExp.InSigmoidDomain(v, zeros));
            Assert.Equal(inside, VectorExp.InSigmoidDomain(zeros, v));
        }

        // The 128-bit check (issue 17's 128-bit path), each of its four lanes.
        var zeros128 = Vector128<double>.Zero;
        for (var lane = 0; lane < 2; lane++)
        {
            var v = zeros128.WithElement(lane, value);
            Assert.Equal(inside, VectorExp.InSigmoidDomain(v, zeros128));
            Assert.Equal(inside, VectorExp.InSigmoidDomain(zeros128, v));
        }
    }

    private static (double[] W, double B) Weights(int k, int seed)
    {
        var r = new Random(seed);
        return (Enumerable.Range(0, k).Select(_ => (r.NextDouble() * 4) - 2).ToArray(), (r.NextDouble() * 2) - 1);
    }

    private static double[] Rows(int n, int k, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n * k).Select(_ => (random.NextDouble() * 30) - 15).ToArray();
    }

    private static void AssertAgreesWithScalar(double[] rows, double[] w, double b, int n, Func<double[], int, Span<double>, int> score, string context)
    {
        var scalar = new double[n];
        LogisticKernels.ScoreRowMajor(rows, w, b, scalar, RowMajorPath.Scalar);

        // Output at every offset mod 32 bytes inside a guarded buffer: nothing outside [offset, offset + n) may change.
        for (var offset = 0; offset < 4; offset++)
        {
            var buffer = new double[n + 8];
            Array.Fill(buffer, -7.0);
            var done = score(rows, offset, buffer.AsSpan(offset, n));
            Assert.Equal(n, done);
            for (var i = 0; i < buffer.Length; i++)
            {
                if (i < offset || i >= offset + n)
                {
                    Assert.True(buffer[i] == -7.0, $"{context}, offset {offset}: element {i} outside the output written");
                    continue;
                }

                var expected = scalar[i - offset];
                Assert.True(Math.Abs(buffer[i] - expected) < 1e-12, $"{context}, offset {offset}, row {i - offset}: {buffer[i]:R} vs {expected:R}");
            }
        }
    }

    [Fact]
    public void NonTemporalPath_EveryLength0To67_EveryAlignment_AgreesWithScalarPath()
    {
        if (!LogisticKernels.IsAvailable(RowMajorPath.Vector256, 9))
        {
            Assert.False(LogisticKernels.BestRowMajorPath(9) == RowMajorPath.Vector256);
            return;
        }

        foreach (var k in new[] { 4, 5, 7, 9, 12 })
        {
            var (w, b) = Weights(k, k);
            for (var n = 0; n <= 67; n++)
            {
                var rows = Rows(n, k, (k * 1000) + n);
                foreach (var nonTemporal in new[] { true, false })
                {
                    AssertAgreesWithScalar(rows, w, b, n, (r, _, d) =>
                    {
                        LogisticKernels.ScoreRowMajor256(r, w, b, d, nonTemporal);
                        return d.Length;
                    }, $"k = {k}, n = {n}, non-temporal {nonTemporal}");
                }
            }
        }
    }

    [Theory]
    [InlineData(LogisticKernels.NonTemporalMinRows - 1)]
    [InlineData(LogisticKernels.NonTemporalMinRows)]
    [InlineData(LogisticKernels.NonTemporalMinRows + 13)]
    public void ThresholdEdges_PublicBatchAndKernel_AgreeWithScalarPath(int n)
    {
        const int K = 9;
        var (w, b) = Weights(K, 99);
        var rows = Rows(n, K, n);

        // Some rows at the σ domain's edges and beyond, to take the exp-based branch inside a large non-temporal run.
        for (var i = 0; i < 64; i++)
        {
            var row = rows.AsSpan(((n / 2) + (i * 37)) * K, K);
            row.Clear();
            row[0] = (i % 4) switch { 0 => -800 / w[0], 1 => 40 / w[0], 2 => double.NaN, _ => 30 / w[0] };
        }

        var model = LogisticRegressionModel.FromStandardizedCoefficients(
            Enumerable.Range(0, K).Select(j => "f" + j).ToArray(), new double[K], Enumerable.Repeat(1.0, K).ToArray(), w, b);
        AssertAgreesWithScalarOrNaN(rows, model, n);
        if (LogisticKernels.IsAvailable(RowMajorPath.Vector256, K))
        {
            AssertAgreesWithScalar(
                rows.Select(v => double.IsNaN(v) ? 0 : v).ToArray(), w, b, n, (r, _, d) =>
                {
                    LogisticKernels.ScoreRowMajor(r, w, b, d, RowMajorPath.Vector256);
                    return d.Length;
                }, $"n = {n}");
        }
    }

    private static void AssertAgreesWithScalarOrNaN(double[] rows, LogisticRegressionModel model, int n)
    {
        var scalar = new double[n];
        LogisticKernels.ScoreRowMajor(rows, model.RawSpan, model.RawIntercept, scalar, RowMajorPath.Scalar);
        var got = new double[n];
        model.ScoreBatch(rows, got);
        for (var i = 0; i < n; i++)
        {
            if (double.IsNaN(scalar[i]) || scalar[i] is 0 or 1)
            {
                Assert.True(scalar[i].Equals(got[i]), $"row {i}: {got[i]:R} vs {scalar[i]:R}");
            }
            else
            {
                Assert.True(Math.Abs(got[i] - scalar[i]) < 1e-12, $"row {i}: {got[i]:R} vs {scalar[i]:R}");
            }
        }
    }

    /// <summary>
    /// The Vector512 σ of the AVX-512 block kernel is the Vector256 formula's operations on wider vectors: identical results lane for lane
    /// (every lane of a vector a different logit, so a lane mix-up shows), over the whole domain and its edges. Runs everywhere: without
    /// AVX-512 both sides take the runtime's software path, whose fused multiply-add is <see cref="Math.FusedMultiplyAdd"/>.
    /// </summary>
    [Fact]
    public void Sigmoid512_SameResultsAsSigmoid256_LaneForLane()
    {
        var random = new Random(5120);
        var z = new double[80_000];
        for (var i = 0; i < z.Length; i++)
        {
            z[i] = i % 2 == 0 ? VectorExp.SigmoidLowerLimit + (random.NextDouble() * (VectorExp.SigmoidUpperLimit - VectorExp.SigmoidLowerLimit)) : (random.NextDouble() * 8) - 4;
        }

        double[] edges = [0.0, -0.0, 1e-300, -5e-324, VectorExp.SigmoidLowerLimit, VectorExp.SigmoidUpperLimit, 0.5 * Math.Log(2), -0.5 * Math.Log(2)];
        edges.CopyTo(z, 8);
        var narrow = Sigmoid(z, 256);
        for (var i = 0; i + 8 <= z.Length; i += 8)
        {
            var wide = VectorExp.Sigmoid(Vector512.Create(z.AsSpan(i, 8)));
            for (var l = 0; l < 8; l++)
            {
                Assert.True(wide[l].Equals(narrow[i + l]), $"z = {z[i + l]:R}: {wide[l]:R} vs {narrow[i + l]:R}");
            }
        }
    }

    [Fact]
    public void InSigmoidDomain512_EveryLane_AgreesWithTheVector256Check()
    {
        double[] outside = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, Math.BitIncrement(VectorExp.SigmoidUpperLimit), Math.BitDecrement(VectorExp.SigmoidLowerLimit), 1e300];
        var inside = Enumerable.Range(0, 8).Select(l => (l * 3.7) - 12).ToArray();
        Assert.True(VectorExp.InSigmoidDomain(Vector512.Create(inside)));
        Assert.True(VectorExp.InSigmoidDomain(Vector512.Create(VectorExp.SigmoidLowerLimit)));
        Assert.True(VectorExp.InSigmoidDomain(Vector512.Create(VectorExp.SigmoidUpperLimit)));
        for (var l = 0; l < 8; l++)
        {
            foreach (var value in outside)
            {
                var lanes = (double[])inside.Clone();
                lanes[l] = value;
                var expected = VectorExp.InSigmoidDomain(Vector256.Create(lanes.AsSpan(0, 4)), Vector256.Create(lanes.AsSpan(4, 4)));
                Assert.False(expected);
                Assert.Equal(expected, VectorExp.InSigmoidDomain(Vector512.Create(lanes)));
            }
        }
    }

    private delegate void Kernel(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination);

    /// <summary>
    /// The vector kernels index their rows without overflow checks (issue 17), so each checks first that the rows hold n rows of k: a span
    /// one value short is rejected with an <see cref="ArgumentException"/> on <c>rows</c> before any result is written (without the check
    /// the generic kernels wrote their first rows, up to the output's alignment or up to the last whole step, and failed only then).
    /// </summary>
    [Fact]
    public void VectorKernels_RowsOneValueShort_RejectedBeforeAnyResultIsWritten()
    {
        const int N = 17;
        var kernels = new List<(string Name, int K, Kernel Score)>();
        foreach (var k in new[] { 9, 12 })
        {
            kernels.Add(($"Vector256 k = {k}, non-temporal", k, (r, w, b, d) => LogisticKernels.ScoreRowMajor256(r, w, b, d, nonTemporal: true)));
            kernels.Add(($"Vector256 k = {k}", k, (r, w, b, d) => LogisticKernels.ScoreRowMajor256(r, w, b, d, nonTemporal: false)));
            kernels.Add(($"Vector512 k = {k}", k, LogisticKernels.ScoreRowMajor512));
        }

        kernels.Add(("Vector256 block", 9, (r, w, b, d) => LogisticKernels.ScoreRowMajorBlock256(r, w, b, d, nonTemporal: true)));
        kernels.Add(("Vector512 block", 9, (r, w, b, d) => LogisticKernels.ScoreRowMajorBlock512(r, w, b, d, nonTemporal: true)));
        foreach (var (name, k, score) in kernels)
        {
            var (w, b) = Weights(k, k);
            var rows = Rows(N, k, k)[..((N * k) - 1)];

            // Offsets 0-3 of one buffer: at least one puts the output off its 32-byte boundary, where a kernel with non-temporal stores
            // scores its first rows with the scalar formula before the vector loop.
            var buffer = new double[N + 3];
            for (var offset = 0; offset <= 3; offset++)
            {
                Array.Fill(buffer, -1.0);
                string? paramName = null;
                try
                {
                    score(rows, w, b, buffer.AsSpan(offset, N));
                }
                catch (ArgumentException ex)
                {
                    paramName = ex.ParamName;
                }

                Assert.True(paramName == "rows", $"{name}, offset {offset}: expected an ArgumentException on rows, got {paramName ?? "none"}");
                Assert.True(Array.TrueForAll(buffer, v => v == -1.0), $"{name}, offset {offset}: a result was written before the length check");
            }
        }
    }

    /// <summary>
    /// The kernels keep their weight vectors at <see cref="LogisticKernels.AlignUp"/> of a stack allocation one vector longer than they
    /// need (the stack is only 16-byte aligned): for every 8-byte-aligned start the result is a multiple of the vector size, not below the
    /// start, and less than one vector above it, so the vectors stay inside the allocation.
    /// </summary>
    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void AlignUp_AnyEightByteAlignedStart_NextVectorBoundaryInsideOneExtraVector(int vectorBytes)
    {
        var alignment = (nuint)vectorBytes;
        foreach (var page in new nuint[] { 0x1234_5000, 0x7F00_0000 })
        {
            for (nuint offset = 0; offset < 2 * alignment; offset += 8)
            {
                var start = page + offset;
                var aligned = LogisticKernels.AlignUp(start, alignment);
                Assert.Equal((nuint)0, aligned % alignment);
                Assert.True(aligned >= start, $"start {offset}: below the start");
                Assert.True(aligned - start < alignment, $"start {offset}: a whole vector or more above the start");
                Assert.Equal(offset % alignment == 0 ? start : start - (offset % alignment) + alignment, aligned);
            }
        }
    }
}
