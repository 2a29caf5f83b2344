using CemCore.Merging;

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
/// <para>The sums are exact (non-overlapping expansions, correctly rounded when read), so merged partitions give the one-pass read-out bit for bit.</para>
/// </remarks>
public sealed class PromotionRoiAccumulator : IMergeable<PromotionRoiAccumulator, PromotionRoiResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.promotion-roi";

    private readonly ExactSum _tRevenue = new();
    private readonly ExactSum _hRevenue = new();
    private readonly ExactSum _m = new();
    private readonly ExactSum _m2 = new();
    private readonly ExactSum _c = new();
    private readonly ExactSum _c2 = new();
    private readonly ExactSum _mc = new();
    private readonly ExactSum _h = new();
    private readonly ExactSum _h2 = new();
    private long _nt;
    private long _nh;
    private long _redeemed;

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
        _tRevenue.Add(revenue);
        _m.Add(margin);
        _m2.Add(margin * margin);
        _c.Add(cost);
        _c2.Add(cost * cost);
        _mc.Add(margin * cost);
    }

    /// <summary>Adds a holdout customer.</summary>
    /// <param name="revenue">The customer's revenue in the period.</param>
    /// <param name="margin">The customer's gross margin in the period.</param>
    public void AddHoldout(double revenue, double margin)
    {
        Finite(revenue, nameof(revenue));
        Finite(margin, nameof(margin));
        _nh++;
        _hRevenue.Add(revenue);
        _h.Add(margin);
        _h2.Add(margin * margin);
    }

    /// <summary>Adds another partition.</summary>
    /// <param name="other">The other accumulator.</param>
    public void Merge(PromotionRoiAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _nt += other._nt;
        _nh += other._nh;
        _redeemed += other._redeemed;
        for (var i = 0; i < Sums.Length; i++)
        {
            Sums[i].Add(other.Sums[i]);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Version 1, no settings. Payload: treated, holdout and redeemed counts (int64), then the nine exact sums (treated revenue,
    /// holdout revenue, Σm, Σm², Σc, Σc², Σmc, Σh, Σh²), each as a count (int32) and its non-overlapping partials (doubles).</remarks>
    public PartialFormat Format { get; } = PartialFormat.WithoutSettings(KindId);

    private ExactSum[] Sums => [_tRevenue, _hRevenue, _m, _m2, _c, _c2, _mc, _h, _h2];

    /// <inheritdoc/>
    public PromotionRoiAccumulator MergeWith(PromotionRoiAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        w.Write(_nt);
        w.Write(_nh);
        w.Write(_redeemed);
        foreach (var sum in Sums)
        {
            sum.Write(w);
        }
    }

    /// <inheritdoc/>
    public static PromotionRoiAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var acc = new PromotionRoiAccumulator { _nt = r.ReadNonNegative("treated count"), _nh = r.ReadNonNegative("holdout count"), _redeemed = r.ReadNonNegative("redeemed count") };
        if (acc._redeemed > acc._nt)
        {
            throw new InvalidDataException("The promotion-ROI partial is corrupt: more redemptions than treated customers.");
        }

        foreach (var sum in acc.Sums)
        {
            sum.Add(ExactSum.Read(r));
        }

        return acc;
    });

    /// <summary>Computes the read-out.</summary>
    /// <returns>The result.</returns>
    public PromotionRoiResult Finish()
    {
        double tRevenue = _tRevenue.Value, hRevenue = _hRevenue.Value, sm = _m.Value, sm2 = _m2.Value, sc = _c.Value, sc2 = _c2.Value, smc = _mc.Value, sh = _h.Value, sh2 = _h2.Value;
        if (_nt == 0 || _nh == 0)
        {
            return new PromotionRoiResult(_nt, _nh, 0, 0, sc, null, null, null, _nt == 0 ? null : (double)_redeemed / _nt);
        }

        double nt = _nt, nh = _nh;
        var a = sm / nt;
        var b = sh / nh;
        var c = sc / nt;
        var incRevenue = ((tRevenue / nt) - (hRevenue / nh)) * nt;
        var incMargin = (a - b) * nt;
        double? roi = null, lo = null, hi = null;
        if (c > 0)
        {
            roi = ((a - b) / c) - 1;
            if (_nt >= 2 && _nh >= 2)
            {
                var varM = Math.Max(0, (sm2 - (nt * a * a)) / (nt - 1));
                var varC = Math.Max(0, (sc2 - (nt * c * c)) / (nt - 1));
                var covMc = (smc - (nt * a * c)) / (nt - 1);
                var varH = Math.Max(0, (sh2 - (nh * b * b)) / (nh - 1));
                var d = a - b;
                var variance = (((varM / nt) + (varH / nh)) / (c * c)) + (d * d * (varC / nt) / (c * c * c * c)) - (2 * d * (covMc / nt) / (c * c * c));
                var half = NpsResult.Z95 * Math.Sqrt(Math.Max(0, variance));
                (lo, hi) = (roi - half, roi + half);
            }
        }

        return new PromotionRoiResult(_nt, _nh, incRevenue, incMargin, sc, roi, lo, hi, (double)_redeemed / nt);
    }

    private static void Finite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(name, value, "The value must be finite.");
        }
    }
}
