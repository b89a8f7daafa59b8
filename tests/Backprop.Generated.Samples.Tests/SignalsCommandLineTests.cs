using System;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Backprop.Generated.TestSupport;
using Xunit;

namespace Backprop.Generated.Samples.Tests;

/// <summary>samples/Signals run as a user runs it: <c>dotnet Signals.dll</c>, which makes its own signals from a seed.</summary>
public sealed partial class SignalsCommandLineTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("signals-command-line-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_default_run_tells_the_five_kinds_apart_and_ends_with_the_test_accuracy()
    {
        ChildProcess.Result result = await Run("--save", "signals.bpnet");

        Assert.True(result.ExitCode == 0 && result.Stderr.Length == 0, result.ToString());
        string[] lines = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("Data: 10,000 training and 2,000 test signals of 128 readings (sine, triangle, square, sawtooth, noise), seed 1", lines[0]);
        Assert.StartsWith("Training 1×128 → conv 8×7 relu", lines[1], StringComparison.Ordinal);
        Assert.Equal(10, Array.FindAll(lines, line => line.StartsWith("epoch ", StringComparison.Ordinal)).Length);
        Assert.Contains(lines, line => Regex.IsMatch(line, @"^Trained 10 epochs in \d+\.\d s \([\d,]+ training samples/s\)$"));
        Assert.Contains("actual\\predicted  sine  triangle  square  sawtooth  noise", lines);
        Match match = AccuracyLine().Match(lines[^1]);
        Assert.True(match.Success, $"last line '{lines[^1]}'\n{result}");
        double accuracy = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        // 0.9235 on seed 1; chance is 0.2. Most of the rest are the noisiest sines and triangles, taken for each other.
        Assert.True(accuracy >= 0.90, $"accuracy {accuracy}\n{result}");
        Assert.True(File.Exists(Path.Combine(_folder, "signals.bpnet")), result.ToString());
    }

    [Fact]
    public async Task Help_lists_every_option_and_a_bad_value_is_one_line_with_exit_code_2()
    {
        ChildProcess.Result help = await Run("--help");

        Assert.Equal(0, help.ExitCode);
        foreach (string flag in new[] { "--train", "--test", "--epochs", "--batch", "--eta", "--seed", "--save", "--help" })
        {
            Assert.Contains("  " + flag, help.Stdout, StringComparison.Ordinal);
        }

        ChildProcess.Result usage = await Run("--epochs", "0");

        Assert.Equal(2, usage.ExitCode);
        Assert.Equal("", usage.Stdout);
        Assert.Equal("error: option --epochs needs a whole number of at least 1, not '0' (see --help)", usage.Stderr.TrimEnd());
    }

    private Task<ChildProcess.Result> Run(params string[] arguments) => SampleProcess.Run("Signals.dll", _folder, arguments);

    [GeneratedRegex(@"^accuracy: (0\.\d{4}) \(\d+/2000\)$")]
    private static partial Regex AccuracyLine();
}
