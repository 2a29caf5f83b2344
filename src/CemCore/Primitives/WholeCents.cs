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

/// <summary>
/// A money amount packed in one <see cref="long"/> (issue 17: a transaction table's amount and discount columns in 8 bytes per row instead
/// of a 16-byte <see cref="decimal"/>): <c>cents &lt;&lt; 2 | scale</c> for a non-negative decimal (sign bit clear) with at most 2 decimals
/// and a mantissa below 2^32, the amounts <see cref="WholeCents.TryFromAmount"/> converts. <see cref="Unpack"/> gives back the very decimal
/// (value and scale); other amounts do not pack, and their column is kept in decimals.
/// </summary>
internal static class PackedMoney
{
    /// <summary>Packs <paramref name="amount"/>; false when it does not pack (see the class remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPack(decimal amount, out long packed)
    {
        var bits = default(DecimalBits);
        if (WholeCents.TryFromAmount(amount, bits, out var cents, out var scale) && bits[3] >= 0)
        {
            packed = Pack(cents, scale); // the sign bit is clear: not negative, not a negative zero
            return true;
        }

        packed = 0;
        return false;
    }

    /// <summary>Packs a non-negative decimal given by its digits: a mantissa below 2^32 and a scale of at most 2 (the caller checks both).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long FromDigits(ulong mantissa, int scale) => Pack((long)mantissa * (scale == 2 ? 1L : scale == 1 ? 10L : 100L), scale);

    /// <summary>The packed form of <paramref name="cents"/> (below 2^39) written with <paramref name="scale"/> (0 to 2) decimals.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long Pack(long cents, int scale) => (cents << 2) | (long)scale;

    /// <summary>The whole cents of a packed amount.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Cents(long packed) => packed >> 2;

    /// <summary>The decimal scale (0 to 2) of a packed amount.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Scale(long packed) => (int)(packed & 3);

    /// <summary>The decimal that was packed, with its scale.</summary>
    public static decimal Unpack(long packed) => WholeCents.ToAmount(Cents(packed), Scale(packed));

    /// <summary>Room for <see cref="decimal.GetBits(decimal, Span{int})"/> without a stack allocation in the caller.</summary>
    [InlineArray(4)]
    private struct DecimalBits
    {
        private int _element;
    }
}
