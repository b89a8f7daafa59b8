using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// <c>-- peers</c>: the generated trainer against NumPy + OpenBLAS on the same workload, measured
/// side by side in one run (BenchmarkDotNet cannot time another process).
/// <c>-- peers adam [--epochs N] [--constant]</c>: the generated 784-100-10 ReLU/softmax network trained with Adam
/// (η₀ = 0.001) and a cosine schedule against the same model in PyTorch (peers/torch_adam.py), 15 epochs each;
/// <c>--constant</c> adds the same pair at a constant rate. The peers are optional: without a Python that imports
/// NumPy (or PyTorch), the command says so and reports the C# side only. <c>peers cnn</c>, <c>peers regression</c> and
/// <c>peers onnx</c> are described where they are implemented.
/// </summary>
public static partial class PeersCommand
{
    private const int Epochs = 5;
    private const int AdamEpochs = 15;

    /// <summary>The Pythons tried, in order: the one on PATH (a pyenv here, without the Debian packages), then Debian's.</summary>
    private static readonly string[] s_pythons = ["python3", "/usr/bin/python3"];

    public static int Run() => Run([]);

    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            return RunSgd();
        }
        if (args[0] == "adam")
        {
            int epochs = AdamEpochs;
            bool constant = false;
            for (int i = 1; i < args.Length; i++)
            {
                if (args[i] == "--constant")
                {
                    constant = true;
                }
                else if (args[i] == "--epochs" && i + 1 < args.Length
                    && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out epochs) && epochs >= 1)
                {
                    i++;
                }
                else
                {
                    return Usage();
                }
            }
            return RunAdam(epochs, constant);
        }
        if (args[0] == "regression")
        {
            return args.Length == 1 ? RunRegression(seed: 1)
                : args.Length == 3 && args[1] == "--seed" && int.TryParse(args[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int seed) ? RunRegression(seed)
                : Usage();
        }
        if (args[0] == "onnx")
        {
            return RunOnnx(args[1..]);
        }
        if (args[0] == "cnn")
        {
            return RunCnn(args[1..]);
        }
        return Usage();
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: peers              the generated SGD trainer against NumPy");
        Console.Error.WriteLine("       peers adam [--epochs N] [--constant]");
        Console.Error.WriteLine("                          the generated Adam trainer (cosine schedule; --constant adds constant-rate runs) against PyTorch");
        Console.Error.WriteLine("       peers regression [--seed N]");
        Console.Error.WriteLine("                          samples/Regression against scikit-learn's LinearRegression and MLPRegressor on the same split");
        Console.Error.WriteLine("       peers cnn [--rounds N] [--samples N]");
        Console.Error.WriteLine("                          the generated LeNet-5 trained with Adam against PyTorch's: training samples/s, rounds taking turns");
        Console.Error.WriteLine("       peers onnx [--sample FILE] [--ort FILE] [--runs N]");
        Console.Error.WriteLine("                          samples/FromPyTorch (NativeAOT) against ONNX Runtime: start-up, latency of one image, size");
        return 2;
    }

    private static int RunSgd()
    {
        string root = BenchmarkData.RepositoryRoot();
        string data = Path.Combine(root, "data", "fashion-mnist");

        // The generated network: the same workload as TrainingBenchmarks (η = 0.5, λ = 0, m = 10).
        var generated = new List<double>();
        using (var session = new TrainingSession<DigitNet>(DigitNet.Create(1), BenchmarkData.FashionMnist.Training,
            new TrainingOptions { MiniBatchSize = 10, LearningRate = 0.5, Epochs = Epochs }))
        {
            for (int epoch = 0; epoch < Epochs; epoch++)
            {
                generated.Add(session.RunEpoch().SamplesPerSecond);
            }
        }
        Console.WriteLine($"generated (this process): {string.Join(", ", generated.Select(Format))} samples/s per epoch");

        List<double>? numpy = RunNumPy(Path.Combine(PeersFolder(root), "numpy_sgd.py"), data);
        Console.WriteLine();
        Console.WriteLine("| trainer (one core) | samples/s, warm (median of later epochs) | ratio to NumPy |");
        Console.WriteLine("|---|---|---|");
        double generatedWarm = Median(generated.Skip(1));
        if (numpy is null)
        {
            Console.WriteLine($"| generated 784-30-10 | {Format(generatedWarm)} | (NumPy unavailable) |");
            return 0;
        }
        double numpyWarm = Median(numpy.Skip(1));
        Console.WriteLine($"| NumPy + OpenBLAS (OPENBLAS_NUM_THREADS=1) | {Format(numpyWarm)} | 1.00 |");
        Console.WriteLine($"| generated 784-30-10 (TrainingSession) | {Format(generatedWarm)} | {generatedWarm / numpyWarm:F2} |");
        return 0;
    }

    private static List<double>? RunNumPy(string script, string data)
    {
        string? python = FindPython("numpy", s_numPyEnvironment);
        if (python is null)
        {
            Console.WriteLine($"No Python that imports numpy ({string.Join(", ", s_pythons)}): the NumPy peer is skipped; apt-get install python3-numpy to compare.");
            return null;
        }
        ProcessStartInfo start = PythonStart(python, s_numPyEnvironment, script, data, Epochs.ToString(CultureInfo.InvariantCulture));
        using Process process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"NumPy peer failed ({LastLine(errors.Result)}); install python3-numpy to compare.");
            return null;
        }
        List<double> rates = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => double.Parse(line.Split(' ')[2], CultureInfo.InvariantCulture))
            .ToList();
        Console.WriteLine($"NumPy (child process, {python}): {string.Join(", ", rates.Select(Format))} samples/s per epoch");
        return rates;
    }

    /// <summary>One epoch of a run: the training loop's time, the test accuracy after it, and the rate it used.</summary>
    private readonly record struct EpochFigures(double Seconds, double Accuracy, double LearningRate);

    private static int RunAdam(int epochs, bool constant)
    {
        string root = BenchmarkData.RepositoryRoot();
        string data = Path.Combine(root, "data", "fashion-mnist");
        string script = Path.Combine(PeersFolder(root), "torch_adam.py");
        DatasetSplit split = BenchmarkData.FashionMnist; // read once, before anything is timed

        string? python = FindPython("torch", s_torchEnvironment);
        if (python is null)
        {
            Console.WriteLine($"No Python that imports torch ({string.Join(", ", s_pythons)}): the PyTorch peer is skipped (apt-get install python3-torch python3-numpy); reporting the generated side only.");
        }
        else
        {
            Console.WriteLine($"PyTorch peer: {python} {script} (torch {TorchVersion(python)}, one thread; OPENBLAS_CORETYPE=SKYLAKEX)");
        }

        var rows = new List<(string Trainer, List<EpochFigures>? Figures, string Schedule)>();
        foreach (string schedule in constant ? new[] { "cosine", "constant" } : ["cosine"])
        {
            List<EpochFigures>? torch = null;
            if (python is not null)
            {
                torch = RunTorch(python, script, data, epochs, schedule);
            }
            List<EpochFigures> generated = RunGeneratedAdam(split, epochs, schedule);
            rows.Add(($"PyTorch (Adam, {schedule})", torch, schedule));
            rows.Add(($"generated (Adam, {schedule})", generated, schedule));
        }

        Console.WriteLine();
        Console.WriteLine($"| trainer (one core) | test accuracy after {epochs} epochs | training time per epoch (median) | ratio of epoch time to generated |");
        Console.WriteLine("|---|---|---|---|");
        foreach ((string trainer, List<EpochFigures>? figures, string schedule) in rows)
        {
            if (figures is null || figures.Count == 0)
            {
                Console.WriteLine($"| {trainer} | (unavailable) | (unavailable) | |");
                continue;
            }
            double median = Median(figures.Select(f => f.Seconds));
            List<EpochFigures> reference = rows.First(r => r.Schedule == schedule && r.Trainer.StartsWith("generated", StringComparison.Ordinal)).Figures!;
            string accuracy = figures.Count == epochs ? figures[^1].Accuracy.ToString("F4", CultureInfo.InvariantCulture) : $"(stopped after {figures.Count})";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {trainer} | {accuracy} | {median:F2} s | {median / Median(reference.Select(f => f.Seconds)):F2} |"));
        }
        return 0;
    }

    /// <summary>The generated side: <see cref="ReluSoftmax100"/> from seed 1, Adam (η₀ = 0.001), mini-batch 10, one thread.</summary>
    private static List<EpochFigures> RunGeneratedAdam(DatasetSplit split, int epochs, string schedule)
    {
        var options = new TrainingOptions
        {
            Epochs = epochs,
            MiniBatchSize = 10,
            LearningRate = 0.001,
            Optimizer = new Adam(),
            Schedule = schedule == "cosine" ? new CosineSchedule() : ConstantSchedule.Instance,
            Seed = 1,
        };
        string name = $"generated (Adam, {schedule})";
        var figures = new List<EpochFigures>();
        using var session = new TrainingSession<ReluSoftmax100>(ReluSoftmax100.Create(1), split.Training, options, split.Test);
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            EpochResult result = session.RunEpoch();
            var epochFigures = new EpochFigures(result.TrainingTime.TotalSeconds, result.Test!.Value.Accuracy, result.LearningRate);
            figures.Add(epochFigures);
            PrintEpoch(name, epoch, epochFigures);
        }
        return figures;
    }

    /// <summary>
    /// The PyTorch side, a child process printing <c>epoch k seconds accuracy rate</c> per epoch (echoed as it comes);
    /// the epochs it completed, or <see langword="null"/> when it printed none.
    /// </summary>
    private static List<EpochFigures>? RunTorch(string python, string script, string data, int epochs, string schedule)
    {
        var arguments = new List<string> { script, data, epochs.ToString(CultureInfo.InvariantCulture), "1" };
        if (schedule == "constant")
        {
            arguments.Add("--constant");
        }
        string name = $"PyTorch (Adam, {schedule})";
        ProcessStartInfo start = PythonStart(python, s_torchEnvironment, [.. arguments]);
        using Process process = Process.Start(start)!;
        Task<string> errors = process.StandardError.ReadToEndAsync();
        var figures = new List<EpochFigures>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 5 || fields[0] != "epoch")
            {
                continue;
            }
            var epochFigures = new EpochFigures(
                double.Parse(fields[2], CultureInfo.InvariantCulture),
                double.Parse(fields[3], CultureInfo.InvariantCulture),
                double.Parse(fields[4], CultureInfo.InvariantCulture));
            figures.Add(epochFigures);
            PrintEpoch(name, figures.Count, epochFigures);
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            Console.WriteLine($"{name} failed after {figures.Count} epochs ({LastLine(errors.Result)}).");
        }
        return figures.Count == 0 ? null : figures;
    }

    private static void PrintEpoch(string name, int epoch, EpochFigures figures)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-29} epoch {epoch,2}: {figures.Seconds,6:F2} s training, test accuracy {figures.Accuracy:F4}, η {figures.LearningRate:G4}"));

    /// <summary>One core: OpenBLAS and OpenMP single-threaded (the NumPy peer as it always ran).</summary>
    private static readonly KeyValuePair<string, string>[] s_numPyEnvironment =
    [
        new("OPENBLAS_NUM_THREADS", "1"),
        new("OMP_NUM_THREADS", "1"),
    ];

    /// <summary>One core, and OpenBLAS told the core type (its detection picks a slower kernel on this AMD EPYC).</summary>
    private static readonly KeyValuePair<string, string>[] s_torchEnvironment =
    [
        new("OPENBLAS_CORETYPE", "SKYLAKEX"),
        new("OMP_NUM_THREADS", "1"),
        new("OPENBLAS_NUM_THREADS", "1"),
    ];

    private static ProcessStartInfo PythonStart(string python, IEnumerable<KeyValuePair<string, string>> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach ((string key, string value) in environment)
        {
            start.Environment[key] = value;
        }
        return start;
    }

    /// <summary>The first of <see cref="s_pythons"/> that imports <paramref name="module"/>, or <see langword="null"/>.</summary>
    private static string? FindPython(string module, IEnumerable<KeyValuePair<string, string>> environment)
        => s_pythons.FirstOrDefault(python => RunPython(python, environment, "-c", "import " + module) is not null);

    private static string TorchVersion(string python)
        => RunPython(python, s_torchEnvironment, "-c", "import torch; print(torch.__version__)")?.Trim() ?? "?";

    /// <summary>The standard output of a short Python run, or <see langword="null"/> if it could not start or failed.</summary>
    private static string? RunPython(string python, IEnumerable<KeyValuePair<string, string>> environment, params string[] arguments)
    {
        try
        {
            using Process process = Process.Start(PythonStart(python, environment, arguments))!;
            Task<string> errors = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = errors.Result;
            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not there
        }
    }

    private static string PeersFolder(string root) => Path.Combine(root, "tests", "Backprop.Generated.Benchmarks", "peers");

    private static string? LastLine(string text) => text.Trim().Split('\n').LastOrDefault();

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Format(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
