using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// The same network sizes generated as unrolled straight-line code and as blocked SIMD code,
/// side by side (blocked is the baseline): the measurement behind <c>UnrollMode.Auto</c>.
/// </summary>
[GenericTypeArguments(typeof(Full231), typeof(Blocked231))]
[GenericTypeArguments(typeof(Full463), typeof(Blocked463))]
[GenericTypeArguments(typeof(Full777), typeof(Blocked777))]
[GenericTypeArguments(typeof(Full483), typeof(Blocked483))]
[GenericTypeArguments(typeof(Full888), typeof(Blocked888))]
[GenericTypeArguments(typeof(Full12104), typeof(Blocked12104))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ShapeBenchmarks<TUnrolled, TBlocked>
    where TUnrolled : class, INetwork<TUnrolled>
    where TBlocked : class, INetwork<TBlocked>
{
    private TUnrolled _unrolled = null!;
    private TBlocked _blocked = null!;
    private float[] _input = null!;
    private float[] _target = null!;
    private float[] _output = null!;
    private float[] _gradient = null!;

    [GlobalSetup]
    public void Setup()
    {
        _unrolled = TUnrolled.Create(1);
        _blocked = TBlocked.Create(1);
        _input = new float[TUnrolled.InputSize];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (i % 5) / 5f;
        }
        _target = new float[TUnrolled.OutputSize];
        _target[0] = 1f;
        _output = new float[TUnrolled.OutputSize];
        _gradient = new float[TUnrolled.ParameterCount];
    }

    [Benchmark(Baseline = true), BenchmarkCategory("Forward")]
    public void BlockedForward() => _blocked.Forward(_input, _output);

    [Benchmark, BenchmarkCategory("Forward")]
    public void UnrolledForward() => _unrolled.Forward(_input, _output);

    [Benchmark(Baseline = true), BenchmarkCategory("Backprop")]
    public float BlockedBackprop() => _blocked.Backprop(_input, _target, _gradient);

    [Benchmark, BenchmarkCategory("Backprop")]
    public float UnrolledBackprop() => _unrolled.Backprop(_input, _target, _gradient);
}
