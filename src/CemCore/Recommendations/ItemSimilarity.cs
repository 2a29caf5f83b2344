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
    private ItemSimilarityIndex(CooccurrenceCounts counts, SimilarityMetric metric, int k, int[] start, int[] neighbours, double[] scores)
    {
        Counts = counts;
        Metric = metric;
        K = k;
        Start = start;
        Neighbours = neighbours;
        Scores = scores;
    }

    /// <summary>Gets the counts the index was built from.</summary>
    public CooccurrenceCounts Counts { get; }

    /// <summary>Gets the metric.</summary>
    public SimilarityMetric Metric { get; }

    /// <summary>Gets the number of neighbours kept per item.</summary>
    public int K { get; }

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
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (metric is < SimilarityMetric.Cooccurrence or > SimilarityMetric.Lift)
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Expected Cooccurrence, Cosine, Jaccard or Lift.");
        }

        var n = counts.Items.Count;
        var rowN = new int[n][];
        var rowS = new double[n][];
        Parallel.For(
            0,
            n,
            () => new TopK(k),
            (i, _, top) =>
            {
                top.Clear();
                var ni = counts.ItemCounts[i];
                for (var p = counts.RowStart[i]; p < counts.RowStart[i + 1]; p++)
                {
                    var j = counts.Columns[p];
                    var nij = counts.PairCounts[p];
                    var nj = counts.ItemCounts[j];
                    var (num, den) = Rational(metric, nij, ni, nj);
                    top.Offer(j, num, den, nij, ni, nj);
                }

                (rowN[i], var raw) = top.Drain();
                var s = new double[raw.Length];
                for (var q = 0; q < raw.Length; q++)
                {
                    s[q] = Score(metric, raw[q].Nij, ni, raw[q].Nj, counts.Customers);
                }

                rowS[i] = s;
                return top;
            },
            _ => { });
        var start = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            start[i + 1] = start[i] + rowN[i].Length;
        }

        var nb = new int[start[^1]];
        var sc = new double[start[^1]];
        for (var i = 0; i < n; i++)
        {
            rowN[i].CopyTo(nb, start[i]);
            rowS[i].CopyTo(sc, start[i]);
        }

        return new ItemSimilarityIndex(counts, metric, k, start, nb, sc);
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
        var i = Counts.IndexOf(item);
        if (i < 0)
        {
            return [];
        }

        var list = new SimilarItem[Start[i + 1] - Start[i]];
        for (var q = 0; q < list.Length; q++)
        {
            list[q] = new SimilarItem(Counts.ItemIds[Neighbours[Start[i] + q]], Scores[Start[i] + q]);
        }

        return list;
    }

    // The score as an exact ratio with the same order as the metric (N is a common factor of lift, so it is left out).
    private static (ulong Num, ulong Den) Rational(SimilarityMetric metric, long nij, long ni, long nj) => metric switch
    {
        SimilarityMetric.Cooccurrence => ((ulong)nij, 1UL),
        SimilarityMetric.Cosine => ((ulong)nij * (ulong)nij, (ulong)ni * (ulong)nj),
        SimilarityMetric.Jaccard => ((ulong)nij, (ulong)(ni + nj - nij)),
        _ => ((ulong)nij, (ulong)ni * (ulong)nj),
    };

    /// <summary>A bounded min-heap keeping the K best (score desc, index asc) candidates.</summary>
    private sealed class TopK(int k)
    {
        private readonly Entry[] _heap = new Entry[k];
        private int _count;

        public void Clear() => _count = 0;

        public void Offer(int j, ulong num, ulong den, long nij, long ni, long nj)
        {
            _ = ni;
            var e = new Entry(j, num, den, nij, nj);
            if (_count < _heap.Length)
            {
                _heap[_count] = e;
                Up(_count++);
            }
            else if (Better(e, _heap[0]))
            {
                _heap[0] = e;
                Down(0);
            }
        }

        public (int[] Items, Entry[] Entries) Drain()
        {
            var entries = _heap.AsSpan(0, _count).ToArray();
            Array.Sort(entries, (a, b) => Better(a, b) ? -1 : Better(b, a) ? 1 : 0);
            var items = new int[entries.Length];
            for (var q = 0; q < items.Length; q++)
            {
                items[q] = entries[q].J;
            }

            return (items, entries);
        }

        // a ranks before b: larger score, then smaller index.
        private static bool Better(in Entry a, in Entry b)
        {
            var l = (UInt128)a.Num * b.Den;
            var r = (UInt128)b.Num * a.Den;
            return l != r ? l > r : a.J < b.J;
        }

        private void Up(int i)
        {
            while (i > 0)
            {
                var parent = (i - 1) / 2;
                if (!Better(_heap[parent], _heap[i]))
                {
                    break;
                }

                (_heap[parent], _heap[i]) = (_heap[i], _heap[parent]);
                i = parent;
            }
        }

        private void Down(int i)
        {
            while (true)
            {
                var worst = i;
                var l = (2 * i) + 1;
                var r = l + 1;
                if (l < _count && Better(_heap[worst], _heap[l]))
                {
                    worst = l;
                }

                if (r < _count && Better(_heap[worst], _heap[r]))
                {
                    worst = r;
                }

                if (worst == i)
                {
                    return;
                }

                (_heap[worst], _heap[i]) = (_heap[i], _heap[worst]);
                i = worst;
            }
        }
    }

    private readonly record struct Entry(int J, ulong Num, ulong Den, long Nij, long Nj);
}
