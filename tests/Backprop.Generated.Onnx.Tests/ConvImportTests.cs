using System;
using System.IO;
using System.Linq;
using Onnx;
using Xunit;
using static Backprop.Onnx.Tests.GraphBuilder;
using static Backprop.Onnx.Tests.ImportTests;

namespace Backprop.Onnx.Tests;

/// <summary>
/// Hand-built convolutional models: the variants the importer reads (each checked against ONNX Runtime running the same
/// bytes) and the ones it refuses, each naming its node.
/// </summary>
public class ConvImportTests
{
    [Fact]
    public void The_PyTorch_convolution_once_refused_imports_and_computes_what_ONNX_Runtime_computes()
    {
        string path = Path.Combine(Ort.Fixtures, "unsupported_conv.onnx");
        ModelData model = OnnxImporter.Import(path);
        Assert.Equal("[Network]\n[Input(1, 6, 6)]\n[Conv2D(2, 3)]\n[Dense(3)]", model.NetworkDeclaration);
        float[] inputs = Ort.Inputs(5 * 36, seed: 3);
        float[] expected = Ort.Run(File.ReadAllBytes(path), inputs, 5, [1, 6, 6]);
        Ort.Close(expected, Reference.Forward(model, inputs, 5), what: "reference");
        Ort.Close(expected, NetworkCase.All[nameof(SingleConv)].Forward(model, inputs, 5), what: "generated network");
    }

