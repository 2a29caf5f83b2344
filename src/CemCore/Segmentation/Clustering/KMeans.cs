#pragma warning disable CA5394 // Random drives seeding and sampling, not security.
using System.Buffers;

namespace CemCore.Segmentation.Clustering;

/// <summary>
/// k-means clustering: k-means++ seeding (Arthur &amp; Vassilvitskii 2007), Lloyd iterations, several seeded restarts keeping the lowest
/// inertia, on standardized features by default.
/// </summary>
/// <remarks>
/// <para>Data layout: row-major <c>double</c> values, <c>featureCount</c> per row. The data is not copied: standardization is folded into the
/// distance as per-feature weights <c>1/sd²</c>, so centroids are computed in original units and the inertia in z-score units.</para>
/// <para>Reproducible: the same data, settings and seed give the same result. Restart <c>r</c> uses <c>new Random(s_r)</c> where
/// <c>s_r</c> is the r-th <see cref="Random.Next()"/> of the generator passed (or <c>new Random(settings.Seed)</c>).</para>
/// <para>Stopping rule of each restart (scikit-learn's <c>lloyd</c>): the labels did not change, or the summed squared centroid shift of
/// an iteration is at most <c>Tolerance × mean feature variance</c>, or <c>MaxIterations</c> is reached. A final assignment step makes the
/// labels consistent with the returned centroids. An emptied cluster is moved onto the point farthest from its centroid.</para>
/// <para>Cost: O(restarts × (k × trials + iterations × k) × n × d) time. Where Vector256 runs in hardware the distance loops work on
/// four rows per vector over a blocked copy of the rows (n × d doubles), with results bit-identical to the scalar loops. Restarts run
/// in parallel (one worker per processor, O(n) scratch each) when more than one processor is available and the work
/// (restarts × n × k × d) reaches <see cref="ParallelWorkThreshold"/>; the result is the same as sequentially (the lowest inertia,
/// the earliest restart on ties). Thread-safe (stateless).</para>
/// </remarks>
public static class KMeans
{
    /// <summary>The work (restarts × rows × k × features) from which restarts run in parallel: 4,000,000 (about 2 ms of distance work).</summary>
    public const long ParallelWorkThreshold = 4_000_000;

    /// <summary>Clusters rows.</summary>
    /// <param name="data">Row-major values: <c>n × featureCount</c>, all finite.</param>
    /// <param name="featureCount">Features per row (at least 1).</param>
    /// <param name="settings">The settings.</param>
    /// <param name="random">The generator, or <see langword="null"/> for <c>new Random(settings.Seed)</c>.</param>
    /// <param name="cancellationToken">Checked every iteration.</param>
    /// <returns>The best clustering over the restarts.</returns>
    /// <exception cref="ArgumentException">The data is empty, not a multiple of <paramref name="featureCount"/>, holds NaN or an infinity,
    /// has a constant feature under <see cref="ConstantFeatureHandling.Reject"/>, or has only constant features with k &gt; 1.</exception>
    /// <exception cref="ArgumentOutOfRangeException">k exceeds the number of rows, or <paramref name="featureCount"/> is less than 1.</exception>
    public static KMeansResult Fit(ReadOnlySpan<double> data, int featureCount, KMeansSettings settings, Random? random = null, CancellationToken cancellationToken = default) =>
        Fit(data, featureCount, settings, random, KMeansPath.Best, parallel: null, cancellationToken);

