using System.Globalization;

namespace CemCore.Segmentation.Clustering;

/// <summary>What k-means does with a constant (zero-variance) feature.</summary>
public enum ConstantFeatureHandling
{
    /// <summary>The feature gets weight 0: it does not affect distances, and its centroid coordinate is the constant. The default.</summary>
    Ignore = 0,

    /// <summary>Throw <see cref="ArgumentException"/> naming the feature index.</summary>
    Reject = 1,
}

/// <summary>Settings of <see cref="KMeans"/> (Lloyd's algorithm with k-means++ seeding and restarts). Immutable; checked on construction.</summary>
/// <remarks>Defaults follow scikit-learn 1.2's <c>KMeans(n_init=10, max_iter=300, tol=1e-4, algorithm="lloyd")</c>, except that features are
/// standardized by default (clusters of customers should not be driven by whichever feature has the largest unit).</remarks>
public sealed record KMeansSettings
{
    /// <summary>The smallest cluster count.</summary>
    public const int MinClusterCount = 1;

    /// <summary>The largest cluster count.</summary>
    public const int MaxClusterCount = 4096;

    /// <summary>The largest number of restarts.</summary>
    public const int MaxRestartCount = 1000;

    /// <summary>The largest iteration limit.</summary>
    public const int MaxIterationLimit = 1_000_000;

    /// <summary>The largest k-means++ local trial count.</summary>
    public const int MaxInitializationTrials = 100;

    /// <summary>Creates settings.</summary>
    /// <param name="clusterCount">k, in [<see cref="MinClusterCount"/>, <see cref="MaxClusterCount"/>]; must also not exceed the row count.</param>
    /// <param name="restartCount">n_init: independent k-means++ seedings, the best (lowest inertia) wins; in [1, <see cref="MaxRestartCount"/>]. Default 10.</param>
    /// <param name="maxIterations">Lloyd iterations per restart, in [1, <see cref="MaxIterationLimit"/>]. Default 300.</param>
    /// <param name="tolerance">Relative tolerance: a restart stops when the summed squared centroid shift of one iteration is at most
    /// <c>tolerance × mean feature variance</c> (scikit-learn's definition). Finite, at least 0. Default 1e-4.</param>
    /// <param name="standardize">Cluster z-scores (mean 0, population SD 1) instead of raw values. Default <see langword="true"/>.</param>
    /// <param name="constantFeatures">What to do with constant features. Default <see cref="ConstantFeatureHandling.Ignore"/>.</param>
    /// <param name="seed">Seed of the <see cref="Random"/> used when no generator is passed. Default 0.</param>
    /// <param name="initializationTrials">k-means++ candidates drawn per new centre (the greedy variant; 1 is the original algorithm of Arthur &amp; Vassilvitskii);
    /// in [1, <see cref="MaxInitializationTrials"/>], or <see langword="null"/> for <c>2 + ⌊ln k⌋</c> as scikit-learn.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range (the message gives the range and the value).</exception>
    public KMeansSettings(
        int clusterCount,
        int restartCount = 10,
        int maxIterations = 300,
        double tolerance = 1e-4,
        bool standardize = true,
        ConstantFeatureHandling constantFeatures = ConstantFeatureHandling.Ignore,
        int seed = 0,
        int? initializationTrials = null)
    {
        ClusterCount = Range(clusterCount, MinClusterCount, MaxClusterCount, nameof(clusterCount));
        RestartCount = Range(restartCount, 1, MaxRestartCount, nameof(restartCount));
        MaxIterations = Range(maxIterations, 1, MaxIterationLimit, nameof(maxIterations));
        Tolerance = tolerance is >= 0.0 && double.IsFinite(tolerance)
            ? tolerance
            : throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be a finite number at least 0.");
        Standardize = standardize;
        ConstantFeatures = Enum.IsDefined(constantFeatures)
            ? constantFeatures
            : throw new ArgumentOutOfRangeException(nameof(constantFeatures), constantFeatures, "Undefined ConstantFeatureHandling value.");
        Seed = seed;
        InitializationTrials = initializationTrials is { } t ? Range(t, 1, MaxInitializationTrials, nameof(initializationTrials)) : null;
    }

