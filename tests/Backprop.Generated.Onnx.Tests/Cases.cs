using System;
using System.Collections.Generic;
using System.IO;

namespace Backprop.Onnx.Tests;

/// <summary>A generated network type, reached without generics so that theories can name it.</summary>
internal abstract class NetworkCase
{
    public abstract int InputSize { get; }

    public abstract int OutputSize { get; }

    /// <summary>The input's dimensions after the batch: [n], [C, L] or [C, H, W].</summary>
    public abstract long[] InputShape { get; }

    /// <summary>The model of a network created from <paramref name="seed"/>.</summary>
    public abstract ModelData Create(int seed);

    /// <summary>The network's own forward pass of <paramref name="rows"/> inputs, one <c>Forward</c> call per row.</summary>
    public abstract float[] Forward(ModelData model, float[] inputs, int rows);

    /// <summary>The network type of every name the theories use.</summary>
    public static readonly IReadOnlyDictionary<string, NetworkCase> All = new Dictionary<string, NetworkCase>
    {
        [nameof(SigmoidNet)] = new NetworkCase<SigmoidNet>(),
        [nameof(TanhNet)] = new NetworkCase<TanhNet>(),
        [nameof(ReluNet)] = new NetworkCase<ReluNet>(),
        [nameof(LeakyReluNet)] = new NetworkCase<LeakyReluNet>(),
        [nameof(IdentityNet)] = new NetworkCase<IdentityNet>(),
        [nameof(SoftmaxNet)] = new NetworkCase<SoftmaxNet>(),
        [nameof(QuadraticSigmoidNet)] = new NetworkCase<QuadraticSigmoidNet>(),
        [nameof(MixedNet)] = new NetworkCase<MixedNet>(),
        [nameof(DeepMixedNet)] = new NetworkCase<DeepMixedNet>(),
        [nameof(TwoLayerNet)] = new NetworkCase<TwoLayerNet>(),
        [nameof(WideNet)] = new NetworkCase<WideNet>(),
        [nameof(FlattenReluLeakySoftmax)] = new NetworkCase<FlattenReluLeakySoftmax>(),
        [nameof(TanhSigmoid)] = new NetworkCase<TanhSigmoid>(),
        [nameof(MatMulAdd)] = new NetworkCase<MatMulAdd>(),
        [nameof(ReshapeIdentity)] = new NetworkCase<ReshapeIdentity>(),
        [nameof(ReluIdentity)] = new NetworkCase<ReluIdentity>(),
        [nameof(NoBiasLinearLinear)] = new NetworkCase<NoBiasLinearLinear>(),
        [nameof(SharedParameters)] = new NetworkCase<SharedParameters>(),
        [nameof(ViewBatch1)] = new NetworkCase<ViewBatch1>(),
        [nameof(ConvPoolSoftmaxNet)] = new NetworkCase<ConvPoolSoftmaxNet>(),
        [nameof(StridedConvStackNet)] = new NetworkCase<StridedConvStackNet>(),
        [nameof(Signal1DNet)] = new NetworkCase<Signal1DNet>(),
        [nameof(PoolFirstConvOutputNet)] = new NetworkCase<PoolFirstConvOutputNet>(),
        [nameof(ConvTanhOutputNet)] = new NetworkCase<ConvTanhOutputNet>(),
        [nameof(MaxPoolOutputNet)] = new NetworkCase<MaxPoolOutputNet>(),
        [nameof(LeNet5Net)] = new NetworkCase<LeNet5Net>(),
        [nameof(LeNetLike)] = new NetworkCase<LeNetLike>(),
        [nameof(BatchNormDropout)] = new NetworkCase<BatchNormDropout>(),
        [nameof(Conv1DAvgPool)] = new NetworkCase<Conv1DAvgPool>(),
        [nameof(StridedPadded)] = new NetworkCase<StridedPadded>(),
        [nameof(SingleConv)] = new NetworkCase<SingleConv>(),
    };
}

/// <summary>The case of the network type <typeparamref name="TNet"/>.</summary>
internal sealed class NetworkCase<TNet> : NetworkCase where TNet : class, INetwork<TNet>
{
    public override int InputSize => TNet.InputSize;

    public override int OutputSize => TNet.OutputSize;

    public override long[] InputShape => [.. TNet.Architecture.Input.Dimensions];

    public override ModelData Create(int seed) => ModelData.From(TNet.Create(seed));

    /// <summary>Loads <paramref name="model"/> into a <typeparamref name="TNet"/> through a saved .bpnet file, then runs it.</summary>
    public override float[] Forward(ModelData model, float[] inputs, int rows)
    {
        using var file = new MemoryStream();
        NetworkSerializer.Save(model, file);
        file.Position = 0;
        TNet network = NetworkSerializer.Load<TNet>(file, "imported model");
        float[] outputs = new float[rows * TNet.OutputSize];
        for (int r = 0; r < rows; r++)
        {
            network.Forward(inputs.AsSpan(r * TNet.InputSize, TNet.InputSize), outputs.AsSpan(r * TNet.OutputSize, TNet.OutputSize));
        }
        return outputs;
    }
}

