using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop;

/// <summary>
/// <see cref="Momentum"/>'s step (classical or Nesterov), fused into the generated training kernels: the span given to
/// <see cref="INetwork{TSelf}.UpdateBatch"/> holds the P parameters, then the velocities v, so a parameter's v is P floats
/// after it.
/// </summary>
/// <remarks>
/// Every width does the operations of <see cref="OptimizerKernels.Momentum"/> in the same order, with no fused
/// multiply-add, so the fused and the stand-alone step give the same bits. (The three widths repeat one another: .NET 8
/// has no interface common to Vector128, Vector256 and Vector512.)
/// </remarks>
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
    public void Bias(ref float parameter, float sum) => Scalar(ref parameter, sum, 0f);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float parameter, float sum) => Scalar(ref parameter, sum, _l2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Scalar(ref float parameter, float sum, float l2)
    {
        ref float v = ref Unsafe.Add(ref parameter, _stride);
        float theta = parameter;
        float g = sum * _scale + theta * l2;
        float velocity = v * _mu + g;
        v = velocity;
        float direction = _nesterov ? g + velocity * _mu : velocity;
        parameter = theta - direction * _rate;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum) => Weights(ref parameter, sum, Vector128<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum) => Weights(ref parameter, sum, Vector256<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum) => Weights(ref parameter, sum, Vector512<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask)
    {
        ref float vRef = ref Unsafe.Add(ref parameter, _stride);
        Vector128<float> theta = Vector128.LoadUnsafe(ref parameter), v = Vector128.LoadUnsafe(ref vRef), mu = Vector128.Create(_mu);
        Vector128<float> g = sum * Vector128.Create(_scale) + theta * Vector128.Create(_l2);
        Vector128<float> velocity = v * mu + g;
        Vector128<float> direction = _nesterov ? g + velocity * mu : velocity;
        Vector128.ConditionalSelect(mask, velocity, v).StoreUnsafe(ref vRef);
        Vector128.ConditionalSelect(mask, theta - direction * Vector128.Create(_rate), theta).StoreUnsafe(ref parameter);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask)
    {
        ref float vRef = ref Unsafe.Add(ref parameter, _stride);
        Vector256<float> theta = Vector256.LoadUnsafe(ref parameter), v = Vector256.LoadUnsafe(ref vRef), mu = Vector256.Create(_mu);
        Vector256<float> g = sum * Vector256.Create(_scale) + theta * Vector256.Create(_l2);
        Vector256<float> velocity = v * mu + g;
        Vector256<float> direction = _nesterov ? g + velocity * mu : velocity;
        Vector256.ConditionalSelect(mask, velocity, v).StoreUnsafe(ref vRef);
        Vector256.ConditionalSelect(mask, theta - direction * Vector256.Create(_rate), theta).StoreUnsafe(ref parameter);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask)
    {
        ref float vRef = ref Unsafe.Add(ref parameter, _stride);
        Vector512<float> theta = Vector512.LoadUnsafe(ref parameter), v = Vector512.LoadUnsafe(ref vRef), mu = Vector512.Create(_mu);
        Vector512<float> g = sum * Vector512.Create(_scale) + theta * Vector512.Create(_l2);
        Vector512<float> velocity = v * mu + g;
        Vector512<float> direction = _nesterov ? g + velocity * mu : velocity;
        Vector512.ConditionalSelect(mask, velocity, v).StoreUnsafe(ref vRef);
        Vector512.ConditionalSelect(mask, theta - direction * Vector512.Create(_rate), theta).StoreUnsafe(ref parameter);
    }
}
