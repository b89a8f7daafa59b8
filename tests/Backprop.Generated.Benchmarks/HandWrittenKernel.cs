using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// The yardstick: a hand-written AVX-512 trainer for exactly 784-30-10, mini-batch 10, sigmoid,
/// cross-entropy, SGD with L2, written the way a careful engineer would by hand. It stores
/// the first layer transposed (w^2ᵀ, 784 rows of 32 padded floats) so that the forward pass needs no
/// horizontal sums, keeps the 10 × 2 accumulators in named locals, and fuses the weight update into
/// the gradient pass. The generated kernel is held to at least 90 % of its speed.
/// </summary>
public sealed unsafe class HandWrittenKernel
{
    private const int Inputs = 784, Hidden = 30, Outputs = 10, Batch = 10;

    // w^2 transposed: row j holds the 30 weights from input j (+2 zero pads); w^3 row-major, padded to 32.
    private readonly float* _w1t, _b1, _w2, _b2;

    public HandWrittenKernel(DigitNet network)
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            throw new PlatformNotSupportedException("The hand-written yardstick needs AVX-512.");
        }
        _w1t = (float*)NativeMemory.AlignedAlloc(Inputs * 32 * sizeof(float), 64);
        _b1 = (float*)NativeMemory.AlignedAlloc(32 * sizeof(float), 64);
        _w2 = (float*)NativeMemory.AlignedAlloc(Outputs * 32 * sizeof(float), 64);
        _b2 = (float*)NativeMemory.AlignedAlloc(16 * sizeof(float), 64);
        new Span<float>(_w1t, Inputs * 32).Clear();
        new Span<float>(_b1, 32).Clear();
        new Span<float>(_w2, Outputs * 32).Clear();
        new Span<float>(_b2, 16).Clear();
        ReadOnlySpan<float> p = network.Parameters;
        for (int i = 0; i < Hidden; i++)
        {
            for (int j = 0; j < Inputs; j++)
            {
                _w1t[j * 32 + i] = p[i * Inputs + j];
            }
            _b1[i] = p[Hidden * Inputs + i];
        }
        int offset = Hidden * Inputs + Hidden;
        for (int k = 0; k < Outputs; k++)
        {
            for (int i = 0; i < Hidden; i++)
            {
                _w2[k * 32 + i] = p[offset + k * Hidden + i];
            }
            _b2[k] = p[offset + Hidden * Outputs + k];
        }
    }

    /// <summary>
    /// One step on the 10 samples rows[0..10) of x (rows of 784) and y (rows of 10); returns Σ C_x.
    /// The 10 rows <paramref name="next"/> of the next step are prefetched during the layer-2 update,
    /// the trick that hides memory latency for the generated kernel too.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public float TrainBatch(float* x, float* y, int* rows, int* next, float eta, float decay)
    {
        float rate = eta / Batch;
        // Stack buffers aligned to 64 bytes by hand (stackalloc only promises 16).
        float* a1Raw = stackalloc float[Batch * 32 + 16];
        float* d1Raw = stackalloc float[Batch * 32 + 16];
        float* d2Raw = stackalloc float[Batch * 16 + 16];
        float* a1 = Align(a1Raw), d1 = Align(d1Raw), d2 = Align(d2Raw);
        float** xs = stackalloc float*[Batch];
        float* z = stackalloc float[16];
        for (int s = 0; s < Batch; s++)
        {
            xs[s] = x + (nint)rows[s] * Inputs;
        }

        // Layer 2 forward: z[s] = Σ_j w1t[j] · x_s[j], 10 samples × 2 vectors of accumulators.
        Vector512<float> z00 = default, z01 = default, z10 = default, z11 = default, z20 = default, z21 = default,
            z30 = default, z31 = default, z40 = default, z41 = default, z50 = default, z51 = default,
            z60 = default, z61 = default, z70 = default, z71 = default, z80 = default, z81 = default,
            z90 = default, z91 = default;
        float* x0 = xs[0], x1 = xs[1], x2 = xs[2], x3 = xs[3], x4 = xs[4], x5 = xs[5], x6 = xs[6], x7 = xs[7], x8 = xs[8], x9 = xs[9];
        for (int j = 0; j < Inputs; j++)
        {
            Vector512<float> w0 = Avx512F.LoadAlignedVector512(_w1t + j * 32);
            Vector512<float> w1 = Avx512F.LoadAlignedVector512(_w1t + j * 32 + 16);
            Vector512<float> v = Vector512.Create(x0[j]); z00 = Avx512F.FusedMultiplyAdd(w0, v, z00); z01 = Avx512F.FusedMultiplyAdd(w1, v, z01);
            v = Vector512.Create(x1[j]); z10 = Avx512F.FusedMultiplyAdd(w0, v, z10); z11 = Avx512F.FusedMultiplyAdd(w1, v, z11);
            v = Vector512.Create(x2[j]); z20 = Avx512F.FusedMultiplyAdd(w0, v, z20); z21 = Avx512F.FusedMultiplyAdd(w1, v, z21);
            v = Vector512.Create(x3[j]); z30 = Avx512F.FusedMultiplyAdd(w0, v, z30); z31 = Avx512F.FusedMultiplyAdd(w1, v, z31);
            v = Vector512.Create(x4[j]); z40 = Avx512F.FusedMultiplyAdd(w0, v, z40); z41 = Avx512F.FusedMultiplyAdd(w1, v, z41);
            v = Vector512.Create(x5[j]); z50 = Avx512F.FusedMultiplyAdd(w0, v, z50); z51 = Avx512F.FusedMultiplyAdd(w1, v, z51);
            v = Vector512.Create(x6[j]); z60 = Avx512F.FusedMultiplyAdd(w0, v, z60); z61 = Avx512F.FusedMultiplyAdd(w1, v, z61);
            v = Vector512.Create(x7[j]); z70 = Avx512F.FusedMultiplyAdd(w0, v, z70); z71 = Avx512F.FusedMultiplyAdd(w1, v, z71);
            v = Vector512.Create(x8[j]); z80 = Avx512F.FusedMultiplyAdd(w0, v, z80); z81 = Avx512F.FusedMultiplyAdd(w1, v, z81);
            v = Vector512.Create(x9[j]); z90 = Avx512F.FusedMultiplyAdd(w0, v, z90); z91 = Avx512F.FusedMultiplyAdd(w1, v, z91);
        }
        Vector512<float> b10 = Avx512F.LoadAlignedVector512(_b1), b11 = Avx512F.LoadAlignedVector512(_b1 + 16);
        Activate(a1 + 0, z00, z01, b10, b11); Activate(a1 + 32, z10, z11, b10, b11);
        Activate(a1 + 64, z20, z21, b10, b11); Activate(a1 + 96, z30, z31, b10, b11);
        Activate(a1 + 128, z40, z41, b10, b11); Activate(a1 + 160, z50, z51, b10, b11);
        Activate(a1 + 192, z60, z61, b10, b11); Activate(a1 + 224, z70, z71, b10, b11);
        Activate(a1 + 256, z80, z81, b10, b11); Activate(a1 + 288, z90, z91, b10, b11);

        // Layer 3 forward, output error, cost, and δ^2 = (w^3ᵀ δ^3) ⊙ a(1 − a), per sample.
        Vector512<float> outputMask = Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0).AsSingle();
        Vector512<float> costs = Vector512<float>.Zero;
        Vector512<float> b2 = Avx512F.LoadAlignedVector512(_b2);
        for (int s = 0; s < Batch; s++)
        {
            Vector512<float> h0 = Avx512F.LoadAlignedVector512(a1 + s * 32), h1 = Avx512F.LoadAlignedVector512(a1 + s * 32 + 16);
            for (int k = 0; k < Outputs; k++)
            {
                z[k] = Vector512.Sum(Avx512F.FusedMultiplyAdd(Avx512F.LoadAlignedVector512(_w2 + k * 32), h0,
                    Avx512F.LoadAlignedVector512(_w2 + k * 32 + 16) * h1));
            }
            for (int k = Outputs; k < 16; k++)
            {
                z[k] = 0f;
            }
            Vector512<float> zv = Avx512F.LoadVector512(z) + b2;
            float* target = y + (nint)rows[s] * Outputs;
            Vector512<float> yv = Vector512.LoadUnsafe(ref *target, 0) & outputMask; // 16 lanes read: the padding of the next row, masked
            costs += Kernels.SigmoidCrossEntropy(zv, yv) & outputMask;
            Vector512<float> delta = (Kernels.Sigmoid(zv) - yv) & outputMask;
            Avx512F.StoreAligned(d2 + s * 16, delta);
            Vector512<float> t0 = Vector512<float>.Zero, t1 = Vector512<float>.Zero;
            for (int k = 0; k < Outputs; k++)
            {
                Vector512<float> dk = Vector512.Create(d2[s * 16 + k]);
                t0 = Avx512F.FusedMultiplyAdd(Avx512F.LoadAlignedVector512(_w2 + k * 32), dk, t0);
                t1 = Avx512F.FusedMultiplyAdd(Avx512F.LoadAlignedVector512(_w2 + k * 32 + 16), dk, t1);
            }
            Avx512F.StoreAligned(d1 + s * 32, t0 * h0 * (Vector512<float>.One - h0));
            Avx512F.StoreAligned(d1 + s * 32 + 16, t1 * h1 * (Vector512<float>.One - h1));
        }

        // Layer 3 update: w^3_k ← decay w^3_k − rate Σ_s δ^3_sk a_s; b^3 ← b^3 − rate Σ_s δ^3_s.
        Vector512<float> rates = Vector512.Create(-rate), decays = Vector512.Create(decay);
        Vector512<float> biasSum = Vector512<float>.Zero;
        for (int s = 0; s < Batch; s++)
        {
            biasSum += Avx512F.LoadAlignedVector512(d2 + s * 16);
        }
        Avx512F.StoreAligned(_b2, Avx512F.FusedMultiplyAdd(biasSum, rates, Avx512F.LoadAlignedVector512(_b2)));
        for (int k = 0; k < Outputs; k++)
        {
            Vector512<float> g0 = Vector512<float>.Zero, g1 = Vector512<float>.Zero;
            for (int s = 0; s < Batch; s++)
            {
                Vector512<float> dk = Vector512.Create(d2[s * 16 + k]);
                g0 = Avx512F.FusedMultiplyAdd(dk, Avx512F.LoadAlignedVector512(a1 + s * 32), g0);
                g1 = Avx512F.FusedMultiplyAdd(dk, Avx512F.LoadAlignedVector512(a1 + s * 32 + 16), g1);
            }
            float* row = _w2 + k * 32;
            Avx512F.StoreAligned(row, Avx512F.FusedMultiplyAdd(g0, rates, Avx512F.LoadAlignedVector512(row) * decays));
            Avx512F.StoreAligned(row + 16, Avx512F.FusedMultiplyAdd(g1, rates, Avx512F.LoadAlignedVector512(row + 16) * decays) & PadMask());
        }

        // Layer 2 update, fused: w1t[j] ← decay w1t[j] − rate Σ_s x_s[j] δ^2_s, four rows j at a time (8 chains).
        Vector512<float> e00 = Avx512F.LoadAlignedVector512(d1), e01 = Avx512F.LoadAlignedVector512(d1 + 16);
        Vector512<float> e10 = Avx512F.LoadAlignedVector512(d1 + 32), e11 = Avx512F.LoadAlignedVector512(d1 + 48);
        Vector512<float> e20 = Avx512F.LoadAlignedVector512(d1 + 64), e21 = Avx512F.LoadAlignedVector512(d1 + 80);
        Vector512<float> e30 = Avx512F.LoadAlignedVector512(d1 + 96), e31 = Avx512F.LoadAlignedVector512(d1 + 112);
        Vector512<float> e40 = Avx512F.LoadAlignedVector512(d1 + 128), e41 = Avx512F.LoadAlignedVector512(d1 + 144);
        Vector512<float> e50 = Avx512F.LoadAlignedVector512(d1 + 160), e51 = Avx512F.LoadAlignedVector512(d1 + 176);
        Vector512<float> e60 = Avx512F.LoadAlignedVector512(d1 + 192), e61 = Avx512F.LoadAlignedVector512(d1 + 208);
        Vector512<float> e70 = Avx512F.LoadAlignedVector512(d1 + 224), e71 = Avx512F.LoadAlignedVector512(d1 + 240);
        Vector512<float> e80 = Avx512F.LoadAlignedVector512(d1 + 256), e81 = Avx512F.LoadAlignedVector512(d1 + 272);
        Vector512<float> e90 = Avx512F.LoadAlignedVector512(d1 + 288), e91 = Avx512F.LoadAlignedVector512(d1 + 304);
        Vector512<float> hiddenBias0 = e00 + e10 + e20 + e30 + e40 + e50 + e60 + e70 + e80 + e90;
        Vector512<float> hiddenBias1 = e01 + e11 + e21 + e31 + e41 + e51 + e61 + e71 + e81 + e91;
        Avx512F.StoreAligned(_b1, Avx512F.FusedMultiplyAdd(hiddenBias0, rates, Avx512F.LoadAlignedVector512(_b1)));
        Avx512F.StoreAligned(_b1 + 16, Avx512F.FusedMultiplyAdd(hiddenBias1, rates, Avx512F.LoadAlignedVector512(_b1 + 16)) & PadMask());
        for (int j = 0; j < Inputs; j += 2)
        {
            if ((j & 15) == 0)
            {
                for (int s = 0; s < Batch; s++)
                {
                    Sse.Prefetch1(x + (nint)next[s] * Inputs + j);
                }
            }
            Vector512<float> p0 = Vector512.Create(x0[j]), q0 = Vector512.Create(x0[j + 1]);
            Vector512<float> g00 = p0 * e00, g01 = p0 * e01, g10 = q0 * e00, g11 = q0 * e01;
            Vector512<float> p = Vector512.Create(x1[j]), q = Vector512.Create(x1[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e10, g00); g01 = Avx512F.FusedMultiplyAdd(p, e11, g01); g10 = Avx512F.FusedMultiplyAdd(q, e10, g10); g11 = Avx512F.FusedMultiplyAdd(q, e11, g11);
            p = Vector512.Create(x2[j]); q = Vector512.Create(x2[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e20, g00); g01 = Avx512F.FusedMultiplyAdd(p, e21, g01); g10 = Avx512F.FusedMultiplyAdd(q, e20, g10); g11 = Avx512F.FusedMultiplyAdd(q, e21, g11);
            p = Vector512.Create(x3[j]); q = Vector512.Create(x3[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e30, g00); g01 = Avx512F.FusedMultiplyAdd(p, e31, g01); g10 = Avx512F.FusedMultiplyAdd(q, e30, g10); g11 = Avx512F.FusedMultiplyAdd(q, e31, g11);
            p = Vector512.Create(x4[j]); q = Vector512.Create(x4[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e40, g00); g01 = Avx512F.FusedMultiplyAdd(p, e41, g01); g10 = Avx512F.FusedMultiplyAdd(q, e40, g10); g11 = Avx512F.FusedMultiplyAdd(q, e41, g11);
            p = Vector512.Create(x5[j]); q = Vector512.Create(x5[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e50, g00); g01 = Avx512F.FusedMultiplyAdd(p, e51, g01); g10 = Avx512F.FusedMultiplyAdd(q, e50, g10); g11 = Avx512F.FusedMultiplyAdd(q, e51, g11);
            p = Vector512.Create(x6[j]); q = Vector512.Create(x6[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e60, g00); g01 = Avx512F.FusedMultiplyAdd(p, e61, g01); g10 = Avx512F.FusedMultiplyAdd(q, e60, g10); g11 = Avx512F.FusedMultiplyAdd(q, e61, g11);
            p = Vector512.Create(x7[j]); q = Vector512.Create(x7[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e70, g00); g01 = Avx512F.FusedMultiplyAdd(p, e71, g01); g10 = Avx512F.FusedMultiplyAdd(q, e70, g10); g11 = Avx512F.FusedMultiplyAdd(q, e71, g11);
            p = Vector512.Create(x8[j]); q = Vector512.Create(x8[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e80, g00); g01 = Avx512F.FusedMultiplyAdd(p, e81, g01); g10 = Avx512F.FusedMultiplyAdd(q, e80, g10); g11 = Avx512F.FusedMultiplyAdd(q, e81, g11);
            p = Vector512.Create(x9[j]); q = Vector512.Create(x9[j + 1]);
            g00 = Avx512F.FusedMultiplyAdd(p, e90, g00); g01 = Avx512F.FusedMultiplyAdd(p, e91, g01); g10 = Avx512F.FusedMultiplyAdd(q, e90, g10); g11 = Avx512F.FusedMultiplyAdd(q, e91, g11);
            float* r0 = _w1t + j * 32, r1 = r0 + 32;
            Avx512F.StoreAligned(r0, Avx512F.FusedMultiplyAdd(g00, rates, Avx512F.LoadAlignedVector512(r0) * decays));
            Avx512F.StoreAligned(r0 + 16, Avx512F.FusedMultiplyAdd(g01, rates, Avx512F.LoadAlignedVector512(r0 + 16) * decays));
            Avx512F.StoreAligned(r1, Avx512F.FusedMultiplyAdd(g10, rates, Avx512F.LoadAlignedVector512(r1) * decays));
            Avx512F.StoreAligned(r1 + 16, Avx512F.FusedMultiplyAdd(g11, rates, Avx512F.LoadAlignedVector512(r1 + 16) * decays));
        }
        return Vector512.Sum(costs);
    }

    private static float* Align(float* p) => (float*)(((nuint)p + 63) & ~(nuint)63);

    /// <summary>Keeps lanes 30 and 31 (padding) of a hidden-layer vector at zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PadMask() =>
        Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Activate(float* a, Vector512<float> z0, Vector512<float> z1, Vector512<float> b0, Vector512<float> b1)
    {
        Avx512F.StoreAligned(a, Kernels.Sigmoid(z0 + b0));
        Avx512F.StoreAligned(a + 16, Kernels.Sigmoid(z1 + b1) & PadMask());
    }

    /// <summary>The parameters in the generated networks' layout, to compare results.</summary>
    public void CopyTo(Span<float> p)
    {
        for (int i = 0; i < Hidden; i++)
        {
            for (int j = 0; j < Inputs; j++)
            {
                p[i * Inputs + j] = _w1t[j * 32 + i];
            }
            p[Hidden * Inputs + i] = _b1[i];
        }
        int offset = Hidden * Inputs + Hidden;
        for (int k = 0; k < Outputs; k++)
        {
            for (int i = 0; i < Hidden; i++)
            {
                p[offset + k * Hidden + i] = _w2[k * 32 + i];
            }
            p[offset + Hidden * Outputs + k] = _b2[k];
        }
    }
}
