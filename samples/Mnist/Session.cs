using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Threading;
using Backprop;
using static System.FormattableString;

namespace Mnist;

/// <summary>One run of the program for the network type <typeparamref name="TNet"/>: load, train, save, report.</summary>
internal static class Session
{
    /// <summary>The embedded resources' prefix (see Mnist.csproj).</summary>
    private const string ResourcePrefix = "FashionMnist.";

    /// <summary>Runs the program with the network type <typeparamref name="TNet"/>, which <paramref name="choice"/> describes.</summary>
    public static int Run<TNet>(CommandLine commandLine, NetworkChoice choice, CancellationToken cancellationToken) where TNet : class, INetwork<TNet>
    {
        string shape = choice.Shape;
        string dataName = commandLine.DataDirectory is null ? "fashion-mnist" : DataName(commandLine.DataDirectory);
        string? savePath = commandLine.Trains ? Path.GetFullPath(commandLine.SavePath ?? $"{dataName}-{shape}{choice.FileSuffix}.bpnet") : null;
        if (savePath is not null && !Directory.Exists(Path.GetDirectoryName(savePath)))
        {
            // Found now rather than after minutes of training.
            throw new DirectoryNotFoundException($"The folder of the save path '{savePath}' does not exist.");
        }

        Output output = Output.Create();

        // The network: loaded, or initialised from the seed.
        TNet network;
        if (commandLine.LoadPath is not null)
        {
            network = NetworkSerializer.Load<TNet>(commandLine.LoadPath);
            output.Line($"Loaded a {shape} network ({choice.Functions}) from {Path.GetFullPath(commandLine.LoadPath)}");
        }
        else
        {
            network = TNet.Create(commandLine.Seed);
        }

        DatasetSplit data = LoadData(commandLine.DataDirectory, commandLine.Trains);
        string source = commandLine.DataDirectory is null ? "Fashion-MNIST (embedded)" : Path.GetFullPath(commandLine.DataDirectory);
        output.Line(Invariant($"Data: {source}: {data.Training.Count:N0} training, {data.Test.Count:N0} test samples of {data.Test.InputSize} values"));

        EvaluationResult final;
        if (commandLine.Trains)
        {
            var options = new TrainingOptions
            {
                Epochs = commandLine.Epochs ?? 30,
                MiniBatchSize = commandLine.MiniBatchSize,
                LearningRate = commandLine.LearningRate,
                L2Regularization = commandLine.Lambda,
                Seed = commandLine.Seed,
                Threads = commandLine.Threads,
            };
            output.Line(Invariant(
                $"Training {shape} ({choice.Functions}; {TNet.ParameterCount:N0} parameters): {options.Epochs} epochs, mini-batch {options.MiniBatchSize}, η = {options.LearningRate}, λ = {options.L2Regularization}, seed {options.Seed}{(options.Threads > 1 ? $", {options.Threads} threads" : string.Empty)}"));

            long start = Stopwatch.GetTimestamp();
            IReadOnlyList<EpochResult> results = output.Train(network, data, options, cancellationToken);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            double trainingSeconds = 0;
            foreach (EpochResult result in results)
            {
                trainingSeconds += result.TrainingTime.TotalSeconds;
            }
            output.Line(Invariant(
                $"Trained {results.Count} epoch{(results.Count == 1 ? "" : "s")} in {elapsed.TotalSeconds:F1} s ({(double)results.Count * data.Training.Count / trainingSeconds:N0} training samples/s)"));

            NetworkSerializer.Save(network, savePath!);
            output.Line($"Saved the model to {savePath}");
            final = results[^1].Test!.Value;
        }
        else
        {
            final = Trainer.Evaluate(network, data.Test);
        }

        Console.Out.WriteLine(Invariant($"accuracy: {final.Accuracy:F4} ({final.Correct}/{final.Count})"));
        return 0;
    }

    /// <summary>The data: the four files of <paramref name="directory"/>, or the embedded Fashion-MNIST.</summary>
    private static DatasetSplit LoadData(string? directory, bool training)
    {
        // Only the headers of the training files are read when nothing trains.
        int trainingCount = training ? int.MaxValue : 0;
        if (directory is not null)
        {
            return IdxReader.ReadFolder(directory, maxTrainingCount: trainingCount);
        }

        return new DatasetSplit(
            ReadEmbedded(IdxReader.TrainingImagesFileName, IdxReader.TrainingLabelsFileName, trainingCount),
            ReadEmbedded(IdxReader.TestImagesFileName, IdxReader.TestLabelsFileName, int.MaxValue));
    }

    private static Dataset ReadEmbedded(string images, string labels, int maxCount)
    {
        using Stream imageStream = OpenResource(images + ".gz");
        using Stream labelStream = OpenResource(labels + ".gz");
        return IdxReader.Read(imageStream, labelStream, $"embedded {images}.gz", $"embedded {labels}.gz", maxCount);
    }

    private static Stream OpenResource(string name)
        => Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourcePrefix + name)
            ?? throw new FileNotFoundException($"The embedded resource '{ResourcePrefix + name}' is missing from this build.");

    /// <summary>A file-name-friendly name for a data folder: its own name, e.g. <c>mnist</c>.</summary>
    private static string DataName(string directory)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return name.Length > 0 ? name : "data";
    }
}
