// Shared source: compiled into the runtime and linked into the generator (see ActivationsAndCosts.cs).
using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

#if BACKPROP_GENERATOR
namespace Backprop.Generated.Generator.Shared;
#else
namespace Backprop;
#endif

/// <summary>
/// A run of parameters of one kind in <see cref="ParameterLayout"/>: the weights or the biases of one layer.
/// </summary>
/// <param name="Layer">The layer, numbered as in the math: 2 is the first layer after the input.</param>
/// <param name="Offset">Where the run starts in the parameters.</param>
/// <param name="Length">How many parameters it holds.</param>
/// <param name="IsWeights">Whether it holds weights (L2 regularisation and weight decay apply) or biases.</param>
public readonly record struct ParameterBlock(int Layer, int Offset, int Length, bool IsWeights);

/// <summary>
/// Where every parameter of a network lives: for each layer in order, its weights, then its biases (a layer without
/// parameters has neither). The one computation of offsets: the generated code, the initializer, the trainer, the model
/// file and the ONNX exporter all ask here.
/// </summary>
public sealed class ParameterLayout
{
    private readonly ParameterBlock[] _blocks;
    private readonly int[] _weightOffsets;
    private readonly int[] _biasOffsets;

    internal ParameterLayout(IReadOnlyList<LayerInfo> layers)
    {
        var blocks = new List<ParameterBlock>();
        _weightOffsets = new int[layers.Count];
        _biasOffsets = new int[layers.Count];
        long offset = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            LayerInfo layer = layers[i];
            _weightOffsets[i] = checked((int)offset);
            if (layer.WeightCount > 0)
            {
                blocks.Add(new ParameterBlock(i + 2, (int)offset, layer.WeightCount, IsWeights: true));
            }
            offset += layer.WeightCount;
            _biasOffsets[i] = checked((int)offset);
            if (layer.BiasCount > 0)
            {
                blocks.Add(new ParameterBlock(i + 2, (int)offset, layer.BiasCount, IsWeights: false));
            }
            offset += layer.BiasCount;
        }
        Count = checked((int)offset);
        _blocks = blocks.ToArray();
    }

    /// <summary>The number of parameters, P.</summary>
    public int Count { get; }

    /// <summary>Every run of weights or biases, in order.</summary>
    public IReadOnlyList<ParameterBlock> Blocks => _blocks;

    /// <summary>Where the weights of layer <paramref name="layer"/> (2..L) start.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such layer.</exception>
    public int WeightOffset(int layer) => _weightOffsets[Index(layer)];

    /// <summary>Where the biases of layer <paramref name="layer"/> (2..L) start: right after its weights.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such layer.</exception>
    public int BiasOffset(int layer) => _biasOffsets[Index(layer)];

    private int Index(int layer)
        => layer >= 2 && layer - 2 < _weightOffsets.Length
            ? layer - 2
            : throw new ArgumentOutOfRangeException(nameof(layer), layer,
                string.Format(CultureInfo.InvariantCulture, "Layers are numbered 2..{0} (1 is the input).", _weightOffsets.Length + 1));
}

/// <summary>
/// A network as the generator compiles it and a model file records it: an input shape, an ordered list of layers and a
/// cost, with the parameter layout they imply. Every generated network gives its own as
/// <c>INetwork&lt;TSelf&gt;.Architecture</c>; <see cref="ModelData"/> and <see cref="ModelInfo"/> carry the one a file holds.
/// </summary>
public sealed class NetworkArchitecture : IEquatable<NetworkArchitecture>
{
    private readonly LayerInfo[] _layers;
    private readonly int[] _layerSizes;
    private readonly ActivationKind[] _activations;

