using System;
using System.Diagnostics;
using System.IO;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

/// <summary>
/// The generated code picks Vector512, Vector256, Vector128 or scalar code by what the hardware
/// accelerates. This machine has AVX-512, so the narrower paths are checked by rerunning every
/// numerical contract test in a child process with the wider instruction sets switched off.
/// (.NET 10 reads <c>DOTNET_EnableAVX512</c>; <c>DOTNET_EnableAVX512F</c>, the .NET 8 and 9 name, no
/// longer switches AVX-512 off there, so the AVX-512 case sets both.)
/// </summary>
public sealed class IsaFallbackTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("DOTNET_EnableAVX512F DOTNET_EnableAVX512", "Vector256")]
    [InlineData("DOTNET_EnableAVX2", "Vector128")]
    [InlineData("DOTNET_EnableHWIntrinsic", "scalar")]
    public async System.Threading.Tasks.Task The_narrower_vector_paths_pass_the_contract_tests(string switchedOff, string expectedPath)
    {
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            // On a machine without AVX-512 the check still runs, but the paths it reaches differ.
            expectedPath = string.Empty;
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(Program).Assembly.Location);
        start.ArgumentList.Add("isa-check");
        foreach (string name in new[] { "DOTNET_EnableAVX512F", "DOTNET_EnableAVX512", "DOTNET_EnableAVX2", "DOTNET_EnableHWIntrinsic" })
        {
            start.Environment.Remove(name);
        }
        foreach (string name in switchedOff.Split(' '))
        {
            start.Environment[name] = "0";
        }

        using Process process = Process.Start(start)!;
        using var timeout = new System.Threading.CancellationTokenSource(TimeSpan.FromMinutes(5));
        System.Threading.Tasks.Task<string> stderrTask = process.StandardError.ReadToEndAsync(timeout.Token);
        string stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        string stderr = await stderrTask;
        output.WriteLine(stdout);
        output.WriteLine(stderr);

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{stdout}\n{stderr}");
        Assert.Contains("failed: 0", stdout, StringComparison.Ordinal);
        Assert.Contains($"vector path: {expectedPath}", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("passed: 0,", stdout, StringComparison.Ordinal);
        Assert.True(File.Exists(typeof(Program).Assembly.Location));
    }
}
