using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using System.Text;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// Everything a <see cref="TrainingSession{TNet}"/> needs, besides the parameters, to go on exactly where it stopped,
/// and its section of a checkpoint file.
/// </summary>
/// <remarks>
/// <para>A checkpoint is a model file (see <see cref="NetworkSerializer"/>) followed by this section, all little-endian:</para>
/// <code>
/// offset  size  field
///      0     8  magic: ASCII "BPGSTATE"
///      8     2  section version, uint16 = 1
///     10     6  reserved, 0
///     16     8  payload length N, int64
///     24     N  payload (below)
///   24+N     4  CRC-32 of the section's bytes before it
///
/// payload:
///   int32 epochs completed, int64 optimizer steps taken,
///   uint64 × 4 shuffle generator state, float64 its spare normal deviate, uint8 whether it has one,
///   int32 training-set size n, int32 × n the current order of the training samples,
///   uint8 length of the optimizer's name, its UTF-8 name, int32 state floats per parameter k,
///   int64 state length (k · P), float32 × k·P the optimizer's state,
///   int32 best epoch (0: none), float64 its validation accuracy, int32 epochs since it, uint8 stopped early,
///   uint8 whether the best epoch's parameters follow, float32 × P those parameters.
/// </code>
/// </remarks>
internal sealed class TrainingState
{
    public const int Version = 1;

    /// <summary>The longest optimizer name a checkpoint holds, in UTF-8 bytes.</summary>
    public const int MaxNameBytes = 255;

    private const int SectionHeaderSize = ModelFile.StateHeaderSize;

    /// <summary>The magic that starts the section: ASCII <c>BPGSTATE</c>.</summary>
    public static ReadOnlySpan<byte> Magic => ModelFile.StateMagic;

    public int EpochsCompleted { get; init; }
    public long Steps { get; init; }
    public DeterministicRandom.State Random { get; init; }
    public required int[] Order { get; init; }
    public required string OptimizerName { get; init; }
    public int StatePerParameter { get; init; }
    public required float[] OptimizerState { get; init; }
    public int BestEpoch { get; init; }
    public double BestAccuracy { get; init; }
    public int SinceBest { get; init; }
    public bool StoppedEarly { get; init; }
    public float[]? BestParameters { get; init; }

