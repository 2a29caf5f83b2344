namespace CemCore.Primitives;

/// <summary>
/// Progress of a long-running operation, reported through <see cref="IProgress{T}"/>.
/// The default value reports nothing done of an unknown total.
/// </summary>
/// <param name="Stage">A short, stable stage name such as <c>"read"</c> or <c>"features"</c>; never personal data.</param>
/// <param name="Completed">Items done so far.</param>
/// <param name="Total">Items in all, or <see langword="null"/> when unknown.</param>
public readonly record struct OperationProgress(string Stage, long Completed, long? Total)
{
    /// <summary>Gets the fraction done in [0, 1], or <see langword="null"/> when the total is unknown or zero.</summary>
    public double? Fraction => Total is > 0 ? Math.Clamp((double)Completed / Total.Value, 0.0, 1.0) : null;
}
