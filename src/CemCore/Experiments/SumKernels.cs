using System.Numerics;

namespace CemCore.Experiments;

/// <summary>
/// Single-pass SIMD power sums (memory-bound: each value is read once, unlike two TensorPrimitives calls). <see cref="Vector{T}"/>
/// with two independent accumulators per sum to hide add latency; scalar tail. Scalar reference: <see cref="MetricSummary.FromValues"/>.
/// Results differ from the scalar loop in the last bits (different summation order); exact for integer data below 2^53.
/// </summary>
internal static class SumKernels
{
    public static (double Sum, double SumOfSquares) SumAndSquares(ReadOnlySpan<double> y)
    {
        var w = Vector<double>.Count;
        var i = 0;
        double s = 0, s2 = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= 2 * w)
        {
            Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, q0 = Vector<double>.Zero, q1 = Vector<double>.Zero;
            for (; i <= y.Length - (2 * w); i += 2 * w)
            {
                var v0 = new Vector<double>(y.Slice(i, w));
                var v1 = new Vector<double>(y.Slice(i + w, w));
                a0 += v0;
                a1 += v1;
                q0 += v0 * v0;
                q1 += v1 * v1;
            }

            s = Vector.Sum(a0 + a1);
            s2 = Vector.Sum(q0 + q1);
        }

        for (; i < y.Length; i++)
        {
            s += y[i];
            s2 += y[i] * y[i];
        }

        return (s, s2);
    }

    public static (double Sum, double SumOfSquares, double XSum, double XSumOfSquares, double Cross) AllSums(ReadOnlySpan<double> y, ReadOnlySpan<double> x)
    {
        var w = Vector<double>.Count;
        var i = 0;
        double s = 0, s2 = 0, t = 0, t2 = 0, c = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= w)
        {
            Vector<double> a = Vector<double>.Zero, q = Vector<double>.Zero, b = Vector<double>.Zero, r = Vector<double>.Zero, m = Vector<double>.Zero;
            for (; i <= y.Length - w; i += w)
            {
                var vy = new Vector<double>(y.Slice(i, w));
                var vx = new Vector<double>(x.Slice(i, w));
                a += vy;
                q += vy * vy;
                b += vx;
                r += vx * vx;
                m += vx * vy;
            }

            s = Vector.Sum(a);
            s2 = Vector.Sum(q);
            t = Vector.Sum(b);
            t2 = Vector.Sum(r);
            c = Vector.Sum(m);
        }

        for (; i < y.Length; i++)
        {
            s += y[i];
            s2 += y[i] * y[i];
            t += x[i];
            t2 += x[i] * x[i];
            c += x[i] * y[i];
        }

        return (s, s2, t, t2, c);
    }
}
