using System.Diagnostics.CodeAnalysis;
using CemCore.Customers;
using CemCore.Features;
using CemCore.Lifecycle;
using CemCore.Primitives;
using CemCore.Transactions;

namespace CemCore.Rules;

/// <summary>The latest return of a customer, as a fact rules can look at (<c>event.lastReturn.*</c>).</summary>
/// <remarks>The default value is a return with no reason, at <see cref="DateTimeOffset.MinValue"/>, without category.</remarks>
/// <param name="Reason">Why the goods were returned.</param>
/// <param name="At">When the return was recorded.</param>
/// <param name="Category">The product category returned, or <see langword="null"/> when unknown.</param>
public readonly record struct ReturnFact(ReturnReason Reason, DateTimeOffset At, string? Category = null);

/// <summary>The latest survey answer of a customer, as a fact rules can look at (<c>survey.*</c>).</summary>
/// <remarks>The default value is an answer without scores at <see cref="DateTimeOffset.MinValue"/>.</remarks>
/// <param name="Nps">Net Promoter answer in [0, 10], or <see langword="null"/>.</param>
/// <param name="Csat">Satisfaction in [1, 5], or <see langword="null"/>.</param>
/// <param name="At">When it was answered.</param>
public readonly record struct SurveyFact(int? Nps, int? Csat, DateTimeOffset At);

/// <summary>The customer's feedback state, as facts rules can look at (<c>feedback.*</c>); see <c>CemCore.Feedback.FeedbackLoop.Facts</c>.</summary>
/// <param name="LastNps">The NPS answer (0-10) of the latest response that has one, or <see langword="null"/>.</param>
/// <param name="OpenComplaints">Service tickets opened and not resolved at the as-of instant (0 or more).</param>
/// <param name="LastTouchpointCsat">The CSAT answer (1-5) given about the latest touchpoint surveyed, or <see langword="null"/>.</param>
/// <param name="LastTouchpoint">The latest touchpoint surveyed (such as <see cref="Journeys.Touchpoint.Delivery"/>), or <see langword="null"/>.</param>
public readonly record struct FeedbackFact(int? LastNps, int OpenComplaints, int? LastTouchpointCsat, Journeys.Touchpoint? LastTouchpoint);

/// <summary>
/// Everything a rule may look at for one customer: profile, features, the as-of instant, model outputs (RFM segment, lifecycle stage,
/// churn probability, P(alive), predicted CLV), recent events (latest return, latest survey, cart abandonment) and host-defined custom facts.
/// </summary>
/// <remarks>
/// <para><b>Reusable, not immutable.</b> A batch over millions of customers fills one context per thread with <see cref="Reset"/> and the
/// <c>Set…</c> methods, so evaluation allocates nothing per customer (an immutable context would cost one object per customer and
/// decision). Not thread-safe: use one instance per thread, and do not change it while a rule evaluates it.</para>
/// <para>Every optional fact starts absent after <see cref="Reset"/>. A condition on an absent fact is false (only <c>missing</c>
/// holds); see <c>docs/rules.md</c>.</para>
/// <para>Custom facts are stored in small dictionaries whose capacity is kept across <see cref="Reset"/>, so refilling the same names
/// does not allocate.</para>
/// </remarks>
public sealed class CustomerContext
{
    private readonly Dictionary<string, double> _numbers = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, string> _texts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The backing field of <see cref="AsOf"/>: a field, so that <see cref="PrefetchAhead"/> can find the object's lines.</summary>
    private DateTimeOffset _asOf;

    /// <summary>Creates an empty context (no profile, no features, as-of <see cref="DateTimeOffset.MinValue"/>).</summary>
    public CustomerContext()
    {
    }

    /// <summary>Creates a context for one customer.</summary>
    /// <param name="profile">The CRM profile, or <see langword="null"/> when unknown (all <c>profile.*</c> fields are then missing).</param>
    /// <param name="features">The features, or <see langword="null"/> (all <c>features.*</c> fields are then missing).</param>
    /// <param name="asOf">The instant at which rules are evaluated; time windows such as "within the last 90 days" end here.</param>
    public CustomerContext(CustomerProfile? profile, CustomerFeatures? features, DateTimeOffset asOf) => Reset(profile, features, asOf);

    /// <summary>Gets the CRM profile, or <see langword="null"/>.</summary>
    public CustomerProfile? Profile { get; private set; }