    private NetworkArchitecture(TensorShape input, LayerInfo[] layers, CostKind cost)
    {
        Input = input;
        _layers = layers;
        Cost = cost;
        Parameters = new ParameterLayout(layers);
        _layerSizes = new int[layers.Length + 1];
        _activations = new ActivationKind[layers.Length];
        _layerSizes[0] = input.Size;
        for (int i = 0; i < layers.Length; i++)
        {
            _layerSizes[i + 1] = layers[i].Output.Size;
            _activations[i] = layers[i].Activation;
        }
        LayerSizes = new ReadOnlyCollection<int>(_layerSizes);
        Activations = new ReadOnlyCollection<ActivationKind>(_activations);
    }

    /// <summary>
    /// A chain of dense layers: <c>[Network(n1, …, nL)]</c>. <paramref name="layerSizes"/> are n_1..n_L (input first),
    /// <paramref name="activations"/> one per layer 2..L (the output's last), <paramref name="cost"/> null for the
    /// output's natural pair.
    /// </summary>
    /// <exception cref="ArgumentException">No network has these sizes and functions; the message says why.</exception>
    public static NetworkArchitecture Dense(IReadOnlyList<int> layerSizes, IReadOnlyList<ActivationKind> activations, CostKind? cost = null)
    {
        if (layerSizes is null)
        {
            throw new ArgumentNullException(nameof(layerSizes));
        }
        if (activations is null)
        {
            throw new ArgumentNullException(nameof(activations));
        }
        if (TryDense(layerSizes, activations, cost, out NetworkArchitecture? architecture) is { } problem)
        {
            throw new ArgumentException("The network " + problem.Message, problem.Error == ModelFormatError.InvalidHeader ? nameof(layerSizes) : nameof(activations));
        }
        return architecture!;
    }

    /// <summary>
    /// The layers of a dense chain whatever their functions (every activation defined, the sizes valid): for code that
    /// needs only the layout, such as the initializer, which draws a hidden softmax layer as readily as any other.
    /// </summary>
    internal static NetworkArchitecture DenseLayout(IReadOnlyList<int> layerSizes, IReadOnlyList<ActivationKind> activations)
    {
        if (TryDense(layerSizes, activations, CostKind.Quadratic, out NetworkArchitecture? architecture, checkFunctions: false) is { } problem)
        {
            throw new ArgumentException("The network " + problem.Message, nameof(layerSizes));
        }
        return architecture!;
    }

    /// <summary>As <see cref="Dense"/>, giving the problem (a phrase after "The network …") instead of throwing.</summary>
    internal static ModelFileProblem? TryDense(
        IReadOnlyList<int> layerSizes, IReadOnlyList<ActivationKind> activations, CostKind? cost, out NetworkArchitecture? architecture, bool checkFunctions = true)
    {
        architecture = null;
        int count = layerSizes.Count;
        if (count is < NetworkLimits.MinLayers or > NetworkLimits.MaxLayers)
        {
            return Problem(ModelFormatError.InvalidHeader, "has {0} layers; a network has {1} to {2}.", count, NetworkLimits.MinLayers, NetworkLimits.MaxLayers);
        }
        if (ModelFile.CheckSizes(layerSizes, out _) is { } sizes)
        {
            return sizes;
        }
        if (activations.Count != count - 1)
        {
            return Problem(ModelFormatError.InvalidHeader, "has {0} layers and {1} activations; it needs one per layer after the input ({2}).", count, activations.Count, count - 1);
        }
        for (int l = 0; l < activations.Count; l++)
        {
            if (!FunctionRules.IsDefined(activations[l]))
            {
                return Problem(ModelFormatError.UnknownActivation, "gives layer {0} the activation {1}, which is not an ActivationKind; the activations are {2}.", l + 2, (int)activations[l], FunctionRules.KnownActivations());
            }
        }
        CostKind chosen = cost ?? FunctionRules.NaturalCost(activations[activations.Count - 1]);
        if (!FunctionRules.IsDefined(chosen))
        {
            return Problem(ModelFormatError.UnknownCost, "has the cost {0}, which is not a CostKind; the costs are {1}.", (int)chosen, FunctionRules.KnownCosts());
        }
        if (checkFunctions && FunctionRules.Contradiction(activations, chosen) is string contradiction)
        {
            return new ModelFileProblem(ModelFormatError.InvalidHeader, "has " + FunctionRules.Describe(activations, chosen) + ", which no network has: " + contradiction + ".");
        }

        var layers = new LayerInfo[count - 1];
        for (int l = 1; l < count; l++)
        {
            layers[l - 1] = LayerInfo.Dense(layerSizes[l - 1], layerSizes[l], activations[l - 1]);
        }
        architecture = new NetworkArchitecture(TensorShape.Vector(layerSizes[0]), layers, chosen);
        return null;
    }

