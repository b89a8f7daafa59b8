using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// The diagnostics of activations and costs (BPG024–BPG031): id, severity, that they point at the attribute,
/// the words of the message that tell the user what is wrong, and that an error skips only that network.
/// Then odd inputs, on which the generator must never throw nor emit a network it reported an error for.
/// </summary>
public sealed class ActivationDiagnosticTests
{
    private const string ValidNetwork = """
        namespace Samples.Valid
        {
            [Backprop.Network(2, 3, 2, HiddenActivation = Backprop.ActivationKind.ReLU, OutputActivation = Backprop.ActivationKind.Softmax)]
            public partial class StillGenerated { }
        }
        """;

    private const string ValidHint = "Samples.Valid.StillGenerated.Network.g.cs";

    /// <summary>Every ActivationKind's name, as the messages list them.</summary>
    private static readonly string[] s_activationNames = Enum.GetNames<ActivationKind>();

    private static readonly string[] s_costNames = Enum.GetNames<CostKind>();

    [Theory]
    [InlineData("Network(4, 5, 3, HiddenActivation = ActivationKind.Softmax)", "2")]
    [InlineData("Network(4, 5, 3, HiddenActivation = ActivationKind.Softmax, OutputActivation = ActivationKind.Softmax)", "2")]
    [InlineData("Network(3, 5, 4, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Softmax, ActivationKind.Sigmoid })", "3")]
    [InlineData("Network(3, 5, 4, 2, Activations = new[] { ActivationKind.Softmax, ActivationKind.Tanh, ActivationKind.Softmax })", "2")]
    public void BPG024_softmax_on_a_hidden_layer(string attribute, string layer)
    {
        GeneratorRun run = Run(attribute, "HiddenSoftmax");

        Diagnostic diagnostic = AssertReported(run, "BPG024", attribute, "HiddenSoftmax");
        AssertMessageContains(diagnostic, $"Layer {layer} of the network 'HiddenSoftmax'", "hidden layer", "Softmax", "output");
    }

    [Theory]
    [InlineData("Network(3, 5, 4, 2, HiddenActivation = ActivationKind.Softmax)", new[] { 2, 3 })]
    [InlineData("Network(3, 5, 4, 6, 2, Activations = new[] { ActivationKind.Softmax, ActivationKind.ReLU, ActivationKind.Softmax, ActivationKind.Softmax })", new[] { 2, 4 })]
    public void BPG024_is_reported_once_for_every_hidden_softmax_layer(string attribute, int[] layers)
    {
        GeneratorRun run = Run(attribute, "ManySoftmax");

        run.AssertGeneratorDidNotThrow();
        Assert.Equal(layers.Length, run.Diagnostics.Length);
        Assert.All(run.Diagnostics, d =>
        {
            Assert.Equal("BPG024", d.Id);
            Assert.Equal(DiagnosticSeverity.Error, d.Severity);
            Assert.Equal(attribute, run.SpanText(d));
        });
        Assert.All(layers, l => Assert.Single(run.Diagnostics, d => Message(d).StartsWith($"Layer {l} of the network 'ManySoftmax'", StringComparison.Ordinal)));
        Assert.Equal(new[] { ValidHint }, run.HintNames);
    }

    [Theory]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    [InlineData("ReLU")]
    [InlineData("LeakyReLU")]
    [InlineData("Identity")]
    public void BPG025_log_likelihood_needs_a_softmax_output(string output)
    {
        string attribute = $"Network(4, 5, 3, OutputActivation = ActivationKind.{output}, Cost = CostKind.LogLikelihood)";
        GeneratorRun run = Run(attribute, "NoSoftmax");

        Diagnostic diagnostic = AssertReported(run, "BPG025", attribute, "NoSoftmax");
        AssertMessageContains(diagnostic, "LogLikelihood", $"a {output} output", "ActivationKind.Softmax");
    }

    [Fact]
    public void BPG025_is_reported_for_the_last_element_of_Activations_and_the_default_output()
    {
        string attribute = "Network(3, 5, 4, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Tanh, ActivationKind.Identity }, Cost = CostKind.LogLikelihood)";
        AssertMessageContains(AssertReported(Run(attribute, "ArrayOutput"), "BPG025", attribute, "ArrayOutput"), "Identity output");

        attribute = "Network(4, 5, 3, Cost = CostKind.LogLikelihood)";
        AssertMessageContains(AssertReported(Run(attribute, "DefaultOutput"), "BPG025", attribute, "DefaultOutput"), "a Sigmoid output");
    }