    /// <summary>Gets the features, or <see langword="null"/>.</summary>
    /// <remarks><c>features.*</c> values such as <c>recencyDays</c> are taken as of <see cref="CustomerFeatures.AsOf"/>, which may differ from
    /// <see cref="AsOf"/> (nightly features, intraday decisions).</remarks>
    public CustomerFeatures? Features { get; private set; }

    /// <summary>Gets the evaluation instant: time-window conditions (<c>withinLastDays</c>, <c>olderThanDays</c>) are measured back from it.</summary>
    public DateTimeOffset AsOf { get => _asOf; private set => _asOf = value; }

    /// <summary>Gets the RFM segment name (<c>segment.rfm</c>), or <see langword="null"/>.</summary>
    public string? RfmSegment { get; private set; }

    /// <summary>Gets the lifecycle stage (<c>lifecycle.stage</c>), or <see langword="null"/>.</summary>
    public LifecycleStage? LifecycleStage { get; private set; }

    /// <summary>Gets the churn probability in [0, 1] (<c>churn.probability</c>), or <see langword="null"/>.</summary>
    public double? ChurnProbability { get; private set; }

    /// <summary>Gets the predicted uplift in [−1, 1] (<c>uplift.score</c>), or <see langword="null"/>.</summary>
    public double? UpliftScore { get; private set; }

    /// <summary>Gets the uplift decile, 1 (highest uplift) to 10 (<c>uplift.decile</c>), or <see langword="null"/>.</summary>
    public int? UpliftDecile { get; private set; }

    /// <summary>Gets the probability that the customer is still alive in [0, 1] (<c>clv.pAlive</c>), or <see langword="null"/>.</summary>
    public double? ProbabilityAlive { get; private set; }

    /// <summary>Gets the predicted customer lifetime value in the data's currency (<c>clv.predicted</c>), or <see langword="null"/>.</summary>
    public decimal? PredictedClv { get; private set; }

    /// <summary>Gets the latest return (<c>event.lastReturn.*</c>), or <see langword="null"/>.</summary>
    public ReturnFact? LastReturn { get; private set; }

    /// <summary>Gets the latest survey answer (<c>survey.*</c>), or <see langword="null"/>.</summary>
    public SurveyFact? LastSurvey { get; private set; }

    /// <summary>Gets when the customer last abandoned a cart (<c>event.cartAbandonedAt</c>), or <see langword="null"/>.</summary>
    public DateTimeOffset? CartAbandonedAt { get; private set; }

    /// <summary>Gets the feedback state (<c>feedback.*</c>), or <see langword="null"/>.</summary>
    public FeedbackFact? LastFeedback { get; private set; }

    /// <summary>
    /// Prefetch hints for a batch loop over <paramref name="contexts"/> that is at <paramref name="index"/> (issue 17; see
    /// <see cref="CachePrefetch"/>): the context four places ahead, and the profile and features of the one two places ahead (whose
    /// context was asked for two steps earlier, so reading its references does not wait). Changes nothing; does nothing off x86.
    /// </summary>
    /// <param name="contexts">The contexts the loop goes through in order.</param>
    /// <param name="index">The index the loop is deciding now.</param>
    internal static void PrefetchAhead(IReadOnlyList<CustomerContext?> contexts, int index)
    {
        if (!CachePrefetch.IsSupported)
        {
            return;
        }

        var n = contexts.Count;
        if (n - index > ContextDistance)
        {
            contexts[index + ContextDistance]?.PrefetchObject();
        }

        if (n - index > ReferencedDistance && contexts[index + ReferencedDistance] is { } c)
        {
            c.Profile?.PrefetchObject();
            c.Features?.PrefetchObject();
        }
    }

    /// <summary>How far ahead <see cref="PrefetchAhead"/> asks for a context (customers; with <see cref="ReferencedDistance"/>, 4 and 2 and 3 and 1 were the best of the pairs tried from (2, 1) to (16, 8) on the 1M-customer decision benchmark).</summary>
    private const int ContextDistance = 4;

    /// <summary>How far ahead <see cref="PrefetchAhead"/> asks for a context's profile and features.</summary>
    private const int ReferencedDistance = 2;

    /// <summary>Asks for this object's cache lines (the references before <see cref="_asOf"/> and the values after it).</summary>
    private unsafe void PrefetchObject()
    {
        fixed (DateTimeOffset* p = &_asOf)
        {
            CachePrefetch.Lines(p, 1, 2);
        }
    }

