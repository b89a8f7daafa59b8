using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Backprop;
using Backprop.Generated.SampleSupport;
using static System.FormattableString;

namespace Signals;

/// <summary>
/// A 1-D convolutional network over one channel of 128 readings: two convolutions with ReLU, each followed by max
/// pooling, then a small dense classifier with a softmax over the five kinds of signal.
/// </summary>
[Network]
[Input(1, SignalData.Length)]
[Conv1D(8, 7, Padding = 3, Activation = ActivationKind.ReLU)]
[MaxPool1D(2)]
[Conv1D(16, 5, Padding = 2, Activation = ActivationKind.ReLU)]
[MaxPool1D(4)]
[Dense(32, Activation = ActivationKind.ReLU)]
[Dense(5, Activation = ActivationKind.Softmax)]
public sealed partial class SignalNet { }

/// <summary>
/// <c>dotnet run -c Release --project samples/Signals</c>: makes training and test signals from a seed, trains
/// <see cref="SignalNet"/> with Adam, prints the test set's confusion matrix and ends with its accuracy.
/// </summary>
internal static class Program
{
    private const int ExitUsage = 2;
    private const int ExitFailure = 1;

    public const string Usage = """
        Trains a compile-time generated 1-D convolutional network to tell synthetic sensor signals
        apart: sine, triangle, square, sawtooth and smooth noise, 128 readings each, with random frequency,
        phase, amplitude, offset and measurement noise, made from a seed.

        Usage: Signals [options]

          --train N           training signals (default 10000)
          --test N            test signals, made from the seed + 1 (default 2000)
          --epochs N          epochs to train (default 10)
          --batch N           mini-batch size (default 10)
          --eta X             Adam's initial learning rate η, falling to 0 on a cosine
                      (default 0.002)
          --seed N            seed of the signals, the initial parameters and the shuffles (default 1)
          --save PATH         save the trained model
          --help              show this help

        The last line of output is the test accuracy:
          accuracy: 0.9235 (1847/2000)
        """;

    private static int Main(string[] args)
    {
        try
        {
            Options? options = Options.Parse(args);
            if (options is null)
            {
                Console.WriteLine(Usage);
                return 0;
            }
            return Run(options);
        }
        catch (UsageException e)
        {
            return Fail(e.Message + " (see --help)", ExitUsage);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TrainingDivergedException)
        {
            return Fail(e.Message, ExitFailure);
        }
    }

    private static int Run(Options options)
    {
        // The test signals come from another seed than the training ones, so that no signal is in both.
        Dataset training = SignalData.Generate(options.Train, options.Seed);
        Dataset test = SignalData.Generate(options.Test, unchecked(options.Seed + 1));
        Console.WriteLine(Invariant(
            $"Data: {training.Count:N0} training and {test.Count:N0} test signals of {SignalData.Length} readings ({string.Join(", ", SignalData.ClassNames)}), seed {options.Seed}"));

        var trainingOptions = new TrainingOptions
        {
            Epochs = options.Epochs,
            MiniBatchSize = options.Batch,
            LearningRate = options.Eta,
            Optimizer = new Adam(),
            // The rate falls to zero over the run, so that the last epochs settle rather than wander.
            Schedule = new CosineSchedule(),
            Seed = options.Seed,
        };
        Console.WriteLine(Invariant(
            $"Training {SignalNet.Architecture.Input} → conv 8×7 relu, max pool 2, conv 16×5 relu, max pool 4, dense 32 relu, dense 5 softmax ({SignalNet.ParameterCount:N0} parameters): {trainingOptions.Epochs} epochs, mini-batch {trainingOptions.MiniBatchSize}, {trainingOptions.Optimizer}, η = {trainingOptions.LearningRate} ({trainingOptions.Schedule}), seed {trainingOptions.Seed}"));

        var network = SignalNet.Create(options.Seed);
        long start = Stopwatch.GetTimestamp();
        double trainingSeconds = 0;
        int width = options.Epochs.ToString(CultureInfo.InvariantCulture).Length;
        Trainer.Train(network, training, trainingOptions, test, onEpoch: result =>
        {
            trainingSeconds += result.TrainingTime.TotalSeconds;
            Console.WriteLine(Invariant(
                $"epoch {result.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(width)}/{result.Epochs}  train cost {result.TrainingCost:F4}  test accuracy {result.Test!.Value.Accuracy:F4}  test cost {result.Test.Value.MeanCost:F4}  {result.TrainingTime.TotalSeconds:F2} s  {result.SamplesPerSecond:N0} samples/s"));
        });
        Console.WriteLine(Invariant(
            $"Trained {options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")} in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s ({(double)options.Epochs * training.Count / trainingSeconds:N0} training samples/s)"));

        if (options.SavePath is not null)
        {
            NetworkSerializer.Save(network, options.SavePath);
            Console.WriteLine($"Saved the model to {Path.GetFullPath(options.SavePath)}");
        }

        EvaluationResult final = Trainer.Evaluate(network, test);
        Console.WriteLine(final.Confusion!.ToString(SignalData.ClassNames));
        Console.WriteLine(Invariant($"accuracy: {final.Accuracy:F4} ({final.Correct}/{final.Count})"));
        return 0;
    }

    private static int Fail(string message, int exitCode)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return exitCode;
    }
}

/// <summary>The parsed command line.</summary>
internal sealed record Options
{
    public int Train { get; init; } = 10000;
    public int Test { get; init; } = 2000;
    public int Epochs { get; init; } = 10;
    public int Batch { get; init; } = 10;
    public double Eta { get; init; } = 0.002;
    public int Seed { get; init; } = 1;
    public string? SavePath { get; init; }

    /// <summary>The options, or null for <c>--help</c>; accepts <c>--name value</c> and <c>--name=value</c>.</summary>
    /// <exception cref="UsageException">An unknown option, a missing or bad value, a repeated option.</exception>
    public static Options? Parse(IReadOnlyList<string> args)
    {
        var result = new Options();
        bool run = CommandLineOptions.Scan(args, (name, Value) => result = name switch
        {
            "--train" => result with { Train = CommandLineOptions.Integer(name, Value()) },
            "--test" => result with { Test = CommandLineOptions.Integer(name, Value()) },
            "--epochs" => result with { Epochs = CommandLineOptions.Integer(name, Value()) },
            "--batch" => result with { Batch = CommandLineOptions.Integer(name, Value()) },
            "--eta" => result with { Eta = CommandLineOptions.Positive(name, Value()) },
            "--seed" => result with { Seed = CommandLineOptions.Seed(name, Value()) },
            "--save" => result with { SavePath = Value() },
            _ => throw new UsageException($"unknown option '{name}'"),
        });
        return run ? result : null;
    }


}
