using System;
using System.Diagnostics;

namespace Backprop.Generated.Benchmarks;

/// <summary>A quick, non-BenchmarkDotNet probe of TrainBatch throughput: `-- probe`.</summary>
public static class TrainBatchProbe
{
    public static unsafe void Run()
    {
        const int count = 60_000, batchSize = 10;
        var random = new DeterministicRandom(1);
        var inputs = new float[count * 784];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }
        var targets = new float[count * 10];
        for (int s = 0; s < count; s++)
        {
            targets[s * 10 + s % 10] = 1f;
        }
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        DigitNet network = DigitNet.Create(1);
        var workspace = new float[DigitNet.BatchWorkspaceSize(batchSize)];
        for (int epoch = 1; epoch <= 5; epoch++)
        {
            random.Shuffle(order.AsSpan());
            var clock = Stopwatch.StartNew();
            double cost = 0;
            for (int start = 0; start < count; start += batchSize)
            {
                int upcoming = Math.Min(batchSize, count - start - batchSize);
                cost += network.TrainBatch(inputs, targets, order.AsSpan(start, batchSize), 0.1f, 1f - 0.1f * 5f / count, workspace, order.AsSpan(start + batchSize, upcoming));
            }
            clock.Stop();
            Console.WriteLine($"epoch {epoch}: {count / clock.Elapsed.TotalSeconds,12:N0} samples/s, mean cost {cost / count:F4}, JIT so far {System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F1} ms in {System.Runtime.JitInfo.GetCompiledMethodCount()} methods");
        }

        var hand = new HandWrittenKernel(DigitNet.Create(1));
        fixed (float* x = inputs, y = targets)
        fixed (int* rows = order)
        {
            for (int epoch = 1; epoch <= 5; epoch++)
            {
                random.Shuffle(order.AsSpan());
                var clock = Stopwatch.StartNew();
                double cost = 0;
                for (int start = 0; start < count; start += batchSize)
                {
                    cost += hand.TrainBatch(x, y, rows + start, rows + Math.Min(start + batchSize, count - batchSize), 0.1f, 1f - 0.1f * 5f / count);
                }
                clock.Stop();
                Console.WriteLine($"hand epoch {epoch}: {count / clock.Elapsed.TotalSeconds,12:N0} samples/s, mean cost {cost / count:F4}");
            }
        }
    }
}
