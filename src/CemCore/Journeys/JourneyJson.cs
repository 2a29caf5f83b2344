using System.Globalization;
using System.Text.Json;
using CemCore.Personalization;
using CemCore.Rules;

namespace CemCore.Journeys;

/// <summary>
/// Loads a <see cref="JourneyDefinition"/> from JSON (<see cref="JsonDocument"/> only: no type names, no code). Every problem is reported at
/// once with its JSON path (<see cref="RuleDefinitionException"/>).
/// </summary>
/// <remarks>
/// <para>Schema (unknown properties are errors; comments allowed):</para>
/// <code>
/// {
///   "id": "post-purchase",
///   "entry": { "event": "first_purchase", "when": condition, "limit": "once" | "unlimited" | { "oncePerDays": 30 } },
///   "goal": "purchase",                      // optional: exits the customer early
///   "seed": "2026-q1",                        // optional: split assignment seed (default "journey")
///   "steps": [                                // the first step is where customers start
///     { "id": "welcome", "type": "send", "rules": ["welcome"], "next": "pause" },
///     { "id": "pause", "type": "wait", "days": 3, "hours": 0, "minutes": 0, "next": "bought" },
///     { "id": "bought", "type": "waitForEvent", "event": "purchase", "timeoutDays": 7, "onEvent": "thanks", "onTimeout": "ab" },
///     { "id": "vip", "type": "branch", "when": condition, "then": "a", "else": "b" },
///     { "id": "ab", "type": "split", "variants": [ { "name": "A", "weight": 50, "next": "a" }, { "name": "B", "weight": 50, "next": null } ] },
///     { "id": "done", "type": "exit" } ]
/// }
/// </code>
/// <para>A missing or <c>null</c> next/then/else/onEvent/onTimeout completes the journey. Conditions use the CemCore.Rules schema.</para>
/// </remarks>
public static class JourneyJson
{
    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false, MaxDepth = 64 };

    /// <summary>Loads and validates a journey.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="rules">When given, every rule a send step names must exist in it.</param>
    /// <param name="conditions">Named conditions and the field registry; <see langword="null"/> for <see cref="ConditionSet.Empty"/>.</param>
    /// <returns>The journey.</returns>
    /// <exception cref="RuleDefinitionException">Malformed JSON or an invalid definition; every problem with its path.</exception>
    public static JourneyDefinition Load(string json, PersonalizationRuleSet? rules = null, ConditionSet? conditions = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, s_options);
        }
        catch (JsonException ex)
        {
            throw new RuleDefinitionException(new List<RuleDefinitionError> { new("$", Primitives.JsonDepth.Reason(json, string.Create(CultureInfo.InvariantCulture, $"Malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}."))) });
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RuleDefinitionException(new List<RuleDefinitionError> { new("$", "Expected a journey object.") });
            }

            var errors = new List<RuleDefinitionError>();
            var id = Text(root, "id", "$", errors, required: true) ?? string.Empty;
            var builder = new JourneyBuilder(id);
            Known(root, "$", errors, "id", "entry", "goal", "seed", "steps");
            if (Text(root, "goal", "$", errors) is { } goal)
            {
                builder.ExitOn(goal);
            }

            if (Text(root, "seed", "$", errors) is { } seed && !string.IsNullOrWhiteSpace(seed))
            {
                builder.WithSeed(seed);
            }

            if (root.TryGetProperty("entry", out var entry) && entry.ValueKind == JsonValueKind.Object)
            {
                Known(entry, "$.entry", errors, "event", "when", "limit");
                var ev = Text(entry, "event", "$.entry", errors, required: true);
                Condition? when = entry.TryGetProperty("when", out var w) ? ParseCondition(w, "$.entry.when", errors) : null;
                if (ev is not null)
                {
                    builder.EnteredBy(ev, when);
                }

                if (entry.TryGetProperty("limit", out var limit))
                {
                    if (ReadLimit(limit, errors) is { } l)
                    {
                        builder.Limit(l);
                    }
                }
            }
            else
            {
                errors.Add(new RuleDefinitionError("$.entry", "Expected an object with 'event'."));
            }

            if (root.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array)
            {
                var i = 0;
                foreach (var s in steps.EnumerateArray())
                {
                    ReadStep(builder, s, string.Create(CultureInfo.InvariantCulture, $"$.steps[{i++}]"), errors);
                }
            }
            else
            {
                errors.Add(new RuleDefinitionError("$.steps", "Expected an array of steps."));
            }

            foreach (var e in errors)
            {
                builder.AddError(e);
            }

            return builder.Build(conditions, rules);
        }
    }

    private static JourneyEntryLimit? ReadLimit(JsonElement limit, List<RuleDefinitionError> errors)
    {
        const string path = "$.entry.limit";
        if (limit.ValueKind == JsonValueKind.String)
        {
            switch (limit.GetString())
            {
                case "once":
                    return JourneyEntryLimit.Once;
                case "unlimited":
                    return JourneyEntryLimit.Unlimited;
            }
        }
        else if (limit.ValueKind == JsonValueKind.Object && limit.TryGetProperty("oncePerDays", out var d) && d.TryGetDouble(out var days) && double.IsFinite(days) && days > 0 && days <= 36_500)
        {
            return JourneyEntryLimit.OncePer(TimeSpan.FromDays(days));
        }

        errors.Add(new RuleDefinitionError(path, "Expected \"once\", \"unlimited\" or {\"oncePerDays\": N} with N in (0, 36500].", null, limit.GetRawText()));
        return null;
    }

    private static void ReadStep(JourneyBuilder builder, JsonElement s, string path, List<RuleDefinitionError> errors)
    {
        if (s.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new RuleDefinitionError(path, "Expected a step object."));
            return;
        }

        var id = Text(s, "id", path, errors, required: true) ?? string.Empty;
        var type = Text(s, "type", path, errors, required: true);
        switch (type)
        {
            case "send":
                Known(s, path, errors, "id", "type", "rules", "next");
                builder.AddAt(new JourneyStep(id, JourneyStepKind.Send) { Next = Text(s, "next", path, errors), Rules = Strings(s, "rules", path, errors) }, null, path);
                break;
            case "wait":
                Known(s, path, errors, "id", "type", "days", "hours", "minutes", "next");
                builder.AddAt(new JourneyStep(id, JourneyStepKind.Wait) { Duration = Duration(s, path, errors, "days", "hours", "minutes"), Next = Text(s, "next", path, errors) }, null, path);
                break;
            case "waitForEvent":
                Known(s, path, errors, "id", "type", "event", "timeoutDays", "timeoutHours", "timeoutMinutes", "onEvent", "onTimeout");
                builder.AddAt(
                    new JourneyStep(id, JourneyStepKind.WaitForEvent)
                    {
                        EventType = Text(s, "event", path, errors, required: true),
                        Duration = Duration(s, path, errors, "timeoutDays", "timeoutHours", "timeoutMinutes"),
                        OnEvent = Text(s, "onEvent", path, errors),
                        OnTimeout = Text(s, "onTimeout", path, errors),
                    },
                    null,
                    path);
                break;
            case "branch":
                Known(s, path, errors, "id", "type", "when", "then", "else");
                var when = s.TryGetProperty("when", out var w) ? ParseCondition(w, path + ".when", errors) : null;
                if (when is null)
                {
                    errors.Add(new RuleDefinitionError(path + ".when", "A branch needs a valid condition 'when'."));
                    return;
                }

                builder.AddAt(new JourneyStep(id, JourneyStepKind.Branch) { IfTrue = Text(s, "then", path, errors), IfFalse = Text(s, "else", path, errors) }, when, path);
                break;
            case "split":
                Known(s, path, errors, "id", "type", "variants");
                var variants = new List<SplitVariant>();
                if (s.TryGetProperty("variants", out var vs) && vs.ValueKind == JsonValueKind.Array)
                {
                    var i = 0;
                    foreach (var v in vs.EnumerateArray())
                    {
                        var vp = string.Create(CultureInfo.InvariantCulture, $"{path}.variants[{i++}]");
                        if (v.ValueKind != JsonValueKind.Object)
                        {
                            errors.Add(new RuleDefinitionError(vp, "Expected a variant object."));
                            continue;
                        }

                        Known(v, vp, errors, "name", "weight", "next");
                        var weight = v.TryGetProperty("weight", out var wt) && wt.TryGetDouble(out var x) ? x : double.NaN;
                        variants.Add(new SplitVariant(Text(v, "name", vp, errors, required: true) ?? string.Empty, weight, Text(v, "next", vp, errors)));
                    }
                }

                builder.AddAt(new JourneyStep(id, JourneyStepKind.Split) { Variants = variants }, null, path);
                break;
            case "exit":
                Known(s, path, errors, "id", "type");
                builder.AddAt(new JourneyStep(id, JourneyStepKind.Exit), null, path);
                break;
            case null:
                break;
            default:
                errors.Add(new RuleDefinitionError(path + ".type", "Unknown step type; expected send, wait, waitForEvent, branch, split or exit.", null, type));
                break;
        }
    }

    private static Condition? ParseCondition(JsonElement element, string path, List<RuleDefinitionError> errors)
    {
        try
        {
            return ConditionJson.Parse(element, path);
        }
        catch (RuleDefinitionException ex)
        {
            errors.AddRange(ex.Errors);
            return null;
        }
    }

    private static TimeSpan Duration(JsonElement s, string path, List<RuleDefinitionError> errors, string days, string hours, string minutes)
    {
        var total = 0.0;
        var any = false;
        foreach (var (name, scale) in new[] { (days, 1440.0), (hours, 60.0), (minutes, 1.0) })
        {
            if (!s.TryGetProperty(name, out var p))
            {
                continue;
            }

            if (!p.TryGetDouble(out var x) || !double.IsFinite(x) || x < 0 || x > 36_500 * 1440)
            {
                errors.Add(new RuleDefinitionError(path + "." + name, "Expected a non-negative number.", null, p.GetRawText()));
                continue;
            }

            total += x * scale;
            any = true;
        }

        if (!any)
        {
            errors.Add(new RuleDefinitionError(path, $"Expected a duration: '{days}', '{hours}' and/or '{minutes}'."));
        }

        return TimeSpan.FromMinutes(Math.Min(total, 36_500 * 1440.0));
    }

    private static void Known(JsonElement o, string path, List<RuleDefinitionError> errors, params string[] names)
    {
        foreach (var p in o.EnumerateObject())
        {
            if (!names.Contains(p.Name, StringComparer.Ordinal))
            {
                errors.Add(new RuleDefinitionError(path + "." + p.Name, "Unknown property; expected one of " + string.Join(", ", names) + ".", null, p.Name));
            }
        }
    }

    private static string? Text(JsonElement o, string name, string path, List<RuleDefinitionError> errors, bool required = false)
    {
        if (!o.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(new RuleDefinitionError(path + "." + name, "Required."));
            }

            return null;
        }

        if (p.ValueKind != JsonValueKind.String)
        {
            errors.Add(new RuleDefinitionError(path + "." + name, "Expected a string.", null, p.GetRawText()));
            return null;
        }

        return p.GetString();
    }

    private static string[] Strings(JsonElement o, string name, string path, List<RuleDefinitionError> errors)
    {
        if (!o.TryGetProperty(name, out var p))
        {
            return [];
        }

        if (p.ValueKind != JsonValueKind.Array || p.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
        {
            errors.Add(new RuleDefinitionError(path + "." + name, "Expected an array of strings."));
            return [];
        }

        return [.. p.EnumerateArray().Select(x => x.GetString()!)];
    }
}
