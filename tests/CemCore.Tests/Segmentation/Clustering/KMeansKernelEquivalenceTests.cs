using CemCore.Segmentation.Clustering;
using FsCheck;
using FsCheck.Xunit;

namespace CemCore.Tests.Segmentation.Clustering;

/// <summary>
/// The vectorized (four rows per Vector256) kernels and the parallel restarts must give exactly the result of the scalar, sequential
/// fit: same labels, bit-identical centroids and inertia, same chosen restart (issue #17).
/// </summary>
public sealed class KMeansKernelEquivalenceTests
{
    [Property(MaxTest = 60)]
    public bool Fit_VectorizedAndParallel_BitIdenticalToScalarSequential(PositiveInt seedArg, byte rowsArg, byte featuresArg, byte kArg, bool standardize)
    {
        var seed = seedArg.Get;
        var random = new Random(seed);
        var d = 1 + (featuresArg % 23);               // odd and even feature counts, 1..23
        var n = 3 + (rowsArg * 7 % 401);               // row counts not multiple of 4 included
        var k = 1 + (kArg % Math.Min(12, n));
        var data = new double[n * d];
        for (var i = 0; i < data.Length; i++)
        {
            // Clustered data with ties: a few centres plus rounded noise, so equal distances occur.
            data[i] = (random.Next(4) * 10.0) + Math.Round(random.NextDouble() * 4.0, 1) + ((i % d) * 3.0);
        }

        var settings = new KMeansSettings(k, restartCount: 1 + (seed % 4), maxIterations: 50, standardize: standardize, seed: seed);
        var scalar = KMeans.Fit(data, d, settings, null, vectorized: false, parallel: false, CancellationToken.None);
        var vector = KMeans.Fit(data, d, settings, null, vectorized: true, parallel: false, CancellationToken.None);
        var both = KMeans.Fit(data, d, settings, null, vectorized: true, parallel: true, CancellationToken.None);
        return Same(scalar, vector) && Same(scalar, both);
    }

    [Theory]
    [InlineData(5, 8, null)]
    [InlineData(20, 12, null)]
    [InlineData(3, 2, 9)]   // more seeding candidates than one group of four, with k < 4
    [InlineData(7, 5, 1)]   // one candidate per centre (the original k-means++)
    public void Fit_BenchmarkShape_VectorizedMatchesScalarTo1e9(int d, int k, int? trials)
    {
        // The issue #17 benchmark shape, scaled down to 12,003 rows (not a multiple of 4): uniform, feature f scaled (f + 1)·10.
        var random = new Random(42);
        var data = new double[12_003 * d];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.NextDouble() * ((i % d) + 1) * 10.0;
        }

        var settings = new KMeansSettings(k, restartCount: 10, maxIterations: 10, tolerance: 0, seed: 1, initializationTrials: trials);
        var scalar = KMeans.Fit(data, d, settings, null, vectorized: false, parallel: false, CancellationToken.None);
        var vector = KMeans.Fit(data, d, settings, null, vectorized: true, parallel: false, CancellationToken.None);
        var both = KMeans.Fit(data, d, settings, null, vectorized: true, parallel: true, CancellationToken.None);
        Assert.True(Math.Abs(vector.Inertia - scalar.Inertia) <= 1e-9 * scalar.Inertia, $"{vector.Inertia:R} vs {scalar.Inertia:R}");
        Assert.True(Same(scalar, vector));
        Assert.True(Same(scalar, both));
    }

    [Fact]
    public void Fit_IrisRaw_VectorizedParallel_ReproducesScikitLearnInertia()
    {
        // scikit-learn 1.2.1 KMeans(n_clusters=3, n_init=10, random_state=0, algorithm="lloyd") on raw iris: inertia 78.851441 (KMeansTests).
        var settings = new KMeansSettings(3, standardize: false, seed: 1);
        var result = KMeans.Fit(IrisData.Rows, 4, settings, null, vectorized: true, parallel: true, CancellationToken.None);
        Assert.Equal(78.851441, result.Inertia, 1e-6);
        Assert.Equal([38, 50, 62], result.ClusterSizes.ToArray().Order().ToArray());
    }

    internal static bool Same(KMeansResult a, KMeansResult b) =>
        a.Inertia.Equals(b.Inertia)
        && a.Labels.SequenceEqual(b.Labels)
        && a.Centroids.ToArray().SequenceEqual(b.Centroids.ToArray())
        && a.BestRestart == b.BestRestart
        && a.Iterations == b.Iterations;
}
