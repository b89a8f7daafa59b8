using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// One sample's Forward and Backprop of 784-30-10: the generated network against the same math
/// written as plain runtime-sized loops (the baseline of each category), on the same parameters.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class KernelBenchmarks
{
    private DigitNet _network = null!;
    private NaiveNetwork _naive = null!;
    private float[] _input = null!;
    private float[] _target = null!;
    private float[] _output = null!;
    private float[] _gradient = null!;
    private Full231 _tiny = null!;
    private float[] _tinyInput = null!, _tinyOutput = null!;
    private float[] _batchInputs = null!, _batchOutputs = null!;
    private const int BatchCount = 1000;

    [GlobalSetup]
    public void Setup()
    {
        _network = DigitNet.Create(1);
        _naive = new NaiveNetwork(DigitNet.LayerSizes.ToArray());
        _network.Parameters.CopyTo(_naive.Parameters);
        var random = new DeterministicRandom(2);
        _input = new float[784];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)random.NextDouble();
        }
        _target = new float[10];
        _target[3] = 1f;
        _output = new float[10];
        _gradient = new float[DigitNet.ParameterCount];
        _tiny = Full231.Create(1);
        _tinyInput = new[] { 0.25f, 0.75f };
        _tinyOutput = new float[1];
        _batchInputs = new float[BatchCount * 784];
        for (int i = 0; i < _batchInputs.Length; i++)
        {
            _batchInputs[i] = (float)random.NextDouble();
        }
        _batchOutputs = new float[BatchCount * 10];
        Check();
    }

    /// <summary>The two sides must compute the same thing, or the ratio means nothing.</summary>
    private void Check()
    {
        var expected = new float[10];
        _naive.Forward(_input, expected);
        _network.Forward(_input, _output);
        for (int k = 0; k < 10; k++)
        {
            if (Math.Abs(expected[k] - _output[k]) > 1e-4f)
            {
                throw new InvalidOperationException($"Generated and naive Forward disagree at {k}: {_output[k]} vs {expected[k]}.");
            }
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Forward")]
    public void NaiveForward() => _naive.Forward(_input, _output);

    [Benchmark, BenchmarkCategory("Forward")]
    public void GeneratedForward() => _network.Forward(_input, _output);

    [Benchmark, BenchmarkCategory("Forward")]
    public void GeneratedForward231() => _tiny.Forward(_tinyInput, _tinyOutput);

    /// <summary>ForwardBatch of 1,000 samples, per sample.</summary>
    [Benchmark(OperationsPerInvoke = BatchCount), BenchmarkCategory("Forward")]
    public void GeneratedForwardBatch() => _network.ForwardBatch(_batchInputs, _batchOutputs);

    [Benchmark(Baseline = true), BenchmarkCategory("Backprop")]
    public float NaiveBackprop() => _naive.Backprop(_input, _target, _gradient);

    [Benchmark, BenchmarkCategory("Backprop")]
    public float GeneratedBackprop() => _network.Backprop(_input, _target, _gradient);
}
