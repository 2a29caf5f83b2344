using System.Globalization;
using CemCore.Sources;

namespace CemCore.Cli.Commands;

/// <summary>
/// A series CSV of the forecast commands: header <c>period,value</c>, rows in time order without gaps. A period is <c>YYYY-MM</c>
/// (monthly) or an ISO date <c>YYYY-MM-DD</c> (a fixed step of days, or a fixed number of months on the same day of the month, inferred
/// from the first two rows). Forecast periods continue the step in the same format.
/// </summary>
internal sealed class SeriesCsv
{
    private readonly bool _monthly;
    private readonly int _stepDays;
    private readonly int _stepMonths;

    private SeriesCsv(string[] periods, double[] values, bool monthly, int stepDays, int stepMonths)
    {
        Periods = periods;
        Values = values;
        _monthly = monthly;
        _stepDays = stepDays;
        _stepMonths = stepMonths;
    }

    public string[] Periods { get; }

    public double[] Values { get; }

    public static SeriesCsv Read(string path)
    {
        var file = Path.GetFileName(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (FileNotFoundException)
        {
            throw new UsageException($"{file}: file not found.");
        }
        catch (DirectoryNotFoundException)
        {
            throw new UsageException($"{file}: file not found.");
        }

        if (lines.Length == 0 || !string.Equals(lines[0].Trim().TrimStart('\uFEFF'), "period,value", StringComparison.Ordinal))
        {
            throw new DataFormatException("the header must be 'period,value'", file, 1, null);
        }

        var periods = new List<string>();
        var values = new List<double>();
        var dates = new List<DateOnly>();
        bool? monthly = null;
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split(',');
            if (parts.Length != 2)
            {
                throw new DataFormatException("expected 2 fields (period,value)", file, i + 1, null);
            }

            var p = parts[0].Trim();
            var isMonth = DateOnly.TryParseExact(p, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date);
            if (!isMonth && !DateOnly.TryParseExact(p, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            {
                throw new DataFormatException("the period must be YYYY-MM or an ISO date YYYY-MM-DD", file, i + 1, "period");
            }

            if (monthly is { } m && m != isMonth)
            {
                throw new DataFormatException("all periods must have the same format (YYYY-MM or YYYY-MM-DD)", file, i + 1, "period");
            }

            monthly = isMonth;
            if (!double.TryParse(parts[1].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
            {
                throw new DataFormatException("the value must be a finite number", file, i + 1, "value");
            }

            periods.Add(p);
            values.Add(v);
            dates.Add(date);
            if (dates.Count >= 2 && dates[^1] <= dates[^2])
            {
                throw new DataFormatException("the periods are not in increasing time order", file, i + 1, "period");
            }
        }

        if (dates.Count < 2)
        {
            throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"the series has {dates.Count} row(s); at least 2 are needed"), file, null, null);
        }

        int stepDays = 0, stepMonths = 0;
        if (monthly == true)
        {
            stepMonths = 1;
        }
        else if (dates[1].Day == dates[0].Day && MonthsBetween(dates[0], dates[1]) > 0)
        {
            stepMonths = MonthsBetween(dates[0], dates[1]);
        }
        else
        {
            stepDays = dates[1].DayNumber - dates[0].DayNumber;
        }

        for (var t = 1; t < dates.Count; t++)
        {
            var expected = stepMonths > 0 ? dates[t - 1].AddMonths(stepMonths) : dates[t - 1].AddDays(stepDays);
            if (dates[t] != expected)
            {
                throw new DataFormatException(
                    $"gap or irregular spacing: expected period {Format(expected, monthly == true)} after {periods[t - 1]} (rows must be consecutive, without gaps)",
                    file, LineOf(lines, t), "period");
            }
        }

        return new SeriesCsv([.. periods], [.. values], monthly == true, stepDays, stepMonths);
    }

    /// <summary>The period <paramref name="steps"/> steps after the last one, in the input format.</summary>
    public string After(int steps)
    {
        var last = _monthly
            ? DateOnly.ParseExact(Periods[^1], "yyyy-MM", CultureInfo.InvariantCulture)
            : DateOnly.ParseExact(Periods[^1], "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var d = _stepMonths > 0 ? last.AddMonths(_stepMonths * steps) : last.AddDays(_stepDays * steps);
        return Format(d, _monthly);
    }

    private static string Format(DateOnly d, bool monthly) => d.ToString(monthly ? "yyyy-MM" : "yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static int MonthsBetween(DateOnly a, DateOnly b) => ((b.Year - a.Year) * 12) + b.Month - a.Month;

    private static int LineOf(string[] lines, int row)
    {
        var seen = -1;
        for (var i = 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length > 0 && ++seen == row)
            {
                return i + 1;
            }
        }

        return lines.Length;
    }
}
