using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
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
    private readonly int[] _layerSizes;
    private readonly ActivationKind[] _activations;
    private readonly float[] _parameters;

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
    {
        ArgumentNullException.ThrowIfNull(layerSizes);
        ArgumentNullException.ThrowIfNull(activations);
        _layerSizes = layerSizes.ToArray();
        _activations = activations.ToArray();
        if (_layerSizes.Length is < NetworkSerializer.MinLayerCount or > NetworkSerializer.MaxLayerCount)
        {
            throw new ArgumentException(Invariant(
                $"A model has {NetworkSerializer.MinLayerCount} to {NetworkSerializer.MaxLayerCount} layers, not {_layerSizes.Length}."), nameof(layerSizes));
        }
        long count = 0;
        for (int l = 0; l < _layerSizes.Length; l++)
        {
            if (_layerSizes[l] < 1)
            {
                throw new ArgumentException(Invariant($"Layer {l + 1} has {_layerSizes[l]} neurons; every layer has at least one."), nameof(layerSizes));
            }
            if (l > 0)
            {
                count += (long)_layerSizes[l - 1] * _layerSizes[l] + _layerSizes[l];
                if (count > int.MaxValue)
                {
                    throw new ArgumentException(Invariant($"The sizes {string.Join('-', _layerSizes)} imply more parameters than a network can hold ({int.MaxValue:N0})."), nameof(layerSizes));
                }
            }
        }
        if (_activations.Length != _layerSizes.Length - 1)
        {
            throw new ArgumentException(Invariant(
                $"A {_layerSizes.Length}-layer model has {_layerSizes.Length - 1} activations (one per weight layer), not {_activations.Length}."), nameof(activations));
        }
        foreach (ActivationKind kind in _activations)
        {
            if (kind is < ActivationKind.Sigmoid or > ActivationKind.Softmax)
            {
                throw new ArgumentException(Invariant($"{(int)kind} is not an ActivationKind."), nameof(activations));
            }
        }
        Cost = cost ?? NetworkAttribute.NaturalCost(_activations[^1]);
        if (Cost is < CostKind.CrossEntropy or > CostKind.LogLikelihood)
        {
            throw new ArgumentException(Invariant($"{(int)Cost} is not a CostKind."), nameof(cost));
        }
        if (NetworkSerializer.Contradiction(_activations, Cost) is string contradiction)
        {
            throw new ArgumentException($"No network has {NetworkSerializer.DescribeFunctions(_activations, Cost)}: {contradiction}.", nameof(activations));
        }
        if (parameters.Length != count)
        {
            throw new ArgumentException(Invariant(
                $"A {Shape} network has {count:N0} parameters, not {parameters.Length:N0}."), nameof(parameters));
        }
        _parameters = parameters.ToArray();
    }

    /// <summary>The model of <paramref name="network"/>: its type's sizes and functions, a copy of its parameters.</summary>
    public static ModelData From<TNet>(TNet network) where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        return new ModelData(TNet.LayerSizes.ToArray(), TNet.Activations.ToArray(), TNet.Cost, network.Parameters);
    }

    /// <summary>Every layer's size, input first.</summary>
    public IReadOnlyList<int> LayerSizes => _layerSizes;

    /// <summary>The activation of every weight layer 2..L, the output's last.</summary>
    public IReadOnlyList<ActivationKind> Activations => _activations;

    /// <summary>The cost the model was trained for (or would be).</summary>
    public CostKind Cost { get; }

    /// <summary>The number of inputs n_1.</summary>
    public int InputSize => _layerSizes[0];

    /// <summary>The number of outputs n_L.</summary>
    public int OutputSize => _layerSizes[^1];

    /// <summary>The number of parameters: Σ_l n_l·n_(l−1) + n_l.</summary>
    public int ParameterCount => _parameters.Length;

    /// <summary>The layer sizes joined by dashes, input first, e.g. <c>784-100-10</c>.</summary>
    public string Shape => string.Join('-', _layerSizes);

    /// <summary>Every parameter, in the <see cref="INetwork{TSelf}.Parameters"/> layout.</summary>
    public ReadOnlySpan<float> Parameters => _parameters;

    /// <summary>The weights <c>w^l</c> of layer <paramref name="layer"/> (2..L), row-major [n_l, n_(l−1)].</summary>
    public ReadOnlySpan<float> Weights(int layer)
    {
        int start = Offset(layer);
        return _parameters.AsSpan(start, _layerSizes[layer - 1] * _layerSizes[layer - 2]);
    }

    /// <summary>The biases <c>b^l</c> of layer <paramref name="layer"/> (2..L), n_l of them.</summary>
    public ReadOnlySpan<float> Biases(int layer)
    {
        int start = Offset(layer) + _layerSizes[layer - 1] * _layerSizes[layer - 2];
        return _parameters.AsSpan(start, _layerSizes[layer - 1]);
    }

    /// <summary>
    /// The attribute that declares this model's network, e.g.
    /// <c>[Network(784, 100, 10, HiddenActivation = ActivationKind.ReLU, OutputActivation = ActivationKind.Softmax)]</c>.
    /// It names <c>Activations</c> when the hidden layers differ, and <c>Cost</c> only when it is not the output's
    /// natural pair; sigmoid, the default, is left out.
    /// </summary>
    public string NetworkDeclaration
    {
        get
        {
            var text = new StringBuilder("[Network(");
            text.AppendJoin(", ", _layerSizes.Select(size => size.ToString(CultureInfo.InvariantCulture)));
            ActivationKind output = _activations[^1];
            ReadOnlySpan<ActivationKind> hidden = _activations.AsSpan(0, _activations.Length - 1);
            bool uniform = true;
            foreach (ActivationKind kind in hidden)
            {
                uniform &= kind == (hidden.IsEmpty ? output : hidden[0]);
            }
            if (!uniform)
            {
                text.Append(", Activations = new[] { ")
                    .AppendJoin(", ", _activations.Select(kind => "ActivationKind." + kind))
                    .Append(" }");
            }
            else
            {
                if (!hidden.IsEmpty && hidden[0] != ActivationKind.Sigmoid)
                {
                    text.Append(", HiddenActivation = ActivationKind.").Append(hidden[0]);
                }
                if (output != ActivationKind.Sigmoid)
                {
                    text.Append(", OutputActivation = ActivationKind.").Append(output);
                }
            }
            if (Cost != NetworkAttribute.NaturalCost(output))
            {
                text.Append(", Cost = CostKind.").Append(Cost);
            }
            return text.Append(")]").ToString();
        }
    }

    /// <summary>What the model computes, e.g. <c>activations ReLU, Softmax and cost LogLikelihood</c>.</summary>
    public string Functions => NetworkSerializer.DescribeFunctions(_activations, Cost);

    /// <inheritdoc/>
    public override string ToString() => $"{Shape} network with {Functions}";

    private int Offset(int layer)
    {
        if (layer < 2 || layer > _layerSizes.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), layer, Invariant($"Weight layers are numbered 2..{_layerSizes.Length}."));
        }
        int offset = 0;
        for (int l = 1; l < layer - 1; l++)
        {
            offset += _layerSizes[l] * _layerSizes[l - 1] + _layerSizes[l];
        }
        return offset;
    }
}
