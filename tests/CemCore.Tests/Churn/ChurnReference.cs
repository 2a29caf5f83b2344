using System.Globalization;
using System.Reflection;
using System.Text.Json;
using CemCore.Churn;

namespace CemCore.Tests.Churn;

/// <summary>Loads the scikit-learn reference sets written by ReferenceData/Churn/generate_churn_reference.py (scikit-learn 1.2.1, numpy 1.24.2).</summary>
internal sealed class ChurnReference
{
    public static readonly string[] Names =
    [
        "balanced_c1", "strong_penalty_c005", "imbalanced_balanced_weights", "imbalanced_unweighted", "custom_weights_c2", "constant_column", "separable_c1",
    ];

    private ChurnReference(string name, FeatureMatrix features, bool[] labels, JsonElement expected)
    {
        Name = name;
        Features = features;
        Labels = labels;
        Expected = expected;
    }

    public string Name { get; }

    public FeatureMatrix Features { get; }

    public bool[] Labels { get; }

    public JsonElement Expected { get; }

    public double[] Doubles(string name) => Expected.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public double[] MetricDoubles(string name) => Expected.GetProperty("metrics").GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public double Metric(string name) => Expected.GetProperty("metrics").GetProperty(name).GetDouble();

    public LogisticRegressionSettings Settings()
    {
        var c = Expected.GetProperty("C").GetDouble();
        var cw = Expected.GetProperty("classWeight");
        var weights = cw.ValueKind switch
        {
            JsonValueKind.Null => ClassWeights.None,
            JsonValueKind.String => ClassWeights.Balanced,
            _ => ClassWeights.Custom(cw[0].GetDouble(), cw[1].GetDouble()),
        };
        return new LogisticRegressionSettings(c, weights);
    }

    public static ChurnReference Load(string name)
    {
        var csv = ReadResource(name + ".csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        var k = header.Length - 1;
        var values = new List<double>();
        var labels = new List<bool>();
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Split(',');
            for (var j = 0; j < k; j++)
            {
                values.Add(double.Parse(parts[j], CultureInfo.InvariantCulture));
            }

            labels.Add(parts[k].Trim() == "1");
        }

        var expected = JsonDocument.Parse(ReadResource(name + ".expected.json")).RootElement.Clone();
        return new ChurnReference(name, FeatureMatrix.FromRowMajor(header[..k], values.ToArray()), labels.ToArray(), expected);
    }

    public static string ReadResource(string fileName)
    {
        var asm = Assembly.GetExecutingAssembly();
        var resource = asm.GetManifestResourceNames().Single(r => r.EndsWith(".Churn." + fileName, StringComparison.Ordinal));
        using var stream = asm.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
