using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Baked weights end to end: the generated code compiles without a warning, the parameters sit in the
/// assembly's data section (not in an array initializer), and <c>CreateTrained()</c> gives back the
/// file's parameters bit for bit.
/// </summary>
public sealed class BakedWeightsTests
{
    /// <summary>Networks of each code shape, and a file name full of characters that need escaping in comments.</summary>
    public static TheoryData<string, int[], string, string> Networks => new()
    {
        { "Samples.Tiny", [2, 3, 1], "", "a\"b*/\n<c>&.bpnet.b64" },
        { "Samples.Blocked", [5, 4, 3], ", Unroll = UnrollMode.Blocked", "blocked.bpnet.b64" },
        { "Samples.Digit", [784, 30, 10], "", "Models/digit.bpnet.b64" },
    };

    [Theory]
    [MemberData(nameof(Networks))]
    public void CreateTrained_returns_the_parameters_of_the_file_bit_for_bit(string typeName, int[] sizes, string options, string fileName)
    {
        byte[] model = ModelFiles.Version2(sizes);
        (GeneratorRun run, byte[] image) = Compile(typeName, sizes, options, fileName, model);
        string source = Assert.Single(run.Generator.GeneratedSources).SourceText.ToString();
        Assert.DoesNotContain("\n\n\n", source, StringComparison.Ordinal);

        // Saving the baked network with the runtime's serializer writes the very file it was baked from.
        Assert.Equal(model, SaveCreateTrained(typeName, image));
    }

    /// <summary>Networks of other activations and costs, each with the attribute options that declare them and the file's functions.</summary>
    public static TheoryData<string, int[], string, ActivationKind[], CostKind> FunctionNetworks => new()
    {
        {
            "Samples.ReluSoftmax", [5, 7, 3], ", HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax",
            [ActivationKind.ReLU, ActivationKind.Softmax], CostKind.LogLikelihood
        },
        {
            "Samples.ReluSoftmaxBlocked", [20, 12, 10], ", Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax",
            [ActivationKind.ReLU, ActivationKind.Softmax], CostKind.LogLikelihood
        },
        {
            "Samples.Mixed", [3, 5, 4, 2], ", Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Identity }",
            [ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Identity], CostKind.Quadratic
        },
        {
            "Samples.SoftmaxQuadratic", [6, 4], ", OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic",
            [ActivationKind.Softmax], CostKind.Quadratic
        },
    };

    [Theory]
    [MemberData(nameof(FunctionNetworks))]
    public void A_version_2_file_of_any_activations_and_cost_bakes_into_the_network_that_has_them(
        string typeName, int[] sizes, string options, ActivationKind[] activations, CostKind cost)
    {
        byte[] model = ModelFiles.Version2(sizes, activations, cost);
        (_, byte[] image) = Compile(typeName, sizes, options, "model.bpnet.b64", model);

        Assert.Equal(model, SaveCreateTrained(typeName, image));
    }

    [Fact]
    public void A_training_checkpoint_bakes_its_model_and_leaves_the_training_state_behind()
    {
        // A checkpoint (TrainingSession.SaveCheckpoint) is the model file followed by a "BPGSTATE" section: magic,
        // version, reserved bytes, the payload's int64 length, the payload and its CRC-32.
        int[] sizes = [2, 3, 1];
        byte[] model = ModelFiles.Version2(sizes);
        byte[] payload = [1, 2, 3, 4, 5, 6, 7];
        byte[] header = [.. "BPGSTATE"u8, 1, 0, 0, 0, 0, 0, 0, 0, .. BitConverter.GetBytes((long)payload.Length)];
        byte[] checkpoint = [.. model, .. header, .. payload, 0xAA, 0xBB, 0xCC, 0xDD];

        (_, byte[] image) = Compile("Samples.Tiny", sizes, "", "tiny.bpnet.b64", checkpoint);

        Assert.Equal(model, SaveCreateTrained("Samples.Tiny", image));
    }

