using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.IO.Hashing;
using System.Linq;
using System.Runtime.InteropServices;
using Backprop.Generated.Tests.ModelFuzz;
using Xunit;
using Xunit.Abstractions;

// Small networks of their own for the model fuzzer: a default 3-4-2 (sigmoid, cross-entropy, also loadable from a
// version 1 file) and a mixed-activation one (version 2 only: its hidden layers differ).
namespace Backprop.Generated.Tests.ModelFuzz
{
    /// <summary>Sigmoid layers, cross-entropy: 26 parameters, a 148-byte version 2 file, a 144-byte version 1 file.</summary>
    [Network(3, 4, 2)]
    public partial class Fuzz342 { }

    /// <summary>ReLU, tanh, softmax and log-likelihood: 3 activation bytes and one byte of padding.</summary>
    [Network(3, 5, 4, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Tanh, ActivationKind.Softmax }, Cost = CostKind.LogLikelihood)]
    public partial class FuzzMixed { }
}

namespace Backprop.Generated.Tests
{
    /// <summary>
    /// A deterministic mutation fuzzer for every runtime reader of the model format: each mutated model either loads
    /// with exactly the original's parameters or fails with <see cref="ModelFormatException"/>; never another exception,
    /// a change to the network on failure, or an allocation the header alone asked for.
    /// </summary>
    public sealed class ModelFuzzTests(ITestOutputHelper output)
    {
        /// <summary>What one reader call may allocate at most: exception, message and the (small) network's buffer.</summary>
        private const long AllocationBound = 1 << 20;

        private static byte[] Saved<TNet>(TNet network) where TNet : class, INetwork<TNet>
        {
            using var stream = new MemoryStream();
            NetworkSerializer.Save(network, stream);
            return stream.ToArray();
        }

        private static byte[] WithValidCrc(byte[] bytes)
        {
            if (bytes.Length >= 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
            }
            return bytes;
        }

        /// <summary>The version 1 file of a sigmoid, cross-entropy network: same parameters, the old header.</summary>
        private static byte[] Version1(ReadOnlySpan<int> sizes, ReadOnlySpan<float> parameters)
        {
            int header = 24 + 4 * sizes.Length;
            var bytes = new byte[header + 4 * parameters.Length + 4];
            "BPGNET\r\n"u8.CopyTo(bytes);
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), 1);
            bytes[10] = 1;
            bytes[11] = (byte)ActivationKind.Sigmoid;
            bytes[12] = (byte)ActivationKind.Sigmoid;
            bytes[13] = (byte)CostKind.CrossEntropy;
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

        /// <summary>What the fuzzer records of a run: outcome counts per reader and every broken invariant.</summary>
        private sealed class Tally
        {
            private readonly SortedDictionary<string, SortedDictionary<string, int>> _counts = new(StringComparer.Ordinal);

            public List<string> Failures { get; } = [];

            public int Cases { get; set; }

            public void Count(string reader, string outcome)
            {
                if (!_counts.TryGetValue(reader, out SortedDictionary<string, int>? counts))
                {
                    _counts[reader] = counts = new(StringComparer.Ordinal);
                }
                counts[outcome] = counts.GetValueOrDefault(outcome) + 1;
            }

            public void Fail(string reader, ModelFuzzCase fuzzCase, string problem)
            {
                if (Failures.Count < 20)
                {
                    Failures.Add($"{reader} on {fuzzCase.Kind}: {problem}; input {Convert.ToHexString(fuzzCase.Bytes)}");
                }
                else
                {
                    Failures.Add("");
                }
            }

            public string Report() => string.Join(Environment.NewLine, _counts.Select(reader =>
                $"{reader.Key}: {reader.Value.Values.Sum():N0} cases: " + string.Join(", ", reader.Value.Select(o => $"{o.Key} {o.Value:N0}"))));
        }

