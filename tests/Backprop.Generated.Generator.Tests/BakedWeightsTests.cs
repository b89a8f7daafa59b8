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
        byte[] model = ModelFiles.Create(sizes);
        (GeneratorRun run, byte[] image) = Compile(typeName, sizes, options, fileName, model);
        string source = Assert.Single(run.Generator.GeneratedSources).SourceText.ToString();
        Assert.DoesNotContain("\n\n\n", source, StringComparison.Ordinal);

        // Saving the baked network with the runtime's serializer writes the very file it was baked from.
        var context = new AssemblyLoadContext(typeName, isCollectible: true);
        try
        {
            Type type = context.LoadFromStream(new MemoryStream(image)).GetType(typeName, throwOnError: true)!;
            object network = type.GetMethod("CreateTrained", BindingFlags.Public | BindingFlags.Static, Type.EmptyTypes)!.Invoke(null, null)!;
            using var saved = new MemoryStream();
            MethodInfo save = typeof(NetworkSerializer).GetMethods()
                .Single(m => m.Name == nameof(NetworkSerializer.Save) && m.GetParameters()[1].ParameterType == typeof(Stream));
            save.MakeGenericMethod(type).Invoke(null, [network, saved]);

            Assert.Equal(model, saved.ToArray());
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void The_parameters_are_read_only_data_behind_a_span_not_an_array_initializer()
    {
        int[] sizes = [784, 30, 10];
        byte[] model = ModelFiles.Create(sizes);
        byte[] parameters = model[(24 + 4 * sizes.Length)..^4];
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
