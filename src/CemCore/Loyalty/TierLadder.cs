using System.Globalization;
using System.Text.Json;
using CemCore.Sources;

namespace CemCore.Loyalty;

/// <summary>The benefits of a tier (exposed to the personalization rules through <see cref="LoyaltyFields"/>).</summary>
/// <param name="DiscountPercent">Member discount in percent [0, 100].</param>
/// <param name="PointsMultiplier">Points multiplier (&gt; 0).</param>
/// <param name="FreeShipping">Free shipping.</param>
/// <param name="BirthdayGift">Birthday gift.</param>
/// <param name="PriorityService">Priority service.</param>
public sealed record TierBenefits(decimal DiscountPercent = 0m, decimal PointsMultiplier = 1m, bool FreeShipping = false, bool BirthdayGift = false, bool PriorityService = false);

/// <summary>
/// One tier. A member qualifies when, within the ladder's rolling window, any of the set thresholds is met (or all of them when the
/// ladder says <see cref="TierLadder.RequireAll"/>): qualifying spend, purchase orders, points earned. Never the current balance.
/// </summary>
/// <param name="Id">Stable id (e.g. <c>gold</c>).</param>
/// <param name="Name">Display name (e.g. 金卡).</param>
/// <param name="MinSpend">Spend threshold (0: not used).</param>
/// <param name="MinOrders">Orders threshold (0: not used).</param>
/// <param name="MinPoints">Earned points threshold (0: not used).</param>
/// <param name="Benefits">The benefits.</param>
public sealed record TierDefinition(string Id, string Name, decimal MinSpend, int MinOrders, long MinPoints, TierBenefits Benefits)
{
    /// <summary>Gets whether the tier has no threshold (the entry tier).</summary>
    public bool IsEntry => MinSpend == 0m && MinOrders == 0 && MinPoints == 0;
}

/// <summary>
/// A tier ladder (data: built in C# or loaded from JSON, validated at load). Tiers from lowest to highest; the first is the entry tier
/// with no threshold; every higher tier has at least one threshold and none lower than the tier below. Promotion is immediate;
/// demotion happens only at a review (every <see cref="ReviewMonths"/> months from 1 January UTC) after <see cref="GraceDays"/>.
/// </summary>
public sealed class TierLadder
{
    private static readonly string[] LadderProperties = ["windowDays", "reviewMonths", "graceDays", "requireAll", "tiers"];
    private static readonly string[] TierProperties = ["id", "name", "minSpend", "minOrders", "minPoints", "benefits"];
    private static readonly string[] BenefitProperties = ["discountPercent", "pointsMultiplier", "freeShipping", "birthdayGift", "priorityService"];
    private readonly TierDefinition[] _tiers;

