using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using Google.Protobuf;
using Onnx;
using static System.FormattableString;

namespace Backprop.Onnx;

/// <summary>
/// Writes a network as an ONNX model that ONNX Runtime (and any ONNX consumer) runs with the network's results.
/// </summary>
/// <remarks>
/// <para>
/// The graph has one input, a float tensor [batch, n_1] (the batch dimension symbolic, <c>dim_param</c> "batch"), and
/// one output, a float tensor [batch, n_L]. Each weight layer l = 2..L is a <c>Gemm</c> node <c>layer{l}.gemm</c>
/// computing z^l = a^(l−1) (w^l)ᵀ + b^l from the initializers <c>layer{l}.weight</c> (w^l as stored,
/// [n_l, n_(l−1)], with transB = 1) and <c>layer{l}.bias</c> ([n_l]), followed by its activation node:
/// <c>Sigmoid</c>, <c>Tanh</c>, <c>Relu</c>, <c>LeakyRelu</c> (alpha 0.01) or <c>Softmax</c> (over the last axis),
/// named <c>layer{l}.sigmoid</c>, <c>layer{l}.tanh</c>, <c>layer{l}.relu</c>, <c>layer{l}.leaky_relu</c>,
/// <c>layer{l}.softmax</c>; an identity layer has no activation node. Intermediate tensors are
/// <c>layer{l}.z</c> and <c>layer{l}.a</c>.
/// </para>
/// <para>
/// A network declared layer by layer takes a float tensor [batch, C, L] or [batch, C, H, W] when its input is a signal or
/// an image. A convolution is a <c>Conv</c> node <c>layer{l}.conv</c> of the initializers <c>layer{l}.weight</c> (as
/// stored: [filters, channels, kernelHeight, kernelWidth], or [filters, channels, kernel] for a 1-D convolution) and
/// <c>layer{l}.bias</c> ([filters]), with its <c>kernel_shape</c>, <c>strides</c> and <c>pads</c>; a pool is a
/// <c>MaxPool</c> (<c>layer{l}.maxpool</c>) or <c>AveragePool</c> (<c>layer{l}.avgpool</c>) with its <c>kernel_shape</c>
/// and <c>strides</c> and no padding; the first dense layer after a spatial one starts with a <c>Flatten</c>
/// (<c>layer{l}.flatten</c>, C, H, W order, as the runtime flattens). A spatial output layer is flattened before its
/// activation, so the output is [batch, n_L] whatever the last layer, and a softmax spans all of its values.
/// </para>
/// <para>
/// The model's producer is "Backprop.Generated" with this library's version, its doc string names the shape and
/// functions, and its metadata holds <c>backprop.cost</c> (the cost, e.g. <c>LogLikelihood</c>, which
/// <see cref="OnnxImporter"/> restores) and <c>backprop.declaration</c> (<see cref="ModelData.NetworkDeclaration"/>).
/// </para>
/// </remarks>
public static class OnnxExporter
{
    /// <summary>The producer name written into every model.</summary>
    public const string ProducerName = "Backprop.Generated";

    /// <summary>The metadata key under which the model's cost is written (a <see cref="CostKind"/> name).</summary>
    public const string CostMetadataKey = "backprop.cost";

    /// <summary>The metadata key under which the model's <see cref="ModelData.NetworkDeclaration"/> is written.</summary>
    public const string DeclarationMetadataKey = "backprop.declaration";

