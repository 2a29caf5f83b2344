using CemCore.Segmentation.Clustering;

namespace CemCore.Tests.Segmentation.Clustering;

/// <summary>The example of docs/clustering.md, kept compiling and passing.</summary>
public sealed class ClusteringDocsExampleTests
{
    [Fact]
    public void DocsExample_ClustersCustomersAndNamesClusters()
    {
        // Rows: recency days, orders, spend — one row per customer, row-major.
        double[] data =
        [
            5, 12, 900,   8, 10, 750,   3, 15, 1200,     // frequent, recent, high spend
            200, 1, 40,   250, 1, 25,   180, 2, 60,      // lapsed one-timers
            30, 4, 200,   45, 3, 150,   25, 5, 260,      // occasional
        ];
        var result = KMeans.Fit(data, featureCount: 3, new KMeansSettings(clusterCount: 3, seed: 42));

        foreach (var profile in result.Profiles)
        {
            // StandardizedMeans: z-scores of the cluster means, e.g. [-0.9, 1.3, 1.4] → "recent, frequent, big spenders".
            var z = profile.StandardizedMeans;
            var name = z[1] > 0.5 ? "loyal" : z[0] > 0.5 ? "lapsed" : "occasional";
            Assert.Equal(3, profile.Size);
            Assert.NotNull(name);
        }

        int cluster = result.Predict([10.0, 9.0, 700.0]); // nearest centroid, no allocation
        Assert.Equal(result.Labels[0], cluster);
        Assert.Equal(3, result.ClusterSizes.ToArray().Distinct().Single());
    }
}
