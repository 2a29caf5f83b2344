using System.Globalization;
using System.Reflection;

namespace CemCore.Tests.Clv;

/// <summary>The embedded reference CSVs of ReferenceData/Clv (written by the generator scripts beside them) and their number format.</summary>
internal static class ClvReferenceRows
{
    /// <summary>The data rows of an embedded CSV (header skipped), split at commas.</summary>
    public static string[][] Csv(string file)
    {
        var asm = Assembly.GetExecutingAssembly();
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("Clv." + file, StringComparison.Ordinal));
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')).ToArray();
    }

    /// <summary>A number as the scripts write it (invariant culture, round-trip digits).</summary>
    public static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    /// <summary>|actual − expected| ≤ tolerance·|expected|, with both values and the relative error in the message.</summary>
    public static void AssertRelative(double expected, double actual, double tolerance, string what) =>
        Assert.True(
            Math.Abs(expected - actual) <= tolerance * Math.Abs(expected),
            $"{what}: expected {expected:R}, got {actual:R} (relative error {Math.Abs(expected - actual) / Math.Abs(expected):E2}, tolerance {tolerance:E0})");
}
