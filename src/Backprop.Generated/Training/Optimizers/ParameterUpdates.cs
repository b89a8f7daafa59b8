using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop;

/// <summary>
/// What the generated training kernels do with a parameter once its gradient over the mini-batch is complete: the step
/// of an optimizer, fused into the kernel so that the gradient is never stored. The kernels call one method per
/// parameter, or per vector of consecutive weights, with Σ_x ∂C_x/∂θ; the <c>parameter</c> argument refers into the
/// span passed to <see cref="INetwork{TSelf}.UpdateBatch"/>, so an update may keep per-parameter state at a fixed distance
/// after the parameters in that span.
/// </summary>
/// <remarks>
/// Used by generated code and the trainer; implementations are structs so that the JIT compiles each into the kernels.
/// The built-in ones: <see cref="SgdUpdate"/> (what <see cref="INetwork{TSelf}.TrainBatch"/> applies) and
/// <see cref="GradientSum"/> (what <see cref="INetwork{TSelf}.AccumulateGradient"/> applies); the trainer fuses Adam, AdamW
/// and momentum the same way.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public interface IParameterUpdate
{
    /// <summary>Updates one bias b given Σ_x ∂C_x/∂b.</summary>
    void Bias(ref float parameter, float sum);

    /// <summary>Updates one weight w given Σ_x ∂C_x/∂w.</summary>
    void Weight(ref float parameter, float sum);

    /// <summary>Updates the Vector128&lt;float&gt;.Count weights from <paramref name="parameter"/> on.</summary>
    void Weights(ref float parameter, Vector128<float> sum);

    /// <summary>Updates the Vector256&lt;float&gt;.Count weights from <paramref name="parameter"/> on.</summary>
    void Weights(ref float parameter, Vector256<float> sum);

    /// <summary>Updates the Vector512&lt;float&gt;.Count weights from <paramref name="parameter"/> on.</summary>
    void Weights(ref float parameter, Vector512<float> sum);

    /// <summary>Updates the weights of the lanes set in <paramref name="mask"/> and leaves the others (and their state) as they are.</summary>
    void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask);

    /// <inheritdoc cref="Weights(ref float, Vector128{float}, Vector128{float})"/>
    void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask);

    /// <inheritdoc cref="Weights(ref float, Vector128{float}, Vector128{float})"/>
    void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask);
}

/// <summary>
/// Adds the sums into the span as they are: g ← g + Σ (what <see cref="INetwork{TSelf}.AccumulateGradient"/> and
/// <see cref="INetwork{TSelf}.Backprop"/> apply, with a gradient in place of the parameters).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly struct GradientSum : IParameterUpdate
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float parameter, float sum) => parameter += sum;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float parameter, float sum) => parameter += sum;

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum) => Add<Simd128, Vector128<float>>(ref parameter, sum, Vector128<float>.AllBitsSet);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum) => Add<Simd256, Vector256<float>>(ref parameter, sum, Vector256<float>.AllBitsSet);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum) => Add<Simd512, Vector512<float>>(ref parameter, sum, Vector512<float>.AllBitsSet);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask) => Add<Simd128, Vector128<float>>(ref parameter, sum, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask) => Add<Simd256, Vector256<float>>(ref parameter, sum, mask);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask) => Add<Simd512, Vector512<float>>(ref parameter, sum, mask);

    /// <summary>g ← g + Σ for the lanes of <paramref name="mask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<TSimd, TVector>(ref float parameter, TVector sum, TVector mask) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        TVector old = TSimd.Load(ref parameter, 0);
        TSimd.Store(TSimd.ConditionalSelect(mask, TSimd.Add(old, sum), old), ref parameter, 0);
    }
}
