using System;
using System.Collections.Generic;
using System.Threading;
using Backprop;

namespace Mnist;

// Every network this program can train: 2 shapes × 4 hidden activations × 2 outputs. The generator writes each one
// at compile time, so each is a type of its own; the cost is the output's natural pair (sigmoid → cross-entropy,
// softmax → log-likelihood). 784-30-10 has 23,860 parameters, 784-100-10 has 79,510.

[Network(784, 30, 10)] public sealed partial class FashionNet30 { }
[Network(784, 30, 10, HiddenActivation = ActivationKind.Tanh)] public sealed partial class FashionNet30Tanh { }
[Network(784, 30, 10, HiddenActivation = ActivationKind.ReLU)] public sealed partial class FashionNet30Relu { }
[Network(784, 30, 10, HiddenActivation = ActivationKind.LeakyReLU)] public sealed partial class FashionNet30LeakyRelu { }
[Network(784, 30, 10, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet30Softmax { }
[Network(784, 30, 10, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet30TanhSoftmax { }
[Network(784, 30, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet30ReluSoftmax { }
[Network(784, 30, 10, HiddenActivation = ActivationKind.LeakyReLU, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet30LeakyReluSoftmax { }

[Network(784, 100, 10)] public sealed partial class FashionNet100 { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.Tanh)] public sealed partial class FashionNet100Tanh { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU)] public sealed partial class FashionNet100Relu { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.LeakyReLU)] public sealed partial class FashionNet100LeakyRelu { }
[Network(784, 100, 10, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet100Softmax { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.Tanh, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet100TanhSoftmax { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet100ReluSoftmax { }
[Network(784, 100, 10, HiddenActivation = ActivationKind.LeakyReLU, OutputActivation = ActivationKind.Softmax)] public sealed partial class FashionNet100LeakyReluSoftmax { }

/// <summary>One compiled-in network: what it is (read from the type itself) and how to run a session with it.</summary>
/// <param name="Shape">The layer sizes joined by dashes, e.g. <c>784-30-10</c>.</param>
/// <param name="Hidden">The activation of the hidden layer.</param>
/// <param name="Output">The activation of the output layer.</param>
/// <param name="Cost">The cost the network is trained for.</param>
/// <param name="Run">Runs <see cref="Session.Run{TNet}"/> with this network type.</param>
internal sealed record NetworkChoice(
    string Shape,
    ActivationKind Hidden,
    ActivationKind Output,
    CostKind Cost,
    Func<CommandLine, NetworkChoice, CancellationToken, int> Run)
{
    /// <summary>E.g. <c>relu hidden layer, softmax output, log-likelihood cost</c>.</summary>
    public string Functions =>
        $"{CommandLine.NameOf(Hidden)} hidden layer, {CommandLine.NameOf(Output)} output, {CommandLine.NameOf(Cost)} cost";

    /// <summary>The part of a default file name after the shape: empty for the default functions, else e.g. <c>-relu-softmax</c>.</summary>
    public string FileSuffix =>
        Hidden == ActivationKind.Sigmoid && Output == ActivationKind.Sigmoid ? "" : $"-{CommandLine.NameOf(Hidden)}-{CommandLine.NameOf(Output)}";
}

/// <summary>The table of compiled-in networks that <c>--network</c>, <c>--hidden</c> and <c>--output</c> choose from.</summary>
internal static class Networks
{
    /// <summary>Every network type of this program, each described by its own static members.</summary>
    public static readonly IReadOnlyList<NetworkChoice> All =
    [
        Choice<FashionNet30>(), Choice<FashionNet30Tanh>(), Choice<FashionNet30Relu>(), Choice<FashionNet30LeakyRelu>(),
        Choice<FashionNet30Softmax>(), Choice<FashionNet30TanhSoftmax>(), Choice<FashionNet30ReluSoftmax>(), Choice<FashionNet30LeakyReluSoftmax>(),
        Choice<FashionNet100>(), Choice<FashionNet100Tanh>(), Choice<FashionNet100Relu>(), Choice<FashionNet100LeakyRelu>(),
        Choice<FashionNet100Softmax>(), Choice<FashionNet100TanhSoftmax>(), Choice<FashionNet100ReluSoftmax>(), Choice<FashionNet100LeakyReluSoftmax>(),
    ];

    /// <summary>The network of this shape and these activations, or null when this program has none.</summary>
    public static NetworkChoice? Find(string shape, ActivationKind hidden, ActivationKind output)
    {
        foreach (NetworkChoice choice in All)
        {
            if (choice.Shape == shape && choice.Hidden == hidden && choice.Output == output)
            {
                return choice;
            }
        }
        return null;
    }

    private static NetworkChoice Choice<TNet>() where TNet : class, INetwork<TNet>
    {
        ReadOnlySpan<ActivationKind> activations = TNet.Activations;
        return new NetworkChoice(
            string.Join('-', TNet.LayerSizes.ToArray()),
            activations[0],
            TNet.OutputActivation,
            TNet.Cost,
            Session.Run<TNet>);
    }
}
