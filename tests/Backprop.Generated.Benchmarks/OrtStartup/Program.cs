using System;
using System.IO;
using Backprop;
using Microsoft.ML.OnnxRuntime;

namespace OrtStartup;

/// <summary>
/// <c>OrtStartup MODEL.onnx DATA_DIR</c>: classifies Fashion-MNIST test image 0 with ONNX Runtime (one intra-op
/// thread, as the generated network computes on one) and prints <c>class: K (name)</c>, as
/// <c>FromPyTorch --one</c> does. Reads only the first image of the files.
/// </summary>
internal static class Program
{
    private static readonly string[] s_classNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: OrtStartup MODEL.onnx DATA_DIR");
            return 2;
        }
        Dataset test = IdxReader.Read(DataFile(args[1], IdxReader.TestImagesFileName), DataFile(args[1], IdxReader.TestLabelsFileName), maxCount: 1);

        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        using var session = new InferenceSession(args[0], options);
        float[] input = test.Input(0).ToArray();
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, input.Length]);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["input"], [inputValue], ["output"]);
        ReadOnlySpan<float> output = outputs[0].GetTensorDataAsSpan<float>();
        int best = 0;
        for (int k = 1; k < output.Length; k++)
        {
            if (output[k] > output[best])
            {
                best = k;
            }
        }
        Console.WriteLine($"class: {best} ({s_classNames[best]})");
        return 0;
    }

    private static string DataFile(string folder, string name)
    {
        string raw = Path.Combine(folder, name);
        return File.Exists(raw) ? raw : raw + ".gz";
    }
}
