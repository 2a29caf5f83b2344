using CemCore.DependencyInjection;
using CemCore.Jobs;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CemCore in a service collection.</summary>
public static class CemCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers CemCore's options (validated at start), the <see cref="TimeProvider"/> (<see cref="TimeProvider.System"/> unless the host
    /// registered its own), the <see cref="CemCore.Features.FeatureSettings"/> derived from the options, and the <see cref="FeatureSnapshotService"/>.
    /// Calling it again only applies <paramref name="configure"/> again; nothing is registered twice.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options, or <see langword="null"/>.</param>
    /// <returns>A builder to add sources and channels.</returns>
    public static ICemCoreBuilder AddCemCore(this IServiceCollection services, Action<CemCoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = new CemCoreBuilder(services);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(d => d.ServiceType == typeof(CemCoreMarker)))
        {
            return builder;
        }

        services.AddSingleton<CemCoreMarker>();
        services.AddOptions<CemCoreOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CemCoreOptions>, CemCoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => sp.GetRequiredService<IOptions<CemCoreOptions>>().Value.ToFeatureSettings());
        services.TryAddSingleton<FeatureSnapshotService>();
        return builder;
    }

    private sealed class CemCoreMarker;
}
