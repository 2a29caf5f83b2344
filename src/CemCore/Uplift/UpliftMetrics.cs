using System.Globalization;

namespace CemCore.Uplift;

/// <summary>A gain curve of an uplift score: the value after targeting the <c>Counts[j]</c> highest-scored rows.</summary>
/// <param name="Counts">Rows targeted, ascending: 0 and then the end of every group of tied scores (the last is the row count).</param>
/// <param name="Values">The curve value at each count (0 at count 0).</param>
public sealed record UpliftGainCurve(IReadOnlyList<int> Counts, IReadOnlyList<double> Values);

/// <summary>The evaluation of an uplift score on randomized-trial data (see <see cref="UpliftMetrics"/> for every formula).</summary>
/// <param name="Rows">Rows evaluated.</param>
/// <param name="TreatedRows">Treated rows.</param>
/// <param name="ControlRows">Control rows.</param>
/// <param name="AverageTreatmentEffect">Response rate of the treated minus that of the control rows (the uplift of treating everybody); NaN
/// when a group is empty.</param>
/// <param name="QiniCoefficient">(Qini area − random area) / (perfect Qini area − random area); NaN when the denominator is ≤ 0.</param>
/// <param name="QiniArea">Area under the Qini curve (x = share targeted, y = Qini value / rows).</param>
/// <param name="QiniRandomArea">Area under the straight line of random targeting, <c>Q(n) / (2n)</c>.</param>
/// <param name="QiniPerfectArea">Area under the Qini curve of the oracle ordering.</param>
/// <param name="UpliftAuc">Area under the uplift curve (x = share targeted, y = uplift-curve value / rows).</param>
/// <param name="UpliftAucRandom">The same area for random targeting, <c>U(n) / (2n)</c> (half the average treatment effect).</param>
public sealed record UpliftEvaluation(
    int Rows,
    int TreatedRows,
    int ControlRows,
    double AverageTreatmentEffect,
    double QiniCoefficient,
    double QiniArea,
    double QiniRandomArea,
    double QiniPerfectArea,
    double UpliftAuc,
    double UpliftAucRandom);

