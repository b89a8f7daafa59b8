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

    public double LearningRate { get; init; } = 0.1;

    public double Lambda { get; init; } = 5.0;

    public int Seed { get; init; } = 1;

    public int Threads { get; init; } = 1;

    public string? Network { get; init; }

    public ActivationKind? Hidden { get; init; }

    public ActivationKind? Output { get; init; }

    public string? SavePath { get; init; }

    public string? LoadPath { get; init; }

    public bool Help { get; init; }

    /// <summary>Training runs unless a model is loaded without <c>--epochs</c> (then it is only evaluated).</summary>
    public bool Trains => LoadPath is null || Epochs is not null;

    public const string Usage = """
        Trains a compile-time generated neural network on Fashion-MNIST (or any MNIST-format data)
        with mini-batch SGD and L2 regularisation, and saves the model. The cost follows the output
        activation: cross-entropy for sigmoid, log-likelihood for softmax.

        Usage: Mnist [options]

          --data DIR        folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,
                            t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz);
                            default: the Fashion-MNIST embedded in this program
          --network SHAPE   784-30-10 (default) or 784-100-10; with --load, the file's shape
          --hidden F        hidden activation: sigmoid (default), tanh, relu or leaky-relu;
                            with --load, the file's
          --output F        output activation and cost: sigmoid (default; cross-entropy cost) or
                            softmax (log-likelihood cost); with --load, the file's
          --epochs N        epochs to train (default 30; with --load: resume for N epochs)
          --batch N         mini-batch size (default 10)
          --eta X           learning rate η (default 0.1)
          --lambda X        L2 regularisation λ (default 5.0)
          --seed N          seed of the initial parameters and the shuffles (default 1)
          --threads N       threads per mini-batch (default 1; pays only for large mini-batches)
          --save PATH       where to save the model (default: <data>-<shape>.bpnet here, or
                            <data>-<shape>-<hidden>-<output>.bpnet for other activations)
          --load PATH       load a saved model: evaluate it, or with --epochs resume training
          --help            show this help

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
                "--seed" => result with { Seed = Integer(name, Value(), min: int.MinValue) },
                "--network" => result with { Network = Shape(name, Value()) },
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

    private static string Shape(string name, string value)
    {
        foreach (string shape in Networks)
        {
            if (shape == value)
            {
                return shape;
            }
        }
        throw new UsageException($"option {name} must be one of {string.Join(", ", Networks)}, not '{value}'");
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
