using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// <c>-- peak</c>: what one core of this machine can do at most, the yardstick the kernels' GFLOP/s are set against.
/// Fused multiply-adds in 12 independent chains (more than the FMA units' latency × throughput, so that no chain waits),
/// with 512-bit and with 256-bit vectors; and the bandwidth of summing a buffer that fits in L1, in L2, and in neither, with
/// eight independent 512-bit sums. Each figure is the median of 7 rounds (and their range), on the calling thread: pin it to
/// one core (<c>taskset -c 1</c>) on a quiet machine.
/// </summary>
public static class PeakCommand
{
    private const int Rounds = 7;

    public static int Run()
    {
        if (!Fma.IsSupported)
        {
            Console.WriteLine("No FMA on this CPU: nothing to measure.");
            return 0;
        }
        Console.WriteLine($"{Environment.ProcessorCount} logical processors; Vector512 accelerated: {Vector512.IsHardwareAccelerated}, AVX-512F: {Avx512F.IsSupported}");
        Report("FMA, 256-bit (ymm), 12 chains", "GFLOP/s", () => Fma256(4_000_000));
        if (Avx512F.IsSupported)
        {
            Report("FMA, 512-bit (zmm), 12 chains", "GFLOP/s", () => Fma512(4_000_000));
        }
        foreach ((string what, int kilobytes) in new[] { ("sum, 32 KB (L1)", 32), ("sum, 512 KB (L2)", 512), ("sum, 64 MB (memory)", 65536) })
        {
            float[] buffer = new float[kilobytes * 256];
            buffer.AsSpan().Fill(1f);
            long bytes = 256L * 1024 * 1024; // read per round, whatever the size: the buffer again and again
            Report(what, "GB/s", () => Sum(buffer, (int)(bytes / (4L * buffer.Length))) / 1e9);
        }
        return 0;
    }

    private static void Report(string what, string unit, Func<double> measure)
    {
        measure(); // warm up: the JIT's final code, the buffer in cache
        var rates = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            rates.Add(measure());
        }
        rates.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what,-32}: {rates[Rounds / 2],8:F1} {unit} (rounds {rates[0]:F1} to {rates[^1]:F1})"));
    }

    /// <summary>GFLOP/s of <paramref name="iterations"/> × 12 FMAs of 8 floats (2 FLOP each).</summary>
    private static double Fma256(int iterations)
    {
        long start = Stopwatch.GetTimestamp();
        float result = Vector256.Sum(Chains256(Vector256.Create(0.9999999f), Vector256.Create(1e-7f), iterations));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Keep(result);
        return 12.0 * 8 * 2 * iterations / seconds / 1e9;
    }

    /// <summary>
    /// 12 chains a ← a · m + c, <paramref name="iterations"/> long. A method with no call in it: a vector live across a call
    /// would live in memory (x64 has no callee-saved vector registers), and each FMA would wait for a store and a load.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector256<float> Chains256(Vector256<float> m, Vector256<float> c, int iterations)
    {
        Vector256<float> a0 = m, a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c;
        Vector256<float> a6 = a5 + c, a7 = a6 + c, a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c); a2 = Fma.MultiplyAdd(a2, m, c);
            a3 = Fma.MultiplyAdd(a3, m, c); a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c); a8 = Fma.MultiplyAdd(a8, m, c);
            a9 = Fma.MultiplyAdd(a9, m, c); a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }

    /// <summary>GFLOP/s of <paramref name="iterations"/> × 12 FMAs of 16 floats (2 FLOP each).</summary>
    private static double Fma512(int iterations)
    {
        long start = Stopwatch.GetTimestamp();
        float result = Vector512.Sum(Chains512(Vector512.Create(0.9999999f), Vector512.Create(1e-7f), iterations));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Keep(result);
        return 12.0 * 16 * 2 * iterations / seconds / 1e9;
    }

    /// <summary>
    /// 12 chains a ← a · m + c, <paramref name="iterations"/> long. A method with no call in it: a vector live across a call
    /// would live in memory (x64 has no callee-saved vector registers), and each FMA would wait for a store and a load.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static Vector512<float> Chains512(Vector512<float> m, Vector512<float> c, int iterations)
    {
        Vector512<float> a0 = m, a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c;
        Vector512<float> a6 = a5 + c, a7 = a6 + c, a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, c); a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c); a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }

    /// <summary>Bytes a second of summing <paramref name="buffer"/> <paramref name="passes"/> times.</summary>
    private static double Sum(float[] buffer, int passes)
    {
        long start = Stopwatch.GetTimestamp();
        float result = Passes(buffer, passes);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Keep(result);
        return 4.0 * buffer.Length * passes / seconds;
    }

    /// <summary>The sum of <paramref name="buffer"/>, <paramref name="passes"/> times over, in eight independent 512-bit sums (no call inside).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Passes(float[] buffer, int passes)
    {
        ref float first = ref buffer[0];
        nuint length = (nuint)buffer.Length;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (int pass = 0; pass < passes; pass++)
        {
            for (nuint k = 0; k < length; k += 128)
            {
                s0 += Vector512.LoadUnsafe(ref first, k);
                s1 += Vector512.LoadUnsafe(ref first, k + 16);
                s2 += Vector512.LoadUnsafe(ref first, k + 32);
                s3 += Vector512.LoadUnsafe(ref first, k + 48);
                s4 += Vector512.LoadUnsafe(ref first, k + 64);
                s5 += Vector512.LoadUnsafe(ref first, k + 80);
                s6 += Vector512.LoadUnsafe(ref first, k + 96);
                s7 += Vector512.LoadUnsafe(ref first, k + 112);
            }
        }
        return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
    }

    private static float s_sink;

    private static void Keep(float value) => s_sink += value;
}
