namespace CemCore.Loyalty;

/// <summary>A read-only view of one account.</summary>
/// <param name="AccountId">The account id.</param>
/// <param name="Available">Available points.</param>
/// <param name="Pending">Pending points.</param>
/// <param name="Version">The version (count of accepted postings).</param>
/// <param name="LastTimestamp">The last posting's timestamp.</param>
/// <param name="Lots">The live lots.</param>
public sealed record LoyaltyAccountView(string AccountId, long Available, long Pending, long Version, DateTimeOffset LastTimestamp, IReadOnlyList<PointsLot> Lots);

/// <summary>
/// The storage port of the points ledger: append-only, idempotent by <see cref="LoyaltyPosting.Key"/>, one version per account
/// (optimistic concurrency: an append that loses a race re-reads the account and is retried, never lost).
/// </summary>
/// <remarks>
/// <para>Contract every implementation keeps (tested by the stress tests against the in-memory and the SQLite store):
/// a key is appended at most once; the same key with the same content reports <see cref="PostingOutcome.Duplicate"/>; with
/// different content <see cref="LedgerReasons.KeyConflict"/>; a rejected posting writes nothing (its key may be retried);
/// for every account, <c>available + pending</c> equals the sum of the signed points of its accepted postings, and replaying
/// those postings in order through <see cref="LoyaltyAccountState"/> gives the stored balances.</para>
/// <para>Automatic expiries (<c>&lt;lot key&gt;#expire</c>) are appended by the store in the same atomic step as the posting that
/// triggered them, or by <see cref="ExpireDue"/>.</para>
/// </remarks>
public interface ILoyaltyStore
{
    /// <summary>Gets the ledger policy of the store.</summary>
    LedgerPolicy Policy { get; }

    /// <summary>Appends one posting atomically (with the automatic expiries due before it).</summary>
    /// <param name="posting">The posting.</param>
    /// <returns>Accepted, duplicate or rejected with a reason.</returns>
    PostingResult Append(LoyaltyPosting posting);

    /// <summary>Appends postings in order; an implementation may commit them together (one result per posting, same rules as <see cref="Append"/>).</summary>
    /// <param name="postings">The postings.</param>
    /// <returns>The results, in order.</returns>
    IReadOnlyList<PostingResult> AppendBatch(IReadOnlyList<LoyaltyPosting> postings);

    /// <summary>Returns the available balance, pending points and version of an account without allocating.</summary>
    /// <param name="accountId">The account.</param>
    /// <param name="available">Available points (0 when unknown).</param>
    /// <param name="pending">Pending points.</param>
    /// <param name="version">Version.</param>
    /// <returns>Whether the account exists.</returns>
    bool TryGetBalance(string accountId, out long available, out long pending, out long version);

    /// <summary>Returns a view of an account (with its lots), or null when unknown.</summary>
    /// <param name="accountId">The account.</param>
    LoyaltyAccountView? GetAccount(string accountId);

    /// <summary>Returns the accepted postings of an account in append order.</summary>
    /// <param name="accountId">The account.</param>
    IReadOnlyList<LoyaltyPosting> GetPostings(string accountId);

    /// <summary>Returns the ids of every account, ordinally sorted.</summary>
    IReadOnlyList<string> GetAccountIds();

    /// <summary>Appends the expiries due by <paramref name="asOf"/> for every account.</summary>
    /// <param name="asOf">The instant.</param>
    /// <returns>The expiry postings appended.</returns>
    IReadOnlyList<LoyaltyPosting> ExpireDue(DateTimeOffset asOf);
}
