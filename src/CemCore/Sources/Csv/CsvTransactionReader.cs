using System.Globalization;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Sources.Csv;

/// <summary>
/// Reads a transactions CSV file into a <see cref="TransactionTable"/>.
/// </summary>
/// <remarks>
/// <para>Format: UTF-8, comma-separated, a header row, RFC 4180 quoting. Column names are matched case-insensitively;
/// unknown columns are ignored. Required: <c>customer_id</c>, <c>timestamp</c>, <c>amount</c>. Optional: <c>order_id</c>,
/// <c>channel</c>, <c>category</c>, <c>quantity</c> (default 1), <c>sku</c>, <c>discount</c> (default 0), <c>kind</c>
/// (<c>purchase</c> or <c>return</c>, default purchase), <c>original_order_id</c> and <c>return_reason</c>
/// (<c>size</c>, <c>quality</c>, <c>changed_mind</c>, <c>other</c>) for returns.</para>
/// <para>Timestamps are ISO-8601: a date (<c>2024-03-01</c>, meaning midnight UTC) or a date-time (<c>2024-03-01T14:30:00</c>,
/// UTC unless it carries an offset such as <c>+08:00</c> or <c>Z</c>).</para>
/// <para>Every malformed row throws <see cref="DataFormatException"/> naming the file, line and field. Nothing is skipped
/// silently; blank lines are the only lines ignored.</para>
/// </remarks>
public static class CsvTransactionReader
{
    /// <summary>Reads a file.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="progress">Receives progress (stage <c>"read"</c>, rows, total bytes unknown), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 rows.</param>
    /// <returns>The table.</returns>
    /// <exception cref="DataFormatException">The file is empty, the header lacks a required column, or a row is malformed.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static TransactionTable ReadTable(string path, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return ReadStream(stream, Path.GetFileName(path), progress, cancellationToken);
    }

    /// <summary>Reads a stream.</summary>
    /// <param name="stream">The CSV content.</param>
    /// <param name="fileName">The name used in error messages.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Checked every 4,096 rows.</param>
    /// <returns>The table.</returns>
    /// <exception cref="DataFormatException">The content is empty, the header lacks a required column, or a row is malformed.</exception>
    public static TransactionTable ReadStream(Stream stream, string fileName, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var header = reader.ReadLine();
        long lineNo = 1;
        while (header is not null && string.IsNullOrWhiteSpace(header))
        {
            header = reader.ReadLine();
            lineNo++;
        }

        if (header is null)
        {
            throw new DataFormatException("The file is empty: expected a header with customer_id,timestamp,amount.", fileName, null, null);
        }

        var columns = SplitLine(header, fileName, lineNo);
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < columns.Count; i++)
        {
            var name = columns[i].Trim();
            if (!map.TryAdd(name, i))
            {
                throw new DataFormatException($"The column '{name}' appears twice in the header.", fileName, lineNo, name);
            }
        }

        int Required(string name) => map.TryGetValue(name, out var i)
            ? i
            : throw new DataFormatException($"The header lacks the required column '{name}' (required: customer_id,timestamp,amount).", fileName, lineNo, name);
        int Optional(string name) => map.TryGetValue(name, out var i) ? i : -1;

        var cCustomer = Required("customer_id");
        var cTimestamp = Required("timestamp");
        var cAmount = Required("amount");
        var cOrder = Optional("order_id");
        var cChannel = Optional("channel");
        var cCategory = Optional("category");
        var cQuantity = Optional("quantity");
        var cDiscount = Optional("discount");
        var cKind = Optional("kind");
        var cOriginal = Optional("original_order_id");
        var cReason = Optional("return_reason");

        var builder = new TransactionTableBuilder(4096);
        var channels = new Dictionary<string, SalesChannel>(StringComparer.Ordinal);
        string? line;
        long rows = 0;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if ((rows & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(new OperationProgress("read", rows, null));
            }

            var f = SplitLine(line, fileName, lineNo);
            if (f.Count != columns.Count)
            {
                throw new DataFormatException($"Expected {columns.Count} fields as in the header but found {f.Count}.", fileName, lineNo, null);
            }

            string Field(int i) => i < 0 ? string.Empty : f[i];

            var ticks = ParseTimestamp(f[cTimestamp], fileName, lineNo);
            var amount = ParseDecimal(f[cAmount], "amount", fileName, lineNo);
            var discount = cDiscount < 0 || string.IsNullOrWhiteSpace(f[cDiscount]) ? 0m : ParseDecimal(f[cDiscount], "discount", fileName, lineNo);
            var quantity = 1;
            if (cQuantity >= 0 && !string.IsNullOrWhiteSpace(f[cQuantity])
                && !int.TryParse(f[cQuantity], NumberStyles.Integer, CultureInfo.InvariantCulture, out quantity))
            {
                throw new DataFormatException("The quantity is not a whole number.", fileName, lineNo, "quantity");
            }

            var kind = Field(cKind).Trim().ToUpperInvariant() switch
            {
                "" or "PURCHASE" or "ORDER" or "SALE" => TransactionKind.Purchase,
                "RETURN" or "REFUND" => TransactionKind.Return,
                _ => throw new DataFormatException("The kind must be 'purchase' or 'return'.", fileName, lineNo, "kind"),
            };
            var reason = ParseReason(Field(cReason), kind, fileName, lineNo);
            var channelText = Field(cChannel);
            if (!channels.TryGetValue(channelText, out var channel))
            {
                channel = new SalesChannel(channelText);
                channels[channelText] = channel;
            }

            try
            {
                builder.AddRow(f[cCustomer], ticks, amount, kind, Field(cOrder), channel, Field(cCategory), quantity, discount, Field(cOriginal), reason);
            }
            catch (DataFormatException ex)
            {
                throw new DataFormatException(ex.Reason, fileName, lineNo, ex.Field, ex);
            }

            rows++;
        }

        if (rows == 0)
        {
            throw new DataFormatException("The file has a header but no data rows.", fileName, null, null);
        }

        progress?.Report(new OperationProgress("read", rows, rows));
        try
        {
            return builder.Build();
        }
        catch (DataFormatException ex)
        {
            throw new DataFormatException(ex.Reason + $" (data row {ex.Line})", fileName, null, ex.Field, ex);
        }
    }

    /// <summary>Parses an ISO-8601 date or date-time; a date is midnight UTC; no offset means UTC.</summary>
    internal static long ParseTimestamp(string text, string fileName, long lineNo)
    {
        var s = text.Trim();
        if (s.Length == 10 && DateOnly.TryParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
        {
            return d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;
        }

        if (DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var dto)
            && s.Length >= 16 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' '))
        {
            return dto.UtcTicks;
        }

        throw new DataFormatException("The timestamp is not an ISO-8601 date (yyyy-MM-dd) or date-time (yyyy-MM-ddTHH:mm[:ss][offset]).", fileName, lineNo, "timestamp");
    }

    private static decimal ParseDecimal(string text, string field, string fileName, long lineNo)
    {
        if (!decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
            CultureInfo.InvariantCulture, out var value))
        {
            throw new DataFormatException($"The {field} is not a decimal number (NaN, infinity and thousands separators are not accepted).", fileName, lineNo, field);
        }

        if (value < 0m)
        {
            throw new DataFormatException($"The {field} is negative; record a refund as kind=return with a positive amount.", fileName, lineNo, field);
        }

        return value;
    }

    private static ReturnReason ParseReason(string text, TransactionKind kind, string fileName, long lineNo)
    {
        var t = text.Trim().ToUpperInvariant().Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal).Replace(" ", string.Empty, StringComparison.Ordinal);
        if (t.Length == 0)
        {
            return kind == TransactionKind.Return ? ReturnReason.Other : ReturnReason.Unspecified;
        }

        return t switch
        {
            "SIZE" => ReturnReason.Size,
            "QUALITY" => ReturnReason.Quality,
            "CHANGEDMIND" => ReturnReason.ChangedMind,
            "OTHER" => ReturnReason.Other,
            _ => throw new DataFormatException("The return_reason must be size, quality, changed_mind or other.", fileName, lineNo, "return_reason"),
        };
    }

    /// <summary>Splits one CSV line with RFC 4180 quoting (no embedded newlines).</summary>
    internal static List<string> SplitLine(string line, string fileName, long lineNo)
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        var i = 0;
        while (true)
        {
            sb.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new DataFormatException("A quoted field is not closed.", fileName, lineNo, null);
                    }

                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(line[i++]);
                }

                if (i < line.Length && line[i] != ',')
                {
                    throw new DataFormatException("Unexpected text after a closing quote.", fileName, lineNo, null);
                }
            }
            else
            {
                var end = line.IndexOf(',', i);
                if (end < 0)
                {
                    end = line.Length;
                }

                sb.Append(line, i, end - i);
                i = end;
            }

            fields.Add(sb.ToString().TrimEnd('\r'));
            if (i >= line.Length)
            {
                return fields;
            }

            i++; // skip comma
        }
    }
}
