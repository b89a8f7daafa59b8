using System;
using System.IO;

namespace Backprop.Tabular;

/// <summary>
/// A read-only view of a stream whose reads return as many bytes as asked for, short only at the end: what the reader
/// gets from a pipe or a network stream that hands out a few bytes at a time is then read exactly as from a file.
/// Without it, two things depend on how the bytes arrive: <see cref="StreamReader"/> looks for a byte order mark in the
/// first read of at least two bytes, wherever in the stream that starts (after a one-byte first read, a U+FEFF in
/// "a\uFEFF,b" was dropped as a byte order mark); and Sep, when a read ends in a carriage return followed by another,
/// keeps the second for its next read but goes on reading, so that it lands later in the text (a blank line between
/// CR-terminated lines moved, and the error with it). The underlying stream is neither closed nor written.
/// </summary>
internal sealed class FullReadStream(Stream inner) : Stream
{
    public override bool CanRead => true;

    /// <summary>As the underlying stream: Sep sizes its first buffer from the length of a seekable one.</summary>
    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var total = 0;
        int read;
        while (total < buffer.Length && (read = inner.Read(buffer[total..])) > 0)
        {
            total += read;
        }

        return total;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
