using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace CemCore.Segmentation.Clustering;

/// <summary>The profile of one cluster: its size and the mean of every feature over its members, so that clusters can be named.</summary>
/// <remarks>Compare <see cref="StandardizedMeans"/> across clusters to name them ("frequency +1.8 SD, recency −0.9 SD → loyal regulars").
/// The lists compare by reference.</remarks>
/// <param name="Cluster">The cluster index in [0, k).</param>
/// <param name="Size">Number of rows assigned.</param>
/// <param name="Share">Size / number of rows, in [0, 1].</param>
/// <param name="Means">Mean of each feature over the members, in original units (NaN for an empty cluster).</param>
/// <param name="StandardizedMeans">The same means as z-scores of the whole data set: (mean − data mean) / data population SD; 0 for constant features.</param>
public sealed record ClusterProfile(int Cluster, int Size, double Share, IReadOnlyList<double> Means, IReadOnlyList<double> StandardizedMeans);

/// <summary>The outcome of <see cref="KMeans"/> or <see cref="MiniBatchKMeans"/>.</summary>
/// <remarks>
/// <para><see cref="Inertia"/> is the sum over rows of the squared Euclidean distance to the assigned centroid, measured in the space that was
/// clustered: z-scores when <see cref="IsStandardized"/>, original units otherwise (scikit-learn's <c>inertia_</c>). Cluster indices carry no
/// order; use <see cref="Profiles"/> to name them.</para>
/// <para>Immutable and thread-safe; <see cref="Predict(ReadOnlySpan{double})"/> allocates nothing.</para>
/// </remarks>
public sealed class KMeansResult
{
    private readonly int[] _labels;
    private readonly double[] _centroids;
    private readonly double[] _standardizedCentroids;
    private readonly int[] _sizes;
    private readonly double[] _weights;

    internal KMeansResult(
        ReadOnlySpan<double> data,
        FeatureStandardizer standardizer,
        bool standardized,
        double[] weights,
        double[] centroids,
        int[] labels,
        double inertia,
        int iterations,
        bool converged,
        int bestRestart)
    {
        var d = standardizer.FeatureCount;
        var k = centroids.Length / d;
        var n = labels.Length;
        Standardizer = standardizer;
        IsStandardized = standardized;
        _weights = weights;
        _centroids = centroids;
        _labels = labels;
        Inertia = inertia;
        Iterations = iterations;
        Converged = converged;
        BestRestart = bestRestart;
        ClusterCount = k;
        _standardizedCentroids = new double[centroids.Length];
        standardizer.Transform(centroids, _standardizedCentroids);

        _sizes = new int[k];
        var sums = new double[k * d];
        for (var i = 0; i < n; i++)
        {
            var j = labels[i];
            _sizes[j]++;
            var row = data.Slice(i * d, d);
            for (var f = 0; f < d; f++)
            {
                sums[(j * d) + f] += row[f];
            }
        }

        var profiles = new ClusterProfile[k];
        for (var j = 0; j < k; j++)
        {
            var means = new double[d];
            var z = new double[d];
            for (var f = 0; f < d; f++)
            {
                means[f] = _sizes[j] == 0 ? double.NaN : sums[(j * d) + f] / _sizes[j];
            }

            if (_sizes[j] > 0)
            {
                standardizer.Transform(means, z);
            }
            else
            {
                Array.Fill(z, double.NaN);
            }

            profiles[j] = new ClusterProfile(j, _sizes[j], (double)_sizes[j] / n, Array.AsReadOnly(means), Array.AsReadOnly(z));
        }

        Profiles = Array.AsReadOnly(profiles);
    }

    /// <summary>Gets k.</summary>
    public int ClusterCount { get; }

    /// <summary>Gets the number of features per row.</summary>
    public int FeatureCount => Standardizer.FeatureCount;

    /// <summary>Gets the number of rows clustered.</summary>
    public int RowCount => _labels.Length;

    /// <summary>Gets the inertia (sum of squared distances to the assigned centroid, in the clustered space).</summary>
    public double Inertia { get; }

