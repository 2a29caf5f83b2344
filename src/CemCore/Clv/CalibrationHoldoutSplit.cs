using CemCore.Features;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Clv;

/// <summary>
/// A calibration/holdout split of a transaction table: the BTYD summary (x, t_x, T, m_x) at the calibration end and the number of
/// purchase days x* in the holdout period, per customer who purchased on or before the calibration end.
/// </summary>
/// <remarks>
/// <para>Both end dates are <b>inclusive</b> calendar days in <see cref="FeatureSettings.TimeZone"/>: calibration = every day up to and
/// including <see cref="CalibrationEnd"/> (the as-of instant is the next midnight); holdout = (<see cref="CalibrationEnd"/>, <see cref="HoldoutEnd"/>].
/// Purchases on the same calendar day are one transaction (the <see cref="FeatureExtractor"/> rules). Customers whose first purchase falls
/// in the holdout are not part of the split.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class CalibrationHoldoutSplit
{
    private readonly int[] _x;
    private readonly double[] _tx;
    private readonly double[] _t;
    private readonly double[] _m;
    private readonly int[] _xStar;

    private CalibrationHoldoutSplit(string[] ids, int[] x, double[] tx, double[] t, double[] m, int[] xStar, DateOnly calEnd, DateOnly holdEnd, TimeUnit unit)
    {
        CustomerIds = Array.AsReadOnly(ids);
        _x = x;
        _tx = tx;
        _t = t;
        _m = m;
        _xStar = xStar;
        CalibrationEnd = calEnd;
        HoldoutEnd = holdEnd;
        Unit = unit;
        HoldoutLength = (holdEnd.DayNumber - calEnd.DayNumber) / (double)TimeUnits.DaysPerUnit(unit);
    }

    /// <summary>Gets the customer ids (in the table's first-appearance order).</summary>
    public IReadOnlyList<string> CustomerIds { get; }

    /// <summary>Gets the calibration repeat frequency x per customer.</summary>
    public ReadOnlySpan<int> Frequency => _x;

    /// <summary>Gets t_x per customer, in <see cref="Unit"/>.</summary>
    public ReadOnlySpan<double> Recency => _tx;

    /// <summary>Gets T per customer, in <see cref="Unit"/>.</summary>
    public ReadOnlySpan<double> Age => _t;

    /// <summary>Gets the mean spend m_x of the calibration repeat purchase days (0 when x = 0).</summary>
    public ReadOnlySpan<double> MeanRepeatSpend => _m;

    /// <summary>Gets the holdout purchase days x* per customer.</summary>
    public ReadOnlySpan<int> HoldoutFrequency => _xStar;

    /// <summary>Gets the last calibration day (inclusive).</summary>
    public DateOnly CalibrationEnd { get; }

    /// <summary>Gets the last holdout day (inclusive).</summary>
    public DateOnly HoldoutEnd { get; }

    /// <summary>Gets the holdout length in <see cref="Unit"/>: (HoldoutEnd − CalibrationEnd) days / days per unit.</summary>
    public double HoldoutLength { get; }

    /// <summary>Gets the time unit of recency, age and the holdout length.</summary>
    public TimeUnit Unit { get; }

    /// <summary>Gets the number of customers.</summary>
    public int Count => _x.Length;

    /// <summary>Splits a table.</summary>
    /// <param name="table">The transactions.</param>
    /// <param name="calibrationEnd">Last calibration day, inclusive.</param>
    /// <param name="holdoutEnd">Last holdout day, inclusive; <see langword="null"/> for the last purchase day in the table (or the calibration end when later).</param>
    /// <param name="settings">Time unit and zone; <see langword="null"/> for weeks in UTC.</param>
    /// <returns>The split.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="holdoutEnd"/> is before <paramref name="calibrationEnd"/>.</exception>
    /// <exception cref="ArgumentException">No customer purchased on or before <paramref name="calibrationEnd"/>.</exception>
    public static CalibrationHoldoutSplit Create(TransactionTable table, DateOnly calibrationEnd, DateOnly? holdoutEnd = null, FeatureSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        settings ??= new FeatureSettings(TimeUnit.Week);
        var holdEnd = holdoutEnd ?? LastDay(table, settings, calibrationEnd);
        if (holdEnd < calibrationEnd)
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutEnd), holdEnd, $"holdoutEnd must be on or after calibrationEnd ({calibrationEnd:yyyy-MM-dd}).");
        }

        var cal = FeatureExtractor.Compute(table, StartOfDay(calibrationEnd.AddDays(1), settings.TimeZone), settings);
        var hold = FeatureExtractor.Compute(table, StartOfDay(holdEnd.AddDays(1), settings.TimeZone), settings);
        var ids = new List<string>(cal.Count);
        var x = new List<int>(cal.Count);
        var tx = new List<double>(cal.Count);
        var t = new List<double>(cal.Count);
        var m = new List<double>(cal.Count);
        var xs = new List<int>(cal.Count);
        for (var i = 0; i < cal.Count; i++)
        {
            var f = cal[i];
            if (!f.HasPurchased)
            {
                continue;
            }

            _ = hold.TryGet(f.CustomerId, out var h);
            ids.Add(f.CustomerId);
            x.Add(f.Btyd.Frequency);
            tx.Add(f.Btyd.Recency);
            t.Add(f.Btyd.Age);
            m.Add((double)f.Btyd.MeanRepeatSpend);
            xs.Add((h?.PurchaseDays ?? f.PurchaseDays) - f.PurchaseDays);
        }

        if (ids.Count == 0)
        {
            throw new ArgumentException($"No customer purchased on or before the calibration end {calibrationEnd:yyyy-MM-dd}.", nameof(calibrationEnd));
        }

        return new CalibrationHoldoutSplit([.. ids], [.. x], [.. tx], [.. t], [.. m], [.. xs], calibrationEnd, holdEnd, settings.TimeUnit);
    }

    /// <summary>Returns the calibration summaries as model-fit input.</summary>
    /// <returns>The compressed data.</returns>
    public BtydData ToBtydData() => BtydData.Create(_x, _tx, _t, Unit);

    /// <summary>Returns midnight at the start of <paramref name="day"/> in <paramref name="zone"/>.</summary>
    internal static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, zone.GetUtcOffset(local));
    }

    private static DateOnly LastDay(TransactionTable table, FeatureSettings settings, DateOnly floor)
    {
        long max = long.MinValue;
        foreach (var tick in table.UtcTicks)
        {
            max = Math.Max(max, tick);
        }

        if (max == long.MinValue)
        {
            return floor;
        }

        var day = DateOnly.FromDayNumber(checked((int)settings.DayOf(max)));
        return day < floor ? floor : day;
    }
}

