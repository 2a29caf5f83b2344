using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CemCore.Cli.CommandLine;

/// <summary>
/// Writes a command's JSON result: one compact object on stdout, readable (no <c>\u0027</c> escapes for quotes or CJK text).
/// Never writes NaN or Infinity as a number: a non-finite double anywhere in the tree is an internal error, so callers must map
/// undefined values to <c>null</c> (and say why) before writing.
/// </summary>
internal static class CliJson
{
    /// <summary>The serializer options of every JSON output.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Returns the JSON value of a double, or null when it is NaN or infinite.</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    /// <summary>Writes <paramref name="root"/> as one line on stdout.</summary>
    public static void Write(JsonNode root)
    {
        EnsureFinite(root, "$");
        Console.Out.WriteLine(root.ToJsonString(Options));
    }

    private static void EnsureFinite(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (k, v) in o)
                {
                    EnsureFinite(v, path + "." + k);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    EnsureFinite(a[i], path + "[" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]");
                }

                break;
            case JsonValue v when v.TryGetValue<double>(out var d) && !double.IsFinite(d):
                throw new InvalidOperationException($"Refusing to write a non-finite number at {path}.");
            case JsonValue v when v.TryGetValue<float>(out var f) && !float.IsFinite(f):
                throw new InvalidOperationException($"Refusing to write a non-finite number at {path}.");
        }
    }
}
