using System;
using System.Collections.Generic;

namespace Backprop.Generated.Tests;

/// <summary>
/// A deliberately naive, runtime-sized implementation of the seed's math in double precision: the
/// yardstick the generated code is checked against. Shares no code with the generator or runtime.
/// </summary>
internal static class Reference
{
    public static double[] ToDouble(ReadOnlySpan<float> values)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }
        return result;
    }

    private static double Sigmoid(double z) => 1.0 / (1.0 + Math.Exp(-z));

    /// <summary>Every layer's z and a; layer 1's a is the input (its z is unused).</summary>
    public static (List<double[]> Z, List<double[]> A) Run(int[] sizes, double[] p, double[] x)
    {
        var zs = new List<double[]> { Array.Empty<double>() };
        var activations = new List<double[]> { x };
        int offset = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            int inputs = sizes[l - 1], outputs = sizes[l];
            double[] a = activations[l - 1];
            var z = new double[outputs];
            var next = new double[outputs];
            for (int i = 0; i < outputs; i++)
            {
                double sum = p[offset + inputs * outputs + i];
                for (int j = 0; j < inputs; j++)
                {
                    sum += p[offset + i * inputs + j] * a[j];
                }
                z[i] = sum;
                next[i] = Sigmoid(sum);
            }
            zs.Add(z);
            activations.Add(next);
            offset += inputs * outputs + outputs;
        }
        return (zs, activations);
    }

    public static double[] Forward(int[] sizes, double[] p, double[] x) => Run(sizes, p, x).A[sizes.Length - 1];

    /// <summary>C_x = −Σ_k [y ln a + (1 − y) ln(1 − a)], evaluated from z so that it is exact when a saturates.</summary>
    public static double Cost(int[] sizes, double[] p, double[] x, double[] y)
    {
        double[] z = Run(sizes, p, x).Z[sizes.Length - 1];
        double cost = 0;
        for (int k = 0; k < z.Length; k++)
        {
            // −y ln σ(z) − (1 − y) ln σ(−z), with −ln σ(z) = ln(1 + e^−z).
            cost += y[k] * Softplus(-z[k]) + (1 - y[k]) * Softplus(z[k]);
        }
        return cost;
    }

    private static double Softplus(double v) => v > 0 ? v + Math.Log(1 + Math.Exp(-v)) : Math.Log(1 + Math.Exp(v));

    /// <summary>∂C_x/∂θ by textbook backpropagation, in the parameter layout of the contract.</summary>
    public static double[] Gradient(int[] sizes, double[] p, double[] x, double[] y)
    {
        (List<double[]> _, List<double[]> a) = Run(sizes, p, x);
        int layers = sizes.Length;
        var gradient = new double[p.Length];
        var offsets = new int[layers];
        for (int l = 1, offset = 0; l < layers; l++)
        {
            offsets[l] = offset;
            offset += sizes[l - 1] * sizes[l] + sizes[l];
        }

        double[] delta = new double[sizes[layers - 1]];
        for (int k = 0; k < delta.Length; k++)
        {
            delta[k] = a[layers - 1][k] - y[k];
        }

        for (int l = layers - 1; l >= 1; l--)
        {
            int inputs = sizes[l - 1], outputs = sizes[l], offset = offsets[l];
            double[] input = a[l - 1];
            for (int i = 0; i < outputs; i++)
            {
                gradient[offset + inputs * outputs + i] += delta[i];
                for (int j = 0; j < inputs; j++)
                {
                    gradient[offset + i * inputs + j] += delta[i] * input[j];
                }
            }
            if (l > 1)
            {
                var previous = new double[inputs];
                for (int j = 0; j < inputs; j++)
                {
                    double sum = 0;
                    for (int i = 0; i < outputs; i++)
                    {
                        sum += p[offset + i * inputs + j] * delta[i];
                    }
                    previous[j] = sum * a[l - 1][j] * (1 - a[l - 1][j]);
                }
                delta = previous;
            }
        }
        return gradient;
    }

    /// <summary>(C(θ + h e_k) − C(θ − h e_k)) / 2h, in double.</summary>
    public static double FiniteDifference(int[] sizes, double[] p, double[] x, double[] y, int k, double h = 1e-5)
    {
        double saved = p[k];
        p[k] = saved + h;
        double plus = Cost(sizes, p, x, y);
        p[k] = saved - h;
        double minus = Cost(sizes, p, x, y);
        p[k] = saved;
        return (plus - minus) / (2 * h);
    }
}
