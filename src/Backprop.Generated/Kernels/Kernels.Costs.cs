using System;
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
//
// Each cost is one struct (ICost): one sample's cost and δ, written once over ISimd (Simd.cs) for every vector width,
// and once in floats; OutputError runs it over the samples at the width that fits.
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
        => OutputError<SigmoidCrossEntropyCost>(ref z, ref a, ref y, ref rows, m, count, stride, ref d);

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
        => OutputError<QuadraticCost>(ref z, ref a, ref y, ref rows, m, count, stride, ref d);

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
        => OutputError<SoftmaxLogLikelihoodCost>(ref z, ref a, ref y, ref rows, m, count, stride, ref d);

    // ---- The loop over the samples. ----

    /// <summary>A cost: one sample's cost and output error, with vectors of any width or with floats.</summary>
    private interface ICost
    {
        /// <summary>
        /// One sample's cost; its δ into <paramref name="d"/>. The sample's row has whole vectors below
        /// <paramref name="full"/> and the overlapping last vector at <paramref name="last"/>, whose lanes not yet covered are
        /// <paramref name="fresh"/> (see <see cref="FreshLanes"/>).
        /// </summary>
        static abstract double Sample<TSimd, TVector>(ref float z, ref float a, ref float y, ref float d, nint full, nuint last, TVector fresh) where TSimd : struct, ISimd<TVector> where TVector : struct;

        /// <summary>One sample's cost, with <paramref name="count"/> outputs; its δ into <paramref name="d"/>.</summary>
        static abstract double ScalarSample(ref float z, ref float a, ref float y, ref float d, nint count);
    }

    /// <summary>
    /// <typeparamref name="TCost"/> summed over the m samples, each with the widest accelerated vector that fits in a
    /// row, else (rows shorter than the narrowest accelerated vector) with floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float OutputError<TCost>(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
        where TCost : struct, ICost
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            return OutputError<TCost, Simd512, Vector512<float>>(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            return OutputError<TCost, Simd256, Vector256<float>>(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }
        if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            return OutputError<TCost, Simd128, Vector128<float>>(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
        }
        return ScalarOutputError<TCost>(ref z, ref a, ref y, ref rows, m, count, stride, ref d);
    }

    /// <summary><typeparamref name="TCost"/> summed over the m samples, with floats.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ScalarOutputError<TCost>(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
        where TCost : struct, ICost
    {
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            total += TCost.ScalarSample(
                ref Unsafe.Add(ref z, s * stride), ref Unsafe.Add(ref a, s * stride), ref TargetRow(ref y, ref rows, s, count), ref Unsafe.Add(ref d, s * stride), count);
        }
        return (float)total;
    }

    /// <summary><typeparamref name="TCost"/> summed over the m samples, with vectors of <typeparamref name="TSimd"/> (count ≥ one vector).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float OutputError<TCost, TSimd, TVector>(ref float z, ref float a, ref float y, ref int rows, nint m, nint count, nint stride, ref float d)
        where TCost : struct, ICost where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        nint full = count - count % TSimd.Count;
        nuint last = (nuint)(count - TSimd.Count);
        TVector fresh = FreshLanes<TSimd, TVector>(count);
        double total = 0;
        for (nint s = 0; s < m; s++)
        {
            total += TCost.Sample<TSimd, TVector>(
                ref Unsafe.Add(ref z, s * stride), ref Unsafe.Add(ref a, s * stride), ref TargetRow(ref y, ref rows, s, count), ref Unsafe.Add(ref d, s * stride),
                full, last, fresh);
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

    // ---- The costs. ----

    /// <summary>The cross-entropy of sigmoid outputs, max(z, 0) − y·z + ln(1 + e^−|z|); δ = a − y.</summary>
    private readonly struct SigmoidCrossEntropyCost : ICost
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Sample<TSimd, TVector>(ref float z, ref float a, ref float y, ref float d, nint full, nuint last, TVector fresh) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            TVector tailY = TSimd.Load(ref y, last);
            TVector tailD = TSimd.Subtract(TSimd.Load(ref a, last), tailY);
            TVector cost = TSimd.And(SigmoidCrossEntropy<TSimd, TVector>(TSimd.Load(ref z, last), tailY), fresh);
            for (nint k = 0; k < full; k += TSimd.Count)
            {
                TVector yk = TSimd.Load(ref y, (nuint)k);
                cost = TSimd.Add(cost, SigmoidCrossEntropy<TSimd, TVector>(TSimd.Load(ref z, (nuint)k), yk));
                TSimd.Store(TSimd.Subtract(TSimd.Load(ref a, (nuint)k), yk), ref d, (nuint)k);
            }
            TSimd.Store(tailD, ref d, last);
            return TSimd.Sum(cost);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double ScalarSample(ref float z, ref float a, ref float y, ref float d, nint count)
        {
            float cost = 0f;
            for (nint k = 0; k < count; k++)
            {
                float yk = Unsafe.Add(ref y, k);
                cost += SigmoidCrossEntropy(Unsafe.Add(ref z, k), yk);
                Unsafe.Add(ref d, k) = Unsafe.Add(ref a, k) - yk;
            }
            return cost;
        }
    }

    /// <summary>The quadratic cost, ½ Σ (a − y)²; the raw error a − y (z unused).</summary>
    private readonly struct QuadraticCost : ICost
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Sample<TSimd, TVector>(ref float z, ref float a, ref float y, ref float d, nint full, nuint last, TVector fresh) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            TVector tail = TSimd.Subtract(TSimd.Load(ref a, last), TSimd.Load(ref y, last));
            TVector sum = TSimd.And(TSimd.Multiply(tail, tail), fresh);
            for (nint k = 0; k < full; k += TSimd.Count)
            {
                TVector difference = TSimd.Subtract(TSimd.Load(ref a, (nuint)k), TSimd.Load(ref y, (nuint)k));
                TSimd.Store(difference, ref d, (nuint)k);
                sum = TSimd.MultiplyAdd(difference, difference, sum);
            }
            TSimd.Store(tail, ref d, last);
            return 0.5 * TSimd.Sum(sum);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double ScalarSample(ref float z, ref float a, ref float y, ref float d, nint count)
        {
            float sum = 0f;
            for (nint k = 0; k < count; k++)
            {
                float difference = Unsafe.Add(ref a, k) - Unsafe.Add(ref y, k);
                Unsafe.Add(ref d, k) = difference;
                sum = ScalarMultiplyAdd(difference, difference, sum);
            }
            return 0.5 * sum;
        }
    }

    /// <summary>The log-likelihood of softmax outputs, by log-sum-exp (see <see cref="LogLikelihood"/>); δ = (Σ y) a − y.</summary>
    private readonly struct SoftmaxLogLikelihoodCost : ICost
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double Sample<TSimd, TVector>(ref float z, ref float a, ref float y, ref float d, nint full, nuint last, TVector fresh) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            TVector tailZ = TSimd.Load(ref z, last);
            TVector tailY = TSimd.Load(ref y, last);
            TVector tailA = TSimd.Load(ref a, last);

            // The maximum (a repeated lane changes nothing) and Σ y.
            TVector max = tailZ;
            TVector targetSum = TSimd.And(tailY, fresh);
            for (nint k = 0; k < full; k += TSimd.Count)
            {
                max = TSimd.Max(max, TSimd.Load(ref z, (nuint)k));
                targetSum = TSimd.Add(targetSum, TSimd.Load(ref y, (nuint)k));
            }
            float maxValue = TSimd.MaxAcross(max);
            float targetSumValue = TSimd.Sum(targetSum);
            max = TSimd.Create(maxValue);
            targetSum = TSimd.Create(targetSumValue);

            // Σ e^(z − max) split into the lanes at the maximum (each 1, counted) and the rest; Σ y (max − z); δ = (Σ y) a − y.
            TVector top = TSimd.Equal(tailZ, max);
            int ties = TSimd.PopCount(TSimd.And(top, fresh));
            TVector others = TSimd.And(TSimd.AndNot(Exp<TSimd, TVector>(TSimd.Subtract(tailZ, max)), top), fresh);
            TVector linear = TSimd.And(TSimd.Multiply(tailY, TSimd.Subtract(max, tailZ)), fresh);
            TVector tailD = TSimd.Subtract(TSimd.Multiply(targetSum, tailA), tailY);
            for (nint k = 0; k < full; k += TSimd.Count)
            {
                TVector zk = TSimd.Load(ref z, (nuint)k);
                TVector yk = TSimd.Load(ref y, (nuint)k);
                top = TSimd.Equal(zk, max);
                ties += TSimd.PopCount(top);
                others = TSimd.Add(others, TSimd.AndNot(Exp<TSimd, TVector>(TSimd.Subtract(zk, max)), top));
                linear = TSimd.MultiplyAdd(yk, TSimd.Subtract(max, zk), linear);
                TSimd.Store(TSimd.Subtract(TSimd.Multiply(targetSum, TSimd.Load(ref a, (nuint)k)), yk), ref d, (nuint)k);
            }
            TSimd.Store(tailD, ref d, last);
            return LogLikelihood(TSimd.Sum(linear), targetSumValue, ties, TSimd.Sum(others));
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static double ScalarSample(ref float z, ref float a, ref float y, ref float d, nint count)
        {
            float max = RowMax(ref z, count);
            float targetSum = 0f;
            for (nint k = 0; k < count; k++)
            {
                targetSum += Unsafe.Add(ref y, k);
            }

            int ties = 0;
            float others = 0f, linear = 0f;
            for (nint k = 0; k < count; k++)
            {
                float zk = Unsafe.Add(ref z, k);
                float yk = Unsafe.Add(ref y, k);
                if (zk == max)
                {
                    ties++;
                }
                else
                {
                    others += MathF.Exp(zk - max);
                }
                linear = ScalarMultiplyAdd(yk, max - zk, linear);
                Unsafe.Add(ref d, k) = targetSum * Unsafe.Add(ref a, k) - yk;
            }
            return LogLikelihood(linear, targetSum, ties, others);
        }
    }
}
