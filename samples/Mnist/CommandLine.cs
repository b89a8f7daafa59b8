using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Linq;
using System.Text;
using Backprop;

namespace Mnist;

/// <summary>A command line that cannot be run; the message is the one line shown to the user.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The parsed command line: what the rest of the program reads. Null means "not given". System.CommandLine reads
/// the words (<c>--name value</c>, <c>--name=value</c>); <see cref="Syntax"/> declares each option with its help
/// text and how its value is read, and words every error as this program always has.
/// </summary>
internal sealed record CommandLine
{
    public const string DefaultNetwork = "784-30-10";

    /// <summary>The shapes of the dense networks compiled into this program, whose activations <c>--hidden</c> and <c>--output</c> choose.</summary>
    public static readonly IReadOnlyList<string> DenseNetworks = ["784-30-10", "784-100-10"];

    /// <summary>The values of <c>--network</c>: the dense shapes, then the networks of other layers, each with activations of its own.</summary>
    public static readonly IReadOnlyList<string> Networks = [.. DenseNetworks, "lenet5"];

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

    /// <summary>The values of <c>--optimizer</c>, the default first.</summary>
    public static readonly IReadOnlyList<string> Optimizers = ["sgd", "momentum", "nesterov", "adam", "adamw"];

    /// <summary>The values of <c>--schedule</c>, the default first.</summary>
    public static readonly IReadOnlyList<string> Schedules = ["constant", "step", "cosine"];

    // The defaults of the options that have one live with the option (Syntax), next to the help text that names them.

    public string? DataDirectory { get; init; }

    /// <summary>How many training samples to read at most; null: all of them.</summary>
    public int? TrainLimit { get; init; }

    public int? Epochs { get; init; }

    public required int MiniBatchSize { get; init; }

    /// <summary>η; null: the optimizer's default (<see cref="DefaultLearningRate"/>).</summary>
    public double? LearningRate { get; init; }

    /// <summary>λ; null: the optimizer's default (<see cref="DefaultLambda"/>).</summary>
    public double? Lambda { get; init; }

    public required string Optimizer { get; init; }

    /// <summary>Whether <c>--optimizer</c> was given (else a loaded checkpoint's optimizer is taken up).</summary>
    public bool OptimizerGiven { get; init; }

    public double? Momentum { get; init; }

    public double? WeightDecay { get; init; }

    public required string Schedule { get; init; }

    public int? StepSize { get; init; }

    public double? Gamma { get; init; }

    public required int Validation { get; init; }

    public required int Patience { get; init; }

    public string? PlotPath { get; init; }

    public required int Seed { get; init; }

    public required int Threads { get; init; }

    public string? Network { get; init; }

    public ActivationKind? Hidden { get; init; }

    public ActivationKind? Output { get; init; }

    public string? SavePath { get; init; }

    public string? LoadPath { get; init; }

    public bool Help { get; init; }

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

    /// <summary>What <c>--help</c> prints: every option with its value name and description, in three sections.</summary>
    public static string HelpText => new Syntax().HelpText();

