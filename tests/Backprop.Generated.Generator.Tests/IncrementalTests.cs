using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Generator.Helpers;
using Backprop.Generated.Generator.Model;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// The pipeline does no work an edit does not call for: an unrelated edit leaves the spec equal and
/// the emitted file cached; a changed size re-emits. (Every snapshot test also checks a plain rerun.)
/// </summary>
public sealed class IncrementalTests
{
    private const string Digit = """
        using Backprop;

        namespace Samples;

        [Network(784, 30, 10)]
        public partial class DigitNet { }
        """;

    private const string Unrelated = """
        namespace Samples;

        public static class Helpers
        {
            public static int Twice(int x) => 2 * x;
        }
        """;

    private const string DigitHint = "Samples.DigitNet.Network.g.cs";

    [Fact]
    public void An_identical_rerun_is_fully_cached()
    {
        Incremental.AssertCachedOnRerun(Harness.Run(Digit, Unrelated));
    }

    [Fact]
    public void An_identical_rerun_with_diagnostics_is_fully_cached()
    {
        Incremental.AssertCachedOnRerun(Harness.Run(Digit, """
            using Backprop;

            namespace Samples;

            [Network(784, 30, 10, Unroll = UnrollMode.Full)]
            public partial class Warned { }

            [Network(784)]
            public partial class Broken { }
            """));
    }

