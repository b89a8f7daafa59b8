using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Backprop.Generated.Package.Tests;

/// <summary>Runs a command the way a user types it, in a folder, with a timeout, and keeps its transcript.</summary>
internal static class Shell
{
    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="folder"/>.</summary>
    public static Task<Result> Dotnet(string folder, TimeSpan timeout, params string[] arguments)
        => Run(DotnetHost(), folder, timeout, null, arguments);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> in <paramref name="folder"/>.</summary>
    public static async Task<Result> Run(string program, string folder, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
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
        start.Environment["LC_ALL"] = "C.UTF-8";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // The test host's own MSBuild settings must not leak into the user's commands.
        foreach (string variable in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly", "VSTEST_HOST_DEBUG" })
        {
            start.Environment.Remove(variable);
        }
        if (environment is not null)
        {
            foreach ((string name, string value) in environment)
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
        string command = $"{Path.GetFileName(program)} {string.Join(' ', arguments)}";
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return new Result(command, folder, process.ExitCode, await stdout, await stderr, watch.Elapsed);
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
            Assert.Fail($"'{command}' in {folder} did not end within {timeout.TotalSeconds} s");
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

    /// <summary>What a command printed and returned; its text is the whole transcript, for assertion messages.</summary>
    public sealed record Result(string Command, string Folder, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
    {
        /// <summary>Asserts exit code 0, showing the transcript otherwise.</summary>
        public Result Succeeded()
        {
            Assert.True(ExitCode == 0, ToString());
            return this;
        }

        public override string ToString()
            => $"$ {Command}   (in {Folder}, {Elapsed.TotalSeconds:F1} s)\nexit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
    }
}
