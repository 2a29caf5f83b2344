using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CemCore.Churn;

/// <summary>
/// Logistic scoring kernels: <c>p = 1 / (1 + exp(−(b + x·w)))</c>. The scalar versions are the reference; the Vector256 versions are the
/// fast path and are tested against them (results may differ in the last bits, and by CPU).
/// </summary>
/// <remarks>
/// The vector kernels' loops are <c>unchecked</c>: the library builds with overflow checking on, which made every pointer offset and row
/// index in these loops an add or multiply followed by an overflow branch (about 50 extra instructions per eight-row step of the k = 9 block
/// kernels, seen in their JIT listing). Every offset stays below the row or output length, which the entry points check first, so nothing
/// can overflow there. Without the checks the block kernels took 4–9 % (Vector512) and 6–19 % (Vector256) less time on rows already in
/// cache, with the same results bit for bit (issue 17, benchmarks/results/ChurnBenchmarks.md, sixteenth session).
/// </remarks>
internal static partial class LogisticKernels
{
    /// <summary>Rows per block of the block-wise kernels (a block of results stays in L1 for the sigmoid pass).</summary>
    private const int BlockRows = 256;

    /// <summary>Whether the Vector256 kernels are used (otherwise the scalar reference runs).</summary>
    private static readonly bool UseVector = Vector256.IsHardwareAccelerated;

    /// <summary>Whether <see cref="VectorExp.Sigmoid(Vector256{double})"/> runs on hardware FMA (without it <c>Vector256.FusedMultiplyAdd</c> is emulated).</summary>
    private static readonly bool UseFastSigmoid = Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported;

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

    public static void ScoreRowMajor(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination) =>
        ScoreRowMajor(rows, w, intercept, destination, BestRowMajorPath(w.Length));

    /// <summary>
    /// The fastest row-major path for <paramref name="k"/> features on this hardware: for k = 9 the Vector512 block kernel
    /// (<see cref="ScoreRowMajorBlock512"/>) where the runtime accelerates Vector512 and AVX2/FMA exist (issue 17, fourth pass: with σ on the
    /// whole Vector512 it was 3–13 % faster than the Vector256 block kernel in the minima of three interleaved loaded runs on the Zen 4 host;
    /// in four quiet BenchmarkDotNet runs each kernel won two, so the choice is not settled, see benchmarks/results/ChurnBenchmarks.md), else the Vector256 block kernel (<see cref="ScoreRowMajorBlock256"/>) wherever AVX2 and
    /// FMA exist; for other k the AVX2/FMA streaming kernel wherever it runs, AVX-512 hosts included (on Zen 4 it scored 1M × 9 in
    /// 2.4–2.5 ms against 2.8–3.1 ms for the generic Vector512 kernel, whose 512-bit operations the core splits in two and whose loads are
    /// span-checked); the generic Vector512 kernel when AVX2 or FMA is missing; where Vector256 is not accelerated at all (Arm64, x64
    /// without AVX2, the CLI's NativeAOT build for x86-64-v2), and for k = 1–3 everywhere, the Vector128 kernel
    /// (<see cref="ScoreRowMajor128"/>) instead of the scalar reference.
    /// </summary>
    internal static RowMajorPath BestRowMajorPath(int k)
    {
        if (k == BlockFeatures && IsAvailable(RowMajorPath.Vector512Block, k))
        {
            return RowMajorPath.Vector512Block;
        }

        if (UseVector && Avx2.IsSupported && Fma.IsSupported && k == BlockFeatures)
        {
            return RowMajorPath.Vector256Block;
        }

        if (UseVector && Avx2.IsSupported && Fma.IsSupported && k is >= 4 and <= MaxStreamFeatures)
        {
            return RowMajorPath.Vector256;
        }

        if (UseVector && Vector512.IsHardwareAccelerated && Avx512F.IsSupported && k is >= 8 and <= MaxStreamFeatures)
        {
            return RowMajorPath.Vector512;
        }

        if (UseVector && k >= 4)
        {
            return RowMajorPath.Portable;
        }

        return IsAvailable(RowMajorPath.Vector128, k) ? RowMajorPath.Vector128 : RowMajorPath.Scalar;
    }

    /// <summary>Whether <paramref name="path"/> can run here for <paramref name="k"/> features (tests force each available path).</summary>
    internal static bool IsAvailable(RowMajorPath path, int k) => path switch
    {
        RowMajorPath.Scalar => true,
        RowMajorPath.Portable => true,
        RowMajorPath.Vector256 => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported && k is >= 4 and <= MaxStreamFeatures,
        RowMajorPath.Vector512 => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && k is >= 8 and <= MaxStreamFeatures,
        RowMajorPath.Vector256Block => Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported && k == BlockFeatures,
        RowMajorPath.Vector512Block => Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Avx2.IsSupported && Fma.IsSupported && k == BlockFeatures,
        RowMajorPath.Vector128 => Vector128.IsHardwareAccelerated && k is >= 1 and <= MaxStreamFeatures,
        _ => false,
    };

