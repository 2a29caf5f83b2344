namespace CemCore.Recommendations;

/// <summary>Similarity of two items from co-occurrence counts n(i), n(j), n(i, j) over N customers.</summary>
public enum SimilarityMetric
{
    /// <summary>n(i, j): customers who bought both.</summary>
    Cooccurrence = 0,

    /// <summary>n(i, j) / √(n(i) n(j)): cosine of the binary incidence columns.</summary>
    Cosine = 1,

    /// <summary>n(i, j) / (n(i) + n(j) − n(i, j)).</summary>
    Jaccard = 2,

    /// <summary>N n(i, j) / (n(i) n(j)): how much more often than by chance.</summary>
    Lift = 3,
}

/// <summary>One neighbour of an item.</summary>
/// <param name="Item">The neighbour item.</param>
/// <param name="Score">The similarity (positive).</param>
public readonly record struct SimilarItem(string Item, double Score);

/// <summary>
/// The top-K neighbours of every item under a <see cref="SimilarityMetric"/>: positive similarity only, the item itself excluded, ordered by
/// score descending and ties by item id ordinal ascending. Ties are decided on the exact rational value of the score (integer
/// cross-multiplication), so two mathematically equal scores are equal even when their floating-point values differ in the last bit.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class ItemSimilarityIndex
{
    private readonly Lazy<CooccurrenceCounts> _counts;
    private readonly Func<string, int> _indexOf;

    private ItemSimilarityIndex(Lazy<CooccurrenceCounts> counts, IReadOnlyList<string> items, Func<string, int> indexOf, SimilarityMetric metric, int k, int[] start, int[] neighbours, double[] scores)
    {
        _counts = counts;
        ItemIds = items;
        _indexOf = indexOf;
        Metric = metric;
        K = k;
        Start = start;
        Neighbours = neighbours;
        Scores = scores;
    }

    /// <summary>
    /// Gets the counts the index was built from; for an index built from a <see cref="PurchaseHistory"/> they are computed on first access
    /// (the fused build never materializes the pair matrix).
    /// </summary>
    public CooccurrenceCounts Counts => _counts.Value;

    /// <summary>Gets the metric.</summary>
    public SimilarityMetric Metric { get; }

    /// <summary>Gets the number of neighbours kept per item.</summary>
    public int K { get; }

    /// <summary>Gets the item ids of the rows, in ordinal order.</summary>
    internal IReadOnlyList<string> ItemIds { get; }

    internal int[] Start { get; }

    internal int[] Neighbours { get; }

    internal double[] Scores { get; }

    /// <summary>Builds the index.</summary>
    /// <param name="counts">The co-occurrence counts.</param>
    /// <param name="metric">The similarity.</param>
    /// <param name="k">Neighbours kept per item, at least 1.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1 or the metric is unknown.</exception>
    public static ItemSimilarityIndex Build(CooccurrenceCounts counts, SimilarityMetric metric, int k)
    {
        ArgumentNullException.ThrowIfNull(counts);
        CheckArguments(metric, k);

        // Row i keeps min(k, non-zeros of row i) neighbours (every non-zero count has a positive score), so the output is laid out first.
        var n = counts.Items.Count;
        var start = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            start[i + 1] = checked(start[i] + (int)Math.Min(k, counts.RowStart[i + 1] - counts.RowStart[i]));
        }

        var nb = new int[start[^1]];
        var sc = new double[start[^1]];
        Parallel.For(
            0,
            n,
            () => new TopK(k),
            (i, _, top) =>
            {
                var lo = counts.RowStart[i];
                var len = (int)(counts.RowStart[i + 1] - lo);
                var kept = top.Select(metric, counts.Columns.AsSpan((int)lo, len), counts.PairCounts.AsSpan((int)lo, len), counts.ItemCounts[i], counts.ItemCounts, nb.AsSpan(start[i], start[i + 1] - start[i]));
                for (var q = 0; q < kept.Length; q++)
                {
                    var p = kept[q];
                    sc[start[i] + q] = Score(metric, counts.PairCounts[lo + p], counts.ItemCounts[i], counts.ItemCounts[nb[start[i] + q]], counts.Customers);
                }

                return top;
            },
            _ => { });
        return new ItemSimilarityIndex(new Lazy<CooccurrenceCounts>(counts), counts.Items, counts.IndexOf, metric, k, start, nb, sc);
    }

    /// <summary>
    /// Builds the index straight from a history, without materializing the pair counts (same result as
    /// <c>Build(CooccurrenceCounts.FromHistory(history), metric, k)</c>, bit for bit). Row i of X^T X is accumulated by the row-by-row
    /// sparse product (Gustavson 1978) into a dense per-thread 32-bit counter, its touched columns read back in ascending order from a
    /// per-thread bitmap, and the row's K best are selected at once: only K entries per item are written, so the work is Σ_c deg(c)²
    /// increments plus one key per non-zero pair, with no per-pair output. Rows are independent and run in parallel.
    /// </summary>
    /// <param name="history">The history.</param>
    /// <param name="metric">The similarity.</param>
    /// <param name="k">Neighbours kept per item, at least 1.</param>
    /// <returns>The index (its <see cref="Counts"/> are computed on first access).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is below 1 or the metric is unknown.</exception>
    public static ItemSimilarityIndex Build(PurchaseHistory history, SimilarityMetric metric, int k)
    {
        ArgumentNullException.ThrowIfNull(history);
        CheckArguments(metric, k);

        var n = history.Items.Count;
        var itemStart = history.ItemStart;
        long customers = history.Customers.Count;
        var itemCounts = new long[n];
        for (var i = 0; i < n; i++)
        {
            itemCounts[i] = itemStart[i + 1] - itemStart[i];
        }

        // Each row has at most n - 1 neighbours: rows are written to fixed slots of width kk, then packed.
        var kk = Math.Max(1, Math.Min(k, n - 1));
        var slotNb = new int[checked(n * kk)];
        var slotSc = new double[slotNb.Length];
        var kept = new int[n];
        // One buffer set per worker (not per Parallel.For replica: a loaded machine spawns many replicas); workers claim blocks of 16 rows.
        var next = -1;
        Parallel.For(0, Math.Min(Environment.ProcessorCount, Math.Max(1, (n + 15) / 16)), _ =>
        {
            var row = new FusedRow(n, kk);
            int block;
            while ((block = Interlocked.Increment(ref next)) < (n + 15) / 16)
            {
                for (var i = block * 16; i < Math.Min(n, (block * 16) + 16); i++)
                {
                    var cols = row.Columns;
                    var pairs = row.Pairs;
                    var len = CooccurrenceCounts.AccumulateRow(history, i, row.Acc, row.Bits, cols, pairs);
                    var o = i * kk;
                    var m = Math.Min(kk, len);
                    var offsets = row.Top.Select(metric, cols.AsSpan(0, len), pairs.AsSpan(0, len), itemCounts[i], itemCounts, slotNb.AsSpan(o, m));
                    for (var q = 0; q < offsets.Length; q++)
                    {
                        slotSc[o + q] = Score(metric, pairs[offsets[q]], itemCounts[i], itemCounts[slotNb[o + q]], customers);
                    }

                    kept[i] = m;
                }
            }
        });

        var start = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            start[i + 1] = start[i] + kept[i];
        }

        var nb = new int[start[^1]];
        var sc = new double[start[^1]];
        for (var i = 0; i < n; i++)
        {
            Array.Copy(slotNb, i * kk, nb, start[i], kept[i]);
            Array.Copy(slotSc, i * kk, sc, start[i], kept[i]);
        }

        return new ItemSimilarityIndex(new Lazy<CooccurrenceCounts>(() => CooccurrenceCounts.FromHistory(history)), history.Items, history.IndexOfItem, metric, k, start, nb, sc);
    }

    /// <summary>Returns the similarity of two items from their counts (0 when they never co-occur).</summary>
    /// <param name="metric">The metric.</param>
    /// <param name="both">n(i, j).</param>
    /// <param name="first">n(i).</param>
    /// <param name="second">n(j).</param>
    /// <param name="customers">N.</param>
    /// <returns>The similarity.</returns>
    public static double Score(SimilarityMetric metric, long both, long first, long second, long customers) => both <= 0 ? 0 : metric switch
    {
        SimilarityMetric.Cooccurrence => both,
        SimilarityMetric.Cosine => both / Math.Sqrt((double)first * second),
        SimilarityMetric.Jaccard => both / (double)(first + second - both),
        _ => (double)customers * both / ((double)first * second),
    };

    /// <summary>Returns the neighbours of an item, best first; empty for an unknown item (cold start).</summary>
    /// <param name="item">The item.</param>
    /// <returns>The neighbours.</returns>
    public IReadOnlyList<SimilarItem> NeighboursOf(string item)
    {
        var i = IndexOf(item);
        if (i < 0)
        {
            return [];
        }

        var list = new SimilarItem[Start[i + 1] - Start[i]];
        for (var q = 0; q < list.Length; q++)
        {
            list[q] = new SimilarItem(ItemIds[Neighbours[Start[i] + q]], Scores[Start[i] + q]);
        }

        return list;
    }

    internal int IndexOf(string item) => item is null ? -1 : _indexOf(item);

    private static void CheckArguments(SimilarityMetric metric, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (metric is < SimilarityMetric.Cooccurrence or > SimilarityMetric.Lift)
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected Cooccurrence, Cosine, Jaccard or Lift.");
        }
    }

    // The score as an exact ratio with the same order as the metric (N is a common factor of lift, so it is left out).
    private static (ulong Num, ulong Den) Rational(SimilarityMetric metric, long nij, long ni, long nj) => metric switch
    {
        SimilarityMetric.Cooccurrence => ((ulong)nij, 1UL),
        SimilarityMetric.Cosine => ((ulong)nij * (ulong)nij, (ulong)ni * (ulong)nj),
        SimilarityMetric.Jaccard => ((ulong)nij, (ulong)(ni + nj - nij)),
        _ => ((ulong)nij, (ulong)ni * (ulong)nj),
    };

    /// <summary>
    /// Selects the K best entries of one row (score desc, column asc). Every entry gets a floating-point key num/den; a bounded min-heap of
    /// keys finds the K-th largest key t, where nearly every entry costs one comparison. The entries with key ≥ t(1 − 1e-9) (the K best and
    /// anything within far more than the keys' rounding error of the boundary) are then sorted by the exact order: the 128-bit
    /// cross-product num_a·den_b vs num_b·den_a, then the column. So the result is exact and no per-entry object is made.
    /// </summary>
    private sealed class TopK(int k)
    {

        private const double Margin = 1e-9;
        private readonly double[] _heap = new double[k];
        private double[] _keys = [];
        private readonly int[] _offsets = new int[k];
        private Candidate[] _candidates = [];
        private int[] _order = [];
        private double[] _sortKeys = [];

        /// <summary>Writes the selected columns best first into <paramref name="output"/>; returns their offsets within the row.</summary>
        public ReadOnlySpan<int> Select(SimilarityMetric metric, ReadOnlySpan<int> columns, ReadOnlySpan<int> pairs, long ni, long[] itemCounts, Span<int> output)
        {
            var len = columns.Length;
            if (_keys.Length < len)
            {
                _keys = new double[len];
                _candidates = new Candidate[len];
            }

            var keys = _keys.AsSpan(0, len);
            var threshold = 0.0;
            if (len > output.Length)
            {
                // The K-th largest key: a min-heap of the K largest seen so far.
                var heap = _heap;
                var size = 0;
                for (var p = 0; p < len; p++)
                {
                    var (num, den) = Rational(metric, pairs[p], ni, itemCounts[columns[p]]);
                    var key = (double)num / den;
                    keys[p] = key;
                    if (size < heap.Length)
                    {
                        MinHeap.Push(heap, size++, key);
                    }
                    else
                    {
                        MinHeap.Offer(heap, size, key);
                    }
                }

                threshold = heap[0] * (1 - Margin);
            }

            var m = 0;
            var candidates = _candidates;
            for (var p = 0; p < len; p++)
            {
                if (len <= output.Length || keys[p] >= threshold)
                {
                    var (num, den) = Rational(metric, pairs[p], ni, itemCounts[columns[p]]);
                    candidates[m++] = new Candidate((double)num / den, num, den, columns[p], p);
                }
            }

            // About K candidates, more only with ties at the boundary (common: many pairs bought by one customer each).
            // About K candidates, more only with ties at the boundary. Sort by key (a primitive sort), then put every run of keys within
            // the margin of each other into the exact order; outside such runs the key order is the exact order.
            var order = _order.Length >= m ? _order : (_order = new int[m]);
            var sortKeys = _sortKeys.Length >= m ? _sortKeys : (_sortKeys = new double[m]);
            for (var q = 0; q < m; q++)
            {
                sortKeys[q] = -candidates[q].Key;
                order[q] = q;
            }

            Array.Sort(sortKeys, order, 0, m);
            for (var a = 0; a < m;)
            {
                var b = a + 1;
                while (b < m && sortKeys[b] <= sortKeys[b - 1] * (1 - Margin))
                {
                    b++;
                }

                for (var q = a + 1; q < b; q++)
                {
                    var c = order[q];
                    var r = q - 1;
                    while (r >= a && Before(candidates[c], candidates[order[r]]))
                    {
                        order[r + 1] = order[r];
                        r--;
                    }

                    order[r + 1] = c;
                }

                a = b;
            }

            for (var q = 0; q < output.Length; q++)
            {
                output[q] = candidates[order[q]].Column;
                _offsets[q] = candidates[order[q]].Offset;
            }

            return _offsets.AsSpan(0, output.Length);
        }

        // x ranks before y: larger exact score num/den, then smaller column.
        private static bool Before(in Candidate x, in Candidate y)
        {
            var l = (UInt128)x.Num * y.Den;
            var r = (UInt128)y.Num * x.Den;
            return l != r ? l > r : x.Column < y.Column;
        }
    }

    /// <summary>Per-thread buffers of the fused build: the dense counter, the touched-column bitmap, one row's pairs and the selection.</summary>
    private sealed class FusedRow(int items, int k)
    {
        public int[] Acc { get; } = new int[items];

        public ulong[] Bits { get; } = new ulong[(items + 63) >> 6];

        public int[] Columns { get; } = new int[items];

        public int[] Pairs { get; } = new int[items];

        public TopK Top { get; } = new(k);
    }

    /// <summary>One entry of a row: its floating-point key, exact ratio, column and offset in the row.</summary>
    private readonly record struct Candidate(double Key, ulong Num, ulong Den, int Column, int Offset);
}
