using CemCore.Lifecycle;

namespace CemCore.Tests.Lifecycle;

public sealed class LifecycleSettingsTests
{
    [Fact]
    public void Default_HasDocumentedValues()
    {
        var s = LifecycleSettings.Default;
        Assert.Equal(30.0, s.PopulationIntervalDays);
        Assert.Equal(2.0, s.PriorWeight);
        Assert.Equal(2.0, s.DeclineRatio);
        Assert.Equal(4.0, s.DormantRatio);
        Assert.Equal(365.0, s.DormantMaxDays);
        Assert.Equal(1, s.NewMaxPurchaseDays);
        Assert.Equal(5, s.MaturityMinPurchaseDays);
        Assert.Equal(180.0, s.MaturityMinTenureDays);
        Assert.Equal(0.7, s.DeclineAliveProbabilityBelow);
        Assert.Equal(0.3, s.DormantAliveProbabilityBelow);
        Assert.False(s.AliveProbabilityOverridesRhythm);
        Assert.Equal(s, new LifecycleSettings());
        Assert.Equal(45.0, s.WithPopulationIntervalDays(45).PopulationIntervalDays);
    }

    public static TheoryData<Func<LifecycleSettings>, string, string> Invalid => new()
    {
        { () => new LifecycleSettings(populationIntervalDays: 0.5), "populationIntervalDays", "[1, 3650]" },
        { () => new LifecycleSettings(populationIntervalDays: double.NaN), "populationIntervalDays", "[1, 3650]" },
        { () => new LifecycleSettings(priorWeight: -1), "priorWeight", "[0, 1000]" },
        { () => new LifecycleSettings(declineRatio: 1.0), "declineRatio", "(1, 100]" },
        { () => new LifecycleSettings(declineRatio: double.NaN), "declineRatio", "(1, 100]" },
        { () => new LifecycleSettings(declineRatio: 3, dormantRatio: 3), "dormantRatio", "(declineRatio = 3, 100]" },
        { () => new LifecycleSettings(dormantMaxDays: 0), "dormantMaxDays", "[1, 36500]" },
        { () => new LifecycleSettings(newMaxPurchaseDays: 0), "newMaxPurchaseDays", "[1, 1000]" },
        { () => new LifecycleSettings(newMaxPurchaseDays: 5, maturityMinPurchaseDays: 5), "maturityMinPurchaseDays", "(newMaxPurchaseDays = 5, 100000]" },
        { () => new LifecycleSettings(maturityMinTenureDays: -1), "maturityMinTenureDays", "[0, 36500]" },
        { () => new LifecycleSettings(declineAliveProbabilityBelow: 1.1), "declineAliveProbabilityBelow", "[0, 1]" },
        { () => new LifecycleSettings(dormantAliveProbabilityBelow: 0.8), "dormantAliveProbabilityBelow", "[0, 0.7]" },
        { () => LifecycleSettings.Default.WithPopulationIntervalDays(5000), "populationIntervalDays", "[1, 3650]" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Constructor_OutOfRange_ThrowsWithNameAndRange(Func<LifecycleSettings> create, string param, string range)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(create);
        Assert.Equal(param, ex.ParamName);
        Assert.Contains(range, ex.Message, StringComparison.Ordinal);
    }
}
