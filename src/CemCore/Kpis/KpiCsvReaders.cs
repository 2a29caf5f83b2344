using System.Globalization;
using System.Text;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Kpis;

/// <summary>
/// Reads the KPI input files: survey answers (<c>customer_id,timestamp,kind,score</c>) and journey events
/// (<c>customer_id,timestamp,touchpoint,type,value</c>).
/// </summary>
/// <remarks>
/// UTF-8, comma-separated, a header row (names case-insensitive, unknown columns ignored), RFC 4180 quoting. Timestamps are ISO-8601 as in
/// <see cref="CsvTransactionReader"/>: without an offset they are UTC. Every malformed row throws <see cref="DataFormatException"/> naming the
/// file, the 1-based line and the field; nothing is skipped silently. Survey files may carry optional <c>touchpoint</c>, <c>segment</c> and
/// <c>channel</c> columns (grouping keys).
/// </remarks>
public static partial class KpiCsvReaders
{
    /// <summary>Reads a survey file: <c>kind</c> is <c>nps</c> (0–10), <c>csat</c> (1–5) or <c>ces</c> (1–7).</summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The answers in file order.</returns>
    /// <exception cref="DataFormatException">A row is malformed or a score is outside its scale.</exception>
    public static IReadOnlyList<SurveyScore> ReadSurvey(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return ReadSurvey(stream, Path.GetFileName(path));
    }

    /// <summary>Reads survey answers from a stream.</summary>
    /// <param name="stream">The CSV content.</param>
    /// <param name="fileName">The name used in errors.</param>
    /// <returns>The answers in file order.</returns>
    /// <exception cref="DataFormatException">A row is malformed or a score is outside its scale.</exception>
    public static IReadOnlyList<SurveyScore> ReadSurvey(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        using var tok = new Utf8CsvTokenizer(stream, fileName);
        var cols = Header(tok, ["customer_id", "timestamp", "kind", "score"], ["touchpoint", "segment", "channel"]);
        var result = new List<SurveyScore>();
        while (tok.Read())
        {
            CheckWidth(tok, cols.Width);
            var id = Text(tok, cols.Index[0]) ?? throw Bad(tok, "The customer id is empty.", cols.Index[0]);
            var ts = Timestamp(tok, cols.Index[1]);
            var kindText = (Text(tok, cols.Index[2]) ?? string.Empty).ToUpperInvariant();
            var kind = kindText switch
            {
                "NPS" => SurveyKind.Nps,
                "CSAT" => SurveyKind.Csat,
                "CES" => SurveyKind.Ces,
                _ => throw Bad(tok, "The kind must be nps, csat or ces.", cols.Index[2]),
            };
            if (!Utf8Parsing.TryParseInt(Utf8Parsing.Trim(tok.Field(cols.Index[3])), out var score))
            {
                throw Bad(tok, "The score must be a whole number.", cols.Index[3]);
            }

            if (!SurveyScales.IsValid(kind, score))
            {
                throw Bad(tok, string.Create(CultureInfo.InvariantCulture, $"The score {score} is outside the {kind} scale [{SurveyScales.Min(kind)}, {SurveyScales.Max(kind)}]."), cols.Index[3]);
            }

            result.Add(new SurveyScore(id, ts, kind, score, Text(tok, cols.Index[4]), Text(tok, cols.Index[5]), Text(tok, cols.Index[6])));
        }

        return result;
    }

    /// <summary>
    /// Reads a journey-events file: <c>type</c> is <c>touch</c> or <c>conversion</c>; <c>value</c> is the revenue of a conversion
    /// (≥ 0; empty means 0) and is ignored on touches. Rows need not be in time order.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The events in file order.</returns>
    /// <exception cref="DataFormatException">A row is malformed, a touchpoint is empty, or a conversion value is negative.</exception>
    public static IReadOnlyList<JourneyEvent> ReadEvents(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return ReadEvents(stream, Path.GetFileName(path));
    }

