using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using Backprop;
using Backprop.Generated.SampleSupport;

namespace FromPyTorch;

/// <summary>
/// Classifies the Fashion-MNIST test images with the network PyTorch trained (train.py), exported to ONNX and imported
/// into the weights compiled into this program. Prints the accuracy line and nothing else unless asked.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Classifies the Fashion-MNIST test images with a 784-64-10 ReLU/softmax network that PyTorch trained,
        exported to ONNX and imported into weights compiled into this program.

        Usage: FromPyTorch [--data DIR] [--outputs FILE] [--latency] | --one [--data DIR]

          --data DIR      folder with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or .gz);
                          default: data/fashion-mnist in the first folder above this program or the current
                          folder that has it
          --outputs FILE  also write every output (count × 10 float32, little-endian, image by image) to FILE
          --latency       also measure Forward on one image: median of 7 rounds of 100,000 calls, ns a call
          --one           classify only test image 0 (reading no more of the files) and print its class
          --help          show this help
        """;

    private const int LatencyCalls = 100_000;
    private const int LatencyRounds = 7;

    private static readonly string[] s_classNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static int Main(string[] args)
    {
        string? dataFolder = null, outputsPath = null;
        bool latency = false, one = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length:
                    dataFolder = args[++i];
                    break;
                case "--outputs" when i + 1 < args.Length:
                    outputsPath = args[++i];
                    break;
                case "--latency":
                    latency = true;
                    break;
                case "--one":
                    one = true;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete option '{args[i]}'. Run with --help for usage.");
                    return 2;
            }
        }
        if (one && (outputsPath is not null || latency))
        {
            Console.Error.WriteLine("--one classifies a single image; it does not combine with --outputs or --latency.");
            return 2;
        }

        dataFolder = DataFolder.Resolve(dataFolder);
        if (dataFolder is null)
        {
            Console.Error.WriteLine(DataFolder.NotFound);
            return 1;
        }

        FashionMlp network = FashionMlp.CreateTrained();
        Dataset test;
        try
        {
            (string images, string labels) = DataFolder.TestFiles(dataFolder);
            test = IdxReader.Read(images, labels, one ? 1 : int.MaxValue);
            if (test.InputSize != FashionMlp.InputSize)
            {
                Console.Error.WriteLine($"The test images in '{dataFolder}' have {test.InputSize} pixels each; this network reads {FashionMlp.InputSize} (28 × 28).");
                return 1;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        if (one)
        {
            Span<float> output = stackalloc float[FashionMlp.OutputSize];
            network.Forward(test.Input(0), output);
            int predicted = ArgMax(output);
            Console.WriteLine(Invariant($"class: {predicted} ({s_classNames[predicted]})"));
            return 0;
        }

        var outputs = new float[test.Count * FashionMlp.OutputSize];
        network.ForwardBatch(test.Inputs, outputs);
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            correct += ArgMax(outputs.AsSpan(i * FashionMlp.OutputSize, FashionMlp.OutputSize)) == test.Label(i) ? 1 : 0;
        }
        Console.WriteLine(Invariant($"accuracy: {(double)correct / test.Count:F4} ({correct}/{test.Count})"));

        if (outputsPath is not null)
        {
            try
            {
                WriteLittleEndian(outputsPath, outputs);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine(e.Message);
                return 1;
            }
        }
        if (latency)
        {
            Console.WriteLine(Invariant($"latency: {MeasureLatency(network, test.Input(0)):F1} ns"));
        }
        return 0;
    }

    /// <summary>Forward on one image: 100,000 calls to warm up, then the median of 7 rounds of 100,000, in ns a call.</summary>
    private static double MeasureLatency(FashionMlp network, ReadOnlySpan<float> input)
    {
        Span<float> output = stackalloc float[FashionMlp.OutputSize];
        for (int i = 0; i < LatencyCalls; i++)
        {
            network.Forward(input, output);
        }
        Span<double> rounds = stackalloc double[LatencyRounds];
        for (int round = 0; round < LatencyRounds; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < LatencyCalls; i++)
            {
                network.Forward(input, output);
            }
            rounds[round] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / LatencyCalls;
        }
        rounds.Sort();
        return rounds[LatencyRounds / 2];
    }

    /// <summary>Writes <paramref name="values"/> as raw little-endian float32, whatever this machine's byte order.</summary>
    private static void WriteLittleEndian(string path, float[] values)
    {
        if (!BitConverter.IsLittleEndian)
        {
            values = (float[])values.Clone();
            Span<int> bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        file.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    /// <summary>The first class with the largest output.</summary>
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int k = 1; k < values.Length; k++)
        {
            if (values[k] > values[best])
            {
                best = k;
            }
        }
        return best;
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
