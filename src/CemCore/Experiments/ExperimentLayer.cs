namespace CemCore.Experiments;

/// <summary>A slice [Start, End) of a layer's unit interval owned by one experiment.</summary>
/// <remarks>Immutable; value equality (by experiment reference).</remarks>
public sealed record LayerSlot
{
    /// <summary>Creates a slot.</summary>
    /// <param name="experiment">The experiment.</param>
    /// <param name="start">Inclusive start in [0, 1).</param>
    /// <param name="end">Exclusive end in (start, 1].</param>
    /// <exception cref="ArgumentException">Bounds out of range.</exception>
    public LayerSlot(Experiment experiment, double start, double end)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        if (start is not (>= 0.0 and < 1.0) || end is not (> 0.0 and <= 1.0) || !(end > start))
        {
            throw new ArgumentOutOfRangeException(nameof(start), start, $"A slot needs 0 ≤ start < end ≤ 1 but has start {start} and end {end}.");
        }

        Experiment = experiment;
        Start = start;
        End = end;
    }

    /// <summary>Gets the experiment.</summary>
    public Experiment Experiment { get; }

    /// <summary>Gets the inclusive start.</summary>
    public double Start { get; }

    /// <summary>Gets the exclusive end.</summary>
    public double End { get; }
}

/// <summary>The assignment of a customer within a layer.</summary>
/// <param name="SlotIndex">The slot (experiment) index, or −1 when held out or in no slot.</param>
/// <param name="Assignment">The assignment within that experiment (status HeldOut / NotInLayerSlot otherwise).</param>
public readonly record struct LayerAssignment(int SlotIndex, Assignment Assignment);

/// <summary>
/// Mutually exclusive experiments: a layer splits customers by its own hash (same scheme as <see cref="Experiment"/>, with the layer's
/// key and salt; layer point = variant point) into non-overlapping slots, one per experiment, so a customer is in at most one experiment
/// of the layer. An optional holdout (layer traffic point &lt; <see cref="HoldoutFraction"/>) excludes customers from every experiment
/// of the layer, for measuring the combined effect of all launches.
/// </summary>
/// <remarks>Immutable and thread-safe; assignment allocates nothing in steady state.</remarks>
public sealed class ExperimentLayer
{
    private readonly ulong _seed;
    private readonly LayerSlot[] _slots;

    /// <summary>Creates a layer.</summary>
    /// <param name="key">Layer key.</param>
    /// <param name="slots">Non-overlapping slots.</param>
    /// <param name="holdoutFraction">Share of customers held out of all experiments, in [0, 1); default 0.</param>
    /// <param name="salt">Layer salt.</param>
    /// <exception cref="ArgumentException">Overlapping slots, bad holdout, empty key.</exception>
    public ExperimentLayer(string key, IReadOnlyList<LayerSlot> slots, double holdoutFraction = 0.0, string salt = "")
    {
        Key = Primitives.Check.NotBlank(key);
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentNullException.ThrowIfNull(salt);
        if (holdoutFraction is not (>= 0.0 and < 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, $"holdoutFraction must be in [0, 1) but was {holdoutFraction}.");
        }

        _slots = [.. slots];
        var sorted = _slots.OrderBy(s => s.Start).ToArray();
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Start < sorted[i - 1].End)
            {
                throw new ArgumentException($"Slots overlap: [{sorted[i - 1].Start}, {sorted[i - 1].End}) and [{sorted[i].Start}, {sorted[i].End}).", nameof(slots));
            }
        }

        HoldoutFraction = holdoutFraction;
        _seed = Experiment.ComputeSeed(key, salt);
    }

    /// <summary>Gets the layer key.</summary>
    public string Key { get; }

    /// <summary>Gets the holdout fraction.</summary>
    public double HoldoutFraction { get; }

    /// <summary>Gets the slots.</summary>
    public IReadOnlyList<LayerSlot> Slots => _slots;

    /// <summary>Assigns a customer to at most one experiment of the layer.</summary>
    /// <param name="customerId">The customer id.</param>
    /// <returns>The layer assignment.</returns>
    public LayerAssignment Assign(ReadOnlySpan<char> customerId)
    {
        const double Scale = 1.0 / 4294967296.0;
        var h = Experiment.Hash(_seed, customerId);
        if (((uint)(h & 0xFFFFFFFFUL) * Scale) < HoldoutFraction)
        {
            return new LayerAssignment(-1, new Assignment(AssignmentStatus.HeldOut, -1));
        }

        var p = (uint)(h >> 32) * Scale;
        for (var i = 0; i < _slots.Length; i++)
        {
            if (p >= _slots[i].Start && p < _slots[i].End)
            {
                return new LayerAssignment(i, _slots[i].Experiment.Assign(customerId));
            }
        }

        return new LayerAssignment(-1, new Assignment(AssignmentStatus.NotInLayerSlot, -1));
    }
}
