using System;
using BenchmarkDotNet.Attributes;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// One training epoch of 784-100-10 ReLU + softmax (60,000 Fashion-MNIST images, mini-batch 10, one thread) per
/// optimizer, side by side, per sample. Plain SGD (the baseline) takes the network's fused <c>TrainBatch</c>; the others
/// sum the mini-batch's gradient with <c>AccumulateGradient</c> and step it with their own rule. Each optimizer runs at
/// its usual learning rate, so that the parameters stay in a realistic range.
/// </summary>
/// <remarks>In one process on one copy of the data, for the reason given on <see cref="LayersBenchmarks"/>.</remarks>
[InProcess]
[MemoryDiagnoser]
[WarmupCount(2)]
[IterationCount(10)]
public class OptimizerBenchmarks
{
    private TrainingSession<ReluSoftmax100> _sgd = null!;
    private TrainingSession<ReluSoftmax100> _momentum = null!;
    private TrainingSession<ReluSoftmax100> _nesterov = null!;
    private TrainingSession<ReluSoftmax100> _adam = null!;
    private TrainingSession<ReluSoftmax100> _adamW = null!;

    [GlobalSetup]
    public void Setup()
    {
        Dataset training = BenchmarkData.FashionMnist.Training;
        TrainingSession<ReluSoftmax100> Session(Optimizer optimizer, double eta)
            => new(ReluSoftmax100.Create(1), training, new TrainingOptions { MiniBatchSize = 10, LearningRate = eta, Optimizer = optimizer });
        _sgd = Session(Sgd.Instance, 0.1);
        _momentum = Session(new Momentum(), 0.01);
        _nesterov = Session(new Momentum { Nesterov = true }, 0.01);
        _adam = Session(new Adam(), 0.001);
        _adamW = Session(new AdamW(), 0.001);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (IDisposable session in new IDisposable[] { _sgd, _momentum, _nesterov, _adam, _adamW })
        {
            session.Dispose();
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 60_000)]
    public double Sgd_fused() => _sgd.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double Momentum() => _momentum.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double Nesterov() => _nesterov.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double Adam() => _adam.RunEpoch().TrainingCost;

    [Benchmark(OperationsPerInvoke = 60_000)]
    public double AdamW() => _adamW.RunEpoch().TrainingCost;
}
