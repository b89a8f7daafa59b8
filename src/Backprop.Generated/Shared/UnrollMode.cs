// Shared source: compiled into the runtime and linked into the generator (see ActivationsAndCosts.cs).
#if BACKPROP_GENERATOR
namespace Backprop.Generated.Generator.Shared;
#else
namespace Backprop;
#endif

/// <summary>How the generator shapes the code of a network.</summary>
public enum UnrollMode
{
    /// <summary>
    /// Straight-line code when every layer has fewer than 8 neurons (where it measured faster),
    /// blocked SIMD loops otherwise.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// Straight-line code with one statement per weight. Only for small networks: past the limit
    /// (diagnostic BPG010) the generator falls back to <see cref="Blocked"/>, because the JIT stops
    /// optimising very large methods.
    /// </summary>
    Full = 1,

    /// <summary>Constant-bound SIMD loops with register-blocked accumulators, for every size.</summary>
    Blocked = 2,
}