/// <summary>One row of the holdout validation table: customers grouped by calibration frequency.</summary>
/// <param name="Frequency">The calibration frequency x of the group.</param>
/// <param name="IncludesHigher">Whether the group is the open-ended top group (x ≥ <paramref name="Frequency"/>).</param>
/// <param name="Customers">Customers in the group.</param>
/// <param name="ActualMean">Mean actual holdout purchases x*.</param>
/// <param name="ExpectedMean">Mean model-expected holdout purchases E[Y(holdout length) | x, t_x, T].</param>
public readonly record struct HoldoutFrequencyRow(int Frequency, bool IncludesHigher, int Customers, double ActualMean, double ExpectedMean);

/// <summary>Model validation on a calibration/holdout split (Fader, Hardie &amp; Lee 2005, figures 3 and 4).</summary>
/// <remarks>Stateless and thread-safe.</remarks>
public static class BtydValidation
{
    /// <summary>Expected vs actual mean holdout purchases by calibration frequency 0, 1, …, <paramref name="topFrequency"/>+ (FHL 2005 figure 4).</summary>
    /// <param name="model">The fitted model (same time unit as the split).</param>
    /// <param name="split">The split.</param>
    /// <param name="topFrequency">The open-ended top group (default 7 → groups 0..6 and 7+), 1..1000.</param>
    /// <returns>One row per group; groups without customers have <c>Customers</c> = 0 and NaN means.</returns>
    /// <exception cref="ArgumentException">The model and split time units differ, or <paramref name="topFrequency"/> is out of range.</exception>
    public static IReadOnlyList<HoldoutFrequencyRow> HoldoutByFrequency(IBtydModel model, CalibrationHoldoutSplit split, int topFrequency = 7)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(split);
        ArgumentOutOfRangeException.ThrowIfLessThan(topFrequency, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(topFrequency, 1000);
        CheckUnit(model, split.Unit);
        var n = new int[topFrequency + 1];
        var actual = new double[topFrequency + 1];
        var expected = new double[topFrequency + 1];
        var e = new double[split.Count];
        model.ConditionalExpectedPurchases(split.HoldoutLength, split.Frequency, split.Recency, split.Age, e);
        for (var i = 0; i < split.Count; i++)
        {
            var g = Math.Min(split.Frequency[i], topFrequency);
            n[g]++;
            actual[g] += split.HoldoutFrequency[i];
            expected[g] += e[i];
        }

        var rows = new HoldoutFrequencyRow[topFrequency + 1];
        for (var g = 0; g <= topFrequency; g++)
        {
            rows[g] = new HoldoutFrequencyRow(g, g == topFrequency, n[g], n[g] == 0 ? double.NaN : actual[g] / n[g], n[g] == 0 ? double.NaN : expected[g] / n[g]);
        }

        return rows;
    }

