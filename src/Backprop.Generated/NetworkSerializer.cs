using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using System.Runtime.InteropServices;
using static System.FormattableString;

namespace Backprop;

/// <summary>What the header of a saved model says (see <see cref="NetworkSerializer.ReadInfo(string)"/>).</summary>
/// <param name="FormatVersion">The format version of the file: 1 or 2 (the other members describe both alike).</param>
/// <param name="LayerSizes">The size of every layer, input first.</param>
/// <param name="Activations">
/// The activation of every weight layer 2..L, in order (L − 1 values, the output's last), as
/// <see cref="INetwork{TSelf}.Activations"/>. For a version 1 file: its hidden activation for every hidden layer, then
/// its output activation.
/// </param>
/// <param name="Cost">The cost function the model was trained for.</param>
/// <param name="ParameterCount">The number of parameters.</param>
public sealed record ModelInfo(
    int FormatVersion,
    IReadOnlyList<int> LayerSizes,
    IReadOnlyList<ActivationKind> Activations,
    CostKind Cost,
    long ParameterCount)
{
    /// <summary>The activation of the output layer L: the last of <see cref="Activations"/>.</summary>
    public ActivationKind OutputActivation => Activations[^1];

    /// <summary>
    /// For a training checkpoint (see <see cref="TrainingSession{TNet}.SaveCheckpoint"/>) read from a file, the epochs it
    /// had completed; null for a model without training state, or when read from a stream that cannot seek.
    /// </summary>
    public int? TrainedEpochs { get; init; }

    /// <summary>For a training checkpoint read from a file, the name of its optimizer (e.g. <c>adam</c>); otherwise null.</summary>
    public string? Optimizer { get; init; }

    /// <summary>The layer sizes joined by dashes, input first, e.g. <c>784-30-10</c>.</summary>
    public string Shape => string.Join('-', LayerSizes);

    /// <summary>What the network computes, e.g. <c>activations ReLU, Softmax and cost LogLikelihood</c>.</summary>
    public string Functions => NetworkSerializer.DescribeFunctions(Activations, Cost);
}

/// <summary>
/// Saves and loads the parameters of a network in the Backprop.Generated model format: writes version 2, reads
/// versions 2 and 1.
/// </summary>
/// <remarks>
/// <para>Format version 2, all little-endian (L layers, P parameters, A = 4·⌈(L − 1)/4⌉):</para>
/// <code>
/// offset      size  field
///      0         8  magic: ASCII "BPGNET" then "\r\n" (42 50 47 4E 45 54 0D 0A)
///      8         2  format version, uint16 = 2
///     10         1  element type: 1 = float32
///     11         2  reserved, 0
///     13         1  cost (CostKind value: 1 = cross-entropy, 2 = quadratic, 3 = log-likelihood)
///     14         2  layer count L, uint16, 2..32
///     16       4·L  layer sizes, int32 each (≥ 1), input first
///   16+4L        A  activations: L − 1 bytes, one ActivationKind value per weight layer l = 2..L in order
///                   (the output's last: 1 = sigmoid, 2 = tanh, 3 = ReLU, 4 = leaky ReLU, 5 = identity,
///                   6 = softmax), then zero bytes up to a multiple of 4, so that what follows stays
///                   4-byte aligned
///   16+4L+A      8  parameter count P, int64 = Σ_l n_l·n_(l−1) + n_l
///   24+4L+A    4·P  the parameters, float32, in the INetwork.Parameters layout: for each layer
///                   l = 2..L, the weights row-major [n_l, n_(l−1)], then the biases (n_l)
///  end−4         4  CRC-32 (IEEE 802.3, as System.IO.Hashing.Crc32) of every byte before it
/// </code>
/// <para>
/// A version 2 file is exactly 28 + 4·L + A + 4·P bytes. The activations and cost must be a combination a network
/// can have: softmax on the output layer only, cross-entropy with a sigmoid output only, log-likelihood with a
/// softmax output only (quadratic goes with any output).
/// </para>
/// <para>
/// Format version 1 (written by earlier versions of this library, still read) is the same but for the header:
/// byte 11 is the activation of every hidden layer, byte 12 that of the output layer, byte 13 the cost, and there
/// are no per-layer activation bytes: the parameter count is at 16 + 4·L, the parameters at 24 + 4·L, and the file is
/// 28 + 4·L + 4·P bytes. A version 1 file loads as the version 2 file whose activations are its hidden activation for
/// layers 2..L−1 and its output activation for layer L.
/// </para>
/// <para>
/// A training checkpoint (<see cref="TrainingSession{TNet}.SaveCheckpoint"/>) is a model file followed, after its
/// checksum, by a training-state section: the ASCII magic <c>BPGSTATE</c>, its own version, length and CRC-32. Every
/// method here loads a checkpoint's parameters like a model's, after checking the section too.
/// </para>
/// <para>
/// Loading checks everything (magic, version, element type, reserved and padding bytes, activations, cost, layer
/// sizes, activations and cost against the network, length, checksum, nothing after the checksum but a valid
/// training-state section) into a buffer
/// before it touches the network, so a failed load leaves the network unchanged; every failure is a
/// <see cref="ModelFormatException"/> naming the file and a <see cref="ModelFormatError"/>.
/// </para>
/// <para>
/// Saving to a path is atomic: the model is written to a temporary file beside the target
/// (<c>.&lt;name&gt;.&lt;pid&gt;.tmp</c>), flushed to disk, then renamed over the target, so a
/// crash, a kill or a full disk leaves the previous file intact; the temporary file is deleted on failure, and
/// one left by a killed process is deleted by the next save of the same target (see
/// <see cref="Save{TNet}(TNet, string)"/> for what each platform guarantees).
/// </para>
/// </remarks>
public static class NetworkSerializer
{
    /// <summary>The format version this library writes. It reads this version and every earlier one (1).</summary>
    public const int FormatVersion = 2;

