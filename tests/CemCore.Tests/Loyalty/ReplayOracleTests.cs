using System.Globalization;
using System.Reflection;
using CemCore.Loyalty;

namespace CemCore.Tests.Loyalty;

/// <summary>
/// The ledger against an independent replay oracle: <c>ReferenceData/Loyalty/replay_oracle.py</c> (Python, written from docs/loyalty.md,
/// not from this code) generated 900 postings over 25 members — earns, redeems, adjusts, reverses, manual expiries, retries, key
/// conflicts, over-redeems, clocks going backwards, unknown earns and accounts — and replayed them with the documented rules, writing
/// the expected balances and the rejections with their reasons. Here the same rows go through <see cref="InMemoryLoyaltyStore"/> the way
/// <c>cemcore loyalty replay</c> feeds it (file order, rows before the as-of date, then <c>ExpireDue(asOf)</c>), for the policies
/// (pending 0 days, never expire) and (pending 3 days, expire after 30 days).
/// </summary>
public sealed class ReplayOracleTests
{
    private static readonly DateTimeOffset AsOf = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(3, 30)]
    public void Replay_EqualsPythonOracle(int pendingDays, int expiryDays)
    {
        var policy = new LedgerPolicy
        {
            PendingDays = pendingDays,
            Expiry = expiryDays > 0 ? ExpiryRule.AfterDays : ExpiryRule.Never,
            ExpiryDays = Math.Max(1, expiryDays),
        };
        var store = new InMemoryLoyaltyStore(policy);
        var rejected = new List<string>();
        foreach (var f in Rows("replay_postings.csv"))
        {
            var posting = new LoyaltyPosting(
                f[0],
                f[1],
                DateTimeOffset.Parse(f[2], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
                Enum.Parse<PostingKind>(f[3], ignoreCase: true),
                long.Parse(f[4], CultureInfo.InvariantCulture),
                f[5].Length == 0 ? null : f[5],
                null,
                f[6].Length == 0 ? null : f[6]);
            if (posting.Timestamp >= AsOf)
            {
                continue;
            }

            var r = store.Append(posting);
            if (!r.IsAccepted)
            {
                rejected.Add(posting.Key + ":" + (r.Outcome == PostingOutcome.Duplicate ? "duplicate" : r.Reason));
            }
        }

        store.ExpireDue(AsOf);
        var expectedRejected = Rows(FormattableString.Invariant($"replay_rejected_{pendingDays}_{expiryDays}.csv")).Select(f => f[0] + ":" + f[1]).ToList();
        Assert.True(expectedRejected.Count > 250, "the oracle's vectors exercise every rejection");
        Assert.Equal(expectedRejected, rejected);

        var expected = Rows(FormattableString.Invariant($"replay_expected_{pendingDays}_{expiryDays}.csv"))
            .Select(f => (f[0], long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture))).ToList();
        var actual = store.GetAccountIds().Select(id =>
        {
            Assert.True(store.TryGetBalance(id, out var available, out var pending, out _));
            return (id, available, pending);
        }).ToList();
        Assert.Equal(expected, actual);
        Assert.Contains(actual, a => a.available > 0);
    }

    private static string[][] Rows(string file)
    {
        var asm = Assembly.GetExecutingAssembly();
        var name = asm.GetManifestResourceNames().Single(n => n.EndsWith("Loyalty." + file, StringComparison.Ordinal));
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(','))];
    }
}