    [Theory]
    [InlineData("Softmax", "LogLikelihood")]
    [InlineData("Tanh", "Quadratic")]
    [InlineData("ReLU", "Quadratic")]
    [InlineData("LeakyReLU", "Quadratic")]
    [InlineData("Identity", "Quadratic")]
    public void BPG026_cross_entropy_needs_a_sigmoid_output(string output, string suggested)
    {
        string attribute = $"Network(4, 5, 3, OutputActivation = ActivationKind.{output}, Cost = CostKind.CrossEntropy)";
        GeneratorRun run = Run(attribute, "NoSigmoid");

        Diagnostic diagnostic = AssertReported(run, "BPG026", attribute, "NoSigmoid");
        AssertMessageContains(diagnostic, "CrossEntropy", $"a {output} output", "ActivationKind.Sigmoid", suggested);
    }

    [Theory]
    [InlineData("Network(3, 5, 4, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Sigmoid })", "4", "3", "2")]
    [InlineData("Network(3, 5, 4, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Tanh, ActivationKind.ReLU, ActivationKind.Sigmoid })", "4", "3", "4")]
    [InlineData("Network(3, 2, Activations = new[] { ActivationKind.Tanh, ActivationKind.Identity })", "2", "1", "2")]
    [InlineData("Network(3, 5, 2, Activations = new[] { ActivationKind.Tanh })", "3", "2", "1")]
    public void BPG027_activations_of_the_wrong_length(string attribute, string layers, string expected, string actual)
    {
        GeneratorRun run = Run(attribute, "WrongLength");

        Diagnostic diagnostic = AssertReported(run, "BPG027", attribute, "WrongLength");
        AssertMessageContains(diagnostic, $"has {layers} layers and so {expected} weight layers", $"Activations has {actual} element(s)", $"exactly {expected}");
    }

    [Theory]
    [InlineData("HiddenActivation = ActivationKind.Tanh", "HiddenActivation")]
    [InlineData("OutputActivation = ActivationKind.Softmax", "OutputActivation")]
    [InlineData("HiddenActivation = ActivationKind.Sigmoid", "HiddenActivation")]
    public void BPG028_activations_together_with_a_shorthand(string shorthand, string property)
    {
        // Even a shorthand that repeats the default (sigmoid) is a conflict: the user wrote both.
        string attribute = $"Network(3, 5, 2, Activations = new[] {{ ActivationKind.ReLU, ActivationKind.Softmax }}, {shorthand})";
        GeneratorRun run = Run(attribute, "BothWays");

        Diagnostic diagnostic = AssertReported(run, "BPG028", attribute, "BothWays");
        AssertMessageContains(diagnostic, $"sets both Activations and {property}", $"remove {property}");
    }

    [Theory]
    [InlineData("HiddenActivation = (ActivationKind)99", "99", "HiddenActivation")]
    [InlineData("OutputActivation = (ActivationKind)0", "0", "OutputActivation")]
    [InlineData("OutputActivation = (ActivationKind)(-7)", "-7", "OutputActivation")]
    [InlineData("Activations = new[] { ActivationKind.ReLU, (ActivationKind)7 }", "7", "Activations[1]")]
    [InlineData("Activations = new[] { default(ActivationKind), ActivationKind.Sigmoid }", "0", "Activations[0]")]
    public void BPG029_unknown_activation(string property, string value, string where)
    {
        string attribute = $"Network(3, 5, 2, {property})";
        GeneratorRun run = Run(attribute, "Unknown");

        Diagnostic diagnostic = AssertReported(run, "BPG029", attribute, "Unknown");
        AssertMessageContains(diagnostic, $"activation value {value} in {where}", "not an ActivationKind");
        AssertMessageContains(diagnostic, s_activationNames);
    }

    [Theory]
    [InlineData("(CostKind)0", "0")]
    [InlineData("(CostKind)(-1)", "-1")]
    [InlineData("(CostKind)42", "42")]
    public void BPG030_unknown_cost(string cost, string value)
    {
        string attribute = $"Network(3, 5, 2, Cost = {cost})";
        GeneratorRun run = Run(attribute, "UnknownCost");

        Diagnostic diagnostic = AssertReported(run, "BPG030", attribute, "UnknownCost");
        AssertMessageContains(diagnostic, $"cost value {value},", "not a CostKind");
        AssertMessageContains(diagnostic, s_costNames);
    }