    /// <summary>Gets k. <value>No default: required.</value></summary>
    public int ClusterCount { get; }

    /// <summary>Gets n_init. <value>The default is 10.</value></summary>
    public int RestartCount { get; }

    /// <summary>Gets the iteration limit per restart. <value>The default is 300.</value></summary>
    public int MaxIterations { get; }

    /// <summary>Gets the relative convergence tolerance. <value>The default is 1e-4.</value></summary>
    public double Tolerance { get; }

    /// <summary>Gets whether features are standardized. <value>The default is <see langword="true"/>.</value></summary>
    public bool Standardize { get; }

    /// <summary>Gets the constant-feature policy. <value>The default is <see cref="ConstantFeatureHandling.Ignore"/>.</value></summary>
    public ConstantFeatureHandling ConstantFeatures { get; }

    /// <summary>Gets the seed used when no <see cref="Random"/> is passed. <value>The default is 0.</value></summary>
    public int Seed { get; }

    /// <summary>Gets the k-means++ local trials, or <see langword="null"/> for <c>2 + ⌊ln k⌋</c>. <value>The default is <see langword="null"/>.</value></summary>
    public int? InitializationTrials { get; }

    /// <summary>The most row partitions <see cref="Partitions"/> allows.</summary>
    public const int MaxPartitions = 65_536;

    /// <summary>
    /// Gets the number of row partitions of each Lloyd step. With 1 the step is the in-memory kernel; with more, <see cref="KMeans.Fit(ReadOnlySpan{double}, int, KMeansSettings, Random?, CancellationToken)"/>
    /// runs every step (and the final assignment) as partition → accumulate (<see cref="KMeansStepPartial"/> per contiguous row range) →
    /// merge → finalize, the shape a distributed driver uses. The partitioned fit is the same for every partition count bit for bit (exact
    /// sums); against the in-memory kernel (plain double sums) the centroids and inertia agree to a few ulps (docs/segmentation.md).
    /// <value>The default is 1.</value>
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside [1, <see cref="MaxPartitions"/>].</exception>
    public int Partitions
    {
        get;
        init => field = Range(value, 1, MaxPartitions, nameof(Partitions));
    } = 1;

    internal int EffectiveTrials => InitializationTrials ?? (2 + (int)Math.Log(ClusterCount));

    internal static int Range(int value, int min, int max, string name) =>
        value >= min && value <= max
            ? value
            : throw new ArgumentOutOfRangeException(name, value, string.Create(CultureInfo.InvariantCulture, $"The value must be in [{min}, {max}]."));
}

/// <summary>Settings of <see cref="MiniBatchKMeans"/> (Sculley 2010). Immutable; checked on construction.</summary>
public sealed record MiniBatchKMeansSettings
{
    /// <summary>The largest batch size.</summary>
    public const int MaxBatchSize = 1 << 20;

    /// <summary>The largest step count.</summary>
    public const int MaxStepLimit = 10_000_000;

