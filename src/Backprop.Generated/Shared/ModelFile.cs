// Shared source: compiled into the runtime and linked into the generator (see ActivationsAndCosts.cs). The model file format,
// its header reader and writer: NetworkSerializer reads files and streams with it, the generator reads baked weights
// with it, and both report a damaged file in the same words.
using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

#if BACKPROP_GENERATOR
namespace Backprop.Generated.Generator.Shared;
#else
namespace Backprop;
#endif

/// <summary>Why a saved model cannot be loaded (see <c>ModelFormatException</c>).</summary>
public enum ModelFormatError
{
    /// <summary>The file does not start with the magic bytes <c>BPGNET\r\n</c>: it is not a saved model.</summary>
    WrongMagic = 1,

    /// <summary>The format version is not one this library reads (1 to 3): a newer library wrote it, or the file is damaged.</summary>
    UnsupportedVersion = 2,

    /// <summary>The parameters are stored in an element type this library does not know.</summary>
    UnsupportedElementType = 3,

    /// <summary>An activation is not a known <see cref="ActivationKind"/>; the message names the value, its layer and the known values.</summary>
    UnknownActivation = 4,

    /// <summary>The cost is not a known <see cref="CostKind"/>; the message names the value and the known values.</summary>
    UnknownCost = 5,

    /// <summary>
    /// The header contradicts itself: a layer count outside 2..32, a layer size below 1, layer sizes that imply more
    /// parameters than a network can hold (<see cref="int.MaxValue"/>), a parameter count the sizes do not imply, a
    /// reserved or padding byte that is not zero, or activations and a cost no network can have (softmax on a hidden
    /// layer, cross-entropy without a sigmoid output, log-likelihood without a softmax output).
    /// </summary>
    InvalidHeader = 6,

    /// <summary>The file holds a network of other layer sizes than the one it is loaded into.</summary>
    ShapeMismatch = 7,

    /// <summary>The file's activations differ from those of the network it is loaded into; the message names both networks' activations and costs.</summary>
    ActivationMismatch = 8,

    /// <summary>The file's cost differs from that of the network it is loaded into (its activations are the same); the message names both.</summary>
    CostMismatch = 9,

    /// <summary>The file ends before the data its header announces.</summary>
    Truncated = 10,

    /// <summary>Bytes follow the checksum, and they are not a training-state section (see <c>TrainingSession.SaveCheckpoint</c>).</summary>
    TrailingData = 11,

    /// <summary>The stored CRC-32 does not match the content: the file is corrupted.</summary>
    ChecksumMismatch = 12,

    /// <summary>
    /// The training-state section of a checkpoint (after the model's checksum) is damaged: truncated, of an unknown
    /// version, failing its own CRC-32, or holding values no training session can have.
    /// </summary>
    InvalidTrainingState = 13,

    /// <summary>
    /// A checkpoint's training state does not fit the session it is loaded into: another optimizer, or a training set
    /// of another size. The message names both sides.
    /// </summary>
    TrainingStateMismatch = 14,

    /// <summary>
    /// The file starts like the base64 text form of a model (<c>.bpnet.b64</c>) but is not valid base64 text; the message
    /// names the line and column of the first character that is not.
    /// </summary>
    InvalidText = 15,
}

/// <summary>
/// A problem with a model file: its <see cref="Error"/> and a phrase that completes "The model file 'x' …", such as
/// "is truncated: expected 20 bytes of layer sizes and parameter count after the first 16 but found 14."
/// </summary>
internal readonly struct ModelFileProblem
{
    public ModelFileProblem(ModelFormatError error, string message)
    {
        Error = error;
        Message = message;
    }

    public ModelFormatError Error { get; }

    public string Message { get; }
}

/// <summary>What a model file's header says: its version, its network and where its parameters start.</summary>
internal sealed class ModelHeader
{
    public ModelHeader(int version, int[] layerSizes, ActivationKind[] activations, CostKind cost, long parameterCount, NetworkArchitecture? layers = null)
    {
        _layers = layers;
        Version = version;
        LayerSizes = layerSizes;
        Activations = activations;
        Cost = cost;
        ParameterCount = parameterCount;
    }

    private readonly NetworkArchitecture? _layers;

    /// <summary>The file's format version.</summary>
    public int Version { get; }

    /// <summary>The size of every layer, input first.</summary>
    public int[] LayerSizes { get; }

