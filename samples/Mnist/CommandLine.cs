using System;
using System.Collections.Generic;
using System.Globalization;
using Backprop;

namespace Mnist;

/// <summary>A command line that cannot be run; the message is the one line shown to the user.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The parsed command line. Null means "not given".</summary>
internal sealed record CommandLine
{
    public const string DefaultNetwork = "784-30-10";

    /// <summary>The shapes compiled into this program.</summary>
    public static readonly IReadOnlyList<string> Networks = ["784-30-10", "784-100-10"];

    /// <summary>The values of <c>--hidden</c>: every hidden activation compiled into this program, the default first.</summary>
    public static readonly IReadOnlyList<(string Name, ActivationKind Kind)> HiddenActivations =
    [
        ("sigmoid", ActivationKind.Sigmoid),
        ("tanh", ActivationKind.Tanh),
        ("relu", ActivationKind.ReLU),
        ("leaky-relu", ActivationKind.LeakyReLU),
    ];

    /// <summary>The values of <c>--output</c>: every output activation compiled into this program, the default first.</summary>
    public static readonly IReadOnlyList<(string Name, ActivationKind Kind)> OutputActivations =
    [
        ("sigmoid", ActivationKind.Sigmoid),
        ("softmax", ActivationKind.Softmax),
    ];

    public string? DataDirectory { get; init; }

    public int? Epochs { get; init; }

    public int MiniBatchSize { get; init; } = 10;

    /// <summary>η; null: the optimizer's default (<see cref="DefaultLearningRate"/>).</summary>
    public double? LearningRate { get; init; }

    /// <summary>λ; null: the optimizer's default (<see cref="DefaultLambda"/>).</summary>
    public double? Lambda { get; init; }

    public string Optimizer { get; init; } = "sgd";

    /// <summary>Whether <c>--optimizer</c> was given (else a loaded checkpoint's optimizer is taken up).</summary>
    public bool OptimizerGiven { get; init; }

    public double? Momentum { get; init; }

    public double? WeightDecay { get; init; }

    public string Schedule { get; init; } = "constant";

    public int? StepSize { get; init; }

    public double? Gamma { get; init; }

    public int Validation { get; init; }

    public int Patience { get; init; }

    public string? PlotPath { get; init; }

    public int Seed { get; init; } = 1;

    public int Threads { get; init; } = 1;

    public string? Network { get; init; }

    public ActivationKind? Hidden { get; init; }

    public ActivationKind? Output { get; init; }

    public string? SavePath { get; init; }

    public string? LoadPath { get; init; }

    public bool Help { get; init; }

    /// <summary>The values of <c>--optimizer</c>, the default first.</summary>
    public static readonly IReadOnlyList<string> Optimizers = ["sgd", "momentum", "nesterov", "adam", "adamw"];

    /// <summary>The values of <c>--schedule</c>, the default first.</summary>
    public static readonly IReadOnlyList<string> Schedules = ["constant", "step", "cosine"];

    private bool IsAdam => Optimizer is "adam" or "adamw";

    /// <summary>η unless <c>--eta</c> says otherwise: 0.1 for the SGD family, 0.001 for Adam (PyTorch's default).</summary>
    public double DefaultLearningRate => IsAdam ? 0.001 : 0.1;

    /// <summary>λ unless <c>--lambda</c> says otherwise: 5 for the SGD family, 0 for Adam (whose regularisation is usually AdamW's decay).</summary>
    public double DefaultLambda => IsAdam ? 0 : 5.0;

    /// <summary>The optimizer the options name.</summary>
    public Backprop.Optimizer CreateOptimizer() => Optimizer switch
    {
        "momentum" or "nesterov" => new Momentum { Coefficient = Momentum ?? 0.9, Nesterov = Optimizer == "nesterov" },
        "adam" => new Adam(),
        "adamw" => new AdamW { WeightDecay = WeightDecay ?? 0.01 },
        _ => Sgd.Instance,
    };

    /// <summary>The schedule the options name.</summary>
    public LearningRateSchedule CreateSchedule() => Schedule switch
    {
        "step" => new StepSchedule { StepSize = StepSize ?? 10, Factor = Gamma ?? 0.1 },
        "cosine" => new CosineSchedule(),
        _ => ConstantSchedule.Instance,
    };

    /// <summary>Training runs unless a model is loaded without <c>--epochs</c> (then it is only evaluated).</summary>
    public bool Trains => LoadPath is null || Epochs is not null;

