using System;
using System.Collections.Generic;

namespace Backprop;

// The layer attributes: written after [Network] (without sizes) on one partial declaration, read in the order they are
// written. The generator reads them; at run time they are plain data.

/// <summary>
/// The input of a network declared layer by layer: <c>(n)</c> a vector, <c>(channels, length)</c> a 1-D signal,
/// <c>(channels, height, width)</c> an image. The input span holds the values flattened in that order (C, H, W, as PyTorch
/// stores a tensor).
/// </summary>
/// <example>
/// <code>
/// [Network]
/// [Input(1, 28, 28)]
/// [Conv2D(6, 5, Padding = 2, Activation = ActivationKind.ReLU)]
/// [MaxPool2D(2)]
/// [Dense(10, Activation = ActivationKind.Softmax)]
/// public partial class SmallConvNet { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>Declares the input's shape: one to three dimensions, each at least 1.</summary>
    /// <param name="shape">(n), (channels, length) or (channels, height, width).</param>
    public InputAttribute(params int[] shape) => Shape = shape ?? Array.Empty<int>();

    /// <summary>The dimensions, as given.</summary>
    public IReadOnlyList<int> Shape { get; }
}

/// <summary>A fully connected layer: z = w a + b, w of [units, inputs]; a spatial input is flattened in C, H, W order.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : Attribute
{
    /// <summary>Declares a dense layer of <paramref name="units"/> neurons.</summary>
    public DenseAttribute(int units) => Units = units;

    /// <summary>The neurons of the layer.</summary>
    public int Units { get; }

    /// <summary>The activation (default <see cref="ActivationKind.Identity"/>).</summary>
    public ActivationKind Activation { get; set; } = ActivationKind.Identity;
}

/// <summary>
/// A 2-D convolution of an image (channels × height × width): z[o, y, x] = b[o] + Σ_c Σ_ky Σ_kx w[o, c, ky, kx] ·
/// a[c, y·Stride + ky − Padding, x·Stride + kx − Padding], zero outside the image. Weights [filters, channels,
/// kernelHeight, kernelWidth], PyTorch's <c>Conv2d.weight</c> as stored.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : Attribute
{
    /// <summary>Declares <paramref name="filters"/> filters of <paramref name="kernelSize"/> × <paramref name="kernelSize"/>.</summary>
    public Conv2DAttribute(int filters, int kernelSize)
    {
        Filters = filters;
        KernelSize = kernelSize;
    }

    /// <summary>The filters: the output's channels.</summary>
    public int Filters { get; }

    /// <summary>The side of a square kernel.</summary>
    public int KernelSize { get; }

    /// <summary>The kernel's rows, when not square (default: <see cref="KernelSize"/>).</summary>
    public int KernelHeight { get; set; }

    /// <summary>The kernel's columns, when not square (default: <see cref="KernelSize"/>).</summary>
    public int KernelWidth { get; set; }

    /// <summary>How far the kernel moves at a time, along both axes (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added on each side of the image, along both axes (default 0).</summary>
    public int Padding { get; set; }

    /// <summary>The activation (default <see cref="ActivationKind.Identity"/>).</summary>
    public ActivationKind Activation { get; set; } = ActivationKind.Identity;
}

/// <summary>
/// A 1-D convolution of a signal (channels × length): z[o, x] = b[o] + Σ_c Σ_k w[o, c, k] a[c, x·Stride + k − Padding].
/// Weights [filters, channels, kernel], PyTorch's <c>Conv1d.weight</c> as stored.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1DAttribute : Attribute
{
    /// <summary>Declares <paramref name="filters"/> filters of <paramref name="kernelSize"/> values.</summary>
    public Conv1DAttribute(int filters, int kernelSize)
    {
        Filters = filters;
        KernelSize = kernelSize;
    }

    /// <summary>The filters: the output's channels.</summary>
    public int Filters { get; }

    /// <summary>The kernel's length.</summary>
    public int KernelSize { get; }

    /// <summary>How far the kernel moves at a time (default 1).</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Zeros added at each end of the signal (default 0).</summary>
    public int Padding { get; set; }

    /// <summary>The activation (default <see cref="ActivationKind.Identity"/>).</summary>
    public ActivationKind Activation { get; set; } = ActivationKind.Identity;
}

/// <summary>The largest value of each <c>size × size</c> window of each channel of an image.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool2DAttribute : Attribute
{
    /// <summary>Declares windows of <paramref name="size"/> × <paramref name="size"/>.</summary>
    public MaxPool2DAttribute(int size) => Size = size;

    /// <summary>The window's side.</summary>
    public int Size { get; }

    /// <summary>How far the window moves at a time (default: <see cref="Size"/>, windows side by side).</summary>
    public int Stride { get; set; }
}

/// <summary>The mean of each <c>size × size</c> window of each channel of an image.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool2DAttribute : Attribute
{
    /// <summary>Declares windows of <paramref name="size"/> × <paramref name="size"/>.</summary>
    public AvgPool2DAttribute(int size) => Size = size;

    /// <summary>The window's side.</summary>
    public int Size { get; }

    /// <summary>How far the window moves at a time (default: <see cref="Size"/>, windows side by side).</summary>
    public int Stride { get; set; }
}

/// <summary>The largest value of each window of <c>size</c> values of each channel of a signal.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPool1DAttribute : Attribute
{
    /// <summary>Declares windows of <paramref name="size"/> values.</summary>
    public MaxPool1DAttribute(int size) => Size = size;

    /// <summary>The window's length.</summary>
    public int Size { get; }

    /// <summary>How far the window moves at a time (default: <see cref="Size"/>, windows side by side).</summary>
    public int Stride { get; set; }
}

/// <summary>The mean of each window of <c>size</c> values of each channel of a signal.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class AvgPool1DAttribute : Attribute
{
    /// <summary>Declares windows of <paramref name="size"/> values.</summary>
    public AvgPool1DAttribute(int size) => Size = size;

    /// <summary>The window's length.</summary>
    public int Size { get; }

    /// <summary>How far the window moves at a time (default: <see cref="Size"/>, windows side by side).</summary>
    public int Stride { get; set; }
}

/// <summary>
/// Inverted dropout: while training, each value is zeroed with probability <see cref="Rate"/> and the others scaled by
/// 1 / (1 − rate), from a key the trainer gives each step (derived from the session's seed, so seeded training stays
/// bit-reproducible); <c>Forward</c>, <c>ForwardBatch</c> and <c>Evaluate</c> pass the values through unchanged.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : Attribute
{
    /// <summary>Declares dropout of <paramref name="rate"/>, at least 0 and below 1.</summary>
    public DropoutAttribute(double rate) => Rate = rate;

    /// <summary>The probability of zeroing a value while training.</summary>
    public double Rate { get; }
}
