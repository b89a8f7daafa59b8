// Shared source: compiled into the runtime and linked into the generator (see ActivationsAndCosts.cs). The layer model: a network
// is an input shape and an ordered list of layers; everything that needs a layer's shape or its parameters' place
// (the generated kernels, the initializer, the trainer, the model file, ONNX) reads it from here.
using System;
using System.Collections.Generic;
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

    /// <summary>
    /// A 2-D convolution of an image: z[o, y, x] = b[o] + Σ_c Σ_ky Σ_kx w[o, c, ky, kx] a[c, y·S + ky − P, x·S + kx − P],
    /// zero outside the image; w of [filters, channels, kernelHeight, kernelWidth].
    /// </summary>
    Conv2D = 2,

    /// <summary>A 1-D convolution of a signal: <see cref="Conv2D"/> with one row; w of [filters, channels, kernel].</summary>
    Conv1D = 3,

    /// <summary>The largest value of each window of each channel of an image.</summary>
    MaxPool2D = 4,

    /// <summary>The mean of each window of each channel of an image.</summary>
    AvgPool2D = 5,

    /// <summary>The largest value of each window of each channel of a signal.</summary>
    MaxPool1D = 6,

    /// <summary>The mean of each window of each channel of a signal.</summary>
    AvgPool1D = 7,

    /// <summary>
    /// Inverted dropout: while training, each value is zeroed with probability p and the others scaled by 1 / (1 − p); in
    /// inference, the identity.
    /// </summary>
    Dropout = 8,
}

/// <summary>Why a window (a kernel or a pool) does not fit the extent it slides over; see <see cref="LayerInfo.Slide"/>.</summary>
internal enum WindowProblem
{
    /// <summary>It fits: the output extent is a whole number of at least 1.</summary>
    None = 0,

    /// <summary>The window is larger than the padded input.</summary>
    LargerThanInput = 1,

    /// <summary>(input + 2 · padding − window) is not a multiple of the stride.</summary>
    NotWhole = 2,
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

    /// <summary>A signal of <paramref name="channels"/> × <paramref name="length"/> values.</summary>
    public static TensorShape Signal(int channels, int length) => new(2, channels, 1, length);

    /// <summary>An image of <paramref name="channels"/> × <paramref name="height"/> × <paramref name="width"/> values.</summary>
    public static TensorShape Image(int channels, int height, int width) => new(3, channels, height, width);

    /// <summary>
    /// The shape of <c>[Input(…)]</c>'s dimensions: one (a vector), two (channels, length) or three (channels, height, width),
    /// each at least 1; null when there are not one to three of them or one is below 1.
    /// </summary>
    public static TensorShape? FromDimensions(IReadOnlyList<int> dimensions)
    {
        if (dimensions is null || dimensions.Count is < 1 or > 3)
        {
            return null;
        }
        long size = 1;
        foreach (int dimension in dimensions)
        {
            if (dimension < 1)
            {
                return null;
            }
            size *= dimension;
        }
        if (size > int.MaxValue)
        {
            return null;
        }
        return dimensions.Count switch
        {
            1 => Vector(dimensions[0]),
            2 => Signal(dimensions[0], dimensions[1]),
            _ => Image(dimensions[0], dimensions[1], dimensions[2]),
        };
    }

