using CemCore;
using CemCore.Channels;
using CemCore.Churn;
using CemCore.DependencyInjection;
using CemCore.Dispatch;
using CemCore.Features;
using CemCore.Jobs;
using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Sources;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers CemCore in a service collection.</summary>
public static class CemCoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the whole CemCore pipeline with validated options (checked at start): features (<see cref="FeatureSnapshotService"/>),
    /// segmentation, lifecycle (<see cref="ILifecycleStageClassifier"/>), churn (a model from <see cref="CemCoreOptions.ChurnModelPath"/>,
    /// a host-registered <see cref="IChurnModel"/>, or one trained per run), CLV, offer decisions (<see cref="IOfferDecider"/>), the experiment
    /// analyzer, the nightly <see cref="CemCorePipeline"/>, the hot-path <see cref="ICustomerScorer"/>, rendering and dispatch (a
    /// <see cref="CampaignRunner"/> over every registered <see cref="IMessageChannel"/>, the <see cref="ISendLog"/> and the
    /// <see cref="IContactHistory"/>).
    /// </summary>
    /// <remarks>Every registration is a <c>TryAdd</c>: a service the host registered (before or after) wins. Calling it again only applies
    /// <paramref name="configure"/> again; nothing is registered twice. The in-memory send log, contact history and coupon ledger are for
    /// single-process hosts and tests: register durable ones for production.</remarks>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures the options, or <see langword="null"/>.</param>
    /// <returns>A builder to add sources, channels and segmenters.</returns>
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
        services.TryAddSingleton(static sp => Options(sp).ToFeatureSettings());
        services.TryAddSingleton(static sp => Options(sp).ToPipelineSettings(sp.GetRequiredService<FeatureSettings>()));
        services.TryAddSingleton<FeatureSnapshotService>();
        AddModels(services);
        AddDecisions(services);
        AddDispatch(services);
        services.TryAddSingleton(static sp => new CemCorePipeline(
            sp.GetServices<ITransactionSource>(),
            sp.GetServices<ICustomerSource>(),
            sp.GetServices<ICustomerSegmenter>(),
            sp.GetRequiredService<ILifecycleStageClassifier>(),
            sp.GetRequiredService<PipelineSettings>(),
            sp.GetRequiredService<ScoringModelStore>(),
            sp.GetRequiredService<IOfferDecider>(),
            sp.GetService<IChurnModel>() ?? LoadChurnModel(Options(sp)),
            sp.GetService<IClvModel>(),
            () => sp.GetRequiredService<CampaignRunner>()));
        return builder;
    }

    private static CemCoreOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<CemCoreOptions>>().Value;

    /// <summary>Lifecycle, experiments, the model store, the hot-path scorer, the points ledger, KPIs and forecasting.</summary>
    private static void AddModels(IServiceCollection services)
    {
        services.TryAddSingleton<ILifecycleStageClassifier>(static _ => new CemCore.Lifecycle.LifecycleClassifier());
        services.TryAddSingleton<IExperimentAnalyzer>(static _ => new ExperimentAnalyzer());
        services.TryAddSingleton<ScoringModelStore>();
        services.TryAddSingleton<ICustomerScorer>(static sp => new CustomerScorer(sp.GetRequiredService<ScoringModelStore>()));
        // The points ledger: thread-safe in-memory by default (tests, single process); a host registers its durable store
        // (e.g. SqliteLoyaltyStore of samples/CemCore.Samples.Sqlite) with AddLoyaltyStore<T>() and it wins.
        services.TryAddSingleton<CemCore.Loyalty.ILoyaltyStore>(static sp => new CemCore.Loyalty.InMemoryLoyaltyStore(sp.GetService<CemCore.Loyalty.LedgerPolicy>()));
        // KPIs over the registered transaction and feedback sources, and sales forecasting (auto.arima); both replaceable.
        services.TryAddSingleton<IKpiCalculator>(static sp => new KpiCalculator(sp.GetServices<ITransactionSource>(), sp.GetServices<IFeedbackSource>()));
        services.TryAddSingleton<ISalesForecaster, AutoArimaForecaster>();
    }

    /// <summary>Rules and the preview decider (no budget reserved).</summary>
    private static void AddDecisions(IServiceCollection services)
    {
        services.TryAddSingleton(static sp => Options(sp).PersonalizationRulesPath is { Length: > 0 } path
            ? PersonalizationRuleJson.Load(File.ReadAllText(path))
            : StandardCampaigns.Create());
        services.TryAddSingleton<IContactHistory, InMemoryContactHistory>();
        services.TryAddSingleton<IOfferDecider>(static sp => new OfferDecider(new OfferDecisionEngine(
            sp.GetRequiredService<PersonalizationRuleSet>(),
            Options(sp).ToDecisionSettings(sp.GetRequiredService<FeatureSettings>(), reserveBudget: false),
            sp.GetRequiredService<IContactHistory>())));
    }

    /// <summary>
    /// Rendering and dispatch, registered against the current <see cref="CampaignRunner"/> / <see cref="ISendLog"/> API. Kept in this one
    /// method so that a change of the dispatch API (store ports for caps, budgets, coupons, consent, schedule) is one edit here.
    /// </summary>
    private static void AddDispatch(IServiceCollection services)
    {
        services.TryAddSingleton(static _ => new MessageRenderer(StandardTemplates.Create()));
        services.TryAddSingleton<ISendLog, InMemorySendLog>();
        services.TryAddSingleton<CouponLedger>();
        services.TryAddSingleton(static sp => Options(sp).ToDispatchSettings());

        // A new runner (and decision engine, whose budget counters belong to one campaign run) per resolution.
        services.TryAddTransient(static sp =>
        {
            var history = sp.GetRequiredService<IContactHistory>();
            var engine = new OfferDecisionEngine(
                sp.GetRequiredService<PersonalizationRuleSet>(),
                Options(sp).ToDecisionSettings(sp.GetRequiredService<FeatureSettings>(), reserveBudget: true),
                history);
            // The shared store ports: a host that registers them (e.g. the SQLite stores of samples/CemCore.Samples.Sqlite) gets caps,
            // budgets, consent, suppression and the deferred-send schedule checked across runners and processes at send time.
            var stores = new DispatchStores(sp.GetRequiredService<ISendLog>(), sp.GetService<ICouponStore>() ?? sp.GetRequiredService<CouponLedger>())
            {
                ContactHistory = history,
                Caps = sp.GetService<IFrequencyCapStore>(),
                Budgets = sp.GetService<IBudgetStore>(),
                Consent = sp.GetService<IConsentStore>(),
                Suppression = sp.GetService<ISuppressionList>(),
                Schedule = sp.GetService<ISendSchedule>(),
            };
            return new CampaignRunner(
                engine,
                sp.GetRequiredService<MessageRenderer>(),
                sp.GetServices<IMessageChannel>(),
                stores,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<DispatchSettings>());
        });
    }

    private static LogisticRegressionModel? LoadChurnModel(CemCoreOptions options) =>
        options.ChurnModelPath is { Length: > 0 } path ? LogisticRegressionModel.FromJson(File.ReadAllText(path)) : null;

    private sealed class CemCoreMarker;
}