        /// <summary>
        /// Runs <paramref name="read"/> on one case: the outcome is success or a <see cref="ModelFormatException"/>,
        /// within <see cref="AllocationBound"/>; returns whether it succeeded.
        /// </summary>
        private static bool Run(Tally tally, string reader, ModelFuzzCase fuzzCase, Action read, bool measure = true)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            bool loaded = false;
            try
            {
                read();
                loaded = true;
                tally.Count(reader, "loaded");
            }
            catch (ModelFormatException e)
            {
                tally.Count(reader, e.Reason.ToString());
                if (!Enum.IsDefined(e.Reason))
                {
                    tally.Fail(reader, fuzzCase, $"undefined reason {(int)e.Reason}");
                }
            }
#pragma warning disable CA1031 // Any other exception is exactly what the fuzzer looks for.
            catch (Exception e)
#pragma warning restore CA1031
            {
                tally.Count(reader, "OTHER " + e.GetType().Name);
                tally.Fail(reader, fuzzCase, $"threw {e.GetType().Name}: {e.Message}");
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (measure && allocated > AllocationBound)
            {
                tally.Fail(reader, fuzzCase, $"allocated {allocated:N0} bytes");
            }
            return loaded;
        }

        private static void CheckInfo(Tally tally, string reader, ModelFuzzCase fuzzCase, ModelInfo info)
        {
            int layers = info.LayerSizes.Count;
            Int128 implied = 0;
            for (int l = 1; l < layers; l++)
            {
                implied += (Int128)info.LayerSizes[l - 1] * info.LayerSizes[l] + info.LayerSizes[l];
            }
            if (layers is < NetworkSerializer.MinLayerCount or > NetworkSerializer.MaxLayerCount
                || info.LayerSizes.Any(size => size < 1)
                || info.Activations.Count != layers - 1
                || info.FormatVersion is < NetworkSerializer.MinFormatVersion or > NetworkSerializer.FormatVersion
                || implied != info.ParameterCount
                || info.ParameterCount > int.MaxValue)
            {
                tally.Fail(reader, fuzzCase, $"read an impossible header: {info.Shape}, {info.Functions}, {info.ParameterCount} parameters");
            }
        }

        /// <summary>Every stream reader on every mutation of <paramref name="original"/>, and the path readers on a sample.</summary>
        private static void Fuzz<TNet>(Tally tally, string label, byte[] original, int seed, string folder) where TNet : class, INetwork<TNet>
        {
            TNet reference = NetworkSerializer.Load<TNet>(new MemoryStream(original));
            byte[] expected = MemoryMarshal.AsBytes(reference.Parameters).ToArray();
            TNet target = TNet.Create();
            var sentinel = new float[TNet.ParameterCount];
            sentinel.AsSpan().Fill(BitConverter.Int32BitsToSingle(0x7FC0_BEEF));
            string path = Path.Combine(folder, label + ".bpnet");
            int index = 0;

            foreach (ModelFuzzCase fuzzCase in ModelMutator.Cases(original, seed))
            {
                tally.Cases++;
                byte[] bytes = fuzzCase.Bytes;

                // LoadInto a stream: on success exactly the original parameters, on failure the network untouched.
                sentinel.CopyTo(target.Parameters);
                bool loaded = Run(tally, "LoadInto(Stream)", fuzzCase, () => NetworkSerializer.LoadInto(target, new MemoryStream(bytes), "fuzz"));
                ReadOnlySpan<byte> now = MemoryMarshal.AsBytes(target.Parameters);
                if (loaded ? !now.SequenceEqual(expected) : !now.SequenceEqual(MemoryMarshal.AsBytes(sentinel.AsSpan())))
                {
                    tally.Fail("LoadInto(Stream)", fuzzCase, loaded ? "loaded other parameters than the original's" : "changed the network and failed");
                }

                // Load from a stream that hands out one byte per read and cannot seek, on every 4th case.
                TNet? fresh = null;
                bool trickled = index % 4 == 0 && Run(tally, "Load(trickle stream)", fuzzCase, () => fresh = NetworkSerializer.Load<TNet>(new TrickleStream(bytes)));
                if (index % 4 == 0 && (trickled != loaded || (trickled && !MemoryMarshal.AsBytes(fresh!.Parameters).SequenceEqual(expected))))
                {
                    tally.Fail("Load(trickle stream)", fuzzCase, $"disagrees with LoadInto(Stream) ({trickled} vs {loaded}) or loaded other parameters");
                }

                ModelInfo? info = null;
                if (Run(tally, "ReadInfo(Stream)", fuzzCase, () => info = NetworkSerializer.ReadInfo(new MemoryStream(bytes))))
                {
                    CheckInfo(tally, "ReadInfo(Stream)", fuzzCase, info!);
                }
                else if (loaded)
                {
                    tally.Fail("ReadInfo(Stream)", fuzzCase, "rejected a header that loads");
                }

                // The path readers (FileStream and all) on every 16th case: a file write each is slower.
                if (index++ % 16 == 0)
                {
                    File.WriteAllBytes(path, bytes);
                    bool fromFile = Run(tally, "Load(path)", fuzzCase, () => fresh = NetworkSerializer.Load<TNet>(path), measure: false);
                    if (fromFile != loaded || (fromFile && !MemoryMarshal.AsBytes(fresh!.Parameters).SequenceEqual(expected)))
                    {
                        tally.Fail("Load(path)", fuzzCase, $"disagrees with LoadInto(Stream) ({fromFile} vs {loaded}) or loaded other parameters");
                    }
                    sentinel.CopyTo(target.Parameters);
                    bool into = Run(tally, "LoadInto(path)", fuzzCase, () => NetworkSerializer.LoadInto(target, path), measure: false);
                    if (into != loaded || !MemoryMarshal.AsBytes(target.Parameters).SequenceEqual(into ? expected.AsSpan() : MemoryMarshal.AsBytes(sentinel.AsSpan())))
                    {
                        tally.Fail("LoadInto(path)", fuzzCase, "disagrees with LoadInto(Stream), loaded other parameters or changed the network and failed");
                    }
                    if (Run(tally, "ReadInfo(path)", fuzzCase, () => info = NetworkSerializer.ReadInfo(path), measure: false))
                    {
                        CheckInfo(tally, "ReadInfo(path)", fuzzCase, info!);
                    }
                }
            }
        }

