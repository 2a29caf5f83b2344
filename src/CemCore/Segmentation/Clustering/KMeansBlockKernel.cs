using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CemCore.Segmentation.Clustering;

/// <summary>
/// The rows in blocks of <see cref="Lanes"/>: vector <c>b·d + f</c> (the doubles <c>4(b·d + f)</c> … <c>+3</c>) holds feature f of rows
/// 4b..4b+3, so one Vector256 (or two Vector128) holds one feature of four rows and a distance is computed for four rows at once. The
/// last block is padded with copies of the last row (their results are never read).
/// </summary>
internal sealed class PointBlocks
{
    public const int Lanes = 4;

    /// <summary>Creates empty blocks for up to <paramref name="capacityRows"/> rows (fill them with <see cref="Load"/>).</summary>
    public PointBlocks(int capacityRows, int d)
    {
        Features = d;
        Values = new double[(capacityRows + Lanes - 1) / Lanes * d * Lanes];
    }

    public int Rows { get; private set; }

    public int Features { get; }

    public int Blocks { get; private set; }

    /// <summary>Blocks the first <paramref name="n"/> rows of <paramref name="x"/> (at least one, at most the capacity), replacing the
    /// rows held before.</summary>
    public void Load(ReadOnlySpan<double> x, int n)
    {
        var d = Features;
        var blocks = (n + Lanes - 1) / Lanes;
        if (n < 1 || (long)blocks * d * Lanes > Values.Length || x.Length < (long)n * d)
        {
            throw new InvalidOperationException("Rows to block must number at least one and fit the blocks' capacity.");
        }

        Rows = n;
        Blocks = blocks;
        for (var b = 0; b < blocks; b++)
        {
            for (var f = 0; f < d; f++)
            {
                for (var lane = 0; lane < Lanes; lane++)
                {
                    Values[(((b * d) + f) * Lanes) + lane] = x[(Math.Min((b * Lanes) + lane, n - 1) * d) + f];
                }
            }
        }
    }

    /// <summary>Gets the blocked rows: <c>Blocks × Features</c> vectors of four doubles.</summary>
    public double[] Values { get; }

    /// <summary>Gets whether the 256-bit lanes (<see cref="Lanes256"/>) run in hardware: Vector256 accelerated and the AVX instructions they
    /// call directly (<c>vminpd</c>, <c>vblendvpd</c>, <c>vcvttpd2dq</c>) available, i.e. x64 with AVX2.</summary>
    public static bool WideSupported => Vector256.IsHardwareAccelerated && Avx.IsSupported;

    /// <summary>Gets whether the 128-bit lanes (<see cref="Lanes128"/>) run in hardware: x64 without AVX2 (SSE2, with SSE4.1's
    /// <c>blendvpd</c> where present), Arm64, and NativeAOT code built for the default x86-64-v2.</summary>
    public static bool NarrowSupported => Vector128.IsHardwareAccelerated;
}