    [Fact]
    public void Adding_an_unrelated_member_to_the_class_leaves_the_spec_unchanged_and_the_output_cached()
    {
        GeneratorRun run = Harness.Run(Digit, Unrelated);

        GeneratorRunResult next = Rerun(run, 0, Digit.Replace(
            "public partial class DigitNet { }",
            "public partial class DigitNet\n{\n    public int Extra => 42;\n}", StringComparison.Ordinal));

        // The class changed, so the parse ran again and found an equal result ("Unchanged"); Roslyn
        // then does not run the steps after it at all, so they report "Cached", not "Unchanged".
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, Reasons(next, TrackingNames.Parse));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.Specs));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, FileOutputs(next));
    }

    [Fact]
    public void Editing_an_unrelated_file_leaves_the_spec_unchanged_and_the_output_cached()
    {
        GeneratorRun run = Harness.Run(Digit, Unrelated);

        GeneratorRunResult next = Rerun(run, 1, Unrelated.Replace("2 * x", "x + x", StringComparison.Ordinal));

        // The parse runs again on any edit (another file may define a constant the attribute uses),
        // finds an equal result, and nothing after it runs.
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, Reasons(next, TrackingNames.Parse));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.Specs));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, FileOutputs(next));
    }

    [Fact]
    public void Changing_a_layer_size_modifies_the_spec_and_regenerates_the_file()
    {
        GeneratorRun run = Harness.Run(Digit, Unrelated);
        Assert.Contains("784 → 30 → 10", run.Source(DigitHint), StringComparison.Ordinal);

        GeneratorRunResult next = Rerun(run, 0, Digit.Replace("(784, 30, 10)", "(784, 64, 10)", StringComparison.Ordinal));

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(next, TrackingNames.Specs));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, FileOutputs(next));
        NetworkSpec spec = Assert.IsType<NetworkSpec>(Assert.Single(Incremental.Outputs(next, TrackingNames.Specs)).Value);
        Assert.Equal(new[] { 784, 64, 10 }, spec.Sizes);
        string source = Assert.Single(next.GeneratedSources, s => s.HintName == DigitHint).SourceText.ToString();
        Assert.Contains("784 → 64 → 10", source, StringComparison.Ordinal);
        Assert.Contains("public static int ParameterCount => 50890;", source, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_a_constant_in_another_file_regenerates_the_network()
    {
        const string Sizes = """
            namespace Samples;

            public static class Sizes
            {
                public const int Hidden = 30;
            }
            """;
        GeneratorRun run = Harness.Run(Digit.Replace("(784, 30, 10)", "(784, Sizes.Hidden, 10)", StringComparison.Ordinal), Sizes);
        Assert.Contains("784 → 30 → 10", run.Source(DigitHint), StringComparison.Ordinal);

        GeneratorRunResult next = Rerun(run, 1, Sizes.Replace("30", "64", StringComparison.Ordinal));

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(next, TrackingNames.Specs));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, FileOutputs(next));
        Assert.Contains("784 → 64 → 10", Assert.Single(next.GeneratedSources).SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Editing_one_network_leaves_the_other_cached()
    {
        const string Second = """
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public partial class Tiny { }
            """;
        GeneratorRun run = Harness.Run(Digit, Second);

        GeneratorRunResult next = Rerun(run, 1, Second.Replace("(2, 3, 1)", "(2, 4, 1)", StringComparison.Ordinal));

        Assert.Equal(
            new[] { IncrementalStepRunReason.Modified, IncrementalStepRunReason.Cached },
            FileOutputs(next).Order());
        Assert.Contains("2 → 4 → 1", Assert.Single(next.GeneratedSources, s => s.HintName == "Samples.Tiny.Network.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_diagnostic_follows_its_type_when_lines_are_inserted_above()
    {
        const string Broken = """
            using Backprop;

            namespace Samples;

            [Network(784)]
            public partial class Broken { }
            """;
        GeneratorRun run = Harness.Run(Broken);
        Assert.Equal(5, GeneratorRun.Line(Assert.Single(run.Diagnostics)));

        GeneratorRunResult next = Rerun(run, 0, "// one\n// two\n" + Broken);

        Diagnostic moved = Assert.Single(next.Diagnostics);
        Assert.Equal("BPG002", moved.Id);
        Assert.Equal(7, GeneratorRun.Line(moved));
    }

    [Fact]
    public void The_same_source_parsed_twice_gives_equal_specs_that_are_not_the_same_instance()
    {
        GeneratorRun first = Harness.Run(Digit);
        GeneratorRun second = Harness.Run(Digit);

        var a = Assert.IsType<NetworkSpec>(Assert.Single(Incremental.Outputs(first.Generator, TrackingNames.Specs)).Value);
        var b = Assert.IsType<NetworkSpec>(Assert.Single(Incremental.Outputs(second.Generator, TrackingNames.Specs)).Value);

        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(a.Target, b.Target);
        Assert.Equal(a.Layers.GetHashCode(), b.Layers.GetHashCode());

        var parsedA = Assert.IsType<ParseResult>(Assert.Single(Incremental.Outputs(first.Generator, TrackingNames.Parse)).Value);
        var parsedB = Assert.IsType<ParseResult>(Assert.Single(Incremental.Outputs(second.Generator, TrackingNames.Parse)).Value);
        Assert.NotSame(parsedA, parsedB);
        Assert.Equal(parsedA, parsedB);
        Assert.Equal(parsedA.GetHashCode(), parsedB.GetHashCode());
    }

    [Fact]
    public void Equal_diagnostics_parsed_twice_are_equal()
    {
        const string Broken = """
            using Backprop;

            [Network(784, 0)]
            public class Broken { }
            """;
        var a = Assert.IsType<ParseResult>(Assert.Single(Incremental.Outputs(Harness.Run(Broken).Generator, TrackingNames.Parse)).Value);
        var b = Assert.IsType<ParseResult>(Assert.Single(Incremental.Outputs(Harness.Run(Broken).Generator, TrackingNames.Parse)).Value);

        Assert.Equal(2, a.Diagnostics.Count);
        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    private const string Baked = """
        using Backprop;

        namespace Samples;

        [Network(2, 3, 1, Weights = "tiny.bpnet.b64")]
        public partial class Tiny { }
        """;

    private const string BakedHint = "Samples.Tiny.Network.g.cs";

    /// <summary>A run of <see cref="Baked"/> and <see cref="Unrelated"/> whose weights file counts its reads.</summary>
    private static (GeneratorRun Run, CountingAdditionalText Weights) RunBaked(params AdditionalText[] otherFiles)
    {
        var weights = new CountingAdditionalText("/project/tiny.bpnet.b64", ModelFiles.Base64(ModelFiles.Create([2, 3, 1])));
        GeneratorRun run = Harness.Run(Harness.CreateCompilation(Baked, Unrelated), [weights, .. otherFiles]);
        Assert.Empty(run.Diagnostics);
        Assert.Contains("public static Tiny CreateTrained()", run.Source(BakedHint), StringComparison.Ordinal);
        Assert.Equal(1, weights.Reads);
        return (run, weights);
    }

    [Fact]
    public void An_identical_rerun_with_baked_weights_is_fully_cached_and_reads_nothing()
    {
        (GeneratorRun run, CountingAdditionalText weights) = RunBaked();

        Incremental.AssertCachedOnRerun(run);

        Assert.Equal(1, weights.Reads);
    }

    [Fact]
    public void Editing_unrelated_code_does_not_read_or_parse_the_weights_file_again()
    {
        (GeneratorRun run, CountingAdditionalText weights) = RunBaked();

        GeneratorRunResult next = Rerun(run, 1, Unrelated.Replace("2 * x", "x + x", StringComparison.Ordinal));

        Assert.Equal(1, weights.Reads);
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.WeightsFiles));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.Specs));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, FileOutputs(next));
    }

    [Fact]
    public void Editing_the_network_class_does_not_read_the_weights_file_again()
    {
        (GeneratorRun run, CountingAdditionalText weights) = RunBaked();

        GeneratorRunResult next = Rerun(run, 0, Baked.Replace(
            "public partial class Tiny { }", "public partial class Tiny\n{\n    public int Extra => 42;\n}", StringComparison.Ordinal));

        Assert.Equal(1, weights.Reads);
        Assert.Equal(new[] { IncrementalStepRunReason.Unchanged }, Reasons(next, TrackingNames.Parse));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.WeightsFiles));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, FileOutputs(next));
    }

    [Fact]
    public void Moving_the_attribute_rebinds_without_reading_the_weights_file_again()
    {
        (GeneratorRun run, CountingAdditionalText weights) = RunBaked();

        // The attribute's location is part of the parse result, so the parse and the binding run again.
        GeneratorRunResult next = Rerun(run, 0, "// one\n// two\n" + Baked);

        Assert.Equal(1, weights.Reads);
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(next, TrackingNames.Parse));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.WeightsFiles));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(next, TrackingNames.BindWeights));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.Specs));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, FileOutputs(next));
    }

    [Fact]
    public void Adding_an_unrelated_additional_file_reads_neither_file()
    {
        (GeneratorRun run, CountingAdditionalText weights) = RunBaked();

        // A binary file no network names: reading it would fail the build with CS2015.
        GeneratorDriver driver = run.Driver.AddAdditionalTexts([new UnreadableAdditionalText("/project/image.png")]);
        GeneratorRunResult next = Assert.Single(driver.RunGenerators(run.Input).GetRunResult().Results);

        Assert.Null(next.Exception);
        Assert.Equal(1, weights.Reads);
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, Reasons(next, TrackingNames.WeightsFiles));
        Assert.Equal(new[] { IncrementalStepRunReason.Cached }, FileOutputs(next));
    }

    [Fact]
    public void Editing_the_weights_file_regenerates_the_network()
    {
        (GeneratorRun run, CountingAdditionalText weights) = RunBaked();
        string before = run.Source(BakedHint);
        float[] retrained = ModelFiles.Parameters(13);
        retrained[12] = 0.5f; // 00 00 00 3F

        AdditionalText edited = ModelFiles.Text(weights.Path, ModelFiles.Create([2, 3, 1], retrained));
        GeneratorRunResult next = Assert.Single(run.Driver.ReplaceAdditionalText(weights, edited).RunGenerators(run.Input).GetRunResult().Results);

        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(next, TrackingNames.WeightsFiles));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, Reasons(next, TrackingNames.Specs));
        Assert.Equal(new[] { IncrementalStepRunReason.Modified }, FileOutputs(next));
        string after = Assert.Single(next.GeneratedSources, s => s.HintName == BakedHint).SourceText.ToString();
        Assert.NotEqual(before, after);
        Assert.Contains("0,0,0,63,\n", after, StringComparison.Ordinal);
    }

    [Fact]
    public void Fixing_a_broken_weights_file_clears_the_error_and_generates_the_network()
    {
        var broken = new TestAdditionalText("/project/tiny.bpnet.b64", "not a model");
        GeneratorRun run = Harness.Run(Harness.CreateCompilation(Baked), broken);
        Assert.Equal("BPG019", Assert.Single(run.Diagnostics).Id);
        Assert.Empty(run.HintNames);

        AdditionalText fixedFile = ModelFiles.Text(broken.Path, ModelFiles.Create([2, 3, 1]));
        GeneratorRunResult next = Assert.Single(run.Driver.ReplaceAdditionalText(broken, fixedFile).RunGenerators(run.Input).GetRunResult().Results);

        Assert.Empty(next.Diagnostics);
        Assert.Equal(new[] { BakedHint }, next.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void Weights_files_read_twice_give_equal_models_that_are_not_the_same_instance()
    {
        var a = Assert.IsType<WeightsFile>(Assert.Single(Incremental.Outputs(RunBaked().Run.Generator, TrackingNames.WeightsFiles)).Value);
        var b = Assert.IsType<WeightsFile>(Assert.Single(Incremental.Outputs(RunBaked().Run.Generator, TrackingNames.WeightsFiles)).Value);

        Assert.NotSame(a, b);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(4 * 13, a.Model!.Parameters.Count);
    }

    [Fact]
    public void The_compiler_object_check_finds_what_it_looks_for()
    {
        // Guards Incremental.AssertCachedOnRerun: the walk must see through tuples, records and EquatableArray.
        CSharpCompilation compilation = Harness.CreateCompilation("class C { }");
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        var info = new DiagnosticInfo("BPG001", LocationInfo.From(tree.GetRoot().GetLocation()), new EquatableArray<string>(new[] { "C" }));

        Assert.Empty(Incremental.FindCompilerObjects(new ParseResult(null, new EquatableArray<DiagnosticInfo>(new[] { info }))));
        Assert.Equal(new[] { "value.Item2: SourceLocation" }, Incremental.FindCompilerObjects((1, tree.GetRoot().GetLocation())));
        Assert.Equal(new[] { "value.Item1[0].Item2: CSharpCompilation" }, Incremental.FindCompilerObjects((new List<(int, Compilation)> { (1, compilation) }, "x")));
        Assert.Single(Incremental.FindCompilerObjects(new Holder(new EquatableArray<Wrapper>(new[] { new Wrapper(compilation.GetTypeByMetadataName("C")) }))));
        Assert.Single(Incremental.FindCompilerObjects(new Holder(new EquatableArray<Wrapper>(new[] { new Wrapper(tree.GetRoot()) }))));
    }

    private sealed record Wrapper(object? Value);

    private sealed record Holder(EquatableArray<Wrapper> Items);

    private static GeneratorRunResult Rerun(GeneratorRun run, int fileIndex, string newSource)
    {
        SyntaxTree old = run.Input.SyntaxTrees.ElementAt(fileIndex);
        SyntaxTree replacement = CSharpSyntaxTree.ParseText(newSource, (CSharpParseOptions)old.Options, old.FilePath);
        Compilation next = run.Input.ReplaceSyntaxTree(old, replacement);
        return Assert.Single(run.Driver.RunGenerators(next).GetRunResult().Results);
    }

    /// <summary>The reasons of the outputs that write files (not those that report diagnostics).</summary>
    private static IReadOnlyList<IncrementalStepRunReason> FileOutputs(GeneratorRunResult result) =>
        Incremental.SourceOutputReasons(result, TrackingNames.Specs);

    private static IReadOnlyList<IncrementalStepRunReason> Reasons(GeneratorRunResult result, string step) =>
        Incremental.Outputs(result, step).Select(output => output.Reason).ToArray();
}