/// <summary>
/// A double-precision forward pass of a <see cref="ModelData"/>, straight from the definitions: a dense layer's
/// z = w a + b, a convolution's z[o, y, x] = b[o] + Σ_c Σ_ky Σ_kx w[o, c, ky, kx] a[c, y·S + ky − P, x·S + kx − P] (zero
/// outside the input; a 1-D convolution pads along its length only), a pool's max or mean over each window.
/// </summary>
internal static class Reference
{
    public static float[] Forward(ModelData model, float[] inputs, int rows)
    {
        NetworkArchitecture architecture = model.Architecture;
        int n1 = model.InputSize;
        int nL = model.OutputSize;
        float[] outputs = new float[rows * nL];
        for (int r = 0; r < rows; r++)
        {
            double[] a = new double[n1];
            for (int j = 0; j < n1; j++)
            {
                a[j] = inputs[r * n1 + j];
            }
            for (int l = 2; l <= model.LayerSizes.Count; l++)
            {
                LayerInfo layer = architecture.Layers[l - 2];
                ReadOnlySpan<float> w = model.Weights(l);
                ReadOnlySpan<float> b = model.Biases(l);
                double[] z = layer.Kind switch
                {
                    LayerKind.Dense => Dense(layer, w, b, a),
                    LayerKind.Conv2D or LayerKind.Conv1D => Convolve(layer, w, b, a),
                    _ => Pool(layer, a),
                };
                a = Activate(layer.Activation, z);
            }
            for (int k = 0; k < nL; k++)
            {
                outputs[r * nL + k] = (float)a[k];
            }
        }
        return outputs;
    }

    private static double[] Dense(LayerInfo layer, ReadOnlySpan<float> w, ReadOnlySpan<float> b, double[] a)
    {
        int n = layer.Output.Size;
        double[] z = new double[n];
        for (int i = 0; i < n; i++)
        {
            double sum = b[i];
            for (int j = 0; j < a.Length; j++)
            {
                sum += (double)w[i * a.Length + j] * a[j];
            }
            z[i] = sum;
        }
        return z;
    }

    private static double[] Convolve(LayerInfo layer, ReadOnlySpan<float> w, ReadOnlySpan<float> b, double[] a)
    {
        int channels = layer.Input.Channels, height = layer.Input.Height, width = layer.Input.Width;
        int filters = layer.Output.Channels, outHeight = layer.Output.Height, outWidth = layer.Output.Width;
        int kh = layer.KernelHeight, kw = layer.KernelWidth, stride = layer.Stride;
        int padY = layer.Kind == LayerKind.Conv1D ? 0 : layer.Padding, padX = layer.Padding;
        double[] z = new double[filters * outHeight * outWidth];
        for (int o = 0; o < filters; o++)
        {
            for (int y = 0; y < outHeight; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    double sum = b[o];
                    for (int c = 0; c < channels; c++)
                    {
                        for (int ky = 0; ky < kh; ky++)
                        {
                            for (int kx = 0; kx < kw; kx++)
                            {
                                int iy = y * stride + ky - padY, ix = x * stride + kx - padX;
                                if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                                {
                                    sum += (double)w[((o * channels + c) * kh + ky) * kw + kx] * a[(c * height + iy) * width + ix];
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

    private static double[] Pool(LayerInfo layer, double[] a)
    {
        bool max = layer.Kind is LayerKind.MaxPool2D or LayerKind.MaxPool1D;
        int channels = layer.Input.Channels, height = layer.Input.Height, width = layer.Input.Width;
        int outHeight = layer.Output.Height, outWidth = layer.Output.Width, kh = layer.KernelHeight, kw = layer.KernelWidth, stride = layer.Stride;
        double[] z = new double[channels * outHeight * outWidth];
        for (int c = 0; c < channels; c++)
        {
            for (int y = 0; y < outHeight; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    double best = double.NegativeInfinity, sum = 0;
                    for (int i = 0; i < kh; i++)
                    {
                        for (int j = 0; j < kw; j++)
                        {
                            double value = a[(c * height + y * stride + i) * width + x * stride + j];
                            sum += value;
                            best = Math.Max(best, value);
                        }
                    }
                    z[(c * outHeight + y) * outWidth + x] = max ? best : sum / (kh * kw);
                }
            }
        }
        return z;
    }

    private static double[] Activate(ActivationKind kind, double[] z)
    {
        double[] a = new double[z.Length];
        double max = double.NegativeInfinity;
        foreach (double value in z)
        {
            max = Math.Max(max, value);
        }
        double total = 0;
        for (int i = 0; i < z.Length; i++)
        {
            a[i] = kind switch
            {
                ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-z[i])),
                ActivationKind.Tanh => Math.Tanh(z[i]),
                ActivationKind.ReLU => Math.Max(0, z[i]),
                ActivationKind.LeakyReLU => z[i] > 0 ? z[i] : 0.01 * z[i],
                ActivationKind.Identity => z[i],
                ActivationKind.Softmax => Math.Exp(z[i] - max),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
            total += a[i];
        }
        if (kind == ActivationKind.Softmax)
        {
            for (int i = 0; i < a.Length; i++)
            {
                a[i] /= total;
            }
        }
        return a;
    }
}
