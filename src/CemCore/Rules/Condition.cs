using System.Globalization;
using System.Text;

namespace CemCore.Rules;

/// <summary>The operator of a <see cref="FieldCondition"/>. JSON tokens are given in each member's summary.</summary>
public enum ConditionOperator
{
    /// <summary><c>eq</c>: equal (numbers, instants; texts case-insensitively).</summary>
    Equal = 0,

    /// <summary><c>ne</c>: present and not equal.</summary>
    NotEqual = 1,

    /// <summary><c>lt</c>: less than (numbers, instants).</summary>
    LessThan = 2,

    /// <summary><c>le</c>: less than or equal.</summary>
    LessThanOrEqual = 3,

    /// <summary><c>gt</c>: greater than.</summary>
    GreaterThan = 4,

    /// <summary><c>ge</c>: greater than or equal.</summary>
    GreaterThanOrEqual = 5,

    /// <summary><c>between</c>: within the inclusive range [first, second] (numbers, instants).</summary>
    Between = 6,

    /// <summary><c>in</c>: equal to one of the values (numbers or texts).</summary>
    In = 7,

    /// <summary><c>notIn</c>: present and equal to none of the values.</summary>
    NotIn = 8,

    /// <summary><c>contains</c>: a text list (tags) contains the value (case-insensitive).</summary>
    Contains = 9,

    /// <summary><c>containsAny</c>: a text list contains at least one of the values.</summary>
    ContainsAny = 10,

    /// <summary><c>containsAll</c>: a text list contains every value.</summary>
    ContainsAll = 11,

    /// <summary><c>missing</c>: the field has no value. The only operator that holds on a missing value.</summary>
    Missing = 12,

    /// <summary><c>present</c>: the field has a value.</summary>
    Present = 13,

    /// <summary><c>withinLastDays</c>: an instant in the half-open window [as-of − days, as-of).</summary>
    WithinLastDays = 14,

    /// <summary><c>olderThanDays</c>: an instant before as-of − days.</summary>
    OlderThanDays = 15,
}

/// <summary>Kinds of <see cref="ConditionValue"/>.</summary>
public enum ConditionValueKind
{
    /// <summary>A number.</summary>
    Number = 0,

    /// <summary>A text (also used for instants written as ISO-8601 text in JSON).</summary>
    Text = 1,

    /// <summary>An instant.</summary>
    Instant = 2,
}

/// <summary>An operand of a <see cref="FieldCondition"/>: a number, a text or an instant.</summary>
/// <remarks>The default value is the number 0.</remarks>
public readonly record struct ConditionValue
{
    private ConditionValue(ConditionValueKind kind, double number, string? text, DateTimeOffset instant)
    {
        Kind = kind;
        Number = number;
        Text = text;
        Instant = instant;
    }

    /// <summary>Gets the kind.</summary>
    public ConditionValueKind Kind { get; }

    /// <summary>Gets the number (when <see cref="Kind"/> is <see cref="ConditionValueKind.Number"/>).</summary>
    public double Number { get; }

    /// <summary>Gets the text (when <see cref="Kind"/> is <see cref="ConditionValueKind.Text"/>).</summary>
    public string? Text { get; }

    /// <summary>Gets the instant (when <see cref="Kind"/> is <see cref="ConditionValueKind.Instant"/>).</summary>
    public DateTimeOffset Instant { get; }

    /// <summary>Creates a number operand (validated when built: must be finite).</summary>
    /// <param name="value">The number.</param>
    /// <returns>The operand.</returns>
    public static ConditionValue FromNumber(double value) => new(ConditionValueKind.Number, value, null, default);

    /// <summary>Creates a text operand.</summary>
    /// <param name="value">The text.</param>
    /// <returns>The operand.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    public static ConditionValue FromText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(ConditionValueKind.Text, 0, value, default);
    }

    /// <summary>Creates an instant operand.</summary>
    /// <param name="value">The instant.</param>
    /// <returns>The operand.</returns>
    public static ConditionValue FromInstant(DateTimeOffset value) => new(ConditionValueKind.Instant, 0, null, value);

    /// <summary>Formats the operand as in the canonical text form (numbers invariant, texts quoted, instants ISO-8601).</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Kind switch
    {
        ConditionValueKind.Number => Number.ToString("G", CultureInfo.InvariantCulture),
        ConditionValueKind.Instant => Instant.ToString("O", CultureInfo.InvariantCulture),
        _ => "'" + Text + "'",
    };
}

