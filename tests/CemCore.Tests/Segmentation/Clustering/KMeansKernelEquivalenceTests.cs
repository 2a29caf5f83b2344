using CemCore.Segmentation.Clustering;
using FsCheck;
using FsCheck.Xunit;

namespace CemCore.Tests.Segmentation.Clustering;

/// <summary>
/// The vectorized kernels (four rows per Vector256, and as two Vector128 halves) and the parallel restarts must give exactly the result of
/// the scalar, sequential fit: same labels, bit-identical centroids and inertia, same chosen restart (issue #17). The 128-bit kernel is
/// forced here on every machine; CI also runs these tests with <c>DOTNET_EnableAVX=0</c>, where it is the default.
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
        var scalar = KMeans.Fit(data, d, settings, null, KMeansPath.Scalar, parallel: false, CancellationToken.None);
        var vector = KMeans.Fit(data, d, settings, null, KMeansPath.Best, parallel: false, CancellationToken.None);
        var both = KMeans.Fit(data, d, settings, null, KMeansPath.Best, parallel: true, CancellationToken.None);
        var narrow = KMeans.Fit(data, d, settings, null, KMeansPath.Vector128, parallel: false, CancellationToken.None);
        var narrowParallel = KMeans.Fit(data, d, settings, null, KMeansPath.Vector128, parallel: true, CancellationToken.None);
        return Same(scalar, vector) && Same(scalar, both) && Same(scalar, narrow) && Same(scalar, narrowParallel);
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
        var scalar = KMeans.Fit(data, d, settings, null, KMeansPath.Scalar, parallel: false, CancellationToken.None);
        var vector = KMeans.Fit(data, d, settings, null, KMeansPath.Best, parallel: false, CancellationToken.None);
        var both = KMeans.Fit(data, d, settings, null, KMeansPath.Best, parallel: true, CancellationToken.None);
        var narrow = KMeans.Fit(data, d, settings, null, KMeansPath.Vector128, parallel: false, CancellationToken.None);
        Assert.True(Math.Abs(vector.Inertia - scalar.Inertia) <= 1e-9 * scalar.Inertia, $"{vector.Inertia:R} vs {scalar.Inertia:R}");
        Assert.True(Same(scalar, vector));
        Assert.True(Same(scalar, both));
        Assert.True(Same(scalar, narrow));
    }

    [Fact]
    public void Fit_IrisRaw_VectorizedParallel_ReproducesScikitLearnInertia()
    {
        // scikit-learn 1.2.1 KMeans(n_clusters=3, n_init=10, random_state=0, algorithm="lloyd") on raw iris: inertia 78.851441 (KMeansTests).
        var settings = new KMeansSettings(3, standardize: false, seed: 1);
        var result = KMeans.Fit(IrisData.Rows, 4, settings, null, KMeansPath.Best, parallel: true, CancellationToken.None);
        Assert.Equal(78.851441, result.Inertia, 1e-6);
        Assert.Equal([38, 50, 62], result.ClusterSizes.ToArray().Order().ToArray());
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(5, 5)]
    [InlineData(6, 4)]
    [InlineData(7, 7)]
    public void Fit_FewRows_EveryPathMatchesScalar(int n, int k)
    {
        // Only a partial block (n < 4), exactly one block, and one block plus a partial one: the scratch handling of the last block.
        var random = new Random(n * 31 + k);
        const int d = 3;
        var data = new double[n * d];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = Math.Round(random.NextDouble() * 8.0, 1);
        }

        var settings = new KMeansSettings(k, restartCount: 3, maxIterations: 20, standardize: false, seed: n + k);
        var scalar = KMeans.Fit(data, d, settings, null, KMeansPath.Scalar, parallel: false, CancellationToken.None);
        Assert.True(Same(scalar, KMeans.Fit(data, d, settings, null, KMeansPath.Best, parallel: false, CancellationToken.None)));
        Assert.True(Same(scalar, KMeans.Fit(data, d, settings, null, KMeansPath.Vector128, parallel: false, CancellationToken.None)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AssignAndLloyd_EqualDistances_TakeTheLowestCentreLikeScalar(bool forceVector128)
    {
        // Centres A, B, A, B, B, A, A (d = 2): ties inside the groups of four, across groups and in the tail of k % 4 centres. Rows on
        // the perpendicular bisector of A and B are exactly equidistant from all seven; the others are nearer to A or to B (ties among
        // the copies). The scalar kernel keeps the lowest index (strict <); every lane of both widths must do the same.
        var a = new[] { 0.0, 0.0 };
        var b = new[] { 2.0, 0.0 };
        var centers = new[] { a, b, a, b, b, a, a }.SelectMany(c => c).ToArray();
        const int k = 7, d = 2;
        var random = new Random(5);
        var n = 4 * 25 + 3;
        var x = new double[n * d];
        for (var i = 0; i < n; i++)
        {
            x[i * d] = (i % 3) switch { 0 => 1.0, 1 => -random.Next(1, 5) * 0.5, _ => 2.0 + random.Next(1, 5) * 0.5 };
            x[(i * d) + 1] = random.Next(-4, 5) * 0.25;
        }

        var w = new[] { 1.0, 1.0 };
        var blocks = BlockContext.Create(x, n, w, k, forceVector128 ? KMeansPath.Vector128 : KMeansPath.Best);
        Assert.True(forceVector128 ? blocks is { Wide: false } : blocks is null || blocks.Wide == PointBlocks.WideSupported);

        var expected = new int[n];
        var expectedInertia = KMeansKernel.Assign(x, n, w, centers, k, expected);
        var labels = new int[n];
        var distances = new double[n];
        var inertia = KMeansKernel.Assign(x, n, w, centers, k, labels, blocks, distances);
        Assert.Equal(expected, labels);
        Assert.Equal(expectedInertia, inertia);
        Assert.Contains(0, labels);
        Assert.Contains(1, labels);

        var scalarCenters = (double[])centers.Clone();
        var blockCenters = (double[])centers.Clone();
        var scalarLabels = new int[n];
        var blockLabels = new int[n];
        KMeansKernel.Lloyd(x, n, w, k, scalarCenters, scalarLabels, new double[n], new double[k * d], new int[k], 1, 0, CancellationToken.None, out _);
        KMeansKernel.Lloyd(x, n, w, k, blockCenters, blockLabels, new double[n], new double[k * d], new int[k], 1, 0, CancellationToken.None, out _, blocks);
        Assert.Equal(scalarLabels, blockLabels);
        Assert.Equal(scalarCenters, blockCenters);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(64)]
    [InlineData(KMeansKernel.AssignChunkRows)]
    public void AssignInChunks_EveryPathAndChunkSize_BitIdenticalToScalar(int chunkRows)
    {
        // Chunks of 1–5 rows (partial blocks everywhere), 64 and the default; 1,001 rows is not a multiple of any of them.
        var random = new Random(chunkRows);
        const int n = 1_001, d = 6, k = 9;
        var x = new double[n * d];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = Math.Round(random.NextDouble() * 20.0, 2);
        }

        var w = new[] { 1.0, 0.5, 2.0, 0.0, 1.5, 0.25 };
        var centers = new double[k * d];
        x.AsSpan(0, k * d).CopyTo(centers); // the first rows as centres: exact zero distances and ties occur
        var expected = new int[n];
        var expectedInertia = KMeansKernel.Assign(x, n, w, centers, k, expected);
        foreach (var path in new[] { KMeansPath.Scalar, KMeansPath.Best, KMeansPath.Vector128 })
        {
            var labels = new int[n];
            var inertia = KMeansKernel.AssignInChunks(x, n, w, centers, k, labels, path, chunkRows);
            Assert.Equal(expected, labels);
            Assert.Equal(expectedInertia, inertia);
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(KMeansKernel.AssignChunkRows)]
    public void MiniBatch_FinalPassInChunks_BitIdenticalToScalar(int chunkRows)
    {
        var random = new Random(11);
        const int d = 4;
        var n = 5_003;
        var data = new double[n * d];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (random.Next(5) * 8.0) + (random.NextDouble() * 3.0);
        }

        var settings = new MiniBatchKMeansSettings(6, batchSize: 256, maxSteps: 40, seed: 3);
        var scalar = MiniBatchKMeans.Fit(data, d, settings, null, KMeansPath.Scalar, chunkRows, CancellationToken.None);
        Assert.True(Same(scalar, MiniBatchKMeans.Fit(data, d, settings, null, KMeansPath.Best, chunkRows, CancellationToken.None)));
        Assert.True(Same(scalar, MiniBatchKMeans.Fit(data, d, settings, null, KMeansPath.Vector128, chunkRows, CancellationToken.None)));
        Assert.True(Same(scalar, MiniBatchKMeans.Fit(data, d, settings)));
    }

    internal static bool Same(KMeansResult a, KMeansResult b) =>
        a.Inertia.Equals(b.Inertia)
        && a.Labels.SequenceEqual(b.Labels)
        && a.Centroids.ToArray().SequenceEqual(b.Centroids.ToArray())
        && a.BestRestart == b.BestRestart
        && a.Iterations == b.Iterations;
}
