using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Every ```csharp block of the documentation (README.md, docs/*.md and the packages' and samples' READMEs) compiles
/// where a reader pastes it, with the generator, without a diagnostic or a warning:
/// <list type="bullet">
/// <item>the README's Quick start alone, as the whole <c>Program.cs</c> of a console program;</item>
/// <item>every other block in the program that already holds the Quick start: its <c>using</c> lines join the file's,
/// its statements follow the Quick start's (top-level statements come before type declarations in a C# file), and its
/// type declarations follow the Quick start's <c>DigitNet</c>. So a block may use the Quick start's <c>data</c>,
/// <c>net</c> and <c>options</c>, must name its own variables and classes differently, and must bring the <c>using</c>
/// lines it needs (<c>Backprop.Tabular</c>, <c>Backprop.Onnx</c>, <c>System.Collections.Generic</c>...). A block that
/// declares a namespace is a file of its own beside the Quick start, as a reader would add it.</item>
/// </list>
/// Each composition is compiled twice: as written, and with the global usings of a <c>dotnet new console</c> project
/// (ImplicitUsings). A weights file a block bakes in (<c>Weights = "name"</c>) is supplied as an AdditionalFiles item
/// holding a valid model of the network the attribute declares: the reader saved it in the step before.
/// A block may be left out only with <c>&lt;!-- not compiled: reason --&gt;</c> on the line before its fence, the reason
/// stated; the test fails on such a marker without a reason.
/// </summary>
public sealed partial class ReadmeTests
{
    /// <summary>The global usings the .NET SDK adds to a console project with ImplicitUsings enabled.</summary>
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    /// <summary>Every C# block of the documentation, by "file:line", the Quick start first.</summary>
    public static TheoryData<string> Blocks()
    {
        var data = new TheoryData<string>();
        foreach (CodeBlock block in AllBlocks())
        {
            data.Add(block.Id);
        }
        return data;
    }

    [Fact]
    public void The_quick_start_is_the_first_csharp_block_after_its_heading_and_trains_saves_and_evaluates()
    {
        string code = QuickStart().Code;
        Assert.Contains("[Network(", code, StringComparison.Ordinal);
        Assert.Contains("Trainer.Train(", code, StringComparison.Ordinal);
        Assert.Contains("Trainer.Evaluate(", code, StringComparison.Ordinal);
        Assert.Contains("NetworkSerializer.Save(", code, StringComparison.Ordinal);
    }

    [Fact]
    public void The_documentation_has_csharp_blocks_in_the_README_and_in_docs_and_none_is_left_out_without_a_reason()
    {
        IReadOnlyList<CodeBlock> blocks = AllBlocks();
        Assert.True(blocks.Count(b => b.File == "README.md") >= 8, "the README has fewer than 8 C# blocks: did the fence regex stop matching?");
        Assert.Contains(blocks, b => b.File.StartsWith("docs/", StringComparison.Ordinal));
        Assert.All(blocks.Where(b => b.Skipped), b => Assert.False(string.IsNullOrWhiteSpace(b.SkipReason), $"{b.Id} is marked 'not compiled' without a reason."));
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Each_block_compiles_where_a_reader_pastes_it(string id)
    {
        CodeBlock block = AllBlocks().Single(b => b.Id == id);
        if (block.Skipped)
        {
            return;
        }
        CodeBlock quickStart = QuickStart();
        string[] files = block.Id == quickStart.Id ? [block.Code] : Compose(quickStart.Code, block.Code);
        AdditionalText[] weights = WeightsFiles(files);
        AssertCompiles(id, files, weights, implicitUsings: false);
        AssertCompiles(id, files, weights, implicitUsings: true);
    }

    /// <summary>
    /// The program a reader has after pasting <paramref name="block"/> into the Quick start: one Program.cs, or, for a block
    /// that declares a namespace, Program.cs (the Quick start) and the block as a file of its own.
    /// </summary>
    internal static string[] Compose(string quickStart, string block)
    {
        CompilationUnitSyntax start = Parse(quickStart), pasted = Parse(block);
        if (pasted.Members.Any(m => m is BaseNamespaceDeclarationSyntax))
        {
            return [quickStart, block];
        }
        var text = new StringBuilder();
        foreach (string line in start.Usings.Concat(pasted.Usings).Select(u => u.ToString().Trim()).Distinct(StringComparer.Ordinal))
        {
            text.Append(line).Append('\n');
        }
        text.Append('\n');
        foreach (MemberDeclarationSyntax member in start.Members.OfType<GlobalStatementSyntax>().Concat(pasted.Members.OfType<GlobalStatementSyntax>()))
        {
            text.Append(member.ToFullString().TrimStart('\n')).Append('\n');
        }
        text.Append('\n');
        foreach (MemberDeclarationSyntax member in start.Members.Where(m => m is not GlobalStatementSyntax)
                     .Concat(pasted.Members.Where(m => m is not GlobalStatementSyntax)))
        {
            text.Append(member.ToFullString().TrimStart('\n')).Append('\n');
        }
        return [text.ToString()];
    }

    private static CompilationUnitSyntax Parse(string code) =>
        (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(code, Harness.ParseOptions).GetRoot();

    private static void AssertCompiles(string id, string[] files, AdditionalText[] additionalFiles, bool implicitUsings)
    {
        string[] sources = implicitUsings ? [ImplicitUsings, .. files] : files;
        CSharpCompilation compilation = Harness.CreateCompilation(sources);
        compilation = compilation
            .WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication))
            .AddReferences(
                MetadataReference.CreateFromFile(typeof(global::Backprop.Tabular.TabularData).Assembly.Location),
                MetadataReference.CreateFromFile(typeof(global::Backprop.Onnx.OnnxImporter).Assembly.Location));
        GeneratorRun run = Harness.Run(compilation, additionalFiles);
        run.AssertGeneratorDidNotThrow();
        string program = string.Join("\n// ---- next file ----\n", files);
        string where = $"{id}{(implicitUsings ? " (with ImplicitUsings)" : "")}";
        Assert.True(run.Diagnostics.IsEmpty, $"{where}: the generator reported\n{GeneratorRun.Describe(run.Diagnostics)}\nin\n{program}");
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, $"{where}: the compiler reported\n{GeneratorRun.Describe(problems)}\nin\n{program}");
    }

    /// <summary>
    /// For every <c>[Network(…, Weights = "name")]</c> in <paramref name="files"/>, the AdditionalFiles item a reader would
    /// have made with <c>NetworkSerializer.SaveBase64</c>: a valid model of the declared sizes, activations and cost.
    /// </summary>
    private static AdditionalText[] WeightsFiles(string[] files)
    {
        var texts = new List<AdditionalText>();
        foreach (AttributeSyntax attribute in files.SelectMany(f => Parse(f).DescendantNodes().OfType<AttributeSyntax>()))
        {
            if (attribute.Name.ToString() is not ("Network" or "NetworkAttribute") || attribute.ArgumentList is null)
            {
                continue;
            }
            if (attribute.ArgumentList.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.Text == "Weights")?.Expression
                is not LiteralExpressionSyntax { Token.ValueText: string weights })
            {
                continue;
            }
            var sizes = new List<int>();
            ActivationKind hidden = ActivationKind.Sigmoid, output = ActivationKind.Sigmoid;
            ActivationKind[]? all = null;
            CostKind? cost = null;
            foreach (AttributeArgumentSyntax argument in attribute.ArgumentList.Arguments)
            {
                string value = argument.Expression.ToString();
                switch (argument.NameEquals?.Name.Identifier.Text)
                {
                    case null:
                        // A baked network's sizes must be literals here, for the test to write its model.
                        sizes.Add(int.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
                        break;
                    case "HiddenActivation":
                        hidden = Enum.Parse<ActivationKind>(Member(value));
                        break;
                    case "OutputActivation":
                        output = Enum.Parse<ActivationKind>(Member(value));
                        break;
                    case "Activations":
                        all = argument.Expression.DescendantNodes().OfType<MemberAccessExpressionSyntax>()
                            .Select(m => Enum.Parse<ActivationKind>(m.Name.Identifier.Text)).ToArray();
                        break;
                    case "Cost":
                        cost = Enum.Parse<CostKind>(Member(value));
                        break;
                }
            }
            ActivationKind[] activations = all ?? [.. Enumerable.Repeat(hidden, sizes.Count - 2), output];
            byte[] model = ModelFiles.Version2([.. sizes], activations, cost ?? NetworkAttribute.NaturalCost(activations[^1]));
            texts.Add(ModelFiles.Text(weights, model));
        }
        return [.. texts];

        static string Member(string expression) => expression[(expression.LastIndexOf('.') + 1)..];
    }

    // ---- The blocks ----------------------------------------------------------------------------

    /// <summary>A ```csharp block: where it is (repository-relative file, 1-based line of its fence) and its code.</summary>
    internal sealed record CodeBlock(string File, int Line, string Code, string? SkipReason, bool Skipped)
    {
        public string Id => $"{File}:{Line}";
    }

    /// <summary>The markdown files whose C# blocks are compiled: the README, docs/, and the packages' and samples' READMEs.</summary>
    internal static IEnumerable<string> DocumentedFiles()
    {
        string root = Repository.Root;
        yield return "README.md";
        foreach (string folder in new[] { "docs" })
        {
            if (Directory.Exists(Path.Combine(root, folder)))
            {
                foreach (string file in Directory.GetFiles(Path.Combine(root, folder), "*.md").Order(StringComparer.Ordinal))
                {
                    yield return Path.GetRelativePath(root, file).Replace('\\', '/');
                }
            }
        }
        foreach (string parent in new[] { "src", "samples" })
        {
            foreach (string project in Directory.GetDirectories(Path.Combine(root, parent)).Order(StringComparer.Ordinal))
            {
                if (File.Exists(Path.Combine(project, "README.md")))
                {
                    yield return Path.GetRelativePath(root, Path.Combine(project, "README.md")).Replace('\\', '/');
                }
            }
        }
    }

    internal static IReadOnlyList<CodeBlock> AllBlocks()
    {
        var blocks = new List<CodeBlock>();
        foreach (string file in DocumentedFiles())
        {
            string text = File.ReadAllText(Path.Combine(Repository.Root, file)).ReplaceLineEndings("\n");
            foreach (Match fence in CSharpFence().Matches(text))
            {
                int line = text.AsSpan(0, fence.Groups["code"].Index).Count('\n');
                Match marker = NotCompiled().Match(fence.Groups["before"].Value);
                blocks.Add(new CodeBlock(file, line, fence.Groups["code"].Value,
                    marker.Success ? marker.Groups["reason"].Value.Trim() : null, marker.Success));
            }
        }
        return blocks;
    }

    /// <summary>The first C# block after the README's "## Quick start" heading.</summary>
    internal static CodeBlock QuickStart()
    {
        string text = File.ReadAllText(Path.Combine(Repository.Root, "README.md")).ReplaceLineEndings("\n");
        int heading = text.IndexOf("\n## Quick start\n", StringComparison.Ordinal);
        Assert.True(heading >= 0, "README.md has no '## Quick start' heading.");
        int line = text.AsSpan(0, heading + 1).Count('\n') + 1;
        return AllBlocks().FirstOrDefault(b => b.File == "README.md" && b.Line > line)
            ?? throw new InvalidOperationException("README.md has no C# block after '## Quick start'.");
    }

    /// <summary>A ```csharp fence at the start of a line, with the line before it (for a "not compiled" marker).</summary>
    [GeneratedRegex(@"(?<before>[^\n]*)\n```csharp\n(?<code>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex CSharpFence();

    [GeneratedRegex(@"<!--\s*not compiled:(?<reason>.*?)-->")]
    private static partial Regex NotCompiled();
}