/// <summary>
/// Vectorized versions of the <see cref="KMeansKernel"/> distance loops over <see cref="PointBlocks"/>: each block of four rows goes
/// through the width-specific part <typeparamref name="TLanes"/> (<see cref="Lanes256"/>: one Vector256 per feature;
/// <see cref="Lanes128"/>: two Vector128), with the same operations in the same order per row (<c>s = s + (w·t)·t</c>, no fused
/// multiply-add), so every distance — and therefore every label, centre, seeding draw and inertia — is bit-identical to the scalar kernel
/// (tested for both widths). Throughput comes from independent accumulators: four centres (Lloyd step) or up to four seeding candidates
/// are evaluated in one pass over a block, so the additions of one distance do not wait on each other's latency. The last, partial block
/// goes through the same lanes on a scratch copy of its outputs, of which only the rows' lanes are kept.
/// </summary>
/// <typeparam name="TLanes">The width: a struct, so the runtime compiles each width's loops on their own, the lanes inlined.</typeparam>
internal static class KMeansBlockKernel<TLanes>
    where TLanes : struct, IBlockLanes
{
    /// <summary>Seeding candidates evaluated per pass over the rows.</summary>
    private const int CandidateGroup = 4;

    private const int L = PointBlocks.Lanes;

    /// <summary>
    /// One Lloyd assignment pass over the blocked rows: every row's nearest centre (ties: the lowest index) and squared distance go to
    /// <paramref name="labels"/> and <paramref name="distances"/>, and the row is added to its centre's <paramref name="sums"/> and
    /// <paramref name="counts"/> in row order (per element the additions of the scalar kernel, in the same order). Returns the number
    /// of labels that changed.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static unsafe int LloydPass(
        BlockContext context, ReadOnlySpan<double> centers, int k, ReadOnlySpan<double> x, Span<int> labels, Span<double> distances, Span<double> sums, Span<int> counts)
    {
        var blocks = context.Blocks;
        var n = blocks.Rows;
        var d = blocks.Features;
        KMeansBlockKernel.BroadcastGrouped(centers[..(k * d)], k, d, context.Centers4);
        RequireKernelSizes(blocks, context, k);
        if (x.Length < (long)n * d || labels.Length < n || distances.Length < n || sums.Length < (long)k * d || counts.Length < k)
        {
            throw new InvalidOperationException("A Lloyd pass was given buffers shorter than the rows or centres.");
        }

        var changed = 0;
        var full = n / L;
        var scratchLabels = stackalloc int[L];
        var scratchDistances = stackalloc double[L];
        unchecked
        {
            fixed (double* pv = blocks.Values, pc = context.Centers4, pw = context.W4, px = x, pd = distances, ps = sums)
            fixed (int* pl = labels, pn = counts)
            {
                for (var b = 0; b < full; b++)
                {
                    var i0 = (nint)b * L;
                    changed += TLanes.Nearest(pv + ((nint)b * d * L), pc, pw, d, k, pl + i0, pd + i0);
                }

                if (full < blocks.Blocks)
                {
                    // The last, partial block: only its first n - i0 lanes are rows.
                    TLanes.Nearest(pv + ((nint)full * d * L), pc, pw, d, k, scratchLabels, scratchDistances);
                    var i0 = full * L;
                    for (var lane = 0; lane < n - i0; lane++)
                    {
                        var j = scratchLabels[lane];
                        changed += pl[i0 + lane] != j ? 1 : 0;
                        pl[i0 + lane] = j;
                        pd[i0 + lane] = scratchDistances[lane];
                    }
                }

                // The sums in a second, tight loop over the rows (row order, as the scalar kernel): with the distance loop's vectors out of
                // the way it keeps its pointers in registers.
                var row = px;
                for (var i = 0; i < n; i++)
                {
                    var j = pl[i];
                    pn[j]++;
                    TLanes.AddRow(ps + ((nint)j * d), row, d);
                    row += d;
                }
            }
        }

        return changed;
    }

    /// <summary>Assigns every row to its nearest centre; returns <paramref name="inertia"/> plus the rows' squared distances, added in
    /// row order (as the scalar kernel; a caller assigning rows in chunks passes the running sum).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static unsafe double Assign(BlockContext context, ReadOnlySpan<double> centers, int k, Span<int> labels, Span<double> distances, double inertia)
    {
        var blocks = context.Blocks;
        var n = blocks.Rows;
        var d = blocks.Features;
        KMeansBlockKernel.BroadcastGrouped(centers[..(k * d)], k, d, context.Centers4);
        RequireKernelSizes(blocks, context, k);
        if (labels.Length < n || distances.Length < n)
        {
            throw new InvalidOperationException("An assignment was given buffers shorter than the rows.");
        }

        var scratchLabels = stackalloc int[L];
        var scratchDistances = stackalloc double[L];
        unchecked
        {
            fixed (double* pv = blocks.Values, pc = context.Centers4, pw = context.W4)
            fixed (int* pl = labels)
            fixed (double* pd = distances)
            {
                for (var b = 0; b < blocks.Blocks; b++)
                {
                    var i0 = b * L;
                    var m = Math.Min(L, n - i0);
                    var partial = m < L;
                    var labelsOut = partial ? scratchLabels : pl + i0;
                    var distancesOut = partial ? scratchDistances : pd + i0;
                    TLanes.Nearest(pv + ((nint)b * d * L), pc, pw, d, k, labelsOut, distancesOut);
                    for (var lane = 0; lane < m; lane++)
                    {
                        var dl = distancesOut[lane];
                        if (partial)
                        {
                            pl[i0 + lane] = labelsOut[lane];
                            pd[i0 + lane] = dl;
                        }

                        inertia += dl;
                    }
                }
            }
        }

        return inertia;
    }

    /// <summary>
    /// The k-means++ seeding of <see cref="KMeansKernel.PlusPlus"/> on blocked rows, with the same random draws and bit-identical
    /// potentials: per new centre all candidates are drawn first (the draws do not depend on the evaluations), their potentials
    /// <c>Σ_i min(D(x_i, candidate)², closest_i)</c> are summed in row order for up to four candidates per pass, and one more pass
    /// folds the winner into <paramref name="closest"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void PlusPlus(
        ReadOnlySpan<double> x, BlockContext context, int k, int trials, Random random, Span<double> centers, Span<double> closest, Span<double> cumulative)
    {
#pragma warning disable CA5394 // Random drives seeding, not security.
        var blocks = context.Blocks;
        var n = blocks.Rows;
        var d = blocks.Features;
        var w4 = context.W4;
        var point4 = context.Centers4; // scratch for up to CandidateGroup broadcast candidates (at least 4 × d vectors)
        var first = random.Next(n);
        x.Slice(first * d, d).CopyTo(centers[..d]);
        KMeansBlockKernel.Broadcast(centers[..d], point4);
        var potential = FoldInto(blocks, point4, w4, closest, cumulative, initialize: true);
        Span<int> ids = trials <= 128 ? stackalloc int[trials] : new int[trials];
        Span<double> pots = stackalloc double[CandidateGroup];
        for (var c = 1; c < k; c++)
        {
            // cumulative holds the running sums of closest, written by the last FoldInto.
            for (var t = 0; t < trials; t++)
            {
                if (potential > 0.0)
                {
                    var r = random.NextDouble() * potential;
                    var id = KMeansKernel.LowerBound(cumulative[..n], r);
                    ids[t] = id >= n ? n - 1 : id;
                }
                else
                {
                    ids[t] = random.Next(n); // every point coincides with a centre: any point is as good
                }
            }

            var bestPotential = double.PositiveInfinity;
            var bestId = -1;
            for (var g = 0; g < trials; g += CandidateGroup)
            {
                var count = Math.Min(CandidateGroup, trials - g);
                for (var t = 0; t < CandidateGroup; t++)
                {
                    // The group layout of BroadcastGrouped; a short last group repeats its first candidate (the extra results are unused).
                    var row = x.Slice(ids[g + (t < count ? t : 0)] * d, d);
                    for (var f = 0; f < d; f++)
                    {
                        KMeansBlockKernel.BroadcastOne(row[f], point4.AsSpan(((f * CandidateGroup) + t) * L, L));
                    }
                }

                Potentials(blocks, point4, w4, closest, pots);
                for (var t = 0; t < count; t++)
                {
                    if (pots[t] < bestPotential)
                    {
                        bestPotential = pots[t];
                        bestId = ids[g + t];
                    }
                }
            }

            x.Slice(bestId * d, d).CopyTo(centers.Slice(c * d, d));
            KMeansBlockKernel.Broadcast(centers.Slice(c * d, d), point4);
            FoldInto(blocks, point4, w4, closest, cumulative, initialize: false);
            potential = bestPotential;
        }
#pragma warning restore CA5394
    }

    /// <summary>Throws unless <paramref name="array"/> holds at least <paramref name="vectors"/> vectors of four doubles (every load of a
    /// kernel stays inside).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Require(double[] array, long vectors)
    {
        if (array.Length < vectors * L)
        {
            TooShort(array.Length, vectors * L);
        }
    }

    private static void TooShort(int length, long needed) =>
        throw new InvalidOperationException($"A blocked array holds {length} values, fewer than {needed}.");

    /// <summary>Throws unless the blocked rows, the broadcast centres (k, or four seeding candidates) and the weights hold every vector a
    /// kernel reads.</summary>
    private static void RequireKernelSizes(PointBlocks blocks, BlockContext context, int k)
    {
        Require(blocks.Values, (long)blocks.Blocks * blocks.Features);
        Require(context.Centers4, (long)k * blocks.Features);
        Require(context.W4, blocks.Features);
    }

    /// <summary>
    /// <c>closest_i ← D(x_i, point)²</c> (<paramref name="initialize"/>) or <c>closest_i ← min(closest_i, D(x_i, point)²)</c>; writes the
    /// running sums <c>closest_0 + … + closest_i</c> (in row order) to <paramref name="cumulative"/> and returns the last, <c>Σ closest_i</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe double FoldInto(PointBlocks blocks, double[] point4, double[] w4, Span<double> closest, Span<double> cumulative, bool initialize)
    {
        var n = blocks.Rows;
        var d = blocks.Features;
        var xs = blocks.Values;
        Require(xs, (long)blocks.Blocks * d);
        Require(point4, d);
        Require(w4, d);
        if (closest.Length < n || cumulative.Length < n)
        {
            throw new InvalidOperationException("The seeding was given buffers shorter than the rows.");
        }

        var sum = 0.0;
        var full = n / L;
        unchecked
        {
            fixed (double* pv = xs, pp = point4, pw = w4, pc = closest, pcum = cumulative)
            {
                for (var b = 0; b < full; b++)
                {
                    var i0 = (nint)b * L;
                    sum = TLanes.Fold(pv + ((nint)b * d * L), pw, pp, d, pc + i0, pcum + i0, sum, initialize);
                }

                if (full < blocks.Blocks)
                {
                    // The last, partial block through a scratch copy: its lanes past the rows hold +∞ (min(D², +∞) = D²; never kept), and
                    // the running sum after the last row is that row's cumulative value.
                    var i0 = full * L;
                    var m = n - i0;
                    var scratchClosest = stackalloc double[L];
                    var scratchCumulative = stackalloc double[L];
                    for (var lane = 0; lane < L; lane++)
                    {
                        scratchClosest[lane] = lane < m ? pc[i0 + lane] : double.PositiveInfinity;
                    }

                    TLanes.Fold(pv + ((nint)full * d * L), pw, pp, d, scratchClosest, scratchCumulative, sum, initialize);
                    for (var lane = 0; lane < m; lane++)
                    {
                        pc[i0 + lane] = scratchClosest[lane];
                        pcum[i0 + lane] = scratchCumulative[lane];
                    }

                    sum = scratchCumulative[m - 1];
                }
            }
        }

        return sum;
    }

    /// <summary>The potentials <c>Σ_i min(D(x_i, candidate_t)², closest_i)</c> of the four candidates broadcast in one group of the
    /// <see cref="KMeansBlockKernel.BroadcastGrouped"/> layout, each summed in row order (a short group repeats a candidate; its extra
    /// results are unused).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Potentials(PointBlocks blocks, double[] point4, double[] w4, ReadOnlySpan<double> closest, Span<double> pots)
    {
        var n = blocks.Rows;
        var d = blocks.Features;
        var xs = blocks.Values;
        Require(xs, (long)blocks.Blocks * d);
        Require(point4, (long)CandidateGroup * d);
        Require(w4, d);
        if (closest.Length < n || pots.Length < CandidateGroup)
        {
            throw new InvalidOperationException("The seeding was given buffers shorter than the rows.");
        }

        var p = default(Potentials4);
        var full = n / L;
        unchecked
        {
            fixed (double* pv = xs, pc = point4, pw = w4, pcl = closest)
            {
                for (var b = 0; b < full; b++)
                {
                    p = TLanes.Potentials(pv + ((nint)b * d * L), pw, pc, d, pcl + ((nint)b * L), p);
                }

                if (full < blocks.Blocks)
                {
                    // The last, partial block through a scratch copy whose lanes past the rows hold 0: a distance is never negative, so
                    // min(D², 0) = 0 there, and adding +0 leaves each (non-negative) potential as it is.
                    var i0 = full * L;
                    var scratchClosest = stackalloc double[L];
                    for (var lane = 0; lane < L; lane++)
                    {
                        scratchClosest[lane] = i0 + lane < n ? pcl[i0 + lane] : 0.0;
                    }

                    p = TLanes.Potentials(pv + ((nint)full * d * L), pw, pc, d, scratchClosest, p);
                }
            }
        }

        pots[0] = p.P0;
        pots[1] = p.P1;
        pots[2] = p.P2;
        pots[3] = p.P3;
    }
}

