using System.Buffers;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Transactions;

namespace CemCore.Features;

/// <summary>
/// Computes <see cref="CustomerFeatures"/> from transactions as of an instant, in one pass over each customer's rows.
/// </summary>
/// <remarks>
/// <para>Input order does not matter: rows are grouped by customer (counting sort) and ordered by instant inside each customer.
/// Rows at or after the as-of instant are ignored, not rejected.</para>
/// <para>Thread-safe: the extractor holds no state.</para>
/// </remarks>
public static class FeatureExtractor
{
    /// <summary>The number of 4,096-customer chunks from which the features are computed in parallel (16,384 customers).</summary>
    internal const int ParallelMinChunks = 4;

    /// <summary>Customers per chunk (the unit of work of a worker and of the shared category/channel arrays).</summary>
    private const int ChunkSize = 1 << ChunkShift;

    /// <summary>log2 of <see cref="ChunkSize"/>.</summary>
    private const int ChunkShift = 12;

    /// <summary>Computes the features of every customer in <paramref name="table"/>.</summary>
    /// <param name="table">The transactions.</param>
    /// <param name="asOf">The exclusive as-of instant.</param>
    /// <param name="settings">Settings; <see langword="null"/> for <see cref="FeatureSettings.Default"/>.</param>
    /// <param name="progress">Receives progress (stage <c>"features"</c>, customers done), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 customers.</param>
    /// <returns>The feature set, one entry per customer in first-appearance order.</returns>
    /// <remarks>Customers are processed in chunks of 4,096, in parallel when more than one processor is available and there are at least
    /// 16,384 customers (see <see cref="FeatureSettings.MaxDegreeOfParallelism"/>); the result does not
    /// depend on the degree of parallelism. <paramref name="progress"/> may then be called from worker threads.</remarks>
    public static CustomerFeatureSet Compute(
        TransactionTable table,
        DateTimeOffset asOf,
        FeatureSettings? settings = null,
        IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        settings ??= FeatureSettings.Default;
        var customers = table.CustomerIds.Count;

        // Rows grouped by customer in two levels (issue 17): here by chunk of 4,096 customers, in row order, with each row's instant (a
        // few hundred sequential write streams instead of one random write per row once the table outgrows the cache); per chunk, in
        // RunChunk, by customer inside the chunk's cache-resident range. The arrays are pooled (12 MB of large-object-heap arrays per
        // call brought on full collections).
        var start = ArrayPool<int>.Shared.Rent(customers + 1);
        var keys = ArrayPool<ulong>.Shared.Rent(table.Count);
        var times = ArrayPool<long>.Shared.Rent(table.Count);
        try
        {
            return ComputeGrouped(table, asOf, settings, progress, start, keys, times, cancellationToken);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(times);
            ArrayPool<ulong>.Shared.Return(keys);
            ArrayPool<int>.Shared.Return(start);
        }
    }

