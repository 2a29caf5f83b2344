using CemCore.Customers;
using CemCore.Personalization;
using CemCore.Primitives;

namespace CemCore.Tests.Personalization;

public sealed class ContactPolicyTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    [Fact]
    public void Fnv1a64_MatchesPublishedVectors()
    {
        // Test vectors from draft-eastlake-fnv (FNV-1a, 64 bit): "" → cbf29ce484222325, "a" → af63dc4c8601ec8c, "foobar" → 85944171f73967e8.
        Assert.Equal(0xcbf29ce484222325UL, Fnv1a64.Hash(""));
        Assert.Equal(0xaf63dc4c8601ec8cUL, Fnv1a64.Hash("a"));
        Assert.Equal(0x85944171f73967e8UL, Fnv1a64.Hash("foobar"));
    }

    [Fact]
    public void Fnv1a64_HashesUtf8()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("客户-42");
        var expected = Fnv1a64.OffsetBasis;
        foreach (var b in bytes)
        {
            expected = Fnv1a64.Append(expected, b);
        }

        Assert.Equal(expected, Fnv1a64.Hash("客户-42"));
    }

    [Fact]
    public void Holdout_IsStableAndNearFraction()
    {
        var holdout = new HoldoutGroup(0.1, "holdout-2026");
        var ids = Enumerable.Range(0, 50_000).Select(i => "C" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        var members = ids.Count(holdout.Contains);
        Assert.InRange(members, 4_700, 5_300); // binomial(50000, 0.1): sd ≈ 67
        Assert.Equal(members, ids.Count(new HoldoutGroup(0.1, "holdout-2026").Contains));
        Assert.NotEqual(ids.Where(holdout.Contains).Take(100), ids.Where(new HoldoutGroup(0.1, "other").Contains).Take(100));
    }

    [Fact]
    public void Holdout_BucketIsDocumentedHash()
    {
        var holdout = new HoldoutGroup(0.05, "s");
        var expected = (int)(Fnv1a64.Hash("s:C1") % HoldoutGroup.Buckets);
        Assert.Equal(expected, holdout.Bucket("C1"));
        Assert.Equal(0, Enumerable.Range(0, 1000).Select(i => "X" + i).Count(new HoldoutGroup(0, "s").Contains));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HoldoutGroup(0.6, "s"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HoldoutGroup(double.NaN, "s"));
    }

    [Fact]
    public void QuietHours_DefersToLocalMorning_InCustomerTimeZone()
    {
        var quiet = new QuietHours(new TimeOnly(21, 0), new TimeOnly(9, 0));

        // 14:00 UTC = 22:00 in Shanghai (quiet) → 09:00 next day Shanghai = 01:00 UTC.
        var t = new DateTimeOffset(2026, 3, 10, 14, 0, 0, TimeSpan.Zero);
        Assert.True(quiet.IsQuiet(t, Shanghai));
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 1, 0, 0, TimeSpan.Zero), quiet.NextAllowed(t, Shanghai).ToUniversalTime());

        // Same instant is 10:00 in New York: allowed, unchanged.
        Assert.Equal(t, quiet.NextAllowed(t, NewYork));

        // 03:00 Shanghai (19:00 UTC previous day) → 09:00 the same local day.
        var night = new DateTimeOffset(2026, 3, 10, 19, 0, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 9, 0, 0, TimeSpan.FromHours(8)), quiet.NextAllowed(night, Shanghai));
    }

    [Fact]
    public void QuietHours_EndInDaylightSavingGap_MovesToFirstExistingTime()
    {
        // New York springs forward on 2026-03-08 at 02:00 → 03:00. Quiet 22:00-02:30 ends in the gap.
        var quiet = new QuietHours(new TimeOnly(22, 0), new TimeOnly(2, 30));
        var t = new DateTimeOffset(2026, 3, 8, 1, 0, 0, TimeSpan.FromHours(-5));
        var next = quiet.NextAllowed(t, NewYork);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 3, 0, 0, TimeSpan.FromHours(-4)), next);
        Assert.False(quiet.IsQuiet(next, NewYork));
    }

    [Fact]
    public void QuietHours_EqualBounds_Throws() =>
        Assert.Throws<ArgumentException>(() => new QuietHours(new TimeOnly(9, 0), new TimeOnly(9, 0)));

    [Fact]
    public void ContactHistory_CountsByChannelPurposeAndHalfOpenWindow()
    {
        var h = new InMemoryContactHistory();
        var t = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        h.Record(new ContactRecord("C1", ContactChannel.Sms, ConsentPurpose.Marketing, t));
        h.Record(new ContactRecord("C1", ContactChannel.Email, ConsentPurpose.Marketing, t.AddDays(1)));
        h.Record(new ContactRecord("C1", ContactChannel.Email, ConsentPurpose.Service, t.AddDays(1)));
        Assert.Equal(2, h.CountContacts("C1", null, ConsentPurpose.Marketing, t, t.AddDays(7)));
        Assert.Equal(1, h.CountContacts("C1", ContactChannel.Email, ConsentPurpose.Marketing, t, t.AddDays(7)));
        Assert.Equal(1, h.CountContacts("C1", null, ConsentPurpose.Marketing, t.AddTicks(1), t.AddDays(7)));
        Assert.Equal(0, h.CountContacts("C1", null, ConsentPurpose.Marketing, t.AddDays(2), t.AddDays(7)));
        Assert.Equal(0, h.CountContacts("C2", null, ConsentPurpose.Marketing, t, t.AddDays(7)));
    }

    [Fact]
    public void FrequencyCap_RejectsBadSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrequencyCap(-1, TimeSpan.FromDays(7)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrequencyCap(2, TimeSpan.Zero));
    }
}
