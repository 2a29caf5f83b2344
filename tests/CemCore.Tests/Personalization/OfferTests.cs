using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Tests.Personalization;

public sealed class OfferTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(OfferKind.PercentageDiscount, 0)]
    [InlineData(OfferKind.PercentageDiscount, 100.5)]
    [InlineData(OfferKind.FixedDiscount, -5)]
    [InlineData(OfferKind.PointsMultiplier, 1)]
    [InlineData(OfferKind.FreeShipping, 3)]
    public void Constructor_ValueOutOfRange_ThrowsNamingValue(OfferKind kind, double value)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new Offer("o1", kind, (decimal)value));
        Assert.Equal("value", ex.ParamName);
    }

    [Fact]
    public void Constructor_EmptyWindow_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Offer("o1", OfferKind.PercentageDiscount, 10m, T0, T0));
        Assert.Equal("validUntil", ex.ParamName);
    }

    [Fact]
    public void Constructor_GiftWithoutSku_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Offer("gift", OfferKind.Gift, 0m));
        Assert.Equal("SKU-1", new Offer("gift", OfferKind.Gift, 0m, giftSku: "SKU-1").GiftSku);
    }

    [Fact]
    public void Constructor_InvalidId_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Offer("bad id", OfferKind.FreeShipping, 0m));
    }

    [Fact]
    public void IsValidAt_IsHalfOpen()
    {
        var offer = new Offer("o1", OfferKind.PercentageDiscount, 10m, T0, T0.AddDays(7));
        Assert.False(offer.IsValidAt(T0.AddTicks(-1)));
        Assert.True(offer.IsValidAt(T0));
        Assert.True(offer.IsValidAt(T0.AddDays(7).AddTicks(-1)));
        Assert.False(offer.IsValidAt(T0.AddDays(7)));
    }

    [Fact]
    public void OmnichannelOffer_IsRedeemableOnlineAndInStore()
    {
        var omni = new Offer("omni", OfferKind.FixedDiscount, 20m, redeemableChannels: [SalesChannel.Online, SalesChannel.Store]);
        Assert.True(omni.IsRedeemableOn(SalesChannel.Online));
        Assert.True(omni.IsRedeemableOn(new SalesChannel("POS")));
        Assert.False(omni.IsRedeemableOn(SalesChannel.Marketplace));
        Assert.True(new Offer("any", OfferKind.FreeShipping, 0m).IsRedeemableOn(SalesChannel.Marketplace));
    }

    [Fact]
    public void AppliesTo_CategoriesAndSkus()
    {
        var apparel = new Offer("size15", OfferKind.PercentageDiscount, 15m, applicableCategories: ["Apparel"], applicableSkus: ["SKU-9"]);
        Assert.True(apparel.AppliesTo("X", "apparel"));
        Assert.True(apparel.AppliesTo("sku-9", "Shoes"));
        Assert.False(apparel.AppliesTo("X", "Shoes"));
    }

    [Fact]
    public void BudgetCost_DefaultsToFaceValueForFixedDiscounts()
    {
        Assert.Equal(20m, new Offer("f", OfferKind.FixedDiscount, 20m).BudgetCost);
        Assert.Equal(0m, new Offer("p", OfferKind.PercentageDiscount, 20m).BudgetCost);
        Assert.Equal(7.5m, new Offer("p2", OfferKind.PercentageDiscount, 20m, budgetCost: 7.5m).BudgetCost);
    }

    [Fact]
    public void Describe_IsLocalized()
    {
        var offer = new Offer("q", OfferKind.PercentageDiscount, 20m, perks: OfferPerks.FreeExchange);
        Assert.Equal("20% off + free exchange", offer.Describe());
        Assert.Equal("8折+免费换货", OfferText.Describe(offer, "zh-CN"));
        Assert.Equal("8.5折", OfferText.Describe(new Offer("s", OfferKind.PercentageDiscount, 15m), "zh-CN"));
    }

    [Fact]
    public void CouponPolicy_RejectsOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CouponPolicy(MaxRedemptionsPerCode: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CouponPolicy(CodeLength: 7));
        Assert.Throws<ArgumentException>(() => new CouponPolicy(Prefix: "WB-"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CouponPolicy(ValidFor: TimeSpan.Zero));
    }
}
