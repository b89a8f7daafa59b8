using System;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// The hyper-parameters of mini-batch stochastic gradient descent (see <see cref="Trainer"/>).
/// Every property is checked when it is set: an invalid value throws
/// <see cref="ArgumentOutOfRangeException"/> at once, so an options object is always valid.
/// </summary>
/// <example>
/// <code>
/// var options = new TrainingOptions { Epochs = 30, MiniBatchSize = 10, LearningRate = 0.1, L2Regularization = 5.0, Seed = 1 };
/// </code>
/// </example>
public sealed record TrainingOptions
{
    private readonly int _epochs = 30;
    private readonly int _miniBatchSize = 10;
    private readonly double _learningRate = 0.1;
    private readonly double _l2Regularization;
    private readonly int _threads = 1;

    /// <summary>The number of epochs: full passes over the training set. At least 1; 30 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int Epochs
    {
        get => _epochs;
        init => _epochs = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Epochs), value, Invariant($"Epochs must be at least 1 but is {value}."));
    }

    /// <summary>
    /// The mini-batch size m: how many samples' gradients are averaged into each step. At least 1;
    /// 10 by default. The last mini-batch of an epoch is smaller when m does not divide the
    /// training-set size; its step averages over its real size.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MiniBatchSize
    {
        get => _miniBatchSize;
        init => _miniBatchSize = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MiniBatchSize), value, Invariant($"MiniBatchSize must be at least 1 but is {value}."));
    }

    /// <summary>The learning rate η. Positive and finite; 0.1 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative, infinite or NaN.</exception>
    public double LearningRate
    {
        get => _learningRate;
        init => _learningRate = value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, Invariant($"LearningRate (η) must be positive and finite but is {value}."));
    }

    /// <summary>
    /// The L2 regularisation parameter λ (weight decay on the weights, never the biases): each step
    /// first scales every weight by 1 − ηλ/n, n the training-set size. Zero or positive and finite;
    /// 0 (plain SGD) by default.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public double L2Regularization
    {
        get => _l2Regularization;
        init => _l2Regularization = value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(L2Regularization), value, Invariant($"L2Regularization (λ) must be zero or positive and finite but is {value}."));
    }

    /// <summary>
    /// The threads that work on each mini-batch. 1 by default: the network's fused
    /// <see cref="INetwork{TSelf}.TrainBatch"/>, the fastest for small mini-batches. With more, each
    /// mini-batch is split between the threads, each backpropagating its part into a gradient of its
    /// own (<see cref="INetwork{TSelf}.AccumulateGradient"/>); the gradients are then summed and the
    /// same step is taken. That pays only when the parts are large (measured on two cores: see the
    /// README); the result differs from one thread's in the last bits (summation order) and is
    /// reproducible for a given thread count. At least 1, at most 64.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1 or more than 64.</exception>
    public int Threads
    {
        get => _threads;
        init => _threads = value is >= 1 and <= 64
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Threads), value, Invariant($"Threads must be between 1 and 64 but is {value}."));
    }

    /// <summary>
    /// The seed of the <see cref="DeterministicRandom"/> that shuffles the training set every
    /// epoch; the same seed gives the same order, hence bit-identical training on the same machine.
    /// 0 by default. (The network's initial parameters come from its own seed, see
    /// <see cref="INetwork{TSelf}.Create(int)"/>.)
    /// </summary>
    public int Seed { get; init; }
}
