#pragma warning disable CA5394 // Random drives exploration, not security.

using System.Globalization;
using MathNet.Numerics.Distributions;

namespace CemCore.Recommendations;

/// <summary>One logged decision of an offer policy: what was shown, with which probability, and what happened.</summary>
/// <param name="Context">The context features x (empty for a context-free bandit).</param>
/// <param name="Action">The offer chosen.</param>
/// <param name="Propensity">The probability with which the logging policy chose it, in (0, 1].</param>
/// <param name="Reward">The observed reward (for example 1 for a conversion, 0 otherwise); NaN until known.</param>
public sealed record LoggedDecision(IReadOnlyList<double> Context, string Action, double Propensity, double Reward = double.NaN);

/// <summary>
/// Thompson sampling for Bernoulli rewards (Thompson 1933; Chapelle and Li 2011): each offer has a Beta(α, β) posterior of its conversion
/// rate; a decision samples every posterior and shows the offer with the largest draw. The logged propensity is the probability of that
/// choice under the current posteriors, estimated by Monte Carlo (the decision's own draw plus <c>propensitySamples − 1</c> more, so it is
/// never 0).
/// </summary>
/// <remarks>Seeded and deterministic for a given sequence of calls. Thread-safe (calls are serialized).</remarks>
public sealed class ThompsonSamplingBandit
{
    private readonly object _gate = new();
    private readonly string[] _arms;
    private readonly double[] _alpha;
    private readonly double[] _beta;
    private readonly Random _random;
    private readonly int _samples;

    /// <summary>Creates the bandit with a Beta(priorAlpha, priorBeta) prior on every arm.</summary>
    /// <param name="arms">The offers (at least one, distinct).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="priorAlpha">Prior successes + 1, positive.</param>
    /// <param name="priorBeta">Prior failures + 1, positive.</param>
    /// <param name="propensitySamples">Monte Carlo draws per propensity estimate, at least 1.</param>
    /// <exception cref="ArgumentException">No arms, duplicate arms, or a non-positive prior.</exception>
    public ThompsonSamplingBandit(IEnumerable<string> arms, int seed, double priorAlpha = 1, double priorBeta = 1, int propensitySamples = 1000)
    {
        ArgumentNullException.ThrowIfNull(arms);
        _arms = Bandit.Arms(arms, nameof(arms));
        if (!(priorAlpha > 0 && priorBeta > 0 && double.IsFinite(priorAlpha) && double.IsFinite(priorBeta)))
        {
            throw new ArgumentOutOfRangeException(nameof(priorAlpha), string.Create(CultureInfo.InvariantCulture, $"The prior must be positive and finite, not Beta({priorAlpha}, {priorBeta})."));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(propensitySamples, 1);
        _alpha = Enumerable.Repeat(priorAlpha, _arms.Length).ToArray();
        _beta = Enumerable.Repeat(priorBeta, _arms.Length).ToArray();
        _random = new Random(seed);
        _samples = propensitySamples;
    }

    /// <summary>Gets the offers.</summary>
    public IReadOnlyList<string> Arms => _arms;

    /// <summary>Chooses an offer and returns the decision to log (reward unknown).</summary>
    /// <returns>The decision.</returns>
    public LoggedDecision Choose()
    {
        lock (_gate)
        {
            var chosen = Draw();
            var wins = 1;
            for (var s = 1; s < _samples; s++)
            {
                if (Draw() == chosen)
                {
                    wins++;
                }
            }

            return new LoggedDecision([], _arms[chosen], wins / (double)_samples);
        }
    }

    /// <summary>Updates the posterior of an offer with a Bernoulli outcome.</summary>
    /// <param name="arm">The offer.</param>
    /// <param name="converted">Whether it converted.</param>
    /// <exception cref="ArgumentException">Unknown offer.</exception>
    public void Update(string arm, bool converted)
    {
        var a = Bandit.IndexOf(_arms, arm);
        lock (_gate)
        {
            if (converted)
            {
                _alpha[a]++;
            }
            else
            {
                _beta[a]++;
            }
        }
    }

    /// <summary>Returns the posterior mean conversion rate of an offer: α / (α + β).</summary>
    /// <param name="arm">The offer.</param>
    /// <returns>The mean.</returns>
    public double PosteriorMean(string arm)
    {
        var a = Bandit.IndexOf(_arms, arm);
        lock (_gate)
        {
            return _alpha[a] / (_alpha[a] + _beta[a]);
        }
    }

    private int Draw()
    {
        var best = 0;
        var bestValue = double.NegativeInfinity;
        for (var a = 0; a < _arms.Length; a++)
        {
            var v = Beta.Sample(_random, _alpha[a], _beta[a]);
            if (v > bestValue)
            {
                (best, bestValue) = (a, v);
            }
        }

        return best;
    }
}

/// <summary>
/// LinUCB with disjoint linear models (Li, Chu, Langford and Schapire 2010): per offer a ridge regression θₐ = Aₐ⁻¹bₐ of the reward on the
/// context; the offer with the largest θₐ·x + α√(xᵀAₐ⁻¹x) is chosen (ties: first offer). With ε-greedy exploration (ε &gt; 0) a uniformly
/// random offer is shown with probability ε, so every offer has propensity ≥ ε / offers and the logs support off-policy evaluation.
/// </summary>
/// <remarks>Aₐ⁻¹ is kept by Sherman–Morrison updates. Seeded; thread-safe (calls are serialized).</remarks>
public sealed class LinUcbBandit
{
    private readonly object _gate = new();
    private readonly string[] _arms;
    private readonly double[][] _inverse;
    private readonly double[][] _b;
    private readonly Random _random;