    /// <summary>
    /// Writes <paramref name="model"/> as an ONNX model to the file <paramref name="path"/>, atomically: the file is
    /// written beside the target under a temporary name and then renamed over it, so the target is either the old
    /// file or the complete new one; on failure the temporary file is deleted.
    /// </summary>
    /// <param name="model">The model to export.</param>
    /// <param name="path">The file to write (conventionally <c>.onnx</c>); replaced if it exists.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a folder, or <paramref name="options"/> are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void Export(ModelData model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes(model, options);
        string target = Path.GetFullPath(path);
        string name = Path.GetFileName(target);
        string? directory = Path.GetDirectoryName(target);
        if (name.Length == 0 || directory is null)
        {
            throw new ArgumentException($"Cannot export to '{target}': it names a folder, not a file.", nameof(path));
        }
        string temporary = Path.Combine(directory, Invariant($".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp"));
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // The original failure is the one to report.
            }
            catch (UnauthorizedAccessException)
            {
                // As above.
            }
            throw;
        }
    }

    /// <summary>Writes <paramref name="model"/> as an ONNX model to <paramref name="stream"/>, which is left open.</summary>
    /// <param name="model">The model to export.</param>
    /// <param name="stream">A writable stream; the model is written at its position.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> or <paramref name="stream"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public static void Export(ModelData model, Stream stream, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ToBytes(model, options));
    }

    /// <summary>
    /// Writes <paramref name="network"/> (its type's sizes and functions, its parameters) as an ONNX model to the file
    /// <paramref name="path"/>, atomically, as <see cref="Export(ModelData, string, OnnxExportOptions?)"/>.
    /// </summary>
    /// <typeparam name="TNet">The generated network type.</typeparam>
    /// <param name="network">The network to export.</param>
    /// <param name="path">The file to write; replaced if it exists.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="path"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a folder, or <paramref name="options"/> are invalid.</exception>
    /// <exception cref="IOException">The file cannot be written (the previous file, if any, is intact).</exception>
    public static void Export<TNet>(TNet network, string path, OnnxExportOptions? options = null)
        where TNet : class, INetwork<TNet>
    {
        ArgumentNullException.ThrowIfNull(network);
        Export(ModelData.From(network), path, options);
    }

    /// <summary>The ONNX model of <paramref name="model"/>, as the bytes of a <c>.onnx</c> file.</summary>
    /// <param name="model">The model to export.</param>
    /// <param name="options">Names and opset; <see langword="null"/> for the defaults.</param>
    /// <returns>The serialized <c>ModelProto</c>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="model"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public static byte[] ToBytes(ModelData model, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Build(model, options ?? new OnnxExportOptions()).ToByteArray();
    }

    /// <summary>The IR version that goes with <paramref name="opset"/>: the one of the ONNX release that introduced it.</summary>
    internal static long IrVersionFor(int opset) => opset switch
    {
        9 => 4,
        10 => 5,
        11 => 6,
        <= 14 => 7,
        <= 18 => 8,
        <= 20 => 9,
        _ => 10,
    };

    private static ModelProto Build(ModelData model, OnnxExportOptions options)
    {
        Check(model, options);
        NetworkArchitecture architecture = model.Architecture;
        IReadOnlyList<int> sizes = model.LayerSizes;
        int layers = sizes.Count;
        bool dense = architecture.IsDenseChain;
        var graph = new GraphProto
        {
            Name = options.GraphName ?? "backprop_" + model.Shape.Replace('-', '_'),
            DocString = Invariant($"{model.Shape} network with {model.Functions}."),
        };
        graph.Input.Add(FloatTensorValue(options.InputName, architecture.Input.Dimensions));
        graph.Output.Add(FloatTensorValue(options.OutputName, sizes[^1]));

        string previous = options.InputName;
        for (int l = 2; l <= layers; l++)
        {
            string prefix = Invariant($"layer{l}");
            bool last = l == layers;
            LayerInfo layer = architecture.Layers[l - 2];
            ActivationKind activation = layer.Activation;
            // A spatial output is flattened to [batch, n_L] before its activation: the output has the same shape
            // whatever the last layer, and a softmax then spans all its values, as the network's does.
            bool flattenOutput = last && layer.Output.Rank > 1;
            string z = last && activation == ActivationKind.Identity && !flattenOutput ? options.OutputName : prefix + ".z";
            if (layer.Kind == LayerKind.Dense)
            {
                // After a spatial input or layer, the first dense layer takes each sample as one row.
                if ((l == 2 ? architecture.Input : architecture.Layers[l - 3].Output).Rank > 1)
                {
                    previous = AddFlatten(graph, prefix, previous, prefix + ".flat", "a^(l-1) as one row per sample, in C, H, W order");
                }
                AddGemm(graph, model, l, prefix, previous, z, layer);
            }
            else if (layer.IsConvolution)
            {
                AddConvolution(graph, model, l, prefix, previous, z, layer);
            }
            else if (layer.Kind == LayerKind.Dropout)
            {
                // The exported graph is for inference, where dropout passes its values through.
                var identity = new NodeProto { Name = prefix + ".dropout", OpType = "Identity", DocString = Invariant($"dropout (p = {layer.Rate}) is the identity in inference") };
                identity.Input.Add(previous);
                identity.Output.Add(z);
                graph.Node.Add(identity);
            }
            else
            {
                AddPool(graph, l, prefix, previous, z, layer);
            }
            previous = z;
            if (flattenOutput)
            {
                string flat = activation == ActivationKind.Identity ? options.OutputName : prefix + ".flat";
                previous = AddFlatten(graph, prefix, previous, flat, Invariant($"z^{l} as one row per sample, in C, H, W order"));
            }

            if (activation == ActivationKind.Identity)
            {
                continue;
            }
            string a = last ? options.OutputName : prefix + ".a";
            var (opType, suffix) = activation switch
            {
                ActivationKind.Sigmoid => ("Sigmoid", "sigmoid"),
                ActivationKind.Tanh => ("Tanh", "tanh"),
                ActivationKind.ReLU => ("Relu", "relu"),
                ActivationKind.LeakyReLU => ("LeakyRelu", "leaky_relu"),
                ActivationKind.Softmax => ("Softmax", "softmax"),
                _ => throw new ArgumentException(Invariant($"{(int)activation} is not an ActivationKind."), nameof(model)),
            };
            var node = new NodeProto
            {
                Name = prefix + "." + suffix,
                OpType = opType,
                DocString = Invariant($"a^{l} = {activation}(z^{l})"),
            };
            node.Input.Add(previous);
            node.Output.Add(a);
            if (activation == ActivationKind.LeakyReLU)
            {
                node.Attribute.Add(FloatAttribute("alpha", 0.01f));
            }
            else if (activation == ActivationKind.Softmax)
            {
                // Before opset 13, axis = 1 flattens to [batch, n_L]; from 13 on, -1 is the last axis. Either is the row.
                node.Attribute.Add(IntAttribute("axis", options.Opset < 13 ? 1 : -1));
            }
            graph.Node.Add(node);
            previous = a;
        }

        string input = "[batch, " + string.Join(", ", architecture.Input.Dimensions) + "]";
        var result = new ModelProto
        {
            IrVersion = IrVersionFor(options.Opset),
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            Domain = "",
            ModelVersion = 1,
            DocString = dense
                ? Invariant(
                    $"A {model.Shape} multilayer perceptron with {model.Functions}, exported by Backprop.Generated: ") +
                    Invariant($"input '{options.InputName}' float [batch, {sizes[0]}], output '{options.OutputName}' float [batch, {sizes[^1]}]; ") +
                    "each layer l a Gemm a^(l-1) (w^l)T + b^l then its activation. Declared as " + model.NetworkDeclaration
                : Invariant(
                    $"A {model.Shape} network with {model.Functions}, exported by Backprop.Generated: ") +
                    Invariant($"input '{options.InputName}' float {input}, output '{options.OutputName}' float [batch, {sizes[^1]}]; ") +
                    "each layer a Conv, MaxPool, AveragePool or Gemm (after a Flatten) then its activation. Declared as " + model.NetworkDeclaration,
            Graph = graph,
        };
        result.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });
        result.MetadataProps.Add(new StringStringEntryProto { Key = CostMetadataKey, Value = model.Cost.ToString() });
        result.MetadataProps.Add(new StringStringEntryProto { Key = DeclarationMetadataKey, Value = model.NetworkDeclaration });
        return result;
    }

    /// <summary>A dense layer: <c>Gemm</c> of the row of activations and the weights [n_l, n_(l−1)] (transB = 1), plus the biases.</summary>
    private static void AddGemm(GraphProto graph, ModelData model, int l, string prefix, string input, string z, LayerInfo layer)
    {
        int inputs = layer.Input.Size, outputs = layer.Output.Size;
        NodeProto gemm = AddWithParameters(graph, model, l, prefix, "gemm", "Gemm", input, z, [outputs, inputs],
            Invariant($"z^{l} = a^{l - 1} (w^{l})ᵀ + b^{l}: w^{l} [{outputs}, {inputs}], b^{l} [{outputs}]"));
        gemm.Attribute.Add(IntAttribute("transB", 1));
    }

    /// <summary>
    /// A convolution: <c>Conv</c> with the weights as stored ([filters, channels, kernelHeight, kernelWidth], or
    /// [filters, channels, kernel] for a signal, which ONNX convolves along its one spatial axis) and the biases.
    /// </summary>
    private static void AddConvolution(GraphProto graph, ModelData model, int l, string prefix, string input, string z, LayerInfo layer)
    {
        bool image = layer.Kind == LayerKind.Conv2D;
        int filters = layer.Output.Channels, channels = layer.Input.Channels;
        NodeProto conv = AddWithParameters(graph, model, l, prefix, "conv", "Conv", input, z,
            image ? [filters, channels, layer.KernelHeight, layer.KernelWidth] : [filters, channels, layer.KernelWidth],
            Invariant($"z^{l} = w^{l} ∗ a^{l - 1} + b^{l}: {layer.Input} → {layer.Output}, stride {layer.Stride}, padding {layer.Padding}"));
        conv.Attribute.Add(IntsAttribute("kernel_shape", image ? [layer.KernelHeight, layer.KernelWidth] : [layer.KernelWidth]));
        conv.Attribute.Add(IntsAttribute("strides", image ? [layer.Stride, layer.Stride] : [layer.Stride]));
        conv.Attribute.Add(IntsAttribute("pads", image ? [layer.Padding, layer.Padding, layer.Padding, layer.Padding] : [layer.Padding, layer.Padding]));
    }

    /// <summary>
    /// Layer <paramref name="l"/>'s weights (of <paramref name="weightShape"/>) and biases (one per output, the shape's first
    /// size) as initializers, and the node <paramref name="opType"/> that takes the input, the weights and the biases to
    /// <paramref name="z"/>; returns the node, for its attributes.
    /// </summary>
    private static NodeProto AddWithParameters(GraphProto graph, ModelData model, int l, string prefix, string name, string opType, string input, string z, int[] weightShape, string doc)
    {
        string weight = prefix + ".weight";
        string bias = prefix + ".bias";
        graph.Initializer.Add(FloatTensor(weight, model.Weights(l), weightShape));
        graph.Initializer.Add(FloatTensor(bias, model.Biases(l), weightShape[0]));
        var node = new NodeProto { Name = prefix + "." + name, OpType = opType, DocString = doc };
        node.Input.Add(input);
        node.Input.Add(weight);
        node.Input.Add(bias);
        node.Output.Add(z);
        graph.Node.Add(node);
        return node;
    }

    /// <summary>A pooling layer: <c>MaxPool</c> or <c>AveragePool</c> over windows of its size, with its stride and no padding.</summary>
    private static void AddPool(GraphProto graph, int l, string prefix, string input, string z, LayerInfo layer)
    {
        bool image = layer.Kind is LayerKind.MaxPool2D or LayerKind.AvgPool2D;
        bool max = layer.Kind is LayerKind.MaxPool2D or LayerKind.MaxPool1D;
        var pool = new NodeProto
        {
            Name = prefix + (max ? ".maxpool" : ".avgpool"),
            OpType = max ? "MaxPool" : "AveragePool",
            DocString = Invariant($"z^{l} = {(max ? "max" : "mean")} of each window of a^{l - 1}: {layer.Input} → {layer.Output}, window {layer.KernelWidth}, stride {layer.Stride}"),
        };
        pool.Input.Add(input);
        pool.Output.Add(z);
        pool.Attribute.Add(IntsAttribute("kernel_shape", image ? [layer.KernelHeight, layer.KernelWidth] : [layer.KernelWidth]));
        pool.Attribute.Add(IntsAttribute("strides", image ? [layer.Stride, layer.Stride] : [layer.Stride]));
        graph.Node.Add(pool);
    }

    /// <summary>A <c>Flatten</c> (axis 1) of <paramref name="input"/> to <paramref name="output"/>; returns <paramref name="output"/>.</summary>
    private static string AddFlatten(GraphProto graph, string prefix, string input, string output, string doc)
    {
        var flatten = new NodeProto { Name = prefix + ".flatten", OpType = "Flatten", DocString = doc };
        flatten.Input.Add(input);
        flatten.Output.Add(output);
        flatten.Attribute.Add(IntAttribute("axis", 1));
        graph.Node.Add(flatten);
        return output;
    }

    private static void Check(ModelData model, OnnxExportOptions options)
    {
        if (options.Opset is < OnnxExportOptions.MinOpset or > OnnxExportOptions.MaxOpset)
        {
            throw new ArgumentException(Invariant(
                $"Opset {options.Opset} is not supported; choose {OnnxExportOptions.MinOpset} to {OnnxExportOptions.MaxOpset}."), nameof(options));
        }
        if (string.IsNullOrEmpty(options.InputName) || string.IsNullOrEmpty(options.OutputName))
        {
            throw new ArgumentException("The input and output names must not be empty.", nameof(options));
        }
        if (options.InputName == options.OutputName)
        {
            throw new ArgumentException($"The input and the output are both named '{options.InputName}'; they need different names.", nameof(options));
        }
        for (int l = 2; l <= model.LayerSizes.Count; l++)
        {
            string prefix = Invariant($"layer{l}.");
            foreach (string name in (ReadOnlySpan<string>)[options.InputName, options.OutputName])
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal))
                {
                    throw new ArgumentException(
                        $"The name '{name}' is taken by the graph's own tensors ({prefix}weight, {prefix}bias, {prefix}z, {prefix}a); choose another.",
                        nameof(options));
                }
            }
        }
    }

    private static string ProducerVersion =>
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString()
        ?? "";

    /// <summary>A float tensor [batch, dimensions...], the batch dimension symbolic.</summary>
    private static ValueInfoProto FloatTensorValue(string name, params ReadOnlySpan<int> dimensions)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "batch" });
        foreach (int dimension in dimensions)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dimension });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape },
            },
        };
    }

    private static TensorProto FloatTensor(string name, ReadOnlySpan<float> values, params ReadOnlySpan<int> dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        foreach (int dim in dims)
        {
            tensor.Dims.Add(dim);
        }
        byte[] raw = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(raw.AsSpan(i * sizeof(float)), values[i]);
        }
        tensor.RawData = ByteString.CopyFrom(raw);
        return tensor;
    }

    private static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto IntsAttribute(string name, long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    private static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}
