using System;
using System.IO;
using System.Threading.Tasks;
using Backprop.Generated.TestSupport;
using Xunit;

namespace Backprop.Generated.Samples.Tests;

/// <summary>Runs a sample the way a user does, <c>dotnet Sample.dll args…</c>, in a folder of the test's own, with a timeout.</summary>
internal static class SampleProcess
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Runs <c>dotnet <paramref name="sample"/></c> with <paramref name="arguments"/> in <paramref name="folder"/>.</summary>
    public static Task<ChildProcess.Result> Run(string sample, string folder, params string[] arguments)
    {
        // The project reference copies the sample (its .dll, deps.json and runtimeconfig.json) next to this assembly.
        string program = Path.Combine(AppContext.BaseDirectory, sample);
        Assert.True(File.Exists(program), $"{program} is missing");
        return ChildProcess.Run(ChildProcess.DotnetHost(), folder, ProcessTimeout, null, [program, .. arguments]);
    }
}
