using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop;

// The activation functions besides the sigmoid (Kernels.cs), their slopes and softmax: scalar, Vector128/256/512
// and row kernels. The three vector widths repeat one algorithm, as in Kernels.cs.
//
// Slopes are computed from the activation a = f(z), which is what the generated code keeps, not from z:
// σ' = a(1 − a), tanh' = 1 − a² (as (1 − a)(1 + a), which keeps its accuracy near |a| = 1), and for ReLU and
// leaky ReLU 1 where a > 0 (a > 0 exactly when z > 0), else 0 and 0.01. The slope at z = 0 is that of z < 0.
//
// tanh follows Cephes' tanhf: below |z| = 0.625 the odd polynomial z + z³·q(z²), with no cancellation near 0;
// above, 1 − 2 / (e^(2|z|) + 1) with the sign of z put back, exactly ±1 beyond |z| ≈ 9 (e^(2|z|) is clamped at
// e^88, so infinities give ±1 as well). Both are within a few float ulps of tanh, and NaN stays NaN.
//
// The row-wise kernels (softmax and its Jacobian) treat rows of `count` values `stride` floats apart, and never
// read or write the lanes count..stride of a row. A row of at least one vector is covered by whole vectors and
// one last vector that ends at `count` and overlaps the one before it; its repeated lanes are masked out of the
// sums, and it is loaded before the whole vectors are stored so that the input and output may be the same memory.
// Rows shorter than the narrowest accelerated vector take the scalar path.
public static partial class Kernels
{
    /// <summary>The leaky ReLU's slope for z ≤ 0.</summary>
    private const float LeakySlope = 0.01f;

    /// <summary>Below this |z|, tanh is the polynomial; above, it is computed from e^(2|z|).</summary>
    private const float TanhSmall = 0.625f;

    // Cephes tanhf: tanh(z) = z + z·z²·q(z²) for |z| < 0.625, q(t) = ((((Q0 t + Q1) t + Q2) t + Q3) t + Q4).
    private const float TanhQ0 = -5.70498872745e-3f;
    private const float TanhQ1 = 2.06390887954e-2f;
    private const float TanhQ2 = -5.37397155531e-2f;
    private const float TanhQ3 = 1.33314422036e-1f;
    private const float TanhQ4 = -3.33332819422e-1f;

    // ---- Scalar forms. ----

    /// <summary>tanh(z) = (e^z − e^−z) / (e^z + e^−z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float z) => MathF.Tanh(z);

    /// <summary>max(0, z); NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReLU(float z) => z <= 0f ? 0f : z;

    /// <summary>z for z &gt; 0, else 0.01·z; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyReLU(float z) => z > 0f ? z : LeakySlope * z;

    /// <summary>σ'(z) = a(1 − a), from the activation a = σ(z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SigmoidDerivative(float a) => a * (1f - a);

    /// <summary>tanh'(z) = 1 − a² (computed as (1 − a)(1 + a)), from the activation a = tanh(z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TanhDerivative(float a) => (1f - a) * (1f + a);

    /// <summary>ReLU'(z) from the activation a = ReLU(z): 1 for a &gt; 0, else 0 (0 at z = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ReLUDerivative(float a) => a > 0f ? 1f : 0f;

    /// <summary>The leaky ReLU's slope from its activation a: 1 for a &gt; 0, else 0.01 (0.01 at z = 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float LeakyReLUDerivative(float a) => a > 0f ? 1f : LeakySlope;

    // ---- Element-wise row kernels: the widest accelerated vectors, then narrower ones, then scalars. ----

    /// <summary>
    /// target[k] = tanh(source[k]), for k in [0, <paramref name="count"/>) (source and target may be the same memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tanh(ref float source, ref float target, nint count) => MapRows<TanhFunction>(ref source, ref target, count);

    /// <summary>
    /// target[k] = max(0, source[k]), for k in [0, <paramref name="count"/>) (source and target may be the same memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReLU(ref float source, ref float target, nint count) => MapRows<ReLUFunction>(ref source, ref target, count);