    /// <summary>
    /// A network of any layers: <c>[Network] [Input(…)]</c> followed by layer attributes. <paramref name="layers"/> are the
    /// layers 2..L in order, each taking what the one before gives (a dense layer flattens a spatial input);
    /// <paramref name="cost"/> null for the output's natural pair. A chain of dense layers over a vector is the same network
    /// as <see cref="Dense"/> makes.
    /// </summary>
    /// <exception cref="ArgumentException">No network has these layers and functions; the message says why.</exception>
    public static NetworkArchitecture Create(TensorShape input, IReadOnlyList<LayerInfo> layers, CostKind? cost = null)
    {
        if (layers is null)
        {
            throw new ArgumentNullException(nameof(layers));
        }
        if (TryCreate(input, layers, cost, out NetworkArchitecture? architecture) is { } problem)
        {
            throw new ArgumentException("The network " + problem.Message, nameof(layers));
        }
        return architecture!;
    }

    /// <summary>As <see cref="Create"/>, giving the problem (a phrase after "The network …") instead of throwing.</summary>
    internal static ModelFileProblem? TryCreate(TensorShape input, IReadOnlyList<LayerInfo> layers, CostKind? cost, out NetworkArchitecture? architecture)
    {
        architecture = null;
        int count = layers.Count + 1;
        if (count is < NetworkLimits.MinLayers or > NetworkLimits.MaxLayers)
        {
            return Problem(ModelFormatError.InvalidHeader, "has {0} layers; a network has {1} to {2}.", count, NetworkLimits.MinLayers, NetworkLimits.MaxLayers);
        }
        if (input.Rank is < 1 or > 3 || input.Channels < 1 || input.Height < 1 || input.Width < 1)
        {
            return Problem(ModelFormatError.InvalidHeader, "has no valid input shape.");
        }
        TensorShape previous = input;
        long parameters = 0;
        var activations = new ActivationKind[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            LayerInfo? layer = layers[i];
            if (layer is null)
            {
                return Problem(ModelFormatError.InvalidHeader, "has no layer {0}.", i + 2);
            }
            bool fits = layer.Kind == LayerKind.Dense ? layer.Input.Size == previous.Size : layer.Input == previous;
            if (!fits)
            {
                return Problem(ModelFormatError.InvalidHeader, "gives layer {0} ({1}) the {2} values of the layer before, which it does not take.", i + 2, layer, previous);
            }
            if (!FunctionRules.IsDefined(layer.Activation))
            {
                return Problem(ModelFormatError.UnknownActivation, "gives layer {0} the activation {1}, which is not an ActivationKind; the activations are {2}.", i + 2, (int)layer.Activation, FunctionRules.KnownActivations());
            }
            activations[i] = layer.Activation;
            parameters += layer.ParameterCount;
            previous = layer.Output;
        }
        if (parameters > NetworkLimits.MaxFileParameters)
        {
            return Problem(ModelFormatError.InvalidHeader, "has more parameters than a network can hold ({0:N0}).", NetworkLimits.MaxFileParameters);
        }
        CostKind chosen = cost ?? FunctionRules.NaturalCost(activations[activations.Length - 1]);
        if (!FunctionRules.IsDefined(chosen))
        {
            return Problem(ModelFormatError.UnknownCost, "has the cost {0}, which is not a CostKind; the costs are {1}.", (int)chosen, FunctionRules.KnownCosts());
        }
        if (FunctionRules.Contradiction(activations, chosen) is string contradiction)
        {
            return new ModelFileProblem(ModelFormatError.InvalidHeader, "has " + FunctionRules.Describe(activations, chosen) + ", which no network has: " + contradiction + ".");
        }
        var copy = new LayerInfo[layers.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = layers[i];
        }
        architecture = new NetworkArchitecture(input, copy, chosen);
        return null;
    }

