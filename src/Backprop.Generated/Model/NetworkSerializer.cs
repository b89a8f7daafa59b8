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
/// <param name="FormatVersion">The format version of the file: 1, 2 or 3 (the other members describe them alike).</param>
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
    public string Functions => FunctionRules.Describe(Activations, Cost);

    /// <summary>The network the file holds: its layers, cost and parameter layout.</summary>
    public NetworkArchitecture Architecture
    {
        get => _architecture ?? NetworkArchitecture.Dense(LayerSizes, Activations, Cost);
        init => _architecture = value;
    }

    private readonly NetworkArchitecture? _architecture;

    /// <summary>Whether the file is the base64 text form (<c>.bpnet.b64</c>) rather than the binary model file.</summary>
    public bool IsText { get; init; }
}

/// <summary>
/// Saves and loads the parameters of a network in the Backprop.Generated model format: writes version 2 (a chain of dense
/// layers) or 3 (any other network), reads versions 1 to 3.
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
/// Format version 3 records a network of any layers (convolutions, pooling, dense layers over a spatial input) layer by
/// layer; it is written for every network that is not a chain of dense layers over a vector, which stay version 2. Its
/// header: bytes 0..15 as above (version 3, L the layers with the input), then the input record (16 bytes: rank 1..3,
/// three zero bytes, channels, height and width as int32; 1 where a rank has no such axis), then one 24-byte record per
/// layer l = 2..L (kind: 1 dense, 2 Conv2D, 3 Conv1D, 4 MaxPool2D, 5 AvgPool2D, 6 MaxPool1D, 7 AvgPool1D, 8 dropout;
/// activation; two zero bytes; int32 units (a dense layer's neurons, a convolution's filters, 0 for a pool or dropout),
/// kernel height, kernel width (a dropout layer's rate, a float64, in their place), stride, padding), then the parameter
/// count P (int64) that the layers imply, the parameters in the
/// <see cref="INetwork{TSelf}.Parameters"/> layout (a convolution's weights [filters, channels, kernel height, kernel
/// width], then its biases) and the CRC-32. A version 3 file is exactly 44 + 24·(L − 1) + 4·P bytes.
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
/// Every method that reads a model (<c>Load</c>, <c>LoadInto</c>, <c>ReadModel</c>, <c>ReadInfo</c>) also reads its base64
/// text form, the <c>.bpnet.b64</c> that <see cref="SaveBase64{TNet}(TNet, string)"/> writes and <c>Weights = "…"</c>
/// bakes in: a file or stream that starts with <c>QlBHTkVU</c> (the base64 of the magic) is decoded first, and a text
/// that is not valid base64 is <see cref="ModelFormatError.InvalidText"/>, naming the line and column.
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
    public const int FormatVersion = ModelFile.FormatVersion;

    /// <summary>The oldest format version this library reads.</summary>
    public const int MinFormatVersion = ModelFile.MinFormatVersion;

    /// <summary>The fewest layers a model may have.</summary>
    public const int MinLayerCount = NetworkLimits.MinLayers;

    /// <summary>The most layers a model may have.</summary>
    public const int MaxLayerCount = NetworkLimits.MaxLayers;

    /// <summary>The magic bytes every model file starts with: ASCII <c>BPGNET</c>, CR, LF.</summary>
    public static ReadOnlySpan<byte> Magic => ModelFile.Magic;

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
    private static string Base64Lines(MemoryStream model) => ModelText.Encode(model.GetBuffer(), (int)model.Length);

    /// <summary>Writes the parameters of <paramref name="network"/> to <paramref name="stream"/> (left open, not flushed).</summary>
    public static void Save<TNet>(TNet network, Stream stream) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(stream);
        Write(stream, TNet.Architecture, network.Parameters);
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
        Write(stream, model.Architecture, model.Parameters);
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
        stream = TextForm.Open(stream, name, out _);
        var crc = new Crc32();
        ModelHeader header = ReadHeader(stream, name, crc);
        float[] parameters = ReadParameters(stream, name, crc, checked((int)header.ParameterCount));
        uint checksum = crc.GetCurrentHashAsUInt32();
        TrainingState.ReadSection(stream, name);
        return new ModelData(header.Architecture, parameters, checksum);
    }

    private static void Write(Stream stream, NetworkArchitecture architecture, ReadOnlySpan<float> parameters)
    {
        var crc = new Crc32();
        if (parameters.Length != architecture.ParameterCount)
        {
            throw new InvalidOperationException(Invariant(
                $"A {architecture.Shape} network has {architecture.ParameterCount} parameters, but {parameters.Length} were given."));
        }
        Write(stream, crc, ModelFile.WriteHeader(architecture));

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
        stream = TextForm.Open(stream, name, out _);
        var crc = new Crc32();
        ModelHeader header = ReadHeader(stream, name, crc);

        // The file must hold exactly this network: same sizes, same functions.
        NetworkArchitecture expected = TNet.Architecture, stored = header.Architecture;
        if (stored.Shape != expected.Shape)
        {
            throw Error(name, ModelFormatError.ShapeMismatch,
                $"holds a {stored.Shape} network but the network it is loaded into is {expected.Shape}.");
        }
        bool sameActivations = System.Linq.Enumerable.SequenceEqual(stored.Activations, expected.Activations);
        if (!sameActivations || stored.Cost != expected.Cost)
        {
            throw Error(name, sameActivations ? ModelFormatError.CostMismatch : ModelFormatError.ActivationMismatch,
                $"was saved from a network with {stored.Functions}, but {typeof(TNet).Name} has {string.Join(", ", expected.Activations)} and {expected.Cost}.");
        }
        if (!stored.Equals(expected))
        {
            // The same sizes and functions from other layers (a kernel, a stride, a pool where the network has a convolution).
            throw Error(name, ModelFormatError.ShapeMismatch,
                $"holds the layers {string.Join(", ", stored.Layers)} but {typeof(TNet).Name} has {string.Join(", ", expected.Layers)}.");
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
            throw Error(name, ModelFile.TruncatedParameters(count, read));
        }

        Span<byte> stored = stackalloc byte[4];
        read = stream.ReadAtLeast(stored, stored.Length, throwOnEndOfStream: false);
        if (read < stored.Length)
        {
            throw Error(name, ModelFile.TruncatedChecksum(read));
        }
        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(stored);
        uint actual = crc.GetCurrentHashAsUInt32();
        if (expected != actual)
        {
            throw Error(name, ModelFile.ChecksumMismatch(expected, actual));
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
        return ReadInfo(stream, path);
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
        stream = TextForm.Open(stream, name, out bool isText);
        ModelHeader header = ReadHeader(stream, name, new Crc32());
        var info = new ModelInfo(header.Version, header.LayerSizes, header.Activations, header.Cost, header.ParameterCount) { IsText = isText, Architecture = header.Architecture };
        if (!stream.CanSeek)
        {
            return info;
        }
        long afterHeader = stream.Position;
        (int Epochs, string Optimizer)? state = TrainingState.Peek(stream, afterHeader + 4 * info.ParameterCount + 4);
        stream.Position = afterHeader;
        return state is { } found ? info with { TrainedEpochs = found.Epochs, Optimizer = found.Optimizer } : info;
    }

    /// <summary>Reads and checks a model's header (with <see cref="ModelFile"/>, as the generator does), hashing what it reads.</summary>
    private static ModelHeader ReadHeader(Stream stream, string name, Crc32 crc)
    {
        Span<byte> start = stackalloc byte[ModelFile.FixedHeaderSize];
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        crc.Append(start[..read]);
        if (ModelFile.CheckStart(start[..read], out int restSize) is { } problem)
        {
            throw Error(name, problem);
        }
        Span<byte> rest = stackalloc byte[restSize];
        read = stream.ReadAtLeast(rest, rest.Length, throwOnEndOfStream: false);
        crc.Append(rest[..read]);
        if (ModelFile.ReadHeader(start, rest[..read], out ModelHeader? header) is { } headerProblem)
        {
            throw Error(name, headerProblem);
        }
        return header!;
    }

    internal static ModelFormatException Error(string name, ModelFileProblem problem) => Error(name, problem.Error, problem.Message);

    internal static ModelFormatException Error(string name, ModelFormatError reason, string problem)
        => new($"The model file '{name}' {problem}", name, reason);

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
