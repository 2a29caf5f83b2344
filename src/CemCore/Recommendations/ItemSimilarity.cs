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
        var scale = KeyScales(metric, counts.ItemCounts);
        Parallel.For(
            0,
            n,
            () => new TopK(k),
            (i, _, top) =>
            {
                var lo = counts.RowStart[i];
                var len = (int)(counts.RowStart[i + 1] - lo);
                var cols = counts.Columns.AsSpan((int)lo, len);
                var pairs = counts.PairCounts.AsSpan((int)lo, len);
                var keys = top.Keys(len);
                for (var p = 0; p < len; p++)
                {
                    keys[p] = Key(metric, pairs[p], counts.ItemCounts[i], counts.ItemCounts[cols[p]], scale[cols[p]]);
                }

                var kept = top.Select(cols, pairs, keys, counts.ItemCounts[i], counts.ItemCounts, metric, nb.AsSpan(start[i], start[i + 1] - start[i]));
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
    /// <c>Build(CooccurrenceCounts.FromHistory(history), metric, k)</c>, bit for bit). Row i of XᵀX is accumulated by the row-by-row
    /// sparse product (Gustavson 1978): for every customer c of item i, the items of c (packed once as 16-bit ids when there are at most
    /// 65,536 items) are added into a dense per-worker 32-bit counter, and each column's first touch is appended to a per-worker touched
    /// list (branch-free). The touched list is then read back once: each count gives a ranking key (one multiplication by a per-item
    /// factor computed once: 1/√n(j) for cosine, 1/n(j) for lift), the counter is cleared, and the entry is kept only if its key reaches
    /// a running threshold (the K-th largest kept key, raised by Hoare's selection whenever 4K entries are kept); only the entries within
    /// a hair of the final K-th key are ranked exactly (<see cref="TopK"/>). No hashing, no per-pair output, no sort of the row: the work
    /// is Σ_c deg(c)² increments plus one key and one comparison per non-zero pair. Workers (one per core) claim blocks of rows; every
    /// row's result depends on the row alone, so the output is deterministic.
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

        var scale = KeyScales(metric, itemCounts);
        var packed = n <= ushort.MaxValue + 1 ? PackItems(history.CustomerItems) : null;

        // Each row has at most n - 1 neighbours: rows are written to fixed slots of width kk, then packed.
        var kk = Math.Max(1, Math.Min(k, n - 1));
        var slotNb = new int[checked(n * kk)];
        var slotSc = new double[slotNb.Length];
        var kept = new int[n];
        const int Block = 16;
        var blocks = (n + Block - 1) / Block;
        // One buffer set per worker (not per Parallel.For replica: a loaded machine spawns many replicas); workers claim blocks of rows.
        var next = -1;
        Parallel.For(0, Math.Min(Environment.ProcessorCount, Math.Max(1, blocks)), _ =>
        {
            var row = new FusedRow(n, kk);
            int block;
            while ((block = Interlocked.Increment(ref next)) < blocks)
            {
                for (var i = block * Block; i < Math.Min(n, (block * Block) + Block); i++)
                {
                    var (len, stored) = packed is null
                        ? row.Accumulate<int>(history, history.CustomerItems, i, metric, scale)
                        : row.Accumulate<ushort>(history, packed, i, metric, scale);
                    var o = i * kk;
                    var m = Math.Min(kk, len);
                    var cols = row.Columns.AsSpan(0, stored);
                    var pairs = row.Pairs.AsSpan(0, stored);
                    var offsets = row.Top.Select(cols, pairs, row.Top.Keys(stored), itemCounts[i], itemCounts, metric, slotNb.AsSpan(o, m));
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
    /// Per-item factors of the ranking key within a row (row item i fixed): cosine ranks like n(i, j)/√n(j), lift like n(i, j)/n(j),
    /// co-occurrence like n(i, j); Jaccard needs a division per entry (<see cref="Key"/>). Each factor is one correctly rounded operation
    /// away from the exact value, so a key is within a few units in the last place of an increasing function of the exact score.
    /// </summary>
    private static double[] KeyScales(SimilarityMetric metric, long[] itemCounts)
    {
        var scale = new double[itemCounts.Length];
        for (var j = 0; j < scale.Length; j++)
        {
            var nj = (double)itemCounts[j];
            scale[j] = nj <= 0 ? 0 : metric switch
            {
                SimilarityMetric.Cosine => 1 / Math.Sqrt(nj),
                SimilarityMetric.Lift => 1 / nj,
                _ => 1,
            };
        }

        return scale;
    }

    // A row's ranking key of one entry (see KeyScales).
    private static double Key(SimilarityMetric metric, int nij, long ni, long nj, double scale) =>
        metric == SimilarityMetric.Jaccard ? nij / (double)(ni + nj - nij) : nij * scale;

    // The items of every customer row as 16-bit ids (at most 65,536 items): half the memory traffic of the Gustavson inner loop.
    private static ushort[] PackItems(int[] items)
    {
        var packed = GC.AllocateUninitializedArray<ushort>(items.Length);
        for (var q = 0; q < items.Length; q++)
        {
            packed[q] = (ushort)items[q];
        }

        return packed;
    }

    /// <summary>
    /// Selects the K best entries of one row (score desc, column asc). Every entry has a floating-point ranking key (<see cref="Key"/>);
    /// Hoare's selection finds the K-th largest key t in linear time. The entries with key ≥ t(1 − 1e-9) (the K best and anything within far more than the keys' rounding error of the boundary) are then
    /// sorted by the exact order: the 128-bit cross-product num_a·den_b vs num_b·den_a of the exact ratios, then the column. So the result
    /// is exact, independent of the order in which the row's entries arrive, and no per-entry object is made.
    /// </summary>
    private sealed class TopK(int k)
    {
        private const double Margin = 1e-9;
        private readonly int[] _offsets = new int[k];
        private double[] _keys = [];
        private double[] _scratch = [];
        private Candidate[] _candidates = [];
        private int[] _order = [];
        private double[] _sortKeys = [];

        /// <summary>Gets the number of entries kept.</summary>
        public int K => _offsets.Length;

        /// <summary>A buffer for the keys of a row of <paramref name="len"/> entries.</summary>
        public Span<double> Keys(int len)
        {
            if (_keys.Length < len)
            {
                _keys = new double[Math.Max(len, _keys.Length * 2)];
            }

            return _keys.AsSpan(0, len);
        }

        /// <summary>
        /// The lowest key an entry may have and still be selected when the K best are among <paramref name="keys"/>: the K-th largest key
        /// less the margin (−∞ when there are at most K keys).
        /// </summary>
        public double Threshold(ReadOnlySpan<double> keys, int count)
        {
            if (keys.Length <= count)
            {
                return double.NegativeInfinity;
            }

            if (_scratch.Length < keys.Length)
            {
                _scratch = new double[Math.Max(keys.Length, _scratch.Length * 2)];
            }

            var a = _scratch.AsSpan(0, keys.Length);
            keys.CopyTo(a);
            return KthLargest(a, count) * (1 - Margin);
        }

        // Hoare's selection (FIND, 1961) with a median-of-three pivot; reorders the span. Descending: larger keys to the left.
        private static double KthLargest(Span<double> a, int k)
        {
            int lo = 0, hi = a.Length - 1, target = k - 1;
            while (lo < hi)
            {
                var x = a[lo];
                var y = a[lo + ((hi - lo) / 2)];
                var z = a[hi];
                var pivot = Math.Max(Math.Min(x, y), Math.Min(Math.Max(x, y), z));
                int i = lo, j = hi;
                while (i <= j)
                {
                    while (a[i] > pivot)
                    {
                        i++;
                    }

                    while (a[j] < pivot)
                    {
                        j--;
                    }

                    if (i <= j)
                    {
                        (a[i], a[j]) = (a[j], a[i]);
                        i++;
                        j--;
                    }
                }

                if (target <= j)
                {
                    hi = j;
                }
                else if (target >= i)
                {
                    lo = i;
                }
                else
                {
                    return a[target];
                }
            }

            return a[target];
        }

        /// <summary>
        /// Writes the selected columns best first into <paramref name="output"/> (length min(K, row length)) and returns their offsets
        /// within the row. The entries given must include every entry of the row whose key reaches the row's <see cref="Threshold"/>.
        /// </summary>
        public ReadOnlySpan<int> Select(ReadOnlySpan<int> columns, ReadOnlySpan<int> pairs, ReadOnlySpan<double> keys, long ni, long[] itemCounts, SimilarityMetric metric, Span<int> output)
        {
            var len = columns.Length;
            if (_candidates.Length < len)
            {
                _candidates = new Candidate[Math.Max(len, _candidates.Length * 2)];
            }

            var threshold = Threshold(keys, output.Length);
            var m = 0;
            var candidates = _candidates;
            for (var p = 0; p < len; p++)
            {
                if (keys[p] >= threshold)
                {
                    var (num, den) = Rational(metric, pairs[p], ni, itemCounts[columns[p]]);
                    candidates[m++] = new Candidate(keys[p], num, den, columns[p], p);
                }
            }

            // About K candidates, more only with ties at the boundary (common: many pairs bought by one customer each). Sort by key (a
            // primitive sort), then put every run of keys within the margin of each other into the exact order; outside such runs the key
            // order is the exact order.
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

    /// <summary>Per-worker buffers of the fused build: the dense counter, the touched list, one row's pairs and the selection.</summary>
    private sealed class FusedRow(int items, int k)
    {
        private readonly int[] _acc = new int[items];
        private const int Chunk = 64;
        private readonly int[] _touched = new int[items + 1];
        private readonly int[] _from = new int[Chunk];
        private readonly int[] _to = new int[Chunk];
        private int _sink;

        public int[] Columns { get; } = new int[items];

        public int[] Pairs { get; } = new int[items];

        public TopK Top { get; } = new(k);

        /// <summary>
        /// Row <paramref name="row"/> of XᵀX: counts, then writes the touched columns other than the row's own that may still be selected
        /// (in first-touch order) with their counts into <see cref="Columns"/>/<see cref="Pairs"/> and their keys into the selection's key
        /// buffer, and clears the counter. Returns the row's number of non-zeros and the number of entries written.
        /// </summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
        public (int Length, int Stored) Accumulate<T>(PurchaseHistory history, T[] customerItems, int row, SimilarityMetric metric, double[] scale)
            where T : unmanaged, System.Numerics.IBinaryInteger<T>
        {
            var t = Count(history, customerItems, row);
            return Collect(history, row, t, metric, scale);
        }

        // Adds the items of every buyer of the row into the counter. Buyers are taken in chunks: first every buyer's row bounds are read
        // and the first word of its item list touched (independent loads, so the cache misses overlap), then the increments run on cached
        // data.
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization | System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private int Count<T>(PurchaseHistory history, T[] customerItems, int row)
            where T : unmanaged, System.Numerics.IBinaryInteger<T>
        {
            unchecked
            {
                var acc = _acc.AsSpan();
                var touched = _touched.AsSpan();
                var custStart = history.CustomerStart;
                ReadOnlySpan<T> custItems = customerItems;
                ReadOnlySpan<int> buyers = history.ItemCustomers.AsSpan(history.ItemStart[row], history.ItemStart[row + 1] - history.ItemStart[row]);
                var from = _from.AsSpan();
                var to = _to.AsSpan();
                var t = 0;
                var sink = 0;
                for (var b0 = 0; b0 < buyers.Length; b0 += Chunk)
                {
                    var chunk = buyers.Slice(b0, Math.Min(Chunk, buyers.Length - b0));
                    for (var q = 0; q < chunk.Length; q++)
                    {
                        var c = chunk[q];
                        var s = custStart[c];
                        from[q] = s;
                        to[q] = custStart[c + 1];
                        sink += int.CreateTruncating(custItems[s]);
                    }

                    for (var q = 0; q < chunk.Length; q++)
                    {
                        foreach (var v in custItems[from[q]..to[q]])
                        {
                            // Branch-free first-touch append: the slot is overwritten unless the count was zero.
                            var j = int.CreateTruncating(v);
                            touched[t] = j;
                            var a = acc[j];
                            t += a == 0 ? 1 : 0;
                            acc[j] = a + 1;
                        }
                    }
                }

                _sink = sink;
                return t;
            }
        }

        // Reads the touched columns back: keys, and the counter cleared. Entries are appended to the row buffer while their key reaches a
        // running threshold; whenever the buffer holds 4K entries, the threshold is raised to the K-th largest buffered key (less the
        // margin) and the buffer compacted. The final threshold is at least every running one, so no selectable entry is dropped, and each
        // entry costs one multiplication and one comparison (amortized O(1) per stored entry, against O(log K) for a heap).
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization | System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private (int Length, int Stored) Collect(PurchaseHistory history, int row, int t, SimilarityMetric metric, double[] scale)
        {
            unchecked
            {
                var acc = _acc.AsSpan();
                var cols = Columns.AsSpan();
                var pairs = Pairs.AsSpan();
                var keys = Top.Keys(t);
                var o = 0;
                var len = 0;
                var k = Top.K;
                var limit = Math.Max(64, 4 * k);
                var threshold = double.NegativeInfinity;
                long ni = history.ItemDegree(row);
                var jaccard = metric == SimilarityMetric.Jaccard;
                foreach (var j in _touched.AsSpan(0, t))
                {
                    var nij = acc[j];
                    acc[j] = 0;
                    if (j != row)
                    {
                        len++;
                        var key = jaccard ? nij / (double)(ni + history.ItemDegree(j) - nij) : nij * scale[j];
                        if (key >= threshold)
                        {
                            cols[o] = j;
                            pairs[o] = nij;
                            keys[o++] = key;
                            if (o == limit)
                            {
                                threshold = Top.Threshold(keys[..o], k);
                                var kept = 0;
                                for (var p = 0; p < o; p++)
                                {
                                    if (keys[p] >= threshold)
                                    {
                                        cols[kept] = cols[p];
                                        pairs[kept] = pairs[p];
                                        keys[kept++] = keys[p];
                                    }
                                }

                                // Many ties at the boundary can keep the buffer nearly full: then it grows.
                                o = kept;
                                limit = Math.Max(limit, 2 * kept);
                            }
                        }
                    }
                }

                return (len, o);
            }
        }
    }

    /// <summary>One entry of a row: its floating-point key, exact ratio, column and offset in the row.</summary>
    private readonly record struct Candidate(double Key, ulong Num, ulong Den, int Column, int Offset);
}
