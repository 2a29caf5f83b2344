using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CemCore.Churn;

/// <summary>
/// Logistic scoring kernels: <c>p = 1 / (1 + exp(−(b + x·w)))</c>. The scalar versions are the reference; the Vector256 versions are the
/// fast path and are tested against them (results may differ in the last bits, and by CPU).
/// </summary>
internal static class LogisticKernels
{
    private const int BlockRows = 256;

    /// <summary>Rows processed per block by the row-major kernel before the sigmoid pass (the block stays in L1).</summary>
    internal static bool UseVector { get; set; } = Vector256.IsHardwareAccelerated;

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

        var b = Vector256.Create(intercept);
        var one = Vector256.Create(1.0);
        var i = 0;
        for (; i <= n - 4; i += 4)
        {
            var acc = b;
            for (var j = 0; j < k; j++)
            {
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(columns.Slice((j * n) + i, 4)), Vector256.Create(w[j]), acc);
            }

            (one / (one + Vector256.Exp(-acc))).CopyTo(destination.Slice(i, 4));
        }

        for (; i < n; i++)
        {
            var z = intercept;
            for (var j = 0; j < k; j++)
            {
                z += columns[(j * n) + i] * w[j];
            }

            destination[i] = Sigmoid(z);
        }
    }

    /// <summary>Replaces each z by σ(z), vectorized.</summary>
    public static void SigmoidInPlace(Span<double> values)
    {
        var one = Vector256.Create(1.0);
        var i = 0;
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
