using System.CommandLine;
using System.Text;
using CemCore.Customers;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Sources.Csv;
using CemCore.Transactions;

namespace CemCore.Cli.CommandLine;

/// <summary>
/// Reads the CLI's input CSV files in the encoding given by <c>--encoding</c>: UTF-8 (default; invalid bytes are an error naming
/// file, line and field, so that a GBK export is never silently read as U+FFFD) or a legacy code page common in retail exports
/// (GBK = code page 936, GB18030 = 54936, Latin-1 = ISO-8859-1). Legacy encodings are transcoded to UTF-8 while the file is read;
/// bytes that are not valid in the chosen encoding are an error naming the file.
/// </summary>
internal static class CliInput
{
    /// <summary>The encodings <c>--encoding</c> accepts.</summary>
    public static readonly string[] EncodingNames = ["utf-8", "gbk", "gb18030", "latin1"];

    /// <summary><c>--encoding utf-8|gbk|gb18030|latin1</c> (default utf-8).</summary>
    public static Option<string> EncodingOption() => CliOptions.Choice(
        "--encoding", "Encoding of the input CSV files: utf-8 (default; invalid bytes are an error), gbk, gb18030 or latin1.", "utf-8", EncodingNames);

    /// <summary>Returns the encoding named by <paramref name="name"/> (null for UTF-8), throwing on bytes it cannot decode.</summary>
    public static Encoding? Resolve(string name)
    {
        switch (name)
        {
            case "utf-8":
                return null;
            case "latin1":
                return Encoding.Latin1;
            default:
                Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
                return Encoding.GetEncoding(name == "gbk" ? 936 : 54936, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        }
    }

    /// <summary>Reads a transactions CSV in <paramref name="encoding"/>.</summary>
    public static TransactionTable ReadTransactions(string path, string encoding, IProgress<OperationProgress>? progress, CancellationToken cancellationToken)
    {
        var source = Resolve(encoding);
        if (source is null)
        {
            return CsvTransactionReader.ReadTable(path, progress, cancellationToken);
        }

        using var stream = Open(path, source);
        try
        {
            return CsvTransactionReader.ReadStream(stream, Path.GetFileName(path), progress, cancellationToken);
        }
        catch (DecoderFallbackException)
        {
            throw NotIn(path, encoding);
        }
    }

    /// <summary>Reads a customers CSV in <paramref name="encoding"/>.</summary>
    public static async Task<List<CustomerProfile>> ReadCustomersAsync(string path, string encoding, CancellationToken cancellationToken)
    {
        var source = Resolve(encoding);
        var list = new List<CustomerProfile>();
        if (source is null)
        {
            await foreach (var p in new CsvCustomerSource(path).ReadCustomersAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(p);
            }

            return list;
        }

        await using var stream = Open(path, source);
        try
        {
            await foreach (var p in CsvCustomerSource.ReadStreamAsync(stream, Path.GetFileName(path), cancellationToken).ConfigureAwait(false))
            {
                list.Add(p);
            }
        }
        catch (DecoderFallbackException)
        {
            throw NotIn(path, encoding);
        }

        return list;
    }

    /// <summary>
    /// Warns on stderr when no transaction of <paramref name="table"/> is before <paramref name="asOf"/> (every customer would be a
    /// prospect: usually a wrong as-of date or a wrong file), so that such a run is not silently taken for a result.
    /// </summary>
    public static void WarnIfAsOfBeforeAllData(string command, TransactionTable table, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(table);
        var first = long.MaxValue;
        foreach (var t in table.UtcTicks)
        {
            first = Math.Min(first, t);
        }

        if (table.Count > 0 && first >= asOf.UtcTicks)
        {
            Console.Error.WriteLine(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"cemcore {command}: warning: the as-of date {asOf:yyyy-MM-dd} is not after any transaction (the first is on {new DateTime(first, DateTimeKind.Utc):yyyy-MM-dd}); every customer counts as a prospect."));
        }
    }

    /// <summary>
    /// Warns on stderr when customers have a birth date after <paramref name="asOf"/> (a typo such as 2099, or a placeholder) or before
    /// <see cref="CliOptions.MinYear"/> (such as 0001-01-01): age conditions on them would silently be wrong. Names the count and the
    /// first data row (1-based after the header), never the value.
    /// </summary>
    public static void WarnIfBirthDatesImplausible(string command, IReadOnlyList<CustomerProfile> profiles, DateTimeOffset asOf, string path)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var today = DateOnly.FromDateTime(asOf.UtcDateTime);
        int future = 0, ancient = 0, firstFuture = 0, firstAncient = 0;
        for (var i = 0; i < profiles.Count; i++)
        {
            if (profiles[i].Demographics.BirthDate is not { } b)
            {
                continue;
            }

            if (b >= today)
            {
                firstFuture = future++ == 0 ? i + 1 : firstFuture;
            }
            else if (b.Year < CliOptions.MinYear)
            {
                firstAncient = ancient++ == 0 ? i + 1 : firstAncient;
            }
        }

        var file = Path.GetFileName(path);
        if (future > 0)
        {
            Console.Error.WriteLine(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"cemcore {command}: warning: {future} customers in {file} have a birth_date on or after the as-of date {today:yyyy-MM-dd} (first at data row {firstFuture}); age conditions treat them as not yet born."));
        }

        if (ancient > 0)
        {
            Console.Error.WriteLine(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"cemcore {command}: warning: {ancient} customers in {file} have a birth_date before {CliOptions.MinYear}-01-01 (first at data row {firstAncient}), usually a placeholder such as 0001-01-01; clear the cell when the date is unknown."));
        }
    }

    /// <summary>
    /// Throws a usage error when the output file <paramref name="output"/> is one of the input files (it would be overwritten before or
    /// while it is read). Paths are compared after resolving them to full paths (and symbolic links, when the file exists).
    /// </summary>
    public static void EnsureNotAnInput(string outputOption, string? output, params (string Option, string? Path)[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (output is null)
        {
            return;
        }

        var target = Canonical(output);
        foreach (var (option, path) in inputs)
        {
            if (path is not null && string.Equals(Canonical(path), target, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))
            {
                throw new UsageException($"{outputOption} '{output}' is the input file of {option}; write the output to another file.");
            }
        }
    }

    private static string Canonical(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            return File.Exists(full) && new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target ? Path.GetFullPath(target.FullName) : full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    private static Stream Open(string path, Encoding source) =>
        Encoding.CreateTranscodingStream(
            new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), source, new UTF8Encoding(false), leaveOpen: false);

    private static DataFormatException NotIn(string path, string encoding) =>
        new($"The file holds bytes that are not valid {encoding.ToUpperInvariant()} (check --encoding).", Path.GetFileName(path), null, null);
}
