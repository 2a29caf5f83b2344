using CemCore.Personalization;
using FsCheck.Xunit;

namespace CemCore.Tests.Personalization;

public sealed class CampaignBudgetTests
{
    [Fact]
    public void TryReserve_StopsAtCountLimit()
    {
        var budget = new CampaignBudget("c1", new BudgetLimits(MaxCount: 3));
        Assert.True(budget.TryReserve(10m));
        Assert.True(budget.TryReserve(10m));
        Assert.True(budget.TryReserve(10m));
        Assert.False(budget.TryReserve(0m));
        Assert.Equal(3, budget.Count);
        Assert.Equal(30m, budget.Amount);
    }

    [Fact]
    public void TryReserve_StopsAtMoneyLimit_AndGivesCountBack()
    {
        var budget = new CampaignBudget("c1", new BudgetLimits(MaxCount: 10, MaxAmount: 25m));
        Assert.True(budget.TryReserve(20m));
        Assert.False(budget.TryReserve(5.01m));
        Assert.Equal(1, budget.Count);
        Assert.True(budget.TryReserve(5m));
        Assert.Equal(25m, budget.Amount);
    }

    [Fact]
    public void TryReserve_RoundsCostUpToCents()
    {
        var budget = new CampaignBudget("c1", new BudgetLimits(MaxAmount: 0.02m));
        Assert.True(budget.TryReserve(0.011m));
        Assert.False(budget.TryReserve(0.001m));
    }

    [Fact]
    public void Release_GivesBackReservation()
    {
        var budget = new CampaignBudget("c1", new BudgetLimits(MaxCount: 1, MaxAmount: 10m));
        Assert.True(budget.TryReserve(10m));
        budget.Release(10m);
        Assert.True(budget.TryReserve(10m));
    }

    [Fact]
    public void Limits_RejectNegative()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetLimits(MaxCount: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BudgetLimits(MaxAmount: -0.01m));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CampaignBudget("c", new BudgetLimits()).TryReserve(-1m));
    }

    [Fact]
    public void TryReserve_ParallelHammering_NeverExceedsEitherLimit()
    {
        for (var round = 0; round < 5; round++)
        {
            var budget = new CampaignBudget("c1", new BudgetLimits(MaxCount: 700, MaxAmount: 5_000m));
            long granted = 0;
            long grantedCents = 0;
            Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            {
                var cost = (i % 13) + 0.5m;
                if (budget.TryReserve(cost))
                {
                    Interlocked.Increment(ref granted);
                    Interlocked.Add(ref grantedCents, (long)(cost * 100m));
                }
            });
            Assert.InRange(granted, 1, 700);
            Assert.InRange(grantedCents, 1, 500_000);
            Assert.Equal(granted, budget.Count);
            Assert.Equal(grantedCents / 100m, budget.Amount);
        }
    }

    [Property(MaxTest = 300)]
    public bool SequentialReservations_NeverExceedLimit(byte maxCount, ushort[] costsCents)
    {
        var budget = new CampaignBudget("c1", new BudgetLimits(maxCount, 300m));
        foreach (var c in costsCents ?? [])
        {
            budget.TryReserve(c / 100m);
        }

        return budget.Count <= maxCount && budget.Amount <= 300m;
    }
}
