using CemCore.Merging;
using CemCore.Segmentation.Clustering;
using FsCheck;
using FsCheck.Xunit;

namespace CemCore.Tests.Segmentation.Clustering;

/// <summary>
/// <see cref="KMeans.Fit(ReadOnlySpan{double}, int, KMeansSettings, Random?, CancellationToken)"/> with <see cref="KMeansSettings.Partitions"/>
/// &gt; 1 runs every Lloyd step as partition → accumulate (<see cref="KMeansStepPartial"/>) → merge → finalize. Any partition count gives
/// the same fit bit for bit (exact sums, global relocation candidates); against the in-memory kernel (plain double sums) the labels are the
/// same and centroids and inertia agree to 1e-12 relative (docs/segmentation.md); scikit-learn's iris inertia is reproduced.
/// </summary>
public sealed class KMeansPartitionedFitTests
{
    [Property(MaxTest = 40)]
    public bool AnyPartitionCount_SameFitBitForBit(PositiveInt seedArg, byte rowsArg, byte featuresArg, byte kArg, bool standardize)
    {
        // Clustered data with ties (rounded noise), so equal distances and emptied clusters occur.
        var seed = seedArg.Get;
        var random = new Random(seed);
        var d = 1 + (featuresArg % 7);
        var n = 3 + (rowsArg * 7 % 301);
        var k = 1 + (kArg % Math.Min(12, n));
        var data = new double[n * d];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (random.Next(4) * 10.0) + Math.Round(random.NextDouble() * 4.0, 1) + ((i % d) * 3.0);
        }

        var settings = new KMeansSettings(k, restartCount: 1 + (seed % 3), maxIterations: 50, standardize: standardize, seed: seed);
        var two = KMeans.Fit(data, d, settings with { Partitions = 2 });
        return Same(two, KMeans.Fit(data, d, settings with { Partitions = 3 }))
            && Same(two, KMeans.Fit(data, d, settings with { Partitions = 7 }))
            && Same(two, KMeans.Fit(data, d, settings with { Partitions = n })); // one row per partition
    }

    [Theory]
    [InlineData(1, 3, 4)]
    [InlineData(2, 5, 6)]
    [InlineData(3, 8, 3)]
    public void Partitioned_MatchesTheInMemoryKernel_WithinTolerance(int seed, int k, int d)
    {
        // Separated blobs with continuous noise (no exact ties): the only difference is the summation (exact vs plain double).
        var random = new Random(seed);
        var n = 5_003;
        var data = new double[n * d];
        for (var i = 0; i < n; i++)
        {
            var blob = random.Next(k);
            for (var f = 0; f < d; f++)
            {
                data[(i * d) + f] = (blob * 7.0 * (f + 1)) + (random.NextDouble() * 3.0);
            }
        }

        var settings = new KMeansSettings(k, restartCount: 4, seed: seed);
        var memory = KMeans.Fit(data, d, settings);
        var partitioned = KMeans.Fit(data, d, settings with { Partitions = 4 });
        Assert.Equal(memory.Labels.ToArray(), partitioned.Labels.ToArray());
        Assert.Equal(memory.Iterations, partitioned.Iterations);
        Assert.Equal(memory.BestRestart, partitioned.BestRestart);
        Assert.True(Math.Abs(memory.Inertia - partitioned.Inertia) <= 1e-12 * memory.Inertia, $"{memory.Inertia:R} vs {partitioned.Inertia:R}");
        for (var i = 0; i < memory.Centroids.Length; i++)
        {
            var (a, b) = (memory.Centroids[i], partitioned.Centroids[i]);
            Assert.True(Math.Abs(a - b) <= 1e-12 * Math.Max(1.0, Math.Abs(a)), $"centroid value {i}: {a:R} vs {b:R}");
        }
    }

    [Fact]
    public void Partitioned_Iris_ReproducesScikitLearnInertia()
    {
        // scikit-learn 1.2.1 KMeans(n_clusters=3, n_init=10, random_state=0, algorithm="lloyd") on raw iris: inertia 78.851441 (KMeansTests).
        var result = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3, standardize: false, seed: 1) { Partitions = 5 });
        Assert.Equal(78.851441, result.Inertia, 1e-6);
        Assert.Equal([38, 50, 62], result.ClusterSizes.ToArray().Order().ToArray());
    }

    [Fact]
    public void Partitions_OutOfRange_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(2) { Partitions = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(2) { Partitions = KMeansSettings.MaxPartitions + 1 });
    }

    [Fact]
    public void WeightedPartials_OfDifferentWeights_RefuseToMerge_AndRoundTripTheirWeights()
    {
        double[] centroids = [0.0, 0.0, 10.0, 10.0];
        var a = new KMeansStepPartial(centroids, 2, [1.0, 4.0]);
        var b = new KMeansStepPartial(centroids, 2, [1.0, 1.0]);
        Assert.Throws<PartialMismatchException>(() => a.MergeWith(b));
        Assert.Equal(2, a.Format.Version);
        Assert.Equal(1, b.Format.Version); // unweighted: still the version-1 form
        Assert.Equal(new KMeansStepPartial(centroids, 2).Format, b.Format);

        // Weighted distance: (1, 4) is 1·1 + 4·16 = 65 from (0, 0) and 1·81 + 4·36 = 225 from (10, 10); unweighted 17 vs 117: both cluster 0.
        // (6, 3): weighted 36 + 36 = 72 vs 16 + 196 = 212 → cluster 0; unweighted 45 vs 65 → cluster 0. (3, 8): weighted 9 + 256 = 265 vs
        // 49 + 16 = 65 → cluster 1.
        a.Add([1.0, 4.0, 6.0, 3.0, 3.0, 8.0]);
        using var stream = new MemoryStream();
        a.WriteTo(stream);
        stream.Position = 0;
        var read = KMeansStepPartial.ReadFrom(stream);
        Assert.Equal(a.Format, read.Format);
        var result = read.Finish();
        Assert.Equal([2L, 1L], result.ClusterSizes.ToArray());
        Assert.Equal(65.0 + 72.0 + 65.0, result.Inertia);
        Assert.Equal([3.5, 3.5, 3.0, 8.0], result.Centroids.ToArray());
    }

    private static bool Same(KMeansResult a, KMeansResult b) => KMeansKernelEquivalenceTests.Same(a, b);
}
