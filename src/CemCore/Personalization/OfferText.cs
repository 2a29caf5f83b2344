using System.Globalization;

namespace CemCore.Personalization;

/// <summary>Localized one-line descriptions of an offer's benefit (zh-CN and en-US; other locales fall back to en-US).</summary>
internal static class OfferText
{
    public static bool IsChinese(string? locale) => locale is not null && locale.StartsWith("zh", StringComparison.OrdinalIgnoreCase);

    public static string Describe(Offer offer, string? locale)
    {
        var zh = IsChinese(locale);
        var inv = CultureInfo.InvariantCulture;
        var text = offer.Kind switch
        {
            // 15% off = 8.5折 in Chinese retail convention.
            OfferKind.PercentageDiscount => zh
                ? ((100m - offer.Value) / 10m).ToString("0.##", inv) + "折"
                : offer.Value.ToString("0.##", inv) + "% off",
            OfferKind.FixedDiscount => zh
                ? "立减" + offer.Value.ToString("0.##", inv) + "元"
                : offer.Value.ToString("0.00", inv) + " off",
            OfferKind.PointsMultiplier => zh
                ? offer.Value.ToString("0.##", inv) + "倍积分"
                : offer.Value.ToString("0.##", inv) + "x points",
            OfferKind.FreeShipping => zh ? "免运费" : "free shipping",
            OfferKind.Gift => zh ? "赠品" : "a free gift",
            _ => offer.Kind.ToString(),
        };
        if ((offer.Perks & OfferPerks.FreeShipping) != 0 && offer.Kind != OfferKind.FreeShipping)
        {
            text += zh ? "+免运费" : " + free shipping";
        }

        if ((offer.Perks & OfferPerks.FreeExchange) != 0)
        {
            text += zh ? "+免费换货" : " + free exchange";
        }

        return text;
    }
}
