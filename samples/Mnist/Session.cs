using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
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
        string shape = choice.Name;
        string dataName = commandLine.DataDirectory is null ? "fashion-mnist" : DataName(commandLine.DataDirectory);
        string? savePath = commandLine.Trains ? Path.GetFullPath(commandLine.SavePath ?? $"{dataName}-{shape}{choice.FileSuffix}.bpnet") : null;
        if (savePath is not null && !Directory.Exists(Path.GetDirectoryName(savePath)))
        {
            // Found now rather than after minutes of training.
            throw new DirectoryNotFoundException($"The folder of the save path '{savePath}' does not exist.");
        }
        if (commandLine.PlotPath is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(commandLine.PlotPath))))
        {
            throw new DirectoryNotFoundException($"The folder of the plot '{Path.GetFullPath(commandLine.PlotPath)}' does not exist.");
        }

        Output output = Output.Create();
        DatasetSplit data;
        EvaluationResult final;
        if (!commandLine.Trains)
        {
            TNet loaded = NetworkSerializer.Load<TNet>(commandLine.LoadPath!);
            output.Line($"Loaded a {shape} network ({choice.Functions}) from {Path.GetFullPath(commandLine.LoadPath!)}");
            data = LoadData(commandLine.DataDirectory, trainingCount: 0);
            output.Line(DataLine(commandLine, data));
            final = Trainer.Evaluate(loaded, data.Test);
        }
        else
        {
            // A checkpoint resumes where it stopped: the schedule spans its epochs and the new ones.
            ModelInfo? file = commandLine.LoadPath is null ? null : NetworkSerializer.ReadInfo(commandLine.LoadPath);
            if (!commandLine.OptimizerGiven && file?.Optimizer is { } saved && CommandLine.Optimizers.Contains(saved))
            {
                // A checkpoint goes on with its own optimizer unless told otherwise.
                commandLine = commandLine with { Optimizer = saved };
            }
            int epochs = commandLine.Epochs ?? 30, before = file?.TrainedEpochs ?? 0;
            var options = new TrainingOptions
            {
                Epochs = before + epochs,
                MiniBatchSize = commandLine.MiniBatchSize,
                LearningRate = commandLine.LearningRate ?? commandLine.DefaultLearningRate,
                L2Regularization = commandLine.Lambda ?? commandLine.DefaultLambda,
                Seed = commandLine.Seed,
                Threads = commandLine.Threads,
                Optimizer = commandLine.CreateOptimizer(),
                Schedule = commandLine.CreateSchedule(),
                ValidationCount = commandLine.Validation,
                Patience = commandLine.Patience,
                EvaluateTrainingSet = commandLine.PlotPath is not null,
            };

            data = LoadData(commandLine.DataDirectory, trainingCount: commandLine.TrainLimit ?? int.MaxValue);
            output.Line(DataLine(commandLine, data));
            if (options.ValidationCount >= data.Training.Count)
            {
                throw new UsageException(Invariant($"--validation {options.ValidationCount} leaves none of the {data.Training.Count:N0} training samples to train on"));
            }

            using var session = new TrainingSession<TNet>(TNet.Create(commandLine.Seed), data.Training, options, data.Test);
            if (commandLine.LoadPath is not null)
            {
                session.LoadCheckpoint(commandLine.LoadPath);
                string full = Path.GetFullPath(commandLine.LoadPath);
                output.Line(file!.TrainedEpochs is { } trained
                    ? Invariant($"Resumed a {shape} network ({choice.Functions}) from {full}: {trained} epochs done, {file.Optimizer} state restored")
                    : $"Loaded a {shape} network ({choice.Functions}) from {full} (a model without training state: {options.Optimizer.Name} starts afresh)");
            }

            string validation = options.ValidationCount > 0
                ? Invariant($", validating on the last {options.ValidationCount:N0} training samples{(options.Patience > 0 ? $" (patience {options.Patience})" : "")}")
                : "";
            output.Line(Invariant(
                $"Training {shape} ({choice.Functions}; {TNet.ParameterCount:N0} parameters): {epochs} epochs, mini-batch {options.MiniBatchSize}, {options.Optimizer}, η = {options.LearningRate} ({options.Schedule}), λ = {options.L2Regularization}, seed {options.Seed}{(options.Threads > 1 ? $", {options.Threads} threads" : string.Empty)}{validation}"));
            output.ShowsLearningRate = options.Schedule is not ConstantSchedule;

            long start = Stopwatch.GetTimestamp();
            List<EpochResult> results = output.Train(session, epochs, cancellationToken);
            TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
            double trainingSeconds = 0;
            foreach (EpochResult result in results)
            {
                trainingSeconds += result.TrainingTime.TotalSeconds;
            }
            output.Line(Invariant(
                $"Trained {results.Count} epoch{(results.Count == 1 ? "" : "s")} in {elapsed.TotalSeconds:F1} s ({(double)results.Count * session.Training.Count / trainingSeconds:N0} training samples/s)"));

            EpochResult last = results[^1];
            if (last.StoppedEarly)
            {
                EvaluationResult best = FindEpoch(results, last.BestEpoch)?.Validation ?? Trainer.Evaluate(session.Network, session.Validation!);
                output.Line(Invariant(
                    $"Early stopping: validation accuracy has not improved for {options.Patience} epochs; kept the parameters of epoch {last.BestEpoch} (validation accuracy {best.Accuracy:F4})"));
                final = Trainer.Evaluate(session.Network, data.Test);
            }
            else
            {
                final = last.Test!.Value;
            }

            session.SaveCheckpoint(savePath!);
            output.Line($"Saved the model and its training state to {savePath}");
            if (commandLine.PlotPath is not null)
            {
                string plot = Path.GetFullPath(commandLine.PlotPath);
                LearningCurve.Save(plot, Points(results), Invariant($"{choice.Title}, {options.Optimizer.Name}, η = {options.LearningRate} ({options.Schedule.Name})"));
                output.Line($"Drew the learning curve to {plot}");
            }
        }

        Console.Out.WriteLine(Invariant($"accuracy: {final.Accuracy:F4} ({final.Correct}/{final.Count})"));
        return 0;
    }

    private static string DataLine(CommandLine commandLine, DatasetSplit data)
    {
        string source = commandLine.DataDirectory is null ? "Fashion-MNIST (embedded)" : Path.GetFullPath(commandLine.DataDirectory);
        return Invariant($"Data: {source}: {data.Training.Count:N0} training, {data.Test.Count:N0} test samples of {data.Test.InputSize} values");
    }

    private static EpochResult? FindEpoch(List<EpochResult> results, int epoch)
    {
        foreach (EpochResult result in results)
        {
            if (result.Epoch == epoch)
            {
                return result;
            }
        }
        return null;
    }

    /// <summary>The learning curve's points: one per epoch.</summary>
    private static List<LearningCurvePoint> Points(List<EpochResult> results)
    {
        var points = new List<LearningCurvePoint>(results.Count);
        foreach (EpochResult r in results)
        {
            points.Add(new LearningCurvePoint(
                r.Epoch,
                r.Training?.MeanCost ?? r.TrainingCost,
                r.Training?.Accuracy,
                r.Validation?.MeanCost,
                r.Validation?.Accuracy,
                r.Test?.MeanCost,
                r.Test?.Accuracy));
        }
        return points;
    }

    /// <summary>
    /// The data: the four files of <paramref name="directory"/>, or the embedded Fashion-MNIST, with at most
    /// <paramref name="trainingCount"/> training samples (the first ones; 0 when nothing trains, so that only the headers
    /// of the training files are read).
    /// </summary>
    private static DatasetSplit LoadData(string? directory, int trainingCount)
    {
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
