using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>The README's C# examples compile as pasted, with the generator (a reader's first contact).</summary>
public sealed class ReadmeTests
{
    [Fact]
    public void Quick_start_compiles_as_one_program()
    {
        string code = CodeBlockAfter("## Quick start");
        Assert.Contains("[Network(", code, StringComparison.Ordinal);
        AssertCompiles(code, OutputKind.ConsoleApplication);
    }

    [Fact]
    public void Activation_declarations_compile()
    {
        string code = CodeBlockAfter("## Activations and costs");
        Assert.Contains("Activations = new[]", code, StringComparison.Ordinal);
        AssertCompiles("using Backprop;\n" + code, OutputKind.DynamicallyLinkedLibrary);
    }

    [Fact]
    public void Training_example_compiles_in_a_method_given_a_network_and_data()
    {
        string code = CodeBlockAfter("## Training");
        Assert.Contains("new Adam()", code, StringComparison.Ordinal);
        AssertCompiles(
            $$"""
            using System.Collections.Generic;
            using Backprop;

            [Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
            public partial class FashionNet { }

            public static class Example
            {
                public static void Run(FashionNet network, DatasetSplit data)
                {
            {{code}}
                }
            }
            """,
            OutputKind.DynamicallyLinkedLibrary);
    }

    [Fact]
    public void Your_own_data_example_compiles_in_a_method_given_its_arrays()
    {
        string code = CodeBlockAfter("## Your own data");
        Assert.Contains("Split(0.8", code, StringComparison.Ordinal);
        AssertCompiles(
            $$"""
            using Backprop;

            public static class Example
            {
                public static void Run(float[] inputs, int[] labels, float[] targets, float[] inputRows, float[] targetRows)
                {
            {{code}}
                }
            }
            """,
            OutputKind.DynamicallyLinkedLibrary);
    }

    private static void AssertCompiles(string code, OutputKind kind)
    {
        CSharpCompilation compilation = Harness.CreateCompilation(code);
        compilation = compilation.WithOptions(compilation.Options.WithOutputKind(kind));
        GeneratorRun run = Harness.Run(compilation);
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.Empty(run.CompilationWarningsAndErrors());
    }

    /// <summary>The first ```csharp block after the heading <paramref name="heading"/> of README.md.</summary>
    private static string CodeBlockAfter(string heading, [CallerFilePath] string thisFile = "")
    {
        string readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "README.md"));
        int at = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(at >= 0, $"README.md has no heading '{heading}'.");
        Match block = Regex.Match(readme.Substring(at), "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, $"No C# block after '{heading}'.");
        return block.Groups[1].Value;
    }
}
