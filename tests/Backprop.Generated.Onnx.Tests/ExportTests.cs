using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Xunit;

namespace Backprop.Onnx.Tests;

/// <summary>Exported networks run in ONNX Runtime with the results of the networks' own <c>Forward</c>.</summary>
public class ExportTests
{
    public static TheoryData<string> Networks =>
    [
        nameof(SigmoidNet), nameof(TanhNet), nameof(ReluNet), nameof(LeakyReluNet), nameof(IdentityNet), nameof(SoftmaxNet),
        nameof(QuadraticSigmoidNet), nameof(MixedNet), nameof(DeepMixedNet), nameof(TwoLayerNet), nameof(WideNet),
        nameof(ConvPoolSoftmaxNet), nameof(StridedConvStackNet), nameof(Signal1DNet), nameof(PoolFirstConvOutputNet),
        nameof(ConvTanhOutputNet), nameof(MaxPoolOutputNet), nameof(LeNet5Net),
    ];

    [Theory]
    [MemberData(nameof(Networks))]
    public void Exported_network_computes_what_Forward_computes_in_ONNX_Runtime(string network)
    {
        NetworkCase net = NetworkCase.All[network];
        ModelData model = net.Create(seed: 11);
        using var session = new InferenceSession(OnnxExporter.ToBytes(model));
        foreach (int rows in (int[])[1, 7, 32])
        {
            float[] inputs = Ort.Inputs(rows * net.InputSize, seed: rows);
            float[] expected = net.Forward(model, inputs, rows);
            float[] actual = Ort.Run(session, inputs, rows, net.InputShape);
            Ort.Close(expected, actual, what: $"{network}, batch of {rows}");
        }
    }

    [Theory]
    [MemberData(nameof(Networks))]
    public void Export_then_import_gives_the_same_model(string network)
    {
        ModelData model = NetworkCase.All[network].Create(seed: 5);
        ModelData back = OnnxImporter.Import(new MemoryStream(OnnxExporter.ToBytes(model)), network);
        Assert.Equal(model.Architecture, back.Architecture);
        Assert.Equal(model.LayerSizes, back.LayerSizes);
        Assert.Equal(model.Activations, back.Activations);
        Assert.Equal(model.Cost, back.Cost);
        Assert.Equal(model.NetworkDeclaration, back.NetworkDeclaration);
        Assert.True(model.Parameters.SequenceEqual(back.Parameters), "the parameters differ");
    }

    [Fact]
    public void Dropout_exports_as_the_identity_it_is_in_inference_and_imports_as_nothing()
    {
        ConvDropoutNet network = ConvDropoutNet.Create(11);
        byte[] model = OnnxExporter.ToBytes(ModelData.From(network));
        float[] inputs = Ort.Inputs(7 * ConvDropoutNet.InputSize, seed: 7);
        var expected = new float[7 * ConvDropoutNet.OutputSize];
        network.ForwardBatch(inputs, expected);
        Ort.Close(expected, Ort.Run(model, inputs, 7, [2, 8, 10]), what: "dropout as Identity");
        Assert.Contains(ModelProto.Parser.ParseFrom(model).Graph.Node, node => node.OpType == "Identity" && node.Name == "layer4.dropout");

        // Imported, the network has no dropout: the same parameters in ConvPoolSoftmaxNet's layers.
        ModelData imported = OnnxImporter.Import(new MemoryStream(model), "dropout.onnx");
        Assert.Equal(ConvPoolSoftmaxNet.Architecture, imported.Architecture);
        Assert.Equal(network.Parameters.ToArray(), imported.Parameters.ToArray());
    }

