using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using CemCore.Merging;

namespace CemCore.Experiments;

/// <summary>
/// Accumulates <see cref="MetricSummary"/> sufficient statistics per variant for one metric, so a batch job can aggregate
/// partitions in parallel (one accumulator per partition) and <see cref="Merge"/> them, or persist them as JSON.
/// </summary>
/// <remarks>
/// Mutable and <b>not</b> thread-safe: use one instance per thread/partition, then merge. Adding allocates nothing.
/// Values must be finite; <see cref="AddRange(int, ReadOnlySpan{double})"/> uses a single-pass <see cref="System.Numerics.Vector{T}"/>
/// kernel (each value read once; it beat two <c>TensorPrimitives</c> passes in ExperimentBenchmarks) and checks finiteness once per call from the sums.
/// <para>The sums are plain doubles (for speed), so a merged result can differ from the one-pass result in the last bits: each sum S of n
/// terms, in any order or merge tree, is within γ(n−1)·Σ|tᵢ| of the exact sum, γ(m) = m·u/(1 − m·u), u = 2⁻⁵³ (Higham 2002, §4.2);
/// counts are exact. See docs/scale-out.md.</para>
/// </remarks>
public sealed class MetricAccumulator : IMergeable<MetricAccumulator, IReadOnlyList<MetricSummary>>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.experiments.metric";

    private readonly long[] _count;
    private readonly double[] _sum;
    private readonly double[] _sumSq;
    private readonly double[] _xSum;
    private readonly double[] _xSumSq;
    private readonly double[] _xy;

    /// <summary>Creates an empty accumulator.</summary>
    /// <param name="variantCount">Number of variants (1..1024).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="variantCount"/> is out of range.</exception>
    public MetricAccumulator(int variantCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(variantCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(variantCount, MaxVariants);
        _count = new long[variantCount];
        _sum = new double[variantCount];
        _sumSq = new double[variantCount];
        _xSum = new double[variantCount];
        _xSumSq = new double[variantCount];
        _xy = new double[variantCount];
    }

    /// <summary>The largest supported number of variants (1024).</summary>
    public const int MaxVariants = 1024;

    /// <summary>Gets the number of variants.</summary>
    public int VariantCount => _count.Length;

    /// <summary>Adds one binary outcome (converted or not).</summary>
    /// <param name="variant">Variant index.</param>
    /// <param name="converted">Whether the unit converted.</param>
    public void AddConversion(int variant, bool converted)
    {
        CheckVariant(variant);
        var v = converted ? 1.0 : 0.0;
        _count[variant]++;
        _sum[variant] += v;
        _sumSq[variant] += v;
    }

    /// <summary>Adds one value y (no covariate).</summary>
    /// <param name="variant">Variant index.</param>
    /// <param name="value">The value (finite).</param>
    public void Add(int variant, double value)
    {
        CheckVariant(variant);
        CheckFinite(value, nameof(value));
        _count[variant]++;
        _sum[variant] += value;
        _sumSq[variant] += value * value;
    }

    /// <summary>Adds one value y with its covariate x (pre-period value for CUPED, or denominator for a ratio metric).</summary>
    /// <param name="variant">Variant index.</param>
    /// <param name="value">y (finite).</param>
    /// <param name="covariate">x (finite).</param>
    public void Add(int variant, double value, double covariate)
    {
        CheckVariant(variant);
        CheckFinite(value, nameof(value));
        CheckFinite(covariate, nameof(covariate));
        _count[variant]++;
        _sum[variant] += value;
        _sumSq[variant] += value * value;
        _xSum[variant] += covariate;
        _xSumSq[variant] += covariate * covariate;
        _xy[variant] += value * covariate;
    }

    /// <summary>Adds a block of values of one variant (single-pass SIMD sums).</summary>
    /// <param name="variant">Variant index.</param>
    /// <param name="values">The values (finite).</param>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public void AddRange(int variant, ReadOnlySpan<double> values)
    {
        CheckVariant(variant);
        if (values.IsEmpty)
        {
            return;
        }

        var (s, s2) = SumKernels.SumAndSquares(values);
        if (!double.IsFinite(s2) || !double.IsFinite(s))
        {
            ThrowNotFinite(nameof(values));
        }

        _count[variant] += values.Length;
        _sum[variant] += s;
        _sumSq[variant] += s2;
    }

    /// <summary>Adds a block of (y, x) pairs of one variant.</summary>
    /// <param name="variant">Variant index.</param>
    /// <param name="values">y values.</param>
    /// <param name="covariates">x values (same length).</param>
    /// <exception cref="ArgumentException">Length mismatch or a NaN/infinite value.</exception>
    public void AddRange(int variant, ReadOnlySpan<double> values, ReadOnlySpan<double> covariates)
    {
        CheckVariant(variant);
        if (covariates.Length != values.Length)
        {
            throw new ArgumentException($"covariates must have {values.Length} elements (one per value) but has {covariates.Length}.", nameof(covariates));
        }

        if (values.IsEmpty)
        {
            return;
        }

        var (s, s2, x, x2, xy) = SumKernels.AllSums(values, covariates);
        if (!double.IsFinite(s2) || !double.IsFinite(x2) || !double.IsFinite(xy) || !double.IsFinite(s) || !double.IsFinite(x))
        {
            ThrowNotFinite(nameof(values));
        }

        _count[variant] += values.Length;
        _sum[variant] += s;
        _sumSq[variant] += s2;
        _xSum[variant] += x;
        _xSumSq[variant] += x2;
        _xy[variant] += xy;
    }

    /// <summary>Adds values whose variants are given per unit (scatter; scalar loop).</summary>
    /// <param name="variants">Variant index per unit.</param>
    /// <param name="values">Value per unit (same length).</param>
    /// <exception cref="ArgumentException">Length mismatch, a bad variant index, or a NaN/infinite value.</exception>
    public void AddRange(ReadOnlySpan<int> variants, ReadOnlySpan<double> values)
    {
        if (variants.Length != values.Length)
        {
            throw new ArgumentException($"values must have {variants.Length} elements (one per variant index) but has {values.Length}.", nameof(values));
        }

        var count = _count;
        var sum = _sum;
        var sumSq = _sumSq;
        for (var i = 0; i < variants.Length; i++)
        {
            var k = variants[i];
            if ((uint)k >= (uint)count.Length)
            {
                ThrowVariant(k, count.Length);
            }

            var v = values[i];
            count[k]++;
            sum[k] += v;
            sumSq[k] += v * v;
        }

        for (var k = 0; k < sumSq.Length; k++)
        {
            if (!double.IsFinite(sumSq[k]))
            {
                ThrowNotFinite(nameof(values));
            }
        }
    }

    /// <summary>Adds another accumulator's sums into this one (partition merge).</summary>
    /// <param name="other">An accumulator with the same number of variants.</param>
    /// <exception cref="ArgumentException">Variant counts differ.</exception>
    public void Merge(MetricAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.VariantCount != VariantCount)
        {
            throw new ArgumentException($"other has {other.VariantCount} variants but this accumulator has {VariantCount}.", nameof(other));
        }

        for (var k = 0; k < _count.Length; k++)
        {
            _count[k] = checked(_count[k] + other._count[k]);
            _sum[k] += other._sum[k];
            _sumSq[k] += other._sumSq[k];
            _xSum[k] += other._xSum[k];
            _xSumSq[k] += other._xSumSq[k];
            _xy[k] += other._xy[k];
        }
    }

    /// <inheritdoc/>
    /// <remarks>Version 1; settings text <c>variants=N</c>. Payload: variant count (int32); per variant the count (int64) and the sums
    /// Σy, Σy², Σx, Σx², Σxy (doubles).</remarks>
    public PartialFormat Format => new(KindId, 1, PartialFormat.FingerprintOf("variants=" + VariantCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <inheritdoc/>
    public MetricAccumulator MergeWith(MetricAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public IReadOnlyList<MetricSummary> Finish() => GetSummaries();

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(VariantCount);
        for (var k = 0; k < VariantCount; k++)
        {
            w.Write(_count[k]);
            w.Write(_sum[k]);
            w.Write(_sumSq[k]);
            w.Write(_xSum[k]);
            w.Write(_xSumSq[k]);
            w.Write(_xy[k]);
        }
    }

    /// <inheritdoc/>
    public static MetricAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var n = r.ReadInt32();
        if (n is < 1 or > MaxVariants)
        {
            throw new InvalidDataException($"The metric partial is corrupt: {n} variants.");
        }

        var acc = new MetricAccumulator(n);
        for (var k = 0; k < n; k++)
        {
            acc._count[k] = r.ReadNonNegative("count");
            acc._sum[k] = r.ReadFinite("a sum");
            acc._sumSq[k] = r.ReadFinite("a sum");
            acc._xSum[k] = r.ReadFinite("a sum");
            acc._xSumSq[k] = r.ReadFinite("a sum");
            acc._xy[k] = r.ReadFinite("a sum");
        }

        return acc;
    });

    /// <summary>Gets the summary of one variant.</summary>
    /// <param name="variant">Variant index.</param>
    /// <returns>The summary.</returns>
    public MetricSummary GetSummary(int variant)
    {
        CheckVariant(variant);
        return new MetricSummary(_count[variant], _sum[variant], _sumSq[variant], _xSum[variant], _xSumSq[variant], _xy[variant]);
    }

    /// <summary>Gets the summaries of all variants.</summary>
    /// <returns>One summary per variant.</returns>
    public IReadOnlyList<MetricSummary> GetSummaries()
    {
        var result = new MetricSummary[VariantCount];
        for (var k = 0; k < result.Length; k++)
        {
            result[k] = GetSummary(k);
        }

        return result;
    }

    /// <summary>
    /// Serializes the sums as JSON: <c>{"variants":[{"count":n,"sum":…,"sumOfSquares":…,"covariateSum":…,"covariateSumOfSquares":…,"crossSum":…},…]}</c>.
    /// Doubles are written in their shortest round-trippable form, so <see cref="FromJson"/> restores them bit for bit.
    /// </summary>
    /// <returns>The JSON text.</returns>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("variants");
            for (var k = 0; k < VariantCount; k++)
            {
                w.WriteStartObject();
                w.WriteNumber("count", _count[k]);
                w.WriteNumber("sum", _sum[k]);
                w.WriteNumber("sumOfSquares", _sumSq[k]);
                w.WriteNumber("covariateSum", _xSum[k]);
                w.WriteNumber("covariateSumOfSquares", _xSumSq[k]);
                w.WriteNumber("crossSum", _xy[k]);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Restores an accumulator written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The accumulator.</returns>
    /// <exception cref="ArgumentException">The JSON is malformed or a field is missing or invalid.</exception>
    public static MetricAccumulator FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = Primitives.JsonText.Parse(json);
            var variants = doc.RootElement.GetProperty("variants");
            var result = new MetricAccumulator(variants.GetArrayLength());
            var k = 0;
            foreach (var v in variants.EnumerateArray())
            {
                var count = v.GetProperty("count").GetInt64();
                if (count < 0)
                {
                    throw new ArgumentException($"variants[{k}].count must be ≥ 0 but was {count}.", nameof(json));
                }

                result._count[k] = count;
                result._sum[k] = Finite(v, "sum", k, json);
                result._sumSq[k] = Finite(v, "sumOfSquares", k, json);
                result._xSum[k] = Finite(v, "covariateSum", k, json);
                result._xSumSq[k] = Finite(v, "covariateSumOfSquares", k, json);
                result._xy[k] = Finite(v, "crossSum", k, json);
                k++;
            }

            return result;
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("json is not valid accumulator JSON: " + ex.Message, nameof(json), ex);
        }
        catch (KeyNotFoundException ex)
        {
            throw new ArgumentException("json is missing a field: " + ex.Message, nameof(json), ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new ArgumentException("json has a field of the wrong type: " + ex.Message, nameof(json), ex);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("json has a number out of range: " + ex.Message, nameof(json), ex);
        }
    }

    private static double Finite(JsonElement e, string name, int k, string json)
    {
        var d = e.GetProperty(name).GetDouble();
        return double.IsFinite(d) ? d : throw new ArgumentException($"variants[{k}].{name} must be finite.", nameof(json));
    }

    private void CheckVariant(int variant)
    {
        if ((uint)variant >= (uint)_count.Length)
        {
            ThrowVariant(variant, _count.Length);
        }
    }

    private static void CheckFinite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            ThrowNotFinite(name);
        }
    }

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowVariant(int variant, int count) =>
        throw new ArgumentOutOfRangeException(nameof(variant), variant, $"variant must be in [0, {count - 1}] but was {variant}.");

    [DoesNotReturn, StackTraceHidden]
    private static void ThrowNotFinite(string name) =>
        throw new ArgumentException($"{name} contains a NaN or infinite value (or the sums overflowed).", name);
}
