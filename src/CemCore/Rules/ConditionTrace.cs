using System.Text;

namespace CemCore.Rules;

/// <summary>
/// The explanation of one condition evaluated for one customer: whether it held, the value seen, and the explanations of its operands.
/// </summary>
/// <remarks>
/// <para>Produced by <see cref="CompiledCondition.Explain"/> (allocates; use it for audits and debugging, not the hot path). Unlike
/// <see cref="CompiledCondition.Evaluate"/>, explaining evaluates every operand of <c>all</c>/<c>any</c> (no short-circuit), so the trace
/// shows every condition; <see cref="Held"/> is always equal to what <see cref="CompiledCondition.Evaluate"/> returns.</para>
/// <para>Observed values are profile and feature values of the customer (for example the city): treat traces as customer data. The
/// customer id is never part of a trace.</para>
/// </remarks>
public sealed class ConditionTrace
{
    internal ConditionTrace(string description, bool held, string? field, string? observedValue, IReadOnlyList<ConditionTrace> children)
    {
        Description = description;
        Held = held;
        Field = field;
        ObservedValue = observedValue;
        Children = children;
    }

    /// <summary>Gets the condition in canonical text form for field tests (<c>features.recencyDays &gt; 180</c>), or <c>all</c>,
    /// <c>any</c>, <c>not</c>, <c>ref('name')</c> for composites.</summary>
    public string Description { get; }

    /// <summary>Gets whether the condition held.</summary>
    public bool Held { get; }

    /// <summary>Gets the field tested, or <see langword="null"/> for composites.</summary>
    public string? Field { get; }

    /// <summary>Gets the value seen (invariant culture; instants ISO-8601; lists as <c>[a, b]</c>), or <see langword="null"/> when the field
    /// was missing or this is a composite.</summary>
    public string? ObservedValue { get; }

    /// <summary>Gets whether this is a field test whose field was missing.</summary>
    public bool IsMissing => Field is not null && ObservedValue is null;

    /// <summary>Gets the operand explanations (empty for field tests).</summary>
    public IReadOnlyList<ConditionTrace> Children { get; }

    /// <summary>Returns an indented tree, one condition per line, e.g. <c>✓ features.recencyDays &gt; 180 (seen 212.5)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        Append(sb, 0);
        return sb.ToString().TrimEnd('\n');
    }

    private void Append(StringBuilder sb, int depth)
    {
        sb.Append(' ', depth * 2).Append(Held ? "✓ " : "✗ ").Append(Description);
        if (Field is not null)
        {
            sb.Append(ObservedValue is null ? " (missing)" : " (seen " + ObservedValue + ")");
        }

        sb.Append('\n');
        foreach (var c in Children)
        {
            c.Append(sb, depth + 1);
        }
    }
}
