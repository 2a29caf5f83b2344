using System.Globalization;
using CemCore.Loyalty;
using CemCore.Primitives;

namespace CemCore.Growth;

/// <summary>
/// A points challenge ("3 purchases in 30 days → 200 bonus points"): a member who makes <see cref="RequiredPurchases"/> distinct
/// purchases within any <see cref="WindowDays"/>-day window earns the bonus once, as an idempotent earn posting
/// (key <c>challenge:&lt;id&gt;:&lt;member&gt;</c>) for the host's <see cref="ILoyaltyStore"/>. Thread-safe.
/// </summary>
public sealed class PointsChallenge
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<(string Order, DateTimeOffset At)>> _progress = new(StringComparer.Ordinal);
    private readonly HashSet<string> _completed = new(StringComparer.Ordinal);

    /// <summary>Creates a challenge.</summary>
    /// <param name="id">The challenge id.</param>
    /// <param name="requiredPurchases">Purchases needed (&gt;= 1).</param>
    /// <param name="windowDays">Window in days (&gt;= 1).</param>
    /// <param name="bonusPoints">Bonus (&gt;= 1).</param>
    public PointsChallenge(string id, int requiredPurchases, int windowDays, long bonusPoints)
    {
        Id = Check.NotBlank(id);
        ArgumentOutOfRangeException.ThrowIfLessThan(requiredPurchases, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowDays, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bonusPoints, 1);
        RequiredPurchases = requiredPurchases;
        WindowDays = windowDays;
        BonusPoints = bonusPoints;
    }

    /// <summary>Gets the id.</summary>
    public string Id { get; }

    /// <summary>Gets the purchases needed.</summary>
    public int RequiredPurchases { get; }

    /// <summary>Gets the window.</summary>
    public int WindowDays { get; }

    /// <summary>Gets the bonus.</summary>
    public long BonusPoints { get; }

    /// <summary>Records a purchase; returns the bonus posting when this purchase completes the challenge, else null.</summary>
    /// <param name="memberId">The member.</param>
    /// <param name="orderId">The order (counted once).</param>
    /// <param name="at">When.</param>
    public LoyaltyPosting? RecordPurchase(string memberId, string orderId, DateTimeOffset at)
    {
        Check.NotBlank(memberId);
        Check.NotBlank(orderId);
        lock (_gate)
        {
            if (_completed.Contains(memberId))
            {
                return null;
            }

            if (!_progress.TryGetValue(memberId, out var list))
            {
                _progress[memberId] = list = [];
            }

            if (list.Exists(p => string.Equals(p.Order, orderId, StringComparison.Ordinal)))
            {
                return null;
            }

            list.Add((orderId, at));
            var from = at.AddDays(-WindowDays);
            var inWindow = list.Count(p => p.At > from && p.At <= at);
            if (inWindow < RequiredPurchases)
            {
                return null;
            }

            _completed.Add(memberId);
            return new LoyaltyPosting($"challenge:{Id}:{memberId}", memberId, at, PostingKind.Earn, BonusPoints, $"challenge:{Id}", null,
                string.Create(CultureInfo.InvariantCulture, $"challenge {Id}: {RequiredPurchases} purchases in {WindowDays} days"));
        }
    }
}
