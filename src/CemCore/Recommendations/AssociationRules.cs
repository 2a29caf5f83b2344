using System.Globalization;

namespace CemCore.Recommendations;

/// <summary>A frequent itemset.</summary>
/// <param name="Items">The items, in ordinal order.</param>
/// <param name="Count">Baskets containing every item.</param>
/// <param name="Support">Count / baskets.</param>
public sealed record FrequentItemset(IReadOnlyList<string> Items, long Count, double Support);

/// <summary>An association rule A → C ("frequently bought together").</summary>
/// <param name="Antecedent">A, in ordinal order.</param>
/// <param name="Consequent">C, in ordinal order, disjoint from A.</param>
/// <param name="Support">supp(A ∪ C).</param>
/// <param name="Confidence">supp(A ∪ C) / supp(A).</param>
/// <param name="Lift">confidence / supp(C).</param>
/// <param name="Leverage">supp(A ∪ C) − supp(A) supp(C).</param>
/// <param name="Conviction">(1 − supp(C)) / (1 − confidence); <see cref="double.PositiveInfinity"/> when confidence is 1.</param>
public sealed record AssociationRule(IReadOnlyList<string> Antecedent, IReadOnlyList<string> Consequent, double Support, double Confidence, double Lift, double Leverage, double Conviction);

/// <summary>Frequent itemsets and rules of a set of baskets.</summary>
/// <param name="Baskets">The number of baskets N (empty baskets included).</param>
/// <param name="Itemsets">Every itemset with support ≥ the minimum, by size then items (ordinal, element by element).</param>
/// <param name="Rules">Every rule with confidence ≥ the minimum, by antecedent then consequent (size, then items).</param>
public sealed record AssociationRuleSet(long Baskets, IReadOnlyList<FrequentItemset> Itemsets, IReadOnlyList<AssociationRule> Rules);