    /// <summary>
    /// target[k] = source[k] for source[k] &gt; 0, else 0.01·source[k], for k in [0, <paramref name="count"/>) (source and target may be the same memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LeakyReLU(ref float source, ref float target, nint count) => MapRows<LeakyReLUFunction>(ref source, ref target, count);

    /// <summary>
    /// d[k] ·= σ' = a(1 − a), with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SigmoidDerivative(ref float a, ref float d, nint count) => MultiplyRows<SigmoidDerivativeFunction>(ref a, ref d, count);

    /// <summary>
    /// d[k] ·= tanh' = 1 − a², with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TanhDerivative(ref float a, ref float d, nint count) => MultiplyRows<TanhDerivativeFunction>(ref a, ref d, count);

    /// <summary>
    /// d[k] ·= ReLU' = 1 for a &gt; 0, else 0, with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReLUDerivative(ref float a, ref float d, nint count) => MultiplyRows<ReLUDerivativeFunction>(ref a, ref d, count);

    /// <summary>
    /// d[k] ·= the leaky ReLU's slope = 1 for a &gt; 0, else 0.01, with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LeakyReLUDerivative(ref float a, ref float d, nint count) => MultiplyRows<LeakyReLUDerivativeFunction>(ref a, ref d, count);

    /// <summary>An element-wise function at every width, for the row kernels: one struct per function, so that each
    /// instantiation of <see cref="MapRows{TFunction}"/> is compiled with the function inlined.</summary>
    private interface IElementwise
    {
        static abstract float Apply(float x);

        static abstract Vector128<float> Apply(Vector128<float> x);

        static abstract Vector256<float> Apply(Vector256<float> x);

        static abstract Vector512<float> Apply(Vector512<float> x);
    }

