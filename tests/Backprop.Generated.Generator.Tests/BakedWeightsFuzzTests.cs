using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Backprop.Generated.Tests;
using Microsoft.CodeAnalysis;
using Xunit;
using Xunit.Abstractions;
using RuntimeCrc32 = System.IO.Hashing.Crc32;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// A deterministic mutation fuzzer for the generator's baked-weights reader (<c>NetworkGenerator.Weights.Read</c>, called
/// directly: no compilation per case). Every mutated model file, and every mutation of its base64 text, ends in a model
/// with exactly the original's layers, functions and parameter bytes, or in a BPG019/BPG020 problem; the reader never
/// throws, and it accepts exactly what the runtime's NetworkSerializer accepts.
/// </summary>
public sealed class BakedWeightsFuzzTests(ITestOutputHelper output)
{
    private const long AllocationBound = 1 << 20;

    private static readonly int[] s_small = [3, 4, 2];

    private static readonly int[] s_mixed = [3, 5, 4, 2];

    private static readonly ActivationKind[] s_mixedActivations = [ActivationKind.ReLU, ActivationKind.Tanh, ActivationKind.Softmax];

    private static readonly string[] s_problems = ["BPG019", "BPG020"];

    private sealed class Tally
    {
        private readonly SortedDictionary<string, int> _counts = new(StringComparer.Ordinal);

        public List<string> Failures { get; } = [];

        public int Cases { get; set; }

        public void Count(string outcome) => _counts[outcome] = _counts.GetValueOrDefault(outcome) + 1;

        public void Fail(string kind, string problem, string input)
        {
            if (Failures.Count < 20)
            {
                Failures.Add($"{kind}: {problem}; input {input}");
            }
            else
            {
                Failures.Add("");
            }
        }

        public string Report() => $"{_counts.Values.Sum():N0} cases: " + string.Join(", ", _counts.Select(o => $"{o.Key} {o.Value:N0}"));
    }