/// <summary>
/// Association-rule mining with FP-growth (Han, Pei and Yin 2000): frequent itemsets without candidate generation, then every rule
/// A → C with A, C non-empty and disjoint and A ∪ C frequent.
/// </summary>
/// <remarks>
/// <para>support(X) = baskets containing X / N, and X is frequent when support(X) ≥ minSupport (compared as that double quotient).
/// confidence = count(A ∪ C) / count(A); lift = confidence / support(C); leverage and conviction as in Piatetsky-Shapiro (1991) and
/// Brin et al. (1997).</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class AssociationRules
{
    /// <summary>Mines the baskets of a history.</summary>
    /// <param name="history">The history; its baskets are the transactions.</param>
    /// <param name="minSupport">Minimum support in (0, 1].</param>
    /// <param name="minConfidence">Minimum confidence in [0, 1].</param>
    /// <param name="maxLength">Longest itemset, at least 1 (rules enumerate 2^n − 2 splits of each itemset of n items).</param>
    /// <returns>The itemsets and rules.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside its range.</exception>
    public static AssociationRuleSet Mine(PurchaseHistory history, double minSupport, double minConfidence, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(history);
        var baskets = new int[history.Baskets.Count][];
        for (var b = 0; b < baskets.Length; b++)
        {
            baskets[b] = history.BasketItems[history.BasketStart[b]..history.BasketStart[b + 1]];
        }

        return Mine(baskets, history.Items, minSupport, minConfidence, maxLength);
    }

    /// <summary>Mines baskets given as item lists (duplicates within a basket count once).</summary>
    /// <param name="baskets">The baskets.</param>
    /// <param name="minSupport">Minimum support in (0, 1].</param>
    /// <param name="minConfidence">Minimum confidence in [0, 1].</param>
    /// <param name="maxLength">Longest itemset, at least 1.</param>
    /// <returns>The itemsets and rules.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is outside its range.</exception>
    public static AssociationRuleSet Mine(IEnumerable<IEnumerable<string>> baskets, double minSupport, double minConfidence, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(baskets);
        var lists = baskets.Select(b => (b ?? throw new ArgumentException("A basket is null.", nameof(baskets))).Distinct(StringComparer.Ordinal).ToArray()).ToArray();
        var names = lists.SelectMany(b => b).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            index[names[i]] = i;
        }

        var ints = lists.Select(b => b.Select(s => index[s]).Order().ToArray()).ToArray();
        return Mine(ints, names, minSupport, minConfidence, maxLength);
    }

    internal static AssociationRuleSet Mine(int[][] baskets, IReadOnlyList<string> names, double minSupport, double minConfidence, int maxLength)
    {
        Validate(minSupport, minConfidence, maxLength);
        var n = baskets.LongLength;
        var sets = FpGrowth(baskets, names.Count, MinCount(minSupport, n), maxLength);
        return Build(sets, names, n, minConfidence);
    }

    /// <summary>The smallest count c with c / n ≥ minSupport (as doubles), so the threshold is exactly the contract's quotient test.</summary>
    internal static long MinCount(double minSupport, long n)
    {
        var c = Math.Max(1L, (long)Math.Floor(minSupport * n) - 1);
        while (c <= n && c / (double)n < minSupport)
        {
            c++;
        }

        return c;
    }

    internal static void Validate(double minSupport, double minConfidence, int maxLength)
    {
        if (!(minSupport > 0 && minSupport <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minSupport), minSupport, string.Create(CultureInfo.InvariantCulture, $"minSupport must be in (0, 1], not {minSupport}."));
        }

        if (!(minConfidence >= 0 && minConfidence <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(minConfidence), minConfidence, string.Create(CultureInfo.InvariantCulture, $"minConfidence must be in [0, 1], not {minConfidence}."));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
    }

    internal static AssociationRuleSet Build(Dictionary<int[], long> sets, IReadOnlyList<string> names, long n, double minConfidence)
    {
        var itemsets = sets.OrderBy(kv => kv.Key, SetOrder.Instance)
            .Select(kv => new FrequentItemset(Names(kv.Key, names), kv.Value, kv.Value / (double)n))
            .ToArray();
        var rules = new List<(int[] A, int[] C, AssociationRule Rule)>();
        foreach (var (set, count) in sets)
        {
            if (set.Length < 2)
            {
                continue;
            }

            var full = (1 << set.Length) - 1;
            for (var mask = 1; mask < full; mask++)
            {
                var a = Pick(set, mask);
                var c = Pick(set, full & ~mask);
                var countA = sets[a];
                var countC = sets[c];
                var confidence = count / (double)countA;
                if (confidence < minConfidence)
                {
                    continue;
                }

                var support = count / (double)n;
                var suppA = countA / (double)n;
                var suppC = countC / (double)n;
                var lift = count * (double)n / ((double)countA * countC);
                var conviction = count == countA ? double.PositiveInfinity : (1 - suppC) / (1 - confidence);
                rules.Add((a, c, new AssociationRule(Names(a, names), Names(c, names), support, confidence, lift, support - (suppA * suppC), conviction)));
            }
        }

        rules.Sort((x, y) =>
        {
            var d = SetOrder.Instance.Compare(x.A, y.A);
            return d != 0 ? d : SetOrder.Instance.Compare(x.C, y.C);
        });
        return new AssociationRuleSet(n, itemsets, rules.Select(r => r.Rule).ToArray());
    }

    /// <summary>
    /// FP-growth (Han, Pei and Yin 2000) over baskets of item indices; returns every frequent itemset (sorted indices) with its count.
    /// The trees are arrays (label, parent, count and the header list's next node per node); a tree is built from its weighted paths
    /// sorted lexicographically, so every path shares its prefix with the previous path only and no child lookup is needed. Conditional
    /// trees are built the same way from the prefix paths of a label's nodes, kept as flat arrays.
    /// </summary>
    internal static Dictionary<int[], long> FpGrowth(int[][] baskets, int items, long minCount, int maxLength)
    {
        var counts = new long[items];
        long total = 0;
        foreach (var b in baskets)
        {
            foreach (var i in b)
            {
                counts[i]++;
            }

            total += b.Length;
        }

        // Rank frequent items by count descending, then index (the FP-tree insertion order).
        var frequentList = new List<int>();
        for (var i = 0; i < items; i++)
        {
            if (counts[i] >= minCount)
            {
                frequentList.Add(i);
            }
        }

        var frequent = frequentList.ToArray();
        Array.Sort(frequent, (x, y) =>
        {
            var d = counts[y].CompareTo(counts[x]);
            return d != 0 ? d : x.CompareTo(y);
        });
        var rank = new int[items];
        Array.Fill(rank, -1);
        for (var r = 0; r < frequent.Length; r++)
        {
            rank[frequent[r]] = r;
        }

        var paths = new PathBuffer(baskets.Length, checked((int)total));
        foreach (var b in baskets)
        {
            var from = paths.Length;
            foreach (var i in b)
            {
                if (rank[i] >= 0)
                {
                    paths.Add(rank[i]);
                }
            }

            paths.Items.AsSpan(from, paths.Length - from).Sort();
            paths.EndPath(1);
        }

        var tree = FpTree.Build(frequent.Length, paths);
        var result = new Dictionary<int[], long>(SetEquality.Instance);
        var suffix = new List<int>();
        Grow(tree, frequent, minCount, maxLength, suffix, result);
        return result;
    }

    private static void Grow(FpTree tree, int[] labels, long minCount, int maxLength, List<int> suffix, Dictionary<int[], long> result)
    {
        for (var r = tree.Labels - 1; r >= 0; r--)
        {
            var support = tree.Support[r];
            if (support < minCount)
            {
                continue;
            }

            suffix.Add(labels[r]);
            var set = suffix.ToArray();
            Array.Sort(set);
            result[set] = support;
            if (suffix.Count < maxLength)
            {
                // Conditional pattern base of label r: prefix paths (labels < r) weighted by the node counts.
                var condCounts = new long[r];
                var nodes = 0;
                var elements = 0;
                for (var node = tree.Head[r]; node > 0; node = tree.Next[node])
                {
                    var count = tree.Count[node];
                    nodes++;
                    for (var p = tree.Parent[node]; p > 0; p = tree.Parent[p])
                    {
                        condCounts[tree.Label[p]] += count;
                        elements++;
                    }
                }

                var newRank = new int[r];
                var kept = 0;
                for (var l = 0; l < r; l++)
                {
                    newRank[l] = condCounts[l] >= minCount ? kept++ : -1;
                }

                if (kept > 0)
                {
                    var prefixes = new PathBuffer(nodes, elements);
                    for (var node = tree.Head[r]; node > 0; node = tree.Next[node])
                    {
                        var from = prefixes.Length;
                        for (var p = tree.Parent[node]; p > 0; p = tree.Parent[p])
                        {
                            var q = newRank[tree.Label[p]];
                            if (q >= 0)
                            {
                                prefixes.Add(q);
                            }
                        }

                        // Walked upwards, so the ranks are descending: reverse to the tree's ascending order.
                        prefixes.Items.AsSpan(from, prefixes.Length - from).Reverse();
                        prefixes.EndPath(tree.Count[node]);
                    }

                    var condLabels = new int[kept];
                    for (var l = 0; l < r; l++)
                    {
                        if (newRank[l] >= 0)
                        {
                            condLabels[newRank[l]] = labels[l];
                        }
                    }

                    Grow(FpTree.Build(kept, prefixes), condLabels, minCount, maxLength, suffix, result);
                }
            }

            suffix.RemoveAt(suffix.Count - 1);
        }
    }

    /// <summary>Weighted paths of ascending labels, stored flat: path p is Items[Start[p]..Start[p + 1]) with weight Weight[p].</summary>
    private sealed class PathBuffer(int paths, int elements)
    {
        private readonly int[] _start = new int[paths + 1];
        private readonly long[] _weight = new long[paths];

        public int[] Items { get; } = new int[elements];

        public int Length { get; private set; }

        public int Count { get; private set; }

        public ReadOnlySpan<int> Path(int p) => Items.AsSpan(_start[p], _start[p + 1] - _start[p]);

        public long Weight(int p) => _weight[p];

        public void Add(int label) => Items[Length++] = label;

        public void EndPath(long weight)
        {
            _weight[Count] = weight;
            _start[++Count] = Length;
        }
    }

    private static int[] Pick(int[] set, int mask)
    {
        var list = new int[int.PopCount(mask)];
        var k = 0;
        for (var b = 0; b < set.Length; b++)
        {
            if ((mask & (1 << b)) != 0)
            {
                list[k++] = set[b];
            }
        }

        return list;
    }

    private static string[] Names(int[] set, IReadOnlyList<string> names)
    {
        var s = new string[set.Length];
        for (var k = 0; k < s.Length; k++)
        {
            s[k] = names[set[k]];
        }

        return s;
    }

    /// <summary>
    /// An FP-tree in arrays: node 0 is the root; labels are ranks (0 = most frequent); <see cref="Head"/> and <see cref="Next"/> are the
    /// header table's linked list of every label's nodes; <see cref="Support"/> is the total count per label.
    /// </summary>
    private sealed class FpTree
    {
        private FpTree(int labels, int capacity)
        {
            Labels = labels;
            Head = new int[labels];
            Support = new long[labels];
            Label = new int[capacity + 1];
            Parent = new int[capacity + 1];
            Count = new long[capacity + 1];
            Next = new int[capacity + 1];
            Label[0] = -1;
            Parent[0] = -1;
        }

        public int Labels { get; }

        public int[] Head { get; }

        public long[] Support { get; }

        public int[] Label { get; }

        public int[] Parent { get; }

        public long[] Count { get; }

        public int[] Next { get; }

        /// <summary>
        /// Builds the tree of the weighted paths: sorted lexicographically, a path can only share nodes with the nodes of the previous
        /// path (the longest common prefix), so the nodes of the current path are kept on a stack and new nodes are appended.
        /// </summary>
        public static FpTree Build(int labels, PathBuffer paths)
        {
            var order = new int[paths.Count];
            for (var p = 0; p < order.Length; p++)
            {
                order[p] = p;
            }

            Array.Sort(order, (x, y) =>
            {
                var d = paths.Path(x).SequenceCompareTo(paths.Path(y));
                return d != 0 ? d : x.CompareTo(y);
            });
            var tree = new FpTree(labels, paths.Length);
            var stack = new int[labels + 1];
            var nodes = 1;
            var previous = ReadOnlySpan<int>.Empty;
            foreach (var p in order)
            {
                var path = paths.Path(p);
                var weight = paths.Weight(p);
                var common = path.CommonPrefixLength(previous);
                for (var d = common; d < path.Length; d++)
                {
                    var label = path[d];
                    var node = nodes++;
                    tree.Label[node] = label;
                    tree.Parent[node] = d == 0 ? 0 : stack[d - 1];
                    tree.Next[node] = tree.Head[label];
                    tree.Head[label] = node;
                    stack[d] = node;
                }

                for (var d = 0; d < path.Length; d++)
                {
                    tree.Count[stack[d]] += weight;
                    tree.Support[path[d]] += weight;
                }

                previous = path;
            }

            return tree;
        }
    }

    /// <summary>Orders sets by size, then element by element.</summary>
    internal sealed class SetOrder : IComparer<int[]>
    {
        public static readonly SetOrder Instance = new();

        public int Compare(int[]? x, int[]? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            if (x.Length != y.Length)
            {
                return x.Length.CompareTo(y.Length);
            }

            for (var k = 0; k < x.Length; k++)
            {
                if (x[k] != y[k])
                {
                    return x[k].CompareTo(y[k]);
                }
            }

            return 0;
        }
    }

    /// <summary>Equality of sorted index sets.</summary>
    internal sealed class SetEquality : IEqualityComparer<int[]>
    {
        public static readonly SetEquality Instance = new();

        public bool Equals(int[]? x, int[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(int[] obj)
        {
            var h = default(HashCode);
            foreach (var v in obj)
            {
                h.Add(v);
            }

            return h.ToHashCode();
        }
    }
}

/// <summary>A naive level-wise Apriori (Agrawal and Srikant 1994) counting candidates by scanning every basket: the baseline of the benchmark and an oracle for tests.</summary>
internal static class NaiveApriori
{
    public static Dictionary<int[], long> Frequent(int[][] baskets, int items, long minCount, int maxLength)
    {
        var result = new Dictionary<int[], long>(AssociationRules.SetEquality.Instance);
        var level = new List<int[]>();
        var counts = new long[items];
        foreach (var b in baskets)
        {
            foreach (var i in b)
            {
                counts[i]++;
            }
        }

        for (var i = 0; i < items; i++)
        {
            if (counts[i] >= minCount)
            {
                level.Add([i]);
                result[[i]] = counts[i];
            }
        }

        for (var size = 2; size <= maxLength && level.Count > 1; size++)
        {
            // Join sets sharing the first size-2 items; prune candidates with an infrequent subset.
            var candidates = new List<int[]>();
            for (var a = 0; a < level.Count; a++)
            {
                for (var b = a + 1; b < level.Count; b++)
                {
                    if (!level[a].AsSpan(0, size - 2).SequenceEqual(level[b].AsSpan(0, size - 2)))
                    {
                        break;
                    }

                    var c = new int[size];
                    level[a].CopyTo(c, 0);
                    c[size - 1] = level[b][size - 2];
                    if (AllSubsetsFrequent(c, result))
                    {
                        candidates.Add(c);
                    }
                }
            }

            // Count: every size-k combination of each basket, looked up among the candidates.
            var index = new Dictionary<int[], int>(candidates.Count, AssociationRules.SetEquality.Instance);
            for (var k = 0; k < candidates.Count; k++)
            {
                index[candidates[k]] = k;
            }

            var found = new long[candidates.Count];
            var combo = new int[size];
            foreach (var basket in baskets)
            {
                if (basket.Length >= size && basket.Length <= 24)
                {
                    CountCombinations(basket, combo, 0, 0, index, found);
                }
                else if (basket.Length > 24)
                {
                    for (var k = 0; k < candidates.Count; k++)
                    {
                        if (IsSubset(candidates[k], basket))
                        {
                            found[k]++;
                        }
                    }
                }
            }

            level = [];
            for (var k = 0; k < candidates.Count; k++)
            {
                if (found[k] >= minCount)
                {
                    level.Add(candidates[k]);
                    result[candidates[k]] = found[k];
                }
            }
        }

        return result;
    }

    private static void CountCombinations(int[] basket, int[] combo, int depth, int from, Dictionary<int[], int> index, long[] found)
    {
        if (depth == combo.Length)
        {
            if (index.TryGetValue(combo, out var k))
            {
                found[k]++;
            }

            return;
        }

        for (var p = from; p <= basket.Length - (combo.Length - depth); p++)
        {
            combo[depth] = basket[p];
            CountCombinations(basket, combo, depth + 1, p + 1, index, found);
        }
    }

    private static bool AllSubsetsFrequent(int[] c, Dictionary<int[], long> frequent)
    {
        var sub = new int[c.Length - 1];
        for (var skip = 0; skip < c.Length; skip++)
        {
            var k = 0;
            for (var q = 0; q < c.Length; q++)
            {
                if (q != skip)
                {
                    sub[k++] = c[q];
                }
            }

            if (!frequent.ContainsKey(sub))
            {
                return false;
            }
        }

        return true;
    }

    // Both sorted ascending.
    private static bool IsSubset(int[] set, int[] basket)
    {
        var p = 0;
        foreach (var v in basket)
        {
            if (p < set.Length && v == set[p])
            {
                p++;
            }
            else if (p < set.Length && v > set[p])
            {
                return false;
            }
        }

        return p == set.Length;
    }
}
