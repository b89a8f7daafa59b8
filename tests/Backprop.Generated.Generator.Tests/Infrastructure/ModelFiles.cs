using System;
using System.Buffers.Binary;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Generated.Generator.Tests.Infrastructure;

/// <summary>
/// Model files in format v2 and v1, written here byte by byte from the layouts documented on NetworkSerializer
/// (CRC-32 by System.IO.Hashing, not by the generator's own implementation), and their base64 text form as
/// AdditionalFiles.
/// </summary>
internal static class ModelFiles
{
    /// <summary>
    /// The bytes of a valid format v1 model of a sigmoid, cross-entropy network of <paramref name="sizes"/> holding
    /// <paramref name="parameters"/> (default: <see cref="Parameters"/>): what every v1 writer wrote, and the layout
    /// the diagnostic tests edit by offset (cost at 13, sizes at 16, parameter count at 16 + 4·L).
    /// </summary>
    public static byte[] Create(int[] sizes, float[]? parameters = null) =>
        Version1(sizes, ActivationKind.Sigmoid, ActivationKind.Sigmoid, CostKind.CrossEntropy, parameters);

    /// <summary>
    /// A format v1 model: header of 24 + 4·L bytes with the hidden activation at 11, the output activation at 12 and
    /// the cost at 13, then the parameters and the CRC-32.
    /// </summary>
    public static byte[] Version1(int[] sizes, ActivationKind hidden, ActivationKind output, CostKind cost, float[]? parameters = null)
    {
        parameters ??= Parameters(ParameterCount(sizes));
        Assert.Equal(ParameterCount(sizes), parameters.Length);
        int header = HeaderLength(1, sizes.Length);
        var bytes = new byte[header + 4 * parameters.Length + 4];
        "BPGNET\r\n"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 1);
        bytes[10] = 1; // float32
        bytes[11] = (byte)hidden;
        bytes[12] = (byte)output;
        bytes[13] = (byte)cost;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(14), (ushort)sizes.Length);
        for (int l = 0; l < sizes.Length; l++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16 + 4 * l), sizes[l]);
        }
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16 + 4 * sizes.Length), parameters.Length);
        WriteParameters(bytes, header, parameters);
        return WithValidCrc(bytes);
    }

    /// <summary>
    /// A format v2 model, as NetworkSerializer.Save writes it: bytes 11 and 12 zero, the cost at 13, after the sizes
    /// one activation byte per weight layer (<paramref name="activations"/>, L − 1 of them) padded with zeros to a
    /// multiple of 4, then the parameter count, the parameters and the CRC-32.
    /// </summary>
    public static byte[] Version2(int[] sizes, ActivationKind[] activations, CostKind cost, float[]? parameters = null)
    {
        Assert.Equal(sizes.Length - 1, activations.Length);
        parameters ??= Parameters(ParameterCount(sizes));
        Assert.Equal(ParameterCount(sizes), parameters.Length);
        int header = HeaderLength(2, sizes.Length);
        var bytes = new byte[header + 4 * parameters.Length + 4];
        "BPGNET\r\n"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 2);
        bytes[10] = 1; // float32
        bytes[13] = (byte)cost;
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(14), (ushort)sizes.Length);
        for (int l = 0; l < sizes.Length; l++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16 + 4 * l), sizes[l]);
        }
        for (int l = 0; l < activations.Length; l++)
        {
            bytes[ActivationOffset(sizes.Length) + l] = (byte)activations[l];
        }
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(header - 8), parameters.Length);
        WriteParameters(bytes, header, parameters);
        return WithValidCrc(bytes);
    }

    /// <summary>A format v2 model of a sigmoid, cross-entropy network: what NetworkSerializer.Save writes for the default attribute.</summary>
    public static byte[] Version2(int[] sizes, float[]? parameters = null) =>
        Version2(sizes, Enumerable.Repeat(ActivationKind.Sigmoid, sizes.Length - 1).ToArray(), CostKind.CrossEntropy, parameters);

    /// <summary>Where a v2 model's activation bytes start: after the 16-byte fixed header and the sizes.</summary>
    public static int ActivationOffset(int layerCount) => 16 + 4 * layerCount;

    /// <summary>The bytes before the parameters: 24 + 4·L in v1, 24 + 4·L + 4·⌈(L − 1)/4⌉ in v2.</summary>
    public static int HeaderLength(int version, int layerCount) =>
        24 + 4 * layerCount + (version == 1 ? 0 : (layerCount - 1 + 3) / 4 * 4);

    private static void WriteParameters(byte[] bytes, int offset, float[] parameters)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(offset + 4 * i), parameters[i]);
        }
    }

    /// <summary>
    /// Distinct, awkward parameters: signs alternate, magnitudes span many binades, and the first few are
    /// −0, the smallest subnormal, a NaN with a payload and +∞, which only a bit-exact copy keeps.
    /// </summary>
    public static float[] Parameters(int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (i % 2 == 0 ? 1 : -1) * (i + 1) * MathF.Pow(2, (i % 17) - 8) / 3f;
        }
        float[] special = { -0f, float.Epsilon, BitConverter.Int32BitsToSingle(0x7FC1_2345), float.PositiveInfinity };
        Array.Copy(special, values, Math.Min(count, special.Length));
        return values;
    }

    public static int ParameterCount(int[] sizes)
    {
        int count = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            count += sizes[l - 1] * sizes[l] + sizes[l];
        }
        return count;
    }

    /// <summary>Recomputes the trailing CRC-32, so that an edited file fails for the edit and not the checksum.</summary>
    public static byte[] WithValidCrc(byte[] bytes)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), System.IO.Hashing.Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }

    /// <summary>Base64 in lines of 76 characters ending in '\n', as NetworkSerializer.SaveBase64 writes it.</summary>
    public static string Base64(byte[] bytes)
    {
        string base64 = Convert.ToBase64String(bytes);
        var text = new StringBuilder();
        for (int start = 0; start < base64.Length; start += 76)
        {
            text.Append(base64, start, Math.Min(76, base64.Length - start)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>An AdditionalFiles item holding the base64 text of <paramref name="bytes"/>.</summary>
    public static AdditionalText Text(string path, byte[] bytes) => new TestAdditionalText(path, Base64(bytes));
}

/// <summary>An AdditionalFiles item in memory. A null text is what the compiler gives for a file it finds binary.</summary>
internal sealed class TestAdditionalText(string path, string? text) : AdditionalText
{
    public override string Path => path;

    public override SourceText? GetText(CancellationToken cancellationToken = default) =>
        text is null ? null : SourceText.From(text, Encoding.UTF8);
}

/// <summary>An AdditionalFiles item that must never be read: the compiler fails the build (CS2015) when a binary file is.</summary>
internal sealed class UnreadableAdditionalText(string path) : AdditionalText
{
    public override string Path => path;

    public override SourceText? GetText(CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException($"The generator read '{path}', a binary file: the compiler would report CS2015.");
}

/// <summary>An AdditionalFiles item that counts how often the generator reads it.</summary>
internal sealed class CountingAdditionalText(string path, string text) : AdditionalText
{
    private int _reads;

    public int Reads => Volatile.Read(ref _reads);

    public override string Path => path;

    public override SourceText? GetText(CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _reads);
        return SourceText.From(text, Encoding.UTF8);
    }
}