    /// <summary>Gets the Lloyd iterations (or mini-batch steps) of the winning restart.</summary>
    public int Iterations { get; }

    /// <summary>Gets whether the winning run met a stopping rule before its limit: for Lloyd, unchanged labels or a centroid shift within the
    /// tolerance; for mini-batch, a step whose shift was within a positive tolerance.</summary>
    public bool Converged { get; }

    /// <summary>Gets the zero-based index of the winning restart.</summary>
    public int BestRestart { get; }

    /// <summary>Gets whether features were standardized before clustering.</summary>
    public bool IsStandardized { get; }

    /// <summary>Gets the moments of the data (always computed; used for <see cref="StandardizedCentroids"/> and profiles).</summary>
    public FeatureStandardizer Standardizer { get; }

    /// <summary>Gets each row's cluster index in [0, <see cref="ClusterCount"/>).</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>Gets the centroids in original units, row-major (<see cref="ClusterCount"/> × <see cref="FeatureCount"/>).</summary>
    public ReadOnlySpan<double> Centroids => _centroids;

    /// <summary>Gets the centroids as z-scores of the data, row-major (0 for constant features).</summary>
    public ReadOnlySpan<double> StandardizedCentroids => _standardizedCentroids;

    /// <summary>Gets the number of rows in each cluster (a cluster is empty only when the data has fewer distinct rows than k).</summary>
    public ReadOnlySpan<int> ClusterSizes => _sizes;

    /// <summary>Gets the cluster profiles, indexed by cluster.</summary>
    public IReadOnlyList<ClusterProfile> Profiles { get; }

    /// <summary>Returns one centroid in original units.</summary>
    /// <param name="cluster">The cluster index.</param>
    /// <returns>The centroid's <see cref="FeatureCount"/> coordinates.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cluster"/> is out of range.</exception>
    public ReadOnlySpan<double> GetCentroid(int cluster)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cluster);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(cluster, ClusterCount);
        return _centroids.AsSpan(cluster * FeatureCount, FeatureCount);
    }

    /// <summary>Returns the nearest centroid of one row in original units (the same metric as the fit). Allocates nothing.</summary>
    /// <param name="row">The row's <see cref="FeatureCount"/> values.</param>
    /// <returns>The cluster index (ties: the lowest index).</returns>
    /// <exception cref="ArgumentException">The row has the wrong length or holds NaN or an infinity.</exception>
    public int Predict(ReadOnlySpan<double> row)
    {
        if (row.Length != FeatureCount)
        {
            ThrowRowLength(row.Length, FeatureCount, nameof(row));
        }

        for (var f = 0; f < row.Length; f++)
        {
            if (!double.IsFinite(row[f]))
            {
                ClusteringChecks.ThrowNotFinite(0, f, row[f], nameof(row));
            }
        }

        return KMeansKernel.Nearest(row, _centroids, ClusterCount, _weights, out _);
    }

    /// <summary>Assigns many rows to their nearest centroid. Allocates nothing.</summary>
    /// <param name="data">Row-major rows with <see cref="FeatureCount"/> values each.</param>
    /// <param name="labels">Receives one cluster index per row.</param>
    /// <returns>The inertia of <paramref name="data"/> against the centroids.</returns>
    /// <exception cref="ArgumentException">The layout is wrong, <paramref name="labels"/> is too short, or a value is not finite.</exception>
    public double Predict(ReadOnlySpan<double> data, Span<int> labels)
    {
        var n = ClusteringChecks.Rows(data, FeatureCount);
        if (labels.Length < n)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The labels span holds {labels.Length} entries but the data has {n} rows."), nameof(labels));
        }

        ClusteringChecks.Finite(data, FeatureCount);
        return KMeansKernel.Assign(data, n, _weights, _centroids, ClusterCount, labels);
    }

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowRowLength(int length, int featureCount, string paramName) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The row holds {length} values but the model has {featureCount} features."), paramName);
}
