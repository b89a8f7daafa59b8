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

/// <summary>
/// Plain stochastic gradient descent, the default: θ ← θ − η·g, i.e. w ← (1 − ηλ/n)·w − (η/m)·Σ_x ∂C_x/∂w and
/// b ← b − (η/m)·Σ_x ∂C_x/∂b. No state.
/// </summary>
/// <remarks>
/// With one thread the trainer does not call <see cref="Step"/> for SGD: the generated
/// <see cref="INetwork{TSelf}.TrainBatch"/> applies exactly this rule block by block as the gradient is formed, without
/// ever storing it.
/// </remarks>
public sealed class Sgd : Optimizer
{
    /// <summary>The one instance (SGD has no settings).</summary>
    public static Sgd Instance { get; } = new();

    /// <inheritdoc/>
    public override string Name => "sgd";

    /// <inheritdoc/>
    public override int StatePerParameter => 0;

    /// <inheritdoc/>
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state, in OptimizerStep step)
    {
        CheckLengths(parameters, gradientSum, state);
        // The form of TrainBatch: decay·θ − (η/m)·Σ, decay = 1 − ηλ/n.
        float decay = (float)(1.0 - step.LearningRate * step.L2);
        float rate = (float)(step.LearningRate / step.BatchSize);
        OptimizerKernels.ScaleSubtract(parameters, gradientSum, decay, rate);
    }
}

/// <summary>
/// Stochastic gradient descent with momentum μ, classical or Nesterov, in the form PyTorch's <c>SGD</c> uses (the
/// velocity v is a running sum of gradients, and the learning rate multiplies it when it is applied, so a schedule
/// changes the step at once):
/// </summary>
/// <remarks>
/// <code>
/// v ← μ·v + g
/// θ ← θ − η·v              (classical)
/// θ ← θ − η·(g + μ·v)      (Nesterov: the gradient at the look-ahead point, to first order)
/// </code>
/// <para>v starts at zero, so the first step is plain SGD. One float of state per parameter (v).</para>
/// </remarks>
public sealed class Momentum : Optimizer
{
    private readonly double _coefficient = 0.9;

    /// <summary>The momentum coefficient μ, in [0, 1); 0.9 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, 1 or more, or NaN.</exception>
    public double Coefficient
    {
        get => _coefficient;
        init => _coefficient = Fraction(value, nameof(Coefficient), "μ");
    }

    /// <summary>Nesterov's accelerated gradient instead of classical momentum; <see langword="false"/> by default.</summary>
    public bool Nesterov { get; init; }

    /// <inheritdoc/>
    public override string Name => Nesterov ? "nesterov" : "momentum";

    /// <inheritdoc/>
    public override int StatePerParameter => 1;

    /// <inheritdoc/>
    public override void Step(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state, in OptimizerStep step)
    {
        CheckLengths(parameters, gradientSum, state);
        OptimizerKernels.Momentum(
            parameters, gradientSum, state[0],
            (float)(1.0 / step.BatchSize), (float)step.L2, (float)_coefficient, (float)step.LearningRate, Nesterov);
    }

    /// <inheritdoc/>
    public override string ToString() => Invariant($"{Name} (μ {_coefficient})");
}

/// <summary>
/// Adam (Kingma and Ba, 2015) with bias correction, as PyTorch's <c>Adam</c> computes it. L2 regularisation
/// (<see cref="TrainingOptions.L2Regularization"/>) enters through the gradient, as it does in PyTorch's
/// <c>weight_decay</c>; for decay decoupled from the gradient, use <see cref="AdamW"/>.
/// </summary>
/// <remarks>
/// <code>
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g²
/// θ ← θ − η·m̂ / (√v̂ + ε),   m̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)
/// </code>
/// <para>
/// The last line is computed as θ ← θ − (η / (1 − β1^t))·m / (√v / √(1 − β2^t) + ε), the scalars in double precision.
/// Two floats of state per parameter (m, then v).
/// </para>
/// </remarks>
public class Adam : Optimizer
{
    private readonly double _beta1 = 0.9;
    private readonly double _beta2 = 0.999;
    private readonly double _epsilon = 1e-8;

