using System.Globalization;
using CemCore.Primitives;

namespace CemCore.Loyalty;

/// <summary>What a member-recruitment event records.</summary>
public enum MemberEventKind
{
    /// <summary>A visit (store, app, mini-program, web) by a customer, member or not.</summary>
    Visit = 0,

    /// <summary>The customer joined the membership programme.</summary>
    SignUp = 1,

    /// <summary>A purchase (a guest purchase before the sign-up, a member purchase from it on).</summary>
    Purchase = 2,
}

/// <summary>One event of the non-member → member funnel.</summary>
/// <param name="CustomerId">The customer (a visitor id before sign-up is fine as long as it is the same after); not blank.</param>
/// <param name="At">When it happened.</param>
/// <param name="Kind">Visit, sign-up or purchase.</param>
/// <param name="Channel">Where it happened (e.g. store, wechat, app); the first event's channel is the customer's acquisition channel.</param>
public sealed record MemberEvent(string CustomerId, DateTimeOffset At, MemberEventKind Kind, string? Channel = null);

/// <summary>One row of the member funnel (all customers, one acquisition channel or one cohort).</summary>
/// <param name="Group">"all", the channel, or the cohort (UTC month of the first contact, <c>yyyy-MM</c>).</param>
/// <param name="Visitors">Customers with at least one event (stage 1: first contact).</param>
/// <param name="Members">Of them, customers who signed up (stage 2).</param>
/// <param name="MemberPurchasers">Of them, members with a purchase at or after their sign-up (stage 3).</param>
/// <param name="SignUpRate">Members / visitors; null without visitors.</param>
/// <param name="FirstPurchaseRate">Member purchasers / members; null without members.</param>
/// <param name="OverallRate">Member purchasers / visitors; null without visitors.</param>
/// <param name="MedianDaysToSignUp">Median days from first contact to sign-up over members; null without members.</param>
/// <param name="MedianDaysToFirstPurchase">Median days from sign-up to the first member purchase over member purchasers; null without any.</param>
public sealed record MemberFunnelRow(
    string Group,
    int Visitors,
    int Members,
    int MemberPurchasers,
    double? SignUpRate,
    double? FirstPurchaseRate,
    double? OverallRate,
    double? MedianDaysToSignUp,
    double? MedianDaysToFirstPurchase);

/// <summary>The member funnel: all customers, per acquisition channel and per cohort (both ordinally sorted).</summary>
/// <param name="Total">All customers.</param>
/// <param name="ByChannel">Per acquisition channel (the first event's channel; "unknown" when it has none).</param>
/// <param name="ByCohort">Per cohort (UTC month of the first contact).</param>
public sealed record MemberFunnelReport(MemberFunnelRow Total, IReadOnlyList<MemberFunnelRow> ByChannel, IReadOnlyList<MemberFunnelRow> ByCohort);

/// <summary>A customer's membership status at an instant: what the conversion offers look at (<see cref="MemberFields"/>).</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="IsMember">Whether the customer signed up before the instant.</param>
/// <param name="SignedUpAt">The sign-up instant; null for a non-member.</param>
/// <param name="DaysSinceSignUp">Days from the sign-up to the instant (fractional); null for a non-member.</param>
/// <param name="RecentVisits">Visits in the recent window before the instant.</param>
/// <param name="GuestPurchases">Purchases before the sign-up (all purchases of a non-member).</param>
/// <param name="MemberPurchases">Purchases at or after the sign-up.</param>
public sealed record MemberStatus(string CustomerId, bool IsMember, DateTimeOffset? SignedUpAt, double? DaysSinceSignUp, int RecentVisits, int GuestPurchases, int MemberPurchases);

/// <summary>
/// Member recruitment (issue 9): the non-member → member conversion funnel — first contact, sign-up, first member purchase — with
/// stage-to-stage conversion rates and median times to convert, per acquisition channel and per cohort, and the per-customer
/// <see cref="MemberStatus"/> the conversion offers use. Conventions in docs/loyalty.md ("Member recruitment").
/// </summary>
/// <remarks>
/// Only events strictly before <c>asOf</c> count. A customer's first contact is their earliest event of any kind (a visit, a guest
/// purchase or the sign-up itself); the sign-up is their earliest sign-up event (later ones are ignored); the first member purchase is
/// their earliest purchase at or after the sign-up. Times are in days (ticks / ticks per day). The median of an even count is the mean
/// of the two middle values.
/// </remarks>
public static class MemberFunnel
{
    /// <summary>The channel name of a first contact without a channel.</summary>
    public const string UnknownChannel = "unknown";