    /// <summary>The fit with the kernel choices exposed for tests and benchmarks (scalar, 128-bit or the widest kernel; sequential vs
    /// parallel restarts).</summary>
    internal static KMeansResult Fit(
        ReadOnlySpan<double> data, int featureCount, KMeansSettings settings, Random? random, KMeansPath path, bool? parallel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        random ??= new Random(settings.Seed);
        var setup = new ClusteringSetup(data, featureCount, settings.ClusterCount, settings.Standardize, settings.ConstantFeatures, settings.Tolerance);
        var n = setup.Rows;
        var d = featureCount;
        var k = settings.ClusterCount;
        var w = setup.Weights;

        var seeds = new int[settings.RestartCount];
        for (var r = 0; r < seeds.Length; r++)
        {
            seeds[r] = random.Next();
        }

        var blocks = BlockContext.Create(data, n, w, k, path);
        var runs = new Run[seeds.Length];
        var work = (long)seeds.Length * n * k * d;
        var runParallel = parallel ?? (seeds.Length > 1 && Environment.ProcessorCount > 1 && work >= ParallelWorkThreshold);
        if (runParallel)
        {
            var copy = data.ToArray(); // a span cannot enter the workers' closures
            var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };
            Parallel.For(
                0,
                seeds.Length,
                options,
                () => new Workspace(n, k, d, blocks?.ForWorker()),
                (r, _, ws) =>
                {
                    runs[r] = ws.Restart(copy, w, k, seeds[r], settings, setup.ToleranceAbsolute, cancellationToken);
                    return ws;
                },
                ws => ws.Dispose());
        }
        else
        {
            using var ws = new Workspace(n, k, d, blocks);
            for (var r = 0; r < seeds.Length; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                runs[r] = ws.Restart(data, w, k, seeds[r], settings, setup.ToleranceAbsolute, cancellationToken);
            }
        }

        var best = 0;
        for (var r = 1; r < runs.Length; r++)
        {
            if (runs[r].Inertia < runs[best].Inertia)
            {
                best = r;
            }
        }

        var labels = new int[n];
        var distances = ArrayPool<double>.Shared.Rent(n);
        try
        {
            KMeansKernel.Assign(data, n, w, runs[best].Centers, k, labels, blocks, distances);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(distances);
        }