    /// <summary>target[k] = f(source[k]) for k in [0, count) (source and target may be the same memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MapRows<TFunction>(ref float source, ref float target, nint count)
        where TFunction : struct, IElementwise
    {
        nint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k <= count - Vector512<float>.Count; k += Vector512<float>.Count)
            {
                Vector512.StoreUnsafe(TFunction.Apply(Vector512.LoadUnsafe(ref source, (nuint)k)), ref target, (nuint)k);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k <= count - Vector256<float>.Count; k += Vector256<float>.Count)
            {
                Vector256.StoreUnsafe(TFunction.Apply(Vector256.LoadUnsafe(ref source, (nuint)k)), ref target, (nuint)k);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; k <= count - Vector128<float>.Count; k += Vector128<float>.Count)
            {
                Vector128.StoreUnsafe(TFunction.Apply(Vector128.LoadUnsafe(ref source, (nuint)k)), ref target, (nuint)k);
            }
        }
        for (; k < count; k++)
        {
            Unsafe.Add(ref target, k) = TFunction.Apply(Unsafe.Add(ref source, k));
        }
    }

    /// <summary>d[k] ·= f(a[k]) for k in [0, count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyRows<TFunction>(ref float a, ref float d, nint count)
        where TFunction : struct, IElementwise
    {
        nint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k <= count - Vector512<float>.Count; k += Vector512<float>.Count)
            {
                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref d, (nuint)k) * TFunction.Apply(Vector512.LoadUnsafe(ref a, (nuint)k)), ref d, (nuint)k);
            }
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; k <= count - Vector256<float>.Count; k += Vector256<float>.Count)
            {
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref d, (nuint)k) * TFunction.Apply(Vector256.LoadUnsafe(ref a, (nuint)k)), ref d, (nuint)k);
            }
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; k <= count - Vector128<float>.Count; k += Vector128<float>.Count)
            {
                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref d, (nuint)k) * TFunction.Apply(Vector128.LoadUnsafe(ref a, (nuint)k)), ref d, (nuint)k);
            }
        }
        for (; k < count; k++)
        {
            Unsafe.Add(ref d, k) *= TFunction.Apply(Unsafe.Add(ref a, k));
        }
    }

    private readonly struct TanhFunction : IElementwise
    {
        public static float Apply(float x) => Tanh(x);

        public static Vector128<float> Apply(Vector128<float> x) => Tanh(x);

        public static Vector256<float> Apply(Vector256<float> x) => Tanh(x);

        public static Vector512<float> Apply(Vector512<float> x) => Tanh(x);
    }

    private readonly struct ReLUFunction : IElementwise
    {
        public static float Apply(float x) => ReLU(x);

        public static Vector128<float> Apply(Vector128<float> x) => ReLU(x);

        public static Vector256<float> Apply(Vector256<float> x) => ReLU(x);

        public static Vector512<float> Apply(Vector512<float> x) => ReLU(x);
    }

    private readonly struct LeakyReLUFunction : IElementwise
    {
        public static float Apply(float x) => LeakyReLU(x);

        public static Vector128<float> Apply(Vector128<float> x) => LeakyReLU(x);

        public static Vector256<float> Apply(Vector256<float> x) => LeakyReLU(x);

        public static Vector512<float> Apply(Vector512<float> x) => LeakyReLU(x);
    }

    private readonly struct SigmoidDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => SigmoidDerivative(x);

        public static Vector128<float> Apply(Vector128<float> x) => SigmoidDerivative(x);

        public static Vector256<float> Apply(Vector256<float> x) => SigmoidDerivative(x);

        public static Vector512<float> Apply(Vector512<float> x) => SigmoidDerivative(x);
    }

    private readonly struct TanhDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => TanhDerivative(x);

        public static Vector128<float> Apply(Vector128<float> x) => TanhDerivative(x);

        public static Vector256<float> Apply(Vector256<float> x) => TanhDerivative(x);

        public static Vector512<float> Apply(Vector512<float> x) => TanhDerivative(x);
    }

    private readonly struct ReLUDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => ReLUDerivative(x);

        public static Vector128<float> Apply(Vector128<float> x) => ReLUDerivative(x);

        public static Vector256<float> Apply(Vector256<float> x) => ReLUDerivative(x);

        public static Vector512<float> Apply(Vector512<float> x) => ReLUDerivative(x);
    }

    private readonly struct LeakyReLUDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => LeakyReLUDerivative(x);

        public static Vector128<float> Apply(Vector128<float> x) => LeakyReLUDerivative(x);

        public static Vector256<float> Apply(Vector256<float> x) => LeakyReLUDerivative(x);

        public static Vector512<float> Apply(Vector512<float> x) => LeakyReLUDerivative(x);
    }

    /// <summary>
    /// target[k] = source[k] for k in [0, <paramref name="count"/>): the identity activation. Nothing to do when
    /// source and target are the same memory; overlapping ranges are copied as if through a buffer.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Identity(ref float source, ref float target, nint count)
    {
        if (count <= 0 || Unsafe.AreSame(ref source, ref target))
        {
            return;
        }
        for (nint k = 0; k < count; k += int.MaxValue)
        {
            int length = (int)nint.Min(count - k, int.MaxValue);
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref source, k), length).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref target, k), length));
        }
    }

    // ---- Softmax, row by row. ----

    /// <summary>
    /// a = softmax(z) for each of <paramref name="rows"/> rows of <paramref name="count"/> values,
    /// <paramref name="stride"/> floats apart: a_k = e^(z_k − max) / Σ_j e^(z_j − max), which never overflows.
    /// z may be a. The lanes count..stride of a row are neither read nor written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(ref float z, ref float a, nint rows, nint count, nint stride)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            Softmax512(ref z, ref a, rows, count, stride);
        }
        else if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            Softmax256(ref z, ref a, rows, count, stride);
        }
        else if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            Softmax128(ref z, ref a, rows, count, stride);
        }
        else if (count > 0)
        {
            SoftmaxScalar(ref z, ref a, rows, count, stride);
        }
    }

    /// <summary>
    /// d ← a ⊙ (d − (d·a)) for each of <paramref name="rows"/> rows of <paramref name="count"/> values,
    /// <paramref name="stride"/> floats apart: d times the softmax's Jacobian, ∂a_k/∂z_j = a_k (1[k = j] − a_j)
    /// (symmetric), from the activation a. The lanes count..stride of a row are neither read nor written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxDerivative(ref float a, ref float d, nint rows, nint count, nint stride)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            SoftmaxDerivative512(ref a, ref d, rows, count, stride);
        }
        else if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            SoftmaxDerivative256(ref a, ref d, rows, count, stride);
        }
        else if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            SoftmaxDerivative128(ref a, ref d, rows, count, stride);
        }
        else
        {
            SoftmaxDerivativeScalar(ref a, ref d, rows, count, stride);
        }
    }

    private static void SoftmaxScalar(ref float z, ref float a, nint rows, nint count, nint stride)
    {
        for (nint r = 0; r < rows; r++)
        {
            ref float zr = ref Unsafe.Add(ref z, r * stride);
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            float max = RowMax(ref zr, count);
            float sum = 0f;
            for (nint k = 0; k < count; k++)
            {
                float e = MathF.Exp(Unsafe.Add(ref zr, k) - max);
                Unsafe.Add(ref ar, k) = e;
                sum += e;
            }
            for (nint k = 0; k < count; k++)
            {
                Unsafe.Add(ref ar, k) /= sum;
            }
        }
    }

    private static void SoftmaxDerivativeScalar(ref float a, ref float d, nint rows, nint count, nint stride)
    {
        for (nint r = 0; r < rows; r++)
        {
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            ref float dr = ref Unsafe.Add(ref d, r * stride);
            float dot = 0f;
            for (nint k = 0; k < count; k++)
            {
                dot += Unsafe.Add(ref ar, k) * Unsafe.Add(ref dr, k);
            }
            for (nint k = 0; k < count; k++)
            {
                Unsafe.Add(ref dr, k) = Unsafe.Add(ref ar, k) * (Unsafe.Add(ref dr, k) - dot);
            }
        }
    }

    /// <summary>The largest of <paramref name="count"/> (≥ 1) values; a NaN is skipped unless it comes first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float RowMax(ref float values, nint count)
    {
        float max = values;
        for (nint k = 1; k < count; k++)
        {
            float v = Unsafe.Add(ref values, k);
            max = v > max ? v : max;
        }
        return max;
    }

    /// <summary>0, 1, 2, … lane by lane (<c>Vector512&lt;float&gt;.Indices</c> of .NET 9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LaneIndices512()
        => Vector512.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, 10f, 11f, 12f, 13f, 14f, 15f);

    /// <summary>0, 1, 2, … lane by lane (<c>Vector256&lt;float&gt;.Indices</c> of .NET 9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LaneIndices256() => Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);

    /// <summary>0, 1, 2, … lane by lane (<c>Vector128&lt;float&gt;.Indices</c> of .NET 9).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> LaneIndices128() => Vector128.Create(0f, 1f, 2f, 3f);

    /// <summary>The largest lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcross(Vector512<float> v) => MaxAcross(Vector256.Max(v.GetLower(), v.GetUpper()));

    /// <summary>The largest lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcross(Vector256<float> v) => MaxAcross(Vector128.Max(v.GetLower(), v.GetUpper()));

    /// <summary>The largest lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxAcross(Vector128<float> v)
    {
        v = Vector128.Max(v, Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1)));
        v = Vector128.Max(v, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2)));
        return v.ToScalar();
    }

    // ---- Vector512: the vector forms and the row-wise softmax kernels of this width. ----

    /// <summary>tanh(z) lane by lane, as <see cref="Tanh(float)"/> to a few ulps; ±1 exactly beyond |z| ≈ 9; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> z)
    {
        Vector512<float> x = Vector512.Abs(z);
        Vector512<float> z2 = z * z;
        Vector512<float> p = MultiplyAdd(Vector512.Create(TanhQ0), z2, Vector512.Create(TanhQ1));
        p = MultiplyAdd(p, z2, Vector512.Create(TanhQ2));
        p = MultiplyAdd(p, z2, Vector512.Create(TanhQ3));
        p = MultiplyAdd(p, z2, Vector512.Create(TanhQ4));
        Vector512<float> small = MultiplyAdd(p * z2, z, z);
        Vector512<float> e = Exp(x + x);
        Vector512<float> large = (Vector512<float>.One - Vector512.Create(2f) / (e + Vector512<float>.One)) | (z & Vector512.Create(-0f));
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(TanhSmall)), small, large);
    }

    /// <summary>max(0, z) lane by lane, as <see cref="ReLU(float)"/>; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLU(Vector512<float> z) => Vector512.AndNot(z, Vector512.LessThanOrEqual(z, Vector512<float>.Zero));

    /// <summary>z for z &gt; 0, else 0.01·z, lane by lane, as <see cref="LeakyReLU(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReLU(Vector512<float> z)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(z, Vector512<float>.Zero), z, z * Vector512.Create(LeakySlope));

    /// <summary>σ' = a(1 − a) from the activation a = σ(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidDerivative(Vector512<float> a) => a * (Vector512<float>.One - a);

    /// <summary>tanh' = 1 − a² = (1 − a)(1 + a) from the activation a = tanh(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TanhDerivative(Vector512<float> a) => (Vector512<float>.One - a) * (Vector512<float>.One + a);

    /// <summary>1 where a &gt; 0, else 0, lane by lane (the ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLUDerivative(Vector512<float> a) => Vector512<float>.One & Vector512.GreaterThan(a, Vector512<float>.Zero);

    /// <summary>1 where a &gt; 0, else 0.01, lane by lane (the leaky ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReLUDerivative(Vector512<float> a)
        => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<float>.Zero), Vector512<float>.One, Vector512.Create(LeakySlope));

    /// <summary>
    /// The lanes of the overlapping last vector of a row of <paramref name="count"/> (≥ one vector) values, at
    /// count − width, that the whole vectors before it did not cover: all-ones there, zero on the repeated lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FreshLanes512(nint count)
        => Vector512.GreaterThanOrEqual(LaneIndices512(), Vector512.Create((float)(Vector512<float>.Count - count % Vector512<float>.Count)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Softmax512(ref float z, ref float a, nint rows, nint count, nint stride)
    {
        nint width = Vector512<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector512<float> fresh = FreshLanes512(count);
        for (nint r = 0; r < rows; r++)
        {
            ref float zr = ref Unsafe.Add(ref z, r * stride);
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            // The last vector is loaded first: z may be a, which the loops below overwrite.
            Vector512<float> tail = Vector512.LoadUnsafe(ref zr, last);
            Vector512<float> max = tail;
            for (nint k = 0; k < full; k += width)
            {
                max = Vector512.Max(max, Vector512.LoadUnsafe(ref zr, (nuint)k));
            }
            max = Vector512.Create(MaxAcross(max));

            Vector512<float> sum = Vector512<float>.Zero;
            for (nint k = 0; k < full; k += width)
            {
                Vector512<float> e = Exp(Vector512.LoadUnsafe(ref zr, (nuint)k) - max);
                Vector512.StoreUnsafe(e, ref ar, (nuint)k);
                sum += e;
            }
            tail = Exp(tail - max);
            sum += tail & fresh;
            sum = Vector512.Create(Vector512.Sum(sum));

            for (nint k = 0; k < full; k += width)
            {
                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref ar, (nuint)k) / sum, ref ar, (nuint)k);
            }
            // The repeated lanes get the same values again: the same exponentials over the same sum.
            Vector512.StoreUnsafe(tail / sum, ref ar, last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxDerivative512(ref float a, ref float d, nint rows, nint count, nint stride)
    {
        nint width = Vector512<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector512<float> fresh = FreshLanes512(count);
        for (nint r = 0; r < rows; r++)
        {
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            ref float dr = ref Unsafe.Add(ref d, r * stride);
            // The last vector of d is loaded before the loop below overwrites its repeated lanes.
            Vector512<float> tailA = Vector512.LoadUnsafe(ref ar, last);
            Vector512<float> tailD = Vector512.LoadUnsafe(ref dr, last);
            Vector512<float> dot = (tailA * tailD) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                dot = MultiplyAdd(Vector512.LoadUnsafe(ref ar, (nuint)k), Vector512.LoadUnsafe(ref dr, (nuint)k), dot);
            }
            dot = Vector512.Create(Vector512.Sum(dot));

            for (nint k = 0; k < full; k += width)
            {
                Vector512<float> ak = Vector512.LoadUnsafe(ref ar, (nuint)k);
                Vector512.StoreUnsafe(ak * (Vector512.LoadUnsafe(ref dr, (nuint)k) - dot), ref dr, (nuint)k);
            }
            Vector512.StoreUnsafe(tailA * (tailD - dot), ref dr, last);
        }
    }

    // ---- Vector256: the vector forms and the row-wise softmax kernels of this width. ----

    /// <summary>tanh(z) lane by lane, as <see cref="Tanh(float)"/> to a few ulps; ±1 exactly beyond |z| ≈ 9; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> z)
    {
        Vector256<float> x = Vector256.Abs(z);
        Vector256<float> z2 = z * z;
        Vector256<float> p = MultiplyAdd(Vector256.Create(TanhQ0), z2, Vector256.Create(TanhQ1));
        p = MultiplyAdd(p, z2, Vector256.Create(TanhQ2));
        p = MultiplyAdd(p, z2, Vector256.Create(TanhQ3));
        p = MultiplyAdd(p, z2, Vector256.Create(TanhQ4));
        Vector256<float> small = MultiplyAdd(p * z2, z, z);
        Vector256<float> e = Exp(x + x);
        Vector256<float> large = (Vector256<float>.One - Vector256.Create(2f) / (e + Vector256<float>.One)) | (z & Vector256.Create(-0f));
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(TanhSmall)), small, large);
    }

    /// <summary>max(0, z) lane by lane, as <see cref="ReLU(float)"/>; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReLU(Vector256<float> z) => Vector256.AndNot(z, Vector256.LessThanOrEqual(z, Vector256<float>.Zero));

    /// <summary>z for z &gt; 0, else 0.01·z, lane by lane, as <see cref="LeakyReLU(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LeakyReLU(Vector256<float> z)
        => Vector256.ConditionalSelect(Vector256.GreaterThan(z, Vector256<float>.Zero), z, z * Vector256.Create(LeakySlope));

    /// <summary>σ' = a(1 − a) from the activation a = σ(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SigmoidDerivative(Vector256<float> a) => a * (Vector256<float>.One - a);

    /// <summary>tanh' = 1 − a² = (1 − a)(1 + a) from the activation a = tanh(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> TanhDerivative(Vector256<float> a) => (Vector256<float>.One - a) * (Vector256<float>.One + a);

    /// <summary>1 where a &gt; 0, else 0, lane by lane (the ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReLUDerivative(Vector256<float> a) => Vector256<float>.One & Vector256.GreaterThan(a, Vector256<float>.Zero);

    /// <summary>1 where a &gt; 0, else 0.01, lane by lane (the leaky ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LeakyReLUDerivative(Vector256<float> a)
        => Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<float>.Zero), Vector256<float>.One, Vector256.Create(LeakySlope));

    /// <summary>
    /// The lanes of the overlapping last vector of a row of <paramref name="count"/> (≥ one vector) values, at
    /// count − width, that the whole vectors before it did not cover: all-ones there, zero on the repeated lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> FreshLanes256(nint count)
        => Vector256.GreaterThanOrEqual(LaneIndices256(), Vector256.Create((float)(Vector256<float>.Count - count % Vector256<float>.Count)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Softmax256(ref float z, ref float a, nint rows, nint count, nint stride)
    {
        nint width = Vector256<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector256<float> fresh = FreshLanes256(count);
        for (nint r = 0; r < rows; r++)
        {
            ref float zr = ref Unsafe.Add(ref z, r * stride);
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            // The last vector is loaded first: z may be a, which the loops below overwrite.
            Vector256<float> tail = Vector256.LoadUnsafe(ref zr, last);
            Vector256<float> max = tail;
            for (nint k = 0; k < full; k += width)
            {
                max = Vector256.Max(max, Vector256.LoadUnsafe(ref zr, (nuint)k));
            }
            max = Vector256.Create(MaxAcross(max));

            Vector256<float> sum = Vector256<float>.Zero;
            for (nint k = 0; k < full; k += width)
            {
                Vector256<float> e = Exp(Vector256.LoadUnsafe(ref zr, (nuint)k) - max);
                Vector256.StoreUnsafe(e, ref ar, (nuint)k);
                sum += e;
            }
            tail = Exp(tail - max);
            sum += tail & fresh;
            sum = Vector256.Create(Vector256.Sum(sum));

            for (nint k = 0; k < full; k += width)
            {
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref ar, (nuint)k) / sum, ref ar, (nuint)k);
            }
            // The repeated lanes get the same values again: the same exponentials over the same sum.
            Vector256.StoreUnsafe(tail / sum, ref ar, last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxDerivative256(ref float a, ref float d, nint rows, nint count, nint stride)
    {
        nint width = Vector256<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector256<float> fresh = FreshLanes256(count);
        for (nint r = 0; r < rows; r++)
        {
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            ref float dr = ref Unsafe.Add(ref d, r * stride);
            // The last vector of d is loaded before the loop below overwrites its repeated lanes.
            Vector256<float> tailA = Vector256.LoadUnsafe(ref ar, last);
            Vector256<float> tailD = Vector256.LoadUnsafe(ref dr, last);
            Vector256<float> dot = (tailA * tailD) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                dot = MultiplyAdd(Vector256.LoadUnsafe(ref ar, (nuint)k), Vector256.LoadUnsafe(ref dr, (nuint)k), dot);
            }
            dot = Vector256.Create(Vector256.Sum(dot));

            for (nint k = 0; k < full; k += width)
            {
                Vector256<float> ak = Vector256.LoadUnsafe(ref ar, (nuint)k);
                Vector256.StoreUnsafe(ak * (Vector256.LoadUnsafe(ref dr, (nuint)k) - dot), ref dr, (nuint)k);
            }
            Vector256.StoreUnsafe(tailA * (tailD - dot), ref dr, last);
        }
    }

    // ---- Vector128: the vector forms and the row-wise softmax kernels of this width. ----

    /// <summary>tanh(z) lane by lane, as <see cref="Tanh(float)"/> to a few ulps; ±1 exactly beyond |z| ≈ 9; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> z)
    {
        Vector128<float> x = Vector128.Abs(z);
        Vector128<float> z2 = z * z;
        Vector128<float> p = MultiplyAdd(Vector128.Create(TanhQ0), z2, Vector128.Create(TanhQ1));
        p = MultiplyAdd(p, z2, Vector128.Create(TanhQ2));
        p = MultiplyAdd(p, z2, Vector128.Create(TanhQ3));
        p = MultiplyAdd(p, z2, Vector128.Create(TanhQ4));
        Vector128<float> small = MultiplyAdd(p * z2, z, z);
        Vector128<float> e = Exp(x + x);
        Vector128<float> large = (Vector128<float>.One - Vector128.Create(2f) / (e + Vector128<float>.One)) | (z & Vector128.Create(-0f));
        return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128.Create(TanhSmall)), small, large);
    }

    /// <summary>max(0, z) lane by lane, as <see cref="ReLU(float)"/>; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLU(Vector128<float> z) => Vector128.AndNot(z, Vector128.LessThanOrEqual(z, Vector128<float>.Zero));

    /// <summary>z for z &gt; 0, else 0.01·z, lane by lane, as <see cref="LeakyReLU(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReLU(Vector128<float> z)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(z, Vector128<float>.Zero), z, z * Vector128.Create(LeakySlope));

    /// <summary>σ' = a(1 − a) from the activation a = σ(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SigmoidDerivative(Vector128<float> a) => a * (Vector128<float>.One - a);

    /// <summary>tanh' = 1 − a² = (1 − a)(1 + a) from the activation a = tanh(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> TanhDerivative(Vector128<float> a) => (Vector128<float>.One - a) * (Vector128<float>.One + a);

    /// <summary>1 where a &gt; 0, else 0, lane by lane (the ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLUDerivative(Vector128<float> a) => Vector128<float>.One & Vector128.GreaterThan(a, Vector128<float>.Zero);

    /// <summary>1 where a &gt; 0, else 0.01, lane by lane (the leaky ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReLUDerivative(Vector128<float> a)
        => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<float>.Zero), Vector128<float>.One, Vector128.Create(LeakySlope));

    /// <summary>
    /// The lanes of the overlapping last vector of a row of <paramref name="count"/> (≥ one vector) values, at
    /// count − width, that the whole vectors before it did not cover: all-ones there, zero on the repeated lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> FreshLanes128(nint count)
        => Vector128.GreaterThanOrEqual(LaneIndices128(), Vector128.Create((float)(Vector128<float>.Count - count % Vector128<float>.Count)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Softmax128(ref float z, ref float a, nint rows, nint count, nint stride)
    {
        nint width = Vector128<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector128<float> fresh = FreshLanes128(count);
        for (nint r = 0; r < rows; r++)
        {
            ref float zr = ref Unsafe.Add(ref z, r * stride);
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            // The last vector is loaded first: z may be a, which the loops below overwrite.
            Vector128<float> tail = Vector128.LoadUnsafe(ref zr, last);
            Vector128<float> max = tail;
            for (nint k = 0; k < full; k += width)
            {
                max = Vector128.Max(max, Vector128.LoadUnsafe(ref zr, (nuint)k));
            }
            max = Vector128.Create(MaxAcross(max));

            Vector128<float> sum = Vector128<float>.Zero;
            for (nint k = 0; k < full; k += width)
            {
                Vector128<float> e = Exp(Vector128.LoadUnsafe(ref zr, (nuint)k) - max);
                Vector128.StoreUnsafe(e, ref ar, (nuint)k);
                sum += e;
            }
            tail = Exp(tail - max);
            sum += tail & fresh;
            sum = Vector128.Create(Vector128.Sum(sum));

            for (nint k = 0; k < full; k += width)
            {
                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref ar, (nuint)k) / sum, ref ar, (nuint)k);
            }
            // The repeated lanes get the same values again: the same exponentials over the same sum.
            Vector128.StoreUnsafe(tail / sum, ref ar, last);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxDerivative128(ref float a, ref float d, nint rows, nint count, nint stride)
    {
        nint width = Vector128<float>.Count;
        nint full = count - count % width;
        nuint last = (nuint)(count - width);
        Vector128<float> fresh = FreshLanes128(count);
        for (nint r = 0; r < rows; r++)
        {
            ref float ar = ref Unsafe.Add(ref a, r * stride);
            ref float dr = ref Unsafe.Add(ref d, r * stride);
            // The last vector of d is loaded before the loop below overwrites its repeated lanes.
            Vector128<float> tailA = Vector128.LoadUnsafe(ref ar, last);
            Vector128<float> tailD = Vector128.LoadUnsafe(ref dr, last);
            Vector128<float> dot = (tailA * tailD) & fresh;
            for (nint k = 0; k < full; k += width)
            {
                dot = MultiplyAdd(Vector128.LoadUnsafe(ref ar, (nuint)k), Vector128.LoadUnsafe(ref dr, (nuint)k), dot);
            }
            dot = Vector128.Create(Vector128.Sum(dot));

            for (nint k = 0; k < full; k += width)
            {
                Vector128<float> ak = Vector128.LoadUnsafe(ref ar, (nuint)k);
                Vector128.StoreUnsafe(ak * (Vector128.LoadUnsafe(ref dr, (nuint)k) - dot), ref dr, (nuint)k);
            }
            Vector128.StoreUnsafe(tailA * (tailD - dot), ref dr, last);
        }
    }

}
