using CemCore.Churn;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Personalization;
using CemCore.Rules;
using CemCore.Segmentation.Rfm;
using CemCore.Transactions;

namespace CemCore;

/// <summary>Everything CemCore says about one customer at one instant.</summary>
/// <remarks>A value type: returning it allocates nothing. Model parts that are not configured are absent (<see langword="null"/> or default).</remarks>
/// <param name="CustomerId">The customer.</param>
/// <param name="Segment">The RFM segment name (<see cref="RfmSegmentMap.Prospects"/> without purchases), or <see langword="null"/> without RFM cut-points.</param>
/// <param name="Rfm">The RFM scores (default without cut-points or for prospects).</param>
/// <param name="Lifecycle">The lifecycle stage with the rule that decided it.</param>
/// <param name="ChurnProbability">The churn probability, or <see langword="null"/> without a churn model, for a prospect (no purchase: nothing to churn from), or when a feature the model cannot impute is missing.</param>
/// <param name="Clv">P(alive), expected purchases and value over the horizon, or <see langword="null"/> without a CLV model.</param>
/// <param name="Offer">The next offer decision (a preview: budgets are not reserved); default without decision rules.</param>
public readonly record struct CustomerScore(
    string CustomerId,
    string? Segment,
    RfmScore Rfm,
    LifecycleAssessment Lifecycle,
    double? ChurnProbability,
    ClvEstimate? Clv,
    OfferDecision Offer)
{
    /// <summary>Gets the lifecycle stage.</summary>
    public LifecycleStage Stage => Lifecycle.Stage;

    /// <summary>Gets P(alive), or <see langword="null"/> without a CLV model.</summary>
    public double? ProbabilityAlive => Clv?.ProbabilityAlive;
}

/// <summary>
/// The fitted models a <see cref="CustomerScorer"/> uses: RFM cut-points and segment map, lifecycle classifier, churn model with its feature
/// map, CLV model and offer decider. Produced by the nightly pipeline (<see cref="CemCorePipeline"/>) or assembled by the host.
/// </summary>
/// <remarks>Immutable and thread-safe when its parts are.</remarks>
public sealed class ScoringModels
{
    /// <summary>Creates the bundle.</summary>
    /// <param name="asOf">When the models were fitted (the as-of of their training features).</param>
    /// <param name="lifecycle">The lifecycle classifier.</param>
    /// <param name="rfm">RFM cut-points, or <see langword="null"/> for no segment.</param>
    /// <param name="segmentMap">The segment map of the cut-points; <see langword="null"/> for <see cref="RfmSegmentMap.RecencyFrequency10"/> (rescaled to the cut-points' bins).</param>
    /// <param name="churn">The churn model, or <see langword="null"/>.</param>
    /// <param name="churnFeatures">The churn model's inputs; <see langword="null"/> for <see cref="ChurnFeatureMap.Default"/>. Its column names must be the model's feature names.</param>
    /// <param name="clv">The CLV model, or <see langword="null"/>.</param>
    /// <param name="offers">The offer decider, or <see langword="null"/>.</param>
    /// <param name="features">The settings features are computed with (time unit of BTYD summaries, time zone); <see langword="null"/> for
    /// <see cref="FeatureSettings.Default"/>. Must match the CLV model's unit.</param>
    /// <param name="clvCache">CLV estimates computed by the nightly run for features as of <paramref name="asOf"/>, by customer id, or
    /// <see langword="null"/>. The discounted value sums the model over every period of the horizon (tens of microseconds per customer), so the
    /// scorer reuses the run's estimate when it is given the run's features and computes it otherwise.</param>
    /// <exception cref="ArgumentException">The churn model's features are not the map's columns, or the map's bins differ from the cut-points'.</exception>
    public ScoringModels(
        DateTimeOffset asOf,
        ILifecycleStageClassifier lifecycle,
        RfmCutPoints? rfm = null,
        RfmSegmentMap? segmentMap = null,
        IChurnModel? churn = null,
        ChurnFeatureMap? churnFeatures = null,
        IClvModel? clv = null,
        IOfferDecider? offers = null,
        FeatureSettings? features = null,
        IReadOnlyDictionary<string, ClvEstimate>? clvCache = null)
    {
        ClvCache = clvCache;
        AsOf = asOf;
        Features = features ?? FeatureSettings.Default;
        if (clv is not null && clv.Unit != Features.TimeUnit)
        {
            throw new ArgumentException($"The CLV model is in {clv.Unit}s but the features in {Features.TimeUnit}s.", nameof(clv));
        }

        Lifecycle = lifecycle ?? throw new ArgumentNullException(nameof(lifecycle));
        Rfm = rfm;
        SegmentMap = segmentMap ?? (rfm is null || rfm.Bins == RfmSegmentMap.RecencyFrequency10.Bins ? RfmSegmentMap.RecencyFrequency10 : RfmSegmentMap.RecencyFrequency10.Rescale(rfm.Bins));
        if (rfm is not null && SegmentMap.Bins != rfm.Bins)
        {
            throw new ArgumentException($"The segment map has {SegmentMap.Bins} bins but the cut-points {rfm.Bins}.", nameof(segmentMap));
        }

        Churn = churn;
        ChurnFeatures = churnFeatures ?? ChurnFeatureMap.Default;
        if (churn is not null && !churn.FeatureNames.SequenceEqual(ChurnFeatures.ColumnNames, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                $"The churn model expects the features [{string.Join(", ", churn.FeatureNames)}] but the feature map writes [{string.Join(", ", ChurnFeatures.ColumnNames)}].",
                nameof(churnFeatures));
        }

        Clv = clv;
        Offers = offers;
    }

