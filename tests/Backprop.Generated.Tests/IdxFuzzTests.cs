using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;
using static Backprop.Generated.Tests.IdxTests;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

/// <summary>
/// A deterministic mutation fuzzer for <see cref="IdxReader"/>: tens of thousands of damaged IDX
/// files, raw and gzip, through every public entry point (streams, trickling streams, file pairs,
/// folders). Every input must end in a dataset or an <see cref="IdxFormatException"/> naming one
/// of the two files — never another exception, a hang, or memory sized by a header the data does
/// not back. An independent model of the format predicts the outcome of every input whose gzip
/// layer (if any) decompresses, and the reader must agree with it exactly.
/// </summary>
public sealed class IdxFuzzTests : IDisposable
{
    /// <summary>No single small input may make the reader allocate more than this (two 64 KiB file buffers, gzip state, a first read chunk).</summary>
    private const long PerCaseAllocationBound = 512 << 10;

    private static readonly int[] s_extremes =
    [
        0, 1, 2, 3, 28, 255, 256, 784, 46_341, 60_000, 65_535, 65_536, 65_537, 0x00FF_FFFF, 1 << 21, 1 << 24,
        1 << 28, (1 << 28) + 1, 1 << 30, 0x5555_5556, int.MaxValue, int.MinValue, -1, -2, -65_536,
    ];

    private readonly TemporaryFolder _folder = new();
    private readonly ITestOutputHelper _output;

    public IdxFuzzTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _folder.Dispose();

    // ---- The fuzzer ----------------------------------------------------------------------------

    [Fact]
    public void Raw_inputs_end_in_a_dataset_or_an_IdxFormatException()
    {
        Campaign campaign = RunCampaign("raw", RawCases);
        Assert.True(campaign.Cases >= 20_000, $"only {campaign.Cases} cases");
        // Every reason the format knows must have been reached, and valid files must have been read.
        foreach (IdxFormatError reason in Enum.GetValues<IdxFormatError>().Where(r => r != IdxFormatError.CorruptCompression))
        {
            Assert.True(campaign.Outcomes.GetValueOrDefault(reason.ToString()) > 0, $"no case ended in {reason}");
        }
        Assert.True(campaign.Outcomes.GetValueOrDefault("success") > 100);
        Assert.Equal(0, campaign.Outcomes.GetValueOrDefault(nameof(IdxFormatError.CorruptCompression)));
    }

    [Fact]
    public void Gzip_inputs_end_in_a_dataset_or_an_IdxFormatException()
    {
        Campaign campaign = RunCampaign("gzip", GzipCases);
        Assert.True(campaign.Cases >= 20_000, $"only {campaign.Cases} cases");
        foreach (IdxFormatError reason in Enum.GetValues<IdxFormatError>())
        {
            Assert.True(campaign.Outcomes.GetValueOrDefault(reason.ToString()) > 0, $"no case ended in {reason}");
        }
        Assert.True(campaign.Outcomes.GetValueOrDefault("success") > 100);
    }

