using CemCore.Loyalty;
using CemCore.Samples.Orleans.Domain;
using CemCore.Samples.Orleans.Grains;
using CemCore.Samples.Orleans.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime.Hosting;
using Orleans.TestingHost;
using MemberEvent = CemCore.Samples.Orleans.Domain.MemberEvent;

namespace CemCore.Orleans.Tests;

/// <summary>Process-wide test doubles shared by the in-process silos (all Orleans tests run in one collection, one at a time).</summary>
public static class Shared
{
    /// <summary>Gets the storage standing in for the database.</summary>
    public static SharedStorage Storage { get; } = new();

    /// <summary>Gets the outbox (the provider).</summary>
    public static InMemoryOutbox Outbox { get; } = new();

    /// <summary>Gets the nightly coordinator's hooks (every silo of a test cluster shares them).</summary>
    public static NightlyRunHooks NightlyHooks { get; } = new();

    /// <summary>Gets the programme rules.</summary>
    public static MemberRules Rules { get; } = new();

    /// <summary>Resets storage and outbox.</summary>
    public static void Reset()
    {
        Storage.Clear();
        Outbox.Clear();
        Outbox.BeforeDelivery = null;
        NightlyHooks.BeforeWriteBack = null;
    }

    /// <summary>Short timeouts so a killed silo is noticed within seconds.</summary>
    /// <param name="services">Services.</param>
    public static void FastFailure(IServiceCollection services)
    {
        services.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(4));
        services.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
        });
    }

    /// <summary>Replays a member's events through the model directly (the single-process reference).</summary>
    /// <param name="customerId">The member.</param>
    /// <param name="events">Its events in order.</param>
    /// <returns>The final state.</returns>
    public static MemberState Replay(string customerId, IEnumerable<MemberEvent> events)
    {
        var model = new MemberModel(customerId, Rules, new MemberState());
        foreach (var e in events)
        {
            model.Apply(e);
        }

        return model.State;
    }

    /// <summary>Checks a member's ledger with the library's own store: every stored posting is accepted once, in order, and the balances agree.</summary>
    /// <param name="customerId">The member.</param>
    /// <param name="state">The stored state.</param>
    /// <param name="store">A ledger shared by all members (keys are unique across the ledger).</param>
    public static void CheckLedger(string customerId, MemberState state, InMemoryLoyaltyStore store)
    {
        var results = store.AppendBatch([.. state.Postings.Select(p => p.ToPosting(customerId))]);
        Assert.All(results, r => Assert.Equal(PostingOutcome.Accepted, r.Outcome));
        var model = new MemberModel(customerId, Rules, state);
        Assert.True(store.TryGetBalance(customerId, out var available, out var pending, out var version) || state.Postings.Count == 0);
        Assert.Equal(model.Account.Available, available);
        Assert.Equal(model.Account.Pending, pending);
        Assert.Equal(state.Postings.Count, version);
    }
}

/// <summary>Silos on the shared in-memory storage.</summary>
public sealed class MemorySilo : ISiloConfigurator
{
    /// <inheritdoc/>
    public void Configure(ISiloBuilder siloBuilder)
    {
        ArgumentNullException.ThrowIfNull(siloBuilder);
        siloBuilder.Services.AddSingleton(Shared.Rules);
        siloBuilder.Services.AddSingleton<IOutboxChannel>(Shared.Outbox);
        siloBuilder.Services.AddSingleton(Shared.NightlyHooks);
        siloBuilder.Services.AddCemCoreGrainServices();
        siloBuilder.Services.AddGrainStorage(StorageNames.Members, (_, _) => Shared.Storage);
        Shared.FastFailure(siloBuilder.Services);
    }
}

/// <summary>Silos on PostgreSQL storage (CEMCORE_POSTGRES), with the in-memory outbox.</summary>
public sealed class PostgresSilo : ISiloConfigurator
{
    /// <inheritdoc/>
    public void Configure(ISiloBuilder siloBuilder)
    {
        ArgumentNullException.ThrowIfNull(siloBuilder);
        siloBuilder.Services.AddSingleton(Shared.Rules);
        siloBuilder.Services.AddSingleton<IOutboxChannel>(Shared.Outbox);
        siloBuilder.Services.AddSingleton(Shared.NightlyHooks);
        siloBuilder.Services.AddCemCoreGrainServices();
        siloBuilder.AddPostgresStorage(Postgres.ConnectionString!);
        Shared.FastFailure(siloBuilder.Services);
    }
}

/// <summary>A client that gives up on a dead silo quickly (the producer retries).</summary>
public sealed class FastClient : IClientBuilderConfigurator
{
    /// <inheritdoc/>
    public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder)
    {
        ArgumentNullException.ThrowIfNull(clientBuilder);
        clientBuilder.Services.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(4));
    }
}

/// <summary>The PostgreSQL connection for the tests that need it.</summary>
public static class Postgres
{
    /// <summary>The environment variable.</summary>
    public const string Variable = "CEMCORE_POSTGRES";

    /// <summary>The skip reason.</summary>
    public const string SkipReason = "Set CEMCORE_POSTGRES to a PostgreSQL connection string whose database has samples/CemCore.Samples.Orleans/Sql/cemcore-orleans-postgresql.sql applied (see docs/orleans.md; .ci/run does it) to run the PostgreSQL tests.";

    /// <summary>Gets the connection string, or null.</summary>
    public static string? ConnectionString => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } cs ? cs : null;
}

/// <summary>A fact that runs only with CEMCORE_POSTGRES set.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Creates the attribute.</summary>
    public PostgresFactAttribute()
    {
        if (Postgres.ConnectionString is null)
        {
            Skip = Postgres.SkipReason;
        }
    }
}

/// <summary>Serializes the Orleans tests (they share process-wide doubles and ports).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OrleansTestGroup
{
    /// <summary>The collection name.</summary>
    public const string Name = "orleans";
}
