using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO.Hashing;

// Shared by ModelFuzzTests (the runtime's readers) and, linked, BakedWeightsFuzzTests (the generator's reader), so that
// both fuzz the same cases.
namespace Backprop.Generated.Tests;

/// <summary>One mutated model and how it was made.</summary>
internal readonly record struct ModelFuzzCase(string Kind, byte[] Bytes);

/// <summary>
/// Deterministic mutations of a valid model file (format v1 or v2, read from its own header): exhaustive bit flips,
/// byte sets, truncations, insertions and deletions; random chunk duplications and stacked mutations; every header
/// field at extreme values, with the stored CRC-32 left or recomputed; random garbage; synthesized headers of
/// extreme sizes with data of the wrong length.
/// </summary>
internal static class ModelMutator
{
    private static readonly long[] s_extremes =
    [
        0, 1, -1, 2, 3, 31, 32, 33, 255, 256, 0x7FFF, 0xFFFF, 0x10000, 1 << 30, int.MaxValue, int.MinValue, uint.MaxValue,
        1L << 31, 1L << 32, long.MaxValue, long.MinValue,
    ];

    /// <summary>A header field: its offset and width in bytes.</summary>
    private readonly record struct Field(string Name, int Offset, int Width);

    private static List<Field> Fields(byte[] model)
    {
        int version = BinaryPrimitives.ReadUInt16LittleEndian(model.AsSpan(8));
        int layers = BinaryPrimitives.ReadUInt16LittleEndian(model.AsSpan(14));
        var fields = new List<Field> { new("version", 8, 2), new("element", 10, 1), new("byte11", 11, 1), new("byte12", 12, 1), new("cost", 13, 1), new("layers", 14, 2) };
        for (int l = 0; l < layers; l++)
        {
            fields.Add(new($"size{l + 1}", 16 + 4 * l, 4));
        }
        int activationBytes = version == 1 ? 0 : (layers - 1 + 3) & ~3;
        for (int i = 0; i < activationBytes; i++)
        {
            fields.Add(new($"activation{i}", 16 + 4 * layers + i, 1));
        }
        fields.Add(new("count", 16 + 4 * layers + activationBytes, 8));
        fields.Add(new("count-low", 16 + 4 * layers + activationBytes, 4));
        fields.Add(new("crc", model.Length - 4, 4));
        return fields;
    }

    private static byte[] Set(byte[] model, Field field, long value)
    {
        byte[] copy = (byte[])model.Clone();
        for (int i = 0; i < field.Width; i++)
        {
            copy[field.Offset + i] = (byte)(value >> (8 * i));
        }
        return copy;
    }

