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
/// input), about 48 MB per million customers. Ids must be unique across partitions.</para>
/// <para>Merging is lazy (issue #13): a merged partial keeps its inputs' sorted runs (no copy, O(number of runs)); <see cref="ToCutPoints"/>
/// selects the few boundary ranks straight from the runs (a k-way order-statistic search, O(k² log² n) comparisons for k runs, independent
/// of the number of customers), and only <see cref="WriteTo"/> walks the k-way merge of the runs. Beyond <c>MaxRuns</c> runs the runs are
/// merged into one (so the search stays cheap for many tiny partitions). The results are exactly those of a full merge.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class RfmPartial : IMergeable<RfmPartial, RfmCutPoints>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.segmentation.rfm";

    /// <summary>The most sorted runs a merged partial keeps before it merges them into one.</summary>
    private const int MaxRuns = 64;

    // Per measure, sorted runs (ascending (value, id)) whose union is the partial; the same number of runs, of the same lengths, per measure.
    private readonly Entry[][] _recency;
    private readonly Entry[][] _frequency;
    private readonly Entry[][] _monetary;
    private readonly RfmSettings _settings;

    private RfmPartial(Entry[] recency, Entry[] frequency, Entry[] monetary, RfmSettings settings)
        : this([recency], [frequency], [monetary], settings)
    {
    }

    private RfmPartial(Entry[][] recency, Entry[][] frequency, Entry[][] monetary, RfmSettings settings)
    {
        _recency = recency;
        _frequency = frequency;
        _monetary = monetary;
        _settings = settings;
        var n = 0;
        foreach (var run in recency)
        {
            n = checked(n + run.Length);
        }

        PurchaserCount = n;
        Format = new PartialFormat(KindId, 1, PartialFormat.FingerprintOf(SettingsText(settings)));
    }

    /// <inheritdoc/>
    /// <remarks>Version 1; settings text <c>bins=B;binning=RankQuantile</c> or <c>bins=B;binning=Thresholds;r=…;f=…;m=…</c> (the segment map
    /// is not part of the partial). Payload: bins (int32), binning (int32), a thresholds flag (byte) and, when set, B − 1 recency and frequency
    /// cut-points (doubles) and B − 1 monetary cut-points (decimals); the purchaser count n (int32); then for recency, frequency and monetary in
    /// turn n entries (value as double, customer id as string) in ascending (value, id) order.</remarks>
    public PartialFormat Format { get; }

    /// <summary>Gets the number of customers with purchases in this partial.</summary>
    public int PurchaserCount { get; }

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
                r[j] = new Entry(partition.RecencyAt(i), id);
                fr[j] = new Entry(partition.Frequency[i], id);
                m[j] = new Entry(partition.MonetaryAsDoubleAt(i), id);
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
            return new RfmPartial(Array.Empty<Entry[]>(), Array.Empty<Entry[]>(), Array.Empty<Entry[]>(), RfmSettings.Default);
        }

        foreach (var p in list)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(partials));
            list[0].Format.EnsureMergeable(p.Format);
        }

        if (list.Count == 1)
        {
            return list[0];
        }

        // Lazy: the runs of all inputs side by side (the arrays are immutable and shared, not copied).
        var runs = 0;
        foreach (var p in list)
        {
            runs += p._recency.Length;
        }

        Entry[][] Gather(Func<RfmPartial, Entry[][]> measure)
        {
            var all = new List<Entry[]>(runs);
            foreach (var p in list)
            {
                foreach (var run in measure(p))
                {
                    if (run.Length > 0)
                    {
                        all.Add(run);
                    }
                }
            }

            return all.Count > MaxRuns ? [MergeAll(all)] : [.. all];
        }

        return new RfmPartial(Gather(static p => p._recency), Gather(static p => p._frequency), Gather(static p => p._monetary), list[0]._settings);
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
        foreach (var runs in (Entry[][][])[_recency, _frequency, _monetary])
        {
            foreach (var e in runs.Length == 1 ? runs[0] : MergeAll(runs))
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

    private static RfmCutPoint[] Cuts(Entry[][] runs, ReadOnlySpan<int> upper)
    {
        var cuts = new RfmCutPoint[upper.Length - 1];
        for (var b = 0; b < cuts.Length; b++)
        {
            var e = runs.Length == 1 ? runs[0][upper[b] - 1] : Select(runs, upper[b]);
            cuts[b] = new RfmCutPoint(e.Value, e.Id);
        }

        return cuts;
    }

    /// <summary>The entry of 1-based rank <paramref name="rank"/> in the union of sorted runs (the element a full merge puts at
    /// <paramref name="rank"/> − 1), without merging: each step takes the middle of the widest remaining window as pivot, counts the
    /// entries below and up to it in every window (binary searches) and keeps the side holding the rank, so the widest window at least halves
    /// every k steps.</summary>
    private static Entry Select(Entry[][] runs, int rank)
    {
        var k = runs.Length;
        var lo = new int[k];
        var hi = new int[k];
        var below = new int[k];
        var upTo = new int[k];
        for (var r = 0; r < k; r++)
        {
            hi[r] = runs[r].Length;
        }

        while (true)
        {
            var widest = 0;
            for (var r = 1; r < k; r++)
            {
                if (hi[r] - lo[r] > hi[widest] - lo[widest])
                {
                    widest = r;
                }
            }

            var pivot = runs[widest][lo[widest] + ((hi[widest] - lo[widest]) / 2)];
            var less = 0;
            var lessOrEqual = 0;
            for (var r = 0; r < k; r++)
            {
                below[r] = LowerBound(runs[r], lo[r], hi[r], pivot, strict: true);
                upTo[r] = LowerBound(runs[r], below[r], hi[r], pivot, strict: false);
                less += below[r] - lo[r];
                lessOrEqual += upTo[r] - lo[r];
            }

            if (rank <= less)
            {
                Array.Copy(below, hi, k);
            }
            else if (rank <= lessOrEqual)
            {
                return pivot;
            }
            else
            {
                rank -= lessOrEqual;
                Array.Copy(upTo, lo, k);
            }
        }
    }

    /// <summary>The first index in [<paramref name="from"/>, <paramref name="to"/>) whose entry is not below (<paramref name="strict"/>)
    /// or is above (otherwise) <paramref name="pivot"/>.</summary>
    private static int LowerBound(Entry[] run, int from, int to, Entry pivot, bool strict)
    {
        while (from < to)
        {
            var mid = from + ((to - from) / 2);
            var c = run[mid].CompareTo(pivot);
            if (c < 0 || (!strict && c == 0))
            {
                from = mid + 1;
            }
            else
            {
                to = mid;
            }
        }

        return from;
    }

    /// <summary>The full merge of sorted runs (pairwise, balanced).</summary>
    private static Entry[] MergeAll(IReadOnlyList<Entry[]> runs)
    {
        if (runs.Count == 0)
        {
            return [];
        }

        var list = runs.ToList();
        while (list.Count > 1)
        {
            var next = new List<Entry[]>((list.Count + 1) / 2);
            for (var i = 0; i + 1 < list.Count; i += 2)
            {
                next.Add(MergeRuns(list[i], list[i + 1]));
            }

            if (list.Count % 2 == 1)
            {
                next.Add(list[^1]);
            }

            list = next;
        }

        return list[0];
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
