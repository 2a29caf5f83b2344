using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace CemCore.Messaging;

/// <summary>
/// A template that cannot be loaded (syntax error, unknown variable) or rendered (a declared variable has no value, the rendered
/// text does not fit the channel). The message names the template id, locale, channel, part and variable, never a customer value.
/// </summary>
public sealed class TemplateException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public TemplateException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong (no personal data).</param>
    public TemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong (no personal data).</param>
    /// <param name="innerException">The cause.</param>
    public TemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A parsed template text with strict <c>{{variable}}</c> placeholders.
/// </summary>
/// <remarks>
/// <para>Syntax: literal text with placeholders <c>{{name}}</c> (spaces inside the braces allowed). A name is 1-64 characters of
/// <c>a-z</c>, <c>0-9</c> and <c>_</c>, starting with a letter. <c>{{{{</c> writes a literal <c>{{</c>. Anything else that starts
/// with <c>{{</c> is a syntax error at load. There are no filters, conditionals or loops: templates cannot run code.</para>
/// <para>Rendering substitutes each placeholder once: values are data, never re-scanned for placeholders (no recursive expansion).
/// A placeholder without a value is an error, never a blank.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class TemplateText
{
    private readonly string[] _literals;
    private readonly string[] _variables;
    private string? _lastRendered;

    private TemplateText(string source, string[] literals, string[] variables)
    {
        Source = source;
        _literals = literals;
        _variables = variables;
    }

    /// <summary>Gets the template source.</summary>
    public string Source { get; }

    /// <summary>Gets the variables used, in order of appearance (with repeats).</summary>
    public IReadOnlyList<string> Variables => _variables;

    /// <summary>Parses a template.</summary>
    /// <param name="source">The template text.</param>
    /// <param name="where">Where the text comes from, for error messages (template id, locale, part).</param>
    /// <returns>The parsed template.</returns>
    /// <exception cref="TemplateException">A placeholder is malformed.</exception>
    public static TemplateText Parse(string source, string where)
    {
        ArgumentNullException.ThrowIfNull(source);
        var literals = new List<string>();
        var variables = new List<string>();
        var sb = new StringBuilder();
        var i = 0;
        while (i < source.Length)
        {
            if (source[i] == '{' && i + 1 < source.Length && source[i + 1] == '{')
            {
                if (string.CompareOrdinal(source, i, "{{{{", 0, 4) == 0)
                {
                    sb.Append("{{");
                    i += 4;
                    continue;
                }

                var end = source.IndexOf("}}", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new TemplateException($"{where}: unclosed placeholder at position {i}.");
                }

                var name = source[(i + 2)..end].Trim();
                if (!IsValidName(name))
                {
                    throw new TemplateException($"{where}: invalid placeholder name at position {i} (names are a-z, 0-9, '_', starting with a letter, at most 64).");
                }

                literals.Add(sb.ToString());
                sb.Clear();
                variables.Add(name);
                i = end + 2;
            }
            else
            {
                sb.Append(source[i]);
                i++;
            }
        }

        literals.Add(sb.ToString());
        return new TemplateText(source, [.. literals], [.. variables]);
    }

    /// <summary>Renders the template.</summary>
    /// <param name="values">Variable values (keys compared ordinally).</param>
    /// <param name="escape">Escapes each value for the output channel (for example HTML encoding); applied to values only.</param>
    /// <param name="where">Where the text comes from, for error messages.</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="TemplateException">A variable has no value.</exception>
    public string Render(IReadOnlyDictionary<string, string> values, Func<string, string> escape, string where)
    {
        ArgumentNullException.ThrowIfNull(where);
        return Render(values, escape, null, where);
    }

    /// <summary>Renders the template; the error location is built only when a variable has no value (no string per render).</summary>
    /// <param name="values">Variable values.</param>
    /// <param name="escape">Escapes each value.</param>
    /// <param name="template">The template, for error messages, or <see langword="null"/> when <paramref name="part"/> is the whole location.</param>
    /// <param name="part">The part (such as <c>body</c>), or with <paramref name="isField"/> the WeChat field name, for error messages.</param>
    /// <param name="isField">Whether <paramref name="part"/> is a field name.</param>
    /// <returns>The rendered text; a text without placeholders is returned as is (no copy).</returns>
    internal string Render(IReadOnlyDictionary<string, string> values, Func<string, string> escape, MessageTemplate? template, string part, bool isField = false)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(escape);
        if (_variables.Length == 0)
        {
            return _literals[0];
        }

        if (_variables.Length == 1 && _literals[0].Length == 0 && _literals[1].Length == 0 && values.TryGetValue(_variables[0], out var only) && only is not null)
        {
            return escape(only); // the text is one placeholder: the (escaped) value itself, no copy
        }

        var sb = RenderBuffer.Rent(Source.Length + 32);
        for (var k = 0; k < _variables.Length; k++)
        {
            sb.Append(_literals[k]);
            if (!values.TryGetValue(_variables[k], out var value) || value is null)
            {
                RenderBuffer.Return(sb);
                throw new TemplateException($"{(template is null ? part : template.Where(isField ? $"field '{part}'" : part))}: variable '{_variables[k]}' has no value.");
            }

            sb.Append(escape(value));
        }

        sb.Append(_literals[^1]);

        // Many customers get the same text (the generic salutation, the same offer and date): the last text rendered is reused when the new
        // one has the same characters, so a run allocates a string per distinct text, not per customer. A benign race: strings are immutable.
        var last = Volatile.Read(ref _lastRendered);
        if (last is not null && sb.Equals(last.AsSpan()))
        {
            RenderBuffer.Return(sb);
            return last;
        }

        var text = RenderBuffer.ToStringAndReturn(sb);
        Volatile.Write(ref _lastRendered, text);
        return text;
    }

    internal static bool IsValidName([NotNullWhen(true)] string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !char.IsAsciiLetterLower(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>One reusable <see cref="StringBuilder"/> per thread for rendering (rendering is synchronous, so a buffer is never shared).</summary>
internal static class RenderBuffer
{
    private const int MaxKept = 4096;

    [ThreadStatic]
    private static StringBuilder? t_cached;

    /// <summary>Takes the thread's buffer (empty), or a new one when it is in use or too small to be worth keeping.</summary>
    /// <param name="capacity">The expected length.</param>
    /// <returns>An empty builder.</returns>
    public static StringBuilder Rent(int capacity)
    {
        var sb = t_cached;
        if (sb is not null && capacity <= MaxKept)
        {
            t_cached = null;
            sb.Clear();
            return sb;
        }

        return new StringBuilder(Math.Max(capacity, 16));
    }

    /// <summary>Gives a buffer back.</summary>
    /// <param name="sb">The buffer.</param>
    public static void Return(StringBuilder sb)
    {
        if (sb.Capacity <= MaxKept)
        {
            t_cached = sb;
        }
    }

    /// <summary>Returns the text and gives the buffer back.</summary>
    /// <param name="sb">The buffer.</param>
    /// <returns>The text.</returns>
    public static string ToStringAndReturn(StringBuilder sb)
    {
        var text = sb.ToString();
        Return(sb);
        return text;
    }
}
