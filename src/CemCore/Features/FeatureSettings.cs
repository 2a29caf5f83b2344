using CemCore.Primitives;

namespace CemCore.Features;

/// <summary>Settings of <see cref="FeatureExtractor"/>. Immutable; checked on construction.</summary>
/// <remarks>The default instance uses days and UTC calendar days.</remarks>
public sealed record FeatureSettings
{
    /// <summary>Creates settings.</summary>
    /// <param name="timeUnit">Unit of the BTYD recency and age (<see cref="BtydSummary"/>). Default: days.</param>
    /// <param name="timeZone">Zone in which calendar days are taken (same-day merging, intervals, BTYD). Default: UTC.</param>
    /// <param name="maxDegreeOfParallelism">Threads used by <see cref="FeatureExtractor.Compute"/>: -1 for all cores (default), 1 for sequential, or a positive limit.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeUnit"/> is undefined, or <paramref name="maxDegreeOfParallelism"/> is 0 or below -1.</exception>
    public FeatureSettings(TimeUnit timeUnit = TimeUnit.Day, TimeZoneInfo? timeZone = null, int maxDegreeOfParallelism = -1)
    {
        _ = TimeUnits.DaysPerUnit(timeUnit);
        TimeUnit = timeUnit;
        TimeZone = timeZone ?? TimeZoneInfo.Utc;
        MaxDegreeOfParallelism = maxDegreeOfParallelism is -1 or >= 1
            ? maxDegreeOfParallelism
            : throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Expected -1 (all cores) or a positive number of threads.");
    }

    /// <summary>Gets the default settings (days, UTC).</summary>
    public static FeatureSettings Default { get; } = new();

    /// <summary>Gets the BTYD time unit. <value>The default is <see cref="TimeUnit.Day"/>.</value></summary>
    public TimeUnit TimeUnit { get; }

    /// <summary>Gets the zone of calendar days. <value>The default is UTC.</value></summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>Gets the number of threads feature extraction may use. <value>The default is -1 (all cores).</value></summary>
    public int MaxDegreeOfParallelism { get; }

    /// <summary>Returns the calendar day (days since 0001-01-01) of a UTC instant in <see cref="TimeZone"/>.</summary>
    /// <param name="utcTicks">The instant as UTC ticks.</param>
    /// <returns>The day number.</returns>
    internal long DayOf(long utcTicks)
    {
        long local;
        if (ReferenceEquals(TimeZone, TimeZoneInfo.Utc) || (!TimeZone.SupportsDaylightSavingTime && TimeZone.BaseUtcOffset == TimeSpan.Zero))
        {
            local = utcTicks;
        }
        else if (!TimeZone.SupportsDaylightSavingTime)
        {
            local = utcTicks + TimeZone.BaseUtcOffset.Ticks;
        }
        else
        {
            local = TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), TimeZone).Ticks;
        }

        return local / TimeSpan.TicksPerDay;
    }
}