    /// <summary>Reads journey events from a stream.</summary>
    /// <param name="stream">The CSV content.</param>
    /// <param name="fileName">The name used in errors.</param>
    /// <returns>The events in file order.</returns>
    /// <exception cref="DataFormatException">A row is malformed, a touchpoint is empty, or a conversion value is negative.</exception>
    public static IReadOnlyList<JourneyEvent> ReadEvents(Stream stream, string fileName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        using var tok = new Utf8CsvTokenizer(stream, fileName);
        var cols = Header(tok, ["customer_id", "timestamp", "touchpoint", "type"], ["value"]);
        var result = new List<JourneyEvent>();
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        var touchpoints = new Dictionary<string, string>(StringComparer.Ordinal);
        while (tok.Read())
        {
            CheckWidth(tok, cols.Width);
            var id = Text(tok, cols.Index[0]) ?? throw Bad(tok, "The customer id is empty.", cols.Index[0]);
            id = Intern(ids, id);
            var ts = Timestamp(tok, cols.Index[1]);
            var touchpoint = Text(tok, cols.Index[2]);
            var type = (Text(tok, cols.Index[3]) ?? string.Empty).ToUpperInvariant();
            switch (type)
            {
                case "TOUCH":
                    if (touchpoint is null)
                    {
                        throw Bad(tok, "A touch needs a touchpoint.", cols.Index[2]);
                    }

                    result.Add(JourneyEvent.Touch(id, ts, Intern(touchpoints, touchpoint)));
                    break;
                case "CONVERSION":
                    var value = ConversionValue(tok, cols.Index[4]);
                    result.Add(JourneyEvent.Conversion(id, ts, value, touchpoint is null ? null : Intern(touchpoints, touchpoint)));
                    break;
                default:
                    throw Bad(tok, "The type must be touch or conversion.", cols.Index[3]);
            }
        }

        return result;
    }

    /// <summary>Reads a segment file <c>customer_id,segment</c> (one row per customer; an empty segment means none).</summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>Customer id → segment.</returns>
    /// <exception cref="DataFormatException">A row is malformed or a customer appears twice.</exception>
    public static IReadOnlyDictionary<string, string?> ReadSegments(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        using var tok = new Utf8CsvTokenizer(stream, Path.GetFileName(path));
        var cols = Header(tok, ["customer_id", "segment"], []);
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (tok.Read())
        {
            CheckWidth(tok, cols.Width);
            var id = Text(tok, cols.Index[0]) ?? throw Bad(tok, "The customer id is empty.", cols.Index[0]);
            if (!result.TryAdd(id, Text(tok, cols.Index[1])))
            {
                throw Bad(tok, "The customer appears twice.", cols.Index[0]);
            }
        }

        return result;
    }

    private static string Intern(Dictionary<string, string> pool, string s)
    {
        if (pool.TryGetValue(s, out var existing))
        {
            return existing;
        }

        pool.Add(s, s);
        return s;
    }

    private static (int[] Index, int Width) Header(Utf8CsvTokenizer tok, string[] required, string[] optional)
    {
        if (!tok.Read())
        {
            throw new DataFormatException("The file is empty: expected a header row.", tok.FileName, 1, "header");
        }

        var names = new string[tok.FieldCount];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = tok.FieldString(i).Trim();
        }

        tok.ColumnNames = names;
        var index = new int[required.Length + optional.Length];
        for (var k = 0; k < index.Length; k++)
        {
            var name = k < required.Length ? required[k] : optional[k - required.Length];
            index[k] = Array.FindIndex(names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));
            if (index[k] < 0 && k < required.Length)
            {
                throw new DataFormatException($"The header lacks the required column '{name}'.", tok.FileName, tok.Line, name);
            }
        }

        return (index, names.Length);
    }

    private static void CheckWidth(Utf8CsvTokenizer tok, int width)
    {
        if (tok.FieldCount != width)
        {
            throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"Expected {width} fields as in the header but found {tok.FieldCount}."), tok.FileName, tok.Line, tok.NameOf(Math.Min(tok.FieldCount, width)));
        }
    }

    // A field that is empty or only white space (any Unicode white space, e.g. a stray '\r' or '\v') is absent.
    private static string? Text(Utf8CsvTokenizer tok, int column)
    {
        if (column < 0 || Utf8Parsing.Trim(tok.Field(column)) is not { IsEmpty: false } s)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(s);
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private static DateTimeOffset Timestamp(Utf8CsvTokenizer tok, int column) =>
        Utf8Parsing.TryParseTimestamp(Utf8Parsing.Trim(tok.Field(column)), out var ticks)
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : throw Bad(tok, "The timestamp must be ISO-8601 (yyyy-MM-dd or yyyy-MM-ddTHH:mm[:ss][offset]).", column);

    private static DataFormatException Bad(Utf8CsvTokenizer tok, string reason, int column) => new(reason, tok.FileName, tok.Line, tok.NameOf(column));
}
