using System;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using Backprop.Generated.Tests.FileScoped;
using Backprop.Generated.Tests.Networks;
using Xunit;

namespace Backprop.Generated.Tests;

/// <summary>
/// The contract every generated network keeps, checked numerically against its double-precision twin
/// (<see cref="ReferenceNet"/>, built from the network's own <c>Activations</c> and <c>Cost</c>) and central
/// finite differences. One concrete class per network below.
/// </summary>
public abstract class NetworkContractTests<TNet> where TNet : class, INetwork<TNet>
{
    /// <summary>How many parameters the finite-difference test perturbs (all of them for small networks).</summary>
    protected virtual int FiniteDifferenceSamples => 300;

    /// <summary>How many samples the reference comparisons run.</summary>
    protected virtual int Samples => 4;

    private static int[] Sizes => TNet.LayerSizes.ToArray();

    /// <summary>The network's double-precision twin: its sizes, activations and cost.</summary>
    private static ReferenceNet Twin => ReferenceNet.Of<TNet>();

    /// <summary>Whether the output layer's values are bounded (sigmoid, tanh, softmax) rather than growing with z.</summary>
    private static bool BoundedOutput => TNet.OutputActivation is ActivationKind.Sigmoid or ActivationKind.Tanh or ActivationKind.Softmax;

