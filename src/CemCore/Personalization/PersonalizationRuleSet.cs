using System.Globalization;
using CemCore.Messaging;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Personalization;

/// <summary>
/// A validated set of offers, campaign budgets and personalization rules, in evaluation order (priority descending, then rule id ordinal).
/// </summary>
/// <remarks>Immutable and thread-safe. Budgets are not held here: each <see cref="OfferDecisionEngine"/> keeps its own counters.</remarks>
public sealed class PersonalizationRuleSet
{
    internal PersonalizationRuleSet(IReadOnlyList<PersonalizationRule> rules, IReadOnlyDictionary<string, Offer> offers, IReadOnlyDictionary<string, BudgetLimits> budgets)
    {
        Rules = rules;
        Offers = offers;
        Budgets = budgets;
    }

    /// <summary>Gets the rules in evaluation order: priority descending, then id in ordinal order.</summary>
    public IReadOnlyList<PersonalizationRule> Rules { get; }

    /// <summary>Gets the offer catalogue by id.</summary>
    public IReadOnlyDictionary<string, Offer> Offers { get; }

    /// <summary>Gets the budget limits by campaign id.</summary>
    public IReadOnlyDictionary<string, BudgetLimits> Budgets { get; }
}

/// <summary>
/// Builds a <see cref="PersonalizationRuleSet"/> with a fluent API. <see cref="Build"/> validates everything and reports every problem at once
/// (<see cref="RuleDefinitionException"/> with paths such as <c>rules['winback'].offer</c>).
/// </summary>
/// <remarks>
/// <para>Checks: rule and offer ids valid and unique; every rule has a condition that compiles (unknown fields, wrong types, unknown refs are
/// reported by <see cref="CemCore.Rules"/>) and names a known offer; budgets named by rules exist; the rule window is not empty and overlaps
/// its offer's window; two exclusive-or-grouped rules of the same stacking group never share a priority while their windows overlap (the
/// winner would depend only on the id: an ambiguous overlap); with <see cref="RejectOffersExpiredAt"/>, no offer has expired; with
/// <see cref="WithTemplates"/>, every rule's template exists for each of its channels.</para>
/// <para>Mutable, not thread-safe, single use.</para>
/// </remarks>
public sealed class PersonalizationRuleSetBuilder
{
    private readonly ConditionSet _conditions;
    private readonly List<(Offer Offer, string Path)> _offers = [];
    private readonly List<(string Campaign, BudgetLimits Limits, string Path)> _budgets = [];
    private readonly List<(PersonalizationRuleBuilder Rule, string Path)> _rules = [];
    private readonly List<RuleDefinitionError> _preErrors = [];
    private TemplateCatalog? _templates;
    private IReadOnlyList<ContactChannel> _defaultChannels = DecisionSettings.StandardChannels;
    private DateTimeOffset? _expiredAt;
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="conditions">Named conditions rules may <c>ref</c>, and the field registry; <see langword="null"/> for <see cref="ConditionSet.Empty"/>.</param>
    public PersonalizationRuleSetBuilder(ConditionSet? conditions = null) => _conditions = conditions ?? ConditionSet.Empty;

    /// <summary>Adds an offer to the catalogue.</summary>
    /// <param name="offer">The offer.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleSetBuilder AddOffer(Offer offer) => AddOfferAt(offer, null);

    /// <summary>Adds a campaign budget.</summary>
    /// <param name="campaignId">The campaign id.</param>
    /// <param name="limits">The limits.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleSetBuilder AddBudget(string campaignId, BudgetLimits limits) => AddBudgetAt(campaignId, limits, null);

