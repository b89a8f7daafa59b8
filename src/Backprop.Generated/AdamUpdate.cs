using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop;

/// <summary>
/// <see cref="Adam"/>'s step (and <see cref="AdamW"/>'s), fused into the generated training kernels: the span given to
/// <see cref="INetwork{TSelf}.UpdateBatch"/> holds the P parameters, then the first moments m, then the second moments v,
/// so a parameter's m is P floats after it and its v 2P floats after it.
/// </summary>
/// <remarks>
/// Every width does the operations of <see cref="OptimizerKernels.Adam"/> in the same order, with no fused multiply-add,
/// so the fused step and the stand-alone one give the same bits.
/// </remarks>
internal readonly struct AdamUpdate : IParameterUpdate
{
    private readonly nint _stride;
    private readonly OptimizerKernels.AdamScalars _weights;
    private readonly OptimizerKernels.AdamScalars _biases;

    public AdamUpdate(int parameterCount, in OptimizerKernels.AdamScalars weights, in OptimizerKernels.AdamScalars biases)
    {
        _stride = parameterCount;
        _weights = weights;
        _biases = biases;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float parameter, float sum) => Scalar(ref parameter, sum, _biases);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float parameter, float sum) => Scalar(ref parameter, sum, _weights);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Scalar(ref float parameter, float sum, in OptimizerKernels.AdamScalars k)
    {
        ref float m = ref Unsafe.Add(ref parameter, _stride);
        ref float v = ref Unsafe.Add(ref parameter, 2 * _stride);
        float theta = parameter;
        float g = sum * k.GradientScale + theta * k.L2;
        float first = m * k.Beta1 + g * k.OneMinusBeta1;
        float second = v * k.Beta2 + g * g * k.OneMinusBeta2;
        m = first;
        v = second;
        float denominator = MathF.Sqrt(second) * k.InverseRootCorrection2 + k.Epsilon;
        parameter = theta * k.Decay - k.StepSize * first / denominator;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum) => Step128(ref parameter, sum, Vector128<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask) => Step128(ref parameter, sum, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum) => Step256(ref parameter, sum, Vector256<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask) => Step256(ref parameter, sum, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum) => Step512(ref parameter, sum, Vector512<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask) => Step512(ref parameter, sum, mask);

    // The three widths are the same lines over Vector128, Vector256 and Vector512, which share no interface on .NET 8.
    // A mask of all bits set (the unmasked calls) is a JIT-time constant, and the selects fold away.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step128(ref float parameter, Vector128<float> sum, Vector128<float> mask)
    {
        ref float mRef = ref Unsafe.Add(ref parameter, _stride);
        ref float vRef = ref Unsafe.Add(ref parameter, 2 * _stride);
        Vector128<float> theta = Vector128.LoadUnsafe(ref parameter), m = Vector128.LoadUnsafe(ref mRef), v = Vector128.LoadUnsafe(ref vRef);
        Vector128<float> g = sum * Vector128.Create(_weights.GradientScale) + theta * Vector128.Create(_weights.L2);
        Vector128<float> first = m * Vector128.Create(_weights.Beta1) + g * Vector128.Create(_weights.OneMinusBeta1);
        Vector128<float> second = v * Vector128.Create(_weights.Beta2) + g * g * Vector128.Create(_weights.OneMinusBeta2);
        Vector128<float> denominator = Vector128.Sqrt(second) * Vector128.Create(_weights.InverseRootCorrection2) + Vector128.Create(_weights.Epsilon);
        Vector128<float> next = theta * Vector128.Create(_weights.Decay) - Vector128.Create(_weights.StepSize) * first / denominator;
        Vector128.ConditionalSelect(mask, first, m).StoreUnsafe(ref mRef);
        Vector128.ConditionalSelect(mask, second, v).StoreUnsafe(ref vRef);
        Vector128.ConditionalSelect(mask, next, theta).StoreUnsafe(ref parameter);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step256(ref float parameter, Vector256<float> sum, Vector256<float> mask)
    {
        ref float mRef = ref Unsafe.Add(ref parameter, _stride);
        ref float vRef = ref Unsafe.Add(ref parameter, 2 * _stride);
        Vector256<float> theta = Vector256.LoadUnsafe(ref parameter), m = Vector256.LoadUnsafe(ref mRef), v = Vector256.LoadUnsafe(ref vRef);
        Vector256<float> g = sum * Vector256.Create(_weights.GradientScale) + theta * Vector256.Create(_weights.L2);
        Vector256<float> first = m * Vector256.Create(_weights.Beta1) + g * Vector256.Create(_weights.OneMinusBeta1);
        Vector256<float> second = v * Vector256.Create(_weights.Beta2) + g * g * Vector256.Create(_weights.OneMinusBeta2);
        Vector256<float> denominator = Vector256.Sqrt(second) * Vector256.Create(_weights.InverseRootCorrection2) + Vector256.Create(_weights.Epsilon);
        Vector256<float> next = theta * Vector256.Create(_weights.Decay) - Vector256.Create(_weights.StepSize) * first / denominator;
        Vector256.ConditionalSelect(mask, first, m).StoreUnsafe(ref mRef);
        Vector256.ConditionalSelect(mask, second, v).StoreUnsafe(ref vRef);
        Vector256.ConditionalSelect(mask, next, theta).StoreUnsafe(ref parameter);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step512(ref float parameter, Vector512<float> sum, Vector512<float> mask)
    {
        ref float mRef = ref Unsafe.Add(ref parameter, _stride);
        ref float vRef = ref Unsafe.Add(ref parameter, 2 * _stride);
        Vector512<float> theta = Vector512.LoadUnsafe(ref parameter), m = Vector512.LoadUnsafe(ref mRef), v = Vector512.LoadUnsafe(ref vRef);
        Vector512<float> g = sum * Vector512.Create(_weights.GradientScale) + theta * Vector512.Create(_weights.L2);
        Vector512<float> first = m * Vector512.Create(_weights.Beta1) + g * Vector512.Create(_weights.OneMinusBeta1);
        Vector512<float> second = v * Vector512.Create(_weights.Beta2) + g * g * Vector512.Create(_weights.OneMinusBeta2);
        Vector512<float> denominator = Vector512.Sqrt(second) * Vector512.Create(_weights.InverseRootCorrection2) + Vector512.Create(_weights.Epsilon);
        Vector512<float> next = theta * Vector512.Create(_weights.Decay) - Vector512.Create(_weights.StepSize) * first / denominator;
        Vector512.ConditionalSelect(mask, first, m).StoreUnsafe(ref mRef);
        Vector512.ConditionalSelect(mask, second, v).StoreUnsafe(ref vRef);
        Vector512.ConditionalSelect(mask, next, theta).StoreUnsafe(ref parameter);
    }
}
