using System.Text;
using System.Text.Json;

namespace CemCore.Primitives;

/// <summary>
/// Tells a JSON document that is too deeply nested from one that is malformed: System.Text.Json reports both as a
/// <see cref="JsonException"/>, and the loaders' messages ("Malformed JSON") were wrong for valid JSON nested deeper than 64 levels.
/// </summary>
internal static class JsonDepth
{
    /// <summary>The nesting limit of every JSON document the library loads (System.Text.Json's default).</summary>
    public const int Max = 64;

    /// <summary>Returns whether <paramref name="json"/> nests objects or arrays deeper than <see cref="Max"/> levels before any syntax error.</summary>
    public static bool IsTooDeep(string json)
    {
        var reader = new Utf8JsonReader(
            Encoding.UTF8.GetBytes(json),
            new JsonReaderOptions { MaxDepth = int.MaxValue / 2, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth >= Max)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }

    /// <summary>The reason to report for a document that failed to parse.</summary>
    public static string Reason(string json, string malformed) =>
        IsTooDeep(json) ? $"The JSON is nested deeper than {Max} levels (the limit of every CemCore document)." : malformed;
}
