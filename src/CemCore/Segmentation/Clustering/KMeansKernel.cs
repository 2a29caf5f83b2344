#pragma warning disable CA5394 // Random drives seeding and sampling, not security.

namespace CemCore.Segmentation.Clustering;

/// <summary>
/// The k-means kernels. Every distance is a weighted squared Euclidean distance <c>Σ_f w_f (x_f − c_f)²</c> in original units:
/// with <c>w_f = 1 / sd_f²</c> (0 for constant features) it equals the squared distance between standardized rows, so the data is never
/// copied into a standardized block.
/// </summary>
internal static class KMeansKernel
{
    public static double Distance2(ReadOnlySpan<double> x, ReadOnlySpan<double> c, ReadOnlySpan<double> w)
    {
        var s = 0.0;
        for (var f = 0; f < w.Length; f++)
        {
            var t = x[f] - c[f];
            s += w[f] * t * t;
        }

        return s;
    }

    /// <summary>Returns the index of the nearest centre (ties: the lowest index) and its squared distance.</summary>
    public static int Nearest(ReadOnlySpan<double> x, ReadOnlySpan<double> centers, int k, ReadOnlySpan<double> w, out double distance2)
    {
        var d = w.Length;
        var best = 0;
        var bestD = double.PositiveInfinity;
        for (var j = 0; j < k; j++)
        {
            var c = centers.Slice(j * d, d);
            var s = 0.0;
            for (var f = 0; f < d; f++)
            {
                var t = x[f] - c[f];
                s += w[f] * t * t;
            }

            if (s < bestD)
            {
                bestD = s;
                best = j;
            }
        }

        distance2 = bestD;
        return best;
    }

    /// <summary>
    /// k-means++ seeding (Arthur &amp; Vassilvitskii 2007) with <paramref name="trials"/> local candidates per centre, the greedy
    /// variant of scikit-learn's <c>_kmeans_plusplus</c>: each candidate is drawn with probability ∝ D(x)², and the candidate that
    /// minimises the resulting potential is kept.
    /// </summary>
    public static void PlusPlus(
        ReadOnlySpan<double> x,
        int n,
        ReadOnlySpan<double> w,
        int k,
        int trials,
        Random random,
        Span<double> centers,
        Span<double> closest,
        Span<double> cumulative,
        Span<double> candidate,
        Span<double> bestCandidate,
        BlockContext? blocks = null)
    {
        if (blocks is not null)
        {
            KMeansBlockKernel.PlusPlus(x, blocks, k, trials, random, centers, closest, cumulative);
            return;
        }

        var d = w.Length;
        var first = random.Next(n);
        x.Slice(first * d, d).CopyTo(centers[..d]);
        var potential = 0.0;
        DistancesTo(x, n, w, centers[..d], closest);
        for (var i = 0; i < n; i++)
        {
            potential += closest[i];
        }

        for (var c = 1; c < k; c++)
        {
            var running = 0.0;
            for (var i = 0; i < n; i++)
            {
                running += closest[i];
                cumulative[i] = running;
            }

            var bestPotential = double.PositiveInfinity;
            var bestId = -1;
            for (var t = 0; t < trials; t++)
            {
                int id;
                if (potential > 0.0)
                {
                    var r = random.NextDouble() * potential;
                    id = LowerBound(cumulative[..n], r);
                    if (id >= n)
                    {
                        id = n - 1;
                    }
                }
                else
                {
                    id = random.Next(n); // every point coincides with a centre: any point is as good
                }

                var row = x.Slice(id * d, d);
                var pot = 0.0;
                DistancesTo(x, n, w, row, candidate);
                for (var i = 0; i < n; i++)
                {
                    var dist = candidate[i];
                    var m = dist < closest[i] ? dist : closest[i];
                    candidate[i] = m;
                    pot += m;
                }

                if (pot < bestPotential)
                {
                    bestPotential = pot;
                    bestId = id;
                    candidate[..n].CopyTo(bestCandidate);
                }
            }

            x.Slice(bestId * d, d).CopyTo(centers.Slice(c * d, d));
            bestCandidate[..n].CopyTo(closest);
            potential = bestPotential;
        }
    }

