using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Backprop.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Backprop.Generated.Benchmarks;

/// <summary>samples/Mnist's <c>--network lenet5</c>: the network <c>peers cnn</c> trains against PyTorch's (peers/torch_lenet5.py).</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation = ActivationKind.ReLU)]
[Dense(84, Activation = ActivationKind.ReLU)]
[Dense(10, Activation = ActivationKind.Softmax)]
public sealed partial class LeNet5 { }

/// <summary>
/// <c>-- peers cnn [--rounds N] [--samples N]</c>: the training speed of the generated <see cref="LeNet5"/> against the same
/// layers in PyTorch (peers/torch_lenet5.py), both with Adam (η = 0.001), mini-batch 10, seed 1 and one thread, on the
/// first N (default 10,000) training images of the vendored Fashion-MNIST. Each round trains one pass over them on each
/// side in turn, a fresh network each time (PyTorch in a child process of its own, the generated network in this one),
/// so that a busy moment of this shared machine falls on both alike; a first round warms up unmeasured, and the table
/// gives the medians of the other rounds. Then the latency of one image: <c>Forward</c> against ONNX Runtime (one
/// thread, pre-allocated OrtValues) running the same network exported by <c>OnnxExporter</c>, in turns over rounds. The
/// accuracy of the full recipe is the script's and samples/Mnist's own job (see the script's usage).
/// </summary>
public static partial class PeersCommand
{
    private const int CnnRounds = 5;
    private const int CnnSamples = 10_000;

