using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// <c>-- peers</c>: the generated trainer against NumPy + OpenBLAS on the same workload, measured
/// side by side in one run (BenchmarkDotNet cannot time another process). NumPy is optional: without
/// a <c>python3</c> that imports it, the command says so and reports the C# side only.
/// </summary>
public static class PeersCommand
{
    private const int Epochs = 5;

    public static int Run()
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

        List<double>? numpy = RunNumPy(Path.Combine(root, "tests", "Backprop.Generated.Benchmarks", "peers", "numpy_sgd.py"), data);
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
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(data);
        start.ArgumentList.Add(Epochs.ToString(CultureInfo.InvariantCulture));
        start.Environment["OPENBLAS_NUM_THREADS"] = "1";
        start.Environment["OMP_NUM_THREADS"] = "1";
        try
        {
            using Process process = Process.Start(start)!;
            string output = process.StandardOutput.ReadToEnd();
            string errors = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                Console.WriteLine($"NumPy peer failed ({errors.Trim().Split('\n').LastOrDefault()}); install python3-numpy to compare.");
                return null;
            }
            List<double> rates = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => double.Parse(line.Split(' ')[2], CultureInfo.InvariantCulture))
                .ToList();
            Console.WriteLine($"NumPy (child process):    {string.Join(", ", rates.Select(Format))} samples/s per epoch");
            return rates;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("No python3 on PATH: the NumPy peer is skipped.");
            return null;
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Format(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