        [Fact]
        public void Every_mutation_of_a_model_fails_with_ModelFormatException_or_loads_the_original_parameters()
        {
            string folder = Path.Combine(Path.GetTempPath(), "bpg-fuzz-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            var tally = new Tally();
            var clock = Stopwatch.StartNew();
            TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
            try
            {
                var small = Fuzz342.Create(seed: 1);
                Fuzz<Fuzz342>(tally, "342-v2", Saved(small), seed: 342, folder);
                Fuzz<Fuzz342>(tally, "342-v1", Version1(Fuzz342.LayerSizes, small.Parameters), seed: 1342, folder);
                Fuzz<FuzzMixed>(tally, "mixed-v2", Saved(FuzzMixed.Create(seed: 2)), seed: 3542, folder);
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }

            output.WriteLine($"{tally.Cases:N0} mutated models in {clock.Elapsed.TotalSeconds:F1} s ({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s of CPU)");
            output.WriteLine(tally.Report());
            foreach (string failure in tally.Failures.Where(f => f.Length > 0))
            {
                output.WriteLine(failure);
            }
            Assert.True(tally.Cases > 25_000, $"only {tally.Cases} cases");
            Assert.True(tally.Failures.Count == 0, $"{tally.Failures.Count} broken invariants, the first: {tally.Failures.FirstOrDefault()}");
        }

        [Fact]
        public void A_stream_that_never_ends_is_read_only_as_far_as_the_model_goes()
        {
            // Zeros from the start: the magic is wrong after at most 16 bytes.
            var zeros = new EndlessStream([]);
            Assert.Equal(ModelFormatError.WrongMagic,
                Assert.Throws<ModelFormatException>(() => NetworkSerializer.Load<Fuzz342>(zeros)).Reason);
            Assert.True(zeros.Consumed < 1024, $"read {zeros.Consumed} bytes");

            // A valid model and then zeros forever: trailing data, found after a bounded look past the checksum.
            byte[] model = Saved(Fuzz342.Create(seed: 3));
            var endless = new EndlessStream(model);
            Assert.Equal(ModelFormatError.TrailingData,
                Assert.Throws<ModelFormatException>(() => NetworkSerializer.Load<Fuzz342>(endless)).Reason);
            Assert.True(endless.Consumed < model.Length + 1024, $"read {endless.Consumed} bytes");

            var header = new EndlessStream(model);
            Assert.Equal(26, NetworkSerializer.ReadInfo(header).ParameterCount);
            Assert.True(header.Consumed < 1024, $"read {header.Consumed} bytes");
        }

        /// <summary>
        /// Found by the fuzzer's synthesized headers: version 2, layers of 1 and 2^30 neurons, 2^31 parameters announced
        /// correctly and no data at all. ReadInfo accepted it and reported 2^31 parameters, more than any network (whose
        /// ParameterCount is an int) holds. Now the header is invalid before anything is allocated.
        /// </summary>
        [Fact]
        public void Regression_a_header_claiming_two_to_the_31_parameters_is_rejected_before_anything_is_allocated()
        {
            byte[] bytes = Convert.FromHexString("4250474E45540D0A02000100000202000100000000000040050000000000008000000000");
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Equal(ModelFormatError.InvalidHeader,
                Assert.Throws<ModelFormatException>(() => NetworkSerializer.ReadInfo(new MemoryStream(bytes))).Reason);
            Assert.Equal(ModelFormatError.InvalidHeader,
                Assert.Throws<ModelFormatException>(() => NetworkSerializer.Load<Fuzz342>(new MemoryStream(bytes))).Reason);
            Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBound);
        }

