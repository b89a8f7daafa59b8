using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Backprop.Generated.TestSupport;
using Xunit;

namespace Backprop.Generated.Samples.Tests;

/// <summary>
/// The Mnist sample run as a user runs it: <c>dotnet Mnist.dll args...</c> in a folder of its own, with standard
/// output and error redirected. Every training run uses the small default network (784-30-10) and one or two epochs, or
/// LeNet-5 for one epoch on 2,000 images, so the whole class takes seconds.
/// </summary>
public sealed partial class MnistCommandLineTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // xunit makes a new instance per test: each test runs the sample in a working folder of its own.
    private readonly string _folder = Directory.CreateTempSubdirectory("mnist-command-line-tests-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Leave it for the system to clean.
        }
    }

    /// <summary>
    /// What <c>--help</c> prints, word for word: the text users have known since the hand-written parser, which
    /// System.CommandLine's own help layout would change. An edit to the help text is an edit to this too.
    /// </summary>
    private const string ExpectedHelp = """
        Trains a compile-time generated neural network on Fashion-MNIST (or any MNIST-format data)
        and saves it. The cost follows the output activation: cross-entropy for sigmoid,
        log-likelihood for softmax.

        Usage: Mnist [options]

        Data and network:
          --data DIR          folder with train-images-idx3-ubyte, train-labels-idx1-ubyte,
                              t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (each raw or .gz);
                              default: the Fashion-MNIST embedded in this program
          --train-limit N     train on the first N training samples only (default: all of them)
          --network NET       784-30-10 (default), 784-100-10 or lenet5 (convolutional: its own
                              activations, softmax output); with --load, the file's network
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

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public async Task Help_prints_the_usage_text_and_exits_0(string help)
    {
        ChildProcess.Result result = await Run(help);

        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}, expected 0\n{result}");
        Assert.Equal("", result.Stderr);
        Assert.Equal(ExpectedHelp.ReplaceLineEndings("\n") + "\n", result.Stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Help_exits_0_and_lists_every_option()
    {
        ChildProcess.Result result = await Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        string[] options =
        [
            "--data", "--train-limit", "--network", "--hidden", "--output", "--epochs", "--batch", "--optimizer", "--eta", "--lambda",
            "--momentum", "--weight-decay", "--schedule", "--step", "--gamma", "--validation", "--patience", "--seed",
            "--threads", "--save", "--load", "--plot", "--help",
        ];
        foreach (string option in options)
        {
            // Each option has a line of its own in the list, e.g. "  --data DIR   folder with ...".
            Assert.True(
                Regex.IsMatch(result.Stdout, $@"(?m)^\s+{Regex.Escape(option)}(\s|$)"),
                $"--help does not list {option}:\n{result.Stdout}");
        }
    }

    [Theory]
    // Unknown words, and words that mean something to System.CommandLine but are no options of this program.
    [InlineData("error: unknown option '--bogus' (see --help)", "--bogus")]
    [InlineData("error: unknown option '--bogus' (see --help)", "--bogus=3")]
    [InlineData("error: unknown option '--Epochs' (see --help)", "--Epochs", "3")]
    [InlineData("error: unexpected argument 'bogus' (options start with --) (see --help)", "bogus")]
    [InlineData("error: unexpected argument '4' (options start with --) (see --help)", "--epochs", "3", "4")]
    [InlineData("error: unknown option '--version' (see --help)", "--version")]
    [InlineData("error: unknown option '--' (see --help)", "--", "--epochs", "1")]
    [InlineData("error: unexpected argument '/h' (options start with --) (see --help)", "/h")]
    [InlineData("error: unexpected argument '@args.rsp' (options start with --) (see --help)", "@args.rsp")]
    [InlineData("error: unexpected argument '[suggest]' (options start with --) (see --help)", "[suggest]")]
    // Missing and repeated values.
    [InlineData("error: option --epochs needs a value (see --help)", "--epochs")]
    [InlineData("error: option --data needs a value (see --help)", "--data", "--epochs", "1")]
    [InlineData("error: option --epochs is given more than once (see --help)", "--epochs", "3", "--epochs=4")]
    [InlineData("error: option --data needs a non-empty value (see --help)", "--data=")]
    [InlineData("error: option --save needs a non-empty value (see --help)", "--save", "")]
    // Bad values.
    [InlineData("error: option --epochs must be at least 1, not 0 (see --help)", "--epochs", "0")]
    [InlineData("error: option --epochs needs a whole number, not 'abc' (see --help)", "--epochs=abc")]
    [InlineData("error: option --threads must be at most 64, not 65 (see --help)", "--threads", "65")]
    [InlineData("error: option --eta must be positive, not 0 (see --help)", "--eta", "0")]
    [InlineData("error: option --eta needs a number such as 0.5, not 'NaN' (see --help)", "--eta", "NaN")]
    [InlineData("error: option --eta needs a number such as 0.5, not '' (see --help)", "--eta=")]
    [InlineData("error: option --lambda must be zero or positive, not -1 (see --help)", "--lambda", "-1")]
    [InlineData("error: option --optimizer must be one of sgd, momentum, nesterov, adam, adamw, not 'rmsprop' (see --help)", "--optimizer", "rmsprop")]
    [InlineData("error: option --schedule must be one of constant, step, cosine, not 'linear' (see --help)", "--schedule", "linear")]
    [InlineData("error: option --network must be one of 784-30-10, 784-100-10, lenet5, not '784-50-10' (see --help)", "--network", "784-50-10")]
    [InlineData("error: option --train-limit must be at least 1, not 0 (see --help)", "--train-limit", "0")]
    [InlineData("error: option --hidden must be one of sigmoid, tanh, relu, leaky-relu, not 'softmax' (see --help)", "--hidden", "softmax")]
    [InlineData("error: option --output must be one of sigmoid, softmax, not 'relu' (see --help)", "--output", "relu")]
    [InlineData("error: option --momentum must be less than 1, not 1 (see --help)", "--momentum", "1")]
    [InlineData("error: option --gamma must be at most 1, not 2 (see --help)", "--gamma", "2", "--schedule", "step")]
    [InlineData("error: option --plot needs a .png or .svg file name, not 'out.jpg' (see --help)", "--plot", "out.jpg")]
    // Options that do not go together.
    [InlineData("error: --momentum is the μ of --optimizer momentum or nesterov, not of sgd (see --help)", "--momentum", "0.5")]
    [InlineData("error: --weight-decay is the decoupled decay of --optimizer adamw, not of adam (L2 regularisation is --lambda) (see --help)", "--weight-decay", "0.1", "--optimizer", "adam")]
    [InlineData("error: --step and --gamma set --schedule step (see --help)", "--step", "5")]
    [InlineData("error: --step and --gamma set --schedule step (see --help)", "--gamma", "0.5")]
    [InlineData("error: --patience watches the validation accuracy: give --validation N too (see --help)", "--patience", "2")]
    [InlineData("error: --save needs training: --load without --epochs only evaluates the model (see --help)", "--load", "x.bpnet", "--save", "y.bpnet")]
    [InlineData("error: --plot needs training: --load without --epochs only evaluates the model (see --help)", "--load", "x.bpnet", "--plot", "y.png")]
    [InlineData("error: --train-limit needs training: --load without --epochs only evaluates the model (see --help)", "--load", "x.bpnet", "--train-limit", "100")]
    [InlineData("error: --hidden and --output choose the activations of 784-30-10 and 784-100-10; lenet5 has its own (see --help)", "--network", "lenet5", "--hidden", "relu")]
    [InlineData("error: --hidden and --output choose the activations of 784-30-10 and 784-100-10; lenet5 has its own (see --help)", "--output", "softmax", "--network", "lenet5")]
    // The first error from the left is the one reported, and an error wins over --help.
    [InlineData("error: option --epochs must be at least 1, not 0 (see --help)", "--epochs", "0", "--bogus")]
    [InlineData("error: unknown option '--bogus' (see --help)", "--bogus", "--epochs", "0")]
    [InlineData("error: option --eta must be positive, not 0 (see --help)", "--eta", "0", "--lambda", "-1")]
    [InlineData("error: option --epochs must be at least 1, not 0 (see --help)", "--epochs", "0", "--help")]
    [InlineData("error: --patience watches the validation accuracy: give --validation N too (see --help)", "--help", "--patience", "2")]
    public async Task Usage_errors_exit_2_with_their_one_line_on_stderr_and_nothing_on_stdout(string expected, params string[] arguments)
    {
        ChildProcess.Result result = await Run(arguments);

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, expected 2\n{result}");
        Assert.Equal("", result.Stdout);
        string[] lines = Lines(result.Stderr);
        Assert.True(lines.Length == 1, $"expected one line on stderr\n{result}");
        Assert.Equal(expected, lines[0]);
    }

    [Fact]
    public async Task Adam_with_a_cosine_schedule_and_validation_trains_saves_plots_resumes_and_evaluates()
    {
        // Train: two epochs of Adam, the cosine schedule, a validation split, early stopping armed, a checkpoint and a chart.
        ChildProcess.Result trained = await Run(
            "--optimizer", "adam", "--schedule", "cosine", "--epochs", "2", "--validation", "10000", "--patience", "5",
            "--save", "run.bpnet", "--plot", "curve.png");

        AssertSucceeded(trained);
        string[] lines = Lines(trained.Stdout);
        double accuracy = AssertAccuracyLine(lines[^1]);
        Assert.True(accuracy > 0.70, $"accuracy {accuracy} after two epochs of Adam\n{trained}");
        Assert.Contains(lines, line => line.Contains("adam", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("validation accuracy", StringComparison.Ordinal));
        string[] epochs = [.. lines.Where(line => line.StartsWith("epoch ", StringComparison.Ordinal))];
        Assert.True(epochs.Length == 2, $"expected two epoch lines\n{trained}");
        // A schedule that changes the rate shows it on every epoch's line.
        Assert.All(epochs, line => Assert.Contains("η", line, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("Saved the model and its training state", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("Drew the learning curve", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(_folder, "run.bpnet")), "run.bpnet was not written");
        string curve = Path.Combine(_folder, "curve.png");
        Assert.True(File.Exists(curve), "curve.png was not drawn");
        byte[] png = File.ReadAllBytes(curve);
        Assert.True(png.Length > PngSignature.Length && png.AsSpan(0, PngSignature.Length).SequenceEqual(PngSignature), "curve.png is not a PNG");

        // Resume: no --optimizer, so the checkpoint's Adam goes on.
        ChildProcess.Result resumed = await Run(
            "--load", "run.bpnet", "--epochs", "1", "--validation", "10000", "--patience", "5", "--schedule", "cosine");

        AssertSucceeded(resumed);
        string[] resumedLines = Lines(resumed.Stdout);
        string resumedLine = Assert.Single(resumedLines, line => line.StartsWith("Resumed", StringComparison.Ordinal));
        Assert.Contains("2 epochs done", resumedLine, StringComparison.Ordinal);
        Assert.Contains("adam", resumedLine, StringComparison.Ordinal);
        string training = Assert.Single(resumedLines, line => line.StartsWith("Training", StringComparison.Ordinal));
        Assert.Contains("adam", training, StringComparison.Ordinal);
        Assert.Contains(resumedLines, line => line.StartsWith("epoch 3/3", StringComparison.Ordinal));
        AssertAccuracyLine(resumedLines[^1]);

        // Evaluate only: the checkpoint of the first run (the resumed one saved to its default path) scores what that run reported.
        ChildProcess.Result evaluated = await Run("--load", "run.bpnet");

        AssertSucceeded(evaluated);
        string[] evaluatedLines = Lines(evaluated.Stdout);
        AssertAccuracyLine(evaluatedLines[^1]);
        Assert.Equal(lines[^1], evaluatedLines[^1]);
    }

    [Fact]
    public async Task LeNet5_trains_on_a_subset_with_Adam_saves_and_evaluates_its_checkpoint()
    {
        ChildProcess.Result trained = await Run("--network", "lenet5", "--optimizer", "adam", "--epochs", "1", "--train-limit", "2000");

        AssertSucceeded(trained);
        string[] lines = Lines(trained.Stdout);
        Assert.Equal("Data: Fashion-MNIST (embedded): 2,000 training, 10,000 test samples of 784 values", lines[0]);
        Assert.StartsWith(
            "Training lenet5 (conv 6×5×5 padding 2 relu, max pool 2, conv 16×5×5 relu, max pool 2, dense 120 relu, dense 84 relu, dense 10 softmax, log-likelihood cost; 61,706 parameters): 1 epochs, mini-batch 10, adam",
            lines[1], StringComparison.Ordinal);
        Assert.Single(lines, line => line.StartsWith("epoch 1/1 ", StringComparison.Ordinal));
        Assert.Matches(@"^Trained 1 epoch in \d+\.\d s \([\d,]+ training samples/s\)$", lines[^3]);
        string saved = Path.Combine(_folder, "fashion-mnist-lenet5.bpnet");
        Assert.Equal($"Saved the model and its training state to {saved}", lines[^2]);
        double accuracy = AssertAccuracyLine(lines[^1]);
        // One epoch of 2,000 images reaches about 0.75; a network that learned nothing scores about 0.1.
        Assert.True(accuracy > 0.6, $"accuracy {accuracy} after one epoch of 2,000 images\n{trained}");

        // The checkpoint names its own network: --load alone evaluates it, to the same accuracy.
        ChildProcess.Result evaluated = await Run("--load", "fashion-mnist-lenet5.bpnet");

        AssertSucceeded(evaluated);
        string[] evaluatedLines = Lines(evaluated.Stdout);
        Assert.StartsWith("Loaded a lenet5 network (conv 6×5×5", evaluatedLines[0], StringComparison.Ordinal);
        Assert.Equal(lines[^1], evaluatedLines[^1]);

        // A dense network cannot take its parameters.
        ChildProcess.Result mismatch = await Run("--load", "fashion-mnist-lenet5.bpnet", "--network", "784-30-10");

        Assert.True(mismatch.ExitCode == 1, $"exit code {mismatch.ExitCode}, expected 1\n{mismatch}");
        Assert.StartsWith("error: ", Assert.Single(Lines(mismatch.Stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resuming_a_checkpoint_matches_training_without_a_break()
    {
        ChildProcess.Result straight = await Run("--optimizer", "momentum", "--epochs", "2", "--save", "a.bpnet");
        AssertSucceeded(straight);
        ChildProcess.Result first = await Run("--optimizer", "momentum", "--epochs", "1", "--save", "b.bpnet");
        AssertSucceeded(first);
        ChildProcess.Result second = await Run("--load", "b.bpnet", "--epochs", "1", "--save", "c.bpnet");
        AssertSucceeded(second);

        string straightAccuracy = Lines(straight.Stdout)[^1];
        string resumedAccuracy = Lines(second.Stdout)[^1];
        AssertAccuracyLine(straightAccuracy);
        Assert.Equal(straightAccuracy, resumedAccuracy);
        byte[] a = File.ReadAllBytes(Path.Combine(_folder, "a.bpnet"));
        byte[] c = File.ReadAllBytes(Path.Combine(_folder, "c.bpnet"));
        Assert.True(a.AsSpan().SequenceEqual(c), $"a.bpnet ({a.Length} bytes) and c.bpnet ({c.Length} bytes) differ");
    }

    [Fact]
    public async Task Loading_a_missing_file_exits_1_naming_it()
    {
        ChildProcess.Result result = await Run("--load", "missing.bpnet");

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}, expected 1\n{result}");
        string line = Assert.Single(Lines(result.Stderr));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("missing.bpnet", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Loading_a_checkpoint_with_another_optimizer_or_a_corrupted_one_exits_1()
    {
        ChildProcess.Result saved = await Run("--optimizer", "adam", "--epochs", "1", "--save", "adam.bpnet");
        AssertSucceeded(saved);

        // Adam's state cannot go on as momentum's.
        ChildProcess.Result mismatch = await Run("--load", "adam.bpnet", "--optimizer", "momentum", "--epochs", "1");

        Assert.True(mismatch.ExitCode == 1, $"exit code {mismatch.ExitCode}, expected 1\n{mismatch}");
        string mismatchLine = Assert.Single(Lines(mismatch.Stderr));
        Assert.StartsWith("error: ", mismatchLine, StringComparison.Ordinal);
        Assert.Contains("adam", mismatchLine, StringComparison.Ordinal);
        Assert.Contains("momentum", mismatchLine, StringComparison.Ordinal);

        // A byte flipped near the end: the checksum finds it.
        string corrupted = Path.Combine(_folder, "corrupted.bpnet");
        byte[] bytes = File.ReadAllBytes(Path.Combine(_folder, "adam.bpnet"));
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(corrupted, bytes);

        ChildProcess.Result result = await Run("--load", "corrupted.bpnet", "--epochs", "1");

        Assert.True(result.ExitCode == 1, $"exit code {result.ExitCode}, expected 1\n{result}");
        string line = Assert.Single(Lines(result.Stderr));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("corrupted.bpnet", line, StringComparison.Ordinal);
    }

    /// <summary>Asserts <paramref name="line"/> is the final accuracy line and returns the accuracy.</summary>
    private static double AssertAccuracyLine(string line)
    {
        Match match = AccuracyLine().Match(line);
        Assert.True(match.Success, $"not an accuracy line: '{line}'");
        return double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static void AssertSucceeded(ChildProcess.Result result)
    {
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}, expected 0\n{result}");
        Assert.True(result.Stderr.Length == 0, $"unexpected output on stderr\n{result}");
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^accuracy: (0\.\d{4}) \(\d+/10000\)$")]
    private static partial Regex AccuracyLine();

    /// <summary>Runs <c>dotnet Mnist.dll</c> with <paramref name="arguments"/> in this test's folder.</summary>
    private Task<ChildProcess.Result> Run(params string[] arguments) => SampleProcess.Run("Mnist.dll", _folder, arguments);
}
