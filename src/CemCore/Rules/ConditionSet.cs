using System.Globalization;
using System.Diagnostics.CodeAnalysis;

namespace CemCore.Rules;

/// <summary>A validated, compiled condition: evaluate it for a customer with no allocation, or explain it.</summary>
/// <remarks>Immutable and thread-safe (the <see cref="CustomerContext"/> passed in is not: one per thread).</remarks>
public sealed class CompiledCondition
{
    private readonly Node _root;
    private readonly Node _evaluated;

    internal CompiledCondition(string? name, Condition definition, Node root)
    {
        _evaluated = Node.ForEvaluation(root);
        Name = name;
        Definition = definition;
        _root = root;
    }

    /// <summary>Gets the definition name, or <see langword="null"/> for an anonymous condition.</summary>
    public string? Name { get; }

    /// <summary>Gets the definition it was compiled from.</summary>
    public Condition Definition { get; }

    /// <summary>Evaluates the condition. Allocates nothing; <c>all</c>/<c>any</c> short-circuit left to right.</summary>
    /// <param name="context">The customer.</param>
    /// <returns>Whether the condition holds.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public bool Evaluate(CustomerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _evaluated.Evaluate(context);
    }

    /// <summary>Evaluates every operand and returns the trace (allocates; not for the hot path).</summary>
    /// <param name="context">The customer.</param>
    /// <returns>The trace; its <see cref="ConditionTrace.Held"/> equals <see cref="Evaluate"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public ConditionTrace Explain(CustomerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _root.Explain(context);
    }

    internal Node Root => _root;

    /// <summary>Gets the node to call for evaluation (the root with leading references skipped).</summary>
    internal Node EvaluationRoot => _evaluated;

    /// <summary>Returns the canonical text form of the definition.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => Name is null ? Definition.ToString() : Name + ": " + Definition;
}

/// <summary>
/// A validated set of named conditions (built by <see cref="ConditionSetBuilder"/> or loaded from JSON by <see cref="ConditionJson"/>),
/// and the compiler for further conditions that may reference them (<see cref="Compile"/>), as personalization rules do.
/// </summary>
/// <remarks>Immutable and thread-safe. Names are case-sensitive (ordinal).</remarks>
public sealed class ConditionSet
{
    /// <summary>The deepest nesting of <c>all</c>/<c>any</c>/<c>not</c> within one definition.</summary>
    public const int MaxNestingDepth = 64;

    /// <summary>The deepest evaluation of a definition: its nesting plus, through every chain of references, the nesting of what it
    /// references. Deeper definitions are load errors, so evaluation never recurses without bound.</summary>
    public const int MaxEvaluationDepth = 256;

    private readonly Dictionary<string, CompiledCondition> _byName;

    internal ConditionSet(FieldRegistry registry, IReadOnlyList<CompiledCondition> conditions)
    {
        Registry = registry;
        Conditions = conditions;
        _byName = new Dictionary<string, CompiledCondition>(StringComparer.Ordinal);
        foreach (var c in conditions)
        {
            _byName[c.Name!] = c;
        }
    }

    /// <summary>Gets an empty set over <see cref="FieldRegistry.Default"/>.</summary>
    public static ConditionSet Empty { get; } = new(FieldRegistry.Default, []);

    /// <summary>Gets the field registry the set was compiled with.</summary>
    public FieldRegistry Registry { get; }

    /// <summary>Gets the named conditions in definition order.</summary>
    public IReadOnlyList<CompiledCondition> Conditions { get; }

    /// <summary>Gets a named condition.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The condition.</returns>
    /// <exception cref="KeyNotFoundException">No condition has that name.</exception>
    public CompiledCondition this[string name] =>
        TryGet(name, out var c) ? c : throw new KeyNotFoundException($"No condition is named '{name}'.");