    private static CustomerFeatureSet ComputeGrouped(
        TransactionTable table,
        DateTimeOffset asOf,
        FeatureSettings settings,
        IProgress<OperationProgress>? progress,
        int[] start,
        ulong[] keys,
        long[] times,
        CancellationToken cancellationToken)
    {
        var customers = table.CustomerIds.Count;
        var asOfTicks = asOf.UtcTicks;
        var cust = table.CustomerIndex;
        var ticks = table.UtcTicks;

        // start[c] = where customer c's included rows begin in the grouped order (counts, then a running sum).
        Array.Clear(start, 0, customers + 1);
        for (var i = 0; i < table.Count; i++)
        {
            if (ticks[i] < asOfTicks)
            {
                start[cust[i] + 1]++;
            }
        }

        for (var c = 0; c < customers; c++)
        {
            start[c + 1] += start[c];
        }

        // First level: each included row into its chunk's range, in row order, as (row, customer within the chunk) with its instant.
        var chunks = (customers + ChunkSize - 1) / ChunkSize;
        var cursor = new int[chunks];
        for (var k = 0; k < chunks; k++)
        {
            cursor[k] = start[k * ChunkSize];
        }

        for (var i = 0; i < table.Count; i++)
        {
            var t = ticks[i];
            if (t < asOfTicks)
            {
                var c = cust[i];
                var at = cursor[c >> ChunkShift]++;
                keys[at] = unchecked((uint)i | ((ulong)(c & (ChunkSize - 1)) << 32));
                times[at] = t;
            }
        }

        var endDay = settings.DayOf(asOfTicks - 1);
        var unitDays = (double)TimeUnits.DaysPerUnit(settings.TimeUnit);
        // The values go into one reference-free array (uninitialized: every element is written whole below) and the statistics into
        // two arrays per chunk; no object per customer is made here (see CustomerFeatureSet).
        var values = GC.AllocateUninitializedArray<FeatureValues>(customers);
        var categoryChunks = new CategoryStat[chunks][];
        var channelChunks = new ChannelStat[chunks][];
        var ranks = new StatRanks(table);
        long done = 0;
        progress?.Report(new OperationProgress("features", 0, customers));

        void RunChunk(int chunk, Scratch state)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var first = chunk * ChunkSize;
            var last = Math.Min(customers, (chunk + 1) * ChunkSize);
            // Second level: the chunk's rows by customer (rows stay in row order inside a customer), with their instants; then each
            // customer's rows ordered by time on that copy, then the other columns gathered in that order: the reads are independent,
            // so many cache misses overlap, and the per-customer pass below reads contiguous, cache-resident rows.
            var chunkFrom = start[first];
            var chunkRows = state.GroupChunk(keys.AsSpan(chunkFrom, start[last] - chunkFrom), times.AsSpan(chunkFrom, start[last] - chunkFrom), start.AsSpan(first, last - first), chunkFrom);
            for (var c = first; c < last; c++)
            {
                var from = start[c] - chunkFrom;
                var length = start[c + 1] - start[c];
                state.SortByTime(state.Ticks.AsSpan(from, length), chunkRows.Slice(from, length));
            }

            state.GatherRest(chunkRows);
            state.BeginChunk();
            for (var c = first; c < last; c++)
            {
                ComputeOne(table, start[c] - chunkFrom, start[c + 1] - start[c], endDay, unitDays, settings, state, out values[c]);
            }

            // The chunk's categories and channels in two arrays of their own, sliced per customer: a few large objects instead of two
            // small arrays per customer for the garbage collector to copy (issue 17).
            categoryChunks[chunk] = state.CatOut.ToArray();
            channelChunks[chunk] = state.ChanOut.ToArray();

            var completed = Interlocked.Add(ref done, last - (chunk * ChunkSize));
            progress?.Report(new OperationProgress("features", completed, customers));
        }

