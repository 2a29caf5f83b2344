using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace CemCore.Segmentation.Clustering;

/// <summary>
/// Per-feature z-score standardization <c>z = (x − mean) / sd</c> of a row-major feature block, with the population standard deviation
/// (divisor n, as scikit-learn's <c>StandardScaler</c>).
/// </summary>
/// <remarks>
/// <para>A feature is <em>constant</em> when every row holds exactly the same value. Its standard deviation is 0 and it is mapped to 0
/// by <see cref="Transform"/> (it carries no information for clustering); <see cref="InverseTransform"/> maps it back to the mean.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class FeatureStandardizer
{
    private readonly double[] _means;
    private readonly double[] _sd;

    private FeatureStandardizer(double[] means, double[] sd)
    {
        _means = means;
        _sd = sd;
        var constant = 0;
        foreach (var s in sd)
        {
            if (s == 0.0)
            {
                constant++;
            }
        }

        ConstantFeatureCount = constant;
    }

    /// <summary>Gets the number of features per row.</summary>
    public int FeatureCount => _means.Length;

    /// <summary>Gets the mean of each feature.</summary>
    public IReadOnlyList<double> Means => Array.AsReadOnly(_means);

    /// <summary>Gets the population standard deviation (divisor n) of each feature; exactly 0 for constant features.</summary>
    public IReadOnlyList<double> PopulationStandardDeviations => Array.AsReadOnly(_sd);

    /// <summary>Gets the number of constant features.</summary>
    public int ConstantFeatureCount { get; }

    /// <summary>Returns whether a feature is constant (every row holds the same value).</summary>
    /// <param name="feature">The feature index in [0, <see cref="FeatureCount"/>).</param>
    /// <returns><see langword="true"/> when the feature is constant.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="feature"/> is out of range.</exception>
    public bool IsConstant(int feature)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(feature);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(feature, FeatureCount);
        return _sd[feature] == 0.0;
    }

    /// <summary>Computes the means and population standard deviations of a row-major block (two passes, for accuracy).</summary>
    /// <param name="data">Row-major values: row <c>i</c> is <c>data[(i × featureCount)..((i + 1) × featureCount)]</c>.</param>
    /// <param name="featureCount">Features per row (at least 1).</param>
    /// <returns>The standardizer.</returns>
    /// <exception cref="ArgumentException"><paramref name="data"/> is empty, its length is not a multiple of <paramref name="featureCount"/>,
    /// or it holds NaN or an infinity (the message names the row and feature).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="featureCount"/> is less than 1.</exception>
    public static FeatureStandardizer Fit(ReadOnlySpan<double> data, int featureCount)
    {
        var rows = ClusteringChecks.Rows(data, featureCount);
        ClusteringChecks.Finite(data, featureCount);
        var means = new double[featureCount];
        var sd = new double[featureCount];
        ComputeMoments(data, featureCount, rows, means, sd);
        return new FeatureStandardizer(means, sd);
    }

    /// <summary>Standardizes rows: <c>destination = (source − mean) / sd</c>, with 0 for constant features.</summary>
    /// <param name="source">Row-major values with <see cref="FeatureCount"/> features per row.</param>
    /// <param name="destination">Receives the standardized values; same length as <paramref name="source"/> (may be the same memory).</param>
    /// <exception cref="ArgumentException">The lengths differ or are not a multiple of <see cref="FeatureCount"/>.</exception>
    public void Transform(ReadOnlySpan<double> source, Span<double> destination)
    {
        CheckPair(source, destination);
        var d = FeatureCount;
        for (var i = 0; i < source.Length; i++)
        {
            var f = i % d;
            destination[i] = _sd[f] == 0.0 ? 0.0 : (source[i] - _means[f]) / _sd[f];
        }
    }

    /// <summary>Maps standardized rows back to original units: <c>destination = mean + z × sd</c> (the mean for constant features).</summary>
    /// <param name="source">Standardized row-major values.</param>
    /// <param name="destination">Receives original-unit values; same length as <paramref name="source"/> (may be the same memory).</param>
    /// <exception cref="ArgumentException">The lengths differ or are not a multiple of <see cref="FeatureCount"/>.</exception>
    public void InverseTransform(ReadOnlySpan<double> source, Span<double> destination)
    {
        CheckPair(source, destination);
        var d = FeatureCount;
        for (var i = 0; i < source.Length; i++)
        {
            var f = i % d;
            destination[i] = _means[f] + (source[i] * _sd[f]);
        }
    }

    internal static FeatureStandardizer FromMoments(double[] means, double[] sd) => new(means, sd);

    internal static void ComputeMoments(ReadOnlySpan<double> data, int d, int rows, Span<double> means, Span<double> sd)
    {
        means.Clear();
        for (var i = 0; i < rows; i++)
        {
            var row = data.Slice(i * d, d);
            for (var f = 0; f < d; f++)
            {
                means[f] += row[f];
            }
        }

        for (var f = 0; f < d; f++)
        {
            means[f] /= rows;
        }

        sd.Clear();
        Span<bool> varies = d <= 256 ? stackalloc bool[d] : new bool[d];
        varies.Clear();
        for (var i = 0; i < rows; i++)
        {
            var row = data.Slice(i * d, d);
            for (var f = 0; f < d; f++)
            {
                var dev = row[f] - means[f];
                sd[f] += dev * dev;
                if (row[f] != data[f])
                {
                    varies[f] = true;
                }
            }
        }

        for (var f = 0; f < d; f++)
        {
            if (varies[f])
            {
                sd[f] = Math.Sqrt(sd[f] / rows);
            }
            else
            {
                // Exactly constant: the two-pass mean may differ from the value in the last bit; pin both.
                sd[f] = 0.0;
                means[f] = data[f];
            }
        }
    }

    private void CheckPair(ReadOnlySpan<double> source, Span<double> destination)
    {
        if (source.Length != destination.Length)
        {
            ThrowLength(source.Length, destination.Length);
        }

        if (source.Length % FeatureCount != 0)
        {
            ClusteringChecks.ThrowNotMultiple(source.Length, FeatureCount, nameof(source));
        }
    }

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowLength(int source, int destination) =>
        throw new ArgumentException($"The destination holds {destination} values but the source holds {source}; they must be equal.", nameof(destination));
}