    /// <summary>Runs one row-major path (the caller checked <see cref="IsAvailable"/>).</summary>
    internal static void ScoreRowMajor(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination, RowMajorPath path)
    {
        switch (path)
        {
            case RowMajorPath.Vector256Block:
                ScoreRowMajorBlock256(rows, w, intercept, destination, destination.Length >= NonTemporalMinRows);
                break;
            case RowMajorPath.Vector512Block:
                ScoreRowMajorBlock512(rows, w, intercept, destination, destination.Length >= NonTemporalMinRows);
                break;
            case RowMajorPath.Vector512:
                ScoreRowMajor512(rows, w, intercept, destination);
                break;
            case RowMajorPath.Vector256:
                ScoreRowMajor256(rows, w, intercept, destination);
                break;
            case RowMajorPath.Portable:
                ScoreRowMajorVector(rows, w, intercept, destination);
                break;
            case RowMajorPath.Vector128:
                ScoreRowMajor128(rows, w, intercept, destination);
                break;
            default:
                ScoreRowMajorScalar(rows, w, intercept, destination);
                break;
        }
    }

    /// <summary>Most features the streaming kernels keep their weight vectors for (on the stack).</summary>
    private const int MaxStreamFeatures = 512;

    /// <summary>
    /// Fewest rows for which <see cref="ScoreRowMajor256(ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double})"/> writes the
    /// results with non-temporal stores: 2¹⁷ rows = 1 MiB of results (and ≥ 4 MiB of features), past the 1 MiB L2 of the hosts measured.
    /// Below, the results stay in cache for the caller; above, ordinary stores first read each destination line (read-for-ownership)
    /// and evict features still to be read: on the 1M × 9 benchmark 2.25 → 2.03 ms (Stopwatch minima, AVX2, issue 17).
    /// </summary>
    internal const int NonTemporalMinRows = 1 << 17;

    internal static void ScoreRowMajor256(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination) =>
        ScoreRowMajor256(rows, w, intercept, destination, destination.Length >= NonTemporalMinRows);

    /// <summary>
    /// Streaming row-major kernel, Vector256 (AVX2 + FMA): eight rows per step as two independent groups of four, software-pipelined one
    /// step behind the loads, one FMA chain per row over ⌈k/4⌉ loads straight from the row (no gathering); when k is not a multiple of 4 the
    /// last load is the row's final 4 values, its lanes already counted masked to +0 (so an infinite value is never multiplied by a zero
    /// weight) and multiplied by the matching weights. Each group's four accumulators are reduced together (two horizontal adds and a
    /// 128-bit lane swap), and σ is applied in registers with <see cref="VectorExp.Sigmoid(Vector256{double})"/> (one division, 10 FMAs per four rows) when
    /// all eight logits are in its domain, else with <see cref="VectorExp.ExpForSigmoid"/> (NaN, saturated and extreme logits: the
    /// scalar path's results bit for bit at saturation). The loads are <c>Vector256.LoadUnsafe</c> at offsets inside the checked length
    /// <c>n · k</c> (see <see cref="CheckedRowsBase"/>). With <paramref name="nonTemporal"/> the eight results of a step go out with
    /// non-temporal 32-byte-aligned stores (the first 0–3 rows scored by the scalar formula up to the alignment; an output that is not
    /// 8-byte aligned, possible only for a reinterpreted buffer, gets ordinary stores), followed by a store fence.
    /// </summary>
    internal static unsafe void ScoreRowMajor256(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination, bool nonTemporal)
    {
        CheckRowsLength(rows, w.Length, destination.Length);
        var k = w.Length;
        var full = k / 4;
        var rem = k - (full * 4);
        var chunks = full + (rem > 0 ? 1 : 0);
        var space = stackalloc Vector256<double>[chunks + 1];
        var wv = new Span<Vector256<double>>(AlignedWeights(space), chunks);
        for (var c = 0; c < full; c++)
        {
            wv[c] = Vector256.Create(w.Slice(c * 4, 4));
        }

        var tailMask = Vector256<double>.Zero;
        if (rem > 0)
        {
            // Lanes 0 .. 4−rem−1 of the last 4 values were counted by the previous chunk.
            var keep = Vector256.GreaterThanOrEqual(Vector256.Create(0L, 1L, 2L, 3L), Vector256.Create((long)(4 - rem))).AsDouble();
            tailMask = keep;
            wv[full] = Vector256.Create(w.Slice(k - 4, 4)) & keep;
        }

        unchecked
        {
            var total = destination.Length;
            fixed (double* start = destination)
            {
                // Rows before the first 32-byte boundary of the output: scalar (at most 3; none without non-temporal stores).
                var head = BlockHead(start, total, ref nonTemporal);

                var i = 0;
                for (; i < head; i++)
                {
                    destination[i] = Sigmoid(Dot(rows.Slice(i * k, k), w, intercept));
                }

                var n = total - head;
                var output = start + head;
                var b = Vector256.Create(intercept);
                var one = Vector256.Create(1.0);
                i = 0;
                if (n >= 4)
                {
                    ref readonly var src = ref CheckedRowsBase(rows[(head * k)..], n, k);
                    var step = (nuint)(4 * k);
                    if (n >= 8)
                    {
                        // Software-pipelined: each step loads and reduces rows i..i+7 while σ finishes rows i−8..i−1, so the out-of-order core
                        // has independent work next to the σ chains.
                        var p0 = Logits4(in src, 0, k, wv, tailMask, b);
                        var p1 = Logits4(in src, step, k, wv, tailMask, b);
                        for (i = 8; i <= n - 8; i += 8)
                        {
                            var o = (nuint)(i * k);
                            var z0 = Logits4(in src, o, k, wv, tailMask, b);
                            var z1 = Logits4(in src, o + step, k, wv, tailMask, b);
                            var (s0, s1) = Sigmoid8(p0, p1);
                            if (nonTemporal)
                            {
                                Avx.StoreAlignedNonTemporal(output + i - 8, s0);
                                Avx.StoreAlignedNonTemporal(output + i - 4, s1);
                            }
                            else
                            {
                                Avx.Store(output + i - 8, s0);
                                Avx.Store(output + i - 4, s1);
                            }

                            p0 = z0;
                            p1 = z1;
                        }

                        var (l0, l1) = Sigmoid8(p0, p1);
                        Avx.Store(output + i - 8, l0);
                        Avx.Store(output + i - 4, l1);
                    }

                    if (i <= n - 4)
                    {
                        var z = Logits4(in src, (nuint)(i * k), k, wv, tailMask, b);
                        Avx.Store(output + i, one / (one + VectorExp.ExpForSigmoid(-z)));
                        i += 4;
                    }
                }

                for (i += head; i < total; i++)
                {
                    destination[i] = Sigmoid(Dot(rows.Slice(i * k, k), w, intercept));
                }

                if (nonTemporal)
                {
                    // Non-temporal stores are weakly ordered: make them visible before the caller (or another thread) reads the results.
                    Sse.StoreFence();
                }
            }
        }
    }