    /// <summary>Finds a named condition.</summary>
    /// <param name="name">The name.</param>
    /// <param name="condition">The condition when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGet(string name, [NotNullWhen(true)] out CompiledCondition? condition)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out condition);
    }

    /// <summary>Compiles a further condition against this set's registry; <c>ref</c>s resolve to the set's named conditions.</summary>
    /// <param name="condition">The definition.</param>
    /// <param name="path">Where the definition comes from, used in error paths (e.g. <c>$.rules[3].when</c>).</param>
    /// <returns>The compiled condition.</returns>
    /// <exception cref="RuleDefinitionException">The definition is invalid; every problem is listed.</exception>
    public CompiledCondition Compile(Condition condition, string path = "condition")
    {
        if (!TryCompile(condition, path, out var compiled, out var errors))
        {
            throw new RuleDefinitionException(errors);
        }

        return compiled;
    }

    /// <summary>Compiles a further condition, returning the errors instead of throwing (to collect errors over many rules).</summary>
    /// <param name="condition">The definition.</param>
    /// <param name="path">Where the definition comes from, used in error paths.</param>
    /// <param name="compiled">The compiled condition on success.</param>
    /// <param name="errors">The problems found (empty on success).</param>
    /// <returns><see langword="true"/> on success.</returns>
    public bool TryCompile(Condition condition, string path, [NotNullWhen(true)] out CompiledCondition? compiled, out IReadOnlyList<RuleDefinitionError> errors)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(path);
        var list = new List<RuleDefinitionError>();
        var compiler = new ConditionCompiler(Registry, _byName.ContainsKey, n => _byName.TryGetValue(n, out var c) ? c.Root : null, list);
        var node = compiler.Compile(condition, path);
        errors = list;
        compiled = node is null ? null : new CompiledCondition(null, condition, node);
        return compiled is not null;
    }
}

/// <summary>
/// Collects named condition definitions and builds a validated <see cref="ConditionSet"/>: every field resolved, operands type-checked,
/// references resolved, reference cycles and contradictory ranges rejected, all problems reported together.
/// </summary>
/// <remarks>Mutable, not thread-safe, single-use: <see cref="Build()"/> may be called once; adding afterwards throws.</remarks>
public sealed class ConditionSetBuilder
{
    private readonly FieldRegistry _registry;
    private readonly List<(string Name, Condition? Condition, string Path)> _definitions = [];
    private readonly List<RuleDefinitionError> _pendingErrors = [];
    private bool _built;

    /// <summary>Creates a builder.</summary>
    /// <param name="registry">The field registry; <see langword="null"/> for <see cref="FieldRegistry.Default"/>.</param>
    public ConditionSetBuilder(FieldRegistry? registry = null) => _registry = registry ?? FieldRegistry.Default;

    /// <summary>Adds a named condition. Other definitions may reference it with <see cref="Condition.Ref"/>, in any order.</summary>
    /// <param name="name">A unique, non-blank name (case-sensitive).</param>
    /// <param name="condition">The definition.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is blank.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Build()"/> was already called.</exception>
    public ConditionSetBuilder Add(string name, Condition condition) =>
        Add(name, condition, "conditions['" + name + "']");

    internal ConditionSetBuilder Add(string name, Condition condition, string path)
    {
        Primitives.Check.NotBlank(name);
        ArgumentNullException.ThrowIfNull(condition);
        ThrowIfBuilt();

        _definitions.Add((name, condition, path));
        return this;
    }

    /// <summary>Registers a name whose definition failed to parse (already reported), so references to it are not reported as unknown.</summary>
    internal void AddInvalid(string name, string path)
    {
        ThrowIfBuilt();
        if (!string.IsNullOrWhiteSpace(name))
        {
            _definitions.Add((name, null, path));
        }
    }

    /// <summary>Records a parse error to be reported by <see cref="Build()"/> together with the build errors.</summary>
    internal void AddError(RuleDefinitionError error)
    {
        ThrowIfBuilt();
        _pendingErrors.Add(error);
    }

    private void ThrowIfBuilt()
    {
        if (_built)
        {
            throw new InvalidOperationException("The builder was already built; create a new builder.");
        }
    }

    /// <summary>Validates and compiles every definition.</summary>
    /// <returns>The immutable, thread-safe set.</returns>
    /// <exception cref="RuleDefinitionException">Any definition is invalid; every problem is listed with its path.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Build()"/> was already called.</exception>
    public ConditionSet Build()
    {
        ThrowIfBuilt();
        _built = true;
        var errors = new List<RuleDefinitionError>(_pendingErrors);
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _definitions.Count; i++)
        {
            var (name, _, path) = _definitions[i];
            if (!index.TryAdd(name, i))
            {
                errors.Add(new RuleDefinitionError(path, $"Duplicate name '{name}': condition and segment names must be unique.", null, name));
            }
        }

        // Nesting depth first (iteratively): a definition nested deeper than MaxNestingDepth is an error and is not walked recursively.
        var n = _definitions.Count;
        var nesting = new int[n];
        var failed = new bool[n];
        for (var i = 0; i < n; i++)
        {
            if (_definitions[i].Condition is { } c)
            {
                nesting[i] = ConditionCompiler.Depth(c, ConditionSet.MaxNestingDepth);
                if (nesting[i] > ConditionSet.MaxNestingDepth)
                {
                    failed[i] = true;
                    errors.Add(new RuleDefinitionError(_definitions[i].Path, string.Create(CultureInfo.InvariantCulture,
                        $"The condition is nested too deep: more than {ConditionSet.MaxNestingDepth} levels of all/any/not."), null, _definitions[i].Name));
                }
            }
        }

