using System.Text.Json;

namespace CemCore.Tests.Experiments;

/// <summary>Reference vectors in an embedded ReferenceData JSON file whose top-level properties are arrays of cases.</summary>
internal sealed class EmbeddedJsonVectors(string fileName)
{
    private readonly Lazy<JsonDocument> _document = new(() =>
    {
        var asm = typeof(EmbeddedJsonVectors).Assembly;
        var res = asm.GetManifestResourceNames().Single(n => n.EndsWith(fileName, StringComparison.Ordinal));
        using var s = asm.GetManifestResourceStream(res)!;
        return JsonDocument.Parse(s);
    });

    public JsonElement Section(string name) => _document.Value.RootElement.GetProperty(name);

    public TheoryData<int> Indexes(string name) => [.. Enumerable.Range(0, Section(name).GetArrayLength())];

    public static double[] Doubles(JsonElement c, string name) => [.. c.GetProperty(name).EnumerateArray().Select(e => e.GetDouble())];
}
