using System.Buffers;
using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Segmentation.Rfm;

/// <summary>
/// The recency, frequency and monetary values of a set of customers (struct-of-arrays), the input of <see cref="RfmScorer"/>.
/// </summary>
/// <remarks>
/// <para>Definitions used by <see cref="FromTransactions"/> and <see cref="FromFeatures"/> (the same as the pandas reference
/// <c>groupby(customer_id).agg(last=max timestamp, frequency=count, monetary=sum amount)</c> on one row per purchase):</para>
/// <list type="bullet">
/// <item><b>recency</b>: whole days (floor) from the last purchase to the exclusive as-of instant, so customers who bought on the same
/// day relative to as-of tie (pandas <c>(as_of − last).dt.days</c>);</item>
/// <item><b>frequency</b>: number of purchase orders before as-of (rows sharing an order id count once; a file without order ids
/// has one order per row);</item>
/// <item><b>monetary</b>: purchases minus returns before as-of, rounded to cents (half to even).</item>
/// </list>
/// <para>A customer with frequency 0 is a prospect: no scores, segment <see cref="RfmSegmentMap.Prospects"/>; its recency is NaN.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class RfmValues
{
    private readonly string[] _ids;
    private readonly int[] _frequency;

    /// <summary>Whole days of an aggregation (−1 for prospects), or null when the values were given as doubles.</summary>
    private readonly int[]? _recencyDays;

    /// <summary>Whole cents of an aggregation when every total fits 32 bits, else null.</summary>
    private readonly int[]? _cents32;

    /// <summary>The monetary values as doubles when <see cref="_cents32"/> is null.</summary>
    private readonly double[]? _monetaryAsDouble;

    /// <summary>The exact cents when some total is 2^51 cents or more (the double does not determine them), else null.</summary>
    private readonly long[]? _cents;

    /// <summary>The recency doubles: given, or built from <see cref="_recencyDays"/> on first use.</summary>
    private double[]? _recency;

    /// <summary>The monetary decimals: given, or built from the cents on first use.</summary>
    private decimal[]? _monetary;

    private RfmValues(string[] ids, double[] recency, int[] frequency, decimal[] monetary)
        : this(ids, recency, null, frequency, monetary, ToDouble(monetary), null, null)
    {
    }

    /// <summary>Values kept in one of the forms above. Issue 17: an aggregation keeps 12 bytes a customer (days, frequency and cents
    /// as ints) instead of 20, because on some hosts the first touch of each new page of its outputs is the larger part of its time;
    /// the doubles the rankings need are written into pooled buffers by <see cref="WriteDoubles"/> (or <see cref="CopyRecency"/> when the
    /// monetary doubles are kept).</summary>
    private RfmValues(string[] ids, double[]? recency, int[]? recencyDays, int[] frequency, decimal[]? monetary, double[]? monetaryAsDouble, long[]? cents, int[]? cents32)
    {
        _ids = ids;
        _recency = recency;
        _recencyDays = recencyDays;
        _frequency = frequency;
        _monetary = monetary;
        _monetaryAsDouble = monetaryAsDouble;
        _cents = cents;
        _cents32 = cents32;
        System.Diagnostics.Debug.Assert(cents32 is null ? monetaryAsDouble is not null : recencyDays is not null && monetaryAsDouble is null, "32-bit cents come with whole days; otherwise the monetary doubles are kept.");
        CustomerIds = Array.AsReadOnly(ids);
    }

    /// <summary>Gets the number of customers.</summary>
    public int Count => _ids.Length;

    /// <summary>Gets the customer ids.</summary>
    public IReadOnlyList<string> CustomerIds { get; }

    /// <summary>Gets the recency in days (NaN for prospects).</summary>
    /// <remarks>Values from <see cref="FromTransactions"/> keep whole days in 4 bytes a customer; the first read of this property builds
    /// the doubles (8 bytes a customer) and keeps them.</remarks>
    public ReadOnlySpan<double> RecencyDays => Volatile.Read(ref _recency) ?? BuildRecency();

    /// <summary>Gets the number of purchases (0 for prospects).</summary>
    public ReadOnlySpan<int> Frequency => _frequency;

    /// <summary>Gets the monetary values in the data's currency.</summary>
    /// <remarks>Values from <see cref="FromTransactions"/> whose amounts are whole cents keep the cents; the first read of this property
    /// builds the decimals (16 bytes a customer) and keeps them.</remarks>
    public ReadOnlySpan<decimal> Monetary => Volatile.Read(ref _monetary) ?? BuildMonetary();

    internal string[] Ids => _ids;

    /// <summary>Gets the recency doubles when they are kept (given, or built by a read of <see cref="RecencyDays"/>), else null: then
    /// <see cref="CopyRecency"/> writes them.</summary>
    internal double[]? RecencyArray => Volatile.Read(ref _recency);

    /// <summary>Gets the monetary doubles when they are kept, else null (32-bit cents: <see cref="WriteDoubles"/> writes them).</summary>
    internal double[]? MonetaryAsDoubleArray => _monetaryAsDouble;

    /// <summary>Gets whether the monetary totals are kept as 32-bit whole cents (then the recencies are kept as whole days too).</summary>
    internal bool KeepsCents32 => _cents32 is not null;

    /// <summary>Gets whether the recencies are kept as whole days (tests).</summary>
    internal bool KeepsWholeDays => _recencyDays is not null;

    /// <summary>The recency of customer <paramref name="i"/> as a double (NaN for a prospect).</summary>
    internal double RecencyAt(int i) => _recencyDays is { } days ? RecencyOf(days[i]) : _recency![i];

    /// <summary>The monetary value of customer <paramref name="i"/> as a double (cents / 100 for whole cents).</summary>
    internal double MonetaryAsDoubleAt(int i) => _cents32 is { } cents ? cents[i] / 100.0 : _monetaryAsDouble![i];

    /// <summary>Writes the recency doubles into <paramref name="destination"/> (<see cref="Count"/> elements).</summary>
    internal void CopyRecency(Span<double> destination)
    {
        if (_recencyDays is { } days)
        {
            destination = destination[..days.Length];
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = RecencyOf(days[i]);
            }
        }
        else
        {
            _recency.AsSpan().CopyTo(destination);
        }
    }

    /// <summary>For values whose measures are all kept as ints (<see cref="KeepsWholeDays"/> and <see cref="KeepsCents32"/>): writes the
    /// doubles of the three measures (as <see cref="CopyRecency"/> and <see cref="MonetaryAsDoubleAt"/>) and the positions of the
    /// customers with purchases into <paramref name="purchasers"/>, in one pass. Returns the number of purchasers.</summary>
    internal int WriteDoubles(Span<double> recency, Span<double> frequency, Span<double> monetary, Span<int> purchasers)
    {
        var counts = _frequency;
        var n = counts.Length;
        var days = _recencyDays.AsSpan(0, n);
        var cents = _cents32.AsSpan(0, n);
        recency = recency[..n];
        frequency = frequency[..n];
        monetary = monetary[..n];
        purchasers = purchasers[..n];
        var count = 0;
        for (var i = 0; i < n; i++)
        {
            var f = counts[i];
            frequency[i] = f;
            recency[i] = RecencyOf(days[i]);
            monetary[i] = cents[i] / 100.0;
            purchasers[count] = i;
            count += f != 0 ? 1 : 0;
        }

        return count;
    }

    /// <summary>The monetary doubles: the kept array, or a new one with <see cref="MonetaryAsDoubleAt"/> of each customer (tests).</summary>
    internal double[] MonetaryAsDoubleToArray()
    {
        if (_monetaryAsDouble is { } kept)
        {
            return kept;
        }

        var result = new double[Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = MonetaryAsDoubleAt(i);
        }

        return result;
    }

    private static double RecencyOf(int days) => days < 0 ? double.NaN : days;

    /// <summary>Creates values from arrays (copied).</summary>
    /// <param name="customerIds">Unique, non-blank ids.</param>
    /// <param name="recencyDays">Days since the last purchase, finite and ≥ 0 for customers with purchases (ignored for prospects).</param>
    /// <param name="frequency">Purchases, ≥ 0; 0 marks a prospect.</param>
    /// <param name="monetary">Monetary values (may be negative after returns).</param>
    /// <returns>The values.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="customerIds"/> or an id is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Lengths differ, an id is blank or repeated, or a value is out of range (NaN, negative).</exception>
    public static RfmValues Create(IReadOnlyList<string> customerIds, ReadOnlySpan<double> recencyDays, ReadOnlySpan<int> frequency, ReadOnlySpan<decimal> monetary)
    {
        ArgumentNullException.ThrowIfNull(customerIds);
        var n = customerIds.Count;
        if (recencyDays.Length != n || frequency.Length != n || monetary.Length != n)
        {
            throw new ArgumentException($"Expected {n} values per measure (one per customer id) but got recency {recencyDays.Length}, frequency {frequency.Length}, monetary {monetary.Length}.", nameof(recencyDays));
        }

        var ids = new string[n];
        var seen = new Dictionary<string, int>(n, StringComparer.Ordinal);
        var recency = new double[n];
        for (var i = 0; i < n; i++)
        {
            var id = customerIds[i] ?? throw new ArgumentNullException(nameof(customerIds), $"Customer id {i} is null.");
            if (string.IsNullOrWhiteSpace(id))
            {
                throw new ArgumentException($"Customer id {i} is blank.", nameof(customerIds));
            }

            if (!seen.TryAdd(id, i))
            {
                throw new ArgumentException($"Customer id {i} repeats customer id {seen[id]}; ids must be unique.", nameof(customerIds));
            }

            ids[i] = id;
            if (frequency[i] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(frequency), frequency[i], $"frequency[{i}] must be ≥ 0.");
            }

            if (frequency[i] > 0 && !(recencyDays[i] >= 0 && double.IsFinite(recencyDays[i])))
            {
                throw new ArgumentOutOfRangeException(nameof(recencyDays), recencyDays[i], $"recencyDays[{i}] must be a finite number ≥ 0 for a customer with purchases (NaN is not allowed).");
            }

            recency[i] = frequency[i] > 0 ? recencyDays[i] : double.NaN;
        }

        return new RfmValues(ids, recency, frequency.ToArray(), monetary.ToArray());
    }

    /// <summary>Returns the default as-of instant of a table: midnight (UTC) of the day after its last transaction.</summary>
    /// <param name="table">The transactions.</param>
    /// <returns>The as-of instant.</returns>
    /// <exception cref="ArgumentException">The table is empty.</exception>
    public static DateTimeOffset DefaultAsOf(TransactionTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table.Count == 0)
        {
            throw new ArgumentException("The transaction table is empty: there is no last transaction to derive the as-of date from.", nameof(table));
        }

        var max = long.MinValue;
        foreach (var t in table.UtcTicks)
        {
            max = Math.Max(max, t);
        }

        var day = (max / TimeSpan.TicksPerDay) + 1;
        return new DateTimeOffset(day * TimeSpan.TicksPerDay, TimeSpan.Zero);
    }

    /// <summary>Aggregates transactions into RFM values as of an instant (see the class remarks), in one pass over the rows.</summary>
    /// <param name="table">The transactions. Rows at or after <paramref name="asOf"/> are ignored.</param>
    /// <param name="asOf">The exclusive as-of instant.</param>
    /// <returns>One entry per customer of the table, in the table's customer order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="table"/> is <see langword="null"/>.</exception>
    public static RfmValues FromTransactions(TransactionTable table, DateTimeOffset asOf) =>
        FromTransactionsCore(table, asOf, DirectCustomerLimit, AutoPartitionBits);

    /// <summary>As <see cref="FromTransactions(TransactionTable, DateTimeOffset)"/> with the partitioning given (tests force the partitioned
    /// pass on small tables, many or few partitions and many chunks): <paramref name="partitionBits"/> is log2 of the customers per
    /// partition (0 to <see cref="MaxPartitionBits"/>), or <see cref="AutoPartitionBits"/> to choose it from the customer count;
    /// <paramref name="workers"/> is the number of threads of the partitioned pass, or 0 to choose it (<see cref="PartitionedWorkers"/>).</summary>
    internal static RfmValues FromTransactionsCore(TransactionTable table, DateTimeOffset asOf, int directCustomerLimit, int partitionBits, int maxChunkRows = MaxChunkRows, int workers = 0)
    {
        ArgumentNullException.ThrowIfNull(table);
        var n = table.CustomerIds.Count;
        var asOfTicks = asOf.UtcTicks;
        // Scratch from the shared pool: a fresh multi-megabyte array is page-faulted in on every call (issue 17: a third of the time at 1M
        // customers), a pooled one is already mapped.
        var rentedState = ArrayPool<CustomerState>.Shared.Rent(Math.Max(n, 1));
        try
        {
            return Aggregate(table, asOfTicks, rentedState, n, directCustomerLimit, partitionBits, maxChunkRows, workers);
        }
        finally
        {
            ArrayPool<CustomerState>.Shared.Return(rentedState);
        }
    }

    private static RfmValues Aggregate(TransactionTable table, long asOfTicks, CustomerState[] stateArray, int n, int directCustomerLimit, int partitionBits, int maxChunkRows, int workers)
    {
        var state = stateArray.AsSpan(0, n);
        // Every element of the outputs is written below (by the partitioned pass or by Emit after the row-order pass), so they need no
        // zeroing (issue 17).
        var outputs = new Outputs(n);
        // The partitioned pass gives up on an amount that is not whole cents with a mantissa below 2^32 or a purchase 2^16 − 1 days or
        // more before as-of; the row-order pass then starts over and reports whether the cents sums are exact.
        bool wide;
        if (!(n > directCustomerLimit && table.Count > 0 && AggregatePartitioned(table, asOfTicks, stateArray, n, partitionBits, maxChunkRows, workers, outputs, out wide)))
        {
            state.Clear();
            if (!AggregateDirect(table, asOfTicks, state))
            {
                // Some amount is not whole cents: the totals in decimal (the state's cents are not used).
                Emit(state, 0, outputs, exact: false);
                var (money, asDouble) = RedoMonetaryInDecimal(table, asOfTicks, n);
                return new RfmValues(table.CustomerIdArray, null, outputs.RecencyDays, outputs.Frequency, money, asDouble, null, null);
            }

            wide = Emit(state, 0, outputs, exact: true);
        }

        if (!wide)
        {
            return new RfmValues(table.CustomerIdArray, null, outputs.RecencyDays, outputs.Frequency, null, null, null, outputs.Cents);
        }

        // Rare: some total of 2^31 cents or more. The totals as doubles, and the exact cents too when some total reaches 2^51 cents.
        var monetaryAsDouble = new double[n];
        var large = false;
        for (var c = 0; c < n; c++)
        {
            var cents = state[c].Cents;
            var abs = (ulong)Math.Abs(cents);
            // (double)decimal divides the double of the 96-bit mantissa by 10^scale and applies the sign; below 2^53 cents that is exactly
            // this quotient (tests compare both on every aggregated table).
            monetaryAsDouble[c] = abs < (1UL << 53) ? cents / 100.0 : (double)CentsToDecimal(cents);
            large |= abs >= ExactCentsLimit;
        }

        long[]? centsArray = null;
        if (large)
        {
            centsArray = new long[n];
            for (var c = 0; c < n; c++)
            {
                centsArray[c] = state[c].Cents;
            }
        }

        return new RfmValues(table.CustomerIdArray, null, outputs.RecencyDays, outputs.Frequency, null, monetaryAsDouble, centsArray, null);
    }

    /// <summary>Some amount has more than 2 decimals or is very large: the sums in decimal, rounded to cents, and their doubles.</summary>
    private static (decimal[] Money, double[] AsDouble) RedoMonetaryInDecimal(TransactionTable table, long asOfTicks, int n)
    {
        var money = new decimal[n];
        var cust = table.CustomerIndex;
        var ticks = table.UtcTicks;
        var amounts = table.Amounts;
        var kinds = table.Kinds;
        for (var i = 0; i < ticks.Length; i++)
        {
            if (ticks[i] < asOfTicks)
            {
                money[cust[i]] += kinds[i] == TransactionKind.Purchase ? amounts[i] : -amounts[i];
            }
        }

        var asDouble = new double[n];
        for (var c = 0; c < money.Length; c++)
        {
            money[c] = Math.Round(money[c], 2, MidpointRounding.ToEven);
            asDouble[c] = (double)money[c];
        }

        return (money, asDouble);
    }

    /// <summary>Writes the outputs of the customers <paramref name="offset"/> … <paramref name="offset"/> + state.Length − 1 from their
    /// aggregated state (the cents only when <paramref name="exact"/>). Returns whether some total does not fit 32 bits of cents (its
    /// output is then wrong and the caller takes the totals from the state).</summary>
    private static bool Emit(ReadOnlySpan<CustomerState> state, int offset, Outputs outputs, bool exact)
    {
        var cents32 = outputs.Cents.AsSpan(offset, state.Length);
        var frequency = outputs.Frequency.AsSpan(offset, state.Length);
        var recency = outputs.RecencyDays.AsSpan(offset, state.Length);
        var wide = false;
        for (var c = 0; c < state.Length; c++)
        {
            ref readonly var s = ref state[c];
            if (exact)
            {
                var cents = s.Cents;
                var narrow = unchecked((int)cents);
                cents32[c] = narrow;
                wide |= narrow != cents;
            }

            frequency[c] = s.Frequency;
            recency[c] = s.Frequency > 0 ? s.Days - 1 : -1;
        }

        return wide;
    }

    /// <summary>The per-customer output arrays of <see cref="Aggregate"/>, allocated without zeroing (12 bytes a customer).</summary>
    private sealed class Outputs(int n)
    {
        /// <summary>Gets the whole cents (written only when every amount is whole cents).</summary>
        public int[] Cents { get; } = GC.AllocateUninitializedArray<int>(n);

        public int[] Frequency { get; } = GC.AllocateUninitializedArray<int>(n);

        /// <summary>Gets the whole days from the last purchase to as-of, −1 for a prospect.</summary>
        public int[] RecencyDays { get; } = GC.AllocateUninitializedArray<int>(n);
    }

    /// <summary>|cents| below which <see cref="CentsOf"/> recovers the cents from cents / 100 as a double.</summary>
    internal const ulong ExactCentsLimit = 1UL << 51;

    /// <summary>
    /// The whole cents c of <paramref name="monetaryAsDouble"/> = fl(c / 100) for |c| &lt; 2^51: fl(c / 100) · 100 differs from c by at most
    /// |c| · (2^-52 + 2^-106) &lt; 0.5 (one rounding in the quotient, one in the product), so rounding to the nearest integer gives c.
    /// </summary>
    internal static long CentsOf(double monetaryAsDouble) => (long)Math.Round(monetaryAsDouble * 100.0, MidpointRounding.ToEven);

    private static decimal CentsToDecimal(long cents)
    {
        var abs = (ulong)Math.Abs(cents);
        return new decimal(unchecked((int)(uint)abs), unchecked((int)(uint)(abs >> 32)), 0, cents < 0, 2);
    }

    /// <summary>Builds the decimal totals on first use (thread-safe: concurrent callers may build equal arrays; one is kept).</summary>
    private decimal[] BuildMonetary()
    {
        var money = new decimal[_ids.Length];
        if (_cents32 is { } cents32)
        {
            for (var c = 0; c < money.Length; c++)
            {
                money[c] = CentsToDecimal(cents32[c]);
            }
        }
        else
        {
            var asDouble = _monetaryAsDouble!;
            for (var c = 0; c < money.Length; c++)
            {
                money[c] = CentsToDecimal(_cents is null ? CentsOf(asDouble[c]) : _cents[c]);
            }
        }

        return Interlocked.CompareExchange(ref _monetary, money, null) ?? money;
    }

    /// <summary>Builds the recency doubles from the whole days on first use (thread-safe as <see cref="BuildMonetary"/>).</summary>
    private double[] BuildRecency()
    {
        var recency = new double[_ids.Length];
        CopyRecency(recency);
        return Interlocked.CompareExchange(ref _recency, recency, null) ?? recency;
    }

    /// <summary>Customers up to which the rows are aggregated in row order: the packed state (16 B a customer, 1 MB here) stays in L2.
    /// Above it, rows are first partitioned by customer range (<see cref="AggregatePartitioned"/>), which measured faster from 100k
    /// customers (state in L3) on (issue 17, benchmarks/results/RfmBenchmarks.md).</summary>
    internal const int DirectCustomerLimit = 1 << 16;

    /// <summary>Rows per chunk of the partitioned pass at most (2^23 rows of 8 B: a 64 MB pooled buffer). Up to it the whole table is one
    /// chunk, so each customer range's state is loaded once, not once per chunk (issue 17: with 2^20-row chunks at 1M customers every
    /// chunk reloaded the whole 16 MB state from memory).</summary>
    private const int MaxChunkRows = 1 << 23;

    /// <summary>Customers per partition of <see cref="AggregatePartitioned"/> at least when chosen from the customer count (2^14 · 16 B =
    /// 256 KB of state).</summary>
    private const int MinPartitionBits = 14;

    /// <summary>Customers per partition at most: a packed row keeps its customer's offset in up to 18 bits (2^18 · 16 B = 4 MB of state,
    /// well inside the last-level cache).</summary>
    internal const int MaxPartitionBits = 18;

    /// <summary>log2 of the number of partitions aimed at (8). Issue 17: the scatter of pass 1 slows down with the number of ranges it
    /// writes to once its destination no longer fits the last-level cache (10M rows, 1M customers, AVX2 host: 124 ms with 62 ranges of
    /// 2^14 customers, 75 ms with 8 ranges of 2^17), while pass 2 ran as fast on 2–4 MB slices (L3) as on 256 KB slices (L2).</summary>
    private const int TargetPartitionCountBits = 3;

    /// <summary>The <c>partitionBits</c> of <see cref="FromTransactionsCore"/> that chooses the partition size from the customer count.</summary>
    internal const int AutoPartitionBits = -1;

    /// <summary>Rows per chunk from which the partitioned pass runs on several threads (when more than one processor is available).
    /// Issue 17 asks for parallel paths only above a measured work threshold. Measured on 2 processors (AVX2 host, 70k customers, best
    /// of 150–300 interleaved calls): 150k rows 1.7 ms on one thread and on two; 300k rows 4.1 vs 2.1 ms; 500k rows 6.8 vs 3.6 ms;
    /// with 10 rows a customer, 1M rows 13.0 vs 7.0 ms and 10M rows 166 vs 93 ms (benchmarks/results/RfmBenchmarks.md).</summary>
    internal const int ParallelRowThreshold = 1 << 18;

    /// <summary>Threads of the partitioned pass at most (pass 2 has about 8 partitions to share).</summary>
    private const int MaxWorkers = 4;

    /// <summary>Threads for a chunk of <paramref name="chunkRows"/> rows: <paramref name="forced"/> when positive (tests), else one below
    /// <see cref="ParallelRowThreshold"/> or with one processor, else up to <see cref="MaxWorkers"/>.</summary>
    internal static int PartitionedWorkers(int chunkRows, int forced) =>
        forced > 0 ? forced
        : chunkRows < ParallelRowThreshold || Environment.ProcessorCount < 2 ? 1
        : Math.Min(Environment.ProcessorCount, MaxWorkers);

    /// <summary>Bits of a packed row's "1 + days to as-of" field: a purchase 2^16 − 1 days (179 years) or more before as-of makes the
    /// partitioned pass fall back to the row-order pass.</summary>
    private const int PackedDayBits = 16;

    /// <summary>The per-customer running aggregate, packed so one row touches one cache line (16 B).</summary>
    /// <remarks><see cref="Days"/> is 1 + the least whole days from a purchase to as-of, 0 before the first purchase: floor((asOf − t) / day)
    /// is monotone in t, so its minimum over the purchases is the recency of the last purchase.</remarks>
    private struct CustomerState
    {
        public long Cents;
        public int Days;
        public int Frequency;
    }

    /// <summary>1 + whole days from <paramref name="ticks"/> (before as-of) to as-of.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int DaysPlusOne(long asOfTicks, long ticks) => (int)((asOfTicks - ticks) / TimeSpan.TicksPerDay) + 1;

    /// <summary>Keeps the least positive of <paramref name="stored"/> (0 = none yet) and <paramref name="days"/> (≥ 1).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static int MinDays(int stored, int days) => unchecked((int)Math.Min((uint)(stored - 1), (uint)(days - 1)) + 1);

    /// <summary>One pass in row order into the packed state. Returns false when an amount is not whole cents (the caller redoes the sums
    /// in decimal; recency and frequency are complete either way).</summary>
    private static bool AggregateDirect(TransactionTable table, long asOfTicks, Span<CustomerState> state)
    {
        var cust = table.CustomerIndex;
        var ticks = table.UtcTicks;
        var packed = table.PackedAmounts is { } p ? p.AsSpan(0, table.Count) : default; // whole cents, always exact (PackedMoney)
        var usePacked = table.PackedAmounts is not null;
        var amounts = usePacked ? default : table.Amounts;
        var kinds = table.Kinds;
        var orders = table.OrderIndex;
        var exact = true;
        var oneRowPerOrder = table.OrderCount == table.Count;
        var orderSeen = oneRowPerOrder ? [] : new bool[table.OrderCount];
        Span<int> bits = stackalloc int[4];
        for (var i = 0; i < ticks.Length; i++)
        {
            var t = ticks[i];
            if (t >= asOfTicks)
            {
                continue;
            }

            ref var s = ref state[cust[i]];
            long amountCents = 0;
            if (usePacked)
            {
                amountCents = PackedMoney.Cents(packed[i]);
            }
            else if (exact && !WholeCents.TryFromAmount(amounts[i], bits, out amountCents, out _))
            {
                exact = false;
            }

            if (kinds[i] == TransactionKind.Purchase)
            {
                s.Cents += amountCents;
                s.Days = MinDays(s.Days, DaysPlusOne(asOfTicks, t));
                if (oneRowPerOrder)
                {
                    s.Frequency++;
                }
                else if (!orderSeen[orders[i]])
                {
                    orderSeen[orders[i]] = true;
                    s.Frequency++;
                }
            }
            else
            {
                s.Cents -= amountCents;
            }
        }

        return exact;
    }

    /// <summary>
    /// Cache-aware aggregation for many customers (rows in random customer order). Pass 1 (per chunk of up to 2^23 rows, normally the
    /// whole table): a counting pass over the customer column sizes the customer ranges (about 8 ranges of 2^14–2^18 customers, more
    /// ranges above 2^21 customers), then one pass (per row segment when several threads run) converts each row to 8 bytes (signed whole cents in the high bits; the
    /// customer's offset in its range, the flag "first row of its purchase order" and 1 + days to as-of, 0 for a return, in the low
    /// 17 + offset bits; one row per purchase order flagged, as in <see cref="AggregateDirect"/>) and scatters it to its range. An amount
    /// whose cents do not fit the high bits (2^28 cents and more with 2^18-customer ranges) is packed as 0 cents and kept aside with
    /// its customer; it is added to the customer's state before the output. Pass 2: each range is aggregated into its slice of the
    /// packed state (cache-resident); the slice is cleared just before its first chunk and, after the last chunk, written to the outputs
    /// while it is still in cache (no separate clearing or output pass over the whole state). The chunk buffer comes from the shared
    /// array pool. The sums, minima and counts are those of the row-order pass (integer sums, minima and counts are order-independent).
    /// Returns false when an amount is not whole cents with a mantissa below 2^32 or a purchase is 2^16 − 1 days or more before as-of
    /// (the caller then starts over in row order).
    /// </summary>
    private static bool AggregatePartitioned(TransactionTable table, long asOfTicks, CustomerState[] state, int n, int partitionBits, int maxChunkRows, int workers, Outputs outputs, out bool wide)
    {
        var rowCount = table.Count;
        var bitsNeeded = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(n - 1));
        var shift = partitionBits == AutoPartitionBits
            ? Math.Clamp(bitsNeeded - TargetPartitionCountBits, MinPartitionBits, MaxPartitionBits)
            : partitionBits;
        if (shift is < 0 or > MaxPartitionBits)
        {
            throw new ArgumentOutOfRangeException(nameof(partitionBits), partitionBits, $"Expected {AutoPartitionBits} or 0 to {MaxPartitionBits}.");
        }

        // Balanced chunks: 10M rows are two chunks of 5M rather than 8M + 2M.
        var chunks = ((rowCount - 1) / maxChunkRows) + 1;
        var chunk = ((rowCount - 1) / chunks) + 1;
        var rows = ArrayPool<long>.Shared.Rent(chunk);
        try
        {
            var pass = new PartitionedPass(table, asOfTicks, state, n, shift, rows, outputs, PartitionedWorkers(chunk, workers));
            var done = pass.Run(chunk);
            wide = pass.Wide;
            return done;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(rows);
        }
    }

    /// <summary>One run of the partitioned pass: pass 1 by row segments, pass 2 by partitions, each on up to <see cref="Workers"/>
    /// threads (one: the serial path, same code).</summary>
    private sealed class PartitionedPass
    {
        private const int FirstOfOrder = 1 << PackedDayBits;
        private const int OffsetShift = PackedDayBits + 1;
        private const int DayMask = (1 << PackedDayBits) - 1;

        private readonly TransactionTable _table;
        private readonly long _asOfTicks;
        private readonly CustomerState[] _state;
        private readonly int _n;
        private readonly int _shift;
        private readonly int _mask;
        private readonly int _partitions;
        private readonly int _low;
        private readonly long _lowMask;
        private readonly long _centsLimit;
        private readonly long[] _rows;
        private readonly Outputs _outputs;
        private readonly bool _oneRowPerOrder;
        private readonly byte[] _orderSeen; // 1 once an order's flag is given

        // Per segment w and partition p: where its rows start in the chunk buffer and where the next goes (pass 2 reads base..next).
        private readonly int[][] _base;
        private readonly int[][] _next;
        private readonly List<(int Customer, long Cents)>?[] _aside;
        private List<(int Customer, long Cents)>? _asideSorted;
        private int _failed;
        private int _wide;

        public PartitionedPass(TransactionTable table, long asOfTicks, CustomerState[] state, int n, int shift, long[] rows, Outputs outputs, int workers)
        {
            _table = table;
            _asOfTicks = asOfTicks;
            _state = state;
            _n = n;
            _shift = shift;
            _mask = (1 << shift) - 1;
            _partitions = ((n - 1) >> shift) + 1;

            // The low `_low` bits hold the key (offset, flag, days), the high bits the signed cents: |cents| < _centsLimit fits.
            _low = OffsetShift + shift;
            _lowMask = (1L << _low) - 1;
            _centsLimit = 1L << (63 - _low);
            _rows = rows;
            _outputs = outputs;
            _oneRowPerOrder = table.OrderCount == table.Count;
            _orderSeen = _oneRowPerOrder ? [] : new byte[table.OrderCount];
            Workers = workers;
            _base = new int[workers][];
            _next = new int[workers][];
            for (var w = 0; w < workers; w++)
            {
                _base[w] = new int[_partitions];
                _next[w] = new int[_partitions];
            }

            _aside = new List<(int, long)>?[workers];
        }

        public int Workers { get; }

        public bool Wide => _wide != 0;

        /// <summary>Aggregates every chunk; false when a row needs the row-order pass.</summary>
        public bool Run(int chunk)
        {
            var rowCount = _table.Count;
            for (var from = 0; from < rowCount; from += chunk)
            {
                var to = Math.Min(rowCount, from + chunk);
                var first = from == 0;
                var last = to == rowCount;
                var length = to - from;
                ForEach(Workers, w => Count(w, from + SegmentStart(w, length), from + SegmentStart(w + 1, length)));
                Place();
                ForEach(Workers, w => Scatter(w, from + SegmentStart(w, length), from + SegmentStart(w + 1, length)));
                if (_failed != 0)
                {
                    return false;
                }

                if (last)
                {
                    _asideSorted = MergeAside();
                }

                ForEach(_partitions, p => AggregatePartition(p, first, last));
            }

            return true;
        }

        /// <summary>Runs <paramref name="body"/> for 0 … count − 1: in order on this thread with one worker (no thread-pool work), else
        /// on up to <see cref="Workers"/> threads.</summary>
        private void ForEach(int count, Action<int> body)
        {
            if (Workers == 1)
            {
                for (var i = 0; i < count; i++)
                {
                    body(i);
                }
            }
            else
            {
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Workers }, body);
            }
        }

        private int SegmentStart(int w, int length) => (int)((long)length * w / Workers);

        /// <summary>Counts segment w's rows per partition (into its base array, turned into offsets by <see cref="Place"/>).</summary>
        private void Count(int w, int from, int to)
        {
            var counts = _base[w];
            Array.Clear(counts);
            var shift = _shift;
            foreach (var c in _table.CustomerIndex[from..to])
            {
                counts[c >> shift]++;
            }
        }

        /// <summary>Turns the counts into each segment's first position per partition: partition by partition, segment by segment.</summary>
        private void Place()
        {
            var position = 0;
            for (var p = 0; p < _partitions; p++)
            {
                for (var w = 0; w < Workers; w++)
                {
                    var count = _base[w][p];
                    _base[w][p] = position;
                    _next[w][p] = position;
                    position += count;
                }
            }
        }

        /// <summary>Pass 1 for rows from..to of segment w: packs each row and writes it to its partition's region of the segment.</summary>
        private void Scatter(int w, int from, int to)
        {
            var cust = _table.CustomerIndex;
            var ticks = _table.UtcTicks;
            var packed = _table.PackedAmounts is { } p ? p.AsSpan(0, _table.Count) : default; // whole cents, always exact (PackedMoney)
            var usePacked = _table.PackedAmounts is not null;
            var amounts = usePacked ? default : _table.Amounts;
            var kinds = _table.Kinds;
            var orders = _table.OrderIndex;
            var next = _next[w];
            var rows = _rows;
            var shift = _shift;
            var mask = _mask;
            var low = _low;
            var centsLimit = _centsLimit;
            var asOfTicks = _asOfTicks;
            var serial = Workers == 1;
            Span<int> bits = stackalloc int[4];
            for (var i = from; i < to; i++)
            {
                var t = ticks[i];
                if (t >= asOfTicks)
                {
                    continue;
                }

                long cents;
                if (usePacked)
                {
                    cents = PackedMoney.Cents(packed[i]);
                }
                else if (!WholeCents.TryFromAmount(amounts[i], bits, out cents, out _))
                {
                    _failed = 1;
                    return;
                }

                var c = cust[i];
                var key = (long)(c & mask) << OffsetShift;
                if (kinds[i] == TransactionKind.Purchase)
                {
                    var days = DaysPlusOne(asOfTicks, t);
                    if (days > DayMask)
                    {
                        _failed = 1;
                        return;
                    }

                    key |= (uint)days; // 1 ≤ days ≤ DayMask
                    if (_oneRowPerOrder)
                    {
                        key |= FirstOfOrder;
                    }
                    else if (_orderSeen[orders[i]] == 0)
                    {
                        // One row per order carries the flag (the rows of an order share its customer and instant, so which one does not
                        // matter); segments may share an order, hence the exchange when several threads run.
                        if (serial)
                        {
                            _orderSeen[orders[i]] = 1;
                            key |= FirstOfOrder;
                        }
                        else if (Interlocked.Exchange(ref _orderSeen[orders[i]], (byte)1) == 0)
                        {
                            key |= FirstOfOrder;
                        }
                    }
                }
                else
                {
                    cents = -cents;
                }

                if (cents >= centsLimit || cents <= -centsLimit)
                {
                    // Rare (a very large amount for the range size): added to the customer's state before the output.
                    (_aside[w] ??= []).Add((c, cents)); // this segment's own list
                    cents = 0;
                }

                // unchecked: the cents (|cents| < centsLimit) go to the high bits, the key (< 2^low) to the low bits.
                rows[next[c >> shift]++] = unchecked((cents << low) | key);
            }
        }

        private List<(int Customer, long Cents)>? MergeAside()
        {
            List<(int Customer, long Cents)>? all = null;
            foreach (var list in _aside)
            {
                if (list is not null)
                {
                    (all ??= []).AddRange(list);
                }
            }

            all?.Sort(static (x, y) => x.Customer.CompareTo(y.Customer));
            return all;
        }

        /// <summary>Pass 2 for partition p: aggregates its rows into its state slice (cleared on the first chunk) and, on the last chunk,
        /// adds the amounts kept aside and writes the outputs.</summary>
        private void AggregatePartition(int p, bool first, bool last)
        {
            var offset = p << _shift;
            var slice = _state.AsSpan(offset, Math.Min(1 << _shift, _n - offset));
            if (first)
            {
                slice.Clear();
            }

            var low = _low;
            var lowMask = _lowMask;
            for (var w = 0; w < Workers; w++)
            {
                foreach (var r in _rows.AsSpan(_base[w][p], _next[w][p] - _base[w][p]))
                {
                    var key = r & lowMask;
                    ref var s = ref slice[(int)(key >> OffsetShift)];
                    s.Cents += r >> low;
                    var days = (int)(key & DayMask);
                    if (days != 0)
                    {
                        s.Days = MinDays(s.Days, days);
                        s.Frequency += (int)((key >> PackedDayBits) & 1);
                    }
                }
            }

            if (!last)
            {
                return;
            }

            if (_asideSorted is { } aside)
            {
                // The first entry of this partition's customers (the list is sorted by customer).
                int lo = 0, hi = aside.Count;
                while (lo < hi)
                {
                    var mid = (lo + hi) >>> 1;
                    if (aside[mid].Customer < offset)
                    {
                        lo = mid + 1;
                    }
                    else
                    {
                        hi = mid;
                    }
                }

                for (var j = lo; j < aside.Count && aside[j].Customer < offset + slice.Length; j++)
                {
                    slice[aside[j].Customer - offset].Cents += aside[j].Cents;
                }
            }

            if (Emit(slice, offset, _outputs, exact: true))
            {
                Interlocked.Exchange(ref _wide, 1);
            }
        }
    }

    private static double[] ToDouble(decimal[] values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = (double)values[i];
        }

        return result;
    }

    /// <summary>Takes RFM values from computed features (recency floored to whole days, <see cref="CustomerFeatures.OrderCount"/>,
    /// <see cref="CustomerFeatures.MonetaryTotal"/> rounded to cents).</summary>
    /// <param name="features">The features, for example a <see cref="CustomerFeatureSet"/>.</param>
    /// <returns>The values, in the given order.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="features"/> or an element is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">Two entries share a customer id.</exception>
    public static RfmValues FromFeatures(IEnumerable<CustomerFeatures> features)
    {
        ArgumentNullException.ThrowIfNull(features);
        var list = features.ToArray();
        var ids = new string[list.Length];
        var recency = new double[list.Length];
        var frequency = new int[list.Length];
        var money = new decimal[list.Length];
        for (var i = 0; i < list.Length; i++)
        {
            var f = list[i] ?? throw new ArgumentNullException(nameof(features), $"Element {i} is null.");
            ids[i] = f.CustomerId;
            frequency[i] = f.OrderCount;
            recency[i] = f.LastPurchase is { } last ? Math.Max(0, (f.AsOf.UtcTicks - last.UtcTicks) / TimeSpan.TicksPerDay) : double.NaN;
            money[i] = Math.Round(f.MonetaryTotal, 2, MidpointRounding.ToEven);
        }

        return Create(ids, recency, frequency, money);
    }
}