    /// <summary>Features per row of the block kernels (<see cref="RowMajorPath.Vector256Block"/>, <see cref="RowMajorPath.Vector512Block"/>).</summary>
    internal const int BlockFeatures = 9;

    /// <summary>
    /// How far ahead of the rows being scored the block kernels prefetch (with non-temporal stores only, i.e. from
    /// <see cref="NonTemporalMinRows"/> rows): 8 KiB, the best of 1–32 KiB on the 1M × 9 benchmark (Stopwatch minima 1.53–1.72 ms
    /// against 1.76–1.86 ms without prefetching, AVX2, issue 17); 2 KiB and less was slower than none.
    /// </summary>
    private const int PrefetchBytes = 8192;

    /// <summary>
    /// Row-major kernel for k = 9 without wasted lanes, Vector256 (AVX2 + FMA). Four rows are 36 consecutive doubles, exactly nine
    /// vectors: load j (elements 4j .. 4j + 3 of the block) is multiplied once by the weights in the same places of the block
    /// (<c>w[(4j + l) mod 9]</c>), so the four dot products take 9 multiplies/FMAs (12 plus four masks in
    /// <see cref="ScoreRowMajor256(ReadOnlySpan{double}, ReadOnlySpan{double}, double, Span{double}, bool)"/>) and 9 loads (12). Loads 2, 4
    /// and 6 straddle two rows: their products are split with a lane mask (AND / AND-NOT: every lane is counted once, by its own weight).
    /// Two blocks (eight rows) per step share each weight vector, software-pipelined one step behind the loads as in the generic kernel;
    /// then the four row sums of a block are reduced to one vector (two horizontal adds, a 128-bit lane swap and a blend), σ in registers.
    /// With <paramref name="nonTemporal"/>: aligned non-temporal stores and a prefetch of the rows <see cref="PrefetchBytes"/> ahead.
    /// Rows past the last whole step (at most seven) and the 0–3 alignment rows take the scalar formula.
    /// </summary>
    internal static unsafe void ScoreRowMajorBlock256(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination, bool nonTemporal)
    {
        const int K = BlockFeatures;
        CheckBlockArguments(rows, w, destination.Length);

        // The nine weight patterns, then the intercept.
        var space = stackalloc Vector256<double>[K + 2];
        var wp = AlignedWeights(space);
        for (var j = 0; j < K; j++)
        {
            wp[j] = Vector256.Create(w[(4 * j) % K], w[((4 * j) + 1) % K], w[((4 * j) + 2) % K], w[((4 * j) + 3) % K]);
        }

        wp[K] = Vector256.Create(intercept);
        ScoreBlocks<Block256, Logits256>(rows, w, intercept, destination, nonTemporal, wp);
    }

    /// <summary>
    /// Row-major kernel for k = 9 without wasted lanes, Vector512 (AVX-512F): eight rows are 72 doubles, exactly nine vectors; load j is
    /// multiplied by <c>w[(8j + l) mod 9]</c> and holds the end of row j − 1 (lanes below j) and the start of row j (lanes j and up), split
    /// with a lane mask. 9 multiplies and 8 adds for eight rows, the eight row sums reduced to one vector as in
    /// <see cref="ScoreRowMajor512"/>, σ on the whole vector (<see cref="VectorExp.Sigmoid(Vector512{double})"/>); stores, prefetch and the scalar rows as in
    /// <see cref="ScoreRowMajorBlock256"/>.
    /// </summary>
    internal static unsafe void ScoreRowMajorBlock512(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination, bool nonTemporal)
    {
        const int K = BlockFeatures;
        CheckBlockArguments(rows, w, destination.Length);
        var space = stackalloc Vector512<double>[K + 2];
        var wp = AlignedWeights(space);
        var pattern = stackalloc double[8];
        for (var j = 0; j < K; j++)
        {
            for (var l = 0; l < 8; l++)
            {
                pattern[l] = w[((8 * j) + l) % K];
            }

            wp[j] = Vector512.Load(pattern);
        }

        wp[K] = Vector512.Create(intercept);
        ScoreBlocks<Block512, Vector512<double>>(rows, w, intercept, destination, nonTemporal, wp);
    }