    public const string Usage = """
        Trains a compile-time generated neural network on Fashion-MNIST (or any MNIST-format data)
        and saves it. The cost follows the output activation: cross-entropy for sigmoid,
        log-likelihood for softmax.

        Usage: Mnist [options]

        Data and network:
          --data DIR          folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,
                              t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz);
                              default: the Fashion-MNIST embedded in this program
          --network SHAPE     784-30-10 (default) or 784-100-10; with --load, the file's shape
          --hidden F          hidden activation: sigmoid (default), tanh, relu or leaky-relu;
                              with --load, the file's
          --output F          output activation and cost: sigmoid (default; cross-entropy cost) or
                              softmax (log-likelihood cost); with --load, the file's

        Training:
          --epochs N          epochs to train (default 30; with --load: N more epochs)
          --batch N           mini-batch size (default 10)
          --optimizer NAME    sgd (default), momentum, nesterov, adam or adamw; with --load of a
                              checkpoint, its optimizer
          --eta X             learning rate η (default 0.1; 0.001 for adam and adamw)
          --lambda X          L2 regularisation λ, any optimizer (default 5.0; 0 for adam and adamw)
          --momentum X        μ of momentum and nesterov (default 0.9)
          --weight-decay X    decoupled weight decay γ of adamw (default 0.01)
          --schedule NAME     learning rate per epoch: constant (default), step or cosine
          --step N            step schedule: epochs between decays (default 10)
          --gamma X           step schedule: factor of each decay (default 0.1)
          --validation N      hold out the last N training samples to validate on after every
                              epoch (default 0; 10000 is the classic MNIST split)
          --patience K        stop when validation accuracy has not improved for K epochs, and
                              keep the best epoch's parameters (needs --validation)
          --seed N            seed of the initial parameters and the shuffles (default 1)
          --threads N         threads per mini-batch (default 1; pays only for large mini-batches)

        Files:
          --save PATH         where to save the checkpoint: the model and its training state
                              (default: <data>-<shape>.bpnet here, or
                              <data>-<shape>-<hidden>-<output>.bpnet for other activations)
          --load PATH         load a model or checkpoint: evaluate it, or with --epochs train on
                              (a checkpoint resumes exactly: optimizer state, epoch, shuffle)
          --plot FILE         draw the learning curve (cost and accuracy per epoch of the
                              training, validation and test sets) to a .png or .svg file
          --help              show this help

        Ctrl+C stops at the next mini-batch. The last line of output is the test accuracy:
          accuracy: 0.8712 (8712/10000)
        """;

