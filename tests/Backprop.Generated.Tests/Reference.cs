using System;
using System.Collections.Generic;

namespace Backprop.Generated.Tests;

/// <summary>
/// A deliberately naive, runtime-sized implementation of the networks' math in double precision: the
/// yardstick the generated code is checked against. Shares no code with the generator or runtime (it
/// reads only their enums). The static members are the seed's network: sigmoid everywhere with the
/// cross-entropy cost; <see cref="ReferenceNet"/> is any combination of activations and cost.
/// </summary>
/// <remarks>Also compiled into the generator tests (linked), so it depends on nothing but the runtime's enums.</remarks>
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

    /// <summary>The seed's network of these sizes: sigmoid in every layer, cross-entropy cost.</summary>
    public static ReferenceNet Sigmoid(int[] sizes)
    {
        var activations = new ActivationKind[sizes.Length - 1];
        Array.Fill(activations, ActivationKind.Sigmoid);
        return new ReferenceNet(sizes, activations, CostKind.CrossEntropy);
    }

    /// <summary>Every layer's z and a of the sigmoid / cross-entropy network; layer 1's a is the input (its z is unused).</summary>
    public static (List<double[]> Z, List<double[]> A) Run(int[] sizes, double[] p, double[] x) => Sigmoid(sizes).Run(p, x);

    public static double[] Forward(int[] sizes, double[] p, double[] x) => Sigmoid(sizes).Forward(p, x);

    /// <summary>C_x = −Σ_k [y ln a + (1 − y) ln(1 − a)], evaluated from z so that it is exact when a saturates.</summary>
    public static double Cost(int[] sizes, double[] p, double[] x, double[] y) => Sigmoid(sizes).Cost(p, x, y);

    /// <summary>∂C_x/∂θ by textbook backpropagation, in the parameter layout of the contract.</summary>
    public static double[] Gradient(int[] sizes, double[] p, double[] x, double[] y) => Sigmoid(sizes).Gradient(p, x, y);

    /// <summary>(C(θ + h e_k) − C(θ − h e_k)) / 2h, in double.</summary>
    public static double FiniteDifference(int[] sizes, double[] p, double[] x, double[] y, int k, double h = 1e-5)
        => Sigmoid(sizes).FiniteDifference(p, x, y, k, h);
}

/// <summary>
/// A network of any sizes, per-layer activations and cost, computed the textbook way in double:
/// z^l = w^l a^(l−1) + b^l, a^l = f_l(z^l); δ^L from the cost, δ^l = ((w^(l+1))ᵀ δ^(l+1)) ⊙ f_l'(z^l),
/// ∂C/∂b^l = δ^l, ∂C/∂w^l_ij = δ^l_i a^(l−1)_j. Parameters in the contract's layout: per weight layer,
/// w^l row-major [n_l, n_(l−1)], then b^l.
/// </summary>
internal sealed class ReferenceNet
{
    private readonly int[] _offsets;

    /// <param name="sizes">n_1..n_L, input first.</param>
    /// <param name="activations">f_2..f_L: one per weight layer, the output's last.</param>
    /// <param name="cost">The cost C_x.</param>
    public ReferenceNet(int[] sizes, ActivationKind[] activations, CostKind cost)
    {
        if (sizes.Length < 2 || activations.Length != sizes.Length - 1)
        {
            throw new ArgumentException($"{sizes.Length} sizes need {sizes.Length - 1} activations, not {activations.Length}.");
        }
        Sizes = sizes;
        Activations = activations;
        CostKind = cost;
        _offsets = new int[sizes.Length];
        int offset = 0;
        for (int l = 1; l < sizes.Length; l++)
        {
            _offsets[l] = offset;
            offset += sizes[l - 1] * sizes[l] + sizes[l];
        }
        ParameterCount = offset;
    }

    /// <summary>The reference twin of a network type: its sizes, activations and cost.</summary>
    public static ReferenceNet Of<TNet>() where TNet : class, INetwork<TNet>
        => new(TNet.LayerSizes.ToArray(), TNet.Activations.ToArray(), TNet.Cost);

    public int[] Sizes { get; }

    public ActivationKind[] Activations { get; }

    public CostKind CostKind { get; }

    public int ParameterCount { get; }

    public ActivationKind OutputActivation => Activations[^1];

    /// <summary>The activation of layer <paramref name="l"/> (0-based index into the sizes, 1..L−1).</summary>
    private ActivationKind F(int l) => Activations[l - 1];

