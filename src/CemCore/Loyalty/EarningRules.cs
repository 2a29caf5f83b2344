using CemCore.Transactions;

namespace CemCore.Loyalty;

/// <summary>How fractional points are rounded (once per order, after every multiplier).</summary>
public enum PointsRounding
{
    /// <summary>Round down (the default: never promise a point not fully earned).</summary>
    Floor = 0,

    /// <summary>Round to nearest, halves away from zero.</summary>
    Nearest = 1,

    /// <summary>Round up.</summary>
    Ceiling = 2,
}

/// <summary>A promotional window ("double points"): orders with Start &lt;= timestamp &lt; End earn <paramref name="Multiplier"/> times.</summary>
/// <param name="Start">Start (inclusive).</param>
/// <param name="End">End (exclusive).</param>
/// <param name="Multiplier">The multiplier (&gt; 0); overlapping windows do not stack: the largest applies.</param>
public sealed record PromotionWindow(DateTimeOffset Start, DateTimeOffset End, decimal Multiplier);

/// <summary>What an order would earn.</summary>
/// <param name="Points">The rounded points.</param>
/// <param name="RawPoints">Before rounding.</param>
/// <param name="EligibleAmount">The weighted eligible amount (net line amounts times category multipliers, excluded lines left out); the base of pro rata reversals.</param>
/// <param name="PromotionMultiplier">The promotion multiplier applied (1 outside windows).</param>
/// <param name="TierMultiplier">The tier multiplier applied.</param>
public sealed record EarnQuote(long Points, decimal RawPoints, decimal EligibleAmount, decimal PromotionMultiplier, decimal TierMultiplier);

/// <summary>
/// Earning rules: points per currency unit, category multipliers, excluded categories and SKUs, promotion windows and the member's
/// tier multiplier. <c>points = round(Σ eligible line net × perUnit × categoryMultiplier × promotion × tier)</c>, rounded once per order
/// with <see cref="Rounding"/>. <see cref="Quote"/> is the "simulate this order" call: it posts nothing.
/// </summary>
public sealed class EarningRules
{
    private readonly Dictionary<string, decimal> _categoryMultipliers;
    private readonly HashSet<string> _excludedCategories;
    private readonly HashSet<string> _excludedSkus;
    private readonly PromotionWindow[] _promotions;

    /// <summary>Creates earning rules.</summary>
    /// <param name="pointsPerUnit">Points per currency unit (&gt; 0).</param>
    /// <param name="rounding">Rounding.</param>
    /// <param name="categoryMultipliers">Per category multipliers (&gt;= 0; case-insensitive names); others earn 1×.</param>
    /// <param name="excludedCategories">Categories that earn nothing.</param>
    /// <param name="excludedSkus">SKUs that earn nothing (ordinal).</param>
    /// <param name="promotions">Promotion windows.</param>
    public EarningRules(
        decimal pointsPerUnit,
        PointsRounding rounding = PointsRounding.Floor,
        IReadOnlyDictionary<string, decimal>? categoryMultipliers = null,
        IEnumerable<string>? excludedCategories = null,
        IEnumerable<string>? excludedSkus = null,
        IEnumerable<PromotionWindow>? promotions = null)
    {
        if (pointsPerUnit <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(pointsPerUnit), pointsPerUnit, "Points per unit must be positive.");
        }

        PointsPerUnit = pointsPerUnit;
        Rounding = rounding;
        _categoryMultipliers = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        foreach (var (k, v) in categoryMultipliers ?? new Dictionary<string, decimal>())
        {
            _categoryMultipliers[k] = v >= 0m ? v : throw new ArgumentOutOfRangeException(nameof(categoryMultipliers), v, $"The multiplier of category '{k}' must not be negative.");
        }

