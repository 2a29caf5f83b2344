using System.Diagnostics.CodeAnalysis;
using CemCore.Channels;
using CemCore.Sources;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace CemCore.DependencyInjection;

/// <summary>Plug-in registrations on <see cref="ICemCoreBuilder"/>. Each is idempotent: adding the same implementation twice registers it once.</summary>
public static class CemCoreBuilderExtensions
{
    /// <summary>Adds a customer source (singleton).</summary>
    /// <typeparam name="TSource">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddCustomerSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this ICemCoreBuilder builder)
        where TSource : class, ICustomerSource => Add<ICustomerSource, TSource>(builder);

    /// <summary>Adds a transaction source (singleton). With several, the snapshot service reads all of them.</summary>
    /// <typeparam name="TSource">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddTransactionSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this ICemCoreBuilder builder)
        where TSource : class, ITransactionSource => Add<ITransactionSource, TSource>(builder);

    /// <summary>Adds an interaction-event source (singleton).</summary>
    /// <typeparam name="TSource">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddEventSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this ICemCoreBuilder builder)
        where TSource : class, IInteractionEventSource => Add<IInteractionEventSource, TSource>(builder);

    /// <summary>Adds a feedback source (singleton).</summary>
    /// <typeparam name="TSource">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddFeedbackSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this ICemCoreBuilder builder)
        where TSource : class, IFeedbackSource => Add<IFeedbackSource, TSource>(builder);

    /// <summary>Adds an outbound message channel (singleton). Resolve all channels as <c>IEnumerable&lt;IMessageChannel&gt;</c>.</summary>
    /// <typeparam name="TChannel">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddChannel<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TChannel>(this ICemCoreBuilder builder)
        where TChannel : class, IMessageChannel => Add<IMessageChannel, TChannel>(builder);

    /// <summary>Adds a recommender (singleton): the host's own model behind <see cref="CemCore.Recommendations.IRecommender"/>.</summary>
    /// <typeparam name="TRecommender">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddRecommender<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TRecommender>(this ICemCoreBuilder builder)
        where TRecommender : class, CemCore.Recommendations.IRecommender => Add<CemCore.Recommendations.IRecommender, TRecommender>(builder);

    private static ICemCoreBuilder Add<TService, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TImplementation>(ICemCoreBuilder builder)
        where TService : class
        where TImplementation : class, TService
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<TService, TImplementation>());
        return builder;
    }
}
