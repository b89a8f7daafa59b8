using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Backprop;

// The output error of a mini-batch: for each of m samples, the cost C_x and the error δ^L = ∂C_x/∂z^L (or, for the
// quadratic cost, the raw error a − y that the generated code multiplies by f'). Sample s has its z, a and δ rows at
// s·stride (padded scratch rows, whose lanes count..stride are neither read nor written) and its target at row
// rows[s] of y (unpadded: count values, never read past).
//
// A row of at least one vector is covered by whole vectors and one last vector that ends at `count` and overlaps the
// one before it; its repeated lanes are masked out of the sums (a lane-index comparison), and it is loaded before the
// whole vectors are stored, so that δ may even overwrite a. The widest accelerated vector that fits the row is used
// (Vector256 for 10 outputs); rows shorter than four values, or no vector hardware, take the scalar path, which
// computes the same formulas and agrees to float rounding. Each sample's sum is added in double precision.
public static partial class Kernels
{
    /// <summary>The quadratic cost of one output, ½(a − y)².</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Quadratic(float a, float y)
    {
        float difference = a - y;
        return 0.5f * difference * difference;
    }

    /// <summary>
    /// The cross-entropy cost of m sigmoid outputs, Σ_s Σ_k max(z, 0) − y·z + ln(1 + e^−|z|) (as
    /// <see cref="SigmoidCrossEntropy(float, float)"/>), and their output
    /// errors δ = a − y into <paramref name="d"/>.
    /// </summary>
    /// <param name="z">The first sample's weighted inputs; sample s at s·<paramref name="stride"/>.</param>
    /// <param name="a">The first sample's activations σ(z); sample s at s·<paramref name="stride"/>.</param>
    /// <param name="y">The targets, <paramref name="count"/> values a row; sample s's is row rows[s].</param>
    /// <param name="rows">The m target rows.</param>
    /// <param name="m">The number of samples.</param>
    /// <param name="count">The number of outputs.</param>
    /// <param name="stride">The distance between two samples' z, a and d rows (≥ <paramref name="count"/>).</param>
    /// <param name="d">Receives the first sample's δ; sample s at s·<paramref name="stride"/>. Only lanes below count are written.</param>
    /// <returns>The cost summed over the m samples.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SigmoidCrossEntropyError(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            return SigmoidCrossEntropyError512(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            return SigmoidCrossEntropyError256(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            return SigmoidCrossEntropyError128(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }

        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            float cost = 0f;
            for (nint k = 0; k < count; k++)
            {
                float yk = Unsafe.Add(ref ys, k);
                cost += SigmoidCrossEntropy(Unsafe.Add(ref zs, k), yk);
                Unsafe.Add(ref ds, k) = Unsafe.Add(ref a_s, k) - yk;
            }
            total += cost;
        }
        return (float)total;
    }

    /// <summary>
    /// The quadratic cost of m outputs, Σ_s ½ Σ_k (a − y)², and their raw errors a − y into <paramref name="d"/>
    /// (the generated code multiplies them by the output activation's slope).
    /// </summary>
    /// <param name="z">The first sample's weighted inputs (unused: the quadratic cost needs only a).</param>
    /// <param name="a">The first sample's activations; sample s at s·<paramref name="stride"/>.</param>
    /// <param name="y">The targets, <paramref name="count"/> values a row; sample s's is row rows[s].</param>
    /// <param name="rows">The m target rows.</param>
    /// <param name="m">The number of samples.</param>
    /// <param name="count">The number of outputs.</param>
    /// <param name="stride">The distance between two samples' a and d rows (≥ <paramref name="count"/>).</param>
    /// <param name="d">Receives the first sample's a − y; sample s at s·<paramref name="stride"/>. Only lanes below count are written.</param>
    /// <returns>The cost summed over the m samples.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float QuadraticError(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            return QuadraticError512(ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            return QuadraticError256(ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            return QuadraticError128(ref a, ref y, ref rows, m, count, stride, ref d);
        }

        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            float sum = 0f;
            for (nint k = 0; k < count; k++)
            {
                float difference = Unsafe.Add(ref a_s, k) - Unsafe.Add(ref ys, k);
                Unsafe.Add(ref ds, k) = difference;
                sum = ScalarMultiplyAdd(difference, difference, sum);
            }
            total += 0.5 * sum;
        }
        return (float)total;
    }

    /// <summary>
    /// The log-likelihood cost of m softmax outputs, Σ_s −Σ_k y_k ln a_k, computed from z by log-sum-exp as
    /// Σ_k y_k (max − z_k) + (Σ_k y_k) ln Σ_j e^(z_j − max), finite for any finite z; and their output errors
    /// δ = (Σ_k y_k) a − y into <paramref name="d"/> (a − y for a target that sums to 1).
    /// </summary>
    /// <param name="z">The first sample's weighted inputs; sample s at s·<paramref name="stride"/>.</param>
    /// <param name="a">The first sample's activations softmax(z); sample s at s·<paramref name="stride"/>.</param>
    /// <param name="y">The targets, <paramref name="count"/> values a row; sample s's is row rows[s].</param>
    /// <param name="rows">The m target rows.</param>
    /// <param name="m">The number of samples.</param>
    /// <param name="count">The number of outputs.</param>
    /// <param name="stride">The distance between two samples' z, a and d rows (≥ <paramref name="count"/>).</param>
    /// <param name="d">Receives the first sample's δ; sample s at s·<paramref name="stride"/>. Only lanes below count are written.</param>
    /// <returns>The cost summed over the m samples.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SoftmaxLogLikelihoodError(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            return SoftmaxLogLikelihoodError512(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            return SoftmaxLogLikelihoodError256(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            return SoftmaxLogLikelihoodError128(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }

        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            float max = RowMax(ref zs, count);
            float targetSum = 0f;
            for (nint k = 0; k < count; k++)
            {
                targetSum += Unsafe.Add(ref ys, k);
            }

            int ties = 0;
            float others = 0f, linear = 0f;
            for (nint k = 0; k < count; k++)
            {
                float zk = Unsafe.Add(ref zs, k);
                float yk = Unsafe.Add(ref ys, k);
                if (zk == max)
                {
                    ties++;
                }
                else
                {
                    others += MathF.Exp(zk - max);
                }
                linear = ScalarMultiplyAdd(yk, max - zk, linear);
                Unsafe.Add(ref ds, k) = targetSum * Unsafe.Add(ref a_s, k) - yk;
            }
            total += LogLikelihood(linear, targetSum, ties, others);
        }
        return (float)total;
    }

    // ---- Scalar pieces shared by the scalar and vector paths. ----

    /// <summary>Sample <paramref name="s"/>'s target: row rows[s] of <paramref name="y"/>, <paramref name="count"/> values a row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float TargetRow(ref float y, ref int rows, nint s, nint count)
        => ref Unsafe.Add(ref y, (nint)Unsafe.Add(ref rows, s) * count);

    /// <summary>a · b + c, fused where the vector forms of <c>MultiplyAdd</c> are, so both paths round alike.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ScalarMultiplyAdd(float a, float b, float c)
        => Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>
    /// One sample's log-likelihood, Σ_k y_k (max − z_k) + (Σ_k y_k) ln S with S = Σ_j e^(z_j − max) = ties + others:
    /// <paramref name="ties"/> counts the outputs equal to the maximum (each e^0 = 1, exactly) and
    /// <paramref name="others"/> sums the rest. With one maximum, ln S = ln(1 + others) is computed so that it keeps
    /// its relative accuracy when the maximum dominates and S is barely above 1 (a confident, correct prediction),
    /// which the logarithm of the float sum would lose.
    /// </summary>
    private static double LogLikelihood(float linear, float targetSum, int ties, float others)
    {
        double logSum;
        if (ties == 1)
        {
            // ln(1 + x): 1 + x is exact to 1.1e-16 in double, a relative 1.1e-8 of ln(1 + x) for x ≥ 1e-8; below,
            // x − x²/2 is within x²/3 of it.
            logSum = others < 1e-8f ? others * (1.0 - 0.5 * others) : Math.Log(1.0 + others);
        }
        else
        {
            // S ≥ 2 (or NaN from a NaN input, which has no maximum): no cancellation to guard against.
            logSum = Math.Log(ties + (double)others);
        }
        return linear + targetSum * logSum;
    }

    // ---- Vector512 output errors. ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SigmoidCrossEntropyError512(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector512<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector512<float> fresh = FreshLanes512(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector512<float> tailY = Vector512.LoadUnsafe(ref ys, last);
            Vector512<float> tailD = Vector512.LoadUnsafe(ref a_s, last) - tailY;
            Vector512<float> cost = SigmoidCrossEntropy(Vector512.LoadUnsafe(ref zs, last), tailY) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                Vector512<float> yk = Vector512.LoadUnsafe(ref ys, (nuint)k);
                cost += SigmoidCrossEntropy(Vector512.LoadUnsafe(ref zs, (nuint)k), yk);
                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref a_s, (nuint)k) - yk, ref ds, (nuint)k);
            }
            Vector512.StoreUnsafe(tailD, ref ds, last);
            total += Vector512.Sum(cost);
        }
        return (float)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float QuadraticError512(ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector512<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector512<float> fresh = FreshLanes512(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector512<float> tail = Vector512.LoadUnsafe(ref a_s, last) - Vector512.LoadUnsafe(ref ys, last);
            Vector512<float> sum = (tail * tail) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                Vector512<float> difference = Vector512.LoadUnsafe(ref a_s, (nuint)k) - Vector512.LoadUnsafe(ref ys, (nuint)k);
                Vector512.StoreUnsafe(difference, ref ds, (nuint)k);
                sum = MultiplyAdd(difference, difference, sum);
            }
            Vector512.StoreUnsafe(tail, ref ds, last);
            total += 0.5 * Vector512.Sum(sum);
        }
        return (float)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxLogLikelihoodError512(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector512<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector512<float> fresh = FreshLanes512(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector512<float> tailZ = Vector512.LoadUnsafe(ref zs, last);
            Vector512<float> tailY = Vector512.LoadUnsafe(ref ys, last);
            Vector512<float> tailA = Vector512.LoadUnsafe(ref a_s, last);

            // The maximum (a repeated lane changes nothing) and Σ y.
            Vector512<float> max = tailZ;
            Vector512<float> targetSum = tailY & fresh;
            for (nint k = 0; k < full; k += width)
            {
                max = Vector512.Max(max, Vector512.LoadUnsafe(ref zs, (nuint)k));
                targetSum += Vector512.LoadUnsafe(ref ys, (nuint)k);
            }
            float maxValue = MaxAcross(max);
            float targetSumValue = Vector512.Sum(targetSum);
            max = Vector512.Create(maxValue);
            targetSum = Vector512.Create(targetSumValue);

            // Σ e^(z − max) split into the lanes at the maximum (each 1, counted) and the rest; Σ y (max − z); δ = (Σ y) a − y.
            Vector512<float> top = Vector512.Equals(tailZ, max);
            int ties = BitOperations.PopCount((top & fresh).ExtractMostSignificantBits());
            Vector512<float> others = Vector512.AndNot(Exp(tailZ - max), top) & fresh;
            Vector512<float> linear = (tailY * (max - tailZ)) & fresh;
            Vector512<float> tailD = targetSum * tailA - tailY;
            for (nint k = 0; k < full; k += width)
            {
                Vector512<float> zk = Vector512.LoadUnsafe(ref zs, (nuint)k);
                Vector512<float> yk = Vector512.LoadUnsafe(ref ys, (nuint)k);
                top = Vector512.Equals(zk, max);
                ties += BitOperations.PopCount(top.ExtractMostSignificantBits());
                others += Vector512.AndNot(Exp(zk - max), top);
                linear = MultiplyAdd(yk, max - zk, linear);
                Vector512.StoreUnsafe(targetSum * Vector512.LoadUnsafe(ref a_s, (nuint)k) - yk, ref ds, (nuint)k);
            }
            Vector512.StoreUnsafe(tailD, ref ds, last);
            total += LogLikelihood(Vector512.Sum(linear), targetSumValue, ties, Vector512.Sum(others));
        }
        return (float)total;
    }

    // ---- Vector256 output errors. ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SigmoidCrossEntropyError256(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector256<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector256<float> fresh = FreshLanes256(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector256<float> tailY = Vector256.LoadUnsafe(ref ys, last);
            Vector256<float> tailD = Vector256.LoadUnsafe(ref a_s, last) - tailY;
            Vector256<float> cost = SigmoidCrossEntropy(Vector256.LoadUnsafe(ref zs, last), tailY) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                Vector256<float> yk = Vector256.LoadUnsafe(ref ys, (nuint)k);
                cost += SigmoidCrossEntropy(Vector256.LoadUnsafe(ref zs, (nuint)k), yk);
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref a_s, (nuint)k) - yk, ref ds, (nuint)k);
            }
            Vector256.StoreUnsafe(tailD, ref ds, last);
            total += Vector256.Sum(cost);
        }
        return (float)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float QuadraticError256(ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector256<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector256<float> fresh = FreshLanes256(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector256<float> tail = Vector256.LoadUnsafe(ref a_s, last) - Vector256.LoadUnsafe(ref ys, last);
            Vector256<float> sum = (tail * tail) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                Vector256<float> difference = Vector256.LoadUnsafe(ref a_s, (nuint)k) - Vector256.LoadUnsafe(ref ys, (nuint)k);
                Vector256.StoreUnsafe(difference, ref ds, (nuint)k);
                sum = MultiplyAdd(difference, difference, sum);
            }
            Vector256.StoreUnsafe(tail, ref ds, last);
            total += 0.5 * Vector256.Sum(sum);
        }
        return (float)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxLogLikelihoodError256(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector256<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector256<float> fresh = FreshLanes256(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector256<float> tailZ = Vector256.LoadUnsafe(ref zs, last);
            Vector256<float> tailY = Vector256.LoadUnsafe(ref ys, last);
            Vector256<float> tailA = Vector256.LoadUnsafe(ref a_s, last);

            // The maximum (a repeated lane changes nothing) and Σ y.
            Vector256<float> max = tailZ;
            Vector256<float> targetSum = tailY & fresh;
            for (nint k = 0; k < full; k += width)
            {
                max = Vector256.Max(max, Vector256.LoadUnsafe(ref zs, (nuint)k));
                targetSum += Vector256.LoadUnsafe(ref ys, (nuint)k);
            }
            float maxValue = MaxAcross(max);
            float targetSumValue = Vector256.Sum(targetSum);
            max = Vector256.Create(maxValue);
            targetSum = Vector256.Create(targetSumValue);

            // Σ e^(z − max) split into the lanes at the maximum (each 1, counted) and the rest; Σ y (max − z); δ = (Σ y) a − y.
            Vector256<float> top = Vector256.Equals(tailZ, max);
            int ties = BitOperations.PopCount((top & fresh).ExtractMostSignificantBits());
            Vector256<float> others = Vector256.AndNot(Exp(tailZ - max), top) & fresh;
            Vector256<float> linear = (tailY * (max - tailZ)) & fresh;
            Vector256<float> tailD = targetSum * tailA - tailY;
            for (nint k = 0; k < full; k += width)
            {
                Vector256<float> zk = Vector256.LoadUnsafe(ref zs, (nuint)k);
                Vector256<float> yk = Vector256.LoadUnsafe(ref ys, (nuint)k);
                top = Vector256.Equals(zk, max);
                ties += BitOperations.PopCount(top.ExtractMostSignificantBits());
                others += Vector256.AndNot(Exp(zk - max), top);
                linear = MultiplyAdd(yk, max - zk, linear);
                Vector256.StoreUnsafe(targetSum * Vector256.LoadUnsafe(ref a_s, (nuint)k) - yk, ref ds, (nuint)k);
            }
            Vector256.StoreUnsafe(tailD, ref ds, last);
            total += LogLikelihood(Vector256.Sum(linear), targetSumValue, ties, Vector256.Sum(others));
        }
        return (float)total;
    }

    // ---- Vector128 output errors. ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SigmoidCrossEntropyError128(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector128<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector128<float> fresh = FreshLanes128(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector128<float> tailY = Vector128.LoadUnsafe(ref ys, last);
            Vector128<float> tailD = Vector128.LoadUnsafe(ref a_s, last) - tailY;
            Vector128<float> cost = SigmoidCrossEntropy(Vector128.LoadUnsafe(ref zs, last), tailY) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                Vector128<float> yk = Vector128.LoadUnsafe(ref ys, (nuint)k);
                cost += SigmoidCrossEntropy(Vector128.LoadUnsafe(ref zs, (nuint)k), yk);
                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref a_s, (nuint)k) - yk, ref ds, (nuint)k);
            }
            Vector128.StoreUnsafe(tailD, ref ds, last);
            total += Vector128.Sum(cost);
        }
        return (float)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float QuadraticError128(ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector128<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector128<float> fresh = FreshLanes128(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector128<float> tail = Vector128.LoadUnsafe(ref a_s, last) - Vector128.LoadUnsafe(ref ys, last);
            Vector128<float> sum = (tail * tail) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                Vector128<float> difference = Vector128.LoadUnsafe(ref a_s, (nuint)k) - Vector128.LoadUnsafe(ref ys, (nuint)k);
                Vector128.StoreUnsafe(difference, ref ds, (nuint)k);
                sum = MultiplyAdd(difference, difference, sum);
            }
            Vector128.StoreUnsafe(tail, ref ds, last);
            total += 0.5 * Vector128.Sum(sum);
        }
        return (float)total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float SoftmaxLogLikelihoodError128(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
    {
        nint width = Vector128<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector128<float> fresh = FreshLanes128(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            ref float zs = ref Unsafe.Add(ref z, s * stride);
            ref float a_s = ref Unsafe.Add(ref a, s * stride);
            ref float ds = ref Unsafe.Add(ref d, s * stride);
            ref float ys = ref TargetRow(ref y, ref rows, s, count);
            Vector128<float> tailZ = Vector128.LoadUnsafe(ref zs, last);
            Vector128<float> tailY = Vector128.LoadUnsafe(ref ys, last);
            Vector128<float> tailA = Vector128.LoadUnsafe(ref a_s, last);

            // The maximum (a repeated lane changes nothing) and Σ y.
            Vector128<float> max = tailZ;
            Vector128<float> targetSum = tailY & fresh;
            for (nint k = 0; k < full; k += width)
            {
                max = Vector128.Max(max, Vector128.LoadUnsafe(ref zs, (nuint)k));
                targetSum += Vector128.LoadUnsafe(ref ys, (nuint)k);
            }
            float maxValue = MaxAcross(max);
            float targetSumValue = Vector128.Sum(targetSum);
            max = Vector128.Create(maxValue);
            targetSum = Vector128.Create(targetSumValue);

            // Σ e^(z − max) split into the lanes at the maximum (each 1, counted) and the rest; Σ y (max − z); δ = (Σ y) a − y.
            Vector128<float> top = Vector128.Equals(tailZ, max);
            int ties = BitOperations.PopCount((top & fresh).ExtractMostSignificantBits());
            Vector128<float> others = Vector128.AndNot(Exp(tailZ - max), top) & fresh;
            Vector128<float> linear = (tailY * (max - tailZ)) & fresh;
            Vector128<float> tailD = targetSum * tailA - tailY;
            for (nint k = 0; k < full; k += width)
            {
                Vector128<float> zk = Vector128.LoadUnsafe(ref zs, (nuint)k);
                Vector128<float> yk = Vector128.LoadUnsafe(ref ys, (nuint)k);
                top = Vector128.Equals(zk, max);
                ties += BitOperations.PopCount(top.ExtractMostSignificantBits());
                others += Vector128.AndNot(Exp(zk - max), top);
                linear = MultiplyAdd(yk, max - zk, linear);
                Vector128.StoreUnsafe(targetSum * Vector128.LoadUnsafe(ref a_s, (nuint)k) - yk, ref ds, (nuint)k);
            }
            Vector128.StoreUnsafe(tailD, ref ds, last);
            total += LogLikelihood(Vector128.Sum(linear), targetSumValue, ties, Vector128.Sum(others));
        }
        return (float)total;
    }

}
