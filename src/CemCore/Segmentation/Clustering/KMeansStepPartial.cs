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
/// <para>Assignment: squared Euclidean distance Σ w_f (x_f − c_f)² summed in feature order (weights 1 unless given; <see cref="KMeans.Fit(ReadOnlySpan{double}, int, KMeansSettings, Random?, CancellationToken)"/>
/// passes its standardization weights 1/sd²), ties to the lowest cluster index; rows must be finite.
/// The sums and the inertia are exact (correctly rounded when finished), so any partitioning and merge order give the one-pass centroids bit
/// for bit. The centroids are part of the settings fingerprint: partials of different steps refuse to merge.</para>
/// <para>Mutable and not thread-safe: one partial per partition, then merge.</para>
/// </remarks>
public sealed class KMeansStepPartial : IMergeable<KMeansStepPartial, KMeansStepResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.segmentation.kmeans-step";

    /// <summary>The latest version of the serialized form: 2, with the distance weights. An unweighted partial (every weight 1) is
    /// still written as version 1, and both versions are read.</summary>
    public const int FormatVersion = 2;

    private readonly double[] _centroids;
    private readonly double[] _weights;
    private readonly bool _weighted;
    private readonly ExactSum[] _sums;
    private readonly long[] _counts;
    private readonly ExactSum _inertia = new();
    private readonly List<FarRow> _far = [];
    private long _changed;

    /// <summary>Creates an empty partial for one step (unweighted distances).</summary>
    /// <param name="centroids">The current centroids, row-major (k × <paramref name="featureCount"/>), finite.</param>
    /// <param name="featureCount">Features per row (≥ 1).</param>
    /// <exception cref="ArgumentException">The centroid length is not a positive multiple of <paramref name="featureCount"/> or a value is not finite.</exception>
    public KMeansStepPartial(ReadOnlySpan<double> centroids, int featureCount)
        : this(centroids, featureCount, Ones(featureCount))
    {
    }

    /// <summary>Creates an empty partial for one step with per-feature distance weights (for example 1/sd² to cluster standardized rows
    /// in original units, as <see cref="KMeans.Fit(ReadOnlySpan{double}, int, KMeansSettings, Random?, CancellationToken)"/> does).</summary>
    /// <param name="centroids">The current centroids, row-major (k × <paramref name="featureCount"/>), finite.</param>
    /// <param name="featureCount">Features per row (≥ 1).</param>
    /// <param name="weights">One finite weight ≥ 0 per feature.</param>
    /// <exception cref="ArgumentException">A length does not match or a value is not finite (or a weight is negative).</exception>
    public KMeansStepPartial(ReadOnlySpan<double> centroids, int featureCount, ReadOnlySpan<double> weights)
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

        if (weights.Length != featureCount)
        {
            throw new ArgumentException($"weights must hold {featureCount} values but has {weights.Length}.", nameof(weights));
        }

        foreach (var w in weights)
        {
            if (!double.IsFinite(w) || w < 0)
            {
                throw new ArgumentException("weights contains a negative, NaN or infinite value.", nameof(weights));
            }
        }

        FeatureCount = featureCount;
        ClusterCount = centroids.Length / featureCount;
        _centroids = centroids.ToArray();
        _weights = weights.ToArray();
        _counts = new long[ClusterCount];
        _sums = new ExactSum[centroids.Length];
        for (var i = 0; i < _sums.Length; i++)
        {
            _sums[i] = new ExactSum();
        }

        _weighted = Array.Exists(_weights, x => x != 1.0);
        Format = new PartialFormat(KindId, _weighted ? FormatVersion : 1, PartialFormat.FingerprintOf(SettingsText(_centroids, _weighted ? _weights : null, featureCount)));
    }

    /// <summary>Gets the number of clusters k.</summary>
    public int ClusterCount { get; }

    /// <summary>Gets the number of features per row.</summary>
    public int FeatureCount { get; }

    /// <inheritdoc/>
    /// <remarks>Version 1 (unweighted): settings text <c>k=K;d=D;c=HEX…</c> (the IEEE bits of every centroid value); payload: k and d
    /// (int32), the centroids (k·d doubles), the cluster counts (k int64), the exact sums (k·d, each a count and its partials) and the
    /// exact inertia. Version 2 (weighted) appends <c>;w=HEX…</c> (the weights' bits) to the settings text and the d weights (doubles) after
    /// the centroids in the payload. The fit-internal relocation candidates and changed-label count are not serialized.</remarks>
    public PartialFormat Format { get; }

    /// <summary>Assigns rows to their nearest centroid and adds them.</summary>
    /// <param name="rows">Rows, row-major (n × <see cref="FeatureCount"/>), finite.</param>
    /// <exception cref="ArgumentException">The length is not a multiple of the feature count or a value is not finite.</exception>
    public void Add(ReadOnlySpan<double> rows) => AddCore(rows, 0, default, default);

    /// <summary>Adds rows that are <paramref name="labels"/>' rows <paramref name="firstRow"/>, …: records each row's nearest cluster and
    /// distance, counts the labels that changed, and keeps the rows farthest from their centroids (the candidates of
    /// <see cref="KMeans.Fit(ReadOnlySpan{double}, int, KMeansSettings, Random?, CancellationToken)"/>'s empty-cluster relocation).</summary>
    internal void AddAssigned(ReadOnlySpan<double> rows, long firstRow, Span<int> labels, Span<double> distances) =>
        AddCore(rows, firstRow, labels, distances);

    /// <summary>Gets the merged cluster counts (the fit's driver updates them when it relocates a row).</summary>
    internal long[] Counts => _counts;

    /// <summary>Gets the merged exact sums, cluster-major.</summary>
    internal ExactSum[] Sums => _sums;

    /// <summary>Gets the rows farthest from their centroids, by distance descending then row ascending (at most 2k).</summary>
    internal IReadOnlyList<FarRow> Farthest => _far;

    /// <summary>Gets the number of labels that changed.</summary>
    internal long Changed => _changed;

    /// <summary>Gets the exact inertia, correctly rounded.</summary>
    internal double InertiaValue => _inertia.Value;

    private void AddCore(ReadOnlySpan<double> rows, long firstRow, Span<int> labels, Span<double> distances)
    {
        var d = FeatureCount;
        var w = _weights;
        var track = !labels.IsEmpty;
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
                    distance += w[j] * diff * diff; // the order of KMeansKernel.Nearest, so the fit's distances are bit-identical
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
            if (track)
            {
                var local = start / d;
                if (labels[local] != best)
                {
                    _changed++;
                    labels[local] = best;
                }

                distances[local] = bestDistance;
                Offer(new FarRow(bestDistance, firstRow + local, best));
            }
        }
    }

    /// <summary>Keeps the 2k rows farthest from their centroids: a relocation picks at most k − 1 rows and skips at most one row per
    /// cluster (the last row of a cluster left with one), so 2k candidates always hold the rows the one-pass rule would pick.</summary>
    private void Offer(FarRow row)
    {
        var limit = 2 * ClusterCount;
        if (_far.Count == limit && !row.IsFartherThan(_far[^1]))
        {
            return;
        }

        var i = _far.Count;
        while (i > 0 && row.IsFartherThan(_far[i - 1]))
        {
            i--;
        }

        _far.Insert(i, row);
        if (_far.Count > limit)
        {
            _far.RemoveAt(_far.Count - 1);
        }
    }

    private static double[] Ones(int featureCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(featureCount, 1);
        var ones = new double[featureCount];
        Array.Fill(ones, 1.0);
        return ones;
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
        _changed = checked(_changed + other._changed);
        foreach (var row in other._far)
        {
            Offer(row);
        }

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

        if (_weighted)
        {
            foreach (var weight in _weights)
            {
                w.Write(weight);
            }
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
    public static KMeansStepPartial ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, FormatVersion, static (r, version) =>
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

        var weights = new double[d];
        for (var i = 0; i < d; i++)
        {
            weights[i] = version == 1 ? 1.0 : r.ReadFinite("a weight");
        }

        var p = new KMeansStepPartial(centroids, d, weights);
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

    private static string SettingsText(double[] centroids, double[]? weights, int d)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"k={centroids.Length / d};d={d};c=");
        foreach (var c in centroids)
        {
            sb.Append(BitConverter.DoubleToInt64Bits(c).ToString("x16", CultureInfo.InvariantCulture));
        }

        if (weights is not null)
        {
            sb.Append(";w=");
            foreach (var w in weights)
            {
                sb.Append(BitConverter.DoubleToInt64Bits(w).ToString("x16", CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}

/// <summary>A row far from its centroid: a candidate of the fit's empty-cluster relocation.</summary>
/// <param name="Distance">The weighted squared distance to its centroid.</param>
/// <param name="Row">The global row index.</param>
/// <param name="Label">The row's cluster.</param>
internal readonly record struct FarRow(double Distance, long Row, int Label)
{
    /// <summary>Farther, or as far with a lower row index (the first row a scan in row order would pick).</summary>
    public bool IsFartherThan(FarRow other) => Distance > other.Distance || (Distance == other.Distance && Row < other.Row);
}
