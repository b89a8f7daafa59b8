using System;
using System.Runtime.CompilerServices;
using static System.FormattableString;

namespace Backprop;

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
        float scale = (float)(1.0 / step.BatchSize), l2 = (float)step.L2, mu = (float)_coefficient, rate = (float)step.LearningRate;
        if (Nesterov)
        {
            UpdateRules.StepBlock(new MomentumRule<LookAhead>(scale, l2, mu, rate), parameters, gradientSum, state);
        }
        else
        {
            UpdateRules.StepBlock(new MomentumRule<Classical>(scale, l2, mu, rate), parameters, gradientSum, state);
        }
    }

    /// <summary>One thread: the step fused into the kernels, the velocities P floats after the parameters.</summary>
    private protected override OptimizerStepper<TNet>? CreateFusedStepper<TNet>(in StepperSetup<TNet> setup)
        => Nesterov ? Fused<TNet, LookAhead>(setup) : Fused<TNet, Classical>(setup);

    private FusedStepper<TNet, FusedUpdate<MomentumRule<TKind>>> Fused<TNet, TKind>(in StepperSetup<TNet> setup)
        where TNet : class, INetwork<TNet> where TKind : struct, IMomentumKind
        => new(setup, StatePerParameter, batch => new FusedUpdate<MomentumRule<TKind>>(
            new MomentumRule<TKind>((float)(1.0 / batch.Count), (float)batch.L2, (float)_coefficient, (float)batch.LearningRate), TNet.ParameterCount));

    /// <inheritdoc/>
    public override string ToString() => Invariant($"{Name} (μ {_coefficient})");
}

/// <summary>
/// <see cref="Momentum"/>'s rule, g = scale·Σ + l2·θ (l2 = 0 for biases); v ← μ·v + g; θ ← θ − η·v (classical) or
/// θ ← θ − η·(g + μ·v) (Nesterov), with v in state slot 0. Written once for scalars and every width, for both ways of
/// taking the step (fused into the kernels and stand-alone). No fused multiply-add: every width, and both ways, give the
/// same bits.
/// </summary>
internal readonly struct MomentumRule<TKind>(float scale, float l2, float mu, float rate) : IUpdateRule where TKind : struct, IMomentumKind
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Scalar(ref float parameter, ref float state, nint slotStride, float sum, bool isWeight)
    {
        float theta = parameter;
        float g = sum * scale + theta * (isWeight ? l2 : 0f);
        float v = state * mu + g;
        state = v;
        float direction = TKind.Nesterov ? g + v * mu : v;
        parameter = theta - direction * rate;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Vector<TSimd, TVector>(ref float parameter, ref float state, nint slotStride, TVector sum, TVector mask)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        // The scalar form's operations in its order, in ISimd's compound operations (see there why).
        TVector theta = TSimd.Load(ref parameter, 0), v = TSimd.Load(ref state, 0);
        TVector g = TSimd.Scale2Add(sum, scale, theta, l2);
        TVector next = TSimd.ScaleAdd(v, mu, g);
        TVector direction = TKind.Nesterov ? TSimd.ScaleAdd(next, mu, g) : next;
        TSimd.StoreSelected(mask, next, v, ref state);
        TSimd.StoreSelected(mask, TSimd.Subtract(theta, TSimd.Scale(direction, rate)), theta, ref parameter);
    }
}

/// <summary>Classical momentum or Nesterov's, as a type: a JIT-time constant in every kernel the rule is inlined into.</summary>
internal interface IMomentumKind
{
    static abstract bool Nesterov { get; }
}

/// <summary>Classical momentum: θ ← θ − η·v.</summary>
internal readonly struct Classical : IMomentumKind
{
    public static bool Nesterov => false;
}

/// <summary>Nesterov's look-ahead: θ ← θ − η·(g + μ·v).</summary>
internal readonly struct LookAhead : IMomentumKind
{
    public static bool Nesterov => true;
}