    /// <summary>
    /// What the runtime's NetworkSerializer reads from <paramref name="bytes"/> (into a network of their header): the
    /// model as the generator keeps it, or null when it throws <see cref="ModelFormatException"/>.
    /// </summary>
    private static WeightsModel? RuntimeReads(byte[] bytes)
    {
        using var stream = new MemoryStream(bytes);
        ModelInfo info;
        try
        {
            info = NetworkSerializer.ReadInfo(stream);
        }
        catch (ModelFormatException)
        {
            return null;
        }
        int header = (int)stream.Position;
        uint stored = bytes.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4)) : 0;
        if (bytes.Length - header != 4 * info.ParameterCount + 4 || stored != RuntimeCrc32.HashToUInt32(bytes.AsSpan(0, bytes.Length - 4)))
        {
            return null;
        }
        // The runtime's view of the same model, as the generator's shared layer model describes it.
        var architecture = Shared.NetworkArchitecture.Create(
            Shape(info.Architecture.Input), info.Architecture.Layers.Select(Layer).ToArray(), (Shared.CostKind)(int)info.Cost);
        return new WeightsModel(
            architecture.Input,
            new EquatableArray<Shared.LayerInfo>(architecture.Layers),
            architecture.Cost,
            new EquatableArray<byte>(bytes[header..^4]),
            stored);
    }

    /// <summary>A runtime shape as the generator's copy of the shared layer model spells it.</summary>
    private static Shared.TensorShape Shape(TensorShape shape) => shape.Rank switch
    {
        1 => Shared.TensorShape.Vector(shape.Width),
        2 => Shared.TensorShape.Signal(shape.Channels, shape.Width),
        _ => Shared.TensorShape.Image(shape.Channels, shape.Height, shape.Width),
    };

    /// <summary>A runtime layer as the generator's copy of the shared layer model spells it.</summary>
    private static Shared.LayerInfo Layer(LayerInfo layer)
    {
        var activation = (Shared.ActivationKind)(int)layer.Activation;
        return layer.Kind switch
        {
            LayerKind.Dense => Shared.LayerInfo.Dense(layer.Input.Size, layer.Output.Size, activation),
            LayerKind.Conv2D => Shared.LayerInfo.Conv2D(Shape(layer.Input), layer.Output.Channels, layer.KernelHeight, layer.KernelWidth, layer.Stride, layer.Padding, activation),
            LayerKind.Conv1D => Shared.LayerInfo.Conv1D(Shape(layer.Input), layer.Output.Channels, layer.KernelWidth, layer.Stride, layer.Padding, activation),
            _ => Shared.LayerInfo.Pool((Shared.LayerKind)(int)layer.Kind, Shape(layer.Input), layer.KernelWidth, layer.Stride),
        };
    }

    /// <summary>A version 3 model (a record per layer): a convolution, a pool and a dense layer, written by the runtime.</summary>
    private static byte[] Version3()
    {
        TensorShape input = TensorShape.Image(2, 4, 4);
        LayerInfo conv = LayerInfo.Conv2D(input, 2, 3, 3, 1, 1, ActivationKind.ReLU);
        LayerInfo pool = LayerInfo.Pool(LayerKind.MaxPool2D, conv.Output, 2, 2);
        NetworkArchitecture architecture = NetworkArchitecture.Create(input, [conv, pool, LayerInfo.Dense(pool.Output.Size, 3, ActivationKind.Softmax)]);
        using var stream = new MemoryStream();
        NetworkSerializer.Save(new ModelData(architecture, ModelFiles.Parameters(architecture.ParameterCount)), stream);
        return stream.ToArray();
    }

    private static bool Same(WeightsModel a, WeightsModel b) =>
        a.Input == b.Input && a.Layers == b.Layers && a.Cost == b.Cost && a.Parameters == b.Parameters && a.Checksum == b.Checksum;

    /// <summary>
    /// Reads <paramref name="text"/> with the generator and checks the outcome against what the runtime reads
    /// (<paramref name="runtime"/>: null when it rejects the bytes, or when the text is not base64 at all) and, unless the
    /// case forged a valid CRC-32 (<paramref name="forged"/>), against the original model.
    /// </summary>
    private static void Check(Tally tally, string kind, string text, WeightsModel expected, WeightsModel? runtime, bool forged, Func<string> input)
    {
        tally.Cases++;
        WeightsFile file;
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            file = NetworkGenerator.Weights.Read(new TestAdditionalText("/project/fuzz.bpnet.b64", text), CancellationToken.None);
        }
#pragma warning disable CA1031 // Any exception is exactly what the fuzzer looks for.
        catch (Exception e)
