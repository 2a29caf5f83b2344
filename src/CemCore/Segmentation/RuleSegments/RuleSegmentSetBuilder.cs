using CemCore.Rules;

namespace CemCore.Segmentation.RuleSegments;

/// <summary>
/// Collects segment definitions (and helper conditions they can reference) and builds a validated <see cref="RuleSegmentSet"/>.
/// </summary>
/// <remarks>
/// <para>Segments and helper conditions share one namespace: a segment can be defined in terms of another with
/// <c>Condition.Ref("Other segment")</c>. Unknown fields, wrong operand types, unknown references, reference cycles and contradictory
/// ranges fail in <see cref="Build"/> with a <see cref="RuleDefinitionException"/> listing every problem.</para>
/// <para>Mutable, not thread-safe, single-use.</para>
/// </remarks>
public sealed class RuleSegmentSetBuilder
{
    private readonly ConditionSetBuilder _conditions;
    private readonly List<(string Name, SegmentKind Kind, string? Description)> _segments = [];
    private readonly List<string> _helpers = [];
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="registry">The field registry; <see langword="null"/> for <see cref="FieldRegistry.Default"/>.</param>
    public RuleSegmentSetBuilder(FieldRegistry? registry = null) => _conditions = new ConditionSetBuilder(registry);

    /// <summary>Adds a named helper condition (not a segment) that segments can reference.</summary>
    /// <param name="name">A unique name.</param>
    /// <param name="condition">The definition.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException"><see cref="Build"/> was already called.</exception>
    public RuleSegmentSetBuilder AddCondition(string name, Condition condition) =>
        AddCondition(name, condition, "conditions['" + name + "']");

    /// <summary>Adds a segment.</summary>
    /// <param name="name">A unique name (also usable in <c>ref</c>).</param>
    /// <param name="kind">The kind.</param>
    /// <param name="condition">The membership condition.</param>
    /// <param name="description">A description for marketers, or <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not defined.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Build"/> was already called.</exception>
    public RuleSegmentSetBuilder AddSegment(string name, SegmentKind kind, Condition condition, string? description = null) =>
        AddSegment(name, kind, condition, description, "segments['" + name + "']");

    internal RuleSegmentSetBuilder AddCondition(string name, Condition condition, string path)
    {
        ThrowIfBuilt();
        _conditions.Add(name, condition, path);
        _helpers.Add(name);
        return this;
    }

    internal RuleSegmentSetBuilder AddSegment(string name, SegmentKind kind, Condition condition, string? description, string path)
    {
        ThrowIfBuilt();
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a defined SegmentKind.");
        }

        _conditions.Add(name, condition, path);
        _segments.Add((name, kind, string.IsNullOrWhiteSpace(description) ? null : description));
        return this;
    }

    internal ConditionSetBuilder Conditions => _conditions;

    /// <summary>Validates and compiles every definition.</summary>
    /// <returns>The immutable, thread-safe set.</returns>
    /// <exception cref="RuleDefinitionException">Any definition is invalid; every problem is listed with its path.</exception>
    /// <exception cref="InvalidOperationException">Already built.</exception>
    public RuleSegmentSet Build()
    {
        ThrowIfBuilt();
        _built = true;
        var set = _conditions.Build();
        var segments = new RuleSegment[_segments.Count];
        for (var i = 0; i < segments.Length; i++)
        {
            var (name, kind, description) = _segments[i];
            segments[i] = new RuleSegment(i, name, kind, description, set[name]);
        }

        return new RuleSegmentSet(set, segments, _helpers.AsReadOnly());
    }

    private void ThrowIfBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("The builder was already built; create a new builder.");
        }
    }
}
