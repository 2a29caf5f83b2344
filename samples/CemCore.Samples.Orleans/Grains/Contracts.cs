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
[GenerateSerializer]
[Immutable]
public sealed record NightlySummary(
    [property: Id(0)] DateTimeOffset AsOf,
    [property: Id(1)] int Partitions,
    [property: Id(2)] int Members,
    [property: Id(3)] int Purchasers,
    [property: Id(4)] IReadOnlyList<string> Recency,
    [property: Id(5)] IReadOnlyList<string> Frequency,
    [property: Id(6)] IReadOnlyList<string> Monetary);
