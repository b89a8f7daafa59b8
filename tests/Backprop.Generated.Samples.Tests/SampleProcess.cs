using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace Backprop.Generated.Samples.Tests;

/// <summary>Runs a sample the way a user does, <c>dotnet Sample.dll args…</c>, in a folder of the test's own, with a timeout.</summary>
internal static class SampleProcess
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <c>dotnet <paramref name="sample"/></c> with <paramref name="arguments"/> in <paramref name="folder"/>.</summary>
    public static async Task<Result> Run(string sample, string folder, params string[] arguments)
    {
        // The project reference copies the sample (its .dll, deps.json and runtimeconfig.json) next to this assembly.
        string mnist = Path.Combine(AppContext.BaseDirectory, sample);
        Assert.True(File.Exists(mnist), $"{mnist} is missing");

        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(mnist);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // The output holds η and μ: have the child write UTF-8 whatever this machine's locale.
        start.Environment["LC_ALL"] = "C.UTF-8";

        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(ProcessTimeout);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return new Result(sample, arguments, process.ExitCode, await stdout, await stderr);
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
            Assert.Fail($"{sample} {string.Join(' ', arguments)} did not end within {ProcessTimeout.TotalSeconds} s");
            throw;
        }
    }

    /// <summary>The dotnet host that runs these tests (the SDK names it), else the one on the PATH.</summary>
    private static string DotnetHost()
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
    public sealed record Result(string Sample, IReadOnlyList<string> Arguments, int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString()
            => $"$ dotnet {Sample} {string.Join(' ', Arguments)}\nexit code {ExitCode}\n--- stdout ---\n{Stdout}--- stderr ---\n{Stderr}";
    }
}