    /// <summary>Adds a rule.</summary>
    /// <param name="id">The rule id (letters, digits, '-', '_', '.').</param>
    /// <param name="configure">Configures the rule: at least <see cref="PersonalizationRuleBuilder.When"/> and <see cref="PersonalizationRuleBuilder.Grant"/>.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleSetBuilder AddRule(string id, Action<PersonalizationRuleBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(configure);
        EnsureNotBuilt();
        var rule = new PersonalizationRuleBuilder(id);
        configure(rule);
        _rules.Add((rule, $"rules['{id}']"));
        return this;
    }

    /// <summary>Checks that every rule's template exists in the catalogue for each of its channels (in some locale).</summary>
    /// <param name="templates">The catalogue.</param>
    /// <param name="defaultChannels">The channels used by rules that list none; <see langword="null"/> for <see cref="DecisionSettings.StandardChannels"/>.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleSetBuilder WithTemplates(TemplateCatalog templates, IReadOnlyList<ContactChannel>? defaultChannels = null)
    {
        EnsureNotBuilt();
        _templates = templates ?? throw new ArgumentNullException(nameof(templates));
        _defaultChannels = defaultChannels ?? DecisionSettings.StandardChannels;
        return this;
    }

    /// <summary>Rejects offers whose window has ended at <paramref name="instant"/> (use the campaign start).</summary>
    /// <param name="instant">The instant.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleSetBuilder RejectOffersExpiredAt(DateTimeOffset instant)
    {
        EnsureNotBuilt();
        _expiredAt = instant;
        return this;
    }

    /// <summary>Validates and builds the set.</summary>
    /// <returns>The set.</returns>
    /// <exception cref="RuleDefinitionException">Any definition is invalid; every problem is listed.</exception>
    public PersonalizationRuleSet Build()
    {
        EnsureNotBuilt();
        _built = true;
        var errors = new List<RuleDefinitionError>(_preErrors);
        var offers = new Dictionary<string, Offer>(StringComparer.Ordinal);
        foreach (var (offer, path) in _offers)
        {
            if (!offers.TryAdd(offer.Id, offer))
            {
                errors.Add(new RuleDefinitionError(path, "Duplicate offer id.", "id", offer.Id));
            }

            if (_expiredAt is { } at && offer.ValidUntil is { } u && u <= at)
            {
                errors.Add(new RuleDefinitionError(path + ".validUntil", string.Create(CultureInfo.InvariantCulture, $"The offer has expired: its window ended at {u:O}, before {at:O}."), "validUntil", u.ToString("O", CultureInfo.InvariantCulture)));
            }
        }

        var budgets = new Dictionary<string, BudgetLimits>(StringComparer.Ordinal);
        foreach (var (campaign, limits, path) in _budgets)
        {
            if (!budgets.TryAdd(campaign, limits))
            {
                errors.Add(new RuleDefinitionError(path, "Duplicate budget for the campaign.", "campaign", campaign));
            }
        }

        var rules = new List<PersonalizationRule>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (r, path) in _rules)
        {
            var before = errors.Count;
            if (!Identifiers.IsValid(r.Id))
            {
                errors.Add(new RuleDefinitionError(path + ".id", $"A rule id must be 1-{Identifiers.MaxLength} ASCII letters, digits, '-', '_' or '.'.", "id", r.Id));
            }
            else if (!ids.Add(r.Id))
            {
                errors.Add(new RuleDefinitionError(path + ".id", "Duplicate rule id.", "id", r.Id));
            }

            CompiledCondition? compiled = null;
            if (r.Condition is null)
            {
                errors.Add(new RuleDefinitionError(path + ".when", "The rule has no eligibility condition."));
            }
            else if (!_conditions.TryCompile(r.Condition, path + ".when", out compiled, out var condErrors))
            {
                errors.AddRange(condErrors);
            }

            Offer? offer = null;
            if (r.OfferId is null)
            {
                errors.Add(new RuleDefinitionError(path + ".offer", "The rule grants no offer."));
            }
            else if (!offers.TryGetValue(r.OfferId, out offer))
            {
                errors.Add(new RuleDefinitionError(path + ".offer", "Unknown offer id; add the offer to the catalogue.", "offer", r.OfferId));
            }

            if (r.Campaign is { } campaign && !budgets.ContainsKey(campaign))
            {
                errors.Add(new RuleDefinitionError(path + ".campaign", "Unknown campaign: no budget is defined for it.", "campaign", campaign));
            }

            if (r.From is { } f && r.Until is { } u && u <= f)
            {
                errors.Add(new RuleDefinitionError(path + ".validUntil", "The rule window is empty: validUntil must be after validFrom.", "validUntil", u.ToString("O", CultureInfo.InvariantCulture)));
            }
            else if (offer is not null && !Overlaps(r.From, r.Until, offer.ValidFrom, offer.ValidUntil))
            {
                errors.Add(new RuleDefinitionError(path, "The rule window does not overlap its offer's window: the rule could never fire.", "offer", offer.Id));
            }

            if (!Enum.IsDefined(r.ConsentPurpose))
            {
                errors.Add(new RuleDefinitionError(path + ".purpose", "Unknown consent purpose.", "purpose", r.ConsentPurpose.ToString()));
            }

            foreach (var ch in r.ChannelList)
            {
                if (ch.Kind == ContactChannelKind.Unspecified)
                {
                    errors.Add(new RuleDefinitionError(path + ".channels", "A channel is blank.", "channels"));
                }
            }

            var template = r.Template ?? r.Id;
            if (_templates is not null)
            {
                foreach (var ch in r.ChannelList.Count > 0 ? r.ChannelList : _defaultChannels)
                {
                    if (!_templates.HasTemplate(template, ch.Kind))
                    {
                        errors.Add(new RuleDefinitionError(path + ".template", $"No template for channel '{ch.Value}'.", "template", template));
                    }
                }
            }

            if (errors.Count == before && compiled is not null && offer is not null)
            {
                rules.Add(new PersonalizationRule(r.Id, compiled, offer, r.Priority, r.Group, r.IsExclusive, r.From, r.Until, r.ConsentPurpose, r.ChannelList.Distinct().ToArray(), template, r.Campaign, r.Text));
            }
        }

        rules.Sort(static (a, b) => a.Priority != b.Priority ? b.Priority.CompareTo(a.Priority) : string.CompareOrdinal(a.Id, b.Id));
        for (var i = 0; i < rules.Count; i++)
        {
            for (var j = i + 1; j < rules.Count && rules[j].Priority == rules[i].Priority; j++)
            {
                var a = rules[i];
                var b = rules[j];
                var sameGroup = a.StackingGroup is not null && string.Equals(a.StackingGroup, b.StackingGroup, StringComparison.Ordinal);
                if ((sameGroup || (a.Exclusive && b.Exclusive)) && Overlaps(a.ValidFrom, a.ValidUntil, b.ValidFrom, b.ValidUntil))
                {
                    errors.Add(new RuleDefinitionError(
                        $"rules['{b.Id}']",
                        string.Create(CultureInfo.InvariantCulture, $"Overlapping exclusive rules: '{a.Id}' and '{b.Id}' have the same priority {a.Priority} {(sameGroup ? "in stacking group '" + a.StackingGroup + "'" : "and are both exclusive")} with overlapping windows; give them different priorities."),
                        "priority",
                        a.Priority.ToString(CultureInfo.InvariantCulture)));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new RuleDefinitionException(errors);
        }

        return new PersonalizationRuleSet(rules.AsReadOnly(), offers.AsReadOnly(), budgets.AsReadOnly());
    }

    internal PersonalizationRuleSetBuilder AddOfferAt(Offer offer, string? path)
    {
        ArgumentNullException.ThrowIfNull(offer);
        EnsureNotBuilt();
        _offers.Add((offer, path ?? $"offers['{offer.Id}']"));
        return this;
    }

    internal PersonalizationRuleSetBuilder AddBudgetAt(string campaignId, BudgetLimits limits, string? path)
    {
        ArgumentNullException.ThrowIfNull(limits);
        EnsureNotBuilt();
        Identifiers.Require(campaignId, nameof(campaignId));
        _budgets.Add((campaignId, limits, path ?? $"budgets['{campaignId}']"));
        return this;
    }

    internal PersonalizationRuleSetBuilder AddRuleAt(PersonalizationRuleBuilder rule, string path)
    {
        EnsureNotBuilt();
        _rules.Add((rule, path));
        return this;
    }

    internal void AddError(RuleDefinitionError error) => _preErrors.Add(error);

    private static bool Overlaps(DateTimeOffset? aFrom, DateTimeOffset? aUntil, DateTimeOffset? bFrom, DateTimeOffset? bUntil)
    {
        var start = Max(aFrom, bFrom);
        var end = Min(aUntil, bUntil);
        return start is null || end is null || start < end;
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private void EnsureNotBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("This builder has already built its rule set; create a new builder.");
        }
    }
}
