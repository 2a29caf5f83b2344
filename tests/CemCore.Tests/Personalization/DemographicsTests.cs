using CemCore.Customers;

namespace CemCore.Tests.Personalization;

/// <summary>
/// <see cref="Demographics.BirthDate"/> has an explicit backing field since the twenty-first session (issue 17: the decision engine asks for
/// the object's cache line from that field's address). The record must behave as before: equality, hashing, <c>with</c>, deconstruction and
/// text all see the birth date.
/// </summary>
public sealed class DemographicsTests
{
    [Fact]
    public void BirthDate_TakesPartInEqualityWithDeconstructionAndText()
    {
        var born = new DateOnly(1990, 2, 3);
        var a = new Demographics(BirthDate: born, AgeBand: "25-34", Gender: Gender.Female, Region: "Zhejiang", City: "Hangzhou", CityTier: 2, Occupation: "Designer");
        var b = new Demographics(BirthDate: born, AgeBand: "25-34", Gender: Gender.Female, Region: "Zhejiang", City: "Hangzhou", CityTier: 2, Occupation: "Designer");
        Assert.Equal(born, a.BirthDate);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());

        var other = a with { BirthDate = new DateOnly(1991, 2, 3) };
        Assert.Equal(new DateOnly(1991, 2, 3), other.BirthDate);
        Assert.NotEqual(a, other);
        Assert.Equal(born, a.BirthDate); // the original is unchanged
        Assert.Equal(a, other with { BirthDate = born });
        Assert.NotEqual(a, a with { BirthDate = null });

        var (birthDate, ageBand, gender, region, city, cityTier, occupation) = a;
        Assert.Equal((born, "25-34", Gender.Female, "Zhejiang", "Hangzhou", 2, "Designer"), (birthDate, ageBand, gender, region, city, cityTier, occupation));
        Assert.Contains("BirthDate = " + born, a.ToString(), StringComparison.Ordinal);
        Assert.Equal(35, a.AgeOn(new DateOnly(2025, 2, 3)));
        Assert.Null(Demographics.Unknown.BirthDate);
    }
}
