using System;
using System.Buffers.Binary;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Backprop.Generated.Generator.Tests.Infrastructure;

/// <summary>
/// Model files in format v1, written here byte by byte from the layout documented on
/// NetworkSerializer (CRC-32 by System.IO.Hashing, not by the generator's own implementation), and
/// their base64 text form as AdditionalFiles.
/// </summary>
internal static class ModelFiles
{
    /// <summary>The bytes of a valid model of <paramref name="sizes"/> holding <paramref name="parameters"/> (default: <see cref="Parameters"/>).</summary>
    public static byte[] Create(int[] sizes, float[]? parameters = null)
    {
        parameters ??= Parameters(ParameterCount(sizes));
        Assert.Equal(ParameterCount(sizes), parameters.Length);
        int header = 24 + 4 * sizes.Length;
        var bytes = new byte[header + 4 * parameters.Length + 4];
        "BPGNET\r\n"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 1);
        bytes[10] = 1; // float32
        bytes[11] = 1; // sigmoid hidden
        bytes[12] = 1; // sigmoid output
        bytes[13] = 1; // cross-entropy
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(14), (ushort)sizes.Length);
        for (int l = 0; l < sizes.Length; l++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16 + 4 * l), sizes[l]);
        }
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16 + 4 * sizes.Length), parameters.Length);
        for (int i = 0; i < parameters.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(header + 4 * i), parameters[i]);
        }
        return WithValidCrc(bytes);
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