    [Fact]
    public void Damaged_folders_end_in_a_dataset_or_an_IdxFormatException()
    {
        // ReadFolder over a folder whose training files are damaged (the test files are valid).
        byte[] images = Images(3, 2, 3), labels = Labels(1, 7, 3);
        var random = new Random(4242);
        int cases = 0, failures = 0;
        for (int i = 0; i < 48; i++)
        {
            string folder = Path.Combine(_folder.Path, "folder" + (i % 3).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
            Directory.CreateDirectory(folder);
            // Every eighth folder is intact.
            byte[] trainImages = i % 8 != 7 && i % 2 == 0 ? Havoc(images, random) : images;
            byte[] trainLabels = i % 8 != 7 && i % 2 == 1 ? Havoc(labels, random) : labels;
            bool gzip = i % 4 >= 2;
            string suffix = gzip ? ".gz" : "";
            File.WriteAllBytes(Path.Combine(folder, IdxReader.TrainingImagesFileName + suffix), gzip ? Gzip(trainImages) : trainImages);
            File.WriteAllBytes(Path.Combine(folder, IdxReader.TrainingLabelsFileName + suffix), gzip ? Gzip(trainLabels) : trainLabels);
            File.WriteAllBytes(Path.Combine(folder, IdxReader.TestImagesFileName), images);
            File.WriteAllBytes(Path.Combine(folder, IdxReader.TestLabelsFileName + ".gz"), Gzip(labels));

            Expected expected = Predict(trainImages, trainLabels, int.MaxValue);
            cases++;
            try
            {
                DatasetSplit split = IdxReader.ReadFolder(folder);
                Assert.Null(expected.Reason);
                Assert.Equal(3, split.Test.Count);
            }
            catch (IdxFormatException e)
            {
                failures++;
                string file = Path.Combine(folder, (expected.InLabels ? IdxReader.TrainingLabelsFileName : IdxReader.TrainingImagesFileName) + suffix);
                Assert.Equal(expected.Reason, e.Reason);
                Assert.Equal(file, e.FilePath);
                Assert.Contains(file, e.Message, StringComparison.Ordinal);
            }
        }
        _output.WriteLine($"folder: {cases} cases, {failures} rejected, {cases - failures} read");
        Assert.InRange(failures, 1, cases - 1);
    }

    // ---- The gzip bomb -------------------------------------------------------------------------

    [Fact]
    public void A_gzip_bomb_is_rejected_quickly_without_allocating_what_it_expands_to()
    {
        // 4 GiB of zeros after a header announcing one 28×28 image: a valid first member, then 64
        // members of 64 MiB of zeros each (about 4 MB compressed in all).
        byte[] zeros = s_zeros.Value;
        using var bomb = new MemoryStream();
        bomb.Write(Gzip(Images(1, 28, 28)));
        for (int i = 0; i < 64; i++)
        {
            bomb.Write(zeros);
        }
        byte[] bombBytes = bomb.ToArray();
        Assert.True(bombBytes.Length < 8 << 20, $"the bomb is {bombBytes.Length:N0} bytes");

        // The same for the labels file.
        using var labelBomb = new MemoryStream();
        labelBomb.Write(Gzip(Labels(5)));
        for (int i = 0; i < 64; i++)
        {
            labelBomb.Write(zeros);
        }

        foreach ((byte[] imageBytes, byte[] labelBytes, string bombed) in new[]
        {
            (bombBytes, Labels(5), "images"),
            (Gzip(Images(1, 28, 28)), labelBomb.ToArray(), "labels"),
        })
        {
            var images = new MemoryStream(imageBytes);
            var labels = new MemoryStream(labelBytes);
            var stopwatch = Stopwatch.StartNew();
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(images, labels, "images", "labels"));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            stopwatch.Stop();

            _output.WriteLine($"{bombed} bomb ({imageBytes.Length + labelBytes.Length:N0} bytes compressed, 4 GiB expanded): {e.Reason} after {stopwatch.Elapsed.TotalMilliseconds:F0} ms, {allocated:N0} bytes allocated");
            Assert.Equal(IdxFormatError.TrailingData, e.Reason);
            Assert.Equal(bombed, e.FilePath);
            Assert.Contains("at least 1 MiB of trailing data", e.Message, StringComparison.Ordinal);
            Assert.True(allocated < 1 << 20, $"allocated {allocated:N0} bytes");
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        }
    }

