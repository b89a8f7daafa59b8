using System;
using System.Globalization;
using System.Linq;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Networks declared layer by layer: the diagnostics of the layer attributes (BPG032–BPG042), each with its id, severity,
/// location and the words that say what to change; that an error skips only that network; that layers are read in the
/// order they are written; and that the generator never throws on them.
/// </summary>
public sealed class LayerDiagnosticTests
{
    private const string ValidNetwork = """
        namespace Samples.Valid
        {
            [Backprop.Network]
            [Backprop.Input(1, 6, 6)]
            [Backprop.Conv2D(2, 3, Activation = global::Backprop.ActivationKind.ReLU)]
            [Backprop.MaxPool2D(2)]
            [Backprop.Dense(3, Activation = global::Backprop.ActivationKind.Softmax)]
            public partial class StillGenerated { }
        }
        """;

    private const string ValidHint = "Samples.Valid.StillGenerated.Network.g.cs";

    private static GeneratorRun Run(string attributes, string typeName = "Layered") => Harness.Run($$"""
        using Backprop;

        namespace Samples;

        {{attributes}}
        public partial class {{typeName}} { }
        """, ValidNetwork);

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    /// <summary>The run's only generator diagnostic is <paramref name="id"/>, on <paramref name="span"/>; only the valid network is generated.</summary>
    private static Diagnostic AssertReported(GeneratorRun run, string id, string span, params string[] parts)
    {
        run.AssertGeneratorDidNotThrow();
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(span, run.SpanText(diagnostic));
        string message = Message(diagnostic);
        Assert.Contains("'Layered'", message, StringComparison.Ordinal);
        foreach (string part in parts)
        {
            Assert.True(message.Contains(part, StringComparison.Ordinal), $"'{part}' is not in: {message}");
        }
        Assert.Equal(new[] { ValidHint }, run.HintNames);
        return diagnostic;
    }