    /// <summary>Parses <paramref name="args"/>; accepts <c>--name value</c> and <c>--name=value</c>.</summary>
    /// <exception cref="UsageException">An unknown option, a missing or bad value, a repeated option.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var result = new CommandLine();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            string name = arg;
            string? inline = null;
            int equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                inline = arg[(equals + 1)..];
            }

            if (name is "--help" or "-h" or "-?")
            {
                result = result with { Help = true };
                continue;
            }
            if (!name.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}' (options start with --)");
            }
            if (!seen.Add(name))
            {
                throw new UsageException($"option {name} is given more than once");
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new UsageException($"option {name} needs a value");
                }
                return args[++i];
            }

            result = name switch
            {
                "--data" => result with { DataDirectory = NonEmpty(name, Value()) },
                "--epochs" => result with { Epochs = Integer(name, Value(), min: 1) },
                "--batch" => result with { MiniBatchSize = Integer(name, Value(), min: 1) },
                "--threads" => result with { Threads = Integer(name, Value(), min: 1, max: 64) },
                "--eta" => result with { LearningRate = Real(name, Value(), allowZero: false) },
                "--lambda" => result with { Lambda = Real(name, Value(), allowZero: true) },
                "--optimizer" => result with { Optimizer = OneOf(name, Value(), Optimizers), OptimizerGiven = true },
                "--momentum" => result with { Momentum = Fraction(name, Value()) },
                "--weight-decay" => result with { WeightDecay = Real(name, Value(), allowZero: true) },
                "--schedule" => result with { Schedule = OneOf(name, Value(), Schedules) },
                "--step" => result with { StepSize = Integer(name, Value(), min: 1) },
                "--gamma" => result with { Gamma = Factor(name, Value()) },
                "--validation" => result with { Validation = Integer(name, Value(), min: 0) },
                "--patience" => result with { Patience = Integer(name, Value(), min: 0) },
                "--plot" => result with { PlotPath = ImagePath(name, Value()) },
                "--seed" => result with { Seed = Integer(name, Value(), min: int.MinValue) },
                "--network" => result with { Network = OneOf(name, Value(), Networks) },
                "--hidden" => result with { Hidden = Activation(name, Value(), HiddenActivations) },
                "--output" => result with { Output = Activation(name, Value(), OutputActivations) },
                "--save" => result with { SavePath = NonEmpty(name, Value()) },
                "--load" => result with { LoadPath = NonEmpty(name, Value()) },
                _ => throw new UsageException($"unknown option '{name}'"),
            };
        }

        if (!result.Trains && result.SavePath is not null)
        {
            throw new UsageException("--save needs training: --load without --epochs only evaluates the model");
        }
        if (!result.Trains && result.PlotPath is not null)
        {
            throw new UsageException("--plot needs training: --load without --epochs only evaluates the model");
        }
        if (result.Momentum is not null && result.Optimizer is not ("momentum" or "nesterov"))
        {
            throw new UsageException($"--momentum is the μ of --optimizer momentum or nesterov, not of {result.Optimizer}");
        }
        if (result.WeightDecay is not null && result.Optimizer != "adamw")
        {
            throw new UsageException($"--weight-decay is the decoupled decay of --optimizer adamw, not of {result.Optimizer} (L2 regularisation is --lambda)");
        }
        if ((result.StepSize is not null || result.Gamma is not null) && result.Schedule != "step")
        {
            throw new UsageException("--step and --gamma set --schedule step");
        }
        if (result.Patience > 0 && result.Validation == 0)
        {
            throw new UsageException("--patience watches the validation accuracy: give --validation N too");
        }
        return result;
    }

    private static string NonEmpty(string name, string value)
        => value.Length > 0 ? value : throw new UsageException($"option {name} needs a non-empty value");

    private static int Integer(string name, string value, int min, int max = int.MaxValue)
    {
        if (!int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n))
        {
            throw new UsageException($"option {name} needs a whole number, not '{value}'");
        }
        if (n < min)
        {
            throw new UsageException($"option {name} must be at least {min}, not {n}");
        }
        if (n > max)
        {
            throw new UsageException($"option {name} must be at most {max}, not {n}");
        }
        return n;
    }

    private static double Real(string name, string value, bool allowZero)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) || !double.IsFinite(x))
        {
            throw new UsageException($"option {name} needs a number such as 0.5, not '{value}'");
        }
        if (x < 0 || (!allowZero && x == 0))
        {
            throw new UsageException($"option {name} must be {(allowZero ? "zero or positive" : "positive")}, not {value}");
        }
        return x;
    }

    private static string OneOf(string name, string value, IReadOnlyList<string> choices)
    {
        foreach (string choice in choices)
        {
            if (choice == value)
            {
                return choice;
            }
        }
        throw new UsageException($"option {name} must be one of {string.Join(", ", choices)}, not '{value}'");
    }

    private static double Fraction(string name, string value)
    {
        double x = Real(name, value, allowZero: true);
        return x < 1 ? x : throw new UsageException($"option {name} must be less than 1, not {value}");
    }

    private static double Factor(string name, string value)
    {
        double x = Real(name, value, allowZero: false);
        return x <= 1 ? x : throw new UsageException($"option {name} must be at most 1, not {value}");
    }

    private static string ImagePath(string name, string value)
    {
        string extension = System.IO.Path.GetExtension(NonEmpty(name, value));
        return extension.Equals(".png", StringComparison.OrdinalIgnoreCase) || extension.Equals(".svg", StringComparison.OrdinalIgnoreCase)
            ? value
            : throw new UsageException($"option {name} needs a .png or .svg file name, not '{value}'");
    }

    private static ActivationKind Activation(string name, string value, IReadOnlyList<(string Name, ActivationKind Kind)> choices)
    {
        var names = new List<string>(choices.Count);
        foreach ((string choice, ActivationKind kind) in choices)
        {
            if (choice == value)
            {
                return kind;
            }
            names.Add(choice);
        }
        throw new UsageException($"option {name} must be one of {string.Join(", ", names)}, not '{value}'");
    }

    /// <summary>The command-line name of an activation, e.g. <c>leaky-relu</c> (the enum's name for one this program has no option for).</summary>
    public static string NameOf(ActivationKind kind)
    {
        foreach ((string name, ActivationKind choice) in HiddenActivations)
        {
            if (choice == kind)
            {
                return name;
            }
        }
        foreach ((string name, ActivationKind choice) in OutputActivations)
        {
            if (choice == kind)
            {
                return name;
            }
        }
        return kind.ToString();
    }

    /// <summary>The name of a cost as the help text writes it, e.g. <c>log-likelihood</c>.</summary>
    public static string NameOf(CostKind kind) => kind switch
    {
        CostKind.CrossEntropy => "cross-entropy",
        CostKind.LogLikelihood => "log-likelihood",
        CostKind.Quadratic => "quadratic",
        _ => kind.ToString(),
    };
}