        /// <summary>
        /// Headers whose layer sizes imply more parameters than a network holds (its ParameterCount is an int), which
        /// ReadInfo accepted before: the first two found by the fuzzer's synthesized headers (3-2-2147483647-2 in version
        /// 1, announcing 2^33 + 5 parameters; 2-1073741824 in version 2, 3·2^30, with garbage after it), the third by
        /// reading the check for the fuzzer: five layers of int.MaxValue neurons imply 4·(2^62 − 2^31) parameters, which
        /// wrapped the 64-bit sum to −2^33, the count this header announces, so that ReadInfo reported a negative count.
        /// </summary>
        [Theory]
        [InlineData("4250474E45540D0A01000101010204000300000002000000FFFFFF7F020000000500008002000000C18197A1E8081ECF")]
        [InlineData("4250474E45540D0A0200010000020200020000000000004002000000000000C00000000049F5D300ADE7CAB951E8E93B9DEBB4AEB82B0C489A9DCA49AF3E3FD0AC940A79C1C1966B0EE494055BE936D3385FF299579249F52A0CEDC105C096")]
        [InlineData("4250474E45540D0A0200010000020500FFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7F0101010100000000FEFFFFFF360A6CFF")]
        public void Regression_layer_sizes_implying_more_than_int_MaxValue_parameters_are_an_invalid_header(string hex)
        {
            byte[] bytes = Convert.FromHexString(hex);
            var e = Assert.Throws<ModelFormatException>(() => NetworkSerializer.ReadInfo(new MemoryStream(bytes), "regression"));
            Assert.Equal(ModelFormatError.InvalidHeader, e.Reason);
            Assert.Contains("more parameters than a network can hold", e.Message, StringComparison.Ordinal);
            Assert.Equal(ModelFormatError.InvalidHeader,
                Assert.Throws<ModelFormatException>(() => NetworkSerializer.Load<Fuzz342>(new MemoryStream(bytes))).Reason);
        }

        /// <summary>A read-only, unseekable stream that gives at most one byte per read.</summary>
        private sealed class TrickleStream(byte[] bytes) : Stream
        {
            private int _position;

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                if (buffer.IsEmpty || _position == bytes.Length)
                {
                    return 0;
                }
                buffer[0] = bytes[_position++];
                return 1;
            }