    /// <summary>The activation of every weight layer 2..L, the output's last.</summary>
    public ActivationKind[] Activations { get; }

    /// <summary>The cost the model was trained for.</summary>
    public CostKind Cost { get; }

    /// <summary>The number of parameters (float32), at most <see cref="int.MaxValue"/>.</summary>
    public long ParameterCount { get; }

    /// <summary>The header's bytes: the parameters start here.</summary>
    public int Length => ModelFile.HeaderSize(Version, LayerSizes.Length);

    /// <summary>The model's bytes, header, parameters and CRC-32 together: a checkpoint's training state starts here.</summary>
    public long ModelLength => Length + 4 * ParameterCount + ModelFile.ChecksumSize;

    /// <summary>The network the header describes (checked when the header was read).</summary>
    public NetworkArchitecture Architecture => _layers ?? NetworkArchitecture.Dense(LayerSizes, Activations, Cost);
}

/// <summary>
/// The model file format (the byte table is in NetworkSerializer's documentation), and the reader of its header.
/// Every check happens here, in the order the format is read, so that a stream reader that has read only the start and
/// a reader with the whole file in memory report the same first problem in the same words.
/// </summary>
internal static class ModelFile
{
    /// <summary>
    /// The newest format version this library reads and writes: 3, which records each layer (kind, shape, kernel, stride,
    /// padding). A chain of dense layers is written as version 2, which every earlier library reads.
    /// </summary>
    public const int FormatVersion = 3;

    /// <summary>The version that records a network as layer sizes and activations: a chain of dense layers.</summary>
    public const int DenseFormatVersion = 2;

    /// <summary>Version 3's record of the input's shape: rank, three reserved bytes, then channels, height and width (int32).</summary>
    public const int InputRecordSize = 16;

    /// <summary>
    /// Version 3's record of one layer: kind, activation, two reserved bytes, then int32 units (a dense layer's neurons, a
    /// convolution's filters, 0 for a pool or dropout), kernel height, kernel width, stride and padding (0 where the kind has
    /// none); a dropout layer keeps its rate, a float64, where the kernel's height and width are.
    /// </summary>
    public const int LayerRecordSize = 24;

    /// <summary>The oldest format version this library reads.</summary>
    public const int MinFormatVersion = 1;

    /// <summary>The element type code of float32 parameters.</summary>
    public const byte Float32 = 1;

    /// <summary>The bytes up to and including the layer count.</summary>
    public const int FixedHeaderSize = 16;

    /// <summary>The CRC-32 after the parameters.</summary>
    public const int ChecksumSize = 4;

    /// <summary>The magic bytes every model file starts with: ASCII <c>BPGNET</c>, CR, LF.</summary>
    public static ReadOnlySpan<byte> Magic => "BPGNET\r\n"u8;

    /// <summary>The magic of a checkpoint's training-state section, after the model's checksum: ASCII <c>BPGSTATE</c>.</summary>
    public static ReadOnlySpan<byte> StateMagic => "BPGSTATE"u8;

    /// <summary>The training-state section's header: magic, version, reserved bytes, then the payload length (int64) at <see cref="StateLengthOffset"/>.</summary>
    public const int StateHeaderSize = 24;

    /// <summary>Where the training-state section's header holds its payload length.</summary>
    public const int StateLengthOffset = 16;

    /// <summary>The activation bytes of a version 2 header, padding included: L − 1 rounded up to a multiple of 4.</summary>
    public static int ActivationBytes(int layerCount) => (layerCount - 1 + 3) & ~3;

    /// <summary>The bytes of a header of <paramref name="version"/> before the parameters, for <paramref name="layerCount"/> layers.</summary>
    public static int HeaderSize(int version, int layerCount) => version switch
    {
        1 => FixedHeaderSize + 4 * layerCount + 8,
        2 => FixedHeaderSize + 4 * layerCount + ActivationBytes(layerCount) + 8,
        _ => FixedHeaderSize + InputRecordSize + LayerRecordSize * (layerCount - 1) + 8,
    };

