using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    /// <summary>Gets whether the blocked kernels run in hardware (otherwise the scalar kernels are used).</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated;
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

    /// <summary>Nearest centre of the four rows of block <paramref name="block"/> (ties: lowest index) and their squared distances.</summary>
    public static void Nearest4(
        PointBlocks blocks, int block, double[] centers4, int k, double[] w4, out Vector256<double> bestIndex, out Vector256<double> bestDistance)
    {
        var d = blocks.Features;
        Nearest(blocks.Values, block * d, d, centers4, k, w4, out bestIndex, out bestDistance);
    }

    /// <summary>Assigns every row to its nearest centre; returns the inertia, summed in row order (as the scalar kernel).</summary>
    public static double Assign(PointBlocks blocks, ReadOnlySpan<double> centers, int k, double[] w4, double[] centers4, Span<int> labels, Span<double> distances)
    {
        Broadcast(centers[..(k * blocks.Features)], centers4);
        var n = blocks.Rows;
        var inertia = 0.0;
        for (var b = 0; b < blocks.Blocks; b++)
        {
            Nearest4(blocks, b, centers4, k, w4, out var index, out var dist);
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

        return inertia;
    }

    /// <summary>
    /// The k-means++ seeding of <see cref="KMeansKernel.PlusPlus"/> on blocked rows, with the same random draws and bit-identical
    /// potentials: per new centre all candidates are drawn first (the draws do not depend on the evaluations), their potentials
    /// <c>Σ_i min(D(x_i, candidate)², closest_i)</c> are summed in row order for up to four candidates per pass, and one more pass
    /// folds the winner into <paramref name="closest"/>.
    /// </summary>
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
        var potential = FoldInto(blocks, point4, w4, closest, initialize: true);
        Span<int> ids = trials <= 128 ? stackalloc int[trials] : new int[trials];
        Span<double> pots = stackalloc double[CandidateGroup];
        for (var c = 1; c < k; c++)
        {
            var running = 0.0;
            for (var i = 0; i < n; i++)
            {
                running += closest[i];
                cumulative[i] = running;
            }

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
                for (var t = 0; t < count; t++)
                {
                    Broadcast(x.Slice(ids[g + t] * d, d), point4.AsSpan(t * d * L, d * L));
                }

                Potentials(blocks, point4, count, w4, closest, pots);
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
            FoldInto(blocks, point4, w4, closest, initialize: false);
            potential = bestPotential;
        }
#pragma warning restore CA5394
    }

    /// <summary>Vector <paramref name="vector"/> of a blocked array (four doubles from <c>4 · vector</c>); the caller checked the length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> At(ref readonly double start, int vector) => Vector256.LoadUnsafe(in start, unchecked((nuint)(uint)vector * L));

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

    /// <summary>The nearest centre (ties: the lowest index) of the four rows at vector <paramref name="x0"/> and its squared distance.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Nearest(
        double[] xs,
        int x0,
        int d,
        double[] centers4,
        int k,
        double[] w4,
        out Vector256<double> bestIndex,
        out Vector256<double> bestDistance)
    {
        Require(xs, (long)x0 + d);
        Require(centers4, (long)k * d);
        Require(w4, d);
        ref readonly var xb = ref xs[0];
        ref readonly var cb = ref centers4[0];
        ref readonly var wb = ref w4[0];
        var best = Vector256.Create(double.PositiveInfinity);
        var bestJ = Vector256<double>.Zero;
        unchecked
        {
            var j = 0;
            for (; j + 4 <= k; j += 4)
            {
                Distances4x4(in xb, x0, in cb, j * d, in wb, d, out var a0, out var a1, out var a2, out var a3);

                Keep(a0, j, ref best, ref bestJ);
                Keep(a1, j + 1, ref best, ref bestJ);
                Keep(a2, j + 2, ref best, ref bestJ);
                Keep(a3, j + 3, ref best, ref bestJ);
            }

            for (; j < k; j++)
            {
                var c = j * d;
                var acc = Vector256<double>.Zero;
                for (var f = 0; f < d; f++)
                {
                    var t = At(in xb, x0 + f) - At(in cb, c + f);
                    acc += At(in wb, f) * t * t;
                }

                Keep(acc, j, ref best, ref bestJ);
            }
        }

        bestIndex = bestJ;
        bestDistance = best;
    }

    /// <summary>The squared distances of the four rows at vector <paramref name="x0"/> to four consecutive broadcast points (d vectors
    /// each, the first at vector <paramref name="p0"/>): four independent accumulators, so the additions do not wait on each other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Distances4x4(
        ref readonly double xb,
        int x0,
        ref readonly double pb,
        int p0,
        ref readonly double wb,
        int d,
        out Vector256<double> a0,
        out Vector256<double> a1,
        out Vector256<double> a2,
        out Vector256<double> a3)
    {
        a0 = Vector256<double>.Zero;
        a1 = Vector256<double>.Zero;
        a2 = Vector256<double>.Zero;
        a3 = Vector256<double>.Zero;
        unchecked
        {
            var p1 = p0 + d;
            var p2 = p1 + d;
            var p3 = p2 + d;
            for (var f = 0; f < d; f++)
            {
                var xv = At(in xb, x0 + f);
                var wv = At(in wb, f);
                var t0 = xv - At(in pb, p0 + f);
                var t1 = xv - At(in pb, p1 + f);
                var t2 = xv - At(in pb, p2 + f);
                var t3 = xv - At(in pb, p3 + f);
                a0 += wv * t0 * t0;
                a1 += wv * t1 * t1;
                a2 += wv * t2 * t2;
                a3 += wv * t3 * t3;
            }
        }
    }

    /// <summary>Keeps the lanes of <paramref name="acc"/> that are strictly nearer than <paramref name="best"/> (ties: the earlier centre).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Keep(Vector256<double> acc, int j, ref Vector256<double> best, ref Vector256<double> bestJ)
    {
        var lt = Vector256.LessThan(acc, best);
        best = Vector256.ConditionalSelect(lt, acc, best);
        bestJ = Vector256.ConditionalSelect(lt, Vector256.Create((double)j), bestJ);
    }

    /// <summary>The squared distances of the four rows of block vector <paramref name="x0"/> to the broadcast point at vector <paramref name="p0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Distance4(ref readonly double xb, int x0, ref readonly double pb, int p0, ref readonly double wb, int d)
    {
        var acc = Vector256<double>.Zero;
        unchecked
        {
            for (var f = 0; f < d; f++)
            {
                var t = At(in xb, x0 + f) - At(in pb, p0 + f);
                acc += At(in wb, f) * t * t;
            }
        }

        return acc;
    }

    /// <summary>
    /// <c>closest_i ← D(x_i, point)²</c> (<paramref name="initialize"/>) or <c>closest_i ← min(closest_i, D(x_i, point)²)</c>; returns
    /// <c>Σ closest_i</c> in row order.
    /// </summary>
    private static double FoldInto(PointBlocks blocks, double[] point4, double[] w4, Span<double> closest, bool initialize)
    {
        var n = blocks.Rows;
        var d = blocks.Features;
        var xs = blocks.Values;
        Require(xs, (long)blocks.Blocks * d);
        Require(point4, d);
        Require(w4, d);
        ref readonly var xb = ref xs[0];
        ref readonly var pb = ref point4[0];
        ref readonly var wb = ref w4[0];
        var sum = 0.0;
        var full = n / L;
        for (var b = 0; b < full; b++)
        {
            var v = Distance4(in xb, b * d, in pb, 0, in wb, d);
            var c = closest.Slice(b * L, L);
            var kept = initialize ? v : Min(v, Vector256.Create((ReadOnlySpan<double>)c)); // per lane dist < old ? dist : old, no branch
            kept.CopyTo(c);
            sum = AddLanes(sum, kept);
        }

        for (var b = full; b < blocks.Blocks; b++)
        {
            var v = Distance4(in xb, b * d, in pb, 0, in wb, d);
            var i0 = b * L;
            var m = Math.Min(L, n - i0);
            for (var lane = 0; lane < m; lane++)
            {
                var dist = v.GetElement(lane);
                var old = closest[i0 + lane];
                var kept = initialize || dist < old ? dist : old;
                closest[i0 + lane] = kept;
                sum += kept;
            }
        }

        return sum;
    }

    /// <summary>The potentials <c>Σ_i min(D(x_i, candidate_t)², closest_i)</c> of <paramref name="count"/> (1..4) broadcast candidates, each summed in row order.</summary>
    private static void Potentials(PointBlocks blocks, double[] point4, int count, double[] w4, ReadOnlySpan<double> closest, Span<double> pots)
    {
        var n = blocks.Rows;
        var d = blocks.Features;
        var xs = blocks.Values;
        Require(xs, (long)blocks.Blocks * d);
        Require(point4, (long)count * d);
        Require(w4, d);
        ref readonly var xb = ref xs[0];
        ref readonly var pb = ref point4[0];
        ref readonly var wb = ref w4[0];
        double p0 = 0.0, p1 = 0.0, p2 = 0.0, p3 = 0.0;
        var full = n / L;
        if (count == CandidateGroup)
        {
            unchecked
            {
                for (var b = 0; b < full; b++)
                {
                    Distances4x4(in xb, b * d, in pb, 0, in wb, d, out var a0, out var a1, out var a2, out var a3);

                    var cv = Vector256.Create(closest.Slice(b * L, L));
                    p0 = AddLanes(p0, Min(a0, cv));
                    p1 = AddLanes(p1, Min(a1, cv));
                    p2 = AddLanes(p2, Min(a2, cv));
                    p3 = AddLanes(p3, Min(a3, cv));
                }
            }
        }
        else
        {
            full = 0; // fewer candidates: all blocks through the general loop below
        }

        pots[0] = p0;
        pots[1] = p1;
        pots[2] = p2;
        pots[3] = p3;
        for (var b = full; b < blocks.Blocks; b++)
        {
            var i0 = b * L;
            var m = Math.Min(L, n - i0);
            for (var t = 0; t < count; t++)
            {
                var v = Distance4(in xb, b * d, in pb, t * d, in wb, d);
                var p = pots[t];
                for (var lane = 0; lane < m; lane++)
                {
                    var dist = v.GetElement(lane);
                    var old = closest[i0 + lane];
                    p += dist < old ? dist : old;
                }

                pots[t] = p;
            }
        }
    }

    /// <summary>Per lane <c>a &lt; b ? a : b</c> (the scalar kernel's choice, also for equal values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Min(Vector256<double> a, Vector256<double> b) => Vector256.ConditionalSelect(Vector256.LessThan(a, b), a, b);

    /// <summary><c>((s + v₀) + v₁) + v₂) + v₃</c>: the lanes added in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double AddLanes(double s, Vector256<double> v) => s + v.GetElement(0) + v.GetElement(1) + v.GetElement(2) + v.GetElement(3);
}
