// Shared source: compiled into the runtime and linked into the generator (see ActivationsAndCosts.cs).
#if BACKPROP_GENERATOR
namespace Backprop.Generated.Generator.Shared;
#else
namespace Backprop;
#endif

/// <summary>
/// The sizes a network and a model file may have. The generator refuses larger networks (BPG007, BPG023); the model
/// readers refuse files that announce more; the diagnostics, exceptions and documentation quote these values.
/// </summary>
internal static class NetworkLimits
{
    /// <summary>At least this many layers, the input included.</summary>
    public const int MinLayers = 2;

    /// <summary>At most this many layers, the input included: each adds methods to the generated file.</summary>
    public const int MaxLayers = 32;

    /// <summary>
    /// At most this many neurons in layers 2..L together (generated networks): Backprop keeps their activations and
    /// errors on the stack (about 12 bytes a neuron, so at most ~400 KB).
    /// </summary>
    public const int MaxNeurons = 32_768;

    /// <summary>At most this many parameters in a generated network (1 GiB of float32).</summary>
    public const long MaxParameters = 1L << 28;

    /// <summary>At most this many parameters in a model file: a .NET array holds no more.</summary>
    public const long MaxFileParameters = int.MaxValue;

    /// <summary>
    /// At most this many parameters (4 MiB) can be baked into an assembly (BPG023): each of their 4 bytes becomes a
    /// literal in the generated file, a syntax node for the compiler to bind. Measured with csc (.NET 10 SDK): 95,440
    /// byte literals (784-30-10) add 0.4 s; 4.1 million add 8 s and need 2.1 GB.
    /// </summary>
    public const int MaxBakedParameters = 1 << 20;
}
