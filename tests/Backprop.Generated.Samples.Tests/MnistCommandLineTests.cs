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
/// output and error redirected. Every training run uses the small default network (784-30-10) and one or two epochs,
/// so the whole class takes seconds.
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

    [Fact]
    public async Task Help_exits_0_and_lists_every_option()
    {
        ChildProcess.Result result = await Run("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Stderr);
        string[] options =
        [
            "--data", "--network", "--hidden", "--output", "--epochs", "--batch", "--optimizer", "--eta", "--lambda",
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
    [InlineData("--optimizer rmsprop")]
    [InlineData("--momentum 0.5")]
    [InlineData("--weight-decay 0.1 --optimizer adam")]
    [InlineData("--patience 2")]
    [InlineData("--plot out.jpg")]
    [InlineData("--gamma 0.5")]
    [InlineData("--momentum 1")]
    public async Task Usage_errors_exit_2_with_one_line_on_stderr_and_nothing_on_stdout(string arguments)
    {
        ChildProcess.Result result = await Run(arguments.Split(' '));

        Assert.True(result.ExitCode == 2, $"exit code {result.ExitCode}, expected 2\n{result}");
        Assert.Equal("", result.Stdout);
        string[] lines = Lines(result.Stderr);
        Assert.True(lines.Length == 1, $"expected one line on stderr\n{result}");
        Assert.StartsWith("error: ", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("(see --help)", lines[0], StringComparison.Ordinal);
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
