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
    /// A network is unrolled only while <see cref="EstimateUnrolledInstructions"/> stays within this:
    /// a quarter of the 20,000 IL instructions past which the JIT compiles a method without
    /// optimisation.
    /// </summary>
    public const int MaxUnrolledInstructions = 5_000;

    /// <summary>
    /// An upper estimate of the IL instructions of the largest unrolled method (BackpropUnrolled):
    /// measured at 19–72 a weight and neuron together, e.g. 4,896 for 16-16, 6,907 for 1-7-7-7-7-7-7
    /// and 18,417 for 1-1-255, all below 20 a weight plus 60 a non-input neuron.
    /// </summary>
    public static long EstimateUnrolledInstructions(int[] sizes)
    {
        long weights = 0, neurons = 0;
        for (int i = 1; i < sizes.Length; i++)
        {
            weights += (long)sizes[i - 1] * sizes[i];
            neurons += sizes[i];
        }
        return 20 * weights + 60 * neurons;
    }

    /// <summary>
    /// At most this many parameters (4 MiB) can be baked into an assembly (BPG023): each of their 4 bytes
    /// becomes a literal in the generated file, a syntax node for the compiler to bind. Measured with csc
    /// (.NET 10 SDK): 95,440 byte literals (784-30-10) add 0.4 s; 4.1 million add 8 s and need 2.1 GB.
    /// </summary>
    public const int MaxBakedParameters = 1 << 20;
}
