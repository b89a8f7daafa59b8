using System;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary><see cref="ParameterInitializer.Initialize"/>: each weight layer initialised by its activation's scheme.</summary>
public sealed class InitializerTests
{
    private static float[] Initialize(int[] sizes, ActivationKind[] activations, int seed)
    {
        var parameters = new float[ParameterInitializer.CountParameters(sizes)];
        ParameterInitializer.Initialize(parameters, sizes, activations, seed);
        return parameters;
    }

    private static void AssertSameBits(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                $"parameter {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    [Theory]
    [InlineData(new[] { 784, 30, 10 }, 1)]
    [InlineData(new[] { 7, 5, 3, 2 }, 12345)]
    [InlineData(new[] { 1, 1 }, -3)]
    public void An_all_sigmoid_network_gets_exactly_the_Gaussian_initialisation(int[] sizes, int seed)
    {
        var expected = new float[ParameterInitializer.CountParameters(sizes)];
        ParameterInitializer.InitializeGaussian(expected, sizes, seed);
        var activations = new ActivationKind[sizes.Length - 1];
        Array.Fill(activations, ActivationKind.Sigmoid);

        AssertSameBits(expected, Initialize(sizes, activations, seed));
    }

    /// <summary>
    /// The parameters written out by hand from one generator: per layer, weights N(0,1)·scale, then N(0,1)
    /// biases for sigmoid layers and zeros (no draws) for the others.
    /// </summary>
    private static float[] ByHand(int[] sizes, ActivationKind[] activations, int seed)
    {
        var random = new DeterministicRandom(seed);
        var parameters = new float[ParameterInitializer.CountParameters(sizes)];
        int offset = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            int n = sizes[l - 1];
            bool he = activations[l - 1] is ActivationKind.ReLU or ActivationKind.LeakyReLU;
            for (int k = 0; k < n * sizes[l]; k++)
            {
                parameters[offset++] = (float)(random.NextGaussian() * (he ? Math.Sqrt(2.0 / n) : 1.0 / Math.Sqrt(n)));
            }
            for (int k = 0; k < sizes[l]; k++)
            {
                parameters[offset++] = activations[l - 1] == ActivationKind.Sigmoid ? (float)random.NextGaussian() : 0f;
            }
        }
        return parameters;
    }

    [Theory]
    [InlineData(ActivationKind.ReLU, ActivationKind.Sigmoid, ActivationKind.Softmax)]
    [InlineData(ActivationKind.Sigmoid, ActivationKind.LeakyReLU, ActivationKind.Identity)]
    [InlineData(ActivationKind.Tanh, ActivationKind.Tanh, ActivationKind.Sigmoid)]
    [InlineData(ActivationKind.LeakyReLU, ActivationKind.ReLU, ActivationKind.Tanh)]
    public void Mixed_layers_draw_from_one_generator_in_parameter_order(ActivationKind first, ActivationKind second, ActivationKind third)
    {
        int[] sizes = [9, 7, 5, 3];
        ActivationKind[] activations = [first, second, third];
        AssertSameBits(ByHand(sizes, activations, 77), Initialize(sizes, activations, 77));
    }

