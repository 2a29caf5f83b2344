using System.Buffers;

namespace CemCore.Segmentation.Rfm;

/// <summary>
/// Computes RFM scores and segments for a population of customers.
/// </summary>
/// <remarks>
/// <para><b>Rank quantiles</b> (default): per measure, customers with purchases are ranked by value with ties broken by customer id
/// (lower id, lower rank; integer-like ids numerically, see <see cref="RfmCutPoint"/>) — pandas <c>s.rank(method="first")</c> on a frame sorted by id — and ranks 1..n are cut into
/// equal-count bins exactly like <c>pd.qcut(rank, bins)</c> (see ReferenceData/Rfm). Recency is ranked on days ascending and reversed:
/// <c>R = bins + 1 − bin</c>, i.e. <c>pd.qcut(recency_days.rank(method="first"), bins, labels=[bins..1])</c>.
/// When no ids are given, the input position breaks ties (pass customers sorted by id to get the same convention).</para>
/// <para>Cost: O(n) expected per measure to find the boundary values (a counting pass for small whole numbers such as days and counts,
/// a multi-quickselect otherwise), plus one O(n) radix sort of the purchasers into customer-id order per call (skipped when they already
/// are in id order), shared by the three measures: tied customers are collected in that order. Scratch memory comes from
/// <see cref="ArrayPool{T}"/>.</para>
/// <para>Outcomes rather than errors: customers with frequency 0 are prospects (no scores); when every customer ties, the id order alone
/// fills the bins; with fewer customers than bins some bins stay empty (as in pandas); a single customer gets the lowest bin of each
/// measure (R = bins, F = M = 1) where pandas raises "Bin edges must be unique".</para>
/// <para>Thread-safe: the scorer holds no state.</para>
/// </remarks>
public static class RfmScorer
{
    private const int SmallIntLimit = 1 << 16;

    /// <summary>Scores every customer of <paramref name="values"/> with <see cref="RfmSettings.Default"/>.</summary>
    /// <param name="values">The RFM values.</param>
    /// <returns>The scores, segments and cut-points.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is <see langword="null"/>.</exception>
    public static RfmResult Score(RfmValues values) => Score(values, (RfmSettings?)null);

    /// <summary>Scores every customer of <paramref name="values"/>.</summary>
    /// <param name="values">The RFM values.</param>
    /// <param name="settings">Settings; <see langword="null"/> for <see cref="RfmSettings.Default"/>.</param>
    /// <returns>The scores, segments and cut-points.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="values"/> is <see langword="null"/>.</exception>
    public static RfmResult Score(RfmValues values, RfmSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(values);
        settings ??= RfmSettings.Default;
        var scores = new RfmScore[values.Count];

        // The measures as doubles for the rankings: the frequencies, and the recencies and monetary values of an aggregation (kept as whole
        // days and cents), in pooled buffers. Issue 17: kept in the values, each per-customer double array was new memory, page-faulted in,
        // on every aggregation (8 MB at 1M customers).
        var n = values.Count;
        var frequency = ArrayPool<double>.Shared.Rent(Math.Max(n, 1));
        // Values that keep 32-bit cents keep whole days too (an aggregation); all other values keep their monetary doubles.
        var integers = values.KeepsCents32;
        var recency = integers ? null : values.RecencyArray;
        var rentedRecency = recency is null ? ArrayPool<double>.Shared.Rent(Math.Max(n, 1)) : null;
        var monetary = values.MonetaryAsDoubleArray;
        var rentedMonetary = monetary is null ? ArrayPool<double>.Shared.Rent(Math.Max(n, 1)) : null;
        try
        {
            if (!integers)
            {
                // Values given as doubles, or totals too large for 32-bit cents: convert the ints kept; ScoreCore checks the doubles.
                var counts = values.Frequency;
                for (var i = 0; i < n; i++)
                {
                    frequency[i] = counts[i];
                }

                if (rentedRecency is not null)
                {
                    values.CopyRecency(rentedRecency);
                }
            }

            recency ??= rentedRecency!;
            monetary ??= rentedMonetary!;

            // With every measure kept as ints, ScoreCore writes the doubles and collects the purchasers in one pass (nothing to check).
            var cuts = ScoreCore(recency.AsSpan(0, n), frequency.AsSpan(0, n), monetary.AsSpan(0, n), values.Ids, settings, scores, recency, frequency, monetary, integers ? values : null);
            return new RfmResult(values, settings, cuts, scores);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(frequency);
            if (rentedRecency is not null)
            {
                ArrayPool<double>.Shared.Return(rentedRecency);
            }

            if (rentedMonetary is not null)
            {
                ArrayPool<double>.Shared.Return(rentedMonetary);
            }
        }
    }

