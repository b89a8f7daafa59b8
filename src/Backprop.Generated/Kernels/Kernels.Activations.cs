using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Backprop;

// The activation functions besides the sigmoid (Kernels.cs), their slopes and softmax: scalar, Vector128/256/512
// and row kernels. Each vector form is written once over ISimd (Simd.cs), as in Kernels.cs: a generic method that
// the JIT compiles for each width, behind one public overload per width that forwards to it.
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

    // ---- Vector forms: an overload per width, each a forward to the function's one generic form below. ----

    /// <summary>tanh(z) lane by lane, as <see cref="Tanh(float)"/> to a few ulps; ±1 exactly beyond |z| ≈ 9; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> z) => TanhFunction.Apply<Simd512, Vector512<float>>(z);

    /// <summary>tanh(z) lane by lane, as <see cref="Tanh(float)"/> to a few ulps; ±1 exactly beyond |z| ≈ 9; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> z) => TanhFunction.Apply<Simd256, Vector256<float>>(z);

    /// <summary>tanh(z) lane by lane, as <see cref="Tanh(float)"/> to a few ulps; ±1 exactly beyond |z| ≈ 9; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> z) => TanhFunction.Apply<Simd128, Vector128<float>>(z);

    /// <summary>max(0, z) lane by lane, as <see cref="ReLU(float)"/>; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLU(Vector512<float> z) => ReLUFunction.Apply<Simd512, Vector512<float>>(z);

    /// <summary>max(0, z) lane by lane, as <see cref="ReLU(float)"/>; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReLU(Vector256<float> z) => ReLUFunction.Apply<Simd256, Vector256<float>>(z);

    /// <summary>max(0, z) lane by lane, as <see cref="ReLU(float)"/>; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLU(Vector128<float> z) => ReLUFunction.Apply<Simd128, Vector128<float>>(z);

    /// <summary>z for z &gt; 0, else 0.01·z, lane by lane, as <see cref="LeakyReLU(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReLU(Vector512<float> z) => LeakyReLUFunction.Apply<Simd512, Vector512<float>>(z);

    /// <summary>z for z &gt; 0, else 0.01·z, lane by lane, as <see cref="LeakyReLU(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LeakyReLU(Vector256<float> z) => LeakyReLUFunction.Apply<Simd256, Vector256<float>>(z);

    /// <summary>z for z &gt; 0, else 0.01·z, lane by lane, as <see cref="LeakyReLU(float)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReLU(Vector128<float> z) => LeakyReLUFunction.Apply<Simd128, Vector128<float>>(z);

    /// <summary>σ' = a(1 − a) from the activation a = σ(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidDerivative(Vector512<float> a) => SigmoidDerivativeFunction.Apply<Simd512, Vector512<float>>(a);

    /// <summary>σ' = a(1 − a) from the activation a = σ(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SigmoidDerivative(Vector256<float> a) => SigmoidDerivativeFunction.Apply<Simd256, Vector256<float>>(a);

    /// <summary>σ' = a(1 − a) from the activation a = σ(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SigmoidDerivative(Vector128<float> a) => SigmoidDerivativeFunction.Apply<Simd128, Vector128<float>>(a);

    /// <summary>tanh' = 1 − a² = (1 − a)(1 + a) from the activation a = tanh(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TanhDerivative(Vector512<float> a) => TanhDerivativeFunction.Apply<Simd512, Vector512<float>>(a);

    /// <summary>tanh' = 1 − a² = (1 − a)(1 + a) from the activation a = tanh(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> TanhDerivative(Vector256<float> a) => TanhDerivativeFunction.Apply<Simd256, Vector256<float>>(a);

    /// <summary>tanh' = 1 − a² = (1 − a)(1 + a) from the activation a = tanh(z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> TanhDerivative(Vector128<float> a) => TanhDerivativeFunction.Apply<Simd128, Vector128<float>>(a);

    /// <summary>1 where a &gt; 0, else 0, lane by lane (the ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReLUDerivative(Vector512<float> a) => ReLUDerivativeFunction.Apply<Simd512, Vector512<float>>(a);

    /// <summary>1 where a &gt; 0, else 0, lane by lane (the ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ReLUDerivative(Vector256<float> a) => ReLUDerivativeFunction.Apply<Simd256, Vector256<float>>(a);

    /// <summary>1 where a &gt; 0, else 0, lane by lane (the ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ReLUDerivative(Vector128<float> a) => ReLUDerivativeFunction.Apply<Simd128, Vector128<float>>(a);

    /// <summary>1 where a &gt; 0, else 0.01, lane by lane (the leaky ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LeakyReLUDerivative(Vector512<float> a) => LeakyReLUDerivativeFunction.Apply<Simd512, Vector512<float>>(a);

    /// <summary>1 where a &gt; 0, else 0.01, lane by lane (the leaky ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> LeakyReLUDerivative(Vector256<float> a) => LeakyReLUDerivativeFunction.Apply<Simd256, Vector256<float>>(a);

    /// <summary>1 where a &gt; 0, else 0.01, lane by lane (the leaky ReLU's slope from its activation a).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LeakyReLUDerivative(Vector128<float> a) => LeakyReLUDerivativeFunction.Apply<Simd128, Vector128<float>>(a);

    // ---- The functions. ----

    /// <summary>
    /// An element-wise function: its scalar form and its vector form, written once for every width. One struct per
    /// function, which the public overloads per width forward to, and with which each instantiation of
    /// <see cref="ElementRows{TStep}"/> is compiled with the function inlined.
    /// </summary>
    private interface IElementwise
    {
        static abstract float Apply(float x);

        static abstract TVector Apply<TSimd, TVector>(TVector x) where TSimd : struct, ISimd<TVector> where TVector : struct;
    }

    /// <summary>tanh: <see cref="Tanh(float)"/>, and lane by lane the polynomial below |z| = 0.625, 1 − 2 / (e^(2|z|) + 1) with z's sign above.</summary>
    private readonly struct TanhFunction : IElementwise
    {
        public static float Apply(float x) => Tanh(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector z) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            TVector x = TSimd.Abs(z);
            TVector z2 = TSimd.Multiply(z, z);
            TVector p = TSimd.MultiplyAdd(TSimd.Create(TanhQ0), z2, TSimd.Create(TanhQ1));
            p = TSimd.MultiplyAdd(p, z2, TSimd.Create(TanhQ2));
            p = TSimd.MultiplyAdd(p, z2, TSimd.Create(TanhQ3));
            p = TSimd.MultiplyAdd(p, z2, TSimd.Create(TanhQ4));
            TVector small = TSimd.MultiplyAdd(TSimd.Multiply(p, z2), z, z);
            TVector e = Exp<TSimd, TVector>(TSimd.Add(x, x));
            TVector large = TSimd.Or(TSimd.Subtract(TSimd.One, TSimd.Divide(TSimd.Create(2f), TSimd.Add(e, TSimd.One))), TSimd.And(z, TSimd.Create(-0f)));
            return TSimd.ConditionalSelect(TSimd.LessThan(x, TSimd.Create(TanhSmall)), small, large);
        }
    }

    /// <summary>max(0, z): <see cref="ReLU(float)"/>, and lane by lane z with the lanes where z ≤ 0 cleared (a NaN lane compares false and stays).</summary>
    private readonly struct ReLUFunction : IElementwise
    {
        public static float Apply(float x) => ReLU(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector z) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.AndNot(z, TSimd.LessThanOrEqual(z, TSimd.Zero));
    }

    /// <summary>z for z &gt; 0, else 0.01·z.</summary>
    private readonly struct LeakyReLUFunction : IElementwise
    {
        public static float Apply(float x) => LeakyReLU(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector z) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.ConditionalSelect(TSimd.GreaterThan(z, TSimd.Zero), z, TSimd.Multiply(z, TSimd.Create(LeakySlope)));
    }

    /// <summary>σ' = a(1 − a), from the activation a.</summary>
    private readonly struct SigmoidDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => SigmoidDerivative(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector a) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.Multiply(a, TSimd.Subtract(TSimd.One, a));
    }

    /// <summary>tanh' = (1 − a)(1 + a), from the activation a.</summary>
    private readonly struct TanhDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => TanhDerivative(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector a) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.Multiply(TSimd.Subtract(TSimd.One, a), TSimd.Add(TSimd.One, a));
    }

    /// <summary>The ReLU's slope from its activation a: 1 where a &gt; 0, else 0.</summary>
    private readonly struct ReLUDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => ReLUDerivative(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector a) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.And(TSimd.One, TSimd.GreaterThan(a, TSimd.Zero));
    }

    /// <summary>The leaky ReLU's slope from its activation a: 1 where a &gt; 0, else 0.01.</summary>
    private readonly struct LeakyReLUDerivativeFunction : IElementwise
    {
        public static float Apply(float x) => LeakyReLUDerivative(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector a) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.ConditionalSelect(TSimd.GreaterThan(a, TSimd.Zero), TSimd.One, TSimd.Create(LeakySlope));
    }

    // ---- Element-wise row kernels: the widest accelerated vectors, then narrower ones, then scalars. ----

    /// <summary>
    /// target[k] = tanh(source[k]), for k in [0, <paramref name="count"/>) (source and target may be the same memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tanh(ref float source, ref float target, nint count) => ElementRows<Map<TanhFunction>>(ref source, ref target, count);

    /// <summary>
    /// target[k] = max(0, source[k]), for k in [0, <paramref name="count"/>) (source and target may be the same memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReLU(ref float source, ref float target, nint count) => ElementRows<Map<ReLUFunction>>(ref source, ref target, count);

    /// <summary>
    /// target[k] = source[k] for source[k] &gt; 0, else 0.01·source[k], for k in [0, <paramref name="count"/>) (source and target may be the same memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LeakyReLU(ref float source, ref float target, nint count) => ElementRows<Map<LeakyReLUFunction>>(ref source, ref target, count);

    /// <summary>
    /// d[k] ·= σ' = a(1 − a), with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SigmoidDerivative(ref float a, ref float d, nint count) => ElementRows<Scale<SigmoidDerivativeFunction>>(ref a, ref d, count);

    /// <summary>
    /// d[k] ·= tanh' = 1 − a², with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TanhDerivative(ref float a, ref float d, nint count) => ElementRows<Scale<TanhDerivativeFunction>>(ref a, ref d, count);

    /// <summary>
    /// d[k] ·= ReLU' = 1 for a &gt; 0, else 0, with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ReLUDerivative(ref float a, ref float d, nint count) => ElementRows<Scale<ReLUDerivativeFunction>>(ref a, ref d, count);

    /// <summary>
    /// d[k] ·= the leaky ReLU's slope = 1 for a &gt; 0, else 0.01, with a = a[k], for k in [0, <paramref name="count"/>): the output error of a quadratic
    /// cost, (a − y) ⊙ f', from the raw error in <paramref name="d"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void LeakyReLUDerivative(ref float a, ref float d, nint count) => ElementRows<Scale<LeakyReLUDerivativeFunction>>(ref a, ref d, count);

    /// <summary>What an element-wise row kernel does at an index, with one vector of any width or with one float.</summary>
    private interface IRowStep
    {
        static abstract void Vector<TSimd, TVector>(ref float source, ref float target, nuint k) where TSimd : struct, ISimd<TVector> where TVector : struct;

        static abstract void Scalar(ref float source, ref float target, nint k);
    }

    /// <summary>target[k] = f(source[k]).</summary>
    private readonly struct Map<TFunction> : IRowStep where TFunction : struct, IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Vector<TSimd, TVector>(ref float source, ref float target, nuint k) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.Store(TFunction.Apply<TSimd, TVector>(TSimd.Load(ref source, k)), ref target, k);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Scalar(ref float source, ref float target, nint k)
            => Unsafe.Add(ref target, k) = TFunction.Apply(Unsafe.Add(ref source, k));
    }

    /// <summary>target[k] ·= f(source[k]): d ·= f'(a).</summary>
    private readonly struct Scale<TFunction> : IRowStep where TFunction : struct, IElementwise
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Vector<TSimd, TVector>(ref float source, ref float target, nuint k) where TSimd : struct, ISimd<TVector> where TVector : struct
            => TSimd.Store(TSimd.Multiply(TSimd.Load(ref target, k), TFunction.Apply<TSimd, TVector>(TSimd.Load(ref source, k))), ref target, k);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Scalar(ref float source, ref float target, nint k)
            => Unsafe.Add(ref target, k) *= TFunction.Apply(Unsafe.Add(ref source, k));
    }

    /// <summary>
    /// <typeparamref name="TStep"/> at k in [0, count): whole vectors of the widest accelerated width, then of the narrower
    /// ones, then single floats (source and target may be the same memory).
    /// </summary>
    /// <remarks>
    /// Never inlined, as none of the kernels that loop over rows are: each is compiled on its own, so that a generated
    /// kernel that calls it keeps its inlining budget for the vector forms it inlines itself.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ElementRows<TStep>(ref float source, ref float target, nint count)
        where TStep : struct, IRowStep
    {
        nint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = RowVectors<TStep, Simd512, Vector512<float>>(ref source, ref target, k, count);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            k = RowVectors<TStep, Simd256, Vector256<float>>(ref source, ref target, k, count);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            k = RowVectors<TStep, Simd128, Vector128<float>>(ref source, ref target, k, count);
        }
        for (; k < count; k++)
        {
            TStep.Scalar(ref source, ref target, k);
        }
    }

    /// <summary>
    /// <typeparamref name="TStep"/> at k in [0, count): whole vectors of the widest accelerated width only, then single
    /// floats (source and target may be the same memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void WidestElementRows<TStep>(ref float source, ref float target, nint count)
        where TStep : struct, IRowStep
    {
        nint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = RowVectors<TStep, Simd512, Vector512<float>>(ref source, ref target, k, count);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            k = RowVectors<TStep, Simd256, Vector256<float>>(ref source, ref target, k, count);
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            k = RowVectors<TStep, Simd128, Vector128<float>>(ref source, ref target, k, count);
        }
        for (; k < count; k++)
        {
            TStep.Scalar(ref source, ref target, k);
        }
    }

    /// <summary><typeparamref name="TStep"/> on whole vectors from <paramref name="k"/> while they fit below <paramref name="count"/>; returns where they stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint RowVectors<TStep, TSimd, TVector>(ref float source, ref float target, nint k, nint count)
        where TStep : struct, IRowStep where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        for (; k <= count - TSimd.Count; k += TSimd.Count)
        {
            TStep.Vector<TSimd, TVector>(ref source, ref target, (nuint)k);
        }
        return k;
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
        => ForEachRow<SoftmaxRow>(ref z, ref a, rows, count, stride);

    /// <summary>
    /// d ← a ⊙ (d − (d·a)) for each of <paramref name="rows"/> rows of <paramref name="count"/> values,
    /// <paramref name="stride"/> floats apart: d times the softmax's Jacobian, ∂a_k/∂z_j = a_k (1[k = j] − a_j)
    /// (symmetric), from the activation a. The lanes count..stride of a row are neither read nor written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SoftmaxDerivative(ref float a, ref float d, nint rows, nint count, nint stride)
        => ForEachRow<SoftmaxDerivativeRow>(ref a, ref d, rows, count, stride);

    /// <summary>A row-wise kernel: one row, with vectors of any width or with floats.</summary>
    private interface IRowKernel
    {
        /// <summary>
        /// One row with whole vectors below <paramref name="full"/> and the overlapping last vector at
        /// <paramref name="last"/>, whose lanes not yet covered are <paramref name="fresh"/> (see <see cref="FreshLanes"/>).
        /// </summary>
        static abstract void Row<TSimd, TVector>(ref float x, ref float y, nint full, nuint last, TVector fresh) where TSimd : struct, ISimd<TVector> where TVector : struct;

        /// <summary>One row of <paramref name="count"/> (≥ 1) values, one float at a time.</summary>
        static abstract void ScalarRow(ref float x, ref float y, nint count);
    }

    /// <summary>
    /// <typeparamref name="TKernel"/> on each row: with the widest accelerated vector that fits in a row, else (rows
    /// shorter than the narrowest accelerated vector) with floats; nothing for empty rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForEachRow<TKernel>(ref float x, ref float y, nint rows, nint count, nint stride)
        where TKernel : struct, IRowKernel
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            ForEachRow<TKernel, Simd512, Vector512<float>>(ref x, ref y, rows, count, stride);
        }
        else if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            ForEachRow<TKernel, Simd256, Vector256<float>>(ref x, ref y, rows, count, stride);
        }
        else if (Vector128.IsHardwareAccelerated && count >= Vector128<float>.Count)
        {
            ForEachRow<TKernel, Simd128, Vector128<float>>(ref x, ref y, rows, count, stride);
        }
        else if (count > 0)
        {
            ScalarRows<TKernel>(ref x, ref y, rows, count, stride);
        }
    }

    /// <summary><typeparamref name="TKernel"/> on each row, with vectors of <typeparamref name="TSimd"/> (count ≥ one vector).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ForEachRow<TKernel, TSimd, TVector>(ref float x, ref float y, nint rows, nint count, nint stride)
        where TKernel : struct, IRowKernel where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        nint full = count - count % TSimd.Count;
        nuint last = (nuint)(count - TSimd.Count);
        TVector fresh = FreshLanes<TSimd, TVector>(count);
        for (nint r = 0; r < rows; r++)
        {
            TKernel.Row<TSimd, TVector>(ref Unsafe.Add(ref x, r * stride), ref Unsafe.Add(ref y, r * stride), full, last, fresh);
        }
    }

    /// <summary><typeparamref name="TKernel"/> on each row, with floats (count ≥ 1).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ScalarRows<TKernel>(ref float x, ref float y, nint rows, nint count, nint stride)
        where TKernel : struct, IRowKernel
    {
        for (nint r = 0; r < rows; r++)
        {
            TKernel.ScalarRow(ref Unsafe.Add(ref x, r * stride), ref Unsafe.Add(ref y, r * stride), count);
        }
    }

    /// <summary>a = softmax(z) on one row (x = z, y = a).</summary>
    private readonly struct SoftmaxRow : IRowKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Row<TSimd, TVector>(ref float z, ref float a, nint full, nuint last, TVector fresh) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            // The last vector is loaded first: z may be a, which the loops below overwrite.
            TVector tail = TSimd.Load(ref z, last);
            TVector max = tail;
            for (nint k = 0; k < full; k += TSimd.Count)
            {
                max = TSimd.Max(max, TSimd.Load(ref z, (nuint)k));
            }
            max = TSimd.Create(TSimd.MaxAcross(max));

            TVector sum = TSimd.Zero;
            for (nint k = 0; k < full; k += TSimd.Count)
            {
                TVector e = Exp<TSimd, TVector>(TSimd.Subtract(TSimd.Load(ref z, (nuint)k), max));
                TSimd.Store(e, ref a, (nuint)k);
                sum = TSimd.Add(sum, e);
            }
            tail = Exp<TSimd, TVector>(TSimd.Subtract(tail, max));
            sum = TSimd.Add(sum, TSimd.And(tail, fresh));
            sum = TSimd.Create(TSimd.Sum(sum));

            for (nint k = 0; k < full; k += TSimd.Count)
            {
                TSimd.Store(TSimd.Divide(TSimd.Load(ref a, (nuint)k), sum), ref a, (nuint)k);
            }
            // The repeated lanes get the same values again: the same exponentials over the same sum.
            TSimd.Store(TSimd.Divide(tail, sum), ref a, last);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ScalarRow(ref float z, ref float a, nint count)
        {
            float max = RowMax(ref z, count);
            float sum = 0f;
            for (nint k = 0; k < count; k++)
            {
                float e = MathF.Exp(Unsafe.Add(ref z, k) - max);
                Unsafe.Add(ref a, k) = e;
                sum += e;
            }
            for (nint k = 0; k < count; k++)
            {
                Unsafe.Add(ref a, k) /= sum;
            }
        }
    }

    /// <summary>d ← a ⊙ (d − (d·a)) on one row (x = a, y = d).</summary>
    private readonly struct SoftmaxDerivativeRow : IRowKernel
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Row<TSimd, TVector>(ref float a, ref float d, nint full, nuint last, TVector fresh) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            // The last vector of d is loaded before the loop below overwrites its repeated lanes.
            TVector tailA = TSimd.Load(ref a, last);
            TVector tailD = TSimd.Load(ref d, last);
            TVector dot = TSimd.And(TSimd.Multiply(tailA, tailD), fresh);
            for (nint k = 0; k < full; k += TSimd.Count)
            {
                dot = TSimd.MultiplyAdd(TSimd.Load(ref a, (nuint)k), TSimd.Load(ref d, (nuint)k), dot);
            }
            dot = TSimd.Create(TSimd.Sum(dot));

            for (nint k = 0; k < full; k += TSimd.Count)
            {
                TVector ak = TSimd.Load(ref a, (nuint)k);
                TSimd.Store(TSimd.Multiply(ak, TSimd.Subtract(TSimd.Load(ref d, (nuint)k), dot)), ref d, (nuint)k);
            }
            TSimd.Store(TSimd.Multiply(tailA, TSimd.Subtract(tailD, dot)), ref d, last);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void ScalarRow(ref float a, ref float d, nint count)
        {
            float dot = 0f;
            for (nint k = 0; k < count; k++)
            {
                dot += Unsafe.Add(ref a, k) * Unsafe.Add(ref d, k);
            }
            for (nint k = 0; k < count; k++)
            {
                Unsafe.Add(ref d, k) = Unsafe.Add(ref a, k) * (Unsafe.Add(ref d, k) - dot);
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

    /// <summary>
    /// The lanes of the overlapping last vector of a row of <paramref name="count"/> (≥ one vector) values, at
    /// count − width, that the whole vectors before it did not cover: all-ones there, zero on the repeated lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector FreshLanes<TSimd, TVector>(nint count) where TSimd : struct, ISimd<TVector> where TVector : struct
        => TSimd.GreaterThanOrEqual(TSimd.Indices, TSimd.Create((float)(TSimd.Count - count % TSimd.Count)));
}
