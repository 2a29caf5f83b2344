using CemCore.Samples.Orleans.Domain;
using CemCore.Samples.Orleans.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;

namespace CemCore.Samples.Orleans.Hosting;

/// <summary>Settings of the sample silo (section <c>Orleans</c> of the configuration).</summary>
public sealed class SiloSettings
{
    /// <summary>Gets or sets the storage: <c>Memory</c> (one silo, nothing kept) or <c>AdoNet</c> (PostgreSQL storage and clustering).</summary>
    public string Storage { get; set; } = "Memory";

    /// <summary>Gets or sets the PostgreSQL connection string (default: the <c>CEMCORE_POSTGRES</c> environment variable).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the cluster id (silos with the same id and database form one cluster).</summary>
    public string ClusterId { get; set; } = "cemcore";

    /// <summary>Gets or sets the service id (the key of stored grain state; keep it across deployments).</summary>
    public string ServiceId { get; set; } = "cemcore-sample";

    /// <summary>Gets or sets the silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Gets or sets the client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Gets whether PostgreSQL is used.</summary>
    public bool UsesAdoNet => string.Equals(Storage, "AdoNet", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Silo configuration shared by the sample host, the load mode and the tests.</summary>
public static class SiloSetup
{
    /// <summary>The ADO.NET invariant of Npgsql.</summary>
    public const string PostgresInvariant = "Npgsql";

    /// <summary>Adds the CemCore services (rules, outbox, nightly run hooks) unless the host added its own.</summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddCemCoreGrainServices(this IServiceCollection services)
    {
        services.TryAddSingleton(_ => new MemberRules());
        services.TryAddSingleton<IOutboxChannel, InMemoryOutbox>();
        services.TryAddSingleton<NightlyRunHooks>();
        return services;
    }

    /// <summary>Configures ADO.NET (PostgreSQL) grain storage for every CemCore grain.</summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="connectionString">The connection string.</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder AddPostgresStorage(this ISiloBuilder silo, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return silo.AddAdoNetGrainStorage(StorageNames.Members, o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
    }

    /// <summary>Configures a sample silo from settings: storage, clustering, endpoints, services.</summary>
    /// <param name="silo">The silo builder.</param>
    /// <param name="settings">The settings.</param>
    /// <returns>The builder.</returns>
    public static ISiloBuilder ConfigureSample(this ISiloBuilder silo, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(settings);
        silo.Services.AddCemCoreGrainServices();
        if (settings.UsesAdoNet)
        {
            var cs = settings.ConnectionString ?? Environment.GetEnvironmentVariable("CEMCORE_POSTGRES");
            if (string.IsNullOrWhiteSpace(cs))
            {
                throw new InvalidOperationException("Orleans:Storage=AdoNet needs Orleans:ConnectionString or the CEMCORE_POSTGRES environment variable.");
            }

            silo.Services.Replace(ServiceDescriptor.Singleton<IOutboxChannel>(_ => new PostgresOutbox(cs)));
            silo.AddPostgresStorage(cs)
                .UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = cs;
                })
                .Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ServiceId;
                })
                .ConfigureEndpoints(settings.SiloPort, settings.GatewayPort);
        }
        else
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId)
                .AddMemoryGrainStorage(StorageNames.Members);
        }

        return silo;
    }
}
