#pragma warning disable CA5394 // Random drives seeding and sampling, not security.
using System.Buffers;

namespace CemCore.Segmentation.Clustering;

/// <summary>
/// Mini-batch k-means (Sculley 2010, "Web-scale k-means clustering", Algorithm 1) for millions of rows: k-means++ seeding on a sample,
/// then per step a uniform random batch is assigned to the current centroids and each centroid moves toward its batch members with a
/// per-centroid learning rate <c>1 / (rows it has absorbed so far)</c>.
/// </summary>
/// <remarks>
/// <para><b>Approximation.</b> The result is not a fixed point of Lloyd's algorithm: centroids are stochastic-gradient estimates, so the
/// inertia is typically a little (a few percent on well-separated data) above that of <see cref="KMeans"/>, and results depend on the
/// seed. Restarts only choose the best seeding on the initialization sample; the mini-batch refinement runs once. scikit-learn's extra
/// reassignment of low-count centres and its inertia-based early stopping are not implemented. The labels and <see cref="KMeansResult.Inertia"/>
/// come from one exact final assignment pass over all rows, so they are consistent with the returned centroids.</para>
/// <para>Cost: O(steps × batch × k × d) for the refinement plus O(n × k × d) for the final pass, which runs the vectorized k-means
/// kernel over chunks of 16,384 rows (bit-identical to the scalar loop); O(batch + sample + chunk) scratch and the n labels. The data
/// is not copied (standardization is folded into the distance weights). Thread-safe (stateless).</para>
/// </remarks>
public static class MiniBatchKMeans
{
    /// <summary>Clusters rows.</summary>
    /// <param name="data">Row-major values: <c>n × featureCount</c>, all finite.</param>
    /// <param name="featureCount">Features per row.</param>
    /// <param name="settings">The settings.</param>
    /// <param name="random">The generator, or <see langword="null"/> for <c>new Random(settings.Seed)</c>.</param>
    /// <param name="cancellationToken">Checked every step.</param>
    /// <returns>The clustering.</returns>
    /// <exception cref="ArgumentException">As for <see cref="KMeans.Fit(ReadOnlySpan{double}, int, KMeansSettings, Random?, CancellationToken)"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">k exceeds the number of rows, or <paramref name="featureCount"/> is less than 1.</exception>
    public static KMeansResult Fit(ReadOnlySpan<double> data, int featureCount, MiniBatchKMeansSettings settings, Random? random = null, CancellationToken cancellationToken = default) =>
        Fit(data, featureCount, settings, random, KMeansPath.Best, KMeansKernel.AssignChunkRows, cancellationToken);

    /// <summary>The fit with the final pass's kernel and chunk size exposed for tests and benchmarks.</summary>
    internal static KMeansResult Fit(
        ReadOnlySpan<double> data, int featureCount, MiniBatchKMeansSettings settings, Random? random, KMeansPath finalPass, int chunkRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        random ??= new Random(settings.Seed);
        var setup = new ClusteringSetup(data, featureCount, settings.ClusterCount, settings.Standardize, settings.ConstantFeatures, settings.Tolerance);
        var n = setup.Rows;
        var d = featureCount;
        var k = settings.ClusterCount;
        var w = setup.Weights;
        var sampleSize = Math.Min(n, Math.Max(settings.InitSampleSize ?? Math.Max(3 * settings.BatchSize, 3 * k), k));

        var centers = new double[k * d];
        var best = new double[k * d];
        var pool = ArrayPool<double>.Shared;
        var sample = pool.Rent(sampleSize * d);
        var closest = pool.Rent(sampleSize);
        var cumulative = pool.Rent(sampleSize);
        var candidate = pool.Rent(sampleSize);
        var bestCandidate = pool.Rent(sampleSize);
        var batchLabels = ArrayPool<int>.Shared.Rent(settings.BatchSize);
        var batchRows = ArrayPool<int>.Shared.Rent(settings.BatchSize);
        try
        {
            // 1. Seeding: k-means++ on a sample drawn with replacement (scikit-learn: randint(0, n, init_size)); keep the lowest sample inertia.
            var sampleSpan = sample.AsSpan(0, sampleSize * d);
            var bestInertia = double.PositiveInfinity;
            var bestRestart = 0;
            for (var r = 0; r < settings.RestartCount; r++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                for (var i = 0; i < sampleSize; i++)
                {
                    data.Slice(random.Next(n) * d, d).CopyTo(sampleSpan.Slice(i * d, d));
                }

                KMeansKernel.PlusPlus(sampleSpan, sampleSize, w, k, settings.EffectiveTrials, random, centers, closest, cumulative, candidate, bestCandidate);
                var inertia = 0.0;
                for (var i = 0; i < sampleSize; i++)
                {
                    KMeansKernel.Nearest(sampleSpan.Slice(i * d, d), centers, k, w, out var dist);
                    inertia += dist;
                }

                if (inertia < bestInertia)
                {
                    bestInertia = inertia;
                    bestRestart = r;
                    centers.CopyTo(best, 0);
                }
            }

            // 2. Sculley's Algorithm 1: cache assignments for the batch, then per-sample updates with rate 1/v[c].
            best.CopyTo(centers, 0);
            var absorbed = new long[k];
            var previous = new double[k * d];
            var steps = 0;
            var converged = false;
            var b = settings.BatchSize;
            while (steps < settings.MaxSteps)
            {
                cancellationToken.ThrowIfCancellationRequested();
                steps++;
                centers.CopyTo(previous, 0);
                for (var i = 0; i < b; i++)
                {
                    var row = random.Next(n);
                    batchRows[i] = row;
                    batchLabels[i] = KMeansKernel.Nearest(data.Slice(row * d, d), centers, k, w, out _);
                }

                for (var i = 0; i < b; i++)
                {
                    var j = batchLabels[i];
                    absorbed[j]++;
                    var eta = 1.0 / absorbed[j];
                    var c = centers.AsSpan(j * d, d);
                    var x = data.Slice(batchRows[i] * d, d);
                    for (var f = 0; f < d; f++)
                    {
                        c[f] += eta * (x[f] - c[f]);
                    }
                }

                if (setup.ToleranceAbsolute > 0.0)
                {
                    var shift = 0.0;
                    for (var j = 0; j < k; j++)
                    {
                        shift += KMeansKernel.Distance2(centers.AsSpan(j * d, d), previous.AsSpan(j * d, d), w);
                    }

                    if (shift <= setup.ToleranceAbsolute)
                    {
                        converged = true;
                        break;
                    }
                }
            }

            // 3. One exact pass: labels and inertia consistent with the centroids (the blocked kernel in chunks: no copy of all rows).
            cancellationToken.ThrowIfCancellationRequested();
            var labels = new int[n];
            var total = KMeansKernel.AssignInChunks(data, n, w, centers, k, labels, finalPass, chunkRows);
            return new KMeansResult(data, setup.Standardizer, settings.Standardize, w, centers, labels, total, steps, converged, bestRestart);
        }
        finally
        {
            pool.Return(sample);
            pool.Return(closest);
            pool.Return(cumulative);
            pool.Return(candidate);
            pool.Return(bestCandidate);
            ArrayPool<int>.Shared.Return(batchLabels);
            ArrayPool<int>.Shared.Return(batchRows);
        }
    }
}
