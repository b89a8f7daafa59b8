using System;
using System.Linq;
using System.Threading.Tasks;
using Backprop.Generated.Tests.FileScoped;
using Backprop.Generated.Tests.Networks;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// The contract every generated network keeps, checked numerically against <see cref="Reference"/>
/// and central finite differences. One concrete class per network below.
/// </summary>
public abstract class NetworkContractTests<TNet> where TNet : class, INetwork<TNet>
{
    /// <summary>How many parameters the finite-difference test perturbs (all of them for small networks).</summary>
    protected virtual int FiniteDifferenceSamples => 300;

    /// <summary>How many samples the reference comparisons run.</summary>
    protected virtual int Samples => 4;

    private static int[] Sizes => TNet.LayerSizes.ToArray();

    private static (float[] X, float[] Y) Sample(int seed)
    {
        var random = new DeterministicRandom(seed);
        var x = new float[TNet.InputSize];
        var y = new float[TNet.OutputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)random.NextDouble();
        }
        for (int k = 0; k < y.Length; k++)
        {
            // Mostly one-hot-like targets, with a soft one in between.
            y[k] = k % 3 == 0 ? 1f : k % 3 == 1 ? 0f : (float)random.NextDouble();
        }
        return (x, y);
    }

    /// <summary>|actual − expected| within a tolerance relative to the vector's scale.</summary>
    private static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double relative, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 1;
        foreach (double e in expected)
        {
            scale = Math.Max(scale, Math.Abs(e));
        }
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            if (!(error <= relative * scale))
            {
                Assert.Fail($"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (error {error:E2}, allowed {relative * scale:E2})");
            }
        }
    }

    [Fact]
    public void Shape_members_agree_with_each_other()
    {
        int[] sizes = Sizes;
        Assert.True(sizes.Length >= 2);
        Assert.Equal(sizes[0], TNet.InputSize);
        Assert.Equal(sizes[^1], TNet.OutputSize);
        Assert.Equal(ParameterInitializer.CountParameters(sizes), TNet.ParameterCount);
        Assert.Equal(TNet.ParameterCount, TNet.Create().Parameters.Length);
        Assert.Equal(ActivationKind.Sigmoid, TNet.HiddenActivation);
        Assert.Equal(ActivationKind.Sigmoid, TNet.OutputActivation);
        Assert.Equal(CostKind.CrossEntropy, TNet.Cost);
    }

    [Fact]
    public void A_new_network_has_all_parameters_zero_and_outputs_one_half()
    {
        TNet network = TNet.Create();
        Assert.All(network.Parameters.ToArray(), value => Assert.Equal(0f, value));
        var output = new float[TNet.OutputSize];
        network.Forward(Sample(1).X, output);
        Assert.All(output, value => Assert.Equal(0.5f, value));
    }

    [Fact]
    public void Forward_matches_the_reference()
    {
        for (int seed = 1; seed <= Samples; seed++)
        {
            TNet network = TNet.Create(seed);
            (float[] x, _) = Sample(100 + seed);
            var output = new float[TNet.OutputSize];
            network.Forward(x, output);
            double[] expected = Reference.Forward(Sizes, Reference.ToDouble(network.Parameters), Reference.ToDouble(x));
            AssertClose(expected, output, 2e-5, "a^L");
        }
    }

    [Fact]
    public void Backprop_matches_the_reference_gradient_and_cost()
    {
        for (int seed = 1; seed <= Samples; seed++)
        {
            TNet network = TNet.Create(seed);
            (float[] x, float[] y) = Sample(200 + seed);
            var gradient = new float[TNet.ParameterCount];
            float cost = network.Backprop(x, y, gradient);

            double[] p = Reference.ToDouble(network.Parameters);
            double expectedCost = Reference.Cost(Sizes, p, Reference.ToDouble(x), Reference.ToDouble(y));
            Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)),
                $"cost: expected {expectedCost:R}, got {cost:R}");
            AssertClose(Reference.Gradient(Sizes, p, Reference.ToDouble(x), Reference.ToDouble(y)), gradient, 1e-4, "∂C/∂θ");
        }
    }

    [Fact]
    public void Gradient_matches_central_finite_differences()
    {
        TNet network = TNet.Create(7);
        (float[] x, float[] y) = Sample(300);
        var gradient = new float[TNet.ParameterCount];
        network.Backprop(x, y, gradient);

        int[] sizes = Sizes;
        double[] p = Reference.ToDouble(network.Parameters);
        double[] xd = Reference.ToDouble(x), yd = Reference.ToDouble(y);
        double scale = Math.Max(1, gradient.Max(Math.Abs));

        var random = new DeterministicRandom(11);
        int count = Math.Min(FiniteDifferenceSamples, TNet.ParameterCount);
        for (int n = 0; n < count; n++)
        {
            // Every parameter when they are few; otherwise the last ones (biases and the output layer) and a random spread.
            int k = count == TNet.ParameterCount ? n
                : n < count / 4 ? TNet.ParameterCount - 1 - n
                : random.NextInt32(TNet.ParameterCount);
            double numeric = Reference.FiniteDifference(sizes, p, xd, yd, k);
            Assert.True(Math.Abs(gradient[k] - numeric) <= 1e-4 * scale,
                $"∂C/∂θ[{k}]: backprop {gradient[k]:R}, finite difference {numeric:R}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(131)]
    public void ForwardBatch_matches_Forward_sample_by_sample(int count)
    {
        TNet network = TNet.Create(12);
        var inputs = new float[count * TNet.InputSize];
        var random = new DeterministicRandom(count);
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }
        var outputs = new float[count * TNet.OutputSize];
        network.ForwardBatch(inputs, outputs);

        var expected = new float[TNet.OutputSize];
        for (int s = 0; s < count; s++)
        {
            network.Forward(inputs.AsSpan(s * TNet.InputSize, TNet.InputSize), expected);
            for (int k = 0; k < TNet.OutputSize; k++)
            {
                Assert.True(Math.Abs(expected[k] - outputs[s * TNet.OutputSize + k]) <= 1e-5f,
                    $"sample {s}, output {k}: Forward {expected[k]:R}, ForwardBatch {outputs[s * TNet.OutputSize + k]:R}");
            }
        }
    }

    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(3, 5.0)]
    [InlineData(10, 5.0)]
    [InlineData(13, 0.5)]
    public void TrainBatch_takes_the_reference_gradient_step(int m, double lambda)
    {
        const int rows = 17;
        const double eta = 0.25, n = 1000;
        TNet network = TNet.Create(21);
        var inputs = new float[rows * TNet.InputSize];
        var targets = new float[rows * TNet.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            (float[] x, float[] y) = Sample(900 + r);
            x.CopyTo(inputs, r * TNet.InputSize);
            y.CopyTo(targets, r * TNet.OutputSize);
        }
        int[] batch = Enumerable.Range(0, m).Select(k => (k * 7 + 3) % rows).ToArray();

        int[] sizes = Sizes;
        double[] before = Reference.ToDouble(network.Parameters);
        var sum = new double[before.Length];
        double expectedCost = 0;
        foreach (int r in batch)
        {
            double[] x = Reference.ToDouble(inputs.AsSpan(r * TNet.InputSize, TNet.InputSize));
            double[] y = Reference.ToDouble(targets.AsSpan(r * TNet.OutputSize, TNet.OutputSize));
            expectedCost += Reference.Cost(sizes, before, x, y);
            double[] g = Reference.Gradient(sizes, before, x, y);
            for (int k = 0; k < sum.Length; k++)
            {
                sum[k] += g[k];
            }
        }

        double decay = 1 - eta * lambda / n;
        var workspace = new float[TNet.BatchWorkspaceSize(m)];
        float cost = network.TrainBatch(inputs, targets, batch, (float)eta, (float)decay, workspace);
        Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, expectedCost), $"cost: expected {expectedCost:R}, got {cost:R}");

        var expected = new double[before.Length];
        bool[] isWeight = WeightMask(sizes);
        for (int k = 0; k < expected.Length; k++)
        {
            expected[k] = (isWeight[k] ? decay : 1) * before[k] - eta / m * sum[k];
        }
        AssertClose(expected, network.Parameters, 2e-5, "θ after the step");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(11)]
    public void AccumulateGradient_adds_the_sum_of_the_per_sample_gradients(int m)
    {
        const int rows = 13;
        TNet network = TNet.Create(8);
        var inputs = new float[rows * TNet.InputSize];
        var targets = new float[rows * TNet.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            (float[] x, float[] y) = Sample(1000 + r);
            x.CopyTo(inputs, r * TNet.InputSize);
            y.CopyTo(targets, r * TNet.OutputSize);
        }
        int[] batch = Enumerable.Range(0, m).Select(k => (k * 5 + 2) % rows).ToArray();

        var expected = new float[TNet.ParameterCount];
        Array.Fill(expected, 0.5f);
        double expectedCost = 0;
        foreach (int r in batch)
        {
            expectedCost += network.Backprop(inputs.AsSpan(r * TNet.InputSize, TNet.InputSize), targets.AsSpan(r * TNet.OutputSize, TNet.OutputSize), expected);
        }

        var gradient = new float[TNet.ParameterCount];
        Array.Fill(gradient, 0.5f);
        float cost = network.AccumulateGradient(inputs, targets, batch, gradient, new float[TNet.BatchWorkspaceSize(m)]);

        Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, expectedCost), $"cost: expected {expectedCost:R}, got {cost:R}");
        AssertClose(Reference.ToDouble(expected), gradient, 1e-5, "Σ ∂C_x/∂θ");
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(
            () => network.AccumulateGradient(inputs, targets, batch, gradient[..^1], new float[TNet.BatchWorkspaceSize(m)])).ParamName);
    }

    [Fact]
    public void The_upcoming_rows_hint_changes_no_result()
    {
        const int rows = 9;
        var random = new DeterministicRandom(77);
        var inputs = new float[rows * TNet.InputSize];
        var targets = new float[rows * TNet.OutputSize];
        for (int i = 0; i < inputs.Length; i++)
        {
            inputs[i] = (float)random.NextDouble();
        }
        for (int i = 0; i < targets.Length; i += 2)
        {
            targets[i] = 1f;
        }
        TNet plain = TNet.Create(3), hinted = TNet.Create(3);
        var workspace = new float[TNet.BatchWorkspaceSize(4)];

        float plainCost = plain.TrainBatch(inputs, targets, [1, 5, 2, 8], 0.3f, 0.999f, workspace);
        float hintedCost = hinted.TrainBatch(inputs, targets, [1, 5, 2, 8], 0.3f, 0.999f, workspace, [0, 3, 4, 6, 7]);

        Assert.Equal(plainCost, hintedCost);
        Assert.Equal(plain.Parameters.ToArray(), hinted.Parameters.ToArray());
        ArgumentOutOfRangeException e = Assert.Throws<ArgumentOutOfRangeException>(
            () => hinted.TrainBatch(inputs, targets, [1], 0.3f, 1f, workspace, [2, rows]));
        Assert.Equal("upcoming", e.ParamName);
    }

    /// <summary>Which parameters are weights (true) and which biases (false), from the layout.</summary>
    private static bool[] WeightMask(int[] sizes)
    {
        var mask = new bool[ParameterInitializer.CountParameters(sizes)];
        for (int l = 1, offset = 0; l < sizes.Length; l++)
        {
            int weights = sizes[l - 1] * sizes[l];
            mask.AsSpan(offset, weights).Fill(true);
            offset += weights + sizes[l];
        }
        return mask;
    }

    [Fact]
    public void TrainBatch_rejects_bad_arguments_without_touching_the_parameters()
    {
        TNet network = TNet.Create(1);
        float[] before = network.Parameters.ToArray();
        var inputs = new float[3 * TNet.InputSize];
        var targets = new float[3 * TNet.OutputSize];
        var workspace = new float[TNet.BatchWorkspaceSize(2)];

        Assert.Equal("inputs", Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs[..^1], targets, [0, 1], 0.1f, 1f, workspace)).ParamName);
        Assert.Equal("targets", Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs, targets[..^1], [0, 1], 0.1f, 1f, workspace)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs, targets, [], 0.1f, 1f, workspace)).ParamName);
        ArgumentOutOfRangeException row = Assert.Throws<ArgumentOutOfRangeException>(() => network.TrainBatch(inputs, targets, [0, 3], 0.1f, 1f, workspace));
        Assert.Equal("batch", row.ParamName);
        Assert.Contains("batch[1] = 3", row.Message, StringComparison.Ordinal);
        var small = new float[TNet.BatchWorkspaceSize(3) - 1];
        Assert.Equal("workspace", Assert.Throws<ArgumentException>(() => network.TrainBatch(inputs, targets, [0, 1, 2], 0.1f, 1f, small)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => TNet.BatchWorkspaceSize(0));
        Assert.Equal("outputs", Assert.Throws<ArgumentException>(() => network.ForwardBatch(inputs, new float[2 * TNet.OutputSize])).ParamName);
        Assert.Equal(before, network.Parameters.ToArray());
    }

    [Fact]
    public void Backprop_adds_into_the_gradient()
    {
        TNet network = TNet.Create(3);
        (float[] x, float[] y) = Sample(400);
        var once = new float[TNet.ParameterCount];
        network.Backprop(x, y, once);
        var twice = new float[TNet.ParameterCount];
        Array.Fill(twice, 1f);
        network.Backprop(x, y, twice);
        network.Backprop(x, y, twice);
        for (int k = 0; k < once.Length; k++)
        {
            if (!(Math.Abs(twice[k] - (1f + 2f * once[k])) <= 1e-5f * Math.Max(1f, Math.Abs(once[k]))))
            {
                Assert.Fail($"θ[{k}]: once {once[k]:R}, twice from 1: {twice[k]:R}");
            }
        }
    }

    [Fact]
    public void Cost_and_gradient_stay_finite_when_outputs_saturate()
    {
        TNet network = TNet.Create(5);
        Span<float> parameters = network.Parameters;
        for (int k = 0; k < parameters.Length; k++)
        {
            parameters[k] = parameters[k] * 200f + (k % 2 == 0 ? 60f : -60f);
        }
        (float[] x, float[] y) = Sample(500);
        var gradient = new float[TNet.ParameterCount];
        float cost = network.Backprop(x, y, gradient);
        Assert.True(float.IsFinite(cost), $"cost {cost}");
        Assert.All(gradient, value => Assert.True(float.IsFinite(value)));

        double expected = Reference.Cost(Sizes, Reference.ToDouble(network.Parameters), Reference.ToDouble(x), Reference.ToDouble(y));
        Assert.True(Math.Abs(cost - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"cost: expected {expected:R}, got {cost:R}");

        var output = new float[TNet.OutputSize];
        network.Forward(x, output);
        Assert.All(output, value => Assert.InRange(value, 0f, 1f));
    }

    [Fact]
    public void A_NaN_input_gives_NaN_outputs_not_a_plausible_answer()
    {
        TNet network = TNet.Create(5);
        (float[] x, _) = Sample(600);
        Array.Fill(x, float.NaN);
        var output = new float[TNet.OutputSize];
        network.Forward(x, output);
        Assert.All(output, value => Assert.True(float.IsNaN(value), $"got {value}"));
    }

    [Fact]
    public void Spans_of_the_wrong_length_throw_ArgumentException_naming_the_parameter_and_length()
    {
        TNet network = TNet.Create(1);
        var x = new float[TNet.InputSize];
        var y = new float[TNet.OutputSize];
        var g = new float[TNet.ParameterCount];

        ArgumentException error = Assert.Throws<ArgumentException>(() => network.Forward(new float[TNet.InputSize + 1], y));
        Assert.Equal("input", error.ParamName);
        Assert.Contains($"exactly {TNet.InputSize} elements", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => network.Forward(x, new float[TNet.OutputSize + 1]));
        Assert.Equal("output", error.ParamName);
        Assert.Contains($"exactly {TNet.OutputSize} elements", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentException>(() => network.Backprop(x[..^1], y, g));
        Assert.Equal("input", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => network.Backprop(x, new float[TNet.OutputSize + 2], g));
        Assert.Equal("target", error.ParamName);

        error = Assert.Throws<ArgumentException>(() => network.Backprop(x, y, g[..^1]));
        Assert.Equal("gradient", error.ParamName);
        Assert.Contains($"exactly {TNet.ParameterCount} elements", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Forward_and_Backprop_allocate_nothing()
    {
        TNet network = TNet.Create(2);
        (float[] x, float[] y) = Sample(700);
        var output = new float[TNet.OutputSize];
        var gradient = new float[TNet.ParameterCount];
        network.Forward(x, output);
        network.Backprop(x, y, gradient);

        var outputs = new float[3 * TNet.OutputSize];
        var inputs = new float[3 * TNet.InputSize];
        int[] batch = [2, 0, 1];
        var targets = new float[3 * TNet.OutputSize];
        var workspace = new float[TNet.BatchWorkspaceSize(batch.Length)];
        network.ForwardBatch(inputs, outputs);
        network.TrainBatch(inputs, targets, batch, 0.01f, 1f, workspace);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            network.Forward(x, output);
            network.Backprop(x, y, gradient);
            network.ForwardBatch(inputs, outputs);
            network.TrainBatch(inputs, targets, batch, 0.01f, 1f, workspace);
        }
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void One_instance_serves_many_threads_at_once()
    {
        TNet network = TNet.Create(9);
        (float[] x, float[] y) = Sample(800);
        var expectedOutput = new float[TNet.OutputSize];
        network.Forward(x, expectedOutput);
        var expectedGradient = new float[TNet.ParameterCount];
        float expectedCost = network.Backprop(x, y, expectedGradient);

        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ =>
        {
            var output = new float[TNet.OutputSize];
            var gradient = new float[TNet.ParameterCount];
            for (int repeat = 0; repeat < 4; repeat++)
            {
                network.Forward(x, output);
                Assert.Equal(expectedOutput, output);
            }
            Assert.Equal(expectedCost, network.Backprop(x, y, gradient));
            Assert.Equal(expectedGradient, gradient);
        });
    }

    [Fact]
    public void The_same_seed_gives_the_same_parameters_and_another_seed_others()
    {
        float[] first = TNet.Create(42).Parameters.ToArray();
        float[] again = TNet.Create(42).Parameters.ToArray();
        float[] other = TNet.Create(43).Parameters.ToArray();
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);

        TNet reinitialised = TNet.Create(7);
        reinitialised.InitializeParameters(42);
        Assert.Equal(first, reinitialised.Parameters.ToArray());
    }

    [Fact]
    public void Writes_to_Parameters_reach_the_network()
    {
        TNet network = TNet.Create();
        network.Parameters[^1] = 50f; // the last output neuron's bias
        var output = new float[TNet.OutputSize];
        network.Forward(new float[TNet.InputSize], output);
        Assert.Equal(1f, output[^1], 1e-6f);
    }
}

public sealed class Net231Contract : NetworkContractTests<Net231> { }

public sealed class Net231BlockedContract : NetworkContractTests<Net231Blocked> { }

public sealed class DigitNetContract : NetworkContractTests<DigitNet> { }

public sealed class DigitNet100Contract : NetworkContractTests<DigitNet100>
{
    protected override int Samples => 2;
}

public sealed class FiveLayerContract : NetworkContractTests<FiveLayer>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class SingleLayerContract : NetworkContractTests<SingleLayer> { }

public sealed class SingleWideContract : NetworkContractTests<SingleWide> { }

public sealed class BottleneckContract : NetworkContractTests<Bottleneck>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledMidContract : NetworkContractTests<UnrolledMid>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class NestedNetContract : NetworkContractTests<Outer.Middle.NestedNet> { }

public sealed class GenericNestedContract : NetworkContractTests<GenericOuter<int>.Net> { }

public sealed class WithConstructorContract : NetworkContractTests<WithConstructor> { }

public sealed class GlobalNetContract : NetworkContractTests<GlobalNet> { }

public sealed class FileScopedContract : NetworkContractTests<FileScopedNet> { }

public sealed class BigNetContract : NetworkContractTests<BigNet>
{
    protected override int FiniteDifferenceSamples => 24;

    protected override int Samples => 1;
}
