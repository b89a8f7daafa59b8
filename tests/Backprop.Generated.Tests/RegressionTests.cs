using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Backprop.Generated.Tests;

[Network(1, 24, 1, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Identity)]
public sealed partial class SineNet { }

[Network(3, 8, 2, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Identity)]
public sealed partial class TwoOutputNet { }

[Network(2, 6, 1)]
public sealed partial class YesNoNet { }

/// <summary>Real-valued targets end to end: data sets, splits, standardisation folded into the weights, regression training.</summary>
public sealed class RegressionTests
{
    [Fact]
    public void A_dataset_of_real_targets_keeps_its_rows_and_slices_without_copying()
    {
        float[] inputs = [1, 2, 3, 4, 5, 6];
        float[] targets = [10, 11, 20, 21, 30, 31];
        var data = new Dataset(inputs, targets, inputSize: 2, targetSize: 2);

        Assert.False(data.HasLabels);
        Assert.Equal(3, data.Count);
        Assert.Equal(2, data.TargetSize);
        Assert.Equal(0, data.ClassCount);
        Assert.True(data.Labels.IsEmpty);
        Assert.Equal(targets, data.Targets.ToArray());
        Dataset tail = data.Slice(1, 2);
        Assert.Equal(new float[] { 20, 21, 30, 31 }, tail.Targets.ToArray());
        var row = new float[2];
        tail.Target(1, row);
        Assert.Equal(new float[] { 30, 31 }, row);
        Assert.Throws<InvalidOperationException>(() => data.Label(0));
        Assert.Throws<ArgumentException>(() => data.Target(0, new float[3]));
    }

    [Fact]
    public void Bad_target_arrays_are_refused_naming_the_problem()
    {
        Assert.Contains("targets must hold 2 samples × 1 values", Assert.Throws<ArgumentException>(() => new Dataset([1, 2], [1f], 1, 1)).Message, StringComparison.Ordinal);
        Assert.Contains("not whole rows of 2", Assert.Throws<ArgumentException>(() => new Dataset([1, 2, 3], [1f], 2, 1)).Message, StringComparison.Ordinal);
        ArgumentException nan = Assert.Throws<ArgumentException>(() => new Dataset([1, 2], [1f, float.NaN], 1, 1));
        Assert.Equal("targets", nan.ParamName);
        Assert.Contains("sample 1", nan.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dataset([1, 2], [1f, 2f], 1, 0));
    }

    [Fact]
    public void FromRows_copies_the_spans_once()
    {
        float[] inputs = [1, 2];
        float[] targets = [3, 4];
        Dataset data = Dataset.FromRows(inputs, targets, 1, 1);
        inputs[0] = 99;
        targets[0] = 99;
        Assert.Equal(new float[] { 1, 2 }, data.Inputs.ToArray());
        Assert.Equal(new float[] { 3, 4 }, data.Targets.ToArray());
    }

