using CemCore.Customers;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Personalization;

/// <summary>
/// A personalization rule: when its eligibility condition holds (a <see cref="CompiledCondition"/> from <see cref="CemCore.Rules"/>), the
/// customer may receive its offer, on one of its channels, subject to consent, frequency caps, budget and stacking.
/// </summary>
/// <remarks>
/// <para>Ordering: rules compete by <see cref="Priority"/> (higher first), ties broken by <see cref="Id"/> in ordinal order — never by
/// definition or edit order.</para>
/// <para>Stacking: at most one rule per <see cref="StackingGroup"/> wins; an <see cref="Exclusive"/> rule wins only when nothing has won
/// yet and then stops further winners.</para>
/// <para>The validity window is half-open <c>[ValidFrom, ValidUntil)</c>; the offer's own window applies too.</para>
/// <para>Immutable and thread-safe. Create with <see cref="PersonalizationRuleSetBuilder"/> or <see cref="PersonalizationRuleJson"/>.</para>
/// </remarks>
public sealed class PersonalizationRule
{
    internal PersonalizationRule(
        string id,
        CompiledCondition eligibility,
        Offer offer,
        int priority,
        string? stackingGroup,
        bool exclusive,
        DateTimeOffset? validFrom,
        DateTimeOffset? validUntil,
        ConsentPurpose purpose,
        IReadOnlyList<ContactChannel> channels,
        string templateKey,
        string? campaignId,
        string? description)
    {
        Id = id;
        Eligibility = eligibility;
        Offer = offer;
        Priority = priority;
        StackingGroup = stackingGroup;
        Exclusive = exclusive;
        ValidFrom = validFrom;
        ValidUntil = validUntil;
        Purpose = purpose;
        Channels = channels;
        TemplateKey = templateKey;
        CampaignId = campaignId;
        Description = description;
    }

    /// <summary>Gets the stable rule id (tie-breaker after priority).</summary>
    public string Id { get; }

    /// <summary>Gets the compiled eligibility condition.</summary>
    public CompiledCondition Eligibility { get; }

    /// <summary>Gets the offer granted.</summary>
    public Offer Offer { get; }

    /// <summary>Gets the priority (higher wins).</summary>
    public int Priority { get; }

    /// <summary>Gets the stacking group (at most one winner per group), or <see langword="null"/>.</summary>
    public string? StackingGroup { get; }

    /// <summary>Gets whether the rule's offer never stacks with another.</summary>
    public bool Exclusive { get; }

    /// <summary>Gets the inclusive start of the rule's window, or <see langword="null"/>.</summary>
    public DateTimeOffset? ValidFrom { get; }

    /// <summary>Gets the exclusive end of the rule's window, or <see langword="null"/>.</summary>
    public DateTimeOffset? ValidUntil { get; }

    /// <summary>Gets the consent purpose of the message (marketing for promotions, service for after-sales compensation).</summary>
    public ConsentPurpose Purpose { get; }

    /// <summary>Gets the channels the message may use, in order of preference (the customer's preferred channel comes first when listed);
    /// empty means the engine's <see cref="DecisionSettings.DefaultChannels"/>.</summary>
    public IReadOnlyList<ContactChannel> Channels { get; }

    /// <summary>Gets the message template key.</summary>
    public string TemplateKey { get; }

    /// <summary>Gets the campaign whose budget pays for the offer, or <see langword="null"/> for no budget.</summary>
    public string? CampaignId { get; }

    /// <summary>Gets a human description, or <see langword="null"/>.</summary>
    public string? Description { get; }

    /// <summary>Returns whether both the rule's and the offer's windows contain an instant.</summary>
    /// <param name="instant">The instant.</param>
    /// <returns><see langword="true"/> when valid.</returns>
    public bool IsValidAt(DateTimeOffset instant) =>
        (ValidFrom is not { } f || instant >= f) && (ValidUntil is not { } u || instant < u) && Offer.IsValidAt(instant);

    /// <inheritdoc/>
    public override string ToString() => $"{Id} (priority {Priority}, offer {Offer.Id})";
}

/// <summary>Configures one rule in <see cref="PersonalizationRuleSetBuilder.AddRule"/>. Mutable, single use.</summary>
public sealed class PersonalizationRuleBuilder
{
    internal PersonalizationRuleBuilder(string id) => Id = id;

    internal string Id { get; }

    internal Condition? Condition { get; private set; }

    internal string? OfferId { get; private set; }

    internal int Priority { get; private set; }

    internal string? Group { get; private set; }

    internal bool IsExclusive { get; private set; }

    internal DateTimeOffset? From { get; private set; }

    internal DateTimeOffset? Until { get; private set; }

    internal ConsentPurpose ConsentPurpose { get; private set; } = ConsentPurpose.Marketing;

    internal List<ContactChannel> ChannelList { get; } = [];

    internal string? Template { get; private set; }

    internal string? Campaign { get; private set; }

    internal string? Text { get; private set; }

    /// <summary>Sets the eligibility condition (required).</summary>
    /// <param name="condition">The condition (fields from <see cref="FieldRegistry"/>; <c>ref</c>s to the set's named conditions).</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder When(Condition condition)
    {
        Condition = condition ?? throw new ArgumentNullException(nameof(condition));
        return this;
    }

    /// <summary>Sets the offer by id (required; the offer must be added to the set).</summary>
    /// <param name="offerId">The offer id.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder Grant(string offerId)
    {
        OfferId = Check.NotBlank(offerId);
        return this;
    }

    /// <summary>Sets the priority (default 0; higher wins).</summary>
    /// <param name="priority">The priority.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder WithPriority(int priority)
    {
        Priority = priority;
        return this;
    }

    /// <summary>Puts the rule in a stacking group (at most one winner per group).</summary>
    /// <param name="group">The group name.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder InGroup(string group)
    {
        Group = Check.NotBlank(group);
        return this;
    }

    /// <summary>Makes the rule's offer exclusive: it never stacks with another offer.</summary>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder Exclusive()
    {
        IsExclusive = true;
        return this;
    }

    /// <summary>Limits the rule to the half-open window <c>[from, until)</c>.</summary>
    /// <param name="from">Inclusive start, or <see langword="null"/>.</param>
    /// <param name="until">Exclusive end, or <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder ValidBetween(DateTimeOffset? from, DateTimeOffset? until)
    {
        From = from;
        Until = until;
        return this;
    }

    /// <summary>Sets the consent purpose (default <see cref="Customers.ConsentPurpose.Marketing"/>).</summary>
    /// <param name="purpose">The purpose.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder ForPurpose(ConsentPurpose purpose)
    {
        ConsentPurpose = purpose;
        return this;
    }

    /// <summary>Sets the channels in order of preference.</summary>
    /// <param name="channels">The channels.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder OnChannels(params IEnumerable<ContactChannel> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        ChannelList.AddRange(channels);
        return this;
    }

    /// <summary>Sets the message template key (default: the rule id).</summary>
    /// <param name="templateKey">The key.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder WithTemplate(string templateKey)
    {
        Template = Check.NotBlank(templateKey);
        return this;
    }

    /// <summary>Charges the offer to a campaign budget.</summary>
    /// <param name="campaignId">The campaign id (its budget is added with <see cref="PersonalizationRuleSetBuilder.AddBudget"/>).</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder InCampaign(string campaignId)
    {
        Campaign = Check.NotBlank(campaignId);
        return this;
    }

    /// <summary>Sets a human description.</summary>
    /// <param name="description">The text.</param>
    /// <returns>This builder.</returns>
    public PersonalizationRuleBuilder Describe(string description)
    {
        Text = description;
        return this;
    }
}
