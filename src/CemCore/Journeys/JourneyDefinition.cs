using System.Globalization;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;

namespace CemCore.Journeys;

/// <summary>The kind of a journey step.</summary>
public enum JourneyStepKind
{
    /// <summary>Decide and send an offer through the rules (exactly once per journey, customer, step and entry), then go on.</summary>
    Send = 0,

    /// <summary>Wait a fixed duration, then go on.</summary>
    Wait = 1,

    /// <summary>Wait until an event of a type arrives (go to <see cref="JourneyStep.OnEvent"/>) or the timeout passes (go to <see cref="JourneyStep.OnTimeout"/>).</summary>
    WaitForEvent = 2,

    /// <summary>Go to <see cref="JourneyStep.IfTrue"/> when the condition holds on the customer's context, else to <see cref="JourneyStep.IfFalse"/>.</summary>
    Branch = 3,

    /// <summary>Assign the customer to a variant (deterministic, seeded, weighted) and go to its step.</summary>
    Split = 4,

    /// <summary>Leave the journey.</summary>
    Exit = 5,
}

/// <summary>One variant of a split step.</summary>
/// <param name="Name">The variant name (reported in paths).</param>
/// <param name="Weight">A positive weight.</param>
/// <param name="Next">The step it goes to, or <see langword="null"/> to complete the journey.</param>
public sealed record SplitVariant(string Name, double Weight, string? Next);

/// <summary>One step of a journey. Built by <see cref="JourneyBuilder"/> or <see cref="JourneyJson"/>; immutable.</summary>
public sealed record JourneyStep
{
    internal JourneyStep(string id, JourneyStepKind kind) => (Id, Kind) = (id, kind);

    /// <summary>Gets the step id.</summary>
    public string Id { get; }

    /// <summary>Gets the kind.</summary>
    public JourneyStepKind Kind { get; }

    /// <summary>Gets the next step (send, wait), or <see langword="null"/> to complete the journey.</summary>
    public string? Next { get; internal init; }

    /// <summary>Gets the rule ids that decide a send (empty for every rule of the set).</summary>
    public IReadOnlyList<string> Rules { get; internal init; } = [];

    /// <summary>Gets the wait duration, or the timeout of a wait for an event.</summary>
    public TimeSpan Duration { get; internal init; }

    /// <summary>Gets the awaited event type (wait for event).</summary>
    public string? EventType { get; internal init; }

    /// <summary>Gets the step after the awaited event, or <see langword="null"/> to complete.</summary>
    public string? OnEvent { get; internal init; }

    /// <summary>Gets the step after the timeout, or <see langword="null"/> to complete.</summary>
    public string? OnTimeout { get; internal init; }

    /// <summary>Gets the branch condition.</summary>
    public CompiledCondition? Condition { get; internal init; }

    /// <summary>Gets the step when the condition holds, or <see langword="null"/> to complete.</summary>
    public string? IfTrue { get; internal init; }

    /// <summary>Gets the step when it does not, or <see langword="null"/> to complete.</summary>
    public string? IfFalse { get; internal init; }

    /// <summary>Gets the split variants.</summary>
    public IReadOnlyList<SplitVariant> Variants { get; internal init; } = [];

    /// <summary>Gets every step this one may go to (excluding completion).</summary>
    public IEnumerable<string> Successors()
    {
        string?[] all = Kind switch
        {
            JourneyStepKind.Send or JourneyStepKind.Wait => [Next],
            JourneyStepKind.WaitForEvent => [OnEvent, OnTimeout],
            JourneyStepKind.Branch => [IfTrue, IfFalse],
            JourneyStepKind.Split => [.. Variants.Select(v => v.Next)],
            _ => [],
        };
        return all.OfType<string>();
    }
}

/// <summary>How often a customer may enter a journey. A customer is never in the same journey twice at once.</summary>
public enum JourneyEntryLimitKind
{
    /// <summary>Once per customer, ever.</summary>
    Once = 0,

    /// <summary>Again only when <see cref="JourneyEntryLimit.Period"/> has passed since the previous entry.</summary>
    OncePerPeriod = 1,

