using BenchmarkDotNet.Running;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project tests/Backprop.Generated.Benchmarks -- --filter '*'</c>.
/// Every comparison is measured side by side in one run; read the Ratio column. <c>-- peers</c> compares
/// with NumPy (a child process), <c>-- probe</c> prints a quick TrainBatch throughput.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length == 1 && args[0] == "probe")
        {
            TrainBatchProbe.Run();
            return;
        }
        if (args.Length >= 1 && args[0] == "peers")
        {
            PeersCommand.Run(args[1..]);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