    [Fact]
    public void A_version_1_file_still_bakes_and_saves_as_version_2()
    {
        int[] sizes = [2, 3, 1];
        float[] parameters = ModelFiles.Parameters(13);
        byte[] model = ModelFiles.Create(sizes, parameters);
        Assert.Equal(1, model[8]);
        (GeneratorRun run, byte[] image) = Compile("Samples.Old", sizes, "", "old.bpnet.b64", model);

        // The generated code quotes the CRC-32 of the file it baked: the v1 file's.
        string crc = BitConverter.ToUInt32(model, model.Length - 4).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(crc, Assert.Single(run.Generator.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
        Assert.Equal(ModelFiles.Version2(sizes, parameters), SaveCreateTrained("Samples.Old", image));
    }

    [Fact]
    public void A_version_1_file_of_relu_and_softmax_bakes_into_a_relu_softmax_network()
    {
        // v1 stores one hidden activation for every hidden layer: 4-6-5-3 is ReLU, ReLU, then softmax.
        int[] sizes = [4, 6, 5, 3];
        float[] parameters = ModelFiles.Parameters(ModelFiles.ParameterCount(sizes));
        byte[] model = ModelFiles.Version1(sizes, ActivationKind.ReLU, ActivationKind.Softmax, CostKind.LogLikelihood, parameters);
        (_, byte[] image) = Compile("Samples.OldRelu", sizes, ", HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax", "old.bpnet.b64", model);

        byte[] expected = ModelFiles.Version2(sizes, [ActivationKind.ReLU, ActivationKind.ReLU, ActivationKind.Softmax], CostKind.LogLikelihood, parameters);
        Assert.Equal(expected, SaveCreateTrained("Samples.OldRelu", image));
    }

    /// <summary>A file and a network that differ in activations, cost or shape, and what BPG021 says of them.</summary>
    public static TheoryData<string, int[], string, byte[], string> Mismatches => new()
    {
        {
            "relu/softmax file, default network", [5, 7, 3], "",
            ModelFiles.Version2([5, 7, 3], [ActivationKind.ReLU, ActivationKind.Softmax], CostKind.LogLikelihood),
            "The weights file 'model.bpnet.b64' holds a 5-7-3 network with activations ReLU, Softmax and cost LogLikelihood, "
                + "but the network 'Baked' is 5-7-3 with activations Sigmoid, Sigmoid and cost CrossEntropy; bake a model trained for this network"
        },
        {
            "default file, relu/softmax network", [5, 7, 3], ", HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax",
            ModelFiles.Version2([5, 7, 3]),
            "holds a 5-7-3 network with activations Sigmoid, Sigmoid and cost CrossEntropy, but the network 'Baked' is 5-7-3 with activations ReLU, Softmax and cost LogLikelihood;"
        },
        {
            "one hidden layer differs", [3, 5, 4, 2], ", Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Sigmoid }",
            ModelFiles.Version2([3, 5, 4, 2], [ActivationKind.LeakyReLU, ActivationKind.ReLU, ActivationKind.Sigmoid], CostKind.CrossEntropy),
            "holds a 3-5-4-2 network with activations LeakyReLU, ReLU, Sigmoid and cost CrossEntropy, but the network 'Baked' is 3-5-4-2 with activations LeakyReLU, Tanh, Sigmoid and cost CrossEntropy;"
        },
        {
            "cost only", [5, 7, 3], "",
            ModelFiles.Version2([5, 7, 3], [ActivationKind.Sigmoid, ActivationKind.Sigmoid], CostKind.Quadratic),
            "holds a 5-7-3 network with activations Sigmoid, Sigmoid and cost Quadratic, but the network 'Baked' is 5-7-3 with activations Sigmoid, Sigmoid and cost CrossEntropy;"
        },
        {
            "version 1 file", [5, 7, 3], ", HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Identity",
            ModelFiles.Create([5, 7, 3]),
            "holds a 5-7-3 network with activations Sigmoid, Sigmoid and cost CrossEntropy, but the network 'Baked' is 5-7-3 with activations Tanh, Identity and cost Quadratic;"
        },
        {
            "shape and functions", [5, 7, 3], "",
            ModelFiles.Version2([5, 8, 3], [ActivationKind.ReLU, ActivationKind.Softmax], CostKind.LogLikelihood),
            "holds a 5-8-3 network with activations ReLU, Softmax and cost LogLikelihood, but the network 'Baked' is 5-7-3 with activations Sigmoid, Sigmoid and cost CrossEntropy;"
        },
        {
            "shape only", [5, 7, 3], "",
            ModelFiles.Version2([5, 8, 3]),
            "holds a 5-8-3 network, but the network 'Baked' is 5-7-3;"
        },
    };

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Other_activations_or_another_cost_is_BPG021_naming_both(string mismatch, int[] sizes, string options, byte[] model, string expected)
    {
        _ = mismatch;
        Diagnostic diagnostic = RunBaked(sizes, options, model, "BPG021");
        Assert.Contains(expected, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    /// <summary>Ways a version 2 header can be wrong, and what the diagnostic says of each.</summary>
    public static TheoryData<string, string, string> Version2Problems => new()
    {
        { "version 4", "BPG020", "has model format version 4; this generator reads versions 1 to 3 (it was written by a newer Backprop.Generated)" },
        { "version 0", "BPG020", "has model format version 0; this generator reads versions 1 to 3, and no version below 1 exists" },
        { "reserved byte", "BPG019", "it has 00 05 in its reserved header bytes 11 and 12, which format version 2 leaves zero" },
        { "unknown activation", "BPG019", "it gives layer 3 the activation 7; this library knows 1 (Sigmoid), 2 (Tanh), 3 (ReLU), 4 (LeakyReLU), 5 (Identity), 6 (Softmax)" },
        { "zero activation", "BPG019", "it gives layer 2 the activation 0; this library knows 1 (Sigmoid)" },
        { "unknown cost", "BPG019", "it has the cost 4; this library knows 1 (CrossEntropy), 2 (Quadratic), 3 (LogLikelihood)" },
        { "padding", "BPG019", "it has 09 in padding byte 31 after its activations, which must be zero" },
        { "softmax hidden", "BPG019", "it has activations Softmax, Softmax and cost LogLikelihood, which no network has: softmax is an output activation only, and layer 2 is hidden" },
        { "cross-entropy without sigmoid", "BPG019", "it has activations ReLU, Softmax and cost CrossEntropy, which no network has: cross-entropy needs a sigmoid output, not Softmax" },
        { "log-likelihood without softmax", "BPG019", "it has activations ReLU, Sigmoid and cost LogLikelihood, which no network has: log-likelihood needs a softmax output, not Sigmoid" },
        { "v1 combination", "BPG019", "it has activations ReLU, Sigmoid and cost LogLikelihood, which no network has: log-likelihood needs a softmax output" },
        { "v1 unknown activation", "BPG019", "it gives its output layer the activation 9; this library knows 1 (Sigmoid)" },
        { "header cut in the activations", "BPG019", "it is truncated: expected 24 bytes of layer sizes, activations and parameter count after the first 16 but found 14" },
        { "parameter count", "BPG019", "it announces 41 parameters but its layer sizes 5-7-3 imply 66" },
        { "activation edited", "BPG019", "it is corrupted: its stored CRC-32 is 0x" },
    };

    [Theory]
    [MemberData(nameof(Version2Problems))]
    public void A_version_2_file_is_checked_like_NetworkSerializer_checks_it(string problem, string id, string expected)
    {
        // 5-7-3, ReLU and softmax: activations at 28 and 29, padding at 30 and 31, parameter count at 32.
        int[] sizes = [5, 7, 3];
        byte[] model = ModelFiles.Version2(sizes, [ActivationKind.ReLU, ActivationKind.Softmax], CostKind.LogLikelihood);
        byte[] Edit(Action<byte[]> edit, bool fixCrc = true)
        {
            byte[] copy = (byte[])model.Clone();
            edit(copy);
            return fixCrc ? ModelFiles.WithValidCrc(copy) : copy;
        }

        byte[] file = problem switch
        {
            "version 4" => Edit(m => m[8] = 4),
            "version 0" => Edit(m => m[8] = 0),
            "reserved byte" => Edit(m => m[12] = 5),
            "unknown activation" => Edit(m => m[29] = 7),
            "zero activation" => Edit(m => m[28] = 0),
            "unknown cost" => Edit(m => m[13] = 4),
            "padding" => Edit(m => m[31] = 9),
            "softmax hidden" => Edit(m => m[28] = 6),
            "cross-entropy without sigmoid" => Edit(m => m[13] = 1),
            "log-likelihood without softmax" => Edit(m => m[29] = 1),
            "v1 combination" => ModelFiles.Version1(sizes, ActivationKind.ReLU, ActivationKind.Sigmoid, CostKind.LogLikelihood),
            "v1 unknown activation" => EditVersion1(ModelFiles.Version1(sizes, ActivationKind.ReLU, ActivationKind.Softmax, CostKind.LogLikelihood), 12, 9),
            "header cut in the activations" => model[..30],
            "parameter count" => Edit(m => m[32] = 41),
            "activation edited" => Edit(m => m[28] = (byte)ActivationKind.LeakyReLU, fixCrc: false),
            _ => throw new ArgumentOutOfRangeException(nameof(problem), problem, null),
        };

        Diagnostic diagnostic = RunBaked(sizes, ", HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax", file, id);
        Assert.Contains(expected, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        static byte[] EditVersion1(byte[] bytes, int offset, byte value)
        {
            bytes[offset] = value;
            return ModelFiles.WithValidCrc(bytes);
        }
    }

    [Fact]
    public void The_parameters_are_read_only_data_behind_a_span_not_an_array_initializer()
    {
        int[] sizes = [784, 30, 10];
        byte[] model = ModelFiles.Version2(sizes);
        byte[] parameters = model[ModelFiles.HeaderLength(2, sizes.Length)..^4];
        (_, byte[] image) = Compile("Samples.Digit", sizes, "", "digit.bpnet.b64", model);

        // The getter is "ldsflda <data>; ldc.i4 95440; newobj ReadOnlySpan<byte>(void*, int); ret": 16 bytes,
        // where an array initializer would allocate (newarr) and copy on every call.
        MethodMeasure getter = Assert.Single(IlInspector.Measure(image, "Samples.Digit"), m => m.Method == "get_TrainedParameterBytes");
        Assert.Equal(4, getter.Instructions);
        Assert.Equal(16, getter.IlBytes);

        // One field has the parameters as its RVA data, byte for byte.
        using var pe = new PEReader(ImmutableArray.Create(image));
        MetadataReader metadata = pe.GetMetadataReader();
        int holding = metadata.FieldDefinitions
            .Select(metadata.GetFieldDefinition)
            .Where(field => (field.Attributes & FieldAttributes.HasFieldRVA) != 0)
            .Select(field => pe.GetSectionData(field.GetRelativeVirtualAddress()))
            .Count(data => data.Length >= parameters.Length && data.GetContent(0, parameters.Length).SequenceEqual(parameters));
        Assert.Equal(1, holding);
    }

    /// <summary>Loads <paramref name="image"/>, calls <c>CreateTrained()</c> on <paramref name="typeName"/> and saves the network with NetworkSerializer.</summary>
    private static byte[] SaveCreateTrained(string typeName, byte[] image)
    {
        var context = new AssemblyLoadContext(typeName, isCollectible: true);
        try
        {
            Type type = context.LoadFromStream(new MemoryStream(image)).GetType(typeName, throwOnError: true)!;
            object network = type.GetMethod("CreateTrained", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)!.Invoke(null, null)!;
            using var saved = new MemoryStream();
            MethodInfo save = typeof(NetworkSerializer).GetMethods()
                .Single(m => m.Name == nameof(NetworkSerializer.Save) && m.IsGenericMethodDefinition && m.GetParameters()[1].ParameterType == typeof(Stream));
            save.MakeGenericMethod(type).Invoke(null, [network, saved]);
            return saved.ToArray();
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>
    /// Runs the generator on a network <c>Samples.Baked</c> of <paramref name="sizes"/> and <paramref name="options"/> baking
    /// <paramref name="model"/>: the only diagnostic is the error <paramref name="id"/> on the attribute, and the network is not generated.
    /// </summary>
    private static Diagnostic RunBaked(int[] sizes, string options, byte[] model, string id)
    {
        string attribute = $"Network({string.Join(", ", sizes)}{options}, Weights = \"model.bpnet.b64\")";
        GeneratorRun run = Harness.Run(
            [ModelFiles.Text("/project/model.bpnet.b64", model)],
            $$"""
            using Backprop;

            namespace Samples;

            [{{attribute}}]
            public partial class Baked { }
            """);
        run.AssertGeneratorDidNotThrow();
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(attribute, run.SpanText(diagnostic));
        Assert.Empty(run.HintNames);
        return diagnostic;
    }

    /// <summary>Generates and compiles a network baking <paramref name="model"/>: no diagnostics and no warnings, doc comments checked.</summary>
    private static (GeneratorRun Run, byte[] Image) Compile(string typeName, int[] sizes, string options, string fileName, byte[] model)
    {
        string ns = typeName[..typeName.LastIndexOf('.')];
        string name = typeName[(ns.Length + 1)..];
        string literal = SymbolDisplay.FormatLiteral(fileName, quote: true);
        GeneratorRun run = Harness.Run(
            Harness.CreateCompilation(Harness.ParseOptions.WithDocumentationDiagnostics(), OptimizationLevel.Release, $$"""
                using Backprop;

                namespace {{ns}};

                /// <summary>A network with trained weights.</summary>
                [Network({{string.Join(", ", sizes)}}{{options}}, Weights = {{literal}})]
                public partial class {{name}} { }
                """),
            ModelFiles.Text("/project/" + fileName, model));
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.True(run.CompilationWarningsAndErrors().Count == 0, GeneratorRun.Describe(run.CompilationWarningsAndErrors()));

        using var image = new MemoryStream();
        EmitResult emitted = run.Output.Emit(image);
        Assert.True(emitted.Success, GeneratorRun.Describe(emitted.Diagnostics));
        return (run, image.ToArray());
    }
}
