using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

/// <summary>
/// The generated code picks Vector512, Vector256, Vector128 or scalar code by what the hardware
/// accelerates. The narrower paths are checked on any machine by rerunning every numerical contract
/// test in a child process with the wider instruction sets switched off, and by checking that the child
/// really took the path the hardware and the switch imply. (.NET 10 reads <c>DOTNET_EnableAVX512</c>;
/// <c>DOTNET_EnableAVX512F</c>, the .NET 8 and 9 name, no longer switches AVX-512 off there, so the AVX-512
/// case sets both.)
/// </summary>
public sealed class IsaFallbackTests(ITestOutputHelper output)
{
    /// <summary>The paths from the narrowest up: the order of the generated code's dispatch, reversed.</summary>
    private static readonly string[] s_paths = ["scalar", "Vector128", "Vector256", "Vector512"];

    private static readonly string[] s_switches = ["DOTNET_EnableAVX512F", "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic"];

    /// <summary>
    /// The widest path this machine's hardware gives a process started without any switch (not this process's
    /// own, which a developer may have started with a switch set).
    /// </summary>
    private static readonly Lazy<Task<string>> s_hardwarePath = new(async () =>
        PathOf((await RunChild("vector-path", []).ConfigureAwait(false)).Stdout));

    [Theory]
    [InlineData("DOTNET_EnableAVX512F DOTNET_EnableAVX512", "Vector256", "AVX512F=False")]
    [InlineData("DOTNET_EnableAVX2", "Vector128", "AVX512F=False AVX2=False")]
    [InlineData("DOTNET_EnableHWIntrinsic", "scalar", "AVX512F=False AVX2=False SSE2=False AdvSimd=False")]
    public async Task The_narrower_vector_paths_pass_the_contract_tests(string switchedOff, string widestAllowed, string instructionSets)
    {
        // What the child must take: the hardware's widest path, capped by the switch (on hardware without
        // AVX-512 the first case is the hardware's own path, on Arm both AVX switches leave Vector128).
        string hardware = await s_hardwarePath.Value;
        string expectedPath = s_paths[Math.Min(Array.IndexOf(s_paths, hardware), Array.IndexOf(s_paths, widestAllowed))];
        int expectedCases = Program.ContractCases().Count();
        output.WriteLine($"hardware path {hardware}; with {switchedOff} off expecting {expectedPath} and {expectedCases} contract cases");

        (int exitCode, string stdout, string stderr) = await RunChild("isa-check", switchedOff.Split(' '));
        output.WriteLine(stdout);
        output.WriteLine(stderr);

        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{stdout}\n{stderr}");
        Assert.Equal(expectedPath, PathOf(stdout));
        Assert.All(instructionSets.Split(' '), set => Assert.Contains(set, Line(stdout, "instruction sets"), StringComparison.Ordinal));

        // The child found the same contract cases this process sees, and ran and passed every one of them.
        Assert.True(expectedCases > 0, "no contract cases in this assembly");
        Assert.Equal($"{expectedCases}", Line(stdout, "contract cases"));
        Match result = Regex.Match(stdout, @"^passed: (\d+), failed: (\d+)\s*$", RegexOptions.Multiline);
        Assert.True(result.Success, $"no result line:\n{stdout}");
        Assert.Equal(0, int.Parse(result.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expectedCases, int.Parse(result.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Seeded training on each narrower path gives the bits <c>TestData/same-bits.txt</c> records for that path
    /// (<see cref="SameBitsTests"/> checks this process's own path).
    /// </summary>
    [Theory]
    [InlineData("DOTNET_EnableAVX512F DOTNET_EnableAVX512")]
    [InlineData("DOTNET_EnableAVX2")]
    [InlineData("DOTNET_EnableHWIntrinsic")]
    public async Task The_narrower_vector_paths_train_to_the_recorded_bits(string switchedOff)
    {
        (int exitCode, string stdout, string stderr) = await RunChild("same-bits", switchedOff.Split(' '));
        Assert.True(exitCode == 0, $"exit code {exitCode}:\n{stdout}\n{stderr}");

        Dictionary<string, string> recorded = SameBitsTests.ReadRecorded();
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(SameBitsTests.Cases.Count, lines.Length);
        foreach ((string key, string trained) in SameBitsTests.Parse(lines))
        {
            Assert.True(recorded.TryGetValue(key, out string? expected), $"same-bits.txt records nothing for '{key}'.");
            Assert.True(expected == trained, $"{key}: trained to {trained}, recorded {expected}");
        }
    }

    [Fact]
    public async Task The_hardware_path_is_what_this_process_takes_when_it_runs_without_switches()
    {
        string hardware = await s_hardwarePath.Value;
        Assert.Contains(hardware, s_paths);
        if (s_switches.All(name => Environment.GetEnvironmentVariable(name) is null))
        {
            Assert.Equal(Program.VectorPath, hardware);
        }
    }

    /// <summary>The value after "<paramref name="label"/>: " on its own line of the child's output.</summary>
    private static string Line(string stdout, string label)
    {
        Match match = Regex.Match(stdout, $"^{Regex.Escape(label)}: (.*?)\\s*$", RegexOptions.Multiline);
        Assert.True(match.Success, $"no '{label}:' line in:\n{stdout}");
        return match.Groups[1].Value;
    }

    private static string PathOf(string stdout)
    {
        string path = Line(stdout, "vector path");
        Assert.Contains(path, s_paths);
        return path;
    }

    /// <summary>Runs this assembly's entry point with <paramref name="command"/>, every switch cleared but <paramref name="switchedOff"/>.</summary>
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunChild(string command, string[] switchedOff)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add(command);
        foreach (string name in s_switches)
        {
            start.Environment.Remove(name);
        }
        foreach (string name in switchedOff)
        {
            start.Environment[name] = "0";
        }

        using Process process = Process.Start(start)!;
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(5));
        Task<string> stderrTask = process.StandardError.ReadToEndAsync(timeout.Token);
        string stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token).ConfigureAwait(false);
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        string stderr = await stderrTask.ConfigureAwait(false);
        return (process.ExitCode, stdout, stderr);
    }
}
