using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Runtime.Loader;
using System.Text;
using Backprop.Generated.Generator.Tests.Infrastructure;
using Backprop.Generated.Tests;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;

namespace Backprop.Generated.Generator.Tests;

/// <summary>
/// Every <see cref="ActivationKind"/> × <see cref="CostKind"/> pair as a small network's output and cost, and every
/// activation as its hidden layers, in both code shapes (the enums are walked, so a new value joins the matrix by
/// itself). A valid combination compiles without a diagnostic, and the compiled network, loaded into a collectible
/// context, agrees with the double-precision <see cref="ReferenceNet"/> (built from the combination, not from what
/// the network says it is) and with central finite differences. An invalid one gets the diagnostic its rule implies.
/// All networks are generated into one compilation, emitted and loaded once (<see cref="MatrixFixture"/>).
/// </summary>
public sealed class ActivationMatrixTests(ActivationMatrixTests.MatrixFixture matrix) : IClassFixture<ActivationMatrixTests.MatrixFixture>
{
    /// <summary>The two code shapes and the sizes each is tried with: unrolled narrow layers; blocked widths with tails.</summary>
    public static readonly (string Name, string Unroll, int[] OutputSizes, int[] HiddenSizes)[] Shapes =
    [
        ("Unrolled", "UnrollMode.Full", [3, 5, 4], [3, 5, 4, 3]),
        ("Blocked", "UnrollMode.Blocked", [11, 19, 9], [11, 19, 17, 9]),
    ];

    /// <summary>The output and cost the hidden-activation networks share.</summary>
    private const ActivationKind FixedOutput = ActivationKind.Softmax;

    private const CostKind FixedCost = CostKind.LogLikelihood;

    /// <summary>The hidden activation of the output/cost networks (smooth: no kink in the layers below the output).</summary>
    private const ActivationKind FixedHidden = ActivationKind.Tanh;

    public static TheoryData<ActivationKind, CostKind, string> OutputPairs()
    {
        var data = new TheoryData<ActivationKind, CostKind, string>();
        foreach (ActivationKind output in Enum.GetValues<ActivationKind>())
        {
            foreach (CostKind cost in Enum.GetValues<CostKind>())
            {
                foreach (var shape in Shapes)
                {
                    data.Add(output, cost, shape.Name);
                }
            }
        }
        return data;
    }

    public static TheoryData<ActivationKind, string> HiddenActivations()
    {
        var data = new TheoryData<ActivationKind, string>();
        foreach (ActivationKind hidden in Enum.GetValues<ActivationKind>())
        {
            foreach (var shape in Shapes)
            {
                data.Add(hidden, shape.Name);
            }
        }
        return data;
    }

    /// <summary>The diagnostic an output/cost pair gets, or null when it is valid.</summary>
    public static string? ExpectedDiagnostic(ActivationKind output, CostKind cost) => cost switch
    {
        CostKind.CrossEntropy when output != ActivationKind.Sigmoid => "BPG026",
        CostKind.LogLikelihood when output != ActivationKind.Softmax => "BPG025",
        _ => null,
    };

    [Theory]
    [MemberData(nameof(OutputPairs))]
    public void Every_output_and_cost_pair_compiles_and_differentiates_or_is_reported(ActivationKind output, CostKind cost, string shape)
    {
        string name = OutputNetworkName(output, cost, shape);
        string? expected = ExpectedDiagnostic(output, cost);
        int layers = Shapes.Single(s => s.Name == shape).OutputSizes.Length;
        ActivationKind[] activations = [.. Enumerable.Repeat(FixedHidden, layers - 2), output];
        CheckNetwork(name, expected, activations, cost);
    }

    [Theory]
    [MemberData(nameof(HiddenActivations))]
    public void Every_hidden_activation_compiles_and_differentiates_or_is_reported(ActivationKind hidden, string shape)
    {
        string name = HiddenNetworkName(hidden, shape);
        string? expected = hidden == ActivationKind.Softmax ? "BPG024" : null;
        int layers = Shapes.Single(s => s.Name == shape).HiddenSizes.Length;
        ActivationKind[] activations = [.. Enumerable.Repeat(hidden, layers - 2), FixedOutput];
        CheckNetwork(name, expected, activations, FixedCost);
    }

    [Fact]
    public void The_matrix_has_a_valid_pair_for_every_activation_and_an_invalid_one_for_every_cost_but_quadratic()
    {
        // Guards the rules above: quadratic goes with every output, cross-entropy with sigmoid only, the
        // log-likelihood with softmax only.
        ActivationKind[] activations = Enum.GetValues<ActivationKind>();
        Assert.All(activations, a => Assert.Null(ExpectedDiagnostic(a, CostKind.Quadratic)));
        Assert.Equal(activations.Length + 2, OutputPairs().Count(row => ExpectedDiagnostic((ActivationKind)row[0], (CostKind)row[1]) is null) / Shapes.Length);
        Assert.Equal(matrix.Types.Count, (activations.Length + 2 + activations.Length - 1) * Shapes.Length);
    }

