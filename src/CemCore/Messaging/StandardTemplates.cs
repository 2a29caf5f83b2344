using CemCore.Personalization;

namespace CemCore.Messaging;

/// <summary>
/// zh-CN and en-US templates on WeChat, e-mail, SMS and app push for every rule of <see cref="StandardCampaigns"/> (message key = rule id).
/// Every template shows the offer, and coupon offers show the code and the last valid day, so the same code and validity appear on every channel.
/// </summary>
public static class StandardTemplates
{
    private static readonly (string Key, string En, string Zh, bool Coupon)[] s_headlines =
    [
        ("aftersales-quality", "Sorry about the quality issue", "很抱歉给您带来质量问题", true),
        ("aftersales-size", "Let's find your size", "为您找到合适的尺码", true),
        ("aftersales-other", "Thanks for your feedback", "感谢您的反馈", true),
        ("csat-makegood", "We want to make it right", "我们想弥补您的体验", true),
        ("cart-abandon", "Your cart is waiting", "您的购物车还在等您", false),
        ("winback", "We miss you", "好久不见，我们想您了", true),
        ("reactivation", "Come back and save", "欢迎回来", true),
        ("welcome-back", "Welcome back", "欢迎回来", false),
        ("birthday", "Happy birthday", "生日快乐", true),
        ("welcome", "Welcome", "欢迎加入", true),
        ("cross-sportswear", "Gear up to match your sneakers", "为您的球鞋搭配运动服", true),
        ("loyalty-gold", "Gold member reward", "金卡会员专享", false),
        ("loyalty-silver", "Silver member reward", "银卡会员专享", false),
        ("vip-care", "A thank-you for our VIPs", "感谢您一直以来的支持", false),
        ("decline-nudge", "Something new for you", "为您准备了新品优惠", true),
    ];

    /// <summary>Builds the catalogue (variables: the standard ones; <c>name</c> is the customer's display name).</summary>
    /// <returns>The catalogue.</returns>
    public static TemplateCatalog Create()
    {
        var b = new TemplateCatalogBuilder();
        foreach (var (key, en, zh, coupon) in s_headlines)
        {
            var enOffer = coupon ? "{{offer}} with code {{code}}, valid until {{valid_until}}" : "{{offer}}";
            var zhOffer = coupon ? "{{offer}}优惠，券码{{code}}，{{valid_until}}前有效" : "{{offer}}";
            b.Add(MessageTemplate.Email(key, "en-US", en + ", {{name}}", "<p>Hi {{name}},</p><p>" + enOffer + ". Online or in store.</p>"));
            b.Add(MessageTemplate.Email(key, "zh-CN", zh + "，{{name}}", "<p>{{name}}您好：</p><p>" + zhOffer + "，线上线下门店通用。</p>"));
            b.Add(MessageTemplate.Sms(key, "en-US", en + ", {{name}}: " + enOffer + "."));
            b.Add(MessageTemplate.Sms(key, "zh-CN", "【CemCore】{{name}}，" + zh + "：" + zhOffer + "。"));
            b.Add(MessageTemplate.Push(key, "en-US", en, enOffer));
            b.Add(MessageTemplate.Push(key, "zh-CN", zh, zhOffer));
            var wechatEn = new List<KeyValuePair<string, string>> { new("first", en + ", {{name}}"), new("keyword1", "{{offer}}") };
            var wechatZh = new List<KeyValuePair<string, string>> { new("first", zh + "，{{name}}"), new("keyword1", "{{offer}}") };
            if (coupon)
            {
                wechatEn.Add(new("keyword2", "{{code}}"));
                wechatEn.Add(new("keyword3", "{{valid_until}}"));
                wechatZh.Add(new("keyword2", "{{code}}"));
                wechatZh.Add(new("keyword3", "{{valid_until}}"));
            }

            wechatEn.Add(new("remark", "Online or in store."));
            wechatZh.Add(new("remark", "线上线下门店通用。"));
            b.Add(MessageTemplate.WeChat(key, "en-US", "TM-OFFER-" + (coupon ? "COUPON" : "BENEFIT"), wechatEn));
            b.Add(MessageTemplate.WeChat(key, "zh-CN", "TM-OFFER-" + (coupon ? "COUPON" : "BENEFIT"), wechatZh));
        }

        return b.Build();
    }
}
