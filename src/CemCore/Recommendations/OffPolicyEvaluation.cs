using System.Globalization;
using MathNet.Numerics.Distributions;

namespace CemCore.Recommendations;

/// <summary>An off-policy estimate of a target policy's mean reward with a normal-approximation confidence interval.</summary>
/// <param name="Value">The estimate.</param>
/// <param name="StandardError">Its standard error.</param>
/// <param name="Lower">Lower confidence bound.</param>
/// <param name="Upper">Upper confidence bound.</param>
/// <param name="Count">Logged decisions used.</param>
/// <param name="EffectiveSampleSize">(Σw)² / Σw² of the importance weights w = π(a|x) / p.</param>
public sealed record PolicyEstimate(double Value, double StandardError, double Lower, double Upper, int Count, double EffectiveSampleSize);

/// <summary>
/// Off-policy evaluation of a new offer policy π on decisions logged by another policy with propensities p (so a retailer can estimate a
/// policy before turning it on). With wᵢ = π(aᵢ|xᵢ) / pᵢ:
/// IPS = mean(wᵢ rᵢ) (Horvitz and Thompson 1952); SNIPS = Σ wᵢ rᵢ / Σ wᵢ (Swaminathan and Joachims 2015);
/// doubly robust = mean(Σₐ π(a|xᵢ) q̂(xᵢ, a) + wᵢ (rᵢ − q̂(xᵢ, aᵢ))) (Dudík, Langford and Li 2011).
/// </summary>
/// <remarks>
/// Confidence intervals are normal approximations: IPS and DR use the sample standard deviation of their terms / √n; SNIPS uses the
/// delta method, √(Σ wᵢ² (rᵢ − V)²) / Σ wᵢ. Decisions whose reward is NaN (unknown) are skipped. Stateless and thread-safe.
/// </remarks>
public static class OffPolicyEvaluation
{
    /// <summary>Inverse propensity scoring.</summary>
    /// <param name="logs">The logged decisions.</param>
    /// <param name="target">π(a | x): the probability the target policy shows offer a in context x.</param>
    /// <param name="confidence">The interval's confidence level in (0, 1), e.g. 0.95.</param>
    /// <returns>The estimate.</returns>
    public static PolicyEstimate Ips(IEnumerable<LoggedDecision> logs, Func<IReadOnlyList<double>, string, double> target, double confidence = 0.95)
    {
        var (w, r, _) = Weights(logs, target, confidence);
        return Mean(w.Select((x, i) => x * r[i]).ToArray(), w, confidence);
    }

    /// <summary>Self-normalized inverse propensity scoring.</summary>
    /// <param name="logs">The logged decisions.</param>
    /// <param name="target">π(a | x).</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>The estimate; NaN when every weight is 0.</returns>
    public static PolicyEstimate SelfNormalizedIps(IEnumerable<LoggedDecision> logs, Func<IReadOnlyList<double>, string, double> target, double confidence = 0.95)
    {
        var (w, r, _) = Weights(logs, target, confidence);
        var sw = w.Sum();
        var value = w.Select((x, i) => x * r[i]).Sum() / sw;
        var se = Math.Sqrt(w.Select((x, i) => x * x * (r[i] - value) * (r[i] - value)).Sum()) / sw;
        return Interval(value, se, w, confidence);
    }

    /// <summary>Doubly robust estimation with a reward model q̂.</summary>
    /// <param name="logs">The logged decisions.</param>
    /// <param name="target">π(a | x).</param>
    /// <param name="actions">Every offer the target policy may show (π sums to 1 over them).</param>
    /// <param name="rewardModel">q̂(x, a): the predicted reward of offer a in context x.</param>
    /// <param name="confidence">The confidence level in (0, 1).</param>
    /// <returns>The estimate.</returns>
    public static PolicyEstimate DoublyRobust(IEnumerable<LoggedDecision> logs, Func<IReadOnlyList<double>, string, double> target, IReadOnlyList<string> actions, Func<IReadOnlyList<double>, string, double> rewardModel, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(rewardModel);
        var (w, r, used) = Weights(logs, target, confidence);
        var terms = new double[w.Length];
        for (var i = 0; i < terms.Length; i++)
        {
            var x = used[i].Context;
            var direct = 0.0;
            foreach (var a in actions)
            {
                direct += target(x, a) * rewardModel(x, a);
            }

            terms[i] = direct + (w[i] * (r[i] - rewardModel(x, used[i].Action)));
        }

        return Mean(terms, w, confidence);
    }

    private static (double[] W, double[] R, LoggedDecision[] Used) Weights(IEnumerable<LoggedDecision> logs, Func<IReadOnlyList<double>, string, double> target, double confidence)
    {
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(target);
        if (!(confidence is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "The confidence level must be in (0, 1).");
        }

        var used = logs.Where(l => !double.IsNaN(l.Reward)).ToArray();
        var w = new double[used.Length];
        var r = new double[used.Length];
        for (var i = 0; i < used.Length; i++)
        {
            var l = used[i];
            if (!(l.Propensity is > 0 and <= 1))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Logged decision {i} has propensity {l.Propensity}; it must be in (0, 1]."), nameof(logs));
            }

            var pi = target(l.Context, l.Action);
            if (!(pi is >= 0 and <= 1))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The target policy returned {pi} for decision {i}; a probability must be in [0, 1]."), nameof(target));
            }

            if (!double.IsFinite(l.Reward))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Logged decision {i} has a non-finite reward."), nameof(logs));
            }

            w[i] = pi / l.Propensity;
            r[i] = l.Reward;
        }

        return (w, r, used);
    }

    private static PolicyEstimate Mean(double[] terms, double[] w, double confidence)
    {
        var n = terms.Length;
        if (n == 0)
        {
            return new PolicyEstimate(double.NaN, double.NaN, double.NaN, double.NaN, 0, 0);
        }

        var mean = terms.Average();
        var sd = n > 1 ? Math.Sqrt(terms.Sum(t => (t - mean) * (t - mean)) / (n - 1)) : double.NaN;
        return Interval(mean, sd / Math.Sqrt(n), w, confidence);
    }

    private static PolicyEstimate Interval(double value, double se, double[] w, double confidence)
    {
        var z = Normal.InvCDF(0, 1, (1 + confidence) / 2);
        var sw = w.Sum();
        var sw2 = w.Sum(x => x * x);
        return new PolicyEstimate(value, se, value - (z * se), value + (z * se), w.Length, sw2 > 0 ? sw * sw / sw2 : 0);
    }
}
