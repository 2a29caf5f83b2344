using CemCore.Merging;

namespace CemCore.Recommendations;

/// <summary>
/// Item co-occurrence counts of a binary customer × item incidence: customers per item n(i) and customers who bought both items n(i, j).
/// Counts of disjoint customer partitions merge exactly with <see cref="Merge"/>, so they can be computed per shard or per day.
/// </summary>
/// <remarks>
/// Immutable and thread-safe. Items are kept in ordinal order. Rows are the full symmetric sparse matrix (CSR, no diagonal) with 32-bit
/// pair counts: a merge in which more than 2,147,483,647 customers bought the same pair throws <see cref="OverflowException"/>.
/// </remarks>
public sealed class CooccurrenceCounts : IMergeable<CooccurrenceCounts>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.recommendations.cooccurrence";

    private readonly Dictionary<string, int> _index;

    private CooccurrenceCounts(string[] items, long customers, long[] itemCounts, long[] rowStart, int[] columns, int[] counts)
    {
        ItemIds = items;
        Items = Array.AsReadOnly(items);
        Customers = customers;
        ItemCounts = itemCounts;
        RowStart = rowStart;
        Columns = columns;
        PairCounts = counts;
        _index = new Dictionary<string, int>(items.Length, StringComparer.Ordinal);
        for (var i = 0; i < items.Length; i++)
        {
            _index[items[i]] = i;
        }
    }

    /// <summary>Gets the number of customers counted (the rows of the incidence, those without items included).</summary>
    public long Customers { get; }

    /// <summary>Gets the items in ordinal order.</summary>
    public IReadOnlyList<string> Items { get; }

    /// <summary>Gets the number of non-zero pairs (each unordered pair counted twice).</summary>
    public long NonZeroCount => Columns.LongLength;

    internal string[] ItemIds { get; }

    internal long[] ItemCounts { get; }

    internal long[] RowStart { get; }

    internal int[] Columns { get; }

    internal int[] PairCounts { get; }

    /// <inheritdoc/>
    /// <remarks>Version 1, no settings. Payload: customers (int64); item count (int32) and the item ids in ordinal order; per item the
    /// customers who bought it (int64); then per item its non-zero pair count (int32) and the pairs (column item index int32, count int64),
    /// columns ascending. The counts are their own result (no finalize step).</remarks>
    public PartialFormat Format => PartialFormat.WithoutSettings(KindId);

    /// <inheritdoc/>
    public CooccurrenceCounts MergeWith(CooccurrenceCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Format.EnsureMergeable(other.Format);
        return Merge(other);
    }

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(Customers);
        w.Write(ItemIds.Length);
        foreach (var item in ItemIds)
        {
            w.Write(item);
        }

        foreach (var n in ItemCounts)
        {
            w.Write(n);
        }

        for (var i = 0; i < ItemIds.Length; i++)
        {
            w.Write((int)(RowStart[i + 1] - RowStart[i]));
            for (var k = RowStart[i]; k < RowStart[i + 1]; k++)
            {
                w.Write(Columns[k]);
                w.Write((long)PairCounts[k]);
            }
        }
    }

    /// <inheritdoc/>
    public static CooccurrenceCounts ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var customers = r.ReadNonNegative("customer count");
        var n = r.ReadCount("item");
        var items = new string[n];
        for (var i = 0; i < n; i++)
        {
            items[i] = r.ReadString();
            if (i > 0 && string.CompareOrdinal(items[i - 1], items[i]) >= 0)
            {
                throw new InvalidDataException("The co-occurrence partial is corrupt: items are not in strictly ascending ordinal order.");
            }
        }

        var counts = new long[n];
        for (var i = 0; i < n; i++)
        {
            counts[i] = r.ReadNonNegative("item count");
        }

        var rowCols = new int[n][];
        var rowVals = new int[n][];
        for (var i = 0; i < n; i++)
        {
            var m = r.ReadCount("pair");
            rowCols[i] = new int[m];
            rowVals[i] = new int[m];
            for (var k = 0; k < m; k++)
            {
                var col = r.ReadInt32();
                if (col < 0 || col >= n || col == i || (k > 0 && col <= rowCols[i][k - 1]))
                {
                    throw new InvalidDataException("The co-occurrence partial is corrupt: a pair column is out of range or out of order.");
                }

                rowCols[i][k] = col;
                var pairs = r.ReadNonNegative("pair count");
                rowVals[i][k] = pairs <= int.MaxValue ? (int)pairs
                    : throw new InvalidDataException("The co-occurrence partial is corrupt: a pair count exceeds the 32-bit range of the counts.");
            }
        }

        return Pack(items, customers, counts, rowCols, rowVals);
    });

    /// <summary>
    /// Counts a history: X^T X of its binary incidence X (customers × items), by a row-by-row sparse product (Gustavson 1978) in parallel
    /// over item rows. Row i accumulates, for every customer c who bought i, the items of c into a dense per-thread counter; a per-thread
    /// bitmap of the touched columns yields them in ascending order without sorting. A first (symbolic) pass counts each row's non-zeros so
    /// the second (numeric) pass writes straight into the final CSR arrays. Work: Σ_c deg(c)² increments, no per-pair allocation.
    /// </summary>
    /// <param name="history">The history.</param>
    /// <returns>The counts.</returns>
    public static CooccurrenceCounts FromHistory(PurchaseHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var nItems = history.Items.Count;
        var itemStart = history.ItemStart;
        var itemCustomers = history.ItemCustomers;
        var custStart = history.CustomerStart;
        var custItems = history.CustomerItems;
        var words = (nItems + 63) >> 6;

        // Symbolic pass: the number of distinct co-bought items of every row (the item itself excluded).
        var start = new long[nItems + 1];
        Parallel.For(
            0,
            nItems,
            () => new ulong[words],
            (i, _, bits) =>
            {
                for (var p = itemStart[i]; p < itemStart[i + 1]; p++)
                {
                    var c = itemCustomers[p];
                    for (var q = custStart[c]; q < custStart[c + 1]; q++)
                    {
                        var j = custItems[q];
                        bits[j >> 6] |= 1UL << j;
                    }
                }

                var n = 0;
                for (var w = 0; w < words; w++)
                {
                    n += System.Numerics.BitOperations.PopCount(bits[w]);
                    bits[w] = 0;
                }

                // The row's own item is set whenever the row has a customer.
                start[i + 1] = itemStart[i + 1] > itemStart[i] ? n - 1 : 0;
                return bits;
            },
            _ => { });
        for (var i = 0; i < nItems; i++)
        {
            start[i + 1] += start[i];
        }

        // Numeric pass: dense counters, emitted in column order by scanning the bitmap.
        // Every slot is written below, so the arrays need no zeroing.
        var columns = GC.AllocateUninitializedArray<int>(checked((int)start[^1]));
        var pairs = GC.AllocateUninitializedArray<int>(columns.Length);
        Parallel.For(
            0,
            nItems,
            () => (Acc: new int[nItems], Bits: new ulong[words]),
            (i, _, local) =>
            {
                var (acc, bits) = local;
                var len = (int)(start[i + 1] - start[i]);
                AccumulateRow(history, i, acc, bits, columns.AsSpan((int)start[i], len), pairs.AsSpan((int)start[i], len));
                return local;
            },
            _ => { });
        var counts = new long[nItems];
        for (var i = 0; i < nItems; i++)
        {
            counts[i] = itemStart[i + 1] - itemStart[i];
        }

        return new CooccurrenceCounts([.. history.Items], history.Customers.Count, counts, start, columns, pairs);
    }

    /// <summary>
    /// Row <paramref name="row"/> of XᵀX (Gustavson): adds the items of every customer of the row's item into the dense counter, then
    /// writes the touched columns other than the row's own in ascending order (from the bitmap) with their counts, and clears both
    /// scratch arrays again. Returns the number of entries written.
    /// </summary>
    internal static int AccumulateRow(PurchaseHistory history, int row, int[] acc, ulong[] bits, Span<int> columns, Span<int> pairs)
    {
        var itemStart = history.ItemStart;
        var itemCustomers = history.ItemCustomers;
        var custStart = history.CustomerStart;
        var custItems = history.CustomerItems;
        for (var p = itemStart[row]; p < itemStart[row + 1]; p++)
        {
            var c = itemCustomers[p];
            for (var q = custStart[c]; q < custStart[c + 1]; q++)
            {
                var j = custItems[q];
                acc[j]++;
                bits[j >> 6] |= 1UL << j;
            }
        }

        var o = 0;
        for (var w = 0; w < bits.Length; w++)
        {
            var word = bits[w];
            if (word == 0)
            {
                continue;
            }

            bits[w] = 0;
            do
            {
                var j = (w << 6) + System.Numerics.BitOperations.TrailingZeroCount(word);
                word &= word - 1;
                if (j != row)
                {
                    columns[o] = j;
                    pairs[o++] = acc[j];
                }

                acc[j] = 0;
            }
            while (word != 0);
        }

        return o;
    }

    /// <summary>Returns the number of customers who bought the item (0 when unknown).</summary>
    /// <param name="item">The item.</param>
    /// <returns>n(i).</returns>
    public long ItemCount(string item) => _index.TryGetValue(item, out var i) ? ItemCounts[i] : 0;

    /// <summary>Returns the number of customers who bought both items (0 when either is unknown or they are the same item).</summary>
    /// <param name="first">One item.</param>
    /// <param name="second">The other item.</param>
    /// <returns>n(i, j).</returns>
    public long PairCount(string first, string second)
    {
        if (!_index.TryGetValue(first, out var i) || !_index.TryGetValue(second, out var j))
        {
            return 0;
        }

        var lo = RowStart[i];
        var k = Array.BinarySearch(Columns, (int)lo, (int)(RowStart[i + 1] - lo), j);
        return k >= 0 ? PairCounts[k] : 0;
    }

    /// <summary>
    /// Adds the counts of another partition of customers (no customer in both): the result equals the counts of the union.
    /// </summary>
    /// <param name="other">The other partition's counts.</param>
    /// <returns>The merged counts.</returns>
    /// <exception cref="OverflowException">A merged pair count exceeds <see cref="int.MaxValue"/>.</exception>
    public CooccurrenceCounts Merge(CooccurrenceCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var names = ItemIds.Union(other.ItemIds, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var index = new Dictionary<string, int>(names.Length, StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            index[names[i]] = i;
        }

        var mapA = ItemIds.Select(n => index[n]).ToArray();
        var mapB = other.ItemIds.Select(n => index[n]).ToArray();
        var rowsA = new int[names.Length];
        var rowsB = new int[names.Length];
        Array.Fill(rowsA, -1);
        Array.Fill(rowsB, -1);
        for (var i = 0; i < mapA.Length; i++)
        {
            rowsA[mapA[i]] = i;
        }

        for (var i = 0; i < mapB.Length; i++)
        {
            rowsB[mapB[i]] = i;
        }

        var counts = new long[names.Length];
        var rowCols = new int[names.Length][];
        var rowVals = new int[names.Length][];
        for (var r = 0; r < names.Length; r++)
        {
            var cols = new List<int>();
            var vals = new List<int>();
            int pa = 0, ea = 0, pb = 0, eb = 0;
            if (rowsA[r] >= 0)
            {
                counts[r] += ItemCounts[rowsA[r]];
                (pa, ea) = ((int)RowStart[rowsA[r]], (int)RowStart[rowsA[r] + 1]);
            }

            if (rowsB[r] >= 0)
            {
                counts[r] += other.ItemCounts[rowsB[r]];
                (pb, eb) = ((int)other.RowStart[rowsB[r]], (int)other.RowStart[rowsB[r] + 1]);
            }

            // The maps are monotone (both sides are in ordinal order), so the rows stay sorted: a two-way merge.
            while (pa < ea || pb < eb)
            {
                var ca = pa < ea ? mapA[Columns[pa]] : int.MaxValue;
                var cb = pb < eb ? mapB[other.Columns[pb]] : int.MaxValue;
                if (ca == cb)
                {
                    cols.Add(ca);
                    vals.Add(checked(PairCounts[pa++] + other.PairCounts[pb++]));
                }
                else if (ca < cb)
                {
                    cols.Add(ca);
                    vals.Add(PairCounts[pa++]);
                }
                else
                {
                    cols.Add(cb);
                    vals.Add(other.PairCounts[pb++]);
                }
            }

            rowCols[r] = [.. cols];
            rowVals[r] = [.. vals];
        }

        return Pack(names, checked(Customers + other.Customers), counts, rowCols, rowVals);
    }

    internal int IndexOf(string item) => _index.TryGetValue(item, out var i) ? i : -1;

    private static CooccurrenceCounts Pack(string[] items, long customers, long[] itemCounts, int[][] rowCols, int[][] rowVals)
    {
        var start = new long[items.Length + 1];
        for (var i = 0; i < items.Length; i++)
        {
            start[i + 1] = start[i] + rowCols[i].Length;
        }

        var cols = new int[start[^1]];
        var vals = new int[start[^1]];
        for (var i = 0; i < items.Length; i++)
        {
            rowCols[i].CopyTo(cols, start[i]);
            rowVals[i].CopyTo(vals, start[i]);
        }

        return new CooccurrenceCounts(items, customers, itemCounts, start, cols, vals);
    }
}
