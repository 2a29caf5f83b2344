using CemCore.Samples.Orleans.Domain;

namespace CemCore.Samples.Orleans.Grains;

/// <summary>Names shared by the silo configuration and the grains.</summary>
public static class StorageNames
{
    /// <summary>The grain storage provider of every CemCore grain.</summary>
    public const string Members = "cemcore";

    /// <summary>The number of member-directory shards (the most partitions a nightly run can use).</summary>
    public const int DirectoryShards = 64;

    /// <summary>Returns the directory shard of a member (FNV-1a 64 of the id, stable across processes).</summary>
    /// <param name="customerId">The member id.</param>
    /// <returns>The shard in [0, <see cref="DirectoryShards"/>).</returns>
    public static int ShardOf(string customerId) => (int)(CemCore.Personalization.Fnv1a64.Hash(customerId) % DirectoryShards);
}

/// <summary>A member: loyalty ledger, lifecycle, churn, consent, contact budget, sends. Keyed by the customer id.</summary>
public interface ICustomerGrain : IGrainWithStringKey
{
    /// <summary>Applies one event (idempotent by event id), decides the next offer and sends it through the outbox.</summary>
    /// <param name="memberEvent">The event.</param>
    /// <returns>The acknowledgement; only an acknowledged event is applied for sure (retry others with the same id).</returns>
    Task<EventAck> ApplyAsync(MemberEvent memberEvent);

    /// <summary>Applies events in order, persisting after each; stops at a cancellation between two events.</summary>
    /// <param name="events">The events.</param>
    /// <param name="cancellationToken">Cancels the rest of the batch (the applied prefix stays applied).</param>
    /// <returns>The number of events applied or found applied.</returns>
    Task<int> ApplyBatchAsync(IReadOnlyList<MemberEvent> events, CancellationToken cancellationToken = default);

    /// <summary>Returns the persisted state (a copy).</summary>
    /// <returns>The state.</returns>
    Task<MemberState> GetStateAsync();

    /// <summary>Returns the member's R/F/M values as of an instant (for the nightly scoring).</summary>
    /// <param name="asOf">The instant.</param>
    /// <returns>The values.</returns>
    Task<RfmRow> GetRfmAsync(DateTimeOffset asOf);

    /// <summary>Returns what the nightly scoring needs of the member as of an instant.</summary>
    /// <param name="asOf">The instant.</param>
    /// <returns>The input.</returns>
    Task<NightlyInput> GetNightlyInputAsync(DateTimeOffset asOf);

    /// <summary>Stores a nightly run's lifecycle stage, churn score and RFM cell (idempotent per run; a stale run changes nothing).</summary>
    /// <param name="write">The write.</param>
    /// <returns>What happened.</returns>
    Task<NightlyOutcome> ApplyNightlyAsync(NightlyWrite write);
}

/// <summary>One shard of the member directory (which members exist), keyed by shard number.</summary>
public interface IMemberDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a member (idempotent).</summary>
    /// <param name="customerId">The member id.</param>
    /// <returns>A task.</returns>
    Task RegisterAsync(string customerId);

    /// <summary>Returns the members of the shard, ordinally sorted.</summary>
    /// <returns>The ids.</returns>
    Task<IReadOnlyList<string>> GetMembersAsync();
}

/// <summary>A stateless scoring worker: computes one partition's R/F/M values from the customer grains.</summary>
public interface IScoringPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>Scores one partition (directory shards s with s mod partitions = partition).</summary>
    /// <param name="partition">The partition index.</param>
    /// <param name="partitions">The number of partitions.</param>
    /// <param name="asOf">The as-of instant.</param>
    /// <param name="cancellationToken">Cancels the partition.</param>
    /// <returns>The partition's values.</returns>
    Task<PartitionRfm> ScoreAsync(int partition, int partitions, DateTimeOffset asOf, CancellationToken cancellationToken = default);

    /// <summary>Writes one partition's nightly results back to its customer grains: per member, the stage and churn score as of the run's
    /// as-of (scored here from the member's input) and the RFM cell from the merged cut-points. Idempotent: a retry writes the same values.</summary>
    /// <param name="batch">The run and the partition's members with their RFM cells.</param>
    /// <param name="cancellationToken">Cancels the rest of the partition (members written so far keep the run's values).</param>
    /// <returns>The number of members whose state changed (a repeat or a stale write counts 0).</returns>
    Task<int> WriteBackAsync(NightlyBatch batch, CancellationToken cancellationToken = default);
}

