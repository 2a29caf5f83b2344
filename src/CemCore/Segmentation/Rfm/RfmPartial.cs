using System.Globalization;
using System.Text;
using CemCore.Merging;

namespace CemCore.Segmentation.Rfm;

/// <summary>
/// A mergeable, exact partial result for partitioned RFM runs: the sorted (value, customer id) runs of one partition's customers
/// with purchases, per measure.
/// </summary>
/// <remarks>
/// <para>Protocol: each partition calls <see cref="Create(RfmValues, RfmSettings)"/>; the partials are combined with <see cref="Merge"/> (any grouping and order);
/// <see cref="ToCutPoints"/> then yields the cut-points of the whole population, and <see cref="RfmScorer.ScorePartition"/>
/// scores each partition. The scores equal those of one pass over all customers, exactly (no sketch, no error bound): rank-quantile
/// bins need the global rank of the boundary customers, which the merged sorted runs give.</para>
/// <para>Memory: 3 × 16 bytes per customer with purchases (a double and an id reference per measure; the id strings are shared with the
/// input), about 48 MB per million customers, plus O(n) time to merge two partials. Ids must be unique across partitions.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class RfmPartial : IMergeable<RfmPartial, RfmCutPoints>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.segmentation.rfm";

    private readonly Entry[] _recency;
    private readonly Entry[] _frequency;
    private readonly Entry[] _monetary;
    private readonly RfmSettings _settings;

    private RfmPartial(Entry[] recency, Entry[] frequency, Entry[] monetary, RfmSettings settings)
    {
        _recency = recency;
        _frequency = frequency;
        _monetary = monetary;
        _settings = settings;
        Format = new PartialFormat(KindId, 1, PartialFormat.FingerprintOf(SettingsText(settings)));
    }

    /// <inheritdoc/>
    /// <remarks>Version 1; settings text <c>bins=B;binning=RankQuantile</c> or <c>bins=B;binning=Thresholds;r=…;f=…;m=…</c> (the segment map
    /// is not part of the partial). Payload: bins (int32), binning (int32), a thresholds flag (byte) and, when set, B − 1 recency and frequency
    /// cut-points (doubles) and B − 1 monetary cut-points (decimals); the purchaser count n (int32); then for recency, frequency and monetary in
    /// turn n entries (value as double, customer id as string) in ascending (value, id) order.</remarks>
    public PartialFormat Format { get; }

    /// <summary>Gets the number of customers with purchases in this partial.</summary>
    public int PurchaserCount => _recency.Length;

    /// <summary>Creates the partial of one partition.</summary>
    /// <param name="partition">The partition's values.</param>
    /// <returns>The partial.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="partition"/> is <see langword="null"/>.</exception>
    public static RfmPartial Create(RfmValues partition) => Create(partition, RfmSettings.Default);

    /// <summary>Creates the partial of one partition for the given settings (their bins, binning and thresholds; see <see cref="Finish"/>).</summary>
    /// <param name="partition">The partition's values.</param>
    /// <param name="settings">The settings.</param>
    /// <returns>The partial.</returns>
    /// <exception cref="ArgumentNullException">An argument is <see langword="null"/>.</exception>
    public static RfmPartial Create(RfmValues partition, RfmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(partition);
        ArgumentNullException.ThrowIfNull(settings);
        var n = 0;
        foreach (var f in partition.Frequency)
        {
            if (f > 0)
            {
                n++;
            }
        }

        var r = new Entry[n];
        var fr = new Entry[n];
        var m = new Entry[n];
        var j = 0;
        for (var i = 0; i < partition.Count; i++)
        {
            if (partition.Frequency[i] > 0)
            {
                var id = partition.Ids[i];
                r[j] = new Entry(partition.Recency[i], id);
                fr[j] = new Entry(partition.FrequencyAsDouble[i], id);
                m[j] = new Entry(partition.MonetaryAsDouble[i], id);
                j++;
            }
        }

        Array.Sort(r);
        Array.Sort(fr);
        Array.Sort(m);
        return new RfmPartial(r, fr, m, settings);
    }

    /// <summary>Merges partials (associative and commutative).</summary>
    /// <param name="partials">The partials.</param>
    /// <returns>The merged partial.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="partials"/> or an element is <see langword="null"/>.</exception>
    /// <exception cref="PartialMismatchException">The partials were created with different settings.</exception>
    public static RfmPartial Merge(IEnumerable<RfmPartial> partials)
    {
        ArgumentNullException.ThrowIfNull(partials);
        var list = partials.ToList();
        if (list.Count == 0)
        {
            return new RfmPartial([], [], [], RfmSettings.Default);
        }

        foreach (var p in list)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(partials));
            list[0].Format.EnsureMergeable(p.Format);
        }

        while (list.Count > 1)
        {
            var next = new List<RfmPartial>((list.Count + 1) / 2);
            for (var i = 0; i + 1 < list.Count; i += 2)
            {
                var a = list[i];
                var b = list[i + 1];
                next.Add(new RfmPartial(MergeRuns(a._recency, b._recency), MergeRuns(a._frequency, b._frequency), MergeRuns(a._monetary, b._monetary), a._settings));
            }

            if (list.Count % 2 == 1)
            {
                next.Add(list[^1]);
            }

            list = next;
        }

        return list[0];
    }

    /// <inheritdoc/>
    public RfmPartial MergeWith(RfmPartial other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Merge([this, other]);
    }

    /// <summary>Derives the population's cut-points under the settings the partials were created with.</summary>
    /// <returns>The cut-points.</returns>
    public RfmCutPoints Finish() => ToCutPoints(_settings);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(_settings.Bins);
        w.Write((int)_settings.Binning);
        var t = _settings.Thresholds;
        w.Write(t is not null);
        if (t is not null)
        {
            foreach (var v in t.RecencyDays)
            {
                w.Write(v);
            }

            foreach (var v in t.Frequency)
            {
                w.Write(v);
            }

            foreach (var v in t.Monetary)
            {
                w.WriteDecimal(v);
            }
        }

        w.Write(PurchaserCount);
        foreach (var run in (Entry[][])[_recency, _frequency, _monetary])
        {
            foreach (var e in run)
            {
                w.Write(e.Value);
                w.Write(e.Id);
            }
        }
    }

    /// <inheritdoc/>
    public static RfmPartial ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var bins = r.ReadInt32();
        var binning = (RfmBinning)r.ReadInt32();
        RfmThresholds? thresholds = null;
        if (r.ReadBoolean())
        {
            if (bins is < RfmSettings.MinBins or > RfmSettings.MaxBins)
            {
                throw new InvalidDataException($"The RFM partial is corrupt: {bins} bins.");
            }

            var rec = new double[bins - 1];
            var fr = new double[bins - 1];
            var mon = new decimal[bins - 1];
            for (var i = 0; i < rec.Length; i++)
            {
                rec[i] = r.ReadDouble();
            }

            for (var i = 0; i < fr.Length; i++)
            {
                fr[i] = r.ReadDouble();
            }

            for (var i = 0; i < mon.Length; i++)
            {
                mon[i] = r.ReadDecimal();
            }

            thresholds = new RfmThresholds(rec, fr, mon);
        }

        var settings = new RfmSettings(bins, binning, thresholds);
        var n = r.ReadCount("purchaser");
        var runs = new Entry[3][];
        for (var k = 0; k < 3; k++)
        {
            var run = new Entry[n];
            for (var i = 0; i < n; i++)
            {
                var value = r.ReadFinite("an RFM value");
                run[i] = new Entry(value, Primitives.Check.NotBlank(r.ReadString(), "customerId"));
                if (i > 0 && run[i - 1].CompareTo(run[i]) > 0)
                {
                    throw new InvalidDataException("The RFM partial is corrupt: the entries are not sorted.");
                }
            }

            runs[k] = run;
        }

        return new RfmPartial(runs[0], runs[1], runs[2], settings);
    });

    private static string SettingsText(RfmSettings settings)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"bins={settings.Bins};binning={settings.Binning}");
        if (settings.Thresholds is { } t)
        {
            sb.Append(";r=").AppendJoin(',', t.RecencyDays.Select(static v => v.ToString("R", CultureInfo.InvariantCulture)));
            sb.Append(";f=").AppendJoin(',', t.Frequency.Select(static v => v.ToString("R", CultureInfo.InvariantCulture)));
            sb.Append(";m=").AppendJoin(',', t.Monetary.Select(static v => v.ToString(CultureInfo.InvariantCulture)));
        }

        return sb.ToString();
    }

    /// <summary>Derives the population's cut-points.</summary>
    /// <param name="settings">Settings; <see langword="null"/> for <see cref="RfmSettings.Default"/>.</param>
    /// <returns>The cut-points.</returns>
    public RfmCutPoints ToCutPoints(RfmSettings? settings = null)
    {
        settings ??= RfmSettings.Default;
        var q = settings.Bins;
        if (settings.Binning == RfmBinning.Thresholds)
        {
            var t = settings.Thresholds!;
            return new RfmCutPoints(
                q,
                settings.Binning,
                PurchaserCount,
                [.. t.RecencyDays.Select(static v => new RfmCutPoint(v, null))],
                [.. t.Frequency.Select(static v => new RfmCutPoint(v, null))],
                [.. t.Monetary.Select(static v => new RfmCutPoint((double)v, null))]);
        }

        if (PurchaserCount == 0)
        {
            return new RfmCutPoints(q, settings.Binning, 0, [], [], []);
        }

        Span<int> upper = stackalloc int[q];
        RankQuantile.UpperRanks(PurchaserCount, q, upper);
        return new RfmCutPoints(q, settings.Binning, PurchaserCount, Cuts(_recency, upper), Cuts(_frequency, upper), Cuts(_monetary, upper));
    }

    private static RfmCutPoint[] Cuts(Entry[] sorted, ReadOnlySpan<int> upper)
    {
        var cuts = new RfmCutPoint[upper.Length - 1];
        for (var b = 0; b < cuts.Length; b++)
        {
            var e = sorted[upper[b] - 1];
            cuts[b] = new RfmCutPoint(e.Value, e.Id);
        }

        return cuts;
    }

    private static Entry[] MergeRuns(Entry[] a, Entry[] b)
    {
        var result = new Entry[a.Length + b.Length];
        int i = 0, j = 0, k = 0;
        while (i < a.Length && j < b.Length)
        {
            result[k++] = a[i].CompareTo(b[j]) <= 0 ? a[i++] : b[j++];
        }

        while (i < a.Length)
        {
            result[k++] = a[i++];
        }

        while (j < b.Length)
        {
            result[k++] = b[j++];
        }

        return result;
    }

    private readonly record struct Entry(double Value, string Id) : IComparable<Entry>
    {
        public int CompareTo(Entry other)
        {
            var c = Value.CompareTo(other.Value);
            return c != 0 ? c : CustomerIdOrder.Compare(Id, other.Id);
        }
    }
}
