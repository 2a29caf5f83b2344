using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace CemCore.Experiments.Statistics;

/// <summary>Argument checks for the statistics (messages name the parameter, the range and the value).</summary>
internal static class Guard
{
    public static double Alpha(double alpha, [CallerArgumentExpression(nameof(alpha))] string? name = null)
    {
        if (alpha is not (> 0.0 and < 1.0))
        {
            Throw(name, alpha, "must be in the open interval (0, 1)");
        }

        return alpha;
    }

    public static double Confidence(double confidence, [CallerArgumentExpression(nameof(confidence))] string? name = null)
    {
        if (confidence is not (> 0.0 and < 1.0))
        {
            Throw(name, confidence, "must be in the open interval (0, 1), e.g. 0.95");
        }

        return confidence;
    }

    public static double OpenProbability(double p, [CallerArgumentExpression(nameof(p))] string? name = null)
    {
        if (p is not (> 0.0 and < 1.0))
        {
            Throw(name, p, "must be in the open interval (0, 1)");
        }

        return p;
    }

    public static double Finite(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!double.IsFinite(value))
        {
            Throw(name, value, "must be a finite number (not NaN or infinity)");
        }

        return value;
    }

    public static double NonNegative(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value >= 0.0) || double.IsInfinity(value))
        {
            Throw(name, value, "must be a finite number ≥ 0");
        }

        return value;
    }

    public static double Positive(double value, [CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (!(value > 0.0) || double.IsInfinity(value))
        {
            Throw(name, value, "must be a finite number > 0");
        }

        return value;
    }

    public static void Counts(long successes, long trials, [CallerArgumentExpression(nameof(successes))] string? successesName = null, [CallerArgumentExpression(nameof(trials))] string? trialsName = null)
    {
        if (trials < 0)
        {
            throw new ArgumentOutOfRangeException(trialsName, trials, $"{trialsName} must be ≥ 0 but was {trials}.");
        }

        if (successes < 0 || successes > trials)
        {
            throw new ArgumentOutOfRangeException(successesName, successes, $"{successesName} must be in [0, {trialsName}] = [0, {trials}] but was {successes}.");
        }
    }

    public static void PositiveCount(double n, [CallerArgumentExpression(nameof(n))] string? name = null)
    {
        if (!(n >= 1.0) || double.IsInfinity(n))
        {
            Throw(name, n, "must be a finite count ≥ 1");
        }
    }

    [DoesNotReturn, StackTraceHidden]
    public static void Throw(string? name, double value, string rule) =>
        throw new ArgumentOutOfRangeException(name, value, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name} {rule} but was {value:R}."));
}
