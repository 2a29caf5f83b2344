namespace CemCore.Messaging;

/// <summary>The encoding an SMS needs.</summary>
public enum SmsEncoding
{
    /// <summary>GSM 03.38 7-bit default alphabet (with its extension table): 160 septets in one message, 153 per part when concatenated.</summary>
    Gsm7 = 0,

    /// <summary>UCS-2 (any character outside GSM-7, such as Chinese): 70 code units in one message, 67 per part when concatenated.</summary>
    Ucs2 = 1,
}

/// <summary>How an SMS text splits into parts.</summary>
/// <param name="Encoding">GSM-7 or UCS-2.</param>
/// <param name="Units">Septets (GSM-7; extension characters count 2) or UTF-16 code units (UCS-2).</param>
/// <param name="Segments">Message parts billed by the carrier (0 for empty text).</param>
public readonly record struct SmsCount(SmsEncoding Encoding, int Units, int Segments);

/// <summary>
/// Counts SMS length and parts per 3GPP TS 23.038 (GSM 7-bit default alphabet and extension table) and TS 23.040 (concatenation with a
/// 6-byte user-data header: 153 septets or 67 UCS-2 characters per part).
/// </summary>
/// <remarks>
/// Parts are filled greedily and an extension character (an escape plus one septet) or a surrogate pair is never split across two
/// parts, as handsets and SMS centres do. Thread-safe and allocation-free.
/// </remarks>
public static class SmsSegments
{
    /// <summary>Septets in a single GSM-7 message.</summary>
    public const int Gsm7Single = 160;

    /// <summary>Septets per part of a concatenated GSM-7 message.</summary>
    public const int Gsm7Part = 153;

    /// <summary>Characters in a single UCS-2 message.</summary>
    public const int Ucs2Single = 70;

    /// <summary>Characters per part of a concatenated UCS-2 message.</summary>
    public const int Ucs2Part = 67;

    // GSM 03.38 basic character set (TS 23.038 §6.2.1), excluding the escape (0x1B).
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    // GSM 03.38 extension table (TS 23.038 §6.2.1.1): each costs an escape plus one septet.
    private const string Extension = "\f^{}\\[~]|€";

    /// <summary>Counts a text.</summary>
    /// <param name="text">The SMS text.</param>
    /// <returns>The encoding, units and parts.</returns>
    public static SmsCount Count(ReadOnlySpan<char> text)
    {
        var gsm = true;
        foreach (var c in text)
        {
            if (!Basic.Contains(c, StringComparison.Ordinal) && !Extension.Contains(c, StringComparison.Ordinal))
            {
                gsm = false;
                break;
            }
        }

        if (text.IsEmpty)
        {
            return new SmsCount(SmsEncoding.Gsm7, 0, 0);
        }

        if (gsm)
        {
            var units = 0;
            foreach (var c in text)
            {
                units += Extension.Contains(c, StringComparison.Ordinal) ? 2 : 1;
            }

            return new SmsCount(SmsEncoding.Gsm7, units, units <= Gsm7Single ? 1 : Fill(text, Gsm7Part, gsm: true));
        }

        return new SmsCount(SmsEncoding.Ucs2, text.Length, text.Length <= Ucs2Single ? 1 : Fill(text, Ucs2Part, gsm: false));
    }

    private static int Fill(ReadOnlySpan<char> text, int perPart, bool gsm)
    {
        var parts = 1;
        var used = 0;
        for (var i = 0; i < text.Length; i++)
        {
            int w;
            if (gsm)
            {
                w = Extension.Contains(text[i], StringComparison.Ordinal) ? 2 : 1;
            }
            else if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                w = 2;
                i++;
            }
            else
            {
                w = 1;
            }

            if (used + w > perPart)
            {
                parts++;
                used = 0;
            }

            used += w;
        }

        return parts;
    }
}