    /// <summary>
    /// The first address in <paramref name="space"/> aligned to the size of <typeparamref name="TVector"/> (32 or 64 bytes): the kernels
    /// stack-allocate one vector more than they need and keep their weight vectors there. A stack allocation is only 16-byte aligned, and
    /// where it starts depends on the process (the stack's base is randomized), so without this most processes loaded every Vector512
    /// weight across two cache lines on every step. Aligned, the Vector512 block kernel takes 3–10 % less time on cached rows in such a
    /// process (issue 17, benchmarks/results/ChurnBenchmarks.md, seventeenth session).
    /// </summary>
    private static unsafe TVector* AlignedWeights<TVector>(TVector* space)
        where TVector : unmanaged =>
        (TVector*)AlignUp((nuint)space, (nuint)sizeof(TVector));

    /// <summary>The first multiple of <paramref name="alignment"/> (a power of two) at or above <paramref name="address"/>.</summary>
    internal static nuint AlignUp(nuint address, nuint alignment) => unchecked((address + alignment - 1) & ~(alignment - 1));

    /// <summary>
    /// One eight-row step of a k = 9 block kernel: the logits of eight rows at a pointer (from the weight patterns and intercept the kernel
    /// prepared) in the kernel's own register type <typeparamref name="TLogits"/>, and their σ as two Vector256 halves for the stores.
    /// </summary>
    private interface IBlockStep<TLogits>
        where TLogits : struct
    {
        static abstract unsafe TLogits Logits8(double* rows, void* weights);

        static abstract (Vector256<double> Low, Vector256<double> High) Sigmoid8(TLogits z);
    }

    /// <summary>Two Vector256 of four logits each (the AVX2 block kernel's state between its loads and its σ).</summary>
    private readonly record struct Logits256(Vector256<double> Low, Vector256<double> High);

