using System;
using System.IO;

namespace Backprop.Generated.Interop.Tests;

/// <summary>The files of this repository the tests read: samples/FromPyTorch and the vendored Fashion-MNIST.</summary>
internal static class Repository
{
    private static readonly Lazy<string> s_root = new(FindRoot);

    /// <summary>The folder that holds Backprop.Generated.sln, above this test assembly.</summary>
    public static string Root => s_root.Value;

    public static string Sample => Path.Combine(Root, "samples", "FromPyTorch");

    /// <summary>The ONNX file samples/FromPyTorch/train.py exported.</summary>
    public static string OnnxModel => Path.Combine(Sample, "fashion-mlp.onnx");

    /// <summary>Its import, the text form the sample bakes in.</summary>
    public static string BakedWeights => Path.Combine(Sample, "fashion-mlp.bpnet.b64");

    public static string FashionMnist => Path.Combine(Root, "data", "fashion-mnist");

    private static string FindRoot()
    {
        for (DirectoryInfo? folder = new(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Backprop.Generated.sln")))
            {
                return folder.FullName;
            }
        }
        throw new InvalidOperationException($"No Backprop.Generated.sln above {AppContext.BaseDirectory}.");
    }
}
