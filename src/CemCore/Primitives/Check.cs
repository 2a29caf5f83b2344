using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace CemCore.Primitives;

/// <summary>Argument checks shared by the domain types. Messages name the parameter, the valid range and the value seen.</summary>
internal static class Check
{
    public static string NotBlank(string? value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(value, paramName);
        if (string.IsNullOrWhiteSpace(value))
        {
            ThrowBlank(paramName);
        }

        return value;
    }

    public static decimal NonNegative(decimal value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value < 0m)
        {
            ThrowNegative(value, paramName);
        }

        return value;
    }

    public static double Finite(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (!double.IsFinite(value))
        {
            ThrowNotFinite(value, paramName);
        }

        return value;
    }

    public static double Probability(double value, [CallerArgumentExpression(nameof(value))] string? paramName = null)
    {
        if (value is not (>= 0.0 and <= 1.0))
        {
            ThrowProbability(value, paramName);
        }

        return value;
    }

    public static IReadOnlyList<T> List<T>(IEnumerable<T>? items, [CallerArgumentExpression(nameof(items))] string? paramName = null)
    {
        if (items is null)
        {
            return [];
        }

        var copy = items.ToArray();
        for (var i = 0; i < copy.Length; i++)
        {
            if (copy[i] is null)
            {
                throw new ArgumentException($"Element {i} of {paramName} is null.", paramName);
            }
        }

        return Array.AsReadOnly(copy);
    }

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowBlank(string? paramName) =>
        throw new ArgumentException("The value must not be empty or white space.", paramName);

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNegative(decimal value, string? paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, "The amount must be zero or positive.");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowNotFinite(double value, string? paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, "The value must be a finite number (not NaN or infinity).");

    [DoesNotReturn, StackTraceHidden]
    public static void ThrowProbability(double value, string? paramName) =>
        throw new ArgumentOutOfRangeException(paramName, value, "The probability must be in [0, 1].");
}
