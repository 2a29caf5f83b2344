using System.Globalization;
using System.Runtime.CompilerServices;
using CemCore.Churn;
using CemCore.Clv;
using CemCore.Customers;
using CemCore.Dispatch;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Rules;
using CemCore.Segmentation.Rfm;
using CemCore.Sources;
using CemCore.Transactions;

namespace CemCore;

/// <summary>Settings of a <see cref="CemCorePipeline"/> run. Every unit is explicit and recorded with the results.</summary>
/// <remarks>Immutable.</remarks>
public sealed record PipelineSettings
{
    /// <summary>The longest look-back accepted for the churn label window and the lifecycle comparison, in days (10 years).</summary>
    public const int MaxLookbackDays = 3650;

    /// <summary>Creates settings.</summary>
    /// <param name="features">Feature settings (time unit of BTYD summaries, time zone of calendar days); <see langword="null"/> for the defaults.</param>
    /// <param name="rfm">RFM settings; <see langword="null"/> for the defaults (5 rank-quantile bins, R×F 10-segment map).</param>
    /// <param name="clv">CLV horizon, discounting and margin in the features' time unit, or <see langword="null"/> to fit no CLV model.</param>
    /// <param name="churnLabelWindowDays">Churn label: no purchase within this many days; the model is trained on features this many days before
    /// the as-of instant. In [1, <see cref="MaxLookbackDays"/>], default 90.</param>
    /// <param name="lifecycleComparisonDays">Lifecycle transitions are computed against the stages this many days before the as-of instant.
    /// In [1, <see cref="MaxLookbackDays"/>], default 30.</param>
    /// <param name="trainChurnModel">Whether to train a churn model when none is given (default true).</param>
    /// <param name="includeProspects">Whether customers of the customer sources without a transaction before the as-of instant (prospects) are
    /// part of the run (default true): they get features with no orders, the <see cref="Lifecycle.LifecycleStage.Prospect"/> stage, the RFM
    /// prospect score, no churn probability and no CLV, and an offer decision (for example a first-purchase incentive).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range.</exception>
    /// <exception cref="ArgumentException">The CLV unit differs from the features' unit.</exception>
    public PipelineSettings(
        FeatureSettings? features = null,
        RfmSettings? rfm = null,
        ClvSettings? clv = null,
        int churnLabelWindowDays = 90,
        int lifecycleComparisonDays = 30,
        bool trainChurnModel = true,
        bool includeProspects = true)
    {
        Features = features ?? FeatureSettings.Default;
        Rfm = rfm ?? RfmSettings.Default;
        Clv = clv;
        if (clv is not null && clv.Unit != Features.TimeUnit)
        {
            throw new ArgumentException($"The CLV settings are in {clv.Unit}s but the features in {Features.TimeUnit}s.", nameof(clv));
        }

        ChurnLabelWindowDays = churnLabelWindowDays is >= 1 and <= MaxLookbackDays ? churnLabelWindowDays
            : throw new ArgumentOutOfRangeException(nameof(churnLabelWindowDays), churnLabelWindowDays, $"Must be in [1, {MaxLookbackDays}].");
        LifecycleComparisonDays = lifecycleComparisonDays is >= 1 and <= MaxLookbackDays ? lifecycleComparisonDays
            : throw new ArgumentOutOfRangeException(nameof(lifecycleComparisonDays), lifecycleComparisonDays, $"Must be in [1, {MaxLookbackDays}].");
        TrainChurnModel = trainChurnModel;
        IncludeProspects = includeProspects;
    }

    /// <summary>Gets the feature settings.</summary>
    public FeatureSettings Features { get; }

    /// <summary>Gets the RFM settings.</summary>
    public RfmSettings Rfm { get; }

    /// <summary>Gets the CLV settings, or <see langword="null"/>.</summary>
    public ClvSettings? Clv { get; }

    /// <summary>Gets the churn label window in days.</summary>
    public int ChurnLabelWindowDays { get; }

    /// <summary>Gets the lifecycle comparison look-back in days.</summary>
    public int LifecycleComparisonDays { get; }

    /// <summary>Gets whether a churn model is trained when none is given.</summary>
    public bool TrainChurnModel { get; }

