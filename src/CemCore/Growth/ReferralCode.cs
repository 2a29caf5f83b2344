using System.Security.Cryptography;

namespace CemCore.Growth;

/// <summary>
/// Referral codes: 8 random symbols of the Crockford base-32 alphabet (40 bits from a CSPRNG: unguessable) plus one check symbol
/// computed with the Luhn mod N algorithm (N = 32), which catches every single-symbol typo and most adjacent transpositions.
/// Input is normalized as Crockford suggests: case-insensitive, O → 0, I/L → 1, hyphens and spaces ignored.
/// </summary>
public static class ReferralCode
{
    /// <summary>The alphabet (no I, L, O, U).</summary>
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>The number of random symbols.</summary>
    public const int PayloadLength = 8;

    /// <summary>Creates a new code with its check symbol.</summary>
    /// <param name="random">The random source (default: the OS CSPRNG).</param>
    public static string Create(RandomNumberGenerator? random = null)
    {
        Span<byte> bytes = stackalloc byte[PayloadLength];
        if (random is null)
        {
            RandomNumberGenerator.Fill(bytes);
        }
        else
        {
            random.GetBytes(bytes);
        }

        Span<char> chars = stackalloc char[PayloadLength + 1];
        for (var i = 0; i < PayloadLength; i++)
        {
            chars[i] = Alphabet[bytes[i] & 31]; // 256 is a multiple of 32: unbiased
        }

        chars[PayloadLength] = CheckSymbol(chars[..PayloadLength]);
        return new string(chars);
    }

    /// <summary>Returns the Luhn mod 32 check symbol of <paramref name="payload"/> (already normalized).</summary>
    /// <param name="payload">Symbols of <see cref="Alphabet"/>.</param>
    public static char CheckSymbol(ReadOnlySpan<char> payload)
    {
        const int n = 32;
        var factor = 2;
        var sum = 0;
        for (var i = payload.Length - 1; i >= 0; i--)
        {
            var code = Alphabet.IndexOf(payload[i], StringComparison.Ordinal);
            if (code < 0)
            {
                throw new ArgumentException("The payload has a symbol outside the alphabet.", nameof(payload));
            }

            var addend = factor * code;
            factor = factor == 2 ? 1 : 2;
            sum += (addend / n) + (addend % n);
        }

        return Alphabet[(n - (sum % n)) % n];
    }

    /// <summary>Normalizes a typed code (Crockford) and checks its length and check symbol.</summary>
    /// <param name="input">What the customer typed.</param>
    /// <param name="code">The normalized code.</param>
    /// <returns>Whether the code is well-formed (not whether it was issued).</returns>
    public static bool TryNormalize(string? input, out string code)
    {
        code = string.Empty;
        if (input is null)
        {
            return false;
        }

        Span<char> chars = stackalloc char[PayloadLength + 1];
        var k = 0;
        foreach (var raw in input)
        {
            if (raw is '-' or ' ')
            {
                continue;
            }

            var c = char.ToUpperInvariant(raw) switch
            {
                'O' => '0',
                'I' or 'L' => '1',
                var x => x,
            };
            if (Alphabet.IndexOf(c, StringComparison.Ordinal) < 0 || k == chars.Length)
            {
                return false;
            }

            chars[k++] = c;
        }

        if (k != chars.Length || CheckSymbol(chars[..PayloadLength]) != chars[PayloadLength])
        {
            return false;
        }

        code = new string(chars);
        return true;
    }
}