    [Fact]
    public void Split_shuffles_with_its_seed_and_loses_no_sample()
    {
        float[] inputs = [.. Enumerable.Range(0, 50).Select(i => (float)i)];
        float[] targets = [.. inputs.Select(x => 2 * x)];
        var data = new Dataset(inputs, targets, 1, 1);

        (Dataset training, Dataset test) = data.Split(0.8, seed: 3);
        (Dataset again, _) = data.Split(0.8, seed: 3);
        (Dataset other, _) = data.Split(0.8, seed: 4);

        Assert.Equal(40, training.Count);
        Assert.Equal(10, test.Count);
        Assert.Equal(training.Inputs.ToArray(), again.Inputs.ToArray());
        Assert.NotEqual(training.Inputs.ToArray(), other.Inputs.ToArray());
        Assert.Equal(inputs, training.Inputs.ToArray().Concat(test.Inputs.ToArray()).Order());
        for (int i = 0; i < training.Count; i++)
        {
            Assert.Equal(2 * training.Inputs[i], training.Targets[i]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(1.0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Split(0.001, 1));
    }

    [Fact]
    public void Standardization_fits_population_mean_and_deviation_and_restores_exactly_enough()
    {
        // Columns: 1, 2, 3, 4 (μ 2.5, σ √1.25) and 10, 10, 10, 10 (constant: σ taken as 1).
        float[] rows = [1, 10, 2, 10, 3, 10, 4, 10];
        Standardization s = Standardization.Fit(rows, 2);
        Assert.Equal(2.5, s.Means[0], 12);
        Assert.Equal(Math.Sqrt(1.25), s.StandardDeviations[0], 12);
        Assert.Equal(10, s.Means[1], 12);
        Assert.Equal(1, s.StandardDeviations[1], 12);

        float[] copy = (float[])rows.Clone();
        s.Apply(copy);
        Assert.Equal((float)((1 - 2.5) / Math.Sqrt(1.25)), copy[0]);
        Assert.Equal(0f, copy[1]);
        s.Restore(copy);
        for (int k = 0; k < rows.Length; k++)
        {
            Assert.Equal(rows[k], copy[k], 5);
        }

        // Offsets far from zero keep their spread (two passes around the mean).
        Standardization far = Standardization.Fit([1_000_000f, 1_000_002f], 1);
        Assert.Equal(1, far.StandardDeviations[0], 9);
    }

    [Fact]
    public void Folding_the_scalings_makes_the_network_take_raw_rows_and_give_raw_targets_through_save_and_load()
    {
        var random = new DeterministicRandom(9);
        float[] inputs = [.. Enumerable.Range(0, 60).Select(_ => (float)(500 + 80 * random.NextDouble()))];
        float[] targets = [.. Enumerable.Range(0, 40).Select(_ => (float)(-3000 + 400 * random.NextDouble()))];
        var raw = new Dataset(inputs, targets, 3, 2);
        Standardization x = Standardization.FitInputs(raw), y = Standardization.FitTargets(raw);
        Dataset scaled = y.ApplyToTargets(x.ApplyToInputs(raw));

        TwoOutputNet network = TwoOutputNet.Create(4);
        var expected = new float[2];
        var actual = new float[2];
        float[][] before = [.. Enumerable.Range(0, raw.Count).Select(i =>
        {
            network.Forward(scaled.Input(i), expected);
            y.Restore(expected);
            return expected.ToArray();
        })];

        x.FoldIntoInputs(network);
        y.FoldIntoOutputs(network);
        string path = Path.Combine(Path.GetTempPath(), $"folded-{Guid.NewGuid():N}.bpnet");
        try
        {
            NetworkSerializer.Save(network, path);
            TwoOutputNet loaded = NetworkSerializer.Load<TwoOutputNet>(path);
            for (int i = 0; i < raw.Count; i++)
            {
                loaded.Forward(raw.Input(i), actual);
                for (int k = 0; k < 2; k++)
                {
                    Assert.True(Math.Abs(actual[k] - before[i][k]) <= 1e-4 * Math.Abs(before[i][k]), $"sample {i}, output {k}: {actual[k]} against {before[i][k]}");
                }
            }
        }
        finally
        {
            File.Delete(path);
        }

        Assert.Throws<InvalidOperationException>(() => Standardization.Fit([1f, 2f], 1).FoldIntoOutputs(YesNoNet.Create(1)));
        Assert.Throws<ArgumentException>(() => Standardization.Fit([1f, 2f], 1).FoldIntoInputs(network));
    }

    [Fact]
    public void The_folded_scaling_travels_in_the_text_form_that_is_baked()
    {
        // Baking reads exactly the bytes of SaveBase64's text (BakedWeightsTests in the generator tests), so a folded
        // model bakes with its scaling: here the text is decoded as the generator decodes it and loaded back.
        var raw = new Dataset([100f, 200f, 300f, 110f, 190f, 330f], [5f, -5f, 15f, -15f], 3, 2);
        Standardization x = Standardization.FitInputs(raw), y = Standardization.FitTargets(raw);
        TwoOutputNet network = TwoOutputNet.Create(8);
        x.FoldIntoInputs(network);
        y.FoldIntoOutputs(network);
        string path = Path.Combine(Path.GetTempPath(), $"folded-{Guid.NewGuid():N}.bpnet.b64");
        try
        {
            NetworkSerializer.SaveBase64(network, path);
            byte[] bytes = Convert.FromBase64String(File.ReadAllText(path));
            TwoOutputNet baked = NetworkSerializer.Load<TwoOutputNet>(new MemoryStream(bytes), path);
            Assert.Equal(network.Parameters.ToArray(), baked.Parameters.ToArray());
            float[] expected = new float[2], actual = new float[2];
            network.Forward(raw.Input(1), expected);
            baked.Forward(raw.Input(1), actual);
            Assert.Equal(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_regression_network_learns_the_sine_to_a_small_error()
    {
        // y = sin x on [−π, π], 400 samples; 1-24-1 tanh with an identity output and the quadratic cost, Adam.
        const int count = 400;
        float[] xs = [.. Enumerable.Range(0, count).Select(i => (float)(-Math.PI + 2 * Math.PI * i / (count - 1)))];
        float[] ys = [.. xs.Select(x => MathF.Sin(x))];
        var data = new Dataset(xs, ys, 1, 1);
        SineNet network = SineNet.Create(2);
        var options = new TrainingOptions
        {
            Epochs = 300, MiniBatchSize = 10, LearningRate = 0.01, Optimizer = new Adam(), Schedule = new CosineSchedule(), Seed = 5,
        };

        var results = Trainer.Train(network, data, options, test: data);

        var output = new float[1];
        double squares = 0;
        for (int i = 0; i < count; i++)
        {
            network.Forward(data.Input(i), output);
            squares += (output[0] - ys[i]) * (output[0] - ys[i]);
        }
        double rmse = Math.Sqrt(squares / count);
        Assert.True(rmse < 0.02, $"RMSE {rmse:G4} after {options.Epochs} epochs");
        // The quadratic cost is C = ½‖a − y‖², so the mean cost is half the mean squared error.
        Assert.Equal(squares / count / 2, results[^1].Test!.Value.MeanCost, 4);
        Assert.Equal(0, results[^1].Test!.Value.Correct);
    }

    [Fact]
    public void Several_real_outputs_train_together_and_report_regression_metrics()
    {
        // Two targets of three inputs in [0, 1): y0 = x0 + 2·x1, y1 = 1 − x2 (a ReLU network with identity outputs).
        var random = new DeterministicRandom(21);
        const int count = 500;
        var inputs = new float[3 * count];
        var targets = new float[2 * count];
        for (int i = 0; i < count; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                inputs[3 * i + j] = (float)random.NextDouble();
            }
            targets[2 * i] = inputs[3 * i] + 2 * inputs[3 * i + 1];
            targets[2 * i + 1] = 1 - inputs[3 * i + 2];
        }
        (Dataset training, Dataset test) = new Dataset(inputs, targets, 3, 2).Split(0.8, seed: 6);
        TwoOutputNet network = TwoOutputNet.Create(9);

        Trainer.Train(network, training, new TrainingOptions { Epochs = 60, LearningRate = 0.01, Optimizer = new Adam(), Seed = 3 });

        EvaluationResult result = Trainer.Evaluate(network, test);
        RegressionMetrics metrics = Assert.NotNull(result.Regression);
        Assert.Equal(2, metrics.Outputs);
        Assert.Equal(test.Count, metrics.Count);
        Assert.True(metrics.RSquared > 0.98, $"R² {metrics.RSquared}");
        // C_x = ½‖a − y‖² over two outputs, so the mean cost is the mean squared error over samples and outputs.
        Assert.True(Math.Abs(metrics.MeanSquaredError - result.MeanCost) <= 1e-4 * result.MeanCost, $"MSE {metrics.MeanSquaredError} against mean cost {result.MeanCost}");
        Assert.Null(result.Confusion);
    }

    [Fact]
    public void A_single_sigmoid_output_learns_yes_or_no_from_labels_0_and_1()
    {
        // Label 1 when x0 + x1 > 1: a line a 2-6-1 sigmoid network separates.
        var random = new DeterministicRandom(12);
        const int count = 600;
        var inputs = new float[2 * count];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            inputs[2 * i] = (float)random.NextDouble();
            inputs[2 * i + 1] = (float)random.NextDouble();
            labels[i] = inputs[2 * i] + inputs[2 * i + 1] > 1 ? 1 : 0;
        }
        var data = new Dataset(inputs, labels, 2);
        var target = new float[1];
        data.Target(Array.IndexOf(labels, 1), target);
        Assert.Equal(1f, target[0]);
        data.Target(Array.IndexOf(labels, 0), target);
        Assert.Equal(0f, target[0]);

        YesNoNet network = YesNoNet.Create(3);
        var results = Trainer.Train(network, data, new TrainingOptions { Epochs = 40, LearningRate = 1, Seed = 2 }, test: data);

        Assert.True(results[^1].Test!.Value.Accuracy > 0.95, $"accuracy {results[^1].Test!.Value.Accuracy}");
        Assert.Throws<ArgumentException>(() => Trainer.Train(network, new Dataset([0f, 0f], [2], 2), new TrainingOptions()));
    }

    [Fact]
    public void Targets_of_another_width_than_the_output_layer_are_refused()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => Trainer.Train(SineNet.Create(1), new Dataset([1f], [1f, 2f], 1, 2), new TrainingOptions()));
        Assert.Contains("2 targets per sample but the network's output layer has 1", e.Message, StringComparison.Ordinal);
    }
}
