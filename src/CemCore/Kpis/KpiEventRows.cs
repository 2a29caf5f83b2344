using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Kpis;

/// <summary>The type of a row of an events file.</summary>
public enum KpiEventType
{
    /// <summary>A touch on a touchpoint (<c>touch</c>).</summary>
    Touch = 0,

    /// <summary>A conversion (<c>conversion</c>); <c>value</c> is its revenue.</summary>
    Conversion = 1,

    /// <summary>A message handed to the channel (<c>sent</c>).</summary>
    Sent = 2,

    /// <summary>A delivery receipt (<c>delivered</c>).</summary>
    Delivered = 3,

    /// <summary>A message opened (<c>opened</c>).</summary>
    Opened = 4,

    /// <summary>A link in a message clicked (<c>clicked</c>).</summary>
    Clicked = 5,

    /// <summary>A reply to a message (<c>replied</c>).</summary>
    Replied = 6,

    /// <summary>A message bounced (<c>bounced</c>).</summary>
    Bounced = 7,
}

/// <summary>
/// One row of an events file with its optional grouping columns (read by <see cref="KpiCsvReaders.ReadEventRows(string)"/>).
/// </summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Timestamp">When (UTC when the file gave no offset).</param>
/// <param name="Touchpoint">The touchpoint, or <see langword="null"/> (required on touches).</param>
/// <param name="Type">The row type.</param>
/// <param name="Value">The revenue of a conversion (≥ 0), 0 otherwise.</param>
/// <param name="Channel">The <c>channel</c> column, or <see langword="null"/> when absent or empty.</param>
/// <param name="Campaign">The <c>campaign</c> column, or <see langword="null"/>.</param>
/// <param name="Segment">The <c>segment</c> column, or <see langword="null"/>.</param>
/// <param name="MessageId">The <c>message_id</c> column, or <see langword="null"/>.</param>
/// <param name="Line">The 1-based line of the row in its file (for error messages).</param>
public sealed record KpiEventRow(
    string CustomerId,
    DateTimeOffset Timestamp,
    string? Touchpoint,
    KpiEventType Type,
    decimal Value,
    string? Channel,
    string? Campaign,
    string? Segment,
    string? MessageId,
    long Line)
{
    /// <summary>Gets the grouping channel of the row: the <c>channel</c> column when given, else the touchpoint, else <see langword="null"/>.</summary>
    public string? EffectiveChannel => Channel ?? Touchpoint;

    /// <summary>Gets a value indicating whether the row is a message event (sent, delivered, opened, clicked, replied or bounced).</summary>
    public bool IsMessageEvent => Type >= KpiEventType.Sent;

    /// <summary>
    /// Gets a value indicating whether the row proves the customer was reached: a touch, or a message delivered, opened, clicked or replied to
    /// (<c>sent</c> and <c>bounced</c> do not prove it; a conversion is an outcome, not an exposure).
    /// </summary>
    public bool Reaches => Type is KpiEventType.Touch or KpiEventType.Delivered or KpiEventType.Opened or KpiEventType.Clicked or KpiEventType.Replied;

    /// <summary>Gets the engagement kind of a message event.</summary>
    /// <exception cref="InvalidOperationException">The row is a touch or a conversion.</exception>
    public EngagementKind EngagementKind => Type switch
    {
        KpiEventType.Sent => EngagementKind.Sent,
        KpiEventType.Delivered => EngagementKind.Delivered,
        KpiEventType.Opened => EngagementKind.Opened,
        KpiEventType.Clicked => EngagementKind.Clicked,
        KpiEventType.Replied => EngagementKind.Replied,
        KpiEventType.Bounced => EngagementKind.Bounced,
        _ => throw new InvalidOperationException("A touch or conversion has no engagement kind."),
    };
}

/// <content>The general events reader (grouping columns and message events).</content>
public static partial class KpiCsvReaders
{
    private static readonly string[] EventTypeNames = ["touch", "conversion", "sent", "delivered", "opened", "clicked", "replied", "bounced"];

    /// <summary>
    /// Reads an events file <c>customer_id,timestamp,touchpoint,type,value</c> with the optional grouping columns <c>channel</c>,
    /// <c>campaign</c>, <c>segment</c> and <c>message_id</c>. <c>type</c> is <c>touch</c>, <c>conversion</c>, or a message event
    /// <c>sent</c>, <c>delivered</c>, <c>opened</c>, <c>clicked</c>, <c>replied</c>, <c>bounced</c> (case-insensitive).
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The rows in file order.</returns>
    /// <exception cref="DataFormatException">A row is malformed: unknown type, a touch without touchpoint, a negative or malformed conversion
    /// value, or a message event with an empty <c>message_id</c> when the file has that column.</exception>
    /// <remarks>The rules of <see cref="ReadEvents(string)"/> apply to touches and conversions; that reader rejects message events.</remarks>
    public static IReadOnlyList<KpiEventRow> ReadEventRows(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return ReadEventRows(stream, Path.GetFileName(path));
    }

