using System.Text;

namespace CemCore.Rules;

/// <summary>One problem in a rule, condition or segment definition.</summary>
/// <param name="Path">Where: a JSON path such as <c>$.segments[2].when.all[1]</c>, or for C#-built definitions the definition name
/// followed by the same structural path (<c>conditions['lapsed'].all[1]</c>).</param>
/// <param name="Message">What is wrong and what is expected.</param>
/// <param name="Field">The field involved, or <see langword="null"/>.</param>
/// <param name="Value">The offending value as written, or <see langword="null"/>.</param>
public sealed record RuleDefinitionError(string Path, string Message, string? Field = null, string? Value = null)
{
    /// <summary>Returns <c>path: message (field 'f', value 'v')</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var sb = new StringBuilder(Path).Append(": ").Append(Message);
        if (Field is not null || Value is not null)
        {
            sb.Append(" (");
            if (Field is not null)
            {
                sb.Append("field '").Append(Field).Append('\'');
            }

            if (Value is not null)
            {
                sb.Append(Field is null ? string.Empty : ", ").Append("value '").Append(Value).Append('\'');
            }

            sb.Append(')');
        }

        return sb.ToString();
    }
}

/// <summary>
/// Thrown when definitions (built in C# or loaded from JSON) are invalid: unknown fields, wrong operand types, bad operators,
/// unknown references, reference cycles, contradictory ranges, malformed JSON. <see cref="Errors"/> lists every problem found.
/// </summary>
/// <remarks>Messages quote definition text (field names, operand values, definition names) and never customer data.</remarks>
public sealed class RuleDefinitionException : Exception
{
    /// <summary>Creates the exception with no errors listed.</summary>
    public RuleDefinitionException()
        : this("The rule definitions are invalid.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public RuleDefinitionException(string message)
        : base(message) => Errors = [];

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public RuleDefinitionException(string message, Exception innerException)
        : base(message, innerException) => Errors = [];

    /// <summary>Creates the exception from a list of errors (at least one).</summary>
    /// <param name="errors">The errors.</param>
    public RuleDefinitionException(IReadOnlyList<RuleDefinitionError> errors)
        : base(Format(errors)) => Errors = errors;

    /// <summary>Creates the exception from a list of errors and the exception that caused them (e.g. a JSON syntax error).</summary>
    /// <param name="errors">The errors.</param>
    /// <param name="innerException">The cause.</param>
    public RuleDefinitionException(IReadOnlyList<RuleDefinitionError> errors, Exception innerException)
        : base(Format(errors), innerException) => Errors = errors;

    /// <summary>Gets every problem found, in definition order.</summary>
    public IReadOnlyList<RuleDefinitionError> Errors { get; }

    private static string Format(IReadOnlyList<RuleDefinitionError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var sb = new StringBuilder();
        sb.Append(errors.Count == 1 ? "Invalid rule definition: " : $"{errors.Count} invalid rule definitions: ");
        const int Shown = 10;
        for (var i = 0; i < errors.Count && i < Shown; i++)
        {
            sb.Append(i == 0 ? string.Empty : "; ").Append(errors[i]);
        }

        if (errors.Count > Shown)
        {
            sb.Append("; … and ").Append(errors.Count - Shown).Append(" more");
        }

        return sb.Append('.').ToString();
    }
}