    /// <summary>The oldest format version this library reads.</summary>
    public const int MinFormatVersion = 1;

    /// <summary>The fewest layers a model may have.</summary>
    public const int MinLayerCount = 2;

    /// <summary>The most layers a model may have.</summary>
    public const int MaxLayerCount = 32;

    /// <summary>The element type code of float32 parameters.</summary>
    private const byte Float32 = 1;

    /// <summary>The bytes up to and including the layer count.</summary>
    private const int FixedHeaderSize = 16;

    /// <summary>The bytes of a version 2 header before the parameters, for <paramref name="layerCount"/> layers.</summary>
    private static int HeaderSize(int layerCount) => FixedHeaderSize + 4 * layerCount + ActivationBytes(layerCount) + 8;

    /// <summary>The activation bytes of a version 2 header, padding included: L − 1 rounded up to a multiple of 4.</summary>
    private static int ActivationBytes(int layerCount) => (layerCount - 1 + 3) & ~3;

    /// <summary>The magic bytes every model file starts with: ASCII <c>BPGNET</c>, CR, LF.</summary>
    public static ReadOnlySpan<byte> Magic => "BPGNET\r\n"u8;

    /// <summary>Saves the parameters of <paramref name="network"/> to <paramref name="path"/>, atomically.</summary>
    /// <remarks>
    /// <para>
    /// Writes the temporary file <c>.&lt;name&gt;.&lt;pid&gt;.tmp</c> in the target's folder (<c>&lt;name&gt;</c>
    /// the target's file name, <c>&lt;pid&gt;</c> this process's id), flushes it to disk and renames it over
    /// <paramref name="path"/>; on any failure the temporary file is deleted and an existing file at
    /// <paramref name="path"/> is left as it was. The folder must exist.
    /// </para>
    /// <para>
    /// On every platform: whatever happens to the saving process (an exception, a full disk, the process killed at
    /// any instant, SIGKILL included), <paramref name="path"/> afterwards holds either the complete previous model or
    /// the complete new one, never a mix, a truncated file or nothing (if a file was there). Readers of the file see
    /// one or the other, too (on Windows a save fails, leaving the previous file, while another process has the
    /// target open without delete sharing). Processes and threads may save the same target at once: each writes its
    /// own temporary file (one per process; threads of a process take turns), and the last rename wins.
    /// </para>
    /// <para>
    /// A killed save leaves its temporary file behind; the next save of the same target deletes every
    /// <c>.&lt;name&gt;.&lt;digits&gt;.tmp</c> whose process is no longer running and that nobody has open, and
    /// nothing else. So at most one such file per process killed since the last save remains (and one whose process
    /// id a running process has since taken, until that process ends).
    /// </para>
    /// <para>
    /// Power loss or an operating-system crash: on Linux and macOS the model's data is flushed
    /// (<see cref="FileStream.Flush(bool)"/>) before the rename and the folder is flushed (<c>fsync</c> of the
    /// folder) after it, so once Save returns the new model survives a power cut, and a cut during the save leaves
    /// the old model or the new one. A failure of the folder flush (for example a file system that refuses it)
    /// does not fail the save, which has already taken effect; the rename's own failure does. On macOS,
    /// <c>fsync</c> hands the data to the drive, which may still hold it in its own cache (see Apple's fsync
    /// man page). On Windows the data is flushed (<c>FlushFileBuffers</c>) before the rename, and the rename is
    /// <see cref="File.Move(string, string, bool)"/>, i.e. <c>MoveFileEx</c> with <c>MOVEFILE_REPLACE_EXISTING</c>
    /// (no write-through), which NTFS carries out as one journaled metadata operation: a power cut leaves the old
    /// model or the new one, but just after Save returns it may still be the old one (Windows offers no way to
    /// flush a folder). On network file systems the guarantees are those of the
    /// server.
    /// </para>
    /// </remarks>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void Save<TNet>(TNet network, string path) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream => Save(network, stream));
    }

    /// <summary>
    /// Saves the parameters of <paramref name="network"/> to <paramref name="path"/>, atomically, as text: the
    /// bytes <see cref="Save{TNet}(TNet, Stream)"/> writes, base64-encoded in lines of 76 characters, each
    /// ending in '\n'. This is the form a program bakes in at compile time with
    /// <see cref="NetworkAttribute.Weights"/>: compilers pass only text files to source generators.
    /// </summary>
    /// <remarks>
    /// Any base64 tool makes the same text from a saved model, for example
    /// <c>base64 -w 76 model.bpnet &gt; model.bpnet.b64</c>, and decodes it back. Written like
    /// <see cref="Save{TNet}(TNet, string)"/>, with the same guarantees: to the temporary file
    /// <c>.&lt;name&gt;.&lt;pid&gt;.tmp</c>, flushed, then renamed over the target.
    /// </remarks>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void SaveBase64<TNet>(TNet network, string path) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var model = new MemoryStream();
        Save(network, model);
        byte[] ascii = System.Text.Encoding.ASCII.GetBytes(Base64Lines(model));
        AtomicFile.Write(path, stream => stream.Write(ascii));
    }

    /// <summary>The bytes of <paramref name="model"/> base64-encoded in lines of 76 characters, each ending in '\n'.</summary>
    private static string Base64Lines(MemoryStream model)
    {
        string base64 = Convert.ToBase64String(model.GetBuffer(), 0, (int)model.Length);
        const int LineLength = 76;
        var text = new System.Text.StringBuilder(base64.Length + base64.Length / LineLength + 1);
        for (int start = 0; start < base64.Length; start += LineLength)
        {
            text.Append(base64, start, Math.Min(LineLength, base64.Length - start)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes the parameters of <paramref name="network"/> to <paramref name="stream"/> (left open, not flushed).</summary>
    /// <exception cref="InvalidOperationException">
    /// <typeparamref name="TNet"/> does not have one activation per weight layer (only a hand-written implementation of
    /// <see cref="INetwork{TSelf}"/> can get this wrong).
    /// </exception>
    public static void Save<TNet>(TNet network, Stream stream) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        if (TNet.Activations.Length != TNet.LayerSizes.Length - 1)
        {
            throw new InvalidOperationException(Invariant(
                $"{typeof(TNet).Name} has {TNet.LayerSizes.Length} layers but {TNet.Activations.Length} activations; a network has one per weight layer ({TNet.LayerSizes.Length - 1})."));
        }
        Write(stream, TNet.LayerSizes, TNet.Activations, TNet.Cost, network.Parameters);
    }

    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/>, atomically, as <see cref="Save{TNet}(TNet, string)"/> does.</summary>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void Save(ModelData model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, stream => Save(model, stream));
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="stream"/> (left open, not flushed).</summary>
    public static void Save(ModelData model, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        Write(stream, model.LayerSizes.ToArray(), model.Activations.ToArray(), model.Cost, model.Parameters);
    }

    /// <summary>
    /// Saves <paramref name="model"/> to <paramref name="path"/> in the text form a program bakes in, atomically, as
    /// <see cref="SaveBase64{TNet}(TNet, string)"/> does.
    /// </summary>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void SaveBase64(ModelData model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] ascii = System.Text.Encoding.ASCII.GetBytes(ToBase64(model));
        AtomicFile.Write(path, stream => stream.Write(ascii));
    }

    /// <summary>
    /// The text form of <paramref name="model"/> that <see cref="NetworkAttribute.Weights"/> bakes in: its model file
    /// base64-encoded in lines of 76 characters, each ending in '\n'.
    /// </summary>
    public static string ToBase64(ModelData model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var bytes = new MemoryStream();
        Save(model, bytes);
        return Base64Lines(bytes);
    }

    /// <summary>
    /// Reads a whole model file (a checkpoint's training state is checked and left out) without a network type.
    /// Checks everything <see cref="LoadInto{TNet}(TNet, string)"/> checks but the match with a network.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is not a valid model.</exception>
    public static ModelData ReadModel(string path)
    {
        using FileStream stream = OpenExisting(path);
        return ReadModel(stream, path);
    }

    /// <summary>Reads a whole model from <paramref name="stream"/> (to its end, left open) without a network type.</summary>
    /// <param name="stream">The model.</param>
    /// <param name="name">The name error messages use for the stream.</param>
    /// <exception cref="ModelFormatException">The data is not a valid model.</exception>
    public static ModelData ReadModel(Stream stream, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var crc = new Crc32();
        ModelInfo info = ReadHeader(stream, name, crc);
        float[] parameters = ReadParameters(stream, name, crc, checked((int)info.ParameterCount));
        TrainingState.ReadSection(stream, name);
        return new ModelData(info.LayerSizes, info.Activations, info.Cost, parameters);
    }

    private static void Write(Stream stream, ReadOnlySpan<int> sizes, ReadOnlySpan<ActivationKind> activations, CostKind cost, ReadOnlySpan<float> parameters)
    {
        var crc = new Crc32();

        // Header: magic, version, element type, reserved, cost, layer count, sizes, activations, parameter count.
        int layerCount = sizes.Length;
        long parameterCount = 0;
        for (int l = 1; l < layerCount; l++)
        {
            parameterCount += (long)sizes[l] * sizes[l - 1] + sizes[l];
        }
        if (parameters.Length != parameterCount)
        {
            throw new InvalidOperationException(Invariant(
                $"A {string.Join('-', sizes.ToArray())} network has {parameterCount} parameters, but {parameters.Length} were given."));
        }
        var header = new byte[HeaderSize(layerCount)];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), FormatVersion);
        header[10] = Float32;
        // Bytes 11 and 12 are reserved (zero).
        header[13] = checked((byte)cost);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(14), checked((ushort)layerCount));
        for (int l = 0; l < layerCount; l++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(FixedHeaderSize + 4 * l), sizes[l]);
        }
        int activationStart = FixedHeaderSize + 4 * layerCount;
        for (int l = 0; l < activations.Length; l++)
        {
            header[activationStart + l] = checked((byte)activations[l]);
        }
        // The padding after the activations stays zero.
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(activationStart + ActivationBytes(layerCount)), parameterCount);
        Write(stream, crc, header);

        // The parameters, float32 little-endian, in the Parameters layout.
        if (BitConverter.IsLittleEndian)
        {
            Write(stream, crc, MemoryMarshal.AsBytes(parameters));
        }
        else
        {
            Span<byte> chunk = stackalloc byte[4096];
            for (int start = 0; start < parameters.Length; start += chunk.Length / 4)
            {
                ReadOnlySpan<float> part = parameters.Slice(start, Math.Min(chunk.Length / 4, parameters.Length - start));
                for (int i = 0; i < part.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(chunk[(4 * i)..], part[i]);
                }
                Write(stream, crc, chunk[..(4 * part.Length)]);
            }
        }

        // The CRC-32 of everything before it.
        Span<byte> checksum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(checksum, crc.GetCurrentHashAsUInt32());
        stream.Write(checksum);
    }

    /// <summary>Loads a saved model from <paramref name="path"/> into a new network.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is not a valid model of this network (its layer sizes, activations and cost).</exception>
    public static TNet Load<TNet>(string path) where TNet : class, INetwork<TNet>
    {
        TNet network = TNet.Create();
        LoadInto(network, path);
        return network;
    }

    /// <summary>Loads a saved model from <paramref name="stream"/> (read to its end, left open) into a new network.</summary>
    /// <param name="stream">The model.</param>
    /// <param name="name">The name error messages use for the stream.</param>
    /// <exception cref="ModelFormatException">The data is not a valid model of this network (its layer sizes, activations and cost).</exception>
    public static TNet Load<TNet>(Stream stream, string name = "stream") where TNet : class, INetwork<TNet>
    {
        TNet network = TNet.Create();
        LoadInto(network, stream, name);
        return network;
    }

    /// <summary>
    /// Loads a saved model from <paramref name="path"/> into <paramref name="network"/>, replacing
    /// all its parameters. On failure the network is unchanged.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The file is not a valid model of this network (its layer sizes, activations and cost).</exception>
    public static void LoadInto<TNet>(TNet network, string path) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        using FileStream stream = OpenExisting(path);
        LoadInto(network, stream, path);
    }

    /// <summary>
    /// Loads a saved model from <paramref name="stream"/> (read to its end, left open) into
    /// <paramref name="network"/>, replacing all its parameters. On failure the network is unchanged.
    /// </summary>
    /// <param name="network">The network to fill.</param>
    /// <param name="stream">The model.</param>
    /// <param name="name">The name error messages use for the stream.</param>
    /// <exception cref="ModelFormatException">The data is not a valid model of this network (its layer sizes, activations and cost).</exception>
    public static void LoadInto<TNet>(TNet network, Stream stream, string name = "stream") where TNet : class, INetwork<TNet>
        => LoadInto(network, stream, name, out _);

    /// <summary>As <see cref="LoadInto{TNet}(TNet, Stream, string)"/>, also giving the training-state section of a checkpoint (its payload), or null.</summary>
    internal static void LoadInto<TNet>(TNet network, Stream stream, string name, out byte[]? trainingState) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        var crc = new Crc32();
        ModelInfo info = ReadHeader(stream, name, crc);

        // The file must hold exactly this network: same sizes, same functions.
        string expectedShape = string.Join('-', TNet.LayerSizes.ToArray());
        if (info.Shape != expectedShape)
        {
            throw Error(name, ModelFormatError.ShapeMismatch,
                $"holds a {info.Shape} network but the network it is loaded into is {expectedShape}.");
        }
        ActivationKind[] expectedActivations = TNet.Activations.ToArray();
        bool sameActivations = SameActivations(info.Activations, expectedActivations);
        if (!sameActivations || info.Cost != TNet.Cost)
        {
            throw Error(name, sameActivations ? ModelFormatError.CostMismatch : ModelFormatError.ActivationMismatch,
                $"was saved from a network with {info.Functions}, but {typeof(TNet).Name} has {string.Join(", ", expectedActivations)} and {TNet.Cost}.");
        }

        // Everything into a buffer first; the network is touched only once the whole file checks out. A checkpoint's
        // training-state section may follow; anything else is an error. The section is checked whole (its CRC-32
        // included) even when only the parameters are wanted, so a damaged checkpoint never loads.
        float[] parameters = ReadParameters(stream, name, crc, TNet.ParameterCount);
        trainingState = TrainingState.ReadSection(stream, name);
        parameters.CopyTo(network.Parameters);
    }

    /// <summary>Reads <paramref name="count"/> float32 parameters and the CRC-32 after them, and checks the CRC-32.</summary>
    private static float[] ReadParameters(Stream stream, string name, Crc32 crc, int count)
    {
        var bytes = new byte[4L * count];
        int read = stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        crc.Append(bytes.AsSpan(0, read));
        if (read < bytes.Length)
        {
            throw Error(name, ModelFormatError.Truncated,
                Invariant($"is truncated: expected {bytes.Length:N0} bytes of parameters ({count:N0} float32) but found {read:N0}."));
        }

        Span<byte> stored = stackalloc byte[4];
        read = stream.ReadAtLeast(stored, stored.Length, throwOnEndOfStream: false);
        if (read < stored.Length)
        {
            throw Error(name, ModelFormatError.Truncated,
                Invariant($"is truncated: expected a 4-byte CRC-32 after the parameters but found {read} bytes."));
        }
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(stored);
        uint actual = crc.GetCurrentHashAsUInt32();
        if (expected != actual)
        {
            throw Error(name, ModelFormatError.ChecksumMismatch,
                Invariant($"is corrupted: its stored CRC-32 is 0x{expected:X8} but its content hashes to 0x{actual:X8}."));
        }

        var parameters = new float[count];
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.Cast<byte, float>(bytes).CopyTo(parameters);
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                parameters[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(4 * i));
            }
        }
        return parameters;
    }

    /// <summary>
    /// Reads and checks the header of a saved model, without loading the parameters or checking the checksum; for a
    /// checkpoint, also the epochs and optimizer of its training state.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="ModelFormatException">The header is not valid.</exception>
    public static ModelInfo ReadInfo(string path)
    {
        using FileStream stream = OpenExisting(path);
        ModelInfo info = ReadHeader(stream, path, new Crc32());
        return TrainingState.Peek(stream, stream.Position + 4 * info.ParameterCount + 4) is { } state
            ? info with { TrainedEpochs = state.Epochs, Optimizer = state.Optimizer }
            : info;
    }

    /// <summary>
    /// Reads and checks the header of a saved model from <paramref name="stream"/>, leaving the stream after it; for a
    /// checkpoint in a seekable stream, also the epochs and optimizer of its training state.
    /// </summary>
    /// <param name="stream">The model, at its start.</param>
    /// <param name="name">The name error messages use for the stream.</param>
    /// <exception cref="ModelFormatException">The header is not valid.</exception>
    public static ModelInfo ReadInfo(Stream stream, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        ModelInfo info = ReadHeader(stream, name, new Crc32());
        if (!stream.CanSeek)
        {
            return info;
        }
        long afterHeader = stream.Position;
        (int Epochs, string Optimizer)? state = TrainingState.Peek(stream, afterHeader + 4 * info.ParameterCount + 4);
        stream.Position = afterHeader;
        return state is { } found ? info with { TrainedEpochs = found.Epochs, Optimizer = found.Optimizer } : info;
    }

    private static ModelInfo ReadHeader(Stream stream, string name, Crc32 crc)
    {
        Span<byte> header = stackalloc byte[FixedHeaderSize];
        int read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        crc.Append(header[..read]);
        int compared = Math.Min(read, Magic.Length);
        if (read == 0 || !header[..compared].SequenceEqual(Magic[..compared]))
        {
            throw Error(name, ModelFormatError.WrongMagic,
                $"is not a Backprop.Generated model: expected it to start with {Hex(Magic)} (\"BPGNET\\r\\n\") but it starts with {Hex(header[..compared])}.");
        }
        if (read < FixedHeaderSize)
        {
            throw Error(name, ModelFormatError.Truncated,
                Invariant($"is truncated: expected a {FixedHeaderSize}-byte header but found {read} bytes."));
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        if (version is < MinFormatVersion or > FormatVersion)
        {
            string hint = version > FormatVersion ? " (written by a newer Backprop.Generated; update this one to read it)" : "";
            throw Error(name, ModelFormatError.UnsupportedVersion,
                Invariant($"has format version {version}{hint}; this library reads versions {MinFormatVersion} to {FormatVersion}."));
        }
        if (header[10] != Float32)
        {
            throw Error(name, ModelFormatError.UnsupportedElementType,
                Invariant($"stores its parameters as element type {header[10]}; this library knows only 1 (float32)."));
        }

        // Version 1: hidden and output activation at 11 and 12. Version 2: 11 and 12 are reserved.
        if (version == 1)
        {
            CheckKnown(name, header[11], "its hidden layers");
            CheckKnown(name, header[12], "its output layer");
        }
        else if (header[11] != 0 || header[12] != 0)
        {
            throw Error(name, ModelFormatError.InvalidHeader,
                Invariant($"has {header[11]:X2} {header[12]:X2} in its reserved header bytes 11 and 12, which format version {version} leaves zero."));
        }
        var cost = (CostKind)header[13];
        if (!IsKnown(cost))
        {
            throw Error(name, ModelFormatError.UnknownCost,
                Invariant($"has the cost {header[13]}; this library knows {Known<CostKind>()}."));
        }

        int layerCount = BinaryPrimitives.ReadUInt16LittleEndian(header[14..]);
        if (layerCount is < MinLayerCount or > MaxLayerCount)
        {
            throw Error(name, ModelFormatError.InvalidHeader,
                Invariant($"has {layerCount} layers; a model has {MinLayerCount} to {MaxLayerCount}."));
        }

        // The rest of the header: sizes, (version 2) activations and padding, parameter count.
        int activationBytes = version == 1 ? 0 : ActivationBytes(layerCount);
        Span<byte> rest = stackalloc byte[HeaderSize(MaxLayerCount) - FixedHeaderSize];
        rest = rest[..(4 * layerCount + activationBytes + 8)];
        read = stream.ReadAtLeast(rest, rest.Length, throwOnEndOfStream: false);
        crc.Append(rest[..read]);
        if (read < rest.Length)
        {
            string what = version == 1 ? "layer sizes and parameter count" : "layer sizes, activations and parameter count";
            throw Error(name, ModelFormatError.Truncated,
                Invariant($"is truncated: expected {rest.Length} bytes of {what} after the first {FixedHeaderSize} but found {read}."));
        }

        var activations = new ActivationKind[layerCount - 1];
        if (version == 1)
        {
            for (int l = 0; l < activations.Length; l++)
            {
                activations[l] = (ActivationKind)(l == activations.Length - 1 ? header[12] : header[11]);
            }
        }
        else
        {
            ReadOnlySpan<byte> stored = rest.Slice(4 * layerCount, activationBytes);
            for (int l = 0; l < activations.Length; l++)
            {
                CheckKnown(name, stored[l], Invariant($"layer {l + 2}"));
                activations[l] = (ActivationKind)stored[l];
            }
            for (int i = activations.Length; i < activationBytes; i++)
            {
                if (stored[i] != 0)
                {
                    throw Error(name, ModelFormatError.InvalidHeader,
                        Invariant($"has {stored[i]:X2} in padding byte {FixedHeaderSize + 4 * layerCount + i} after its activations, which must be zero."));
                }
            }
        }
        if (Contradiction(activations, cost) is string contradiction)
        {
            throw Error(name, ModelFormatError.InvalidHeader,
                $"has {DescribeFunctions(activations, cost)}, which no network has: {contradiction}.");
        }

        var sizes = new int[layerCount];
        long implied = 0;
        for (int l = 0; l < layerCount; l++)
        {
            sizes[l] = BinaryPrimitives.ReadInt32LittleEndian(rest[(4 * l)..]);
            if (sizes[l] < 1)
            {
                throw Error(name, ModelFormatError.InvalidHeader,
                    Invariant($"gives layer {l + 1} a size of {sizes[l]}; every layer has at least one neuron."));
            }
            if (l > 0)
            {
                // Each term is below 2^63 and the sum so far at most int.MaxValue: no overflow, and no wrapped count
                // a crafted header could announce.
                implied += (long)sizes[l - 1] * sizes[l] + sizes[l];
                if (implied > int.MaxValue)
                {
                    throw Error(name, ModelFormatError.InvalidHeader,
                        Invariant($"gives its first {l + 1} layers the sizes {string.Join('-', sizes[..(l + 1)])}, which imply more parameters than a network can hold ({int.MaxValue:N0})."));
                }
            }
        }

        long parameterCount = BinaryPrimitives.ReadInt64LittleEndian(rest[(4 * layerCount + activationBytes)..]);
        if (parameterCount != implied)
        {
            throw Error(name, ModelFormatError.InvalidHeader,
                Invariant($"announces {parameterCount} parameters but its layer sizes {string.Join('-', sizes)} imply {implied}."));
        }

        return new ModelInfo(version, sizes, activations, cost, parameterCount);
    }

    /// <summary>Throws <see cref="ModelFormatError.UnknownActivation"/> unless <paramref name="value"/> is an <see cref="ActivationKind"/> this library knows.</summary>
    private static void CheckKnown(string name, byte value, string where)
    {
        if (!IsKnown((ActivationKind)value))
        {
            throw Error(name, ModelFormatError.UnknownActivation,
                Invariant($"gives {where} the activation {value}; this library knows {Known<ActivationKind>()}."));
        }
    }

    /// <summary>
    /// Why no network has <paramref name="activations"/> and <paramref name="cost"/>, or null when one can: softmax
    /// is an output activation only, cross-entropy needs a sigmoid output and log-likelihood a softmax output.
    /// </summary>
    internal static string? Contradiction(ReadOnlySpan<ActivationKind> activations, CostKind cost)
    {
        for (int l = 0; l < activations.Length - 1; l++)
        {
            if (activations[l] == ActivationKind.Softmax)
            {
                return Invariant($"softmax is an output activation only, and layer {l + 2} is hidden");
            }
        }
        ActivationKind output = activations[^1];
        return cost switch
        {
            CostKind.CrossEntropy when output != ActivationKind.Sigmoid => $"cross-entropy needs a sigmoid output, not {output}",
            CostKind.LogLikelihood when output != ActivationKind.Softmax => $"log-likelihood needs a softmax output, not {output}",
            _ => null,
        };
    }

    /// <summary>E.g. <c>activations ReLU, Softmax and cost LogLikelihood</c>.</summary>
    internal static string DescribeFunctions(IReadOnlyList<ActivationKind> activations, CostKind cost)
        => $"activations {string.Join(", ", activations)} and cost {cost}";

    private static bool SameActivations(IReadOnlyList<ActivationKind> stored, ReadOnlySpan<ActivationKind> network)
    {
        if (stored.Count != network.Length)
        {
            return false;
        }
        for (int l = 0; l < network.Length; l++)
        {
            if (stored[l] != network[l])
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsKnown(ActivationKind kind) => kind is >= ActivationKind.Sigmoid and <= ActivationKind.Softmax;

    private static bool IsKnown(CostKind kind) => kind is >= CostKind.CrossEntropy and <= CostKind.LogLikelihood;

    /// <summary>Every value of <typeparamref name="TEnum"/> with its name, e.g. <c>1 (Sigmoid), 2 (Tanh)</c>.</summary>
    private static string Known<TEnum>() where TEnum : struct, Enum
    {
        var names = new List<string>();
        foreach (TEnum value in Enum.GetValues<TEnum>())
        {
            names.Add(Invariant($"{Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)} ({value})"));
        }
        return string.Join(", ", names);
    }

    internal static ModelFormatException Error(string name, ModelFormatError reason, string problem)
        => new($"The model file '{name}' {problem}", name, reason);

    /// <summary>Bytes as spaced hexadecimal, e.g. <c>42 50 47</c>.</summary>
    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "nothing (the file is empty)";
        }
        var text = new System.Text.StringBuilder(3 * bytes.Length);
        foreach (byte b in bytes)
        {
            text.Append(text.Length == 0 ? "" : " ").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    private static void Write(Stream stream, Crc32 crc, ReadOnlySpan<byte> bytes)
    {
        crc.Append(bytes);
        stream.Write(bytes);
    }


    private static FileStream OpenExisting(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            string problem = Directory.Exists(path) ? "is a folder, not a file" : "does not exist";
            throw new FileNotFoundException($"The model file '{Path.GetFullPath(path)}' {problem}.", Path.GetFullPath(path));
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }
}
