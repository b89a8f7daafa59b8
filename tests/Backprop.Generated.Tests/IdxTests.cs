using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Xunit;

namespace Backprop.Generated.Tests;

public sealed class IdxTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>An IDX images file: header, then <paramref name="pixels"/> (or count·rows·cols bytes of a pattern).</summary>
    internal static byte[] Images(int count, int rows, int columns, byte[]? pixels = null, int magic = IdxReader.ImagesMagic)
    {
        pixels ??= Enumerable.Range(0, count * rows * columns).Select(i => (byte)(i * 37 % 256)).ToArray();
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), columns);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    internal static byte[] Labels(params byte[] labels) => LabelsWithCount(labels.Length, labels);

    internal static byte[] LabelsWithCount(int count, byte[] labels)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, IdxReader.LabelsMagic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), count);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    private string Write(string name, byte[] bytes)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private IdxFormatException ReadFails(byte[] images, byte[] labels, IdxFormatError reason, string failingFile = "images.idx")
    {
        string imagesPath = Write("images.idx", images);
        string labelsPath = Write("labels.idx", labels);
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(imagesPath, labelsPath));
        Assert.Equal(reason, e.Reason);
        Assert.Equal(_folder.File(failingFile), e.FilePath);
        Assert.Contains(_folder.File(failingFile), e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(e);
        return e;
    }

    [Fact]
    public void Reads_the_vendored_Fashion_MNIST_folder()
    {
        DatasetSplit data = IdxReader.ReadFolder(TestData.FashionMnistFolder, maxTrainingCount: 500);

        Assert.Equal(500, data.Training.Count);
        Assert.Equal(10_000, data.Test.Count);
        Assert.Equal(784, data.Test.InputSize);
        Assert.Equal(10, data.Test.ClassCount);
        Assert.Equal(10_000 * 784, data.Test.Inputs.Length);
        // Fashion-MNIST's test set is balanced: 1,000 images of each class.
        int[] perClass = new int[10];
        foreach (int label in data.Test.Labels)
        {
            perClass[label]++;
        }
        Assert.All(perClass, n => Assert.Equal(1000, n));
        float min = float.MaxValue, max = float.MinValue;
        foreach (float value in data.Test.Inputs)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }
        Assert.Equal(0f, min);
        Assert.Equal(1f, max);
    }

    [Fact]
    public void Scales_pixels_to_the_unit_interval()
    {
        byte[] pixels = [0, 51, 102, 255, 1, 254];
        string images = Write("i", Images(2, 1, 3, pixels));
        string labels = Write("l", Labels(7, 3));

        Dataset data = IdxReader.Read(images, labels);

        Assert.Equal(2, data.Count);
        Assert.Equal(3, data.InputSize);
        Assert.Equal(new[] { 0f, 0.2f, 0.4f }, data.Input(0).ToArray());
        Assert.Equal(new[] { 1f, 1f / 255f, 254f / 255f }, data.Input(1).ToArray());
        Assert.Equal(new[] { 7, 3 }, data.Labels.ToArray());
        Assert.Equal(8, data.ClassCount);
    }

    [Fact]
    public void Reads_gzip_and_raw_alike_detecting_gzip_by_its_magic_not_the_name()
    {
        byte[] images = Images(5, 4, 3);
        byte[] labels = Labels(1, 2, 3, 4, 0);
        Dataset raw = IdxReader.Read(Write("a", images), Write("b", labels));
        // Compressed files without .gz, raw files with .gz: the content decides.
        Dataset gzip = IdxReader.Read(Write("c.idx", Gzip(images)), Write("d.gz", labels));
        Dataset mixed = IdxReader.Read(Write("e.gz", images), Write("f", Gzip(labels)));

        foreach (Dataset data in new[] { gzip, mixed })
        {
            Assert.Equal(raw.Inputs.ToArray(), data.Inputs.ToArray());
            Assert.Equal(raw.Labels.ToArray(), data.Labels.ToArray());
        }
    }

    [Fact]
    public void Reads_streams_that_cannot_seek()
    {
        byte[] images = Images(3, 2, 2);
        using var imageStream = new ForwardOnlyStream(Gzip(images));
        using var labelStream = new ForwardOnlyStream(Labels(0, 1, 2));

        Dataset data = IdxReader.Read(imageStream, labelStream, "embedded images", "embedded labels");

        Assert.Equal(3, data.Count);
        Assert.Equal(images[16..].Select(b => b / 255f).ToArray(), data.Inputs.ToArray());
    }

    [Fact]
    public void Reads_only_the_first_samples_when_asked()
    {
        string images = Write("i", Images(6, 2, 2));
        string labels = Write("l", Labels(0, 1, 2, 3, 4, 5));

        Dataset all = IdxReader.Read(images, labels);
        Dataset first = IdxReader.Read(images, labels, maxCount: 4);

        Assert.Equal(4, first.Count);
        Assert.Equal(all.Inputs[..16].ToArray(), first.Inputs.ToArray());
        Assert.Equal(all.Take(4).Inputs.ToArray(), first.Inputs.ToArray());
        Assert.Equal(new[] { 2, 3 }, all.Slice(2, 2).Labels.ToArray());
        Assert.Equal(4, all.Slice(2, 2).ClassCount);
    }

    [Fact]
    public void Wrong_magic_is_reported_in_hex()
    {
        // A labels file where the images file belongs.
        IdxFormatException e = ReadFails(Labels(1, 2), Labels(1, 2), IdxFormatError.WrongMagic);
        Assert.Contains("0x00000803", e.Message, StringComparison.Ordinal);
        Assert.Contains("0x00000801", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_magic_in_the_labels_file_names_the_labels_file()
    {
        IdxFormatException e = ReadFails(Images(2, 2, 2), Images(2, 2, 2), IdxFormatError.WrongMagic, "labels.idx");
        Assert.Contains("expected the magic number 0x00000801 but found 0x00000803", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_pixels_say_how_much_was_expected_and_found()
    {
        byte[] images = Images(4, 3, 3)[..^5];
        IdxFormatException e = ReadFails(images, Labels(0, 1, 2, 3), IdxFormatError.Truncated);
        Assert.Contains("expected 36 bytes of pixel data", e.Message, StringComparison.Ordinal);
        Assert.Contains("found 31", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_compressed_pixels_are_reported()
    {
        byte[] images = Gzip(Images(50, 10, 10));
        IdxFormatException e = ReadFails(images[..(images.Length / 2)], Labels(new byte[50]), IdxFormatError.Truncated);
        Assert.Contains("expected 5,000 bytes of pixel data", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_labels_are_reported()
    {
        IdxFormatException e = ReadFails(Images(4, 2, 2), LabelsWithCount(4, [0, 1]), IdxFormatError.Truncated, "labels.idx");
        Assert.Contains("expected 4 labels", e.Message, StringComparison.Ordinal);
        Assert.Contains("found 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_header_is_reported()
    {
        IdxFormatException e = ReadFails(Images(4, 2, 2)[..10], Labels(0, 1, 2, 3), IdxFormatError.Truncated);
        Assert.Contains("16-byte", e.Message, StringComparison.Ordinal);
        ReadFails([], Labels(0), IdxFormatError.Truncated);
    }

    [Fact]
    public void A_count_mismatch_names_both_files()
    {
        IdxFormatException e = ReadFails(Images(4, 2, 2), Labels(0, 1, 2), IdxFormatError.CountMismatch);
        Assert.Contains(_folder.File("labels.idx"), e.Message, StringComparison.Ordinal);
        Assert.Contains("4 images", e.Message, StringComparison.Ordinal);
        Assert.Contains("3 labels", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 28, 28)]
    [InlineData(10, 0, 28)]
    [InlineData(10, 28, -1)]
    [InlineData(60_000, 100_000, 100_000)]
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue)]
    public void Absurd_dimensions_are_rejected_from_the_header_without_allocating(int count, int rows, int columns)
    {
        string images = Write("images.idx", Images(count, rows, columns, pixels: new byte[64]));
        string labels = Write("labels.idx", LabelsWithCount(count, new byte[64]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(images, labels));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(IdxFormatError.InvalidDimensions, e.Reason);
        Assert.Contains(images, e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_huge_header_over_little_data_allocates_only_as_the_data_arrives()
    {
        // 4,096 images of 256×256 = 2^28 pixels: allowed, but only 64 bytes follow.
        string images = Write("images.idx", Images(4096, 256, 256, pixels: new byte[64]));
        string labels = Write("labels.idx", LabelsWithCount(4096, new byte[4096]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(images, labels));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(IdxFormatError.Truncated, e.Reason);
        Assert.True(allocated < 16 << 20, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Trailing_data_is_rejected()
    {
        IdxFormatException e = ReadFails([.. Images(2, 2, 2), 1, 2, 3], Labels(0, 1), IdxFormatError.TrailingData);
        Assert.Contains("3 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_gzip_is_reported()
    {
        byte[] images = Gzip(Images(20, 5, 5));
        for (int i = 10; i < images.Length - 8; i++)
        {
            images[i] ^= 0x5A;
        }
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(Write("images.idx", images), Write("labels.idx", Labels(new byte[20]))));
        Assert.Contains(_folder.File("images.idx"), e.Message, StringComparison.Ordinal);
        Assert.True(e.Reason is IdxFormatError.CorruptCompression or IdxFormatError.WrongMagic or IdxFormatError.Truncated, e.Reason.ToString());
    }

    [Fact]
    public void Missing_files_and_folders_are_named()
    {
        string missing = _folder.File("nothing-here");
        var folder = Assert.Throws<DirectoryNotFoundException>(() => IdxReader.ReadFolder(missing));
        Assert.Contains(missing, folder.Message, StringComparison.Ordinal);

        var file = Assert.Throws<FileNotFoundException>(() => IdxReader.Read(missing, missing));
        Assert.Contains(missing, file.Message, StringComparison.Ordinal);

        // A folder with three of the four files.
        Write("train-images-idx3-ubyte", Images(2, 2, 2));
        Write("train-labels-idx1-ubyte.gz", Gzip(Labels(0, 1)));
        Write("t10k-images-idx3-ubyte.gz", Images(2, 2, 2));
        var third = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadFolder(_folder.Path));
        Assert.Contains("t10k-labels-idx1-ubyte", third.Message, StringComparison.Ordinal);

        Write("t10k-labels-idx1-ubyte", Labels(1, 0));
        DatasetSplit data = IdxReader.ReadFolder(_folder.Path);
        Assert.Equal(new[] { 1, 0 }, data.Test.Labels.ToArray());
    }

    [Fact]
    public void One_hot_targets_are_made_on_demand_and_labels_must_fit()
    {
        var data = new Dataset(new float[6], [2, 12], 3);
        var target = new float[10];
        target.AsSpan().Fill(9f);

        data.Target(0, target);
        Assert.Equal(new[] { 0f, 0f, 1f, 0f, 0f, 0f, 0f, 0f, 0f, 0f }, target);

        var e = Assert.Throws<ArgumentException>(() => data.Target(1, target));
        Assert.Contains("label 12", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Input(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset(new float[3], [-1], 3));
        Assert.Throws<ArgumentException>(() => new Dataset(new float[5], [0, 1], 3));
    }

    /// <summary>A stream that can only be read forward, like a network or a pipe.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Seek(long offset, SeekOrigin loc) => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override long Length => throw new NotSupportedException();
    }
}
