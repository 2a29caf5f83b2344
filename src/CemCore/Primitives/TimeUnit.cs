namespace CemCore.Primitives;

/// <summary>
/// The unit in which durations such as the BTYD recency <c>t_x</c> and age <c>T</c>, or CLV horizons, are expressed.
/// </summary>
/// <remarks>
/// CemCore never uses a hidden "30-day month": every model states its time unit explicitly.
/// The default value is <see cref="Day"/>.
/// </remarks>
public enum TimeUnit
{
    /// <summary>One calendar day (24 hours).</summary>
    Day = 0,

    /// <summary>One week of exactly 7 days.</summary>
    Week = 1,
}

/// <summary>Conversions for <see cref="TimeUnit"/>.</summary>
public static class TimeUnits
{
    /// <summary>Returns the number of days in one <paramref name="unit"/> (1 for <see cref="TimeUnit.Day"/>, 7 for <see cref="TimeUnit.Week"/>).</summary>
    /// <param name="unit">The time unit.</param>
    /// <returns>The length of the unit in days.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="unit"/> is not a defined value.</exception>
    public static int DaysPerUnit(TimeUnit unit) => unit switch
    {
        TimeUnit.Day => 1,
        TimeUnit.Week => 7,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, "Expected TimeUnit.Day or TimeUnit.Week."),
    };

    /// <summary>Parses <c>day</c>/<c>days</c> or <c>week</c>/<c>weeks</c> (case-insensitive).</summary>
    /// <param name="text">The text to parse.</param>
    /// <param name="unit">The parsed unit.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> names a unit.</returns>
    public static bool TryParse(string? text, out TimeUnit unit)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "DAY" or "DAYS" or "D":
                unit = TimeUnit.Day;
                return true;
            case "WEEK" or "WEEKS" or "W":
                unit = TimeUnit.Week;
                return true;
            default:
                unit = TimeUnit.Day;
                return false;
        }
    }
}
