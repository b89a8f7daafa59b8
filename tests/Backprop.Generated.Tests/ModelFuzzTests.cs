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

    /// <summary>A convolution, a pool and a dense layer: a version 3 file (a record per layer).</summary>
    [Network]
    [Input(2, 4, 4)]
    [Conv2D(2, 3, Padding = 1, Activation = ActivationKind.ReLU)]
    [MaxPool2D(2)]
    [Dense(3, Activation = ActivationKind.Softmax)]
    public partial class FuzzConv { }
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
            if (info.FormatVersion >= 3)
            {
                // A record per layer: the parameters are the layers' own (a convolution's kernels, none for a pool).
                NetworkArchitecture architecture = info.Architecture;
                implied = architecture.LayerSizes.SequenceEqual(info.LayerSizes) && architecture.Activations.SequenceEqual(info.Activations) ? architecture.ParameterCount : -1;
            }
            else
            {
                for (int l = 1; l < layers; l++)
                {
                    implied += (Int128)info.LayerSizes[l - 1] * info.LayerSizes[l] + info.LayerSizes[l];
                }
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
                bool trickled = index % 4 == 0 && Run(tally, "Load(trickle stream)", fuzzCase, () => fresh = NetworkSerializer.Load<TNet>(new TrickleStream(bytes, seed: 0, maxChunk: 1)));
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
                Fuzz<FuzzConv>(tally, "conv-v3", Saved(FuzzConv.Create(seed: 3)), seed: 4242, folder);
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
}
