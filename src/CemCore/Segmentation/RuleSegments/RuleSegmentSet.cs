using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Rules;

namespace CemCore.Segmentation.RuleSegments;

/// <summary>
/// A validated set of rule-based segments (geographic, demographic, behavioural, psychographic) over the condition engine
/// (<see cref="CemCore.Rules"/>). Segments may overlap: a customer can be in several or none.
/// </summary>
/// <remarks>
/// <para>Evaluate one customer into a caller-provided <see cref="Span{T}"/> of memberships (no allocation), or a batch into a row-major
/// customers × segments span, sequentially or in parallel. Every membership is explainable with <see cref="Explain"/>.</para>
/// <para>Immutable and thread-safe. Build it with <see cref="RuleSegmentSetBuilder"/> or load it with <see cref="RuleSegmentJson"/>.</para>
/// </remarks>
public sealed class RuleSegmentSet
{
    /// <summary>The number of customers between cancellation checks in batch evaluation.</summary>
    public const int BatchChunkSize = 4096;

    private readonly RuleSegment[] _segments;
    private readonly Node[] _roots;
    private readonly Dictionary<string, RuleSegment> _byName;

    internal RuleSegmentSet(ConditionSet conditions, RuleSegment[] segments, IReadOnlyList<string> helperNames)
    {
        Conditions = conditions;
        _segments = segments;
        _roots = new Node[segments.Length];
        for (var i = 0; i < segments.Length; i++)
        {
            _roots[i] = segments[i].Condition.Root;
        }
        Segments = Array.AsReadOnly(segments);
        HelperConditionNames = helperNames;
        _byName = new Dictionary<string, RuleSegment>(StringComparer.Ordinal);
        foreach (var s in segments)
        {
            _byName[s.Name] = s;
        }
    }

    /// <summary>Gets the segments in definition order (their <see cref="RuleSegment.Index"/> is their position).</summary>
    public IReadOnlyList<RuleSegment> Segments { get; }

    /// <summary>Gets the number of segments.</summary>
    public int Count => _segments.Length;

    /// <summary>Gets every compiled named condition: the helper conditions and one per segment (under the segment's name).</summary>
    public ConditionSet Conditions { get; }

    /// <summary>Gets the names of the helper conditions (named conditions that are not segments), in definition order.</summary>
    public IReadOnlyList<string> HelperConditionNames { get; }

    /// <summary>Gets a segment by name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The segment.</returns>
    /// <exception cref="KeyNotFoundException">No segment has that name.</exception>
    public RuleSegment this[string name] => TryGet(name, out var s) ? s : throw new KeyNotFoundException($"No segment is named '{name}'.");

