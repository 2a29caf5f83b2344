using System.Collections.Concurrent;
using System.Diagnostics;
using CemCore.Samples.Orleans.Domain;
using CemCore.Samples.Orleans.Grains;

namespace CemCore.Samples.Orleans.Hosting;

/// <summary>What a producer run did.</summary>
/// <param name="Events">Events acknowledged.</param>
/// <param name="Calls">Grain calls made (acknowledged plus failed ones).</param>
/// <param name="Retries">Calls that failed and were retried.</param>
/// <param name="Elapsed">Wall time.</param>
/// <param name="LatenciesMs">Per acknowledged call: the time of the successful call, in milliseconds.</param>
/// <param name="DecisionMicroseconds">Per acknowledged call: the engine's decision time in microseconds.</param>
public sealed record ProducerResult(long Events, long Calls, long Retries, TimeSpan Elapsed, IReadOnlyList<double> LatenciesMs, IReadOnlyList<double> DecisionMicroseconds);

/// <summary>
/// Sends events to the customer grains with at-least-once delivery: events of one member go one at a time in order, and an event whose
/// call failed or timed out is sent again with the same id until acknowledged (the grain makes the repeat harmless).
/// </summary>
/// <param name="grains">The grain factory (a cluster client or a silo's).</param>
/// <param name="parallelism">Members processed at once.</param>
/// <param name="maxAttempts">Attempts per event before giving up.</param>
/// <param name="retryDelay">Wait between attempts.</param>
public sealed class EventProducer(IGrainFactory grains, int parallelism = 32, int maxAttempts = 60, TimeSpan? retryDelay = null)
{
    /// <summary>Gets or sets a callback run after each acknowledged event (tests use it to kill a silo mid-run).</summary>
    public Action<long>? AfterAck { get; set; }

    /// <summary>Sends every event.</summary>
    /// <param name="events">The events (any order across members; per member in the order to apply).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The counts.</returns>
    public async Task<ProducerResult> RunAsync(IReadOnlyList<MemberEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var byMember = events.GroupBy(e => e.CustomerId, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        long acked = 0, calls = 0, retries = 0;
        var latencies = new ConcurrentBag<double>();
        var decisions = new ConcurrentBag<double>();
        var delay = retryDelay ?? TimeSpan.FromMilliseconds(100);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(byMember, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (list, ct) =>
        {
            var grain = grains.GetGrain<ICustomerGrain>(list[0].CustomerId);
            foreach (var e in list)
            {
                for (var attempt = 1; ; attempt++)
                {
                    Interlocked.Increment(ref calls);
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        var ack = await grain.ApplyAsync(e);
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        if (!ack.Duplicate)
                        {
                            decisions.Add(ack.DecisionMicroseconds);
                        }

                        var n = Interlocked.Increment(ref acked);
                        AfterAck?.Invoke(n);
                        break;
                    }
                    catch (Exception ex) when (ex is not ArgumentException && attempt < maxAttempts && !ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref retries);
                        await Task.Delay(delay, ct);
                    }
                }
            }
        });
        return new ProducerResult(acked, calls, retries, clock.Elapsed, [.. latencies], [.. decisions]);
    }

    /// <summary>Returns the q-quantile (nearest rank) of values.</summary>
    /// <param name="values">The values.</param>
    /// <param name="q">q in [0, 1].</param>
    /// <returns>The quantile, or 0 for no values.</returns>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
