using System.Globalization;
using System.Text.Json;
using CemCore.Segmentation.Rfm;
using CemCore.Sources;

namespace CemCore.Segmentation.TargetGroups;

/// <summary>
/// The definition of one target group over RFM results: a customer is a member when all given conditions hold.
/// </summary>
/// <remarks>
/// <para>Conditions: the customer's segment is one of <see cref="Segments"/> (any segment with purchases when empty; list
/// <see cref="RfmSegmentMap.Prospects"/> to target customers without purchases); the M score is at least <see cref="MinMonetaryScore"/>
/// (when set); and the customer is in none of <see cref="ExcludedGroups"/>, which must be defined earlier in the set (so exclusions
/// cannot form a cycle).</para>
/// <para>Immutable and thread-safe. Lists are compared by reference.</para>
/// </remarks>
public sealed record TargetGroupDefinition
{
    /// <summary>Creates a definition.</summary>
    /// <param name="name">A non-blank name, unique in its set.</param>
    /// <param name="segments">Segment names; <see langword="null"/> or empty for any segment with purchases.</param>
    /// <param name="minMonetaryScore">The smallest M score, or <see langword="null"/> for no condition.</param>
    /// <param name="excludedGroups">Names of earlier groups whose members are excluded.</param>
    /// <exception cref="ArgumentException">The name or a listed name is blank.</exception>
    public TargetGroupDefinition(string name, IEnumerable<string>? segments = null, int? minMonetaryScore = null, IEnumerable<string>? excludedGroups = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Segments = NonBlank(segments, nameof(segments));
        MinMonetaryScore = minMonetaryScore;
        ExcludedGroups = NonBlank(excludedGroups, nameof(excludedGroups));
    }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets the segments (empty: any segment with purchases).</summary>
    public IReadOnlyList<string> Segments { get; }

    /// <summary>Gets the smallest M score, or <see langword="null"/>.</summary>
    public int? MinMonetaryScore { get; }

    /// <summary>Gets the groups whose members are excluded.</summary>
    public IReadOnlyList<string> ExcludedGroups { get; }

    private static System.Collections.ObjectModel.ReadOnlyCollection<string> NonBlank(IEnumerable<string>? items, string paramName)
    {
        var list = items?.ToArray() ?? [];
        for (var i = 0; i < list.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(list[i]))
            {
                throw new ArgumentException($"Element {i} of {paramName} is blank.", paramName);
            }
        }

        return Array.AsReadOnly(list);
    }
}

/// <summary>The target groups a customer belongs to, as a bit set over the groups of a <see cref="TargetGroupSet"/>.</summary>
/// <remarks>The default value is membership in no group. A customer may be in several groups.</remarks>
/// <param name="Mask">Bit <c>i</c> is set when the customer is in group <c>i</c>.</param>
public readonly record struct TargetGroupMembership(uint Mask)
{
    /// <summary>Gets the number of groups.</summary>
    public int Count => System.Numerics.BitOperations.PopCount(Mask);

    /// <summary>Returns whether the customer is in group <paramref name="groupIndex"/>.</summary>
    /// <param name="groupIndex">The group's index in <see cref="TargetGroupSet.Groups"/>.</param>
    /// <returns><see langword="true"/> when a member.</returns>
    public bool Contains(int groupIndex) => (uint)groupIndex < 32 && (Mask & (1u << groupIndex)) != 0;
}

/// <summary>
/// A validated set of target groups over an RFM segment map. The default set (<see cref="CreateDefault"/>):
/// <list type="bullet">
/// <item><c>core</c>: Champions + Loyal Customers;</item>
/// <item><c>potential</c>: Potential Loyalists + Promising + New Customers;</item>
/// <item><c>long-tail</c>: every other customer with purchases (not core, not potential) — the low-frequency, low-value tail;</item>
/// <item><c>high-value</c>: M score = the top bin (the top monetary quintile with 5 rank-quantile bins).</item>
/// </list>
/// A customer may be in several groups (e.g. core and high-value); core, potential and long-tail partition the customers with purchases.
/// </summary>
/// <remarks>Override the defaults with <see cref="Create"/> or <see cref="LoadJson"/>. Immutable and thread-safe; <see cref="Evaluate"/> is allocation-free.</remarks>
public sealed class TargetGroupSet
{
    /// <summary>The largest number of groups in a set (32).</summary>
    public const int MaxGroups = 32;

    private readonly bool[][] _segments; // per group: allowed segment index (+1; slot 0 = prospects), or null-like all-false = any
    private readonly bool[] _anySegment;
    private readonly int[] _minM;
    private readonly uint[] _exclude;

