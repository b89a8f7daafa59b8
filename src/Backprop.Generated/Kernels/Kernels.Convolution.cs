using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Backprop;

// The row operations of the generated convolution kernels. A convolution with stride 1 is, for one weight and one row
// of the output, an axpy along the row (forward: z[y, x…] += w · a[y + ky, x + kx…]; the error of the layer below:
// δ[y + ky, x + kx…] += w · δ[y, x…]) and a dot product along the row (the weight's gradient: Σ_x δ[y, x] a[y + ky, x + kx]).
// Each is written once over ISimd: whole vectors of the widest accelerated width, then of the narrower ones, then floats.
public static partial class Kernels
{
    /// <summary>target[k] += scale · source[k] for k in [0, <paramref name="count"/>); the two rows must not overlap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAddRow(ref float target, ref float source, float scale, nint count)
    {
        nint k = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            k = MultiplyAddVectors<Simd512, Vector512<float>>(ref target, ref source, scale, k, count);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            k = MultiplyAddVectors<Simd256, Vector256<float>>(ref target, ref source, scale, k, count);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            k = MultiplyAddVectors<Simd128, Vector128<float>>(ref target, ref source, scale, k, count);
        }
        for (; k < count; k++)
        {
            Unsafe.Add(ref target, k) += scale * Unsafe.Add(ref source, k);
        }
    }

    /// <summary>Σ_k x[k] · y[k] for k in [0, <paramref name="count"/>), in a fixed order for each vector path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float DotRow(ref float x, ref float y, nint count)
    {
        nint k = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated)
        {
            sum += DotVectors<Simd512, Vector512<float>>(ref x, ref y, ref k, count);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            sum += DotVectors<Simd256, Vector256<float>>(ref x, ref y, ref k, count);
        }
        if (Vector128.IsHardwareAccelerated)
        {
            sum += DotVectors<Simd128, Vector128<float>>(ref x, ref y, ref k, count);
        }
        for (; k < count; k++)
        {
            sum += Unsafe.Add(ref x, k) * Unsafe.Add(ref y, k);
        }
        return sum;
    }

    /// <summary>
    /// The outputs [<paramref name="first"/>, <paramref name="end"/>) along one axis whose input position
    /// output · <paramref name="stride"/> + <paramref name="k"/> − <paramref name="padding"/> lies in [0, <paramref name="extent"/>):
    /// the outputs a kernel offset <paramref name="k"/> reaches inside the input rather than in its padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ConvolutionRange(nint k, nint padding, nint stride, nint extent, nint outputs, out nint first, out nint end)
    {
        first = padding > k ? (padding - k + stride - 1) / stride : 0;
        nint last = extent - 1 + padding - k;
        end = last < 0 ? 0 : Math.Min(outputs, last / stride + 1);
        if (end < first)
        {
            end = first;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint MultiplyAddVectors<TSimd, TVector>(ref float target, ref float source, float scale, nint k, nint count)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        TVector factor = TSimd.Create(scale);
        for (; k <= count - TSimd.Count; k += TSimd.Count)
        {
            TSimd.Store(TSimd.MultiplyAdd(factor, TSimd.Load(ref source, (nuint)k), TSimd.Load(ref target, (nuint)k)), ref target, (nuint)k);
        }
        return k;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotVectors<TSimd, TVector>(ref float x, ref float y, ref nint k, nint count)
        where TSimd : struct, ISimd<TVector> where TVector : struct
    {
        if (k > count - TSimd.Count)
        {
            return 0f;
        }
        TVector sum = TSimd.Zero;
        for (; k <= count - TSimd.Count; k += TSimd.Count)
        {
            sum = TSimd.MultiplyAdd(TSimd.Load(ref x, (nuint)k), TSimd.Load(ref y, (nuint)k), sum);
        }
        return TSimd.Sum(sum);
    }
}