/// <summary>
/// A condition definition: the unvalidated description of a rule condition, built with the static factories here
/// (<see cref="All(Condition[])"/>, <see cref="Any(Condition[])"/>, <see cref="Not"/>, <see cref="Ref"/>, <see cref="Field"/>)
/// or read from JSON with <see cref="ConditionJson"/>. Compile it with a <see cref="ConditionSetBuilder"/> or <see cref="ConditionSet.Compile"/>,
/// which resolves fields and references and reports every problem at once.
/// </summary>
/// <remarks>Immutable and thread-safe. Equality is by reference; compare <see cref="ToString"/> (a canonical text form) for structure.</remarks>
public abstract class Condition
{
    private protected Condition()
    {
    }

    /// <summary>Returns a condition that holds when every operand holds (an empty list always holds).</summary>
    /// <param name="conditions">The operands.</param>
    /// <returns>The condition.</returns>
    public static AllCondition All(params Condition[] conditions) => new(conditions);

    /// <summary>Returns a condition that holds when every operand holds (an empty list always holds).</summary>
    /// <param name="conditions">The operands.</param>
    /// <returns>The condition.</returns>
    public static AllCondition All(IEnumerable<Condition> conditions) => new(conditions);

    /// <summary>Returns a condition that holds when at least one operand holds (an empty list never holds).</summary>
    /// <param name="conditions">The operands.</param>
    /// <returns>The condition.</returns>
    public static AnyCondition Any(params Condition[] conditions) => new(conditions);

    /// <summary>Returns a condition that holds when at least one operand holds (an empty list never holds).</summary>
    /// <param name="conditions">The operands.</param>
    /// <returns>The condition.</returns>
    public static AnyCondition Any(IEnumerable<Condition> conditions) => new(conditions);

    /// <summary>Returns the logical negation. Note that <c>not(x &gt; 5)</c> holds when <c>x</c> is missing.</summary>
    /// <param name="condition">The operand.</param>
    /// <returns>The condition.</returns>
    public static NotCondition Not(Condition condition) => new(condition);

    /// <summary>Returns a reference to a named condition or segment, resolved when built (unknown names and cycles are load errors).</summary>
    /// <param name="name">The name.</param>
    /// <returns>The condition.</returns>
    public static ReferenceCondition Ref(string name) => new(name);

    /// <summary>Starts a condition on a field, e.g. <c>Condition.Field("features.recencyDays").GreaterThan(180)</c>.</summary>
    /// <param name="name">The dotted field name (checked when built).</param>
    /// <returns>A selector whose methods create the condition.</returns>
    public static FieldSelector Field(string name) => new(name);

    /// <summary>Returns the canonical text form, e.g. <c>all(features.recencyDays &gt; 180, profile.tags contains 'vip')</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder();
        AppendTo(sb);
        return sb.ToString();
    }

    internal abstract void AppendTo(StringBuilder builder);

    internal static IReadOnlyList<Condition> CopyOperands(IEnumerable<Condition> conditions, string paramName)
    {
        ArgumentNullException.ThrowIfNull(conditions, paramName);
        var copy = conditions.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (copy[i] is null)
            {
                throw new ArgumentException($"Operand {i} is null.", paramName);
            }
        }

        return Array.AsReadOnly(copy);
    }
}

/// <summary>Holds when every operand holds; an empty list always holds.</summary>
public sealed class AllCondition : Condition
{
    internal AllCondition(IEnumerable<Condition> conditions) => Conditions = CopyOperands(conditions, nameof(conditions));

    /// <summary>Gets the operands.</summary>
    public IReadOnlyList<Condition> Conditions { get; }

    internal override void AppendTo(StringBuilder builder) => AppendList(builder, "all", Conditions);