    [Fact]
    public void Model_names_its_input_output_producer_and_opset()
    {
        ModelData model = NetworkCase.All[nameof(SoftmaxNet)].Create(seed: 1);
        byte[] bytes = OnnxExporter.ToBytes(model);
        using var session = new InferenceSession(bytes);

        NodeMetadata input = Assert.Single(session.InputMetadata).Value;
        Assert.Equal("input", session.InputMetadata.Keys.Single());
        Assert.Equal([-1, 8], input.Dimensions);
        Assert.Equal("batch", input.SymbolicDimensions[0]);
        Assert.Equal(typeof(float), input.ElementType);
        NodeMetadata output = Assert.Single(session.OutputMetadata).Value;
        Assert.Equal("output", session.OutputMetadata.Keys.Single());
        Assert.Equal([-1, 5], output.Dimensions);
        Assert.Equal("batch", output.SymbolicDimensions[0]);

        ModelMetadata metadata = session.ModelMetadata;
        Assert.Equal("Backprop.Generated", metadata.ProducerName);
        Assert.Equal("LogLikelihood", metadata.CustomMetadataMap["backprop.cost"]);
        Assert.Equal(model.NetworkDeclaration, metadata.CustomMetadataMap["backprop.declaration"]);
        Assert.Equal("backprop_8_16_5", metadata.GraphName);
        Assert.Contains("8-16-5", metadata.Description, StringComparison.Ordinal);

        ModelProto proto = ModelProto.Parser.ParseFrom(bytes);
        string version = typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(version, proto.ProducerVersion);
        OperatorSetIdProto opset = Assert.Single(proto.OpsetImport);
        Assert.Equal("", opset.Domain);
        Assert.Equal(17, opset.Version);
        Assert.Equal(8, proto.IrVersion);
        Assert.Equal(["layer2.gemm", "layer2.relu", "layer3.gemm", "layer3.softmax"], proto.Graph.Node.Select(node => node.Name));
        Assert.Equal(["Gemm", "Relu", "Gemm", "Softmax"], proto.Graph.Node.Select(node => node.OpType));
        Assert.Equal(["layer2.weight", "layer2.bias", "layer3.weight", "layer3.bias"], proto.Graph.Initializer.Select(tensor => tensor.Name));
        Assert.Equal([16L, 8L], proto.Graph.Initializer[0].Dims);
        Assert.Equal("input", proto.Graph.Node[0].Input[0]);
        Assert.Equal("output", proto.Graph.Node[^1].Output[0]);
        AttributeProto transB = Assert.Single(proto.Graph.Node[0].Attribute);
        Assert.Equal(("transB", 1L), (transB.Name, transB.I));
        Assert.Equal(-1, proto.Graph.Node[^1].Attribute.Single(a => a.Name == "axis").I);
    }

    [Fact]
    public void Activations_get_their_operators_and_leaky_relu_its_slope()
    {
        ModelProto proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(NetworkCase.All[nameof(DeepMixedNet)].Create(seed: 1)));
        // Identity (no node), Sigmoid, ReLU, Tanh.
        Assert.Equal(
            ["layer2.gemm", "layer3.gemm", "layer3.sigmoid", "layer4.gemm", "layer4.relu", "layer5.gemm", "layer5.tanh"],
            proto.Graph.Node.Select(node => node.Name));

        proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(NetworkCase.All[nameof(LeakyReluNet)].Create(seed: 1)));
        NodeProto leaky = proto.Graph.Node.First(node => node.OpType == "LeakyRelu");
        Assert.Equal("layer2.leaky_relu", leaky.Name);
        Assert.Equal(0.01f, Assert.Single(leaky.Attribute).F);

        // An identity output: the last Gemm writes the output itself.
        proto = ModelProto.Parser.ParseFrom(OnnxExporter.ToBytes(NetworkCase.All[nameof(IdentityNet)].Create(seed: 1)));
        Assert.Equal(["Gemm", "Gemm"], proto.Graph.Node.Select(node => node.OpType));
        Assert.Equal("output", proto.Graph.Node[1].Output[0]);
    }

    [Theory]
    [InlineData(9, 4)]
    [InlineData(11, 6)]
    [InlineData(12, 7)]
    [InlineData(13, 7)]
    [InlineData(17, 8)]
    [InlineData(18, 8)]
    [InlineData(20, 9)]
    [InlineData(21, 10)]
    public void Every_supported_opset_runs_in_ONNX_Runtime(int opset, long irVersion)
    {
        foreach (string network in (string[])[nameof(MixedNet), nameof(ConvPoolSoftmaxNet), nameof(Signal1DNet)])
        {
            NetworkCase net = NetworkCase.All[network];
            ModelData model = net.Create(seed: 3);
            byte[] bytes = OnnxExporter.ToBytes(model, new OnnxExportOptions { Opset = opset });
            ModelProto proto = ModelProto.Parser.ParseFrom(bytes);
            Assert.Equal(opset, proto.OpsetImport.Single().Version);
            Assert.Equal(irVersion, proto.IrVersion);

            float[] inputs = Ort.Inputs(7 * net.InputSize, seed: opset);
            Ort.Close(net.Forward(model, inputs, 7), Ort.Run(bytes, inputs, 7, net.InputShape), what: $"{network} at opset {opset}");
            Assert.Equal(model.Parameters.ToArray(), OnnxImporter.Import(new MemoryStream(bytes)).Parameters.ToArray());
        }
    }

    [Fact]
    public void Options_name_the_input_output_and_graph()
    {
        NetworkCase net = NetworkCase.All[nameof(TanhNet)];
        ModelData model = net.Create(seed: 2);
        var options = new OnnxExportOptions { InputName = "features", OutputName = "scores", GraphName = "tanh_model" };
        byte[] bytes = OnnxExporter.ToBytes(model, options);
        using var session = new InferenceSession(bytes);
        Assert.Equal("features", session.InputMetadata.Keys.Single());
        Assert.Equal("scores", session.OutputMetadata.Keys.Single());
        Assert.Equal("tanh_model", session.ModelMetadata.GraphName);
        float[] inputs = Ort.Inputs(3 * net.InputSize, seed: 9);
        Ort.Close(net.Forward(model, inputs, 3), Ort.Run(session, inputs, 3, [net.InputSize], "features", "scores"));
    }

    [Fact]
    public void Invalid_options_are_refused()
    {
        ModelData model = NetworkCase.All[nameof(TanhNet)].Create(seed: 2);
        Assert.Contains("Opset 8", Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(model, new OnnxExportOptions { Opset = 8 })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(model, new OnnxExportOptions { Opset = 22 }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(model, new OnnxExportOptions { InputName = "x", OutputName = "x" }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(model, new OnnxExportOptions { InputName = "" }));
        Assert.Throws<ArgumentException>(() => OnnxExporter.ToBytes(model, new OnnxExportOptions { OutputName = "layer3.z" }));
        Assert.Throws<ArgumentNullException>(() => OnnxExporter.ToBytes(null!));
    }

    [Fact]
    public void Export_is_deterministic_and_the_stream_form_writes_the_same_bytes()
    {
        ModelData model = NetworkCase.All[nameof(MixedNet)].Create(seed: 4);
        byte[] bytes = OnnxExporter.ToBytes(model);
        Assert.Equal(bytes, OnnxExporter.ToBytes(model));
        using var stream = new MemoryStream();
        stream.WriteByte(42);
        OnnxExporter.Export(model, stream);
        Assert.Equal([42, .. bytes], stream.ToArray());
    }

    [Fact]
    public void Export_to_a_file_replaces_it_atomically_and_leaves_no_temporary_file()
    {
        string folder = Ort.TempFolder();
        try
        {
            string path = Path.Combine(folder, "model.onnx");
            File.WriteAllText(path, "an older file");
            SoftmaxNet network = SoftmaxNet.Create(seed: 8);
            OnnxExporter.Export(network, path);
            Assert.Equal(OnnxExporter.ToBytes(ModelData.From(network)), File.ReadAllBytes(path));

            ModelData other = NetworkCase.All[nameof(SoftmaxNet)].Create(seed: 9);
            OnnxExporter.Export(other, path, new OnnxExportOptions { Opset = 13 });
            Assert.Equal(OnnxExporter.ToBytes(other, new OnnxExportOptions { Opset = 13 }), File.ReadAllBytes(path));
            Assert.Equal(["model.onnx"], Directory.GetFiles(folder).Select(Path.GetFileName));

            // A target that cannot be replaced (a folder): the error propagates and no temporary file stays behind.
            string blocked = Path.Combine(folder, "blocked.onnx");
            Directory.CreateDirectory(blocked);
            Assert.ThrowsAny<Exception>(() => OnnxExporter.Export(other, blocked));
            Assert.Equal(["model.onnx"], Directory.GetFiles(folder).Select(Path.GetFileName));

            Assert.ThrowsAny<IOException>(() => OnnxExporter.Export(other, Path.Combine(folder, "missing", "model.onnx")));
            Assert.Throws<ArgumentException>(() => OnnxExporter.Export(other, folder + Path.DirectorySeparatorChar));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Exported_file_imports_and_loads_into_the_same_network_type()
    {
        string folder = Ort.TempFolder();
        try
        {
            string onnx = Path.Combine(folder, "mixed.onnx");
            string bpnet = Path.Combine(folder, "mixed.bpnet");
            MixedNet original = MixedNet.Create(seed: 21);
            OnnxExporter.Export(original, onnx);
            NetworkSerializer.Save(OnnxImporter.Import(onnx), bpnet);
            MixedNet loaded = NetworkSerializer.Load<MixedNet>(bpnet);
            Assert.True(original.Parameters.SequenceEqual(loaded.Parameters));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
