using System;

namespace Backprop;

/// <summary>
/// The seeded parameter initialisation every generated network uses: the one of the reference
/// implementation (Nielsen's <c>network2.py</c>, <c>default_weight_initializer</c>).
/// </summary>
/// <remarks>
/// For each weight layer l = 2..L in parameter order, every weight w^l_ij is a standard normal
/// deviate divided by √n_(l−1), then every bias b^l_i is a standard normal deviate. The deviates
/// come from one <see cref="DeterministicRandom"/> seeded with the seed, drawn in parameter order,
/// computed in double precision and rounded to float. The result is defined bit for bit: the same
/// seed gives the same parameters on every run and machine.
/// </remarks>
public static class ParameterInitializer
{
    /// <summary>Fills <paramref name="parameters"/> for a network of the given layer sizes.</summary>
    /// <exception cref="ArgumentException">The span's length does not match the layer sizes.</exception>
    public static void InitializeGaussian(Span<float> parameters, ReadOnlySpan<int> layerSizes, int seed)
    {
        long expected = CountParameters(layerSizes);
        if (parameters.Length != expected)
        {
            throw new ArgumentException(
                $"parameters must have exactly {expected} elements for layer sizes [{string.Join(", ", layerSizes.ToArray())}] but has {parameters.Length}.",
                nameof(parameters));
        }

        var random = new DeterministicRandom(seed);
        int offset = 0;
        for (int l = 1; l < layerSizes.Length; l++)
        {
            int fanIn = layerSizes[l - 1];
            int fanOut = layerSizes[l];
            double scale = 1.0 / Math.Sqrt(fanIn);
            Span<float> weights = parameters.Slice(offset, fanIn * fanOut);
            for (int k = 0; k < weights.Length; k++)
            {
                weights[k] = (float)(random.NextGaussian() * scale);
            }
            offset += weights.Length;

            Span<float> biases = parameters.Slice(offset, fanOut);
            for (int k = 0; k < biases.Length; k++)
            {
                biases[k] = (float)random.NextGaussian();
            }
            offset += fanOut;
        }
    }

    /// <summary>The number of parameters of a network with the given layer sizes.</summary>
    public static long CountParameters(ReadOnlySpan<int> layerSizes)
    {
        if (layerSizes.Length < 2)
        {
            throw new ArgumentException("A network needs at least two layer sizes.", nameof(layerSizes));
        }

        long count = 0;
        for (int l = 1; l < layerSizes.Length; l++)
        {
            if (layerSizes[l - 1] < 1 || layerSizes[l] < 1)
            {
                throw new ArgumentException("Every layer size must be at least 1.", nameof(layerSizes));
            }
            count += (long)layerSizes[l - 1] * layerSizes[l] + layerSizes[l];
        }
        return count;
    }
}