    /// <summary>The decay rate β1 of the first moment, in [0, 1); 0.9 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, 1 or more, or NaN.</exception>
    public double Beta1
    {
        get => _beta1;
        init => _beta1 = Fraction(value, nameof(Beta1), "β1");
    }

    /// <summary>The decay rate β2 of the second moment, in [0, 1); 0.999 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, 1 or more, or NaN.</exception>
    public double Beta2
    {
        get => _beta2;
        init => _beta2 = Fraction(value, nameof(Beta2), "β2");
    }

    /// <summary>The ε added to √v̂, positive and at least the smallest positive float (ε is applied in float); 1e-8 by default.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is zero, negative, below the smallest positive float, infinite or NaN.</exception>
    public double Epsilon
    {
        get => _epsilon;
        init => _epsilon = (float)Positive(value, nameof(Epsilon), "ε") > 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Epsilon), value, Invariant($"Epsilon (ε) is applied in float and must be at least {float.Epsilon:R}, the smallest positive float, but is {value}."));
    }

    /// <inheritdoc/>
    public override string Name => "adam";

    /// <inheritdoc/>
    public sealed override int StatePerParameter => 2;

    /// <summary>The decoupled decay factor applied to a block before the Adam step (1 for plain Adam).</summary>
    private protected virtual double DecoupledDecay(in OptimizerStep step) => 1.0;

    /// <inheritdoc/>
    public sealed override void Step(Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state, in OptimizerStep step)
    {
        CheckLengths(parameters, gradientSum, state);
        OptimizerKernels.Adam(parameters, gradientSum, state[0], state[1], Scalars(step));
    }

    /// <summary>The step's constants, rounded to float once: for a block of weights or of biases.</summary>
    internal OptimizerKernels.AdamScalars Scalars(in OptimizerStep step)
    {
        double t = step.Count;
        double correction1 = 1.0 - Math.Pow(_beta1, t);
        double correction2 = 1.0 - Math.Pow(_beta2, t);
        return new OptimizerKernels.AdamScalars(
            GradientScale: (float)(1.0 / step.BatchSize),
            L2: (float)step.L2,
            Beta1: (float)_beta1,
            OneMinusBeta1: (float)(1.0 - _beta1),
            Beta2: (float)_beta2,
            OneMinusBeta2: (float)(1.0 - _beta2),
            StepSize: (float)(step.LearningRate / correction1),
            InverseRootCorrection2: (float)(1.0 / Math.Sqrt(correction2)),
            Epsilon: (float)_epsilon,
            Decay: (float)DecoupledDecay(step));
    }

    /// <inheritdoc/>
    public override string ToString() => Invariant($"{Name} (β1 {_beta1}, β2 {_beta2}, ε {_epsilon})");
}

/// <summary>
/// AdamW (Loshchilov and Hutter, 2019): <see cref="Adam"/> with weight decay decoupled from the gradient. Before each Adam
/// step the weights shrink by the learning rate times <see cref="WeightDecay"/>: w ← (1 − η·γ)·w, biases untouched, as in
/// PyTorch's <c>AdamW</c> with the biases in a parameter group without decay (the usual practice). The moments never see
/// the decay, so it does not get divided by √v̂ as L2 regularisation does in Adam.
/// </summary>
public sealed class AdamW : Adam
{
    private readonly double _weightDecay = 0.01;

    /// <summary>The decoupled weight decay γ, zero or positive; 0.01 by default (PyTorch's).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative, infinite or NaN.</exception>
    public double WeightDecay
    {
        get => _weightDecay;
        init => _weightDecay = NonNegative(value, nameof(WeightDecay), "γ");
    }

    /// <inheritdoc/>
    public override string Name => "adamw";

    private protected override double DecoupledDecay(in OptimizerStep step)
        => step.IsWeights ? 1.0 - step.LearningRate * _weightDecay : 1.0;

    /// <inheritdoc/>
    public override string ToString() => Invariant($"{Name} (β1 {Beta1}, β2 {Beta2}, ε {Epsilon}, weight decay {_weightDecay})");
}
