using System.Globalization;
using System.Text;
using System.Text.Json;
using CemCore.Rules;

namespace CemCore.Segmentation.RuleSegments;

/// <summary>
/// Loads and writes rule-based segment definitions as JSON so marketers can store them:
/// <c>{"version": 1, "conditions": {"name": condition}, "segments": [{"name", "kind", "description", "when": condition}]}</c>
/// (conditions as in <see cref="ConditionJson"/>; schema and examples in <c>docs/rules.md</c>).
/// </summary>
/// <remarks>Only <see cref="JsonDocument"/> is used: no reflection, no type names, nothing executable. Every problem is reported with its
/// JSON path, field and value in one <see cref="RuleDefinitionException"/>. Thread-safe (stateless).</remarks>
public static class RuleSegmentJson
{
    /// <summary>The schema version written by <see cref="ToJson"/> and accepted by <see cref="Load"/>.</summary>
    public const int Version = 1;

    /// <summary>Loads and validates a segment set.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="registry">The field registry; <see langword="null"/> for <see cref="FieldRegistry.Default"/>.</param>
    /// <returns>The validated set.</returns>
    /// <exception cref="RuleDefinitionException">The JSON is malformed or a definition is invalid (unknown field, wrong type, bad
    /// operator, unknown kind, unknown reference, cycle, contradiction, duplicate name).</exception>
    public static RuleSegmentSet Load(string json, FieldRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = ConditionJson.ParseDocument(json);
        var builder = new RuleSegmentSetBuilder(registry);
        var conditions = builder.Conditions;
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            conditions.AddError(new RuleDefinitionError("$", "Expected an object with 'segments' (and optionally 'conditions', 'version').", null, root.ValueKind.ToString()));
            return builder.Build();
        }

        var sawSegments = false;
        foreach (var p in root.EnumerateObject())
        {
            switch (p.Name)
            {
                case "version":
                    if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out var v) || v != Version)
                    {
                        conditions.AddError(new RuleDefinitionError("$.version", string.Create(CultureInfo.InvariantCulture, $"Unsupported version; expected {Version}."), null, p.Value.ToString()));
                    }

