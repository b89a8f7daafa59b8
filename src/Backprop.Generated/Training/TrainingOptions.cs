using System;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// The hyper-parameters of mini-batch training (see <see cref="Trainer"/>): the optimizer and its learning-rate
/// schedule, regularisation, the validation split and early stopping.
/// Every property is checked when it is set: an invalid value throws
/// <see cref="ArgumentOutOfRangeException"/> at once, so an options object is always valid.
/// </summary>
/// <example>
/// <code>
/// var sgd = new TrainingOptions { Epochs = 30, MiniBatchSize = 10, LearningRate = 0.1, L2Regularization = 5.0, Seed = 1 };
/// var adam = new TrainingOptions
/// {
///     Epochs = 15, LearningRate = 0.001, Optimizer = new Adam(), Schedule = new CosineSchedule(),
///     ValidationCount = 10_000, Patience = 3,
/// };
/// </code>
/// </example>
public sealed record TrainingOptions
{
    private readonly int _epochs = 30;
    private readonly int _miniBatchSize = 10;
    private readonly double _learningRate = 0.1;
    private readonly double _l2Regularization;
    private readonly int _threads = 1;
    private readonly Optimizer _optimizer = Sgd.Instance;
    private readonly LearningRateSchedule _schedule = ConstantSchedule.Instance;
    private readonly int _validationCount;
    private readonly int _patience;

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

    /// <summary>
    /// The learning rate η (η₀ of the <see cref="Schedule"/>). Positive and finite; 0.1 by default (for SGD; Adam is
    /// usually run with 0.001).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative, infinite or NaN.</exception>
    public double LearningRate
    {
        get => _learningRate;
        init => _learningRate = value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, Invariant($"LearningRate (η) must be positive and finite but is {value}."));
    }

    /// <summary>
    /// The L2 regularisation parameter λ (on the weights, never the biases): the cost gains (λ/2n)·Σw², so every
    /// optimizer sees (λ/n)·w added to each weight's gradient, n the training-set size (without the validation
    /// split). For SGD that is the weight decay w ← (1 − ηλ/n)·w before the gradient step. Zero or positive and
    /// finite; 0 by default. (For <see cref="AdamW"/>'s decoupled decay, see <see cref="AdamW.WeightDecay"/>.)
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
    /// own (<see cref="INetwork{TSelf}.AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/>); the gradients are then summed and the
    /// same step is taken. That pays only when the parts are large (measured on two cores: see
    /// docs/performance.md in the repository); the result differs from one thread's in the last bits
    /// (summation order) and is reproducible for a given thread count. At least 1, at most 64.
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

    /// <summary>The update rule: <see cref="Sgd"/> (the default), <see cref="Momentum"/>, <see cref="Adam"/>, <see cref="AdamW"/> or your own.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public Optimizer Optimizer
    {
        get => _optimizer;
        init => _optimizer = value ?? throw new ArgumentNullException(nameof(Optimizer));
    }

    /// <summary>The learning rate of each epoch: <see cref="ConstantSchedule"/> (the default), <see cref="StepSchedule"/>, <see cref="CosineSchedule"/> or your own.</summary>
    /// <exception cref="ArgumentNullException">The value is null.</exception>
    public LearningRateSchedule Schedule
    {
        get => _schedule;
        init => _schedule = value ?? throw new ArgumentNullException(nameof(Schedule));
    }

    /// <summary>
    /// How many samples to hold out from the end of the training set for validation: they are never trained on, and
    /// their cost and accuracy are reported after every epoch (<see cref="EpochResult.Validation"/>). 0 (no split)
    /// by default; must leave at least one training sample. For MNIST the classic split is 10,000 (Nielsen's 50,000 /
    /// 10,000).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int ValidationCount
    {
        get => _validationCount;
        init => _validationCount = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ValidationCount), value, Invariant($"ValidationCount must be zero or positive but is {value}."));
    }

    /// <summary>
    /// Early stopping: stop when the validation accuracy has not improved on its best for this many epochs in a row,
    /// and put back the parameters of the best epoch. 0 (train every epoch) by default; needs a
    /// <see cref="ValidationCount"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    public int Patience
    {
        get => _patience;
        init => _patience = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Patience), value, Invariant($"Patience must be zero or positive but is {value}."));
    }

    /// <summary>
    /// Whether to evaluate the whole training set (its accuracy and mean cost with the parameters at the end of the
    /// epoch) after every epoch, for a learning curve: <see cref="EpochResult.Training"/>. Off by default (it costs a
    /// forward pass over the training set).
    /// </summary>
    public bool EvaluateTrainingSet { get; init; }
}
