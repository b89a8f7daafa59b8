using System;
using System.Collections.Generic;

namespace Backprop.Generated.Tests;

/// <summary>
/// A naive double-precision twin of a network declared layer by layer, straight from the definitions: a dense layer's
/// z = w a + b, a convolution's z[o, y, x] = b[o] + Σ_c Σ_ky Σ_kx w[o, c, ky, kx] a[c, y·S + ky − P, x·S + kx − P] (zero outside
/// the input), a pool's max or mean over each window. It reads the layer list (shapes, kernels, strides, the parameter
/// offsets) from the network's <see cref="NetworkArchitecture"/> and shares no code with the generated kernels; its
/// gradient is the central finite difference of its cost, in double.
/// </summary>
internal sealed class LayerReference
{
    private readonly NetworkArchitecture _architecture;
    private readonly ReferenceNet _cost;

    public LayerReference(NetworkArchitecture architecture)
    {
        _architecture = architecture;
        _cost = new ReferenceNet(new[] { 1, architecture.OutputSize }, new[] { architecture.OutputActivation }, architecture.Cost);
    }

    public static LayerReference Of<TNet>() where TNet : class, INetwork<TNet> => new(TNet.Architecture);

    /// <summary>
    /// Every layer's z and a, the input first (its z is the input too), and the pattern of every choice the forward pass
    /// made (the side of each ReLU's kink, each window's arg-max): a finite difference whose two steps change it is
    /// no derivative.
    /// </summary>
    public (List<double[]> Z, List<double[]> A, List<int> Pattern) Run(double[] p, double[] x) => Run(p, x, training: false);

