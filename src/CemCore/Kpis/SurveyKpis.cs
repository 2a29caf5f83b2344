using System.Globalization;
using CemCore.Merging;
using CemCore.Primitives;

namespace CemCore.Kpis;

/// <summary>The scale of a survey answer.</summary>
public enum SurveyKind
{
    /// <summary>Net Promoter Score question "how likely are you to recommend us", 0–10.</summary>
    Nps = 0,

    /// <summary>Customer satisfaction, 1–5.</summary>
    Csat = 1,

    /// <summary>Customer effort score, 1–7.</summary>
    Ces = 2,
}

/// <summary>One survey answer: a customer's score on one scale.</summary>
/// <remarks>Immutable. <see cref="Touchpoint"/>, <see cref="Segment"/> and <see cref="Channel"/> are optional grouping keys.</remarks>
public sealed record SurveyScore
{
    /// <summary>Creates an answer.</summary>
    /// <param name="customerId">The customer's CRM id; not blank.</param>
    /// <param name="timestamp">When it was given.</param>
    /// <param name="kind">The scale.</param>
    /// <param name="score">The score, inside the scale (<see cref="SurveyScales.Min"/> … <see cref="SurveyScales.Max"/>).</param>
    /// <param name="touchpoint">The touchpoint it is about, or <see langword="null"/>.</param>
    /// <param name="segment">The customer's segment, or <see langword="null"/>.</param>
    /// <param name="channel">The channel, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="customerId"/> is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="score"/> is outside its scale.</exception>
    public SurveyScore(string customerId, DateTimeOffset timestamp, SurveyKind kind, int score, string? touchpoint = null, string? segment = null, string? channel = null)
    {
        CustomerId = Check.NotBlank(customerId);
        Timestamp = timestamp;
        Kind = Enum.IsDefined(kind) ? kind : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown survey kind.");
        if (!SurveyScales.IsValid(kind, score))
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, string.Create(CultureInfo.InvariantCulture, $"A {kind} score must be in [{SurveyScales.Min(kind)}, {SurveyScales.Max(kind)}]."));
        }

        Score = score;
        Touchpoint = touchpoint;
        Segment = segment;
        Channel = channel;
    }

    /// <summary>Gets the customer's CRM id.</summary>
    public string CustomerId { get; }

    /// <summary>Gets when the answer was given.</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>Gets the scale.</summary>
    public SurveyKind Kind { get; }

    /// <summary>Gets the score.</summary>
    public int Score { get; }

    /// <summary>Gets the touchpoint the answer is about, or <see langword="null"/>.</summary>
    public string? Touchpoint { get; }

    /// <summary>Gets the customer's segment, or <see langword="null"/>.</summary>
    public string? Segment { get; }

    /// <summary>Gets the channel, or <see langword="null"/>.</summary>
    public string? Channel { get; }
}

/// <summary>The bounds of the survey scales: NPS 0–10, CSAT 1–5, CES 1–7.</summary>
public static class SurveyScales
{
    /// <summary>Returns the lowest score of a scale.</summary>
    /// <param name="kind">The scale.</param>
    /// <returns>0 for NPS, 1 otherwise.</returns>
    public static int Min(SurveyKind kind) => kind == SurveyKind.Nps ? 0 : 1;

    /// <summary>Returns the highest score of a scale.</summary>
    /// <param name="kind">The scale.</param>
    /// <returns>10 for NPS, 5 for CSAT, 7 for CES.</returns>
    public static int Max(SurveyKind kind) => kind switch
    {
        SurveyKind.Nps => 10,
        SurveyKind.Csat => 5,
        _ => 7,
    };

    /// <summary>Returns whether a score is inside its scale.</summary>
    /// <param name="kind">The scale.</param>
    /// <param name="score">The score.</param>
    /// <returns><see langword="true"/> when <c>Min(kind) ≤ score ≤ Max(kind)</c>.</returns>
    public static bool IsValid(SurveyKind kind, int score) => score >= Min(kind) && score <= Max(kind);
}

