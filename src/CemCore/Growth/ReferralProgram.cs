using System.Security.Cryptography;
using CemCore.Loyalty;
using CemCore.Primitives;

namespace CemCore.Growth;

/// <summary>Why an attribution was refused (or that it was accepted).</summary>
public enum AttributionOutcome
{
    /// <summary>The new customer is attributed to the referrer.</summary>
    Attributed = 0,

    /// <summary>The code is malformed (check symbol) or was never issued.</summary>
    InvalidCode = 1,

    /// <summary>The referrer used their own code.</summary>
    SelfReferral = 2,

    /// <summary>The new customer shares a payment, address or device fingerprint with the referrer.</summary>
    SharedFingerprint = 3,

    /// <summary>The referrer reached the velocity cap (attributions in the rolling window).</summary>
    VelocityCap = 4,

    /// <summary>The new customer was already attributed (to anyone).</summary>
    AlreadyAttributed = 5,
}

/// <summary>Fingerprints supplied by the host (hashes of payment instrument, address, device); any may be null.</summary>
/// <param name="Payment">Payment instrument hash.</param>
/// <param name="Address">Address hash.</param>
/// <param name="Device">Device hash.</param>
public sealed record Fingerprint(string? Payment = null, string? Address = null, string? Device = null);

/// <summary>The referral funnel and viral coefficient of one cohort of referrers.</summary>
/// <param name="Cohort">The cohort key (e.g. the referrers' sign-up month).</param>
/// <param name="Members">Members of the cohort with a code.</param>
/// <param name="Invitations">Invitations sent.</param>
/// <param name="Attributions">New customers attributed.</param>
/// <param name="Conversions">Referees who made a qualifying first purchase (not returned).</param>
/// <param name="InvitationsPerMember">Invitations / members.</param>
/// <param name="ConversionRate">Conversions / invitations (null without invitations).</param>
/// <param name="KFactor">Invitations per member × conversion rate (= conversions / members); null without members.</param>
public sealed record ReferralFunnel(string Cohort, int Members, int Invitations, int Attributions, int Conversions, double InvitationsPerMember, double? ConversionRate, double? KFactor);