    /// <summary>Scores the customers of one partition against cut-points computed for the whole population (see <see cref="RfmPartial"/>).</summary>
    /// <param name="values">The partition's values.</param>
    /// <param name="cutPoints">The population's cut-points.</param>
    /// <param name="settings">Settings (for the segment map); <see langword="null"/> for <see cref="RfmSettings.Default"/>. Its bin count must match.</param>
    /// <returns>The partition's scores and segments.</returns>
    /// <exception cref="ArgumentException">The bin counts differ.</exception>
    public static RfmResult ScorePartition(RfmValues values, RfmCutPoints cutPoints, RfmSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(cutPoints);
        settings ??= RfmSettings.Default;
        if (settings.Bins != cutPoints.Bins)
        {
            throw new ArgumentException($"The cut-points have {cutPoints.Bins} bins but the settings {settings.Bins}.", nameof(cutPoints));
        }

        var scores = new RfmScore[values.Count];
        for (var i = 0; i < scores.Length; i++)
        {
            scores[i] = cutPoints.Score(values.RecencyAt(i), values.Frequency[i], values.MonetaryAsDoubleAt(i), values.Ids[i]);
        }

        return new RfmResult(values, settings, cutPoints, scores);
    }

    /// <summary>
    /// Scores customers given as parallel spans (the batch hot path). Prospects (frequency 0) get the default score.
    /// </summary>
    /// <param name="recencyDays">Days since the last purchase, finite and ≥ 0 for customers with purchases (ignored for prospects).</param>
    /// <param name="frequency">Purchases, finite and ≥ 0; 0 marks a prospect.</param>
    /// <param name="monetary">Monetary values, finite.</param>
    /// <param name="customerIds">Ids (their order breaks ties: integer-like ids numerically and first, others ordinally), or <see langword="null"/> to break ties by position.</param>
    /// <param name="settings">The settings.</param>
    /// <param name="destination">Receives one score per customer.</param>
    /// <returns>The cut-points of this population.</returns>
    /// <exception cref="ArgumentException">Lengths differ, or a value is NaN, infinite or negative; the message names the measure and position.</exception>
    public static RfmCutPoints Score(
        ReadOnlySpan<double> recencyDays,
        ReadOnlySpan<double> frequency,
        ReadOnlySpan<double> monetary,
        IReadOnlyList<string>? customerIds,
        RfmSettings settings,
        Span<RfmScore> destination)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var n = frequency.Length;
        if (recencyDays.Length != n || monetary.Length != n || destination.Length != n || (customerIds is not null && customerIds.Count != n))
        {
            throw new ArgumentException(
                $"Expected {n} entries everywhere but got recency {recencyDays.Length}, monetary {monetary.Length}, destination {destination.Length}, ids {customerIds?.Count ?? n}.",
                nameof(destination));
        }