        // Reference graph and cycle detection: an iterative colouring DFS (no recursion, so a chain of 100,000 references is fine);
        // definition order makes the report deterministic.
        var refs = new List<string>[n];
        for (var i = 0; i < n; i++)
        {
            refs[i] = [];
            if (!failed[i] && _definitions[i].Condition is { } c)
            {
                ConditionCompiler.CollectReferences(c, refs[i]);
            }
        }

        var state = new byte[n]; // 0 new, 1 on the path, 2 done
        var onCycle = new bool[n];
        var order = new List<int>(n); // post-order: every definition after the ones it references
        var dfsPath = new List<int>();
        var cursor = new List<int>();
        for (var root = 0; root < n; root++)
        {
            if (state[root] != 0)
            {
                continue;
            }

            state[root] = 1;
            dfsPath.Add(root);
            cursor.Add(0);
            while (dfsPath.Count > 0)
            {
                var top = dfsPath.Count - 1;
                var i = dfsPath[top];
                if (cursor[top] < refs[i].Count)
                {
                    var r = refs[i][cursor[top]++];
                    if (!index.TryGetValue(r, out var j))
                    {
                        continue;
                    }

                    if (state[j] == 0)
                    {
                        state[j] = 1;
                        dfsPath.Add(j);
                        cursor.Add(0);
                    }
                    else if (state[j] == 1)
                    {
                        var from = dfsPath.IndexOf(j);
                        var names = new List<string>();
                        for (var k = from; k < dfsPath.Count; k++)
                        {
                            names.Add(_definitions[dfsPath[k]].Name);
                            onCycle[dfsPath[k]] = true;
                        }

                        names.Add(_definitions[j].Name);
                        errors.Add(new RuleDefinitionError(
                            _definitions[j].Path,
                            "Reference cycle: " + string.Join(" → ", names) + ". A condition or segment cannot depend on itself.",
                            null,
                            _definitions[j].Name));
                    }
                    else if (onCycle[j])
                    {
                        onCycle[i] = true;
                    }
                }
                else
                {
                    dfsPath.RemoveAt(top);
                    cursor.RemoveAt(top);
                    state[i] = 2;
                    order.Add(i);
                    if (onCycle[i] && top > 0)
                    {
                        onCycle[dfsPath[top - 1]] = true;
                    }
                }
            }
        }

        // Evaluation depth through references, in post-order. Only the first definition past the limit is reported; those that
        // reference a failed one fail silently (they were not evaluable either, and one error names the chain).
        var total = new int[n];
        foreach (var i in order)
        {
            if (failed[i] || onCycle[i])
            {
                continue;
            }

            var deepest = 0;
            foreach (var r in refs[i])
            {
                if (index.TryGetValue(r, out var j))
                {
                    failed[i] |= failed[j];
                    deepest = Math.Max(deepest, total[j]);
                }
            }

            total[i] = nesting[i] + deepest;
            if (!failed[i] && total[i] > ConditionSet.MaxEvaluationDepth)
            {
                failed[i] = true;
                errors.Add(new RuleDefinitionError(_definitions[i].Path, string.Create(CultureInfo.InvariantCulture,
                    $"The condition is too deep: evaluating '{_definitions[i].Name}' goes more than {ConditionSet.MaxEvaluationDepth} levels deep through nested conditions and references."), null, _definitions[i].Name));
            }
        }

        var nodes = new Node?[_definitions.Count];
        var compiler = new ConditionCompiler(
            _registry,
            index.ContainsKey,
            n => index.TryGetValue(n, out var j) ? nodes[j] : null,
            errors);
        foreach (var i in order)
        {
            if (!onCycle[i] && !failed[i] && _definitions[i].Condition is { } c)
            {
                nodes[i] = compiler.Compile(c, _definitions[i].Path);
            }
        }

        if (errors.Count > 0)
        {
            throw new RuleDefinitionException(errors);
        }

        var compiled = new CompiledCondition[_definitions.Count];
        for (var i = 0; i < compiled.Length; i++)
        {
            compiled[i] = new CompiledCondition(_definitions[i].Name, _definitions[i].Condition!, nodes[i]!);
        }

        return new ConditionSet(_registry, Array.AsReadOnly(compiled));
    }
}
