using System.Globalization;

namespace CemCore.Rules;

/// <summary>Validates and compiles condition definitions: resolves fields, type-checks operands, resolves references, finds cycles
/// and contradictory ranges. Collects every error rather than stopping at the first.</summary>
internal sealed class ConditionCompiler
{
    /// <summary>The longest accepted time window, in days (about 274 years).</summary>
    public const double MaxDays = 100_000;

    private readonly FieldRegistry _registry;
    private readonly Func<string, Node?> _resolveReference;
    private readonly Func<string, bool> _isKnown;
    private readonly List<RuleDefinitionError> _errors;

    /// <param name="registry">Resolves fields.</param>
    /// <param name="isKnown">Whether a reference name is defined (unknown names are errors).</param>
    /// <param name="resolveReference">The compiled target of a known name, or null when it failed to compile (no extra error then).</param>
    /// <param name="errors">Receives errors.</param>
    public ConditionCompiler(FieldRegistry registry, Func<string, bool> isKnown, Func<string, Node?> resolveReference, List<RuleDefinitionError> errors)
    {
        _registry = registry;
        _isKnown = isKnown;
        _resolveReference = resolveReference;
        _errors = errors;
    }

    /// <summary>Compiles a definition; returns <see langword="null"/> when errors were added.</summary>
    public Node? Compile(Condition condition, string path)
    {
        var before = _errors.Count;
        var node = CompileNode(condition, path, parentIsAll: false);
        return _errors.Count == before ? node : null;
    }

    /// <summary>Returns the nesting depth of a definition (a field or reference is 1; each all/any/not adds 1), walked iteratively and
    /// stopping as soon as it exceeds <paramref name="limit"/>.</summary>
    public static int Depth(Condition condition, int limit)
    {
        var pending = new Stack<(Condition Condition, int Depth)>();
        pending.Push((condition, 1));
        var deepest = 0;
        while (pending.Count > 0)
        {
            var (c, d) = pending.Pop();
            deepest = Math.Max(deepest, d);
            if (deepest > limit)
            {
                return deepest;
            }

            switch (c)
            {
                case AllCondition a:
                    foreach (var x in a.Conditions)
                    {
                        pending.Push((x, d + 1));
                    }

                    break;
                case AnyCondition a:
                    foreach (var x in a.Conditions)
                    {
                        pending.Push((x, d + 1));
                    }

                    break;
                case NotCondition not:
                    pending.Push((not.Operand, d + 1));
                    break;
                default:
                    break;
            }
        }

        return deepest;
    }

    /// <summary>Collects the names referenced anywhere in a definition (for cycle detection).</summary>
    public static void CollectReferences(Condition condition, List<string> names)
    {
        switch (condition)
        {
            case ReferenceCondition r:
                names.Add(r.Name);
                break;
            case AllCondition a:
                foreach (var c in a.Conditions)
                {
                    CollectReferences(c, names);
                }

                break;
            case AnyCondition a:
                foreach (var c in a.Conditions)
                {
                    CollectReferences(c, names);
                }

                break;
            case NotCondition n:
                CollectReferences(n.Operand, names);
                break;
            default:
                break;
        }
    }

    private Node CompileNode(Condition condition, string path, bool parentIsAll)
    {
        switch (condition)
        {
            case AllCondition a:
                if (!parentIsAll)
                {
                    // Nested alls are flattened into the outermost check, so each contradiction is reported once.
                    CheckContradictions(a, path);
                }

                var all = CompileList(a.Conditions, path + ".all", true);
                return all.Length == 2 ? new All2Node(all) : new AllNode(all);
            case AnyCondition a:
                var any = CompileList(a.Conditions, path + ".any", false);
                return any.Length == 2 ? new Any2Node(any) : new AnyNode(any);
            case NotCondition n:
                return new NotNode(CompileNode(n.Operand, path + ".not", false));
            case ReferenceCondition r:
                {
                    if (!_isKnown(r.Name))
                    {
                        Error(path + ".ref", $"Unknown reference '{r.Name}': no condition or segment has this name (names are case-sensitive).", null, r.Name);
                        return new AllNode([]);
                    }

                    // A known name whose definition failed (or is on a cycle) was reported where it is defined.
                    var target = _resolveReference(r.Name);
                    return target is null ? new AllNode([]) : new RefNode(r.Name, target);
                }

            case FieldCondition f:
                return CompileField(f, path) ?? new AllNode([]);
            default:
                Error(path, "Unsupported condition type.");
                return new AllNode([]);
        }
    }