    /// <summary>
    /// Whether the network is a chain of dense layers over a vector: what <c>[Network(n1, …, nL)]</c> declares and format
    /// version 2 of the model file records.
    /// </summary>
    public bool IsDenseChain
    {
        get
        {
            if (Input.Rank != 1)
            {
                return false;
            }
            foreach (LayerInfo layer in _layers)
            {
                if (layer.Kind != LayerKind.Dense)
                {
                    return false;
                }
            }
            return true;
        }
    }

    /// <summary>The shape of the input.</summary>
    public TensorShape Input { get; }

    /// <summary>The shape of the output: the last layer's.</summary>
    public TensorShape Output => _layers[_layers.Length - 1].Output;

    /// <summary>The layers after the input, in order: <c>Layers[0]</c> is layer 2 of the math.</summary>
    public IReadOnlyList<LayerInfo> Layers => _layers;

    /// <summary>The cost function the network is trained for.</summary>
    public CostKind Cost { get; }

    /// <summary>Where every weight and bias lives.</summary>
    public ParameterLayout Parameters { get; }

    /// <summary>The number of input values.</summary>
    public int InputSize => Input.Size;

    /// <summary>The number of output values.</summary>
    public int OutputSize => Output.Size;

    /// <summary>The number of parameters.</summary>
    public int ParameterCount => Parameters.Count;

    /// <summary>The number of values of every layer, input first (for a dense network, <c>[Network(…)]</c>'s sizes).</summary>
    public IReadOnlyList<int> LayerSizes { get; }

    /// <summary>The activation of every layer after the input, the output's last.</summary>
    public IReadOnlyList<ActivationKind> Activations { get; }

    /// <summary>The activation of the output layer.</summary>
    public ActivationKind OutputActivation => _activations[_activations.Length - 1];

    /// <summary>The layer sizes joined by dashes, input first, e.g. <c>784-30-10</c>.</summary>
    public string Shape => ModelFile.Shape(_layerSizes);

    /// <summary>What the network computes, e.g. <c>activations ReLU, Softmax and cost LogLikelihood</c>.</summary>
    public string Functions => FunctionRules.Describe(_activations, Cost);

    /// <summary>
    /// The attribute that declares this network, e.g.
    /// <c>[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]</c>.
    /// It names <c>Activations</c> when the hidden layers differ, and <c>Cost</c> only when it is not the output's
    /// natural pair; sigmoid, the default, is left out.
    /// </summary>
    public string Declaration
    {
        get
        {
            if (!IsDenseChain)
            {
                return LayerDeclaration;
            }
            var text = new StringBuilder("[Network(").Append(string.Join(", ", Array.ConvertAll(_layerSizes, size => size.ToString(CultureInfo.InvariantCulture))));
            ActivationKind output = OutputActivation;
            bool uniform = true;
            for (int l = 1; l < _activations.Length - 1; l++)
            {
                uniform &= _activations[l] == _activations[0];
            }
            if (!uniform)
            {
                text.Append(", Activations = new[] { ").Append(string.Join(", ", Array.ConvertAll(_activations, kind => "ActivationKind." + kind))).Append(" }");
            }
            else
            {
                if (_activations.Length > 1 && _activations[0] != ActivationKind.Sigmoid)
                {
                    text.Append(", HiddenActivation = ActivationKind.").Append(_activations[0]);
                }
                if (output != ActivationKind.Sigmoid)
                {
                    text.Append(", OutputActivation = ActivationKind.").Append(output);
                }
            }
            if (Cost != FunctionRules.NaturalCost(output))
            {
                text.Append(", Cost = CostKind.").Append(Cost);
            }
            return text.Append(")]").ToString();
        }
    }