    private readonly struct Block256 : IBlockStep<Logits256>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Logits256 Logits8(double* rows, void* weights)
        {
            var wp = (Vector256<double>*)weights;
            Logits8Block9(rows, wp, wp[BlockFeatures], out var low, out var high);
            return new Logits256(low, high);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<double> Low, Vector256<double> High) Sigmoid8(Logits256 z) => LogisticKernels.Sigmoid8(z.Low, z.High);
    }

    private readonly struct Block512 : IBlockStep<Vector512<double>>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static unsafe Vector512<double> Logits8(double* rows, void* weights)
        {
            var wp = (Vector512<double>*)weights;
            return Logits8Block9(rows, wp, wp[BlockFeatures]);
        }

        /// <summary>σ on the whole Vector512 (half the instructions of two Vector256 halves); the tails as in the AVX2 kernels.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<double> Low, Vector256<double> High) Sigmoid8(Vector512<double> z)
        {
            if (VectorExp.InSigmoidDomain(z))
            {
                var s = VectorExp.Sigmoid(z);
                return (s.GetLower(), s.GetUpper());
            }

            return Sigmoid8Tails(z.GetLower(), z.GetUpper());
        }
    }

    /// <summary>
    /// The loop of the block kernels (specialised per <typeparamref name="TBlock"/>): 0–3 scalar rows up to the output's 32-byte
    /// boundary (non-temporal stores only), eight rows per step software-pipelined one step behind the loads (σ of the previous step next
    /// to the loads of this one), with non-temporal stores also a prefetch <see cref="PrefetchBytes"/> ahead; the last 0–7 rows scalar.
    /// </summary>
    private static unsafe void ScoreBlocks<TBlock, TLogits>(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination, bool nonTemporal, void* weights)
        where TBlock : struct, IBlockStep<TLogits>
        where TLogits : struct
    {
        unchecked
        {
            const int K = BlockFeatures;
            var total = destination.Length;
            fixed (double* start = destination)
            fixed (double* source = rows)
            {
                var head = BlockHead(start, total, ref nonTemporal);
                for (var i = 0; i < head; i++)
                {
                    destination[i] = Sigmoid(Dot(rows.Slice(i * K, K), w, intercept));
                }

                var n = (nuint)(total - head);
                var src = source + (head * K);
                var output = start + head;
                nuint r = 0;
                if (n >= 8)
                {
                    var previous = TBlock.Logits8(src, weights);
                    for (r = 8; r + 8 <= n; r += 8)
                    {
                        var s = src + (r * K);
                        if (nonTemporal)
                        {
                            Prefetch576((byte*)s + PrefetchBytes);
                        }

                        var z = TBlock.Logits8(s, weights);
                        var (s0, s1) = TBlock.Sigmoid8(previous);
                        Store8(output + r - 8, s0, s1, nonTemporal);
                        previous = z;
                    }

                    var (l0, l1) = TBlock.Sigmoid8(previous);
                    Store8(output + r - 8, l0, l1, nonTemporal: false);
                }

                for (var i = (int)r + head; i < total; i++)
                {
                    destination[i] = Sigmoid(Dot(rows.Slice(i * K, K), w, intercept));
                }

                if (nonTemporal)
                {
                    Sse.StoreFence();
                }
            }
        }
    }

    /// <summary>Rejects rows shorter than <paramref name="n"/> rows of <paramref name="k"/> before an <c>unchecked</c> kernel indexes them
    /// (then every row offset <c>i · k</c> with <c>i &lt; n</c> is below the span's length, so it cannot overflow).</summary>
    private static void CheckRowsLength(ReadOnlySpan<double> rows, int k, int n)
    {
        if (rows.Length < (long)n * k)
        {
            throw new ArgumentException($"Expected at least {(long)n * k} values for {n} rows of {k}, got {rows.Length}.", nameof(rows));
        }
    }

    private static void CheckBlockArguments(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, int n)
    {
        if (w.Length != BlockFeatures)
        {
            throw new ArgumentException($"The block kernels take {BlockFeatures} weights, got {w.Length}.", nameof(w));
        }

        CheckRowsLength(rows, BlockFeatures, n);
    }

    /// <summary>Rows scored by the scalar formula before the first 32-byte boundary of the output, in the streaming and the block kernels
    /// (0–3, only with non-temporal stores, which are switched off for an output that is not 8-byte aligned).</summary>
    private static unsafe int BlockHead(double* start, int total, ref bool nonTemporal)
    {
        var address = (nuint)start;
        if (nonTemporal && (address & 7) == 0)
        {
            return Math.Min(total, (int)((AlignUp(address, 32) - address) / 8));
        }

        nonTemporal = false;
        return 0;
    }

    /// <summary>Prefetches the nine cache lines of one eight-row step of k = 9 (576 bytes). Prefetches never fault, past the end included.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch576(byte* at)
    {
        unchecked
        {
            Sse.Prefetch0(at);
            Sse.Prefetch0(at + 64);
            Sse.Prefetch0(at + 128);
            Sse.Prefetch0(at + 192);
            Sse.Prefetch0(at + 256);
            Sse.Prefetch0(at + 320);
            Sse.Prefetch0(at + 384);
            Sse.Prefetch0(at + 448);
            Sse.Prefetch0(at + 512);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store8(double* at, Vector256<double> low, Vector256<double> high, bool nonTemporal)
    {
        unchecked
        {
            if (nonTemporal)
            {
                Avx.StoreAlignedNonTemporal(at, low);
                Avx.StoreAlignedNonTemporal(at + 4, high);
            }
            else
            {
                Avx.Store(at, low);
                Avx.Store(at + 4, high);
            }
        }
    }

    /// <summary>
    /// Logits of the eight rows (two blocks of four) at <paramref name="p"/>, k = 9. In a block, row 0 is loads 0, 1 and lane 0 of load 2;
    /// row 1 lanes 1–3 of load 2, load 3 and lanes 0–1 of load 4; row 2 lanes 2–3 of load 4, load 5 and lanes 0–2 of load 6; row 3 lane 3
    /// of load 6, loads 7 and 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Logits8Block9(double* p, Vector256<double>* wp, Vector256<double> b, out Vector256<double> z0, out Vector256<double> z1)
    {
        unchecked
        {
            var m1 = Vector256.Create(-1L, 0, 0, 0).AsDouble();
            var m2 = Vector256.Create(-1L, -1, 0, 0).AsDouble();
            var m3 = Vector256.Create(-1L, -1, -1, 0).AsDouble();
            var q = p + 36;
            var w0 = wp[0];
            var w1 = wp[1];
            var a0 = Fma.MultiplyAdd(Avx.LoadVector256(p + 4), w1, Avx.LoadVector256(p) * w0);
            var c0 = Fma.MultiplyAdd(Avx.LoadVector256(q + 4), w1, Avx.LoadVector256(q) * w0);
            var w2 = wp[2];
            var p2 = Avx.LoadVector256(p + 8) * w2;
            var q2 = Avx.LoadVector256(q + 8) * w2;
            a0 += p2 & m1;
            c0 += q2 & m1;
            var w3 = wp[3];
            var a1 = Fma.MultiplyAdd(Avx.LoadVector256(p + 12), w3, Avx.AndNot(m1, p2));
            var c1 = Fma.MultiplyAdd(Avx.LoadVector256(q + 12), w3, Avx.AndNot(m1, q2));
            var w4 = wp[4];
            var p4 = Avx.LoadVector256(p + 16) * w4;
            var q4 = Avx.LoadVector256(q + 16) * w4;
            a1 += p4 & m2;
            c1 += q4 & m2;
            var t0 = Avx.HorizontalAdd(a0, a1);
            var u0 = Avx.HorizontalAdd(c0, c1);
            var w5 = wp[5];
            var a2 = Fma.MultiplyAdd(Avx.LoadVector256(p + 20), w5, Avx.AndNot(m2, p4));
            var c2 = Fma.MultiplyAdd(Avx.LoadVector256(q + 20), w5, Avx.AndNot(m2, q4));
            var w6 = wp[6];
            var p6 = Avx.LoadVector256(p + 24) * w6;
            var q6 = Avx.LoadVector256(q + 24) * w6;
            a2 += p6 & m3;
            c2 += q6 & m3;
            var w7 = wp[7];
            var a3 = Fma.MultiplyAdd(Avx.LoadVector256(p + 28), w7, Avx.AndNot(m3, p6));
            var c3 = Fma.MultiplyAdd(Avx.LoadVector256(q + 28), w7, Avx.AndNot(m3, q6));
            var w8 = wp[8];
            a3 = Fma.MultiplyAdd(Avx.LoadVector256(p + 32), w8, a3);
            c3 = Fma.MultiplyAdd(Avx.LoadVector256(q + 32), w8, c3);
            var t1 = Avx.HorizontalAdd(a2, a3);
            var u1 = Avx.HorizontalAdd(c2, c3);

            // t0 = [r0 (lanes 0+1), r1 (0+1), r0 (2+3), r1 (2+3)], t1 the same for rows 2 and 3: swapping t0's high half with t1's low half and
            // adding the blend of the other halves gives [r0, r1, r2, r3].
            z0 = Avx.Permute2x128(t0, t1, 0x21) + Avx.Blend(t0, t1, 0b1100) + b;
            z1 = Avx.Permute2x128(u0, u1, 0x21) + Avx.Blend(u0, u1, 0b1100) + b;
        }
    }

    /// <summary>Logits of the eight rows at <paramref name="p"/>, k = 9, Vector512: row r is lanes r..7 of load r and lanes 0..r of load r + 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector512<double> Logits8Block9(double* p, Vector512<double>* wp, Vector512<double> b)
    {
        unchecked
        {
            var q0 = Vector512.Load(p) * wp[0];
            var q1 = Vector512.Load(p + 8) * wp[1];
            var q2 = Vector512.Load(p + 16) * wp[2];
            var q3 = Vector512.Load(p + 24) * wp[3];
            var q4 = Vector512.Load(p + 32) * wp[4];
            var q5 = Vector512.Load(p + 40) * wp[5];
            var q6 = Vector512.Load(p + 48) * wp[6];
            var q7 = Vector512.Load(p + 56) * wp[7];
            var q8 = Vector512.Load(p + 64) * wp[8];
            var m1 = Vector512.Create(-1L, 0, 0, 0, 0, 0, 0, 0).AsDouble();
            var m2 = Vector512.Create(-1L, -1, 0, 0, 0, 0, 0, 0).AsDouble();
            var m3 = Vector512.Create(-1L, -1, -1, 0, 0, 0, 0, 0).AsDouble();
            var m4 = Vector512.Create(-1L, -1, -1, -1, 0, 0, 0, 0).AsDouble();
            var m5 = Vector512.Create(-1L, -1, -1, -1, -1, 0, 0, 0).AsDouble();
            var m6 = Vector512.Create(-1L, -1, -1, -1, -1, -1, 0, 0).AsDouble();
            var m7 = Vector512.Create(-1L, -1, -1, -1, -1, -1, -1, 0).AsDouble();
            var a0 = q0 + (q1 & m1);
            var a1 = Vector512.AndNot(q1, m1) + (q2 & m2);
            var a2 = Vector512.AndNot(q2, m2) + (q3 & m3);
            var a3 = Vector512.AndNot(q3, m3) + (q4 & m4);
            var a4 = Vector512.AndNot(q4, m4) + (q5 & m5);
            var a5 = Vector512.AndNot(q5, m5) + (q6 & m6);
            var a6 = Vector512.AndNot(q6, m6) + (q7 & m7);
            var a7 = Vector512.AndNot(q7, m7) + q8;
            return Reduce8(a0, a1, a2, a3, a4, a5, a6, a7) + b;
        }
    }

    /// <summary>
    /// The eight lane sums of <paramref name="a0"/> .. <paramref name="a7"/> as one vector: unpack-add, then two rounds of 128-bit lane
    /// shuffles and adds (17 instructions).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Reduce8(
        Vector512<double> a0, Vector512<double> a1, Vector512<double> a2, Vector512<double> a3, Vector512<double> a4, Vector512<double> a5, Vector512<double> a6, Vector512<double> a7)
    {
        // Pairs: each 128-bit lane L of t01 holds [row 0, row 1] partial sums of elements 2L, 2L+1.
        var t01 = Avx512F.UnpackLow(a0, a1) + Avx512F.UnpackHigh(a0, a1);
        var t23 = Avx512F.UnpackLow(a2, a3) + Avx512F.UnpackHigh(a2, a3);
        var t45 = Avx512F.UnpackLow(a4, a5) + Avx512F.UnpackHigh(a4, a5);
        var t67 = Avx512F.UnpackLow(a6, a7) + Avx512F.UnpackHigh(a6, a7);

        // Lanes [0, 2 | 0, 2] + [1, 3 | 1, 3]: lanes of u0123 are rows (0,1) over lanes 0+1, (0,1) over 2+3, (2,3) over 0+1, (2,3) over 2+3.
        var u0123 = Avx512F.Shuffle4x128(t01, t23, 0b10_00_10_00) + Avx512F.Shuffle4x128(t01, t23, 0b11_01_11_01);
        var u4567 = Avx512F.Shuffle4x128(t45, t67, 0b10_00_10_00) + Avx512F.Shuffle4x128(t45, t67, 0b11_01_11_01);
        return Avx512F.Shuffle4x128(u0123, u4567, 0b10_00_10_00) + Avx512F.Shuffle4x128(u0123, u4567, 0b11_01_11_01);
    }

    /// <summary>σ of eight logits: <see cref="VectorExp.Sigmoid(Vector256{double})"/> when all are in its domain, else the exp-based formula.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> Low, Vector256<double> High) Sigmoid8(Vector256<double> z0, Vector256<double> z1) =>
        VectorExp.InSigmoidDomain(z0, z1) ? (VectorExp.Sigmoid(z0), VectorExp.Sigmoid(z1)) : Sigmoid8Tails(z0, z1);

    /// <summary>
    /// The exp-based σ of eight logits (NaN, saturated and extreme logits). Inlined although cold: as a call it made the JIT spill the
    /// kernels' logits and loop state to the stack on every step (all vector registers are caller-saved), a store and a reload per value
    /// in the hot loop (issue 17, seen in the block kernel's disassembly).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> Low, Vector256<double> High) Sigmoid8Tails(Vector256<double> z0, Vector256<double> z1)
    {
        var one = Vector256.Create(1.0);
        return (one / (one + VectorExp.ExpForSigmoid(-z0)), one / (one + VectorExp.ExpForSigmoid(-z1)));
    }

    /// <summary>
    /// The first element of <paramref name="rows"/> after checking that it holds <paramref name="n"/> rows of <paramref name="k"/> ≥ 4 values:
    /// every load of <see cref="Logits4"/> (4 values at an offset ≤ n·k − 4) then stays inside the span.
    /// </summary>
    private static ref readonly double CheckedRowsBase(ReadOnlySpan<double> rows, int n, int k)
    {
        if (k < 4 || n < 1 || rows.Length < (long)n * k)
        {
            throw new ArgumentException($"Expected at least {(long)n * k} values for {n} rows of {k} (k ≥ 4), got {rows.Length}.", nameof(rows));
        }

        return ref rows[0];
    }

    /// <summary>
    /// Logits of the four rows starting at element <paramref name="o"/>: row r's loads read [o + r·k + 4c, +4) for c &lt; ⌊k/4⌋ and, when
    /// k mod 4 ≠ 0, [o + r·k + k − 4, +4) masked; all inside the four rows, so inside the span when the caller's o ≤ (n − 4)·k.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Logits4(ref readonly double src, nuint o, int k, ReadOnlySpan<Vector256<double>> wv, Vector256<double> tailMask, Vector256<double> b)
    {
        unchecked
        {
            var uk = (nuint)k;
            var full = k / 4;
            var w0 = wv[0];
            var a0 = Vector256.LoadUnsafe(in src, o) * w0;
            var a1 = Vector256.LoadUnsafe(in src, o + uk) * w0;
            var a2 = Vector256.LoadUnsafe(in src, o + (2 * uk)) * w0;
            var a3 = Vector256.LoadUnsafe(in src, o + (3 * uk)) * w0;
            for (var c = 1; c < full; c++)
            {
                var oc = o + (nuint)(c * 4);
                var wc = wv[c];
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, oc), wc, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, oc + uk), wc, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, oc + (2 * uk)), wc, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, oc + (3 * uk)), wc, a3);
            }

            if (full < wv.Length)
            {
                var ot = o + uk - 4;
                var wt = wv[full];
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, ot) & tailMask, wt, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, ot + uk) & tailMask, wt, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, ot + (2 * uk)) & tailMask, wt, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(in src, ot + (3 * uk)) & tailMask, wt, a3);
            }

            var t0 = Avx.HorizontalAdd(a0, a1);
            var t1 = Avx.HorizontalAdd(a2, a3);
            return Avx.Permute2x128(t0, t1, 0x20) + Avx.Permute2x128(t0, t1, 0x31) + b;
        }
    }

    /// <summary>
    /// Streaming row-major kernel, Vector512 (AVX-512F): eight rows per step, one FMA chain per row over ⌈k/8⌉ loads (the last one the row's
    /// final 8 values with the lanes already counted masked to +0), then the eight accumulators reduced to one vector of eight logits
    /// (unpack-add, then two rounds of 128-bit lane shuffles and adds: 17 instructions for 8 rows), σ in registers.
    /// </summary>
    internal static unsafe void ScoreRowMajor512(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        CheckRowsLength(rows, w.Length, destination.Length);
        var k = w.Length;
        var full = k / 8;
        var rem = k - (full * 8);
        var chunks = full + (rem > 0 ? 1 : 0);
        var space = stackalloc Vector512<double>[chunks + 1];
        var wv = new Span<Vector512<double>>(AlignedWeights(space), chunks);
        for (var c = 0; c < full; c++)
        {
            wv[c] = Vector512.Create(w.Slice(c * 8, 8));
        }

        var tailMask = Vector512<double>.Zero;
        if (rem > 0)
        {
            var keep = Vector512.GreaterThanOrEqual(Vector512.Create(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), Vector512.Create((long)(8 - rem))).AsDouble();
            tailMask = keep;
            wv[full] = Vector512.Create(w.Slice(k - 8, 8)) & keep;
        }

        unchecked
        {
            var n = destination.Length;
            var b = Vector512.Create(intercept);
            var one = Vector512.Create(1.0);
            var tailOffset = k - 8;
            var i = 0;
            for (; i <= n - 8; i += 8)
            {
                var g = rows.Slice(i * k, 8 * k);
                var r0 = g[..k];
                var r1 = g.Slice(k, k);
                var r2 = g.Slice(2 * k, k);
                var r3 = g.Slice(3 * k, k);
                var r4 = g.Slice(4 * k, k);
                var r5 = g.Slice(5 * k, k);
                var r6 = g.Slice(6 * k, k);
                var r7 = g.Slice(7 * k, k);
                var w0 = wv[0];
                var a0 = Vector512.Create(r0) * w0;
                var a1 = Vector512.Create(r1) * w0;
                var a2 = Vector512.Create(r2) * w0;
                var a3 = Vector512.Create(r3) * w0;
                var a4 = Vector512.Create(r4) * w0;
                var a5 = Vector512.Create(r5) * w0;
                var a6 = Vector512.Create(r6) * w0;
                var a7 = Vector512.Create(r7) * w0;
                for (var c = 1; c < full; c++)
                {
                    var oc = c * 8;
                    var wc = wv[c];
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[oc..]), wc, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(r1[oc..]), wc, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(r2[oc..]), wc, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(r3[oc..]), wc, a3);
                    a4 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[oc..]), wc, a4);
                    a5 = Vector512.FusedMultiplyAdd(Vector512.Create(r5[oc..]), wc, a5);
                    a6 = Vector512.FusedMultiplyAdd(Vector512.Create(r6[oc..]), wc, a6);
                    a7 = Vector512.FusedMultiplyAdd(Vector512.Create(r7[oc..]), wc, a7);
                }

                if (rem > 0)
                {
                    var wt = wv[full];
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Create(r0[tailOffset..]) & tailMask, wt, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Create(r1[tailOffset..]) & tailMask, wt, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Create(r2[tailOffset..]) & tailMask, wt, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Create(r3[tailOffset..]) & tailMask, wt, a3);
                    a4 = Vector512.FusedMultiplyAdd(Vector512.Create(r4[tailOffset..]) & tailMask, wt, a4);
                    a5 = Vector512.FusedMultiplyAdd(Vector512.Create(r5[tailOffset..]) & tailMask, wt, a5);
                    a6 = Vector512.FusedMultiplyAdd(Vector512.Create(r6[tailOffset..]) & tailMask, wt, a6);
                    a7 = Vector512.FusedMultiplyAdd(Vector512.Create(r7[tailOffset..]) & tailMask, wt, a7);
                }

                var z = Reduce8(a0, a1, a2, a3, a4, a5, a6, a7) + b;
                if (UseFastSigmoid)
                {
                    var (lo, hi) = Sigmoid8(z.GetLower(), z.GetUpper());
                    Vector512.Create(lo, hi).CopyTo(destination.Slice(i, 8));
                }
                else
                {
                    (one / (one + Vector512.Exp(-z))).CopyTo(destination.Slice(i, 8));
                }
            }

            if (i < n)
            {
                ScoreRowMajor256(rows[(i * k)..], w, intercept, destination[i..]);
            }
        }
    }

    internal static unsafe void ScoreRowMajorVector(ReadOnlySpan<double> rows, ReadOnlySpan<double> w, double intercept, Span<double> destination)
    {
        var k = w.Length;
        var chunks = k / 4;
        if (!UseVector || chunks == 0 || chunks > 64)
        {
            ScoreRowMajorScalar(rows, w, intercept, destination);
            return;
        }

        var space = stackalloc Vector256<double>[chunks + 1];
        var wv = new Span<Vector256<double>>(AlignedWeights(space), chunks);
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
        if (!(UseVector || Vector128.IsHardwareAccelerated) || n < 4 || k > 256)
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

    /// <summary>Replaces each z by σ(z), vectorized (<see cref="VectorExp.Sigmoid(Vector256{double})"/> eight at a time with AVX2 and FMA;
    /// <see cref="VectorExp.Sigmoid(Vector128{double})"/> four at a time where Vector256 is not accelerated).</summary>
    public static void SigmoidInPlace(Span<double> values)
    {
        var i = 0;
        if (UseFastSigmoid)
        {
            for (; i <= values.Length - 8; i += 8)
            {
                var (lo, hi) = Sigmoid8(Vector256.Create((ReadOnlySpan<double>)values.Slice(i, 4)), Vector256.Create((ReadOnlySpan<double>)values.Slice(i + 4, 4)));
                lo.CopyTo(values.Slice(i, 4));
                hi.CopyTo(values.Slice(i + 4, 4));
            }
        }
        else if (!Vector256.IsHardwareAccelerated && Vector128.IsHardwareAccelerated)
        {
            i = SigmoidInPlace128(values);
        }
        else if (Vector512.IsHardwareAccelerated)
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
