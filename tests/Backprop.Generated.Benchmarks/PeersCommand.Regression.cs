using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Backprop.Tabular;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// <c>-- peers regression [--seed N]</c>: samples/Regression and scikit-learn on one split of the vendored diabetes data.
/// The split is the sample's own (<see cref="Dataset.Split"/> with the seed, 80/20), written to two CSV files that both
/// sides then read: the sample with <c>--train</c>/<c>--test</c>, scikit-learn's LinearRegression and
/// MLPRegressor((32,), relu, adam) through peers/sklearn_regression.py.
/// </summary>
public static partial class PeersCommand
{
    private static int RunRegression(int seed)
    {
        string root = BenchmarkData.RepositoryRoot();
        TabularData table = TabularData.ReadCsv(Path.Combine(root, "data", "diabetes", "diabetes.csv"), "progression");
        var all = new Dataset(table.Features, table.Targets, table.FeatureNames.Count, 1);
        (Dataset training, Dataset test) = all.Split(0.8, seed);
        string folder = Directory.CreateTempSubdirectory("peers-regression-").FullName;
        try
        {
            string trainPath = Path.Combine(folder, "train.csv"), testPath = Path.Combine(folder, "test.csv");
            WriteCsv(trainPath, table.FeatureNames, training);
            WriteCsv(testPath, table.FeatureNames, test);
            Console.WriteLine($"diabetes: {training.Count} training rows, {test.Count} test rows (Dataset.Split(0.8, seed {seed}))");

            var rows = new List<(string Model, string R2, string Rmse)>();
            string? sample = RunSample(root, trainPath, testPath, seed);
            if (sample?.Split("  ") is [var sampleR2, var sampleRmse])
            {
                rows.Add(("generated 10-32-1 ReLU (samples/Regression defaults)", sampleR2["r2: ".Length..], sampleRmse["rmse: ".Length..]));
            }
            else
            {
                Console.WriteLine("samples/Regression did not finish; see its output above.");
            }

            string? python = FindPython("sklearn", []);
            if (python is null)
            {
                Console.WriteLine("scikit-learn: no Python with sklearn found (e.g. apt-get install python3-sklearn); the sample's row only.");
            }
            else
            {
                string? output = RunPython(python, s_torchEnvironment, Path.Combine(PeersFolder(root), "sklearn_regression.py"), trainPath, testPath, "progression", seed.ToString(CultureInfo.InvariantCulture));
                foreach (string line in (output ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    string[] fields = line.Split('\t');
                    if (fields.Length == 3)
                    {
                        rows.Add((fields[0], fields[1], fields[2].Trim()));
                    }
                    else
                    {
                        Console.WriteLine(line);
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine("| model (same split) | test R² | test RMSE |");
            Console.WriteLine("|---|---|---|");
            foreach ((string model, string r2, string rmse) in rows)
            {
                Console.WriteLine($"| {model} | {r2} | {rmse} |");
            }
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static void WriteCsv(string path, IReadOnlyList<string> features, Dataset data)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Join(',', features) + ",progression");
        for (int i = 0; i < data.Count; i++)
        {
            writer.WriteLine(string.Join(',', data.Input(i).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))
                + "," + data.Targets[i].ToString("R", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Runs samples/Regression on the two files; returns its last line (<c>r2: … rmse: …</c>), or null if it failed.</summary>
    private static string? RunSample(string root, string trainPath, string testPath, int seed)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in new[] { "run", "-c", "Release", "--project", Path.Combine(root, "samples", "Regression"), "--",
                     "--train", trainPath, "--test", testPath, "--target", "progression", "--seed", seed.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Console.Write(output);
        return process.ExitCode == 0 ? LastLine(output) : null;
    }
}
