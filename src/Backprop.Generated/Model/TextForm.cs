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

    /// <summary>A read-only stream that gives some bytes already read, then the rest of another stream.</summary>
    private sealed class PrefixedStream(byte[] prefix, Stream rest) : Stream
    {
        private int _used;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_used < prefix.Length)
            {
                int take = Math.Min(buffer.Length, prefix.Length - _used);
                prefix.AsSpan(_used, take).CopyTo(buffer);
                _used += take;
                return take;
            }
            return rest.Read(buffer);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