        // Parallel only when it can pay: more than one processor and at least ParallelMinChunks chunks of work (issue #17: on one
        // processor, or for small populations, the parallel path cost more than it saved).
        if (settings.MaxDegreeOfParallelism == 1 || Environment.ProcessorCount == 1 || chunks < ParallelMinChunks)
        {
            var state = new Scratch(table, ranks);
            try
            {
                for (var chunk = 0; chunk < chunks; chunk++)
                {
                    RunChunk(chunk, state);
                }
            }
            finally
            {
                state.Release();
            }
        }
        else
        {
            // One scratch per worker, workers claiming chunks in order (Parallel.For over the chunks may start more tasks than
            // processors, each with a scratch of its own: issue 17 measured 11 MB more allocated than on one thread).
            var workers = Math.Min(chunks, settings.MaxDegreeOfParallelism == -1 ? Environment.ProcessorCount : settings.MaxDegreeOfParallelism);
            var next = -1;
            var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = workers };
            Parallel.For(0, workers, options, _ =>
            {
                var state = new Scratch(table, ranks);
                try
                {
                    int chunk;
                    while ((chunk = Interlocked.Increment(ref next)) < chunks)
                    {
                        RunChunk(chunk, state);
                    }
                }
                finally
                {
                    state.Release();
                }
            });
        }

        progress?.Report(new OperationProgress("features", customers, customers));
        return new CustomerFeatureSet(new FeatureStore(table.CustomerIdArray, values, categoryChunks, channelChunks, ChunkShift), asOf, settings);
    }

    /// <summary>Reads every transaction before <paramref name="asOf"/> from a source and computes the features.</summary>
    /// <param name="source">The host's transaction source.</param>
    /// <param name="asOf">The exclusive as-of instant.</param>
    /// <param name="settings">Settings; <see langword="null"/> for defaults.</param>
    /// <param name="progress">Receives progress (stages <c>"read"</c> and <c>"features"</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels reading and computing.</param>
    /// <returns>The feature set.</returns>
    /// <exception cref="DataFormatException">The source yielded rows that break a rule of <see cref="TransactionTableBuilder"/>.</exception>
    public static async ValueTask<CustomerFeatureSet> ComputeAsync(
        ITransactionSource source,
        DateTimeOffset asOf,
        FeatureSettings? settings = null,
        IProgress<OperationProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var builder = new TransactionTableBuilder();
        long n = 0;
        await foreach (var t in source.ReadTransactionsAsync(new TimeWindow(null, asOf), cancellationToken).ConfigureAwait(false))
        {
            builder.Add(t);
            if ((++n & 4095) == 0)
            {
                progress?.Report(new OperationProgress("read", n, null));
            }
        }

        progress?.Report(new OperationProgress("read", n, n));
        return Compute(builder.Build(), asOf, settings, progress, cancellationToken);
    }

    private static void ComputeOne(
        TransactionTable table,
        int offset,
        int length,
        long endDay,
        double unitDays,
        FeatureSettings settings,
        Scratch s,
        out FeatureValues values)
    {
        // The customer's rows, grouped and gathered by the scratch (index k here is row Rows[offset + k] of the table).
        var ticks = s.Ticks.AsSpan(offset, length);
        var inCents = s.MoneyInCents;
        var amounts = s.Amounts.AsSpan(offset, length);
        var amountCents = s.AmountCents.AsSpan(offset, length);
        var amountScales = s.AmountScales.AsSpan(offset, length);
        var discountCents = s.DiscountCents.AsSpan(offset, length);
        var discountScales = s.DiscountScales.AsSpan(offset, length);
        var kinds = s.Kinds.AsSpan(offset, length);
        var orders = s.Orders.AsSpan(offset, length);
        var cats = s.Categories.AsSpan(offset, length);
        var chans = s.ChannelIndex.AsSpan(offset, length);
        var qty = s.Quantities.AsSpan(offset, length);
        var discounts = s.Discounts.AsSpan(offset, length);
        s.Stamp++;

        int orderCount = 0, returnCount = 0, purchaseDays = 0, repeatDays = 0;
        MoneySum gross = default, returned = default, discount = default, repeatSpend = default;
        long quantity = 0;
        long firstTicks = 0, lastTicks = 0, firstDay = 0, lastDay = long.MinValue;
        double intervalSum = 0, intervalSumSq = 0;
        int minInterval = int.MaxValue, maxInterval = 0;
        int catCount = 0, chanCount = 0;

        for (var r = 0; r < length; r++)
        {
            var o = s.UseOrders ? orders[r] : 0; // not read below when every row is its own order and there are no categories

            // An order's rows are consecutive here (SortByTime), so a row starts an order unless the previous row is of the same order.
            var newOrder = s.OneRowPerOrder || r == 0 || orders[r - 1] != o;
            if (s.UseKinds && kinds[r] == TransactionKind.Return)
            {
                returned.Add(inCents, amounts, amountCents, amountScales, r);
                returnCount += newOrder ? 1 : 0;
                continue;
            }

            if (newOrder)
            {
                orderCount++;
            }

            var day = settings.DayOf(ticks[r]);
            if (orderCount == 1 && newOrder)
            {
                firstTicks = ticks[r];
                firstDay = day;
            }

            lastTicks = ticks[r];
            if (day != lastDay)
            {
                if (purchaseDays > 0)
                {
                    var gap = checked((int)(day - lastDay));
                    intervalSum += gap;
                    intervalSumSq += (double)gap * gap;
                    minInterval = Math.Min(minInterval, gap);
                    maxInterval = Math.Max(maxInterval, gap);
                    repeatDays++;
                }

                purchaseDays++;
                lastDay = day;
            }

            if (purchaseDays > 1)
            {
                repeatSpend.Add(inCents, amounts, amountCents, amountScales, r);
            }

            gross.Add(inCents, amounts, amountCents, amountScales, r);
            if (s.UseDiscounts)
            {
                discount.Add(inCents, discounts, discountCents, discountScales, r);
            }

            quantity += s.UseQuantities ? qty[r] : 1;

            var cat = s.UseCategories ? cats[r] : -1;
            if (cat >= 0)
            {
                if (s.CatStamp[cat] != s.Stamp)
                {
                    s.CatStamp[cat] = s.Stamp;
                    s.CatSlot[cat] = catCount;
                    s.CatList[catCount++] = new CatAcc { Category = cat };
                }

                ref var acc = ref s.CatList[s.CatSlot[cat]];
                acc.Spend.Add(inCents, amounts, amountCents, amountScales, r);
                acc.LastTicks = ticks[r];
                if (acc.LastOrder != o + 1)
                {
                    acc.LastOrder = o + 1;
                    acc.Orders++;
                }
            }

            var ch = s.UseChannels ? chans[r] : -1;
            if (ch >= 0)
            {
                if (s.ChanStamp[ch] != s.Stamp)
                {
                    s.ChanStamp[ch] = s.Stamp;
                    s.ChanSlot[ch] = chanCount;
                    s.ChanList[chanCount++] = new ChanAcc { Channel = ch };
                }

                ref var acc = ref s.ChanList[s.ChanSlot[ch]];
                acc.Spend.Add(inCents, amounts, amountCents, amountScales, r);
                if (newOrder)
                {
                    acc.Orders++;
                }
            }
        }

        byte present = 0;
        double intervalMean = 0, intervalStdDev = 0;
        if (repeatDays > 0)
        {
            present = FeatureValues.HasMean | FeatureValues.HasStdDev | FeatureValues.HasMin | FeatureValues.HasMax;
            intervalMean = intervalSum / repeatDays;
            intervalStdDev = Math.Sqrt(Math.Max(0.0, (intervalSumSq / repeatDays) - Math.Pow(intervalSum / repeatDays, 2)));
        }

        values = new FeatureValues
        {
            OrderCount = orderCount,
            ReturnCount = returnCount,
            PurchaseDays = purchaseDays,
            GrossSpend = gross.Value(inCents),
            ReturnedAmount = returned.Value(inCents),
            DiscountTotal = discount.Value(inCents),
            Quantity = quantity,
            FirstPurchaseTicks = orderCount > 0 ? firstTicks : FeatureValues.NoInstant,
            LastPurchaseTicks = orderCount > 0 ? lastTicks : FeatureValues.NoInstant,
            IntervalMean = intervalMean,
            IntervalStdDev = intervalStdDev,
            IntervalMin = repeatDays > 0 ? minInterval : 0,
            IntervalMax = repeatDays > 0 ? maxInterval : 0,
            Present = present,
            Btyd = orderCount > 0
                ? new BtydSummary(
                    repeatDays,
                    (lastDay - firstDay) / unitDays,
                    (endDay - firstDay) / unitDays,
                    settings.TimeUnit,
                    repeatDays > 0 ? repeatSpend.Value(inCents) / repeatDays : 0m)
                : new BtydSummary(0, 0, 0, settings.TimeUnit, 0m),
            CategoryStart = catCount > 0 ? s.CatOut.Count : 0,
            CategoryCount = catCount,
            ChannelStart = chanCount > 0 ? s.ChanOut.Count : 0,
            ChannelCount = chanCount,
        };
        if (catCount > 0)
        {
            AppendCategories(table, s, catCount);
        }

        if (chanCount > 0)
        {
            AppendChannels(table, s, chanCount);
        }
    }

    /// <summary>Appends the customer's category statistics to the chunk's, ordered by category name (ordinal, through the table's ranks).</summary>
    private static void AppendCategories(TransactionTable table, Scratch s, int count)
    {
        var list = s.CatList.AsSpan(0, count);
        SortByRank(list, s.Ranks.Categories);
        foreach (ref readonly var a in list)
        {
            s.CatOut.Add(new CategoryStat(table.Categories[a.Category], a.Spend.Value(s.MoneyInCents), a.Orders, new DateTimeOffset(a.LastTicks, TimeSpan.Zero)));
        }
    }

    /// <summary>Appends the customer's channel statistics to the chunk's, ordered by channel text (ordinal, case-insensitive, through ranks).</summary>
    private static void AppendChannels(TransactionTable table, Scratch s, int count)
    {
        var list = s.ChanList.AsSpan(0, count);
        SortByRank(list, s.Ranks.Channels);
        foreach (ref readonly var a in list)
        {
            s.ChanOut.Add(new ChannelStat(table.Channels[a.Channel], a.Orders, a.Spend.Value(s.MoneyInCents)));
        }
    }

    /// <summary>Insertion sort of a customer's few accumulators by the rank of their category or channel (distinct ranks).</summary>
    private static void SortByRank<T>(Span<T> list, int[] rank)
        where T : struct, IRanked
    {
        for (var i = 1; i < list.Length; i++)
        {
            var item = list[i];
            var r = rank[item.Index];
            var j = i - 1;
            while (j >= 0 && rank[list[j].Index] > r)
            {
                list[j + 1] = list[j];
                j--;
            }

            list[j + 1] = item;
        }
    }

    /// <summary>An accumulator keyed by a category or channel index.</summary>
    private interface IRanked
    {
        int Index { get; }
    }

    /// <summary>
    /// A sum of amounts, in <see cref="decimal"/> or, when the chunk's amounts are all whole cents (see <see cref="Scratch.MoneyInCents"/>),
    /// in cents with the largest decimal scale added (issue 17: the decimal additions were the largest single cost of the per-customer pass). The cents sum
    /// gives the decimal the additions would: adding non-negative decimals of scale ≤ 2 is exact and its scale is the largest operand scale,
    /// with 0m (scale 0) for no operand.
    /// </summary>
    private struct MoneySum
    {
        private decimal _decimal;
        private long _cents;
        private int _scale;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public void Add(bool inCents, ReadOnlySpan<decimal> values, ReadOnlySpan<long> cents, ReadOnlySpan<byte> scales, int index)
        {
            if (inCents)
            {
                _cents += cents[index]; // no overflow: the chunk's cents sum is below 2^62 (Scratch.ToCents)
                _scale = Math.Max(_scale, scales[index]);
            }
            else
            {
                _decimal += values[index];
            }
        }

        public readonly decimal Value(bool inCents) => inCents ? WholeCents.ToAmount(_cents, _scale) : _decimal;
    }

    private struct CatAcc : IRanked
    {
        public int Category;
        public MoneySum Spend;
        public int Orders;
        public int LastOrder;
        public long LastTicks;

        readonly int IRanked.Index => Category;
    }

    private struct ChanAcc : IRanked
    {
        public int Channel;
        public MoneySum Spend;
        public int Orders;

        readonly int IRanked.Index => Channel;
    }

    /// <summary>Each category's position in ordinal name order and each channel's in case-insensitive ordinal order of its text (ties in
    /// ordinal order): the orders of <see cref="CustomerFeatures.Categories"/> and <see cref="CustomerFeatures.Channels"/>.</summary>
    private sealed class StatRanks(TransactionTable table)
    {
        public int[] Categories { get; } = Ranks(table.Categories, StringComparer.Ordinal);

        public int[] Channels { get; } = Ranks(table.Channels.Select(c => c.Value).ToList(), StringComparer.OrdinalIgnoreCase);

        private static int[] Ranks(IReadOnlyList<string> names, StringComparer comparer)
        {
            var order = Enumerable.Range(0, names.Count).ToArray();
            Array.Sort(order, (x, y) =>
            {
                var c = comparer.Compare(names[x], names[y]);
                return c != 0 ? c : string.CompareOrdinal(names[x], names[y]);
            });
            var rank = new int[names.Count];
            for (var i = 0; i < order.Length; i++)
            {
                rank[order[i]] = i;
            }

            return rank;
        }
    }

    /// <summary>
    /// A growable array reused from chunk to chunk, its storage rented from the shared array pool and returned (cleared) by
    /// <see cref="Release"/>: repeated extractions reuse it instead of allocating ~5 MB of doubling buffers per call (issue 17).
    /// </summary>
    private sealed class GrowBuffer<T>
    {
        private T[] _items = [];

        public int Count { get; set; }

        public void Add(T item)
        {
            if (Count == _items.Length)
            {
                Grow();
            }

            _items[Count++] = item;
        }

        public T[] ToArray() => _items.AsSpan(0, Count).ToArray();

        /// <summary>Returns the storage to the pool; the buffer is empty afterwards and may be used again.</summary>
        public void Release()
        {
            Return(_items);
            _items = [];
            Count = 0;
        }

        private void Grow()
        {
            var bigger = ArrayPool<T>.Shared.Rent(Math.Max(256, _items.Length * 2));
            _items.AsSpan(0, Count).CopyTo(bigger);
            Return(_items);
            _items = bigger;
        }

        /// <summary>Returns a rented array (not the initial empty one), cleared when its elements hold references.</summary>
        private static void Return(T[] items)
        {
            if (items.Length > 0)
            {
                ArrayPool<T>.Shared.Return(items, clearArray: System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            }
        }
    }

    private sealed class Scratch(TransactionTable table, StatRanks ranks)
    {
        /// <summary>The bound on a chunk's total cents for <see cref="ToCents"/> (2^62).</summary>
        private const long MaxChunkCents = 1L << 62;

        private readonly TransactionTable _table = table;

        /// <summary>Per customer of the chunk, the next free slot of the second-level grouping.</summary>
        private readonly int[] _next = new int[ChunkSize];
        public int[] Rows = [];
        public long[] Ticks = [];
        public decimal[] Amounts = [];
        public decimal[] Discounts = [];
        public long[] AmountCents = [];
        public byte[] AmountScales = [];
        public long[] DiscountCents = [];
        public byte[] DiscountScales = [];

        /// <summary>Whether the current chunk's gathered amounts and discounts (<see cref="Amounts"/>, <see cref="Discounts"/>) were
        /// also converted to cents (<see cref="AmountCents"/>, …), which the per-customer pass then sums instead; see <see cref="GatherRest"/>.</summary>
        public bool MoneyInCents;
        public TransactionKind[] Kinds = [];
        public int[] Orders = [];
        public int[] Categories = [];
        public int[] ChannelIndex = [];
        public int[] Quantities = [];
        public int Stamp;
        /// <summary>Whether every row is its own order (no order ids): then no stamps are needed to count orders.</summary>
        public readonly bool OneRowPerOrder = table.OrderCount == table.Count;

        // Which columns are gathered: a column without information (no returns, no discounts, all quantities 1, no categories, no
        // channels, no multi-line orders) is not read at all; the per-customer pass then adds its neutral value (issue 17).
        public readonly bool UseKinds = table.Informative.Returns;
        public readonly bool UseDiscounts = table.Informative.Discounts;
        public readonly bool UseQuantities = table.Informative.Quantities;
        public readonly bool UseCategories = table.Categories.Count > 0;
        public readonly bool UseChannels = table.Channels.Count > 0;
        public readonly bool UseOrders = table.OrderCount != table.Count || table.Categories.Count > 0;
        public readonly int[] CatStamp = new int[table.Categories.Count];
        public readonly int[] CatSlot = new int[table.Categories.Count];
        public readonly CatAcc[] CatList = new CatAcc[table.Categories.Count];
        public readonly int[] ChanStamp = new int[table.Channels.Count];
        public readonly int[] ChanSlot = new int[table.Channels.Count];
        public readonly ChanAcc[] ChanList = new ChanAcc[table.Channels.Count];

        /// <summary>The ranks by which a customer's categories and channels are ordered.</summary>
        public readonly StatRanks Ranks = ranks;

        /// <summary>The chunk's category statistics so far (customer by customer).</summary>
        public readonly GrowBuffer<CategoryStat> CatOut = new();

        /// <summary>The chunk's channel statistics so far (customer by customer).</summary>
        public readonly GrowBuffer<ChannelStat> ChanOut = new();


        /// <summary>Starts a chunk: no statistics yet.</summary>
        public void BeginChunk()
        {
            CatOut.Count = 0;
            ChanOut.Count = 0;
        }

        /// <summary>Returns the pooled arrays (the stamps, the statistics buffers and the gathered columns); the scratch is not used afterwards.</summary>
        public void Release()
        {
            CatOut.Release();
            ChanOut.Release();
            ReturnColumns();
        }

        private void ReturnColumns()
        {
            if (Ticks.Length == 0)
            {
                return;
            }

            ArrayPool<long>.Shared.Return(Ticks);
            ArrayPool<int>.Shared.Return(Rows);
            ArrayPool<decimal>.Shared.Return(Amounts);
            ArrayPool<decimal>.Shared.Return(Discounts);
            ArrayPool<long>.Shared.Return(AmountCents);
            ArrayPool<byte>.Shared.Return(AmountScales);
            ArrayPool<long>.Shared.Return(DiscountCents);
            ArrayPool<byte>.Shared.Return(DiscountScales);
            ArrayPool<TransactionKind>.Shared.Return(Kinds);
            ArrayPool<int>.Shared.Return(Orders);
            ArrayPool<int>.Shared.Return(Categories);
            ArrayPool<int>.Shared.Return(ChannelIndex);
            ArrayPool<int>.Shared.Return(Quantities);
            Ticks = [];
        }

        /// <summary>
        /// Orders one customer's rows by instant, ties by order and then by row index (the input order of the table), sorting <paramref
        /// name="ticks"/> (the rows' gathered instants) along. Rows already in order (the norm for exports sorted by time) cost one
        /// comparison each. Every row of an order has the order's instant (a rule of <see cref="TransactionTableBuilder"/>), so the rows
        /// of an order end up consecutive, even when an export interleaves the lines of orders placed at the same instant.
        /// </summary>
        public void SortByTime(Span<long> ticks, Span<int> rows)
        {
            var byOrder = !OneRowPerOrder; // with one row per order, each order is one row: consecutive whatever the ties' order
            var orderOf = _table.OrderIndex;
            var sorted = true;
            var ties = false;
            for (var i = 1; i < rows.Length; i++)
            {
                if (ticks[i] < ticks[i - 1])
                {
                    sorted = false;
                    break;
                }

                // In row order already: a tie needs sorting only when its orders are out of order.
                ties |= ticks[i] == ticks[i - 1] && byOrder && orderOf[rows[i]] < orderOf[rows[i - 1]];
            }

            if (sorted && !ties)
            {
                return;
            }

            if (!sorted)
            {
                ticks.Sort(rows);
            }

            var runStart = 0;
            for (var j = 1; j <= ticks.Length; j++)
            {
                if (j == ticks.Length || ticks[j] != ticks[runStart])
                {
                    if (j - runStart > 1)
                    {
                        SortTie(rows[runStart..j], byOrder ? orderOf : default);
                    }

                    runStart = j;
                }
            }
        }

        /// <summary>Sorts rows of one instant by (order, row index), or by row index when <paramref name="orderOf"/> is empty.</summary>
        private static void SortTie(Span<int> rows, ReadOnlySpan<int> orderOf)
        {
            if (orderOf.IsEmpty)
            {
                rows.Sort();
                return;
            }

            if (rows.Length <= 16)
            {
                // The usual tie: the few lines of one or two orders.
                for (var i = 1; i < rows.Length; i++)
                {
                    var row = rows[i];
                    var key = TieKey(orderOf, row);
                    var j = i - 1;
                    while (j >= 0 && TieKey(orderOf, rows[j]) > key)
                    {
                        rows[j + 1] = rows[j];
                        j--;
                    }

                    rows[j + 1] = row;
                }

                return;
            }

            var keys = new long[rows.Length];
            for (var k = 0; k < rows.Length; k++)
            {
                keys[k] = TieKey(orderOf, rows[k]);
            }

            Array.Sort(keys);
            for (var k = 0; k < rows.Length; k++)
            {
                rows[k] = unchecked((int)keys[k]);
            }
        }

        /// <summary>(order, row index) as one sortable number; the row index in the low 32 bits.</summary>
        private static long TieKey(ReadOnlySpan<int> orderOf, int row) => ((long)orderOf[row] << 32) | (uint)row;

        /// <summary>
        /// Orders a chunk's rows by customer: <paramref name="keys"/> holds (row, customer within the chunk) in row order, <paramref
        /// name="times"/> their instants, <paramref name="starts"/> each of the chunk's customers' start in the grouped order (minus
        /// <paramref name="chunkFrom"/> here). Fills <see cref="Rows"/> and <see cref="Ticks"/> (grown as needed) and returns the rows.
        /// </summary>
        public Span<int> GroupChunk(ReadOnlySpan<ulong> keys, ReadOnlySpan<long> times, ReadOnlySpan<int> starts, int chunkFrom)
        {
            var n = keys.Length;
            if (Ticks.Length < n)
            {
                var size = Math.Max(n, 2 * Ticks.Length);
                ReturnColumns();
                Ticks = ArrayPool<long>.Shared.Rent(size); // every slot read is written by this pass or a gather first
                Rows = ArrayPool<int>.Shared.Rent(size);
                Amounts = ArrayPool<decimal>.Shared.Rent(size);
                Discounts = ArrayPool<decimal>.Shared.Rent(size);
                AmountCents = ArrayPool<long>.Shared.Rent(size);
                AmountScales = ArrayPool<byte>.Shared.Rent(size);
                DiscountCents = ArrayPool<long>.Shared.Rent(size);
                DiscountScales = ArrayPool<byte>.Shared.Rent(size);
                Kinds = ArrayPool<TransactionKind>.Shared.Rent(size);
                Orders = ArrayPool<int>.Shared.Rent(size);
                Categories = ArrayPool<int>.Shared.Rent(size);
                ChannelIndex = ArrayPool<int>.Shared.Rent(size);
                Quantities = ArrayPool<int>.Shared.Rent(size);
            }

            var next = _next;
            for (var j = 0; j < starts.Length; j++)
            {
                next[j] = starts[j] - chunkFrom;
            }

            var rows = Rows;
            var ticks = Ticks;
            for (var p = 0; p < n; p++)
            {
                var key = keys[p];
                var at = next[(int)(key >> 32)]++;
                rows[at] = unchecked((int)(uint)key);
                ticks[at] = times[p];
            }

            return rows.AsSpan(0, n);
        }

        /// <summary>Copies the other columns of <paramref name="rows"/> (after <see cref="GroupChunk"/> with as many rows), in that order.</summary>
        public void GatherRest(ReadOnlySpan<int> rows)
        {
            // One column at a time: each loop is a handful of instructions per row, so the out-of-order core keeps many more of its
            // independent cache misses in flight than with all the columns in one loop body (issue 17: at 10M rows the columns are far
            // larger than the last-level cache and the rows of a chunk are spread over all of them).
            // Then, from those contiguous copies (the gathers keep their loops minimal, so that many cache misses are in flight at 10M
            // rows), amounts and discounts as cents when every one of the chunk's is whole cents (the norm for money). A packed column
            // (PackedMoney: 8 bytes per row, always whole cents) is gathered as it is and split into cents and scales in place.
            var amountsInCents = GatherMoney(_table.PackedAmounts, _table, discounts: false, rows, Amounts, AmountCents, AmountScales);
            var discountsInCents = !UseDiscounts || GatherMoney(_table.PackedDiscounts, _table, discounts: true, rows, Discounts, DiscountCents, DiscountScales);
            MoneyInCents = amountsInCents && discountsInCents;
            if (!MoneyInCents)
            {
                // The per-customer pass sums decimals: a packed column's too.
                UnpackIfPacked(_table.PackedAmounts is not null, rows.Length, AmountCents, AmountScales, Amounts);
                UnpackIfPacked(UseDiscounts && _table.PackedDiscounts is not null, rows.Length, DiscountCents, DiscountScales, Discounts);
            }

            GatherIf(UseKinds, _table.Kinds, rows, Kinds);
            GatherIf(UseOrders, _table.OrderIndex, rows, Orders);
            GatherIf(UseCategories, _table.CategoryIndex, rows, Categories);
            GatherIf(UseChannels, _table.ChannelIndex, rows, ChannelIndex);
            GatherIf(UseQuantities, _table.Quantities, rows, Quantities);
        }

        /// <summary>
        /// Gathers one money column of <paramref name="rows"/>: a packed column into <paramref name="cents"/> and <paramref name="scales"/>
        /// (false when the chunk's cents reach 2^62, see <see cref="MaxChunkCents"/>; the split is complete either way), a decimal column into <paramref name="decimals"/>
        /// and then, when they are whole cents, into <paramref name="cents"/> and <paramref name="scales"/> too (<see cref="ToCents"/>).
        /// </summary>
        private static bool GatherMoney(long[]? packed, TransactionTable table, bool discounts, ReadOnlySpan<int> rows, decimal[] decimals,
            long[] cents, byte[] scales)
        {
            if (packed is null)
            {
                GatherColumn(discounts ? table.Discounts : table.Amounts, rows, decimals);
                return ToCents(decimals.AsSpan(0, rows.Length), cents, scales);
            }

            var into = cents.AsSpan(0, rows.Length);
            GatherColumn<long>(packed.AsSpan(0, table.Count), rows, into);
            var scaleOut = scales.AsSpan(0, rows.Length);
            long total = 0;
            var inCents = true;
            for (var k = 0; k < into.Length; k++)
            {
                var p = into[k];
                var value = PackedMoney.Cents(p);
                into[k] = value;
                scaleOut[k] = (byte)PackedMoney.Scale(p);
                if (inCents)
                {
                    total += value; // each value is below 2^39, and the sum stops at 2^62: no overflow
                    inCents = total < MaxChunkCents;
                }
            }

            return inCents;
        }

        /// <summary>Writes the decimals of cents and scales split from a packed column (<paramref name="packed"/>) for the decimal pass.</summary>
        private static void UnpackIfPacked(bool packed, int count, long[] cents, byte[] scales, decimal[] decimals)
        {
            if (!packed)
            {
                return;
            }

            for (var k = 0; k < count; k++)
            {
                decimals[k] = WholeCents.ToAmount(cents[k], scales[k]);
            }
        }

        /// <summary>
        /// Converts gathered amounts to whole cents and decimal scales; returns false (the per-customer pass then sums the decimals) when
        /// an amount is not a non-negative decimal with at most 2 decimals and a mantissa below 2^32, or when the cents of all of them reach
        /// 2^62 (so that no sum of some of them overflows).
        /// </summary>
        private static bool ToCents(ReadOnlySpan<decimal> values, Span<long> cents, Span<byte> scales)
        {
            Span<int> bits = stackalloc int[4];
            cents = cents[..values.Length];
            scales = scales[..values.Length];
            long total = 0;
            for (var k = 0; k < values.Length; k++)
            {
                if (!WholeCents.TryFromAmount(values[k], bits, out var value, out var scale) || bits[3] < 0)
                {
                    return false; // more than 2 decimals, a mantissa of 2^32 or more, or the sign (negative zero included)
                }

                total += value; // below 2^62 + 2^39: checked below at every row
                if (total >= MaxChunkCents)
                {
                    return false;
                }

                cents[k] = value;
                scales[k] = (byte)scale;
            }

            return true;
        }

        /// <summary>Gathers a column only when it carries information (see the <c>Use…</c> fields).</summary>
        private static void GatherIf<T>(bool use, ReadOnlySpan<T> column, ReadOnlySpan<int> rows, Span<T> into)
        {
            if (use)
            {
                GatherColumn(column, rows, into);
            }
        }

        private static void GatherColumn<T>(ReadOnlySpan<T> column, ReadOnlySpan<int> rows, Span<T> into)
        {
            into = into[..rows.Length];
            for (var k = 0; k < rows.Length; k++)
            {
                into[k] = column[rows[k]];
            }
        }
    }
}
