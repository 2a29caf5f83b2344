namespace CemCore.Rules;

/// <summary>A compiled, immutable condition node. <see cref="Evaluate"/> allocates nothing.</summary>
internal abstract class Node
{
    public abstract bool Evaluate(CustomerContext context);

    public abstract ConditionTrace Explain(CustomerContext context);

    /// <summary>Returns the node to call for evaluation only: a reference evaluates exactly as its target, so the hop is skipped (explanations
    /// still go through the reference, which names it).</summary>
    public static Node ForEvaluation(Node node)
    {
        while (node is RefNode r)
        {
            node = r.Target;
        }

        return node;
    }
}

internal sealed class AllNode(Node[] children) : Node
{
    private readonly Node[] _evaluated = Array.ConvertAll(children, ForEvaluation);

    public override bool Evaluate(CustomerContext context)
    {
        foreach (var c in _evaluated)
        {
            if (!c.Evaluate(context))
            {
                return false;
            }
        }

        return true;
    }

    public override ConditionTrace Explain(CustomerContext context)
    {
        var traces = new ConditionTrace[children.Length];
        var held = true;
        for (var i = 0; i < children.Length; i++)
        {
            traces[i] = children[i].Explain(context);
            held &= traces[i].Held;
        }

        return new ConditionTrace("all", held, null, null, traces);
    }
}

/// <summary>The common two-operand <c>all</c>: two direct calls instead of a loop over an array (same trace as <see cref="AllNode"/>).</summary>
internal sealed class All2Node(Node[] children) : Node
{
    private readonly Node _first = ForEvaluation(children[0]);
    private readonly Node _second = ForEvaluation(children[1]);
    private readonly AllNode _general = new(children);

    public override bool Evaluate(CustomerContext context) => _first.Evaluate(context) && _second.Evaluate(context);

    public override ConditionTrace Explain(CustomerContext context) => _general.Explain(context);
}

/// <summary>The common two-operand <c>any</c> (same trace as <see cref="AnyNode"/>).</summary>
internal sealed class Any2Node(Node[] children) : Node
{
    private readonly Node _first = ForEvaluation(children[0]);
    private readonly Node _second = ForEvaluation(children[1]);
    private readonly AnyNode _general = new(children);

    public override bool Evaluate(CustomerContext context) => _first.Evaluate(context) || _second.Evaluate(context);

    public override ConditionTrace Explain(CustomerContext context) => _general.Explain(context);
}

internal sealed class AnyNode(Node[] children) : Node
{
    private readonly Node[] _evaluated = Array.ConvertAll(children, ForEvaluation);

    public override bool Evaluate(CustomerContext context)
    {
        foreach (var c in _evaluated)
        {
            if (c.Evaluate(context))
            {
                return true;
            }
        }

        return false;
    }

    public override ConditionTrace Explain(CustomerContext context)
    {
        var traces = new ConditionTrace[children.Length];
        var held = false;
        for (var i = 0; i < children.Length; i++)
        {
            traces[i] = children[i].Explain(context);
            held |= traces[i].Held;
        }

        return new ConditionTrace("any", held, null, null, traces);
    }
}

internal sealed class NotNode(Node operand) : Node
{
    private readonly Node _evaluated = ForEvaluation(operand);

    public override bool Evaluate(CustomerContext context) => !_evaluated.Evaluate(context);

    public override ConditionTrace Explain(CustomerContext context)
    {
        var inner = operand.Explain(context);
        return new ConditionTrace("not", !inner.Held, null, null, [inner]);
    }
}

internal sealed class RefNode(string name, Node target) : Node
{
    public Node Target => target;

    public override bool Evaluate(CustomerContext context) => target.Evaluate(context);

    public override ConditionTrace Explain(CustomerContext context)
    {
        var inner = target.Explain(context);
        return new ConditionTrace("ref('" + name + "')", inner.Held, null, null, [inner]);
    }
}

/// <summary>Base of field tests: the explanation shows the canonical text and the value seen.</summary>
internal abstract class FieldNode(FieldAccessor accessor, string description) : Node
{
    protected FieldAccessor Accessor { get; } = accessor;

    public override ConditionTrace Explain(CustomerContext context) =>
        new(description, Evaluate(context), Accessor.Name, Accessor.Format(context), []);
}

internal sealed class PresenceNode(FieldAccessor accessor, string description, bool wantPresent) : FieldNode(accessor, description)
{
    public override bool Evaluate(CustomerContext context) => Accessor.IsPresent(context) == wantPresent;
}

