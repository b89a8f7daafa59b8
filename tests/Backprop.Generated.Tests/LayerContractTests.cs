using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Backprop.Generated.Tests.LayerNetworks;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// The contract of networks declared layer by layer, checked against their double-precision twin
/// (<see cref="LayerReference"/>) and central finite differences: the outputs, ∂C/∂θ of one sample and of a batch, the
/// batched forward pass, one SGD step, and the parameter layout (PyTorch's weight tensors as stored).
/// </summary>
public abstract class LayerContractTests<TNet> where TNet : class, INetwork<TNet>
{
    /// <summary>At most this many parameters are checked against finite differences (all of them when fewer).</summary>
    protected virtual int FiniteDifferenceSamples => 400;

    /// <summary>The SGD step size of the training test: small for an unbounded (identity) output, which larger steps overshoot.</summary>
    protected virtual float LearningRate => 0.5f;

    private static (float[] X, float[] Y) Sample(int seed)
    {
        var random = new DeterministicRandom(seed);
        var x = new float[TNet.InputSize];
        var y = new float[TNet.OutputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(2 * random.NextDouble() - 0.5);
        }
        if (TNet.Cost == CostKind.LogLikelihood)
        {
            y[random.NextInt32(y.Length)] = 1f;
        }
        else
        {
            for (int i = 0; i < y.Length; i++)
            {
                y[i] = TNet.Cost == CostKind.CrossEntropy ? random.NextInt32(2) : (float)(3 * random.NextDouble() - 1.5);
            }
        }
        return (x, y);
    }

    private static void AssertClose(double expected, double actual, double relative, double scale, string what)
    {
        double error = Math.Abs(expected - actual);
        Assert.True(error <= relative * Math.Max(scale, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R} (error {error:E2})");
    }

    [Fact]
    public void Forward_matches_the_double_precision_reference()
    {
        TNet network = TNet.Create(3);
        var reference = LayerReference.Of<TNet>();
        double[] p = Reference.ToDouble(network.Parameters);
        for (int seed = 0; seed < 4; seed++)
        {
            (float[] x, _) = Sample(seed);
            var output = new float[TNet.OutputSize];
            network.Forward(x, output);
            double[] expected = reference.Forward(p, Reference.ToDouble(x));
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < output.Length; i++)
            {
                AssertClose(expected[i], output[i], 2e-5, scale, $"sample {seed}, a^L[{i}]");
            }
        }
    }

    [Fact]
    public void Gradient_matches_central_finite_differences_of_the_reference()
    {
        TNet network = TNet.Create(5);
        var reference = LayerReference.Of<TNet>();
        for (int seed = 10; seed < 12; seed++)
        {
            (float[] x, float[] y) = Sample(seed);
            var gradient = new float[TNet.ParameterCount];
            float cost = network.Backprop(x, y, gradient);
            double[] p = Reference.ToDouble(network.Parameters), xd = Reference.ToDouble(x), yd = Reference.ToDouble(y);
            AssertClose(reference.Cost(p, xd, yd), cost, 1e-5, 1, "C_x");

            double scale = Math.Max(1e-3, gradient.Max(Math.Abs));
            var random = new DeterministicRandom(seed);
            int count = Math.Min(FiniteDifferenceSamples, TNet.ParameterCount), compared = 0;
            for (int n = 0; n < count; n++)
            {
                int k = count == TNet.ParameterCount ? n : random.NextInt32(TNet.ParameterCount);
                if (!reference.TryFiniteDifference(p, xd, yd, k, out double numeric))
                {
                    continue;
                }
                compared++;
                AssertClose(numeric, gradient[k], 2e-3, scale, $"sample {seed}, ∂C/∂θ[{k}]");
            }
            Assert.True(compared >= count / 2, $"only {compared} of {count} parameters away from a kink");
        }
    }

