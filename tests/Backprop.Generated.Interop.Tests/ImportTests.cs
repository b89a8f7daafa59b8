using System.IO;
using Backprop.Onnx;
using Xunit;

namespace Backprop.Generated.Interop.Tests;

public class ImportTests
{
    /// <summary>The weights the sample bakes in are exactly the import of the committed ONNX file, byte for byte.</summary>
    [Fact]
    public void ImportMatchesCommitted()
    {
        ModelData model = OnnxImporter.Import(Repository.OnnxModel);

        Assert.Equal("784-64-10", model.Shape);
        Assert.Equal([ActivationKind.ReLU, ActivationKind.Softmax], model.Activations);
        Assert.Equal(CostKind.LogLikelihood, model.Cost);
        string committed = File.ReadAllText(Repository.BakedWeights);
        Assert.True(NetworkSerializer.ToBase64(model) == committed,
            "samples/FromPyTorch/fashion-mlp.bpnet.b64 is not the import of fashion-mlp.onnx: regenerate it with "
            + "'dotnet run --project src/Backprop.Generated.Tool -- import samples/FromPyTorch/fashion-mlp.onnx -o samples/FromPyTorch/fashion-mlp.bpnet' "
            + "(see samples/FromPyTorch/README.md).");
    }
}