    private TargetGroupSet(RfmSegmentMap map, TargetGroupDefinition[] groups, bool[][] segments, bool[] anySegment, int[] minM, uint[] exclude)
    {
        SegmentMap = map;
        Groups = Array.AsReadOnly(groups);
        _segments = segments;
        _anySegment = anySegment;
        _minM = minM;
        _exclude = exclude;
    }

    /// <summary>Gets the groups, in evaluation order.</summary>
    public IReadOnlyList<TargetGroupDefinition> Groups { get; }

    /// <summary>Gets the segment map the set was validated against.</summary>
    public RfmSegmentMap SegmentMap { get; }

    /// <summary>Creates the default set (see the class summary) for a map that has the segments it names.</summary>
    /// <param name="map">The map; <see langword="null"/> for <see cref="RfmSegmentMap.RecencyFrequency10"/>.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentException">The map lacks a segment the defaults name.</exception>
    public static TargetGroupSet CreateDefault(RfmSegmentMap? map = null)
    {
        map ??= RfmSegmentMap.RecencyFrequency10;
        return Create(
            [
                new TargetGroupDefinition("core", ["Champions", "Loyal Customers"]),
                new TargetGroupDefinition("potential", ["Potential Loyalists", "Promising", "New Customers"]),
                new TargetGroupDefinition("long-tail", excludedGroups: ["core", "potential"]),
                new TargetGroupDefinition("high-value", minMonetaryScore: map.Bins),
            ],
            map);
    }

    /// <summary>Validates definitions against a map.</summary>
    /// <param name="groups">The definitions (1 to 32).</param>
    /// <param name="map">The segment map.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentException">A name repeats; a segment is unknown to the map; an M score is outside [1, bins]; or an exclusion
    /// names a group that is not defined earlier (which also rules out cycles). The message names the group and the value.</exception>
    public static TargetGroupSet Create(IEnumerable<TargetGroupDefinition> groups, RfmSegmentMap map)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(map);
        var list = groups.ToArray();
        if (list.Length is 0 or > MaxGroups)
        {
            throw new ArgumentException($"A target group set needs 1 to {MaxGroups} groups but got {list.Length}.", nameof(groups));
        }

        var segIndex = new Dictionary<string, int>(StringComparer.Ordinal) { [RfmSegmentMap.Prospects] = 0 };
        for (var i = 0; i < map.Segments.Count; i++)
        {
            segIndex[map.Segments[i]] = i + 1;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var segments = new bool[list.Length][];
        var any = new bool[list.Length];
        var minM = new int[list.Length];
        var exclude = new uint[list.Length];
        for (var g = 0; g < list.Length; g++)
        {
            var d = list[g] ?? throw new ArgumentNullException(nameof(groups), $"Group {g} is null.");
            if (!names.TryAdd(d.Name, g))
            {
                throw new ArgumentException($"The target group '{d.Name}' is defined twice.", nameof(groups));
            }

            segments[g] = new bool[map.Segments.Count + 1];
            any[g] = d.Segments.Count == 0;
            foreach (var s in d.Segments)
            {
                if (!segIndex.TryGetValue(s, out var si))
                {
                    throw new ArgumentException(
                        $"The target group '{d.Name}' names the unknown segment '{s}'; the map '{map.Name}' has: {string.Join(", ", map.Segments)}, {RfmSegmentMap.Prospects}.",
                        nameof(groups));
                }

                segments[g][si] = true;
            }

            if (d.MinMonetaryScore is { } m && (m < 1 || m > map.Bins))
            {
                throw new ArgumentException($"The target group '{d.Name}' has minMonetaryScore {m}; expected a score in [1, {map.Bins}].", nameof(groups));
            }

            minM[g] = d.MinMonetaryScore ?? 0;
            foreach (var e in d.ExcludedGroups)
            {
                if (!names.TryGetValue(e, out var ei) || ei == g)
                {
                    throw new ArgumentException(
                        $"The target group '{d.Name}' excludes '{e}', which is not defined before it; exclusions may only name earlier groups (no cycles).",
                        nameof(groups));
                }

                exclude[g] |= 1u << ei;
            }
        }

        return new TargetGroupSet(map, list, segments, any, minM, exclude);
    }

