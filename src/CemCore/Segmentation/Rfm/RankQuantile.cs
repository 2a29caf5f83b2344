namespace CemCore.Segmentation.Rfm;

/// <summary>The equal-count bins of ranks 1..n used by pandas <c>pd.qcut(ranks, q)</c>.</summary>
internal static class RankQuantile
{
    /// <summary>
    /// Writes, for each 0-based bin b, the highest rank in bins 0..b (so bin b holds ranks upper[b-1]+1 .. upper[b]; an empty bin repeats
    /// the previous value). upper[q-1] = n. For n = 1 (where pandas raises "Bin edges must be unique") the single rank is in bin 0.
    /// </summary>
    /// <remarks>
    /// Replicates pandas 1.5 / numpy 1.24 in floating point: <c>qcut</c> takes the levels <c>np.linspace(0, 1, q + 1)</c> (k·(1/q), last = 1)
    /// and the edges <c>np.quantile(ranks, levels)</c>, the 'linear' interpolation of the sorted ranks at virtual index <c>(n − 1)·level</c>
    /// with numpy's <c>_lerp</c>; a rank r is in the first bin whose edge is ≥ r (right-closed, lowest included).
    /// Checked against pandas for n ≤ 300 and selected larger n, q ≤ 10 (ReferenceData/Rfm/qcut_rank_cuts.csv).
    /// </remarks>
    public static void UpperRanks(int n, int q, Span<int> upper)
    {
        var step = 1.0 / q;
        for (var b = 0; b < q - 1; b++)
        {
            var level = (b + 1) * step;
            var virtualIndex = (n - 1) * level;
            var previous = Math.Floor(virtualIndex);
            double edge;
            if (virtualIndex >= n - 1)
            {
                edge = n;
            }
            else
            {
                var gamma = virtualIndex - previous;
                var lo = previous + 1.0;
                var hi = previous + 2.0;
                var diff = hi - lo;
                edge = gamma >= 0.5 ? hi - (diff * (1.0 - gamma)) : lo + (diff * gamma);
            }

            upper[b] = (int)Math.Min(n, Math.Max(1.0, Math.Floor(edge)));
        }

        upper[q - 1] = n;
    }
}