    internal static void AppendList(StringBuilder builder, string name, IReadOnlyList<Condition> list)
    {
        builder.Append(name).Append('(');
        for (var i = 0; i < list.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            list[i].AppendTo(builder);
        }

        builder.Append(')');
    }
}

/// <summary>Holds when at least one operand holds; an empty list never holds.</summary>
public sealed class AnyCondition : Condition
{
    internal AnyCondition(IEnumerable<Condition> conditions) => Conditions = CopyOperands(conditions, nameof(conditions));

    /// <summary>Gets the operands.</summary>
    public IReadOnlyList<Condition> Conditions { get; }

    internal override void AppendTo(StringBuilder builder) => AllCondition.AppendList(builder, "any", Conditions);
}

/// <summary>The logical negation of its operand (two-valued: a condition on a missing field is false, so its negation is true).</summary>
public sealed class NotCondition : Condition
{
    internal NotCondition(Condition operand)
    {
        ArgumentNullException.ThrowIfNull(operand);
        Operand = operand;
    }

    /// <summary>Gets the operand.</summary>
    public Condition Operand { get; }

    internal override void AppendTo(StringBuilder builder)
    {
        builder.Append("not(");
        Operand.AppendTo(builder);
        builder.Append(')');
    }
}

/// <summary>A reference to a named condition or segment.</summary>
public sealed class ReferenceCondition : Condition
{
    internal ReferenceCondition(string name) => Name = Primitives.Check.NotBlank(name);

    /// <summary>Gets the referenced name (compared ordinally, case-sensitive).</summary>
    public string Name { get; }

    internal override void AppendTo(StringBuilder builder) => builder.Append("ref('").Append(Name).Append("')");
}

/// <summary>A test of one field: <c>field op values</c>.</summary>
public sealed class FieldCondition : Condition
{
    /// <summary>Creates a field condition; the field, operator and operand types are checked when built.</summary>
    /// <param name="field">The dotted field name.</param>
    /// <param name="operator">The operator.</param>
    /// <param name="values">The operands: none for missing/present, two for between, one or more for in/notIn/containsAny/containsAll, else one.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    public FieldCondition(string field, ConditionOperator @operator, IEnumerable<ConditionValue> values)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(values);
        FieldName = field;
        Operator = @operator;
        Values = Array.AsReadOnly(values.ToArray());
    }

    /// <summary>Gets the dotted field name.</summary>
    public string FieldName { get; }

    /// <summary>Gets the operator.</summary>
    public ConditionOperator Operator { get; }

    /// <summary>Gets the operands.</summary>
    public IReadOnlyList<ConditionValue> Values { get; }

    internal override void AppendTo(StringBuilder builder)
    {
        if (Operator is ConditionOperator.WithinLastDays or ConditionOperator.OlderThanDays && Values.Count == 1)
        {
            // Reads as a sentence in explanations: "features.lastPurchase within last 90 days".
            builder.Append(FieldName).Append(Operator == ConditionOperator.WithinLastDays ? " within last " : " older than ")
                .Append(Values[0].ToString()).Append(" days");
            return;
        }

        builder.Append(FieldName).Append(' ').Append(ConditionOperators.Symbol(Operator));
        switch (Values.Count)
        {
            case 0:
                break;
            case 1 when Operator is not (ConditionOperator.In or ConditionOperator.NotIn or ConditionOperator.ContainsAny or ConditionOperator.ContainsAll):
                builder.Append(' ').Append(Values[0].ToString());
                break;
            default:
                builder.Append(" [");
                for (var i = 0; i < Values.Count; i++)
                {
                    if (i > 0)
                    {
                        builder.Append(", ");
                    }

                    builder.Append(Values[i].ToString());
                }

                builder.Append(']');
                break;
        }
    }
}

