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
/// <para>Cost: O(restarts × (k × trials + iterations × k) × n × d) time, O(n) scratch. Thread-safe (stateless).</para>
/// </remarks>
public static class KMeans
{
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
    public static KMeansResult Fit(ReadOnlySpan<double> data, int featureCount, KMeansSettings settings, Random? random = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        random ??= new Random(settings.Seed);
        var setup = new ClusteringSetup(data, featureCount, settings.ClusterCount, settings.Standardize, settings.ConstantFeatures, settings.Tolerance);
        var n = setup.Rows;
        var d = featureCount;
        var k = settings.ClusterCount;
        var w = setup.Weights;
        var trials = settings.EffectiveTrials;

        var seeds = new int[settings.RestartCount];
        for (var r = 0; r < seeds.Length; r++)
        {
            seeds[r] = random.Next();
        }

        var centers = new double[k * d];
        var bestCenters = new double[k * d];
        var labels = new int[n];
        var sums = new double[k * d];
        var counts = new int[k];
        var pool = ArrayPool<double>.Shared;
        var closest = pool.Rent(n);
        var cumulative = pool.Rent(n);
        var candidate = pool.Rent(n);
        var bestCandidate = pool.Rent(n);
        try
        {
            var bestInertia = double.PositiveInfinity;
            var bestIterations = 0;
            var bestConverged = false;
            var bestRestart = 0;
            for (var r = 0; r < seeds.Length; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var rng = new Random(seeds[r]);
                KMeansKernel.PlusPlus(data, n, w, k, trials, rng, centers, closest, cumulative, candidate, bestCandidate);
                var iterations = KMeansKernel.Lloyd(
                    data, n, w, k, centers, labels, closest, sums, counts, settings.MaxIterations, setup.ToleranceAbsolute, cancellationToken, out var converged);
                var inertia = KMeansKernel.Assign(data, n, w, centers, k, labels);
                if (inertia < bestInertia)
                {
                    bestInertia = inertia;
                    bestIterations = iterations;
                    bestConverged = converged;
                    bestRestart = r;
                    centers.CopyTo(bestCenters, 0);
                }
            }

            if (bestRestart != seeds.Length - 1)
            {
                KMeansKernel.Assign(data, n, w, bestCenters, k, labels);
            }

            return new KMeansResult(data, setup.Standardizer, settings.Standardize, w, bestCenters, labels, bestInertia, bestIterations, bestConverged, bestRestart);
        }
        finally
        {
            pool.Return(closest);
            pool.Return(cumulative);
            pool.Return(candidate);
            pool.Return(bestCandidate);
        }
    }
}