    /// <summary>
    /// An input in [0, 1) and a target whose kind depends on <paramref name="seed"/> % 3: 0, a mixed target
    /// (ones, zeros and soft values in [0, 1]; for unbounded outputs values in [−1.5, 1.5]) that does not sum
    /// to 1; 1, a one-hot target; 2, a probability distribution (positive, summing to 1). The log-likelihood's
    /// δ^L = (Σ y) a − y is checked both where Σ y = 1 and where it is not.
    /// </summary>
    private static (float[] X, float[] Y) Sample(int seed)
    {
        var random = new DeterministicRandom(seed);
        var x = new float[TNet.InputSize];
        var y = new float[TNet.OutputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)random.NextDouble();
        }
        switch (seed % 3)
        {
            case 0:
                for (int k = 0; k < y.Length; k++)
                {
                    y[k] = TNet.OutputActivation is ActivationKind.Sigmoid or ActivationKind.Softmax
                        ? k % 3 == 0 ? 1f : k % 3 == 1 ? 0f : (float)random.NextDouble()
                        : (float)(3 * random.NextDouble() - 1.5);
                }
                break;
            case 1:
                y[random.NextInt32(y.Length)] = 1f;
                break;
            default:
                float total = 0;
                for (int k = 0; k < y.Length; k++)
                {
                    y[k] = (float)random.NextDouble() + 0.01f;
                    total += y[k];
                }
                for (int k = 0; k < y.Length; k++)
                {
                    y[k] /= total;
                }
                break;
        }
        return (x, y);
    }

    /// <summary>f(0) of the output activation: what a network whose parameters are all zero outputs.</summary>
    private static float OutputAtZero => TNet.OutputActivation switch
    {
        ActivationKind.Sigmoid => 0.5f,
        ActivationKind.Softmax => 1f / TNet.OutputSize,
        ActivationKind.Tanh or ActivationKind.ReLU or ActivationKind.LeakyReLU or ActivationKind.Identity => 0f,
        ActivationKind other => throw new InvalidOperationException($"No f(0) for {other}."),
    };

    /// <summary>
    /// |actual − expected| within a tolerance relative to the vector's scale (its largest magnitude, at least 1).
    /// </summary>
    /// <remarks>
    /// The tolerances are the float computation's error against double, with room: float's ε is 6·10⁻⁸ and a
    /// dot product of n terms is off by up to ~n·ε of its terms' magnitude in the worst case, ~√n·ε typically.
    /// Outputs (2·10⁻⁵) and costs (10⁻⁵, relative) come from one pass; gradients (10⁻⁴) from a forward and a
    /// backward pass through every layer, products of both passes' errors for networks of up to ~2,000-wide
    /// dot products. Float exponentials (sigmoid, tanh, softmax) are accurate to a few ε and change none of it.
    /// A real bug, such as a wrong derivative, a missing Σ y or a transposed weight, is off by 10⁻² or more.
    /// </remarks>
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

        // What the attribute declares: Activations, or HiddenActivation for layers 2..L−1 and OutputActivation for L.
        NetworkAttribute attribute = typeof(TNet).GetCustomAttribute<NetworkAttribute>()
            ?? throw new InvalidOperationException($"{typeof(TNet)} has no [Network].");
        ActivationKind[] declared = attribute.Activations
            ?? Enumerable.Repeat(attribute.HiddenActivation, sizes.Length - 2).Append(attribute.OutputActivation).ToArray();
        ActivationKind[] activations = TNet.Activations.ToArray();
        Assert.Equal(declared, activations);
        Assert.Equal(sizes.Length - 1, activations.Length);
        Assert.Equal(activations[^1], TNet.OutputActivation);
        Assert.Equal(attribute.Cost, TNet.Cost);
        Assert.All(activations, f => Assert.True(Enum.IsDefined(f), $"{f}"));
        Assert.True(Enum.IsDefined(TNet.Cost), $"{TNet.Cost}");

        // Only valid combinations are generated.
        Assert.DoesNotContain(ActivationKind.Softmax, activations[..^1]);
        if (TNet.Cost == CostKind.CrossEntropy)
        {
            Assert.Equal(ActivationKind.Sigmoid, TNet.OutputActivation);
        }
        if (TNet.Cost == CostKind.LogLikelihood)
        {
            Assert.Equal(ActivationKind.Softmax, TNet.OutputActivation);
        }
    }

    [Fact]
    public void A_new_network_has_all_parameters_zero_and_outputs_f_of_zero()
    {
        // Zero weights and biases give z^L = 0 whatever the hidden layers: sigmoid ½, softmax 1/n, the others 0.
        TNet network = TNet.Create();
        Assert.All(network.Parameters.ToArray(), value => Assert.Equal(0f, value));
        var output = new float[TNet.OutputSize];
        network.Forward(Sample(1).X, output);
        float expected = OutputAtZero;
        Assert.All(output, value => Assert.Equal(expected, value, 1e-7f));
    }

    [Fact]
    public void Initialisation_follows_each_layer_activation()
    {
        // Sigmoid layers: w ~ N(0, 1)/√n_in, b ~ N(0, 1). ReLU and leaky ReLU: He, w ~ N(0, 1)·√(2/n_in), b = 0.
        // Tanh, identity, softmax: LeCun, w ~ N(0, 1)/√n_in, b = 0. The weights' root mean square is checked where a
        // layer has at least 200 of them: its standard error is then under 5 %, so ±20 % is four of them, and He's
        // √2 is far outside it.
        int[] sizes = Sizes;
        ActivationKind[] activations = TNet.Activations.ToArray();
        float[] p = TNet.Create(5).Parameters.ToArray();
        for (int l = 1, offset = 0; l < sizes.Length; l++)
        {
            int inputs = sizes[l - 1], outputs = sizes[l], weights = inputs * outputs;
            ActivationKind f = activations[l - 1];
            ReadOnlySpan<float> w = p.AsSpan(offset, weights), b = p.AsSpan(offset + weights, outputs);
            offset += weights + outputs;

            if (f == ActivationKind.Sigmoid)
            {
                Assert.True(b.ToArray().Any(v => v != 0f), $"layer {l + 1} ({f}): the biases are all zero");
            }
            else
            {
                Assert.True(b.ToArray().All(v => v == 0f), $"layer {l + 1} ({f}): the biases are not all zero");
            }
            Assert.True(w.ToArray().Any(v => v != 0f), $"layer {l + 1} ({f}): the weights are all zero");

            if (weights >= 200)
            {
                double expected = f is ActivationKind.ReLU or ActivationKind.LeakyReLU ? Math.Sqrt(2.0 / inputs) : 1 / Math.Sqrt(inputs);
                double squares = 0;
                foreach (float v in w)
                {
                    squares += (double)v * v;
                }
                double rms = Math.Sqrt(squares / weights);
                Assert.True(Math.Abs(rms / expected - 1) <= 0.2, $"layer {l + 1} ({f}): weight RMS {rms:G4}, expected {expected:G4}");
            }
        }
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
            double[] expected = Twin.Forward(Reference.ToDouble(network.Parameters), Reference.ToDouble(x));
            AssertClose(expected, output, 2e-5, "a^L");
            if (TNet.OutputActivation == ActivationKind.Softmax)
            {
                Assert.Equal(1.0, output.Sum(v => (double)v), 1e-5);
            }
        }
    }

    [Fact]
    public void Backprop_matches_the_reference_gradient_and_cost()
    {
        // Seeds 201.. give targets of every kind in turn (mixed, one-hot, a distribution: see Sample).
        ReferenceNet twin = Twin;
        for (int seed = 1; seed <= Samples; seed++)
        {
            TNet network = TNet.Create(seed);
            (float[] x, float[] y) = Sample(200 + seed);
            var gradient = new float[TNet.ParameterCount];
            float cost = network.Backprop(x, y, gradient);

            double[] p = Reference.ToDouble(network.Parameters);
            double expectedCost = twin.Cost(p, Reference.ToDouble(x), Reference.ToDouble(y));
            Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)),
                $"target kind {(200 + seed) % 3}, cost: expected {expectedCost:R}, got {cost:R}");
            AssertClose(twin.Gradient(p, Reference.ToDouble(x), Reference.ToDouble(y)), gradient, 1e-4, $"target kind {(200 + seed) % 3}, ∂C/∂θ");
        }
    }

    [Fact]
    public void Backprop_at_z_equal_to_zero_keeps_the_pinned_derivatives()
    {
        // Where z is exactly 0, ReLU'(0) = 0 and LeakyReLU'(0) = 0.01 are conventions that no finite difference can
        // check, and f(0) is ½, 1/n or 0: the reference pins each of them. All parameters zero put every z at 0, which
        // checks the output layer's f'(0) (the hidden ones are multiplied by zero weights). A zero input into an
        // initialised network (non-sigmoid layers have zero biases) puts z at 0 in every layer from the first up to
        // the first sigmoid layer, behind nonzero weights: that checks the hidden layers' f'(0).
        ZeroZ(TNet.Create(), Sample(202));
        (float[] x, float[] y) = Sample(203);
        Array.Clear(x);
        ZeroZ(TNet.Create(4), (x, y));
    }

    private void ZeroZ(TNet network, (float[] X, float[] Y) sample)
    {
        var gradient = new float[TNet.ParameterCount];
        float cost = network.Backprop(sample.X, sample.Y, gradient);

        double[] p = Reference.ToDouble(network.Parameters), xd = Reference.ToDouble(sample.X), yd = Reference.ToDouble(sample.Y);
        double expectedCost = Twin.Cost(p, xd, yd);
        Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)), $"cost: expected {expectedCost:R}, got {cost:R}");
        AssertClose(Twin.Gradient(p, xd, yd), gradient, 1e-5, "∂C/∂θ where z = 0");
    }

    [Fact]
    public void Gradient_matches_central_finite_differences()
    {
        // A mixed target; for the log-likelihood also a one-hot one, whose Σ y = 1 makes δ^L = a − y.
        GradientMatchesFiniteDifferences(300);
        if (TNet.Cost == CostKind.LogLikelihood)
        {
            GradientMatchesFiniteDifferences(301);
        }
    }

    private void GradientMatchesFiniteDifferences(int sample)
    {
        TNet network = TNet.Create(7);
        (float[] x, float[] y) = Sample(sample);
        var gradient = new float[TNet.ParameterCount];
        network.Backprop(x, y, gradient);

        ReferenceNet twin = Twin;
        double[] p = Reference.ToDouble(network.Parameters);
        double[] xd = Reference.ToDouble(x), yd = Reference.ToDouble(y);
        double scale = Math.Max(1, gradient.Max(Math.Abs));

        var random = new DeterministicRandom(11);
        int count = Math.Min(FiniteDifferenceSamples, TNet.ParameterCount), compared = 0;
        for (int n = 0; n < count; n++)
        {
            // Every parameter when they are few; otherwise the last ones (biases and the output layer) and a random spread.
            int k = count == TNet.ParameterCount ? n
                : n < count / 4 ? TNet.ParameterCount - 1 - n
                : random.NextInt32(TNet.ParameterCount);
            // A step that moves a ReLU across its kink has no derivative to compare with: skip it.
            if (!twin.TryFiniteDifference(p, xd, yd, k, out double numeric))
            {
                continue;
            }
            compared++;
            Assert.True(Math.Abs(gradient[k] - numeric) <= 1e-4 * scale,
                $"target {sample}, ∂C/∂θ[{k}]: backprop {gradient[k]:R}, finite difference {numeric:R}");
        }
        Assert.True(compared >= count * 3 / 4, $"only {compared} of {count} parameters are away from a kink");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(19)]
    public void Evaluate_returns_the_reference_cost_and_the_outputs_of_ForwardBatch(int count)
    {
        TNet network = TNet.Create(14);
        var inputs = new float[count * TNet.InputSize];
        var targets = new float[count * TNet.OutputSize];
        for (int s = 0; s < count; s++)
        {
            (float[] x, float[] y) = Sample(1200 + s);
            x.CopyTo(inputs, s * TNet.InputSize);
            y.CopyTo(targets, s * TNet.OutputSize);
        }
        var outputs = new float[count * TNet.OutputSize];
        float cost = network.Evaluate(inputs, targets, outputs);

        var expectedOutputs = new float[count * TNet.OutputSize];
        network.ForwardBatch(inputs, expectedOutputs);
        Assert.Equal(expectedOutputs, outputs);

        ReferenceNet twin = Twin;
        double[] p = Reference.ToDouble(network.Parameters);
        double expectedCost = 0;
        for (int s = 0; s < count; s++)
        {
            expectedCost += twin.Cost(p,
                Reference.ToDouble(inputs.AsSpan(s * TNet.InputSize, TNet.InputSize)),
                Reference.ToDouble(targets.AsSpan(s * TNet.OutputSize, TNet.OutputSize)));
        }
        Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)), $"cost: expected {expectedCost:R}, got {cost:R}");
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
        ReferenceNet twin = Twin;
        double[] before = Reference.ToDouble(network.Parameters);
        var sum = new double[before.Length];
        double expectedCost = 0;
        foreach (int r in batch)
        {
            double[] x = Reference.ToDouble(inputs.AsSpan(r * TNet.InputSize, TNet.InputSize));
            double[] y = Reference.ToDouble(targets.AsSpan(r * TNet.OutputSize, TNet.OutputSize));
            expectedCost += twin.Cost(before, x, y);
            twin.AddGradient(before, x, y, sum);
        }

        double decay = 1 - eta * lambda / n;
        var workspace = new float[TNet.BatchWorkspaceSize(m)];
        float cost = network.TrainBatch(inputs, targets, batch, (float)eta, (float)decay, workspace);
        Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)), $"cost: expected {expectedCost:R}, got {cost:R}");

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

        Assert.True(Math.Abs(cost - expectedCost) <= 1e-5 * Math.Max(1, Math.Abs(expectedCost)), $"cost: expected {expectedCost:R}, got {cost:R}");
        AssertClose(Reference.ToDouble(expected), gradient, 1e-5, "Σ ∂C_x/∂θ");
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(
            () => network.AccumulateGradient(inputs, targets, batch, gradient[..^1], new float[TNet.BatchWorkspaceSize(m)])).ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void UpdateBatch_hands_every_parameter_its_batch_sum_exactly_once(int m)
    {
        const int rows = 11;
        TNet network = TNet.Create(31);
        var inputs = new float[rows * TNet.InputSize];
        var targets = new float[rows * TNet.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            (float[] x, float[] y) = Sample(1200 + r);
            x.CopyTo(inputs, r * TNet.InputSize);
            y.CopyTo(targets, r * TNet.OutputSize);
        }
        int[] batch = Enumerable.Range(0, m).Select(k => (k * 4 + 1) % rows).ToArray();
        int count = TNet.ParameterCount;
        var gradient = new float[count];
        float expectedCost = network.AccumulateGradient(inputs, targets, batch, gradient, new float[TNet.BatchWorkspaceSize(m)]);

        // [θ | recorded sums | calls | kind (1 weight, 2 bias)]: the update writes beside each parameter, never on it.
        var span = new float[4 * count];
        network.Parameters.CopyTo(span);
        var update = new RecordingUpdate(count);
        float cost = TNet.UpdateBatch(span, inputs, targets, batch, ref update, new float[TNet.BatchWorkspaceSize(m)]);

        Assert.Equal(expectedCost, cost);
        Assert.Equal(network.Parameters.ToArray(), span[..count]);
        Assert.Equal(gradient, span[count..(2 * count)]);
        bool[] isWeight = WeightMask(Sizes);
        for (int k = 0; k < count; k++)
        {
            Assert.True(span[2 * count + k] == 1, $"parameter {k} was handed to the update {span[2 * count + k]} times");
            Assert.True(span[3 * count + k] == (isWeight[k] ? 1 : 2), $"parameter {k} is a {(isWeight[k] ? "weight" : "bias")} but went to the other method");
        }
    }

    [Fact]
    public void UpdateBatch_with_SgdUpdate_is_TrainBatch_bit_for_bit()
    {
        const int rows = 9;
        TNet trained = TNet.Create(5), updated = TNet.Create(5);
        var inputs = new float[rows * TNet.InputSize];
        var targets = new float[rows * TNet.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            (float[] x, float[] y) = Sample(1300 + r);
            x.CopyTo(inputs, r * TNet.InputSize);
            y.CopyTo(targets, r * TNet.OutputSize);
        }
        int[] batch = [2, 7, 7, 0, 5];
        var workspace = new float[TNet.BatchWorkspaceSize(batch.Length)];
        float trainedCost = trained.TrainBatch(inputs, targets, batch, 0.3f, 0.998f, workspace);
        var parameters = updated.Parameters.ToArray();
        var update = new SgdUpdate(0.3f / batch.Length, 0.998f);
        float updatedCost = TNet.UpdateBatch(parameters, inputs, targets, batch, ref update, workspace);

        Assert.Equal(trainedCost, updatedCost);
        Assert.Equal(trained.Parameters.ToArray(), parameters);
        Assert.Equal("parameters", Assert.Throws<ArgumentException>(
            () => TNet.UpdateBatch(parameters.AsSpan(1), inputs, targets, batch, ref update, workspace)).ParamName);
    }

    /// <summary>Records each sum it is handed, how often each parameter is handed over, and whether as a weight or a bias.</summary>
    private readonly struct RecordingUpdate(int count) : IParameterUpdate
    {
        private void Record(ref float parameter, float sum, float kind)
        {
            Unsafe.Add(ref parameter, count) = sum;
            Unsafe.Add(ref parameter, 2 * count) += 1;
            Unsafe.Add(ref parameter, 3 * count) = kind;
        }

        private void Lanes(ref float parameter, ReadOnlySpan<float> sums, ReadOnlySpan<float> mask)
        {
            for (int lane = 0; lane < sums.Length; lane++)
            {
                if (BitConverter.SingleToInt32Bits(mask[lane]) != 0)
                {
                    Record(ref Unsafe.Add(ref parameter, lane), sums[lane], 1);
                }
            }
        }

        public void Bias(ref float parameter, float sum) => Record(ref parameter, sum, 2);

        public void Weight(ref float parameter, float sum) => Record(ref parameter, sum, 1);

        public void Weights(ref float parameter, Vector128<float> sum) => Weights(ref parameter, sum, Vector128<float>.AllBitsSet);

        public void Weights(ref float parameter, Vector256<float> sum) => Weights(ref parameter, sum, Vector256<float>.AllBitsSet);

        public void Weights(ref float parameter, Vector512<float> sum) => Weights(ref parameter, sum, Vector512<float>.AllBitsSet);

        public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask) => Lanes(ref parameter, Floats(sum), Floats(mask));

        public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask) => Lanes(ref parameter, Floats(sum), Floats(mask));

        public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask) => Lanes(ref parameter, Floats(sum), Floats(mask));

        private static float[] Floats(Vector128<float> v) => [.. Enumerable.Range(0, Vector128<float>.Count).Select(i => v.GetElement(i))];

        private static float[] Floats(Vector256<float> v) => [.. Enumerable.Range(0, Vector256<float>.Count).Select(i => v.GetElement(i))];

        private static float[] Floats(Vector512<float> v) => [.. Enumerable.Range(0, Vector512<float>.Count).Select(i => v.GetElement(i))];
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

    [Theory]
    [InlineData(500)]
    [InlineData(501)]
    public void Cost_and_gradient_stay_finite_when_outputs_saturate(int sample)
    {
        // Huge parameters drive |z| into the hundreds or beyond: sigmoids and tanh saturate, softmax puts all its mass
        // on one output (its cost comes from z by log-sum-exp, not from ln 0). Unbounded outputs (identity, ReLU,
        // leaky ReLU) cannot saturate; they get a milder scaling (×4 ± 3) that keeps their quadratic cost, which grows
        // as z² through every unbounded layer, far from float's range. Targets: a distribution (Σ y = 1) and a mixed one.
        TNet network = TNet.Create(5);
        float scale = BoundedOutput ? 200f : 4f, shift = BoundedOutput ? 60f : 3f;
        Span<float> parameters = network.Parameters;
        for (int k = 0; k < parameters.Length; k++)
        {
            parameters[k] = parameters[k] * scale + (k % 2 == 0 ? shift : -shift);
        }
        (float[] x, float[] y) = Sample(sample);
        var gradient = new float[TNet.ParameterCount];
        float cost = network.Backprop(x, y, gradient);
        Assert.True(float.IsFinite(cost), $"cost {cost}");
        Assert.All(gradient, value => Assert.True(float.IsFinite(value)));

        double expected = Twin.Cost(Reference.ToDouble(network.Parameters), Reference.ToDouble(x), Reference.ToDouble(y));
        Assert.True(Math.Abs(cost - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected)), $"cost: expected {expected:R}, got {cost:R}");

        var output = new float[TNet.OutputSize];
        network.Forward(x, output);
        Assert.All(output, value => Assert.True(float.IsFinite(value), $"output {value}"));
        switch (TNet.OutputActivation)
        {
            case ActivationKind.Sigmoid:
                Assert.All(output, value => Assert.InRange(value, 0f, 1f));
                break;
            case ActivationKind.Softmax:
                Assert.All(output, value => Assert.InRange(value, 0f, 1f));
                Assert.Equal(1.0, output.Sum(v => (double)v), 1e-5);
                break;
            case ActivationKind.Tanh:
                Assert.All(output, value => Assert.InRange(value, -1f, 1f));
                break;
            case ActivationKind.ReLU:
                Assert.All(output, value => Assert.True(value >= 0f, $"output {value}"));
                break;
        }
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

        // Up to three passes: a one-time allocation of the runtime on this thread (seen once in a child process on the
        // 128-bit path: 2,056 bytes, while methods tier up) can fall into one pass, but a network's own allocation
        // would fall into every pass.
        long allocated = 0;
        for (int pass = 0; pass < 3; pass++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++)
            {
                network.Forward(x, output);
                network.Backprop(x, y, gradient);
                network.ForwardBatch(inputs, outputs);
                network.TrainBatch(inputs, targets, batch, 0.01f, 1f, workspace);
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
        // f(50): 1 for sigmoid, tanh and a softmax (e^50 against e^0s), 50 for the linear ones.
        double expected = Twin.Forward(Reference.ToDouble(network.Parameters), new double[TNet.InputSize])[^1];
        Assert.Equal(expected, output[^1], 1e-6 * Math.Max(1, Math.Abs(expected)));
        Assert.NotEqual(OutputAtZero, output[^1]);
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

// Activations and costs (see Networks.cs): every parameter of the small ones is checked by finite differences.

public sealed class UnrolledReluSigmoidQuadraticContract : NetworkContractTests<UnrolledReluSigmoidQuadratic>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledTanhSoftmaxContract : NetworkContractTests<UnrolledTanhSoftmax>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledLeakySoftmaxQuadraticContract : NetworkContractTests<UnrolledLeakySoftmaxQuadratic>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledSigmoidIdentityContract : NetworkContractTests<UnrolledSigmoidIdentity>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledIdentityTanhContract : NetworkContractTests<UnrolledIdentityTanh>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledTanhReluContract : NetworkContractTests<UnrolledTanhRelu>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledReluLeakyContract : NetworkContractTests<UnrolledReluLeaky>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class UnrolledMixedContract : NetworkContractTests<UnrolledMixed>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedLeakySigmoidQuadraticContract : NetworkContractTests<BlockedLeakySigmoidQuadratic>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedReluSoftmaxContract : NetworkContractTests<BlockedReluSoftmax>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedTanhSoftmaxQuadraticContract : NetworkContractTests<BlockedTanhSoftmaxQuadratic>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedTanhIdentityContract : NetworkContractTests<BlockedTanhIdentity>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedIdentityTanhContract : NetworkContractTests<BlockedIdentityTanh>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedSigmoidReluContract : NetworkContractTests<BlockedSigmoidRelu>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedReluLeakyContract : NetworkContractTests<BlockedReluLeaky>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class BlockedMixedContract : NetworkContractTests<BlockedMixed>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class SingleSoftmaxContract : NetworkContractTests<SingleSoftmax>
{
    protected override int FiniteDifferenceSamples => int.MaxValue;
}

public sealed class DigitReluSoftmaxContract : NetworkContractTests<DigitReluSoftmax>
{
    protected override int Samples => 3;
}