/// <summary>Creates conditions on one field: <c>Condition.Field("profile.cityTier").Equal(1)</c>.</summary>
/// <remarks>The default value has a null field name; its methods then throw <see cref="ArgumentNullException"/>.</remarks>
public readonly struct FieldSelector
{
    internal FieldSelector(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
    }

    /// <summary>Gets the field name.</summary>
    public string Name { get; }

    /// <summary><c>eq</c> on a number.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public FieldCondition Equal(double value) => Make(ConditionOperator.Equal, ConditionValue.FromNumber(value));

    /// <summary><c>eq</c> on a text (case-insensitive).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public FieldCondition Equal(string value) => Make(ConditionOperator.Equal, ConditionValue.FromText(value));

    /// <summary><c>eq</c> on an instant.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public FieldCondition Equal(DateTimeOffset value) => Make(ConditionOperator.Equal, ConditionValue.FromInstant(value));

    /// <summary><c>ne</c> on a number (false when missing).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public FieldCondition NotEqual(double value) => Make(ConditionOperator.NotEqual, ConditionValue.FromNumber(value));

    /// <summary><c>ne</c> on a text (false when missing).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public FieldCondition NotEqual(string value) => Make(ConditionOperator.NotEqual, ConditionValue.FromText(value));

    /// <summary><c>lt</c> on a number.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition LessThan(double value) => Make(ConditionOperator.LessThan, ConditionValue.FromNumber(value));

    /// <summary><c>lt</c> on an instant.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition LessThan(DateTimeOffset value) => Make(ConditionOperator.LessThan, ConditionValue.FromInstant(value));

    /// <summary><c>le</c> on a number.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition AtMost(double value) => Make(ConditionOperator.LessThanOrEqual, ConditionValue.FromNumber(value));

    /// <summary><c>le</c> on an instant.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition AtMost(DateTimeOffset value) => Make(ConditionOperator.LessThanOrEqual, ConditionValue.FromInstant(value));

    /// <summary><c>gt</c> on a number.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition GreaterThan(double value) => Make(ConditionOperator.GreaterThan, ConditionValue.FromNumber(value));

    /// <summary><c>gt</c> on an instant.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition GreaterThan(DateTimeOffset value) => Make(ConditionOperator.GreaterThan, ConditionValue.FromInstant(value));

    /// <summary><c>ge</c> on a number.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition AtLeast(double value) => Make(ConditionOperator.GreaterThanOrEqual, ConditionValue.FromNumber(value));

    /// <summary><c>ge</c> on an instant.</summary>
    /// <param name="value">The bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition AtLeast(DateTimeOffset value) => Make(ConditionOperator.GreaterThanOrEqual, ConditionValue.FromInstant(value));

    /// <summary><c>between</c>: inclusive number range.</summary>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound (not below <paramref name="min"/>; checked when built).</param>
    /// <returns>The condition.</returns>
    public FieldCondition Between(double min, double max) =>
        Make(ConditionOperator.Between, ConditionValue.FromNumber(min), ConditionValue.FromNumber(max));

    /// <summary><c>between</c>: inclusive instant range.</summary>
    /// <param name="min">The lower bound.</param>
    /// <param name="max">The upper bound.</param>
    /// <returns>The condition.</returns>
    public FieldCondition Between(DateTimeOffset min, DateTimeOffset max) =>
        Make(ConditionOperator.Between, ConditionValue.FromInstant(min), ConditionValue.FromInstant(max));

    /// <summary><c>in</c>: one of the texts (case-insensitive).</summary>
    /// <param name="values">The values.</param>
    /// <returns>The condition.</returns>
    public FieldCondition In(params string[] values) => Make(ConditionOperator.In, Texts(values));

    /// <summary><c>in</c>: one of the numbers.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The condition.</returns>
    public FieldCondition In(params double[] values) => Make(ConditionOperator.In, Numbers(values));

    /// <summary><c>notIn</c>: present and none of the texts.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The condition.</returns>
    public FieldCondition NotIn(params string[] values) => Make(ConditionOperator.NotIn, Texts(values));

    /// <summary><c>notIn</c>: present and none of the numbers.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The condition.</returns>
    public FieldCondition NotIn(params double[] values) => Make(ConditionOperator.NotIn, Numbers(values));

    /// <summary><c>contains</c>: the text list (tags) contains the value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The condition.</returns>
    public FieldCondition Contains(string value) => Make(ConditionOperator.Contains, ConditionValue.FromText(value));

    /// <summary><c>containsAny</c>: the text list contains at least one value.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The condition.</returns>
    public FieldCondition ContainsAny(params string[] values) => Make(ConditionOperator.ContainsAny, Texts(values));

    /// <summary><c>containsAll</c>: the text list contains every value.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The condition.</returns>
    public FieldCondition ContainsAll(params string[] values) => Make(ConditionOperator.ContainsAll, Texts(values));

    /// <summary><c>missing</c>: the field has no value.</summary>
    /// <returns>The condition.</returns>
    public FieldCondition IsMissing() => Make(ConditionOperator.Missing);

    /// <summary><c>present</c>: the field has a value.</summary>
    /// <returns>The condition.</returns>
    public FieldCondition IsPresent() => Make(ConditionOperator.Present);

    /// <summary><c>withinLastDays</c>: the instant lies in [as-of − days, as-of).</summary>
    /// <param name="days">The window length in days (finite, ≥ 0; checked when built).</param>
    /// <returns>The condition.</returns>
    public FieldCondition WithinLastDays(double days) => Make(ConditionOperator.WithinLastDays, ConditionValue.FromNumber(days));

    /// <summary><c>olderThanDays</c>: the instant lies before as-of − days.</summary>
    /// <param name="days">The age in days (finite, ≥ 0; checked when built).</param>
    /// <returns>The condition.</returns>
    public FieldCondition OlderThanDays(double days) => Make(ConditionOperator.OlderThanDays, ConditionValue.FromNumber(days));

    private static ConditionValue[] Texts(string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new ConditionValue[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = ConditionValue.FromText(values[i]);
        }

        return result;
    }

    private static ConditionValue[] Numbers(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var result = new ConditionValue[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = ConditionValue.FromNumber(values[i]);
        }

        return result;
    }

    private FieldCondition Make(ConditionOperator op, params ConditionValue[] values) => new(Name, op, values);
}

