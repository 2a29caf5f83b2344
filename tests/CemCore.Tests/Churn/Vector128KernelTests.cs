using System.Runtime.Intrinsics;
using CemCore.Churn;

namespace CemCore.Tests.Churn;

/// <summary>
/// Issue 17 ("performance that holds on any machine"): the 128-bit row-major kernel that processors and builds without an accelerated
/// Vector256 (Arm64, x64 without AVX2, the CLI's NativeAOT build for x86-64-v2) now take instead of the scalar reference, against the
/// scalar path. Its σ (<see cref="VectorExp.Sigmoid(Vector128{double})"/>, plain multiplies and adds; measured worst 4 ulp) is checked
/// against <c>1 / (1 + Math.Exp(−z))</c> in <see cref="SigmoidKernelTests"/>. The kernel runs on every x64 and Arm64
/// processor, so these tests run it on this one whatever its vector width; the generic every-path tests in
/// <see cref="VectorExpTests"/> and <see cref="LogisticRegressionModelTests"/> include it too.
/// </summary>
public sealed class Vector128KernelTests
{
    /// <summary>Stated bound in ulp of the scalar result (as in <see cref="SigmoidKernelTests"/>).</summary>
    private const double UlpBound = 6.0;

    private static double ScalarSigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    private static double Ulps(double actual, double expected) =>
        actual == expected ? 0 : Math.Abs(actual - expected) / (Math.BitIncrement(expected) - expected);

    [Fact]
    public void Kernel_Available_OnEveryProcessorWithVector128_ForOneToMaxFeatures()
    {
        Assert.Equal(Vector128.IsHardwareAccelerated, LogisticKernels.IsAvailable(RowMajorPath.Vector128, 1));
        Assert.Equal(Vector128.IsHardwareAccelerated, LogisticKernels.IsAvailable(RowMajorPath.Vector128, 512));
        Assert.False(LogisticKernels.IsAvailable(RowMajorPath.Vector128, 0));
        Assert.False(LogisticKernels.IsAvailable(RowMajorPath.Vector128, 513));
    }

    [Fact]
    public void BestPath_WithoutAcceleratedVector256_IsTheVector128Kernel_NotTheScalarReference()
    {
        // On this processor with Vector256 accelerated the wider kernels stay the choice; run the suite with DOTNET_EnableAVX2=0 (or on
        // Arm64) for the other branch. Either way the choice is never the scalar reference where Vector128 is accelerated.
        for (var k = 1; k <= 40; k++)
        {
            var best = LogisticKernels.BestRowMajorPath(k);
            if (!Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated)
            {
                Assert.Equal(RowMajorPath.Vector128, best);
            }

            if (Vector128.IsHardwareAccelerated)
            {
                Assert.NotEqual(RowMajorPath.Scalar, best);
            }
        }
    }

