using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CemCore.Churn;

/// <summary>
/// Logistic scoring kernels: <c>p = 1 / (1 + exp(−(b + x·w)))</c>. The scalar versions are the reference; the Vector256 versions are the
/// fast path and are tested against them (results may differ in the last bits, and by CPU).
/// </summary>
internal static class LogisticKernels
{
    /// <summary>Rows per block of the block-wise kernels (a block of results stays in L1 for the sigmoid pass).</summary>
    private const int BlockRows = 256;

    /// <summary>Whether the Vector256 kernels are used (otherwise the scalar reference runs).</summary>
    private static readonly bool UseVector = Vector256.IsHardwareAccelerated;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> w, double intercept)
    {
        var z = intercept;
        for (var j = 0; j < w.Length; j++)
        {
            z += x[j] * w[j];
        }

        return z;
    }

    public static double ScoreOne(ReadOnlySpan<double> x, ReadOnlySpan<double> w, double intercept) => Sigmoid(Dot(x, w, intercept));

    /// <summary>Scalar reference, row-major.</summary>
    public static void ScoreRowMajorScalar(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        var k = w.Length;
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = Sigmoid(Dot(rows.Slice(i * k, k), w, intercept));
        }
    }

    /// <summary>Scalar reference, feature-major (column <c>j</c> at <c>[j·n, (j+1)·n)</c>).</summary>
    public static void ScoreFeatureMajorScalar(ReadOnlySpan<double> columns, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        var n = destination.Length;
        for (var i = 0; i < n; i++)
        {
            var z = intercept;
            for (var j = 0; j < w.Length; j++)
            {
                z += columns[(j * n) + i] * w[j];
            }

            destination[i] = Sigmoid(z);
        }
    }

    public static void ScoreRowMajor(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        if (UseVector && Avx.IsSupported && w.Length is >= 4 and <= 256)
        {
            ScoreRowMajorAvx(rows, w, intercept, destination);
            return;
        }

        ScoreRowMajorVector(rows, w, intercept, destination);
    }

    /// <summary>
    /// Four rows at a time: per row one Vector256 FMA chain over the 4-wide chunks, then the four partial vectors are reduced together with
    /// two horizontal adds and a 128-bit lane swap (5 instructions for 4 rows), the remaining k mod 4 features are gathered across the 4 rows,
    /// and the sigmoid is applied in registers.
    /// </summary>
    internal static void ScoreRowMajorAvx(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        var k = w.Length;
        var chunks = k / 4;
        Span<Vector256<double>> wv = stackalloc Vector256<double>[chunks];
        for (var c = 0; c < chunks; c++)
        {
            wv[c] = Vector256.Create(w.Slice(c * 4, 4));
        }

        var tailStart = chunks * 4;
        var n = destination.Length;
        var b = Vector256.Create(intercept);
        var one = Vector256.Create(1.0);
        var i = 0;
        for (; i <= n - 4; i += 4)
        {
            var block = rows.Slice(i * k, 4 * k);
            var r0 = block[..k];
            var r1 = block.Slice(k, k);
            var r2 = block.Slice(2 * k, k);
            var r3 = block.Slice(3 * k, k);
            var a0 = Vector256.Create(r0[..4]) * wv[0];
            var a1 = Vector256.Create(r1[..4]) * wv[0];
            var a2 = Vector256.Create(r2[..4]) * wv[0];
            var a3 = Vector256.Create(r3[..4]) * wv[0];
            for (var c = 1; c < chunks; c++)
            {
                var o = c * 4;
                var wc = wv[c];
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(r0.Slice(o, 4)), wc, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.Create(r1.Slice(o, 4)), wc, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.Create(r2.Slice(o, 4)), wc, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.Create(r3.Slice(o, 4)), wc, a3);
            }

            // [a0₀+a0₁, a1₀+a1₁, a0₂+a0₃, a1₂+a1₃] and the same for rows 2, 3; then add the 128-bit halves.
            var t0 = Avx.HorizontalAdd(a0, a1);
            var t1 = Avx.HorizontalAdd(a2, a3);
            var z = Avx.Permute2x128(t0, t1, 0x20) + Avx.Permute2x128(t0, t1, 0x31) + b;
            for (var j = tailStart; j < k; j++)
            {
                z = Vector256.FusedMultiplyAdd(Vector256.Create(r0[j], r1[j], r2[j], r3[j]), Vector256.Create(w[j]), z);
            }

            (one / (one + Vector256.Exp(-z))).CopyTo(destination.Slice(i, 4));
        }

        for (; i < n; i++)
        {
            destination[i] = Sigmoid(Dot(rows.Slice(i * k, k), w, intercept));
        }
    }

    internal static void ScoreRowMajorVector(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        var k = w.Length;
        var chunks = k / 4;
        if (!UseVector || chunks == 0 || chunks > 64)
        {
            ScoreRowMajorScalar(rows, w, intercept, destination);
            return;
        }

        Span<Vector256<double>> wv = stackalloc Vector256<double>[chunks];
        for (var c = 0; c < chunks; c++)
        {
            wv[c] = Vector256.Create(w.Slice(c * 4, 4));
        }

        var tailStart = chunks * 4;
        var n = destination.Length;
        for (var start = 0; start < n; start += BlockRows)
        {
            var end = Math.Min(start + BlockRows, n);
            for (var i = start; i < end; i++)
            {
                var row = rows.Slice(i * k, k);
                var acc = Vector256.Create(row[..4]) * wv[0];
                for (var c = 1; c < chunks; c++)
                {
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(row.Slice(c * 4, 4)), wv[c], acc);
                }

                var z = intercept + Vector256.Sum(acc);
                for (var j = tailStart; j < k; j++)
                {
                    z += row[j] * w[j];
                }

                destination[i] = z;
            }

            SigmoidInPlace(destination[start..end]);
        }
    }

    public static void ScoreFeatureMajor(ReadOnlySpan<double> columns, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        var n = destination.Length;
        var k = w.Length;
        if (!UseVector || n < 4 || k > 256)
        {
            ScoreFeatureMajorScalar(columns, w, intercept, destination);
            return;
        }

        // Block-wise: z = b + Σⱼ wⱼ · columnⱼ[block] with TensorPrimitives (widest SIMD available), the block staying in L1; then σ.
        for (var start = 0; start < n; start += BlockRows)
        {
            var m = Math.Min(BlockRows, n - start);
            var z = destination.Slice(start, m);
            TensorPrimitives.Multiply(columns.Slice(start, m), w[0], z);
            for (var j = 1; j < k; j++)
            {
                TensorPrimitives.MultiplyAdd(columns.Slice((j * n) + start, m), w[j], z, z);
            }

            TensorPrimitives.Add(z, intercept, z);
            SigmoidInPlace(z);
        }
    }

    /// <summary>Replaces each z by σ(z), vectorized.</summary>
    public static void SigmoidInPlace(Span<double> values)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var one512 = Vector512.Create(1.0);
            for (; i <= values.Length - 8; i += 8)
            {
                var z = Vector512.Create((ReadOnlySpan<double>)values.Slice(i, 8));
                (one512 / (one512 + Vector512.Exp(-z))).CopyTo(values.Slice(i, 8));
            }
        }

        var one = Vector256.Create(1.0);
        for (; i <= values.Length - 4; i += 4)
        {
            var z = Vector256.Create((ReadOnlySpan<double>)values.Slice(i, 4));
            (one / (one + Vector256.Exp(-z))).CopyTo(values.Slice(i, 4));
        }

        for (; i < values.Length; i++)
        {
            values[i] = Sigmoid(values[i]);
        }
    }
}