    /// <summary>Starts over for another customer: sets profile, features and as-of, and clears every optional fact and custom fact.</summary>
    /// <param name="profile">The CRM profile, or <see langword="null"/>.</param>
    /// <param name="features">The features, or <see langword="null"/>.</param>
    /// <param name="asOf">The evaluation instant.</param>
    /// <returns>This context, for chaining.</returns>
    public CustomerContext Reset(CustomerProfile? profile, CustomerFeatures? features, DateTimeOffset asOf)
    {
        Profile = profile;
        Features = features;
        AsOf = asOf;
        RfmSegment = null;
        LifecycleStage = null;
        ChurnProbability = null;
        UpliftScore = null;
        UpliftDecile = null;
        ProbabilityAlive = null;
        PredictedClv = null;
        LastReturn = null;
        LastSurvey = null;
        CartAbandonedAt = null;
        LastFeedback = null;
        if (_numbers.Count > 0)
        {
            _numbers.Clear();
        }

        if (_texts.Count > 0)
        {
            _texts.Clear();
        }

        return this;
    }

    /// <summary>Sets the RFM segment name; <see langword="null"/> or blank clears it.</summary>
    /// <param name="segment">The segment name such as <c>"Champions"</c>.</param>
    /// <returns>This context.</returns>
    public CustomerContext SetRfmSegment(string? segment)
    {
        RfmSegment = string.IsNullOrWhiteSpace(segment) ? null : segment;
        return this;
    }

    /// <summary>Sets the lifecycle stage; <see langword="null"/> clears it.</summary>
    /// <param name="stage">The stage.</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stage"/> is not a defined value.</exception>
    public CustomerContext SetLifecycleStage(LifecycleStage? stage)
    {
        if (stage is { } s && !Enum.IsDefined(s))
        {
            throw new ArgumentOutOfRangeException(nameof(stage), s, "Expected a defined LifecycleStage value.");
        }

        LifecycleStage = stage;
        return this;
    }

    /// <summary>Sets the churn probability; <see langword="null"/> clears it.</summary>
    /// <param name="probability">A probability in [0, 1].</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or outside [0, 1].</exception>
    public CustomerContext SetChurnProbability(double? probability)
    {
        ChurnProbability = probability is { } p ? Check.Probability(p, nameof(probability)) : null;
        return this;
    }

    /// <summary>Sets the predicted uplift of a promotion and its decile (see <c>CemCore.Uplift.UpliftTargeting</c>); <see langword="null"/> clears either.</summary>
    /// <param name="score">The uplift <c>P(buy | promoted) − P(buy | not promoted)</c> in [−1, 1].</param>
    /// <param name="decile">The uplift decile in [1, 10], 1 = the highest uplift.</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The score is NaN or outside [−1, 1], or the decile is outside [1, 10].</exception>
    public CustomerContext SetUplift(double? score, int? decile)
    {
        if (score is { } s && s is not (>= -1 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(score), s, "The uplift must be in [-1, 1].");
        }

        if (decile is { } d && d is not (>= 1 and <= 10))
        {
            throw new ArgumentOutOfRangeException(nameof(decile), d, "The uplift decile must be in [1, 10].");
        }

        UpliftScore = score;
        UpliftDecile = decile;
        return this;
    }

    /// <summary>Sets P(alive) from a BTYD model; <see langword="null"/> clears it.</summary>
    /// <param name="probability">A probability in [0, 1].</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is NaN or outside [0, 1].</exception>
    public CustomerContext SetProbabilityAlive(double? probability)
    {
        ProbabilityAlive = probability is { } p ? Check.Probability(p, nameof(probability)) : null;
        return this;
    }

    /// <summary>Sets the predicted customer lifetime value; <see langword="null"/> clears it.</summary>
    /// <param name="value">The predicted value in the data's currency (may be zero; negative values are rejected).</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public CustomerContext SetPredictedClv(decimal? value)
    {
        PredictedClv = value is { } v ? Check.NonNegative(v, nameof(value)) : null;
        return this;
    }

    /// <summary>Sets the latest return; <see langword="null"/> clears it.</summary>
    /// <param name="lastReturn">The return.</param>
    /// <returns>This context.</returns>
    public CustomerContext SetLastReturn(ReturnFact? lastReturn)
    {
        LastReturn = lastReturn;
        return this;
    }