/// <summary>
/// Referrals ("invite a friend", 用户裂变): per-member codes, attribution with anti-abuse rules, rewards for both sides on the referee's
/// first qualifying purchase (as idempotent ledger postings the host appends), clawed back when that order is returned, and the funnel
/// with the K-factor per cohort. Thread-safe (one lock).
/// </summary>
public sealed class ReferralProgram
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _codeToMember = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Referee> _referees = new(StringComparer.Ordinal);
    private readonly RandomNumberGenerator? _random;

    /// <summary>Creates a program.</summary>
    /// <param name="referrerPoints">Points for the referrer (&gt; 0).</param>
    /// <param name="refereePoints">Points for the new customer (&gt; 0).</param>
    /// <param name="minimumOrder">Minimum amount of a qualifying first purchase.</param>
    /// <param name="velocityCap">Maximum attributions per referrer in <paramref name="velocityWindow"/>.</param>
    /// <param name="velocityWindow">The velocity window (default 1 day).</param>
    /// <param name="random">Random source for codes (default: the OS CSPRNG).</param>
    public ReferralProgram(long referrerPoints, long refereePoints, decimal minimumOrder = 0m, int velocityCap = 20, TimeSpan? velocityWindow = null, RandomNumberGenerator? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(referrerPoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(refereePoints, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(velocityCap, 1);
        ReferrerPoints = referrerPoints;
        RefereePoints = refereePoints;
        MinimumOrder = minimumOrder;
        VelocityCap = velocityCap;
        VelocityWindow = velocityWindow ?? TimeSpan.FromDays(1);
        _random = random;
    }

    /// <summary>Gets the referrer's reward.</summary>
    public long ReferrerPoints { get; }

    /// <summary>Gets the referee's reward.</summary>
    public long RefereePoints { get; }

    /// <summary>Gets the minimum qualifying order.</summary>
    public decimal MinimumOrder { get; }

    /// <summary>Gets the velocity cap.</summary>
    public int VelocityCap { get; }

    /// <summary>Gets the velocity window.</summary>
    public TimeSpan VelocityWindow { get; }

    /// <summary>Returns the member's code, issuing one at the first call.</summary>
    /// <param name="memberId">The member.</param>
    /// <param name="cohort">The member's cohort for the funnel (e.g. sign-up month).</param>
    /// <param name="fingerprint">The member's own fingerprints.</param>
    public string IssueCode(string memberId, string cohort, Fingerprint? fingerprint = null)
    {
        Check.NotBlank(memberId);
        Check.NotBlank(cohort);
        lock (_gate)
        {
            if (_members.TryGetValue(memberId, out var m))
            {
                return m.Code;
            }

            string code;
            do
            {
                code = ReferralCode.Create(_random);
            }
            while (_codeToMember.ContainsKey(code));

            _codeToMember.Add(code, memberId);
            _members.Add(memberId, new Member(memberId, cohort, code, fingerprint ?? new Fingerprint()));
            return code;
        }
    }

    /// <summary>Records an invitation sent by a member (for the funnel).</summary>
    /// <param name="memberId">The member (must have a code).</param>
    public void RecordInvitation(string memberId)
    {
        lock (_gate)
        {
            Get(memberId).Invitations++;
        }
    }

    /// <summary>Attributes a new customer to the owner of <paramref name="typedCode"/>, with the anti-abuse rules.</summary>
    /// <param name="newCustomerId">The new customer.</param>
    /// <param name="typedCode">The code as typed.</param>
    /// <param name="fingerprint">The new customer's fingerprints.</param>
    /// <param name="at">When.</param>
    public AttributionOutcome Attribute(string newCustomerId, string typedCode, Fingerprint fingerprint, DateTimeOffset at)
    {
        Check.NotBlank(newCustomerId);
        ArgumentNullException.ThrowIfNull(fingerprint);
        lock (_gate)
        {
            if (!ReferralCode.TryNormalize(typedCode, out var code) || !_codeToMember.TryGetValue(code, out var referrerId))
            {
                return AttributionOutcome.InvalidCode;
            }

            if (string.Equals(referrerId, newCustomerId, StringComparison.Ordinal))
            {
                return AttributionOutcome.SelfReferral;
            }

            if (_referees.ContainsKey(newCustomerId))
            {
                return AttributionOutcome.AlreadyAttributed;
            }

            var referrer = _members[referrerId];
            if (Shares(referrer.Fingerprint, fingerprint))
            {
                return AttributionOutcome.SharedFingerprint;
            }

            var since = at - VelocityWindow;
            referrer.Recent.RemoveAll(t => t <= since);
            if (referrer.Recent.Count >= VelocityCap)
            {
                return AttributionOutcome.VelocityCap;
            }

            referrer.Recent.Add(at);
            referrer.Attributions++;
            _referees.Add(newCustomerId, new Referee(referrerId));
            return AttributionOutcome.Attributed;
        }
    }

    /// <summary>
    /// On a referee's purchase: the first one of at least <see cref="MinimumOrder"/> rewards both sides. Returns the two earn postings
    /// (keys <c>referral:&lt;referee&gt;:referrer</c> and <c>:referee</c>, order id <c>referral:&lt;order&gt;</c>) for the host to
    /// append to its <see cref="ILoyaltyStore"/> (idempotent), or nothing.
    /// </summary>
    /// <param name="refereeId">The customer.</param>
    /// <param name="orderId">The order.</param>
    /// <param name="amount">The order amount.</param>
    /// <param name="at">When.</param>
    public IReadOnlyList<LoyaltyPosting> OnPurchase(string refereeId, string orderId, decimal amount, DateTimeOffset at)
    {
        Check.NotBlank(orderId);
        lock (_gate)
        {
            if (!_referees.TryGetValue(refereeId, out var r) || r.QualifyingOrder is not null || amount < MinimumOrder)
            {
                return [];
            }

            r.QualifyingOrder = orderId;
            var m = _members[r.ReferrerId];
            m.Conversions++;
            return
            [
                new LoyaltyPosting($"referral:{refereeId}:referrer", r.ReferrerId, at, PostingKind.Earn, ReferrerPoints, "referral:" + orderId, null, "referral reward"),
                new LoyaltyPosting($"referral:{refereeId}:referee", refereeId, at, PostingKind.Earn, RefereePoints, "referral:" + orderId, null, "referral welcome reward"),
            ];
        }
    }

    /// <summary>When the qualifying order is returned: the reverse postings that claw both rewards back (nothing for another order).</summary>
    /// <param name="refereeId">The customer.</param>
    /// <param name="orderId">The returned order.</param>
    /// <param name="at">When.</param>
    public IReadOnlyList<LoyaltyPosting> OnReturn(string refereeId, string orderId, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (!_referees.TryGetValue(refereeId, out var r) || !string.Equals(r.QualifyingOrder, orderId, StringComparison.Ordinal) || r.ClawedBack)
            {
                return [];
            }

            r.ClawedBack = true;
            _members[r.ReferrerId].Conversions--;
            return
            [
                new LoyaltyPosting($"referral:{refereeId}:referrer:clawback", r.ReferrerId, at, PostingKind.Reverse, ReferrerPoints, "referral:" + orderId, null, "qualifying order returned"),
                new LoyaltyPosting($"referral:{refereeId}:referee:clawback", refereeId, at, PostingKind.Reverse, RefereePoints, "referral:" + orderId, null, "qualifying order returned"),
            ];
        }
    }

    /// <summary>Returns the referrer a customer is attributed to, if any.</summary>
    /// <param name="customerId">The customer.</param>
    public string? ReferrerOf(string customerId)
    {
        lock (_gate)
        {
            return _referees.TryGetValue(customerId, out var r) ? r.ReferrerId : null;
        }
    }

    /// <summary>Returns the funnel and K-factor per cohort, ordinally by cohort.</summary>
    public IReadOnlyList<ReferralFunnel> Funnel()
    {
        lock (_gate)
        {
            return [.. _members.Values.GroupBy(m => m.Cohort, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
            {
                var members = g.Count();
                var inv = g.Sum(m => m.Invitations);
                var conv = g.Sum(m => m.Conversions);
                var perMember = (double)inv / members;
                double? rate = inv == 0 ? null : (double)conv / inv;
                return new ReferralFunnel(g.Key, members, inv, g.Sum(m => m.Attributions), conv, perMember, rate, rate is null ? null : perMember * rate.Value);
            })];
        }
    }

    private static bool Shares(Fingerprint a, Fingerprint b) =>
        Same(a.Payment, b.Payment) || Same(a.Address, b.Address) || Same(a.Device, b.Device);

    private static bool Same(string? a, string? b) => a is not null && b is not null && string.Equals(a, b, StringComparison.Ordinal);

    private Member Get(string memberId) =>
        _members.TryGetValue(memberId, out var m) ? m : throw new ArgumentException($"The member has no referral code.", nameof(memberId));

    private sealed class Member(string id, string cohort, string code, Fingerprint fingerprint)
    {
        public string Id { get; } = id;

        public string Cohort { get; } = cohort;

        public string Code { get; } = code;

        public Fingerprint Fingerprint { get; } = fingerprint;

        public List<DateTimeOffset> Recent { get; } = [];

        public int Invitations { get; set; }

        public int Attributions { get; set; }

        public int Conversions { get; set; }
    }

    private sealed class Referee(string referrerId)
    {
        public string ReferrerId { get; } = referrerId;

        public string? QualifyingOrder { get; set; }

        public bool ClawedBack { get; set; }
    }
}
