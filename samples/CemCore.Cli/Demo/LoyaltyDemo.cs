using System.Globalization;
using System.Text.Json.Nodes;
using CemCore.Growth;
using CemCore.Loyalty;

namespace CemCore.Cli.Demo;

/// <summary>
/// Demo section (issue 9): the generated transactions replayed on the default tier ladder (members moving through 普通/银卡/金卡), a
/// referral chain with its K-factor, and two group-buys: one that fills and succeeds, one that fails at its deadline.
/// </summary>
internal static class LoyaltyDemo
{
    public static void Run(DemoContext context)
    {
        context.Heading("Loyalty: tiers, referrals, group-buy");
        var tracker = TierTracker.Replay(TierLadder.Default, context.Transactions, context.AsOf);
        var counts = new JsonObject();
        foreach (var (id, n) in tracker.CountByTier())
        {
            counts[id] = n;
            context.Line(string.Create(CultureInfo.InvariantCulture, $"  {id,-9} {n,6} members"));
        }

        var promotions = tracker.Changes.Count(c => c.FromTier is not null && TierTracker_IsUp(c));
        var demotions = tracker.Changes.Count(c => c.FromTier is not null) - promotions;
        context.Line(string.Create(CultureInfo.InvariantCulture, $"  tier changes: {promotions} promotions, {demotions} demotions (at quarterly reviews)"));
        if (tracker.Changes.FirstOrDefault(c => c.FromTier is not null) is { } example)
        {
            context.Line($"  e.g. {example.FromTier} → {example.ToTier} on {example.At:yyyy-MM-dd}: {example.Reason}");
        }

        // A referral chain a → b → c → d, a also invites e; cohort = sign-up month. Codes come from a seeded generator for a stable demo.
        using var rng = new SeededRandomNumberGenerator(context.Seed);
        var program = new ReferralProgram(300, 100, minimumOrder: 50m, random: rng);
        var at = context.AsOf;
        var chain = new[] { ("a", "b"), ("b", "c"), ("c", "d"), ("a", "e") };
        foreach (var (referrer, referee) in chain)
        {
            var code = program.IssueCode(referrer, "2025-01");
            program.RecordInvitation(referrer);
            program.RecordInvitation(referrer);
            program.Attribute(referee, code, new Fingerprint(Device: "device-" + referee), at);
            program.OnPurchase(referee, "first-" + referee, 80m, at.AddDays(1));
            program.IssueCode(referee, "2025-02");
        }

        var funnels = new JsonArray();
        foreach (var f in program.Funnel())
        {
            context.Line(string.Create(CultureInfo.InvariantCulture, $"  referral cohort {f.Cohort}: {f.Members} members, {f.Invitations} invitations, {f.Conversions} conversions, K = {f.KFactor?.ToString("0.00", CultureInfo.InvariantCulture) ?? "n/a"}"));
            funnels.Add((JsonNode)new JsonObject { ["cohort"] = f.Cohort, ["members"] = f.Members, ["invitations"] = f.Invitations, ["conversions"] = f.Conversions, ["k_factor"] = f.KFactor is { } k ? JsonValue.Create(k) : null });
        }

        var full = new GroupBuy("gb-1", "sneaker-x", 3, 199m, at.AddDays(1));
        foreach (var m in new[] { "a", "b", "c" })
        {
            full.Join(m, at.AddHours(1));
        }

        var shortGroup = new GroupBuy("gb-2", "sneaker-y", 5, 199m, at.AddDays(1));
        shortGroup.Join("d", at.AddHours(2));
        shortGroup.Join("e", at.AddHours(3));
        shortGroup.Settle(at.AddDays(1));
        context.Line($"  group-buy gb-1 (3 seats): {full.Status} with {full.Members.Count} members; gb-2 (5 seats): {shortGroup.Status} with {shortGroup.Members.Count} members released");
        context.Json["loyalty"] = new JsonObject
        {
            ["tiers"] = counts,
            ["promotions"] = promotions,
            ["demotions"] = demotions,
            ["referrals"] = funnels,
            ["group_buys"] = new JsonArray(
                new JsonObject { ["id"] = full.Id, ["status"] = full.Status.ToString(), ["members"] = full.Members.Count },
                new JsonObject { ["id"] = shortGroup.Id, ["status"] = shortGroup.Status.ToString(), ["members"] = shortGroup.Members.Count }),
        };

        bool TierTracker_IsUp(TierChange c) => TierLadder.Default.IndexOf(c.ToTier) > TierLadder.Default.IndexOf(c.FromTier!);
    }

    // Deterministic bytes for demo codes only (real codes use the OS CSPRNG).
    private sealed class SeededRandomNumberGenerator(int seed) : System.Security.Cryptography.RandomNumberGenerator
    {
        private readonly Random _random = new(seed);

        public override void GetBytes(byte[] data) => _random.NextBytes(data);

        public override void GetBytes(Span<byte> data) => _random.NextBytes(data);
    }
}