/// <summary>
/// Qini curve, Qini coefficient, uplift curve and uplift AUC of an uplift score on the data of a randomized trial
/// (Radcliffe 2007, "Using control groups to target on predicted lift"; Gutierrez &amp; Gérardy 2017, "Causal inference and uplift modelling: a review").
/// </summary>
/// <remarks>
/// <para><b>Ranking and ties.</b> Rows are ranked by score, highest first. Rows with equal scores form one group and the curves are evaluated
/// only at <c>k = 0</c> and at the end of each group (straight lines in between), so the result does not depend on the order of tied rows.
/// After the first <c>k</c> rows, <c>N_T, N_C</c> are the treated and control rows and <c>R_T, R_C</c> their responders (outcome 1).</para>
/// <para><b>Qini curve</b> <c>Q(k) = R_T − R_C · N_T / N_C</c> (incremental responders in treated-group units; the second term is 0 while
/// <c>N_C = 0</c>). <b>Uplift curve</b> <c>U(k) = (R_T / N_T − R_C / N_C) · k</c> (each ratio is 0 while its denominator is 0).</para>
/// <para><b>Areas</b> by the trapezoidal rule with <c>x = k / n</c> and <c>y = value / n</c>. The <b>Qini coefficient</b> is
/// <c>(A_Q − Q(n)/(2n)) / (A_Q* − Q(n)/(2n))</c>, where <c>Q(n)/(2n)</c> is the area under the random-targeting line and <c>Q*</c> is the
/// Qini curve of the oracle score <c>T·Y − (1 − T)·Y</c> (treated responders first, control responders last: Radcliffe's optimum
/// allowing negative effects); 0 = no better than random, 1 = the oracle, negative = worse than random. The <b>uplift AUC</b> is
/// <c>A_U</c>, the area under the uplift curve; random targeting gives <c>U(n)/(2n)</c>.</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public static class UpliftMetrics
{
    /// <summary>Computes the Qini curve.</summary>
    /// <param name="scores">Uplift scores (higher = target first); finite.</param>
    /// <param name="treatment">Treatment flags.</param>
    /// <param name="outcome">Outcomes (<see langword="true"/> = responded).</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentException">No rows, lengths differ, or a score is not finite.</exception>
    public static UpliftGainCurve QiniCurve(ReadOnlySpan<double> scores, ReadOnlySpan<bool> treatment, ReadOnlySpan<bool> outcome) =>
        Curve(scores, treatment, outcome, qini: true);

    /// <summary>Computes the uplift curve.</summary>
    /// <param name="scores">Uplift scores (higher = target first); finite.</param>
    /// <param name="treatment">Treatment flags.</param>
    /// <param name="outcome">Outcomes (<see langword="true"/> = responded).</param>
    /// <returns>The curve.</returns>
    /// <exception cref="ArgumentException">No rows, lengths differ, or a score is not finite.</exception>
    public static UpliftGainCurve UpliftCurve(ReadOnlySpan<double> scores, ReadOnlySpan<bool> treatment, ReadOnlySpan<bool> outcome) =>
        Curve(scores, treatment, outcome, qini: false);

    /// <summary>Computes the Qini coefficient.</summary>
    /// <param name="scores">Uplift scores; finite.</param>
    /// <param name="treatment">Treatment flags.</param>
    /// <param name="outcome">Outcomes.</param>
    /// <returns>The coefficient; NaN when the oracle is no better than random (for example no responder at all).</returns>
    /// <exception cref="ArgumentException">No rows, lengths differ, or a score is not finite.</exception>
    public static double QiniCoefficient(ReadOnlySpan<double> scores, ReadOnlySpan<bool> treatment, ReadOnlySpan<bool> outcome) =>
        Evaluate(scores, treatment, outcome).QiniCoefficient;

    /// <summary>Computes the uplift AUC (area under the uplift curve).</summary>
    /// <param name="scores">Uplift scores; finite.</param>
    /// <param name="treatment">Treatment flags.</param>
    /// <param name="outcome">Outcomes.</param>
    /// <returns>The area.</returns>
    /// <exception cref="ArgumentException">No rows, lengths differ, or a score is not finite.</exception>
    public static double UpliftAuc(ReadOnlySpan<double> scores, ReadOnlySpan<bool> treatment, ReadOnlySpan<bool> outcome) =>
        Area(UpliftCurve(scores, treatment, outcome), scores.Length);

    /// <summary>Computes every metric at once.</summary>
    /// <param name="scores">Uplift scores; finite.</param>
    /// <param name="treatment">Treatment flags.</param>
    /// <param name="outcome">Outcomes.</param>
    /// <returns>The evaluation.</returns>
    /// <exception cref="ArgumentException">No rows, lengths differ, or a score is not finite.</exception>
    public static UpliftEvaluation Evaluate(ReadOnlySpan<double> scores, ReadOnlySpan<bool> treatment, ReadOnlySpan<bool> outcome)
    {
        var n = scores.Length;
        var qini = QiniCurve(scores, treatment, outcome);
        var uplift = Curve(scores, treatment, outcome, qini: false);
        var oracle = new double[n];
        var treated = 0;
        for (var i = 0; i < n; i++)
        {
            oracle[i] = !outcome[i] ? 0.0 : treatment[i] ? 1.0 : -1.0;
            treated += treatment[i] ? 1 : 0;
        }

        var perfect = Curve(oracle, treatment, outcome, qini: true);
        var qn = qini.Values[^1];
        var randomArea = qn / (2.0 * n);
        var area = Area(qini, n);
        var perfectArea = Area(perfect, n);
        var denominator = perfectArea - randomArea;
        var un = uplift.Values[^1];
        var control = n - treated;
        return new UpliftEvaluation(
            n,
            treated,
            control,
            treated == 0 || control == 0 ? double.NaN : un / n,
            denominator > 0 ? (area - randomArea) / denominator : double.NaN,
            area,
            randomArea,
            perfectArea,
            Area(uplift, n),
            un / (2.0 * n));
    }

    private static double Area(UpliftGainCurve curve, int n)
    {
        var total = 0.0;
        var k = curve.Counts;
        var v = curve.Values;
        for (var j = 1; j < k.Count; j++)
        {
            total += (double)(k[j] - k[j - 1]) / n * (v[j] + v[j - 1]) / n / 2;
        }

        return total;
    }

    private static UpliftGainCurve Curve(ReadOnlySpan<double> scores, ReadOnlySpan<bool> treatment, ReadOnlySpan<bool> outcome, bool qini)
    {
        var n = scores.Length;
        if (n == 0)
        {
            throw new ArgumentException("At least one row is required.", nameof(scores));
        }

        if (treatment.Length != n || outcome.Length != n)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Expected {n} treatment flags and outcomes (one per score) but got {treatment.Length} and {outcome.Length}."),
                treatment.Length != n ? nameof(treatment) : nameof(outcome));
        }

        var order = RankDescending(scores);
        var counts = new List<int> { 0 };
        var values = new List<double> { 0.0 };
        long nt = 0, nc = 0, rt = 0, rc = 0;
        for (var pos = 0; pos < n; pos++)
        {
            var i = order[pos];
            if (treatment[i])
            {
                nt++;
                rt += outcome[i] ? 1 : 0;
            }
            else
            {
                nc++;
                rc += outcome[i] ? 1 : 0;
            }

            if (pos < n - 1 && scores[order[pos + 1]] == scores[i])
            {
                continue;
            }

            var k = pos + 1;
            double value;
            if (qini)
            {
                value = rt - (nc > 0 ? (double)(rc * nt) / nc : 0.0);
            }
            else
            {
                value = ((nt > 0 ? (double)rt / nt : 0.0) - (nc > 0 ? (double)rc / nc : 0.0)) * k;
            }

            counts.Add(k);
            values.Add(value);
        }

        return new UpliftGainCurve(counts.AsReadOnly(), values.AsReadOnly());
    }

    /// <summary>Row indexes ordered by score, highest first (the order within ties is unspecified); throws on a non-finite score.</summary>
    internal static int[] RankDescending(ReadOnlySpan<double> scores)
    {
        var keys = new double[scores.Length];
        var order = new int[scores.Length];
        for (var i = 0; i < scores.Length; i++)
        {
            var s = scores[i];
            if (!double.IsFinite(s))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Score {i} is not a finite number."), nameof(scores));
            }

            keys[i] = -s;
            order[i] = i;
        }

        Array.Sort(keys, order);
        return order;
    }
}
