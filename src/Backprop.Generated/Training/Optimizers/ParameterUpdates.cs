using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop;

/// <summary>
/// What the generated training kernels do with a parameter once its gradient over the mini-batch is complete: the step
/// of an optimizer, fused into the kernel so that the gradient is never stored. The kernels call one method per
/// parameter, or per vector of consecutive weights, with Σ_x ∂C_x/∂θ; the <c>parameter</c> argument refers into the
/// span passed to <see cref="INetwork{TSelf}.UpdateBatch{TUpdate}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ref TUpdate, Span{float}, ReadOnlySpan{int})"/>, so an update may keep per-parameter state at a fixed distance
/// after the parameters in that span.
/// </summary>
/// <remarks>
/// Used by generated code and the trainer; implementations are structs so that the JIT compiles each into the kernels.
/// The built-in ones: <see cref="SgdUpdate"/> (what <see cref="INetwork{TSelf}.TrainBatch"/> applies) and
/// <see cref="GradientSum"/> (what <see cref="INetwork{TSelf}.AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/> applies); the trainer fuses Adam, AdamW
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
/// Adds the sums into the span as they are: g ← g + Σ (what <see cref="INetwork{TSelf}.AccumulateGradient(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, Span{float}, Span{float})"/> and
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
        TSimd.StoreSelected(mask, TSimd.Add(old, sum), old, ref parameter);
    }
}

/// <summary>
/// An optimizer's rule for one parameter and its state, written once for scalars and for every vector width: what
/// <see cref="FusedUpdate{TRule}"/> applies inside the generated kernels and <see cref="UpdateRules.StepBlock"/> applies to a
/// block on its own, so that both ways give the same bits. Slot k of a parameter's state lies
/// <c>slotStride</c>·k floats after <c>state</c>: a fused step keeps [θ | slot 0 | slot 1 …] in one span (the stride is
/// P), the stand-alone step the slots of P floats in an array of their own (the stride is P too).
/// </summary>
internal interface IUpdateRule
{
    /// <summary>Steps one parameter, a weight or a bias, given Σ_x ∂C_x/∂θ.</summary>
    void Scalar(ref float parameter, ref float state, nint slotStride, float sum, bool isWeight);

    /// <summary>Steps the weights of the lanes set in <paramref name="mask"/> (every lane: a JIT-time constant, the selects fold away).</summary>
    void Vector<TSimd, TVector>(ref float parameter, ref float state, nint slotStride, TVector sum, TVector mask)
        where TSimd : struct, ISimd<TVector> where TVector : struct;
}

/// <summary>
/// A rule fused into the generated kernels: the span given to <see cref="INetwork{TSelf}.UpdateBatch{TUpdate}(Span{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, ref TUpdate, Span{float}, ReadOnlySpan{int})"/> holds the P
/// parameters and then the rule's state, slot after slot of P floats. <see cref="IParameterUpdate"/> written once for
/// every rule.
/// </summary>
internal readonly struct FusedUpdate<TRule> : IParameterUpdate where TRule : struct, IUpdateRule
{
    private readonly TRule _rule;
    private readonly nint _stride;

    public FusedUpdate(TRule rule, int parameterCount)
    {
        _rule = rule;
        _stride = parameterCount;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Bias(ref float parameter, float sum) => _rule.Scalar(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, isWeight: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weight(ref float parameter, float sum) => _rule.Scalar(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, isWeight: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum) => _rule.Vector<Simd128, Vector128<float>>(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, Vector128<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum) => _rule.Vector<Simd256, Vector256<float>>(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, Vector256<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum) => _rule.Vector<Simd512, Vector512<float>>(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, Vector512<float>.AllBitsSet);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector128<float> sum, Vector128<float> mask) => _rule.Vector<Simd128, Vector128<float>>(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector256<float> sum, Vector256<float> mask) => _rule.Vector<Simd256, Vector256<float>>(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, mask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Weights(ref float parameter, Vector512<float> sum, Vector512<float> mask) => _rule.Vector<Simd512, Vector512<float>>(ref parameter, ref Unsafe.Add(ref parameter, _stride), _stride, sum, mask);
}

/// <summary>Applies a rule to a block of parameters on its own (<see cref="Optimizer.Step"/>), widest vectors first.</summary>
internal static class UpdateRules
{
    /// <summary>
    /// Steps every parameter of the block with <paramref name="rule"/> (made for this block: a weight block's rule or a
    /// bias block's), given the block's summed gradient and its state.
    /// </summary>
    public static unsafe void StepBlock<TRule>(in TRule rule, Span<float> parameters, ReadOnlySpan<float> gradientSum, OptimizerState state)
        where TRule : struct, IUpdateRule
    {
        fixed (float* p = parameters, s = gradientSum, first = &state.First)
        {
            var loop = new Loop<TRule>(rule, p, s, first, state.SlotStride);
            VectorLoop.Run(ref loop, (nuint)parameters.Length);
        }
    }

    private readonly unsafe struct Loop<TRule>(TRule rule, float* parameters, float* sums, float* state, nint slotStride) : IVectorLoop
        where TRule : struct, IUpdateRule
    {
        public void Vector<TSimd, TVector>(nuint i) where TSimd : struct, ISimd<TVector> where TVector : struct
            => rule.Vector<TSimd, TVector>(ref parameters[i], ref state[i], slotStride, TSimd.Load(ref Unsafe.AsRef<float>(sums), i), TSimd.AllBitsSet);

        // The rule was made for this block alone, weights or biases: its weight form is the block's.
        public void Scalar(nuint i) => rule.Scalar(ref parameters[i], ref state[i], slotStride, sums[i], isWeight: true);
    }
}
