using System.Text;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Recommendations;

/// <summary>
/// Reads a transactions CSV (the format of <see cref="CsvTransactionReader"/>) into a <see cref="PurchaseHistory"/>, taking the item
/// from a named column (<c>sku</c>, <c>category</c>, ...) and the basket from another (<c>order_id</c> by default).
/// </summary>
/// <remarks>
/// <para>Required columns: <c>customer_id</c>, <c>timestamp</c> and the item column. Optional: the basket column, <c>kind</c> (rows of kind
/// <c>return</c>/<c>refund</c> are skipped: a return is not a purchase), <c>category</c> and <c>brand</c> (item attributes),
/// <c>amount</c> and <c>quantity</c> (unit price = amount / quantity, for price bands). Other columns are ignored.</para>
/// <para>Item and basket values are trimmed. A row with an empty item registers its customer and basket (an empty basket) but no item.
/// A malformed row throws <see cref="DataFormatException"/> naming the file, the line and the field.</para>
/// </remarks>
public static class PurchaseHistoryCsv
{
    /// <summary>Reads a file.</summary>
    /// <param name="path">The CSV file.</param>
    /// <param name="itemColumn">The column holding the item id, e.g. <c>sku</c> or <c>category</c>.</param>
    /// <param name="basketColumn">The column holding the basket id, or <see langword="null"/> for none.</param>
    /// <param name="basketRequired">Whether a missing basket column is an error.</param>
    /// <returns>The history.</returns>
    /// <exception cref="DataFormatException">The file is empty, a required column is missing, or a row is malformed.</exception>
    public static PurchaseHistory Read(string path, string itemColumn, string? basketColumn, bool basketRequired)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream, Path.GetFileName(path), itemColumn, basketColumn, basketRequired);
    }

    /// <summary>Reads a stream.</summary>
    /// <param name="stream">The CSV content.</param>
    /// <param name="fileName">The name used in error messages.</param>
    /// <param name="itemColumn">The column holding the item id.</param>
    /// <param name="basketColumn">The column holding the basket id, or <see langword="null"/>.</param>
    /// <param name="basketRequired">Whether a missing basket column is an error.</param>
    /// <returns>The history.</returns>
    /// <exception cref="DataFormatException">The content is empty, a required column is missing, or a row is malformed.</exception>
    public static PurchaseHistory Read(Stream stream, string fileName, string itemColumn, string? basketColumn, bool basketRequired)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentException.ThrowIfNullOrWhiteSpace(itemColumn);
        using var tok = new Utf8CsvTokenizer(stream, fileName);
        if (!tok.Read())
        {
            throw new DataFormatException($"The file is empty: expected a header with customer_id,timestamp,{itemColumn}.", fileName, 1, "header");
        }

        var names = new string[tok.FieldCount];
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = tok.FieldString(i).Trim();
            if (!map.TryAdd(names[i], i))
            {
                throw new DataFormatException($"The column '{names[i]}' appears twice in the header.", fileName, tok.Line, names[i]);
            }
        }

        tok.ColumnNames = names;
        var headerLine = tok.Line;
        int Required(string name) => map.TryGetValue(name, out var i)
            ? i
            : throw new DataFormatException($"The header lacks the required column '{name}' (required: customer_id,timestamp,{itemColumn}{(basketRequired ? "," + basketColumn : string.Empty)}).", fileName, headerLine, name);
        int Optional(string? name) => name is not null && map.TryGetValue(name, out var i) ? i : -1;
        var customer = Required("customer_id");
        var timestamp = Required("timestamp");
        var item = Required(itemColumn);
        var basket = basketRequired && basketColumn is not null ? Required(basketColumn) : Optional(basketColumn);
        var kind = Optional("kind");
        var category = Optional("category");
        var brand = Optional("brand");
        var amount = Optional("amount");
        var quantity = Optional("quantity");

        var builder = new PurchaseHistory.Builder();
        var cache = new Dictionary<string, string>(StringComparer.Ordinal);
        string Text(int column)
        {
            var s = Encoding.UTF8.GetString(Utf8Parsing.Trim(tok.Field(column)));
            if (cache.TryGetValue(s, out var interned))
            {
                return interned;
            }

            if (cache.Count < 1_000_000)
            {
                cache.Add(s, s);
            }

            return s;
        }

        var rows = 0L;
        while (tok.Read())
        {
            rows++;
            if (tok.FieldCount != names.Length)
            {
                var field = tok.FieldCount < names.Length ? tok.NameOf(tok.FieldCount) : tok.NameOf(names.Length);
                throw new DataFormatException($"Expected {names.Length} fields as in the header but found {tok.FieldCount}.", fileName, tok.Line, field);
            }

            if (kind >= 0)
            {
                var k = Utf8Parsing.Trim(tok.Field(kind));
                if (Ascii.EqualsIgnoreCase(k, "return"u8) || Ascii.EqualsIgnoreCase(k, "refund"u8))
                {
                    continue;
                }

                if (!(k.IsEmpty || Ascii.EqualsIgnoreCase(k, "purchase"u8) || Ascii.EqualsIgnoreCase(k, "order"u8) || Ascii.EqualsIgnoreCase(k, "sale"u8)))
                {
                    throw new DataFormatException("The kind must be 'purchase' or 'return'.", fileName, tok.Line, names[kind]);
                }
            }

            var id = Text(customer);
            if (id.Length == 0)
            {
                throw new DataFormatException("The value must not be empty.", fileName, tok.Line, names[customer]);
            }

            if (!Utf8Parsing.TryParseTimestamp(tok.Field(timestamp), out var ticks))
            {
                throw new DataFormatException("The timestamp is not an ISO-8601 date (yyyy-MM-dd) or date-time (yyyy-MM-ddTHH:mm[:ss[.fffffff]][Z|±HH:mm]).", fileName, tok.Line, names[timestamp]);
            }

            var price = double.NaN;
            if (amount >= 0 && !Utf8Parsing.Trim(tok.Field(amount)).IsEmpty)
            {
                if (!Utf8Parsing.TryParseDecimal(tok.Field(amount), out var a) || a < 0m)
                {
                    throw new DataFormatException("The amount is not a non-negative decimal number.", fileName, tok.Line, names[amount]);
                }

                var q = 1;
                if (quantity >= 0 && !Utf8Parsing.Trim(tok.Field(quantity)).IsEmpty && (!Utf8Parsing.TryParseInt(tok.Field(quantity), out q) || q < 1))
                {
                    throw new DataFormatException("The quantity must be a whole number of at least 1.", fileName, tok.Line, names[quantity]);
                }

                price = (double)a / q;
            }

            var itemText = Text(item);
            builder.Add(
                id,
                itemText,
                basket >= 0 ? Text(basket) : null,
                ticks,
                category >= 0 ? Text(category) : null,
                brand >= 0 ? Text(brand) : null,
                price);
        }

        if (rows == 0)
        {
            throw new DataFormatException("The file has a header but no data rows.", fileName, headerLine, "header");
        }

        return builder.Build();
    }
}
