using CemCore.Messaging;
using CemCore.Personalization;
using CemCore.Primitives;
using CemCore.Sources;
using CemCore.Sources.Csv;

namespace CemCore.Tests.Dispatch;

/// <summary>Send-time rules of issue 14: quiet hours across daylight-saving changes, the SMS opt-out suffix.</summary>
public sealed class SendTimeRulesTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    // IANA America/New_York: on Sunday 2026-11-01 clocks go back at 02:00 EDT (UTC−4) to 01:00 EST (UTC−5), so 01:00-01:59 occurs twice.
    [Fact]
    public void QuietHours_AmbiguousEnd_InputInSecondOccurrence_ResolvesToTheLaterInstant()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(1, 30));
        var second = new DateTimeOffset(2026, 11, 1, 1, 15, 0, TimeSpan.FromHours(-5)); // 01:15 EST = 06:15Z, the second 01:15
        Assert.True(quiet.IsQuiet(second, NewYork));
        var next = quiet.NextAllowed(second, NewYork);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 6, 30, 0, TimeSpan.Zero), next.ToUniversalTime()); // 01:30 EST, not 01:30 EDT (05:30Z, in the past)
        Assert.False(quiet.IsQuiet(next, NewYork));

        var first = new DateTimeOffset(2026, 11, 1, 1, 15, 0, TimeSpan.FromHours(-4)); // 01:15 EDT = 05:15Z, the first 01:15
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero), quiet.NextAllowed(first, NewYork).ToUniversalTime());
    }

    [Fact]
    public void QuietHours_NeverReturnsAnInstantBeforeTheInput()
    {
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(1, 30));
        for (var t = new DateTimeOffset(2026, 10, 31, 20, 0, 0, TimeSpan.Zero); t < new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero); t = t.AddMinutes(5))
        {
            var next = quiet.NextAllowed(t, NewYork);
            Assert.True(next >= t, $"{t:O} → {next:O}");
            Assert.False(quiet.IsQuiet(next, NewYork), $"{t:O} → {next:O} is quiet");
        }
    }

    [Fact]
    public async Task UnknownTimeZoneId_IsAValidationErrorAtLoad_NotUtc()
    {
        var path = Path.Combine(Path.GetTempPath(), "cemcore-tz-" + Guid.NewGuid().ToString("N") + ".csv");
        await File.WriteAllTextAsync(path, "customer_id,time_zone\nC1,Asia/Shanghai\nC2,Mars/Olympus_Mons\n");
        try
        {
            var ex = await Assert.ThrowsAsync<DataFormatException>(async () =>
            {
                await foreach (var _ in new CsvCustomerSource(path).ReadCustomersAsync())
                {
                }
            });
            Assert.Equal((3L, "time_zone"), (ex.Line, ex.Field));
            Assert.DoesNotContain("Mars", ex.Message, StringComparison.Ordinal); // the value is customer data: not echoed
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("zh-CN", "【品牌】{{name}}，回复TD退订。券码{{code}}", "回复TD退订")]
    [InlineData("zh-CN", "【品牌】{{name}}，券码{{code}}，退订回TD", "退订")]
    [InlineData("en-US", "{{name}}: code {{code}}. Text STOP to unsubscribe.", "STOP")]
    public void SmsOptOut_NotAddedWhenTheTextAlreadyHasOne(string locale, string body, string marker)
    {
        var catalog = new TemplateCatalogBuilder().Add(MessageTemplate.Sms("t", locale, body)).Build();
        var offer = new Offer("o", OfferKind.PercentageDiscount, 10m);
        var message = new ChannelMessage("C1", "t", offer, "CODE42", null, locale, TimeZoneInfo.Utc, new Dictionary<string, string> { ["name"] = "Li" });
        var sms = new MessageRenderer(catalog).Render(message, ContactChannel.Sms);
        Assert.Equal(1, CountOf(sms.Body, marker));
        var suffix = RenderSettings.SmsOptOutSuffix(locale);
        Assert.Equal(body.Contains(suffix, StringComparison.Ordinal) ? 1 : 0, CountOf(sms.Body, suffix));
    }

    private static int CountOf(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
