using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Onnx;
using static System.FormattableString;

namespace Backprop.Onnx;

/// <summary>
/// Reads a multilayer perceptron or a convolutional network from an ONNX model, e.g. one exported by PyTorch's <c>torch.onnx.export</c> or by
/// <see cref="OnnxExporter"/>, as a <see cref="ModelData"/> (which <see cref="NetworkSerializer"/> saves, and a generated
/// network with the same <see cref="ModelData.NetworkDeclaration"/> loads).
/// </summary>
/// <remarks>
/// <para>
/// The graph must be a chain from its one input (a float tensor [batch, ...]) to its one output. Each layer is a
/// <c>Gemm</c> (transA = 0, transB 0 or 1, any alpha and beta, which are folded into the weights and biases; the bias
/// C optional and of shape [n], [1, n] or a scalar) or a <c>MatMul</c> by a constant [n_(l−1), n_l] matrix, either
/// followed by <c>Add</c>s of constant biases (in either operand order). A layer's activation is the <c>Relu</c>,
/// <c>LeakyRelu</c> (alpha 0.01 only: the runtime's slope is fixed), <c>Tanh</c>, <c>Sigmoid</c> or <c>Softmax</c>
/// (over the last axis, on the output layer only) that follows it; a layer followed by nothing, or directly by the
/// next layer, is an identity layer (the composition of two linear maps is exactly that). <c>Flatten</c> (axis 1),
/// <c>Reshape</c> to a constant shape that flattens each sample ([-1, n], [0, -1], [0, n]; [1, -1] or [1, n] unless the
/// input fixes a batch larger than 1), <c>Identity</c> and <c>Dropout</c> in inference mode may stand anywhere in the
/// chain.
/// </para>
/// <para>
/// Over a signal [batch, C, L] or an image [batch, C, H, W] whose dimensions the graph input declares, a layer may also be
/// a <c>Conv</c> (weights [filters, C, kernel...] as stored, an optional bias [filters]; group 1, dilation 1, one stride
/// for both axes of an image, the same padding on every side, <c>auto_pad</c> NOTSET or VALID), a <c>MaxPool</c> or an
/// <c>AveragePool</c> (a square window on an image, no padding, <c>ceil_mode</c> 0; a <c>Pad</c> of zeros before it, as
/// PyTorch writes, is skipped). The first dense layer after them takes the flattened maps (C, H, W order). An
/// inference-mode <c>BatchNormalization</c> right after a <c>Conv</c> or dense layer, before its activation, is folded
/// into it: with scale = γ / √(var + ε) per output channel, w' = w · scale and b' = (b − mean) · scale + β. An activation
/// after a max pool is the activation of the convolution before the pool (a non-decreasing function and the max
/// commute), as PyTorch's <c>F.relu(F.max_pool2d(conv(x), 2))</c> exports.
/// </para>
/// <para>
/// Weights and biases are initializers or <c>Constant</c> nodes (or <c>Identity</c> nodes of one), float32, in
/// <c>raw_data</c> or <c>float_data</c>; both layouts of a weight matrix end up in the runtime's row-major
/// [n_l, n_(l−1)]. The model's cost is the output's natural pair, unless the metadata says otherwise
/// (<see cref="OnnxExporter.CostMetadataKey"/>, as written by <see cref="OnnxExporter"/>, when it names a cost the
/// activations allow). Nothing is written: the caller saves the result.
/// </para>
/// </remarks>
public static class OnnxImporter
{
    /// <summary>What a model may be made of: the end of every message about an unsupported node.</summary>
    internal const string Supported =
        "a model is a chain of Gemm or MatMul+Add, Conv (1-D or 2-D), MaxPool and AveragePool layers with Relu, LeakyRelu(0.01), Tanh, Sigmoid, " +
        "Softmax (output layer only), BatchNormalization (after a Conv or Gemm), and Flatten/Reshape/Identity/Dropout (inference)/Pad (of zeros)";

