using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

/// <summary>
/// The optimizers (<see cref="Sgd"/>, <see cref="Momentum"/>, <see cref="Adam"/>, <see cref="AdamW"/>), the learning-rate
/// schedules and their use by <see cref="TrainingSession{TNet}"/>: each rule against a textbook reference in double
/// precision and against values from PyTorch, bit-for-bit determinism (vector loop and scalar tail alike), the argument
/// checks, and training through a session with each optimizer and with one defined here.
/// </summary>
public sealed class OptimizerTests(ITestOutputHelper output)
{
    // ---------------------------------------------------------------------------------------------------------------
    // 1. Each update rule against a hand computation in double precision.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>37 parameters per block: a vector loop of 32 (or 16) and a scalar tail at every vector width.</summary>
    private const int BlockLength = 37;

    private const int BatchSize = 4;

    /// <summary>λ/n of the weight block (the bias block has 0).</summary>
    private const double WeightL2 = 0.03;

    private const int Steps = 5;

    /// <summary>One parameter block's textbook update in double precision (state: the rule's vectors, zero at first).</summary>
    private delegate void ReferenceRule(double[] theta, double[] gradientSum, double[][] state, double eta, int t, int m, double l2, bool isWeights);

    /// <summary>One step on a block whose state is <paramref name="state"/> alone: its slots one after the other.</summary>
    private static void Step(Optimizer optimizer, Span<float> parameters, ReadOnlySpan<float> gradientSum, Span<float> state, in OptimizerStep step)
        => optimizer.Step(parameters, gradientSum, new OptimizerState(state, parameters.Length, 0, parameters.Length), step);