    [Fact]
    public void Conv_without_bias_BatchNormalization_folded_MaxPool_then_Relu_and_Gemm_BatchNormalization()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 2, 6, 6])
            .Output("y", [0, 3])
            .Initializer("w1", Values(3 * 2 * 3 * 3, 1), 3, 2, 3, 3)
            .Node("Conv", "conv1", ["x", "w1"], ["c1"], Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 1, 1))
            .Initializer("gamma", [0.5f, 1.5f, -0.8f], 3)
            .Initializer("beta", [0.1f, -0.2f, 0.3f], 3)
            .Initializer("mean", [0.2f, -0.1f, 0.05f], 3)
            .Initializer("var", [0.5f, 2f, 0.01f], 3)
            .Node("BatchNormalization", "bn1", ["c1", "gamma", "beta", "mean", "var"], ["n1"], FloatAttribute("epsilon", 1e-3f))
            .Node("MaxPool", "pool1", ["n1"], ["p1"], Ints("kernel_shape", 2, 2), Ints("strides", 2, 2))
            .Node("Relu", "relu1", ["p1"], ["a1"])                            // after the pool: the convolution's
            .Node("Dropout", "dropout", ["a1"], ["d1"])
            .Node("Flatten", "flatten", ["d1"], ["f1"], Int("axis", 1))
            .Initializer("w2", Values(4 * 27, 2), 4, 27)
            .Initializer("b2", Values(4, 3), 4)
            .Node("Gemm", "gemm2", ["f1", "w2", "b2"], ["z2"], Int("transB", 1))
            .Initializer("gamma2", [1.2f, 0.7f, 0.9f, 1.1f], 4)
            .Initializer("beta2", [0f, 0.5f, -0.5f, 0.25f], 4)
            .Initializer("mean2", [0.3f, -0.3f, 0f, 1f], 4)
            .Initializer("var2", [1f, 0.25f, 4f, 0.5f], 4)
            .Node("BatchNormalization", "bn2", ["z2", "gamma2", "beta2", "mean2", "var2"], ["n2"])
            .Node("Tanh", "tanh2", ["n2"], ["a2"])
            .Initializer("w3", Values(12, 4), 3, 4)
            .Node("Gemm", "gemm3", ["a2", "w3"], ["z3"], Int("transB", 1))
            .Node("Softmax", "softmax3", ["z3"], ["y"], Int("axis", -1));
        ModelData model = ImportAndCompare(graph, [2, 6, 6], rows: 6, tolerance: 1e-4);
        Assert.Equal(
            "[Network]\n[Input(2, 6, 6)]\n[Conv2D(3, 3, Padding = 1, Activation = ActivationKind.ReLU)]\n[MaxPool2D(2)]\n" +
            "[Dense(4, Activation = ActivationKind.Tanh)]\n[Dense(3, Activation = ActivationKind.Softmax)]",
            model.NetworkDeclaration);
    }

    [Fact]
    public void Conv1D_VALID_without_kernel_shape_AveragePool_after_a_Pad_of_zeros_and_a_spatial_output()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 3, 14])
            .Output("y", [0, 2, 3])
            .Initializer("w1", Values(4 * 3 * 3, 5), 4, 3, 3)
            .Initializer("b1", Values(4, 6), 4)
            .Node("Conv", "conv1", ["x", "w1", "b1"], ["c1"], Text("auto_pad", "VALID"), Ints("strides", 1))
            .Node("LeakyRelu", "leaky1", ["c1"], ["a1"], FloatAttribute("alpha", 0.01f))
            .Int64Initializer("pads", 0, 0, 0, 0, 0, 0)
            .Node("Pad", "pad", ["a1", "pads"], ["p1"])
            .Node("AveragePool", "pool", ["p1"], ["q1"], Ints("kernel_shape", 2), Ints("strides", 2))
            .Initializer("w2", Values(2 * 4 * 2, 7), 2, 4, 2)
            .Node("Conv", "conv2", ["q1", "w2"], ["c2"], Ints("strides", 2))
            .Node("Sigmoid", "sigmoid2", ["c2"], ["y"]);
        ModelData model = ImportAndCompare(graph, [3, 14], rows: 4);
        Assert.Equal(
            "[Network]\n[Input(3, 14)]\n[Conv1D(4, 3, Activation = ActivationKind.LeakyReLU)]\n[AvgPool1D(2)]\n" +
            "[Conv1D(2, 2, Stride = 2, Activation = ActivationKind.Sigmoid)]",
            model.NetworkDeclaration);
        Assert.Equal(CostKind.CrossEntropy, model.Cost);
    }

    public static TheoryData<string, OnnxImportError, string> Refusals => new()
    {
        { "group", OnnxImportError.UnsupportedAttribute, "has group 2; only group 1" },
        { "dilations", OnnxImportError.UnsupportedAttribute, "has dilations [2, 2]; only dilations of 1" },
        { "asymmetric pads", OnnxImportError.UnsupportedAttribute, "has pads [1, 1, 0, 0]; only the same padding of at least 0 on every side" },
        { "strides per axis", OnnxImportError.UnsupportedAttribute, "has strides [1, 2]; the same stride of at least 1 along both axes" },
        { "auto_pad", OnnxImportError.UnsupportedAttribute, "has auto_pad SAME_UPPER; only NOTSET (explicit pads) or VALID" },
        { "kernel_shape", OnnxImportError.ShapeMismatch, "has kernel_shape [2, 2] but weights of shape [2, 1, 3, 3]" },
        { "channels", OnnxImportError.ShapeMismatch, "has weights 'w' of shape [2, 3, 3, 3]; a convolution of 'x' (1×6×6) takes [filters, 1, kernelHeight, kernelWidth]" },
        { "not whole", OnnxImportError.ShapeMismatch, "does not fit 'x' (1×6×6): The window does not fit a whole number of times" },
        { "symbolic", OnnxImportError.ShapeMismatch, "takes 'x' of rank 4; a Conv takes a signal [batch, channels, length] or an image [batch, channels, height, width] whose dimensions the graph's input declares" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_Conv_the_runtime_cannot_compute_is_refused_with_what_is_supported(string variant, OnnxImportError reason, string message)
    {
        long[] input = variant == "symbolic" ? [0, 1, 0, 6] : [0, 1, 6, 6];
        int channels = variant == "channels" ? 3 : 1;
        AttributeProto[] attributes = variant switch
        {
            "group" => [Int("group", 2)],
            "dilations" => [Ints("dilations", 2, 2)],
            "asymmetric pads" => [Ints("pads", 1, 1, 0, 0)],
            "strides per axis" => [Ints("strides", 1, 2)],
            "auto_pad" => [Text("auto_pad", "SAME_UPPER")],
            "kernel_shape" => [Ints("kernel_shape", 2, 2)],
            "not whole" => [Ints("strides", 2, 2)],
            _ => [],
        };
        var graph = new GraphBuilder()
            .Input("x", input)
            .Output("y", [0, 3])
            .Initializer("w", Values(2 * channels * 9, 1), 2, channels, 3, 3)
            .Node("Conv", "conv", ["x", "w"], ["c"], attributes)
            .Node("Flatten", "flatten", ["c"], ["f"])
            .Initializer("w2", Values(3 * 32, 2), 3, 32)
            .Node("Gemm", "gemm", ["f", "w2"], ["y"], Int("transB", 1));
        var error = Refused(graph, reason, "conv", "Conv");
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("MaxPool", "ceil_mode", "has ceil_mode 1; only ceil_mode 0")]
    [InlineData("MaxPool", "rectangle", "has kernel_shape [2, 3]; a pool of 'c' (2×4×4) has a square window [size, size]")]
    [InlineData("AveragePool", "pads", "has padding; only pools without padding are supported")]
    [InlineData("AveragePool", "no kernel", "has no kernel_shape; a pool needs one")]
    public void A_pool_the_runtime_cannot_compute_is_refused(string op, string variant, string message)
    {
        AttributeProto[] attributes = variant switch
        {
            "ceil_mode" => [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1)],
            "rectangle" => [Ints("kernel_shape", 2, 3)],
            "pads" => [Ints("kernel_shape", 2, 2), Ints("pads", 1, 1, 1, 1)],
            _ => [],
        };
        var graph = new GraphBuilder()
            .Input("x", [0, 1, 6, 6])
            .Output("y", [0, 8])
            .Initializer("w", Values(18, 1), 2, 1, 3, 3)
            .Node("Conv", "conv", ["x", "w"], ["c"])
            .Node(op, "pool", ["c"], ["p"], attributes)
            .Node("Flatten", "flatten", ["p"], ["y"]);
        var error = Refused(graph, OnnxImportError.UnsupportedAttribute, "pool", op);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("after the activation", OnnxImportError.UnsupportedGraph, "bn", "BatchNormalization", "normalizes 'a' after the activation of layer 'conv' (Conv)")]
    [InlineData("after a pool", OnnxImportError.UnsupportedGraph, "bn", "BatchNormalization", "normalizes 'p' after the AvgPool2D layer 'pool' (AveragePool)")]
    [InlineData("first", OnnxImportError.UnsupportedGraph, "bn", "BatchNormalization", "normalizes 'x' before any layer")]
    [InlineData("training", OnnxImportError.UnsupportedAttribute, "bn", "BatchNormalization", "is in training mode or not spatial")]
    [InlineData("activation after an average pool", OnnxImportError.UnsupportedGraph, "relu", "Relu", "follows the pooling layer 'pool' (AveragePool), which has no activation")]
    [InlineData("softmax over maps", OnnxImportError.UnsupportedGraph, "softmax", "Softmax", "softmax is supported over [batch, outputs] only: flatten the maps first")]
    [InlineData("padding", OnnxImportError.UnsupportedAttribute, "pad", "Pad", "pads by [0, 0, 1, 1, 0, 0, 1, 1]; only a Pad of zeros")]
    [InlineData("gemm on maps", OnnxImportError.ShapeMismatch, "gemm", "Gemm", "takes 'p' of rank 4; a layer takes [batch, features]: is a Flatten missing?")]
    public void A_chain_the_runtime_cannot_compute_is_refused(string variant, OnnxImportError reason, string node, string op, string message)
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 1, 6, 6])
            .Output("y", [0, 3])
            .Initializer("w", Values(18, 1), 2, 1, 3, 3)
            .Initializer("gamma", [1f, 2f], 2)
            .Initializer("beta", [0f, 1f], 2)
            .Initializer("mean", [0f, 0.5f], 2)
            .Initializer("var", [1f, 2f], 2)
            .Int64Initializer("pads", 0, 0, 1, 1, 0, 0, 1, 1)
            .Initializer("w2", Values(3 * 8, 2), 3, 8);
        AttributeProto[] pool = [Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)];
        string[] norm = ["gamma", "beta", "mean", "var"];
        string last = variant switch
        {
            "after the activation" => Chain(graph.Node("Conv", "conv", ["x", "w"], ["c"]).Node("Relu", "relu", ["c"], ["a"])
                .Node("BatchNormalization", "bn", ["a", .. norm], ["n"]).Node("AveragePool", "pool", ["n"], ["p"], pool)),
            "after a pool" => Chain(graph.Node("Conv", "conv", ["x", "w"], ["c"]).Node("AveragePool", "pool", ["c"], ["p"], pool)
                .Node("BatchNormalization", "bn", ["p", .. norm], ["q"]), "q"),
            "first" => Chain(graph.Node("BatchNormalization", "bn", ["x", "gamma", "beta", "mean", "var"], ["n"]), "n"),
            "training" => Chain(graph.Node("Conv", "conv", ["x", "w"], ["c"])
                .Node("BatchNormalization", "bn", ["c", .. norm], ["n"], Int("training_mode", 1)).Node("AveragePool", "pool", ["n"], ["p"], pool)),
            "activation after an average pool" => Chain(graph.Node("Conv", "conv", ["x", "w"], ["c"]).Node("AveragePool", "pool", ["c"], ["q"], pool)
                .Node("Relu", "relu", ["q"], ["p"])),
            "softmax over maps" => Chain(graph.Node("Conv", "conv", ["x", "w"], ["c"]).Node("Softmax", "softmax", ["c"], ["s"], Int("axis", 1))
                .Node("AveragePool", "pool", ["s"], ["p"], pool)),
            "padding" => Chain(graph.Node("Pad", "pad", ["x", "pads"], ["x2"]).Node("Conv", "conv", ["x2", "w"], ["c"]).Node("AveragePool", "pool", ["c"], ["p"], pool)),
            _ => "p",
        };
        if (variant == "gemm on maps")
        {
            graph.Node("Conv", "conv", ["x", "w"], ["c"]).Node("AveragePool", "pool", ["c"], ["p"], pool).Node("Gemm", "gemm", ["p", "w2"], ["y"], Int("transB", 1));
        }
        else
        {
            graph.Node("Gemm", "gemm", [last, "w2"], ["y"], Int("transB", 1));
        }
        var error = Refused(graph, reason, node, op);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Flattens what <paramref name="graph"/> ends with (its tensor <paramref name="last"/>) to 'f' for the Gemm after it.</summary>
    private static string Chain(GraphBuilder graph, string last = "p")
    {
        graph.Node("Flatten", "flatten", [last], ["f"]);
        return "f";
    }

    [Fact]
    public void Exported_convolutional_models_declare_their_spatial_input()
    {
        ModelData model = NetworkCase.All[nameof(ConvPoolSoftmaxNet)].Create(seed: 1);
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(model));
        TensorShapeProto input = proto.Graph.Input.Single().Type.TensorType.Shape;
        Assert.Equal(["batch", "2", "8", "10"], input.Dim.Select(d => d.DimParam.Length > 0 ? d.DimParam : d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(2, proto.Graph.Output.Single().Type.TensorType.Shape.Dim.Count);
        Assert.Equal(["Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"], proto.Graph.Node.Select(node => node.OpType));
        Assert.Equal(["layer2.conv", "layer2.relu", "layer3.maxpool", "layer4.flatten", "layer4.gemm", "layer4.softmax"], proto.Graph.Node.Select(node => node.Name));
        Assert.Equal([3L, 2, 3, 3], proto.Graph.Initializer[0].Dims);
        Assert.Equal(model.NetworkDeclaration, proto.MetadataProps.Single(p => p.Key == OnnxExporter.DeclarationMetadataKey).Value);

        // A spatial output is flattened before its activation.
        proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(NetworkCase.All[nameof(ConvTanhOutputNet)].Create(seed: 1)));
        Assert.Equal(["Conv", "Relu", "Conv", "Flatten", "Tanh"], proto.Graph.Node.Select(node => node.OpType));
        Assert.Equal([4L, 3, 3], proto.Graph.Initializer[0].Dims);
        Assert.Equal([1L], proto.Graph.Node[0].Attribute.Single(a => a.Name == "pads").Ints.Distinct());
    }
}
