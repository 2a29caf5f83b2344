using System.Globalization;

namespace CemCore.Rules;

/// <summary>Reads a number from a context; returns <see langword="false"/> when the value is missing.</summary>
internal delegate bool NumberGetter(CustomerContext context, out double value);

/// <summary>Reads an instant from a context; returns <see langword="false"/> when the value is missing.</summary>
internal delegate bool InstantGetter(CustomerContext context, out DateTimeOffset value);

/// <summary>Reads a text from a context; returns <see langword="false"/> when the value is missing (null or empty).</summary>
internal delegate bool TextGetter(CustomerContext context, out string value);

/// <summary>Reads a list of texts from a context; returns <see langword="false"/> when the value is missing.</summary>
internal delegate bool TextListGetter(CustomerContext context, out IReadOnlyList<string> value);

/// <summary>A resolved field: a typed accessor bound at build/load time.</summary>
internal abstract class FieldAccessor(string name, FieldType type)
{
    public string Name { get; } = name;

    public FieldType Type { get; } = type;

    /// <summary>Allowed values for enumerated text fields (case-insensitive), or empty for open text.</summary>
    public IReadOnlyList<string> AllowedValues { get; init; } = [];

    public abstract bool IsPresent(CustomerContext context);

    /// <summary>Formats the value seen for an explanation, or <see langword="null"/> when missing (explain path only: allocates).</summary>
    public abstract string? Format(CustomerContext context);
}

internal sealed class NumberAccessor(string name, NumberGetter getter) : FieldAccessor(name, FieldType.Number)
{
    /// <summary>Gets the getter itself, so compiled nodes call it without going through the accessor.</summary>
    public NumberGetter Getter { get; } = getter;

    public bool TryGet(CustomerContext context, out double value) => Getter(context, out value);

    /// <summary>Gets the smallest value the field can take (operands below it are load errors).</summary>
    public double Min { get; init; } = double.NegativeInfinity;

    /// <summary>Gets the largest value the field can take (operands above it are load errors).</summary>
    public double Max { get; init; } = double.PositiveInfinity;

    public override bool IsPresent(CustomerContext context) => Getter(context, out _);

    public override string? Format(CustomerContext context) =>
        Getter(context, out var v) ? v.ToString("G", CultureInfo.InvariantCulture) : null;
}

internal sealed class InstantAccessor(string name, InstantGetter getter) : FieldAccessor(name, FieldType.Instant)
{
    /// <summary>Gets the getter itself, so compiled nodes call it without going through the accessor.</summary>
    public InstantGetter Getter { get; } = getter;

    public bool TryGet(CustomerContext context, out DateTimeOffset value) => Getter(context, out value);

    public override bool IsPresent(CustomerContext context) => Getter(context, out _);

    public override string? Format(CustomerContext context) =>
        Getter(context, out var v) ? v.ToString("O", CultureInfo.InvariantCulture) : null;
}

internal sealed class TextAccessor(string name, TextGetter getter) : FieldAccessor(name, FieldType.Text)
{
    /// <summary>Gets the getter itself, so compiled nodes call it without going through the accessor.</summary>
    public TextGetter Getter { get; } = getter;

    public bool TryGet(CustomerContext context, out string value) => Getter(context, out value);

    public override bool IsPresent(CustomerContext context) => Getter(context, out _);

    public override string? Format(CustomerContext context) => Getter(context, out var v) ? v : null;
}

/// <summary>An enumerated text field read as the enum's underlying number (no string compare on the hot path).</summary>
internal delegate bool EnumGetter(CustomerContext context, out int value);

/// <summary>An enumerated text field (lifecycle stage, gender, return reason): compiled to a bit-mask test on the enum number.</summary>
internal sealed class EnumAccessor : FieldAccessor
{
    private readonly EnumGetter _getter;
    private readonly string?[] _names;

    public EnumAccessor(string name, EnumGetter getter, string?[] names, IReadOnlyList<string> allowed)
        : base(name, FieldType.Text)
    {
        _getter = getter;
        _names = names;
        AllowedValues = allowed;
    }

    public bool TryGet(CustomerContext context, out int value) => _getter(context, out value);

    /// <summary>Gets the getter itself, so compiled nodes call it without going through the accessor.</summary>
    public EnumGetter Getter => _getter;

    /// <summary>Returns the enum number of a name (case-insensitive), or −1.</summary>
    public int ValueOf(string name)
    {
        for (var i = 0; i < _names.Length; i++)
        {
            if (string.Equals(_names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    public override bool IsPresent(CustomerContext context) => _getter(context, out _);

    public override string? Format(CustomerContext context) =>
        _getter(context, out var v) && (uint)v < (uint)_names.Length ? _names[v] : null;
}

internal sealed class TextListAccessor(string name, TextListGetter getter) : FieldAccessor(name, FieldType.TextList)
{
    /// <summary>Gets the getter itself, so compiled nodes call it without going through the accessor.</summary>
    public TextListGetter Getter { get; } = getter;

    public bool TryGet(CustomerContext context, out IReadOnlyList<string> value) => Getter(context, out value);

    public override bool IsPresent(CustomerContext context) => Getter(context, out _);

    public override string? Format(CustomerContext context)
    {
        if (!Getter(context, out var v))
        {
            return null;
        }

        return "[" + string.Join(", ", v) + "]";
    }
}

/// <summary>Cached enum names so enumerated fields read as text without allocating.</summary>
internal static class EnumNames<TEnum>
    where TEnum : struct, Enum
{
    public static readonly string?[] Names = Build();

    public static IReadOnlyList<string> Allowed { get; } = Array.AsReadOnly(Enum.GetNames<TEnum>());

    /// <summary>Returns the cached name of the value with the given underlying number (no boxing), or empty when undefined.</summary>
    public static string Of(int value) => (uint)value < (uint)Names.Length && Names[value] is { } n ? n : string.Empty;

    private static string?[] Build()
    {
        var values = Enum.GetValues<TEnum>();
        var max = 0;
        foreach (var v in values)
        {
            max = Math.Max(max, Convert.ToInt32(v, CultureInfo.InvariantCulture));
        }

        var names = new string?[max + 1];
        foreach (var v in values)
        {
            names[Convert.ToInt32(v, CultureInfo.InvariantCulture)] = v.ToString();
        }

        return names;
    }
}
