namespace CemCore.Sources;

/// <summary>
/// Input data that breaks a documented rule: a malformed CSV row, a negative amount, an order id reused for another
/// customer, a return that refers to an unknown order. The message names where (file, line or row, field) and why,
/// and never contains the offending personal data.
/// </summary>
public sealed class DataFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public DataFormatException()
        : this("The data is malformed.", null, null, null)
    {
    }

    /// <summary>Creates the exception with a reason only.</summary>
    /// <param name="message">Why the data is invalid.</param>
    public DataFormatException(string message)
        : this(message, null, null, null)
    {
    }

    /// <summary>Creates the exception with a reason and an inner exception.</summary>
    /// <param name="message">Why the data is invalid.</param>
    /// <param name="innerException">The underlying error.</param>
    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Why the data is invalid (no personal data).</param>
    /// <param name="file">The file name, or <see langword="null"/> when the data did not come from a file.</param>
    /// <param name="line">The 1-based line (files) or row (tables), or <see langword="null"/>.</param>
    /// <param name="field">The field or column name, or <see langword="null"/>.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public DataFormatException(string reason, string? file, long? line, string? field, Exception? innerException = null)
        : base(Format(reason, file, line, field), innerException)
    {
        Reason = reason;
        File = file;
        Line = line;
        Field = field;
    }

    /// <summary>Gets why the data is invalid.</summary>
    public string Reason { get; }

    /// <summary>Gets the file name, or <see langword="null"/>.</summary>
    public string? File { get; }

    /// <summary>Gets the 1-based line or row number, or <see langword="null"/>.</summary>
    public long? Line { get; }

    /// <summary>Gets the field or column name, or <see langword="null"/>.</summary>
    public string? Field { get; }

    private static string Format(string reason, string? file, long? line, string? field)
    {
        var where = new List<string>(3);
        if (file is not null)
        {
            where.Add(file);
        }

        if (line is not null)
        {
            where.Add(file is null ? $"row {line}" : $"line {line}");
        }

        if (field is not null)
        {
            where.Add($"field '{field}'");
        }

        return where.Count == 0 ? reason : $"{string.Join(", ", where)}: {reason}";
    }
}