        var b = runs[best];
        return new KMeansResult(data, setup.Standardizer, settings.Standardize, w, b.Centers, labels, b.Inertia, b.Iterations, b.Converged, best);
    }

    private readonly record struct Run(double[] Centers, double Inertia, int Iterations, bool Converged);

    /// <summary>The scratch of one worker: one restart at a time.</summary>
    private sealed class Workspace : IDisposable
    {
        private readonly BlockContext? _blocks;
        private readonly int[] _labels;
        private readonly double[] _sums;
        private readonly int[] _counts;
        private readonly double[] _closest;
        private readonly double[] _cumulative;
        private readonly double[] _candidate;
        private readonly double[] _bestCandidate;

        public Workspace(int n, int k, int d, BlockContext? blocks)
        {
            _blocks = blocks;
            _labels = new int[n];
            _sums = new double[k * d];
            _counts = new int[k];
            var pool = ArrayPool<double>.Shared;
            _closest = pool.Rent(n);
            _cumulative = pool.Rent(n);
            _candidate = blocks is null ? pool.Rent(n) : []; // the blocked seeding keeps no per-candidate arrays
            _bestCandidate = blocks is null ? pool.Rent(n) : [];
        }

        public Run Restart(ReadOnlySpan<double> data, double[] w, int k, int seed, KMeansSettings settings, double toleranceAbsolute, CancellationToken cancellationToken)
        {
            var n = _labels.Length;
            var d = w.Length;
            var centers = new double[k * d];
            var rng = new Random(seed);
            KMeansKernel.PlusPlus(data, n, w, k, settings.EffectiveTrials, rng, centers, _closest, _cumulative, _candidate, _bestCandidate, _blocks);
            if (settings.Partitions > 1)
            {
                var steps = PartitionedLloyd(data, w, k, centers, settings.MaxIterations, toleranceAbsolute, settings.Partitions, cancellationToken, out var done);
                var exact = Step(data, w, centers, settings.Partitions).InertiaValue;
                return new Run(centers, exact, steps, done);
            }

            var iterations = KMeansKernel.Lloyd(
                data, n, w, k, centers, _labels, _closest, _sums, _counts, settings.MaxIterations, toleranceAbsolute, cancellationToken, out var converged, _blocks);
            var inertia = KMeansKernel.Assign(data, n, w, centers, k, _labels, _blocks, _closest);
            return new Run(centers, inertia, iterations, converged);
        }

        /// <summary>
        /// Lloyd's algorithm with every step as partition → accumulate → merge → finalize: the rows in <paramref name="partitions"/>
        /// contiguous ranges, one <see cref="KMeansStepPartial"/> each, merged; the merged counts and exact sums give the new centres. The
        /// rules are those of <see cref="KMeansKernel.Lloyd"/> (stop when no label changed or the shift is within tolerance; an emptied
        /// cluster takes the row farthest from its centre, from the merged relocation candidates).
        /// </summary>
        private int PartitionedLloyd(
            ReadOnlySpan<double> x, double[] w, int k, double[] centers, int maxIterations, double toleranceAbsolute, int partitions, CancellationToken cancellationToken, out bool converged)
        {
            var d = w.Length;
            _labels.AsSpan().Fill(-1);
            converged = false;
            var iteration = 0;
            while (iteration < maxIterations)
            {
                cancellationToken.ThrowIfCancellationRequested();
                iteration++;
                var step = Step(x, w, centers, partitions);
                var counts = step.Counts;
                var sums = step.Sums;
                Relocate(x, d, k, step, counts, sums);
                var shift = 0.0;
                for (var j = 0; j < k; j++)
                {
                    if (counts[j] == 0)
                    {
                        continue;
                    }

                    for (var f = 0; f < d; f++)
                    {
                        var updated = sums[(j * d) + f].Value / counts[j];
                        var t = updated - centers[(j * d) + f];
                        shift += w[f] * t * t;
                        centers[(j * d) + f] = updated;
                    }
                }

                if (step.Changed == 0 || shift <= toleranceAbsolute)
                {
                    converged = true;
                    break;
                }
            }

            return iteration;
        }

        /// <summary>One step over the partitions: each range accumulated into its own partial (labels and distances recorded), merged.</summary>
        private KMeansStepPartial Step(ReadOnlySpan<double> x, double[] w, double[] centers, int partitions)
        {
            var d = w.Length;
            var n = _labels.Length;
            partitions = Math.Max(1, Math.Min(partitions, n));
            KMeansStepPartial? merged = null;
            for (var p = 0; p < partitions; p++)
            {
                var a = (int)((long)n * p / partitions);
                var b = (int)((long)n * (p + 1) / partitions);
                var part = new KMeansStepPartial(centers, d, w);
                part.AddAssigned(x.Slice(a * d, (b - a) * d), a, _labels.AsSpan(a, b - a), _closest.AsSpan(a, b - a));
                merged = merged is null ? part : merged.MergeWith(part);
            }

            return merged!;
        }

        /// <summary><see cref="KMeansKernel"/>'s relocation rule on the merged candidates: each empty cluster, in order, takes the farthest
        /// row (first in row order on ties) at a distance above 0 whose cluster keeps at least one row.</summary>
        private void Relocate(ReadOnlySpan<double> x, int d, int k, KMeansStepPartial step, long[] counts, Merging.ExactSum[] sums)
        {
            List<long>? used = null;
            for (var j = 0; j < k; j++)
            {
                if (counts[j] != 0)
                {
                    continue;
                }

                foreach (var c in step.Farthest)
                {
                    var row = (int)c.Row;
                    var label = _labels[row];
                    if (c.Distance <= 0 || counts[label] <= 1 || (used?.Contains(c.Row) ?? false))
                    {
                        continue;
                    }

                    var values = x.Slice(row * d, d);
                    for (var f = 0; f < d; f++)
                    {
                        sums[(label * d) + f].Add(-values[f]);
                        sums[(j * d) + f].Add(values[f]);
                    }

                    counts[label]--;
                    counts[j] = 1;
                    _labels[row] = j;
                    _closest[row] = 0.0;
                    (used ??= []).Add(c.Row);
                    break;
                }
            }
        }

        public void Dispose()
        {
            var pool = ArrayPool<double>.Shared;
            pool.Return(_closest);
            pool.Return(_cumulative);
            if (_blocks is null)
            {
                pool.Return(_candidate);
                pool.Return(_bestCandidate);
            }
        }
    }
}
