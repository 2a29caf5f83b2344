using System.Globalization;
using CemCore.Samples.Orleans.Domain;
using CemCore.Segmentation.Rfm;
using Orleans.Concurrency;

namespace CemCore.Samples.Orleans.Grains;

/// <summary>A stateless scoring worker (any silo, several activations).</summary>
/// <param name="rules">The programme's rules (lifecycle classifier and churn model of the write-back).</param>
[StatelessWorker]
public sealed class ScoringPartitionGrain(MemberRules rules) : Grain, IScoringPartitionGrain
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

    /// <inheritdoc/>
    public async Task<int> WriteBackAsync(NightlyBatch batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.CustomerIds.Count != batch.RfmCells.Count)
        {
            throw new ArgumentException($"The batch has {batch.CustomerIds.Count} members but {batch.RfmCells.Count} RFM cells.", nameof(batch));
        }

        var changed = 0;
        foreach (var chunk in Enumerable.Range(0, batch.CustomerIds.Count).Chunk(Fanout))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outcomes = await Task.WhenAll(chunk.Select(i => WriteOneAsync(batch, i)));
            changed += outcomes.Count(o => o == NightlyOutcome.Applied);
        }

        return changed;
    }

    private async Task<NightlyOutcome> WriteOneAsync(NightlyBatch batch, int i)
    {
        var grain = GrainFactory.GetGrain<ICustomerGrain>(batch.CustomerIds[i]);
        var input = await grain.GetNightlyInputAsync(batch.AsOf);
        var (stage, churn) = MemberModel.Score(rules, input);
        return await grain.ApplyNightlyAsync(new NightlyWrite(batch.Run, batch.AsOf, input.EventCount, stage, churn, batch.RfmCells[i]));
    }
}

/// <summary>
/// Points in a nightly run where a host or a test can act (all optional; the default does nothing). A test uses them to hold a run at a
/// known point until its cancellation has reached the coordinator: Orleans carries a caller's cancellation to the grain asynchronously.
/// </summary>
public sealed class NightlyRunHooks
{
    /// <summary>Gets or sets what runs after the partitions were scored and before the cancellation check that precedes the write-back.</summary>
    public Func<CancellationToken, Task>? BeforeWriteBack { get; set; }
}

/// <summary>The nightly coordinator: partition → accumulate (workers) → merge (<see cref="RfmPartial.Merge"/>) → finalize (cut-points).</summary>
/// <param name="state">The last completed run.</param>
/// <param name="hooks">Optional hooks (<see cref="NightlyRunHooks"/>).</param>
public sealed class NightlyCoordinatorGrain([PersistentState("nightly", StorageNames.Members)] IPersistentState<NightlyState> state, NightlyRunHooks hooks) : Grain, INightlyCoordinatorGrain
{
    /// <summary>Attempts per partition call before the run fails (a call to a silo that died is retried on the survivors).</summary>
    public const int PartitionAttempts = 8;

    /// <summary>The wait between two attempts of a partition.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc/>
    public async Task<NightlySummary> RunAsync(int partitions, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        CheckPartitions(partitions);

        // A new run sequence, stored before anything is written back: a re-run (after a failure or a cancellation) gets a higher stamp
        // than every write of an earlier attempt with the same as-of.
        state.State.Sequence++;
        var run = state.State.Sequence;
        await state.WriteStateAsync(CancellationToken.None);

        var worker = GrainFactory.GetGrain<IScoringPartitionGrain>(0);
        var parts = await Task.WhenAll(Enumerable.Range(0, partitions)
            .Select(p => RetryAsync(() => worker.ScoreAsync(p, partitions, asOf, cancellationToken), cancellationToken)));

        // Cancelled before the write-back: the last completed run stays as it was, and nothing was written back.
        if (hooks.BeforeWriteBack is { } beforeWriteBack)
        {
            await beforeWriteBack(cancellationToken);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var partials = parts.Select(p => RfmPartial.Create(ToValues(p.Rows))).ToList();
        var cuts = RfmPartial.Merge(partials).ToCutPoints();
        var summary = Summarize(cuts, asOf, partitions, parts.Sum(p => p.Rows.Count)) with { Run = run };

        // Write-back, partition by partition in parallel; a failed partition is retried whole (its members' writes are idempotent).
        await Task.WhenAll(parts.Select(p => RetryAsync(
            () => worker.WriteBackAsync(new NightlyBatch(run, asOf, [.. p.Rows.Select(r => r.CustomerId)], [.. p.Rows.Select(r => Cell(cuts, r))]), cancellationToken),
            cancellationToken)));

        // Cancelled during the write-back: the members carry this run's stamp (a re-run's higher stamp replaces it), but the run is
        // not recorded as the last completed one. (A cancellation that reaches the grain after this check cannot undo the commit.)
        cancellationToken.ThrowIfCancellationRequested();
        state.State.Last = summary;
        await state.WriteStateAsync(CancellationToken.None);
        return summary;
    }

    /// <summary>Returns a member's RFM cell (<c>RFM</c> digits; <c>000</c> for a prospect) from the merged cut-points.</summary>
    /// <param name="cuts">The cut-points.</param>
    /// <param name="row">The member's values.</param>
    /// <returns>The cell.</returns>
    public static string Cell(RfmCutPoints cuts, RfmRow row)
    {
        ArgumentNullException.ThrowIfNull(cuts);
        ArgumentNullException.ThrowIfNull(row);
        return Cell(cuts.Score(row.RecencyDays, row.Frequency, (double)row.Monetary, row.CustomerId));
    }

    /// <summary>Returns the cell text of a score.</summary>
    /// <param name="score">The score.</param>
    /// <returns>The <c>RFM</c> digits.</returns>
    public static string Cell(RfmScore score) => string.Create(CultureInfo.InvariantCulture, $"{score.Recency}{score.Frequency}{score.Monetary}");

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (ex is not ArgumentException && attempt < PartitionAttempts && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
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

    /// <summary>Gets or sets the sequence number of the latest run started.</summary>
    [Id(1)]
    public long Sequence { get; set; }
}
