using System;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// What an <see cref="Optimizer"/> needs to know about the step it takes on one block of parameters.
/// </summary>
/// <param name="LearningRate">η for this step: <see cref="TrainingOptions.LearningRate"/> as the epoch's <see cref="TrainingOptions.Schedule"/> sets it.</param>
/// <param name="Count">t: the number of steps taken so far, this one included (1 for the first step of a training run).</param>
/// <param name="BatchSize">m: the number of samples whose gradients were summed into the gradient passed with this step.</param>
/// <param name="L2">
/// The L2 coefficient λ/n of this block (λ = <see cref="TrainingOptions.L2Regularization"/>, n the training-set size) for a
/// block of weights; 0 for a block of biases, which are never regularised. The optimizer adds L2·θ to the gradient.
/// </param>
/// <param name="IsWeights">Whether the block holds weights w^l (otherwise biases b^l).</param>
public readonly record struct OptimizerStep(double LearningRate, long Count, int BatchSize, double L2, bool IsWeights);

/// <summary>
/// An optimizer's state seen from one block of parameters: <see cref="Slots"/> runs of floats (Adam's m and v, say), each
/// as long as the block, zero before the first step.
/// </summary>
/// <remarks>
/// The trainer keeps each slot for the whole network as one run of P floats in the <see cref="INetwork{TSelf}.Parameters"/>
/// layout (all the m, then all the v), which is how checkpoints store it; a block sees its own stretch of each.
/// </remarks>
public readonly ref struct OptimizerState
{
    private readonly Span<float> _all;
    private readonly int _stride;
    private readonly int _offset;
    private readonly int _length;

    /// <summary>The state of the block [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="length"/>) of <paramref name="all"/>, slots of <paramref name="stride"/> floats.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The block does not lie within a slot, or <paramref name="all"/> is not whole slots.</exception>
    public OptimizerState(Span<float> all, int stride, int offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        if (all.Length % stride != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(all), all.Length, Invariant($"The state must be whole slots of {stride} floats, not {all.Length}."));
        }
        if (offset < 0 || length < 0 || offset > stride - length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, Invariant($"The block [{offset}, {offset} + {length}) does not lie within a slot of {stride} floats."));
        }
        _all = all;
        _stride = stride;
        _offset = offset;
        _length = length;
    }

    /// <summary>The block's first state float (slot 0), whatever the slots; a null reference for a state of no slots.</summary>
    internal ref float First => ref _stride == 0 || _length == 0 ? ref System.Runtime.CompilerServices.Unsafe.NullRef<float>() : ref _all[_offset];

    /// <summary>The distance between a parameter's state in one slot and in the next.</summary>
    internal nint SlotStride => _stride;

    /// <summary>The number of slots (<see cref="Optimizer.StatePerParameter"/>).</summary>
    public int Slots => _stride == 0 ? 0 : _all.Length / _stride;

    /// <summary>The block's stretch of slot <paramref name="slot"/>: as many floats as the block has parameters.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="slot"/> is not in [0, <see cref="Slots"/>).</exception>
    public Span<float> this[int slot]
        => (uint)slot < (uint)Slots
            ? _all.Slice(slot * _stride + _offset, _length)
            : throw new ArgumentOutOfRangeException(nameof(slot), slot, Invariant($"The state has {Slots} slots."));
}

/// <summary>
/// An update rule that turns a mini-batch gradient into a step of the parameters. Built in: <see cref="Sgd"/>,
/// <see cref="Momentum"/> (classical or Nesterov), <see cref="Adam"/> and <see cref="AdamW"/>; derive from this class
/// for one of your own, and <see cref="TrainingSession{TNet}"/> trains with it unchanged.
/// </summary>
/// <remarks>
/// <para>
/// Each step, the trainer backpropagates the mini-batch into Σ_x ∂C_x/∂θ and calls <see cref="Step"/> once per block of
/// parameters, in the <see cref="INetwork{TSelf}.Parameters"/> order: the weights of layer 2, its biases, the weights of
/// layer 3, and so on. Every rule first forms the gradient of the regularised mean cost,
/// </para>
/// <code>
/// g = (1/m)·Σ_x ∂C_x/∂θ + (λ/n)·θ        (the λ term on weights only; OptimizerStep.L2 is 0 for biases)
/// </code>
/// <para>
/// and then moves θ by its own rule. An optimizer keeps <see cref="StatePerParameter"/> floats of state per parameter
/// (moments, velocities); the trainer owns that state, starts it at zero, saves it in checkpoints and passes each block
/// its own stretch of every slot (<see cref="OptimizerState"/>: for Adam, slot 0 holds m and slot 1 holds v).
/// </para>
/// <para>
/// An optimizer object holds only its settings: it is immutable, and one instance may serve any number of sessions.
/// <see cref="Step"/> must be deterministic (same inputs, same bits) for training to be reproducible, and must not
/// allocate, for epochs to allocate nothing.
/// </para>
/// </remarks>
public abstract class Optimizer
{
    /// <summary>The name that identifies the rule in checkpoints and output, e.g. <c>adam</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The floats of state the rule keeps per parameter: 0 for SGD, 1 for momentum, 2 for Adam.</summary>
    public abstract int StatePerParameter { get; }

