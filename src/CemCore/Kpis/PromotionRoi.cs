namespace CemCore.Kpis;

/// <summary>The read-out of a promotion against a randomized holdout.</summary>
/// <param name="TreatedCustomers">Customers who were offered the promotion.</param>
/// <param name="HoldoutCustomers">Customers held out.</param>
/// <param name="IncrementalRevenue">(mean treated revenue − mean holdout revenue) × treated customers.</param>
/// <param name="IncrementalMargin">(mean treated margin − mean holdout margin) × treated customers.</param>
/// <param name="Cost">Total cost of the promotion (discounts redeemed plus messages) over the treated customers.</param>
/// <param name="Roi">(incremental margin − cost)/cost, or <see langword="null"/> when the cost is 0 or a group is empty.</param>
/// <param name="RoiCiLow">Lower bound of the 95 % delta-method interval, or <see langword="null"/> (needs ≥ 2 customers per group).</param>
/// <param name="RoiCiHigh">Upper bound of the 95 % delta-method interval, or <see langword="null"/>.</param>
/// <param name="RedemptionRate">Share of treated customers who redeemed, or <see langword="null"/>.</param>
public sealed record PromotionRoiResult(
    long TreatedCustomers,
    long HoldoutCustomers,
    double IncrementalRevenue,
    double IncrementalMargin,
    double Cost,
    double? Roi,
    double? RoiCiLow,
    double? RoiCiHigh,
    double? RedemptionRate);

/// <summary>
/// Promotion ROI against a holdout, mergeable (sums and cross-products per group).
/// </summary>
/// <remarks>
/// <para>Per treated customer i: margin mᵢ (gross margin of the period, before promotion costs) and cost cᵢ (discount redeemed + messages);
/// per holdout customer j: margin hⱼ. With a = m̄, b = h̄, c = c̄: ROI = (n_t(a − b) − n_t·c)/(n_t·c) = (a − b)/c − 1.</para>
/// <para>Delta method (first-order Taylor expansion; a and c are correlated because they come from the same customers, b is independent):
/// Var(ROI) ≈ (Var(a) + Var(b))/c² + (a − b)²·Var(c)/c⁴ − 2(a − b)·Cov(a, c)/c³, with Var(a) = s²_m/n_t, Var(b) = s²_h/n_h,
/// Var(c) = s²_c/n_t, Cov(a, c) = s_mc/n_t (sample moments). The interval is ROI ± Φ⁻¹(0.975)·√Var.</para>
/// </remarks>
public sealed class PromotionRoiAccumulator
{
    private long _nt;
    private long _nh;
    private long _redeemed;
    private double _tRevenue;
    private double _hRevenue;
    private double _m;
    private double _m2;
    private double _c;
    private double _c2;
    private double _mc;
    private double _h;
    private double _h2;

    /// <summary>Adds a treated customer.</summary>
    /// <param name="revenue">The customer's revenue in the period.</param>
    /// <param name="margin">The customer's gross margin in the period.</param>
    /// <param name="cost">The promotion's cost for the customer (≥ 0).</param>
    /// <param name="redeemed">Whether the customer redeemed the offer.</param>
    public void AddTreated(double revenue, double margin, double cost, bool redeemed)
    {
        Finite(revenue, nameof(revenue));
        Finite(margin, nameof(margin));
        if (!(cost >= 0 && double.IsFinite(cost)))
        {
            throw new ArgumentOutOfRangeException(nameof(cost), cost, "The cost must be finite and ≥ 0.");
        }

        _nt++;
        _redeemed += redeemed ? 1 : 0;
        _tRevenue += revenue;
        _m += margin;
        _m2 += margin * margin;
        _c += cost;
        _c2 += cost * cost;
        _mc += margin * cost;
    }

    /// <summary>Adds a holdout customer.</summary>
    /// <param name="revenue">The customer's revenue in the period.</param>
    /// <param name="margin">The customer's gross margin in the period.</param>
    public void AddHoldout(double revenue, double margin)
    {
        Finite(revenue, nameof(revenue));
        Finite(margin, nameof(margin));
        _nh++;
        _hRevenue += revenue;
        _h += margin;
        _h2 += margin * margin;
    }

    /// <summary>Adds another partition.</summary>
    /// <param name="other">The other accumulator.</param>
    public void Merge(PromotionRoiAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _nt += other._nt;
        _nh += other._nh;
        _redeemed += other._redeemed;
        _tRevenue += other._tRevenue;
        _hRevenue += other._hRevenue;
        _m += other._m;
        _m2 += other._m2;
        _c += other._c;
        _c2 += other._c2;
        _mc += other._mc;
        _h += other._h;
        _h2 += other._h2;
    }

    /// <summary>Computes the read-out.</summary>
    /// <returns>The result.</returns>
    public PromotionRoiResult Finish()
    {
        if (_nt == 0 || _nh == 0)
        {
            return new PromotionRoiResult(_nt, _nh, 0, 0, _c, null, null, null, _nt == 0 ? null : (double)_redeemed / _nt);
        }

        double nt = _nt, nh = _nh;
        var a = _m / nt;
        var b = _h / nh;
        var c = _c / nt;
        var incRevenue = ((_tRevenue / nt) - (_hRevenue / nh)) * nt;
        var incMargin = (a - b) * nt;
        double? roi = null, lo = null, hi = null;
        if (c > 0)
        {
            roi = ((a - b) / c) - 1;
            if (_nt >= 2 && _nh >= 2)
            {
                var varM = Math.Max(0, (_m2 - (nt * a * a)) / (nt - 1));
                var varC = Math.Max(0, (_c2 - (nt * c * c)) / (nt - 1));
                var covMc = (_mc - (nt * a * c)) / (nt - 1);
                var varH = Math.Max(0, (_h2 - (nh * b * b)) / (nh - 1));
                var d = a - b;
                var variance = (((varM / nt) + (varH / nh)) / (c * c)) + (d * d * (varC / nt) / (c * c * c * c)) - (2 * d * (covMc / nt) / (c * c * c));
                var half = NpsResult.Z95 * Math.Sqrt(Math.Max(0, variance));
                (lo, hi) = (roi - half, roi + half);
            }
        }

        return new PromotionRoiResult(_nt, _nh, incRevenue, incMargin, _c, roi, lo, hi, (double)_redeemed / nt);
    }

    private static void Finite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "The value must be finite.");
        }
    }
}
