using System;

namespace Backprop.Generated.Benchmarks;

/// <summary>
/// The baseline: the seed's math as plain runtime-sized C# loops over one parameter array (the
/// same layout as the generated networks), as one would write it without a generator.
/// </summary>
public sealed class NaiveNetwork
{
    private readonly int[] _sizes;
    private readonly float[][] _activations;
    private readonly float[][] _deltas;

    public NaiveNetwork(int[] sizes)
    {
        _sizes = sizes;
        int count = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            count += sizes[l - 1] * sizes[l] + sizes[l];
        }
        Parameters = new float[count];
        _activations = new float[sizes.Length][];
        _deltas = new float[sizes.Length][];
        for (int l = 0; l < sizes.Length; l++)
        {
            _activations[l] = new float[sizes[l]];
            _deltas[l] = new float[sizes[l]];
        }
    }

    public float[] Parameters { get; }

    private static float Sigmoid(float z) => 1f / (1f + MathF.Exp(-z));

    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        Run(input);
        _activations[^1].CopyTo(output);
    }

    private void Run(ReadOnlySpan<float> input)
    {
        input.CopyTo(_activations[0]);
        int offset = 0;
        for (int l = 1; l < _sizes.Length; l++)
        {
            int inputs = _sizes[l - 1], outputs = _sizes[l];
            float[] a = _activations[l - 1], next = _activations[l];
            for (int i = 0; i < outputs; i++)
            {
                float sum = Parameters[offset + inputs * outputs + i];
                for (int j = 0; j < inputs; j++)
                {
                    sum += Parameters[offset + i * inputs + j] * a[j];
                }
                next[i] = Sigmoid(sum);
            }
            offset += inputs * outputs + outputs;
        }
    }

    public float Backprop(ReadOnlySpan<float> input, ReadOnlySpan<float> target, Span<float> gradient)
    {
        Run(input);
        int layers = _sizes.Length;
        float[] output = _activations[layers - 1];
        float cost = 0f;
        for (int k = 0; k < output.Length; k++)
        {
            float a = Math.Clamp(output[k], 1e-7f, 1 - 1e-7f);
            cost -= target[k] * MathF.Log(a) + (1 - target[k]) * MathF.Log(1 - a);
            _deltas[layers - 1][k] = output[k] - target[k];
        }

        int offset = Parameters.Length;
        for (int l = layers - 1; l >= 1; l--)
        {
            int inputs = _sizes[l - 1], outputs = _sizes[l];
            offset -= inputs * outputs + outputs;
            float[] a = _activations[l - 1], delta = _deltas[l], previous = _deltas[l - 1];
            for (int i = 0; i < outputs; i++)
            {
                gradient[offset + inputs * outputs + i] += delta[i];
                for (int j = 0; j < inputs; j++)
                {
                    gradient[offset + i * inputs + j] += delta[i] * a[j];
                }
            }
            if (l > 1)
            {
                for (int j = 0; j < inputs; j++)
                {
                    float sum = 0f;
                    for (int i = 0; i < outputs; i++)
                    {
                        sum += Parameters[offset + i * inputs + j] * delta[i];
                    }
                    previous[j] = sum * a[j] * (1 - a[j]);
                }
            }
        }
        return cost;
    }
}
