using System;
using System.Collections.Immutable;
using System.Linq;
using Backprop.Generated.Generator;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// The generator's cost in the IDE: one full run (parse, emit) over a compilation declaring one
/// network, from a fresh driver so nothing is cached.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;

    [Params("784, 30, 10", "784, 100, 10", "2, 3, 1")]
    public string Sizes { get; set; } = "784, 30, 10";

    [GlobalSetup]
    public void Setup()
    {
        string source = $$"""
            using Backprop;
            namespace Demo;
            [Network({{Sizes}})]
            public partial class Net { }
            """;
        MetadataReference[] references = AppDomain.CurrentDomain.GetAssemblies()
            .Where(assembly => !assembly.IsDynamic && !string.IsNullOrEmpty(assembly.Location))
            .Select(assembly => (MetadataReference)MetadataReference.CreateFromFile(assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(INetwork<>).Assembly.Location))
            .ToArray();
        _compilation = CSharpCompilation.Create(
            "Bench",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));

        GeneratorDriverRunResult result = Run().GetRunResult();
        string text = result.GeneratedTrees.Single().ToString();
        Console.WriteLine($"// [{Sizes}]: {text.Split('\n').Length} lines, {text.Length} characters generated");
    }

    private GeneratorDriver Run() =>
        CSharpGeneratorDriver.Create(new NetworkGenerator().AsSourceGenerator()).RunGenerators(_compilation);

    [Benchmark]
    public ImmutableArray<SyntaxTree> Generate() => Run().GetRunResult().GeneratedTrees;
}
