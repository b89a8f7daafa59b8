using BenchmarkDotNet.Running;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project tests/Backprop.Generated.Benchmarks -- --filter '*'</c>.
/// Every comparison is measured side by side in one run; read the Ratio column.
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
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
