namespace Backprop.Onnx;

/// <summary>How <see cref="OnnxExporter"/> names and versions the ONNX model it writes.</summary>
public sealed class OnnxExportOptions
{
    /// <summary>
    /// The lowest opset <see cref="Opset"/> may name: 9 (IR version 4, the first whose initializers need not also be
    /// graph inputs).
    /// </summary>
    public const int MinOpset = 9;

    /// <summary>The highest opset <see cref="Opset"/> may name: 21 (IR version 10), which ONNX Runtime 1.17 and later load.</summary>
    public const int MaxOpset = 21;

    /// <summary>The default <see cref="Opset"/>: 17 (IR version 8), loaded by ONNX Runtime 1.12 and later and by onnx 1.12's checker.</summary>
    public const int DefaultOpset = 17;

    /// <summary>The name of the graph's input, a float tensor [batch, n_1] (or [batch, C, L], [batch, C, H, W]). Default <c>input</c>.</summary>
    public string InputName { get; init; } = "input";

    /// <summary>The name of the graph's output, a float tensor [batch, n_L]. Default <c>output</c>.</summary>
    public string OutputName { get; init; } = "output";

    /// <summary>The name of the graph; <see langword="null"/> (the default) for <c>backprop_</c> and the shape, e.g. <c>backprop_784_100_10</c>.</summary>
    public string? GraphName { get; init; }

    /// <summary>
    /// The version of the default (<c>ai.onnx</c>) operator set the model imports, <see cref="MinOpset"/> to
    /// <see cref="MaxOpset"/>; the model's IR version follows from it. Default <see cref="DefaultOpset"/>.
    /// </summary>
    public int Opset { get; init; } = DefaultOpset;
}
