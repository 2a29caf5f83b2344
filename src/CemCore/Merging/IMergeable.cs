namespace CemCore.Merging;

/// <summary>
/// The one shape of every partial result in CemCore: partition → accumulate → merge → finalize, with a versioned binary form so
/// partials can cross process and machine boundaries (docs/scale-out.md).
/// </summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
/// <remarks>
/// <para>Merging is associative and commutative: any partitioning of the input and any merge order or tree give the one-pass answer
/// (bit for bit for the exact accumulators; see the tolerance table in docs/scale-out.md for the rest).</para>
/// <para>Partials of a different <see cref="PartialFormat.Kind"/>, <see cref="PartialFormat.Version"/> or
/// <see cref="PartialFormat.Fingerprint"/> (settings) refuse to merge with a <see cref="PartialMismatchException"/>.</para>
/// </remarks>
public interface IMergeable<TSelf>
    where TSelf : class, IMergeable<TSelf>
{
    /// <summary>Gets the kind id, format version and settings fingerprint of this partial.</summary>
    PartialFormat Format { get; }

    /// <summary>
    /// Merges <paramref name="other"/> with this partial and returns the merge. Mutable accumulators fold <paramref name="other"/> into
    /// this instance and return it; immutable partials return a new instance. Callers always use the return value.
    /// </summary>
    /// <param name="other">A partial of the same kind, version and settings; it is not modified.</param>
    /// <returns>The merged partial.</returns>
    /// <exception cref="PartialMismatchException">The formats differ.</exception>
    TSelf MergeWith(TSelf other);

    /// <summary>Writes the partial: the header (magic, kind, version, fingerprint) then the kind's payload.</summary>
    /// <param name="stream">A writable stream; left open.</param>
    void WriteTo(Stream stream);

    /// <summary>Reads a partial written by <see cref="WriteTo"/>.</summary>
    /// <param name="stream">A readable stream positioned at the header; left open.</param>
    /// <returns>The partial.</returns>
    /// <exception cref="PartialMismatchException">The stream holds another kind or an unsupported version.</exception>
    /// <exception cref="InvalidDataException">The stream is not a CemCore partial or is truncated or corrupt.</exception>
    static abstract TSelf ReadFrom(Stream stream);
}

/// <summary>A mergeable partial with a finalize step.</summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
/// <typeparam name="TResult">The finalized result.</typeparam>
public interface IMergeable<TSelf, out TResult> : IMergeable<TSelf>
    where TSelf : class, IMergeable<TSelf, TResult>
{
    /// <summary>Finalizes the (merged) partial into its result.</summary>
    /// <returns>The result.</returns>
    TResult Finish();
}
