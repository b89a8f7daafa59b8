using BenchmarkDotNet.Running;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project tests/Backprop.Generated.Benchmarks -- --filter '*'</c>.
/// Every comparison is measured side by side in one run; read the Ratio column. <c>-- peers</c> compares
/// with NumPy (a child process), <c>-- probe</c> prints a quick TrainBatch throughput, <c>-- peak</c> one core's FMA peak
/// and cache bandwidths.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "probe")
        {
            TrainBatchProbe.Run();
            return 0;
        }
        if (args.Length == 1 && args[0] == "peak")
        {
            return PeakCommand.Run();
        }
        if (args.Length >= 1 && args[0] == "peers")
        {
            return PeersCommand.Run(args[1..]);
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