    /// <summary>
    /// Checks the first bytes of a model (<paramref name="start"/>: the first <see cref="FixedHeaderSize"/> bytes, or all
    /// there are when the file is shorter): magic, version, element type, reserved bytes (version 1: its two
    /// activations), cost and layer count. On success, <paramref name="restSize"/> is the number of header bytes that follow.
    /// </summary>
    public static ModelFileProblem? CheckStart(ReadOnlySpan<byte> start, out int restSize)
    {
        restSize = 0;
        int read = Math.Min(start.Length, FixedHeaderSize);
        int compared = Math.Min(read, Magic.Length);
        if (read == 0 || !start.Slice(0, compared).SequenceEqual(Magic.Slice(0, compared)))
        {
            return Problem(ModelFormatError.WrongMagic,
                "is not a Backprop.Generated model: expected it to start with {0} (\"BPGNET\\r\\n\") but it starts with {1}.", Hex(Magic), Hex(start.Slice(0, compared)));
        }
        if (read < FixedHeaderSize)
        {
            return Problem(ModelFormatError.Truncated, "is truncated: expected a {0}-byte header but found {1} bytes.", FixedHeaderSize, read);
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(start.Slice(8));
        if (version is < MinFormatVersion or > FormatVersion)
        {
            string hint = version > FormatVersion ? " (written by a newer Backprop.Generated; update this one to read it)" : "";
            return Problem(ModelFormatError.UnsupportedVersion,
                "has format version {0}{1}; this library reads versions {2} to {3}.", version, hint, MinFormatVersion, FormatVersion);
        }
        if (start[10] != Float32)
        {
            return Problem(ModelFormatError.UnsupportedElementType,
                "stores its parameters as element type {0}; this library knows only 1 (float32).", start[10]);
        }

        // Version 1: hidden and output activation at 11 and 12. Versions 2 and 3: 11 and 12 are reserved.
        if (version == 1)
        {
            if (UnknownActivation(start[11], "its hidden layers") is { } hidden)
            {
                return hidden;
            }
            if (UnknownActivation(start[12], "its output layer") is { } output)
            {
                return output;
            }
        }
        else if (start[11] != 0 || start[12] != 0)
        {
            return Problem(ModelFormatError.InvalidHeader,
                "has {0:X2} {1:X2} in its reserved header bytes 11 and 12, which format version {2} leaves zero.", start[11], start[12], version);
        }
        if (!FunctionRules.IsDefined((CostKind)start[13]))
        {
            return Problem(ModelFormatError.UnknownCost, "has the cost {0}; this library knows {1}.", start[13], FunctionRules.KnownCosts());
        }

        int layerCount = BinaryPrimitives.ReadUInt16LittleEndian(start.Slice(14));
        if (layerCount is < NetworkLimits.MinLayers or > NetworkLimits.MaxLayers)
        {
            return Problem(ModelFormatError.InvalidHeader,
                "has {0} layers; a model has {1} to {2}.", layerCount, NetworkLimits.MinLayers, NetworkLimits.MaxLayers);
        }
        restSize = HeaderSize(version, layerCount) - FixedHeaderSize;
        return null;
    }

    /// <summary>
    /// Reads the header from its first <see cref="FixedHeaderSize"/> bytes (checked by <see cref="CheckStart"/>) and the
    /// bytes after them (<paramref name="rest"/>: the <c>restSize</c> bytes CheckStart asked for, or all there are):
    /// layer sizes, activations and padding (version 2), the functions' consistency, the parameter count.
    /// </summary>
    public static ModelFileProblem? ReadHeader(ReadOnlySpan<byte> start, ReadOnlySpan<byte> rest, out ModelHeader? header)
    {
        header = null;
        int version = BinaryPrimitives.ReadUInt16LittleEndian(start.Slice(8));
        int layerCount = BinaryPrimitives.ReadUInt16LittleEndian(start.Slice(14));
        var cost = (CostKind)start[13];
        if (version >= 3)
        {
            return ReadLayers(version, layerCount, cost, rest, out header);
        }
        int activationBytes = version == 1 ? 0 : ActivationBytes(layerCount);
        int expected = HeaderSize(version, layerCount) - FixedHeaderSize;
        if (rest.Length < expected)
        {
            string what = version == 1 ? "layer sizes and parameter count" : "layer sizes, activations and parameter count";
            return Problem(ModelFormatError.Truncated,
                "is truncated: expected {0} bytes of {1} after the first {2} but found {3}.", expected, what, FixedHeaderSize, rest.Length);
        }

        var activations = new ActivationKind[layerCount - 1];
        if (version == 1)
        {
            for (int l = 0; l < activations.Length; l++)
            {
                activations[l] = (ActivationKind)(l == activations.Length - 1 ? start[12] : start[11]);
            }
        }
        else
        {
            ReadOnlySpan<byte> stored = rest.Slice(4 * layerCount, activationBytes);
            for (int l = 0; l < activations.Length; l++)
            {
                if (UnknownActivation(stored[l], "layer " + (l + 2).ToString(CultureInfo.InvariantCulture)) is { } unknown)
                {
                    return unknown;
                }
                activations[l] = (ActivationKind)stored[l];
            }
            for (int i = activations.Length; i < activationBytes; i++)
            {
                if (stored[i] != 0)
                {
                    return Problem(ModelFormatError.InvalidHeader,
                        "has {0:X2} in padding byte {1} after its activations, which must be zero.", stored[i], FixedHeaderSize + 4 * layerCount + i);
                }
            }
        }
        if (FunctionRules.Contradiction(activations, cost) is string contradiction)
        {
            return new ModelFileProblem(ModelFormatError.InvalidHeader,
                "has " + FunctionRules.Describe(activations, cost) + ", which no network has: " + contradiction + ".");
        }

        var sizes = new int[layerCount];
        for (int l = 0; l < layerCount; l++)
        {
            sizes[l] = BinaryPrimitives.ReadInt32LittleEndian(rest.Slice(4 * l));
        }
        if (CheckSizes(sizes, out long implied) is { } sizeProblem)
        {
            return sizeProblem;
        }

        long parameterCount = BinaryPrimitives.ReadInt64LittleEndian(rest.Slice(4 * layerCount + activationBytes));
        if (parameterCount != implied)
        {
            return Problem(ModelFormatError.InvalidHeader,
                "announces {0} parameters but its layer sizes {1} imply {2}.", parameterCount, Shape(sizes), implied);
        }

        header = new ModelHeader(version, sizes, activations, cost, parameterCount);
        return null;
    }

    /// <summary>Reads version 3's input and layer records (<paramref name="rest"/>: the header after its first 16 bytes).</summary>
    private static ModelFileProblem? ReadLayers(int version, int layerCount, CostKind cost, ReadOnlySpan<byte> rest, out ModelHeader? header)
    {
        header = null;
        int expected = HeaderSize(version, layerCount) - FixedHeaderSize;
        if (rest.Length < expected)
        {
            return Problem(ModelFormatError.Truncated,
                "is truncated: expected {0} bytes of input shape, layers and parameter count after the first {1} but found {2}.", expected, FixedHeaderSize, rest.Length);
        }

        int rank = rest[0];
        if (rest[1] != 0 || rest[2] != 0 || rest[3] != 0)
        {
            return Problem(ModelFormatError.InvalidHeader, "has {0} in the reserved bytes after its input's rank, which must be zero.", Hex(rest.Slice(1, 3)));
        }
        int channels = BinaryPrimitives.ReadInt32LittleEndian(rest.Slice(4));
        int height = BinaryPrimitives.ReadInt32LittleEndian(rest.Slice(8));
        int width = BinaryPrimitives.ReadInt32LittleEndian(rest.Slice(12));
        TensorShape? input = rank switch
        {
            1 when channels == 1 && height == 1 => TensorShape.FromDimensions(new[] { width }),
            2 when height == 1 => TensorShape.FromDimensions(new[] { channels, width }),
            3 => TensorShape.FromDimensions(new[] { channels, height, width }),
            _ => null,
        };
        if (input is not TensorShape shape)
        {
            return Problem(ModelFormatError.InvalidHeader,
                "gives its input the rank {0} and the shape {1}×{2}×{3}; an input is a vector (rank 1), a signal (rank 2) or an image (rank 3) of sizes at least 1.", rank, channels, height, width);
        }

        var layers = new LayerInfo[layerCount - 1];
        TensorShape previous = shape;
        for (int i = 0; i < layers.Length; i++)
        {
            ReadOnlySpan<byte> record = rest.Slice(InputRecordSize + LayerRecordSize * i, LayerRecordSize);
            int number = i + 2;
            var kind = (LayerKind)record[0];
            if (UnknownActivation(record[1], "layer " + number.ToString(CultureInfo.InvariantCulture)) is { } unknown)
            {
                return unknown;
            }
            if (record[2] != 0 || record[3] != 0)
            {
                return Problem(ModelFormatError.InvalidHeader, "has {0} in the reserved bytes of layer {1}, which must be zero.", Hex(record.Slice(2, 2)), number);
            }
            var activation = (ActivationKind)record[1];
            int units = BinaryPrimitives.ReadInt32LittleEndian(record.Slice(4));
            int kernelHeight = BinaryPrimitives.ReadInt32LittleEndian(record.Slice(8));
            int kernelWidth = BinaryPrimitives.ReadInt32LittleEndian(record.Slice(12));
            int stride = BinaryPrimitives.ReadInt32LittleEndian(record.Slice(16));
            int padding = BinaryPrimitives.ReadInt32LittleEndian(record.Slice(20));
            double rate = BitConverter.Int64BitsToDouble(BinaryPrimitives.ReadInt64LittleEndian(record.Slice(8))); // a dropout layer's rate, where other kinds keep their kernel
            if (LayerRecord(kind, activation, previous, units, kernelHeight, kernelWidth, stride, padding, rate) is not LayerInfo layer)
            {
                return Problem(ModelFormatError.InvalidHeader,
                    "describes layer {0} as kind {1} with activation {2}, units {3}, kernel {4}×{5}, stride {6} and padding {7} over the {8} values of the layer before, which no layer is.",
                    number, (int)kind, activation, units, kernelHeight, kernelWidth, stride, padding, previous);
            }
            layers[i] = layer;
            previous = layer.Output;
        }
        if (NetworkArchitecture.TryCreate(shape, layers, cost, out NetworkArchitecture? architecture) is { } problem)
        {
            return problem;
        }

        long parameterCount = BinaryPrimitives.ReadInt64LittleEndian(rest.Slice(expected - 8));
        if (parameterCount != architecture!.ParameterCount)
        {
            return Problem(ModelFormatError.InvalidHeader,
                "announces {0} parameters but its layers imply {1}.", parameterCount, architecture.ParameterCount);
        }
        var sizes = new int[layerCount];
        var activations = new ActivationKind[layerCount - 1];
        for (int l = 0; l < layerCount; l++)
        {
            sizes[l] = architecture.LayerSizes[l];
        }
        for (int l = 0; l < activations.Length; l++)
        {
            activations[l] = architecture.Activations[l];
        }
        header = new ModelHeader(version, sizes, activations, cost, parameterCount, architecture);
        return null;
    }

    /// <summary>The layer a version 3 record describes over <paramref name="input"/>, or null when no layer is that.</summary>
    private static LayerInfo? LayerRecord(LayerKind kind, ActivationKind activation, TensorShape input, int units, int kernelHeight, int kernelWidth, int stride, int padding, double rate)
    {
        try
        {
            switch (kind)
            {
                case LayerKind.Dropout when units == 0 && stride == 0 && padding == 0 && activation == ActivationKind.Identity:
                    return LayerInfo.Dropout(input, rate);
                case LayerKind.Dense when kernelHeight == 0 && kernelWidth == 0 && stride == 0 && padding == 0:
                    return LayerInfo.Dense(input.Size, units, activation);
                case LayerKind.Conv2D:
                    return LayerInfo.Conv2D(input, units, kernelHeight, kernelWidth, stride, padding, activation);
                case LayerKind.Conv1D when kernelHeight == 1:
                    return LayerInfo.Conv1D(input, units, kernelWidth, stride, padding, activation);
                case LayerKind.MaxPool2D or LayerKind.AvgPool2D when units == 0 && padding == 0 && kernelHeight == kernelWidth && activation == ActivationKind.Identity:
                case LayerKind.MaxPool1D or LayerKind.AvgPool1D when units == 0 && padding == 0 && kernelHeight == 1 && activation == ActivationKind.Identity:
                    return LayerInfo.Pool(kind, input, kernelWidth, stride);
                default:
                    return null;
            }
        }
        catch (ArgumentException)
        {
            // A size out of range or a window that does not fit: the factories say which; the caller reports the record.
            return null;
        }
    }

    /// <summary>
    /// Checks layer sizes (each at least 1, the parameters they imply at most <see cref="int.MaxValue"/>) and gives the
    /// number of parameters they imply: Σ_l n_l·n_(l−1) + n_l.
    /// </summary>
    public static ModelFileProblem? CheckSizes(IReadOnlyList<int> sizes, out long implied)
    {
        implied = 0;
        for (int l = 0; l < sizes.Count; l++)
        {
            if (sizes[l] < 1)
            {
                return Problem(ModelFormatError.InvalidHeader, "gives layer {0} a size of {1}; every layer has at least one neuron.", l + 1, sizes[l]);
            }
            if (l > 0)
            {
                // Each term is below 2^63 and the sum so far at most int.MaxValue: no overflow, and no wrapped count a
                // crafted header could announce.
                implied += (long)sizes[l - 1] * sizes[l] + sizes[l];
                if (implied > NetworkLimits.MaxFileParameters)
                {
                    var first = new int[l + 1];
                    for (int k = 0; k <= l; k++)
                    {
                        first[k] = sizes[k];
                    }
                    return Problem(ModelFormatError.InvalidHeader,
                        "gives its first {0} layers the sizes {1}, which imply more parameters than a network can hold ({2:N0}).", l + 1, Shape(first), NetworkLimits.MaxFileParameters);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// Reads a whole model held in memory: the header, then that the parameters and their CRC-32 are all there and
    /// match (<paramref name="crc32"/> hashes the first n bytes of an array). What follows the checksum is left to the
    /// caller (<paramref name="header"/>.ModelLength marks its start): nothing, or a checkpoint's training state.
    /// </summary>
    public static ModelFileProblem? Read(byte[] file, Func<byte[], int, uint> crc32, out ModelHeader? header)
    {
        header = null;
        if (CheckStart(file, out _) is { } startProblem)
        {
            return startProblem;
        }
        if (ReadHeader(file.AsSpan(0, FixedHeaderSize), file.AsSpan(FixedHeaderSize), out ModelHeader? read) is { } headerProblem)
        {
            return headerProblem;
        }
        long parameterBytes = 4 * read!.ParameterCount;
        long available = file.Length - read.Length;
        if (available < parameterBytes)
        {
            return TruncatedParameters(read.ParameterCount, available);
        }
        long afterParameters = available - parameterBytes;
        if (afterParameters < ChecksumSize)
        {
            return TruncatedChecksum((int)afterParameters);
        }
        int end = checked((int)(read.Length + parameterBytes));
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(end));
        uint actual = crc32(file, end);
        if (stored != actual)
        {
            return ChecksumMismatch(stored, actual);
        }
        header = read;
        return null;
    }

    /// <summary>
    /// Whether <paramref name="section"/> (everything after a model's checksum) is framed as one training-state section:
    /// its magic and a payload length that, with the header and a CRC-32, is exactly the rest. Its content is checked by
    /// the runtime when a checkpoint is loaded.
    /// </summary>
    public static bool IsStateSection(ReadOnlySpan<byte> section)
    {
        if (section.Length < StateHeaderSize + ChecksumSize || !section.Slice(0, StateMagic.Length).SequenceEqual(StateMagic))
        {
            return false;
        }
        long payload = BinaryPrimitives.ReadInt64LittleEndian(section.Slice(StateLengthOffset));
        return payload >= 0 && StateHeaderSize + payload + ChecksumSize == section.Length;
    }

    /// <summary>
    /// The header of a model of the network <paramref name="architecture"/>: version 2 (layer sizes and activations) for a
    /// chain of dense layers, version 3 (a record per layer) for any other. Both start with the same 16 bytes and end with
    /// the parameter count.
    /// </summary>
    public static byte[] WriteHeader(NetworkArchitecture architecture)
    {
        bool dense = architecture.IsDenseChain;
        int version = dense ? DenseFormatVersion : FormatVersion;
        int layerCount = architecture.Layers.Count + 1;
        var header = new byte[HeaderSize(version, layerCount)];
        Magic.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), checked((ushort)version));
        header[10] = Float32;
        // Bytes 11 and 12 are reserved (zero).
        header[13] = checked((byte)architecture.Cost);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(14), checked((ushort)layerCount));
        if (dense)
        {
            WriteSizes(header, architecture);
        }
        else
        {
            WriteLayers(header, architecture);
        }
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(header.Length - 8), architecture.ParameterCount);
        return header;
    }

