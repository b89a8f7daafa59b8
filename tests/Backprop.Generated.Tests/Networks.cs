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

// Activations and costs: every hidden activation and every valid output/cost pair in both code shapes.
// Unrolled (Unroll = UnrollMode.Full, every layer narrower than 8) and blocked (Unroll = UnrollMode.Blocked,
// widths that leave a tail for Vector128, Vector256 and Vector512). The seed's sigmoid + cross-entropy pair is
// Net231 (unrolled) and FiveLayer, DigitNet... (blocked) above.
namespace Backprop.Generated.Tests.Networks
{
    /// <summary>Unrolled: ReLU hidden, sigmoid output with the quadratic cost.</summary>
    [Network(4, 6, 3, Unroll = UnrollMode.Full, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Sigmoid, Cost = CostKind.Quadratic)]
    public partial class UnrolledReluSigmoidQuadratic { }

    /// <summary>Unrolled: tanh hidden, softmax output with its natural cost (log-likelihood, not named).</summary>
    [Network(5, 7, 4, Unroll = UnrollMode.Full, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax)]
    public partial class UnrolledTanhSoftmax { }

    /// <summary>Unrolled: leaky ReLU hidden, softmax output with the quadratic cost (the softmax Jacobian).</summary>
    [Network(4, 6, 5, Unroll = UnrollMode.Full, HiddenActivation = ActivationKind.LeakyReLU, OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic)]
    public partial class UnrolledLeakySoftmaxQuadratic { }

    /// <summary>Unrolled: sigmoid hidden, identity output (natural cost: quadratic).</summary>
    [Network(3, 6, 2, Unroll = UnrollMode.Full, OutputActivation = ActivationKind.Identity)]
    public partial class UnrolledSigmoidIdentity { }

    /// <summary>Unrolled: identity hidden, tanh output (natural cost: quadratic).</summary>
    [Network(4, 5, 3, Unroll = UnrollMode.Full, HiddenActivation = ActivationKind.Identity, OutputActivation = ActivationKind.Tanh)]
    public partial class UnrolledIdentityTanh { }

    /// <summary>Unrolled: tanh hidden, ReLU output with the quadratic cost named explicitly.</summary>
    [Network(5, 4, 6, Unroll = UnrollMode.Full, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.ReLU, Cost = CostKind.Quadratic)]
    public partial class UnrolledTanhRelu { }

    /// <summary>Unrolled: ReLU hidden, leaky ReLU output (natural cost: quadratic).</summary>
    [Network(6, 7, 3, Unroll = UnrollMode.Full, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.LeakyReLU)]
    public partial class UnrolledReluLeaky { }

    /// <summary>Unrolled, four weight layers, one activation each, softmax output.</summary>
    [Network(3, 5, 4, 6, 2, Unroll = UnrollMode.Full,
        Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.ReLU, ActivationKind.Softmax })]
    public partial class UnrolledMixed { }

    /// <summary>Blocked: leaky ReLU hidden, sigmoid output with the quadratic cost.</summary>
    [Network(20, 19, 11, Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.LeakyReLU, Cost = CostKind.Quadratic)]
    public partial class BlockedLeakySigmoidQuadratic { }

    /// <summary>Blocked, five layers with every tail: ReLU hidden, softmax output with the log-likelihood.</summary>
    [Network(9, 17, 33, 12, 5, Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Cost = CostKind.LogLikelihood)]
    public partial class BlockedReluSoftmax { }

    /// <summary>Blocked: a 2-neuron tanh bottleneck feeding a 70-wide softmax with the quadratic cost.</summary>
    [Network(37, 2, 70, Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic)]
    public partial class BlockedTanhSoftmaxQuadratic { }

    /// <summary>Blocked: tanh hidden, identity output (quadratic).</summary>
    [Network(13, 24, 7, Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Identity)]
    public partial class BlockedTanhIdentity { }

    /// <summary>Blocked: identity hidden, tanh output (quadratic).</summary>
    [Network(11, 18, 9, Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.Identity, OutputActivation = ActivationKind.Tanh, Cost = CostKind.Quadratic)]
    public partial class BlockedIdentityTanh { }

    /// <summary>Blocked: sigmoid hidden, ReLU output (quadratic).</summary>
    [Network(15, 21, 6, Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.Sigmoid, OutputActivation = ActivationKind.ReLU)]
    public partial class BlockedSigmoidRelu { }

    /// <summary>Blocked: ReLU hidden, leaky ReLU output (quadratic).</summary>
    [Network(10, 35, 17, Unroll = UnrollMode.Blocked, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.LeakyReLU)]
    public partial class BlockedReluLeaky { }

    /// <summary>Blocked, five weight layers of different activations, sigmoid output with its natural cross-entropy.</summary>
    [Network(19, 33, 17, 9, 40, 10, Unroll = UnrollMode.Blocked,
        Activations = new[] { ActivationKind.ReLU, ActivationKind.Tanh, ActivationKind.LeakyReLU, ActivationKind.Identity, ActivationKind.Sigmoid })]
    public partial class BlockedMixed { }

    /// <summary>A single softmax layer (L = 2: no hidden layer), unrolled by Auto.</summary>
    [Network(3, 4, OutputActivation = ActivationKind.Softmax)]
    public sealed partial class SingleSoftmax { }

    /// <summary>The main job's network with ReLU and softmax (Auto: blocked).</summary>
    [Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Cost = CostKind.LogLikelihood)]
    public partial class DigitReluSoftmax { }
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
