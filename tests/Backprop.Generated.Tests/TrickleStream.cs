using System;
using System.IO;

namespace Backprop.Generated.Tests;

/// <summary>
/// A forward-only stream that returns a few bytes per read, like a slow pipe: readers must give the same verdict on it as
/// on the whole bytes in memory.
/// </summary>
internal sealed class TrickleStream : Stream
{
    private readonly byte[] _data;
    private readonly Func<int, int> _chunk;
    private int _position;
    private int _reads;

    /// <summary>Read number i returns at most <paramref name="chunk"/>(i) bytes (at least one).</summary>
    public TrickleStream(byte[] data, Func<int, int> chunk)
    {
        _data = data;
        _chunk = chunk;
    }

    /// <summary>Each read returns 1 to <paramref name="maxChunk"/> bytes, a seeded choice.</summary>
    public TrickleStream(byte[] data, int seed, int maxChunk = 7)
        : this(data, RandomChunks(seed, maxChunk))
    {
    }

    private static Func<int, int> RandomChunks(int seed, int maxChunk)
    {
        var random = new Random(seed);
        return _ => 1 + random.Next(maxChunk);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = Math.Min(Math.Min(buffer.Length, _data.Length - _position), Math.Max(1, _chunk(_reads++)));
        _data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