    /// <summary>Creates settings.</summary>
    /// <param name="clusterCount">k, in [<see cref="KMeansSettings.MinClusterCount"/>, <see cref="KMeansSettings.MaxClusterCount"/>] and not above the row count.</param>
    /// <param name="batchSize">Rows drawn (uniformly, with replacement) per step, in [1, <see cref="MaxBatchSize"/>]. Default 1024.</param>
    /// <param name="maxSteps">Mini-batch steps, in [1, <see cref="MaxStepLimit"/>]. Default 500.</param>
    /// <param name="restartCount">k-means++ seedings on an initialization sample; the one with the lowest sample inertia is refined. In [1, <see cref="KMeansSettings.MaxRestartCount"/>]. Default 3.</param>
    /// <param name="initSampleSize">Rows of the initialization sample, or <see langword="null"/> for <c>max(3 × batchSize, 3 × k)</c> capped at the row count.</param>
    /// <param name="tolerance">Stop early when one step moves the centroids by at most <c>tolerance × mean feature variance</c> (summed squared shift); 0 disables. Default 0.</param>
    /// <param name="standardize">Cluster z-scores instead of raw values. Default <see langword="true"/>.</param>
    /// <param name="constantFeatures">Constant-feature policy. Default <see cref="ConstantFeatureHandling.Ignore"/>.</param>
    /// <param name="seed">Seed used when no <see cref="Random"/> is passed. Default 0.</param>
    /// <param name="initializationTrials">k-means++ local trials, or <see langword="null"/> for <c>2 + ⌊ln k⌋</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of its range.</exception>
    public MiniBatchKMeansSettings(
        int clusterCount,
        int batchSize = 1024,
        int maxSteps = 500,
        int restartCount = 3,
        int? initSampleSize = null,
        double tolerance = 0.0,
        bool standardize = true,
        ConstantFeatureHandling constantFeatures = ConstantFeatureHandling.Ignore,
        int seed = 0,
        int? initializationTrials = null)
    {
        ClusterCount = KMeansSettings.Range(clusterCount, KMeansSettings.MinClusterCount, KMeansSettings.MaxClusterCount, nameof(clusterCount));
        BatchSize = KMeansSettings.Range(batchSize, 1, MaxBatchSize, nameof(batchSize));
        MaxSteps = KMeansSettings.Range(maxSteps, 1, MaxStepLimit, nameof(maxSteps));
        RestartCount = KMeansSettings.Range(restartCount, 1, KMeansSettings.MaxRestartCount, nameof(restartCount));
        InitSampleSize = initSampleSize is { } s ? KMeansSettings.Range(s, 1, int.MaxValue, nameof(initSampleSize)) : null;
        Tolerance = tolerance is >= 0.0 && double.IsFinite(tolerance)
            ? tolerance
            : throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be a finite number at least 0.");
        Standardize = standardize;
        ConstantFeatures = Enum.IsDefined(constantFeatures)
            ? constantFeatures
            : throw new ArgumentOutOfRangeException(nameof(constantFeatures), constantFeatures, "Undefined ConstantFeatureHandling value.");
        Seed = seed;
        InitializationTrials = initializationTrials is { } t ? KMeansSettings.Range(t, 1, KMeansSettings.MaxInitializationTrials, nameof(initializationTrials)) : null;
    }

    /// <summary>Gets k. <value>No default: required.</value></summary>
    public int ClusterCount { get; }

    /// <summary>Gets the batch size. <value>The default is 1024.</value></summary>
    public int BatchSize { get; }

    /// <summary>Gets the number of mini-batch steps. <value>The default is 500.</value></summary>
    public int MaxSteps { get; }

    /// <summary>Gets the number of seedings compared on the initialization sample. <value>The default is 3.</value></summary>
    public int RestartCount { get; }

    /// <summary>Gets the initialization sample size, or <see langword="null"/> for automatic. <value>The default is <see langword="null"/>.</value></summary>
    public int? InitSampleSize { get; }

    /// <summary>Gets the early-stopping tolerance. <value>The default is 0 (off).</value></summary>
    public double Tolerance { get; }

    /// <summary>Gets whether features are standardized. <value>The default is <see langword="true"/>.</value></summary>
    public bool Standardize { get; }

    /// <summary>Gets the constant-feature policy. <value>The default is <see cref="ConstantFeatureHandling.Ignore"/>.</value></summary>
    public ConstantFeatureHandling ConstantFeatures { get; }

    /// <summary>Gets the seed used when no <see cref="Random"/> is passed. <value>The default is 0.</value></summary>
    public int Seed { get; }

    /// <summary>Gets the k-means++ local trials, or <see langword="null"/> for automatic. <value>The default is <see langword="null"/>.</value></summary>
    public int? InitializationTrials { get; }

    internal int EffectiveTrials => InitializationTrials ?? (2 + (int)Math.Log(ClusterCount));
}
