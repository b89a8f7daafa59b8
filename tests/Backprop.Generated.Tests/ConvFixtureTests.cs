using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Backprop.Generated.Tests.ConvFixtures;
using Backprop.Generated.Tests.LayerNetworks;
using Xunit;

// The networks of TestData/make_conv_fixtures.py, declared with the layer attributes: each one here and its entry in
// the script's NETWORKS change together. Four of the script's networks have the layers of networks LayerNetworks.cs
// declares already, and are checked with those.
namespace Backprop.Generated.Tests.ConvFixtures
{
    [Network]
    [Input(2, 12, 13)]
    [Conv2D(3, 3, KernelHeight = 2, Stride = 3, Padding = 1, Activation = ActivationKind.LeakyReLU)]
    [MaxPool2D(3, Stride = 2)]
    [Dense(6, Activation = ActivationKind.LeakyReLU)]
    [Dense(4, Activation = ActivationKind.Tanh)]
    public partial class TallKernelOverlappingMaxPool { }

    [Network]
    [Input(4, 7, 7)]
    [Conv2D(8, 3, Stride = 2, Activation = ActivationKind.Identity)]
    [MaxPool2D(3)]
    [Dense(5, Activation = ActivationKind.ReLU)]
    [Dense(3, Activation = ActivationKind.Sigmoid)]
    public partial class WideIdentityConvToOnePixel { }

    [Network]
    [Input(3, 21)]
    [Conv1D(5, 3, Stride = 2, Padding = 1, Activation = ActivationKind.Sigmoid)]
    [AvgPool1D(3, Stride = 2)]
    [MaxPool1D(2, Stride = 1)]
    [Dense(7, Activation = ActivationKind.Tanh)]
    [Dense(3, Activation = ActivationKind.Softmax)]
    public partial class Conv1DStridedPools { }
}

namespace Backprop.Generated.Tests
{
    /// <summary>
    /// Networks of every layer kind and activation compute what PyTorch computes: TestData/conv-fixtures.json holds, for
    /// each network of TestData/make_conv_fixtures.py, PyTorch's random parameters in the library's layout, a few random
    /// inputs and PyTorch's float32 outputs; loaded into the same network declared with the layer attributes,
    /// <c>Forward</c> and <c>ForwardBatch</c> give those outputs within 1e-5.
    /// </summary>
    public sealed class ConvFixtureTests
    {
        private const string FileName = "conv-fixtures.json";

        /// <summary>Within 1e-5, relative to the output's size when that is above 1: float32 sums in another order.</summary>
        private const double Tolerance = 1e-5;

        /// <summary>The samples the batched check runs: the fixture's repeated, so that full blocks of samples and a remainder are both computed.</summary>
        private const int BatchSamples = 23;

        /// <summary>One network of the fixture file.</summary>
        private sealed record Fixture(string Name, int[] Input, int ParameterCount, int OutputSize, float[] Parameters, float[][] Inputs, float[][] Outputs);

        /// <summary>The check of each declared network, by the name the fixture file gives it.</summary>
        private static readonly Dictionary<string, Action<Fixture>> s_checks = new()
        {
            ["PaddedConvMaxPoolSoftmax"] = Check<ConvPoolSoftmax>,
            ["StridedRectangularConvStack"] = Check<StridedConvStack>,
            [nameof(TallKernelOverlappingMaxPool)] = Check<TallKernelOverlappingMaxPool>,
            ["AvgPoolThenIdentityConv"] = Check<PoolFirstConvOutput>,
            [nameof(WideIdentityConvToOnePixel)] = Check<WideIdentityConvToOnePixel>,
            ["Conv1DStack"] = Check<Signal1D>,
            [nameof(Conv1DStridedPools)] = Check<Conv1DStridedPools>,
        };

        private static readonly Lazy<IReadOnlyList<Fixture>> s_fixtures = new(Read);

