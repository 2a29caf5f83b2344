using CemCore.Dispatch;
using CemCore.Personalization;
using CemCore.Primitives;
using FsCheck.Xunit;

namespace CemCore.Tests.Personalization;

public sealed class CouponTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static Offer Omni(int uses = 1, TimeSpan? validFor = null) => new(
        "omni20",
        OfferKind.FixedDiscount,
        20m,
        T0,
        T0.AddDays(30),
        applicableCategories: ["sportswear"],
        redeemableChannels: [SalesChannel.Online, SalesChannel.Store],
        coupon: new CouponPolicy(uses, 12, "WB", validFor));

    [Fact]
    public void Alphabet_HasNoAmbiguousCharactersAndNoDuplicates()
    {
        Assert.Equal(31, CouponCodeGenerator.Alphabet.Length);
        Assert.Equal(31, CouponCodeGenerator.Alphabet.Distinct().Count());
        foreach (var c in "0O1IL")
        {
            Assert.DoesNotContain(c, CouponCodeGenerator.Alphabet);
        }
    }

    [Fact]
    public void Generate_UsesPrefixLengthAndAlphabet()
    {
        var policy = new CouponPolicy(CodeLength: 16, Prefix: "wb");
        for (var i = 0; i < 200; i++)
        {
            var code = CouponCodeGenerator.Generate(policy);
            Assert.StartsWith("WB", code, StringComparison.Ordinal);
            Assert.Equal(18, code.Length);
            Assert.All(code[2..], c => Assert.Contains(c, CouponCodeGenerator.Alphabet));
        }
    }

    [Fact]
    public void Generate_ManyCodes_AreUniqueAndUseWholeAlphabet()
    {
        var policy = new CouponPolicy();
        var codes = Enumerable.Range(0, 20_000).Select(_ => CouponCodeGenerator.Generate(policy)).ToList();
        Assert.Equal(codes.Count, codes.Distinct(StringComparer.Ordinal).Count());

        // 240,000 characters over 31 symbols: each expected 7,742 times; a bias would show far outside ±5%.
        var counts = codes.SelectMany(c => c).GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(31, counts.Count);
        Assert.All(counts.Values, n => Assert.InRange(n, 7_742 * 0.95, 7_742 * 1.05));
    }

    [Fact]
    public void Redeem_OnlineAndInStore_UntilUsageLimit()
    {
        var ledger = new CouponLedger();
        var coupon = ledger.Issue(Omni(uses: 2), "C1", T0.AddDays(1));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(coupon.Code, SalesChannel.Online, T0.AddDays(2)));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(coupon.Code.ToLowerInvariant(), SalesChannel.Store, T0.AddDays(3)));
        Assert.Equal(RedemptionStatus.UsageLimitReached, ledger.TryRedeem(coupon.Code, SalesChannel.Store, T0.AddDays(3)));
    }

    [Fact]
    public void Redeem_RejectsWithPreciseStatus()
    {
        var ledger = new CouponLedger();
        var coupon = ledger.Issue(Omni(validFor: TimeSpan.FromDays(7)), "C1", T0.AddDays(1));
        Assert.Equal(T0.AddDays(8), coupon.ValidUntil);
        Assert.Equal(RedemptionStatus.UnknownCode, ledger.TryRedeem("NOPE", SalesChannel.Online, T0.AddDays(2)));
        Assert.Equal(RedemptionStatus.NotYetValid, ledger.TryRedeem(coupon.Code, SalesChannel.Online, T0));
        Assert.Equal(RedemptionStatus.Expired, ledger.TryRedeem(coupon.Code, SalesChannel.Online, T0.AddDays(8)));
        Assert.Equal(RedemptionStatus.WrongChannel, ledger.TryRedeem(coupon.Code, SalesChannel.Marketplace, T0.AddDays(2)));
        Assert.Equal(RedemptionStatus.NotApplicable, ledger.TryRedeem(coupon.Code, SalesChannel.Online, T0.AddDays(2), [("S1", "shoes")]));
        Assert.Equal(RedemptionStatus.WrongCustomer, ledger.TryRedeem(coupon.Code, SalesChannel.Online, T0.AddDays(2), customerId: "C2"));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(coupon.Code, SalesChannel.Online, T0.AddDays(2), [("S1", "shoes"), ("S2", "Sportswear")], "C1"));
    }

    [Fact]
    public void Redeem_TwoOffersSharingAnId_EachCodeKeepsItsIssuingOffersRules()
    {
        // Two versions of the "omni20" offer (same id, e.g. the campaign was edited): the second is store-only, sportswear-free and
        // allows one use. Each code must be redeemed against the offer that issued it, not the first offer registered under the id.
        var ledger = new CouponLedger();
        var first = ledger.Issue(Omni(uses: 2), "C1", T0.AddDays(1));
        var second = ledger.Issue(
            new Offer("omni20", OfferKind.FixedDiscount, 20m, T0, T0.AddDays(30), applicableCategories: ["shoes"],
                redeemableChannels: [SalesChannel.Store], coupon: new CouponPolicy(1, 12, "WB")),
            "C2",
            T0.AddDays(1));

        Assert.Equal(RedemptionStatus.WrongChannel, ledger.TryRedeem(second.Code, SalesChannel.Online, T0.AddDays(2)));
        Assert.Equal(RedemptionStatus.NotApplicable, ledger.TryRedeem(second.Code, SalesChannel.Store, T0.AddDays(2), [("S2", "sportswear")]));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(second.Code, SalesChannel.Store, T0.AddDays(2), [("S1", "shoes")]));
        Assert.Equal(RedemptionStatus.UsageLimitReached, ledger.TryRedeem(second.Code, SalesChannel.Store, T0.AddDays(3), [("S1", "shoes")]));

        Assert.Equal(RedemptionStatus.NotApplicable, ledger.TryRedeem(first.Code, SalesChannel.Online, T0.AddDays(2), [("S1", "shoes")]));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(first.Code, SalesChannel.Online, T0.AddDays(2), [("S2", "sportswear")]));
        Assert.Equal(RedemptionStatus.Redeemed, ledger.TryRedeem(first.Code, SalesChannel.Store, T0.AddDays(2)));
    }

    [Fact]
    public void Issue_OutsideOfferWindowOrWithoutPolicy_Throws()
    {
        var ledger = new CouponLedger();
        Assert.Throws<ArgumentException>(() => ledger.Issue(Omni(), "C1", T0.AddDays(30)));
        Assert.Throws<ArgumentException>(() => ledger.Issue(new Offer("x", OfferKind.FreeShipping, 0m), "C1", T0));
    }

    [Fact]
    public void Redeem_ConcurrentRedemptions_NeverExceedLimit()
    {
        var ledger = new CouponLedger();
        var coupon = ledger.Issue(Omni(uses: 5), null, T0);
        var redeemed = 0;
        Parallel.For(0, 1_000, _ =>
        {
            if (ledger.TryRedeem(coupon.Code, SalesChannel.Online, T0.AddDays(1)) == RedemptionStatus.Redeemed)
            {
                Interlocked.Increment(ref redeemed);
            }
        });
        Assert.Equal(5, redeemed);
        Assert.True(ledger.TryGet(coupon.Code, out _, out var remaining));
        Assert.Equal(0, remaining);
    }

    [Property(MaxTest = 200)]
    public bool Normalize_IsIdempotent(string? s) =>
        s is null || CouponCodeGenerator.Normalize(CouponCodeGenerator.Normalize(s)) == CouponCodeGenerator.Normalize(s);

    [Fact]
    public async Task IssueOnceCodeAsync_LedgerOverride_AndInterfaceDefault_AgreeWithIssueOnce()
    {
        // The ledger's override (no Coupon object) and the interface's default (through IssueOnceAsync) give the same code and
        // validity as IssueOnce, and a repeated key gives the first code again.
        var offer = Omni(validFor: TimeSpan.FromDays(7));
        var ledger = new CouponLedger();
        var first = await ((ICouponStore)ledger).IssueOnceCodeAsync("k1", offer, "C1", T0.AddDays(1));
        var again = await ((ICouponStore)ledger).IssueOnceCodeAsync("k1", offer, "C1", T0.AddDays(2));
        var coupon = ledger.IssueOnce("k1", offer, "C1", T0.AddDays(3));
        Assert.Equal(coupon.Code, first.Code);
        Assert.Equal(first, again);
        Assert.Equal(T0.AddDays(8), first.ValidUntil);
        Assert.Equal(coupon.ValidUntil, first.ValidUntil);

        ICouponStore wrapped = new OnlyIssueOnce(new CouponLedger());
        var viaDefault = await wrapped.IssueOnceCodeAsync("k2", offer, "C2", T0.AddDays(1));
        var viaDefaultAgain = await wrapped.IssueOnceCodeAsync("k2", offer, "C2", T0.AddDays(5));
        Assert.Equal(viaDefault, viaDefaultAgain);
        Assert.Equal(T0.AddDays(8), viaDefault.ValidUntil);
        Assert.StartsWith("WB", viaDefault.Code, StringComparison.Ordinal);

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ((ICouponStore)ledger).IssueOnceCodeAsync("k3", offer, "C3", T0, cts.Token));
    }

    /// <summary>A host's store that implements only the required member, so <see cref="ICouponStore.IssueOnceCodeAsync"/> is the default.</summary>
    private sealed class OnlyIssueOnce(CouponLedger inner) : ICouponStore
    {
        public ValueTask<Coupon> IssueOnceAsync(string issueKey, Offer offer, string? customerId, DateTimeOffset issuedAt, CancellationToken cancellationToken = default) =>
            inner.IssueOnceAsync(issueKey, offer, customerId, issuedAt, cancellationToken);
    }
}
