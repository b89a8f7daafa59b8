using System;
using System.IO;
using Google.Protobuf;
using Onnx;
using Xunit;
using static Backprop.Onnx.Tests.GraphBuilder;

namespace Backprop.Onnx.Tests;

/// <summary>
/// Inputs found by fuzzing the importer (tests/Backprop.Generated.Fuzz, target <c>onnx</c>), rebuilt here by hand: each
/// is refused with an <see cref="OnnxImportException"/>, and refusing it costs no more memory than the file is big.
/// </summary>
public class FuzzRegressionTests
{
    /// <summary>What importing one of these few-hundred-byte models may allocate: far less than the tensors they announce.</summary>
    private const long AllocationLimit = 16L << 20;

    [Fact]
    public void A_shape_that_announces_millions_of_values_it_does_not_hold_is_refused_before_they_are_allocated()
    {
        // Found by `--mutate`: a Reshape's shape tensor whose dims were raised to millions (here 2^28 − 8, just under the
        // limit of a tensor's size) while its int64_data kept 2 values. The importer allocated the announced long[]
        // (2 GB here; 52 MB in the fuzzer's input) before it compared it with the data.
        var graph = ReshapeThenLayer();
        graph.Model.Graph.Initializer[0].Dims[0] = (1L << 28) - 8;
        OnnxImportException error = RefusedCheaply(graph, OnnxImportError.InvalidTensor, "reshape", "Reshape");
        Assert.Contains("with 2 values in int64_data, not 268435448", error.Message, StringComparison.Ordinal);

        // The same in raw_data.
        graph = ReshapeThenLayer();
        TensorProto shape = graph.Model.Graph.Initializer[0];
        shape.RawData = ByteString.CopyFrom(new byte[16]);
        shape.Int64Data.Clear();
        shape.Dims[0] = (1L << 28) - 8;
        RefusedCheaply(graph, OnnxImportError.InvalidTensor, "reshape", "Reshape");
    }

    [Fact]
    public void Weights_that_announce_a_gigabyte_they_do_not_hold_are_refused_before_it_is_allocated()
    {
        // [16383, 16384]: 2^28 − 2^14 floats (1 GB), announced by the dims of an initializer that holds 8 bytes.
        var graph = OneLayer();
        TensorProto weights = graph.Model.Graph.Initializer[0];
        weights.Dims[0] = 16_383;
        weights.Dims[1] = 16_384;
        OnnxImportException error = RefusedCheaply(graph, OnnxImportError.InvalidTensor, "gemm", "Gemm");
        Assert.Contains("with 8 bytes of raw_data, not 1073676288", error.Message, StringComparison.Ordinal);

        // The same in float_data, and in a Constant node's value.
        graph = OneLayer();
        weights = graph.Model.Graph.Initializer[0];
        weights.FloatData.Add([0.5f, -0.25f]);
        weights.RawData = ByteString.Empty;
        weights.Dims[0] = 16_383;
        weights.Dims[1] = 16_384;
        RefusedCheaply(graph, OnnxImportError.InvalidTensor, "gemm", "Gemm");

        graph = new GraphBuilder()
            .Input("x", [0, 2])
            .Output("y", [0, 1])
            .Constant("w", [0.5f, -0.25f], 16_383, 16_384)
            .Node("Gemm", "gemm", ["x", "w"], ["y"], Int("transB", 1));
        RefusedCheaply(graph, OnnxImportError.InvalidTensor, "gemm", "Gemm");
    }

    [Fact]
    public void An_input_whose_dimensions_overflow_when_multiplied_is_not_taken_for_a_small_one()
    {
        // Found by `--mutate` (the harness compares the declared input shape with the model): [batch, 2^63 − 1, 10] has
        // a product that wraps around 2^64 to −10, which the importer took for an unknown width, and it accepted the
        // model whatever its layer's width. [batch, 2^62 + 1, 4] wraps to exactly 4, the layer's width.
        foreach (long[] dims in new long[][] { [0, long.MaxValue, 10], [0, (1L << 62) + 1, 4] })
        {
            var overflowing = new GraphBuilder()
                .Input("x", dims)
                .Output("y", [0, 1])
                .Node("Flatten", "flatten", ["x"], ["f"], Int("axis", 1))
                .Initializer("w", [0.5f, -0.25f, 1f, 2f], 1, 4)
                .Node("Gemm", "gemm", ["f", "w"], ["y"], Int("transB", 1));
            OnnxImportException error = RefusedCheaply(overflowing, OnnxImportError.TooLarge);
            Assert.Contains("input 'x'", error.Message, StringComparison.Ordinal);
        }

        // A product over int.MaxValue that does not overflow is refused the same way: no layer has that many inputs.
        var graph = new GraphBuilder()
            .Input("x", [0, 1L << 20, 1L << 20])
            .Output("y", [0, 1])
            .Node("Flatten", "flatten", ["x"], ["f"], Int("axis", 1))
            .Initializer("w", [0.5f, -0.25f, 1f, 2f], 1, 4)
            .Node("Gemm", "gemm", ["f", "w"], ["y"], Int("transB", 1));
        RefusedCheaply(graph, OnnxImportError.TooLarge);

        // A batch dimension, and the real widths, still import.
        graph = new GraphBuilder()
            .Input("x", [0, 2, 2])
            .Output("y", [0, 1])
            .Node("Flatten", "flatten", ["x"], ["f"], Int("axis", 1))
            .Initializer("w", [0.5f, -0.25f, 1f, 2f], 1, 4)
            .Node("Gemm", "gemm", ["f", "w"], ["y"], Int("transB", 1));
        Assert.Equal([4, 1], OnnxImporter.Import(new MemoryStream(graph.Bytes()), "built.onnx").LayerSizes);
    }

    /// <summary>x [batch, 2] → Reshape to [0, -1] (an INT64 initializer in int64_data) → Gemm (1 neuron) → y.</summary>
    private static GraphBuilder ReshapeThenLayer() => new GraphBuilder()
        .Input("x", [0, 2])
        .Output("y", [0, 1])
        .Int64Initializer("shape", 0, -1)
        .Node("Reshape", "reshape", ["x", "shape"], ["r"])
        .Initializer("w", [0.5f, -0.25f], 1, 2)
        .Node("Gemm", "gemm", ["r", "w"], ["y"], Int("transB", 1));

    /// <summary>x [batch, 2] → Gemm (1 neuron, raw_data weights [1, 2]) → y.</summary>
    private static GraphBuilder OneLayer() => new GraphBuilder()
        .Input("x", [0, 2])
        .Output("y", [0, 1])
        .Initializer("w", [0.5f, -0.25f], 1, 2)
        .Node("Gemm", "gemm", ["x", "w"], ["y"], Int("transB", 1));

    /// <summary>Imports <paramref name="graph"/>, expects the refusal, and checks the import allocated little.</summary>
    private static OnnxImportException RefusedCheaply(GraphBuilder graph, OnnxImportError reason, string? node = null, string? op = null)
    {
        byte[] bytes = graph.Bytes();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new MemoryStream(bytes), "built.onnx"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(reason == error.Reason, $"expected {reason}, got {error.Reason}: {error.Message}");
        Assert.Equal((node, op), (error.NodeName, error.OperatorType));
        Assert.StartsWith("'built.onnx'", error.Message, StringComparison.Ordinal);
        Assert.True(allocated < AllocationLimit, $"importing {bytes.Length} bytes allocated {allocated:N0} bytes before the refusal: {error.Message}");
        return error;
    }
}