    private void CheckNetwork(string name, string? expectedDiagnostic, ActivationKind[] activations, CostKind cost)
    {
        Diagnostic[] diagnostics = matrix.Run.Diagnostics.Where(d => d.GetMessage(CultureInfo.InvariantCulture).Contains($"'{name}'", StringComparison.Ordinal)).ToArray();
        if (expectedDiagnostic is not null)
        {
            // One diagnostic; BPG024 once per hidden layer (its message names the layer).
            int count = expectedDiagnostic == "BPG024" ? activations.Length - 1 : 1;
            Assert.True(diagnostics.Length == count, GeneratorRun.Describe(diagnostics));
            Assert.All(diagnostics, diagnostic =>
            {
                Assert.Equal(expectedDiagnostic, diagnostic.Id);
                Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
                Assert.Equal(matrix.Attributes[name].Text, matrix.Run.SpanText(diagnostic));
                Assert.Equal(matrix.Attributes[name].Line, GeneratorRun.Line(diagnostic));
            });
            Assert.DoesNotContain(matrix.HintName(name), matrix.Run.HintNames);
            Assert.False(matrix.Types.ContainsKey(name), $"{name} was generated");
            return;
        }

        Assert.True(diagnostics.Length == 0, GeneratorRun.Describe(diagnostics));
        // The shape asked for is the shape generated.
        Assert.Contains(name.EndsWith("Unrolled", StringComparison.Ordinal) ? "unrolled straight-line code." : "blocked SIMD code.",
            matrix.Run.Source(matrix.HintName(name)), StringComparison.Ordinal);
        Type type = matrix.Types[name];
        MethodInfo check = typeof(ActivationMatrixTests).GetMethod(nameof(Check), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(type);
        try
        {
            check.Invoke(null, [activations, cost]);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }

    /// <summary>
    /// The network declares the activations and cost it was given, its forward pass, cost and gradient agree with
    /// the reference built from them, and the gradient agrees with central finite differences of that reference
    /// (every parameter, except where a step of h crosses a ReLU's kink). Targets: a mixed one that does not sum to
    /// 1, and a one-hot one. Tolerances are the contract tests': float against double, relative to the scale of
    /// the values compared.
    /// </summary>
    private static void Check<TNet>(ActivationKind[] activations, CostKind cost) where TNet : class, INetwork<TNet>
    {
        Assert.Equal(activations, TNet.Activations.ToArray());
        Assert.Equal(activations[^1], TNet.OutputActivation);
        Assert.Equal(cost, TNet.Cost);
        var twin = new ReferenceNet(TNet.LayerSizes.ToArray(), activations, cost);

        var random = new DeterministicRandom(17);
        for (int sample = 0; sample < 2; sample++)
        {
            TNet network = TNet.Create(3 + sample);
            var x = new float[TNet.InputSize];
            var y = new float[TNet.OutputSize];
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = (float)random.NextDouble();
            }
            if (sample == 0)
            {
                for (int k = 0; k < y.Length; k++)
                {
                    y[k] = (float)random.NextDouble();
                }
            }
            else
            {
                y[random.NextInt32(y.Length)] = 1;
            }
            double[] p = Reference.ToDouble(network.Parameters), xd = Reference.ToDouble(x), yd = Reference.ToDouble(y);

            var output = new float[TNet.OutputSize];
            network.Forward(x, output);
            AssertClose(twin.Forward(p, xd), output, 2e-5, "a^L");

            var gradient = new float[TNet.ParameterCount];
            float actualCost = network.Backprop(x, y, gradient);
            double expectedCost = twin.Cost(p, xd, yd);
            Assert.True(Math.Abs(actualCost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)), $"cost: expected {expectedCost:R}, got {actualCost:R}");
            AssertClose(twin.Gradient(p, xd, yd), gradient, 1e-4, "∂C/∂θ");

            double scale = Math.Max(1, gradient.Max(Math.Abs));
            int compared = 0;
            for (int k = 0; k < TNet.ParameterCount; k++)
            {
                if (twin.TryFiniteDifference(p, xd, yd, k, out double numeric))
                {
                    compared++;
                    Assert.True(Math.Abs(gradient[k] - numeric) <= 1e-4 * scale, $"∂C/∂θ[{k}]: backprop {gradient[k]:R}, finite difference {numeric:R}");
                }
            }
            Assert.True(compared >= TNet.ParameterCount * 3 / 4, $"only {compared} of {TNet.ParameterCount} parameters are away from a kink");

            var outputs = new float[TNet.OutputSize];
            float evaluated = network.Evaluate(x, y, outputs);
            Assert.Equal(output, outputs);
            Assert.True(Math.Abs(evaluated - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)), $"Evaluate: expected {expectedCost:R}, got {evaluated:R}");

            // Where z is exactly 0 the derivatives are conventions (ReLU'(0) = 0, LeakyReLU'(0) = 0.01): zero parameters
            // put the output there, a zero input into initialised layers with zero biases the hidden ones.
            foreach (TNet atZero in new[] { TNet.Create(), network })
            {
                Array.Clear(x);
                p = Reference.ToDouble(atZero.Parameters);
                xd = Reference.ToDouble(x);
                Array.Clear(gradient);
                actualCost = atZero.Backprop(x, y, gradient);
                expectedCost = twin.Cost(p, xd, yd);
                Assert.True(Math.Abs(actualCost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)), $"cost where z = 0: expected {expectedCost:R}, got {actualCost:R}");
                AssertClose(twin.Gradient(p, xd, yd), gradient, 1e-5, "∂C/∂θ where z = 0");
            }
        }
    }

    private static void AssertClose(double[] expected, float[] actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= relative * scale, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2})");
        }
    }

    private static string OutputNetworkName(ActivationKind output, CostKind cost, string shape) => $"Out{output}{cost}{shape}";

    private static string HiddenNetworkName(ActivationKind hidden, string shape) => $"Hidden{hidden}{shape}";

    /// <summary>Every network of the matrix generated into one compilation, emitted, and loaded into a collectible context.</summary>
    public sealed class MatrixFixture : IDisposable
    {
        private readonly AssemblyLoadContext _context;

        public MatrixFixture()
        {
            var source = new StringBuilder("using Backprop;\n\nnamespace Matrix;\n");
            var attributes = new Dictionary<string, (string, int)>();
            void Add(string name, int[] sizes, string arguments)
            {
                string attribute = $"Network({string.Join(", ", sizes)}, {arguments})";
                source.Append('\n');
                attributes[name] = (attribute, source.ToString().Count(c => c == '\n') + 1);
                source.Append($"[{attribute}]\npublic partial class {name} {{ }}\n");
            }

            foreach (var shape in Shapes)
            {
                foreach (ActivationKind output in Enum.GetValues<ActivationKind>())
                {
                    foreach (CostKind cost in Enum.GetValues<CostKind>())
                    {
                        Add(OutputNetworkName(output, cost, shape.Name), shape.OutputSizes,
                            $"Unroll = {shape.Unroll}, HiddenActivation = ActivationKind.{FixedHidden}, OutputActivation = ActivationKind.{output}, Cost = CostKind.{cost}");
                    }
                }
                foreach (ActivationKind hidden in Enum.GetValues<ActivationKind>())
                {
                    // The Activations array form here (the shorthand is the output networks'); the cost is left to default.
                    string all = string.Join(", ", Enumerable.Repeat($"ActivationKind.{hidden}", shape.HiddenSizes.Length - 2).Append($"ActivationKind.{FixedOutput}"));
                    Add(HiddenNetworkName(hidden, shape.Name), shape.HiddenSizes, $"Unroll = {shape.Unroll}, Activations = new[] {{ {all} }}");
                }
            }
            Attributes = attributes;

            Run = Harness.Run(Harness.CreateCompilation(Harness.ParseOptions, OptimizationLevel.Release, source.ToString()));
            Run.AssertGeneratorDidNotThrow();

            // Emitting binds everything once: the generated code must compile without a warning (warning level 9999).
            using var image = new MemoryStream();
            EmitResult emitted = Run.Output.Emit(image);
            Diagnostic[] problems = emitted.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToArray();
            Assert.True(emitted.Success && problems.Length == 0, GeneratorRun.Describe(problems));

            _context = new AssemblyLoadContext(nameof(ActivationMatrixTests), isCollectible: true);
            image.Position = 0;
            Assembly assembly = _context.LoadFromStream(image);
            Types = assembly.GetTypes()
                .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(INetwork<>)))
                .ToDictionary(t => t.Name);
        }

        internal GeneratorRun Run { get; }

        /// <summary>The generated network types by name.</summary>
        public IReadOnlyDictionary<string, Type> Types { get; }

        /// <summary>Each network's attribute (without the brackets) and the line it is on.</summary>
        public IReadOnlyDictionary<string, (string Text, int Line)> Attributes { get; }

        public string HintName(string name) => $"Matrix.{name}.Network.g.cs";

        public void Dispose() => _context.Unload();
    }
}
