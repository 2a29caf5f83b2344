namespace CemCore.Experiments;

/// <summary>Why a customer did or did not get a variant.</summary>
public enum AssignmentStatus
{
    /// <summary>Outside the experiment's traffic fraction (not exposed; not counted). The default.</summary>
    NotInTraffic = 0,

    /// <summary>Assigned to <see cref="Assignment.VariantIndex"/>.</summary>
    Assigned = 1,

    /// <summary>In the layer's holdout group: excluded from every experiment of the layer.</summary>
    HeldOut = 2,

    /// <summary>The layer gave this customer's slot to another experiment (or to no experiment).</summary>
    NotInLayerSlot = 3,
}

/// <summary>The result of assigning one customer.</summary>
/// <remarks>The default value is <see cref="AssignmentStatus.NotInTraffic"/>. <see cref="VariantIndex"/> is meaningful only when
/// <see cref="IsAssigned"/>. Immutable; value equality.</remarks>
/// <param name="Status">The status.</param>
/// <param name="VariantIndex">The variant index (0-based, into <see cref="Experiment.Variants"/>) when assigned; −1 otherwise.</param>
public readonly record struct Assignment(AssignmentStatus Status, int VariantIndex)
{
    /// <summary>Gets a value indicating whether the customer got a variant.</summary>
    public bool IsAssigned => Status == AssignmentStatus.Assigned;
}

/// <summary>One arm of an experiment.</summary>
/// <remarks>Immutable; value equality.</remarks>
public sealed record Variant
{
    /// <summary>Creates a variant.</summary>
    /// <param name="name">A short, non-empty name (e.g. "control", "personalized").</param>
    /// <param name="weight">The share of the experiment's traffic in (0, 1]; the weights of an experiment sum to 1.</param>
    /// <param name="isControl">Whether this is the control (baseline) arm; exactly one variant of an experiment is the control.</param>
    /// <exception cref="ArgumentException">Empty name or weight outside (0, 1].</exception>
    public Variant(string name, double weight, bool isControl = false)
    {
        Name = Primitives.Check.NotBlank(name);
        if (weight is not (> 0.0 and <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, $"weight must be in (0, 1] but was {weight}.");
        }

        Weight = weight;
        IsControl = isControl;
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the weight in (0, 1].</summary>
    public double Weight { get; }

    /// <summary>Gets a value indicating whether this is the control arm.</summary>
    public bool IsControl { get; }
}