    /// <summary>The dimensions as <c>[Input(…)]</c> gives them: (n), (channels, length) or (channels, height, width).</summary>
    public int[] Dimensions => Rank switch
    {
        1 => new[] { Width },
        2 => new[] { Channels, Width },
        _ => new[] { Channels, Height, Width },
    };

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
    private LayerInfo(LayerKind kind, TensorShape input, TensorShape output, ActivationKind activation, int weightCount, int biasCount,
        int kernelHeight = 0, int kernelWidth = 0, int stride = 0, int padding = 0, double rate = 0)
    {
        Kind = kind;
        Input = input;
        Output = output;
        Activation = activation;
        WeightCount = weightCount;
        BiasCount = biasCount;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
        Rate = rate;
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

    /// <summary>
    /// A 2-D convolution of <paramref name="filters"/> filters of <paramref name="kernelHeight"/> × <paramref name="kernelWidth"/>
    /// over an image, moving <paramref name="stride"/> values at a time over the image with <paramref name="padding"/> zeros on
    /// each side: weights [filters, channels, kernelHeight, kernelWidth] row-major (PyTorch's), then filters biases.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not an image, a size is out of range, or the kernel does not fit.</exception>
    public static LayerInfo Conv2D(TensorShape input, int filters, int kernelHeight, int kernelWidth, int stride, int padding, ActivationKind activation)
    {
        Require(input.Rank == 3, nameof(input), "A Conv2D layer takes an image (channels × height × width).");
        Require(filters >= 1, nameof(filters), "A convolution has at least one filter.");
        int height = OutputExtent(input.Height, kernelHeight, stride, padding, nameof(kernelHeight));
        int width = OutputExtent(input.Width, kernelWidth, stride, padding, nameof(kernelWidth));
        long weights = (long)filters * input.Channels * kernelHeight * kernelWidth;
        Require(weights <= int.MaxValue && (long)filters * height * width <= int.MaxValue, nameof(filters), "The layer is larger than an array holds.");
        return new LayerInfo(LayerKind.Conv2D, input, TensorShape.Image(filters, height, width), activation, (int)weights, filters,
            kernelHeight, kernelWidth, stride, padding);
    }

    /// <summary>
    /// A 1-D convolution of <paramref name="filters"/> filters of <paramref name="kernelSize"/> over a signal: weights
    /// [filters, channels, kernel] row-major (PyTorch's), then filters biases.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not a signal, a size is out of range, or the kernel does not fit.</exception>
    public static LayerInfo Conv1D(TensorShape input, int filters, int kernelSize, int stride, int padding, ActivationKind activation)
    {
        Require(input.Rank == 2, nameof(input), "A Conv1D layer takes a signal (channels × length).");
        Require(filters >= 1, nameof(filters), "A convolution has at least one filter.");
        int length = OutputExtent(input.Width, kernelSize, stride, padding, nameof(kernelSize));
        long weights = (long)filters * input.Channels * kernelSize;
        Require(weights <= int.MaxValue && (long)filters * length <= int.MaxValue, nameof(filters), "The layer is larger than an array holds.");
        return new LayerInfo(LayerKind.Conv1D, input, TensorShape.Signal(filters, length), activation, (int)weights, filters,
            1, kernelSize, stride, padding);
    }

    /// <summary>
    /// A pooling layer (<see cref="LayerKind.MaxPool2D"/>, <see cref="LayerKind.AvgPool2D"/>, <see cref="LayerKind.MaxPool1D"/> or
    /// <see cref="LayerKind.AvgPool1D"/>) of windows of <paramref name="size"/> (size × size for an image) moving
    /// <paramref name="stride"/> values at a time, channel by channel, with no padding and no parameters.
    /// </summary>
    /// <exception cref="ArgumentException">Not a pooling kind, the input of the wrong rank, or the window does not fit.</exception>
    public static LayerInfo Pool(LayerKind kind, TensorShape input, int size, int stride)
    {
        bool image = kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D;
        Require(image || kind is LayerKind.MaxPool1D or LayerKind.AvgPool1D, nameof(kind), "Not a pooling layer.");
        Require(input.Rank == (image ? 3 : 2), nameof(input), image ? "A 2-D pooling layer takes an image (channels × height × width)." : "A 1-D pooling layer takes a signal (channels × length).");
        int width = OutputExtent(input.Width, size, stride, 0, nameof(size));
        int height = image ? OutputExtent(input.Height, size, stride, 0, nameof(size)) : 1;
        TensorShape output = image ? TensorShape.Image(input.Channels, height, width) : TensorShape.Signal(input.Channels, width);
        return new LayerInfo(kind, input, output, ActivationKind.Identity, 0, 0, image ? size : 1, size, stride, 0);
    }

    /// <summary>Inverted dropout of <paramref name="rate"/> (at least 0 and below 1) over any input, which it gives unchanged in shape.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate outside [0, 1).</exception>
    public static LayerInfo Dropout(TensorShape input, double rate)
    {
        if (!(rate >= 0 && rate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A dropout rate is at least 0 and below 1.");
        }
        if (input.Rank is < 1 or > 3 || input.Size < 1)
        {
            throw new ArgumentException("A dropout layer takes a vector, a signal or an image.", nameof(input));
        }
        return new LayerInfo(LayerKind.Dropout, input, input, ActivationKind.Identity, 0, 0, rate: rate);
    }

    /// <summary>
    /// How a window of <paramref name="window"/> values slides over <paramref name="extent"/> values padded with
    /// <paramref name="padding"/> zeros on each side, <paramref name="stride"/> at a time: the number of positions in
    /// <paramref name="output"/>, or why it does not fit. Sizes below their minimum (window and stride 1, padding 0) are the
    /// caller's to check.
    /// </summary>
    internal static WindowProblem Slide(int extent, int window, int stride, int padding, out int output)
    {
        output = 0;
        long span = (long)extent + 2L * padding - window;
        if (span < 0)
        {
            return WindowProblem.LargerThanInput;
        }
        if (span % stride != 0)
        {
            return WindowProblem.NotWhole;
        }
        output = (int)(span / stride + 1);
        return WindowProblem.None;
    }

    private static int OutputExtent(int extent, int window, int stride, int padding, string name)
    {
        Require(window >= 1, name, "A window is at least 1 wide.");
        Require(stride >= 1, "stride", "A stride is at least 1.");
        Require(padding >= 0, "padding", "Padding is at least 0.");
        return Slide(extent, window, stride, padding, out int output) switch
        {
            WindowProblem.LargerThanInput => throw new ArgumentException("The window is larger than its padded input.", name),
            WindowProblem.NotWhole => throw new ArgumentException("The window does not fit a whole number of times: (input + 2 · padding − window) is not a multiple of the stride.", name),
            _ => output,
        };
    }

    private static void Require(bool condition, string name, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message, name);
        }
    }

