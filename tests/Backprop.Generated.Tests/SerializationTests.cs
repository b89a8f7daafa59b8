using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using Backprop.Generated.Tests.Networks;
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

    /// <summary>Loading <paramref name="bytes"/> from a file into a DigitNet fails for <paramref name="reason"/> and leaves it unchanged.</summary>
    private ModelFormatException LoadFails(byte[] bytes, ModelFormatError reason)
    {
        string path = _folder.File("model.bpnet");
        File.WriteAllBytes(path, bytes);
        DigitNet network = DigitNet.Create(5);
        float[] before = network.Parameters.ToArray();

        var e = Assert.Throws<ModelFormatException>(() => NetworkSerializer.LoadInto(network, path));

        Assert.Equal(reason, e.Reason);
        Assert.Equal(path, e.FilePath);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(e);
        Assert.Equal(before, network.Parameters.ToArray());

        // The stream overload reports the same, under the name it is given.
        using var stream = new MemoryStream(bytes);
        var fromStream = Assert.Throws<ModelFormatException>(() => NetworkSerializer.Load<DigitNet>(stream, "memory"));
        Assert.Equal(reason, fromStream.Reason);
        Assert.Equal("memory", fromStream.FilePath);
        return e;
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
    public void Writes_format_version_1_byte_for_byte()
    {
        Net231 network = Net231.Create(1);
        byte[] bytes = Saved(network);

        // 24 + 4·L header bytes, 4·P parameter bytes, 4 CRC bytes.
        Assert.Equal(24 + 4 * 3 + 4 * 13 + 4, bytes.Length);
        Assert.Equal(new byte[] { 0x42, 0x50, 0x47, 0x4E, 0x45, 0x54, 0x0D, 0x0A }, bytes[..8]);
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(1, bytes[10]);
        Assert.Equal((byte)ActivationKind.Sigmoid, bytes[11]);
        Assert.Equal((byte)ActivationKind.Sigmoid, bytes[12]);
        Assert.Equal((byte)CostKind.CrossEntropy, bytes[13]);
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(14)));
        Assert.Equal(2, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(3, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(1, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal(13L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(28)));
        for (int i = 0; i < 13; i++)
        {
            Assert.Equal(network.Parameters[i], BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(36 + 4 * i)));
        }
        Assert.Equal(Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)));
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
        Assert.Equal(1, info.FormatVersion);
        Assert.Equal(ActivationKind.Sigmoid, info.HiddenActivation);
        Assert.Equal(CostKind.CrossEntropy, info.Cost);
    }

    [Fact]
    public void Another_shape_is_refused_naming_both_shapes()
    {
        ModelFormatException e = LoadFails(Saved(DigitNet100.Create(1)), ModelFormatError.ShapeMismatch);
        Assert.Contains("784-100-10", e.Message, StringComparison.Ordinal);
        Assert.Contains("784-30-10", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_newer_format_version_is_refused()
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 2);
        ModelFormatException e = LoadFails(WithValidCrc(bytes), ModelFormatError.UnsupportedVersion);
        Assert.Contains("version 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("newer", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10, 2, ModelFormatError.UnsupportedElementType)]
    [InlineData(10, 0, ModelFormatError.UnsupportedElementType)]
    [InlineData(11, 0, ModelFormatError.UnknownActivation)]
    [InlineData(12, 7, ModelFormatError.UnknownActivation)]
    [InlineData(13, 200, ModelFormatError.UnknownCost)]
    public void Unknown_codes_are_refused(int offset, byte value, ModelFormatError reason)
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        bytes[offset] = value;
        ModelFormatException e = LoadFails(WithValidCrc(bytes), reason);
        Assert.Contains(value.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message, StringComparison.Ordinal);
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
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(28), 23861);
        LoadFails(WithValidCrc(bytes), ModelFormatError.InvalidHeader);

        bytes = Saved(DigitNet.Create(1));
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(20), 0);
        LoadFails(WithValidCrc(bytes), ModelFormatError.InvalidHeader);
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
    [InlineData(30)] // inside the layer sizes and count
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
    public void Truncated_parameters_say_how_much_was_expected_and_found()
    {
        byte[] bytes = Saved(DigitNet.Create(1));
        ModelFormatException e = LoadFails(bytes[..(36 + 1000)], ModelFormatError.Truncated);
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

        public static int InputSize => 2;

        public static int OutputSize => 1;

        public static int ParameterCount => 13;

        public static ReadOnlySpan<int> LayerSizes => new[] { 2, 3, 1 };

        public static ActivationKind HiddenActivation => ActivationKind.Sigmoid;

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
    }
}
