using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Backprop;

/// <summary>
/// The element-wise loops of the built-in optimizers. Each loop does the same IEEE-754 operations, in the same order,
/// for every element, vector or scalar tail alike, and uses no fused multiply-add: additions, multiplications,
/// divisions and square roots are correctly rounded on every machine, so a step gives the same bits everywhere, at
/// any vector width.
/// </summary>
internal static class OptimizerKernels
{
    /// <summary>θ ← decay·θ − rate·s.</summary>
    public static void ScaleSubtract(Span<float> parameters, ReadOnlySpan<float> gradientSum, float decay, float rate)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float s = ref MemoryMarshal.GetReference(gradientSum);
        nint n = parameters.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var decays = new Vector<float>(decay);
            var rates = new Vector<float>(rate);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Store(Load(ref p, i) * decays - Load(ref s, i) * rates, ref p, i);
            }
        }
        for (; i < n; i++)
        {
            Unsafe.Add(ref p, i) = Unsafe.Add(ref p, i) * decay - Unsafe.Add(ref s, i) * rate;
        }
    }

    /// <summary>
    /// g = scale·s + l2·θ; v ← μ·v + g; θ ← θ − η·v (classical) or θ ← θ − η·(g + μ·v) (Nesterov).
    /// </summary>
    public static void Momentum(
        Span<float> parameters, ReadOnlySpan<float> gradientSum, Span<float> velocity,
        float scale, float l2, float mu, float rate, bool nesterov)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float s = ref MemoryMarshal.GetReference(gradientSum);
        ref float v = ref MemoryMarshal.GetReference(velocity);
        nint n = parameters.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var scales = new Vector<float>(scale);
            var l2s = new Vector<float>(l2);
            var mus = new Vector<float>(mu);
            var rates = new Vector<float>(rate);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> theta = Load(ref p, i);
                Vector<float> g = Load(ref s, i) * scales + theta * l2s;
                Vector<float> velocityNext = Load(ref v, i) * mus + g;
                Store(velocityNext, ref v, i);
                Vector<float> direction = nesterov ? g + velocityNext * mus : velocityNext;
                Store(theta - direction * rates, ref p, i);
            }
        }
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            float g = Unsafe.Add(ref s, i) * scale + theta * l2;
            float velocityNext = Unsafe.Add(ref v, i) * mu + g;
            Unsafe.Add(ref v, i) = velocityNext;
            float direction = nesterov ? g + velocityNext * mu : velocityNext;
            Unsafe.Add(ref p, i) = theta - direction * rate;
        }
    }

    /// <summary>The per-step constants of <see cref="Adam"/>, rounded to float once.</summary>
    public readonly record struct AdamScalars(
        float GradientScale,
        float L2,
        float Beta1,
        float OneMinusBeta1,
        float Beta2,
        float OneMinusBeta2,
        float StepSize,
        float InverseRootCorrection2,
        float Epsilon,
        float Decay);

    /// <summary>
    /// g = scale·s + l2·θ; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
    /// θ ← decay·θ − stepSize·m / (√v·(1/√(1 − β2^t)) + ε).
    /// </summary>
    public static void Adam(
        Span<float> parameters, ReadOnlySpan<float> gradientSum, Span<float> firstMoment, Span<float> secondMoment, in AdamScalars k)
    {
        ref float p = ref MemoryMarshal.GetReference(parameters);
        ref float s = ref MemoryMarshal.GetReference(gradientSum);
        ref float m = ref MemoryMarshal.GetReference(firstMoment);
        ref float v = ref MemoryMarshal.GetReference(secondMoment);
        nint n = parameters.Length, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var scale = new Vector<float>(k.GradientScale);
            var l2 = new Vector<float>(k.L2);
            var beta1 = new Vector<float>(k.Beta1);
            var oneMinusBeta1 = new Vector<float>(k.OneMinusBeta1);
            var beta2 = new Vector<float>(k.Beta2);
            var oneMinusBeta2 = new Vector<float>(k.OneMinusBeta2);
            var stepSize = new Vector<float>(k.StepSize);
            var correction = new Vector<float>(k.InverseRootCorrection2);
            var epsilon = new Vector<float>(k.Epsilon);
            var decay = new Vector<float>(k.Decay);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector<float> theta = Load(ref p, i);
                Vector<float> g = Load(ref s, i) * scale + theta * l2;
                Vector<float> first = Load(ref m, i) * beta1 + g * oneMinusBeta1;
                Vector<float> second = Load(ref v, i) * beta2 + g * g * oneMinusBeta2;
                Store(first, ref m, i);
                Store(second, ref v, i);
                Vector<float> denominator = Vector.SquareRoot(second) * correction + epsilon;
                Store(theta * decay - stepSize * first / denominator, ref p, i);
            }
        }
        for (; i < n; i++)
        {
            float theta = Unsafe.Add(ref p, i);
            float g = Unsafe.Add(ref s, i) * k.GradientScale + theta * k.L2;
            float first = Unsafe.Add(ref m, i) * k.Beta1 + g * k.OneMinusBeta1;
            float second = Unsafe.Add(ref v, i) * k.Beta2 + g * g * k.OneMinusBeta2;
            Unsafe.Add(ref m, i) = first;
            Unsafe.Add(ref v, i) = second;
            float denominator = MathF.Sqrt(second) * k.InverseRootCorrection2 + k.Epsilon;
            Unsafe.Add(ref p, i) = theta * k.Decay - k.StepSize * first / denominator;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Load(ref float start, nint index)
        => Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, index)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector<float> value, ref float start, nint index)
        => Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref start, index)), value);
}
