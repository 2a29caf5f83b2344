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
/// <para>Cost: O(n log n) for sorting each measure's values (a counting pass for small whole numbers such as days and counts), plus
/// sorting, by id, only the customers whose value equals a bin boundary. Scratch memory comes from <see cref="ArrayPool{T}"/>.</para>
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
        var cuts = Score(values.Recency, values.FrequencyAsDouble, values.MonetaryAsDouble, values.Ids, settings, scores);
        return new RfmResult(values, settings, cuts, scores);
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
            scores[i] = cutPoints.Score(values.Recency[i], values.FrequencyAsDouble[i], values.MonetaryAsDouble[i], values.Ids[i]);
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
        var q = settings.Bins;
        var rentedIdx = ArrayPool<int>.Shared.Rent(Math.Max(n, 1));
        var rentedBins = ArrayPool<byte>.Shared.Rent(Math.Max(3 * n, 1));
        try
        {
            var purchasers = rentedIdx.AsSpan(0, n);
            var count = 0;
            for (var i = 0; i < n; i++)
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

            purchasers = purchasers[..count];
            var rb = rentedBins.AsSpan(0, n);
            var fb = rentedBins.AsSpan(n, n);
            var mb = rentedBins.AsSpan(2 * n, n);
            RfmCutPoint[] rc, fc, mc;
            if (settings.Binning == RfmBinning.RankQuantile)
            {
                if (count >= ParallelThreshold && Environment.ProcessorCount > 1)
                {
                    // The three rankings are independent: run them on the thread pool (identical results; spans are
                    // copied to arrays because lambdas cannot capture them).
                    (rc, fc, mc) = RankBinsParallel(recencyDays, frequency, monetary, purchasers, ids, q, rentedBins, n);
                }
                else
                {
                    rc = count == 0 ? [] : RankBins(recencyDays, purchasers, ids, q, rb);
                    fc = count == 0 ? [] : RankBins(frequency, purchasers, ids, q, fb);
                    mc = count == 0 ? [] : RankBins(monetary, purchasers, ids, q, mb);
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

    /// <summary>Purchaser count from which the three rankings run in parallel.</summary>
    internal const int ParallelThreshold = 16_384;

    private static (RfmCutPoint[] R, RfmCutPoint[] F, RfmCutPoint[] M) RankBinsParallel(
        ReadOnlySpan<double> recencyDays,
        ReadOnlySpan<double> frequency,
        ReadOnlySpan<double> monetary,
        ReadOnlySpan<int> purchasers,
        string[]? ids,
        int q,
        byte[] bins,
        int n)
    {
        var r = recencyDays.ToArray();
        var f = frequency.ToArray();
        var m = monetary.ToArray();
        var p = purchasers.ToArray();
        RfmCutPoint[] rc = [], fc = [], mc = [];
        Parallel.Invoke(
            () => mc = RankBins(m, p, ids, q, bins.AsSpan(2 * n, n)),
            () => rc = RankBins(r, p, ids, q, bins.AsSpan(0, n)),
            () => fc = RankBins(f, p, ids, q, bins.AsSpan(n, n)));
        return (rc, fc, mc);
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

    /// <summary>Rank-quantile bins (0-based) of the purchasers; returns the q − 1 boundaries.</summary>
    internal static RfmCutPoint[] RankBins(ReadOnlySpan<double> values, ReadOnlySpan<int> purchasers, string[]? ids, int q, Span<byte> bins)
    {
        var n = purchasers.Length;
        var k = q - 1;
        Span<int> upper = stackalloc int[q];
        RankQuantile.UpperRanks(n, q, upper);
        Span<double> t = stackalloc double[k];
        FindThresholds(values, purchasers, upper, t);

        // Pass 1: bins of customers off the boundary values; count the tied customers per boundary group, and the customers
        // strictly below each boundary value (lower[b] = #{v < t[b]}, accumulated from below[#{t ≤ v}]).
        Span<int> groupCount = stackalloc int[k];
        Span<int> lower = stackalloc int[k + 1];
        groupCount.Clear();
        lower.Clear();
        foreach (var i in purchasers)
        {
            var v = values[i];
            var lo = 0;
            while (lo < k && t[lo] < v)
            {
                lo++;
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
            foreach (var i in purchasers)
            {
                var b = bins[i];
                if (b >= TieMarker)
                {
                    members[fill[b - TieMarker]++] = i;
                }
            }

            for (var g = 0; g < k; g++)
            {
                var group = members[offset[g]..offset[g + 1]];
                if (group.IsEmpty)
                {
                    continue;
                }

                if (ids is not null && group.Length > 1)
                {
                    SortById(group, ids);
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

    /// <summary>
    /// Sorts customer indices in <see cref="CustomerIdOrder"/>. A group of integer-like ids sorts their numeric values as keys; a group
    /// with no integer-like id sorts 64-bit keys made of the 9 chars (7 bits each, when all are ASCII) or else the 4 UTF-16 chars after the
    /// group's common prefix (which order exactly like ordinal comparison wherever keys differ), then fixes runs of equal keys with full comparisons; a mixed group uses the comparer.
    /// </summary>
    internal static void SortById(Span<int> group, string[] ids)
    {
        if (group.Length <= 32)
        {
            group.Sort(new IdOrder(ids));
            return;
        }

        var integers = 0;
        foreach (var m in group)
        {
            if (CustomerIdOrder.TryParseInteger(ids[m], out _))
            {
                integers++;
            }
        }

        if (integers == group.Length)
        {
            var numeric = ArrayPool<long>.Shared.Rent(group.Length);
            try
            {
                var keys = numeric.AsSpan(0, group.Length);
                for (var j = 0; j < group.Length; j++)
                {
                    _ = CustomerIdOrder.TryParseInteger(ids[group[j]], out keys[j]); // every id of the group is integer-like
                }

                keys.Sort(group); // distinct ids have distinct values: no ties to fix
            }
            finally
            {
                ArrayPool<long>.Shared.Return(numeric);
            }

            return;
        }

        if (integers > 0)
        {
            group.Sort(new IdOrder(ids));
            return;
        }

        var first = ids[group[0]].AsSpan();
        var prefix = first.Length;
        foreach (var m in group)
        {
            prefix = Math.Min(prefix, first.CommonPrefixLength(ids[m]));
        }

        var rented = ArrayPool<ulong>.Shared.Rent(group.Length);
        try
        {
            var keys = rented.AsSpan(0, group.Length);
            if (!AsciiKeys(group, ids, prefix, keys))
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

            keys.Sort(group);
            var start = 0;
            for (var j = 1; j <= keys.Length; j++)
            {
                if (j == keys.Length || keys[j] != keys[start])
                {
                    if (j - start > 1)
                    {
                        group[start..j].Sort(new IdOrder(ids));
                    }

                    start = j;
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
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

        var rented = ArrayPool<double>.Shared.Rent(n);
        try
        {
            var work = rented.AsSpan(0, n);
            for (var j = 0; j < n; j++)
            {
                work[j] = values[purchasers[j]];
            }

            Span<int> positions = stackalloc int[t.Length];
            for (var b = 0; b < t.Length; b++)
            {
                positions[b] = upper[b] - 1;
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
