using System.Globalization;
using System.Reflection;
using System.Text.Json;
using CemCore.Churn;

namespace CemCore.Tests.Uplift;

/// <summary>
/// Loads the randomized-trial reference sets written by ReferenceData/Uplift/generate_uplift_reference.py (scikit-learn 1.2.1, numpy 1.24.2):
/// the data (customer_id,x0,x1,x2,treatment,outcome) and the expected fits, uplift and metrics.
/// </summary>
internal sealed class UpliftReference
{
    public static readonly string[] Names = ["rct_balanced", "rct_unequal"];

    public static readonly string[] ScoreSets = ["trueRounded2", "trueRounded1", "constant", "twoModel", "classTransformation"];

    private UpliftReference(FeatureMatrix features, bool[] treatment, bool[] outcome, JsonElement expected)
    {
        Features = features;
        Treatment = treatment;
        Outcome = outcome;
        Expected = expected;
    }

    public FeatureMatrix Features { get; }

    public bool[] Treatment { get; }

    public bool[] Outcome { get; }

    public JsonElement Expected { get; }

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    public double[] Scores(string set) => Doubles(Expected.GetProperty("scores").GetProperty(set));

    public JsonElement Metrics(string set) => Expected.GetProperty("metrics").GetProperty(set);

    public static UpliftReference Load(string name)
    {
        var lines = ReadResource(name + ".csv").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var values = new List<double>();
        var treatment = new List<bool>();
        var outcome = new List<bool>();
        foreach (var line in lines.Skip(1))
        {
            var parts = line.Split(',');
            for (var j = 1; j <= 3; j++)
            {
                values.Add(double.Parse(parts[j], CultureInfo.InvariantCulture));
            }

            treatment.Add(parts[4] == "1");
            outcome.Add(parts[5].Trim() == "1");
        }

        var expected = JsonDocument.Parse(ReadResource(name + ".expected.json")).RootElement.Clone();
        return new UpliftReference(FeatureMatrix.FromRowMajor(["x0", "x1", "x2"], values.ToArray()), [.. treatment], [.. outcome], expected);
    }

    public static string ReadResource(string fileName)
    {
        var asm = Assembly.GetExecutingAssembly();
        var resource = asm.GetManifestResourceNames().Single(r => r.EndsWith(".Uplift." + fileName, StringComparison.Ordinal));
        using var stream = asm.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
