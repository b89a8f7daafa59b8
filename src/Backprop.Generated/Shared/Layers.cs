// Shared source: compiled into the runtime and linked into the generator (see ActivationsAndCosts.cs). The layer model: a network
// is an input shape and an ordered list of layers; everything that needs a layer's shape or its parameters' place
// (the generated kernels, the initializer, the trainer, the model file, ONNX) reads it from here.
using System;
using System.Globalization;

#if BACKPROP_GENERATOR
namespace Backprop.Generated.Generator.Shared;
#else
namespace Backprop;
#endif

/// <summary>
/// What a layer computes. The numeric values are stable identifiers (model files store them) and are never renumbered;
/// a new kind of layer is a new value here, a new case in <see cref="LayerInfo"/>'s factories and a new emitter in the
/// generator (see docs/architecture.md).
/// </summary>
public enum LayerKind
{
    /// <summary>A fully connected layer: z = w a + b with w of [outputs, inputs], then the activation.</summary>
    Dense = 1,
}

/// <summary>
/// The shape of the values a layer takes or gives: a vector of n values (rank 1), a signal of channels × length
/// (rank 2), or an image of channels × height × width (rank 3). Values are stored flattened in that order (C, H, W, as
/// PyTorch stores a tensor), so a vector is just its n values.
/// </summary>
public readonly record struct TensorShape
{
    private TensorShape(int rank, int channels, int height, int width)
    {
        Rank = rank;
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>A vector of <paramref name="size"/> values.</summary>
    public static TensorShape Vector(int size) => new(1, 1, 1, size);

    /// <summary>The number of axes: 1 (a vector), 2 (channels × length) or 3 (channels × height × width).</summary>
    public int Rank { get; }

    /// <summary>The channels (1 for a vector).</summary>
    public int Channels { get; }

    /// <summary>The rows of an image (1 for a vector or a signal).</summary>
    public int Height { get; }

    /// <summary>The columns of an image, the length of a signal, the size of a vector.</summary>
    public int Width { get; }

    /// <summary>The number of values: channels · height · width.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>"784", "2×100" or "6×28×28".</summary>
    public override string ToString() => Rank switch
    {
        1 => Width.ToString(CultureInfo.InvariantCulture),
        2 => string.Format(CultureInfo.InvariantCulture, "{0}×{1}", Channels, Width),
        _ => string.Format(CultureInfo.InvariantCulture, "{0}×{1}×{2}", Channels, Height, Width),
    };
}

/// <summary>
/// One layer of a network: its kind, the shapes it takes and gives, its activation and how many parameters it has.
/// <see cref="NetworkArchitecture"/> lists them in order and places their parameters (<see cref="ParameterLayout"/>).
/// </summary>
public sealed record LayerInfo
{
    private LayerInfo(LayerKind kind, TensorShape input, TensorShape output, ActivationKind activation, int weightCount, int biasCount)
    {
        Kind = kind;
        Input = input;
        Output = output;
        Activation = activation;
        WeightCount = weightCount;
        BiasCount = biasCount;
    }

    /// <summary>
    /// A dense layer of <paramref name="units"/> neurons over an input of <paramref name="inputs"/> values (a spatial input
    /// is flattened in C, H, W order): weights [units, inputs] row-major, then units biases.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size below 1.</exception>
    public static LayerInfo Dense(int inputs, int units, ActivationKind activation)
    {
        if (inputs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(inputs), inputs, "A dense layer has at least one input.");
        }
        if (units < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, "A dense layer has at least one neuron.");
        }
        long weights = (long)inputs * units;
        if (weights > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(units), units, "The layer has more weights than an array holds.");
        }
        return new LayerInfo(LayerKind.Dense, TensorShape.Vector(inputs), TensorShape.Vector(units), activation, (int)weights, units);
    }

    /// <summary>What the layer computes.</summary>
    public LayerKind Kind { get; }

    /// <summary>The shape of the values the layer takes.</summary>
    public TensorShape Input { get; }

    /// <summary>The shape of the values the layer gives.</summary>
    public TensorShape Output { get; }

    /// <summary>The activation applied to the layer's output.</summary>
    public ActivationKind Activation { get; }

    /// <summary>The number of weights: for a dense layer, outputs · inputs.</summary>
    public int WeightCount { get; }

    /// <summary>The number of biases: for a dense layer, one per output.</summary>
    public int BiasCount { get; }

    /// <summary>Weights and biases together.</summary>
    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>E.g. "Dense 784 → 30, Sigmoid".</summary>
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1} → {2}, {3}", Kind, Input, Output, Activation);
}