    [Fact]
    public void Valid_combinations_report_nothing()
    {
        GeneratorRun run = Harness.Run("""
            using Backprop;

            namespace Samples;

            [Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Cost = CostKind.LogLikelihood)]
            public partial class DigitNet { }

            [Network(3, 5, 4, 2, Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Sigmoid })]
            public partial class Mixed { }

            [Network(3, 5, 4, 2, Activations = new[] { ActivationKind.Identity, ActivationKind.ReLU, ActivationKind.Softmax }, Cost = CostKind.Quadratic, Unroll = UnrollMode.Blocked)]
            public partial class SoftmaxQuadratic { }

            [Network(3, 2, Activations = new[] { ActivationKind.Softmax })]
            public partial class SingleSoftmax { }

            [Network(3, 2, OutputActivation = ActivationKind.Identity, Cost = CostKind.Quadratic)]
            public partial class Regression { }
            """);

        run.AssertGeneratorDidNotThrow();
        Assert.True(run.Diagnostics.IsEmpty, GeneratorRun.Describe(run.Diagnostics));
        Assert.Equal(5, run.HintNames.Count());
        IReadOnlyList<Diagnostic> problems = run.CompilationWarningsAndErrors();
        Assert.True(problems.Count == 0, GeneratorRun.Describe(problems));
    }

