using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Backprop;
using SharpFuzz;

namespace Backprop.Generated.Fuzz;

/// <summary>The small network the <c>model</c> target loads saved models into (generated at build time).</summary>
[Network(4, 3, 2, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax)]
public sealed partial class FuzzNet { }

/// <summary>
/// Fuzz targets for the runtime's parsers. Each treats its documented exception as a rejected input and lets any
/// other escape, which is what the fuzzer (or the replay mode) reports as a crash.
/// <code>
/// Backprop.Generated.Fuzz TARGET                 libFuzzer mode (run under libfuzzer-dotnet)
/// Backprop.Generated.Fuzz TARGET --afl           AFL mode (run under afl-fuzz)
/// Backprop.Generated.Fuzz TARGET PATH...         replay files, or every file of folders, and count outcomes
/// Backprop.Generated.Fuzz TARGET --mutate N PATH...  replay N deterministic mutations of the files (no fuzzer needed)
/// Backprop.Generated.Fuzz write-corpus FOLDER    write the seed corpus (FOLDER/model, FOLDER/idx)
/// </code>
/// Targets: model, model-info, idx.
/// </summary>
public static class Program
{
    private static readonly Dictionary<string, Func<ReadOnlyMemory<byte>, bool>> Targets = new(StringComparer.Ordinal)
    {
        ["model"] = Model,
        ["model-info"] = ModelInfo,
        ["idx"] = Idx,
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
            Console.Error.WriteLine("usage: Backprop.Generated.Fuzz (model|model-info|idx) [--afl | FILE-OR-FOLDER...] | write-corpus FOLDER");
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
            return Replay(args[0], target, Mutations(Files(args.Skip(3)).Select(f => (f, File.ReadAllBytes(f))).ToArray(), count));
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
    /// Not coverage-guided: a quick smoke run that needs no fuzzer.
    /// </summary>
    private static IEnumerable<(string File, byte[] Data)> Mutations((string File, byte[] Data)[] seeds, int count)
    {
        var random = new Random(20_261_202);
        int[] interesting = [0, -1, 1, int.MaxValue, int.MinValue, 0x7F, 0xFF, 0x100, 0x10000, 0x01000000, 32, 33];
        for (int i = 0; i < count && seeds.Length > 0; i++)
        {
            (string file, byte[] seed) = seeds[random.Next(seeds.Length)];
            var data = new List<byte>(seed);
            int edits = 1 + random.Next(4);
            for (int e = 0; e < edits; e++)
            {
                int at = data.Count == 0 ? 0 : random.Next(data.Count);
                switch (random.Next(6))
                {
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

        byte[] images = IdxFile(0x00000803, [2, 2, 2], [0, 64, 128, 255, 1, 2, 3, 4]);
        byte[] labels = IdxFile(0x00000801, [2], [3, 7]);
        File.WriteAllBytes(Path.Combine(idx, "two-2x2.bin"), Pack(images, labels));
        File.WriteAllBytes(Path.Combine(idx, "two-2x2-gzip.bin"), Pack(Gzip(images), Gzip(labels)));
        File.WriteAllBytes(Path.Combine(idx, "one-1x3.bin"), Pack(IdxFile(0x00000803, [1, 1, 3], [9, 8, 7]), IdxFile(0x00000801, [1], [0])));
        File.WriteAllBytes(Path.Combine(idx, "count-mismatch.bin"), Pack(images, IdxFile(0x00000801, [3], [1, 2, 3])));
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