    /// <summary>Writes the whole section: header, payload, CRC-32.</summary>
    public void Write(Stream stream)
    {
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.ASCII, leaveOpen: true))
        {
            writer.Write(EpochsCompleted);
            writer.Write(Steps);
            writer.Write(Random.S0);
            writer.Write(Random.S1);
            writer.Write(Random.S2);
            writer.Write(Random.S3);
            writer.Write(Random.SpareGaussian);
            writer.Write(Random.HasSpare);
            writer.Write(Order.Length);
            foreach (int index in Order)
            {
                writer.Write(index);
            }
            byte[] name = Encoding.UTF8.GetBytes(OptimizerName);
            writer.Write(checked((byte)name.Length));
            writer.Write(name);
            writer.Write(StatePerParameter);
            WriteFloats(writer, OptimizerState);
            writer.Write(BestEpoch);
            writer.Write(BestAccuracy);
            writer.Write(SinceBest);
            writer.Write(StoppedEarly);
            writer.Write(BestParameters is not null);
            if (BestParameters is not null)
            {
                WriteFloats(writer, BestParameters);
            }
        }

        Span<byte> header = stackalloc byte[SectionHeaderSize];
        header.Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(header[ModelFile.StateLengthOffset..], payload.Length);
        var crc = new Crc32();
        crc.Append(header);
        ReadOnlySpan<byte> body = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        crc.Append(body);
        stream.Write(header);
        stream.Write(body);
        Span<byte> checksum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(checksum, crc.GetCurrentHashAsUInt32());
        stream.Write(checksum);
    }

    private static void WriteFloats(BinaryWriter writer, float[] values)
    {
        writer.Write((long)values.Length);
        foreach (float value in values)
        {
            writer.Write(value);
        }
    }

    /// <summary>
    /// Reads what follows a model's checksum: nothing (null), or a training-state section, checked whole, whose payload
    /// it returns. Anything else is <see cref="ModelFormatError.TrailingData"/>; a damaged section is
    /// <see cref="ModelFormatError.InvalidTrainingState"/>.
    /// </summary>
    public static byte[]? ReadSection(Stream stream, string name)
    {
        Span<byte> header = stackalloc byte[SectionHeaderSize];
        int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        if (read == 0)
        {
            return null;
        }
        if (read < Magic.Length || !header[..Magic.Length].SequenceEqual(Magic))
        {
            // Not a section: say how much is there, as for any trailing data.
            Span<byte> probe = stackalloc byte[256];
            int more = stream.ReadAtLeast(probe[..(probe.Length - read)], probe.Length - read, throwOnEndOfStream: false);
            int total = read + more;
            string amount = total == probe.Length ? Invariant($"at least {total} bytes") : Invariant($"{total} bytes");
            throw NetworkSerializer.Error(name, ModelFormatError.TrailingData, $"has {amount} of trailing data after its checksum.");
        }
        if (read < SectionHeaderSize)
        {
            throw Invalid(name, Invariant($"ends {read} bytes into the {SectionHeaderSize}-byte header of its training-state section"));
        }
        int version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (version != Version)
        {
            throw Invalid(name, Invariant($"has a training-state section of version {version}; this library reads version {Version}"));
        }
        if (header[10..16].ContainsAnyExcept((byte)0))
        {
            throw Invalid(name, "has non-zero reserved bytes in the header of its training-state section");
        }
        long length = BinaryPrimitives.ReadInt64LittleEndian(header[ModelFile.StateLengthOffset..]);
        if (length is < 0 or > int.MaxValue - 64)
        {
            throw Invalid(name, Invariant($"announces a training-state section of {length} bytes"));
        }

        var payload = new byte[length];
        read = stream.ReadAtLeast(payload, payload.Length, throwOnEndOfStream: false);
        if (read < payload.Length)
        {
            throw Invalid(name, Invariant($"is truncated: its training-state section announces {length:N0} bytes but {read:N0} follow"));
        }
        Span<byte> stored = stackalloc byte[4];
        read = stream.ReadAtLeast(stored, 4, throwOnEndOfStream: false);
        if (read < 4)
        {
            throw Invalid(name, "is truncated: its training-state section ends before its CRC-32");
        }
        var crc = new Crc32();
        crc.Append(header);
        crc.Append(payload);
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(stored), actual = crc.GetCurrentHashAsUInt32();
        if (expected != actual)
        {
            throw Invalid(name, Invariant($"has a corrupted training-state section: its stored CRC-32 is 0x{expected:X8} but its content hashes to 0x{actual:X8}"));
        }
        if (stream.ReadAtLeast(stored[..1], 1, throwOnEndOfStream: false) > 0)
        {
            throw NetworkSerializer.Error(name, ModelFormatError.TrailingData, "has trailing data after its training-state section.");
        }
        return payload;
    }

    /// <summary>
    /// The epochs and optimizer of the training-state section that starts at <paramref name="position"/> of a seekable
    /// stream, without checking the section; null when there is none (or the stream cannot seek).
    /// </summary>
    public static (int Epochs, string Optimizer)? Peek(Stream stream, long position)
    {
        if (!stream.CanSeek || stream.Length < position + SectionHeaderSize + 57)
        {
            return null;
        }
        stream.Position = position;
        Span<byte> start = stackalloc byte[SectionHeaderSize + 57];
        if (stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) < start.Length || !start[..Magic.Length].SequenceEqual(Magic))
        {
            return null;
        }
        ReadOnlySpan<byte> payload = start[SectionHeaderSize..];
        int epochs = BinaryPrimitives.ReadInt32LittleEndian(payload);
        int n = BinaryPrimitives.ReadInt32LittleEndian(payload[53..]);
        if (n < 0 || stream.Length < stream.Position + 4L * n + 1)
        {
            return null;
        }
        stream.Position += 4L * n;
        int length = stream.ReadByte();
        var name = new byte[Math.Max(0, length)];
        return length >= 0 && stream.ReadAtLeast(name, name.Length, throwOnEndOfStream: false) == name.Length
            ? (epochs, Encoding.UTF8.GetString(name))
            : null;
    }

    /// <summary>Parses a payload checked by <see cref="ReadSection"/>, for a network of <paramref name="parameterCount"/> parameters.</summary>
    public static TrainingState Parse(byte[] payload, string name, int parameterCount)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.ASCII);
            int epochs = reader.ReadInt32();
            long steps = reader.ReadInt64();
            var random = new DeterministicRandom.State(
                reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadDouble(), reader.ReadBoolean());
            int n = reader.ReadInt32();
            if (epochs < 0 || steps < 0 || n < 1 || n > (payload.Length - 8) / 4)
            {
                throw Invalid(name, Invariant($"has impossible training counts (epochs {epochs}, steps {steps}, training samples {n}) in its training-state section"));
            }
            var order = new int[n];
            var seen = new bool[n];
            for (int i = 0; i < n; i++)
            {
                int index = reader.ReadInt32();
                if ((uint)index >= (uint)n || seen[index])
                {
                    throw Invalid(name, Invariant($"has a sample order that is not a permutation of 0..{n - 1} (entry {i} is {index}) in its training-state section"));
                }
                seen[index] = true;
                order[i] = index;
            }
            string optimizer = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadByte()));
            int perParameter = reader.ReadInt32();
            float[] state = ReadFloats(reader, name, (long)perParameter * parameterCount, "optimizer state");
            int bestEpoch = reader.ReadInt32();
            double bestAccuracy = reader.ReadDouble();
            int sinceBest = reader.ReadInt32();
            bool stopped = reader.ReadBoolean();
            float[]? best = reader.ReadBoolean() ? ReadFloats(reader, name, parameterCount, "best parameters") : null;
            if (perParameter is < 0 or > 64 || bestEpoch < 0 || bestEpoch > epochs || sinceBest < 0 || sinceBest > epochs || reader.BaseStream.Position != payload.Length)
            {
                throw Invalid(name, "has inconsistent values in its training-state section");
            }
            return new TrainingState
            {
                EpochsCompleted = epochs,
                Steps = steps,
                Random = random,
                Order = order,
                OptimizerName = optimizer,
                StatePerParameter = perParameter,
                OptimizerState = state,
                BestEpoch = bestEpoch,
                BestAccuracy = bestAccuracy,
                SinceBest = sinceBest,
                StoppedEarly = stopped,
                BestParameters = best,
            };
        }
        catch (EndOfStreamException)
        {
            throw Invalid(name, "has a training-state section that ends before its last field");
        }
    }

    private static float[] ReadFloats(BinaryReader reader, string name, long expected, string what)
    {
        long count = reader.ReadInt64();
        if (count != expected || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw Invalid(name, Invariant($"stores {count} floats of {what} in its training-state section where {expected} belong"));
        }
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            values[i] = reader.ReadSingle();
        }
        return values;
    }

    private static ModelFormatException Invalid(string name, string problem)
        => NetworkSerializer.Error(name, ModelFormatError.InvalidTrainingState, problem + ".");
}