    /// <summary>Lloyd's algorithm from the given centres. Returns the iterations run; <paramref name="converged"/> tells whether a stopping rule fired.</summary>
    public static int Lloyd(
        ReadOnlySpan<double> x,
        int n,
        ReadOnlySpan<double> w,
        int k,
        Span<double> centers,
        Span<int> labels,
        Span<double> distances,
        Span<double> sums,
        Span<int> counts,
        int maxIterations,
        double toleranceAbsolute,
        CancellationToken cancellationToken,
        out bool converged,
        BlockContext? blocks = null)
    {
        var d = w.Length;
        for (var i = 0; i < n; i++)
        {
            labels[i] = -1; // a loop, not Span.Fill: see KMeansBlockKernel.Broadcast
        }
        converged = false;
        var iteration = 0;
        while (iteration < maxIterations)
        {
            cancellationToken.ThrowIfCancellationRequested();
            iteration++;
            sums.Clear();
            counts.Clear();
            var changed = 0;
            if (blocks is null)
            {
                for (var i = 0; i < n; i++)
                {
                    var j = Nearest(x.Slice(i * d, d), centers, k, w, out var dist);
                    changed += Accumulate(x, d, i, j, dist, labels, distances, sums, counts);
                }
            }
            else
            {
                changed = KMeansBlockKernel.LloydPass(blocks, centers, k, x, labels, distances, sums, counts);
            }

            RelocateEmpty(x, n, d, k, labels, distances, sums, counts);
            var shift = 0.0;
            for (var j = 0; j < k; j++)
            {
                if (counts[j] == 0)
                {
                    continue; // no point to relocate onto: the centre stays (an empty cluster)
                }

                var c = centers.Slice(j * d, d);
                var s = sums.Slice(j * d, d);
                for (var f = 0; f < d; f++)
                {
                    var updated = s[f] / counts[j];
                    var t = updated - c[f];
                    shift += w[f] * t * t;
                    c[f] = updated;
                }
            }

            if (changed == 0 || shift <= toleranceAbsolute)
            {
                converged = true;
                break;
            }
        }

        return iteration;
    }

    /// <summary>Assigns every row to its nearest centre; returns the inertia (sum of weighted squared distances, in row order).</summary>
    public static double Assign(ReadOnlySpan<double> x, int n, ReadOnlySpan<double> w, ReadOnlySpan<double> centers, int k, Span<int> labels, BlockContext? blocks, Span<double> distances)
    {
        if (blocks is not null)
        {
            return KMeansBlockKernel.Assign(blocks, centers, k, labels, distances);
        }

        return Assign(x, n, w, centers, k, labels);
    }

    /// <summary>
    /// Assigns every row to its nearest centre without a blocked copy of all rows: the rows go through the blocked kernel
    /// <paramref name="path"/> names in chunks of <paramref name="chunkRows"/> (one reused block buffer), the inertia carried from
    /// chunk to chunk, so labels and inertia are bit-identical to the scalar <see cref="Assign(ReadOnlySpan{double}, int, ReadOnlySpan{double}, ReadOnlySpan{double}, int, Span{int})"/>.
    /// </summary>
    public static double AssignInChunks(
        ReadOnlySpan<double> x, int n, ReadOnlySpan<double> w, ReadOnlySpan<double> centers, int k, Span<int> labels, KMeansPath path, int chunkRows = AssignChunkRows)
    {
        var d = w.Length;
        var context = BlockContext.CreateEmpty(Math.Min(n, chunkRows), w, k, path);
        if (context is null)
        {
            return Assign(x, n, w, centers, k, labels);
        }

        var distances = System.Buffers.ArrayPool<double>.Shared.Rent(Math.Min(n, chunkRows));
        try
        {
            var inertia = 0.0;
            for (var start = 0; start < n; start += chunkRows)
            {
                var m = Math.Min(chunkRows, n - start);
                context.Blocks.Load(x.Slice(start * d, m * d), m);
                inertia = KMeansBlockKernel.Assign(context, centers, k, labels.Slice(start, m), distances, inertia);
            }

            return inertia;
        }
        finally
        {
            System.Buffers.ArrayPool<double>.Shared.Return(distances);
        }
    }

    /// <summary>Rows per chunk of <see cref="AssignInChunks"/>: 16,384 (a block buffer of 128 KiB per feature, which the pass writes and
    /// then reads while it is still in the cache for a few features).</summary>
    internal const int AssignChunkRows = 16_384;

    /// <summary>Assigns every row to its nearest centre; returns the inertia (sum of weighted squared distances).</summary>
    public static double Assign(ReadOnlySpan<double> x, int n, ReadOnlySpan<double> w, ReadOnlySpan<double> centers, int k, Span<int> labels)
    {
        var d = w.Length;
        var inertia = 0.0;
        for (var i = 0; i < n; i++)
        {
            labels[i] = Nearest(x.Slice(i * d, d), centers, k, w, out var dist);
            inertia += dist;
        }

        return inertia;
    }

    /// <summary>Records row i's nearest centre j: label, distance, count and coordinate sums. Returns 1 when the label changed.</summary>
    private static int Accumulate(ReadOnlySpan<double> x, int d, int i, int j, double dist, Span<int> labels, Span<double> distances, Span<double> sums, Span<int> counts)
    {
        var changed = 0;
        if (labels[i] != j)
        {
            changed = 1;
            labels[i] = j;
        }

        distances[i] = dist;
        counts[j]++;
        var row = x.Slice(i * d, d);
        var s = sums.Slice(j * d, d);
        for (var f = 0; f < d; f++)
        {
            s[f] += row[f];
        }

        return changed;
    }

    /// <summary>Squared distance of every row to <paramref name="point"/>.</summary>
    private static void DistancesTo(ReadOnlySpan<double> x, int n, ReadOnlySpan<double> w, ReadOnlySpan<double> point, Span<double> output)
    {
        var d = w.Length;
        for (var i = 0; i < n; i++)
        {
            output[i] = Distance2(x.Slice(i * d, d), point, w);
        }
    }

