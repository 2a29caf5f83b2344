using CemCore.Recommendations;

namespace CemCore.Tests.Recommendations;

/// <summary>Thompson sampling, LinUCB and off-policy evaluation (IPS, SNIPS, doubly robust) on hand-computed logs and seeded simulations.</summary>
public sealed class BanditTests
{
    private static readonly string[] Offers = ["a", "b", "c"];

    [Fact]
    public void Ope_HandComputed()
    {
        // Target: always "b". Logs: (a, p=0.5, r=1), (b, p=0.25, r=1), (b, p=0.5, r=0), (c, p=0.25, r=0).
        // w = [0, 4, 2, 0]; IPS = (0 + 4 + 0 + 0) / 4 = 1; SNIPS = 4 / 6.
        LoggedDecision[] logs = [new([], "a", 0.5, 1), new([], "b", 0.25, 1), new([], "b", 0.5, 0), new([], "c", 0.25, 0), new([], "a", 0.5)];
        static double Target(IReadOnlyList<double> x, string a) => a == "b" ? 1 : 0;
        var ips = OffPolicyEvaluation.Ips(logs, Target);
        Assert.Equal(4, ips.Count); // the unknown reward is skipped
        Assert.Equal(1.0, ips.Value, 15);
        Assert.Equal(1.0, ips.StandardError, 12); // terms 0,4,0,0: sd = √(12/3) = 2, /√4
        Assert.Equal(1 - (1.959963984540054 * ips.StandardError), ips.Lower, 9);
        var snips = OffPolicyEvaluation.SelfNormalizedIps(logs, Target);
        Assert.Equal(4 / 6.0, snips.Value, 15);
        Assert.Equal(36 / 20.0, snips.EffectiveSampleSize, 12); // (Σw)² / Σw² = 36 / 20

        // DR with q̂ = 0.5 everywhere: direct 0.5 + w (r − 0.5): [0.5, 0.5 + 2, 0.5 − 1, 0.5] → mean 0.75.
        var dr = OffPolicyEvaluation.DoublyRobust(logs, Target, Offers, (_, _) => 0.5);
        Assert.Equal(0.75, dr.Value, 15);

        Assert.Throws<ArgumentException>(() => OffPolicyEvaluation.Ips([new([], "a", 0, 1)], Target));
        Assert.Throws<ArgumentException>(() => OffPolicyEvaluation.Ips([new([], "a", 0.5, 1)], (_, _) => 2));
    }

    [Fact]
    public void Ope_RecoversTheTargetValue_OnUniformLogs()
    {
        // Logging: uniform over three offers with conversion rates 0.1, 0.3, 0.2; target: always "b" (true value 0.3).
#pragma warning disable CA5394
        var random = new Random(17);
#pragma warning restore CA5394
        double[] rates = [0.1, 0.3, 0.2];
        var logs = Enumerable.Range(0, 20_000).Select(_ =>
        {
#pragma warning disable CA5394
            var a = random.Next(3);
            return new LoggedDecision([], Offers[a], 1 / 3.0, random.NextDouble() < rates[a] ? 1 : 0);
#pragma warning restore CA5394
        }).ToArray();
        static double Target(IReadOnlyList<double> x, string a) => a == "b" ? 1 : 0;
        foreach (var e in new[] { OffPolicyEvaluation.Ips(logs, Target), OffPolicyEvaluation.SelfNormalizedIps(logs, Target), OffPolicyEvaluation.DoublyRobust(logs, Target, Offers, (_, a) => rates[Array.IndexOf(Offers, a)]) })
        {
            Assert.InRange(0.3, e.Lower, e.Upper);
            Assert.InRange(e.Value, 0.28, 0.32);
        }

        // A correct reward model makes DR's interval narrower than IPS's (variance 0.63 vs 0.81 per decision here).
        var drExact = OffPolicyEvaluation.DoublyRobust(logs, Target, Offers, (_, a) => rates[Array.IndexOf(Offers, a)]);
        Assert.True(drExact.StandardError < 0.95 * OffPolicyEvaluation.Ips(logs, Target).StandardError);
    }

    [Fact]
    public void Thompson_ConvergesToBestOffer_LogsPropensities_Deterministically()
    {
        static (string Best, double[] Propensities) Run(int seed)
        {
            var bandit = new ThompsonSamplingBandit(Offers, seed, propensitySamples: 200);
#pragma warning disable CA5394
            var world = new Random(99);
#pragma warning restore CA5394
            double[] rates = [0.05, 0.25, 0.1];
            var props = new List<double>();
            for (var t = 0; t < 2000; t++)
            {
                var d = bandit.Choose();
                Assert.InRange(d.Propensity, 1 / 200.0, 1);
                props.Add(d.Propensity);
#pragma warning disable CA5394
                bandit.Update(d.Action, world.NextDouble() < rates[Array.IndexOf(Offers, d.Action)]);
#pragma warning restore CA5394
            }

            return (Offers.MaxBy(bandit.PosteriorMean)!, [.. props]);
        }

        var first = Run(5);
        Assert.Equal("b", first.Best);
        Assert.True(first.Propensities[^100..].Average() > 0.8);
        Assert.Equal(first.Propensities, Run(5).Propensities);
        Assert.Throws<ArgumentException>(() => new ThompsonSamplingBandit(["x", "x"], 1));
    }

    [Fact]
    public void LinUcb_LearnsContextualBestOffer_WithEpsilonPropensities()
    {
        // Reward: offer a pays 1 when x0 = 1, offer b pays 1 when x1 = 1; c never pays.
        var bandit = new LinUcbBandit(Offers, 2, alpha: 0.5, epsilon: 0.3, seed: 3);
#pragma warning disable CA5394
        var world = new Random(8);
#pragma warning restore CA5394
        for (var t = 0; t < 600; t++)
        {
#pragma warning disable CA5394
            double[] x = world.Next(2) == 0 ? [1, 0] : [0, 1];
#pragma warning restore CA5394
            var d = bandit.Choose(x);
            Assert.True(Math.Abs(d.Propensity - 0.1) < 1e-12 || Math.Abs(d.Propensity - 0.8) < 1e-12); // ε/3 or 1 − ε + ε/3
            var reward = (d.Action == "a" && x[0] == 1) || (d.Action == "b" && x[1] == 1) ? 1 : 0;
            bandit.Update(x, d.Action, reward);
        }

        Assert.Equal(0.8, bandit.Probability([1, 0], "a"), 12);
        Assert.Equal(0.8, bandit.Probability([0, 1], "b"), 12);
        Assert.Equal(0.1, bandit.Probability([0, 1], "c"), 12);
        Assert.Throws<ArgumentException>(() => bandit.Choose([1]));
        Assert.Throws<ArgumentException>(() => bandit.Update([1, 0], "zzz", 1));
    }
}