    /// <summary>Odd activation and cost arguments, valid C# or not, as an editor sees them mid-edit.</summary>
    private static readonly Dictionary<string, string> OddCases = new()
    {
        ["null array"] = "[Network(3, 5, 2, Activations = null)] public partial class N { }",
        ["null array, cast"] = "[Network(3, 5, 2, Activations = (ActivationKind[])null)] public partial class N { }",
        ["default array"] = "[Network(3, 5, 2, Activations = default)] public partial class N { }",
        ["empty array"] = "[Network(3, 5, 2, Activations = new ActivationKind[0])] public partial class N { }",
        ["empty array initializer"] = "[Network(3, 5, 2, Activations = new ActivationKind[] { })] public partial class N { }",
        ["empty collection expression"] = "[Network(3, 5, 2, Activations = [])] public partial class N { }",
        ["collection expression"] = "[Network(3, 5, 2, Activations = [ActivationKind.ReLU, ActivationKind.Softmax])] public partial class N { }",
        ["array of zeros"] = "[Network(3, 5, 2, Activations = new ActivationKind[2])] public partial class N { }",
        ["zero activation"] = "[Network(3, 5, 2, HiddenActivation = (ActivationKind)0)] public partial class N { }",
        ["int.MaxValue activation"] = "[Network(3, 5, 2, OutputActivation = (ActivationKind)int.MaxValue)] public partial class N { }",
        ["int.MinValue in the array"] = "[Network(3, 5, 2, Activations = new[] { (ActivationKind)int.MinValue, ActivationKind.Sigmoid })] public partial class N { }",
        ["negative cost"] = "[Network(3, 5, 2, Cost = (CostKind)(-1))] public partial class N { }",
        ["zero cost"] = "[Network(3, 5, 2, Cost = default)] public partial class N { }",
        ["int as activation"] = "[Network(3, 5, 2, HiddenActivation = 3)] public partial class N { }",
        ["int as cost"] = "[Network(3, 5, 2, Cost = 2)] public partial class N { }",
        ["string as activation"] = "[Network(3, 5, 2, OutputActivation = \"Softmax\")] public partial class N { }",
        ["cost kind as activation"] = "[Network(3, 5, 2, OutputActivation = CostKind.Quadratic)] public partial class N { }",
        ["int array as activations"] = "[Network(3, 5, 2, Activations = new[] { 3, 6 })] public partial class N { }",
        ["object array as activations"] = "[Network(3, 5, 2, Activations = new object[] { ActivationKind.ReLU, ActivationKind.Sigmoid })] public partial class N { }",
        ["single activation, not an array"] = "[Network(3, 5, 2, Activations = ActivationKind.ReLU)] public partial class N { }",
        ["nested array"] = "[Network(3, 5, 2, Activations = new[] { new[] { ActivationKind.ReLU }, new[] { ActivationKind.Sigmoid } })] public partial class N { }",
        ["non-constant activation"] = "public partial class H { static ActivationKind s = ActivationKind.ReLU; [Network(3, 5, 2, HiddenActivation = s)] public partial class N { } }",
        ["non-constant cost"] = "public partial class H { static CostKind s = CostKind.Quadratic; [Network(3, 5, 2, Cost = s)] public partial class N { } }",
        ["non-constant array"] = "public partial class H { static ActivationKind[] s = { ActivationKind.ReLU, ActivationKind.Sigmoid }; [Network(3, 5, 2, Activations = s)] public partial class N { } }",
        ["non-constant element"] = "public partial class H { static ActivationKind s = ActivationKind.ReLU; [Network(3, 5, 2, Activations = new[] { s, ActivationKind.Sigmoid })] public partial class N { } }",
        ["method call as activation"] = "[Network(3, 5, 2, HiddenActivation = System.Enum.Parse<ActivationKind>(\"ReLU\"))] public partial class N { }",
        ["unknown member"] = "[Network(3, 5, 2, HiddenActivation = ActivationKind.Swish)] public partial class N { }",
        ["unknown identifier in the array"] = "[Network(3, 5, 2, Activations = new[] { Missing, ActivationKind.Sigmoid })] public partial class N { }",
        ["missing element"] = "[Network(3, 5, 2, Activations = new[] { ActivationKind.ReLU, , ActivationKind.Sigmoid })] public partial class N { }",
        ["unclosed array"] = "[Network(3, 5, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Sigmoid )] public partial class N { }",
        ["activations without value"] = "[Network(3, 5, 2, Activations = )] public partial class N { }",
        ["cost without value"] = "[Network(3, 5, 2, Cost = )] public partial class N { }",
        ["activations twice"] = "[Network(3, 5, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Sigmoid }, Activations = new[] { ActivationKind.Tanh, ActivationKind.Softmax })] public partial class N { }",
        ["cost twice"] = "[Network(3, 5, 2, Cost = CostKind.Quadratic, Cost = CostKind.CrossEntropy)] public partial class N { }",
        ["both shorthands and the array"] = "[Network(3, 5, 2, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax, Activations = new[] { ActivationKind.ReLU, ActivationKind.Sigmoid })] public partial class N { }",
        ["both, with unknown values"] = "[Network(3, 5, 2, HiddenActivation = (ActivationKind)99, Activations = new[] { (ActivationKind)98, (ActivationKind)97 }, Cost = (CostKind)96)] public partial class N { }",
        ["every problem at once"] = "[Network(3, 5, 4, 2, HiddenActivation = ActivationKind.Softmax, Activations = new[] { ActivationKind.Softmax, ActivationKind.Softmax }, Cost = CostKind.CrossEntropy)] public partial class N { }",
        ["softmax everywhere with cross-entropy"] = "[Network(3, 5, 4, 2, HiddenActivation = ActivationKind.Softmax, OutputActivation = ActivationKind.Softmax, Cost = CostKind.CrossEntropy)] public partial class N { }",
        ["activations with one layer size"] = "[Network(784, Activations = new[] { ActivationKind.Softmax })] public partial class N { }",
        ["activations with no layer sizes"] = "[Network(Activations = new[] { ActivationKind.Softmax })] public partial class N { }",
        ["activations with a zero layer"] = "[Network(3, 0, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Softmax })] public partial class N { }",
        ["a thousand activations"] = "[Network(3, 2, Activations = new[] { " + string.Join(", ", Enumerable.Repeat("ActivationKind.ReLU", 1000)) + " })] public partial class N { }",
        ["a thousand layers with activations"] = "[Network(" + string.Join(", ", Enumerable.Repeat("1", 1000)) + ", Activations = new[] { " + string.Join(", ", Enumerable.Repeat("ActivationKind.Tanh", 999)) + " })] public partial class N { }",
        ["activations on a non-partial class"] = "[Network(3, 5, 2, Activations = new[] { ActivationKind.Softmax, ActivationKind.Softmax })] public class N { }",
        ["activations with weights"] = "[Network(3, 5, 2, Activations = new[] { ActivationKind.ReLU, ActivationKind.Softmax }, Weights = \"missing.b64\")] public partial class N { }",
        ["activations with a full unroll too large"] = "[Network(784, 30, 10, Unroll = UnrollMode.Full, Activations = new[] { ActivationKind.ReLU, (ActivationKind)8 })] public partial class N { }",
        ["flags-like combination"] = "[Network(3, 5, 2, OutputActivation = ActivationKind.Softmax | ActivationKind.Sigmoid)] public partial class N { }",
        ["named argument for the shorthand in the constructor"] = "[Network(3, 5, 2, hiddenActivation: ActivationKind.ReLU)] public partial class N { }",
        ["unterminated attribute"] = "[Network(3, 5, 2, Activations = new[] { ActivationKind.ReLU",
    };

