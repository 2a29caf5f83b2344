using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CemCore.Customers;
using CemCore.Primitives;

namespace CemCore.Sources.Csv;

/// <summary>
/// An <see cref="ICustomerSource"/> that streams <see cref="CustomerProfile"/> records from a customers CSV file.
/// </summary>
/// <remarks>
/// <para>Format: as for transactions (UTF-8, header, RFC 4180 quoting, case-insensitive column names, unknown columns ignored).
/// Required column: <c>customer_id</c>. Optional columns (an empty cell means unknown): <c>signup</c> (ISO-8601 date or date-time),
/// <c>birth_date</c> (<c>yyyy-MM-dd</c>), <c>age_band</c>, <c>gender</c> (<c>female</c>/<c>f</c>, <c>male</c>/<c>m</c>, <c>other</c>),
/// <c>region</c>, <c>city</c>, <c>city_tier</c> (1-6), <c>occupation</c>, <c>tags</c> (separated by <c>;</c>), <c>preferred_channel</c>,
/// <c>language</c> (BCP-47), <c>time_zone</c> (IANA or Windows id, kept as text), <c>membership_id</c>.</para>
/// <para>Consents: one column per channel and purpose named <c>consent_&lt;channel&gt;_&lt;purpose&gt;</c>, e.g. <c>consent_wechat_marketing</c>,
/// <c>consent_email_survey</c>; the purpose (after the last <c>_</c>) is <c>marketing</c>, <c>service</c> or <c>survey</c>. A cell holds
/// <c>granted</c>, <c>denied</c> or <c>revoked</c>, optionally followed by <c>@</c> and the ISO-8601 instant of the decision
/// (<c>granted@2024-03-01T10:00:00+08:00</c>); without an instant the decision is dated at the sign-up instant, or at
/// <see cref="DateTimeOffset.MinValue"/> when that is unknown. An empty cell records nothing.</para>
/// <para>Malformed cells and duplicate customer ids throw <see cref="DataFormatException"/> (file, line, field, why) during enumeration.
/// Each enumeration re-reads the file; enumerations are independent and thread-safe.</para>
/// </remarks>
public sealed class CsvCustomerSource : ICustomerSource
{
    private readonly string _path;

    /// <summary>Creates the source.</summary>
    /// <param name="path">The CSV file; it must exist when enumeration starts.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is blank.</exception>
    public CsvCustomerSource(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = path;
    }

