using System.Globalization;
using System.Text;
using CemCore.Merging;

namespace CemCore.Segmentation.Clustering;

/// <summary>The result of one distributed Lloyd step.</summary>
/// <remarks>Immutable.</remarks>
public sealed class KMeansStepResult
{
    private readonly double[] _centroids;
    private readonly long[] _sizes;

    internal KMeansStepResult(double[] centroids, long[] sizes, int featureCount, double inertia)
    {
        _centroids = centroids;
        _sizes = sizes;
        FeatureCount = featureCount;
        Inertia = inertia;
    }

    /// <summary>Gets the number of features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>Gets the updated centroids, row-major (cluster × feature): the mean of each cluster's rows; an empty cluster keeps its centroid.</summary>
    public ReadOnlySpan<double> Centroids => _centroids;

    /// <summary>Gets the number of rows assigned to each cluster.</summary>
    public ReadOnlySpan<long> ClusterSizes => _sizes;

    /// <summary>Gets the sum of squared distances of the rows to the centroids they were assigned to (before the update).</summary>
    public double Inertia { get; }
}

/// <summary>
/// The mergeable partial of one Lloyd (k-means) step over partitioned rows: given the current centroids, each row goes to its nearest
/// centroid, and the partial keeps per cluster the row count and the exact per-feature sums; <see cref="Finish"/> divides them into the
/// updated centroids. A driver repeats create → add partitions → merge → finish until the centroids stop moving.
/// </summary>
/// <remarks>
/// <para>Assignment: squared Euclidean distance Σ(x − c)² summed in feature order, ties to the lowest cluster index; rows must be finite.
/// The sums and the inertia are exact (correctly rounded when finished), so any partitioning and merge order give the one-pass centroids bit
/// for bit. The centroids are part of the settings fingerprint: partials of different steps refuse to merge.</para>
/// <para>Mutable and not thread-safe: one partial per partition, then merge.</para>
/// </remarks>
public sealed class KMeansStepPartial : IMergeable<KMeansStepPartial, KMeansStepResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.segmentation.kmeans-step";

    private readonly double[] _centroids;
    private readonly ExactSum[] _sums;
    private readonly long[] _counts;
    private readonly ExactSum _inertia = new();

    /// <summary>Creates an empty partial for one step.</summary>
    /// <param name="centroids">The current centroids, row-major (k × <paramref name="featureCount"/>), finite.</param>
    /// <param name="featureCount">Features per row (≥ 1).</param>
    /// <exception cref="ArgumentException">The centroid length is not a positive multiple of <paramref name="featureCount"/> or a value is not finite.</exception>
    public KMeansStepPartial(ReadOnlySpan<double> centroids, int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        if (centroids.IsEmpty || centroids.Length % featureCount != 0)
        {
            throw new ArgumentException($"centroids must hold k × {featureCount} values (k ≥ 1) but has {centroids.Length}.", nameof(centroids));
        }

        foreach (var c in centroids)
        {
            if (!double.IsFinite(c))
            {
                throw new ArgumentException("centroids contains a NaN or infinite value.", nameof(centroids));
            }
        }

        FeatureCount = featureCount;
        ClusterCount = centroids.Length / featureCount;
        _centroids = centroids.ToArray();
        _counts = new long[ClusterCount];
        _sums = new ExactSum[centroids.Length];
        for (var i = 0; i < _sums.Length; i++)
        {
            _sums[i] = new ExactSum();
        }

        Format = new PartialFormat(KindId, 1, PartialFormat.FingerprintOf(SettingsText(_centroids, featureCount)));
    }

    /// <summary>Gets the number of clusters k.</summary>
    public int ClusterCount { get; }

    /// <summary>Gets the number of features per row.</summary>
    public int FeatureCount { get; }

    /// <inheritdoc/>
    /// <remarks>Version 1; settings text <c>k=K;d=D;c=HEX…</c> (the IEEE bits of every centroid value). Payload: k and d (int32), the
    /// centroids (k·d doubles), the cluster counts (k int64), the exact sums (k·d, each a count and its partials) and the exact inertia.</remarks>
    public PartialFormat Format { get; }

    /// <summary>Assigns rows to their nearest centroid and adds them.</summary>
    /// <param name="rows">Rows, row-major (n × <see cref="FeatureCount"/>), finite.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of the feature count or a value is not finite.</exception>
    public void Add(ReadOnlySpan<double> rows)
    {
        var d = FeatureCount;
        if (rows.Length % d != 0)
        {
            throw new ArgumentException($"rows must hold n × {d} values but has {rows.Length}.", nameof(rows));
        }

        for (var start = 0; start < rows.Length; start += d)
        {
            var row = rows.Slice(start, d);
            var best = 0;
            var bestDistance = double.PositiveInfinity;
            for (var k = 0; k < ClusterCount; k++)
            {
                var c = _centroids.AsSpan(k * d, d);
                var distance = 0.0;
                for (var j = 0; j < d; j++)
                {
                    var diff = row[j] - c[j];
                    distance += diff * diff;
                }

                if (distance < bestDistance)
                {
                    (best, bestDistance) = (k, distance);
                }
            }

            if (!double.IsFinite(bestDistance))
            {
                throw new ArgumentException($"rows contains a NaN or infinite value (row {start / d}).", nameof(rows));
            }

            _counts[best]++;
            for (var j = 0; j < d; j++)
            {
                _sums[(best * d) + j].Add(row[j]);
            }

            _inertia.Add(bestDistance);
        }
    }

    /// <inheritdoc/>
    public KMeansStepPartial MergeWith(KMeansStepPartial other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Format.EnsureMergeable(other.Format);
        for (var k = 0; k < _counts.Length; k++)
        {
            _counts[k] = checked(_counts[k] + other._counts[k]);
        }

        for (var i = 0; i < _sums.Length; i++)
        {
            _sums[i].Add(other._sums[i]);
        }

        _inertia.Add(other._inertia);
        return this;
    }

    /// <inheritdoc/>
    public KMeansStepResult Finish()
    {
        var d = FeatureCount;
        var centroids = new double[_centroids.Length];
        for (var k = 0; k < ClusterCount; k++)
        {
            for (var j = 0; j < d; j++)
            {
                var i = (k * d) + j;
                centroids[i] = _counts[k] == 0 ? _centroids[i] : _sums[i].Value / _counts[k];
            }
        }

        return new KMeansStepResult(centroids, (long[])_counts.Clone(), d, _inertia.Value);
    }

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(ClusterCount);
        w.Write(FeatureCount);
        foreach (var c in _centroids)
        {
            w.Write(c);
        }

        foreach (var n in _counts)
        {
            w.Write(n);
        }

        foreach (var s in _sums)
        {
            s.Write(w);
        }

        _inertia.Write(w);
    }

    /// <inheritdoc/>
    public static KMeansStepPartial ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var k = r.ReadInt32();
        var d = r.ReadInt32();
        if (k < 1 || d < 1 || (long)k * d > 1 << 24)
        {
            throw new InvalidDataException($"The k-means partial is corrupt: k = {k}, d = {d}.");
        }

        var centroids = new double[k * d];
        for (var i = 0; i < centroids.Length; i++)
        {
            centroids[i] = r.ReadFinite("a centroid value");
        }

        var p = new KMeansStepPartial(centroids, d);
        for (var i = 0; i < k; i++)
        {
            p._counts[i] = r.ReadNonNegative("cluster count");
        }

        foreach (var s in p._sums)
        {
            s.Add(ExactSum.Read(r));
        }

        p._inertia.Add(ExactSum.Read(r));
        return p;
    });

    private static string SettingsText(double[] centroids, int d)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"k={centroids.Length / d};d={d};c=");
        foreach (var c in centroids)
        {
            sb.Append(BitConverter.DoubleToInt64Bits(c).ToString("x16", CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }
}
