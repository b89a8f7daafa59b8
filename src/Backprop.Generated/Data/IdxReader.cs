using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using static System.FormattableString;

namespace Backprop;

/// <summary>The training and test halves of a dataset, as read by <see cref="IdxReader.ReadFolder"/>.</summary>
/// <param name="Training">The training samples (<c>train-*</c> files).</param>
/// <param name="Test">The test samples (<c>t10k-*</c> files).</param>
public sealed record DatasetSplit(Dataset Training, Dataset Test);

/// <summary>
/// Reads the IDX format of MNIST and Fashion-MNIST into a <see cref="Dataset"/>: pixels scaled to
/// [0, 1] (byte / 255), labels as integers.
/// </summary>
/// <remarks>
/// <para>
/// An IDX file is a big-endian header followed by unsigned bytes. Images: magic 0x00000803, then
/// the sample count, rows and columns (int32 each), then count·rows·cols pixels row by row.
/// Labels: magic 0x00000801, then the count, then one byte per sample.
/// </para>
/// <para>
/// Files may be gzip-compressed or raw: a file whose first two bytes are 1F 8B is decompressed,
/// whatever its name. Every problem raises an <see cref="IdxFormatException"/> naming the file.
/// The header is checked before any large allocation (at most <see cref="MaxPixels"/> pixels),
/// and memory grows with the data actually present, so a lying header cannot make the reader
/// allocate gigabytes.
/// </para>
/// </remarks>
public static class IdxReader
{
    /// <summary>The magic number of an IDX file of unsigned-byte images (3 dimensions).</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>The magic number of an IDX file of unsigned-byte labels (1 dimension).</summary>
    public const int LabelsMagic = 0x00000801;

    /// <summary>The most pixels (count · rows · columns) an images file may announce: 2^28, a 1 GiB float array.</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>The standard file names of the training images (optionally with a <c>.gz</c> suffix).</summary>
    public const string TrainingImagesFileName = "train-images-idx3-ubyte";

    /// <summary>The standard file names of the training labels (optionally with a <c>.gz</c> suffix).</summary>
    public const string TrainingLabelsFileName = "train-labels-idx1-ubyte";

    /// <summary>The standard file names of the test images (optionally with a <c>.gz</c> suffix).</summary>
    public const string TestImagesFileName = "t10k-images-idx3-ubyte";

    /// <summary>The standard file names of the test labels (optionally with a <c>.gz</c> suffix).</summary>
    public const string TestLabelsFileName = "t10k-labels-idx1-ubyte";

    /// <summary>The size of the largest pieces pixel data is read in; memory grows by at most this much past the data present.</summary>
    private const int ChunkSize = 1 << 22;

    /// <summary>The size of the first piece of pixel data: what a header may make the reader allocate before any data is found.</summary>
    private const int FirstChunkSize = 1 << 16;

    /// <summary>byte / 255 for every byte, correctly rounded.</summary>
    private static readonly float[] s_unitScale = CreateUnitScale();