    /// <summary>
    /// Loads a set from JSON: <c>{"groups":[{"name":"core","segments":["Champions","Loyal Customers"]},
    /// {"name":"high-value","minMonetaryScore":5},{"name":"long-tail","exclude":["core"]}]}</c>. Data only; nothing is executed.
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="map">The segment map to validate against.</param>
    /// <param name="sourceName">The name used in messages.</param>
    /// <returns>The set.</returns>
    /// <exception cref="DataFormatException">The JSON is malformed or a definition is invalid; the message names the field.</exception>
    public static TargetGroupSet LoadJson(string json, RfmSegmentMap map, string sourceName = "target groups")
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(map);
        JsonDocument doc;
        try
        {
            doc = Primitives.JsonText.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new DataFormatException(Primitives.JsonDepth.Reason(json, "The target groups are not valid JSON."), sourceName, ex.LineNumber + 1, null, ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("groups", out var groups) || groups.ValueKind != JsonValueKind.Array)
            {
                throw new DataFormatException("Expected an object with a 'groups' array.", sourceName, null, "groups");
            }

            var defs = new List<TargetGroupDefinition>();
            var i = 0;
            foreach (var g in groups.EnumerateArray())
            {
                var field = string.Create(CultureInfo.InvariantCulture, $"groups[{i++}]");
                if (g.ValueKind != JsonValueKind.Object)
                {
                    throw new DataFormatException("Expected an object.", sourceName, null, field);
                }

                string? name = null;
                List<string>? segs = null;
                List<string>? excl = null;
                int? minM = null;
                foreach (var p in g.EnumerateObject())
                {
                    switch (p.Name)
                    {
                        case "name" when p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString()):
                            name = p.Value.GetString();
                            break;
                        case "segments" when p.Value.ValueKind == JsonValueKind.Array:
                            segs = Strings(p.Value, sourceName, field + ".segments");
                            break;
                        case "exclude" when p.Value.ValueKind == JsonValueKind.Array:
                            excl = Strings(p.Value, sourceName, field + ".exclude");
                            break;
                        case "minMonetaryScore" when p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var m):
                            minM = m;
                            break;
                        case "name" or "segments" or "exclude" or "minMonetaryScore":
                            throw new DataFormatException("Wrong type: name is a non-blank string, segments and exclude are arrays of strings, minMonetaryScore a whole number.", sourceName, null, field + "." + p.Name);
                        default:
                            throw new DataFormatException("Unknown property; expected name, segments, minMonetaryScore, exclude.", sourceName, null, field + "." + p.Name);
                    }
                }

                if (name is null)
                {
                    throw new DataFormatException("Missing the group name.", sourceName, null, field + ".name");
                }

                defs.Add(new TargetGroupDefinition(name, segs, minM, excl));
            }

            try
            {
                return Create(defs, map);
            }
            catch (ArgumentException ex)
            {
                throw new DataFormatException(ex.Message.Split(" (Parameter", 2)[0], sourceName, null, "groups", ex);
            }
        }
    }

    /// <summary>Returns the groups of one customer. Allocation-free.</summary>
    /// <param name="score">The customer's RFM scores (the default score for a prospect).</param>
    /// <returns>The membership.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside the map's range.</exception>
    public TargetGroupMembership Evaluate(RfmScore score)
    {
        var slot = SegmentMap.SegmentIndexOf(score) + 1;
        uint mask = 0;
        for (var g = 0; g < _segments.Length; g++)
        {
            var segmentOk = _anySegment[g] ? slot > 0 : _segments[g][slot];
            if (segmentOk && score.Monetary >= _minM[g] && (mask & _exclude[g]) == 0)
            {
                mask |= 1u << g;
            }
        }

        return new TargetGroupMembership(mask);
    }

    /// <summary>Counts the members of each group in an RFM result.</summary>
    /// <param name="result">The result (scored with a map that has this set's segments).</param>
    /// <returns>Per group, in order: name and member count. Counts may sum to more than the customers (overlapping groups).</returns>
    public IReadOnlyList<KeyValuePair<string, int>> CountMembers(RfmResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var counts = new int[Groups.Count];
        foreach (var s in result.Scores)
        {
            var m = Evaluate(s).Mask;
            while (m != 0)
            {
                var g = System.Numerics.BitOperations.TrailingZeroCount(m);
                counts[g]++;
                m &= m - 1;
            }
        }

        var list = new KeyValuePair<string, int>[counts.Length];
        for (var g = 0; g < counts.Length; g++)
        {
            list[g] = new(Groups[g].Name, counts[g]);
        }

        return list;
    }

    private static List<string> Strings(JsonElement array, string source, string field)
    {
        var list = new List<string>();
        var i = 0;
        foreach (var e in array.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(e.GetString()))
            {
                throw new DataFormatException("Expected a non-blank string.", source, null, string.Create(CultureInfo.InvariantCulture, $"{field}[{i}]"));
            }

            list.Add(e.GetString()!);
            i++;
        }

        return list;
    }
}