    /// <summary>
    /// Expected cumulative repeat purchases of the cohort at the end of each period (FHL 2005 figure 2), with the BTYD package convention
    /// (<c>bgnbd.ExpectedCumulativeTransactions</c>): customer i is acquired at max(T) − Tᵢ, and contributes E[X(t − birthᵢ)] at time t.
    /// </summary>
    /// <param name="model">The fitted model.</param>
    /// <param name="age">Calibration ages T per customer, in the model's unit.</param>
    /// <param name="periods">Number of periods to report (≥ 1).</param>
    /// <param name="periodLength">Length of one period in the model's unit (finite, &gt; 0). Default 1.</param>
    /// <returns>Element k − 1 = expected cumulative repeat purchases at time k·periodLength.</returns>
    /// <exception cref="ArgumentException">An input is out of range or <paramref name="age"/> is empty.</exception>
    public static double[] ExpectedCumulativeRepeatPurchases(IBtydModel model, ReadOnlySpan<double> age, int periods, double periodLength = 1.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(periods, 1);
        FitRunner.CheckPositive(periodLength, nameof(periodLength));
        if (age.IsEmpty)
        {
            throw new ArgumentException("No customers.", nameof(age));
        }

        var maxT = double.NegativeInfinity;
        foreach (var t in age)
        {
            if (!(t >= 0.0 && double.IsFinite(t)))
            {
                throw new ArgumentOutOfRangeException(nameof(age), t, "Every age must be finite and ≥ 0.");
            }

            maxT = Math.Max(maxT, t);
        }

        // Group customers by birth time: the expectation depends only on t − birth.
        var births = new SortedDictionary<double, int>();
        foreach (var t in age)
        {
            var b = maxT - t;
            births[b] = births.TryGetValue(b, out var c) ? c + 1 : 1;
        }

        var result = new double[periods];
        for (var k = 1; k <= periods; k++)
        {
            var now = k * periodLength;
            var sum = 0.0;
            foreach (var (birth, count) in births)
            {
                if (birth > now)
                {
                    break;
                }

                sum += count * model.ExpectedPurchases(now - birth);
            }

            result[k - 1] = sum;
        }

        return result;
    }

    /// <summary>
    /// Actual cumulative repeat purchases (purchase days after each customer's first purchase day) at the end of each period,
    /// periods counted from <paramref name="start"/> (inclusive): period k covers days [start, start + k·unit).
    /// </summary>
    /// <param name="table">The transactions.</param>
    /// <param name="start">First day of period 1.</param>
    /// <param name="periods">Number of periods (≥ 1).</param>
    /// <param name="settings">Unit and zone; <see langword="null"/> for weeks in UTC.</param>
    /// <returns>Element k − 1 = repeat purchase days before start + k units (days before <paramref name="start"/> count from period 1).</returns>
    public static long[] ActualCumulativeRepeatPurchases(TransactionTable table, DateOnly start, int periods, FeatureSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentOutOfRangeException.ThrowIfLessThan(periods, 1);
        settings ??= new FeatureSettings(TimeUnit.Week);
        var unitDays = TimeUnits.DaysPerUnit(settings.TimeUnit);
        var days = new HashSet<(int Customer, long Day)>();
        var first = new Dictionary<int, long>();
        var cust = table.CustomerIndex;
        var ticks = table.UtcTicks;
        var kinds = table.Kinds;
        for (var i = 0; i < table.Count; i++)
        {
            if (kinds[i] != TransactionKind.Purchase)
            {
                continue;
            }

            var day = settings.DayOf(ticks[i]);
            days.Add((cust[i], day));
            first[cust[i]] = first.TryGetValue(cust[i], out var f) ? Math.Min(f, day) : day;
        }

        var startDay = (long)start.DayNumber;
        var counts = new long[periods];
        foreach (var (c, day) in days)
        {
            if (day == first[c])
            {
                continue;
            }

            var k = day < startDay ? 0 : (day - startDay) / unitDays;
            if (k < periods)
            {
                counts[k]++;
            }
        }

        for (var k = 1; k < periods; k++)
        {
            counts[k] += counts[k - 1];
        }

        return counts;
    }

    internal static void CheckUnit(IBtydModel model, TimeUnit unit)
    {
        if (model.Unit != unit)
        {
            throw new ArgumentException($"The model's time unit ({model.Unit}) differs from the data's ({unit}).", nameof(model));
        }
    }
}
