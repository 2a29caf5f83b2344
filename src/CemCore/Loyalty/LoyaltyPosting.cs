namespace CemCore.Loyalty;

/// <summary>The kind of a points posting.</summary>
public enum PostingKind
{
    /// <summary>Points earned (usually from an order); positive; may be pending for a while and expires by lot.</summary>
    Earn = 0,

    /// <summary>Points spent; positive; never more than the available balance.</summary>
    Redeem = 1,

    /// <summary>Points expired; positive; either a named lot (automatic expiry) or the soonest-to-expire lots.</summary>
    Expire = 2,

    /// <summary>A manual correction; signed, non-zero, with a mandatory reason.</summary>
    Adjust = 3,

    /// <summary>Cancels (part of) an earn, named by its order id or its key; positive.</summary>
    Reverse = 4,
}

/// <summary>
/// One append-only ledger posting. <see cref="Key"/> is the idempotency key: posting the same key again changes nothing
/// (<see cref="PostingOutcome.Duplicate"/>), posting it with different content is a conflict (rejected).
/// </summary>
/// <remarks>
/// <para><see cref="Points"/> is the magnitude for earn, redeem, expire and reverse (positive) and the signed amount for adjust
/// (non-zero). The signed effect on the balance is <see cref="SignedPoints"/>.</para>
/// <para>Two postings are equal when every field is equal; timestamps compare as instants.</para>
/// </remarks>
/// <param name="Key">Idempotency key, unique across the ledger; not blank.</param>
/// <param name="AccountId">The member's account (customer id); not blank.</param>
/// <param name="Timestamp">When it happened; never before the account's previous posting.</param>
/// <param name="Kind">The kind.</param>
/// <param name="Points">Magnitude (signed for adjust).</param>
/// <param name="OrderId">The order of an earn (a reverse names the earn through it); optional otherwise.</param>
/// <param name="Reference">For a reverse without an order id: the key of the earn; for an automatic expiry: the key of the lot.</param>
/// <param name="Reason">Why (mandatory for adjust).</param>
public sealed record LoyaltyPosting(
    string Key,
    string AccountId,
    DateTimeOffset Timestamp,
    PostingKind Kind,
    long Points,
    string? OrderId = null,
    string? Reference = null,
    string? Reason = null)
{
    /// <summary>Gets the signed effect on the account's points (available plus pending).</summary>
    public long SignedPoints => Kind switch
    {
        PostingKind.Earn => Points,
        PostingKind.Adjust => Points,
        _ => checked(-Points),
    };
}

/// <summary>What happened to a posting.</summary>
public enum PostingOutcome
{
    /// <summary>Appended.</summary>
    Accepted = 0,

    /// <summary>The same key with the same content was already appended; nothing changed.</summary>
    Duplicate = 1,

    /// <summary>Not appended; <see cref="PostingResult.Reason"/> says why; nothing changed.</summary>
    Rejected = 2,
}

/// <summary>The result of appending one posting.</summary>
/// <param name="Outcome">Accepted, duplicate or rejected.</param>
/// <param name="Reason">For a rejection, a stable reason code (see <see cref="LedgerReasons"/>); null otherwise.</param>
/// <param name="Available">The account's available (matured) balance after the call; 0 for an unknown account.</param>
/// <param name="Pending">The account's pending points after the call.</param>
/// <param name="Version">The account's version after the call (one more per accepted posting, including automatic expiries).</param>
public readonly record struct PostingResult(PostingOutcome Outcome, string? Reason, long Available, long Pending, long Version)
{
    /// <summary>Gets whether the posting was appended.</summary>
    public bool IsAccepted => Outcome == PostingOutcome.Accepted;
}

/// <summary>The stable reason codes of rejected postings (also used by <c>cemcore loyalty replay</c>).</summary>
public static class LedgerReasons
{
    /// <summary>Points are zero or negative where a positive amount is required (or zero for an adjust).</summary>
    public const string InvalidPoints = "invalid_points";

    /// <summary>An adjust without a reason.</summary>
    public const string ReasonRequired = "reason_required";

    /// <summary>A redeem, expire, reverse or negative adjust on an account that has never posted.</summary>
    public const string UnknownAccount = "unknown_account";

    /// <summary>The posting would make the available balance negative.</summary>
    public const string InsufficientBalance = "insufficient_balance";

    /// <summary>A reverse that names no earn of this account (unknown order id or key).</summary>
    public const string UnknownEarn = "unknown_earn";

    /// <summary>A reverse of more points than the earn has left unreversed.</summary>
    public const string ExceedsEarn = "exceeds_earn";

    /// <summary>A second earn for an order that already earned (under another key).</summary>
    public const string OrderAlreadyEarned = "order_already_earned";

    /// <summary>The timestamp is before the account's previous posting.</summary>
    public const string ClockWentBackwards = "clock_went_backwards";

    /// <summary>The key was already used with different content.</summary>
    public const string KeyConflict = "key_conflict";

    /// <summary>An automatic expiry names a lot that has nothing left.</summary>
    public const string UnknownLot = "unknown_lot";
}