    /// <summary>Creates and validates a ladder.</summary>
    /// <param name="tiers">Lowest to highest.</param>
    /// <param name="windowDays">Rolling qualification window in days [1, 3660].</param>
    /// <param name="reviewMonths">Months between reviews [1, 24] (1, 2, 3, 4, 6, 12 divide the year).</param>
    /// <param name="graceDays">Days a member keeps the tier after a review found them below it [0, 366].</param>
    /// <param name="requireAll">Whether every set threshold must be met (default: any).</param>
    public TierLadder(IEnumerable<TierDefinition> tiers, int windowDays = 365, int reviewMonths = 3, int graceDays = 0, bool requireAll = false)
    {
        ArgumentNullException.ThrowIfNull(tiers);
        _tiers = [.. tiers];
        ArgumentOutOfRangeException.ThrowIfLessThan(windowDays, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(windowDays, 3660);
        ArgumentOutOfRangeException.ThrowIfLessThan(reviewMonths, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(reviewMonths, 24);
        ArgumentOutOfRangeException.ThrowIfNegative(graceDays);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(graceDays, 366);
        if (_tiers.Length == 0)
        {
            throw new ArgumentException("A ladder needs at least one tier.", nameof(tiers));
        }

        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _tiers.Length; i++)
        {
            var t = _tiers[i] ?? throw new ArgumentException($"Tier {i} is null.", nameof(tiers));
            if (string.IsNullOrWhiteSpace(t.Id) || !ids.Add(t.Id))
            {
                throw new ArgumentException($"Tier {i}: the id '{t.Id}' is blank or used twice.", nameof(tiers));
            }

            if (t.MinSpend < 0m || t.MinOrders < 0 || t.MinPoints < 0)
            {
                throw new ArgumentException($"Tier '{t.Id}': thresholds must not be negative.", nameof(tiers));
            }

            var b = t.Benefits ?? throw new ArgumentException($"Tier '{t.Id}' has no benefits.", nameof(tiers));
            if (b.DiscountPercent is < 0m or > 100m || b.PointsMultiplier <= 0m)
            {
                throw new ArgumentException($"Tier '{t.Id}': discount must be in [0, 100] and the points multiplier positive.", nameof(tiers));
            }

            if (i == 0 != t.IsEntry)
            {
                throw new ArgumentException(i == 0 ? $"The first tier '{t.Id}' is the entry tier and must have no threshold." : $"Tier '{t.Id}' needs at least one threshold.", nameof(tiers));
            }

            if (i > 0)
            {
                var p = _tiers[i - 1];
                if (t.MinSpend < p.MinSpend || t.MinOrders < p.MinOrders || t.MinPoints < p.MinPoints)
                {
                    throw new ArgumentException($"Tier '{t.Id}' has a threshold below the tier under it ('{p.Id}'): tiers go from lowest to highest.", nameof(tiers));
                }
            }
        }

        WindowDays = windowDays;
        ReviewMonths = reviewMonths;
        GraceDays = graceDays;
        RequireAll = requireAll;
    }

    /// <summary>
    /// Gets the default ladder: <c>standard</c> 普通 (entry), <c>silver</c> 银卡 (spend ≥ 2000 or 6 orders or 2000 points in 365 days;
    /// 5 % off, 1.25× points, birthday gift), <c>gold</c> 金卡 (spend ≥ 8000 or 15 orders or 8000 points; 10 % off, 1.5× points,
    /// free shipping, birthday gift, priority service); quarterly reviews, no grace.
    /// </summary>
    public static TierLadder Default { get; } = new(
    [
        new TierDefinition("standard", "普通", 0m, 0, 0, new TierBenefits()),
        new TierDefinition("silver", "银卡", 2000m, 6, 2000, new TierBenefits(5m, 1.25m, false, true, false)),
        new TierDefinition("gold", "金卡", 8000m, 15, 8000, new TierBenefits(10m, 1.5m, true, true, true)),
    ]);

    /// <summary>Gets the tiers from lowest to highest.</summary>
    public IReadOnlyList<TierDefinition> Tiers => _tiers;

    /// <summary>Gets the rolling window in days.</summary>
    public int WindowDays { get; }

    /// <summary>Gets the months between reviews.</summary>
    public int ReviewMonths { get; }

    /// <summary>Gets the grace days before a demotion found at a review takes effect.</summary>
    public int GraceDays { get; }

    /// <summary>Gets whether all set thresholds must be met.</summary>
    public bool RequireAll { get; }

    /// <summary>Returns the index of the highest tier the window figures qualify for (O(tiers), allocation-free).</summary>
    /// <param name="spend">Qualifying spend in the window.</param>
    /// <param name="orders">Purchase orders in the window.</param>
    /// <param name="points">Points earned in the window.</param>
    public int Qualify(decimal spend, int orders, long points)
    {
        for (var i = _tiers.Length - 1; i > 0; i--)
        {
            var t = _tiers[i];
            var spendOk = t.MinSpend > 0m && spend >= t.MinSpend;
            var ordersOk = t.MinOrders > 0 && orders >= t.MinOrders;
            var pointsOk = t.MinPoints > 0 && points >= t.MinPoints;
            var ok = RequireAll
                ? (t.MinSpend == 0m || spendOk) && (t.MinOrders == 0 || ordersOk) && (t.MinPoints == 0 || pointsOk)
                : spendOk || ordersOk || pointsOk;
            if (ok)
            {
                return i;
            }
        }

        return 0;
    }

    /// <summary>Returns the index of the tier with <paramref name="id"/> (case-insensitive), or -1.</summary>
    /// <param name="id">The tier id.</param>
    public int IndexOf(string id)
    {
        for (var i = 0; i < _tiers.Length; i++)
        {
            if (string.Equals(_tiers[i].Id, id, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Returns the first review instant strictly after <paramref name="after"/> (00:00 UTC on the 1st of a month that is a multiple of <see cref="ReviewMonths"/> from January).</summary>
    /// <param name="after">The instant.</param>
    public DateTimeOffset NextReview(DateTimeOffset after)
    {
        var u = after.ToUniversalTime();
        var m = new DateTimeOffset(u.Year, 1, 1, 0, 0, 0, TimeSpan.Zero);
        while (m <= u)
        {
            m = m.AddMonths(ReviewMonths);
        }

        return m;
    }

    /// <summary>
    /// Loads a ladder from JSON: <c>{"windowDays":365,"reviewMonths":3,"graceDays":0,"requireAll":false,"tiers":[{"id":"standard","name":"普通"},
    /// {"id":"gold","name":"金卡","minSpend":8000,"minOrders":15,"minPoints":8000,"benefits":{"discountPercent":10,"pointsMultiplier":1.5,
    /// "freeShipping":true,"birthdayGift":true,"priorityService":true}}]}</c>. Unknown properties are errors (typos are caught).
    /// </summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="fileName">The file name for messages.</param>
    /// <exception cref="DataFormatException">Malformed JSON or an invalid ladder (the message names the file and field).</exception>
    public static TierLadder FromJson(string json, string fileName = "ladder.json")
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = Primitives.JsonText.Parse(json);
            var root = doc.RootElement;
            Expect(root, JsonValueKind.Object, "$", fileName);
            CheckProperties(root, LadderProperties, "$", fileName);
            if (!root.TryGetProperty("tiers", out var tiersElement) || tiersElement.ValueKind != JsonValueKind.Array)
            {
                throw new DataFormatException("'tiers' must be an array", fileName, null, "tiers");
            }

            var tiers = new List<TierDefinition>();
            var i = 0;
            foreach (var t in tiersElement.EnumerateArray())
            {
                var path = string.Create(CultureInfo.InvariantCulture, $"tiers[{i++}]");
                Expect(t, JsonValueKind.Object, path, fileName);
                CheckProperties(t, TierProperties, path, fileName);
                var benefits = new TierBenefits();
                if (t.TryGetProperty("benefits", out var b))
                {
                    Expect(b, JsonValueKind.Object, path + ".benefits", fileName);
                    CheckProperties(b, BenefitProperties, path + ".benefits", fileName);
                    benefits = new TierBenefits(
                        Dec(b, "discountPercent", 0m, path + ".benefits", fileName),
                        Dec(b, "pointsMultiplier", 1m, path + ".benefits", fileName),
                        Bool(b, "freeShipping", path + ".benefits", fileName),
                        Bool(b, "birthdayGift", path + ".benefits", fileName),
                        Bool(b, "priorityService", path + ".benefits", fileName));
                }

                var id = Str(t, "id", path, fileName);
                tiers.Add(new TierDefinition(
                    id,
                    t.TryGetProperty("name", out _) ? Str(t, "name", path, fileName) : id,
                    Dec(t, "minSpend", 0m, path, fileName),
                    (int)Dec(t, "minOrders", 0m, path, fileName),
                    (long)Dec(t, "minPoints", 0m, path, fileName),
                    benefits));
            }

            return new TierLadder(
                tiers,
                (int)Dec(root, "windowDays", 365m, "$", fileName),
                (int)Dec(root, "reviewMonths", 3m, "$", fileName),
                (int)Dec(root, "graceDays", 0m, "$", fileName),
                Bool(root, "requireAll", "$", fileName));
        }
        catch (JsonException ex)
        {
            throw new DataFormatException("malformed JSON: " + ex.Message, fileName, ex.LineNumber + 1, null, ex);
        }
        catch (ArgumentException ex)
        {
            throw new DataFormatException("invalid ladder: " + ex.Message, fileName, null, null, ex);
        }
    }

    private static void Expect(JsonElement e, JsonValueKind kind, string path, string file)
    {
        if (e.ValueKind != kind)
        {
            throw new DataFormatException($"{path} must be a JSON {kind}", file, null, path);
        }
    }

    private static void CheckProperties(JsonElement e, string[] allowed, string path, string file)
    {
        foreach (var p in e.EnumerateObject())
        {
            if (Array.IndexOf(allowed, p.Name) < 0)
            {
                throw new DataFormatException($"unknown property '{p.Name}' in {path} (allowed: {string.Join(", ", allowed)})", file, null, path + "." + p.Name);
            }
        }
    }

    private static string Str(JsonElement e, string name, string path, string file) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString())
            ? v.GetString()!
            : throw new DataFormatException($"{path}.{name} must be a non-blank string", file, null, path + "." + name);

    private static decimal Dec(JsonElement e, string name, decimal fallback, string path, string file)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return fallback;
        }

        return v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d) && d >= 0m && d <= int.MaxValue
            ? d
            : throw new DataFormatException($"{path}.{name} must be a non-negative number", file, null, path + "." + name);
    }

    private static bool Bool(JsonElement e, string name, string path, string file)
    {
        if (!e.TryGetProperty(name, out var v))
        {
            return false;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new DataFormatException($"{path}.{name} must be true or false", file, null, path + "." + name),
        };
    }
}