    [Fact]
    public void ForwardBatch_and_AccumulateGradient_agree_with_one_sample_at_a_time()
    {
        TNet network = TNet.Create(9);
        const int samples = 7;
        var inputs = new float[samples * TNet.InputSize];
        var targets = new float[samples * TNet.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            (float[] x, float[] y) = Sample(100 + s);
            x.CopyTo(inputs, s * TNet.InputSize);
            y.CopyTo(targets, s * TNet.OutputSize);
        }

        var outputs = new float[samples * TNet.OutputSize];
        network.ForwardBatch(inputs, outputs);
        var expectedGradient = new float[TNet.ParameterCount];
        float expectedCost = 0f;
        for (int s = 0; s < samples; s++)
        {
            var output = new float[TNet.OutputSize];
            network.Forward(inputs.AsSpan(s * TNet.InputSize, TNet.InputSize), output);
            for (int i = 0; i < output.Length; i++)
            {
                AssertClose(output[i], outputs[s * TNet.OutputSize + i], 1e-5, 1, $"sample {s}, output {i}");
            }
            expectedCost += network.Backprop(inputs.AsSpan(s * TNet.InputSize, TNet.InputSize), targets.AsSpan(s * TNet.OutputSize, TNet.OutputSize), expectedGradient);
        }

        int[] batch = { 6, 0, 3, 1, 5, 2, 4 };
        var gradient = new float[TNet.ParameterCount];
        var workspace = new float[TNet.BatchWorkspaceSize(batch.Length)];
        float cost = network.AccumulateGradient(inputs, targets, batch, gradient, workspace);
        AssertClose(expectedCost, cost, 1e-4, 1, "Σ_x C_x");
        double scale = expectedGradient.Max(Math.Abs);
        for (int k = 0; k < gradient.Length; k++)
        {
            AssertClose(expectedGradient[k], gradient[k], 1e-4, scale, $"Σ_x ∂C_x/∂θ[{k}]");
        }

        // One SGD step: θ ← θ − (η/m) Σ_x ∂C_x/∂θ.
        float[] before = network.Parameters.ToArray();
        const float eta = 0.1f;
        network.TrainBatch(inputs, targets, batch, eta, 1f, workspace);
        for (int k = 0; k < before.Length; k++)
        {
            AssertClose(before[k] - eta / batch.Length * expectedGradient[k], network.Parameters[k], 1e-4, 1e-3, $"θ[{k}] after one step");
        }
    }