    /// <summary>
    /// As <see cref="Run(double[], double[])"/>; <paramref name="training"/> applies dropout as a training step of
    /// <paramref name="key"/> does to the sample of data-set row <paramref name="row"/> (which values are kept is the
    /// runtime's <see cref="Kernels.DropoutKeeps"/>: this twin checks what the kernels do with the mask, not the hash).
    /// </summary>
    public (List<double[]> Z, List<double[]> A, List<int> Pattern) Run(double[] p, double[] x, bool training, ulong key = 0, int row = 0)
    {
        var zs = new List<double[]> { x };
        var activations = new List<double[]> { x };
        var pattern = new List<int>();
        double[] a = x;
        for (int i = 0; i < _architecture.Layers.Count; i++)
        {
            LayerInfo layer = _architecture.Layers[i];
            int w = _architecture.Parameters.WeightOffset(i + 2), b = _architecture.Parameters.BiasOffset(i + 2);
            double[] z = layer.Kind switch
            {
                LayerKind.Dense => Dense(layer, p, w, b, a),
                LayerKind.Conv2D or LayerKind.Conv1D => Convolve(layer, p, w, b, a),
                LayerKind.MaxPool2D or LayerKind.MaxPool1D => Pool(layer, a, max: true, pattern),
                LayerKind.AvgPool2D or LayerKind.AvgPool1D => Pool(layer, a, max: false, pattern),
                LayerKind.Dropout => training ? Drop(layer, a, key, i + 2, row) : (double[])a.Clone(),
                _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Kind, null),
            };
            if (layer.Activation is ActivationKind.ReLU or ActivationKind.LeakyReLU)
            {
                foreach (double value in z)
                {
                    pattern.Add(value > 0 ? 1 : 0);
                }
            }
            a = ReferenceNet.Apply(layer.Activation, z);
            zs.Add(z);
            activations.Add(a);
        }
        return (zs, activations, pattern);
    }

    public double[] Forward(double[] p, double[] x) => Run(p, x).A[^1];

    /// <summary>C_x as a training step computes it (dropout of key 0 on row 0, what <c>Backprop</c> applies).</summary>
    public double Cost(double[] p, double[] x, double[] y)
    {
        (List<double[]> z, List<double[]> a, _) = Run(p, x, training: true);
        return _cost.CostOf(z[^1], a[^1], y);
    }

    /// <summary>(C(θ + h e_k) − C(θ − h e_k)) / 2h; false when the two steps make different choices (a kink between them).</summary>
    public bool TryFiniteDifference(double[] p, double[] x, double[] y, int k, out double derivative, double h = 1e-5)
    {
        double saved = p[k];
        List<int> center = Run(p, x, training: true).Pattern;
        p[k] = saved + h;
        (List<double[]> plusZ, List<double[]> plusA, List<int> plus) = Run(p, x, training: true);
        p[k] = saved - h;
        (List<double[]> minusZ, List<double[]> minusA, List<int> minus) = Run(p, x, training: true);
        p[k] = saved;
        derivative = (_cost.CostOf(plusZ[^1], plusA[^1], y) - _cost.CostOf(minusZ[^1], minusA[^1], y)) / (2 * h);
        for (int i = 0; i < center.Count; i++)
        {
            if (plus[i] != center[i] || minus[i] != center[i])
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Inverted dropout: each kept value scaled by 1 / (1 − p), the others zero.</summary>
    private static double[] Drop(LayerInfo layer, double[] a, ulong key, int number, int row)
    {
        uint threshold = Kernels.DropoutThreshold(layer.Rate);
        var z = new double[a.Length];
        for (int k = 0; k < a.Length; k++)
        {
            z[k] = Kernels.DropoutKeeps(key, number, row, k, threshold) ? a[k] * (float)(1 / (1 - layer.Rate)) : 0;
        }
        return z;
    }

    private static double[] Dense(LayerInfo layer, double[] p, int w, int b, double[] a)
    {
        int inputs = layer.Input.Size, outputs = layer.Output.Size;
        var z = new double[outputs];
        for (int i = 0; i < outputs; i++)
        {
            double sum = p[b + i];
            for (int j = 0; j < inputs; j++)
            {
                sum += p[w + i * inputs + j] * a[j];
            }
            z[i] = sum;
        }
        return z;
    }

    private static double[] Convolve(LayerInfo layer, double[] p, int w, int b, double[] a)
    {
        int channels = layer.Input.Channels, height = layer.Input.Height, width = layer.Input.Width;
        int filters = layer.Output.Channels, outHeight = layer.Output.Height, outWidth = layer.Output.Width;
        int kh = layer.KernelHeight, kw = layer.KernelWidth, stride = layer.Stride;
        int padY = layer.Kind == LayerKind.Conv1D ? 0 : layer.Padding, padX = layer.Padding;
        var z = new double[filters * outHeight * outWidth];
        for (int o = 0; o < filters; o++)
        {
            for (int y = 0; y < outHeight; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    double sum = p[b + o];
                    for (int c = 0; c < channels; c++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            for (int kx = 0; kx < kw; kx++)
                            {
                                int iy = y * stride + ky - padY, ix = x * stride + kx - padX;
                                if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                                {
                                    sum += p[w + ((o * channels + c) * kh + ky) * kw + kx] * a[(c * height + iy) * width + ix];
                                }
                            }
                        }
                    }
                    z[(o * outHeight + y) * outWidth + x] = sum;
                }
            }
        }
        return z;
    }

    private static double[] Pool(LayerInfo layer, double[] a, bool max, List<int> pattern)
    {
        int channels = layer.Input.Channels, height = layer.Input.Height, width = layer.Input.Width;
        int outHeight = layer.Output.Height, outWidth = layer.Output.Width, kh = layer.KernelHeight, kw = layer.KernelWidth, stride = layer.Stride;
        var z = new double[channels * outHeight * outWidth];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < outHeight; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    double best = double.NegativeInfinity, sum = 0;
                    int at = -1;
                    for (int i = 0; i < kh; i++)
                    {
                        for (int j = 0; j < kw; j++)
                        {
                            double value = a[(c * height + y * stride + i) * width + x * stride + j];
                            sum += value;
                            if (value > best)
                            {
                                best = value;
                                at = i * kw + j;
                            }
                        }
                    }
                    if (max)
                    {
                        pattern.Add(at);
                    }
                    z[(c * outHeight + y) * outWidth + x] = max ? best : sum / (kh * kw);
                }
            }
        }
        return z;
    }
}