    /// <summary>Computes the funnel.</summary>
    /// <param name="events">The events, in any order.</param>
    /// <param name="asOf">Events at or after this instant are ignored.</param>
    /// <returns>The funnel: all customers, per channel, per cohort.</returns>
    /// <exception cref="ArgumentException">An event has a blank customer id or an undefined kind.</exception>
    public static MemberFunnelReport Compute(IEnumerable<MemberEvent> events, DateTimeOffset asOf)
    {
        var journeys = Journeys(events, asOf);
        var all = journeys.Values.ToList();
        var byChannel = all.GroupBy(j => j.Channel, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Row(g.Key, [.. g])).ToList();
        var byCohort = all.GroupBy(j => j.Cohort, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Row(g.Key, [.. g])).ToList();
        return new MemberFunnelReport(Row("all", all), byChannel, byCohort);
    }

    /// <summary>Returns every customer's status at <paramref name="asOf"/>, by customer id (ordinal).</summary>
    /// <param name="events">The events, in any order.</param>
    /// <param name="asOf">The instant (events at or after it are ignored).</param>
    /// <param name="recentDays">The window of <see cref="MemberStatus.RecentVisits"/>: visits in [asOf − recentDays, asOf); at least 1.</param>
    /// <returns>The statuses.</returns>
    /// <exception cref="ArgumentException">An event has a blank customer id or an undefined kind, or <paramref name="recentDays"/> &lt; 1.</exception>
    public static IReadOnlyDictionary<string, MemberStatus> Statuses(IEnumerable<MemberEvent> events, DateTimeOffset asOf, int recentDays = 30)
    {
        if (recentDays < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(recentDays), recentDays, "recentDays must be at least 1.");
        }

        var recentFrom = asOf.UtcTicks - (recentDays * TimeSpan.TicksPerDay);
        var result = new SortedDictionary<string, MemberStatus>(StringComparer.Ordinal);
        foreach (var (id, j) in Journeys(events, asOf))
        {
            var visits = j.Visits.Count(t => t >= recentFrom);
            var guest = j.Purchases.Count(t => j.SignUp is not { } s || t < s);
            var member = j.Purchases.Count - guest;
            result[id] = j.SignUp is { } signUp
                ? new MemberStatus(id, true, new DateTimeOffset(signUp, TimeSpan.Zero), Days(asOf.UtcTicks - signUp), visits, guest, member)
                : new MemberStatus(id, false, null, null, visits, guest, 0);
        }

        return result;
    }

    private static Dictionary<string, Journey> Journeys(IEnumerable<MemberEvent> events, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(events);
        var limit = asOf.UtcTicks;
        var journeys = new Dictionary<string, Journey>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            ArgumentNullException.ThrowIfNull(e);
            Check.NotBlank(e.CustomerId, nameof(events));
            if (!Enum.IsDefined(e.Kind))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Unknown member event kind {(int)e.Kind}."), nameof(events));
            }

            var t = e.At.UtcTicks;
            if (t >= limit)
            {
                continue;
            }

            if (!journeys.TryGetValue(e.CustomerId, out var j))
            {
                j = new Journey();
                journeys.Add(e.CustomerId, j);
            }

            if (t < j.FirstContact)
            {
                j.FirstContact = t;
                j.Channel = string.IsNullOrWhiteSpace(e.Channel) ? UnknownChannel : e.Channel.Trim();
            }

            switch (e.Kind)
            {
                case MemberEventKind.Visit:
                    j.Visits.Add(t);
                    break;
                case MemberEventKind.SignUp:
                    j.SignUp = j.SignUp is { } s ? Math.Min(s, t) : t;
                    break;
                default:
                    j.Purchases.Add(t);
                    break;
            }
        }

        return journeys;
    }

    private static MemberFunnelRow Row(string group, List<Journey> journeys)
    {
        var toSignUp = new List<double>();
        var toPurchase = new List<double>();
        foreach (var j in journeys)
        {
            if (j.SignUp is not { } s)
            {
                continue;
            }

            toSignUp.Add(Days(s - j.FirstContact));
            var first = long.MaxValue;
            foreach (var p in j.Purchases)
            {
                if (p >= s && p < first)
                {
                    first = p;
                }
            }

            if (first != long.MaxValue)
            {
                toPurchase.Add(Days(first - s));
            }
        }

        var visitors = journeys.Count;
        var members = toSignUp.Count;
        var purchasers = toPurchase.Count;
        return new MemberFunnelRow(
            group,
            visitors,
            members,
            purchasers,
            Rate(members, visitors),
            Rate(purchasers, members),
            Rate(purchasers, visitors),
            Median(toSignUp),
            Median(toPurchase));
    }

    private static double? Rate(int part, int whole) => whole == 0 ? null : (double)part / whole;

    private static double Days(long ticks) => (double)ticks / TimeSpan.TicksPerDay;

    private static double? Median(List<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        values.Sort();
        var mid = values.Count / 2;
        return values.Count % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }

    private sealed class Journey
    {
        public long FirstContact { get; set; } = long.MaxValue;

        public string Channel { get; set; } = UnknownChannel;

        public string Cohort => new DateTimeOffset(FirstContact, TimeSpan.Zero).ToString("yyyy-MM", CultureInfo.InvariantCulture);

        public long? SignUp { get; set; }

        public List<long> Visits { get; } = [];

        public List<long> Purchases { get; } = [];
    }
}
