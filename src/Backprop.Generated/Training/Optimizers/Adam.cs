using System;
using System.Runtime.CompilerServices;
using static System.FormattableString;

namespace Backprop;

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
        AdamScalars scalars = Scalars(step);
        UpdateRules.StepBlock(new AdamRule(scalars, scalars), parameters, gradientSum, state);
    }

    /// <summary>
    /// One thread: the step fused into the kernels, m P floats and v 2P floats after each parameter; one set of constants
    /// per step, the biases' without the L2 term and the decoupled decay.
    /// </summary>
    private protected sealed override OptimizerStepper<TNet>? CreateFusedStepper<TNet>(in StepperSetup<TNet> setup)
        => new FusedStepper<TNet, FusedUpdate<AdamRule>>(setup, StatePerParameter, batch =>
        {
            AdamScalars weights = Scalars(batch.For(isWeights: true));
            return new FusedUpdate<AdamRule>(new AdamRule(weights, weights with { L2 = 0f, Decay = 1f }), TNet.ParameterCount);
        });

    /// <summary>The step's constants, rounded to float once: for a block of weights or of biases.</summary>
    internal AdamScalars Scalars(in OptimizerStep step)
    {
        double t = step.Count;
        double correction1 = 1.0 - Math.Pow(_beta1, t);
        double correction2 = 1.0 - Math.Pow(_beta2, t);
        return new AdamScalars(
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

/// <summary>The per-step constants of <see cref="Adam"/>, rounded to float once.</summary>
internal readonly record struct AdamScalars(
    float GradientScale,
    float L2,
    float Beta1,
    float OneMinusBeta1,
    float Beta2,
    float OneMinusBeta2,
    float StepSize,
    float InverseRootCorrection2,
    float Epsilon,
    float Decay);

/// <summary>
/// <see cref="Adam"/>'s rule (and <see cref="AdamW"/>'s): g = scale·Σ + l2·θ; m ← β1·m + (1 − β1)·g;
/// v ← β2·v + (1 − β2)·g²; θ ← decay·θ − stepSize·m / (√v·(1/√(1 − β2^t)) + ε), with m in state slot 0 and v in slot 1.
/// Written once for scalars and every width, for both ways of taking the step (fused into the kernels and stand-alone).
/// No fused multiply-add: every width, and both ways, give the same bits.
/// </summary>
internal readonly struct AdamRule : IUpdateRule
{
    private readonly AdamScalars _weights;
    private readonly AdamScalars _biases;

    public AdamRule(in AdamScalars weights, in AdamScalars biases)
    {
        _weights = weights;
        _biases = biases;
    }

    // The constants are passed on by reference (in), never copied: a copy of the 40-byte struct per call measured 1.85×
    // the time of an Adam epoch.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Scalar(ref float parameter, ref float state, nint slotStride, float sum, bool isWeight)
    {
        if (isWeight)
        {
            Step(ref parameter, ref state, slotStride, sum, _weights);
        }
        else
        {
            Step(ref parameter, ref state, slotStride, sum, _biases);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Vector<TSimd, TVector>(ref float parameter, ref float state, nint slotStride, TVector sum, TVector mask)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        // The scalar form's operations in its order, in ISimd's compound operations (see there why).
        ref float vRef = ref Unsafe.Add(ref state, slotStride);
        TVector theta = TSimd.Load(ref parameter, 0), m = TSimd.Load(ref state, 0), v = TSimd.Load(ref vRef, 0);
        TVector g = TSimd.Scale2Add(sum, _weights.GradientScale, theta, _weights.L2);
        TVector first = TSimd.Scale2Add(m, _weights.Beta1, g, _weights.OneMinusBeta1);
        TVector second = TSimd.Scale2Add(v, _weights.Beta2, TSimd.Multiply(g, g), _weights.OneMinusBeta2);
        TVector denominator = TSimd.ScaleAdd(TSimd.Sqrt(second), _weights.InverseRootCorrection2, _weights.Epsilon);
        TVector next = TSimd.Subtract(TSimd.Scale(theta, _weights.Decay), TSimd.Divide(TSimd.Scale(first, _weights.StepSize), denominator));
        TSimd.StoreSelected(mask, first, m, ref state);
        TSimd.StoreSelected(mask, second, v, ref vRef);
        TSimd.StoreSelected(mask, next, theta, ref parameter);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref float parameter, ref float m, nint slotStride, float sum, in AdamScalars k)
    {
        ref float v = ref Unsafe.Add(ref m, slotStride);
        float theta = parameter;
        float g = sum * k.GradientScale + theta * k.L2;
        float first = m * k.Beta1 + g * k.OneMinusBeta1;
        float second = v * k.Beta2 + g * g * k.OneMinusBeta2;
        m = first;
        v = second;
        float denominator = MathF.Sqrt(second) * k.InverseRootCorrection2 + k.Epsilon;
        parameter = theta * k.Decay - k.StepSize * first / denominator;
    }
}
