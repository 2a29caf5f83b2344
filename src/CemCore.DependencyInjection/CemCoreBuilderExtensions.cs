using System.Diagnostics.CodeAnalysis;
using CemCore;
using CemCore.Channels;
using CemCore.DependencyInjection;
using CemCore.Primitives;
using CemCore.Segmentation.Clustering;
using CemCore.Segmentation.RuleSegments;
using CemCore.Sources;
using CemCore.Sources.Csv;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Plug-in registrations on <see cref="ICemCoreBuilder"/> (in this namespace so that they need no extra <c>using</c>). Registrations by type
/// are idempotent: adding the same implementation twice registers it once.
/// </summary>
public static class CemCoreBuilderExtensions
{
    /// <summary>Adds a customer source (singleton). With several, the pipeline reads all of them (a later profile of the same id wins).</summary>
    /// <typeparam name="TSource">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddCustomerSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this ICemCoreBuilder builder)
        where TSource : class, ICustomerSource => Add<ICustomerSource, TSource>(builder);

    /// <summary>Adds a transaction source (singleton). With several, the pipeline and the snapshot service read all of them.</summary>
    /// <typeparam name="TSource">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddTransactionSource<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSource>(this ICemCoreBuilder builder)
        where TSource : class, ITransactionSource => Add<ITransactionSource, TSource>(builder);

    /// <summary>Adds a transactions CSV file as a source (<see cref="CsvTransactionSource"/>; the file is read at every run).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The file.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddCsvTransactions(this ICemCoreBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ITransactionSource>(new CsvTransactionSource(path));
        return builder;
    }

    /// <summary>Adds a customers CSV file (profiles, consents) as a source (<see cref="CsvCustomerSource"/>).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="path">The file.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddCsvCustomers(this ICemCoreBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ICustomerSource>(new CsvCustomerSource(path));
        return builder;
    }

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

    /// <summary>Adds an outbound message channel (singleton). The campaign runner sends through every registered channel (one per channel).</summary>
    /// <typeparam name="TChannel">The host's implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddChannel<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TChannel>(this ICemCoreBuilder builder)
        where TChannel : class, IMessageChannel => Add<IMessageChannel, TChannel>(builder);

    /// <summary>Adds an outbound channel from a delegate: the quickest way to connect a gateway. The delegate must be idempotent on the key
    /// (see <see cref="IMessageChannel"/>) and safe for concurrent use.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="channel">The channel it serves (<c>wechat</c>, <c>sms</c>, <c>email</c>, <c>push</c> or the host's own).</param>
    /// <param name="send">Sends one rendered message with its idempotency key.</param>
    /// <param name="maxLength">The longest body the channel carries, or <see langword="null"/>.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddChannel(this ICemCoreBuilder builder, string channel, Func<OutboundMessage, string, CancellationToken, ValueTask<SendResult>> send, int? maxLength = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(channel);
        ArgumentNullException.ThrowIfNull(send);
        builder.Services.AddSingleton<IMessageChannel>(new DelegateChannel(new ContactChannel(channel), new ChannelCapabilities(maxLength), send));
        return builder;
    }

    /// <summary>Adds a segmenter (singleton) that the pipeline runs after RFM.</summary>
    /// <typeparam name="TSegmenter">The implementation.</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddSegmenter<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TSegmenter>(this ICemCoreBuilder builder)
        where TSegmenter : class, ICustomerSegmenter => Add<ICustomerSegmenter, TSegmenter>(builder);

    /// <summary>Adds rule segments from JSON (<see cref="RuleSegmentJson"/>, validated now); they see RFM, lifecycle, churn and CLV.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="json">The segment definitions.</param>
    /// <param name="name">The segmenter's name, distinct among segmenters (default <c>rules</c>).</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddRuleSegments(this ICemCoreBuilder builder, string json, string name = "rules")
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<ICustomerSegmenter>(new RuleSegmenter(RuleSegmentJson.Load(json), name));
        return builder;
    }

    /// <summary>Adds the default target groups over the RFM segments (<see cref="TargetGroupSegmenter"/>).</summary>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddTargetGroups(this ICemCoreBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ICustomerSegmenter, TargetGroupSegmenter>(
            static sp => new TargetGroupSegmenter(null, sp.GetRequiredService<PipelineSettings>().Rfm)));
        return builder;
    }

    /// <summary>Adds k-means clusters over log recency, frequency and monetary value (<see cref="ClusterSegmenter"/>; seeded).</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="clusterCount">k, in [2, 64].</param>
    /// <param name="seed">The seed (runs repeat).</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddClusters(this ICemCoreBuilder builder, int clusterCount, int seed)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ICustomerSegmenter, ClusterSegmenter>(
            _ => new ClusterSegmenter(new KMeansSettings(clusterCount, seed: seed))));
        return builder;
    }

    /// <summary>Adds the host's points-ledger store (singleton), replacing the in-memory default of <see cref="CemCore.Loyalty.ILoyaltyStore"/>.</summary>
    /// <typeparam name="TStore">The host's implementation (for example a SQL store with a unique index on the idempotency key).</typeparam>
    /// <param name="builder">The builder.</param>
    /// <returns>The builder.</returns>
    public static ICemCoreBuilder AddLoyaltyStore<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TStore>(this ICemCoreBuilder builder)
        where TStore : class, CemCore.Loyalty.ILoyaltyStore
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Replace(ServiceDescriptor.Singleton<CemCore.Loyalty.ILoyaltyStore, TStore>());
        return builder;
    }

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

    private sealed class DelegateChannel(ContactChannel channel, ChannelCapabilities capabilities, Func<OutboundMessage, string, CancellationToken, ValueTask<SendResult>> send) : IMessageChannel
    {
        public ContactChannel Channel { get; } = channel;

        public ChannelCapabilities Capabilities { get; } = capabilities;

        public ValueTask<SendResult> SendAsync(OutboundMessage message, string idempotencyKey, CancellationToken cancellationToken = default) =>
            send(message, idempotencyKey, cancellationToken);
    }
}
