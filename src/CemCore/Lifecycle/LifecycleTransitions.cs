using System.Globalization;

namespace CemCore.Lifecycle;

/// <summary>A customer's move from one stage to another between two snapshots, for hosts to trigger the stage's action.</summary>
/// <remarks>Carries the CRM id (to route the action) but no other personal data. The reason names the rule that placed the customer in
/// <see cref="To"/>.</remarks>
/// <param name="CustomerId">The CRM id.</param>
/// <param name="From">The stage in the earlier snapshot (<see cref="LifecycleStage.Prospect"/> when the customer was absent from it).</param>
/// <param name="To">The stage in the later snapshot.</param>
/// <param name="Instant">The later snapshot's as-of instant: the change happened at or before it.</param>
/// <param name="Rule">The rule that decided <see cref="To"/>.</param>
public sealed record LifecycleTransition(string CustomerId, LifecycleStage From, LifecycleStage To, DateTimeOffset Instant, LifecycleRule Rule)
{
    /// <summary>Gets the reason text: the rule name and the condition that held (<see cref="LifecycleRules.Describe"/>).</summary>
    public string Reason => LifecycleRules.Describe(Rule);
}

/// <summary>
/// Stage changes between two snapshots, and the graph of moves the classifier can produce.
/// </summary>
/// <remarks>
/// <para><b>Allowed edges.</b> Between two snapshots of the same (append-only) purchase history at <c>t1 &lt; t2</c>, classified with the same
/// <c>NewMaxPurchaseDays</c>, <c>MaturityMinPurchaseDays</c> and <c>MaturityMinTenureDays</c>, every move is possible except:</para>
/// <list type="bullet">
/// <item>any stage → <see cref="LifecycleStage.Prospect"/> (purchases are never forgotten);</item>
/// <item><see cref="LifecycleStage.Growth"/>, <see cref="LifecycleStage.Maturity"/> or <see cref="LifecycleStage.Revived"/> → <see cref="LifecycleStage.New"/>
/// (they imply more than <c>NewMaxPurchaseDays</c> purchase days, and purchase days never decrease);</item>
/// <item><see cref="LifecycleStage.Maturity"/> → <see cref="LifecycleStage.Growth"/> (maturity's purchase-day and tenure conditions, once met, stay met;
/// a mature customer can only leave through decline, dormant or revived).</item>
/// </list>
/// <para>Moves such as dormant → growth or new → revived need a purchase between the snapshots; decline ↔ dormant may also follow a change of P(alive).
/// The graph does not depend on the population prior, the ratios or P(alive).</para>
/// </remarks>
public static class LifecycleTransitions
{
    private static readonly bool[] s_allowed = BuildGraph();

    /// <summary>Returns whether the classifier can move a customer from <paramref name="from"/> to <paramref name="to"/> (staying counts as allowed).</summary>
    /// <param name="from">The earlier stage.</param>
    /// <param name="to">The later stage.</param>
    /// <returns><see langword="true"/> for an allowed edge.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A stage is undefined.</exception>
    public static bool IsAllowed(LifecycleStage from, LifecycleStage to)
    {
        _ = LifecycleRules.StageName(from);
        _ = LifecycleRules.StageName(to);
        return s_allowed[((int)from * LifecyclePlaybook.StageCount) + (int)to];
    }

    /// <summary>Compares two snapshots and returns one event per customer whose stage changed, in the order of <paramref name="later"/>.</summary>
    /// <param name="earlier">The snapshot at t1.</param>
    /// <param name="later">The snapshot at t2 &gt; t1.</param>
    /// <returns>The changes; customers only in <paramref name="earlier"/> are ignored, customers only in <paramref name="later"/> come from
    /// <see cref="LifecycleStage.Prospect"/> (and produce an event unless they are still prospects).</returns>
    /// <exception cref="ArgumentNullException">A snapshot is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="later"/> is not after <paramref name="earlier"/>.</exception>
    public static IReadOnlyList<LifecycleTransition> Compare(LifecycleSnapshot earlier, LifecycleSnapshot later)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        ArgumentNullException.ThrowIfNull(later);
        if (later.AsOf <= earlier.AsOf)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The later snapshot (as of {later.AsOf:O}) must be after the earlier one (as of {earlier.AsOf:O})."),
                nameof(later));
        }

        var index = earlier.Index();
        var before = earlier.Assessments;
        var after = later.Assessments;
        var events = new List<LifecycleTransition>();
        for (var i = 0; i < later.Count; i++)
        {
            var id = later.CustomerIds[i];
            var from = index.TryGetValue(id, out var j) ? before[j].Stage : LifecycleStage.Prospect;
            var to = after[i];
            if (from != to.Stage)
            {
                events.Add(new LifecycleTransition(id, from, to.Stage, later.AsOf, to.Rule));
            }
        }

        return events.AsReadOnly();
    }

    private static bool[] BuildGraph()
    {
        const int n = LifecyclePlaybook.StageCount;
        var g = new bool[n * n];
        Array.Fill(g, true);
        for (var a = 1; a < n; a++)
        {
            g[(a * n) + (int)LifecycleStage.Prospect] = false;
        }

        g[((int)LifecycleStage.Growth * n) + (int)LifecycleStage.New] = false;
        g[((int)LifecycleStage.Maturity * n) + (int)LifecycleStage.New] = false;
        g[((int)LifecycleStage.Revived * n) + (int)LifecycleStage.New] = false;
        g[((int)LifecycleStage.Maturity * n) + (int)LifecycleStage.Growth] = false;
        return g;
    }
}
