using Backprop;

// The networks the numerical tests run: every code shape, tails of every vector width, one weight
// layer and five, nested and generic-nested types, and one of ~10 million parameters.
namespace Backprop.Generated.Tests.Networks
{
    /// <summary>The seed's smallest example: unrolled straight-line code.</summary>
    [Network(2, 3, 1)]
    public partial class Net231 { }

    /// <summary>The same sizes in the blocked shape (every layer narrower than a Vector128: scalar kernels).</summary>
    [Network(2, 3, 1, Unroll = UnrollMode.Blocked)]
    public partial class Net231Blocked { }

    /// <summary>The seed's digit network.</summary>
    [Network(784, 30, 10)]
    public partial class DigitNet { }

    /// <summary>The main job's larger network.</summary>
    [Network(784, 100, 10)]
    public partial class DigitNet100 { }

    /// <summary>Five layers whose widths leave a tail for every vector width.</summary>
    [Network(9, 17, 33, 12, 5)]
    public partial class FiveLayer { }

    /// <summary>A single weight layer (L = 2).</summary>
    [Network(3, 5)]
    public sealed partial class SingleLayer { }

    /// <summary>A single wide weight layer in the blocked shape.</summary>
    [Network(67, 19)]
    public sealed partial class SingleWide { }

    /// <summary>A 2-neuron hidden layer feeding a wide output: scalar kernels inside vector tiers.</summary>
    [Network(37, 2, 70)]
    public partial class Bottleneck { }

    /// <summary>Forced full unrolling of a network Auto would block.</summary>
    [Network(6, 9, 5, Unroll = UnrollMode.Full)]
    public partial class UnrolledMid { }

    /// <summary>About 10.5 million parameters: heap storage and big stack scratch.</summary>
    [Network(4096, 2048, 10)]
    public partial class BigNet { }

    /// <summary>A network nested in a static class and a struct.</summary>
    public static partial class Outer
    {
        public partial struct Middle
        {
            [Network(5, 4, 3)]
            public sealed partial class NestedNet { }
        }
    }

    /// <summary>A network nested in a generic type.</summary>
    public partial class GenericOuter<T>
    {
        [Network(12, 8, 4)]
        public partial class Net { }
    }

    /// <summary>Trained weights baked in (blocked code), from TestData/ (an AdditionalFiles item).</summary>
    [Network(16, 12, 4, Weights = "TestData/baked-16-12-4.bpnet.b64")]
    public sealed partial class BakedNet { }

    /// <summary>Trained weights baked into unrolled code, named by file name alone.</summary>
    [Network(2, 3, 1, Weights = "baked-2-3-1.bpnet.b64")]
    public partial class BakedNet231 { }

    /// <summary>A network whose author wrote a constructor with parameters.</summary>
    [Network(4, 16, 2)]
    public partial class WithConstructor
    {
        public WithConstructor(int label) => Label = label;

        public int Label { get; }
    }
}

/// <summary>A network in the global namespace.</summary>
[Network(8, 8, 8)]
public partial class GlobalNet { }

namespace Backprop.Generated.Tests.Networks
{
    /// <summary>An internal sealed network (the contract tests need public types; see InternalNetworkTests).</summary>
    [Network(10, 7, 3)]
    internal sealed partial class InternalNet { }
}