/// <summary>The nightly batch coordinator: fans scoring out over partitions and merges the partials.</summary>
public interface INightlyCoordinatorGrain : IGrainWithStringKey
{
    /// <summary>Runs the nightly scoring.</summary>
    /// <param name="partitions">Partitions in [1, <see cref="StorageNames.DirectoryShards"/>].</param>
    /// <param name="asOf">The as-of instant.</param>
    /// <param name="cancellationToken">Cancels the run: nothing is committed.</param>
    /// <returns>The merged result (also stored as the last completed run).</returns>
    Task<NightlySummary> RunAsync(int partitions, DateTimeOffset asOf, CancellationToken cancellationToken = default);

    /// <summary>Returns the last completed run, or <see langword="null"/>.</summary>
    /// <returns>The summary.</returns>
    Task<NightlySummary?> GetLastAsync();
}

/// <summary>One member's R/F/M values.</summary>
/// <param name="CustomerId">The member.</param>
/// <param name="RecencyDays">Days since the last purchase.</param>
/// <param name="Frequency">Purchase days.</param>
/// <param name="Monetary">Net spend.</param>
[GenerateSerializer]
[Immutable]
public sealed record RfmRow([property: Id(0)] string CustomerId, [property: Id(1)] double RecencyDays, [property: Id(2)] int Frequency, [property: Id(3)] decimal Monetary);

/// <summary>A partition's values (the partial the coordinator turns into an <see cref="CemCore.Segmentation.Rfm.RfmPartial"/>).</summary>
/// <param name="Partition">The partition.</param>
/// <param name="Rows">The members' values.</param>
[GenerateSerializer]
[Immutable]
public sealed record PartitionRfm([property: Id(0)] int Partition, [property: Id(1)] IReadOnlyList<RfmRow> Rows);

/// <summary>The merged result of a nightly run: population size and the R/F/M cut-points (value and tie-break id per boundary).</summary>
/// <param name="AsOf">The as-of instant.</param>
/// <param name="Partitions">The partitions used.</param>
/// <param name="Members">Members scored.</param>
/// <param name="Purchasers">Members with purchases.</param>
/// <param name="Recency">Recency cut-points.</param>
/// <param name="Frequency">Frequency cut-points.</param>
/// <param name="Monetary">Monetary cut-points.</param>
/// <param name="Run">The run's sequence number (the stamp written back to the members with <paramref name="AsOf"/>).</param>
[GenerateSerializer]
[Immutable]
public sealed record NightlySummary(
    [property: Id(0)] DateTimeOffset AsOf,
    [property: Id(1)] int Partitions,
    [property: Id(2)] int Members,
    [property: Id(3)] int Purchasers,
    [property: Id(4)] IReadOnlyList<string> Recency,
    [property: Id(5)] IReadOnlyList<string> Frequency,
    [property: Id(6)] IReadOnlyList<string> Monetary,
    [property: Id(7)] long Run = 0);

/// <summary>One partition's write-back of a nightly run.</summary>
/// <param name="Run">The run's sequence number.</param>
/// <param name="AsOf">The run's as-of instant.</param>
/// <param name="CustomerIds">The partition's members.</param>
/// <param name="RfmCells">Their RFM cells, in the same order.</param>
[GenerateSerializer]
[Immutable]
public sealed record NightlyBatch(
    [property: Id(0)] long Run,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] IReadOnlyList<string> CustomerIds,
    [property: Id(3)] IReadOnlyList<string> RfmCells);
