using System;

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
}

/// <summary>What one epoch of training did (reported by <see cref="Trainer.Train"/> after each epoch).</summary>
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
}

/// <summary>Progress within an epoch, for live progress bars (see <see cref="Trainer.Train"/>).</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Epochs">The number of epochs of the run.</param>
/// <param name="SamplesDone">The training samples done in this epoch (whole mini-batches).</param>
/// <param name="SampleCount">The training samples in an epoch.</param>
public readonly record struct EpochProgress(int Epoch, int Epochs, int SamplesDone, int SampleCount);