    [Fact]
    public void Kernel_EveryFeatureCountParityAndRowTail_AgreesWithScalarPath()
    {
        // k = 1..33 (odd k: the middle load holds two rows) and n = 0..13 (four-row steps, a last pair, a last odd row), plus k = 511, 512.
        foreach (var k in Enumerable.Range(1, 33).Append(511).Append(512))
        {
            var random = new Random(k);
            var w = Enumerable.Range(0, k).Select(_ => (random.NextDouble() * 4) - 2).ToArray();
            var b = (random.NextDouble() * 2) - 1;
            for (var n = 0; n <= 13; n++)
            {
                var rows = Enumerable.Range(0, n * k).Select(_ => ((random.NextDouble() * 30) - 15) / Math.Sqrt(k)).ToArray();
                var scalar = new double[n];
                var got = new double[n];
                LogisticKernels.ScoreRowMajor(rows, w, b, scalar, RowMajorPath.Scalar);
                LogisticKernels.ScoreRowMajor128(rows, w, b, got);
                for (var i = 0; i < n; i++)
                {
                    Assert.True(Math.Abs(got[i] - scalar[i]) < 1e-12, $"k = {k}, n = {n}, row {i}: {got[i]:R} vs {scalar[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void Kernel_EachValueCountedOnceByItsOwnWeight()
    {
        // One-hot rows: row i has a single 1 at feature (i mod k), so its logit is exactly w[i mod k] + b; a value counted twice, by the
        // wrong weight, or not at all (the middle load of odd k, the pair boundary) changes it.
        foreach (var k in new[] { 1, 2, 3, 8, 9, 10, 17 })
        {
            var w = Enumerable.Range(0, k).Select(j => 0.25 * (j + 1) * (j % 2 == 0 ? 1 : -1)).ToArray();
            const double B = 0.125;
            var n = (3 * k) + 3;
            var rows = new double[n * k];
            for (var i = 0; i < n; i++)
            {
                rows[(i * k) + (i % k)] = 1.0;
            }

            var got = new double[n];
            LogisticKernels.ScoreRowMajor128(rows, w, B, got);
            for (var i = 0; i < n; i++)
            {
                var expected = ScalarSigmoid(w[i % k] + B);
                Assert.True(Ulps(got[i], expected) <= UlpBound, $"k = {k}, row {i}: {got[i]:R} vs {expected:R}");
            }
        }
    }

    [Fact]
    public void Kernel_SaturatedNaNAndInfiniteRows_IdenticalToScalarPath_InEveryLanePosition()
    {
        // Each special logit in each of the four positions of a step, the last pair and the last odd row, next to ordinary rows. Outside
        // σ's domain (and NaN) the scalar formula's result exactly; −36.7 is inside it (within the bound there).
        double[] special = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1000, -1000, 745.2, -745.2, 36.7, -36.7, 30.000000000000004, -708.0000000000001];
        foreach (var k in new[] { 1, 4, 9 })
        {
            foreach (var value in special)
            {
                for (var position = 0; position < 7; position++)
                {
                    const int N = 7;
                    var w = new double[k];
                    w[k - 1] = 1.0;
                    var rows = new double[N * k];
                    for (var i = 0; i < N; i++)
                    {
                        rows[(i * k) + k - 1] = i == position ? value : 0.5 * (i - 3);
                    }

                    var scalar = new double[N];
                    var got = new double[N];
                    LogisticKernels.ScoreRowMajor(rows, w, 0.0, scalar, RowMajorPath.Scalar);
                    LogisticKernels.ScoreRowMajor128(rows, w, 0.0, got);
                    var context = $"k = {k}, value {value:R} in row {position}";
                    var outside = !(value >= VectorExp.SigmoidLowerLimit && value <= VectorExp.SigmoidUpperLimit); // NaN too
                    Assert.True(outside ? scalar[position].Equals(got[position]) : Ulps(got[position], scalar[position]) <= UlpBound, $"{context}: {got[position]:R} vs {scalar[position]:R}");
                    for (var i = 0; i < N; i++)
                    {
                        Assert.True(Math.Abs(got[i] - scalar[i]) < 1e-15 || scalar[i].Equals(got[i]), $"{context}, row {i}: {got[i]:R} vs {scalar[i]:R}");
                    }
                }
            }
        }
    }

    [Fact]
    public void SigmoidInPlace_EveryLengthAndPosition_SpecialValues_AsScalarFormula()
    {
        // The σ pass of the feature-major and portable paths (its 128-bit branch where Vector256 is not accelerated, as in CI's
        // DOTNET_EnableAVX=0 run): saturated results, NaN and the sign of zero exactly the scalar formula's, the rest within the bound.
        double[] special = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1000, -1000, 745.2, -745.2, 36.7, -36.7, 30.000000000000004, -708.0000000000001, -0.0, 0.0, 3.5];
        for (var length = 0; length <= 13; length++)
        {
            foreach (var value in special)
            {
                for (var position = 0; position < length; position++)
                {
                    var values = Enumerable.Range(0, length).Select(i => i == position ? value : 0.75 * (i - 6)).ToArray();
                    var expected = values.Select(ScalarSigmoid).ToArray();
                    LogisticKernels.SigmoidInPlace(values);
                    for (var i = 0; i < length; i++)
                    {
                        var context = $"length {length}, {value:R} at {position}, index {i}: {values[i]:R} vs {expected[i]:R}";
                        if (double.IsNaN(expected[i]) || expected[i] is 0 or 1)
                        {
                            Assert.True(expected[i].Equals(values[i]) && double.IsNegative(expected[i]) == double.IsNegative(values[i]), context);
                        }
                        else
                        {
                            Assert.True(Ulps(values[i], expected[i]) <= UlpBound, context);
                        }
                    }
                }
            }
        }
    }

    [Fact]
    public void Kernel_RowsOneValueShort_RejectedBeforeAnyResultIsWritten()
    {
        var w = new double[9];
        var rows = new double[(17 * 9) - 1];
        var destination = new double[17];
        Array.Fill(destination, -1.0);
        var ex = Assert.Throws<ArgumentException>(() => LogisticKernels.ScoreRowMajor128(rows, w, 0.0, destination));
        Assert.Equal("rows", ex.ParamName);
        Assert.True(Array.TrueForAll(destination, v => v == -1.0));
    }
}