    /// <summary>Reads customers from a stream (the stream is not disposed).</summary>
    /// <param name="stream">The CSV content.</param>
    /// <param name="fileName">The name used in errors.</param>
    /// <param name="cancellationToken">Stops the enumeration.</param>
    /// <returns>The profiles in file order.</returns>
    /// <exception cref="DataFormatException">The content is malformed.</exception>
    public static IAsyncEnumerable<CustomerProfile> ReadStreamAsync(Stream stream, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(fileName);
        return ReadCoreAsync(() => new Utf8CsvTokenizer(stream, fileName), cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<CustomerProfile> ReadCustomersAsync(CancellationToken cancellationToken = default)
    {
        var path = _path;
        return ReadCoreAsync(
            () => new Utf8CsvTokenizer(
                new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan),
                Path.GetFileName(path),
                ownsStream: true),
            cancellationToken);
    }

    private static async IAsyncEnumerable<CustomerProfile> ReadCoreAsync(Func<Utf8CsvTokenizer> open, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var tok = open();
        if (!await tok.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new DataFormatException("The file is empty: expected a header with customer_id.", tok.FileName, 1, "header");
        }

        var names = new string[tok.FieldCount];
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var consents = new List<(int Column, ContactChannel Channel, ConsentPurpose Purpose)>();
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = tok.FieldString(i).Trim();
            if (!map.TryAdd(names[i], i))
            {
                throw new DataFormatException($"The column '{names[i]}' appears twice in the header.", tok.FileName, tok.Line, names[i]);
            }

            if (names[i].StartsWith("consent_", StringComparison.OrdinalIgnoreCase))
            {
                var rest = names[i]["consent_".Length..];
                var cut = rest.LastIndexOf('_');
                ConsentPurpose? purpose = cut <= 0 ? null : rest[(cut + 1)..].ToUpperInvariant() switch
                {
                    "MARKETING" => ConsentPurpose.Marketing,
                    "SERVICE" => ConsentPurpose.Service,
                    "SURVEY" => ConsentPurpose.Survey,
                    _ => null,
                };
                if (purpose is null)
                {
                    throw new DataFormatException("A consent column must be named consent_<channel>_<purpose> with purpose marketing, service or survey.", tok.FileName, tok.Line, names[i]);
                }

                consents.Add((i, new ContactChannel(rest[..cut]), purpose.Value));
            }
        }

        tok.ColumnNames = names;
        if (!map.TryGetValue("customer_id", out var cId))
        {
            throw new DataFormatException("The header lacks the required column 'customer_id'.", tok.FileName, tok.Line, "customer_id");
        }

        int Col(string name) => map.TryGetValue(name, out var i) ? i : -1;
        var cSignup = Col("signup");
        var cBirth = Col("birth_date");
        var cBand = Col("age_band");
        var cGender = Col("gender");
        var cRegion = Col("region");
        var cCity = Col("city");
        var cTier = Col("city_tier");
        var cOccupation = Col("occupation");
        var cTags = Col("tags");
        var cChannel = Col("preferred_channel");
        var cLanguage = Col("language");
        var cZone = Col("time_zone");
        var cMember = Col("membership_id");
        var seen = new Dictionary<string, long>(StringComparer.Ordinal);
        var headerLine = tok.Line;
        long rows = 0;
        while (await tok.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if ((++rows & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (tok.FieldCount != names.Length)
            {
                var field = tok.NameOf(Math.Min(tok.FieldCount, names.Length));
                throw new DataFormatException($"Expected {names.Length} fields as in the header but found {tok.FieldCount}.", tok.FileName, tok.Line, field);
            }

            string? Text(int c) => c < 0 ? null : (Utf8Parsing.Trim(tok.Field(c)) is { IsEmpty: false } s ? Encoding.UTF8.GetString(s) : null);
            DataFormatException Bad(string why, int c) => new(why, tok.FileName, tok.Line, names[c]);

            // Only spaces and tabs are trimmed; an id of other white space (a vertical tab, a form feed, U+3000) is as blank as an empty
            // one and used to reach CustomerProfile's ArgumentException (found by fuzzing).
            var id = Text(cId) is { } text && !string.IsNullOrWhiteSpace(text) ? text : throw Bad("The customer id is empty or white space.", cId);
            if (!seen.TryAdd(id, tok.Line))
            {
                throw Bad($"The customer id appears twice (first at line {seen[id]}).", cId);
            }

            DateTimeOffset? signup = null;
            if (Text(cSignup) is not null)
            {
                signup = Utf8Parsing.TryParseTimestamp(tok.Field(cSignup), out var st)
                    ? new DateTimeOffset(st, TimeSpan.Zero)
                    : throw Bad("The signup is not an ISO-8601 date or date-time.", cSignup);
            }

            DateOnly? birth = null;
            if (Text(cBirth) is { } b)
            {
                birth = DateOnly.TryParseExact(b, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var bd)
                    ? bd
                    : throw Bad("The birth_date is not a date yyyy-MM-dd.", cBirth);
            }

            var gender = Text(cGender)?.ToUpperInvariant() switch
            {
                null => Gender.Unspecified,
                "F" or "FEMALE" => Gender.Female,
                "M" or "MALE" => Gender.Male,
                "OTHER" or "O" or "X" => Gender.Other,
                _ => throw Bad("The gender must be female, male or other.", cGender),
            };

            int? tier = null;
            if (Text(cTier) is not null)
            {
                tier = Utf8Parsing.TryParseInt(tok.Field(cTier), out var t) && t is >= 1 and <= Demographics.MaxCityTier
                    ? t
                    : throw Bad($"The city_tier must be a whole number in [1, {Demographics.MaxCityTier}].", cTier);
            }

            var tags = Text(cTags)?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            List<ConsentRecord>? records = null;
            foreach (var (column, channel, purpose) in consents)
            {
                if (Text(column) is not { } cell)
                {
                    continue;
                }

                var at = cell.IndexOf('@', StringComparison.Ordinal);
                var statusText = (at < 0 ? cell : cell[..at]).Trim().ToUpperInvariant();
                ConsentStatus status = statusText switch
                {
                    "GRANTED" => ConsentStatus.Granted,
                    "DENIED" => ConsentStatus.Denied,
                    "REVOKED" => ConsentStatus.Revoked,
                    _ => throw Bad("A consent must be granted, denied or revoked, optionally followed by @ and an ISO-8601 instant.", column),
                };
                var when = signup ?? DateTimeOffset.MinValue;
                if (at >= 0)
                {
                    when = Utf8Parsing.TryParseTimestamp(Encoding.UTF8.GetBytes(cell[(at + 1)..]), out var ct)
                        ? new DateTimeOffset(ct, TimeSpan.Zero)
                        : throw Bad("The consent instant after '@' is not an ISO-8601 date or date-time.", column);
                }

                (records ??= []).Add(new ConsentRecord(channel, purpose, status, when));
            }

            var zone = Text(cZone);
            if (zone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            {
                // An unknown zone is an error at load, never silently UTC: quiet hours would be applied at the wrong local time.
                throw new DataFormatException("Unknown time-zone id (expected an IANA id such as Asia/Shanghai, or a Windows id).", tok.FileName, tok.Line, "time_zone");
            }

            yield return new CustomerProfile(
                id,
                signup,
                new Demographics(birth, Text(cBand), gender, Text(cRegion), Text(cCity), tier, Text(cOccupation)),
                tags,
                preferredChannel: new ContactChannel(Text(cChannel)),
                language: Text(cLanguage),
                timeZoneId: zone,
                consents: records,
                membershipId: Text(cMember));
        }

        if (rows == 0)
        {
            throw new DataFormatException("The file has a header but no data rows.", tok.FileName, headerLine, "header");
        }
    }
}
