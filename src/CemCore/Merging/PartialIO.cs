using System.Text;

namespace CemCore.Merging;

/// <summary>
/// Reads and writes the common header of serialized partials and the payload primitives (docs/scale-out.md, "Serialized form").
/// </summary>
/// <remarks>
/// Layout, little-endian: the 4 ASCII bytes <c>CEMP</c>; the kind id (7-bit-encoded byte length, UTF-8); the format version (int32);
/// the settings fingerprint (uint64); then the kind's payload. Payload primitives: int32/int64 two's complement, double as its IEEE-754
/// bits, decimal as the four int32 of <see cref="decimal.GetBits(decimal)"/>, strings as 7-bit-encoded length + UTF-8.
/// </remarks>
internal static class PartialIO
{
    private static readonly UTF8Encoding Utf8 = new(false, true);

    private static ReadOnlySpan<byte> Magic => "CEMP"u8;

    public static BinaryWriter BeginWrite(Stream stream, PartialFormat format)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var w = new BinaryWriter(stream, Utf8, leaveOpen: true);
        w.Write(Magic);
        w.Write(format.Kind);
        w.Write(format.Version);
        w.Write(format.Fingerprint);
        return w;
    }

    /// <summary>Reads the header, checks kind and version, runs <paramref name="body"/> and checks its fingerprint.</summary>
    public static T Read<T>(Stream stream, string kind, int version, Func<BinaryReader, T> body)
        where T : class, IMergeable<T> =>
        Read(stream, kind, version, version, (r, _) => body(r));

    /// <summary>Reads a partial of any version in [<paramref name="minVersion"/>, <paramref name="maxVersion"/>] (a newer version of a
    /// kind keeps reading the older ones); <paramref name="body"/> gets the version read.</summary>
    public static T Read<T>(Stream stream, string kind, int minVersion, int maxVersion, Func<BinaryReader, int, T> body)
        where T : class, IMergeable<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var r = new BinaryReader(stream, Utf8, leaveOpen: true);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            r.BaseStream.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic))
            {
                throw new InvalidDataException("The stream is not a CemCore partial (the header does not start with 'CEMP').");
            }

            var k = r.ReadString();
            if (k != kind)
            {
                throw new PartialMismatchException($"The stream holds a partial of kind '{k}' but '{kind}' was expected.");
            }

            var v = r.ReadInt32();
            if (v < minVersion || v > maxVersion)
            {
                throw new PartialMismatchException(minVersion == maxVersion
                    ? $"The {kind} partial has format version {v}; this build reads version {maxVersion} only."
                    : $"The {kind} partial has format version {v}; this build reads versions {minVersion} to {maxVersion}.");
            }

            var fingerprint = r.ReadUInt64();
            var result = body(r, v);
            var actual = result.Format.Fingerprint;
            if (actual != fingerprint)
            {
                throw new InvalidDataException($"The {kind} partial is corrupt: its settings do not match the header's fingerprint.");
            }

            return result;
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"The {kind} partial is truncated.", ex);
        }
        catch (Exception ex) when (ex is ArgumentException or OverflowException or FormatException or DecoderFallbackException)
        {
            throw new InvalidDataException($"The {kind} partial is corrupt: {ex.Message}", ex);
        }
    }

    public static void WriteDecimal(this BinaryWriter w, decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        foreach (var b in bits)
        {
            w.Write(b);
        }
    }

    public static decimal ReadDecimal(this BinaryReader r)
    {
        Span<int> bits = [r.ReadInt32(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32()];
        return new decimal(bits);
    }

    public static int ReadCount(this BinaryReader r, string what)
    {
        var n = r.ReadInt32();
        return n >= 0 ? n : throw new InvalidDataException($"The partial is corrupt: a negative {what} count ({n}).");
    }

    public static long ReadNonNegative(this BinaryReader r, string what)
    {
        var n = r.ReadInt64();
        return n >= 0 ? n : throw new InvalidDataException($"The partial is corrupt: a negative {what} ({n}).");
    }

    public static double ReadFinite(this BinaryReader r, string what)
    {
        var d = r.ReadDouble();
        return double.IsFinite(d) ? d : throw new InvalidDataException($"The partial is corrupt: {what} is not finite.");
    }
}
