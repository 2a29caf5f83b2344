using System.Globalization;

namespace CemCore.Dispatch;

/// <summary>A per-channel rate limit: a token bucket holding at most <see cref="Burst"/> tokens, refilled at <see cref="PerSecond"/> tokens per second.</summary>
/// <param name="PerSecond">Sustained sends per second, in (0, 1e6].</param>
/// <param name="Burst">Bucket size (sends allowed at once), at least 1.</param>
public sealed record RateLimit(double PerSecond, int Burst = 1)
{
    /// <summary>Gets the sustained rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">NaN or outside (0, 1e6].</exception>
    public double PerSecond { get; } = PerSecond is > 0 and <= 1e6
        ? PerSecond
        : throw new ArgumentOutOfRangeException(nameof(PerSecond), PerSecond, "Must be in (0, 1000000].");

    /// <summary>Gets the bucket size.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Below 1.</exception>
    public int Burst { get; } = Burst >= 1 ? Burst : throw new ArgumentOutOfRangeException(nameof(Burst), Burst, "Must be at least 1.");
}

/// <summary>A token bucket on a <see cref="TimeProvider"/> (monotonic timestamps). Thread-safe.</summary>
internal sealed class TokenBucket
{
    private readonly RateLimit _limit;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly TimeSpan _interval;
    private double _tokens;
    private long _stamp;
    private DateTimeOffset? _lastDeferred;

    public TokenBucket(RateLimit limit, TimeProvider time)
    {
        _limit = limit;
        _time = time;
        _tokens = limit.Burst;
        _interval = TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(TimeSpan.TicksPerSecond / limit.PerSecond)));
        _stamp = time.GetTimestamp();
    }

    /// <summary>Takes a token when one is available; otherwise returns how long until one is.</summary>
    public bool TryTake(out TimeSpan wait)
    {
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(_stamp, now).TotalSeconds;
            _stamp = now;
            _tokens = Math.Min(_limit.Burst, _tokens + (elapsed * _limit.PerSecond));
            if (_tokens >= 1.0)
            {
                _tokens -= 1.0;
                wait = TimeSpan.Zero;
                return true;
            }

            var seconds = (1.0 - _tokens) / _limit.PerSecond;
            wait = TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling(seconds * TimeSpan.TicksPerSecond)));
            return false;
        }
    }

    /// <summary>
    /// The instant a send that cannot wait <paramref name="wait"/> for a token is deferred to: when the bucket has a token for it, after
    /// every send deferred before it (one token interval, <c>1 / PerSecond</c>, apart). The deferred sends take their tokens when they are
    /// sent; a send that finds none then is deferred again (the limit is never exceeded).
    /// </summary>
    /// <param name="wait">How long until the bucket has a token (from <see cref="TryTake"/>).</param>
    /// <returns>The instant (on the time provider's clock).</returns>
    public DateTimeOffset DeferredSlot(TimeSpan wait)
    {
        lock (_gate)
        {
            var slot = _time.GetUtcNow() + wait;
            if (_lastDeferred is { } last && last + _interval > slot)
            {
                slot = last + _interval;
            }

            _lastDeferred = slot;
            return slot;
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_limit.PerSecond}/s burst {_limit.Burst}");
}
