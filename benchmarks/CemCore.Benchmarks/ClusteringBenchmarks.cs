using BenchmarkDotNet.Attributes;
using CemCore.Segmentation.Clustering;

namespace CemCore.Benchmarks;

/// <summary>
/// k-means on n × 5 standardized features, k = 8, exactly 10 Lloyd iterations (uniform data never converges that fast, tolerance 0),
/// one restart — so every method does the same assignment work. The baseline is a textbook implementation: jagged rows, a standardized
/// copy, Forgy initialisation (random rows), <c>Math.Pow</c> distances and fresh arrays per iteration.
/// Peer: benchmarks/peers/kmeans_sklearn.py (scikit-learn on the same shape, recorded in benchmarks/results/ClusteringBenchmarks.md).
/// </summary>
[MemoryDiagnoser]
public class ClusteringBenchmarks
{
    private const int Features = 5;
    private const int K = 8;
    private const int Iterations = 10;
    private double[] _data = [];

    [Params(1_000, 100_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup() => _data = UniformData(Rows, Features);

    /// <summary>Uniform rows, feature f scaled (f + 1) · 10 (features on different scales: recency days, frequency, spend, ...), seed 42.</summary>
    internal static double[] UniformData(int rows, int features)
    {
        var random = new Random(42);
        var data = new double[rows * features];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.NextDouble() * ((i % features) + 1) * 10.0;
        }

        return data;
    }

    [Benchmark(Baseline = true)]
    public double NaiveLloyd() => NaiveKMeans.Fit(_data, Features, K, Iterations, seed: 1);

    [Benchmark]
    public double KMeansOneRestart() =>
        KMeans.Fit(_data, Features, new KMeansSettings(K, restartCount: 1, maxIterations: Iterations, tolerance: 0, seed: 1)).Inertia;

    [Benchmark]
    public double KMeansTenRestarts() =>
        KMeans.Fit(_data, Features, new KMeansSettings(K, restartCount: 10, maxIterations: Iterations, tolerance: 0, seed: 1)).Inertia;

    [Benchmark]
    public double MiniBatch200x1024() =>
        MiniBatchKMeans.Fit(_data, Features, new MiniBatchKMeansSettings(K, batchSize: 1024, maxSteps: 200, restartCount: 1, seed: 1)).Inertia;
}

/// <summary>The textbook k-means a host might write first (the benchmark baseline).</summary>
internal static class NaiveKMeans
{
    public static double Fit(double[] flat, int d, int k, int iterations, int seed)
    {
        var n = flat.Length / d;
        var rows = new double[n][];
        var mean = new double[d];
        var sd = new double[d];
        for (var i = 0; i < n; i++)
        {
            rows[i] = flat.AsSpan(i * d, d).ToArray();
            for (var f = 0; f < d; f++)
            {
                mean[f] += rows[i][f] / n;
            }
        }

        foreach (var r in rows)
        {
            for (var f = 0; f < d; f++)
            {
                sd[f] += Math.Pow(r[f] - mean[f], 2) / n;
            }
        }

        foreach (var r in rows)
        {
            for (var f = 0; f < d; f++)
            {
                r[f] = (r[f] - mean[f]) / Math.Sqrt(sd[f]);
            }
        }

        var random = new Random(seed);
        var centers = new double[k][];
        for (var j = 0; j < k; j++)
        {
            centers[j] = (double[])rows[random.Next(n)].Clone();
        }

        var labels = new int[n];
        var inertia = 0.0;
        for (var it = 0; it < iterations; it++)
        {
            inertia = 0.0;
            for (var i = 0; i < n; i++)
            {
                var best = double.MaxValue;
                for (var j = 0; j < k; j++)
                {
                    var dist = 0.0;
                    for (var f = 0; f < d; f++)
                    {
                        dist += Math.Pow(rows[i][f] - centers[j][f], 2);
                    }

                    if (dist < best)
                    {
                        best = dist;
                        labels[i] = j;
                    }
                }

                inertia += best;
            }

            var sums = new double[k][];
            var counts = new int[k];
            for (var j = 0; j < k; j++)
            {
                sums[j] = new double[d];
            }

            for (var i = 0; i < n; i++)
            {
                counts[labels[i]]++;
                for (var f = 0; f < d; f++)
                {
                    sums[labels[i]][f] += rows[i][f];
                }
            }

            for (var j = 0; j < k; j++)
            {
                if (counts[j] > 0)
                {
                    centers[j] = sums[j].Select(s => s / counts[j]).ToArray();
                }
            }
        }

        return inertia;
    }
}

/// <summary>
/// k-means at the issue #17 sizes: 100,000 rows × 5 or 20 standardized features, k = 8 or 12, 10 restarts of one k-means++ seeding and
/// exactly 10 Lloyd iterations each (tolerance 0). Scalar sequential kernel (the baseline, the implementation before the change) vs
/// the vectorized kernel (the widest the machine runs: four rows per Vector256 with AVX2, else as two Vector128; bit-identical results)
/// sequentially and with the restarts in parallel, and the 128-bit kernel forced (sequential; the default where Vector256 is not
/// accelerated, e.g. under <c>DOTNET_EnableAVX=0</c>).
/// Peer: benchmarks/peers/kmeans_sklearn_scale.py (scikit-learn, the same grid, single thread), run right after this class.
/// </summary>
[MemoryDiagnoser]
public class KMeansScaleBenchmarks
{
    private const int Rows = 100_000;
    private double[] _data = [];