    /// <summary>Reads event rows from a stream (see <see cref="ReadEventRows(string)"/>).</summary>
    /// <param name="stream">The CSV content.</param>
    /// <param name="fileName">The name used in errors.</param>
    /// <returns>The rows in file order.</returns>
    /// <exception cref="DataFormatException">A row is malformed.</exception>
    public static IReadOnlyList<KpiEventRow> ReadEventRows(Stream stream, string fileName) => ReadEventRows(stream, fileName, messages: true);

    /// <summary>
    /// Reads the funnel events of an events file: a touch's type is its touchpoint and a conversion's is
    /// <see cref="FunnelEvent.ConversionType"/> (as <see cref="FunnelEvent.From"/>); the channel is the optional <c>channel</c> column, else the
    /// touchpoint. Only <c>touch</c> and <c>conversion</c> rows are allowed, as in <see cref="ReadEvents(string)"/>.
    /// </summary>
    /// <param name="path">The CSV file.</param>
    /// <returns>The events in file order.</returns>
    /// <exception cref="DataFormatException">A row is malformed.</exception>
    public static IReadOnlyList<FunnelEvent> ReadFunnelEvents(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return [.. ReadEventRows(stream, Path.GetFileName(path), messages: false)
            .Select(r => new FunnelEvent(r.CustomerId, r.Timestamp, r.Type == KpiEventType.Conversion ? FunnelEvent.ConversionType : r.Touchpoint!, r.EffectiveChannel))];
    }

    private static List<KpiEventRow> ReadEventRows(Stream stream, string fileName, bool messages)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        using var tok = new Utf8CsvTokenizer(stream, fileName);
        var cols = Header(tok, ["customer_id", "timestamp", "touchpoint", "type"], ["value", "channel", "campaign", "segment", "message_id"]);
        var result = new List<KpiEventRow>();
        var pool = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Pooled(int k) => Text(tok, cols.Index[k]) is { } s ? Intern(pool, s) : null;
        while (tok.Read())
        {
            CheckWidth(tok, cols.Width);
            var id = Pooled(0) ?? throw Bad(tok, "The customer id is empty.", cols.Index[0]);
            var ts = Timestamp(tok, cols.Index[1]);
            var touchpoint = Pooled(2);
            var typeText = Text(tok, cols.Index[3]) ?? string.Empty;
            var type = Array.FindIndex(EventTypeNames, n => string.Equals(n, typeText, StringComparison.OrdinalIgnoreCase));
            if (type < 0 || (!messages && type > (int)KpiEventType.Conversion))
            {
                throw Bad(tok, messages ? "The type must be touch, conversion, sent, delivered, opened, clicked, replied or bounced." : "The type must be touch or conversion.", cols.Index[3]);
            }

            var value = 0m;
            if (type == (int)KpiEventType.Touch && touchpoint is null)
            {
                throw Bad(tok, "A touch needs a touchpoint.", cols.Index[2]);
            }

            if (type == (int)KpiEventType.Conversion)
            {
                value = ConversionValue(tok, cols.Index[4]);
            }

            var messageId = Pooled(8);
            if (type > (int)KpiEventType.Conversion && cols.Index[8] >= 0 && messageId is null)
            {
                throw Bad(tok, "A message event needs a message id.", cols.Index[8]);
            }

            result.Add(new KpiEventRow(id, ts, touchpoint, (KpiEventType)type, value, Pooled(5), Pooled(6), Pooled(7), messageId, tok.Line));
        }

        return result;
    }

    private static decimal ConversionValue(Utf8CsvTokenizer tok, int column)
    {
        if (column < 0 || Utf8Parsing.Trim(tok.Field(column)) is not { IsEmpty: false } v)
        {
            return 0m;
        }

        if (v[0] == (byte)'-' && Utf8Parsing.TryParseDecimal(v[1..], out _))
        {
            throw Bad(tok, "A conversion value must not be negative.", column);
        }

        return Utf8Parsing.TryParseDecimal(v, out var value) ? value : throw Bad(tok, "The value must be a decimal number such as 12.50.", column);
    }

    /// <summary>Returns whether the file's header has a column (case-insensitive), for callers that add a breakdown only when the data allows.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="column">The column name.</param>
    /// <returns>Whether the header names it.</returns>
    public static bool HasColumn(string path, string column)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(column);
        using var stream = File.OpenRead(path);
        using var tok = new Utf8CsvTokenizer(stream, Path.GetFileName(path));
        if (!tok.Read())
        {
            return false;
        }

        for (var i = 0; i < tok.FieldCount; i++)
        {
            if (string.Equals(tok.FieldString(i).Trim(), column, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