#pragma warning restore CA1031
        {
            tally.Count("THREW " + e.GetType().Name);
            tally.Fail(kind, $"threw {e.GetType().Name}: {e.Message}", input());
            return;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBound + 4L * text.Length)
        {
            tally.Fail(kind, $"allocated {allocated:N0} bytes", input());
        }

        if ((file.Model is null) == (file.Problem is null))
        {
            tally.Fail(kind, "returned both or neither of a model and a problem", input());
            return;
        }
        if (file.Problem is WeightsProblem problem)
        {
            tally.Count(problem.DiagnosticId);
            if (!s_problems.Contains(problem.DiagnosticId) || problem.Arguments.Any(string.IsNullOrEmpty))
            {
                tally.Fail(kind, $"reported {problem.DiagnosticId} ({string.Join(" | ", problem.Arguments)})", input());
            }
            if (runtime is not null)
            {
                tally.Fail(kind, $"reported {problem.DiagnosticId} ({string.Join(" | ", problem.Arguments)}) for a model the runtime loads", input());
            }
            return;
        }

        tally.Count(forged && !Same(file.Model!, expected) ? "model (other, CRC forged)" : "model");
        if (runtime is null || !Same(file.Model!, runtime))
        {
            tally.Fail(kind, "read a model the runtime rejects or reads otherwise", input());
        }
        if (!forged && !Same(file.Model!, expected))
        {
            tally.Fail(kind, "read a model that differs from the original", input());
        }
    }

    private static void Fuzz(Tally bytesTally, Tally textTally, byte[] original, int seed)
    {
        string originalText = ModelFiles.Base64(original);
        WeightsModel expected = NetworkGenerator.Weights.Read(new TestAdditionalText("/project/fuzz.bpnet.b64", originalText), CancellationToken.None).Model
            ?? throw new InvalidOperationException("The original model does not read.");
        Assert.True(RuntimeReads(original) is WeightsModel read && Same(read, expected));

        // The model's bytes, mutated, in base64 lines as SaveBase64 writes them. Cases that recompute the CRC-32 may
        // make another valid model (another cost, say), which Bind then refuses for the network (BPG021).
        foreach ((string kind, byte[] bytes) in ModelMutator.Cases(original, seed))
        {
            bool forged = kind.Contains("CRC fixed", StringComparison.Ordinal) || kind.StartsWith("synthesized", StringComparison.Ordinal);
            Check(bytesTally, kind, ModelFiles.Base64(bytes), expected, RuntimeReads(bytes), forged, () => Convert.ToHexString(bytes));
        }

        // The text itself, mutated: what decodes to the original bytes must read as the original, anything else fail.
        foreach ((string kind, string text) in TextCases(originalText, seed))
        {
            WeightsModel? runtime = StrictDecode(text) is byte[] decoded ? RuntimeReads(decoded) : null;
            Check(textTally, kind, text, expected, runtime, forged: false, () => Escape(text));
        }
    }

    /// <summary>The bytes of base64 <paramref name="text"/> after dropping whitespace and BOMs, or null when .NET's decoder refuses it.</summary>
    private static byte[]? StrictDecode(string text)
    {
        string stripped = new(text.Where(c => c is not (' ' or '\t' or '\r' or '\n' or '\uFEFF')).ToArray());
        var buffer = new byte[stripped.Length];
        return stripped.Length > 0 && Convert.TryFromBase64String(stripped, buffer, out int written) ? buffer[..written] : null;
    }

    private static string Escape(string text)
    {
        var escaped = new StringBuilder();
        foreach (char c in text)
        {
            escaped.Append(c is >= ' ' and <= '~' && c != '\\' ? c.ToString() : $"\\u{(int)c:X4}");
        }
        return escaped.ToString();
    }

    private static IEnumerable<(string Kind, string Text)> TextCases(string text, int seed)
    {
        var random = new Random(seed);
        char[] alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".ToCharArray();
        char[] odd = ['=', ' ', '\t', '\r', '\n', '\uFEFF', '\0', '-', '_', '.', 'é', '\u00A0', '\u2028', '\uD800', '\uFFFF', '"', '<'];
        int n = text.Length;

        for (int i = 0; i < n; i++)
        {
            yield return ("text truncation", text[..i]);
            yield return ("text deletion", text.Remove(i, 1));
            yield return ("text replacement", text[..i] + alphabet[random.Next(alphabet.Length)] + text[(i + 1)..]);
            yield return ("text odd character", text[..i] + odd[random.Next(odd.Length)] + text[(i + 1)..]);
            yield return ("text insertion", text.Insert(i, odd[random.Next(odd.Length)].ToString()));
        }
        yield return ("empty", "");
        yield return ("whitespace only", " \r\n\t\uFEFF\n");
        yield return ("padding only", "====");
        yield return ("padding in pairs", "AA==AA==");
        yield return ("no newlines", text.Replace("\n", "", StringComparison.Ordinal));
        yield return ("CRLF", text.Replace("\n", "\r\n", StringComparison.Ordinal));
        yield return ("BOM", "\uFEFF" + text);
        yield return ("indented", "  " + text.Replace("\n", "\n\t ", StringComparison.Ordinal));
        yield return ("doubled", text + text);
        yield return ("extra padding", text.TrimEnd('\n') + "=\n");
        yield return ("url-safe alphabet", text.Replace('+', '-').Replace('/', '_'));
        for (int i = 0; i < 1000; i++)
        {
            int start = random.Next(n), length = 1 + random.Next(Math.Min(80, n - start));
            yield return ("text chunk duplication", text.Insert(random.Next(n + 1), text.Substring(start, length)));
            yield return ("random base64", new string(Enumerable.Range(0, 4 * random.Next(100)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()));
            yield return ("random text", new string(Enumerable.Range(0, random.Next(200)).Select(_ => (char)random.Next(0x80)).ToArray()));
        }
    }

    [Fact]
    public void Every_mutated_weights_file_reads_as_the_original_or_as_a_BPG019_or_BPG020_problem_and_never_throws()
    {
        var bytesTally = new Tally();
        var textTally = new Tally();
        var clock = Stopwatch.StartNew();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        Fuzz(bytesTally, textTally, ModelFiles.Version2(s_small), seed: 342);
        Fuzz(bytesTally, textTally, ModelFiles.Version1(s_small, ActivationKind.Sigmoid, ActivationKind.Sigmoid, CostKind.CrossEntropy), seed: 1342);
        Fuzz(bytesTally, textTally, ModelFiles.Version2(s_mixed, s_mixedActivations, CostKind.LogLikelihood), seed: 3542);
        Fuzz(bytesTally, textTally, Version3(), seed: 4242);

        output.WriteLine($"{bytesTally.Cases + textTally.Cases:N0} cases in {clock.Elapsed.TotalSeconds:F1} s ({(Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s of CPU)");
        output.WriteLine("Mutated model bytes: " + bytesTally.Report());
        output.WriteLine("Mutated base64 text: " + textTally.Report());
        List<string> failures = [.. bytesTally.Failures, .. textTally.Failures];
        foreach (string failure in failures.Where(f => f.Length > 0))
        {
            output.WriteLine(failure);
        }
        Assert.True(bytesTally.Cases > 25_000, $"only {bytesTally.Cases} byte cases");
        Assert.True(textTally.Cases > 10_000, $"only {textTally.Cases} text cases");
        Assert.True(failures.Count == 0, $"{failures.Count} broken invariants, the first: {failures.FirstOrDefault()}");
    }

    /// <summary>A few mutations end to end, through the compiler's driver: no crash, a diagnostic on the attribute or the original parameters.</summary>
    [Fact]
    public void Mutated_weights_files_never_crash_the_generator_in_a_compilation()
    {
        byte[] original = ModelFiles.Version2(s_small);
        const string Source = """
            namespace FuzzModels
            {
                [global::Backprop.Network(3, 4, 2, Weights = "fuzz.bpnet.b64")]
                public partial class Fuzz342 { }
            }
            """;
        int index = 0;
        foreach ((string kind, byte[] bytes) in ModelMutator.Cases(original, seed: 7).Where((_, i) => i % 1499 == 0).Take(6))
        {
            GeneratorRun run = Harness.Run([ModelFiles.Text("/project/fuzz.bpnet.b64", bytes)], Source);
            run.AssertGeneratorDidNotThrow();
            string[] ids = run.Diagnostics.Select(d => d.Id).ToArray();
            if (RuntimeReads(bytes) is not null)
            {
                Assert.Contains(run.HintNames, name => name.Contains("Fuzz342", StringComparison.Ordinal));
                Assert.Empty(ids);
            }
            else
            {
                Assert.True(ids.Intersect(["BPG019", "BPG020", "BPG021"]).Any(), $"{kind} (case {index}): {string.Join(", ", ids)}");
            }
            index++;
        }
        Assert.Equal(6, index);
    }

    /// <summary>
    /// A header claiming 2^31 parameters (layers of 1 and 2^30) with no data at all, and five layers of int.MaxValue
    /// whose parameter count wraps a 64-bit sum: BPG019, before anything the size of the claim is allocated.
    /// </summary>
    [Theory]
    [InlineData("4250474E45540D0A02000100000202000100000000000040050000000000008000000000")]
    [InlineData("4250474E45540D0A0200010000020500FFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7FFFFFFF7F0101010100000000FEFFFFFF360A6CFF")]
    public void Headers_claiming_more_parameters_than_a_network_holds_are_BPG019(string hex)
    {
        string text = ModelFiles.Base64(Convert.FromHexString(hex));
        long before = GC.GetAllocatedBytesForCurrentThread();
        WeightsFile file = NetworkGenerator.Weights.Read(new TestAdditionalText("/project/huge.bpnet.b64", text), CancellationToken.None);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, AllocationBound);
        Assert.Null(file.Model);
        Assert.Equal("BPG019", file.Problem!.DiagnosticId);
    }
}
