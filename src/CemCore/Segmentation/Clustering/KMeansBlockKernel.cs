using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CemCore.Segmentation.Clustering;

/// <summary>
/// The rows in blocks of <see cref="Lanes"/>: vector <c>b·d + f</c> (the doubles <c>4(b·d + f)</c> … <c>+3</c>) holds feature f of rows
/// 4b..4b+3, so one Vector256 holds one feature of four rows and a distance is computed for four rows at once. The last block is padded
/// with copies of the last row (their results are never read).
/// </summary>
internal sealed class PointBlocks
{
    public const int Lanes = 4;

    public PointBlocks(ReadOnlySpan<double> x, int n, int d)
    {
        Rows = n;
        Features = d;
        Blocks = (n + Lanes - 1) / Lanes;
        Values = new double[Blocks * d * Lanes];
        for (var b = 0; b < Blocks; b++)
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

    public int Rows { get; }

    public int Features { get; }

    public int Blocks { get; }

    /// <summary>Gets the blocked rows: <c>Blocks × Features</c> vectors of four doubles.</summary>
    public double[] Values { get; }

    /// <summary>Gets whether the blocked kernels run in hardware (otherwise the scalar kernels are used): Vector256 accelerated and the
    /// AVX instructions the kernels call directly (<c>vminpd</c>, <c>vblendvpd</c>, <c>vcvttpd2dq</c>) available, i.e. x64 with AVX2.</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Avx.IsSupported;
}

/// <summary>
/// Vectorized versions of the <see cref="KMeansKernel"/> distance loops: four rows per Vector256, the same operations in the same order
/// per row (<c>s = s + (w·t)·t</c>, no fused multiply-add), so every distance — and therefore every label, centre, seeding draw and
/// inertia — is bit-identical to the scalar kernel (tested). Throughput comes from independent accumulators: four centres (Lloyd
/// step) or up to four seeding candidates are evaluated in one pass over a block, so the additions of one distance do not wait on
/// each other's latency.
/// </summary>
internal static class KMeansBlockKernel
{
    /// <summary>Seeding candidates evaluated per pass over the rows.</summary>
    private const int CandidateGroup = 4;

    private const int L = PointBlocks.Lanes;

    /// <summary>Fills <paramref name="broadcast"/> with each value broadcast to four doubles (one vector).</summary>
    /// <remarks>One vector store per value, not <c>Span&lt;double&gt;.Fill</c> (and <see cref="KMeansKernel.Lloyd"/> resets its labels
    /// with a loop, not <c>Span&lt;int&gt;.Fill</c>): both call the runtime's generic <c>SpanHelpers.Fill&lt;T&gt;</c>, which is not
    /// precompiled and stayed unoptimised through a process's first k-means benchmark, slowing it by about a third (issue #17;
    /// measurements in benchmarks/results/KMeansScaleBenchmarks.md).</remarks>
    public static void Broadcast(ReadOnlySpan<double> values, Span<double> broadcast)
    {
        for (var i = 0; i < values.Length; i++)
        {
            Vector256.Create(values[i]).CopyTo(broadcast.Slice(i * L, L));
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
                Vector256.Create(centers[(j * d) + f]).CopyTo(grouped.Slice(vector * L, L));
            }
        }
    }

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
        BroadcastGrouped(centers[..(k * d)], k, d, context.Centers4);
        RequireKernelSizes(blocks, context, k);
        if (x.Length < (long)n * d || labels.Length < n || distances.Length < n || sums.Length < (long)k * d || counts.Length < k)
        {
            throw new InvalidOperationException("A Lloyd pass was given buffers shorter than the rows or centres.");
        }

        var changed = 0;
        unchecked
        {
            fixed (double* pv = blocks.Values, pc = context.Centers4, pw = context.W4, px = x, pd = distances, ps = sums)
            fixed (int* pl = labels, pn = counts)
            {
                for (var b = 0; b < blocks.Blocks; b++)
                {
                    NearestGrouped(pv + ((nint)b * d * L), pc, pw, d, k, out var index, out var dist);
                    var i0 = b * L;
                    var m = Math.Min(L, n - i0);
                    var ji = ToInt32(index);
                    if (m == L)
                    {
                        dist.Store(pd + i0);
                        var same = Vector128.Equals(Vector128.Load(pl + i0), ji).ExtractMostSignificantBits();
                        changed += L - BitOperations.PopCount(same);
                        ji.Store(pl + i0);
                    }
                    else
                    {
                        for (var lane = 0; lane < m; lane++)
                        {
                            var j = ji.GetElement(lane);
                            changed += pl[i0 + lane] != j ? 1 : 0;
                            pl[i0 + lane] = j;
                            pd[i0 + lane] = dist.GetElement(lane);
                        }
                    }
                }

                // The sums in a second, tight loop over the rows (row order, as the scalar kernel): with the distance loop's vectors out of
                // the way it keeps its pointers in registers.
                var row = px;
                for (var i = 0; i < n; i++)
                {
                    var j = pl[i];
                    pn[j]++;
                    AddRow(ps + ((nint)j * d), row, d);
                    row += d;
                }
            }
        }

