using System;
using System.Collections.Generic;
using System.IO;

namespace Backprop.Onnx.Tests;

/// <summary>A generated network type, reached without generics so that theories can name it.</summary>
internal abstract class NetworkCase
{
    public abstract int InputSize { get; }

    public abstract int OutputSize { get; }

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
    };
}

/// <summary>The case of the network type <typeparamref name="TNet"/>.</summary>
internal sealed class NetworkCase<TNet> : NetworkCase where TNet : class, INetwork<TNet>
{
    public override int InputSize => TNet.InputSize;

    public override int OutputSize => TNet.OutputSize;

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

/// <summary>A double-precision forward pass of a <see cref="ModelData"/>, straight from the math.</summary>
internal static class Reference
{
    public static float[] Forward(ModelData model, float[] inputs, int rows)
    {
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
                ReadOnlySpan<float> w = model.Weights(l);
                ReadOnlySpan<float> b = model.Biases(l);
                int n = model.LayerSizes[l - 1];
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
                a = Activate(model.Activations[l - 2], z);
            }
            for (int k = 0; k < nL; k++)
            {
                outputs[r * nL + k] = (float)a[k];
            }
        }
        return outputs;
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
