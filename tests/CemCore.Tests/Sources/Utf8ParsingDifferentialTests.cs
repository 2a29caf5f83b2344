using System.Globalization;
using System.Text;
using CemCore.Sources.Csv;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CemCore.Tests.Sources;

/// <summary>
/// The reader's allocation-free UTF-8 field parsers (<see cref="Utf8Parsing"/>, the fast path of issue 17) against the BCL's general
/// parsers on generated edge inputs: the same text is accepted or rejected by both, with the same value (and, for decimals, the same
/// scale, which decides how an amount prints).
/// </summary>
public sealed class Utf8ParsingDifferentialTests
{
    private static readonly int[] Years = [1, 4, 1899, 1900, 1999, 2000, 2023, 2024, 2100, 2199, 2200, 9999];

    public static Arbitrary<string> Timestamps() =>
        (from year in Gen.OneOf(Gen.Elements(Years), Gen.Choose(1900, 2199))
         from month in Gen.Choose(0, 13)
         from day in Gen.OneOf(Gen.Choose(0, 32), Gen.Elements(28, 29, 30, 31))
         from shape in Gen.Choose(0, 3) // date, +HH:mm, +HH:mm:ss, +HH:mm:ss.f…
         from sep in Gen.Elements('T', ' ')
         from hour in Gen.OneOf(Gen.Choose(0, 24), Gen.Elements(0, 23, 24))
         from minute in Gen.OneOf(Gen.Choose(0, 60), Gen.Elements(0, 59, 60))
         from second in Gen.OneOf(Gen.Choose(0, 60), Gen.Elements(0, 59, 60))
         from fraction in Gen.Choose(1, 7).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 9), n))
         from zone in Gen.Choose(0, 4) // none, Z, +HH:mm, -HH:mm, +HHmm
         from offHour in Gen.OneOf(Gen.Choose(0, 15), Gen.Elements(0, 14, 15))
         from offMinute in Gen.Elements(0, 30, 45, 59, 60)
         select Compose(year, month, day, shape, sep, hour, minute, second, fraction, zone, offHour, offMinute)).ToArbitrary();

    [Property(MaxTest = 3000, Arbitrary = [typeof(Utf8ParsingDifferentialTests)])]
    public bool Timestamp_AgreesWithDateTimeOffsetParseExact(string text)
    {
        var fast = Utf8Parsing.TryParseTimestamp(Encoding.UTF8.GetBytes(text), out var ticks);
        var general = TryParseGeneral(text, out var expected);
        return fast == general && (!fast || ticks == expected);
    }

    /// <summary>
    /// Valid or near-valid timestamps with one byte of the date and time (not the separator at index 10, which the reference's format
    /// takes literally) replaced by a digit or a punctuation mark: aimed at the 8-byte word checks of the reader's usual
    /// <c>yyyy-MM-ddTHH:mm:ss</c> layout, which must reject exactly what the general parser rejects.
    /// </summary>
    public static Arbitrary<(string Text, int Position, char Replacement)> MutatedTimestamps() =>
        (from text in Timestamps().Generator
         from position in Gen.Elements(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18)
         from replacement in Gen.Elements("0123456789/:.aTZ!~".ToCharArray())
         select (text, position, replacement)).ToArbitrary();

    [Property(MaxTest = 3000, Arbitrary = [typeof(Utf8ParsingDifferentialTests)])]
    public bool Timestamp_OneByteReplaced_AgreesWithDateTimeOffsetParseExact((string Text, int Position, char Replacement) input)
    {
        var chars = input.Text.ToCharArray();
        if (input.Position < chars.Length)
        {
            chars[input.Position] = input.Replacement;
        }

        var text = new string(chars);
        var fast = Utf8Parsing.TryParseTimestamp(Encoding.UTF8.GetBytes(text), out var ticks);
        var general = TryParseGeneral(text, out var expected);
        return fast == general && (!fast || ticks == expected);
    }

    [Theory]
    [InlineData("2024-02-29T12:00:00+08:00", true)]
    [InlineData("2023-02-29T12:00:00+08:00", false)]
    [InlineData("2000-02-29", true)]
    [InlineData("1900-02-29", false)]
    [InlineData("2024-05-16T20:53:19.1234567Z", true)]
    [InlineData("2024-05-16T20:53:19.5-03:30", true)]
    [InlineData("2024-05-16T24:00:00Z", false)]
    [InlineData("2024-05-16T23:60Z", false)]
    [InlineData("2024-05-16T23:59:60Z", false)]
    [InlineData("2024-05-16T23:59:59+14:01", false)]
    [InlineData("2024-05-16T23:59:59+15:00", false)]
    [InlineData("0001-01-01T00:00:00+01:00", false)]
    [InlineData("9999-12-31T23:59:59-01:00", false)]
    public void Timestamp_Edges_AgreeWithGeneralParser(string text, bool valid)
    {
        Assert.Equal(valid, TryParseGeneral(text, out var expected));
        Assert.Equal(valid, Utf8Parsing.TryParseTimestamp(Encoding.UTF8.GetBytes(text), out var ticks));
        Assert.Equal(expected, valid ? ticks : 0);
    }

    public static Arbitrary<string> DecimalTexts() =>
        (from sign in Gen.Elements("", "", "-", "+")
         from zeros in Gen.Elements("", "", "0", "000")
         from intDigits in Gen.OneOf(Gen.Choose(0, 4), Gen.Choose(0, 32)).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 9), n))
         from point in Gen.Elements(false, true, true)
         from fracDigits in Gen.OneOf(Gen.Choose(0, 3), Gen.Choose(0, 32)).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 9), n))
         from junk in Gen.Elements("", "", "", "", "e5", "E-2", ",000", " 1", "x", ".", "NaN")
         select sign + zeros + string.Concat(intDigits) + (point ? "." : "") + string.Concat(fracDigits) + junk).ToArbitrary();

    [Property(MaxTest = 3000, Arbitrary = [typeof(Utf8ParsingDifferentialTests)])]
    public bool Decimal_AgreesWithDecimalTryParse_ValueAndScale(string text) => DecimalAgrees(text);

    [Theory]
    [InlineData("0")]
    [InlineData("-0.00")]
    [InlineData("007.50")]
    [InlineData("123456789012345678")] // 18 digits: the fast path's limit
    [InlineData("1234567890123456789")] // 19 digits: the general path
    [InlineData("0.00000000000000000000000000001")] // scale 29: rounded by the general path
    [InlineData("79228162514264337593543950335")] // decimal.MaxValue
    [InlineData("79228162514264337593543950336")] // overflow: rejected by both
    [InlineData("1.")]
    [InlineData(".5")]
    [InlineData(".")]
    [InlineData("-")]
    [InlineData("1e5")]
    [InlineData("1,000.00")]
    [InlineData("1 000")]
    [InlineData("--1")]
    public void Decimal_Edges_AgreeWithGeneralParser(string text) => Assert.True(DecimalAgrees(text), text);

    /// <summary>
    /// Every text of 1 to 5 characters over digits, the point, the characters next to the digits and the point in ASCII, signs, a blank
    /// and a letter (the lengths of most amounts: accepted or rejected as the general parser does, with its value and scale), then
    /// 200,000 random texts of 6 to 9 characters over the same alphabet, half of them of digits and at most one point.
    /// </summary>
    [Fact]
    public void Decimal_AllShortTexts_AgreeWithGeneralParser()
    {
        const string alphabet = "0159./:-+ x";
        var checkedTexts = 0;
        var chars = new char[9];
        for (var length = 1; length <= 5; length++)
        {
            var total = (int)Math.Pow(alphabet.Length, length);
            for (var code = 0; code < total; code++)
            {
                var c = code;
                for (var k = 0; k < length; k++)
                {
                    chars[k] = alphabet[c % alphabet.Length];
                    c /= alphabet.Length;
                }

                var text = new string(chars, 0, length);
                Assert.True(DecimalAgrees(text), text);
                checkedTexts++;
            }
        }

        var random = new Random(20261207);
        for (var i = 0; i < 200_000; i++)
        {
            var length = random.Next(6, 10);
            var clean = i % 2 == 0;
            var point = clean ? random.Next(-1, length) : -1;
            for (var k = 0; k < length; k++)
            {
                chars[k] = clean ? (k == point ? '.' : (char)('0' + random.Next(10))) : alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars, 0, length);
            Assert.True(DecimalAgrees(text), text);
            checkedTexts++;
        }

        Assert.Equal(11 + 121 + 1_331 + 14_641 + 161_051 + 200_000, checkedTexts);
    }

    private static bool DecimalAgrees(string text)
    {
        var fast = Utf8Parsing.TryParseDecimal(Encoding.UTF8.GetBytes(text), out var value);
        var general = decimal.TryParse(text.Trim(' ', '\t'), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var expected);
        return fast == general && (!fast || (value == expected && value.Scale == expected.Scale));
    }

    private static string Compose(int year, int month, int day, int shape, char sep, int hour, int minute, int second, int[] fraction, int zone, int offHour, int offMinute)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}-{day:D2}");
        if (shape == 0)
        {
            return sb.ToString();
        }

        sb.Append(CultureInfo.InvariantCulture, $"{sep}{hour:D2}:{minute:D2}");
        if (shape >= 2)
        {
            sb.Append(CultureInfo.InvariantCulture, $":{second:D2}");
        }

        if (shape == 3)
        {
            sb.Append('.').Append(string.Concat(fraction));
        }

        sb.Append(zone switch
        {
            0 => "",
            1 => "Z",
            2 => string.Create(CultureInfo.InvariantCulture, $"+{offHour:D2}:{offMinute:D2}"),
            3 => string.Create(CultureInfo.InvariantCulture, $"-{offHour:D2}:{offMinute:D2}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"+{offHour:D2}{offMinute:D2}"),
        });
        return sb.ToString();
    }

    /// <summary>
    /// The general path: <see cref="DateTimeOffset.TryParseExact(string, string, IFormatProvider, DateTimeStyles, out DateTimeOffset)"/> with
    /// the format of the text's shape (UTC when no zone is given); <c>+HHmm</c> is rewritten to <c>+HH:mm</c> first.
    /// </summary>
    private static bool TryParseGeneral(string text, out long utcTicks)
    {
        utcTicks = 0;
        var s = text;
        var zone = "";
        if (s.EndsWith('Z'))
        {
            zone = "Z";
            s = s[..^1];
        }
        else if (s.Length > 10 && (s[^5] is '+' or '-') && s[^3] != ':')
        {
            zone = s[^5..^2] + ":" + s[^2..];
            s = s[..^5];
        }
        else if (s.Length > 10 && (s[^6] is '+' or '-') && s[^3] == ':')
        {
            zone = s[^6..];
            s = s[..^6];
        }

        var format = s.Length switch
        {
            10 => "yyyy-MM-dd",
            16 => "yyyy-MM-dd'" + s[10] + "'HH:mm",
            19 => "yyyy-MM-dd'" + s[10] + "'HH:mm:ss",
            > 20 => "yyyy-MM-dd'" + s[10] + "'HH:mm:ss." + new string('f', s.Length - 20),
            _ => null,
        };
        if (format is null || (zone.Length > 0 && s.Length == 10))
        {
            return false;
        }

        var input = s + (zone == "Z" ? "+00:00" : zone);
        if (zone.Length > 0)
        {
            format += "zzz";
        }

        if (!DateTimeOffset.TryParseExact(input, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            return false;
        }

        utcTicks = value.UtcTicks;
        return true;
    }
}
