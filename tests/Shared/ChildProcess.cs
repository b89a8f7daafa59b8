using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Backprop.Generated.TestSupport;

/// <summary>
/// Runs a program the way a user types it, in a folder, with a timeout, and keeps its transcript for assertion
/// messages. Shared by the test projects that run samples, the dotnet CLI and published binaries (linked, not
/// referenced: each test project compiles its own copy).
/// </summary>
internal static class ChildProcess
{
    /// <summary>
    /// The variables through which the test host's MSBuild would leak into a child <c>dotnet</c> command; removed for
    /// <see cref="Dotnet"/>, so that the child finds its SDK as a user's shell would.
    /// </summary>
    public static readonly IReadOnlyList<string> MsBuildVariables =
        ["MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "VSTEST_HOST_DEBUG"];

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="folder"/>, as from a user's shell.</summary>
    public static Task<Result> Dotnet(string folder, TimeSpan timeout, params string[] arguments)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        };
        foreach (string variable in MsBuildVariables)
        {
            environment[variable] = null;
        }
        return Run(DotnetHost(), folder, timeout, environment, arguments);
    }

    /// <summary>
    /// Runs <paramref name="program"/> with <paramref name="arguments"/> in <paramref name="folder"/>; <paramref name="environment"/>
    /// sets variables (a null value removes one). Fails the test if it does not end within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<Result> Run(string program, string folder, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Output may hold η, μ and ×: have the child write UTF-8 whatever this machine's locale.
        start.Environment["LC_ALL"] = "C.UTF-8";
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return new Result(program, arguments, folder, process.ExitCode, await stdout, await stderr, watch.Elapsed);
        }
        catch (OperationCanceledException)
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or Win32Exception)
            {
                // It has just ended.
            }
            Assert.Fail($"'{program} {string.Join(' ', arguments)}' in {folder} did not end within {timeout.TotalSeconds} s");
            throw;
        }
    }

    /// <summary>The dotnet host that runs these tests (the SDK names it), else the one on the PATH.</summary>
    public static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (host is { Length: > 0 } && File.Exists(host))
        {
            return host;
        }
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    /// <summary>What a run printed and returned; its text is the whole transcript, for assertion messages.</summary>
    public sealed record Result(string Program, IReadOnlyList<string> Arguments, string Folder, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        /// <summary>Asserts exit code 0, showing the transcript otherwise.</summary>
        public Result Succeeded()
        {
            Assert.True(ExitCode == 0, ToString());
            return this;
        }

        public override string ToString()
            => $"$ {Path.GetFileName(Program)} {string.Join(' ', Arguments)}   (in {Folder}, {Elapsed.TotalSeconds:F1} s)\nexit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }
}