    /// <summary>Values in ±[low, high], in float.</summary>
    private static float[] RandomValues(DeterministicRandom random, int count, double low, double high)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            double magnitude = low + (high - low) * random.NextDouble();
            values[i] = (float)(random.NextInt32(2) == 0 ? magnitude : -magnitude);
        }
        return values;
    }

    /// <summary>η of step t: it changes from step to step, as a schedule would make it.</summary>
    private static double EtaOf(double eta, int t) => eta * (1 - 0.1 * (t - 1));

    /// <summary>
    /// Runs <paramref name="optimizer"/> and <paramref name="reference"/> side by side for <see cref="Steps"/> steps on a
    /// weight block (L2 ≠ 0) and a bias block (L2 = 0) of <see cref="BlockLength"/> parameters each, with new gradients
    /// every step, and checks after every step that the float parameters agree with the double ones to 1e-5 relative.
    /// </summary>
    private void CheckAgainstReference(Optimizer optimizer, int stateVectors, double eta, ReferenceRule reference, int seed)
    {
        Assert.Equal(stateVectors, optimizer.StatePerParameter);
        var random = new DeterministicRandom(seed);
        double worst = 0;
        foreach (bool isWeights in new[] { true, false })
        {
            double l2 = isWeights ? WeightL2 : 0;
            float[] parameters = RandomValues(random, BlockLength, 0.1, 2);
            float[] state = new float[stateVectors * BlockLength];
            double[] theta = parameters.Select(v => (double)v).ToArray();
            double[][] referenceState = Enumerable.Range(0, stateVectors).Select(_ => new double[BlockLength]).ToArray();
            for (int t = 1; t <= Steps; t++)
            {
                // Σ over m = 4 samples, per-sample gradients in ±[0.01, 2].
                float[] gradientSum = RandomValues(random, BlockLength, 0.04, 8);
                double rate = EtaOf(eta, t);
                Step(optimizer, parameters, gradientSum, state, new OptimizerStep(rate, t, BatchSize, l2, isWeights));
                reference(theta, gradientSum.Select(v => (double)v).ToArray(), referenceState, rate, t, BatchSize, l2, isWeights);
                for (int i = 0; i < BlockLength; i++)
                {
                    double error = Math.Abs(parameters[i] - theta[i]), tolerance = 1e-5 * Math.Abs(theta[i]) + 1e-6;
                    worst = Math.Max(worst, error / tolerance);
                    Assert.True(
                        error <= tolerance,
                        $"{optimizer}, {(isWeights ? "weights" : "biases")}, step {t}, parameter {i}: {parameters[i]:R}, expected {theta[i]:R}");
                }
            }
        }
        output.WriteLine($"{optimizer}: the largest difference from the double reference is {worst:P1} of the tolerance");
    }

    [Fact]
    public void Sgd_matches_the_hand_computation()
    {
        // θ ← (1 − ηλ')·θ − (η/m)·Σ.
        CheckAgainstReference(Sgd.Instance, 0, 0.1, (theta, sum, _, eta, _, m, l2, _) =>
        {
            for (int i = 0; i < theta.Length; i++)
            {
                theta[i] = (1 - eta * l2) * theta[i] - eta / m * sum[i];
            }
        }, seed: 1);
    }

    /// <summary>PyTorch's SGD with momentum: g = Σ/m + λ'θ; v ← μv + g; θ ← θ − ηv, or θ ← θ − η(g + μv) for Nesterov.</summary>
    private static ReferenceRule MomentumReference(double mu, bool nesterov) => (theta, sum, state, eta, _, m, l2, _) =>
    {
        double[] v = state[0];
        for (int i = 0; i < theta.Length; i++)
        {
            double g = sum[i] / m + l2 * theta[i];
            v[i] = mu * v[i] + g;
            theta[i] -= eta * (nesterov ? g + mu * v[i] : v[i]);
        }
    };

    [Fact]
    public void Classical_momentum_matches_the_hand_computation()
    {
        CheckAgainstReference(new Momentum(), 1, 0.05, MomentumReference(0.9, nesterov: false), seed: 2);
        CheckAgainstReference(new Momentum { Coefficient = 0.5 }, 1, 0.1, MomentumReference(0.5, nesterov: false), seed: 3);
    }

    [Fact]
    public void Nesterov_momentum_matches_the_hand_computation()
    {
        CheckAgainstReference(new Momentum { Nesterov = true }, 1, 0.05, MomentumReference(0.9, nesterov: true), seed: 4);
        CheckAgainstReference(new Momentum { Coefficient = 0.3, Nesterov = true }, 1, 0.1, MomentumReference(0.3, nesterov: true), seed: 5);
    }

    /// <summary>
    /// Adam with bias correction (Kingma and Ba, algorithm 1), after AdamW's decoupled decay θ ← (1 − ηγ)θ on weights:
    /// g = Σ/m + λ'θ; m ← β1m + (1 − β1)g; v ← β2v + (1 − β2)g²; m̂ = m/(1 − β1^t); v̂ = v/(1 − β2^t);
    /// θ ← θ − η·m̂/(√v̂ + ε).
    /// </summary>
    private static ReferenceRule AdamReference(double beta1, double beta2, double epsilon, double weightDecay) => (theta, sum, state, eta, t, m, l2, isWeights) =>
    {
        double[] first = state[0], second = state[1];
        for (int i = 0; i < theta.Length; i++)
        {
            double g = sum[i] / m + l2 * theta[i];
            first[i] = beta1 * first[i] + (1 - beta1) * g;
            second[i] = beta2 * second[i] + (1 - beta2) * g * g;
            double firstHat = first[i] / (1 - Math.Pow(beta1, t));
            double secondHat = second[i] / (1 - Math.Pow(beta2, t));
            if (isWeights)
            {
                theta[i] *= 1 - eta * weightDecay;
            }
            theta[i] -= eta * firstHat / (Math.Sqrt(secondHat) + epsilon);
        }
    };

    [Fact]
    public void Adam_matches_the_hand_computation()
    {
        CheckAgainstReference(new Adam(), 2, 0.01, AdamReference(0.9, 0.999, 1e-8, 0), seed: 6);
        // Settings where ε and the bias corrections weigh more.
        CheckAgainstReference(new Adam { Beta1 = 0.5, Beta2 = 0.9, Epsilon = 0.05 }, 2, 0.02, AdamReference(0.5, 0.9, 0.05, 0), seed: 7);
    }

    [Fact]
    public void AdamW_matches_the_hand_computation_and_does_not_decay_biases()
    {
        CheckAgainstReference(new AdamW(), 2, 0.01, AdamReference(0.9, 0.999, 1e-8, 0.01), seed: 8);
        CheckAgainstReference(new AdamW { WeightDecay = 2, Beta1 = 0.8, Beta2 = 0.95, Epsilon = 1e-3 }, 2, 0.05, AdamReference(0.8, 0.95, 1e-3, 2), seed: 9);

        // On a bias block AdamW is exactly Adam, bit for bit; on a weight block it is not.
        foreach (bool isWeights in new[] { false, true })
        {
            var random = new DeterministicRandom(10);
            float[] start = RandomValues(random, BlockLength, 0.1, 2);
            float[][] gradients = Enumerable.Range(0, Steps).Select(_ => RandomValues(random, BlockLength, 0.04, 8)).ToArray();
            float[] Run(Optimizer optimizer)
            {
                float[] p = start.ToArray(), s = new float[2 * BlockLength];
                for (int t = 1; t <= Steps; t++)
                {
                    Step(optimizer, p, gradients[t - 1], s, new OptimizerStep(0.01, t, BatchSize, 0, isWeights));
                }
                return p;
            }
            float[] adam = Run(new Adam()), adamW = Run(new AdamW { WeightDecay = 0.5 });
            if (isWeights)
            {
                Assert.NotEqual(Bits(adam), Bits(adamW));
            }
            else
            {
                Assert.Equal(Bits(adam), Bits(adamW));
            }
        }
    }

    [Fact]
    public void The_first_Adam_step_moves_every_parameter_by_eta()
    {
        // m̂ = g and v̂ = g² after one step, so Δθ = −η·g/(|g| + ε) ≈ −η·sign(g) whatever the size of g.
        const double Eta = 0.01;
        var random = new DeterministicRandom(11);
        foreach (Optimizer optimizer in new Optimizer[] { new Adam(), new Adam { Beta1 = 0.5, Beta2 = 0.9 }, new AdamW { WeightDecay = 0 } })
        {
            foreach (bool isWeights in new[] { true, false })
            {
                float[] parameters = RandomValues(random, BlockLength, 0.1, 2);
                float[] before = parameters.ToArray();
                // Gradients over four orders of magnitude.
                float[] gradientSum = RandomValues(random, BlockLength, 1e-3, 10);
                Step(optimizer, parameters, gradientSum, new float[2 * BlockLength], new OptimizerStep(Eta, 1, BatchSize, isWeights ? WeightL2 : 0, isWeights));
                for (int i = 0; i < BlockLength; i++)
                {
                    double g = gradientSum[i] / (double)BatchSize + (isWeights ? WeightL2 * before[i] : 0);
                    double delta = parameters[i] - (double)before[i];
                    Assert.True(Math.Abs(Math.Abs(delta) - Eta) <= 1e-4 * Eta, $"{optimizer}: parameter {i} moved by {delta:R}, not ±{Eta}");
                    Assert.Equal(-Math.Sign(g), Math.Sign(delta));
                }
            }
        }
    }

    [Fact]
    public void Adam_leaves_a_parameter_with_zero_gradient_in_place_for_any_epsilon_it_accepts()
    {
        // m = v = 0 for a parameter whose gradient is 0 (an input pixel that is 0 in every sample, a dead ReLU), so its
        // step is −η·0/(0 + ε) = 0 for any ε > 0. The kernel applies ε in float, so Epsilon refuses an ε that rounds
        // to 0 there (below 2^−150, about 7e-46), where the step would be 0/0 = NaN.
        foreach (double epsilon in new[] { 1e-8, 1e-30, 1e-40, (double)float.Epsilon })
        {
            float[] parameters = [0.5f, -0.25f, 1.5f];
            Step(new Adam { Epsilon = epsilon }, parameters, new float[] { 0, 1, 0 }, new float[6], new OptimizerStep(0.01, 1, 1, 0, IsWeights: false));
            Assert.True(
                parameters[0] == 0.5f && parameters[2] == 1.5f,
                System.FormattableString.Invariant($"Adam {{ Epsilon = {epsilon} }} moved parameters with zero gradient to {parameters[0]} and {parameters[2]}"));
            Assert.Equal(-0.25f - 0.01f, parameters[1], 1e-6f);
        }
        ArgumentOutOfRangeException tiny = Assert.Throws<ArgumentOutOfRangeException>(() => new Adam { Epsilon = 1e-50 });
        Assert.Equal("Epsilon", tiny.ParamName);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 2. Against PyTorch.
    // ---------------------------------------------------------------------------------------------------------------

    // A 1-D problem of three parameters and five fixed gradients (batch size 1). The expected parameters after each step
    // come from PyTorch 1.13.0a0 in float64: torch.optim.Adam / AdamW / SGD(momentum, nesterov, weight_decay) on
    // torch.nn.Parameter(torch.tensor([0.5, -1.25, 2.0])), setting p.grad to each row of TorchGradients and calling
    // opt.step(). PyTorch's weight_decay (added to the gradient) is our OptimizerStep.L2.
    private static readonly float[] s_torchStart = [0.5f, -1.25f, 2.0f];

    private static readonly float[][] s_torchGradients =
    [
        [0.25f, -0.5f, 1.0f],
        [-0.75f, 0.125f, 0.5f],
        [0.5f, 0.5f, -2.0f],
        [1.5f, -0.25f, 0.0f],
        [-0.0625f, 1.0f, 0.75f],
    ];

    private void CheckAgainstTorch(Optimizer optimizer, double eta, double l2, double[][] expected)
    {
        float[] parameters = s_torchStart.ToArray();
        float[] state = new float[optimizer.StatePerParameter * parameters.Length];
        double worst = 0;
        for (int t = 1; t <= s_torchGradients.Length; t++)
        {
            Step(optimizer, parameters, s_torchGradients[t - 1], state, new OptimizerStep(eta, t, 1, l2, IsWeights: true));
            for (int i = 0; i < parameters.Length; i++)
            {
                double want = expected[t - 1][i], error = Math.Abs(parameters[i] - want);
                worst = Math.Max(worst, error / Math.Abs(want));
                Assert.True(error <= 1e-6 * Math.Abs(want) + 1e-7, $"{optimizer}, step {t}, parameter {i}: {parameters[i]:R}, PyTorch {want:R}");
            }
        }
        output.WriteLine($"{optimizer}: worst relative difference from PyTorch {worst:E2}");
    }

    [Fact]
    public void Adam_matches_PyTorch()
    {
        // torch.optim.Adam(lr=0.1)
        CheckAgainstTorch(new Adam(), 0.1, 0,
        [
            [0.4000000039999998, -1.150000002, 1.900000001],
            [0.4494189864458514, -1.1030531861677058, 1.806782038298161],
            [0.447540217039544, -1.1215221449120263, 1.8274177408620567],
            [0.39740369003215464, -1.1166836630555006, 1.8443212527392006],
            [0.35698222876072383, -1.1576552734024688, 1.8409100610491642],
        ]);
        // torch.optim.Adam(lr=0.05, betas=(0.8, 0.99), eps=1e-3, weight_decay=0.2)
        CheckAgainstTorch(new Adam { Beta1 = 0.8, Beta2 = 0.99, Epsilon = 1e-3 }, 0.05, 0.2,
        [
            [0.45014245014245013, -1.2000665778961386, 1.9500356887937187],
            [0.4700579240101165, -1.1630282954988214, 1.902428769414749],
            [0.4593052616805851, -1.149567017950182, 1.902604715245106],
            [0.42622516838276503, -1.123386170343265, 1.8972465730248544],
            [0.39977612976428195, -1.128743551986722, 1.8790349477945147],
        ]);
    }

    [Fact]
    public void AdamW_matches_PyTorch()
    {
        // torch.optim.AdamW(lr=0.1, weight_decay=0.5)
        CheckAgainstTorch(new AdamW { WeightDecay = 0.5 }, 0.1, 0,
        [
            [0.3750000039999998, -1.087500002, 1.800000001],
            [0.40566898624585135, -0.9861781860677057, 1.6167820382481608],
            [0.3835067675272514, -0.955338235508641, 1.5565786388996483],
            [0.31419490214349943, -0.9027328418766832, 1.4956532188318097],
            [0.25806369576489363, -0.8985678101298172, 1.4174593662001829],
        ]);
    }

    [Fact]
    public void Sgd_and_momentum_match_PyTorch()
    {
        // torch.optim.SGD(lr=0.1, weight_decay=0.3)
        CheckAgainstTorch(Sgd.Instance, 0.1, 0.3,
        [
            [0.46, -1.1625, 1.84],
            [0.5212, -1.140125, 1.7348000000000001],
            [0.455564, -1.15592125, 1.882756],
            [0.29189708000000003, -1.0962436125, 1.82627332],
            [0.2893901676, -1.163356304125, 1.6964851204],
        ]);
        // torch.optim.SGD(lr=0.1, momentum=0.9)
        CheckAgainstTorch(new Momentum { Coefficient = 0.9 }, 0.1, 0,
        [
            [0.475, -1.2, 1.9],
            [0.5275, -1.1675, 1.76],
            [0.5247499999999999, -1.18825, 1.834],
            [0.3722749999999999, -1.1819250000000001, 1.9006],
            [0.2412974999999999, -1.2762325, 1.88554],
        ]);
        // torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.3)
        CheckAgainstTorch(new Momentum { Coefficient = 0.9, Nesterov = true }, 0.1, 0.3,
        [
            [0.424, -1.08375, 1.696],
            [0.5099319999999999, -0.97485125, 1.374728],
            [0.40715267599999994, -0.9342871037499999, 1.478015704],
            [0.06521174586799992, -0.7783459909612499, 1.3438453984719998],
            [-0.0883840385132761, -0.8313590197678337, 1.0438993597918957],
        ]);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 3. Determinism.
    // ---------------------------------------------------------------------------------------------------------------

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    public static TheoryData<string> OptimizerNames => ["sgd", "momentum", "nesterov", "adam", "adamw"];

    private static Optimizer Make(string name) => name switch
    {
        "sgd" => Sgd.Instance,
        "momentum" => new Momentum { Coefficient = 0.8 },
        "nesterov" => new Momentum { Coefficient = 0.8, Nesterov = true },
        "adam" => new Adam { Beta1 = 0.85, Beta2 = 0.99 },
        "adamw" => new AdamW { WeightDecay = 0.1 },
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void Steps_are_bit_identical_whole_or_element_by_element_and_run_after_run(string name)
    {
        const int N = 64;
        Optimizer optimizer = Make(name);
        int k = optimizer.StatePerParameter;
        var random = new DeterministicRandom(12);
        float[] start = RandomValues(random, N, 0.01, 3);
        float[][] gradients = Enumerable.Range(0, Steps).Select(_ => RandomValues(random, N, 1e-4, 5)).ToArray();

        float[] Whole()
        {
            float[] p = start.ToArray(), s = new float[k * N];
            for (int t = 1; t <= Steps; t++)
            {
                Step(optimizer, p, gradients[t - 1], s, new OptimizerStep(EtaOf(0.05, t), t, 3, 0.07, IsWeights: true));
            }
            return p.Concat(s).ToArray();
        }

        float[] whole = Whole();
        Assert.Equal(Bits(whole), Bits(Whole()));

        // The same values as 64 blocks of one parameter: the scalar tail alone. Each block sees its own element of
        // every slot of the same state, as the trainer slices it.
        float[] p = start.ToArray(), state = new float[k * N];
        for (int t = 1; t <= Steps; t++)
        {
            for (int i = 0; i < N; i++)
            {
                optimizer.Step(
                    p.AsSpan(i, 1), gradients[t - 1].AsSpan(i, 1), new OptimizerState(state, N, i, 1),
                    new OptimizerStep(EtaOf(0.05, t), t, 3, 0.07, IsWeights: true));
            }
        }
        Assert.Equal(Bits(whole), Bits(p.Concat(state).ToArray()));
        Assert.NotEqual(Bits(start), Bits(p));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 4. Argument checks.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Asserts that <paramref name="make"/> throws <see cref="ArgumentOutOfRangeException"/> naming <paramref name="name"/>.</summary>
    private static void Rejects<T>(string name, Func<T> make)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => make());
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Optimizer_settings_out_of_range_are_rejected()
    {
        Rejects(nameof(Adam.Beta1), () => new Adam { Beta1 = 1 });
        Rejects(nameof(Adam.Beta1), () => new Adam { Beta1 = -0.1 });
        Rejects(nameof(Adam.Beta1), () => new Adam { Beta1 = double.NaN });
        Rejects(nameof(Adam.Beta2), () => new Adam { Beta2 = -0.1 });
        Rejects(nameof(Adam.Beta2), () => new Adam { Beta2 = 1 });
        Rejects(nameof(Adam.Beta2), () => new AdamW { Beta2 = double.NaN });
        Rejects(nameof(Adam.Epsilon), () => new Adam { Epsilon = 0 });
        Rejects(nameof(Adam.Epsilon), () => new Adam { Epsilon = -1e-8 });
        Rejects(nameof(Adam.Epsilon), () => new Adam { Epsilon = double.NaN });
        Rejects(nameof(Adam.Epsilon), () => new Adam { Epsilon = double.PositiveInfinity });
        Rejects(nameof(Momentum.Coefficient), () => new Momentum { Coefficient = 1 });
        Rejects(nameof(Momentum.Coefficient), () => new Momentum { Coefficient = -0.5 });
        Rejects(nameof(Momentum.Coefficient), () => new Momentum { Coefficient = double.NaN });
        Rejects(nameof(AdamW.WeightDecay), () => new AdamW { WeightDecay = -1 });
        Rejects(nameof(AdamW.WeightDecay), () => new AdamW { WeightDecay = double.NaN });
        Rejects(nameof(AdamW.WeightDecay), () => new AdamW { WeightDecay = double.PositiveInfinity });

        // The edges that are allowed, and the defaults.
        Assert.Equal(0, new Adam { Beta1 = 0, Beta2 = 0 }.Beta1);
        Assert.Equal(0, new Momentum { Coefficient = 0 }.Coefficient);
        Assert.Equal(0, new AdamW { WeightDecay = 0 }.WeightDecay);
        var adam = new Adam();
        Assert.Equal((0.9, 0.999, 1e-8), (adam.Beta1, adam.Beta2, adam.Epsilon));
        Assert.Equal(0.01, new AdamW().WeightDecay);
        Assert.Equal(0.9, new Momentum().Coefficient);
        Assert.False(new Momentum().Nesterov);
        Assert.Equal(
            ["sgd", "momentum", "nesterov", "adam", "adamw"],
            new[] { "sgd", "momentum", "nesterov", "adam", "adamw" }.Select(n => Make(n).Name));
        Assert.Equal([0, 1, 1, 2, 2], new[] { "sgd", "momentum", "nesterov", "adam", "adamw" }.Select(n => Make(n).StatePerParameter));

        Assert.Throws<ArgumentNullException>(() => new TrainingOptions { Optimizer = null! });
        Assert.Throws<ArgumentNullException>(() => new TrainingOptions { Schedule = null! });
    }

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void Step_rejects_spans_of_mismatched_lengths(string name)
    {
        Optimizer optimizer = Make(name);
        int k = optimizer.StatePerParameter;
        float[] parameters = [1, 2, 3, 4, 5];
        var step = new OptimizerStep(0.1, 1, 1, 0.1, IsWeights: true);
        void Rejects(string parameter, int gradientLength, float[] state, int stride, int offset, int length)
        {
            var e = Assert.Throws<ArgumentException>(
                () => optimizer.Step(parameters, new float[gradientLength], new OptimizerState(state, stride, offset, length), step));
            Assert.Equal(parameter, e.ParamName);
        }

        Rejects("gradientSum", 4, new float[k * 5], 5, 0, 5);
        Rejects("gradientSum", 6, new float[k * 5], 5, 0, 5);
        // A slot too many or too few.
        Rejects("state", 5, new float[(k + 1) * 5], 5, 0, 5);
        if (k > 0)
        {
            Rejects("state", 5, new float[(k - 1) * 5], 5, 0, 5);
            // The right slots, but a block of the wrong length within them.
            Rejects("state", 5, new float[k * 6], 6, 0, 6);
            Rejects("state", 5, new float[k * 9], 9, 2, 4);
        }
        // Nothing moved.
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f }, parameters);
        // And the right lengths do step.
        optimizer.Step(parameters, new float[] { 1, -1, 1, -1, 1 }, new OptimizerState(new float[k * 7], 7, 1, 5), step);
        Assert.NotEqual(new[] { 1f, 2f, 3f, 4f, 5f }, parameters);
    }

    [Fact]
    public void Optimizer_state_gives_each_block_its_stretch_of_every_slot()
    {
        float[] all = Enumerable.Range(0, 30).Select(i => (float)i).ToArray();
        var state = new OptimizerState(all, 10, 3, 4);
        Assert.Equal(3, state.Slots);
        Assert.Equal(new float[] { 3, 4, 5, 6 }, state[0].ToArray());
        Assert.Equal(new float[] { 13, 14, 15, 16 }, state[1].ToArray());
        Assert.Equal(new float[] { 23, 24, 25, 26 }, state[2].ToArray());
        state[1][0] = -1;
        Assert.Equal(-1, all[13]);
        Assert.Equal(0, new OptimizerState([], 5, 0, 5).Slots);
        Assert.Equal(0, default(OptimizerState).Slots);

        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState(all, 10, 0, 4)[3].Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState(all, 10, 0, 4)[-1].Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState(all, 7, 0, 4).Slots);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState(all, 10, 7, 4).Slots);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState(all, 10, -1, 4).Slots);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState(all, 10, 0, -1).Slots);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OptimizerState(all, 0, 0, 0).Slots);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 5. Schedules.
    // ---------------------------------------------------------------------------------------------------------------

    [Fact]
    public void Constant_schedule_keeps_the_rate()
    {
        for (int e = 1; e <= 8; e++)
        {
            Assert.Equal(0.37, ConstantSchedule.Instance.Rate(0.37, e, 5));
        }
        Assert.Equal("constant", ConstantSchedule.Instance.Name);
        Assert.Same(ConstantSchedule.Instance, new TrainingOptions().Schedule);
        Assert.Same(Sgd.Instance, new TrainingOptions().Optimizer);
    }

    [Fact]
    public void Step_schedule_decays_by_the_factor_every_step_size_epochs()
    {
        // η_e = η₀·γ^⌊(e − 1)/s⌋. PyTorch's StepLR(step_size=2, gamma=0.5) from lr 0.1 gives 0.1, 0.1, 0.05, 0.05, 0.025, 0.025.
        var schedule = new StepSchedule { StepSize = 2, Factor = 0.5 };
        double[] rates = Enumerable.Range(1, 6).Select(e => schedule.Rate(0.1, e, 6)).ToArray();
        Assert.Equal([0.1, 0.1, 0.05, 0.05, 0.025, 0.025], rates);

        var defaults = new StepSchedule();
        Assert.Equal((10, 0.1), (defaults.StepSize, defaults.Factor));
        Assert.Equal(1.0, defaults.Rate(1, 10, 30));
        Assert.Equal(0.1, defaults.Rate(1, 11, 30), 15);
        Assert.Equal(0.01, defaults.Rate(1, 21, 30), 15);
        // Factor 1 is allowed: a constant rate.
        Assert.Equal(0.3, new StepSchedule { StepSize = 1, Factor = 1 }.Rate(0.3, 50, 50));
    }

    [Fact]
    public void Cosine_schedule_matches_PyTorch_CosineAnnealingLR_stepped_per_epoch()
    {
        // PyTorch 1.13.0a0: the lr of each epoch under CosineAnnealingLR(T_max=5, eta_min=0.01) from lr 0.1, and
        // (T_max=4, eta_min=0), read before each scheduler.step().
        double[] torchMin = [0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736, 0.018594235253127367];
        double[] torchZero = [0.1, 0.08535533905932738, 0.05, 0.014644660940672627];
        var withMinimum = new CosineSchedule { MinimumRate = 0.01 };
        var toZero = new CosineSchedule();
        for (int e = 1; e <= 5; e++)
        {
            Assert.Equal(torchMin[e - 1], withMinimum.Rate(0.1, e, 5), 1e-12);
            // The closed form, η_min + (η₀ − η_min)(1 + cos(π(e − 1)/E))/2.
            Assert.Equal(0.01 + (0.1 - 0.01) * (1 + Math.Cos(Math.PI * (e - 1) / 5)) / 2, withMinimum.Rate(0.1, e, 5), 1e-15);
        }
        for (int e = 1; e <= 4; e++)
        {
            Assert.Equal(torchZero[e - 1], toZero.Rate(0.1, e, 4), 1e-12);
        }
        Assert.Equal(0.1, withMinimum.Rate(0.1, 1, 5));
        Assert.Equal(0.1, toZero.Rate(0.1, 1, 1));

        // Past E, the last epoch's rate holds.
        for (int e = 6; e <= 9; e++)
        {
            Assert.Equal(withMinimum.Rate(0.1, 5, 5), withMinimum.Rate(0.1, e, 5));
        }
        // Never below η_min (nor above η₀), and never zero for a positive η₀.
        for (int epochs = 1; epochs <= 12; epochs++)
        {
            for (int e = 1; e <= epochs + 2; e++)
            {
                double rate = withMinimum.Rate(0.1, e, epochs);
                Assert.InRange(rate, 0.01, 0.1);
                Assert.True(toZero.Rate(0.1, e, epochs) > 0, $"epoch {e} of {epochs}");
            }
        }
        // η_min above η₀ is held to η₀: a constant rate.
        Assert.Equal(0.05, new CosineSchedule { MinimumRate = 1 }.Rate(0.05, 3, 5));
        Assert.Equal(0.0, toZero.MinimumRate);
    }

    [Fact]
    public void Schedules_reject_invalid_settings()
    {
        Rejects(nameof(StepSchedule.StepSize), () => new StepSchedule { StepSize = 0 });
        Rejects(nameof(StepSchedule.StepSize), () => new StepSchedule { StepSize = -3 });
        Rejects(nameof(StepSchedule.Factor), () => new StepSchedule { Factor = 0 });
        Rejects(nameof(StepSchedule.Factor), () => new StepSchedule { Factor = 1.5 });
        Rejects(nameof(StepSchedule.Factor), () => new StepSchedule { Factor = -0.5 });
        Rejects(nameof(StepSchedule.Factor), () => new StepSchedule { Factor = double.NaN });
        Rejects(nameof(CosineSchedule.MinimumRate), () => new CosineSchedule { MinimumRate = -0.001 });
        Rejects(nameof(CosineSchedule.MinimumRate), () => new CosineSchedule { MinimumRate = double.NaN });
        Rejects(nameof(CosineSchedule.MinimumRate), () => new CosineSchedule { MinimumRate = double.PositiveInfinity });
    }

    // ---------------------------------------------------------------------------------------------------------------
    // 6. Through TrainingSession.
    // ---------------------------------------------------------------------------------------------------------------

    /// <summary>Random inputs in [0, 1) labelled by the largest of their first four values: a task a small network learns in a few epochs.</summary>
    private static Dataset LearnableData(int count, int inputSize, int seed)
    {
        var random = new DeterministicRandom(seed);
        var inputs = new float[count * inputSize];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            for (int i = 0; i < inputSize; i++)
            {
                inputs[inputSize * s + i] = (float)random.NextDouble();
            }
            ReadOnlySpan<float> first = inputs.AsSpan(inputSize * s, 4);
            for (int i = 1; i < 4; i++)
            {
                labels[s] = first[i] > first[labels[s]] ? i : labels[s];
            }
        }
        return new Dataset(inputs, labels, inputSize);
    }

    /// <summary>A learning rate that suits each optimizer on FiveLayer.</summary>
    private static double RateFor(string name) => name switch
    {
        "sgd" => 0.5,
        "momentum" or "nesterov" => 0.1,
        _ => 0.01,
    };

    [Theory]
    [InlineData("sgd", 1)]
    [InlineData("momentum", 1)]
    [InlineData("nesterov", 1)]
    [InlineData("adam", 1)]
    [InlineData("adamw", 1)]
    [InlineData("sgd", 2)]
    [InlineData("adam", 2)]
    [InlineData("nesterov", 2)]
    public void A_session_reports_the_schedule_rate_and_lowers_the_cost(string name, int threads)
    {
        // GenericOuter<T>.Net is 12 → 8 → 4, sigmoid with cross-entropy.
        Dataset data = LearnableData(400, 12, seed: 40);
        const int Epochs = 6;
        double eta = name switch { "sgd" => 4, "momentum" or "nesterov" => 0.4, _ => 0.05 };
        LearningRateSchedule schedule = name is "sgd" or "adam" ? new StepSchedule { StepSize = 2, Factor = 0.5 } : new CosineSchedule { MinimumRate = eta / 10 };
        var options = new TrainingOptions
        {
            Epochs = Epochs, MiniBatchSize = 8, LearningRate = eta, L2Regularization = 0.1, Seed = 3, Threads = threads,
            Optimizer = Make(name), Schedule = schedule, EvaluateTrainingSet = true,
        };
        var network = GenericOuter<int>.Net.Create(2);
        EvaluationResult before = Trainer.Evaluate(network, data);

        using var session = new TrainingSession<GenericOuter<int>.Net>(network, data, options);
        var results = new List<EpochResult>();
        for (int e = 1; e <= Epochs; e++)
        {
            results.Add(session.RunEpoch());
        }

        for (int e = 1; e <= Epochs; e++)
        {
            Assert.Equal(schedule.Rate(eta, e, Epochs), results[e - 1].LearningRate);
        }
        Assert.Equal(Epochs * (400 / 8), session.StepsTaken);
        EvaluationResult after = Trainer.Evaluate(network, data);
        output.WriteLine(System.FormattableString.Invariant(
            $"{options.Optimizer}, {threads} thread(s): cost {before.MeanCost:F4} → {after.MeanCost:F4}, accuracy {before.Accuracy:F3} → {after.Accuracy:F3}; training cost per epoch {string.Join(", ", results.Select(r => r.TrainingCost.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)))}"));
        Assert.Equal(after with { Confusion = null }, results[^1].Training);
        Assert.True(results[^1].TrainingCost < 0.9 * results[0].TrainingCost, $"{options.Optimizer}: training cost {results[0].TrainingCost} in epoch 1, {results[^1].TrainingCost} in epoch {Epochs}");
        Assert.True(after.MeanCost < 0.7 * before.MeanCost, $"{options.Optimizer}: cost {before.MeanCost} before training, {after.MeanCost} after");
        Assert.True(after.Accuracy > 0.6, $"{options.Optimizer}: accuracy {after.Accuracy} after training");
    }

    [Fact]
    public void A_run_extended_past_its_epochs_keeps_the_last_cosine_rate()
    {
        // CosineSchedule's contract: "Epochs past E (a run extended after the fact) keep the last epoch's rate", and
        // LearningRateSchedule.Rate's: "[epoch] may exceed epochs when a run is extended". A session of Epochs = 3 run for
        // five epochs should therefore train epochs 4 and 5 at the rate of epoch 3 of 3.
        var schedule = new CosineSchedule { MinimumRate = 0.01 };
        var options = new TrainingOptions { Epochs = 3, MiniBatchSize = 10, LearningRate = 0.1, Seed = 2, Optimizer = new Adam(), Schedule = schedule };
        using var session = new TrainingSession<FiveLayer>(FiveLayer.Create(1), SessionKit.RandomData(40, 9, 5, seed: 48), options);
        double[] rates = Enumerable.Range(1, 5).Select(_ => session.RunEpoch().LearningRate).ToArray();

        double[] expected = Enumerable.Range(1, 5).Select(e => schedule.Rate(0.1, e, 3)).ToArray();
        Assert.Equal(expected[2], expected[3]);
        Assert.Equal(expected[..3], rates[..3]);
        // Fails at HEAD: TrainingSession.RunEpoch passes epochs = Math.Max(Options.Epochs, epoch), so epoch 4 gets
        // Rate(η₀, 4, 4) and epoch 5 Rate(η₀, 5, 5): the curve is stretched to the new length and the rate keeps falling
        // (epochs 3, 4, 5: 0.0325, 0.0232, 0.0186 instead of 0.0325 throughout).
        Assert.True(
            expected[3..].SequenceEqual(rates[3..]),
            System.FormattableString.Invariant($"epochs 4 and 5 of a 3-epoch cosine run trained at {rates[3]:R} and {rates[4]:R}; the schedule says {expected[3]:R} (the rate of epoch 3)"));
    }

    [Theory]
    [InlineData("sgd", 1)]
    [InlineData("momentum", 1)]
    [InlineData("nesterov", 1)]
    [InlineData("adam", 1)]
    [InlineData("adamw", 1)]
    [InlineData("sgd", 2)]
    [InlineData("momentum", 2)]
    [InlineData("nesterov", 2)]
    [InlineData("adam", 2)]
    [InlineData("adamw", 2)]
    public void Two_sessions_with_the_same_seed_and_options_are_bit_identical(string name, int threads)
    {
        Dataset data = SessionKit.RandomData(150, 9, 5, seed: 41);
        var options = new TrainingOptions
        {
            Epochs = 3, MiniBatchSize = 7, LearningRate = RateFor(name), L2Regularization = 0.5, Seed = 9, Threads = threads,
            Optimizer = Make(name), Schedule = new CosineSchedule(),
        };
        float[] Run()
        {
            FiveLayer network = FiveLayer.Create(4);
            using var session = new TrainingSession<FiveLayer>(network, data, options);
            for (int e = 0; e < options.Epochs; e++)
            {
                session.RunEpoch();
            }
            return network.Parameters.ToArray();
        }

        float[] first = Run();
        Assert.Equal(Bits(first), Bits(Run()));
        Assert.NotEqual(Bits(FiveLayer.Create(4).Parameters.ToArray()), Bits(first));
    }

    /// <summary>
    /// Sign-SGD (θ ← θ − η·sign(Σ), no regularisation), written against the public API only: it counts its calls and
    /// keeps every step it was given and the gradient of the first one.
    /// </summary>
    private sealed class SignSgd : Optimizer
    {
        public int Calls { get; private set; }

        public List<OptimizerStep> StepsSeen { get; } = [];

        public List<float[]> FirstGradient { get; } = [];

        public bool StateHadTheBlockLength { get; private set; } = true;

        public override string Name => "sign-sgd";

        public override int StatePerParameter => 1;

        public override void Step(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state, in OptimizerStep step)
        {
            CheckLengths(parameters, gradientSum, state);
            Calls++;
            StepsSeen.Add(step);
            if (step.Count == 1)
            {
                FirstGradient.Add(gradientSum.ToArray());
            }
            StateHadTheBlockLength &= state.Slots == 1 && state[0].Length == parameters.Length;
            float rate = (float)step.LearningRate;
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i] -= rate * MathF.Sign(gradientSum[i]);
                state[0][i] += 1; // a count of steps, to show the state is the block's own and kept from step to step
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_custom_optimizer_is_used_by_the_session_unchanged(int threads)
    {
        // One epoch of one mini-batch first: the step can then be checked against the gradient it was given.
        Dataset data = SessionKit.RandomData(20, 9, 5, seed: 42);
        var optimizer = new SignSgd();
        var options = new TrainingOptions
        {
            Epochs = 3, MiniBatchSize = 20, LearningRate = 0.01, L2Regularization = 2, Seed = 1, Threads = threads,
            Optimizer = optimizer, Schedule = new StepSchedule { StepSize = 1, Factor = 0.5 },
        };
        FiveLayer network = FiveLayer.Create(7);
        float[] start = network.Parameters.ToArray();
        using var session = new TrainingSession<FiveLayer>(network, data, options);

        EpochResult first = session.RunEpoch();

        // The weights and biases of four layers: eight blocks, in the Parameters order.
        int[] sizes = [9, 17, 33, 12, 5];
        var blocks = new List<(int Offset, int Length, bool IsWeights)>();
        for (int l = 1, offset = 0; l < sizes.Length; l++)
        {
            blocks.Add((offset, sizes[l - 1] * sizes[l], true));
            offset += sizes[l - 1] * sizes[l];
            blocks.Add((offset, sizes[l], false));
            offset += sizes[l];
        }
        Assert.Equal(8, optimizer.Calls);
        Assert.True(optimizer.StateHadTheBlockLength);
        Assert.Equal(0.01, first.LearningRate);
        for (int b = 0; b < 8; b++)
        {
            OptimizerStep step = optimizer.StepsSeen[b];
            Assert.Equal(new OptimizerStep(0.01, 1, 20, blocks[b].IsWeights ? 2.0 / 20 : 0, blocks[b].IsWeights), step);
            float[] gradient = optimizer.FirstGradient[b];
            Assert.Equal(blocks[b].Length, gradient.Length);
            Assert.Contains(gradient, g => g != 0);
            for (int i = 0; i < gradient.Length; i++)
            {
                int k = blocks[b].Offset + i;
                Assert.Equal(start[k] - 0.01f * MathF.Sign(gradient[i]), network.Parameters[k]);
            }
        }

        // Two more epochs: the step count and the scheduled rate go on.
        session.RunEpoch();
        session.RunEpoch();
        Assert.Equal(24, optimizer.Calls);
        Assert.Equal([1L, 2L, 3L], optimizer.StepsSeen.Select(s => s.Count).Distinct());
        Assert.Equal([0.01, 0.005, 0.0025], optimizer.StepsSeen.Select(s => s.LearningRate).Distinct());
        Assert.Equal(3, session.StepsTaken);

        // Smaller mini-batches: the last one of the epoch reports its real size.
        var counting = new SignSgd();
        // With a validation split of 3, n = 23 (the L2 coefficient is λ/n over the samples trained on).
        using var uneven = new TrainingSession<FiveLayer>(
            FiveLayer.Create(7), SessionKit.RandomData(26, 9, 5, seed: 43), options with { MiniBatchSize = 10, Optimizer = counting, ValidationCount = 3 });
        uneven.RunEpoch();
        Assert.Equal(24, counting.Calls);
        Assert.Equal([10, 10, 3], counting.StepsSeen.Where((_, i) => i % 8 == 0).Select(s => s.BatchSize));
        Assert.All(counting.StepsSeen, s => Assert.Equal(s.IsWeights ? 2.0 / 23 : 0, s.L2));
    }

    [Theory]
    [InlineData("adam", 1)]
    [InlineData("adam", 2)]
    [InlineData("adamw", 1)]
    [InlineData("nesterov", 1)]
    public void An_epoch_allocates_nothing_with_a_stateful_optimizer(string name, int threads)
    {
        Dataset data = SessionKit.RandomData(500, 9, 5, seed: 44);
        Dataset test = SessionKit.RandomData(120, 9, 5, seed: 45);
        const int Epochs = 6;
        var options = new TrainingOptions
        {
            Epochs = Epochs, MiniBatchSize = 8, LearningRate = RateFor(name), Threads = threads, Optimizer = Make(name),
            Schedule = new CosineSchedule(), ValidationCount = 50, EvaluateTrainingSet = true,
        };
        using var session = new TrainingSession<FiveLayer>(FiveLayer.Create(1), data, options, test);
        var steps = new SyncProgress<EpochProgress>(_ => { });
        long[] allocated = new long[Epochs + 1];
        allocated[0] = GC.GetAllocatedBytesForCurrentThread();
        for (int e = 1; e <= Epochs; e++)
        {
            session.RunEpoch(steps);
            allocated[e] = GC.GetAllocatedBytesForCurrentThread();
        }

        // Epochs 1–2 warm up (JIT, first calls); the least of epochs 3–6 counts, as in TrainingTests: an allocation per
        // step shows in every epoch, the runtime's one-off work (a late tier-1 promotion) in one.
        long least = long.MaxValue;
        for (int epoch = 3; epoch <= Epochs; epoch++)
        {
            least = Math.Min(least, allocated[epoch] - allocated[epoch - 1]);
        }
        output.WriteLine($"{options.Optimizer}, {threads} thread(s): least bytes per epoch {least}");
        Assert.Equal(0, least);
    }

    /// <summary>
    /// A built-in rule under another name: the session cannot recognise it and fuse its step into the network's
    /// kernels, so it backpropagates into a stored gradient and calls <see cref="Optimizer.Step"/>, block by block.
    /// </summary>
    private sealed class Unfused(Optimizer inner) : Optimizer
    {
        public override string Name => "unfused-" + inner.Name;

        public override int StatePerParameter => inner.StatePerParameter;

        public override void Step(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state, in OptimizerStep step)
            => inner.Step(parameters, gradientSum, state, step);
    }

    /// <summary>The largest difference between two parameter vectors, relative to the larger magnitude (or 0.01, if less).</summary>
    private static double WorstRelative(float[] a, float[] b)
    {
        double worst = 0;
        for (int k = 0; k < a.Length; k++)
        {
            worst = Math.Max(worst, Math.Abs(a[k] - b[k]) / Math.Max(Math.Max(Math.Abs(a[k]), Math.Abs(b[k])), 1e-2));
        }
        return worst;
    }

    private static int BitIdentical(float[] a, float[] b)
        => Enumerable.Range(0, a.Length).Count(k => BitConverter.SingleToInt32Bits(a[k]) == BitConverter.SingleToInt32Bits(b[k]));

    [Fact]
    public void Sgd_gives_the_same_parameters_fused_on_one_thread_and_stepped_on_two()
    {
        Dataset data = SessionKit.RandomData(300, 9, 5, seed: 46);
        var options = new TrainingOptions { Epochs = 1, MiniBatchSize = 10, LearningRate = 0.5, L2Regularization = 1, Seed = 5 };
        float[] Run(TrainingOptions o)
        {
            FiveLayer network = FiveLayer.Create(3);
            using var session = new TrainingSession<FiveLayer>(network, data, o);
            session.RunEpoch();
            return network.Parameters.ToArray();
        }

        float[] fused = Run(options);
        float[] twoThreads = Run(options with { Threads = 2 });
        float[] unfused = Run(options with { Optimizer = new Unfused(Sgd.Instance) });

        double worstTwo = WorstRelative(fused, twoThreads), worstUnfused = WorstRelative(fused, unfused);
        output.WriteLine($"worst relative difference from the fused step: {worstTwo:E2} on two threads, {worstUnfused:E2} through Sgd.Step on one ({BitIdentical(fused, unfused)} of {fused.Length} bit-identical)");
        Assert.True(worstTwo <= 1e-5, $"two threads differ from one by {worstTwo:E2} relative");
        Assert.True(worstUnfused <= 1e-5, $"Sgd.Step differs from the fused TrainBatch by {worstUnfused:E2} relative");
        Assert.NotEqual(Bits(FiveLayer.Create(3).Parameters.ToArray()), Bits(fused));
    }

    [Theory]
    [MemberData(nameof(OptimizerNames))]
    public void Each_optimizer_takes_the_same_steps_in_the_session_as_through_its_Step_method(string name)
    {
        // The session may fuse a built-in rule into the network's kernels; the result must agree with the rule's own Step
        // on a stored gradient (up to the summation order of the gradient), and with two threads.
        Dataset data = SessionKit.RandomData(300, 9, 5, seed: 47);
        var options = new TrainingOptions
        {
            Epochs = 2, MiniBatchSize = 10, LearningRate = RateFor(name), L2Regularization = 1, Seed = 6,
            Optimizer = Make(name), Schedule = new StepSchedule { StepSize = 1, Factor = 0.5 },
        };
        float[] Run(TrainingOptions o)
        {
            FiveLayer network = FiveLayer.Create(8);
            using var session = new TrainingSession<FiveLayer>(network, data, o);
            session.RunEpoch();
            session.RunEpoch();
            return network.Parameters.ToArray();
        }

        float[] own = Run(options);
        float[] unfused = Run(options with { Optimizer = new Unfused(options.Optimizer) });
        float[] twoThreads = Run(options with { Threads = 2 });

        double worstUnfused = WorstRelative(own, unfused), worstTwo = WorstRelative(own, twoThreads);
        output.WriteLine($"{options.Optimizer}: worst relative difference {worstUnfused:E2} through Step ({BitIdentical(own, unfused)} of {own.Length} bit-identical), {worstTwo:E2} on two threads");
        Assert.True(worstUnfused <= 1e-4, $"{options.Optimizer}: the session's steps differ from Step's by {worstUnfused:E2} relative");
        Assert.True(worstTwo <= 1e-4, $"{options.Optimizer}: two threads differ from one by {worstTwo:E2} relative");
    }
}
