using CemCore.Churn;

namespace CemCore.Tests.Churn;

public sealed class WinBackPolicyTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Evaluate_EmitsTriggersStrictlyAboveThreshold()
    {
        var policy = new WinBackPolicy(0.6);
        var triggers = policy.Evaluate(["a", "b", "c", "d"], [0.2, 0.6, 0.61, 0.99], AsOf);
        Assert.Equal([new WinBackTrigger("c", 0.61, 0.6, AsOf), new WinBackTrigger("d", 0.99, 0.6, AsOf)], triggers);
    }

    [Fact]
    public void BadInput_Throws()
    {
        Assert.Equal("threshold", Assert.Throws<ArgumentOutOfRangeException>(() => new WinBackPolicy(1.0)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WinBackPolicy(double.NaN));
        var policy = new WinBackPolicy();
        Assert.Throws<ArgumentException>(() => policy.Evaluate(["a"], [0.1, 0.2], AsOf));
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.TryTrigger("a", double.NaN, AsOf, out _));
        Assert.Throws<ArgumentException>(() => policy.TryTrigger(" ", 0.9, AsOf, out _));
        Assert.False(policy.TryTrigger("a", 0.5, AsOf, out var none));
        Assert.Null(none);
    }
}
