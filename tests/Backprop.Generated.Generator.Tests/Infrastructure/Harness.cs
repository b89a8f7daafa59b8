using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Backprop.Generated.Generator.Tests.Infrastructure;

/// <summary>
/// Compiles test inputs and runs <see cref="NetworkGenerator"/> over them the way the compiler
/// does: .NET 10 reference assemblies, the Backprop runtime, nullable on, every warning wave.
/// </summary>
internal static class Harness
{
    /// <summary>The ids the compiler reports when a generator throws (in Initialize, or while running).</summary>
    public static readonly ImmutableArray<string> GeneratorCrashIds = ImmutableArray.Create("CS8784", "CS8785");

    /// <summary>C# as the SDK compiles it; doc comments parsed (and checked, see <see cref="WithDocumentationDiagnostics"/>).</summary>
    public static readonly CSharpParseOptions ParseOptions =
        CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);

    /// <summary>.NET 10's reference assemblies plus the runtime the generated code calls.</summary>
    public static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All
            .Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(global::Backprop.INetwork<>).Assembly.Location))
            .ToImmutableArray();

    /// <summary>A library compiled as a project of this repository is: nullable on, warning level 9999.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) =>
        CreateCompilation(ParseOptions, OptimizationLevel.Debug, sources);

    public static CSharpCompilation CreateCompilation(CSharpParseOptions parseOptions, OptimizationLevel optimization, params string[] sources)
    {
        IEnumerable<SyntaxTree> trees = sources.Select((source, i) =>
            CSharpSyntaxTree.ParseText(source, parseOptions, path: $"Input{i}.cs"));
        return CSharpCompilation.Create(
            "GeneratorTestInput",
            trees,
            References,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                optimizationLevel: optimization,
                deterministic: true));
    }

    /// <summary>Parse options that also report missing and malformed XML doc comments (CS1591, CS1574...).</summary>
    public static CSharpParseOptions WithDocumentationDiagnostics(this CSharpParseOptions options) =>
        options.WithDocumentationMode(DocumentationMode.Diagnose);

    /// <summary>A driver that records every named pipeline step, as the caching tests need.</summary>
    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null, IEnumerable<AdditionalText>? additionalTexts = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            additionalTexts: additionalTexts,
            parseOptions: parseOptions ?? ParseOptions,
            optionsProvider: null,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    /// <summary>Runs the generator over <paramref name="sources"/> with <paramref name="additionalFiles"/> as the project's AdditionalFiles.</summary>
    public static GeneratorRun Run(IEnumerable<AdditionalText> additionalFiles, params string[] sources) =>
        Run(CreateCompilation(sources), additionalFiles.ToArray());

    public static GeneratorRun Run(CSharpCompilation input, params AdditionalText[] additionalFiles)
    {
        GeneratorDriver driver = CreateDriver((CSharpParseOptions)input.SyntaxTrees.First().Options, additionalFiles)
            .RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> driverDiagnostics);
        return new GeneratorRun(input, output, driver, driverDiagnostics) { AdditionalFiles = additionalFiles.ToImmutableArray() };
    }
}

/// <summary>One generator run: its input, the compilation with the generated files added, and the driver (to run again).</summary>
internal sealed class GeneratorRun
{
    public GeneratorRun(CSharpCompilation input, Compilation output, GeneratorDriver driver, ImmutableArray<Diagnostic> driverDiagnostics)
    {
        Input = input;
        Output = output;
        Driver = driver;
        DriverDiagnostics = driverDiagnostics;
        Result = driver.GetRunResult();
    }

    public CSharpCompilation Input { get; }

    /// <summary>The AdditionalFiles the driver was given.</summary>
    public ImmutableArray<AdditionalText> AdditionalFiles { get; init; } = ImmutableArray<AdditionalText>.Empty;

    public Compilation Output { get; }

    public GeneratorDriver Driver { get; }

    /// <summary>What the driver reported: the generator's own diagnostics, and CS8784/CS8785 when it threw.</summary>
    public ImmutableArray<Diagnostic> DriverDiagnostics { get; }

    public GeneratorDriverRunResult Result { get; }

    public GeneratorRunResult Generator => Assert.Single(Result.Results);

    /// <summary>The diagnostics <see cref="NetworkGenerator"/> reported.</summary>
    public ImmutableArray<Diagnostic> Diagnostics => Generator.Diagnostics;

    public IEnumerable<string> HintNames => Generator.GeneratedSources.Select(s => s.HintName);

    /// <summary>The text of the file generated under <paramref name="hintName"/>.</summary>
    public string Source(string hintName)
    {
        GeneratedSourceResult[] matches = Generator.GeneratedSources.Where(s => s.HintName == hintName).ToArray();
        Assert.True(matches.Length == 1, $"Expected one generated file '{hintName}'; generated: {string.Join(", ", HintNames)}");
        return matches[0].SourceText.ToString();
    }

    /// <summary>Errors and warnings of the input plus generated code (hidden and info diagnostics left out).</summary>
    public IReadOnlyList<Diagnostic> CompilationWarningsAndErrors() =>
        Output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();

    /// <summary>Fails when the generator threw, however the driver chose to report it.</summary>
    public void AssertGeneratorDidNotThrow()
    {
        Assert.True(Generator.Exception is null, $"The generator threw: {Generator.Exception}");
        // The driver reports a generator's exception as CS8784/CS8785 among its own diagnostics.
        Diagnostic[] crashes = DriverDiagnostics.Concat(Generator.Diagnostics)
            .Where(d => Harness.GeneratorCrashIds.Contains(d.Id))
            .ToArray();
        Assert.True(crashes.Length == 0, "The generator threw: " + string.Join(Environment.NewLine, crashes.Select(d => d.ToString())));
    }

    /// <summary>
    /// The source text a diagnostic points at. The generator's diagnostics carry file locations
    /// (rebuilt from equatable values), so the text is looked up in the input by path.
    /// </summary>
    public string SpanText(Diagnostic diagnostic)
    {
        string path = diagnostic.Location.GetLineSpan().Path;
        SyntaxTree tree = diagnostic.Location.SourceTree ?? Assert.Single(Input.SyntaxTrees, t => t.FilePath == path);
        return tree.GetText().ToString(diagnostic.Location.SourceSpan);
    }

    /// <summary>The 1-based line a diagnostic starts on.</summary>
    public static int Line(Diagnostic diagnostic) => diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1;

    public static string Describe(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));
}