    /// <summary>
    /// Takes one step on a block of parameters.
    /// </summary>
    /// <param name="parameters">The block's parameters θ, updated in place.</param>
    /// <param name="gradientSum">Σ_x ∂C_x/∂θ over the mini-batch's <see cref="OptimizerStep.BatchSize"/> samples, as long as <paramref name="parameters"/>.</param>
    /// <param name="state">The block's state: <see cref="StatePerParameter"/> slots as long as the block, zero before the first step.</param>
    /// <param name="step">The step's learning rate, count, batch size and L2 coefficient.</param>
    public abstract void Step(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state, in OptimizerStep step);

    /// <summary>The rule and its settings, e.g. <c>adam (β1 0.9, β2 0.999, ε 1E-08)</c>.</summary>
    public override string ToString() => Name;

    /// <summary>
    /// How a <see cref="TrainingSession{TNet}"/> takes this optimizer's steps: fused into the generated kernels where the
    /// optimizer can be (<see cref="CreateFusedStepper{TNet}"/>, one thread), otherwise by summing each mini-batch's
    /// gradient (<see cref="INetwork{TSelf}.AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/>, on as many threads as asked) and calling
    /// <see cref="Step"/> once per block of parameters. The session makes one call per mini-batch and knows no optimizer
    /// by name.
    /// </summary>
    internal OptimizerStepper<TNet> CreateStepper<TNet>(in StepperSetup<TNet> setup) where TNet : class, INetwork<TNet>
        => (setup.Threads == 1 ? CreateFusedStepper(setup) : null) ?? new GradientStepper<TNet>(this, setup);

    /// <summary>
    /// The stepper that fuses this optimizer's step into the generated kernels, or null (the default) to step the summed
    /// gradient with <see cref="Step"/>. A fused step must give the same bits as <see cref="Step"/>.
    /// </summary>
    private protected virtual OptimizerStepper<TNet>? CreateFusedStepper<TNet>(in StepperSetup<TNet> setup) where TNet : class, INetwork<TNet>
        => null;

    /// <summary>Checks that a step's spans agree with each other and with <see cref="StatePerParameter"/>.</summary>
    /// <exception cref="ArgumentException">They do not.</exception>
    protected void CheckLengths(ReadOnlySpan<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state)
    {
        if (gradientSum.Length != parameters.Length)
        {
            throw new ArgumentException(
                Invariant($"The gradient has {gradientSum.Length} values but the block has {parameters.Length} parameters."), nameof(gradientSum));
        }
        if (state.Slots != StatePerParameter || (state.Slots > 0 && state[0].Length != parameters.Length))
        {
            throw new ArgumentException(
                Invariant($"{Name} keeps {StatePerParameter} floats of state per parameter: {StatePerParameter} slots of {parameters.Length} for this block, not {state.Slots} of {(state.Slots > 0 ? state[0].Length : 0)}."),
                nameof(state));
        }
    }

    /// <summary>Checks a setting that must be in [0, 1).</summary>
    private protected static double Fraction(double value, string name, string symbol)
        => value is >= 0 and < 1
            ? value
            : throw new ArgumentOutOfRangeException(name, value, Invariant($"{name} ({symbol}) must be at least 0 and less than 1 but is {value}."));

    /// <summary>Checks a setting that must be positive and finite.</summary>
    private protected static double Positive(double value, string name, string symbol)
        => value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, Invariant($"{name} ({symbol}) must be positive and finite but is {value}."));

    /// <summary>Checks a setting that must be zero or positive and finite.</summary>
    private protected static double NonNegative(double value, string name, string symbol)
        => value >= 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(name, value, Invariant($"{name} ({symbol}) must be zero or positive and finite but is {value}."));
}

