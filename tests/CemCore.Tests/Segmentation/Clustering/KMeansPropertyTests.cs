using CemCore.Segmentation.Clustering;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CemCore.Tests.Segmentation.Clustering;

/// <summary>Invariants of k-means on random data (oracle: brute-force recomputation from the returned centroids and labels).</summary>
public sealed class KMeansPropertyTests
{
    private static double[] RandomData(int seed, int rows, int features)
    {
        var random = new Random(seed);
        var data = new double[rows * features];
        for (var i = 0; i < data.Length; i++)
        {
            // Three loose blobs plus noise, with per-feature scales from 0.01 to 100.
            var blob = (i / features) % 3;
            data[i] = ((blob * 3.0) + random.NextDouble()) * Math.Pow(10, (i % features) - 2);
        }

        return data;
    }

    private static double WeightedDistance(ReadOnlySpan<double> x, ReadOnlySpan<double> c, FeatureStandardizer s, bool standardized)
    {
        var sum = 0.0;
        for (var f = 0; f < x.Length; f++)
        {
            var sd = s.PopulationStandardDeviations[f];
            if (sd == 0.0)
            {
                continue;
            }

            var t = standardized ? (x[f] - c[f]) / sd : x[f] - c[f];
            sum += t * t;
        }

        return sum;
    }

    [Property(MaxTest = 60)]
    public bool Fit_LabelsAreNearestCentroids_InertiaMatchesBruteForce_SizesPartitionRows(PositiveInt seedArg, bool standardize)
    {
        var seed = seedArg.Get;
        var features = 1 + (seed % 4);
        var rows = 5 + (seed % 60);
        var k = 1 + (seed % Math.Min(rows, 6));
        var data = RandomData(seed, rows, features);
        var result = KMeans.Fit(data, features, new KMeansSettings(k, restartCount: 2, standardize: standardize, seed: seed));

        var inertia = 0.0;
        var sizes = new int[k];
        for (var i = 0; i < rows; i++)
        {
            var x = data.AsSpan(i * features, features);
            var label = result.Labels[i];
            sizes[label]++;
            var own = WeightedDistance(x, result.GetCentroid(label), result.Standardizer, standardize);
            inertia += own;
            for (var j = 0; j < k; j++)
            {
                if (WeightedDistance(x, result.GetCentroid(j), result.Standardizer, standardize) < own - (1e-9 * (1 + own)))
                {
                    return false;
                }
            }
        }

        return Math.Abs(inertia - result.Inertia) <= 1e-8 * (1 + inertia)
            && sizes.SequenceEqual(result.ClusterSizes.ToArray())
            && sizes.Sum() == rows;
    }

    [Property(MaxTest = 40)]
    public bool Fit_ZeroTolerance_ConvergedCentroidsAreMemberMeans(PositiveInt seedArg)
    {
        var seed = seedArg.Get;
        var data = RandomData(seed, 40, 3);
        var result = KMeans.Fit(data, 3, new KMeansSettings(3, restartCount: 1, tolerance: 0, seed: seed));
        if (!result.Converged)
        {
            return true;
        }

        foreach (var p in result.Profiles.Where(p => p.Size > 0))
        {
            for (var f = 0; f < 3; f++)
            {
                if (Math.Abs(p.Means[f] - result.GetCentroid(p.Cluster)[f]) > 1e-9 * (1 + Math.Abs(p.Means[f])))
                {
                    return false;
                }
            }
        }

        return true;
    }

    [Property(MaxTest = 40)]
    public bool Fit_Standardized_InvariantToFeatureScaleAndShift(PositiveInt seedArg)
    {
        // z-scores do not change under x' = a·x + b (a > 0), so neither do labels and inertia.
        var seed = seedArg.Get;
        var data = RandomData(seed, 30, 2);
        var scaled = data.Select((v, i) => i % 2 == 0 ? (v * 1000.0) + 7.0 : v).ToArray();
        var a = KMeans.Fit(data, 2, new KMeansSettings(3, restartCount: 3, seed: seed));
        var b = KMeans.Fit(scaled, 2, new KMeansSettings(3, restartCount: 3, seed: seed));
        return Math.Abs(a.Inertia - b.Inertia) <= 1e-7 * (1 + a.Inertia) && a.Labels.SequenceEqual(b.Labels);
    }

    [Property(MaxTest = 100)]
    public bool Standardizer_RoundTrips_AndHasZeroMeanUnitSd(PositiveInt seedArg)
    {
        var seed = seedArg.Get;
        var data = RandomData(seed, 3 + (seed % 20), 3);
        var s = FeatureStandardizer.Fit(data, 3);
        var z = new double[data.Length];
        s.Transform(data, z);
        var back = new double[data.Length];
        s.InverseTransform(z, back);
        var zs = FeatureStandardizer.Fit(z, 3);
        for (var i = 0; i < data.Length; i++)
        {
            if (Math.Abs(back[i] - data[i]) > 1e-9 * (1 + Math.Abs(data[i])))
            {
                return false;
            }
        }

        for (var f = 0; f < 3; f++)
        {
            if (Math.Abs(zs.Means[f]) > 1e-9 || Math.Abs(zs.PopulationStandardDeviations[f] - 1.0) > 1e-9)
            {
                return false;
            }
        }

        return true;
    }
}