    [Fact]
    public void A_valid_layered_network_generates_with_no_diagnostic()
    {
        GeneratorRun run = Run("[Network]\n[Input(3, 8, 8)]\n[Conv2D(4, 3, Padding = 1, Activation = ActivationKind.ReLU)]\n[AvgPool2D(2)]\n[Dense(2)]");
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        Assert.Contains("Samples.Layered.Network.g.cs", run.HintNames);
        Assert.Empty(run.Output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString()));
    }

    [Fact]
    public void Layers_are_read_in_the_order_they_are_written_across_attribute_lists()
    {
        GeneratorRun run = Run("[Network, Input(1, 8, 8)]\n[Conv2D(2, 3), MaxPool2D(2)]\n[Conv2D(3, 2)]\n[Dense(4, Activation = ActivationKind.Softmax)]");
        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
        string source = run.Source("Samples.Layered.Network.g.cs");
        int first = source.IndexOf("// Layer 2 (Conv2D 1×8×8 → 2×6×6", StringComparison.Ordinal);
        int second = source.IndexOf("// Layer 3 (MaxPool2D 2×6×6 → 2×3×3", StringComparison.Ordinal);
        int third = source.IndexOf("// Layer 4 (Conv2D 2×3×3 → 3×2×2", StringComparison.Ordinal);
        Assert.True(first >= 0 && second > first && third > second, source[..Math.Min(2000, source.Length)]);
    }

    [Fact]
    public void BPG032_layer_attributes_without_Network()
    {
        GeneratorRun run = Run("[Input(4)]\n[Dense(2)]");
        AssertReported(run, "BPG032", "Input(4)", "[Input]", "add [Network]");
    }

    [Theory]
    [InlineData("[Network(4, 3)]\n[Input(4)]\n[Dense(2)]", "Network(4, 3)", "layer sizes")]
    [InlineData("[Network(HiddenActivation = ActivationKind.ReLU)]\n[Input(4)]\n[Dense(2)]", "Network(HiddenActivation = ActivationKind.ReLU)", "HiddenActivation")]
    public void BPG033_layer_attributes_with_sizes_or_activations_in_Network(string attributes, string span, string given)
    {
        AssertReported(Run(attributes), "BPG033", span, given, "declare it one way");
    }

    [Theory]
    [InlineData("[Network]\n[Dense(3)]\n[Dense(2)]", "Dense(3)", "has no [Input]")]
    [InlineData("[Network]\n[Dense(3)]\n[Input(4)]", "Dense(3)", "before its [Input]")]
    public void BPG034_a_network_declared_layer_by_layer_needs_Input_first(string attributes, string span, string phrase)
    {
        AssertReported(Run(attributes), "BPG034", span, phrase, "[Input(channels, height, width)]");
    }

    [Theory]
    [InlineData("Input(0, 4)", "0, 4")]
    [InlineData("Input(1, 2, 3, 4)", "1, 2, 3, 4")]
    [InlineData("Input()", "")]
    public void BPG035_an_input_shape_of_one_to_three_positive_dimensions(string input, string shape)
    {
        AssertReported(Run($"[Network]\n[{input}]\n[Dense(2)]"), "BPG035", input, $"the input shape ({shape})");
    }

    [Theory]
    [InlineData("Conv2D(0, 3)", "filters = 0")]
    [InlineData("Conv2D(2, 3, Stride = 0)", "Stride = 0")]
    [InlineData("Conv2D(2, 3, Padding = -1)", "Padding = -1")]
    [InlineData("MaxPool2D(0)", "size = 0")]
    [InlineData("Dense(0)", "units = 0")]
    public void BPG036_a_layer_size_out_of_range(string layer, string value)
    {
        AssertReported(Run($"[Network]\n[Input(1, 8, 8)]\n[{layer}]\n[Dense(2)]"), "BPG036", layer, "Layer 2", value, "must be at least");
    }

    [Theory]
    [InlineData("Conv2D(2, 9)", "window of 9 over 8 values")]
    [InlineData("MaxPool2D(9)", "window of 9 over 8 values")]
    [InlineData("Conv2D(2, 3, KernelHeight = 5, KernelWidth = 11, Padding = 1)", "window of 11 over 8 values (with padding 1")]
    public void BPG037_a_kernel_or_pool_larger_than_its_input(string layer, string phrase)
    {
        AssertReported(Run($"[Network]\n[Input(1, 8, 8)]\n[{layer}]\n[Dense(2)]"), "BPG037", layer, phrase, "make the window smaller");
    }

    [Theory]
    [InlineData("Conv2D(2, 3, Stride = 3)", "(8 + 2·0 − 3) is not a multiple of 3", "Padding = 2")]
    [InlineData("Conv2D(2, 3, Stride = 2)", "(8 + 2·0 − 3) is not a multiple of 2", "Stride = 1")]
    [InlineData("MaxPool2D(3)", "(8 + 2·0 − 3) is not a multiple of 3", "Stride = 1")]
    public void BPG038_an_output_size_that_is_not_a_whole_number(string layer, string phrase, string suggestion)
    {
        AssertReported(Run($"[Network]\n[Input(1, 8, 8)]\n[{layer}]\n[Dense(2)]"), "BPG038", layer, phrase, suggestion);
    }

    [Theory]
    [InlineData("[Network]\n[Input(1, 8, 8)]\n[Dense(20)]\n[Conv2D(2, 3)]", "Conv2D(2, 3)", "follows a dense layer", "before the dense layers")]
    [InlineData("[Network]\n[Input(64)]\n[Conv2D(2, 3)]", "Conv2D(2, 3)", "the input is a vector of 64 values", "[Input(channels, height, width)]")]
    [InlineData("[Network]\n[Input(1, 8, 8)]\n[Conv1D(2, 3)]", "Conv1D(2, 3)", "an image of 1×8×8", "[Input(channels, length)]")]
    [InlineData("[Network]\n[Input(2, 16)]\n[MaxPool2D(2)]", "MaxPool2D(2)", "a signal of 2×16", "1-D layers")]
    public void BPG039_a_layer_that_cannot_take_the_layer_before(string attributes, string span, string gets, string fix)
    {
        AssertReported(Run(attributes), "BPG039", span, gets, fix);
    }

    [Theory]
    [InlineData("Dropout(1)", "1")]
    [InlineData("Dropout(-0.1)", "-0.1")]
    [InlineData("Dropout(double.NaN)", "NaN")]
    public void BPG042_a_dropout_rate_outside_zero_to_one(string layer, string rate)
    {
        AssertReported(Run($"[Network]\n[Input(16)]\n[Dense(8)]\n[{layer}]\n[Dense(2)]"), "BPG042", layer, "Layer 3", $"dropout rate {rate}", "below 1");
    }

    [Fact]
    public void BPG040_layer_attributes_on_two_partial_declarations()
    {
        GeneratorRun run = Harness.Run("""
            using Backprop;

            namespace Samples;

            [Network]
            [Input(4)]
            [Dense(3)]
            public partial class Layered { }

            [Dense(2)]
            public partial class Layered { }
            """, ValidNetwork);
        AssertReported(run, "BPG040", "Dense(2)", "more than one partial declaration", "on one declaration");
    }

    [Fact]
    public void BPG041_only_dense_networks_unroll()
    {
        GeneratorRun run = Run("[Network(Unroll = UnrollMode.Full)]\n[Input(1, 6, 6)]\n[Conv2D(2, 3)]\n[Dense(2)]");
        run.AssertGeneratorDidNotThrow();
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("BPG041", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("Conv2D", Message(diagnostic), StringComparison.Ordinal);
        Assert.Contains("Samples.Layered.Network.g.cs", run.HintNames);
    }

    [Theory]
    [InlineData("[Network]\n[Input(1, 6, 6)]\n[Conv2D(2, 3, Activation = ActivationKind.Softmax)]\n[Dense(2)]", "BPG024", "Conv2D(2, 3, Activation = ActivationKind.Softmax)")]
    [InlineData("[Network]\n[Input(4)]\n[Dense(3, Activation = (ActivationKind)99)]\n[Dense(2)]", "BPG029", "Dense(3, Activation = (ActivationKind)99)")]
    [InlineData("[Network(Cost = CostKind.LogLikelihood)]\n[Input(4)]\n[Dense(2, Activation = ActivationKind.ReLU)]", "BPG025", "Network(Cost = CostKind.LogLikelihood)")]
    public void The_activation_diagnostics_apply_to_layer_attributes(string attributes, string id, string span)
    {
        AssertReported(Run(attributes), id, span);
    }

    [Theory]
    [InlineData("[Network]\n[Input(100000)]\n[Dense(100000)]", "BPG007")]
    [InlineData("[Network]\n[Input(1000, 1000, 1000)]\n[Dense(2)]", "BPG007")]
    [InlineData("[Network]\n[Input(2000, 2000, 2000)]\n[Dense(2)]", "BPG035")]
    [InlineData("[Network]\n[Input(64, 30, 30)]\n[Conv2D(1000000, 1)]", "BPG007")]
    [InlineData("[Network]\n[Input(3, 8, 8)]\n[Conv2D(1000, 3)]\n[MaxPool2D(2)]\n[Dense(4)]", "BPG007")]
    [InlineData("[Network]\n[Input(null)]\n[Dense(2)]", "BPG035")]
    [InlineData("[Network]\n[Input(4)]", "BPG002")]
    public void Odd_and_huge_layers_are_diagnostics_never_a_generator_exception(string attributes, string id)
    {
        GeneratorRun run = Run(attributes);
        run.AssertGeneratorDidNotThrow();
        Assert.Contains(run.Diagnostics, d => d.Id == id);
        Assert.Equal(new[] { ValidHint }, run.HintNames);
    }

    [Fact]
    public void A_dense_chain_declared_layer_by_layer_generates_the_same_code_as_its_sizes()
    {
        GeneratorRun byLayers = Run("[Network]\n[Input(6)]\n[Dense(5, Activation = ActivationKind.ReLU)]\n[Dense(3, Activation = ActivationKind.Softmax)]");
        GeneratorRun bySizes = Run("[Network(6, 5, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]");
        Assert.Empty(byLayers.Diagnostics);
        Assert.Equal(bySizes.Source("Samples.Layered.Network.g.cs"), byLayers.Source("Samples.Layered.Network.g.cs"));
    }
}