    /// <summary>Again whenever the previous entry has ended.</summary>
    Unlimited = 2,
}

/// <summary>The entry limit of a journey.</summary>
/// <param name="Kind">The kind.</param>
/// <param name="Period">For <see cref="JourneyEntryLimitKind.OncePerPeriod"/>, the positive period.</param>
public sealed record JourneyEntryLimit(JourneyEntryLimitKind Kind, TimeSpan Period = default)
{
    /// <summary>Gets the period.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive for <see cref="JourneyEntryLimitKind.OncePerPeriod"/>.</exception>
    public TimeSpan Period { get; } = Kind != JourneyEntryLimitKind.OncePerPeriod || Period > TimeSpan.Zero
        ? Period
        : throw new ArgumentOutOfRangeException(nameof(Period), Period, "Must be positive.");

    /// <summary>Gets the limit "once per customer".</summary>
    public static JourneyEntryLimit Once { get; } = new(JourneyEntryLimitKind.Once);

    /// <summary>Gets the limit "whenever the previous entry has ended".</summary>
    public static JourneyEntryLimit Unlimited { get; } = new(JourneyEntryLimitKind.Unlimited);

    /// <summary>The limit "once per period".</summary>
    /// <param name="period">The period.</param>
    /// <returns>The limit.</returns>
    public static JourneyEntryLimit OncePer(TimeSpan period) => new(JourneyEntryLimitKind.OncePerPeriod, period);

    /// <summary>Returns whether a new entry at <paramref name="at"/> is allowed after the previous one.</summary>
    /// <param name="previousEnteredAt">The previous entry's instant, or <see langword="null"/> for none.</param>
    /// <param name="at">The new entry's instant.</param>
    /// <returns><see langword="true"/> when allowed.</returns>
    public bool Allows(DateTimeOffset? previousEnteredAt, DateTimeOffset at) => previousEnteredAt is not { } prev || Kind switch
    {
        JourneyEntryLimitKind.Once => false,
        JourneyEntryLimitKind.OncePerPeriod => at - prev >= Period,
        _ => true,
    };
}

/// <summary>A validated multi-step journey: entered by an event, a graph of steps (acyclic), exited early by a goal event.</summary>
/// <remarks>Immutable and thread-safe. Built by <see cref="JourneyBuilder"/> or loaded by <see cref="JourneyJson"/>.</remarks>
public sealed class JourneyDefinition
{
    internal JourneyDefinition(string id, string entryEvent, CompiledCondition? entryCondition, string? goalEvent, JourneyEntryLimit limit, string seed, IReadOnlyList<JourneyStep> steps)
    {
        Id = id;
        EntryEvent = entryEvent;
        EntryCondition = entryCondition;
        GoalEvent = goalEvent;
        EntryLimit = limit;
        Seed = seed;
        Steps = steps;
        StepsById = steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>Gets the journey id.</summary>
    public string Id { get; }

    /// <summary>Gets the event type that enters a customer.</summary>
    public string EntryEvent { get; }

    /// <summary>Gets the entry condition on the customer's context (with the entry event applied), or <see langword="null"/>.</summary>
    public CompiledCondition? EntryCondition { get; }

    /// <summary>Gets the goal event type that exits a customer early, or <see langword="null"/>.</summary>
    public string? GoalEvent { get; }

    /// <summary>Gets the entry limit.</summary>
    public JourneyEntryLimit EntryLimit { get; }

    /// <summary>Gets the seed of split assignments.</summary>
    public string Seed { get; }

    /// <summary>Gets the steps; the first is where a customer starts.</summary>
    public IReadOnlyList<JourneyStep> Steps { get; }

    /// <summary>Gets the steps by id.</summary>
    public IReadOnlyDictionary<string, JourneyStep> StepsById { get; }

    /// <summary>
    /// The variant of a split step for a customer: <c>b = FNV-1a-64(UTF-8(seed ‖ ":" ‖ journey ‖ ":" ‖ step ‖ ":" ‖ customer)) mod 10000</c>,
    /// then the first variant whose cumulative weight share × 10000 exceeds <c>b</c> (weights in the given order).
    /// </summary>
    /// <param name="step">A split step.</param>
    /// <param name="customerId">The customer.</param>
    /// <returns>The variant.</returns>
    public SplitVariant Assign(JourneyStep step, string customerId)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(customerId);
        var h = Fnv1a64.OffsetBasis;
        foreach (var part in new[] { Seed, Id, step.Id })
        {
            h = Fnv1a64.Append(Fnv1a64.Append(h, part), (byte)':');
        }

        h = Fnv1a64.Append(h, customerId);
        var bucket = (double)(h % 10_000UL);
        var total = step.Variants.Sum(v => v.Weight);
        var cumulative = 0.0;
        foreach (var v in step.Variants)
        {
            cumulative += v.Weight;
            if (bucket < cumulative / total * 10_000)
            {
                return v;
            }
        }

        return step.Variants[^1];
    }
}

