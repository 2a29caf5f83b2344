using CemCore.Loyalty;
using CemCore.Samples.Sqlite;

namespace CemCore.Tests.Loyalty;

/// <summary>
/// A rejected posting leaves no trace: before the fix, validating a posting matured the pending lots up to its instant even when it was
/// then rejected, so a later posting with an earlier instant could spend points that were still pending at its own instant, and a replay
/// of the stored postings (what a durable store does after a restart) reached another balance. Found by
/// <see cref="LedgerStressTests.InMemory_ManyThreads_NothingLostOrDuplicated"/> (a replay rejected a stored redeem now and then).
/// </summary>
public sealed class RejectedPostingTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly LedgerPolicy Policy = new() { PendingDays = 2 };

    [Fact]
    public void AccountState_RejectedLaterPosting_DoesNotMatureLotsForAnEarlierOne()
    {
        var state = new LoyaltyAccountState("m", Policy);
        Check(p => state.Apply(p, null));
        var withExpiries = new LoyaltyAccountState("m", Policy);
        Check(p => withExpiries.Apply(p, new List<LoyaltyPosting>()));
    }

    [Fact]
    public void InMemoryStore_RejectedLaterPosting_DoesNotMatureLotsForAnEarlierOne() =>
        Check(new InMemoryLoyaltyStore(Policy).Append);

    [Fact]
    public void SqliteStore_RejectedLaterPosting_DoesNotMatureLotsForAnEarlierOne()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cemcore-loyalty-{Guid.NewGuid():N}.db");
        try
        {
            var store = new SqliteLoyaltyStore(new SqliteDatabase(path), Policy);
            Check(store.Append);

            // A restarted store replays the stored postings and agrees: 50 spent, 50 left.
            var restarted = new SqliteLoyaltyStore(new SqliteDatabase(path), Policy);
            Assert.True(store.TryGetBalance("m", out var available, out var pending, out var version));
            Assert.True(restarted.TryGetBalance("m", out var available2, out var pending2, out var version2));
            Assert.Equal((50L, 0L, 2L), (available, pending, version));
            Assert.Equal((available, pending, version), (available2, pending2, version2));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            File.Delete(path);
            File.Delete(path + "-wal");
            File.Delete(path + "-shm");
        }
    }

    private static void Check(Func<LoyaltyPosting, PostingResult> append)
    {
        // 100 points earned at T0, pending until T0 + 2 days.
        Assert.True(append(new LoyaltyPosting("e1", "m", T0, PostingKind.Earn, 100, "o1")).IsAccepted);

        // A redeem at T0 + 3 days that is too large: rejected (at that instant 100 points would be spendable).
        var late = append(new LoyaltyPosting("r-late", "m", T0.AddDays(3), PostingKind.Redeem, 500));
        Assert.Equal(LedgerReasons.InsufficientBalance, late.Reason);

        // A redeem at T0 + 1 day (after the last accepted posting, so the clock is fine): the 100 points are still pending then.
        var early = append(new LoyaltyPosting("r-early", "m", T0.AddDays(1), PostingKind.Redeem, 50));
        Assert.Equal(LedgerReasons.InsufficientBalance, early.Reason);
        Assert.Equal((0L, 100L), (early.Available, early.Pending));

        // At T0 + 2 days they are spendable.
        Assert.True(append(new LoyaltyPosting("r-due", "m", T0.AddDays(2), PostingKind.Redeem, 50)).IsAccepted);
    }
}
