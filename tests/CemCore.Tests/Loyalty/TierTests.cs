using CemCore.Loyalty;
using CemCore.Rules;
using CemCore.Sources;

namespace CemCore.Tests.Loyalty;

/// <summary>Tier ladder and tracker rules (issue 9, docs/loyalty.md); dates and tiers computed by hand.</summary>
public sealed class TierTests
{
    private static readonly DateTimeOffset Jan10 = new(2025, 1, 10, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Promotion_Immediate_DemotionAtReviewAfterGrace_RequalifyCancels()
    {
        var ladder = TierLadder.FromJson("""
            {"windowDays":30,"reviewMonths":1,"graceDays":10,
             "tiers":[{"id":"std"},{"id":"vip","minSpend":100,"benefits":{"discountPercent":5,"pointsMultiplier":2,"birthdayGift":true}}]}
            """);
        var tracker = new TierTracker(ladder);
        var events = new List<TierChange>();
        tracker.TierChanged += (_, e) => events.Add(e.Change);
        tracker.Record("m", Jan10, 120m, 1, 0);
        Assert.True(tracker.TryGetTier("m", out var t));
        Assert.Equal("vip", t.Id); // at once

        // Review 2025-02-01: window (01-02, 02-01] still has the purchase. Review 2025-03-01: window (01-30, 03-01] is empty → grace
        // until 03-11; a purchase on 03-05 requalifies (cancelled). Review 2025-04-01: window (03-02, 04-01] has 03-05 → stays.
        // Review 2025-05-01: empty → grace until 05-11 → demoted 05-11.
        tracker.Advance(new DateTimeOffset(2025, 3, 4, 0, 0, 0, TimeSpan.Zero));
        tracker.TryGetTier("m", out t);
        Assert.Equal("vip", t.Id);
        tracker.Record("m", new DateTimeOffset(2025, 3, 5, 0, 0, 0, TimeSpan.Zero), 100m, 1, 0);
        tracker.Advance(new DateTimeOffset(2025, 5, 10, 0, 0, 0, TimeSpan.Zero));
        tracker.TryGetTier("m", out t);
        Assert.Equal("vip", t.Id);
        tracker.Advance(new DateTimeOffset(2025, 5, 11, 0, 0, 0, TimeSpan.Zero));
        tracker.TryGetTier("m", out t);
        Assert.Equal("std", t.Id);
        Assert.Equal(
            [(null, "std"), ("std", "vip"), ("vip", "std")],
            events.Select(e => (e.FromTier, e.ToTier)));
        Assert.Equal(new DateTimeOffset(2025, 5, 11, 0, 0, 0, TimeSpan.Zero), events[^1].At);
        Assert.Throws<ArgumentException>(() => tracker.Record("m", Jan10, 1m, 1, 0)); // clock backwards
    }

    [Fact]
    public void Pin_IsExplicit_AndExpires_NeverASilentFloor()
    {
        var tracker = new TierTracker(TierLadder.Default);
        tracker.Record("m", Jan10, 10m, 1, 0);
        tracker.Pin("m", "gold", Jan10.AddDays(1), Jan10.AddDays(40), "service recovery");
        tracker.TryGetTier("m", out var t);
        Assert.Equal("gold", t.Id);
        tracker.Advance(Jan10.AddDays(40));
        tracker.TryGetTier("m", out t);
        Assert.Equal("standard", t.Id);
        Assert.Equal(["joined", "manual pin until 2025-02-19: service recovery", "pin expired"], tracker.Changes.Select(c => c.Reason));
    }

    [Theory]
    [InlineData("{not json", "malformed JSON")]
    [InlineData("{\"tiers\":[]}", "at least one tier")]
    [InlineData("{\"tiers\":[{\"id\":\"a\",\"minSpend\":5}]}", "entry tier")]
    [InlineData("{\"tiers\":[{\"id\":\"a\"},{\"id\":\"b\"}]}", "at least one threshold")]
    [InlineData("{\"tiers\":[{\"id\":\"a\"},{\"id\":\"b\",\"minSpend\":500},{\"id\":\"c\",\"minSpend\":100}]}", "below the tier under it")]
    [InlineData("{\"tiers\":[{\"id\":\"a\"},{\"id\":\"A\",\"minSpend\":5}]}", "used twice")]
    [InlineData("{\"tiers\":[{\"id\":\"a\"},{\"id\":\"b\",\"minSpend\":-5}]}", "non-negative")]
    [InlineData("{\"tiers\":[{\"id\":\"a\",\"benefits\":{\"discountPercent\":150}}]}", "[0, 100]")]
    [InlineData("{\"tiers\":[{\"id\":\"a\",\"colour\":\"red\"}]}", "colour")]
    public void MalformedLadder_DataFormatException(string json, string expected)
    {
        var ex = Assert.Throws<DataFormatException>(() => TierLadder.FromJson(json, "ladder.json"));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ladder.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Benefits_AreRuleFields()
    {
        var registry = LoyaltyFields.Register(FieldRegistry.Default);
        var set = ConditionJson.LoadSet("""
            {"conditions":{"goldBirthday":{"all":[{"field":"custom.loyalty_tier","op":"eq","value":"gold"},
                                                  {"field":"custom.loyalty_birthday_gift","op":"eq","value":1}]}}}
            """, registry);
        var gold = LoyaltyFields.Apply(new CustomerContext(), TierLadder.Default.Tiers[2]);
        var silver = LoyaltyFields.Apply(new CustomerContext(), TierLadder.Default.Tiers[1]);
        Assert.True(set["goldBirthday"].Evaluate(gold));
        Assert.False(set["goldBirthday"].Evaluate(silver));
        Assert.True(gold.TryGetNumber("loyalty_points_multiplier", out var m));
        Assert.Equal(1.5, m);
    }
}
