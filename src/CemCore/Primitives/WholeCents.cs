using System.Runtime.CompilerServices;

namespace CemCore.Primitives;

/// <summary>
/// Exact conversions between money amounts and whole cents, for the aggregations that sum in integers (RFM's monetary totals and the
/// feature sums, issue 17): table amounts are non-negative decimals, nearly always with at most 2 decimals.
/// </summary>
internal static class WholeCents
{
    /// <summary>
    /// Converts an amount with at most 2 decimals and a mantissa below 2^32 to whole cents (exact) and gives its decimal scale; false
    /// otherwise. The sign is not looked at: <paramref name="bits"/> holds the amount's <see cref="decimal.GetBits(decimal, Span{int})"/>
    /// afterwards (the sign is bit 31 of <c>bits[3]</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryFromAmount(decimal amount, Span<int> bits, out long cents, out int scale)
    {
        decimal.GetBits(amount, bits);
        scale = (bits[3] >> 16) & 0xFF;
        if ((bits[1] | bits[2]) == 0 && scale <= 2)
        {
            // unchecked: bits[0] is the unsigned low word of the mantissa; the product is below 2^32 · 100.
            cents = unchecked((uint)bits[0]) * (scale == 2 ? 1L : scale == 1 ? 10L : 100L);
            return true;
        }

        cents = 0;
        return false;
    }

    /// <summary>The decimal of <paramref name="cents"/> (≥ 0) written with <paramref name="scale"/> (0 to 2) decimals; <paramref
    /// name="cents"/> must be a multiple of 10^(2 − scale), as a sum of amounts of at most that many decimals is.</summary>
    public static decimal ToAmount(long cents, int scale)
    {
        var mantissa = (ulong)(scale == 2 ? cents : scale == 1 ? cents / 10 : cents / 100);
        return new decimal(unchecked((int)(uint)mantissa), unchecked((int)(uint)(mantissa >> 32)), 0, false, (byte)scale);
    }
}
