using Backprop;

// Networks of other activations and costs than sigmoid and cross-entropy, for the serialization tests: what the
// model file records of each layer, and what loading a model into a network of other functions says.
namespace Backprop.Generated.Tests.SerializationNetworks
{
    /// <summary>ReLU hidden layer, softmax output, log-likelihood (the natural cost of softmax).</summary>
    [Network(5, 7, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
    public partial class ReluSoftmaxNet { }

    /// <summary>Tanh hidden layer, identity output, quadratic cost (the natural cost of identity).</summary>
    [Network(4, 6, 2, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Identity)]
    public partial class TanhIdentityNet { }

    /// <summary>Every hidden layer different: L − 1 = 3 activation bytes and one byte of padding.</summary>
    [Network(3, 5, 4, 2, Activations = new[] { ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Sigmoid })]
    public partial class MixedNet { }

    /// <summary>Every activation once and 5 weight layers: 5 activation bytes and 3 bytes of padding.</summary>
    [Network(4, 5, 6, 5, 4, 3, Activations = new[]
    {
        ActivationKind.ReLU, ActivationKind.LeakyReLU, ActivationKind.Tanh, ActivationKind.Identity, ActivationKind.Softmax,
    })]
    public partial class EveryActivationNet { }

    /// <summary>The digit network's sizes with ReLU and softmax: the same shape as DigitNet, other functions.</summary>
    [Network(784, 30, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]
    public partial class DigitNetReluSoftmax { }

    /// <summary>The digit network with the quadratic cost: the same shape and activations as DigitNet, another cost.</summary>
    [Network(784, 30, 10, Cost = CostKind.Quadratic)]
    public partial class DigitNetQuadratic { }

    /// <summary>A softmax output trained with the quadratic cost (not its natural pair, but allowed).</summary>
    [Network(5, 7, 3, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax, Cost = CostKind.Quadratic)]
    public partial class ReluSoftmaxQuadraticNet { }
}