    private static int RunCnn(string[] args)
    {
        int rounds = CnnRounds, samples = CnnSamples;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--rounds" && i + 1 < args.Length
                && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out rounds) && rounds >= 1)
            {
                i++;
            }
            else if (args[i] == "--samples" && i + 1 < args.Length
                && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out samples) && samples >= 10 && samples <= 60_000)
            {
                i++;
            }
            else
            {
                return Usage();
            }
        }

        string root = BenchmarkData.RepositoryRoot();
        string data = Path.Combine(root, "data", "fashion-mnist");
        string script = Path.Combine(PeersFolder(root), "torch_lenet5.py");
        Dataset training = BenchmarkData.FashionMnist.Training.Take(samples); // read once, before anything is timed

        string? python = FindPython("torch", s_torchEnvironment);
        if (python is null)
        {
            Console.WriteLine($"No Python that imports torch ({string.Join(", ", s_pythons)}): the PyTorch peer is skipped (apt-get install python3-torch python3-numpy); reporting the generated side only.");
        }
        else
        {
            Console.WriteLine($"PyTorch peer: {python} {script} (torch {TorchVersion(python)}, one thread; OPENBLAS_CORETYPE=SKYLAKEX)");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LeNet-5 ({LeNet5.ParameterCount:N0} parameters), Adam η = 0.001, mini-batch 10, seed 1, one thread: one pass over {samples:N0} training images per side per round, {rounds} rounds after a warm-up round"));

        var torch = new List<double>();
        var generated = new List<double>();
        for (int round = 0; round <= rounds; round++)
        {
            double? torchRate = python is null ? null : RunTorchCnn(python, script, data, samples);
            double generatedRate = RunGeneratedCnn(training);
            string label = round == 0 ? "warm-up" : string.Create(CultureInfo.InvariantCulture, $"round {round}");
            Console.WriteLine($"{label,-8}: PyTorch {(torchRate is double t ? Format(t) : "(unavailable)")}, generated {Format(generatedRate)} training samples/s");
            if (round > 0)
            {
                generated.Add(generatedRate);
                if (torchRate is double rate)
                {
                    torch.Add(rate);
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| trainer (one core, LeNet-5, Adam, mini-batch 10) | training samples/s (median of {rounds} rounds) | ratio to PyTorch |");
        Console.WriteLine("|---|---|---|");
        double generatedMedian = Median(generated);
        if (torch.Count == 0)
        {
            Console.WriteLine($"| generated (TrainingSession) | {Format(generatedMedian)} | (PyTorch unavailable) |");
            return 0;
        }
        double torchMedian = Median(torch);
        Console.WriteLine($"| PyTorch (child process) | {Format(torchMedian)} | 1.00 |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| generated (TrainingSession) | {Format(generatedMedian)} | {generatedMedian / torchMedian:F2} |"));
        Console.WriteLine();
        MeasureCnnLatency(training);
        return 0;
    }

    /// <summary>
    /// One image through LeNet-5: the generated <c>Forward</c> against ONNX Runtime on the same network and weights (exported
    /// by OnnxExporter; one thread, every graph optimisation, pre-allocated OrtValues), taking turns over rounds.
    /// </summary>
    private static void MeasureCnnLatency(Dataset training)
    {
        LeNet5 network = LeNet5.Create(1);
        float[] input = training.Input(0).ToArray();
        var ours = new float[LeNet5.OutputSize];
        var theirs = new float[LeNet5.OutputSize];
        byte[] model = OnnxExporter.ToBytes(ModelData.From(network));
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        using var session = new InferenceSession(model, options);
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, 1, 28, 28]);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(theirs, [1, theirs.Length]);
        using var runOptions = new RunOptions();
        string[] inputNames = ["input"], outputNames = ["output"];
        OrtValue[] inputValues = [inputValue], outputValues = [outputValue];

        network.Forward(input, ours);
        session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);
        float difference = ours.Zip(theirs, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one image: generated and ONNX Runtime outputs differ by at most {difference:G3}"));

        var candidates = new (string Name, int Calls, Action Call)[]
        {
            ("generated Forward (JIT)", 20_000, () => network.Forward(input, ours)),
            ("ONNX Runtime InferenceSession.Run", 5_000, () => session.Run(runOptions, inputNames, inputValues, outputNames, outputValues)),
        };
        List<double>[] rounds = LatencyInTurns(candidates);
        Console.WriteLine($"| one LeNet-5 image, one thread | latency (median of {LatencyRounds} rounds) | ratio to ONNX Runtime |");
        Console.WriteLine("|---|---|---|");
        double ort = Median(rounds[1]);
        for (int c = 0; c < candidates.Length; c++)
        {
            double median = Median(rounds[c]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {candidates[c].Name} | {median / 1000:F2} µs | {ort / median:F2} |"));
        }
    }

    /// <summary>One pass of a fresh <see cref="LeNet5"/> from seed 1 over <paramref name="training"/>: its training samples per second.</summary>
    private static double RunGeneratedCnn(Dataset training)
    {
        var options = new TrainingOptions
        {
            Epochs = 1,
            MiniBatchSize = 10,
            LearningRate = 0.001,
            Optimizer = new Adam(),
            Seed = 1,
        };
        using var session = new TrainingSession<LeNet5>(LeNet5.Create(1), training, options);
        return session.RunEpoch().SamplesPerSecond;
    }

    /// <summary>One pass of PyTorch's LeNet-5 over the first <paramref name="samples"/> training images, in a child process: its training samples per second, or null if it failed.</summary>
    private static double? RunTorchCnn(string python, string script, string data, int samples)
    {
        ProcessStartInfo start = PythonStart(python, s_torchEnvironment,
            script, data, "--epochs", "1", "--train-limit", samples.ToString(CultureInfo.InvariantCulture), "--seed", "1", "--no-test");
        using Process process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        // "epoch 1 <seconds> <samples> - <rate>"
        string[]? fields = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(f => f.Length >= 4 && f[0] == "epoch");
        if (process.ExitCode != 0 || fields is null)
        {
            Console.WriteLine($"PyTorch peer failed ({LastLine(errors.Result)}).");
            return null;
        }
        return double.Parse(fields[3], CultureInfo.InvariantCulture) / double.Parse(fields[2], CultureInfo.InvariantCulture);
    }
}