    /// <summary>Reads the ONNX model in the file <paramref name="path"/>.</summary>
    /// <param name="path">The <c>.onnx</c> file.</param>
    /// <returns>The model: its layer sizes, activations and parameters, with the output's natural cost.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty.</exception>
    /// <exception cref="FileNotFoundException">The file (or its folder) does not exist; the message has the full path.</exception>
    /// <exception cref="OnnxImportException">The file is not an ONNX model, or not one this importer supports.</exception>
    public static ModelData Import(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"The ONNX model '{fullPath}' does not exist.", fullPath, e);
        }
        using (stream)
        {
            return Import(stream, fullPath);
        }
    }

    /// <summary>Reads an ONNX model from <paramref name="stream"/> (to its end; the stream is left open).</summary>
    /// <param name="stream">The bytes of a <c>.onnx</c> file.</param>
    /// <param name="name">The name that error messages give the model, e.g. a file name.</param>
    /// <returns>The model: its layer sizes, activations and parameters, with the output's natural cost.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="stream"/> or <paramref name="name"/> is <see langword="null"/>.</exception>
    /// <exception cref="OnnxImportException">The bytes are not an ONNX model, or not one this importer supports.</exception>
    public static ModelData Import(Stream stream, string name = "stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException(
                $"'{name}' is not an ONNX model: it does not parse as an ONNX ModelProto ({e.Message.TrimEnd('.')}).",
                name, OnnxImportError.NotOnnx, innerException: e);
        }
        return new Reader(model, name).Read();
    }

    /// <summary>
    /// One layer as it is read: its node, its shape (<see cref="Info"/>, made with the identity activation: the
    /// activation is known only when the next node is read), its parameters in the runtime's layout, then its activation.
    /// </summary>
    private sealed class Layer(NodeProto node, LayerInfo info, float[] weights, float[] biases)
    {
        public NodeProto Node { get; } = node;

        public LayerInfo Info { get; } = info;

        public int Outputs => Info.Output.Size;

        /// <summary>Row-major: dense [Outputs, Inputs]; a convolution [filters, channels, kernel...]; none for a pool.</summary>
        public float[] Weights { get; } = weights;

        public float[] Biases { get; } = biases;

        public ActivationKind? Activation { get; set; } = info.IsPooling ? ActivationKind.Identity : null;

        public NodeProto? ActivationNode { get; set; }

        /// <summary>The layer with its activation.</summary>
        public LayerInfo Final()
        {
            ActivationKind activation = Activation ?? ActivationKind.Identity;
            return Info.Kind switch
            {
                LayerKind.Dense => LayerInfo.Dense(Info.Input.Size, Info.Output.Size, activation),
                LayerKind.Conv2D => LayerInfo.Conv2D(Info.Input, Info.Output.Channels, Info.KernelHeight, Info.KernelWidth, Info.Stride, Info.Padding, activation),
                LayerKind.Conv1D => LayerInfo.Conv1D(Info.Input, Info.Output.Channels, Info.KernelWidth, Info.Stride, Info.Padding, activation),
                _ => Info,
            };
        }
    }

    private sealed class Reader
    {
        private readonly ModelProto _model;
        private readonly GraphProto _graph;
        private readonly string _source;
        private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
        // The nodes that only give a constant (Constant nodes, and Identities of a constant): they are not on the chain.
        private readonly HashSet<NodeProto> _constantNodes = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
        private readonly Dictionary<NodeProto, int> _index = new(ReferenceEqualityComparer.Instance);
        private readonly List<Layer> _layers = [];
        private string _current = "";

        // What flows along the chain: its rank and the number of features per sample, where known; its shape per sample
        // when it is a signal [batch, C, L] or an image [batch, C, H, W] of known dimensions; and the input's batch size,
        // where the model fixes it. The network's input is the shape the first layer takes.
        private int? _rank;
        private long? _features;
        private TensorShape? _shape;
        private long? _batch;
        private TensorShape _input;

        public Reader(ModelProto model, string source)
        {
            _model = model;
            _source = source;
            _graph = model.Graph ?? throw new OnnxImportException(
                $"'{source}' is not an ONNX model: it has no graph.", source, OnnxImportError.NotOnnx);
        }

        public ModelData Read()
        {
            if (_model.IrVersion <= 0)
            {
                throw Fail(OnnxImportError.NotOnnx, null, "is not an ONNX model: it has no IR version");
            }
            foreach (TensorProto initializer in _graph.Initializer)
            {
                _constants[initializer.Name] = initializer;
            }
            var identities = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
            for (int i = 0; i < _graph.Node.Count; i++)
            {
                NodeProto node = _graph.Node[i];
                _index[node] = i;
                if (!IsDefaultDomain(node))
                {
                    continue;
                }
                if (node.OpType == "Constant")
                {
                    if (node.Output.Count == 1)
                    {
                        _constants[node.Output[0]] = ConstantValue(node);
                    }
                    _constantNodes.Add(node);
                }
                else if (node.OpType == "Identity" && node.Input.Count == 1 && node.Output.Count == 1 && node.Attribute.Count == 0)
                {
                    identities.TryAdd(node.Output[0], node);
                }
            }
            FoldIdentities(identities);
            foreach (NodeProto node in _graph.Node)
            {
                if (_constantNodes.Contains(node))
                {
                    continue;
                }
                foreach (string name in node.Input)
                {
                    if (name.Length == 0)
                    {
                        continue;
                    }
                    if (!_consumers.TryGetValue(name, out List<NodeProto>? list))
                    {
                        _consumers[name] = list = [];
                    }
                    if (!list.Contains(node))
                    {
                        list.Add(node);
                    }
                }
            }

            ValueInfoProto input = SingleInput();
            ValueInfoProto output = SingleOutput();
            CheckInput(input);
            Walk(input.Name, output.Name);

            if (_layers.Count == 0)
            {
                throw Fail(OnnxImportError.Empty, null, Invariant(
                    $"has no layer: no Gemm, MatMul, Conv or pool between input '{input.Name}' and output '{output.Name}'; {Supported}"));
            }
            if (_layers.Count + 1 > NetworkSerializer.MaxLayerCount)
            {
                throw Fail(OnnxImportError.TooLarge, null, Invariant(
                    $"has {_layers.Count} weight layers ({_layers.Count + 1} layers with the input); a network has at most {NetworkSerializer.MaxLayerCount} layers"));
            }
            Layer last = _layers[^1];
            foreach (Layer layer in _layers)
            {
                layer.Activation ??= ActivationKind.Identity;
            }
            CheckOutput(output, last.Outputs);

            int[] sizes = [_input.Size, .. _layers.Select(layer => layer.Outputs)];
            ActivationKind[] activations = [.. _layers.Select(layer => layer.Activation!.Value)];
            long count = 0;
            foreach (Layer layer in _layers)
            {
                count += layer.Weights.LongLength + layer.Biases.LongLength;
            }
            if (count > int.MaxValue)
            {
                throw Fail(OnnxImportError.TooLarge, null, Invariant(
                    $"has {count:N0} parameters; a network holds at most {int.MaxValue:N0}"));
            }
            NetworkArchitecture architecture;
            try
            {
                architecture = _layers.TrueForAll(layer => layer.Info.Kind == LayerKind.Dense)
                    ? NetworkArchitecture.Dense(sizes, activations, Cost(activations))
                    : NetworkArchitecture.Create(_input, [.. _layers.Select(layer => layer.Final())], Cost(activations));
            }
            catch (ArgumentException e)
            {
                throw Fail(OnnxImportError.TooLarge, null, $"is not a network Backprop.Generated can hold: {e.Message}", e);
            }
            // Each layer's tensors where the architecture's parameter layout puts them.
            float[] parameters = new float[architecture.ParameterCount];
            ParameterLayout layout = architecture.Parameters;
            for (int i = 0; i < _layers.Count; i++)
            {
                _layers[i].Weights.CopyTo(parameters, layout.WeightOffset(i + 2));
                _layers[i].Biases.CopyTo(parameters, layout.BiasOffset(i + 2));
            }
            return new ModelData(architecture, parameters);
        }

        /// <summary>
        /// Makes every Identity whose input is a constant, directly or through more Identities, that constant: exporters
        /// give a second layer an equal initializer (a de-duplicated bias or weight) through an Identity. Each name is
        /// followed back once, so that a long chain, or a cycle, costs no more than its length.
        /// </summary>
        private void FoldIdentities(Dictionary<string, NodeProto> identities)
        {
            var followed = new HashSet<string>(StringComparer.Ordinal);
            var path = new List<NodeProto>();
            foreach (NodeProto start in identities.Values)
            {
                path.Clear();
                string name = start.Output[0];
                while (!_constants.ContainsKey(name) && followed.Add(name) && identities.TryGetValue(name, out NodeProto? identity))
                {
                    path.Add(identity);
                    name = identity.Input[0];
                }
                if (_constants.TryGetValue(name, out TensorProto? tensor))
                {
                    foreach (NodeProto identity in path)
                    {
                        _constants[identity.Output[0]] = tensor;
                        _constantNodes.Add(identity);
                    }
                }
            }
        }

        private CostKind? Cost(ActivationKind[] activations)
        {
            foreach (StringStringEntryProto entry in _model.MetadataProps)
            {
                if (entry.Key != OnnxExporter.CostMetadataKey)
                {
                    continue;
                }
                // Only a cost the output allows: cross-entropy with sigmoid, log-likelihood with softmax, quadratic with any.
                ActivationKind output = activations[^1];
                return entry.Value switch
                {
                    nameof(CostKind.CrossEntropy) when output == ActivationKind.Sigmoid => CostKind.CrossEntropy,
                    nameof(CostKind.LogLikelihood) when output == ActivationKind.Softmax => CostKind.LogLikelihood,
                    nameof(CostKind.Quadratic) => CostKind.Quadratic,
                    _ => null,
                };
            }
            return null;
        }

        private ValueInfoProto SingleInput()
        {
            List<ValueInfoProto> inputs = [.. _graph.Input.Where(value => !_constants.ContainsKey(value.Name))];
            if (inputs.Count != 1)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, null, Invariant(
                    $"has {inputs.Count} inputs{Names(inputs)} besides its weights; a network has exactly one, a float tensor [batch, features]"));
            }
            return inputs[0];
        }

        private ValueInfoProto SingleOutput()
        {
            if (_graph.Output.Count != 1)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, null, Invariant(
                    $"has {_graph.Output.Count} outputs{Names(_graph.Output)}; a network has exactly one, a float tensor [batch, outputs]"));
            }
            return _graph.Output[0];
        }

        private static string Names(IEnumerable<ValueInfoProto> values)
        {
            string names = string.Join(", ", values.Select(value => "'" + value.Name + "'"));
            return names.Length == 0 ? "" : " (" + names + ")";
        }

        private void CheckInput(ValueInfoProto input)
        {
            TypeProto.Types.Tensor? tensor = TensorType(input, "input");
            if (tensor?.Shape is TensorShapeProto shape)
            {
                _rank = shape.Dim.Count;
                if (_rank < 2)
                {
                    throw Fail(OnnxImportError.ShapeMismatch, null, Invariant(
                        $"has input '{input.Name}' of rank {_rank}; a network's input is [batch, features] (or [batch, ...] before a Flatten)"));
                }
                if (shape.Dim[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                {
                    _batch = shape.Dim[0].DimValue;
                }
                long product = 1;
                for (int d = 1; d < shape.Dim.Count && product > 0; d++)
                {
                    TensorShapeProto.Types.Dimension dim = shape.Dim[d];
                    // More features than int.MaxValue fit no layer; checked before multiplying, which then cannot overflow.
                    if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue > int.MaxValue / product)
                    {
                        throw Fail(OnnxImportError.TooLarge, null, Invariant(
                            $"has input '{input.Name}' of shape {Describe(shape)}, more than {int.MaxValue:N0} features per sample; too large for a network"));
                    }
                    product = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue > 0
                        ? product * dim.DimValue
                        : -1;
                }
                _features = product > 0 ? product : null;
                if (_features is not null && _rank is 3 or 4)
                {
                    _shape = TensorShape.FromDimensions([.. shape.Dim.Skip(1).Select(dim => (int)dim.DimValue)]);
                }
            }
        }

        /// <summary>
        /// The declared output is [batch, n_L]; or, when the chain ends in a signal or an image (not flattened), of that
        /// shape, [batch, C, L] or [batch, C, H, W]. Unknown dimensions fit any.
        /// </summary>
        private void CheckOutput(ValueInfoProto output, int width)
        {
            TypeProto.Types.Tensor? tensor = TensorType(output, "output");
            if (tensor?.Shape is TensorShapeProto shape)
            {
                long[] expected = _shape is TensorShape spatial && _rank is 3 or 4 ? [.. spatial.Dimensions.Select(d => (long)d)] : [width];
                bool fits = shape.Dim.Count == expected.Length + 1;
                for (int d = 1; fits && d < shape.Dim.Count; d++)
                {
                    fits = shape.Dim[d].ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue || shape.Dim[d].DimValue == expected[d - 1];
                }
                if (!fits)
                {
                    throw Fail(OnnxImportError.ShapeMismatch, null, Invariant(
                        $"declares output '{output.Name}' as {Describe(shape)}, but the last layer gives [batch, {string.Join(", ", expected)}]"));
                }
            }
        }

        private TypeProto.Types.Tensor? TensorType(ValueInfoProto value, string role)
        {
            if (value.Type is null)
            {
                return null;
            }
            if (value.Type.ValueCase != TypeProto.ValueOneofCase.TensorType)
            {
                throw Fail(OnnxImportError.UnsupportedType, null, $"has {role} '{value.Name}' of type {value.Type.ValueCase}; a network's {role} is a float32 tensor");
            }
            TypeProto.Types.Tensor tensor = value.Type.TensorType;
            if (tensor.ElemType != (int)TensorProto.Types.DataType.Float)
            {
                throw Fail(OnnxImportError.UnsupportedType, null,
                    $"has {role} '{value.Name}' of element type {TypeName(tensor.ElemType)}; only float32 (FLOAT) is supported");
            }
            return tensor;
        }

        /// <summary>Follows the chain from <paramref name="input"/> to <paramref name="output"/>, node by node.</summary>
        private void Walk(string input, string output)
        {
            var visited = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
            NodeProto? previous = null;
            _current = input;
            while (_current != output)
            {
                List<NodeProto> consumers = _consumers.GetValueOrDefault(_current) ?? [];
                if (consumers.Count == 0)
                {
                    throw Fail(OnnxImportError.UnsupportedGraph, previous, Invariant(
                        $"gives '{_current}', which feeds no node, and the output '{output}' is not reached; {Supported}"));
                }
                if (consumers.Count > 1)
                {
                    throw Fail(OnnxImportError.UnsupportedGraph, consumers[1], Invariant(
                        $"is one of {consumers.Count} nodes ({string.Join(", ", consumers.Select(Describe))}) fed by '{_current}'; {Supported}"));
                }
                NodeProto node = consumers[0];
                if (!visited.Add(node))
                {
                    throw Fail(OnnxImportError.UnsupportedGraph, node, "is reached twice: the graph has a cycle");
                }
                Step(node);
                previous = node;
                _current = node.Output.Count > 0 ? node.Output[0] : throw Fail(OnnxImportError.UnsupportedGraph, node, "has no output");
                for (int o = 1; o < node.Output.Count; o++)
                {
                    string extra = node.Output[o];
                    if (extra.Length > 0 && (_consumers.ContainsKey(extra) || extra == output))
                    {
                        throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                            $"has its output {o + 1} ('{extra}') used; only its first output can be"));
                    }
                }
            }
            if (_consumers.TryGetValue(output, out List<NodeProto>? after) && after.Count > 0)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, after[0], Invariant($"reads the output '{output}'; the output must end the chain"));
            }
            foreach (NodeProto node in _graph.Node)
            {
                if (!visited.Contains(node) && !_constantNodes.Contains(node))
                {
                    throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                        $"is not on the chain from input '{input}' to output '{output}'; {Supported}"));
                }
            }
        }

        private void Step(NodeProto node)
        {
            if (!IsDefaultDomain(node))
            {
                throw Fail(OnnxImportError.UnsupportedOperator, node, $"is from the operator domain '{node.Domain}', not ai.onnx; {Supported}");
            }
            switch (node.OpType)
            {
                case "Gemm":
                    Gemm(node);
                    break;
                case "Conv":
                    Conv(node);
                    break;
                case "MaxPool":
                    Pool(node, max: true);
                    break;
                case "AveragePool":
                    Pool(node, max: false);
                    break;
                case "BatchNormalization":
                    BatchNormalization(node);
                    break;
                case "Pad":
                    Pad(node);
                    break;
                case "MatMul":
                    MatMul(node);
                    break;
                case "Add":
                    Add(node);
                    break;
                case "Relu":
                    CheckUnary(node);
                    Activate(node, ActivationKind.ReLU);
                    break;
                case "Tanh":
                    CheckUnary(node);
                    Activate(node, ActivationKind.Tanh);
                    break;
                case "Sigmoid":
                    CheckUnary(node);
                    Activate(node, ActivationKind.Sigmoid);
                    break;
                case "LeakyRelu":
                    CheckUnary(node, "alpha");
                    float alpha = FloatAttribute(node, "alpha", 0.01f);
                    if (!(Math.Abs(alpha - 0.01f) <= 1e-6f))
                    {
                        throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                            $"has alpha {alpha.ToString("R", CultureInfo.InvariantCulture)}; the runtime's leaky ReLU has slope 0.01 only"));
                    }
                    Activate(node, ActivationKind.LeakyReLU);
                    break;
                case "Softmax":
                    CheckUnary(node, "axis");
                    long axis = IntAttribute(node, "axis", DefaultOpset() < 13 ? 1 : -1);
                    if (axis is not (1 or -1))
                    {
                        throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                            $"has axis {axis}; softmax is supported over the last axis of [batch, outputs] only (axis 1 or -1)"));
                    }
                    if (_rank is int softmaxRank && softmaxRank != 2)
                    {
                        throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                            $"takes '{_current}' of rank {softmaxRank}; softmax is supported over [batch, outputs] only: flatten the maps first"));
                    }
                    Activate(node, ActivationKind.Softmax);
                    break;
                case "Flatten":
                    CheckUnary(node, "axis");
                    Flatten(node);
                    break;
                case "Reshape":
                    Reshape(node);
                    break;
                case "Identity":
                    CheckUnary(node);
                    break;
                case "Dropout":
                    Dropout(node);
                    break;
                default:
                    throw Fail(OnnxImportError.UnsupportedOperator, node, "is not supported; " + Supported);
            }
        }

        private long DefaultOpset()
        {
            foreach (OperatorSetIdProto opset in _model.OpsetImport)
            {
                if (opset.Domain is "" or "ai.onnx")
                {
                    return opset.Version;
                }
            }
            return 1;
        }

        private void Gemm(NodeProto node)
        {
            CheckAttributes(node, "alpha", "beta", "transA", "transB");
            if (node.Input.Count is < 2 or > 3 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"does not take '{_current}' as its input A; a layer is Gemm(activations, weights[, bias])"));
            }
            long transA = IntAttribute(node, "transA", 0);
            long transB = IntAttribute(node, "transB", 0);
            if (transA != 0)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant($"has transA {transA}; only transA 0 (A is the activations [batch, features]) is supported"));
            }
            if (transB is not (0 or 1))
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant($"has transB {transB}; it is 0 or 1"));
            }
            float alpha = FloatAttribute(node, "alpha", 1f);
            float beta = FloatAttribute(node, "beta", 1f);
            var (b, bDims) = Floats(node, node.Input[1], "weights B");
            if (bDims.Length != 2)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant($"has weights '{node.Input[1]}' of shape {Describe(bDims)}; they are a matrix"));
            }
            float[] weights = transB == 1 ? b : Transpose(b, bDims[0], bDims[1]);
            int outputs = (int)(transB == 1 ? bDims[0] : bDims[1]);
            int inputs = (int)(transB == 1 ? bDims[1] : bDims[0]);
            if (alpha != 1f)
            {
                for (int i = 0; i < weights.Length; i++)
                {
                    weights[i] *= alpha;
                }
            }
            float[] biases = new float[outputs];
            if (node.Input.Count == 3 && node.Input[2].Length > 0)
            {
                AddBias(node, node.Input[2], biases, beta);
            }
            StartLayer(node, inputs, outputs, weights, biases);
        }

        private void MatMul(NodeProto node)
        {
            CheckAttributes(node);
            if (node.Input.Count != 2 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"does not multiply '{_current}' by a constant matrix; a layer is MatMul(activations, weights [inputs, outputs])"));
            }
            var (b, dims) = Floats(node, node.Input[1], "weights");
            if (dims.Length != 2)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant($"has weights '{node.Input[1]}' of shape {Describe(dims)}; they are a matrix [inputs, outputs]"));
            }
            StartLayer(node, (int)dims[0], (int)dims[1], Transpose(b, dims[0], dims[1]), new float[dims[1]]);
        }

        private void Add(NodeProto node)
        {
            CheckAttributes(node);
            if (node.Input.Count != 2 || (node.Input[0] == _current) == (node.Input[1] == _current))
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"does not add a constant bias to '{_current}'; Add is supported as the bias of a Gemm or MatMul layer"));
            }
            string bias = node.Input[0] == _current ? node.Input[1] : node.Input[0];
            if (_layers.Count > 0 && _layers[^1].Info.Kind != LayerKind.Dense)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"adds '{bias}' after the {_layers[^1].Info.Kind} layer {Describe(_layers[^1].Node)}; Add is supported as the bias of a Gemm or MatMul layer"));
            }
            if (_layers.Count == 0 || _layers[^1].Activation is not null)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"adds '{bias}' {(_layers.Count == 0 ? "before any layer" : "after an activation")}; Add is supported as the bias of a Gemm or MatMul layer, before its activation"));
            }
            AddBias(node, bias, _layers[^1].Biases, 1f);
        }

        /// <summary>Adds <paramref name="scale"/> times the constant <paramref name="name"/>, broadcast to a row, to <paramref name="biases"/>.</summary>
        private void AddBias(NodeProto node, string name, float[] biases, float scale)
        {
            if (!_constants.ContainsKey(name))
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant($"adds '{name}', which is not a constant; only a constant bias is supported"));
            }
            var (values, dims) = Floats(node, name, "bias");
            int n = biases.Length;
            bool row = dims.Length switch
            {
                0 => true,
                1 => dims[0] == n || dims[0] == 1,
                2 => dims[0] == 1 && (dims[1] == n || dims[1] == 1),
                _ => false,
            };
            if (!row)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"has bias '{name}' of shape {Describe(dims)}; a layer of {n} neurons takes a bias [{n}], [1, {n}] or a scalar"));
            }
            for (int i = 0; i < n; i++)
            {
                biases[i] += scale * values[values.Length == 1 ? 0 : i];
            }
        }

        private void StartLayer(NodeProto node, int inputs, int outputs, float[] weights, float[] biases)
        {
            if (_rank is int rank && rank != 2)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"takes '{_current}' of rank {rank}; a layer takes [batch, features]: is a Flatten missing?"));
            }
            if (_features is long features && features != inputs)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"has weights for {inputs} inputs but '{_current}' has {features} features per sample"));
            }
            if (inputs < 1 || outputs < 1)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant($"has weights [{outputs}, {inputs}]; a layer has at least one input and one neuron"));
            }
            AddLayer(new Layer(node, LayerInfo.Dense(inputs, outputs, ActivationKind.Identity), weights, biases), closePrevious: true);
            _rank = 2;
            _shape = null;
        }

        /// <summary>
        /// Appends <paramref name="layer"/> to the chain (the first layer fixes the network's input shape); with
        /// <paramref name="closePrevious"/>, a layer before it still without an activation is an identity layer.
        /// </summary>
        private void AddLayer(Layer layer, bool closePrevious)
        {
            if (_layers.Count == 0)
            {
                _input = layer.Info.Input;
            }
            else
            {
                Layer previous = _layers[^1];
                if (previous.Activation == ActivationKind.Softmax)
                {
                    throw Fail(OnnxImportError.UnsupportedGraph, previous.ActivationNode, Invariant(
                        $"is a softmax before layer {Describe(layer.Node)}; softmax is supported on the output layer only"));
                }
                if (closePrevious)
                {
                    // A linear layer straight after another: the first is an identity layer (exactly what it computes).
                    previous.Activation ??= ActivationKind.Identity;
                }
            }
            _layers.Add(layer);
            _features = layer.Outputs;
        }

        /// <summary>The signal or image flowing into <paramref name="node"/>, which needs one; <paramref name="what"/> names the node's kind.</summary>
        private TensorShape Spatial(NodeProto node, string what)
        {
            if (_rank is not (3 or 4) || _shape is not TensorShape shape)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"takes '{_current}' of {(_rank is int rank ? "rank " + rank.ToString(CultureInfo.InvariantCulture) : "unknown shape")}; {what} takes a signal [batch, channels, length] or an image [batch, channels, height, width] whose dimensions the graph's input declares"));
            }
            return shape;
        }

        /// <summary>
        /// A convolution: Conv(activations, weights [filters, channels, kernel...][, bias [filters]]), group 1, dilation 1,
        /// the same stride along both axes of an image and the same padding on every side.
        /// </summary>
        private void Conv(NodeProto node)
        {
            CheckAttributes(node, "auto_pad", "dilations", "group", "kernel_shape", "pads", "strides");
            if (node.Input.Count is < 2 or > 3 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"does not take '{_current}' as its input X; a convolution is Conv(activations, weights[, bias])"));
            }
            TensorShape input = Spatial(node, "a Conv");
            int axes = input.Rank - 1;
            CheckAutoPad(node);
            long group = IntAttribute(node, "group", 1);
            if (group != 1)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant($"has group {group}; only group 1 (every filter sees every channel) is supported"));
            }
            CheckOnes(node, "dilations", axes);
            var (weights, dims) = Floats(node, node.Input[1], "weights W");
            if (dims.Length != axes + 2 || dims[1] != input.Channels || dims[0] < 1 || dims.Skip(2).Any(dim => dim < 1))
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"has weights '{node.Input[1]}' of shape {Describe(dims)}; a convolution of '{_current}' ({input}) takes [filters, {input.Channels}, {(axes == 2 ? "kernelHeight, kernelWidth" : "kernel")}]"));
            }
            long[]? kernel = Ints(node, "kernel_shape");
            if (kernel is not null && !kernel.AsSpan().SequenceEqual(dims.AsSpan(2)))
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"has kernel_shape {Describe(kernel)} but weights of shape {Describe(dims)}"));
            }
            int stride = Stride(node, axes);
            int padding = Padding(node, axes);
            int filters = (int)dims[0];
            float[] biases = new float[filters];
            if (node.Input.Count == 3 && node.Input[2].Length > 0)
            {
                var (values, biasDims) = Floats(node, node.Input[2], "bias B");
                if (biasDims.Length != 1 || biasDims[0] != filters)
                {
                    throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                        $"has bias '{node.Input[2]}' of shape {Describe(biasDims)}; a convolution of {filters} filters takes a bias [{filters}]"));
                }
                biases = values;
            }
            LayerInfo info = Fit(node, () => axes == 2
                ? LayerInfo.Conv2D(input, filters, (int)dims[2], (int)dims[3], stride, padding, ActivationKind.Identity)
                : LayerInfo.Conv1D(input, filters, (int)dims[2], stride, padding, ActivationKind.Identity));
            AddLayer(new Layer(node, info, weights, biases), closePrevious: true);
            _shape = info.Output;
        }

        /// <summary>MaxPool or AveragePool: a window square on an image, no padding, no ceil_mode, no dilation, its only output used.</summary>
        private void Pool(NodeProto node, bool max)
        {
            if (max)
            {
                CheckAttributes(node, "auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides");
            }
            else
            {
                CheckAttributes(node, "auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides");
            }
            if (node.Input.Count != 1 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant($"does not take '{_current}' as its one input; {Supported}"));
            }
            TensorShape input = Spatial(node, "a pool");
            int axes = input.Rank - 1;
            CheckAutoPad(node);
            long ceil = IntAttribute(node, "ceil_mode", 0);
            if (ceil != 0)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant($"has ceil_mode {ceil}; only ceil_mode 0 (windows inside the input) is supported"));
            }
            CheckOnes(node, "dilations", axes);
            long[] kernel = Ints(node, "kernel_shape") ?? throw Fail(OnnxImportError.UnsupportedAttribute, node, "has no kernel_shape; a pool needs one");
            if (kernel.Length != axes || kernel.Any(size => size != kernel[0]) || kernel[0] is < 1 or > int.MaxValue)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                    $"has kernel_shape {Describe(kernel)}; a pool of '{_current}' ({input}) has {(axes == 2 ? "a square window [size, size]" : "a window [size]")}"));
            }
            if (Padding(node, axes) != 0)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, "has padding; only pools without padding are supported");
            }
            int stride = Stride(node, axes);
            LayerKind kind = (max, axes) switch
            {
                (true, 2) => LayerKind.MaxPool2D,
                (false, 2) => LayerKind.AvgPool2D,
                (true, _) => LayerKind.MaxPool1D,
                _ => LayerKind.AvgPool1D,
            };
            LayerInfo info = Fit(node, () => LayerInfo.Pool(kind, input, (int)kernel[0], stride));
            // A pool leaves the layer before it open: an activation after a max pool may still be that layer's.
            AddLayer(new Layer(node, info, [], []), closePrevious: false);
            _shape = info.Output;
        }

        /// <summary>
        /// BatchNormalization in inference mode, folded into the convolution or dense layer it follows (before that
        /// layer's activation): with scale = γ / √(var + ε) per output channel, w' = w · scale and b' = (b − mean) · scale + β.
        /// </summary>
        private void BatchNormalization(NodeProto node)
        {
            CheckAttributes(node, "epsilon", "momentum", "spatial", "training_mode", "is_test");
            if (node.Input.Count != 5 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"does not normalize '{_current}'; BatchNormalization is (activations, scale, B, mean, var)"));
            }
            if (IntAttribute(node, "training_mode", 0) != 0 || IntAttribute(node, "spatial", 1) != 1)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, "is in training mode or not spatial; only inference-mode BatchNormalization over channels is supported");
            }
            Layer? layer = _layers.Count > 0 ? _layers[^1] : null;
            if (layer is null || !(layer.Info.Kind == LayerKind.Dense || layer.Info.IsConvolution) || layer.Activation is not null)
            {
                string where = layer is null ? "before any layer"
                    : layer.Activation is not null && !layer.Info.IsPooling ? Invariant($"after the activation of layer {Describe(layer.Node)}")
                    : Invariant($"after the {layer.Info.Kind} layer {Describe(layer.Node)}");
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"normalizes '{_current}' {where}; BatchNormalization is supported right after a Conv or Gemm, before its activation, where it folds into the layer"));
            }
            int channels = layer.Info.Kind == LayerKind.Dense ? layer.Outputs : layer.Info.Output.Channels;
            float[] gamma = Channel(node, 1, channels), beta = Channel(node, 2, channels), mean = Channel(node, 3, channels), variance = Channel(node, 4, channels);
            double epsilon = FloatAttribute(node, "epsilon", 1e-5f);
            int block = layer.Weights.Length / channels;
            for (int c = 0; c < channels; c++)
            {
                double scale = gamma[c] / Math.Sqrt(variance[c] + epsilon);
                for (int i = c * block; i < (c + 1) * block; i++)
                {
                    layer.Weights[i] = (float)(layer.Weights[i] * scale);
                }
                layer.Biases[c] = (float)((layer.Biases[c] - (double)mean[c]) * scale + beta[c]);
            }
        }

        /// <summary>
        /// A Pad that adds nothing (PyTorch puts one, of zeros, before an AveragePool): an identity. The pads are an input
        /// from opset 11 on, an attribute before.
        /// </summary>
        private void Pad(NodeProto node)
        {
            CheckAttributes(node, "mode", "pads", "value");
            if (node.Input.Count is < 1 or > 4 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant($"does not pad '{_current}'; {Supported}"));
            }
            long[] pads = node.Input.Count >= 2 && node.Input[1].Length > 0 ? Int64s(node, node.Input[1], "pads") : Ints(node, "pads") ?? [];
            if (pads.Any(pad => pad != 0))
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                    $"pads by {Describe(pads)}; only a Pad of zeros (which changes nothing) is supported: pad in the Conv"));
            }
        }

        /// <summary>The BatchNormalization parameter at input <paramref name="index"/>: one value per channel.</summary>
        private float[] Channel(NodeProto node, int index, int channels)
        {
            string role = index switch { 1 => "scale", 2 => "B", 3 => "mean", _ => "var" };
            var (values, dims) = Floats(node, node.Input[index], role);
            if (dims.Length != 1 || dims[0] != channels)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"has {role} '{node.Input[index]}' of shape {Describe(dims)}; the layer before has {channels} channels, so it takes [{channels}]"));
            }
            return values;
        }

        /// <summary>The layer <paramref name="make"/> builds, or its ArgumentException (the window does not fit, ...) as the node's problem.</summary>
        private LayerInfo Fit(NodeProto node, Func<LayerInfo> make)
        {
            try
            {
                return make();
            }
            catch (ArgumentException e)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant($"does not fit '{_current}' ({_shape}): {e.Message.ReplaceLineEndings(" ")}"), e);
            }
        }

        /// <summary>auto_pad, if given, is NOTSET (the pads attribute says) or VALID (no padding).</summary>
        private void CheckAutoPad(NodeProto node)
        {
            string autoPad = StringAttribute(node, "auto_pad", "NOTSET");
            if (autoPad is not ("NOTSET" or "VALID"))
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant($"has auto_pad {autoPad}; only NOTSET (explicit pads) or VALID is supported"));
            }
        }

        /// <summary>The attribute <paramref name="name"/>, if given, is 1 along each of the <paramref name="axes"/> axes.</summary>
        private void CheckOnes(NodeProto node, string name, int axes)
        {
            if (Ints(node, name) is long[] values && (values.Length != axes || values.Any(value => value != 1)))
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant($"has {name} {Describe(values)}; only {name} of 1 are supported"));
            }
        }

        /// <summary>strides: one per axis (default 1), the same along both axes of an image.</summary>
        private int Stride(NodeProto node, int axes)
        {
            long[] strides = Ints(node, "strides") ?? [.. Enumerable.Repeat(1L, axes)];
            if (strides.Length != axes || strides.Any(stride => stride != strides[0]) || strides[0] is < 1 or > int.MaxValue)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                    $"has strides {Describe(strides)}; {(axes == 2 ? "the same stride of at least 1 along both axes" : "one stride of at least 1")} is supported"));
            }
            return (int)strides[0];
        }

        /// <summary>pads [begin..., end...] (default 0): the same on every side.</summary>
        private int Padding(NodeProto node, int axes)
        {
            long[] pads = Ints(node, "pads") ?? new long[2 * axes];
            if (StringAttribute(node, "auto_pad", "NOTSET") == "VALID" && pads.Any(pad => pad != 0))
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant($"has auto_pad VALID and pads {Describe(pads)}; it has one or the other"));
            }
            if (pads.Length != 2 * axes || pads.Any(pad => pad != pads[0]) || pads[0] is < 0 or > int.MaxValue / 4)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                    $"has pads {Describe(pads)}; only the same padding of at least 0 on every side is supported"));
            }
            return (int)pads[0];
        }

        private void Activate(NodeProto node, ActivationKind activation)
        {
            if (_layers.Count == 0)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"comes before any layer; an activation follows a layer; {Supported}"));
            }
            Layer layer = _layers[^1];
            if (layer.Info.IsPooling)
            {
                // f(max(x)) = max(f(x)) for a non-decreasing f: after a max pool, the activation of the convolution before it.
                Layer? before = _layers.Count > 1 ? _layers[^2] : null;
                bool commutes = layer.Info.Kind is LayerKind.MaxPool2D or LayerKind.MaxPool1D && activation != ActivationKind.Softmax &&
                    before is { Activation: null } && before.Info.IsConvolution;
                if (!commutes)
                {
                    throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                        $"follows the pooling layer {Describe(layer.Node)}, which has no activation; put the activation before the pool"));
                }
                layer = before!;
            }
            if (layer.Activation is not null)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant(
                    $"follows the activation {Describe(layer.ActivationNode!)} of layer {Describe(layer.Node)}; a layer has one activation"));
            }
            layer.Activation = activation;
            layer.ActivationNode = node;
        }

        private void Flatten(NodeProto node)
        {
            long axis = IntAttribute(node, "axis", 1);
            if (axis < 0 && _rank is int rank)
            {
                axis += rank;
            }
            if (axis != 1)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                    $"has axis {IntAttribute(node, "axis", 1)}; only axis 1 (each sample to one row) is supported"));
            }
            _rank = 2;
            _shape = null;
        }

        private void Reshape(NodeProto node)
        {
            CheckAttributes(node, "allowzero");
            if (node.Input.Count != 2 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant($"does not reshape '{_current}'; {Supported}"));
            }
            long[] shape = Int64s(node, node.Input[1]);
            bool copyZero = IntAttribute(node, "allowzero", 0) == 0;
            long? features = shape switch
            {
                [-1 or 1, > 0] => shape[1],
                [0, > 0] when copyZero => shape[1],
                [0, -1] when copyZero => _features ?? -1,
                [1, -1] => _features ?? -1,
                [-1 or 0, 0] when copyZero && _rank == 2 => _features ?? -1,
                _ => null,
            };
            if (features is null)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                    $"reshapes to [{string.Join(", ", shape)}]; only a constant shape that flattens each sample is supported: [-1, features], [0, -1] or [0, features], or [1, -1] or [1, features] for a batch of 1"));
            }
            // A batch of 1 (x.view(x.size(0), -1) exported with a fixed batch): [1, ...] flattens the one sample. With
            // a larger fixed batch it would put all the samples in one row.
            if (shape[0] == 1 && _batch is long batch && batch != 1)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"reshapes '{_current}' of a batch of {batch} to [{string.Join(", ", shape)}], which puts the samples in one row; it may only flatten each sample"));
            }
            if (features > 0 && _features is long known && known != features)
            {
                throw Fail(OnnxImportError.ShapeMismatch, node, Invariant(
                    $"reshapes '{_current}' of {known} features per sample to [{string.Join(", ", shape)}]; it may only flatten each sample"));
            }
            _rank = 2;
            _shape = null;
            _features = features > 0 ? features : null;
        }

        private void Dropout(NodeProto node)
        {
            CheckAttributes(node, "seed", "ratio", "is_test");
            if (node.Input.Count is < 1 or > 3 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant($"does not take '{_current}' as its data; {Supported}"));
            }
            bool training = IntAttribute(node, "is_test", 1) == 0;
            if (node.Input.Count == 3 && node.Input[2].Length > 0)
            {
                training = Bool(node, node.Input[2]);
            }
            if (training)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, "is in training mode; only Dropout in inference mode (an identity) is supported");
            }
        }

        private void CheckUnary(NodeProto node, params ReadOnlySpan<string> attributes)
        {
            CheckAttributes(node, attributes);
            if (node.Input.Count != 1 || node.Input[0] != _current)
            {
                throw Fail(OnnxImportError.UnsupportedGraph, node, Invariant($"does not take '{_current}' as its one input; {Supported}"));
            }
        }

        private void CheckAttributes(NodeProto node, params ReadOnlySpan<string> known)
        {
            foreach (AttributeProto attribute in node.Attribute)
            {
                if (!known.Contains(attribute.Name))
                {
                    throw Fail(OnnxImportError.UnsupportedAttribute, node, Invariant(
                        $"has the attribute '{attribute.Name}', which is not supported{(known.IsEmpty ? "" : " (supported: " + string.Join(", ", known.ToArray()) + ")")}"));
                }
            }
        }

        private float FloatAttribute(NodeProto node, string name, float fallback)
            => Attribute(node, name, AttributeProto.Types.AttributeType.Float, "a float")?.F ?? fallback;

        /// <summary>The integers of the attribute <paramref name="name"/>, or null when the node does not have it.</summary>
        private long[]? Ints(NodeProto node, string name)
            => Attribute(node, name, AttributeProto.Types.AttributeType.Ints, "a list of integers") is { } attribute ? [.. attribute.Ints] : null;

        private string StringAttribute(NodeProto node, string name, string fallback)
            => Attribute(node, name, AttributeProto.Types.AttributeType.String, "a string")?.S.ToStringUtf8() ?? fallback;

        private long IntAttribute(NodeProto node, string name, long fallback)
            => Attribute(node, name, AttributeProto.Types.AttributeType.Int, "an integer")?.I ?? fallback;

        /// <summary>
        /// The attribute <paramref name="name"/> of <paramref name="node"/>, or null when the node does not have it; one of
        /// another type than <paramref name="type"/> (<paramref name="kind"/>, in the message) is refused.
        /// </summary>
        private AttributeProto? Attribute(NodeProto node, string name, AttributeProto.Types.AttributeType type, string kind)
        {
            foreach (AttributeProto attribute in node.Attribute)
            {
                if (attribute.Name == name)
                {
                    if (attribute.Type != type && attribute.Type != AttributeProto.Types.AttributeType.Undefined)
                    {
                        throw Fail(OnnxImportError.UnsupportedAttribute, node, $"has the attribute '{name}' of type {attribute.Type}; it is {kind}");
                    }
                    return attribute;
                }
            }
            return null;
        }

        /// <summary>The float32 values and dimensions of the constant <paramref name="name"/>, which <paramref name="node"/> reads.</summary>
        private (float[] Values, long[] Dims) Floats(NodeProto node, string name, string role)
        {
            TensorProto tensor = Constant(node, name, role);
            long[] dims = Dims(node, tensor);
            long count = Count(node, tensor, dims);
            if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                throw Fail(OnnxImportError.UnsupportedType, node, Invariant(
                    $"has {role} '{name}' of element type {TypeName(tensor.DataType)}; only float32 (FLOAT) is supported"));
            }
            float[] values = Values(node, tensor, count, tensor.FloatData, "float_data");
            return (values, dims);
        }

        private long[] Int64s(NodeProto node, string name, string role = "shape")
        {
            TensorProto tensor = Constant(node, name, role);
            long[] dims = Dims(node, tensor);
            long count = Count(node, tensor, dims);
            if (tensor.DataType != (int)TensorProto.Types.DataType.Int64 || dims.Length != 1)
            {
                throw Fail(OnnxImportError.UnsupportedType, node, Invariant(
                    $"has {role} '{name}' of element type {TypeName(tensor.DataType)} and shape {Describe(dims)}; {(role == "shape" ? "a shape" : role)} is an INT64 vector"));
            }
            return Values(node, tensor, count, tensor.Int64Data, "int64_data");
        }

        /// <summary>
        /// The <paramref name="count"/> values of <paramref name="tensor"/>, from its raw_data (little-endian, as ONNX
        /// stores it) or else its typed field. The data is checked against the dimensions before anything is allocated:
        /// a small file may announce a huge tensor.
        /// </summary>
        private T[] Values<T>(NodeProto node, TensorProto tensor, long count, RepeatedField<T> typed, string typedName)
            where T : unmanaged
        {
            ReadOnlySpan<byte> raw = tensor.RawData.Span;
            int size = Unsafe.SizeOf<T>();
            if (raw.IsEmpty)
            {
                CheckLength(node, tensor, typed.Count, count, "values in " + typedName);
                T[] copied = new T[count];
                typed.CopyTo(copied, 0);
                return copied;
            }
            CheckLength(node, tensor, raw.Length, count * size, "bytes of raw_data");
            T[] values = new T[count];
            Span<byte> bytes = MemoryMarshal.AsBytes(values.AsSpan());
            raw.CopyTo(bytes);
            if (!BitConverter.IsLittleEndian)
            {
                for (int i = 0; i < bytes.Length; i += size)
                {
                    bytes.Slice(i, size).Reverse();
                }
            }
            return values;
        }

        private bool Bool(NodeProto node, string name)
        {
            TensorProto tensor = Constant(node, name, "training_mode");
            long count = Count(node, tensor, Dims(node, tensor));
            if (tensor.DataType != (int)TensorProto.Types.DataType.Bool || count != 1)
            {
                throw Fail(OnnxImportError.UnsupportedType, node, Invariant($"has training_mode '{name}' that is not one BOOL"));
            }
            return !tensor.RawData.IsEmpty ? tensor.RawData[0] != 0 : tensor.Int32Data.Count == 1 && tensor.Int32Data[0] != 0;
        }

        private TensorProto Constant(NodeProto node, string name, string role)
        {
            if (!_constants.TryGetValue(name, out TensorProto? tensor))
            {
                throw Fail(OnnxImportError.InvalidTensor, node, Invariant(
                    $"reads {role} '{name}', which is neither an initializer nor a Constant node; {role} must be constant"));
            }
            if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            {
                throw Fail(OnnxImportError.UnsupportedType, node, Invariant(
                    $"reads {role} '{name}', whose data is in an external file; only data stored in the model is supported"));
            }
            if (tensor.Segment is not null)
            {
                throw Fail(OnnxImportError.UnsupportedType, node, Invariant($"reads {role} '{name}', which is a segment of a tensor; whole tensors only"));
            }
            return tensor;
        }

        private long[] Dims(NodeProto node, TensorProto tensor)
        {
            long[] dims = [.. tensor.Dims];
            if (dims.Any(dim => dim < 0))
            {
                throw Fail(OnnxImportError.InvalidTensor, node, Invariant($"reads '{tensor.Name}' of shape {Describe(dims)}; a dimension is negative"));
            }
            return dims;
        }

        private long Count(NodeProto node, TensorProto tensor, long[] dims)
        {
            long limit = Array.MaxLength / sizeof(long);
            long count = 1;
            foreach (long dim in dims)
            {
                // Both factors at most the limit (2^28): the product cannot overflow.
                if (dim > limit || (count *= dim) > limit)
                {
                    throw Fail(OnnxImportError.TooLarge, node, Invariant($"reads '{tensor.Name}' of shape {Describe(dims)}, too large for a network"));
                }
            }
            return count;
        }

        private void CheckLength(NodeProto node, TensorProto tensor, long actual, long expected, string what)
        {
            if (actual != expected)
            {
                throw Fail(OnnxImportError.InvalidTensor, node, Invariant(
                    $"reads '{tensor.Name}' of shape {Describe([.. tensor.Dims])} with {actual} {what}, not {expected}"));
            }
        }

        private TensorProto ConstantValue(NodeProto node)
        {
            if (node.Attribute.Count != 1)
            {
                throw Fail(OnnxImportError.UnsupportedAttribute, node, "has no value or several; a Constant has exactly one");
            }
            AttributeProto value = node.Attribute[0];
            var tensor = new TensorProto { Name = node.Output[0] };
            switch (value.Name)
            {
                case "value":
                    tensor = value.T?.Clone() ?? new TensorProto();
                    tensor.Name = node.Output[0];
                    break;
                case "value_float":
                    tensor.DataType = (int)TensorProto.Types.DataType.Float;
                    tensor.FloatData.Add(value.F);
                    break;
                case "value_floats":
                    tensor.DataType = (int)TensorProto.Types.DataType.Float;
                    tensor.Dims.Add(value.Floats.Count);
                    tensor.FloatData.Add(value.Floats);
                    break;
                case "value_int":
                    tensor.DataType = (int)TensorProto.Types.DataType.Int64;
                    tensor.Int64Data.Add(value.I);
                    break;
                case "value_ints":
                    tensor.DataType = (int)TensorProto.Types.DataType.Int64;
                    tensor.Dims.Add(value.Ints.Count);
                    tensor.Int64Data.Add(value.Ints);
                    break;
                default:
                    // sparse_value, value_string(s): never a weight; reading it as one fails with the element type.
                    tensor.DataType = (int)TensorProto.Types.DataType.Undefined;
                    break;
            }
            return tensor;
        }

        private static bool IsDefaultDomain(NodeProto node) => node.Domain is "" or "ai.onnx";

        private static float[] Transpose(float[] values, long rows, long columns)
        {
            float[] result = new float[values.Length];
            for (long r = 0; r < rows; r++)
            {
                for (long c = 0; c < columns; c++)
                {
                    result[c * rows + r] = values[r * columns + c];
                }
            }
            return result;
        }

        private string Describe(NodeProto node)
        {
            string name = node.Name.Length > 0 ? "'" + node.Name + "'" : Invariant($"#{_index.GetValueOrDefault(node) + 1} (unnamed)");
            return $"{name} ({node.OpType})";
        }

        private static string Describe(long[] dims) => "[" + string.Join(", ", dims) + "]";

        private static string Describe(TensorShapeProto shape) => "[" + string.Join(", ", shape.Dim.Select(dim =>
            dim.ValueCase switch
            {
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue => dim.DimValue.ToString(CultureInfo.InvariantCulture),
                TensorShapeProto.Types.Dimension.ValueOneofCase.DimParam => dim.DimParam,
                _ => "?",
            })) + "]";

        private static string TypeName(int type) => type switch
        {
            1 => "FLOAT",
            2 => "UINT8",
            3 => "INT8",
            4 => "UINT16",
            5 => "INT16",
            6 => "INT32",
            7 => "INT64",
            8 => "STRING",
            9 => "BOOL",
            10 => "FLOAT16",
            11 => "DOUBLE",
            12 => "UINT32",
            13 => "UINT64",
            14 => "COMPLEX64",
            15 => "COMPLEX128",
            16 => "BFLOAT16",
            _ => Invariant($"#{type}"),
        };

        private OnnxImportException Fail(OnnxImportError reason, NodeProto? node, string text, Exception? inner = null)
        {
            string message = node is null
                ? $"'{_source}' {text}."
                : $"'{_source}': node {Describe(node)} {text}.";
            return new OnnxImportException(message.ReplaceLineEndings(" "), _source, reason, node?.Name, node?.OpType, inner);
        }
    }
}
