using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// One test per diagnostic: its id, severity, where it points (the attribute or the type's name, as
/// the parser chooses), that its message names the type, and that an error skips only that type.
/// Every compilation also holds a valid network in another file, which must still be generated.
/// </summary>
public sealed class DiagnosticTests
{
    private const string ValidNetwork = """
        namespace Samples.Valid
        {
            [Backprop.Network(2, 3, 1)]
            public partial class StillGenerated { }
        }
        """;

    private const string ValidHint = "Samples.Valid.StillGenerated.Network.g.cs";

    [Fact]
    public void BPG001_network_type_must_be_partial()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public class NotPartial { }
            """);

        AssertReported(run, "BPG001", DiagnosticSeverity.Error, "NotPartial", "NotPartial");
    }

    [Theory]
    [InlineData("Network(784)", "1")]
    [InlineData("Network", "0")]
    [InlineData("Network()", "0")]
    public void BPG002_network_needs_two_layers(string attribute, string count)
    {
        GeneratorRun run = Run($$"""
            using Backprop;

            namespace Samples;

            [{{attribute}}]
            public partial class OneLayer { }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG002", DiagnosticSeverity.Error, attribute, "OneLayer");
        Assert.Contains($"has {count} layer size(s)", Message(diagnostic), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("784, 0, 10", "Layer 2 of the network 'ZeroLayer' has size 0")]
    [InlineData("-5, 3", "Layer 1 of the network 'ZeroLayer' has size -5")]
    [InlineData("784, 30, -10", "Layer 3 of the network 'ZeroLayer' has size -10")]
    public void BPG003_layer_size_must_be_positive(string sizes, string expected)
    {
        GeneratorRun run = Run($$"""
            using Backprop;

            namespace Samples;

            [Network({{sizes}})]
            public partial class ZeroLayer { }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG003", DiagnosticSeverity.Error, $"Network({sizes})", "ZeroLayer");
        Assert.Contains(expected, Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG004_layer_sizes_must_be_constant()
    {
        // The compiler rejects the argument too (CS0182); the generator must still say which network it is.
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            public partial class Holder
            {
                public static int Inputs = 784;

                [Network(Inputs, 10)]
                public partial class NonConstant { }
            }
            """);

        AssertReported(run, "BPG004", DiagnosticSeverity.Error, "Network(Inputs, 10)", "NonConstant");
        Assert.Contains(run.CompilationWarningsAndErrors(), d => d.Id == "CS0182");
    }

    [Fact]
    public void BPG004_is_not_reported_for_named_constants()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            public partial class Holder
            {
                public const int Inputs = 784;

                [Network(Inputs, Hidden.Size * 2, (int)10L)]
                public partial class Constants { }
            }