/// <summary>
/// Net Promoter Score: promoters answer 9–10, passives 7–8, detractors 0–6; the score in points is
/// <c>100·(promoters − detractors)/responses</c> (Reichheld, "The One Number You Need to Grow", HBR 2003).
/// </summary>
/// <remarks>
/// The confidence interval is the Wald interval of a difference of two multinomial shares: with p₊ and p₋ the promoter and detractor
/// shares, <c>Var(p₊ − p₋) = (p₊ + p₋ − (p₊ − p₋)²)/n</c>, so <c>ci = score ± z·100·√((p₊ + p₋ − (p₊ − p₋)²)/n)</c> with
/// <c>z = Φ⁻¹(0.975)</c> for 95 %. It is not clamped to [−100, 100]. Score and interval are <see langword="null"/> without responses.
/// </remarks>
/// <param name="Responses">The number of NPS answers.</param>
/// <param name="Promoters">Answers 9–10.</param>
/// <param name="Passives">Answers 7–8.</param>
/// <param name="Detractors">Answers 0–6.</param>
/// <param name="Score">The NPS in points (−100 … 100), or <see langword="null"/> without responses.</param>
/// <param name="CiLow">The lower bound of the 95 % interval, or <see langword="null"/>.</param>
/// <param name="CiHigh">The upper bound of the 95 % interval, or <see langword="null"/>.</param>
public sealed record NpsResult(long Responses, long Promoters, long Passives, long Detractors, double? Score, double? CiLow, double? CiHigh)
{
    /// <summary>Φ⁻¹(0.975), the two-sided 95 % normal quantile.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>Computes the score and its 95 % interval from counts.</summary>
    /// <param name="promoters">Answers 9–10; ≥ 0.</param>
    /// <param name="passives">Answers 7–8; ≥ 0.</param>
    /// <param name="detractors">Answers 0–6; ≥ 0.</param>
    /// <returns>The result.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public static NpsResult FromCounts(long promoters, long passives, long detractors)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(promoters);
        ArgumentOutOfRangeException.ThrowIfNegative(passives);
        ArgumentOutOfRangeException.ThrowIfNegative(detractors);
        var n = promoters + passives + detractors;
        if (n == 0)
        {
            return new NpsResult(0, 0, 0, 0, null, null, null);
        }

        var pp = (double)promoters / n;
        var pd = (double)detractors / n;
        var score = 100.0 * (promoters - detractors) / n;
        var variance = Math.Max(0.0, pp + pd - ((pp - pd) * (pp - pd)));
        var half = Z95 * 100.0 * Math.Sqrt(variance / n);
        return new NpsResult(n, promoters, passives, detractors, score, score - half, score + half);
    }
}

/// <summary>Customer satisfaction: the share of answers 4–5 ("satisfied", 0..1) and the mean answer on the 1–5 scale.</summary>
/// <param name="Responses">The number of CSAT answers.</param>
/// <param name="Satisfied">Answers 4–5.</param>
/// <param name="Score">Satisfied/responses, or <see langword="null"/> without responses.</param>
/// <param name="Mean">The mean answer, or <see langword="null"/> without responses.</param>
public sealed record CsatResult(long Responses, long Satisfied, double? Score, double? Mean);

/// <summary>Customer effort score: the mean answer on the 1–7 scale (higher = easier, as in the CES 2.0 wording).</summary>
/// <param name="Responses">The number of CES answers.</param>
/// <param name="Mean">The mean answer, or <see langword="null"/> without responses.</param>
public sealed record CesResult(long Responses, double? Mean);

/// <summary>NPS, CSAT and CES of one group of answers.</summary>
/// <param name="Nps">The NPS.</param>
/// <param name="Csat">The CSAT.</param>
/// <param name="Ces">The CES.</param>
public sealed record SurveyKpiResult(NpsResult Nps, CsatResult Csat, CesResult Ces);

/// <summary>
/// A mergeable accumulator of survey answers: a histogram of the answers on each scale. Add answers in any partition, merge the
/// partitions in any order and grouping, and <see cref="Finish"/> gives exactly the one-pass result (all state is integer counts).
/// </summary>
/// <remarks>Not thread-safe; use one accumulator per thread and merge.</remarks>
public sealed class SurveyAccumulator : IMergeable<SurveyAccumulator, SurveyKpiResult>
{
    /// <summary>The kind id of the serialized form.</summary>
    public const string KindId = "cemcore.kpis.survey";

    private readonly long[] _nps = new long[11];
    private readonly long[] _csat = new long[6];
    private readonly long[] _ces = new long[8];

    /// <summary>Adds one answer.</summary>
    /// <param name="kind">The scale.</param>
    /// <param name="score">The score inside the scale.</param>
    /// <exception cref="ArgumentOutOfRangeException">The score is outside the scale.</exception>
    public void Add(SurveyKind kind, int score)
    {
        if (!SurveyScales.IsValid(kind, score))
        {
            throw new ArgumentOutOfRangeException(nameof(score), score, string.Create(CultureInfo.InvariantCulture, $"A {kind} score must be in [{SurveyScales.Min(kind)}, {SurveyScales.Max(kind)}]."));
        }

        Histogram(kind)[score]++;
    }