        _excludedCategories = new HashSet<string>(excludedCategories ?? [], StringComparer.OrdinalIgnoreCase);
        _excludedSkus = new HashSet<string>(excludedSkus ?? [], StringComparer.Ordinal);
        _promotions = [.. promotions ?? []];
        foreach (var p in _promotions)
        {
            if (p.Multiplier <= 0m || p.End <= p.Start)
            {
                throw new ArgumentException($"A promotion window needs End > Start and a positive multiplier (got {p.Multiplier}).", nameof(promotions));
            }
        }
    }

    /// <summary>Gets the points per currency unit.</summary>
    public decimal PointsPerUnit { get; }

    /// <summary>Gets the rounding.</summary>
    public PointsRounding Rounding { get; }

    /// <summary>
    /// Returns the points of reversing part of an earn pro rata: with E points earned on eligible amount T, after returns of weighted
    /// eligible amounts totalling <paramref name="returnedBefore"/> the next return of <paramref name="returnedNow"/> reverses
    /// <c>floor(E × (before + now) / T) − floor(E × before / T)</c>. Cumulative flooring: the reversals of a fully returned order add
    /// up to exactly E, whatever the order of partial returns.
    /// </summary>
    /// <param name="earned">Points earned by the order.</param>
    /// <param name="eligibleAmount">The order's eligible amount (<see cref="EarnQuote.EligibleAmount"/>).</param>
    /// <param name="returnedBefore">Eligible amount returned before.</param>
    /// <param name="returnedNow">Eligible amount of this return.</param>
    public static long ReversePoints(long earned, decimal eligibleAmount, decimal returnedBefore, decimal returnedNow)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(earned);
        if (eligibleAmount <= 0m)
        {
            return 0;
        }

        if (returnedBefore < 0m || returnedNow < 0m || returnedBefore + returnedNow > eligibleAmount)
        {
            throw new ArgumentOutOfRangeException(nameof(returnedNow), returnedNow, "Returned amounts must be non-negative and at most the eligible amount.");
        }

        var after = (long)decimal.Floor(earned * (returnedBefore + returnedNow) / eligibleAmount);
        var before = (long)decimal.Floor(earned * returnedBefore / eligibleAmount);
        return after - before;
    }

    /// <summary>Returns the weighted eligible amount of <paramref name="lines"/> (net amount × category multiplier, excluded lines left out).</summary>
    /// <param name="lines">Order lines.</param>
    public decimal EligibleAmount(IEnumerable<OrderLine> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var sum = 0m;
        foreach (var line in lines)
        {
            if (_excludedSkus.Contains(line.Sku) || _excludedCategories.Contains(line.Category))
            {
                continue;
            }

            sum += line.NetAmount * (_categoryMultipliers.TryGetValue(line.Category, out var m) ? m : 1m);
        }

        return sum;
    }

    /// <summary>Simulates the points <paramref name="order"/> earns (posts nothing). An order without lines earns on amount − discount.</summary>
    /// <param name="order">A purchase.</param>
    /// <param name="tierMultiplier">The member's tier multiplier (&gt; 0).</param>
    public EarnQuote Quote(Transaction order, decimal tierMultiplier = 1m)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (tierMultiplier <= 0m)
        {
            throw new ArgumentOutOfRangeException(nameof(tierMultiplier), tierMultiplier, "The tier multiplier must be positive.");
        }

        if (order.Kind != TransactionKind.Purchase)
        {
            throw new ArgumentException("Only a purchase earns points.", nameof(order));
        }

        var eligible = order.Lines.Count > 0 ? EligibleAmount(order.Lines) : Math.Max(0m, order.Amount - order.Discount);
        var promo = 1m;
        foreach (var p in _promotions)
        {
            if (order.Timestamp >= p.Start && order.Timestamp < p.End && p.Multiplier > promo)
            {
                promo = p.Multiplier;
            }
        }

        var raw = eligible * PointsPerUnit * promo * tierMultiplier;
        var rounded = Rounding switch
        {
            PointsRounding.Ceiling => decimal.Ceiling(raw),
            PointsRounding.Nearest => decimal.Round(raw, 0, MidpointRounding.AwayFromZero),
            _ => decimal.Floor(raw),
        };
        return new EarnQuote((long)rounded, raw, eligible, promo, tierMultiplier);
    }
}