    /// <summary>Moves each empty cluster onto the farthest remaining point from its centre (scikit-learn's rule), skipping points at distance 0.</summary>
    private static void RelocateEmpty(ReadOnlySpan<double> x, int n, int d, int k, Span<int> labels, Span<double> distances, Span<double> sums, Span<int> counts)
    {
        for (var j = 0; j < k; j++)
        {
            if (counts[j] != 0)
            {
                continue;
            }

            var far = -1;
            var farD = 0.0;
            for (var i = 0; i < n; i++)
            {
                if (distances[i] > farD && counts[labels[i]] > 1)
                {
                    farD = distances[i];
                    far = i;
                }
            }

            if (far < 0)
            {
                continue;
            }

            var row = x.Slice(far * d, d);
            var old = labels[far];
            var so = sums.Slice(old * d, d);
            var sn = sums.Slice(j * d, d);
            for (var f = 0; f < d; f++)
            {
                so[f] -= row[f];
                sn[f] = row[f];
            }

            counts[old]--;
            counts[j] = 1;
            labels[far] = j;
            distances[far] = 0.0;
        }
    }

    /// <summary>The first index whose cumulative value is at least <paramref name="value"/> (NumPy's <c>searchsorted</c>, side left).</summary>
    internal static int LowerBound(ReadOnlySpan<double> cumulative, double value)
    {
        int lo = 0, hi = cumulative.Length;
        while (lo < hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (cumulative[mid] < value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

/// <summary>Which k-means kernel a fit runs (tests and benchmarks choose; the public API takes <see cref="Best"/>).</summary>
internal enum KMeansPath
{
    /// <summary>The scalar kernel (<see cref="KMeansKernel"/>), one row at a time.</summary>
    Scalar,

    /// <summary>The widest blocked kernel the machine runs in hardware: 256-bit lanes with AVX2, else 128-bit lanes where Vector128 is
    /// accelerated, else the scalar kernel.</summary>
    Best,

    /// <summary>The blocked kernel with 128-bit lanes on any machine (in software where Vector128 is not accelerated).</summary>
    Vector128,
}

/// <summary>
/// The blocked rows and broadcast weights of one fit (shared, read-only) plus the scratch vectors of one worker. Create one per worker
/// with <see cref="ForWorker"/>.
/// </summary>
internal sealed class BlockContext
{
    private BlockContext(PointBlocks blocks, double[] w4, int k, bool wide)
    {
        Blocks = blocks;
        W4 = w4;
        Wide = wide;
        Centers4 = new double[Math.Max(k, 4) * blocks.Features * PointBlocks.Lanes]; // also the scratch of four seeding candidates
    }

    public PointBlocks Blocks { get; }

    /// <summary>Gets the weights, each broadcast to a vector (four doubles).</summary>
    public double[] W4 { get; }

    /// <summary>Gets the broadcast centres (k × d vectors of four doubles).</summary>
    public double[] Centers4 { get; }

    /// <summary>Gets whether the kernels run with 256-bit lanes (<see cref="Lanes256"/>); otherwise with 128-bit lanes (<see cref="Lanes128"/>).</summary>
    public bool Wide { get; }

    /// <summary>Blocks the rows for the kernel <paramref name="path"/> names; returns null for the scalar kernel.</summary>
    public static BlockContext? Create(ReadOnlySpan<double> x, int n, ReadOnlySpan<double> w, int k, KMeansPath path)
    {
        var context = CreateEmpty(n, w, k, path);
        context?.Blocks.Load(x, n);
        return context;
    }

    /// <summary>Whether <paramref name="path"/> runs 256-bit lanes (true), 128-bit lanes (false) or the scalar kernel (null) here.</summary>
    private static bool? Width(KMeansPath path) => path switch
    {
        KMeansPath.Best when PointBlocks.WideSupported => true,
        KMeansPath.Best when PointBlocks.NarrowSupported => false,
        KMeansPath.Vector128 => false,
        _ => null,
    };

    /// <summary>An empty context for up to <paramref name="capacityRows"/> rows at a time (filled with <see cref="PointBlocks.Load"/>) for
    /// the kernel <paramref name="path"/> names; null for the scalar kernel.</summary>
    public static BlockContext? CreateEmpty(int capacityRows, ReadOnlySpan<double> w, int k, KMeansPath path)
    {
        if (capacityRows < 1 || Width(path) is not { } wide)
        {
            return null;
        }

        var w4 = new double[w.Length * PointBlocks.Lanes];
        KMeansBlockKernel.Broadcast(w, w4);
        return new BlockContext(new PointBlocks(capacityRows, w.Length), w4, k, wide);
    }

    /// <summary>A context sharing the blocks and weights with fresh scratch vectors, for another worker.</summary>
    public BlockContext ForWorker() => new(Blocks, W4, Centers4.Length / PointBlocks.Lanes / Math.Max(1, Blocks.Features), Wide);
}
