// Shared source: compiled into the runtime and linked into the generator (see ActivationsAndCosts.cs).
using System;
using System.Globalization;
using System.Text;

#if BACKPROP_GENERATOR
namespace Backprop.Generated.Generator.Shared;
#else
namespace Backprop;
#endif

/// <summary>
/// The text form of a model file (<c>.bpnet.b64</c>): its bytes in base64, in lines of 76 characters each ending in
/// '\n'. It is what <c>Weights = "…"</c> bakes in (compilers pass only text files to generators), and what
/// NetworkSerializer and the <c>backprop</c> tool read wherever they read a model file.
/// </summary>
internal static class ModelText
{
    /// <summary>The characters per line of the text form.</summary>
    public const int LineLength = 76;

    /// <summary>How the text form starts: the base64 of the model magic "BPGNET".</summary>
    public static ReadOnlySpan<byte> Start => "QlBHTkVU"u8;

    /// <summary>Whether <paramref name="bytes"/> start like the text form (after any white space).</summary>
    public static bool IsText(ReadOnlySpan<byte> bytes)
    {
        int i = 0;
        while (i < bytes.Length && bytes[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }
        return bytes.Slice(i).StartsWith(Start);
    }

    /// <summary>The text form of <paramref name="length"/> bytes of <paramref name="model"/>.</summary>
    public static string Encode(byte[] model, int length)
    {
        string base64 = Convert.ToBase64String(model, 0, length);
        var text = new StringBuilder(base64.Length + base64.Length / LineLength + 1);
        for (int start = 0; start < base64.Length; start += LineLength)
        {
            text.Append(base64, start, Math.Min(LineLength, base64.Length - start)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// The bytes of base64 text, white space anywhere ignored; null and the reason (a phrase after "it", such as "is not
    /// base64 text: line 3, column 7 holds '#'") when it is not base64.
    /// </summary>
    public static byte[]? Decode(string text, out string? problem)
    {
        var chars = new char[text.Length];
        int count = 0, line = 1, column = 0, padding = 0;
        foreach (char c in text)
        {
            column++;
            if (c == '\n')
            {
                line++;
                column = 0;
                continue;
            }
            if (c is ' ' or '\t' or '\r' or '\uFEFF')
            {
                continue;
            }

            bool isBase64 = c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '+' or '/';
            if (c == '=' && padding < 2)
            {
                padding++;
            }
            else if (!isBase64 || padding > 0)
            {
                problem = string.Format(CultureInfo.InvariantCulture, "is not base64 text: line {0}, column {1} holds {2}", line, column, Describe(c));
                return null;
            }
            chars[count++] = c;
        }

        if (count == 0)
        {
            problem = "is empty";
            return null;
        }
        if (count % 4 != 0)
        {
            problem = string.Format(CultureInfo.InvariantCulture,
                "has {0} base64 characters, which is not a multiple of 4 (the text is cut short or has characters missing)", count);
            return null;
        }

        try
        {
            problem = null;
            return Convert.FromBase64CharArray(chars, 0, count);
        }
        catch (FormatException e)
        {
            // Not expected after the checks above; a generator must not throw, whatever the file holds.
            problem = "is not base64 text: " + e.Message;
            return null;
        }
    }

    private static string Describe(char c) =>
        c < ' ' || c > '~'
            ? string.Format(CultureInfo.InvariantCulture, "the character U+{0:X4}", (int)c)
            : string.Format(CultureInfo.InvariantCulture, "'{0}'", c);
}
