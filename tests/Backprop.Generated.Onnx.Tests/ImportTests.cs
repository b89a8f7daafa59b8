using System;
using System.IO;
using System.Linq;
using System.Text;
using Onnx;
using Xunit;
using static Backprop.Onnx.Tests.GraphBuilder;

namespace Backprop.Onnx.Tests;

/// <summary>Hand-built models: the variants the importer folds (checked against ONNX Runtime) and the ones it refuses.</summary>
public class ImportTests
{
    // ---- Variants, each compared with ONNX Runtime running the same bytes ----

    [Fact]
    public void Gemm_without_transB_with_alpha_beta_Constant_weights_and_MatMul_Add_bias_first()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 4])
            .Output("y", [0, 3])
            .Constant("w1", Values(20, 1), 4, 5)                       // B [in, out]: transB = 0
            .FloatDataInitializer("b1", Values(5, 2), 1, 5)            // C [1, out], float_data
            .Node("Gemm", "gemm1", ["x", "w1", "b1"], ["z1"], FloatAttribute("alpha", 0.5f), FloatAttribute("beta", 2f), Int("transB", 0))
            .Node("Relu", "relu1", ["z1"], ["a1"])
            .FloatDataInitializer("w2", Values(15, 3), 5, 3)
            .Initializer("b2", Values(3, 4), 3)
            .Node("MatMul", "matmul2", ["a1", "w2"], ["m2"])
            .Node("Add", "add2", ["b2", "m2"], ["z2"])
            .Node("Sigmoid", "sigmoid2", ["z2"], ["y"]);
        ModelData model = ImportAndCompare(graph, [4], rows: 6);
        Assert.Equal([4, 5, 3], model.LayerSizes);
        Assert.Equal([ActivationKind.ReLU, ActivationKind.Sigmoid], model.Activations);
        Assert.Equal(CostKind.CrossEntropy, model.Cost);
    }

    [Fact]
    public void Flatten_Reshape_Dropout_Identity_scalar_bias_and_Softmax_at_opset_11()
    {
        var graph = new GraphBuilder(opset: 11)
            .Input("x", [0, 2, 3])
            .Output("y", [0, 4])
            .Node("Flatten", "flatten", ["x"], ["f"], Int("axis", 1))
            .Int64Initializer("shape", 0, -1)
            .Node("Reshape", "reshape", ["f", "shape"], ["r"])
            .Initializer("w1", Values(30, 5), 5, 6)
            .Initializer("b1", [0.25f])                                // scalar C
            .Node("Gemm", "gemm1", ["r", "w1", "b1"], ["z1"], Int("transB", 1))
            .Node("Dropout", "dropout", ["z1"], ["d1"], FloatAttribute("ratio", 0.5f))
            .Node("Tanh", "tanh1", ["d1"], ["a1"])
            .Node("Identity", "identity", ["a1"], ["i1"])
            .Initializer("w2", Values(20, 6), 4, 5)
            .Node("Gemm", "gemm2", ["i1", "w2"], ["z2"], Int("transB", 1))   // no C: zero bias
            .Node("Softmax", "softmax", ["z2"], ["y"], Int("axis", 1));
        ModelData model = ImportAndCompare(graph, [2, 3], rows: 5);
        Assert.Equal("[Network(6, 5, 4, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax)]", model.NetworkDeclaration);
        Assert.All(model.Biases(2).ToArray(), b => Assert.Equal(0.25f, b));
        Assert.All(model.Biases(3).ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void A_layer_straight_after_a_layer_makes_an_identity_layer_and_a_trailing_layer_an_identity_output()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 3])
            .Output("y", [0, 2])
            .Initializer("w1", Values(12, 7), 4, 3)
            .Node("Gemm", "gemm1", ["x", "w1"], ["z1"], Int("transB", 1))
            .Initializer("w2", Values(8, 8), 2, 4)
            .Initializer("b2", Values(2, 9), 2)
            .Node("Gemm", "gemm2", ["z1", "w2", "b2"], ["y"], Int("transB", 1));
        ModelData model = ImportAndCompare(graph, [3], rows: 4);
        Assert.Equal([ActivationKind.Identity, ActivationKind.Identity], model.Activations);
        Assert.Equal(CostKind.Quadratic, model.Cost);
    }

    [Fact]
    public void An_Identity_of_a_constant_or_a_chain_of_them_is_that_constant_for_weights_and_biases()
    {
        // As PyTorch exports equal parameters: the second layer's bias is the first layer's initializer through
        // Identities (here two), and weights come through an Identity too, for Gemm and for MatMul.
        var graph = new GraphBuilder()
            .Input("x", [0, 4])
            .Output("y", [0, 3])
            .Initializer("w1", Values(20, 1), 5, 4)
            .Initializer("b1", Values(5, 2), 5)
            .Node("Gemm", "gemm1", ["x", "w1", "b1"], ["z1"], Int("transB", 1))
            .Node("Relu", "relu1", ["z1"], ["a1"])
            .Initializer("w2_shared", Values(25, 3), 5, 5)
            .Node("Identity", "identity_w2", ["w2_shared"], ["w2"])
            .Node("Identity", "identity_b2_first", ["b1"], ["b2_inner"])
            .Node("Identity", "identity_b2_second", ["b2_inner"], ["b2"])
            .Node("Gemm", "gemm2", ["a1", "w2", "b2"], ["z2"], Int("transB", 1))
            .Node("Tanh", "tanh2", ["z2"], ["a2"])
            .FloatDataInitializer("w3_shared", Values(15, 4), 5, 3)
            .Node("Identity", "identity_w3", ["w3_shared"], ["w3"])
            .Constant("b3_constant", Values(3, 5), 3)
            .Node("Identity", "identity_b3", ["b3_constant"], ["b3"])
            .Node("MatMul", "matmul3", ["a2", "w3"], ["m3"])
            .Node("Add", "add3", ["m3", "b3"], ["y"]);
        ModelData model = ImportAndCompare(graph, [4], rows: 5);
        Assert.Equal([4, 5, 5, 3], model.LayerSizes);
        Assert.Equal([ActivationKind.ReLU, ActivationKind.Tanh, ActivationKind.Identity], model.Activations);
        Assert.Equal(model.Biases(2).ToArray(), model.Biases(3).ToArray());
        Assert.Equal(Values(25, 3), model.Weights(3).ToArray());
    }

    [Fact]
    public void An_Identity_that_leads_to_no_constant_is_not_one()
    {
        // Two Identities of each other: not a constant, and following them ends.
        var graph = OneLayer()
            .Node("Identity", "loop_a", ["loop_b"], ["loop_a_out"])
            .Node("Identity", "loop_b", ["loop_a_out"], ["loop_b"]);
        graph.Model.Graph.Node[0].Input.Add("loop_b");
        var error = Refused(graph, OnnxImportError.UnsupportedGraph, "gemm", "Gemm");
        Assert.Contains("adds 'loop_b', which is not a constant", error.Message, StringComparison.Ordinal);

        // An Identity of a value that nothing gives: not a constant either.
        graph = OneLayer().Node("Identity", "identity", ["nowhere"], ["i"]);
        graph.Model.Graph.Node[0].Input.Add("i");
        error = Refused(graph, OnnxImportError.UnsupportedGraph, "gemm", "Gemm");
        Assert.Contains("adds 'i', which is not a constant", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reshape_to_1_by_minus_1_or_1_by_n_flattens_a_batch_of_1()
    {
        // x.view(x.size(0), -1) exported with a batch of 1: the shape as an initializer, or as a Constant node.
        GraphBuilder Flattening(long batch, bool constantNode, params long[] shape)
        {
            var graph = new GraphBuilder().Input("x", [batch, 2, 3]).Output("y", [batch, 4]);
            graph = constantNode ? graph.Int64Constant("shape", shape) : graph.Int64Initializer("shape", shape);
            return graph
                .Node("Reshape", "reshape", ["x", "shape"], ["r"])
                .Initializer("w", Values(24, 11), 4, 6)
                .Initializer("b", Values(4, 12), 4)
                .Node("Gemm", "gemm", ["r", "w", "b"], ["z"], Int("transB", 1))
                .Node("Sigmoid", "sigmoid", ["z"], ["y"]);
        }

        foreach (bool constantNode in new[] { false, true })
        {
            Assert.Equal([6, 4], ImportAndCompare(Flattening(1, constantNode, 1, -1), [2, 3], rows: 1).LayerSizes);
            Assert.Equal([6, 4], ImportAndCompare(Flattening(1, constantNode, 1, 6), [2, 3], rows: 1).LayerSizes);
        }
        // A symbolic batch: the model runs with a batch of 1 only, where [1, -1] flattens the sample.
        Assert.Equal([6, 4], Import(Flattening(0, false, 1, -1)).LayerSizes);

        // A fixed batch of 4 would be put in one row.
        var error = Refused(Flattening(4, false, 1, -1), OnnxImportError.ShapeMismatch, "reshape", "Reshape");
        Assert.Contains("reshapes 'x' of a batch of 4 to [1, -1]", error.Message, StringComparison.Ordinal);
        // [1, n] with n not the sample's width.
        error = Refused(Flattening(1, true, 1, 3), OnnxImportError.ShapeMismatch, "reshape", "Reshape");
        Assert.Contains("of 6 features per sample to [1, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reshape_that_changes_the_layout_of_the_samples_is_refused_naming_the_node_and_operator()
    {
        foreach (long[] shape in new long[][] { [2, -1], [2, 3], [1, 2, 3], [-1], [1, -1, 2] })
        {
            var graph = new GraphBuilder()
                .Input("x", [1, 6])
                .Output("y", [1, 1])
                .Int64Initializer("shape", shape)
                .Node("Reshape", "reshape", ["x", "shape"], ["r"])
                .Initializer("w", Values(6, 1), 1, 6)
                .Node("Gemm", "gemm", ["r", "w"], ["y"], Int("transB", 1));
            var error = Refused(graph, OnnxImportError.UnsupportedAttribute, "reshape", "Reshape");
            Assert.Contains($"reshapes to [{string.Join(", ", shape)}]; only a constant shape that flattens each sample is supported", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Thirty_one_weight_layers_import_and_thirty_two_are_too_many()
    {
        Assert.Equal(32, OnnxImporter.Import(new MemoryStream(Chain(31).Bytes())).LayerSizes.Count);
        var error = Refused(Chain(32), OnnxImportError.TooLarge);
        Assert.Contains("at most 32 layers", error.Message, StringComparison.Ordinal);
    }

    // ---- Models the importer refuses ----

    [Fact]
    public void An_unsupported_operator_names_the_node_the_operator_and_what_is_supported()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 4])
            .Output("y", [0, 4])
            .Node("LpNormalization", "norm", ["x"], ["y"]);
        var error = Refused(graph, OnnxImportError.UnsupportedOperator, "norm", "LpNormalization");
        Assert.Equal(
            "'built.onnx': node 'norm' (LpNormalization) is not supported; a model is a chain of Gemm or MatMul+Add, Conv (1-D or 2-D), " +
            "MaxPool and AveragePool layers with Relu, LeakyRelu(0.01), Tanh, Sigmoid, Softmax (output layer only), BatchNormalization " +
            "(after a Conv or Gemm), and Flatten/Reshape/Identity/Dropout (inference)/Pad (of zeros).",
            error.Message);
    }

    [Fact]
    public void LeakyRelu_with_alpha_0_2_is_refused()
    {
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Path.Combine(Ort.Fixtures, "leaky_relu_0_2.onnx")));
        Assert.Equal(OnnxImportError.UnsupportedAttribute, error.Reason);
        Assert.Equal(("/1/LeakyRelu", "LeakyRelu"), (error.NodeName, error.OperatorType));
        Assert.Contains("alpha 0.2", error.Message, StringComparison.Ordinal);
        Assert.Contains("slope 0.01 only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Softmax_in_a_hidden_layer_is_refused()
    {
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(Path.Combine(Ort.Fixtures, "hidden_softmax.onnx")));
        Assert.Equal(OnnxImportError.UnsupportedGraph, error.Reason);
        Assert.Equal(("/1/Softmax", "Softmax"), (error.NodeName, error.OperatorType));
        Assert.Contains("output layer only", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("empty")]
    [InlineData("text")]
    [InlineData("bpnet")]
    [InlineData("random")]
    [InlineData("truncated")]
    public void Bytes_that_are_not_ONNX_are_a_clear_error(string kind)
    {
        byte[] bytes = kind switch
        {
            "empty" => [],
            "text" => Encoding.UTF8.GetBytes("This is a text file, not a model.\n"),
            "bpnet" => Bpnet(),
            "random" => GraphBuilder.Values(64, 5).Select(v => (byte)(v * 127 + 128)).ToArray(),
            _ => File.ReadAllBytes(Path.Combine(Ort.Fixtures, "relu_identity.onnx"))[..300],
        };
        var error = Assert.Throws<OnnxImportException>(() => OnnxImporter.Import(new MemoryStream(bytes), kind + ".onnx"));
        Assert.Equal(OnnxImportError.NotOnnx, error.Reason);
        Assert.StartsWith($"'{kind}.onnx' is not an ONNX model", error.Message, StringComparison.Ordinal);
        Assert.Null(error.NodeName);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Double_weights_are_refused()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 2]).Output("y", [0, 1])
            .DoubleInitializer("w", [1.0, 2.0], 1, 2)
            .Node("Gemm", "gemm", ["x", "w"], ["y"], Int("transB", 1));
        var error = Refused(graph, OnnxImportError.UnsupportedType, "gemm", "Gemm");
        Assert.Contains("DOUBLE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_double_input_is_refused()
    {
        var graph = OneLayer();
        graph.Model.Graph.Input[0].Type.TensorType.ElemType = DoubleType;
        var error = Refused(graph, OnnxImportError.UnsupportedType);
        Assert.Contains("input 'x' of element type DOUBLE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_inputs_or_two_outputs_are_refused()
    {
        var graph = OneLayer().Input("x2", [0, 2]);
        Assert.Contains("2 inputs ('x', 'x2')", Refused(graph, OnnxImportError.UnsupportedGraph).Message, StringComparison.Ordinal);
        graph = OneLayer().Output("y2", [0, 1]);
        Assert.Contains("2 outputs ('y', 'y2')", Refused(graph, OnnxImportError.UnsupportedGraph).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_graph_without_layers_is_empty()
    {
        var graph = new GraphBuilder().Input("x", [0, 2]).Output("y", [0, 2]).Node("Identity", "identity", ["x"], ["y"]);
        Assert.Contains("has no layer", Refused(graph, OnnxImportError.Empty).Message, StringComparison.Ordinal);
        graph = new GraphBuilder().Input("x", [0, 2]).Output("x", [0, 2]);
        Refused(graph, OnnxImportError.Empty);
    }

    [Fact]
    public void Widths_that_do_not_fit_are_a_shape_mismatch()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 4]).Output("y", [0, 3])
            .Initializer("w1", Values(20, 1), 5, 4)
            .Node("Gemm", "gemm1", ["x", "w1"], ["z1"], Int("transB", 1))
            .Node("Relu", "relu1", ["z1"], ["a1"])
            .Initializer("w2", Values(18, 2), 3, 6)
            .Node("Gemm", "gemm2", ["a1", "w2"], ["y"], Int("transB", 1));
        var error = Refused(graph, OnnxImportError.ShapeMismatch, "gemm2", "Gemm");
        Assert.Contains("weights for 6 inputs but 'a1' has 5 features", error.Message, StringComparison.Ordinal);

        graph = OneLayer();
        graph.Model.Graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue = 3;
        Refused(graph, OnnxImportError.ShapeMismatch, "gemm", "Gemm");

        graph = OneLayer();
        graph.Model.Graph.Output[0].Type.TensorType.Shape.Dim[1].DimValue = 4;
        Assert.Contains("declares output 'y' as [batch, 4]", Refused(graph, OnnxImportError.ShapeMismatch).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rank_4_input_without_Flatten_is_a_shape_mismatch()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 1, 2, 2]).Output("y", [0, 1])
            .Initializer("w", Values(4, 1), 1, 4)
            .Node("Gemm", "gemm", ["x", "w"], ["y"], Int("transB", 1));
        Assert.Contains("Flatten missing", Refused(graph, OnnxImportError.ShapeMismatch, "gemm", "Gemm").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unsupported_attribute_values_are_refused()
    {
        var graph = OneLayer();
        graph.Model.Graph.Node[0].Attribute.Add(Int("transA", 1));
        Assert.Contains("transA 1", Refused(graph, OnnxImportError.UnsupportedAttribute, "gemm", "Gemm").Message, StringComparison.Ordinal);

        graph = OneLayer("Softmax", Int("axis", 0));
        Assert.Contains("axis 0", Refused(graph, OnnxImportError.UnsupportedAttribute, "act", "Softmax").Message, StringComparison.Ordinal);

        graph = OneLayer("Relu", FloatAttribute("gamma", 1f));
        Assert.Contains("'gamma'", Refused(graph, OnnxImportError.UnsupportedAttribute, "act", "Relu").Message, StringComparison.Ordinal);

        graph = new GraphBuilder()
            .Input("x", [0, 6]).Output("y", [0, 1])
            .Int64Initializer("shape", -1, 3)
            .Node("Reshape", "reshape", ["x", "shape"], ["r"])
            .Initializer("w", Values(3, 1), 1, 3)
            .Node("Gemm", "gemm", ["r", "w"], ["y"], Int("transB", 1));
        Refused(graph, OnnxImportError.ShapeMismatch, "reshape", "Reshape");

        graph.Model.Graph.Initializer.Single(t => t.Name == "shape").Int64Data[0] = 2;
        Assert.Contains("reshapes to [2, 3]", Refused(graph, OnnxImportError.UnsupportedAttribute, "reshape", "Reshape").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeakyRelu_at_float32_0_01_is_accepted_and_its_default_alpha_too()
    {
        Assert.Equal(ActivationKind.LeakyReLU, Import(OneLayer("LeakyRelu", FloatAttribute("alpha", 0.01f))).Activations[0]);
        Assert.Equal(ActivationKind.LeakyReLU, Import(OneLayer("LeakyRelu")).Activations[0]);
        Refused(OneLayer("LeakyRelu", FloatAttribute("alpha", 0.011f)), OnnxImportError.UnsupportedAttribute, "act", "LeakyRelu");
    }

    [Fact]
    public void Two_activations_in_a_row_are_refused()
    {
        var graph = OneLayer("Relu").Node("Tanh", "tanh", ["a"], ["t"]);
        graph.Model.Graph.Output[0].Name = "t";
        var error = Refused(graph, OnnxImportError.UnsupportedGraph, "tanh", "Tanh");
        Assert.Contains("follows the activation 'act' (Relu)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_activation_before_any_layer_or_an_Add_after_an_activation_is_refused()
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 2]).Output("y", [0, 1])
            .Node("Relu", "relu0", ["x"], ["r"])
            .Initializer("w", Values(2, 1), 1, 2)
            .Node("Gemm", "gemm", ["r", "w"], ["y"], Int("transB", 1));
        Refused(graph, OnnxImportError.UnsupportedGraph, "relu0", "Relu");

        graph = OneLayer("Relu").Initializer("c", [1f], 1).Node("Add", "add", ["a", "c"], ["s"]);
        graph.Model.Graph.Output[0].Name = "s";
        Assert.Contains("after an activation", Refused(graph, OnnxImportError.UnsupportedGraph, "add", "Add").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dropout_in_training_mode_is_refused_and_in_inference_mode_accepted()
    {
        GraphBuilder WithDropout(bool training)
        {
            var tensor = new TensorProto { Name = "training", DataType = (int)TensorProto.Types.DataType.Bool };
            tensor.Int32Data.Add(training ? 1 : 0);
            var graph = OneLayer("Relu").Node("Dropout", "dropout", ["a", "", "training"], ["d"]);
            graph.Model.Graph.Initializer.Add(tensor);
            graph.Model.Graph.Output[0].Name = "d";
            return graph;
        }

        Assert.Contains("training mode", Refused(WithDropout(true), OnnxImportError.UnsupportedAttribute, "dropout", "Dropout").Message, StringComparison.Ordinal);
        Assert.Equal([ActivationKind.ReLU], Import(WithDropout(false)).Activations);
    }

    [Fact]
    public void A_graph_that_is_not_a_chain_is_refused()
    {
        // The input feeds two nodes.
        var graph = OneLayer().Node("Relu", "side", ["x"], ["s"]);
        Assert.Contains("fed by 'x'", Refused(graph, OnnxImportError.UnsupportedGraph, "side", "Relu").Message, StringComparison.Ordinal);

        // A node off the chain.
        graph = OneLayer().Initializer("c", [1f], 1).Node("Relu", "dangling", ["c"], ["unused"]);
        Assert.Contains("not on the chain", Refused(graph, OnnxImportError.UnsupportedGraph, "dangling", "Relu").Message, StringComparison.Ordinal);

        // An output the chain never reaches.
        graph = OneLayer();
        graph.Model.Graph.Output[0].Name = "elsewhere";
        Assert.Contains("output 'elsewhere' is not reached", Refused(graph, OnnxImportError.UnsupportedGraph, "gemm", "Gemm").Message, StringComparison.Ordinal);

        // An operator from another domain.
        graph = OneLayer("Relu");
        graph.Model.Graph.Node[1].Domain = "com.example";
        Refused(graph, OnnxImportError.UnsupportedOperator, "act", "Relu");
    }

    [Fact]
    public void Malformed_or_external_tensors_are_refused()
    {
        var graph = OneLayer();
        graph.Model.Graph.Initializer[0].RawData = Google.Protobuf.ByteString.CopyFrom(new byte[5]);
        Assert.Contains("5 bytes of raw_data, not 8", Refused(graph, OnnxImportError.InvalidTensor, "gemm", "Gemm").Message, StringComparison.Ordinal);

        graph = OneLayer();
        graph.Model.Graph.Initializer[0].DataLocation = TensorProto.Types.DataLocation.External;
        Assert.Contains("external file", Refused(graph, OnnxImportError.UnsupportedType, "gemm", "Gemm").Message, StringComparison.Ordinal);
    }

    // ---- Helpers ----

    /// <summary>x [batch, 2] → Gemm (1 neuron) → optional activation → y.</summary>
    private static GraphBuilder OneLayer(string? activation = null, params AttributeProto[] attributes)
    {
        var graph = new GraphBuilder()
            .Input("x", [0, 2])
            .Output(activation is null ? "y" : "a", [0, 1])
            .Initializer("w", [0.5f, -0.25f], 1, 2)
            .Node("Gemm", "gemm", ["x", "w"], [activation is null ? "y" : "z"], Int("transB", 1));
        if (activation is not null)
        {
            graph.Node(activation, "act", ["z"], ["a"], attributes);
        }
        return graph;
    }

    /// <summary>x [batch, 1] through <paramref name="layers"/> Gemm layers of one neuron each, with sigmoids.</summary>
    private static GraphBuilder Chain(int layers)
    {
        var graph = new GraphBuilder().Input("x", [0, 1]).Output("y", [0, 1]);
        string previous = "x";
        for (int l = 0; l < layers; l++)
        {
            string next = l == layers - 1 ? "y" : "a" + l;
            graph.Initializer("w" + l, [0.5f], 1, 1)
                .Node("Gemm", "gemm" + l, [previous, "w" + l], ["z" + l], Int("transB", 1))
                .Node("Sigmoid", "sigmoid" + l, ["z" + l], [next]);
            previous = next;
        }
        return graph;
    }

    private static ModelData Import(GraphBuilder graph) => OnnxImporter.Import(new MemoryStream(graph.Bytes()), "built.onnx");

    /// <summary>Imports <paramref name="graph"/> and checks that the model computes what ONNX Runtime computes from the same bytes.</summary>
    internal static ModelData ImportAndCompare(GraphBuilder graph, long[] inputShape, int rows, double tolerance = 1e-5)
    {
        byte[] bytes = graph.Bytes();
        ModelData model = OnnxImporter.Import(new MemoryStream(bytes), "built.onnx");
        float[] inputs = Ort.Inputs(rows * model.InputSize, seed: 17);
        float[] expected = Ort.Run(bytes, inputs, rows, inputShape, "x", "y");
        Ort.Close(expected, Reference.Forward(model, inputs, rows), tolerance);
        return model;
    }

    internal static OnnxImportException Refused(GraphBuilder graph, OnnxImportError reason, string? node = null, string? op = null)
    {
        var error = Assert.Throws<OnnxImportException>(() => Import(graph));
        Assert.True(reason == error.Reason, $"expected {reason}, got {error.Reason}: {error.Message}");
        Assert.Equal("built.onnx", error.FilePath);
        Assert.StartsWith("'built.onnx'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
        if (node is not null)
        {
            Assert.Equal((node, op), (error.NodeName, error.OperatorType));
            Assert.Contains($"node '{node}' ({op})", error.Message, StringComparison.Ordinal);
        }
        return error;
    }

    private static byte[] Bpnet()
    {
        using var stream = new MemoryStream();
        NetworkSerializer.Save(SigmoidNet.Create(seed: 1), stream);
        return stream.ToArray();
    }
}

/// <summary>Damaged models: the importer returns a model or throws <see cref="OnnxImportException"/>, never anything else.</summary>
public class ImportRobustnessTests
{
    [Fact]
    public void Corrupted_bytes_give_a_model_or_an_OnnxImportException()
    {
        byte[] original = OnnxExporter.ToBytes(NetworkCase.All[nameof(MixedNet)].Create(seed: 1));
        var random = new Random(12345);
        int refused = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            byte[] bytes = (byte[])original.Clone();
            int changes = 1 + random.Next(4);
            for (int c = 0; c < changes; c++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            if (random.Next(4) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }
            try
            {
                OnnxImporter.Import(new MemoryStream(bytes), "corrupt.onnx");
            }
            catch (OnnxImportException error)
            {
                refused++;
                Assert.StartsWith("'corrupt.onnx'", error.Message, StringComparison.Ordinal);
            }
        }
        Assert.True(refused > 100, $"only {refused} of 2000 corrupted models were refused");
    }
}