    /// <summary>Parses <paramref name="args"/>; accepts <c>--name value</c> and <c>--name=value</c>.</summary>
    /// <exception cref="UsageException">
    /// The first thing wrong, in command-line order: an unknown option, a missing or bad value, a repeated option;
    /// then options that do not go together.
    /// </exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        CommandLine commandLine = new Syntax().Parse(args);
        commandLine.CheckCombinations();
        return commandLine;
    }

    /// <summary>Options that are each fine alone but do not go together.</summary>
    private void CheckCombinations()
    {
        if (!Trains && SavePath is not null)
        {
            throw new UsageException("--save needs training: --load without --epochs only evaluates the model");
        }
        if (!Trains && PlotPath is not null)
        {
            throw new UsageException("--plot needs training: --load without --epochs only evaluates the model");
        }
        if (!Trains && TrainLimit is not null)
        {
            throw new UsageException("--train-limit needs training: --load without --epochs only evaluates the model");
        }
        if (Network is not null && !DenseNetworks.Contains(Network) && (Hidden is not null || Output is not null))
        {
            throw OwnActivations(Network);
        }
        if (Momentum is not null && Optimizer is not ("momentum" or "nesterov"))
        {
            throw new UsageException($"--momentum is the μ of --optimizer momentum or nesterov, not of {Optimizer}");
        }
        if (WeightDecay is not null && Optimizer != "adamw")
        {
            throw new UsageException($"--weight-decay is the decoupled decay of --optimizer adamw, not of {Optimizer} (L2 regularisation is --lambda)");
        }
        if ((StepSize is not null || Gamma is not null) && Schedule != "step")
        {
            throw new UsageException("--step and --gamma set --schedule step");
        }
        if (Patience > 0 && Validation == 0)
        {
            throw new UsageException("--patience watches the validation accuracy: give --validation N too");
        }
    }

    /// <summary>The error of <c>--hidden</c> or <c>--output</c> given for a network that is not one of <see cref="DenseNetworks"/>.</summary>
    public static UsageException OwnActivations(string network)
        => new($"--hidden and --output choose the activations of {string.Join(" and ", DenseNetworks)}; {network} has its own");

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

    /// <summary>
    /// The options as System.CommandLine symbols, in the order and sections of the help text: the name, the value name
    /// and the description of each, and how its value is read. Made anew for each parse, so no parse state is shared.
    /// </summary>
    private sealed class Syntax
    {
        /// <summary>Where the descriptions start in the help text, counted after the two-space indent.</summary>
        private const int DescriptionColumn = 20;

        private const string Introduction = """
            Trains a compile-time generated neural network on Fashion-MNIST (or any MNIST-format data)
            and saves it. The cost follows the output activation: cross-entropy for sigmoid,
            log-likelihood for softmax.
            """;

        private const string Epilogue = """
            Ctrl+C stops at the next mini-batch. The last line of output is the test accuracy:
              accuracy: 0.8712 (8712/10000)
            """;

        private static readonly ParserConfiguration Configuration = new()
        {
            // Words are taken as written: no "@file" of more words, no "-abc" for "-a -b -c".
            ResponseFileTokenReplacer = null,
            EnablePosixBundling = false,
        };

        // Data and network

        private readonly Option<string?> _data = Define<string?>("--data", "DIR", NonEmpty, """
            folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,
            t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz);
            default: the Fashion-MNIST embedded in this program
            """);

        private readonly Option<int?> _trainLimit = Define<int?>("--train-limit", "N", (name, value) => Integer(name, value, min: 1), """
            train on the first N training samples only (default: all of them)
            """);

        private readonly Option<string?> _network = Define<string?>("--network", "NET", (name, value) => OneOf(name, value, Networks), """
            784-30-10 (default), 784-100-10 or lenet5 (convolutional: its own
            activations, softmax output); with --load, the file's network
            """);

        private readonly Option<ActivationKind?> _hidden = Define<ActivationKind?>("--hidden", "F", (name, value) => Activation(name, value, HiddenActivations), """
            hidden activation: sigmoid (default), tanh, relu or leaky-relu;
            with --load, the file's
            """);

        private readonly Option<ActivationKind?> _output = Define<ActivationKind?>("--output", "F", (name, value) => Activation(name, value, OutputActivations), """
            output activation and cost: sigmoid (default; cross-entropy cost) or
            softmax (log-likelihood cost); with --load, the file's
            """);

        // Training

        private readonly Option<int?> _epochs = Define<int?>("--epochs", "N", (name, value) => Integer(name, value, min: 1), """
            epochs to train (default 30; with --load: N more epochs)
            """);

        private readonly Option<int> _batch = Define("--batch", "N", (name, value) => Integer(name, value, min: 1), """
            mini-batch size (default 10)
            """, defaultValue: 10);

        private readonly Option<string> _optimizer = Define("--optimizer", "NAME", (name, value) => OneOf(name, value, Optimizers), """
            sgd (default), momentum, nesterov, adam or adamw; with --load of a
            checkpoint, its optimizer
            """, defaultValue: "sgd");

        private readonly Option<double?> _eta = Define<double?>("--eta", "X", (name, value) => Real(name, value, allowZero: false), """
            learning rate η (default 0.1; 0.001 for adam and adamw)
            """);

        private readonly Option<double?> _lambda = Define<double?>("--lambda", "X", (name, value) => Real(name, value, allowZero: true), """
            L2 regularisation λ, any optimizer (default 5.0; 0 for adam and adamw)
            """);

        private readonly Option<double?> _momentum = Define<double?>("--momentum", "X", Fraction, """
            μ of momentum and nesterov (default 0.9)
            """);

        private readonly Option<double?> _weightDecay = Define<double?>("--weight-decay", "X", (name, value) => Real(name, value, allowZero: true), """
            decoupled weight decay γ of adamw (default 0.01)
            """);

        private readonly Option<string> _schedule = Define("--schedule", "NAME", (name, value) => OneOf(name, value, Schedules), """
            learning rate per epoch: constant (default), step or cosine
            """, defaultValue: "constant");

        private readonly Option<int?> _step = Define<int?>("--step", "N", (name, value) => Integer(name, value, min: 1), """
            step schedule: epochs between decays (default 10)
            """);

        private readonly Option<double?> _gamma = Define<double?>("--gamma", "X", Factor, """
            step schedule: factor of each decay (default 0.1)
            """);

        private readonly Option<int> _validation = Define("--validation", "N", (name, value) => Integer(name, value, min: 0), """
            hold out the last N training samples to validate on after every
            epoch (default 0; 10000 is the classic MNIST split)
            """, defaultValue: 0);

        private readonly Option<int> _patience = Define("--patience", "K", (name, value) => Integer(name, value, min: 0), """
            stop when validation accuracy has not improved for K epochs, and
            keep the best epoch's parameters (needs --validation)
            """, defaultValue: 0);

        private readonly Option<int> _seed = Define("--seed", "N", (name, value) => Integer(name, value, min: int.MinValue), """
            seed of the initial parameters and the shuffles (default 1)
            """, defaultValue: 1);

        private readonly Option<int> _threads = Define("--threads", "N", (name, value) => Integer(name, value, min: 1, max: 64), """
            threads per mini-batch (default 1; pays only for large mini-batches)
            """, defaultValue: 1);

        // Files

        private readonly Option<string?> _save = Define<string?>("--save", "PATH", NonEmpty, """
            where to save the checkpoint: the model and its training state
            (default: <data>-<shape>.bpnet here, or
            <data>-<shape>-<hidden>-<output>.bpnet for other activations)
            """);

        private readonly Option<string?> _load = Define<string?>("--load", "PATH", NonEmpty, """
            load a model or checkpoint: evaluate it, or with --epochs train on
            (a checkpoint resumes exactly: optimizer state, epoch, shuffle)
            """);

        private readonly Option<string?> _plot = Define<string?>("--plot", "FILE", ImagePath, """
            draw the learning curve (cost and accuracy per epoch of the
            training, validation and test sets) to a .png or .svg file
            """);

        // A plain flag, not System.CommandLine's HelpOption: that one also answers to /h and /?, which were never
        // options here, and its presence stops the parser from checking the other options, while here a bad option
        // is an error even next to --help.
        private readonly Option<bool> _help = new("--help", "-h", "-?") { Description = "show this help", Arity = ArgumentArity.Zero };

        private readonly RootCommand _root = new(Introduction);

        private readonly (string Title, Option[] Options)[] _sections;

        public Syntax()
        {
            _sections =
            [
                ("Data and network", [_data, _trainLimit, _network, _hidden, _output]),
                ("Training", [_epochs, _batch, _optimizer, _eta, _lambda, _momentum, _weightDecay, _schedule, _step, _gamma, _validation, _patience, _seed, _threads]),
                ("Files", [_save, _load, _plot, _help]),
            ];

            // RootCommand comes with --help (and /h, /?), --version and the [suggest] and [diagram] directives; this
            // program has the options of its help text and nothing else.
            _root.Options.Clear();
            _root.Directives.Clear();
            foreach ((_, Option[] options) in _sections)
            {
                foreach (Option option in options)
                {
                    _root.Options.Add(option);
                }
            }
        }

        /// <summary>The help text: the introduction, the options section by section, the epilogue.</summary>
        public string HelpText()
        {
            var text = new StringBuilder();
            text.Append(_root.Description).Append("\n\nUsage: Mnist [options]\n");
            foreach ((string title, Option[] options) in _sections)
            {
                text.Append('\n').Append(title).Append(":\n");
                foreach (Option option in options)
                {
                    // "  --data DIR          folder with …", each further line of the description under the first.
                    string head = option.HelpName is null ? option.Name : $"{option.Name} {option.HelpName}";
                    string[] lines = (option.Description ?? "").ReplaceLineEndings("\n").Split('\n');
                    text.Append("  ").Append(head.PadRight(DescriptionColumn)).Append(lines[0]).Append('\n');
                    foreach (string line in lines.AsSpan(1))
                    {
                        text.Append(' ', 2 + DescriptionColumn).Append(line).Append('\n');
                    }
                }
            }
            text.Append('\n').Append(Epilogue);
            return text.ToString().ReplaceLineEndings();
        }

        /// <summary>The options of <paramref name="args"/>; combinations are not checked here.</summary>
        /// <exception cref="UsageException">The first word that is wrong.</exception>
        public CommandLine Parse(IReadOnlyList<string> args)
        {
            ParseResult parsed = _root.Parse(WithEmptyValues(args), Configuration);
            if (FirstError(parsed) is string error)
            {
                throw new UsageException(error);
            }

            return new CommandLine
            {
                DataDirectory = parsed.GetValue(_data),
                TrainLimit = parsed.GetValue(_trainLimit),
                Network = parsed.GetValue(_network),
                Hidden = parsed.GetValue(_hidden),
                Output = parsed.GetValue(_output),
                Epochs = parsed.GetValue(_epochs),
                MiniBatchSize = parsed.GetValue(_batch),
                Optimizer = parsed.GetRequiredValue(_optimizer),
                OptimizerGiven = parsed.GetResult(_optimizer) is { Implicit: false },
                LearningRate = parsed.GetValue(_eta),
                Lambda = parsed.GetValue(_lambda),
                Momentum = parsed.GetValue(_momentum),
                WeightDecay = parsed.GetValue(_weightDecay),
                Schedule = parsed.GetRequiredValue(_schedule),
                StepSize = parsed.GetValue(_step),
                Gamma = parsed.GetValue(_gamma),
                Validation = parsed.GetValue(_validation),
                Patience = parsed.GetValue(_patience),
                Seed = parsed.GetValue(_seed),
                Threads = parsed.GetValue(_threads),
                SavePath = parsed.GetValue(_save),
                LoadPath = parsed.GetValue(_load),
                PlotPath = parsed.GetValue(_plot),
                Help = parsed.GetValue(_help),
            };
        }

        /// <summary>
        /// The first error in command-line order, as one line: System.CommandLine lists words it does not know before
        /// the errors of the options, and those in the order they were declared, but the user reads left to right.
        /// </summary>
        private string? FirstError(ParseResult parsed)
        {
            // The words that are an option's value; every other word that is not an option is one too many.
            var values = new HashSet<Token>(ReferenceEqualityComparer.Instance);
            foreach (Option option in _root.Options)
            {
                if (parsed.GetResult(option) is { } result)
                {
                    values.UnionWith(result.Tokens);
                }
            }

            var seen = new HashSet<Option>();
            foreach (Token token in parsed.Tokens)
            {
                switch (token.Type)
                {
                    case TokenType.Option when Find(token.Value) is { } option && option != _help:
                        if (!seen.Add(option))
                        {
                            return $"option {option.Name} is given more than once";
                        }
                        // Its CustomParser has said what is wrong with its value, if anything.
                        if (parsed.GetResult(option)!.Errors.FirstOrDefault() is { } error)
                        {
                            return error.Message;
                        }
                        break;
                    case TokenType.Argument when !values.Contains(token):
                    case TokenType.DoubleDash:
                    case TokenType.Directive:
                        // "--" and "[name]" mean something to System.CommandLine, but were never words of this program.
                        return Unexpected(token.Value);
                }
            }

            // Nothing above accounts for it, yet the parse failed: say so rather than run with it.
            return parsed.Errors.Count > 0 ? parsed.Errors[0].Message : null;
        }

        /// <summary>
        /// <paramref name="args"/> with each <c>--name=</c> as <c>--name ""</c>: System.CommandLine drops the empty value
        /// after the <c>=</c>, and the option would seem to have none, where the user gave an empty one.
        /// </summary>
        private static string[] WithEmptyValues(IReadOnlyList<string> args)
            => [.. args.SelectMany(arg => arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) == arg.Length - 1
                ? new[] { arg[..^1], "" }
                : [arg])];

        /// <summary>The option named or aliased <paramref name="word"/>, e.g. <c>--epochs</c> or <c>-h</c>.</summary>
        private Option? Find(string word) => _root.Options.FirstOrDefault(option => option.Name == word || option.Aliases.Contains(word));

        private static string Unexpected(string word)
        {
            if (!word.StartsWith("--", StringComparison.Ordinal))
            {
                return $"unexpected argument '{word}' (options start with --)";
            }
            // "--nonsense=3" is the option --nonsense.
            int equals = word.IndexOf('=', StringComparison.Ordinal);
            return $"unknown option '{(equals > 0 ? word[..equals] : word)}'";
        }

        /// <summary>
        /// An option named <paramref name="name"/> whose one value <paramref name="read"/> reads, or rejects with a
        /// <see cref="UsageException"/>; the message becomes the option's parse error.
        /// </summary>
        private static Option<T> Define<T>(string name, string valueName, Func<string, string, T> read, string description)
        {
            var option = new Option<T>(name)
            {
                HelpName = valueName,
                Description = description,
                // Any number of values, so that System.CommandLine reports nothing about them itself (in words of its
                // own): the parser below says that a value is missing, FirstError that an option is repeated.
                Arity = ArgumentArity.ZeroOrMore,
            };
            option.CustomParser = result =>
            {
                try
                {
                    // "--data --nonsense" lacks the folder rather than naming it "--nonsense" (System.CommandLine would).
                    if (result.Tokens.Count == 0 || result.Tokens[0].Value.StartsWith("--", StringComparison.Ordinal))
                    {
                        throw new UsageException($"option {name} needs a value");
                    }
                    // A second --name is reported where it stands (FirstError); this reads the first one's value.
                    return read(name, result.Tokens[0].Value);
                }
                catch (UsageException e)
                {
                    result.AddError(e.Message);
                    return default;
                }
            };
            return option;
        }

        /// <summary>As <see cref="Define{T}(string, string, Func{string, string, T}, string)"/>, with the value when the option is not given.</summary>
        private static Option<T> Define<T>(string name, string valueName, Func<string, string, T> read, string description, T defaultValue)
        {
            Option<T> option = Define(name, valueName, read, description);
            option.DefaultValueFactory = _ => defaultValue;
            return option;
        }
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

    private static double? Fraction(string name, string value)
    {
        double x = Real(name, value, allowZero: true);
        return x < 1 ? x : throw new UsageException($"option {name} must be less than 1, not {value}");
    }

    private static double? Factor(string name, string value)
    {
        double x = Real(name, value, allowZero: false);
        return x <= 1 ? x : throw new UsageException($"option {name} must be at most 1, not {value}");
    }

    private static string? ImagePath(string name, string value)
    {
        string extension = System.IO.Path.GetExtension(NonEmpty(name, value));
        return extension.Equals(".png", StringComparison.OrdinalIgnoreCase) || extension.Equals(".svg", StringComparison.OrdinalIgnoreCase)
            ? value
            : throw new UsageException($"option {name} needs a .png or .svg file name, not '{value}'");
    }

    private static ActivationKind? Activation(string name, string value, IReadOnlyList<(string Name, ActivationKind Kind)> choices)
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
}
