using System.Diagnostics.CodeAnalysis;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Rules;

/// <summary>The value type of a rule field; it decides which operators apply.</summary>
public enum FieldType
{
    /// <summary>A number (counts, amounts, days, probabilities). Money is compared as <see cref="double"/>.</summary>
    Number = 0,

    /// <summary>An instant (<see cref="DateTimeOffset"/>); supports comparisons and time windows relative to the as-of instant.</summary>
    Instant = 1,

    /// <summary>A text compared ordinally ignoring case. Enumerated texts (stage, gender, return reason) accept only their names.</summary>
    Text = 2,

    /// <summary>A list of texts such as tags; supports <c>contains</c>, <c>containsAny</c>, <c>containsAll</c>.</summary>
    TextList = 3,
}

/// <summary>Describes one field (or field pattern such as <c>features.category.&lt;name&gt;.spend</c>) of a <see cref="FieldRegistry"/>.</summary>
/// <param name="Name">The dotted name; a pattern has a <c>&lt;name&gt;</c> placeholder.</param>
/// <param name="Type">The value type.</param>
/// <param name="Description">What the field is and when it is missing.</param>
/// <param name="AllowedValues">For enumerated text fields, the accepted values (case-insensitive); empty otherwise.</param>
public sealed record FieldDescriptor(string Name, FieldType Type, string Description, IReadOnlyList<string> AllowedValues);

/// <summary>
/// Resolves dotted field names (<c>profile.cityTier</c>, <c>features.category.sneakers.lastPurchase</c>, <c>custom.basketValue</c>) to
/// typed accessors when conditions are built or loaded, so an unknown field fails at load time and never during evaluation.
/// </summary>
/// <remarks>
/// <para>The built-in fields are listed by <see cref="Fields"/> and in <c>docs/rules.md</c>. Names compare ordinally ignoring case.
/// Host-defined facts are declared with <see cref="WithCustomNumber"/> / <see cref="WithCustomText"/> and read from
/// <see cref="CustomerContext.SetNumber"/> / <see cref="CustomerContext.SetText"/>.</para>
/// <para>Immutable and thread-safe. No reflection: every field is a hand-written accessor.</para>
/// </remarks>
public sealed class FieldRegistry
{
    private const string CategoryPrefix = "features.category.";
    private const string ChannelPrefix = "features.channel.";
    private const string AttributePrefix = "profile.attributes.";
    private const string CustomPrefix = "custom.";

    // Declared before s_fixed (static initializers run in text order). "Unspecified" means missing for gender, so it is not an accepted value.
    private static readonly IReadOnlyList<string> GenderNames = Array.AsReadOnly(new[] { nameof(Gender.Female), nameof(Gender.Male), nameof(Gender.Other) });

    // Declared before s_fixed: static initializers run in text order and BuildFixed fills the descriptions.
    private static readonly Dictionary<string, string> s_descriptions = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The value ranges of the built-in number fields: a rule operand outside its field's range (a probability of 60, a CSAT of
    /// 7) can never be what the author meant and is a load error.</summary>
    private static readonly Dictionary<string, (double Min, double Max)> s_ranges = new(StringComparer.OrdinalIgnoreCase)
    {
        ["profile.age"] = (0, 150),
        ["profile.daysToBirthday"] = (0, 365),
        ["features.recencyDays"] = (0, double.PositiveInfinity),
        ["features.tenureDays"] = (0, double.PositiveInfinity),
        ["features.orderCount"] = (0, double.PositiveInfinity),
        ["features.repeatCount"] = (0, double.PositiveInfinity),
        ["features.purchaseDays"] = (0, double.PositiveInfinity),
        ["features.grossSpend"] = (0, double.PositiveInfinity),
        ["features.returnedAmount"] = (0, double.PositiveInfinity),
        ["features.returnCount"] = (0, double.PositiveInfinity),
        ["features.returnRate"] = (0, 1),
        ["features.discountTotal"] = (0, double.PositiveInfinity),
        ["features.discountShare"] = (0, 1),
        ["features.quantity"] = (0, double.PositiveInfinity),
        ["features.intervalMeanDays"] = (0, double.PositiveInfinity),
        ["features.intervalPopulationStdDevDays"] = (0, double.PositiveInfinity),
        ["churn.probability"] = (0, 1),
        ["uplift.score"] = (-1, 1),
        ["uplift.decile"] = (1, 10),
        ["clv.pAlive"] = (0, 1),
        ["clv.predicted"] = (0, double.PositiveInfinity),
        ["survey.lastNps"] = (0, 10),
        ["survey.lastCsat"] = (1, 5),
        ["feedback.lastNps"] = (0, 10),
        ["feedback.openComplaints"] = (0, double.PositiveInfinity),
        ["feedback.lastTouchpointCsat"] = (1, 5),
    };

