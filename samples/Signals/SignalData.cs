using System;
using Backprop;

namespace Signals;

/// <summary>
/// Synthetic sensor readings of <see cref="Length"/> samples, made from a seed: a sine, a triangle, a square wave, a
/// sawtooth, or smooth noise, each with a random frequency, phase, amplitude, offset and amount of measurement noise. The same seed
/// gives the same signals on every run and machine.
/// </summary>
internal static class SignalData
{
    /// <summary>The readings per signal.</summary>
    public const int Length = 128;

    /// <summary>The classes, in label order.</summary>
    public static readonly string[] ClassNames = ["sine", "triangle", "square", "sawtooth", "noise"];

    /// <summary>
    /// <paramref name="count"/> signals with their labels, the classes in turn (so every class has a fifth of them), the
    /// readings of signal i at [i·<see cref="Length"/>, (i + 1)·<see cref="Length"/>).
    /// </summary>
    public static Dataset Generate(int count, int seed)
    {
        // System.Random with a seed is the same sequence on every .NET version and platform.
        var random = new Random(seed);
        var inputs = new float[count * Length];
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % ClassNames.Length;
            labels[i] = label;
            Fill(random, label, inputs.AsSpan(i * Length, Length));
        }
        return new Dataset(inputs, labels, Length);
    }

    private static void Fill(Random random, int label, Span<float> signal)
    {
        // 2 to 8 cycles per window, at any phase; amplitudes from 0.5 to 1.5 around an offset of up to ±0.3; Gaussian
        // measurement noise with a standard deviation of 0.05 to 0.5, so that the noisiest sines and triangles are hard
        // to tell apart.
        double cycles = Uniform(random, 2, 8);
        double phase = random.NextDouble();
        double amplitude = Uniform(random, 0.5, 1.5);
        double offset = Uniform(random, -0.3, 0.3);
        double noise = Uniform(random, 0.05, 0.5);

        if (label == 4)
        {
            // Smooth noise: white noise through a one-pole low-pass filter whose cut-off follows the frequency, scaled
            // to the waves' amplitude, so that neither its level nor its wiggle rate gives it away.
            double smoothing = Math.Exp(-2 * Math.PI * cycles * 2 / Length);
            double state = Gaussian(random), scale = amplitude / Math.Sqrt((1 - smoothing) / (1 + smoothing));
            for (int t = 0; t < signal.Length; t++)
            {
                state = smoothing * state + (1 - smoothing) * Gaussian(random);
                signal[t] = (float)(offset + scale * state + noise * Gaussian(random));
            }
            return;
        }

        for (int t = 0; t < signal.Length; t++)
        {
            // The position within the cycle, 0 to 1.
            double x = cycles * t / Length + phase;
            x -= Math.Floor(x);
            double wave = label switch
            {
                0 => Math.Sin(2 * Math.PI * x),
                1 => 1 - 4 * Math.Abs(x - 0.5),
                2 => x < 0.5 ? 1 : -1,
                _ => 2 * x - 1,
            };
            signal[t] = (float)(offset + amplitude * wave + noise * Gaussian(random));
        }
    }

    private static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

    /// <summary>A standard normal value (Box–Muller).</summary>
    private static double Gaussian(Random random)
    {
        double u = 1 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