    /// <summary>Every layer's z and a; layer 1's a is the input (its z is unused).</summary>
    public (List<double[]> Z, List<double[]> A) Run(double[] p, double[] x)
    {
        if (p.Length != ParameterCount || x.Length != Sizes[0])
        {
            throw new ArgumentException("Parameters or input of the wrong length.");
        }
        var zs = new List<double[]> { Array.Empty<double>() };
        var activations = new List<double[]> { x };
        for (int l = 1; l < Sizes.Length; l++)
        {
            int inputs = Sizes[l - 1], outputs = Sizes[l], offset = _offsets[l];
            double[] a = activations[l - 1];
            var z = new double[outputs];
            for (int i = 0; i < outputs; i++)
            {
                double sum = p[offset + inputs * outputs + i];
                for (int j = 0; j < inputs; j++)
                {
                    sum += p[offset + i * inputs + j] * a[j];
                }
                z[i] = sum;
            }
            zs.Add(z);
            activations.Add(Apply(F(l), z));
        }
        return (zs, activations);
    }

    public double[] Forward(double[] p, double[] x) => Run(p, x).A[^1];

    /// <summary>f(z), neuron by neuron (softmax: over the whole layer, with the maximum subtracted).</summary>
    public static double[] Apply(ActivationKind f, double[] z)
    {
        var a = new double[z.Length];
        if (f == ActivationKind.Softmax)
        {
            double max = double.NegativeInfinity;
            foreach (double v in z)
            {
                max = Math.Max(max, v);
            }
            double sum = 0;
            for (int k = 0; k < z.Length; k++)
            {
                a[k] = Math.Exp(z[k] - max);
                sum += a[k];
            }
            for (int k = 0; k < z.Length; k++)
            {
                a[k] /= sum;
            }
            return a;
        }
        for (int k = 0; k < z.Length; k++)
        {
            a[k] = f switch
            {
                ActivationKind.Sigmoid => 1.0 / (1.0 + Math.Exp(-z[k])),
                ActivationKind.Tanh => Math.Tanh(z[k]),
                ActivationKind.ReLU => z[k] > 0 ? z[k] : 0.0,
                ActivationKind.LeakyReLU => z[k] > 0 ? z[k] : 0.01 * z[k],
                ActivationKind.Identity => z[k],
                _ => throw new ArgumentOutOfRangeException(nameof(f), f, "Not an activation."),
            };
        }
        return a;
    }

    /// <summary>f'(z) of an element-wise activation (the pinned conventions at 0: ReLU'(0) = 0, LeakyReLU'(0) = 0.01).</summary>
    public static double Derivative(ActivationKind f, double z) => f switch
    {
        ActivationKind.Sigmoid => Sigma(z) * (1 - Sigma(z)),
        ActivationKind.Tanh => 1 - Math.Tanh(z) * Math.Tanh(z),
        ActivationKind.ReLU => z > 0 ? 1.0 : 0.0,
        ActivationKind.LeakyReLU => z > 0 ? 1.0 : 0.01,
        ActivationKind.Identity => 1.0,
        _ => throw new ArgumentOutOfRangeException(nameof(f), f, "Not an element-wise activation."),
    };

    private static double Sigma(double z) => 1.0 / (1.0 + Math.Exp(-z));

    /// <summary>
    /// C_x, evaluated from z^L so that it stays exact however large z is: cross-entropy through softplus,
    /// log-likelihood through log-sum-exp.
    /// </summary>
    public double Cost(double[] p, double[] x, double[] y)
    {
        (List<double[]> zs, List<double[]> activations) = Run(p, x);
        return CostOf(zs[^1], activations[^1], y);
    }

    /// <summary>C_x of the output layer's z and a against <paramref name="y"/>.</summary>
    public double CostOf(double[] z, double[] a, double[] y)
    {
        double cost = 0;
        switch (CostKind)
        {
            case CostKind.CrossEntropy:
                if (OutputActivation != ActivationKind.Sigmoid)
                {
                    throw new InvalidOperationException("Cross-entropy needs a sigmoid output.");
                }
                for (int k = 0; k < z.Length; k++)
                {
                    // −y ln σ(z) − (1 − y) ln σ(−z), with −ln σ(z) = ln(1 + e^−z).
                    cost += y[k] * Softplus(-z[k]) + (1 - y[k]) * Softplus(z[k]);
                }
                return cost;

            case CostKind.LogLikelihood:
                if (OutputActivation != ActivationKind.Softmax)
                {
                    throw new InvalidOperationException("The log-likelihood needs a softmax output.");
                }
                // −Σ y_k ln a_k with ln a_k = z_k − LSE(z), LSE(z) = m + ln Σ_j e^(z_j − m).
                double max = double.NegativeInfinity;
                foreach (double v in z)
                {
                    max = Math.Max(max, v);
                }
                double sum = 0;
                foreach (double v in z)
                {
                    sum += Math.Exp(v - max);
                }
                double lse = max + Math.Log(sum);
                for (int k = 0; k < z.Length; k++)
                {
                    cost += y[k] * (lse - z[k]);
                }
                return cost;

            case CostKind.Quadratic:
                for (int k = 0; k < a.Length; k++)
                {
                    cost += 0.5 * (a[k] - y[k]) * (a[k] - y[k]);
                }
                return cost;

            default:
                throw new InvalidOperationException($"Not a cost: {CostKind}.");
        }
    }