/// <summary>The entry points of the blocked kernels: each runs the width the <see cref="BlockContext"/> was created for.</summary>
internal static class KMeansBlockKernel
{
    private const int L = PointBlocks.Lanes;

    /// <summary>Fills <paramref name="broadcast"/> with each value broadcast to four doubles (one vector of the blocked layout).</summary>
    /// <remarks>One store per value, not <c>Span&lt;double&gt;.Fill</c> (and <see cref="KMeansKernel.Lloyd"/> resets its labels
    /// with a loop, not <c>Span&lt;int&gt;.Fill</c>): both call the runtime's generic <c>SpanHelpers.Fill&lt;T&gt;</c>, which is not
    /// precompiled and stayed unoptimised through a process's first k-means benchmark, slowing it by about a third (issue #17;
    /// measurements in benchmarks/results/KMeansScaleBenchmarks.md).</remarks>
    public static void Broadcast(ReadOnlySpan<double> values, Span<double> broadcast)
    {
        for (var i = 0; i < values.Length; i++)
        {
            BroadcastOne(values[i], broadcast.Slice(i * L, L));
        }
    }

    /// <summary>Writes <paramref name="value"/> to the four doubles of <paramref name="destination"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void BroadcastOne(double value, Span<double> destination)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256.Create(value).CopyTo(destination);
        }
        else
        {
            var v = Vector128.Create(value);
            v.CopyTo(destination);
            v.CopyTo(destination[2..]);
        }
    }

    /// <summary>
    /// Fills <paramref name="grouped"/> with the centres broadcast in the Lloyd layout: for each group of four centres <c>4g … 4g+3</c>
    /// (while four remain) and each feature f, the four centres' broadcast values are consecutive vectors (<c>(g·d + f)·4 + c</c>), so
    /// one pass over a block's features reads them at fixed offsets; the remaining centres follow, centre j's feature f at vector
    /// <c>j·d + f</c>.
    /// </summary>
    public static void BroadcastGrouped(ReadOnlySpan<double> centers, int k, int d, Span<double> grouped)
    {
        var full = k / 4 * 4;
        for (var j = 0; j < k; j++)
        {
            for (var f = 0; f < d; f++)
            {
                var vector = j < full ? ((((j / 4) * d) + f) * 4) + (j % 4) : (j * d) + f;
                BroadcastOne(centers[(j * d) + f], grouped.Slice(vector * L, L));
            }
        }
    }

    /// <inheritdoc cref="KMeansBlockKernel{TLanes}.LloydPass"/>
    public static int LloydPass(
        BlockContext context, ReadOnlySpan<double> centers, int k, ReadOnlySpan<double> x, Span<int> labels, Span<double> distances, Span<double> sums, Span<int> counts) =>
        context.Wide
            ? KMeansBlockKernel<Lanes256>.LloydPass(context, centers, k, x, labels, distances, sums, counts)
            : KMeansBlockKernel<Lanes128>.LloydPass(context, centers, k, x, labels, distances, sums, counts);

    /// <inheritdoc cref="KMeansBlockKernel{TLanes}.Assign"/>
    public static double Assign(BlockContext context, ReadOnlySpan<double> centers, int k, Span<int> labels, Span<double> distances, double inertia = 0.0) =>
        context.Wide
            ? KMeansBlockKernel<Lanes256>.Assign(context, centers, k, labels, distances, inertia)
            : KMeansBlockKernel<Lanes128>.Assign(context, centers, k, labels, distances, inertia);

    /// <inheritdoc cref="KMeansBlockKernel{TLanes}.PlusPlus"/>
    public static void PlusPlus(
        ReadOnlySpan<double> x, BlockContext context, int k, int trials, Random random, Span<double> centers, Span<double> closest, Span<double> cumulative)
    {
        if (context.Wide)
        {
            KMeansBlockKernel<Lanes256>.PlusPlus(x, context, k, trials, random, centers, closest, cumulative);
        }
        else
        {
            KMeansBlockKernel<Lanes128>.PlusPlus(x, context, k, trials, random, centers, closest, cumulative);
        }
    }
}
