using System;
using System.Collections.Generic;
using System.Linq;
using Backprop.Generated.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

/// <summary>
/// Networks with other activations and costs train end to end from their own initialisation (He for ReLU,
/// LeCun for tanh, zero biases), and evaluation's arg-max accuracy and mean cost work on softmax outputs.
/// </summary>
public sealed class ActivationTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public void A_ReLU_softmax_network_learns_Fashion_MNIST_from_its_initialisation()
    {
        // 784-100-10, ReLU + softmax + log-likelihood, two epochs on the first 10,000 training images.
        DigitReluSoftmax network = DigitReluSoftmax.Create(1);
        EvaluationResult before = Trainer.Evaluate(network, TestData.Test2k);
        var options = new TrainingOptions { Epochs = 2, MiniBatchSize = 10, LearningRate = 0.05, L2Regularization = 1.0, Seed = 1 };

        IReadOnlyList<EpochResult> results = Trainer.Train(network, TestData.Training10k, options, TestData.Test2k);

        output.WriteLine($"before: accuracy {before.Accuracy:F4}, cost {before.MeanCost:F4}");
        foreach (EpochResult r in results)
        {
            output.WriteLine($"epoch {r.Epoch}: train cost {r.TrainingCost:F4}, test accuracy {r.Test!.Value.Accuracy:F4}, cost {r.Test.Value.MeanCost:F4}");
        }
        EvaluationResult final = Trainer.Evaluate(network, TestData.Test2k);
        Assert.Equal(results[^1].Test, final with { Confusion = null });
        // Untrained, the network is near chance (10 classes); an MLP this size reaches ~0.8 within an epoch or two.
        Assert.True(before.Accuracy < 0.35, $"untrained accuracy {before.Accuracy:F4}");
        Assert.True(final.Accuracy >= 0.80, $"accuracy {final.Accuracy:F4} on the first 2,000 test images");
        // The mean log-likelihood fell well below its value for uniform outputs, ln 10 ≈ 2.30.
        Assert.True(final.MeanCost < 0.7, $"mean cost {final.MeanCost:F4}");
        Assert.True(results[^1].TrainingCost < results[0].TrainingCost);
    }

    /// <summary>
    /// A problem no linear model solves: inputs uniform in [0, 1)^n, the label the exclusive-or of x_0 &gt; ½ and
    /// x_1 &gt; ½ (a checkerboard), plus 2 when x_2 &gt; ½ if there are four classes. Points within 0.05 of a
    /// boundary are left out, so that the classes are separable with a margin.
    /// </summary>
    private static Dataset Checkerboard(int count, int inputSize, int classes, int seed)
    {
        var random = new DeterministicRandom(seed);
        var inputs = new float[count * inputSize];
        var labels = new int[count];
        var x = new float[inputSize];
        for (int s = 0; s < count; s++)
        {
            do
            {
                for (int i = 0; i < inputSize; i++)
                {
                    x[i] = (float)random.NextDouble();
                }
            }
            while (Math.Abs(x[0] - 0.5f) < 0.05f || Math.Abs(x[1] - 0.5f) < 0.05f || (classes == 4 && Math.Abs(x[2] - 0.5f) < 0.05f));
            x.CopyTo(inputs, s * inputSize);
            labels[s] = ((x[0] > 0.5f) ^ (x[1] > 0.5f) ? 1 : 0) + (classes == 4 && x[2] > 0.5f ? 2 : 0);
        }
        return new Dataset(inputs, labels, inputSize);
    }

    private void LearnsCheckerboard<TNet>(int classes, double learningRate, int epochs, double bar) where TNet : class, INetwork<TNet>
    {
        Dataset training = Checkerboard(1000, TNet.InputSize, classes, seed: 1), test = Checkerboard(500, TNet.InputSize, classes, seed: 2);
        TNet network = TNet.Create(3);
        var options = new TrainingOptions { Epochs = epochs, MiniBatchSize = 10, LearningRate = learningRate, Seed = 5 };

        IReadOnlyList<EpochResult> results = Trainer.Train(network, training, options, test);

        EvaluationResult final = results[^1].Test!.Value;
        output.WriteLine($"{typeof(TNet).Name}: accuracy after epoch 1 {results[0].Test!.Value.Accuracy:F4}, after {epochs} {final.Accuracy:F4}, cost {final.MeanCost:F4}");
        Assert.True(final.Accuracy >= bar, $"{typeof(TNet).Name}: accuracy {final.Accuracy:F4}, expected at least {bar}");
        Assert.True(results[^1].TrainingCost < results[0].TrainingCost);
    }

    // The best linear classifier of the checkerboard gets about 75 % of two classes right (one of the four squares
    // wrong) and so about 75 % of four: the bars need the hidden layers.
    [Fact]
    public void Blocked_ReLU_softmax_learns_a_checkerboard() => LearnsCheckerboard<BlockedReluSoftmax>(4, 0.1, 30, 0.9);

    [Fact]
    public void Unrolled_tanh_softmax_learns_a_checkerboard() => LearnsCheckerboard<UnrolledTanhSoftmax>(4, 0.1, 30, 0.9);

    [Fact]
    public void Softmax_with_the_quadratic_cost_learns_a_checkerboard() => LearnsCheckerboard<UnrolledLeakySoftmaxQuadratic>(4, 1.0, 100, 0.9);

    [Fact]
    public void A_mixed_network_learns_a_checkerboard() => LearnsCheckerboard<UnrolledMixed>(2, 0.1, 30, 0.9);

    [Fact]
    public void Evaluates_accuracy_by_arg_max_of_softmax_outputs_and_the_mean_log_likelihood()
    {
        // SingleSoftmax 3 → 4: z_i = 10 x_i − 5 for i < 3 and z_3 = −5, so output i is the largest exactly when
        // input i is 1; the zero input gives four equal outputs, and arg-max takes the first.
        SingleSoftmax network = SingleSoftmax.Create();
        Span<float> p = network.Parameters;
        for (int i = 0; i < 3; i++)
        {
            p[3 * i + i] = 10;
        }
        p[12..].Fill(-5);
        // Inputs e0, e1, e2, e2, 0, 0 with labels 0, 1, 1, 2, 0, 3: four right (e0, e1, e2→2, 0→0), two wrong.
        var data = new Dataset([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0, 1, 1, 2, 0, 3], 3);

        EvaluationResult result = Trainer.Evaluate(network, data);

        Assert.Equal(4, result.Correct);
        Assert.Equal(6, result.Count);
        Assert.Equal(4.0 / 6, result.Accuracy, 1e-12);

        ReferenceNet twin = ReferenceNet.Of<SingleSoftmax>();
        Assert.Equal(CostKind.LogLikelihood, twin.CostKind);
        double[] parameters = Reference.ToDouble(network.Parameters);
        double expectedCost = Enumerable.Range(0, data.Count).Average(s =>
        {
            var y = new double[4];
            y[data.Label(s)] = 1;
            return twin.Cost(parameters, Reference.ToDouble(data.Input(s)), y);
        });
        Assert.Equal(expectedCost, result.MeanCost, 1e-5);
        // ln(1 + 3e^−10) ≈ 1.4·10⁻⁴ for each of the three confident right answers, ln 4 for each tie and
        // ln(e^5 + 3e^−5) + 5 ≈ 10 for the confident wrong one: (3·1.4·10⁻⁴ + 2 ln 4 + 10) / 6 ≈ 2.13.
        Assert.Equal(2.13, result.MeanCost, 0.01);

        var outputs = new float[4];
        network.Forward(data.Input(4), outputs);
        Assert.All(outputs, value => Assert.Equal(0.25f, value));
        network.Forward(data.Input(0), outputs);
        Assert.Equal(1.0, outputs.Sum(v => (double)v), 1e-6);
        Assert.Equal(0, Array.IndexOf(outputs, outputs.Max()));
    }

    [Theory]
    [InlineData(ActivationKind.Sigmoid, CostKind.CrossEntropy)]
    [InlineData(ActivationKind.Softmax, CostKind.LogLikelihood)]
    [InlineData(ActivationKind.Tanh, CostKind.Quadratic)]
    [InlineData(ActivationKind.ReLU, CostKind.Quadratic)]
    [InlineData(ActivationKind.LeakyReLU, CostKind.Quadratic)]
    [InlineData(ActivationKind.Identity, CostKind.Quadratic)]
    public void The_default_cost_is_the_output_activations_natural_pair(ActivationKind outputActivation, CostKind expected)
    {
        Assert.Equal(expected, NetworkAttribute.NaturalCost(outputActivation));
        Assert.Equal(expected, new NetworkAttribute(2, 3, 1) { OutputActivation = outputActivation }.Cost);
        Assert.Equal(expected, new NetworkAttribute(2, 3, 1) { Activations = [ActivationKind.Tanh, outputActivation] }.Cost);
        Assert.Equal(CostKind.Quadratic, new NetworkAttribute(2, 3, 1) { OutputActivation = outputActivation, Cost = CostKind.Quadratic }.Cost);
    }
}
