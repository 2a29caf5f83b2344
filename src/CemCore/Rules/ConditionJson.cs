using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CemCore.Rules;

/// <summary>
/// Reads and writes condition definitions as JSON (schema in <c>docs/rules.md</c>). Parsing uses <see cref="JsonDocument"/> only: no
/// reflection-based serialization, no type names, no expressions, so stored definitions can never run code.
/// </summary>
/// <remarks>
/// <para>A condition is an object with exactly one of <c>all</c> (array), <c>any</c> (array), <c>not</c> (object), <c>ref</c> (name), or
/// <c>field</c> + <c>op</c> (+ <c>value</c>: a scalar, or an array for <c>between</c>, <c>in</c>, <c>notIn</c>, <c>containsAny</c>,
/// <c>containsAll</c>; absent for <c>missing</c>/<c>present</c>). Unknown properties are errors, so typos do not pass silently.
/// Comments are allowed; trailing commas are not.</para>
/// <para>Errors carry the JSON path (<c>$.conditions.lapsed.all[1].op</c>), the field and the value. Thread-safe (stateless).</para>
/// </remarks>
public static class ConditionJson
{
    internal static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    /// <summary>Parses one condition definition (not yet validated against fields: compile it with a <see cref="ConditionSet"/>).</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="RuleDefinitionException">The JSON is malformed or not a valid condition; every problem is listed with its path.</exception>
    public static Condition Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = ParseDocument(json);
        return Parse(doc.RootElement, "$");
    }

    /// <summary>Parses one condition definition from an element of a larger document (as personalization rules embed conditions).</summary>
    /// <param name="element">The element.</param>
    /// <param name="path">The element's JSON path, used in errors.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="RuleDefinitionException">The element is not a valid condition.</exception>
    public static Condition Parse(JsonElement element, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var errors = new List<RuleDefinitionError>();
        var c = Read(element, path, errors);
        if (errors.Count > 0 || c is null)
        {
            throw new RuleDefinitionException(errors);
        }

        return c;
    }

    /// <summary>Loads a named condition set: <c>{"conditions": {"name": condition, ...}}</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="registry">The field registry; <see langword="null"/> for <see cref="FieldRegistry.Default"/>.</param>
    /// <returns>The validated set.</returns>
    /// <exception cref="RuleDefinitionException">The JSON or a definition is invalid (unknown field, wrong type, bad operator, unknown reference,
    /// cycle, contradiction); every problem is listed with its path.</exception>
    public static ConditionSet LoadSet(string json, FieldRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = ParseDocument(json);
        var builder = new ConditionSetBuilder(registry);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            builder.AddError(new RuleDefinitionError("$", "Expected an object with a 'conditions' property.", null, root.ValueKind.ToString()));
            return builder.Build();
        }

        foreach (var p in root.EnumerateObject())
        {
            if (p.NameEquals("conditions"))
            {
                AddDefinitions(builder, p.Value, "$.conditions");
            }
            else if (!p.NameEquals("version"))
            {
                builder.AddError(new RuleDefinitionError(Prop("$", p.Name), "Unknown property; expected 'conditions' (and optionally 'version').", null, p.Name));
            }
        }

        return builder.Build();
    }

    /// <summary>Writes a condition definition as JSON (the inverse of <see cref="Parse(string)"/>).</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="condition">The definition.</param>
    public static void Write(Utf8JsonWriter writer, Condition condition)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(condition);
        switch (condition)
        {
            case AllCondition a:
                WriteList(writer, "all", a.Conditions);
                break;
            case AnyCondition a:
                WriteList(writer, "any", a.Conditions);
                break;
            case NotCondition n:
                writer.WriteStartObject();
                writer.WritePropertyName("not");
                Write(writer, n.Operand);
                writer.WriteEndObject();
                break;
            case ReferenceCondition r:
                writer.WriteStartObject();
                writer.WriteString("ref", r.Name);
                writer.WriteEndObject();
                break;
            case FieldCondition f:
                writer.WriteStartObject();
                writer.WriteString("field", f.FieldName);
                writer.WriteString("op", ConditionOperators.ToToken(f.Operator));
                if (f.Values.Count > 0)
                {
                    writer.WritePropertyName("value");
                    if (f.Values.Count == 1 && !TakesArray(f.Operator))
                    {
                        WriteValue(writer, f.Values[0]);
                    }
                    else
                    {
                        writer.WriteStartArray();
                        foreach (var v in f.Values)
                        {
                            WriteValue(writer, v);
                        }

                        writer.WriteEndArray();
                    }
                }

                writer.WriteEndObject();
                break;
            default:
                throw new ArgumentException("Unsupported condition type.", nameof(condition));
        }
    }

    /// <summary>Returns a condition definition as compact JSON text.</summary>
    /// <param name="condition">The definition.</param>
    /// <returns>The JSON.</returns>
    public static string ToJson(Condition condition)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, condition);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    internal static JsonDocument ParseDocument(string json)
    {
        try
        {
            return Primitives.JsonText.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            var where = string.Create(CultureInfo.InvariantCulture, $"line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}");
            RuleDefinitionError[] errors = [new RuleDefinitionError("$", Primitives.JsonDepth.Reason(json, "Malformed JSON at " + where + "."))];
            throw new RuleDefinitionException(errors, ex);
        }
    }

    /// <summary>
    /// Adds the named conditions of a JSON object <c>{"name": condition, ...}</c> to a builder (for hosts that embed a <c>conditions</c>
    /// section in their own documents). Parse errors are not thrown here: <see cref="ConditionSetBuilder.Build()"/> reports them together
    /// with the validation errors, each with its JSON path.
    /// </summary>
    /// <param name="builder">The builder.</param>
    /// <param name="element">The object.</param>
    /// <param name="path">The object's JSON path, e.g. <c>$.conditions</c>.</param>
    /// <exception cref="InvalidOperationException">The builder was already built.</exception>
    public static void AddDefinitions(ConditionSetBuilder builder, JsonElement element, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(path);
        if (element.ValueKind != JsonValueKind.Object)
        {
            builder.AddError(new RuleDefinitionError(path, "Expected an object mapping names to conditions.", null, element.ValueKind.ToString()));
            return;
        }

        var errors = new List<RuleDefinitionError>();
        foreach (var p in element.EnumerateObject())
        {
            var itemPath = Prop(path, p.Name);
            if (string.IsNullOrWhiteSpace(p.Name))
            {
                builder.AddError(new RuleDefinitionError(itemPath, "Condition names must not be blank."));
                continue;
            }

            errors.Clear();
            var c = Read(p.Value, itemPath, errors);
            foreach (var e in errors)
            {
                builder.AddError(e);
            }

            if (c is not null)
            {
                builder.Add(p.Name, c, itemPath);
            }
            else
            {
                builder.AddInvalid(p.Name, itemPath);
            }
        }
    }

    /// <summary>Reads one condition; adds errors and returns <see langword="null"/> when invalid.</summary>
    internal static Condition? Read(JsonElement e, string path, List<RuleDefinitionError> errors)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new RuleDefinitionError(path, "Expected a condition object ({\"all\":[…]}, {\"any\":[…]}, {\"not\":…}, {\"ref\":…} or {\"field\":…,\"op\":…}).", null, e.ValueKind.ToString()));
            return null;
        }

        JsonElement? all = null, any = null, not = null, reference = null, field = null, op = null, value = null;
        var before = errors.Count;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in e.EnumerateObject())
        {
            if (!seen.Add(p.Name))
            {
                errors.Add(new RuleDefinitionError(Prop(path, p.Name), "Duplicate property.", null, p.Name));
                continue;
            }

            switch (p.Name)
            {
                case "all": all = p.Value; break;
                case "any": any = p.Value; break;
                case "not": not = p.Value; break;
                case "ref": reference = p.Value; break;
                case "field": field = p.Value; break;
                case "op": op = p.Value; break;
                case "value": value = p.Value; break;
                default:
                    errors.Add(new RuleDefinitionError(Prop(path, p.Name), "Unknown property; expected one of all, any, not, ref, or field/op/value.", null, p.Name));
                    break;
            }
        }

        var kinds = (all is null ? 0 : 1) + (any is null ? 0 : 1) + (not is null ? 0 : 1) + (reference is null ? 0 : 1) + (field is null ? 0 : 1);
        if (kinds != 1)
        {
            errors.Add(new RuleDefinitionError(path, kinds == 0
                ? "Empty condition: expected one of all, any, not, ref or field."
                : "A condition must have exactly one of all, any, not, ref or field."));
            return null;
        }

        if (field is null && (op is not null || value is not null))
        {
            errors.Add(new RuleDefinitionError(path, "'op' and 'value' belong to field conditions only."));
        }

        Condition? result = null;
        if (all is { } a)
        {
            result = ReadList(a, path + ".all", errors) is { } list ? Condition.All(list) : null;
        }
        else if (any is { } y)
        {
            result = ReadList(y, path + ".any", errors) is { } list ? Condition.Any(list) : null;
        }
        else if (not is { } n)
        {
            result = Read(n, path + ".not", errors) is { } inner ? Condition.Not(inner) : null;
        }
        else if (reference is { } r)
        {
            if (r.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(r.GetString()))
            {
                errors.Add(new RuleDefinitionError(path + ".ref", "Expected the name of a condition or segment.", null, r.ToString()));
            }
            else
            {
                result = Condition.Ref(r.GetString()!);
            }
        }
        else
        {
            result = ReadField(field!.Value, op, value, path, errors);
        }

        return errors.Count == before ? result : null;
    }

    private static Condition[]? ReadList(JsonElement e, string path, List<RuleDefinitionError> errors)
    {
        if (e.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new RuleDefinitionError(path, "Expected an array of conditions.", null, e.ValueKind.ToString()));
            return null;
        }

        var list = new List<Condition>();
        var i = 0;
        var ok = true;
        foreach (var item in e.EnumerateArray())
        {
            var c = Read(item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"), errors);
            if (c is null)
            {
                ok = false;
            }
            else
            {
                list.Add(c);
            }
        }

        return ok ? [.. list] : null;
    }

    private static FieldCondition? ReadField(JsonElement field, JsonElement? op, JsonElement? value, string path, List<RuleDefinitionError> errors)
    {
        if (field.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(field.GetString()))
        {
            errors.Add(new RuleDefinitionError(path + ".field", "Expected a field name such as features.recencyDays.", null, field.ToString()));
            return null;
        }

        var name = field.GetString()!;
        if (op is not { ValueKind: JsonValueKind.String } o || !ConditionOperators.TryParse(o.GetString(), out var parsed))
        {
            errors.Add(new RuleDefinitionError(
                path + ".op",
                op is null ? "Missing 'op'." : "Unknown operator; expected one of " + string.Join(", ", ConditionOperators.Tokens) + ".",
                name,
                op?.ToString()));
            return null;
        }

        var values = new List<ConditionValue>();
        if (value is { } v)
        {
            if (v.ValueKind == JsonValueKind.Array)
            {
                if (!TakesArray(parsed))
                {
                    errors.Add(new RuleDefinitionError(path + ".value", $"Operator '{ConditionOperators.ToToken(parsed)}' takes a single value, not an array.", name, v.ToString()));
                    return null;
                }

                var i = 0;
                foreach (var item in v.EnumerateArray())
                {
                    if (!TryValue(item, string.Create(CultureInfo.InvariantCulture, $"{path}.value[{i++}]"), name, errors, out var cv))
                    {
                        return null;
                    }

                    values.Add(cv);
                }
            }
            else
            {
                if (TakesArray(parsed) && parsed != ConditionOperator.In && parsed != ConditionOperator.NotIn
                    && parsed != ConditionOperator.ContainsAny && parsed != ConditionOperator.ContainsAll)
                {
                    errors.Add(new RuleDefinitionError(path + ".value", "'between' takes an array [min, max].", name, v.ToString()));
                    return null;
                }

                if (!TryValue(v, path + ".value", name, errors, out var cv))
                {
                    return null;
                }

                values.Add(cv);
            }
        }

        return new FieldCondition(name, parsed, values);
    }

    private static bool TryValue(JsonElement e, string path, string field, List<RuleDefinitionError> errors, out ConditionValue value)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Number when e.TryGetDouble(out var d) && double.IsFinite(d):
                value = ConditionValue.FromNumber(d);
                return true;
            case JsonValueKind.String:
                value = ConditionValue.FromText(e.GetString()!);
                return true;
            default:
                errors.Add(new RuleDefinitionError(path, "Expected a number or a text (instants as ISO-8601 text).", field, e.ToString()));
                value = default;
                return false;
        }
    }

    private static bool TakesArray(ConditionOperator op) =>
        op is ConditionOperator.Between or ConditionOperator.In or ConditionOperator.NotIn or ConditionOperator.ContainsAny or ConditionOperator.ContainsAll;

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<Condition> list)
    {
        writer.WriteStartObject();
        writer.WritePropertyName(name);
        writer.WriteStartArray();
        foreach (var c in list)
        {
            Write(writer, c);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, ConditionValue v)
    {
        switch (v.Kind)
        {
            case ConditionValueKind.Number:
                writer.WriteNumberValue(v.Number);
                break;
            case ConditionValueKind.Instant:
                writer.WriteStringValue(v.Instant.ToString("O", CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(v.Text);
                break;
        }
    }

    internal static string Prop(string path, string name)
    {
        foreach (var ch in name)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            {
                return path + "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";
            }
        }

        return name.Length == 0 ? path + "['']" : path + "." + name;
    }
}
