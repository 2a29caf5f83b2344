using System.Numerics;
using CemCore.Merging;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Kpis;

/// <summary>One acquisition cohort.</summary>
/// <param name="Year">The UTC year of the cohort's first purchases.</param>
/// <param name="Month">The UTC month (1–12).</param>
/// <param name="Customers">The customers whose first purchase falls in this month.</param>
/// <param name="Active"><c>Active[k]</c> = the cohort's customers with ≥ 1 purchase in calendar month cohort + k; k runs to the last month of the data.</param>
public sealed record CohortRow(int Year, int Month, int Customers, IReadOnlyList<int> Active)
{
    /// <summary>Gets the cohort label <c>yyyy-MM</c>.</summary>
    public string Label => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Year:0000}-{Month:00}");

    /// <summary>Returns the retention share of month k (Active[k]/Customers).</summary>
    /// <param name="k">Months since acquisition.</param>
    /// <returns>The share in [0, 1].</returns>
    public double Retention(int k) => Customers == 0 ? 0 : (double)Active[k] / Customers;
}

/// <summary>The cohort retention matrix: cohorts in ascending month order (months without new customers are absent).</summary>
/// <param name="Cohorts">The cohorts.</param>
public sealed record CohortMatrix(IReadOnlyList<CohortRow> Cohorts);

/// <summary>
/// Cohort retention by acquisition month. The cohort of a customer is the UTC calendar month of the first purchase before as-of;
/// <c>active[k]</c> counts the cohort's customers with ≥ 1 purchase in calendar month cohort + k, for k from 0 to the month of the
/// latest purchase before as-of (the same end month for every cohort), so <c>active[0]</c> = customers. Returns are ignored.
/// </summary>
public static class CohortRetention
{
    /// <summary>Computes the matrix over the purchases of <paramref name="table"/> strictly before <paramref name="asOf"/>.</summary>
    /// <param name="table">The transactions.</param>
    /// <param name="asOf">The exclusive end instant.</param>
    /// <returns>The matrix (no cohorts when there is no purchase before as-of).</returns>
    /// <remarks>
    /// <para>Integer kernel over the table's columns, O(rows + customers·months/32): (1) the range of purchase instants before as-of; (2) per
    /// row, the month offset from a day → month lookup table (one division, no calendar arithmetic) sets a bit in the customer's
    /// active-month mask, indexed by the dense customer index; (3) per customer, the lowest bit is the cohort and every set bit k adds one to
    /// cell (cohort, k − cohort). Above <see cref="ParallelRowsPerWorker"/> rows per worker, steps 1–2 run over contiguous row partitions with
    /// one mask array per worker and step 3 over customer ranges (OR of the workers' masks) with one count matrix per worker, summed at the end:
    /// bitwise OR and integer sums do not depend on the partitioning or on scheduling, so the result is identical to the sequential pass.</para>
    /// </remarks>
    public static CohortMatrix Compute(TransactionTable table, DateTimeOffset asOf) => Compute(table, asOf, ParallelRowsPerWorker);

    /// <summary>Rows per worker from which <see cref="Compute(TransactionTable, DateTimeOffset)"/> runs in parallel.</summary>
    internal const int ParallelRowsPerWorker = 1 << 18;

    /// <summary>The cap on the workers' mask memory, in bytes (fewer workers when the masks are larger).</summary>
    private const long MaskBudgetBytes = 256L << 20;

