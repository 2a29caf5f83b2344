namespace CemCore.Segmentation.Clustering;

/// <summary>Shared preparation of a k-means fit: checks, moments, distance weights and the absolute tolerance.</summary>
internal readonly struct ClusteringSetup
{
    public ClusteringSetup(ReadOnlySpan<double> data, int featureCount, int clusterCount, bool standardize, ConstantFeatureHandling constant, double tolerance)
    {
        Rows = ClusteringChecks.Rows(data, featureCount);
        ClusteringChecks.Finite(data, featureCount);
        if (clusterCount > Rows)
        {
            ClusteringChecks.ThrowTooFewRows(clusterCount, Rows, "settings");
        }

        var means = new double[featureCount];
        var sd = new double[featureCount];
        FeatureStandardizer.ComputeMoments(data, featureCount, Rows, means, sd);
        Standardizer = FeatureStandardizer.FromMoments(means, sd);
        Weights = new double[featureCount];
        var varianceSum = 0.0;
        var constantCount = 0;
        for (var f = 0; f < featureCount; f++)
        {
            if (sd[f] == 0.0)
            {
                constantCount++;
                if (constant == ConstantFeatureHandling.Reject)
                {
                    ClusteringChecks.ThrowConstant(f, nameof(data));
                }

                Weights[f] = 0.0;
                continue;
            }

            Weights[f] = standardize ? 1.0 / (sd[f] * sd[f]) : 1.0;
            varianceSum += Weights[f] * sd[f] * sd[f];
        }

        if (constantCount == featureCount && clusterCount > 1)
        {
            ClusteringChecks.ThrowAllConstant(clusterCount, nameof(data));
        }

        // scikit-learn: tol * mean(var(X, axis=0)) in the clustered space.
        ToleranceAbsolute = tolerance * varianceSum / featureCount;
    }

    public int Rows { get; }

    public FeatureStandardizer Standardizer { get; }

    public double[] Weights { get; }

    public double ToleranceAbsolute { get; }
}