    private Node[] CompileList(IReadOnlyList<Condition> list, string path, bool parentIsAll)
    {
        var nodes = new Node[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            nodes[i] = CompileNode(list[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]"), parentIsAll);
        }

        return nodes;
    }

    private Node? CompileField(FieldCondition f, string path)
    {
        if (!_registry.TryResolve(f.FieldName, out var accessor, out var message))
        {
            Error(path, message, f.FieldName);
            return null;
        }

        var op = f.Operator;
        var description = f.ToString();
        if (!Enum.IsDefined(op))
        {
            Error(path, "Unknown operator.", f.FieldName, op.ToString());
            return null;
        }

        if (op is ConditionOperator.Missing or ConditionOperator.Present)
        {
            return CheckCount(f, path, 0, 0) ? new PresenceNode(accessor, description, op == ConditionOperator.Present) : null;
        }

        switch (accessor)
        {
            case NumberAccessor n:
                return CompileNumber(f, path, n, description);
            case InstantAccessor t:
                return CompileInstant(f, path, t, description);
            case TextAccessor t:
                return CompileText(f, path, t, description);
            case EnumAccessor e:
                return CompileEnum(f, path, e, description);
            case TextListAccessor l:
                return CompileTextList(f, path, l, description);
            default:
                Error(path, "Unsupported field type.", f.FieldName);
                return null;
        }
    }

    private NumberNode? CompileNumber(FieldCondition f, string path, NumberAccessor accessor, string description)
    {
        var op = f.Operator;
        if (op is not (ConditionOperator.Equal or ConditionOperator.NotEqual or ConditionOperator.LessThan or ConditionOperator.LessThanOrEqual
            or ConditionOperator.GreaterThan or ConditionOperator.GreaterThanOrEqual or ConditionOperator.Between or ConditionOperator.In
            or ConditionOperator.NotIn))
        {
            BadOperator(f, path, "number", "eq, ne, lt, le, gt, ge, between, in, notIn, missing, present");
            return null;
        }

        var (min, max) = op switch
        {
            ConditionOperator.Between => (2, 2),
            ConditionOperator.In or ConditionOperator.NotIn => (1, int.MaxValue),
            _ => (1, 1),
        };
        if (!CheckCount(f, path, min, max))
        {
            return null;
        }

        var values = new double[f.Values.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var v = f.Values[i];
            if (v.Kind != ConditionValueKind.Number)
            {
                Error(path, $"Field '{f.FieldName}' is a number; expected a number operand.", f.FieldName, v.ToString());
                return null;
            }

            if (!double.IsFinite(v.Number))
            {
                Error(path, "Number operands must be finite (not NaN or infinity).", f.FieldName, v.ToString());
                return null;
            }

            if (v.Number < accessor.Min || v.Number > accessor.Max)
            {
                Error(path, string.Create(CultureInfo.InvariantCulture,
                    $"The value {v.Number:G} is outside the range [{Bound(accessor.Min)}, {Bound(accessor.Max)}] of '{accessor.Name}', so the condition could never mean what it says{(accessor.Max == 1 && v.Number is > 1 and <= 100 ? $" (a percentage? write {v.Number / 100:G})" : string.Empty)}."),
                    f.FieldName, v.ToString());
                return null;
            }

            values[i] = v.Number;
        }

        if (op == ConditionOperator.Between && values[0] > values[1])
        {
            Error(path, "Empty range: the lower bound of 'between' is above the upper bound.", f.FieldName, f.Values[0] + ".." + f.Values[1]);
            return null;
        }

        return new NumberNode(accessor, description, op, values[0], values.Length > 1 ? values[1] : 0.0, values);
    }

    private static string Bound(double x) =>
        double.IsPositiveInfinity(x) ? "∞" : double.IsNegativeInfinity(x) ? "-∞" : x.ToString("G", CultureInfo.InvariantCulture);

    private InstantNode? CompileInstant(FieldCondition f, string path, InstantAccessor accessor, string description)
    {
        var op = f.Operator;
        if (op is ConditionOperator.WithinLastDays or ConditionOperator.OlderThanDays)
        {
            if (!CheckCount(f, path, 1, 1))
            {
                return null;
            }

            var d = f.Values[0];
            if (d.Kind != ConditionValueKind.Number || d.Number is not (>= 0 and <= MaxDays))
            {
                Error(path, $"'{ConditionOperators.ToToken(op)}' needs a number of days in [0, {MaxDays.ToString(CultureInfo.InvariantCulture)}].", f.FieldName, d.ToString());
                return null;
            }

            var ticks = checked((long)Math.Round(d.Number * TimeSpan.TicksPerDay));
            return new InstantNode(accessor, description, op, ticks, 0);
        }

        if (op is not (ConditionOperator.Equal or ConditionOperator.NotEqual or ConditionOperator.LessThan or ConditionOperator.LessThanOrEqual
            or ConditionOperator.GreaterThan or ConditionOperator.GreaterThanOrEqual or ConditionOperator.Between))
        {
            BadOperator(f, path, "instant", "eq, ne, lt, le, gt, ge, between, withinLastDays, olderThanDays, missing, present");
            return null;
        }

        if (!CheckCount(f, path, op == ConditionOperator.Between ? 2 : 1, op == ConditionOperator.Between ? 2 : 1))
        {
            return null;
        }

        var ticksValues = new long[f.Values.Count];
        for (var i = 0; i < ticksValues.Length; i++)
        {
            if (!TryInstant(f.Values[i], out var instant))
            {
                Error(path, $"Field '{f.FieldName}' is an instant; expected an ISO-8601 instant such as 2026-01-31T00:00:00Z.", f.FieldName, f.Values[i].ToString());
                return null;
            }

            ticksValues[i] = instant.UtcTicks;
        }

        if (op == ConditionOperator.Between && ticksValues[0] > ticksValues[1])
        {
            Error(path, "Empty range: the lower bound of 'between' is after the upper bound.", f.FieldName, f.Values[0] + ".." + f.Values[1]);
            return null;
        }

        return new InstantNode(accessor, description, op, ticksValues[0], ticksValues.Length > 1 ? ticksValues[1] : 0);
    }

    private TextNode? CompileText(FieldCondition f, string path, TextAccessor accessor, string description)
    {
        var op = f.Operator;
        if (op is not (ConditionOperator.Equal or ConditionOperator.NotEqual or ConditionOperator.In or ConditionOperator.NotIn))
        {
            BadOperator(f, path, "text", "eq, ne, in, notIn, missing, present");
            return null;
        }

        if (!CheckCount(f, path, 1, op is ConditionOperator.In or ConditionOperator.NotIn ? int.MaxValue : 1))
        {
            return null;
        }

        var values = new string[f.Values.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var v = f.Values[i];
            if (v.Kind != ConditionValueKind.Text || string.IsNullOrEmpty(v.Text))
            {
                Error(path, $"Field '{f.FieldName}' is a text; expected a non-empty text operand.", f.FieldName, v.ToString());
                return null;
            }

            if (accessor.AllowedValues.Count > 0 && !ContainsIgnoreCase(accessor.AllowedValues, v.Text))
            {
                Error(path, $"Unknown value for '{f.FieldName}'; expected one of {string.Join(", ", accessor.AllowedValues)}.", f.FieldName, v.Text);
                return null;
            }

            values[i] = v.Text;
        }

        return new TextNode(accessor, description, op, values);
    }

    private EnumNode? CompileEnum(FieldCondition f, string path, EnumAccessor accessor, string description)
    {
        var op = f.Operator;
        if (op is not (ConditionOperator.Equal or ConditionOperator.NotEqual or ConditionOperator.In or ConditionOperator.NotIn))
        {
            BadOperator(f, path, "text", "eq, ne, in, notIn, missing, present");
            return null;
        }

        if (!CheckCount(f, path, 1, op is ConditionOperator.In or ConditionOperator.NotIn ? int.MaxValue : 1))
        {
            return null;
        }

        ulong mask = 0;
        foreach (var v in f.Values)
        {
            if (v.Kind != ConditionValueKind.Text || string.IsNullOrEmpty(v.Text))
            {
                Error(path, $"Field '{f.FieldName}' is a text; expected a non-empty text operand.", f.FieldName, v.ToString());
                return null;
            }

            var n = ContainsIgnoreCase(accessor.AllowedValues, v.Text) ? accessor.ValueOf(v.Text) : -1;
            if (n is < 0 or >= 64)
            {
                Error(path, $"Unknown value for '{f.FieldName}'; expected one of {string.Join(", ", accessor.AllowedValues)}.", f.FieldName, v.Text);
                return null;
            }

            mask |= 1UL << n;
        }

        return new EnumNode(accessor, description, mask, op is ConditionOperator.NotEqual or ConditionOperator.NotIn);
    }

    private TextListNode? CompileTextList(FieldCondition f, string path, TextListAccessor accessor, string description)
    {
        var op = f.Operator;
        if (op is not (ConditionOperator.Contains or ConditionOperator.ContainsAny or ConditionOperator.ContainsAll))
        {
            BadOperator(f, path, "text list", "contains, containsAny, containsAll, missing, present");
            return null;
        }

        if (!CheckCount(f, path, 1, op == ConditionOperator.Contains ? 1 : int.MaxValue))
        {
            return null;
        }

        var values = new string[f.Values.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var v = f.Values[i];
            if (v.Kind != ConditionValueKind.Text || string.IsNullOrEmpty(v.Text))
            {
                Error(path, $"Field '{f.FieldName}' is a text list; expected non-empty text operands.", f.FieldName, v.ToString());
                return null;
            }

            values[i] = v.Text;
        }

        return new TextListNode(accessor, description, op == ConditionOperator.ContainsAll, values);
    }

    internal static bool TryInstant(ConditionValue value, out DateTimeOffset instant)
    {
        switch (value.Kind)
        {
            case ConditionValueKind.Instant:
                instant = value.Instant;
                return true;
            case ConditionValueKind.Text:
                return DateTimeOffset.TryParse(value.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out instant);
            default:
                instant = default;
                return false;
        }
    }

    private bool CheckCount(FieldCondition f, string path, int min, int max)
    {
        var n = f.Values.Count;
        if (n >= min && n <= max)
        {
            return true;
        }

        var expected = min == max
            ? (min == 0 ? "no operand" : min == 1 ? "exactly one operand" : string.Create(CultureInfo.InvariantCulture, $"exactly {min} operands"))
            : string.Create(CultureInfo.InvariantCulture, $"at least {min} operand(s)");
        Error(path, string.Create(CultureInfo.InvariantCulture, $"Operator '{ConditionOperators.ToToken(f.Operator)}' takes {expected} but got {n}."), f.FieldName);
        return false;
    }

    private void BadOperator(FieldCondition f, string path, string type, string allowed) =>
        Error(path, $"Operator '{ConditionOperators.ToToken(f.Operator)}' does not apply to {type} field '{f.FieldName}'; use one of {allowed}.", f.FieldName);

    private void Error(string path, string message, string? field = null, string? value = null) =>
        _errors.Add(new RuleDefinitionError(path, message, field, value));

    private static bool ContainsIgnoreCase(IReadOnlyList<string> list, string value)
    {
        foreach (var s in list)
        {
            if (string.Equals(s, value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Reports field tests inside one <c>all</c> (nested <c>all</c>s included) that can never hold together: an empty numeric or instant
    /// range (x &gt; 5 and x &lt; 3), two different <c>eq</c> texts, <c>missing</c> together with a value test, or a time window that
    /// excludes itself (withinLastDays 30 and olderThanDays 60). Documented as a load-time error.
    /// </summary>
    private void CheckContradictions(AllCondition all, string path)
    {
        var tests = new List<FieldCondition>();
        Flatten(all, tests);
        if (tests.Count < 2)
        {
            return;
        }

        var byField = new Dictionary<string, List<FieldCondition>>(StringComparer.OrdinalIgnoreCase);
        foreach (var t in tests)
        {
            if (!byField.TryGetValue(t.FieldName, out var list))
            {
                byField[t.FieldName] = list = [];
            }

            list.Add(t);
        }

        foreach (var (field, list) in byField)
        {
            if (list.Count < 2 || !_registry.TryResolve(field, out var accessor, out _))
            {
                continue;
            }

            var reason = FindContradiction(accessor.Type, list);
            if (reason is not null)
            {
                Error(path, "Contradictory conditions in one 'all': " + reason + " can never hold together.", field);
            }
        }
    }

    private static void Flatten(AllCondition all, List<FieldCondition> tests)
    {
        foreach (var c in all.Conditions)
        {
            if (c is FieldCondition f)
            {
                tests.Add(f);
            }
            else if (c is AllCondition inner)
            {
                Flatten(inner, tests);
            }
        }
    }

    private static string? FindContradiction(FieldType type, List<FieldCondition> list)
    {
        FieldCondition? missing = null;
        FieldCondition? valueTest = null;
        foreach (var t in list)
        {
            if (t.Operator == ConditionOperator.Missing)
            {
                missing ??= t;
            }
            else
            {
                valueTest ??= t;
            }
        }

        if (missing is not null && valueTest is not null)
        {
            return $"'{missing}' and '{valueTest}'";
        }

        return type switch
        {
            FieldType.Number or FieldType.Instant => RangeContradiction(list),
            FieldType.Text => TextContradiction(list),
            _ => null,
        };
    }

    private static string? TextContradiction(List<FieldCondition> list)
    {
        FieldCondition? first = null;
        foreach (var t in list)
        {
            if (t.Operator != ConditionOperator.Equal || t.Values.Count != 1 || t.Values[0].Text is null)
            {
                continue;
            }

            if (first is null)
            {
                first = t;
            }
            else if (!string.Equals(first.Values[0].Text, t.Values[0].Text, StringComparison.OrdinalIgnoreCase))
            {
                return $"'{first}' and '{t}'";
            }
        }

        return null;
    }

    private static string? RangeContradiction(List<FieldCondition> list)
    {
        // Absolute bounds (numbers, or instants as UTC ticks) and relative bounds (age = as-of − instant, in days).
        double lo = double.NegativeInfinity, hi = double.PositiveInfinity;
        bool loOpen = false, hiOpen = false;
        FieldCondition? loBy = null, hiBy = null;
        double ageMinExclusive = double.NegativeInfinity, ageMax = double.PositiveInfinity;
        FieldCondition? ageMinBy = null, ageMaxBy = null;
        foreach (var t in list)
        {
            if (t.Operator is ConditionOperator.WithinLastDays or ConditionOperator.OlderThanDays)
            {
                if (t.Values.Count != 1 || t.Values[0].Kind != ConditionValueKind.Number)
                {
                    continue;
                }

                var d = t.Values[0].Number;
                if (t.Operator == ConditionOperator.WithinLastDays && d < ageMax)
                {
                    (ageMax, ageMaxBy) = (d, t);
                }
                else if (t.Operator == ConditionOperator.OlderThanDays && d > ageMinExclusive)
                {
                    (ageMinExclusive, ageMinBy) = (d, t);
                }

                continue;
            }

            if (!TryNumbers(t, out var a, out var b))
            {
                continue;
            }

            switch (t.Operator)
            {
                case ConditionOperator.Equal:
                    Lower(a, false, t);
                    Upper(a, false, t);
                    break;
                case ConditionOperator.GreaterThan:
                    Lower(a, true, t);
                    break;
                case ConditionOperator.GreaterThanOrEqual:
                    Lower(a, false, t);
                    break;
                case ConditionOperator.LessThan:
                    Upper(a, true, t);
                    break;
                case ConditionOperator.LessThanOrEqual:
                    Upper(a, false, t);
                    break;
                case ConditionOperator.Between:
                    Lower(a, false, t);
                    Upper(b, false, t);
                    break;
                default:
                    break;
            }
        }

        if (loBy is not null && hiBy is not null && (lo > hi || (lo == hi && (loOpen || hiOpen))))
        {
            return ReferenceEquals(loBy, hiBy) ? $"'{loBy}'" : $"'{loBy}' and '{hiBy}'";
        }

        // withinLastDays d1 means age in (0, d1]; olderThanDays d2 means age > d2: empty when d2 ≥ d1.
        if (ageMinBy is not null && ageMaxBy is not null && ageMinExclusive >= ageMax)
        {
            return $"'{ageMaxBy}' and '{ageMinBy}'";
        }

        return null;

        void Lower(double value, bool open, FieldCondition by)
        {
            if (value > lo || (value == lo && open))
            {
                (lo, loOpen, loBy) = (value, open, by);
            }
        }

        void Upper(double value, bool open, FieldCondition by)
        {
            if (value < hi || (value == hi && open))
            {
                (hi, hiOpen, hiBy) = (value, open, by);
            }
        }
    }

    private static bool TryNumbers(FieldCondition t, out double a, out double b)
    {
        a = b = 0;
        if (t.Values.Count is 0 or > 2)
        {
            return false;
        }

        if (!TryNumber(t.Values[0], out a))
        {
            return false;
        }

        return t.Values.Count == 1 || TryNumber(t.Values[1], out b);
    }

    private static bool TryNumber(ConditionValue v, out double x)
    {
        if (v.Kind == ConditionValueKind.Number)
        {
            x = v.Number;
            return double.IsFinite(x);
        }

        if (TryInstant(v, out var instant))
        {
            x = instant.UtcTicks;
            return true;
        }

        x = 0;
        return false;
    }
}