    [Params(5, 20)]
    public int Features { get; set; }

    [Params(8, 12)]
    public int K { get; set; }

    [GlobalSetup]
    public void Setup() => _data = ClusteringBenchmarks.UniformData(Rows, Features);

    private KMeansSettings Settings => new(K, restartCount: 10, maxIterations: 10, tolerance: 0, seed: 1);

    [Benchmark(Baseline = true)]
    public double ScalarSequential() => KMeans.Fit(_data, Features, Settings, null, KMeansPath.Scalar, parallel: false, CancellationToken.None).Inertia;

    [Benchmark]
    public double VectorizedSequential() => KMeans.Fit(_data, Features, Settings, null, KMeansPath.Best, parallel: false, CancellationToken.None).Inertia;

    [Benchmark]
    public double Vector128Sequential() => KMeans.Fit(_data, Features, Settings, null, KMeansPath.Vector128, parallel: false, CancellationToken.None).Inertia;

    [Benchmark]
    public double VectorizedParallelRestarts() => KMeans.Fit(_data, Features, Settings, null, KMeansPath.Best, parallel: true, CancellationToken.None).Inertia;
}

/// <summary>
/// Mini-batch k-means on a million rows (its intended scale): 5 standardized features, k = 8, one seeding on the default sample,
/// 200 steps of 1,024 rows, then one exact assignment of all rows. Baseline: the final pass with the scalar loop (what the fit ran
/// before the twenty-fourth session); against it the final pass through the blocked kernel in chunks (bit-identical results).
/// </summary>
[MemoryDiagnoser]
public class MiniBatchScaleBenchmarks
{
    private const int Rows = 1_000_000;
    private const int Features = 5;
    private double[] _data = [];

    [GlobalSetup]
    public void Setup() => _data = ClusteringBenchmarks.UniformData(Rows, Features);

    private static MiniBatchKMeansSettings Settings => new(8, batchSize: 1024, maxSteps: 200, restartCount: 1, seed: 1);

    [Benchmark(Baseline = true)]
    public double ScalarFinalPass() =>
        MiniBatchKMeans.Fit(_data, Features, Settings, null, KMeansPath.Scalar, KMeansKernel.AssignChunkRows, CancellationToken.None).Inertia;

    [Benchmark]
    public double BlockedFinalPass() =>
        MiniBatchKMeans.Fit(_data, Features, Settings, null, KMeansPath.Best, KMeansKernel.AssignChunkRows, CancellationToken.None).Inertia;
}
