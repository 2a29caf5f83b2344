using System.Globalization;
using CemCore.Segmentation.Rfm;
using Orleans.Concurrency;

namespace CemCore.Samples.Orleans.Grains;

/// <summary>A stateless scoring worker (any silo, several activations).</summary>
[StatelessWorker]
public sealed class ScoringPartitionGrain : Grain, IScoringPartitionGrain
{
    /// <summary>Members asked in parallel per step.</summary>
    public const int Fanout = 64;

    /// <inheritdoc/>
    public async Task<PartitionRfm> ScoreAsync(int partition, int partitions, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        NightlyCoordinatorGrain.CheckPartitions(partitions);
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, partitions);
        var ids = new List<string>();
        for (var shard = partition; shard < StorageNames.DirectoryShards; shard += partitions)
        {
            cancellationToken.ThrowIfCancellationRequested();
            ids.AddRange(await GrainFactory.GetGrain<IMemberDirectoryGrain>(shard).GetMembersAsync());
        }

        var rows = new List<RfmRow>(ids.Count);
        foreach (var chunk in ids.Chunk(Fanout))
        {
            cancellationToken.ThrowIfCancellationRequested();
            rows.AddRange(await Task.WhenAll(chunk.Select(id => GrainFactory.GetGrain<ICustomerGrain>(id).GetRfmAsync(asOf))));
        }

        return new PartitionRfm(partition, rows);
    }
}

/// <summary>The nightly coordinator: partition → accumulate (workers) → merge (<see cref="RfmPartial.Merge"/>) → finalize (cut-points).</summary>
/// <param name="state">The last completed run.</param>
public sealed class NightlyCoordinatorGrain([PersistentState("nightly", StorageNames.Members)] IPersistentState<NightlyState> state) : Grain, INightlyCoordinatorGrain
{
    /// <inheritdoc/>
    public async Task<NightlySummary> RunAsync(int partitions, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        CheckPartitions(partitions);
        var parts = await Task.WhenAll(Enumerable.Range(0, partitions)
            .Select(p => GrainFactory.GetGrain<IScoringPartitionGrain>(0).ScoreAsync(p, partitions, asOf, cancellationToken)));

        // Cancelled before the commit: the last completed run stays as it was.
        cancellationToken.ThrowIfCancellationRequested();
        var partials = parts.Select(p => RfmPartial.Create(ToValues(p.Rows))).ToList();
        var merged = RfmPartial.Merge(partials);
        var summary = Summarize(merged.ToCutPoints(), asOf, partitions, parts.Sum(p => p.Rows.Count));
        state.State.Last = summary;
        await state.WriteStateAsync(CancellationToken.None);
        return summary;
    }

    /// <inheritdoc/>
    public Task<NightlySummary?> GetLastAsync() => Task.FromResult(state.State.Last);

    /// <summary>Builds the library's values from rows.</summary>
    /// <param name="rows">The rows.</param>
    /// <returns>The values.</returns>
    public static RfmValues ToValues(IReadOnlyList<RfmRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return RfmValues.Create(
            [.. rows.Select(r => r.CustomerId)],
            rows.Select(r => r.RecencyDays).ToArray(),
            rows.Select(r => r.Frequency).ToArray(),
            rows.Select(r => r.Monetary).ToArray());
    }

    /// <summary>Turns cut-points into a summary.</summary>
    /// <param name="cuts">The cut-points.</param>
    /// <param name="asOf">As-of.</param>
    /// <param name="partitions">Partitions.</param>
    /// <param name="members">Members.</param>
    /// <returns>The summary.</returns>
    public static NightlySummary Summarize(RfmCutPoints cuts, DateTimeOffset asOf, int partitions, int members)
    {
        ArgumentNullException.ThrowIfNull(cuts);
        static string[] Text(IReadOnlyList<RfmCutPoint> points) =>
            [.. points.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Value:R}|{c.TieBreakId}"))];
        return new NightlySummary(asOf, partitions, members, cuts.PurchaserCount, Text(cuts.Recency), Text(cuts.Frequency), Text(cuts.Monetary));
    }

    internal static void CheckPartitions(int partitions)
    {
        if (partitions is < 1 or > StorageNames.DirectoryShards)
        {
            throw new ArgumentOutOfRangeException(nameof(partitions), partitions, $"Partitions must be in [1, {StorageNames.DirectoryShards}].");
        }
    }
}

/// <summary>The coordinator's persisted state.</summary>
[GenerateSerializer]
public sealed class NightlyState
{
    /// <summary>Gets or sets the last completed run.</summary>
    [Id(0)]
    public NightlySummary? Last { get; set; }
}