    [Fact]
    public void Forward_Backprop_and_TrainBatch_allocate_nothing()
    {
        TNet network = TNet.Create(2);
        (float[] x, float[] y) = Sample(700);
        var output = new float[TNet.OutputSize];
        var gradient = new float[TNet.ParameterCount];
        var inputs = new float[3 * TNet.InputSize];
        var outputs = new float[3 * TNet.OutputSize];
        var targets = new float[3 * TNet.OutputSize];
        int[] batch = [2, 0, 1];
        var workspace = new float[TNet.BatchWorkspaceSize(batch.Length)];
        void Calls()
        {
            network.Forward(x, output);
            network.Backprop(x, y, gradient);
            network.ForwardBatch(inputs, outputs);
            network.TrainBatch(inputs, targets, batch, 1e-4f, 1f, workspace);
        }
        Calls();

        // Up to three passes, as the dense contract measures: a one-time allocation of the runtime can fall into one.
        long allocated = 0;
        for (int pass = 0; pass < 3; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                Calls();
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0)
            {
                break;
            }
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void The_architecture_describes_the_declared_layers()
    {
        NetworkArchitecture architecture = TNet.Architecture;
        Assert.Equal(TNet.InputSize, architecture.InputSize);
        Assert.Equal(TNet.OutputSize, architecture.OutputSize);
        Assert.Equal(TNet.ParameterCount, architecture.ParameterCount);
        Assert.Equal(TNet.ParameterCount, TNet.Create().Parameters.Length);
        Assert.Equal(TNet.LayerSizes.ToArray(), architecture.LayerSizes.ToArray());
        // Each layer takes what the one before gives; its parameters follow the previous layer's.
        int offset = 0;
        for (int i = 0; i < architecture.Layers.Count; i++)
        {
            LayerInfo layer = architecture.Layers[i];
            Assert.Equal(offset, architecture.Parameters.WeightOffset(i + 2));
            Assert.Equal(offset + layer.WeightCount, architecture.Parameters.BiasOffset(i + 2));
            offset += layer.ParameterCount;
            Assert.Equal(i == 0 ? architecture.Input.Size : architecture.Layers[i - 1].Output.Size, layer.Input.Size);
        }
        Assert.Equal(TNet.ParameterCount, offset);
    }

    [Fact]
    public void Saves_and_loads_with_its_layers()
    {
        TNet network = TNet.Create(4);
        using var stream = new MemoryStream();
        NetworkSerializer.Save(network, stream);

        stream.Position = 0;
        ModelInfo info = NetworkSerializer.ReadInfo(stream);
        Assert.Equal(TNet.Architecture.IsDenseChain ? 2 : 3, info.FormatVersion);
        Assert.Equal(TNet.Architecture, info.Architecture);
        Assert.Equal(TNet.LayerSizes.ToArray(), info.LayerSizes.ToArray());

        stream.Position = 0;
        TNet loaded = NetworkSerializer.Load<TNet>(stream);
        Assert.Equal(network.Parameters.ToArray(), loaded.Parameters.ToArray());

        stream.Position = 0;
        ModelData model = NetworkSerializer.ReadModel(stream);
        Assert.Equal(TNet.Architecture, model.Architecture);
        Assert.Equal(TNet.Architecture.Declaration, model.NetworkDeclaration);
    }

    [Fact]
    public void Training_lowers_the_cost()
    {
        const int samples = 40;
        var inputs = new float[samples * TNet.InputSize];
        var targets = new float[samples * TNet.OutputSize];
        for (int s = 0; s < samples; s++)
        {
            (float[] x, float[] y) = Sample(500 + s);
            x.CopyTo(inputs, s * TNet.InputSize);
            y.CopyTo(targets, s * TNet.OutputSize);
        }
        TNet network = TNet.Create(1);
        var outputs = new float[targets.Length];
        float before = network.Evaluate(inputs, targets, outputs);
        var workspace = new float[TNet.BatchWorkspaceSize(samples)];
        int[] batch = Enumerable.Range(0, samples).ToArray();
        for (int step = 0; step < 200; step++)
        {
            network.TrainBatch(inputs, targets, batch, LearningRate, 1f, workspace);
        }
        float after = network.Evaluate(inputs, targets, outputs);
        Assert.True(after < 0.9 * before, $"cost {before} → {after}");
    }
}

public sealed class ConvPoolSoftmaxContract : LayerContractTests<ConvPoolSoftmax> { }

public sealed class StridedConvStackContract : LayerContractTests<StridedConvStack> { }

public sealed class Signal1DContract : LayerContractTests<Signal1D> { }

public sealed class PoolFirstConvOutputContract : LayerContractTests<PoolFirstConvOutput>
{
    protected override float LearningRate => 0.05f;
}

public sealed class KernelMixContract : LayerContractTests<KernelMix> { }

public sealed class WithDropoutAllocation
{
    [Fact]
    public void Training_with_dropout_allocates_nothing()
    {
        WithDropout network = WithDropout.Create(2);
        var inputs = new float[3 * WithDropout.InputSize];
        var targets = new float[3 * WithDropout.OutputSize];
        var gradient = new float[WithDropout.ParameterCount];
        int[] batch = [2, 0, 1];
        var workspace = new float[WithDropout.BatchWorkspaceSize(batch.Length)];
        network.TrainBatch(inputs, targets, batch, 1e-4f, 1f, workspace);
        network.AccumulateGradient(inputs, targets, batch, gradient, workspace, 7);
        long allocated = 0;
        for (int pass = 0; pass < 3 && (pass == 0 || allocated != 0); pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                network.TrainBatch(inputs, targets, batch, 1e-4f, 1f, workspace);
                network.AccumulateGradient(inputs, targets, batch, gradient, workspace, (ulong)i);
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(0, allocated);
    }
}

public sealed class LeNet5Contract : LayerContractTests<LeNet5>
{
    protected override int FiniteDifferenceSamples => 300;
}

public sealed class DenseByLayersContract : LayerContractTests<DenseByLayers> { }

/// <summary>A dense chain declared layer by layer is the network its sizes declare: the same layers, file and bits.</summary>
public sealed class LayerDeclarationTests
{
    [Fact]
    public void A_dense_chain_declared_layer_by_layer_is_the_network_of_its_sizes()
    {
        Assert.Equal(DenseBySizes.Architecture, DenseByLayers.Architecture);
        Assert.True(DenseByLayers.Architecture.IsDenseChain);
        Assert.Equal(DenseBySizes.Architecture.Declaration, DenseByLayers.Architecture.Declaration);

        DenseBySizes bySizes = DenseBySizes.Create(8);
        DenseByLayers byLayers = DenseByLayers.Create(8);
        Assert.Equal(bySizes.Parameters.ToArray(), byLayers.Parameters.ToArray());

        var random = new DeterministicRandom(3);
        const int samples = 20;
        var inputs = new float[samples * 12];
        var targets = new float[samples * 4];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }
        for (int s = 0; s < samples; s++)
        {
            targets[s * 4 + random.NextInt32(4)] = 1f;
        }
        var workspace = new float[DenseBySizes.BatchWorkspaceSize(5)];
        for (int step = 0; step < 12; step++)
        {
            int[] batch = Enumerable.Range(step % 4 * 5, 5).ToArray();
            float a = bySizes.TrainBatch(inputs, targets, batch, 0.3f, 1f, workspace);
            float b = byLayers.TrainBatch(inputs, targets, batch, 0.3f, 1f, workspace);
            Assert.Equal(BitConverter.SingleToInt32Bits(a), BitConverter.SingleToInt32Bits(b));
        }
        Assert.Equal(bySizes.Parameters.ToArray(), byLayers.Parameters.ToArray());