            public override void Flush() { }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }

        /// <summary><paramref name="prefix"/>, then zeros forever; counts what was read.</summary>
        private sealed class EndlessStream(byte[] prefix) : Stream
        {
            public long Consumed { get; private set; }

            public override bool CanRead => true;

            public override bool CanSeek => false;

            public override bool CanWrite => false;

            public override long Length => throw new NotSupportedException();

            public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

            public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

            public override int Read(Span<byte> buffer)
            {
                for (int i = 0; i < buffer.Length; i++)
                {
                    buffer[i] = Consumed + i < prefix.Length ? prefix[Consumed + i] : (byte)0;
                }
                Consumed += buffer.Length;
                return buffer.Length;
            }

            public override void Flush() { }

            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

            public override void SetLength(long value) => throw new NotSupportedException();

            public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        }
    }

    /// <summary>One mutated model and how it was made.</summary>
    internal readonly record struct ModelFuzzCase(string Kind, byte[] Bytes);

    /// <summary>
    /// Deterministic mutations of a valid model file (format v1 or v2, read from its own header): exhaustive bit flips,
    /// byte sets, truncations, insertions and deletions; random chunk duplications and stacked mutations; every header
    /// field at extreme values, with the stored CRC-32 left or recomputed; random garbage; synthesized headers of
    /// extreme sizes with data of the wrong length.
    /// </summary>
    internal static class ModelMutator
    {
        private static readonly long[] s_extremes =
        [
            0, 1, -1, 2, 3, 31, 32, 33, 255, 256, 0x7FFF, 0xFFFF, 0x10000, 1 << 30, int.MaxValue, int.MinValue, uint.MaxValue,
            1L << 31, 1L << 32, long.MaxValue, long.MinValue,
        ];

        /// <summary>A header field: its offset and width in bytes.</summary>
        private readonly record struct Field(string Name, int Offset, int Width);

        private static List<Field> Fields(byte[] model)
        {
            int version = BinaryPrimitives.ReadUInt16LittleEndian(model.AsSpan(8));
            int layers = BinaryPrimitives.ReadUInt16LittleEndian(model.AsSpan(14));
            var fields = new List<Field> { new("version", 8, 2), new("element", 10, 1), new("byte11", 11, 1), new("byte12", 12, 1), new("cost", 13, 1), new("layers", 14, 2) };
            for (int l = 0; l < layers; l++)
            {
                fields.Add(new($"size{l + 1}", 16 + 4 * l, 4));
            }
            int activationBytes = version == 1 ? 0 : (layers - 1 + 3) & ~3;
            for (int i = 0; i < activationBytes; i++)
            {
                fields.Add(new($"activation{i}", 16 + 4 * layers + i, 1));
            }
            fields.Add(new("count", 16 + 4 * layers + activationBytes, 8));
            fields.Add(new("count-low", 16 + 4 * layers + activationBytes, 4));
            fields.Add(new("crc", model.Length - 4, 4));
            return fields;
        }

        private static byte[] Set(byte[] model, Field field, long value)
        {
            byte[] copy = (byte[])model.Clone();
            for (int i = 0; i < field.Width; i++)
            {
                copy[field.Offset + i] = (byte)(value >> (8 * i));
            }
            return copy;
        }

        private static byte[] Splice(byte[] bytes, int at, int remove, ReadOnlySpan<byte> insert)
        {
            var result = new byte[bytes.Length - remove + insert.Length];
            bytes.AsSpan(0, at).CopyTo(result);
            insert.CopyTo(result.AsSpan(at));
            bytes.AsSpan(at + remove).CopyTo(result.AsSpan(at + insert.Length));
            return result;
        }

        private static byte[] RandomBytes(Random random, int count)
        {
            var bytes = new byte[count];
            random.NextBytes(bytes);
            return bytes;
        }

        private static byte[] Crc(byte[] bytes)
        {
            if (bytes.Length >= 4)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), Crc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)));
            }
            return bytes;
        }

        /// <summary>One random structural mutation of <paramref name="bytes"/>.</summary>
        private static byte[] Mutate(Random random, byte[] bytes, List<Field> fields)
        {
            int n = bytes.Length;
            switch (n == 0 ? 3 : random.Next(7))
            {
                case 0:
                    {
                        byte[] copy = (byte[])bytes.Clone();
                        copy[random.Next(n)] ^= (byte)(1 << random.Next(8));
                        return copy;
                    }
                case 1:
                    {
                        byte[] copy = (byte[])bytes.Clone();
                        copy[random.Next(n)] = random.Next(3) switch { 0 => 0, 1 => 0xFF, _ => (byte)random.Next(256) };
                        return copy;
                    }
                case 2:
                    return bytes[..random.Next(n)];
                case 3:
                    return Splice(bytes, random.Next(n + 1), 0, RandomBytes(random, 1 + random.Next(16)));
                case 4:
                    {
                        int at = random.Next(n);
                        return Splice(bytes, at, Math.Min(n - at, 1 + random.Next(16)), []);
                    }
                case 5:
                    {
                        int start = random.Next(n), length = 1 + random.Next(Math.Min(64, n - start));
                        return Splice(bytes, random.Next(n + 1), 0, bytes.AsSpan(start, length));
                    }
                default:
                    {
                        Field field = fields[random.Next(fields.Count)];
                        return field.Offset + field.Width <= n ? Set(bytes, field, s_extremes[random.Next(s_extremes.Length)]) : bytes[..(n / 2)];
                    }
            }
        }

        public static IEnumerable<ModelFuzzCase> Cases(byte[] model, int seed)
        {
            var random = new Random(seed);
            int n = model.Length;
            List<Field> fields = Fields(model);

            for (int i = 0; i < n; i++)
            {
                for (int bit = 0; bit < 8; bit++)
                {
                    byte[] copy = (byte[])model.Clone();
                    copy[i] ^= (byte)(1 << bit);
                    yield return new("bit flip", copy);
                }
                foreach (byte value in new byte[] { 0, 0xFF, (byte)random.Next(256) })
                {
                    byte[] copy = (byte[])model.Clone();
                    copy[i] = value;
                    yield return new("byte set", copy);
                }
                yield return new("truncation", model[..i]);
                yield return new("deletion", Splice(model, i, 1, []));
                yield return new("insertion", Splice(model, i, 0, [(byte)random.Next(256)]));
            }
            yield return new("insertion", [.. model, 0]);

            for (int i = 0; i < 300; i++)
            {
                yield return new("chunk insertion", Splice(model, random.Next(n + 1), 0, RandomBytes(random, 1 + random.Next(32))));
                int start = random.Next(n), length = 1 + random.Next(n - start);
                yield return new("chunk duplication", Splice(model, random.Next(n + 1), 0, model.AsSpan(start, length)));
                int at = random.Next(n);
                yield return new("chunk deletion", Splice(model, at, 1 + random.Next(n - at), []));
                yield return new("appended bytes", [.. model, .. RandomBytes(random, 1 + random.Next(300))]);
            }

            // Header fields at extremes, the checksum as stored (fails it) and recomputed (reaches the header checks).
            foreach (Field field in fields)
            {
                foreach (long value in s_extremes)
                {
                    yield return new($"{field.Name} = {value}", Set(model, field, value));
                    if (field.Name != "crc")
                    {
                        yield return new($"{field.Name} = {value}, CRC fixed", Crc(Set(model, field, value)));
                    }
                }
            }

            // Stacked random mutations.
            for (int i = 0; i < 2000; i++)
            {
                byte[] bytes = model;
                for (int k = 1 + random.Next(4); k > 0; k--)
                {
                    bytes = Mutate(random, bytes, fields);
                }
                yield return new("stacked", bytes);
            }

            // Garbage: random bytes, then the magic and random bytes, then a valid fixed header and random bytes.
            for (int i = 0; i < 700; i++)
            {
                yield return new("garbage", RandomBytes(random, random.Next(400)));
                yield return new("magic + garbage", [.. model.AsSpan(0, 8), .. RandomBytes(random, random.Next(400))]);
                yield return new("fixed header + garbage", [.. model.AsSpan(0, 16), .. RandomBytes(random, random.Next(400))]);
            }

            // Synthesized headers: extreme layer counts and sizes, a parameter count that wraps like an unchecked writer's,
            // then data of the wrong length with or without a matching CRC. Tanh and quadratic: no network of the fuzzer
            // has them, so even a synthesized file that checks out must not load.
            int[] sizeChoices = [1, 2, 3, 4, 0xFFFF, 0x10000, 1 << 30, int.MaxValue, 0, -1, int.MinValue];
            for (int i = 0; i < 1500; i++)
            {
                int version = 1 + random.Next(2);
                int layers = random.Next(5) switch { 0 => random.Next(40), 1 => 32, _ => 2 + random.Next(4) };
                int activationBytes = version == 1 ? 0 : (Math.Max(layers, 1) - 1 + 3) & ~3;
                var header = new byte[16 + 4 * layers + activationBytes + 8];
                model.AsSpan(0, 8).CopyTo(header);
                header[8] = (byte)version;
                header[10] = 1;
                if (version == 1)
                {
                    header[11] = header[12] = (byte)ActivationKind.Sigmoid;
                }
                header[13] = (byte)CostKind.Quadratic;
                BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(14), (ushort)layers);
                long wrapped = 0;
                for (int l = 0; l < layers; l++)
                {
                    int size = sizeChoices[random.Next(random.Next(2) == 0 ? 4 : sizeChoices.Length)];
                    BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(16 + 4 * l), size);
                    if (l > 0)
                    {
                        wrapped = unchecked(wrapped + (long)BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12 + 4 * l)) * size + size);
                    }
                }
                for (int l = 0; l < layers - 1 && version == 2; l++)
                {
                    header[16 + 4 * layers + l] = (byte)ActivationKind.Tanh;
                }
                BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(header.Length - 8), random.Next(4) == 0 ? s_extremes[random.Next(s_extremes.Length)] : wrapped);
                byte[] bytes = [.. header, .. RandomBytes(random, random.Next(4) == 0 ? 4 * random.Next(64) + 4 : random.Next(200))];
                yield return new("synthesized header", random.Next(2) == 0 ? Crc(bytes) : bytes);
            }
        }
    }
}
