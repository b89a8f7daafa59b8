using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// One epoch of training 784-30-10 on Fashion-MNIST's 60,000 images (sigmoid, cross-entropy, SGD,
/// mini-batch 10, η = 0.5), one thread, side by side:
/// the plain runtime-sized C# loop (the baseline), the hand-written AVX-512 yardstick, and the
/// generated network through the runtime's <see cref="TrainingSession{TNet}"/>. Times are per
/// sample (OperationsPerInvoke); samples/s = 1 / Mean.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(10)]
public class TrainingBenchmarks
{
    private const int Samples = 60_000, BatchSize = 10;
    private const float Eta = 0.5f;

    private Dataset _training = null!;
    private float[] _targets = null!;
    private int[] _order = null!;
    private DeterministicRandom _random = null!;
    private TrainingSession<DigitNet> _session = null!;
    private NaiveNetwork _naive = null!;
    private float[] _naiveGradient = null!;
    private HandWrittenKernel? _hand;

    [GlobalSetup]
    public void Setup()
    {
        _training = BenchmarkData.FashionMnist.Training;
        _targets = BenchmarkData.Targets(_training, 10);
        _order = new int[Samples];
        for (int i = 0; i < Samples; i++)
        {
            _order[i] = i;
        }
        _random = new DeterministicRandom(1);
        _session = new TrainingSession<DigitNet>(DigitNet.Create(1), _training, new TrainingOptions { MiniBatchSize = BatchSize, LearningRate = Eta });
        _naive = new NaiveNetwork(DigitNet.LayerSizes.ToArray());
        DigitNet.Create(1).Parameters.CopyTo(_naive.Parameters);
        _naiveGradient = new float[_naive.Parameters.Length];
        if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            _hand = new HandWrittenKernel(DigitNet.Create(1));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    [Benchmark(Baseline = true, OperationsPerInvoke = Samples)]
    public void NaiveLoopEpoch()
    {
        _random.Shuffle(_order.AsSpan());
        ReadOnlySpan<float> inputs = _training.Inputs;
        float[] parameters = _naive.Parameters;
        for (int start = 0; start < Samples; start += BatchSize)
        {
            Array.Clear(_naiveGradient);
            for (int k = start; k < start + BatchSize; k++)
            {
                int row = _order[k];
                _naive.Backprop(inputs.Slice(row * 784, 784), _targets.AsSpan(row * 10, 10), _naiveGradient);
            }
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= Eta / BatchSize * _naiveGradient[i];
            }
        }
    }

    [Benchmark(OperationsPerInvoke = Samples)]
    public unsafe float HandWrittenEpoch()
    {
        if (_hand is null)
        {
            throw new PlatformNotSupportedException("The hand-written yardstick needs AVX-512.");
        }
        _random.Shuffle(_order.AsSpan());
        float cost = 0;
        fixed (float* x = _training.Inputs, y = _targets)
        fixed (int* rows = _order)
        {
            for (int start = 0; start < Samples; start += BatchSize)
            {
                cost += _hand.TrainBatch(x, y, rows + start, rows + Math.Min(start + BatchSize, Samples - BatchSize), Eta, 1f);
            }
        }
        return cost;
    }

    [Benchmark(OperationsPerInvoke = Samples)]
    public double GeneratedEpoch() => _session.RunEpoch().TrainingCost;
}

/// <summary>
/// The first epoch of a fresh process, JIT compilation included (each launch runs exactly one):
/// the cold start a user sees. Per sample, as <see cref="TrainingBenchmarks"/>.
/// </summary>
[SimpleJob(RunStrategy.ColdStart, launchCount: 5, warmupCount: 0, iterationCount: 1)]
public class ColdStartBenchmarks
{
    private TrainingSession<DigitNet> _session = null!;

    [GlobalSetup]
    public void Setup()
    {
        DatasetSplit data = BenchmarkData.FashionMnist;
        _session = new TrainingSession<DigitNet>(DigitNet.Create(1), data.Training, new TrainingOptions { MiniBatchSize = 10, LearningRate = 0.5 });
    }

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double FirstEpoch() => _session.RunEpoch().TrainingCost;
}

/// <summary>
/// <see cref="TrainingOptions.Threads"/> on this machine: an epoch of 784-30-10 on Fashion-MNIST
/// with one and two threads, for small and large mini-batches. Per sample.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(8)]
public class ThreadScalingBenchmarks
{
    private TrainingSession<DigitNet> _session = null!;

    [Params(10, 100, 1000)]
    public int MiniBatch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        DatasetSplit data = BenchmarkData.FashionMnist;
        _session = new TrainingSession<DigitNet>(DigitNet.Create(1), data.Training,
            new TrainingOptions { MiniBatchSize = MiniBatch, LearningRate = 0.5, Threads = Threads });
    }

    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double Epoch() => _session.RunEpoch().TrainingCost;
}