    /// <summary>Creates the bandit.</summary>
    /// <param name="arms">The offers.</param>
    /// <param name="dimension">Context features d, at least 1.</param>
    /// <param name="alpha">Exploration width α ≥ 0.</param>
    /// <param name="epsilon">Uniform exploration probability ε in [0, 1].</param>
    /// <param name="seed">The seed of the ε draws.</param>
    /// <param name="ridge">Ridge λ &gt; 0 (Aₐ starts at λI).</param>
    /// <exception cref="ArgumentException">No or duplicate arms or a parameter outside its range.</exception>
    public LinUcbBandit(IEnumerable<string> arms, int dimension, double alpha, double epsilon, int seed, double ridge = 1)
    {
        ArgumentNullException.ThrowIfNull(arms);
        _arms = Bandit.Arms(arms, nameof(arms));
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(alpha >= 0 && double.IsFinite(alpha)))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "alpha must be finite and ≥ 0.");
        }

        if (!(epsilon is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "epsilon must be in [0, 1].");
        }

        if (!(ridge > 0 && double.IsFinite(ridge)))
        {
            throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "ridge must be finite and > 0.");
        }

        Dimension = dimension;
        Alpha = alpha;
        Epsilon = epsilon;
        _random = new Random(seed);
        _inverse = _arms.Select(_ =>
        {
            var m = new double[dimension * dimension];
            for (var k = 0; k < dimension; k++)
            {
                m[(k * dimension) + k] = 1 / ridge;
            }

            return m;
        }).ToArray();
        _b = _arms.Select(_ => new double[dimension]).ToArray();
    }

    /// <summary>Gets d.</summary>
    public int Dimension { get; }

    /// <summary>Gets α.</summary>
    public double Alpha { get; }

    /// <summary>Gets ε.</summary>
    public double Epsilon { get; }

    /// <summary>Gets the offers.</summary>
    public IReadOnlyList<string> Arms => _arms;

    /// <summary>Chooses an offer for a context and returns the decision to log.</summary>
    /// <param name="context">x, of length d, finite.</param>
    /// <returns>The decision with its propensity.</returns>
    public LoggedDecision Choose(IReadOnlyList<double> context)
    {
        var x = Bandit.Context(context, Dimension);
        lock (_gate)
        {
            var greedy = Greedy(x);
            var n = _arms.Length;
            var chosen = Epsilon > 0 && _random.NextDouble() < Epsilon ? _random.Next(n) : greedy;
            var propensity = ((chosen == greedy ? 1 - Epsilon : 0) + (Epsilon / n));
            return new LoggedDecision(x, _arms[chosen], propensity);
        }
    }

    /// <summary>Returns the probability that <see cref="Choose"/> shows <paramref name="arm"/> for a context under the current model (a target policy for off-policy evaluation).</summary>
    /// <param name="context">x.</param>
    /// <param name="arm">The offer.</param>
    /// <returns>The probability.</returns>
    public double Probability(IReadOnlyList<double> context, string arm)
    {
        var x = Bandit.Context(context, Dimension);
        var a = Bandit.IndexOf(_arms, arm);
        lock (_gate)
        {
            return (Greedy(x) == a ? 1 - Epsilon : 0) + (Epsilon / _arms.Length);
        }
    }

    /// <summary>Updates the chosen offer's model with the observed reward.</summary>
    /// <param name="context">x.</param>
    /// <param name="arm">The offer shown.</param>
    /// <param name="reward">The reward, finite.</param>
    public void Update(IReadOnlyList<double> context, string arm, double reward)
    {
        var x = Bandit.Context(context, Dimension);
        var a = Bandit.IndexOf(_arms, arm);
        if (!double.IsFinite(reward))
        {
            throw new ArgumentOutOfRangeException(nameof(reward), reward, "The reward must be finite.");
        }

        lock (_gate)
        {
            // Sherman–Morrison: (A + xxᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x).
            var inv = _inverse[a];
            var d = Dimension;
            var ax = new double[d];
            for (var r = 0; r < d; r++)
            {
                ax[r] = ImplicitAls.Dot(inv.AsSpan(r * d, d), x.AsSpan());
            }

            var denom = 1 + ImplicitAls.Dot(x, ax);
            for (var r = 0; r < d; r++)
            {
                for (var c = 0; c < d; c++)
                {
                    inv[(r * d) + c] -= ax[r] * ax[c] / denom;
                }
            }

            for (var k = 0; k < d; k++)
            {
                _b[a][k] += reward * x[k];
            }
        }
    }

    private int Greedy(double[] x)
    {
        var d = Dimension;
        var best = 0;
        var bestValue = double.NegativeInfinity;
        var ax = new double[d];
        for (var a = 0; a < _arms.Length; a++)
        {
            var inv = _inverse[a];
            for (var r = 0; r < d; r++)
            {
                ax[r] = ImplicitAls.Dot(inv.AsSpan(r * d, d), x.AsSpan());
            }

            var mean = ImplicitAls.Dot(ax, _b[a]); // θ·x = (A⁻¹b)·x = b·(A⁻¹x), A⁻¹ symmetric
            var ucb = mean + (Alpha * Math.Sqrt(Math.Max(0, ImplicitAls.Dot(x, ax))));
            if (ucb > bestValue)
            {
                (best, bestValue) = (a, ucb);
            }
        }

        return best;
    }
}

/// <summary>Shared argument checks of the bandits.</summary>
internal static class Bandit
{
    public static string[] Arms(IEnumerable<string> arms, string paramName)
    {
        var list = arms.ToArray();
        if (list.Length == 0 || list.Any(string.IsNullOrWhiteSpace) || list.Distinct(StringComparer.Ordinal).Count() != list.Length)
        {
            throw new ArgumentException("Expected at least one offer, no blank or duplicate ids.", paramName);
        }

        return list;
    }

    public static int IndexOf(string[] arms, string arm)
    {
        var a = Array.IndexOf(arms, arm);
        return a >= 0 ? a : throw new ArgumentException("Unknown offer id.", nameof(arm));
    }

    public static double[] Context(IReadOnlyList<double> context, int dimension)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Count != dimension || context.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The context must have {dimension} finite values (got {context.Count})."), nameof(context));
        }

        return [.. context];
    }
}
