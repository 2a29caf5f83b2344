using System.Text;
using System.Text.Json;

namespace CemCore.Primitives;

/// <summary>
/// Parses every JSON document the library loads. <see cref="JsonDocument.Parse(string, JsonDocumentOptions)"/> accepts a string escape
/// of an unpaired UTF-16 surrogate (<c>"\ud800"</c>), and reading that string or property name later throws
/// <see cref="InvalidOperationException"/> from deep inside a loader (found by fuzzing, see <c>docs/fuzzing.md</c>). Such a document is
/// rejected here as malformed JSON, with its line and byte, so each loader reports it through its documented exception.
/// </summary>
internal static class JsonText
{
    /// <summary>Parses <paramref name="json"/> and checks that every string and property name decodes to valid UTF-16.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="options">The document options.</param>
    /// <returns>The document (the caller disposes it).</returns>
    /// <exception cref="JsonException">The text is not valid JSON, or a string escapes an unpaired surrogate
    /// (<see cref="JsonException.LineNumber"/> and <see cref="JsonException.BytePositionInLine"/> are 0-based).</exception>
    public static JsonDocument Parse(string json, JsonDocumentOptions options = default)
    {
        var doc = JsonDocument.Parse(json, options);
        if (json.Contains("\\u", StringComparison.OrdinalIgnoreCase) && FindUnpairedSurrogate(json, options) is { } at)
        {
            doc.Dispose();
            throw new JsonException(
                "A string or property name escapes an unpaired UTF-16 surrogate (\\uD800-\\uDFFF without its pair).",
                null,
                at.Line,
                at.Byte);
        }

        return doc;
    }

    private static (long Line, long Byte)? FindUnpairedSurrogate(string json, JsonDocumentOptions options)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            CommentHandling = options.CommentHandling,
            AllowTrailingCommas = options.AllowTrailingCommas,
            MaxDepth = options.MaxDepth == 0 ? JsonDepth.Max : options.MaxDepth,
        });
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped)
            {
                continue;
            }

            try
            {
                _ = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                var offset = (int)reader.TokenStartIndex;
                var lineStart = bytes.AsSpan(0, offset).LastIndexOf((byte)'\n') + 1;
                return (bytes.AsSpan(0, offset).Count((byte)'\n'), offset - lineStart);
            }
        }

        return null;
    }
}
