using System.Globalization;
using System.Text.Json;
using CemCore.Customers;
using CemCore.Messaging;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Personalization;

/// <summary>
/// Loads a <see cref="PersonalizationRuleSet"/> from JSON. Parsing uses <see cref="JsonDocument"/> only: no type names, no expressions, no
/// reflection — stored rules can never run code. Every problem is reported at once with its JSON path.
/// </summary>
/// <remarks>
/// <para>Schema (unknown properties are errors; comments allowed):</para>
/// <code>
/// {
///   "conditions": { "name": condition, ... },            // optional named conditions (CemCore.Rules schema), usable with {"ref": "name"}
///   "offers": [ { "id": "winback20", "kind": "percentageDiscount|fixedDiscount|pointsMultiplier|freeShipping|gift",
///                 "value": 20, "validFrom": "2026-01-01T00:00:00Z", "validUntil": "...", "perks": ["freeShipping", "freeExchange"],
///                 "categories": ["apparel"], "skus": [], "redeemableChannels": ["online", "store"], "giftSku": "...", "budgetCost": 5,
///                 "coupon": { "maxRedemptionsPerCode": 1, "codeLength": 12, "prefix": "WB", "validForDays": 30 } } ],
///   "budgets": [ { "campaign": "spring", "maxCount": 10000, "maxAmount": 50000 } ],
///   "rules": [ { "id": "winback", "when": condition, "offer": "winback20", "priority": 50, "group": "retention", "exclusive": false,
///                "validFrom": "...", "validUntil": "...", "purpose": "marketing|service|survey", "channels": ["wechat", "sms"],
///                "template": "winback", "campaign": "spring", "description": "..." } ]
/// }
/// </code>
/// <para>Instants are ISO-8601 with an offset. Thread-safe (stateless).</para>
/// </remarks>
public static class PersonalizationRuleJson
{
    private const int MaxCouponValidDays = 36_500;

    /// <summary>The channel names a rule may list (case-insensitive), as shown in load errors.</summary>
    internal const string ValidChannelNames = "wechat, email, sms, push (aliases: weixin, e-mail, mail, text, app-push, apppush, app_push)";

