using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using Xunit;

namespace Backprop.Onnx.Tests;

/// <summary>
/// Models exported by PyTorch (Fixtures/make_fixtures.py) import as models that, loaded into the generated network of
/// the same declaration, compute what PyTorch computed.
/// </summary>
public class ImportFixtureTests
{
    public static TheoryData<string, string, string> Fixtures => new()
    {
        {
            "flatten_relu_leaky_softmax", nameof(FlattenReluLeakySoftmax),
            "[Network(36, 12, 8, 5, Activations = new[] { ActivationKind.ReLU, ActivationKind.LeakyReLU, ActivationKind.Softmax })]"
        },
        { "tanh_sigmoid", nameof(TanhSigmoid), "[Network(5, 7, 3, HiddenActivation = ActivationKind.Tanh)]" },
        {
            "matmul_add", nameof(MatMulAdd),
            "[Network(6, 9, 4, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]"
        },
        {
            "reshape_identity", nameof(ReshapeIdentity),
            "[Network(20, 10, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]"
        },
        {
            "relu_identity", nameof(ReluIdentity),
            "[Network(4, 6, 2, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]"
        },
        {
            "nobias_linear_linear", nameof(NoBiasLinearLinear),
            "[Network(3, 5, 4, 2, Activations = new[] { ActivationKind.Sigmoid, ActivationKind.Identity, ActivationKind.Tanh })]"
        },
        {
            "shared_parameters", nameof(SharedParameters),
            "[Network(4, 6, 6, 6, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]"
        },
        {
            "view_batch_1", nameof(ViewBatch1),
            "[Network(20, 8, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]"
        },
        {
            "lenet_like", nameof(LeNetLike),
            "[Network]\n[Input(1, 16, 16)]\n[Conv2D(4, 5, Padding = 2, Activation = ActivationKind.ReLU)]\n[MaxPool2D(2)]\n" +
            "[Conv2D(8, 3, Activation = ActivationKind.ReLU)]\n[MaxPool2D(2)]\n[Dense(32, Activation = ActivationKind.ReLU)]\n" +
            "[Dense(10, Activation = ActivationKind.Softmax)]"
        },
        {
            "batchnorm_dropout", nameof(BatchNormDropout),
            "[Network]\n[Input(2, 8, 8)]\n[Conv2D(4, 3, Padding = 1, Activation = ActivationKind.ReLU)]\n[MaxPool2D(2)]\n" +
            "[Dense(16, Activation = ActivationKind.ReLU)]\n[Dense(3)]"
        },
        {
            "conv1d_avgpool", nameof(Conv1DAvgPool),
            "[Network]\n[Input(3, 20)]\n[Conv1D(5, 3, Padding = 1, Activation = ActivationKind.Tanh)]\n[AvgPool1D(2)]\n" +
            "[Conv1D(4, 4, Stride = 2, Activation = ActivationKind.Tanh)]\n[AvgPool1D(2)]\n[Dense(2, Activation = ActivationKind.Sigmoid)]"
        },
        {
            "strided_padded", nameof(StridedPadded),
            "[Network]\n[Input(2, 9, 11)]\n[Conv2D(3, 5, KernelHeight = 3, Stride = 2, Padding = 1, Activation = ActivationKind.LeakyReLU)]\n" +
            "[Conv2D(4, 2, Padding = 1, Activation = ActivationKind.ReLU)]\n[MaxPool2D(2)]\n[AvgPool2D(2, Stride = 1)]\n[Dense(3)]"
        },
    };

    /// <summary>How close the imported model comes to PyTorch: folding a batch normalization rounds differently.</summary>
    private static double Tolerance(string fixture) => fixture == "batchnorm_dropout" ? 1e-4 : 1e-5;

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void PyTorch_model_imports_and_computes_what_PyTorch_computed(string fixture, string network, string declaration)
    {
        var (inputShape, inputs, expected, rows) = Recorded(fixture);
        ModelData model = OnnxImporter.Import(Path.Combine(Ort.Fixtures, fixture + ".onnx"));
        Assert.Equal(declaration, model.NetworkDeclaration);
        Assert.Equal(NetworkAttribute.NaturalCost(model.Activations[^1]), model.Cost);

        NetworkCase net = NetworkCase.All[network];
        double tolerance = Tolerance(fixture);
        Ort.Close(expected, net.Forward(model, inputs, rows), tolerance, fixture + " in the generated network");
        Ort.Close(expected, Reference.Forward(model, inputs, rows), tolerance, fixture + " in the double-precision reference");

        // The fixture itself, and the model exported again, in ONNX Runtime.
        byte[] original = File.ReadAllBytes(Path.Combine(Ort.Fixtures, fixture + ".onnx"));
        Ort.Close(expected, RunOriginal(original, inputs, rows, inputShape), what: fixture + " in ONNX Runtime");
        Ort.Close(expected, Ort.Run(OnnxExporter.ToBytes(model), inputs, rows, [.. model.Architecture.Input.Dimensions.Select(d => (long)d)]),
            tolerance, fixture + " re-exported");
    }

    [Fact]
    public void A_stream_imports_as_its_file_does()
    {
        string path = Path.Combine(Ort.Fixtures, "matmul_add.onnx");
        using FileStream stream = File.OpenRead(path);
        ModelData fromStream = OnnxImporter.Import(stream, "matmul_add.onnx");
        Assert.True(OnnxImporter.Import(path).Parameters.SequenceEqual(fromStream.Parameters));
    }

    [Fact]
    public void A_missing_file_is_a_FileNotFoundException_with_the_full_path()
    {
        string path = Path.Combine(Ort.Fixtures, "no-such-model.onnx");
        var error = Assert.Throws<FileNotFoundException>(() => OnnxImporter.Import(path));
        Assert.Contains(Path.GetFullPath(path), error.Message, StringComparison.Ordinal);
    }

    /// <summary>Runs a fixture in ONNX Runtime: in one batch, or one row at a time if it was exported with a batch of 1.</summary>
    private static float[] RunOriginal(byte[] original, float[] inputs, int rows, long[] inputShape)
    {
        TensorShapeProto shape = ModelProto.Parser.ParseFrom(original).Graph.Input[0].Type.TensorType.Shape;
        if (shape.Dim[0].DimValue != 1)
        {
            return Ort.Run(original, inputs, rows, inputShape);
        }
        using var session = new InferenceSession(original);
        int width = inputs.Length / rows;
        return [.. Enumerable.Range(0, rows).SelectMany(r => Ort.Run(session, inputs[(r * width)..((r + 1) * width)], 1, inputShape))];
    }

    /// <summary>The recorded inputs and PyTorch outputs of <paramref name="fixture"/>, row after row.</summary>
    private static (long[] InputShape, float[] Inputs, float[] Outputs, int Rows) Recorded(string fixture)
    {
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Ort.Fixtures, "fixtures.json")));
        JsonElement entry = json.RootElement.GetProperty("models").EnumerateArray()
            .Single(model => model.GetProperty("file").GetString() == fixture + ".onnx");
        long[] shape = [.. entry.GetProperty("inputShape").EnumerateArray().Select(dim => dim.GetInt64())];
        float[] inputs = [.. entry.GetProperty("inputs").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => v.GetSingle())];
        float[] outputs = [.. entry.GetProperty("outputs").EnumerateArray().SelectMany(row => row.EnumerateArray()).Select(v => v.GetSingle())];
        return (shape, inputs, outputs, entry.GetProperty("inputs").GetArrayLength());
    }
}
