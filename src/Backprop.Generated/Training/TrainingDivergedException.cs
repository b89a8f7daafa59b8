using System;

namespace Backprop;

/// <summary>
/// Training stopped because the cost or the parameters became NaN or infinite, almost always
/// because the learning rate is too large. The message names the epoch and the learning rate.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened, with advice.</param>
    /// <param name="epoch">The epoch (from 1) in which training diverged.</param>
    /// <param name="learningRate">The learning rate η of the run.</param>
    public TrainingDivergedException(string message, int epoch, double learningRate)
        : base(message)
    {
        Epoch = epoch;
        LearningRate = learningRate;
    }

    /// <summary>The epoch (from 1) in which training diverged.</summary>
    public int Epoch { get; }

    /// <summary>The learning rate η of the run.</summary>
    public double LearningRate { get; }
}
