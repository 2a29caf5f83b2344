using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CemCore.Channels;
using CemCore.Dispatch;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Journeys;

/// <summary>
/// Dispatches one customer at a time through the personalization rules and the exactly-once <see cref="CampaignRunner"/>: the decision is
/// made by an <see cref="OfferDecisionEngine"/> over the rule set (or a named subset of its rules), and the send is claimed in the send log
/// under <see cref="IdempotencyKey.Create(string, string, string)"/> of (campaign, run key, customer). Event triggers use (trigger id,
/// event id); journey send steps use (journey, step and entry). A replayed event or a re-run step therefore never sends twice.
/// </summary>
/// <remarks>
/// <para>One decision engine is kept per rule subset; budgets shared between subsets need <see cref="DispatchStores.Budgets"/> (the
/// engines' in-memory counters are per subset). Frequency caps count contacts of <see cref="DispatchStores.Caps"/> (or
/// <see cref="DispatchStores.ContactHistory"/>) when given. Deferred sends (quiet hours) go to <see cref="DispatchStores.Schedule"/> only when
/// the caller does not handle deferral itself (journeys strip the schedule and wait instead).</para>
/// <para>Thread-safe.</para>
/// </remarks>
public sealed class EventDispatcher
{
    private readonly ConcurrentDictionary<string, CampaignRunner> _runners = new(StringComparer.Ordinal);
    private readonly IMessageChannel[] _channels;
    private readonly DecisionSettings _decisionSettings;
    private readonly DispatchSettings _dispatchSettings;
    private readonly HashSet<string> _ruleIds;

    /// <summary>Creates a dispatcher.</summary>
    /// <param name="rules">The rule set.</param>
    /// <param name="renderer">The renderer.</param>
    /// <param name="channels">The host's channels.</param>
    /// <param name="stores">The shared dispatch stores.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="decisionSettings">Decision settings (caps, quiet hours, holdout); <see langword="null"/> for the defaults.</param>
    /// <param name="dispatchSettings">Dispatch settings (retry, rate limits, lease); <see langword="null"/> for the defaults. Outcomes are always kept (one per call).</param>
    public EventDispatcher(
        PersonalizationRuleSet rules,
        MessageRenderer renderer,
        IEnumerable<IMessageChannel> channels,
        DispatchStores stores,
        TimeProvider? timeProvider = null,
        DecisionSettings? decisionSettings = null,
        DispatchSettings? dispatchSettings = null)
    {
        RuleSet = rules ?? throw new ArgumentNullException(nameof(rules));
        Renderer = renderer ?? throw new ArgumentNullException(nameof(renderer));
        Stores = stores ?? throw new ArgumentNullException(nameof(stores));
        _channels = [.. channels ?? throw new ArgumentNullException(nameof(channels))];
        Time = timeProvider ?? TimeProvider.System;
        _decisionSettings = decisionSettings ?? DecisionSettings.Default;
        var d = dispatchSettings ?? DispatchSettings.Default;
        // One customer per dispatch, outcomes kept for the journey; every other setting (including ones added later) as given.
        _dispatchSettings = d with { MaxParallelism = 1, KeepOutcomes = true, OutcomeSink = null };
        _ruleIds = new HashSet<string>(rules.Rules.Select(r => r.Id), StringComparer.Ordinal);
    }

    /// <summary>Gets the rule set.</summary>
    public PersonalizationRuleSet RuleSet { get; }

    /// <summary>Gets the renderer.</summary>
    public MessageRenderer Renderer { get; }

    /// <summary>Gets the stores.</summary>
    public DispatchStores Stores { get; }

    /// <summary>Gets the clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Gets the send-log lease (also the lease of schedule entries taken when due).</summary>
    internal TimeSpan Lease => _dispatchSettings.EffectiveLease;

    /// <summary>Returns whether the rule set has a rule with this id.</summary>
    /// <param name="ruleId">The rule id.</param>
    /// <returns><see langword="true"/> when known.</returns>
    public bool HasRule(string ruleId) => _ruleIds.Contains(ruleId);

    /// <summary>Decides and dispatches one customer exactly once per (campaign, run key, customer).</summary>
    /// <param name="campaignId">The campaign id (a trigger id, or <c>journey:&lt;id&gt;</c>).</param>
    /// <param name="runKey">The run key (an event id, or a journey step and entry).</param>
    /// <param name="context">The customer's context (with the event's facts applied).</param>
    /// <param name="ruleIds">The rules that may decide, or <see langword="null"/>/empty for every rule of the set.</param>
    /// <param name="useSchedule">Whether a deferred send goes to <see cref="DispatchStores.Schedule"/>.</param>
    /// <param name="cancellationToken">Cancels the dispatch (a send the provider accepted is still recorded).</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="ArgumentException">A rule id is unknown.</exception>
    public async ValueTask<DispatchOutcome> DispatchAsync(string campaignId, string runKey, CustomerContext context, IReadOnlyList<string>? ruleIds = null, bool useSchedule = true, CancellationToken cancellationToken = default)
    {
        Check.NotBlank(campaignId);
        Check.NotBlank(runKey);
        ArgumentNullException.ThrowIfNull(context);
        var runner = Runner(ruleIds, useSchedule);
        var result = await runner.RunAsync(campaignId, runKey, CampaignAudience.Everyone, One(context, cancellationToken), cancellationToken: cancellationToken).ConfigureAwait(false);
        return result.Outcomes[0];
    }

    private CampaignRunner Runner(IReadOnlyList<string>? ruleIds, bool useSchedule)
    {
        var ids = ruleIds is null || ruleIds.Count == 0 ? [] : ruleIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        foreach (var id in ids)
        {
            if (!_ruleIds.Contains(id))
            {
                throw new ArgumentException($"Unknown rule '{id}'.", nameof(ruleIds));
            }
        }

        var cacheKey = (useSchedule ? "s|" : "n|") + string.Join('\n', ids);
        return _runners.GetOrAdd(cacheKey, _ =>
        {
            var subset = ids.Length == 0
                ? RuleSet
                : new PersonalizationRuleSet([.. RuleSet.Rules.Where(r => Array.BinarySearch(ids, r.Id, StringComparer.Ordinal) >= 0)], RuleSet.Offers, RuleSet.Budgets);
            var history = (IContactHistory?)Stores.Caps ?? Stores.ContactHistory;
            var engine = new OfferDecisionEngine(subset, _decisionSettings, history);
            var stores = useSchedule ? Stores : Stores with { Schedule = null };
            return new CampaignRunner(engine, Renderer, _channels, stores, Time, _dispatchSettings) { CallerSchedulesDeferrals = Stores.Schedule is not null }; // triggers and journeys schedule a deferral themselves
        });
    }

    private static async IAsyncEnumerable<CustomerContext> One(CustomerContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        yield return context;
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
