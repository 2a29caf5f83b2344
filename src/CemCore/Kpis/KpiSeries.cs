using System.Globalization;
using CemCore.Merging;

namespace CemCore.Kpis;

/// <summary>The period of a KPI time series.</summary>
public enum KpiPeriod
{
    /// <summary>ISO-8601 week (Monday 00:00 UTC to the next Monday; week 1 holds the year's first Thursday), label <c>2024-W01</c>.</summary>
    IsoWeek = 0,

    /// <summary>UTC calendar month, label <c>2024-01</c>.</summary>
    Month = 1,
}

/// <summary>One period of a KPI time series.</summary>
/// <param name="Period">The label: <c>yyyy-Www</c> (ISO week-numbering year and week) or <c>yyyy-MM</c>.</param>
/// <param name="Start">The first instant of the period (UTC).</param>
/// <param name="Value">The KPI of the period, or <see langword="null"/> when it is undefined (no data in the period).</param>
public sealed record KpiSeriesPoint(string Period, DateTimeOffset Start, double? Value);

/// <summary>One period of a monitored KPI: its value and both control charts.</summary>
/// <param name="Period">The period label.</param>
/// <param name="Start">The first instant of the period (UTC).</param>
/// <param name="Value">The KPI, or <see langword="null"/> for a period without data (it has no chart points).</param>
/// <param name="Ewma">The EWMA point, or <see langword="null"/>.</param>
/// <param name="Cusum">The CUSUM point, or <see langword="null"/>.</param>
public sealed record MonitoredPoint(string Period, DateTimeOffset Start, double? Value, ControlPoint? Ewma, CusumPoint? Cusum)
{
    /// <summary>Gets a value indicating whether either chart flags the period (the KPI moved beyond normal variation).</summary>
    public bool Flagged => Ewma is { OutOfControl: true } || Cusum is { OutOfControl: true };
}