        using var first = new MemoryStream();
        using var second = new MemoryStream();
        NetworkSerializer.Save(bySizes, first);
        NetworkSerializer.Save(byLayers, second);
        Assert.Equal(first.ToArray(), second.ToArray());
    }

    [Fact]
    public void A_baked_convolutional_network_holds_its_file_bit_for_bit_and_computes_like_it()
    {
        BakedConvNet baked = BakedConvNet.CreateTrained();
        string path = Path.Combine(AppContext.BaseDirectory, "TestData", "baked-conv.bpnet.b64");
        Assert.Equal(3, NetworkSerializer.ReadInfo(path).FormatVersion);
        ConvPoolSoftmax loaded = ConvPoolSoftmax.Create();
        using (FileStream stream = File.OpenRead(path))
        {
            // The same layers under another name: ReadModel, then the parameters.
            ModelData model = NetworkSerializer.ReadModel(stream, path);
            Assert.Equal(BakedConvNet.Architecture, model.Architecture);
            model.Parameters.CopyTo(loaded.Parameters);
        }
        Assert.Equal(loaded.Parameters.ToArray(), baked.Parameters.ToArray());
        Assert.Contains(baked.Parameters.ToArray(), value => value != 0);

        var input = new float[BakedConvNet.InputSize];
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = i % 7 / 7f;
        }
        var expected = new float[5];
        var actual = new float[5];
        loaded.Forward(input, expected);
        baked.Forward(input, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_file_of_other_layers_with_the_same_sizes_is_refused()
    {
        using var stream = new MemoryStream();
        NetworkSerializer.Save(ConvPoolSoftmax.Create(1), stream);
        stream.Position = 0;
        ModelFormatException e = Assert.Throws<ModelFormatException>(() => NetworkSerializer.Load<StridedConvStack>(stream, "conv.bpnet"));
        Assert.Equal(ModelFormatError.ShapeMismatch, e.Reason);
        Assert.Contains("conv.bpnet", e.Message, StringComparison.Ordinal);
    }
}

/// <summary>The runtime's training on a convolutional network: every optimizer steps it, and a checkpoint resumes it exactly.</summary>
public sealed class LayerTrainingTests
{
    private static Dataset RandomImages(int count, int seed)
    {
        var random = new DeterministicRandom(seed);
        var inputs = new float[count * ConvPoolSoftmax.InputSize];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            labels[s] = random.NextInt32(ConvPoolSoftmax.OutputSize);
            for (int i = 0; i < ConvPoolSoftmax.InputSize; i++)
            {
                // A class is a brighter band of rows: learnable, and not by a single pixel.
                int row = i % (8 * 10) / 10;
                inputs[s * ConvPoolSoftmax.InputSize + i] = (float)random.NextDouble() * 0.5f + (row / 2 == labels[s] % 4 ? 0.6f : 0f);
            }
        }
        return new Dataset(inputs, labels, ConvPoolSoftmax.InputSize);
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "momentum", "nesterov", "adam", "adamw" };