        var ids = customerIds is null ? null : customerIds as string[] ?? [.. customerIds];
        return ScoreCore(recencyDays, frequency, monetary, ids, settings, destination, null, null, null);
    }

    /// <summary>The batch path; the optional arrays hold the same values as the spans (the parallel rankings use them instead of copies).
    /// With <paramref name="integers"/> (values whose measures are all kept as ints) the spans are buffers that are written here from
    /// it, in the pass that collects the purchasers.</summary>
    private static RfmCutPoints ScoreCore(
        ReadOnlySpan<double> recencyDays,
        ReadOnlySpan<double> frequency,
        ReadOnlySpan<double> monetary,
        string[]? ids,
        RfmSettings settings,
        Span<RfmScore> destination,
        double[]? recencyArray,
        double[]? frequencyArray,
        double[]? monetaryArray,
        RfmValues? integers = null)
    {
        var n = frequency.Length;
        var q = settings.Bins;
        var rentedIdx = ArrayPool<int>.Shared.Rent(Math.Max(n, 1));
        var rentedBins = ArrayPool<byte>.Shared.Rent(Math.Max(3 * n, 1));
        try
        {
            var purchasers = rentedIdx.AsSpan(0, n);
            var count = integers is not null
                ? integers.WriteDoubles(recencyArray.AsSpan(0, n), frequencyArray.AsSpan(0, n), monetaryArray.AsSpan(0, n), purchasers)
                : CheckAndCollectPurchasers(recencyDays, frequency, monetary, purchasers);
            purchasers = purchasers[..count];
            var rb = rentedBins.AsSpan(0, n);
            var fb = rentedBins.AsSpan(n, n);
            var mb = rentedBins.AsSpan(2 * n, n);
            RfmCutPoint[] rc, fc, mc;
            if (settings.Binning == RfmBinning.RankQuantile)
            {
                // The purchasers in customer-id order, computed once for the three rankings (ties are collected in this order).
                int[]? rentedOrder = null;
                try
                {
                    ReadOnlySpan<int> idOrder = purchasers;
                    if (ids is not null && count > 1)
                    {
                        rentedOrder = ArrayPool<int>.Shared.Rent(count);
                        purchasers.CopyTo(rentedOrder);
                        idOrder = rentedOrder.AsSpan(0, count);
                    }

                    if (count >= ParallelThreshold && Environment.ProcessorCount > 1)
                    {
                        // The id-order sort and the first pass of the three rankings (which does not need the id order) run side by side,
                        // then the three rankings collect their ties in id order (identical results to the serial path).
                        (rc, fc, mc) = RankBinsParallel(
                            new RankInput(recencyDays, recencyArray), new RankInput(frequency, frequencyArray), new RankInput(monetary, monetaryArray),
                            rentedIdx, rentedOrder, count, ids, q, rentedBins, n);
                    }
                    else
                    {
                        if (rentedOrder is not null)
                        {
                            SortInIdOrder(rentedOrder.AsSpan(0, count), ids!);
                        }

                        rc = count == 0 ? [] : RankBins(recencyDays, purchasers, idOrder, ids, q, rb);
                        fc = count == 0 ? [] : RankBins(frequency, purchasers, idOrder, ids, q, fb);
                        mc = count == 0 ? [] : RankBins(monetary, purchasers, idOrder, ids, q, mb);
                    }
                }
                finally
                {
                    if (rentedOrder is not null)
                    {
                        ArrayPool<int>.Shared.Return(rentedOrder);
                    }
                }
            }
            else
            {
                var t = settings.Thresholds!;
                rc = ThresholdBins(recencyDays, purchasers, t.RecencyDays, rb);
                fc = ThresholdBins(frequency, purchasers, t.Frequency, fb);
                var money = new double[t.Monetary.Count];
                for (var k = 0; k < money.Length; k++)
                {
                    money[k] = (double)t.Monetary[k];
                }

                mc = ThresholdBins(monetary, purchasers, money, mb);
            }

            destination.Clear();
            foreach (var i in purchasers)
            {
                destination[i] = new RfmScore((byte)(q - rb[i]), (byte)(fb[i] + 1), (byte)(mb[i] + 1));
            }

            return new RfmCutPoints(q, settings.Binning, count, rc, fc, mc);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rentedIdx);
            ArrayPool<byte>.Shared.Return(rentedBins);
        }
    }

    /// <summary>Checks the values of the customers with purchases (frequency finite and ≥ 0; recency finite and ≥ 0 and monetary
    /// finite for a purchaser) and writes the purchasers' positions into <paramref name="purchasers"/>. Returns their number.</summary>
    private static int CheckAndCollectPurchasers(ReadOnlySpan<double> recencyDays, ReadOnlySpan<double> frequency, ReadOnlySpan<double> monetary, Span<int> purchasers)
    {
        var count = 0;
        for (var i = 0; i < frequency.Length; i++)
        {
            var f = frequency[i];
            if (!(f >= 0) || double.IsInfinity(f))
            {
                ThrowAt(nameof(frequency), i, f, "a finite number ≥ 0");
            }

            if (f == 0)
            {
                continue;
            }

            var r = recencyDays[i];
            if (!(r >= 0) || double.IsInfinity(r))
            {
                ThrowAt(nameof(recencyDays), i, r, "a finite number ≥ 0");
            }

            if (!double.IsFinite(monetary[i]))
            {
                ThrowAt(nameof(monetary), i, monetary[i], "a finite number");
            }

            purchasers[count++] = i;
        }

        return count;
    }

    /// <summary>Purchaser count from which the three rankings run in parallel.</summary>
    internal const int ParallelThreshold = 16_384;

    /// <summary>One measure for <see cref="RankBinsParallel"/>: its values as an array (the caller's, or a pooled copy of the span).</summary>
    private readonly ref struct RankInput(ReadOnlySpan<double> values, double[]? array)
    {
        public ReadOnlySpan<double> Values { get; } = values;

        public double[]? Array { get; } = array;
    }

    private static (RfmCutPoint[] R, RfmCutPoint[] F, RfmCutPoint[] M) RankBinsParallel(
        RankInput recency,
        RankInput frequency,
        RankInput monetary,
        int[] purchasers,
        int[]? idOrder,
        int count,
        string[]? ids,
        int q,
        byte[] bins,
        int n)
    {
        // idOrder holds a copy of the purchasers, sorted into id order here (null: no ids, the purchasers' order breaks ties).
        // Lambdas cannot capture spans: use the caller's arrays, or pooled copies (a fresh array would be page-faulted in each call).
        double[]? rentedR = null, rentedF = null, rentedM = null;
        try
        {
            var r = recency.Array ?? Copy(recency.Values, out rentedR);
            var f = frequency.Array ?? Copy(frequency.Values, out rentedF);
            var m = monetary.Array ?? Copy(monetary.Values, out rentedM);
            RankMarks? rm = null, fm = null, mm = null;
            if (idOrder is null)
            {
                Parallel.Invoke(
                    () => mm = MarkBins(m.AsSpan(0, n), purchasers.AsSpan(0, count), q, bins.AsSpan(2 * n, n)),
                    () => rm = MarkBins(r.AsSpan(0, n), purchasers.AsSpan(0, count), q, bins.AsSpan(0, n)),
                    () => fm = MarkBins(f.AsSpan(0, n), purchasers.AsSpan(0, count), q, bins.AsSpan(n, n)));
            }
            else
            {
                // Issue 17: the sort (serial, about a third of the step at 1M customers) no longer precedes the rankings' first pass.
                // Profiled at 100k customers, the sort and the three first passes take about as long.
                Parallel.Invoke(
                    () => SortInIdOrder(idOrder.AsSpan(0, count), ids!),
                    () =>
                    {
                        mm = MarkBins(m.AsSpan(0, n), purchasers.AsSpan(0, count), q, bins.AsSpan(2 * n, n));
                        rm = MarkBins(r.AsSpan(0, n), purchasers.AsSpan(0, count), q, bins.AsSpan(0, n));
                        fm = MarkBins(f.AsSpan(0, n), purchasers.AsSpan(0, count), q, bins.AsSpan(n, n));
                    });
            }

            var order = idOrder ?? purchasers;
            RfmCutPoint[] rc = [], fc = [], mc = [];
            Parallel.Invoke(
                () => mc = CollectTies(mm!, order.AsSpan(0, count), ids, bins.AsSpan(2 * n, n)),
                () => rc = CollectTies(rm!, order.AsSpan(0, count), ids, bins.AsSpan(0, n)),
                () => fc = CollectTies(fm!, order.AsSpan(0, count), ids, bins.AsSpan(n, n)));
            return (rc, fc, mc);
        }
        finally
        {
            foreach (var rented in (ReadOnlySpan<double[]?>)[rentedR, rentedF, rentedM])
            {
                if (rented is not null)
                {
                    ArrayPool<double>.Shared.Return(rented);
                }
            }
        }

        static double[] Copy(ReadOnlySpan<double> values, out double[]? rented)
        {
            rented = ArrayPool<double>.Shared.Rent(values.Length);
            values.CopyTo(rented);
            return rented;
        }
    }

    private static RfmCutPoint[] ThresholdBins(ReadOnlySpan<double> values, ReadOnlySpan<int> purchasers, IReadOnlyList<double> cuts, Span<byte> bins)
    {
        Span<double> c = stackalloc double[cuts.Count];
        var result = new RfmCutPoint[cuts.Count];
        for (var k = 0; k < c.Length; k++)
        {
            c[k] = cuts[k];
            result[k] = new RfmCutPoint(c[k], null);
        }

        foreach (var i in purchasers)
        {
            var v = values[i];
            var b = 0;
            foreach (var x in c)
            {
                if (v > x)
                {
                    b++;
                }
            }

            bins[i] = (byte)b;
        }

        return result;
    }

    /// <summary>Marks, in pass 1 of <see cref="RankBins"/>, a customer whose value equals boundary value g as <c>TieMarker + g</c> (bins are
    /// below <see cref="RfmSettings.MaxBins"/>), so pass 2 collects the tie groups without searching the boundaries again.</summary>
    private const int TieMarker = 128;

    /// <summary>Rank-quantile bins (0-based) of the purchasers; returns the q − 1 boundaries. <paramref name="idOrder"/> holds the same
    /// purchasers in customer-id order (ties at a boundary value are collected in that order, so no tie group is sorted here).</summary>
    internal static RfmCutPoint[] RankBins(ReadOnlySpan<double> values, ReadOnlySpan<int> purchasers, ReadOnlySpan<int> idOrder, string[]? ids, int q, Span<byte> bins) =>
        CollectTies(MarkBins(values, purchasers, q, bins), idOrder, ids, bins);

    /// <summary>What the first pass of a ranking leaves for the second (<see cref="CollectTies"/>): boundary values and ranks, and the
    /// counts of tied customers and of customers below each boundary value.</summary>
    private sealed class RankMarks(int q)
    {
        public int[] Upper { get; } = new int[q];

        public double[] Thresholds { get; } = new double[q - 1];

        public int[] GroupCount { get; } = new int[q - 1];

        public int[] Lower { get; } = new int[q];
    }

    /// <summary>Pass 1 of <see cref="RankBins"/> (needs no id order): the boundary values, the bins of customers off them, and tied
    /// customers marked <c>TieMarker + group</c>.</summary>
    private static RankMarks MarkBins(ReadOnlySpan<double> values, ReadOnlySpan<int> purchasers, int q, Span<byte> bins)
    {
        var n = purchasers.Length;
        var k = q - 1;
        var marks = new RankMarks(q);
        Span<int> upper = marks.Upper;
        RankQuantile.UpperRanks(n, q, upper);
        Span<double> t = marks.Thresholds;
        FindThresholds(values, purchasers, upper, t);

        // Pass 1: bins of customers off the boundary values; count the tied customers per boundary group, and the customers
        // strictly below each boundary value (lower[b] = #{v < t[b]}, accumulated from below[#{t ≤ v}]).
        Span<int> groupCount = marks.GroupCount;
        Span<int> lower = marks.Lower;
        foreach (var i in purchasers)
        {
            var v = values[i];

            // Boundaries below v (t is ascending, so this is the first b with t[b] ≥ v), counted without a data-dependent branch:
            // values in random order made the search loop's exit mispredict about once per customer.
            var lo = 0;
            foreach (var x in t)
            {
                lo += x < v ? 1 : 0;
            }

            if (lo < k && t[lo] == v)
            {
                groupCount[lo]++;
                bins[i] = (byte)(TieMarker + lo); // overwritten with the bin once the group is ordered by id below
                var le = lo + 1;
                while (le < k && t[le] == v)
                {
                    le++;
                }

                lower[le]++;
            }
            else
            {
                bins[i] = (byte)lo;
                lower[lo]++;
            }
        }

        for (var b = 1; b <= k; b++)
        {
            lower[b] += lower[b - 1];
        }

        return marks;
    }

    /// <summary>Pass 2 of <see cref="RankBins"/>: collects the tied customers of each boundary value in <paramref name="idOrder"/> and
    /// gives them their bins; returns the cut-points.</summary>
    private static RfmCutPoint[] CollectTies(RankMarks marks, ReadOnlySpan<int> idOrder, string[]? ids, Span<byte> bins)
    {
        var k = marks.Thresholds.Length;
        ReadOnlySpan<int> upper = marks.Upper;
        ReadOnlySpan<double> t = marks.Thresholds;
        ReadOnlySpan<int> groupCount = marks.GroupCount;
        ReadOnlySpan<int> lower = marks.Lower;
        var total = 0;
        Span<int> offset = stackalloc int[k + 1];
        for (var g = 0; g < k; g++)
        {
            offset[g] = total;
            total += groupCount[g];
        }

        offset[k] = total;
        var rented = ArrayPool<int>.Shared.Rent(Math.Max(total, 1));
        var cuts = new RfmCutPoint[k];
        try
        {
            var members = rented.AsSpan(0, total);
            Span<int> fill = stackalloc int[k];
            offset[..k].CopyTo(fill);
            if (total > 0)
            {
                // In id order: each group comes out ordered by id (pandas rank(method="first") on the frame sorted by id).
                foreach (var i in idOrder)
                {
                    var b = bins[i];
                    if (b >= TieMarker)
                    {
                        members[fill[b - TieMarker]++] = i;
                    }
                }
            }

            for (var g = 0; g < k; g++)
            {
                var group = members[offset[g]..offset[g + 1]];
                if (group.IsEmpty)
                {
                    continue;
                }

                var b = g;
                for (var j = 0; j < group.Length; j++)
                {
                    var rank = lower[g] + j + 1;
                    while (b < k && rank > upper[b])
                    {
                        b++;
                    }

                    bins[group[j]] = (byte)b;
                    if (b < k && rank == upper[b])
                    {
                        // This customer closes bin b (and any empty bins sharing the same upper rank).
                        for (var e = b; e < k && upper[e] == rank; e++)
                        {
                            cuts[e] = new RfmCutPoint(t[e], ids?[group[j]]);
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }

        return cuts;
    }

    /// <summary>Sorts customer indices into <see cref="CustomerIdOrder"/>, unless they already are (one pass of comparisons).</summary>
    internal static void SortInIdOrder(Span<int> order, string[] ids)
    {
        for (var j = 1; j < order.Length; j++)
        {
            if (CustomerIdOrder.Compare(ids[order[j - 1]], ids[order[j]]) > 0)
            {
                SortById(order, ids);
                return;
            }
        }
    }

    /// <summary>
    /// Sorts customer indices in <see cref="CustomerIdOrder"/> without comparing strings in bulk: integer-like ids are moved first and
    /// sorted on their numeric values; the other ids are sorted on 64-bit keys made of the 9 chars after their common prefix (7 bits each,
    /// when all are ASCII) or else the 4 UTF-16 chars after it (keys never order two ids against their ordinal order), and the runs of
    /// equal keys (ids longer than the key) are fixed with full comparisons. Both sorts are LSD radix sorts (<see cref="RadixSort"/>).
    /// Each id is read twice, in index order. Small groups use a comparison sort.
    /// </summary>
    internal static void SortById(Span<int> group, string[] ids)
    {
        var n = group.Length;
        if (n <= 32)
        {
            group.Sort(new IdOrder(ids));
            return;
        }

        var rentedKeys = ArrayPool<ulong>.Shared.Rent(2 * n);
        var rentedItems = ArrayPool<int>.Shared.Rent(2 * n);
        try
        {
            var keys = rentedKeys.AsSpan(0, n);
            var items = rentedItems.AsSpan(0, n);

            // Integer-like ids to the front (with their values as keys), the others to the back (reversed, restored below).
            var integers = 0;
            var text = 0;
            string? firstText = null;
            var prefix = 0;
            foreach (var m in group)
            {
                var id = ids[m];
                if (CustomerIdOrder.TryParseInteger(id, out var value))
                {
                    keys[integers] = (ulong)value;
                    items[integers++] = m;
                }
                else
                {
                    if (firstText is null)
                    {
                        firstText = id;
                        prefix = id.Length;
                    }
                    else
                    {
                        prefix = Math.Min(prefix, firstText.AsSpan().CommonPrefixLength(id));
                    }

                    items[n - 1 - text++] = m;
                }
            }

            items[integers..].Reverse();
            var keyBuffer = rentedKeys.AsSpan(n, n);
            var itemBuffer = rentedItems.AsSpan(n, n);
            RadixSort(keys[..integers], items[..integers], keyBuffer, itemBuffer); // distinct ids have distinct values
            if (text > 0)
            {
                var textKeys = keys[integers..];
                var textItems = items[integers..];
                if (!AsciiKeys(textItems, ids, prefix, textKeys))
                {
                    Utf16Keys(textItems, ids, prefix, textKeys);
                }

                RadixSort(textKeys, textItems, keyBuffer, itemBuffer);
                var start = 0;
                for (var j = 1; j <= textKeys.Length; j++)
                {
                    if (j == textKeys.Length || textKeys[j] != textKeys[start])
                    {
                        if (j - start > 1)
                        {
                            textItems[start..j].Sort(new IdOrder(ids));
                        }

                        start = j;
                    }
                }
            }

            items.CopyTo(group);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rentedKeys);
            ArrayPool<int>.Shared.Return(rentedItems);
        }
    }

    /// <summary>Bits per digit of <see cref="RadixSort"/> (a 2,048-entry histogram per digit stays in L1).</summary>
    private const int RadixBits = 11;

    /// <summary>
    /// Stable LSD radix sort of <paramref name="keys"/> (unsigned) carrying <paramref name="items"/>. Bits that are equal in every key are
    /// shifted out first; one pass builds the histograms of all digits; a digit whose values all fall in one bucket is skipped. The buffers
    /// are at least as long as the keys.
    /// </summary>
    internal static void RadixSort(Span<ulong> keys, Span<int> items, Span<ulong> keyBuffer, Span<int> itemBuffer)
    {
        var n = keys.Length;
        if (n < 2)
        {
            return;
        }

        ulong diff = 0;
        var first = keys[0];
        foreach (var key in keys)
        {
            diff |= key ^ first;
        }

        if (diff == 0)
        {
            return;
        }

        var shift = System.Numerics.BitOperations.TrailingZeroCount(diff);
        var bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(diff) - shift;
        var digits = (bits + RadixBits - 1) / RadixBits;
        const int Buckets = 1 << RadixBits;
        const ulong Mask = Buckets - 1;
        var rentedCounts = ArrayPool<int>.Shared.Rent(digits * Buckets);
        try
        {
            var counts = rentedCounts.AsSpan(0, digits * Buckets);
            counts.Clear();
            foreach (var key in keys)
            {
                var k = key >> shift;
                for (var d = 0; d < digits; d++)
                {
                    counts[(d * Buckets) + (int)((k >> (d * RadixBits)) & Mask)]++;
                }
            }

            var srcKeys = keys;
            var srcItems = items;
            var dstKeys = keyBuffer[..n];
            var dstItems = itemBuffer[..n];
            for (var d = 0; d < digits; d++)
            {
                var count = counts.Slice(d * Buckets, Buckets);
                var sum = 0;
                var single = false;
                for (var b = 0; b < Buckets; b++)
                {
                    var c = count[b];
                    if (c == n)
                    {
                        single = true;
                        break;
                    }

                    count[b] = sum;
                    sum += c;
                }

                if (single)
                {
                    continue;
                }

                var digitShift = shift + (d * RadixBits);
                for (var j = 0; j < n; j++)
                {
                    var key = srcKeys[j];
                    var position = count[(int)((key >> digitShift) & Mask)]++;
                    dstKeys[position] = key;
                    dstItems[position] = srcItems[j];
                }

                var swapKeys = srcKeys;
                srcKeys = dstKeys;
                dstKeys = swapKeys;
                var swapItems = srcItems;
                srcItems = dstItems;
                dstItems = swapItems;
            }

            if (srcKeys != keys)
            {
                srcKeys.CopyTo(keys);
                srcItems.CopyTo(items);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rentedCounts);
        }
    }

    /// <summary>Keys of 9 chars after the common prefix, 7 bits each, when every such char is ASCII (below 128); the end of an id counts
    /// as 0. Like the 4-char UTF-16 keys they never order two ids against their ordinal order (equal keys are fixed by the caller), and
    /// they separate ids such as "C0001234" that differ only after the fourth char. Returns false (keys unusable) on a non-ASCII char.</summary>
    private static bool AsciiKeys(ReadOnlySpan<int> group, string[] ids, int prefix, Span<ulong> keys)
    {
        const int Chars = 9;
        for (var j = 0; j < group.Length; j++)
        {
            var id = ids[group[j]];
            ulong key = 0;
            for (var c = 0; c < Chars; c++)
            {
                var pos = prefix + c;
                var ch = pos < id.Length ? id[pos] : 0u;
                if (ch >= 128)
                {
                    return false;
                }

                key = (key << 7) | ch;
            }

            keys[j] = key;
        }

        return true;
    }

    /// <summary>Keys of the 4 UTF-16 chars after the common prefix (the end of an id counts as 0).</summary>
    private static void Utf16Keys(ReadOnlySpan<int> group, string[] ids, int prefix, Span<ulong> keys)
    {
        for (var j = 0; j < group.Length; j++)
        {
            var id = ids[group[j]];
            ulong key = 0;
            for (var c = 0; c < 4; c++)
            {
                var pos = prefix + c;
                key = (key << 16) | (pos < id.Length ? id[pos] : 0u);
            }

            keys[j] = key;
        }
    }

    /// <summary>Finds the value at each boundary rank (t[b] = the upper[b]-th smallest value).</summary>
    private static void FindThresholds(ReadOnlySpan<double> values, ReadOnlySpan<int> purchasers, ReadOnlySpan<int> upper, Span<double> t)
    {
        var n = purchasers.Length;

        // Small whole numbers (days, counts): a counting pass instead of a sort.
        var max = 0.0;
        var small = true;
        foreach (var i in purchasers)
        {
            var v = values[i];
            if (!(v >= 0 && v < SmallIntLimit && v == Math.Floor(v)))
            {
                small = false;
                break;
            }

            max = Math.Max(max, v);
        }

        if (small)
        {
            var size = (int)max + 1;
            var rentedCounts = ArrayPool<int>.Shared.Rent(size);
            try
            {
                var counts = rentedCounts.AsSpan(0, size);
                counts.Clear();
                foreach (var i in purchasers)
                {
                    counts[(int)values[i]]++;
                }

                var below = 0;
                var b = 0;
                for (var v = 0; v < size && b < t.Length; v++)
                {
                    below += counts[v];
                    while (b < t.Length && upper[b] <= below)
                    {
                        t[b++] = v;
                    }
                }
            }
            finally
            {
                ArrayPool<int>.Shared.Return(rentedCounts);
            }

            return;
        }

        Span<int> positions = stackalloc int[t.Length];
        for (var b = 0; b < t.Length; b++)
        {
            positions[b] = upper[b] - 1;
        }

        if (n >= RadixSelectMin)
        {
            RadixSelect(values, purchasers, positions, t);
            return;
        }

        var rented = ArrayPool<double>.Shared.Rent(n);
        try
        {
            var work = rented.AsSpan(0, n);
            for (var j = 0; j < n; j++)
            {
                work[j] = values[purchasers[j]];
            }

            MultiSelect(work, positions, 0);
            for (var b = 0; b < t.Length; b++)
            {
                t[b] = work[positions[b]];
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>Purchasers from which <see cref="FindThresholds"/> selects by <see cref="RadixSelect"/> rather than a multi-quickselect over a
    /// copy of all values (below, the 256 KB histogram costs more than it saves).</summary>
    internal const int RadixSelectMin = 1 << 14;

    /// <summary>Bits of the order-preserving key that pick a bucket of <see cref="RadixSelect"/>: sign, exponent and 4 mantissa bits, so
    /// each power of two spans 16 buckets.</summary>
    private const int SelectBucketBits = 16;

    /// <summary>
    /// The values at the given ascending 0-based positions of the sorted purchasers' values, for many purchasers (issue 17: the
    /// multi-quickselect over all monetary values was the longest part of the scoring step at 100k customers). One pass builds a
    /// histogram of the top 16 bits of an order-preserving 64-bit key of each value (the sign flipped for positive values, all bits for
    /// negative ones); the positions fall in at most <paramref name="positions"/>.Length buckets, whose values a second pass gathers; a
    /// multi-quickselect over each gathered bucket then finds the values (a bucket holding most values, e.g. when most values are equal,
    /// costs what the plain multi-quickselect would).
    /// </summary>
    internal static void RadixSelect(ReadOnlySpan<double> values, ReadOnlySpan<int> purchasers, ReadOnlySpan<int> positions, Span<double> result)
    {
        const int Buckets = 1 << SelectBucketBits;
        const int Shift = 64 - SelectBucketBits;
        var rentedCounts = ArrayPool<int>.Shared.Rent(Buckets);
        var rentedSlots = ArrayPool<byte>.Shared.Rent(Buckets);
        double[]? rentedWork = null;
        try
        {
            var counts = rentedCounts.AsSpan(0, Buckets);
            counts.Clear();
            foreach (var i in purchasers)
            {
                counts[(int)(OrderKey(values[i]) >> Shift)]++;
            }

            // The bucket of each position and its rank inside the bucket; the distinct target buckets get slots 1, 2, ….
            var k = positions.Length;
            Span<int> bucketOf = stackalloc int[k];
            Span<int> rankIn = stackalloc int[k];
            Span<int> slotBucket = stackalloc int[k];
            var slots = 0;
            var p = 0;
            var below = 0;
            for (var b = 0; b < Buckets && p < k; b++)
            {
                var c = counts[b];
                while (p < k && positions[p] < below + c)
                {
                    bucketOf[p] = b;
                    rankIn[p] = positions[p] - below;
                    if (slots == 0 || slotBucket[slots - 1] != b)
                    {
                        slotBucket[slots++] = b;
                    }

                    p++;
                }

                below += c;
            }

            var slotOf = rentedSlots.AsSpan(0, Buckets);
            slotOf.Clear();
            Span<int> start = stackalloc int[slots + 1];
            for (var j = 0; j < slots; j++)
            {
                slotOf[slotBucket[j]] = (byte)(j + 1);
                start[j + 1] = start[j] + counts[slotBucket[j]];
            }

            rentedWork = ArrayPool<double>.Shared.Rent(Math.Max(start[slots], 1));
            var work = rentedWork.AsSpan(0, start[slots]);
            Span<int> fill = stackalloc int[slots];
            start[..slots].CopyTo(fill);
            foreach (var i in purchasers)
            {
                var v = values[i];
                var slot = slotOf[(int)(OrderKey(v) >> Shift)];
                if (slot != 0)
                {
                    work[fill[slot - 1]++] = v;
                }
            }

            Span<int> inBucket = stackalloc int[k];
            for (var j = 0; j < slots; j++)
            {
                // This bucket's positions, ascending and distinct (positions are), relative to the bucket.
                var m = 0;
                for (var q = 0; q < k; q++)
                {
                    if (bucketOf[q] == slotBucket[j])
                    {
                        inBucket[m++] = rankIn[q];
                    }
                }

                var bucket = work[start[j]..start[j + 1]];
                MultiSelect(bucket, inBucket[..m], 0);
                for (var q = 0; q < k; q++)
                {
                    if (bucketOf[q] == slotBucket[j])
                    {
                        result[q] = bucket[rankIn[q]];
                    }
                }
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rentedCounts);
            ArrayPool<byte>.Shared.Return(rentedSlots);
            if (rentedWork is not null)
            {
                ArrayPool<double>.Shared.Return(rentedWork);
            }
        }
    }

    /// <summary>A 64-bit key whose unsigned order is the order of the (non-NaN) doubles (−0 just below +0, which compare equal).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static ulong OrderKey(double v)
    {
        var bits = BitConverter.DoubleToInt64Bits(v);
        return unchecked((ulong)bits ^ ((ulong)(bits >> 63) | 0x8000_0000_0000_0000UL));
    }

    /// <summary>Reorders <paramref name="a"/> so that each (ascending, absolute) position holds the value a full sort would put there.</summary>
    internal static void MultiSelect(Span<double> a, ReadOnlySpan<int> positions, int offset)
    {
        while (!positions.IsEmpty && positions[0] - offset < 0)
        {
            positions = positions[1..];
        }

        while (!positions.IsEmpty && positions[^1] - offset >= a.Length)
        {
            positions = positions[..^1];
        }

        if (positions.IsEmpty || a.Length <= 1)
        {
            return;
        }

        if (a.Length <= 64)
        {
            a.Sort();
            return;
        }

        var mid = positions.Length / 2;
        var target = positions[mid] - offset;
        var (lt, gt) = Select(a, target);
        MultiSelect(a[..lt], positions[..mid], offset);
        MultiSelect(a[(gt + 1)..], positions[(mid + 1)..], offset + gt + 1);
    }

    /// <summary>Quickselect with a three-way partition (many ties are common); falls back to a sort after 64 rounds.
    /// Returns the range [lt, gt] of values equal to the selected one, which contains <paramref name="k"/>.</summary>
    private static (int Lt, int Gt) Select(Span<double> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        for (var round = 0; round < 64 && hi > lo; round++)
        {
            var m = lo + ((hi - lo) / 2);
            double x = a[lo], y = a[m], z = a[hi];
            var p = x < y ? (y < z ? y : (x < z ? z : x)) : (x < z ? x : (y < z ? z : y));
            int lt = lo, i = lo, gt = hi;
            while (i <= gt)
            {
                var v = a[i];
                if (v < p)
                {
                    (a[lt], a[i]) = (a[i], a[lt]);
                    lt++;
                    i++;
                }
                else if (v > p)
                {
                    (a[i], a[gt]) = (a[gt], a[i]);
                    gt--;
                }
                else
                {
                    i++;
                }
            }

            if (k < lt)
            {
                hi = lt - 1;
            }
            else if (k > gt)
            {
                lo = gt + 1;
            }
            else
            {
                return (lt, gt);
            }
        }

        a[lo..(hi + 1)].Sort();
        var e = a[k];
        int s = k, f = k;
        while (s > lo && a[s - 1] == e)
        {
            s--;
        }

        while (f < hi && a[f + 1] == e)
        {
            f++;
        }

        return (s, f);
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn, System.Diagnostics.StackTraceHidden]
    private static void ThrowAt(string name, int index, double value, string expected) =>
        throw new ArgumentOutOfRangeException(name, value, $"{name}[{index}] must be {expected} (NaN is not allowed).");

    private readonly struct IdOrder(string[] ids) : IComparer<int>
    {
        public int Compare(int x, int y) => CustomerIdOrder.Compare(ids[x], ids[y]);
    }
}
