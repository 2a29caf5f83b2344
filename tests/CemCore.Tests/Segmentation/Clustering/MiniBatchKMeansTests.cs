using CemCore.Segmentation.Clustering;

namespace CemCore.Tests.Segmentation.Clustering;

public sealed class MiniBatchKMeansTests
{
    /// <summary>Five well-separated Gaussian blobs in 5 dimensions (seeded).</summary>
    internal static double[] Blobs(int rows, int seed)
    {
        var random = new Random(seed);
        var data = new double[rows * 5];
        for (var i = 0; i < rows; i++)
        {
            var blob = random.Next(5);
            for (var f = 0; f < 5; f++)
            {
                // Box-Muller normal noise with SD 1 around centres 10 apart.
                var u1 = 1.0 - random.NextDouble();
                var u2 = random.NextDouble();
                var noise = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                data[(i * 5) + f] = (f == blob ? 10.0 : 0.0) + noise;
            }
        }

        return data;
    }

    [Fact]
    public void Fit_Blobs_InertiaWithinTwoPercentOfLloyd()
    {
        var data = Blobs(20_000, 3);
        var lloyd = KMeans.Fit(data, 5, new KMeansSettings(5, restartCount: 3));
        var mini = MiniBatchKMeans.Fit(data, 5, new MiniBatchKMeansSettings(5, batchSize: 512, maxSteps: 200));
        Assert.InRange(mini.Inertia, lloyd.Inertia * 0.999, lloyd.Inertia * 1.02);
        Assert.Equal(20_000, mini.ClusterSizes.ToArray().Sum());
        Assert.Equal(200, mini.Iterations);
        Assert.False(mini.Converged);
    }

    [Fact]
    public void Fit_IrisRaw_WithinThreePercentOfTheOptimum()
    {
        // Optimum 78.8514414261: scikit-learn 1.2.1 KMeans(n_clusters=3, n_init=10, random_state=0) on load_iris().data.
        var mini = MiniBatchKMeans.Fit(IrisData.Rows, 4, new MiniBatchKMeansSettings(3, batchSize: 50, maxSteps: 300, standardize: false));
        Assert.InRange(mini.Inertia, 78.8514414261 - 1e-9, 78.8514414261 * 1.03);
    }

    [Fact]
    public void Fit_Tolerance_StopsEarly_SameSeedSameResult()
    {
        var data = Blobs(5_000, 4);
        var settings = new MiniBatchKMeansSettings(5, batchSize: 256, maxSteps: 10_000, tolerance: 1e-4, seed: 9);
        var a = MiniBatchKMeans.Fit(data, 5, settings);
        var b = MiniBatchKMeans.Fit(data, 5, settings, new Random(9));
        Assert.True(a.Converged);
        Assert.True(a.Iterations < 10_000);
        Assert.Equal(a.Labels.ToArray(), b.Labels.ToArray());
        Assert.Equal(a.Inertia, b.Inertia);
    }

    [Fact]
    public void Settings_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchKMeansSettings(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchKMeansSettings(2, batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchKMeansSettings(2, maxSteps: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchKMeansSettings(2, restartCount: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchKMeansSettings(2, initSampleSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MiniBatchKMeansSettings(2, tolerance: double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => MiniBatchKMeans.Fit([double.NaN, 1], 1, new MiniBatchKMeansSettings(1)));
    }
}