    public static TheoryData<string> OddCaseNames => new(OddCases.Keys);

    [Theory]
    [MemberData(nameof(OddCaseNames))]
    public void Generator_never_throws_on_odd_activations_and_costs(string name)
    {
        GeneratorRun run = Harness.Run("using Backprop;\n" + OddCases[name]);

        run.AssertGeneratorDidNotThrow();
        // A network the generator reported an error for is not generated.
        if (run.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            Assert.Empty(run.HintNames);
        }
        else if (run.HintNames.Any())
        {
            // What was generated for the odd network compiles: no error of the output lies in a generated file.
            Diagnostic[] generatedErrors = run.Output.SyntaxTrees
                .Where(tree => !run.Input.SyntaxTrees.Contains(tree))
                .SelectMany(tree => run.Output.GetSemanticModel(tree).GetDiagnostics())
                .Where(d => d.Severity == DiagnosticSeverity.Error)
                .ToArray();
            Assert.True(generatedErrors.Length == 0, GeneratorRun.Describe(generatedErrors));
        }
    }

    [Theory]
    [InlineData("Network(4, 5, 1, OutputActivation = ActivationKind.Softmax)")]
    [InlineData("Network(4, 1, OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic)")]
    [InlineData("Network(3, 5, 1, Activations = new[] { ActivationKind.ReLU, ActivationKind.Softmax })")]
    public void BPG031_softmax_over_one_output_is_a_warning_and_still_generates(string attribute)
    {
        GeneratorRun run = Run(attribute, "OneSoftmax");

        run.AssertGeneratorDidNotThrow();
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal("BPG031", diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(attribute, run.SpanText(diagnostic));
        AssertMessageContains(diagnostic, "'OneSoftmax'", "always 1", "ActivationKind.Sigmoid", "one neuron per class");
        Assert.Contains("Samples.OneSoftmax.Network.g.cs", run.HintNames);
    }

    [Theory]
    [InlineData("Network(4, 5, 2, OutputActivation = ActivationKind.Softmax)")]
    [InlineData("Network(4, 5, 1, OutputActivation = ActivationKind.Sigmoid)")]
    [InlineData("Network(4, 1, 3, OutputActivation = ActivationKind.Softmax)")]
    public void BPG031_is_not_reported_for_two_or_more_softmax_outputs_or_other_single_outputs(string attribute)
    {
        GeneratorRun run = Run(attribute, "FineOutput");

        run.AssertGeneratorDidNotThrow();
        Assert.Empty(run.Diagnostics);
    }

    private static GeneratorRun Run(string attribute, string typeName) => Harness.Run($$"""
        using Backprop;

        namespace Samples;

        [{{attribute}}]
        public partial class {{typeName}} { }
        """, ValidNetwork);

    private static string Message(Diagnostic diagnostic) => diagnostic.GetMessage(CultureInfo.InvariantCulture);

    private static void AssertMessageContains(Diagnostic diagnostic, params string[] parts)
    {
        string message = Message(diagnostic);
        foreach (string part in parts)
        {
            Assert.True(message.Contains(part, StringComparison.Ordinal), $"'{part}' is not in: {message}");
        }
    }

    /// <summary>
    /// The run's only generator diagnostic is the error <paramref name="id"/>, on the attribute, naming the type;
    /// only the valid network is generated.
    /// </summary>
    private static Diagnostic AssertReported(GeneratorRun run, string id, string attribute, string typeName)
    {
        run.AssertGeneratorDidNotThrow();
        Diagnostic diagnostic = Assert.Single(run.Diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.DefaultSeverity);
        Assert.Equal("Backprop.Generated", diagnostic.Descriptor.Category);
        Assert.Equal(attribute, run.SpanText(diagnostic));
        Assert.Equal(5, GeneratorRun.Line(diagnostic));
        Assert.Contains($"'{typeName}'", Message(diagnostic), StringComparison.Ordinal);
        Assert.Equal(new[] { ValidHint }, run.HintNames);
        // The input itself is valid C#: the generator's diagnostic is the only problem.
        Assert.DoesNotContain(run.Input.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        return diagnostic;
    }
}
