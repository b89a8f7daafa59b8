using System;
using System.Text;
using static System.FormattableString;

namespace Backprop;

/// <summary>How a network does on a dataset (see <see cref="Trainer.Evaluate"/>).</summary>
/// <param name="Correct">The samples whose largest output (the first, on ties) is at the label's position.</param>
/// <param name="Count">The samples evaluated.</param>
/// <param name="MeanCost">The mean of the cost C_x over the samples, as <see cref="INetwork{TSelf}.Backprop"/> computes it (no regularisation term).</param>
/// <remarks>
/// A sample's predicted class is <see cref="Predictions.Class"/> of its outputs: the largest output (the first on ties; NaN
/// never wins), or for a single output 1 when it is at least 0.5, else 0. For real-valued targets there are no classes:
/// <see cref="Correct"/> is 0 and <see cref="Regression"/> holds the errors.
/// </remarks>
public readonly record struct EvaluationResult(int Correct, int Count, double MeanCost)
{
    /// <summary>The fraction of samples classified correctly, <see cref="Correct"/> / <see cref="Count"/> (0 when there are none).</summary>
    public double Accuracy => Count == 0 ? 0 : (double)Correct / Count;

    /// <summary>For a dataset of real-valued targets, MSE, RMSE, MAE and R² of the outputs; otherwise null.</summary>
    public RegressionMetrics? Regression { get; init; }

    /// <summary>
    /// For a dataset of class labels evaluated by <see cref="Trainer.Evaluate"/>, the counts of every (actual, predicted)
    /// pair; null for the evaluations during training (which allocate nothing) and for real-valued targets.
    /// </summary>
    public ConfusionMatrix? Confusion { get; init; }

    /// <summary>
    /// E.g. <c>accuracy 0.8697 (8697/10000), cost 0.3712</c>; for real-valued targets
    /// <c>R² 0.7612, RMSE 0.4871, cost 0.1186</c>.
    /// </summary>
    public override string ToString() => Regression is { } errors
        ? Invariant($"R² {errors.RSquared:F4}, RMSE {errors.RootMeanSquaredError:G4}, cost {MeanCost:F4}")
        : Invariant($"accuracy {Accuracy:F4} ({Correct}/{Count}), cost {MeanCost:F4}");
}

/// <summary>What one epoch of training did (reported by <see cref="Trainer"/>.Train after each epoch).</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Epochs">The number of epochs of the run.</param>
/// <param name="TrainingCost">The mean of the samples' costs C_x over the epoch, each as returned by <see cref="INetwork{TSelf}.Backprop"/> while training (before that sample's mini-batch step).</param>
/// <param name="Test">The evaluation on the test set after the epoch, if a test set was given.</param>
/// <param name="TrainingTime">The time spent training (shuffling, backpropagation, updates), without the evaluation.</param>
/// <param name="Elapsed">The time of the whole epoch, evaluation included.</param>
/// <param name="SamplesPerSecond">Training samples per second, measured over <paramref name="TrainingTime"/>.</param>
public readonly record struct EpochResult(
    int Epoch,
    int Epochs,
    double TrainingCost,
    EvaluationResult? Test,
    TimeSpan TrainingTime,
    TimeSpan Elapsed,
    double SamplesPerSecond)
{
    /// <summary>The learning rate η of the epoch, as <see cref="TrainingOptions.Schedule"/> set it.</summary>
    public double LearningRate { get; init; }

    /// <summary>The evaluation on the validation split after the epoch, if <see cref="TrainingOptions.ValidationCount"/> is set.</summary>
    public EvaluationResult? Validation { get; init; }

    /// <summary>The evaluation of the training set (without the validation split) after the epoch, if <see cref="TrainingOptions.EvaluateTrainingSet"/> is set.</summary>
    public EvaluationResult? Training { get; init; }

    /// <summary>
    /// The epoch whose parameters are the best so far by validation accuracy (this one if it improved on every
    /// earlier one), or 0 without a validation split.
    /// </summary>
    public int BestEpoch { get; init; }

    /// <summary>
    /// Whether early stopping ended training after this epoch (see <see cref="TrainingOptions.Patience"/>): the
    /// network then holds the parameters of <see cref="BestEpoch"/>, not this epoch's.
    /// </summary>
    public bool StoppedEarly { get; init; }

    /// <summary>
    /// One line for a log, e.g.
    /// <c>epoch 3/10: training cost 0.4123; test accuracy 0.8512 (8512/10000), cost 0.4290; 0.41 s, 146,341 samples/s</c>.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder(Invariant($"epoch {Epoch}/{Epochs}: training cost {TrainingCost:F4}"));
        if (Training is { } training)
        {
            text.Append("; training ").Append(training);
        }
        if (Validation is { } validation)
        {
            text.Append("; validation ").Append(validation);
        }
        if (Test is { } test)
        {
            text.Append("; test ").Append(test);
        }
        text.Append(Invariant($"; {TrainingTime.TotalSeconds:F2} s, {SamplesPerSecond:N0} samples/s"));
        if (StoppedEarly)
        {
            text.Append(Invariant($"; stopped early, keeping epoch {BestEpoch}"));
        }
        return text.ToString();
    }
}

/// <summary>Progress within an epoch, for live progress bars (see <see cref="Trainer"/>.Train).</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Epochs">The number of epochs of the run.</param>
/// <param name="SamplesDone">The training samples done in this epoch (whole mini-batches).</param>
/// <param name="SampleCount">The training samples in an epoch.</param>
public readonly record struct EpochProgress(int Epoch, int Epochs, int SamplesDone, int SampleCount);