    /// <summary>Finds a segment by name.</summary>
    /// <param name="name">The name (case-sensitive).</param>
    /// <param name="segment">The segment when found.</param>
    /// <returns><see langword="true"/> when found.</returns>
    public bool TryGet(string name, [NotNullWhen(true)] out RuleSegment? segment)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out segment);
    }

    /// <summary>Returns the segments of one kind, in definition order.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The segments.</returns>
    public IReadOnlyList<RuleSegment> OfKind(SegmentKind kind)
    {
        var list = new List<RuleSegment>();
        foreach (var s in _segments)
        {
            if (s.Kind == kind)
            {
                list.Add(s);
            }
        }

        return list;
    }

    /// <summary>Evaluates every segment for one customer. Allocates nothing.</summary>
    /// <param name="context">The customer.</param>
    /// <param name="memberships">Receives one flag per segment, in <see cref="Segments"/> order; length exactly <see cref="Count"/>.</param>
    /// <returns>The number of segments the customer belongs to.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="memberships"/> does not have <see cref="Count"/> elements.</exception>
    public int Evaluate(CustomerContext context, Span<bool> memberships)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (memberships.Length != _segments.Length)
        {
            ThrowLength(nameof(memberships), _segments.Length, memberships.Length);
        }

        return EvaluateCore(context, memberships);
    }

    /// <summary>Evaluates every segment for one customer into a bit mask (bit <c>i</c> = segment <c>i</c>). Allocates nothing.</summary>
    /// <param name="context">The customer.</param>
    /// <returns>The memberships as bits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="InvalidOperationException">The set has more than 64 segments: use <see cref="Evaluate"/>.</exception>
    public ulong EvaluateMask(CustomerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_segments.Length > 64)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"A bit mask holds 64 segments but the set has {_segments.Length}; use Evaluate with a span."));
        }

        ulong mask = 0;
        for (var i = 0; i < _segments.Length; i++)
        {
            if (_roots[i].Evaluate(context))
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }

    /// <summary>Explains every segment for one customer (allocates).</summary>
    /// <param name="context">The customer.</param>
    /// <returns>One trace per segment, in <see cref="Segments"/> order; <see cref="ConditionTrace.Held"/> is the membership.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    public IReadOnlyList<ConditionTrace> Explain(CustomerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var traces = new ConditionTrace[_segments.Length];
        for (var i = 0; i < traces.Length; i++)
        {
            traces[i] = _segments[i].Condition.Explain(context);
        }

        return traces;
    }

    /// <summary>
    /// Evaluates a batch: for each customer index, <paramref name="fill"/> sets up the (reused) context, then every segment is evaluated
    /// into row <c>i</c> of <paramref name="memberships"/> (row-major, <see cref="Count"/> flags per customer). No allocation per customer.
    /// </summary>
    /// <typeparam name="TState">The state passed to <paramref name="fill"/> (lets callers use a <see langword="static"/> lambda).</typeparam>
    /// <param name="customerCount">The number of customers (≥ 0).</param>
    /// <param name="state">State for <paramref name="fill"/>.</param>
    /// <param name="fill">Fills the context for customer <c>i</c>; call <see cref="CustomerContext.Reset"/> first in it.</param>
    /// <param name="memberships">Receives <c>customerCount × Count</c> flags.</param>
    /// <param name="cancellationToken">Checked every <see cref="BatchChunkSize"/> customers.</param>
    /// <exception cref="ArgumentException"><paramref name="memberships"/> has the wrong length.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public void EvaluateBatch<TState>(
        int customerCount,
        TState state,
        Action<TState, int, CustomerContext> fill,
        Span<bool> memberships,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fill);
        CheckBatch(customerCount, memberships.Length, nameof(memberships));
        var context = new CustomerContext();
        var n = _segments.Length;
        for (var i = 0; i < customerCount; i++)
        {
            if ((i & (BatchChunkSize - 1)) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            fill(state, i, context);
            EvaluateCore(context, memberships.Slice(i * n, n));
        }
    }

    /// <summary>
    /// Evaluates a batch in parallel chunks of <see cref="BatchChunkSize"/> customers, one reused context per worker. Results equal
    /// <see cref="EvaluateBatch{TState}(int, TState, Action{TState, int, CustomerContext}, Span{bool}, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TState">The state passed to <paramref name="fill"/>.</typeparam>
    /// <param name="customerCount">The number of customers (≥ 0).</param>
    /// <param name="state">State for <paramref name="fill"/>.</param>
    /// <param name="fill">Fills the context for customer <c>i</c>; must be safe to call from several threads at once.</param>
    /// <param name="memberships">Receives <c>customerCount × Count</c> flags (an array: spans cannot cross threads).</param>
    /// <param name="maxDegreeOfParallelism">The largest number of workers, or −1 for the runtime default.</param>
    /// <param name="cancellationToken">Cancels the batch.</param>
    /// <exception cref="ArgumentException"><paramref name="memberships"/> has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDegreeOfParallelism"/> is 0 or below −1.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public void EvaluateBatchParallel<TState>(
        int customerCount,
        TState state,
        Action<TState, int, CustomerContext> fill,
        bool[] memberships,
        int maxDegreeOfParallelism = -1,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentNullException.ThrowIfNull(memberships);
        if (maxDegreeOfParallelism is 0 or < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Expected −1 (runtime default) or a positive number.");
        }

        CheckBatch(customerCount, memberships.Length, nameof(memberships));
        var chunks = (customerCount + BatchChunkSize - 1) / BatchChunkSize;
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism, CancellationToken = cancellationToken };
        var n = _segments.Length;
        Parallel.For(
            0,
            chunks,
            options,
            static () => new CustomerContext(),
            (chunk, _, context) =>
            {
                var from = chunk * BatchChunkSize;
                var to = Math.Min(from + BatchChunkSize, customerCount);
                for (var i = from; i < to; i++)
                {
                    fill(state, i, context);
                    EvaluateCore(context, memberships.AsSpan(i * n, n));
                }

                return context;
            },
            static _ => { });
    }

    /// <summary>
    /// Evaluates every profile with its features looked up by id in <paramref name="features"/> (null features when the customer has no
    /// row there: <c>features.*</c> fields are then missing). Other facts (RFM segment, lifecycle stage, …) are absent; use the
    /// <c>fill</c> overload to set them.
    /// </summary>
    /// <param name="profiles">The customers.</param>
    /// <param name="features">The features, or <see langword="null"/>.</param>
    /// <param name="asOf">The evaluation instant.</param>
    /// <param name="memberships">Receives <c>profiles.Count × Count</c> flags, row-major.</param>
    /// <param name="cancellationToken">Checked every <see cref="BatchChunkSize"/> customers.</param>
    /// <exception cref="ArgumentException"><paramref name="memberships"/> has the wrong length.</exception>
    public void EvaluateProfiles(
        IReadOnlyList<CustomerProfile> profiles,
        CustomerFeatureSet? features,
        DateTimeOffset asOf,
        Span<bool> memberships,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        EvaluateBatch(
            profiles.Count,
            (profiles, features, asOf),
            static (s, i, c) =>
            {
                var p = s.profiles[i];
                CustomerFeatures? f = null;
                s.features?.TryGet(p.Id, out f);
                c.Reset(p, f, s.asOf);
            },
            memberships,
            cancellationToken);
    }

    /// <summary>Counts members per segment in a row-major membership batch.</summary>
    /// <param name="memberships">A batch result (<c>customers × Count</c> flags).</param>
    /// <param name="counts">Receives one count per segment; length exactly <see cref="Count"/>.</param>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    public void CountMembers(ReadOnlySpan<bool> memberships, Span<int> counts)
    {
        var n = _segments.Length;
        if (counts.Length != n)
        {
            ThrowLength(nameof(counts), n, counts.Length);
        }

        if (n == 0)
        {
            return;
        }

        if (memberships.Length % n != 0)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected a multiple of {n} flags (customers × segments) but got {memberships.Length}."), nameof(memberships));
        }

        counts.Clear();
        for (var row = 0; row < memberships.Length; row += n)
        {
            for (var j = 0; j < n; j++)
            {
                if (memberships[row + j])
                {
                    counts[j]++;
                }
            }
        }
    }

    private int EvaluateCore(CustomerContext context, Span<bool> memberships)
    {
        var count = 0;
        var roots = _roots;
        for (var i = 0; i < roots.Length && i < memberships.Length; i++)
        {
            var m = roots[i].Evaluate(context);
            memberships[i] = m;
            count += m ? 1 : 0;
        }

        return count;
    }

    private void CheckBatch(int customerCount, int length, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(length))] string? paramName = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(customerCount);
        var expected = (long)customerCount * _segments.Length;
        if (length != expected)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Expected {expected} membership flags ({customerCount} customers × {_segments.Length} segments) but got {length}."),
                paramName);
        }
    }

    [DoesNotReturn]
    private static void ThrowLength(string name, int expected, int actual) =>
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Expected {expected} elements (one per segment) but got {actual}."), name);
}