    private static Optimizer Create(string name) => name switch
    {
        "sgd" => new Sgd(),
        "momentum" => new Momentum(),
        "nesterov" => new Momentum { Nesterov = true },
        "adam" => new Adam(),
        _ => new AdamW(),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void Every_optimizer_trains_a_convolutional_network(string optimizer)
    {
        Dataset data = RandomImages(200, 1);
        var options = new TrainingOptions
        {
            Epochs = 4, LearningRate = optimizer.StartsWith("adam", StringComparison.Ordinal) ? 0.01 : 0.05,
            Optimizer = Create(optimizer), Seed = 3,
        };
        ConvPoolSoftmax network = ConvPoolSoftmax.Create(2);
        double before = Trainer.Evaluate(network, data).MeanCost;
        IReadOnlyList<EpochResult> epochs = Trainer.Train(network, data, options);
        double after = Trainer.Evaluate(network, data).MeanCost;
        Assert.Equal(4, epochs.Count);
        Assert.True(after < 0.7 * before, $"{optimizer}: cost {before} → {after}");
    }

    [Fact]
    public void A_checkpoint_resumes_a_convolutional_network_to_the_same_bits()
    {
        Dataset data = RandomImages(120, 5);
        var options = new TrainingOptions { Epochs = 4, LearningRate = 0.01, Optimizer = new Adam(), Seed = 9 };
        string path = Path.Combine(Path.GetTempPath(), "bpg-conv-" + Guid.NewGuid().ToString("N") + ".bpnet");
        try
        {
            using var straight = new TrainingSession<ConvPoolSoftmax>(ConvPoolSoftmax.Create(4), data, options);
            for (int epoch = 0; epoch < 4; epoch++)
            {
                straight.RunEpoch();
            }

            using (var first = new TrainingSession<ConvPoolSoftmax>(ConvPoolSoftmax.Create(4), data, options))
            {
                first.RunEpoch();
                first.RunEpoch();
                first.SaveCheckpoint(path);
            }
            using var resumed = new TrainingSession<ConvPoolSoftmax>(ConvPoolSoftmax.Create(0), data, options);
            resumed.LoadCheckpoint(path);
            resumed.RunEpoch();
            resumed.RunEpoch();
            Assert.Equal(straight.Network.Parameters.ToArray(), resumed.Network.Parameters.ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
