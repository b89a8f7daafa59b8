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
    public void Weights(ref float parameter, Vector128<float> sum)
        => Kernels.MultiplyAdd(sum, Vector128.Create(-_rate), Vector128.LoadUnsafe(ref parameter) * Vector128.Create(_decay)).StoreUnsafe(ref parameter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum)
        => Kernels.MultiplyAdd(sum, Vector256.Create(-_rate), Vector256.LoadUnsafe(ref parameter) * Vector256.Create(_decay)).StoreUnsafe(ref parameter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum)
        => Kernels.MultiplyAdd(sum, Vector512.Create(-_rate), Vector512.LoadUnsafe(ref parameter) * Vector512.Create(_decay)).StoreUnsafe(ref parameter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask)
    {
        Vector128<float> old = Vector128.LoadUnsafe(ref parameter);
        Vector128.ConditionalSelect(mask, Kernels.MultiplyAdd(sum, Vector128.Create(-_rate), old * Vector128.Create(_decay)), old).StoreUnsafe(ref parameter);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask)
    {
        Vector256<float> old = Vector256.LoadUnsafe(ref parameter);
        Vector256.ConditionalSelect(mask, Kernels.MultiplyAdd(sum, Vector256.Create(-_rate), old * Vector256.Create(_decay)), old).StoreUnsafe(ref parameter);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask)
    {
        Vector512<float> old = Vector512.LoadUnsafe(ref parameter);
        Vector512.ConditionalSelect(mask, Kernels.MultiplyAdd(sum, Vector512.Create(-_rate), old * Vector512.Create(_decay)), old).StoreUnsafe(ref parameter);
    }
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
    public void Weights(ref float parameter, Vector128<float> sum) => (Vector128.LoadUnsafe(ref parameter) + sum).StoreUnsafe(ref parameter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum) => (Vector256.LoadUnsafe(ref parameter) + sum).StoreUnsafe(ref parameter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum) => (Vector512.LoadUnsafe(ref parameter) + sum).StoreUnsafe(ref parameter);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask)
    {
        Vector128<float> old = Vector128.LoadUnsafe(ref parameter);
        Vector128.ConditionalSelect(mask, old + sum, old).StoreUnsafe(ref parameter);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask)
    {
        Vector256<float> old = Vector256.LoadUnsafe(ref parameter);
        Vector256.ConditionalSelect(mask, old + sum, old).StoreUnsafe(ref parameter);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask)
    {
        Vector512<float> old = Vector512.LoadUnsafe(ref parameter);
        Vector512.ConditionalSelect(mask, old + sum, old).StoreUnsafe(ref parameter);
    }
}
