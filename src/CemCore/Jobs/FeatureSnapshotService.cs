using CemCore.Features;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Transactions;

namespace CemCore.Jobs;

/// <summary>
/// Reads every registered <see cref="ITransactionSource"/> and computes the customer features as of an instant: the first step of
/// a nightly job. Sources are read one after another and their rows combined (order ids must be unique across sources).
/// </summary>
/// <remarks>Thread-safe: it holds only immutable settings and the host's sources.</remarks>
public sealed class FeatureSnapshotService
{
    private readonly ITransactionSource[] _sources;
    private readonly TimeProvider _timeProvider;
    private readonly FeatureSettings _settings;

    /// <summary>Creates the service.</summary>
    /// <param name="sources">The host's transaction sources (at least one).</param>
    /// <param name="timeProvider">The clock, used when no as-of instant is given.</param>
    /// <param name="settings">Feature settings.</param>
    /// <exception cref="ArgumentException">No source was given.</exception>
    public FeatureSnapshotService(IEnumerable<ITransactionSource> sources, TimeProvider timeProvider, FeatureSettings settings)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(settings);
        _sources = [.. sources];
        if (_sources.Length == 0)
        {
            throw new ArgumentException("No ITransactionSource is registered: call AddTransactionSource<T>() on the CemCore builder.", nameof(sources));
        }

        _timeProvider = timeProvider;
        _settings = settings;
    }

    /// <summary>Reads the transactions before <paramref name="asOf"/> and computes the features.</summary>
    /// <param name="asOf">The exclusive as-of instant; <see langword="null"/> means the start of today (UTC) by the injected clock.</param>
    /// <param name="progress">Receives progress (stages <c>"read"</c> and <c>"features"</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels reading and computing.</param>
    /// <returns>The feature set.</returns>
    /// <exception cref="DataFormatException">A source yielded invalid rows.</exception>
    public async ValueTask<CustomerFeatureSet> ComputeAsync(DateTimeOffset? asOf = null, IProgress<OperationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var now = _timeProvider.GetUtcNow();
        var instant = asOf ?? new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        ITransactionSource source = _sources.Length == 1 ? _sources[0] : new ConcatenatedSource(_sources);
        return await FeatureExtractor.ComputeAsync(source, instant, _settings, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads several sources one after another as one.</summary>
    private sealed class ConcatenatedSource(ITransactionSource[] sources) : ITransactionSource
    {
        public async IAsyncEnumerable<Transaction> ReadTransactionsAsync(
            TimeWindow window,
            [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var source in sources)
            {
                await foreach (var t in source.ReadTransactionsAsync(window, cancellationToken).ConfigureAwait(false))
                {
                    yield return t;
                }
            }
        }
    }
}