    /// <summary>
    /// Reads the four standard files (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
    /// <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each raw or with a <c>.gz</c>
    /// suffix) from <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">The folder holding the files.</param>
    /// <param name="maxTrainingCount">Read at most this many training samples (the first ones).</param>
    /// <param name="maxTestCount">Read at most this many test samples (the first ones).</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="IdxFormatException">A file is not valid IDX, or an images file and its labels file disagree.</exception>
    public static DatasetSplit ReadFolder(string directory, int maxTrainingCount = int.MaxValue, int maxTestCount = int.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"The data folder '{Path.GetFullPath(directory)}' does not exist.");
        }

        Dataset training = Read(FindFile(directory, TrainingImagesFileName), FindFile(directory, TrainingLabelsFileName), maxTrainingCount);
        Dataset test = Read(FindFile(directory, TestImagesFileName), FindFile(directory, TestLabelsFileName), maxTestCount);
        return new DatasetSplit(training, test);
    }

    /// <summary>Reads an images file and its labels file (each gzip-compressed or raw).</summary>
    /// <param name="imagesPath">The IDX images file.</param>
    /// <param name="labelsPath">The IDX labels file.</param>
    /// <param name="maxCount">Read at most this many samples (the first ones); the rest of the files is not read.</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="IdxFormatException">A file is not valid IDX, or the two files disagree.</exception>
    public static Dataset Read(string imagesPath, string labelsPath, int maxCount = int.MaxValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        using FileStream images = OpenExisting(imagesPath);
        using FileStream labels = OpenExisting(labelsPath);
        return Read(images, labels, imagesPath, labelsPath, maxCount);
    }

    /// <summary>
    /// Reads images and labels from streams (each gzip-compressed or raw), for example embedded
    /// resources. The streams are read from their current position and left open.
    /// </summary>
    /// <param name="images">The IDX images.</param>
    /// <param name="labels">The IDX labels.</param>
    /// <param name="imagesName">The name error messages use for <paramref name="images"/>.</param>
    /// <param name="labelsName">The name error messages use for <paramref name="labels"/>.</param>
    /// <param name="maxCount">Read at most this many samples (the first ones).</param>
    /// <exception cref="IdxFormatException">The data is not valid IDX, or the two streams disagree.</exception>
    public static Dataset Read(Stream images, Stream labels, string imagesName = "images", string labelsName = "labels", int maxCount = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(imagesName);
        ArgumentNullException.ThrowIfNull(labelsName);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);

        using var imageSource = new IdxSource(images, imagesName);
        using var labelSource = new IdxSource(labels, labelsName);

        // Both headers first: a count mismatch is found before any pixel is read.
        Span<byte> header = stackalloc byte[16];
        imageSource.ReadHeader(header, ImagesMagic, "images");
        int imageCount = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        int rows = BinaryPrimitives.ReadInt32BigEndian(header[8..]);
        int columns = BinaryPrimitives.ReadInt32BigEndian(header[12..]);
        // rows · columns fits in 62 bits and, once at most MaxPixels, times the count in 59: no product can wrap.
        long imagePixels = (long)rows * columns;
        long pixels = imagePixels <= MaxPixels ? imageCount * imagePixels : long.MaxValue;
        if (imageCount <= 0 || rows <= 0 || columns <= 0 || pixels > MaxPixels)
        {
            throw imageSource.Error(IdxFormatError.InvalidDimensions,
                Invariant($"announces {imageCount} images of {rows}×{columns} pixels; expected at least one image of at least 1×1 and at most {MaxPixels:N0} pixels in all."));
        }

        labelSource.ReadHeader(header[..8], LabelsMagic, "labels");
        int labelCount = BinaryPrimitives.ReadInt32BigEndian(header[4..]);
        if (labelCount <= 0)
        {
            throw labelSource.Error(IdxFormatError.InvalidDimensions, Invariant($"announces {labelCount} labels; expected at least one."));
        }
        if (labelCount != imageCount)
        {
            throw new IdxFormatException(
                Invariant($"The images file '{imagesName}' holds {imageCount} images but the labels file '{labelsName}' holds {labelCount} labels; they must match."),
                imagesName, IdxFormatError.CountMismatch);
        }

        int count = Math.Min(imageCount, maxCount);
        int inputSize = (int)imagePixels;
        List<byte[]> pixelBytes = imageSource.ReadPixels((long)count * inputSize, 16);
        int[] labelValues = labelSource.ReadLabels(count, 8);
        if (count == imageCount)
        {
            imageSource.RequireEnd(16 + pixels);
            labelSource.RequireEnd(8 + (long)labelCount);
        }

        // Only now, with every byte present (and, for a whole file, nothing after them), the floats: four times the bytes.
        float[] inputs = ToUnitFloats(pixelBytes, (long)count * inputSize, out int offset);
        return new Dataset(inputs, offset, labelValues, inputSize);
    }

    private static string FindFile(string directory, string name)
    {
        string raw = Path.Combine(directory, name);
        if (File.Exists(raw))
        {
            return raw;
        }
        string gz = raw + ".gz";
        if (File.Exists(gz))
        {
            return gz;
        }
        throw new FileNotFoundException(
            $"The data folder '{Path.GetFullPath(directory)}' has neither '{name}' nor '{name}.gz'.", Path.GetFullPath(gz));
    }

    private static FileStream OpenExisting(string path)
    {
        if (!File.Exists(path))
        {
            string problem = Directory.Exists(path) ? "is a folder, not a file" : "does not exist";
            throw new FileNotFoundException($"The IDX file '{Path.GetFullPath(path)}' {problem}.", Path.GetFullPath(path));
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    /// <summary>The pixels of <paramref name="chunks"/> scaled to [0, 1], in storage laid out by <see cref="InputStorage"/> (they start at <paramref name="start"/>).</summary>
    private static float[] ToUnitFloats(List<byte[]> chunks, long count, out int start)
    {
        float[] pixels = InputStorage.Allocate(count, out start);
        float[] scale = s_unitScale;
        int at = start;
        foreach (byte[] chunk in chunks)
        {
            Span<float> target = pixels.AsSpan(at, chunk.Length);
            for (int i = 0; i < chunk.Length; i++)
            {
                target[i] = scale[chunk[i]];
            }
            at += chunk.Length;
        }
        return pixels;
    }

    private static float[] CreateUnitScale()
    {
        var table = new float[256];
        for (int b = 0; b < table.Length; b++)
        {
            table[b] = b / 255f;
        }
        return table;
    }

    /// <summary>One IDX input: the raw stream, decompressed when it starts with the gzip magic.</summary>
    private sealed class IdxSource : IDisposable
    {
        private readonly string _name;
        private readonly Stream _data;
        private readonly bool _compressed;

        public IdxSource(Stream stream, string name)
        {
            _name = name;
            // Peek at the first two bytes without needing a seekable stream, then replay them.
            var prefix = new byte[2];
            int read = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            Stream replay = new PrefixedStream(prefix.AsMemory(0, read), stream);
            _compressed = read == 2 && prefix[0] == 0x1F && prefix[1] == 0x8B;
            _data = _compressed ? new GZipStream(replay, CompressionMode.Decompress, leaveOpen: false) : replay;
        }

        public void Dispose() => _data.Dispose();

        /// <summary>Reads a header of <c>header.Length</c> bytes and checks its magic number.</summary>
        public void ReadHeader(Span<byte> header, int expectedMagic, string kind)
        {
            int read = Read(header);
            if (read < 4)
            {
                throw Error(IdxFormatError.Truncated, Invariant($"is truncated: expected a {header.Length}-byte IDX {kind} header but found {read} bytes."));
            }

            int magic = BinaryPrimitives.ReadInt32BigEndian(header);
            if (magic != expectedMagic)
            {
                string what = _compressed ? "after decompression, " : "";
                throw Error(IdxFormatError.WrongMagic,
                    Invariant($"is not an IDX {kind} file: {what}expected the magic number 0x{expectedMagic:X8} but found 0x{magic:X8}."));
            }
            if (read < header.Length)
            {
                throw Error(IdxFormatError.Truncated, Invariant($"is truncated: expected a {header.Length}-byte IDX {kind} header but found {read} bytes."));
            }
        }

        /// <summary>
        /// Reads <paramref name="count"/> pixel bytes in pieces that grow with the data found (the
        /// first is <see cref="FirstChunkSize"/>, each next one as large as all before it, up to
        /// <see cref="ChunkSize"/>), so a header announcing more than the file holds costs little.
        /// </summary>
        public List<byte[]> ReadPixels(long count, long offset)
        {
            var chunks = new List<byte[]>();
            long remaining = count;
            long found = 0;
            while (remaining > 0)
            {
                long size = Math.Min(remaining, Math.Clamp(found, FirstChunkSize, ChunkSize));
                var chunk = new byte[(int)size];
                int read = Read(chunk);
                found += read;
                if (read < chunk.Length)
                {
                    throw Error(IdxFormatError.Truncated,
                        Invariant($"is truncated: expected {count:N0} bytes of pixel data after the {offset}-byte header but found {found:N0}."));
                }
                chunks.Add(chunk);
                remaining -= read;
            }
            return chunks;
        }

        /// <summary>Reads <paramref name="count"/> labels.</summary>
        public int[] ReadLabels(int count, long offset)
        {
            var bytes = new byte[count];
            int read = Read(bytes);
            if (read < count)
            {
                throw Error(IdxFormatError.Truncated,
                    Invariant($"is truncated: expected {count:N0} labels after the {offset}-byte header but found {read:N0}."));
            }

            var labels = new int[count];
            for (int i = 0; i < count; i++)
            {
                labels[i] = bytes[i];
            }
            return labels;
        }

        /// <summary>Fails when anything follows the <paramref name="expectedLength"/> bytes the header announced.</summary>
        public void RequireEnd(long expectedLength)
        {
            Span<byte> probe = stackalloc byte[4096];
            long extra = 0;
            int read;
            while ((read = Read(probe)) > 0)
            {
                extra += read;
                if (extra >= 1 << 20)
                {
                    break;
                }
            }
            if (extra > 0)
            {
                string amount = extra >= 1 << 20 ? "at least 1 MiB" : Invariant($"{extra:N0} bytes");
                throw Error(IdxFormatError.TrailingData,
                    Invariant($"has {amount} of trailing data after the {expectedLength:N0} bytes its header announces."));
            }
        }

        public IdxFormatException Error(IdxFormatError reason, string problem, Exception? inner = null)
            => new($"The IDX file '{_name}' {problem}", _name, reason, inner);

        private int Read(Span<byte> buffer)
        {
            try
            {
                return _data.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            }
            catch (InvalidDataException e) when (_compressed)
            {
                throw Error(IdxFormatError.CorruptCompression, $"is not valid gzip data: {e.Message}", e);
            }
        }
    }
}
