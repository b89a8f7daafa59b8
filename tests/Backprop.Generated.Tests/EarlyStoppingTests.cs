using System;
using System.Collections.Generic;
using System.IO;
using Backprop.Generated.Tests.Networks;
using Xunit;
using Xunit.Abstractions;

namespace Backprop.Generated.Tests;

public sealed class EarlyStoppingTests(ITestOutputHelper output) : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>60 FiveLayer samples: 9 random inputs, 5 random classes.</summary>
    private static Dataset Data(int seed = 1) => SessionKit.RandomData(60, 9, 5, seed);

    /// <summary>
    /// A task <see cref="UnrolledTanhSoftmax"/> (5 → 7 → 4) can learn, but not perfectly from a few samples: the label is
    /// the index of the largest of the first 4 of 5 random inputs. The validation accuracy climbs, then stalls: early
    /// stopping has something to do.
    /// </summary>
    private static Dataset Learnable(int count, int seed)
    {
        var random = new DeterministicRandom(seed);
        var inputs = new float[count * 5];
        var labels = new int[count];
        for (int s = 0; s < count; s++)
        {
            for (int j = 0; j < 5; j++)
            {
                inputs[5 * s + j] = (float)random.NextDouble();
            }
            int best = 0;
            for (int j = 1; j < 4; j++)
            {
                best = inputs[5 * s + j] > inputs[5 * s + best] ? j : best;
            }
            labels[s] = best;
        }
        return new Dataset(inputs, labels, 5);
    }

    [Fact]
    public void The_validation_split_is_the_last_samples_and_is_evaluated_every_epoch()
    {
        Dataset data = Data();
        TrainingOptions options = SessionKit.Options("sgd") with { ValidationCount = 15 };
        using var session = new TrainingSession<FiveLayer>(FiveLayer.Create(3), data, options);

        Assert.Equal(45, session.Training.Count);
        Assert.NotNull(session.Validation);
        Dataset validation = session.Validation;
        Assert.Equal(15, validation.Count);
        Assert.True(session.Training.Inputs.SequenceEqual(data.Inputs[..(45 * 9)]));
        Assert.True(session.Training.Labels.SequenceEqual(data.Labels[..45]));
        Assert.True(validation.Inputs.SequenceEqual(data.Inputs[(45 * 9)..]));
        Assert.True(validation.Labels.SequenceEqual(data.Labels[45..]));

        for (int epoch = 1; epoch <= 2; epoch++)
        {
            EpochResult result = session.RunEpoch();
            Assert.NotNull(result.Validation);
            Assert.Equal(15, result.Validation.Value.Count);
            Assert.Equal(Trainer.Evaluate(session.Network, validation) with { Confusion = null }, result.Validation.Value);
            Assert.Null(result.Training);
            Assert.Null(result.Test);
            Assert.InRange(result.BestEpoch, 1, epoch);
            Assert.False(result.StoppedEarly);
        }

        // Without a split: everything is trained on, nothing validated.
        using var whole = new TrainingSession<FiveLayer>(FiveLayer.Create(3), data, SessionKit.Options("sgd"));
        Assert.Same(data, whole.Training);
        Assert.Null(whole.Validation);
        EpochResult plain = whole.RunEpoch();
        Assert.Null(plain.Validation);
        Assert.Equal(0, plain.BestEpoch);
        Assert.Equal(0, whole.BestEpoch);
    }

    [Theory]
    [InlineData("sgd", 1)]
    [InlineData("adam", 1)]
    [InlineData("momentum", 2)]
    public void The_validation_samples_are_never_trained_on(string optimizer, int threads)
    {
        // Two training sets that share their first 45 samples and differ in every one of their last 15, inputs and
        // labels: with those 15 held out, training is bit for bit the same, and the same as on the 45 alone.
        Dataset data = Data();
        Dataset other = SessionKit.RandomData(60, 9, 5, seed: 77);
        float[] inputs = other.Inputs.ToArray();
        int[] labels = other.Labels.ToArray();
        data.Inputs[..(45 * 9)].CopyTo(inputs);
        data.Labels[..45].CopyTo(labels);
        for (int s = 45; s < 60; s++)
        {
            // Labels that contradict the original ones wherever they could matter.
            labels[s] = (data.Label(s) + 1 + s % 4) % 5;
        }
        var changed = new Dataset(inputs, labels, 9);

        TrainingOptions options = SessionKit.Options(optimizer, "cosine") with { Threads = threads, Epochs = 3 };
        float[] Train(Dataset set, TrainingOptions o, out EpochResult last)
        {
            using var session = new TrainingSession<FiveLayer>(FiveLayer.Create(3), set, o);
            last = default;
            for (int e = 0; e < 3; e++)
            {
                last = session.RunEpoch();
            }
            return session.Network.Parameters.ToArray();
        }

        float[] original = Train(data, options with { ValidationCount = 15 }, out EpochResult originalResult);
        float[] withChanged = Train(changed, options with { ValidationCount = 15 }, out EpochResult changedResult);
        float[] alone = Train(data.Take(45), options, out _);
        float[] everything = Train(data, options, out _);

        Assert.Equal(SessionKit.Bits(original), SessionKit.Bits(withChanged));
        Assert.Equal(SessionKit.Bits(original), SessionKit.Bits(alone));
        // The validation sets really differ, and training on all 60 really differs.
        Assert.NotEqual(originalResult.Validation, changedResult.Validation);
        Assert.NotEqual(SessionKit.Bits(original), SessionKit.Bits(everything));
    }

    [Theory]
    [InlineData(60)]
    [InlineData(61)]
    [InlineData(1000)]
    public void A_validation_split_that_leaves_nothing_to_train_on_is_refused(int validationCount)
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainingSession<FiveLayer>(
            FiveLayer.Create(1), Data(), SessionKit.Options("sgd") with { ValidationCount = validationCount }));
        Assert.Equal("options", e.ParamName);

        // 59 leaves one.
        using var session = new TrainingSession<FiveLayer>(FiveLayer.Create(1), Data(), SessionKit.Options("sgd") with { ValidationCount = 59 });
        Assert.Equal(1, session.Training.Count);
    }

    [Fact]
    public void Patience_without_a_validation_split_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new TrainingSession<FiveLayer>(
            FiveLayer.Create(1), Data(), SessionKit.Options("sgd") with { Patience = 2 }));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("ValidationCount", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Trainer.Train(FiveLayer.Create(1), Data(), SessionKit.Options("sgd") with { Patience = 1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { Patience = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingOptions { ValidationCount = -1 });
    }

    private const int Patience = 3;

    /// <summary>The early-stopping case: 80 learnable samples, the last 30 the validation split.</summary>
    private static Dataset StoppingData() => Learnable(80, seed: 4);

    private static TrainingOptions StoppingOptions(int patience) => new()
    {
        Epochs = 40,
        MiniBatchSize = 5,
        LearningRate = 0.5,
        Seed = 2,
        ValidationCount = 30,
        Patience = patience,
    };

    /// <summary>
    /// The run without patience, epoch by epoch: each epoch's validation accuracy and parameters, and the epochs at
    /// which the patience rule finds the best and stops (the first epoch with K epochs since a strict improvement).
    /// </summary>
    private (List<int[]> Parameters, int Best, int Stop) Unstopped()
    {
        var parameters = new List<int[]> { Array.Empty<int>() };
        var accuracies = new List<double>();
        using var session = new TrainingSession<UnrolledTanhSoftmax>(UnrolledTanhSoftmax.Create(7), StoppingData(), StoppingOptions(patience: 0));
        int best = 0, stop = 0, since = 0;
        double bestAccuracy = 0;
        for (int epoch = 1; epoch <= 40 && stop == 0; epoch++)
        {
            EpochResult result = session.RunEpoch();
            Assert.False(result.StoppedEarly);
            double accuracy = result.Validation!.Value.Accuracy;
            accuracies.Add(accuracy);
            parameters.Add(SessionKit.Bits(session.Network.Parameters));
            if (best == 0 || accuracy > bestAccuracy)
            {
                (best, bestAccuracy, since) = (epoch, accuracy, 0);
            }
            else if (++since >= Patience)
            {
                stop = epoch;
            }
            Assert.Equal(best, result.BestEpoch);
        }
        output.WriteLine($"validation accuracies {string.Join(", ", accuracies)}: best epoch {best}, stop after {stop}");
        // The case must really stop early, and its best epoch must not be the first, nor the last.
        Assert.True(stop > 0, "validation accuracy kept improving: the case does not exercise early stopping");
        Assert.True(best > 1, $"best epoch {best}");
        Assert.Equal(best + Patience, stop);
        return (parameters, best, stop);
    }

    [Fact]
    public void Early_stopping_ends_training_and_puts_back_the_best_epoch()
    {
        (List<int[]> unstopped, int best, int stop) = Unstopped();

        // Trainer.Train: fewer results than epochs, the last one says it stopped, the network holds the best epoch.
        var snapshots = new List<int[]> { Array.Empty<int>() };
        UnrolledTanhSoftmax network = UnrolledTanhSoftmax.Create(7);
        IReadOnlyList<EpochResult> results = Trainer.Train(
            network, StoppingData(), StoppingOptions(Patience),
            progress: new SyncProgress<EpochResult>(_ => snapshots.Add(SessionKit.Bits(network.Parameters))));

        Assert.Equal(stop, results.Count);
        Assert.True(results.Count < 40);
        for (int i = 0; i < results.Count; i++)
        {
            Assert.Equal(i + 1, results[i].Epoch);
            Assert.Equal(i == results.Count - 1, results[i].StoppedEarly);
            // Patience changes nothing before it stops.
            if (i + 1 < stop)
            {
                Assert.Equal(unstopped[i + 1], snapshots[i + 1]);
            }
        }
        Assert.Equal(best, results[^1].BestEpoch);
        Assert.Equal(unstopped[best], SessionKit.Bits(network.Parameters));
        Assert.Equal(snapshots[best], SessionKit.Bits(network.Parameters));
        Assert.NotEqual(unstopped[stop], SessionKit.Bits(network.Parameters));

        // A session: the same, and no epoch after the stop.
        using var session = new TrainingSession<UnrolledTanhSoftmax>(UnrolledTanhSoftmax.Create(7), StoppingData(), StoppingOptions(Patience));
        EpochResult last;
        do
        {
            last = session.RunEpoch();
        }
        while (!last.StoppedEarly);
        Assert.Equal(stop, last.Epoch);
        Assert.Equal(stop, session.EpochsCompleted);
        Assert.Equal(best, session.BestEpoch);
        Assert.True(session.StoppedEarly);
        Assert.Equal(unstopped[best], SessionKit.Bits(session.Network.Parameters));
        long steps = session.StepsTaken;

        var e = Assert.Throws<InvalidOperationException>(() => session.RunEpoch());
        Assert.Contains("Early stopping", e.Message, StringComparison.Ordinal);
        Assert.Equal(unstopped[best], SessionKit.Bits(session.Network.Parameters));
        Assert.Equal(stop, session.EpochsCompleted);
        Assert.Equal(steps, session.StepsTaken);
    }

    [Fact]
    public void Early_stopping_resumes_from_a_checkpoint_between_the_best_epoch_and_the_stop()
    {
        (List<int[]> unstopped, int best, int stop) = Unstopped();
        string path = _folder.File("stopping.ckpt");

        // Saved after the best epoch, before the stop: the best parameters travel in the checkpoint.
        using (var first = new TrainingSession<UnrolledTanhSoftmax>(UnrolledTanhSoftmax.Create(7), StoppingData(), StoppingOptions(Patience)))
        {
            SessionKit.RunEpochs(first, best + 1);
            Assert.False(first.StoppedEarly);
            first.SaveCheckpoint(path);
        }
        using var resumed = new TrainingSession<UnrolledTanhSoftmax>(UnrolledTanhSoftmax.Create(), StoppingData(), StoppingOptions(Patience));
        resumed.LoadCheckpoint(path);
        Assert.Equal(best, resumed.BestEpoch);
        Assert.Equal(best + 1, resumed.EpochsCompleted);
        EpochResult last;
        do
        {
            last = resumed.RunEpoch();
        }
        while (!last.StoppedEarly);
        Assert.Equal(stop, last.Epoch);
        Assert.Equal(best, last.BestEpoch);
        Assert.Equal(unstopped[best], SessionKit.Bits(resumed.Network.Parameters));

        // Saved after the stop: a session that loads it has stopped too.
        string stopped = _folder.File("stopped.ckpt");
        resumed.SaveCheckpoint(stopped);
        Assert.Equal(stop, NetworkSerializer.ReadInfo(stopped).TrainedEpochs);
        using var after = new TrainingSession<UnrolledTanhSoftmax>(UnrolledTanhSoftmax.Create(), StoppingData(), StoppingOptions(Patience));
        after.LoadCheckpoint(stopped);
        Assert.True(after.StoppedEarly);
        Assert.Equal(best, after.BestEpoch);
        Assert.Equal(stop, after.EpochsCompleted);
        Assert.Equal(unstopped[best], SessionKit.Bits(after.Network.Parameters));
        Assert.Throws<InvalidOperationException>(() => after.RunEpoch());
        Assert.True(File.Exists(stopped));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(15)]
    public void Evaluating_the_training_set_covers_the_samples_trained_on(int validationCount)
    {
        Dataset data = Data();
        TrainingOptions options = SessionKit.Options("adam") with { ValidationCount = validationCount, EvaluateTrainingSet = true };
        using var session = new TrainingSession<FiveLayer>(FiveLayer.Create(3), data, options, test: Data(seed: 5));

        for (int epoch = 1; epoch <= 2; epoch++)
        {
            EpochResult result = session.RunEpoch();
            Assert.NotNull(result.Training);
            Assert.Equal(60 - validationCount, result.Training.Value.Count);
            Assert.Equal(Trainer.Evaluate(session.Network, session.Training) with { Confusion = null }, result.Training.Value);
            Assert.Equal(validationCount > 0, result.Validation.HasValue);
            Assert.Equal(60, result.Test!.Value.Count);
        }

        using var off = new TrainingSession<FiveLayer>(FiveLayer.Create(3), data, options with { EvaluateTrainingSet = false });
        Assert.Null(off.RunEpoch().Training);
    }
}
