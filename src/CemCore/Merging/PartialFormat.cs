using System.Globalization;
using System.Text;

namespace CemCore.Merging;

/// <summary>The header of a serialized partial: what it is, in which format version, computed under which settings.</summary>
/// <param name="Kind">The kind id, e.g. <c>cemcore.kpis.sales</c>.</param>
/// <param name="Version">The payload format version of the kind.</param>
/// <param name="Fingerprint">The 64-bit FNV-1a hash of the canonical settings text (0 for a kind without settings).</param>
public readonly record struct PartialFormat(string Kind, int Version, ulong Fingerprint)
{
    /// <summary>Returns a readable form, e.g. <c>cemcore.kpis.sales v1 settings 0x0000000000000000</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Kind} v{Version} settings 0x{Fingerprint:x16}");

    /// <summary>Computes a settings fingerprint: the 64-bit FNV-1a hash of the UTF-8 bytes of a canonical settings text.</summary>
    /// <param name="canonicalSettings">The settings written in a fixed, culture-invariant form.</param>
    /// <returns>The fingerprint.</returns>
    public static ulong FingerprintOf(string canonicalSettings)
    {
        ArgumentNullException.ThrowIfNull(canonicalSettings);
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(canonicalSettings))
        {
            hash = unchecked((hash ^ b) * 1099511628211UL);
        }

        return hash;
    }

    /// <summary>The version-1 format of a kind without settings (fingerprint of the empty text).</summary>
    internal static PartialFormat WithoutSettings(string kind) => new(kind, 1, FingerprintOf(string.Empty));

    /// <summary>The shared body of <see cref="IMergeable{TSelf}.MergeWith"/> for mutable accumulators: check the formats, fold
    /// <paramref name="other"/> into <paramref name="self"/> with <paramref name="merge"/>, return <paramref name="self"/>.</summary>
    internal static T Fold<T>(T self, T other, Action<T> merge)
        where T : class, IMergeable<T>
    {
        ArgumentNullException.ThrowIfNull(other);
        self.Format.EnsureMergeable(other.Format);
        merge(other);
        return self;
    }

    /// <summary>Throws unless <paramref name="other"/> equals this format.</summary>
    /// <param name="other">The other partial's format.</param>
    /// <exception cref="PartialMismatchException">Kind, version or settings differ.</exception>
    internal void EnsureMergeable(PartialFormat other)
    {
        if (other != this)
        {
            throw new PartialMismatchException(
                $"Cannot merge a partial of {other} into one of {this}: "
                + (other.Kind != Kind ? "the kinds differ." : other.Version != Version ? "the format versions differ." : "they were computed with different settings."));
        }
    }
}

/// <summary>Thrown when partials of different kinds, format versions or settings are merged, or a stream holds another kind or an unsupported version.</summary>
public sealed class PartialMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PartialMismatchException()
        : base("The partials do not match.")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public PartialMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public PartialMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