    private static readonly Dictionary<string, FieldAccessor> s_fixed = BuildFixed();
    private static readonly FieldDescriptor[] s_patterns =
    [
        new("profile.attributes.<key>", FieldType.Text, "A psychographic attribute of the profile; missing when the key is absent.", []),
        new("features.category.<name>.spend", FieldType.Number, "Net spend on purchase rows of the category; 0 when never bought; missing without features.", []),
        new("features.category.<name>.orders", FieldType.Number, "Purchase orders with the category; 0 when never bought.", []),
        new("features.category.<name>.share", FieldType.Number, "Category spend / gross spend in [0, 1]; 0 when never bought or no spend.", []),
        new("features.category.<name>.lastPurchase", FieldType.Instant, "Latest purchase in the category; missing when never bought.", []),
        new("features.channel.<name>.orders", FieldType.Number, "Purchase orders on the sales channel; 0 when none.", []),
        new("features.channel.<name>.spend", FieldType.Number, "Amount paid on the sales channel; 0 when none.", []),
        new("features.channel.<name>.share", FieldType.Number, "Orders on the channel / all orders in [0, 1]; 0 with no orders.", []),
        new("custom.<name>", FieldType.Number, "A host-defined fact declared with WithCustomNumber or WithCustomText; missing when not set.", []),
    ];

    private readonly Dictionary<string, FieldAccessor> _custom;

    private FieldRegistry(Dictionary<string, FieldAccessor> custom) => _custom = custom;

    /// <summary>Gets the registry of the built-in fields, without custom facts.</summary>
    public static FieldRegistry Default { get; } = new(new Dictionary<string, FieldAccessor>(StringComparer.OrdinalIgnoreCase));

    /// <summary>Gets every built-in field and pattern, and the declared custom facts, ordered by name.</summary>
    public IReadOnlyList<FieldDescriptor> Fields
    {
        get
        {
            var list = new List<FieldDescriptor>();
            foreach (var a in s_fixed.Values)
            {
                list.Add(new FieldDescriptor(a.Name, a.Type, Describe(a.Name), a.AllowedValues));
            }

            list.AddRange(s_patterns);
            foreach (var a in _custom.Values)
            {
                list.Add(new FieldDescriptor(a.Name, a.Type, "Host-defined custom fact; missing when not set.", []));
            }

            list.Sort(static (x, y) => string.CompareOrdinal(x.Name, y.Name));
            return list;
        }
    }

    /// <summary>Returns a registry that also knows the numeric custom fact <c>custom.&lt;name&gt;</c>.</summary>
    /// <param name="name">The fact name: letters, digits, <c>_</c> or <c>-</c>.</param>
    /// <returns>A new registry.</returns>
    /// <exception cref="ArgumentException">The name is blank, has other characters, or is already declared.</exception>
    public FieldRegistry WithCustomNumber(string name)
    {
        var key = CheckCustomName(name);
        return With(new NumberAccessor(CustomPrefix + key, (CustomerContext c, out double v) => c.TryGetNumber(key, out v)));
    }

    /// <summary>Returns a registry that also knows the text custom fact <c>custom.&lt;name&gt;</c>.</summary>
    /// <param name="name">The fact name: letters, digits, <c>_</c> or <c>-</c>.</param>
    /// <returns>A new registry.</returns>
    /// <exception cref="ArgumentException">The name is blank, has other characters, or is already declared.</exception>
    public FieldRegistry WithCustomText(string name)
    {
        var key = CheckCustomName(name);
        return With(new TextAccessor(CustomPrefix + key, (CustomerContext c, out string v) =>
        {
            if (c.TryGetText(key, out var s))
            {
                v = s;
                return true;
            }

            v = string.Empty;
            return false;
        }));
    }

