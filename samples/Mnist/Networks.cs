using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using Backprop;

namespace Mnist;

// Every network this program can train: 2 dense shapes × 4 hidden activations × 2 outputs, and LeNet-5. The generator
// writes each one at compile time, so each is a type of its own; the cost is the output's natural pair (sigmoid →
// cross-entropy, softmax → log-likelihood). 784-30-10 has 23,860 parameters, 784-100-10 has 79,510.

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

/// <summary>
/// LeNet-5 (LeCun et al., 1998) as it is usually written today: two 5×5 convolutions with ReLU, each followed by 2×2 max
/// pooling, then three dense layers; the first convolution pads by 2 so that 28×28 images keep their size. 61,706 parameters.
/// </summary>
[Network]
[Input(1, 28, 28)]
[Conv2D(6, 5, Padding = 2, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Conv2D(16, 5, Activation = ActivationKind.ReLU)]
[MaxPool2D(2)]
[Dense(120, Activation = ActivationKind.ReLU)]
[Dense(84, Activation = ActivationKind.ReLU)]
[Dense(10, Activation = ActivationKind.Softmax)]
public sealed partial class FashionLeNet5 { }

/// <summary>One compiled-in network: its name on the command line, what it is (the type's own architecture) and how to run a session with it.</summary>
/// <param name="Name">What <c>--network</c> calls it: the layer sizes joined by dashes for a dense network (e.g. <c>784-30-10</c>), else a name such as <c>lenet5</c>.</param>
/// <param name="Architecture">The network's layers and cost, as the type gives them.</param>
/// <param name="Run">Runs <see cref="Session.Run{TNet}"/> with this network type.</param>
internal sealed record NetworkChoice(
    string Name,
    NetworkArchitecture Architecture,
    Func<CommandLine, NetworkChoice, CancellationToken, int> Run)
{
    /// <summary>Whether the network is a chain of dense layers, whose activations <c>--hidden</c> and <c>--output</c> choose.</summary>
    public bool IsDense => Architecture.IsDenseChain;

    /// <summary>The activation of the first hidden layer.</summary>
    public ActivationKind Hidden => Architecture.Activations[0];

    /// <summary>The activation of the output layer.</summary>
    public ActivationKind Output => Architecture.OutputActivation;

    /// <summary>The cost the network is trained for.</summary>
    public CostKind Cost => Architecture.Cost;

    /// <summary>
    /// E.g. <c>relu hidden layer, softmax output, log-likelihood cost</c>, or for a network of other layers each layer in
    /// turn, e.g. <c>conv 6×5×5 padding 2 relu, max pool 2, …, dense 10 softmax, log-likelihood cost</c>.
    /// </summary>
    public string Functions => IsDense
        ? $"{CommandLine.NameOf(Hidden)} hidden layer, {CommandLine.NameOf(Output)} output, {CommandLine.NameOf(Cost)} cost"
        : $"{string.Join(", ", Architecture.Layers.Select(Describe))}, {CommandLine.NameOf(Cost)} cost";

    /// <summary>The network for a chart's title, e.g. <c>784-30-10 (sigmoid hidden layer, sigmoid output, cross-entropy cost)</c> or <c>lenet5 (log-likelihood cost)</c>.</summary>
    public string Title => IsDense ? $"{Name} ({Functions})" : $"{Name} ({CommandLine.NameOf(Cost)} cost)";

    /// <summary>The part of a default file name after the name: empty for the default functions and for networks named otherwise, else e.g. <c>-relu-softmax</c>.</summary>
    public string FileSuffix =>
        !IsDense || (Hidden == ActivationKind.Sigmoid && Output == ActivationKind.Sigmoid) ? "" : $"-{CommandLine.NameOf(Hidden)}-{CommandLine.NameOf(Output)}";

    /// <summary>One layer in a few words, e.g. <c>conv 16×5×5 relu</c>, <c>max pool 2</c> or <c>dense 120 relu</c>.</summary>
    private static string Describe(LayerInfo layer)
    {
        string text = layer.Kind switch
        {
            LayerKind.Dense => Invariant($"dense {layer.Output.Size}"),
            LayerKind.Conv2D => Invariant($"conv {layer.Output.Channels}×{layer.KernelHeight}×{layer.KernelWidth}"),
            LayerKind.Conv1D => Invariant($"conv {layer.Output.Channels}×{layer.KernelWidth}"),
            LayerKind.MaxPool2D or LayerKind.MaxPool1D => Invariant($"max pool {layer.KernelWidth}"),
            _ => Invariant($"average pool {layer.KernelWidth}"),
        };
        if (layer.IsConvolution || layer.IsPooling)
        {
            text += (layer.IsConvolution ? layer.Stride != 1 : layer.Stride != layer.KernelWidth) ? Invariant($" stride {layer.Stride}") : "";
            text += layer.Padding != 0 ? Invariant($" padding {layer.Padding}") : "";
        }
        return layer.IsPooling ? text : $"{text} {CommandLine.NameOf(layer.Activation)}";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
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
        Choice<FashionLeNet5>("lenet5"),
    ];

    /// <summary>The dense network of this shape and these activations, or null when this program has none.</summary>
    public static NetworkChoice? Find(string shape, ActivationKind hidden, ActivationKind output)
    {
        foreach (NetworkChoice choice in All)
        {
            if (choice.IsDense && choice.Name == shape && choice.Hidden == hidden && choice.Output == output)
            {
                return choice;
            }
        }
        return null;
    }

    /// <summary>The network named <paramref name="name"/> that is not a dense chain (e.g. <c>lenet5</c>), or null.</summary>
    public static NetworkChoice? FindNamed(string name)
    {
        foreach (NetworkChoice choice in All)
        {
            if (!choice.IsDense && choice.Name == name)
            {
                return choice;
            }
        }
        return null;
    }

    /// <summary>
    /// What <c>--network</c> would call the network of a model file: its shape for a dense chain (whether or not this program
    /// has it), the name of the compiled-in network it is otherwise, or null when this program has none like it.
    /// </summary>
    public static string? NameOf(NetworkArchitecture architecture)
    {
        if (architecture.IsDenseChain)
        {
            return architecture.Shape;
        }
        foreach (NetworkChoice choice in All)
        {
            if (choice.Architecture.Equals(architecture))
            {
                return choice.Name;
            }
        }
        return null;
    }

    /// <summary>A dense network, named by its shape.</summary>
    private static NetworkChoice Choice<TNet>() where TNet : class, INetwork<TNet>
        => new(TNet.Architecture.Shape, TNet.Architecture, Session.Run<TNet>);

    /// <summary>A network named <paramref name="name"/> on the command line.</summary>
    private static NetworkChoice Choice<TNet>(string name) where TNet : class, INetwork<TNet>
        => new(name, TNet.Architecture, Session.Run<TNet>);
}
