using System;
using System.Collections.Generic;
using static System.FormattableString;

namespace Backprop;

/// <summary>
/// A model without a network type: its layer sizes, activations, cost and parameters, as a model file holds them.
/// Tools that handle models of any shape (converters, inspectors) use it; a program that knows its network uses the
/// generated type and <see cref="NetworkSerializer.Load{TNet}(string)"/>.
/// </summary>
/// <remarks>
/// The parameters are in the <see cref="INetwork{TSelf}.Parameters"/> layout: for each layer l = 2..L, the weights
/// row-major [n_l, n_(l−1)] (<c>w^l_ij</c>, to neuron i of layer l from neuron j of layer l − 1), then the biases
/// <c>b^l</c> (n_l). <see cref="Weights"/> and <see cref="Biases"/> give each layer's part.
/// </remarks>
public sealed class ModelData
{
    private readonly float[] _parameters;
    private uint? _checksum;

    /// <summary>A model with these sizes, functions and parameters (copied), checked as a model file is checked.</summary>
    /// <param name="layerSizes">Every layer's size, input first (2 to 32 layers, each at least 1).</param>
    /// <param name="activations">One activation per weight layer 2..L, the output's last.</param>
    /// <param name="cost">
    /// The cost; null for the output's natural pair (<see cref="NetworkAttribute.NaturalCost(ActivationKind)"/>), as when a
    /// <see cref="NetworkAttribute"/> names none.
    /// </param>
    /// <param name="parameters">Every parameter, in the <see cref="INetwork{TSelf}.Parameters"/> layout.</param>
    /// <exception cref="ArgumentException">No network has these sizes, functions or this many parameters.</exception>
    public ModelData(IReadOnlyList<int> layerSizes, IReadOnlyList<ActivationKind> activations, CostKind? cost, ReadOnlySpan<float> parameters)
        : this(NetworkArchitecture.Dense(layerSizes, activations, cost), parameters)
    {
    }

    /// <summary>A model of <paramref name="architecture"/> with these parameters (copied).</summary>
    /// <exception cref="ArgumentException">The number of parameters is not the architecture's.</exception>
    public ModelData(NetworkArchitecture architecture, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        if (parameters.Length != architecture.ParameterCount)
        {
            throw new ArgumentException(Invariant(
                $"A {architecture.Shape} network has {architecture.ParameterCount:N0} parameters, not {parameters.Length:N0}."), nameof(parameters));
        }
        Architecture = architecture;
        _parameters = parameters.ToArray();
    }

    /// <summary>A model read from a file, whose parameters are taken as they are and whose CRC-32 is known.</summary>
    internal ModelData(NetworkArchitecture architecture, float[] parameters, uint checksum)
    {
        Architecture = architecture;
        _parameters = parameters;
        _checksum = checksum;
    }

    /// <summary>The model of <paramref name="network"/>: its type's architecture, a copy of its parameters.</summary>
    public static ModelData From<TNet>(TNet network) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        return new ModelData(TNet.Architecture, network.Parameters);
    }

    /// <summary>The network: its layers, cost and parameter layout.</summary>
    public NetworkArchitecture Architecture { get; }

    /// <summary>Every layer's size, input first.</summary>
    public IReadOnlyList<int> LayerSizes => Architecture.LayerSizes;

    /// <summary>The activation of every weight layer 2..L, the output's last.</summary>
    public IReadOnlyList<ActivationKind> Activations => Architecture.Activations;

    /// <summary>The cost the model was trained for (or would be).</summary>
    public CostKind Cost => Architecture.Cost;

    /// <summary>The number of inputs n_1.</summary>
    public int InputSize => Architecture.InputSize;

    /// <summary>The number of outputs n_L.</summary>
    public int OutputSize => Architecture.OutputSize;

    /// <summary>The number of parameters: Σ_l n_l·n_(l−1) + n_l.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>The layer sizes joined by dashes, input first, e.g. <c>784-100-10</c>.</summary>
    public string Shape => Architecture.Shape;

    /// <summary>Every parameter, in the <see cref="INetwork{TSelf}.Parameters"/> layout.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>
    /// The CRC-32 of the model file (the one it stores after the parameters): of the file it was read from, or of the
    /// file <see cref="NetworkSerializer.Save(ModelData, System.IO.Stream)"/> writes.
    /// </summary>
    public uint Checksum => _checksum ??= ComputeChecksum();

    /// <summary>The weights <c>w^l</c> of layer <paramref name="layer"/> (2..L), row-major [n_l, n_(l−1)].</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such layer.</exception>
    public ReadOnlySpan<float> Weights(int layer)
        => _parameters.AsSpan(Architecture.Parameters.WeightOffset(layer), Architecture.Layers[layer - 2].WeightCount);

    /// <summary>The biases <c>b^l</c> of layer <paramref name="layer"/> (2..L), n_l of them.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such layer.</exception>
    public ReadOnlySpan<float> Biases(int layer)
        => _parameters.AsSpan(Architecture.Parameters.BiasOffset(layer), Architecture.Layers[layer - 2].BiasCount);

    /// <summary>
    /// The attribute that declares this model's network, e.g.
    /// <c>[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]</c>
    /// (see <see cref="NetworkArchitecture.Declaration"/>).
    /// </summary>
    public string NetworkDeclaration => Architecture.Declaration;

    /// <summary>What the model computes, e.g. <c>activations ReLU, Softmax and cost LogLikelihood</c>.</summary>
    public string Functions => Architecture.Functions;

    /// <inheritdoc/>
    public override string ToString() => Architecture.ToString();

    private uint ComputeChecksum()
    {
        using var file = new System.IO.MemoryStream();
        NetworkSerializer.Save(this, file);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(file.GetBuffer().AsSpan((int)file.Length - 4, 4));
    }
}
