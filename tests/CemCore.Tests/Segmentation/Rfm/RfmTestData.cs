using System.Reflection;
using CemCore.Segmentation.Rfm;

namespace CemCore.Tests.Segmentation.Rfm;

/// <summary>Embedded reference files and a naive RFM oracle.</summary>
internal static class RfmTestData
{
    public static Stream Open(string fileName)
    {
        var asm = typeof(RfmTestData).Assembly;
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("ReferenceData.Rfm." + fileName, StringComparison.Ordinal));
        return asm.GetManifestResourceStream(name)!;
    }

    public static List<string[]> ReadCsv(string fileName)
    {
        using var reader = new StreamReader(Open(fileName));
        var rows = new List<string[]>();
        reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                rows.Add(line.Split(','));
            }
        }

        return rows;
    }

    /// <summary>
    /// Naive oracle: sort purchasers by (value, id ordinal), give rank r = position + 1, bin = first b with r ≤ upper[b],
    /// where upper comes from the pandas table semantics (RankQuantile, itself checked against pandas).
    /// </summary>
    public static RfmScore[] Naive(string[] ids, double[] recency, double[] frequency, double[] monetary, int bins)
    {
        var n = ids.Length;
        var purchasers = Enumerable.Range(0, n).Where(i => frequency[i] > 0).ToArray();
        var upper = new int[bins];
        RankQuantile.UpperRanks(purchasers.Length, bins, upper);
        int[] Bin(double[] v)
        {
            var result = new int[n];
            var order = purchasers.OrderBy(i => v[i]).ThenBy(i => ids[i], IdOracle.Instance).ToArray();
            for (var p = 0; p < order.Length; p++)
            {
                var b = 0;
                while (p + 1 > upper[b])
                {
                    b++;
                }

                result[order[p]] = b;
            }

            return result;
        }

        var r = Bin(recency);
        var f = Bin(frequency);
        var m = Bin(monetary);
        var scores = new RfmScore[n];
        foreach (var i in purchasers)
        {
            scores[i] = new RfmScore((byte)(bins - r[i]), (byte)(f[i] + 1), (byte)(m[i] + 1));
        }

        return scores;
    }
}

/// <summary>
/// Independent oracle of the documented id order: ids matching ^(0|[1-9][0-9]{0,18})$ whose value fits in a long are integer-like,
/// come first and compare by value; every other id compares ordinally after them.
/// </summary>
public sealed class IdOracle : IComparer<string>
{
    public static readonly IdOracle Instance = new();

    public int Compare(string? x, string? y)
    {
        var xi = Integer(x!);
        var yi = Integer(y!);
        return (xi, yi) switch
        {
            ({ } a, { } b) => a.CompareTo(b),
            ({ }, null) => -1,
            (null, { }) => 1,
            _ => string.CompareOrdinal(x, y),
        };
    }

    private static long? Integer(string id) =>
        System.Text.RegularExpressions.Regex.IsMatch(id, "^(0|[1-9][0-9]{0,18})$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)
        && long.TryParse(id, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;
}
