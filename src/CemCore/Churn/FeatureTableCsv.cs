using System.Globalization;
using System.Text;
using CemCore.Sources;

namespace CemCore.Churn;

/// <summary>A numeric table read from CSV: optional customer ids plus a <see cref="FeatureMatrix"/> of every numeric column.</summary>
/// <param name="CustomerIds">The id of each row, or <see langword="null"/> when the file has no id column.</param>
/// <param name="Matrix">Every numeric column, in file order (the id column and text columns excluded); empty cells are NaN (missing).</param>
/// <param name="TextColumns">Columns that held only text (no parsable number) and were left out of <paramref name="Matrix"/>.</param>
public sealed record FeatureTable(IReadOnlyList<string>? CustomerIds, FeatureMatrix Matrix, IReadOnlyList<string> TextColumns);

/// <summary>
/// Reads a generic numeric feature table from CSV (RFC 4180: comma separator, a header line, optional double quotes with <c>""</c> escapes).
/// </summary>
/// <remarks>
/// <para>Numbers are parsed with the invariant culture (<c>1234.5</c>, <c>1e-3</c>). An empty cell, <c>NA</c> or <c>NaN</c> is a missing value
/// (NaN). <c>Infinity</c>/<c>-Infinity</c> parse to ±∞ and are later rejected by the models. A column whose cells are all text is reported in
/// <see cref="FeatureTable.TextColumns"/> and left out; a column that mixes numbers and text is an error naming the line and the column.</para>
/// <para>Errors are <see cref="DataFormatException"/>s naming the file, 1-based line and column; they never quote cell contents.</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class FeatureTableCsv
{
    /// <summary>The default name of the id column.</summary>
    public const string DefaultIdColumn = "customer_id";

    /// <summary>Reads a table.</summary>
    /// <param name="reader">The CSV text.</param>
    /// <param name="fileName">A name for error messages, or <see langword="null"/>.</param>
    /// <param name="idColumn">The id column (kept as text); the default is <c>customer_id</c>. A file without it has no ids.</param>
    /// <returns>The table.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="reader"/> is null.</exception>
    /// <exception cref="DataFormatException">No header, a blank or repeated column name, a wrong number of cells, an unterminated quote,
    /// a column mixing numbers and text, or no numeric column.</exception>
    public static FeatureTable Read(TextReader reader, string? fileName = null, string idColumn = DefaultIdColumn)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(idColumn);
        var fields = new List<string>();
        long line = 0;
        if (!ReadRecord(reader, fields, ref line, fileName))
        {
            throw new DataFormatException("the file is empty; a header line is required.", fileName, 1, null);
        }

        var header = fields.Select(f => f.Trim()).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < header.Length; j++)
        {
            if (header[j].Length == 0)
            {
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"header column {j + 1} has no name."), fileName, line, null);
            }

            if (!seen.Add(header[j]))
            {
                throw new DataFormatException("the column name appears more than once in the header.", fileName, line, header[j]);
            }
        }

        var m = header.Length;
        var idIndex = Array.IndexOf(header, idColumn);
        var ids = idIndex >= 0 ? new List<string>() : null;
        var values = new List<double>();
        var numericCount = new int[m];
        var firstText = new long[m];
        var firstNumber = new long[m];
        var headerLine = line;
        while (true)
        {
            var startLine = line + 1;
            if (!ReadRecord(reader, fields, ref line, fileName))
            {
                break;
            }

            if (fields.Count == 1 && fields[0].Length == 0)
            {
                continue; // blank line
            }

            if (fields.Count != m)
            {
                throw new DataFormatException(string.Create(CultureInfo.InvariantCulture, $"expected {m} cells (as in the header) but found {fields.Count}."), fileName, startLine, null);
            }

            for (var j = 0; j < m; j++)
            {
                if (j == idIndex)
                {
                    ids!.Add(fields[j]);
                    values.Add(double.NaN);
                    continue;
                }

                var cell = fields[j].Trim();
                if (cell.Length == 0 || cell is "NA" or "NaN" or "nan")
                {
                    values.Add(double.NaN);
                }
                else if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                {
                    if (!double.IsFinite(v))
                    {
                        // "1e309" parses to infinity, and "Infinity" too: neither is a usable feature value.
                        throw new DataFormatException("the number is outside the range of double (±1.8e308) or infinite.", fileName, startLine, header[j]);
                    }

                    values.Add(v);
                    numericCount[j]++;
                    if (firstNumber[j] == 0)
                    {
                        firstNumber[j] = startLine;
                    }
                }
                else
                {
                    values.Add(double.NaN);
                    if (firstText[j] == 0)
                    {
                        firstText[j] = startLine;
                    }
                }
            }
        }

        var keep = new List<int>();
        var text = new List<string>();
        for (var j = 0; j < m; j++)
        {
            if (j == idIndex)
            {
                continue;
            }

            if (firstText[j] == 0)
            {
                keep.Add(j);
            }
            else if (numericCount[j] == 0)
            {
                text.Add(header[j]);
            }
            else
            {
                throw new DataFormatException(
                    string.Create(CultureInfo.InvariantCulture, $"the column mixes numbers (first on line {firstNumber[j]}) and text; the cell is not a number (invariant culture)."),
                    fileName, firstText[j], header[j]);
            }
        }

        if (keep.Count == 0)
        {
            throw new DataFormatException("the file has no numeric column.", fileName, headerLine, null);
        }

        var rows = values.Count / m;
        var k = keep.Count;
        var matrix = new double[rows * k];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < k; j++)
            {
                matrix[(i * k) + j] = values[(i * m) + keep[j]];
            }
        }

        var names = keep.Select(j => header[j]).ToArray();
        return new FeatureTable(ids?.AsReadOnly(), FeatureMatrix.Own(names, matrix), text.AsReadOnly());
    }

    /// <summary>Reads one CSV record (which may span lines inside quotes). Returns false at end of input.</summary>
    private static bool ReadRecord(TextReader reader, List<string> fields, ref long line, string? fileName)
    {
        fields.Clear();
        var first = reader.ReadLine();
        if (first is null)
        {
            return false;
        }

        line++;
        var startLine = line;
        var current = new StringBuilder();
        var text = first;
        var pos = 0;
        var inQuotes = false;
        while (true)
        {
            if (pos >= text.Length)
            {
                if (!inQuotes)
                {
                    fields.Add(current.ToString());
                    return true;
                }

                var next = reader.ReadLine() ?? throw new DataFormatException("a quoted cell is not terminated before the end of the file.", fileName, startLine, null);
                line++;
                current.Append('\n');
                text = next;
                pos = 0;
                continue;
            }

            var ch = text[pos++];
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (pos < text.Length && text[pos] == '"')
                    {
                        current.Append('"');
                        pos++;
                    }
                    else
                    {
                        inQuotes = false;
                    }
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch == ',')
            {
                fields.Add(current.ToString());
                current.Clear();
            }
            else if (ch == '"' && current.ToString().Trim().Length == 0)
            {
                current.Clear();
                inQuotes = true;
            }
            else
            {
                current.Append(ch);
            }
        }
    }
}
