namespace CemCore.Recommendations;

/// <summary>
/// Top-K recommendations of many customers at once, stored compactly (item indices, scores and the related purchase per slot).
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class RecommendationBatch
{
    internal RecommendationBatch(IReadOnlyList<string> customers, IReadOnlyList<string> items, int k, int[] slots, double[] scores, int[] related, RecommendationReasonKind[] kinds)
    {
        Customers = customers;
        ItemIds = items;
        K = k;
        Slots = slots;
        SlotScores = scores;
        Related = related;
        Kinds = kinds;
    }

    /// <summary>Gets the customers, in the order of the history.</summary>
    public IReadOnlyList<string> Customers { get; }

    /// <summary>Gets K.</summary>
    public int K { get; }

    internal IReadOnlyList<string> ItemIds { get; }

    internal int[] Slots { get; }

    internal double[] SlotScores { get; }

    internal int[] Related { get; }

    internal RecommendationReasonKind[] Kinds { get; }

    /// <summary>Returns the recommendations of the customer at <paramref name="customerIndex"/>.</summary>
    /// <param name="customerIndex">The index in <see cref="Customers"/>.</param>
    /// <returns>Up to K recommendations, best first.</returns>
    public IReadOnlyList<ItemRecommendation> Get(int customerIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(customerIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(customerIndex, Customers.Count);
        var list = new List<ItemRecommendation>(K);
        for (var s = customerIndex * K; s < (customerIndex + 1) * K && Slots[s] >= 0; s++)
        {
            list.Add(new ItemRecommendation(ItemIds[Slots[s]], SlotScores[s], new RecommendationReason(Kinds[s], Related[s] < 0 ? null : ItemIds[Related[s]])));
        }

        return list;
    }
}

/// <summary>
/// Item-to-item collaborative filtering (Linden, Smith and York 2003): a customer's score of item j is the sum over the items i they bought
/// of sim(i, j), over the top-K neighbour lists of an <see cref="ItemSimilarityIndex"/>. Items already bought are excluded; when fewer than
/// K items score, the list is filled with the most popular unbought items, and a customer without history (cold start) gets those only.
/// </summary>
/// <remarks>Immutable and thread-safe. The reason names the purchase with the largest contribution (ties: smaller item id).</remarks>
public sealed class ItemCfRecommender : IRecommender
{
    private readonly PurchaseHistory _history;
    private readonly int[] _popular;

    // The neighbour lists of every history item in history indices: the rows of the index that name a history item, remapped once.
    private readonly int[] _rowStart;
    private readonly int[] _neighbours;
    private readonly double[] _scores;

    /// <summary>Creates the recommender.</summary>
    /// <param name="history">The purchase history (the customers' past items).</param>
    /// <param name="index">The item neighbours, usually built from the same history.</param>
    public ItemCfRecommender(PurchaseHistory history, ItemSimilarityIndex index)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(index);
        _history = history;
        _popular = PopularityRecommender.Ranking(history);

        // Map the index's item ids to the history's; neighbours unknown to the history are dropped (order kept).
        var map = new int[index.ItemIds.Count];
        for (var i = 0; i < map.Length; i++)
        {
            map[i] = history.IndexOfItem(index.ItemIds[i]);
        }

        var items = history.Items.Count;
        _rowStart = new int[items + 1];
        var neighbours = new List<int>(index.Neighbours.Length);
        var scores = new List<double>(index.Neighbours.Length);
        for (var i = 0; i < items; i++)
        {
            var ii = index.IndexOf(history.Items[i]);
            if (ii >= 0)
            {
                for (var p = index.Start[ii]; p < index.Start[ii + 1]; p++)
                {
                    var j = map[index.Neighbours[p]];
                    if (j >= 0)
                    {
                        neighbours.Add(j);
                        scores.Add(index.Scores[p]);
                    }
                }
            }

            _rowStart[i + 1] = neighbours.Count;
        }

        _neighbours = [.. neighbours];
        _scores = [.. scores];
    }

    /// <summary>Builds the recommender from a history with the given metric and neighbours per item.</summary>
    /// <param name="history">The history.</param>
    /// <param name="metric">The similarity.</param>
    /// <param name="neighbours">Neighbours per item (for example 50).</param>
    /// <returns>The recommender.</returns>
    public static ItemCfRecommender Fit(PurchaseHistory history, SimilarityMetric metric = SimilarityMetric.Cosine, int neighbours = 50) =>
        new(history, ItemSimilarityIndex.Build(history, metric, neighbours));

    /// <inheritdoc/>
    public IReadOnlyList<ItemRecommendation> Recommend(string customerId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var c = _history.IndexOfCustomer(customerId);
        var scratch = new Scratch(_history.Items.Count, count);
        var n = Fill(c, count, scratch);
        var list = new ItemRecommendation[n];
        for (var s = 0; s < n; s++)
        {
            list[s] = new ItemRecommendation(_history.Items[scratch.Slots[s]], scratch.SlotScores[s], new RecommendationReason(scratch.Kinds[s], scratch.Related[s] < 0 ? null : _history.Items[scratch.Related[s]]));
        }

        return list;
    }

    /// <summary>Recommends K items to every customer of the history, in parallel.</summary>
    /// <param name="count">K, at least 1.</param>
    /// <returns>The batch.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public RecommendationBatch RecommendAll(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var customers = _history.Customers.Count;
        var slots = new int[checked(customers * count)];
        var scores = new double[slots.Length];
        var related = new int[slots.Length];
        var kinds = new RecommendationReasonKind[slots.Length];
        // One scratch per worker (not per Parallel.For replica: a loaded machine spawns many); workers claim blocks of 256 customers.
        const int Block = 256;
        var blocks = (customers + Block - 1) / Block;
        var next = -1;
        Parallel.For(0, Math.Min(Environment.ProcessorCount, Math.Max(1, blocks)), _ =>
        {
            var scratch = new Scratch(_history.Items.Count, count);
            int block;
            while ((block = Interlocked.Increment(ref next)) < blocks)
            {
                for (var c = block * Block; c < Math.Min(customers, (block * Block) + Block); c++)
                {
                    var n = Fill(c, count, scratch);
                    var o = c * count;
                    for (var s = 0; s < count; s++)
                    {
                        slots[o + s] = s < n ? scratch.Slots[s] : -1;
                        scores[o + s] = s < n ? scratch.SlotScores[s] : 0;
                        related[o + s] = s < n ? scratch.Related[s] : -1;
                        kinds[o + s] = s < n ? scratch.Kinds[s] : default;
                    }
                }
            }
        });
        return new RecommendationBatch(_history.Customers, _history.Items, count, slots, scores, related, kinds);
    }

    private int Fill(int customer, int k, Scratch s)
    {
        var cells = s.Cells;
        var touched = s.Touched;
        var ownedFlags = s.Owned;
        touched.Clear();
        var owned = customer < 0 ? [] : _history.ItemsOfIndex(customer);
        foreach (var i in owned)
        {
            ownedFlags[i] = true;
        }

        // Accumulate sim(i, j) over the purchases i in ascending order (a fixed summation order: results do not depend on threads).
        foreach (var i in owned)
        {
            for (var p = _rowStart[i]; p < _rowStart[i + 1]; p++)
            {
                var j = _neighbours[p];
                if (ownedFlags[j])
                {
                    continue;
                }

                var v = _scores[p];
                ref var cell = ref cells[j];
                if (cell.Sum == 0)
                {
                    // Scores are positive, so a zero sum marks an item not reached yet.
                    touched.Add(j);
                    cell.Best = i;
                    cell.BestScore = v;
                }
                else if (v > cell.BestScore)
                {
                    cell.Best = i;
                    cell.BestScore = v;
                }

                cell.Sum += v;
            }
        }

        var n = 0;
        foreach (var j in touched)
        {
            n = Insert(s, n, k, j, cells[j].Sum);
        }

        for (var q = 0; q < n; q++)
        {
            s.Related[q] = cells[s.Slots[q]].Best;
            s.Kinds[q] = RecommendationReasonKind.BoughtTogether;
        }

        foreach (var j in touched)
        {
            cells[j] = default;
        }

        // Popular fill for cold starts and short lists.
        for (var p = 0; p < _popular.Length && n < k; p++)
        {
            var j = _popular[p];
            if (ownedFlags[j] || Contains(s.Slots, n, j))
            {
                continue;
            }

            s.Slots[n] = j;
            s.SlotScores[n] = 0;
            s.Related[n] = -1;
            s.Kinds[n] = RecommendationReasonKind.Popular;
            n++;
        }

        foreach (var i in owned)
        {
            ownedFlags[i] = false;
        }

        return n;
    }

    private static bool Contains(int[] slots, int n, int j)
    {
        for (var q = 0; q < n; q++)
        {
            if (slots[q] == j)
            {
                return true;
            }
        }

        return false;
    }

    // Inserts (j, v) into the sorted top-k slots (score desc, index asc); returns the new length.
    internal static int Insert(Scratch s, int n, int k, int j, double v) => Insert(s.Slots, s.SlotScores, n, k, j, v);

    internal static int Insert(Span<int> slots, Span<double> scores, int n, int k, int j, double v)
    {
        if (n == k && (v < scores[n - 1] || (v == scores[n - 1] && j > slots[n - 1])))
        {
            return n;
        }

        var pos = n == k ? k - 1 : n;
        while (pos > 0 && (scores[pos - 1] < v || (scores[pos - 1] == v && slots[pos - 1] > j)))
        {
            slots[pos] = slots[pos - 1];
            scores[pos] = scores[pos - 1];
            pos--;
        }

        slots[pos] = j;
        scores[pos] = v;
        return n == k ? k : n + 1;
    }

    /// <summary>Per-thread buffers: one accumulator cell per item, the purchased-item flags and the sorted top-k slots.</summary>
    internal sealed class Scratch(int items, int k)
    {
        public Cell[] Cells { get; } = new Cell[items];

        public bool[] Owned { get; } = new bool[items];

        public List<int> Touched { get; } = [];

        public int[] Slots { get; } = new int[k];

        public double[] SlotScores { get; } = new double[k];

        public int[] Related { get; } = new int[k];

        public RecommendationReasonKind[] Kinds { get; } = new RecommendationReasonKind[k];
    }

    /// <summary>An item's running score, and the purchase with the largest contribution (ties: the first, i.e. smaller, purchase).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Auto)]
    internal struct Cell
    {
        public double Sum;
        public double BestScore;
        public int Best;
    }
}