    /// <summary>What the layer computes.</summary>
    public LayerKind Kind { get; }

    /// <summary>The shape of the values the layer takes.</summary>
    public TensorShape Input { get; }

    /// <summary>The shape of the values the layer gives.</summary>
    public TensorShape Output { get; }

    /// <summary>The activation applied to the layer's output (identity for pooling).</summary>
    public ActivationKind Activation { get; }

    /// <summary>The number of weights: for a dense layer, outputs · inputs; for a convolution, filters · channels · kernel.</summary>
    public int WeightCount { get; }

    /// <summary>The number of biases: one per output of a dense layer, one per filter of a convolution, none otherwise.</summary>
    public int BiasCount { get; }

    /// <summary>The rows of a convolution's kernel or a pool's window (1 for 1-D layers; 0 for dense layers).</summary>
    public int KernelHeight { get; }

    /// <summary>The columns of a convolution's kernel or a pool's window (0 for dense layers).</summary>
    public int KernelWidth { get; }

    /// <summary>How far a convolution's kernel or a pool's window moves at a time (0 for dense layers).</summary>
    public int Stride { get; }

    /// <summary>Zeros around a convolution's input on each side, along each spatial axis (0 otherwise).</summary>
    public int Padding { get; }

    /// <summary>The probability with which a dropout layer zeroes a value while training (0 for every other layer).</summary>
    public double Rate { get; }

    /// <summary>Whether the layer is a convolution (2-D or 1-D).</summary>
    public bool IsConvolution => Kind is LayerKind.Conv2D or LayerKind.Conv1D;

    /// <summary>Whether the layer pools (max or average, 2-D or 1-D).</summary>
    public bool IsPooling => Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D or LayerKind.MaxPool1D or LayerKind.AvgPool1D;

    /// <summary>Weights and biases together.</summary>
    public int ParameterCount => WeightCount + BiasCount;

    /// <summary>E.g. "Dense 784 → 30, Sigmoid" or "Conv2D 1×28×28 → 6×28×28, ReLU".</summary>
    public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} {1} → {2}, {3}", Kind, Input, Output, Activation);
}
