namespace Backprop.Generated.Generator;

/// <summary>
/// When the generator unrolls a network (BPG010). The sizes past which it refuses one are the shared
/// <see cref="Shared.NetworkLimits"/>.
/// </summary>
internal static class Limits
{
    /// <summary>
    /// <c>UnrollMode.Auto</c> unrolls a network only when every layer has fewer neurons than this
    /// (measured: docs/performance.md, "Where unrolling stops paying").
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
}