                    break;
                case "conditions":
                    ReadConditions(builder, p.Value);
                    break;
                case "segments":
                    sawSegments = true;
                    ReadSegments(builder, p.Value);
                    break;
                default:
                    conditions.AddError(new RuleDefinitionError(ConditionJson.Prop("$", p.Name), "Unknown property; expected version, conditions or segments.", null, p.Name));
                    break;
            }
        }

        if (!sawSegments)
        {
            conditions.AddError(new RuleDefinitionError("$", "Missing 'segments' array."));
        }

        return builder.Build();
    }

    /// <summary>Writes a segment set as JSON (helper conditions and segments), the inverse of <see cref="Load"/>.</summary>
    /// <param name="set">The set.</param>
    /// <param name="indented">Whether to indent.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(RuleSegmentSet set, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(set);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteNumber("version", Version);
            if (set.HelperConditionNames.Count > 0)
            {
                writer.WriteStartObject("conditions");
                foreach (var name in set.HelperConditionNames)
                {
                    writer.WritePropertyName(name);
                    ConditionJson.Write(writer, set.Conditions[name].Definition);
                }

                writer.WriteEndObject();
            }

            writer.WriteStartArray("segments");
            foreach (var s in set.Segments)
            {
                writer.WriteStartObject();
                writer.WriteString("name", s.Name);
                writer.WriteString("kind", SegmentKinds.ToToken(s.Kind));
                if (s.Description is not null)
                {
                    writer.WriteString("description", s.Description);
                }

                writer.WritePropertyName("when");
                ConditionJson.Write(writer, s.Condition.Definition);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void ReadConditions(RuleSegmentSetBuilder builder, JsonElement element)
    {
        const string Path = "$.conditions";
        if (element.ValueKind != JsonValueKind.Object)
        {
            builder.Conditions.AddError(new RuleDefinitionError(Path, "Expected an object mapping names to conditions.", null, element.ValueKind.ToString()));
            return;
        }

        var errors = new List<RuleDefinitionError>();
        foreach (var p in element.EnumerateObject())
        {
            var path = ConditionJson.Prop(Path, p.Name);
            if (string.IsNullOrWhiteSpace(p.Name))
            {
                builder.Conditions.AddError(new RuleDefinitionError(path, "Condition names must not be blank."));
                continue;
            }

            errors.Clear();
            var c = ConditionJson.Read(p.Value, path, errors);
            Report(builder, errors);
            if (c is null)
            {
                builder.Conditions.AddInvalid(p.Name, path);
            }
            else
            {
                builder.AddCondition(p.Name, c, path);
            }
        }
    }

    private static void ReadSegments(RuleSegmentSetBuilder builder, JsonElement element)
    {
        const string Path = "$.segments";
        if (element.ValueKind != JsonValueKind.Array)
        {
            builder.Conditions.AddError(new RuleDefinitionError(Path, "Expected an array of segments.", null, element.ValueKind.ToString()));
            return;
        }

        var errors = new List<RuleDefinitionError>();
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"{Path}[{i++}]");
            errors.Clear();
            if (item.ValueKind != JsonValueKind.Object)
            {
                builder.Conditions.AddError(new RuleDefinitionError(path, "Expected a segment object with name, kind and when.", null, item.ValueKind.ToString()));
                continue;
            }

            string? name = null;
            SegmentKind? kind = null;
            string? description = null;
            Condition? when = null;
            var sawWhen = false;
            foreach (var p in item.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "name":
                        if (p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString()))
                        {
                            name = p.Value.GetString();
                        }
                        else
                        {
                            errors.Add(new RuleDefinitionError(path + ".name", "Expected a non-blank segment name.", null, p.Value.ToString()));
                        }

                        break;
                    case "kind":
                        if (p.Value.ValueKind == JsonValueKind.String && SegmentKinds.TryParse(p.Value.GetString(), out var k))
                        {
                            kind = k;
                        }
                        else
                        {
                            errors.Add(new RuleDefinitionError(path + ".kind", "Unknown segment kind; expected geographic, demographic, behavioural, psychographic or mixed.", null, p.Value.ToString()));
                        }

                        break;
                    case "description":
                        if (p.Value.ValueKind == JsonValueKind.String)
                        {
                            description = p.Value.GetString();
                        }
                        else if (p.Value.ValueKind != JsonValueKind.Null)
                        {
                            errors.Add(new RuleDefinitionError(path + ".description", "Expected a text.", null, p.Value.ToString()));
                        }

                        break;
                    case "when":
                        sawWhen = true;
                        when = ConditionJson.Read(p.Value, path + ".when", errors);
                        break;
                    default:
                        errors.Add(new RuleDefinitionError(ConditionJson.Prop(path, p.Name), "Unknown property; expected name, kind, description or when.", null, p.Name));
                        break;
                }
            }

            if (name is null && errors.Count == 0)
            {
                errors.Add(new RuleDefinitionError(path, "Missing 'name'."));
            }

            if (kind is null && !item.TryGetProperty("kind", out _))
            {
                errors.Add(new RuleDefinitionError(path, "Missing 'kind' (geographic, demographic, behavioural, psychographic or mixed).", null, name));
            }

            if (!sawWhen)
            {
                errors.Add(new RuleDefinitionError(path, "Missing 'when' condition.", null, name));
            }

            Report(builder, errors);
            if (name is null)
            {
                continue;
            }

            if (errors.Count == 0 && kind is { } kk && when is not null)
            {
                builder.AddSegment(name, kk, when, description, path + ".when");
            }
            else
            {
                builder.Conditions.AddInvalid(name, path);
            }
        }
    }

    private static void Report(RuleSegmentSetBuilder builder, List<RuleDefinitionError> errors)
    {
        foreach (var e in errors)
        {
            builder.Conditions.AddError(e);
        }
    }
}
