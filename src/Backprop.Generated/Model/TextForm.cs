using System;
using System.IO;

namespace Backprop;

/// <summary>
/// Lets every reader of model files take the base64 text form (<c>.bpnet.b64</c>) as well as the binary file: a stream
/// that starts like the text form is decoded whole (its size is that of the text); any other stream is read as it is.
/// </summary>
internal static class TextForm
{
    /// <summary>
    /// <paramref name="stream"/> itself, positioned where it was, when it holds a binary model; a stream over the decoded
    /// bytes when it holds the text form.
    /// </summary>
    /// <exception cref="ModelFormatException">The text form is not valid base64 (<see cref="ModelFormatError.InvalidText"/>).</exception>
    public static Stream Open(Stream stream, string name, out bool isText)
    {
        // The text form starts with the 8 characters "QlBHTkVU" after any white space; a binary model with "BPGNET".
        Span<byte> probe = stackalloc byte[64];
        long position = stream.CanSeek ? stream.Position : 0;
        int read = stream.ReadAtLeast(probe, probe.Length, throwOnEndOfStream: false);
        isText = ModelText.IsText(probe[..read]);
        if (!isText)
        {
            if (stream.CanSeek)
            {
                stream.Position = position;
                return stream;
            }
            return new PrefixedStream(probe[..read].ToArray(), stream);
        }

        using var text = new MemoryStream();
        text.Write(probe[..read]);
        stream.CopyTo(text);
        string characters = System.Text.Encoding.Latin1.GetString(text.GetBuffer(), 0, (int)text.Length);
        byte[]? bytes = ModelText.Decode(characters, out string? problem);
        if (bytes is null)
        {
            throw NetworkSerializer.Error(name, ModelFormatError.InvalidText,
                $"starts like the base64 text form of a model (.bpnet.b64) but {problem}.");
        }
        return new MemoryStream(bytes, writable: false);
    }
}
