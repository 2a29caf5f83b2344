using CemCore.Segmentation.Clustering;
using CemCore.Tests.Shared;

namespace CemCore.Tests.Segmentation.Clustering;

public sealed class KMeansTests
{
    private static double[][] SortedCentroids(KMeansResult result)
    {
        var list = new List<double[]>();
        for (var j = 0; j < result.ClusterCount; j++)
        {
            list.Add(result.GetCentroid(j).ToArray());
        }

        return [.. list.OrderBy(c => c[0])];
    }

    private static double[][] SortedStandardizedCentroids(KMeansResult result)
    {
        var list = new List<double[]>();
        for (var j = 0; j < result.ClusterCount; j++)
        {
            list.Add(result.StandardizedCentroids.Slice(j * result.FeatureCount, result.FeatureCount).ToArray());
        }

        return [.. list.OrderBy(c => c[0])];
    }

    [Fact]
    public void Fit_IrisRawK3_ReproducesScikitLearnInertia78_851441()
    {
        // Reference: scikit-learn 1.2.1, KMeans(n_clusters=3, n_init=10, random_state=0, algorithm="lloyd").fit(load_iris().data):
        // inertia_ = 78.8514414261, sizes 50/62/38 (ReferenceData/Clustering/iris_kmeans_reference.csv, row "raw"; also the best of 200 seeds).
        var reference = IrisData.Reference("raw");
        var result = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3, standardize: false, seed: 1));

        Assert.Equal(78.851441, result.Inertia, 1e-6);
        Assert.Equal(reference.Inertia, result.Inertia, 1e-8);
        Assert.Equal(reference.Sizes, result.ClusterSizes.ToArray().Order().ToArray());
        Assert.Equal([38, 50, 62], result.ClusterSizes.ToArray().Order().ToArray());
        var centroids = SortedCentroids(result);
        for (var j = 0; j < 3; j++)
        {
            for (var f = 0; f < 4; f++)
            {
                Assert.Equal(reference.Centroids[j][f], centroids[j][f], 1e-9);
            }
        }

        Assert.True(result.Converged);
        Assert.False(result.IsStandardized);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(12345)]
    public void Fit_IrisRawK3_AnySeedFindsTheOptimum(int seed)
    {
        // Same reference as above: 10 k-means++ restarts reach the optimum from any seed on iris.
        var result = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3, standardize: false, seed: seed));
        Assert.Equal(IrisData.Reference("raw").Inertia, result.Inertia, 1e-8);
    }

    [Fact]
    public void Fit_IrisStandardizedK3_ReproducesScikitLearnStandardScalerRun()
    {
        // Reference: scikit-learn 1.2.1, KMeans(n_clusters=3, n_init=10, random_state=0, algorithm="lloyd")
        //   .fit(StandardScaler().fit_transform(load_iris().data)): inertia_ = 139.8204963597, sizes 47/50/53 (row "standardized").
        var reference = IrisData.Reference("standardized");
        var result = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3));

        Assert.True(result.IsStandardized);
        Assert.Equal(reference.Inertia, result.Inertia, 1e-7);
        Assert.Equal(reference.Sizes, result.ClusterSizes.ToArray().Order().ToArray());
        var centroids = SortedStandardizedCentroids(result);
        for (var j = 0; j < 3; j++)
        {
            for (var f = 0; f < 4; f++)
            {
                Assert.Equal(reference.Centroids[j][f], centroids[j][f], 1e-8);
            }
        }
    }

    [Fact]
    public void Profiles_Iris_MeansEqualCentroidsAndSizesAddUp()
    {
        var result = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3, standardize: false));
        Assert.Equal(150, result.Profiles.Sum(p => p.Size));
        Assert.Equal(1.0, result.Profiles.Sum(p => p.Share), 1e-12);
        foreach (var p in result.Profiles)
        {
            for (var f = 0; f < 4; f++)
            {
                Assert.Equal(result.GetCentroid(p.Cluster)[f], p.Means[f], 1e-12);
                Assert.Equal(result.StandardizedCentroids[(p.Cluster * 4) + f], p.StandardizedMeans[f], 1e-12);
            }
        }

        // The setosa cluster (50 rows) has the smallest petals: a strongly negative petal-length z-score.
        var setosa = result.Profiles.Single(p => p.Size == 50);
        Assert.True(setosa.StandardizedMeans[2] < -1.2);
    }

    [Fact]
    public void Fit_SameSeed_SameResult_DifferentRandomInstanceSameSeed_SameResult()
    {
        var a = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(4, restartCount: 2, seed: 5));
        var b = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(4, restartCount: 2), new Random(5));
        Assert.Equal(a.Inertia, b.Inertia);
        Assert.Equal(a.Labels.ToArray(), b.Labels.ToArray());
        Assert.Equal(a.Centroids.ToArray(), b.Centroids.ToArray());
    }

    [Fact]
    public void Predict_TrainingRows_ReturnsFittedLabels_AndAllocatesNothing()
    {
        var result = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3));
        var rows = IrisData.Rows;
        for (var i = 0; i < 150; i++)
        {
            Assert.Equal(result.Labels[i], result.Predict(rows.AsSpan(i * 4, 4)));
        }

        var labels = new int[150];
        var inertia = result.Predict(rows, labels);
        Assert.Equal(result.Inertia, inertia, 1e-9);
        Assert.Equal(result.Labels.ToArray(), labels);

        var sum = 0;
        for (var i = 0; i < 10; i++)
        {
            sum += result.Predict(rows.AsSpan(0, 4));
        }

        var (least, attempts) = AllocationProbe.Least(() =>
        {
            for (var i = 0; i < 100; i++)
            {
                sum += result.Predict(rows.AsSpan((i % 150) * 4, 4));
            }
        });

        Assert.True(least == 0, $"allocated in every attempt: {attempts} bytes");
        Assert.True(sum >= 0);
    }

    [Fact]
    public void Fit_KEqualsOne_CentroidIsTheMean_InertiaIsTotalSumOfSquares()
    {
        var result = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(1, standardize: false));
        var s = FeatureStandardizer.Fit(IrisData.Rows, 4);
        var tss = 0.0;
        for (var f = 0; f < 4; f++)
        {
            Assert.Equal(s.Means[f], result.GetCentroid(0)[f], 1e-12);
            tss += 150 * s.PopulationStandardDeviations[f] * s.PopulationStandardDeviations[f];
        }

        Assert.Equal(tss, result.Inertia, 1e-8);
    }

    [Fact]
    public void Fit_KEqualsN_InertiaIsZero()
    {
        double[] data = [0, 0, 1, 0, 5, 5, 9, 1];
        var result = KMeans.Fit(data, 2, new KMeansSettings(4, standardize: false));
        Assert.Equal(0.0, result.Inertia, 1e-12);
        Assert.Equal([1, 1, 1, 1], result.ClusterSizes.ToArray());
    }

    [Fact]
    public void Fit_ConstantFeature_IgnoredByDefault_RejectedOnRequest()
    {
        // Iris plus a constant fifth column: the same clustering as iris alone, and the constant is the centroid coordinate.
        var rows = IrisData.Rows;
        var data = new double[150 * 5];
        for (var i = 0; i < 150; i++)
        {
            rows.AsSpan(i * 4, 4).CopyTo(data.AsSpan(i * 5, 4));
            data[(i * 5) + 4] = 0.1;
        }

        var plain = KMeans.Fit(rows, 4, new KMeansSettings(3));
        var padded = KMeans.Fit(data, 5, new KMeansSettings(3));
        Assert.Equal(plain.Inertia, padded.Inertia, 1e-9);
        Assert.True(padded.Standardizer.IsConstant(4));
        Assert.Equal(1, padded.Standardizer.ConstantFeatureCount);
        for (var j = 0; j < 3; j++)
        {
            Assert.Equal(0.1, padded.GetCentroid(j)[4], 1e-15);
            Assert.Equal(0.0, padded.StandardizedCentroids[(j * 5) + 4]);
        }

        var ex = Assert.Throws<ArgumentException>(() => KMeans.Fit(data, 5, new KMeansSettings(3, constantFeatures: ConstantFeatureHandling.Reject)));
        Assert.Contains("Feature 4 is constant", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fit_AllFeaturesConstant_KAboveOne_Throws_KOne_Works()
    {
        double[] data = [2, 3, 2, 3, 2, 3];
        var ex = Assert.Throws<ArgumentException>(() => KMeans.Fit(data, 2, new KMeansSettings(2)));
        Assert.Contains("Every feature is constant", ex.Message, StringComparison.Ordinal);
        var one = KMeans.Fit(data, 2, new KMeansSettings(1));
        Assert.Equal(0.0, one.Inertia);
        Assert.Equal([2.0, 3.0], one.Centroids.ToArray());
    }

    [Fact]
    public void Fit_FewerDistinctRowsThanK_LeavesEmptyClusterWithoutLooping()
    {
        double[] data = [0, 0, 0, 10, 10, 10];
        var result = KMeans.Fit(data, 1, new KMeansSettings(3, standardize: false));
        Assert.Equal(0.0, result.Inertia, 1e-12);
        Assert.Equal(6, result.ClusterSizes.ToArray().Sum());
        Assert.Contains(0, result.ClusterSizes.ToArray());
    }

    [Fact]
    public void Fit_BadInput_ThrowsNamingTheProblem()
    {
        var ok = new KMeansSettings(2);
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(KMeansSettings.MaxClusterCount + 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(2, restartCount: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(2, maxIterations: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(2, tolerance: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(2, tolerance: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KMeansSettings(2, initializationTrials: 0));

        var empty = Assert.Throws<ArgumentException>(() => KMeans.Fit([], 2, ok));
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
        var layout = Assert.Throws<ArgumentException>(() => KMeans.Fit([1, 2, 3], 2, ok));
        Assert.Contains("not a multiple of the feature count 2", layout.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit([1, 2, 3], 0, ok));
        var nan = Assert.Throws<ArgumentException>(() => KMeans.Fit([1, 2, 3, double.NaN, 5, 6], 2, ok));
        Assert.Contains("Row 1, feature 1 is NaN", nan.Message, StringComparison.Ordinal);
        Assert.Equal("data", nan.ParamName);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => KMeans.Fit([1, 2, 3, 4], 2, new KMeansSettings(3)));
        Assert.Contains("[1, number of rows = 2]", tooMany.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => MiniBatchKMeans.Fit([1, 2, 3, 4], 2, new MiniBatchKMeansSettings(3)));

        var model = KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3));
        Assert.Throws<ArgumentException>(() => model.Predict([1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => model.Predict([1.0, 2.0, double.PositiveInfinity, 1.0]));
        Assert.Throws<ArgumentException>(() => model.Predict(IrisData.Rows, new int[3]));
    }

    [Fact]
    public void Fit_Cancelled_Throws()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => KMeans.Fit(IrisData.Rows, 4, new KMeansSettings(3), cancellationToken: cts.Token));
    }
}