    /// <summary>Computes the matrix with a given parallel threshold (tests force the parallel path on small tables).</summary>
    internal static CohortMatrix Compute(TransactionTable table, DateTimeOffset asOf, int rowsPerWorker)
    {
        ArgumentNullException.ThrowIfNull(table);
        var n = table.Count;
        var (customer, ticks, kinds) = table.ColumnArrays;
        var end = asOf.UtcTicks;
        var workers = n >= 2L * rowsPerWorker && Environment.ProcessorCount > 1 ? (int)Math.Min(Environment.ProcessorCount, n / rowsPerWorker) : 1;

        // (1) Range of purchase instants before as-of.
        var lows = new long[workers];
        var highs = new long[workers];
        ForEachWorker(workers, w =>
        {
            var (from, to) = Slice(n, workers, w);
            long lo = long.MaxValue, hi = long.MinValue;
            for (var i = from; i < to; i++)
            {
                var t = ticks[i];
                if (t < end && kinds[i] == TransactionKind.Purchase)
                {
                    lo = Math.Min(lo, t);
                    hi = Math.Max(hi, t);
                }
            }

            lows[w] = lo;
            highs[w] = hi;
        });
        var low = lows.Min();
        var high = highs.Max();
        if (low > high)
        {
            return new CohortMatrix([]);
        }

        var min = MonthIndex(low);
        var span = MonthIndex(high) - min + 1;
        var words = (span + 31) / 32; // 32-bit words: two years of months fit one word, 4 bytes per customer (the hot loop is a random
        // read-modify-write into this array, so its size decides the cache misses)
        var customers = table.CustomerIds.Count;
        var maskLength = checked(customers * words);
        workers = (int)Math.Clamp(MaskBudgetBytes / Math.Max(1L, maskLength * 4L), 1, workers);
        var firstDay = low / TimeSpan.TicksPerDay;
        var months = DayToMonth(firstDay, (high / TimeSpan.TicksPerDay) - firstDay + 1, min, span);

        // (2) Active-month bits per customer, one mask array per worker.
        var masks = new uint[workers][];
        ForEachWorker(workers, w =>
        {
            var (from, to) = Slice(n, workers, w);
            var mask = masks[w] = new uint[maskLength];
            for (var i = from; i < to; i++)
            {
                var t = ticks[i];
                if (t < end && kinds[i] == TransactionKind.Purchase)
                {
                    // In range by construction (low ≤ t ≤ high, customer index < customers): no overflow checks in the hot loop.
                    unchecked
                    {
                        var m = months[(int)((t / TimeSpan.TicksPerDay) - firstDay)];
                        mask[(customer[i] * words) + (m >> 5)] |= 1U << (m & 31);
                    }
                }
            }
        });

        // (3) Cohort × months-since counts, one matrix per worker over a customer range, then summed.
        var counts = new int[workers][];
        ForEachWorker(workers, w =>
        {
            var (from, to) = Slice(customers, workers, w);
            var cells = counts[w] = new int[checked(span * span)];
            for (var c = from; c < to; c++)
            {
                var first = -1;
                for (var k = 0; k < words; k++)
                {
                    var bits = 0U;
                    foreach (var mask in masks)
                    {
                        bits |= mask[(c * words) + k];
                    }

                    while (bits != 0)
                    {
                        var m = (k << 5) + BitOperations.TrailingZeroCount(bits);
                        bits &= bits - 1;
                        if (first < 0)
                        {
                            first = m;
                        }

                        unchecked
                        {
                            cells[(first * span) + (m - first)]++;
                        }
                    }
                }
            }
        });

        var total = counts[0];
        for (var w = 1; w < workers; w++)
        {
            for (var i = 0; i < total.Length; i++)
            {
                total[i] += counts[w][i];
            }
        }

        return Build(min, span, total);
    }

    /// <summary>The month offset (from <paramref name="minMonth"/>) of every UTC day from <paramref name="firstDay"/> on.</summary>
    private static int[] DayToMonth(long firstDay, long days, int minMonth, int span)
    {
        var result = new int[checked((int)days)];
        for (var m = 0; m < span; m++)
        {
            var month = minMonth + m;
            var startDay = new DateTime(month / 12, (month % 12) + 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks / TimeSpan.TicksPerDay;
            var nextDay = startDay + DateTime.DaysInMonth(month / 12, (month % 12) + 1);
            var from = (int)Math.Max(0, startDay - firstDay);
            var to = (int)Math.Min(days, nextDay - firstDay);
            result.AsSpan(from, to - from).Fill(m);
        }

        return result;
    }

    private static (int From, int To) Slice(int count, int parts, int part) =>
        ((int)((long)count * part / parts), (int)((long)count * (part + 1) / parts));

    private static void ForEachWorker(int workers, Action<int> body)
    {
        if (workers == 1)
        {
            body(0);
        }
        else
        {
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, body);
        }
    }

