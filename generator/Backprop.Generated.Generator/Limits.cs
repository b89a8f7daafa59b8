namespace Backprop.Generated.Generator;

/// <summary>The sizes past which the generator refuses a network (BPG007) or declines to unroll it (BPG010).</summary>
internal static class Limits
{
    /// <summary>At most this many layers, input included: each adds methods to the generated file.</summary>
    public const int MaxLayers = 32;

    /// <summary>
    /// At most this many neurons in layers 2..L together: Backprop keeps their activations and
    /// errors on the stack (about 12 bytes a neuron, so at most ~400 KB).
    /// </summary>
    public const int MaxNeurons = 32_768;

    /// <summary>At most this many parameters (1 GiB of float32).</summary>
    public const long MaxParameters = 1L << 28;

    /// <summary>
    /// <c>UnrollMode.Auto</c> unrolls a network only when every layer has fewer neurons than this
    /// (measured: see the README's "Code shape" section).
    /// </summary>
    public const int AutoUnrollMaxLayerSize = 8;

    /// <summary>
    /// <c>UnrollMode.Full</c> unrolls a network only up to this many weights: the unrolled Backprop
    /// costs about 30 IL instructions a weight, and the JIT compiles a method of more than
    /// 20,000 IL instructions without optimisation.
    /// </summary>
    public const int MaxUnrolledWeights = 256;
}