            public static class Hidden
            {
                public const int Size = 15;
            }
            """);

        Assert.Empty(run.Diagnostics);
        Assert.Contains("[Network(784, 30, 10)]", run.Source("Samples.Holder+Constants.Network.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG005_network_type_must_not_be_generic()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public partial class GenericNet<T> { }
            """);

        AssertReported(run, "BPG005", DiagnosticSeverity.Error, "GenericNet", "GenericNet");
    }

    [Fact]
    public void BPG006_containing_type_must_be_partial()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            public class Plain
            {
                [Network(2, 3, 1)]
                public partial class Inner { }
            }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG006", DiagnosticSeverity.Error, "Inner", "Inner");
        Assert.Contains("'Plain'", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG006_names_every_non_partial_container()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            public class Outermost
            {
                public partial class Middle
                {
                    public struct Innermost
                    {
                        [Network(2, 3, 1)]
                        public partial class Deep { }
                    }
                }
            }
            """);

        run.AssertGeneratorDidNotThrow();
        Assert.All(run.Diagnostics, d => Assert.Equal("BPG006", d.Id));
        string[] messages = run.Diagnostics.Select(Message).ToArray();
        Assert.Equal(2, messages.Length);
        Assert.Single(messages, m => m.Contains("'Innermost'", StringComparison.Ordinal));
        Assert.Single(messages, m => m.Contains("'Outermost'", StringComparison.Ordinal));
        Assert.DoesNotContain(messages, m => m.Contains("'Middle'", StringComparison.Ordinal));
        Assert.All(run.Diagnostics, d => Assert.Equal("Deep", run.SpanText(d)));
        Assert.Equal(new[] { ValidHint }, run.HintNames);
    }

    [Theory]
    [InlineData("too many layers", "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1", "it has 33 layers")]
    [InlineData("too many non-input neurons", "1, 32769", "its non-input layers have 32,769 neurons")]
    [InlineData("too many non-input neurons in several layers", "10, 20000, 12769", "its non-input layers have 32,769 neurons")]
    [InlineData("too many parameters", "16384, 16384", "it has 268,451,840 parameters")]
    [InlineData("too many parameters, far", "20000, 16384, 1", "it has 327,712,769 parameters")]
    public void BPG007_network_too_large(string reason, string sizes, string expected)
    {
        GeneratorRun run = Run($$"""
            using Backprop;

            namespace Samples;

            [Network({{sizes}})]
            public partial class Huge { }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG007", DiagnosticSeverity.Error, $"Network({sizes})", "Huge");
        Assert.True(Message(diagnostic).Contains(expected, StringComparison.Ordinal), $"{reason}: {Message(diagnostic)}");
    }

    [Theory]
    [InlineData("32 layers", "1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1")]
    [InlineData("32,768 non-input neurons", "1, 32768")]
    [InlineData("268,435,456 parameters", "16383, 16384")]
    public void BPG007_is_not_reported_at_the_limits(string limit, string sizes)
    {
        GeneratorRun run = Run($$"""
            using Backprop;

            namespace Samples;

            /// <summary>Exactly at the limit.</summary>
            [Network({{sizes}})]
            public partial class AtTheLimit { }
            """);

        Assert.True(run.Diagnostics.IsEmpty, $"{limit}: {GeneratorRun.Describe(run.Diagnostics)}");
        Assert.Contains("Samples.AtTheLimit.Network.g.cs", run.HintNames);
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, GeneratorRun.Describe(problems));
    }

    [Theory]
    [InlineData("static")]
    [InlineData("abstract")]
    public void BPG008_network_type_must_not_be_static_or_abstract(string modifier)
    {
        GeneratorRun run = Run($$"""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public {{modifier}} partial class NotInstantiable { }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG008", DiagnosticSeverity.Error, "NotInstantiable", "NotInstantiable");
        Assert.Contains($"must not be {modifier}", Message(diagnostic), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("private")]
    [InlineData("internal")]
    [InlineData("protected")]
    public void BPG009_parameterless_constructor_must_be_public(string accessibility)
    {
        string source = $$"""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public partial class HiddenConstructor
            {
                {{accessibility}} HiddenConstructor() { }
            }
            """;
        GeneratorRun run = Run(source);

        Diagnostic diagnostic = AssertReported(run, "BPG009", DiagnosticSeverity.Error, "HiddenConstructor", "HiddenConstructor");
        Assert.Equal(8, GeneratorRun.Line(diagnostic)); // the constructor, not the type's declaration on line 6
    }

    [Fact]
    public void BPG010_network_too_large_to_unroll_is_a_warning_and_still_emits_working_code()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            /// <summary>Asks for straight-line code it cannot have.</summary>
            [Network(784, 30, 10, Unroll = UnrollMode.Full)]
            public partial class TooBigToUnroll { }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG010", DiagnosticSeverity.Warning, "Network(784, 30, 10, Unroll = UnrollMode.Full)", "TooBigToUnroll");
        Assert.Contains("would unroll to about 478,800 IL instructions per method, more than the 5,000", Message(diagnostic), StringComparison.Ordinal);
        Assert.Contains("blocked SIMD code.", run.Source("Samples.TooBigToUnroll.Network.g.cs"), StringComparison.Ordinal);
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, GeneratorRun.Describe(problems));
    }

    [Theory]
    [InlineData("16, 13", false)]
    [InlineData("16, 14", true)]
    [InlineData("1, 1, 61", false)]
    [InlineData("1, 1, 62", true)]
    public void BPG010_starts_just_past_the_unroll_limit(string sizes, bool reported)
    {
        GeneratorRun run = Run($$"""
            using Backprop;

            namespace Samples;

            [Network({{sizes}}, Unroll = UnrollMode.Full)]
            public partial class NearTheLimit { }
            """);

        Assert.Equal(reported ? new[] { "BPG010" } : Array.Empty<string>(), run.Diagnostics.Select(d => d.Id));
        Assert.Contains(
            reported ? "blocked SIMD code." : "unrolled straight-line code.",
            run.Source("Samples.NearTheLimit.Network.g.cs"),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("(UnrollMode)9", "9")]
    [InlineData("(UnrollMode)(-1)", "-1")]
    public void BPG011_unknown_unroll_mode(string mode, string value)
    {
        GeneratorRun run = Run($$"""
            using Backprop;

            namespace Samples;

            [Network(784, 30, 10, Unroll = {{mode}})]
            public partial class StrangeMode { }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG011", DiagnosticSeverity.Error, $"Network(784, 30, 10, Unroll = {mode})", "StrangeMode");
        Assert.Contains($"asks for unroll mode {value},", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG012_network_type_must_not_be_file_local()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            file partial class Local { }
            """);

        AssertReported(run, "BPG012", DiagnosticSeverity.Error, "Local", "Local");
    }

    [Fact]
    public void BPG013_primary_constructor_needs_a_parameterless_constructor()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public partial class Labelled(int label)
            {
                public int Label => label;
            }
            """);

        Diagnostic diagnostic = AssertReported(run, "BPG013", DiagnosticSeverity.Error, "Labelled", "Labelled");
        Assert.Contains("public Labelled() : this(...)", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG013_is_not_reported_when_the_parameterless_constructor_chains()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public partial class Labelled(int label)
            {
                public Labelled() : this(7) { }

                public int Label => label;
            }
            """);

        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, GeneratorRun.Describe(problems));
    }

    [Theory]
    [InlineData("Backprop", 3)]
    [InlineData("Forward", 3)]
    [InlineData("Layer3", 3)]
    [InlineData("Layer2Parameters", 3)]
    [InlineData("Activations", 3)]
    [InlineData("OutputActivation", 3)]
    public void BPG014_network_type_must_not_be_named_like_a_generated_member(string name, int layers)
    {
        string sizes = string.Join(", ", Enumerable.Repeat("4", layers));
        GeneratorRun run = Run($$"""
            namespace Models
            {
                [global::Backprop.Network({{sizes}})]
                public partial class {{name}} { }
            }
            """);

        AssertReported(run, "BPG014", DiagnosticSeverity.Error, name, name);
    }

    [Theory]
    [InlineData("CreateTrained", true)]
    [InlineData("TrainedParameterBytes", true)]
    [InlineData("CreateTrained", false)]
    public void BPG014_applies_to_the_members_of_baked_weights_only_when_they_are_generated(string name, bool baked)
    {
        string weights = baked ? ", Weights = \"tiny.bpnet.b64\"" : "";
        GeneratorRun run = Harness.Run(
            [ModelFiles.Text("/project/tiny.bpnet.b64", ModelFiles.Create([2, 3, 1]))],
            $$"""
            namespace Models
            {
                [global::Backprop.Network(2, 3, 1{{weights}})]
                public partial class {{name}} { }
            }
            """,
            ValidNetwork);

        if (baked)
        {
            AssertReported(run, "BPG014", DiagnosticSeverity.Error, name, name);
        }
        else
        {
            run.AssertGeneratorDidNotThrow();
            Assert.Empty(run.Diagnostics);
            Assert.Equal(2, run.HintNames.Count());
        }
    }

    [Fact]
    public void BPG015_network_type_must_not_be_a_record()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            [Network(2, 3, 1)]
            public partial record Recorded;
            """);

        AssertReported(run, "BPG015", DiagnosticSeverity.Error, "Recorded", "Recorded");
    }

    [Fact]
    public void BPG016_networks_need_CSharp_11()
    {
        CSharpParseOptions csharp10 = Harness.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp10);
        GeneratorRun run = Harness.Run(Harness.CreateCompilation(csharp10, OptimizationLevel.Debug, """
            using Backprop;

            namespace Samples
            {
                [Network(2, 3, 1)]
                public partial class Old { }
            }
            """));

        run.AssertGeneratorDidNotThrow();
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("BPG016", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal("Network(2, 3, 1)", run.SpanText(diagnostic));
        Assert.Contains("C# 10", Message(diagnostic), StringComparison.Ordinal);
        Assert.Empty(run.HintNames);
    }

    /// <summary>A 2-3-1 network baking <c>Weights = "{0}"</c>; the diagnostics point at its attribute.</summary>
    private const string Baked = """
        using Backprop;

        namespace Samples;

        [Network(2, 3, 1, Weights = "{0}")]
        public partial class Baked { }
        """;

    private static string BakedSource(string weights) => Baked.Replace("{0}", weights, StringComparison.Ordinal);

    private static string BakedAttribute(string weights) => $"Network(2, 3, 1, Weights = \"{weights}\")";

    private static byte[] Model231 => ModelFiles.Create([2, 3, 1]);

    [Theory]
    [InlineData("tiny.bpnet.b64", "/project/other.bpnet.b64")]
    [InlineData("tiny.bpnet.b64", "/project/Xtiny.bpnet.b64")]
    [InlineData("models/tiny.bpnet.b64", "/project/tiny.bpnet.b64")]
    [InlineData("", "/project/tiny.bpnet.b64")]
    public void BPG017_weights_file_not_found(string weights, string path)
    {
        GeneratorRun run = Harness.Run([ModelFiles.Text(path, Model231)], BakedSource(weights), ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG017", DiagnosticSeverity.Error, BakedAttribute(weights), "Baked");
        Assert.Contains($"<AdditionalFiles Include=\"{weights}\" />", Message(diagnostic), StringComparison.Ordinal);
        Assert.DoesNotContain(".bpnet model is binary", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG017_for_a_binary_model_name_says_to_bake_its_text_form()
    {
        GeneratorRun run = Harness.Run(BakedSource("tiny.bpnet"), ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG017", DiagnosticSeverity.Error, BakedAttribute("tiny.bpnet"), "Baked");
        Assert.Contains("NetworkSerializer.SaveBase64", Message(diagnostic), StringComparison.Ordinal);
        Assert.Contains("Weights = \"tiny.bpnet.b64\"", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG018_a_binary_model_file_is_never_read()
    {
        // Reading it would fail the build with CS2015: the test's file throws if read.
        GeneratorRun run = Harness.Run([new UnreadableAdditionalText("/project/Models/tiny.bpnet")], BakedSource("tiny.bpnet"), ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG018", DiagnosticSeverity.Error, BakedAttribute("tiny.bpnet"), "Baked");
        Assert.Contains("is a binary model file (.bpnet)", Message(diagnostic), StringComparison.Ordinal);
        Assert.Contains("base64 -w 76 model.bpnet > model.bpnet.b64", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG018_weights_file_the_compiler_cannot_read_as_text()
    {
        // The compiler's AdditionalText gives null (and reports CS2015 itself) for a file it finds binary.
        GeneratorRun run = Harness.Run([new TestAdditionalText("/project/tiny.weights", null)], BakedSource("tiny.weights"), ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG018", DiagnosticSeverity.Error, BakedAttribute("tiny.weights"), "Baked");
        Assert.Contains("could not be read as text", Message(diagnostic), StringComparison.Ordinal);
    }

    /// <summary>Ways a model file can be damaged, and what BPG019 says of each.</summary>
    public static TheoryData<string, string> CorruptFiles => new()
    {
        { "not base64", "it is not base64 text: line 2, column 3 holds '*'" },
        { "control character", "line 1, column 5 holds the character U+0007" },
        { "cut base64", "which is not a multiple of 4" },
        { "data after padding", "line 1, column" },
        { "empty", "it is empty" },
        { "whitespace only", "it is empty" },
        { "wrong magic", "is not a Backprop.Generated model: expected it to start with 42 50 47 4E 45 54 0D 0A (\"BPGNET\\r\\n\") but it starts with 50 4B 03 04" },
        { "short magic", "it is truncated: expected a 16-byte header but found 3 bytes" },
        { "header cut after the magic", "it is truncated: expected a 16-byte header but found 9 bytes" },
        { "header cut after the version", "it is truncated: expected a 16-byte header but found 12 bytes" },
        { "element type", "it stores its parameters as element type 2; this library knows only 1 (float32)" },
        { "activation", "it has activations Sigmoid, ReLU and cost CrossEntropy, which no network has" },
        { "cost", "it has the cost 9; this library knows 1 (CrossEntropy)" },
        { "one layer", "it has 1 layers; a model has 2 to 32" },
        { "33 layers", "it has 33 layers; a model has 2 to 32" },
        { "sizes cut", "it is truncated: expected 20 bytes of layer sizes and parameter count after the first 16 but found 4" },
        { "zero size", "it gives layer 2 a size of 0; every layer has at least one neuron" },
        { "sizes too large", "it gives its first 3 layers the sizes 2-65536-65536, which imply more parameters than a network can hold" },
        { "parameter count", "it announces 14 parameters but its layer sizes 2-3-1 imply 13" },
        { "truncated parameters", "it is truncated: expected a 4-byte CRC-32 after the parameters but found 0 bytes" },
        { "trailing bytes", "it is corrupted: its stored CRC-32 is 0x47030201" },
        { "cut training state", "it has 31 bytes of trailing data after its checksum" },
        { "checksum", "it is corrupted: its stored CRC-32 is 0x" },
        { "one flipped bit", "but its content hashes to 0x" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void BPG019_weights_file_corrupt(string corruption, string expected)
    {
        GeneratorRun run = Harness.Run([Corrupt(corruption)], BakedSource("tiny.bpnet.b64"), ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG019", DiagnosticSeverity.Error, BakedAttribute("tiny.bpnet.b64"), "Baked");
        Assert.Contains(expected, Message(diagnostic), StringComparison.Ordinal);
        Assert.Contains("'tiny.bpnet.b64'", Message(diagnostic), StringComparison.Ordinal);
    }

    private static AdditionalText Corrupt(string corruption)
    {
        const string Path = "/project/tiny.bpnet.b64";
        byte[] model = Model231;
        string text = ModelFiles.Base64(model);
        byte[] Edit(Action<byte[]> edit, bool fixCrc = true)
        {
            byte[] copy = (byte[])model.Clone();
            edit(copy);
            return fixCrc ? ModelFiles.WithValidCrc(copy) : copy;
        }
        byte[] Header(int layers, params int[] sizes)
        {
            var bytes = new byte[16 + 4 * sizes.Length];
            model.AsSpan(0, 14).CopyTo(bytes);
            bytes[14] = (byte)layers;
            for (int i = 0; i < sizes.Length; i++)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(16 + 4 * i), sizes[i]);
            }
            return bytes;
        }

        return corruption switch
        {
            "not base64" => new TestAdditionalText(Path, "QlBH\nTk*U\n"),
            "control character" => new TestAdditionalText(Path, "QlBH\a"),
            "cut base64" => new TestAdditionalText(Path, text.TrimEnd()[..^1]),
            "data after padding" => new TestAdditionalText(Path, "QQ==QUFB"),
            "empty" => new TestAdditionalText(Path, ""),
            "whitespace only" => new TestAdditionalText(Path, " \r\n\t\n"),
            "wrong magic" => ModelFiles.Text(Path, [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]),
            "short magic" => ModelFiles.Text(Path, [0x42, 0x50, 0x47]),
            "header cut after the magic" => ModelFiles.Text(Path, model[..9]),
            "header cut after the version" => ModelFiles.Text(Path, model[..12]),
            "element type" => ModelFiles.Text(Path, Edit(m => m[10] = 2)),
            "activation" => ModelFiles.Text(Path, Edit(m => m[12] = 3)),
            "cost" => ModelFiles.Text(Path, Edit(m => m[13] = 9)),
            "one layer" => ModelFiles.Text(Path, Edit(m => m[14] = 1)),
            "33 layers" => ModelFiles.Text(Path, Edit(m => m[14] = 33)),
            "sizes cut" => ModelFiles.Text(Path, model[..20]),
            "zero size" => ModelFiles.Text(Path, Edit(m => m[20] = 0)),
            "sizes too large" => ModelFiles.Text(Path, [.. Header(3, 2, 65536, 65536), .. new byte[12]]),
            "parameter count" => ModelFiles.Text(Path, Edit(m => m[28] = 14)),
            "truncated parameters" => ModelFiles.Text(Path, ModelFiles.WithValidCrc(model[..^4])),
            "trailing bytes" => ModelFiles.Text(Path, ModelFiles.WithValidCrc([.. model[..^4], 1, 2, 3, 0, 0, 0, 0])),
            "cut training state" => ModelFiles.Text(Path, [.. model, .. "BPGSTATE"u8, 1, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]),
            "checksum" => ModelFiles.Text(Path, Edit(m => m[^1] ^= 0xFF, fixCrc: false)),
            "one flipped bit" => ModelFiles.Text(Path, Edit(m => m[40] ^= 0x04, fixCrc: false)),
            _ => throw new ArgumentOutOfRangeException(nameof(corruption), corruption, null),
        };
    }

    [Theory]
    [InlineData(4, "model format version 4; this generator reads versions 1 to 3 (it was written by a newer Backprop.Generated): update the Backprop.Generated package")]
    [InlineData(65535, "model format version 65,535;")]
    [InlineData(0, "model format version 0; this generator reads versions 1 to 3, and no version below 1 exists")]
    public void BPG020_weights_format_version_unsupported(int version, string expected)
    {
        byte[] model = Model231;
        BitConverter.TryWriteBytes(model.AsSpan(8), (ushort)version);
        // The rest of a newer format is unknown, so not even its checksum is checked.
        GeneratorRun run = Harness.Run([ModelFiles.Text("/project/tiny.bpnet.b64", model)], BakedSource("tiny.bpnet.b64"), ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG020", DiagnosticSeverity.Error, BakedAttribute("tiny.bpnet.b64"), "Baked");
        Assert.Contains(expected, Message(diagnostic), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 2, 4, 1 }, "holds a 2-4-1 network, but the network 'Baked' is 2-3-1")]
    [InlineData(new[] { 3, 2, 1 }, "holds a 3-2-1 network")]
    [InlineData(new[] { 2, 3, 1, 1 }, "holds a 2-3-1-1 network")]
    [InlineData(new[] { 2, 1 }, "holds a 2-1 network")]
    public void BPG021_weights_shape_mismatch(int[] sizes, string expected)
    {
        GeneratorRun run = Harness.Run([ModelFiles.Text("/project/tiny.bpnet.b64", ModelFiles.Create(sizes))], BakedSource("tiny.bpnet.b64"), ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG021", DiagnosticSeverity.Error, BakedAttribute("tiny.bpnet.b64"), "Baked");
        Assert.Contains(expected, Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG022_weights_file_ambiguous()
    {
        GeneratorRun run = Harness.Run(
            [ModelFiles.Text("/project/a/tiny.bpnet.b64", Model231), ModelFiles.Text("/project/b/TINY.bpnet.b64", Model231)],
            BakedSource("tiny.bpnet.b64"),
            ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG022", DiagnosticSeverity.Error, BakedAttribute("tiny.bpnet.b64"), "Baked");
        Assert.Contains("matches 2 AdditionalFiles items ('/project/a/tiny.bpnet.b64', '/project/b/TINY.bpnet.b64')", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG022_is_not_reported_when_a_path_suffix_tells_the_files_apart()
    {
        GeneratorRun run = Harness.Run(
            [ModelFiles.Text("/project/a/tiny.bpnet.b64", Model231), ModelFiles.Text("C:\\project\\b\\tiny.bpnet.b64", Model231)],
            BakedSource("b/tiny.bpnet.b64"),
            ValidNetwork);

        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.Contains("public static Baked CreateTrained()", run.Source("Samples.Baked.Network.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void BPG023_weights_too_large_to_bake()
    {
        // 1024-1024 has 1,049,600 parameters, just past the limit of 1,048,576 (4 MiB).
        int[] sizes = [1024, 1024];
        Assert.True(ModelFiles.ParameterCount(sizes) > Shared.NetworkLimits.MaxBakedParameters);
        GeneratorRun run = Harness.Run(
            [ModelFiles.Text("/project/big.bpnet.b64", ModelFiles.Create(sizes, new float[ModelFiles.ParameterCount(sizes)]))],
            Baked.Replace("Network(2, 3, 1", "Network(1024, 1024", StringComparison.Ordinal).Replace("{0}", "big.bpnet.b64", StringComparison.Ordinal),
            ValidNetwork);

        Diagnostic diagnostic = AssertReported(run, "BPG023", DiagnosticSeverity.Error, "Network(1024, 1024, Weights = \"big.bpnet.b64\")", "Baked");
        Assert.Contains("holds 1,049,600 parameters, more than the 1,048,576", Message(diagnostic), StringComparison.Ordinal);
    }

    [Fact]
    public void Several_problems_at_once()
    {
        GeneratorRun run = Run("""
            using Backprop;

            namespace Samples;

            [Network(784)]
            public class TwoProblems { }

            [Network(784, 30, 10, Unroll = UnrollMode.Full)]
            public partial class OnlyAWarning { }

            public class NotPartialOuter
            {
                [Network(784, 0, 10)]
                public partial class Inner<T> { }
            }
            """);

        run.AssertGeneratorDidNotThrow();
        Assert.Equal(new[] { "Samples.OnlyAWarning.Network.g.cs", ValidHint }, run.HintNames.Order(StringComparer.Ordinal));
        Snapshot.VerifyDiagnostics(run.Diagnostics, run.Input);
    }

    [Fact]
    public void Every_descriptor_is_distinct_released_and_tested()
    {
        DiagnosticDescriptor[] descriptors = typeof(DiagnosticDescriptors)
            .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
            .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
            .ToArray();
        string releases = File.ReadAllText(Path.Combine(
            Repository.Root, "generator", "Backprop.Generated.Generator", "AnalyzerReleases.Unshipped.md"));
        // One test per diagnostic, named after its ID, in any test class (the activation diagnostics have a class of their own).
        string[] tests = typeof(DiagnosticTests).Assembly.GetTypes().SelectMany(type => type.GetMethods()).Select(method => method.Name).ToArray();

        Assert.NotEmpty(descriptors);
        Assert.Equal(descriptors.Length, descriptors.Select(d => d.Id).Distinct().Count());
        Assert.All(descriptors, descriptor =>
        {
            Assert.Matches("^BPG[0-9]{3}$", descriptor.Id);
            Assert.Equal("Backprop.Generated", descriptor.Category);
            Assert.True(descriptor.IsEnabledByDefault);
            Assert.Same(descriptor, DiagnosticDescriptors.ById(descriptor.Id));
            Assert.Contains($"{descriptor.Id} | Backprop.Generated | {descriptor.DefaultSeverity} |", releases, StringComparison.Ordinal);
            Assert.Contains(tests, name => name.StartsWith(descriptor.Id + "_", StringComparison.Ordinal));
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => DiagnosticDescriptors.ById("BPG999"));
    }

    private static GeneratorRun Run(string source) => Harness.Run(source, ValidNetwork);

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    /// <summary>
    /// The run's only generator diagnostic is <paramref name="id"/> with this severity, on this text,
    /// naming the type; an error leaves only the valid network generated.
    /// </summary>
    private static Diagnostic AssertReported(GeneratorRun run, string id, DiagnosticSeverity severity, string spanText, string typeName)
    {
        run.AssertGeneratorDidNotThrow();
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal("Backprop.Generated", diagnostic.Descriptor.Category);
        Assert.Equal(spanText, run.SpanText(diagnostic));
        Assert.Contains($"'{typeName}'", Message(diagnostic), StringComparison.Ordinal);
        if (severity == DiagnosticSeverity.Error)
        {
            Assert.Equal(new[] { ValidHint }, run.HintNames);
        }
        else
        {
            Assert.Contains(ValidHint, run.HintNames);
            Assert.Equal(2, run.HintNames.Count());
        }
        return diagnostic;
    }
}