internal sealed class NumberNode(NumberAccessor accessor, string description, ConditionOperator op, double a, double b, double[] set)
    : FieldNode(accessor, description)
{
    private readonly NumberGetter _get = accessor.Getter;

    public override bool Evaluate(CustomerContext context)
    {
        if (!_get(context, out var v))
        {
            return false;
        }

        switch (op)
        {
            case ConditionOperator.Equal: return v == a;
            case ConditionOperator.NotEqual: return v != a;
            case ConditionOperator.LessThan: return v < a;
            case ConditionOperator.LessThanOrEqual: return v <= a;
            case ConditionOperator.GreaterThan: return v > a;
            case ConditionOperator.GreaterThanOrEqual: return v >= a;
            case ConditionOperator.Between: return v >= a && v <= b;
            case ConditionOperator.In: return Array.IndexOf(set, v) >= 0;
            case ConditionOperator.NotIn: return Array.IndexOf(set, v) < 0;
            default: return false;
        }
    }
}

/// <summary>Instant tests on UTC ticks. Time windows use the context's as-of: <c>withinLastDays</c> is [as-of − d, as-of).</summary>
internal sealed class InstantNode(InstantAccessor accessor, string description, ConditionOperator op, long a, long b) : FieldNode(accessor, description)
{
    private readonly InstantGetter _get = accessor.Getter;

    public override bool Evaluate(CustomerContext context)
    {
        if (!_get(context, out var instant))
        {
            return false;
        }

        var v = instant.UtcTicks;
        switch (op)
        {
            case ConditionOperator.Equal: return v == a;
            case ConditionOperator.NotEqual: return v != a;
            case ConditionOperator.LessThan: return v < a;
            case ConditionOperator.LessThanOrEqual: return v <= a;
            case ConditionOperator.GreaterThan: return v > a;
            case ConditionOperator.GreaterThanOrEqual: return v >= a;
            case ConditionOperator.Between: return v >= a && v <= b;
            case ConditionOperator.WithinLastDays:
                {
                    // a = window length in ticks (≤ MaxDays, so no overflow: UtcTicks ≥ 0).
                    var asOf = context.AsOf.UtcTicks;
                    return v >= asOf - a && v < asOf;
                }

            case ConditionOperator.OlderThanDays: return v < context.AsOf.UtcTicks - a;
            default: return false;
        }
    }
}

internal sealed class TextNode(TextAccessor accessor, string description, ConditionOperator op, string[] values) : FieldNode(accessor, description)
{
    private readonly TextGetter _get = accessor.Getter;

    public override bool Evaluate(CustomerContext context)
    {
        if (!_get(context, out var v))
        {
            return false;
        }

        var found = false;
        foreach (var s in values)
        {
            if (string.Equals(v, s, StringComparison.OrdinalIgnoreCase))
            {
                found = true;
                break;
            }
        }

        return op is ConditionOperator.Equal or ConditionOperator.In ? found : !found;
    }
}

/// <summary>eq/ne/in/notIn on an enumerated field: one bit test on the enum number.</summary>
internal sealed class EnumNode(EnumAccessor accessor, string description, ulong mask, bool negate) : FieldNode(accessor, description)
{
    private readonly EnumGetter _get = accessor.Getter;

    public override bool Evaluate(CustomerContext context)
    {
        if (!_get(context, out var v))
        {
            return false;
        }

        var found = (uint)v < 64u && ((mask >> v) & 1UL) != 0;
        return found != negate;
    }
}

internal sealed class TextListNode(TextListAccessor accessor, string description, bool requireAll, string[] values) : FieldNode(accessor, description)
{
    private readonly TextListGetter _get = accessor.Getter;

    public override bool Evaluate(CustomerContext context)
    {
        if (!_get(context, out var list))
        {
            return false;
        }

        foreach (var s in values)
        {
            var has = Contains(list, s);
            if (requireAll && !has)
            {
                return false;
            }

            if (!requireAll && has)
            {
                return true;
            }
        }

        return requireAll;
    }

    private static bool Contains(IReadOnlyList<string> list, string value)
    {
        if (list is string[] array)
        {
            // The usual case (profile tags are stored as an array): direct element reads instead of an interface call per element,
            // which on an array goes through the runtime's slower array-interface dispatch (issue 17, the < 200 ns per customer goal).
            foreach (var item in array)
            {
                if (string.Equals(item, value, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