/// <summary>Builds a <see cref="JourneyDefinition"/>; <see cref="Build"/> validates and reports every problem at once.</summary>
/// <remarks>The first step added is where customers start. Mutable, not thread-safe.</remarks>
public sealed class JourneyBuilder
{
    private readonly string _id;
    private readonly List<(JourneyStep Step, Condition? Condition, string Path)> _steps = [];
    private readonly List<RuleDefinitionError> _errors = [];
    private string? _entryEvent;
    private Condition? _entryCondition;
    private string? _goal;
    private JourneyEntryLimit _limit = JourneyEntryLimit.Once;
    private string _seed = "journey";

    /// <summary>Creates a builder.</summary>
    /// <param name="id">The journey id: letters, digits, <c>_</c>, <c>-</c>, <c>.</c>.</param>
    public JourneyBuilder(string id)
    {
        _id = id ?? string.Empty;
        if (!CustomerEventTypes.IsValid(id))
        {
            _errors.Add(new RuleDefinitionError("id", "A journey id must be 1-64 ASCII letters, digits, '_', '-' or '.'.", null, id));
        }
    }

    /// <summary>Sets the entry event and an optional condition.</summary>
    /// <param name="eventType">The event type.</param>
    /// <param name="when">The entry condition, or <see langword="null"/>.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder EnteredBy(string eventType, Condition? when = null)
    {
        _entryEvent = eventType;
        _entryCondition = when;
        return this;
    }

    /// <summary>Sets the goal event that exits customers early.</summary>
    /// <param name="eventType">The event type.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder ExitOn(string eventType)
    {
        _goal = eventType;
        return this;
    }

    /// <summary>Sets the entry limit (default <see cref="JourneyEntryLimit.Once"/>).</summary>
    /// <param name="limit">The limit.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder Limit(JourneyEntryLimit limit)
    {
        _limit = limit ?? throw new ArgumentNullException(nameof(limit));
        return this;
    }

    /// <summary>Sets the seed of split assignments (default <c>journey</c>).</summary>
    /// <param name="seed">The seed.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder WithSeed(string seed)
    {
        _seed = Check.NotBlank(seed);
        return this;
    }

    /// <summary>Adds a send step.</summary>
    /// <param name="id">The step id.</param>
    /// <param name="next">The next step, or <see langword="null"/> to complete.</param>
    /// <param name="rules">The rules that decide (none: every rule).</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder Send(string id, string? next, params string[] rules) =>
        Add(new JourneyStep(id, JourneyStepKind.Send) { Next = next, Rules = [.. rules ?? []] }, null);

    /// <summary>Adds a wait step.</summary>
    /// <param name="id">The step id.</param>
    /// <param name="duration">The positive duration.</param>
    /// <param name="next">The next step, or <see langword="null"/> to complete.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder Wait(string id, TimeSpan duration, string? next) =>
        Add(new JourneyStep(id, JourneyStepKind.Wait) { Duration = duration, Next = next }, null);

    /// <summary>Adds a wait for an event with a timeout.</summary>
    /// <param name="id">The step id.</param>
    /// <param name="eventType">The awaited event type.</param>
    /// <param name="timeout">The positive timeout.</param>
    /// <param name="onEvent">The step after the event, or <see langword="null"/> to complete.</param>
    /// <param name="onTimeout">The step after the timeout, or <see langword="null"/> to complete.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder WaitFor(string id, string eventType, TimeSpan timeout, string? onEvent, string? onTimeout) =>
        Add(new JourneyStep(id, JourneyStepKind.WaitForEvent) { EventType = eventType, Duration = timeout, OnEvent = onEvent, OnTimeout = onTimeout }, null);