    [Theory]
    [InlineData(ActivationKind.ReLU, 2.0)]
    [InlineData(ActivationKind.LeakyReLU, 2.0)]
    [InlineData(ActivationKind.Tanh, 1.0)]
    [InlineData(ActivationKind.Identity, 1.0)]
    [InlineData(ActivationKind.Softmax, 1.0)]
    public void He_and_LeCun_layers_have_zero_biases_and_the_right_weight_variance(ActivationKind activation, double gain)
    {
        const int FanIn = 400, FanOut = 300;
        int[] sizes = [FanIn, FanOut, 10];
        float[] parameters = Initialize(sizes, [activation, activation], 5);

        // 120,000 weights: the sample variance's relative standard error is √(2/N) ≈ 0.4%.
        ReadOnlySpan<float> weights = parameters.AsSpan(0, FanIn * FanOut);
        double sum = 0, squares = 0;
        foreach (float w in weights)
        {
            sum += w;
            squares += (double)w * w;
        }
        double mean = sum / weights.Length;
        double variance = squares / weights.Length - mean * mean;
        double expected = gain / FanIn;
        Assert.True(Math.Abs(variance / expected - 1) < 0.02, $"variance {variance:E4}, expected {expected:E4}");
        Assert.True(Math.Abs(mean) < 4 * Math.Sqrt(expected / weights.Length), $"mean {mean:E4}");

        Assert.All(parameters.AsSpan(FanIn * FanOut, FanOut).ToArray(), b => Assert.Equal(0f, b));
        Assert.All(parameters.AsSpan(FanIn * FanOut + FanOut + FanOut * 10, 10).ToArray(), b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Sigmoid_layers_keep_unit_Gaussian_biases()
    {
        const int FanIn = 100, FanOut = 2000;
        float[] parameters = Initialize([FanIn, FanOut, 1], [ActivationKind.Sigmoid, ActivationKind.ReLU], 9);
        ReadOnlySpan<float> biases = parameters.AsSpan(FanIn * FanOut, FanOut);
        double squares = 0;
        foreach (float b in biases)
        {
            squares += (double)b * b;
        }
        // 2,000 biases: relative standard error of the variance ≈ 3%.
        Assert.InRange(squares / FanOut, 0.88, 1.12);
    }

    [Fact]
    public void The_same_seed_gives_the_same_parameters_and_another_seed_others()
    {
        int[] sizes = [20, 15, 10];
        ActivationKind[] activations = [ActivationKind.ReLU, ActivationKind.Softmax];
        float[] first = Initialize(sizes, activations, 42);
        AssertSameBits(first, Initialize(sizes, activations, 42));

        float[] other = Initialize(sizes, activations, 43);
        int same = 0;
        for (int i = 0; i < first.Length; i++)
        {
            if (first[i] == other[i] && first[i] != 0f)
            {
                same++;
            }
        }
        Assert.Equal(0, same);
        Assert.NotEqual(first[0], other[0]);
    }

    [Fact]
    public void Arguments_are_checked_before_anything_is_written()
    {
        int[] sizes = [4, 3, 2];
        var parameters = new float[ParameterInitializer.CountParameters(sizes)];
        Array.Fill(parameters, float.NaN);

        ArgumentException wrongCount = Assert.Throws<ArgumentException>(
            () => ParameterInitializer.Initialize(parameters, sizes, [ActivationKind.ReLU], 1));
        Assert.Equal("activations", wrongCount.ParamName);
        Assert.Throws<ArgumentException>(
            () => ParameterInitializer.Initialize(parameters, sizes, [ActivationKind.ReLU, ActivationKind.ReLU, ActivationKind.ReLU], 1));

        ArgumentException wrongLength = Assert.Throws<ArgumentException>(
            () => ParameterInitializer.Initialize(parameters.AsSpan(1), sizes, [ActivationKind.ReLU, ActivationKind.Sigmoid], 1));
        Assert.Equal("parameters", wrongLength.ParamName);
        Assert.Throws<ArgumentException>(
            () => ParameterInitializer.Initialize(new float[parameters.Length + 1], sizes, [ActivationKind.ReLU, ActivationKind.Sigmoid], 1));

        Assert.Throws<ArgumentException>(() => ParameterInitializer.Initialize(new float[2], [2], [], 1));
        Assert.Throws<ArgumentException>(() => ParameterInitializer.Initialize(new float[2], [0, 2], [ActivationKind.Sigmoid], 1));

        // An undefined activation, even in the last layer, is found before the first layer is written.
        Assert.Throws<ArgumentOutOfRangeException>(
            () => ParameterInitializer.Initialize(parameters, sizes, [ActivationKind.ReLU, (ActivationKind)0], 1));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => ParameterInitializer.Initialize(parameters, sizes, [ActivationKind.Sigmoid, (ActivationKind)7], 1));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => ParameterInitializer.Initialize(parameters, sizes, [(ActivationKind)(-1), ActivationKind.Tanh], 1));
        Assert.All(parameters, p => Assert.True(float.IsNaN(p)));
    }
}
