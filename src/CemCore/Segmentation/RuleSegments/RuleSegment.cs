using CemCore.Rules;

namespace CemCore.Segmentation.RuleSegments;

/// <summary>The kind of a rule-based segment: what it says about the customer.</summary>
public enum SegmentKind
{
    /// <summary>Where the customer is: region, city, city tier. JSON: <c>geographic</c>.</summary>
    Geographic = 0,

    /// <summary>Who the customer is: age band, gender, occupation. JSON: <c>demographic</c>.</summary>
    Demographic = 1,

    /// <summary>What the customer does: frequency, recency, spend, channel mix, category affinity, return rate. JSON: <c>behavioural</c> (or <c>behavioral</c>).</summary>
    Behavioural = 2,

    /// <summary>What the customer values: tags and attributes such as lifestyle. JSON: <c>psychographic</c>.</summary>
    Psychographic = 3,

    /// <summary>A combination of the above, such as "tier-1 sneaker fans". JSON: <c>mixed</c>.</summary>
    Mixed = 4,
}

/// <summary>One compiled rule-based segment of a <see cref="RuleSegmentSet"/>.</summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class RuleSegment
{
    internal RuleSegment(int index, string name, SegmentKind kind, string? description, CompiledCondition condition)
    {
        Index = index;
        Name = name;
        Kind = kind;
        Description = description;
        Condition = condition;
    }

    /// <summary>Gets the position of the segment in <see cref="RuleSegmentSet.Segments"/> and in membership spans.</summary>
    public int Index { get; }

    /// <summary>Gets the unique name (case-sensitive).</summary>
    public string Name { get; }

    /// <summary>Gets the kind.</summary>
    public SegmentKind Kind { get; }

    /// <summary>Gets the description for marketers, or <see langword="null"/>.</summary>
    public string? Description { get; }

    /// <summary>Gets the compiled membership condition.</summary>
    public CompiledCondition Condition { get; }

    /// <summary>Returns whether the customer is a member (no allocation).</summary>
    /// <param name="context">The customer.</param>
    /// <returns><see langword="true"/> for a member.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public bool IsMember(CustomerContext context) => Condition.Evaluate(context);

    /// <summary>Explains membership: which conditions held, with the values seen (allocates).</summary>
    /// <param name="context">The customer.</param>
    /// <returns>The trace; <see cref="ConditionTrace.Held"/> is the membership.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public ConditionTrace Explain(CustomerContext context) => Condition.Explain(context);

    /// <summary>Returns <c>name (kind)</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Name + " (" + SegmentKinds.ToToken(Kind) + ")";
}

/// <summary>JSON tokens of <see cref="SegmentKind"/>.</summary>
public static class SegmentKinds
{
    /// <summary>Returns the JSON token of a kind, e.g. <c>behavioural</c>.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The token.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined kind.</exception>
    public static string ToToken(SegmentKind kind) => kind switch
    {
        SegmentKind.Geographic => "geographic",
        SegmentKind.Demographic => "demographic",
        SegmentKind.Behavioural => "behavioural",
        SegmentKind.Psychographic => "psychographic",
        SegmentKind.Mixed => "mixed",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a defined SegmentKind."),
    };

    /// <summary>Parses a token (case-insensitive; <c>behavioral</c> is accepted for <see cref="SegmentKind.Behavioural"/>).</summary>
    /// <param name="token">The token.</param>
    /// <param name="kind">The kind.</param>
    /// <returns><see langword="true"/> when known.</returns>
    public static bool TryParse(string? token, out SegmentKind kind)
    {
        switch (token?.Trim().ToUpperInvariant())
        {
            case "GEOGRAPHIC": kind = SegmentKind.Geographic; return true;
            case "DEMOGRAPHIC": kind = SegmentKind.Demographic; return true;
            case "BEHAVIOURAL" or "BEHAVIORAL": kind = SegmentKind.Behavioural; return true;
            case "PSYCHOGRAPHIC": kind = SegmentKind.Psychographic; return true;
            case "MIXED": kind = SegmentKind.Mixed; return true;
            default: kind = default; return false;
        }
    }
}
