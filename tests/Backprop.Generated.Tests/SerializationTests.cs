using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using Backprop.Generated.Tests.Networks;
using Backprop.Generated.Tests.SerializationNetworks;
using Xunit;

namespace Backprop.Generated.Tests;

public sealed class SerializationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static byte[] Saved<TNet>(TNet network) where TNet : class, INetwork<TNet>
    {
        using var stream = new MemoryStream();
        NetworkSerializer.Save(network, stream);
        return stream.ToArray();
    }

    /// <summary>Recomputes the trailing CRC-32 so that an edited file fails for the edit, not the checksum.</summary>
    private static byte[] WithValidCrc(byte[] bytes)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
        return bytes;
    }

    /// <summary>
    /// A model in format version 1, written here byte by byte from the layout documented on NetworkSerializer: the
    /// 24 + 4·L header (hidden activation at 11, output activation at 12, cost at 13, parameter count at 16 + 4·L), the
    /// parameters, the CRC-32.
    /// </summary>
    private static byte[] Version1(ReadOnlySpan<int> sizes, ReadOnlySpan<float> parameters, byte hidden, byte output, byte cost)
    {
        int header = 24 + 4 * sizes.Length;
        var bytes = new byte[header + 4 * parameters.Length + 4];
        "BPGNET\r\n"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 1);
        bytes[10] = 1; // float32
        bytes[11] = hidden;
        bytes[12] = output;
        bytes[13] = cost;
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

    /// <summary>The version 1 model of <paramref name="network"/>'s sizes and parameters, with the given functions.</summary>
    private static byte[] Version1<TNet>(TNet network, ActivationKind hidden, ActivationKind output, CostKind cost)
        where TNet : class, INetwork<TNet>
        => Version1(TNet.LayerSizes, network.Parameters, (byte)hidden, (byte)output, (byte)cost);

    /// <summary>The version 1 model of a sigmoid, cross-entropy network: what every version 1 writer wrote.</summary>
    private static byte[] Version1<TNet>(TNet network) where TNet : class, INetwork<TNet>
        => Version1(network, ActivationKind.Sigmoid, ActivationKind.Sigmoid, CostKind.CrossEntropy);

    /// <summary>Loading <paramref name="bytes"/> from a file into a DigitNet fails for <paramref name="reason"/> and leaves it unchanged.</summary>
    private ModelFormatException LoadFails(byte[] bytes, ModelFormatError reason) => LoadFails<DigitNet>(bytes, reason);

    /// <summary>Loading <paramref name="bytes"/> from a file into a <typeparamref name="TNet"/> fails for <paramref name="reason"/> and leaves it unchanged.</summary>
    private ModelFormatException LoadFails<TNet>(byte[] bytes, ModelFormatError reason) where TNet : class, INetwork<TNet>
    {
        string path = _folder.File("model.bpnet");
        File.WriteAllBytes(path, bytes);
        TNet network = TNet.Create(5);
        float[] before = network.Parameters.ToArray();

        var e = Assert.Throws<ModelFormatException>(() => NetworkSerializer.LoadInto(network, path));

        Assert.Equal(reason, e.Reason);
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Equal(before, network.Parameters.ToArray());

        // The stream overload reports the same, under the name it is given.
        using var stream = new MemoryStream(bytes);
        var fromStream = Assert.Throws<ModelFormatException>(() => NetworkSerializer.Load<TNet>(stream, "memory"));
        Assert.Equal(reason, fromStream.Reason);
        Assert.Equal("memory", fromStream.FilePath);
        Assert.Equal(e.Message.Replace(path, "memory", StringComparison.Ordinal), fromStream.Message);
        return e;
    }

    /// <summary>Saves, loads back from a file and from a stream, and checks every bit and the header's description.</summary>
    private void AssertRoundTrips<TNet>(TNet network) where TNet : class, INetwork<TNet>
    {
        string path = _folder.File(typeof(TNet).Name + ".bpnet");
        NetworkSerializer.Save(network, path);
        TNet fromFile = NetworkSerializer.Load<TNet>(path);
        using var stream = new MemoryStream(File.ReadAllBytes(path));
        TNet fromStream = NetworkSerializer.Load<TNet>(stream);

        int[] bits = network.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();
        Assert.Equal(bits, fromFile.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(bits, fromStream.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));

        ModelInfo info = NetworkSerializer.ReadInfo(path);
        Assert.Equal(2, info.FormatVersion);
        Assert.Equal(TNet.LayerSizes.ToArray(), info.LayerSizes);
        Assert.Equal(TNet.Activations.ToArray(), info.Activations);
        Assert.Equal(TNet.OutputActivation, info.OutputActivation);
        Assert.Equal(TNet.Cost, info.Cost);
        Assert.Equal(TNet.ParameterCount, info.ParameterCount);
    }

    [Fact]
    public void Round_trips_through_a_file_bit_for_bit()
    {
        DigitNet network = DigitNet.Create(42);
        string path = _folder.File("digits.bpnet");

        NetworkSerializer.Save(network, path);
        DigitNet loaded = NetworkSerializer.Load<DigitNet>(path);
        DigitNet into = DigitNet.Create();
        NetworkSerializer.LoadInto(into, path);

        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(network.Parameters.ToArray(), into.Parameters.ToArray());
        Assert.Equal(new[] { "digits.bpnet" }, Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Round_trips_through_a_stream_and_keeps_every_bit_pattern()
    {
        FiveLayer network = FiveLayer.Create(3);
        // Values that must survive exactly: signed zero, subnormals, extremes.
        float[] special = [-0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1e-30f];
        special.CopyTo(network.Parameters);

        using var stream = new MemoryStream();
        NetworkSerializer.Save(network, stream);
        stream.Position = 0;
        FiveLayer loaded = NetworkSerializer.Load<FiveLayer>(stream);

        Assert.Equal(
            network.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits),
            loaded.Parameters.ToArray().Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Round_trips_networks_of_every_activation_and_cost()
    {
        AssertRoundTrips(ReluSoftmaxNet.Create(1));
        AssertRoundTrips(TanhIdentityNet.Create(2));
        AssertRoundTrips(MixedNet.Create(3));
        AssertRoundTrips(EveryActivationNet.Create(4));
        AssertRoundTrips(ReluSoftmaxQuadraticNet.Create(5));
        AssertRoundTrips(DigitNetReluSoftmax.Create(6));
        AssertRoundTrips(SingleLayer.Create(7));
    }

    [Fact]
    public void Writes_format_version_2_byte_for_byte()
    {
        Net231 network = Net231.Create(1);
        byte[] bytes = Saved(network);

        // 24 + 4·L header bytes, L − 1 = 2 activation bytes padded to 4, 4·P parameter bytes, 4 CRC bytes.
        Assert.Equal(24 + 4 * 3 + 4 + 4 * 13 + 4, bytes.Length);
        Assert.Equal(new byte[] { 0x42, 0x50, 0x47, 0x4E, 0x45, 0x54, 0x0D, 0x0A }, bytes[..8]);
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(3, NetworkSerializer.FormatVersion);
        Assert.Equal(1, bytes[10]);
        Assert.Equal(0, bytes[11]); // reserved
        Assert.Equal(0, bytes[12]); // reserved
        Assert.Equal((byte)CostKind.CrossEntropy, bytes[13]);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(14)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(new byte[] { (byte)ActivationKind.Sigmoid, (byte)ActivationKind.Sigmoid, 0, 0 }, bytes[28..32]);
        Assert.Equal(13L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32)));
        for (int i = 0; i < 13; i++)
        {
            Assert.Equal(network.Parameters[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(40 + 4 * i)));
        }
        Assert.Equal(Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));
    }

    [Fact]
    public void Writes_the_activation_of_every_layer_and_the_cost()
    {
        // 5-7-3, ReLU then softmax, log-likelihood.
        byte[] bytes = Saved(ReluSoftmaxNet.Create(1));
        Assert.Equal(0, bytes[11]);
        Assert.Equal(0, bytes[12]);
        Assert.Equal((byte)CostKind.LogLikelihood, bytes[13]);
        Assert.Equal(new byte[] { 3, 6, 0, 0 }, bytes[28..32]);
        Assert.Equal(ReluSoftmaxNet.ParameterCount, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32)));

        // Tanh then identity, quadratic.
        bytes = Saved(TanhIdentityNet.Create(1));
        Assert.Equal((byte)CostKind.Quadratic, bytes[13]);
        Assert.Equal(new byte[] { 2, 5, 0, 0 }, bytes[28..32]);

        // A softmax output with the quadratic cost.
        bytes = Saved(ReluSoftmaxQuadraticNet.Create(1));
        Assert.Equal((byte)CostKind.Quadratic, bytes[13]);
        Assert.Equal(new byte[] { 3, 6, 0, 0 }, bytes[28..32]);
    }

    /// <summary>Where the activation bytes, their padding and the parameters go for 2 to 6 layers.</summary>
    public static TheoryData<string, byte[]> Layouts => new()
    {
        // L = 2: one activation, three bytes of padding.
        { nameof(SingleLayer), [1, 0, 0, 0] },
        // L = 3: two activations, two bytes of padding.
        { nameof(DigitNet), [1, 1, 0, 0] },
        // L = 4: three activations, one byte of padding.
        { nameof(MixedNet), [4, 2, 1, 0] },
        // L = 5: four activations, no padding.
        { nameof(FiveLayer), [1, 1, 1, 1] },
        // L = 6: five activations, three bytes of padding.
        { nameof(EveryActivationNet), [3, 4, 2, 5, 6, 0, 0, 0] },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Pads_the_activations_so_that_the_parameters_stay_4_byte_aligned(string network, byte[] expected)
    {
        (byte[] bytes, int[] sizes, float[] parameters) = network switch
        {
            nameof(SingleLayer) => Describe(SingleLayer.Create(1)),
            nameof(DigitNet) => Describe(DigitNet.Create(1)),
            nameof(MixedNet) => Describe(MixedNet.Create(1)),
            nameof(FiveLayer) => Describe(FiveLayer.Create(1)),
            nameof(EveryActivationNet) => Describe(EveryActivationNet.Create(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(network), network, null),
        };
        int layers = sizes.Length;
        int activations = 16 + 4 * layers;
        int parametersStart = activations + expected.Length + 8;

        Assert.Equal(0, expected.Length % 4);
        Assert.Equal(layers - 1, expected.Count(b => b != 0));
        Assert.Equal(expected, bytes[activations..(activations + expected.Length)]);
        Assert.Equal(parameters.Length, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(activations + expected.Length)));
        Assert.Equal(0, parametersStart % 4);
        Assert.Equal(parametersStart + 4 * parameters.Length + 4, bytes.Length);
        Assert.Equal(parameters[0], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(parametersStart)));
        Assert.Equal(parameters[^1], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(bytes.Length - 8)));

        static (byte[], int[], float[]) Describe<TNet>(TNet net) where TNet : class, INetwork<TNet>
            => (Saved(net), TNet.LayerSizes.ToArray(), net.Parameters.ToArray());
    }

    [Fact]
    public void SaveBase64_writes_the_binary_model_as_base64_in_lines_of_76()
    {
        DigitNet network = DigitNet.Create(11);
        string path = _folder.File("digits.bpnet.b64");

        NetworkSerializer.SaveBase64(network, path);

        byte[] text = File.ReadAllBytes(path);
        string[] lines = System.Text.Encoding.ASCII.GetString(text).Split('\n');
        Assert.Equal("", lines[^1]);
        Assert.All(lines[..^2], line => Assert.Equal(76, line.Length));
        Assert.InRange(lines[^2].Length, 1, 76);
        Assert.DoesNotContain((byte)'\r', text);
        Assert.Equal(Saved(network), Convert.FromBase64String(string.Concat(lines)));
        Assert.Equal(new[] { "digits.bpnet.b64" }, Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Every_reader_takes_the_text_form_as_well()
    {
        DigitNet network = DigitNet.Create(11);
        string text = _folder.File("digits.bpnet.b64"), binary = _folder.File("digits.bpnet");
        NetworkSerializer.SaveBase64(network, text);
        NetworkSerializer.Save(network, binary);

        Assert.Equal(network.Parameters.ToArray(), NetworkSerializer.Load<DigitNet>(text).Parameters.ToArray());
        ModelInfo info = NetworkSerializer.ReadInfo(text);
        Assert.True(info.IsText);
        Assert.False(NetworkSerializer.ReadInfo(binary).IsText);
        Assert.Equal("784-30-10", info.Shape);
        Assert.Equal(NetworkSerializer.ReadModel(binary).Checksum, NetworkSerializer.ReadModel(text).Checksum);
        // From a stream that cannot seek, a few bytes at a time.
        DigitNet trickled = NetworkSerializer.Load<DigitNet>(new TrickleStream(File.ReadAllBytes(text), seed: 3), "digits.bpnet.b64");
        Assert.Equal(network.Parameters.ToArray(), trickled.Parameters.ToArray());
    }

    [Fact]
    public void A_damaged_text_form_names_the_line_and_column_and_loads_nothing()
    {
        string path = _folder.File("digits.bpnet.b64");
        NetworkSerializer.SaveBase64(DigitNet.Create(11), path);
        string[] lines = File.ReadAllLines(path);
        lines[2] = lines[2][..5] + "#" + lines[2][6..];
        File.WriteAllLines(path, lines);
        DigitNet network = DigitNet.Create(5);
        float[] before = network.Parameters.ToArray();

        var error = Assert.Throws<ModelFormatException>(() => NetworkSerializer.LoadInto(network, path));

        Assert.Equal(ModelFormatError.InvalidText, error.Reason);
        Assert.Contains("line 3, column 6 holds '#'", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void SaveBase64_into_a_missing_folder_fails_and_creates_nothing()
    {
        string path = Path.Combine(_folder.Path, "missing", "digits.bpnet.b64");

        Assert.ThrowsAny<IOException>(() => NetworkSerializer.SaveBase64(DigitNet.Create(1), path));

        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "missing")));
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [Fact]
    public void Reads_the_header_alone()
    {
        string path = _folder.File("wide.bpnet");
        NetworkSerializer.Save(DigitNet100.Create(1), path);

        ModelInfo info = NetworkSerializer.ReadInfo(path);

        Assert.Equal(new[] { 784, 100, 10 }, info.LayerSizes);
        Assert.Equal("784-100-10", info.Shape);
        Assert.Equal(DigitNet100.ParameterCount, info.ParameterCount);
        Assert.Equal(2, info.FormatVersion);
        Assert.Equal(new[] { ActivationKind.Sigmoid, ActivationKind.Sigmoid }, info.Activations);
        Assert.Equal(ActivationKind.Sigmoid, info.OutputActivation);
        Assert.Equal(CostKind.CrossEntropy, info.Cost);
        Assert.Equal("activations Sigmoid, Sigmoid and cost CrossEntropy", info.Functions);
    }

    [Fact]
    public void Reads_the_activations_and_cost_of_a_header()
    {
        using var stream = new MemoryStream(Saved(EveryActivationNet.Create(1)));

        ModelInfo info = NetworkSerializer.ReadInfo(stream);

        Assert.Equal("4-5-6-5-4-3", info.Shape);
        Assert.Equal(
            new[] { ActivationKind.ReLU, ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Identity, ActivationKind.Softmax },
            info.Activations);
        Assert.Equal(ActivationKind.Softmax, info.OutputActivation);
        Assert.Equal(CostKind.LogLikelihood, info.Cost);
        Assert.Equal("activations ReLU, LeakyReLU, Tanh, Identity, Softmax and cost LogLikelihood", info.Functions);
        // The header only: the stream is left at the first parameter.
        Assert.Equal(16 + 4 * 6 + 8 + 8, stream.Position);
    }

    [Fact]
    public void Another_shape_is_refused_naming_both_shapes()
    {
        ModelFormatException e = LoadFails(Saved(DigitNet100.Create(1)), ModelFormatError.ShapeMismatch);
        Assert.Contains("784-100-10", e.Message, StringComparison.Ordinal);
        Assert.Contains("784-30-10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_activations_are_refused_naming_both_networks()
    {
        ModelFormatException e = LoadFails(Saved(DigitNetReluSoftmax.Create(1)), ModelFormatError.ActivationMismatch);
        Assert.Contains(
            "was saved from a network with activations ReLU, Softmax and cost LogLikelihood, but DigitNet has Sigmoid, Sigmoid and CrossEntropy.",
            e.Message, StringComparison.Ordinal);

        e = LoadFails<DigitNetReluSoftmax>(Saved(DigitNet.Create(1)), ModelFormatError.ActivationMismatch);
        Assert.Contains(
            "was saved from a network with activations Sigmoid, Sigmoid and cost CrossEntropy, but DigitNetReluSoftmax has ReLU, Softmax and LogLikelihood.",
            e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_cost_is_refused_naming_both_networks()
    {
        ModelFormatException e = LoadFails(Saved(DigitNetQuadratic.Create(1)), ModelFormatError.CostMismatch);
        Assert.Contains(
            "was saved from a network with activations Sigmoid, Sigmoid and cost Quadratic, but DigitNet has Sigmoid, Sigmoid and CrossEntropy.",
            e.Message, StringComparison.Ordinal);

        // Same activations, other cost: a softmax output with log-likelihood into one with the quadratic cost.
        e = LoadFails<ReluSoftmaxQuadraticNet>(Saved(ReluSoftmaxNet.Create(1)), ModelFormatError.CostMismatch);
        Assert.Contains("with activations ReLU, Softmax and cost LogLikelihood, but ReluSoftmaxQuadraticNet has ReLU, Softmax and Quadratic.",
            e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_activations_and_another_cost_are_an_activation_mismatch()
    {
        ModelFormatException e = LoadFails<ReluSoftmaxNet>(
            Version1(ReluSoftmaxNet.Create(1), ActivationKind.Sigmoid, ActivationKind.Sigmoid, CostKind.CrossEntropy),
            ModelFormatError.ActivationMismatch);
        Assert.Contains("activations Sigmoid, Sigmoid and cost CrossEntropy, but ReluSoftmaxNet has ReLU, Softmax and LogLikelihood.",
            e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, "has format version 4 (written by a newer Backprop.Generated; update this one to read it); this library reads versions 1 to 3.")]
    [InlineData(65535, "has format version 65535 (written by a newer")]
    [InlineData(0, "has format version 0; this library reads versions 1 to 3.")]
    public void A_format_version_this_library_does_not_read_is_refused(int version, string expected)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)version);
        ModelFormatException e = LoadFails(WithValidCrc(bytes), ModelFormatError.UnsupportedVersion);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    private const string KnownActivations = "this library knows 1 (Sigmoid), 2 (Tanh), 3 (ReLU), 4 (LeakyReLU), 5 (Identity), 6 (Softmax).";

    private const string KnownCosts = "this library knows 1 (CrossEntropy), 2 (Quadratic), 3 (LogLikelihood).";

    [Theory]
    [InlineData(10, 2, ModelFormatError.UnsupportedElementType, "element type 2; this library knows only 1 (float32)")]
    [InlineData(10, 0, ModelFormatError.UnsupportedElementType, "element type 0;")]
    [InlineData(13, 0, ModelFormatError.UnknownCost, "has the cost 0; " + KnownCosts)]
    [InlineData(13, 4, ModelFormatError.UnknownCost, "has the cost 4; " + KnownCosts)]
    [InlineData(13, 200, ModelFormatError.UnknownCost, "has the cost 200;")]
    [InlineData(28, 0, ModelFormatError.UnknownActivation, "gives layer 2 the activation 0; " + KnownActivations)]
    [InlineData(29, 7, ModelFormatError.UnknownActivation, "gives layer 3 the activation 7; " + KnownActivations)]
    [InlineData(29, 255, ModelFormatError.UnknownActivation, "gives layer 3 the activation 255;")]
    public void Unknown_codes_are_refused_naming_the_value_and_the_known_ones(int offset, byte value, ModelFormatError reason, string expected)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        bytes[offset] = value;
        ModelFormatException e = LoadFails(WithValidCrc(bytes), reason);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11, "has 01 00 in its reserved header bytes 11 and 12")]
    [InlineData(12, "has 00 01 in its reserved header bytes 11 and 12")]
    [InlineData(30, "has 01 in padding byte 30 after its activations")]
    [InlineData(31, "has 01 in padding byte 31 after its activations")]
    public void Reserved_and_padding_bytes_must_be_zero(int offset, string expected)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        bytes[offset] = 1;
        ModelFormatException e = LoadFails(WithValidCrc(bytes), ModelFormatError.InvalidHeader);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(28, 6, "has activations Softmax, Sigmoid and cost CrossEntropy, which no network has: softmax is an output activation only, and layer 2 is hidden.")]
    [InlineData(29, 6, "has activations Sigmoid, Softmax and cost CrossEntropy, which no network has: cross-entropy needs a sigmoid output, not Softmax.")]
    [InlineData(13, 3, "has activations Sigmoid, Sigmoid and cost LogLikelihood, which no network has: log-likelihood needs a softmax output, not Sigmoid.")]
    public void Activations_and_a_cost_no_network_has_are_refused(int offset, byte value, string expected)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        bytes[offset] = value;
        ModelFormatException e = LoadFails(WithValidCrc(bytes), ModelFormatError.InvalidHeader);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(14, 1)] // layer count below 2
    [InlineData(14, 33)] // layer count above 32
    public void A_layer_count_out_of_range_is_refused(int offset, int layerCount)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(offset), (ushort)layerCount);
        LoadFails(WithValidCrc(bytes), ModelFormatError.InvalidHeader);
    }

    [Fact]
    public void Sizes_that_contradict_the_parameter_count_or_are_zero_are_refused()
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32), 23861);
        ModelFormatException e = LoadFails(WithValidCrc(bytes), ModelFormatError.InvalidHeader);
        Assert.Contains("announces 23861 parameters but its layer sizes 784-30-10 imply 23860", e.Message, StringComparison.Ordinal);

        bytes = Saved(DigitNet.Create(1));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(20), 0);
        e = LoadFails(WithValidCrc(bytes), ModelFormatError.InvalidHeader);
        Assert.Contains("gives layer 2 a size of 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_magic_is_refused_in_hex()
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        bytes[0] = (byte)'X';
        ModelFormatException e = LoadFails(bytes, ModelFormatError.WrongMagic);
        Assert.Contains("42 50 47 4E 45 54 0D 0A", e.Message, StringComparison.Ordinal);
        Assert.Contains("58 50 47 4E 45 54 0D 0A", e.Message, StringComparison.Ordinal);

        LoadFails([], ModelFormatError.WrongMagic);
        LoadFails("PK\u0003\u0004 not a model"u8.ToArray(), ModelFormatError.WrongMagic);
    }

    [Theory]
    [InlineData(5)] // inside the magic
    [InlineData(12)] // inside the fixed header
    [InlineData(22)] // inside the layer sizes
    [InlineData(29)] // inside the activations
    [InlineData(31)] // inside the padding
    [InlineData(36)] // inside the parameter count
    [InlineData(40)] // at the start of the parameters
    [InlineData(1000)] // inside the parameters
    [InlineData(-4)] // without the checksum
    [InlineData(-1)] // inside the checksum
    public void A_truncated_file_is_refused(int keep)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        int length = keep >= 0 ? keep : bytes.Length + keep;
        ModelFormatException e = LoadFails(bytes[..length], ModelFormatError.Truncated);
        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_header_says_what_is_missing()
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        ModelFormatException e = LoadFails(bytes[..30], ModelFormatError.Truncated);
        Assert.Contains("expected 24 bytes of layer sizes, activations and parameter count after the first 16 but found 14", e.Message, StringComparison.Ordinal);

        e = LoadFails(Version1(DigitNet.Create(1))[..30], ModelFormatError.Truncated);
        Assert.Contains("expected 20 bytes of layer sizes and parameter count after the first 16 but found 14", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_parameters_say_how_much_was_expected_and_found()
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        ModelFormatException e = LoadFails(bytes[..(40 + 1000)], ModelFormatError.Truncated);
        Assert.Contains("expected 95,440 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("found 1,000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_garbage_is_refused()
    {
        byte[] bytes = [.. Saved(DigitNet.Create(1)), 0, 1, 2];
        ModelFormatException e = LoadFails(bytes, ModelFormatError.TrailingData);
        Assert.Contains("3 bytes", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(40)] // the first parameter
    [InlineData(50_000)] // a parameter in the middle
    [InlineData(-2)] // the checksum itself
    public void A_corrupted_file_fails_its_checksum(int offset)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        bytes[offset >= 0 ? offset : bytes.Length + offset] ^= 0x10;
        ModelFormatException e = LoadFails(bytes, ModelFormatError.ChecksumMismatch);
        Assert.Contains("CRC-32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_checksum_covers_the_activations_and_the_cost()
    {
        // A ReLU/softmax model edited into the header of a sigmoid/cross-entropy one: only the checksum tells.
        byte[] bytes = Saved(DigitNetReluSoftmax.Create(1));
        bytes[13] = (byte)CostKind.CrossEntropy;
        bytes[28] = (byte)ActivationKind.Sigmoid;
        bytes[29] = (byte)ActivationKind.Sigmoid;
        Assert.Equal("activations Sigmoid, Sigmoid and cost CrossEntropy", NetworkSerializer.ReadInfo(new MemoryStream(bytes)).Functions);

        ModelFormatException e = LoadFails(bytes, ModelFormatError.ChecksumMismatch);
        Assert.Contains("CRC-32", e.Message, StringComparison.Ordinal);
    }

    // ---- Format version 1: written by earlier versions of this library, still read. ----

    [Fact]
    public void A_version_1_file_of_a_sigmoid_network_loads_bit_for_bit()
    {
        DigitNet network = DigitNet.Create(7);
        byte[] bytes = Version1(network);
        Assert.Equal(24 + 4 * 3 + 4 * DigitNet.ParameterCount + 4, bytes.Length);
        string path = _folder.File("old.bpnet");
        File.WriteAllBytes(path, bytes);

        DigitNet loaded = NetworkSerializer.Load<DigitNet>(path);

        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());
        ModelInfo info = NetworkSerializer.ReadInfo(path);
        Assert.Equal(1, info.FormatVersion);
        Assert.Equal("784-30-10", info.Shape);
        Assert.Equal(new[] { ActivationKind.Sigmoid, ActivationKind.Sigmoid }, info.Activations);
        Assert.Equal(ActivationKind.Sigmoid, info.OutputActivation);
        Assert.Equal(CostKind.CrossEntropy, info.Cost);
        Assert.Equal(DigitNet.ParameterCount, info.ParameterCount);
    }

    [Fact]
    public void A_version_1_file_gives_every_hidden_layer_its_hidden_activation()
    {
        // Four weight layers: three hidden ones, all with the hidden byte, then the output byte.
        FiveLayer five = FiveLayer.Create(2);
        ModelInfo info = NetworkSerializer.ReadInfo(new MemoryStream(Version1(five, ActivationKind.Tanh, ActivationKind.Identity, CostKind.Quadratic)));
        Assert.Equal(1, info.FormatVersion);
        Assert.Equal(new[] { ActivationKind.Tanh, ActivationKind.Tanh, ActivationKind.Tanh, ActivationKind.Identity }, info.Activations);
        Assert.Equal(CostKind.Quadratic, info.Cost);

        // ReLU and softmax into the network that has them.
        ReluSoftmaxNet network = ReluSoftmaxNet.Create(3);
        using var stream = new MemoryStream(Version1(network, ActivationKind.ReLU, ActivationKind.Softmax, CostKind.LogLikelihood));
        ReluSoftmaxNet loaded = NetworkSerializer.Load<ReluSoftmaxNet>(stream);
        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());

        // One weight layer: no hidden layer, so the hidden byte describes nothing (but must still be known).
        SingleLayer single = SingleLayer.Create(4);
        byte[] bytes = Version1(single, ActivationKind.Tanh, ActivationKind.Sigmoid, CostKind.CrossEntropy);
        info = NetworkSerializer.ReadInfo(new MemoryStream(bytes));
        Assert.Equal(new[] { ActivationKind.Sigmoid }, info.Activations);
        Assert.Equal(single.Parameters.ToArray(), NetworkSerializer.Load<SingleLayer>(new MemoryStream(bytes)).Parameters.ToArray());
    }

    [Fact]
    public void A_loaded_version_1_model_saves_as_version_2()
    {
        DigitNet network = DigitNet.Create(8);
        DigitNet loaded = NetworkSerializer.Load<DigitNet>(new MemoryStream(Version1(network)));

        byte[] again = Saved(loaded);

        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(again.AsSpan(8)));
        Assert.Equal(Saved(network), again);
        Assert.Equal(network.Parameters.ToArray(), NetworkSerializer.Load<DigitNet>(new MemoryStream(again)).Parameters.ToArray());
    }

    [Fact]
    public void The_version_1_test_models_of_the_previous_release_still_load()
    {
        // Written by SaveBase64 in format version 1 (and baked into BakedNet231 at compile time).
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "baked-2-3-1.bpnet.b64"));
        byte[] bytes = Convert.FromBase64String(text);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));

        Net231 loaded = NetworkSerializer.Load<Net231>(new MemoryStream(bytes), "baked-2-3-1.bpnet.b64");

        Assert.Equal(BakedNet231.CreateTrained().Parameters.ToArray(), loaded.Parameters.ToArray());
        Assert.Equal(new[] { ActivationKind.Sigmoid, ActivationKind.Sigmoid }, NetworkSerializer.ReadInfo(new MemoryStream(bytes)).Activations);
    }

    [Fact]
    public void A_version_1_file_of_other_functions_is_refused_naming_both_networks()
    {
        byte[] bytes = Version1(DigitNet.Create(1), ActivationKind.ReLU, ActivationKind.Softmax, CostKind.LogLikelihood);
        ModelFormatException e = LoadFails(bytes, ModelFormatError.ActivationMismatch);
        Assert.Contains(
            "was saved from a network with activations ReLU, Softmax and cost LogLikelihood, but DigitNet has Sigmoid, Sigmoid and CrossEntropy.",
            e.Message, StringComparison.Ordinal);

        bytes = Version1(DigitNet.Create(1), ActivationKind.Sigmoid, ActivationKind.Sigmoid, CostKind.Quadratic);
        e = LoadFails(bytes, ModelFormatError.CostMismatch);
        Assert.Contains("cost Quadratic, but DigitNet has Sigmoid, Sigmoid and CrossEntropy.", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(11, 0, ModelFormatError.UnknownActivation, "gives its hidden layers the activation 0; " + KnownActivations)]
    [InlineData(12, 7, ModelFormatError.UnknownActivation, "gives its output layer the activation 7; " + KnownActivations)]
    [InlineData(13, 200, ModelFormatError.UnknownCost, "has the cost 200; " + KnownCosts)]
    [InlineData(11, 6, ModelFormatError.InvalidHeader, "softmax is an output activation only, and layer 2 is hidden")]
    [InlineData(12, 6, ModelFormatError.InvalidHeader, "cross-entropy needs a sigmoid output, not Softmax")]
    [InlineData(10, 2, ModelFormatError.UnsupportedElementType, "element type 2")]
    [InlineData(28, 14, ModelFormatError.InvalidHeader, "announces 23822 parameters but its layer sizes 784-30-10 imply 23860")]
    public void A_version_1_file_is_checked_as_before(int offset, byte value, ModelFormatError reason, string expected)
    {
        byte[] bytes = Version1(DigitNet.Create(1));
        bytes[offset] = value;
        ModelFormatException e = LoadFails(WithValidCrc(bytes), reason);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_version_1_file_is_checksummed_and_must_end_at_its_checksum()
    {
        byte[] bytes = Version1(DigitNet.Create(1));
        byte[] flipped = (byte[])bytes.Clone();
        flipped[36] ^= 0x10; // the first parameter
        Assert.Contains("CRC-32", LoadFails(flipped, ModelFormatError.ChecksumMismatch).Message, StringComparison.Ordinal);

        Assert.Contains("expected 95,440 bytes", LoadFails(bytes[..(36 + 8)], ModelFormatError.Truncated).Message, StringComparison.Ordinal);
        LoadFails([.. bytes, 0], ModelFormatError.TrailingData);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        string path = _folder.File("absent.bpnet");
        var e = Assert.Throws<FileNotFoundException>(() => NetworkSerializer.Load<DigitNet>(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_save_that_fails_midway_leaves_the_previous_file_byte_identical()
    {
        string path = _folder.File("model.bpnet");
        NetworkSerializer.Save(Net231.Create(1), path);
        byte[] previous = File.ReadAllBytes(path);

        // FailingNet's parameters cannot be read: the save fails after writing the header.
        var e = Assert.Throws<IOException>(() => NetworkSerializer.Save(new FailingNet(), path));

        Assert.Equal(FailingNet.Message, e.Message);
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal(new[] { "model.bpnet" }, Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_save_that_cannot_rename_leaves_no_temporary_file()
    {
        // The target is a folder: writing the temporary file works, the rename over it cannot.
        string target = _folder.File("occupied.bpnet");
        Directory.CreateDirectory(target);

        Assert.ThrowsAny<IOException>(() => NetworkSerializer.Save(Net231.Create(1), target));

        Assert.True(Directory.Exists(target));
        Assert.Empty(Directory.GetFiles(_folder.Path));
    }

    [Fact]
    public void A_save_into_a_missing_folder_fails_and_creates_nothing()
    {
        string path = Path.Combine(_folder.Path, "no", "such", "folder", "model.bpnet");
        Assert.Throws<DirectoryNotFoundException>(() => NetworkSerializer.Save(Net231.Create(1), path));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder.Path));
    }

    [Fact]
    public void Saving_over_a_model_replaces_it()
    {
        string path = _folder.File("model.bpnet");
        NetworkSerializer.Save(Net231.Create(1), path);
        Net231 second = Net231.Create(2);
        NetworkSerializer.Save(second, path);

        Assert.Equal(second.Parameters.ToArray(), NetworkSerializer.Load<Net231>(path).Parameters.ToArray());
        Assert.Single(Directory.GetFiles(_folder.Path));
    }

    /// <summary>A 2-3-1 network whose parameters cannot be read, to make a save fail after it has started writing.</summary>
    private sealed class FailingNet : INetwork<FailingNet>
    {
        public const string Message = "Simulated failure while writing the parameters.";

        public static NetworkArchitecture Architecture { get; } = NetworkArchitecture.Dense([2, 3, 1], [ActivationKind.Sigmoid, ActivationKind.Sigmoid]);

        public static int InputSize => 2;

        public static int OutputSize => 1;

        public static int ParameterCount => 13;

        public static ReadOnlySpan<int> LayerSizes => new[] { 2, 3, 1 };

        public static ReadOnlySpan<ActivationKind> Activations => new[] { ActivationKind.Sigmoid, ActivationKind.Sigmoid };

        public static ActivationKind OutputActivation => ActivationKind.Sigmoid;

        public static CostKind Cost => CostKind.CrossEntropy;

        public Span<float> Parameters => throw new IOException(Message);

        public static FailingNet Create() => new();

        public static FailingNet Create(int seed) => new();

        public void InitializeParameters(int seed)
        {
        }

        public void Forward(ReadOnlySpan<float> input, Span<float> output) => throw new NotSupportedException();

        public float Backprop(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> gradient) => throw new NotSupportedException();

        public static int BatchWorkspaceSize(int batchSize) => throw new NotSupportedException();

        public float AccumulateGradient(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, Span<float> gradient, Span<float> workspace)
            => throw new NotSupportedException();

        public void ForwardBatch(ReadOnlySpan<float> inputs, Span<float> outputs) => throw new NotSupportedException();

        public float Evaluate(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, Span<float> outputs) => throw new NotSupportedException();

        public float TrainBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, float learningRate, float weightDecay, Span<float> workspace, ReadOnlySpan<int> upcoming = default)
            => throw new NotSupportedException();

        public static float UpdateBatch<TUpdate>(Span<float> parameters, ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets, ReadOnlySpan<int> batch, ref TUpdate update, Span<float> workspace, ReadOnlySpan<int> upcoming = default)
            where TUpdate : struct, IParameterUpdate
            => throw new NotSupportedException();
    }
}