    /// <summary>Gets whether profiles without transactions (prospects) are part of a run.</summary>
    public bool IncludeProspects { get; }

    /// <summary>Returns the run key of an as-of instant: the calendar day (<c>yyyy-MM-dd</c>, in <see cref="FeatureSettings.TimeZone"/>) of the
    /// last instant before it, so an as-of at midnight names the day whose data is complete.</summary>
    /// <param name="asOf">The exclusive as-of instant.</param>
    /// <returns>The key.</returns>
    public string RunKeyOf(DateTimeOffset asOf) =>
        TimeZoneInfo.ConvertTime(asOf.AddTicks(-1), Features.TimeZone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>Where a run's churn model came from.</summary>
public enum ChurnModelOrigin
{
    /// <summary>No model: none given and training was off or impossible (see <see cref="PipelineRun.ChurnNote"/>).</summary>
    None = 0,

    /// <summary>Given by the host (for example loaded from a file).</summary>
    Given = 1,

    /// <summary>Trained by this run.</summary>
    Trained = 2,
}

/// <summary>Everything one nightly run computed, aligned by customer with <see cref="Features"/>.</summary>
/// <remarks>Immutable except <see cref="Contexts"/>, which a dispatch reads (do not change them).</remarks>
public sealed class PipelineRun
{
    internal PipelineRun(DateTimeOffset asOf, PipelineSettings settings, CustomerFeatureSet features)
    {
        AsOf = asOf;
        Settings = settings;
        Features = features;
    }

    /// <summary>Gets the exclusive as-of instant.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the settings (units) of the run.</summary>
    public PipelineSettings Settings { get; }

    /// <summary>Gets the run key (<see cref="PipelineSettings.RunKeyOf"/>). Dispatch uses it, so a re-run of the same day sends nothing twice.</summary>
    public string RunKey => Settings.RunKeyOf(AsOf);

    /// <summary>Gets the features of every customer with transactions before the as-of instant, then (with
    /// <see cref="PipelineSettings.IncludeProspects"/>) of every profile without one, in the order the sources gave them.</summary>
    public CustomerFeatureSet Features { get; }

    /// <summary>Gets the profiles read from the customer sources, by id.</summary>
    public IReadOnlyDictionary<string, CustomerProfile> Profiles { get; internal set; } = new Dictionary<string, CustomerProfile>();

    /// <summary>Gets the RFM result.</summary>
    public RfmResult Rfm { get; internal set; } = null!;

    /// <summary>Gets the memberships of every segmenter: RFM first, then the registered segmenters in registration order.</summary>
    public IReadOnlyList<SegmentationResult> Segmentations { get; internal set; } = [];

    /// <summary>Gets the lifecycle stages as of <see cref="AsOf"/>.</summary>
    public LifecycleSnapshot Lifecycle { get; internal set; } = null!;

    /// <summary>Gets the lifecycle stages <see cref="PipelineSettings.LifecycleComparisonDays"/> earlier.</summary>
    public LifecycleSnapshot PreviousLifecycle { get; internal set; } = null!;

    /// <summary>Gets the stage changes from <see cref="PreviousLifecycle"/> to <see cref="Lifecycle"/>.</summary>
    public IReadOnlyList<LifecycleTransition> Transitions { get; internal set; } = [];

    /// <summary>Gets the churn model, or <see langword="null"/>.</summary>
    public IChurnModel? ChurnModel { get; internal set; }

    /// <summary>Gets where the churn model came from.</summary>
    public ChurnModelOrigin ChurnModelOrigin { get; internal set; }

    /// <summary>Gets a note on the churn model (training size, or why there is none; no personal data).</summary>
    public string ChurnNote { get; internal set; } = string.Empty;

    /// <summary>Gets the churn probability per customer (<see langword="null"/>: no model, no purchase, or a missing feature the model cannot impute).</summary>
    public IReadOnlyList<double?> ChurnProbabilities { get; internal set; } = [];

    /// <summary>Gets the CLV model, or <see langword="null"/> (no CLV settings, or nobody bought twice).</summary>
    public IClvModel? Clv { get; internal set; }

    /// <summary>Gets the CLV estimate per customer (<see langword="null"/> without a model).</summary>
    public IReadOnlyList<ClvEstimate?> ClvEstimates { get; internal set; } = [];

    /// <summary>Gets the context per customer: profile, features, RFM segment, lifecycle stage, churn probability, P(alive) and CLV.</summary>
    public IReadOnlyList<CustomerContext> Contexts { get; internal set; } = [];

    /// <summary>Gets the offer decision per customer (previews: no budget reserved), or empty without an offer decider.</summary>
    public IReadOnlyList<OfferDecision> Decisions { get; internal set; } = [];

    /// <summary>Gets the scoring models of this run (also published to the pipeline's <see cref="ScoringModelStore"/>).</summary>
    public ScoringModels Models { get; internal set; } = null!;
}

/// <summary>
/// The nightly job of a host: reads the registered sources once, then computes features, RFM and the registered segmenters, CLV (P(alive)),
/// lifecycle stages with transitions, churn scores (with a given or freshly trained model) and offer decisions, publishes the scoring models for
/// the hot path, and dispatches campaigns through the host's channels.
/// </summary>
/// <remarks>
/// <para>Order: features → CLV (fitted on today's features) → lifecycle with P(alive) now and <see cref="PipelineSettings.LifecycleComparisonDays"/>
/// earlier → RFM → churn → contexts → segmenters (rule segments see RFM, lifecycle, churn and CLV) → decisions.</para>
/// <para>Customers appear when they have a transaction before the as-of instant or (with <see cref="PipelineSettings.IncludeProspects"/>, the
/// default) a profile in a customer source: prospects are classified, segmented and decided on, but have no churn probability and no CLV.</para>
/// <para>Thread-safe for sequential runs; one run at a time per instance is the intended use.</para>
/// </remarks>
public sealed class CemCorePipeline
{
    private const int MinChurnTrainingRows = 20;

    private readonly ITransactionSource[] _transactions;
    private readonly ICustomerSource[] _customers;
    private readonly ICustomerSegmenter[] _segmenters;
    private readonly IChurnModel? _churnModel;
    private readonly IClvModel? _clvModel;
    private readonly Func<CampaignRunner>? _dispatch;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="transactionSources">The host's transaction sources (at least one; read one after another).</param>
    /// <param name="customerSources">The host's customer sources (profiles for consent, channel and language), possibly none.</param>
    /// <param name="segmenters">Segmenters run after RFM (names distinct and not <c>rfm</c>).</param>
    /// <param name="lifecycle">The lifecycle classifier.</param>
    /// <param name="settings">The settings.</param>
    /// <param name="store">Receives the scoring models of each run, or <see langword="null"/>.</param>
    /// <param name="offers">The offer decider, or <see langword="null"/> for no decisions.</param>
    /// <param name="churnModel">A fixed churn model over <see cref="ChurnFeatureMap.Default"/> (for example loaded from a file), or <see langword="null"/> to train one per run.</param>
    /// <param name="clvModel">A fixed CLV model in the features' unit, or <see langword="null"/> to fit BG/NBD + Gamma-Gamma per run (when CLV settings are given).</param>
    /// <param name="dispatch">Creates a campaign runner for <see cref="DispatchAsync"/> (a new one per campaign run), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">No transaction source, or segmenter names repeat.</exception>
    public CemCorePipeline(
        IEnumerable<ITransactionSource> transactionSources,
        IEnumerable<ICustomerSource> customerSources,
        IEnumerable<ICustomerSegmenter> segmenters,
        ILifecycleStageClassifier lifecycle,
        PipelineSettings settings,
        ScoringModelStore? store = null,
        IOfferDecider? offers = null,
        IChurnModel? churnModel = null,
        IClvModel? clvModel = null,
        Func<CampaignRunner>? dispatch = null)
    {
        ArgumentNullException.ThrowIfNull(transactionSources);
        ArgumentNullException.ThrowIfNull(customerSources);
        ArgumentNullException.ThrowIfNull(segmenters);
        _transactions = [.. transactionSources];
        if (_transactions.Length == 0)
        {
            throw new ArgumentException("No ITransactionSource is registered: call AddTransactionSource<T>() on the CemCore builder.", nameof(transactionSources));
        }

        _customers = [.. customerSources];
        _segmenters = [.. segmenters];
        var names = _segmenters.Select(s => s.Name).Prepend("rfm").ToArray();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new ArgumentException($"Segmenter names must be distinct and not 'rfm': {string.Join(", ", names)}.", nameof(segmenters));
        }

        Lifecycle = lifecycle ?? throw new ArgumentNullException(nameof(lifecycle));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        Store = store;
        Offers = offers;
        if (churnModel is not null && !churnModel.FeatureNames.SequenceEqual(ChurnFeatureMap.Default.ColumnNames, StringComparer.Ordinal))
        {
            throw new ArgumentException("The churn model must take the features of ChurnFeatureMap.Default in its order.", nameof(churnModel));
        }

        _churnModel = churnModel;
        if (clvModel is not null && clvModel.Unit != settings.Features.TimeUnit)
        {
            throw new ArgumentException($"The CLV model is in {clvModel.Unit}s but the features in {settings.Features.TimeUnit}s.", nameof(clvModel));
        }

        _clvModel = clvModel;
        _dispatch = dispatch;
    }

    /// <summary>Gets the settings.</summary>
    public PipelineSettings Settings { get; }

    /// <summary>Gets the lifecycle classifier.</summary>
    public ILifecycleStageClassifier Lifecycle { get; }

    /// <summary>Gets the offer decider, or <see langword="null"/>.</summary>
    public IOfferDecider? Offers { get; }

    /// <summary>Gets the store the scoring models are published to, or <see langword="null"/>.</summary>
    public ScoringModelStore? Store { get; }

    /// <summary>Runs the pipeline as of an instant.</summary>
    /// <param name="asOf">The exclusive as-of instant.</param>
    /// <param name="progress">Receives progress (stages <c>read</c>, <c>features</c>, <c>models</c>, <c>segments</c>, <c>decisions</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The results.</returns>
    /// <exception cref="DataFormatException">A source yielded invalid rows.</exception>
    public async Task<PipelineRun> RunAsync(DateTimeOffset asOf, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var fs = Settings.Features;
        var builder = new TransactionTableBuilder();
        var window = new TimeWindow(null, asOf);
        foreach (var source in _transactions)
        {
            await foreach (var t in source.ReadTransactionsAsync(window, cancellationToken).ConfigureAwait(false))
            {
                if (t.Timestamp < asOf)
                {
                    builder.Add(t);
                }
            }
        }

        progress?.Report(new OperationProgress("read", builder.Count, builder.Count));
        var profiles = new Dictionary<string, CustomerProfile>(StringComparer.Ordinal);
        foreach (var source in _customers)
        {
            await foreach (var p in source.ReadCustomersAsync(cancellationToken).ConfigureAwait(false))
            {
                profiles[p.Id] = p;
            }
        }

        if (Settings.IncludeProspects)
        {
            foreach (var id in profiles.Keys)
            {
                builder.AddCustomer(id);
            }
        }

        var table = builder.Build();
        var features = FeatureExtractor.Compute(table, asOf, fs, null, cancellationToken);
        progress?.Report(new OperationProgress("features", features.Count, features.Count));
        var run = new PipelineRun(asOf, Settings, features) { Profiles = profiles };
        var n = features.Count;

        // CLV first: lifecycle and rules use P(alive).
        run.Clv = _clvModel ?? (Settings.Clv is { } clvSettings ? BtydClvModel.Fit(features, clvSettings) : null);
        var clv = new ClvEstimate?[n];
        var alive = new double[n];
        Estimate(run.Clv, features, clv, alive);
        run.ClvEstimates = clv;

        // Lifecycle now and earlier (same classifier and CLV model, so a transition is a change of behaviour, not of settings).
        run.Lifecycle = ClassifyAll(features, table, alive, cancellationToken);
        var earlierFeatures = FeatureExtractor.Compute(table, asOf.AddDays(-Settings.LifecycleComparisonDays), fs, null, cancellationToken);
        var earlierAlive = new double[earlierFeatures.Count];
        Estimate(run.Clv, earlierFeatures, new ClvEstimate?[earlierFeatures.Count], earlierAlive);
        run.PreviousLifecycle = ClassifyAll(earlierFeatures, table, earlierAlive, cancellationToken);
        run.Transitions = LifecycleTransitions.Compare(run.PreviousLifecycle, run.Lifecycle);

        run.Rfm = RfmScorer.Score(RfmValues.FromFeatures(features), Settings.Rfm);

        (run.ChurnModel, run.ChurnModelOrigin, run.ChurnNote) = _churnModel is not null
            ? (_churnModel, ChurnModelOrigin.Given, "given by the host")
            : Settings.TrainChurnModel ? TrainChurn(table, features, cancellationToken) : (null, ChurnModelOrigin.None, "training is off");
        var churn = new double?[n];
        if (run.ChurnModel is { } model)
        {
            for (var i = 0; i < n; i++)
            {
                churn[i] = features[i].HasPurchased ? CustomerScorer.ScoreChurn(model, ChurnFeatureMap.Default, features[i]) : null;
            }
        }

        run.ChurnProbabilities = churn;
        progress?.Report(new OperationProgress("models", n, n));

        var contexts = new CustomerContext[n];
        var lifecycleAssessments = run.Lifecycle.Assessments;
        for (var i = 0; i < n; i++)
        {
            var f = features[i];
            contexts[i] = new CustomerContext(profiles.GetValueOrDefault(f.CustomerId), f, asOf)
                .SetRfmSegment(run.Rfm.SegmentOf(i))
                .SetLifecycleStage(lifecycleAssessments[i].Stage)
                .SetChurnProbability(churn[i])
                .SetProbabilityAlive(clv[i]?.ProbabilityAlive)
                .SetPredictedClv(ToMoney(clv[i]?.Value));
        }

        run.Contexts = contexts;
        var input = new SegmentationInput(features, contexts, run.Rfm);
        var segmentations = new List<SegmentationResult> { RfmSegmenter.ToResult(run.Rfm, asOf) };
        foreach (var segmenter in _segmenters)
        {
            segmentations.Add(segmenter.Segment(input, cancellationToken));
        }

        run.Segmentations = segmentations;
        progress?.Report(new OperationProgress("segments", n, n));

        if (Offers is { } offers)
        {
            var decisions = new OfferDecision[n];
            var engine = (offers as OfferDecider)?.Engine; // the library's engine: the look-ahead above replaces its per-call hints
            for (var i = 0; i < n; i++)
            {
                if ((i & 4095) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                CustomerContext.PrefetchAhead(contexts, i);
                decisions[i] = engine is not null ? engine.DecideAhead(contexts[i]) : offers.Decide(contexts[i]);
            }

            run.Decisions = decisions;
        }

        progress?.Report(new OperationProgress("decisions", n, n));
        run.Models = new ScoringModels(asOf, Lifecycle, run.Rfm.CutPoints, run.Rfm.Settings.SegmentMap, run.ChurnModel, ChurnFeatureMap.Default, run.Clv, Offers, Settings.Features, ClvCache(features, clv));
        Store?.Publish(run.Models);
        return run;
    }

    /// <summary>Sends a campaign to the customers of a run through a new campaign runner, with the run's key (<see cref="PipelineRun.RunKey"/>):
    /// re-dispatching the same day sends only what is missing.</summary>
    /// <param name="run">The run.</param>
    /// <param name="campaignId">The campaign id (part of every idempotency key).</param>
    /// <param name="audience">Who is targeted; <see langword="null"/> for everyone with a profile.</param>
    /// <param name="progress">Receives progress, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The outcomes.</returns>
    /// <exception cref="InvalidOperationException">The pipeline was created without a dispatch factory.</exception>
    public Task<CampaignRunResult> DispatchAsync(PipelineRun run, string campaignId, CampaignAudience? audience = null, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var runner = (_dispatch ?? throw new InvalidOperationException("This pipeline has no campaign runner: register channels with AddChannel<T>() (AddCemCore wires the runner) or pass a dispatch factory.")).Invoke();
        return runner.RunAsync(campaignId, run.RunKey, audience ?? CampaignAudience.Where(static c => c.Profile is not null), Stream(run.Contexts, cancellationToken), progress, cancellationToken);
    }

    private static async IAsyncEnumerable<CustomerContext> Stream(IReadOnlyList<CustomerContext> contexts, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask.ConfigureAwait(false);
        foreach (var c in contexts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return c;
        }
    }

    private LifecycleSnapshot ClassifyAll(CustomerFeatureSet features, TransactionTable table, double[] alive, CancellationToken cancellationToken)
    {
        // The table may hold customers whose first transaction is after an earlier as-of: look intervals up by id.
        var intervals = LastIntervals.Compute(table, features.AsOf, features.Settings);
        var byId = new Dictionary<string, int>(table.CustomerIds.Count, StringComparer.Ordinal);
        for (var c = 0; c < table.CustomerIds.Count; c++)
        {
            byId[table.CustomerIds[c]] = intervals[c];
        }

        var ids = new string[features.Count];
        var assessments = new LifecycleAssessment[features.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            if ((i & 4095) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            var f = features[i];
            ids[i] = f.CustomerId;
            double? last = byId.TryGetValue(f.CustomerId, out var days) && days >= 0 ? days : null;
            double? p = double.IsNaN(alive[i]) ? null : alive[i];
            assessments[i] = Lifecycle.Classify(LifecycleInput.FromFeatures(f, last, p));
        }

        return new LifecycleSnapshot(features.AsOf, (Lifecycle as LifecycleClassifier)?.Settings ?? LifecycleSettings.Default, ids, assessments);
    }

    private static Dictionary<string, ClvEstimate>? ClvCache(CustomerFeatureSet features, ClvEstimate?[] estimates)
    {
        var cache = new Dictionary<string, ClvEstimate>(features.Count, StringComparer.Ordinal);
        for (var i = 0; i < estimates.Length; i++)
        {
            if (estimates[i] is { } e)
            {
                cache[features[i].CustomerId] = e;
            }
        }

        return cache.Count == 0 ? null : cache;
    }

    private static void Estimate(IClvModel? model, CustomerFeatureSet features, ClvEstimate?[] estimates, double[] alive)
    {
        for (var i = 0; i < features.Count; i++)
        {
            estimates[i] = model is not null && features[i].HasPurchased ? model.Estimate(features[i].Btyd) : null;
            alive[i] = estimates[i]?.ProbabilityAlive ?? double.NaN;
        }
    }

    internal static decimal? ToMoney(double? value) =>
        value is { } v && v >= 0 && v < 1e15 ? decimal.Round((decimal)v, 2, MidpointRounding.ToEven) : null;

    private (IChurnModel?, ChurnModelOrigin, string) TrainChurn(TransactionTable table, CustomerFeatureSet now, CancellationToken cancellationToken)
    {
        var days = Settings.ChurnLabelWindowDays;
        var before = FeatureExtractor.Compute(table, now.AsOf.AddDays(-days), Settings.Features, null, cancellationToken);
        var rows = new List<CustomerFeatures>();
        var labels = new List<bool>();
        foreach (var f in before)
        {
            if (f.HasPurchased && now.TryGet(f.CustomerId, out var later))
            {
                rows.Add(f);
                labels.Add(later.OrderCount == f.OrderCount); // churned: no purchase in the label window
            }
        }

        var churners = labels.Count(x => x);
        if (rows.Count < MinChurnTrainingRows || churners == 0 || churners == rows.Count)
        {
            return (null, ChurnModelOrigin.None, string.Create(CultureInfo.InvariantCulture,
                $"not trained: {rows.Count} labelled customers ({churners} churned) in a {days}-day window; need {MinChurnTrainingRows} with both outcomes"));
        }

        var model = LogisticRegression.Fit(ChurnFeatureMap.Default.ToMatrix(rows), labels.ToArray(), new LogisticRegressionSettings(missingValues: MissingValuePolicy.ImputeTrainingMean), cancellationToken);
        return (model, ChurnModelOrigin.Trained, string.Create(CultureInfo.InvariantCulture,
            $"trained on {rows.Count} customers ({churners} churned; label: no purchase within {days} days); {model.Diagnostics.Status}"));
    }
}