    /// <summary>Returns the UTC month number (year·12 + month − 1) of an instant in ticks.</summary>
    /// <param name="utcTicks">UTC ticks.</param>
    /// <returns>The month number.</returns>
    internal static int MonthIndex(long utcTicks)
    {
        var d = new DateTime(utcTicks, DateTimeKind.Utc);
        return (d.Year * 12) + d.Month - 1;
    }

    internal static CohortMatrix Build(int min, int span, int[] counts)
    {
        var rows = new List<CohortRow>();
        for (var c = 0; c < span; c++)
        {
            var n = counts[c * span];
            if (n == 0)
            {
                continue;
            }

            var active = new int[span - c];
            Array.Copy(counts, c * span, active, 0, active.Length);
            var month = min + c;
            rows.Add(new CohortRow(month / 12, (month % 12) + 1, n, active));
        }

        return new CohortMatrix(rows);
    }
}

/// <summary>
/// A mergeable cohort accumulator: per customer the set of its active UTC months. Rows may be split over partitions in any way; merging
/// unions the sets, so <see cref="Finish"/> equals <see cref="CohortRetention.Compute(TransactionTable, DateTimeOffset)"/> on all rows.
/// </summary>
/// <remarks>Not thread-safe; one accumulator per thread, then merge.</remarks>
public sealed class CohortAccumulator : IMergeable<CohortAccumulator, CohortMatrix>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.cohort";

    private readonly Dictionary<string, HashSet<int>> _months = new(StringComparer.Ordinal);

    /// <summary>Adds one purchase (the caller applies the as-of filter).</summary>
    /// <param name="customerId">The customer; not blank.</param>
    /// <param name="timestamp">The purchase instant.</param>
    public void Add(string customerId, DateTimeOffset timestamp)
    {
        Check.NotBlank(customerId);
        if (!_months.TryGetValue(customerId, out var set))
        {
            set = [];
            _months.Add(customerId, set);
        }

        set.Add(CohortRetention.MonthIndex(timestamp.UtcTicks));
    }

    /// <summary>Adds another partition.</summary>
    /// <param name="other">The other accumulator.</param>
    public void Merge(CohortAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (customer, months) in other._months)
        {
            if (!_months.TryGetValue(customer, out var set))
            {
                set = [];
                _months.Add(customer, set);
            }

            set.UnionWith(months);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Version 1, no settings (the caller applies the as-of filter). Payload: customer count (int32); per customer in ordinal id
    /// order: id (string), month count (int32), the active UTC month numbers (year·12 + month − 1) ascending (int32).</remarks>
    public PartialFormat Format { get; } = PartialFormat.WithoutSettings(KindId);

    /// <inheritdoc/>
    public CohortAccumulator MergeWith(CohortAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(_months.Count);
        foreach (var (customer, months) in _months.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            w.Write(customer);
            w.Write(months.Count);
            foreach (var m in months.Order())
            {
                w.Write(m);
            }
        }
    }

    /// <inheritdoc/>
    public static CohortAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var acc = new CohortAccumulator();
        var customers = r.ReadCount("customer");
        for (var c = 0; c < customers; c++)
        {
            var id = Check.NotBlank(r.ReadString(), "customerId");
            var n = r.ReadCount("month");
            var set = new HashSet<int>(n);
            for (var i = 0; i < n; i++)
            {
                var m = r.ReadInt32();
                set.Add(m is >= 12 and < 120_000 ? m : throw new InvalidDataException($"The cohort partial is corrupt: month number {m} is out of range."));
            }

            if (n == 0 || !acc._months.TryAdd(id, set))
            {
                throw new InvalidDataException("The cohort partial is corrupt: a customer appears twice or without months.");
            }
        }

        return acc;
    });

    /// <summary>Computes the matrix.</summary>
    /// <returns>The matrix.</returns>
    public CohortMatrix Finish()
    {
        if (_months.Count == 0)
        {
            return new CohortMatrix([]);
        }

        var min = _months.Values.Min(s => s.Min());
        var max = _months.Values.Max(s => s.Max());
        var span = max - min + 1;
        var counts = new int[checked(span * span)];
        foreach (var set in _months.Values)
        {
            var first = set.Min() - min;
            foreach (var m in set)
            {
                counts[(first * span) + (m - min - first)]++;
            }
        }

        return CohortRetention.Build(min, span, counts);
    }
}
