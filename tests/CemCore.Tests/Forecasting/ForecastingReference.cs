using System.Globalization;
using System.Reflection;

namespace CemCore.Tests.Forecasting;

/// <summary>
/// The R reference vectors in ReferenceData/Forecasting, written by arima_reference.R (R 4.2.2, forecast 8.20; see versions.txt):
/// the input series, the cases and stats::arima(method = "ML") / predict() / auto.arima results.
/// </summary>
internal static class ForecastingReference
{
    public static string[] Lines(string file)
    {
        var asm = Assembly.GetExecutingAssembly();
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("Forecasting." + file, StringComparison.Ordinal));
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public static double D(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The (period, value) rows of a series file.</summary>
    public static (string[] Periods, double[] Values) Series(string name)
    {
        var rows = Lines(name + ".csv").Skip(1).Select(l => l.Split(',')).ToArray();
        return (rows.Select(r => r[0]).ToArray(), rows.Select(r => D(r[1])).ToArray());
    }

    public static string[] PromoPeriods(string name) => Lines("promo_" + name + ".csv").Skip(1).ToArray();

    public static IReadOnlyList<Case> Cases() =>
        Lines("arima_cases.csv").Skip(1).Select(l => l.Split(',')).Select(f => new Case(
            f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture), int.Parse(f[4], CultureInfo.InvariantCulture),
            int.Parse(f[5], CultureInfo.InvariantCulture), int.Parse(f[6], CultureInfo.InvariantCulture), int.Parse(f[7], CultureInfo.InvariantCulture),
            int.Parse(f[8], CultureInfo.InvariantCulture), f[9] == "1", f[10] == "1", f[11] == "1", int.Parse(f[12], CultureInfo.InvariantCulture))).ToArray();

    /// <summary>case → kind → key → value.</summary>
    public static Dictionary<string, Dictionary<string, Dictionary<string, double>>> Results()
    {
        var result = new Dictionary<string, Dictionary<string, Dictionary<string, double>>>();
        foreach (var f in Lines("arima_reference.csv").Skip(1).Select(l => l.Split(',')))
        {
            if (!result.TryGetValue(f[0], out var kinds))
            {
                result[f[0]] = kinds = [];
            }

            if (!kinds.TryGetValue(f[1], out var keys))
            {
                kinds[f[1]] = keys = [];
            }

            keys[f[2]] = D(f[3]);
        }

        return result;
    }

    internal sealed record Case(string Name, string Series, int P, int D, int Q, int SP, int SD, int SQ, int S, bool Log, bool Drift, bool Promo, int Horizon);
}
