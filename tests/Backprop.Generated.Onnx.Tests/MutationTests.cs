using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Backprop.Generated.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Onnx.Tests;

/// <summary>
/// Structure-aware damage, on every test run: exported networks and the PyTorch fixtures parsed as ONNX models, one to
/// three of their fields changed by the fuzz harness's <see cref="OnnxMutator"/> (tensor dimensions, element types and
/// data; operators, inputs, outputs and attributes; node order; declared shapes; opset), then sometimes byte edits on
/// top. Byte edits alone (<see cref="ImportRobustnessTests"/>) mostly stop at protobuf's nested lengths; these reach the
/// importer's own checks.
/// </summary>
public class MutationTests(ITestOutputHelper output)
{
    private const int Count = 20_000;

    [Fact]
    public void Edited_models_import_consistently_or_are_refused_cheaply_with_an_OnnxImportException()
    {
        byte[][] seeds =
        [
            .. new[] { nameof(MixedNet), nameof(SoftmaxNet), nameof(DeepMixedNet), nameof(IdentityNet) }
                .Select(name => OnnxExporter.ToBytes(NetworkCase.All[name].Create(seed: 3))),
            .. new[] { "matmul_add", "reshape_identity", "tanh_sigmoid", "flatten_relu_leaky_softmax", "nobias_linear_linear", "shared_parameters", "view_batch_1" }
                .Select(name => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".onnx"))),
            // Convolutional graphs: exported (Conv, both pools in 1-D and 2-D, Flatten, a spatial output) and from PyTorch
            // (BatchNormalization, Pad before AveragePool, an activation after a max pool).
            .. new[] { nameof(ConvPoolSoftmaxNet), nameof(StridedConvStackNet), nameof(Signal1DNet), nameof(ConvTanhOutputNet) }
                .Select(name => OnnxExporter.ToBytes(NetworkCase.All[name].Create(seed: 3))),
            .. new[] { "lenet_like", "batchnorm_dropout", "conv1d_avgpool", "strided_padded", "unsupported_conv" }
                .Select(name => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name + ".onnx"))),
        ];
        var random = new Random(20_261_207);
        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Count; i++)
        {
            byte[] seed = seeds[random.Next(seeds.Length)];
            byte[] bytes = OnnxMutator.Mutate(seed, random) ?? throw new InvalidOperationException("a seed does not parse");
            if (random.Next(4) == 0)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            ModelData? model = null;
            string outcome;
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                model = OnnxImporter.Import(new MemoryStream(bytes, writable: false), "mutated.onnx");
                outcome = "accepted";
            }
            catch (OnnxImportException error)
            {
                Assert.StartsWith("'mutated.onnx'", error.Message, StringComparison.Ordinal);
                Assert.Equal("mutated.onnx", error.FilePath);
                outcome = error.Reason.ToString();
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            // The parsed messages, values, transposes and parameters scale with the file; nothing scales with what its
            // dimensions announce.
            Assert.True(allocated <= (16L << 20) + 64L * bytes.Length,
                $"importing mutation {i} ({bytes.Length} bytes, {outcome}) allocated {allocated:N0} bytes");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;

            if (model is not null)
            {
                CheckAccepted(model, i);
            }
        }

        output.WriteLine(string.Join(", ", outcomes.Select(pair => $"{pair.Key} {pair.Value:N0}")));
        // Not vacuous: the edits reach both sides of the importer, and many different checks.
        Assert.InRange(outcomes.GetValueOrDefault("accepted"), Count / 50, Count / 2);
        Assert.True(outcomes.Count >= 6, "the mutations reached too few of the importer's checks: " + string.Join(", ", outcomes.Keys));
    }

    /// <summary>An accepted model is a network the rest of the library can use, and survives both of its formats.</summary>
    private static void CheckAccepted(ModelData model, int mutation)
    {
        IReadOnlyList<int> sizes = model.LayerSizes;
        Assert.InRange(sizes.Count, NetworkSerializer.MinLayerCount, NetworkSerializer.MaxLayerCount);
        Assert.Equal(sizes.Count - 1, model.Activations.Count);
        Assert.All(sizes, size => Assert.True(size >= 1, $"mutation {mutation}: a layer of {size}"));
        Assert.Equal(Parameters(model.Architecture), model.ParameterCount);

        using var saved = new MemoryStream();
        NetworkSerializer.Save(model, saved);
        saved.Position = 0;
        AssertSame(model, NetworkSerializer.ReadModel(saved, "saved.bpnet"));
        AssertSame(model, OnnxImporter.Import(new MemoryStream(OnnxExporter.ToBytes(model)), "re-exported.onnx"));
    }

    /// <summary>
    /// The parameters the layers imply, from their shapes: n_l·n_(l−1) + n_l for a dense layer, filters · (channels · kernel
    /// + 1) for a convolution, none for a pool.
    /// </summary>
    internal static long Parameters(NetworkArchitecture architecture)
    {
        long count = 0;
        foreach (LayerInfo layer in architecture.Layers)
        {
            count += layer.Kind switch
            {
                LayerKind.Dense => (long)layer.Output.Size * layer.Input.Size + layer.Output.Size,
                LayerKind.Conv2D or LayerKind.Conv1D =>
                    (long)layer.Output.Channels * (layer.Input.Channels * (long)layer.KernelHeight * layer.KernelWidth + 1),
                _ => 0,
            };
        }
        return count;
    }

    private static void AssertSame(ModelData expected, ModelData actual)
    {
        Assert.Equal(expected.Architecture, actual.Architecture);
        Assert.Equal(expected.LayerSizes, actual.LayerSizes);
        Assert.Equal(expected.Activations, actual.Activations);
        Assert.Equal(expected.Cost, actual.Cost);
        Assert.True(MemoryMarshal.AsBytes(expected.Parameters).SequenceEqual(MemoryMarshal.AsBytes(actual.Parameters)),
            $"the parameters of {expected.Shape} changed on the way");
    }
}
