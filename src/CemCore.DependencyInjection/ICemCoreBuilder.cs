using Microsoft.Extensions.DependencyInjection;

namespace CemCore.DependencyInjection;

/// <summary>
/// Returned by <c>AddCemCore</c>: the place where a host plugs in its data sources and channels.
/// Third parties extend it with extension methods.
/// </summary>
public interface ICemCoreBuilder
{
    /// <summary>Gets the service collection CemCore is registered in.</summary>
    IServiceCollection Services { get; }
}

internal sealed class CemCoreBuilder(IServiceCollection services) : ICemCoreBuilder
{
    public IServiceCollection Services { get; } = services;
}