        public static TheoryData<string> Names()
        {
            var names = new TheoryData<string>();
            foreach (Fixture fixture in s_fixtures.Value)
            {
                names.Add(fixture.Name);
            }
            return names;
        }

        [Fact]
        public void The_fixture_file_has_every_declared_network_and_no_other()
        {
            Assert.Equal(s_checks.Keys.Order(StringComparer.Ordinal), s_fixtures.Value.Select(f => f.Name).Order(StringComparer.Ordinal));
        }

        [Theory]
        [MemberData(nameof(Names))]
        public void Forward_and_ForwardBatch_match_PyTorch(string name)
        {
            Fixture fixture = s_fixtures.Value.Single(f => f.Name == name);
            Assert.True(s_checks.TryGetValue(name, out Action<Fixture>? check), $"{FileName} has {name}, which this class does not declare.");
            check(fixture);
        }

        private static void Check<TNet>(Fixture fixture) where TNet : class, INetwork<TNet>
        {
            // The declaration is the script's network: the same input, parameters and outputs.
            Assert.Equal(fixture.Input, TNet.Architecture.Input.Dimensions);
            Assert.Equal(fixture.ParameterCount, TNet.ParameterCount);
            Assert.Equal(fixture.OutputSize, TNet.OutputSize);

            TNet network = TNet.Create();
            fixture.Parameters.CopyTo(network.Parameters);

            var output = new float[TNet.OutputSize];
            for (int s = 0; s < fixture.Inputs.Length; s++)
            {
                network.Forward(fixture.Inputs[s], output);
                AssertClose(fixture.Outputs[s], output, $"{fixture.Name}: Forward of sample {s}");
            }

            var inputs = new float[BatchSamples * TNet.InputSize];
            var outputs = new float[BatchSamples * TNet.OutputSize];
            for (int s = 0; s < BatchSamples; s++)
            {
                fixture.Inputs[s % fixture.Inputs.Length].CopyTo(inputs, s * TNet.InputSize);
            }
            network.ForwardBatch(inputs, outputs);
            for (int s = 0; s < BatchSamples; s++)
            {
                AssertClose(fixture.Outputs[s % fixture.Inputs.Length], outputs.AsSpan(s * TNet.OutputSize, TNet.OutputSize).ToArray(), $"{fixture.Name}: ForwardBatch, sample {s} of {BatchSamples}");
            }
        }

        private static void AssertClose(float[] expected, float[] actual, string what)
        {
            Assert.Equal(expected.Length, actual.Length);
            for (int i = 0; i < expected.Length; i++)
            {
                double error = Math.Abs((double)expected[i] - actual[i]);
                Assert.True(
                    error <= Tolerance * Math.Max(1, Math.Abs(expected[i])),
                    $"{what}, output {i}: PyTorch {expected[i]:R}, generated {actual[i]:R} (error {error:E2})");
            }
        }

        private static IReadOnlyList<Fixture> Read()
        {
            string path = Path.Combine(TestData.RepositoryRoot, "tests", "Backprop.Generated.Tests", "TestData", FileName);
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            var fixtures = new List<Fixture>();
            foreach (JsonElement network in document.RootElement.GetProperty("networks").EnumerateArray())
            {
                fixtures.Add(new Fixture(
                    network.GetProperty("name").GetString()!,
                    [.. network.GetProperty("input").EnumerateArray().Select(e => e.GetInt32())],
                    network.GetProperty("parameterCount").GetInt32(),
                    network.GetProperty("outputSize").GetInt32(),
                    Floats(network.GetProperty("parameters")),
                    [.. network.GetProperty("inputs").EnumerateArray().Select(Floats)],
                    [.. network.GetProperty("outputs").EnumerateArray().Select(Floats)]));
            }
            return fixtures;
        }

        /// <summary>The numbers of a JSON array as float32: each is the exact value of a float32, so this gives its bits.</summary>
        private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetSingle())];
    }
}
