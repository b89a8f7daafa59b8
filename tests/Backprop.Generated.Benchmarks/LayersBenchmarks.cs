using System;
using BenchmarkDotNet.Attributes;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// One training epoch (60,000 Fashion-MNIST images, SGD, mini-batch 10, one thread) per activation and cost, side by
/// side, per sample: the sigmoid + cross-entropy 784-30-10 (the baseline), and 784-100-10 with sigmoid + cross-entropy,
/// ReLU + softmax/log-likelihood, tanh + softmax and leaky ReLU + softmax. To compare with the code an earlier commit
/// generates, run both side by side with <c>compare.py</c> (see docs/performance.md).
/// </summary>
/// <remarks>
/// In one process: every network trains on the same copy of the data set. Run in separate processes (BenchmarkDotNet's
/// default), the same benchmark measured 2.2 µs in one run and 2.8 µs in the next, while the spread inside each run was
/// ±1 %: where the data set's pages land (transparent huge pages or not) differs between processes, and shuffled rows
/// pay for it in TLB misses. Sharing the data makes the rows comparable.
/// </remarks>
[InProcess]
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(10)]
public class LayersBenchmarks
{
    private TrainingSession<DigitNet> _sigmoid30 = null!;
    private TrainingSession<DigitNet100> _sigmoid100 = null!;
    private TrainingSession<ReluSoftmax100> _relu100 = null!;
    private TrainingSession<TanhSoftmax100> _tanh100 = null!;
    private TrainingSession<LeakySoftmax100> _leaky100 = null!;

    [GlobalSetup]
    public void Setup()
    {
        Dataset training = BenchmarkData.FashionMnist.Training;
        TrainingOptions Options(double eta) => new() { MiniBatchSize = 10, LearningRate = eta };
        _sigmoid30 = new TrainingSession<DigitNet>(DigitNet.Create(1), training, Options(0.5));
        // The 784-100-10 networks all train as the main job does (η = 0.1), so that only the functions differ.
        _sigmoid100 = new TrainingSession<DigitNet100>(DigitNet100.Create(1), training, Options(0.1));
        _relu100 = new TrainingSession<ReluSoftmax100>(ReluSoftmax100.Create(1), training, Options(0.1));
        _tanh100 = new TrainingSession<TanhSoftmax100>(TanhSoftmax100.Create(1), training, Options(0.1));
        _leaky100 = new TrainingSession<LeakySoftmax100>(LeakySoftmax100.Create(1), training, Options(0.1));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (IDisposable session in new IDisposable[] { _sigmoid30, _sigmoid100, _relu100, _tanh100, _leaky100 })
        {
            session.Dispose();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 60_000)]
    public double Sigmoid_784_30_10() => _sigmoid30.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double Sigmoid_784_100_10() => _sigmoid100.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double ReLU_softmax_784_100_10() => _relu100.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double Tanh_softmax_784_100_10() => _tanh100.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double LeakyReLU_softmax_784_100_10() => _leaky100.RunEpoch().TrainingCost;
}
