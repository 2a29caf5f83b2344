using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace CemCore.Sources.Csv;

/// <summary>Allocation-free parsers of UTF-8 field text: ISO-8601 instants, invariant decimals, integers.</summary>
internal static class Utf8Parsing
{
    private const int MaxFastDigits = 18;

    /// <summary>Trims ASCII spaces and tabs.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) => s.Trim(" \t"u8);

    /// <summary>
    /// Parses <c>yyyy-MM-dd</c> (midnight UTC) or <c>yyyy-MM-dd[T| ]HH:mm[:ss[.f{1,7}]][Z|±HH:mm|±HHmm]</c> (UTC when no offset).
    /// </summary>
    /// <returns><see langword="true"/> with the UTC ticks when the text is valid.</returns>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> s, out long utcTicks)
    {
        utcTicks = 0;
        s = Trim(s);
        if (s.Length < 10 || s[4] != (byte)'-' || s[7] != (byte)'-'
            || !TryDigits(s[..4], out var year) || !TryDigits(s.Slice(5, 2), out var month) || !TryDigits(s.Slice(8, 2), out var day)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        long ticks = new DateOnly(year, month, day).DayNumber * TimeSpan.TicksPerDay;
        if (s.Length == 10)
        {
            utcTicks = ticks;
            return true;
        }

        if (s.Length < 16 || s[10] is not ((byte)'T' or (byte)'t' or (byte)' ') || s[13] != (byte)':'
            || !TryDigits(s.Slice(11, 2), out var hour) || !TryDigits(s.Slice(14, 2), out var minute) || hour > 23 || minute > 59)
        {
            return false;
        }

        ticks += (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute);
        var i = 16;
        if (i < s.Length && s[i] == (byte)':')
        {
            if (s.Length < i + 3 || !TryDigits(s.Slice(i + 1, 2), out var second) || second > 59)
            {
                return false;
            }

            ticks += second * TimeSpan.TicksPerSecond;
            i += 3;
            if (i < s.Length && s[i] == (byte)'.')
            {
                i++;
                var digits = 0;
                long fraction = 0;
                while (i < s.Length && unchecked((uint)(s[i] - '0')) <= 9)
                {
                    if (digits < 7)
                    {
                        fraction = (fraction * 10) + (s[i] - '0');
                        digits++;
                    }

                    i++;
                }

                if (digits == 0)
                {
                    return false;
                }

                for (var d = digits; d < 7; d++)
                {
                    fraction *= 10;
                }

                ticks += fraction;
            }
        }

        if (i < s.Length)
        {
            var rest = s[i..];
            if (rest.Length == 1 && rest[0] is (byte)'Z' or (byte)'z')
            {
                // UTC
            }
            else if (rest[0] is (byte)'+' or (byte)'-' && (rest.Length == 6 || rest.Length == 5))
            {
                var mm = rest.Length == 6 ? rest.Slice(4, 2) : rest.Slice(3, 2);
                if ((rest.Length == 6 && rest[3] != (byte)':') || !TryDigits(rest.Slice(1, 2), out var oh) || !TryDigits(mm, out var om)
                    || oh > 14 || om > 59 || (oh == 14 && om > 0))
                {
                    return false;
                }

                var offset = (oh * TimeSpan.TicksPerHour) + (om * TimeSpan.TicksPerMinute);
                ticks -= rest[0] == (byte)'+' ? offset : -offset;
            }
            else
            {
                return false;
            }
        }

        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        utcTicks = ticks;
        return true;
    }

    /// <summary>
    /// Parses an invariant decimal: optional sign, digits, optional <c>.</c> and digits. No exponent, thousands separator, NaN or infinity.
    /// </summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, out decimal value)
    {
        value = 0m;
        s = Trim(s);
        if (s.IsEmpty)
        {
            return false;
        }

        var negative = false;
        var i = 0;
        if (s[0] is (byte)'-' or (byte)'+')
        {
            negative = s[0] == (byte)'-';
            i = 1;
        }

        ulong mantissa = 0;
        var digits = 0;
        var scale = 0;
        var seenPoint = false;
        for (; i < s.Length; i++)
        {
            var c = s[i];
            var d = unchecked((uint)(c - '0')); // wraps for non-digits, which then fail the range test
            if (d <= 9)
            {
                if (digits >= MaxFastDigits)
                {
                    return TryParseDecimalSlow(s, out value);
                }

                if (mantissa != 0 || d != 0)
                {
                    digits++;
                }

                mantissa = (mantissa * 10) + d;
                if (seenPoint)
                {
                    scale++;
                }
            }
            else if (c == (byte)'.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                return false;
            }
        }

        var start = s[0] is (byte)'-' or (byte)'+' ? 1 : 0;
        var digitCount = s.Length - start - (seenPoint ? 1 : 0);
        if (digitCount == 0 || scale > 28)
        {
            return scale > 28 && digitCount > 0 && TryParseDecimalSlow(s, out value);
        }

        value = new decimal(unchecked((int)(uint)mantissa), unchecked((int)(uint)(mantissa >> 32)), 0, negative && mantissa != 0, (byte)scale);
        return true;
    }

    /// <summary>Parses a whole number (optional sign, digits only).</summary>
    public static bool TryParseInt(ReadOnlySpan<byte> s, out int value)
    {
        s = Trim(s);
        return Utf8Parser.TryParse(s, out value, out var consumed) && consumed == s.Length && s.Length > 0;
    }

    private static bool TryParseDecimalSlow(ReadOnlySpan<byte> s, out decimal value)
    {
        Span<char> chars = stackalloc char[64];
        if (s.Length > chars.Length)
        {
            value = 0m;
            return false;
        }

        var n = Encoding.UTF8.GetChars(s, chars);
        return decimal.TryParse(chars[..n], NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryDigits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            var d = unchecked((uint)(c - '0')); // wraps for non-digits, which then fail the range test
            if (d > 9)
            {
                return false;
            }

            value = (value * 10) + (int)d;
        }

        return true;
    }
}