        return changed;
    }

    /// <summary>Assigns every row to its nearest centre; returns the inertia, summed in row order (as the scalar kernel).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static unsafe double Assign(BlockContext context, ReadOnlySpan<double> centers, int k, Span<int> labels, Span<double> distances)
    {
        var blocks = context.Blocks;
        var n = blocks.Rows;
        var d = blocks.Features;
        BroadcastGrouped(centers[..(k * d)], k, d, context.Centers4);
        RequireKernelSizes(blocks, context, k);
        if (labels.Length < n || distances.Length < n)
        {
            throw new InvalidOperationException("An assignment was given buffers shorter than the rows.");
        }

        var inertia = 0.0;
        unchecked
        {
            fixed (double* pv = blocks.Values, pc = context.Centers4, pw = context.W4)
            {
                for (var b = 0; b < blocks.Blocks; b++)
                {
                    NearestGrouped(pv + ((nint)b * d * L), pc, pw, d, k, out var index, out var dist);
                    var i0 = b * L;
                    var m = Math.Min(L, n - i0);
                    for (var lane = 0; lane < m; lane++)
                    {
                        labels[i0 + lane] = (int)index.GetElement(lane);
                        var dl = dist.GetElement(lane);
                        distances[i0 + lane] = dl;
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
        Broadcast(centers[..d], point4);
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
                        Vector256.Create(row[f]).CopyTo(point4.AsSpan(((f * CandidateGroup) + t) * L, L));
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
            Broadcast(centers.Slice(c * d, d), point4);
            FoldInto(blocks, point4, w4, closest, cumulative, initialize: false);
            potential = bestPotential;
        }
#pragma warning restore CA5394
    }

    /// <summary>Throws unless <paramref name="array"/> holds at least <paramref name="vectors"/> vectors (every load of a kernel stays inside).</summary>
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
    /// The nearest centre (ties: the lowest index) of the four rows of the block at <paramref name="xp"/> (d vectors) and its squared
    /// distance, the centres in the <see cref="BroadcastGrouped"/> layout at <paramref name="cp"/>. Each distance is
    /// <c>s = s + (w·t)·t</c> in feature order, as in the scalar kernel; four centres per pass give four independent accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void NearestGrouped(
        double* xp, double* cp, double* wp, int d, int k, out Vector256<double> bestIndex, out Vector256<double> bestDistance)
    {
        var best = Vector256.Create(double.PositiveInfinity);
        var bestJ = Vector256<double>.Zero;
        var one = Vector256<double>.One;
        var two = Vector256.Create(2.0);
        var three = Vector256.Create(3.0);
        var four = Vector256.Create(4.0);
        var jv = Vector256<double>.Zero; // the centre index j in every lane (small integers: exact)
        unchecked
        {
            var c = cp;
            var j = 0;
            for (; j + 4 <= k; j += 4)
            {
                DistancesGrouped(xp, wp, c, d, out var a0, out var a1, out var a2, out var a3);
                c += (nint)d * 4 * L;
                Keep(a0, jv, ref best, ref bestJ);
                Keep(a1, jv + one, ref best, ref bestJ);
                Keep(a2, jv + two, ref best, ref bestJ);
                Keep(a3, jv + three, ref best, ref bestJ);
                jv += four;
            }

            for (; j < k; j++)
            {
                Keep(Distance(xp, wp, c, d), jv, ref best, ref bestJ);
                c += (nint)d * L;
                jv += one;
            }
        }

        bestIndex = bestJ;
        bestDistance = best;
    }

    /// <summary>The squared distances <c>s = s + (w·t)·t</c> (feature order) of the four rows at <paramref name="xp"/> to the four points
    /// of one group of the <see cref="BroadcastGrouped"/> layout at <paramref name="c"/>: four independent accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void DistancesGrouped(
        double* xp, double* wp, double* c, int d, out Vector256<double> a0, out Vector256<double> a1, out Vector256<double> a2, out Vector256<double> a3)
    {
        a0 = Vector256<double>.Zero;
        a1 = Vector256<double>.Zero;
        a2 = Vector256<double>.Zero;
        a3 = Vector256<double>.Zero;
        unchecked
        {
            for (var f = 0; f < d; f++)
            {
                var xv = Vector256.Load(xp);
                var wv = Vector256.Load(wp);
                var t0 = xv - Vector256.Load(c);
                var t1 = xv - Vector256.Load(c + L);
                var t2 = xv - Vector256.Load(c + (2 * L));
                var t3 = xv - Vector256.Load(c + (3 * L));
                a0 += wv * t0 * t0;
                a1 += wv * t1 * t1;
                a2 += wv * t2 * t2;
                a3 += wv * t3 * t3;
                xp += L;
                wp += L;
                c += 4 * L;
            }
        }
    }

    /// <summary>The four lanes' centre indices (small non-negative integers held as doubles) as integers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> ToInt32(Vector256<double> index) => Avx.ConvertToVector128Int32WithTruncation(index);

    /// <summary><c>sum[f] += row[f]</c> for the d features, four per vector (per element the scalar addition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void AddRow(double* sum, double* row, int d)
    {
        unchecked
        {
            var f = 0;
            for (; f + L <= d; f += L)
            {
                (Vector256.Load(sum + f) + Vector256.Load(row + f)).Store(sum + f);
            }

            for (; f < d; f++)
            {
                sum[f] += row[f];
            }
        }
    }

    /// <summary>Keeps the lanes of <paramref name="acc"/> that are strictly nearer than <paramref name="best"/> (ties: the earlier centre).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(Vector256<double> acc, Vector256<double> j, ref Vector256<double> best, ref Vector256<double> bestJ)
    {
        // vminpd returns its first operand where it is strictly less, else the second: exactly acc < best ? acc : best, in one
        // instruction; vblendvpd takes the mask as is (the portable Vector256.ConditionalSelect compiled to and/andnot/or, three).
        var lt = Vector256.LessThan(acc, best);
        best = Avx.Min(acc, best);
        bestJ = Avx.BlendVariable(bestJ, j, lt);
    }

    /// <summary>The squared distances <c>s = s + (w·t)·t</c> (feature order) of the four rows at <paramref name="xp"/> to one broadcast point
    /// (d consecutive vectors at <paramref name="c"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<double> Distance(double* xp, double* wp, double* c, int d)
    {
        var acc = Vector256<double>.Zero;
        unchecked
        {
            for (var f = 0; f < d; f++)
            {
                var t = Vector256.Load(xp + (f * L)) - Vector256.Load(c + (f * L));
                acc += Vector256.Load(wp + (f * L)) * t * t;
            }
        }

        return acc;
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
                    var v = Distance(pv + ((nint)b * d * L), pw, pp, d);
                    var c = pc + ((nint)b * L);
                    var kept = initialize ? v : Min(v, Vector256.Load(c)); // per lane dist < old ? dist : old, no branch
                    kept.Store(c);
                    var s0 = sum + kept.GetElement(0);
                    var s1 = s0 + kept.GetElement(1);
                    var s2 = s1 + kept.GetElement(2);
                    sum = s2 + kept.GetElement(3);
                    Vector256.Create(s0, s1, s2, sum).Store(pcum + ((nint)b * L));
                }

                if (full < blocks.Blocks)
                {
                    // The last, partial block: only its first n - i0 lanes are rows.
                    var v = Distance(pv + ((nint)full * d * L), pw, pp, d);
                    var i0 = full * L;
                    for (var lane = 0; lane < n - i0; lane++)
                    {
                        var dist = v.GetElement(lane);
                        var old = pc[i0 + lane];
                        var kept = initialize ? dist : Min(dist, old);
                        pc[i0 + lane] = kept;
                        sum += kept;
                        pcum[i0 + lane] = sum;
                    }
                }
            }
        }

        return sum;
    }

    /// <summary>The potentials <c>Σ_i min(D(x_i, candidate_t)², closest_i)</c> of the four candidates broadcast in one group of the
    /// <see cref="BroadcastGrouped"/> layout, each summed in row order (a short group repeats a candidate; its extra results are unused).</summary>
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

        double p0 = 0.0, p1 = 0.0, p2 = 0.0, p3 = 0.0;
        var full = n / L;
        unchecked
        {
            fixed (double* pv = xs, pc = point4, pw = w4, pcl = closest)
            {
                for (var b = 0; b < full; b++)
                {
                    DistancesGrouped(pv + ((nint)b * d * L), pw, pc, d, out var a0, out var a1, out var a2, out var a3);
                    var cv = Vector256.Load(pcl + ((nint)b * L));
                    p0 = AddLanes(p0, Min(a0, cv));
                    p1 = AddLanes(p1, Min(a1, cv));
                    p2 = AddLanes(p2, Min(a2, cv));
                    p3 = AddLanes(p3, Min(a3, cv));
                }

                if (full < blocks.Blocks)
                {
                    // The last, partial block: only its first m lanes are rows.
                    DistancesGrouped(pv + ((nint)full * d * L), pw, pc, d, out var a0, out var a1, out var a2, out var a3);
                    var i0 = full * L;
                    for (var lane = 0; lane < n - i0; lane++)
                    {
                        var old = pcl[i0 + lane];
                        p0 += Min(a0.GetElement(lane), old);
                        p1 += Min(a1.GetElement(lane), old);
                        p2 += Min(a2.GetElement(lane), old);
                        p3 += Min(a3.GetElement(lane), old);
                    }
                }
            }
        }

        pots[0] = p0;
        pots[1] = p1;
        pots[2] = p2;
        pots[3] = p3;
    }

    /// <summary><c>a &lt; b ? a : b</c> (the scalar kernel's choice, also for equal values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Min(double a, double b) => a < b ? a : b;

    /// <summary>Per lane <c>a &lt; b ? a : b</c> (the scalar kernel's choice, also for equal values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Min(Vector256<double> a, Vector256<double> b) => Avx.Min(a, b); // vminpd: a where a < b, else b

    /// <summary><c>((s + v₀) + v₁) + v₂) + v₃</c>: the lanes added in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double AddLanes(double s, Vector256<double> v) => s + v.GetElement(0) + v.GetElement(1) + v.GetElement(2) + v.GetElement(3);
}