    [Fact]
    public void A_gzip_bomb_under_a_large_header_allocates_only_what_the_header_allows()
    {
        // The header announces 64 images of 128×128 (1 MiB of pixels); 4 GiB of zeros follow.
        const int pixels = 64 * 128 * 128;
        byte[] zeros = s_zeros.Value;
        using var bomb = new MemoryStream();
        byte[] header = Images(64, 128, 128, pixels: []);
        bomb.Write(Gzip(header));
        for (int i = 0; i < 64; i++)
        {
            bomb.Write(zeros);
        }

        var images = new MemoryStream(bomb.ToArray());
        var labels = new MemoryStream(Labels(new byte[64]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(images, labels, "images", "labels"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        _output.WriteLine($"bomb under a 1 MiB-pixel header: {e.Reason}, {allocated:N0} bytes allocated");
        Assert.Equal(IdxFormatError.TrailingData, e.Reason);
        // The pixel bytes themselves (1 MiB), and not the 4 MiB of floats: the trailing data is found first.
        Assert.True(allocated < pixels + (1 << 20), $"allocated {allocated:N0} bytes");
    }

    // ---- Regression tests: every input the fuzzer ever failed on -------------------------------

    [Theory]
    // 2^21 · 2^21 · 2^21 = 2^63: the pixel count wrapped to long.MinValue, passed the size check, and
    // the reader went on with 0-pixel images (rows · columns wrapped to 0 as an int).
    [InlineData(1 << 21, 1 << 21, 1 << 21)]
    // 2^30 · 2^30 · 16 = 2^64 wrapped to 0: the reader then allocated 2^30 label bytes from the header.
    [InlineData(1 << 30, 1 << 30, 16)]
    // 2^30 · 2^21 · 2^21 = 2^72 wrapped to 0.
    [InlineData(1 << 30, 1 << 21, 1 << 21)]
    // 2^31 - 1 · 2^21 · 2^21 wrapped to -2^42: with 0-pixel images the reader went on to allocate
    // int.MaxValue label bytes and escaped with an OutOfMemoryException.
    [InlineData(int.MaxValue, 1 << 21, 1 << 21)]
    // 2^16 · 0x55555556² wrapped to a negative count, and rows · columns to a negative int: the
    // reader escaped with an OverflowException (a negative array size).
    [InlineData(1 << 16, 0x5555_5556, 0x5555_5556)]
    public void A_pixel_count_that_overflows_64_bits_is_rejected_from_the_header(int count, int rows, int columns)
    {
        byte[] images = Images(count, rows, columns, pixels: new byte[16]);
        byte[] labels = LabelsWithCount(count, new byte[16]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(new MemoryStream(images), new MemoryStream(labels), "images.idx", "labels.idx"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(IdxFormatError.InvalidDimensions, e.Reason);
        Assert.Equal("images.idx", e.FilePath);
        Assert.Contains("images.idx", e.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1 << 20, $"allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_header_announcing_many_pixels_over_a_tiny_file_allocates_little()
    {
        // 2^20 images of 1×1 over 20 bytes: the reader used to allocate a first read chunk of the announced
        // size up to 4 MiB (here 1 MiB) before finding that the data was not there.
        byte[] images = Images(1 << 20, 1, 1, pixels: new byte[4]);
        byte[] labels = LabelsWithCount(1 << 20, new byte[4]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<IdxFormatException>(() => IdxReader.Read(new MemoryStream(images), new MemoryStream(labels), "images.idx", "labels.idx"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(IdxFormatError.Truncated, e.Reason);
        Assert.True(allocated < 256 << 10, $"allocated {allocated:N0} bytes");
    }

    // ---- Case generation -----------------------------------------------------------------------

    /// <summary>The valid files the mutations start from: (images, labels).</summary>
    private static IEnumerable<(string Name, byte[] Images, byte[] Labels)> Bases()
    {
        yield return ("3x2x3", Images(3, 2, 3), Labels(1, 7, 3));
        yield return ("1x1x1", Images(1, 1, 1), Labels(9));
        yield return ("2x4x4", Images(2, 4, 4), Labels(0, 255));
    }

    private static IEnumerable<FuzzCase> RawCases()
    {
        var random = new Random(20_260_101);
        foreach ((string name, byte[] images, byte[] labels) in Bases())
        {
            yield return new($"{name} valid", images, labels);
            yield return new($"{name} valid, first sample only", images, labels, 1);
            foreach (bool inLabels in new[] { false, true })
            {
                byte[] target = inLabels ? labels : images;
                string side = inLabels ? "labels" : "images";
                Func<byte[], FuzzCase> make = mutated => inLabels ? new("", images, mutated) : new("", mutated, labels);

                // Every single-bit flip.
                for (int bit = 0; bit < target.Length * 8; bit++)
                {
                    byte[] m = (byte[])target.Clone();
                    m[bit / 8] ^= (byte)(1 << (bit % 8));
                    yield return make(m) with { Description = $"{name} {side} bit {bit} flipped" };
                }

                // Every byte set to 0, 0xFF, 0x7F, 0x80, ±1 and a random value.
                for (int at = 0; at < target.Length; at++)
                {
                    foreach (int value in new[] { 0, 0xFF, 0x7F, 0x80, target[at] + 1, target[at] - 1, random.Next(256) })
                    {
                        byte[] m = (byte[])target.Clone();
                        m[at] = (byte)value;
                        yield return make(m) with { Description = $"{name} {side} byte {at} = 0x{(byte)value:X2}" };
                    }
                }

                // Truncation at every length.
                for (int length = 0; length < target.Length; length++)
                {
                    yield return make(target[..length]) with { Description = $"{name} {side} truncated to {length} bytes" };
                }

                // Magic bytes (zeros, type code, dimension count) of every value.
                for (int at = 0; at < 4; at++)
                {
                    for (int value = 0; value < 256; value++)
                    {
                        byte[] m = (byte[])target.Clone();
                        m[at] = (byte)value;
                        yield return make(m) with { Description = $"{name} {side} magic byte {at} = 0x{value:X2}" };
                    }
                }

                // Trailing data: a few bytes, zeros, another whole file.
                for (int extra = 1; extra <= 24; extra++)
                {
                    byte[] tail = new byte[extra];
                    random.NextBytes(tail);
                    yield return make([.. target, .. tail]) with { Description = $"{name} {side} + {extra} random bytes" };
                    yield return make([.. target, .. new byte[extra]]) with { Description = $"{name} {side} + {extra} zeros" };
                }
                yield return make([.. target, .. target]) with { Description = $"{name} {side} twice" };
                yield return make([.. target, .. target]) with { Description = $"{name} {side} twice, first sample only", MaxCount = 1 };
            }

            // Count mismatches.
            int count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
            for (int delta = -3; delta <= 3; delta++)
            {
                int n = count + delta;
                yield return new($"{name} labels count {n}", images, LabelsWithCount(n, labels[8..]));
                yield return new($"{name} labels count and data {n}", images, LabelsWithCount(n, new byte[Math.Max(n, 0)]));
            }
        }

        // Header fields at their extremes: every (count, rows, columns) of the extreme values, with
        // a labels file announcing the same count (so that the data checks are reached).
        foreach (int count in s_extremes)
        {
            foreach (int rows in s_extremes)
            {
                foreach (int columns in s_extremes)
                {
                    (byte[] images, byte[] labels) = Extreme(count, rows, columns);
                    yield return new($"header {count}×{rows}×{columns}", images, labels);
                }
            }
            yield return new($"labels count {count}", Images(3, 2, 3), LabelsWithCount(count, [1, 2, 3]));
        }

        // Havoc: several stacked mutations at random.
        for (int i = 0; i < 12_000; i++)
        {
            (string name, byte[] images, byte[] labels) = Bases().ElementAt(i % 3);
            byte[] mi = i % 3 != 1 ? Havoc(images, random) : images;
            byte[] ml = i % 3 != 0 ? Havoc(labels, random) : labels;
            yield return new($"{name} havoc {i}", mi, ml, i % 10 == 9 ? 1 + random.Next(3) : int.MaxValue);
        }
    }

    private static IEnumerable<FuzzCase> GzipCases()
    {
        var random = new Random(20_260_102);

        // The header logic behind the gzip layer: a sample of the raw cases, compressed (one side or both).
        int i = 0;
        foreach (FuzzCase raw in RawCases())
        {
            if (i++ % 6 != 0)
            {
                continue;
            }
            yield return (i % 4) switch
            {
                0 => raw with { Description = "gzip(" + raw.Description + ")", Images = Gzip(raw.Images) },
                1 => raw with { Description = "gzip(" + raw.Description + ") labels", Labels = Gzip(raw.Labels) },
                _ => raw with { Description = "gzip(" + raw.Description + ") both", Images = Gzip(raw.Images), Labels = Gzip(raw.Labels) },
            };
        }

        // Damage to the compressed bytes themselves.
        foreach ((string name, byte[] images, byte[] labels) in Bases())
        {
            foreach (CompressionLevel level in new[] { CompressionLevel.Fastest, CompressionLevel.NoCompression, CompressionLevel.SmallestSize })
            {
                foreach (bool inLabels in new[] { false, true })
                {
                    byte[] raw = inLabels ? labels : images;
                    byte[] target = Gzip(raw, level);
                    string side = $"gzip[{level}] {(inLabels ? "labels" : "images")}";
                    Func<byte[], FuzzCase> make = mutated => inLabels ? new("", images, mutated) : new("", mutated, labels);

                    yield return make(target) with { Description = $"{name} {side} valid" };
                    for (int bit = 0; bit < target.Length * 8; bit++)
                    {
                        byte[] m = (byte[])target.Clone();
                        m[bit / 8] ^= (byte)(1 << (bit % 8));
                        yield return make(m) with { Description = $"{name} {side} bit {bit} flipped" };
                    }
                    for (int at = 0; at < target.Length; at++)
                    {
                        foreach (int value in new[] { 0, 0xFF, random.Next(256) })
                        {
                            byte[] m = (byte[])target.Clone();
                            m[at] = (byte)value;
                            yield return make(m) with { Description = $"{name} {side} byte {at} = 0x{(byte)value:X2}" };
                        }
                    }
                    for (int length = 0; length < target.Length; length++)
                    {
                        yield return make(target[..length]) with { Description = $"{name} {side} truncated to {length} bytes" };
                    }

                    // The gzip header: method, flags, modification time, extra flags, OS; and the
                    // trailer: CRC-32 and ISIZE.
                    foreach (int at in new[] { 2, 3, 4, 7, 8, 9 })
                    {
                        for (int value = 0; value < 256; value++)
                        {
                            byte[] m = (byte[])target.Clone();
                            m[at] = (byte)value;
                            yield return make(m) with { Description = $"{name} {side} header byte {at} = 0x{value:X2}" };
                        }
                    }
                    for (int at = target.Length - 8; at < target.Length; at++)
                    {
                        foreach (int value in new[] { target[at] ^ 1, target[at] ^ 0x80, 0, 0xFF })
                        {
                            byte[] m = (byte[])target.Clone();
                            m[at] = (byte)value;
                            yield return make(m) with { Description = $"{name} {side} {(at < target.Length - 4 ? "CRC" : "ISIZE")} byte {at} = 0x{(byte)value:X2}" };
                        }
                    }

                    // Optional header fields (FEXTRA, FNAME, FCOMMENT, FHCRC), well-formed and not.
                    foreach ((byte flags, byte[] fields) in new (byte, byte[])[]
                    {
                        (0x04, [3, 0, 1, 2, 3]),
                        (0x04, [0xFF, 0xFF, 1, 2, 3]),
                        (0x04, [0, 0]),
                        (0x08, [.. Encoding.ASCII.GetBytes("train-images-idx3-ubyte"), 0]),
                        (0x08, Encoding.ASCII.GetBytes("no terminator")),
                        (0x10, [.. Encoding.ASCII.GetBytes("comment"), 0]),
                        (0x02, [0x12, 0x34]),
                        (0x1E, [1, 0, 9, (byte)'n', 0, (byte)'c', 0, 0, 0]),
                        (0xE0, []),
                    })
                    {
                        yield return make([.. target[..3], flags, .. target[4..10], .. fields, .. target[10..]]) with
                        {
                            Description = $"{name} {side} flags 0x{flags:X2} with {fields.Length} field bytes",
                        };
                    }

                    // Concatenated members: the file split in two at every position (a valid file),
                    // the file twice (trailing data), a member followed by garbage or a lone gzip magic.
                    for (int split = 0; split <= raw.Length; split++)
                    {
                        yield return make([.. Gzip(raw[..split], level), .. Gzip(raw[split..], level)]) with { Description = $"{name} {side} split into members at {split}" };
                    }
                    yield return make([.. target, .. target]) with { Description = $"{name} {side} member twice" };
                    yield return make([.. target, .. Gzip([])]) with { Description = $"{name} {side} + empty member" };
                    yield return make([.. target, 0x1F, 0x8B]) with { Description = $"{name} {side} + lone gzip magic" };
                    yield return make([.. target, 0x1F, 0x8B, 8, 0]) with { Description = $"{name} {side} + truncated member header" };
                    for (int extra = 1; extra <= 16; extra++)
                    {
                        byte[] tail = new byte[extra];
                        random.NextBytes(tail);
                        yield return make([.. target, .. tail]) with { Description = $"{name} {side} + {extra} random bytes" };
                        yield return make([.. target, .. new byte[extra]]) with { Description = $"{name} {side} + {extra} zeros" };
                    }
                }
            }
        }

        // Havoc on the compressed bytes.
        CompressionLevel[] levels = [CompressionLevel.Fastest, CompressionLevel.NoCompression, CompressionLevel.SmallestSize];
        var bases = Bases().ToArray();
        byte[][][] compressed = levels.Select(level => bases.SelectMany(b => new[] { Gzip(b.Images, level), Gzip(b.Labels, level) }).ToArray()).ToArray();
        for (int n = 0; n < 12_000; n++)
        {
            (string name, _, byte[] labels) = bases[n % 3];
            byte[][] gz = compressed[n / 3 % 3];
            byte[] mi = n % 2 == 0 ? Havoc(gz[2 * (n % 3)], random) : gz[2 * (n % 3)];
            byte[] ml = n % 2 == 1 ? Havoc(gz[2 * (n % 3) + 1], random) : labels;
            yield return new($"{name} gzip havoc {n}", mi, ml, n % 10 == 9 ? 1 : int.MaxValue);
        }
    }

    /// <summary>An images file with the given header over at most 64 bytes of pixels, and labels announcing the same count.</summary>
    private static (byte[] Images, byte[] Labels) Extreme(int count, int rows, int columns)
    {
        long pixels = count > 0 && rows > 0 && columns > 0 && (long)rows * columns <= 64 && (long)count * rows * columns <= 64 ? (long)count * rows * columns : 64;
        byte[] data = new byte[pixels];
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (byte)(i * 41);
        }
        byte[] labels = new byte[count is > 0 and <= 64 ? count : 16];
        return (Images(count, rows, columns, data), LabelsWithCount(count, labels));
    }

    /// <summary>One to eight stacked mutations: bit flips, byte values, header fields at extremes, truncation, insertion, deletion, trailing data.</summary>
    private static byte[] Havoc(byte[] input, Random random)
    {
        var bytes = new List<byte>(input);
        int mutations = 1 + random.Next(8);
        for (int m = 0; m < mutations; m++)
        {
            int at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(9))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
                    break;
                case 2:
                    // A 32-bit header field (or any aligned word) set to an extreme.
                    int field = 4 * random.Next(4);
                    if (field + 4 <= bytes.Count)
                    {
                        var word = new byte[4];
                        BinaryPrimitives.WriteInt32BigEndian(word, s_extremes[random.Next(s_extremes.Length)]);
                        for (int k = 0; k < 4; k++)
                        {
                            bytes[field + k] = word[k];
                        }
                    }
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4:
                    bytes.Insert(at, (byte)random.Next(256));
                    break;
                case 5 when bytes.Count > 0:
                    bytes.RemoveAt(at);
                    break;
                case 6:
                    int extra = 1 + random.Next(8);
                    for (int k = 0; k < extra; k++)
                    {
                        bytes.Add((byte)random.Next(256));
                    }
                    break;
                case 7 when bytes.Count > 0:
                    bytes[at] = (byte)(bytes[at] + random.Next(-2, 3));
                    break;
                default:
                    if (bytes.Count > 2)
                    {
                        // Duplicate a stretch in place.
                        int length = 1 + random.Next(Math.Min(8, bytes.Count - at));
                        bytes.InsertRange(at, bytes.GetRange(at, length));
                    }
                    break;
            }
        }
        return [.. bytes];
    }

    // ---- Running and checking ------------------------------------------------------------------

    private sealed record FuzzCase(string Description, byte[] Images, byte[] Labels, int MaxCount = int.MaxValue);

    private sealed class Campaign
    {
        public int Cases { get; set; }

        public SortedDictionary<string, int> Outcomes { get; } = new(StringComparer.Ordinal);

        public List<string> Failures { get; } = [];

        public long MaxAllocated { get; set; }

        public string MaxAllocatedCase { get; set; } = "";

        public double MaxMilliseconds { get; set; }

        public double[] EntryMilliseconds { get; } = new double[3];
    }

    private Campaign RunCampaign(string family, Func<IEnumerable<FuzzCase>> cases)
    {
        var campaign = new Campaign();
        var stopwatch = Stopwatch.StartNew();
        // On a worker thread so that a hang fails the test instead of stalling the run.
        Task run = Task.Run(() =>
        {
            foreach (FuzzCase fuzzCase in cases())
            {
                RunCase(campaign, fuzzCase);
            }
        });
        Assert.True(run.Wait(TimeSpan.FromSeconds(120)), $"the {family} campaign did not finish within 120 s (a hang?) after {campaign.Cases} cases");
        stopwatch.Stop();

        _output.WriteLine($"{family}: {campaign.Cases:N0} cases in {stopwatch.Elapsed.TotalSeconds:F2} s; slowest case {campaign.MaxMilliseconds:F1} ms; most allocated {campaign.MaxAllocated:N0} bytes ({campaign.MaxAllocatedCase})");
        _output.WriteLine($"  reading: files {campaign.EntryMilliseconds[0]:F0} ms, trickle {campaign.EntryMilliseconds[1]:F0} ms, memory {campaign.EntryMilliseconds[2]:F0} ms");
        foreach ((string outcome, int n) in campaign.Outcomes)
        {
            _output.WriteLine($"  {outcome,-20} {n,8:N0}");
        }
        // Escaped exceptions first: they are the worst.
        campaign.Failures.Sort((a, b) => b.Contains(": escaped with", StringComparison.Ordinal).CompareTo(a.Contains(": escaped with", StringComparison.Ordinal)));
        foreach (string failure in campaign.Failures.Take(40))
        {
            _output.WriteLine(failure);
        }
        Assert.True(campaign.Failures.Count == 0,
            $"{campaign.Failures.Count} of {campaign.Cases} {family} cases broke an invariant; the first:\n{string.Join("\n", campaign.Failures.Take(10))}");
        return campaign;
    }

    private void RunCase(Campaign campaign, FuzzCase c)
    {
        int index = campaign.Cases++;
        Expected expected = Predict(c.Images, c.Labels, c.MaxCount);

        // The entry point: mostly seekable memory, one case in eight a stream that trickles a few bytes
        // per read, one in 1,024 a pair of files (writing files is slow on a busy machine).
        string imagesName = "images", labelsName = "labels";
        Func<Dataset> read;
        switch (index % 1024 == 0 ? 0 : 1 + index % 8)
        {
            case 0:
                imagesName = _folder.File("images.idx");
                labelsName = _folder.File("labels.idx");
                File.WriteAllBytes(imagesName, c.Images);
                File.WriteAllBytes(labelsName, c.Labels);
                read = () => IdxReader.Read(imagesName, labelsName, c.MaxCount);
                break;
            case 1:
                read = () => IdxReader.Read(new TrickleStream(c.Images, index), new TrickleStream(c.Labels, index + 1), imagesName, labelsName, c.MaxCount);
                break;
            default:
                read = () => IdxReader.Read(new MemoryStream(c.Images), new MemoryStream(c.Labels), imagesName, labelsName, c.MaxCount);
                break;
        }

        Dataset? data = null;
        Exception? error = null;
        long start = Stopwatch.GetTimestamp();
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            data = read();
        }
#pragma warning disable CA1031 // Any exception is an outcome to check.
        catch (Exception e)
#pragma warning restore CA1031
        {
            error = e;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        campaign.EntryMilliseconds[index % 1024 == 0 ? 0 : index % 8 == 0 ? 1 : 2] += milliseconds;
        if (milliseconds > campaign.MaxMilliseconds)
        {
            campaign.MaxMilliseconds = milliseconds;
        }
        if (allocated > campaign.MaxAllocated)
        {
            campaign.MaxAllocated = allocated;
            campaign.MaxAllocatedCase = c.Description;
        }

        string outcome = data is not null ? "success" : error is IdxFormatException f ? f.Reason.ToString() : "ESCAPED " + error!.GetType().Name;
        campaign.Outcomes[outcome] = campaign.Outcomes.GetValueOrDefault(outcome) + 1;

        string? problem = Check(expected, c, data, error, imagesName, labelsName);
        if (problem is null && allocated > PerCaseAllocationBound + 16L * (c.Images.Length + c.Labels.Length))
        {
            problem = $"allocated {allocated:N0} bytes for {c.Images.Length + c.Labels.Length} bytes of input";
        }
        if (problem is not null)
        {
            campaign.Failures.Add($"{c.Description} (maxCount {c.MaxCount}): {problem}\n  images: {Convert.ToHexString(c.Images)}\n  labels: {Convert.ToHexString(c.Labels)}");
        }
    }

    private static string? Check(Expected expected, FuzzCase c, Dataset? data, Exception? error, string imagesName, string labelsName)
    {
        if (error is not null and not IdxFormatException)
        {
            return $"escaped with {error.GetType().FullName}: {error.Message}";
        }
        if (error is IdxFormatException e)
        {
            if (e.FilePath != imagesName && e.FilePath != labelsName)
            {
                return $"names '{e.FilePath}', neither file";
            }
            if (!e.Message.Contains(e.FilePath, StringComparison.Ordinal))
            {
                return $"the message does not name '{e.FilePath}': {e.Message}";
            }
            if (!Enum.IsDefined(e.Reason))
            {
                return $"undefined reason {(int)e.Reason}";
            }
            if (expected.Unpredictable)
            {
                return null;
            }
            string expectedFile = expected.InLabels ? labelsName : imagesName;
            if (expected.Reason is null)
            {
                return $"rejected a valid input: {e.Reason}: {e.Message}";
            }
            if (e.Reason != expected.Reason || e.FilePath != expectedFile)
            {
                return $"expected {expected.Reason} in '{expectedFile}', got {e.Reason} in '{e.FilePath}': {e.Message}";
            }
            return null;
        }

        if (expected.Unpredictable)
        {
            // Damaged gzip: success is only possible when the reader stopped before the damage.
            return c.MaxCount == int.MaxValue ? "read a file whose gzip layer does not decompress" : null;
        }
        if (expected.Reason is not null)
        {
            return $"read an input that should fail with {expected.Reason}";
        }

        // A success must hold exactly the data the model reads.
        byte[] images = expected.Images!, labels = expected.Labels!;
        int rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        int columns = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        int count = Math.Min(BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4)), c.MaxCount);
        if (data!.Count != count || data.InputSize != rows * columns || data.Inputs.Length != count * rows * columns)
        {
            return $"read {data.Count} samples of {data.InputSize}, expected {count} of {rows * columns}";
        }
        for (int i = 0; i < data.Inputs.Length; i++)
        {
            if (data.Inputs[i] != images[16 + i] / 255f)
            {
                return $"input {i} is {data.Inputs[i]}, expected {images[16 + i] / 255f}";
            }
        }
        for (int i = 0; i < count; i++)
        {
            if (data.Labels[i] != labels[8 + i])
            {
                return $"label {i} is {data.Labels[i]}, expected {labels[8 + i]}";
            }
        }
        return null;
    }

    /// <summary>
    /// What the reader must do with an input: the model of the format, applied to the decompressed
    /// bytes; <see cref="Unpredictable"/> when a gzip layer does not decompress.
    /// </summary>
    private sealed record Expected(IdxFormatError? Reason, bool InLabels, bool Unpredictable = false, byte[]? Images = null, byte[]? Labels = null);

    private static Expected Predict(byte[] imagesFile, byte[] labelsFile, int maxCount)
    {
        byte[]? images = Decompress(imagesFile), labels = Decompress(labelsFile);
        if (images is null || labels is null)
        {
            return new(null, false, Unpredictable: true);
        }

        // Images header.
        if (images.Length < 4)
        {
            return new(IdxFormatError.Truncated, false);
        }
        if (BinaryPrimitives.ReadInt32BigEndian(images) != IdxReader.ImagesMagic)
        {
            return new(IdxFormatError.WrongMagic, false);
        }
        if (images.Length < 16)
        {
            return new(IdxFormatError.Truncated, false);
        }
        int count = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(4));
        int rows = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(8));
        int columns = BinaryPrimitives.ReadInt32BigEndian(images.AsSpan(12));
        if (count <= 0 || rows <= 0 || columns <= 0 || (long)rows * columns > IdxReader.MaxPixels || count * ((long)rows * columns) > IdxReader.MaxPixels)
        {
            return new(IdxFormatError.InvalidDimensions, false);
        }

        // Labels header.
        if (labels.Length < 4)
        {
            return new(IdxFormatError.Truncated, true);
        }
        if (BinaryPrimitives.ReadInt32BigEndian(labels) != IdxReader.LabelsMagic)
        {
            return new(IdxFormatError.WrongMagic, true);
        }
        if (labels.Length < 8)
        {
            return new(IdxFormatError.Truncated, true);
        }
        int labelCount = BinaryPrimitives.ReadInt32BigEndian(labels.AsSpan(4));
        if (labelCount <= 0)
        {
            return new(IdxFormatError.InvalidDimensions, true);
        }
        if (labelCount != count)
        {
            return new(IdxFormatError.CountMismatch, false);
        }

        // The data.
        int take = Math.Min(count, maxCount);
        long pixels = (long)take * rows * columns;
        if (images.Length - 16 < pixels)
        {
            return new(IdxFormatError.Truncated, false);
        }
        if (labels.Length - 8 < take)
        {
            return new(IdxFormatError.Truncated, true);
        }
        if (take == count && images.Length - 16 > pixels)
        {
            return new(IdxFormatError.TrailingData, false);
        }
        if (take == count && labels.Length - 8 > count)
        {
            return new(IdxFormatError.TrailingData, true);
        }
        return new(null, false, Images: images, Labels: labels);
    }

    /// <summary>The bytes as the reader should see them: decompressed when they start with the gzip magic; null if that fails.</summary>
    private static byte[]? Decompress(byte[] bytes)
    {
        if (bytes.Length < 2 || bytes[0] != 0x1F || bytes[1] != 0x8B)
        {
            return bytes;
        }
        try
        {
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var output = new MemoryStream();
            gzip.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    // ---- Building inputs -----------------------------------------------------------------------

    // Images, Labels and LabelsWithCount: IdxTests' builders (using static).

    private static byte[] Gzip(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>One gzip member of 64 MiB of zeros (about 64 KB), made once.</summary>
    private static readonly Lazy<byte[]> s_zeros = new(() => GzipZeros(64 << 20));

    /// <summary>One gzip member of <paramref name="length"/> zero bytes, compressed from a 1 MiB buffer.</summary>
    private static byte[] GzipZeros(int length)
    {
        var zeros = new byte[1 << 20];
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (int written = 0; written < length; written += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }
        return output.ToArray();
    }
}
