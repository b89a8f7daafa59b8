using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Backprop;

/// <summary>
/// Building blocks called by generated networks: parameter storage, fused multiply-add, the
/// activation functions and argument checks. Public only because generated code lives in the
/// user's assembly; not meant to be called directly, and not a stable API.
/// </summary>
/// <remarks>
/// Everything here is small and <see cref="MethodImplOptions.AggressiveInlining"/>, so the JIT
/// (and NativeAOT) inline it into the generated kernels, where the <c>IsSupported</c> checks are
/// constants.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe partial class Kernels
{
    /// <summary>Floats of slack allocated so the parameters can start on a 64-byte boundary.</summary>
    private const int AlignmentSlack = 16;

    /// <summary>
    /// Allocates the storage for <paramref name="count"/> parameters, zeroed, on the pinned object
    /// heap so that its address never changes and <see cref="AlignedStart"/> is the same every time.
    /// </summary>
    public static float[] AllocateParameters(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return GC.AllocateArray<float>(checked(count + AlignmentSlack), pinned: true);
    }

    /// <summary>
    /// The first parameter inside <paramref name="storage"/> (from <see cref="AllocateParameters"/>):
    /// the first element on a 64-byte (cache line, one AVX-512 vector) boundary.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float AlignedStart(float[] storage)
    {
        ref float first = ref MemoryMarshal.GetArrayDataReference(storage);
        nuint address = (nuint)Unsafe.AsPointer(ref first);
        nuint skip = ((64 - (address & 63)) & 63) / sizeof(float);
        return ref Unsafe.Add(ref first, skip);
    }

    /// <summary>
    /// Asks the hardware to start loading the cache line of <paramref name="address"/> (into L2 and
    /// closer). A hint only: it changes no value, and does nothing where the hardware has no prefetch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ref float address)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch1(Unsafe.AsPointer(ref address));
        }
    }

    /// <summary>Throws the <see cref="ArgumentException"/> of a span of the wrong length.</summary>
    [DoesNotReturn]
    public static void ThrowLengthMismatch(string paramName, int expected, int actual, string meaning)
        => throw new ArgumentException(
            $"{paramName} must have exactly {expected} elements ({meaning}) but has {actual}.", paramName);

    /// <summary>Throws the <see cref="ArgumentException"/> of a span that does not hold whole rows.</summary>
    [DoesNotReturn]
    public static void ThrowNotWholeRows(string paramName, int length, int rowLength, string meaning)
        => throw new ArgumentException(
            $"{paramName} must hold whole rows of {rowLength} values ({meaning}) but has {length} values.", paramName);

    /// <summary>Throws the <see cref="ArgumentException"/> of an empty mini-batch.</summary>
    [DoesNotReturn]
    public static void ThrowEmptyBatch(string paramName)
        => throw new ArgumentException($"{paramName} must name at least one sample.", paramName);

    /// <summary>Throws the <see cref="ArgumentException"/> of a span shorter than <paramref name="required"/>.</summary>
    [DoesNotReturn]
    public static void ThrowTooShort(string paramName, int required, int actual, string meaning)
        => throw new ArgumentException($"{paramName} must have at least {required} elements ({meaning}) but has {actual}.", paramName);

    /// <summary>Throws the <see cref="ArgumentException"/> of a workspace that is too small.</summary>
    [DoesNotReturn]
    public static void ThrowWorkspaceTooSmall(string paramName, int required, int actual)
        => throw new ArgumentException(
            $"{paramName} must have at least {required} elements (BatchWorkspaceSize of the batch) but has {actual}.", paramName);

    /// <summary>Checks that every row index of a mini-batch is in [0, <paramref name="count"/>).</summary>
    public static void CheckRows(ReadOnlySpan<int> rows, int count, string paramName)
    {
        for (int k = 0; k < rows.Length; k++)
        {
            if ((uint)rows[k] >= (uint)count)
            {
                throw new ArgumentOutOfRangeException(
                    paramName, rows[k], $"{paramName}[{k}] = {rows[k]} is not a row of the data ({count} rows).");
            }
        }
    }

    /// <summary>Throws the <see cref="ArgumentOutOfRangeException"/> of a neuron index out of range.</summary>
    [DoesNotReturn]
    public static void ThrowIndexOutOfRange(string paramName, int actual, int count)
        => throw new ArgumentOutOfRangeException(paramName, actual, $"{paramName} must be in [0, {count}).");

    // ---- Fused multiply-add: a · b + c, one rounding where the hardware has FMA. ----

    /// <summary>a · b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c)
        => Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;

    /// <summary>a · b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c)
        => Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>a · b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c)
    {
        if (Fma.IsSupported)
        {
            return Fma.MultiplyAdd(a, b, c);
        }
        if (AdvSimd.IsSupported)
        {
            return AdvSimd.FusedMultiplyAdd(c, a, b);
        }
        return a * b + c;
    }

    // ---- The logistic sigmoid σ(z) = 1 / (1 + e^−z), and the cross-entropy of its output. ----
    //
    // Each vector form is written once, as a generic method over ISimd (Simd.cs) that the JIT compiles for each of
    // Vector128/256/512; the public overloads per width, which the generated code calls, forward to it. The vector
    // forms compute e^x as 2^n · p(r) with x = n·ln 2 + r, |r| ≤ ln 2 / 2, and p the
    // degree-7 Taylor-like polynomial of Cephes' expf (error ≈ 1 ulp). −z is clamped to
    // [−87, 88] so that 2^n stays a normal float: σ is then exactly 1 above z = 87 and below
    // 1e-38 under z = −88. A NaN input stays NaN (the clamp passes NaN through).

    private const float ExpClampLow = -87f;
    private const float ExpClampHigh = 88f;
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    /// <summary>σ(z) = 1 / (1 + e^−z).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));

    /// <summary>
    /// target[k] = σ(source[k]) for k in [0, <paramref name="count"/>), with the widest vectors the
    /// hardware accelerates (source and target may be the same). Compiled fully optimised at its first
    /// call, as the generated kernels are, so that a first epoch runs at full speed.
    /// </summary>
    /// <remarks>
    /// Only the widest accelerated width, then scalars (<see cref="Sigmoid(float)"/>, whose bits differ from the vector
    /// form's), unlike the other activations' row kernels, which step down through the narrower widths.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(ref float source, ref float target, nint count)
        => WidestElementRows<Map<SigmoidFunction>>(ref source, ref target, count);

    /// <summary>σ(z) = 1 / (1 + e^−z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> z) => SigmoidFunction.Apply<Simd512, Vector512<float>>(z);

    /// <summary>σ(z) = 1 / (1 + e^−z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> z) => SigmoidFunction.Apply<Simd256, Vector256<float>>(z);

    /// <summary>σ(z) = 1 / (1 + e^−z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> z) => SigmoidFunction.Apply<Simd128, Vector128<float>>(z);

    /// <summary>
    /// The cross-entropy of each lane's sigmoid output, max(z, 0) − y·z + ln(1 + e^−|z|), as
    /// <see cref="SigmoidCrossEntropy(float, float)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidCrossEntropy(Vector512<float> z, Vector512<float> y) => SigmoidCrossEntropy<Simd512, Vector512<float>>(z, y);

    /// <summary>
    /// The cross-entropy of each lane's sigmoid output, max(z, 0) − y·z + ln(1 + e^−|z|), as
    /// <see cref="SigmoidCrossEntropy(float, float)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SigmoidCrossEntropy(Vector256<float> z, Vector256<float> y) => SigmoidCrossEntropy<Simd256, Vector256<float>>(z, y);

    /// <summary>
    /// The cross-entropy of each lane's sigmoid output, max(z, 0) − y·z + ln(1 + e^−|z|), as
    /// <see cref="SigmoidCrossEntropy(float, float)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SigmoidCrossEntropy(Vector128<float> z, Vector128<float> y) => SigmoidCrossEntropy<Simd128, Vector128<float>>(z, y);

    /// <summary>σ(z) = 1 / (1 + e^−z): <see cref="Sigmoid(float)"/>, and lane by lane at any width.</summary>
    private readonly struct SigmoidFunction : IElementwise
    {
        public static float Apply(float x) => Sigmoid(x);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVector Apply<TSimd, TVector>(TVector z) where TSimd : struct, ISimd<TVector> where TVector : struct
        {
            // e^−z first, so that the JIT holds no constant 1 across it (and hoists the constants out of a loop).
            TVector e = Exp<TSimd, TVector>(TSimd.Negate(z));
            return TSimd.Divide(TSimd.One, TSimd.Add(TSimd.One, e));
        }
    }

    /// <summary>max(z, 0) − y·z + ln(1 + e^−|z|) lane by lane, at any width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector SigmoidCrossEntropy<TSimd, TVector>(TVector z, TVector y) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        TVector t = Exp<TSimd, TVector>(TSimd.Negate(TSimd.Abs(z)));
        // ln(1 + t) = 2 atanh(s) = 2s (1 + s²/3 + s⁴/5 + …) with s = t / (2 + t) ≤ 1/3 for t in (0, 1].
        TVector s = TSimd.Divide(t, TSimd.Add(TSimd.Create(2f), t));
        TVector s2 = TSimd.Multiply(s, s);
        TVector p = TSimd.MultiplyAdd(TSimd.Create(1f / 15f), s2, TSimd.Create(1f / 13f));
        p = TSimd.MultiplyAdd(p, s2, TSimd.Create(1f / 11f));
        p = TSimd.MultiplyAdd(p, s2, TSimd.Create(1f / 9f));
        p = TSimd.MultiplyAdd(p, s2, TSimd.Create(1f / 7f));
        p = TSimd.MultiplyAdd(p, s2, TSimd.Create(1f / 5f));
        p = TSimd.MultiplyAdd(p, s2, TSimd.Create(1f / 3f));
        p = TSimd.MultiplyAdd(p, s2, TSimd.One);
        TVector softplus = TSimd.Multiply(TSimd.Add(s, s), p);
        return TSimd.Add(TSimd.MultiplyAdd(TSimd.Negate(y), z, TSimd.MaxZero(z)), softplus);
    }

    /// <summary>e^x lane by lane, x clamped to [−87, 88]; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVector Exp<TSimd, TVector>(TVector x) where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        x = TSimd.Clamp(x, TSimd.Create(ExpClampLow), TSimd.Create(ExpClampHigh));
        TVector n = TSimd.Floor(TSimd.MultiplyAdd(x, TSimd.Create(Log2E), TSimd.Create(0.5f)));
        TVector r = TSimd.MultiplyAdd(n, TSimd.Create(-Ln2Hi), x);
        r = TSimd.MultiplyAdd(n, TSimd.Create(-Ln2Lo), r);
        TVector p = TSimd.MultiplyAdd(TSimd.Create(P0), r, TSimd.Create(P1));
        p = TSimd.MultiplyAdd(p, r, TSimd.Create(P2));
        p = TSimd.MultiplyAdd(p, r, TSimd.Create(P3));
        p = TSimd.MultiplyAdd(p, r, TSimd.Create(P4));
        p = TSimd.MultiplyAdd(p, r, TSimd.Create(P5));
        TVector e = TSimd.MultiplyAdd(p, TSimd.Multiply(r, r), TSimd.Add(r, TSimd.One));
        return TSimd.Multiply(e, TSimd.PowerOfTwo(n));
    }

    // ---- Cross-entropy from the pre-activation z. ----

    /// <summary>
    /// The cross-entropy of one sigmoid output, −[y ln σ(z) + (1 − y) ln(1 − σ(z))], computed from z
    /// as max(z, 0) − y·z + ln(1 + e^−|z|), which stays finite however saturated σ(z) is. ln(1 + t) is the
    /// series of the vector forms (MathF.Log(1 + t) would round 1 + t to 1 for small t), so the scalar and vector
    /// paths agree to rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SigmoidCrossEntropy(float z, float y)
    {
        float t = MathF.Exp(-MathF.Abs(z));
        // ln(1 + t) = 2 atanh(s) = 2s (1 + s²/3 + s⁴/5 + …) with s = t / (2 + t) ≤ 1/3 for t in (0, 1].
        float s = t / (2f + t);
        float s2 = s * s;
        float p = ScalarMultiplyAdd(1f / 15f, s2, 1f / 13f);
        p = ScalarMultiplyAdd(p, s2, 1f / 11f);
        p = ScalarMultiplyAdd(p, s2, 1f / 9f);
        p = ScalarMultiplyAdd(p, s2, 1f / 7f);
        p = ScalarMultiplyAdd(p, s2, 1f / 5f);
        p = ScalarMultiplyAdd(p, s2, 1f / 3f);
        p = ScalarMultiplyAdd(p, s2, 1f);
        return ScalarMultiplyAdd(-y, z, MathF.Max(z, 0f)) + (s + s) * p;
    }
}