/// <summary>JSON tokens and symbols of <see cref="ConditionOperator"/>.</summary>
public static class ConditionOperators
{
    private static readonly string[] s_tokens =
    [
        "eq", "ne", "lt", "le", "gt", "ge", "between", "in", "notIn", "contains", "containsAny", "containsAll", "missing", "present",
        "withinLastDays", "olderThanDays",
    ];

    private static readonly string[] s_symbols =
    [
        "=", "≠", "<", "≤", ">", "≥", "between", "in", "not in", "contains", "contains any", "contains all", "is missing", "is present",
        "within last days", "older than days",
    ];

    /// <summary>Gets every JSON token, in <see cref="ConditionOperator"/> order.</summary>
    public static IReadOnlyList<string> Tokens { get; } = Array.AsReadOnly(s_tokens);

    /// <summary>Returns the JSON token of an operator, e.g. <c>"ge"</c>.</summary>
    /// <param name="operator">The operator.</param>
    /// <returns>The token.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Not a defined operator.</exception>
    public static string ToToken(ConditionOperator @operator) =>
        (uint)@operator < (uint)s_tokens.Length
            ? s_tokens[(int)@operator]
            : throw new ArgumentOutOfRangeException(nameof(@operator), @operator, "Not a defined ConditionOperator.");

    /// <summary>Parses a JSON token (ordinal, case-insensitive).</summary>
    /// <param name="token">The token, e.g. <c>"withinLastDays"</c>.</param>
    /// <param name="operator">The operator.</param>
    /// <returns><see langword="true"/> when known.</returns>
    public static bool TryParse(string? token, out ConditionOperator @operator)
    {
        for (var i = 0; i < s_tokens.Length; i++)
        {
            if (string.Equals(s_tokens[i], token, StringComparison.OrdinalIgnoreCase))
            {
                @operator = (ConditionOperator)i;
                return true;
            }
        }

        @operator = default;
        return false;
    }

    internal static string Symbol(ConditionOperator @operator) =>
        (uint)@operator < (uint)s_symbols.Length ? s_symbols[(int)@operator] : "?";
}