    /// <summary>Gets when the models were fitted.</summary>
    public DateTimeOffset AsOf { get; }

    /// <summary>Gets the lifecycle classifier.</summary>
    public ILifecycleStageClassifier Lifecycle { get; }

    /// <summary>Gets the feature settings.</summary>
    public FeatureSettings Features { get; }

    /// <summary>Gets the RFM cut-points, or <see langword="null"/>.</summary>
    public RfmCutPoints? Rfm { get; }

    /// <summary>Gets the segment map.</summary>
    public RfmSegmentMap SegmentMap { get; }

    /// <summary>Gets the churn model, or <see langword="null"/>.</summary>
    public IChurnModel? Churn { get; }

    /// <summary>Gets the churn feature map.</summary>
    public ChurnFeatureMap ChurnFeatures { get; }

    /// <summary>Gets the CLV model, or <see langword="null"/>.</summary>
    public IClvModel? Clv { get; }

    /// <summary>Gets the offer decider, or <see langword="null"/>.</summary>
    public IOfferDecider? Offers { get; }

    /// <summary>Gets the CLV estimates of the nightly run by customer id (valid for features as of <see cref="AsOf"/>), or <see langword="null"/>.</summary>
    public IReadOnlyDictionary<string, ClvEstimate>? ClvCache { get; }
}

/// <summary>Holds the current <see cref="ScoringModels"/>: the nightly pipeline publishes, scorers read. Thread-safe.</summary>
public sealed class ScoringModelStore
{
    private ScoringModels? _current;

    /// <summary>Gets the current models, or <see langword="null"/> before the first publication.</summary>
    public ScoringModels? Current => Volatile.Read(ref _current);

    /// <summary>Replaces the current models (readers see either the old or the new bundle, never a mix).</summary>
    /// <param name="models">The models.</param>
    public void Publish(ScoringModels models) => Volatile.Write(ref _current, models ?? throw new ArgumentNullException(nameof(models)));
}

/// <summary>
/// Scores one customer for the hot path of a host application: given the profile and features (or transactions), returns segment, lifecycle
/// stage, churn probability, P(alive)/CLV and the next offer with its trace (<see cref="CustomerScorer"/>).
/// </summary>
/// <remarks>Implementations must be safe for concurrent use.</remarks>
public interface ICustomerScorer
{
    /// <summary>Scores one customer from features computed earlier (such as the nightly snapshot).</summary>
    /// <param name="profile">The CRM profile (consent, channel, language), or <see langword="null"/>.</param>
    /// <param name="features">The customer's features.</param>
    /// <param name="asOf">The decision instant (offer windows, quiet hours); usually now.</param>
    /// <param name="trace">Receives the offer decision's explanation, or <see langword="null"/>.</param>
    /// <returns>The score.</returns>
    CustomerScore Score(CustomerProfile? profile, CustomerFeatures features, DateTimeOffset asOf, DecisionTrace? trace = null);

    /// <summary>Scores one customer from raw transactions: computes the features (and the last purchase interval, for revival) as of
    /// <paramref name="asOf"/> first.</summary>
    /// <param name="profile">The CRM profile, or <see langword="null"/>.</param>
    /// <param name="customerId">The customer.</param>
    /// <param name="transactions">The customer's transactions (others are ignored); those at or after <paramref name="asOf"/> are ignored.</param>
    /// <param name="asOf">The as-of and decision instant.</param>
    /// <param name="trace">Receives the offer decision's explanation, or <see langword="null"/>.</param>
    /// <returns>The score.</returns>
    CustomerScore ScoreTransactions(CustomerProfile? profile, string customerId, IEnumerable<Transaction> transactions, DateTimeOffset asOf, DecisionTrace? trace = null);
}

/// <summary>
/// The library's <see cref="ICustomerScorer"/>. Order: CLV (P(alive); the nightly run's estimate when the features are the run's, see
/// <see cref="ScoringModels.ClvCache"/>) → lifecycle (with P(alive)) → RFM segment → churn → offer decision on a context holding all of them.
/// Allocation-free from features without a trace (a per-thread context is reused; model parts are allocation-free).
/// </summary>
/// <remarks>Thread-safe. Reads the models at each call, so a bundle published to its <see cref="ScoringModelStore"/> takes effect at once.</remarks>
public sealed class CustomerScorer : ICustomerScorer
{
    [ThreadStatic]
    private static CustomerContext? t_context;

    private readonly ScoringModels? _models;
    private readonly ScoringModelStore? _store;

    /// <summary>Creates a scorer over fixed models.</summary>
    /// <param name="models">The models.</param>
    public CustomerScorer(ScoringModels models) => _models = models ?? throw new ArgumentNullException(nameof(models));