    private static byte[] Splice(byte[] bytes, int at, int remove, ReadOnlySpan<byte> insert)
    {
        var result = new byte[bytes.Length - remove + insert.Length];
        bytes.AsSpan(0, at).CopyTo(result);
        insert.CopyTo(result.AsSpan(at));
        bytes.AsSpan(at + remove).CopyTo(result.AsSpan(at + insert.Length));
        return result;
    }

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Crc(byte[] bytes)
    {
        if (bytes.Length >= 4)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
        }
        return bytes;
    }

    /// <summary>One random structural mutation of <paramref name="bytes"/>.</summary>
    private static byte[] Mutate(Random random, byte[] bytes, List<Field> fields)
    {
        int n = bytes.Length;
        switch (n == 0 ? 3 : random.Next(7))
        {
            case 0:
                {
                    byte[] copy = (byte[])bytes.Clone();
                    copy[random.Next(n)] ^= (byte)(1 << random.Next(8));
                    return copy;
                }
            case 1:
                {
                    byte[] copy = (byte[])bytes.Clone();
                    copy[random.Next(n)] = random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
                    return copy;
                }
            case 2:
                return bytes[..random.Next(n)];
            case 3:
                return Splice(bytes, random.Next(n + 1), 0, RandomBytes(random, 1 + random.Next(16)));
            case 4:
                {
                    int at = random.Next(n);
                    return Splice(bytes, at, Math.Min(n - at, 1 + random.Next(16)), []);
                }
            case 5:
                {
                    int start = random.Next(n), length = 1 + random.Next(Math.Min(64, n - start));
                    return Splice(bytes, random.Next(n + 1), 0, bytes.AsSpan(start, length));
                }
            default:
                {
                    Field field = fields[random.Next(fields.Count)];
                    return field.Offset + field.Width <= n ? Set(bytes, field, s_extremes[random.Next(s_extremes.Length)]) : bytes[..(n / 2)];
                }
        }
    }

    public static IEnumerable<ModelFuzzCase> Cases(byte[] model, int seed)
    {
        var random = new Random(seed);
        int n = model.Length;
        List<Field> fields = Fields(model);

        for (int i = 0; i < n; i++)
        {
            for (int bit = 0; bit < 8; bit++)
            {
                byte[] copy = (byte[])model.Clone();
                copy[i] ^= (byte)(1 << bit);
                yield return new("bit flip", copy);
            }
            foreach (byte value in new byte[] { 0, 0xFF, (byte)random.Next(256) })
            {
                byte[] copy = (byte[])model.Clone();
                copy[i] = value;
                yield return new("byte set", copy);
            }
            yield return new("truncation", model[..i]);
            yield return new("deletion", Splice(model, i, 1, []));
            yield return new("insertion", Splice(model, i, 0, [(byte)random.Next(256)]));
        }
        yield return new("insertion", [.. model, 0]);

        for (int i = 0; i < 300; i++)
        {
            yield return new("chunk insertion", Splice(model, random.Next(n + 1), 0, RandomBytes(random, 1 + random.Next(32))));
            int start = random.Next(n), length = 1 + random.Next(n - start);
            yield return new("chunk duplication", Splice(model, random.Next(n + 1), 0, model.AsSpan(start, length)));
            int at = random.Next(n);
            yield return new("chunk deletion", Splice(model, at, 1 + random.Next(n - at), []));
            yield return new("appended bytes", [.. model, .. RandomBytes(random, 1 + random.Next(300))]);
        }

        // Header fields at extremes, the checksum as stored (fails it) and recomputed (reaches the header checks).
        foreach (Field field in fields)
        {
            foreach (long value in s_extremes)
            {
                yield return new($"{field.Name} = {value}", Set(model, field, value));
                if (field.Name != "crc")
                {
                    yield return new($"{field.Name} = {value}, CRC fixed", Crc(Set(model, field, value)));
                }
            }
        }

        // Stacked random mutations.
        for (int i = 0; i < 2000; i++)
        {
            byte[] bytes = model;
            for (int k = 1 + random.Next(4); k > 0; k--)
            {
                bytes = Mutate(random, bytes, fields);
            }
            yield return new("stacked", bytes);
        }

        // Garbage: random bytes, then the magic and random bytes, then a valid fixed header and random bytes.
        for (int i = 0; i < 700; i++)
        {
            yield return new("garbage", RandomBytes(random, random.Next(400)));
            yield return new("magic + garbage", [.. model.AsSpan(0, 8), .. RandomBytes(random, random.Next(400))]);
            yield return new("fixed header + garbage", [.. model.AsSpan(0, 16), .. RandomBytes(random, random.Next(400))]);
        }

        // Synthesized headers: extreme layer counts and sizes, a parameter count that wraps like an unchecked writer's,
        // then data of the wrong length with or without a matching CRC. Tanh and quadratic: no network of the fuzzer
        // has them, so even a synthesized file that checks out must not load.
        int[] sizeChoices = [1, 2, 3, 4, 0xFFFF, 0x10000, 1 << 30, int.MaxValue, 0, -1, int.MinValue];
        for (int i = 0; i < 1500; i++)
        {
            int version = 1 + random.Next(2);
            int layers = random.Next(5) switch { 0 => random.Next(40), 1 => 32, _ => 2 + random.Next(4) };
            int activationBytes = version == 1 ? 0 : (Math.Max(layers, 1) - 1 + 3) & ~3;
            var header = new byte[16 + 4 * layers + activationBytes + 8];
            model.AsSpan(0, 8).CopyTo(header);
            header[8] = (byte)version;
            header[10] = 1;
            if (version == 1)
            {
                header[11] = header[12] = (byte)ActivationKind.Sigmoid;
            }
            header[13] = (byte)CostKind.Quadratic;
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(14), (ushort)layers);
            long wrapped = 0;
            for (int l = 0; l < layers; l++)
            {
                int size = sizeChoices[random.Next(random.Next(2) == 0 ? 4 : sizeChoices.Length)];
                BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16 + 4 * l), size);
                if (l > 0)
                {
                    wrapped = unchecked(wrapped + (long)BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12 + 4 * l)) * size + size);
                }
            }
            for (int l = 0; l < layers - 1 && version == 2; l++)
            {
                header[16 + 4 * layers + l] = (byte)ActivationKind.Tanh;
            }
            BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(header.Length - 8), random.Next(4) == 0 ? s_extremes[random.Next(s_extremes.Length)] : wrapped);
            byte[] bytes = [.. header, .. RandomBytes(random, random.Next(4) == 0 ? 4 * random.Next(64) + 4 : random.Next(200))];
            yield return new("synthesized header", random.Next(2) == 0 ? Crc(bytes) : bytes);
        }
    }
}