    /// <summary>Returns whether <paramref name="name"/> names a field, and its descriptor.</summary>
    /// <param name="name">The dotted field name.</param>
    /// <param name="descriptor">The descriptor when known.</param>
    /// <returns><see langword="true"/> when the name resolves.</returns>
    public bool TryDescribe(string name, [NotNullWhen(true)] out FieldDescriptor? descriptor)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (TryResolve(name, out var a, out _))
        {
            descriptor = new FieldDescriptor(a.Name, a.Type, Describe(a.Name), a.AllowedValues);
            return true;
        }

        descriptor = null;
        return false;
    }

    internal bool TryResolve(string name, [NotNullWhen(true)] out FieldAccessor? accessor, out string error)
    {
        error = string.Empty;
        if (s_fixed.TryGetValue(name, out accessor) || _custom.TryGetValue(name, out accessor))
        {
            return true;
        }

        if (name.StartsWith(AttributePrefix, StringComparison.OrdinalIgnoreCase) && name.Length > AttributePrefix.Length)
        {
            var key = name[AttributePrefix.Length..];
            accessor = new TextAccessor(name, (CustomerContext c, out string v) =>
            {
                if (c.Profile is { } p && p.Attributes.TryGetValue(key, out var s) && !string.IsNullOrEmpty(s))
                {
                    v = s;
                    return true;
                }

                v = string.Empty;
                return false;
            });
            return true;
        }

        if (name.StartsWith(CategoryPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return TryCategory(name, out accessor, out error);
        }

        if (name.StartsWith(ChannelPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return TryChannel(name, out accessor, out error);
        }

        error = name.StartsWith(CustomPrefix, StringComparison.OrdinalIgnoreCase)
            ? $"Unknown custom fact '{name}': declare it with FieldRegistry.WithCustomNumber or WithCustomText."
            : $"Unknown field '{name}'. See FieldRegistry.Fields or docs/rules.md for the list.";
        return false;
    }

    private static bool TrySplit(string name, string prefix, out string item, out string property)
    {
        var rest = name[prefix.Length..];
        var dot = rest.LastIndexOf('.');
        if (dot <= 0 || dot == rest.Length - 1)
        {
            item = property = string.Empty;
            return false;
        }

        item = rest[..dot];
        property = rest[(dot + 1)..];
        return true;
    }

    private static bool TryCategory(string name, [NotNullWhen(true)] out FieldAccessor? accessor, out string error)
    {
        accessor = null;
        error = string.Empty;
        if (!TrySplit(name, CategoryPrefix, out var category, out var property))
        {
            error = $"Field '{name}' must have the form features.category.<name>.<spend|orders|share|lastPurchase>.";
            return false;
        }

        switch (property.ToUpperInvariant())
        {
            case "SPEND":
                accessor = new NumberAccessor(name, (CustomerContext c, out double v) =>
                {
                    if (c.Features is not { } f)
                    {
                        v = 0;
                        return false;
                    }

                    v = FindCategory(f, category) is { } s ? (double)s.Spend : 0.0;
                    return true;
                });
                return true;
            case "ORDERS":
                accessor = new NumberAccessor(name, (CustomerContext c, out double v) =>
                {
                    if (c.Features is not { } f)
                    {
                        v = 0;
                        return false;
                    }

                    v = FindCategory(f, category) is { } s ? s.Orders : 0.0;
                    return true;
                });
                return true;
            case "SHARE":
                accessor = new NumberAccessor(name, (CustomerContext c, out double v) =>
                {
                    if (c.Features is not { } f)
                    {
                        v = 0;
                        return false;
                    }

                    v = FindCategory(f, category) is { } s && f.GrossSpend > 0m ? (double)(s.Spend / f.GrossSpend) : 0.0;
                    return true;
                });
                return true;
            case "LASTPURCHASE":
                accessor = new InstantAccessor(name, (CustomerContext c, out DateTimeOffset v) =>
                {
                    if (c.Features is { } f && FindCategory(f, category) is { } s)
                    {
                        v = s.LastPurchase;
                        return true;
                    }

                    v = default;
                    return false;
                });
                return true;
            default:
                error = $"Unknown category property '{property}' in field '{name}'; expected spend, orders, share or lastPurchase.";
                return false;
        }
    }

    private static bool TryChannel(string name, [NotNullWhen(true)] out FieldAccessor? accessor, out string error)
    {
        accessor = null;
        error = string.Empty;
        if (!TrySplit(name, ChannelPrefix, out var channelText, out var property))
        {
            error = $"Field '{name}' must have the form features.channel.<name>.<orders|spend|share>.";
            return false;
        }

        var channel = new SalesChannel(channelText);
        switch (property.ToUpperInvariant())
        {
            case "ORDERS":
                accessor = new NumberAccessor(name, (CustomerContext c, out double v) =>
                {
                    if (c.Features is not { } f)
                    {
                        v = 0;
                        return false;
                    }

                    v = ChannelOrders(f, channel);
                    return true;
                });
                return true;
            case "SPEND":
                accessor = new NumberAccessor(name, (CustomerContext c, out double v) =>
                {
                    if (c.Features is not { } f)
                    {
                        v = 0;
                        return false;
                    }

                    FindChannel(f, channel, out _, out var spend);
                    v = (double)spend;
                    return true;
                });
                return true;
            case "SHARE":
                accessor = new NumberAccessor(name, (CustomerContext c, out double v) =>
                {
                    if (c.Features is not { } f)
                    {
                        v = 0;
                        return false;
                    }

                    v = f.OrderCount == 0 ? 0.0 : (double)ChannelOrders(f, channel) / f.OrderCount;
                    return true;
                });
                return true;
            default:
                error = $"Unknown channel property '{property}' in field '{name}'; expected orders, spend or share.";
                return false;
        }
    }

    private static CategoryStat? FindCategory(CustomerFeatures features, string category)
    {
        foreach (ref readonly var s in features.CategorySpan)
        {
            if (string.Equals(s.Category, category, StringComparison.OrdinalIgnoreCase))
            {
                return s;
            }
        }

        return null;
    }

    /// <summary>Counts the orders of the channel rows matching <paramref name="channel"/> like <see cref="FindChannel"/>, without summing spend
    /// (decimal additions are the costly part and orders/share do not need them).</summary>
    private static int ChannelOrders(CustomerFeatures features, SalesChannel channel)
    {
        var orders = 0;
        var byKind = channel.Kind is not (SalesChannelKind.Other or SalesChannelKind.Unspecified);
        foreach (ref readonly var s in features.ChannelSpan)
        {
            if (byKind ? s.Channel.Kind == channel.Kind : s.Channel == channel)
            {
                orders += s.Orders;
            }
        }

        return orders;
    }

    /// <summary>Sums the channel rows matching <paramref name="channel"/>: by kind for well-known kinds (so "web" counts as "online"), else by text.</summary>
    private static void FindChannel(CustomerFeatures features, SalesChannel channel, out int orders, out decimal spend)
    {
        orders = 0;
        spend = 0m;
        var byKind = channel.Kind is not (SalesChannelKind.Other or SalesChannelKind.Unspecified);
        foreach (ref readonly var s in features.ChannelSpan)
        {
            if (byKind ? s.Channel.Kind == channel.Kind : s.Channel == channel)
            {
                orders += s.Orders;
                spend += s.Spend;
            }
        }
    }

    private static string CheckCustomName(string name)
    {
        Check.NotBlank(name);
        foreach (var ch in name)
        {
            if (!(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-'))
            {
                throw new ArgumentException($"Custom fact name '{name}' may contain only ASCII letters, digits, '_' and '-'.", nameof(name));
            }
        }

        return name;
    }

    private FieldRegistry With(FieldAccessor accessor)
    {
        if (_custom.ContainsKey(accessor.Name))
        {
            throw new ArgumentException($"Custom fact '{accessor.Name}' is already declared.", nameof(accessor));
        }

        var copy = new Dictionary<string, FieldAccessor>(_custom, StringComparer.OrdinalIgnoreCase) { [accessor.Name] = accessor };
        return new FieldRegistry(copy);
    }

    private static string Describe(string name) => s_descriptions.TryGetValue(name, out var d) ? d : "Host-defined custom fact; missing when not set.";

    private static Dictionary<string, FieldAccessor> BuildFixed()
    {
        var d = new Dictionary<string, FieldAccessor>(StringComparer.OrdinalIgnoreCase);

        void Number(string name, string description, NumberGetter getter)
        {
            var (min, max) = s_ranges.TryGetValue(name, out var range) ? range : (double.NegativeInfinity, double.PositiveInfinity);
            d.Add(name, new NumberAccessor(name, getter) { Min = min, Max = max });
            s_descriptions[name] = description;
        }

        void Instant(string name, string description, InstantGetter getter)
        {
            d.Add(name, new InstantAccessor(name, getter));
            s_descriptions[name] = description;
        }

        void Text(string name, string description, TextGetter getter)
        {
            d.Add(name, new TextAccessor(name, getter));
            s_descriptions[name] = description;
        }

        void Enum(string name, string description, EnumGetter getter, string?[] names, IReadOnlyList<string> allowed)
        {
            d.Add(name, new EnumAccessor(name, getter, names, allowed));
            s_descriptions[name] = description;
        }

        // Profile (geographic, demographic, psychographic).
        Text("profile.region", "Region or province; missing when unknown.", static (CustomerContext c, out string v) => Str(c.Profile?.Demographics.Region, out v));
        Text("profile.city", "City; missing when unknown.", static (CustomerContext c, out string v) => Str(c.Profile?.Demographics.City, out v));
        Number("profile.cityTier", "City tier (1 = largest cities); missing when unknown.", static (CustomerContext c, out double v) => Num(c.Profile?.Demographics.CityTier, out v));
        Number("profile.age", "Completed years of age on the as-of date (in the as-of offset); missing without a birth date.", static (CustomerContext c, out double v) =>
            Num(c.Profile?.Demographics.AgeOn(DateOnly.FromDateTime(c.AsOf.DateTime)), out v));
        Number("profile.daysToBirthday", "Days from the as-of date to the next birthday (0 on the birthday; 29 February counts as 28 February in other years); missing without a birth date.", static (CustomerContext c, out double v) =>
            Num(DaysToBirthday(c), out v));
        Text("profile.ageBand", "Age band such as 25-34; missing when unknown.", static (CustomerContext c, out string v) => Str(c.Profile?.Demographics.AgeBand, out v));
        Enum("profile.gender", "Gender; missing when unspecified.", static (CustomerContext c, out int v) =>
        {
            v = c.Profile is { } p ? (int)p.Demographics.Gender : 0;
            return v != (int)Gender.Unspecified;
        }, EnumNames<Gender>.Names, GenderNames);
        Text("profile.occupation", "Occupation; missing when unknown.", static (CustomerContext c, out string v) => Str(c.Profile?.Demographics.Occupation, out v));
        Text("profile.language", "Preferred language tag such as zh-CN; missing when unknown.", static (CustomerContext c, out string v) => Str(c.Profile?.Language, out v));
        Text("profile.preferredChannel", "Preferred contact channel text such as wechat; missing when unspecified.", static (CustomerContext c, out string v) =>
            Str(c.Profile?.PreferredChannel.Value, out v));
        Text("profile.membershipId", "Loyalty membership reference; use with missing/present only.", static (CustomerContext c, out string v) => Str(c.Profile?.MembershipId, out v));
        d.Add("profile.tags", new TextListAccessor("profile.tags", static (CustomerContext c, out IReadOnlyList<string> v) =>
        {
            v = c.Profile?.Tags ?? [];
            return c.Profile is not null;
        }));
        s_descriptions["profile.tags"] = "Psychographic tags (case-insensitive); an empty list when the profile has none; missing without a profile.";
        Instant("profile.signedUpAt", "Registration instant; missing when unknown.", static (CustomerContext c, out DateTimeOffset v) => Inst(c.Profile?.SignedUpAt, out v));

        // Features (behavioural).
        Number("features.recencyDays", "Days from the last purchase to the features' as-of (fractional); missing with no purchase.", static (CustomerContext c, out double v) => Num(c.Features?.RecencyDays, out v));
        Number("features.tenureDays", "Days from the first purchase to the features' as-of (fractional); missing with no purchase.", static (CustomerContext c, out double v) => Num(c.Features?.TenureDays, out v));
        Number("features.orderCount", "Purchase orders before the as-of.", static (CustomerContext c, out double v) => Num(c.Features?.OrderCount, out v));
        Number("features.repeatCount", "Purchase orders after the first.", static (CustomerContext c, out double v) => Num(c.Features?.RepeatCount, out v));
        Number("features.purchaseDays", "Distinct calendar days with a purchase.", static (CustomerContext c, out double v) => Num(c.Features?.PurchaseDays, out v));
        Number("features.monetaryTotal", "Gross spend minus returns.", static (CustomerContext c, out double v) => Num(c.Features?.MonetaryTotal, out v));
        Number("features.monetaryMean", "Monetary total per purchase order (0 with no orders).", static (CustomerContext c, out double v) => Num(c.Features?.MonetaryMean, out v));
        Number("features.grossSpend", "Amount paid on purchases, gross of returns.", static (CustomerContext c, out double v) => Num(c.Features?.GrossSpend, out v));
        Number("features.returnedAmount", "Amount refunded by returns.", static (CustomerContext c, out double v) => Num(c.Features?.ReturnedAmount, out v));
        Number("features.returnCount", "Return orders.", static (CustomerContext c, out double v) => Num(c.Features?.ReturnCount, out v));
        Number("features.returnRate", "Return orders per purchase order (0 with no orders).", static (CustomerContext c, out double v) => Num(c.Features?.ReturnRate, out v));
        Number("features.discountTotal", "Total discount granted.", static (CustomerContext c, out double v) => Num(c.Features?.DiscountTotal, out v));
        Number("features.discountShare", "Discount / list value in [0, 1].", static (CustomerContext c, out double v) => Num(c.Features?.DiscountShare, out v));
        Number("features.quantity", "Units bought.", static (CustomerContext c, out double v) => Num(c.Features?.Quantity, out v));
        Number("features.intervalMeanDays", "Mean days between purchase days; missing with fewer than two purchase days.", static (CustomerContext c, out double v) => Num(c.Features?.IntervalMeanDays, out v));
        Number("features.intervalPopulationStdDevDays", "Population standard deviation of the intervals; missing with fewer than two purchase days.", static (CustomerContext c, out double v) =>
            Num(c.Features?.IntervalPopulationStdDevDays, out v));
        Instant("features.firstPurchase", "First purchase instant; missing with no purchase.", static (CustomerContext c, out DateTimeOffset v) => Inst(c.Features?.FirstPurchase, out v));
        Instant("features.lastPurchase", "Last purchase instant; missing with no purchase.", static (CustomerContext c, out DateTimeOffset v) => Inst(c.Features?.LastPurchase, out v));

        // Model outputs.
        Text("segment.rfm", "RFM segment name such as Champions; missing when not set.", static (CustomerContext c, out string v) => Str(c.RfmSegment, out v));
        Enum("lifecycle.stage", "Lifecycle stage; missing when not set.", static (CustomerContext c, out int v) =>
        {
            v = c.LifecycleStage is { } s ? (int)s : 0;
            return c.LifecycleStage.HasValue;
        }, EnumNames<LifecycleStage>.Names, EnumNames<LifecycleStage>.Allowed);
        Number("churn.probability", "Churn probability in [0, 1]; missing when not set.", static (CustomerContext c, out double v) => Num(c.ChurnProbability, out v));
        Number("uplift.score", "Predicted uplift of a promotion (response probability if promoted minus if not) in [-1, 1]; missing when not set.", static (CustomerContext c, out double v) =>
            Num(c.UpliftScore, out v));
        Number("uplift.decile", "Uplift decile 1-10 (1 = the 10% with the highest uplift); missing when not set.", static (CustomerContext c, out double v) => Num(c.UpliftDecile, out v));
        Number("clv.pAlive", "P(alive) in [0, 1]; missing when not set.", static (CustomerContext c, out double v) => Num(c.ProbabilityAlive, out v));
        Number("clv.predicted", "Predicted customer lifetime value; missing when not set.", static (CustomerContext c, out double v) => Num(c.PredictedClv, out v));

        // Recent events.
        Enum("event.lastReturn.reason", "Reason of the latest return; missing without a return.", static (CustomerContext c, out int v) =>
        {
            v = c.LastReturn is { } r ? (int)r.Reason : 0;
            return c.LastReturn.HasValue;
        }, EnumNames<ReturnReason>.Names, EnumNames<ReturnReason>.Allowed);
        Instant("event.lastReturn.at", "Instant of the latest return; missing without a return.", static (CustomerContext c, out DateTimeOffset v) => Inst(c.LastReturn?.At, out v));
        Text("event.lastReturn.category", "Category of the latest return; missing without a return or category.", static (CustomerContext c, out string v) => Str(c.LastReturn?.Category, out v));
        Instant("event.cartAbandonedAt", "When a cart was last abandoned; missing when not set.", static (CustomerContext c, out DateTimeOffset v) => Inst(c.CartAbandonedAt, out v));
        Number("survey.lastNps", "NPS (0-10) of the latest survey; missing without one.", static (CustomerContext c, out double v) => Num(c.LastSurvey?.Nps, out v));
        Number("survey.lastCsat", "CSAT (1-5) of the latest survey; missing without one.", static (CustomerContext c, out double v) => Num(c.LastSurvey?.Csat, out v));
        Instant("survey.lastAt", "Instant of the latest survey; missing without one.", static (CustomerContext c, out DateTimeOffset v) => Inst(c.LastSurvey?.At, out v));

        // Feedback loop (CemCore.Feedback.FeedbackLoop.Facts).
        Number("feedback.lastNps", "NPS (0-10) of the latest response with an NPS answer; missing without feedback facts or without such a response.", static (CustomerContext c, out double v) =>
            Num(c.LastFeedback?.LastNps, out v));
        Number("feedback.openComplaints", "Service tickets open at the as-of instant (0 when none); missing without feedback facts.", static (CustomerContext c, out double v) =>
            Num(c.LastFeedback?.OpenComplaints, out v));
        Number("feedback.lastTouchpointCsat", "CSAT (1-5) given about the latest touchpoint surveyed; missing without one.", static (CustomerContext c, out double v) =>
            Num(c.LastFeedback?.LastTouchpointCsat, out v));
        Enum("feedback.lastTouchpoint", "The latest touchpoint surveyed (Delivery, CustomerService, ...); missing without one.", static (CustomerContext c, out int v) =>
        {
            v = c.LastFeedback?.LastTouchpoint is { } t ? (int)t : 0;
            return c.LastFeedback?.LastTouchpoint is not null;
        }, EnumNames<Journeys.Touchpoint>.Names, EnumNames<Journeys.Touchpoint>.Allowed);
        return d;
    }

    private static int? DaysToBirthday(CustomerContext c)
    {
        if (c.Profile?.Demographics.BirthDate is not { } birth)
        {
            return null;
        }

        var today = DateOnly.FromDateTime(c.AsOf.DateTime);
        var next = BirthdayIn(birth, today.Year);
        if (next < today)
        {
            next = BirthdayIn(birth, today.Year + 1);
        }

        return next.DayNumber - today.DayNumber;
    }

    private static DateOnly BirthdayIn(DateOnly birth, int year) =>
        new(year, birth.Month, Math.Min(birth.Day, DateTime.DaysInMonth(year, birth.Month)));

    private static bool Str(string? s, out string v)
    {
        v = s ?? string.Empty;
        return !string.IsNullOrEmpty(s);
    }

    private static bool Num(double? x, out double v)
    {
        v = x ?? 0.0;
        return x.HasValue;
    }

    private static bool Num(int? x, out double v)
    {
        v = x ?? 0;
        return x.HasValue;
    }

    private static bool Num(long? x, out double v)
    {
        v = x ?? 0;
        return x.HasValue;
    }

    private static bool Num(decimal? x, out double v)
    {
        v = x is { } m ? (double)m : 0.0;
        return x.HasValue;
    }

    private static bool Inst(DateTimeOffset? x, out DateTimeOffset v)
    {
        v = x ?? default;
        return x.HasValue;
    }
}