    /// <summary>Version 2 after the first 16 bytes: the layer sizes, then the activations (the padding after them stays zero).</summary>
    private static void WriteSizes(byte[] header, NetworkArchitecture architecture)
    {
        IReadOnlyList<int> sizes = architecture.LayerSizes;
        for (int l = 0; l < sizes.Count; l++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(FixedHeaderSize + 4 * l), sizes[l]);
        }
        int activationStart = FixedHeaderSize + 4 * sizes.Count;
        for (int l = 0; l < architecture.Layers.Count; l++)
        {
            header[activationStart + l] = checked((byte)architecture.Layers[l].Activation);
        }
    }

    /// <summary>Version 3 after the first 16 bytes: the input record, then a record per layer.</summary>
    private static void WriteLayers(byte[] header, NetworkArchitecture architecture)
    {
        Span<byte> input = header.AsSpan(FixedHeaderSize, InputRecordSize);
        input[0] = (byte)architecture.Input.Rank;
        BinaryPrimitives.WriteInt32LittleEndian(input.Slice(4), architecture.Input.Channels);
        BinaryPrimitives.WriteInt32LittleEndian(input.Slice(8), architecture.Input.Height);
        BinaryPrimitives.WriteInt32LittleEndian(input.Slice(12), architecture.Input.Width);
        for (int i = 0; i < architecture.Layers.Count; i++)
        {
            LayerInfo layer = architecture.Layers[i];
            Span<byte> record = header.AsSpan(FixedHeaderSize + InputRecordSize + LayerRecordSize * i, LayerRecordSize);
            record[0] = checked((byte)layer.Kind);
            record[1] = checked((byte)layer.Activation);
            int units = layer.Kind == LayerKind.Dense ? layer.Output.Size : layer.IsConvolution ? layer.Output.Channels : 0;
            BinaryPrimitives.WriteInt32LittleEndian(record.Slice(4), units);
            if (layer.Kind == LayerKind.Dropout)
            {
                BinaryPrimitives.WriteInt64LittleEndian(record.Slice(8), BitConverter.DoubleToInt64Bits(layer.Rate));
            }
            else
            {
                BinaryPrimitives.WriteInt32LittleEndian(record.Slice(8), layer.KernelHeight);
                BinaryPrimitives.WriteInt32LittleEndian(record.Slice(12), layer.KernelWidth);
            }
            BinaryPrimitives.WriteInt32LittleEndian(record.Slice(16), layer.Stride);
            BinaryPrimitives.WriteInt32LittleEndian(record.Slice(20), layer.Padding);
        }
    }

    /// <summary>The parameters end early: <paramref name="found"/> of their bytes are there.</summary>
    public static ModelFileProblem TruncatedParameters(long count, long found)
        => Problem(ModelFormatError.Truncated, "is truncated: expected {0:N0} bytes of parameters ({1:N0} float32) but found {2:N0}.", 4 * count, count, found);

    /// <summary>The file ends inside the CRC-32 after the parameters.</summary>
    public static ModelFileProblem TruncatedChecksum(int found)
        => Problem(ModelFormatError.Truncated, "is truncated: expected a 4-byte CRC-32 after the parameters but found {0} bytes.", found);

    /// <summary>The stored CRC-32 is not the content's.</summary>
    public static ModelFileProblem ChecksumMismatch(uint stored, uint actual)
        => Problem(ModelFormatError.ChecksumMismatch, "is corrupted: its stored CRC-32 is 0x{0:X8} but its content hashes to 0x{1:X8}.", stored, actual);

    /// <summary>Bytes after the checksum that are not a training-state section: "has 12 bytes of trailing data …".</summary>
    public static ModelFileProblem TrailingData(long count, bool atLeast)
        => Problem(ModelFormatError.TrailingData, "has {0}{1} bytes of trailing data after its checksum.", atLeast ? "at least " : "", count);

    /// <summary>The layer sizes joined by dashes: "784-30-10".</summary>
    public static string Shape(IReadOnlyList<int> sizes)
    {
        var text = new StringBuilder();
        foreach (int size in sizes)
        {
            text.Append(text.Length == 0 ? "" : "-").Append(size.ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>Bytes as spaced hexadecimal, e.g. "42 50 47".</summary>
    public static string Hex(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return "nothing (the file is empty)";
        }
        var text = new StringBuilder(3 * bytes.Length);
        foreach (byte b in bytes)
        {
            text.Append(text.Length == 0 ? "" : " ").Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    private static ModelFileProblem? UnknownActivation(byte value, string where)
        => FunctionRules.IsDefined((ActivationKind)value)
            ? null
            : Problem(ModelFormatError.UnknownActivation, "gives {0} the activation {1}; this library knows {2}.", where, value, FunctionRules.KnownActivations());

    private static ModelFileProblem Problem(ModelFormatError error, string format, params object[] arguments)
        => new(error, string.Format(CultureInfo.InvariantCulture, format, arguments));
}
