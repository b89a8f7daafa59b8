using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop;

/// <summary>
/// Plain stochastic gradient descent, the default: θ ← θ − η·g, i.e. w ← (1 − ηλ/n)·w − (η/m)·Σ_x ∂C_x/∂w and
/// b ← b − (η/m)·Σ_x ∂C_x/∂b. No state.
/// </summary>
/// <remarks>
/// With one thread the trainer does not call <see cref="Step"/> for SGD: the generated
/// <see cref="INetwork{TSelf}.TrainBatch"/> applies exactly this rule block by block as the gradient is formed, without
/// ever storing it (<see cref="SgdUpdate"/>).
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
        // The form of TrainBatch: decay·θ − (η/m)·Σ, decay = 1 − ηλ/n. Unlike SgdUpdate's vectors, no fused multiply-add:
        // the stand-alone step keeps the bits it has always had (multi-threaded SGD runs depend on them).
        unsafe
        {
            fixed (float* p = parameters, s = gradientSum)
            {
                var loop = new ScaleSubtract(p, s, (float)(1.0 - step.LearningRate * step.L2), (float)(step.LearningRate / step.BatchSize));
                VectorLoop.Run(ref loop, (nuint)parameters.Length);
            }
        }
    }

    /// <summary>One thread: the network's own <see cref="INetwork{TSelf}.TrainBatch"/>.</summary>
    private protected override OptimizerStepper<TNet>? CreateFusedStepper<TNet>(in StepperSetup<TNet> setup)
        => new TrainBatchStepper<TNet>(setup);

    private sealed class TrainBatchStepper<TNet>(in StepperSetup<TNet> setup) : OptimizerStepper<TNet>(setup)
        where TNet : class, INetwork<TNet>
    {
        private readonly float[] _workspace = new float[TNet.BatchWorkspaceSize(setup.MiniBatchSize)];

        public override Span<float> State => Span<float>.Empty;

        public override double Step(in MiniBatch batch)
        {
            int[] order = Setup.Order;
            // w ← decay·w − (η/m)·Σ∂C/∂w, decay = 1 − ηλ/n.
            return Setup.Network.TrainBatch(
                Setup.Training.Inputs, Setup.Targets, order.AsSpan(batch.Start, batch.Count), (float)batch.LearningRate,
                (float)(1.0 - batch.LearningRate * batch.L2), _workspace, order.AsSpan(batch.Start + batch.Count, batch.Upcoming));
        }
    }

    /// <summary>θ ← decay·θ − rate·s, element by element.</summary>
    private readonly unsafe struct ScaleSubtract(float* parameters, float* sums, float decay, float rate) : IVectorLoop
    {
        public void Vector<TSimd, TVector>(nuint i) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            ref float p = ref Unsafe.AsRef<float>(parameters);
            TVector theta = TSimd.Load(ref p, i), sum = TSimd.Load(ref Unsafe.AsRef<float>(sums), i);
            TSimd.Store(TSimd.Subtract(TSimd.Multiply(theta, TSimd.Create(decay)), TSimd.Multiply(sum, TSimd.Create(rate))), ref p, i);
        }

        public void Scalar(nuint i) => parameters[i] = parameters[i] * decay - sums[i] * rate;
    }
}

/// <summary>
/// The gradient-descent step of <see cref="INetwork{TSelf}.TrainBatch"/>: w ← decay·w − rate·Σ and b ← b − rate·Σ, with
/// rate = η/m and decay = 1 − ηλ/n (one fused multiply-add per weight vector).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct SgdUpdate : IParameterUpdate
{
    private readonly float _rate;
    private readonly float _decay;

    /// <summary>A step of <paramref name="rate"/> (η/m) after the weights are scaled by <paramref name="decay"/>.</summary>
    public SgdUpdate(float rate, float decay)
    {
        _rate = rate;
        _decay = decay;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float parameter, float sum) => parameter -= _rate * sum;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float parameter, float sum) => parameter = _decay * parameter - _rate * sum;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum) => Step<Simd128, Vector128<float>>(ref parameter, sum, Vector128<float>.AllBitsSet);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum) => Step<Simd256, Vector256<float>>(ref parameter, sum, Vector256<float>.AllBitsSet);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum) => Step<Simd512, Vector512<float>>(ref parameter, sum, Vector512<float>.AllBitsSet);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask) => Step<Simd128, Vector128<float>>(ref parameter, sum, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask) => Step<Simd256, Vector256<float>>(ref parameter, sum, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask) => Step<Simd512, Vector512<float>>(ref parameter, sum, mask);

    /// <summary>w ← decay·w − rate·Σ for the lanes of <paramref name="mask"/> (all lanes: a JIT-time constant, the select folds away).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step<TSimd, TVector>(ref float parameter, TVector sum, TVector mask) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        TVector old = TSimd.Load(ref parameter, 0);
        TSimd.StoreSelected(mask, TSimd.MultiplyAdd(sum, TSimd.Create(-_rate), TSimd.Scale(old, _decay)), old, ref parameter);
    }
}
