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
        UpdateRules.StepBlock(
            new MomentumRule((float)(1.0 / step.BatchSize), (float)step.L2, (float)_coefficient, (float)step.LearningRate, Nesterov),
            parameters, gradientSum, state);
    }

    /// <summary>One thread: the step fused into the kernels, the velocities P floats after the parameters.</summary>
    private protected override OptimizerStepper<TNet>? CreateFusedStepper<TNet>(in StepperSetup<TNet> setup)
        => new FusedStepper<TNet, FusedUpdate<MomentumRule>>(setup, StatePerParameter, batch => new FusedUpdate<MomentumRule>(
            new MomentumRule((float)(1.0 / batch.Count), (float)batch.L2, (float)_coefficient, (float)batch.LearningRate, Nesterov), TNet.ParameterCount));

    /// <inheritdoc/>
    public override string ToString() => Invariant($"{Name} (μ {_coefficient})");
}

/// <summary>
/// <see cref="Momentum"/>'s rule, g = scale·Σ + l2·θ (l2 = 0 for biases); v ← μ·v + g; θ ← θ − η·v (classical) or
/// θ ← θ − η·(g + μ·v) (Nesterov), with v in state slot 0. Written once for scalars and every width, for both ways of
/// taking the step (fused into the kernels and stand-alone). No fused multiply-add: every width, and both ways, give the
/// same bits.
/// </summary>
internal readonly struct MomentumRule(float scale, float l2, float mu, float rate, bool nesterov) : IUpdateRule
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Scalar(ref float parameter, ref float state, nint slotStride, float sum, bool isWeight)
    {
        float theta = parameter;
        float g = sum * scale + theta * (isWeight ? l2 : 0f);
        float v = state * mu + g;
        state = v;
        float direction = nesterov ? g + v * mu : v;
        parameter = theta - direction * rate;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Vector<TSimd, TVector>(ref float parameter, ref float state, nint slotStride, TVector sum, TVector mask)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        TVector theta = TSimd.Load(ref parameter, 0), v = TSimd.Load(ref state, 0), factor = TSimd.Create(mu);
        TVector g = TSimd.Add(TSimd.Multiply(sum, TSimd.Create(scale)), TSimd.Multiply(theta, TSimd.Create(l2)));
        TVector next = TSimd.Add(TSimd.Multiply(v, factor), g);
        TVector direction = nesterov ? TSimd.Add(g, TSimd.Multiply(next, factor)) : next;
        TSimd.Store(TSimd.ConditionalSelect(mask, next, v), ref state, 0);
        TSimd.Store(TSimd.ConditionalSelect(mask, TSimd.Subtract(theta, TSimd.Multiply(direction, TSimd.Create(rate))), theta), ref parameter, 0);
    }
}
