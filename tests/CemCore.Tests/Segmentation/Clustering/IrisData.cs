using System.Globalization;

namespace CemCore.Tests.Segmentation.Clustering;

/// <summary>
/// The iris data (Fisher 1936) as written by ReferenceData/Clustering/make_iris_reference.py from sklearn.datasets.load_iris
/// (scikit-learn 1.2.1), and the scikit-learn k-means references the same script recorded.
/// </summary>
internal static class IrisData
{
    private static readonly Lazy<double[]> s_rows = new(Load);

    /// <summary>Gets the 150 × 4 measurements, row-major (sepal length, sepal width, petal length, petal width; cm).</summary>
    public static double[] Rows => s_rows.Value;

    public static string ReadResource(string fileName)
    {
        var assembly = typeof(IrisData).Assembly;
        var name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Clustering." + fileName, StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Reads one reference row of iris_kmeans_reference.csv: inertia, sorted sizes and centroids sorted by the first feature.</summary>
    public static (double Inertia, int[] Sizes, double[][] Centroids) Reference(string name)
    {
        foreach (var line in ReadResource("iris_kmeans_reference.csv").Split('\n'))
        {
            var fields = SplitCsv(line);
            if (fields.Count == 5 && fields[0] == name)
            {
                var inertia = double.Parse(fields[2], CultureInfo.InvariantCulture);
                var sizes = fields[3].Split('/').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
                var centroids = fields[4].Split(';').Select(c => c.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
                return (inertia, sizes, centroids);
            }
        }

        throw new InvalidOperationException("Reference row missing: " + name);
    }

    private static double[] Load()
    {
        var lines = ReadResource("iris.csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var rows = new List<double>(600);
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(',');
            for (var i = 0; i < 4; i++)
            {
                rows.Add(double.Parse(f[i], CultureInfo.InvariantCulture));
            }
        }

        return [.. rows];
    }

    private static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        foreach (var ch in line.TrimEnd('\r'))
        {
            if (ch == '"')
            {
                quoted = !quoted;
            }
            else if (ch == ',' && !quoted)
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(ch);
            }
        }

        fields.Add(current.ToString());
        return fields;
    }
}
