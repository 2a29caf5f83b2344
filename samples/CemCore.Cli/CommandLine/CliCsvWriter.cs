using System.Globalization;
using System.Text;

namespace CemCore.Cli.CommandLine;

/// <summary>
/// Writes an output CSV row by row without a string per cell (issue #17): numbers are formatted straight into one reused line
/// buffer (invariant culture, the same text as <c>ToString(format, InvariantCulture)</c>), text cells are quoted only when they
/// contain a comma, quote or line break (quotes doubled), and each finished line goes to a buffered UTF-8 (no BOM) file with
/// <c>\n</c> line ends. A one-shot command on 1M rows used to allocate ~100 MB of cell strings here, which the GC had to collect
/// and the process had to fault in.
/// </summary>
internal sealed class CliCsvWriter : IDisposable
{
    private const int MaxNumberLength = 64;
    private readonly StreamWriter _writer;
    private char[] _line = new char[512];
    private int _length;
    private bool _rowStarted;

    public CliCsvWriter(string path) => _writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 16);

    /// <summary>One text cell as a string, quoted when it contains a comma, quote or line break (quotes doubled): the same text as
    /// <see cref="Text"/>, for the commands that build their lines themselves.</summary>
    public static string Quote(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Writes a header line (the names are written as given).</summary>
    public void Header(IReadOnlyList<string> names)
    {
        _writer.Write(string.Join(',', names));
        _writer.Write('\n');
    }

    /// <summary>Appends a text cell, quoted when needed.</summary>
    public CliCsvWriter Text(string? value)
    {
        Separator();
        if (string.IsNullOrEmpty(value))
        {
            return this;
        }

        if (value.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            Append(value);
            return this;
        }

        Append("\"");
        var rest = value.AsSpan();
        int quote;
        while ((quote = rest.IndexOf('"')) >= 0)
        {
            Append(rest[..(quote + 1)]);
            Append("\"");
            rest = rest[(quote + 1)..];
        }

        Append(rest);
        Append("\"");
        return this;
    }

    /// <summary>Appends an empty cell.</summary>
    public CliCsvWriter Empty()
    {
        Separator();
        return this;
    }

    // One overload per cell type rather than a generic over ISpanFormattable: ReadyToRun has no precompiled code for generic
    // instantiations over framework value types, so a generic here was JIT-compiled at start-up in every one-shot run.

    /// <summary>Appends an integer cell.</summary>
    public CliCsvWriter Number(int value) => Advance(value.TryFormat(Cell(), out var n, default, CultureInfo.InvariantCulture), n);

    /// <summary>Appends an integer cell.</summary>
    public CliCsvWriter Number(long value) => Advance(value.TryFormat(Cell(), out var n, default, CultureInfo.InvariantCulture), n);

    /// <summary>Appends a decimal cell (<paramref name="format"/> null: the shortest exact text, as <c>ToString()</c>).</summary>
    public CliCsvWriter Number(decimal value, string? format = null) => Advance(value.TryFormat(Cell(), out var n, format, CultureInfo.InvariantCulture), n);

    /// <summary>Appends a floating-point cell in <paramref name="format"/> (e.g. <c>R</c>: round-trip, <c>0</c>: whole number).</summary>
    public CliCsvWriter Number(double value, string format) => Advance(value.TryFormat(Cell(), out var n, format, CultureInfo.InvariantCulture), n);

    /// <summary>Appends a timestamp cell in <paramref name="format"/>.</summary>
    public CliCsvWriter Time(DateTimeOffset value, string format) => Advance(value.TryFormat(Cell(), out var n, format, CultureInfo.InvariantCulture), n);

    /// <summary>Appends an integer cell, or an empty cell when <paramref name="value"/> is null.</summary>
    public CliCsvWriter Number(int? value) => value is { } v ? Number(v) : Empty();

    /// <summary>Appends a floating-point cell, or an empty cell when <paramref name="value"/> is null.</summary>
    public CliCsvWriter Number(double? value, string format) => value is { } v ? Number(v, format) : Empty();

    /// <summary>Appends a timestamp cell, or an empty cell when <paramref name="value"/> is null.</summary>
    public CliCsvWriter Time(DateTimeOffset? value, string format) => value is { } v ? Time(v, format) : Empty();

    /// <summary>Ends the row: writes the line and a <c>\n</c>.</summary>
    public void EndRow()
    {
        Append("\n");
        _writer.Write(_line, 0, _length);
        _length = 0;
        _rowStarted = false;
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Starts a number cell: the separator, then room for <see cref="MaxNumberLength"/> characters.</summary>
    private Span<char> Cell()
    {
        Separator();
        if (_length + MaxNumberLength > _line.Length)
        {
            Grow(MaxNumberLength);
        }

        return _line.AsSpan(_length);
    }

    private CliCsvWriter Advance(bool formatted, int written)
    {
        // Cannot fail: the formats used here give at most ~32 characters (decimal, "R" doubles, the ISO timestamp).
        _length += formatted ? written : throw new InvalidOperationException("A CSV number cell is longer than " + MaxNumberLength + " characters.");
        return this;
    }

    private void Separator()
    {
        if (_rowStarted)
        {
            Append(",");
        }

        _rowStarted = true;
    }

    private void Append(ReadOnlySpan<char> text)
    {
        if (_length + text.Length > _line.Length)
        {
            Grow(text.Length);
        }

        text.CopyTo(_line.AsSpan(_length));
        _length += text.Length;
    }

    private void Grow(int atLeast) => Array.Resize(ref _line, Math.Max(_line.Length * 2, _length + atLeast));
}
