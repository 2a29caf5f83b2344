using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace CemCore.Churn;

/// <summary>
/// The 128-bit row-major kernel (issue 17, "performance that holds on any machine"): the path for processors and builds where Vector256
/// is not accelerated, which until now scored with the scalar reference. That is every Arm64 machine (Vector128 is AdvSimd there), an x64
/// processor without AVX2, and the CLI's NativeAOT publish, whose code targets x86-64-v2 (SSE4.2, no AVX or FMA) unless it is built with
/// <c>-p:CliAotInstructionSet=x86-64-v3</c>.
/// </summary>
internal static partial class LogisticKernels
{
    /// <summary>
    /// Row-major kernel on Vector128, any k from 1 to <see cref="MaxStreamFeatures"/>. Two rows are <c>2k</c> consecutive doubles, exactly k
    /// vectors: load j (elements 2j and 2j + 1 of the pair) is multiplied by the weights in the same places (<c>w[2j mod k]</c>,
    /// <c>w[(2j + 1) mod k]</c>), so every product is one the scalar formula makes and no lane is wasted. Loads before the middle belong to
    /// the first row, loads after it to the second; for odd k the middle load holds the first row's last value and the second row's first,
    /// and its product is added lane for lane after the two rows' pairwise sums (no mask). Two pairs (four rows) per step sharing each
    /// weight load, each pair's logits reduced by one pairwise add; σ with <see cref="VectorExp.Sigmoid(Vector128{double})"/> when all four
    /// logits are in its domain, else the scalar formula for each (NaN, saturated and extreme logits: the scalar path's results bit for bit
    /// there). Plain multiplies and adds (no FMA, which x86-64-v2 lacks): the same results on every processor that takes this path. A last
    /// pair gets the scalar σ of its two logits, a last odd row the whole scalar formula.
    /// </summary>
    internal static unsafe void ScoreRowMajor128(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        var k = w.Length;
        var n = destination.Length;
        CheckRowsLength(rows, k, n);
        if (n < 2 || k < 1 || k > MaxStreamFeatures)
        {
            ScoreRowMajorScalar(rows, w, intercept, destination);
            return;
        }

        // The k weight patterns of a pair of rows.
        var wp = stackalloc Vector128<double>[k];
        for (var j = 0; j < k; j++)
        {
            wp[j] = Vector128.Create(w[(2 * j) % k], w[((2 * j) + 1) % k]);
        }

        ref readonly var src = ref rows[0];
        var b = Vector128.Create(intercept);
        var pair = (nuint)(2 * k);
        var i = 0;
        unchecked
        {
            for (; i <= n - 4; i += 4)
            {
                var (z0, z1) = Logits4x128(in src, (nuint)i * (nuint)k, pair, k, wp, b);
                if (VectorExp.InSigmoidDomain(z0, z1))
                {
                    VectorExp.Sigmoid(z0).StoreUnsafe(ref destination[i]);
                    VectorExp.Sigmoid(z1).StoreUnsafe(ref destination[i + 2]);
                }
                else
                {
                    SigmoidEach(z0, destination.Slice(i, 2));
                    SigmoidEach(z1, destination.Slice(i + 2, 2));
                }
            }

            if (i <= n - 2)
            {
                var (z, _) = Logits4x128(in src, (nuint)i * (nuint)k, 0, k, wp, b); // the last pair as both pairs of a step
                SigmoidEach(z, destination.Slice(i, 2));
                i += 2;
            }
        }

        if (i < n)
        {
            destination[i] = Sigmoid(Dot(rows.Slice(i * k, k), w, intercept));
        }
    }

    /// <summary>
    /// The logits of the pairs of rows starting at elements <paramref name="o"/> and <paramref name="o"/> + <paramref name="pair"/> (each
    /// pair's loads read [start, start + 2k), inside the rows the caller checked): lane 0 a pair's first row, lane 1 its second. One pass,
    /// each weight vector loaded once for both pairs; the same operations per pair, so a pair's logits do not depend on its partner.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe (Vector128<double> Z0, Vector128<double> Z1) Logits4x128(ref readonly double src, nuint o, nuint pair, int k, Vector128<double>* wp, Vector128<double> b)
    {
        unchecked
        {
            var half = (nuint)(k >> 1);
            var uk = (nuint)k;
            var o1 = o + pair;
            var first0 = Vector128<double>.Zero;
            var first1 = Vector128<double>.Zero;
            var second0 = Vector128<double>.Zero;
            var second1 = Vector128<double>.Zero;
            nuint j = 0;
            for (; j < half; j++)
            {
                var wj = wp[j];
                first0 += Vector128.LoadUnsafe(in src, o + (2 * j)) * wj;
                first1 += Vector128.LoadUnsafe(in src, o1 + (2 * j)) * wj;
            }

            var across0 = Vector128<double>.Zero;
            var across1 = Vector128<double>.Zero;
            if ((k & 1) != 0)
            {
                var wj = wp[j];
                across0 = Vector128.LoadUnsafe(in src, o + (2 * j)) * wj;
                across1 = Vector128.LoadUnsafe(in src, o1 + (2 * j)) * wj;
                j++;
            }

            for (; j < uk; j++)
            {
                var wj = wp[j];
                second0 += Vector128.LoadUnsafe(in src, o + (2 * j)) * wj;
                second1 += Vector128.LoadUnsafe(in src, o1 + (2 * j)) * wj;
            }

            return (PairwiseSums(first0, second0) + across0 + b, PairwiseSums(first1, second1) + across1 + b);
        }
    }

    /// <summary><c>(a₀ + a₁, b₀ + b₁)</c>: one pairwise add where the processor has it (SSE3 <c>haddpd</c>, Arm64 <c>faddp</c>), the same sums otherwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> PairwiseSums(Vector128<double> a, Vector128<double> b)
    {
        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(a, b);
        }

        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.AddPairwise(a, b);
        }

        return Vector128.Create(a.GetElement(0) + a.GetElement(1), b.GetElement(0) + b.GetElement(1));
    }

    /// <summary>
    /// σ in place, four values at a time with <see cref="VectorExp.Sigmoid(Vector128{double})"/> (the scalar formula for a group with a
    /// value outside its domain); returns how many values it replaced (a multiple of four), the caller does the rest. A method of its own:
    /// inside <see cref="SigmoidInPlace"/>, whose other branches use Vector256 and Vector512, the NativeAOT compiler (x86-64-v2, where
    /// those types are not accelerated) left the Vector128 σ and the domain check as calls.
    /// </summary>
    private static int SigmoidInPlace128(Span<double> values)
    {
        var i = 0;
        for (; i <= values.Length - 4; i += 4)
        {
            ref var at = ref values[i]; // values[i .. i + 3] exist: two vectors from here stay inside the span
            var z0 = Vector128.LoadUnsafe(ref at);
            var z1 = Vector128.LoadUnsafe(ref at, 2);
            if (VectorExp.InSigmoidDomain(z0, z1))
            {
                VectorExp.Sigmoid(z0).StoreUnsafe(ref at);
                VectorExp.Sigmoid(z1).StoreUnsafe(ref at, 2);
            }
            else
            {
                SigmoidEach(z0, values.Slice(i, 2));
                SigmoidEach(z1, values.Slice(i + 2, 2));
            }
        }

        return i;
    }

    /// <summary>The scalar formula on each lane (the tails of σ, and a last pair).</summary>
    private static void SigmoidEach(Vector128<double> z, Span<double> destination)
    {
        destination[0] = Sigmoid(z.GetElement(0));
        destination[1] = Sigmoid(z.GetElement(1));
    }
}