/// <summary>
/// KPI time series per ISO week or UTC month, and their monitoring with EWMA and tabular CUSUM control limits (the "periodic evaluation,
/// dynamic adjustment" loop).
/// </summary>
/// <remarks>
/// All periods are in UTC: an instant belongs to the ISO week (Monday 00:00 UTC …) or calendar month containing its UTC time. Series run
/// from the first to the last period with data, gaps included as <see langword="null"/> values; control charts are computed over the
/// periods with a value, in order, and gap periods have no chart points.
/// </remarks>
public static class KpiSeries
{
    /// <summary>Returns the start (UTC) of the period containing an instant.</summary>
    /// <param name="instant">The instant.</param>
    /// <param name="period">The period.</param>
    /// <returns>Monday 00:00 UTC of its ISO week, or the 1st 00:00 UTC of its month.</returns>
    public static DateTimeOffset PeriodStart(DateTimeOffset instant, KpiPeriod period)
    {
        var utc = instant.UtcDateTime;
        return period switch
        {
            KpiPeriod.IsoWeek => new DateTimeOffset(utc.Date.AddDays(-(((int)utc.DayOfWeek + 6) % 7)), TimeSpan.Zero),
            KpiPeriod.Month => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, "Unknown period."),
        };
    }

    /// <summary>Returns the label of the period containing an instant: <c>yyyy-Www</c> (ISO year and week) or <c>yyyy-MM</c>.</summary>
    /// <param name="instant">The instant.</param>
    /// <param name="period">The period.</param>
    /// <returns>The label; labels sort in time order.</returns>
    public static string Label(DateTimeOffset instant, KpiPeriod period)
    {
        var utc = instant.UtcDateTime;
        return period switch
        {
            KpiPeriod.IsoWeek => string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(utc):0000}-W{ISOWeek.GetWeekOfYear(utc):00}"),
            KpiPeriod.Month => utc.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            _ => throw new ArgumentOutOfRangeException(nameof(period), period, "Unknown period."),
        };
    }

    /// <summary>Computes a KPI per period: items are grouped by the period of their instant into mergeable accumulators.</summary>
    /// <typeparam name="TItem">The item type.</typeparam>
    /// <typeparam name="TAcc">The accumulator.</typeparam>
    /// <param name="items">The items.</param>
    /// <param name="instant">The instant of an item.</param>
    /// <param name="period">The period.</param>
    /// <param name="create">Creates an empty accumulator.</param>
    /// <param name="add">Adds an item to an accumulator.</param>
    /// <param name="metric">The KPI of a period's accumulator (<see langword="null"/> when undefined).</param>
    /// <returns>The series from the first to the last period with items, gaps as <see langword="null"/>.</returns>
    public static IReadOnlyList<KpiSeriesPoint> Compute<TItem, TAcc>(
        IEnumerable<TItem> items, Func<TItem, DateTimeOffset> instant, KpiPeriod period, Func<TAcc> create, Action<TAcc, TItem> add, Func<TAcc, double?> metric)
        where TAcc : class, IMergeable<TAcc>
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(instant);
        ArgumentNullException.ThrowIfNull(create);
        ArgumentNullException.ThrowIfNull(add);
        var groups = new SortedDictionary<DateTimeOffset, TAcc>();
        foreach (var item in items)
        {
            var start = PeriodStart(instant(item), period);
            if (!groups.TryGetValue(start, out var acc))
            {
                acc = create();
                groups.Add(start, acc);
            }

            add(acc, item);
        }

        return FromPeriods(groups, period, metric);
    }

    /// <summary>Turns accumulators keyed by period start (for example merged from partitions) into a gap-filled series.</summary>
    /// <typeparam name="TAcc">The accumulator.</typeparam>
    /// <param name="periods">The accumulator of every period with data, keyed by <see cref="PeriodStart"/>.</param>
    /// <param name="period">The period.</param>
    /// <param name="metric">The KPI of an accumulator.</param>
    /// <returns>The series.</returns>
    /// <exception cref="ArgumentException">A key is not the start of a period.</exception>
    public static IReadOnlyList<KpiSeriesPoint> FromPeriods<TAcc>(IReadOnlyDictionary<DateTimeOffset, TAcc> periods, KpiPeriod period, Func<TAcc, double?> metric)
    {
        ArgumentNullException.ThrowIfNull(periods);
        ArgumentNullException.ThrowIfNull(metric);
        if (periods.Count == 0)
        {
            return [];
        }

        if (periods.Keys.FirstOrDefault(k => PeriodStart(k, period) != k) is var bad && bad != default)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{bad:O} is not the start of a {period} period."), nameof(periods));
        }

        var result = new List<KpiSeriesPoint>();
        var last = periods.Keys.Max();
        for (var s = periods.Keys.Min(); s <= last; s = period == KpiPeriod.IsoWeek ? s.AddDays(7) : s.AddMonths(1))
        {
            var v = periods.TryGetValue(s, out var acc) ? metric(acc) : null;
            result.Add(new KpiSeriesPoint(Label(s, period), s, v is { } x && double.IsFinite(x) ? x : null));
        }

        return result;
    }

    /// <summary>
    /// Monitors a series with an EWMA chart (<see cref="ControlChart.Ewma"/>, λ = 0.2, L = 3) and a tabular CUSUM
    /// (<see cref="ControlChart.Cusum"/>, k = 0.5, h = 5), both over the periods with a value and with μ₀, σ from the first
    /// <paramref name="baseline"/> of them (0 = all).
    /// </summary>
    /// <param name="series">The series.</param>
    /// <param name="baseline">The in-control reference periods (0 = all; otherwise 2 … number of values).</param>
    /// <returns>One point per period; chart points are <see langword="null"/> for gaps and when fewer than 2 periods have a value.</returns>
    public static IReadOnlyList<MonitoredPoint> Monitor(IReadOnlyList<KpiSeriesPoint> series, int baseline = 0)
    {
        ArgumentNullException.ThrowIfNull(series);
        var values = series.Where(p => p.Value.HasValue).Select(p => p.Value!.Value).ToArray();
        var ewma = ControlChart.Ewma(values, baseline);
        var cusum = ControlChart.Cusum(values, baseline);
        var result = new MonitoredPoint[series.Count];
        var j = 0;
        for (var i = 0; i < series.Count; i++)
        {
            var p = series[i];
            if (p.Value.HasValue && ewma.Count > 0)
            {
                result[i] = new MonitoredPoint(p.Period, p.Start, p.Value, ewma[j], cusum[j]);
                j++;
            }
            else
            {
                result[i] = new MonitoredPoint(p.Period, p.Start, p.Value, null, null);
            }
        }

        return result;
    }
}
