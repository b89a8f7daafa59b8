using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using System.Text;

namespace Backprop.Tool;

/// <summary>How a model file is stored.</summary>
internal enum ModelForm
{
    /// <summary>The binary model file (<c>.bpnet</c>).</summary>
    Binary,

    /// <summary>Its base64 text form (<c>.bpnet.b64</c>), as NetworkSerializer.SaveBase64 writes it.</summary>
    Text,
}

/// <summary>A model file read whole: its bytes (decoded from the text form if need be) and what they hold.</summary>
internal sealed record ModelFile(string Path, ModelForm Form, byte[] Bytes, ModelInfo Info)
{
    /// <summary>The model, read and checked whole (checksum and any training-state section included).</summary>
    public ModelData Model => NetworkSerializer.ReadModel(new MemoryStream(Bytes, writable: false), Path);

    /// <summary>The length of the model part: the header, the parameters and the CRC-32 after them.</summary>
    private long ModelLength
    {
        get
        {
            // Header: 16 fixed bytes, 4 per layer, (version 2) the activation bytes padded to 4, the parameter count.
            int layers = Info.LayerSizes.Count;
            int activationBytes = Info.FormatVersion == 1 ? 0 : (layers - 1 + 3) & ~3;
            return 16 + 4L * layers + activationBytes + 8 + 4 * Info.ParameterCount + 4;
        }
    }

    /// <summary>Why the file is too short for what its header announces, or null when it is long enough.</summary>
    public string? Truncation => ModelLength > Bytes.Length
        ? $"the file is truncated: its header announces {Commands.Count(Info.ParameterCount)} parameters, which need {Commands.Count(ModelLength)} bytes, but it has {Commands.Count(Bytes.Length)}"
        : null;

    /// <summary>The CRC-32 stored after the parameters, and the one the bytes before it hash to (see <see cref="Truncation"/> first).</summary>
    public (uint Stored, uint Actual) Checksums
    {
        get
        {
            int end = checked((int)ModelLength) - 4;
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(Bytes.AsSpan(end, 4));
            return (stored, Crc32.HashToUInt32(Bytes.AsSpan(0, end)));
        }
    }
}

/// <summary>Reads model files in either form.</summary>
internal static class ModelFiles
{
    /// <summary>True when <paramref name="bytes"/> start like a model file: ASCII <c>BPGNET</c>, CR, LF.</summary>
    public static bool IsBinaryModel(ReadOnlySpan<byte> bytes) => bytes.StartsWith(NetworkSerializer.Magic);

    /// <summary>True when <paramref name="bytes"/> start like the text form: the base64 of the magic (<c>QlBHTkVU</c>).</summary>
    public static bool IsTextModel(ReadOnlySpan<byte> bytes) => bytes.TrimStart(" \t\r\n"u8).StartsWith("QlBHTkVU"u8);

    /// <summary>Reads <paramref name="path"/> as a model file or its text form, and checks its header.</summary>
    /// <exception cref="ToolException">The file is neither.</exception>
    /// <exception cref="ModelFormatException">Its header is not valid.</exception>
    public static ModelFile Read(string path)
    {
        byte[] bytes = ReadAll(path);
        ModelForm form;
        if (IsBinaryModel(bytes))
        {
            form = ModelForm.Binary;
        }
        else if (IsTextModel(bytes))
        {
            form = ModelForm.Text;
            bytes = Decode(path, bytes);
        }
        else
        {
            throw new ToolException($"'{path}' is not a Backprop.Generated model file (.bpnet) or its text form (.bpnet.b64): it starts with neither \"BPGNET\" nor its base64 \"QlBHTkVU\".");
        }
        ModelInfo info = NetworkSerializer.ReadInfo(new MemoryStream(bytes, writable: false), path);
        return new ModelFile(path, form, bytes, info);
    }

    public static byte[] ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            throw new ToolException(Directory.Exists(path) ? $"'{path}' is a folder, not a file." : $"'{path}' does not exist.");
        }
        return File.ReadAllBytes(path);
    }

    private static byte[] Decode(string path, byte[] text)
    {
        string ascii = Encoding.ASCII.GetString(text);
        try
        {
            return Convert.FromBase64String(ascii);
        }
        catch (FormatException)
        {
            int line = 1;
            foreach (string row in ascii.Split('\n'))
            {
                string content = row.TrimEnd('\r');
                foreach (char c in content)
                {
                    if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=' or ' ' or '\t'))
                    {
                        throw new ToolException($"'{path}' is not valid base64: line {line} holds the character '{c}' (U+{(int)c:X4}).");
                    }
                }
                line++;
            }
            throw new ToolException($"'{path}' is not valid base64: its length or padding is wrong (the text form is cut or joined with something else).");
        }
    }
}