    /// <summary>Adds one answer.</summary>
    /// <param name="score">The answer.</param>
    public void Add(SurveyScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        Add(score.Kind, score.Score);
    }

    /// <summary>Adds the counts of another accumulator to this one.</summary>
    /// <param name="other">The other partition.</param>
    public void Merge(SurveyAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < _nps.Length; i++)
        {
            _nps[i] += other._nps[i];
        }

        for (var i = 0; i < _csat.Length; i++)
        {
            _csat[i] += other._csat[i];
        }

        for (var i = 0; i < _ces.Length; i++)
        {
            _ces[i] += other._ces[i];
        }
    }

    /// <inheritdoc/>
    /// <remarks>Version 1, no settings (fingerprint of the empty text). Payload: 11 NPS, 6 CSAT and 8 CES histogram counts (int64; index = score).</remarks>
    public PartialFormat Format { get; } = PartialFormat.WithoutSettings(KindId);

    /// <inheritdoc/>
    public SurveyAccumulator MergeWith(SurveyAccumulator other) => PartialFormat.Fold(this, other, Merge);

    /// <inheritdoc/>
    public void WriteTo(Stream stream)
    {
        using var w = PartialIO.BeginWrite(stream, Format);
        foreach (var h in (long[][])[_nps, _csat, _ces])
        {
            foreach (var n in h)
            {
                w.Write(n);
            }
        }
    }

    /// <inheritdoc/>
    public static SurveyAccumulator ReadFrom(Stream stream) => PartialIO.Read(stream, KindId, 1, static r =>
    {
        var acc = new SurveyAccumulator();
        foreach (var h in (long[][])[acc._nps, acc._csat, acc._ces])
        {
            for (var i = 0; i < h.Length; i++)
            {
                h[i] = r.ReadNonNegative("answer count");
            }
        }

        return acc;
    });

    /// <summary>Computes NPS, CSAT and CES of the answers added so far.</summary>
    /// <returns>The result.</returns>
    public SurveyKpiResult Finish()
    {
        long promoters = _nps[9] + _nps[10], passives = _nps[7] + _nps[8], detractors = 0;
        for (var i = 0; i <= 6; i++)
        {
            detractors += _nps[i];
        }

        var (csatN, csatSum) = Sum(_csat);
        var (cesN, cesSum) = Sum(_ces);
        var satisfied = _csat[4] + _csat[5];
        return new SurveyKpiResult(
            NpsResult.FromCounts(promoters, passives, detractors),
            new CsatResult(csatN, satisfied, csatN == 0 ? null : (double)satisfied / csatN, csatN == 0 ? null : (double)csatSum / csatN),
            new CesResult(cesN, cesN == 0 ? null : (double)cesSum / cesN));
    }

    /// <summary>Computes the KPIs of a set of answers in one pass.</summary>
    /// <param name="scores">The answers.</param>
    /// <returns>The result.</returns>
    public static SurveyKpiResult Compute(IEnumerable<SurveyScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var acc = new SurveyAccumulator();
        foreach (var s in scores)
        {
            acc.Add(s);
        }

        return acc.Finish();
    }

    /// <summary>Computes the KPIs per group (touchpoint, segment, channel, period …), groups in ordinal key order.</summary>
    /// <param name="scores">The answers.</param>
    /// <param name="key">The group of an answer; answers with a <see langword="null"/> key are skipped.</param>
    /// <returns>The result of every group.</returns>
    public static IReadOnlyList<KeyValuePair<string, SurveyKpiResult>> ComputeBy(IEnumerable<SurveyScore> scores, Func<SurveyScore, string?> key)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(key);
        var groups = new SortedDictionary<string, SurveyAccumulator>(StringComparer.Ordinal);
        foreach (var s in scores)
        {
            if (key(s) is not { } k)
            {
                continue;
            }

            if (!groups.TryGetValue(k, out var acc))
            {
                acc = new SurveyAccumulator();
                groups.Add(k, acc);
            }

            acc.Add(s);
        }

        return groups.Select(g => new KeyValuePair<string, SurveyKpiResult>(g.Key, g.Value.Finish())).ToArray();
    }

    private static (long N, long Sum) Sum(long[] histogram)
    {
        long n = 0, sum = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            n += histogram[i];
            sum += histogram[i] * i;
        }

        return (n, sum);
    }

    private long[] Histogram(SurveyKind kind) => kind switch
    {
        SurveyKind.Nps => _nps,
        SurveyKind.Csat => _csat,
        _ => _ces,
    };
}