/// <summary>
/// The popularity baseline and cold-start fallback: items by the number of distinct customers who bought them (descending, ties by item id
/// ordinal), excluding what the customer already bought. The score is that number of customers.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class PopularityRecommender : IRecommender
{
    private readonly PurchaseHistory _history;
    private readonly int[] _ranking;

    /// <summary>Creates the recommender.</summary>
    /// <param name="history">The history.</param>
    public PopularityRecommender(PurchaseHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        _history = history;
        _ranking = Ranking(history);
    }

    /// <inheritdoc/>
    public IReadOnlyList<ItemRecommendation> Recommend(string customerId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var c = _history.IndexOfCustomer(customerId);
        var owned = c < 0 ? [] : _history.ItemsOfIndex(c);
        var list = new List<ItemRecommendation>(count);
        foreach (var j in _ranking)
        {
            if (list.Count == count)
            {
                break;
            }

            if (owned.BinarySearch(j) < 0)
            {
                list.Add(new ItemRecommendation(_history.Items[j], _history.ItemDegree(j), new RecommendationReason(RecommendationReasonKind.Popular, null)));
            }
        }

        return list;
    }

    internal static int[] Ranking(PurchaseHistory history)
    {
        var n = history.Items.Count;
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) =>
        {
            var d = history.ItemDegree(b).CompareTo(history.ItemDegree(a));
            return d != 0 ? d : a.CompareTo(b);
        });
        return order;
    }
}
