using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using Backprop;
using Backprop.Onnx;
using Google.Protobuf;
using Onnx;
using SharpFuzz;

namespace Backprop.Generated.Fuzz;

/// <summary>The small network the <c>model</c> target loads saved models into (generated at build time).</summary>
[Network(4, 3, 2, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax)]
public sealed partial class FuzzNet { }

/// <summary>A network of every layer record the model file's version 3 holds: the model corpus's convolutional seed.</summary>
[Network]
[Input(2, 6, 6)]
[Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Conv2D(2, 2, KernelWidth = 3, Activation = ActivationKind.Tanh)]
[Dense(3, Activation = ActivationKind.Softmax)]
public sealed partial class FuzzConvNet { }

/// <summary>
/// Fuzz targets for the runtime's parsers. Each treats its documented exception as a rejected input and lets any
/// other escape, which is what the fuzzer (or the replay mode) reports as a crash.
/// <code>
/// Backprop.Generated.Fuzz TARGET                 libFuzzer mode (run under libfuzzer-dotnet)
/// Backprop.Generated.Fuzz TARGET --afl           AFL mode (run under afl-fuzz)
/// Backprop.Generated.Fuzz TARGET PATH...         replay files, or every file of folders, and count outcomes
/// Backprop.Generated.Fuzz TARGET --mutate N PATH...  replay N deterministic mutations of the files (no fuzzer needed)
/// Backprop.Generated.Fuzz write-corpus FOLDER    write the seed corpus (FOLDER/model, FOLDER/idx, FOLDER/csv, FOLDER/onnx)
/// </code>
/// Targets: model, model-info, idx, onnx, csv (CsvTarget.cs).
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, Func<ReadOnlyMemory<byte>, bool>> Targets = new(StringComparer.Ordinal)
    {
        ["model"] = Model,
        ["model-info"] = ModelInfo,
        ["idx"] = Idx,
        ["onnx"] = Onnx,
        ["csv"] = CsvTarget.Csv,
    };

    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "write-corpus")
        {
            WriteCorpus(args[1]);
            return 0;
        }
        if (args.Length == 0 || !Targets.TryGetValue(args[0], out Func<ReadOnlyMemory<byte>, bool>? target))
        {
            Console.Error.WriteLine("usage: Backprop.Generated.Fuzz (model|model-info|idx|onnx|csv) [--afl | FILE-OR-FOLDER...] | write-corpus FOLDER");
            return 2;
        }

        if (args.Length == 1)
        {
            Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
            return 0;
        }
        if (args.Length == 2 && args[1] == "--afl")
        {
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var buffer = new MemoryStream();
                stream.CopyTo(buffer);
                target(buffer.ToArray());
            });
            return 0;
        }
        if (args.Length >= 4 && args[1] == "--mutate" && int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
        {
            (string, byte[])[] seeds = Files(args.Skip(3)).Select(f => (f, File.ReadAllBytes(f))).ToArray();
            return Replay(args[0], target, args[0] == "csv" ? CsvTarget.Mutations(seeds, count) : Mutations(seeds, count, varints: args[0] == "onnx"));
        }
        return Replay(args[0], target, Files(args.Skip(1)).Select(f => (f, File.ReadAllBytes(f))));
    }

    /// <summary>A saved model loaded into <see cref="FuzzNet"/>: valid (true), or <see cref="ModelFormatException"/> (false).</summary>
    private static bool Model(ReadOnlyMemory<byte> data)
    {
        using var stream = new MemoryStream(data.ToArray(), writable: false);
        try
        {
            FuzzNet network = NetworkSerializer.Load<FuzzNet>(stream, "fuzz");
            if (network.Parameters.Length != FuzzNet.ParameterCount)
            {
                throw new InvalidOperationException("a loaded model has the wrong parameter count");
            }
            return true;
        }
        catch (ModelFormatException)
        {
            return false;
        }
    }

    /// <summary>A saved model's header: read (true), or <see cref="ModelFormatException"/> (false).</summary>
    private static bool ModelInfo(ReadOnlyMemory<byte> data)
    {
        using var stream = new MemoryStream(data.ToArray(), writable: false);
        try
        {
            ModelInfo info = NetworkSerializer.ReadInfo(stream, "fuzz");
            if (info.LayerSizes.Count < NetworkSerializer.MinLayerCount || info.LayerSizes.Count > NetworkSerializer.MaxLayerCount)
            {
                throw new InvalidOperationException($"ReadInfo accepted {info.LayerSizes.Count} layers");
            }
            return true;
        }
        catch (ModelFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// IDX images and labels (each raw or gzip): read (true), or <see cref="IdxFormatException"/> (false). The input is a
    /// 16-bit little-endian length n, then n bytes of images (fewer if the input is shorter), then the labels.
    /// </summary>
    private static bool Idx(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> span = data.Span;
        int length = span.Length >= 2 ? Math.Min(BinaryPrimitives.ReadUInt16LittleEndian(span), span.Length - 2) : 0;
        byte[] all = data.ToArray();
        int start = Math.Min(2, all.Length);
        using var images = new MemoryStream(all, start, length, writable: false);
        using var labels = new MemoryStream(all, start + length, all.Length - start - length, writable: false);
        try
        {
            Dataset dataset = IdxReader.Read(images, labels, "images", "labels");
            if (dataset.Count <= 0 || dataset.Inputs.Length != dataset.Count * dataset.InputSize)
            {
                throw new InvalidOperationException($"IdxReader accepted {dataset.Count} samples of {dataset.InputSize}");
            }
            return true;
        }
        catch (IdxFormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// An ONNX model imported with <see cref="OnnxImporter"/>: accepted (true), or <see cref="OnnxImportException"/>
    /// (false). What it accepts must be self-consistent: its parameter count follows from its layers' shapes, it saves and
    /// reads back equal, its ONNX re-export imports back bit for bit, and its widths are the ones the graph declares.
    /// Accepted or not, the import may allocate no more than <see cref="OnnxAllocationLimit"/> for the input's size: a
    /// small file that announces a huge tensor is refused before that tensor is allocated.
    /// </summary>
    private static bool Onnx(ReadOnlyMemory<byte> data)
    {
        byte[] bytes = data.ToArray();
        ModelData? model = null;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            model = OnnxImporter.Import(stream, "fuzz.onnx");
        }
        catch (OnnxImportException)
        {
            // Rejected: only the allocations are checked.
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > OnnxAllocationLimit(bytes.Length))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"importing {bytes.Length:N0} bytes allocated {allocated:N0} bytes ({(model is null ? "rejected" : "accepted")})"));
        }
        if (model is null)
        {
            return false;
        }

        IReadOnlyList<int> sizes = model.LayerSizes;
        if (sizes.Count < NetworkSerializer.MinLayerCount || sizes.Count > NetworkSerializer.MaxLayerCount ||
            model.Activations.Count != sizes.Count - 1 || sizes.Any(size => size < 1))
        {
            throw new InvalidOperationException($"the importer accepted a {model.Shape} model with {model.Activations.Count} activations");
        }
        long expected = 0;
        foreach (LayerInfo layer in model.Architecture.Layers)
        {
            expected += layer.Kind switch
            {
                LayerKind.Dense => (long)layer.Output.Size * layer.Input.Size + layer.Output.Size,
                LayerKind.Conv2D or LayerKind.Conv1D =>
                    (long)layer.Output.Channels * (layer.Input.Channels * (long)layer.KernelHeight * layer.KernelWidth + 1),
                _ => 0,
            };
        }
        if (model.ParameterCount != expected)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"the importer accepted a {model.Shape} model with {model.ParameterCount} parameters, not {expected}"));
        }

        CheckDeclaredShapes(bytes, model);

        using (var saved = new MemoryStream())
        {
            NetworkSerializer.Save(model, saved);
            saved.Position = 0;
            CheckSame(model, NetworkSerializer.ReadModel(saved, "saved"), "saved and read back");
        }
        using (var exported = new MemoryStream(OnnxExporter.ToBytes(model), writable: false))
        {
            CheckSame(model, OnnxImporter.Import(exported, "re-exported.onnx"), "re-exported to ONNX and imported");
        }
        return true;
    }

    /// <summary>
    /// The accepted model's widths agree with the shapes the graph declares, where it declares them: the input's
    /// dimensions after the batch (all numbers) multiply (exactly) to <see cref="ModelData.InputSize"/>, and the output's
    /// second one, if a number, is <see cref="ModelData.OutputSize"/>.
    /// </summary>
    private static void CheckDeclaredShapes(byte[] bytes, ModelData model)
    {
        GraphProto graph = ModelProto.Parser.ParseFrom(bytes).Graph;
        var constants = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        constants.UnionWith(graph.Node.Where(n => n.OpType == "Constant" && n.Output.Count == 1).Select(n => n.Output[0]));
        ValueInfoProto input = graph.Input.Single(value => !constants.Contains(value.Name));
        if (input.Type?.TensorType?.Shape is TensorShapeProto shape &&
            shape.Dim.Skip(1).All(dim => dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue > 0))
        {
            BigInteger features = shape.Dim.Skip(1).Aggregate(BigInteger.One, (product, dim) => product * dim.DimValue);
            if (features != model.InputSize)
            {
                throw new InvalidOperationException($"the importer accepted a {model.Shape} model whose input '{input.Name}' has {features} features per sample");
            }
        }
        if (graph.Output.Single().Type?.TensorType?.Shape is TensorShapeProto output && output.Dim.Count == 2 &&
            output.Dim[1].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && output.Dim[1].DimValue != model.OutputSize)
        {
            throw new InvalidOperationException($"the importer accepted a {model.Shape} model whose output has {output.Dim[1].DimValue} features");
        }
    }

    /// <summary>
    /// What importing <paramref name="length"/> bytes may allocate: 16 MB, plus 64 bytes per input byte (the parsed
    /// messages, the values, their transposes, the parameters and the model's copy of them all scale with the input).
    /// </summary>
    private static long OnnxAllocationLimit(int length) => (16L << 20) + 64L * length;

    private static void CheckSame(ModelData expected, ModelData actual, string how)
    {
        bool same = expected.Architecture.Equals(actual.Architecture) &&
            expected.LayerSizes.SequenceEqual(actual.LayerSizes) &&
            expected.Activations.SequenceEqual(actual.Activations) &&
            expected.Cost == actual.Cost &&
            MemoryMarshal.AsBytes(expected.Parameters).SequenceEqual(MemoryMarshal.AsBytes(actual.Parameters));
        if (!same)
        {
            throw new InvalidOperationException($"the imported {expected} {how} is {actual}, or its parameters differ");
        }
    }

    /// <summary>Runs <paramref name="target"/> over files and folders; prints the counts; 1 when anything crashed.</summary>
    private static int Replay(string name, Func<ReadOnlyMemory<byte>, bool> target, IEnumerable<(string File, byte[] Data)> inputs)
    {
        int accepted = 0, rejected = 0, crashed = 0;
        foreach ((string file, byte[] data) in inputs)
        {
            try
            {
                if (target(data))
                {
                    accepted++;
                }
                else
                {
                    rejected++;
                }
            }
#pragma warning disable CA1031 // Any other exception is the finding: report it and go on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                crashed++;
                Console.WriteLine($"CRASH {file}: {e}");
                if (file.Contains('#', StringComparison.Ordinal))
                {
                    string saved = $"crash-{name}-{crashed}.bin";
                    File.WriteAllBytes(saved, data);
                    Console.WriteLine($"  input saved as {saved}");
                }
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {accepted} accepted, {rejected} rejected, {crashed} crashed"));
        return crashed == 0 ? 0 : 1;
    }

    private static IEnumerable<string> Files(IEnumerable<string> paths) =>
        paths.SelectMany<string, string>(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : new[] { p });

    /// <summary>
    /// <paramref name="count"/> mutations of the seeds, from a fixed seed: random bit flips, interesting bytes and
    /// 32-bit values (0, −1, int.MaxValue, big-endian small ones), truncations, insertions and duplicated chunks.
    /// Not coverage-guided: a quick smoke run that needs no fuzzer. With <paramref name="varints"/> (the protobuf of the
    /// <c>onnx</c> target), a further edit replaces the varint at a random offset by an interesting 64-bit value (sizes,
    /// lengths, dimensions, enum values), padded to the old varint's length where it is shorter so that the lengths of
    /// the enclosing messages still hold.
    /// </summary>
    private static IEnumerable<(string File, byte[] Data)> Mutations((string File, byte[] Data)[] seeds, int count, bool varints = false)
    {
        var random = new Random(20_261_202);
        int[] interesting = [0, -1, 1, int.MaxValue, int.MinValue, 0x7F, 0xFF, 0x100, 0x10000, 0x01000000, 32, 33];
        long[] interestingVarints =
        [
            0, 1, 2, 3, 7, 8, 9, 11, 0x7F, 0x80, 0xFF, 0x3FFF, 0x4000, 0xFFFF, 1 << 28, (1 << 28) - 1, 16_383, 16_384, 65_536,
            int.MaxValue, int.MaxValue + 1L, uint.MaxValue, 1L << 32, (1L << 62) + 1, long.MaxValue, -1, -2, int.MinValue,
        ];
        for (int i = 0; i < count && seeds.Length > 0; i++)
        {
            (string file, byte[] seed) = seeds[random.Next(seeds.Length)];
            var data = new List<byte>(seed);
            bool structuredOnly = false;
            if (varints && random.Next(2) == 0 && OnnxMutator.Mutate(seed, random) is byte[] structured)
            {
                // Half the onnx inputs: the seed parsed and edited as an ONNX model, a third of those then edited as bytes.
                data = [.. structured];
                structuredOnly = random.Next(3) != 0;
            }
            int edits = structuredOnly ? 0 : 1 + random.Next(4);
            for (int e = 0; e < edits; e++)
            {
                int at = data.Count == 0 ? 0 : random.Next(data.Count);
                switch (random.Next(varints ? 7 : 6))
                {
                    case 6 when data.Count > 0:
                        long replacement = random.Next(3) == 0 ? random.NextInt64(1L << 36) : interestingVarints[random.Next(interestingVarints.Length)];
                        ReplaceVarint(data, at, replacement);
                        break;
                    case 0 when data.Count > 0:
                        data[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 1 when data.Count > 0:
                        data[at] = (byte)random.Next(256);
                        break;
                    case 2 when data.Count >= 4:
                        at = Math.Min(at, data.Count - 4);
                        var value = new byte[4];
                        BinaryPrimitives.WriteInt32BigEndian(value, interesting[random.Next(interesting.Length)]);
                        if (random.Next(2) == 0)
                        {
                            Array.Reverse(value);
                        }
                        for (int b = 0; b < 4; b++)
                        {
                            data[at + b] = value[b];
                        }
                        break;
                    case 3:
                        data.RemoveRange(at, data.Count - at);
                        break;
                    case 4:
                        data.InsertRange(at, Enumerable.Range(0, 1 + random.Next(8)).Select(_ => (byte)random.Next(256)));
                        break;
                    default:
                        int length = Math.Min(data.Count - at, 1 + random.Next(16));
                        data.InsertRange(at, data.GetRange(at, length));
                        break;
                }
            }
            yield return ($"{file}#{i}", data.ToArray());
        }
    }

    /// <summary>Replaces the varint that starts at <paramref name="at"/> by <paramref name="value"/>, padded to its length if shorter.</summary>
    private static void ReplaceVarint(List<byte> data, int at, long value)
    {
        int end = at;
        while (end < data.Count && end - at < 10 && (data[end] & 0x80) != 0)
        {
            end++;
        }
        int oldLength = Math.Min(end + 1, data.Count) - at;
        var encoded = new List<byte>();
        ulong bits = unchecked((ulong)value);
        do
        {
            encoded.Add((byte)((bits & 0x7F) | 0x80));
            bits >>= 7;
        }
        while (bits != 0);
        while (encoded.Count < oldLength)
        {
            encoded.Add(0x80);
        }
        encoded[^1] &= 0x7F;
        data.RemoveRange(at, oldLength);
        data.InsertRange(at, encoded);
    }

    /// <summary>Writes a few valid inputs (and a truncated one) for each target to seed the fuzzer.</summary>
    private static void WriteCorpus(string folder)
    {
        string models = Directory.CreateDirectory(Path.Combine(folder, "model")).FullName;
        string idx = Directory.CreateDirectory(Path.Combine(folder, "idx")).FullName;
        foreach (int seed in new[] { 1, 2 })
        {
            using var model = new MemoryStream();
            NetworkSerializer.Save(FuzzNet.Create(seed), model);
            File.WriteAllBytes(Path.Combine(models, $"fuzznet-{seed}.bpnet"), model.ToArray());
            if (seed == 2)
            {
                File.WriteAllBytes(Path.Combine(models, "fuzznet-truncated.bpnet"), model.ToArray()[..40]);
            }
        }

        using (var model = new MemoryStream())
        {
            NetworkSerializer.Save(FuzzConvNet.Create(3), model);
            File.WriteAllBytes(Path.Combine(models, "fuzzconv-3.bpnet"), model.ToArray());
        }

        byte[] images = IdxFile(0x00000803, [2, 2, 2], [0, 64, 128, 255, 1, 2, 3, 4]);
        byte[] labels = IdxFile(0x00000801, [2], [3, 7]);
        File.WriteAllBytes(Path.Combine(idx, "two-2x2.bin"), Pack(images, labels));
        File.WriteAllBytes(Path.Combine(idx, "two-2x2-gzip.bin"), Pack(Gzip(images), Gzip(labels)));
        File.WriteAllBytes(Path.Combine(idx, "one-1x3.bin"), Pack(IdxFile(0x00000803, [1, 1, 3], [9, 8, 7]), IdxFile(0x00000801, [1], [0])));
        File.WriteAllBytes(Path.Combine(idx, "count-mismatch.bin"), Pack(images, IdxFile(0x00000801, [3], [1, 2, 3])));
        CsvTarget.WriteCorpus(folder);

        string onnx = Directory.CreateDirectory(Path.Combine(folder, "onnx")).FullName;
        (string Name, int[] Sizes, ActivationKind[] Activations, CostKind? Cost, int Opset)[] exports =
        [
            ("relu-softmax-opset9", [3, 4, 2], [ActivationKind.ReLU, ActivationKind.Softmax], null, 9),
            ("tanh-leaky-sigmoid-opset13", [2, 3, 3, 1], [ActivationKind.Tanh, ActivationKind.LeakyReLU, ActivationKind.Sigmoid], CostKind.Quadratic, 13),
            ("sigmoid-identity-opset17", [4, 2, 3], [ActivationKind.Sigmoid, ActivationKind.Identity], null, 17),
        ];
        foreach ((string name, int[] sizes, ActivationKind[] activations, CostKind? cost, int opset) in exports)
        {
            long count = ParameterInitializer.CountParameters(sizes);
            float[] parameters = [.. Enumerable.Range(0, (int)count).Select(i => (i * 37 % 19 - 9) / 8f)];
            ModelProto exported = ModelProto.Parser.ParseFrom(
                OnnxExporter.ToBytes(new ModelData(sizes, activations, cost, parameters), new OnnxExportOptions { Opset = opset }));
            // The producer version ends in the commit the library was built from ("0.1.0+<sha>"): cut, for a corpus that
            // does not change with every commit.
            exported.ProducerVersion = exported.ProducerVersion.Split('+')[0];
            byte[] model = exported.ToByteArray();
            File.WriteAllBytes(Path.Combine(onnx, name + ".onnx"), model);
            if (opset == 13)
            {
                File.WriteAllBytes(Path.Combine(onnx, name + "-truncated.onnx"), model[..(model.Length / 2)]);
            }
        }
        // Convolutional networks: a 2-D convolution and max pool under a dense layer; 1-D convolutions and average pools with
        // a spatial output.
        LayerInfo conv = LayerInfo.Conv2D(TensorShape.Image(2, 6, 6), 3, 3, 2, 1, 1, ActivationKind.ReLU);
        LayerInfo pool = LayerInfo.Pool(LayerKind.MaxPool2D, conv.Output, 2, 1);
        NetworkArchitecture image = NetworkArchitecture.Create(conv.Input, [conv, pool, LayerInfo.Dense(pool.Output.Size, 2, ActivationKind.Softmax)]);
        NetworkArchitecture signal = NetworkArchitecture.Create(TensorShape.Signal(2, 9),
        [
            LayerInfo.Conv1D(TensorShape.Signal(2, 9), 3, 3, 2, 1, ActivationKind.Tanh),
            LayerInfo.Pool(LayerKind.AvgPool1D, TensorShape.Signal(3, 5), 2, 1),
            LayerInfo.Conv1D(TensorShape.Signal(3, 4), 2, 2, 1, 0, ActivationKind.LeakyReLU),
        ]);
        foreach ((string name, NetworkArchitecture architecture) in new[] { ("conv2d-maxpool-softmax", image), ("conv1d-avgpool-spatial-output", signal) })
        {
            float[] parameters = [.. Enumerable.Range(0, architecture.ParameterCount).Select(i => (i * 37 % 19 - 9) / 8f)];
            ModelProto exported = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(new ModelData(architecture, parameters)));
            exported.ProducerVersion = exported.ProducerVersion.Split('+')[0];
            File.WriteAllBytes(Path.Combine(onnx, name + ".onnx"), exported.ToByteArray());
        }
        // A few of the PyTorch-exported fixtures (MatMul+Add, Reshape and Identity, Tanh/Sigmoid, a refused LeakyRelu alpha;
        // convolutions with BatchNormalization, and 1-D ones with the Pads before AveragePool).
        string? fixtures = FindUp(Path.GetFullPath(folder), Path.Combine("tests", "Backprop.Generated.Onnx.Tests", "Fixtures"))
            ?? FindUp(Directory.GetCurrentDirectory(), Path.Combine("tests", "Backprop.Generated.Onnx.Tests", "Fixtures"));
        if (fixtures is null)
        {
            Console.Error.WriteLine("tests/Backprop.Generated.Onnx.Tests/Fixtures not found: the onnx corpus has the exported models only");
            return;
        }
        foreach (string fixture in new[] { "matmul_add", "reshape_identity", "tanh_sigmoid", "leaky_relu_0_2", "batchnorm_dropout", "conv1d_avgpool" })
        {
            File.Copy(Path.Combine(fixtures, fixture + ".onnx"), Path.Combine(onnx, "pytorch-" + fixture + ".onnx"), overwrite: true);
        }
    }

    /// <summary>The folder <paramref name="relative"/> under <paramref name="start"/> or the nearest of its parents that has it.</summary>
    private static string? FindUp(string start, string relative)
    {
        for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static byte[] IdxFile(int magic, int[] dimensions, byte[] values)
    {
        var file = new byte[4 + 4 * dimensions.Length + values.Length];
        BinaryPrimitives.WriteInt32BigEndian(file, magic);
        for (int i = 0; i < dimensions.Length; i++)
        {
            BinaryPrimitives.WriteInt32BigEndian(file.AsSpan(4 + 4 * i), dimensions[i]);
        }
        values.CopyTo(file, 4 + 4 * dimensions.Length);
        return file;
    }

    private static byte[] Pack(byte[] images, byte[] labels)
    {
        var input = new byte[2 + images.Length + labels.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(input, checked((ushort)images.Length));
        images.CopyTo(input, 2);
        labels.CopyTo(input, 2 + images.Length);
        return input;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }
}
