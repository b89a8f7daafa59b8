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
    // The three vector widths repeat one algorithm (.NET 8 has no common interface over
    // Vector128/256/512 to write it once). The vector forms compute e^x as 2^n · p(r) with x = n·ln 2 + r, |r| ≤ ln 2 / 2, and p the
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sigmoid(ref float source, ref float target, nint count)
    {
        nint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; k <= count - 16; k += 16)
            {
                Vector512.StoreUnsafe(Sigmoid(Vector512.LoadUnsafe(ref source, (nuint)k)), ref target, (nuint)k);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; k <= count - 8; k += 8)
            {
                Vector256.StoreUnsafe(Sigmoid(Vector256.LoadUnsafe(ref source, (nuint)k)), ref target, (nuint)k);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; k <= count - 4; k += 4)
            {
                Vector128.StoreUnsafe(Sigmoid(Vector128.LoadUnsafe(ref source, (nuint)k)), ref target, (nuint)k);
            }
        }
        for (; k < count; k++)
        {
            Unsafe.Add(ref target, k) = Sigmoid(Unsafe.Add(ref source, k));
        }
    }

    /// <summary>σ(z) = 1 / (1 + e^−z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> z) => Vector512<float>.One / (Vector512<float>.One + Exp(-z));

    /// <summary>
    /// The cross-entropy of each lane's sigmoid output, max(z, 0) − y·z + ln(1 + e^−|z|), as
    /// <see cref="SigmoidCrossEntropy(float, float)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SigmoidCrossEntropy(Vector512<float> z, Vector512<float> y)
    {
        Vector512<float> t = Exp(-Vector512.Abs(z));
        // ln(1 + t) = 2 atanh(s) = 2s (1 + s²/3 + s⁴/5 + …) with s = t / (2 + t) ≤ 1/3 for t in (0, 1].
        Vector512<float> s = t / (Vector512.Create(2f) + t);
        Vector512<float> s2 = s * s;
        Vector512<float> p = MultiplyAdd(Vector512.Create(1f / 15f), s2, Vector512.Create(1f / 13f));
        p = MultiplyAdd(p, s2, Vector512.Create(1f / 11f));
        p = MultiplyAdd(p, s2, Vector512.Create(1f / 9f));
        p = MultiplyAdd(p, s2, Vector512.Create(1f / 7f));
        p = MultiplyAdd(p, s2, Vector512.Create(1f / 5f));
        p = MultiplyAdd(p, s2, Vector512.Create(1f / 3f));
        p = MultiplyAdd(p, s2, Vector512<float>.One);
        Vector512<float> softplus = (s + s) * p;
        return MultiplyAdd(-y, z, Vector512.Max(z, Vector512<float>.Zero)) + softplus;
    }

    /// <summary>e^x lane by lane, x clamped to [−87, 88]; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> x)
    {
#if NET9_0_OR_GREATER
        x = Vector512.MinNative(Vector512.Create(ExpClampHigh), Vector512.MaxNative(Vector512.Create(ExpClampLow), x));
#else
        x = Vector512.Min(Vector512.Create(ExpClampHigh), Vector512.Max(Vector512.Create(ExpClampLow), x));
#endif
        Vector512<float> n = Vector512.Floor(MultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(0.5f)));
        Vector512<float> r = MultiplyAdd(n, Vector512.Create(-Ln2Hi), x);
        r = MultiplyAdd(n, Vector512.Create(-Ln2Lo), r);
        Vector512<float> p = MultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        p = MultiplyAdd(p, r, Vector512.Create(P2));
        p = MultiplyAdd(p, r, Vector512.Create(P3));
        p = MultiplyAdd(p, r, Vector512.Create(P4));
        p = MultiplyAdd(p, r, Vector512.Create(P5));
        Vector512<float> e = MultiplyAdd(p, r * r, r + Vector512<float>.One);
        Vector512<int> scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23);
        return e * scale.AsSingle();
    }

    /// <summary>σ(z) = 1 / (1 + e^−z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> z) => Vector256<float>.One / (Vector256<float>.One + Exp(-z));

    /// <summary>
    /// The cross-entropy of each lane's sigmoid output, max(z, 0) − y·z + ln(1 + e^−|z|), as
    /// <see cref="SigmoidCrossEntropy(float, float)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SigmoidCrossEntropy(Vector256<float> z, Vector256<float> y)
    {
        Vector256<float> t = Exp(-Vector256.Abs(z));
        // ln(1 + t) = 2 atanh(s) = 2s (1 + s²/3 + s⁴/5 + …) with s = t / (2 + t) ≤ 1/3 for t in (0, 1].
        Vector256<float> s = t / (Vector256.Create(2f) + t);
        Vector256<float> s2 = s * s;
        Vector256<float> p = MultiplyAdd(Vector256.Create(1f / 15f), s2, Vector256.Create(1f / 13f));
        p = MultiplyAdd(p, s2, Vector256.Create(1f / 11f));
        p = MultiplyAdd(p, s2, Vector256.Create(1f / 9f));
        p = MultiplyAdd(p, s2, Vector256.Create(1f / 7f));
        p = MultiplyAdd(p, s2, Vector256.Create(1f / 5f));
        p = MultiplyAdd(p, s2, Vector256.Create(1f / 3f));
        p = MultiplyAdd(p, s2, Vector256<float>.One);
        Vector256<float> softplus = (s + s) * p;
        return MultiplyAdd(-y, z, Vector256.Max(z, Vector256<float>.Zero)) + softplus;
    }

    /// <summary>e^x lane by lane, x clamped to [−87, 88]; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> x)
    {
#if NET9_0_OR_GREATER
        x = Vector256.MinNative(Vector256.Create(ExpClampHigh), Vector256.MaxNative(Vector256.Create(ExpClampLow), x));
#else
        x = Vector256.Min(Vector256.Create(ExpClampHigh), Vector256.Max(Vector256.Create(ExpClampLow), x));
#endif
        Vector256<float> n = Vector256.Floor(MultiplyAdd(x, Vector256.Create(Log2E), Vector256.Create(0.5f)));
        Vector256<float> r = MultiplyAdd(n, Vector256.Create(-Ln2Hi), x);
        r = MultiplyAdd(n, Vector256.Create(-Ln2Lo), r);
        Vector256<float> p = MultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        p = MultiplyAdd(p, r, Vector256.Create(P2));
        p = MultiplyAdd(p, r, Vector256.Create(P3));
        p = MultiplyAdd(p, r, Vector256.Create(P4));
        p = MultiplyAdd(p, r, Vector256.Create(P5));
        Vector256<float> e = MultiplyAdd(p, r * r, r + Vector256<float>.One);
        Vector256<int> scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23);
        return e * scale.AsSingle();
    }

    /// <summary>σ(z) = 1 / (1 + e^−z), lane by lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> z) => Vector128<float>.One / (Vector128<float>.One + Exp(-z));

    /// <summary>
    /// The cross-entropy of each lane's sigmoid output, max(z, 0) − y·z + ln(1 + e^−|z|), as
    /// <see cref="SigmoidCrossEntropy(float, float)"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SigmoidCrossEntropy(Vector128<float> z, Vector128<float> y)
    {
        Vector128<float> t = Exp(-Vector128.Abs(z));
        // ln(1 + t) = 2 atanh(s) = 2s (1 + s²/3 + s⁴/5 + …) with s = t / (2 + t) ≤ 1/3 for t in (0, 1].
        Vector128<float> s = t / (Vector128.Create(2f) + t);
        Vector128<float> s2 = s * s;
        Vector128<float> p = MultiplyAdd(Vector128.Create(1f / 15f), s2, Vector128.Create(1f / 13f));
        p = MultiplyAdd(p, s2, Vector128.Create(1f / 11f));
        p = MultiplyAdd(p, s2, Vector128.Create(1f / 9f));
        p = MultiplyAdd(p, s2, Vector128.Create(1f / 7f));
        p = MultiplyAdd(p, s2, Vector128.Create(1f / 5f));
        p = MultiplyAdd(p, s2, Vector128.Create(1f / 3f));
        p = MultiplyAdd(p, s2, Vector128<float>.One);
        Vector128<float> softplus = (s + s) * p;
        return MultiplyAdd(-y, z, Vector128.Max(z, Vector128<float>.Zero)) + softplus;
    }

    /// <summary>e^x lane by lane, x clamped to [−87, 88]; NaN stays NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Exp(Vector128<float> x)
    {
#if NET9_0_OR_GREATER
        x = Vector128.MinNative(Vector128.Create(ExpClampHigh), Vector128.MaxNative(Vector128.Create(ExpClampLow), x));
#else
        x = Vector128.Min(Vector128.Create(ExpClampHigh), Vector128.Max(Vector128.Create(ExpClampLow), x));
#endif
        Vector128<float> n = Vector128.Floor(MultiplyAdd(x, Vector128.Create(Log2E), Vector128.Create(0.5f)));
        Vector128<float> r = MultiplyAdd(n, Vector128.Create(-Ln2Hi), x);
        r = MultiplyAdd(n, Vector128.Create(-Ln2Lo), r);
        Vector128<float> p = MultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        p = MultiplyAdd(p, r, Vector128.Create(P2));
        p = MultiplyAdd(p, r, Vector128.Create(P3));
        p = MultiplyAdd(p, r, Vector128.Create(P4));
        p = MultiplyAdd(p, r, Vector128.Create(P5));
        Vector128<float> e = MultiplyAdd(p, r * r, r + Vector128<float>.One);
        Vector128<int> scale = Vector128.ShiftLeft(Vector128.ConvertToInt32(n) + Vector128.Create(127), 23);
        return e * scale.AsSingle();
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
