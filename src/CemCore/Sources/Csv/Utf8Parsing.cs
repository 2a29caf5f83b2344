using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace CemCore.Sources.Csv;

/// <summary>Allocation-free parsers of UTF-8 field text: ISO-8601 instants, invariant decimals, integers.</summary>
internal static class Utf8Parsing
{
    private const int MaxFastDigits = 18;

    /// <summary>Trims ASCII spaces and tabs.</summary>
    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> s) =>
        s.IsEmpty || (!IsBlank(s[0]) && !IsBlank(s[^1])) ? s : s.Trim(" \t"u8); // untrimmed fields (the norm) cost two byte tests

    private static bool IsBlank(byte b) => b is (byte)' ' or (byte)'\t';

    /// <summary>
    /// Parses <c>yyyy-MM-dd</c> (midnight UTC) or <c>yyyy-MM-dd[T| ]HH:mm[:ss[.f{1,7}]][Z|±HH:mm|±HHmm]</c> (UTC when no offset).
    /// </summary>
    /// <returns><see langword="true"/> with the UTC ticks when the text is valid.</returns>
    public static bool TryParseTimestamp(ReadOnlySpan<byte> s, out long utcTicks)
    {
        utcTicks = 0;
        s = Trim(s);
        long ticks;
        int i;
        if (s.Length >= 19 && TryParseDateTimeSeconds(s, out ticks))
        {
            i = 19;
            if (!TryFraction(s, ref i, ref ticks))
            {
                return false;
            }
        }
        else if (!TryParseGeneralPrefix(s, out ticks, out i))
        {
            return false;
        }
        else if (i == 10)
        {
            utcTicks = ticks;
            return true;
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
                var m = rest.Length == 6 ? 4 : 3;
                var ok = rest.Length == 5 || rest[3] == (byte)':';
                var oh = Pair(rest[1], rest[2], ref ok);
                var om = Pair(rest[m], rest[m + 1], ref ok);
                if (!ok || oh > 14 || om > 59 || (oh == 14 && om > 0))
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
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, out decimal value) => TryParseDecimal(s, out value, out _);

    /// <summary>
    /// Parses an invariant decimal as <see cref="TryParseDecimal(ReadOnlySpan{byte}, out decimal)"/> does, and reports whether it took the
    /// fast path: then the text has at most 18 digits (so the value's magnitude is below 1e18) and is negative exactly when its sign
    /// bit is set (a negative zero is returned as zero).
    /// </summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, out decimal value, out bool fast) => TryParseDecimal(s, out value, out fast, out _);

    /// <summary>
    /// <see cref="TryParseDecimal(ReadOnlySpan{byte}, out decimal, out bool)"/>, also giving the value packed as a transaction table stores
    /// money (<see cref="Primitives.PackedMoney"/>), or -1 when it does not pack: on the fast path from the digits themselves (issue 17:
    /// the CSV reader's parsing threads pack, so that the thread adding rows to the table only stores).
    /// </summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> s, out decimal value, out bool fast, out long packed)
    {
        value = 0m;
        fast = false;
        packed = -1;
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

        // Two tight loops (integer digits, then fraction digits); the mantissa may wrap past 19 digits, which then go to the slow path.
        var start = i;
        ulong mantissa = 0;
        uint d;
        while (i < s.Length && (d = unchecked((uint)(s[i] - '0'))) <= 9) // wraps for non-digits, which then fail the range test
        {
            mantissa = unchecked((mantissa * 10) + d);
            i++;
        }

        var integerDigits = i - start;
        var scale = 0;
        if (i < s.Length && s[i] == (byte)'.')
        {
            var fractionStart = ++i;
            while (i < s.Length && (d = unchecked((uint)(s[i] - '0'))) <= 9)
            {
                mantissa = unchecked((mantissa * 10) + d);
                i++;
            }

            scale = i - fractionStart;
        }

        var digitCount = integerDigits + scale;
        if (i != s.Length || digitCount == 0)
        {
            return false; // another character, a second point, or no digit
        }

        if (digitCount > MaxFastDigits)
        {
            // Leading zeros, long fractions: decimal's own parse, same value and scale.
            if (!TryParseDecimalSlow(s, out value))
            {
                return false;
            }

            packed = Primitives.PackedMoney.TryPack(value, out var p) ? p : -1;
            return true;
        }

        var isNegative = negative && mantissa != 0;
        value = new decimal(unchecked((int)(uint)mantissa), unchecked((int)(uint)(mantissa >> 32)), 0, isNegative, (byte)scale);
        if (!isNegative && mantissa <= uint.MaxValue && scale <= 2)
        {
            packed = Primitives.PackedMoney.FromDigits(mantissa, scale); // what PackedMoney.TryPack gives for this value
        }

        fast = true;
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

    // Templates of "yyyy-MM-dd?HH:mm:ss" read as little-endian 64-bit words (bytes 0-7, 8-15 and 11-18); see TryParseDateTimeSeconds.
    private static readonly ulong[] DateTimeWords = [.. Template("0000-00-"u8), .. Template("00 00:00"u8, ignore: 2), .. Template("00:00:00"u8)];

    /// <summary>
    /// The word XOR-ed with a field, the bits that must then be clear, and the per-byte constants of the digit test (for a digit byte d
    /// XOR '0': the high nibble clear and d + 6 below 16, i.e. d ≤ 9; no carry can cross bytes once the high nibbles are clear).
    /// </summary>
    private static ulong[] Template(ReadOnlySpan<byte> pattern, int ignore = -1)
    {
        ulong xor = 0, high = 0, six = 0, ten = 0;
        for (var k = 0; k < 8; k++)
        {
            var shift = 8 * k;
            if (k == ignore)
            {
                continue;
            }

            if (pattern[k] == (byte)'0')
            {
                xor |= 0x30UL << shift;
                high |= 0xF0UL << shift;
                six |= 0x06UL << shift;
                ten |= 0x10UL << shift;
            }
            else
            {
                xor |= (ulong)pattern[k] << shift;
                high |= 0xFFUL << shift;
            }
        }

        return [xor, high, six, ten];
    }

    /// <summary>
    /// The fast path of <see cref="TryParseTimestamp"/> for the usual <c>yyyy-MM-dd[T| ]HH:mm:ss</c> start (at least 19 bytes): three
    /// 8-byte words checked against the layout at once (SWAR), the digits taken from them. Returns <see langword="false"/> for anything
    /// else, valid or not, which then takes the general path.
    /// </summary>
    private static bool TryParseDateTimeSeconds(ReadOnlySpan<byte> s, out long ticks)
    {
        ticks = 0;
        var w = DateTimeWords;
        var a = BinaryPrimitives.ReadUInt64LittleEndian(s) ^ w[0];
        var b = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]) ^ w[4];
        var c = BinaryPrimitives.ReadUInt64LittleEndian(s[11..]) ^ w[8];
        var bad = (a & w[1]) | (unchecked(a + w[2]) & w[3])
            | (b & w[5]) | (unchecked(b + w[6]) & w[7])
            | (c & w[9]) | (unchecked(c + w[10]) & w[11]);
        if (bad != 0 || s[10] is not ((byte)'T' or (byte)'t' or (byte)' '))
        {
            return false;
        }

        var year = (Digit(a, 0) * 1000) + (Digit(a, 1) * 100) + (Digit(a, 2) * 10) + Digit(a, 3);
        var month = (Digit(a, 5) * 10) + Digit(a, 6);
        var day = (Digit(b, 0) * 10) + Digit(b, 1);
        var hour = (Digit(c, 0) * 10) + Digit(c, 1);
        var minute = (Digit(c, 3) * 10) + Digit(c, 4);
        var second = (Digit(c, 6) * 10) + Digit(c, 7);
        if (year < 1 || unchecked((uint)(month - 1)) > 11 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        ticks = (DayNumber(year, month, day) * TimeSpan.TicksPerDay) + (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute)
            + (second * TimeSpan.TicksPerSecond);
        return true;

        static int Digit(ulong word, int index) => (int)((word >> (8 * index)) & 0xF);
    }

    /// <summary>The general parse of the date and time before the fraction and offset; <paramref name="end"/> is where they start.</summary>
    private static bool TryParseGeneralPrefix(ReadOnlySpan<byte> s, out long ticks, out int end)
    {
        ticks = 0;
        end = 0;
        int i;
        if (s.Length < 10 || s[4] != (byte)'-' || s[7] != (byte)'-')
        {
            return false;
        }

        var ok = true;
        var year = (Pair(s[0], s[1], ref ok) * 100) + Pair(s[2], s[3], ref ok);
        var month = Pair(s[5], s[6], ref ok);
        var day = Pair(s[8], s[9], ref ok);
        if (!ok || year < 1 || unchecked((uint)(month - 1)) > 11 || day < 1 || day > DaysInMonth(year, month))
        {
            return false;
        }

        ticks = DayNumber(year, month, day) * TimeSpan.TicksPerDay;
        if (s.Length == 10)
        {
            end = 10;
            return true;
        }

        if (s.Length < 16 || s[10] is not ((byte)'T' or (byte)'t' or (byte)' ') || s[13] != (byte)':')
        {
            return false;
        }

        var hour = Pair(s[11], s[12], ref ok);
        var minute = Pair(s[14], s[15], ref ok);
        if (!ok || hour > 23 || minute > 59)
        {
            return false;
        }

        ticks += (hour * TimeSpan.TicksPerHour) + (minute * TimeSpan.TicksPerMinute);
        i = 16;
        if (i < s.Length && s[i] == (byte)':')
        {
            if (s.Length < i + 3)
            {
                return false;
            }

            var second = Pair(s[i + 1], s[i + 2], ref ok);
            if (!ok || second > 59)
            {
                return false;
            }

            ticks += second * TimeSpan.TicksPerSecond;
            i += 3;
            if (!TryFraction(s, ref i, ref ticks))
            {
                return false;
            }
        }

        end = i;
        return true;
    }

    /// <summary>Parses an optional <c>.f{1,7}</c> (more digits are read and ignored) at <paramref name="i"/>, adding it to <paramref name="ticks"/>.</summary>
    private static bool TryFraction(ReadOnlySpan<byte> s, ref int i, ref long ticks)
    {
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

        return true;
    }

    /// <summary>The value of two ASCII digits; clears <paramref name="ok"/> when either is not a digit.</summary>
    private static int Pair(byte tens, byte units, ref bool ok)
    {
        var t = unchecked((uint)(tens - '0')); // wraps for non-digits, which then fail the range test
        var u = unchecked((uint)(units - '0'));
        ok &= t <= 9 & u <= 9;
        return (int)(((t & 0xF) * 10) + (u & 0xF)); // bounded garbage when not ok, which the caller then rejects
    }

    private static readonly int[] DaysBeforeMonth = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

    private static bool IsLeapYear(int year) => (year & 3) == 0 && (year % 100 != 0 || year % 400 == 0);

    /// <summary>The days of a month of the proleptic Gregorian calendar (as <see cref="DateTime.DaysInMonth"/>), month 1–12.</summary>
    private static int DaysInMonth(int year, int month) =>
        DaysBeforeMonth[month] - DaysBeforeMonth[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0);

    /// <summary>Days from 0001-01-01 to a valid date (as <see cref="DateOnly.DayNumber"/>).</summary>
    private static int DayNumber(int year, int month, int day)
    {
        var y = year - 1;
        return (y * 365) + (y / 4) - (y / 100) + (y / 400) + DaysBeforeMonth[month - 1] + (month > 2 && IsLeapYear(year) ? 1 : 0) + day - 1;
    }
}
