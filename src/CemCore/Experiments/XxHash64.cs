using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CemCore.Experiments;

/// <summary>
/// XXH64 (Yann Collet, xxHash specification v0.1.1, github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), implemented from
/// the specification in safe code. Platform-independent: little-endian lane reads on every machine. Tested against the
/// published vectors (XXH64("", 0) = EF46DB3751D8E999, XXH64("abc", 0) = 44BC2CF5AD770999, …) and an independent Python implementation.
/// </summary>
internal static class XxHash64
{
    private const ulong P1 = 0x9E3779B185EBCA87UL;
    private const ulong P2 = 0xC2B2AE3D27D4EB4FUL;
    private const ulong P3 = 0x165667B19E3779F9UL;
    private const ulong P4 = 0x85EBCA77C2B2AE63UL;
    private const ulong P5 = 0x27D4EB2F165667C5UL;

    public static ulong Hash(ReadOnlySpan<byte> data, ulong seed = 0)
    {
        // unchecked: the algorithm is defined with wrap-around 64-bit arithmetic.
        unchecked
        {
            var length = data.Length;
            ulong acc;
            var i = 0;
            if (length >= 32)
            {
                var v1 = seed + P1 + P2;
                var v2 = seed + P2;
                var v3 = seed;
                var v4 = seed - P1;
                while (i + 32 <= length)
                {
                    v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8)));
                    v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 8, 8)));
                    v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 16, 8)));
                    v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i + 24, 8)));
                    i += 32;
                }

                acc = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
                acc = MergeRound(acc, v1);
                acc = MergeRound(acc, v2);
                acc = MergeRound(acc, v3);
                acc = MergeRound(acc, v4);
            }
            else
            {
                acc = seed + P5;
            }

            acc += (ulong)length;
            while (i + 8 <= length)
            {
                acc ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data.Slice(i, 8)));
                acc = (BitOperations.RotateLeft(acc, 27) * P1) + P4;
                i += 8;
            }

            if (i + 4 <= length)
            {
                acc ^= BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i, 4)) * P1;
                acc = (BitOperations.RotateLeft(acc, 23) * P2) + P3;
                i += 4;
            }

            while (i < length)
            {
                acc ^= data[i] * P5;
                acc = BitOperations.RotateLeft(acc, 11) * P1;
                i++;
            }

            return Avalanche(acc);
        }
    }

    /// <summary>
    /// XXH64 of the UTF-8 bytes of an id shorter than 32 characters, read straight from its UTF-16 characters: for ASCII text the UTF-8
    /// bytes are the characters themselves, so no byte buffer is filled. Returns <see langword="false"/> (and no hash) when a character
    /// is not ASCII or the id is 32 characters or longer; the caller then encodes the id.
    /// </summary>
    /// <param name="text">The id.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="hash">The hash of the UTF-8 bytes of <paramref name="text"/> when the method returns <see langword="true"/>.</param>
    /// <returns>Whether the id was short and ASCII.</returns>
    public static bool TryHashShortAscii(ReadOnlySpan<char> text, ulong seed, out ulong hash)
    {
        // Ids under 8 characters (the common short numeric or prefixed ids) take a path without the 8-byte lane loop: in one method
        // with that loop the JIT kept the accumulator in a stack slot, so every step of the hash's dependency chain went through a
        // store and a load (issue 17, Zen 3: 15.1 ns per hash of a 6-character id).
        var length = text.Length;
        if (length >= 8)
        {
            return TryHashAsciiWithLanes(text, seed, out hash);
        }

        return TryHashAsciiTail(text, unchecked(seed + P5 + (ulong)length), 0, out hash);
    }

    /// <summary><see cref="TryHashShortAscii"/> for ids of 8 characters or more (false from 32 on).</summary>
    private static bool TryHashAsciiWithLanes(ReadOnlySpan<char> text, ulong seed, out ulong hash)
    {
        unchecked
        {
            var length = text.Length;
            hash = 0;
            if (length >= 32)
            {
                return false;
            }

            var any = 0;
            var acc = seed + P5 + (ulong)length;
            var i = 0;
            while (i + 8 <= length)
            {
                var s = text.Slice(i, 8);
                int c0 = s[0], c1 = s[1], c2 = s[2], c3 = s[3], c4 = s[4], c5 = s[5], c6 = s[6], c7 = s[7];
                any |= c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7;
                var lane = (uint)c0 | ((ulong)(uint)c1 << 8) | ((ulong)(uint)c2 << 16) | ((ulong)(uint)c3 << 24)
                    | ((ulong)(uint)c4 << 32) | ((ulong)(uint)c5 << 40) | ((ulong)(uint)c6 << 48) | ((ulong)(uint)c7 << 56);
                acc ^= Round(0, lane);
                acc = (BitOperations.RotateLeft(acc, 27) * P1) + P4;
                i += 8;
            }

            return TryHashAsciiTail(text[i..], acc, any, out hash);
        }
    }

    /// <summary>
    /// The end of XXH64 over fewer than 8 ASCII characters: one 4-byte step when 4 or more are left, then one step per character, then
    /// the avalanche. <paramref name="any"/> is the OR of the characters already hashed; false (and no hash) when one is not ASCII.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryHashAsciiTail(ReadOnlySpan<char> tail, ulong acc, int any, out ulong hash)
    {
        unchecked
        {
            var i = 0;
            if (tail.Length >= 4)
            {
                int c0 = tail[0], c1 = tail[1], c2 = tail[2], c3 = tail[3];
                any |= c0 | c1 | c2 | c3;
                var lane = (uint)c0 | ((uint)c1 << 8) | ((uint)c2 << 16) | ((uint)c3 << 24);
                acc ^= lane * P1;
                acc = (BitOperations.RotateLeft(acc, 23) * P2) + P3;
                i = 4;
            }

            for (; i < tail.Length; i++)
            {
                int c = tail[i];
                any |= c;
                acc ^= (ulong)(uint)c * P5;
                acc = BitOperations.RotateLeft(acc, 11) * P1;
            }

            hash = 0;
            if (any >= 0x80)
            {
                return false;
            }

            hash = Avalanche(acc);
            return true;
        }
    }

    private static ulong Avalanche(ulong acc)
    {
        unchecked
        {
            acc ^= acc >> 33;
            acc *= P2;
            acc ^= acc >> 29;
            acc *= P3;
            acc ^= acc >> 32;
            return acc;
        }
    }

    private static ulong Round(ulong acc, ulong lane)
    {
        unchecked
        {
            acc += lane * P2;
            return BitOperations.RotateLeft(acc, 31) * P1;
        }
    }

    private static ulong MergeRound(ulong acc, ulong v)
    {
        unchecked
        {
            acc ^= Round(0, v);
            return (acc * P1) + P4;
        }
    }
}