    /// <summary>Creates a scorer that reads the current models of a store at every call.</summary>
    /// <param name="store">The store.</param>
    public CustomerScorer(ScoringModelStore store) => _store = store ?? throw new ArgumentNullException(nameof(store));

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The store has no models yet (run the pipeline first).</exception>
    public CustomerScore Score(CustomerProfile? profile, CustomerFeatures features, DateTimeOffset asOf, DecisionTrace? trace = null) =>
        ScoreCore(Models(), profile, features, asOf, null, trace);

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The store has no models yet (run the pipeline first).</exception>
    public CustomerScore ScoreTransactions(CustomerProfile? profile, string customerId, IEnumerable<Transaction> transactions, DateTimeOffset asOf, DecisionTrace? trace = null)
    {
        var models = Models();
        var settings = models.Features;
        Primitives.Check.NotBlank(customerId);
        ArgumentNullException.ThrowIfNull(transactions);
        var builder = new TransactionTableBuilder(16);
        foreach (var t in transactions)
        {
            if (string.Equals(t.CustomerId, customerId, StringComparison.Ordinal))
            {
                builder.Add(t);
            }
        }

        var table = builder.Build();
        var set = FeatureExtractor.Compute(table, asOf, settings);
        CustomerFeatures features;
        double? lastInterval = null;
        if (set.TryGet(customerId, out var found))
        {
            features = found;
            var intervals = LastIntervals.Compute(table, asOf, settings);
            lastInterval = intervals.Length == 1 && intervals[0] >= 0 ? intervals[0] : null; // the table holds this customer only
        }
        else
        {
            features = new CustomerFeatures(customerId, asOf) { Btyd = new BtydSummary(0, 0, 0, settings.TimeUnit, 0m) };
        }

        return ScoreCore(models, profile, features, asOf, lastInterval, trace);
    }

    private ScoringModels Models() =>
        _models ?? _store!.Current ?? throw new InvalidOperationException("No scoring models are published yet: run the nightly pipeline (CemCorePipeline.RunAsync) or publish models to the ScoringModelStore.");

    private static CustomerScore ScoreCore(ScoringModels m, CustomerProfile? profile, CustomerFeatures features, DateTimeOffset asOf, double? lastInterval, DecisionTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(features);
        ClvEstimate? clv = null;
        if (m.Clv is { } clvModel && features.HasPurchased)
        {
            clv = features.AsOf == m.AsOf && m.ClvCache is { } cache && cache.TryGetValue(features.CustomerId, out var cached) ? cached : clvModel.Estimate(features.Btyd);
        }

        var lifecycle = m.Lifecycle.Classify(LifecycleInput.FromFeatures(features, lastInterval, clv?.ProbabilityAlive));
        string? segment = null;
        RfmScore rfm = default;
        if (m.Rfm is { } cuts)
        {
            if (features.HasPurchased)
            {
                // The conventions of RfmValues.FromFeatures: recency floored to whole days, money rounded to cents.
                var recencyDays = Math.Max(0, (features.AsOf.UtcTicks - features.LastPurchase!.Value.UtcTicks) / TimeSpan.TicksPerDay);
                var money = (double)Math.Round(features.MonetaryTotal, 2, MidpointRounding.ToEven);
                rfm = cuts.Score(recencyDays, features.OrderCount, money, features.CustomerId);
                segment = m.SegmentMap.SegmentOf(rfm);
            }
            else
            {
                segment = RfmSegmentMap.Prospects;
            }
        }

        var churn = m.Churn is { } model && features.HasPurchased ? ScoreChurn(model, m.ChurnFeatures, features) : null;
        OfferDecision offer = default;
        if (m.Offers is { } offers)
        {
            var context = (t_context ??= new CustomerContext()).Reset(profile, features, asOf)
                .SetRfmSegment(segment)
                .SetLifecycleStage(lifecycle.Stage)
                .SetChurnProbability(churn)
                .SetProbabilityAlive(clv?.ProbabilityAlive)
                .SetPredictedClv(clv?.Value is { } v && v >= 0 && v < (double)decimal.MaxValue ? (decimal)v : null);
            offer = offers.Decide(context, trace);
            context.Reset(null, null, default);
        }

        return new CustomerScore(features.CustomerId, segment, rfm, lifecycle, churn, clv, offer);
    }

    internal static double? ScoreChurn(IChurnModel model, ChurnFeatureMap map, CustomerFeatures features)
    {
        Span<double> row = stackalloc double[map.ColumnNames.Count];
        map.Write(features, row);
        var missing = HasNaN(row);
        if (model is LogisticRegressionModel lr)
        {
            if (missing && lr.MissingValues.Strategy == MissingValueStrategy.Reject)
            {
                return null;
            }

            lr.PrepareRow(row, 0);
        }
        else if (missing)
        {
            return null;
        }

        return model.Score(row);
    }

    private static bool HasNaN(ReadOnlySpan<double> row)
    {
        foreach (var v in row)
        {
            if (double.IsNaN(v))
            {
                return true;
            }
        }

        return false;
    }
}
