using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
        var rule = new MomentumUpdate(0, (float)(1.0 / step.BatchSize), (float)step.L2, (float)_coefficient, (float)step.LearningRate, Nesterov);
        unsafe
        {
            fixed (float* p = parameters, s = gradientSum, v = state[0])
            {
                var loop = new MomentumUpdate.Loop(rule, p, s, v, (float)step.L2);
                VectorLoop.Run(ref loop, (nuint)parameters.Length);
            }
        }
    }

    /// <summary>One thread: the step fused into the kernels, the velocities P floats after the parameters.</summary>
    private protected override OptimizerStepper<TNet>? CreateFusedStepper<TNet>(in StepperSetup<TNet> setup)
        => new FusedStepper<TNet, MomentumUpdate>(setup, StatePerParameter, batch => new MomentumUpdate(
            TNet.ParameterCount, (float)(1.0 / batch.Count), (float)batch.L2, (float)_coefficient, (float)batch.LearningRate, Nesterov));

    /// <inheritdoc/>
    public override string ToString() => Invariant($"{Name} (μ {_coefficient})");
}

/// <summary>
/// <see cref="Momentum"/>'s rule, g = scale·Σ + l2·θ; v ← μ·v + g; θ ← θ − η·v (classical) or θ ← θ − η·(g + μ·v)
/// (Nesterov), written once for every width and both ways of taking the step: fused into the generated kernels (the span
/// given to <see cref="INetwork{TSelf}.UpdateBatch"/> holds the P parameters, then the velocities, so a parameter's v is
/// P floats after it) and stand-alone (<see cref="Momentum.Step"/>). No fused multiply-add: every width, and both ways,
/// give the same bits.
/// </summary>
internal readonly struct MomentumUpdate : IParameterUpdate
{
    private readonly nint _stride;
    private readonly float _scale;
    private readonly float _l2;
    private readonly float _mu;
    private readonly float _rate;
    private readonly bool _nesterov;

    public MomentumUpdate(int parameterCount, float scale, float l2, float mu, float rate, bool nesterov)
    {
        _stride = parameterCount;
        _scale = scale;
        _l2 = l2;
        _mu = mu;
        _rate = rate;
        _nesterov = nesterov;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float parameter, float sum) => Apply(ref parameter, ref Unsafe.Add(ref parameter, _stride), sum, 0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float parameter, float sum) => Apply(ref parameter, ref Unsafe.Add(ref parameter, _stride), sum, _l2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum) => Fused<Simd128, Vector128<float>>(ref parameter, sum, Vector128<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum) => Fused<Simd256, Vector256<float>>(ref parameter, sum, Vector256<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum) => Fused<Simd512, Vector512<float>>(ref parameter, sum, Vector512<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask) => Fused<Simd128, Vector128<float>>(ref parameter, sum, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask) => Fused<Simd256, Vector256<float>>(ref parameter, sum, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask) => Fused<Simd512, Vector512<float>>(ref parameter, sum, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Fused<TSimd, TVector>(ref float parameter, TVector sum, TVector mask) where TSimd : struct, ISimd<TVector> where TVector : struct
        => Apply<TSimd, TVector>(ref parameter, ref Unsafe.Add(ref parameter, _stride), sum, _l2, mask);

    /// <summary>The rule for one parameter θ and its velocity v.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Apply(ref float parameter, ref float velocity, float sum, float l2)
    {
        float theta = parameter;
        float g = sum * _scale + theta * l2;
        float v = velocity * _mu + g;
        velocity = v;
        float direction = _nesterov ? g + v * _mu : v;
        parameter = theta - direction * _rate;
    }

    /// <summary>The rule for a vector of parameters and their velocities, the lanes of <paramref name="mask"/> only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Apply<TSimd, TVector>(ref float parameter, ref float velocity, TVector sum, float l2, TVector mask)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        TVector theta = TSimd.Load(ref parameter, 0), v = TSimd.Load(ref velocity, 0), mu = TSimd.Create(_mu);
        TVector g = TSimd.Add(TSimd.Multiply(sum, TSimd.Create(_scale)), TSimd.Multiply(theta, TSimd.Create(l2)));
        TVector next = TSimd.Add(TSimd.Multiply(v, mu), g);
        TVector direction = _nesterov ? TSimd.Add(g, TSimd.Multiply(next, mu)) : next;
        TSimd.Store(TSimd.ConditionalSelect(mask, next, v), ref velocity, 0);
        TSimd.Store(TSimd.ConditionalSelect(mask, TSimd.Subtract(theta, TSimd.Multiply(direction, TSimd.Create(_rate))), theta), ref parameter, 0);
    }

    /// <summary>The stand-alone step over a block: parameters, their summed gradients and their velocities.</summary>
    internal readonly unsafe struct Loop(MomentumUpdate rule, float* parameters, float* sums, float* velocities, float l2) : IVectorLoop
    {
        public void Vector<TSimd, TVector>(nuint i) where TSimd : struct, ISimd<TVector> where TVector : struct
            => rule.Apply<TSimd, TVector>(ref parameters[i], ref velocities[i], TSimd.Load(ref Unsafe.AsRef<float>(sums), i), l2, TSimd.AllBitsSet);

        public void Scalar(nuint i) => rule.Apply(ref parameters[i], ref velocities[i], sums[i], l2);
    }
}