    /// <summary>Sets the latest survey answer; <see langword="null"/> clears it.</summary>
    /// <param name="lastSurvey">The answer.</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside its range (NPS [0, 10], CSAT [1, 5]).</exception>
    public CustomerContext SetLastSurvey(SurveyFact? lastSurvey)
    {
        if (lastSurvey is { } s)
        {
            if (s.Nps is { } nps && nps is not (>= Feedback.SurveyResponse.MinNps and <= Feedback.SurveyResponse.MaxNps))
            {
                throw new ArgumentOutOfRangeException(nameof(lastSurvey), nps, "NPS must be in [0, 10].");
            }

            if (s.Csat is { } csat && csat is not (>= Feedback.SurveyResponse.MinCsat and <= Feedback.SurveyResponse.MaxCsat))
            {
                throw new ArgumentOutOfRangeException(nameof(lastSurvey), csat, "CSAT must be in [1, 5].");
            }
        }

        LastSurvey = lastSurvey;
        return this;
    }

    /// <summary>Sets when the customer last abandoned a cart; <see langword="null"/> clears it.</summary>
    /// <param name="at">The instant.</param>
    /// <returns>This context.</returns>
    public CustomerContext SetCartAbandonedAt(DateTimeOffset? at)
    {
        CartAbandonedAt = at;
        return this;
    }

    /// <summary>Sets the feedback state; <see langword="null"/> clears it.</summary>
    /// <param name="feedback">The feedback facts.</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A score is outside its range (NPS [0, 10], CSAT [1, 5]), the complaint count is
    /// negative, or the touchpoint is undefined.</exception>
    public CustomerContext SetFeedback(FeedbackFact? feedback)
    {
        if (feedback is { } f)
        {
            if (f.LastNps is { } nps && nps is not (>= CemCore.Feedback.SurveyResponse.MinNps and <= CemCore.Feedback.SurveyResponse.MaxNps))
            {
                throw new ArgumentOutOfRangeException(nameof(feedback), nps, "NPS must be in [0, 10].");
            }

            if (f.LastTouchpointCsat is { } csat && csat is not (>= CemCore.Feedback.SurveyResponse.MinCsat and <= CemCore.Feedback.SurveyResponse.MaxCsat))
            {
                throw new ArgumentOutOfRangeException(nameof(feedback), csat, "CSAT must be in [1, 5].");
            }

            if (f.OpenComplaints < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(feedback), f.OpenComplaints, "Open complaints must not be negative.");
            }

            if (f.LastTouchpoint is { } t && !Enum.IsDefined(t))
            {
                throw new ArgumentOutOfRangeException(nameof(feedback), t, "Unknown touchpoint.");
            }
        }

        LastFeedback = feedback;
        return this;
    }

    /// <summary>Sets a numeric custom fact (<c>custom.&lt;name&gt;</c>; names compare case-insensitively).</summary>
    /// <param name="name">The fact name, declared with <see cref="FieldRegistry.WithCustomNumber"/>.</param>
    /// <param name="value">A finite value.</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is blank.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is NaN or infinite.</exception>
    public CustomerContext SetNumber(string name, double value)
    {
        Check.NotBlank(name);
        Check.Finite(value);
        _numbers[name] = value;
        return this;
    }

    /// <summary>Sets a text custom fact (<c>custom.&lt;name&gt;</c>); <see langword="null"/> or empty removes it.</summary>
    /// <param name="name">The fact name, declared with <see cref="FieldRegistry.WithCustomText"/>.</param>
    /// <param name="value">The value.</param>
    /// <returns>This context.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is blank.</exception>
    public CustomerContext SetText(string name, string? value)
    {
        Check.NotBlank(name);
        if (string.IsNullOrEmpty(value))
        {
            _texts.Remove(name);
        }
        else
        {
            _texts[name] = value;
        }

        return this;
    }

    /// <summary>Gets a numeric custom fact.</summary>
    /// <param name="name">The fact name.</param>
    /// <param name="value">The value when set.</param>
    /// <returns><see langword="true"/> when set.</returns>
    public bool TryGetNumber(string name, out double value) => _numbers.TryGetValue(name, out value);

    /// <summary>Gets a text custom fact.</summary>
    /// <param name="name">The fact name.</param>
    /// <param name="value">The value when set.</param>
    /// <returns><see langword="true"/> when set.</returns>
    public bool TryGetText(string name, [NotNullWhen(true)] out string? value) => _texts.TryGetValue(name, out value);
}
