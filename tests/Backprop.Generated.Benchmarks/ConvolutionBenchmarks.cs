using System;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace Backprop.Generated.Benchmarks;

/// <summary>LeNet-5's first convolution alone (layer 2: its update, no error to hand back).</summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = ActivationKind.ReLU)]
public sealed partial class LeNetConv1 { }

/// <summary>LeNet-5's second convolution alone.</summary>
[Network]
[Input(6, 14, 14)]
[Conv2D(16, 5, Activation = ActivationKind.ReLU)]
public sealed partial class LeNetConv2 { }

/// <summary>
/// LeNet-5 (<see cref="LeNet5"/>) a layer at a time, to set each convolution's GFLOP/s against the machine's FMA peak:
/// per sample of a mini-batch of 10, the forward pass (<c>ForwardBatch</c>) and one SGD step (<c>TrainBatch</c>: forward,
/// error, update) of each convolution alone and of the whole network. A convolution's forward pass is
/// 2 · filters · channels · kh · kw · outputs FLOP; its update as much again; the second's error as much again.
/// <c>dotnet run -c Release --project tests/Backprop.Generated.Benchmarks -- --filter '*ConvolutionBenchmarks*'</c>
/// </summary>
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ConvolutionBenchmarks
{
    private const int Batch = 10;
    private readonly int[] _batch = Enumerable.Range(0, Batch).ToArray();
    private LeNet5 _lenet = null!;
    private LeNetConv1 _conv1 = null!;
    private LeNetConv2 _conv2 = null!;
    private float[] _images = null!, _maps = null!, _lenetTargets = null!, _conv1Targets = null!, _conv2Targets = null!;
    private float[] _lenetOutputs = null!, _conv1Outputs = null!, _conv2Outputs = null!;
    private float[] _lenetWorkspace = null!, _conv1Workspace = null!, _conv2Workspace = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new DeterministicRandom(3);
        float[] Fill(int count, bool oneHot = false)
        {
            var values = new float[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = oneHot ? (i % 10 == 3 ? 1f : 0f) : (float)random.NextDouble();
            }
            return values;
        }
        _lenet = LeNet5.Create(1);
        _conv1 = LeNetConv1.Create(1);
        _conv2 = LeNetConv2.Create(1);
        _images = Fill(Batch * LeNet5.InputSize);
        _maps = Fill(Batch * LeNetConv2.InputSize);
        _lenetTargets = Fill(Batch * LeNet5.OutputSize, oneHot: true);
        _conv1Targets = Fill(Batch * LeNetConv1.OutputSize);
        _conv2Targets = Fill(Batch * LeNetConv2.OutputSize);
        _lenetOutputs = new float[_lenetTargets.Length];
        _conv1Outputs = new float[_conv1Targets.Length];
        _conv2Outputs = new float[_conv2Targets.Length];
        _lenetWorkspace = new float[LeNet5.BatchWorkspaceSize(Batch)];
        _conv1Workspace = new float[LeNetConv1.BatchWorkspaceSize(Batch)];
        _conv2Workspace = new float[LeNetConv2.BatchWorkspaceSize(Batch)];
    }

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("conv1 5x5 1->6, 28x28 (235 KFLOP forward)")]
    public void Conv1Forward() => _conv1.ForwardBatch(_images, _conv1Outputs);

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("conv1 5x5 1->6, 28x28 (235 KFLOP forward)")]
    public float Conv1Step() => _conv1.TrainBatch(_images, _conv1Targets, _batch, 1e-6f, 1f, _conv1Workspace);

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("conv2 5x5 6->16, 10x10 (480 KFLOP forward)")]
    public void Conv2Forward() => _conv2.ForwardBatch(_maps, _conv2Outputs);

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("conv2 5x5 6->16, 10x10 (480 KFLOP forward)")]
    public float Conv2Step() => _conv2.TrainBatch(_maps, _conv2Targets, _batch, 1e-6f, 1f, _conv2Workspace);

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("LeNet-5 (2.3 MFLOP a training sample)")]
    public void LeNetForward() => _lenet.ForwardBatch(_images, _lenetOutputs);

    [Benchmark(OperationsPerInvoke = Batch), BenchmarkCategory("LeNet-5 (2.3 MFLOP a training sample)")]
    public float LeNetStep() => _lenet.TrainBatch(_images, _lenetTargets, _batch, 1e-6f, 1f, _lenetWorkspace);
}