    /// <summary>
    /// The attributes that declare this network layer by layer, one per line: <c>[Network]</c> (with <c>Cost</c> when it is not
    /// the output's natural pair), <c>[Input(…)]</c>, then one attribute per layer.
    /// </summary>
    public string LayerDeclaration
    {
        get
        {
            var text = new StringBuilder("[Network");
            if (Cost != FunctionRules.NaturalCost(OutputActivation))
            {
                text.Append("(Cost = CostKind.").Append(Cost).Append(')');
            }
            text.Append("]\n[Input(").Append(string.Join(", ", Array.ConvertAll(Input.Dimensions, Text))).Append(")]");
            foreach (LayerInfo layer in _layers)
            {
                text.Append('\n').Append(Attribute(layer));
            }
            return text.ToString();
        }
    }

    /// <summary>The attribute that declares <paramref name="layer"/>, e.g. <c>[Conv2D(6, 5, Padding = 2, Activation = ActivationKind.ReLU)]</c>.</summary>
    private static string Attribute(LayerInfo layer)
    {
        var text = new StringBuilder("[").Append(layer.Kind).Append('(');
        switch (layer.Kind)
        {
            case LayerKind.Dense:
                text.Append(Text(layer.Output.Size));
                break;
            case LayerKind.Conv2D:
            case LayerKind.Conv1D:
                text.Append(Text(layer.Output.Channels)).Append(", ").Append(Text(layer.KernelWidth));
                if (layer.Kind == LayerKind.Conv2D && layer.KernelHeight != layer.KernelWidth)
                {
                    text.Append(", KernelHeight = ").Append(Text(layer.KernelHeight));
                }
                if (layer.Stride != 1)
                {
                    text.Append(", Stride = ").Append(Text(layer.Stride));
                }
                if (layer.Padding != 0)
                {
                    text.Append(", Padding = ").Append(Text(layer.Padding));
                }
                break;
            case LayerKind.Dropout:
                text.Append(layer.Rate.ToString("R", CultureInfo.InvariantCulture));
                break;
            default:
                text.Append(Text(layer.KernelWidth));
                if (layer.Stride != layer.KernelWidth)
                {
                    text.Append(", Stride = ").Append(Text(layer.Stride));
                }
                break;
        }
        if ((layer.Kind is LayerKind.Dense || layer.IsConvolution) && layer.Activation != ActivationKind.Identity)
        {
            text.Append(", Activation = ActivationKind.").Append(layer.Activation);
        }
        return text.Append(")]").ToString();
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public bool Equals(NetworkArchitecture? other)
    {
        if (other is null || other.Input != Input || other.Cost != Cost || other._layers.Length != _layers.Length)
        {
            return false;
        }
        for (int i = 0; i < _layers.Length; i++)
        {
            if (!_layers[i].Equals(other._layers[i]))
            {
                return false;
            }
        }
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is NetworkArchitecture other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        int hash = Input.GetHashCode() * 31 + (int)Cost;
        foreach (LayerInfo layer in _layers)
        {
            hash = hash * 31 + layer.GetHashCode();
        }
        return hash;
    }

    /// <summary>E.g. "784-30-10 network with activations Sigmoid, Sigmoid and cost CrossEntropy".</summary>
    public override string ToString() => Shape + " network with " + Functions;

    private static ModelFileProblem Problem(ModelFormatError error, string format, params object[] arguments)
        => new(error, string.Format(CultureInfo.InvariantCulture, format, arguments));
}