    private static double Softplus(double v) => v > 0 ? v + Math.Log(1 + Math.Exp(-v)) : Math.Log(1 + Math.Exp(v));

    /// <summary>δ^L = ∂C_x/∂z^L.</summary>
    public double[] OutputError(double[] z, double[] a, double[] y)
    {
        int n = a.Length;
        var delta = new double[n];
        switch (CostKind)
        {
            case CostKind.CrossEntropy:
                for (int k = 0; k < n; k++)
                {
                    delta[k] = a[k] - y[k];
                }
                break;

            case CostKind.LogLikelihood:
                double total = 0;
                foreach (double v in y)
                {
                    total += v;
                }
                for (int k = 0; k < n; k++)
                {
                    delta[k] = total * a[k] - y[k];
                }
                break;

            case CostKind.Quadratic when OutputActivation == ActivationKind.Softmax:
                // The softmax's Jacobian ∂a_j/∂z_k = a_j (δ_jk − a_k): δ_k = a_k ((a − y)_k − Σ_j (a − y)_j a_j).
                double dot = 0;
                for (int j = 0; j < n; j++)
                {
                    dot += (a[j] - y[j]) * a[j];
                }
                for (int k = 0; k < n; k++)
                {
                    delta[k] = a[k] * ((a[k] - y[k]) - dot);
                }
                break;

            case CostKind.Quadratic:
                for (int k = 0; k < n; k++)
                {
                    delta[k] = (a[k] - y[k]) * Derivative(OutputActivation, z[k]);
                }
                break;

            default:
                throw new InvalidOperationException($"Not a cost: {CostKind}.");
        }
        return delta;
    }

    /// <summary>∂C_x/∂θ by textbook backpropagation, in the parameter layout of the contract.</summary>
    public double[] Gradient(double[] p, double[] x, double[] y)
    {
        var gradient = new double[p.Length];
        AddGradient(p, x, y, gradient);
        return gradient;
    }

    /// <summary>Adds ∂C_x/∂θ into <paramref name="gradient"/> (a sum over samples without a gradient array for each).</summary>
    public void AddGradient(double[] p, double[] x, double[] y, double[] gradient)
    {
        if (gradient.Length != ParameterCount)
        {
            throw new ArgumentException("Gradient of the wrong length.", nameof(gradient));
        }
        (List<double[]> z, List<double[]> a) = Run(p, x);
        int layers = Sizes.Length;
        double[] delta = OutputError(z[layers - 1], a[layers - 1], y);

        for (int l = layers - 1; l >= 1; l--)
        {
            int inputs = Sizes[l - 1], outputs = Sizes[l], offset = _offsets[l];
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
                ActivationKind f = F(l - 1);
                var previous = new double[inputs];
                for (int j = 0; j < inputs; j++)
                {
                    double sum = 0;
                    for (int i = 0; i < outputs; i++)
                    {
                        sum += p[offset + i * inputs + j] * delta[i];
                    }
                    previous[j] = sum * Derivative(f, z[l - 1][j]);
                }
                delta = previous;
            }
        }
    }

    /// <summary>(C(θ + h e_k) − C(θ − h e_k)) / 2h, in double.</summary>
    public double FiniteDifference(double[] p, double[] x, double[] y, int k, double h = 1e-5)
    {
        double saved = p[k];
        p[k] = saved + h;
        double plus = Cost(p, x, y);
        p[k] = saved - h;
        double minus = Cost(p, x, y);
        p[k] = saved;
        return (plus - minus) / (2 * h);
    }

    /// <summary>
    /// The central difference, when it means anything: false when moving θ_k by ±h moves some ReLU or
    /// LeakyReLU neuron across its kink at z = 0 (the cost is not differentiable there, and the difference
    /// averages two slopes).
    /// </summary>
    public bool TryFiniteDifference(double[] p, double[] x, double[] y, int k, out double derivative, double h = 1e-5)
    {
        double saved = p[k];
        p[k] = saved + h;
        (List<double[]> plusZ, List<double[]> plusA) = Run(p, x);
        p[k] = saved - h;
        (List<double[]> minusZ, List<double[]> minusA) = Run(p, x);
        p[k] = saved;
        derivative = (CostOf(plusZ[^1], plusA[^1], y) - CostOf(minusZ[^1], minusA[^1], y)) / (2 * h);

        List<double[]> z = Run(p, x).Z;
        for (int l = 1; l < Sizes.Length; l++)
        {
            if (F(l) is not (ActivationKind.ReLU or ActivationKind.LeakyReLU))
            {
                continue;
            }
            for (int i = 0; i < Sizes[l]; i++)
            {
                bool side = z[l][i] > 0;
                if ((plusZ[l][i] > 0) != side || (minusZ[l][i] > 0) != side)
                {
                    return false;
                }
            }
        }
        return true;
    }
}
