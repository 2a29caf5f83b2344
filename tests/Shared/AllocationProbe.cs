namespace CemCore.Tests.Shared;

/// <summary>
/// Measures the managed bytes an action allocates on the calling thread. Takes the least of several attempts, so a one-off
/// runtime allocation (a tier-up, an on-stack replacement, a lazily created runtime structure) is not blamed on the code under
/// test, while code that allocates on every call still shows its bytes in every attempt and fails the assertion.
/// </summary>
internal static class AllocationProbe
{
    /// <summary>Runs <paramref name="action"/> once to warm it, then measures it up to <paramref name="attempts"/> times and returns the least.</summary>
    /// <param name="action">The measured work (called once per attempt).</param>
    /// <param name="attempts">How many measured attempts at most (stops at the first that allocates nothing).</param>
    /// <returns>The fewest bytes any attempt allocated, and every attempt's figure for the failure message.</returns>
    public static (long Least, string Attempts) Least(Action action, int attempts = 5)
    {
        ArgumentNullException.ThrowIfNull(action);
        action();
        var least = long.MaxValue;
        var seen = new List<long>(attempts);
        for (var i = 0; i < attempts && least > 0; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            action();
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            seen.Add(allocated);
            least = Math.Min(least, allocated);
        }

        return (least, string.Join(", ", seen));
    }
}
