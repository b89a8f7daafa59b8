using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.Intrinsics;
using Backprop;
using Backprop.Generated.SampleSupport;

namespace Embedded;

/// <summary>
/// Classifies the Fashion-MNIST test images with a network whose trained weights are compiled in, and
/// prints a summary on stdout that is the same for the JIT build and the NativeAOT binary on any
/// instruction set: classes and counts only, never a float whose last bits depend on the vector width.
/// </summary>
internal static class Program
{
    private const string Usage = """
        Classifies the Fashion-MNIST test images with a 784-30-10 network whose trained weights are
        compiled into this program.

        Usage: Embedded [--data DIR] [--timing]

          --data DIR   folder with t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each raw or .gz);
                       default: data/fashion-mnist in the first folder above this program or the
                       current folder that has it
          --timing     also print timings and throughput to stderr (stdout stays the same)
          --help       show this help
        """;

    /// <summary>How many predictions the summary lists.</summary>
    private const int Listed = 8;

    private static readonly string[] s_classNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static int Main(string[] args)
    {
        long start = Stopwatch.GetTimestamp();
        string? dataFolder = null;
        bool timing = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data" when i + 1 < args.Length:
                    dataFolder = args[++i];
                    break;
                case "--timing":
                    timing = true;
                    break;
                case "--help" or "-h":
                    Console.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"Unknown or incomplete option '{args[i]}'. Run with --help for usage.");
                    return 2;
            }
        }

        dataFolder = DataFolder.Resolve(dataFolder);
        if (dataFolder is null)
        {
            Console.Error.WriteLine(DataFolder.NotFound);
            return 1;
        }

        // The network: trained weights copied from the program's read-only data, no file to open.
        FashionNet network = FashionNet.CreateTrained();
        long modelReady = Stopwatch.GetTimestamp();

        // The first prediction as soon as the first image is read (the rest of the files is not touched yet):
        // what an embedded caller does with each image it gets.
        (string images, string labels) = DataFolder.TestFiles(dataFolder);
        Span<float> output = stackalloc float[FashionNet.OutputSize];
        Dataset test;
        int first;
        DateTime firstAt;
        long firstPrediction, dataRead;
        try
        {
            Dataset firstImage = IdxReader.Read(images, labels, maxCount: 1);
            if (firstImage.InputSize != FashionNet.InputSize || firstImage.Count == 0)
            {
                Console.Error.WriteLine($"The test images in '{dataFolder}' have {firstImage.InputSize} pixels each; this network reads {FashionNet.InputSize} (28 × 28).");
                return 1;
            }
            network.Forward(firstImage.Input(0), output);
            first = ArgMax(output);
            firstAt = DateTime.UtcNow;
            firstPrediction = Stopwatch.GetTimestamp();

            test = IdxReader.Read(images, labels);
            dataRead = Stopwatch.GetTimestamp();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        // Every image, in blocks: each weight is read once for several images.
        var outputs = new float[test.Count * FashionNet.OutputSize];
        network.ForwardBatch(test.Inputs, outputs);
        var predictions = new int[test.Count];
        int correct = 0;
        for (int i = 0; i < test.Count; i++)
        {
            predictions[i] = ArgMax(outputs.AsSpan(i * FashionNet.OutputSize, FashionNet.OutputSize));
            correct += predictions[i] == test.Label(i) ? 1 : 0;
        }
        long allClassified = Stopwatch.GetTimestamp();

        PrintSummary(test, predictions, first, correct);

        if (timing)
        {
            PrintTiming(network, test, start, modelReady, dataRead, firstPrediction, allClassified, firstAt);
        }
        return 0;
    }

    private static void PrintSummary(Dataset test, int[] predictions, int first, int correct)
    {
        var text = Console.Out;
        text.WriteLine(Invariant($"Fashion-MNIST test set: {test.Count} images, network 784-30-10 with compiled-in weights ({FashionNet.ParameterCount} parameters)"));
        text.WriteLine(Invariant($"first prediction: {s_classNames[first]}"));
        text.WriteLine(Invariant($"first {Math.Min(Listed, test.Count)} predictions (predicted / actual):"));
        for (int i = 0; i < Math.Min(Listed, test.Count); i++)
        {
            string mark = predictions[i] == test.Label(i) ? " " : "x";
            text.WriteLine(Invariant($"  {mark} {i,2}  {s_classNames[predictions[i]],-12} {s_classNames[test.Label(i)]}"));
        }
        text.WriteLine(Invariant($"predictions digest: {Digest(predictions):x8} (FNV-1a of all {predictions.Length} predicted classes)"));
        text.WriteLine(Invariant($"accuracy: {(double)correct / test.Count:F4} ({correct}/{test.Count})"));
    }

    /// <summary>Timings and throughput, on stderr: they vary from run to run, and stdout must not.</summary>
    private static void PrintTiming(FashionNet network, Dataset test, long start, long modelReady, long dataRead, long firstPrediction, long allClassified, DateTime firstAt)
    {
        static string Ms(long from, long to) => Invariant($"{Stopwatch.GetElapsedTime(from, to).TotalMilliseconds:F2} ms");

        var error = Console.Error;
        error.WriteLine(Invariant($"runtime: {(System.Runtime.JitInfo.GetCompiledMethodCount() > 0 ? "JIT" : "NativeAOT")}; accelerated vectors: Vector512 {Vector512.IsHardwareAccelerated}, Vector256 {Vector256.IsHardwareAccelerated}, Vector128 {Vector128.IsHardwareAccelerated}"));
        error.WriteLine(Invariant($"since Main: model ready {Ms(start, modelReady)}, first prediction {Ms(start, firstPrediction)}, test set read {Ms(start, dataRead)}, all {test.Count} classified {Ms(start, allClassified)}"));
        // For the time from process start: subtract the launch time (e.g. date +%s%N just before) from this.
        error.WriteLine(Invariant($"first prediction at unix time {(firstAt - DateTime.UnixEpoch).Ticks / 10} µs"));

        // Throughput: ForwardBatch over the whole test set, and Forward one image at a time (best of several rounds).
        var outputs = new float[test.Count * FashionNet.OutputSize];
        double bestBatch = double.MaxValue, bestSingle = double.MaxValue;
        Span<float> output = stackalloc float[FashionNet.OutputSize];
        for (int round = 0; round < 20; round++)
        {
            long t0 = Stopwatch.GetTimestamp();
            network.ForwardBatch(test.Inputs, outputs);
            bestBatch = Math.Min(bestBatch, Stopwatch.GetElapsedTime(t0).TotalSeconds);

            t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < test.Count; i++)
            {
                network.Forward(test.Input(i), output);
            }
            bestSingle = Math.Min(bestSingle, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        error.WriteLine(Invariant($"throughput (best of 20): ForwardBatch {test.Count / bestBatch / 1e6:F2} M images/s ({bestBatch * 1e3:F2} ms for {test.Count}), Forward {test.Count / bestSingle / 1e6:F2} M images/s ({bestSingle / test.Count * 1e9:F0} ns an image)"));
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

    /// <summary>FNV-1a, 32 bits, over the predicted classes: one line that changes if any prediction does.</summary>
    private static uint Digest(int[] predictions)
    {
        uint hash = 2166136261;
        foreach (int prediction in predictions)
        {
            hash = (hash ^ (uint)prediction) * 16777619;
        }
        return hash;
    }

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
