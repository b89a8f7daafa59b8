using System;

namespace Backprop;

/// <summary>
/// The seeded parameter initialisation every generated network uses: each weight layer's scheme is
/// chosen by its activation function.
/// </summary>
/// <remarks>
/// <para>
/// For each weight layer l = 2..L in parameter order, with fan-in n = n_(l−1) (the size of the layer
/// before), the weights w^l_ij are standard normal deviates scaled by the layer's activation, then the
/// biases b^l_i are set:
/// </para>
/// <list type="bullet">
/// <item><description><see cref="ActivationKind.Sigmoid"/>: weights N(0, 1)/√n, then biases N(0, 1): the
/// scheme of the reference implementation (Nielsen's <c>network2.py</c>, <c>default_weight_initializer</c>),
/// and exactly <see cref="InitializeGaussian"/> for a network of sigmoid layers only.</description></item>
/// <item><description><see cref="ActivationKind.ReLU"/> and <see cref="ActivationKind.LeakyReLU"/>: He
/// initialisation, weights N(0, 1)·√(2/n) (half the units are off, so twice the variance keeps the
/// activations' scale from layer to layer), biases 0.</description></item>
/// <item><description><see cref="ActivationKind.Tanh"/>, <see cref="ActivationKind.Identity"/> and
/// <see cref="ActivationKind.Softmax"/>: LeCun normal initialisation, weights N(0, 1)/√n, biases 0.</description></item>
/// </list>
/// <para>
/// The deviates come from one <see cref="DeterministicRandom"/> seeded with the seed, drawn in parameter
/// order (a zero bias draws nothing), computed in double precision and rounded to float. The result is
/// defined bit for bit: the same seed gives the same parameters on every run and machine.
/// </para>
/// </remarks>
public static class ParameterInitializer
{
    /// <summary>
    /// Fills <paramref name="parameters"/> for a network of the given layer sizes and sigmoid layers
    /// only: every weight N(0, 1)/√n_(l−1), every bias N(0, 1).
    /// </summary>
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
        var sigmoid = new ActivationKind[layerSizes.Length - 1];
        Array.Fill(sigmoid, ActivationKind.Sigmoid);
        Draw(parameters, NetworkArchitecture.DenseLayout(layerSizes.ToArray(), sigmoid), seed);
    }

    /// <summary>
    /// Fills <paramref name="parameters"/> for a network of the given layer sizes, each weight layer by
    /// the scheme of its activation (see <see cref="ParameterInitializer"/>).
    /// </summary>
    /// <param name="parameters">The network's parameters, in the order of the contract.</param>
    /// <param name="layerSizes">n_1..n_L, the input layer first.</param>
    /// <param name="activations">The activation of each weight layer 2..L: one fewer than the layer sizes.</param>
    /// <param name="seed">The seed of the one random stream.</param>
    /// <exception cref="ArgumentException">
    /// The layer sizes are invalid, the span's length does not match them, or there is not one activation
    /// per weight layer.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">An activation is not a defined <see cref="ActivationKind"/>.</exception>
    public static void Initialize(Span<float> parameters, ReadOnlySpan<int> layerSizes, ReadOnlySpan<ActivationKind> activations, int seed)
    {
        long expected = CountParameters(layerSizes);
        if (activations.Length != layerSizes.Length - 1)
        {
            throw new ArgumentException(
                $"activations must have exactly {layerSizes.Length - 1} elements (one per weight layer) but has {activations.Length}.",
                nameof(activations));
        }
        if (parameters.Length != expected)
        {
            throw new ArgumentException(
                $"parameters must have exactly {expected} elements for layer sizes [{string.Join(", ", layerSizes.ToArray())}] but has {parameters.Length}.",
                nameof(parameters));
        }
        // Every scheme is checked before anything is written.
        foreach (ActivationKind activation in activations)
        {
            _ = SchemeOf(activation);
        }
        Draw(parameters, NetworkArchitecture.DenseLayout(layerSizes.ToArray(), activations.ToArray()), seed);
    }

    /// <summary>
    /// Fills <paramref name="parameters"/> for <paramref name="architecture"/>, each layer by the scheme of its activation
    /// (see <see cref="ParameterInitializer"/>), its fan-in the number of inputs that feed one of its outputs.
    /// </summary>
    /// <exception cref="ArgumentException">The span's length is not the architecture's parameter count.</exception>
    public static void Initialize(Span<float> parameters, NetworkArchitecture architecture, int seed)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (parameters.Length != architecture.ParameterCount)
        {
            throw new ArgumentException(
                $"parameters must have exactly {architecture.ParameterCount} elements for a {architecture.Shape} network but has {parameters.Length}.",
                nameof(parameters));
        }
        Draw(parameters, architecture, seed);
    }

    /// <summary>
    /// Draws every layer from one stream seeded with <paramref name="seed"/>, by its activation's scheme, weights then
    /// biases, in parameter order. The arguments are already checked.
    /// </summary>
    private static void Draw(Span<float> parameters, NetworkArchitecture architecture, int seed)
    {
        var random = new DeterministicRandom(seed);
        ParameterLayout layout = architecture.Parameters;
        for (int i = 0; i < architecture.Layers.Count; i++)
        {
            LayerInfo layer = architecture.Layers[i];
            if (layer.ParameterCount == 0)
            {
                continue;
            }
            Scheme scheme = SchemeOf(layer.Activation);
            double fanIn = FanIn(layer);
            double scale = scheme == Scheme.He ? Math.Sqrt(2.0 / fanIn) : 1.0 / Math.Sqrt(fanIn);
            Span<float> weights = parameters.Slice(layout.WeightOffset(i + 2), layer.WeightCount);
            for (int k = 0; k < weights.Length; k++)
            {
                weights[k] = (float)(random.NextGaussian() * scale);
            }

            Span<float> biases = parameters.Slice(layout.BiasOffset(i + 2), layer.BiasCount);
            if (scheme == Scheme.Gaussian)
            {
                for (int k = 0; k < biases.Length; k++)
                {
                    biases[k] = (float)random.NextGaussian();
                }
            }
            else
            {
                biases.Clear();
            }
        }
    }

    /// <summary>
    /// The inputs that feed one output of <paramref name="layer"/>: for a dense layer, all of them; for a convolution, one
    /// kernel's worth (channels · kernelHeight · kernelWidth, as PyTorch counts a Conv2d's fan-in).
    /// </summary>
    private static int FanIn(LayerInfo layer) => layer.Kind switch
    {
        LayerKind.Dense => layer.Input.Size,
        LayerKind.Conv2D or LayerKind.Conv1D => layer.Input.Channels * layer.KernelHeight * layer.KernelWidth,
        _ => throw new ArgumentOutOfRangeException(nameof(layer), layer.Kind, $"No initialisation is defined for {layer.Kind} layers."),
    };

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

    /// <summary>How a weight layer is initialised.</summary>
    private enum Scheme
    {
        /// <summary>Weights N(0, 1)/√n, biases N(0, 1) (the reference implementation's, for sigmoid layers).</summary>
        Gaussian,

        /// <summary>Weights N(0, 1)·√(2/n), biases 0.</summary>
        He,

        /// <summary>Weights N(0, 1)/√n, biases 0.</summary>
        LeCun,
    }

    private static Scheme SchemeOf(ActivationKind activation) => activation switch
    {
        ActivationKind.Sigmoid => Scheme.Gaussian,
        ActivationKind.ReLU or ActivationKind.LeakyReLU => Scheme.He,
        ActivationKind.Tanh or ActivationKind.Identity or ActivationKind.Softmax => Scheme.LeCun,
        _ => throw new ArgumentOutOfRangeException(
            "activations", activation, $"{(int)activation} is not an {nameof(ActivationKind)}."),
    };
}