    private static readonly JsonDocumentOptions s_options = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = false, MaxDepth = 64 };

    /// <summary>Loads and validates a rule set.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="templates">When given, every rule's template must exist for each of its channels.</param>
    /// <param name="rejectOffersExpiredAt">When given, offers whose window ended by then are errors.</param>
    /// <param name="registry">The field registry; <see langword="null"/> for <see cref="FieldRegistry.Default"/>.</param>
    /// <returns>The rule set.</returns>
    /// <exception cref="RuleDefinitionException">The JSON is malformed or a definition is invalid; every problem is listed with its path.</exception>
    public static PersonalizationRuleSet Load(string json, TemplateCatalog? templates = null, DateTimeOffset? rejectOffersExpiredAt = null, FieldRegistry? registry = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument doc;
        try
        {
            doc = Primitives.JsonText.Parse(json, s_options);
        }
        catch (JsonException ex)
        {
            throw new RuleDefinitionException(new List<RuleDefinitionError> { new("$", Primitives.JsonDepth.Reason(json, string.Create(CultureInfo.InvariantCulture, $"Malformed JSON at line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}."))) });
        }

        using (doc)
        {
            var root = doc.RootElement;
            var errors = new List<RuleDefinitionError>();
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new RuleDefinitionException(new List<RuleDefinitionError> { new("$", "Expected an object with 'offers' and 'rules'.", null, root.ValueKind.ToString()) });
            }

            var conditions = registry is null ? ConditionSet.Empty : new ConditionSetBuilder(registry).Build();
            JsonElement? offers = null, budgets = null, rules = null;
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "conditions":
                        try
                        {
                            conditions = ConditionJson.LoadSet("{\"conditions\":" + p.Value.GetRawText() + "}", registry);
                        }
                        catch (RuleDefinitionException ex)
                        {
                            errors.AddRange(ex.Errors);
                        }

                        break;
                    case "offers": offers = p.Value; break;
                    case "budgets": budgets = p.Value; break;
                    case "rules": rules = p.Value; break;
                    case "version": break;
                    default:
                        errors.Add(new RuleDefinitionError("$." + p.Name, "Unknown property; expected 'conditions', 'offers', 'budgets', 'rules' or 'version'.", null, p.Name));
                        break;
                }
            }

            var builder = new PersonalizationRuleSetBuilder(conditions);
            if (templates is not null)
            {
                builder.WithTemplates(templates);
            }

            if (rejectOffersExpiredAt is { } at)
            {
                builder.RejectOffersExpiredAt(at);
            }

            ForEach(offers, "$.offers", errors, (e, path) => ReadOffer(e, path, builder, errors));
            ForEach(budgets, "$.budgets", errors, (e, path) => ReadBudget(e, path, builder, errors));
            if (rules is null)
            {
                errors.Add(new RuleDefinitionError("$.rules", "Missing 'rules' array."));
            }

            ForEach(rules, "$.rules", errors, (e, path) => ReadRule(e, path, builder, errors));
            foreach (var e in errors)
            {
                builder.AddError(e);
            }

            return builder.Build();
        }
    }

    private static void ForEach(JsonElement? array, string path, List<RuleDefinitionError> errors, Action<JsonElement, string> read)
    {
        if (array is not { } a)
        {
            return;
        }

        if (a.ValueKind != JsonValueKind.Array)
        {
            errors.Add(new RuleDefinitionError(path, "Expected an array.", null, a.ValueKind.ToString()));
            return;
        }

        var i = 0;
        foreach (var e in a.EnumerateArray())
        {
            var p = string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]");
            if (e.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new RuleDefinitionError(p, "Expected an object.", null, e.ValueKind.ToString()));
                continue;
            }

            read(e, p);
        }
    }

    private static void ReadOffer(JsonElement e, string path, PersonalizationRuleSetBuilder builder, List<RuleDefinitionError> errors)
    {
        var r = new Reader(e, path, errors);
        var id = r.String("id", required: true);
        var kind = r.Enum<OfferKind>("kind", required: true);
        var value = r.Decimal("value") ?? 0m;
        var from = r.Instant("validFrom");
        var until = r.Instant("validUntil");
        var perks = OfferPerks.None;
        foreach (var s in r.Strings("perks"))
        {
            if (TryEnum<OfferPerks>(s, out var perk))
            {
                perks |= perk;
            }
            else
            {
                errors.Add(new RuleDefinitionError(path + ".perks", "Unknown perk; expected freeShipping or freeExchange.", "perks", s));
            }
        }

        var categories = r.Strings("categories");
        var skus = r.Strings("skus");
        var channels = r.Strings("redeemableChannels").Select(s => new SalesChannel(s)).ToList();
        var gift = r.String("giftSku");
        var cost = r.Decimal("budgetCost");
        CouponPolicy? coupon = null;
        if (r.Object("coupon") is { } c)
        {
            var cr = new Reader(c, path + ".coupon", errors);
            var uses = cr.Int("maxRedemptionsPerCode") ?? 1;
            var length = cr.Int("codeLength") ?? 12;
            var prefix = cr.String("prefix");
            var days = cr.Decimal("validForDays");
            if (days is { } vd && (vd <= 0 || vd > MaxCouponValidDays))
            {
                errors.Add(new RuleDefinitionError(path + ".coupon.validForDays", string.Create(CultureInfo.InvariantCulture, $"validForDays must be greater than 0 and at most {MaxCouponValidDays} (100 years)."), "validForDays", vd.ToString(CultureInfo.InvariantCulture)));
                days = null;
            }

            cr.RejectUnknown();
            coupon = Try(path + ".coupon", errors, () => new CouponPolicy(uses, length, prefix, days is { } d ? TimeSpan.FromDays((double)d) : null));
        }

        r.RejectUnknown();
        if (id is null || kind is null)
        {
            return;
        }

        var offer = Try(path, errors, () => new Offer(id, kind.Value, value, from, until, perks, categories, skus, channels, gift, cost, coupon));
        if (offer is not null)
        {
            builder.AddOfferAt(offer, path);
        }
    }

    private static void ReadBudget(JsonElement e, string path, PersonalizationRuleSetBuilder builder, List<RuleDefinitionError> errors)
    {
        var r = new Reader(e, path, errors);
        var campaign = r.String("campaign", required: true);
        var count = r.Long("maxCount");
        var amount = r.Decimal("maxAmount");
        r.RejectUnknown();
        if (campaign is null)
        {
            return;
        }

        var limits = Try(path, errors, () => new BudgetLimits(count, amount));
        if (limits is not null && Try(path + ".campaign", errors, () => Identifiers.Require(campaign, "campaign")) is not null)
        {
            builder.AddBudgetAt(campaign, limits, path);
        }
    }

    private static void ReadRule(JsonElement e, string path, PersonalizationRuleSetBuilder builder, List<RuleDefinitionError> errors)
    {
        var r = new Reader(e, path, errors);
        var id = r.String("id", required: true);
        Condition? when = null;
        if (r.Element("when", required: true) is { } w)
        {
            try
            {
                when = ConditionJson.Parse(w, path + ".when");
            }
            catch (RuleDefinitionException ex)
            {
                errors.AddRange(ex.Errors);
            }
        }

        var offer = r.String("offer", required: true);
        var priority = r.Int("priority") ?? 0;
        var group = r.String("group");
        var exclusive = r.Bool("exclusive") ?? false;
        var from = r.Instant("validFrom");
        var until = r.Instant("validUntil");
        var purpose = r.Enum<ConsentPurpose>("purpose") ?? ConsentPurpose.Marketing;
        var channels = r.Strings("channels");
        var template = r.String("template");
        var campaign = r.String("campaign");
        var description = r.String("description");
        r.RejectUnknown();
        if (id is null)
        {
            return;
        }

        var rule = new PersonalizationRuleBuilder(id);
        if (when is not null)
        {
            rule.When(when);
        }

        if (offer is not null)
        {
            rule.Grant(offer);
        }

        var known = new List<ContactChannel>(channels.Count);
        for (var i = 0; i < channels.Count; i++)
        {
            var channel = new ContactChannel(channels[i]);
            if (channel.Kind is ContactChannelKind.Other or ContactChannelKind.Unspecified)
            {
                errors.Add(new RuleDefinitionError(
                    string.Create(CultureInfo.InvariantCulture, $"{path}.channels[{i}]"),
                    $"Rule '{id}': unknown channel '{channels[i]}'; valid channels: {ValidChannelNames}.",
                    "channels",
                    channels[i]));
                continue;
            }

            known.Add(channel);
        }

        rule.WithPriority(priority).ValidBetween(from, until).ForPurpose(purpose).OnChannels(known);
        if (group is not null)
        {
            rule.InGroup(group);
        }

        if (exclusive)
        {
            rule.Exclusive();
        }

        if (template is not null)
        {
            rule.WithTemplate(template);
        }

        if (campaign is not null)
        {
            rule.InCampaign(campaign);
        }

        if (description is not null)
        {
            rule.Describe(description);
        }

        builder.AddRuleAt(rule, path);
    }

    private static T? Try<T>(string path, List<RuleDefinitionError> errors, Func<T> create)
        where T : class
    {
        try
        {
            return create();
        }
        catch (ArgumentException ex)
        {
            var message = ex is ArgumentOutOfRangeException aor ? aor.Message.Split(" (Parameter", 2)[0] : ex.Message.Split(" (Parameter", 2)[0];
            errors.Add(new RuleDefinitionError(path, message, ex.ParamName, ex is ArgumentOutOfRangeException { ActualValue: { } v } ? Convert.ToString(v, CultureInfo.InvariantCulture) : null));
            return null;
        }
    }

    private static bool TryEnum<T>(string text, out T value)
        where T : struct, Enum =>
        System.Enum.TryParse(text, ignoreCase: true, out value) && !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) && System.Enum.IsDefined(value);

    /// <summary>Reads typed properties of one object, recording errors and the properties seen.</summary>
    private sealed class Reader(JsonElement element, string path, List<RuleDefinitionError> errors)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

        public JsonElement? Element(string name, bool required = false)
        {
            _seen.Add(name);
            if (element.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null)
            {
                return v;
            }

            if (required)
            {
                errors.Add(new RuleDefinitionError(path + "." + name, "Missing required property.", name));
            }

            return null;
        }

        public string? String(string name, bool required = false)
        {
            if (Element(name, required) is not { } v)
            {
                return null;
            }

            if (v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()))
            {
                return v.GetString();
            }

            errors.Add(new RuleDefinitionError(path + "." + name, "Expected a non-empty string.", name, v.GetRawText()));
            return null;
        }

        public IReadOnlyList<string> Strings(string name)
        {
            if (Element(name) is not { } v)
            {
                return [];
            }

            if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(x.GetString())))
            {
                errors.Add(new RuleDefinitionError(path + "." + name, "Expected an array of non-empty strings.", name, v.GetRawText()));
                return [];
            }

            return [.. v.EnumerateArray().Select(x => x.GetString()!)];
        }

        public decimal? Decimal(string name)
        {
            if (Element(name) is not { } v)
            {
                return null;
            }

            if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d))
            {
                return d;
            }

            errors.Add(new RuleDefinitionError(path + "." + name, "Expected a number.", name, v.GetRawText()));
            return null;
        }

        public int? Int(string name)
        {
            if (Element(name) is not { } v)
            {
                return null;
            }

            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var d))
            {
                return d;
            }

            errors.Add(new RuleDefinitionError(path + "." + name, "Expected a whole number.", name, v.GetRawText()));
            return null;
        }

        public long? Long(string name)
        {
            if (Element(name) is not { } v)
            {
                return null;
            }

            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var d))
            {
                return d;
            }

            errors.Add(new RuleDefinitionError(path + "." + name, "Expected a whole number.", name, v.GetRawText()));
            return null;
        }

        public bool? Bool(string name)
        {
            if (Element(name) is not { } v)
            {
                return null;
            }

            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return v.GetBoolean();
            }

            errors.Add(new RuleDefinitionError(path + "." + name, "Expected true or false.", name, v.GetRawText()));
            return null;
        }

        public DateTimeOffset? Instant(string name)
        {
            if (String(name) is not { } s)
            {
                return null;
            }

            if (DateTimeOffset.TryParseExact(s, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
                && (s.EndsWith('Z') || s.Length > 19 && (s[^6] is '+' or '-')))
            {
                return t;
            }

            errors.Add(new RuleDefinitionError(path + "." + name, "Expected an ISO-8601 instant with an offset, such as 2026-03-01T00:00:00+08:00.", name, s));
            return null;
        }

        public T? Enum<T>(string name, bool required = false)
            where T : struct, System.Enum
        {
            if (String(name, required) is not { } s)
            {
                return null;
            }

            if (TryEnum<T>(s, out var v))
            {
                return v;
            }

            errors.Add(new RuleDefinitionError(path + "." + name, $"Unknown value; expected one of: {string.Join(", ", System.Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.", name, s));
            return null;
        }

        public JsonElement? Object(string name)
        {
            if (Element(name) is not { } v)
            {
                return null;
            }

            if (v.ValueKind == JsonValueKind.Object)
            {
                return v;
            }

            errors.Add(new RuleDefinitionError(path + "." + name, "Expected an object.", name, v.ValueKind.ToString()));
            return null;
        }

        public void RejectUnknown()
        {
            foreach (var p in element.EnumerateObject())
            {
                if (!_seen.Contains(p.Name))
                {
                    errors.Add(new RuleDefinitionError(path + "." + p.Name, "Unknown property.", p.Name));
                }
            }
        }
    }
}