    /// <summary>Adds a branch.</summary>
    /// <param name="id">The step id.</param>
    /// <param name="condition">The condition (CemCore.Rules).</param>
    /// <param name="ifTrue">The step when it holds, or <see langword="null"/> to complete.</param>
    /// <param name="ifFalse">The step when it does not, or <see langword="null"/> to complete.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder Branch(string id, Condition condition, string? ifTrue, string? ifFalse) =>
        Add(new JourneyStep(id, JourneyStepKind.Branch) { IfTrue = ifTrue, IfFalse = ifFalse }, condition ?? throw new ArgumentNullException(nameof(condition)));

    /// <summary>Adds an experiment split.</summary>
    /// <param name="id">The step id.</param>
    /// <param name="variants">The variants (at least two, unique names, positive weights).</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder Split(string id, params SplitVariant[] variants) =>
        Add(new JourneyStep(id, JourneyStepKind.Split) { Variants = [.. variants ?? []] }, null);

    /// <summary>Adds an exit step.</summary>
    /// <param name="id">The step id.</param>
    /// <returns>This builder.</returns>
    public JourneyBuilder Exit(string id) => Add(new JourneyStep(id, JourneyStepKind.Exit), null);

    internal JourneyBuilder AddAt(JourneyStep step, Condition? condition, string path)
    {
        _steps.Add((step, condition, path));
        return this;
    }

    internal void AddError(RuleDefinitionError error) => _errors.Add(error);

