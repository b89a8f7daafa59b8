using System;
using System.Diagnostics;
using System.Reflection;
using System.Threading;

namespace Backprop;

/// <summary>
/// Says once per process, on standard error, when a network being trained was compiled without optimisation (a Debug
/// build): its generated kernels then run several times slower (measured: 784-100-10 trains at about 15,000 samples/s in
/// Debug against 80,000 and more in Release), which a new user otherwise takes for the library's speed.
/// <c>BACKPROP_QUIET=1</c> in the environment silences it.
/// </summary>
internal static class DebugBuildNotice
{
    private static int s_told;

    public static void Check(Type network)
    {
        if (Volatile.Read(ref s_told) != 0 || !IsUnoptimized(network.Assembly) || Environment.GetEnvironmentVariable("BACKPROP_QUIET") == "1")
        {
            return;
        }
        if (Interlocked.Exchange(ref s_told, 1) == 0)
        {
            Console.Error.WriteLine(
                $"Backprop.Generated: {network.Name} was compiled without optimisation (a Debug build), so training runs several times slower than it can. Build in Release (dotnet run -c Release) to train at full speed; BACKPROP_QUIET=1 hides this note.");
        }
    }

    /// <summary>Whether the compiler told the JIT not to optimise <paramref name="assembly"/> (C# Debug builds do).</summary>
    internal static bool IsUnoptimized(Assembly assembly)
        => assembly.GetCustomAttribute<DebuggableAttribute>() is { IsJITOptimizerDisabled: true };
}
