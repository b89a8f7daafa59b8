using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Reflection;
using Backprop;
using Backprop.Generated.SampleSupport;
using Backprop.Tabular;
using static System.FormattableString;

namespace Regression;

/// <summary>A network that predicts a quantity: 10 numeric features in, one real number out.</summary>
[Network(10, 32, 1, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]
public sealed partial class DiabetesNet { }

/// <summary>
/// <c>dotnet run -c Release --project samples/Regression</c>: trains <see cref="DiabetesNet"/> on a CSV file (by default
/// the vendored diabetes data set, split 80/20 with a seed), standardising the features and the target on the training
/// split and folding both scalings into the weights, and ends with the test split's <c>r2: … rmse: …</c>.
/// </summary>
internal static class Program
{
    private const int ExitUsage = 2;
    private const int ExitFailure = 1;

    public const string Usage = """
        Trains a compile-time generated 10-32-1 network (ReLU hidden layer, identity output, quadratic
        cost) to predict a number from ten numeric columns of a CSV file, and reports R² and RMSE on
        the test rows.

        Usage: Regression [options]

          --train FILE.csv    training data: a header row, then numeric rows (default: the diabetes
                              data set embedded in this program, 442 rows)
          --test FILE.csv     test data with the same columns (default: a seeded 80/20 split of --train)
          --target NAME       the column to predict (default: progression); every other column is a
                              feature, and there must be ten of them
          --epochs N          epochs to train (default 400)
          --batch N           mini-batch size (default 32)
          --eta X             learning rate η (default 0.003)
          --lambda X          L2 regularisation λ (default 50: 354 rows are few for 385 parameters)
          --optimizer NAME    sgd, momentum, nesterov, adam (default) or adamw
          --seed N            seed of the split, the initial parameters and the shuffles (default 1)
          --save PATH         save the trained model, scalings folded in (it takes raw rows)
          --help              show this help

        The features and the target are standardised with the training rows' means and standard
        deviations; after training, both scalings are folded into the weights. The last line of
        output is the test split's coefficient of determination and root-mean-square error:
          r2: 0.4351  rmse: 58.590
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
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TrainingDivergedException or ArgumentException)
        {
            // Bad CSV files (CsvFormatException names file, line and column), missing files, divergence, a file whose
            // columns do not fit the network.
            return Fail(e.Message, ExitFailure);
        }
    }

    private static int Run(Options options)
    {
        (TabularData train, TabularData? test) = Load(options);
        if (train.FeatureNames.Count != DiabetesNet.InputSize)
        {
            throw new ArgumentException(Invariant(
                $"The CSV file '{train.Source}' has {train.FeatureNames.Count} feature columns besides '{options.Target}' ({string.Join(", ", train.FeatureNames)}), but this network takes {DiabetesNet.InputSize}."));
        }

        Dataset all = new(train.Features, train.Targets, train.FeatureNames.Count, 1);
        (Dataset training, Dataset testing) = test is null
            ? all.Split(0.8, options.Seed)
            : (all, new Dataset(test.Features, test.Targets, test.FeatureNames.Count, 1));
        Console.WriteLine(Invariant(
            $"Data: {train.Source}: {training.Count} training rows, {testing.Count} test rows{(test is null ? Invariant($" (a seeded 80/20 split, seed {options.Seed})") : "")}; predicting '{options.Target}' from {string.Join(", ", train.FeatureNames)}"));

        // Standardise on the training rows only; train in standardised units.
        Standardization x = Standardization.FitInputs(training), y = Standardization.FitTargets(training);
        Dataset scaledTraining = y.ApplyToTargets(x.ApplyToInputs(training));
        Dataset scaledTest = y.ApplyToTargets(x.ApplyToInputs(testing));

        var network = DiabetesNet.Create(options.Seed);
        var trainingOptions = new TrainingOptions
        {
            Epochs = options.Epochs,
            MiniBatchSize = options.Batch,
            LearningRate = options.Eta,
            L2Regularization = options.Lambda,
            Optimizer = options.CreateOptimizer(),
            Seed = options.Seed,
        };
        Console.WriteLine(Invariant(
            $"Training 10-32-1 (ReLU hidden layer, identity output, quadratic cost; {DiabetesNet.ParameterCount} parameters): {trainingOptions.Epochs} epochs, mini-batch {trainingOptions.MiniBatchSize}, {trainingOptions.Optimizer}, η = {trainingOptions.LearningRate}, λ = {trainingOptions.L2Regularization}, seed {trainingOptions.Seed}"));

        long start = Stopwatch.GetTimestamp();
        int every = Math.Max(1, options.Epochs / 10);
        var progress = new SyncProgress<EpochResult>(result =>
        {
            if (result.Epoch % every == 0 || result.Epoch == result.Epochs)
            {
                // Half the mean squared error in standardised units is the quadratic cost; √(2·cost)·σ_y is the RMSE.
                double rmse = Math.Sqrt(2 * result.Test!.Value.MeanCost) * y.StandardDeviations[0];
                Console.WriteLine(Invariant($"epoch {result.Epoch.ToString(CultureInfo.InvariantCulture).PadLeft(result.Epochs.ToString(CultureInfo.InvariantCulture).Length)}/{result.Epochs}  train cost {result.TrainingCost:F4}  test rmse {rmse:F3}"));
            }
        });
        Trainer.Train(network, scaledTraining, trainingOptions, scaledTest, progress);
        Console.WriteLine(Invariant($"Trained {options.Epochs} epochs in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s"));

        // From now on the network takes raw rows and gives the raw target.
        x.FoldIntoInputs(network);
        y.FoldIntoOutputs(network);
        if (options.SavePath is not null)
        {
            NetworkSerializer.Save(network, options.SavePath);
            Console.WriteLine($"Saved the model (scalings folded in: it takes raw rows) to {Path.GetFullPath(options.SavePath)}");
        }

        var predictions = new float[testing.Count];
        network.ForwardBatch(testing.Inputs, predictions);
        RegressionMetrics metrics = RegressionMetrics.Compute(predictions, testing.Targets, outputs: 1);
        Console.WriteLine(Invariant($"test: mse {metrics.MeanSquaredError:F1}  mae {metrics.MeanAbsoluteError:F3}  ({metrics.Count} rows)"));
        Console.WriteLine(Invariant($"r2: {metrics.RSquared:F4}  rmse: {metrics.RootMeanSquaredError:F3}"));
        return 0;
    }

    private static (TabularData Train, TabularData? Test) Load(Options options)
    {
        string[] target = [options.Target];
        TabularData train;
        if (options.TrainPath is null)
        {
            using Stream embedded = Assembly.GetExecutingAssembly().GetManifestResourceStream("diabetes.csv")
                ?? throw new FileNotFoundException("The embedded resource 'diabetes.csv' is missing from this build.");
            train = TabularData.ReadCsv(embedded, "embedded diabetes.csv", target);
        }
        else
        {
            train = TabularData.ReadCsv(options.TrainPath, target);
        }
        TabularData? test = options.TestPath is null ? null : TabularData.ReadCsv(options.TestPath, target, train.FeatureNames);
        return (train, test);
    }

    private static int Fail(string message, int exitCode)
    {
        Console.Error.WriteLine("error: " + message.ReplaceLineEndings(" "));
        return exitCode;
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its callback at once, on the training thread.</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}

/// <summary>The parsed command line.</summary>
internal sealed record Options
{
    public string? TrainPath { get; init; }
    public string? TestPath { get; init; }
    public string Target { get; init; } = "progression";
    public int Epochs { get; init; } = 400;
    public int Batch { get; init; } = 32;
    public double Eta { get; init; } = 0.003;
    public double Lambda { get; init; } = 50;
    public string Optimizer { get; init; } = "adam";
    public int Seed { get; init; } = 1;
    public string? SavePath { get; init; }

    public Backprop.Optimizer CreateOptimizer() => Optimizer switch
    {
        "sgd" => Sgd.Instance,
        "momentum" => new Momentum(),
        "nesterov" => new Momentum { Nesterov = true },
        "adamw" => new AdamW(),
        _ => new Adam(),
    };

    /// <summary>The options, or null for <c>--help</c>.</summary>
    /// <exception cref="UsageException">An unknown option, a missing or bad value, a repeated option.</exception>
    public static Options? Parse(IReadOnlyList<string> args)
    {
        var result = new Options();
        bool run = CommandLineOptions.Scan(args, (name, Value) => result = name switch
        {
            "--train" => result with { TrainPath = Value() },
            "--test" => result with { TestPath = Value() },
            "--target" => result with { Target = Value() },
            "--epochs" => result with { Epochs = CommandLineOptions.Integer(name, Value()) },
            "--batch" => result with { Batch = CommandLineOptions.Integer(name, Value()) },
            "--eta" => result with { Eta = CommandLineOptions.Positive(name, Value()) },
            "--lambda" => result with { Lambda = double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out double lambda) && lambda >= 0 && double.IsFinite(lambda) ? lambda : throw new UsageException($"option {name} needs a number of 0 or more") },
            "--optimizer" => result with { Optimizer = OneOf(name, Value(), ["sgd", "momentum", "nesterov", "adam", "adamw"]) },
            "--seed" => result with { Seed = CommandLineOptions.Seed(name, Value()) },
            "--save" => result with { SavePath = Value() },
            _ => throw new UsageException($"unknown option '{name}'"),
        });
        if (!run)
        {
            return null;
        }
        if (result.TestPath is not null && result.TrainPath is null)
        {
            throw new UsageException("--test needs --train: the embedded data set is split 80/20 instead");
        }
        return result;
    }



    private static string OneOf(string name, string value, string[] choices)
        => Array.IndexOf(choices, value) >= 0
            ? value
            : throw new UsageException($"option {name} must be one of {string.Join(", ", choices)}, not '{value}'");
}