    /// <summary>Validates and builds: ids valid and unique, an entry event, at least one step, every target exists, every step reachable, no
    /// cycle (a step runs at most once per entry), positive durations and weights, conditions compile (unknown fields, wrong types).</summary>
    /// <param name="conditions">Named conditions and the field registry; <see langword="null"/> for <see cref="ConditionSet.Empty"/>.</param>
    /// <param name="rules">When given, every rule a send step names must exist in it.</param>
    /// <returns>The journey.</returns>
    /// <exception cref="RuleDefinitionException">Invalid; every problem is listed with its path.</exception>
    public JourneyDefinition Build(ConditionSet? conditions = null, PersonalizationRuleSet? rules = null)
    {
        conditions ??= ConditionSet.Empty;
        var errors = new List<RuleDefinitionError>(_errors);
        if (_entryEvent is null)
        {
            errors.Add(new RuleDefinitionError("entry.event", "A journey needs an entry event."));
        }
        else if (!CustomerEventTypes.IsValid(_entryEvent))
        {
            errors.Add(new RuleDefinitionError("entry.event", "Invalid event type.", null, _entryEvent));
        }

        if (_goal is not null && !CustomerEventTypes.IsValid(_goal))
        {
            errors.Add(new RuleDefinitionError("goal", "Invalid event type.", null, _goal));
        }

        CompiledCondition? entry = null;
        if (_entryCondition is not null && !conditions.TryCompile(_entryCondition, "entry.when", out entry, out var entryErrors))
        {
            errors.AddRange(entryErrors);
        }

        if (_steps.Count == 0)
        {
            errors.Add(new RuleDefinitionError("steps", "A journey needs at least one step."));
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var built = new List<JourneyStep>();
        var ruleIds = rules is null ? null : new HashSet<string>(rules.Rules.Select(r => r.Id), StringComparer.Ordinal);
        foreach (var (step, condition, path) in _steps)
        {
            if (!CustomerEventTypes.IsValid(step.Id))
            {
                errors.Add(new RuleDefinitionError(path + ".id", "A step id must be 1-64 ASCII letters, digits, '_', '-' or '.'.", null, step.Id));
            }
            else if (!ids.TryAdd(step.Id, built.Count))
            {
                errors.Add(new RuleDefinitionError(path + ".id", "Duplicate step id.", null, step.Id));
            }

            var s = step;
            switch (step.Kind)
            {
                case JourneyStepKind.Wait or JourneyStepKind.WaitForEvent when step.Duration <= TimeSpan.Zero:
                    errors.Add(new RuleDefinitionError(path, "The wait duration (or timeout) must be positive.", null, step.Duration.ToString("c", CultureInfo.InvariantCulture)));
                    break;
                case JourneyStepKind.Branch:
                    if (conditions.TryCompile(condition!, path + ".when", out var compiled, out var errs))
                    {
                        s = step with { Condition = compiled };
                    }
                    else
                    {
                        errors.AddRange(errs);
                    }

                    break;
                case JourneyStepKind.Split:
                    if (step.Variants.Count < 2)
                    {
                        errors.Add(new RuleDefinitionError(path + ".variants", "A split needs at least two variants."));
                    }

                    if (step.Variants.Any(v => !double.IsFinite(v.Weight) || v.Weight <= 0))
                    {
                        errors.Add(new RuleDefinitionError(path + ".variants", "Every variant weight must be positive and finite."));
                    }

                    if (step.Variants.Select(v => v.Name).Distinct(StringComparer.Ordinal).Count() != step.Variants.Count || step.Variants.Any(v => string.IsNullOrWhiteSpace(v.Name)))
                    {
                        errors.Add(new RuleDefinitionError(path + ".variants", "Variant names must be non-blank and unique."));
                    }

                    break;
                case JourneyStepKind.Send when ruleIds is not null:
                    foreach (var r in step.Rules.Where(r => !ruleIds.Contains(r)))
                    {
                        errors.Add(new RuleDefinitionError(path + ".rules", "Unknown rule.", null, r));
                    }

                    break;
            }

            if (step.Kind == JourneyStepKind.WaitForEvent && !CustomerEventTypes.IsValid(step.EventType))
            {
                errors.Add(new RuleDefinitionError(path + ".event", "Invalid event type.", null, step.EventType));
            }

            built.Add(s);
        }

        for (var i = 0; i < built.Count; i++)
        {
            foreach (var target in built[i].Successors().Where(t => !ids.ContainsKey(t)))
            {
                errors.Add(new RuleDefinitionError(_steps[i].Path, "Unknown step.", null, target));
            }
        }

        if (errors.Count == 0)
        {
            CheckGraph(built, ids, errors);
        }

        if (errors.Count > 0)
        {
            throw new RuleDefinitionException(errors);
        }

        return new JourneyDefinition(_id, _entryEvent!, entry, _goal, _limit, _seed, built.AsReadOnly());
    }

    // Iterative DFS from the first step: reports cycles and unreachable steps.
    private void CheckGraph(List<JourneyStep> steps, Dictionary<string, int> ids, List<RuleDefinitionError> errors)
    {
        var state = new byte[steps.Count]; // 0 new, 1 on stack, 2 done
        var stack = new Stack<(int Node, IEnumerator<string> Next)>();
        state[0] = 1;
        stack.Push((0, steps[0].Successors().GetEnumerator()));
        while (stack.Count > 0)
        {
            var (node, next) = stack.Peek();
            if (!next.MoveNext())
            {
                state[node] = 2;
                stack.Pop();
                next.Dispose();
                continue;
            }

            var child = ids[next.Current];
            if (state[child] == 1)
            {
                errors.Add(new RuleDefinitionError(_steps[node].Path, $"Cycle: step '{steps[node].Id}' goes back to '{steps[child].Id}'; journeys are acyclic (each step runs at most once per entry)."));
            }
            else if (state[child] == 0)
            {
                state[child] = 1;
                stack.Push((child, steps[child].Successors().GetEnumerator()));
            }
        }

        for (var i = 0; i < steps.Count; i++)
        {
            if (state[i] == 0)
            {
                errors.Add(new RuleDefinitionError(_steps[i].Path, "Unreachable from the first step.", null, steps[i].Id));
            }
        }
    }

    private JourneyBuilder Add(JourneyStep step, Condition? condition) =>
        AddAt(step, condition, string.Create(CultureInfo.InvariantCulture, $"steps[{_steps.Count}]"));
}
