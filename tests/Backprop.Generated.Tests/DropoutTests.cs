using System;
using System.IO;
using System.Linq;
using Backprop.Generated.Tests.LayerNetworks;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// Dropout: the identity in inference; while training, each value kept with probability 1 − p and scaled by 1 / (1 − p),
/// the masks a function of the step's key and the sample's row, so that gradients match central differences of a twin
/// that applies the same masks, a batch split across calls sums to the same gradient, and seeded training repeats its bits.
/// </summary>
public sealed class DropoutTests
{
    private static float[] Input(int seed, int count)
    {
        var random = new DeterministicRandom(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)random.NextDouble();
        }
        return values;
    }

    private static float[] OneHot(int count, int hot)
    {
        var values = new float[count];
        values[hot % count] = 1f;
        return values;
    }

    [Fact]
    public void In_inference_dropout_passes_its_values_through()
    {
        WithDropout network = WithDropout.Create(3);
        WithoutDropout plain = WithoutDropout.Create();
        Assert.Equal(WithoutDropout.ParameterCount, WithDropout.ParameterCount);
        network.Parameters.CopyTo(plain.Parameters);
        float[] inputs = Input(1, 3 * WithDropout.InputSize);
        var expected = new float[15];
        var actual = new float[15];
        plain.ForwardBatch(inputs, expected);
        network.ForwardBatch(inputs, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void The_gradient_matches_central_differences_of_a_twin_with_the_same_masks()
    {
        WithDropout network = WithDropout.Create(5);
        var reference = LayerReference.Of<WithDropout>();
        float[] x = Input(7, WithDropout.InputSize), y = OneHot(5, 2);
        var gradient = new float[WithDropout.ParameterCount];
        float cost = network.Backprop(x, y, gradient);
        double[] p = Reference.ToDouble(network.Parameters), xd = Reference.ToDouble(x), yd = Reference.ToDouble(y);
        Assert.Equal(reference.Cost(p, xd, yd), cost, 4);

        double scale = Math.Max(1e-3, gradient.Max(Math.Abs));
        int compared = 0;
        for (int k = 0; k < WithDropout.ParameterCount; k++)
        {
            if (!reference.TryFiniteDifference(p, xd, yd, k, out double numeric))
            {
                continue;
            }
            compared++;
            Assert.True(Math.Abs(numeric - gradient[k]) <= 2e-3 * Math.Max(scale, Math.Abs(numeric)), $"∂C/∂θ[{k}]: expected {numeric:R}, got {gradient[k]:R}");
        }
        Assert.True(compared > WithDropout.ParameterCount / 2, $"only {compared} parameters away from a kink");
        // Some weights of the dropped inputs get no gradient at all: the masks really drop.
        Assert.Contains(gradient.Skip(WithDropout.Architecture.Parameters.WeightOffset(5)).Take(8 * 60), value => value == 0f);
    }

    [Fact]
    public void A_key_gives_the_same_masks_however_the_batch_is_split_and_another_key_others()
    {
        WithDropout network = WithDropout.Create(9);
        float[] inputs = Input(11, 6 * WithDropout.InputSize);
        float[] targets = Enumerable.Range(0, 6).SelectMany(s => OneHot(5, s)).ToArray();
        var workspace = new float[WithDropout.BatchWorkspaceSize(6)];
        float[] Gradient(ulong key, params int[][] parts)
        {
            var gradient = new float[WithDropout.ParameterCount];
            foreach (int[] part in parts)
            {
                network.AccumulateGradient(inputs, targets, part, gradient, workspace, key);
            }
            return gradient;
        }

        float[] whole = Gradient(42, new[] { 0, 1, 2, 3, 4, 5 });
        float[] split = Gradient(42, new[] { 0, 1 }, new[] { 2, 3, 4, 5 });
        float[] again = Gradient(42, new[] { 0, 1, 2, 3, 4, 5 });
        float[] other = Gradient(43, new[] { 0, 1, 2, 3, 4, 5 });
        Assert.Equal(whole, again);
        double scale = whole.Max(Math.Abs);
        Assert.All(whole.Zip(split), pair => Assert.True(Math.Abs(pair.First - pair.Second) <= 1e-5 * scale));
        Assert.NotEqual(whole, other);
    }

    [Fact]
    public void Dropout_of_rate_zero_trains_to_the_same_bits_as_no_dropout()
    {
        Dataset data = Images(80, 3);
        var options = new TrainingOptions { Epochs = 2, LearningRate = 0.01, Optimizer = new Adam(), Seed = 4 };
        WithoutDropout plain = WithoutDropout.Create(2);
        ZeroDropout zero = ZeroDropout.Create(2);
        Assert.Equal(plain.Parameters.ToArray(), zero.Parameters.ToArray());
        Trainer.Train(plain, data, options);
        Trainer.Train(zero, data, options);
        Assert.Equal(plain.Parameters.ToArray(), zero.Parameters.ToArray());
    }

    [Fact]
    public void Seeded_training_with_dropout_repeats_its_bits_and_another_seed_differs()
    {
        Dataset data = Images(120, 5);
        float[] Train(int seed)
        {
            var options = new TrainingOptions { Epochs = 2, LearningRate = 0.01, Optimizer = new Adam(), Seed = seed };
            WithDropout network = WithDropout.Create(1);
            Trainer.Train(network, data, options);
            return network.Parameters.ToArray();
        }
        float[] first = Train(1);
        Assert.Equal(first, Train(1));
        Assert.NotEqual(first, Train(3));
    }

    [Fact]
    public void Training_with_dropout_lowers_the_cost_and_the_file_records_the_rates()
    {
        Dataset data = Images(200, 6);
        WithDropout network = WithDropout.Create(4);
        double before = Trainer.Evaluate(network, data).MeanCost;
        Trainer.Train(network, data, new TrainingOptions { Epochs = 6, LearningRate = 0.01, Optimizer = new Adam(), Seed = 2 });
        double after = Trainer.Evaluate(network, data).MeanCost;
        Assert.True(after < 0.8 * before, $"cost {before} → {after}");

        using var stream = new MemoryStream();
        NetworkSerializer.Save(network, stream);
        stream.Position = 0;
        ModelInfo info = NetworkSerializer.ReadInfo(stream);
        Assert.Equal(WithDropout.Architecture, info.Architecture);
        Assert.Equal(new[] { 0.25, 0.5 }, info.Architecture.Layers.Where(layer => layer.Kind == LayerKind.Dropout).Select(layer => layer.Rate));
        stream.Position = 0;
        Assert.Equal(network.Parameters.ToArray(), NetworkSerializer.Load<WithDropout>(stream).Parameters.ToArray());
    }

    /// <summary>Images whose class is a brighter band of rows, as LayerTrainingTests makes them.</summary>
    private static Dataset Images(int count, int seed)
    {
        var random = new DeterministicRandom(seed);
        var inputs = new float[count * WithDropout.InputSize];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            labels[s] = random.NextInt32(5);
            for (int i = 0; i < WithDropout.InputSize; i++)
            {
                int row = i % 80 / 10;
                inputs[s * WithDropout.InputSize + i] = (float)random.NextDouble() * 0.5f + (row / 2 == labels[s] % 4 ? 0.6f : 0f);
            }
        }
        return new Dataset(inputs, labels, WithDropout.InputSize);
    }
}
